/*
 * wql: the WMI Query Language (wql layer; speaks to cim and base).
 *
 * A hand-written lexer and recursive-descent parser build a talloc tree
 * (struct wql_query); wql_bind() checks it against a resolved class and
 * caches per-comparison facts; wql_eval() / wql_eval_class() test objects
 * against the WHERE clause without allocating (for the usual properties);
 * wql_format() prints a query back in a normalised form that re-parses to
 * the same tree.  Reference: windows-wmi-behaviour.md section 7.
 *
 * Grammar (keywords case-insensitive):
 *
 *   query   := select | assoc
 *   select  := SELECT ( '*' | prop {',' prop} ) FROM class
 *              [WITHIN real] [WHERE or] [WITHIN real]
 *              [GROUP WITHIN real [BY prop {',' prop}] [HAVING or]]
 *   or      := and {OR and}
 *   and     := not {AND not}
 *   not     := NOT not | '(' or ')' | cmp
 *   cmp     := name op lit | lit op name | name [NOT] LIKE string
 *            | name IS [NOT] NULL | name ISA string
 *   op      := '=' | '<>' | '!=' | '<' | '>' | '<=' | '>='
 *   name    := ident {'.' ident}            (TargetInstance.Name)
 *   lit     := string | ['-'|'+'] number | TRUE | FALSE | NULL
 *   assoc   := (ASSOCIATORS | REFERENCES) OF '{' path '}'
 *              [WHERE {subclause}]          (whitespace separated)
 *
 * Strings take single or double quotes; inside them only \\ \" \' are
 * escapes.  Numbers are decimal or 0x hex integers (to the uint64 range)
 * and reals.  TRUE is -1 and FALSE 0 as numbers.  NULL, TRUE, FALSE and
 * the statement keywords are reserved.
 *
 * Normalisation done by the parser (visible in the tree and in format):
 *  - `lit op name` is stored as `name op' lit` with the operator mirrored
 *    (5 < X becomes X > 5);
 *  - `X = NULL` / `NULL = X` become X IS NULL; `X <> NULL` / `X != NULL`
 *    become X IS NOT NULL; != becomes <> (WQL_OP_NE);
 *  - chains of AND (or of OR) are one n-ary node, so tree depth is bounded
 *    by parenthesis and NOT nesting (the depth limit), never by the number
 *    of terms.
 *
 * Errors (all with "wql: LINE:COL: ..." in errinfo msg, and line, col,
 * offset set; columns count code points, 1-based):
 *  - WBEM_E_INVALID_PARAMETER  NULL or empty (all blank) query text;
 *  - WBEM_E_INVALID_QUERY_TYPE language other than "WQL" (wql_parse_lang);
 *  - WBEM_E_INVALID_QUERY      syntax error, bad escape, bad UTF-8, NUL
 *                              byte, invalid ASSOCIATORS/REFERENCES
 *                              combination, and (wql_bind) unknown
 *                              property or operator invalid for its type;
 *  - WBEM_E_UNPARSABLE_QUERY   a malformed event clause (WITHIN, GROUP,
 *                              BY, HAVING);
 *  - WBEM_E_MISSING_GROUP_WITHIN  BY or HAVING without GROUP WITHIN;
 *  - WBEM_E_QUOTA_VIOLATION    text, nesting depth or term count above
 *                              the limits;
 *  - E_OUTOFMEMORY.
 *
 * Threads: parsing and binding mutate only their own tree.  A bound query
 * is read-only during wql_eval*, so many threads may evaluate one query at
 * once.
 */
#ifndef OWMI_WQL_WQL_H
#define OWMI_WQL_WQL_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "base/errinfo.h"
#include "base/hresult.h"
#include "cim/cim.h"

/* Default limits (struct wql_limits, 0 fields take these). */
#define WQL_DEFAULT_MAX_TEXT  65536u /* bytes of query text */
#define WQL_DEFAULT_MAX_DEPTH 256u   /* nested '(' and NOT */
#define WQL_DEFAULT_MAX_TERMS 4096u  /* comparisons + selected props */

/* Parser limits; a zero field means the default above. */
struct wql_limits {
	size_t max_text;
	uint32_t max_depth;
	uint32_t max_terms;
};

enum wql_kind {
	WQL_SELECT,      /* SELECT ... FROM class (data or event query) */
	WQL_META_CLASS,  /* SELECT * FROM meta_class (schema query) */
	WQL_ASSOCIATORS, /* ASSOCIATORS OF {path} */
	WQL_REFERENCES,  /* REFERENCES OF {path} */
};

enum wql_op {
	WQL_OP_EQ,          /* = */
	WQL_OP_NE,          /* <> and != */
	WQL_OP_LT,          /* < */
	WQL_OP_GT,          /* > */
	WQL_OP_LE,          /* <= */
	WQL_OP_GE,          /* >= */
	WQL_OP_LIKE,        /* LIKE 'pattern' */
	WQL_OP_NOT_LIKE,    /* NOT LIKE 'pattern' */
	WQL_OP_IS_NULL,     /* IS NULL (also = NULL) */
	WQL_OP_IS_NOT_NULL, /* IS NOT NULL (also <> NULL) */
	WQL_OP_ISA,         /* ISA 'Class' */
};

enum wql_expr_kind {
	WQL_EXPR_AND, /* all of kids[] (n_kids >= 2) */
	WQL_EXPR_OR,  /* any of kids[] (n_kids >= 2) */
	WQL_EXPR_NOT, /* not kids[0] (n_kids == 1) */
	WQL_EXPR_CMP, /* the comparison in cmp */
};

/* A position in the query text. */
struct wql_pos {
	uint32_t line, col; /* 1-based; col counts code points */
	size_t offset;      /* 0-based byte offset */
};

struct wql_like;      /* compiled LIKE pattern (opaque) */
struct wql_bind_info; /* per-comparison facts cached by wql_bind (opaque) */

struct wql_cmp {
	enum wql_op op;
	char *name; /* as written: "Name", "__CLASS", "__this",
	               "TargetInstance.Name" */
	char **seg; /* name split at '.', n_seg >= 1 */
	uint32_t n_seg;
	/*
	 * The constant: CIM_T_STRING (quoted text, unescaped), CIM_T_SINT64
	 * (integers that fit), CIM_T_UINT64 (above INT64_MAX), CIM_T_REAL64,
	 * CIM_T_BOOLEAN (TRUE/FALSE), or lit.null for NULL (IS [NOT] NULL).
	 */
	struct cim_value lit;
	bool lit_left;              /* written as `lit op name` */
	struct wql_like *like;      /* LIKE / NOT LIKE: compiled lit.v.s */
	struct wql_bind_info *bind; /* NULL until wql_bind */
};

struct wql_expr {
	enum wql_expr_kind kind;
	struct wql_pos pos;     /* where the node starts */
	struct wql_expr **kids; /* AND, OR, NOT */
	uint32_t n_kids;
	struct wql_cmp cmp; /* CMP */
};

struct wql_query {
	enum wql_kind kind;
	char *text; /* a copy of the text parsed */

	/* SELECT and META_CLASS */
	char *from_class; /* as written; "meta_class" for META_CLASS */
	struct wql_pos from_pos;
	bool select_all; /* SELECT * */
	char **props;    /* selected names when !select_all */
	struct wql_pos *props_pos;
	uint32_t n_props;
	struct wql_expr *where; /* NULL when absent (also for assoc kinds) */

	/* Event clauses (SELECT only; the object manager checks __Event). */
	bool has_within;
	double within; /* seconds, > 0 */
	bool has_group_within;
	double group_within; /* seconds, > 0 */
	char **group_by;     /* BY props */
	uint32_t n_group_by;
	struct wql_expr *having; /* HAVING condition, or NULL */

	/* ASSOCIATORS and REFERENCES: NULL / false when not given. */
	char *path; /* text inside {}, trimmed; validated by objpath_parse */
	char *assoc_class;
	char *result_class;
	char *role;
	char *result_role;
	char *required_qualifier;
	char *required_assoc_qualifier;
	bool class_defs_only;
	bool keys_only;
	bool schema_only;
};

/*
 * Parses NUL-terminated [text] with limits [lim] (NULL = defaults).
 * [out] returns owned a query (talloc child of [mem]); *out is untouched
 * on failure.  [ei] may be NULL.  Errors: see the file comment.
 */
hresult wql_parse(void *mem,
                  const char *text,
                  const struct wql_limits *lim,
                  struct wql_query **out,
                  struct errinfo *ei);

/*
 * As wql_parse for [len] bytes at [text] (need not be NUL-terminated); a
 * NUL byte inside the range is WBEM_E_INVALID_QUERY at its position.
 */
hresult wql_parse_n(void *mem,
                    const char *text,
                    size_t len,
                    const struct wql_limits *lim,
                    struct wql_query **out,
                    struct errinfo *ei);

/*
 * As wql_parse, first checking [language] as ExecQuery does: NULL is
 * WBEM_E_INVALID_PARAMETER, anything but "WQL" (case-insensitive) is
 * WBEM_E_INVALID_QUERY_TYPE.
 */
hresult wql_parse_lang(void *mem,
                       const char *language,
                       const char *text,
                       const struct wql_limits *lim,
                       struct wql_query **out,
                       struct errinfo *ei);

/*
 * Checks a WQL_SELECT query against resolved class [cls] (the FROM class;
 * borrowed, must outlive every later wql_eval of [q]) and caches facts in
 * [q] for wql_eval: property indexes and literals converted to the
 * property types (numbers, datetimes).  Binding again (another class)
 * replaces the cache.  Other kinds return HR_OK without change.
 * Errors: WBEM_E_INVALID_QUERY for a name not in [cls] in SELECT, WHERE,
 * BY (system properties and __this allowed; for dotted names only the
 * first segment is checked), an array compared with anything but
 * IS [NOT] NULL, an operator invalid for the type (boolean with < > <= >=;
 * LIKE on a non-string; ISA on a non-object; an object compared), a
 * literal that does not convert to the property type; E_OUTOFMEMORY.
 * On failure the query may hold a partial cache that wql_eval ignores
 * where stale; re-bind or discard it.
 */
hresult wql_bind(struct wql_query *q,
                 const struct cim_class *cls,
                 struct errinfo *ei);

/*
 * Evaluates the WHERE clause of [q] against instance [inst] (borrowed);
 * [server] and [ns] feed __SERVER, __NAMESPACE and __PATH (may be NULL).
 * *match is true when there is no WHERE.  Unbound queries work too
 * (types come from the values).  Missing properties are NULL; a NULL
 * value fails every comparison except IS NULL (two-valued logic: NOT of
 * a failed comparison is true).  Allocation-free except for __PATH,
 * __RELPATH, __DERIVATION, __SERVER and __NAMESPACE, which are computed
 * by cim_sysprop_get in a temporary context.
 * Errors: WBEM_E_INVALID_QUERY when an unbound comparison is invalid for
 * the value's type, WBEM_E_INVALID_PARAMETER for NULL arguments,
 * E_OUTOFMEMORY.  *match is false on failure.
 */
hresult wql_eval(const struct wql_query *q,
                 const struct cim_instance *inst,
                 const char *server,
                 const char *ns,
                 bool *match);

/*
 * Evaluates the WHERE clause of [q] (normally WQL_META_CLASS) against
 * class [cls]: system properties of the class (__CLASS, __SUPERCLASS,
 * __DYNASTY, __GENUS = 1, ...) and `__this ISA 'X'` (cls is X or derives
 * from X by cls->derivation).  Non-system names are NULL.  Errors as
 * wql_eval.
 */
hresult wql_eval_class(const struct wql_query *q,
                       const struct cim_class *cls,
                       bool *match);

/*
 * A key property pinned by the WHERE clause.  [name] borrows the class's
 * property name; [value] has the key's type.  String values borrow the
 * query's literal, or are allocated under the returned array when a
 * number was converted to a string key (Handle = 1234 gives "1234").
 */
struct wql_keyval {
	const char *name;
	struct cim_value value;
};

/*
 * Returns true when the WHERE clause of [q] is one `=` comparison or an
 * AND whose top-level terms include `key = constant` for every key of
 * resolved class [cls] (which must have keys); then [out] returns owned
 * (talloc child of [mem]) cls->n_keys pairs in cls->key_index order and
 * *n = cls->n_keys.  The caller may look the instance up by key but must
 * still wql_eval the whole WHERE on it.  Returns false (outputs untouched)
 * otherwise, when a constant does not convert to the key type, or on OOM.
 */
bool wql_key_equalities(void *mem,
                        const struct wql_query *q,
                        const struct cim_class *cls,
                        struct wql_keyval **out,
                        uint32_t *n);

/*
 * Returns true when a top-level AND term (or the whole WHERE) of [q] is
 * `__CLASS = 'X'`; *cls_name then borrows X from the query.  Used to scan
 * one class instead of the FROM class and all its subclasses.
 */
bool wql_class_restriction(const struct wql_query *q, const char **cls_name);

/*
 * Returns owned (talloc child of [mem]) the query in normalised text:
 * upper-case keywords, single-quoted strings, one space between tokens,
 * parentheses only where precedence needs them.  wql_parse of the result
 * gives a query that formats identically.  NULL on OOM.
 */
char *wql_format(void *mem, const struct wql_query *q);

/*
 * LIKE matching (WMI wildcards: % any run, _ one character, [abc] [a-f]
 * sets and ranges, [^abc] negated sets, [_] [%] literals; an unterminated
 * '[' is a literal).  Case-insensitive with simple Unicode folding
 * (ASCII, Latin-1, Latin Extended-A, Greek, Cyrillic), on UTF-8 code
 * points.  Worst case O(len(text) * len(pattern)) time, no recursion.
 */
bool wql_like(const char *text, const char *pattern);

/*
 * Compiles [pattern] for repeated matching.  [out] returns owned (talloc
 * child of [mem]).  Errors: E_OUTOFMEMORY.
 */
hresult wql_like_compile(void *mem, const char *pattern, struct wql_like **out);

/* Matches [text] against compiled [pat]; allocation-free. */
bool wql_like_match(const struct wql_like *pat, const char *text);

/* Returns the operator's text ("=", "<>", "LIKE", "IS NULL", ...). */
const char *wql_op_name(enum wql_op op);

#endif
