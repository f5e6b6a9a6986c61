/*
 * like: the WQL LIKE matcher and case folding (wql layer).
 *
 * A pattern is compiled into tokens: a literal code point, '_' (one
 * character), '%' (any run) or a set ([abc], [a-f], [^x]).  Matching walks
 * text and tokens once, remembering only the last '%' seen; on a mismatch
 * it retries that '%' one character further.  Every token after a '%'
 * matches exactly one character, so the leftmost match of each segment
 * between '%'s is always a valid choice, and the walk is correct with
 * O(len(text) * len(pattern)) worst case and no recursion.
 *
 * Case folding is a small table (ASCII, Latin-1, Latin Extended-A, Greek,
 * Cyrillic): enough for the names and strings WMI classes hold, without a
 * Unicode database.
 */
#include "wql/wql.h"

#include <string.h>
#include <talloc.h>

#include "wql/wql-int.h"

enum like_kind {
	LK_LIT, /* the folded code point cp */
	LK_ONE, /* '_' */
	LK_ANY, /* '%' */
	LK_SET, /* ranges [r, r + n_r), negated when neg */
};

struct like_range {
	uint32_t lo, hi;   /* as written */
	uint32_t flo, fhi; /* folded */
};

struct like_tok {
	enum like_kind kind;
	bool neg;
	uint32_t cp;
	uint32_t r, n_r;
};

struct wql_like {
	struct like_tok *t;
	uint32_t n_t;
	struct like_range *r;
	uint32_t n_r;
};

uint32_t wql_fold(uint32_t c)
{
	if (c < 0x80) {
		return (c >= 'A' && c <= 'Z') ? c + 32 : c;
	}
	if (c >= 0xC0 && c <= 0xDE && c != 0xD7) {
		return c + 32;
	}
	if (c >= 0x100 && c <= 0x17F) {
		if (c == 0x130) {
			return 'i';
		}
		if (c == 0x178) {
			return 0xFF;
		}
		if ((c >= 0x139 && c <= 0x148) || (c >= 0x179 && c <= 0x17E)) {
			return (c & 1) ? c + 1 : c;
		}
		if (c != 0x131 && c != 0x138 && c != 0x149 && c != 0x17F) {
			return (c & 1) ? c : c + 1;
		}
		return c;
	}
	if (c >= 0x391 && c <= 0x3AB && c != 0x3A2) {
		return c + 32;
	}
	if (c == 0x3C2) {
		return 0x3C3; /* final sigma */
	}
	if (c >= 0x410 && c <= 0x42F) {
		return c + 32;
	}
	if (c >= 0x400 && c <= 0x40F) {
		return c + 80;
	}
	return c;
}

uint32_t wql_utf8_get(const char **pp)
{
	const unsigned char *p = (const unsigned char *)*pp;
	uint32_t c = p[0];
	uint32_t n, min;

	if (c < 0x80) {
		*pp += 1;
		return c;
	}
	if (c >= 0xC2 && c <= 0xDF) {
		n = 1;
		c &= 0x1F;
		min = 0x80;
	} else if (c >= 0xE0 && c <= 0xEF) {
		n = 2;
		c &= 0x0F;
		min = 0x800;
	} else if (c >= 0xF0 && c <= 0xF4) {
		n = 3;
		c &= 0x07;
		min = 0x10000;
	} else {
		*pp += 1;
		return 0xFFFD;
	}
	for (uint32_t i = 1; i <= n; i++) {
		if ((p[i] & 0xC0) != 0x80) {
			*pp += 1;
			return 0xFFFD;
		}
		c = (c << 6) | (p[i] & 0x3F);
	}
	if (c < min || c > 0x10FFFF || (c >= 0xD800 && c <= 0xDFFF)) {
		*pp += 1;
		return 0xFFFD;
	}
	*pp += n + 1;
	return c;
}

int wql_strcasecmp(const char *a, const char *b)
{
	for (;;) {
		uint32_t x, y;

		if ((unsigned char)*a < 0x80 && (unsigned char)*b < 0x80) {
			x = (unsigned char)*a++;
			y = (unsigned char)*b++;
			x = (x >= 'A' && x <= 'Z') ? x + 32 : x;
			y = (y >= 'A' && y <= 'Z') ? y + 32 : y;
		} else {
			x = wql_fold(wql_utf8_get(&a));
			y = wql_fold(wql_utf8_get(&b));
		}
		if (x != y) {
			return x < y ? -1 : 1;
		}
		if (x == 0) {
			return 0;
		}
	}
}

/*
 * Reads the set that starts after '[' at [p]; returns a pointer after its
 * ']' or NULL when unterminated.  Fills [t] and, when [r] is not NULL,
 * writes the ranges at r[*n_r...].  Always advances *n_r by the count.
 */
static const char *read_set(const char *p,
                            struct like_tok *t,
                            struct like_range *r,
                            uint32_t *n_r)
{
	bool first = true;

	t->kind = LK_SET;
	t->neg = false;
	t->r = *n_r;
	t->n_r = 0;
	if (*p == '^') {
		t->neg = true;
		p++;
	}
	while (*p != '\0') {
		uint32_t lo, hi;

		if (*p == ']' && !first) {
			return p + 1;
		}
		first = false;
		lo = wql_utf8_get(&p);
		hi = lo;
		if (p[0] == '-' && p[1] != ']' && p[1] != '\0') {
			p++;
			hi = wql_utf8_get(&p);
		}
		if (r != NULL) {
			r[*n_r].lo = lo;
			r[*n_r].hi = hi;
			r[*n_r].flo = wql_fold(lo);
			r[*n_r].fhi = wql_fold(hi);
		}
		(*n_r)++;
		t->n_r++;
	}
	return NULL;
}

/*
 * Tokenises [pattern] into t (room for the count pass when NULL) and r.
 * Returns the token count; *n_r receives the range count.
 */
static uint32_t tokenize(const char *pattern,
                         struct like_tok *t,
                         struct like_range *r,
                         uint32_t *n_r)
{
	const char *p = pattern;
	uint32_t n = 0;

	*n_r = 0;
	while (*p != '\0') {
		struct like_tok tok = { .kind = LK_LIT };

		if (*p == '%') {
			p++;
			if (n > 0 && t != NULL && t[n - 1].kind == LK_ANY) {
				continue;
			}
			tok.kind = LK_ANY;
		} else if (*p == '_') {
			p++;
			tok.kind = LK_ONE;
		} else if (*p == '[') {
			uint32_t save = *n_r;
			const char *end = read_set(p + 1, &tok, NULL, n_r);

			*n_r = save;
			if (end == NULL) {
				tok.kind = LK_LIT;
				tok.cp = '[';
				p++;
			} else {
				p = read_set(p + 1, &tok, r, n_r);
			}
		} else {
			tok.cp = wql_fold(wql_utf8_get(&p));
		}
		if (t != NULL) {
			t[n] = tok;
		}
		n++;
	}
	return n;
}

static bool set_has(const struct like_tok *t,
                    const struct like_range *r,
                    uint32_t c,
                    uint32_t fc)
{
	bool in = false;

	for (uint32_t i = 0; i < t->n_r && !in; i++) {
		const struct like_range *x = &r[t->r + i];

		in = (c >= x->lo && c <= x->hi) ||
		     (fc >= x->flo && fc <= x->fhi);
	}
	return in != t->neg;
}

static bool match(const struct like_tok *t,
                  uint32_t n,
                  const struct like_range *r,
                  const char *s)
{
	uint32_t p = 0;
	uint32_t star_p = 0;
	const char *star_s = NULL;

	while (*s != '\0') {
		const char *next = s;
		uint32_t c, fc;
		bool ok = false;

		if (p < n && t[p].kind == LK_ANY) {
			p++;
			if (p == n) {
				return true;
			}
			star_p = p;
			star_s = s;
			continue;
		}
		c = wql_utf8_get(&next);
		if (p < n) {
			switch (t[p].kind) {
			case LK_LIT:
				fc = c < 0x80 ? ((c >= 'A' && c <= 'Z') ? c + 32
				                                        : c)
				              : wql_fold(c);
				ok = fc == t[p].cp;
				break;
			case LK_ONE:
				ok = true;
				break;
			case LK_SET:
				ok = set_has(&t[p], r, c, wql_fold(c));
				break;
			case LK_ANY:
				break;
			}
		}
		if (ok) {
			p++;
			s = next;
			continue;
		}
		if (star_s == NULL) {
			return false;
		}
		wql_utf8_get(&star_s);
		s = star_s;
		p = star_p;
	}
	while (p < n && t[p].kind == LK_ANY) {
		p++;
	}
	return p == n;
}

bool wql_like(const char *text, const char *pattern)
{
	struct like_tok st[64];
	struct like_range sr[64];
	struct like_tok *t = st;
	struct like_range *r = sr;
	void *tmp = NULL;
	uint32_t n, n_r;
	bool res;

	if (text == NULL || pattern == NULL) {
		return false;
	}
	n = tokenize(pattern, NULL, NULL, &n_r);
	if (n > 64 || n_r > 64) {
		tmp = talloc_new(NULL);
		t = talloc_array(tmp, struct like_tok, n);
		r = talloc_array(tmp, struct like_range, n_r);
		if (tmp == NULL || t == NULL || r == NULL) {
			talloc_free(tmp);
			return false;
		}
	}
	n = tokenize(pattern, t, r, &n_r);
	res = match(t, n, r, text);
	talloc_free(tmp);
	return res;
}

hresult wql_like_compile(void *mem, const char *pattern, struct wql_like **out)
{
	struct wql_like *pat = talloc_zero(mem, struct wql_like);
	uint32_t n, n_r;

	if (pat == NULL) {
		return hr_raise(HR_E_OUTOFMEMORY);
	}
	n = tokenize(pattern, NULL, NULL, &n_r);
	pat->t = talloc_array(pat, struct like_tok, n ? n : 1);
	pat->r = talloc_array(pat, struct like_range, n_r ? n_r : 1);
	if (pat->t == NULL || pat->r == NULL) {
		talloc_free(pat);
		return hr_raise(HR_E_OUTOFMEMORY);
	}
	pat->n_t = tokenize(pattern, pat->t, pat->r, &pat->n_r);
	*out = pat;
	return HR_OK;
}

bool wql_like_match(const struct wql_like *pat, const char *text)
{
	if (pat == NULL || text == NULL) {
		return false;
	}
	return match(pat->t, pat->n_t, pat->r, text);
}
