/*
 * lex: the MOF tokenizer and text decoding (mof layer; DSP0221 annex A,
 * lexical rules: comments, identifiers, aliases, string and char16
 * literals with escapes, integer forms decimal/hex/octal/binary, reals).
 *
 * Invariants: the input is valid UTF-8 without NUL bytes (checked once by
 * mof_decode_text), so the lexer may stop at [end] or at any NUL.  Every
 * error names the line and column where the offending token starts.
 * Columns count bytes from 1.
 */
#include "mof/mof-int.h"

#include <errno.h>
#include <math.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <talloc.h>

#include "base/utf.h"

hresult mof_err_at(struct errinfo *ei,
                   hresult hr,
                   const char *file,
                   uint32_t line,
                   uint32_t col,
                   size_t off,
                   const char *fmt,
                   ...)
{
	va_list ap;

	if (ei != NULL && !hr_failed(ei->hr)) {
		char msg[sizeof(ei->msg)];

		va_start(ap, fmt);
		vsnprintf(msg, sizeof(msg), fmt, ap);
		va_end(ap);
		err_set_pos(ei, hr, MOF_LAYER, line, col, off, "%s", msg);
		snprintf(ei->file, sizeof(ei->file), "%s",
		         file != NULL ? file : "");
	}
	return hr_raise(hr);
}

void mof_lex_init(struct mof_lexer *lx,
                  void *mem,
                  const char *s,
                  size_t n,
                  const char *file,
                  uint32_t max_ident,
                  struct errinfo *ei)
{
	memset(lx, 0, sizeof(*lx));
	lx->start = s;
	lx->p = s;
	lx->end = s + n;
	lx->line = 1;
	lx->line_start = s;
	lx->file = file;
	lx->max_ident = max_ident ? max_ident : MOF_DEFAULT_MAX_IDENT;
	lx->ei = ei;
	buf_init(&lx->scratch, mem);
}

static hresult lex_err(struct mof_lexer *lx,
                       const char *at,
                       hresult hr,
                       const char *msg)
{
	uint32_t line = lx->line;
	const char *ls = lx->line_start;

	/* [at] is on the current line unless a literal spanned lines. */
	if (at < ls) {
		line = 1;
		ls = lx->start;
		for (const char *q = lx->start; q < at; q++) {
			if (*q == '\n') {
				line++;
				ls = q + 1;
			}
		}
	}
	return mof_err_at(lx->ei, hr, lx->file, line, (uint32_t)(at - ls) + 1,
	                  (size_t)(at - lx->start), "%s", msg);
}

static bool is_ident_start(unsigned char c)
{
	return (c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') || c == '_' ||
	       c >= 0x80;
}

static bool is_ident_char(unsigned char c)
{
	return is_ident_start(c) || (c >= '0' && c <= '9');
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

static void newline(struct mof_lexer *lx, const char *after)
{
	lx->line++;
	lx->line_start = after;
}

/* Skips white space and both comment kinds. */
static hresult skip_space(struct mof_lexer *lx)
{
	while (lx->p < lx->end) {
		unsigned char c = (unsigned char)*lx->p;

		if (c == '\n') {
			lx->p++;
			newline(lx, lx->p);
		} else if (c == ' ' || c == '\t' || c == '\r' || c == '\f' ||
		           c == '\v') {
			lx->p++;
		} else if (c == '/' && lx->p + 1 < lx->end && lx->p[1] == '/') {
			while (lx->p < lx->end && *lx->p != '\n') {
				lx->p++;
			}
		} else if (c == '/' && lx->p + 1 < lx->end && lx->p[1] == '*') {
			const char *open = lx->p;

			lx->p += 2;
			for (;;) {
				if (lx->p + 1 >= lx->end) {
					lx->p = lx->end;
					return lex_err(
					        lx, open,
					        HR_WBEMMOF_E_UNRECOGNIZED_TOKEN,
					        "unterminated comment: expected "
					        "'*/'");
				}
				if (lx->p[0] == '*' && lx->p[1] == '/') {
					lx->p += 2;
					break;
				}
				if (*lx->p == '\n') {
					newline(lx, lx->p + 1);
				}
				lx->p++;
			}
		} else {
			break;
		}
	}
	return HR_OK;
}

/*
 * Reads one escape after the backslash at lx->p[-1]; returns the code
 * point (a UTF-16 code unit for \x) in *cp.
 */
static hresult read_escape(struct mof_lexer *lx, const char *tok, uint32_t *cp)
{
	unsigned char c;

	if (lx->p >= lx->end) {
		return lex_err(lx, tok, HR_WBEMMOF_E_ILLEGAL_CONSTANT_VALUE,
		               "unterminated escape sequence");
	}
	c = (unsigned char)*lx->p++;
	switch (c) {
	case 'b':
		*cp = '\b';
		return HR_OK;
	case 't':
		*cp = '\t';
		return HR_OK;
	case 'n':
		*cp = '\n';
		return HR_OK;
	case 'f':
		*cp = '\f';
		return HR_OK;
	case 'r':
		*cp = '\r';
		return HR_OK;
	case '"':
	case '\'':
	case '\\':
		*cp = c;
		return HR_OK;
	case 'x':
	case 'X': {
		uint32_t v = 0;
		int nd = 0;

		while (nd < 4 && lx->p < lx->end &&
		       hexval((unsigned char)*lx->p) >= 0) {
			v = v * 16 + (uint32_t)hexval((unsigned char)*lx->p);
			lx->p++;
			nd++;
		}
		if (nd == 0) {
			return lex_err(
			        lx, lx->p - 2,
			        HR_WBEMMOF_E_ILLEGAL_CONSTANT_VALUE,
			        "expected 1 to 4 hex digits after '\\x'");
		}
		*cp = v;
		return HR_OK;
	}
	default:
		return lex_err(lx, lx->p - 2,
		               HR_WBEMMOF_E_ILLEGAL_CONSTANT_VALUE,
		               "unknown escape sequence in literal");
	}
}

/* Appends code point [cp] to the scratch buffer, combining surrogates. */
static hresult put_cp(struct mof_lexer *lx,
                      const char *at,
                      uint32_t cp,
                      uint32_t *pending_hi)
{
	char enc[4];
	size_t n;

	if (*pending_hi != 0) {
		if (cp < 0xDC00 || cp > 0xDFFF) {
			return lex_err(lx, at,
			               HR_WBEMMOF_E_ILLEGAL_CONSTANT_VALUE,
			               "unpaired UTF-16 surrogate in literal");
		}
		cp = 0x10000 + ((*pending_hi - 0xD800) << 10) + (cp - 0xDC00);
		*pending_hi = 0;
	} else if (cp >= 0xD800 && cp <= 0xDBFF) {
		*pending_hi = cp;
		return HR_OK;
	} else if (cp >= 0xDC00 && cp <= 0xDFFF) {
		return lex_err(lx, at, HR_WBEMMOF_E_ILLEGAL_CONSTANT_VALUE,
		               "unpaired UTF-16 surrogate in literal");
	}
	if (cp == 0) {
		return lex_err(lx, at, HR_WBEMMOF_E_ILLEGAL_CONSTANT_VALUE,
		               "NUL character in string literal");
	}
	n = utf8_put(enc, cp);
	if (n == 0) {
		return lex_err(lx, at, HR_WBEMMOF_E_ILLEGAL_CONSTANT_VALUE,
		               "invalid character in literal");
	}
	return buf_add(&lx->scratch, enc, n);
}

static hresult lex_string(struct mof_lexer *lx, struct mof_token *t)
{
	const char *tok = lx->p;
	uint32_t pending_hi = 0;
	hresult hr;

	lx->p++;
	buf_reset(&lx->scratch);
	for (;;) {
		const char *run = lx->p;

		while (lx->p < lx->end && *lx->p != '"' && *lx->p != '\\' &&
		       *lx->p != '\n' && pending_hi == 0) {
			lx->p++;
		}
		if (lx->p > run) {
			if (hr_failed(hr = buf_add(&lx->scratch, run,
			                           (size_t)(lx->p - run)))) {
				return hr;
			}
		}
		if (lx->p >= lx->end || *lx->p == '\n') {
			return lex_err(lx, tok,
			               HR_WBEMMOF_E_ILLEGAL_CONSTANT_VALUE,
			               "unterminated string literal: expected "
			               "'\"'");
		}
		if (*lx->p == '"') {
			if (pending_hi != 0) {
				return lex_err(
				        lx, lx->p,
				        HR_WBEMMOF_E_ILLEGAL_CONSTANT_VALUE,
				        "unpaired UTF-16 surrogate in literal");
			}
			lx->p++;
			break;
		}
		if (*lx->p == '\\') {
			const char *esc = lx->p;
			uint32_t cp;

			lx->p++;
			if (hr_failed(hr = read_escape(lx, tok, &cp))) {
				return hr;
			}
			if (hr_failed(hr = put_cp(lx, esc, cp, &pending_hi))) {
				return hr;
			}
		} else {
			/* A raw character after a high surrogate escape. */
			return lex_err(lx, lx->p,
			               HR_WBEMMOF_E_ILLEGAL_CONSTANT_VALUE,
			               "unpaired UTF-16 surrogate in literal");
		}
	}
	if (hr_failed(lx->scratch.error)) {
		return lx->scratch.error;
	}
	t->kind = MT_STRING;
	t->s = lx->scratch.data;
	t->slen = lx->scratch.len;
	return HR_OK;
}

static hresult lex_char(struct mof_lexer *lx, struct mof_token *t)
{
	const char *tok = lx->p;
	uint32_t cp;
	hresult hr;

	lx->p++;
	if (lx->p >= lx->end || *lx->p == '\'' || *lx->p == '\n') {
		return lex_err(lx, tok, HR_WBEMMOF_E_ILLEGAL_CONSTANT_VALUE,
		               "empty or unterminated char16 literal");
	}
	if (*lx->p == '\\') {
		lx->p++;
		if (hr_failed(hr = read_escape(lx, tok, &cp))) {
			return hr;
		}
	} else {
		int32_t c = utf8_next(&lx->p, lx->end);

		if (c < 0) {
			return lex_err(lx, tok,
			               HR_WBEMMOF_E_ILLEGAL_CONSTANT_VALUE,
			               "invalid character in char16 literal");
		}
		cp = (uint32_t)c;
	}
	if (cp > 0xFFFF) {
		return lex_err(lx, tok, HR_WBEMMOF_E_ILLEGAL_CONSTANT_VALUE,
		               "char16 literal outside the BMP");
	}
	if (lx->p >= lx->end || *lx->p != '\'') {
		return lex_err(lx, tok, HR_WBEMMOF_E_ILLEGAL_CONSTANT_VALUE,
		               "unterminated char16 literal: expected '''");
	}
	lx->p++;
	t->kind = MT_CHAR;
	t->u = cp;
	return HR_OK;
}

static hresult lex_number(struct mof_lexer *lx, struct mof_token *t)
{
	const char *tok = lx->p;
	const char *q = lx->p;
	const char *digits;
	bool neg = false, is_real = false;
	uint64_t v = 0;

	if (*q == '+' || *q == '-') {
		neg = *q == '-';
		q++;
	}
	digits = q;
	/* Hexadecimal. */
	if (q + 1 < lx->end && q[0] == '0' && (q[1] == 'x' || q[1] == 'X')) {
		const char *h = q + 2;

		while (h < lx->end && hexval((unsigned char)*h) >= 0) {
			if (v > (UINT64_MAX >> 4)) {
				return lex_err(lx, tok,
				               HR_WBEMMOF_E_OUT_OF_RANGE,
				               "integer literal out of range");
			}
			v = (v << 4) | (uint64_t)hexval((unsigned char)*h);
			h++;
		}
		if (h == q + 2 ||
		    (h < lx->end && is_ident_char((unsigned char)*h))) {
			return lex_err(lx, tok,
			               HR_WBEMMOF_E_ILLEGAL_CONSTANT_VALUE,
			               "malformed hexadecimal literal");
		}
		lx->p = h;
		goto integer;
	}
	while (q < lx->end && *q >= '0' && *q <= '9') {
		q++;
	}
	if (q < lx->end && *q == '.') {
		is_real = true;
		q++;
		if (q >= lx->end || *q < '0' || *q > '9') {
			return lex_err(lx, tok,
			               HR_WBEMMOF_E_ILLEGAL_CONSTANT_VALUE,
			               "expected a digit after '.' in real "
			               "literal");
		}
		while (q < lx->end && *q >= '0' && *q <= '9') {
			q++;
		}
	}
	if (q < lx->end && (*q == 'e' || *q == 'E') && q > digits &&
	    q + 1 < lx->end &&
	    ((q[1] >= '0' && q[1] <= '9') ||
	     ((q[1] == '+' || q[1] == '-') && q + 2 < lx->end && q[2] >= '0' &&
	      q[2] <= '9'))) {
		is_real = true;
		q += 2;
		while (q < lx->end && *q >= '0' && *q <= '9') {
			q++;
		}
	}
	if (is_real) {
		char tmp[128];
		char *endp;
		size_t n = (size_t)(q - tok);

		if (q < lx->end && is_ident_char((unsigned char)*q)) {
			return lex_err(lx, tok,
			               HR_WBEMMOF_E_ILLEGAL_CONSTANT_VALUE,
			               "malformed real literal");
		}
		if (n >= sizeof(tmp)) {
			return lex_err(lx, tok,
			               HR_WBEMMOF_E_ILLEGAL_CONSTANT_VALUE,
			               "real literal too long");
		}
		memcpy(tmp, tok, n);
		tmp[n] = '\0';
		errno = 0;
		t->r = strtod(tmp, &endp);
		if (*endp != '\0' || !isfinite(t->r)) {
			return lex_err(lx, tok, HR_WBEMMOF_E_OUT_OF_RANGE,
			               "real literal out of range");
		}
		lx->p = q;
		t->kind = MT_REAL;
		return HR_OK;
	}
	/* Binary: 1*binaryDigit ("b" | "B"). */
	if (q < lx->end && (*q == 'b' || *q == 'B') &&
	    !(q + 1 < lx->end && is_ident_char((unsigned char)q[1]))) {
		for (const char *d = digits; d < q; d++) {
			if (*d != '0' && *d != '1') {
				return lex_err(
				        lx, tok,
				        HR_WBEMMOF_E_ILLEGAL_CONSTANT_VALUE,
				        "malformed binary literal");
			}
			if (v > (UINT64_MAX >> 1)) {
				return lex_err(lx, tok,
				               HR_WBEMMOF_E_OUT_OF_RANGE,
				               "integer literal out of range");
			}
			v = (v << 1) | (uint64_t)(*d - '0');
		}
		lx->p = q + 1;
		goto integer;
	}
	if (q < lx->end && is_ident_char((unsigned char)*q)) {
		return lex_err(lx, tok, HR_WBEMMOF_E_ILLEGAL_CONSTANT_VALUE,
		               "malformed integer literal");
	}
	if (q - digits > 1 && digits[0] == '0') {
		/* Octal. */
		for (const char *d = digits + 1; d < q; d++) {
			if (*d > '7') {
				return lex_err(
				        lx, tok,
				        HR_WBEMMOF_E_ILLEGAL_CONSTANT_VALUE,
				        "malformed octal literal");
			}
			if (v > (UINT64_MAX >> 3)) {
				return lex_err(lx, tok,
				               HR_WBEMMOF_E_OUT_OF_RANGE,
				               "integer literal out of range");
			}
			v = (v << 3) | (uint64_t)(*d - '0');
		}
	} else {
		for (const char *d = digits; d < q; d++) {
			uint64_t dv = (uint64_t)(*d - '0');

			if (v > (UINT64_MAX - dv) / 10) {
				return lex_err(lx, tok,
				               HR_WBEMMOF_E_OUT_OF_RANGE,
				               "integer literal out of range");
			}
			v = v * 10 + dv;
		}
	}
	lx->p = q;
integer:
	t->kind = MT_INT;
	t->u = v;
	t->neg = neg && v != 0;
	return HR_OK;
}

static hresult lex_ident(struct mof_lexer *lx,
                         struct mof_token *t,
                         enum mof_tok kind)
{
	const char *tok = kind == MT_ALIAS ? lx->p - 1 : lx->p;
	const char *q = lx->p;
	const char *limit = lx->end;

	if ((size_t)(limit - q) > lx->max_ident + 1) {
		limit = q + lx->max_ident + 1;
	}
	while (q < limit && is_ident_char((unsigned char)*q)) {
		q++;
	}
	if ((size_t)(q - lx->p) > lx->max_ident) {
		return lex_err(lx, tok, HR_WBEMMOF_E_UNRECOGNIZED_TOKEN,
		               "identifier longer than the limit");
	}
	t->kind = kind;
	t->p = lx->p;
	t->len = (size_t)(q - lx->p);
	lx->p = q;
	return HR_OK;
}

static bool word_at(const char *p, const char *end, const char *w)
{
	size_t n = strlen(w);

	return (size_t)(end - p) >= n && strncasecmp(p, w, n) == 0 &&
	       ((size_t)(end - p) == n || !is_ident_char((unsigned char)p[n]));
}

hresult mof_lex_next(struct mof_lexer *lx, struct mof_token *t)
{
	hresult hr;
	unsigned char c;

	if (hr_failed(hr = skip_space(lx))) {
		return hr;
	}
	memset(t, 0, sizeof(*t));
	t->line = lx->line;
	t->col = (uint32_t)(lx->p - lx->line_start) + 1;
	t->off = (size_t)(lx->p - lx->start);
	t->p = lx->p;
	if (lx->p >= lx->end) {
		t->kind = MT_EOF;
		return HR_OK;
	}
	c = (unsigned char)*lx->p;
	switch (c) {
	case '(':
		t->kind = MT_LPAREN;
		break;
	case ')':
		t->kind = MT_RPAREN;
		break;
	case '{':
		t->kind = MT_LBRACE;
		break;
	case '}':
		t->kind = MT_RBRACE;
		break;
	case '[':
		t->kind = MT_LBRACKET;
		break;
	case ']':
		t->kind = MT_RBRACKET;
		break;
	case ';':
		t->kind = MT_SEMI;
		break;
	case ',':
		t->kind = MT_COMMA;
		break;
	case ':':
		t->kind = MT_COLON;
		break;
	case '=':
		t->kind = MT_EQUALS;
		break;
	case '"':
		return lex_string(lx, t);
	case '\'':
		return lex_char(lx, t);
	case '$':
		lx->p++;
		if (lx->p >= lx->end ||
		    !is_ident_start((unsigned char)*lx->p)) {
			return lex_err(lx, lx->p - 1,
			               HR_WBEMMOF_E_EXPECTED_ALIAS_NAME,
			               "expected an alias name after '$'");
		}
		return lex_ident(lx, t, MT_ALIAS);
	case '#':
		if (word_at(lx->p + 1, lx->end, "pragma")) {
			lx->p += 7;
			t->kind = MT_PRAGMA;
			t->len = 7;
			return HR_OK;
		}
		return lex_err(lx, lx->p, HR_WBEMMOF_E_UNRECOGNIZED_TOKEN,
		               "unrecognized token '#': expected '#pragma'");
	default:
		if ((c >= '0' && c <= '9') ||
		    ((c == '-' || c == '+' || c == '.') &&
		     lx->p + 1 < lx->end &&
		     ((lx->p[1] >= '0' && lx->p[1] <= '9') ||
		      (c != '.' && lx->p[1] == '.' && lx->p + 2 < lx->end &&
		       lx->p[2] >= '0' && lx->p[2] <= '9')))) {
			return lex_number(lx, t);
		}
		if (is_ident_start(c)) {
			return lex_ident(lx, t, MT_IDENT);
		}
		return lex_err(lx, lx->p, HR_WBEMMOF_E_UNRECOGNIZED_TOKEN,
		               "unrecognized character");
	}
	lx->p++;
	t->len = 1;
	return HR_OK;
}

const char *mof_tok_describe(const struct mof_token *t, char *out, size_t size)
{
	switch (t->kind) {
	case MT_EOF:
		snprintf(out, size, "end of file");
		break;
	case MT_IDENT:
		snprintf(out, size, "'%.*s'", (int)(t->len > 40 ? 40 : t->len),
		         t->p);
		break;
	case MT_ALIAS:
		snprintf(out, size, "'$%.*s'", (int)(t->len > 40 ? 40 : t->len),
		         t->p);
		break;
	case MT_STRING:
		snprintf(out, size, "a string");
		break;
	case MT_CHAR:
		snprintf(out, size, "a char16 literal");
		break;
	case MT_INT:
	case MT_REAL:
		snprintf(out, size, "a number");
		break;
	case MT_PRAGMA:
		snprintf(out, size, "'#pragma'");
		break;
	default:
		snprintf(out, size, "'%c'", *t->p);
		break;
	}
	return out;
}

/* Returns the (line, col) of byte [off] in [s]. */
static void pos_of(const char *s, size_t off, uint32_t *line, uint32_t *col)
{
	const char *ls = s;

	*line = 1;
	for (size_t i = 0; i < off; i++) {
		if (s[i] == '\n') {
			(*line)++;
			ls = s + i + 1;
		}
	}
	*col = (uint32_t)(s + off - ls) + 1;
}

hresult mof_decode_text(void *mem,
                        const uint8_t *data,
                        size_t len,
                        const char *file,
                        char **out,
                        size_t *out_len,
                        struct errinfo *ei)
{
	char *text = NULL;
	size_t n = 0, bad = 0;
	uint32_t line, col;
	const char *nul;
	hresult hr;

	if (len >= 2 && ((data[0] == 0xFF && data[1] == 0xFE) ||
	                 (data[0] == 0xFE && data[1] == 0xFF) ||
	                 (data[0] != 0 && data[1] == 0))) {
		bool be = data[0] == 0xFE;
		size_t skip = (data[0] == 0xFF || data[0] == 0xFE) ? 2 : 0;
		const uint8_t *src = data + skip;
		size_t sn = len - skip;
		uint8_t *swapped = NULL;

		if (sn % 2 != 0) {
			return mof_err_at(ei, HR_WBEMMOF_E_INVALID_FILE, file,
			                  0, 0, len,
			                  "UTF-16 file with an odd byte count");
		}
		if (be) {
			swapped = talloc_array(mem, uint8_t, sn ? sn : 1);
			if (swapped == NULL) {
				return HR_E_OUTOFMEMORY;
			}
			for (size_t i = 0; i + 1 < sn; i += 2) {
				swapped[i] = src[i + 1];
				swapped[i + 1] = src[i];
			}
			src = swapped;
		}
		hr = utf16le_to_utf8(mem, src, sn, &text, &n);
		talloc_free(swapped);
		if (hr_eq(hr, HR_E_OUTOFMEMORY)) {
			return hr;
		}
		if (hr_failed(hr)) {
			return mof_err_at(ei, HR_WBEMMOF_E_INVALID_FILE, file,
			                  0, 0, 0,
			                  "invalid UTF-16 text (unpaired "
			                  "surrogate)");
		}
	} else {
		size_t skip = 0;

		if (len >= 3 && data[0] == 0xEF && data[1] == 0xBB &&
		    data[2] == 0xBF) {
			skip = 3;
		}
		text = talloc_array(mem, char, len - skip + 1);
		if (text == NULL) {
			return HR_E_OUTOFMEMORY;
		}
		memcpy(text, data + skip, len - skip);
		text[len - skip] = '\0';
		n = len - skip;
	}
	nul = memchr(text, '\0', n);
	if (nul != NULL) {
		bad = (size_t)(nul - text);
		pos_of(text, bad, &line, &col);
		talloc_free(text);
		return mof_err_at(ei, HR_WBEMMOF_E_INVALID_FILE, file, line,
		                  col, bad, "NUL byte in MOF text");
	}
	if (!utf8_valid(text, n, &bad)) {
		pos_of(text, bad, &line, &col);
		talloc_free(text);
		return mof_err_at(ei, HR_WBEMMOF_E_INVALID_FILE, file, line,
		                  col, bad, "invalid UTF-8 in MOF text");
	}
	*out = text;
	*out_len = n;
	return HR_OK;
}
