/*
 * parse: the MOF parser (mof layer; DMTF DSP0221 2.x, section 7 and the
 * ABNF of annex A, plus Microsoft's mofcomp pragmas and flavor forms).
 *
 *   mofSpecification   = *(pragma | qualifierDecl | classDecl | instanceDecl)
 *   pragma             = "#pragma" name [ "(" args ")" ]
 *   qualifierDecl      = QUALIFIER name ":" type [array] ["=" value]
 *                        ["," SCOPE "(" ... ")"] ["," FLAVOR "(" ... ")"] ";"
 *                      | QUALIFIER name ":" 1*flavor ";"       (WMI)
 *   classDecl          = [quals] CLASS name [":" super] [AS $alias]
 *                        "{" *feature "}" ";"
 *   feature            = [quals] ( type name [array] ["=" value] ";"
 *                                | class REF name ["=" value] ";"
 *                                | type name "(" [params] ")" ";" )
 *   instanceDecl       = [quals] INSTANCE OF class [AS $alias]
 *                        "{" *([quals] name "=" value ";") "}" ";"
 *   quals              = "[" qual *("," qual) "]"
 *   qual               = name [ "(" value ")" | array ] [":" 1*flavor]
 *
 * A recursive-descent parser with one token of lookahead.  Invariants:
 * p->t is always the next unconsumed token; every recursion (embedded
 * instances, includes) is bounded by max_depth; qualifier uses take their
 * type and default flavor from the declaration visible in the current
 * namespace (this unit's, else the repository's through the hooks), and
 * an undeclared qualifier takes its type from its value.
 */
#include "mof/mof-int.h"

#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <talloc.h>
#include <unistd.h>

#include "base/utf.h"

/* A known qualifier declaration (or a negative cache entry). */
struct decl_entry {
	struct cim_qualifier_decl *d; /* NULL: undeclared or flavor-only */
	bool flavor_only;             /* WMI "Qualifier X : ToSubclass;" */
	uint32_t flavor;
};

struct qmeta {
	uint32_t scope; /* declared scope, 0 when undeclared */
	uint32_t line, col;
};

/* A parsed qualifier list before it is attached to its element. */
struct qlist {
	struct cim_qualifier *q; /* talloc array; values are its children */
	uint32_t n, cap;
	struct qmeta *meta; /* under p->tmp */
	struct mof_pos pos;
};

/* An alias named in a value, checked once the whole unit is read. */
struct alias_use {
	const char *name; /* not moved by array growth: its own allocation */
	struct mof_pos pos;
};

struct parser {
	void *mem; /* the unit */
	void *tmp; /* per statement, freed after it */
	struct mof_unit *u;
	uint32_t cap_items;
	const struct mof_options *o;
	const struct mof_parse_hooks *hooks;
	struct errinfo *ei;
	struct mof_lexer *lx;
	struct mof_token t;
	const char *file; /* current file name (owned by the unit) */
	char *ns;         /* current namespace (owned by the unit) */
	bool create_ns;   /* #pragma namespace("__create") seen */
	unsigned class_flags, instance_flags;
	struct mof_map decls;   /* "ns:name" -> struct decl_entry */
	struct mof_map aliases; /* alias -> struct mof_instance */
	struct decl_entry negative;
	struct buf key;
	struct buf str;
	uint32_t depth, inc_depth, max_depth;
	size_t max_file;
	char **incstack; /* real paths of the files being read */
	uint32_t n_inc;
	struct alias_use *alias_uses;
	uint32_t n_alias_uses, cap_alias_uses;
};

static hresult statement(struct parser *p);

/* ---- Token helpers -------------------------------------------------- */

static hresult perr(struct parser *p, hresult hr, const char *fmt, ...)
        __attribute__((format(printf, 3, 4)));

static hresult perr(struct parser *p, hresult hr, const char *fmt, ...)
{
	char msg[200];
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(msg, sizeof(msg), fmt, ap);
	va_end(ap);
	return mof_err_at(p->ei, hr, p->file, p->t.line, p->t.col, p->t.off,
	                  "%s", msg);
}

static hresult next(struct parser *p)
{
	return mof_lex_next(p->lx, &p->t);
}

static const char *found(struct parser *p, char *out, size_t size)
{
	return mof_tok_describe(&p->t, out, size);
}

/* Reports "expected <what>, found <token>". */
static hresult expected(struct parser *p, hresult hr, const char *what)
{
	char f[64];

	return perr(p, hr, "expected %s, found %s", what, found(p, f, 64));
}

static hresult expect(struct parser *p,
                      enum mof_tok kind,
                      hresult hr,
                      const char *what)
{
	if (p->t.kind != kind) {
		return expected(p, hr, what);
	}
	return next(p);
}

static bool is_word(const struct mof_token *t, const char *w)
{
	size_t n = strlen(w);

	return t->kind == MT_IDENT && t->len == n &&
	       strncasecmp(t->p, w, n) == 0;
}

static struct mof_pos here(struct parser *p)
{
	struct mof_pos pos = { p->file, p->t.line, p->t.col };

	return pos;
}

/* Copies the current identifier under [mem] and advances. */
static hresult take_ident(struct parser *p,
                          void *mem,
                          char **out,
                          hresult hr,
                          const char *what)
{
	if (p->t.kind != MT_IDENT) {
		return expected(p, hr, what);
	}
	*out = talloc_strndup(mem, p->t.p, p->t.len);
	if (*out == NULL) {
		return HR_E_OUTOFMEMORY;
	}
	return next(p);
}

static struct mof_item *push_item(struct parser *p,
                                  enum mof_item_kind k,
                                  struct mof_pos pos)
{
	struct mof_item *it;

	if (p->u->n_items == p->cap_items) {
		uint32_t ncap = p->cap_items ? p->cap_items * 2 : 64;
		struct mof_item *ni = talloc_realloc(p->mem, p->u->items,
		                                     struct mof_item, ncap);

		if (ni == NULL) {
			return NULL;
		}
		p->u->items = ni;
		p->cap_items = ncap;
	}
	it = &p->u->items[p->u->n_items++];
	memset(it, 0, sizeof(*it));
	it->kind = k;
	it->ns = p->ns;
	it->pos = pos;
	return it;
}

/* ---- Types ------------------------------------------------------------ */

static const struct {
	const char *name;
	uint32_t type;
} type_names[] = {
	{ "boolean", CIM_T_BOOLEAN },   { "char16", CIM_T_CHAR16 },
	{ "datetime", CIM_T_DATETIME }, { "real32", CIM_T_REAL32 },
	{ "real64", CIM_T_REAL64 },     { "sint8", CIM_T_SINT8 },
	{ "sint16", CIM_T_SINT16 },     { "sint32", CIM_T_SINT32 },
	{ "sint64", CIM_T_SINT64 },     { "string", CIM_T_STRING },
	{ "uint8", CIM_T_UINT8 },       { "uint16", CIM_T_UINT16 },
	{ "uint32", CIM_T_UINT32 },     { "uint64", CIM_T_UINT64 },
	{ "object", CIM_T_OBJECT },
};

static bool tok_type(const struct mof_token *t, uint32_t *type)
{
	for (size_t i = 0; i < sizeof(type_names) / sizeof(type_names[0]);
	     i++) {
		if (is_word(t, type_names[i].name)) {
			*type = type_names[i].type;
			return true;
		}
	}
	return false;
}

/* ---- Qualifier declarations lookup ----------------------------------- */

static hresult decl_key(struct parser *p, const char *name, size_t len)
{
	buf_reset(&p->key);
	buf_addstr(&p->key, p->ns);
	buf_addch(&p->key, ':');
	buf_add(&p->key, name, len);
	return p->key.error;
}

static hresult find_decl(struct parser *p,
                         const char *name,
                         size_t len,
                         const struct decl_entry **out)
{
	struct decl_entry *e;
	struct cim_qualifier_decl *d = NULL;
	hresult hr;

	if (hr_failed(hr = decl_key(p, name, len))) {
		return hr;
	}
	e = mof_map_get(&p->decls, p->key.data, p->key.len);
	if (e == NULL && p->hooks != NULL && p->hooks->qualdecl != NULL) {
		char *nm = talloc_strndup(p->tmp, name, len);

		if (nm == NULL) {
			return HR_E_OUTOFMEMORY;
		}
		hr = p->hooks->qualdecl(p->hooks->arg, p->mem, p->ns, nm, &d);
		if (hr_eq(hr, HR_E_OUTOFMEMORY)) {
			return hr;
		}
		if (hr_ok(hr) && d != NULL) {
			e = talloc_zero(p->mem, struct decl_entry);
			if (e == NULL) {
				return HR_E_OUTOFMEMORY;
			}
			e->d = talloc_steal(e, d);
			e->flavor = d->flavor;
		} else {
			e = &p->negative;
		}
		if (hr_failed(hr = mof_map_put(&p->decls, p->key.data,
		                               p->key.len, e))) {
			return hr;
		}
	}
	*out = (e == &p->negative) ? NULL : e;
	return HR_OK;
}

/* ---- Flavors ---------------------------------------------------------- */

enum stated_flavor {
	SF_ENABLE = 1u << 0,
	SF_DISABLE = 1u << 1,
	SF_SUB = 1u << 2,
	SF_RESTRICTED = 1u << 3,
	SF_INST = 1u << 4,
	SF_NOINST = 1u << 5,
};

/* Applies the flavor word at the current token to [fl]; advances. */
static hresult flavor_word(struct parser *p, uint32_t *fl, uint32_t *stated)
{
	const struct mof_token *t = &p->t;

	if (is_word(t, "EnableOverride")) {
		*fl &= ~(uint32_t)CIM_FLAVOR_DISABLE_OVERRIDE;
		*stated |= SF_ENABLE;
	} else if (is_word(t, "DisableOverride")) {
		*fl |= CIM_FLAVOR_DISABLE_OVERRIDE;
		*stated |= SF_DISABLE;
	} else if (is_word(t, "ToSubclass")) {
		*fl |= CIM_FLAVOR_TO_SUBCLASS;
		*stated |= SF_SUB;
	} else if (is_word(t, "Restricted") || is_word(t, "NotToSubclass")) {
		*fl &= ~(uint32_t)CIM_FLAVOR_TO_SUBCLASS;
		*stated |= SF_RESTRICTED;
	} else if (is_word(t, "ToInstance")) {
		*fl |= CIM_FLAVOR_TO_INSTANCE;
		*stated |= SF_INST;
	} else if (is_word(t, "NotToInstance")) {
		*fl &= ~(uint32_t)CIM_FLAVOR_TO_INSTANCE;
		*stated |= SF_NOINST;
	} else if (is_word(t, "Translatable")) {
		*fl |= CIM_FLAVOR_TRANSLATABLE;
	} else if (is_word(t, "Amended")) {
		*fl |= CIM_FLAVOR_AMENDED;
	} else {
		return expected(p, HR_WBEMMOF_E_EXPECTED_FLAVOR_TYPE,
		                "a flavor (EnableOverride, DisableOverride, "
		                "ToSubclass, Restricted, ToInstance, "
		                "Translatable, Amended)");
	}
	if (((*stated & SF_ENABLE) && (*stated & SF_DISABLE)) ||
	    ((*stated & SF_SUB) && (*stated & SF_RESTRICTED)) ||
	    ((*stated & SF_INST) && (*stated & SF_NOINST))) {
		return perr(p, HR_WBEMMOF_E_INCOMPATIBLE_FLAVOR_TYPES,
		            "incompatible flavors");
	}
	return next(p);
}

/* ---- Values ----------------------------------------------------------- */

enum val_allow {
	VA_ALIAS = 1u << 0,
	VA_INSTANCE = 1u << 1,
	VA_ARRAY = 1u << 2,
};

static hresult parse_instance_body(struct parser *p,
                                   void *mem,
                                   struct qlist *ql,
                                   bool embedded,
                                   struct mof_instance **out);

static hresult note_alias_use(struct parser *p, const struct mof_val *v)
{
	if (p->n_alias_uses == p->cap_alias_uses) {
		uint32_t ncap = p->cap_alias_uses ? p->cap_alias_uses * 2 : 16;
		struct alias_use *n = talloc_realloc(p->mem, p->alias_uses,
		                                     struct alias_use, ncap);

		if (n == NULL) {
			return HR_E_OUTOFMEMORY;
		}
		p->alias_uses = n;
		p->cap_alias_uses = ncap;
	}
	p->alias_uses[p->n_alias_uses].name = v->s;
	p->alias_uses[p->n_alias_uses].pos = v->pos;
	p->n_alias_uses++;
	return HR_OK;
}

/* Parses adjacent string literals into one string under [mem]. */
static hresult parse_strings(struct parser *p, void *mem, char **out)
{
	hresult hr;

	buf_reset(&p->str);
	while (p->t.kind == MT_STRING) {
		buf_add(&p->str, p->t.s, p->t.slen);
		if (hr_failed(hr = next(p))) {
			return hr;
		}
	}
	if (hr_failed(p->str.error)) {
		return p->str.error;
	}
	*out = talloc_strndup(mem, p->str.data, p->str.len);
	return *out ? HR_OK : HR_E_OUTOFMEMORY;
}

static hresult parse_scalar(struct parser *p,
                            void *mem,
                            struct mof_val *v,
                            unsigned allow)
{
	hresult hr;

	memset(v, 0, sizeof(*v));
	v->pos = here(p);
	switch (p->t.kind) {
	case MT_STRING:
		v->kind = MOF_V_STRING;
		return parse_strings(p, mem, &v->s);
	case MT_INT:
		v->kind = MOF_V_INT;
		v->u = p->t.u;
		v->neg = p->t.neg;
		return next(p);
	case MT_REAL:
		v->kind = MOF_V_REAL;
		v->r = p->t.r;
		return next(p);
	case MT_CHAR:
		v->kind = MOF_V_CHAR16;
		v->u = p->t.u;
		return next(p);
	case MT_ALIAS:
		if (!(allow & VA_ALIAS)) {
			return perr(p, HR_WBEMMOF_E_UNEXPECTED_ALIAS,
			            "an alias is not allowed here");
		}
		v->kind = MOF_V_ALIAS;
		v->s = talloc_strndup(mem, p->t.p, p->t.len);
		if (v->s == NULL) {
			return HR_E_OUTOFMEMORY;
		}
		if (hr_failed(hr = note_alias_use(p, v))) {
			return hr;
		}
		return next(p);
	case MT_IDENT:
		if (is_word(&p->t, "true") || is_word(&p->t, "false")) {
			v->kind = MOF_V_BOOL;
			v->b = is_word(&p->t, "true");
			return next(p);
		}
		if (is_word(&p->t, "null")) {
			v->kind = MOF_V_NULL;
			return next(p);
		}
		if (is_word(&p->t, "instance") && (allow & VA_INSTANCE)) {
			struct qlist none = { 0 };

			v->kind = MOF_V_INSTANCE;
			return parse_instance_body(p, mem, &none, true,
			                           &v->inst);
		}
		break;
	default:
		break;
	}
	return expected(p, HR_WBEMMOF_E_ILLEGAL_CONSTANT_VALUE, "a value");
}

/*
 * Parses a value: a scalar, an alias, an embedded instance or an array
 * initializer "{ v, v }".
 */
static hresult parse_value(struct parser *p,
                           void *mem,
                           struct mof_val *v,
                           unsigned allow)
{
	struct mof_val *a = NULL;
	uint32_t n = 0, cap = 0;
	hresult hr;

	if (p->t.kind != MT_LBRACE) {
		return parse_scalar(p, mem, v, allow);
	}
	if (!(allow & VA_ARRAY)) {
		return perr(p, HR_WBEMMOF_E_UNEXPECTED_ARRAY_INIT,
		            "an array value is not allowed here");
	}
	memset(v, 0, sizeof(*v));
	v->pos = here(p);
	v->kind = MOF_V_ARRAY;
	if (hr_failed(hr = next(p))) {
		return hr;
	}
	while (p->t.kind != MT_RBRACE) {
		if (n == cap) {
			struct mof_val *na;

			cap = cap ? cap * 2 : 8;
			na = talloc_realloc(mem, a, struct mof_val, cap);
			if (na == NULL) {
				return HR_E_OUTOFMEMORY;
			}
			a = na;
		}
		if (p->t.kind == MT_LBRACE) {
			return perr(p, HR_WBEMMOF_E_UNEXPECTED_ARRAY_INIT,
			            "arrays cannot nest");
		}
		if (hr_failed(hr = parse_scalar(p, a, &a[n], allow))) {
			return hr;
		}
		n++;
		if (p->t.kind == MT_COMMA) {
			if (hr_failed(hr = next(p))) {
				return hr;
			}
		} else if (p->t.kind != MT_RBRACE) {
			return expected(p, HR_WBEMMOF_E_EXPECTED_CLOSE_BRACE,
			                "',' or '}' in array value");
		}
	}
	v->a = a;
	v->n = n;
	return next(p);
}

/* ---- Qualifier lists -------------------------------------------------- */

static hresult qlist_add(struct parser *p,
                         struct qlist *ql,
                         struct cim_qualifier **q,
                         struct qmeta **m)
{
	if (ql->n == ql->cap) {
		uint32_t ncap = ql->cap ? ql->cap * 2 : 8;
		struct cim_qualifier *nq;
		struct qmeta *nm;

		nq = ql->q ? talloc_realloc(p->mem, ql->q, struct cim_qualifier,
		                            ncap)
		           : talloc_array(p->mem, struct cim_qualifier, ncap);
		if (nq == NULL) {
			return HR_E_OUTOFMEMORY;
		}
		ql->q = nq;
		nm = talloc_realloc(p->tmp, ql->meta, struct qmeta, ncap);
		if (nm == NULL) {
			return HR_E_OUTOFMEMORY;
		}
		ql->meta = nm;
		ql->cap = ncap;
	}
	*q = &ql->q[ql->n];
	*m = &ql->meta[ql->n];
	memset(*q, 0, sizeof(**q));
	memset(*m, 0, sizeof(**m));
	ql->n++;
	return HR_OK;
}

/* Converts a qualifier's value (under [mem]) following declaration [e]. */
static hresult qual_value(struct parser *p,
                          void *mem,
                          struct cim_qualifier *q,
                          const struct decl_entry *e,
                          bool has_value,
                          const struct mof_val *v)
{
	struct cim_qualifier_decl *d = e ? e->d : NULL;

	if (!has_value) {
		if (d == NULL || d->type == CIM_T_BOOLEAN) {
			q->value.type = CIM_T_BOOLEAN;
			q->value.null = false;
			q->value.v.b = true;
			return HR_OK;
		}
		q->value = cim_value_null(d->type);
		return HR_OK;
	}
	if (d != NULL) {
		return mof_val_to_cim(mem, v, d->type, &q->value, p->ei);
	}
	return mof_val_to_cim_natural(mem, v, &q->value, p->ei);
}

/* Parses "[ q, q(...), q{...} : flavors ]" into [ql]. */
static hresult parse_qual_list(struct parser *p, struct qlist *ql)
{
	hresult hr;

	ql->pos = here(p);
	if (hr_failed(hr = next(p))) { /* '[' */
		return hr;
	}
	for (;;) {
		struct cim_qualifier *q;
		struct qmeta *m;
		const struct decl_entry *e = NULL;
		struct mof_val v = { 0 };
		bool has_value = false;
		uint32_t stated = 0;

		if (p->t.kind != MT_IDENT) {
			return expected(p, HR_WBEMMOF_E_EXPECTED_QUALIFIER_NAME,
			                "a qualifier name");
		}
		for (uint32_t i = 0; i < ql->n; i++) {
			if (strncasecmp(ql->q[i].name, p->t.p, p->t.len) == 0 &&
			    ql->q[i].name[p->t.len] == '\0') {
				return perr(p, HR_WBEMMOF_E_DUPLICATE_QUALIFIER,
				            "duplicate qualifier '%.*s'",
				            (int)p->t.len, p->t.p);
			}
		}
		if (hr_failed(hr = qlist_add(p, ql, &q, &m))) {
			return hr;
		}
		m->line = p->t.line;
		m->col = p->t.col;
		if (hr_failed(hr = find_decl(p, p->t.p, p->t.len, &e))) {
			return hr;
		}
		q->name = talloc_strndup(ql->q, p->t.p, p->t.len);
		if (q->name == NULL) {
			return HR_E_OUTOFMEMORY;
		}
		v.pos = here(p);
		if (hr_failed(hr = next(p))) {
			return hr;
		}
		if (p->t.kind == MT_LPAREN) {
			if (hr_failed(hr = next(p))) {
				return hr;
			}
			if (hr_failed(hr = parse_value(p, p->tmp, &v,
			                               VA_ARRAY))) {
				return hr;
			}
			if (hr_failed(hr = expect(
			                      p, MT_RPAREN,
			                      HR_WBEMMOF_E_EXPECTED_CLOSE_PAREN,
			                      "')' after qualifier value"))) {
				return hr;
			}
			has_value = true;
		} else if (p->t.kind == MT_LBRACE) {
			if (hr_failed(hr = parse_value(p, p->tmp, &v,
			                               VA_ARRAY))) {
				return hr;
			}
			has_value = true;
		}
		if (hr_failed(hr = qual_value(p, ql->q, q, e, has_value, &v))) {
			return hr;
		}
		if (e != NULL && e->d != NULL) {
			m->scope = e->d->scope;
		}
		q->flavor = e != NULL ? e->flavor : CIM_FLAVOR_DEFAULT;
		if (p->t.kind == MT_COLON) {
			if (hr_failed(hr = next(p))) {
				return hr;
			}
			do {
				hr = flavor_word(p, &q->flavor, &stated);
				if (hr_failed(hr)) {
					return hr;
				}
			} while (p->t.kind == MT_IDENT);
		}
		if (p->t.kind == MT_COMMA) {
			if (hr_failed(hr = next(p))) {
				return hr;
			}
			continue;
		}
		if (p->t.kind == MT_RBRACKET) {
			return next(p);
		}
		return expected(p, HR_WBEMMOF_E_EXPECTED_CLOSE_BRACKET,
		                "',' or ']' in qualifier list");
	}
}

/* Checks every declared qualifier of [ql] against [scope] bits. */
static hresult check_scope(struct parser *p,
                           const struct qlist *ql,
                           uint32_t scope,
                           const char *what)
{
	for (uint32_t i = 0; i < ql->n; i++) {
		if (ql->meta[i].scope != 0 && !(ql->meta[i].scope & scope)) {
			return mof_err_at(
			        p->ei,
			        HR_WBEMMOF_E_QUALIFIER_USED_OUTSIDE_SCOPE,
			        p->file, ql->meta[i].line, ql->meta[i].col, 0,
			        "qualifier '%s' is not allowed on a %s",
			        ql->q[i].name, what);
		}
	}
	return HR_OK;
}

/* Moves [ql]'s qualifiers into [qs], owned by [owner]. */
static void attach(struct qlist *ql, void *owner, struct cim_qualifier_set *qs)
{
	if (ql->n == 0) {
		talloc_free(ql->q);
		qs->q = NULL;
		qs->n = 0;
	} else {
		qs->q = talloc_steal(owner, ql->q);
		qs->n = ql->n;
	}
	ql->q = NULL;
	ql->n = ql->cap = 0;
	ql->meta = NULL;
}

static const struct cim_qualifier *ql_find(const struct qlist *ql,
                                           const char *name)
{
	for (uint32_t i = 0; i < ql->n; i++) {
		if (strcasecmp(ql->q[i].name, name) == 0) {
			return &ql->q[i];
		}
	}
	return NULL;
}

static bool ql_true(const struct qlist *ql, const char *name)
{
	const struct cim_qualifier *q = ql_find(ql, name);

	return q != NULL && q->value.type == CIM_T_BOOLEAN && !q->value.null &&
	       q->value.v.b;
}

/*
 * DSP0004: a string property (or parameter) qualified EmbeddedObject or
 * EmbeddedInstance holds an embedded object; its type becomes object.
 */
static uint32_t embedded_type(const struct qlist *ql, uint32_t type)
{
	const struct cim_qualifier *ei = ql_find(ql, "EmbeddedInstance");

	if (cim_type_base(type) != CIM_T_STRING) {
		return type;
	}
	if (ql_true(ql, "EmbeddedObject") ||
	    (ei != NULL && !ei->value.null && ei->value.type == CIM_T_STRING)) {
		return CIM_T_OBJECT | (type & CIM_FLAG_ARRAY);
	}
	return type;
}

/* ---- Qualifier declarations ------------------------------------------ */

static hresult scope_word(struct parser *p, uint32_t *scope)
{
	static const struct {
		const char *w;
		uint32_t bit;
	} words[] = {
		{ "class", CIM_SCOPE_CLASS },
		{ "association", CIM_SCOPE_ASSOCIATION },
		{ "indication", CIM_SCOPE_INDICATION },
		{ "property", CIM_SCOPE_PROPERTY },
		{ "reference", CIM_SCOPE_REFERENCE },
		{ "method", CIM_SCOPE_METHOD },
		{ "parameter", CIM_SCOPE_PARAMETER },
		{ "qualifier", CIM_SCOPE_QUALIFIER },
		{ "any", CIM_SCOPE_ANY },
		{ "schema", 0 },
	};

	for (size_t i = 0; i < sizeof(words) / sizeof(words[0]); i++) {
		if (is_word(&p->t, words[i].w)) {
			*scope |= words[i].bit;
			return next(p);
		}
	}
	return expected(p, HR_WBEMMOF_E_INVALID_QUALIFIER_SYNTAX,
	                "a scope (class, association, indication, property, "
	                "reference, method, parameter, any)");
}

/* Parses "( word, word )" calling [fn] per word. */
static hresult paren_words(struct parser *p,
                           bool flavor,
                           uint32_t *bits,
                           uint32_t *stated)
{
	hresult hr;

	if (hr_failed(hr = expect(p, MT_LPAREN,
	                          HR_WBEMMOF_E_EXPECTED_OPEN_PAREN, "'('"))) {
		return hr;
	}
	for (;;) {
		hr = flavor ? flavor_word(p, bits, stated)
		            : scope_word(p, bits);
		if (hr_failed(hr)) {
			return hr;
		}
		if (p->t.kind == MT_COMMA) {
			if (hr_failed(hr = next(p))) {
				return hr;
			}
			continue;
		}
		return expect(p, MT_RPAREN, HR_WBEMMOF_E_EXPECTED_CLOSE_PAREN,
		              "',' or ')'");
	}
}

static hresult register_decl(struct parser *p,
                             struct decl_entry *e,
                             const char *name)
{
	hresult hr;

	if (hr_failed(hr = decl_key(p, name, strlen(name)))) {
		return hr;
	}
	return mof_map_put(&p->decls, p->key.data, p->key.len, e);
}

static hresult parse_qualifier_decl(struct parser *p)
{
	struct mof_pos pos = here(p);
	struct cim_qualifier_decl *d;
	struct decl_entry *e;
	struct mof_item *it;
	struct mof_val v = { 0 };
	uint32_t stated = 0;
	bool has_value = false;
	hresult hr;

	if (hr_failed(hr = next(p))) { /* QUALIFIER */
		return hr;
	}
	d = talloc_zero(p->mem, struct cim_qualifier_decl);
	e = talloc_zero(p->mem, struct decl_entry);
	if (d == NULL || e == NULL) {
		return HR_E_OUTOFMEMORY;
	}
	if (hr_failed(hr = take_ident(p, d, &d->name,
	                              HR_WBEMMOF_E_EXPECTED_QUALIFIER_NAME,
	                              "a qualifier name"))) {
		return hr;
	}
	if (hr_failed(hr = expect(p, MT_COLON,
	                          HR_WBEMMOF_E_INVALID_QUALIFIER_SYNTAX,
	                          "':' after the qualifier name"))) {
		return hr;
	}
	d->flavor = CIM_FLAVOR_DEFAULT;
	d->scope = CIM_SCOPE_ANY;
	if (!tok_type(&p->t, &d->type)) {
		/* WMI: "Qualifier Description : ToSubclass Amended;" */
		if (p->t.kind != MT_IDENT) {
			return expected(p,
			                HR_WBEMMOF_E_EXPECTED_TYPE_IDENTIFIER,
			                "a type or a flavor");
		}
		while (p->t.kind == MT_IDENT) {
			if (hr_failed(
			            hr = flavor_word(p, &d->flavor, &stated))) {
				return hr;
			}
		}
		e->flavor_only = true;
		e->flavor = d->flavor;
		talloc_steal(e, d);
		if (hr_failed(hr = register_decl(p, e, d->name))) {
			return hr;
		}
		e->d = NULL;
		return expect(p, MT_SEMI, HR_WBEMMOF_E_EXPECTED_SEMI,
		              "';' after the qualifier declaration");
	}
	if (hr_failed(hr = next(p))) {
		return hr;
	}
	if (p->t.kind == MT_LBRACKET) {
		d->type |= CIM_FLAG_ARRAY;
		if (hr_failed(hr = next(p))) {
			return hr;
		}
		if (p->t.kind == MT_INT && hr_failed(hr = next(p))) {
			return hr;
		}
		if (hr_failed(hr = expect(p, MT_RBRACKET,
		                          HR_WBEMMOF_E_EXPECTED_CLOSE_BRACKET,
		                          "']'"))) {
			return hr;
		}
	}
	if (p->t.kind == MT_EQUALS) {
		if (hr_failed(hr = next(p))) {
			return hr;
		}
		if (hr_failed(hr = parse_value(p, p->tmp, &v, VA_ARRAY))) {
			return hr;
		}
		has_value = true;
	}
	if (has_value) {
		hr = mof_val_to_cim(d, &v, d->type, &d->def, p->ei);
		if (hr_failed(hr)) {
			return hr;
		}
	} else {
		d->def = cim_value_null(d->type);
	}
	while (p->t.kind != MT_SEMI) {
		if (p->t.kind == MT_COMMA && hr_failed(hr = next(p))) {
			return hr;
		}
		if (is_word(&p->t, "scope")) {
			d->scope = 0;
			if (hr_failed(hr = next(p)) ||
			    hr_failed(hr = paren_words(p, false, &d->scope,
			                               NULL))) {
				return hr;
			}
		} else if (is_word(&p->t, "flavor") ||
		           is_word(&p->t, "policy")) {
			if (hr_failed(hr = next(p)) ||
			    hr_failed(hr = paren_words(p, true, &d->flavor,
			                               &stated))) {
				return hr;
			}
		} else {
			return expected(p, HR_WBEMMOF_E_EXPECTED_SEMI,
			                "Scope(...), Flavor(...) or ';'");
		}
	}
	e->d = d;
	e->flavor = d->flavor;
	if (hr_failed(hr = register_decl(p, e, d->name))) {
		return hr;
	}
	it = push_item(p, MOF_ITEM_QUALDECL, pos);
	if (it == NULL) {
		return HR_E_OUTOFMEMORY;
	}
	it->u.qd = d;
	return next(p);
}

/* ---- Classes ---------------------------------------------------------- */

/* Parses an optional "[]" or "[N]"; sets CIM_FLAG_ARRAY and *fixed. */
static hresult array_spec(struct parser *p, uint32_t *type, uint64_t *fixed)
{
	hresult hr;

	*fixed = 0;
	if (p->t.kind != MT_LBRACKET) {
		return HR_OK;
	}
	*type |= CIM_FLAG_ARRAY;
	if (hr_failed(hr = next(p))) {
		return hr;
	}
	if (p->t.kind == MT_INT) {
		if (p->t.neg || p->t.u == 0 || p->t.u > INT32_MAX) {
			return perr(p, HR_WBEMMOF_E_OUT_OF_RANGE,
			            "array size out of range");
		}
		*fixed = p->t.u;
		if (hr_failed(hr = next(p))) {
			return hr;
		}
	}
	return expect(p, MT_RBRACKET, HR_WBEMMOF_E_EXPECTED_CLOSE_BRACKET,
	              "']' after array size");
}

/* Reads a data type, "object:Class", or "Class REF"; copies names. */
struct ftype {
	uint32_t type;
	char *ref_class; /* reference: the class; object:X: the class X */
	char *first;     /* the first identifier as written */
	bool is_void;
};

static hresult parse_ftype(struct parser *p, void *mem, struct ftype *ft)
{
	struct mof_token first;
	hresult hr;

	memset(ft, 0, sizeof(*ft));
	if (p->t.kind != MT_IDENT) {
		return expected(p, HR_WBEMMOF_E_EXPECTED_TYPE_IDENTIFIER,
		                "a data type or a class name");
	}
	first = p->t;
	ft->first = talloc_strndup(mem, first.p, first.len);
	if (ft->first == NULL) {
		return HR_E_OUTOFMEMORY;
	}
	if (hr_failed(hr = next(p))) {
		return hr;
	}
	if (is_word(&p->t, "ref")) {
		ft->type = CIM_T_REFERENCE;
		ft->ref_class = ft->first;
		return next(p);
	}
	if (is_word(&first, "void")) {
		ft->type = CIM_T_EMPTY;
		ft->is_void = true;
		return HR_OK;
	}
	if (!tok_type(&first, &ft->type)) {
		return mof_err_at(p->ei, HR_WBEMMOF_E_UNRECOGNIZED_TYPE,
		                  p->file, first.line, first.col, first.off,
		                  "unrecognized type '%.*s': expected a data "
		                  "type or 'ClassName REF'",
		                  (int)(first.len > 40 ? 40 : first.len),
		                  first.p);
	}
	if (ft->type == CIM_T_OBJECT && p->t.kind == MT_COLON) {
		if (hr_failed(hr = next(p))) {
			return hr;
		}
		return take_ident(p, mem, &ft->ref_class,
		                  HR_WBEMMOF_E_EXPECTED_CLASS_NAME,
		                  "a class name after 'object:'");
	}
	return HR_OK;
}

static hresult check_unique(struct parser *p,
                            struct cim_class *cls,
                            const char *fname,
                            const struct mof_token *name)
{
	if (cim_class_find_prop(cls, fname) >= 0 ||
	    cim_class_find_method(cls, fname) != NULL) {
		return mof_err_at(p->ei, HR_WBEMMOF_E_DUPLICATE_PROPERTY,
		                  p->file, name->line, name->col, name->off,
		                  "duplicate property or method '%s' in class "
		                  "'%s'",
		                  fname, cls->name);
	}
	return HR_OK;
}

/* Adds a fixed array size as WMI's MAX qualifier (unless one is given). */
static hresult fixed_size_qual(struct parser *p,
                               struct qlist *ql,
                               uint64_t fixed)
{
	struct cim_qualifier *q;
	struct qmeta *m;
	hresult hr;

	if (fixed == 0 || ql_find(ql, "MAX") != NULL) {
		return HR_OK;
	}
	if (hr_failed(hr = qlist_add(p, ql, &q, &m))) {
		return hr;
	}
	q->name = talloc_strdup(ql->q, "MAX");
	if (q->name == NULL) {
		return HR_E_OUTOFMEMORY;
	}
	q->value.type = CIM_T_SINT32;
	q->value.v.i = (int64_t)fixed;
	q->flavor = CIM_FLAVOR_DEFAULT;
	return HR_OK;
}

static hresult parse_params(struct parser *p,
                            struct cim_class *cls,
                            const char *mname)
{
	struct cim_method *m = cim_class_find_method(cls, mname);
	hresult hr;

	while (p->t.kind != MT_RPAREN) {
		struct qlist ql = { 0 };
		struct ftype ft;
		struct mof_token name;
		struct cim_param *prm;
		const struct cim_qualifier *id;
		uint64_t fixed;
		char *pname;

		if (p->t.kind == MT_LBRACKET &&
		    hr_failed(hr = parse_qual_list(p, &ql))) {
			return hr;
		}
		if (hr_failed(hr = parse_ftype(p, p->tmp, &ft))) {
			return hr;
		}
		if (ft.is_void) {
			return perr(p, HR_WBEMMOF_E_UNRECOGNIZED_TYPE,
			            "a parameter cannot be void");
		}
		name = p->t;
		if (hr_failed(
		            hr = take_ident(p, p->tmp, &pname,
		                            HR_WBEMMOF_E_EXPECTED_PROPERTY_NAME,
		                            "a parameter name"))) {
			return hr;
		}
		for (uint32_t i = 0; i < m->n_params; i++) {
			if (strcasecmp(m->params[i].name, pname) == 0) {
				return mof_err_at(
				        p->ei,
				        HR_WBEM_E_INVALID_DUPLICATE_PARAMETER,
				        p->file, name.line, name.col, name.off,
				        "duplicate parameter '%s'", pname);
			}
		}
		if (hr_failed(hr = array_spec(p, &ft.type, &fixed))) {
			return hr;
		}
		if (hr_failed(hr = fixed_size_qual(p, &ql, fixed))) {
			return hr;
		}
		if (hr_failed(hr = check_scope(p, &ql, CIM_SCOPE_PARAMETER,
		                               "parameter"))) {
			return hr;
		}
		if (ft.type != CIM_T_REFERENCE) {
			ft.type = embedded_type(&ql, ft.type);
		}
		prm = cim_method_add_param(cls, m, pname, ft.type);
		if (prm == NULL) {
			return HR_E_OUTOFMEMORY;
		}
		if (ft.ref_class != NULL) {
			prm->ref_class = talloc_strdup(cls, ft.ref_class);
			if (prm->ref_class == NULL) {
				return HR_E_OUTOFMEMORY;
			}
		}
		prm->in = ql_true(&ql, "In");
		prm->out = ql_true(&ql, "Out");
		if (ql_find(&ql, "In") == NULL && !prm->out) {
			prm->in = true; /* DSP0004: In defaults to TRUE */
		}
		id = ql_find(&ql, "ID");
		prm->id = -1;
		if (id != NULL && !id->value.null &&
		    (cim_type_base(id->value.type) == CIM_T_SINT32 ||
		     cim_type_base(id->value.type) == CIM_T_SINT64)) {
			prm->id = (int32_t)id->value.v.i;
		}
		attach(&ql, cls, &prm->quals);
		if (p->t.kind == MT_COMMA) {
			if (hr_failed(hr = next(p))) {
				return hr;
			}
			if (p->t.kind == MT_RPAREN) {
				return expected(
				        p,
				        HR_WBEMMOF_E_EXPECTED_TYPE_IDENTIFIER,
				        "a parameter after ','");
			}
		} else if (p->t.kind != MT_RPAREN) {
			return expected(p, HR_WBEMMOF_E_EXPECTED_CLOSE_PAREN,
			                "',' or ')' in parameter list");
		}
	}
	return next(p);
}

static hresult parse_feature(struct parser *p, struct cim_class *cls)
{
	struct qlist ql = { 0 };
	struct ftype ft;
	struct mof_token name;
	char *fname;
	uint64_t fixed;
	hresult hr;

	if (p->t.kind == MT_LBRACKET &&
	    hr_failed(hr = parse_qual_list(p, &ql))) {
		return hr;
	}
	if (hr_failed(hr = parse_ftype(p, p->tmp, &ft))) {
		return hr;
	}
	name = p->t;
	if (hr_failed(hr = take_ident(p, p->tmp, &fname,
	                              HR_WBEMMOF_E_EXPECTED_PROPERTY_NAME,
	                              "a property or method name"))) {
		return hr;
	}
	if (hr_failed(hr = check_unique(p, cls, fname, &name))) {
		return hr;
	}
	if (p->t.kind == MT_LPAREN) {
		struct cim_method *m;

		if (hr_failed(hr = check_scope(p, &ql, CIM_SCOPE_METHOD,
		                               "method"))) {
			return hr;
		}
		m = cim_class_add_method(cls, fname, ft.type);
		if (m == NULL) {
			return HR_E_OUTOFMEMORY;
		}
		attach(&ql, cls, &m->quals);
		if (hr_failed(hr = next(p)) ||
		    hr_failed(hr = parse_params(p, cls, fname))) {
			return hr;
		}
	} else {
		struct cim_property *prop;
		struct mof_val v = { 0 };
		bool has_value = false;
		bool is_ref = ft.type == CIM_T_REFERENCE;

		if (ft.is_void) {
			return mof_err_at(p->ei, HR_WBEMMOF_E_UNRECOGNIZED_TYPE,
			                  p->file, name.line, name.col,
			                  name.off,
			                  "a property cannot be void");
		}
		if (hr_failed(hr = array_spec(p, &ft.type, &fixed))) {
			return hr;
		}
		if (hr_failed(hr = fixed_size_qual(p, &ql, fixed))) {
			return hr;
		}
		if (hr_failed(hr = check_scope(p, &ql,
		                               is_ref ? CIM_SCOPE_REFERENCE
		                                      : CIM_SCOPE_PROPERTY,
		                               is_ref ? "reference"
		                                      : "property"))) {
			return hr;
		}
		if (p->t.kind == MT_EQUALS) {
			if (hr_failed(hr = next(p))) {
				return hr;
			}
			if (hr_failed(hr = parse_value(p, p->tmp, &v,
			                               VA_ARRAY))) {
				return hr;
			}
			has_value = true;
		}
		if (!is_ref) {
			ft.type = embedded_type(&ql, ft.type);
		}
		prop = cim_class_add_prop(cls, fname, ft.type);
		if (prop == NULL) {
			return HR_E_OUTOFMEMORY;
		}
		if (ft.ref_class != NULL) {
			prop->ref_class = talloc_strdup(cls, ft.ref_class);
			if (prop->ref_class == NULL) {
				return HR_E_OUTOFMEMORY;
			}
		}
		prop->local = true;
		attach(&ql, cls, &prop->quals);
		if (has_value) {
			hr = mof_val_to_cim(cls, &v, ft.type, &prop->value,
			                    p->ei);
			if (hr_failed(hr)) {
				return hr;
			}
		}
	}
	return expect(p, MT_SEMI, HR_WBEMMOF_E_EXPECTED_SEMI,
	              "';' after the property or method declaration");
}

/* Parses "as $alias" when present; returns the name under [mem]. */
static hresult opt_alias(struct parser *p, void *mem, char **alias)
{
	hresult hr;

	if (!is_word(&p->t, "as")) {
		return HR_OK;
	}
	if (hr_failed(hr = next(p))) {
		return hr;
	}
	if (p->t.kind != MT_ALIAS) {
		return expected(p, HR_WBEMMOF_E_EXPECTED_DOLLAR,
		                "'$alias' after 'as'");
	}
	if (*alias != NULL) {
		return perr(p, HR_WBEMMOF_E_MULTIPLE_ALIASES,
		            "more than one alias");
	}
	*alias = talloc_strndup(mem, p->t.p, p->t.len);
	if (*alias == NULL) {
		return HR_E_OUTOFMEMORY;
	}
	return next(p);
}

/* After "class" (or "association"/"indication"). */
static hresult parse_class(struct parser *p,
                           struct qlist *ql,
                           struct mof_pos pos,
                           const char *implied)
{
	struct cim_class *cls;
	struct mof_item *it;
	char *name = NULL, *super = NULL, *alias = NULL;
	hresult hr;

	if (hr_failed(hr = next(p))) {
		return hr;
	}
	if (hr_failed(hr = take_ident(p, p->tmp, &name,
	                              HR_WBEMMOF_E_EXPECTED_CLASS_NAME,
	                              "a class name"))) {
		return hr;
	}
	if (hr_failed(hr = opt_alias(p, p->tmp, &alias))) {
		return hr;
	}
	if (p->t.kind == MT_COLON) {
		if (hr_failed(hr = next(p))) {
			return hr;
		}
		if (hr_failed(hr = take_ident(p, p->tmp, &super,
		                              HR_WBEMMOF_E_EXPECTED_CLASS_NAME,
		                              "a superclass name after ':'"))) {
			return hr;
		}
		if (hr_failed(hr = opt_alias(p, p->tmp, &alias))) {
			return hr;
		}
	}
	if (p->t.kind != MT_LBRACE) {
		return expected(p, HR_WBEMMOF_E_EXPECTED_OPEN_BRACE,
		                "'{' to open the class body");
	}
	cls = cim_class_new(p->mem, name, super);
	if (cls == NULL) {
		return HR_E_OUTOFMEMORY;
	}
	if (implied != NULL && ql_find(ql, implied) == NULL) {
		struct cim_qualifier *q;
		struct qmeta *m;

		if (hr_failed(hr = qlist_add(p, ql, &q, &m))) {
			return hr;
		}
		q->name = talloc_strdup(ql->q, implied);
		if (q->name == NULL) {
			return HR_E_OUTOFMEMORY;
		}
		q->value.type = CIM_T_BOOLEAN;
		q->value.v.b = true;
		q->flavor = CIM_FLAVOR_TO_SUBCLASS |
		            CIM_FLAVOR_DISABLE_OVERRIDE;
	}
	if (hr_failed(hr = check_scope(p, ql,
	                               CIM_SCOPE_CLASS | CIM_SCOPE_ASSOCIATION |
	                                       CIM_SCOPE_INDICATION,
	                               "class"))) {
		return hr;
	}
	attach(ql, cls, &cls->quals);
	if (hr_failed(hr = next(p))) {
		return hr;
	}
	while (p->t.kind != MT_RBRACE) {
		if (p->t.kind == MT_EOF) {
			return expected(p, HR_WBEMMOF_E_EXPECTED_CLOSE_BRACE,
			                "'}' to close the class body");
		}
		if (hr_failed(hr = parse_feature(p, cls))) {
			return hr;
		}
	}
	if (hr_failed(hr = next(p))) {
		return hr;
	}
	if (hr_failed(hr = expect(p, MT_SEMI, HR_WBEMMOF_E_EXPECTED_SEMI,
	                          "';' after the class declaration"))) {
		return hr;
	}
	it = push_item(p, MOF_ITEM_CLASS, pos);
	if (it == NULL) {
		return HR_E_OUTOFMEMORY;
	}
	it->u.cls = cls;
	it->flags = p->class_flags;
	return HR_OK;
}

/* ---- Instances -------------------------------------------------------- */

static hresult add_propval(struct mof_instance *inst,
                           uint32_t *cap,
                           struct mof_propval **out)
{
	if (inst->n_props == *cap) {
		uint32_t ncap = *cap ? *cap * 2 : 8;
		struct mof_propval *n = talloc_realloc(
		        inst, inst->props, struct mof_propval, ncap);

		if (n == NULL) {
			return HR_E_OUTOFMEMORY;
		}
		inst->props = n;
		*cap = ncap;
	}
	*out = &inst->props[inst->n_props++];
	memset(*out, 0, sizeof(**out));
	return HR_OK;
}

/* Parses one "[quals] Name = value ;" of an instance body. */
static hresult parse_propval(struct parser *p,
                             struct mof_instance *inst,
                             uint32_t *cap,
                             struct mof_map *seen)
{
	struct qlist ql = { 0 };
	struct mof_propval *pv;
	struct mof_token name;
	hresult hr;

	if (p->t.kind == MT_LBRACKET) {
		/* Property qualifiers on instances are accepted, not kept. */
		hr = parse_qual_list(p, &ql);
		talloc_free(ql.q);
		if (hr_failed(hr)) {
			return hr;
		}
	}
	if (p->t.kind != MT_IDENT) {
		return expected(p, HR_WBEMMOF_E_EXPECTED_PROPERTY_NAME,
		                "a property name or '}'");
	}
	name = p->t;
	if (mof_map_get(seen, name.p, name.len) != NULL) {
		return perr(p, HR_WBEMMOF_E_DUPLICATE_PROPERTY,
		            "property '%.*s' is set twice", (int)name.len,
		            name.p);
	}
	if (hr_failed(hr = mof_map_put(seen, name.p, name.len, inst))) {
		return hr;
	}
	if (hr_failed(hr = add_propval(inst, cap, &pv))) {
		return hr;
	}
	pv->pos = here(p);
	if (hr_failed(hr = take_ident(p, inst, &pv->name,
	                              HR_WBEMMOF_E_EXPECTED_PROPERTY_NAME,
	                              "a property name"))) {
		return hr;
	}
	if (hr_failed(hr = expect(p, MT_EQUALS,
	                          HR_WBEMMOF_E_INVALID_INSTANCE_DECLARATION,
	                          "'=' after the property name"))) {
		return hr;
	}
	/* The value lives under the props array's owner, not the array. */
	if (hr_failed(hr = parse_value(p, inst, &pv->val,
	                               VA_ALIAS | VA_INSTANCE | VA_ARRAY))) {
		return hr;
	}
	return expect(p, MT_SEMI, HR_WBEMMOF_E_EXPECTED_SEMI,
	              "';' after the property value");
}

/* After "instance" (the current token). */
static hresult parse_instance_body(struct parser *p,
                                   void *mem,
                                   struct qlist *ql,
                                   bool embedded,
                                   struct mof_instance **out)
{
	struct mof_instance *inst;
	struct mof_map seen;
	uint32_t cap = 0;
	hresult hr;

	inst = talloc_zero(mem, struct mof_instance);
	if (inst == NULL) {
		return HR_E_OUTOFMEMORY;
	}
	inst->pos = ql->n ? ql->pos : here(p);
	if (++p->depth > p->max_depth) {
		return perr(p, HR_WBEMMOF_E_INVALID_INSTANCE_DECLARATION,
		            "embedded instances nested deeper than %u",
		            p->max_depth);
	}
	if (hr_failed(hr = next(p))) {
		return hr;
	}
	if (!is_word(&p->t, "of")) {
		return expected(p, HR_WBEMMOF_E_INVALID_INSTANCE_DECLARATION,
		                "'of' after 'instance'");
	}
	if (hr_failed(hr = next(p))) {
		return hr;
	}
	if (hr_failed(hr = take_ident(p, inst, &inst->class_name,
	                              HR_WBEMMOF_E_EXPECTED_CLASS_NAME,
	                              "a class name after 'instance of'"))) {
		return hr;
	}
	if (is_word(&p->t, "as") && embedded) {
		return perr(p, HR_WBEMMOF_E_ALIASES_IN_EMBEDDED,
		            "embedded instances cannot have aliases");
	}
	while (is_word(&p->t, "as")) {
		if (hr_failed(hr = opt_alias(p, inst, &inst->alias))) {
			return hr;
		}
	}
	if (p->t.kind != MT_LBRACE) {
		return expected(p, HR_WBEMMOF_E_EXPECTED_OPEN_BRACE,
		                "'{' to open the instance body");
	}
	if (hr_failed(hr = next(p))) {
		return hr;
	}
	attach(ql, inst, &inst->quals);
	mof_map_init(&seen, inst);
	while (p->t.kind != MT_RBRACE) {
		if (p->t.kind == MT_EOF) {
			return expected(p, HR_WBEMMOF_E_EXPECTED_CLOSE_BRACE,
			                "'}' to close the instance body");
		}
		if (hr_failed(hr = parse_propval(p, inst, &cap, &seen))) {
			return hr;
		}
	}
	talloc_free(seen.keys);
	talloc_free(seen.vals);
	if (hr_failed(hr = next(p))) {
		return hr;
	}
	p->depth--;
	*out = inst;
	return HR_OK;
}

static hresult parse_instance(struct parser *p,
                              struct qlist *ql,
                              struct mof_pos pos)
{
	struct mof_instance *inst = NULL;
	struct mof_item *it;
	hresult hr;

	if (hr_failed(hr = parse_instance_body(p, p->mem, ql, false, &inst))) {
		return hr;
	}
	inst->pos = pos;
	if (hr_failed(hr = expect(p, MT_SEMI, HR_WBEMMOF_E_EXPECTED_SEMI,
	                          "';' after the instance declaration"))) {
		return hr;
	}
	if (inst->alias != NULL) {
		size_t n = strlen(inst->alias);

		if (mof_map_get(&p->aliases, inst->alias, n) != NULL) {
			return mof_err_at(p->ei, HR_WBEMMOF_E_MULTIPLE_ALIASES,
			                  pos.file, pos.line, pos.col, 0,
			                  "alias '$%s' is declared twice",
			                  inst->alias);
		}
		if (hr_failed(hr = mof_map_put(&p->aliases, inst->alias, n,
		                               inst))) {
			return hr;
		}
	}
	it = push_item(p, MOF_ITEM_INSTANCE, pos);
	if (it == NULL) {
		return HR_E_OUTOFMEMORY;
	}
	it->u.inst = inst;
	it->flags = p->instance_flags;
	return HR_OK;
}

/* ---- Pragmas ---------------------------------------------------------- */

enum parg_kind { PA_STR, PA_INT, PA_IDENT };

struct parg {
	enum parg_kind kind;
	char *s; /* PA_STR, PA_IDENT */
	uint64_t u;
	bool neg;
	struct mof_pos pos;
};

#define MAX_PRAGMA_ARGS 8

static hresult arg_err(struct parser *p,
                       const struct parg *a,
                       hresult hr,
                       const char *msg)
{
	return mof_err_at(p->ei, hr, a->pos.file, a->pos.line, a->pos.col, 0,
	                  "%s", msg);
}

/*
 * Resolves a #pragma namespace argument against the current namespace:
 * "\\\\server\\root\\x" and "root\\x" are absolute, anything else is
 * relative.  Returns the new path (no leading or trailing separators).
 */
static hresult resolve_ns(struct parser *p, const struct parg *a, char **out)
{
	struct buf b;
	const char *s = a->s;
	bool absolute = false;
	size_t i;

	buf_init(&b, p->mem);
	if ((s[0] == '\\' || s[0] == '/') && (s[1] == '\\' || s[1] == '/')) {
		s += 2; /* server name, ignored: the compile is local */
		while (*s != '\0' && *s != '\\' && *s != '/') {
			s++;
		}
		if (*s == '\0') {
			return arg_err(p, a,
			               HR_WBEMMOF_E_INVALID_NAMESPACE_SYNTAX,
			               "namespace path names a server but no "
			               "namespace");
		}
		absolute = true;
	}
	while (*s == '\\' || *s == '/') {
		s++;
	}
	if (strncasecmp(s, "root", 4) == 0 &&
	    (s[4] == '\0' || s[4] == '\\' || s[4] == '/')) {
		absolute = true;
	}
	if (!absolute) {
		buf_addstr(&b, p->ns);
		buf_addch(&b, '\\');
	}
	/* A failed growth must not read as an empty name: stop at once. */
	for (i = 0; s[i] != '\0' && hr_ok(b.error); i++) {
		char c = s[i] == '/' ? '\\' : s[i];

		if (c == '\\' && (b.len == 0 || b.data[b.len - 1] == '\\')) {
			if (s[i + 1] == '\0') {
				break;
			}
			buf_release(&b);
			return arg_err(p, a,
			               HR_WBEMMOF_E_INVALID_NAMESPACE_SYNTAX,
			               "empty namespace name in path");
		}
		buf_addch(&b, c);
	}
	while (b.len > 0 && b.data[b.len - 1] == '\\') {
		b.data[--b.len] = '\0';
	}
	if (hr_failed(b.error)) {
		return b.error;
	}
	if (b.len == 0) {
		buf_release(&b);
		return arg_err(p, a, HR_WBEMMOF_E_INVALID_NAMESPACE_SYNTAX,
		               "empty namespace path");
	}
	*out = buf_detach(&b, NULL);
	return HR_OK;
}

static hresult ns_create_item(struct parser *p, struct mof_pos pos)
{
	struct mof_item *it = push_item(p, MOF_ITEM_NSCREATE, pos);

	return it ? HR_OK : HR_E_OUTOFMEMORY;
}

static hresult pragma_namespace(struct parser *p,
                                struct parg *args,
                                uint32_t n,
                                struct mof_pos pos)
{
	char *ns = NULL;
	hresult hr;

	if (n != 1 || args[0].kind != PA_STR) {
		return perr(p, HR_WBEMMOF_E_INVALID_NAMESPACE_SYNTAX,
		            "expected #pragma namespace(\"path\")");
	}
	if (strcasecmp(args[0].s, "__create") == 0) {
		/*
		 * Create the current namespace (and its parents) if missing,
		 * and every namespace later pragmas of this compile name.
		 */
		p->create_ns = true;
		return ns_create_item(p, pos);
	}
	if (hr_failed(hr = resolve_ns(p, &args[0], &ns))) {
		return hr;
	}
	p->ns = ns;
	if (p->create_ns) {
		return ns_create_item(p, pos);
	}
	return HR_OK;
}

static hresult pragma_flags(struct parser *p,
                            struct parg *args,
                            uint32_t n,
                            bool classes)
{
	static const struct {
		const char *w;
		unsigned v;
		bool cls_only;
	} words[] = {
		{ "createonly", MOF_CLASS_CREATE_ONLY, false },
		{ "updateonly", MOF_CLASS_UPDATE_ONLY, false },
		{ "safeupdate", MOF_CLASS_SAFE_UPDATE, true },
		{ "forceupdate", MOF_CLASS_FORCE_UPDATE, true },
	};
	unsigned mask = classes ? 0x63u : 0x3u;
	unsigned f = 0;

	if (n == 0) {
		return perr(p, HR_WBEMMOF_E_INVALID_FLAGS_SYNTAX,
		            "expected a flag name or number");
	}
	for (uint32_t i = 0; i < n; i++) {
		bool ok = false;

		if (args[i].kind == PA_INT) {
			if (args[i].neg || (args[i].u & ~(uint64_t)mask)) {
				return arg_err(
				        p, &args[i],
				        HR_WBEMMOF_E_INVALID_FLAGS_SYNTAX,
				        "invalid flag value");
			}
			f |= (unsigned)args[i].u;
			continue;
		}
		if (args[i].kind == PA_STR && args[i].s[0] == '\0') {
			continue;
		}
		for (size_t k = 0; k < sizeof(words) / sizeof(words[0]); k++) {
			if (strcasecmp(args[i].s, words[k].w) == 0 &&
			    (classes || !words[k].cls_only)) {
				f |= words[k].v;
				ok = true;
			}
		}
		if (!ok) {
			return arg_err(p, &args[i],
			               HR_WBEMMOF_E_INVALID_FLAGS_SYNTAX,
			               classes ? "expected createonly, "
			                         "updateonly, safeupdate or "
			                         "forceupdate"
			                       : "expected createonly or "
			                         "updateonly");
		}
	}
	if ((f & MOF_CLASS_CREATE_ONLY) && (f & MOF_CLASS_UPDATE_ONLY)) {
		return perr(p, HR_WBEMMOF_E_INVALID_FLAGS_SYNTAX,
		            "createonly and updateonly exclude each other");
	}
	if ((f & MOF_CLASS_SAFE_UPDATE) && (f & MOF_CLASS_FORCE_UPDATE)) {
		return perr(p, HR_WBEMMOF_E_INVALID_FLAGS_SYNTAX,
		            "safeupdate and forceupdate exclude each other");
	}
	if (classes) {
		p->class_flags = f;
	} else {
		p->instance_flags = f;
	}
	return HR_OK;
}

static hresult pragma_delete(struct parser *p,
                             struct parg *args,
                             uint32_t n,
                             struct mof_pos pos,
                             bool cls)
{
	hresult bad = cls ? HR_WBEMMOF_E_INVALID_DELETECLASS_SYNTAX
	                  : HR_WBEMMOF_E_INVALID_DELETEINSTANCE_SYNTAX;
	struct mof_item *it;
	bool fail;

	if (n != 2 || args[0].kind != PA_STR || args[1].kind != PA_IDENT ||
	    args[0].s[0] == '\0') {
		return perr(p, bad,
		            cls ? "expected #pragma deleteclass(\"Class\", "
		                  "FAIL|NOFAIL)"
		                : "expected #pragma deleteinstance(\"path\", "
		                  "FAIL|NOFAIL)");
	}
	if (strcasecmp(args[1].s, "FAIL") == 0) {
		fail = true;
	} else if (strcasecmp(args[1].s, "NOFAIL") == 0) {
		fail = false;
	} else {
		return arg_err(p, &args[1], bad, "expected FAIL or NOFAIL");
	}
	it = push_item(p, cls ? MOF_ITEM_DELETECLASS : MOF_ITEM_DELETEINSTANCE,
	               pos);
	if (it == NULL) {
		return HR_E_OUTOFMEMORY;
	}
	it->u.del.name = talloc_steal(p->mem, args[0].s);
	it->u.del.fail = fail;
	return HR_OK;
}

static hresult parse_file_text(struct parser *p,
                               const char *display,
                               const char *real,
                               const uint8_t *data,
                               size_t len);

/* Reads a whole file (at most [max] bytes) under [mem]. */
static hresult read_file(void *mem,
                         const char *path,
                         size_t max,
                         uint8_t **out,
                         size_t *out_len,
                         bool *missing)
{
	struct stat st;
	uint8_t *data;
	size_t got = 0;
	int fd;

	*missing = false;
	fd = open(path, O_RDONLY | O_CLOEXEC);
	if (fd < 0) {
		*missing = errno == ENOENT || errno == ENOTDIR;
		return HR_WBEMMOF_E_INVALID_FILE;
	}
	if (fstat(fd, &st) != 0 || !S_ISREG(st.st_mode) ||
	    (uint64_t)st.st_size > max) {
		close(fd);
		return HR_WBEMMOF_E_INVALID_FILE;
	}
	data = talloc_array(mem, uint8_t, (size_t)st.st_size + 1);
	if (data == NULL) {
		close(fd);
		return HR_E_OUTOFMEMORY;
	}
	while (got < (size_t)st.st_size) {
		ssize_t r = read(fd, data + got, (size_t)st.st_size - got);

		if (r < 0 && errno == EINTR) {
			continue;
		}
		if (r <= 0) {
			break;
		}
		got += (size_t)r;
	}
	close(fd);
	*out = data;
	*out_len = got;
	return HR_OK;
}

static hresult pragma_include(struct parser *p, struct parg *args, uint32_t n)
{
	char rbuf[PATH_MAX];
	const char *slash;
	char *path, *real = NULL;
	uint8_t *data = NULL;
	size_t len = 0;
	bool missing;
	hresult hr;

	if (n != 1 || args[0].kind != PA_STR || args[0].s[0] == '\0') {
		return perr(p, HR_WBEMMOF_E_ERROR_INVALID_INCLUDE_FILE,
		            "expected #pragma include(\"file\")");
	}
	if (p->o->no_includes) {
		return arg_err(p, &args[0],
		               HR_WBEMMOF_E_ERROR_INVALID_INCLUDE_FILE,
		               "includes are disabled");
	}
	for (char *c = args[0].s; *c != '\0'; c++) {
		if (*c == '\\') {
			*c = '/';
		}
	}
	slash = strrchr(p->file, '/');
	if (args[0].s[0] == '/' || slash == NULL) {
		path = talloc_strdup(p->mem, args[0].s);
	} else {
		path = talloc_asprintf(p->mem, "%.*s/%s",
		                       (int)(slash - p->file), p->file,
		                       args[0].s);
	}
	if (path == NULL) {
		return HR_E_OUTOFMEMORY;
	}
	if (p->inc_depth + 1 > p->max_depth) {
		return arg_err(p, &args[0],
		               HR_WBEMMOF_E_ERROR_INVALID_INCLUDE_FILE,
		               "includes nested too deep");
	}
	hr = read_file(p->tmp, path, p->max_file, &data, &len, &missing);
	if (hr_eq(hr, HR_E_OUTOFMEMORY)) {
		return hr;
	}
	if (hr_failed(hr)) {
		char msg[300];

		snprintf(msg, sizeof(msg), "%s include file '%s'",
		         missing ? "cannot find" : "cannot read", path);
		return arg_err(p, &args[0],
		               HR_WBEMMOF_E_ERROR_INVALID_INCLUDE_FILE, msg);
	}
	if (realpath(path, rbuf) != NULL) {
		real = rbuf;
		for (uint32_t i = 0; i < p->n_inc; i++) {
			if (p->incstack[i] != NULL &&
			    strcmp(p->incstack[i], real) == 0) {
				return arg_err(
				        p, &args[0],
				        HR_WBEMMOF_E_ERROR_INVALID_INCLUDE_FILE,
				        "include cycle");
			}
		}
	}
	return parse_file_text(p, path, real, data, len);
}

static hresult pragma_string(struct parser *p,
                             struct parg *args,
                             uint32_t n,
                             char **slot,
                             bool amendment)
{
	if (n != 1 || args[0].kind != PA_STR) {
		return perr(p,
		            amendment ? HR_WBEMMOF_E_INVALID_AMENDMENT_SYNTAX
		                      : HR_WBEMMOF_E_INVALID_PRAGMA,
		            "expected one string argument");
	}
	if (amendment && *slot != NULL && strcasecmp(*slot, args[0].s) != 0) {
		return perr(p, HR_WBEMMOF_E_INVALID_DUPLICATE_AMENDMENT,
		            "a second, different #pragma amendment");
	}
	*slot = talloc_steal(p->mem, args[0].s);
	return HR_OK;
}

static hresult pragma_args(struct parser *p, struct parg *args, uint32_t *n)
{
	hresult hr;

	*n = 0;
	if (hr_failed(hr = expect(p, MT_LPAREN,
	                          HR_WBEMMOF_E_EXPECTED_OPEN_PAREN,
	                          "'(' after the pragma name"))) {
		return hr;
	}
	while (p->t.kind != MT_RPAREN) {
		struct parg *a = &args[*n];

		if (*n == MAX_PRAGMA_ARGS) {
			return perr(p, HR_WBEMMOF_E_INVALID_PRAGMA,
			            "too many pragma arguments");
		}
		memset(a, 0, sizeof(*a));
		a->pos = here(p);
		if (p->t.kind == MT_STRING) {
			a->kind = PA_STR;
			if (hr_failed(hr = parse_strings(p, p->tmp, &a->s))) {
				return hr;
			}
		} else if (p->t.kind == MT_INT) {
			a->kind = PA_INT;
			a->u = p->t.u;
			a->neg = p->t.neg;
			if (hr_failed(hr = next(p))) {
				return hr;
			}
		} else if (p->t.kind == MT_IDENT) {
			a->kind = PA_IDENT;
			if (hr_failed(
			            hr = take_ident(p, p->tmp, &a->s,
			                            HR_WBEMMOF_E_INVALID_PRAGMA,
			                            "an argument"))) {
				return hr;
			}
		} else {
			return expected(p, HR_WBEMMOF_E_INVALID_PRAGMA,
			                "a pragma argument");
		}
		(*n)++;
		if (p->t.kind == MT_COMMA) {
			if (hr_failed(hr = next(p))) {
				return hr;
			}
		} else if (p->t.kind != MT_RPAREN) {
			return expected(p, HR_WBEMMOF_E_EXPECTED_CLOSE_PAREN,
			                "',' or ')' after a pragma argument");
		}
	}
	return HR_OK; /* the current token is ')' */
}

static hresult parse_pragma(struct parser *p)
{
	struct mof_pos pos = here(p);
	struct parg args[MAX_PRAGMA_ARGS];
	struct mof_token name;
	uint32_t n = 0;
	hresult hr;

	if (hr_failed(hr = next(p))) {
		return hr;
	}
	if (p->t.kind != MT_IDENT) {
		return expected(p, HR_WBEMMOF_E_INVALID_PRAGMA,
		                "a pragma name after '#pragma'");
	}
	name = p->t;
	if (is_word(&name, "autorecover")) {
		p->u->autorecover = true;
		return next(p);
	}
	if (hr_failed(hr = next(p)) ||
	    hr_failed(hr = pragma_args(p, args, &n))) {
		return hr;
	}
	if (is_word(&name, "include")) {
		/* The included text comes before the ')' is consumed. */
		if (hr_failed(hr = pragma_include(p, args, n))) {
			return hr;
		}
	} else if (is_word(&name, "namespace")) {
		hr = pragma_namespace(p, args, n, pos);
	} else if (is_word(&name, "classflags")) {
		hr = pragma_flags(p, args, n, true);
	} else if (is_word(&name, "instanceflags")) {
		hr = pragma_flags(p, args, n, false);
	} else if (is_word(&name, "deleteclass")) {
		hr = pragma_delete(p, args, n, pos, true);
	} else if (is_word(&name, "deleteinstance")) {
		hr = pragma_delete(p, args, n, pos, false);
	} else if (is_word(&name, "locale")) {
		hr = pragma_string(p, args, n, &p->u->locale, false);
	} else if (is_word(&name, "amendment")) {
		hr = pragma_string(p, args, n, &p->u->amendment, true);
	} else if (is_word(&name, "instancelocale") ||
	           is_word(&name, "nonlocal") ||
	           is_word(&name, "nonlocaltype") || is_word(&name, "source") ||
	           is_word(&name, "sourcetype")) {
		hr = HR_OK; /* DSP0221 pragmas with no effect here */
	} else {
		return mof_err_at(p->ei, HR_WBEMMOF_E_INVALID_PRAGMA, p->file,
		                  name.line, name.col, name.off,
		                  "unknown pragma '%.*s'",
		                  (int)(name.len > 40 ? 40 : name.len), name.p);
	}
	if (hr_failed(hr)) {
		return hr;
	}
	return next(p); /* ')' */
}

/* ---- Statements and files --------------------------------------------- */

static hresult statement(struct parser *p)
{
	struct qlist ql = { 0 };
	struct mof_pos pos = here(p);
	hresult hr;

	switch (p->t.kind) {
	case MT_PRAGMA:
		return parse_pragma(p);
	case MT_SEMI:
		return next(p); /* an empty statement */
	case MT_LBRACKET:
		if (hr_failed(hr = parse_qual_list(p, &ql))) {
			return hr;
		}
		break;
	case MT_IDENT:
		break;
	default:
		return expected(p, HR_WBEMMOF_E_UNRECOGNIZED_TOKEN,
		                "a class, instance or qualifier declaration "
		                "or #pragma");
	}
	if (is_word(&p->t, "class")) {
		return parse_class(p, &ql, pos, NULL);
	}
	if (is_word(&p->t, "association")) {
		return parse_class(p, &ql, pos, "Association");
	}
	if (is_word(&p->t, "indication")) {
		return parse_class(p, &ql, pos, "Indication");
	}
	if (is_word(&p->t, "instance")) {
		return parse_instance(p, &ql, pos);
	}
	if (ql.n == 0 && is_word(&p->t, "qualifier")) {
		return parse_qualifier_decl(p);
	}
	if (ql.n == 0 && is_word(&p->t, "typedef")) {
		return perr(p, HR_WBEMMOF_E_TYPEDEF_NOT_SUPPORTED,
		            "typedef is not supported");
	}
	if (ql.n != 0) {
		return expected(p, HR_WBEMMOF_E_INVALID_CLASS_DECLARATION,
		                "'class' or 'instance' after the qualifier "
		                "list");
	}
	return expected(p, HR_WBEMMOF_E_UNRECOGNIZED_TOKEN,
	                "a class, instance or qualifier declaration or "
	                "#pragma");
}

/*
 * Parses one file's bytes as a nested compile step: the namespace and
 * flags in force continue into and out of it.  [display] names it in
 * positions; [real] (may be NULL) is its real path for cycle checks.
 */
static hresult parse_file_text(struct parser *p,
                               const char *display,
                               const char *real,
                               const uint8_t *data,
                               size_t len)
{
	struct mof_lexer lx;
	struct mof_lexer *saved_lx = p->lx;
	struct mof_token saved_t = p->t;
	const char *saved_file = p->file;
	void *saved_tmp = p->tmp;
	void *fmem = NULL;
	char *text = NULL;
	char **stack;
	size_t n = 0;
	hresult hr;

	stack = talloc_realloc(p->mem, p->incstack, char *, p->n_inc + 1);
	if (stack == NULL) {
		return HR_E_OUTOFMEMORY;
	}
	p->incstack = stack;
	p->incstack[p->n_inc] = real ? talloc_strdup(p->incstack, real) : NULL;
	p->n_inc++;
	p->inc_depth++;
	p->u->n_files++;
	fmem = talloc_new(p->mem);
	p->tmp = talloc_new(p->mem);
	p->file = talloc_strdup(p->mem, display);
	if (fmem == NULL || p->tmp == NULL || p->file == NULL) {
		hr = HR_E_OUTOFMEMORY;
		goto out;
	}
	hr = mof_decode_text(fmem, data, len, p->file, &text, &n, p->ei);
	if (hr_failed(hr)) {
		goto out;
	}
	/* The scratch buffer lives in fmem, apart from the temporaries. */
	mof_lex_init(&lx, fmem, text, n, p->file, p->o->max_ident, p->ei);
	p->lx = &lx;
	if (hr_failed(hr = next(p))) {
		goto out;
	}
	while (p->t.kind != MT_EOF) {
		if (hr_failed(hr = statement(p))) {
			goto out;
		}
		talloc_free_children(p->tmp);
	}
out:
	talloc_free(p->tmp);
	talloc_free(fmem);
	p->tmp = saved_tmp;
	p->lx = saved_lx;
	p->t = saved_t;
	p->file = saved_file;
	p->n_inc--;
	p->inc_depth--;
	return hr;
}

static hresult check_aliases(struct parser *p)
{
	for (uint32_t i = 0; i < p->n_alias_uses; i++) {
		const struct alias_use *a = &p->alias_uses[i];

		if (mof_map_get(&p->aliases, a->name, strlen(a->name)) ==
		    NULL) {
			return mof_err_at(p->ei, HR_WBEM_E_NOT_FOUND,
			                  a->pos.file, a->pos.line, a->pos.col,
			                  0, "alias '$%s' is not declared",
			                  a->name);
		}
	}
	return HR_OK;
}

hresult mof_parse_ex(void *mem,
                     const char *path,
                     const void *data,
                     size_t len,
                     const struct mof_options *o,
                     const struct mof_parse_hooks *hooks,
                     struct mof_unit **out,
                     struct errinfo *ei)
{
	static const struct mof_options defaults = { 0 };
	struct parser p;
	void *top = NULL;
	uint8_t *fdata = NULL;
	char rbuf[PATH_MAX];
	hresult hr;

	memset(&p, 0, sizeof(p));
	p.o = o ? o : &defaults;
	p.hooks = hooks;
	p.ei = ei;
	p.max_depth = p.o->max_depth ? p.o->max_depth : MOF_DEFAULT_MAX_DEPTH;
	p.max_file = p.o->max_file_size ? p.o->max_file_size
	                                : MOF_DEFAULT_MAX_FILE_SIZE;
	p.mem = talloc_new(mem);
	if (p.mem != NULL) {
		/* Never on the NULL context (they would leak). */
		top = talloc_new(p.mem);
		p.u = talloc_zero(p.mem, struct mof_unit);
	}
	if (p.mem == NULL || top == NULL || p.u == NULL) {
		hr = HR_E_OUTOFMEMORY;
		goto out;
	}
	p.ns = talloc_strdup(p.mem, p.o->default_ns ? p.o->default_ns
	                                            : MOF_DEFAULT_NAMESPACE);
	if (p.ns == NULL) {
		hr = HR_E_OUTOFMEMORY;
		goto out;
	}
	p.class_flags = p.o->class_flags;
	p.instance_flags = p.o->instance_flags;
	mof_map_init(&p.decls, p.mem);
	mof_map_init(&p.aliases, p.mem);
	buf_init(&p.key, p.mem);
	buf_init(&p.str, p.mem);
	if (data == NULL) {
		bool missing;

		hr = read_file(top, path, p.max_file, &fdata, &len, &missing);
		if (hr_failed(hr)) {
			if (!hr_eq(hr, HR_E_OUTOFMEMORY)) {
				hr = missing ? HR_HR_ERROR_FILE_NOT_FOUND : hr;
				mof_err_at(ei, hr, path, 0, 0, 0, "%s '%s'",
				           missing ? "cannot find file"
				                   : "cannot read file",
				           path);
			}
			goto out;
		}
		data = fdata;
		p.u->path = talloc_strdup(
		        p.u, realpath(path, rbuf) != NULL ? rbuf : path);
	} else {
		p.u->path = talloc_strdup(p.u, path ? path : "<buffer>");
	}
	if (p.u->path == NULL) {
		hr = HR_E_OUTOFMEMORY;
		goto out;
	}
	hr = parse_file_text(&p, path ? path : "<buffer>",
	                     fdata ? p.u->path : NULL, data, len);
	if (hr_ok(hr)) {
		hr = check_aliases(&p);
	}
out:
	talloc_free(top);
	if (hr_failed(hr)) {
		talloc_free(p.mem);
		return hr;
	}
	/* The unit owns everything parsed; the parser's tables go. */
	talloc_steal(mem, p.u);
	talloc_steal(p.u, p.u->items);
	{
		/* Strings, classes and items hang off p.mem: keep them. */
		talloc_steal(p.u, p.mem);
		talloc_free(p.decls.keys);
		talloc_free(p.decls.vals);
		talloc_free(p.aliases.keys);
		talloc_free(p.aliases.vals);
		talloc_free(p.alias_uses);
		buf_release(&p.key);
		buf_release(&p.str);
	}
	*out = p.u;
	return HR_OK;
}

hresult mof_parse_file(void *mem,
                       const char *path,
                       const struct mof_options *o,
                       struct mof_unit **out,
                       struct errinfo *ei)
{
	if (path == NULL || out == NULL) {
		return HR_E_INVALIDARG;
	}
	return mof_parse_ex(mem, path, NULL, 0, o, NULL, out, ei);
}

hresult mof_parse_buffer(void *mem,
                         const void *data,
                         size_t len,
                         const char *name,
                         const struct mof_options *o,
                         struct mof_unit **out,
                         struct errinfo *ei)
{
	if ((data == NULL && len != 0) || out == NULL) {
		return HR_E_INVALIDARG;
	}
	return mof_parse_ex(mem, name, data ? data : "", len, o, NULL, out, ei);
}
