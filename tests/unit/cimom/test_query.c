/*
 * Tests of cimom_exec_query: errors, data queries (deep, partial,
 * index lookups, LIKE, __CLASS), schema queries (ISA) and ASSOCIATORS OF /
 * REFERENCES OF with every subclause.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>
#include <string.h>
#include <talloc.h>

#include <cmocka.h>

#include "cimom/cimom.h"
#include "fixture.h"

static int setup(void **state)
{
	*state = fx_new();
	return 0;
}

static int teardown(void **state)
{
	fx_free(*state);
	return 0;
}

/* Runs [wql]; returns the result and fills a fresh collection. */
static hresult q(struct fx *f, struct collect *c, const char *wql)
{
	struct cimom_sink sink;

	memset(c, 0, sizeof(*c));
	c->keep = true;
	sink = collect_sink(c, f->mem, 0);
	return cimom_exec_query(f->s, "WQL", wql, 0, &sink, NULL);
}

static void expect(struct fx *f, const char *wql, hresult want)
{
	struct collect c;
	hresult hr = q(f, &c, wql);

	if (!hr_eq(hr, want)) {
		fail_msg("%s -> %s, want %s", wql, hr_name(hr), hr_name(want));
	}
}

static void test_query_errors(void **state)
{
	struct fx *f = *state;
	struct collect c = { 0 };
	struct cimom_sink sink = collect_sink(&c, f->mem, 0);

	assert_true(hr_eq(cimom_exec_query(f->s, "SQL", "SELECT * FROM T_Base",
	                                   0, &sink, NULL),
	                  HR_WBEM_E_INVALID_QUERY_TYPE));
	assert_true(hr_eq(cimom_exec_query(f->s, "WQL", "", 0, &sink, NULL),
	                  HR_WBEM_E_INVALID_PARAMETER));
	assert_true(hr_eq(cimom_exec_query(f->s, "WQL", NULL, 0, &sink, NULL),
	                  HR_WBEM_E_INVALID_PARAMETER));
	assert_true(hr_eq(cimom_exec_query(f->s, NULL, "SELECT * FROM T_Base",
	                                   0, &sink, NULL),
	                  HR_WBEM_E_INVALID_PARAMETER));
	expect(f, "SELECT * FROM Win32_Nothing", HR_WBEM_E_INVALID_CLASS);
	expect(f, "SELECT Bogus FROM T_Base", HR_WBEM_E_INVALID_QUERY);
	expect(f, "SELECT * FROM T_Base WHERE Bogus = 1",
	       HR_WBEM_E_INVALID_QUERY);
	expect(f, "SELEC * FROM T_Base", HR_WBEM_E_INVALID_QUERY);
	/* The language name is case-insensitive. */
	assert_true(hr_ok(cimom_exec_query(f->s, "wql", "SELECT * FROM T_Base",
	                                   0, &sink, NULL)));
}

static void test_query_error_position(void **state)
{
	struct fx *f = *state;
	struct collect c = { 0 };
	struct cimom_sink sink = collect_sink(&c, f->mem, 0);
	struct errinfo ei;

	err_clear(&ei);
	assert_true(hr_eq(cimom_exec_query(f->s, "WQL",
	                                   "SELECT * FROM Win32_Nothing", 0,
	                                   &sink, &ei),
	                  HR_WBEM_E_INVALID_CLASS));
	assert_int_equal(ei.col, 15);
	assert_string_equal(ei.operation, "IWbemServices::ExecQuery");
}

static void test_select_includes_subclasses(void **state)
{
	struct fx *f = *state;
	struct collect c;

	assert_true(hr_ok(q(f, &c, "SELECT * FROM T_Base")));
	assert_int_equal(c.n, 4);
	assert_true(collect_has(&c, "T_Sub.Name=\"s1\""));
	/* __CLASS restricts to one class. */
	assert_true(hr_ok(
	        q(f, &c, "SELECT * FROM T_Base WHERE __CLASS = 'T_Base'")));
	assert_int_equal(c.n, 3);
	assert_false(collect_has(&c, "T_Sub.Name=\"s1\""));
	assert_true(hr_ok(
	        q(f, &c, "SELECT * FROM T_Base WHERE __CLASS = 'T_Sub'")));
	assert_int_equal(c.n, 1);
	assert_true(hr_ok(
	        q(f, &c, "SELECT * FROM T_Base WHERE __CLASS = 'T_Pair'")));
	assert_int_equal(c.n, 0);
}

static void test_select_where(void **state)
{
	struct fx *f = *state;
	struct collect c;

	assert_true(hr_ok(q(f, &c, "SELECT * FROM T_Base WHERE Size >= 2")));
	assert_int_equal(c.n, 3);
	assert_true(hr_ok(q(f, &c,
	                    "SELECT * FROM T_Base WHERE Size > 1 AND "
	                    "Descr = 'BETA TWO'")));
	assert_int_equal(c.n, 1);
	assert_true(collect_has(&c, "T_Base.Name=\"b\""));
	assert_true(hr_ok(q(f, &c,
	                    "SELECT * FROM T_Base WHERE Descr IS NOT "
	                    "NULL OR Size = 10")));
	assert_int_equal(c.n, 4);
}

static void test_select_like(void **state)
{
	struct fx *f = *state;
	struct collect c;

	assert_true(hr_ok(
	        q(f, &c, "SELECT * FROM T_Base WHERE Descr LIKE '%one'")));
	assert_int_equal(c.n, 2);
	assert_true(collect_has(&c, "T_Base.Name=\"a\""));
	assert_true(collect_has(&c, "T_Sub.Name=\"s1\""));
	assert_true(hr_ok(
	        q(f, &c, "SELECT * FROM T_Base WHERE Descr LIKE '%[_]%'")));
	assert_int_equal(c.n, 1);
	assert_true(collect_has(&c, "T_Base.Name=\"c\""));
	assert_true(hr_ok(q(f, &c,
	                    "SELECT * FROM T_Base WHERE NOT Descr LIKE "
	                    "'[a-b]%'")));
	assert_int_equal(c.n, 2);
}

static void test_select_partial_with_key(void **state)
{
	struct fx *f = *state;
	struct collect c;
	struct cim_instance *inst;

	assert_true(hr_ok(q(f, &c,
	                    "SELECT Name, Size FROM T_Base WHERE "
	                    "__CLASS = 'T_Base' AND Name = 'a'")));
	assert_int_equal(c.n, 1);
	inst = c.objs[0]->u.inst;
	assert_true(cimom_instance_is_partial(inst));
	assert_int_equal(inst->cls->n_props, 2);
	assert_null(cim_instance_get(inst, "Descr"));
	assert_string_equal(collect_str(&c, 0, "Size"), "1");
	assert_string_equal(collect_str(&c, 0, "__RELPATH"),
	                    "T_Base.Name=\"a\"");
	assert_string_equal(collect_str(&c, 0, "__PATH"),
	                    "\\\\TESTHOST\\root\\cimv2:T_Base.Name=\"a\"");
	assert_string_equal(collect_str(&c, 0, "__CLASS"), "T_Base");
}

static void test_select_partial_without_key(void **state)
{
	struct fx *f = *state;
	struct collect c;

	assert_true(
	        hr_ok(q(f, &c, "SELECT Size FROM T_Base WHERE Name = 'b'")));
	assert_int_equal(c.n, 1);
	assert_true(cimom_instance_is_partial(c.objs[0]->u.inst));
	assert_string_equal(collect_str(&c, 0, "Size"), "2");
	assert_null(collect_str(&c, 0, "__PATH"));
	assert_null(collect_str(&c, 0, "__RELPATH"));
	assert_null(collect_str(&c, 0, "__SERVER"));
	assert_null(collect_str(&c, 0, "__NAMESPACE"));
	assert_string_equal(collect_str(&c, 0, "__CLASS"), "T_Base");
	/* Full objects are not partial. */
	assert_true(hr_ok(q(f, &c, "SELECT * FROM T_Base WHERE Name = 'b'")));
	assert_false(cimom_instance_is_partial(c.objs[0]->u.inst));
	assert_non_null(collect_str(&c, 0, "__PATH"));
}

static void test_select_key_uses_index(void **state)
{
	struct fx *f = *state;
	struct collect c;
	struct cimom_stats before, after;
	char *plan = NULL;

	fx_add_big(f, 2000);
	cimom_session_stats(f->s, &before);
	assert_true(hr_ok(q(f, &c, "SELECT * FROM T_Big WHERE Id = 1234")));
	cimom_session_stats(f->s, &after);
	assert_int_equal(c.n, 1);
	assert_string_equal(collect_str(&c, 0, "Name"), "big1234");
	assert_int_equal(after.index_lookups - before.index_lookups, 1);
	assert_int_equal(after.class_scans - before.class_scans, 0);
	assert_int_equal(after.instances_scanned - before.instances_scanned, 1);

	/* Two keys, mixed with another condition: still an index lookup, and
	 * the whole WHERE still applies. */
	cimom_session_stats(f->s, &before);
	assert_true(hr_ok(
	        q(f, &c, "SELECT * FROM T_Pair WHERE B = 'y' AND A = 2")));
	assert_int_equal(c.n, 1);
	assert_true(hr_ok(q(f, &c,
	                    "SELECT * FROM T_Pair WHERE B = 'y' AND A = 2 "
	                    "AND A > 5")));
	assert_int_equal(c.n, 0);
	cimom_session_stats(f->s, &after);
	assert_int_equal(after.index_lookups - before.index_lookups, 2);
	assert_int_equal(after.class_scans - before.class_scans, 0);

	/* A missing key is an empty result, not an error. */
	assert_true(hr_ok(q(f, &c, "SELECT * FROM T_Big WHERE Id = 99999")));
	assert_int_equal(c.n, 0);

	/* A range is a scan. */
	cimom_session_stats(f->s, &before);
	assert_true(hr_ok(q(f, &c, "SELECT * FROM T_Big WHERE Id < 3")));
	cimom_session_stats(f->s, &after);
	assert_int_equal(c.n, 3);
	assert_int_equal(after.index_lookups - before.index_lookups, 0);
	assert_int_equal(after.instances_scanned - before.instances_scanned,
	                 2000);

	assert_true(hr_ok(cimom_explain(f->s, f->mem,
	                                "SELECT * FROM T_Big WHERE Id = 7",
	                                &plan, NULL)));
	assert_string_equal(plan, "index T_Big Id=7\n");
	assert_true(hr_ok(cimom_explain(f->s, f->mem,
	                                "SELECT * FROM T_Big WHERE Id > 7",
	                                &plan, NULL)));
	assert_string_equal(plan, "scan T_Big deep\n");
}

static void test_meta_class_isa(void **state)
{
	struct fx *f = *state;
	struct collect c;

	assert_true(hr_ok(q(f, &c,
	                    "SELECT * FROM meta_class WHERE __this ISA "
	                    "'T_Base'")));
	assert_int_equal(c.n, 2);
	assert_true(collect_has(&c, "T_Base"));
	assert_true(collect_has(&c, "T_Sub"));
	assert_true(c.objs[0]->is_class);
	assert_true(hr_ok(q(f, &c,
	                    "SELECT * FROM meta_class WHERE __CLASS = "
	                    "'T_Pair'")));
	assert_int_equal(c.n, 1);
	assert_string_equal(c.objs[0]->u.cls->namespace, "root\\cimv2");
}

static void test_associators_basic(void **state)
{
	struct fx *f = *state;
	struct collect c;

	assert_true(hr_ok(q(f, &c, "ASSOCIATORS OF {T_Person.Id=\"p1\"}")));
	assert_int_equal(c.n, 2);
	assert_true(collect_has(&c, "T_Base.Name=\"a\""));
	assert_true(collect_has(&c, "T_Sub.Name=\"s1\""));
	assert_non_null(collect_str(&c, 0, "__PATH"));

	/* a is linked to p1 (T_Owns) and to b (T_Link). */
	assert_true(hr_ok(q(f, &c, "ASSOCIATORS OF {T_Base.Name=\"a\"}")));
	assert_int_equal(c.n, 2);
	assert_true(collect_has(&c, "T_Person.Id=\"p1\""));
	assert_true(collect_has(&c, "T_Base.Name=\"b\""));
}

static void test_associators_filters(void **state)
{
	struct fx *f = *state;
	struct collect c;

	assert_true(hr_ok(q(f, &c,
	                    "ASSOCIATORS OF {T_Base.Name=\"a\"} WHERE "
	                    "AssocClass = T_Link")));
	assert_int_equal(c.n, 1);
	assert_true(collect_has(&c, "T_Base.Name=\"b\""));
	assert_true(hr_ok(q(f, &c,
	                    "ASSOCIATORS OF {T_Base.Name=\"a\"} WHERE "
	                    "ResultClass = T_Person")));
	assert_int_equal(c.n, 1);
	assert_true(collect_has(&c, "T_Person.Id=\"p1\""));
	assert_true(hr_ok(q(f, &c,
	                    "ASSOCIATORS OF {T_Base.Name=\"b\"} WHERE "
	                    "Role = Right")));
	assert_int_equal(c.n, 1);
	assert_true(collect_has(&c, "T_Base.Name=\"a\""));
	assert_true(hr_ok(q(f, &c,
	                    "ASSOCIATORS OF {T_Base.Name=\"b\"} WHERE "
	                    "Role = Left")));
	assert_int_equal(c.n, 0);
	assert_true(hr_ok(q(f, &c,
	                    "ASSOCIATORS OF {T_Base.Name=\"a\"} WHERE "
	                    "ResultRole = Owner")));
	assert_int_equal(c.n, 1);
	assert_true(hr_ok(q(f, &c,
	                    "ASSOCIATORS OF {T_Base.Name=\"a\"} WHERE "
	                    "RequiredAssocQualifier = Special")));
	assert_int_equal(c.n, 1);
	assert_true(collect_has(&c, "T_Person.Id=\"p1\""));
	assert_true(hr_ok(q(f, &c,
	                    "ASSOCIATORS OF {T_Base.Name=\"a\"} WHERE "
	                    "RequiredQualifier = Special")));
	assert_int_equal(c.n, 1);
	assert_true(collect_has(&c, "T_Person.Id=\"p1\""));
}

static void test_associators_classdefs_keysonly(void **state)
{
	struct fx *f = *state;
	struct collect c;

	assert_true(hr_ok(q(f, &c,
	                    "ASSOCIATORS OF {T_Person.Id=\"p1\"} WHERE "
	                    "ClassDefsOnly")));
	assert_int_equal(c.n, 2);
	assert_true(c.objs[0]->is_class);
	assert_true(collect_has(&c, "T_Base"));
	assert_true(collect_has(&c, "T_Sub"));

	assert_true(hr_ok(q(f, &c,
	                    "ASSOCIATORS OF {T_Base.Name=\"b\"} WHERE "
	                    "KeysOnly ResultClass = T_Person")));
	assert_int_equal(c.n, 1);
	assert_true(cimom_instance_is_partial(c.objs[0]->u.inst));
	assert_int_equal(c.objs[0]->u.inst->cls->n_props, 1);
	assert_string_equal(collect_str(&c, 0, "__RELPATH"),
	                    "T_Person.Id=\"p2\"");
}

static void test_references(void **state)
{
	struct fx *f = *state;
	struct collect c;

	assert_true(hr_ok(q(f, &c, "REFERENCES OF {T_Base.Name=\"a\"}")));
	assert_int_equal(c.n, 2);
	assert_false(c.objs[0]->is_class);
	assert_true(hr_ok(q(f, &c,
	                    "REFERENCES OF {T_Base.Name=\"a\"} WHERE "
	                    "ResultClass = T_Owns")));
	assert_int_equal(c.n, 1);
	assert_string_equal(collect_str(&c, 0, "__CLASS"), "T_Owns");
	assert_true(hr_ok(q(f, &c,
	                    "REFERENCES OF {T_Base.Name=\"a\"} WHERE "
	                    "ClassDefsOnly")));
	assert_int_equal(c.n, 2);
	assert_true(c.objs[0]->is_class);
	assert_true(hr_ok(q(f, &c,
	                    "REFERENCES OF {T_Base.Name=\"a\"} WHERE "
	                    "RequiredQualifier = Special")));
	assert_int_equal(c.n, 1);
	assert_true(hr_ok(q(f, &c, "REFERENCES OF {T_Base.Name=\"c\"}")));
	assert_int_equal(c.n, 0);
}

static void test_assoc_schema_only(void **state)
{
	struct fx *f = *state;
	struct collect c;

	assert_true(
	        hr_ok(q(f, &c, "ASSOCIATORS OF {T_Person} WHERE SchemaOnly")));
	assert_int_equal(c.n, 1);
	assert_true(c.objs[0]->is_class);
	assert_true(collect_has(&c, "T_Base"));
	assert_true(hr_ok(q(f, &c, "REFERENCES OF {T_Base} WHERE SchemaOnly")));
	assert_int_equal(c.n, 2);
	assert_true(collect_has(&c, "T_Owns"));
	assert_true(collect_has(&c, "T_Link"));
}

static void test_assoc_errors(void **state)
{
	struct fx *f = *state;

	expect(f, "ASSOCIATORS OF {T_Base.Name=\"zz\"}", HR_WBEM_E_NOT_FOUND);
	/* wql validates the path: a malformed one is an invalid query. */
	expect(f, "ASSOCIATORS OF {T_Base.=a}", HR_WBEM_E_INVALID_QUERY);
	expect(f, "SELECT * FROM T_Base WHERE Extra IS NULL",
	       HR_WBEM_E_INVALID_QUERY);
	expect(f, "ASSOCIATORS OF {Nope.Name=\"a\"}", HR_WBEM_E_NOT_FOUND);
	expect(f,
	       "ASSOCIATORS OF {T_Base.Name=\"a\"} WHERE ClassDefsOnly "
	       "ResultClass = T_Person",
	       HR_WBEM_E_INVALID_QUERY);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
#define T(x) cmocka_unit_test_setup_teardown(x, setup, teardown)
		T(test_query_errors),
		T(test_query_error_position),
		T(test_select_includes_subclasses),
		T(test_select_where),
		T(test_select_like),
		T(test_select_partial_with_key),
		T(test_select_partial_without_key),
		T(test_select_key_uses_index),
		T(test_meta_class_isa),
		T(test_associators_basic),
		T(test_associators_filters),
		T(test_associators_classdefs_keysonly),
		T(test_references),
		T(test_assoc_schema_only),
		T(test_assoc_errors),
#undef T
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
