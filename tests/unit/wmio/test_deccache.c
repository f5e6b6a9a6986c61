/*
 * The decode-side class-part cache (wmio_decode_cached): instances of one
 * class reuse the decoded class, a different class part replaces it,
 * classes and bad input go the ordinary way, and the values are those of
 * wmio_decode.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>
#include <talloc.h>

#include <cmocka.h>

#include "wmio/wmio.h"

static struct cim_class *make_class(void *mem, const char *name, int n_props)
{
	struct cim_class *local = cim_class_new(mem, name, NULL), *out = NULL;

	for (int i = 0; i < n_props; i++) {
		char pn[16];

		snprintf(pn, sizeof(pn), "P%d", i);
		cim_class_add_prop(local, pn,
		                   i % 2 ? CIM_T_UINT32 : CIM_T_STRING);
	}
	assert_true(hr_ok(cim_class_resolve(mem, local, NULL, &out, NULL)));
	return out;
}

static void encode(void *mem, struct cim_class *cls, uint32_t k, struct buf *b)
{
	struct cim_instance *inst = cim_instance_new(mem, cls);

	for (uint32_t i = 0; i < cls->n_props; i++) {
		struct cim_value v = { .type = cls->props[i].type };

		if (v.type == CIM_T_STRING) {
			v.v.s = talloc_asprintf(mem, "s%u-%u", k, i);
		} else {
			v.v.u = k * 100 + i;
		}
		assert_true(
		        hr_ok(cim_instance_set(inst, cls->props[i].name, &v)));
	}
	buf_init(b, mem);
	assert_true(hr_ok(wmio_encode_instance(b, inst, "SRV", "root\\x", 0)));
}

static void test_instances_share_the_cached_class(void **state)
{
	void *mem = talloc_new(NULL);
	struct cim_class *cls = make_class(mem, "A", 6);
	struct wmio_decode_cache *dc = NULL;
	struct wmio_object *o[3];
	uint64_t hits, misses;

	(void)state;
	assert_true(hr_ok(wmio_decode_cache_new(mem, &dc)));
	for (uint32_t k = 0; k < 3; k++) {
		struct buf b;
		struct wmio_object *plain = NULL;

		encode(mem, cls, k, &b);
		assert_true(hr_ok(
		        wmio_decode_cached(mem, dc, (const uint8_t *)b.data,
		                           b.len, NULL, &o[k], NULL)));
		assert_true(hr_ok(wmio_decode(mem, (const uint8_t *)b.data,
		                              b.len, NULL, &plain, NULL)));
		for (uint32_t i = 0; i < cls->n_props; i++) {
			struct buf x, y;

			buf_init(&x, mem);
			buf_init(&y, mem);
			cim_value_format(&x, &o[k]->inst->values[i], true);
			cim_value_format(&y, &plain->inst->values[i], true);
			assert_string_equal(x.data, y.data);
		}
		assert_string_equal(o[k]->inst->server, "SRV");
		assert_string_equal(o[k]->ns, "root\\x");
	}
	assert_ptr_equal(o[0]->cls, o[1]->cls);
	assert_ptr_equal(o[1]->inst->cls, o[2]->inst->cls);
	assert_string_equal(o[2]->cls->name, "A");
	wmio_decode_cache_counts(dc, &hits, &misses);
	assert_int_equal(hits, 2);
	assert_int_equal(misses, 1);
	talloc_free(mem);
}

static void test_another_class_replaces_the_cache(void **state)
{
	void *mem = talloc_new(NULL);
	struct cim_class *a = make_class(mem, "A", 3);
	struct cim_class *b2 = make_class(mem, "B", 4);
	struct wmio_decode_cache *dc = NULL;
	struct wmio_object *o = NULL;
	struct buf b;
	uint64_t hits, misses;

	(void)state;
	assert_true(hr_ok(wmio_decode_cache_new(mem, &dc)));
	encode(mem, a, 1, &b);
	assert_true(hr_ok(wmio_decode_cached(mem, dc, (const uint8_t *)b.data,
	                                     b.len, NULL, &o, NULL)));
	encode(mem, b2, 2, &b);
	assert_true(hr_ok(wmio_decode_cached(mem, dc, (const uint8_t *)b.data,
	                                     b.len, NULL, &o, NULL)));
	assert_string_equal(o->cls->name, "B");
	assert_int_equal(o->cls->n_props, 4);
	wmio_decode_cache_counts(dc, &hits, &misses);
	assert_int_equal(hits, 0);
	assert_int_equal(misses, 2);
	talloc_free(mem);
}

static void test_classes_and_bad_input_go_the_plain_way(void **state)
{
	void *mem = talloc_new(NULL);
	struct cim_class *a = make_class(mem, "A", 3);
	struct wmio_decode_cache *dc = NULL;
	struct wmio_object *o = NULL;
	struct buf b;
	uint64_t hits, misses;

	(void)state;
	assert_true(hr_ok(wmio_decode_cache_new(mem, &dc)));
	buf_init(&b, mem);
	assert_true(hr_ok(wmio_encode_class(&b, a, NULL, NULL, NULL, 0)));
	assert_true(hr_ok(wmio_decode_cached(mem, dc, (const uint8_t *)b.data,
	                                     b.len, NULL, &o, NULL)));
	assert_true(o->is_class);
	/* Every truncation of an instance fails cleanly, cache or not. */
	encode(mem, a, 7, &b);
	assert_true(hr_ok(wmio_decode_cached(mem, dc, (const uint8_t *)b.data,
	                                     b.len, NULL, &o, NULL)));
	for (size_t n = 0; n < b.len; n++) {
		uint8_t *cut = talloc_memdup(mem, b.data, n ? n : 1);
		struct wmio_object *x = NULL;

		if (n >= 8) {
			/* Keep the unit's length consistent with the cut. */
			uint32_t l = (uint32_t)(n - 8);

			memcpy(cut + 4, &l, 4);
		}
		assert_true(hr_failed(
		        wmio_decode_cached(mem, dc, cut, n, NULL, &x, NULL)));
		assert_null(x);
		talloc_free(cut);
	}
	wmio_decode_cache_counts(dc, &hits, &misses);
	assert_int_equal(misses, 1);
	talloc_free(mem);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_instances_share_the_cached_class),
		cmocka_unit_test(test_another_class_replaces_the_cache),
		cmocka_unit_test(test_classes_and_bad_input_go_the_plain_way),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
