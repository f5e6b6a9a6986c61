/*
 * Unit tests for wmio/noclass (the class-less instance form of the smart
 * enumerator, MS-WMIO 2.2.3), added with the WMI server: cut and rebuild
 * with and without a decoration in both string forms, the capture e04's
 * instance, and every truncation and hostile length.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>
#include <talloc.h>

#include <cmocka.h>

#include "../rpc/capture.h"
#include "wmio/noclass.h"
#include "wmio/wmio.h"

/* An instance of a two-property class, encoded (block only). */
static struct buf encode(void *mem, const char *server, const char *ns)
{
	struct cim_class *local = cim_class_new(mem, "N_Item", NULL);
	struct cim_class *cls = NULL;
	struct cim_instance *inst;
	struct cim_value name = { .type = CIM_T_STRING, .v.s = "x\xc3\xa9" };
	struct cim_value n = { .type = CIM_T_UINT32, .v.u = 7 };
	struct buf b;

	assert_non_null(cim_class_add_prop(local, "Name", CIM_T_STRING));
	assert_non_null(cim_class_add_prop(local, "N", CIM_T_UINT32));
	assert_true(hr_ok(cim_class_resolve(mem, local, NULL, &cls, NULL)));
	inst = cim_instance_new(mem, cls);
	assert_true(hr_ok(cim_instance_set(inst, "Name", &name)));
	assert_true(hr_ok(cim_instance_set(inst, "N", &n)));
	buf_init(&b, mem);
	assert_true(hr_ok(wmio_encode_instance(&b, inst, server, ns,
	                                       WMIO_ENC_NO_SIGNATURE)));
	return b;
}

/* Cuts the class part out, puts it back, decodes: the same instance. */
static void round_trip(void *mem, const uint8_t *p, size_t n)
{
	size_t off = 0, len = 0;
	struct buf nc, full;
	struct wmio_object *a = NULL, *b = NULL;

	assert_true(hr_ok(wmio_instance_class_part(p, n, &off, &len, NULL)));
	buf_init(&nc, mem);
	assert_true(hr_ok(wmio_encode_instance_noclass(&nc, p, n, NULL)));
	assert_int_equal(nc.len, n - len);
	buf_init(&full, mem);
	assert_true(hr_ok(wmio_instance_add_class_part(
	        &full, (uint8_t *)nc.data, nc.len, p + off, len, NULL)));
	assert_int_equal(full.len, n);
	assert_memory_equal(full.data, p, n);
	assert_true(hr_ok(wmio_decode_block(mem, p, n, NULL, &a, NULL)));
	assert_true(hr_ok(wmio_decode_block(mem, (uint8_t *)full.data, full.len,
	                                    NULL, &b, NULL)));
	assert_string_equal(a->cls->name, b->cls->name);
}

static void test_cut_and_rebuild(void **state)
{
	void *mem = talloc_new(NULL);
	struct buf plain = encode(mem, NULL, NULL);
	struct buf latin = encode(mem, "SRV", "root\\x");
	/* A decoration that needs the UTF-16 form. */
	struct buf wide = encode(mem, "S\xe2\x82\xac", "root\\\xe2\x82\xac");

	(void)state;
	assert_int_equal(plain.data[0], WMIO_OBJ_INSTANCE);
	assert_int_equal(latin.data[0], WMIO_OBJ_INSTANCE | WMIO_OBJ_DECORATED);
	round_trip(mem, (uint8_t *)plain.data, plain.len);
	round_trip(mem, (uint8_t *)latin.data, latin.len);
	round_trip(mem, (uint8_t *)wide.data, wide.len);
	talloc_free(mem);
}

static void test_capture_e04_instance(void **state)
{
	void *mem = talloc_new(NULL);
	size_t n;
	uint8_t *p = capture_load(mem, "e04", &n);
	const uint8_t *unit;

	(void)state;
	assert_non_null(p);
	/* ORPCTHAT 8, array head 12, referent 4, MIP 8, OBJREF_CUSTOM 48,
	 * then the EncodingUnit: signature, length, block. */
	unit = p + 8 + 12 + 4 + 8 + 48;
	assert_int_equal(unit[0], 0x78);
	round_trip(mem, unit + 8,
	           (size_t)(unit[4] | unit[5] << 8 | unit[6] << 16 |
	                    (uint32_t)unit[7] << 24));
	talloc_free(mem);
}

static void test_hostile_blocks(void **state)
{
	void *mem = talloc_new(NULL);
	struct buf b = encode(mem, "SRV", "root\\x");
	uint8_t *p = (uint8_t *)b.data;
	size_t off, len;
	struct buf out;
	uint8_t cls[4] = { 0x01 };

	(void)state;
	/* Every truncation inside the decoration or the class part. */
	assert_true(
	        hr_ok(wmio_instance_class_part(p, b.len, &off, &len, NULL)));
	for (size_t cut = 0; cut < off + len; cut++) {
		size_t o2, l2;

		assert_true(hr_failed(
		        wmio_instance_class_part(p, cut, &o2, &l2, NULL)));
	}
	/* A class, not an instance. */
	p[0] = WMIO_OBJ_CLASS;
	assert_true(hr_eq(wmio_instance_class_part(p, b.len, &off, &len, NULL),
	                  HR_WBEM_E_INVALID_STREAM));
	p[0] = WMIO_OBJ_INSTANCE | WMIO_OBJ_DECORATED;
	/* A bad Encoded-String flag. */
	p[1] = 7;
	assert_true(hr_eq(wmio_instance_class_part(p, b.len, &off, &len, NULL),
	                  HR_WBEM_E_INVALID_STREAM));
	/* A ClassPart length past the block, and one under 4. */
	b = encode(mem, NULL, NULL);
	p = (uint8_t *)b.data;
	p[1] = p[2] = p[3] = p[4] = 0xFF;
	assert_true(hr_eq(wmio_instance_class_part(p, b.len, &off, &len, NULL),
	                  HR_WBEM_E_INVALID_STREAM));
	p[1] = 3;
	p[2] = p[3] = p[4] = 0;
	assert_true(hr_eq(wmio_instance_class_part(p, b.len, &off, &len, NULL),
	                  HR_WBEM_E_INVALID_STREAM));
	buf_init(&out, mem);
	assert_true(hr_failed(wmio_encode_instance_noclass(&out, p, 0, NULL)));
	assert_int_equal(out.len, 0);
	assert_true(hr_failed(
	        wmio_instance_add_class_part(&out, cls, 1, cls, 4, NULL)));
	assert_true(
	        hr_eq(wmio_instance_add_class_part(&out, NULL, 0, cls, 4, NULL),
	              HR_WBEM_E_INVALID_PARAMETER));
	talloc_free(mem);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_cut_and_rebuild),
		cmocka_unit_test(test_capture_e04_instance),
		cmocka_unit_test(test_hostile_blocks),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
