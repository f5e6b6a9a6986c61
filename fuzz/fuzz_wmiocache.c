/*
 * fuzz_wmiocache: wmio_decode_cached (the client's class-part cache)
 * must accept whatever wmio_decode accepts and give the same values.
 * Input: u16 length of a first EncodingUnit, the unit, then a second one;
 * both go through one cache, so the second may hit the first's class.
 */
#include <string.h>
#include <talloc.h>

#include "fuzz_common.h"
#include "wmio/wmio.h"

static void same(void *mem,
                 struct wmio_decode_cache *dc,
                 const uint8_t *p,
                 size_t n)
{
	struct wmio_object *a = NULL, *b = NULL;
	hresult ha = wmio_decode_cached(mem, dc, p, n, NULL, &a, NULL);
	hresult hb = wmio_decode(mem, p, n, NULL, &b, NULL);

	/* A cache hit skips the class part's work budget, so the cache may
	   accept a little more; never less. */
	FUZZ_CHECK(hr_failed(hb) || hr_ok(ha));
	if (hr_failed(ha) || hr_failed(hb)) {
		return;
	}
	FUZZ_CHECK(a->is_class == b->is_class);
	if (!a->is_class) {
		FUZZ_CHECK(a->cls->n_props == b->cls->n_props);
		for (uint32_t i = 0; i < a->cls->n_props; i++) {
			struct buf x, y;

			buf_init(&x, mem);
			buf_init(&y, mem);
			cim_value_format(&x, &a->inst->values[i], true);
			cim_value_format(&y, &b->inst->values[i], true);
			FUZZ_CHECK(x.len == y.len &&
			           memcmp(x.data, y.data, x.len) == 0);
		}
	}
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	void *mem;
	struct wmio_decode_cache *dc = NULL;
	size_t n1;

	if (size < 2) {
		return 0;
	}
	n1 = (size_t)data[0] | (size_t)data[1] << 8;
	if (n1 > size - 2) {
		n1 = size - 2;
	}
	mem = talloc_new(NULL);
	FUZZ_CHECK(hr_ok(wmio_decode_cache_new(mem, &dc)));
	same(mem, dc, data + 2, n1);
	same(mem, dc, data + 2 + n1, size - 2 - n1);
	talloc_free(mem);
	return 0;
}
