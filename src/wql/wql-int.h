/*
 * wql-int.h: internals shared by the files of src/wql (wql layer).
 * Included only inside src/wql (STYLE.md section 2).
 *
 * Invariants:
 *  - a struct wql_bind_info belongs to one comparison and is a talloc
 *    child of the query; it is valid for the class it names (cls), and
 *    wql_eval uses its cached index only after checking that the
 *    instance's property at that index has the expected name.
 *  - a struct wql_prep is a literal converted for one value type; when it
 *    holds a string it may point into its own numbuf, so it must not be
 *    copied by value after wql_prep_literal() filled it.
 */
#ifndef OWMI_WQL_WQL_INT_H
#define OWMI_WQL_WQL_INT_H

#include <stdbool.h>
#include <stdint.h>

#include "wql/wql.h"

/* How a literal compares after conversion to a value type. */
enum wql_prep_kind {
	WQL_P_INT,  /* signed integer in i */
	WQL_P_UINT, /* unsigned integer in u */
	WQL_P_REAL, /* real in r */
	WQL_P_STR,  /* case-insensitive string in s */
	WQL_P_BOOL, /* boolean in b */
	WQL_P_DT,   /* datetime: dt microseconds, dt_interval */
};

struct wql_prep {
	enum wql_prep_kind kind;
	int64_t i;
	uint64_t u;
	double r;
	const char *s;
	bool b;
	int64_t dt;
	bool dt_interval;
	char numbuf[48]; /* text of a number compared with a string */
};

struct wql_bind_info {
	const struct cim_class *cls; /* class bound against (borrowed) */
	int32_t idx;                 /* index of seg[0] in cls->props, or -1 */
	uint32_t type; /* type of the compared value (n_seg == 1) */
	bool has_prep; /* prep is valid for values of [type] */
	struct wql_prep prep;
};

/*
 * Converts [lit] for comparison with values of CIM type [type] under [op]
 * into [out].  Returns HR_OK, or WBEM_E_INVALID_QUERY with a message in
 * [msg] (a static string) when the pair is
 * invalid.  Allocation-free.
 */
hresult wql_prep_literal(uint32_t type,
                         const struct cim_value *lit,
                         enum wql_op op,
                         struct wql_prep *out,
                         const char **msg);

/* Simple case folding of one code point (see wql_like in wql.h). */
uint32_t wql_fold(uint32_t cp);

/*
 * Decodes one code point from NUL-terminated UTF-8 at *p and advances;
 * a malformed byte decodes as U+FFFD and advances one byte.
 */
uint32_t wql_utf8_get(const char **p);

/* Case-insensitive (folded) comparison of two UTF-8 strings: <0, 0, >0. */
int wql_strcasecmp(const char *a, const char *b);

/* Returns true when [name] is one of the WMI system property names. */
bool wql_is_sysprop(const char *name);

/* Lexical tokens (lex.c).  Keywords are WQL_T_IDENT. */
enum wql_tok {
	WQL_T_EOF,
	WQL_T_ERROR, /* lexical fault: str holds the message */
	WQL_T_IDENT,
	WQL_T_STRING, /* str: the unescaped text */
	WQL_T_INT,    /* u: the magnitude */
	WQL_T_REAL,   /* r */
	WQL_T_PATH,   /* {...}: str holds the trimmed inside */
	WQL_T_COMMA,
	WQL_T_LPAREN,
	WQL_T_RPAREN,
	WQL_T_STAR,
	WQL_T_DOT,
	WQL_T_MINUS,
	WQL_T_PLUS,
	WQL_T_EQ,
	WQL_T_NE, /* <> or != */
	WQL_T_LT,
	WQL_T_GT,
	WQL_T_LE,
	WQL_T_GE,
};

struct wql_token {
	enum wql_tok kind;
	struct wql_pos pos;
	const char *s; /* the token's text in the query */
	size_t len;    /* bytes of text */
	char *str;
	uint64_t u;
	double r;
};

struct wql_tokens {
	struct wql_token *t;
	uint32_t n, alloc;
};

/*
 * Splits NUL-terminated, valid UTF-8 [text] into [out] (array a talloc
 * child of [mem]), ending with WQL_T_EOF or, on a lexical fault, with one
 * WQL_T_ERROR token.  Errors: E_OUTOFMEMORY only.
 */
hresult wql_lex(void *mem, const char *text, struct wql_tokens *out);

#endif
