/*
 * Unit tests for base/hresult: the table, names, messages, classes.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#include <cmocka.h>

#include "base/errinfo.h"
#include "base/hresult.h"

static void test_names_and_values(void **state)
{
	(void)state;
	assert_int_equal(HR_WBEM_E_NOT_FOUND.v, 0x80041002u);
	assert_string_equal(hr_name(HR_WBEM_E_INVALID_QUERY),
	                    "WBEM_E_INVALID_QUERY");
	assert_int_equal(HR_RPC_S_SERVER_UNAVAILABLE.v, 0x800706BAu);
	assert_int_equal(HR_E_ACCESSDENIED.v, 0x80070005u);
	assert_int_equal(HR_WBEM_E_PROVIDER_LOAD_FAILURE.v, 0x80041013u);
	assert_int_equal(HRV_WBEM_E_INVALID_CLASS, 0x80041010u);
}

static void test_messages_match_wmic(void **state)
{
	(void)state;
	assert_string_equal(hr_message(HR_WBEM_E_ACCESS_DENIED),
	                    "Access denied");
	assert_string_equal(hr_message(HR_E_ACCESSDENIED), "Access is denied.");
	assert_string_equal(hr_message(HR_RPC_S_SERVER_UNAVAILABLE),
	                    "The RPC server is unavailable.");
	assert_string_equal(hr_message(HR_WBEM_E_INVALID_NAMESPACE),
	                    "Invalid namespace");
}

static void test_classes_follow_design(void **state)
{
	(void)state;
	assert_int_equal(hr_class_of(HR_RPC_S_SERVER_UNAVAILABLE),
	                 HR_CLASS_CONNECTIVITY);
	assert_int_equal(hr_class_of(HR_E_ACCESSDENIED), HR_CLASS_ACCESS_DCOM);
	assert_int_equal(hr_class_of(HR_WBEM_E_ACCESS_DENIED),
	                 HR_CLASS_ACCESS_WMI);
	assert_int_equal(hr_class_of(HR_WBEM_E_NOT_FOUND), HR_CLASS_CORE);
	assert_int_equal(hr_class_of(HR_OK), HR_CLASS_OK);
	assert_string_equal(hr_facility(HR_WBEM_E_NOT_FOUND), "WMI");
	assert_string_equal(hr_facility(HR_E_ACCESSDENIED), "Win32");
}

static void test_unknown_code_falls_back(void **state)
{
	(void)state;
	assert_string_equal(hr_name(HR(0x8004FFFFu)), "0x8004FFFF");
	assert_null(hr_name_or_null(HR(0x8004FFFFu)));
	assert_string_equal(hr_message(HR(0x8004FFFFu)), "Unknown error.");
}

static void test_parse_by_name_and_number(void **state)
{
	hresult h;

	(void)state;
	assert_true(hr_parse("wbem_e_not_found", &h));
	assert_int_equal(h.v, 0x80041002u);
	assert_true(hr_parse("0x80041017", &h));
	assert_int_equal(h.v, 0x80041017u);
	assert_false(hr_parse("", &h));
	assert_false(hr_parse("0x1FFFFFFFF", &h));
	assert_false(hr_parse("12abc", &h));
}

static void test_errinfo_first_error_wins(void **state)
{
	struct errinfo ei;
	hresult h;

	(void)state;
	err_clear(&ei);
	h = err_set_pos(&ei, HR_WBEM_E_INVALID_QUERY, "wql", 1, 8, 7,
	                "expected FROM, found '%s'", "FORM");
	assert_true(hr_eq(h, HR_WBEM_E_INVALID_QUERY));
	err_set(&ei, HR_WBEM_E_FAILED, "cimom", "outer");
	assert_int_equal(ei.hr.v, HR_WBEM_E_INVALID_QUERY.v);
	assert_string_equal(ei.msg, "expected FROM, found 'FORM'");
	assert_int_equal(ei.col, 8);
	assert_true(hr_failed(err_set(NULL, HR_WBEM_E_FAILED, "x", "y")));
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_names_and_values),
		cmocka_unit_test(test_messages_match_wmic),
		cmocka_unit_test(test_classes_follow_design),
		cmocka_unit_test(test_unknown_code_falls_back),
		cmocka_unit_test(test_parse_by_name_and_number),
		cmocka_unit_test(test_errinfo_first_error_wins),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
