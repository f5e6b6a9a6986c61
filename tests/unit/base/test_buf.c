/*
 * Unit tests for base/buf.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>
#include <talloc.h>

#include <cmocka.h>

#include "base/buf.h"

static void test_empty_is_terminated(void **state)
{
	struct buf b;

	(void)state;
	buf_init(&b, NULL);
	assert_non_null(b.data);
	assert_int_equal(b.len, 0);
	assert_string_equal(b.data, "");
	buf_release(&b);
}

static void test_append_and_format(void **state)
{
	void *mem = talloc_new(NULL);
	struct buf b;

	(void)state;
	buf_init(&b, mem);
	assert_true(hr_ok(buf_addstr(&b, "abc")));
	assert_true(hr_ok(buf_addf(&b, "-%d-%s", 42, "x")));
	assert_true(hr_ok(buf_addch(&b, '!')));
	assert_string_equal(b.data, "abc-42-x!");
	assert_int_equal(b.len, 9);
	for (int i = 0; i < 10000; i++) {
		assert_true(hr_ok(buf_addch(&b, 'z')));
	}
	assert_int_equal(b.len, 10009);
	assert_int_equal(b.data[b.len], '\0');
	talloc_free(mem);
}

static void test_little_endian(void **state)
{
	struct buf b;
	const uint8_t want[] = { 0x34, 0x12, 0x78, 0x56, 0x34, 0x12, 1,
		                 0,    0,    0,    0,    0,    0,    0x80 };

	(void)state;
	buf_init(&b, NULL);
	buf_add_u16le(&b, 0x1234);
	buf_add_u32le(&b, 0x12345678);
	buf_add_u64le(&b, 0x8000000000000001ull);
	assert_int_equal(b.len, sizeof(want));
	assert_memory_equal(b.data, want, sizeof(want));
	buf_release(&b);
}

static void test_ceiling_is_sticky(void **state)
{
	struct buf b;

	(void)state;
	buf_init(&b, NULL);
	b.max = 16;
	assert_true(hr_ok(buf_addstr(&b, "0123456789")));
	assert_true(hr_eq(buf_addstr(&b, "0123456789"), HR_E_OUTOFMEMORY));
	assert_true(hr_eq(buf_addch(&b, 'x'), HR_E_OUTOFMEMORY));
	assert_string_equal(b.data, "0123456789");
	buf_release(&b);
}

static void test_detach(void **state)
{
	void *mem = talloc_new(NULL);
	struct buf b;
	size_t n = 0;
	char *s;

	(void)state;
	buf_init(&b, mem);
	s = buf_detach(&b, &n);
	assert_string_equal(s, "");
	buf_addstr(&b, "hello");
	s = buf_detach(&b, &n);
	assert_string_equal(s, "hello");
	assert_int_equal(n, 5);
	assert_int_equal(b.len, 0);
	assert_ptr_equal(talloc_parent(s), mem);
	talloc_free(mem);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_empty_is_terminated),
		cmocka_unit_test(test_append_and_format),
		cmocka_unit_test(test_little_endian),
		cmocka_unit_test(test_ceiling_is_sticky),
		cmocka_unit_test(test_detach),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
