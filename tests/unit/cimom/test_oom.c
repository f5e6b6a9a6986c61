/*
 * Allocation-failure loop (STYLE.md section 11) over cimom_exec_query:
 * a scan with a filter and a projection, a key lookup, an association
 * walk and a schema query, against the fixture's repository with SQLite's
 * heap routed through base/alloc.h (tests/unit/oomtest.h).  Each run ends
 * in success or E_OUTOFMEMORY; the session keeps working afterwards.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <string.h>
#include <talloc.h>

#include <cmocka.h>

#define OOMTEST_SQLITE
#include "../oomtest.h"
#include "fixture.h"

struct q {
	struct fx *f;
	const char *wql;
	uint32_t want; /* results of a successful run */
};

static hresult query(void *mem, void *arg)
{
	struct q *q = arg;
	struct collect c = { .mem = mem };
	struct cimom_sink sink = collect_sink(&c, mem, 0);
	struct errinfo ei;
	hresult hr;

	err_clear(&ei);
	hr = cimom_exec_query(q->f->s, "WQL", q->wql, 0, &sink, &ei);
	if (hr_ok(hr)) {
		assert_int_equal(c.n, q->want);
	}
	return hr;
}

static void test_exec_query_every_failure(void **state)
{
	static const struct {
		const char *wql;
		uint32_t want;
	} qs[] = {
		{ "SELECT Name, Size FROM T_Base WHERE Size > 1 AND "
		  "Name LIKE '%'",
		  3 },
		{ "SELECT * FROM T_Base WHERE Name = 'b'", 1 },
		{ "ASSOCIATORS OF {T_Person.Id=\"p1\"} WHERE "
		  "AssocClass = T_Owns",
		  2 },
		{ "SELECT * FROM meta_class WHERE __this ISA 'T_Base'", 2 },
	};
	struct fx *f = fx_new();

	(void)state;
	for (size_t i = 0; i < sizeof(qs) / sizeof(qs[0]); i++) {
		struct q q = { .f = f, .wql = qs[i].wql, .want = qs[i].want };
		struct oom_loop l = { .body = query,
			              .arg = &q,
			              .flags = OOM_STATEFUL };

		for_each_alloc_failure(&l);
	}
	fx_free(f);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_exec_query_every_failure),
	};

	oom_route_sqlite();
	return cmocka_run_group_tests(tests, NULL, NULL);
}
