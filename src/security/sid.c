/*
 * sid: security identifiers (security layer).
 *
 * Implements MS-DTYP 2.4.2.1 (string form), 2.4.2.2 (binary form), 2.4.2.4
 * (well-known SIDs) and the sid-token aliases of 2.5.1.1.  See sid.h for
 * the byte layout and the invariants.
 */
#include "security/sid.h"

#include <inttypes.h>
#include <stdio.h>
#include <string.h>
#include <talloc.h>

#include "security/security-int.h"

#define WK(a, n, ...)                                                        \
	{                                                                    \
		.revision = 1, .n_sub = (n), .auth = { 0, 0, 0, 0, 0, (a) }, \
		.sub = { __VA_ARGS__ }                                       \
	}

const struct sec_sid sec_sid_null = WK(0, 1, 0);
const struct sec_sid sec_sid_everyone = WK(1, 1, 0);
const struct sec_sid sec_sid_local = WK(2, 1, 0);
const struct sec_sid sec_sid_creator_owner = WK(3, 1, 0);
const struct sec_sid sec_sid_creator_group = WK(3, 1, 1);
const struct sec_sid sec_sid_network = WK(5, 1, 2);
const struct sec_sid sec_sid_interactive = WK(5, 1, 4);
const struct sec_sid sec_sid_anonymous = WK(5, 1, 7);
const struct sec_sid sec_sid_principal_self = WK(5, 1, 10);
const struct sec_sid sec_sid_authenticated_users = WK(5, 1, 11);
const struct sec_sid sec_sid_local_system = WK(5, 1, 18);
const struct sec_sid sec_sid_local_service = WK(5, 1, 19);
const struct sec_sid sec_sid_network_service = WK(5, 1, 20);
const struct sec_sid sec_sid_builtin_admins = WK(5, 2, 32, 544);
const struct sec_sid sec_sid_builtin_users = WK(5, 2, 32, 545);
const struct sec_sid sec_sid_builtin_guests = WK(5, 2, 32, 546);
const struct sec_sid sec_sid_perfmon_users = WK(5, 2, 32, 558);
const struct sec_sid sec_sid_perflog_users = WK(5, 2, 32, 559);
const struct sec_sid sec_sid_dcom_users = WK(5, 2, 32, 562);
const struct sec_sid sec_sid_remote_mgmt_users = WK(5, 2, 32, 580);
const struct sec_sid sec_sid_all_app_packages = WK(15, 2, 2, 1);

/*
 * The sid-token aliases of MS-DTYP 2.5.1.1.  A row with domain_rid != 0 is
 * relative to the machine/domain SID; otherwise sid is absolute.  The
 * forest-root aliases (SA, EA, RO) are resolved against the same domain:
 * OpenWMI serves one machine, which is its own root.
 */
struct alias_row {
	char alias[3];
	uint32_t domain_rid;
	struct sec_sid sid;
};

static const struct alias_row alias_rows[] = {
	{ "WD", 0, WK(1, 1, 0) },
	{ "CO", 0, WK(3, 1, 0) },
	{ "CG", 0, WK(3, 1, 1) },
	{ "OW", 0, WK(3, 1, 4) },
	{ "NU", 0, WK(5, 1, 2) },
	{ "IU", 0, WK(5, 1, 4) },
	{ "SU", 0, WK(5, 1, 6) },
	{ "AN", 0, WK(5, 1, 7) },
	{ "ED", 0, WK(5, 1, 9) },
	{ "PS", 0, WK(5, 1, 10) },
	{ "AU", 0, WK(5, 1, 11) },
	{ "RC", 0, WK(5, 1, 12) },
	{ "SY", 0, WK(5, 1, 18) },
	{ "LS", 0, WK(5, 1, 19) },
	{ "NS", 0, WK(5, 1, 20) },
	{ "WR", 0, WK(5, 1, 33) },
	{ "BA", 0, WK(5, 2, 32, 544) },
	{ "BU", 0, WK(5, 2, 32, 545) },
	{ "BG", 0, WK(5, 2, 32, 546) },
	{ "PU", 0, WK(5, 2, 32, 547) },
	{ "AO", 0, WK(5, 2, 32, 548) },
	{ "SO", 0, WK(5, 2, 32, 549) },
	{ "PO", 0, WK(5, 2, 32, 550) },
	{ "BO", 0, WK(5, 2, 32, 551) },
	{ "RE", 0, WK(5, 2, 32, 552) },
	{ "RU", 0, WK(5, 2, 32, 554) },
	{ "RD", 0, WK(5, 2, 32, 555) },
	{ "NO", 0, WK(5, 2, 32, 556) },
	{ "MU", 0, WK(5, 2, 32, 558) },
	{ "LU", 0, WK(5, 2, 32, 559) },
	{ "IS", 0, WK(5, 2, 32, 568) },
	{ "CY", 0, WK(5, 2, 32, 569) },
	{ "ER", 0, WK(5, 2, 32, 573) },
	{ "CD", 0, WK(5, 2, 32, 574) },
	{ "RA", 0, WK(5, 2, 32, 575) },
	{ "ES", 0, WK(5, 2, 32, 576) },
	{ "MS", 0, WK(5, 2, 32, 577) },
	{ "HA", 0, WK(5, 2, 32, 578) },
	{ "AA", 0, WK(5, 2, 32, 579) },
	{ "RM", 0, WK(5, 2, 32, 580) },
	{ "UD", 0, WK(5, 6, 84, 0, 0, 0, 0, 0) },
	{ "AC", 0, WK(15, 2, 2, 1) },
	{ "LW", 0, WK(16, 1, 4096) },
	{ "ME", 0, WK(16, 1, 8192) },
	{ "MP", 0, WK(16, 1, 8448) },
	{ "HI", 0, WK(16, 1, 12288) },
	{ "SI", 0, WK(16, 1, 16384) },
	{ "RO", 498, { 0 } },
	{ "LA", 500, { 0 } },
	{ "LG", 501, { 0 } },
	{ "DA", 512, { 0 } },
	{ "DU", 513, { 0 } },
	{ "DG", 514, { 0 } },
	{ "DC", 515, { 0 } },
	{ "DD", 516, { 0 } },
	{ "CA", 517, { 0 } },
	{ "SA", 518, { 0 } },
	{ "EA", 519, { 0 } },
	{ "PA", 520, { 0 } },
	{ "CN", 522, { 0 } },
	{ "RS", 553, { 0 } },
};

struct name_row {
	struct sec_sid sid;
	const char *domain;
	const char *name;
};

static const struct name_row name_rows[] = {
	{ WK(0, 1, 0), "", "NULL SID" },
	{ WK(1, 1, 0), "", "Everyone" },
	{ WK(2, 1, 0), "", "LOCAL" },
	{ WK(3, 1, 0), "", "CREATOR OWNER" },
	{ WK(3, 1, 1), "", "CREATOR GROUP" },
	{ WK(5, 1, 2), "NT AUTHORITY", "NETWORK" },
	{ WK(5, 1, 4), "NT AUTHORITY", "INTERACTIVE" },
	{ WK(5, 1, 7), "NT AUTHORITY", "ANONYMOUS LOGON" },
	{ WK(5, 1, 10), "NT AUTHORITY", "SELF" },
	{ WK(5, 1, 11), "NT AUTHORITY", "Authenticated Users" },
	{ WK(5, 1, 18), "NT AUTHORITY", "SYSTEM" },
	{ WK(5, 1, 19), "NT AUTHORITY", "LOCAL SERVICE" },
	{ WK(5, 1, 20), "NT AUTHORITY", "NETWORK SERVICE" },
	{ WK(5, 2, 32, 544), "BUILTIN", "Administrators" },
	{ WK(5, 2, 32, 545), "BUILTIN", "Users" },
	{ WK(5, 2, 32, 546), "BUILTIN", "Guests" },
	{ WK(5, 2, 32, 558), "BUILTIN", "Performance Monitor Users" },
	{ WK(5, 2, 32, 559), "BUILTIN", "Performance Log Users" },
	{ WK(5, 2, 32, 562), "BUILTIN", "Distributed COM Users" },
	{ WK(5, 2, 32, 580), "BUILTIN", "Remote Management Users" },
	{ WK(15, 2, 2, 1), "APPLICATION PACKAGE AUTHORITY",
	  "ALL APPLICATION PACKAGES" },
};

#define N_ELEMS(a) (sizeof(a) / sizeof((a)[0]))

bool sec_sid_make(struct sec_sid *out,
                  uint64_t authority,
                  size_t n_sub,
                  const uint32_t *sub)
{
	struct sec_sid s;

	if (n_sub > SEC_SID_MAX_SUB || authority > 0xFFFFFFFFFFFFull) {
		return false;
	}
	memset(&s, 0, sizeof(s));
	s.revision = 1;
	s.n_sub = (uint8_t)n_sub;
	for (int i = 5; i >= 0; i--) {
		s.auth[i] = (uint8_t)(authority & 0xFF);
		authority >>= 8;
	}
	for (size_t i = 0; i < n_sub; i++) {
		s.sub[i] = sub[i];
	}
	*out = s;
	return true;
}

bool sec_sid_append_rid(struct sec_sid *out,
                        const struct sec_sid *base,
                        uint32_t rid)
{
	struct sec_sid s = *base;

	if (s.n_sub >= SEC_SID_MAX_SUB) {
		return false;
	}
	s.sub[s.n_sub++] = rid;
	*out = s;
	return true;
}

uint64_t sec_sid_authority(const struct sec_sid *sid)
{
	uint64_t v = 0;

	for (int i = 0; i < 6; i++) {
		v = (v << 8) | sid->auth[i];
	}
	return v;
}

uint32_t sec_sid_rid(const struct sec_sid *sid)
{
	return sid->n_sub == 0 ? 0 : sid->sub[sid->n_sub - 1];
}

bool sec_sid_is_in_domain(const struct sec_sid *sid,
                          const struct sec_sid *prefix)
{
	if (sid->n_sub != prefix->n_sub + 1 ||
	    memcmp(sid->auth, prefix->auth, 6) != 0) {
		return false;
	}
	for (size_t i = 0; i < prefix->n_sub; i++) {
		if (sid->sub[i] != prefix->sub[i]) {
			return false;
		}
	}
	return true;
}

bool sec_sid_equal(const struct sec_sid *a, const struct sec_sid *b)
{
	return sec_sid_cmp(a, b) == 0;
}

int sec_sid_cmp(const struct sec_sid *a, const struct sec_sid *b)
{
	int c = memcmp(a->auth, b->auth, 6);

	if (c != 0) {
		return c < 0 ? -1 : 1;
	}
	if (a->revision != b->revision) {
		return a->revision < b->revision ? -1 : 1;
	}
	for (size_t i = 0; i < a->n_sub && i < b->n_sub; i++) {
		if (a->sub[i] != b->sub[i]) {
			return a->sub[i] < b->sub[i] ? -1 : 1;
		}
	}
	if (a->n_sub != b->n_sub) {
		return a->n_sub < b->n_sub ? -1 : 1;
	}
	return 0;
}

static bool is_digit(char c)
{
	return c >= '0' && c <= '9';
}

static int hex_val(char c)
{
	if (c >= '0' && c <= '9') {
		return c - '0';
	}
	if (c >= 'a' && c <= 'f') {
		return c - 'a' + 10;
	}
	if (c >= 'A' && c <= 'F') {
		return c - 'A' + 10;
	}
	return -1;
}

/*
 * Reads a decimal number of at most [max] at s[*pos] (before n).  Returns
 * false when there is no digit or the value exceeds max.
 */
static bool read_dec(const char *s,
                     size_t n,
                     size_t *pos,
                     uint64_t max,
                     uint64_t *out)
{
	uint64_t v = 0;
	size_t i = *pos;

	if (i >= n || !is_digit(s[i])) {
		return false;
	}
	while (i < n && is_digit(s[i])) {
		v = v * 10 + (uint64_t)(s[i] - '0');
		if (v > max) {
			return false;
		}
		i++;
	}
	*pos = i;
	*out = v;
	return true;
}

static bool read_hex(const char *s,
                     size_t n,
                     size_t *pos,
                     size_t max_digits,
                     uint64_t *out)
{
	uint64_t v = 0;
	size_t i = *pos;
	size_t digits = 0;

	while (i < n && digits < max_digits && hex_val(s[i]) >= 0) {
		digits++;
		v = (v << 4) | (uint64_t)hex_val(s[i]);
		i++;
	}
	if (digits == 0) {
		return false;
	}
	*pos = i;
	*out = v;
	return true;
}

static hresult sid_syntax(struct errinfo *ei,
                          size_t base,
                          size_t pos,
                          const char *what)
{
	return err_set_pos(ei, HR_WBEM_E_INVALID_SYNTAX, "security", 1,
	                   (uint32_t)(base + pos + 1), base + pos,
	                   "sid: %s at offset %zu", what, base + pos);
}

hresult sec_sid_parse_prefix(const char *s,
                             size_t n,
                             size_t base,
                             size_t *used,
                             struct sec_sid *out,
                             struct errinfo *ei)
{
	struct sec_sid sid;
	size_t i = 0;
	uint64_t v = 0;

	memset(&sid, 0, sizeof(sid));
	if (n < 2 || (s[0] != 'S' && s[0] != 's') || s[1] != '-') {
		return sid_syntax(ei, base, 0, "expected 'S-'");
	}
	i = 2;
	if (!read_dec(s, n, &i, 0xFF, &v) || v != 1) {
		return sid_syntax(ei, base, 2, "revision must be 1");
	}
	if (i >= n || s[i] != '-') {
		return sid_syntax(ei, base, i, "expected '-' before authority");
	}
	i++;
	if (i + 1 < n && s[i] == '0' && (s[i + 1] == 'x' || s[i + 1] == 'X')) {
		i += 2;
		size_t start = i;

		/* Exactly 12 digits (MS-DTYP 2.4.2.1), so that a hex digit
		 * after the SID (SDDL "...D:") is never swallowed. */
		if (!read_hex(s, n, &i, 12, &v) || i - start != 12) {
			return sid_syntax(ei, base, start,
			                  "expected 12 hex digits");
		}
	} else if (!read_dec(s, n, &i, 0xFFFFFFFFFFFFull, &v)) {
		return sid_syntax(ei, base, i, "bad authority");
	}
	sec_sid_make(&sid, v, 0, NULL);
	while (i < n && s[i] == '-') {
		size_t at = i + 1;

		if (sid.n_sub == SEC_SID_MAX_SUB) {
			return sid_syntax(ei, base, i,
			                  "more than 15 sub-authorities");
		}
		i++;
		if (!read_dec(s, n, &i, 0xFFFFFFFFu, &v)) {
			return sid_syntax(ei, base, at, "bad sub-authority");
		}
		sid.sub[sid.n_sub++] = (uint32_t)v;
	}
	*used = i;
	*out = sid;
	return HR_OK;
}

hresult sec_sid_parse(const char *s, struct sec_sid *out, struct errinfo *ei)
{
	size_t n = strlen(s);
	size_t used = 0;
	struct sec_sid sid;
	hresult hr;

	hr = sec_sid_parse_prefix(s, n, 0, &used, &sid, ei);
	if (hr_failed(hr)) {
		return hr;
	}
	if (used != n) {
		return sid_syntax(ei, 0, used, "unexpected character");
	}
	*out = sid;
	return HR_OK;
}

char *sec_sid_format(const struct sec_sid *sid, char out[SEC_SID_STRING_MAX])
{
	uint64_t a = sec_sid_authority(sid);
	size_t len;
	int k;

	if (a >= 0x100000000ull) {
		k = snprintf(out, SEC_SID_STRING_MAX, "S-%u-0x%012" PRIX64,
		             (unsigned)sid->revision, a);
	} else {
		k = snprintf(out, SEC_SID_STRING_MAX, "S-%u-%" PRIu64,
		             (unsigned)sid->revision, a);
	}
	len = k > 0 ? (size_t)k : 0;
	for (size_t i = 0; i < sid->n_sub && i < SEC_SID_MAX_SUB; i++) {
		k = snprintf(out + len, SEC_SID_STRING_MAX - len, "-%" PRIu32,
		             sid->sub[i]);
		if (k < 0 || (size_t)k >= SEC_SID_STRING_MAX - len) {
			break;
		}
		len += (size_t)k;
	}
	return out;
}

char *sec_sid_to_string(void *mem, const struct sec_sid *sid)
{
	char tmp[SEC_SID_STRING_MAX];

	return talloc_strdup(mem, sec_sid_format(sid, tmp));
}

size_t sec_sid_wire_size(const struct sec_sid *sid)
{
	return 8 + 4 * (size_t)sid->n_sub;
}

hresult sec_sid_encode(const struct sec_sid *sid, struct buf *b)
{
	hresult hr;

	if (hr_failed(hr = buf_add_u8(b, sid->revision)) ||
	    hr_failed(hr = buf_add_u8(b, sid->n_sub)) ||
	    hr_failed(hr = buf_add(b, sid->auth, 6))) {
		return hr;
	}
	for (size_t i = 0; i < sid->n_sub; i++) {
		if (hr_failed(hr = buf_add_u32le(b, sid->sub[i]))) {
			return hr;
		}
	}
	return HR_OK;
}

hresult sec_sid_decode(const uint8_t *p,
                       size_t n,
                       size_t *used,
                       struct sec_sid *out,
                       struct errinfo *ei)
{
	struct sec_sid sid;
	size_t need;

	if (n < 8) {
		return err_set(ei, HR_WBEM_E_INVALID_OBJECT, "security",
		               "sid: %zu bytes, need at least 8", n);
	}
	if (p[0] != 1) {
		return err_set(ei, HR_WBEM_E_INVALID_OBJECT, "security",
		               "sid: revision %u, expected 1", (unsigned)p[0]);
	}
	if (p[1] > SEC_SID_MAX_SUB) {
		return err_set(ei, HR_WBEM_E_INVALID_OBJECT, "security",
		               "sid: %u sub-authorities, at most 15",
		               (unsigned)p[1]);
	}
	need = 8 + 4 * (size_t)p[1];
	if (n < need) {
		return err_set(ei, HR_WBEM_E_INVALID_OBJECT, "security",
		               "sid: truncated (%zu of %zu bytes)", n, need);
	}
	memset(&sid, 0, sizeof(sid));
	sid.revision = 1;
	sid.n_sub = p[1];
	memcpy(sid.auth, p + 2, 6);
	for (size_t i = 0; i < sid.n_sub; i++) {
		const uint8_t *q = p + 8 + 4 * i;

		sid.sub[i] = (uint32_t)q[0] | ((uint32_t)q[1] << 8) |
		             ((uint32_t)q[2] << 16) | ((uint32_t)q[3] << 24);
	}
	if (used != NULL) {
		*used = need;
	}
	*out = sid;
	return HR_OK;
}

bool sec_sid_from_alias(const char *alias,
                        const struct sec_sid *domain,
                        struct sec_sid *out)
{
	for (size_t i = 0; i < N_ELEMS(alias_rows); i++) {
		const struct alias_row *r = &alias_rows[i];

		if (r->alias[0] != alias[0] || r->alias[1] != alias[1]) {
			continue;
		}
		if (r->domain_rid == 0) {
			*out = r->sid;
			return true;
		}
		if (domain == NULL) {
			return false;
		}
		return sec_sid_append_rid(out, domain, r->domain_rid);
	}
	return false;
}

const char *sec_sid_alias(const struct sec_sid *sid,
                          const struct sec_sid *domain)
{
	bool in_domain = domain != NULL && sec_sid_is_in_domain(sid, domain);
	uint32_t rid = sec_sid_rid(sid);

	for (size_t i = 0; i < N_ELEMS(alias_rows); i++) {
		const struct alias_row *r = &alias_rows[i];

		if (r->domain_rid == 0) {
			if (sec_sid_equal(sid, &r->sid)) {
				return r->alias;
			}
		} else if (in_domain && r->domain_rid == rid) {
			return r->alias;
		}
	}
	return NULL;
}

const char *sec_sid_well_known_name(const struct sec_sid *sid,
                                    const char **domain)
{
	for (size_t i = 0; i < N_ELEMS(name_rows); i++) {
		if (sec_sid_equal(sid, &name_rows[i].sid)) {
			if (domain != NULL) {
				*domain = name_rows[i].domain;
			}
			return name_rows[i].name;
		}
	}
	return NULL;
}
