/*
 * Allocation-failure loop (STYLE.md section 11) over wql_parse, with the
 * shared sweep of tests/unit/oomtest.h: every ceiling below the one a
 * query needs gives E_OUTOFMEMORY and leaves nothing under the context.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <talloc.h>

#include <cmocka.h>

#include "../oomtest.h"
#include "wql/wql.h"

static hresult parse(void *mem, void *arg)
{
	struct wql_query *q = NULL;
	struct errinfo ei;
	hresult hr;

	err_clear(&ei);
	hr = wql_parse(mem, arg, NULL, &q, &ei);
	if (hr_ok(hr)) {
		assert_non_null(q);
	} else {
		assert_null(q);
		assert_true(hr_eq(ei.hr, hr));
	}
	return hr;
}

static void test_wql_parse_every_failure(void **state)
{
	static const char *const texts[] = {
		"SELECT a, b FROM C WHERE NOT (x = 'y' OR z LIKE '%q[a-c]') "
		"AND T.U.V IS NOT NULL WITHIN 2 GROUP WITHIN 5 BY a, b "
		"HAVING NumberOfEvents > 1",
		"ASSOCIATORS OF {A.k=\"v\",j=2} WHERE AssocClass = B Role = R "
		"KeysOnly",
		"REFERENCES OF {root\\cimv2:X=@} WHERE ResultClass = Y",
		"SELECT * FROM meta_class WHERE __this ISA 'X'",
		"SELECT * FROM __InstanceModificationEvent WITHIN 1 WHERE "
		"TargetInstance ISA 'Win32_Service' AND "
		"TargetInstance.State = 'Stopped'",
	};

	(void)state;
	for (size_t i = 0; i < sizeof(texts) / sizeof(texts[0]); i++) {
		struct oom_loop l = { .body = parse,
			              .arg = (void *)texts[i],
			              .flags = OOM_EMPTY_ON_FAILURE };

		for_each_alloc_failure(&l);
		for_each_memlimit(&l);
	}
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_wql_parse_every_failure),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
