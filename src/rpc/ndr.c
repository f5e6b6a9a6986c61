/*
 * ndr: the NDR 2.0 cursor runtime (rpc layer, leaf codec).  C706 chapter
 * 14, little-endian representation only.  See ndr.h for the contract and
 * docs/internals/ndr.md for how interface codecs use it.
 *
 * Invariant kept by every function here: pos <= len (pull) and len <=
 * alloc (push); sizes are compared with len - pos, never added to pos
 * first, so no check can wrap.
 */
#include "rpc/ndr.h"

#include <string.h>
#include <talloc.h>

#include "base/utf.h"
#include "rpc/fault.h"

#define NDR_REFID_FIRST 0x00020000u
#define NDR_REFID_STEP  4u

/* ---- the full-pointer table: an open-addressing hash ---- */

struct ptr_entry {
	uintptr_t key; /* pull: referent id; push: pointee address */
	uintptr_t val; /* pull: pointee address; push: referent id */
	bool used;
	bool claimed; /* push: pointee already marshalled */
};

struct ndr_ptr_table {
	struct ptr_entry *v;
	size_t cap; /* power of two */
	size_t n;
};

static size_t ptr_hash(uintptr_t key, size_t cap)
{
	uint64_t h = (uint64_t)key * 0x9e3779b97f4a7c15ull;

	return (size_t)(h >> 32) & (cap - 1);
}

static struct ptr_entry *ptr_find(struct ndr_ptr_table *t, uintptr_t key)
{
	size_t i;

	if (t == NULL) {
		return NULL;
	}
	for (i = ptr_hash(key, t->cap);; i = (i + 1) & (t->cap - 1)) {
		if (!t->v[i].used) {
			return NULL;
		}
		if (t->v[i].key == key) {
			return &t->v[i];
		}
	}
}

static bool ptr_grow(void *mem, struct ndr_ptr_table **tp)
{
	struct ndr_ptr_table *t = *tp;
	size_t cap = t == NULL ? 16 : t->cap * 2;
	struct ptr_entry *nv;

	if (t == NULL) {
		t = talloc_zero(mem, struct ndr_ptr_table);
		if (t == NULL) {
			return false;
		}
		*tp = t;
	}
	nv = talloc_zero_array(t, struct ptr_entry, cap);
	if (nv == NULL) {
		return false;
	}
	for (size_t i = 0; i < t->cap; i++) {
		size_t k;

		if (!t->v[i].used) {
			continue;
		}
		for (k = ptr_hash(t->v[i].key, cap); nv[k].used;
		     k = (k + 1) & (cap - 1)) {
		}
		nv[k] = t->v[i];
	}
	talloc_free(t->v);
	t->v = nv;
	t->cap = cap;
	return true;
}

static struct ptr_entry *ptr_insert(void *mem,
                                    struct ndr_ptr_table **tp,
                                    uintptr_t key,
                                    uintptr_t val)
{
	struct ndr_ptr_table *t = *tp;
	size_t i;

	if (t == NULL || (t->n + 1) * 2 > t->cap) {
		if (!ptr_grow(mem, tp)) {
			return NULL;
		}
		t = *tp;
	}
	for (i = ptr_hash(key, t->cap); t->v[i].used;
	     i = (i + 1) & (t->cap - 1)) {
	}
	t->v[i].used = true;
	t->v[i].key = key;
	t->v[i].val = val;
	t->n++;
	return &t->v[i];
}

/* ---- common ---- */

void ndr_limits_default(struct ndr_limits *lim)
{
	lim->max_depth = 64;
	lim->max_elems = 1u << 20;
	lim->max_alloc = 16u << 20;
	lim->max_push = 16u << 20;
}

const char *ndr_err_name(enum ndr_err err)
{
	switch (err) {
	case NDR_ERR_SUCCESS:
		return "NDR_ERR_SUCCESS";
	case NDR_ERR_BUFSIZE:
		return "NDR_ERR_BUFSIZE";
	case NDR_ERR_ARRAY_SIZE:
		return "NDR_ERR_ARRAY_SIZE";
	case NDR_ERR_UNREAD_BYTES:
		return "NDR_ERR_UNREAD_BYTES";
	case NDR_ERR_DEPTH:
		return "NDR_ERR_DEPTH";
	case NDR_ERR_ALLOC:
		return "NDR_ERR_ALLOC";
	case NDR_ERR_RANGE:
		return "NDR_ERR_RANGE";
	case NDR_ERR_ALIGN_PAD:
		return "NDR_ERR_ALIGN_PAD";
	case NDR_ERR_STRING:
		return "NDR_ERR_STRING";
	case NDR_ERR_NULL_REF:
		return "NDR_ERR_NULL_REF";
	case NDR_ERR_POINTER:
		return "NDR_ERR_POINTER";
	case NDR_ERR_LIMIT:
		return "NDR_ERR_LIMIT";
	case NDR_ERR_SWITCH:
		return "NDR_ERR_SWITCH";
	case NDR_ERR_INVALID:
		return "NDR_ERR_INVALID";
	}
	return "NDR_ERR_?";
}

uint32_t ndr_err_to_fault(enum ndr_err err)
{
	switch (err) {
	case NDR_ERR_SUCCESS:
		return 0;
	case NDR_ERR_ALLOC:
		return RPC_FAULT_NCA_S_FAULT_REMOTE_NO_MEMORY;
	default:
		return RPC_FAULT_NCA_S_FAULT_NDR;
	}
}

/* ---- pull ---- */

/*
 * talloc marks its memlimit deprecated (it suggests cgroups), but STYLE.md
 * section 5 chose it as the per-call byte ceiling and it still works.
 * NEEDSWORK: move this wrapper to base if another module needs it, and
 * replace it by our own accounting if talloc ever drops the function.
 */
#pragma GCC diagnostic push
#pragma GCC diagnostic ignored "-Wdeprecated-declarations"
static int set_memlimit(void *ctx, size_t max)
{
	return talloc_set_memlimit(ctx, max);
}
#pragma GCC diagnostic pop

enum ndr_err ndr_pull_error(struct ndr_pull *ndr,
                            enum ndr_err err,
                            const char *what)
{
	if (ndr->err == NDR_ERR_SUCCESS) {
		ndr->err = err;
		ndr->err_pos = ndr->pos;
		ndr->err_what = what;
	}
	return ndr->err;
}

enum ndr_err ndr_pull_init(struct ndr_pull *ndr,
                           void *mem,
                           const uint8_t *data,
                           size_t len,
                           unsigned flags,
                           const struct ndr_limits *lim)
{
	memset(ndr, 0, sizeof(*ndr));
	if (lim != NULL) {
		ndr->lim = *lim;
	} else {
		ndr_limits_default(&ndr->lim);
	}
	ndr->data = data;
	ndr->len = data == NULL ? 0 : len;
	ndr->flags = flags;
	ndr->mem = talloc_named_const(mem, 0, "ndr_pull");
	if (ndr->mem == NULL) {
		ndr->err = NDR_ERR_ALLOC;
		return NDR_ERR_ALLOC;
	}
	if (set_memlimit(ndr->mem, ndr->lim.max_alloc) != 0) {
		talloc_free(ndr->mem);
		ndr->mem = NULL;
		ndr->err = NDR_ERR_ALLOC;
		return NDR_ERR_ALLOC;
	}
	return NDR_ERR_SUCCESS;
}

void ndr_pull_release(struct ndr_pull *ndr)
{
	if (ndr == NULL) {
		return;
	}
	talloc_free(ndr->full_ptrs);
	ndr->full_ptrs = NULL;
}

enum ndr_err ndr_pull_finish(struct ndr_pull *ndr)
{
	if (ndr->err != NDR_ERR_SUCCESS) {
		return ndr->err;
	}
	if (ndr->pos != ndr->len && !(ndr->flags & NDR_FLAG_ALLOW_TRAILING)) {
		return ndr_pull_error(ndr, NDR_ERR_UNREAD_BYTES,
		                      "octets left after the last value");
	}
	return NDR_ERR_SUCCESS;
}

enum ndr_err ndr_pull_enter(struct ndr_pull *ndr)
{
	if (ndr->err != NDR_ERR_SUCCESS) {
		return ndr->err;
	}
	if (ndr->depth >= ndr->lim.max_depth) {
		return ndr_pull_error(ndr, NDR_ERR_DEPTH, "nesting too deep");
	}
	ndr->depth++;
	return NDR_ERR_SUCCESS;
}

void ndr_pull_leave(struct ndr_pull *ndr)
{
	if (ndr->depth > 0) {
		ndr->depth--;
	}
}

static size_t left(const struct ndr_pull *ndr)
{
	return ndr->len - ndr->pos;
}

/* Checks that [n] octets remain; records BUFSIZE otherwise. */
static enum ndr_err need(struct ndr_pull *ndr, size_t n, const char *what)
{
	if (ndr->err != NDR_ERR_SUCCESS) {
		return ndr->err;
	}
	if (n > left(ndr)) {
		return ndr_pull_error(ndr, NDR_ERR_BUFSIZE, what);
	}
	return NDR_ERR_SUCCESS;
}

enum ndr_err ndr_pull_align(struct ndr_pull *ndr, size_t n)
{
	size_t pad;
	enum ndr_err e;

	if (n == 0 || (n & (n - 1)) != 0 || n > 8) {
		return ndr_pull_error(ndr, NDR_ERR_INVALID, "bad alignment");
	}
	pad = (n - ndr->pos % n) % n;
	e = need(ndr, pad, "alignment pad passes the end");
	if (e != NDR_ERR_SUCCESS) {
		return e;
	}
	if (ndr->flags & NDR_FLAG_CHECK_PAD) {
		for (size_t i = 0; i < pad; i++) {
			if (ndr->data[ndr->pos + i] != 0) {
				ndr->pos += i;
				return ndr_pull_error(ndr, NDR_ERR_ALIGN_PAD,
				                      "non-zero pad octet");
			}
		}
	}
	ndr->pos += pad;
	return NDR_ERR_SUCCESS;
}

/* Aligns to [n] and reads an n-octet little-endian integer. */
static enum ndr_err pull_le(struct ndr_pull *ndr, size_t n, uint64_t *v)
{
	enum ndr_err e = ndr_pull_align(ndr, n);
	uint64_t x = 0;

	if (e != NDR_ERR_SUCCESS) {
		return e;
	}
	e = need(ndr, n, "integer passes the end");
	if (e != NDR_ERR_SUCCESS) {
		return e;
	}
	for (size_t i = 0; i < n; i++) {
		x |= (uint64_t)ndr->data[ndr->pos + i] << (8 * i);
	}
	ndr->pos += n;
	*v = x;
	return NDR_ERR_SUCCESS;
}

enum ndr_err ndr_pull_u8(struct ndr_pull *ndr, uint8_t *v)
{
	uint64_t x;
	enum ndr_err e = pull_le(ndr, 1, &x);

	if (e == NDR_ERR_SUCCESS) {
		*v = (uint8_t)x;
	}
	return e;
}

enum ndr_err ndr_pull_u16(struct ndr_pull *ndr, uint16_t *v)
{
	uint64_t x;
	enum ndr_err e = pull_le(ndr, 2, &x);

	if (e == NDR_ERR_SUCCESS) {
		*v = (uint16_t)x;
	}
	return e;
}

enum ndr_err ndr_pull_u32(struct ndr_pull *ndr, uint32_t *v)
{
	uint64_t x;
	enum ndr_err e = pull_le(ndr, 4, &x);

	if (e == NDR_ERR_SUCCESS) {
		*v = (uint32_t)x;
	}
	return e;
}

enum ndr_err ndr_pull_hyper(struct ndr_pull *ndr, uint64_t *v)
{
	return pull_le(ndr, 8, v);
}

enum ndr_err ndr_pull_i8(struct ndr_pull *ndr, int8_t *v)
{
	uint8_t x;
	enum ndr_err e = ndr_pull_u8(ndr, &x);

	if (e == NDR_ERR_SUCCESS) {
		*v = (int8_t)x;
	}
	return e;
}

enum ndr_err ndr_pull_i16(struct ndr_pull *ndr, int16_t *v)
{
	uint16_t x;
	enum ndr_err e = ndr_pull_u16(ndr, &x);

	if (e == NDR_ERR_SUCCESS) {
		*v = (int16_t)x;
	}
	return e;
}

enum ndr_err ndr_pull_i32(struct ndr_pull *ndr, int32_t *v)
{
	uint32_t x;
	enum ndr_err e = ndr_pull_u32(ndr, &x);

	if (e == NDR_ERR_SUCCESS) {
		*v = (int32_t)x;
	}
	return e;
}

enum ndr_err ndr_pull_i64(struct ndr_pull *ndr, int64_t *v)
{
	uint64_t x;
	enum ndr_err e = ndr_pull_hyper(ndr, &x);

	if (e == NDR_ERR_SUCCESS) {
		*v = (int64_t)x;
	}
	return e;
}

enum ndr_err ndr_pull_float(struct ndr_pull *ndr, float *v)
{
	uint32_t x;
	enum ndr_err e = ndr_pull_u32(ndr, &x);

	if (e == NDR_ERR_SUCCESS) {
		memcpy(v, &x, sizeof(*v));
	}
	return e;
}

enum ndr_err ndr_pull_double(struct ndr_pull *ndr, double *v)
{
	uint64_t x;
	enum ndr_err e = ndr_pull_hyper(ndr, &x);

	if (e == NDR_ERR_SUCCESS) {
		memcpy(v, &x, sizeof(*v));
	}
	return e;
}

enum ndr_err ndr_pull_enum16(struct ndr_pull *ndr, uint16_t *v)
{
	return ndr_pull_u16(ndr, v);
}

enum ndr_err ndr_pull_bytes_ref(struct ndr_pull *ndr,
                                size_t n,
                                const uint8_t **out)
{
	enum ndr_err e = need(ndr, n, "octets pass the end");

	if (e != NDR_ERR_SUCCESS) {
		return e;
	}
	*out = ndr->data + ndr->pos;
	ndr->pos += n;
	return NDR_ERR_SUCCESS;
}

enum ndr_err ndr_pull_bytes(struct ndr_pull *ndr, void *out, size_t n)
{
	const uint8_t *p;
	enum ndr_err e = ndr_pull_bytes_ref(ndr, n, &p);

	if (e == NDR_ERR_SUCCESS && n != 0) {
		memcpy(out, p, n);
	}
	return e;
}

enum ndr_err ndr_pull_uuid(struct ndr_pull *ndr, struct rpc_uuid *v)
{
	const uint8_t *p;
	enum ndr_err e = ndr_pull_align(ndr, 4);

	if (e == NDR_ERR_SUCCESS) {
		e = ndr_pull_bytes_ref(ndr, RPC_UUID_WIRE_LEN, &p);
	}
	if (e == NDR_ERR_SUCCESS) {
		rpc_uuid_from_wire(p, v);
	}
	return e;
}

enum ndr_err ndr_pull_unique_ptr(struct ndr_pull *ndr, uint32_t *refid)
{
	return ndr_pull_u32(ndr, refid);
}

enum ndr_err ndr_pull_ref_ptr(struct ndr_pull *ndr, uint32_t *refid)
{
	enum ndr_err e = ndr_pull_u32(ndr, refid);

	if (e == NDR_ERR_SUCCESS && *refid == 0) {
		return ndr_pull_error(ndr, NDR_ERR_NULL_REF,
		                      "[ref] pointer is NULL");
	}
	return e;
}

enum ndr_err ndr_pull_full_ptr(struct ndr_pull *ndr, uint32_t *refid)
{
	return ndr_pull_u32(ndr, refid);
}

void *ndr_pull_full_ptr_lookup(struct ndr_pull *ndr, uint32_t refid)
{
	struct ptr_entry *e = ptr_find(ndr->full_ptrs, refid);

	return e == NULL ? NULL : (void *)e->val;
}

enum ndr_err ndr_pull_full_ptr_register(struct ndr_pull *ndr,
                                        uint32_t refid,
                                        void *pointee)
{
	if (ndr->err != NDR_ERR_SUCCESS) {
		return ndr->err;
	}
	if (refid == 0 || pointee == NULL) {
		return ndr_pull_error(ndr, NDR_ERR_INVALID,
		                      "full pointer register of NULL");
	}
	if (ptr_find(ndr->full_ptrs, refid) != NULL) {
		return ndr_pull_error(ndr, NDR_ERR_POINTER,
		                      "full pointer referent marshalled twice");
	}
	if (ptr_insert(ndr->mem, &ndr->full_ptrs, refid, (uintptr_t)pointee) ==
	    NULL) {
		return ndr_pull_error(ndr, NDR_ERR_ALLOC, "full pointer table");
	}
	return NDR_ERR_SUCCESS;
}

enum ndr_err ndr_pull_array_size(struct ndr_pull *ndr, uint32_t *max_count)
{
	return ndr_pull_u32(ndr, max_count);
}

enum ndr_err ndr_pull_array_length(struct ndr_pull *ndr,
                                   uint32_t max_count,
                                   uint32_t *offset,
                                   uint32_t *actual_count)
{
	enum ndr_err e = ndr_pull_u32(ndr, offset);

	if (e == NDR_ERR_SUCCESS) {
		e = ndr_pull_u32(ndr, actual_count);
	}
	if (e != NDR_ERR_SUCCESS) {
		return e;
	}
	if (*offset > max_count) {
		return ndr_pull_error(ndr, NDR_ERR_ARRAY_SIZE,
		                      "varying array offset > max_count");
	}
	if (*actual_count > max_count - *offset) {
		return ndr_pull_error(ndr, NDR_ERR_ARRAY_SIZE,
		                      "varying array actual_count > max_count "
		                      "- offset");
	}
	return NDR_ERR_SUCCESS;
}

enum ndr_err ndr_pull_array_alloc(struct ndr_pull *ndr,
                                  uint32_t count,
                                  size_t elem_size,
                                  size_t wire_min,
                                  void **out)
{
	void *p;

	if (ndr->err != NDR_ERR_SUCCESS) {
		return ndr->err;
	}
	if (elem_size == 0) {
		return ndr_pull_error(ndr, NDR_ERR_INVALID, "element size 0");
	}
	if (wire_min != 0 && count > left(ndr) / wire_min) {
		return ndr_pull_error(ndr, NDR_ERR_BUFSIZE,
		                      "array count passes the end");
	}
	if (count > ndr->lim.max_elems) {
		return ndr_pull_error(ndr, NDR_ERR_LIMIT,
		                      "array count above the element limit");
	}
	if (count > SIZE_MAX / elem_size) {
		return ndr_pull_error(ndr, NDR_ERR_LIMIT,
		                      "array size overflows");
	}
	p = talloc_zero_size(ndr->mem, (size_t)count * elem_size);
	if (p == NULL) {
		return ndr_pull_error(ndr, NDR_ERR_ALLOC, "array allocation");
	}
	*out = p;
	return NDR_ERR_SUCCESS;
}

enum ndr_err ndr_pull_conformant_bytes(struct ndr_pull *ndr,
                                       uint8_t **out,
                                       uint32_t *n)
{
	uint32_t count;
	void *p = NULL;
	enum ndr_err e = ndr_pull_array_size(ndr, &count);

	if (e == NDR_ERR_SUCCESS) {
		e = ndr_pull_array_alloc(ndr, count, 1, 1, &p);
	}
	if (e == NDR_ERR_SUCCESS) {
		e = ndr_pull_bytes(ndr, p, count);
	}
	if (e == NDR_ERR_SUCCESS) {
		*out = p;
		*n = count;
	}
	return e;
}

/* Reads the three counts of a conformant varying string; offset must be 0. */
static enum ndr_err pull_string_hdr(struct ndr_pull *ndr,
                                    size_t unit,
                                    uint32_t *actual)
{
	uint32_t max;
	uint32_t offset;
	enum ndr_err e = ndr_pull_array_size(ndr, &max);

	if (e == NDR_ERR_SUCCESS) {
		e = ndr_pull_array_length(ndr, max, &offset, actual);
	}
	if (e != NDR_ERR_SUCCESS) {
		return e;
	}
	if (offset != 0) {
		return ndr_pull_error(ndr, NDR_ERR_ARRAY_SIZE,
		                      "string offset is not 0");
	}
	if (*actual > left(ndr) / unit) {
		return ndr_pull_error(ndr, NDR_ERR_BUFSIZE,
		                      "string passes the end");
	}
	if (*actual > ndr->lim.max_elems) {
		return ndr_pull_error(ndr, NDR_ERR_LIMIT,
		                      "string above the element limit");
	}
	return NDR_ERR_SUCCESS;
}

/*
 * Decides how many of [actual] units are characters: strips a final NUL
 * (required unless NO_NUL), refuses an embedded one.
 */
static enum ndr_err string_chars(struct ndr_pull *ndr,
                                 const uint8_t *p,
                                 size_t unit,
                                 uint32_t actual,
                                 unsigned str_flags,
                                 size_t *n_chars)
{
	size_t n = actual;
	bool nul_last = false;

	if (n > 0) {
		nul_last = p[(n - 1) * unit] == 0 &&
		           (unit == 1 || p[(n - 1) * unit + 1] == 0);
	}
	if (nul_last) {
		n--;
	} else if (!(str_flags & NDR_STR_NO_NUL)) {
		return ndr_pull_error(ndr, NDR_ERR_STRING,
		                      "string lacks its NUL terminator");
	}
	for (size_t i = 0; i < n; i++) {
		if (p[i * unit] == 0 && (unit == 1 || p[i * unit + 1] == 0)) {
			return ndr_pull_error(ndr, NDR_ERR_STRING,
			                      "NUL inside a string");
		}
	}
	*n_chars = n;
	return NDR_ERR_SUCCESS;
}

enum ndr_err ndr_pull_wstring(struct ndr_pull *ndr,
                              unsigned str_flags,
                              char **out)
{
	uint32_t actual;
	size_t n;
	const uint8_t *p;
	hresult hr;
	enum ndr_err e = pull_string_hdr(ndr, 2, &actual);

	if (e == NDR_ERR_SUCCESS) {
		e = ndr_pull_bytes_ref(ndr, (size_t)actual * 2, &p);
	}
	if (e == NDR_ERR_SUCCESS) {
		e = string_chars(ndr, p, 2, actual, str_flags, &n);
	}
	if (e != NDR_ERR_SUCCESS) {
		return e;
	}
	hr = utf16le_to_utf8(ndr->mem, p, n * 2, out, NULL);
	if (hr_eq(hr, HR_E_OUTOFMEMORY)) {
		return ndr_pull_error(ndr, NDR_ERR_ALLOC, "string allocation");
	}
	if (hr_failed(hr)) {
		return ndr_pull_error(ndr, NDR_ERR_STRING,
		                      "string is not valid UTF-16");
	}
	return NDR_ERR_SUCCESS;
}

enum ndr_err ndr_pull_cstring(struct ndr_pull *ndr,
                              unsigned str_flags,
                              char **out)
{
	uint32_t actual;
	size_t n;
	const uint8_t *p;
	char *s;
	enum ndr_err e = pull_string_hdr(ndr, 1, &actual);

	if (e == NDR_ERR_SUCCESS) {
		e = ndr_pull_bytes_ref(ndr, actual, &p);
	}
	if (e == NDR_ERR_SUCCESS) {
		e = string_chars(ndr, p, 1, actual, str_flags, &n);
	}
	if (e != NDR_ERR_SUCCESS) {
		return e;
	}
	if (!utf8_valid((const char *)p, n, NULL)) {
		return ndr_pull_error(ndr, NDR_ERR_STRING,
		                      "string is not valid UTF-8");
	}
	s = talloc_array(ndr->mem, char, n + 1);
	if (s == NULL) {
		return ndr_pull_error(ndr, NDR_ERR_ALLOC, "string allocation");
	}
	if (n != 0) {
		memcpy(s, p, n);
	}
	s[n] = '\0';
	*out = s;
	return NDR_ERR_SUCCESS;
}

/* ---- push ---- */

enum ndr_err ndr_push_error(struct ndr_push *ndr,
                            enum ndr_err err,
                            const char *what)
{
	if (ndr->err == NDR_ERR_SUCCESS) {
		ndr->err = err;
		ndr->err_pos = ndr->len;
		ndr->err_what = what;
	}
	return ndr->err;
}

enum ndr_err ndr_push_init(struct ndr_push *ndr,
                           void *mem,
                           unsigned flags,
                           const struct ndr_limits *lim)
{
	memset(ndr, 0, sizeof(*ndr));
	if (lim != NULL) {
		ndr->lim = *lim;
	} else {
		ndr_limits_default(&ndr->lim);
	}
	ndr->flags = flags;
	ndr->next_refid = NDR_REFID_FIRST;
	ndr->mem = talloc_named_const(mem, 0, "ndr_push");
	if (ndr->mem == NULL) {
		ndr->err = NDR_ERR_ALLOC;
		return NDR_ERR_ALLOC;
	}
	return NDR_ERR_SUCCESS;
}

void ndr_push_release(struct ndr_push *ndr)
{
	if (ndr == NULL) {
		return;
	}
	talloc_free(ndr->mem);
	ndr->mem = NULL;
	ndr->data = NULL;
	ndr->full_ptrs = NULL;
	ndr->len = 0;
	ndr->alloc = 0;
}

enum ndr_err ndr_push_blob(struct ndr_push *ndr,
                           const uint8_t **data,
                           size_t *len)
{
	static const uint8_t empty[1];

	*data = ndr->data == NULL ? empty : ndr->data;
	*len = ndr->len;
	return ndr->err;
}

enum ndr_err ndr_push_enter(struct ndr_push *ndr)
{
	if (ndr->err != NDR_ERR_SUCCESS) {
		return ndr->err;
	}
	if (ndr->depth >= ndr->lim.max_depth) {
		return ndr_push_error(ndr, NDR_ERR_DEPTH, "nesting too deep");
	}
	ndr->depth++;
	return NDR_ERR_SUCCESS;
}

void ndr_push_leave(struct ndr_push *ndr)
{
	if (ndr->depth > 0) {
		ndr->depth--;
	}
}

/* Makes room for [n] more octets. */
static enum ndr_err room(struct ndr_push *ndr, size_t n)
{
	size_t cap;
	uint8_t *p;

	if (ndr->err != NDR_ERR_SUCCESS) {
		return ndr->err;
	}
	if (ndr->mem == NULL) {
		return ndr_push_error(ndr, NDR_ERR_INVALID, "cursor released");
	}
	if (n > ndr->lim.max_push || ndr->len > ndr->lim.max_push - n) {
		return ndr_push_error(ndr, NDR_ERR_LIMIT,
		                      "output above the push limit");
	}
	if (ndr->len + n <= ndr->alloc) {
		return NDR_ERR_SUCCESS;
	}
	cap = ndr->alloc == 0 ? 256 : ndr->alloc;
	while (cap < ndr->len + n) {
		cap = cap > ndr->lim.max_push / 2 ? ndr->lim.max_push : cap * 2;
	}
	p = talloc_realloc(ndr->mem, ndr->data, uint8_t, cap);
	if (p == NULL) {
		return ndr_push_error(ndr, NDR_ERR_ALLOC, "output buffer");
	}
	ndr->data = p;
	ndr->alloc = cap;
	return NDR_ERR_SUCCESS;
}

enum ndr_err ndr_push_bytes(struct ndr_push *ndr, const void *p, size_t n)
{
	enum ndr_err e = room(ndr, n);

	if (e != NDR_ERR_SUCCESS) {
		return e;
	}
	if (n != 0) {
		if (p != NULL) {
			memcpy(ndr->data + ndr->len, p, n);
		} else {
			memset(ndr->data + ndr->len, 0, n);
		}
	}
	ndr->len += n;
	return NDR_ERR_SUCCESS;
}

enum ndr_err ndr_push_align(struct ndr_push *ndr, size_t n)
{
	if (n == 0 || (n & (n - 1)) != 0 || n > 8) {
		return ndr_push_error(ndr, NDR_ERR_INVALID, "bad alignment");
	}
	return ndr_push_bytes(ndr, NULL, (n - ndr->len % n) % n);
}

static enum ndr_err push_le(struct ndr_push *ndr, size_t n, uint64_t v)
{
	uint8_t b[8];
	enum ndr_err e = ndr_push_align(ndr, n);

	if (e != NDR_ERR_SUCCESS) {
		return e;
	}
	for (size_t i = 0; i < n; i++) {
		b[i] = (uint8_t)(v >> (8 * i));
	}
	return ndr_push_bytes(ndr, b, n);
}

enum ndr_err ndr_push_u8(struct ndr_push *ndr, uint8_t v)
{
	return push_le(ndr, 1, v);
}

enum ndr_err ndr_push_u16(struct ndr_push *ndr, uint16_t v)
{
	return push_le(ndr, 2, v);
}

enum ndr_err ndr_push_u32(struct ndr_push *ndr, uint32_t v)
{
	return push_le(ndr, 4, v);
}

enum ndr_err ndr_push_hyper(struct ndr_push *ndr, uint64_t v)
{
	return push_le(ndr, 8, v);
}

enum ndr_err ndr_push_i8(struct ndr_push *ndr, int8_t v)
{
	return push_le(ndr, 1, (uint8_t)v);
}

enum ndr_err ndr_push_i16(struct ndr_push *ndr, int16_t v)
{
	return push_le(ndr, 2, (uint16_t)v);
}

enum ndr_err ndr_push_i32(struct ndr_push *ndr, int32_t v)
{
	return push_le(ndr, 4, (uint32_t)v);
}

enum ndr_err ndr_push_i64(struct ndr_push *ndr, int64_t v)
{
	return push_le(ndr, 8, (uint64_t)v);
}

enum ndr_err ndr_push_float(struct ndr_push *ndr, float v)
{
	uint32_t x;

	memcpy(&x, &v, sizeof(x));
	return push_le(ndr, 4, x);
}

enum ndr_err ndr_push_double(struct ndr_push *ndr, double v)
{
	uint64_t x;

	memcpy(&x, &v, sizeof(x));
	return push_le(ndr, 8, x);
}

enum ndr_err ndr_push_enum16(struct ndr_push *ndr, uint16_t v)
{
	return push_le(ndr, 2, v);
}

enum ndr_err ndr_push_uuid(struct ndr_push *ndr, const struct rpc_uuid *v)
{
	uint8_t b[RPC_UUID_WIRE_LEN];
	enum ndr_err e = ndr_push_align(ndr, 4);

	if (e != NDR_ERR_SUCCESS) {
		return e;
	}
	rpc_uuid_to_wire(v, b);
	return ndr_push_bytes(ndr, b, sizeof(b));
}

static uint32_t new_refid(struct ndr_push *ndr)
{
	uint32_t id = ndr->next_refid;

	ndr->next_refid += NDR_REFID_STEP;
	if (ndr->next_refid == 0) {
		ndr->next_refid = NDR_REFID_FIRST;
	}
	return id;
}

enum ndr_err ndr_push_unique_ptr(struct ndr_push *ndr, const void *p)
{
	return ndr_push_u32(ndr, p == NULL ? 0 : new_refid(ndr));
}

enum ndr_err ndr_push_ref_ptr(struct ndr_push *ndr, const void *p)
{
	if (p == NULL) {
		return ndr_push_error(ndr, NDR_ERR_NULL_REF,
		                      "[ref] pointer is NULL");
	}
	return ndr_push_u32(ndr, new_refid(ndr));
}

enum ndr_err ndr_push_full_ptr(struct ndr_push *ndr, const void *p)
{
	struct ptr_entry *e;

	if (ndr->err != NDR_ERR_SUCCESS) {
		return ndr->err;
	}
	if (p == NULL) {
		return ndr_push_u32(ndr, 0);
	}
	e = ptr_find(ndr->full_ptrs, (uintptr_t)p);
	if (e == NULL) {
		e = ptr_insert(ndr->mem, &ndr->full_ptrs, (uintptr_t)p,
		               new_refid(ndr));
		if (e == NULL) {
			return ndr_push_error(ndr, NDR_ERR_ALLOC,
			                      "full pointer table");
		}
	}
	return ndr_push_u32(ndr, (uint32_t)e->val);
}

bool ndr_push_full_ptr_claim(struct ndr_push *ndr, const void *p)
{
	struct ptr_entry *e = ptr_find(ndr->full_ptrs, (uintptr_t)p);

	if (e == NULL || e->claimed) {
		return false;
	}
	e->claimed = true;
	return true;
}

enum ndr_err ndr_push_array_size(struct ndr_push *ndr, uint32_t max_count)
{
	return ndr_push_u32(ndr, max_count);
}

enum ndr_err ndr_push_array_length(struct ndr_push *ndr,
                                   uint32_t offset,
                                   uint32_t actual_count)
{
	enum ndr_err e = ndr_push_u32(ndr, offset);

	if (e == NDR_ERR_SUCCESS) {
		e = ndr_push_u32(ndr, actual_count);
	}
	return e;
}

enum ndr_err ndr_push_conformant_bytes(struct ndr_push *ndr,
                                       const uint8_t *p,
                                       uint32_t n)
{
	enum ndr_err e = ndr_push_array_size(ndr, n);

	if (e == NDR_ERR_SUCCESS) {
		e = ndr_push_bytes(ndr, p, n);
	}
	return e;
}

static enum ndr_err push_string(struct ndr_push *ndr,
                                unsigned str_flags,
                                const uint8_t *units,
                                size_t n_units,
                                size_t unit)
{
	size_t total = n_units + ((str_flags & NDR_STR_NO_NUL) ? 0 : 1);
	enum ndr_err e;

	if (total > UINT32_MAX) {
		return ndr_push_error(ndr, NDR_ERR_LIMIT, "string too long");
	}
	e = ndr_push_array_size(ndr, (uint32_t)total);
	if (e == NDR_ERR_SUCCESS) {
		e = ndr_push_array_length(ndr, 0, (uint32_t)total);
	}
	if (e == NDR_ERR_SUCCESS) {
		e = ndr_push_bytes(ndr, units, n_units * unit);
	}
	if (e == NDR_ERR_SUCCESS && total != n_units) {
		e = ndr_push_bytes(ndr, NULL, unit);
	}
	return e;
}

enum ndr_err ndr_push_wstring(struct ndr_push *ndr,
                              unsigned str_flags,
                              const char *s)
{
	uint8_t *w = NULL;
	size_t wn = 0;
	hresult hr;
	enum ndr_err e;

	if (ndr->err != NDR_ERR_SUCCESS) {
		return ndr->err;
	}
	if (s == NULL) {
		return ndr_push_error(ndr, NDR_ERR_NULL_REF, "string is NULL");
	}
	hr = utf8_to_utf16le(ndr->mem, s, strlen(s), &w, &wn);
	if (hr_eq(hr, HR_E_OUTOFMEMORY)) {
		return ndr_push_error(ndr, NDR_ERR_ALLOC, "string conversion");
	}
	if (hr_failed(hr)) {
		return ndr_push_error(ndr, NDR_ERR_STRING,
		                      "string is not valid UTF-8");
	}
	e = push_string(ndr, str_flags, w, wn / 2, 2);
	talloc_free(w);
	return e;
}

enum ndr_err ndr_push_cstring(struct ndr_push *ndr,
                              unsigned str_flags,
                              const char *s)
{
	size_t n;

	if (ndr->err != NDR_ERR_SUCCESS) {
		return ndr->err;
	}
	if (s == NULL) {
		return ndr_push_error(ndr, NDR_ERR_NULL_REF, "string is NULL");
	}
	n = strlen(s);
	if (!utf8_valid(s, n, NULL)) {
		return ndr_push_error(ndr, NDR_ERR_STRING,
		                      "string is not valid UTF-8");
	}
	return push_string(ndr, str_flags, (const uint8_t *)s, n, 1);
}
