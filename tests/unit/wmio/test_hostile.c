/*
 * Unit tests: hostile input.  Every truncation of real objects, every
 * single-byte corruption, lengths and heap references past their blocks,
 * huge counts, deep nesting, invalid strings, expansion through shared
 * references, and allocation failure at every point of encode and decode
 * (talloc_set_memlimit sweep).  Failures must be clean codes with an
 * offset; ASan/UBSan builds check that nothing is read out of bounds.
 *
 *   test_wmio_hostile SRCROOT
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#include <cmocka.h>

#include <stdlib.h>
#include <string.h>
#include <talloc.h>

#include "base/buf.h"
#include "cim/cim.h"
#include "vectors.h"
#include "wmio/wmio.h"
#include "wmiotest.h"

static const char *srcroot = ".";

static const char *const seeds[] = {
	"e04_instance.bin",
	"f02_class_win32_process.bin",
	"g02_inparams_impacket.bin",
	"g03_outparams.bin",
};

static uint8_t *seed(void *mem, int k, size_t *n)
{
	char path[1024];
	uint8_t *p;

	snprintf(path, sizeof(path), "%s/fuzz/corpus/wmio/%s", srcroot,
	         seeds[k]);
	p = wt_file(mem, path, n);
	if (p == NULL) {
		fail_msg("cannot read %s", path);
	}
	return p;
}

static void put32(uint8_t *p, uint32_t v)
{
	p[0] = (uint8_t)v;
	p[1] = (uint8_t)(v >> 8);
	p[2] = (uint8_t)(v >> 16);
	p[3] = (uint8_t)(v >> 24);
}

/* Decoding must either succeed or fail with a stream error and offset. */
static hresult try_decode(const uint8_t *p, size_t n, size_t *off)
{
	void *mem = talloc_new(NULL);
	struct wmio_object *o = NULL;
	struct errinfo ei;
	hresult hr;

	err_clear(&ei);
	hr = wmio_decode(mem, p, n, NULL, &o, &ei);
	if (hr_failed(hr)) {
		assert_true(hr_eq(hr, HR_WBEM_E_INVALID_STREAM) ||
		            hr_eq(hr, HR_WBEM_E_MARSHAL_INVALID_SIGNATURE));
		assert_true(ei.offset <= n);
		assert_int_equal(talloc_total_blocks(mem), 1);
		if (off != NULL) {
			*off = ei.offset;
		}
	}
	talloc_free(mem);
	return hr;
}

/*
 * Every proper prefix fails: the ObjectEncodingLength is kept (so it
 * points past the end) and, separately, set to the prefix's length (so
 * the blocks inside are cut).
 */
static void truncations(const uint8_t *p, size_t n)
{
	uint8_t *c = talloc_memdup(NULL, p, n);

	for (size_t k = 0; k < n; k++) {
		assert_true(hr_failed(try_decode(p, k, NULL)));
		if (k >= 8) {
			memcpy(c, p, k);
			put32(c + 4, (uint32_t)(k - 8));
			assert_true(hr_failed(try_decode(c, k, NULL)));
		}
	}
	talloc_free(c);
}

static void test_every_truncation_fails(void **state)
{
	void *mem = talloc_new(NULL);
	size_t n;

	(void)state;
	for (int k = 0; k < 4; k++) {
		uint8_t *p = seed(mem, k, &n);

		truncations(p, n);
	}
	truncations(wt_hex(mem, spec_instance_hex, &n), n);
	talloc_free(mem);
}

/* Each byte replaced by a few hostile values: no crash, clean codes. */
static void test_every_byte_corruption_is_survived(void **state)
{
	static const uint8_t vals[] = { 0x00, 0x01, 0x7F, 0x80, 0xFF };
	void *mem = talloc_new(NULL);
	size_t n;

	(void)state;
	for (int k = 0; k < 4; k++) {
		uint8_t *p = seed(mem, k, &n);

		for (size_t i = 0; i < n; i++) {
			uint8_t save = p[i];

			for (size_t v = 0; v < sizeof(vals); v++) {
				p[i] = vals[v];
				try_decode(p, n, NULL);
			}
			p[i] = save;
		}
	}
	talloc_free(mem);
}

static void test_bad_signature(void **state)
{
	static const uint8_t p[] = { 0x78, 0x56, 0x34, 0x13, 0, 0, 0, 0 };
	void *mem = talloc_new(NULL);
	struct wmio_object *o = NULL;

	(void)state;
	assert_true(hr_eq(wmio_decode(mem, p, sizeof(p), NULL, &o, NULL),
	                  HR_WBEM_E_MARSHAL_INVALID_SIGNATURE));
	assert_true(hr_eq(wmio_decode(mem, p, 3, NULL, &o, NULL),
	                  HR_WBEM_E_INVALID_STREAM));
	assert_null(o);
	talloc_free(mem);
}

/* Spec instance: offsets of fields (see test_spec.c). */
#define INST_CLASSPART 28
#define INST_HEAPLEN   125
#define INST_LOOKUP    (INST_CLASSPART + 13 + 14 + 17 + 4)
#define INST_VALUES    (28 + 0x176 + 9 + 1)

static void corrupt(uint32_t off, uint32_t v, size_t want_off)
{
	void *mem = talloc_new(NULL);
	size_t n, got = 0;
	uint8_t *p = wt_hex(mem, spec_instance_hex, &n);

	put32(p + off, v);
	assert_true(hr_eq(try_decode(p, n, &got), HR_WBEM_E_INVALID_STREAM));
	if (want_off != SIZE_MAX) {
		assert_int_equal(got, want_off);
	}
	talloc_free(mem);
}

static void test_lengths_and_refs_out_of_range(void **state)
{
	(void)state;
	/* ObjectEncodingLength past the input. */
	corrupt(4, 0x1D4, 4);
	/* ClassPart length past the object, and too small. */
	corrupt(INST_CLASSPART, 0x7FFFFFFF, INST_CLASSPART);
	corrupt(INST_CLASSPART, 3, INST_CLASSPART);
	/* ClassHeap length past the class part. */
	corrupt(INST_HEAPLEN, 0x80000200, INST_HEAPLEN);
	/* PropertyNameRef and PropertyInfoRef past the heap. */
	corrupt(INST_LOOKUP, 0x200, INST_LOOKUP);
	corrupt(INST_LOOKUP + 4, 0x7FFFFFF0, INST_LOOKUP + 4);
	/* A dictionary reference that does not exist. */
	corrupt(INST_LOOKUP, 0x8000000B, INST_LOOKUP);
	/* Property count huge. */
	corrupt(INST_LOOKUP - 4, 0xFFFFFFFF, INST_LOOKUP - 4);
	/* Instance heap reference of Data1 and Array past the heap. */
	corrupt(INST_VALUES + 4, 0x100, INST_VALUES + 4);
	corrupt(INST_VALUES + 12, 0x7FFFFFFF, INST_VALUES + 12);
}

static void test_huge_array_count(void **state)
{
	void *mem = talloc_new(NULL);
	size_t n, got = 0;
	uint8_t *p = wt_hex(mem, spec_instance_hex, &n);
	size_t arr = n - 13 - 16; /* the Encoded-Array before StringField */

	(void)state;
	assert_int_equal(p[arr], 3);
	put32(p + arr, 0x40000000);
	assert_true(hr_eq(try_decode(p, n, &got), HR_WBEM_E_INVALID_STREAM));
	assert_int_equal(got, arr);
	talloc_free(mem);
}

static void test_invalid_strings(void **state)
{
	void *mem = talloc_new(NULL);
	size_t n, got = 0;
	uint8_t *p = wt_hex(mem, spec_instance_hex, &n);
	size_t s = n - 13; /* StringField */

	(void)state;
	p[s] = 2; /* neither Latin-1 nor UTF-16 */
	assert_true(hr_eq(try_decode(p, n, &got), HR_WBEM_E_INVALID_STREAM));
	assert_int_equal(got, s);
	p[s] = 0;
	p[n - 1] = 'x'; /* no terminator before the heap ends */
	assert_true(hr_failed(try_decode(p, n, NULL)));
	/* UTF-16 with an unpaired surrogate. */
	p[s] = 1;
	p[s + 1] = 0x00;
	p[s + 2] = 0xD8;
	p[s + 3] = 'a';
	p[s + 4] = 0;
	p[s + 5] = 0;
	p[s + 6] = 0;
	assert_true(hr_eq(try_decode(p, n, &got), HR_WBEM_E_INVALID_STREAM));
	assert_int_equal(got, s);
	talloc_free(mem);
}

static struct cim_class *node_class(void *mem)
{
	struct cim_class *l = cim_class_new(mem, "Node", NULL), *c = NULL;

	cim_class_add_prop(l, "Child", CIM_T_OBJECT);
	cim_class_add_prop(l, "Kids", CIM_T_OBJECT | CIM_FLAG_ARRAY);
	assert_true(hr_ok(cim_class_resolve(mem, l, NULL, &c, NULL)));
	return c;
}

static void test_deep_nesting_is_limited(void **state)
{
	void *mem = talloc_new(NULL);
	struct cim_class *c = node_class(mem);
	struct cim_instance *top = cim_instance_new(mem, c), *cur = top;
	struct wmio_limits lim = { .max_depth = 50 };
	struct wmio_object *o = NULL;
	struct errinfo ei;
	struct buf b;

	(void)state;
	for (int d = 0; d < 40; d++) {
		struct cim_instance *next = cim_instance_new(cur, c);
		struct cim_object *obj = talloc_zero(cur, struct cim_object);

		obj->u.inst = next;
		cur->values[0].null = false;
		cur->values[0].v.o = obj;
		cur = next;
	}
	buf_init(&b, mem);
	assert_true(hr_ok(wmio_encode_instance(&b, top, NULL, NULL, 0)));
	err_clear(&ei);
	assert_true(
	        hr_eq(wmio_decode(mem, (uint8_t *)b.data, b.len, NULL, &o, &ei),
	              HR_WBEM_E_INVALID_STREAM));
	assert_non_null(strstr(ei.msg, "deep"));
	assert_true(hr_ok(
	        wmio_decode(mem, (uint8_t *)b.data, b.len, &lim, &o, NULL)));
	talloc_free(mem);
}

/*
 * Sixteen object references that all point at one embedded object (the
 * other fifteen items left as unreferenced heap garbage): each reference
 * is decoded and charged again, so the work limit bounds what crafted
 * sharing can make a small input cost.
 */
static void test_shared_references_hit_the_work_limit(void **state)
{
	static const uint8_t mark[] = { 0, 'N', 'o', 'd', 'e', 0, 16, 0, 0, 0 };
	void *mem = talloc_new(NULL);
	struct cim_class *c = node_class(mem);
	struct cim_instance *top = cim_instance_new(mem, c);
	struct cim_instance *leaf = cim_instance_new(mem, c);
	struct cim_object one = { .u.inst = leaf };
	struct cim_object *kids[16];
	struct wmio_limits lim = { .max_work = 3000 };
	struct wmio_object *o = NULL;
	struct errinfo ei;
	struct buf b;
	uint8_t *p, *at = NULL;

	(void)state;
	for (int k = 0; k < 16; k++) {
		kids[k] = &one;
	}
	top->values[1].null = false;
	top->values[1].v.a.n = 16;
	top->values[1].v.a.e.o = kids;
	buf_init(&b, mem);
	assert_true(hr_ok(wmio_encode_instance(&b, top, NULL, NULL, 0)));
	p = (uint8_t *)b.data;
	for (uint8_t *q = p; q != NULL;
	     q = memmem(q + 1, b.len - (size_t)(q + 1 - p), mark,
	                sizeof(mark))) {
		at = q;
	}
	assert_non_null(at);
	for (int k = 1; k < 16; k++) {
		memcpy(at + 10 + 4 * k, at + 10, 4);
	}
	assert_true(hr_ok(wmio_decode(mem, p, b.len, NULL, &o, NULL)));
	assert_int_equal(o->inst->values[1].v.a.n, 16);
	err_clear(&ei);
	assert_true(hr_eq(wmio_decode(mem, p, b.len, &lim, &o, &ei),
	                  HR_WBEM_E_INVALID_STREAM));
	assert_non_null(strstr(ei.msg, "work limit"));
	talloc_free(mem);
}

/* Allocation failure at every point: a clean E_OUTOFMEMORY, no leak. */
static void test_allocation_failure_sweep(void **state)
{
	void *root = talloc_new(NULL);
	size_t n;
	uint8_t *f02 = seed(root, 1, &n);
	uint8_t *e04;
	size_t n4;
	/*
	 * NEEDSWORK: the decode half hangs inside talloc_free of a
	 * memlimited tree (talloc 2.4 memlimit accounting; the same bug the
	 * cim tests skip under ASan).  Set WMIO_OOM_DECODE=1 to run it.
	 */
	bool done_dec = getenv("WMIO_OOM_DECODE") == NULL, done_enc = false;
	struct wmio_object *ref = NULL;

	(void)state;
#if defined(__SANITIZE_ADDRESS__)
	/*
	 * NEEDSWORK: under ASan, talloc 2.4's deprecated memlimit loops
	 * inside talloc_free after a talloc_realloc in a limited tree (see
	 * tests/unit/cim/test_class.c); run this sweep in the plain build.
	 */
	talloc_free(root);
	skip();
#endif
	e04 = seed(root, 0, &n4);
	assert_true(hr_ok(wmio_decode(root, f02, n, NULL, &ref, NULL)));
	for (size_t lim = 64; !(done_dec && done_enc) && lim < 4000000;
	     lim += lim / 16 + 16) {
		void *mem = talloc_new(NULL);
		struct wmio_object *o = NULL;
		struct buf b;
		hresult hr;

		wt_memlimit(mem, lim);
		if (!done_dec) {
			hr = wmio_decode(mem, f02, n, NULL, &o, NULL);
			if (hr_ok(hr)) {
				hr = wmio_decode(mem, e04, n4, NULL, &o, NULL);
			}
			assert_true(hr_ok(hr) || hr_eq(hr, HR_E_OUTOFMEMORY));
			done_dec = hr_ok(hr);
			if (hr_failed(hr)) {
				assert_null(o);
				assert_int_equal(talloc_total_blocks(mem), 1);
			}
		}
		talloc_free(mem);
		mem = talloc_new(NULL);
		wt_memlimit(mem, lim);
		if (!done_enc) {
			buf_init(&b, mem);
			hr = wmio_encode_class(&b, ref->cls, NULL, "s", "n", 0);
			assert_true(hr_ok(hr) || hr_eq(hr, HR_E_OUTOFMEMORY));
			done_enc = hr_ok(hr);
			if (hr_failed(hr)) {
				assert_int_equal(b.len, 0);
			}
			buf_release(&b);
			assert_int_equal(talloc_total_blocks(mem), 1);
		}
		talloc_free(mem);
	}
	assert_true(done_dec && done_enc);
	talloc_free(root);
}

int main(int argc, char **argv)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_every_truncation_fails),
		cmocka_unit_test(test_every_byte_corruption_is_survived),
		cmocka_unit_test(test_bad_signature),
		cmocka_unit_test(test_lengths_and_refs_out_of_range),
		cmocka_unit_test(test_huge_array_count),
		cmocka_unit_test(test_invalid_strings),
		cmocka_unit_test(test_deep_nesting_is_limited),
		cmocka_unit_test(test_shared_references_hit_the_work_limit),
		cmocka_unit_test(test_allocation_failure_sweep),
	};

	if (argc > 1) {
		srcroot = argv[1];
	}
	return cmocka_run_group_tests(tests, NULL, NULL);
}
