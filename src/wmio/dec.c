/*
 * dec: the MS-WMIO decoder (wmio layer).
 *
 * Every block is read through a struct rd bounded by the length the block
 * claims, itself checked against the bytes that remain around it; every
 * heap reference is checked against its heap.  Positions in errors are
 * offsets from the start of the caller's input (sub-readers point into
 * the same bytes).  Everything is allocated under a temporary context that
 * is freed on failure, so a failed decode leaves nothing behind.
 */
#include "wmio/wmio.h"

#include <stdarg.h>
#include <stdio.h>
#include <string.h>
#include <talloc.h>

#include "base/rd.h"
#include "base/utf.h"
#include "wmio/wmio-int.h"

struct dec {
	const uint8_t *base; /* start of the caller's input */
	struct errinfo *ei;
	uint32_t depth, max_depth;
	size_t work, max_work;
};

struct heap {
	const uint8_t *p;
	uint32_t len;
};

/* What the instance decoder needs to know of a decoded ClassPart. */
struct cpart {
	struct cim_class *cls; /* NULL for an empty ParentClass part */
	uint32_t nd_len, vt_len;
	uint32_t *vt_off; /* by DeclarationOrder */
};

static hresult dec_block(struct dec *d,
                         void *mem,
                         struct rd *r,
                         struct wmio_object **out);

__attribute__((format(printf, 3, 4))) static hresult bad(struct dec *d,
                                                         const uint8_t *at,
                                                         const char *fmt,
                                                         ...)
{
	char msg[200];
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(msg, sizeof(msg), fmt, ap);
	va_end(ap);
	return err_set_pos(d->ei, HR_WBEM_E_INVALID_STREAM, WMIO_LAYER, 0, 0,
	                   (size_t)(at - d->base), "%s", msg);
}

static hresult oom(void)
{
	return hr_raise(HR_E_OUTOFMEMORY);
}

static hresult charge(struct dec *d, size_t n, const uint8_t *at)
{
	if (n > d->max_work - d->work) {
		return bad(d, at, "object expands beyond the work limit");
	}
	d->work += n;
	return HR_OK;
}

static uint32_t le32(const uint8_t *p)
{
	return (uint32_t)p[0] | ((uint32_t)p[1] << 8) | ((uint32_t)p[2] << 16) |
	       ((uint32_t)p[3] << 24);
}

static uint64_t le_n(const uint8_t *p, uint32_t n)
{
	uint64_t v = 0;

	for (uint32_t i = 0; i < n; i++) {
		v |= (uint64_t)p[i] << (8 * i);
	}
	return v;
}

static hresult rd_need32(struct dec *d,
                         struct rd *r,
                         uint32_t *v,
                         const char *what)
{
	if (!rd_u32le(r, v)) {
		return bad(d, r->p, "truncated: %s", what);
	}
	return HR_OK;
}

/*
 * Opens a block that starts with an EncodingLength counting itself:
 * [sub] covers the rest of the block and [r] moves past it.
 */
static hresult open_block(struct dec *d,
                          struct rd *r,
                          uint32_t min,
                          struct rd *sub,
                          const char *what)
{
	const uint8_t *at = r->p;
	uint32_t len = 0;
	hresult hr = rd_need32(d, r, &len, what);

	if (hr_failed(hr)) {
		return hr;
	}
	if (len < 4 || len < min || len - 4 > rd_left(r)) {
		r->p = at;
		return bad(d, at, "%s length %u out of range", what, len);
	}
	rd_sub(r, 0, len - 4, sub);
	r->p += len - 4;
	return HR_OK;
}

/* ---- Strings ---------------------------------------------------------- */

/*
 * Decodes the Encoded-String at [p] (at most [n] bytes) into UTF-8;
 * *used gets its size.
 */
static hresult estr(struct dec *d,
                    void *mem,
                    const uint8_t *p,
                    size_t n,
                    char **out,
                    size_t *used)
{
	const uint8_t *s, *z;
	size_t len, u, i;
	bool ascii = true;
	char *o;
	hresult hr;

	if (n < 2) {
		return bad(d, p, "truncated string");
	}
	if (p[0] == 0) {
		s = p + 1;
		z = memchr(s, 0, n - 1);
		if (z == NULL) {
			return bad(d, p, "string without terminator");
		}
		len = (size_t)(z - s);
		hr = charge(d, len + 2, p);
		if (hr_failed(hr)) {
			return hr;
		}
		for (i = 0; i < len && ascii; i++) {
			ascii = s[i] < 0x80;
		}
		if (ascii) {
			o = talloc_strndup(mem, (const char *)s, len);
		} else {
			o = talloc_array(mem, char, 2 * len + 1);
			if (o != NULL) {
				size_t k = 0;

				for (i = 0; i < len; i++) {
					k += utf8_put(o + k, s[i]);
				}
				o[k] = '\0';
			}
		}
		if (o == NULL) {
			return oom();
		}
		*out = o;
		if (used != NULL) {
			*used = len + 2;
		}
		return HR_OK;
	}
	if (p[0] != 1) {
		return bad(d, p, "string flag %u is neither 0 nor 1", p[0]);
	}
	for (u = 0;; u++) {
		if (1 + 2 * u + 2 > n) {
			return bad(d, p, "UTF-16 string without terminator");
		}
		if (p[1 + 2 * u] == 0 && p[2 + 2 * u] == 0) {
			break;
		}
	}
	hr = charge(d, 2 * u + 3, p);
	if (hr_failed(hr)) {
		return hr;
	}
	hr = utf16le_to_utf8(mem, p + 1, 2 * u, out, NULL);
	if (hr_failed(hr)) {
		return hr_eq(hr, HR_E_OUTOFMEMORY)
		               ? hr
		               : bad(d, p, "invalid UTF-16 string");
	}
	if (used != NULL) {
		*used = 2 * u + 3;
	}
	return HR_OK;
}

/* A HeapStringRef: NULL for 0xFFFFFFFF, dictionary strings, heap items. */
static hresult heap_str(struct dec *d,
                        void *mem,
                        const struct heap *h,
                        uint32_t ref,
                        const uint8_t *at,
                        char **out)
{
	if (ref == WMIO_REF_NULL) {
		*out = NULL;
		return HR_OK;
	}
	if ((ref & WMIO_REF_DICT) != 0) {
		uint32_t k = ref & ~WMIO_REF_DICT;

		if (k >= WMIO_N_DICT) {
			return bad(d, at, "dictionary reference %u unknown", k);
		}
		*out = talloc_strdup(mem, wmio_dict[k]);
		return *out ? HR_OK : oom();
	}
	if (ref >= h->len) {
		return bad(d, at, "heap reference 0x%x past the heap (0x%x)",
		           ref, h->len);
	}
	return estr(d, mem, h->p + ref, h->len - ref, out, NULL);
}

static hresult heap_name(struct dec *d,
                         void *mem,
                         const struct heap *h,
                         uint32_t ref,
                         const uint8_t *at,
                         char **out)
{
	hresult hr = heap_str(d, mem, h, ref, at, out);

	if (hr_ok(hr) && (*out == NULL || (*out)[0] == '\0')) {
		return bad(d, at, "missing or empty name");
	}
	return hr;
}

static hresult dec_heap(struct dec *d, struct rd *r, struct heap *h)
{
	const uint8_t *at = r->p;
	uint32_t hl = 0;
	hresult hr = rd_need32(d, r, &hl, "heap length");

	if (hr_failed(hr)) {
		return hr;
	}
	hl &= ~WMIO_HEAPLEN_FLAG;
	if (hl > rd_left(r)) {
		return bad(d, at, "heap length 0x%x past its block", hl);
	}
	h->p = r->p;
	h->len = hl;
	r->p += hl;
	return HR_OK;
}

/* ---- Values ----------------------------------------------------------- */

static hresult dec_object_item(struct dec *d,
                               void *mem,
                               const struct heap *h,
                               uint32_t ref,
                               const uint8_t *at,
                               struct cim_object **out);

static void scalar_set(uint32_t bt,
                       uint64_t bits,
                       struct cim_value *v,
                       uint32_t k,
                       bool arr)
{
	int64_t i = 0;
	uint64_t u = bits;
	double r = 0;
	float f;
	uint32_t b32 = (uint32_t)bits;

	switch (bt) {
	case CIM_T_SINT8:
		i = (int8_t)bits;
		break;
	case CIM_T_SINT16:
		i = (int16_t)bits;
		break;
	case CIM_T_SINT32:
		i = (int32_t)bits;
		break;
	case CIM_T_SINT64:
		i = (int64_t)bits;
		break;
	case CIM_T_REAL32:
		memcpy(&f, &b32, 4);
		r = f;
		break;
	case CIM_T_REAL64:
		memcpy(&r, &bits, 8);
		break;
	default:
		break;
	}
	switch (bt) {
	case CIM_T_SINT8:
	case CIM_T_SINT16:
	case CIM_T_SINT32:
	case CIM_T_SINT64:
		if (arr) {
			v->v.a.e.i[k] = i;
		} else {
			v->v.i = i;
		}
		break;
	case CIM_T_REAL32:
	case CIM_T_REAL64:
		if (arr) {
			v->v.a.e.r[k] = r;
		} else {
			v->v.r = r;
		}
		break;
	case CIM_T_BOOLEAN:
		if (arr) {
			v->v.a.e.b[k] = bits != 0;
		} else {
			v->v.b = bits != 0;
		}
		break;
	default:
		if (arr) {
			v->v.a.e.u[k] = u;
		} else {
			v->v.u = u;
		}
		break;
	}
}

static size_t elem_size(uint32_t bt)
{
	switch (bt) {
	case CIM_T_BOOLEAN:
		return sizeof(bool);
	case CIM_T_STRING:
	case CIM_T_DATETIME:
	case CIM_T_REFERENCE:
		return sizeof(char *);
	case CIM_T_OBJECT:
		return sizeof(struct cim_object *);
	default:
		return 8;
	}
}

static hresult dec_array(struct dec *d,
                         void *mem,
                         const struct heap *h,
                         uint32_t type,
                         uint32_t ref,
                         const uint8_t *at,
                         struct cim_value *v)
{
	uint32_t bt = cim_type_base(type), es = wmio_slot_size(bt), n;
	const uint8_t *p;
	hresult hr;

	if (ref >= h->len || h->len - ref < 4) {
		return bad(d, at, "array reference 0x%x past the heap", ref);
	}
	p = h->p + ref;
	n = le32(p);
	if ((uint64_t)n * es > h->len - ref - 4) {
		return bad(d, p, "array of %u elements past the heap", n);
	}
	hr = charge(d, 4 + (size_t)n * es, p);
	if (hr_failed(hr)) {
		return hr;
	}
	v->v.a.n = n;
	v->v.a.e.i = NULL;
	if (n == 0) {
		return HR_OK;
	}
	v->v.a.e.i = talloc_size(mem, (size_t)n * elem_size(bt));
	if (v->v.a.e.i == NULL) {
		return oom();
	}
	p += 4;
	for (uint32_t k = 0; k < n; k++, p += es) {
		if (!wmio_base_on_heap(bt)) {
			scalar_set(bt, le_n(p, es), v, k, true);
			continue;
		}
		if (bt == CIM_T_OBJECT) {
			hr = dec_object_item(d, v->v.a.e.o, h, le32(p), p,
			                     &v->v.a.e.o[k]);
		} else {
			hr = heap_str(d, v->v.a.e.s, h, le32(p), p,
			              &v->v.a.e.s[k]);
			if (hr_ok(hr) && v->v.a.e.s[k] == NULL) {
				hr = bad(d, p, "NULL array element");
			}
		}
		if (hr_failed(hr)) {
			return hr;
		}
	}
	return HR_OK;
}

/* Decodes the EncodedValue of [type] in [slot] (a NULL ref gives NULL). */
static hresult dec_value(struct dec *d,
                         void *mem,
                         const struct heap *h,
                         uint32_t type,
                         const uint8_t *slot,
                         struct cim_value *v)
{
	uint32_t bt = cim_type_base(type), ref;
	hresult hr;

	memset(v, 0, sizeof(*v));
	v->type = type;
	if (!cim_type_is_array(type) && !wmio_base_on_heap(bt)) {
		scalar_set(bt, le_n(slot, wmio_slot_size(type)), v, 0, false);
		return HR_OK;
	}
	ref = le32(slot);
	if (ref == WMIO_REF_NULL) {
		v->null = true;
		return HR_OK;
	}
	if (cim_type_is_array(type)) {
		hr = dec_array(d, mem, h, type, ref, slot, v);
	} else if (bt == CIM_T_OBJECT) {
		hr = dec_object_item(d, mem, h, ref, slot, &v->v.o);
	} else {
		hr = heap_str(d, mem, h, ref, slot, &v->v.s);
		v->null = hr_ok(hr) && v->v.s == NULL;
	}
	if (hr_failed(hr)) {
		memset(v, 0, sizeof(*v));
		v->type = type;
		v->null = true;
	}
	return hr;
}

/* ---- Qualifier sets --------------------------------------------------- */

static bool valid_type(uint32_t t)
{
	return cim_type_valid(t) && wmio_slot_size(t) != 0;
}

/*
 * Decodes the QualifierSet read by [r] (its EncodingLength first) into
 * [qs] under [mem].  With [cimtype] non-NULL a CIMTYPE qualifier is taken
 * out of the set and its value returned there.
 */
static hresult dec_qset(struct dec *d,
                        void *mem,
                        struct rd *r,
                        const struct heap *h,
                        struct cim_qualifier_set *qs,
                        char **cimtype)
{
	struct rd set, scan;
	uint32_t n = 0;
	hresult hr = open_block(d, r, 4, &set, "qualifier set");
	struct cim_qualifier *arr;

	qs->n = 0;
	qs->q = NULL;
	if (hr_ok(hr)) {
		hr = charge(d, rd_left(&set) + 4, set.p);
	}
	if (hr_failed(hr)) {
		return hr;
	}
	for (scan = set; rd_left(&scan) != 0; n++) {
		uint32_t t;

		if (rd_left(&scan) < 9) {
			return bad(d, scan.p, "truncated qualifier");
		}
		t = le32(scan.p + 5);
		if (!valid_type(t)) {
			return bad(d, scan.p + 5, "qualifier type 0x%x", t);
		}
		if (!rd_skip(&scan, 9 + wmio_slot_size(t))) {
			return bad(d, scan.p, "truncated qualifier value");
		}
	}
	if (n == 0) {
		return HR_OK;
	}
	arr = talloc_zero_array(mem, struct cim_qualifier, n);
	if (arr == NULL) {
		return oom();
	}
	qs->q = arr;
	while (rd_left(&set) != 0) {
		const uint8_t *at = set.p;
		uint32_t t = le32(at + 5);
		struct cim_qualifier *q = &arr[qs->n];
		char *name = NULL;

		hr = heap_name(d, arr, h, le32(at), at, &name);
		if (hr_failed(hr)) {
			return hr;
		}
		hr = dec_value(d, arr, h, t, at + 9, &q->value);
		if (hr_failed(hr)) {
			return hr;
		}
		rd_skip(&set, 9 + wmio_slot_size(t));
		if (cimtype != NULL && utf8_casecmp(name, WMIO_CIMTYPE) == 0 &&
		    t == CIM_T_STRING && !q->value.null) {
			*cimtype = q->value.v.s;
			memset(&q->value, 0, sizeof(q->value));
			continue;
		}
		if (cim_qset_find(qs, name) != NULL) {
			return bad(d, at, "qualifier %s repeated", name);
		}
		q->name = name;
		q->flavor = at[4];
		qs->n++;
	}
	return HR_OK;
}

/* A qualifier set at heap offset [ref]. */
static hresult dec_heap_qset(struct dec *d,
                             void *mem,
                             const struct heap *h,
                             uint32_t ref,
                             const uint8_t *at,
                             struct cim_qualifier_set *qs,
                             char **cimtype)
{
	struct rd r;

	qs->n = 0;
	qs->q = NULL;
	if (ref == WMIO_REF_NULL) {
		return HR_OK;
	}
	if (ref >= h->len) {
		return bad(d, at, "qualifier set reference 0x%x past the heap",
		           ref);
	}
	rd_init(&r, h->p + ref, h->len - ref);
	return dec_qset(d, mem, &r, h, qs, cimtype);
}

/* ---- Class parts ------------------------------------------------------ */

static hresult dec_derivation(struct dec *d, struct cim_class *c, struct rd *r)
{
	struct rd dl;
	uint32_t cap = 0;
	hresult hr = open_block(d, r, 4, &dl, "derivation list");

	while (hr_ok(hr) && rd_left(&dl) != 0) {
		char *name = NULL;
		size_t used;

		hr = estr(d, c, dl.p, rd_left(&dl), &name, &used);
		if (hr_failed(hr)) {
			break;
		}
		if (name[0] == '\0') {
			return bad(d, dl.p, "empty superclass name");
		}
		rd_skip(&dl, used);
		if (!rd_skip(&dl, 4)) {
			return bad(d, dl.p, "truncated derivation list");
		}
		if (c->n_derivation == cap) {
			cap = cap ? 2 * cap : 4;
			c->derivation = talloc_realloc(c, c->derivation, char *,
			                               cap);
			if (c->derivation == NULL) {
				return oom();
			}
		}
		c->derivation[c->n_derivation++] = name;
	}
	return hr;
}

static hresult index_keys(struct cim_class *c)
{
	uint32_t n = 0;

	for (uint32_t i = 0; i < c->n_props; i++) {
		n += c->props[i].key ? 1 : 0;
	}
	if (n == 0) {
		return HR_OK;
	}
	c->key_index = talloc_array(c, uint32_t, n);
	if (c->key_index == NULL) {
		return oom();
	}
	for (uint32_t i = 0; i < c->n_props; i++) {
		uint32_t j;

		if (!c->props[i].key) {
			continue;
		}
		for (j = c->n_keys;
		     j > 0 && utf8_casecmp(c->props[c->key_index[j - 1]].name,
		                           c->props[i].name) > 0;
		     j--) {
			c->key_index[j] = c->key_index[j - 1];
		}
		c->key_index[j] = i;
		c->n_keys++;
	}
	return HR_OK;
}

static const char *origin_name(const struct cim_class *c, uint32_t idx)
{
	return idx == c->n_derivation
	               ? c->name
	               : c->derivation[c->n_derivation - 1 - idx];
}

/* Applies a CIMTYPE text to [type]'s ref_class ("ref:X", "object:X"). */
static hresult take_cimtype(void *mem,
                            uint32_t type,
                            const char *ct,
                            char **ref_class)
{
	uint32_t bt = cim_type_base(type);
	const char *c = NULL;

	*ref_class = NULL;
	if (ct == NULL) {
		return HR_OK;
	}
	if (bt == CIM_T_REFERENCE && strncmp(ct, "ref:", 4) == 0) {
		c = ct + 4;
		if (strcmp(c, "object") == 0) {
			c = NULL;
		}
	} else if (bt == CIM_T_OBJECT && strncmp(ct, "object:", 7) == 0) {
		c = ct + 7;
	}
	if (c == NULL || c[0] == '\0') {
		return HR_OK;
	}
	*ref_class = talloc_strdup(mem, c);
	return *ref_class ? HR_OK : oom();
}

static hresult dec_prop(struct dec *d,
                        struct cim_class *c,
                        struct cpart *cp,
                        const struct heap *h,
                        const uint8_t *lk,
                        const uint8_t *nd,
                        const uint8_t *vt,
                        uint8_t *seen)
{
	uint32_t ref = le32(lk + 4), type, order, vto, org, bits;
	struct cim_property *p;
	const uint8_t *pi;
	char *name = NULL, *ct = NULL;
	struct rd qr;
	hresult hr;

	if (ref >= h->len || h->len - ref < 14) {
		return bad(d, lk + 4,
		           "property info reference 0x%x past "
		           "the heap",
		           ref);
	}
	pi = h->p + ref;
	type = le32(pi) & 0xFFFF;
	order = (uint32_t)pi[4] | ((uint32_t)pi[5] << 8);
	vto = le32(pi + 6);
	org = le32(pi + 10);
	if (!valid_type(type & ~WMIO_PROP_INHERITED)) {
		return bad(d, pi, "property type 0x%x", type);
	}
	if (order >= c->n_props || seen[order]) {
		return bad(d, pi + 4,
		           "declaration order %u repeated or out of "
		           "range",
		           order);
	}
	seen[order] = 1;
	p = &c->props[order];
	p->type = type & ~WMIO_PROP_INHERITED;
	if (vto > cp->vt_len || wmio_slot_size(p->type) > cp->vt_len - vto) {
		return bad(d, pi + 6, "value table offset %u past the table",
		           vto);
	}
	cp->vt_off[order] = vto;
	if (org > c->n_derivation) {
		return bad(d, pi + 10,
		           "class of origin %u past the "
		           "derivation list",
		           org);
	}
	hr = heap_name(d, c, h, le32(lk), lk, &name);
	if (hr_failed(hr)) {
		return hr;
	}
	p->name = name;
	p->origin = talloc_strdup(c, origin_name(c, org));
	if (p->origin == NULL) {
		return oom();
	}
	rd_init(&qr, pi + 14, h->len - ref - 14);
	hr = dec_qset(d, c, &qr, h, &p->quals, &ct);
	if (hr_ok(hr)) {
		hr = take_cimtype(c, p->type, ct, &p->ref_class);
	}
	if (hr_failed(hr)) {
		return hr;
	}
	p->key = cim_qset_bool(&p->quals, "key");
	bits = (nd[order / 4] >> (2 * (order % 4))) & 3u;
	p->local = org == c->n_derivation || (bits & WMIO_ND_DEFAULT) == 0;
	if ((bits & WMIO_ND_NULL) != 0) {
		p->value = cim_value_null(p->type);
		return HR_OK;
	}
	return dec_value(d, c, h, p->type, vt + vto, &p->value);
}

/*
 * Decodes a ClassPart into [cp] (cp->cls NULL for the empty part of a
 * root class's ParentClass) under [mem].
 */
static hresult dec_class_part(struct dec *d,
                              void *mem,
                              struct rd *r,
                              struct cpart *cp)
{
	const uint8_t *at = r->p, *cq, *lk, *nd = NULL, *vt = NULL;
	struct rd part, q;
	struct heap h;
	uint32_t nameref = 0, ndvt = 0, n = 0, qlen = 0;
	struct cim_class *c;
	uint8_t *seen;
	char *name = NULL;
	hresult hr = open_block(d, r, 29, &part, "class part");

	memset(cp, 0, sizeof(*cp));
	if (hr_failed(hr)) {
		return hr;
	}
	c = talloc_zero(mem, struct cim_class);
	if (c == NULL) {
		return oom();
	}
	c->resolved = true;
	rd_skip(&part, 1);
	rd_u32le(&part, &nameref);
	rd_u32le(&part, &ndvt);
	hr = dec_derivation(d, c, &part);
	if (hr_failed(hr)) {
		goto fail;
	}
	cq = part.p;
	q = part;
	if (!rd_u32le(&q, &qlen) || qlen < 4 || qlen - 4 > rd_left(&q)) {
		hr = bad(d, cq, "class qualifier set length out of range");
		goto fail;
	}
	rd_skip(&part, qlen);
	if (!rd_u32le(&part, &n)) {
		hr = bad(d, part.p, "truncated property count");
		goto fail;
	}
	lk = part.p;
	if (n > 0x10000 || (uint64_t)n * 8 > rd_left(&part)) {
		hr = bad(d, lk - 4, "property count %u out of range", n);
		goto fail;
	}
	rd_skip(&part, (size_t)n * 8);
	if (ndvt > rd_left(&part)) {
		hr = bad(d, at + 9,
		         "NdTable/ValueTable length %u past the "
		         "class part",
		         ndvt);
		goto fail;
	}
	if (n != 0) {
		cp->nd_len = (n - 1) / 4 + 1;
		if (ndvt < cp->nd_len) {
			hr = bad(d, at + 9,
			         "NdTable/ValueTable length %u "
			         "too short",
			         ndvt);
			goto fail;
		}
		cp->vt_len = ndvt - cp->nd_len;
		nd = part.p;
		vt = nd + cp->nd_len;
	}
	rd_skip(&part, ndvt);
	hr = dec_heap(d, &part, &h);
	if (hr_ok(hr)) {
		hr = heap_str(d, c, &h, nameref, at + 5, &name);
	}
	if (hr_failed(hr)) {
		goto fail;
	}
	if (name == NULL || name[0] == '\0') {
		if (n != 0 || c->n_derivation != 0) {
			hr = bad(d, at + 5, "class part without a name");
			goto fail;
		}
		talloc_free(c);
		return HR_OK;
	}
	c->name = name;
	if (c->n_derivation != 0) {
		c->superclass = talloc_strdup(c, c->derivation[0]);
		if (c->superclass == NULL) {
			hr = oom();
			goto fail;
		}
	}
	rd_init(&q, cq, rd_left(&part) + (size_t)(part.p - cq));
	hr = dec_qset(d, c, &q, &h, &c->quals, NULL);
	if (hr_failed(hr) || n == 0) {
		goto done;
	}
	c->props = talloc_zero_array(c, struct cim_property, n);
	cp->vt_off = talloc_array(c, uint32_t, n);
	seen = talloc_zero_array(c, uint8_t, n);
	if (c->props == NULL || cp->vt_off == NULL || seen == NULL) {
		hr = oom();
		goto fail;
	}
	c->n_props = n;
	for (uint32_t k = 0; k < n && hr_ok(hr); k++) {
		hr = dec_prop(d, c, cp, &h, lk + 8 * (size_t)k, nd, vt, seen);
	}
	talloc_free(seen);
	if (hr_ok(hr)) {
		hr = index_keys(c);
	}
done:
	if (hr_failed(hr)) {
		goto fail;
	}
	cp->cls = c;
	return HR_OK;
fail:
	talloc_free(c);
	memset(cp, 0, sizeof(*cp));
	return hr;
}

/* ---- Methods ---------------------------------------------------------- */

static struct cim_param *find_param(struct cim_method *m, const char *name)
{
	for (uint32_t i = 0; i < m->n_params; i++) {
		if (utf8_casecmp(m->params[i].name, name) == 0) {
			return &m->params[i];
		}
	}
	return NULL;
}

static hresult merge_quals(void *mem,
                           struct cim_qualifier_set *dst,
                           const struct cim_qualifier_set *src)
{
	hresult hr = HR_OK;

	for (uint32_t i = 0; i < src->n && hr_ok(hr); i++) {
		if (cim_qset_find(dst, src->q[i].name) == NULL) {
			hr = cim_qset_set(mem, dst, src->q[i].name,
			                  &src->q[i].value, src->q[i].flavor);
		}
	}
	return hr;
}

/* Adds the properties of signature class [sig] to [m] as parameters. */
static hresult take_signature(struct dec *d,
                              struct cim_class *c,
                              struct cim_method *m,
                              const struct cim_class *sig,
                              bool out,
                              const uint8_t *at)
{
	hresult hr = HR_OK;

	for (uint32_t i = 0; i < sig->n_props && hr_ok(hr); i++) {
		const struct cim_property *sp = &sig->props[i];
		const struct cim_qualifier *id;
		struct cim_param *pa;

		if (out && utf8_casecmp(sp->name, WMIO_RETURN_VALUE) == 0) {
			m->return_type = sp->type;
			continue;
		}
		pa = find_param(m, sp->name);
		if (pa != NULL && (out ? pa->out : pa->in)) {
			return bad(d, at, "parameter %s repeated", sp->name);
		}
		if (pa == NULL) {
			pa = cim_method_add_param(c, m, sp->name, sp->type);
			if (pa == NULL) {
				return oom();
			}
			if (sp->ref_class != NULL) {
				pa->ref_class = talloc_strdup(c, sp->ref_class);
				if (pa->ref_class == NULL) {
					return oom();
				}
			}
		}
		if (out) {
			pa->out = true;
		} else {
			pa->in = true;
		}
		hr = merge_quals(c, &pa->quals, &sp->quals);
		/* The ID of the first signature that names the parameter. */
		id = cim_qset_find(&pa->quals, "ID");
		pa->id = -1;
		if (id != NULL && !id->value.null &&
		    id->value.type == CIM_T_SINT32 && id->value.v.i >= 0) {
			pa->id = (int32_t)id->value.v.i;
		}
	}
	return hr;
}

static hresult dec_signature(struct dec *d,
                             struct cim_class *c,
                             struct cim_method *m,
                             const struct heap *h,
                             uint32_t ref,
                             const uint8_t *at,
                             bool out)
{
	struct wmio_object *o = NULL;
	uint32_t len = 0;
	struct rd r;
	void *tmp;
	hresult hr;

	if (ref == WMIO_REF_NULL) {
		return HR_OK;
	}
	if (ref >= h->len || h->len - ref < 4) {
		return bad(d, at, "signature reference 0x%x past the heap",
		           ref);
	}
	len = le32(h->p + ref);
	if (len == 0) {
		return HR_OK;
	}
	if (len > h->len - ref - 4) {
		return bad(d, h->p + ref, "signature length %u past the heap",
		           len);
	}
	if (d->depth >= d->max_depth) {
		return bad(d, h->p + ref, "objects nested too deep");
	}
	tmp = talloc_new(c);
	if (tmp == NULL) {
		return oom();
	}
	rd_init(&r, h->p + ref + 4, len);
	d->depth++;
	hr = dec_block(d, tmp, &r, &o);
	d->depth--;
	if (hr_ok(hr) && !o->is_class) {
		hr = bad(d, h->p + ref + 4, "method signature is no class");
	}
	if (hr_ok(hr)) {
		hr = take_signature(d, c, m, o->cls, out, h->p + ref);
	}
	talloc_free(tmp);
	return hr;
}

static void sort_params(struct cim_method *m)
{
	for (uint32_t i = 1; i < m->n_params; i++) {
		struct cim_param t = m->params[i];
		uint32_t j = i;
		uint32_t ti = t.id < 0 ? UINT32_MAX : (uint32_t)t.id;

		while (j > 0) {
			int32_t pid = m->params[j - 1].id;
			uint32_t pi = pid < 0 ? UINT32_MAX : (uint32_t)pid;

			if (pi <= ti) {
				break;
			}
			m->params[j] = m->params[j - 1];
			j--;
		}
		m->params[j] = t;
	}
}

static hresult dec_method(struct dec *d,
                          struct cim_class *c,
                          const struct heap *h,
                          const uint8_t *md)
{
	struct cim_method *m;
	char *name = NULL;
	uint32_t org = le32(md + 8);
	hresult hr = heap_name(d, c, h, le32(md), md, &name);

	if (hr_failed(hr)) {
		return hr;
	}
	if (org > c->n_derivation) {
		return bad(d, md + 8,
		           "method origin %u past the derivation "
		           "list",
		           org);
	}
	if (cim_class_find_method(c, name) != NULL) {
		return bad(d, md, "method %s repeated", name);
	}
	m = cim_class_add_method(c, name, CIM_T_EMPTY);
	talloc_free(name);
	if (m == NULL) {
		return oom();
	}
	m->local = (md[4] & WMIO_METHOD_INHERITS) == 0;
	m->origin = talloc_strdup(c, origin_name(c, org));
	if (m->origin == NULL) {
		return oom();
	}
	hr = dec_heap_qset(d, c, h, le32(md + 12), md + 12, &m->quals, NULL);
	if (hr_ok(hr)) {
		hr = dec_signature(d, c, m, h, le32(md + 16), md + 16, false);
	}
	if (hr_ok(hr)) {
		hr = dec_signature(d, c, m, h, le32(md + 20), md + 20, true);
	}
	if (hr_ok(hr)) {
		sort_params(m);
	}
	return hr;
}

/* Decodes a MethodsPart into class [c] (NULL: must be empty). */
static hresult dec_methods_part(struct dec *d,
                                struct cim_class *c,
                                struct rd *r)
{
	const uint8_t *at = r->p;
	struct rd mp;
	struct heap h;
	uint16_t n = 0, pad = 0;
	const uint8_t *md;
	hresult hr = open_block(d, r, 12, &mp, "methods part");

	if (hr_failed(hr)) {
		return hr;
	}
	rd_u16le(&mp, &n);
	rd_u16le(&mp, &pad);
	md = mp.p;
	if ((size_t)n * 24 > rd_left(&mp)) {
		return bad(d, at + 4, "method count %u out of range", n);
	}
	if (n != 0 && c == NULL) {
		return bad(d, at + 4, "methods in a nameless class part");
	}
	rd_skip(&mp, (size_t)n * 24);
	hr = dec_heap(d, &mp, &h);
	for (uint32_t i = 0; i < n && hr_ok(hr); i++) {
		hr = dec_method(d, c, &h, md + 24 * (size_t)i);
	}
	return hr;
}

/* ---- Instances -------------------------------------------------------- */

static hresult dec_instance(struct dec *d,
                            struct wmio_object *o,
                            struct rd *r,
                            const struct cpart *cp)
{
	const struct cim_class *c = cp->cls;
	const uint8_t *nd, *vt, *iq;
	struct cim_instance *inst;
	struct rd ir, q;
	struct heap h;
	uint8_t flag;
	hresult hr = open_block(d, r, 4 + 1 + 4 + 4 + 1 + 4, &ir,
	                        "instance part");

	if (hr_failed(hr)) {
		return hr;
	}
	rd_skip(&ir, 5);
	nd = ir.p;
	vt = nd + cp->nd_len;
	if (!rd_skip(&ir, (size_t)cp->nd_len + cp->vt_len)) {
		return bad(d, nd, "truncated instance value table");
	}
	iq = ir.p;
	hr = open_block(d, &ir, 4, &q, "instance qualifier set");
	if (hr_failed(hr)) {
		return hr;
	}
	if (!rd_u8(&ir, &flag) || (flag != 1 && flag != 2)) {
		return bad(d, ir.p, "InstPropQualSetFlag missing or not 1/2");
	}
	for (uint32_t i = 0; flag == 2 && i < c->n_props; i++) {
		hr = open_block(d, &ir, 4, &q, "property qualifier set");
		if (hr_failed(hr)) {
			return hr;
		}
	}
	hr = dec_heap(d, &ir, &h);
	if (hr_failed(hr)) {
		return hr;
	}
	inst = talloc_zero(o, struct cim_instance);
	if (inst == NULL) {
		return oom();
	}
	o->inst = inst;
	inst->cls = cp->cls;
	if (c->n_props != 0) {
		inst->values = talloc_zero_array(inst, struct cim_value,
		                                 c->n_props);
		if (inst->values == NULL) {
			return oom();
		}
	}
	for (uint32_t i = 0; i < c->n_props && hr_ok(hr); i++) {
		uint32_t bits = (nd[i / 4] >> (2 * (i % 4))) & 3u;
		uint32_t t = c->props[i].type;

		if ((bits & WMIO_ND_NULL) != 0) {
			inst->values[i] = cim_value_null(t);
		} else if ((bits & WMIO_ND_DEFAULT) != 0) {
			hr = cim_value_copy(inst, &inst->values[i],
			                    &c->props[i].value);
		} else {
			hr = dec_value(d, inst, &h, t, vt + cp->vt_off[i],
			               &inst->values[i]);
		}
	}
	if (hr_ok(hr)) {
		rd_init(&q, iq, (size_t)(ir.end - iq));
		hr = dec_qset(d, inst, &q, &h, &inst->quals, NULL);
	}
	return hr;
}

/* ---- Object blocks ---------------------------------------------------- */

static hresult set_decoration(struct wmio_object *o)
{
	char **srv = o->is_class ? &o->cls->server : &o->inst->server;
	char **ns = o->is_class ? &o->cls->namespace : &o->inst->namespace;

	if ((o->flags & WMIO_OBJ_DECORATED) == 0) {
		return HR_OK;
	}
	*srv = talloc_strdup(o->is_class ? (void *)o->cls : (void *)o->inst,
	                     o->server);
	*ns = talloc_strdup(o->is_class ? (void *)o->cls : (void *)o->inst,
	                    o->ns);
	return *srv && *ns ? HR_OK : oom();
}

static hresult dec_block(struct dec *d,
                         void *mem,
                         struct rd *r,
                         struct wmio_object **out)
{
	struct wmio_object *o = talloc_zero(mem, struct wmio_object);
	const uint8_t *at = r->p;
	struct cpart pp, cp;
	size_t used;
	hresult hr;

	if (o == NULL) {
		return oom();
	}
	if (!rd_u8(r, &o->flags)) {
		hr = bad(d, at, "truncated object block");
		goto fail;
	}
	if (((o->flags & WMIO_OBJ_CLASS) != 0) ==
	    ((o->flags & WMIO_OBJ_INSTANCE) != 0)) {
		hr = bad(d, at,
		         "object flags 0x%02x are neither class nor "
		         "instance",
		         o->flags);
		goto fail;
	}
	o->is_class = (o->flags & WMIO_OBJ_CLASS) != 0;
	if ((o->flags & WMIO_OBJ_DECORATED) != 0) {
		hr = estr(d, o, r->p, rd_left(r), &o->server, &used);
		if (hr_ok(hr)) {
			rd_skip(r, used);
			hr = estr(d, o, r->p, rd_left(r), &o->ns, &used);
		}
		if (hr_failed(hr)) {
			goto fail;
		}
		rd_skip(r, used);
	}
	if (o->is_class) {
		hr = dec_class_part(d, o, r, &pp);
		if (hr_ok(hr)) {
			o->parent = pp.cls;
			hr = dec_methods_part(d, pp.cls, r);
		}
	} else {
		hr = HR_OK;
	}
	if (hr_ok(hr)) {
		at = r->p;
		hr = dec_class_part(d, o, r, &cp);
	}
	if (hr_ok(hr) && cp.cls == NULL) {
		hr = bad(d, at, "object without a class name");
	}
	if (hr_failed(hr)) {
		goto fail;
	}
	o->cls = cp.cls;
	hr = o->is_class ? dec_methods_part(d, cp.cls, r)
	                 : dec_instance(d, o, r, &cp);
	if (hr_ok(hr)) {
		hr = set_decoration(o);
	}
	if (hr_failed(hr)) {
		goto fail;
	}
	*out = o;
	return HR_OK;
fail:
	talloc_free(o);
	return hr;
}

/* An embedded object heap item (ObjectEncodingLength + ObjectBlock). */
static hresult dec_object_item(struct dec *d,
                               void *mem,
                               const struct heap *h,
                               uint32_t ref,
                               const uint8_t *at,
                               struct cim_object **out)
{
	struct wmio_object *o = NULL;
	struct cim_object *co;
	uint32_t len = 0;
	struct rd r;
	hresult hr;

	if (ref >= h->len || h->len - ref < 4) {
		return bad(d, at, "object reference 0x%x past the heap", ref);
	}
	len = le32(h->p + ref);
	if (len > h->len - ref - 4) {
		return bad(d, h->p + ref, "object length %u past the heap",
		           len);
	}
	if (d->depth >= d->max_depth) {
		return bad(d, h->p + ref, "objects nested too deep");
	}
	hr = charge(d, len, h->p + ref);
	if (hr_failed(hr)) {
		return hr;
	}
	co = talloc_zero(mem, struct cim_object);
	if (co == NULL) {
		return oom();
	}
	rd_init(&r, h->p + ref + 4, len);
	d->depth++;
	hr = dec_block(d, co, &r, &o);
	d->depth--;
	if (hr_failed(hr)) {
		talloc_free(co);
		return hr;
	}
	co->is_class = o->is_class;
	if (o->is_class) {
		co->u.cls = talloc_steal(co, o->cls);
	} else {
		co->u.inst = talloc_steal(co, o->inst);
		talloc_steal(co->u.inst, o->cls);
	}
	talloc_free(o);
	*out = co;
	return HR_OK;
}

/* ---- Public API ------------------------------------------------------- */

static void dec_init(struct dec *d,
                     const uint8_t *p,
                     size_t n,
                     const struct wmio_limits *lim,
                     struct errinfo *ei)
{
	memset(d, 0, sizeof(*d));
	d->base = p;
	d->ei = ei;
	d->max_depth = lim && lim->max_depth ? lim->max_depth
	                                     : WMIO_DEFAULT_MAX_DEPTH;
	d->max_work = lim && lim->max_work               ? lim->max_work
	              : n > (SIZE_MAX - (1u << 20)) / 64 ? SIZE_MAX
	                                                 : 64 * n + (1u << 20);
}

static hresult finish(void *mem,
                      void *tmp,
                      struct wmio_object *o,
                      hresult hr,
                      struct wmio_object **out)
{
	if (hr_ok(hr)) {
		talloc_steal(mem, o);
		*out = o;
	}
	talloc_free(tmp);
	return hr;
}

hresult wmio_decode_block(void *mem,
                          const uint8_t *p,
                          size_t n,
                          const struct wmio_limits *lim,
                          struct wmio_object **out,
                          struct errinfo *ei)
{
	struct wmio_object *o = NULL;
	struct dec d;
	struct rd r;
	void *tmp = talloc_new(mem);
	hresult hr;

	if (tmp == NULL) {
		return oom();
	}
	dec_init(&d, p, n, lim, ei);
	rd_init(&r, p, n);
	hr = dec_block(&d, tmp, &r, &o);
	return finish(mem, tmp, o, hr, out);
}

hresult wmio_decode(void *mem,
                    const uint8_t *p,
                    size_t n,
                    const struct wmio_limits *lim,
                    struct wmio_object **out,
                    struct errinfo *ei)
{
	struct wmio_object *o = NULL;
	uint32_t sig = 0, len = 0;
	struct dec d;
	struct rd r, body;
	void *tmp;
	hresult hr;

	dec_init(&d, p, n, lim, ei);
	rd_init(&r, p, n);
	if (!rd_u32le(&r, &sig) || !rd_u32le(&r, &len)) {
		return bad(&d, p, "truncated encoding unit");
	}
	if (sig != WMIO_SIGNATURE) {
		return err_set_pos(ei, HR_WBEM_E_MARSHAL_INVALID_SIGNATURE,
		                   WMIO_LAYER, 0, 0, 0,
		                   "signature 0x%08x is not 0x12345678", sig);
	}
	if (len > rd_left(&r)) {
		return bad(&d, p + 4, "object length %u past the input (%zu)",
		           len, rd_left(&r));
	}
	tmp = talloc_new(mem);
	if (tmp == NULL) {
		return oom();
	}
	rd_sub(&r, 0, len, &body);
	hr = dec_block(&d, tmp, &body, &o);
	return finish(mem, tmp, o, hr, out);
}

/* ---- Decoding with a class-part cache --------------------------------- */

struct wmio_decode_cache {
	uint8_t *cp_bytes; /* the ClassPart octets of the cached class */
	uint32_t cp_len;
	struct cpart cp; /* decoded; cp.cls and cp.vt_off owned by cp_mem */
	void *cp_mem;
	uint64_t hits, misses;
};

hresult wmio_decode_cache_new(void *mem, struct wmio_decode_cache **out)
{
	struct wmio_decode_cache *dc = talloc_zero(mem,
	                                           struct wmio_decode_cache);

	if (dc == NULL) {
		return oom();
	}
	*out = dc;
	return HR_OK;
}

void wmio_decode_cache_counts(const struct wmio_decode_cache *dc,
                              uint64_t *hits,
                              uint64_t *misses)
{
	*hits = dc->hits;
	*misses = dc->misses;
}

/* The instance ObjectBlock at [r] through [dc]'s class (see wmio.h). */
static hresult dec_block_cached(struct dec *d,
                                void *mem,
                                struct rd *r,
                                struct wmio_decode_cache *dc,
                                struct wmio_object **out)
{
	struct wmio_object *o = talloc_zero(mem, struct wmio_object);
	const uint8_t *at = r->p;
	uint32_t len;
	size_t used;
	hresult hr = HR_OK;

	if (o == NULL) {
		return oom();
	}
	if (!rd_u8(r, &o->flags) || (o->flags & WMIO_OBJ_INSTANCE) == 0 ||
	    (o->flags & WMIO_OBJ_CLASS) != 0) {
		hr = bad(d, at, "not an instance object block");
		goto fail;
	}
	if ((o->flags & WMIO_OBJ_DECORATED) != 0) {
		hr = estr(d, o, r->p, rd_left(r), &o->server, &used);
		if (hr_ok(hr)) {
			rd_skip(r, used);
			hr = estr(d, o, r->p, rd_left(r), &o->ns, &used);
		}
		if (hr_failed(hr)) {
			goto fail;
		}
		rd_skip(r, used);
	}
	if (rd_left(r) < 4) {
		hr = bad(d, r->p, "truncated class part");
		goto fail;
	}
	len = le32(r->p);
	if (dc->cp.cls != NULL && len == dc->cp_len && len <= rd_left(r) &&
	    memcmp(r->p, dc->cp_bytes, len) == 0) {
		rd_skip(r, len);
		dc->hits++;
	} else {
		void *cm = talloc_new(dc);
		const uint8_t *start = r->p;
		struct cpart cp;

		if (cm == NULL) {
			hr = oom();
			goto fail;
		}
		hr = dec_class_part(d, cm, r, &cp);
		if (hr_ok(hr) && cp.cls == NULL) {
			hr = bad(d, start, "object without a class name");
		}
		if (hr_failed(hr)) {
			talloc_free(cm);
			goto fail;
		}
		dc->cp_bytes = talloc_memdup(cm, start, (size_t)(r->p - start));
		if (dc->cp_bytes == NULL) {
			talloc_free(cm);
			hr = oom();
			goto fail;
		}
		talloc_free(dc->cp_mem);
		dc->cp_mem = cm;
		dc->cp_len = (uint32_t)(r->p - start);
		dc->cp = cp;
		dc->misses++;
	}
	o->is_class = false;
	o->cls = dc->cp.cls;
	hr = dec_instance(d, o, r, &dc->cp);
	if (hr_ok(hr)) {
		hr = set_decoration(o);
	}
	if (hr_failed(hr)) {
		goto fail;
	}
	*out = o;
	return HR_OK;
fail:
	talloc_free(o);
	return hr;
}

hresult wmio_decode_cached(void *mem,
                           struct wmio_decode_cache *dc,
                           const uint8_t *p,
                           size_t n,
                           const struct wmio_limits *lim,
                           struct wmio_object **out,
                           struct errinfo *ei)
{
	struct wmio_object *o = NULL;
	uint32_t sig = 0, len = 0;
	uint8_t flags;
	struct dec d;
	struct rd r, body;
	void *tmp;
	hresult hr;

	dec_init(&d, p, n, lim, ei);
	rd_init(&r, p, n);
	if (!rd_u32le(&r, &sig) || !rd_u32le(&r, &len) || len > rd_left(&r) ||
	    sig != WMIO_SIGNATURE || len < 1) {
		return wmio_decode(mem, p, n, lim, out, ei);
	}
	flags = r.p[0];
	if ((flags & WMIO_OBJ_INSTANCE) == 0 || (flags & WMIO_OBJ_CLASS) != 0) {
		return wmio_decode(mem, p, n, lim, out, ei);
	}
	tmp = talloc_new(mem);
	if (tmp == NULL) {
		return oom();
	}
	rd_sub(&r, 0, len, &body);
	hr = dec_block_cached(&d, tmp, &body, dc, &o);
	return finish(mem, tmp, o, hr, out);
}
