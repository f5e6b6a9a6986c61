/*
 * objpath: WMI object paths (cim layer; leaf codec, no runtime includes).
 *
 * Grammar accepted (windows-wmi-behaviour.md 8.4; S is '\' or '/'):
 *
 *   path      = [ SS server [ S ns ] ":" ] rel      (server form)
 *             | ns ":" rel                           (relative namespace)
 *             | SS server S ns | ns                  (namespace path; a bare
 *                                                     ns needs one S)
 *   ns        = name *( S name )
 *   rel       = class [ "." key *( "," key ) | "=" value | "=@" ]
 *   key       = name "=" value
 *   value     = '"' chars '"' | "'" chars "'"        (\\ \" \' escapes)
 *             | [ "-" ] digits | "0x" hexdigits      (uint64 / int64)
 *             | TRUE | FALSE                         (any case)
 *
 * No whitespace anywhere outside quotes.  Limits: OBJPATH_MAX_TEXT bytes,
 * OBJPATH_MAX_KEYS keys, OBJPATH_MAX_DEPTH levels of path-in-key when
 * comparing.  Text must be valid UTF-8.
 */
#include "cim/objpath.h"

#include <inttypes.h>
#include <string.h>
#include <talloc.h>

#include "base/buf.h"
#include "base/utf.h"

#define OBJPATH_MAX_TEXT  65536u
#define OBJPATH_MAX_KEYS  256u
#define OBJPATH_MAX_DEPTH 16

struct pp {
	const char *s;
	size_t len;
	size_t pos;
	void *mem;
	struct errinfo *ei;
};

static hresult fail(struct pp *pp, size_t off, const char *what)
{
	return err_set_pos(pp->ei, HR_WBEM_E_INVALID_OBJECT_PATH, "cim", 1,
	                   (uint32_t)off + 1, off, "object path: %s at %zu",
	                   what, off);
}

static bool is_sep(char c)
{
	return c == '\\' || c == '/';
}

static bool is_name_start(unsigned char c)
{
	return (c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') || c == '_' ||
	       c >= 0x80;
}

static bool is_name_char(unsigned char c)
{
	return is_name_start(c) || (c >= '0' && c <= '9');
}

static char cur(const struct pp *pp)
{
	return pp->pos < pp->len ? pp->s[pp->pos] : '\0';
}

/* Reads a name at pos; returns its length (0 when none). */
static size_t scan_name(const struct pp *pp)
{
	size_t n = 0;

	if (!is_name_start((unsigned char)cur(pp))) {
		return 0;
	}
	while (pp->pos + n < pp->len &&
	       is_name_char((unsigned char)pp->s[pp->pos + n])) {
		n++;
	}
	return n;
}

static hresult take_name(struct pp *pp, char **out, const char *what)
{
	size_t n = scan_name(pp);

	if (n == 0) {
		return fail(pp, pp->pos, what);
	}
	*out = talloc_strndup(pp->mem, pp->s + pp->pos, n);
	if (*out == NULL) {
		return hr_raise(HR_E_OUTOFMEMORY);
	}
	pp->pos += n;
	return HR_OK;
}

static bool is_server_char(unsigned char c)
{
	return c > 0x20 && c != 0x7F && !is_sep((char)c) && c != ':' &&
	       c != '"' && c != '\'' && c != ',' && c != '=';
}

/* Parses ns components until [stop] (exclusive); joins them with '\'. */
static hresult parse_ns(struct pp *pp, size_t stop, char **out)
{
	struct buf b;

	buf_init(&b, pp->mem);
	for (;;) {
		size_t start = pp->pos;

		while (pp->pos < stop &&
		       (is_name_char((unsigned char)pp->s[pp->pos]) ||
		        pp->s[pp->pos] == '-')) {
			pp->pos++;
		}
		if (pp->pos == start) {
			buf_release(&b);
			return fail(pp, pp->pos, "expected a namespace name");
		}
		buf_add(&b, pp->s + start, pp->pos - start);
		if (pp->pos == stop) {
			break;
		}
		if (!is_sep(pp->s[pp->pos])) {
			buf_release(&b);
			return fail(pp, pp->pos, "bad character in namespace");
		}
		buf_addch(&b, '\\');
		pp->pos++;
	}
	if (hr_failed(b.error)) {
		buf_release(&b);
		return hr_raise(HR_E_OUTOFMEMORY);
	}
	*out = buf_detach(&b, NULL);
	return HR_OK;
}

static hresult parse_quoted(struct pp *pp, struct objpath_key *k)
{
	char q = cur(pp);
	size_t start = pp->pos;
	struct buf b;

	buf_init(&b, pp->mem);
	pp->pos++;
	for (;;) {
		char c = cur(pp);

		if (pp->pos >= pp->len) {
			buf_release(&b);
			return fail(pp, start, "unterminated string");
		}
		if (c == q) {
			pp->pos++;
			break;
		}
		if (c == '\\') {
			char e = pp->pos + 1 < pp->len ? pp->s[pp->pos + 1]
			                               : '\0';

			if (e != '\\' && e != '"' && e != '\'') {
				buf_release(&b);
				return fail(pp, pp->pos, "bad escape");
			}
			buf_addch(&b, e);
			pp->pos += 2;
			continue;
		}
		buf_addch(&b, c);
		pp->pos++;
	}
	if (hr_failed(b.error)) {
		buf_release(&b);
		return hr_raise(HR_E_OUTOFMEMORY);
	}
	if (b.alloc == 0) {
		k->s = talloc_strdup(pp->mem, "");
		if (k->s == NULL) {
			return hr_raise(HR_E_OUTOFMEMORY);
		}
	} else {
		k->s = buf_detach(&b, NULL);
	}
	k->type = OBJPATH_KEY_STRING;
	return HR_OK;
}

static bool at_value_end(const struct pp *pp)
{
	return pp->pos >= pp->len || pp->s[pp->pos] == ',';
}

static hresult parse_number(struct pp *pp, struct objpath_key *k)
{
	size_t start = pp->pos;
	bool neg = false;
	unsigned base = 10;
	uint64_t v = 0;
	bool any = false;

	if (cur(pp) == '-') {
		neg = true;
		pp->pos++;
	}
	if (cur(pp) == '0' && pp->pos + 1 < pp->len &&
	    (pp->s[pp->pos + 1] == 'x' || pp->s[pp->pos + 1] == 'X')) {
		base = 16;
		pp->pos += 2;
	}
	while (!at_value_end(pp)) {
		char c = cur(pp);
		unsigned d;

		if (c >= '0' && c <= '9') {
			d = (unsigned)(c - '0');
		} else if (base == 16 && c >= 'a' && c <= 'f') {
			d = (unsigned)(c - 'a' + 10);
		} else if (base == 16 && c >= 'A' && c <= 'F') {
			d = (unsigned)(c - 'A' + 10);
		} else {
			return fail(pp, pp->pos, "bad character in number");
		}
		if (v > (UINT64_MAX - d) / base) {
			return fail(pp, start, "number out of range");
		}
		v = v * base + d;
		any = true;
		pp->pos++;
	}
	if (!any) {
		return fail(pp, start, "expected digits");
	}
	if (neg && v != 0) {
		if (v > (uint64_t)INT64_MAX + 1) {
			return fail(pp, start, "number out of range");
		}
		k->type = OBJPATH_KEY_SINT;
		k->i = (int64_t)(0 - v);
	} else {
		k->type = OBJPATH_KEY_UINT;
		k->u = v;
	}
	return HR_OK;
}

static bool word_at(const struct pp *pp, const char *w)
{
	size_t n = strlen(w);

	if (pp->len - pp->pos < n) {
		return false;
	}
	for (size_t i = 0; i < n; i++) {
		char c = pp->s[pp->pos + i];

		if (c >= 'a' && c <= 'z') {
			c = (char)(c - 32);
		}
		if (c != w[i]) {
			return false;
		}
	}
	return pp->pos + n == pp->len || pp->s[pp->pos + n] == ',';
}

static hresult parse_value(struct pp *pp, struct objpath_key *k)
{
	char c = cur(pp);

	if (c == '"' || c == '\'') {
		return parse_quoted(pp, k);
	}
	if (c == '-' || (c >= '0' && c <= '9')) {
		return parse_number(pp, k);
	}
	if (word_at(pp, "TRUE") || word_at(pp, "FALSE")) {
		k->type = OBJPATH_KEY_BOOL;
		k->b = c == 't' || c == 'T';
		pp->pos += k->b ? 4 : 5;
		return HR_OK;
	}
	return fail(pp, pp->pos, "expected a key value");
}

static hresult add_key(struct pp *pp,
                       struct objpath *p,
                       struct objpath_key **out)
{
	size_t cap = p->keys ? talloc_array_length(p->keys) : 0;

	if (p->n_keys >= OBJPATH_MAX_KEYS) {
		return fail(pp, pp->pos, "too many keys");
	}
	if (p->n_keys == cap) {
		struct objpath_key *k = talloc_realloc(pp->mem, p->keys,
		                                       struct objpath_key,
		                                       cap ? cap * 2 : 4);

		if (k == NULL) {
			return hr_raise(HR_E_OUTOFMEMORY);
		}
		p->keys = k;
	}
	*out = &p->keys[p->n_keys++];
	memset(*out, 0, sizeof(**out));
	return HR_OK;
}

static hresult parse_rel(struct pp *pp, struct objpath *p)
{
	struct objpath_key *k;
	hresult hr;

	hr = take_name(pp, &p->cls, "expected a class name");
	if (hr_failed(hr)) {
		return hr;
	}
	if (pp->pos == pp->len) {
		return HR_OK;
	}
	if (cur(pp) == '=') {
		pp->pos++;
		if (cur(pp) == '@' && pp->pos + 1 == pp->len) {
			pp->pos++;
			p->singleton = true;
			return HR_OK;
		}
		hr = add_key(pp, p, &k);
		if (hr_ok(hr)) {
			hr = parse_value(pp, k);
		}
		if (hr_ok(hr) && pp->pos != pp->len) {
			hr = fail(pp, pp->pos, "junk after the key value");
		}
		return hr;
	}
	if (cur(pp) != '.') {
		return fail(pp, pp->pos, "expected '.', '=' or the end");
	}
	pp->pos++;
	for (;;) {
		hr = add_key(pp, p, &k);
		if (hr_failed(hr)) {
			return hr;
		}
		size_t at = pp->pos;

		hr = take_name(pp, &k->name, "expected a key name");
		if (hr_failed(hr)) {
			return hr;
		}
		for (uint32_t i = 0; i + 1 < p->n_keys; i++) {
			if (utf8_casecmp(p->keys[i].name, k->name) == 0) {
				return fail(pp, at, "key given twice");
			}
		}
		if (cur(pp) != '=') {
			return fail(pp, pp->pos, "expected '='");
		}
		pp->pos++;
		hr = parse_value(pp, k);
		if (hr_failed(hr)) {
			return hr;
		}
		if (pp->pos == pp->len) {
			return HR_OK;
		}
		if (cur(pp) != ',') {
			return fail(pp, pp->pos, "expected ',' or the end");
		}
		pp->pos++;
	}
}

/* Returns the offset of the first ':' before any '.', '=' or quote. */
static size_t find_ns_colon(const struct pp *pp, bool *has_sep)
{
	*has_sep = false;
	for (size_t i = 0; i < pp->len; i++) {
		char c = pp->s[i];

		if (c == ':') {
			return i;
		}
		if (c == '.' || c == '=' || c == '"' || c == '\'') {
			return SIZE_MAX;
		}
		if (is_sep(c)) {
			*has_sep = true;
		}
	}
	return SIZE_MAX;
}

static hresult parse_all(struct pp *pp, struct objpath *p)
{
	size_t colon;
	bool has_sep;
	hresult hr;

	if (pp->len >= 2 && is_sep(pp->s[0]) && is_sep(pp->s[1])) {
		size_t start = 2;
		size_t stop;

		pp->pos = 2;
		while (pp->pos < pp->len &&
		       is_server_char((unsigned char)pp->s[pp->pos])) {
			pp->pos++;
		}
		if (pp->pos == start) {
			return fail(pp, pp->pos, "expected a server name");
		}
		p->server = talloc_strndup(pp->mem, pp->s + start,
		                           pp->pos - start);
		if (p->server == NULL) {
			return hr_raise(HR_E_OUTOFMEMORY);
		}
		if (pp->pos < pp->len && is_sep(cur(pp))) {
			pp->pos++;
			stop = pp->pos;
			while (stop < pp->len && pp->s[stop] != ':') {
				stop++;
			}
			hr = parse_ns(pp, stop, &p->ns);
			if (hr_failed(hr)) {
				return hr;
			}
		}
		if (pp->pos == pp->len) {
			if (p->ns == NULL) {
				return fail(pp, pp->pos,
				            "expected a namespace");
			}
			return HR_OK;
		}
		if (cur(pp) != ':') {
			return fail(pp, pp->pos, "expected ':'");
		}
		pp->pos++;
		return parse_rel(pp, p);
	}
	colon = find_ns_colon(pp, &has_sep);
	if (colon != SIZE_MAX) {
		hr = parse_ns(pp, colon, &p->ns);
		if (hr_failed(hr)) {
			return hr;
		}
		pp->pos++;
		return parse_rel(pp, p);
	}
	if (has_sep) {
		return parse_ns(pp, pp->len, &p->ns);
	}
	return parse_rel(pp, p);
}

hresult objpath_parse(void *mem,
                      const char *text,
                      struct objpath **out,
                      struct errinfo *ei)
{
	struct pp pp = { .s = text, .ei = ei };
	struct objpath *p;
	size_t bad = 0;
	hresult hr;

	if (text == NULL) {
		return fail(&pp, 0, "no text");
	}
	pp.len = strnlen(text, OBJPATH_MAX_TEXT + 1);
	if (pp.len > OBJPATH_MAX_TEXT) {
		return fail(&pp, OBJPATH_MAX_TEXT, "path too long");
	}
	if (pp.len == 0) {
		return fail(&pp, 0, "empty path");
	}
	if (!utf8_valid(text, pp.len, &bad)) {
		return fail(&pp, bad, "invalid UTF-8");
	}
	p = talloc_zero(mem, struct objpath);
	if (p == NULL) {
		return hr_raise(HR_E_OUTOFMEMORY);
	}
	pp.mem = p;
	hr = parse_all(&pp, p);
	if (hr_failed(hr)) {
		talloc_free(p);
		return hr;
	}
	*out = p;
	return HR_OK;
}

hresult objpath_quote(struct buf *b, const char *s)
{
	buf_addch(b, '"');
	for (const char *c = s; *c != '\0'; c++) {
		if (*c == '\\' || *c == '"') {
			buf_addch(b, '\\');
		}
		buf_addch(b, *c);
	}
	return buf_addch(b, '"');
}

static void format_key_value(struct buf *b, const struct objpath_key *k)
{
	switch (k->type) {
	case OBJPATH_KEY_SINT:
		buf_addf(b, "%" PRId64, k->i);
		break;
	case OBJPATH_KEY_UINT:
		buf_addf(b, "%" PRIu64, k->u);
		break;
	case OBJPATH_KEY_BOOL:
		buf_addstr(b, k->b ? "TRUE" : "FALSE");
		break;
	default:
		objpath_quote(b, k->s ? k->s : "");
		break;
	}
}

static void format_rel(struct buf *b, const struct objpath *p)
{
	buf_addstr(b, p->cls);
	if (p->singleton) {
		buf_addstr(b, "=@");
		return;
	}
	if (p->n_keys == 1 && p->keys[0].name == NULL) {
		buf_addch(b, '=');
		format_key_value(b, &p->keys[0]);
		return;
	}
	for (uint32_t i = 0; i < p->n_keys; i++) {
		buf_addch(b, i == 0 ? '.' : ',');
		buf_addstr(b, p->keys[i].name ? p->keys[i].name : "");
		buf_addch(b, '=');
		format_key_value(b, &p->keys[i]);
	}
}

static char *finish(void *mem, struct buf *b)
{
	char *s;

	if (hr_failed(b->error)) {
		buf_release(b);
		return NULL;
	}
	if (b->alloc == 0) {
		return talloc_strdup(mem, "");
	}
	s = buf_detach(b, NULL);
	return s;
}

char *objpath_format(void *mem, const struct objpath *p)
{
	struct buf b;

	buf_init(&b, mem);
	if (p->server != NULL) {
		buf_addstr(&b, "\\\\");
		buf_addstr(&b, p->server);
		if (p->ns != NULL) {
			buf_addch(&b, '\\');
		}
	}
	if (p->ns != NULL) {
		for (const char *c = p->ns; *c != '\0'; c++) {
			buf_addch(&b, *c == '/' ? '\\' : *c);
		}
	}
	if (p->cls != NULL) {
		if (p->server != NULL || p->ns != NULL) {
			buf_addch(&b, ':');
		}
		format_rel(&b, p);
	}
	return finish(mem, &b);
}

char *objpath_format_rel(void *mem, const struct objpath *p)
{
	struct buf b;

	buf_init(&b, mem);
	if (p->cls != NULL) {
		format_rel(&b, p);
	}
	return finish(mem, &b);
}

static int key_name_cmp(const struct objpath_key *a,
                        const struct objpath_key *b)
{
	if (a->name == NULL || b->name == NULL) {
		return (a->name != NULL) - (b->name != NULL);
	}
	return utf8_casecmp(a->name, b->name);
}

void objpath_sort_keys(struct objpath *p)
{
	for (uint32_t i = 1; i < p->n_keys; i++) {
		struct objpath_key k = p->keys[i];
		uint32_t j = i;

		while (j > 0 && key_name_cmp(&p->keys[j - 1], &k) > 0) {
			p->keys[j] = p->keys[j - 1];
			j--;
		}
		p->keys[j] = k;
	}
}

static bool opt_eq(const char *a, const char *b)
{
	return a == NULL || b == NULL || utf8_casecmp(a, b) == 0;
}

static bool ns_eq(const char *a, const char *b)
{
	if (a == NULL || b == NULL) {
		return true;
	}
	for (;; a++, b++) {
		char x = *a == '/' ? '\\' : *a;
		char y = *b == '/' ? '\\' : *b;

		if (x >= 'A' && x <= 'Z') {
			x = (char)(x + 32);
		}
		if (y >= 'A' && y <= 'Z') {
			y = (char)(y + 32);
		}
		if (x != y) {
			return false;
		}
		if (x == '\0') {
			return true;
		}
	}
}

static bool path_equal(const struct objpath *a,
                       const struct objpath *b,
                       int depth);

static bool is_num(const struct objpath_key *k)
{
	return k->type == OBJPATH_KEY_SINT || k->type == OBJPATH_KEY_UINT;
}

static bool str_as_paths_equal(const char *x, const char *y, int depth)
{
	void *tmp;
	struct objpath *px = NULL;
	struct objpath *py = NULL;
	bool r = false;

	if (depth >= OBJPATH_MAX_DEPTH) {
		return false;
	}
	tmp = talloc_new(NULL);
	if (tmp == NULL) {
		return false;
	}
	if (hr_ok(objpath_parse(tmp, x, &px, NULL)) &&
	    hr_ok(objpath_parse(tmp, y, &py, NULL)) && px->cls != NULL &&
	    py->cls != NULL) {
		r = path_equal(px, py, depth + 1);
	}
	talloc_free(tmp);
	return r;
}

static bool key_value_equal(const struct objpath_key *a,
                            const struct objpath_key *b,
                            int depth)
{
	if (is_num(a) && is_num(b)) {
		return a->type == b->type &&
		       (a->type == OBJPATH_KEY_SINT ? a->i == b->i
		                                    : a->u == b->u);
	}
	if (a->type == OBJPATH_KEY_BOOL || b->type == OBJPATH_KEY_BOOL) {
		return a->type == b->type && a->b == b->b;
	}
	if (is_num(a) || is_num(b)) {
		const struct objpath_key *n = is_num(a) ? a : b;
		const struct objpath_key *s = is_num(a) ? b : a;
		char tmp[32];

		if (n->type == OBJPATH_KEY_SINT) {
			snprintf(tmp, sizeof(tmp), "%" PRId64, n->i);
		} else {
			snprintf(tmp, sizeof(tmp), "%" PRIu64, n->u);
		}
		return s->s != NULL && strcmp(s->s, tmp) == 0;
	}
	if (a->s == NULL || b->s == NULL) {
		return a->s == b->s;
	}
	if (strcmp(a->s, b->s) == 0) {
		return true;
	}
	return str_as_paths_equal(a->s, b->s, depth);
}

static bool path_equal(const struct objpath *a,
                       const struct objpath *b,
                       int depth)
{
	if ((a->cls == NULL) != (b->cls == NULL) ||
	    (a->cls != NULL && utf8_casecmp(a->cls, b->cls) != 0)) {
		return false;
	}
	if (!opt_eq(a->server, b->server) || !ns_eq(a->ns, b->ns)) {
		return false;
	}
	if (a->singleton != b->singleton || a->n_keys != b->n_keys) {
		return false;
	}
	for (uint32_t i = 0; i < a->n_keys; i++) {
		const struct objpath_key *ka = &a->keys[i];
		const struct objpath_key *kb = NULL;

		if (a->n_keys == 1) {
			kb = &b->keys[0];
			if (ka->name != NULL && kb->name != NULL &&
			    utf8_casecmp(ka->name, kb->name) != 0) {
				return false;
			}
		} else {
			for (uint32_t j = 0; j < b->n_keys; j++) {
				if (ka->name != NULL && b->keys[j].name &&
				    utf8_casecmp(ka->name, b->keys[j].name) ==
				            0) {
					kb = &b->keys[j];
					break;
				}
			}
		}
		if (kb == NULL || !key_value_equal(ka, kb, depth)) {
			return false;
		}
	}
	return true;
}

bool objpath_equal(const struct objpath *a, const struct objpath *b)
{
	return path_equal(a, b, 0);
}
