/*
 * eval: binding a query to a class, evaluating WHERE on instances and
 * classes, and the planning helpers (wql layer; reference section 7.2).
 *
 * Comparison semantics:
 *  - strings (string, reference, datetime under LIKE) compare
 *    case-insensitively by folded code point;
 *  - numbers compare exactly across signed and unsigned, and as doubles
 *    when either side is real; a string literal is read as a number of
 *    the property's type; TRUE is -1 and FALSE 0;
 *  - booleans take only = and <>; 0 is FALSE and any other number TRUE;
 *  - datetimes compare by instant (timestamps) or length (intervals); a
 *    value that does not parse, or holds asterisks, matches nothing;
 *  - a NULL or missing value fails every comparison but IS NULL, and NOT
 *    simply negates (two-valued logic).
 *
 * Evaluation allocates nothing unless a condition names a computed system
 * property (__PATH, __RELPATH, __DERIVATION, __SERVER, __NAMESPACE); then
 * one temporary talloc context per wql_eval call holds the values.
 */
#include "wql/wql.h"

#include <inttypes.h>
#include <math.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <talloc.h>

#include "base/utf.h"
#include "cim/datetime.h"
#include "wql/wql-int.h"

/* ---- literal preparation ---------------------------------------------- */

static bool is_int_type(uint32_t b)
{
	return b == CIM_T_SINT8 || b == CIM_T_SINT16 || b == CIM_T_SINT32 ||
	       b == CIM_T_SINT64 || b == CIM_T_UINT8 || b == CIM_T_UINT16 ||
	       b == CIM_T_UINT32 || b == CIM_T_UINT64;
}

static bool is_real_type(uint32_t b)
{
	return b == CIM_T_REAL32 || b == CIM_T_REAL64;
}

static bool is_signed_type(uint32_t b)
{
	return b == CIM_T_SINT8 || b == CIM_T_SINT16 || b == CIM_T_SINT32 ||
	       b == CIM_T_SINT64;
}

/* Parses a whole-string integer (decimal or 0x hex, optional sign). */
static bool parse_int_text(const char *s, struct wql_prep *out)
{
	bool neg = false;
	uint64_t u = 0;
	int base = 10;

	if (*s == '-' || *s == '+') {
		neg = *s == '-';
		s++;
	}
	if (s[0] == '0' && (s[1] == 'x' || s[1] == 'X')) {
		base = 16;
		s += 2;
	}
	if (*s == '\0') {
		return false;
	}
	for (; *s != '\0'; s++) {
		unsigned d;

		if (*s >= '0' && *s <= '9') {
			d = (unsigned)(*s - '0');
		} else if (base == 16 && *s >= 'a' && *s <= 'f') {
			d = (unsigned)(*s - 'a' + 10);
		} else if (base == 16 && *s >= 'A' && *s <= 'F') {
			d = (unsigned)(*s - 'A' + 10);
		} else {
			return false;
		}
		if (u > (UINT64_MAX - d) / (unsigned)base) {
			return false;
		}
		u = u * (unsigned)base + d;
	}
	if (!neg && u > (uint64_t)INT64_MAX) {
		out->kind = WQL_P_UINT;
		out->u = u;
	} else if (!neg) {
		out->kind = WQL_P_INT;
		out->i = (int64_t)u;
	} else if (u <= (uint64_t)INT64_MAX + 1) {
		out->kind = WQL_P_INT;
		out->i = (int64_t)(0 - u);
	} else {
		return false;
	}
	return true;
}

/* Parses a whole-string decimal real. */
static bool parse_real_text(const char *s, struct wql_prep *out)
{
	char *end = NULL;

	if (*s == '\0' || strspn(s, "0123456789+-.eE") != strlen(s)) {
		return false;
	}
	out->r = strtod(s, &end);
	if (end == NULL || *end != '\0') {
		return false;
	}
	out->kind = WQL_P_REAL;
	return true;
}

static bool digits(const char *s, int n, int32_t *out)
{
	int32_t v = 0;

	for (int k = 0; k < n; k++) {
		if (s[k] < '0' || s[k] > '9') {
			return false;
		}
		v = v * 10 + (s[k] - '0');
	}
	*out = v;
	return true;
}

/*
 * Reads a readable datetime "YYYY-MM-DD[( |T)HH:MM[:SS[.ffffff]]]" as UTC.
 * NEEDSWORK: Windows reads this form in the server's locale and time
 * zone; OpenWMI takes ISO order and UTC until a locale setting exists.
 */
static bool parse_readable_dt(const char *s, struct cim_datetime *dt)
{
	size_t n = strlen(s);

	memset(dt, 0, sizeof(*dt));
	if (n < 10 || !digits(s, 4, &dt->year) || s[4] != '-' ||
	    !digits(s + 5, 2, &dt->month) || s[7] != '-' ||
	    !digits(s + 8, 2, &dt->day)) {
		return false;
	}
	s += 10;
	if (*s == ' ' || *s == 'T') {
		if (!digits(s + 1, 2, &dt->hour) || s[3] != ':' ||
		    !digits(s + 4, 2, &dt->minute)) {
			return false;
		}
		s += 6;
		if (*s == ':') {
			if (!digits(s + 1, 2, &dt->second)) {
				return false;
			}
			s += 3;
			if (*s == '.') {
				int k = 0;

				s++;
				while (k < 6 && *s >= '0' && *s <= '9') {
					dt->usec = dt->usec * 10 + (*s++ - '0');
					k++;
				}
				if (k == 0) {
					return false;
				}
				for (; k < 6; k++) {
					dt->usec *= 10;
				}
			}
		}
	}
	return *s == '\0' && dt->month >= 1 && dt->month <= 12 &&
	       dt->day >= 1 && dt->day <= 31 && dt->hour < 24 &&
	       dt->minute < 60 && dt->second < 62;
}

static bool parse_dt_literal(const char *s, struct wql_prep *out)
{
	struct cim_datetime dt;

	if (strlen(s) == 25) {
		if (hr_failed(cim_datetime_parse(s, &dt))) {
			return false;
		}
	} else if (!parse_readable_dt(s, &dt)) {
		return false;
	}
	if (!cim_datetime_to_usec(&dt, &out->dt)) {
		return false;
	}
	out->dt_interval = dt.interval;
	out->kind = WQL_P_DT;
	return true;
}

static hresult prep_number(uint32_t b,
                           const struct cim_value *lit,
                           struct wql_prep *out,
                           const char **msg)
{
	switch (lit->type) {
	case CIM_T_SINT64:
		out->kind = WQL_P_INT;
		out->i = lit->v.i;
		return HR_OK;
	case CIM_T_UINT64:
		out->kind = WQL_P_UINT;
		out->u = lit->v.u;
		return HR_OK;
	case CIM_T_REAL64:
		out->kind = WQL_P_REAL;
		out->r = lit->v.r;
		return HR_OK;
	case CIM_T_BOOLEAN:
		out->kind = WQL_P_INT;
		out->i = lit->v.b ? -1 : 0;
		return HR_OK;
	case CIM_T_STRING:
		if (b == CIM_T_CHAR16) {
			const char *p = lit->v.s;
			uint32_t cp = wql_utf8_get(&p);

			if (cp != 0 && *p == '\0') {
				out->kind = WQL_P_UINT;
				out->u = cp;
				return HR_OK;
			}
			*msg = "a char16 compares with one character or a number";
			return hr_raise(HR_WBEM_E_INVALID_QUERY);
		}
		if (parse_int_text(lit->v.s, out) ||
		    (is_real_type(b) && parse_real_text(lit->v.s, out))) {
			return HR_OK;
		}
		*msg = "the string does not convert to the property's "
		       "number type";
		return hr_raise(HR_WBEM_E_INVALID_QUERY);
	default:
		*msg = "invalid constant";
		return hr_raise(HR_WBEM_E_INVALID_QUERY);
	}
}

static hresult prep_bool(const struct cim_value *lit,
                         enum wql_op op,
                         struct wql_prep *out,
                         const char **msg)
{
	out->kind = WQL_P_BOOL;
	if (op != WQL_OP_EQ && op != WQL_OP_NE) {
		*msg = "a boolean can only be compared with =, <> or !=";
		return hr_raise(HR_WBEM_E_INVALID_QUERY);
	}
	switch (lit->type) {
	case CIM_T_BOOLEAN:
		out->b = lit->v.b;
		return HR_OK;
	case CIM_T_SINT64:
		out->b = lit->v.i != 0;
		return HR_OK;
	case CIM_T_UINT64:
		out->b = lit->v.u != 0;
		return HR_OK;
	case CIM_T_REAL64:
		out->b = lit->v.r != 0.0;
		return HR_OK;
	case CIM_T_STRING:
		if (utf8_casecmp(lit->v.s, "TRUE") == 0 ||
		    strcmp(lit->v.s, "1") == 0 || strcmp(lit->v.s, "-1") == 0) {
			out->b = true;
			return HR_OK;
		}
		if (utf8_casecmp(lit->v.s, "FALSE") == 0 ||
		    strcmp(lit->v.s, "0") == 0) {
			out->b = false;
			return HR_OK;
		}
		break;
	default:
		break;
	}
	*msg = "a boolean compares with TRUE, FALSE, 1 or 0";
	return hr_raise(HR_WBEM_E_INVALID_QUERY);
}

static hresult prep_string(const struct cim_value *lit,
                           struct wql_prep *out,
                           const char **msg)
{
	out->kind = WQL_P_STR;
	out->s = out->numbuf;
	switch (lit->type) {
	case CIM_T_STRING:
		out->s = lit->v.s;
		return HR_OK;
	case CIM_T_SINT64:
		snprintf(out->numbuf, sizeof(out->numbuf), "%" PRId64,
		         lit->v.i);
		return HR_OK;
	case CIM_T_UINT64:
		snprintf(out->numbuf, sizeof(out->numbuf), "%" PRIu64,
		         lit->v.u);
		return HR_OK;
	case CIM_T_REAL64:
		snprintf(out->numbuf, sizeof(out->numbuf), "%.17g", lit->v.r);
		return HR_OK;
	case CIM_T_BOOLEAN:
		snprintf(out->numbuf, sizeof(out->numbuf), "%s",
		         lit->v.b ? "TRUE" : "FALSE");
		return HR_OK;
	default:
		*msg = "invalid constant";
		return hr_raise(HR_WBEM_E_INVALID_QUERY);
	}
}

hresult wql_prep_literal(uint32_t type,
                         const struct cim_value *lit,
                         enum wql_op op,
                         struct wql_prep *out,
                         const char **msg)
{
	uint32_t b = cim_type_base(type);

	memset(out, 0, offsetof(struct wql_prep, numbuf));
	out->numbuf[0] = '\0';
	if (op == WQL_OP_IS_NULL || op == WQL_OP_IS_NOT_NULL) {
		return HR_OK;
	}
	if (cim_type_is_array(type)) {
		*msg = "an array can only be tested with IS NULL";
		return hr_raise(HR_WBEM_E_INVALID_QUERY);
	}
	if (op == WQL_OP_ISA) {
		if (b == CIM_T_OBJECT) {
			return HR_OK;
		}
		*msg = "ISA needs an embedded object property";
		return hr_raise(HR_WBEM_E_INVALID_QUERY);
	}
	if (b == CIM_T_OBJECT) {
		*msg = "an embedded object can only be tested with ISA or "
		       "IS NULL";
		return hr_raise(HR_WBEM_E_INVALID_QUERY);
	}
	if (op == WQL_OP_LIKE || op == WQL_OP_NOT_LIKE) {
		if (b == CIM_T_STRING || b == CIM_T_DATETIME ||
		    b == CIM_T_REFERENCE || b == CIM_T_CHAR16) {
			out->kind = WQL_P_STR;
			out->s = lit->v.s;
			return HR_OK;
		}
		*msg = "LIKE needs a string property";
		return hr_raise(HR_WBEM_E_INVALID_QUERY);
	}
	if (is_int_type(b) || is_real_type(b) || b == CIM_T_CHAR16) {
		return prep_number(b, lit, out, msg);
	}
	switch (b) {
	case CIM_T_BOOLEAN:
		return prep_bool(lit, op, out, msg);
	case CIM_T_STRING:
	case CIM_T_REFERENCE:
		return prep_string(lit, out, msg);
	case CIM_T_DATETIME:
		if (lit->type == CIM_T_STRING &&
		    parse_dt_literal(lit->v.s, out)) {
			return HR_OK;
		}
		*msg = "a datetime compares with a quoted DMTF datetime or "
		       "'YYYY-MM-DD HH:MM:SS'";
		return hr_raise(HR_WBEM_E_INVALID_QUERY);
	default:
		*msg = "values of this type cannot be compared";
		return hr_raise(HR_WBEM_E_INVALID_QUERY);
	}
}

/* ---- comparison -------------------------------------------------------- */

/* Result of a three-way comparison; UNORDERED fails every operator. */
#define UNORDERED 2

static bool rel(int r, enum wql_op op)
{
	if (r == UNORDERED) {
		return false;
	}
	switch (op) {
	case WQL_OP_EQ:
		return r == 0;
	case WQL_OP_NE:
		return r != 0;
	case WQL_OP_LT:
		return r < 0;
	case WQL_OP_GT:
		return r > 0;
	case WQL_OP_LE:
		return r <= 0;
	case WQL_OP_GE:
		return r >= 0;
	default:
		return false;
	}
}

struct num {
	enum wql_prep_kind kind; /* INT, UINT or REAL */
	int64_t i;
	uint64_t u;
	double r;
};

static double num_real(const struct num *n)
{
	switch (n->kind) {
	case WQL_P_INT:
		return (double)n->i;
	case WQL_P_UINT:
		return (double)n->u;
	default:
		return n->r;
	}
}

static int num_cmp(const struct num *a, const struct num *b)
{
	if (a->kind == WQL_P_REAL || b->kind == WQL_P_REAL) {
		double x = num_real(a), y = num_real(b);

		if (x != x || y != y) {
			return UNORDERED;
		}
		return x < y ? -1 : x > y ? 1 : 0;
	}
	if (a->kind == WQL_P_INT && b->kind == WQL_P_INT) {
		return a->i < b->i ? -1 : a->i > b->i ? 1 : 0;
	}
	if (a->kind == WQL_P_UINT && b->kind == WQL_P_UINT) {
		return a->u < b->u ? -1 : a->u > b->u ? 1 : 0;
	}
	if (a->kind == WQL_P_INT) {
		if (a->i < 0) {
			return -1;
		}
		return (uint64_t)a->i < b->u   ? -1
		       : (uint64_t)a->i > b->u ? 1
		                               : 0;
	}
	if (b->i < 0) {
		return 1;
	}
	return a->u < (uint64_t)b->i ? -1 : a->u > (uint64_t)b->i ? 1 : 0;
}

static bool value_num(const struct cim_value *v, struct num *n)
{
	uint32_t b = cim_type_base(v->type);

	if (is_signed_type(b)) {
		n->kind = WQL_P_INT;
		n->i = v->v.i;
	} else if (is_int_type(b) || b == CIM_T_CHAR16) {
		n->kind = WQL_P_UINT;
		n->u = v->v.u;
	} else if (is_real_type(b)) {
		n->kind = WQL_P_REAL;
		n->r = v->v.r;
	} else {
		return false;
	}
	return true;
}

/* The text of a string-like value; char16 is encoded into [tmp]. */
static const char *value_text(const struct cim_value *v, char tmp[8])
{
	if (cim_type_base(v->type) == CIM_T_CHAR16) {
		size_t n = utf8_put(tmp, (uint32_t)v->v.u);

		tmp[n] = '\0';
		return tmp;
	}
	return v->v.s != NULL ? v->v.s : "";
}

static bool compare(const struct cim_value *v,
                    const struct wql_cmp *c,
                    const struct wql_prep *p)
{
	char tmp[8];
	struct cim_datetime dt;
	int64_t usec;

	if (c->op == WQL_OP_LIKE || c->op == WQL_OP_NOT_LIKE) {
		const char *text = value_text(v, tmp);
		bool m = c->like != NULL ? wql_like_match(c->like, text)
		                         : wql_like(text, c->lit.v.s);

		return c->op == WQL_OP_LIKE ? m : !m;
	}
	switch (p->kind) {
	case WQL_P_BOOL:
		return c->op == WQL_OP_EQ ? v->v.b == p->b : v->v.b != p->b;
	case WQL_P_STR:
		return rel(wql_strcasecmp(value_text(v, tmp), p->s), c->op);
	case WQL_P_DT:
		if (v->v.s == NULL ||
		    hr_failed(cim_datetime_parse(v->v.s, &dt)) ||
		    dt.interval != p->dt_interval ||
		    !cim_datetime_to_usec(&dt, &usec)) {
			return false;
		}
		return rel(usec < p->dt ? -1 : usec > p->dt ? 1 : 0, c->op);
	default: {
		struct num a, b = {
			.kind = p->kind, .i = p->i, .u = p->u, .r = p->r
		};

		if (!value_num(v, &a)) {
			return false;
		}
		return rel(num_cmp(&a, &b), c->op);
	}
	}
}

/* ---- value lookup ------------------------------------------------------ */

struct ev {
	const char *server, *ns; /* for the top object's system properties */
	void *tmp;               /* computed system properties, lazily made */
};

static bool is_a(const struct cim_class *cls, const char *name)
{
	if (cls == NULL || name == NULL) {
		return false;
	}
	if (wql_strcasecmp(cls->name, name) == 0) {
		return true;
	}
	for (uint32_t k = 0; k < cls->n_derivation; k++) {
		if (wql_strcasecmp(cls->derivation[k], name) == 0) {
			return true;
		}
	}
	return cls->n_derivation == 0 && cls->superclass != NULL &&
	       wql_strcasecmp(cls->superclass, name) == 0;
}

/*
 * The system property [name] of ([cls], [inst]); [top] tells whether the
 * object is the one evaluated (embedded objects have no path).  *out is
 * NULL when the name is unknown.
 */
static hresult sys_value(struct ev *ev,
                         const struct cim_class *cls,
                         const struct cim_instance *inst,
                         bool top,
                         const char *name,
                         struct cim_value *tmp,
                         const struct cim_value **out)
{
	hresult hr;

	*out = tmp;
	memset(tmp, 0, sizeof(*tmp));
	tmp->type = CIM_T_STRING;
	if (utf8_casecmp(name, "__CLASS") == 0) {
		tmp->v.s = cls->name;
		return HR_OK;
	}
	if (utf8_casecmp(name, "__SUPERCLASS") == 0) {
		tmp->v.s = cls->superclass;
		tmp->null = cls->superclass == NULL;
		return HR_OK;
	}
	if (utf8_casecmp(name, "__DYNASTY") == 0) {
		tmp->v.s = cls->n_derivation > 0
		                   ? cls->derivation[cls->n_derivation - 1]
		                   : (cls->superclass != NULL ? NULL
		                                              : cls->name);
		tmp->null = tmp->v.s == NULL;
		return HR_OK;
	}
	if (utf8_casecmp(name, "__GENUS") == 0) {
		tmp->type = CIM_T_SINT32;
		tmp->v.i = inst != NULL ? 2 : 1;
		return HR_OK;
	}
	if (utf8_casecmp(name, "__PROPERTY_COUNT") == 0) {
		tmp->type = CIM_T_SINT32;
		tmp->v.i = cls->n_props;
		return HR_OK;
	}
	if (ev->tmp == NULL) {
		ev->tmp = talloc_new(NULL);
		if (ev->tmp == NULL) {
			return hr_raise(HR_E_OUTOFMEMORY);
		}
	}
	hr = cim_sysprop_get(ev->tmp, cls, inst, top ? ev->server : NULL,
	                     top ? ev->ns : NULL, name, tmp);
	if (hr_eq(hr, HR_WBEM_E_NOT_FOUND)) {
		*out = NULL;
		return HR_OK;
	}
	return hr;
}

static const struct cim_value *prop_value(const struct cim_class *cls,
                                          const struct cim_instance *inst,
                                          const char *name,
                                          const struct wql_bind_info *bi)
{
	int32_t idx;

	if (inst == NULL) {
		idx = cim_class_find_prop(cls, name);
		return idx >= 0 ? &cls->props[idx].value : NULL;
	}
	if (bi != NULL && bi->idx >= 0) {
		idx = bi->idx;
		if (inst->cls == bi->cls ||
		    ((uint32_t)idx < inst->cls->n_props &&
		     utf8_casecmp(inst->cls->props[idx].name, name) == 0)) {
			return &inst->values[idx];
		}
	}
	return cim_instance_get(inst, name);
}

/* Walks c->seg from the object (cls, inst); *out NULL when missing. */
static hresult resolve(struct ev *ev,
                       const struct wql_cmp *c,
                       const struct cim_class *cls,
                       const struct cim_instance *inst,
                       struct cim_value *tmp,
                       const struct cim_value **out)
{
	const struct cim_value *v = NULL;

	for (uint32_t k = 0; k < c->n_seg; k++) {
		const char *name = c->seg[k];

		if (name[0] == '_' && name[1] == '_') {
			hresult hr = sys_value(ev, cls, inst, k == 0, name, tmp,
			                       &v);

			if (hr_failed(hr)) {
				return hr;
			}
		} else {
			v = prop_value(cls, inst, name,
			               k == 0 ? c->bind : NULL);
		}
		if (k + 1 == c->n_seg) {
			break;
		}
		if (v == NULL || v->null || v->type != CIM_T_OBJECT ||
		    v->v.o == NULL) {
			v = NULL;
			break;
		}
		if (v->v.o->is_class) {
			cls = v->v.o->u.cls;
			inst = NULL;
		} else {
			inst = v->v.o->u.inst;
			cls = inst != NULL ? inst->cls : NULL;
		}
		if (cls == NULL) {
			v = NULL;
			break;
		}
	}
	*out = v;
	return HR_OK;
}

static hresult eval_cmp(struct ev *ev,
                        const struct wql_cmp *c,
                        const struct cim_class *cls,
                        const struct cim_instance *inst,
                        bool *res)
{
	const struct cim_value *v = NULL;
	const struct wql_prep *p;
	struct wql_prep local;
	struct cim_value tmp;
	const char *msg = NULL;
	bool null;
	hresult hr;

	*res = false;
	if (c->op == WQL_OP_ISA && utf8_casecmp(c->seg[0], "__this") == 0) {
		*res = is_a(cls, c->lit.v.s);
		return HR_OK;
	}
	if (hr_failed(hr = resolve(ev, c, cls, inst, &tmp, &v))) {
		return hr;
	}
	null = v == NULL || v->null;
	if (c->op == WQL_OP_IS_NULL || c->op == WQL_OP_IS_NOT_NULL) {
		*res = null == (c->op == WQL_OP_IS_NULL);
		return HR_OK;
	}
	if (null) {
		return HR_OK;
	}
	if (c->bind != NULL && c->bind->has_prep && c->n_seg == 1 &&
	    c->bind->type == v->type) {
		p = &c->bind->prep;
	} else {
		if (hr_failed(hr = wql_prep_literal(v->type, &c->lit, c->op,
		                                    &local, &msg))) {
			return hr;
		}
		p = &local;
	}
	if (c->op == WQL_OP_ISA) {
		const struct cim_object *o = v->v.o;

		*res = o != NULL &&
		       is_a(o->is_class ? o->u.cls
		                        : (o->u.inst ? o->u.inst->cls : NULL),
		            c->lit.v.s);
		return HR_OK;
	}
	*res = compare(v, c, p);
	return HR_OK;
}

static hresult eval_expr(struct ev *ev,
                         const struct wql_expr *e,
                         const struct cim_class *cls,
                         const struct cim_instance *inst,
                         bool *res)
{
	hresult hr = HR_OK;

	switch (e->kind) {
	case WQL_EXPR_CMP:
		return eval_cmp(ev, &e->cmp, cls, inst, res);
	case WQL_EXPR_NOT:
		hr = eval_expr(ev, e->kids[0], cls, inst, res);
		*res = !*res;
		return hr;
	case WQL_EXPR_AND:
	case WQL_EXPR_OR:
		for (uint32_t k = 0; k < e->n_kids; k++) {
			hr = eval_expr(ev, e->kids[k], cls, inst, res);
			if (hr_failed(hr)) {
				return hr;
			}
			if (*res != (e->kind == WQL_EXPR_AND)) {
				return HR_OK;
			}
		}
		return HR_OK;
	}
	*res = false;
	return HR_OK;
}

hresult wql_eval(const struct wql_query *q,
                 const struct cim_instance *inst,
                 const char *server,
                 const char *ns,
                 bool *match)
{
	struct ev ev = { 0 };
	hresult hr;

	if (match != NULL) {
		*match = false;
	}
	if (q == NULL || inst == NULL || inst->cls == NULL || match == NULL) {
		return hr_raise(HR_WBEM_E_INVALID_PARAMETER);
	}
	if (q->where == NULL) {
		*match = true;
		return HR_OK;
	}
	ev.server = server != NULL ? server : inst->server;
	ev.ns = ns != NULL ? ns : inst->namespace;
	hr = eval_expr(&ev, q->where, inst->cls, inst, match);
	talloc_free(ev.tmp);
	if (hr_failed(hr)) {
		*match = false;
	}
	return hr;
}

hresult wql_eval_class(const struct wql_query *q,
                       const struct cim_class *cls,
                       bool *match)
{
	struct ev ev = { 0 };
	hresult hr;

	if (match != NULL) {
		*match = false;
	}
	if (q == NULL || cls == NULL || match == NULL) {
		return hr_raise(HR_WBEM_E_INVALID_PARAMETER);
	}
	if (q->where == NULL) {
		*match = true;
		return HR_OK;
	}
	ev.server = cls->server;
	ev.ns = cls->namespace;
	hr = eval_expr(&ev, q->where, cls, NULL, match);
	talloc_free(ev.tmp);
	if (hr_failed(hr)) {
		*match = false;
	}
	return hr;
}

/* ---- binding ----------------------------------------------------------- */

struct binder {
	struct wql_query *q;
	const struct cim_class *cls;
	struct errinfo *ei;
};

static hresult bind_fail(struct binder *B,
                         struct wql_pos pos,
                         const char *fmt,
                         ...) __attribute__((format(printf, 3, 4)));

static hresult bind_fail(struct binder *B,
                         struct wql_pos pos,
                         const char *fmt,
                         ...)
{
	char msg[200];
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(msg, sizeof(msg), fmt, ap);
	va_end(ap);
	return err_set_pos(B->ei, HR_WBEM_E_INVALID_QUERY, "wql", pos.line,
	                   pos.col, pos.offset, "wql: %u:%u: %s", pos.line,
	                   pos.col, msg);
}

static uint32_t sysprop_type(const char *name)
{
	if (utf8_casecmp(name, "__GENUS") == 0 ||
	    utf8_casecmp(name, "__PROPERTY_COUNT") == 0) {
		return CIM_T_SINT32;
	}
	if (utf8_casecmp(name, "__DERIVATION") == 0) {
		return CIM_T_STRING | CIM_FLAG_ARRAY;
	}
	return CIM_T_STRING;
}

static bool known_name(const struct cim_class *cls, const char *name)
{
	return wql_is_sysprop(name) || cim_class_find_prop(cls, name) >= 0;
}

static hresult bind_cmp(struct binder *B, struct wql_cmp *c, struct wql_pos pos)
{
	struct wql_bind_info *bi;
	const char *seg0 = c->seg[0];
	const char *msg = "invalid comparison";
	uint32_t type;

	talloc_free(c->bind);
	c->bind = NULL;
	if (utf8_casecmp(seg0, "__this") == 0) {
		return HR_OK;
	}
	bi = talloc_zero(B->q, struct wql_bind_info);
	if (bi == NULL) {
		return err_set(B->ei, HR_E_OUTOFMEMORY, "wql",
		               "wql: out of memory");
	}
	bi->cls = B->cls;
	bi->idx = -1;
	if (seg0[0] == '_' && seg0[1] == '_') {
		if (!wql_is_sysprop(seg0)) {
			talloc_free(bi);
			return bind_fail(B, pos, "unknown system property '%s'",
			                 seg0);
		}
		if (c->n_seg > 1) {
			talloc_free(bi);
			return bind_fail(
			        B, pos, "'%s' is not an embedded object", seg0);
		}
		type = sysprop_type(seg0);
	} else {
		int32_t idx = cim_class_find_prop(B->cls, seg0);

		if (idx < 0) {
			talloc_free(bi);
			return bind_fail(
			        B, pos, "unknown property '%s' in WHERE", seg0);
		}
		bi->idx = idx;
		type = B->cls->props[idx].type;
		if (c->n_seg > 1) {
			c->bind = bi;
			if (type != CIM_T_OBJECT) {
				return bind_fail(B, pos,
				                 "'%s' is not an embedded "
				                 "object",
				                 seg0);
			}
			return HR_OK;
		}
	}
	c->bind = bi;
	bi->type = type;
	if (hr_failed(
	            wql_prep_literal(type, &c->lit, c->op, &bi->prep, &msg))) {
		return bind_fail(B, pos, "%s %s: %s", c->name,
		                 wql_op_name(c->op), msg);
	}
	bi->has_prep = c->op != WQL_OP_IS_NULL && c->op != WQL_OP_IS_NOT_NULL &&
	               c->op != WQL_OP_ISA;
	return HR_OK;
}

static hresult bind_expr(struct binder *B, struct wql_expr *e)
{
	hresult hr;

	if (e->kind == WQL_EXPR_CMP) {
		return bind_cmp(B, &e->cmp, e->pos);
	}
	for (uint32_t k = 0; k < e->n_kids; k++) {
		if (hr_failed(hr = bind_expr(B, e->kids[k]))) {
			return hr;
		}
	}
	return HR_OK;
}

hresult wql_bind(struct wql_query *q,
                 const struct cim_class *cls,
                 struct errinfo *ei)
{
	struct binder B = { q, cls, ei };

	if (q == NULL || cls == NULL) {
		return err_set(ei, HR_WBEM_E_INVALID_PARAMETER, "wql",
		               "wql: bind needs a query and a class");
	}
	if (q->kind != WQL_SELECT) {
		return HR_OK;
	}
	for (uint32_t k = 0; k < q->n_props; k++) {
		if (!known_name(cls, q->props[k])) {
			return bind_fail(&B, q->props_pos[k],
			                 "unknown property '%s' in SELECT",
			                 q->props[k]);
		}
	}
	for (uint32_t k = 0; k < q->n_group_by; k++) {
		if (!known_name(cls, q->group_by[k])) {
			return bind_fail(&B, q->from_pos,
			                 "unknown property '%s' in BY",
			                 q->group_by[k]);
		}
	}
	return q->where != NULL ? bind_expr(&B, q->where) : HR_OK;
}

/* ---- planning helpers -------------------------------------------------- */

/* The top-level AND terms of the WHERE clause. */
static struct wql_expr *const *top_terms(const struct wql_query *q, uint32_t *n)
{
	if (q->where == NULL) {
		*n = 0;
		return NULL;
	}
	if (q->where->kind == WQL_EXPR_AND) {
		*n = q->where->n_kids;
		return q->where->kids;
	}
	*n = 1;
	return (struct wql_expr *const *)&q->where;
}

static bool int_range(uint32_t b, int64_t *lo, uint64_t *hi)
{
	switch (b) {
	case CIM_T_SINT8:
		*lo = INT8_MIN, *hi = INT8_MAX;
		return true;
	case CIM_T_SINT16:
		*lo = INT16_MIN, *hi = INT16_MAX;
		return true;
	case CIM_T_SINT32:
		*lo = INT32_MIN, *hi = INT32_MAX;
		return true;
	case CIM_T_SINT64:
		*lo = INT64_MIN, *hi = INT64_MAX;
		return true;
	case CIM_T_UINT8:
		*lo = 0, *hi = UINT8_MAX;
		return true;
	case CIM_T_UINT16:
	case CIM_T_CHAR16:
		*lo = 0, *hi = UINT16_MAX;
		return true;
	case CIM_T_UINT32:
		*lo = 0, *hi = UINT32_MAX;
		return true;
	case CIM_T_UINT64:
		*lo = 0, *hi = UINT64_MAX;
		return true;
	default:
		return false;
	}
}

/* Stores integer [p] into [out] of integer type [b] if exact. */
static bool key_int(uint32_t b, const struct wql_prep *p, struct cim_value *out)
{
	int64_t lo;
	uint64_t hi;
	bool neg;
	uint64_t mag;

	if (!int_range(b, &lo, &hi)) {
		return false;
	}
	if (p->kind == WQL_P_REAL) {
		if (!(p->r > -9.2e18 && p->r < 1.8e19) || p->r != floor(p->r)) {
			return false;
		}
		neg = p->r < 0;
		mag = neg ? (uint64_t)(-p->r) : (uint64_t)p->r;
	} else if (p->kind == WQL_P_INT) {
		neg = p->i < 0;
		mag = neg ? 0 - (uint64_t)p->i : (uint64_t)p->i;
	} else if (p->kind == WQL_P_UINT) {
		neg = false;
		mag = p->u;
	} else {
		return false;
	}
	if (neg ? (lo == 0 || mag > 0 - (uint64_t)lo) : mag > hi) {
		return false;
	}
	if (is_signed_type(b)) {
		out->v.i = neg ? (int64_t)(0 - mag) : (int64_t)mag;
	} else {
		out->v.u = mag;
	}
	return true;
}

static bool key_value(void *mem,
                      const struct cim_property *prop,
                      const struct cim_value *lit,
                      struct cim_value *out)
{
	uint32_t b = cim_type_base(prop->type);
	struct wql_prep p;
	const char *msg = NULL;

	if (cim_type_is_array(prop->type) || lit->null ||
	    hr_failed(wql_prep_literal(prop->type, lit, WQL_OP_EQ, &p, &msg))) {
		return false;
	}
	memset(out, 0, sizeof(*out));
	out->type = prop->type;
	switch (p.kind) {
	case WQL_P_STR:
		out->v.s = p.s == p.numbuf ? talloc_strdup(mem, p.numbuf)
		                           : (char *)p.s;
		return out->v.s != NULL;
	case WQL_P_BOOL:
		out->v.b = p.b;
		return true;
	case WQL_P_DT:
		if (lit->type != CIM_T_STRING || strlen(lit->v.s) != 25) {
			return false;
		}
		out->v.s = lit->v.s;
		return true;
	default:
		if (is_real_type(b)) {
			struct num n = {
				.kind = p.kind, .i = p.i, .u = p.u, .r = p.r
			};

			out->v.r = num_real(&n);
			return true;
		}
		return key_int(b, &p, out);
	}
}

bool wql_key_equalities(void *mem,
                        const struct wql_query *q,
                        const struct cim_class *cls,
                        struct wql_keyval **out,
                        uint32_t *n)
{
	struct wql_expr *const *terms;
	struct wql_keyval *kv;
	uint32_t n_terms;

	if (q == NULL || cls == NULL || out == NULL || n == NULL ||
	    q->kind != WQL_SELECT || cls->n_keys == 0) {
		return false;
	}
	terms = top_terms(q, &n_terms);
	kv = talloc_array(mem, struct wql_keyval, cls->n_keys);
	if (kv == NULL) {
		return false;
	}
	for (uint32_t k = 0; k < cls->n_keys; k++) {
		const struct cim_property
		        *prop = &cls->props[cls->key_index[k]];
		bool found = false;

		for (uint32_t t = 0; t < n_terms && !found; t++) {
			const struct wql_cmp *c = &terms[t]->cmp;

			if (terms[t]->kind != WQL_EXPR_CMP ||
			    c->op != WQL_OP_EQ || c->n_seg != 1 ||
			    utf8_casecmp(c->seg[0], prop->name) != 0) {
				continue;
			}
			kv[k].name = prop->name;
			found = key_value(kv, prop, &c->lit, &kv[k].value);
		}
		if (!found) {
			talloc_free(kv);
			return false;
		}
	}
	*out = kv;
	*n = cls->n_keys;
	return true;
}

bool wql_class_restriction(const struct wql_query *q, const char **cls_name)
{
	struct wql_expr *const *terms;
	uint32_t n_terms;

	if (q == NULL || cls_name == NULL ||
	    (q->kind != WQL_SELECT && q->kind != WQL_META_CLASS)) {
		return false;
	}
	terms = top_terms(q, &n_terms);
	for (uint32_t t = 0; t < n_terms; t++) {
		const struct wql_cmp *c = &terms[t]->cmp;

		if (terms[t]->kind == WQL_EXPR_CMP && c->op == WQL_OP_EQ &&
		    c->n_seg == 1 && c->lit.type == CIM_T_STRING &&
		    !c->lit.null && utf8_casecmp(c->seg[0], "__CLASS") == 0) {
			*cls_name = c->lit.v.s;
			return true;
		}
	}
	return false;
}
