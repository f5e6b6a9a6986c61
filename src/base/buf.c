/*
 * buf: a growable byte buffer (base layer).
 */
#include "base/buf.h"

#include <stdio.h>
#include <string.h>
#include <talloc.h>

static char buf_empty[1];

void buf_init(struct buf *b, void *mem)
{
	b->data = buf_empty;
	b->len = 0;
	b->alloc = 0;
	b->max = 0;
	b->mem = mem;
	b->error = HR_OK;
}

void buf_release(struct buf *b)
{
	if (b->alloc != 0) {
		talloc_free(b->data);
	}
	buf_init(b, b->mem);
}

void buf_reset(struct buf *b)
{
	b->len = 0;
	if (b->alloc != 0) {
		b->data[0] = '\0';
	}
	b->error = HR_OK;
}

hresult buf_grow(struct buf *b, size_t extra)
{
	size_t max = b->max ? b->max : SIZE_MAX / 2;
	size_t want;
	size_t n;
	char *p;

	if (hr_failed(b->error)) {
		return b->error;
	}
	if (extra > max || b->len > max - extra - 1) {
		b->error = hr_raise(HR_E_OUTOFMEMORY);
		return b->error;
	}
	want = b->len + extra + 1;
	if (want <= b->alloc) {
		return HR_OK;
	}
	n = b->alloc ? b->alloc : 64;
	while (n < want) {
		n = n > max / 2 ? max + 1 : n * 2;
	}
	if (b->alloc == 0) {
		p = talloc_size(b->mem, n);
		if (p != NULL) {
			p[0] = '\0';
		}
	} else {
		p = talloc_realloc_size(b->mem, b->data, n);
	}
	if (p == NULL) {
		b->error = hr_raise(HR_E_OUTOFMEMORY);
		return b->error;
	}
	b->data = p;
	b->alloc = n;
	return HR_OK;
}

hresult buf_add(struct buf *b, const void *p, size_t n)
{
	hresult hr = buf_grow(b, n);

	if (hr_failed(hr)) {
		return hr;
	}
	if (n != 0) {
		memcpy(b->data + b->len, p, n);
	}
	b->len += n;
	b->data[b->len] = '\0';
	return HR_OK;
}

hresult buf_addstr(struct buf *b, const char *s)
{
	return buf_add(b, s, strlen(s));
}

hresult buf_addch(struct buf *b, char c)
{
	return buf_add(b, &c, 1);
}

hresult buf_vaddf(struct buf *b, const char *fmt, va_list ap)
{
	va_list cp;
	int n;
	hresult hr;

	va_copy(cp, ap);
	n = vsnprintf(NULL, 0, fmt, cp);
	va_end(cp);
	if (n < 0) {
		return hr_raise(HR_E_INVALIDARG);
	}
	hr = buf_grow(b, (size_t)n);
	if (hr_failed(hr)) {
		return hr;
	}
	vsnprintf(b->data + b->len, (size_t)n + 1, fmt, ap);
	b->len += (size_t)n;
	return HR_OK;
}

hresult buf_addf(struct buf *b, const char *fmt, ...)
{
	va_list ap;
	hresult hr;

	va_start(ap, fmt);
	hr = buf_vaddf(b, fmt, ap);
	va_end(ap);
	return hr;
}

hresult buf_add_u8(struct buf *b, uint8_t v)
{
	return buf_add(b, &v, 1);
}

hresult buf_add_u16le(struct buf *b, uint16_t v)
{
	uint8_t x[2] = { (uint8_t)v, (uint8_t)(v >> 8) };

	return buf_add(b, x, sizeof(x));
}

hresult buf_add_u32le(struct buf *b, uint32_t v)
{
	uint8_t x[4];

	for (int i = 0; i < 4; i++) {
		x[i] = (uint8_t)(v >> (8 * i));
	}
	return buf_add(b, x, sizeof(x));
}

hresult buf_add_u64le(struct buf *b, uint64_t v)
{
	uint8_t x[8];

	for (int i = 0; i < 8; i++) {
		x[i] = (uint8_t)(v >> (8 * i));
	}
	return buf_add(b, x, sizeof(x));
}

char *buf_detach(struct buf *b, size_t *out_len)
{
	char *p;

	if (b->alloc == 0) {
		p = talloc_strdup(b->mem, "");
	} else {
		p = b->data;
	}
	if (out_len != NULL) {
		*out_len = b->len;
	}
	buf_init(b, b->mem);
	return p;
}
