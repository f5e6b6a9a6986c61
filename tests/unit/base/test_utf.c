/*
 * Unit tests for base/utf: validation and UTF-8 <-> UTF-16LE.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>
#include <talloc.h>

#include <cmocka.h>

#include "base/utf.h"

static void test_valid_and_invalid_utf8(void **state)
{
	size_t bad = 0;

	(void)state;
	assert_true(utf8_valid("h\xc3\xa9llo \xf0\x9f\x98\x80", 11, NULL));
	assert_false(utf8_valid("a\xc0\xaf", 3, &bad)); /* overlong '/' */
	assert_int_equal(bad, 1);
	assert_false(utf8_valid("\xed\xa0\x80", 3, NULL));     /* surrogate */
	assert_false(utf8_valid("\xf4\x90\x80\x80", 4, NULL)); /* > 10FFFF */
	assert_false(utf8_valid("\xe2\x82", 2, NULL));         /* truncated */
}

static void test_round_trip_with_surrogates(void **state)
{
	void *mem = talloc_new(NULL);
	const char *s = "A\xc3\xa9\xe2\x82\xac\xf0\x9f\x98\x80";
	uint8_t *w = NULL;
	size_t wn = 0;
	char *back = NULL;
	size_t bn = 0;
	const uint8_t want[] = { 'A',  0,    0xe9, 0,    0xac,
		                 0x20, 0x3d, 0xd8, 0x00, 0xde };

	(void)state;
	assert_true(hr_ok(utf8_to_utf16le(mem, s, strlen(s), &w, &wn)));
	assert_int_equal(wn, sizeof(want));
	assert_memory_equal(w, want, sizeof(want));
	assert_true(hr_ok(utf16le_to_utf8(mem, w, wn, &back, &bn)));
	assert_string_equal(back, s);
	assert_int_equal(bn, strlen(s));
	talloc_free(mem);
}

static void test_rejects_bad_utf16(void **state)
{
	void *mem = talloc_new(NULL);
	const uint8_t lone_high[] = { 0x3d, 0xd8, 'a', 0 };
	const uint8_t lone_low[] = { 0x00, 0xde };
	char *out = NULL;

	(void)state;
	assert_true(hr_eq(utf16le_to_utf8(mem, lone_high, 4, &out, NULL),
	                  HR_WBEM_E_INVALID_PARAMETER));
	assert_true(hr_eq(utf16le_to_utf8(mem, lone_low, 2, &out, NULL),
	                  HR_WBEM_E_INVALID_PARAMETER));
	assert_true(hr_eq(utf16le_to_utf8(mem, lone_low, 1, &out, NULL),
	                  HR_WBEM_E_INVALID_PARAMETER));
	assert_null(out);
	talloc_free(mem);
}

static void test_casecmp(void **state)
{
	(void)state;
	assert_int_equal(utf8_casecmp("Win32_Process", "WIN32_PROCESS"), 0);
	assert_true(utf8_casecmp("a", "b") < 0);
	assert_true(utf8_casecmp("abc", "ab") > 0);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_valid_and_invalid_utf8),
		cmocka_unit_test(test_round_trip_with_surrogates),
		cmocka_unit_test(test_rejects_bad_utf16),
		cmocka_unit_test(test_casecmp),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
