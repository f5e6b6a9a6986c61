/*
 * enc: the MS-WMIO encoder (wmio layer).
 *
 * Everything is appended to the caller's struct buf.  Blocks whose length
 * or heap references are known only later are reserved (zeroed) and
 * patched by absolute position in the buffer, never by pointer, because
 * the buffer may move when it grows.  A patch past the buffer's length
 * (a reservation that failed for lack of memory) is skipped; the sticky
 * buf error is returned at the end.
 */
#include "wmio/wmio.h"

#include <stdlib.h>
#include <string.h>
#include <talloc.h>

#include "base/utf.h"
#include "wmio/wmio-int.h"

const char *const wmio_dict[WMIO_N_DICT] = {
	"\"",       "key",     "",         "read",  "write",   "volatile",
	"provider", "dynamic", "cimwin32", "DWORD", "CIMTYPE",
};

#define MAX_ENC_DEPTH 64u

struct enc {
	struct buf *b;
	const char *server; /* decoration of method signatures */
	const char *ns;
	bool decorate;
	unsigned flags;
	uint32_t depth;
};

/* The instance layout of a class: lookup order and value slots. */
struct layout {
	uint32_t n;
	uint32_t *order;  /* lookup position -> property index */
	uint32_t *vt_off; /* property index -> ValueTable offset */
	uint32_t nd_len;
	uint32_t vt_len;
};

struct wmio_class_cache {
	const struct cim_class *cls;
	struct layout lay;
	uint8_t *part; /* the encoded ClassPart */
	size_t part_len;
};

static hresult put_object(struct enc *e, const struct cim_object *o);

/* ---- Buffer primitives ------------------------------------------------ */

static hresult reserve(struct buf *b, size_t n, uint8_t fill, size_t *pos)
{
	hresult hr = buf_grow(b, n);

	if (hr_failed(hr)) {
		return hr;
	}
	*pos = b->len;
	memset(b->data + b->len, fill, n);
	b->len += n;
	b->data[b->len] = '\0';
	return HR_OK;
}

static void patch_n(struct buf *b, size_t pos, uint64_t v, uint32_t size)
{
	uint8_t *d;

	if (pos > b->len || size > b->len - pos) {
		return;
	}
	d = (uint8_t *)b->data + pos;
	for (uint32_t i = 0; i < size; i++) {
		d[i] = (uint8_t)(v >> (8 * i));
	}
}

static void patch_u32(struct buf *b, size_t pos, uint32_t v)
{
	patch_n(b, pos, v, 4);
}

static hresult put_u32(struct buf *b, uint32_t v)
{
	return buf_add_u32le(b, v);
}

/* Heap offset of the next byte, for a HeapRef. */
static uint32_t heap_ref(const struct buf *b, size_t heap_base)
{
	size_t off = b->len - heap_base;

	return off < WMIO_REF_DICT ? (uint32_t)off : WMIO_REF_NULL;
}

/* ---- Encoded-String (MS-WMIO 2.2.78) ---------------------------------- */

static hresult put_estr_slow(struct buf *b, const char *s, size_t n)
{
	const char *p = s, *end = s + n;
	uint32_t max = 0;
	size_t units = 0, cps = 0, pos;
	hresult hr;
	uint8_t *d;

	while (p < end) {
		int32_t cp = utf8_next(&p, end);

		if (cp < 0) {
			return hr_raise(HR_WBEM_E_INVALID_PARAMETER);
		}
		if ((uint32_t)cp > max) {
			max = (uint32_t)cp;
		}
		cps++;
		units += cp > 0xFFFF ? 2 : 1;
	}
	if (max <= 0xFF) {
		hr = reserve(b, cps + 2, 0, &pos);
		if (hr_failed(hr)) {
			return hr;
		}
		d = (uint8_t *)b->data + pos + 1;
		for (p = s; p < end;) {
			*d++ = (uint8_t)utf8_next(&p, end);
		}
		return HR_OK;
	}
	hr = reserve(b, 1 + 2 * units + 2, 0, &pos);
	if (hr_failed(hr)) {
		return hr;
	}
	d = (uint8_t *)b->data + pos;
	*d++ = 1;
	for (p = s; p < end;) {
		uint32_t cp = (uint32_t)utf8_next(&p, end);

		if (cp > 0xFFFF) {
			uint32_t v = cp - 0x10000;
			uint32_t hi = 0xD800 | (v >> 10),
			         lo = 0xDC00 | (v & 0x3FF);

			*d++ = (uint8_t)hi;
			*d++ = (uint8_t)(hi >> 8);
			*d++ = (uint8_t)lo;
			*d++ = (uint8_t)(lo >> 8);
		} else {
			*d++ = (uint8_t)cp;
			*d++ = (uint8_t)(cp >> 8);
		}
	}
	return HR_OK;
}

/* Appends the Encoded-String of UTF-8 [s]; *size gets its length. */
static hresult put_estr(struct buf *b, const char *s, size_t *size)
{
	size_t n = strlen(s), i, start = b->len;
	const unsigned char *u = (const unsigned char *)s;
	hresult hr;

	for (i = 0; i < n && u[i] < 0x80; i++) {
	}
	if (i == n) {
		hr = buf_grow(b, n + 2);
		if (hr_failed(hr)) {
			return hr;
		}
		b->data[b->len] = 0;
		memcpy(b->data + b->len + 1, s, n);
		b->data[b->len + 1 + n] = 0;
		b->len += n + 2;
		b->data[b->len] = '\0';
	} else {
		hr = put_estr_slow(b, s, n);
		if (hr_failed(hr)) {
			return hr;
		}
	}
	if (size != NULL) {
		*size = b->len - start;
	}
	return HR_OK;
}

static int dict_index(const char *s)
{
	for (uint32_t i = 0; i < WMIO_N_DICT; i++) {
		if (strcmp(wmio_dict[i], s) == 0) {
			return (int)i;
		}
	}
	return -1;
}

/* Writes name [s] as a heap string (or dictionary reference) for [slot]. */
static hresult put_name(struct buf *b,
                        size_t heap_base,
                        size_t slot,
                        const char *s,
                        bool dict)
{
	int k = dict ? dict_index(s) : -1;

	if (k >= 0) {
		patch_u32(b, slot, WMIO_REF_DICT | (uint32_t)k);
		return HR_OK;
	}
	patch_u32(b, slot, heap_ref(b, heap_base));
	return put_estr(b, s, NULL);
}

/* ---- Values ----------------------------------------------------------- */

/* The inline bits of element [k] (or the scalar) of [v], base type [bt]. */
static uint64_t scalar_bits(uint32_t bt,
                            const struct cim_value *v,
                            bool arr,
                            uint32_t k)
{
	double r;
	float f;
	uint32_t u32;
	uint64_t u64;

	switch (bt) {
	case CIM_T_SINT8:
	case CIM_T_SINT16:
	case CIM_T_SINT32:
	case CIM_T_SINT64:
		return (uint64_t)(arr ? v->v.a.e.i[k] : v->v.i);
	case CIM_T_REAL32:
		r = arr ? v->v.a.e.r[k] : v->v.r;
		f = (float)r;
		memcpy(&u32, &f, 4);
		return u32;
	case CIM_T_REAL64:
		r = arr ? v->v.a.e.r[k] : v->v.r;
		memcpy(&u64, &r, 8);
		return u64;
	case CIM_T_BOOLEAN:
		return (arr ? v->v.a.e.b[k] : v->v.b) ? 0xFFFFu : 0;
	default:
		return arr ? v->v.a.e.u[k] : v->v.u;
	}
}

/* Appends heap item: Encoded-String [s] or an embedded object [o]. */
static hresult put_heap_scalar(struct enc *e,
                               uint32_t bt,
                               const char *s,
                               const struct cim_object *o)
{
	if (bt == CIM_T_OBJECT) {
		return put_object(e, o);
	}
	if (s == NULL) {
		return hr_raise(HR_WBEM_E_INVALID_PARAMETER);
	}
	return put_estr(e->b, s, NULL);
}

static hresult put_array(struct enc *e,
                         size_t heap_base,
                         uint32_t type,
                         const struct cim_value *v)
{
	struct buf *b = e->b;
	uint32_t bt = cim_type_base(type), n = v->v.a.n;
	uint32_t es = wmio_slot_size(bt);
	size_t pos;
	hresult hr;

	if (n != 0 && v->v.a.e.i == NULL) {
		return hr_raise(HR_WBEM_E_INVALID_PARAMETER);
	}
	hr = put_u32(b, n);
	if (hr_failed(hr)) {
		return hr;
	}
	hr = reserve(b, (size_t)n * es, 0, &pos);
	if (hr_failed(hr)) {
		return hr;
	}
	if (!wmio_base_on_heap(bt)) {
		for (uint32_t k = 0; k < n; k++) {
			patch_n(b, pos + (size_t)k * es,
			        scalar_bits(bt, v, true, k), es);
		}
		return HR_OK;
	}
	for (uint32_t k = 0; k < n; k++) {
		patch_u32(b, pos + (size_t)k * 4, heap_ref(b, heap_base));
		hr = put_heap_scalar(e, bt,
		                     bt == CIM_T_OBJECT ? NULL : v->v.a.e.s[k],
		                     bt == CIM_T_OBJECT ? v->v.a.e.o[k] : NULL);
		if (hr_failed(hr)) {
			return hr;
		}
	}
	return HR_OK;
}

/*
 * Writes non-NULL [v] of [type] into the slot at [slot]: inline, or as a
 * heap item appended at the end (heap starting at [heap_base]).
 */
static hresult put_value(struct enc *e,
                         size_t heap_base,
                         size_t slot,
                         uint32_t type,
                         const struct cim_value *v)
{
	uint32_t bt = cim_type_base(type);

	if ((v->type & (CIM_TYPE_MASK | CIM_FLAG_ARRAY)) != type) {
		return hr_raise(HR_WBEM_E_INVALID_PARAMETER);
	}
	if (cim_type_is_array(type)) {
		patch_u32(e->b, slot, heap_ref(e->b, heap_base));
		return put_array(e, heap_base, type, v);
	}
	if (wmio_base_on_heap(bt)) {
		patch_u32(e->b, slot, heap_ref(e->b, heap_base));
		return put_heap_scalar(e, bt,
		                       bt == CIM_T_OBJECT ? NULL : v->v.s,
		                       bt == CIM_T_OBJECT ? v->v.o : NULL);
	}
	patch_n(e->b, slot, scalar_bits(bt, v, false, 0), wmio_slot_size(bt));
	return HR_OK;
}

/* ---- Qualifier sets (MS-WMIO 2.2.59) ---------------------------------- */

static bool skip_qual(const struct cim_qualifier *q, bool prop)
{
	return prop && utf8_casecmp(q->name, WMIO_CIMTYPE) == 0;
}

/*
 * Appends the body of a QualifierSet: [cimtype] first when not NULL (a
 * property's synthesised CIMTYPE with [cflavor]), then [qs].  References
 * are left zero for qset_items().  *start gets the set's position.
 */
static hresult qset_body(struct buf *b,
                         const char *cimtype,
                         uint8_t cflavor,
                         const struct cim_qualifier_set *qs,
                         size_t *start)
{
	size_t len = 4, pos;
	hresult hr;

	if (cimtype != NULL) {
		len += 9 + 4;
	}
	for (uint32_t i = 0; i < qs->n; i++) {
		const struct cim_qualifier *q = &qs->q[i];
		uint32_t sz = wmio_slot_size(q->value.type);

		if (skip_qual(q, cimtype != NULL)) {
			continue;
		}
		if (sz == 0 || q->name == NULL) {
			return hr_raise(HR_WBEM_E_INVALID_PARAMETER);
		}
		len += 9 + sz;
	}
	if (len > UINT32_MAX) {
		return hr_raise(HR_WBEM_E_INVALID_PARAMETER);
	}
	hr = reserve(b, len, 0, &pos);
	if (hr_failed(hr)) {
		return hr;
	}
	*start = pos;
	patch_u32(b, pos, (uint32_t)len);
	pos += 4;
	if (cimtype != NULL) {
		patch_n(b, pos + 4, cflavor, 1);
		patch_u32(b, pos + 5, CIM_T_STRING);
		pos += 13;
	}
	for (uint32_t i = 0; i < qs->n; i++) {
		const struct cim_qualifier *q = &qs->q[i];

		if (skip_qual(q, cimtype != NULL)) {
			continue;
		}
		patch_n(b, pos + 4, (uint8_t)(q->flavor & 0xFF), 1);
		patch_u32(b, pos + 5, q->value.type);
		pos += 9 + wmio_slot_size(q->value.type);
	}
	return HR_OK;
}

/* Appends the heap items of the set at [start] and patches its refs. */
static hresult qset_items(struct enc *e,
                          size_t heap_base,
                          size_t start,
                          const char *cimtype,
                          const struct cim_qualifier_set *qs)
{
	struct buf *b = e->b;
	size_t pos = start + 4;
	hresult hr;

	if (cimtype != NULL) {
		patch_u32(b, pos, WMIO_REF_DICT | 10u);
		patch_u32(b, pos + 9, heap_ref(b, heap_base));
		hr = put_estr(b, cimtype, NULL);
		if (hr_failed(hr)) {
			return hr;
		}
		pos += 13;
	}
	for (uint32_t i = 0; i < qs->n; i++) {
		const struct cim_qualifier *q = &qs->q[i];
		uint32_t sz = wmio_slot_size(q->value.type);

		if (skip_qual(q, cimtype != NULL)) {
			continue;
		}
		hr = put_name(b, heap_base, pos, q->name, true);
		if (hr_failed(hr)) {
			return hr;
		}
		if (q->value.null) {
			patch_n(b, pos + 9, UINT64_MAX, sz);
		} else {
			hr = put_value(e, heap_base, pos + 9, q->value.type,
			               &q->value);
			if (hr_failed(hr)) {
				return hr;
			}
		}
		pos += 9 + sz;
	}
	return HR_OK;
}

/* ---- Class parts ------------------------------------------------------ */

static int lay_cmp(const void *a, const void *b, void *arg)
{
	const struct cim_class *c = arg;
	uint32_t x = *(const uint32_t *)a, y = *(const uint32_t *)b;
	int r = utf8_casecmp(c->props[x].name, c->props[y].name);

	if (r == 0) {
		r = strcmp(c->props[x].name, c->props[y].name);
	}
	return r;
}

static hresult layout_init(void *mem,
                           const struct cim_class *c,
                           struct layout *lay)
{
	uint32_t off = 0;

	memset(lay, 0, sizeof(*lay));
	if (c == NULL || c->n_props == 0) {
		return HR_OK;
	}
	if (c->n_props > 0xFFFF) {
		return hr_raise(HR_WBEM_E_INVALID_PARAMETER);
	}
	lay->n = c->n_props;
	lay->order = talloc_array(mem, uint32_t, c->n_props);
	lay->vt_off = talloc_array(mem, uint32_t, c->n_props);
	if (lay->order == NULL || lay->vt_off == NULL) {
		return hr_raise(HR_E_OUTOFMEMORY);
	}
	for (uint32_t i = 0; i < c->n_props; i++) {
		uint32_t sz = wmio_slot_size(c->props[i].type);

		if (sz == 0 || c->props[i].name == NULL ||
		    !cim_type_valid(c->props[i].type)) {
			return hr_raise(HR_WBEM_E_INVALID_PARAMETER);
		}
		lay->order[i] = i;
		lay->vt_off[i] = off;
		off += sz;
	}
	qsort_r(lay->order, c->n_props, sizeof(uint32_t), lay_cmp, (void *)c);
	lay->nd_len = (c->n_props - 1) / 4 + 1;
	lay->vt_len = off;
	return HR_OK;
}

/* ClassOfOrigin/MethodOrigin of [origin]: counted from the root class. */
static uint32_t origin_index(const struct cim_class *c, const char *origin)
{
	if (origin == NULL || utf8_casecmp(origin, c->name) == 0) {
		return c->n_derivation;
	}
	for (uint32_t j = 0; j < c->n_derivation; j++) {
		if (c->derivation[j] != NULL &&
		    utf8_casecmp(origin, c->derivation[j]) == 0) {
			return c->n_derivation - 1 - j;
		}
	}
	return c->n_derivation;
}

static bool is_inherited(const struct cim_class *c, const char *origin)
{
	return origin != NULL && utf8_casecmp(origin, c->name) != 0;
}

/* The CIMTYPE qualifier value of [p]; owned by [mem]. */
static char *cimtype_text(void *mem, uint32_t type, const char *ref_class)
{
	uint32_t bt = cim_type_base(type);

	if (bt == CIM_T_REFERENCE) {
		return talloc_asprintf(mem, "ref:%s",
		                       ref_class ? ref_class : "object");
	}
	if (bt == CIM_T_OBJECT && ref_class != NULL) {
		return talloc_asprintf(mem, "object:%s", ref_class);
	}
	return talloc_strdup(mem, cim_type_name(type));
}

static hresult put_prop_info(struct enc *e,
                             size_t hb,
                             const struct cim_class *c,
                             const struct layout *lay,
                             uint32_t i)
{
	const struct cim_property *p = &c->props[i];
	bool inh = is_inherited(c, p->origin);
	struct buf *b = e->b;
	char tbuf[16];
	char *ct;
	size_t pos, qs;
	hresult hr;
	void *tmp = NULL;

	if (cim_type_base(p->type) == CIM_T_REFERENCE ||
	    (cim_type_base(p->type) == CIM_T_OBJECT && p->ref_class)) {
		tmp = talloc_new(b->mem);
		ct = tmp ? cimtype_text(tmp, p->type, p->ref_class) : NULL;
		if (ct == NULL) {
			talloc_free(tmp);
			return hr_raise(HR_E_OUTOFMEMORY);
		}
	} else {
		size_t l = strlen(cim_type_name(p->type));

		memcpy(tbuf, cim_type_name(p->type), l + 1);
		ct = tbuf;
	}
	hr = reserve(b, 14, 0, &pos);
	if (hr_failed(hr)) {
		goto out;
	}
	patch_u32(b, pos, p->type | (inh ? WMIO_PROP_INHERITED : 0));
	patch_n(b, pos + 4, i, 2);
	patch_u32(b, pos + 6, lay->vt_off[i]);
	patch_u32(b, pos + 10, origin_index(c, p->origin));
	hr = qset_body(b, ct, (uint8_t)(0x03 | (inh ? 0x20 : 0)), &p->quals,
	               &qs);
	if (hr_failed(hr)) {
		goto out;
	}
	hr = qset_items(e, hb, qs, ct, &p->quals);
out:
	talloc_free(tmp);
	return hr;
}

static void nd_set(struct buf *b, size_t nd, uint32_t i, uint32_t bits)
{
	size_t pos = nd + i / 4;

	if (bits != 0 && pos < b->len) {
		b->data[pos] = (char)((uint8_t)b->data[pos] |
		                      (uint8_t)(bits << (2 * (i % 4))));
	}
}

static hresult put_derivation(struct buf *b, const struct cim_class *c)
{
	size_t dl = b->len, size;
	hresult hr = put_u32(b, 0);

	for (uint32_t j = 0; c != NULL && j < c->n_derivation; j++) {
		if (hr_failed(hr)) {
			return hr;
		}
		if (c->derivation[j] == NULL) {
			return hr_raise(HR_WBEM_E_INVALID_PARAMETER);
		}
		hr = put_estr(b, c->derivation[j], &size);
		if (hr_ok(hr)) {
			hr = put_u32(b, (uint32_t)size);
		}
	}
	if (hr_ok(hr)) {
		patch_u32(b, dl, (uint32_t)(b->len - dl));
	}
	return hr;
}

/* Appends the ClassPart of [c] (NULL: an empty ParentClass part). */
static hresult put_class_part(struct enc *e,
                              const struct cim_class *c,
                              const struct layout *lay)
{
	static const struct cim_qualifier_set none;
	const struct cim_qualifier_set *cq = c ? &c->quals : &none;
	struct buf *b = e->b;
	size_t start, cqs, lk = 0, nd = 0, vt = 0, hl, hb;
	uint32_t n = c ? c->n_props : 0;
	hresult hr;

	hr = reserve(b, 13, 0, &start);
	if (hr_failed(hr)) {
		return hr;
	}
	patch_u32(b, start + 5, c && c->name ? 0 : WMIO_REF_NULL);
	hr = put_derivation(b, c);
	if (hr_ok(hr)) {
		hr = qset_body(b, NULL, 0, cq, &cqs);
	}
	if (hr_ok(hr)) {
		hr = put_u32(b, n);
	}
	if (hr_ok(hr)) {
		hr = reserve(b, (size_t)n * 8, 0, &lk);
	}
	if (hr_ok(hr) && n != 0) {
		hr = reserve(b, lay->nd_len, 0, &nd);
		if (hr_ok(hr)) {
			hr = reserve(b, lay->vt_len, 0, &vt);
		}
	}
	if (hr_ok(hr)) {
		hr = reserve(b, 4, 0, &hl);
	}
	if (hr_failed(hr)) {
		return hr;
	}
	hb = b->len;
	if (c != NULL && c->name != NULL) {
		hr = put_estr(b, c->name, NULL);
	}
	if (hr_ok(hr)) {
		hr = qset_items(e, hb, cqs, NULL, cq);
	}
	for (uint32_t k = 0; k < n && hr_ok(hr); k++) {
		uint32_t i = lay->order[k];

		hr = put_name(b, hb, lk + 8 * (size_t)k, c->props[i].name,
		              true);
		if (hr_ok(hr)) {
			patch_u32(b, lk + 8 * (size_t)k + 4, heap_ref(b, hb));
			hr = put_prop_info(e, hb, c, lay, i);
		}
	}
	for (uint32_t k = 0; k < n && hr_ok(hr); k++) {
		uint32_t i = lay->order[k];
		const struct cim_property *p = &c->props[i];

		nd_set(b, nd, i,
		       (p->value.null ? WMIO_ND_NULL : 0) |
		               (p->local ? 0 : WMIO_ND_DEFAULT));
		if (p->value.null) {
			patch_n(b, vt + lay->vt_off[i], UINT64_MAX,
			        wmio_slot_size(p->type));
		} else {
			hr = put_value(e, hb, vt + lay->vt_off[i], p->type,
			               &p->value);
		}
	}
	if (hr_failed(hr)) {
		return hr;
	}
	if (b->len - hb > 0x7FFFFFFF || b->len - start > UINT32_MAX) {
		return hr_raise(HR_WBEM_E_INVALID_PARAMETER);
	}
	patch_u32(b, hl, (uint32_t)(b->len - hb) | WMIO_HEAPLEN_FLAG);
	patch_u32(b, start, (uint32_t)(b->len - start));
	patch_u32(b, start + 9, n ? lay->nd_len + lay->vt_len : 0);
	return HR_OK;
}

static bool method_has(const struct cim_method *m, bool out)
{
	if (out && m->return_type != CIM_T_EMPTY) {
		return true;
	}
	for (uint32_t i = 0; i < m->n_params; i++) {
		if (out ? m->params[i].out : m->params[i].in) {
			return true;
		}
	}
	return false;
}

static hresult put_class_object(struct enc *e,
                                const struct cim_class *c,
                                const struct cim_class *parent,
                                const char *server,
                                const char *ns);

/* Appends a MethodSignatureBlock (length 0 when there is nothing). */
static hresult put_signature(struct enc *e,
                             const struct cim_method *m,
                             bool out)
{
	struct buf *b = e->b;
	struct cim_class *pc = NULL;
	size_t pos, start;
	void *tmp;
	hresult hr;

	hr = reserve(b, 4, 0, &pos);
	if (hr_failed(hr) || !method_has(m, out)) {
		return hr;
	}
	if (e->depth >= MAX_ENC_DEPTH) {
		return hr_raise(HR_WBEM_E_INVALID_PARAMETER);
	}
	tmp = talloc_new(b->mem);
	if (tmp == NULL) {
		return hr_raise(HR_E_OUTOFMEMORY);
	}
	hr = wmio_params_class(tmp, m, out, &pc);
	if (hr_ok(hr)) {
		start = b->len;
		e->depth++;
		hr = put_class_object(e, pc, NULL, e->server, e->ns);
		e->depth--;
		if (hr_ok(hr)) {
			patch_u32(b, pos, (uint32_t)(b->len - start));
		}
	}
	talloc_free(tmp);
	return hr;
}

static hresult put_methods_part(struct enc *e, const struct cim_class *c)
{
	struct buf *b = e->b;
	uint32_t n = c ? c->n_methods : 0;
	size_t start, md, hl, hb, qs;
	hresult hr;

	if (n > 0xFFFF) {
		return hr_raise(HR_WBEM_E_INVALID_PARAMETER);
	}
	hr = reserve(b, 8, 0, &start);
	if (hr_ok(hr)) {
		hr = reserve(b, (size_t)n * 24, 0, &md);
	}
	if (hr_ok(hr)) {
		hr = reserve(b, 4, 0, &hl);
	}
	if (hr_failed(hr)) {
		return hr;
	}
	patch_n(b, start + 4, n, 2);
	hb = b->len;
	for (uint32_t i = 0; i < n && hr_ok(hr); i++) {
		const struct cim_method *m = &c->methods[i];
		size_t d = md + 24 * (size_t)i;

		if (m->name == NULL) {
			return hr_raise(HR_WBEM_E_INVALID_PARAMETER);
		}
		patch_u32(b, d, heap_ref(b, hb));
		hr = put_estr(b, m->name, NULL);
		patch_n(b, d + 4, m->local ? 0 : WMIO_METHOD_INHERITS, 1);
		patch_u32(b, d + 8, origin_index(c, m->origin));
		if (hr_ok(hr)) {
			patch_u32(b, d + 16, heap_ref(b, hb));
			hr = put_signature(e, m, false);
		}
		if (hr_ok(hr)) {
			patch_u32(b, d + 20, heap_ref(b, hb));
			hr = put_signature(e, m, true);
		}
		if (hr_ok(hr)) {
			patch_u32(b, d + 12, heap_ref(b, hb));
			hr = qset_body(b, NULL, 0, &m->quals, &qs);
		}
		if (hr_ok(hr)) {
			hr = qset_items(e, hb, qs, NULL, &m->quals);
		}
	}
	if (hr_failed(hr)) {
		return hr;
	}
	if (b->len - hb > 0x7FFFFFFF || b->len - start > UINT32_MAX) {
		return hr_raise(HR_WBEM_E_INVALID_PARAMETER);
	}
	patch_u32(b, hl, (uint32_t)(b->len - hb) | WMIO_HEAPLEN_FLAG);
	patch_u32(b, start, (uint32_t)(b->len - start));
	return HR_OK;
}

/* ---- The ParentClass part when the caller has no parent object --------- */

static hresult filter_quals(void *mem,
                            const struct cim_qualifier_set *src,
                            bool clear,
                            struct cim_qualifier_set *dst)
{
	dst->n = 0;
	dst->q = NULL;
	if (src->n == 0) {
		return HR_OK;
	}
	dst->q = talloc_array(mem, struct cim_qualifier, src->n);
	if (dst->q == NULL) {
		return hr_raise(HR_E_OUTOFMEMORY);
	}
	for (uint32_t i = 0; i < src->n; i++) {
		if ((src->q[i].flavor & CIM_FLAVOR_ORIGIN_PROPAGATED) == 0) {
			continue;
		}
		dst->q[dst->n] = src->q[i];
		if (clear) {
			dst->q[dst->n].flavor &= ~CIM_FLAVOR_ORIGIN_PROPAGATED;
		}
		dst->n++;
	}
	return HR_OK;
}

/*
 * Builds under [mem] the parent of resolved class [c] as far as [c] shows
 * it: inherited members, propagated qualifiers.  Shares [c]'s strings.
 */
static hresult synth_parent(void *mem,
                            const struct cim_class *c,
                            struct cim_class **out)
{
	struct cim_class *p = talloc_zero(mem, struct cim_class);
	hresult hr;

	if (p == NULL) {
		return hr_raise(HR_E_OUTOFMEMORY);
	}
	p->resolved = true;
	p->name = c->derivation[0];
	p->superclass = c->n_derivation > 1 ? c->derivation[1] : NULL;
	p->derivation = c->derivation + 1;
	p->n_derivation = c->n_derivation - 1;
	hr = filter_quals(p, &c->quals, true, &p->quals);
	if (hr_ok(hr) && c->n_props != 0) {
		p->props = talloc_array(p, struct cim_property, c->n_props);
		if (p->props == NULL) {
			hr = hr_raise(HR_E_OUTOFMEMORY);
		}
	}
	for (uint32_t i = 0; i < c->n_props && hr_ok(hr); i++) {
		const struct cim_property *s = &c->props[i];
		struct cim_property *d = &p->props[p->n_props];
		bool own;

		if (!is_inherited(c, s->origin)) {
			continue;
		}
		*d = *s;
		own = utf8_casecmp(s->origin, p->name) == 0;
		d->local = own;
		hr = filter_quals(p, &s->quals, own, &d->quals);
		p->n_props++;
	}
	if (hr_ok(hr) && c->n_methods != 0) {
		p->methods = talloc_array(p, struct cim_method, c->n_methods);
		if (p->methods == NULL) {
			hr = hr_raise(HR_E_OUTOFMEMORY);
		}
	}
	for (uint32_t i = 0; i < c->n_methods && hr_ok(hr); i++) {
		const struct cim_method *s = &c->methods[i];
		struct cim_method *d = &p->methods[p->n_methods];
		bool own;

		if (!is_inherited(c, s->origin)) {
			continue;
		}
		*d = *s;
		own = utf8_casecmp(s->origin, p->name) == 0;
		d->local = own;
		hr = filter_quals(p, &s->quals, own, &d->quals);
		p->n_methods++;
	}
	if (hr_failed(hr)) {
		talloc_free(p);
		return hr;
	}
	*out = p;
	return HR_OK;
}

/* ---- Object blocks ---------------------------------------------------- */

static hresult put_decoration(struct buf *b,
                              uint8_t flags,
                              const char *server,
                              const char *ns)
{
	bool deco = server != NULL || ns != NULL;
	hresult hr = buf_add_u8(
	        b, (uint8_t)(flags | (deco ? WMIO_OBJ_DECORATED : 0)));

	if (hr_ok(hr) && deco) {
		hr = put_estr(b, server ? server : "", NULL);
		if (hr_ok(hr)) {
			hr = put_estr(b, ns ? ns : "", NULL);
		}
	}
	return hr;
}

static hresult put_class_and_methods(struct enc *e,
                                     void *tmp,
                                     const struct cim_class *c)
{
	struct layout lay;
	hresult hr = layout_init(tmp, c, &lay);

	if (hr_ok(hr)) {
		hr = put_class_part(e, c, &lay);
	}
	if (hr_ok(hr)) {
		hr = put_methods_part(e, c);
	}
	return hr;
}

static hresult put_class_object(struct enc *e,
                                const struct cim_class *c,
                                const struct cim_class *parent,
                                const char *server,
                                const char *ns)
{
	const char *osrv = e->server, *ons = e->ns;
	void *tmp;
	hresult hr;

	if (c == NULL || !c->resolved || c->name == NULL ||
	    (c->n_derivation != 0 && c->derivation == NULL)) {
		return hr_raise(HR_WBEM_E_INVALID_PARAMETER);
	}
	tmp = talloc_new(e->b->mem);
	if (tmp == NULL) {
		return hr_raise(HR_E_OUTOFMEMORY);
	}
	e->server = server;
	e->ns = ns;
	hr = put_decoration(e->b, WMIO_OBJ_CLASS, server, ns);
	if (hr_ok(hr) && parent == NULL && c->n_derivation != 0 &&
	    c->derivation[0] != NULL) {
		struct cim_class *sp = NULL;

		hr = synth_parent(tmp, c, &sp);
		parent = sp;
	}
	if (hr_ok(hr)) {
		hr = put_class_and_methods(e, tmp, parent);
	}
	if (hr_ok(hr)) {
		hr = put_class_and_methods(e, tmp, c);
	}
	e->server = osrv;
	e->ns = ons;
	talloc_free(tmp);
	return hr;
}

static hresult put_instance_block(struct enc *e,
                                  const struct wmio_class_cache *cc,
                                  const struct cim_instance *inst,
                                  const char *server,
                                  const char *ns)
{
	const struct cim_class *c = cc->cls;
	const struct layout *lay = &cc->lay;
	struct buf *b = e->b;
	bool defaults = (e->flags & WMIO_ENC_USE_DEFAULTS) != 0;
	size_t il, nd = 0, vt = 0, iq, hl, hb;
	hresult hr;

	if (inst == NULL || inst->cls != c ||
	    (c->n_props != 0 && inst->values == NULL)) {
		return hr_raise(HR_WBEM_E_INVALID_PARAMETER);
	}
	hr = put_decoration(b, WMIO_OBJ_INSTANCE, server, ns);
	if (hr_ok(hr)) {
		hr = buf_add(b, cc->part, cc->part_len);
	}
	if (hr_ok(hr)) {
		hr = reserve(b, 9, 0, &il);
	}
	if (hr_ok(hr) && lay->n != 0) {
		hr = reserve(b, lay->nd_len + lay->vt_len, 0, &nd);
		vt = nd + lay->nd_len;
	}
	if (hr_ok(hr)) {
		hr = qset_body(b, NULL, 0, &inst->quals, &iq);
	}
	if (hr_ok(hr)) {
		hr = buf_add_u8(b, 1);
	}
	if (hr_ok(hr)) {
		hr = reserve(b, 4, 0, &hl);
	}
	if (hr_failed(hr)) {
		return hr;
	}
	hb = b->len;
	hr = put_estr(b, c->name, NULL);
	for (uint32_t k = 0; k < lay->n && hr_ok(hr); k++) {
		uint32_t i = lay->order[k];
		const struct cim_value *v = &inst->values[i];
		const struct cim_property *p = &c->props[i];

		if (defaults &&
		    (v->null ? p->value.null
		             : !p->value.null &&
		                       cim_value_equal(v, &p->value))) {
			nd_set(b, nd, i,
			       WMIO_ND_DEFAULT | (v->null ? WMIO_ND_NULL : 0));
		} else if (v->null) {
			nd_set(b, nd, i, WMIO_ND_NULL);
		} else {
			hr = put_value(e, hb, vt + lay->vt_off[i], p->type, v);
		}
	}
	if (hr_ok(hr)) {
		hr = qset_items(e, hb, iq, NULL, &inst->quals);
	}
	if (hr_failed(hr)) {
		return hr;
	}
	if (b->len - hb > 0x7FFFFFFF || b->len - il > UINT32_MAX) {
		return hr_raise(HR_WBEM_E_INVALID_PARAMETER);
	}
	patch_u32(b, hl, (uint32_t)(b->len - hb) | WMIO_HEAPLEN_FLAG);
	patch_u32(b, il, (uint32_t)(b->len - il));
	return HR_OK;
}

/* An embedded object heap item: ObjectEncodingLength + ObjectBlock. */
static hresult put_object(struct enc *e, const struct cim_object *o)
{
	struct buf *b = e->b;
	struct wmio_class_cache *cc = NULL;
	size_t pos, start;
	hresult hr;

	if (o == NULL || (o->is_class ? o->u.cls == NULL : o->u.inst == NULL) ||
	    e->depth >= MAX_ENC_DEPTH) {
		return hr_raise(HR_WBEM_E_INVALID_PARAMETER);
	}
	hr = reserve(b, 4, 0, &pos);
	if (hr_failed(hr)) {
		return hr;
	}
	start = b->len;
	e->depth++;
	if (o->is_class) {
		hr = put_class_object(e, o->u.cls, NULL, o->u.cls->server,
		                      o->u.cls->namespace);
	} else {
		hr = wmio_class_cache_new(b->mem, o->u.inst->cls, &cc);
		if (hr_ok(hr)) {
			hr = put_instance_block(e, cc, o->u.inst,
			                        o->u.inst->server,
			                        o->u.inst->namespace);
		}
		talloc_free(cc);
	}
	e->depth--;
	if (hr_ok(hr) && b->len - start > UINT32_MAX) {
		hr = hr_raise(HR_WBEM_E_INVALID_PARAMETER);
	}
	if (hr_ok(hr)) {
		patch_u32(b, pos, (uint32_t)(b->len - start));
	}
	return hr;
}

/* ---- Public API ------------------------------------------------------- */

/* Wraps [body] in Signature + ObjectEncodingLength unless NO_SIGNATURE. */
static hresult begin_unit(struct buf *b, unsigned flags, size_t *lenpos)
{
	hresult hr;

	if ((flags & WMIO_ENC_NO_SIGNATURE) != 0) {
		return HR_OK;
	}
	hr = put_u32(b, WMIO_SIGNATURE);
	if (hr_ok(hr)) {
		hr = reserve(b, 4, 0, lenpos);
	}
	return hr;
}

static hresult end_unit(struct buf *b,
                        unsigned flags,
                        size_t start,
                        size_t lenpos,
                        hresult hr)
{
	if (hr_ok(hr) && hr_failed(b->error)) {
		hr = b->error;
	}
	if (hr_ok(hr) && (flags & WMIO_ENC_NO_SIGNATURE) == 0) {
		if (b->len - lenpos - 4 > UINT32_MAX) {
			hr = hr_raise(HR_WBEM_E_INVALID_PARAMETER);
		} else {
			patch_u32(b, lenpos, (uint32_t)(b->len - lenpos - 4));
		}
	}
	if (hr_failed(hr) && b->len > start) {
		b->len = start;
		b->data[start] = '\0';
	}
	return hr;
}

hresult wmio_encode_class(struct buf *b,
                          const struct cim_class *cls,
                          const struct cim_class *parent,
                          const char *server,
                          const char *ns,
                          unsigned flags)
{
	struct enc e = { .b = b, .flags = flags };
	size_t start = b->len, lenpos = 0;
	hresult hr = begin_unit(b, flags, &lenpos);

	if (hr_ok(hr)) {
		hr = put_class_object(&e, cls, parent, server, ns);
	}
	return end_unit(b, flags, start, lenpos, hr);
}

hresult wmio_class_cache_new(void *mem,
                             const struct cim_class *cls,
                             struct wmio_class_cache **out)
{
	struct wmio_class_cache *cc;
	struct buf pb;
	struct enc e = { .b = &pb };
	hresult hr;

	if (cls == NULL || !cls->resolved || cls->name == NULL ||
	    (cls->n_derivation != 0 && cls->derivation == NULL)) {
		return hr_raise(HR_WBEM_E_INVALID_PARAMETER);
	}
	cc = talloc_zero(mem, struct wmio_class_cache);
	if (cc == NULL) {
		return hr_raise(HR_E_OUTOFMEMORY);
	}
	cc->cls = cls;
	buf_init(&pb, cc);
	hr = layout_init(cc, cls, &cc->lay);
	if (hr_ok(hr)) {
		hr = put_class_part(&e, cls, &cc->lay);
	}
	if (hr_ok(hr) && hr_failed(pb.error)) {
		hr = pb.error;
	}
	if (hr_failed(hr)) {
		talloc_free(cc);
		return hr;
	}
	cc->part = (uint8_t *)buf_detach(&pb, &cc->part_len);
	*out = cc;
	return HR_OK;
}

const struct cim_class *wmio_class_cache_class(
        const struct wmio_class_cache *cc)
{
	return cc->cls;
}

hresult wmio_encode_instance_cached(struct buf *b,
                                    const struct wmio_class_cache *cc,
                                    const struct cim_instance *inst,
                                    const char *server,
                                    const char *ns,
                                    unsigned flags)
{
	struct enc e = { .b = b, .flags = flags };
	size_t start = b->len, lenpos = 0;
	hresult hr = begin_unit(b, flags, &lenpos);

	if (hr_ok(hr)) {
		hr = put_instance_block(&e, cc, inst, server, ns);
	}
	return end_unit(b, flags, start, lenpos, hr);
}

hresult wmio_encode_instance(struct buf *b,
                             const struct cim_instance *inst,
                             const char *server,
                             const char *ns,
                             unsigned flags)
{
	struct wmio_class_cache *cc = NULL;
	hresult hr;

	if (inst == NULL) {
		return hr_raise(HR_WBEM_E_INVALID_PARAMETER);
	}
	hr = wmio_class_cache_new(b->mem, inst->cls, &cc);
	if (hr_ok(hr)) {
		hr = wmio_encode_instance_cached(b, cc, inst, server, ns,
		                                 flags);
	}
	talloc_free(cc);
	return hr;
}

/* ---- __PARAMETERS (MS-WMIO 2.3.3) ------------------------------------- */

static hresult add_bool_qual(void *mem,
                             struct cim_qualifier_set *qs,
                             const char *name,
                             uint32_t flavor)
{
	struct cim_value v = { .type = CIM_T_BOOLEAN, .v.b = true };

	if (cim_qset_find(qs, name) != NULL) {
		return HR_OK;
	}
	return cim_qset_set(mem, qs, name, &v, flavor);
}

static hresult add_param_prop(struct cim_class *c,
                              const char *name,
                              uint32_t type,
                              const char *ref_class,
                              const struct cim_qualifier_set *quals,
                              bool in,
                              bool out,
                              int32_t id,
                              bool force_id)
{
	struct cim_property *p = &c->props[c->n_props++];
	struct cim_value idv = { .type = CIM_T_SINT32, .v.i = id };
	hresult hr = HR_OK;

	p->name = talloc_strdup(c, name);
	p->type = type;
	p->value = cim_value_null(type);
	p->origin = talloc_strdup(c, WMIO_PARAMS_CLASS);
	p->local = true;
	if (ref_class != NULL) {
		p->ref_class = talloc_strdup(c, ref_class);
		if (p->ref_class == NULL) {
			return hr_raise(HR_E_OUTOFMEMORY);
		}
	}
	if (p->name == NULL || p->origin == NULL) {
		return hr_raise(HR_E_OUTOFMEMORY);
	}
	for (uint32_t i = 0; quals != NULL && i < quals->n && hr_ok(hr); i++) {
		hr = cim_qset_set(c, &p->quals, quals->q[i].name,
		                  &quals->q[i].value, quals->q[i].flavor);
	}
	/* An [in, out] parameter says both in both signatures. */
	if (hr_ok(hr) && (in || !out)) {
		hr = add_bool_qual(c, &p->quals, "in", 0);
	}
	if (hr_ok(hr) && out) {
		hr = add_bool_qual(c, &p->quals, "out", 0);
	}
	/* A parameter whose ID the model did not know gets ours. */
	if (hr_ok(hr) && id >= 0 &&
	    (force_id || cim_qset_find(&p->quals, "ID") == NULL)) {
		hr = cim_qset_set(c, &p->quals, "ID", &idv,
		                  CIM_FLAVOR_TO_INSTANCE |
		                          CIM_FLAVOR_DISABLE_OVERRIDE);
	}
	return hr;
}

hresult wmio_params_class(void *mem,
                          const struct cim_method *m,
                          bool out,
                          struct cim_class **cls)
{
	struct cim_class *c = talloc_zero(mem, struct cim_class);
	struct cim_value t = { .type = CIM_T_BOOLEAN, .v.b = true };
	uint32_t cap = m->n_params + 1;
	int64_t next = 0;
	hresult hr;

	if (c == NULL) {
		return hr_raise(HR_E_OUTOFMEMORY);
	}
	c->resolved = true;
	c->name = talloc_strdup(c, WMIO_PARAMS_CLASS);
	c->props = talloc_zero_array(c, struct cim_property, cap);
	if (c->name == NULL || c->props == NULL) {
		talloc_free(c);
		return hr_raise(HR_E_OUTOFMEMORY);
	}
	hr = cim_qset_set(c, &c->quals, "abstract", &t, 0);
	for (uint32_t i = 0; i < m->n_params && hr_ok(hr); i++) {
		const struct cim_param *pa = &m->params[i];
		/*
		 * A parameter without an ID gets its position, raised past
		 * the IDs before it so that ordering by ID (as the decoder
		 * does) keeps the parameter order.
		 */
		int64_t id = pa->id >= 0 ? pa->id : (int64_t)i;

		if (pa->id < 0 && next > id) {
			id = next;
		}
		next = id < INT32_MAX ? id + 1 : INT32_MAX;
		if (!(out ? pa->out : pa->in)) {
			continue;
		}
		hr = add_param_prop(c, pa->name, pa->type, pa->ref_class,
		                    &pa->quals, pa->in, pa->out, (int32_t)id,
		                    pa->id < 0);
	}
	if (hr_ok(hr) && out && m->return_type != CIM_T_EMPTY) {
		hr = add_param_prop(c, WMIO_RETURN_VALUE, m->return_type, NULL,
		                    NULL, false, true, -1, false);
	}
	if (hr_failed(hr)) {
		talloc_free(c);
		return hr;
	}
	*cls = c;
	return HR_OK;
}
