/*
 * noclass: cutting the ClassPart out of an instance ObjectBlock and
 * putting it back (wmio layer, leaf codec; contracts in noclass.h).
 */
#include "wmio/noclass.h"

#include <string.h>

#include "wmio/wmio.h"

/* The Encoded-String at [*pos]: flag 0 (Latin-1 to a 0 octet) or 1
 * (UTF-16LE to a 0 unit).  Advances past it. */
static hresult skip_encoded_string(const uint8_t *p,
                                   size_t n,
                                   size_t *pos,
                                   struct errinfo *ei)
{
	size_t i = *pos;
	uint8_t flag;

	if (i >= n) {
		return err_set_pos(ei, HR_WBEM_E_INVALID_STREAM, "wmio", 0, 0,
		                   i, "decoration string past the block");
	}
	flag = p[i++];
	if (flag == 0) {
		while (i < n && p[i] != 0) {
			i++;
		}
		if (i >= n) {
			return err_set_pos(ei, HR_WBEM_E_INVALID_STREAM, "wmio",
			                   0, 0, *pos,
			                   "unterminated decoration");
		}
		*pos = i + 1;
		return HR_OK;
	}
	if (flag == 1) {
		while (i + 1 < n && (p[i] != 0 || p[i + 1] != 0)) {
			i += 2;
		}
		if (i + 1 >= n) {
			return err_set_pos(ei, HR_WBEM_E_INVALID_STREAM, "wmio",
			                   0, 0, *pos,
			                   "unterminated decoration");
		}
		*pos = i + 2;
		return HR_OK;
	}
	return err_set_pos(ei, HR_WBEM_E_INVALID_STREAM, "wmio", 0, 0, *pos,
	                   "bad Encoded-String flag");
}

hresult wmio_instance_class_part(const uint8_t *p,
                                 size_t n,
                                 size_t *off,
                                 size_t *len,
                                 struct errinfo *ei)
{
	size_t pos = 1;
	uint32_t cp;
	hresult hr;

	if (p == NULL || off == NULL || len == NULL) {
		return err_set(ei, HR_WBEM_E_INVALID_PARAMETER, "wmio",
		               "NULL argument");
	}
	if (n < 1 || (p[0] & WMIO_OBJ_INSTANCE) == 0 ||
	    (p[0] & WMIO_OBJ_CLASS) != 0) {
		return err_set_pos(ei, HR_WBEM_E_INVALID_STREAM, "wmio", 0, 0,
		                   0, "not an instance ObjectBlock");
	}
	if ((p[0] & WMIO_OBJ_DECORATED) != 0) {
		hr = skip_encoded_string(p, n, &pos, ei);
		if (hr_ok(hr)) {
			hr = skip_encoded_string(p, n, &pos, ei);
		}
		if (hr_failed(hr)) {
			return hr;
		}
	}
	if (n - pos < 4) {
		return err_set_pos(ei, HR_WBEM_E_INVALID_STREAM, "wmio", 0, 0,
		                   pos, "ClassPart header past the block");
	}
	cp = (uint32_t)p[pos] | (uint32_t)p[pos + 1] << 8 |
	     (uint32_t)p[pos + 2] << 16 | (uint32_t)p[pos + 3] << 24;
	if (cp < 4 || cp > n - pos) {
		return err_set_pos(ei, HR_WBEM_E_INVALID_STREAM, "wmio", 0, 0,
		                   pos, "ClassPart length past the block");
	}
	*off = pos;
	*len = cp;
	return HR_OK;
}

hresult wmio_encode_instance_noclass(struct buf *b,
                                     const uint8_t *p,
                                     size_t n,
                                     struct errinfo *ei)
{
	size_t off = 0, len = 0, old = b->len;
	hresult hr = wmio_instance_class_part(p, n, &off, &len, ei);

	if (hr_failed(hr)) {
		return hr;
	}
	buf_add(b, p, off);
	hr = buf_add(b, p + off + len, n - off - len);
	if (hr_failed(hr)) {
		b->len = old;
		return err_set(ei, HR_E_OUTOFMEMORY, "wmio",
		               "no-class encoding");
	}
	return HR_OK;
}

hresult wmio_instance_add_class_part(struct buf *b,
                                     const uint8_t *p,
                                     size_t n,
                                     const uint8_t *cp,
                                     size_t n_cp,
                                     struct errinfo *ei)
{
	size_t pos = 1, old = b->len;
	hresult hr;

	if (p == NULL || cp == NULL) {
		return err_set(ei, HR_WBEM_E_INVALID_PARAMETER, "wmio",
		               "NULL argument");
	}
	if (n < 1 || (p[0] & WMIO_OBJ_INSTANCE) == 0 ||
	    (p[0] & WMIO_OBJ_CLASS) != 0) {
		return err_set_pos(ei, HR_WBEM_E_INVALID_STREAM, "wmio", 0, 0,
		                   0, "not a class-less instance");
	}
	if ((p[0] & WMIO_OBJ_DECORATED) != 0) {
		hr = skip_encoded_string(p, n, &pos, ei);
		if (hr_ok(hr)) {
			hr = skip_encoded_string(p, n, &pos, ei);
		}
		if (hr_failed(hr)) {
			return hr;
		}
	}
	buf_add(b, p, pos);
	buf_add(b, cp, n_cp);
	hr = buf_add(b, p + pos, n - pos);
	if (hr_failed(hr)) {
		b->len = old;
		return err_set(ei, HR_E_OUTOFMEMORY, "wmio",
		               "instance encoding");
	}
	return HR_OK;
}
