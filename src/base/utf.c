/*
 * utf: UTF-8 and UTF-16LE conversion (base layer).
 */
#include "base/utf.h"

#include <string.h>
#include <talloc.h>

int32_t utf8_next(const char **pp, const char *end)
{
	const unsigned char *p = (const unsigned char *)*pp;
	const unsigned char *e = (const unsigned char *)end;
	uint32_t cp;
	size_t n;

	if (p >= e) {
		return -1;
	}
	if (p[0] < 0x80) {
		*pp += 1;
		return p[0];
	}
	if (p[0] >= 0xC2 && p[0] <= 0xDF) {
		n = 2;
		cp = p[0] & 0x1Fu;
	} else if (p[0] >= 0xE0 && p[0] <= 0xEF) {
		n = 3;
		cp = p[0] & 0x0Fu;
	} else if (p[0] >= 0xF0 && p[0] <= 0xF4) {
		n = 4;
		cp = p[0] & 0x07u;
	} else {
		return -1;
	}
	if ((size_t)(e - p) < n) {
		return -1;
	}
	for (size_t i = 1; i < n; i++) {
		if ((p[i] & 0xC0u) != 0x80u) {
			return -1;
		}
		cp = (cp << 6) | (p[i] & 0x3Fu);
	}
	if ((n == 3 && cp < 0x800) || (n == 4 && cp < 0x10000) ||
	    cp > 0x10FFFF || (cp >= 0xD800 && cp <= 0xDFFF)) {
		return -1;
	}
	*pp += n;
	return (int32_t)cp;
}

bool utf8_valid(const char *s, size_t n, size_t *bad_offset)
{
	const char *p = s;
	const char *end = s + n;

	while (p < end) {
		if ((unsigned char)*p < 0x80) {
			p++;
			continue;
		}
		if (utf8_next(&p, end) < 0) {
			if (bad_offset != NULL) {
				*bad_offset = (size_t)(p - s);
			}
			return false;
		}
	}
	return true;
}

size_t utf8_put(char out[4], uint32_t cp)
{
	if (cp < 0x80) {
		out[0] = (char)cp;
		return 1;
	}
	if (cp < 0x800) {
		out[0] = (char)(0xC0 | (cp >> 6));
		out[1] = (char)(0x80 | (cp & 0x3F));
		return 2;
	}
	if (cp >= 0xD800 && cp <= 0xDFFF) {
		return 0;
	}
	if (cp < 0x10000) {
		out[0] = (char)(0xE0 | (cp >> 12));
		out[1] = (char)(0x80 | ((cp >> 6) & 0x3F));
		out[2] = (char)(0x80 | (cp & 0x3F));
		return 3;
	}
	if (cp <= 0x10FFFF) {
		out[0] = (char)(0xF0 | (cp >> 18));
		out[1] = (char)(0x80 | ((cp >> 12) & 0x3F));
		out[2] = (char)(0x80 | ((cp >> 6) & 0x3F));
		out[3] = (char)(0x80 | (cp & 0x3F));
		return 4;
	}
	return 0;
}

size_t utf8_utf16_len(const char *s, size_t n)
{
	const char *p = s;
	const char *end = s + n;
	size_t units = 0;
	int32_t cp;

	while (p < end) {
		cp = utf8_next(&p, end);
		if (cp < 0) {
			p++;
			units++;
			continue;
		}
		units += cp >= 0x10000 ? 2 : 1;
	}
	return units;
}

hresult utf8_to_utf16le(void *mem,
                        const char *s,
                        size_t n,
                        uint8_t **out,
                        size_t *out_len)
{
	const char *p = s;
	const char *end = s + n;
	size_t units;
	uint8_t *o;
	size_t k = 0;

	if (!utf8_valid(s, n, NULL)) {
		return hr_raise(HR_WBEM_E_INVALID_PARAMETER);
	}
	units = utf8_utf16_len(s, n);
	o = talloc_array(mem, uint8_t, units * 2 + 2);
	if (o == NULL) {
		return hr_raise(HR_E_OUTOFMEMORY);
	}
	while (p < end) {
		uint32_t cp = (uint32_t)utf8_next(&p, end);

		if (cp >= 0x10000) {
			uint32_t v = cp - 0x10000;
			uint16_t hi = (uint16_t)(0xD800 | (v >> 10));
			uint16_t lo = (uint16_t)(0xDC00 | (v & 0x3FF));

			o[k++] = (uint8_t)hi;
			o[k++] = (uint8_t)(hi >> 8);
			o[k++] = (uint8_t)lo;
			o[k++] = (uint8_t)(lo >> 8);
		} else {
			o[k++] = (uint8_t)cp;
			o[k++] = (uint8_t)(cp >> 8);
		}
	}
	o[k] = 0;
	o[k + 1] = 0;
	*out = o;
	*out_len = k;
	return HR_OK;
}

hresult utf16le_to_utf8(void *mem,
                        const uint8_t *p,
                        size_t n_bytes,
                        char **out,
                        size_t *out_len)
{
	size_t n = n_bytes / 2;
	char *o;
	size_t k = 0;

	if (n_bytes % 2 != 0) {
		return hr_raise(HR_WBEM_E_INVALID_PARAMETER);
	}
	if (n > (SIZE_MAX - 1) / 3) {
		return hr_raise(HR_E_OUTOFMEMORY);
	}
	o = talloc_array(mem, char, n * 3 + 1);
	if (o == NULL) {
		return hr_raise(HR_E_OUTOFMEMORY);
	}
	for (size_t i = 0; i < n; i++) {
		uint32_t u = (uint32_t)p[2 * i] | ((uint32_t)p[2 * i + 1] << 8);

		if (u >= 0xD800 && u <= 0xDBFF) {
			uint32_t l;

			if (i + 1 >= n) {
				goto bad;
			}
			l = (uint32_t)p[2 * i + 2] |
			    ((uint32_t)p[2 * i + 3] << 8);
			if (l < 0xDC00 || l > 0xDFFF) {
				goto bad;
			}
			u = 0x10000 + (((u - 0xD800) << 10) | (l - 0xDC00));
			i++;
		} else if (u >= 0xDC00 && u <= 0xDFFF) {
			goto bad;
		}
		k += utf8_put(o + k, u);
	}
	o[k] = '\0';
	*out = o;
	if (out_len != NULL) {
		*out_len = k;
	}
	return HR_OK;
bad:
	talloc_free(o);
	return hr_raise(HR_WBEM_E_INVALID_PARAMETER);
}

int utf8_casecmp(const char *a, const char *b)
{
	const unsigned char *x = (const unsigned char *)a;
	const unsigned char *y = (const unsigned char *)b;

	for (;; x++, y++) {
		unsigned cx = *x;
		unsigned cy = *y;

		if (cx >= 'A' && cx <= 'Z') {
			cx += 32;
		}
		if (cy >= 'A' && cy <= 'Z') {
			cy += 32;
		}
		if (cx != cy || cx == 0) {
			return (int)cx - (int)cy;
		}
	}
}
