/*
 * value: MOF literals to CIM values (mof layer, internal; DSP0221 7.6
 * value syntax, DSP0004 5.2 types).
 *
 * A literal keeps its lexical kind (integer with sign and magnitude,
 * real, string, char16, boolean, null, array) until a type is known; the
 * conversion checks ranges exactly (no double rounding for 64-bit
 * integers) and validates datetimes and references.
 */
#include "mof/mof-int.h"

#include <float.h>
#include <math.h>
#include <string.h>
#include <talloc.h>

#include "base/utf.h"
#include "cim/datetime.h"
#include "cim/objpath.h"

static hresult val_err(struct errinfo *ei,
                       const struct mof_val *v,
                       hresult hr,
                       const char *what,
                       uint32_t type)
{
	const char *tn = cim_type_name(type);

	return mof_err_at(ei, hr, v->pos.file, v->pos.line, v->pos.col, 0,
	                  "%s for type %s%s", what, tn ? tn : "?",
	                  cim_type_is_array(type) ? "[]" : "");
}

static const char *kind_name(enum mof_val_kind k)
{
	switch (k) {
	case MOF_V_NULL:
		return "null";
	case MOF_V_INT:
		return "integer";
	case MOF_V_REAL:
		return "real";
	case MOF_V_STRING:
		return "string";
	case MOF_V_CHAR16:
		return "char16";
	case MOF_V_BOOL:
		return "boolean";
	case MOF_V_ALIAS:
		return "alias";
	case MOF_V_INSTANCE:
		return "embedded instance";
	case MOF_V_ARRAY:
		return "array";
	}
	return "value";
}

static hresult mismatch(struct errinfo *ei,
                        const struct mof_val *v,
                        uint32_t type)
{
	char what[64];

	snprintf(what, sizeof(what), "type mismatch: %s value",
	         kind_name(v->kind));
	return val_err(ei, v, HR_WBEM_E_TYPE_MISMATCH, what, type);
}

/* Checks an integer literal against a signed or unsigned range. */
static bool int_fits(const struct mof_val *v, uint32_t base)
{
	uint64_t smax, umax;

	switch (base) {
	case CIM_T_SINT8:
		smax = INT8_MAX;
		break;
	case CIM_T_SINT16:
		smax = INT16_MAX;
		break;
	case CIM_T_SINT32:
		smax = INT32_MAX;
		break;
	case CIM_T_SINT64:
		smax = INT64_MAX;
		break;
	case CIM_T_UINT8:
		umax = UINT8_MAX;
		goto unsigned_;
	case CIM_T_UINT16:
	case CIM_T_CHAR16:
		umax = UINT16_MAX;
		goto unsigned_;
	case CIM_T_UINT32:
		umax = UINT32_MAX;
		goto unsigned_;
	case CIM_T_UINT64:
		umax = UINT64_MAX;
		goto unsigned_;
	default:
		return false;
	}
	/* signed: -(smax+1) .. smax */
	return v->neg ? v->u <= smax + 1 : v->u <= smax;
unsigned_:
	return !v->neg && v->u <= umax;
}

static bool type_is_signed(uint32_t base)
{
	return base == CIM_T_SINT8 || base == CIM_T_SINT16 ||
	       base == CIM_T_SINT32 || base == CIM_T_SINT64;
}

static bool type_is_unsigned(uint32_t base)
{
	return base == CIM_T_UINT8 || base == CIM_T_UINT16 ||
	       base == CIM_T_UINT32 || base == CIM_T_UINT64;
}

/*
 * Converts scalar literal [v] to [base]; writes into the union members
 * [i], [u], [r], [b], [s] as the type needs.
 */
static hresult scalar(void *mem,
                      const struct mof_val *v,
                      uint32_t base,
                      int64_t *i,
                      uint64_t *u,
                      double *r,
                      bool *b,
                      char **s,
                      struct errinfo *ei)
{
	switch (v->kind) {
	case MOF_V_INT:
		if (type_is_signed(base) || type_is_unsigned(base) ||
		    base == CIM_T_CHAR16) {
			if (!int_fits(v, base)) {
				return val_err(ei, v,
				               HR_WBEM_E_VALUE_OUT_OF_RANGE,
				               "integer out of range", base);
			}
			if (type_is_signed(base)) {
				*i = v->neg ? (int64_t)(0 - v->u)
				            : (int64_t)v->u;
			} else {
				*u = v->u;
			}
			return HR_OK;
		}
		if (base == CIM_T_REAL32 || base == CIM_T_REAL64) {
			*r = v->neg ? -(double)v->u : (double)v->u;
			return HR_OK;
		}
		return mismatch(ei, v, base);
	case MOF_V_REAL:
		if (base == CIM_T_REAL64) {
			*r = v->r;
			return HR_OK;
		}
		if (base == CIM_T_REAL32) {
			if (fabs(v->r) > FLT_MAX) {
				return val_err(ei, v,
				               HR_WBEM_E_VALUE_OUT_OF_RANGE,
				               "real out of range", base);
			}
			*r = (double)(float)v->r;
			return HR_OK;
		}
		return mismatch(ei, v, base);
	case MOF_V_BOOL:
		if (base != CIM_T_BOOLEAN) {
			return mismatch(ei, v, base);
		}
		*b = v->b;
		return HR_OK;
	case MOF_V_CHAR16:
		if (base == CIM_T_CHAR16) {
			*u = v->u;
			return HR_OK;
		}
		if (base == CIM_T_STRING) {
			char enc[5] = { 0 };

			if (utf8_put(enc, (uint32_t)v->u) == 0) {
				return mismatch(ei, v, base);
			}
			*s = talloc_strdup(mem, enc);
			return *s ? HR_OK : HR_E_OUTOFMEMORY;
		}
		return mismatch(ei, v, base);
	case MOF_V_STRING:
		if (base == CIM_T_STRING) {
			*s = talloc_strdup(mem, v->s);
			return *s ? HR_OK : HR_E_OUTOFMEMORY;
		}
		if (base == CIM_T_DATETIME) {
			struct cim_datetime dt;

			if (hr_failed(cim_datetime_parse(v->s, &dt))) {
				return val_err(
				        ei, v, HR_WBEM_E_INVALID_PARAMETER,
				        "malformed datetime value", base);
			}
			*s = talloc_strdup(mem, v->s);
			return *s ? HR_OK : HR_E_OUTOFMEMORY;
		}
		if (base == CIM_T_REFERENCE) {
			struct objpath *op = NULL;
			hresult hr = objpath_parse(mem, v->s, &op, NULL);

			if (hr_eq(hr, HR_E_OUTOFMEMORY)) {
				return hr;
			}
			talloc_free(op);
			if (hr_failed(hr)) {
				return val_err(ei, v,
				               HR_WBEM_E_INVALID_OBJECT_PATH,
				               "malformed object path", base);
			}
			*s = talloc_strdup(mem, v->s);
			return *s ? HR_OK : HR_E_OUTOFMEMORY;
		}
		if (base == CIM_T_CHAR16) {
			const char *p = v->s;
			int32_t cp = utf8_next(&p, v->s + strlen(v->s));

			if (cp < 0 || cp > 0xFFFF || *p != '\0') {
				return mismatch(ei, v, base);
			}
			*u = (uint64_t)cp;
			return HR_OK;
		}
		return mismatch(ei, v, base);
	default:
		return mismatch(ei, v, base);
	}
}

static hresult alloc_array(void *mem,
                           struct cim_value *out,
                           uint32_t base,
                           uint32_t n)
{
	size_t cnt = n ? n : 1;

	out->v.a.n = n;
	switch (base) {
	case CIM_T_SINT8:
	case CIM_T_SINT16:
	case CIM_T_SINT32:
	case CIM_T_SINT64:
		out->v.a.e.i = talloc_zero_array(mem, int64_t, cnt);
		return out->v.a.e.i ? HR_OK : HR_E_OUTOFMEMORY;
	case CIM_T_UINT8:
	case CIM_T_UINT16:
	case CIM_T_UINT32:
	case CIM_T_UINT64:
	case CIM_T_CHAR16:
		out->v.a.e.u = talloc_zero_array(mem, uint64_t, cnt);
		return out->v.a.e.u ? HR_OK : HR_E_OUTOFMEMORY;
	case CIM_T_REAL32:
	case CIM_T_REAL64:
		out->v.a.e.r = talloc_zero_array(mem, double, cnt);
		return out->v.a.e.r ? HR_OK : HR_E_OUTOFMEMORY;
	case CIM_T_BOOLEAN:
		out->v.a.e.b = talloc_zero_array(mem, bool, cnt);
		return out->v.a.e.b ? HR_OK : HR_E_OUTOFMEMORY;
	case CIM_T_OBJECT:
		out->v.a.e.o = talloc_zero_array(mem, struct cim_object *, cnt);
		return out->v.a.e.o ? HR_OK : HR_E_OUTOFMEMORY;
	default:
		out->v.a.e.s = talloc_zero_array(mem, char *, cnt);
		return out->v.a.e.s ? HR_OK : HR_E_OUTOFMEMORY;
	}
}

hresult mof_val_to_cim(void *mem,
                       const struct mof_val *v,
                       uint32_t type,
                       struct cim_value *out,
                       struct errinfo *ei)
{
	uint32_t base = cim_type_base(type);
	struct cim_value r = { .type = type, .null = false };
	hresult hr = HR_OK;

	if (v->kind == MOF_V_NULL) {
		*out = cim_value_null(type);
		return HR_OK;
	}
	if (v->kind == MOF_V_ALIAS || v->kind == MOF_V_INSTANCE) {
		return mismatch(ei, v, type);
	}
	if (!cim_type_is_array(type)) {
		if (v->kind == MOF_V_ARRAY) {
			return mof_err_at(ei, HR_WBEM_E_TYPE_MISMATCH,
			                  v->pos.file, v->pos.line, v->pos.col,
			                  0,
			                  "type mismatch: array value for a "
			                  "non-array type");
		}
		hr = scalar(mem, v, base, &r.v.i, &r.v.u, &r.v.r, &r.v.b,
		            &r.v.s, ei);
		if (hr_failed(hr)) {
			return hr;
		}
		*out = r;
		return HR_OK;
	}
	/* A scalar for an array type is a one-element array. */
	{
		const struct mof_val *el = v->kind == MOF_V_ARRAY ? v->a : v;
		uint32_t n = v->kind == MOF_V_ARRAY ? v->n : 1;

		if (hr_failed(hr = alloc_array(mem, &r, base, n))) {
			return hr;
		}
		for (uint32_t k = 0; k < n; k++) {
			int64_t ti = 0;
			uint64_t tu = 0;
			double tr = 0;
			bool tb = false;
			char *ts = NULL;

			if (el[k].kind == MOF_V_NULL) {
				talloc_free(r.v.a.e.s);
				return mof_err_at(
				        ei, HR_WBEMMOF_E_NULL_ARRAY_ELEM,
				        el[k].pos.file, el[k].pos.line,
				        el[k].pos.col, 0,
				        "null element in array value");
			}
			if (el[k].kind == MOF_V_ALIAS ||
			    el[k].kind == MOF_V_INSTANCE) {
				talloc_free(r.v.a.e.s);
				return mismatch(ei, &el[k], type);
			}
			hr = scalar(r.v.a.e.s, &el[k], base, &ti, &tu, &tr, &tb,
			            &ts, ei);
			if (hr_failed(hr)) {
				talloc_free(r.v.a.e.s);
				return hr;
			}
			switch (base) {
			case CIM_T_SINT8:
			case CIM_T_SINT16:
			case CIM_T_SINT32:
			case CIM_T_SINT64:
				r.v.a.e.i[k] = ti;
				break;
			case CIM_T_UINT8:
			case CIM_T_UINT16:
			case CIM_T_UINT32:
			case CIM_T_UINT64:
			case CIM_T_CHAR16:
				r.v.a.e.u[k] = tu;
				break;
			case CIM_T_REAL32:
			case CIM_T_REAL64:
				r.v.a.e.r[k] = tr;
				break;
			case CIM_T_BOOLEAN:
				r.v.a.e.b[k] = tb;
				break;
			default:
				r.v.a.e.s[k] = ts;
				break;
			}
		}
	}
	*out = r;
	return HR_OK;
}

static uint32_t natural_type(const struct mof_val *v)
{
	switch (v->kind) {
	case MOF_V_INT:
		if (v->neg) {
			return v->u <= (uint64_t)INT32_MAX + 1 ? CIM_T_SINT32
			                                       : CIM_T_SINT64;
		}
		if (v->u <= INT32_MAX) {
			return CIM_T_SINT32;
		}
		return v->u <= INT64_MAX ? CIM_T_SINT64 : CIM_T_UINT64;
	case MOF_V_REAL:
		return CIM_T_REAL64;
	case MOF_V_CHAR16:
		return CIM_T_CHAR16;
	case MOF_V_BOOL:
		return CIM_T_BOOLEAN;
	default:
		return CIM_T_STRING;
	}
}

hresult mof_val_to_cim_natural(void *mem,
                               const struct mof_val *v,
                               struct cim_value *out,
                               struct errinfo *ei)
{
	uint32_t type;

	if (v->kind == MOF_V_NULL) {
		/* An untyped NULL: WMI gives such qualifiers type string. */
		*out = cim_value_null(CIM_T_STRING);
		return HR_OK;
	}
	if (v->kind == MOF_V_ARRAY) {
		uint32_t base = CIM_T_STRING;

		if (v->n > 0) {
			base = natural_type(&v->a[0]);
			/* Widen integer arrays to hold every element. */
			for (uint32_t k = 1; k < v->n; k++) {
				uint32_t t = natural_type(&v->a[k]);

				if (t == CIM_T_SINT64 && base == CIM_T_SINT32) {
					base = t;
				} else if (t == CIM_T_REAL64 &&
				           (base == CIM_T_SINT32 ||
				            base == CIM_T_SINT64)) {
					base = t;
				}
			}
		}
		type = base | CIM_FLAG_ARRAY;
	} else {
		type = natural_type(v);
	}
	return mof_val_to_cim(mem, v, type, out, ei);
}
