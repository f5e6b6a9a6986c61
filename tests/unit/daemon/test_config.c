/*
 * Unit tests for daemon/config: defaults, every key, and the error
 * messages (file:line and the fault) for bad input.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <talloc.h>
#include <unistd.h>

#include <cmocka.h>

#include "daemon/config.h"

static hresult parse(struct wmid_config *cfg,
                     const char *text,
                     struct errinfo *ei)
{
	err_clear(ei);
	return wmid_config_parse(cfg, "wmid.conf", text, strlen(text), ei);
}

/* Parses [text] expecting failure with message [msg] exactly. */
static void expect_error(const char *text, const char *msg)
{
	struct wmid_config *cfg = wmid_config_new(NULL);
	struct wmid_config before;
	struct errinfo ei;
	hresult hr;

	assert_non_null(cfg);
	before = *cfg;
	hr = parse(cfg, text, &ei);
	if (!hr_eq(hr, HR_E_INVALIDARG) || strcmp(ei.msg, msg) != 0) {
		fail_msg("for %s\nwant %s\ngot  %s (%s)", text, msg, ei.msg,
		         hr_name(hr));
	}
	/* A failed parse changes nothing. */
	assert_memory_equal(&before, cfg, sizeof(before));
	talloc_free(cfg);
}

static void test_defaults(void **state)
{
	struct wmid_config *cfg = wmid_config_new(NULL);

	(void)state;
	assert_non_null(cfg);
	assert_int_equal(cfg->n_listen, 1);
	assert_string_equal(cfg->listen[0], "127.0.0.1");
	assert_int_equal(cfg->epm_port, 135);
	assert_int_equal(cfg->port_min, 49152);
	assert_int_equal(cfg->port_max, 65535);
	assert_int_equal(cfg->exporter_port, 0);
	assert_null(cfg->state_dir);
	assert_int_equal(cfg->max_connections, 4096);
	assert_int_equal(cfg->max_fragment, 5840);
	assert_int_equal(cfg->min_auth_level, WMID_AUTHN_LEVEL_PKT_INTEGRITY);
	assert_false(cfg->allow_ntlmv1);
	assert_int_equal(cfg->log_level, LOG_LVL_INFO);
	talloc_free(cfg);
}

static void test_every_key(void **state)
{
	struct wmid_config *cfg = wmid_config_new(NULL);
	struct errinfo ei;
	const char *text = "; comment\n"
	                   "# another\n"
	                   "[Service]\n"
	                   "listen = 127.0.0.2, ::1 ,10.1.2.3\n"
	                   "epm_port=1135\n"
	                   "dynamic_port_range = 50000 - 50010\n"
	                   "exporter_port = 50005\n"
	                   "state_dir = /tmp/state\n"
	                   "log_dir = /tmp/logs\n"
	                   "run_dir = /tmp/run\n"
	                   "\n"
	                   "[limits]\n"
	                   "max_connections = 2000\n"
	                   "max_connections_per_address = 1500\n"
	                   "max_fragment = 1432\n"
	                   "max_message = 2M\n"
	                   "idle_timeout = 2m ; inline comment\n"
	                   "[auth]\n"
	                   "min_auth_level = privacy\n"
	                   "allow_ntlmv1 = On\n"
	                   "netbios_name = wmi-host_1\n"
	                   "dns_name = wmi-host.example.org\n"
	                   "[log]\n"
	                   "LEVEL = debug\n";

	(void)state;
	assert_true(hr_eq(parse(cfg, text, &ei), HR_OK));
	assert_int_equal(cfg->n_listen, 3);
	assert_string_equal(cfg->listen[0], "127.0.0.2");
	assert_string_equal(cfg->listen[1], "::1");
	assert_string_equal(cfg->listen[2], "10.1.2.3");
	assert_int_equal(cfg->epm_port, 1135);
	assert_int_equal(cfg->port_min, 50000);
	assert_int_equal(cfg->port_max, 50010);
	assert_int_equal(cfg->exporter_port, 50005);
	assert_string_equal(cfg->state_dir, "/tmp/state");
	assert_string_equal(cfg->log_dir, "/tmp/logs");
	assert_string_equal(cfg->run_dir, "/tmp/run");
	assert_int_equal(cfg->max_connections, 2000);
	assert_int_equal(cfg->max_connections_per_address, 1500);
	assert_int_equal(cfg->max_fragment, 1432);
	assert_int_equal(cfg->max_message, 2 * 1024 * 1024);
	assert_int_equal(cfg->idle_timeout, 120);
	assert_int_equal(cfg->min_auth_level, WMID_AUTHN_LEVEL_PKT_PRIVACY);
	assert_true(cfg->allow_ntlmv1);
	assert_string_equal(cfg->netbios_name, "WMI-HOST_1");
	assert_string_equal(cfg->dns_name, "wmi-host.example.org");
	assert_int_equal(cfg->log_level, LOG_LVL_DEBUG);
	talloc_free(cfg);
}

static void test_dcom_keys(void **state)
{
	struct wmid_config *cfg = wmid_config_new(NULL);
	struct errinfo ei;

	(void)state;
	assert_int_equal(cfg->ping_period_ms, 120000);
	assert_int_equal(cfg->ping_misses, 3);
	assert_int_equal(cfg->authn_hint, WMID_AUTHN_LEVEL_CONNECT);
	assert_true(hr_eq(parse(cfg,
	                        "[auth]\nmin_auth_level = privacy\n"
	                        "[DCOM]\nping_period_ms = 250\n"
	                        "ping_misses = 1\nauthn_hint = 6\n",
	                        &ei),
	                  HR_OK));
	assert_int_equal(cfg->ping_period_ms, 250);
	assert_int_equal(cfg->ping_misses, 1);
	assert_int_equal(cfg->authn_hint, WMID_AUTHN_LEVEL_PKT_PRIVACY);
	/* authn_hint does not touch min_auth_level and vice versa. */
	assert_int_equal(cfg->min_auth_level, WMID_AUTHN_LEVEL_PKT_PRIVACY);
	assert_true(hr_eq(parse(cfg, "[dcom]\nauthn_hint = integrity\n", &ei),
	                  HR_OK));
	assert_int_equal(cfg->authn_hint, WMID_AUTHN_LEVEL_PKT_INTEGRITY);
	assert_int_equal(cfg->min_auth_level, WMID_AUTHN_LEVEL_PKT_PRIVACY);
	talloc_free(cfg);
	expect_error("[dcom]\nping_period_ms = 5\n",
	             "wmid.conf:2: bad value '5' for 'ping_period_ms' in "
	             "[dcom]: expected milliseconds 10-3600000");
	expect_error("\n[dcom]\nping_misses = 0\n",
	             "wmid.conf:3: bad value '0' for 'ping_misses' in "
	             "[dcom]: expected a number 1-100");
	expect_error("[dcom]\nauthn_hint = 7\n",
	             "wmid.conf:2: bad value '7' for 'authn_hint' in [dcom]: "
	             "expected none, connect, call, pkt, integrity, privacy "
	             "or 1-6");
	expect_error("[dcom]\nping_interval = 5\n",
	             "wmid.conf:2: unknown key 'ping_interval' in [dcom]");
}

/* [providers] idle_timeout_ms: 0 (provreg's default) unless set. */
static void test_provider_idle_timeout(void **state)
{
	struct wmid_config *cfg = wmid_config_new(NULL);
	struct errinfo ei;

	(void)state;
	assert_int_equal(cfg->provider_idle_timeout_ms, 0);
	assert_true(hr_eq(parse(cfg,
	                        "[providers]\ncall_timeout_ms = 9000\n"
	                        "idle_timeout_ms = 1500\n",
	                        &ei),
	                  HR_OK));
	assert_int_equal(cfg->provider_idle_timeout_ms, 1500);
	assert_int_equal(cfg->provider_call_timeout_ms, 9000);
	assert_true(hr_eq(
	        parse(cfg, "[providers]\nidle_timeout_ms = 86400000\n", &ei),
	        HR_OK));
	assert_int_equal(cfg->provider_idle_timeout_ms, 86400000);
	talloc_free(cfg);
	expect_error("[providers]\nidle_timeout_ms = 86400001\n",
	             "wmid.conf:2: bad value '86400001' for 'idle_timeout_ms' "
	             "in [providers]: expected a number 0-86400000");
	expect_error("[providers]\nidle_timeout_ms = 30s\n",
	             "wmid.conf:2: bad value '30s' for 'idle_timeout_ms' in "
	             "[providers]: expected a number 0-86400000");
}

static void test_empty_file_keeps_defaults(void **state)
{
	struct wmid_config *cfg = wmid_config_new(NULL);
	struct errinfo ei;

	(void)state;
	assert_true(hr_eq(parse(cfg, "", &ei), HR_OK));
	assert_true(hr_eq(parse(cfg, "\n\n[service]\n", &ei), HR_OK));
	assert_int_equal(cfg->epm_port, 135);
	talloc_free(cfg);
}

static void test_auth_level_numbers(void **state)
{
	struct wmid_config *cfg = wmid_config_new(NULL);
	struct errinfo ei;
	char text[64];

	(void)state;
	for (int i = 1; i <= 6; i++) {
		snprintf(text, sizeof(text), "[auth]\nmin_auth_level=%d\n", i);
		assert_true(hr_eq(parse(cfg, text, &ei), HR_OK));
		assert_int_equal(cfg->min_auth_level, i);
	}
	talloc_free(cfg);
}

static void test_unknown_key_names_file_line_and_section(void **state)
{
	(void)state;
	expect_error(
	        "[service]\nepm_port = 135\n\n[limits]\nmax_conection = 1\n",
	        "wmid.conf:5: unknown key 'max_conection' in [limits]");
}

static void test_unknown_section_names_its_header_line(void **state)
{
	(void)state;
	expect_error("[service]\n\n[servise]\n; c\nlisten = 127.0.0.1\n",
	             "wmid.conf:3: unknown section [servise]");
	/* Found by fuzz_config: a BOM before the first header. */
	expect_error("\xef\xbb\xbf[atth]\nmin_th]\nmin_al = 6\n",
	             "wmid.conf:1: unknown section [atth]");
}

static void test_bad_values(void **state)
{
	(void)state;
	expect_error("[service]\nepm_port = abc\n",
	             "wmid.conf:2: bad value 'abc' for 'epm_port' in "
	             "[service]: expected a port number 1-65535");
	expect_error("[service]\nepm_port = 65536\n",
	             "wmid.conf:2: bad value '65536' for 'epm_port' in "
	             "[service]: expected a port number 1-65535");
	expect_error("[service]\nepm_port = 0\n",
	             "wmid.conf:2: bad value '0' for 'epm_port' in "
	             "[service]: expected a port number 1-65535");
	expect_error("[service]\nepm_port = -1\n",
	             "wmid.conf:2: bad value '-1' for 'epm_port' in "
	             "[service]: expected a port number 1-65535");
	expect_error("[service]\nepm_port =\n",
	             "wmid.conf:2: bad value '' for 'epm_port' in "
	             "[service]: expected a port number 1-65535");
	expect_error("[service]\nlisten = 127.0.0.1,localhost\n",
	             "wmid.conf:2: bad value '127.0.0.1,localhost' for "
	             "'listen' in [service]: expected a comma list of IPv4 "
	             "or IPv6 addresses");
	expect_error("[service]\nlisten = 127.0.0.1,\n",
	             "wmid.conf:2: bad value '127.0.0.1,' for 'listen' in "
	             "[service]: expected a comma list of IPv4 or IPv6 "
	             "addresses");
	expect_error("[service]\ndynamic_port_range = 6000-5000\n",
	             "wmid.conf:2: bad value '6000-5000' for "
	             "'dynamic_port_range' in [service]: expected a port "
	             "range LOW-HIGH with 1 <= LOW <= HIGH <= 65535");
	expect_error("[service]\nstate_dir = relative/dir\n",
	             "wmid.conf:2: bad value 'relative/dir' for 'state_dir' "
	             "in [service]: expected an absolute path");
	expect_error("[limits]\nmax_fragment = 1431\n",
	             "wmid.conf:2: bad value '1431' for 'max_fragment' in "
	             "[limits]: expected a size 1432-65535 octets");
	expect_error("[limits]\nmax_message = 3G\n",
	             "wmid.conf:2: bad value '3G' for 'max_message' in "
	             "[limits]: expected a size 4096-256M octets (K and M "
	             "suffixes)");
	expect_error("[limits]\nmax_connections = 99999999999999999999\n",
	             "wmid.conf:2: bad value '99999999999999999999' for "
	             "'max_connections' in [limits]: expected a number "
	             "1-1000000");
	expect_error("[auth]\nmin_auth_level = 7\n",
	             "wmid.conf:2: bad value '7' for 'min_auth_level' in "
	             "[auth]: expected none, connect, call, pkt, integrity, "
	             "privacy or 1-6");
	expect_error("[auth]\nallow_ntlmv1 = maybe\n",
	             "wmid.conf:2: bad value 'maybe' for 'allow_ntlmv1' in "
	             "[auth]: expected yes or no");
	expect_error("[auth]\nnetbios_name = ABCDEFGHIJKLMNOP\n",
	             "wmid.conf:2: bad value 'ABCDEFGHIJKLMNOP' for "
	             "'netbios_name' in [auth]: expected at most 15 "
	             "characters");
	expect_error("[auth]\ndns_name = -bad.example\n",
	             "wmid.conf:2: bad value '-bad.example' for 'dns_name' "
	             "in [auth]: expected a host name (letters, digits, '-', "
	             "dots)");
	expect_error("[log]\nlevel = loud\n",
	             "wmid.conf:2: bad value 'loud' for 'level' in [log]: "
	             "expected error, warn, info or debug");
}

static void test_syntax_errors(void **state)
{
	(void)state;
	expect_error("[service\nepm_port = 1\n",
	             "wmid.conf:1: section header without ']'");
	expect_error("[service]\njust words\n",
	             "wmid.conf:2: expected '[section]' or 'key = value'");
	expect_error("epm_port = 1\n",
	             "wmid.conf:1: key 'epm_port' outside any [section]");
}

static void test_first_error_wins(void **state)
{
	(void)state;
	/* A syntax error before a bad value, and the reverse. */
	expect_error("[service]\nnonsense\nepm_port = x\n",
	             "wmid.conf:2: expected '[section]' or 'key = value'");
	expect_error("[service]\nepm_port = x\nnonsense\n",
	             "wmid.conf:2: bad value 'x' for 'epm_port' in "
	             "[service]: expected a port number 1-65535");
}

static void test_duplicate_and_continuation(void **state)
{
	(void)state;
	expect_error("[service]\nepm_port = 1\nEPM_PORT = 2\n",
	             "wmid.conf:3: duplicate key 'EPM_PORT' in [service] (a "
	             "continuation line or a second definition)");
	expect_error("[service]\nepm_port = 1\n  2\n",
	             "wmid.conf:3: duplicate key 'epm_port' in [service] (a "
	             "continuation line or a second definition)");
}

static void test_long_line_and_nul(void **state)
{
	char text[400];
	struct wmid_config *cfg = wmid_config_new(NULL);
	struct errinfo ei;
	static const char nul_text[] = "[service]\nepm_port = 1\0\n";

	(void)state;
	/* 197 characters is the longest line inih holds. */
	memset(text, 0, sizeof(text));
	memcpy(text, "[service]\n; ", 12);
	memset(text + 12, 'x', 195);
	assert_true(hr_eq(parse(cfg, text, &ei), HR_OK));
	text[12 + 195] = 'x';
	expect_error(text, "wmid.conf:2: line longer than 197 characters");
	assert_true(hr_eq(wmid_config_parse(cfg, "wmid.conf", nul_text,
	                                    sizeof(nul_text) - 1, &ei),
	                  HR_E_INVALIDARG));
	assert_string_equal(ei.msg, "wmid.conf:2: NUL octet in the line");
	talloc_free(cfg);
}

static void test_exporter_port_outside_range(void **state)
{
	(void)state;
	expect_error("[service]\nexporter_port = 40000\n",
	             "wmid.conf:2: exporter_port 40000 is outside "
	             "dynamic_port_range 49152-65535");
}

static void test_nonprintable_values_are_quoted_safely(void **state)
{
	(void)state;
	expect_error(
	        "[log]\nlevel = \x01\x7f"
	        "aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa\n",
	        "wmid.conf:2: bad value "
	        "'??aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa...' for 'level' in "
	        "[log]: expected error, warn, info or debug");
}

static void test_load_file(void **state)
{
	char path[] = "/tmp/owmi-config-XXXXXX";
	int fd = mkstemp(path);
	struct wmid_config *cfg = wmid_config_new(NULL);
	struct errinfo ei;
	static const char text[] = "[service]\nepm_port = 2135\n[log]\nx=1\n";
	char want[512];

	(void)state;
	assert_true(fd >= 0);
	assert_int_equal(write(fd, text, sizeof(text) - 1), sizeof(text) - 1);
	close(fd);
	err_clear(&ei);
	assert_true(hr_eq(wmid_config_load(cfg, path, &ei), HR_E_INVALIDARG));
	snprintf(want, sizeof(want), "%s:4: unknown key 'x' in [log]", path);
	assert_string_equal(ei.msg, want);
	assert_int_equal(ei.line, 4);
	assert_int_equal(cfg->epm_port, 135);
	unlink(path);
	err_clear(&ei);
	assert_true(hr_eq(wmid_config_load(cfg, path, &ei),
	                  HR_HR_ERROR_FILE_NOT_FOUND));
	talloc_free(cfg);
}

/* Allocation failure at every step: E_OUTOFMEMORY, config unchanged. */
static void test_memlimit_sweep(void **state)
{
	const char *text = "[service]\nlisten = 127.0.0.2, 127.0.0.3\n"
	                   "state_dir = /tmp/x\n[auth]\nnetbios_name = a\n";
	bool succeeded = false;
	bool failed = false;

	(void)state;
	for (size_t limit = 1; limit < 4096 && !succeeded; limit += 16) {
		void *top = talloc_new(NULL);
		struct wmid_config *cfg = wmid_config_new(top);
		struct errinfo ei;
		hresult hr;

		assert_non_null(cfg);
#pragma GCC diagnostic push
#pragma GCC diagnostic ignored "-Wdeprecated-declarations"
		talloc_set_memlimit(top, talloc_total_size(top) + limit);
#pragma GCC diagnostic pop
		hr = parse(cfg, text, &ei);
		if (hr_eq(hr, HR_OK)) {
			succeeded = true;
			assert_int_equal(cfg->n_listen, 2);
		} else {
			assert_true(hr_eq(hr, HR_E_OUTOFMEMORY));
			assert_int_equal(cfg->n_listen, 1);
			failed = true;
		}
		talloc_free(top);
	}
	assert_true(succeeded);
	assert_true(failed);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_defaults),
		cmocka_unit_test(test_every_key),
		cmocka_unit_test(test_dcom_keys),
		cmocka_unit_test(test_provider_idle_timeout),
		cmocka_unit_test(test_empty_file_keeps_defaults),
		cmocka_unit_test(test_auth_level_numbers),
		cmocka_unit_test(test_unknown_key_names_file_line_and_section),
		cmocka_unit_test(test_unknown_section_names_its_header_line),
		cmocka_unit_test(test_bad_values),
		cmocka_unit_test(test_syntax_errors),
		cmocka_unit_test(test_first_error_wins),
		cmocka_unit_test(test_duplicate_and_continuation),
		cmocka_unit_test(test_long_line_and_nul),
		cmocka_unit_test(test_exporter_port_outside_range),
		cmocka_unit_test(test_nonprintable_values_are_quoted_safely),
		cmocka_unit_test(test_load_file),
		cmocka_unit_test(test_memlimit_sweep),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
