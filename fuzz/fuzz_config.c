/*
 * fuzz_config: wmid.conf parsing (daemon/config.h).  Parses the input as a
 * config file over the defaults; on success checks the invariants every
 * accepted file must hold (ports, ranges, limits, names), then parses the
 * same text again over the result, which must succeed identically (a
 * parse depends only on its text).  On failure the message must name the
 * file and a line inside the input.
 */
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <talloc.h>

#include "daemon/config.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static void check(int cond)
{
	if (!cond) {
		abort();
	}
}

static unsigned count_lines(const uint8_t *data, size_t size)
{
	unsigned n = 1;

	for (size_t i = 0; i < size; i++) {
		n += data[i] == '\n';
	}
	return n;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	void *mem = talloc_new(NULL);
	struct wmid_config *cfg = wmid_config_new(mem);
	struct wmid_config *again = wmid_config_new(mem);
	struct errinfo ei;
	hresult hr;

	if (cfg == NULL || again == NULL || size > 65536) {
		talloc_free(mem);
		return 0;
	}
	err_clear(&ei);
	hr = wmid_config_parse(cfg, "f.conf", (const char *)data, size, &ei);
	if (hr_failed(hr)) {
		check(hr_eq(hr, HR_E_INVALIDARG) ||
		      hr_eq(hr, HR_E_OUTOFMEMORY));
		if (hr_eq(hr, HR_E_INVALIDARG)) {
			check(strncmp(ei.msg, "f.conf:", 7) == 0);
			check(ei.line >= 1 &&
			      ei.line <= count_lines(data, size));
		}
		talloc_free(mem);
		return 0;
	}
	check(cfg->n_listen >= 1 && cfg->n_listen <= WMID_MAX_LISTEN);
	for (size_t i = 0; i < cfg->n_listen; i++) {
		check(cfg->listen[i] != NULL && cfg->listen[i][0] != '\0');
	}
	check(cfg->epm_port >= 1);
	check(cfg->port_min >= 1 && cfg->port_min <= cfg->port_max);
	check(cfg->exporter_port == 0 || (cfg->exporter_port >= cfg->port_min &&
	                                  cfg->exporter_port <= cfg->port_max));
	check(cfg->max_connections >= 1 &&
	      cfg->max_connections_per_address >= 1);
	check(cfg->max_fragment >= 1432 && cfg->max_fragment <= 65535);
	check(cfg->max_message >= 4096);
	check(cfg->min_auth_level >= WMID_AUTHN_LEVEL_NONE &&
	      cfg->min_auth_level <= WMID_AUTHN_LEVEL_PKT_PRIVACY);
	check(cfg->netbios_name == NULL ||
	      strlen(cfg->netbios_name) <= WMID_NETBIOS_NAME_MAX);
	check(cfg->dns_name == NULL ||
	      strlen(cfg->dns_name) <= WMID_DNS_NAME_MAX);
	check(cfg->state_dir == NULL || cfg->state_dir[0] == '/');

	hr = wmid_config_parse(again, "f.conf", (const char *)data, size, &ei);
	check(hr_eq(hr, HR_OK));
	check(again->n_listen == cfg->n_listen);
	for (size_t i = 0; i < cfg->n_listen; i++) {
		check(strcmp(again->listen[i], cfg->listen[i]) == 0);
	}
	check(again->epm_port == cfg->epm_port &&
	      again->port_min == cfg->port_min &&
	      again->port_max == cfg->port_max &&
	      again->max_message == cfg->max_message &&
	      again->idle_timeout == cfg->idle_timeout &&
	      again->log_level == cfg->log_level);
	talloc_free(mem);
	return 0;
}
