/*
 * value: CIM types and values: names, copy, equality, conversion and text
 * form (cim layer; DSP0004 5.2, MS-WMIO 2.2.6 CIMTYPE codes).
 *
 * Invariants: a non-NULL string, datetime or reference value holds a talloc
 * string; an array holds a talloc array of exactly n elements whose
 * strings and objects are talloc children of the array.
 */
#include "cim/cim.h"

#include <errno.h>
#include <float.h>
#include <inttypes.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>
#include <talloc.h>

#include "base/buf.h"
#include "base/utf.h"
#include "cim/cim-int.h"
#include "cim/datetime.h"
#include "cim/objpath.h"

struct type_row {
	uint32_t type;
	const char *name;
};

static const struct type_row type_rows[] = {
	{ CIM_T_SINT8, "sint8" },   { CIM_T_UINT8, "uint8" },
	{ CIM_T_SINT16, "sint16" }, { CIM_T_UINT16, "uint16" },
	{ CIM_T_SINT32, "sint32" }, { CIM_T_UINT32, "uint32" },
	{ CIM_T_SINT64, "sint64" }, { CIM_T_UINT64, "uint64" },
	{ CIM_T_REAL32, "real32" }, { CIM_T_REAL64, "real64" },
	{ CIM_T_STRING, "string" }, { CIM_T_BOOLEAN, "boolean" },
	{ CIM_T_OBJECT, "object" }, { CIM_T_DATETIME, "datetime" },
	{ CIM_T_REFERENCE, "ref" }, { CIM_T_CHAR16, "char16" },
};

#define N_TYPES (sizeof(type_rows) / sizeof(type_rows[0]))

const char *cim_type_name(uint32_t type)
{
	uint32_t base = cim_type_base(type);

	for (size_t i = 0; i < N_TYPES; i++) {
		if (type_rows[i].type == base) {
			return type_rows[i].name;
		}
	}
	return NULL;
}

bool cim_type_parse(const char *name, uint32_t *type)
{
	if (name == NULL) {
		return false;
	}
	for (size_t i = 0; i < N_TYPES; i++) {
		if (utf8_casecmp(type_rows[i].name, name) == 0) {
			*type = type_rows[i].type;
			return true;
		}
	}
	if (utf8_casecmp(name, "reference") == 0) {
		*type = CIM_T_REFERENCE;
		return true;
	}
	return false;
}

bool cim_type_valid(uint32_t type)
{
	if ((type & ~(CIM_TYPE_MASK | CIM_FLAG_ARRAY)) != 0) {
		return false;
	}
	switch (cim_type_base(type)) {
	case CIM_T_SINT8:
	case CIM_T_UINT8:
	case CIM_T_SINT16:
	case CIM_T_UINT16:
	case CIM_T_SINT32:
	case CIM_T_UINT32:
	case CIM_T_SINT64:
	case CIM_T_UINT64:
	case CIM_T_REAL32:
	case CIM_T_REAL64:
	case CIM_T_STRING:
	case CIM_T_BOOLEAN:
	case CIM_T_OBJECT:
	case CIM_T_DATETIME:
	case CIM_T_REFERENCE:
	case CIM_T_CHAR16:
		return true;
	default:
		return false;
	}
}

/* Representation classes of a base type. */
enum rep { REP_NONE, REP_SINT, REP_UINT, REP_REAL, REP_BOOL, REP_STR, REP_OBJ };

static enum rep rep_of(uint32_t base)
{
	switch (base) {
	case CIM_T_SINT8:
	case CIM_T_SINT16:
	case CIM_T_SINT32:
	case CIM_T_SINT64:
		return REP_SINT;
	case CIM_T_UINT8:
	case CIM_T_UINT16:
	case CIM_T_UINT32:
	case CIM_T_UINT64:
	case CIM_T_CHAR16:
		return REP_UINT;
	case CIM_T_REAL32:
	case CIM_T_REAL64:
		return REP_REAL;
	case CIM_T_BOOLEAN:
		return REP_BOOL;
	case CIM_T_STRING:
	case CIM_T_DATETIME:
	case CIM_T_REFERENCE:
		return REP_STR;
	case CIM_T_OBJECT:
		return REP_OBJ;
	default:
		return REP_NONE;
	}
}

void cimi_value_clear(struct cim_value *v)
{
	enum rep r = rep_of(cim_type_base(v->type));

	if (!v->null) {
		if (cim_type_is_array(v->type)) {
			talloc_free(v->v.a.e.i);
		} else if (r == REP_STR) {
			talloc_free(v->v.s);
		} else if (r == REP_OBJ) {
			talloc_free(v->v.o);
		}
	}
	memset(&v->v, 0, sizeof(v->v));
	v->null = true;
}

static size_t elem_size(enum rep r)
{
	switch (r) {
	case REP_SINT:
		return sizeof(int64_t);
	case REP_UINT:
		return sizeof(uint64_t);
	case REP_REAL:
		return sizeof(double);
	case REP_BOOL:
		return sizeof(bool);
	case REP_STR:
		return sizeof(char *);
	case REP_OBJ:
		return sizeof(struct cim_object *);
	default:
		return 1;
	}
}

hresult cim_value_copy(void *mem,
                       struct cim_value *dst,
                       const struct cim_value *src)
{
	enum rep r = rep_of(cim_type_base(src->type));
	struct cim_value out = *src;

	*dst = cim_value_null(src->type);
	if (src->null) {
		return HR_OK;
	}
	if (cim_type_is_array(src->type)) {
		uint32_t n = src->v.a.n;
		void *arr = talloc_size(mem, elem_size(r) * (n ? n : 1));

		if (arr == NULL) {
			return hr_raise(HR_E_OUTOFMEMORY);
		}
		out.v.a.e.i = arr;
		if (r == REP_STR) {
			for (uint32_t i = 0; i < n; i++) {
				out.v.a.e.s[i] = talloc_strdup(arr,
				                               src->v.a.e.s[i]);
				if (out.v.a.e.s[i] == NULL) {
					goto oom_arr;
				}
			}
		} else if (r == REP_OBJ) {
			for (uint32_t i = 0; i < n; i++) {
				out.v.a.e.o[i] = cimi_object_copy(
				        arr, src->v.a.e.o[i]);
				if (out.v.a.e.o[i] == NULL) {
					goto oom_arr;
				}
			}
		} else if (n != 0) {
			memcpy(arr, src->v.a.e.i, elem_size(r) * n);
		}
		*dst = out;
		return HR_OK;
oom_arr:
		talloc_free(arr);
		return hr_raise(HR_E_OUTOFMEMORY);
	}
	if (r == REP_STR) {
		out.v.s = talloc_strdup(mem, src->v.s ? src->v.s : "");
		if (out.v.s == NULL) {
			return hr_raise(HR_E_OUTOFMEMORY);
		}
	} else if (r == REP_OBJ) {
		out.v.o = cimi_object_copy(mem, src->v.o);
		if (out.v.o == NULL) {
			return hr_raise(HR_E_OUTOFMEMORY);
		}
	}
	*dst = out;
	return HR_OK;
}

static bool real_eq(double a, double b)
{
	return a == b || (isnan(a) && isnan(b));
}

static bool elem_equal(enum rep r,
                       const struct cim_value *a,
                       const struct cim_value *b,
                       uint32_t i)
{
	switch (r) {
	case REP_SINT:
		return a->v.a.e.i[i] == b->v.a.e.i[i];
	case REP_UINT:
		return a->v.a.e.u[i] == b->v.a.e.u[i];
	case REP_REAL:
		return real_eq(a->v.a.e.r[i], b->v.a.e.r[i]);
	case REP_BOOL:
		return a->v.a.e.b[i] == b->v.a.e.b[i];
	case REP_STR:
		return strcmp(a->v.a.e.s[i], b->v.a.e.s[i]) == 0;
	case REP_OBJ:
		return cimi_object_equal(a->v.a.e.o[i], b->v.a.e.o[i]);
	default:
		return false;
	}
}

bool cim_value_equal(const struct cim_value *a, const struct cim_value *b)
{
	enum rep r = rep_of(cim_type_base(a->type));

	if (a->type != b->type || a->null != b->null) {
		return false;
	}
	if (a->null) {
		return true;
	}
	if (cim_type_is_array(a->type)) {
		if (a->v.a.n != b->v.a.n) {
			return false;
		}
		for (uint32_t i = 0; i < a->v.a.n; i++) {
			if (!elem_equal(r, a, b, i)) {
				return false;
			}
		}
		return true;
	}
	switch (r) {
	case REP_SINT:
		return a->v.i == b->v.i;
	case REP_UINT:
		return a->v.u == b->v.u;
	case REP_REAL:
		return real_eq(a->v.r, b->v.r);
	case REP_BOOL:
		return a->v.b == b->v.b;
	case REP_STR:
		return strcmp(a->v.s, b->v.s) == 0;
	case REP_OBJ:
		return cimi_object_equal(a->v.o, b->v.o);
	default:
		return true;
	}
}

/* ---- conversion ---- */

hresult cimi_parse_int(const char *s, bool *neg, uint64_t *mag)
{
	const char *p = s;
	uint64_t v = 0;
	unsigned base = 10;
	bool any = false;

	*neg = false;
	if (*p == '-' || *p == '+') {
		*neg = *p == '-';
		p++;
	}
	if (p[0] == '0' && (p[1] == 'x' || p[1] == 'X')) {
		base = 16;
		p += 2;
	}
	for (; *p != '\0'; p++) {
		unsigned d;

		if (*p >= '0' && *p <= '9') {
			d = (unsigned)(*p - '0');
		} else if (base == 16 && *p >= 'a' && *p <= 'f') {
			d = (unsigned)(*p - 'a' + 10);
		} else if (base == 16 && *p >= 'A' && *p <= 'F') {
			d = (unsigned)(*p - 'A' + 10);
		} else {
			return HR_WBEM_E_TYPE_MISMATCH;
		}
		if (v > (UINT64_MAX - d) / base) {
			return HR_WBEM_E_VALUE_OUT_OF_RANGE;
		}
		v = v * base + d;
		any = true;
	}
	if (!any) {
		return HR_WBEM_E_TYPE_MISMATCH;
	}
	*mag = v;
	if (v == 0) {
		*neg = false;
	}
	return HR_OK;
}

/* The inclusive range of an integer base type, as (min magnitude, max). */
static void int_range(uint32_t base, uint64_t *neg_max, uint64_t *pos_max)
{
	switch (base) {
	case CIM_T_SINT8:
		*neg_max = 128;
		*pos_max = 127;
		break;
	case CIM_T_SINT16:
		*neg_max = 32768;
		*pos_max = 32767;
		break;
	case CIM_T_SINT32:
		*neg_max = 2147483648u;
		*pos_max = 2147483647u;
		break;
	case CIM_T_SINT64:
		*neg_max = (uint64_t)INT64_MAX + 1;
		*pos_max = INT64_MAX;
		break;
	case CIM_T_UINT8:
		*neg_max = 0;
		*pos_max = UINT8_MAX;
		break;
	case CIM_T_UINT16:
	case CIM_T_CHAR16:
		*neg_max = 0;
		*pos_max = UINT16_MAX;
		break;
	case CIM_T_UINT32:
		*neg_max = 0;
		*pos_max = UINT32_MAX;
		break;
	default:
		*neg_max = 0;
		*pos_max = UINT64_MAX;
		break;
	}
}

/* Stores integer (neg, mag) into [dst] of integer type [base]. */
static hresult put_int(struct cim_value *dst,
                       uint32_t base,
                       bool neg,
                       uint64_t mag)
{
	uint64_t nmax;
	uint64_t pmax;

	int_range(base, &nmax, &pmax);
	if (neg ? mag > nmax : mag > pmax) {
		return HR_WBEM_E_VALUE_OUT_OF_RANGE;
	}
	if (rep_of(base) == REP_SINT) {
		dst->v.i = neg ? (int64_t)(0 - mag) : (int64_t)mag;
	} else {
		dst->v.u = mag;
	}
	return HR_OK;
}

static hresult put_real_as_int(struct cim_value *dst, uint32_t base, double r)
{
	if (!isfinite(r) || r != floor(r)) {
		return HR_WBEM_E_TYPE_MISMATCH;
	}
	if (r < -9223372036854775808.0 || r >= 18446744073709551616.0) {
		return HR_WBEM_E_VALUE_OUT_OF_RANGE;
	}
	if (r < 0) {
		return put_int(dst, base, true, (uint64_t)(-(r + 1)) + 1);
	}
	return put_int(dst, base, false, (uint64_t)r);
}

static hresult put_real(struct cim_value *dst, uint32_t base, double r)
{
	if (base == CIM_T_REAL32 && isfinite(r) && fabs(r) > FLT_MAX) {
		return HR_WBEM_E_VALUE_OUT_OF_RANGE;
	}
	dst->v.r = base == CIM_T_REAL32 ? (double)(float)r : r;
	return HR_OK;
}

static char *int_text(void *mem, const struct cim_value *s, enum rep r)
{
	if (r == REP_SINT) {
		return talloc_asprintf(mem, "%" PRId64, s->v.i);
	}
	return talloc_asprintf(mem, "%" PRIu64, s->v.u);
}

static char *real_text(void *mem, uint32_t base, double r)
{
	return talloc_asprintf(mem, base == CIM_T_REAL32 ? "%.9g" : "%.17g", r);
}

static hresult str_to_char16(struct cim_value *dst, const char *s)
{
	const char *p = s;
	int32_t cp = utf8_next(&p, s + strlen(s));

	if (cp < 0 || cp > 0xFFFF || *p != '\0' || p == s) {
		return HR_WBEM_E_TYPE_MISMATCH;
	}
	dst->v.u = (uint64_t)cp;
	return HR_OK;
}

static hresult char16_to_str(void *mem, struct cim_value *dst, uint64_t u)
{
	char tmp[5] = { 0 };
	size_t n = utf8_put(tmp, (uint32_t)u);

	if (n == 0) {
		return HR_WBEM_E_TYPE_MISMATCH;
	}
	dst->v.s = talloc_strndup(mem, tmp, n);
	return dst->v.s ? HR_OK : HR_E_OUTOFMEMORY;
}

static hresult str_to_scalar(void *mem,
                             struct cim_value *dst,
                             uint32_t base,
                             const char *s)
{
	enum rep r = rep_of(base);
	bool neg;
	uint64_t mag;
	hresult hr;

	if (base == CIM_T_CHAR16) {
		return str_to_char16(dst, s);
	}
	if (r == REP_SINT || r == REP_UINT) {
		hr = cimi_parse_int(s, &neg, &mag);
		if (hr_failed(hr)) {
			return hr;
		}
		return put_int(dst, base, neg, mag);
	}
	if (r == REP_REAL) {
		char *end = NULL;
		double d;

		errno = 0;
		d = strtod(s, &end);
		if (end == s || *end != '\0' || s[0] == ' ' || s[0] == '\t') {
			return HR_WBEM_E_TYPE_MISMATCH;
		}
		if (errno == ERANGE && isinf(d)) {
			return HR_WBEM_E_VALUE_OUT_OF_RANGE;
		}
		return put_real(dst, base, d);
	}
	if (r == REP_BOOL) {
		if (utf8_casecmp(s, "TRUE") == 0) {
			dst->v.b = true;
		} else if (utf8_casecmp(s, "FALSE") == 0) {
			dst->v.b = false;
		} else {
			return HR_WBEM_E_TYPE_MISMATCH;
		}
		return HR_OK;
	}
	if (base == CIM_T_DATETIME) {
		struct cim_datetime dt;

		if (hr_failed(cim_datetime_parse(s, &dt))) {
			return HR_WBEM_E_TYPE_MISMATCH;
		}
	} else if (base == CIM_T_REFERENCE) {
		struct objpath *p = NULL;
		void *tmp = talloc_new(mem);

		if (tmp == NULL) {
			return HR_E_OUTOFMEMORY;
		}
		hr = objpath_parse(tmp, s, &p, NULL);
		if (hr_ok(hr) && p->cls == NULL) {
			hr = HR_WBEM_E_TYPE_MISMATCH;
		}
		talloc_free(tmp);
		if (hr_eq(hr, HR_E_OUTOFMEMORY)) {
			return hr;
		}
		if (hr_failed(hr)) {
			return HR_WBEM_E_TYPE_MISMATCH;
		}
	} else if (base != CIM_T_STRING) {
		return HR_WBEM_E_TYPE_MISMATCH;
	}
	dst->v.s = talloc_strdup(mem, s);
	return dst->v.s ? HR_OK : HR_E_OUTOFMEMORY;
}

/*
 * Converts scalar [src] (not NULL) into [dst] of scalar type [base];
 * strings and objects go under [mem].  Returns a bare hresult (no raise).
 */
static hresult scalar_convert(void *mem,
                              struct cim_value *dst,
                              const struct cim_value *src,
                              uint32_t base)
{
	uint32_t sb = cim_type_base(src->type);
	enum rep sr = rep_of(sb);
	enum rep dr = rep_of(base);

	*dst = cim_value_null(base);
	dst->null = false;
	if (sb == base && sr != REP_STR && sr != REP_OBJ) {
		dst->v = src->v;
		return HR_OK;
	}
	if (sr == REP_STR) {
		if (sb == CIM_T_STRING) {
			return str_to_scalar(mem, dst, base, src->v.s);
		}
		if (base != sb && base != CIM_T_STRING) {
			return HR_WBEM_E_TYPE_MISMATCH;
		}
		dst->v.s = talloc_strdup(mem, src->v.s);
		return dst->v.s ? HR_OK : HR_E_OUTOFMEMORY;
	}
	if (sr == REP_OBJ || dr == REP_OBJ) {
		if (sr != dr) {
			return HR_WBEM_E_TYPE_MISMATCH;
		}
		dst->v.o = cimi_object_copy(mem, src->v.o);
		return dst->v.o ? HR_OK : HR_E_OUTOFMEMORY;
	}
	if (base == CIM_T_STRING) {
		if (sb == CIM_T_CHAR16) {
			return char16_to_str(mem, dst, src->v.u);
		}
		if (sr == REP_BOOL) {
			dst->v.s = talloc_strdup(mem,
			                         src->v.b ? "TRUE" : "FALSE");
		} else if (sr == REP_REAL) {
			dst->v.s = real_text(mem, sb, src->v.r);
		} else {
			dst->v.s = int_text(mem, src, sr);
		}
		return dst->v.s ? HR_OK : HR_E_OUTOFMEMORY;
	}
	if (dr == REP_STR || sr == REP_BOOL || dr == REP_BOOL) {
		return HR_WBEM_E_TYPE_MISMATCH;
	}
	if (dr == REP_REAL) {
		if (sr == REP_REAL) {
			return put_real(dst, base, src->v.r);
		}
		if (sb == CIM_T_CHAR16) {
			return HR_WBEM_E_TYPE_MISMATCH;
		}
		return put_real(dst, base,
		                sr == REP_SINT ? (double)src->v.i
		                               : (double)src->v.u);
	}
	if (sr == REP_REAL) {
		if (base == CIM_T_CHAR16) {
			return HR_WBEM_E_TYPE_MISMATCH;
		}
		return put_real_as_int(dst, base, src->v.r);
	}
	if (sr == REP_SINT && src->v.i < 0) {
		return put_int(dst, base, true, 0 - (uint64_t)src->v.i);
	}
	return put_int(dst, base, false,
	               sr == REP_SINT ? (uint64_t)src->v.i : src->v.u);
}

static void elem_get(const struct cim_value *arr,
                     uint32_t i,
                     struct cim_value *out)
{
	uint32_t base = cim_type_base(arr->type);

	*out = cim_value_null(base);
	out->null = false;
	switch (rep_of(base)) {
	case REP_SINT:
		out->v.i = arr->v.a.e.i[i];
		break;
	case REP_UINT:
		out->v.u = arr->v.a.e.u[i];
		break;
	case REP_REAL:
		out->v.r = arr->v.a.e.r[i];
		break;
	case REP_BOOL:
		out->v.b = arr->v.a.e.b[i];
		break;
	case REP_STR:
		out->v.s = arr->v.a.e.s[i];
		break;
	case REP_OBJ:
		out->v.o = arr->v.a.e.o[i];
		break;
	default:
		break;
	}
}

static void elem_put(struct cim_value *arr,
                     uint32_t i,
                     const struct cim_value *s)
{
	switch (rep_of(cim_type_base(arr->type))) {
	case REP_SINT:
		arr->v.a.e.i[i] = s->v.i;
		break;
	case REP_UINT:
		arr->v.a.e.u[i] = s->v.u;
		break;
	case REP_REAL:
		arr->v.a.e.r[i] = s->v.r;
		break;
	case REP_BOOL:
		arr->v.a.e.b[i] = s->v.b;
		break;
	case REP_STR:
		arr->v.a.e.s[i] = s->v.s;
		break;
	case REP_OBJ:
		arr->v.a.e.o[i] = s->v.o;
		break;
	default:
		break;
	}
}

hresult cim_value_convert(void *mem,
                          struct cim_value *dst,
                          const struct cim_value *src,
                          uint32_t type)
{
	uint32_t base = cim_type_base(type);
	struct cim_value out = cim_value_null(type);
	hresult hr = HR_OK;

	*dst = cim_value_null(type);
	if (!cim_type_valid(type)) {
		return hr_raise(HR_WBEM_E_TYPE_MISMATCH);
	}
	if (src->null) {
		return HR_OK;
	}
	if (cim_type_is_array(type) != cim_type_is_array(src->type) ||
	    rep_of(cim_type_base(src->type)) == REP_NONE) {
		return hr_raise(HR_WBEM_E_TYPE_MISMATCH);
	}
	if (!cim_type_is_array(type)) {
		hr = scalar_convert(mem, &out, src, base);
		if (hr_failed(hr)) {
			return hr_raise(hr);
		}
		out.type = type;
		*dst = out;
		return HR_OK;
	}
	uint32_t n = src->v.a.n;
	void *arr = talloc_zero_size(mem,
	                             elem_size(rep_of(base)) * (n ? n : 1));

	if (arr == NULL) {
		return hr_raise(HR_E_OUTOFMEMORY);
	}
	out.null = false;
	out.v.a.n = n;
	out.v.a.e.i = arr;
	for (uint32_t i = 0; i < n; i++) {
		struct cim_value e;
		struct cim_value c;

		elem_get(src, i, &e);
		hr = scalar_convert(arr, &c, &e, base);
		if (hr_failed(hr)) {
			talloc_free(arr);
			return hr_raise(hr);
		}
		elem_put(&out, i, &c);
	}
	*dst = out;
	return HR_OK;
}

/* ---- text form ---- */

static hresult add_quoted(struct buf *b, const char *s, char q)
{
	buf_addch(b, q);
	for (const char *p = s; *p != '\0'; p++) {
		unsigned char c = (unsigned char)*p;

		switch (c) {
		case '\\':
			buf_addstr(b, "\\\\");
			break;
		case '\n':
			buf_addstr(b, "\\n");
			break;
		case '\t':
			buf_addstr(b, "\\t");
			break;
		case '\r':
			buf_addstr(b, "\\r");
			break;
		case '\b':
			buf_addstr(b, "\\b");
			break;
		case '\f':
			buf_addstr(b, "\\f");
			break;
		default:
			if (c == (unsigned char)q) {
				buf_addch(b, '\\');
				buf_addch(b, (char)c);
			} else if (c < 0x20 || c == 0x7F) {
				buf_addf(b, "\\x%02X", c);
			} else {
				buf_addch(b, (char)c);
			}
			break;
		}
	}
	return buf_addch(b, q);
}

static hresult format_object(struct buf *b, const struct cim_object *o)
{
	const struct cim_class *cls;
	const struct cim_instance *inst;

	if (o == NULL) {
		return buf_addstr(b, "NULL");
	}
	if (o->is_class) {
		cls = o->u.cls;
		buf_addf(b, "class %s", cls->name);
		if (cls->superclass != NULL) {
			buf_addf(b, " : %s", cls->superclass);
		}
		buf_addstr(b, " {");
		for (uint32_t i = 0; i < cls->n_props; i++) {
			const struct cim_property *p = &cls->props[i];

			buf_addf(b, " %s %s", cim_type_name(p->type), p->name);
			if (cim_type_is_array(p->type)) {
				buf_addstr(b, "[]");
			}
			if (!p->value.null) {
				buf_addstr(b, " = ");
				cim_value_format(b, &p->value, true);
			}
			buf_addch(b, ';');
		}
		return buf_addstr(b, " }");
	}
	inst = o->u.inst;
	buf_addf(b, "instance of %s {", inst->cls->name);
	for (uint32_t i = 0; i < inst->cls->n_props; i++) {
		if (inst->values[i].null) {
			continue;
		}
		buf_addf(b, " %s = ", inst->cls->props[i].name);
		cim_value_format(b, &inst->values[i], true);
		buf_addch(b, ';');
	}
	return buf_addstr(b, " }");
}

static hresult format_scalar(struct buf *b,
                             const struct cim_value *s,
                             bool quoted)
{
	uint32_t base = cim_type_base(s->type);

	switch (rep_of(base)) {
	case REP_SINT:
		return buf_addf(b, "%" PRId64, s->v.i);
	case REP_UINT:
		if (base == CIM_T_CHAR16) {
			char tmp[5] = { 0 };

			if (utf8_put(tmp, (uint32_t)s->v.u) == 0) {
				return buf_addf(b, "%" PRIu64, s->v.u);
			}
			return quoted ? add_quoted(b, tmp, '\'')
			              : buf_addstr(b, tmp);
		}
		return buf_addf(b, "%" PRIu64, s->v.u);
	case REP_REAL:
		return buf_addf(b, base == CIM_T_REAL32 ? "%.9g" : "%.17g",
		                s->v.r);
	case REP_BOOL:
		return buf_addstr(b, s->v.b ? "TRUE" : "FALSE");
	case REP_STR:
		return quoted ? add_quoted(b, s->v.s, '"')
		              : buf_addstr(b, s->v.s);
	case REP_OBJ:
		return format_object(b, s->v.o);
	default:
		return buf_addstr(b, "?");
	}
}

hresult cim_value_format(struct buf *b, const struct cim_value *v, bool quoted)
{
	if (v->null) {
		buf_addstr(b, "NULL");
		return b->error;
	}
	if (!cim_type_is_array(v->type)) {
		format_scalar(b, v, quoted);
		return b->error;
	}
	buf_addch(b, '{');
	for (uint32_t i = 0; i < v->v.a.n; i++) {
		struct cim_value e;

		elem_get(v, i, &e);
		if (i != 0) {
			buf_addstr(b, ", ");
		}
		format_scalar(b, &e, quoted);
	}
	buf_addch(b, '}');
	return b->error;
}
