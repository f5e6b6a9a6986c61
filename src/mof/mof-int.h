/*
 * mof-int: internals of the MOF compiler, shared by lex.c, map.c,
 * parse.c, value.c and compile.c only.
 *
 * The lexer turns one file's UTF-8 text into tokens with positions; the
 * parser (recursive descent, DSP0221 section 7 / annex A) builds a
 * struct mof_unit.  The lexer never allocates per token: decoded string
 * and char16 literals land in a scratch buffer that the next token
 * overwrites, so the parser copies what it keeps.
 */
#ifndef OWMI_MOF_MOF_INT_H
#define OWMI_MOF_MOF_INT_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "base/buf.h"
#include "base/errinfo.h"
#include "base/hresult.h"
#include "mof/mof.h"

#define MOF_LAYER "mof"

enum mof_tok {
	MT_EOF,
	MT_IDENT,
	MT_STRING,
	MT_CHAR,
	MT_INT,
	MT_REAL,
	MT_ALIAS, /* $name; text excludes the '$' */
	MT_LPAREN,
	MT_RPAREN,
	MT_LBRACE,
	MT_RBRACE,
	MT_LBRACKET,
	MT_RBRACKET,
	MT_SEMI,
	MT_COMMA,
	MT_COLON,
	MT_EQUALS,
	MT_PRAGMA, /* #pragma */
};

struct mof_token {
	enum mof_tok kind;
	const char *p; /* source text (for IDENT/ALIAS: the name) */
	size_t len;
	uint32_t line, col;
	size_t off;
	/* MT_STRING: decoded text in the lexer's scratch buffer */
	const char *s;
	size_t slen;
	/* MT_INT: magnitude and sign; MT_REAL: r; MT_CHAR: u */
	uint64_t u;
	bool neg;
	double r;
};

struct mof_lexer {
	const char *start, *p, *end;
	uint32_t line;
	const char *line_start;
	const char *file; /* name for errors */
	uint32_t max_ident;
	struct buf scratch;
	struct errinfo *ei;
};

/* Prepares [lx] over [s, s+n) (valid UTF-8, no NUL).  scratch under mem. */
void mof_lex_init(struct mof_lexer *lx,
                  void *mem,
                  const char *s,
                  size_t n,
                  const char *file,
                  uint32_t max_ident,
                  struct errinfo *ei);

/* Reads the next token into [t].  Errors: WBEMMOF_E_* with position. */
hresult mof_lex_next(struct mof_lexer *lx, struct mof_token *t);

/* Returns a short printable description of [t] for messages ("'}'"). */
const char *mof_tok_describe(const struct mof_token *t, char *out, size_t size);

/* Records a positioned error for the lexer's file in [ei]. */
hresult mof_err_at(struct errinfo *ei,
                   hresult hr,
                   const char *file,
                   uint32_t line,
                   uint32_t col,
                   size_t off,
                   const char *fmt,
                   ...) __attribute__((format(printf, 7, 8)));

/*
 * Decodes file bytes to UTF-8: UTF-16LE/BE with a BOM (or LE without one
 * when the second byte is NUL), a UTF-8 BOM is skipped.  Validates UTF-8
 * and rejects NUL bytes.  Returns owned text under [mem] in *out (NUL
 * terminated).  Errors: WBEMMOF_E_INVALID_FILE (with the position),
 * E_OUTOFMEMORY.
 */
hresult mof_decode_text(void *mem,
                        const uint8_t *data,
                        size_t len,
                        const char *file,
                        char **out,
                        size_t *out_len,
                        struct errinfo *ei);

/* ---- A small case-insensitive (ASCII) string map -------------------- */

struct mof_map {
	void *mem;
	char **keys;
	void **vals;
	size_t cap, n;
};

void mof_map_init(struct mof_map *m, void *mem);
/* Returns the value for [key] ([len] bytes), or NULL. */
void *mof_map_get(const struct mof_map *m, const char *key, size_t len);
/* Sets [key] (copied) to [val].  E_OUTOFMEMORY. */
hresult mof_map_put(struct mof_map *m, const char *key, size_t len, void *val);

/* ---- Parser hooks (compile.c gives the parser repository access) ---- */

struct mof_parse_hooks {
	/*
	 * Looks up the qualifier declaration [name] of namespace [ns];
	 * returns S_OK and *out (owned under [mem]) or WBEM_E_NOT_FOUND.
	 */
	hresult (*qualdecl)(void *arg,
	                    void *mem,
	                    const char *ns,
	                    const char *name,
	                    struct cim_qualifier_decl **out);
	void *arg;
};

hresult mof_parse_ex(void *mem,
                     const char *path,
                     const void *data,
                     size_t len,
                     const struct mof_options *o,
                     const struct mof_parse_hooks *hooks,
                     struct mof_unit **out,
                     struct errinfo *ei);

/* ---- Values (value.c) ------------------------------------------------ */

/*
 * Converts literal [v] to a value of [type] (base type or array) under
 * [mem].  Aliases and embedded instances are refused here (compile.c
 * handles them).  Errors: WBEM_E_TYPE_MISMATCH, WBEM_E_VALUE_OUT_OF_RANGE,
 * WBEM_E_INVALID_PARAMETER (a bad datetime), E_OUTOFMEMORY, each with
 * the literal's position in [ei].
 */
hresult mof_val_to_cim(void *mem,
                       const struct mof_val *v,
                       uint32_t type,
                       struct cim_value *out,
                       struct errinfo *ei);

/*
 * Converts literal [v] to a value with a type taken from the literal
 * itself (undeclared qualifiers): integers sint32 (sint64/uint64 when
 * larger), reals real64, strings, booleans, char16; an array takes its
 * first element's type; an empty array is string[].
 */
hresult mof_val_to_cim_natural(void *mem,
                               const struct mof_val *v,
                               struct cim_value *out,
                               struct errinfo *ei);

#endif
