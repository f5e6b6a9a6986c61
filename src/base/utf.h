/*
 * utf: UTF-8 validation and UTF-8 <-> UTF-16LE conversion (base layer).
 *
 * OpenWMI is UTF-8 inside; UTF-16LE exists only at the wire.  Every function
 * here rejects malformed input (overlong forms, surrogates in UTF-8, unpaired
 * surrogates in UTF-16, code points past U+10FFFF) instead of repairing it.
 */
#ifndef OWMI_BASE_UTF_H
#define OWMI_BASE_UTF_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "base/hresult.h"

/*
 * Returns true when [s, s+n) is valid UTF-8.  [bad_offset] (may be NULL)
 * receives the offset of the first bad byte on failure.
 */
bool utf8_valid(const char *s, size_t n, size_t *bad_offset);

/*
 * Decodes one code point at [*p] (before [end]); advances *p.
 * Returns the code point, or -1 on malformed input (then *p is unchanged).
 */
int32_t utf8_next(const char **p, const char *end);

/* Encodes [cp] into [out] (4 bytes of room).  Returns bytes written, 0 if bad.
 */
size_t utf8_put(char out[4], uint32_t cp);

/*
 * Converts UTF-8 [s, s+n) to UTF-16LE bytes.  Returns owned (talloc child of
 * [mem]) a buffer of *out_len bytes plus two NUL bytes not counted.
 * Errors: WBEM_E_INVALID_PARAMETER for bad UTF-8, E_OUTOFMEMORY.
 */
hresult utf8_to_utf16le(void *mem,
                        const char *s,
                        size_t n,
                        uint8_t **out,
                        size_t *out_len);

/*
 * Converts [n_bytes] of UTF-16LE to UTF-8.  Returns owned a NUL-terminated
 * string (talloc child of [mem]).  Errors: WBEM_E_INVALID_PARAMETER for odd
 * lengths or unpaired surrogates, E_OUTOFMEMORY.
 */
hresult utf16le_to_utf8(void *mem,
                        const uint8_t *p,
                        size_t n_bytes,
                        char **out,
                        size_t *out_len);

/* Returns the number of UTF-16 code units [s] needs (s must be valid UTF-8). */
size_t utf8_utf16_len(const char *s, size_t n);

/* Case-insensitive ASCII/Latin comparison of UTF-8 names (WMI names). */
int utf8_casecmp(const char *a, const char *b);

#endif
