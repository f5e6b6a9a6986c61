/*
 * Hostile object paths the issue names that test_objpath.c does not spell
 * out: unterminated quoted strings in every position and a 10 MB class
 * name and key value.  Each is refused with WBEM_E_INVALID_OBJECT_PATH
 * and a position, leaves nothing allocated, and never crashes.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <string.h>
#include <talloc.h>

#include <cmocka.h>

#include "cim/objpath.h"

static void refused(void *mem, const char *text)
{
	struct objpath *p = NULL;
	struct errinfo ei;
	hresult hr;

	err_clear(&ei);
	hr = objpath_parse(mem, text, &p, &ei);
	if (!hr_eq(hr, HR_WBEM_E_INVALID_OBJECT_PATH)) {
		fail_msg("'%.40s...' gave %s", text, hr_name(hr));
	}
	assert_null(p);
	assert_true(ei.msg[0] != '\0');
	assert_true(ei.offset <= strlen(text));
}

static void test_unterminated_strings(void **state)
{
	static const char *const texts[] = {
		"C.K=\"abc",
		"C.K=\"abc\\\"",
		"C.K='abc",
		"C.A=1,K=\"",
		"\\\\srv\\root:C.K=\"x\\",
		"C.R=\"D.K=\\\"inner\\\"",
		"C=\"",
	};
	void *mem = talloc_new(NULL);

	(void)state;
	for (size_t i = 0; i < sizeof(texts) / sizeof(texts[0]); i++) {
		refused(mem, texts[i]);
	}
	assert_int_equal(talloc_total_blocks(mem), 1);
	talloc_free(mem);
}

static void test_ten_megabyte_identifier_and_value(void **state)
{
	size_t n = 10u * 1024 * 1024;
	void *mem = talloc_new(NULL);
	char *text = talloc_size(mem, n + 16);

	(void)state;
	assert_non_null(text);
	memset(text, 'A', n);
	text[n] = '\0';
	refused(mem, text);
	memcpy(text, "C.K=\"", 5);
	text[n] = '"';
	text[n + 1] = '\0';
	refused(mem, text);
	assert_int_equal(talloc_total_blocks(mem), 2);
	talloc_free(mem);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_unterminated_strings),
		cmocka_unit_test(test_ten_megabyte_identifier_and_value),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
