/*
 * fuzz_provframe: the provider host frame decoder (provhost/frame.h).
 *
 * The input is a stream of frames, as a host or the object manager reads
 * it: each header is peeked, the frame decoded.  A frame that decodes is
 * encoded, decoded and encoded again: the two encodings must be equal
 * (the first may differ from the input only where decoding normalises,
 * e.g. a domain sent without its flag).
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <talloc.h>

#include "base/buf.h"
#include "provhost/frame.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static void check_round_trip(void *mem, const struct provframe_msg *m)
{
	struct provframe_msg m2;
	struct buf a, b;

	buf_init(&a, mem);
	buf_init(&b, mem);
	if (hr_failed(provframe_encode(&a, m))) {
		abort();
	}
	if (hr_failed(provframe_decode(mem, a.data, a.len, &m2))) {
		abort();
	}
	if (hr_failed(provframe_encode(&b, &m2))) {
		abort();
	}
	if (a.len != b.len || memcmp(a.data, b.data, a.len) != 0) {
		abort();
	}
	buf_release(&a);
	buf_release(&b);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	void *mem = talloc_new(NULL);
	size_t off = 0;

	while (off + PROVFRAME_HDR_LEN <= size) {
		struct provframe_msg m;
		uint32_t plen = 0;
		size_t len;

		if (hr_failed(provframe_peek(data + off, size - off, NULL,
		                             &plen, NULL))) {
			break;
		}
		len = PROVFRAME_HDR_LEN + (size_t)plen;
		if (len > size - off) {
			break;
		}
		if (hr_ok(provframe_decode(mem, data + off, len, &m))) {
			check_round_trip(mem, &m);
		}
		off += len;
		talloc_free_children(mem);
	}
	talloc_free(mem);
	return 0;
}
