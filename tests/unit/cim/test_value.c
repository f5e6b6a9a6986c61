/*
 * Unit tests: CIM types and values (copy, equality, conversion, text).
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#include <cmocka.h>

#include <math.h>
#include <string.h>
#include <talloc.h>

#include "base/buf.h"
#include "cim/cim.h"
#include "cimtest.h"

static void test_type_names_round_trip(void **state)
{
	static const uint32_t types[] = {
		CIM_T_SINT8,  CIM_T_UINT8,    CIM_T_SINT16,    CIM_T_UINT16,
		CIM_T_SINT32, CIM_T_UINT32,   CIM_T_SINT64,    CIM_T_UINT64,
		CIM_T_REAL32, CIM_T_REAL64,   CIM_T_STRING,    CIM_T_BOOLEAN,
		CIM_T_OBJECT, CIM_T_DATETIME, CIM_T_REFERENCE, CIM_T_CHAR16,
	};
	uint32_t t = 0;

	(void)state;
	for (size_t i = 0; i < sizeof(types) / sizeof(types[0]); i++) {
		const char *n = cim_type_name(types[i]);

		assert_non_null(n);
		assert_true(cim_type_parse(n, &t));
		assert_int_equal(t, types[i]);
		assert_true(cim_type_valid(types[i] | CIM_FLAG_ARRAY));
	}
	assert_true(cim_type_parse("Boolean", &t));
	assert_int_equal(t, CIM_T_BOOLEAN);
	assert_false(cim_type_parse("int", &t));
	assert_false(cim_type_valid(CIM_T_EMPTY));
	assert_false(cim_type_valid(7));
	assert_false(cim_type_valid(CIM_T_STRING | 0x4000));
	assert_null(cim_type_name(99));
}

static void test_null_is_not_default(void **state)
{
	struct cim_value n = cim_value_null(CIM_T_UINT32);
	struct cim_value z = t_uint(CIM_T_UINT32, 0);
	struct cim_value n2 = cim_value_null(CIM_T_UINT32);
	struct cim_value ns = cim_value_null(CIM_T_STRING);

	(void)state;
	assert_false(cim_value_equal(&n, &z));
	assert_true(cim_value_equal(&n, &n2));
	assert_false(cim_value_equal(&n, &ns));
}

static void test_copy_array_is_deep(void **state)
{
	void *mem = talloc_new(NULL);
	char *elems[] = { talloc_strdup(mem, "a"), talloc_strdup(mem, "b") };
	struct cim_value src = { .type = CIM_T_STRING | CIM_FLAG_ARRAY };
	struct cim_value dst;

	(void)state;
	src.v.a.n = 2;
	src.v.a.e.s = elems;
	assert_true(hr_ok(cim_value_copy(mem, &dst, &src)));
	assert_true(cim_value_equal(&src, &dst));
	assert_ptr_not_equal(dst.v.a.e.s[0], elems[0]);
	elems[1][0] = 'z';
	assert_string_equal(dst.v.a.e.s[1], "b");
	assert_false(cim_value_equal(&src, &dst));
	talloc_free(mem);
}

static void test_convert_integer_ranges(void **state)
{
	void *mem = talloc_new(NULL);
	struct cim_value d;
	struct cim_value s;

	(void)state;
	s = t_sint(CIM_T_SINT32, 300);
	assert_true(hr_eq(cim_value_convert(mem, &d, &s, CIM_T_UINT8),
	                  HR_WBEM_E_VALUE_OUT_OF_RANGE));
	assert_true(d.null);
	s = t_sint(CIM_T_SINT32, 255);
	assert_true(hr_ok(cim_value_convert(mem, &d, &s, CIM_T_UINT8)));
	assert_int_equal(d.v.u, 255);
	assert_int_equal(d.type, CIM_T_UINT8);
	s = t_sint(CIM_T_SINT64, -1);
	assert_true(hr_eq(cim_value_convert(mem, &d, &s, CIM_T_UINT64),
	                  HR_WBEM_E_VALUE_OUT_OF_RANGE));
	s = t_sint(CIM_T_SINT64, -128);
	assert_true(hr_ok(cim_value_convert(mem, &d, &s, CIM_T_SINT8)));
	assert_int_equal(d.v.i, -128);
	s = t_sint(CIM_T_SINT64, -129);
	assert_true(hr_eq(cim_value_convert(mem, &d, &s, CIM_T_SINT8),
	                  HR_WBEM_E_VALUE_OUT_OF_RANGE));
	s = t_uint(CIM_T_UINT64, UINT64_MAX);
	assert_true(hr_eq(cim_value_convert(mem, &d, &s, CIM_T_SINT64),
	                  HR_WBEM_E_VALUE_OUT_OF_RANGE));
	s = t_sint(CIM_T_SINT64, INT64_MIN);
	assert_true(hr_ok(cim_value_convert(mem, &d, &s, CIM_T_SINT64)));
	assert_true(d.v.i == INT64_MIN);
	s = t_uint(CIM_T_UINT32, 65536);
	assert_true(hr_eq(cim_value_convert(mem, &d, &s, CIM_T_CHAR16),
	                  HR_WBEM_E_VALUE_OUT_OF_RANGE));
	talloc_free(mem);
}

static void test_convert_strings(void **state)
{
	void *mem = talloc_new(NULL);
	struct cim_value d;
	struct cim_value s;

	(void)state;
	s = t_str("1234");
	assert_true(hr_ok(cim_value_convert(mem, &d, &s, CIM_T_UINT16)));
	assert_int_equal(d.v.u, 1234);
	s = t_str("-5");
	assert_true(hr_ok(cim_value_convert(mem, &d, &s, CIM_T_SINT16)));
	assert_int_equal(d.v.i, -5);
	s = t_str("12a");
	assert_true(hr_eq(cim_value_convert(mem, &d, &s, CIM_T_UINT32),
	                  HR_WBEM_E_TYPE_MISMATCH));
	s = t_str("");
	assert_true(hr_eq(cim_value_convert(mem, &d, &s, CIM_T_UINT32),
	                  HR_WBEM_E_TYPE_MISMATCH));
	s = t_str("99999999999999999999999");
	assert_true(hr_eq(cim_value_convert(mem, &d, &s, CIM_T_UINT64),
	                  HR_WBEM_E_VALUE_OUT_OF_RANGE));
	s = t_str("true");
	assert_true(hr_ok(cim_value_convert(mem, &d, &s, CIM_T_BOOLEAN)));
	assert_true(d.v.b);
	s = t_str("yes");
	assert_true(hr_eq(cim_value_convert(mem, &d, &s, CIM_T_BOOLEAN),
	                  HR_WBEM_E_TYPE_MISMATCH));
	s = t_str("20240131154512.123456+060");
	assert_true(hr_ok(cim_value_convert(mem, &d, &s, CIM_T_DATETIME)));
	assert_string_equal(d.v.s, "20240131154512.123456+060");
	s = t_str("20241331154512.123456+060");
	assert_true(hr_eq(cim_value_convert(mem, &d, &s, CIM_T_DATETIME),
	                  HR_WBEM_E_TYPE_MISMATCH));
	s = t_str("Win32_Service.Name=\"x\"");
	assert_true(hr_ok(cim_value_convert(mem, &d, &s, CIM_T_REFERENCE)));
	s = t_str("not a path");
	assert_true(hr_eq(cim_value_convert(mem, &d, &s, CIM_T_REFERENCE),
	                  HR_WBEM_E_TYPE_MISMATCH));
	s = t_str("\xc3\xa9");
	assert_true(hr_ok(cim_value_convert(mem, &d, &s, CIM_T_CHAR16)));
	assert_int_equal(d.v.u, 0xE9);
	s = t_str("ab");
	assert_true(hr_eq(cim_value_convert(mem, &d, &s, CIM_T_CHAR16),
	                  HR_WBEM_E_TYPE_MISMATCH));
	s = t_str("1.5e3");
	assert_true(hr_ok(cim_value_convert(mem, &d, &s, CIM_T_REAL64)));
	assert_true(d.v.r == 1500.0);
	talloc_free(mem);
}

static void test_convert_reals_and_others(void **state)
{
	void *mem = talloc_new(NULL);
	struct cim_value d;
	struct cim_value s;

	(void)state;
	s = t_uint(CIM_T_UINT32, 7);
	assert_true(hr_ok(cim_value_convert(mem, &d, &s, CIM_T_REAL32)));
	assert_true(d.v.r == 7.0);
	s = t_real(CIM_T_REAL64, 1.5);
	assert_true(hr_eq(cim_value_convert(mem, &d, &s, CIM_T_UINT32),
	                  HR_WBEM_E_TYPE_MISMATCH));
	s = t_real(CIM_T_REAL64, 42.0);
	assert_true(hr_ok(cim_value_convert(mem, &d, &s, CIM_T_UINT32)));
	assert_int_equal(d.v.u, 42);
	s = t_real(CIM_T_REAL64, 1e300);
	assert_true(hr_eq(cim_value_convert(mem, &d, &s, CIM_T_REAL32),
	                  HR_WBEM_E_VALUE_OUT_OF_RANGE));
	s = t_bool(true);
	assert_true(hr_eq(cim_value_convert(mem, &d, &s, CIM_T_UINT32),
	                  HR_WBEM_E_TYPE_MISMATCH));
	assert_true(hr_ok(cim_value_convert(mem, &d, &s, CIM_T_STRING)));
	assert_string_equal(d.v.s, "TRUE");
	s = t_sint(CIM_T_SINT32, -42);
	assert_true(hr_ok(cim_value_convert(mem, &d, &s, CIM_T_STRING)));
	assert_string_equal(d.v.s, "-42");
	s = t_typed_str(CIM_T_DATETIME, "20240131154512.123456+060");
	assert_true(hr_eq(cim_value_convert(mem, &d, &s, CIM_T_REFERENCE),
	                  HR_WBEM_E_TYPE_MISMATCH));
	s = t_uint(CIM_T_UINT32, 1);
	assert_true(hr_eq(
	        cim_value_convert(mem, &d, &s, CIM_T_UINT32 | CIM_FLAG_ARRAY),
	        HR_WBEM_E_TYPE_MISMATCH));
	assert_true(hr_eq(cim_value_convert(mem, &d, &s, 999),
	                  HR_WBEM_E_TYPE_MISMATCH));
	s = cim_value_null(CIM_T_STRING);
	assert_true(hr_ok(cim_value_convert(mem, &d, &s, CIM_T_UINT8)));
	assert_true(d.null);
	assert_int_equal(d.type, CIM_T_UINT8);
	talloc_free(mem);
}

static void test_convert_array_elementwise(void **state)
{
	void *mem = talloc_new(NULL);
	int64_t in[] = { 1, 2, 300 };
	struct cim_value s = { .type = CIM_T_SINT32 | CIM_FLAG_ARRAY };
	struct cim_value d;

	(void)state;
	s.v.a.n = 2;
	s.v.a.e.i = in;
	assert_true(hr_ok(
	        cim_value_convert(mem, &d, &s, CIM_T_UINT8 | CIM_FLAG_ARRAY)));
	assert_int_equal(d.v.a.n, 2);
	assert_int_equal(d.v.a.e.u[1], 2);
	assert_true(hr_ok(
	        cim_value_convert(mem, &d, &s, CIM_T_STRING | CIM_FLAG_ARRAY)));
	assert_string_equal(d.v.a.e.s[0], "1");
	s.v.a.n = 3;
	assert_true(hr_eq(
	        cim_value_convert(mem, &d, &s, CIM_T_UINT8 | CIM_FLAG_ARRAY),
	        HR_WBEM_E_VALUE_OUT_OF_RANGE));
	talloc_free(mem);
}

static void test_format_text(void **state)
{
	void *mem = talloc_new(NULL);
	struct buf b;
	char *elems[] = { "a\"b", "c\\d" };
	struct cim_value v = { .type = CIM_T_STRING | CIM_FLAG_ARRAY };
	struct cim_value n = cim_value_null(CIM_T_STRING);
	struct cim_value r = t_real(CIM_T_REAL64, 0.1);

	(void)state;
	v.v.a.n = 2;
	v.v.a.e.s = elems;
	buf_init(&b, mem);
	assert_true(hr_ok(cim_value_format(&b, &v, true)));
	assert_string_equal(b.data, "{\"a\\\"b\", \"c\\\\d\"}");
	buf_reset(&b);
	assert_true(hr_ok(cim_value_format(&b, &v, false)));
	assert_string_equal(b.data, "{a\"b, c\\d}");
	buf_reset(&b);
	assert_true(hr_ok(cim_value_format(&b, &n, true)));
	assert_string_equal(b.data, "NULL");
	buf_reset(&b);
	assert_true(hr_ok(cim_value_format(&b, &r, true)));
	assert_true(strtod(b.data, NULL) == 0.1);
	talloc_free(mem);
}

static void test_embedded_object_copy_equal(void **state)
{
	void *mem = talloc_new(NULL);
	struct cim_class *l = cim_class_new(mem, "E", NULL);
	struct cim_class *c = NULL;
	struct cim_instance *inst;
	struct cim_object o;
	struct cim_value v = { .type = CIM_T_OBJECT };
	struct cim_value copy;
	struct cim_value s = t_str("x");

	(void)state;
	cim_class_add_prop(l, "P", CIM_T_STRING);
	assert_true(hr_ok(cim_class_resolve(mem, l, NULL, &c, NULL)));
	inst = cim_instance_new(mem, c);
	assert_true(hr_ok(cim_instance_set(inst, "P", &s)));
	o.is_class = false;
	o.u.inst = inst;
	v.v.o = &o;
	assert_true(hr_ok(cim_value_copy(mem, &copy, &v)));
	assert_true(cim_value_equal(&v, &copy));
	assert_ptr_not_equal(copy.v.o->u.inst->cls, c);
	s = t_str("y");
	assert_true(hr_ok(cim_instance_set(inst, "P", &s)));
	assert_false(cim_value_equal(&v, &copy));
	talloc_free(mem);
}

static void test_copy_out_of_memory(void **state)
{
	void *mem = talloc_new(NULL);
	void *lim = talloc_new(mem);
	char big[512];
	struct cim_value s;
	struct cim_value d;

	(void)state;
	memset(big, 'x', sizeof(big) - 1);
	big[sizeof(big) - 1] = '\0';
	s = t_str(big);
	assert_int_equal(t_memlimit(lim, 256), 0);
	assert_true(hr_eq(cim_value_copy(lim, &d, &s), HR_E_OUTOFMEMORY));
	assert_true(d.null);
	talloc_free(mem);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_type_names_round_trip),
		cmocka_unit_test(test_null_is_not_default),
		cmocka_unit_test(test_copy_array_is_deep),
		cmocka_unit_test(test_convert_integer_ranges),
		cmocka_unit_test(test_convert_strings),
		cmocka_unit_test(test_convert_reals_and_others),
		cmocka_unit_test(test_convert_array_elementwise),
		cmocka_unit_test(test_format_text),
		cmocka_unit_test(test_embedded_object_copy_equal),
		cmocka_unit_test(test_copy_out_of_memory),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
