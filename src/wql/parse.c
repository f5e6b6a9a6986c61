/*
 * parse: the WQL recursive-descent parser (wql layer; reference section 7).
 *
 * The grammar is in wql.h.  One function per rule; the expression rules
 * carry the nesting depth and stop at the limit before the C stack can
 * grow further, so hostile input yields WBEM_E_QUOTA_VIOLATION, never a
 * stack overflow.  Expression nodes are talloc children of the query
 * (flat, not nested), so splicing one AND into another only moves
 * pointers.
 *
 * Every error message has the shape "wql: LINE:COL: what, found 'tok'"
 * and the position is also stored in errinfo.
 */
#include "wql/wql.h"

#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>
#include <string.h>
#include <strings.h>
#include <talloc.h>

#include "base/utf.h"
#include "cim/objpath.h"
#include "wql/wql-int.h"

struct parser {
	struct wql_query *q;
	struct wql_tokens toks;
	uint32_t i; /* index of the current token */
	size_t max_text;
	uint32_t max_depth, max_terms;
	uint32_t n_terms;
	struct errinfo *ei;
};

static const char *const reserved[] = {
	"AND",  "OR", "NOT", "SELECT", "FROM", "WHERE",
	"LIKE", "IS", "ISA", "NULL",   "TRUE", "FALSE",
};

static const char *const sysprops[] = {
	"__CLASS", "__DERIVATION",     "__DYNASTY", "__GENUS",  "__NAMESPACE",
	"__PATH",  "__PROPERTY_COUNT", "__RELPATH", "__SERVER", "__SUPERCLASS",
};

bool wql_is_sysprop(const char *name)
{
	for (size_t k = 0; k < sizeof(sysprops) / sizeof(sysprops[0]); k++) {
		if (utf8_casecmp(name, sysprops[k]) == 0) {
			return true;
		}
	}
	return false;
}

static const struct wql_token *cur(const struct parser *P)
{
	return &P->toks.t[P->i];
}

static const struct wql_token *peek(const struct parser *P, uint32_t ahead)
{
	uint32_t k = P->i + ahead;

	return &P->toks.t[k < P->toks.n ? k : P->toks.n - 1];
}

static void advance(struct parser *P)
{
	if (P->i + 1 < P->toks.n) {
		P->i++;
	}
}

static bool tok_is_kw(const struct wql_token *t, const char *kw)
{
	size_t n = strlen(kw);

	if (t->kind != WQL_T_IDENT || t->len != n) {
		return false;
	}
	for (size_t k = 0; k < n; k++) {
		char c = t->s[k];

		if (c >= 'a' && c <= 'z') {
			c = (char)(c - 32);
		}
		if (c != kw[k]) {
			return false;
		}
	}
	return true;
}

static bool is_kw(const struct parser *P, const char *kw)
{
	return tok_is_kw(cur(P), kw);
}

static bool tok_reserved(const struct wql_token *t)
{
	for (size_t k = 0; k < sizeof(reserved) / sizeof(reserved[0]); k++) {
		if (tok_is_kw(t, reserved[k])) {
			return true;
		}
	}
	return false;
}

/* Writes a short quoted form of [t] ("'FORM'", "end of query"). */
static void describe(const struct wql_token *t, char *out, size_t n)
{
	size_t len = t->len;
	bool cut = false;

	if (t->kind == WQL_T_EOF) {
		snprintf(out, n, "end of query");
		return;
	}
	if (len > 40) {
		len = 40;
		while (len > 0 && ((unsigned char)t->s[len] & 0xC0) == 0x80) {
			len--;
		}
		cut = true;
	}
	snprintf(out, n, "'%.*s%s'", (int)len, t->s, cut ? "..." : "");
}

static hresult vfail_at(struct parser *P,
                        hresult hr,
                        struct wql_pos pos,
                        const char *fmt,
                        va_list ap) __attribute__((format(printf, 4, 0)));

static hresult vfail_at(struct parser *P,
                        hresult hr,
                        struct wql_pos pos,
                        const char *fmt,
                        va_list ap)
{
	char msg[200];

	vsnprintf(msg, sizeof(msg), fmt, ap);
	return err_set_pos(P->ei, hr, "wql", pos.line, pos.col, pos.offset,
	                   "wql: %u:%u: %s", pos.line, pos.col, msg);
}

static hresult fail_at(struct parser *P,
                       hresult hr,
                       struct wql_pos pos,
                       const char *fmt,
                       ...) __attribute__((format(printf, 4, 5)));

static hresult fail_at(struct parser *P,
                       hresult hr,
                       struct wql_pos pos,
                       const char *fmt,
                       ...)
{
	va_list ap;
	hresult r;

	va_start(ap, fmt);
	r = vfail_at(P, hr, pos, fmt, ap);
	va_end(ap);
	return r;
}

/*
 * Reports "expected [what], found <current token>" with code [hr]; a
 * lexical error token reports its own message instead.
 */
static hresult expected_hr(struct parser *P, hresult hr, const char *what)
{
	const struct wql_token *t = cur(P);
	char found[64];

	if (t->kind == WQL_T_ERROR) {
		return fail_at(P, HR_WBEM_E_INVALID_QUERY, t->pos, "%s",
		               t->str);
	}
	describe(t, found, sizeof(found));
	return fail_at(P, hr, t->pos, "expected %s, found %s", what, found);
}

static hresult expected(struct parser *P, const char *what)
{
	return expected_hr(P, HR_WBEM_E_INVALID_QUERY, what);
}

static hresult oom(void)
{
	return hr_raise(HR_E_OUTOFMEMORY);
}

static char *tok_dup(struct parser *P, const struct wql_token *t)
{
	return talloc_strndup(P->q, t->s, t->len);
}

/* A name that is not a reserved word: class, property, qualifier. */
static bool at_name(const struct parser *P)
{
	return cur(P)->kind == WQL_T_IDENT && !tok_reserved(cur(P));
}

static hresult count_term(struct parser *P, struct wql_pos pos)
{
	if (++P->n_terms > P->max_terms) {
		return fail_at(P, HR_WBEM_E_QUOTA_VIOLATION, pos,
		               "query too complex: more than %u terms",
		               P->max_terms);
	}
	return HR_OK;
}

/* name := ident {'.' ident} */
static hresult parse_name(struct parser *P, struct wql_cmp *c)
{
	c->n_seg = 0;
	for (;;) {
		char **ns;

		if (!at_name(P)) {
			return expected(P, "a property name");
		}
		ns = talloc_realloc(P->q, c->seg, char *, c->n_seg + 1);
		if (ns == NULL) {
			return oom();
		}
		c->seg = ns;
		c->seg[c->n_seg] = tok_dup(P, cur(P));
		if (c->seg[c->n_seg] == NULL) {
			return oom();
		}
		c->n_seg++;
		advance(P);
		if (cur(P)->kind != WQL_T_DOT) {
			break;
		}
		advance(P);
	}
	c->name = talloc_strdup(P->q, c->seg[0]);
	for (uint32_t k = 1; k < c->n_seg && c->name != NULL; k++) {
		c->name = talloc_asprintf_append(c->name, ".%s", c->seg[k]);
	}
	return c->name != NULL ? HR_OK : oom();
}

static bool at_literal(const struct parser *P)
{
	const struct wql_token *t = cur(P);

	return t->kind == WQL_T_STRING || t->kind == WQL_T_INT ||
	       t->kind == WQL_T_REAL || t->kind == WQL_T_MINUS ||
	       t->kind == WQL_T_PLUS || tok_is_kw(t, "TRUE") ||
	       tok_is_kw(t, "FALSE") || tok_is_kw(t, "NULL");
}

/* lit := string | ['-'|'+'] number | TRUE | FALSE | NULL */
static hresult parse_literal(struct parser *P, struct cim_value *v)
{
	const struct wql_token *t = cur(P);
	bool neg = false;

	memset(v, 0, sizeof(*v));
	if (t->kind == WQL_T_STRING) {
		v->type = CIM_T_STRING;
		v->v.s = talloc_strdup(P->q, t->str);
		advance(P);
		return v->v.s != NULL ? HR_OK : oom();
	}
	if (tok_is_kw(t, "TRUE") || tok_is_kw(t, "FALSE")) {
		v->type = CIM_T_BOOLEAN;
		v->v.b = tok_is_kw(t, "TRUE");
		advance(P);
		return HR_OK;
	}
	if (tok_is_kw(t, "NULL")) {
		v->type = CIM_T_EMPTY;
		v->null = true;
		advance(P);
		return HR_OK;
	}
	if (t->kind == WQL_T_MINUS || t->kind == WQL_T_PLUS) {
		neg = t->kind == WQL_T_MINUS;
		advance(P);
		t = cur(P);
		if (t->kind != WQL_T_INT && t->kind != WQL_T_REAL) {
			return expected(P, "a number after the sign");
		}
	}
	if (t->kind == WQL_T_REAL) {
		v->type = CIM_T_REAL64;
		v->v.r = neg ? -t->r : t->r;
	} else if (t->kind == WQL_T_INT) {
		if (!neg && t->u <= (uint64_t)INT64_MAX) {
			v->type = CIM_T_SINT64;
			v->v.i = (int64_t)t->u;
		} else if (!neg) {
			v->type = CIM_T_UINT64;
			v->v.u = t->u;
		} else if (t->u <= (uint64_t)INT64_MAX + 1) {
			v->type = CIM_T_SINT64;
			v->v.i = (int64_t)(0 - t->u);
		} else {
			return fail_at(P, HR_WBEM_E_INVALID_QUERY, t->pos,
			               "integer out of range");
		}
	} else {
		return expected(P, "a constant");
	}
	advance(P);
	return HR_OK;
}

static bool at_relop(const struct parser *P)
{
	enum wql_tok k = cur(P)->kind;

	return k == WQL_T_EQ || k == WQL_T_NE || k == WQL_T_LT ||
	       k == WQL_T_GT || k == WQL_T_LE || k == WQL_T_GE;
}

static enum wql_op relop(enum wql_tok k, bool mirror)
{
	switch (k) {
	case WQL_T_NE:
		return WQL_OP_NE;
	case WQL_T_LT:
		return mirror ? WQL_OP_GT : WQL_OP_LT;
	case WQL_T_GT:
		return mirror ? WQL_OP_LT : WQL_OP_GT;
	case WQL_T_LE:
		return mirror ? WQL_OP_GE : WQL_OP_LE;
	case WQL_T_GE:
		return mirror ? WQL_OP_LE : WQL_OP_GE;
	default:
		return WQL_OP_EQ;
	}
}

/* Applies the NULL rules to a relational comparison with a NULL literal. */
static hresult null_op(struct parser *P,
                       struct wql_cmp *c,
                       const struct wql_token *optok)
{
	if (c->op == WQL_OP_EQ) {
		c->op = WQL_OP_IS_NULL;
	} else if (c->op == WQL_OP_NE) {
		c->op = WQL_OP_IS_NOT_NULL;
	} else {
		return fail_at(P, HR_WBEM_E_INVALID_QUERY, optok->pos,
		               "NULL can only be compared with =, <> or IS");
	}
	return HR_OK;
}

/* The operator and right side after a name. */
static hresult parse_cmp_tail(struct parser *P, struct wql_cmp *c)
{
	const struct wql_token *optok = cur(P);
	hresult hr;

	if (at_relop(P)) {
		c->op = relop(optok->kind, false);
		advance(P);
		if (at_name(P)) {
			return fail_at(P, HR_WBEM_E_INVALID_QUERY, cur(P)->pos,
			               "a property cannot be compared with "
			               "another property");
		}
		if (!at_literal(P)) {
			return expected(P, "a constant");
		}
		if (hr_failed(hr = parse_literal(P, &c->lit))) {
			return hr;
		}
		return c->lit.null ? null_op(P, c, optok) : HR_OK;
	}
	if (is_kw(P, "NOT") && tok_is_kw(peek(P, 1), "LIKE")) {
		c->op = WQL_OP_NOT_LIKE;
		advance(P);
	} else if (is_kw(P, "LIKE")) {
		c->op = WQL_OP_LIKE;
	} else if (is_kw(P, "IS")) {
		advance(P);
		c->op = WQL_OP_IS_NULL;
		if (is_kw(P, "NOT")) {
			c->op = WQL_OP_IS_NOT_NULL;
			advance(P);
		}
		if (!is_kw(P, "NULL")) {
			return expected(P, c->op == WQL_OP_IS_NULL
			                           ? "NULL or NOT NULL after IS"
			                           : "NULL after IS NOT");
		}
		advance(P);
		c->lit = cim_value_null(CIM_T_EMPTY);
		return HR_OK;
	} else if (is_kw(P, "ISA")) {
		c->op = WQL_OP_ISA;
	} else {
		return expected(P, "an operator (=, <>, <, >, <=, >=, LIKE, "
		                   "IS, ISA)");
	}
	advance(P);
	if (cur(P)->kind != WQL_T_STRING) {
		return expected(P, c->op == WQL_OP_ISA ? "a quoted class name"
		                                       : "a quoted pattern");
	}
	if (hr_failed(hr = parse_literal(P, &c->lit))) {
		return hr;
	}
	if (c->op == WQL_OP_LIKE || c->op == WQL_OP_NOT_LIKE) {
		return wql_like_compile(P->q, c->lit.v.s, &c->like);
	}
	return HR_OK;
}

/* Checks where special names may appear. */
static hresult check_names(struct parser *P,
                           const struct wql_cmp *c,
                           struct wql_pos pos)
{
	bool this = utf8_casecmp(c->seg[0], "__this") == 0;

	if (this && (c->n_seg > 1 || c->op != WQL_OP_ISA)) {
		return fail_at(P, HR_WBEM_E_INVALID_QUERY, pos,
		               "__this can only be used as '__this ISA'");
	}
	if (P->q->kind == WQL_META_CLASS && !this &&
	    (c->n_seg > 1 || !wql_is_sysprop(c->seg[0]))) {
		return fail_at(P, HR_WBEM_E_INVALID_QUERY, pos,
		               "only system properties and __this can be "
		               "used in a meta_class query, found '%s'",
		               c->name);
	}
	return HR_OK;
}

/* cmp := name op lit | lit op name | name [NOT] LIKE | IS | ISA */
static hresult parse_cmp(struct parser *P, struct wql_expr **out)
{
	struct wql_pos pos = cur(P)->pos;
	struct wql_expr *e;
	struct wql_cmp *c;
	hresult hr;

	if (hr_failed(hr = count_term(P, pos))) {
		return hr;
	}
	e = talloc_zero(P->q, struct wql_expr);
	if (e == NULL) {
		return oom();
	}
	e->kind = WQL_EXPR_CMP;
	e->pos = pos;
	c = &e->cmp;
	if (at_literal(P)) {
		const struct wql_token *optok;

		if (hr_failed(hr = parse_literal(P, &c->lit))) {
			return hr;
		}
		optok = cur(P);
		if (!at_relop(P)) {
			return expected(P, "a comparison operator after the "
			                   "constant");
		}
		c->op = relop(optok->kind, true);
		c->lit_left = true;
		advance(P);
		if (at_literal(P)) {
			return fail_at(P, HR_WBEM_E_INVALID_QUERY, cur(P)->pos,
			               "a constant cannot be compared with "
			               "another constant");
		}
		if (hr_failed(hr = parse_name(P, c))) {
			return hr;
		}
		if (c->lit.null && hr_failed(hr = null_op(P, c, optok))) {
			return hr;
		}
	} else if (at_name(P)) {
		if (hr_failed(hr = parse_name(P, c)) ||
		    hr_failed(hr = parse_cmp_tail(P, c))) {
			return hr;
		}
	} else {
		return expected(P, "a property name or a constant");
	}
	if (hr_failed(hr = check_names(P, c, pos))) {
		return hr;
	}
	*out = e;
	return HR_OK;
}

static hresult parse_or(struct parser *P,
                        uint32_t depth,
                        struct wql_expr **out);

/* not := NOT not | '(' or ')' | cmp */
static hresult parse_not(struct parser *P,
                         uint32_t depth,
                         struct wql_expr **out)
{
	struct wql_pos pos = cur(P)->pos;
	hresult hr;

	if (depth > P->max_depth) {
		return fail_at(P, HR_WBEM_E_QUOTA_VIOLATION, pos,
		               "query too complex: nested deeper than %u",
		               P->max_depth);
	}
	if (is_kw(P, "NOT")) {
		struct wql_expr *e = talloc_zero(P->q, struct wql_expr);

		if (e == NULL) {
			return oom();
		}
		e->kind = WQL_EXPR_NOT;
		e->pos = pos;
		e->n_kids = 1;
		e->kids = talloc_array(e, struct wql_expr *, 1);
		if (e->kids == NULL) {
			return oom();
		}
		advance(P);
		if (hr_failed(hr = parse_not(P, depth + 1, &e->kids[0]))) {
			return hr;
		}
		*out = e;
		return HR_OK;
	}
	if (cur(P)->kind == WQL_T_LPAREN) {
		advance(P);
		if (hr_failed(hr = parse_or(P, depth + 1, out))) {
			return hr;
		}
		if (cur(P)->kind != WQL_T_RPAREN) {
			return expected(P, "')'");
		}
		advance(P);
		return HR_OK;
	}
	return parse_cmp(P, out);
}

/* Appends [kid] to n-ary node [e], splicing a node of the same kind. */
static hresult add_kid(struct parser *P,
                       struct wql_expr *e,
                       struct wql_expr *kid)
{
	uint32_t add = kid->kind == e->kind ? kid->n_kids : 1;
	struct wql_expr **nk;

	(void)P;
	nk = talloc_realloc(e, e->kids, struct wql_expr *, e->n_kids + add);
	if (nk == NULL) {
		return oom();
	}
	e->kids = nk;
	if (kid->kind == e->kind) {
		memcpy(&e->kids[e->n_kids], kid->kids,
		       add * sizeof(kid->kids[0]));
		talloc_free(kid);
	} else {
		e->kids[e->n_kids] = kid;
	}
	e->n_kids += add;
	return HR_OK;
}

typedef hresult parse_fn(struct parser *P,
                         uint32_t depth,
                         struct wql_expr **out);

/* A left-to-right chain of [sub] separated by keyword [kw]. */
static hresult parse_chain(struct parser *P,
                           uint32_t depth,
                           enum wql_expr_kind kind,
                           const char *kw,
                           parse_fn *sub,
                           struct wql_expr **out)
{
	struct wql_expr *first = NULL;
	struct wql_expr *e;
	hresult hr;

	if (hr_failed(hr = sub(P, depth, &first))) {
		return hr;
	}
	if (!is_kw(P, kw)) {
		*out = first;
		return HR_OK;
	}
	e = talloc_zero(P->q, struct wql_expr);
	if (e == NULL) {
		return oom();
	}
	e->kind = kind;
	e->pos = first->pos;
	if (hr_failed(hr = add_kid(P, e, first))) {
		return hr;
	}
	while (is_kw(P, kw)) {
		struct wql_expr *next = NULL;

		advance(P);
		if (hr_failed(hr = sub(P, depth, &next)) ||
		    hr_failed(hr = add_kid(P, e, next))) {
			return hr;
		}
	}
	*out = e;
	return HR_OK;
}

static hresult parse_and(struct parser *P,
                         uint32_t depth,
                         struct wql_expr **out)
{
	return parse_chain(P, depth, WQL_EXPR_AND, "AND", parse_not, out);
}

static hresult parse_or(struct parser *P, uint32_t depth, struct wql_expr **out)
{
	return parse_chain(P, depth, WQL_EXPR_OR, "OR", parse_and, out);
}

/* A property list: name {',' name}; [pos] may be NULL. */
static hresult parse_prop_list(struct parser *P,
                               char ***names,
                               struct wql_pos **pos,
                               uint32_t *n)
{
	hresult hr;

	for (;;) {
		char **nn;

		if (!at_name(P)) {
			return expected(P, "a property name");
		}
		if (hr_failed(hr = count_term(P, cur(P)->pos))) {
			return hr;
		}
		nn = talloc_realloc(P->q, *names, char *, *n + 1);
		if (nn == NULL) {
			return oom();
		}
		*names = nn;
		if (pos != NULL) {
			struct wql_pos *np = talloc_realloc(
			        P->q, *pos, struct wql_pos, *n + 1);

			if (np == NULL) {
				return oom();
			}
			*pos = np;
			np[*n] = cur(P)->pos;
		}
		nn[*n] = tok_dup(P, cur(P));
		if (nn[*n] == NULL) {
			return oom();
		}
		(*n)++;
		advance(P);
		if (cur(P)->kind != WQL_T_COMMA) {
			return HR_OK;
		}
		advance(P);
	}
}

/* A positive number of seconds (WITHIN, GROUP WITHIN). */
static hresult parse_seconds(struct parser *P, const char *after, double *out)
{
	const struct wql_token *t = cur(P);
	char what[64];

	snprintf(what, sizeof(what), "a positive number of seconds after %s",
	         after);
	if (t->kind == WQL_T_INT) {
		*out = (double)t->u;
	} else if (t->kind == WQL_T_REAL) {
		*out = t->r;
	} else {
		return expected_hr(P, HR_WBEM_E_UNPARSABLE_QUERY, what);
	}
	if (!(*out > 0.0)) {
		return expected_hr(P, HR_WBEM_E_UNPARSABLE_QUERY, what);
	}
	advance(P);
	return HR_OK;
}

/* GROUP WITHIN n [BY props] [HAVING cond] */
static hresult parse_group(struct parser *P)
{
	struct wql_query *q = P->q;
	hresult hr;

	advance(P); /* GROUP */
	if (!is_kw(P, "WITHIN")) {
		return expected_hr(P, HR_WBEM_E_UNPARSABLE_QUERY,
		                   "WITHIN after GROUP");
	}
	advance(P);
	if (hr_failed(
	            hr = parse_seconds(P, "GROUP WITHIN", &q->group_within))) {
		return hr;
	}
	q->has_group_within = true;
	if (is_kw(P, "BY")) {
		advance(P);
		if (!at_name(P)) {
			return expected_hr(P, HR_WBEM_E_UNPARSABLE_QUERY,
			                   "a property name after BY");
		}
		if (hr_failed(hr = parse_prop_list(P, &q->group_by, NULL,
		                                   &q->n_group_by))) {
			return hr;
		}
	}
	if (is_kw(P, "HAVING")) {
		advance(P);
		if (hr_failed(hr = parse_or(P, 0, &q->having))) {
			return hr;
		}
	}
	return HR_OK;
}

/* The optional clauses after FROM class. */
static hresult parse_select_tail(struct parser *P)
{
	struct wql_query *q = P->q;
	bool after_cond = false;
	hresult hr;

	for (;;) {
		if (is_kw(P, "WITHIN") && !q->has_within) {
			advance(P);
			if (hr_failed(hr = parse_seconds(P, "WITHIN",
			                                 &q->within))) {
				return hr;
			}
			q->has_within = true;
			after_cond = false;
		} else if (is_kw(P, "WHERE") && q->where == NULL) {
			advance(P);
			if (hr_failed(hr = parse_or(P, 0, &q->where))) {
				return hr;
			}
			after_cond = true;
		} else {
			break;
		}
	}
	if (is_kw(P, "GROUP")) {
		if (hr_failed(hr = parse_group(P))) {
			return hr;
		}
		after_cond = q->having != NULL;
	} else if (is_kw(P, "BY") || is_kw(P, "HAVING")) {
		return fail_at(P, HR_WBEM_E_MISSING_GROUP_WITHIN, cur(P)->pos,
		               "%.*s without GROUP WITHIN", (int)cur(P)->len,
		               cur(P)->s);
	}
	if (q->kind == WQL_META_CLASS &&
	    (q->has_within || q->has_group_within)) {
		return fail_at(P, HR_WBEM_E_INVALID_QUERY, q->from_pos,
		               "a meta_class query takes no event clauses");
	}
	if (cur(P)->kind != WQL_T_EOF) {
		return expected(P, after_cond ? "AND, OR or end of query"
		                              : "WHERE or end of query");
	}
	return HR_OK;
}

/* select := SELECT ('*' | props) FROM class tail */
static hresult parse_select(struct parser *P)
{
	struct wql_query *q = P->q;
	struct wql_pos first_prop = cur(P)->pos;
	hresult hr;

	q->kind = WQL_SELECT;
	if (cur(P)->kind == WQL_T_STAR) {
		q->select_all = true;
		advance(P);
	} else if (at_name(P)) {
		if (hr_failed(hr = parse_prop_list(P, &q->props, &q->props_pos,
		                                   &q->n_props))) {
			return hr;
		}
	} else {
		return expected(P, "'*' or a property name");
	}
	if (!is_kw(P, "FROM")) {
		return expected(P, q->select_all ? "FROM" : "',' or FROM");
	}
	advance(P);
	if (!at_name(P)) {
		return expected(P, "a class name");
	}
	q->from_pos = cur(P)->pos;
	q->from_class = tok_dup(P, cur(P));
	if (q->from_class == NULL) {
		return oom();
	}
	advance(P);
	if (utf8_casecmp(q->from_class, "meta_class") == 0) {
		if (!q->select_all) {
			return fail_at(P, HR_WBEM_E_INVALID_QUERY, first_prop,
			               "only * can be selected from "
			               "meta_class");
		}
		q->kind = WQL_META_CLASS;
	}
	return parse_select_tail(P);
}

struct subclause {
	const char *name;
	bool refs;       /* valid in REFERENCES OF */
	size_t str_off;  /* offset of the char * field, or 0 */
	size_t flag_off; /* offset of the bool field, or 0 */
};

#define SUB_STR(n, f, r)                               \
	{                                              \
		n, r, offsetof(struct wql_query, f), 0 \
	}
#define SUB_FLAG(n, f, r)                              \
	{                                              \
		n, r, 0, offsetof(struct wql_query, f) \
	}

static const struct subclause subclauses[] = {
	SUB_STR("AssocClass", assoc_class, false),
	SUB_FLAG("ClassDefsOnly", class_defs_only, true),
	SUB_STR("RequiredAssocQualifier", required_assoc_qualifier, false),
	SUB_STR("RequiredQualifier", required_qualifier, true),
	SUB_STR("ResultClass", result_class, true),
	SUB_STR("ResultRole", result_role, false),
	SUB_STR("Role", role, true),
	SUB_FLAG("KeysOnly", keys_only, true),
	SUB_FLAG("SchemaOnly", schema_only, true),
};

static hresult parse_subclause(struct parser *P,
                               struct wql_pos *cdo_pos,
                               struct wql_pos *rc_pos)
{
	struct wql_query *q = P->q;
	const struct wql_token *t = cur(P);
	const struct subclause *sc = NULL;
	char **field;

	for (size_t k = 0; k < sizeof(subclauses) / sizeof(subclauses[0]);
	     k++) {
		if (t->kind == WQL_T_IDENT &&
		    t->len == strlen(subclauses[k].name) &&
		    strncasecmp(t->s, subclauses[k].name, t->len) == 0) {
			sc = &subclauses[k];
		}
	}
	if (sc == NULL) {
		return expected(P, q->kind == WQL_ASSOCIATORS
		                           ? "an ASSOCIATORS OF subclause"
		                           : "a REFERENCES OF subclause");
	}
	if (q->kind == WQL_REFERENCES && !sc->refs) {
		return fail_at(P, HR_WBEM_E_INVALID_QUERY, t->pos,
		               "%s is not valid in REFERENCES OF", sc->name);
	}
	if (sc->flag_off != 0) {
		bool *flag = (bool *)((char *)q + sc->flag_off);

		if (*flag) {
			return fail_at(P, HR_WBEM_E_INVALID_QUERY, t->pos,
			               "%s given twice", sc->name);
		}
		*flag = true;
		if (flag == &q->class_defs_only) {
			*cdo_pos = t->pos;
		}
		advance(P);
		return HR_OK;
	}
	field = (char **)((char *)q + sc->str_off);
	if (*field != NULL) {
		return fail_at(P, HR_WBEM_E_INVALID_QUERY, t->pos,
		               "%s given twice", sc->name);
	}
	if (field == &q->result_class) {
		*rc_pos = t->pos;
	}
	advance(P);
	if (cur(P)->kind != WQL_T_EQ) {
		char what[64];

		snprintf(what, sizeof(what), "'=' after %s", sc->name);
		return expected(P, what);
	}
	advance(P);
	if (!at_name(P)) {
		char what[64];

		snprintf(what, sizeof(what), "a name after %s =", sc->name);
		return expected(P, what);
	}
	*field = tok_dup(P, cur(P));
	if (*field == NULL) {
		return oom();
	}
	advance(P);
	return HR_OK;
}

/* assoc := (ASSOCIATORS | REFERENCES) OF {path} [WHERE subclauses] */
static hresult parse_assoc(struct parser *P, bool refs)
{
	struct wql_query *q = P->q;
	struct wql_pos cdo_pos = { 0 }, rc_pos = { 0 };
	struct errinfo pe = { 0 };
	struct objpath *op = NULL;
	const struct wql_token *t;
	hresult hr;

	q->kind = refs ? WQL_REFERENCES : WQL_ASSOCIATORS;
	advance(P);
	if (!is_kw(P, "OF")) {
		return expected(P, refs ? "OF after REFERENCES"
		                        : "OF after ASSOCIATORS");
	}
	advance(P);
	t = cur(P);
	if (t->kind != WQL_T_PATH) {
		return expected(P, "an object path in braces");
	}
	q->path = talloc_strdup(q, t->str);
	if (q->path == NULL) {
		return oom();
	}
	hr = objpath_parse(q, q->path, &op, &pe);
	if (hr_eq(hr, HR_E_OUTOFMEMORY)) {
		return hr;
	}
	if (hr_failed(hr) || op->cls == NULL) {
		return fail_at(P, HR_WBEM_E_INVALID_QUERY, t->pos,
		               "invalid object path '%.60s'%s%s", q->path,
		               pe.msg[0] ? ": " : "", pe.msg);
	}
	talloc_free(op);
	advance(P);
	if (is_kw(P, "WHERE")) {
		advance(P);
		if (cur(P)->kind == WQL_T_EOF) {
			return expected(P, "a subclause after WHERE");
		}
		while (cur(P)->kind != WQL_T_EOF) {
			if (hr_failed(hr = parse_subclause(P, &cdo_pos,
			                                   &rc_pos))) {
				return hr;
			}
		}
	} else if (cur(P)->kind != WQL_T_EOF) {
		return expected(P, "WHERE or end of query");
	}
	if (q->class_defs_only && q->result_class != NULL) {
		return fail_at(P, HR_WBEM_E_INVALID_QUERY, cdo_pos,
		               "ClassDefsOnly cannot be used with "
		               "ResultClass");
	}
	if (q->class_defs_only && q->schema_only) {
		return fail_at(P, HR_WBEM_E_INVALID_QUERY, cdo_pos,
		               "ClassDefsOnly cannot be used with SchemaOnly");
	}
	(void)rc_pos;
	return HR_OK;
}

static hresult parse_query(struct parser *P)
{
	if (is_kw(P, "SELECT")) {
		advance(P);
		return parse_select(P);
	}
	if (is_kw(P, "ASSOCIATORS") || is_kw(P, "REFERENCES")) {
		return parse_assoc(P, is_kw(P, "REFERENCES"));
	}
	return expected(P, "SELECT, ASSOCIATORS OF or REFERENCES OF");
}

/* The 1-based line and column of byte [off] of [text]. */
static struct wql_pos pos_of(const char *text, size_t off)
{
	struct wql_pos pos = { 1, 1, off };

	for (size_t k = 0; k < off; k++) {
		if (text[k] == '\n') {
			pos.line++;
			pos.col = 1;
		} else if (((unsigned char)text[k] & 0xC0) != 0x80) {
			pos.col++;
		}
	}
	return pos;
}

/* Checks the raw text; fills [P] limits. */
static hresult check_text(struct parser *P, const char *text, size_t len)
{
	const char *nul;
	size_t bad = 0;
	bool blank = true;

	if (len > P->max_text) {
		return err_set(P->ei, HR_WBEM_E_QUOTA_VIOLATION, "wql",
		               "wql: query text is %zu bytes, more than the "
		               "limit of %zu",
		               len, P->max_text);
	}
	nul = memchr(text, '\0', len);
	if (nul != NULL) {
		return fail_at(P, HR_WBEM_E_INVALID_QUERY,
		               pos_of(text, (size_t)(nul - text)),
		               "NUL character in query");
	}
	if (!utf8_valid(text, len, &bad)) {
		return fail_at(P, HR_WBEM_E_INVALID_QUERY, pos_of(text, bad),
		               "invalid UTF-8 in query");
	}
	for (size_t k = 0; k < len && blank; k++) {
		blank = strchr(" \t\r\n\f\v", text[k]) != NULL;
	}
	if (blank) {
		return err_set(P->ei, HR_WBEM_E_INVALID_PARAMETER, "wql",
		               "wql: empty query");
	}
	return HR_OK;
}

hresult wql_parse_n(void *mem,
                    const char *text,
                    size_t len,
                    const struct wql_limits *lim,
                    struct wql_query **out,
                    struct errinfo *ei)
{
	struct parser P = { .ei = ei };
	void *tmp = NULL;
	hresult hr;

	P.max_text = (lim && lim->max_text) ? lim->max_text
	                                    : WQL_DEFAULT_MAX_TEXT;
	P.max_depth = (lim && lim->max_depth) ? lim->max_depth
	                                      : WQL_DEFAULT_MAX_DEPTH;
	P.max_terms = (lim && lim->max_terms) ? lim->max_terms
	                                      : WQL_DEFAULT_MAX_TERMS;
	if (text == NULL || out == NULL) {
		return err_set(ei, HR_WBEM_E_INVALID_PARAMETER, "wql",
		               "wql: no query text");
	}
	if (hr_failed(hr = check_text(&P, text, len))) {
		return hr;
	}
	P.q = talloc_zero(mem, struct wql_query);
	tmp = talloc_new(mem);
	if (P.q == NULL || tmp == NULL) {
		hr = oom();
		goto out;
	}
	P.q->text = talloc_strndup(P.q, text, len);
	if (P.q->text == NULL) {
		hr = oom();
		goto out;
	}
	if (hr_failed(hr = wql_lex(tmp, P.q->text, &P.toks))) {
		goto out;
	}
	hr = parse_query(&P);
out:
	talloc_free(tmp);
	if (hr_failed(hr)) {
		if (hr_eq(hr, HR_E_OUTOFMEMORY)) {
			err_set(ei, hr, "wql", "wql: out of memory");
		}
		talloc_free(P.q);
		return hr;
	}
	*out = P.q;
	return HR_OK;
}

hresult wql_parse(void *mem,
                  const char *text,
                  const struct wql_limits *lim,
                  struct wql_query **out,
                  struct errinfo *ei)
{
	if (text == NULL) {
		return err_set(ei, HR_WBEM_E_INVALID_PARAMETER, "wql",
		               "wql: no query text");
	}
	return wql_parse_n(mem, text, strlen(text), lim, out, ei);
}

hresult wql_parse_lang(void *mem,
                       const char *language,
                       const char *text,
                       const struct wql_limits *lim,
                       struct wql_query **out,
                       struct errinfo *ei)
{
	if (language == NULL) {
		return err_set(ei, HR_WBEM_E_INVALID_PARAMETER, "wql",
		               "wql: no query language");
	}
	if (utf8_casecmp(language, "WQL") != 0) {
		return err_set(ei, HR_WBEM_E_INVALID_QUERY_TYPE, "wql",
		               "wql: query language '%.40s' is not supported "
		               "(only WQL)",
		               language);
	}
	return wql_parse(mem, text, lim, out, ei);
}

const char *wql_op_name(enum wql_op op)
{
	switch (op) {
	case WQL_OP_EQ:
		return "=";
	case WQL_OP_NE:
		return "<>";
	case WQL_OP_LT:
		return "<";
	case WQL_OP_GT:
		return ">";
	case WQL_OP_LE:
		return "<=";
	case WQL_OP_GE:
		return ">=";
	case WQL_OP_LIKE:
		return "LIKE";
	case WQL_OP_NOT_LIKE:
		return "NOT LIKE";
	case WQL_OP_IS_NULL:
		return "IS NULL";
	case WQL_OP_IS_NOT_NULL:
		return "IS NOT NULL";
	case WQL_OP_ISA:
		return "ISA";
	}
	return "?";
}
