/*
 * Unit tests: CIM DATETIME timestamps and intervals.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#include <cmocka.h>

#include <string.h>

#include "cim/datetime.h"

static void test_timestamp_parse_format(void **state)
{
	struct cim_datetime dt;
	char out[26];

	(void)state;
	assert_true(
	        hr_ok(cim_datetime_parse("20240131154512.123456+060", &dt)));
	assert_false(dt.interval);
	assert_int_equal(dt.year, 2024);
	assert_int_equal(dt.month, 1);
	assert_int_equal(dt.day, 31);
	assert_int_equal(dt.hour, 15);
	assert_int_equal(dt.minute, 45);
	assert_int_equal(dt.second, 12);
	assert_int_equal(dt.usec, 123456);
	assert_int_equal(dt.utc_offset, 60);
	cim_datetime_format(&dt, out);
	assert_string_equal(out, "20240131154512.123456+060");
	assert_true(
	        hr_ok(cim_datetime_parse("19991231235959.999999-480", &dt)));
	assert_int_equal(dt.utc_offset, -480);
	cim_datetime_format(&dt, out);
	assert_string_equal(out, "19991231235959.999999-480");
}

static void test_asterisks(void **state)
{
	struct cim_datetime dt;
	int64_t us;
	char out[26];

	(void)state;
	assert_true(
	        hr_ok(cim_datetime_parse("20240131******.******+000", &dt)));
	assert_int_equal(dt.hour, -1);
	assert_int_equal(dt.usec, -1);
	assert_int_equal(dt.day, 31);
	assert_false(cim_datetime_to_usec(&dt, &us));
	cim_datetime_format(&dt, out);
	assert_string_equal(out, "20240131******.******+000");
	/* Partial asterisks in a field are refused. */
	assert_true(hr_eq(cim_datetime_parse("20240131154*12.000000+000", &dt),
	                  HR_WBEM_E_INVALID_PARAMETER));
	assert_true(hr_eq(cim_datetime_parse("20240131154512.12****+000", &dt),
	                  HR_WBEM_E_INVALID_PARAMETER));
	/* The UTC offset must be digits. */
	assert_true(hr_eq(cim_datetime_parse("20240131154512.000000+***", &dt),
	                  HR_WBEM_E_INVALID_PARAMETER));
}

static void test_interval(void **state)
{
	struct cim_datetime dt;
	int64_t us;
	char out[26];

	(void)state;
	assert_true(
	        hr_ok(cim_datetime_parse("00000001132312.000000:000", &dt)));
	assert_true(dt.interval);
	assert_int_equal(dt.days, 1);
	assert_int_equal(dt.hour, 13);
	assert_true(cim_datetime_to_usec(&dt, &us));
	assert_true(us == (86400LL + 13 * 3600 + 23 * 60 + 12) * 1000000LL);
	cim_datetime_format(&dt, out);
	assert_string_equal(out, "00000001132312.000000:000");
	assert_true(hr_eq(cim_datetime_parse("0000000113231*.000000:000", &dt),
	                  HR_WBEM_E_INVALID_PARAMETER));
	assert_true(hr_eq(cim_datetime_parse("00000001********.****:000", &dt),
	                  HR_WBEM_E_INVALID_PARAMETER));
	assert_true(hr_eq(cim_datetime_parse("00000001132312.000000:001", &dt),
	                  HR_WBEM_E_INVALID_PARAMETER));
	assert_true(hr_eq(cim_datetime_parse("00000001242312.000000:000", &dt),
	                  HR_WBEM_E_INVALID_PARAMETER));
}

static void test_field_ranges(void **state)
{
	static const char *const bad[] = {
		"20241301000000.000000+000",  /* month 13 */
		"20240001000000.000000+000",  /* month 0 */
		"20240100000000.000000+000",  /* day 0 */
		"20240230000000.000000+000",  /* Feb 30 */
		"20230229000000.000000+000",  /* not a leap year */
		"19000229000000.000000+000",  /* century, not leap */
		"20240431000000.000000+000",  /* April 31 */
		"20240101240000.000000+000",  /* hour 24 */
		"20240101006000.000000+000",  /* minute 60 */
		"20240101000060.000000+000",  /* second 60 */
		"20240101000000,000000+000",  /* no dot */
		"20240101000000.000000*000",  /* bad sign */
		"20240101000000.000000+00",   /* 24 chars */
		"20240101000000.000000+0000", /* 26 chars */
		"2024010100000a.000000+000",  "", " 0240101000000.000000+000",
	};
	struct cim_datetime dt;

	(void)state;
	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		if (!hr_eq(cim_datetime_parse(bad[i], &dt),
		           HR_WBEM_E_INVALID_PARAMETER)) {
			fail_msg("accepted '%s'", bad[i]);
		}
	}
	assert_true(hr_eq(cim_datetime_parse(NULL, &dt),
	                  HR_WBEM_E_INVALID_PARAMETER));
	assert_true(
	        hr_ok(cim_datetime_parse("20000229000000.000000+000", &dt)));
	assert_true(
	        hr_ok(cim_datetime_parse("****0229000000.000000+000", &dt)));
}

static void test_unix_conversion(void **state)
{
	struct cim_datetime dt;
	int64_t us;
	char out[26];

	(void)state;
	cim_datetime_from_unix(0, 0, &dt);
	cim_datetime_format(&dt, out);
	assert_string_equal(out, "19700101000000.000000+000");
	/* 2024-01-31T14:45:12.123456Z shown at UTC+1. */
	cim_datetime_from_unix(1706712312123456LL, 60, &dt);
	cim_datetime_format(&dt, out);
	assert_string_equal(out, "20240131154512.123456+060");
	assert_true(cim_datetime_to_usec(&dt, &us));
	assert_true(us == 1706712312123456LL);
	cim_datetime_from_unix(-1, -300, &dt);
	cim_datetime_format(&dt, out);
	assert_string_equal(out, "19691231185959.999999-300");
	assert_true(cim_datetime_to_usec(&dt, &us));
	assert_true(us == -1);
}

static void test_compare(void **state)
{
	struct cim_datetime a;
	struct cim_datetime b;
	struct cim_datetime i;

	(void)state;
	assert_true(hr_ok(cim_datetime_parse("20240131154512.000000+060", &a)));
	assert_true(hr_ok(cim_datetime_parse("20240131144512.000000+000", &b)));
	assert_int_equal(cim_datetime_cmp(&a, &b), 0);
	assert_true(hr_ok(cim_datetime_parse("20240131144513.000000+000", &b)));
	assert_true(cim_datetime_cmp(&a, &b) < 0);
	assert_true(cim_datetime_cmp(&b, &a) > 0);
	assert_true(hr_ok(cim_datetime_parse("99999999235959.999999:000", &i)));
	assert_true(cim_datetime_cmp(&i, &a) < 0);
	assert_true(hr_ok(cim_datetime_parse("2024**********.******+000", &b)));
	assert_true(cim_datetime_cmp(&b, &a) < 0);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_timestamp_parse_format),
		cmocka_unit_test(test_asterisks),
		cmocka_unit_test(test_interval),
		cmocka_unit_test(test_field_ranges),
		cmocka_unit_test(test_unix_conversion),
		cmocka_unit_test(test_compare),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
