/*
 * objref: OBJREF (all four kinds), STDOBJREF, DUALSTRINGARRAY and the
 * marshaled Context (dcom layer, leaf codec).
 *
 * MS-DCOM 2.2.18, 2.2.18.1, 2.2.18.8, 2.2.19 and 2.2.20; layouts are drawn
 * in objref.h.  The packet forms are raw little-endian octets read through
 * the dcom-int.h helpers; only the NDR form of the DUALSTRINGARRAY and
 * STDOBJREF use the aligned NDR primitives.
 *
 * DUALSTRINGARRAY parsing, in units (u16) of aStringArray:
 *   [0, wSecurityOffset)           string bindings, then a 0 unit
 *   [wSecurityOffset, wNumEntries) security bindings, then a 0 unit
 * A non-empty section must contain its terminator (no double NUL is an
 * error, as impacket fails on it too); a zero-length section is read as
 * empty; units between a terminator and the section end are slack.
 */
#include "dcom/objref.h"

#include <stdio.h>
#include <string.h>
#include <talloc.h>

#include "base/utf.h"
#include "dcom/dcom-int.h"

/* A binding located in the unit array: id and the string's unit span. */
struct span {
	uint16_t id;
	size_t start;
	size_t len;
};

static enum ndr_err unit_fail(struct ndr_pull *ndr,
                              size_t base,
                              size_t unit,
                              enum ndr_err err,
                              const char *what)
{
	if (ndr->err == NDR_ERR_SUCCESS) {
		ndr->err = err;
		ndr->err_pos = base + 2 * unit;
		ndr->err_what = what;
	}
	return ndr->err;
}

static uint16_t unit_at(const uint8_t *p, size_t i)
{
	return (uint16_t)(p[2 * i] | (p[2 * i + 1] << 8));
}

/* Finds the first 0 unit in [from, end); returns end when there is none. */
static size_t find_nul(const uint8_t *p, size_t from, size_t end)
{
	while (from < end && unit_at(p, from) != 0) {
		from++;
	}
	return from;
}

/*
 * Scans one section [from, end) of bindings: id, (for security bindings
 * one reserved unit), string, NUL; then a 0 id.  Counts them in [*n] and,
 * when [spans] is not NULL, records each (room for *n from a previous
 * counting pass).
 */
static enum ndr_err scan_section(struct ndr_pull *ndr,
                                 const uint8_t *p,
                                 size_t base,
                                 size_t from,
                                 size_t end,
                                 bool security,
                                 struct span *spans,
                                 uint32_t *n)
{
	size_t i = from;

	*n = 0;
	if (from == end) {
		return NDR_ERR_SUCCESS;
	}
	for (;;) {
		size_t s;
		size_t nul;

		if (i >= end) {
			return unit_fail(ndr, base, i, NDR_ERR_RANGE,
			                 security
			                         ? "security bindings lack "
			                           "their terminator"
			                         : "string bindings lack their "
			                           "terminator");
		}
		if (unit_at(p, i) == 0) {
			return NDR_ERR_SUCCESS;
		}
		s = i + 1 + (security ? 1 : 0);
		if (s > end) {
			return unit_fail(ndr, base, i, NDR_ERR_RANGE,
			                 "security binding truncated");
		}
		nul = find_nul(p, s, end);
		if (nul >= end) {
			return unit_fail(ndr, base, i, NDR_ERR_RANGE,
			                 "binding lacks its NUL");
		}
		if (*n == DCOM_MAX_BINDINGS) {
			return unit_fail(ndr, base, i, NDR_ERR_LIMIT,
			                 "too many bindings");
		}
		if (spans != NULL) {
			spans[*n].id = unit_at(p, i);
			spans[*n].start = s;
			spans[*n].len = nul - s;
		}
		(*n)++;
		i = nul + 1;
	}
}

static enum ndr_err span_string(struct ndr_pull *ndr,
                                const uint8_t *p,
                                size_t base,
                                const struct span *s,
                                char **out)
{
	hresult hr = utf16le_to_utf8(ndr->mem, p + 2 * s->start, 2 * s->len,
	                             out, NULL);

	if (hr_failed(hr)) {
		return unit_fail(ndr, base, s->start, dcom_hr_to_ndr(hr),
		                 "binding string is not valid UTF-16");
	}
	return NDR_ERR_SUCCESS;
}

/* Decodes [n] units at [p] (stub offset [base]) with offset [sec]. */
static enum ndr_err dsa_parse(struct ndr_pull *ndr,
                              const uint8_t *p,
                              size_t base,
                              size_t n,
                              size_t sec,
                              struct dcom_dsa *r)
{
	struct span *spans = NULL;
	uint32_t n_str = 0;
	uint32_t n_sec = 0;
	void *a = NULL;
	enum ndr_err e = NDR_ERR_SUCCESS;

	memset(r, 0, sizeof(*r));
	if (sec > n) {
		return unit_fail(ndr, base, 0, NDR_ERR_RANGE,
		                 "wSecurityOffset past wNumEntries");
	}
	/* Count first, so nothing is allocated for a malformed array. */
	if (scan_section(ndr, p, base, 0, sec, false, NULL, &n_str) !=
	            NDR_ERR_SUCCESS ||
	    scan_section(ndr, p, base, sec, n, true, NULL, &n_sec) !=
	            NDR_ERR_SUCCESS) {
		return ndr->err;
	}
	if (n_str + n_sec == 0) {
		return NDR_ERR_SUCCESS;
	}
	spans = talloc_array(ndr->mem, struct span, n_str + n_sec);
	if (spans == NULL) {
		return ndr_pull_error(ndr, NDR_ERR_ALLOC, "binding scan");
	}
	scan_section(ndr, p, base, 0, sec, false, spans, &n_str);
	scan_section(ndr, p, base, sec, n, true, spans + n_str, &n_sec);
	e = ndr_pull_array_alloc(ndr, n_str, sizeof(*r->str), 0, &a);
	r->str = a;
	if (e == NDR_ERR_SUCCESS) {
		e = ndr_pull_array_alloc(ndr, n_sec, sizeof(*r->sec), 0, &a);
		r->sec = a;
	}
	for (uint32_t i = 0; e == NDR_ERR_SUCCESS && i < n_str; i++) {
		r->str[i].tower_id = spans[i].id;
		e = span_string(ndr, p, base, &spans[i], &r->str[i].addr);
		r->n_str = i + 1;
	}
	for (uint32_t i = 0; e == NDR_ERR_SUCCESS && i < n_sec; i++) {
		const struct span *s = &spans[n_str + i];

		r->sec[i].authn_svc = s->id;
		e = span_string(ndr, p, base, s, &r->sec[i].princ_name);
		r->n_sec = i + 1;
	}
	talloc_free(spans);
	return e;
}

enum ndr_err dcom_dsa_pull(struct ndr_pull *ndr, struct dcom_dsa *r)
{
	uint16_t n = 0;
	uint16_t sec = 0;
	const uint8_t *p = NULL;
	size_t base;

	memset(r, 0, sizeof(*r));
	dcom_raw_pull_u16(ndr, &n);
	dcom_raw_pull_u16(ndr, &sec);
	base = ndr->pos;
	if (ndr_pull_bytes_ref(ndr, (size_t)n * 2, &p) != NDR_ERR_SUCCESS) {
		return ndr->err;
	}
	return dsa_parse(ndr, p, base, n, sec, r);
}

enum ndr_err dcom_dsa_pull_ndr(struct ndr_pull *ndr, struct dcom_dsa *r)
{
	uint32_t max = 0;
	uint16_t n = 0;
	uint16_t sec = 0;
	const uint8_t *p = NULL;
	size_t base;

	memset(r, 0, sizeof(*r));
	ndr_pull_array_size(ndr, &max);
	ndr_pull_u16(ndr, &n);
	ndr_pull_u16(ndr, &sec);
	if (ndr->err != NDR_ERR_SUCCESS) {
		return ndr->err;
	}
	if (max != n) {
		return ndr_pull_error(ndr, NDR_ERR_ARRAY_SIZE,
		                      "DUALSTRINGARRAY conformance is not "
		                      "wNumEntries");
	}
	base = ndr->pos;
	if (ndr_pull_bytes_ref(ndr, (size_t)n * 2, &p) != NDR_ERR_SUCCESS) {
		return ndr->err;
	}
	return dsa_parse(ndr, p, base, n, sec, r);
}

/* Units of UTF-8 [s] in UTF-16, or SIZE_MAX when it is not valid UTF-8. */
static size_t units_of(const char *s)
{
	size_t n = strlen(s);

	if (!utf8_valid(s, n, NULL)) {
		return SIZE_MAX;
	}
	return utf8_utf16_len(s, n);
}

size_t dcom_dsa_units(const struct dcom_dsa *r)
{
	size_t total = 0;

	for (uint32_t i = 0; i < r->n_str; i++) {
		size_t u = units_of(r->str[i].addr != NULL ? r->str[i].addr
		                                           : "");

		if (u == SIZE_MAX) {
			return SIZE_MAX;
		}
		total += 2 + u;
	}
	total += r->n_str == 0 ? 2 : 1;
	for (uint32_t i = 0; i < r->n_sec; i++) {
		const char *pn = r->sec[i].princ_name;
		size_t u = units_of(pn != NULL ? pn : "");

		if (u == SIZE_MAX) {
			return SIZE_MAX;
		}
		total += 3 + u;
	}
	total += r->n_sec == 0 ? 2 : 1;
	return total;
}

/* Appends the UTF-16 units of valid UTF-8 [s] at [u] + *at. */
static void put_units(uint16_t *u, size_t *at, const char *s)
{
	const char *p = s;
	const char *end = s + strlen(s);

	while (p < end) {
		int32_t cp = utf8_next(&p, end);

		if (cp < 0) {
			return; /* validated by units_of before */
		}
		if (cp >= 0x10000) {
			cp -= 0x10000;
			u[(*at)++] = (uint16_t)(0xd800 | (cp >> 10));
			u[(*at)++] = (uint16_t)(0xdc00 | (cp & 0x3ff));
		} else {
			u[(*at)++] = (uint16_t)cp;
		}
	}
}

/*
 * Builds the unit array of [r] under ndr->mem: [*units] (owned), [*n]
 * units and [*sec] the security offset.
 */
static enum ndr_err dsa_units(struct ndr_push *ndr,
                              const struct dcom_dsa *r,
                              uint16_t **units,
                              size_t *n,
                              size_t *sec)
{
	size_t total = dcom_dsa_units(r);
	size_t at = 0;
	uint16_t *u;

	if (total == SIZE_MAX) {
		return ndr_push_error(ndr, NDR_ERR_STRING,
		                      "binding string is not valid UTF-8");
	}
	if (total > UINT16_MAX) {
		return ndr_push_error(ndr, NDR_ERR_RANGE,
		                      "DUALSTRINGARRAY above 65535 units");
	}
	u = talloc_zero_array(ndr->mem, uint16_t, total);
	if (u == NULL) {
		return ndr_push_error(ndr, NDR_ERR_ALLOC, "binding units");
	}
	for (uint32_t i = 0; i < r->n_str; i++) {
		if (r->str[i].tower_id == 0 || r->str[i].addr == NULL) {
			talloc_free(u);
			return ndr_push_error(ndr, NDR_ERR_INVALID,
			                      "string binding with tower id 0");
		}
		u[at++] = r->str[i].tower_id;
		put_units(u, &at, r->str[i].addr);
		u[at++] = 0;
	}
	at += r->n_str == 0 ? 2 : 1;
	*sec = at;
	for (uint32_t i = 0; i < r->n_sec; i++) {
		const char *pn = r->sec[i].princ_name;

		if (r->sec[i].authn_svc == 0) {
			talloc_free(u);
			return ndr_push_error(
			        ndr, NDR_ERR_INVALID,
			        "security binding with service 0");
		}
		u[at++] = r->sec[i].authn_svc;
		u[at++] = 0xffff;
		put_units(u, &at, pn != NULL ? pn : "");
		u[at++] = 0;
	}
	at += r->n_sec == 0 ? 2 : 1;
	*units = u;
	*n = total;
	return NDR_ERR_SUCCESS;
}

static enum ndr_err push_units(struct ndr_push *ndr,
                               const uint16_t *u,
                               size_t n)
{
	for (size_t i = 0; i < n; i++) {
		dcom_raw_push_u16(ndr, u[i]);
	}
	return ndr->err;
}

enum ndr_err dcom_dsa_push(struct ndr_push *ndr, const struct dcom_dsa *r)
{
	uint16_t *u = NULL;
	size_t n = 0;
	size_t sec = 0;

	if (dsa_units(ndr, r, &u, &n, &sec) != NDR_ERR_SUCCESS) {
		return ndr->err;
	}
	dcom_raw_push_u16(ndr, (uint16_t)n);
	dcom_raw_push_u16(ndr, (uint16_t)sec);
	push_units(ndr, u, n);
	talloc_free(u);
	return ndr->err;
}

enum ndr_err dcom_dsa_push_ndr(struct ndr_push *ndr, const struct dcom_dsa *r)
{
	uint16_t *u = NULL;
	size_t n = 0;
	size_t sec = 0;

	if (dsa_units(ndr, r, &u, &n, &sec) != NDR_ERR_SUCCESS) {
		return ndr->err;
	}
	ndr_push_array_size(ndr, (uint32_t)n);
	ndr_push_u16(ndr, (uint16_t)n);
	ndr_push_u16(ndr, (uint16_t)sec);
	push_units(ndr, u, n);
	talloc_free(u);
	return ndr->err;
}

/* ---- STDOBJREF ---- */

enum ndr_err dcom_stdobjref_pull_raw(struct ndr_pull *ndr,
                                     struct dcom_stdobjref *r)
{
	memset(r, 0, sizeof(*r));
	dcom_raw_pull_u32(ndr, &r->flags);
	dcom_raw_pull_u32(ndr, &r->public_refs);
	dcom_raw_pull_u64(ndr, &r->oxid);
	dcom_raw_pull_u64(ndr, &r->oid);
	dcom_raw_pull_uuid(ndr, &r->ipid);
	return ndr->err;
}

enum ndr_err dcom_stdobjref_push_raw(struct ndr_push *ndr,
                                     const struct dcom_stdobjref *r)
{
	dcom_raw_push_u32(ndr, r->flags);
	dcom_raw_push_u32(ndr, r->public_refs);
	dcom_raw_push_u64(ndr, r->oxid);
	dcom_raw_push_u64(ndr, r->oid);
	return dcom_raw_push_uuid(ndr, &r->ipid);
}

enum ndr_err dcom_stdobjref_pull(struct ndr_pull *ndr, struct dcom_stdobjref *r)
{
	memset(r, 0, sizeof(*r));
	ndr_pull_align(ndr, 8);
	ndr_pull_u32(ndr, &r->flags);
	ndr_pull_u32(ndr, &r->public_refs);
	ndr_pull_hyper(ndr, &r->oxid);
	ndr_pull_hyper(ndr, &r->oid);
	return ndr_pull_uuid(ndr, &r->ipid);
}

enum ndr_err dcom_stdobjref_push(struct ndr_push *ndr,
                                 const struct dcom_stdobjref *r)
{
	ndr_push_align(ndr, 8);
	ndr_push_u32(ndr, r->flags);
	ndr_push_u32(ndr, r->public_refs);
	ndr_push_hyper(ndr, r->oxid);
	ndr_push_hyper(ndr, r->oid);
	return ndr_push_uuid(ndr, &r->ipid);
}

/* ---- OBJREF ---- */

/* Copies the next [n] octets into an owned buffer. */
static enum ndr_err pull_owned(struct ndr_pull *ndr, size_t n, uint8_t **out)
{
	void *p = NULL;

	*out = NULL;
	if (n > UINT32_MAX) {
		return ndr_pull_error(ndr, NDR_ERR_LIMIT,
		                      "object data too big");
	}
	if (ndr_pull_array_alloc(ndr, (uint32_t)n, 1, 1, &p) !=
	    NDR_ERR_SUCCESS) {
		return ndr->err;
	}
	if (ndr_pull_bytes(ndr, p, n) != NDR_ERR_SUCCESS) {
		return ndr->err;
	}
	*out = p;
	return NDR_ERR_SUCCESS;
}

static enum ndr_err pull_extended(struct ndr_pull *ndr, struct dcom_objref *r)
{
	uint32_t sig1 = 0;
	uint32_t n_elms = 0;
	uint32_t sig2 = 0;
	uint32_t cb = 0;
	uint32_t cb_rounded = 0;
	const uint8_t *pad;

	dcom_stdobjref_pull_raw(ndr, &r->std);
	dcom_raw_pull_u32(ndr, &sig1);
	if (ndr->err == NDR_ERR_SUCCESS && sig1 != DCOM_OBJREF_EXT_SIG) {
		return ndr_pull_error(ndr, NDR_ERR_RANGE,
		                      "OBJREF_EXTENDED Signature1");
	}
	dcom_dsa_pull(ndr, &r->res_addr);
	dcom_raw_pull_u32(ndr, &n_elms);
	dcom_raw_pull_u32(ndr, &sig2);
	if (ndr->err != NDR_ERR_SUCCESS) {
		return ndr->err;
	}
	if (n_elms != 1) {
		return ndr_pull_error(ndr, NDR_ERR_RANGE,
		                      "OBJREF_EXTENDED nElms is not 1");
	}
	if (sig2 != DCOM_OBJREF_EXT_SIG) {
		return ndr_pull_error(ndr, NDR_ERR_RANGE,
		                      "OBJREF_EXTENDED Signature2");
	}
	dcom_raw_pull_uuid(ndr, &r->data_id);
	dcom_raw_pull_u32(ndr, &cb);
	dcom_raw_pull_u32(ndr, &cb_rounded);
	if (ndr->err != NDR_ERR_SUCCESS) {
		return ndr->err;
	}
	if (cb_rounded != (((uint64_t)cb + 7) & ~(uint64_t)7)) {
		return ndr_pull_error(ndr, NDR_ERR_ARRAY_SIZE,
		                      "DATAELEMENT cbRounded is not cbSize "
		                      "rounded to 8");
	}
	if (pull_owned(ndr, cb, &r->data) != NDR_ERR_SUCCESS) {
		return ndr->err;
	}
	r->n_data = cb;
	return ndr_pull_bytes_ref(ndr, cb_rounded - cb, &pad);
}

static enum ndr_err pull_kind(struct ndr_pull *ndr, struct dcom_objref *r)
{
	uint32_t cb_ext = 0;

	switch (r->kind) {
	case DCOM_OBJREF_STANDARD:
		dcom_stdobjref_pull_raw(ndr, &r->std);
		return dcom_dsa_pull(ndr, &r->res_addr);
	case DCOM_OBJREF_HANDLER:
		dcom_stdobjref_pull_raw(ndr, &r->std);
		dcom_raw_pull_uuid(ndr, &r->clsid);
		return dcom_dsa_pull(ndr, &r->res_addr);
	case DCOM_OBJREF_CUSTOM:
		dcom_raw_pull_uuid(ndr, &r->clsid);
		dcom_raw_pull_u32(ndr, &cb_ext); /* ignored on receipt */
		dcom_raw_pull_u32(ndr, &r->reserved);
		if (ndr->err != NDR_ERR_SUCCESS) {
			return ndr->err;
		}
		r->n_data = ndr->len - ndr->pos;
		return pull_owned(ndr, r->n_data, &r->data);
	case DCOM_OBJREF_EXTENDED:
		return pull_extended(ndr, r);
	default:
		return ndr_pull_error(ndr, NDR_ERR_RANGE,
		                      "OBJREF flags name no single kind");
	}
}

enum ndr_err dcom_objref_pull(struct ndr_pull *ndr,
                              size_t len,
                              struct dcom_objref *r)
{
	size_t saved;
	uint32_t sig = 0;

	memset(r, 0, sizeof(*r));
	if (ndr_pull_enter(ndr) != NDR_ERR_SUCCESS) {
		return ndr->err;
	}
	if (dcom_window_open(ndr, len, &saved) != NDR_ERR_SUCCESS) {
		goto out;
	}
	dcom_raw_pull_u32(ndr, &sig);
	if (ndr->err == NDR_ERR_SUCCESS && sig != DCOM_OBJREF_SIGNATURE) {
		ndr_pull_error(ndr, NDR_ERR_RANGE,
		               "OBJREF signature is not "
		               "MEOW");
		goto close;
	}
	dcom_raw_pull_u32(ndr, &r->kind);
	dcom_raw_pull_uuid(ndr, &r->iid);
	if (ndr->err == NDR_ERR_SUCCESS &&
	    pull_kind(ndr, r) == NDR_ERR_SUCCESS) {
		/* Octets after a complete STANDARD/HANDLER/EXTENDED: slack. */
		ndr->pos = ndr->len;
	}
close:
	dcom_window_close(ndr, saved);
out:
	ndr_pull_leave(ndr);
	return ndr->err;
}

enum ndr_err dcom_objref_push(struct ndr_push *ndr, const struct dcom_objref *r)
{
	if (ndr_push_enter(ndr) != NDR_ERR_SUCCESS) {
		return ndr->err;
	}
	dcom_raw_push_u32(ndr, DCOM_OBJREF_SIGNATURE);
	dcom_raw_push_u32(ndr, r->kind);
	dcom_raw_push_uuid(ndr, &r->iid);
	switch (r->kind) {
	case DCOM_OBJREF_STANDARD:
		dcom_stdobjref_push_raw(ndr, &r->std);
		dcom_dsa_push(ndr, &r->res_addr);
		break;
	case DCOM_OBJREF_HANDLER:
		dcom_stdobjref_push_raw(ndr, &r->std);
		dcom_raw_push_uuid(ndr, &r->clsid);
		dcom_dsa_push(ndr, &r->res_addr);
		break;
	case DCOM_OBJREF_CUSTOM:
		dcom_raw_push_uuid(ndr, &r->clsid);
		dcom_raw_push_u32(ndr, 0); /* cbExtension */
		dcom_raw_push_u32(ndr, r->reserved);
		ndr_push_bytes(ndr, r->data, r->n_data);
		break;
	case DCOM_OBJREF_EXTENDED:
		if (r->n_data > UINT32_MAX - 8) {
			ndr_push_error(ndr, NDR_ERR_RANGE,
			               "DATAELEMENT too big");
			break;
		}
		dcom_stdobjref_push_raw(ndr, &r->std);
		dcom_raw_push_u32(ndr, DCOM_OBJREF_EXT_SIG);
		dcom_dsa_push(ndr, &r->res_addr);
		dcom_raw_push_u32(ndr, 1);
		dcom_raw_push_u32(ndr, DCOM_OBJREF_EXT_SIG);
		dcom_raw_push_uuid(ndr, &r->data_id);
		dcom_raw_push_u32(ndr, (uint32_t)r->n_data);
		dcom_raw_push_u32(ndr,
		                  (uint32_t)((r->n_data + 7) & ~(size_t)7));
		ndr_push_bytes(ndr, r->data, r->n_data);
		ndr_push_bytes(ndr, NULL, (8 - r->n_data % 8) % 8);
		break;
	default:
		ndr_push_error(ndr, NDR_ERR_INVALID, "unknown OBJREF kind");
		break;
	}
	ndr_push_leave(ndr);
	return ndr->err;
}

void dcom_objref_standard(struct dcom_objref *o,
                          const struct rpc_uuid *iid,
                          const struct dcom_stdobjref *std,
                          const struct dcom_dsa *res)
{
	memset(o, 0, sizeof(*o));
	o->kind = DCOM_OBJREF_STANDARD;
	o->iid = *iid;
	o->std = *std;
	if (res != NULL) {
		o->res_addr = *res;
	}
}

/* ---- building bindings ---- */

hresult dcom_dsa_add_tcp(void *mem,
                         struct dcom_dsa *dsa,
                         const char *host,
                         uint16_t port)
{
	struct dcom_string_binding *a;
	char *s;

	if (host == NULL || host[0] == '\0' || strchr(host, '[') != NULL ||
	    !utf8_valid(host, strlen(host), NULL) ||
	    dsa->n_str >= DCOM_MAX_BINDINGS) {
		return hr_raise(HR_WBEM_E_INVALID_PARAMETER);
	}
	if (port != 0) {
		s = talloc_asprintf(mem, "%s[%u]", host, (unsigned)port);
	} else {
		s = talloc_strdup(mem, host);
	}
	if (s == NULL) {
		return hr_raise(HR_E_OUTOFMEMORY);
	}
	a = talloc_realloc(mem, dsa->str, struct dcom_string_binding,
	                   dsa->n_str + 1);
	if (a == NULL) {
		talloc_free(s);
		return hr_raise(HR_E_OUTOFMEMORY);
	}
	a[dsa->n_str].tower_id = DCOM_TOWER_NCACN_IP_TCP;
	a[dsa->n_str].addr = s;
	dsa->str = a;
	dsa->n_str++;
	return HR_OK;
}

hresult dcom_dsa_add_security(void *mem,
                              struct dcom_dsa *dsa,
                              uint16_t authn_svc,
                              const char *princ)
{
	struct dcom_security_binding *a;
	char *s;

	if (princ == NULL) {
		princ = "";
	}
	if (authn_svc == 0 || !utf8_valid(princ, strlen(princ), NULL) ||
	    dsa->n_sec >= DCOM_MAX_BINDINGS) {
		return hr_raise(HR_WBEM_E_INVALID_PARAMETER);
	}
	s = talloc_strdup(mem, princ);
	if (s == NULL) {
		return hr_raise(HR_E_OUTOFMEMORY);
	}
	a = talloc_realloc(mem, dsa->sec, struct dcom_security_binding,
	                   dsa->n_sec + 1);
	if (a == NULL) {
		talloc_free(s);
		return hr_raise(HR_E_OUTOFMEMORY);
	}
	a[dsa->n_sec].authn_svc = authn_svc;
	a[dsa->n_sec].princ_name = s;
	dsa->sec = a;
	dsa->n_sec++;
	return HR_OK;
}

hresult dcom_dsa_build_tcp(void *mem,
                           const char *const *hosts,
                           size_t n_hosts,
                           uint16_t port,
                           const uint16_t *authn_svcs,
                           size_t n_authn,
                           struct dcom_dsa *out)
{
	hresult hr = HR_OK;

	memset(out, 0, sizeof(*out));
	for (size_t i = 0; i < n_hosts && hr_ok(hr); i++) {
		hr = dcom_dsa_add_tcp(mem, out, hosts[i], port);
	}
	for (size_t i = 0; i < n_authn && hr_ok(hr); i++) {
		hr = dcom_dsa_add_security(mem, out, authn_svcs[i], "");
	}
	return hr;
}

/* ---- Context (2.2.20) ---- */

enum ndr_err dcom_context_pull(struct ndr_pull *ndr,
                               size_t len,
                               struct dcom_context *r)
{
	size_t saved;
	uint32_t n_ext = 0;
	uint32_t cb_ext = 0;
	void *a = NULL;

	memset(r, 0, sizeof(*r));
	if (dcom_window_open(ndr, len, &saved) != NDR_ERR_SUCCESS) {
		return ndr->err;
	}
	dcom_raw_pull_u16(ndr, &r->major);
	dcom_raw_pull_u16(ndr, &r->minor);
	dcom_raw_pull_uuid(ndr, &r->context_id);
	dcom_raw_pull_u32(ndr, &r->flags);
	dcom_raw_pull_u32(ndr, &r->reserved);
	dcom_raw_pull_u32(ndr, &n_ext);
	dcom_raw_pull_u32(ndr, &cb_ext);
	dcom_raw_pull_u32(ndr, &r->mshl_flags);
	dcom_raw_pull_u32(ndr, &r->n_props);
	dcom_raw_pull_u32(ndr, &r->frozen);
	if (ndr->err != NDR_ERR_SUCCESS) {
		goto out;
	}
	if (n_ext != 0 || cb_ext != 0) {
		ndr_pull_error(ndr, NDR_ERR_RANGE, "context extents present");
		goto out;
	}
	if (r->n_props > DCOM_MAX_CTX_PROPS) {
		ndr_pull_error(ndr, NDR_ERR_LIMIT,
		               "too many context "
		               "properties");
		goto out;
	}
	/* A PROPMARSHALHEADER is at least 40 octets. */
	if (ndr_pull_array_alloc(ndr, r->n_props, sizeof(*r->props), 40, &a) !=
	    NDR_ERR_SUCCESS) {
		goto out;
	}
	r->props = a;
	for (uint32_t i = 0; i < r->n_props; i++) {
		struct dcom_ctx_prop *p = &r->props[i];

		dcom_raw_pull_uuid(ndr, &p->clsid);
		dcom_raw_pull_uuid(ndr, &p->policy_id);
		dcom_raw_pull_u32(ndr, &p->flags);
		dcom_raw_pull_u32(ndr, &p->cb);
		if (ndr->err != NDR_ERR_SUCCESS ||
		    pull_owned(ndr, p->cb, &p->data) != NDR_ERR_SUCCESS) {
			goto out;
		}
	}
	if (ndr->pos != ndr->len) {
		ndr_pull_error(ndr, NDR_ERR_UNREAD_BYTES,
		               "octets after the last context property");
	}
out:
	dcom_window_close(ndr, saved);
	return ndr->err;
}

enum ndr_err dcom_context_push(struct ndr_push *ndr,
                               const struct dcom_context *r)
{
	dcom_raw_push_u16(ndr, r->major);
	dcom_raw_push_u16(ndr, r->minor);
	dcom_raw_push_uuid(ndr, &r->context_id);
	dcom_raw_push_u32(ndr, r->flags);
	dcom_raw_push_u32(ndr, r->reserved);
	dcom_raw_push_u32(ndr, 0); /* dwNumExtents */
	dcom_raw_push_u32(ndr, 0); /* cbExtents */
	dcom_raw_push_u32(ndr, r->mshl_flags);
	dcom_raw_push_u32(ndr, r->n_props);
	dcom_raw_push_u32(ndr, r->frozen);
	for (uint32_t i = 0; i < r->n_props; i++) {
		const struct dcom_ctx_prop *p = &r->props[i];

		dcom_raw_push_uuid(ndr, &p->clsid);
		dcom_raw_push_uuid(ndr, &p->policy_id);
		dcom_raw_push_u32(ndr, p->flags);
		dcom_raw_push_u32(ndr, p->cb);
		ndr_push_bytes(ndr, p->data, p->cb);
	}
	return ndr->err;
}
