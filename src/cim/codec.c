/*
 * codec: the repository's binary encoding of classes, instances and
 * qualifier declarations (cim layer; our own format, not MS-WMIO).
 *
 * All integers are LEB128 varints (V) unless sized; signed ones are
 * zigzagged (Z).  A string (S) is V length + UTF-8 bytes, no NUL; an
 * optional string (O) is u8 0 (absent) or 1 + S.
 *
 *   class blob                       instance blob
 *   ----------                       -------------
 *   u8[2] "OC", u8 version (1)       u8[2] "OI", u8 version (1)
 *   u8 flags (1 resolved)            u8 flags (1 server, 2 namespace)
 *   S name, O superclass             [S server] [S namespace]
 *   O server, O namespace            Q instance qualifiers
 *   Q class qualifiers               V n, then n x (S name, VAL)
 *   V n_props, each:
 *     S name, V type, O ref_class    qualifier declaration blob
 *     O origin, u8 (1 key, 2 local)  --------------------------
 *     VAL default, Q qualifiers      u8[2] "OQ", u8 version (1), u8 0
 *   V n_methods, each:               S name, V type, V scope, V flavor
 *     S name, V return type          VAL default
 *     O origin, u8 (2 local), Q
 *     V n_params, each:
 *       S name, V type, O ref_class
 *       u8 (1 in, 2 out), Z id, Q
 *   resolved only: V n, n x S derivation
 *
 *   Q   = V n, then n x (S name, V flavor, VAL)
 *   VAL = V type, u8 null (0/1), then when not null:
 *         scalar, or for arrays V count + count scalars.
 *   scalar: sint Z; uint and char16 V; real32 u32 bits; real64 u64 bits;
 *           boolean u8 (0/1); string, datetime, reference S;
 *           object: u8 kind (0 class: V len + class blob;
 *                            1 instance: V len + class blob (resolved),
 *                                        V len + instance blob)
 *
 * A blob must be consumed exactly.  Key indexes are recomputed on decode,
 * never read.  Embedded objects nest at most CODEC_MAX_DEPTH deep.
 * Instances are encoded by property name: decode matches entry i against
 * property i first and falls back to a name search, so instances written
 * before properties were added still decode (new properties take the class
 * default); entries for vanished properties are skipped.
 */
#include "cim/cim.h"

#include <string.h>
#include <talloc.h>

#include "base/buf.h"
#include "base/rd.h"
#include "base/utf.h"
#include "cim/cim-int.h"

#define CODEC_VERSION   1
#define CODEC_MAX_DEPTH 8

/* ---- encoding ---- */

static void put_v(struct buf *b, uint64_t v)
{
	uint8_t tmp[10];
	size_t n = 0;

	do {
		uint8_t c = v & 0x7F;

		v >>= 7;
		tmp[n++] = (uint8_t)(c | (v ? 0x80 : 0));
	} while (v != 0);
	buf_add(b, tmp, n);
}

static void put_z(struct buf *b, int64_t v)
{
	put_v(b, ((uint64_t)v << 1) ^ (uint64_t)(v >> 63));
}

static void put_s(struct buf *b, const char *s)
{
	size_t n = s ? strlen(s) : 0;

	put_v(b, n);
	buf_add(b, s ? s : "", n);
}

static void put_o(struct buf *b, const char *s)
{
	buf_add_u8(b, s != NULL);
	if (s != NULL) {
		put_s(b, s);
	}
}

static void enc_value(struct buf *b, const struct cim_value *v, int depth);

static void put_blob(struct buf *b, struct buf *sub)
{
	if (hr_failed(sub->error)) {
		b->error = sub->error;
	}
	put_v(b, sub->len);
	buf_add(b, sub->data, sub->len);
	buf_release(sub);
}

static void enc_class(struct buf *b, const struct cim_class *cls, int depth);
static void enc_instance(struct buf *b,
                         const struct cim_instance *inst,
                         int depth);

static void enc_object(struct buf *b, const struct cim_object *o, int depth)
{
	struct buf sub;

	if (depth >= CODEC_MAX_DEPTH) {
		b->error = hr_raise(HR_WBEM_E_INVALID_PARAMETER);
		return;
	}
	buf_add_u8(b, o->is_class ? 0 : 1);
	buf_init(&sub, b->mem);
	enc_class(&sub, o->is_class ? o->u.cls : o->u.inst->cls, depth + 1);
	put_blob(b, &sub);
	if (!o->is_class) {
		buf_init(&sub, b->mem);
		enc_instance(&sub, o->u.inst, depth + 1);
		put_blob(b, &sub);
	}
}

static void enc_scalar(struct buf *b,
                       uint32_t base,
                       const struct cim_value *arr,
                       uint32_t i,
                       int depth)
{
	bool a = arr->type & CIM_FLAG_ARRAY;
	float f;
	double d;
	uint32_t u32;
	uint64_t u64;

	switch (base) {
	case CIM_T_SINT8:
	case CIM_T_SINT16:
	case CIM_T_SINT32:
	case CIM_T_SINT64:
		put_z(b, a ? arr->v.a.e.i[i] : arr->v.i);
		break;
	case CIM_T_UINT8:
	case CIM_T_UINT16:
	case CIM_T_UINT32:
	case CIM_T_UINT64:
	case CIM_T_CHAR16:
		put_v(b, a ? arr->v.a.e.u[i] : arr->v.u);
		break;
	case CIM_T_REAL32:
		f = (float)(a ? arr->v.a.e.r[i] : arr->v.r);
		memcpy(&u32, &f, 4);
		buf_add_u32le(b, u32);
		break;
	case CIM_T_REAL64:
		d = a ? arr->v.a.e.r[i] : arr->v.r;
		memcpy(&u64, &d, 8);
		buf_add_u64le(b, u64);
		break;
	case CIM_T_BOOLEAN:
		buf_add_u8(b, (a ? arr->v.a.e.b[i] : arr->v.b) ? 1 : 0);
		break;
	case CIM_T_STRING:
	case CIM_T_DATETIME:
	case CIM_T_REFERENCE:
		put_s(b, a ? arr->v.a.e.s[i] : arr->v.s);
		break;
	case CIM_T_OBJECT:
		enc_object(b, a ? arr->v.a.e.o[i] : arr->v.o, depth);
		break;
	default:
		b->error = hr_raise(HR_WBEM_E_INVALID_PARAMETER);
		break;
	}
}

static void enc_value(struct buf *b, const struct cim_value *v, int depth)
{
	uint32_t base = cim_type_base(v->type);

	put_v(b, v->type);
	buf_add_u8(b, v->null ? 1 : 0);
	if (v->null) {
		return;
	}
	if (!cim_type_is_array(v->type)) {
		enc_scalar(b, base, v, 0, depth);
		return;
	}
	put_v(b, v->v.a.n);
	for (uint32_t i = 0; i < v->v.a.n; i++) {
		enc_scalar(b, base, v, i, depth);
	}
}

static void enc_qset(struct buf *b,
                     const struct cim_qualifier_set *qs,
                     int depth)
{
	put_v(b, qs->n);
	for (uint32_t i = 0; i < qs->n; i++) {
		put_s(b, qs->q[i].name);
		put_v(b, qs->q[i].flavor);
		enc_value(b, &qs->q[i].value, depth);
	}
}

static void enc_header(struct buf *b, char kind, uint8_t flags)
{
	buf_add_u8(b, 'O');
	buf_add_u8(b, (uint8_t)kind);
	buf_add_u8(b, CODEC_VERSION);
	buf_add_u8(b, flags);
}

static void enc_class(struct buf *b, const struct cim_class *cls, int depth)
{
	enc_header(b, 'C', cls->resolved ? 1 : 0);
	put_s(b, cls->name);
	put_o(b, cls->superclass);
	put_o(b, cls->server);
	put_o(b, cls->namespace);
	enc_qset(b, &cls->quals, depth);
	put_v(b, cls->n_props);
	for (uint32_t i = 0; i < cls->n_props; i++) {
		const struct cim_property *p = &cls->props[i];

		put_s(b, p->name);
		put_v(b, p->type);
		put_o(b, p->ref_class);
		put_o(b, p->origin);
		buf_add_u8(b, (uint8_t)((p->key ? 1 : 0) | (p->local ? 2 : 0)));
		enc_value(b, &p->value, depth);
		enc_qset(b, &p->quals, depth);
	}
	put_v(b, cls->n_methods);
	for (uint32_t i = 0; i < cls->n_methods; i++) {
		const struct cim_method *m = &cls->methods[i];

		put_s(b, m->name);
		put_v(b, m->return_type);
		put_o(b, m->origin);
		buf_add_u8(b, m->local ? 2 : 0);
		enc_qset(b, &m->quals, depth);
		put_v(b, m->n_params);
		for (uint32_t j = 0; j < m->n_params; j++) {
			const struct cim_param *pa = &m->params[j];

			put_s(b, pa->name);
			put_v(b, pa->type);
			put_o(b, pa->ref_class);
			buf_add_u8(b, (uint8_t)((pa->in ? 1 : 0) |
			                        (pa->out ? 2 : 0)));
			put_z(b, pa->id);
			enc_qset(b, &pa->quals, depth);
		}
	}
	if (cls->resolved) {
		put_v(b, cls->n_derivation);
		for (uint32_t i = 0; i < cls->n_derivation; i++) {
			put_s(b, cls->derivation[i]);
		}
	}
}

static void enc_instance(struct buf *b,
                         const struct cim_instance *inst,
                         int depth)
{
	const struct cim_class *cls = inst->cls;

	enc_header(
	        b, 'I',
	        (uint8_t)((inst->server ? 1 : 0) | (inst->namespace ? 2 : 0)));
	if (inst->server != NULL) {
		put_s(b, inst->server);
	}
	if (inst->namespace != NULL) {
		put_s(b, inst->namespace);
	}
	enc_qset(b, &inst->quals, depth);
	put_v(b, cls->n_props);
	for (uint32_t i = 0; i < cls->n_props; i++) {
		put_s(b, cls->props[i].name);
		enc_value(b, &inst->values[i], depth);
	}
}

static hresult enc_done(struct buf *b, size_t start)
{
	if (hr_failed(b->error)) {
		hresult hr = b->error;

		if (b->len >= start && b->alloc != 0) {
			b->len = start;
			b->data[start] = '\0';
		}
		return hr;
	}
	return HR_OK;
}

hresult cim_class_encode(struct buf *b, const struct cim_class *cls)
{
	size_t start = b->len;

	enc_class(b, cls, 0);
	return enc_done(b, start);
}

hresult cim_instance_encode(struct buf *b, const struct cim_instance *inst)
{
	size_t start = b->len;

	enc_instance(b, inst, 0);
	return enc_done(b, start);
}

hresult cim_qualifier_decl_encode(struct buf *b,
                                  const struct cim_qualifier_decl *d)
{
	size_t start = b->len;

	enc_header(b, 'Q', 0);
	put_s(b, d->name);
	put_v(b, d->type);
	put_v(b, d->scope);
	put_v(b, d->flavor);
	enc_value(b, &d->def, 0);
	return enc_done(b, start);
}

bool cimi_object_equal(const struct cim_object *a, const struct cim_object *b)
{
	struct buf x;
	struct buf y;
	bool eq;

	if (a == b) {
		return true;
	}
	if (a == NULL || b == NULL || a->is_class != b->is_class) {
		return false;
	}
	buf_init(&x, NULL);
	buf_init(&y, NULL);
	enc_object(&x, a, 0);
	enc_object(&y, b, 0);
	eq = hr_ok(x.error) && hr_ok(y.error) && x.len == y.len &&
	     memcmp(x.data, y.data, x.len) == 0;
	buf_release(&x);
	buf_release(&y);
	return eq;
}

struct cim_object *cimi_object_copy(void *mem, const struct cim_object *o)
{
	struct cim_object *c;

	if (o == NULL) {
		return NULL;
	}
	c = talloc_zero(mem, struct cim_object);
	if (c == NULL) {
		return NULL;
	}
	c->is_class = o->is_class;
	if (o->is_class) {
		c->u.cls = cim_class_copy(c, o->u.cls);
		if (c->u.cls == NULL) {
			goto oom;
		}
		return c;
	}
	struct cim_class *cls = cim_class_copy(c, o->u.inst->cls);

	if (cls == NULL) {
		goto oom;
	}
	c->u.inst = cim_instance_copy(c, o->u.inst);
	if (c->u.inst == NULL) {
		goto oom;
	}
	c->u.inst->cls = cls;
	return c;
oom:
	talloc_free(c);
	return NULL;
}

/* ---- decoding ---- */

struct dec {
	struct rd r;
	int depth;
	bool *oom; /* set when an allocation failed (shared by sub-readers) */
};

#define BAD HR_WBEM_E_INVALID_STREAM

static bool get_v(struct dec *d, uint64_t *out)
{
	uint64_t v = 0;

	for (unsigned shift = 0; shift < 64; shift += 7) {
		uint8_t c;

		if (d->r.p >= d->r.end) {
			return false;
		}
		c = *d->r.p++;
		if (shift == 63 && c > 1) {
			return false;
		}
		v |= (uint64_t)(c & 0x7F) << shift;
		if ((c & 0x80) == 0) {
			*out = v;
			return true;
		}
	}
	return false;
}

static bool get_v32(struct dec *d, uint32_t *out)
{
	uint64_t v;

	if (!get_v(d, &v) || v > UINT32_MAX) {
		return false;
	}
	*out = (uint32_t)v;
	return true;
}

/* Reads a count of items that each take at least [min] bytes. */
static bool get_count(struct dec *d, uint32_t *out, size_t min)
{
	if (!get_v32(d, out)) {
		return false;
	}
	return *out <= rd_left(&d->r) / min;
}

static bool get_z(struct dec *d, int64_t *out)
{
	uint64_t v;

	if (!get_v(d, &v)) {
		return false;
	}
	*out = (int64_t)(v >> 1) ^ -(int64_t)(v & 1);
	return true;
}

/* Returns true when [p, p+n) is valid UTF-8 without NUL (ASCII fast). */
static bool text_ok(const uint8_t *p, size_t n)
{
	const uint64_t lo = 0x0101010101010101ull;
	const uint64_t hi = 0x8080808080808080ull;
	uint64_t any = 0;
	uint64_t zero = 0;
	size_t i = 0;

	for (; i + 8 <= n; i += 8) {
		uint64_t w;

		memcpy(&w, p + i, 8);
		any |= w;
		zero |= (w - lo) & ~w & hi;
	}
	for (; i < n; i++) {
		any |= p[i];
		zero |= p[i] == 0 ? hi : 0;
	}
	if ((any & hi) == 0) {
		return zero == 0;
	}
	return memchr(p, 0, n) == NULL && utf8_valid((const char *)p, n, NULL);
}

/* Borrows a string's bytes in place (valid UTF-8, no NUL). */
static bool get_sref(struct dec *d, const char **p, size_t *n)
{
	uint64_t len;

	if (!get_v(d, &len) || len > rd_left(&d->r)) {
		return false;
	}
	*p = (const char *)d->r.p;
	*n = (size_t)len;
	if (!text_ok(d->r.p, *n)) {
		return false;
	}
	d->r.p += len;
	return true;
}

static bool get_s(struct dec *d, void *mem, char **out)
{
	const char *p;
	size_t n;

	if (!get_sref(d, &p, &n)) {
		return false;
	}
	*out = talloc_strndup(mem, p, n);
	if (*out == NULL) {
		*d->oom = true;
		return false;
	}
	return true;
}

static bool get_name(struct dec *d, void *mem, char **out)
{
	return get_s(d, mem, out) && (*out)[0] != '\0';
}

static bool get_o(struct dec *d, void *mem, char **out)
{
	uint8_t present;

	*out = NULL;
	if (!rd_u8(&d->r, &present) || present > 1) {
		return false;
	}
	return present == 0 || get_s(d, mem, out);
}

static hresult dec_class(struct dec *d, void *mem, struct cim_class **out);
static hresult dec_instance(struct dec *d,
                            void *mem,
                            struct cim_class *cls,
                            struct cim_instance **out);

static hresult dec_sub(struct dec *d, struct dec *sub)
{
	uint64_t len;

	if (!get_v(d, &len) || len > rd_left(&d->r)) {
		return BAD;
	}
	sub->r.p = d->r.p;
	sub->r.end = d->r.p + len;
	sub->depth = d->depth + 1;
	sub->oom = d->oom;
	d->r.p += len;
	return HR_OK;
}

static hresult dec_object(struct dec *d, void *mem, struct cim_object **out)
{
	struct cim_object *o;
	struct dec sub;
	uint8_t kind;
	hresult hr;

	if (d->depth >= CODEC_MAX_DEPTH || !rd_u8(&d->r, &kind) || kind > 1) {
		return BAD;
	}
	o = talloc_zero(mem, struct cim_object);
	if (o == NULL) {
		return HR_E_OUTOFMEMORY;
	}
	o->is_class = kind == 0;
	hr = dec_sub(d, &sub);
	if (hr_ok(hr)) {
		hr = dec_class(&sub, o, &o->u.cls);
	}
	if (hr_ok(hr) && kind == 1) {
		struct cim_class *cls = o->u.cls;

		hr = cls->resolved ? dec_sub(d, &sub) : BAD;
		if (hr_ok(hr)) {
			hr = dec_instance(&sub, o, cls, &o->u.inst);
		}
	}
	if (hr_failed(hr)) {
		talloc_free(o);
		return hr;
	}
	*out = o;
	return HR_OK;
}

static bool int_fits(uint32_t base, bool is_signed, int64_t i, uint64_t u)
{
	switch (base) {
	case CIM_T_SINT8:
		return i >= INT8_MIN && i <= INT8_MAX;
	case CIM_T_SINT16:
		return i >= INT16_MIN && i <= INT16_MAX;
	case CIM_T_SINT32:
		return i >= INT32_MIN && i <= INT32_MAX;
	case CIM_T_UINT8:
		return u <= UINT8_MAX;
	case CIM_T_UINT16:
	case CIM_T_CHAR16:
		return u <= UINT16_MAX;
	case CIM_T_UINT32:
		return u <= UINT32_MAX;
	default:
		(void)is_signed;
		return true;
	}
}

/* Decodes one scalar of [base] into element [i] of [v] (or v itself). */
static hresult dec_scalar(struct dec *d,
                          void *mem,
                          uint32_t base,
                          struct cim_value *v,
                          uint32_t i)
{
	bool a = cim_type_is_array(v->type);
	int64_t si;
	uint64_t u;
	uint32_t u32;
	float f;
	double r;
	uint8_t c;
	char *s;
	struct cim_object *o;
	hresult hr;

	switch (base) {
	case CIM_T_SINT8:
	case CIM_T_SINT16:
	case CIM_T_SINT32:
	case CIM_T_SINT64:
		if (!get_z(d, &si) || !int_fits(base, true, si, 0)) {
			return BAD;
		}
		*(a ? &v->v.a.e.i[i] : &v->v.i) = si;
		return HR_OK;
	case CIM_T_UINT8:
	case CIM_T_UINT16:
	case CIM_T_UINT32:
	case CIM_T_UINT64:
	case CIM_T_CHAR16:
		if (!get_v(d, &u) || !int_fits(base, false, 0, u)) {
			return BAD;
		}
		*(a ? &v->v.a.e.u[i] : &v->v.u) = u;
		return HR_OK;
	case CIM_T_REAL32:
		if (!rd_u32le(&d->r, &u32)) {
			return BAD;
		}
		memcpy(&f, &u32, 4);
		*(a ? &v->v.a.e.r[i] : &v->v.r) = f;
		return HR_OK;
	case CIM_T_REAL64:
		if (!rd_u64le(&d->r, &u)) {
			return BAD;
		}
		memcpy(&r, &u, 8);
		*(a ? &v->v.a.e.r[i] : &v->v.r) = r;
		return HR_OK;
	case CIM_T_BOOLEAN:
		if (!rd_u8(&d->r, &c) || c > 1) {
			return BAD;
		}
		*(a ? &v->v.a.e.b[i] : &v->v.b) = c != 0;
		return HR_OK;
	case CIM_T_STRING:
	case CIM_T_DATETIME:
	case CIM_T_REFERENCE:
		if (!get_s(d, mem, &s)) {
			return BAD;
		}
		*(a ? &v->v.a.e.s[i] : &v->v.s) = s;
		return HR_OK;
	case CIM_T_OBJECT:
		hr = dec_object(d, mem, &o);
		if (hr_failed(hr)) {
			return hr;
		}
		*(a ? &v->v.a.e.o[i] : &v->v.o) = o;
		return HR_OK;
	default:
		return BAD;
	}
}

static size_t scalar_size(uint32_t base)
{
	switch (base) {
	case CIM_T_REAL32:
	case CIM_T_REAL64:
		return sizeof(double);
	case CIM_T_BOOLEAN:
		return sizeof(bool);
	case CIM_T_STRING:
	case CIM_T_DATETIME:
	case CIM_T_REFERENCE:
		return sizeof(char *);
	case CIM_T_OBJECT:
		return sizeof(struct cim_object *);
	default:
		return sizeof(uint64_t);
	}
}

/*
 * Decodes a value; its strings go under [mem].  On failure [v] is left a
 * NULL value and what was allocated is freed.
 */
static hresult dec_value(struct dec *d, void *mem, struct cim_value *v)
{
	uint32_t type;
	uint32_t base;
	uint32_t n;
	uint8_t null;
	hresult hr;

	/* Field stores, not a struct copy: this is the enumeration path. */
	v->type = CIM_T_EMPTY;
	v->null = true;
	v->v.a.n = 0;
	v->v.a.e.i = NULL;
	if (!get_v32(d, &type) || !rd_u8(&d->r, &null) || null > 1 ||
	    !(cim_type_valid(type) || (type == CIM_T_EMPTY && null))) {
		return BAD;
	}
	v->type = type;
	if (null) {
		return HR_OK;
	}
	base = cim_type_base(type);
	if (!cim_type_is_array(type)) {
		hr = dec_scalar(d, mem, base, v, 0);
		if (hr_failed(hr)) {
			*v = cim_value_null(type);
			return hr;
		}
		v->null = false;
		return HR_OK;
	}
	if (!get_count(d, &n, 1)) {
		return BAD;
	}
	void *arr = talloc_zero_size(mem, scalar_size(base) * (n ? n : 1));

	if (arr == NULL) {
		return HR_E_OUTOFMEMORY;
	}
	v->v.a.e.i = arr;
	for (uint32_t i = 0; i < n; i++) {
		hr = dec_scalar(d, arr, base, v, i);
		if (hr_failed(hr)) {
			talloc_free(arr);
			*v = cim_value_null(type);
			return hr;
		}
	}
	v->v.a.n = n;
	v->null = false;
	return HR_OK;
}

static hresult dec_qset(struct dec *d, void *mem, struct cim_qualifier_set *qs)
{
	uint32_t n;
	hresult hr;

	qs->q = NULL;
	qs->n = 0;
	if (!get_count(d, &n, 4)) {
		return BAD;
	}
	if (n == 0) {
		return HR_OK;
	}
	qs->q = talloc_zero_array(mem, struct cim_qualifier, n);
	if (qs->q == NULL) {
		return HR_E_OUTOFMEMORY;
	}
	for (uint32_t i = 0; i < n; i++) {
		struct cim_qualifier *q = &qs->q[i];

		if (!get_name(d, qs->q, &q->name) || !get_v32(d, &q->flavor)) {
			return BAD;
		}
		hr = dec_value(d, qs->q, &q->value);
		if (hr_failed(hr)) {
			return hr;
		}
		qs->n = i + 1;
	}
	return HR_OK;
}

static bool get_header(struct dec *d, char kind, uint8_t *flags)
{
	uint8_t m[3];

	return rd_bytes(&d->r, m, 3) && m[0] == 'O' && m[1] == (uint8_t)kind &&
	       m[2] == CODEC_VERSION && rd_u8(&d->r, flags);
}

static hresult dec_props(struct dec *d, struct cim_class *c)
{
	uint32_t n;
	hresult hr;

	if (!get_count(d, &n, 8)) {
		return BAD;
	}
	if (n == 0) {
		return HR_OK;
	}
	c->props = talloc_zero_array(c, struct cim_property, n);
	if (c->props == NULL) {
		return HR_E_OUTOFMEMORY;
	}
	for (uint32_t i = 0; i < n; i++) {
		struct cim_property *p = &c->props[i];
		uint8_t bits;

		if (!get_name(d, c, &p->name) || !get_v32(d, &p->type) ||
		    !cim_type_valid(p->type) || !get_o(d, c, &p->ref_class) ||
		    !get_o(d, c, &p->origin) || !rd_u8(&d->r, &bits) ||
		    bits > 3) {
			return BAD;
		}
		p->key = bits & 1;
		p->local = (bits & 2) != 0;
		hr = dec_value(d, c, &p->value);
		if (hr_ok(hr) && p->value.null) {
			p->value.type = p->type;
		}
		if (hr_ok(hr) && p->value.type != p->type) {
			hr = BAD;
		}
		if (hr_ok(hr)) {
			hr = dec_qset(d, c, &p->quals);
		}
		if (hr_failed(hr)) {
			return hr;
		}
		c->n_props = i + 1;
	}
	return HR_OK;
}

static hresult dec_params(struct dec *d,
                          struct cim_class *c,
                          struct cim_method *m)
{
	uint32_t n;
	hresult hr;

	if (!get_count(d, &n, 6)) {
		return BAD;
	}
	if (n == 0) {
		return HR_OK;
	}
	m->params = talloc_zero_array(c, struct cim_param, n);
	if (m->params == NULL) {
		return HR_E_OUTOFMEMORY;
	}
	for (uint32_t j = 0; j < n; j++) {
		struct cim_param *pa = &m->params[j];
		uint8_t bits;
		int64_t id;

		if (!get_name(d, c, &pa->name) || !get_v32(d, &pa->type) ||
		    !cim_type_valid(pa->type) || !get_o(d, c, &pa->ref_class) ||
		    !rd_u8(&d->r, &bits) || bits > 3 || !get_z(d, &id) ||
		    id < INT32_MIN || id > INT32_MAX) {
			return BAD;
		}
		pa->in = bits & 1;
		pa->out = (bits & 2) != 0;
		pa->id = (int32_t)id;
		hr = dec_qset(d, c, &pa->quals);
		if (hr_failed(hr)) {
			return hr;
		}
		m->n_params = j + 1;
	}
	return HR_OK;
}

static hresult dec_methods(struct dec *d, struct cim_class *c)
{
	uint32_t n;
	hresult hr;

	if (!get_count(d, &n, 7)) {
		return BAD;
	}
	if (n == 0) {
		return HR_OK;
	}
	c->methods = talloc_zero_array(c, struct cim_method, n);
	if (c->methods == NULL) {
		return HR_E_OUTOFMEMORY;
	}
	for (uint32_t i = 0; i < n; i++) {
		struct cim_method *m = &c->methods[i];
		uint8_t bits;

		if (!get_name(d, c, &m->name) || !get_v32(d, &m->return_type) ||
		    (m->return_type != CIM_T_EMPTY &&
		     !cim_type_valid(m->return_type)) ||
		    !get_o(d, c, &m->origin) || !rd_u8(&d->r, &bits) ||
		    (bits & ~2u) != 0) {
			return BAD;
		}
		m->local = bits != 0;
		hr = dec_qset(d, c, &m->quals);
		if (hr_ok(hr)) {
			hr = dec_params(d, c, m);
		}
		if (hr_failed(hr)) {
			return hr;
		}
		c->n_methods = i + 1;
	}
	return HR_OK;
}

static hresult dec_class(struct dec *d, void *mem, struct cim_class **out)
{
	struct cim_class *c;
	uint8_t flags;
	hresult hr = BAD;

	if (!get_header(d, 'C', &flags) || flags > 1) {
		return BAD;
	}
	c = talloc_zero(mem, struct cim_class);
	if (c == NULL) {
		return HR_E_OUTOFMEMORY;
	}
	c->resolved = flags & 1;
	if (!get_name(d, c, &c->name) || !get_o(d, c, &c->superclass) ||
	    !get_o(d, c, &c->server) || !get_o(d, c, &c->namespace)) {
		goto fail;
	}
	hr = dec_qset(d, c, &c->quals);
	if (hr_ok(hr)) {
		hr = dec_props(d, c);
	}
	if (hr_ok(hr)) {
		hr = dec_methods(d, c);
	}
	if (hr_failed(hr)) {
		goto fail;
	}
	hr = BAD;
	if (c->resolved) {
		uint32_t n;

		if (!get_count(d, &n, 2)) {
			goto fail;
		}
		if ((n == 0) != (c->superclass == NULL)) {
			goto fail;
		}
		if (n != 0) {
			c->derivation = talloc_zero_array(c, char *, n);
			if (c->derivation == NULL) {
				hr = HR_E_OUTOFMEMORY;
				goto fail;
			}
		}
		for (uint32_t i = 0; i < n; i++) {
			if (!get_name(d, c, &c->derivation[i])) {
				goto fail;
			}
		}
		c->n_derivation = n;
		hr = cimi_class_index_keys(c);
		if (hr_failed(hr)) {
			goto fail;
		}
	} else {
		for (uint32_t i = 0; i < c->n_props; i++) {
			if (c->props[i].key) {
				goto fail;
			}
		}
	}
	if (rd_left(&d->r) != 0) {
		hr = BAD;
		goto fail;
	}
	*out = c;
	return HR_OK;
fail:
	talloc_free(c);
	return hr;
}

/* Returns true when [name] (not NUL-terminated, [n] bytes) is [s]. */
static bool name_is(const char *name, size_t n, const char *s)
{
	if (strncmp(name, s, n) == 0) {
		return s[n] == '\0';
	}
	for (size_t i = 0; i < n; i++) {
		unsigned char x = (unsigned char)name[i];
		unsigned char y = (unsigned char)s[i];

		if (y == 0) {
			return false;
		}
		if (x >= 'A' && x <= 'Z') {
			x += 32;
		}
		if (y >= 'A' && y <= 'Z') {
			y += 32;
		}
		if (x != y) {
			return false;
		}
	}
	return s[n] == '\0';
}

static int32_t match_prop(const struct cim_class *cls,
                          uint32_t hint,
                          const char *name,
                          size_t n)
{
	if (hint < cls->n_props && name_is(name, n, cls->props[hint].name)) {
		return (int32_t)hint;
	}
	for (uint32_t i = 0; i < cls->n_props; i++) {
		if (name_is(name, n, cls->props[i].name)) {
			return (int32_t)i;
		}
	}
	return -1;
}

static hresult dec_instance(struct dec *d,
                            void *mem,
                            struct cim_class *cls,
                            struct cim_instance **out)
{
	struct cim_instance *inst;
	size_t blob = rd_left(&d->r);
	uint32_t np = cls->n_props;
	uint8_t flags;
	uint32_t n;
	hresult hr = BAD;

	if (!get_header(d, 'I', &flags) || flags > 3) {
		return BAD;
	}
	inst = talloc_pooled_object(mem, struct cim_instance, np + 8,
	                            sizeof(struct cim_value) * (np ? np : 1) +
	                                    blob + 16 * np + 64);
	if (inst == NULL) {
		return HR_E_OUTOFMEMORY;
	}
	memset(inst, 0, sizeof(*inst));
	inst->cls = cls;
	inst->values = talloc_zero_array(inst, struct cim_value, np ? np : 1);
	if (inst->values == NULL) {
		hr = HR_E_OUTOFMEMORY;
		goto fail;
	}
	if (((flags & 1) && !get_s(d, inst, &inst->server)) ||
	    ((flags & 2) && !get_s(d, inst, &inst->namespace))) {
		goto fail;
	}
	hr = dec_qset(d, inst, &inst->quals);
	if (hr_failed(hr)) {
		goto fail;
	}
	hr = BAD;
	if (!get_count(d, &n, 3)) {
		goto fail;
	}
	/* values[i].type stays CIM_T_EMPTY until entry i is seen. */
	for (uint32_t i = 0; i < n; i++) {
		const char *name;
		size_t len;
		int32_t at;
		struct cim_value v;

		if (!get_sref(d, &name, &len) || len == 0) {
			hr = BAD;
			goto fail;
		}
		at = match_prop(cls, i, name, len);
		hr = dec_value(d, inst, &v);
		if (hr_failed(hr)) {
			goto fail;
		}
		if (at < 0) {
			cimi_value_clear(&v);
			continue;
		}
		if (inst->values[at].type != CIM_T_EMPTY) {
			hr = BAD;
			goto fail;
		}
		if (v.type != cls->props[at].type) {
			struct cim_value c;

			if (hr_failed(cim_value_convert(inst, &c, &v,
			                                cls->props[at].type))) {
				c = cim_value_null(cls->props[at].type);
			}
			cimi_value_clear(&v);
			v = c;
		}
		inst->values[at] = v;
	}
	if (rd_left(&d->r) != 0) {
		hr = BAD;
		goto fail;
	}
	for (uint32_t i = 0; i < np; i++) {
		if (inst->values[i].type != CIM_T_EMPTY) {
			continue;
		}
		hr = cim_value_copy(inst, &inst->values[i],
		                    &cls->props[i].value);
		if (hr_failed(hr)) {
			goto fail;
		}
		inst->values[i].type = cls->props[i].type;
	}
	*out = inst;
	return HR_OK;
fail:
	talloc_free(inst);
	return hr;
}

static hresult raise_dec(const struct dec *d, hresult hr)
{
	return hr_raise(*d->oom ? HR_E_OUTOFMEMORY : hr);
}

hresult cim_class_decode(void *mem,
                         const void *data,
                         size_t len,
                         struct cim_class **out)
{
	bool oom = false;
	struct dec d = { .depth = 0, .oom = &oom };

	if (data == NULL && len != 0) {
		return hr_raise(BAD);
	}
	rd_init(&d.r, data ? data : "", len);
	hresult hr = dec_class(&d, mem, out);

	return hr_failed(hr) ? raise_dec(&d, hr) : hr;
}

hresult cim_instance_decode(void *mem,
                            struct cim_class *cls,
                            const void *data,
                            size_t len,
                            struct cim_instance **out)
{
	bool oom = false;
	struct dec d = { .depth = 0, .oom = &oom };

	if (cls == NULL || (data == NULL && len != 0)) {
		return hr_raise(BAD);
	}
	rd_init(&d.r, data ? data : "", len);
	hresult hr = dec_instance(&d, mem, cls, out);

	return hr_failed(hr) ? raise_dec(&d, hr) : hr;
}

hresult cim_qualifier_decl_decode(void *mem,
                                  const void *data,
                                  size_t len,
                                  struct cim_qualifier_decl **out)
{
	bool oom = false;
	struct dec d = { .depth = 0, .oom = &oom };
	struct cim_qualifier_decl *q;
	uint8_t flags;
	hresult hr = BAD;

	if (data == NULL && len != 0) {
		return hr_raise(BAD);
	}
	rd_init(&d.r, data ? data : "", len);
	if (!get_header(&d, 'Q', &flags) || flags != 0) {
		return hr_raise(BAD);
	}
	q = talloc_zero(mem, struct cim_qualifier_decl);
	if (q == NULL) {
		return hr_raise(HR_E_OUTOFMEMORY);
	}
	if (get_name(&d, q, &q->name) && get_v32(&d, &q->type) &&
	    cim_type_valid(q->type) && get_v32(&d, &q->scope) &&
	    get_v32(&d, &q->flavor)) {
		hr = dec_value(&d, q, &q->def);
		if (hr_ok(hr) && q->def.null) {
			q->def.type = q->type;
		}
		if (hr_ok(hr) && (q->def.type != q->type || rd_left(&d.r))) {
			hr = BAD;
		}
	}
	if (hr_failed(hr)) {
		talloc_free(q);
		return raise_dec(&d, hr);
	}
	*out = q;
	return HR_OK;
}
