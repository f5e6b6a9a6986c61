/*
 * config: parses wmid.conf with libinih and validates every value (daemon
 * layer).  The key table below is the whole grammar; config.h documents
 * the keys and their defaults.
 *
 * inih is driven through ini_parse_stream() with our own line reader, so
 * the reader knows the number of the line inih is working on: handler
 * errors get their exact line, over-long lines and NUL octets are refused
 * before inih could split or truncate them, and the text may come from
 * memory (the fuzz target) as well as from a file.
 */
#include "daemon/config.h"

#include <arpa/inet.h>
#include <errno.h>
#include <fcntl.h>
#include <ini.h>
#include <stdarg.h>
#include <stdio.h>
#include <string.h>
#include <strings.h>
#include <sys/stat.h>
#include <talloc.h>
#include <unistd.h>

#define LAYER "config"

/* inih's line buffer holds the text, "\r\n" and the NUL. */
#define LINE_MAX_TEXT (INI_MAX_LINE - 3)

struct parse_state;
typedef bool key_fn(struct parse_state *st, const char *value);

struct key_def {
	const char *section;
	const char *name;
	key_fn *fn;
};

struct parse_state {
	const char *name; /* file name for messages */
	const char *p;    /* reader position */
	const char *end;
	unsigned line;         /* the line inih is working on */
	unsigned section_line; /* line of the latest [section] header */
	struct wmid_config work;
	void *tmp;          /* new strings (child of cfg); freed on failure */
	uint64_t seen;      /* bit per key_def index */
	unsigned port_line; /* where exporter_port was set */
	bool failed;
	bool oom;
	unsigned err_line;
	char err[200];
	const char *key; /* the key being handled, for messages */
	const char *section;
};

static void fail_at(struct parse_state *st, unsigned line, const char *fmt, ...)
        __attribute__((format(printf, 3, 4)));

static void fail_at(struct parse_state *st, unsigned line, const char *fmt, ...)
{
	va_list ap;

	if (st->failed) {
		return;
	}
	st->failed = true;
	st->err_line = line;
	va_start(ap, fmt);
	vsnprintf(st->err, sizeof(st->err), fmt, ap);
	va_end(ap);
}

/* Copies [s] for a message: printable ASCII, at most 40 characters. */
static void quote_value(const char *s, char out[48])
{
	size_t i;

	for (i = 0; s[i] != '\0' && i < 40; i++) {
		unsigned char c = (unsigned char)s[i];

		out[i] = (c >= 0x20 && c < 0x7f) ? (char)c : '?';
	}
	if (s[i] != '\0' && i >= 40) {
		out[i - 3] = '.';
		out[i - 2] = '.';
		out[i - 1] = '.';
	}
	out[i] = '\0';
}

static bool bad_value(struct parse_state *st,
                      const char *value,
                      const char *expected)
{
	char q[48];

	quote_value(value, q);
	fail_at(st, st->line, "bad value '%s' for '%s' in [%s]: expected %s", q,
	        st->key, st->section, expected);
	return false;
}

/*
 * Reads a decimal number with an optional unit suffix.  [units] lists the
 * suffix letters and [mult] their multipliers.  Returns false on anything
 * else or when the result passes UINT32_MAX.
 */
static bool read_number(const char *s,
                        const char *units,
                        const uint32_t *mult,
                        uint32_t *out)
{
	uint64_t v = 0;
	size_t i = 0;

	if (s[0] < '0' || s[0] > '9') {
		return false;
	}
	while (s[i] >= '0' && s[i] <= '9') {
		v = v * 10 + (uint64_t)(s[i] - '0');
		if (v > UINT32_MAX) {
			return false;
		}
		i++;
	}
	if (s[i] != '\0') {
		const char *u = units != NULL ? strchr(units, s[i]) : NULL;

		if (u == NULL || s[i + 1] != '\0' || s[i] == '\0') {
			return false;
		}
		v *= mult[u - units];
		if (v > UINT32_MAX) {
			return false;
		}
	}
	*out = (uint32_t)v;
	return true;
}

static bool number_in(struct parse_state *st,
                      const char *value,
                      uint32_t min,
                      uint32_t max,
                      const char *expected,
                      const char *units,
                      const uint32_t *mult,
                      uint32_t *out)
{
	uint32_t v;

	if (!read_number(value, units, mult, &v) || v < min || v > max) {
		return bad_value(st, value, expected);
	}
	*out = v;
	return true;
}

static bool set_string(struct parse_state *st, const char *value, char **out)
{
	char *s;

	if (value[0] == '\0') {
		*out = NULL;
		return true;
	}
	s = talloc_strdup(st->tmp, value);
	if (s == NULL) {
		st->oom = true;
		return false;
	}
	*out = s;
	return true;
}

static bool is_ip_literal(const char *s)
{
	unsigned char addr[16];

	return inet_pton(AF_INET, s, addr) == 1 ||
	       inet_pton(AF_INET6, s, addr) == 1;
}

static bool key_listen(struct parse_state *st, const char *value)
{
	char **list = NULL;
	size_t n = 0;
	const char *p = value;

	for (;;) {
		const char *comma = strchr(p, ',');
		size_t len = comma != NULL ? (size_t)(comma - p) : strlen(p);
		char *item;

		while (len > 0 && (*p == ' ' || *p == '\t')) {
			p++;
			len--;
		}
		while (len > 0 && (p[len - 1] == ' ' || p[len - 1] == '\t')) {
			len--;
		}
		if (n == WMID_MAX_LISTEN) {
			return bad_value(st, value, "at most 16 addresses");
		}
		item = talloc_strndup(st->tmp, p, len);
		list = talloc_realloc(st->tmp, list, char *, n + 1);
		if (item == NULL || list == NULL) {
			st->oom = true;
			return false;
		}
		if (!is_ip_literal(item)) {
			return bad_value(
			        st, value,
			        "a comma list of IPv4 or IPv6 addresses");
		}
		list[n++] = item;
		if (comma == NULL) {
			break;
		}
		p = comma + 1;
	}
	st->work.listen = list;
	st->work.n_listen = n;
	return true;
}

static bool key_epm_port(struct parse_state *st, const char *value)
{
	uint32_t v;

	if (!number_in(st, value, 1, 65535, "a port number 1-65535", NULL, NULL,
	               &v)) {
		return false;
	}
	st->work.epm_port = (uint16_t)v;
	return true;
}

static bool key_port_range(struct parse_state *st, const char *value)
{
	const char *dash = strchr(value, '-');
	char lo[16];
	uint32_t a;
	uint32_t b;
	size_t n;
	static const char expected[] =
	        "a port range LOW-HIGH with 1 <= LOW <= HIGH <= 65535";

	if (dash == NULL || (n = (size_t)(dash - value)) >= sizeof(lo)) {
		return bad_value(st, value, expected);
	}
	memcpy(lo, value, n);
	lo[n] = '\0';
	while (n > 0 && (lo[n - 1] == ' ' || lo[n - 1] == '\t')) {
		lo[--n] = '\0';
	}
	dash++;
	while (*dash == ' ' || *dash == '\t') {
		dash++;
	}
	if (!read_number(lo, NULL, NULL, &a) ||
	    !read_number(dash, NULL, NULL, &b) || a < 1 || b > 65535 || a > b) {
		return bad_value(st, value, expected);
	}
	st->work.port_min = (uint16_t)a;
	st->work.port_max = (uint16_t)b;
	return true;
}

static bool key_exporter_port(struct parse_state *st, const char *value)
{
	uint32_t v;

	if (!number_in(st, value, 0, 65535, "0 or a port number 1-65535", NULL,
	               NULL, &v)) {
		return false;
	}
	st->work.exporter_port = (uint16_t)v;
	st->port_line = st->line;
	return true;
}

static bool key_path(struct parse_state *st, const char *value, char **out)
{
	if (value[0] != '\0' && value[0] != '/') {
		return bad_value(st, value, "an absolute path");
	}
	return set_string(st, value, out);
}

static bool key_state_dir(struct parse_state *st, const char *value)
{
	return key_path(st, value, &st->work.state_dir);
}

static bool key_log_dir(struct parse_state *st, const char *value)
{
	return key_path(st, value, &st->work.log_dir);
}

static bool key_run_dir(struct parse_state *st, const char *value)
{
	return key_path(st, value, &st->work.run_dir);
}

static bool key_max_connections(struct parse_state *st, const char *value)
{
	return number_in(st, value, 1, 1000000, "a number 1-1000000", NULL,
	                 NULL, &st->work.max_connections);
}

static bool key_max_per_address(struct parse_state *st, const char *value)
{
	return number_in(st, value, 1, 1000000, "a number 1-1000000", NULL,
	                 NULL, &st->work.max_connections_per_address);
}

static bool key_max_fragment(struct parse_state *st, const char *value)
{
	return number_in(st, value, 1432, 65535, "a size 1432-65535 octets",
	                 NULL, NULL, &st->work.max_fragment);
}

static bool key_max_message(struct parse_state *st, const char *value)
{
	static const uint32_t mult[] = { 1024u, 1024u * 1024u };

	return number_in(st, value, 4096, 256u * 1024 * 1024,
	                 "a size 4096-256M octets (K and M suffixes)", "KM",
	                 mult, &st->work.max_message);
}

static bool key_idle_timeout(struct parse_state *st, const char *value)
{
	static const uint32_t mult[] = { 1, 60, 3600 };

	return number_in(st, value, 0, 7 * 86400,
	                 "seconds 0-604800 (s, m and h suffixes; 0: never)",
	                 "smh", mult, &st->work.idle_timeout);
}

static const struct {
	const char *name;
	enum wmid_auth_level level;
} auth_levels[] = {
	{ "none", WMID_AUTHN_LEVEL_NONE },
	{ "connect", WMID_AUTHN_LEVEL_CONNECT },
	{ "call", WMID_AUTHN_LEVEL_CALL },
	{ "pkt", WMID_AUTHN_LEVEL_PKT },
	{ "integrity", WMID_AUTHN_LEVEL_PKT_INTEGRITY },
	{ "pkt_integrity", WMID_AUTHN_LEVEL_PKT_INTEGRITY },
	{ "privacy", WMID_AUTHN_LEVEL_PKT_PRIVACY },
	{ "pkt_privacy", WMID_AUTHN_LEVEL_PKT_PRIVACY },
};

static bool key_min_auth_level(struct parse_state *st, const char *value)
{
	for (size_t i = 0; i < sizeof(auth_levels) / sizeof(auth_levels[0]);
	     i++) {
		if (strcasecmp(value, auth_levels[i].name) == 0) {
			st->work.min_auth_level = auth_levels[i].level;
			return true;
		}
	}
	if (value[0] >= '1' && value[0] <= '6' && value[1] == '\0') {
		st->work.min_auth_level = (enum wmid_auth_level)(value[0] -
		                                                 '0');
		return true;
	}
	return bad_value(st, value,
	                 "none, connect, call, pkt, integrity, privacy or 1-6");
}

static bool key_ping_period(struct parse_state *st, const char *value)
{
	return number_in(st, value, 10, 3600000, "milliseconds 10-3600000",
	                 NULL, NULL, &st->work.ping_period_ms);
}

static bool key_ping_misses(struct parse_state *st, const char *value)
{
	return number_in(st, value, 1, 100, "a number 1-100", NULL, NULL,
	                 &st->work.ping_misses);
}

/* authnHint of the activation reply: a level as min_auth_level takes
 * (impacket uses integrity for 2-5 and privacy for 6). */
static bool key_authn_hint(struct parse_state *st, const char *value)
{
	enum wmid_auth_level keep = st->work.min_auth_level;
	bool ok = key_min_auth_level(st, value);

	if (ok) {
		st->work.authn_hint = st->work.min_auth_level;
	}
	st->work.min_auth_level = keep;
	return ok;
}

static bool key_allow_ntlmv1(struct parse_state *st, const char *value)
{
	static const char *const yes[] = { "yes", "true", "on", "1" };
	static const char *const no[] = { "no", "false", "off", "0" };

	for (size_t i = 0; i < 4; i++) {
		if (strcasecmp(value, yes[i]) == 0) {
			st->work.allow_ntlmv1 = true;
			return true;
		}
		if (strcasecmp(value, no[i]) == 0) {
			st->work.allow_ntlmv1 = false;
			return true;
		}
	}
	return bad_value(st, value, "yes or no");
}

static bool key_netbios_name(struct parse_state *st, const char *value)
{
	size_t n = strlen(value);

	if (n > WMID_NETBIOS_NAME_MAX) {
		return bad_value(st, value, "at most 15 characters");
	}
	for (size_t i = 0; i < n; i++) {
		unsigned char c = (unsigned char)value[i];

		if (!((c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') ||
		      (c >= '0' && c <= '9') || c == '-' || c == '_')) {
			return bad_value(st, value,
			                 "letters, digits, '-' and '_' only");
		}
	}
	if (!set_string(st, value, &st->work.netbios_name)) {
		return false;
	}
	for (char *p = st->work.netbios_name; p != NULL && *p != '\0'; p++) {
		if (*p >= 'a' && *p <= 'z') {
			*p = (char)(*p - 'a' + 'A');
		}
	}
	return true;
}

static bool valid_dns_name(const char *s)
{
	size_t label = 0;
	size_t n = strlen(s);

	if (n == 0 || n > WMID_DNS_NAME_MAX || s[0] == '.' || s[0] == '-') {
		return false;
	}
	for (size_t i = 0; i < n; i++) {
		unsigned char c = (unsigned char)s[i];

		if (c == '.') {
			if (label == 0 || s[i - 1] == '-') {
				return false;
			}
			label = 0;
			continue;
		}
		if (!((c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') ||
		      (c >= '0' && c <= '9') || c == '-')) {
			return false;
		}
		if (++label > 63) {
			return false;
		}
	}
	return s[n - 1] != '-';
}

static bool key_dns_name(struct parse_state *st, const char *value)
{
	if (value[0] != '\0' && !valid_dns_name(value)) {
		return bad_value(st, value,
		                 "a host name (letters, digits, '-', dots)");
	}
	return set_string(st, value, &st->work.dns_name);
}

static bool key_provider_host(struct parse_state *st, const char *value)
{
	return key_path(st, value, &st->work.provider_host);
}

static bool key_provider_dir(struct parse_state *st, const char *value)
{
	return key_path(st, value, &st->work.provider_dir);
}

static bool key_provider_timeout(struct parse_state *st, const char *value)
{
	return number_in(st, value, 0, 3600000, "a number 0-3600000", NULL,
	                 NULL, &st->work.provider_call_timeout_ms);
}

static bool key_provider_idle(struct parse_state *st, const char *value)
{
	return number_in(st, value, 0, 86400000, "a number 0-86400000", NULL,
	                 NULL, &st->work.provider_idle_timeout_ms);
}

static bool key_service_user(struct parse_state *st, const char *value)
{
	return set_string(st, value, &st->work.provider_service_user);
}

static const struct {
	const char *name;
	enum log_level level;
} log_levels[] = {
	{ "error", LOG_LVL_ERROR },  { "warn", LOG_LVL_WARN },
	{ "warning", LOG_LVL_WARN }, { "info", LOG_LVL_INFO },
	{ "debug", LOG_LVL_DEBUG },
};

static bool key_log_level(struct parse_state *st, const char *value)
{
	for (size_t i = 0; i < sizeof(log_levels) / sizeof(log_levels[0]);
	     i++) {
		if (strcasecmp(value, log_levels[i].name) == 0) {
			st->work.log_level = log_levels[i].level;
			return true;
		}
	}
	return bad_value(st, value, "error, warn, info or debug");
}

static const struct key_def keys[] = {
	{ "service", "listen", key_listen },
	{ "service", "epm_port", key_epm_port },
	{ "service", "dynamic_port_range", key_port_range },
	{ "service", "exporter_port", key_exporter_port },
	{ "service", "state_dir", key_state_dir },
	{ "service", "log_dir", key_log_dir },
	{ "service", "run_dir", key_run_dir },
	{ "limits", "max_connections", key_max_connections },
	{ "limits", "max_connections_per_address", key_max_per_address },
	{ "limits", "max_fragment", key_max_fragment },
	{ "limits", "max_message", key_max_message },
	{ "limits", "idle_timeout", key_idle_timeout },
	{ "auth", "min_auth_level", key_min_auth_level },
	{ "auth", "allow_ntlmv1", key_allow_ntlmv1 },
	{ "auth", "netbios_name", key_netbios_name },
	{ "auth", "dns_name", key_dns_name },
	{ "log", "level", key_log_level },
	{ "dcom", "ping_period_ms", key_ping_period },
	{ "dcom", "ping_misses", key_ping_misses },
	{ "dcom", "authn_hint", key_authn_hint },
	{ "providers", "host", key_provider_host },
	{ "providers", "directory", key_provider_dir },
	{ "providers", "call_timeout_ms", key_provider_timeout },
	{ "providers", "idle_timeout_ms", key_provider_idle },
	{ "providers", "service_user", key_service_user },
};

static bool known_section(const char *section)
{
	for (size_t i = 0; i < sizeof(keys) / sizeof(keys[0]); i++) {
		if (strcasecmp(keys[i].section, section) == 0) {
			return true;
		}
	}
	return false;
}

static int on_pair(void *user,
                   const char *section,
                   const char *name,
                   const char *value)
{
	struct parse_state *st = user;
	char qs[48];
	char qn[48];

	if (st->failed || st->oom) {
		return 0;
	}
	quote_value(section, qs);
	quote_value(name, qn);
	if (section[0] == '\0') {
		fail_at(st, st->line, "key '%s' outside any [section]", qn);
		return 0;
	}
	if (!known_section(section)) {
		fail_at(st, st->section_line != 0 ? st->section_line : st->line,
		        "unknown section [%s]", qs);
		return 0;
	}
	for (size_t i = 0; i < sizeof(keys) / sizeof(keys[0]); i++) {
		if (strcasecmp(keys[i].section, section) != 0 ||
		    strcasecmp(keys[i].name, name) != 0) {
			continue;
		}
		if (st->seen & (UINT64_C(1) << i)) {
			fail_at(st, st->line,
			        "duplicate key '%s' in [%s] (a continuation "
			        "line or a second definition)",
			        qn, qs);
			return 0;
		}
		st->seen |= UINT64_C(1) << i;
		st->key = keys[i].name;
		st->section = keys[i].section;
		return keys[i].fn(st, value) ? 1 : 0;
	}
	fail_at(st, st->line, "unknown key '%s' in [%s]", qn, qs);
	return 0;
}

/* inih's fgets-style reader over [st->p, st->end). */
static char *read_line(char *str, int num, void *stream)
{
	struct parse_state *st = stream;
	const char *nl;
	size_t n;
	size_t text;
	size_t i = 0;

	if (st->p >= st->end || st->failed) {
		return NULL;
	}
	nl = memchr(st->p, '\n', (size_t)(st->end - st->p));
	n = nl != NULL ? (size_t)(nl - st->p) + 1 : (size_t)(st->end - st->p);
	st->line++;
	text = n;
	while (text > 0 &&
	       (st->p[text - 1] == '\n' || st->p[text - 1] == '\r')) {
		text--;
	}
	if (memchr(st->p, '\0', n) != NULL) {
		fail_at(st, st->line, "NUL octet in the line");
		return NULL;
	}
	if (text > LINE_MAX_TEXT || num <= 0 || n + 1 > (size_t)num) {
		fail_at(st, st->line, "line longer than %d characters",
		        LINE_MAX_TEXT);
		return NULL;
	}
	memcpy(str, st->p, n);
	str[n] = '\0';
	st->p += n;
	if (st->line == 1 && strncmp(str, "\xef\xbb\xbf", 3) == 0) {
		i = 3; /* inih skips a UTF-8 BOM on the first line */
	}
	while (str[i] == ' ' || str[i] == '\t') {
		i++;
	}
	if (str[i] == '[') {
		st->section_line = st->line;
	}
	return str;
}

/* Describes the syntax error inih found on [line] of the text. */
static void syntax_error(struct parse_state *st,
                         const char *text,
                         size_t len,
                         unsigned line)
{
	const char *p = text;
	const char *end = text + len;

	for (unsigned l = 1; l < line && p < end; l++) {
		const char *nl = memchr(p, '\n', (size_t)(end - p));

		p = nl != NULL ? nl + 1 : end;
	}
	while (p < end && (*p == ' ' || *p == '\t')) {
		p++;
	}
	if (p < end && *p == '[') {
		fail_at(st, line, "section header without ']'");
	} else {
		fail_at(st, line, "expected '[section]' or 'key = value'");
	}
}

struct wmid_config *wmid_config_new(void *mem)
{
	struct wmid_config *cfg = talloc_zero(mem, struct wmid_config);

	if (cfg == NULL) {
		return NULL;
	}
	cfg->listen = talloc_array(cfg, char *, 1);
	if (cfg->listen == NULL ||
	    (cfg->listen[0] = talloc_strdup(cfg->listen, "127.0.0.1")) ==
	            NULL) {
		talloc_free(cfg);
		return NULL;
	}
	cfg->n_listen = 1;
	cfg->epm_port = 135;
	cfg->port_min = 49152;
	cfg->port_max = 65535;
	cfg->max_connections = 4096;
	cfg->max_connections_per_address = 1024;
	cfg->max_fragment = 5840;
	cfg->max_message = 8u * 1024 * 1024;
	cfg->idle_timeout = 900;
	cfg->min_auth_level = WMID_AUTHN_LEVEL_PKT_INTEGRITY;
	cfg->allow_ntlmv1 = false;
	cfg->log_level = LOG_LVL_INFO;
	cfg->ping_period_ms = 120000;
	cfg->ping_misses = 3;
	cfg->authn_hint = WMID_AUTHN_LEVEL_CONNECT;
	return cfg;
}

hresult wmid_config_parse(struct wmid_config *cfg,
                          const char *name,
                          const char *text,
                          size_t len,
                          struct errinfo *ei)
{
	struct parse_state st;
	hresult hr = HR_OK;
	int r;
	unsigned first;

	memset(&st, 0, sizeof(st));
	st.name = name != NULL ? name : "(config)";
	st.p = text;
	st.end = text + len;
	st.work = *cfg;
	st.tmp = talloc_new(cfg);
	if (st.tmp == NULL) {
		return err_set(ei, HR_E_OUTOFMEMORY, LAYER, "out of memory");
	}
	r = ini_parse_stream(read_line, &st, on_pair, &st);
	if (st.oom || r == -2) {
		hr = err_set(ei, HR_E_OUTOFMEMORY, LAYER, "out of memory");
		goto out;
	}
	/* The first error wins: inih's line (a syntax or handler error) or
	 * ours (a handler or reader error). */
	first = st.failed ? st.err_line : 0;
	if (r > 0 && (!st.failed || (unsigned)r < first)) {
		st.failed = false;
		syntax_error(&st, text, len, (unsigned)r);
	}
	if (!st.failed && st.work.exporter_port != 0 &&
	    (st.work.exporter_port < st.work.port_min ||
	     st.work.exporter_port > st.work.port_max)) {
		fail_at(&st, st.port_line,
		        "exporter_port %u is outside dynamic_port_range %u-%u",
		        st.work.exporter_port, st.work.port_min,
		        st.work.port_max);
	}
	if (st.failed) {
		hr = err_set_pos(ei, HR_E_INVALIDARG, LAYER, st.err_line, 0, 0,
		                 "%s:%u: %s", st.name, st.err_line, st.err);
		if (ei != NULL) {
			snprintf(ei->file, sizeof(ei->file), "%s", st.name);
		}
		goto out;
	}
	st.tmp = NULL; /* already under cfg */
	*cfg = st.work;
out:
	talloc_free(st.tmp);
	return hr;
}

hresult wmid_config_load(struct wmid_config *cfg,
                         const char *path,
                         struct errinfo *ei)
{
	void *mem = talloc_new(NULL);
	char *text = NULL;
	size_t len = 0;
	hresult hr;
	struct stat sb;
	int fd = open(path, O_RDONLY | O_CLOEXEC);

	if (mem == NULL) {
		if (fd >= 0) {
			close(fd);
		}
		return err_set(ei, HR_E_OUTOFMEMORY, LAYER, "out of memory");
	}
	if (fd < 0) {
		int e = errno;

		hr = e == ENOENT                   ? HR_HR_ERROR_FILE_NOT_FOUND
		     : (e == EACCES || e == EPERM) ? HR_E_ACCESSDENIED
		                                   : HR_E_FAIL;
		hr = err_set(ei, hr, LAYER, "cannot open config '%s': %s", path,
		             strerror(e));
		goto out;
	}
	if (fstat(fd, &sb) != 0 || !S_ISREG(sb.st_mode) ||
	    sb.st_size > WMID_CONFIG_MAX_BYTES) {
		hr = err_set(ei, HR_E_FAIL, LAYER,
		             "config '%s' is not a regular file of at most %d "
		             "octets",
		             path, WMID_CONFIG_MAX_BYTES);
		goto out;
	}
	text = talloc_size(mem, (size_t)sb.st_size + 1);
	if (text == NULL) {
		hr = err_set(ei, HR_E_OUTOFMEMORY, LAYER, "out of memory");
		goto out;
	}
	while (len < (size_t)sb.st_size) {
		ssize_t n = read(fd, text + len, (size_t)sb.st_size - len);

		if (n < 0 && errno == EINTR) {
			continue;
		}
		if (n < 0) {
			hr = err_set(ei, HR_E_FAIL, LAYER,
			             "cannot read config '%s': %s", path,
			             strerror(errno));
			goto out;
		}
		if (n == 0) {
			break;
		}
		len += (size_t)n;
	}
	text[len] = '\0';
	hr = wmid_config_parse(cfg, path, text, len, ei);
out:
	if (fd >= 0) {
		close(fd);
	}
	talloc_free(mem);
	return hr;
}

const char *wmid_auth_level_name(enum wmid_auth_level level)
{
	switch (level) {
	case WMID_AUTHN_LEVEL_NONE:
		return "none";
	case WMID_AUTHN_LEVEL_CONNECT:
		return "connect";
	case WMID_AUTHN_LEVEL_CALL:
		return "call";
	case WMID_AUTHN_LEVEL_PKT:
		return "pkt";
	case WMID_AUTHN_LEVEL_PKT_INTEGRITY:
		return "integrity";
	case WMID_AUTHN_LEVEL_PKT_PRIVACY:
		return "privacy";
	}
	return "?";
}

const char *wmid_log_level_name(enum log_level level)
{
	switch (level) {
	case LOG_LVL_ERROR:
		return "error";
	case LOG_LVL_WARN:
		return "warn";
	case LOG_LVL_INFO:
		return "info";
	case LOG_LVL_DEBUG:
		return "debug";
	}
	return "?";
}
