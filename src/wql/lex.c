/*
 * lex: the WQL lexer (wql layer).
 *
 * Turns the whole query text into an array of tokens before parsing, so
 * the parser can look ahead freely.  A lexical fault does not stop the
 * parse at once: it ends the array with a WQL_T_ERROR token that carries
 * the message, and the parser reports it only when it reaches it, so the
 * error nearest the start of the text always wins.
 *
 * Invariants: the text is NUL-terminated, valid UTF-8 and free of NUL
 * bytes (wql_parse_n checks before lexing); every token's [s, s+len) lies
 * inside it; positions count lines from 1 and code points from 1.
 */
#include "wql/wql-int.h"

#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <talloc.h>

struct lexer {
	const char *text;
	const char *p;
	uint32_t line, col;
	struct wql_tokens *out;
	void *mem;
};

static bool is_ident_start(unsigned char c)
{
	return (c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') || c == '_' ||
	       c >= 0x80;
}

static bool is_ident_char(unsigned char c)
{
	return is_ident_start(c) || (c >= '0' && c <= '9');
}

static bool is_space(unsigned char c)
{
	return c == ' ' || c == '\t' || c == '\n' || c == '\r' || c == '\f' ||
	       c == '\v';
}

/* Advances one byte, keeping line and column. */
static void step(struct lexer *lx)
{
	unsigned char c = (unsigned char)*lx->p;

	lx->p++;
	if (c == '\n') {
		lx->line++;
		lx->col = 1;
	} else if ((c & 0xC0) != 0x80) {
		lx->col++;
	}
}

static void step_n(struct lexer *lx, size_t n)
{
	while (n-- > 0) {
		step(lx);
	}
}

static struct wql_pos here(const struct lexer *lx)
{
	struct wql_pos pos = { lx->line, lx->col, (size_t)(lx->p - lx->text) };

	return pos;
}

/* Appends a token; returns NULL on OOM. */
static struct wql_token *push(struct lexer *lx,
                              enum wql_tok kind,
                              struct wql_pos pos,
                              const char *s)
{
	struct wql_tokens *ts = lx->out;
	struct wql_token *t;

	if (ts->n == ts->alloc) {
		uint32_t na = ts->alloc ? ts->alloc * 2 : 64;
		struct wql_token *nt = talloc_realloc(lx->mem, ts->t,
		                                      struct wql_token, na);

		if (nt == NULL) {
			return NULL;
		}
		ts->t = nt;
		ts->alloc = na;
	}
	t = &ts->t[ts->n++];
	memset(t, 0, sizeof(*t));
	t->kind = kind;
	t->pos = pos;
	t->s = s;
	return t;
}

/* Ends the stream with an error token; returns false (or OOM). */
static hresult lex_fail(struct lexer *lx,
                        struct wql_pos pos,
                        const char *fmt,
                        ...) __attribute__((format(printf, 3, 4)));

static hresult lex_fail(struct lexer *lx,
                        struct wql_pos pos,
                        const char *fmt,
                        ...)
{
	struct wql_token *t = push(lx, WQL_T_ERROR, pos, lx->text + pos.offset);
	va_list ap;

	if (t == NULL) {
		return hr_raise(HR_E_OUTOFMEMORY);
	}
	va_start(ap, fmt);
	t->str = talloc_vasprintf(lx->mem, fmt, ap);
	va_end(ap);
	if (t->str == NULL) {
		return hr_raise(HR_E_OUTOFMEMORY);
	}
	return HR_S_FALSE;
}

static hresult lex_string(struct lexer *lx)
{
	struct wql_pos pos = here(lx);
	const char *start = lx->p;
	char quote = *lx->p;
	const char *q;
	size_t n = 0;
	char *out;
	struct wql_token *t;

	/* First pass: find the end and check escapes. */
	q = start + 1;
	for (;;) {
		if (*q == '\0') {
			return lex_fail(lx, pos, "unterminated string");
		}
		if (*q == quote) {
			break;
		}
		if (*q == '\\') {
			if (q[1] != '\\' && q[1] != '"' && q[1] != '\'') {
				step_n(lx, (size_t)(q - lx->p));
				if (q[1] == '\0') {
					return lex_fail(lx, pos,
					                "unterminated string");
				}
				return lex_fail(
				        lx, here(lx),
				        "bad escape '\\%.*s' in string "
				        "(only \\\\, \\\" and \\' are "
				        "escapes)",
				        (int)(((unsigned char)q[1] < 0x80) ? 1
				                                           : 0),
				        q + 1);
			}
			q++;
		}
		q++;
		n++;
	}
	out = talloc_size(lx->mem, (size_t)(q - start));
	if (out == NULL) {
		return hr_raise(HR_E_OUTOFMEMORY);
	}
	n = 0;
	for (const char *c = start + 1; c < q; c++) {
		if (*c == '\\') {
			c++;
		}
		out[n++] = *c;
	}
	out[n] = '\0';
	t = push(lx, WQL_T_STRING, pos, start);
	if (t == NULL) {
		return hr_raise(HR_E_OUTOFMEMORY);
	}
	t->str = out;
	t->len = (size_t)(q + 1 - start);
	step_n(lx, t->len);
	return HR_OK;
}

static int hexval(unsigned char c)
{
	if (c >= '0' && c <= '9') {
		return c - '0';
	}
	if (c >= 'a' && c <= 'f') {
		return c - 'a' + 10;
	}
	if (c >= 'A' && c <= 'F') {
		return c - 'A' + 10;
	}
	return -1;
}

static hresult lex_number(struct lexer *lx)
{
	struct wql_pos pos = here(lx);
	const char *s = lx->p;
	const char *q = s;
	bool real = false, overflow = false;
	uint64_t u = 0;
	struct wql_token *t;

	if (q[0] == '0' && (q[1] == 'x' || q[1] == 'X')) {
		q += 2;
		if (hexval((unsigned char)*q) < 0) {
			return lex_fail(lx, pos, "bad hex number");
		}
		while (hexval((unsigned char)*q) >= 0) {
			if (u > UINT64_MAX >> 4) {
				overflow = true;
			}
			u = (u << 4) | (uint64_t)hexval((unsigned char)*q);
			q++;
		}
	} else {
		while (*q >= '0' && *q <= '9') {
			uint64_t d = (uint64_t)(*q - '0');

			if (u > (UINT64_MAX - d) / 10) {
				overflow = true;
			}
			u = u * 10 + d;
			q++;
		}
		if (*q == '.') {
			real = true;
			q++;
			while (*q >= '0' && *q <= '9') {
				q++;
			}
		}
		if (*q == 'e' || *q == 'E') {
			const char *e = q + 1;

			if (*e == '+' || *e == '-') {
				e++;
			}
			if (*e >= '0' && *e <= '9') {
				real = true;
				q = e;
				while (*q >= '0' && *q <= '9') {
					q++;
				}
			}
		}
	}
	if (is_ident_char((unsigned char)*q) || *q == '.') {
		return lex_fail(lx, pos, "bad number '%.*s'",
		                (int)((q - s) + 1 > 32 ? 32 : (q - s) + 1), s);
	}
	t = push(lx, real ? WQL_T_REAL : WQL_T_INT, pos, s);
	if (t == NULL) {
		return hr_raise(HR_E_OUTOFMEMORY);
	}
	t->len = (size_t)(q - s);
	if (real) {
		char tmp[64];
		char *end = NULL;

		if (t->len >= sizeof(tmp)) {
			lx->out->n--;
			return lex_fail(lx, pos, "number too long");
		}
		memcpy(tmp, s, t->len);
		tmp[t->len] = '\0';
		errno = 0;
		t->r = strtod(tmp, &end);
		if (errno == ERANGE && (t->r > 1.0 || t->r < -1.0)) {
			lx->out->n--;
			return lex_fail(lx, pos, "real number out of range");
		}
	} else if (overflow) {
		lx->out->n--;
		return lex_fail(lx, pos, "integer out of range");
	}
	t->u = u;
	step_n(lx, t->len);
	return HR_OK;
}

/*
 * An object path in braces: the raw text up to the matching '}', quotes
 * respected.  Whitespace outside quotes is allowed only next to the braces.
 */
static hresult lex_path(struct lexer *lx)
{
	struct wql_pos pos = here(lx);
	const char *s = lx->p + 1;
	const char *q = s;
	const char *a, *b;
	char quote = 0;
	struct wql_token *t;

	for (; *q != '\0'; q++) {
		if (quote != 0) {
			if (*q == '\\' && q[1] != '\0') {
				q++;
			} else if (*q == quote) {
				quote = 0;
			}
		} else if (*q == '"' || *q == '\'') {
			quote = *q;
		} else if (*q == '}') {
			break;
		}
	}
	if (*q == '\0') {
		return lex_fail(lx, pos,
		                "unterminated object path (missing '}')");
	}
	a = s;
	b = q;
	while (a < b && is_space((unsigned char)*a)) {
		a++;
	}
	while (b > a && is_space((unsigned char)b[-1])) {
		b--;
	}
	if (a == b) {
		return lex_fail(lx, pos, "empty object path");
	}
	quote = 0;
	for (const char *c = a; c < b; c++) {
		if (quote != 0) {
			if (*c == '\\' && c + 1 < b) {
				c++;
			} else if (*c == quote) {
				quote = 0;
			}
		} else if (*c == '"' || *c == '\'') {
			quote = *c;
		} else if (is_space((unsigned char)*c)) {
			step_n(lx, (size_t)(c - lx->p));
			return lex_fail(lx, here(lx),
			                "whitespace in object path outside "
			                "quotes");
		}
	}
	t = push(lx, WQL_T_PATH, pos, lx->p);
	if (t == NULL) {
		return hr_raise(HR_E_OUTOFMEMORY);
	}
	t->len = (size_t)(q + 1 - lx->p);
	t->str = talloc_strndup(lx->mem, a, (size_t)(b - a));
	if (t->str == NULL) {
		return hr_raise(HR_E_OUTOFMEMORY);
	}
	step_n(lx, t->len);
	return HR_OK;
}

static hresult lex_punct(struct lexer *lx)
{
	struct wql_pos pos = here(lx);
	const char *s = lx->p;
	enum wql_tok kind;
	size_t len = 1;
	struct wql_token *t;

	switch (*s) {
	case ',':
		kind = WQL_T_COMMA;
		break;
	case '(':
		kind = WQL_T_LPAREN;
		break;
	case ')':
		kind = WQL_T_RPAREN;
		break;
	case '*':
		kind = WQL_T_STAR;
		break;
	case '.':
		kind = WQL_T_DOT;
		break;
	case '-':
		kind = WQL_T_MINUS;
		break;
	case '+':
		kind = WQL_T_PLUS;
		break;
	case '=':
		kind = WQL_T_EQ;
		break;
	case '!':
		if (s[1] != '=') {
			return lex_fail(lx, pos, "unexpected character '!'");
		}
		kind = WQL_T_NE;
		len = 2;
		break;
	case '<':
		kind = WQL_T_LT;
		if (s[1] == '>') {
			kind = WQL_T_NE;
			len = 2;
		} else if (s[1] == '=') {
			kind = WQL_T_LE;
			len = 2;
		}
		break;
	case '>':
		kind = WQL_T_GT;
		if (s[1] == '=') {
			kind = WQL_T_GE;
			len = 2;
		}
		break;
	default:
		if ((unsigned char)*s >= 0x20 && (unsigned char)*s < 0x7F) {
			return lex_fail(lx, pos, "unexpected character '%c'",
			                *s);
		}
		return lex_fail(lx, pos, "unexpected character 0x%02X",
		                (unsigned char)*s);
	}
	t = push(lx, kind, pos, s);
	if (t == NULL) {
		return hr_raise(HR_E_OUTOFMEMORY);
	}
	t->len = len;
	step_n(lx, len);
	return HR_OK;
}

hresult wql_lex(void *mem, const char *text, struct wql_tokens *out)
{
	struct lexer lx = { .text = text,
		            .p = text,
		            .line = 1,
		            .col = 1,
		            .out = out,
		            .mem = mem };
	hresult hr = HR_OK;

	memset(out, 0, sizeof(*out));
	for (;;) {
		unsigned char c;

		while (is_space((unsigned char)*lx.p)) {
			step(&lx);
		}
		c = (unsigned char)*lx.p;
		if (c == '\0') {
			break;
		}
		if (is_ident_start(c)) {
			struct wql_pos pos = here(&lx);
			const char *s = lx.p;
			struct wql_token *t;
			size_t len = 0;

			while (is_ident_char((unsigned char)s[len])) {
				len++;
			}
			t = push(&lx, WQL_T_IDENT, pos, s);
			if (t == NULL) {
				return hr_raise(HR_E_OUTOFMEMORY);
			}
			t->len = len;
			step_n(&lx, len);
			continue;
		}
		if (c == '\'' || c == '"') {
			hr = lex_string(&lx);
		} else if (c >= '0' && c <= '9') {
			hr = lex_number(&lx);
		} else if (c == '{') {
			hr = lex_path(&lx);
		} else {
			hr = lex_punct(&lx);
		}
		if (hr_failed(hr)) {
			return hr;
		}
		if (hr_eq(hr, HR_S_FALSE)) {
			return HR_OK; /* the error token ends the stream */
		}
	}
	if (push(&lx, WQL_T_EOF, here(&lx), lx.p) == NULL) {
		return hr_raise(HR_E_OUTOFMEMORY);
	}
	return HR_OK;
}
