/*
 * format: prints a parsed query back as normalised WQL (wql layer).
 *
 * Keywords upper case, one space between tokens, strings in single quotes
 * with \\ and \' escaped, reals always with a '.' or an exponent so they
 * re-lex as reals, parentheses only where precedence needs them
 * (OR < AND < NOT < comparison).  wql_parse(wql_format(q)) formats the
 * same; the fuzz target checks it.
 */
#include "wql/wql.h"

#include <inttypes.h>
#include <stdio.h>
#include <string.h>
#include <talloc.h>

#include "base/buf.h"
#include "wql/wql-int.h"

static void put_string(struct buf *b, const char *s)
{
	buf_addch(b, '\'');
	for (; *s != '\0'; s++) {
		if (*s == '\\' || *s == '\'') {
			buf_addch(b, '\\');
		}
		buf_addch(b, *s);
	}
	buf_addch(b, '\'');
}

static void put_real(struct buf *b, double r)
{
	char tmp[40];

	snprintf(tmp, sizeof(tmp), "%.17g", r);
	buf_addstr(b, tmp);
	if (strpbrk(tmp, ".eEn") == NULL) {
		buf_addstr(b, ".0");
	}
}

static void put_literal(struct buf *b, const struct cim_value *v)
{
	if (v->null) {
		buf_addstr(b, "NULL");
		return;
	}
	switch (v->type) {
	case CIM_T_STRING:
		put_string(b, v->v.s);
		break;
	case CIM_T_SINT64:
		buf_addf(b, "%" PRId64, v->v.i);
		break;
	case CIM_T_UINT64:
		buf_addf(b, "%" PRIu64, v->v.u);
		break;
	case CIM_T_REAL64:
		put_real(b, v->v.r);
		break;
	case CIM_T_BOOLEAN:
		buf_addstr(b, v->v.b ? "TRUE" : "FALSE");
		break;
	default:
		buf_addstr(b, "NULL");
		break;
	}
}

static int prec(const struct wql_expr *e)
{
	switch (e->kind) {
	case WQL_EXPR_OR:
		return 1;
	case WQL_EXPR_AND:
		return 2;
	case WQL_EXPR_NOT:
		return 3;
	case WQL_EXPR_CMP:
		break;
	}
	return 4;
}

static void put_expr(struct buf *b, const struct wql_expr *e);

/* Prints [kid] of a node with precedence [p], in parentheses if needed. */
static void put_kid(struct buf *b, const struct wql_expr *kid, int p)
{
	if (prec(kid) < p) {
		buf_addch(b, '(');
		put_expr(b, kid);
		buf_addch(b, ')');
	} else {
		put_expr(b, kid);
	}
}

static void put_cmp(struct buf *b, const struct wql_cmp *c)
{
	buf_addstr(b, c->name);
	buf_addch(b, ' ');
	buf_addstr(b, wql_op_name(c->op));
	if (c->op != WQL_OP_IS_NULL && c->op != WQL_OP_IS_NOT_NULL) {
		buf_addch(b, ' ');
		put_literal(b, &c->lit);
	}
}

static void put_expr(struct buf *b, const struct wql_expr *e)
{
	switch (e->kind) {
	case WQL_EXPR_AND:
	case WQL_EXPR_OR:
		for (uint32_t k = 0; k < e->n_kids; k++) {
			if (k > 0) {
				buf_addstr(b, e->kind == WQL_EXPR_AND ? " AND "
				                                      : " OR ");
			}
			put_kid(b, e->kids[k], prec(e));
		}
		break;
	case WQL_EXPR_NOT:
		buf_addstr(b, "NOT ");
		put_kid(b, e->kids[0], 3);
		break;
	case WQL_EXPR_CMP:
		put_cmp(b, &e->cmp);
		break;
	}
}

static void put_list(struct buf *b, char *const *names, uint32_t n)
{
	for (uint32_t k = 0; k < n; k++) {
		if (k > 0) {
			buf_addstr(b, ", ");
		}
		buf_addstr(b, names[k]);
	}
}

static void put_select(struct buf *b, const struct wql_query *q)
{
	buf_addstr(b, "SELECT ");
	if (q->select_all) {
		buf_addch(b, '*');
	} else {
		put_list(b, q->props, q->n_props);
	}
	buf_addstr(b, " FROM ");
	buf_addstr(b, q->from_class);
	if (q->has_within) {
		buf_addstr(b, " WITHIN ");
		put_real(b, q->within);
	}
	if (q->where != NULL) {
		buf_addstr(b, " WHERE ");
		put_expr(b, q->where);
	}
	if (q->has_group_within) {
		buf_addstr(b, " GROUP WITHIN ");
		put_real(b, q->group_within);
		if (q->n_group_by > 0) {
			buf_addstr(b, " BY ");
			put_list(b, q->group_by, q->n_group_by);
		}
		if (q->having != NULL) {
			buf_addstr(b, " HAVING ");
			put_expr(b, q->having);
		}
	}
}

static void put_assoc(struct buf *b, const struct wql_query *q)
{
	const struct {
		const char *name;
		const char *value;
	} subs[] = {
		{ "AssocClass", q->assoc_class },
		{ "RequiredAssocQualifier", q->required_assoc_qualifier },
		{ "RequiredQualifier", q->required_qualifier },
		{ "ResultClass", q->result_class },
		{ "ResultRole", q->result_role },
		{ "Role", q->role },
	};
	bool where = false;

	buf_addstr(b, q->kind == WQL_ASSOCIATORS ? "ASSOCIATORS OF {"
	                                         : "REFERENCES OF {");
	buf_addstr(b, q->path);
	buf_addch(b, '}');
	for (size_t k = 0; k < sizeof(subs) / sizeof(subs[0]); k++) {
		if (subs[k].value == NULL) {
			continue;
		}
		buf_addstr(b, where ? " " : " WHERE ");
		where = true;
		buf_addf(b, "%s = %s", subs[k].name, subs[k].value);
	}
	if (q->class_defs_only) {
		buf_addstr(b,
		           where ? " ClassDefsOnly" : " WHERE ClassDefsOnly");
		where = true;
	}
	if (q->keys_only) {
		buf_addstr(b, where ? " KeysOnly" : " WHERE KeysOnly");
		where = true;
	}
	if (q->schema_only) {
		buf_addstr(b, where ? " SchemaOnly" : " WHERE SchemaOnly");
	}
}

char *wql_format(void *mem, const struct wql_query *q)
{
	struct buf b;

	if (q == NULL) {
		return NULL;
	}
	buf_init(&b, mem);
	if (q->kind == WQL_ASSOCIATORS || q->kind == WQL_REFERENCES) {
		put_assoc(&b, q);
	} else {
		put_select(&b, q);
	}
	if (hr_failed(b.error)) {
		buf_release(&b);
		return NULL;
	}
	return buf_detach(&b, NULL);
}
