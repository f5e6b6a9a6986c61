/*
 * hostapi: the service table (struct owmi_host) that a provider host hands
 * to providers, implemented over the CIM model (provhost layer).
 *
 * Every function checks its handles and names and returns an HRESULT; none
 * aborts on bad input from a provider.  Instances are talloc contexts under
 * the call's context, so whatever a provider forgets is released when the
 * call ends.
 */
#include <inttypes.h>
#include <stdarg.h>
#include <stdio.h>
#include <string.h>
#include <talloc.h>

#include "base/utf.h"
#include "cim/datetime.h"
#include "cim/objpath.h"
#include "provhost/provhost-int.h"

/* ---- result mapping ---------------------------------------------------- */

static int32_t code_of(hresult hr)
{
	if (hr_eq(hr, HR_E_OUTOFMEMORY)) {
		return OWMI_E_OUT_OF_MEMORY;
	}
	if (hr_eq(hr, HR_WBEM_E_VALUE_OUT_OF_RANGE)) {
		return OWMI_E_TYPE_MISMATCH;
	}
	return (int32_t)hr.v;
}

static bool is_sint(uint32_t base)
{
	return base == CIM_T_SINT8 || base == CIM_T_SINT16 ||
	       base == CIM_T_SINT32 || base == CIM_T_SINT64;
}

static bool is_uint(uint32_t base)
{
	return base == CIM_T_UINT8 || base == CIM_T_UINT16 ||
	       base == CIM_T_UINT32 || base == CIM_T_UINT64;
}

static bool is_text(uint32_t base)
{
	return base == CIM_T_STRING || base == CIM_T_DATETIME ||
	       base == CIM_T_REFERENCE;
}

/* ---- instances ------------------------------------------------------ */

static struct cim_class *known_class(struct owmi_ctx *ctx, const char *name)
{
	if (utf8_casecmp(ctx->cls->name, name) == 0) {
		return ctx->cls;
	}
	for (uint32_t i = 0; i < ctx->n_classes; i++) {
		if (utf8_casecmp(ctx->classes[i]->name, name) == 0) {
			return ctx->classes[i];
		}
	}
	return NULL;
}

static int32_t api_instance_new(struct owmi_ctx *ctx,
                                const char *cls,
                                struct owmi_instance **out)
{
	struct cim_class *c;
	struct owmi_instance *oi;

	if (ctx == NULL || cls == NULL || out == NULL) {
		return OWMI_E_INVALID_PARAMETER;
	}
	c = known_class(ctx, cls);
	if (c == NULL) {
		struct cim_class **nv;
		hresult hr;

		if (ctx->io == NULL || ctx->io->need_class == NULL) {
			return OWMI_E_INVALID_CLASS;
		}
		hr = ctx->io->need_class(ctx, cls, &c);
		if (hr_failed(hr)) {
			return hr_eq(hr, HR_E_OUTOFMEMORY)
			               ? OWMI_E_OUT_OF_MEMORY
			               : OWMI_E_INVALID_CLASS;
		}
		nv = talloc_realloc(ctx->mem, ctx->classes, struct cim_class *,
		                    ctx->n_classes + 1);
		if (nv == NULL) {
			return OWMI_E_OUT_OF_MEMORY;
		}
		ctx->classes = nv;
		nv[ctx->n_classes++] = c;
	}
	oi = talloc_zero(ctx->mem, struct owmi_instance);
	if (oi == NULL) {
		return OWMI_E_OUT_OF_MEMORY;
	}
	oi->ctx = ctx;
	oi->inst = cim_instance_new(oi, c);
	if (oi->inst == NULL) {
		talloc_free(oi);
		return OWMI_E_OUT_OF_MEMORY;
	}
	*out = oi;
	return OWMI_S_OK;
}

static void api_instance_free(struct owmi_instance *inst)
{
	if (inst != NULL && !inst->readonly) {
		talloc_free(inst);
	}
}

static const char *api_instance_class(const struct owmi_instance *inst)
{
	return inst != NULL ? inst->inst->cls->name : NULL;
}

struct owmi_instance *host_wrap(struct owmi_ctx *ctx,
                                struct cim_instance *inst,
                                bool readonly)
{
	struct owmi_instance *oi = talloc_zero(ctx->mem, struct owmi_instance);

	if (oi != NULL) {
		oi->ctx = ctx;
		oi->inst = inst;
		oi->readonly = readonly;
	}
	return oi;
}

/* ---- posting and batches ------------------------------------------------ */

static uint32_t name_index(struct owmi_ctx *ctx, const char *name)
{
	const char **nv;

	for (uint32_t i = 0; i < ctx->n_names; i++) {
		if (ctx->names[i] == name) {
			return i;
		}
	}
	if (ctx->n_names >= PROVFRAME_MAX_NAMES) {
		return UINT32_MAX;
	}
	nv = talloc_realloc(ctx->mem, ctx->names, const char *,
	                    ctx->n_names + 1);
	if (nv == NULL) {
		return UINT32_MAX;
	}
	ctx->names = nv;
	nv[ctx->n_names] = name;
	return ctx->n_names++;
}

static bool keys_present(const struct cim_instance *inst)
{
	const struct cim_class *c = inst->cls;

	for (uint32_t i = 0; i < c->n_keys; i++) {
		if (inst->values[c->key_index[i]].null) {
			return false;
		}
	}
	return true;
}

static int32_t flush(struct owmi_ctx *ctx)
{
	hresult hr;

	if (ctx->n_items == 0) {
		return OWMI_S_OK;
	}
	hr = ctx->io != NULL && ctx->io->flush != NULL ? ctx->io->flush(ctx)
	                                               : HR_OK;
	if (hr_failed(hr)) {
		return code_of(hr);
	}
	if (ctx->io != NULL && ctx->io->poll_cancel != NULL &&
	    ctx->io->poll_cancel(ctx)) {
		ctx->cancelled = true;
	}
	return OWMI_S_OK;
}

static int32_t post_one(struct owmi_ctx *ctx, struct owmi_instance *inst)
{
	uint32_t idx;
	hresult hr;

	if (ctx->op != PROVFRAME_ENUM && ctx->op != PROVFRAME_QUERY &&
	    ctx->op != PROVFRAME_GET) {
		return OWMI_E_INVALID_PARAMETER;
	}
	if (ctx->op == PROVFRAME_GET && ctx->posted > 0) {
		return OWMI_E_INVALID_PARAMETER;
	}
	if (!keys_present(inst->inst)) {
		return OWMI_E_ILLEGAL_NULL;
	}
	buf_reset(&ctx->scratch);
	hr = cim_instance_encode(&ctx->scratch, inst->inst);
	if (hr_ok(hr) && hr_failed(ctx->scratch.error)) {
		hr = ctx->scratch.error;
	}
	if (hr_failed(hr)) {
		return code_of(hr);
	}
	if (ctx->scratch.len > PROVFRAME_MAX_PAYLOAD / 2) {
		return OWMI_E_QUOTA_VIOLATION;
	}
	if (ctx->batch.len + ctx->scratch.len + 8 > PROVFRAME_MAX_PAYLOAD / 2) {
		int32_t rc = flush(ctx);

		if (OWMI_FAILED(rc)) {
			return rc;
		}
	}
	idx = name_index(ctx, inst->inst->cls->name);
	if (idx == UINT32_MAX) {
		return OWMI_E_OUT_OF_MEMORY;
	}
	buf_add_u32le(&ctx->batch, idx);
	buf_add_u32le(&ctx->batch, (uint32_t)ctx->scratch.len);
	buf_add(&ctx->batch, ctx->scratch.data, ctx->scratch.len);
	if (hr_failed(ctx->batch.error)) {
		return OWMI_E_OUT_OF_MEMORY;
	}
	ctx->n_items++;
	ctx->posted++;
	if (ctx->n_items >= HOST_BATCH_ITEMS ||
	    ctx->batch.len >= HOST_BATCH_BYTES) {
		return flush(ctx);
	}
	return OWMI_S_OK;
}

static int32_t api_post(struct owmi_ctx *ctx, struct owmi_instance *inst)
{
	int32_t rc;

	if (ctx == NULL || inst == NULL || inst->ctx != ctx || inst->readonly) {
		return OWMI_E_INVALID_PARAMETER;
	}
	if (ctx->cancelled) {
		talloc_free(inst);
		return OWMI_E_CALL_CANCELLED;
	}
	rc = post_one(ctx, inst);
	talloc_free(inst);
	if (OWMI_FAILED(rc)) {
		return rc;
	}
	return ctx->cancelled ? OWMI_E_CALL_CANCELLED : OWMI_S_OK;
}

hresult host_batch_take(struct owmi_ctx *ctx, struct buf *out)
{
	size_t start = out->len;
	size_t plen;
	uint8_t *h;

	if (ctx->n_items == 0) {
		return HR_OK;
	}
	buf_add_u32le(out, 0);
	buf_add_u8(out, PROVFRAME_BATCH);
	buf_add_u8(out, PROVFRAME_VERSION);
	buf_add_u16le(out, 0);
	buf_add_u32le(out, ctx->call_id);
	buf_add_u32le(out, ctx->n_names);
	for (uint32_t i = 0; i < ctx->n_names; i++) {
		size_t n = strlen(ctx->names[i]);

		buf_add_u32le(out, (uint32_t)n);
		buf_add(out, ctx->names[i], n);
	}
	buf_add_u32le(out, ctx->n_items);
	buf_add(out, ctx->batch.data, ctx->batch.len);
	buf_reset(&ctx->batch);
	ctx->n_items = 0;
	ctx->n_names = 0;
	if (hr_failed(out->error)) {
		return out->error;
	}
	plen = out->len - start - PROVFRAME_HDR_LEN;
	h = (uint8_t *)out->data + start;
	h[0] = (uint8_t)plen;
	h[1] = (uint8_t)(plen >> 8);
	h[2] = (uint8_t)(plen >> 16);
	h[3] = (uint8_t)(plen >> 24);
	return HR_OK;
}

/* ---- property lookup ---------------------------------------------------- */

int32_t host_find_prop(struct owmi_ctx *ctx,
                       const struct cim_class *cls,
                       const char *name)
{
	uintptr_t h = ((uintptr_t)name >> 3) ^ ((uintptr_t)cls >> 4);
	struct host_prop_memo *m;
	int32_t i;

	if (ctx == NULL) {
		return cim_class_find_prop(cls, name);
	}
	h ^= h >> 11;
	m = &ctx->memo[h % HOST_PROP_MEMO];
	if (m->cls == cls && m->name == name && m->idx >= 0 &&
	    (uint32_t)m->idx < cls->n_props &&
	    utf8_casecmp(cls->props[m->idx].name, name) == 0) {
		return m->idx;
	}
	i = cim_class_find_prop(cls, name);
	if (i >= 0) {
		m->cls = cls;
		m->name = name;
		m->idx = i;
	}
	return i;
}

/* ---- setters ------------------------------------------------------------ */

/* Finds writable property [prop]; returns its index or a failure code. */
static int32_t prop_for_set(struct owmi_instance *oi,
                            const char *prop,
                            uint32_t *type)
{
	int32_t i;

	if (oi == NULL || prop == NULL || oi->readonly) {
		return OWMI_E_INVALID_PARAMETER;
	}
	if (prop[0] == '_' && prop[1] == '_') {
		return OWMI_E_INVALID_PARAMETER;
	}
	i = host_find_prop(oi->ctx, oi->inst->cls, prop);
	if (i < 0) {
		return OWMI_E_NOT_FOUND;
	}
	*type = oi->inst->cls->props[i].type;
	return i;
}

static int32_t store(struct owmi_instance *oi,
                     int32_t idx,
                     const struct cim_value *v)
{
	struct cim_value *slot = &oi->inst->values[idx];
	struct cim_value nv;
	hresult hr;

	if (!slot->null) {
		/* Replacing a value: cim frees the old one. */
		return code_of(cim_instance_set(
		        oi->inst, oi->inst->cls->props[idx].name, v));
	}
	/* A NULL slot owns nothing: convert straight into it. */
	hr = cim_value_convert(oi->inst, &nv, v,
	                       oi->inst->cls->props[idx].type);
	if (hr_failed(hr)) {
		return code_of(hr);
	}
	*slot = nv;
	return OWMI_S_OK;
}

static int32_t set_int(struct owmi_instance *oi,
                       const char *prop,
                       bool neg,
                       int64_t i,
                       uint64_t u)
{
	struct cim_value v = { .null = false };
	uint32_t type = 0;
	int32_t idx = prop_for_set(oi, prop, &type);
	uint32_t base = cim_type_base(type);

	if (idx < 0) {
		return idx;
	}
	if (cim_type_is_array(type) ||
	    !(is_sint(base) || is_uint(base) || base == CIM_T_CHAR16)) {
		return OWMI_E_TYPE_MISMATCH;
	}
	if (neg) {
		v.type = CIM_T_SINT64;
		v.v.i = i;
	} else {
		v.type = CIM_T_UINT64;
		v.v.u = u;
	}
	return store(oi, idx, &v);
}

static int32_t api_set_uint8(struct owmi_instance *i, const char *p, uint8_t v)
{
	return set_int(i, p, false, 0, v);
}

static int32_t api_set_uint16(struct owmi_instance *i,
                              const char *p,
                              uint16_t v)
{
	return set_int(i, p, false, 0, v);
}

static int32_t api_set_uint32(struct owmi_instance *i,
                              const char *p,
                              uint32_t v)
{
	return set_int(i, p, false, 0, v);
}

static int32_t api_set_uint64(struct owmi_instance *i,
                              const char *p,
                              uint64_t v)
{
	return set_int(i, p, false, 0, v);
}

static int32_t api_set_sint64(struct owmi_instance *i, const char *p, int64_t v)
{
	if (v < 0) {
		return set_int(i, p, true, v, 0);
	}
	return set_int(i, p, false, 0, (uint64_t)v);
}

static int32_t api_set_sint8(struct owmi_instance *i, const char *p, int8_t v)
{
	return api_set_sint64(i, p, v);
}

static int32_t api_set_sint16(struct owmi_instance *i, const char *p, int16_t v)
{
	return api_set_sint64(i, p, v);
}

static int32_t api_set_sint32(struct owmi_instance *i, const char *p, int32_t v)
{
	return api_set_sint64(i, p, v);
}

static int32_t api_set_null(struct owmi_instance *oi, const char *prop)
{
	uint32_t type = 0;
	int32_t idx = prop_for_set(oi, prop, &type);
	struct cim_value v;

	if (idx < 0) {
		return idx;
	}
	v = cim_value_null(type);
	return store(oi, idx, &v);
}

static int32_t api_set_bool(struct owmi_instance *oi, const char *prop, bool b)
{
	struct cim_value v = { .type = CIM_T_BOOLEAN, .v.b = b };
	uint32_t type = 0;
	int32_t idx = prop_for_set(oi, prop, &type);

	if (idx < 0) {
		return idx;
	}
	if (type != CIM_T_BOOLEAN) {
		return OWMI_E_TYPE_MISMATCH;
	}
	return store(oi, idx, &v);
}

static int32_t api_set_real64(struct owmi_instance *oi,
                              const char *prop,
                              double r)
{
	struct cim_value v = { .type = CIM_T_REAL64, .v.r = r };
	uint32_t type = 0;
	int32_t idx = prop_for_set(oi, prop, &type);

	if (idx < 0) {
		return idx;
	}
	if (type != CIM_T_REAL64 && type != CIM_T_REAL32) {
		return OWMI_E_TYPE_MISMATCH;
	}
	return store(oi, idx, &v);
}

/* Stores text [s] into a property of type [type] (already checked). */
static int32_t store_text(struct owmi_instance *oi,
                          int32_t idx,
                          uint32_t type,
                          const char *s)
{
	struct cim_value v = { .type = type, .v.s = (char *)s };
	struct cim_datetime dt;

	if (!utf8_valid(s, strlen(s), NULL)) {
		return OWMI_E_INVALID_PARAMETER;
	}
	if (type == CIM_T_DATETIME && hr_failed(cim_datetime_parse(s, &dt))) {
		return OWMI_E_INVALID_PARAMETER;
	}
	if (type == CIM_T_REFERENCE) {
		struct objpath *p = NULL;
		hresult hr = objpath_parse(oi, s, &p, NULL);

		talloc_free(p);
		if (hr_failed(hr)) {
			return code_of(hr) == OWMI_E_OUT_OF_MEMORY
			               ? OWMI_E_OUT_OF_MEMORY
			               : OWMI_E_INVALID_PARAMETER;
		}
	}
	if (type == CIM_T_CHAR16) {
		const char *p = s;
		int32_t cp = utf8_next(&p, s + strlen(s));

		if (cp < 0 || cp > 0xFFFF || *p != '\0') {
			return OWMI_E_TYPE_MISMATCH;
		}
		v.type = CIM_T_CHAR16;
		v.v.u = (uint64_t)cp;
	}
	return store(oi, idx, &v);
}

static int32_t api_set_string(struct owmi_instance *oi,
                              const char *prop,
                              const char *s)
{
	uint32_t type = 0;
	int32_t idx = prop_for_set(oi, prop, &type);

	if (idx < 0) {
		return idx;
	}
	if (s == NULL) {
		return OWMI_E_INVALID_PARAMETER;
	}
	if (!is_text(type) && type != CIM_T_CHAR16) {
		return OWMI_E_TYPE_MISMATCH;
	}
	return store_text(oi, idx, type, s);
}

static int32_t api_set_datetime(struct owmi_instance *oi,
                                const char *prop,
                                const char *dmtf)
{
	uint32_t type = 0;
	int32_t idx = prop_for_set(oi, prop, &type);

	if (idx < 0) {
		return idx;
	}
	if (dmtf == NULL) {
		return OWMI_E_INVALID_PARAMETER;
	}
	if (type != CIM_T_DATETIME) {
		return OWMI_E_TYPE_MISMATCH;
	}
	return store_text(oi, idx, type, dmtf);
}

static int32_t api_set_datetime_unix(struct owmi_instance *oi,
                                     const char *prop,
                                     int64_t secs,
                                     uint32_t usecs,
                                     int32_t utc_offset_min)
{
	struct cim_datetime dt;
	char text[26];
	uint32_t type = 0;
	int32_t idx = prop_for_set(oi, prop, &type);

	if (idx < 0) {
		return idx;
	}
	if (type != CIM_T_DATETIME) {
		return OWMI_E_TYPE_MISMATCH;
	}
	/* Years 0..9999 only: about +-2.5e11 s around 1970. */
	if (usecs >= 1000000u || utc_offset_min < -720 ||
	    utc_offset_min > 720 || secs < -62135596800LL ||
	    secs > 253402300799LL) {
		return OWMI_E_INVALID_PARAMETER;
	}
	cim_datetime_from_unix(secs * 1000000 + (int64_t)usecs, utc_offset_min,
	                       &dt);
	cim_datetime_format(&dt, text);
	return store_text(oi, idx, type, text);
}

static int32_t api_set_reference(struct owmi_instance *oi,
                                 const char *prop,
                                 const char *path)
{
	uint32_t type = 0;
	int32_t idx = prop_for_set(oi, prop, &type);

	if (idx < 0) {
		return idx;
	}
	if (path == NULL) {
		return OWMI_E_INVALID_PARAMETER;
	}
	if (type != CIM_T_REFERENCE) {
		return OWMI_E_TYPE_MISMATCH;
	}
	return store_text(oi, idx, type, path);
}

static int32_t api_set_object(struct owmi_instance *oi,
                              const char *prop,
                              const struct owmi_instance *emb)
{
	struct cim_object obj = { .is_class = false };
	struct cim_value v = { .type = CIM_T_OBJECT, .v.o = &obj };
	uint32_t type = 0;
	int32_t idx = prop_for_set(oi, prop, &type);

	if (idx < 0) {
		return idx;
	}
	if (emb == NULL || emb->ctx != oi->ctx) {
		return OWMI_E_INVALID_PARAMETER;
	}
	if (type != CIM_T_OBJECT) {
		return OWMI_E_TYPE_MISMATCH;
	}
	obj.u.inst = emb->inst;
	return store(oi, idx, &v);
}

/* Array setters: [elem] is the array element base type accepted. */
static int32_t set_array(struct owmi_instance *oi,
                         const char *prop,
                         uint32_t src_base,
                         const void *data,
                         size_t n,
                         size_t elem_size)
{
	struct cim_value v = { .type = src_base | CIM_FLAG_ARRAY };
	uint32_t type = 0;
	int32_t idx = prop_for_set(oi, prop, &type);
	uint32_t base = cim_type_base(type);
	void *tmp = NULL;
	int32_t rc;

	if (idx < 0) {
		return idx;
	}
	if (n > UINT32_MAX / 16 || (n != 0 && data == NULL)) {
		return OWMI_E_INVALID_PARAMETER;
	}
	if (!cim_type_is_array(type)) {
		return OWMI_E_TYPE_MISMATCH;
	}
	if (src_base == CIM_T_STRING    ? !is_text(base)
	    : src_base == CIM_T_BOOLEAN ? base != CIM_T_BOOLEAN
	    : src_base == CIM_T_REAL64
	            ? (base != CIM_T_REAL64 && base != CIM_T_REAL32)
	            : !(is_sint(base) || is_uint(base))) {
		return OWMI_E_TYPE_MISMATCH;
	}
	v.v.a.n = (uint32_t)n;
	/* Widen to the model's element representation. */
	tmp = talloc_zero_size(oi, 8 * (n ? n : 1));
	if (tmp == NULL) {
		return OWMI_E_OUT_OF_MEMORY;
	}
	for (size_t i = 0; i < n; i++) {
		const uint8_t *e = (const uint8_t *)data + i * elem_size;

		switch (src_base) {
		case CIM_T_UINT8:
			((uint64_t *)tmp)[i] = *e;
			break;
		case CIM_T_UINT16:
			((uint64_t *)tmp)[i] = *(
			        const uint16_t *)(const void *)e;
			break;
		case CIM_T_UINT32:
			((uint64_t *)tmp)[i] = *(
			        const uint32_t *)(const void *)e;
			break;
		case CIM_T_UINT64:
			((uint64_t *)tmp)[i] = *(
			        const uint64_t *)(const void *)e;
			break;
		case CIM_T_SINT32:
			((int64_t *)tmp)[i] = *(const int32_t *)(const void *)e;
			break;
		case CIM_T_SINT64:
			((int64_t *)tmp)[i] = *(const int64_t *)(const void *)e;
			break;
		case CIM_T_REAL64:
			((double *)tmp)[i] = *(const double *)(const void *)e;
			break;
		case CIM_T_BOOLEAN:
			((bool *)tmp)[i] = *(const bool *)(const void *)e;
			break;
		default:
			((char **)tmp)[i] = *(char *const *)(const void *)e;
			if (((char **)tmp)[i] == NULL ||
			    (base == CIM_T_DATETIME &&
			     hr_failed(cim_datetime_parse(
			             ((char **)tmp)[i],
			             &(struct cim_datetime){ 0 })))) {
				talloc_free(tmp);
				return OWMI_E_INVALID_PARAMETER;
			}
			break;
		}
	}
	v.v.a.e.u = tmp;
	rc = store(oi, idx, &v);
	talloc_free(tmp);
	return rc;
}

static int32_t api_set_string_array(struct owmi_instance *i,
                                    const char *p,
                                    const char *const *v,
                                    size_t n)
{
	return set_array(i, p, CIM_T_STRING, v, n, sizeof(*v));
}

static int32_t api_set_bool_array(struct owmi_instance *i,
                                  const char *p,
                                  const bool *v,
                                  size_t n)
{
	return set_array(i, p, CIM_T_BOOLEAN, v, n, sizeof(*v));
}

static int32_t api_set_uint8_array(struct owmi_instance *i,
                                   const char *p,
                                   const uint8_t *v,
                                   size_t n)
{
	return set_array(i, p, CIM_T_UINT8, v, n, sizeof(*v));
}

static int32_t api_set_uint16_array(struct owmi_instance *i,
                                    const char *p,
                                    const uint16_t *v,
                                    size_t n)
{
	return set_array(i, p, CIM_T_UINT16, v, n, sizeof(*v));
}

static int32_t api_set_uint32_array(struct owmi_instance *i,
                                    const char *p,
                                    const uint32_t *v,
                                    size_t n)
{
	return set_array(i, p, CIM_T_UINT32, v, n, sizeof(*v));
}

static int32_t api_set_uint64_array(struct owmi_instance *i,
                                    const char *p,
                                    const uint64_t *v,
                                    size_t n)
{
	return set_array(i, p, CIM_T_UINT64, v, n, sizeof(*v));
}

static int32_t api_set_sint32_array(struct owmi_instance *i,
                                    const char *p,
                                    const int32_t *v,
                                    size_t n)
{
	return set_array(i, p, CIM_T_SINT32, v, n, sizeof(*v));
}

static int32_t api_set_sint64_array(struct owmi_instance *i,
                                    const char *p,
                                    const int64_t *v,
                                    size_t n)
{
	return set_array(i, p, CIM_T_SINT64, v, n, sizeof(*v));
}

static int32_t api_set_real64_array(struct owmi_instance *i,
                                    const char *p,
                                    const double *v,
                                    size_t n)
{
	return set_array(i, p, CIM_T_REAL64, v, n, sizeof(*v));
}

/* ---- getters ------------------------------------------------------------ */

/* The value of [prop]: NULL with *rc set when it cannot be read. */
static const struct cim_value *value_of(const struct owmi_instance *oi,
                                        const char *prop,
                                        int32_t *rc)
{
	int32_t i;

	if (oi == NULL || prop == NULL) {
		*rc = OWMI_E_INVALID_PARAMETER;
		return NULL;
	}
	i = host_find_prop(oi->ctx, oi->inst->cls, prop);
	if (i < 0) {
		*rc = OWMI_E_NOT_FOUND;
		return NULL;
	}
	*rc = OWMI_S_OK;
	return &oi->inst->values[i];
}

static int32_t api_get_type(const struct owmi_instance *oi,
                            const char *prop,
                            uint32_t *type,
                            bool *is_null)
{
	int32_t rc;
	const struct cim_value *v = value_of(oi, prop, &rc);

	if (v == NULL) {
		return rc;
	}
	if (type != NULL) {
		*type = oi->inst->cls
		                ->props[cim_class_find_prop(oi->inst->cls,
		                                            prop)]
		                .type;
	}
	if (is_null != NULL) {
		*is_null = v->null;
	}
	return OWMI_S_OK;
}

/* Common start of scalar getters: the value, or a code in *rc. */
static const struct cim_value *scalar_of(const struct owmi_instance *oi,
                                         const char *prop,
                                         const void *out,
                                         int32_t *rc)
{
	const struct cim_value *v = value_of(oi, prop, rc);

	if (v == NULL) {
		return NULL;
	}
	if (out == NULL) {
		*rc = OWMI_E_INVALID_PARAMETER;
		return NULL;
	}
	if (cim_type_is_array(v->type)) {
		*rc = OWMI_E_TYPE_MISMATCH;
		return NULL;
	}
	if (v->null) {
		*rc = OWMI_S_FALSE;
		return NULL;
	}
	return v;
}

static int32_t api_get_string(const struct owmi_instance *oi,
                              const char *prop,
                              const char **out)
{
	int32_t rc;
	const struct cim_value *v = scalar_of(oi, prop, out, &rc);

	if (v == NULL) {
		return rc;
	}
	if (!is_text(cim_type_base(v->type))) {
		return OWMI_E_TYPE_MISMATCH;
	}
	*out = v->v.s;
	return OWMI_S_OK;
}

static int32_t api_get_bool(const struct owmi_instance *oi,
                            const char *prop,
                            bool *out)
{
	int32_t rc;
	const struct cim_value *v = scalar_of(oi, prop, out, &rc);

	if (v == NULL) {
		return rc;
	}
	if (v->type != CIM_T_BOOLEAN) {
		return OWMI_E_TYPE_MISMATCH;
	}
	*out = v->v.b;
	return OWMI_S_OK;
}

static int32_t api_get_uint64(const struct owmi_instance *oi,
                              const char *prop,
                              uint64_t *out)
{
	int32_t rc;
	const struct cim_value *v = scalar_of(oi, prop, out, &rc);

	if (v == NULL) {
		return rc;
	}
	if (v->type == CIM_T_BOOLEAN) {
		*out = v->v.b ? 1 : 0;
		return OWMI_S_OK;
	}
	if (!is_uint(v->type) && v->type != CIM_T_CHAR16) {
		return OWMI_E_TYPE_MISMATCH;
	}
	*out = v->v.u;
	return OWMI_S_OK;
}

static int32_t api_get_sint64(const struct owmi_instance *oi,
                              const char *prop,
                              int64_t *out)
{
	int32_t rc;
	const struct cim_value *v = scalar_of(oi, prop, out, &rc);

	if (v == NULL) {
		return rc;
	}
	if (is_sint(v->type)) {
		*out = v->v.i;
		return OWMI_S_OK;
	}
	if (is_uint(v->type) && v->v.u <= (uint64_t)INT64_MAX) {
		*out = (int64_t)v->v.u;
		return OWMI_S_OK;
	}
	return OWMI_E_TYPE_MISMATCH;
}

static int32_t api_get_real64(const struct owmi_instance *oi,
                              const char *prop,
                              double *out)
{
	int32_t rc;
	const struct cim_value *v = scalar_of(oi, prop, out, &rc);

	if (v == NULL) {
		return rc;
	}
	if (v->type != CIM_T_REAL64 && v->type != CIM_T_REAL32) {
		return OWMI_E_TYPE_MISMATCH;
	}
	*out = v->v.r;
	return OWMI_S_OK;
}

static int32_t api_get_object(const struct owmi_instance *oi,
                              const char *prop,
                              const struct owmi_instance **out)
{
	int32_t rc;
	const struct cim_value *v = scalar_of(oi, prop, out, &rc);
	struct owmi_instance *w;

	if (v == NULL) {
		return rc;
	}
	if (v->type != CIM_T_OBJECT || v->v.o == NULL || v->v.o->is_class) {
		return OWMI_E_TYPE_MISMATCH;
	}
	w = host_wrap(oi->ctx, v->v.o->u.inst, true);
	if (w == NULL) {
		return OWMI_E_OUT_OF_MEMORY;
	}
	*out = w;
	return OWMI_S_OK;
}

/* Common start of array getters. */
static const struct cim_value *array_of(const struct owmi_instance *oi,
                                        const char *prop,
                                        const void *out,
                                        const size_t *n,
                                        int32_t *rc)
{
	const struct cim_value *v = value_of(oi, prop, rc);

	if (v == NULL) {
		return NULL;
	}
	if (out == NULL || n == NULL) {
		*rc = OWMI_E_INVALID_PARAMETER;
		return NULL;
	}
	if (!cim_type_is_array(v->type)) {
		*rc = OWMI_E_TYPE_MISMATCH;
		return NULL;
	}
	if (v->null) {
		*rc = OWMI_S_FALSE;
		return NULL;
	}
	return v;
}

static int32_t api_get_string_array(const struct owmi_instance *oi,
                                    const char *prop,
                                    const char *const **out,
                                    size_t *n)
{
	int32_t rc;
	const struct cim_value *v = array_of(oi, prop, out, n, &rc);

	if (v == NULL) {
		return rc;
	}
	if (!is_text(cim_type_base(v->type))) {
		return OWMI_E_TYPE_MISMATCH;
	}
	*out = (const char *const *)v->v.a.e.s;
	*n = v->v.a.n;
	return OWMI_S_OK;
}

static int32_t api_get_uint64_array(const struct owmi_instance *oi,
                                    const char *prop,
                                    const uint64_t **out,
                                    size_t *n)
{
	int32_t rc;
	const struct cim_value *v = array_of(oi, prop, out, n, &rc);
	uint32_t base;
	uint64_t *w;

	if (v == NULL) {
		return rc;
	}
	base = cim_type_base(v->type);
	if (is_uint(base) || base == CIM_T_CHAR16) {
		*out = v->v.a.e.u;
		*n = v->v.a.n;
		return OWMI_S_OK;
	}
	if (base != CIM_T_BOOLEAN) {
		return OWMI_E_TYPE_MISMATCH;
	}
	w = talloc_array(oi->ctx->mem, uint64_t, v->v.a.n ? v->v.a.n : 1);
	if (w == NULL) {
		return OWMI_E_OUT_OF_MEMORY;
	}
	for (uint32_t i = 0; i < v->v.a.n; i++) {
		w[i] = v->v.a.e.b[i] ? 1 : 0;
	}
	*out = w;
	*n = v->v.a.n;
	return OWMI_S_OK;
}

static int32_t api_get_sint64_array(const struct owmi_instance *oi,
                                    const char *prop,
                                    const int64_t **out,
                                    size_t *n)
{
	int32_t rc;
	const struct cim_value *v = array_of(oi, prop, out, n, &rc);

	if (v == NULL) {
		return rc;
	}
	if (!is_sint(cim_type_base(v->type))) {
		return OWMI_E_TYPE_MISMATCH;
	}
	*out = v->v.a.e.i;
	*n = v->v.a.n;
	return OWMI_S_OK;
}

/* ---- keys and queries ------------------------------------------------- */

static const char *api_key_get(const struct owmi_keys *keys, const char *prop)
{
	if (keys == NULL || prop == NULL) {
		return NULL;
	}
	for (uint32_t i = 0; i < keys->n; i++) {
		if (utf8_casecmp(keys->kv[i].name, prop) == 0) {
			return keys->kv[i].value;
		}
	}
	return NULL;
}

static uint32_t api_key_count(const struct owmi_keys *keys)
{
	return keys != NULL ? keys->n : 0;
}

static const char *api_key_at(const struct owmi_keys *keys,
                              uint32_t i,
                              const char **value)
{
	if (keys == NULL || i >= keys->n) {
		return NULL;
	}
	if (value != NULL) {
		*value = keys->kv[i].value;
	}
	return keys->kv[i].name;
}

static const char *api_query_text(const struct owmi_query *q)
{
	return q != NULL ? q->text : NULL;
}

static const char *api_query_class(const struct owmi_query *q)
{
	return q != NULL ? q->cls : NULL;
}

static int32_t api_query_eq(const struct owmi_query *q,
                            const char *prop,
                            const char **value)
{
	if (q == NULL || prop == NULL || value == NULL) {
		return OWMI_E_INVALID_PARAMETER;
	}
	for (uint32_t i = 0; i < q->n_eqs; i++) {
		if (utf8_casecmp(q->eqs[i].name, prop) == 0) {
			*value = q->eqs[i].value;
			return OWMI_S_OK;
		}
	}
	return OWMI_S_FALSE;
}

/* ---- the caller and the call -------------------------------------------- */

static const char *api_ctx_user(const struct owmi_ctx *ctx)
{
	return ctx != NULL ? ctx->user : NULL;
}

static const char *api_ctx_domain(const struct owmi_ctx *ctx)
{
	return ctx != NULL ? ctx->domain : NULL;
}

static const char *api_ctx_namespace(const struct owmi_ctx *ctx)
{
	return ctx != NULL ? ctx->ns : NULL;
}

static int32_t api_ctx_unix_ids(const struct owmi_ctx *ctx,
                                uint32_t *uid,
                                uint32_t *gid)
{
	if (ctx == NULL) {
		return OWMI_E_INVALID_PARAMETER;
	}
	if (!ctx->has_unix_ids) {
		return OWMI_S_FALSE;
	}
	if (uid != NULL) {
		*uid = ctx->uid;
	}
	if (gid != NULL) {
		*gid = ctx->gid;
	}
	return OWMI_S_OK;
}

static bool api_ctx_cancelled(const struct owmi_ctx *ctx)
{
	return ctx != NULL && ctx->cancelled;
}

static void *api_ctx_provider_data(const struct owmi_ctx *ctx)
{
	return ctx != NULL ? ctx->provider_data : NULL;
}

static void *api_ctx_alloc(struct owmi_ctx *ctx, size_t size)
{
	if (ctx == NULL) {
		return NULL;
	}
	return talloc_zero_size(ctx->mem, size ? size : 1);
}

/* The log of init and cleanup (no call) goes to standard error. */
static void api_log(const struct owmi_ctx *ctx,
                    uint32_t level,
                    const char *fmt,
                    ...) OWMI_PRINTF(3, 4);

static void api_log(const struct owmi_ctx *ctx,
                    uint32_t level,
                    const char *fmt,
                    ...)
{
	char msg[1024];
	va_list ap;

	if (fmt == NULL) {
		return;
	}
	va_start(ap, fmt);
	vsnprintf(msg, sizeof(msg), fmt, ap);
	va_end(ap);
	if (ctx != NULL && ctx->io != NULL && ctx->io->log != NULL) {
		ctx->io->log(ctx, level, msg);
		return;
	}
	fprintf(stderr, "wmiprvse: provider log (%u): %s\n", level, msg);
}

static const struct owmi_host host_table = {
	.abi_version = OWMI_PROVIDER_ABI_VERSION,
	.struct_size = sizeof(struct owmi_host),
	.instance_new = api_instance_new,
	.instance_free = api_instance_free,
	.instance_class = api_instance_class,
	.post = api_post,
	.set_null = api_set_null,
	.set_string = api_set_string,
	.set_bool = api_set_bool,
	.set_uint8 = api_set_uint8,
	.set_uint16 = api_set_uint16,
	.set_uint32 = api_set_uint32,
	.set_uint64 = api_set_uint64,
	.set_sint8 = api_set_sint8,
	.set_sint16 = api_set_sint16,
	.set_sint32 = api_set_sint32,
	.set_sint64 = api_set_sint64,
	.set_real64 = api_set_real64,
	.set_datetime_unix = api_set_datetime_unix,
	.set_datetime = api_set_datetime,
	.set_reference = api_set_reference,
	.set_object = api_set_object,
	.set_string_array = api_set_string_array,
	.set_bool_array = api_set_bool_array,
	.set_uint8_array = api_set_uint8_array,
	.set_uint16_array = api_set_uint16_array,
	.set_uint32_array = api_set_uint32_array,
	.set_uint64_array = api_set_uint64_array,
	.set_sint32_array = api_set_sint32_array,
	.set_sint64_array = api_set_sint64_array,
	.set_real64_array = api_set_real64_array,
	.get_type = api_get_type,
	.get_string = api_get_string,
	.get_bool = api_get_bool,
	.get_uint64 = api_get_uint64,
	.get_sint64 = api_get_sint64,
	.get_real64 = api_get_real64,
	.get_object = api_get_object,
	.get_string_array = api_get_string_array,
	.get_uint64_array = api_get_uint64_array,
	.get_sint64_array = api_get_sint64_array,
	.key_get = api_key_get,
	.key_count = api_key_count,
	.key_at = api_key_at,
	.query_text = api_query_text,
	.query_class = api_query_class,
	.query_eq = api_query_eq,
	.ctx_user = api_ctx_user,
	.ctx_domain = api_ctx_domain,
	.ctx_namespace = api_ctx_namespace,
	.ctx_unix_ids = api_ctx_unix_ids,
	.ctx_cancelled = api_ctx_cancelled,
	.ctx_provider_data = api_ctx_provider_data,
	.ctx_alloc = api_ctx_alloc,
	.log = api_log,
};

const struct owmi_host *host_api(void)
{
	return &host_table;
}

hresult host_ctx_init(struct owmi_ctx *ctx,
                      void *mem,
                      const struct host_io *io,
                      struct cim_class *cls)
{
	memset(ctx, 0, sizeof(*ctx));
	ctx->mem = mem;
	ctx->io = io;
	ctx->cls = cls;
	buf_init(&ctx->batch, mem);
	buf_init(&ctx->scratch, mem);
	return HR_OK;
}
