/*
 * Fuzz target: MS-WMIO objects.  Decodes the input as an EncodingUnit
 * (and, when the signature is absent, as a bare ObjectBlock), re-encodes
 * what it got, decodes that again and requires the same bytes from a
 * second encoding (decode -> encode must be a fixed point after one
 * round), so an asymmetric encoder or decoder shows up as a crash.
 */
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <talloc.h>

#include "base/buf.h"
#include "wmio/wmio.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static hresult encode(struct buf *b, const struct wmio_object *o)
{
	if (o->is_class) {
		return wmio_encode_class(b, o->cls, o->parent, o->server, o->ns,
		                         0);
	}
	return wmio_encode_instance(b, o->inst, o->server, o->ns, 0);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	void *mem = talloc_new(NULL);
	struct wmio_limits lim = { .max_depth = 8 };
	struct wmio_object *o = NULL, *o2 = NULL;
	struct buf b1, b2;
	hresult hr;

	hr = wmio_decode(mem, data, size, &lim, &o, NULL);
	if (hr_failed(hr)) {
		hr = wmio_decode_block(mem, data, size, &lim, &o, NULL);
	}
	if (hr_failed(hr)) {
		talloc_free(mem);
		return 0;
	}
	buf_init(&b1, mem);
	buf_init(&b2, mem);
	/*
	 * A decoded model can still be refused by the encoder (a name the
	 * decoder accepted as Latin-1 is fine; NULL array elements are not
	 * produced), so only a successful encoding is checked further.
	 */
	if (hr_ok(encode(&b1, o))) {
		hr = wmio_decode(mem, (const uint8_t *)b1.data, b1.len, NULL,
		                 &o2, NULL);
		if (hr_failed(hr)) {
			abort();
		}
		if (hr_failed(encode(&b2, o2)) || b1.len != b2.len ||
		    memcmp(b1.data, b2.data, b1.len) != 0) {
			abort();
		}
	}
	talloc_free(mem);
	return 0;
}
