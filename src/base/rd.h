/*
 * rd: a bounds-checked little-endian reader for hand-written codecs (base).
 *
 * Invariant: p <= end always; a read that would pass end fails and leaves
 * the reader unchanged.  Every function returns false on failure.
 */
#ifndef OWMI_BASE_RD_H
#define OWMI_BASE_RD_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

struct rd {
	const uint8_t *p;
	const uint8_t *end;
};

static inline void rd_init(struct rd *r, const void *data, size_t len)
{
	r->p = data;
	r->end = r->p + len;
}

static inline size_t rd_left(const struct rd *r)
{
	return (size_t)(r->end - r->p);
}

static inline bool rd_bytes(struct rd *r, void *out, size_t n)
{
	if (rd_left(r) < n) {
		return false;
	}
	if (n != 0) {
		memcpy(out, r->p, n);
	}
	r->p += n;
	return true;
}

static inline bool rd_skip(struct rd *r, size_t n)
{
	if (rd_left(r) < n) {
		return false;
	}
	r->p += n;
	return true;
}

static inline bool rd_u8(struct rd *r, uint8_t *v)
{
	return rd_bytes(r, v, 1);
}

static inline bool rd_u16le(struct rd *r, uint16_t *v)
{
	uint8_t b[2];

	if (!rd_bytes(r, b, 2)) {
		return false;
	}
	*v = (uint16_t)(b[0] | (b[1] << 8));
	return true;
}

static inline bool rd_u32le(struct rd *r, uint32_t *v)
{
	uint8_t b[4];

	if (!rd_bytes(r, b, 4)) {
		return false;
	}
	*v = (uint32_t)b[0] | ((uint32_t)b[1] << 8) | ((uint32_t)b[2] << 16) |
	     ((uint32_t)b[3] << 24);
	return true;
}

static inline bool rd_u64le(struct rd *r, uint64_t *v)
{
	uint32_t lo;
	uint32_t hi;
	struct rd save = *r;

	if (!rd_u32le(r, &lo) || !rd_u32le(r, &hi)) {
		*r = save;
		return false;
	}
	*v = ((uint64_t)hi << 32) | lo;
	return true;
}

/* A sub-reader over [off, off+len) of [r]'s remaining bytes. */
static inline bool rd_sub(const struct rd *r,
                          size_t off,
                          size_t len,
                          struct rd *out)
{
	if (off > rd_left(r) || len > rd_left(r) - off) {
		return false;
	}
	out->p = r->p + off;
	out->end = out->p + len;
	return true;
}

#endif
