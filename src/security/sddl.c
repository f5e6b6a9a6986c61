/*
 * sddl: the Security Descriptor Definition Language (security layer).
 *
 * Implements the grammar of MS-DTYP 2.5.1.1 without conditional ACEs,
 * resource-attribute ACEs and central-policy ACEs (those ACE types are
 * refused with a message naming them):
 *
 *   sddl      = *( "O:" sid / "G:" sid / "D:" acl / "S:" acl )
 *   acl       = *( "P" / "AR" / "AI" / "NO_ACCESS_CONTROL" ) *ace
 *   ace       = "(" type ";" *flag ";" rights ";" [guid] ";" [guid] ";"
 *               sid ")"
 *
 * The parser is a reentrant recursive-descent reader over a context
 * struct; every error reports a 1-based column and what was expected.
 * Limits: SEC_SDDL_MAX_LEN characters; each ACL must encode within 64 KiB.
 */
#include "security/sd.h"

#include <inttypes.h>
#include <stdio.h>
#include <string.h>
#include <talloc.h>

#include "base/buf.h"
#include "security/security-int.h"

#define SEC_SDDL_MAX_LEN (1024 * 1024)

static const char layer[] = "security";

struct ace_type_row {
	const char *letters;
	uint8_t type;
};

static const struct ace_type_row ace_types[] = {
	{ "A", SEC_ACE_ACCESS_ALLOWED },
	{ "D", SEC_ACE_ACCESS_DENIED },
	{ "OA", SEC_ACE_ACCESS_ALLOWED_OBJECT },
	{ "OD", SEC_ACE_ACCESS_DENIED_OBJECT },
	{ "AU", SEC_ACE_SYSTEM_AUDIT },
	{ "AL", SEC_ACE_SYSTEM_ALARM },
	{ "OU", SEC_ACE_SYSTEM_AUDIT_OBJECT },
	{ "OL", SEC_ACE_SYSTEM_ALARM_OBJECT },
	{ "ML", SEC_ACE_SYSTEM_MANDATORY_LABEL },
};

/* ACE types that exist in SDDL but need grammar this parser lacks. */
static const char *const unsupported_types[] = {
	"XA", "XD", "XU", "ZA", "RA", "SP",
};

struct flag_row {
	char letters[3];
	uint8_t flag;
};

/* Also the order in which flags are formatted. */
static const struct flag_row ace_flags[] = {
	{ "OI", SEC_ACE_OBJECT_INHERIT },
	{ "CI", SEC_ACE_CONTAINER_INHERIT },
	{ "NP", SEC_ACE_NO_PROPAGATE_INHERIT },
	{ "IO", SEC_ACE_INHERIT_ONLY },
	{ "ID", SEC_ACE_INHERITED },
	{ "SA", SEC_ACE_SUCCESSFUL_ACCESS },
	{ "FA", SEC_ACE_FAILED_ACCESS },
};

struct right_row {
	char letters[3];
	uint32_t mask;
};

/* Single-bit letters, in the order they are formatted. */
static const struct right_row rights_single[] = {
	{ "CC", 0x00000001 }, { "DC", 0x00000002 }, { "LC", 0x00000004 },
	{ "SW", 0x00000008 }, { "RP", 0x00000010 }, { "WP", 0x00000020 },
	{ "DT", 0x00000040 }, { "LO", 0x00000080 }, { "CR", 0x00000100 },
	{ "SD", 0x00010000 }, { "RC", 0x00020000 }, { "WD", 0x00040000 },
	{ "WO", 0x00080000 }, { "GA", 0x10000000 }, { "GX", 0x20000000 },
	{ "GW", 0x40000000 }, { "GR", 0x80000000 },
};

/* Composite letters: accepted anywhere, formatted only on exact match. */
static const struct right_row rights_composite[] = {
	{ "FA", 0x001F01FF }, { "FR", 0x00120089 }, { "FW", 0x00120116 },
	{ "FX", 0x001200A0 }, { "KA", 0x000F003F }, { "KR", 0x00020019 },
	{ "KW", 0x00020006 }, { "KX", 0x00020019 },
};

/* Mandatory label letters (only meaningful in ML ACEs). */
static const struct right_row rights_label[] = {
	{ "NW", 0x2 },
	{ "NR", 0x1 },
	{ "NX", 0x4 },
};

#define N_ELEMS(a) (sizeof(a) / sizeof((a)[0]))

struct sddl_parser {
	const char *s;
	size_t n;
	size_t pos;
	void *mem;
	const struct sec_sid *domain;
	struct errinfo *ei;
};

static hresult syntax(struct sddl_parser *p,
                      size_t at,
                      const char *fmt,
                      const char *what)
{
	char found[24];
	size_t k = 0;

	if (at >= p->n) {
		snprintf(found, sizeof(found), "end of input");
	} else {
		found[k++] = '\'';
		while (k < 10 && at + k - 1 < p->n) {
			char c = p->s[at + k - 1];

			found[k++] = (c >= 0x20 && c < 0x7F) ? c : '?';
		}
		found[k++] = '\'';
		found[k] = '\0';
	}
	return err_set_pos(p->ei, HR_WBEM_E_INVALID_SYNTAX, layer, 1,
	                   (uint32_t)(at + 1), at,
	                   "sddl: 1:%zu: %s%s, found %s", at + 1, fmt,
	                   what != NULL ? what : "", found);
}

static bool at_end(const struct sddl_parser *p)
{
	return p->pos >= p->n;
}

static char peek(const struct sddl_parser *p, size_t ahead)
{
	return p->pos + ahead < p->n ? p->s[p->pos + ahead] : '\0';
}

static void skip_ws(struct sddl_parser *p)
{
	while (!at_end(p) && (p->s[p->pos] == ' ' || p->s[p->pos] == '\t' ||
	                      p->s[p->pos] == '\r' || p->s[p->pos] == '\n')) {
		p->pos++;
	}
}

static bool starts_with(const struct sddl_parser *p, const char *lit)
{
	size_t k = strlen(lit);

	return p->n - p->pos >= k && memcmp(p->s + p->pos, lit, k) == 0;
}

static hresult expect(struct sddl_parser *p, char c, const char *what)
{
	if (peek(p, 0) != c) {
		return syntax(p, p->pos, "expected ", what);
	}
	p->pos++;
	return HR_OK;
}

static hresult parse_sid(struct sddl_parser *p, struct sec_sid *out)
{
	size_t used = 0;
	hresult hr;

	if ((peek(p, 0) == 'S' || peek(p, 0) == 's') && peek(p, 1) == '-') {
		hr = sec_sid_parse_prefix(p->s + p->pos, p->n - p->pos, p->pos,
		                          &used, out, p->ei);
		if (hr_failed(hr)) {
			return hr;
		}
		p->pos += used;
		return HR_OK;
	}
	if (p->n - p->pos >= 2 &&
	    sec_sid_from_alias(p->s + p->pos, p->domain, out)) {
		p->pos += 2;
		return HR_OK;
	}
	return syntax(p, p->pos, "expected a SID or a SID alias", NULL);
}

/* Reads a number (0x hex, 0 octal, decimal) that fits in 32 bits. */
static hresult parse_number(struct sddl_parser *p, uint32_t *out)
{
	size_t start = p->pos;
	unsigned base = 10;
	uint64_t v = 0;
	size_t digits = 0;

	if (peek(p, 0) == '0' && (peek(p, 1) == 'x' || peek(p, 1) == 'X')) {
		base = 16;
		p->pos += 2;
	} else if (peek(p, 0) == '0') {
		base = 8;
	}
	for (;;) {
		char c = peek(p, 0);
		unsigned d;

		if (c >= '0' && c <= '9') {
			d = (unsigned)(c - '0');
		} else if (base == 16 && c >= 'a' && c <= 'f') {
			d = (unsigned)(c - 'a' + 10);
		} else if (base == 16 && c >= 'A' && c <= 'F') {
			d = (unsigned)(c - 'A' + 10);
		} else {
			break;
		}
		if (d >= base) {
			return syntax(p, p->pos, "bad digit in access mask",
			              NULL);
		}
		v = v * base + d;
		if (v > 0xFFFFFFFFu) {
			return syntax(p, start, "access mask exceeds 32 bits",
			              NULL);
		}
		digits++;
		p->pos++;
	}
	if (digits == 0) {
		return syntax(p, p->pos, "expected hex digits", NULL);
	}
	*out = (uint32_t)v;
	return HR_OK;
}

static bool match_right(const struct right_row *rows,
                        size_t n,
                        const char *s,
                        uint32_t *mask)
{
	for (size_t i = 0; i < n; i++) {
		if (rows[i].letters[0] == s[0] && rows[i].letters[1] == s[1]) {
			*mask |= rows[i].mask;
			return true;
		}
	}
	return false;
}

static hresult parse_rights(struct sddl_parser *p, uint8_t type, uint32_t *out)
{
	uint32_t mask = 0;

	if (peek(p, 0) >= '0' && peek(p, 0) <= '9') {
		return parse_number(p, out);
	}
	while (peek(p, 0) != ';' && !at_end(p)) {
		const char *s = p->s + p->pos;

		if (p->n - p->pos < 2) {
			return syntax(p, p->pos, "expected a rights string",
			              NULL);
		}
		if (!match_right(rights_single, N_ELEMS(rights_single), s,
		                 &mask) &&
		    !match_right(rights_composite, N_ELEMS(rights_composite), s,
		                 &mask) &&
		    !(type == SEC_ACE_SYSTEM_MANDATORY_LABEL &&
		      match_right(rights_label, N_ELEMS(rights_label), s,
		                  &mask))) {
			return syntax(p, p->pos, "unknown access right", NULL);
		}
		p->pos += 2;
	}
	*out = mask;
	return HR_OK;
}

static int hexv(char c)
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
 * Parses "xxxxxxxx-xxxx-xxxx-xxxx-xxxxxxxxxxxx" into wire order (Data1,
 * Data2, Data3 little-endian; Data4 as written).
 */
static hresult parse_guid(struct sddl_parser *p, uint8_t out[16])
{
	static const uint8_t group_len[5] = { 8, 4, 4, 4, 12 };
	uint8_t raw[16];
	size_t k = 0;
	hresult hr;

	for (size_t g = 0; g < 5; g++) {
		if (g > 0 && hr_failed(hr = expect(p, '-', "'-' in GUID"))) {
			return hr;
		}
		for (size_t i = 0; i < group_len[g]; i += 2) {
			int hi = hexv(peek(p, 0));
			int lo = hexv(peek(p, 1));

			if (hi < 0 || lo < 0) {
				return syntax(p, p->pos,
				              "expected hex digits in GUID",
				              NULL);
			}
			raw[k++] = (uint8_t)(hi << 4 | lo);
			p->pos += 2;
		}
	}
	out[0] = raw[3];
	out[1] = raw[2];
	out[2] = raw[1];
	out[3] = raw[0];
	out[4] = raw[5];
	out[5] = raw[4];
	out[6] = raw[7];
	out[7] = raw[6];
	memcpy(out + 8, raw + 8, 8);
	return HR_OK;
}

static hresult parse_ace_type(struct sddl_parser *p, uint8_t *type)
{
	size_t start = p->pos;
	size_t len = 0;

	while (p->pos + len < p->n && p->s[p->pos + len] != ';' && len < 3) {
		len++;
	}
	for (size_t i = 0; i < N_ELEMS(ace_types); i++) {
		if (strlen(ace_types[i].letters) == len &&
		    memcmp(ace_types[i].letters, p->s + start, len) == 0) {
			*type = ace_types[i].type;
			p->pos += len;
			return HR_OK;
		}
	}
	for (size_t i = 0; i < N_ELEMS(unsupported_types); i++) {
		if (len == 2 &&
		    memcmp(unsupported_types[i], p->s + start, 2) == 0) {
			return syntax(p, start,
			              "conditional, resource-attribute and "
			              "policy ACEs are not supported",
			              NULL);
		}
	}
	return syntax(p, start, "expected an ACE type", NULL);
}

static hresult parse_ace_flags(struct sddl_parser *p, uint8_t *flags)
{
	uint8_t f = 0;

	while (peek(p, 0) != ';' && !at_end(p)) {
		bool found = false;

		for (size_t i = 0; i < N_ELEMS(ace_flags); i++) {
			if (starts_with(p, ace_flags[i].letters)) {
				f |= ace_flags[i].flag;
				found = true;
				break;
			}
		}
		if (!found) {
			return syntax(p, p->pos, "unknown ACE flag", NULL);
		}
		p->pos += 2;
	}
	*flags = f;
	return HR_OK;
}

static hresult parse_opt_guid(struct sddl_parser *p,
                              struct sec_ace *ace,
                              uint32_t flag,
                              uint8_t out[16])
{
	hresult hr;

	if (peek(p, 0) == ';') {
		return HR_OK;
	}
	if (!sec_ace_type_is_object(ace->type)) {
		return syntax(p, p->pos,
		              "a GUID is allowed only in object ACEs", NULL);
	}
	if (hr_failed(hr = parse_guid(p, out))) {
		return hr;
	}
	ace->obj_flags |= flag;
	return HR_OK;
}

static hresult parse_ace(struct sddl_parser *p, struct sec_acl *acl)
{
	struct sec_ace ace;
	size_t start = p->pos;
	hresult hr;

	memset(&ace, 0, sizeof(ace));
	if (hr_failed(hr = expect(p, '(', "'('")) ||
	    hr_failed(hr = parse_ace_type(p, &ace.type)) ||
	    hr_failed(hr = expect(p, ';', "';' after the ACE type")) ||
	    hr_failed(hr = parse_ace_flags(p, &ace.flags)) ||
	    hr_failed(hr = expect(p, ';', "';' after the ACE flags")) ||
	    hr_failed(hr = parse_rights(p, ace.type, &ace.mask)) ||
	    hr_failed(hr = expect(p, ';', "';' after the rights")) ||
	    hr_failed(hr = parse_opt_guid(p, &ace, SEC_ACE_OBJECT_TYPE_PRESENT,
	                                  ace.object_type)) ||
	    hr_failed(hr = expect(p, ';', "';' after the object GUID")) ||
	    hr_failed(hr = parse_opt_guid(p, &ace,
	                                  SEC_ACE_INHERITED_OBJECT_TYPE_PRESENT,
	                                  ace.inherited_object_type)) ||
	    hr_failed(hr = expect(p, ';', "';' after the inherit GUID")) ||
	    hr_failed(hr = parse_sid(p, &ace.sid)) ||
	    hr_failed(hr = expect(p, ')', "')' closing the ACE"))) {
		return hr;
	}
	hr = sec_acl_add(acl, &ace);
	if (hr_eq(hr, HR_WBEM_E_INVALID_PARAMETER)) {
		return syntax(p, start, "ACL exceeds 65535 bytes", NULL);
	}
	if (hr_failed(hr)) {
		return err_set(p->ei, hr, layer, "sddl: out of memory");
	}
	return HR_OK;
}

/* Parses the part after "D:" or "S:". */
static hresult parse_acl(struct sddl_parser *p, struct sec_sd *sd, bool dacl)
{
	uint16_t prot = dacl ? SEC_SE_DACL_PROTECTED : SEC_SE_SACL_PROTECTED;
	uint16_t req = dacl ? SEC_SE_DACL_AUTO_INHERIT_REQ
	                    : SEC_SE_SACL_AUTO_INHERIT_REQ;
	uint16_t inh = dacl ? SEC_SE_DACL_AUTO_INHERITED
	                    : SEC_SE_SACL_AUTO_INHERITED;
	bool null_acl = false;
	struct sec_acl *acl = NULL;
	hresult hr;

	for (;;) {
		if (starts_with(p, "NO_ACCESS_CONTROL")) {
			null_acl = true;
			p->pos += strlen("NO_ACCESS_CONTROL");
		} else if (starts_with(p, "AR")) {
			sd->control |= req;
			p->pos += 2;
		} else if (starts_with(p, "AI")) {
			sd->control |= inh;
			p->pos += 2;
		} else if (peek(p, 0) == 'P') {
			sd->control |= prot;
			p->pos++;
		} else {
			break;
		}
	}
	sd->control |= dacl ? SEC_SE_DACL_PRESENT : SEC_SE_SACL_PRESENT;
	if (!null_acl) {
		acl = sec_acl_new(sd);
		if (acl == NULL) {
			return err_set(p->ei, HR_E_OUTOFMEMORY, layer,
			               "sddl: out of memory");
		}
	}
	for (;;) {
		skip_ws(p);
		if (peek(p, 0) != '(') {
			break;
		}
		if (null_acl) {
			return syntax(p, p->pos,
			              "NO_ACCESS_CONTROL takes no ACEs", NULL);
		}
		if (hr_failed(hr = parse_ace(p, acl))) {
			return hr;
		}
	}
	if (dacl) {
		sd->dacl = acl;
	} else {
		sd->sacl = acl;
	}
	return HR_OK;
}

static hresult parse_component(struct sddl_parser *p,
                               struct sec_sd *sd,
                               unsigned *seen)
{
	char c = peek(p, 0);
	const char *order = "OGDS";
	const char *which = memchr(order, c, 4);
	unsigned bit;
	struct sec_sid sid;
	hresult hr;

	if (c == '\0' || which == NULL || peek(p, 1) != ':') {
		return syntax(p, p->pos, "expected O:, G:, D: or S:", NULL);
	}
	bit = 1u << (unsigned)(which - order);
	if (*seen & bit) {
		return syntax(p, p->pos, "component given twice", NULL);
	}
	*seen |= bit;
	p->pos += 2;
	if (c == 'D' || c == 'S') {
		return parse_acl(p, sd, c == 'D');
	}
	if (hr_failed(hr = parse_sid(p, &sid))) {
		return hr;
	}
	if (c == 'O') {
		sd->owner = talloc_memdup(sd, &sid, sizeof(sid));
	} else {
		sd->group = talloc_memdup(sd, &sid, sizeof(sid));
	}
	if ((c == 'O' ? sd->owner : sd->group) == NULL) {
		return err_set(p->ei, HR_E_OUTOFMEMORY, layer,
		               "sddl: out of memory");
	}
	return HR_OK;
}

hresult sec_sddl_parse(void *mem,
                       const char *sddl,
                       const struct sec_sid *domain,
                       struct sec_sd **out,
                       struct errinfo *ei)
{
	struct sddl_parser p = {
		.s = sddl,
		.n = strnlen(sddl, SEC_SDDL_MAX_LEN + 1),
		.mem = mem,
		.domain = domain,
		.ei = ei,
	};
	struct sec_sd *sd;
	unsigned seen = 0;
	hresult hr = HR_OK;

	if (p.n > SEC_SDDL_MAX_LEN) {
		return err_set(ei, HR_WBEM_E_INVALID_SYNTAX, layer,
		               "sddl: longer than %d characters",
		               SEC_SDDL_MAX_LEN);
	}
	sd = sec_sd_new(mem);
	if (sd == NULL) {
		return err_set(ei, HR_E_OUTOFMEMORY, layer,
		               "sddl: out of memory");
	}
	for (;;) {
		skip_ws(&p);
		if (at_end(&p)) {
			break;
		}
		if (hr_failed(hr = parse_component(&p, sd, &seen))) {
			talloc_free(sd);
			return hr;
		}
	}
	*out = sd;
	return HR_OK;
}

/* ---- formatting ---- */

static hresult fmt_sid(struct buf *b,
                       const struct sec_sid *sid,
                       const struct sec_sid *domain)
{
	const char *alias = sec_sid_alias(sid, domain);
	char tmp[SEC_SID_STRING_MAX];

	return buf_addstr(b, alias != NULL ? alias : sec_sid_format(sid, tmp));
}

static hresult fmt_rights(struct buf *b, const struct sec_ace *ace)
{
	uint32_t m = ace->mask;
	uint32_t covered = 0;
	hresult hr = HR_OK;

	if (m == 0) {
		return HR_OK;
	}
	if (ace->type == SEC_ACE_SYSTEM_MANDATORY_LABEL && (m & ~7u) == 0) {
		for (size_t i = 0; i < N_ELEMS(rights_label); i++) {
			if ((m & rights_label[i].mask) &&
			    hr_failed(hr = buf_addstr(
			                      b, rights_label[i].letters))) {
				return hr;
			}
		}
		return HR_OK;
	}
	for (size_t i = 0; i < N_ELEMS(rights_composite); i++) {
		if (m == rights_composite[i].mask) {
			return buf_addstr(b, rights_composite[i].letters);
		}
	}
	for (size_t i = 0; i < N_ELEMS(rights_single); i++) {
		covered |= rights_single[i].mask;
	}
	if ((m & ~covered) != 0) {
		return buf_addf(b, "0x%" PRIx32, m);
	}
	for (size_t i = 0; i < N_ELEMS(rights_single); i++) {
		if ((m & rights_single[i].mask) &&
		    hr_failed(hr = buf_addstr(b, rights_single[i].letters))) {
			return hr;
		}
	}
	return HR_OK;
}

static hresult fmt_guid(struct buf *b, const uint8_t g[16])
{
	return buf_addf(b,
	                "%02x%02x%02x%02x-%02x%02x-%02x%02x-%02x%02x-"
	                "%02x%02x%02x%02x%02x%02x",
	                g[3], g[2], g[1], g[0], g[5], g[4], g[7], g[6], g[8],
	                g[9], g[10], g[11], g[12], g[13], g[14], g[15]);
}

static hresult fmt_ace(struct buf *b,
                       const struct sec_ace *ace,
                       const struct sec_sid *domain,
                       struct errinfo *ei)
{
	const char *type = NULL;
	uint8_t known_flags = 0;
	hresult hr;

	for (size_t i = 0; i < N_ELEMS(ace_types); i++) {
		if (ace_types[i].type == ace->type) {
			type = ace_types[i].letters;
		}
	}
	for (size_t i = 0; i < N_ELEMS(ace_flags); i++) {
		known_flags |= ace_flags[i].flag;
	}
	if (type == NULL) {
		return err_set(ei, HR_WBEM_E_INVALID_PARAMETER, layer,
		               "sddl: ACE type 0x%02x has no SDDL form",
		               (unsigned)ace->type);
	}
	if ((ace->flags & ~known_flags) != 0 || ace->n_extra > 0) {
		return err_set(ei, HR_WBEM_E_INVALID_PARAMETER, layer,
		               "sddl: ACE flags 0x%02x or trailing data have "
		               "no SDDL form",
		               (unsigned)ace->flags);
	}
	if (hr_failed(hr = buf_addch(b, '(')) ||
	    hr_failed(hr = buf_addstr(b, type)) ||
	    hr_failed(hr = buf_addch(b, ';'))) {
		return hr;
	}
	for (size_t i = 0; i < N_ELEMS(ace_flags); i++) {
		if ((ace->flags & ace_flags[i].flag) &&
		    hr_failed(hr = buf_addstr(b, ace_flags[i].letters))) {
			return hr;
		}
	}
	if (hr_failed(hr = buf_addch(b, ';')) ||
	    hr_failed(hr = fmt_rights(b, ace)) ||
	    hr_failed(hr = buf_addch(b, ';'))) {
		return hr;
	}
	if (sec_ace_type_is_object(ace->type) &&
	    (ace->obj_flags & SEC_ACE_OBJECT_TYPE_PRESENT) &&
	    hr_failed(hr = fmt_guid(b, ace->object_type))) {
		return hr;
	}
	if (hr_failed(hr = buf_addch(b, ';'))) {
		return hr;
	}
	if (sec_ace_type_is_object(ace->type) &&
	    (ace->obj_flags & SEC_ACE_INHERITED_OBJECT_TYPE_PRESENT) &&
	    hr_failed(hr = fmt_guid(b, ace->inherited_object_type))) {
		return hr;
	}
	if (hr_failed(hr = buf_addch(b, ';')) ||
	    hr_failed(hr = fmt_sid(b, &ace->sid, domain))) {
		return hr;
	}
	return buf_addch(b, ')');
}

static hresult fmt_acl(struct buf *b,
                       const struct sec_sd *sd,
                       bool dacl,
                       const struct sec_sid *domain,
                       struct errinfo *ei)
{
	const struct sec_acl *acl = dacl ? sd->dacl : sd->sacl;
	uint16_t c = sd->control;
	hresult hr;

	if (hr_failed(hr = buf_addstr(b, dacl ? "D:" : "S:"))) {
		return hr;
	}
	if ((c & (dacl ? SEC_SE_DACL_PROTECTED : SEC_SE_SACL_PROTECTED)) &&
	    hr_failed(hr = buf_addch(b, 'P'))) {
		return hr;
	}
	if ((c & (dacl ? SEC_SE_DACL_AUTO_INHERIT_REQ
	               : SEC_SE_SACL_AUTO_INHERIT_REQ)) &&
	    hr_failed(hr = buf_addstr(b, "AR"))) {
		return hr;
	}
	if ((c & (dacl ? SEC_SE_DACL_AUTO_INHERITED
	               : SEC_SE_SACL_AUTO_INHERITED)) &&
	    hr_failed(hr = buf_addstr(b, "AI"))) {
		return hr;
	}
	if (acl == NULL) {
		return buf_addstr(b, "NO_ACCESS_CONTROL");
	}
	for (size_t i = 0; i < acl->n_aces; i++) {
		if (hr_failed(hr = fmt_ace(b, &acl->aces[i], domain, ei))) {
			return hr;
		}
	}
	return HR_OK;
}

hresult sec_sddl_format(void *mem,
                        const struct sec_sd *sd,
                        const struct sec_sid *domain,
                        char **out,
                        struct errinfo *ei)
{
	struct buf b;
	hresult hr = HR_OK;

	buf_init(&b, mem);
	if (sd->owner != NULL &&
	    (hr_failed(hr = buf_addstr(&b, "O:")) ||
	     hr_failed(hr = fmt_sid(&b, sd->owner, domain)))) {
		goto out;
	}
	if (sd->group != NULL &&
	    (hr_failed(hr = buf_addstr(&b, "G:")) ||
	     hr_failed(hr = fmt_sid(&b, sd->group, domain)))) {
		goto out;
	}
	if ((sd->control & SEC_SE_DACL_PRESENT) &&
	    hr_failed(hr = fmt_acl(&b, sd, true, domain, ei))) {
		goto out;
	}
	if ((sd->control & SEC_SE_SACL_PRESENT) &&
	    hr_failed(hr = fmt_acl(&b, sd, false, domain, ei))) {
		goto out;
	}
	*out = buf_detach(&b, NULL);
out:
	if (hr_failed(hr)) {
		buf_release(&b);
		if (hr_eq(hr, HR_E_OUTOFMEMORY)) {
			err_set(ei, hr, layer, "sddl: out of memory");
		}
	}
	return hr;
}
