/*
 * buf: a growable byte buffer with git strbuf semantics (base layer).
 *
 * Invariants: data is never NULL and always NUL-terminated at data[len];
 * len < alloc (or alloc == 0 and data points at a static empty string);
 * growth stops at max (0 = SIZE_MAX / 2) with E_OUTOFMEMORY.
 * Ownership leaves only through buf_detach().
 * Memory comes from talloc under the context given to buf_init().
 */
#ifndef OWMI_BASE_BUF_H
#define OWMI_BASE_BUF_H

#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#include "base/hresult.h"

struct buf {
	char *data;
	size_t len;
	size_t alloc;
	size_t max;    /* growth ceiling; 0 means SIZE_MAX / 2 */
	void *mem;     /* talloc parent of data */
	hresult error; /* sticky: the first growth failure */
};

/* Initialises [b] empty under talloc context [mem] (may be NULL). */
void buf_init(struct buf *b, void *mem);

/* Frees the storage and re-initialises [b] empty. */
void buf_release(struct buf *b);

/* Empties [b] without freeing its storage. */
void buf_reset(struct buf *b);

/* Ensures room for [extra] more bytes.  E_OUTOFMEMORY past the ceiling. */
hresult buf_grow(struct buf *b, size_t extra);

hresult buf_add(struct buf *b, const void *p, size_t n);
hresult buf_addstr(struct buf *b, const char *s);
hresult buf_addch(struct buf *b, char c);
hresult buf_addf(struct buf *b, const char *fmt, ...)
        __attribute__((format(printf, 2, 3)));
hresult buf_vaddf(struct buf *b, const char *fmt, va_list ap)
        __attribute__((format(printf, 2, 0)));

/* Appends little-endian integers. */
hresult buf_add_u8(struct buf *b, uint8_t v);
hresult buf_add_u16le(struct buf *b, uint16_t v);
hresult buf_add_u32le(struct buf *b, uint32_t v);
hresult buf_add_u64le(struct buf *b, uint64_t v);

/*
 * Returns owned the storage (talloc child of the buf's context, NUL
 * terminated) and re-initialises [b].  [out_len] may be NULL.
 */
char *buf_detach(struct buf *b, size_t *out_len);

#endif
