/*
 * jsonl: event logs as JSON lines (base layer; jsonl.h).
 */
#include "base/jsonl.h"

#include <errno.h>
#include <fcntl.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <talloc.h>
#include <unistd.h>

#include "base/utf.h"

/* ---- writing ---- */

/* Serialises rotations within the process (see jsonl_append). */
static pthread_mutex_t rotate_mu = PTHREAD_MUTEX_INITIALIZER;

void jsonl_begin(struct jsonl_out *o, void *mem)
{
	buf_init(&o->b, mem);
	o->first = true;
	buf_addch(&o->b, '{');
}

static void put_string(struct buf *b, const char *s, size_t max)
{
	size_t n = s != NULL ? strlen(s) : 0;

	if (n > max) {
		n = max;
		while (n > 0 && ((unsigned char)s[n] & 0xC0) == 0x80) {
			n--;
		}
	}
	buf_addch(b, '"');
	for (size_t i = 0; i < n; i++) {
		unsigned char c = (unsigned char)s[i];

		if (c == '"' || c == '\\') {
			buf_addch(b, '\\');
			buf_addch(b, (char)c);
		} else if (c == '\n') {
			buf_addstr(b, "\\n");
		} else if (c == '\r') {
			buf_addstr(b, "\\r");
		} else if (c == '\t') {
			buf_addstr(b, "\\t");
		} else if (c < 0x20 || c == 0x7F) {
			buf_addf(b, "\\u%04x", c);
		} else {
			buf_addch(b, (char)c);
		}
	}
	buf_addch(b, '"');
}

static void put_key(struct jsonl_out *o, const char *key)
{
	if (!o->first) {
		buf_addch(&o->b, ',');
	}
	o->first = false;
	put_string(&o->b, key, 256);
	buf_addch(&o->b, ':');
}

void jsonl_str(struct jsonl_out *o, const char *key, const char *v, size_t max)
{
	put_key(o, key);
	put_string(&o->b, v, max);
}

void jsonl_u64(struct jsonl_out *o, const char *key, uint64_t v)
{
	put_key(o, key);
	buf_addf(&o->b, "%llu", (unsigned long long)v);
}

void jsonl_strv(struct jsonl_out *o,
                const char *key,
                const char *const *v,
                size_t n,
                size_t max)
{
	put_key(o, key);
	buf_addch(&o->b, '[');
	for (size_t i = 0; i < n && i < JSONL_MAX_ARRAY; i++) {
		if (i > 0) {
			buf_addch(&o->b, ',');
		}
		put_string(&o->b, v[i], max);
	}
	buf_addch(&o->b, ']');
}

static hresult open_hr(int e)
{
	if (e == EACCES || e == EPERM) {
		return hr_raise(HR_E_ACCESSDENIED);
	}
	if (e == ENOENT || e == ENOTDIR) {
		return hr_raise(HR_HR_ERROR_FILE_NOT_FOUND);
	}
	return hr_raise(HR_E_FAIL);
}

hresult jsonl_end(struct jsonl_out *o)
{
	buf_addstr(&o->b, "}\n");
	if (hr_failed(o->b.error)) {
		return hr_raise(o->b.error);
	}
	if (o->b.len > JSONL_MAX_LINE) {
		return hr_raise(HR_E_FAIL);
	}
	return HR_OK;
}

hresult jsonl_append(struct jsonl_out *o, const char *path, uint64_t max_bytes)
{
	struct stat st;
	hresult hr;
	ssize_t w;
	int fd;

	hr = jsonl_end(o);
	if (hr_failed(hr)) {
		goto out;
	}
	if (max_bytes == 0) {
		max_bytes = JSONL_DEFAULT_MAX_BYTES;
	}
	fd = open(path, O_WRONLY | O_APPEND | O_CREAT | O_CLOEXEC, 0640);
	if (fd < 0) {
		hr = open_hr(errno);
		goto out;
	}
	if (fstat(fd, &st) == 0 &&
	    (uint64_t)st.st_size + o->b.len > max_bytes) {
		char *old = talloc_asprintf(NULL, "%s.1", path);
		struct stat cur;

		/*
		 * Rotate once: a thread that opened the file before another
		 * rotated it finds a new file at [path] and only reopens
		 * (else it would rename the nearly empty new file over the
		 * .1 it just became).
		 */
		pthread_mutex_lock(&rotate_mu);
		if (old != NULL && stat(path, &cur) == 0 &&
		    cur.st_ino == st.st_ino && cur.st_dev == st.st_dev) {
			(void)rename(path, old);
		}
		close(fd);
		fd = open(path, O_WRONLY | O_APPEND | O_CREAT | O_CLOEXEC,
		          0640);
		pthread_mutex_unlock(&rotate_mu);
		talloc_free(old);
		if (fd < 0) {
			hr = open_hr(errno);
			goto out;
		}
	}
	w = write(fd, o->b.data, o->b.len);
	if (w < 0 || (size_t)w != o->b.len) {
		hr = hr_raise(HR_E_FAIL);
	}
	close(fd);
out:
	buf_release(&o->b);
	return hr;
}

/* ---- reading ---- */

struct cur {
	const char *p;
	const char *end;
};

static void skip_ws(struct cur *c)
{
	while (c->p < c->end &&
	       (*c->p == ' ' || *c->p == '\t' || *c->p == '\r')) {
		c->p++;
	}
}

static int hexval(char ch)
{
	if (ch >= '0' && ch <= '9') {
		return ch - '0';
	}
	if (ch >= 'a' && ch <= 'f') {
		return ch - 'a' + 10;
	}
	if (ch >= 'A' && ch <= 'F') {
		return ch - 'A' + 10;
	}
	return -1;
}

/* A JSON string at c->p (the quote); returns it owned by [mem], or NULL. */
static char *get_string(void *mem, struct cur *c)
{
	struct buf b;

	if (c->p >= c->end || *c->p != '"') {
		return NULL;
	}
	c->p++;
	buf_init(&b, mem);
	while (c->p < c->end && *c->p != '"') {
		unsigned char ch = (unsigned char)*c->p++;

		if (ch < 0x20) {
			goto bad;
		}
		if (ch != '\\') {
			buf_addch(&b, (char)ch);
			continue;
		}
		if (c->p >= c->end) {
			goto bad;
		}
		ch = (unsigned char)*c->p++;
		switch (ch) {
		case '"':
		case '\\':
		case '/':
			buf_addch(&b, (char)ch);
			break;
		case 'n':
			buf_addch(&b, '\n');
			break;
		case 'r':
			buf_addch(&b, '\r');
			break;
		case 't':
			buf_addch(&b, '\t');
			break;
		case 'b':
			buf_addch(&b, '\b');
			break;
		case 'f':
			buf_addch(&b, '\f');
			break;
		case 'u': {
			uint32_t cp = 0;

			if (c->end - c->p < 4) {
				goto bad;
			}
			for (int i = 0; i < 4; i++) {
				int h = hexval(c->p[i]);

				if (h < 0) {
					goto bad;
				}
				cp = cp * 16u + (uint32_t)h;
			}
			c->p += 4;
			if (cp == 0 || (cp >= 0xD800 && cp <= 0xDFFF)) {
				goto bad;
			}
			if (cp < 0x80) {
				buf_addch(&b, (char)cp);
			} else if (cp < 0x800) {
				buf_addch(&b, (char)(0xC0 | (cp >> 6)));
				buf_addch(&b, (char)(0x80 | (cp & 0x3F)));
			} else {
				buf_addch(&b, (char)(0xE0 | (cp >> 12)));
				buf_addch(&b,
				          (char)(0x80 | ((cp >> 6) & 0x3F)));
				buf_addch(&b, (char)(0x80 | (cp & 0x3F)));
			}
			break;
		}
		default:
			goto bad;
		}
	}
	if (c->p >= c->end || hr_failed(b.error)) {
		goto bad;
	}
	c->p++;
	return buf_detach(&b, NULL);
bad:
	buf_release(&b);
	return NULL;
}

static char *get_number(void *mem, struct cur *c)
{
	const char *s = c->p;

	while (c->p < c->end && *c->p >= '0' && *c->p <= '9' && c->p - s < 20) {
		c->p++;
	}
	if (c->p == s || (c->p < c->end && *c->p >= '0' && *c->p <= '9')) {
		return NULL;
	}
	return talloc_strndup(mem, s, (size_t)(c->p - s));
}

static bool get_array(void *mem, struct cur *c, struct jsonl_field *f)
{
	c->p++; /* '[' */
	f->arr = talloc_zero_array(mem, char *, 1);
	if (f->arr == NULL) {
		return false;
	}
	skip_ws(c);
	if (c->p < c->end && *c->p == ']') {
		c->p++;
		return true;
	}
	for (;;) {
		char *s;

		skip_ws(c);
		if (f->n_arr == JSONL_MAX_ARRAY ||
		    (s = get_string(f->arr, c)) == NULL) {
			return false;
		}
		f->arr = talloc_realloc(mem, f->arr, char *, f->n_arr + 2);
		if (f->arr == NULL) {
			return false;
		}
		f->arr[f->n_arr++] = s;
		f->arr[f->n_arr] = NULL;
		skip_ws(c);
		if (c->p < c->end && *c->p == ',') {
			c->p++;
			continue;
		}
		if (c->p < c->end && *c->p == ']') {
			c->p++;
			return true;
		}
		return false;
	}
}

bool jsonl_parse(void *mem,
                 const char *line,
                 size_t len,
                 struct jsonl_field **out,
                 size_t *n)
{
	struct cur c = { line, line + len };
	void *tmp;
	struct jsonl_field *f;
	size_t k = 0;

	*out = NULL;
	*n = 0;
	if (len > JSONL_MAX_LINE || memchr(line, '\0', len) != NULL ||
	    !utf8_valid(line, len, NULL)) {
		return false;
	}
	tmp = talloc_new(mem);
	f = tmp ? talloc_zero_array(tmp, struct jsonl_field, JSONL_MAX_FIELDS)
	        : NULL;
	if (f == NULL) {
		goto bad;
	}
	skip_ws(&c);
	if (c.p >= c.end || *c.p++ != '{') {
		goto bad;
	}
	skip_ws(&c);
	if (c.p < c.end && *c.p == '}') {
		c.p++;
		goto end;
	}
	for (;;) {
		skip_ws(&c);
		if (k == JSONL_MAX_FIELDS ||
		    (f[k].key = get_string(f, &c)) == NULL) {
			goto bad;
		}
		skip_ws(&c);
		if (c.p >= c.end || *c.p++ != ':') {
			goto bad;
		}
		skip_ws(&c);
		if (c.p >= c.end) {
			goto bad;
		}
		if (*c.p == '"') {
			f[k].str = get_string(f, &c);
		} else if (*c.p == '[') {
			if (!get_array(f, &c, &f[k])) {
				goto bad;
			}
		} else {
			f[k].str = get_number(f, &c);
		}
		if (f[k].str == NULL && f[k].arr == NULL) {
			goto bad;
		}
		k++;
		skip_ws(&c);
		if (c.p < c.end && *c.p == ',') {
			c.p++;
			continue;
		}
		if (c.p < c.end && *c.p == '}') {
			c.p++;
			break;
		}
		goto bad;
	}
end:
	skip_ws(&c);
	if (c.p != c.end) {
		goto bad;
	}
	talloc_steal(mem, f);
	talloc_free(tmp);
	*out = f;
	*n = k;
	return true;
bad:
	talloc_free(tmp);
	return false;
}

const char *jsonl_get(const struct jsonl_record *r, const char *key)
{
	for (size_t i = 0; i < r->n; i++) {
		if (strcmp(r->f[i].key, key) == 0) {
			return r->f[i].str;
		}
	}
	return NULL;
}

char *const *jsonl_get_arr(const struct jsonl_record *r,
                           const char *key,
                           size_t *n)
{
	*n = 0;
	for (size_t i = 0; i < r->n; i++) {
		if (strcmp(r->f[i].key, key) == 0 && r->f[i].arr != NULL) {
			*n = r->f[i].n_arr;
			return r->f[i].arr;
		}
	}
	return NULL;
}

hresult jsonl_read(void *mem,
                   const char *path,
                   size_t max,
                   struct jsonl_record **out,
                   size_t *n,
                   struct errinfo *ei)
{
	FILE *fp;
	char *line = NULL;
	size_t cap = 0, count = 0, alloc = 0;
	uint64_t no = 0;
	ssize_t len;
	struct jsonl_record *recs = NULL;
	void *ctx;

	*out = NULL;
	*n = 0;
	fp = fopen(path, "re");
	if (fp == NULL) {
		int e = errno;

		return err_set(ei, open_hr(e), "jsonl", "cannot open %s: %s",
		               path, strerror(e));
	}
	ctx = talloc_new(mem);
	if (ctx == NULL) {
		fclose(fp);
		return hr_raise(HR_E_OUTOFMEMORY);
	}
	while ((len = getline(&line, &cap, fp)) >= 0) {
		struct jsonl_record r;

		no++;
		if (len > 0 && line[len - 1] == '\n') {
			len--;
		}
		if (len == 0 || (size_t)len > JSONL_MAX_LINE) {
			continue;
		}
		memset(&r, 0, sizeof(r));
		r.line = no;
		if (!jsonl_parse(ctx, line, (size_t)len, &r.f, &r.n)) {
			continue;
		}
		if (count == alloc) {
			size_t na = alloc ? alloc * 2 : 16;
			struct jsonl_record *nr = talloc_realloc(
			        ctx, recs, struct jsonl_record, na);

			if (nr == NULL) {
				free(line);
				fclose(fp);
				talloc_free(ctx);
				return hr_raise(HR_E_OUTOFMEMORY);
			}
			recs = nr;
			alloc = na;
		}
		recs[count++] = r;
	}
	free(line);
	fclose(fp);
	if (recs == NULL) {
		talloc_free(ctx);
		return HR_OK;
	}
	if (max != 0 && count > max) {
		/* Keep the last [max] (files are size-bounded). */
		for (size_t i = 0; i < count - max; i++) {
			talloc_free(recs[i].f);
		}
		memmove(recs, recs + (count - max), max * sizeof(*recs));
		count = max;
	}
	talloc_steal(mem, recs);
	for (size_t i = 0; i < count; i++) {
		talloc_steal(recs, recs[i].f);
	}
	talloc_free(ctx);
	*out = recs;
	*n = count;
	return HR_OK;
}
