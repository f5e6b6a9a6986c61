/*
 * Unit tests for wql parsing and formatting: valid and invalid queries,
 * exact error positions, precedence, quoting, ASSOCIATORS/REFERENCES,
 * meta_class, event clauses, limits and hostile inputs.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#include <cmocka.h>

#include <string.h>
#include <talloc.h>

#include "wql/wql.h"

/* Parses [text] and returns its normalised form (child of [mem]). */
static char *fmt_of(void *mem, const char *text)
{
	struct wql_query *q = NULL;
	struct errinfo ei = { 0 };
	hresult hr = wql_parse(mem, text, NULL, &q, &ei);

	if (hr_failed(hr)) {
		print_error("unexpected failure for %s: %s\n", text, ei.msg);
	}
	assert_true(hr_ok(hr));
	return wql_format(mem, q);
}

static void assert_fmt(const char *text, const char *want)
{
	void *mem = talloc_new(NULL);
	char *got = fmt_of(mem, text);
	char *again = fmt_of(mem, got);

	assert_string_equal(got, want);
	assert_string_equal(again, want);
	talloc_free(mem);
}

/* Expects failure [hr] at [line]:[col] with [frag] in the message. */
static void assert_err_lim(const char *text,
                           size_t len,
                           const struct wql_limits *lim,
                           hresult hr,
                           uint32_t line,
                           uint32_t col,
                           const char *frag)
{
	void *mem = talloc_new(NULL);
	struct wql_query *q = (struct wql_query *)0x1;
	struct errinfo ei = { 0 };
	hresult got = wql_parse_n(mem, text, len, lim, &q, &ei);

	if (!hr_eq(got, hr)) {
		print_error("%.80s: got %s (%s)\n", text, hr_name(got), ei.msg);
	}
	assert_true(hr_eq(got, hr));
	assert_true(q == (struct wql_query *)0x1); /* untouched */
	assert_true(hr_eq(ei.hr, hr));
	if (line != 0) {
		assert_int_equal(ei.line, line);
		assert_int_equal(ei.col, col);
	}
	if (frag != NULL && strstr(ei.msg, frag) == NULL) {
		print_error("message '%s' lacks '%s'\n", ei.msg, frag);
		fail();
	}
	assert_int_equal(talloc_total_blocks(mem), 1); /* nothing leaked */
	talloc_free(mem);
}

static void assert_err(const char *text,
                       hresult hr,
                       uint32_t line,
                       uint32_t col,
                       const char *frag)
{
	assert_err_lim(text, strlen(text), NULL, hr, line, col, frag);
}

#define INVALID HR_WBEM_E_INVALID_QUERY

static void test_select_star(void **state)
{
	void *mem = talloc_new(NULL);
	struct wql_query *q = NULL;

	(void)state;
	assert_true(hr_ok(
	        wql_parse(mem, "select * from Win32_Process", NULL, &q, NULL)));
	assert_int_equal(q->kind, WQL_SELECT);
	assert_true(q->select_all);
	assert_string_equal(q->from_class, "Win32_Process");
	assert_null(q->where);
	assert_int_equal(q->n_props, 0);
	assert_string_equal(q->text, "select * from Win32_Process");
	talloc_free(mem);
}

static void test_select_props(void **state)
{
	void *mem = talloc_new(NULL);
	struct wql_query *q = NULL;

	(void)state;
	assert_true(hr_ok(wql_parse(mem, "SELECT Name,Handle , __CLASS FROM P",
	                            NULL, &q, NULL)));
	assert_false(q->select_all);
	assert_int_equal(q->n_props, 3);
	assert_string_equal(q->props[0], "Name");
	assert_string_equal(q->props[1], "Handle");
	assert_string_equal(q->props[2], "__CLASS");
	assert_int_equal(q->props_pos[1].col, 13);
	assert_int_equal(q->props_pos[2].col, 22);
	talloc_free(mem);
	assert_fmt("SELECT Name,Handle , __CLASS FROM P",
	           "SELECT Name, Handle, __CLASS FROM P");
}

static void test_every_operator(void **state)
{
	(void)state;
	assert_fmt("SELECT * FROM C WHERE a = 1",
	           "SELECT * FROM C WHERE a = 1");
	assert_fmt("SELECT * FROM C WHERE a<>1",
	           "SELECT * FROM C WHERE a <> 1");
	assert_fmt("SELECT * FROM C WHERE a!=1",
	           "SELECT * FROM C WHERE a <> 1");
	assert_fmt("SELECT * FROM C WHERE a<1", "SELECT * FROM C WHERE a < 1");
	assert_fmt("SELECT * FROM C WHERE a>1", "SELECT * FROM C WHERE a > 1");
	assert_fmt("SELECT * FROM C WHERE a<=1",
	           "SELECT * FROM C WHERE a <= 1");
	assert_fmt("SELECT * FROM C WHERE a>=1",
	           "SELECT * FROM C WHERE a >= 1");
	assert_fmt("SELECT * FROM C WHERE a like 'x%'",
	           "SELECT * FROM C WHERE a LIKE 'x%'");
	assert_fmt("SELECT * FROM C WHERE a not like 'x%'",
	           "SELECT * FROM C WHERE a NOT LIKE 'x%'");
	assert_fmt("SELECT * FROM C WHERE a is null",
	           "SELECT * FROM C WHERE a IS NULL");
	assert_fmt("SELECT * FROM C WHERE a IS NOT NULL",
	           "SELECT * FROM C WHERE a IS NOT NULL");
	assert_fmt("SELECT * FROM C WHERE TargetInstance isa \"Win32_Process\"",
	           "SELECT * FROM C WHERE TargetInstance ISA 'Win32_Process'");
}

static void test_null_comparisons_normalise(void **state)
{
	(void)state;
	assert_fmt("SELECT * FROM C WHERE a = NULL",
	           "SELECT * FROM C WHERE a IS NULL");
	assert_fmt("SELECT * FROM C WHERE a <> NULL",
	           "SELECT * FROM C WHERE a IS NOT NULL");
	assert_fmt("SELECT * FROM C WHERE NULL = a",
	           "SELECT * FROM C WHERE a IS NULL");
	assert_fmt("SELECT * FROM C WHERE NULL != a",
	           "SELECT * FROM C WHERE a IS NOT NULL");
	assert_err("SELECT * FROM C WHERE a >= NULL", INVALID, 1, 25,
	           "NULL can only be compared");
	assert_err("SELECT * FROM C WHERE NULL < a", INVALID, 1, 28,
	           "NULL can only be compared");
	assert_err("SELECT * FROM C WHERE a IS 5", INVALID, 1, 28,
	           "expected NULL or NOT NULL after IS, found '5'");
	assert_err("SELECT * FROM C WHERE a IS NOT TRUE", INVALID, 1, 32,
	           "expected NULL after IS NOT");
}

static void test_constant_on_left_is_mirrored(void **state)
{
	void *mem = talloc_new(NULL);
	struct wql_query *q = NULL;

	(void)state;
	assert_true(hr_ok(wql_parse(mem, "SELECT * FROM C WHERE 5 < Size", NULL,
	                            &q, NULL)));
	assert_int_equal(q->where->kind, WQL_EXPR_CMP);
	assert_int_equal(q->where->cmp.op, WQL_OP_GT);
	assert_true(q->where->cmp.lit_left);
	assert_string_equal(q->where->cmp.name, "Size");
	talloc_free(mem);
	assert_fmt("SELECT * FROM C WHERE 5 <= a",
	           "SELECT * FROM C WHERE a >= 5");
	assert_fmt("SELECT * FROM C WHERE 'x' = a",
	           "SELECT * FROM C WHERE a = 'x'");
	assert_fmt("SELECT * FROM C WHERE -1 >= a",
	           "SELECT * FROM C WHERE a <= -1");
	assert_err("SELECT * FROM C WHERE 1 = 2", INVALID, 1, 27,
	           "constant cannot be compared with another constant");
	assert_err("SELECT * FROM C WHERE a = b", INVALID, 1, 27,
	           "property cannot be compared with another property");
	assert_err("SELECT * FROM C WHERE 'x' LIKE a", INVALID, 1, 27,
	           "expected a comparison operator after the constant");
}

static void test_precedence(void **state)
{
	void *mem = talloc_new(NULL);
	struct wql_query *q = NULL;

	(void)state;
	/* NOT binds tightest, then AND, then OR. */
	assert_true(hr_ok(wql_parse(
	        mem, "SELECT * FROM C WHERE NOT a=1 AND b=2 OR c=3 AND d=4",
	        NULL, &q, NULL)));
	assert_int_equal(q->where->kind, WQL_EXPR_OR);
	assert_int_equal(q->where->n_kids, 2);
	assert_int_equal(q->where->kids[0]->kind, WQL_EXPR_AND);
	assert_int_equal(q->where->kids[0]->kids[0]->kind, WQL_EXPR_NOT);
	assert_int_equal(q->where->kids[1]->kind, WQL_EXPR_AND);
	talloc_free(mem);
	assert_fmt("SELECT * FROM C WHERE NOT a=1 AND b=2 OR c=3 AND d=4",
	           "SELECT * FROM C WHERE NOT a = 1 AND b = 2 OR c = 3 AND "
	           "d = 4");
	assert_fmt("SELECT * FROM C WHERE (a=1 OR b=2) AND c=3",
	           "SELECT * FROM C WHERE (a = 1 OR b = 2) AND c = 3");
	assert_fmt("SELECT * FROM C WHERE NOT (a=1 OR b=2)",
	           "SELECT * FROM C WHERE NOT (a = 1 OR b = 2)");
	assert_fmt("SELECT * FROM C WHERE ((a=1))",
	           "SELECT * FROM C WHERE a = 1");
	assert_fmt("SELECT * FROM C WHERE NOT NOT a=1",
	           "SELECT * FROM C WHERE NOT NOT a = 1");
	assert_fmt("SELECT * FROM C WHERE a=1 OR (b=2 OR c=3)",
	           "SELECT * FROM C WHERE a = 1 OR b = 2 OR c = 3");
}

static void test_and_chains_are_flat(void **state)
{
	void *mem = talloc_new(NULL);
	struct wql_query *q = NULL;

	(void)state;
	assert_true(hr_ok(wql_parse(
	        mem, "SELECT * FROM C WHERE (a=1 AND b=2) AND c=3 AND (d=4)",
	        NULL, &q, NULL)));
	assert_int_equal(q->where->kind, WQL_EXPR_AND);
	assert_int_equal(q->where->n_kids, 4);
	for (uint32_t k = 0; k < 4; k++) {
		assert_int_equal(q->where->kids[k]->kind, WQL_EXPR_CMP);
	}
	talloc_free(mem);
}

static void test_strings_and_escapes(void **state)
{
	void *mem = talloc_new(NULL);
	struct wql_query *q = NULL;

	(void)state;
	assert_true(hr_ok(wql_parse(
	        mem,
	        "SELECT * FROM C WHERE a = 'C:\\\\Windows\\\\x \\'q\\' \"d\"'",
	        NULL, &q, NULL)));
	assert_string_equal(q->where->cmp.lit.v.s, "C:\\Windows\\x 'q' \"d\"");
	assert_true(hr_ok(
	        wql_parse(mem, "SELECT * FROM C WHERE a = \"it's \\\"x\\\"\"",
	                  NULL, &q, NULL)));
	assert_string_equal(q->where->cmp.lit.v.s, "it's \"x\"");
	assert_true(hr_ok(wql_parse(mem, "SELECT * FROM C WHERE a = ''", NULL,
	                            &q, NULL)));
	assert_string_equal(q->where->cmp.lit.v.s, "");
	talloc_free(mem);
	assert_fmt("SELECT * FROM C WHERE a = \"it's \\\\\"",
	           "SELECT * FROM C WHERE a = 'it\\'s \\\\'");
	/* 'PCI\%' is a bad escape on Windows. */
	assert_err("SELECT * FROM C WHERE a = 'PCI\\%'", INVALID, 1, 31,
	           "bad escape '\\%'");
	assert_err("SELECT * FROM C WHERE a = 'x\\n'", INVALID, 1, 29,
	           "bad escape");
	assert_err("SELECT * FROM C WHERE a = 'abc", INVALID, 1, 27,
	           "unterminated string");
	assert_err("SELECT * FROM C WHERE a = \"abc'", INVALID, 1, 27,
	           "unterminated string");
	assert_err("SELECT * FROM C WHERE a = 'abc\\", INVALID, 1, 27,
	           "unterminated string");
}

static void test_numbers(void **state)
{
	void *mem = talloc_new(NULL);
	struct wql_query *q = NULL;
	const struct cim_value *v;

	(void)state;
	assert_true(hr_ok(wql_parse(mem, "SELECT * FROM C WHERE a = 0x1F", NULL,
	                            &q, NULL)));
	v = &q->where->cmp.lit;
	assert_int_equal(v->type, CIM_T_SINT64);
	assert_int_equal(v->v.i, 31);
	assert_true(hr_ok(wql_parse(mem, "SELECT * FROM C WHERE a = -12", NULL,
	                            &q, NULL)));
	assert_int_equal(q->where->cmp.lit.v.i, -12);
	assert_true(hr_ok(
	        wql_parse(mem, "SELECT * FROM C WHERE a = 18446744073709551615",
	                  NULL, &q, NULL)));
	assert_int_equal(q->where->cmp.lit.type, CIM_T_UINT64);
	assert_true(q->where->cmp.lit.v.u == UINT64_MAX);
	assert_true(hr_ok(
	        wql_parse(mem, "SELECT * FROM C WHERE a = -9223372036854775808",
	                  NULL, &q, NULL)));
	assert_true(q->where->cmp.lit.v.i == INT64_MIN);
	assert_true(hr_ok(wql_parse(mem, "SELECT * FROM C WHERE a = 2.5e3",
	                            NULL, &q, NULL)));
	assert_int_equal(q->where->cmp.lit.type, CIM_T_REAL64);
	assert_true(q->where->cmp.lit.v.r == 2500.0);
	assert_true(hr_ok(wql_parse(mem, "SELECT * FROM C WHERE a = TRUE", NULL,
	                            &q, NULL)));
	assert_int_equal(q->where->cmp.lit.type, CIM_T_BOOLEAN);
	assert_true(q->where->cmp.lit.v.b);
	talloc_free(mem);
	assert_fmt("SELECT * FROM C WHERE a = 1.50",
	           "SELECT * FROM C WHERE a = 1.5");
	assert_fmt("SELECT * FROM C WHERE a = 5.",
	           "SELECT * FROM C WHERE a = 5.0");
	assert_fmt("SELECT * FROM C WHERE a = +7",
	           "SELECT * FROM C WHERE a = 7");
	assert_fmt("SELECT * FROM C WHERE a = false",
	           "SELECT * FROM C WHERE a = FALSE");
	assert_err("SELECT * FROM C WHERE a = 18446744073709551616", INVALID, 1,
	           27, "integer out of range");
	assert_err("SELECT * FROM C WHERE a = -9223372036854775809", INVALID, 1,
	           28, "integer out of range");
	assert_err("SELECT * FROM C WHERE a = 0x", INVALID, 1, 27,
	           "bad hex number");
	assert_err("SELECT * FROM C WHERE a = 12ab", INVALID, 1, 27,
	           "bad number");
	assert_err("SELECT * FROM C WHERE a = 1e999", INVALID, 1, 27,
	           "out of range");
	assert_err("SELECT * FROM C WHERE a = - b", INVALID, 1, 29,
	           "expected a number after the sign");
}

static void test_keywords_case_insensitive(void **state)
{
	(void)state;
	assert_fmt(
	        "sElEcT * fRoM c wHeRe NoT a = 1 aNd b iS nOt NuLl oR c "
	        "LiKe 'x'",
	        "SELECT * FROM c WHERE NOT a = 1 AND b IS NOT NULL OR c LIKE "
	        "'x'");
}

static void test_reserved_words(void **state)
{
	(void)state;
	assert_err("SELECT * FROM C WHERE null = 1", INVALID, 1, 30,
	           "constant cannot be compared with another constant");
	assert_err("SELECT * FROM C WHERE a = 1 AND True = x.false", INVALID, 1,
	           42, "expected a property name, found 'false'");
	assert_err("SELECT TRUE FROM C", INVALID, 1, 8,
	           "expected '*' or a property name, found 'TRUE'");
	assert_err("SELECT * FROM Where", INVALID, 1, 15,
	           "expected a class name, found 'Where'");
	assert_err("SELECT * FROM C WHERE AND = 1", INVALID, 1, 23,
	           "expected a property name or a constant, found 'AND'");
}

static void test_syntax_error_positions(void **state)
{
	(void)state;
	assert_err("SELECT * FORM X", INVALID, 1, 10,
	           "wql: 1:10: expected FROM, found 'FORM'");
	assert_err("SELECT a b FROM X", INVALID, 1, 10,
	           "expected ',' or FROM, found 'b'");
	assert_err("SELECT * FROM", INVALID, 1, 14,
	           "expected a class name, found end of query");
	assert_err("SELECT * FROM X WHERE", INVALID, 1, 22,
	           "found end of query");
	assert_err("SELECT * FROM X WHERE a", INVALID, 1, 24,
	           "expected an operator");
	assert_err("SELECT * FROM X WHERE (a = 1", INVALID, 1, 29,
	           "expected ')', found end of query");
	assert_err("SELECT * FROM X WHERE a = 1)", INVALID, 1, 28,
	           "expected AND, OR or end of query, found ')'");
	assert_err("SELECT * FROM X Y", INVALID, 1, 17,
	           "expected WHERE or end of query, found 'Y'");
	assert_err("DELETE FROM X", INVALID, 1, 1,
	           "expected SELECT, ASSOCIATORS OF or REFERENCES OF");
	assert_err("SELECT *\nFROM X\n  WHERE a = 1 AND", INVALID, 3, 18,
	           "wql: 3:18:");
	assert_err("SELECT * FROM X WHERE a = 1 & b = 2", INVALID, 1, 29,
	           "unexpected character '&'");
	assert_err("SELECT * FROM X WHERE a LIKE 5", INVALID, 1, 30,
	           "expected a quoted pattern");
	assert_err("SELECT * FROM X WHERE a ISA Foo", INVALID, 1, 29,
	           "expected a quoted class name");
	assert_err("SELECT * FROM X WHERE a = 1 ORDER BY a", INVALID, 1, 29,
	           "found 'ORDER'");
}

static void test_lex_error_after_syntax_error(void **state)
{
	(void)state;
	/* The syntax error comes first in the text, so it is reported. */
	assert_err("SELECT * FORM X WHERE a = 'PCI\\%'", INVALID, 1, 10,
	           "expected FROM");
	assert_err("SELECT * FROM X WHERE a = 'PCI\\%' FORM", INVALID, 1, 31,
	           "bad escape");
}

static void test_columns_count_code_points(void **state)
{
	(void)state;
	/* "é" is two bytes but one column. */
	assert_err("SELECT * FROM C WHERE \xc3\xa9t\xc3\xa9 = 1 X", INVALID, 1,
	           31, "found 'X'");
}

static void test_dotted_names(void **state)
{
	void *mem = talloc_new(NULL);
	struct wql_query *q = NULL;

	(void)state;
	assert_true(hr_eq(
	        wql_parse(mem,
	                  "SELECT * FROM E WHERE "
	                  "TargetInstance.State <> PreviousInstance.State",
	                  NULL, &q, NULL),
	        HR_WBEM_E_INVALID_QUERY));
	assert_true(hr_ok(wql_parse(
	        mem,
	        "SELECT * FROM __InstanceModificationEvent WITHIN 5 WHERE "
	        "TargetInstance ISA 'Win32_Service' AND "
	        "TargetInstance.State = 'Stopped'",
	        NULL, &q, NULL)));
	assert_int_equal(q->where->kids[1]->cmp.n_seg, 2);
	assert_string_equal(q->where->kids[1]->cmp.seg[0], "TargetInstance");
	assert_string_equal(q->where->kids[1]->cmp.seg[1], "State");
	assert_string_equal(q->where->kids[1]->cmp.name,
	                    "TargetInstance.State");
	assert_true(q->has_within);
	assert_true(q->within == 5.0);
	talloc_free(mem);
	assert_err("SELECT * FROM C WHERE a. = 1", INVALID, 1, 26,
	           "expected a property name");
}

static void test_system_properties_and_this(void **state)
{
	(void)state;
	assert_fmt("SELECT __PATH, __RELPATH FROM C WHERE __CLASS = 'C'",
	           "SELECT __PATH, __RELPATH FROM C WHERE __CLASS = 'C'");
	assert_fmt("SELECT * FROM C WHERE __this ISA 'D'",
	           "SELECT * FROM C WHERE __this ISA 'D'");
	assert_err("SELECT * FROM C WHERE __this = 'D'", INVALID, 1, 23,
	           "__this can only be used as '__this ISA'");
}

static void test_meta_class(void **state)
{
	void *mem = talloc_new(NULL);
	struct wql_query *q = NULL;

	(void)state;
	assert_true(
	        hr_ok(wql_parse(mem,
	                        "SELECT * FROM meta_class WHERE __this ISA "
	                        "'CIM_Process' AND __CLASS = 'Win32_Process'",
	                        NULL, &q, NULL)));
	assert_int_equal(q->kind, WQL_META_CLASS);
	assert_true(q->select_all);
	talloc_free(mem);
	assert_fmt("select * from META_CLASS", "SELECT * FROM META_CLASS");
	assert_err("SELECT Name FROM meta_class", INVALID, 1, 8,
	           "only * can be selected from meta_class");
	assert_err("SELECT * FROM meta_class WHERE Name = 'x'", INVALID, 1, 32,
	           "only system properties and __this");
	assert_err("SELECT * FROM meta_class WITHIN 5", INVALID, 1, 15,
	           "no event clauses");
}

static void test_event_clauses(void **state)
{
	void *mem = talloc_new(NULL);
	struct wql_query *q = NULL;

	(void)state;
	assert_true(hr_ok(wql_parse(
	        mem,
	        "SELECT * FROM __InstanceCreationEvent WHERE TargetInstance "
	        "ISA 'Win32_Process' WITHIN 0.5 GROUP WITHIN 60 BY Foo, Bar "
	        "HAVING NumberOfEvents > 10",
	        NULL, &q, NULL)));
	assert_true(q->has_within);
	assert_true(q->within == 0.5);
	assert_true(q->has_group_within);
	assert_true(q->group_within == 60.0);
	assert_int_equal(q->n_group_by, 2);
	assert_string_equal(q->group_by[1], "Bar");
	assert_non_null(q->having);
	assert_int_equal(q->having->cmp.op, WQL_OP_GT);
	talloc_free(mem);
	assert_fmt("SELECT * FROM E WHERE a = 1 WITHIN 2 GROUP WITHIN 3 BY b "
	           "HAVING NumberOfEvents >= 2",
	           "SELECT * FROM E WITHIN 2.0 WHERE a = 1 GROUP WITHIN 3.0 BY "
	           "b HAVING NumberOfEvents >= 2");
	assert_err("SELECT * FROM E WITHIN x", HR_WBEM_E_UNPARSABLE_QUERY, 1,
	           24, "expected a positive number of seconds after WITHIN");
	assert_err("SELECT * FROM E WITHIN 0", HR_WBEM_E_UNPARSABLE_QUERY, 1,
	           24, NULL);
	assert_err("SELECT * FROM E GROUP BY a", HR_WBEM_E_UNPARSABLE_QUERY, 1,
	           23, "expected WITHIN after GROUP");
	assert_err("SELECT * FROM E WHERE a = 1 BY a",
	           HR_WBEM_E_MISSING_GROUP_WITHIN, 1, 29, "BY without GROUP");
	assert_err("SELECT * FROM E WITHIN 1 WITHIN 2", INVALID, 1, 26,
	           "found 'WITHIN'");
}

static void test_associators(void **state)
{
	void *mem = talloc_new(NULL);
	struct wql_query *q = NULL;

	(void)state;
	assert_true(hr_ok(wql_parse(
	        mem,
	        "associators of {Win32_Service.Name=\"Spooler\"} where "
	        "assocclass=Win32_DependentService ResultClass = "
	        "Win32_Service role=Antecedent ResultRole=Dependent "
	        "RequiredQualifier=Q1 RequiredAssocQualifier=Q2 KeysOnly",
	        NULL, &q, NULL)));
	assert_int_equal(q->kind, WQL_ASSOCIATORS);
	assert_string_equal(q->path, "Win32_Service.Name=\"Spooler\"");
	assert_string_equal(q->assoc_class, "Win32_DependentService");
	assert_string_equal(q->result_class, "Win32_Service");
	assert_string_equal(q->role, "Antecedent");
	assert_string_equal(q->result_role, "Dependent");
	assert_string_equal(q->required_qualifier, "Q1");
	assert_string_equal(q->required_assoc_qualifier, "Q2");
	assert_true(q->keys_only);
	assert_false(q->class_defs_only);
	assert_false(q->schema_only);
	assert_null(q->where);
	talloc_free(mem);
	assert_fmt("ASSOCIATORS OF { Win32_LogicalDisk.DeviceID=\"C:\" }",
	           "ASSOCIATORS OF {Win32_LogicalDisk.DeviceID=\"C:\"}");
	assert_fmt("ASSOCIATORS OF {Win32_Process} WHERE schemaonly",
	           "ASSOCIATORS OF {Win32_Process} WHERE SchemaOnly");
	assert_fmt("ASSOCIATORS OF {A.k=\"x y}\"} WHERE ClassDefsOnly",
	           "ASSOCIATORS OF {A.k=\"x y}\"} WHERE ClassDefsOnly");
}

static void test_references(void **state)
{
	void *mem = talloc_new(NULL);
	struct wql_query *q = NULL;

	(void)state;
	assert_true(hr_ok(wql_parse(mem,
	                            "REFERENCES OF {\\\\.\\root\\cimv2:A.k=1} "
	                            "WHERE ResultClass=Assoc Role=Group "
	                            "RequiredQualifier=Association KeysOnly",
	                            NULL, &q, NULL)));
	assert_int_equal(q->kind, WQL_REFERENCES);
	assert_string_equal(q->path, "\\\\.\\root\\cimv2:A.k=1");
	assert_string_equal(q->result_class, "Assoc");
	assert_string_equal(q->role, "Group");
	assert_true(q->keys_only);
	talloc_free(mem);
	assert_fmt("references of {A=@} where classdefsonly",
	           "REFERENCES OF {A=@} WHERE ClassDefsOnly");
	assert_err("REFERENCES OF {A=@} WHERE AssocClass = X", INVALID, 1, 27,
	           "AssocClass is not valid in REFERENCES OF");
	assert_err("REFERENCES OF {A=@} WHERE ResultRole = X", INVALID, 1, 27,
	           "ResultRole is not valid in REFERENCES OF");
}

static void test_assoc_errors(void **state)
{
	(void)state;
	assert_err("ASSOCIATORS {A=@}", INVALID, 1, 13,
	           "expected OF after ASSOCIATORS");
	assert_err("ASSOCIATORS OF A=@", INVALID, 1, 16,
	           "expected an object path in braces");
	assert_err("ASSOCIATORS OF {A.k=\"x\"", INVALID, 1, 16,
	           "unterminated object path");
	assert_err("ASSOCIATORS OF {}", INVALID, 1, 16, "empty object path");
	assert_err("ASSOCIATORS OF {A.k = 1}", INVALID, 1, 20,
	           "whitespace in object path");
	assert_err("ASSOCIATORS OF {A..k=1}", INVALID, 1, 16,
	           "invalid object path");
	assert_err("ASSOCIATORS OF {A=@} WHERE", INVALID, 1, 27,
	           "expected a subclause after WHERE");
	assert_err("ASSOCIATORS OF {A=@} WHERE Foo", INVALID, 1, 28,
	           "expected an ASSOCIATORS OF subclause, found 'Foo'");
	assert_err("ASSOCIATORS OF {A=@} WHERE AssocClass X", INVALID, 1, 39,
	           "expected '=' after AssocClass");
	assert_err("ASSOCIATORS OF {A=@} WHERE AssocClass = 'X'", INVALID, 1,
	           41, "expected a name after AssocClass =");
	assert_err("ASSOCIATORS OF {A=@} WHERE AssocClass != X", INVALID, 1, 39,
	           "expected '=' after AssocClass");
	assert_err("ASSOCIATORS OF {A=@} WHERE Role=a AND Role=b", INVALID, 1,
	           35, "found 'AND'");
	assert_err("ASSOCIATORS OF {A=@} WHERE Role=a Role=b", INVALID, 1, 35,
	           "Role given twice");
	assert_err("ASSOCIATORS OF {A=@} WHERE ClassDefsOnly ResultClass=B",
	           INVALID, 1, 28,
	           "ClassDefsOnly cannot be used with ResultClass");
	assert_err("ASSOCIATORS OF {A} WHERE SchemaOnly ClassDefsOnly", INVALID,
	           1, 37, "ClassDefsOnly cannot be used with SchemaOnly");
	assert_err("ASSOCIATORS OF {A=@} X", INVALID, 1, 22,
	           "expected WHERE or end of query");
}

static void test_language_check(void **state)
{
	void *mem = talloc_new(NULL);
	struct wql_query *q = NULL;
	struct errinfo ei = { 0 };

	(void)state;
	assert_true(hr_ok(
	        wql_parse_lang(mem, "wql", "SELECT * FROM A", NULL, &q, NULL)));
	assert_true(hr_eq(
	        wql_parse_lang(mem, "SQL", "SELECT * FROM A", NULL, &q, &ei),
	        HR_WBEM_E_INVALID_QUERY_TYPE));
	assert_non_null(strstr(ei.msg, "SQL"));
	assert_true(hr_eq(
	        wql_parse_lang(mem, NULL, "SELECT * FROM A", NULL, &q, NULL),
	        HR_WBEM_E_INVALID_PARAMETER));
	talloc_free(mem);
}

static void test_empty_and_null_text(void **state)
{
	void *mem = talloc_new(NULL);
	struct wql_query *q = NULL;

	(void)state;
	assert_true(hr_eq(wql_parse(mem, NULL, NULL, &q, NULL),
	                  HR_WBEM_E_INVALID_PARAMETER));
	assert_err("", HR_WBEM_E_INVALID_PARAMETER, 0, 0, "empty query");
	assert_err("  \t\n ", HR_WBEM_E_INVALID_PARAMETER, 0, 0, NULL);
	talloc_free(mem);
}

static void test_embedded_nul_and_bad_utf8(void **state)
{
	(void)state;
	assert_err_lim("SELECT * FROM A\0 WHERE", 22, NULL, INVALID, 1, 16,
	               "NUL character");
	assert_err("SELECT * FROM A WHERE b = '\xff'", INVALID, 1, 28,
	           "invalid UTF-8");
	assert_err("SELECT * FROM \xc3\x28", INVALID, 1, 15, "invalid UTF-8");
	assert_err("SELECT * FROM A WHERE \xed\xa0\x80 = 1", INVALID, 1, 23,
	           "invalid UTF-8");
}

/* Returns [prefix] followed by [n] copies of [c] (child of [mem]). */
static char *repeat(void *mem, const char *prefix, char c, size_t n)
{
	char *s = talloc_strdup(mem, prefix);
	size_t len = strlen(prefix);

	assert_non_null(s);
	s = talloc_realloc(mem, s, char, len + n + 1);
	assert_non_null(s);
	for (size_t k = 0; k < n; k++) {
		s[len + k] = c;
	}
	s[len + n] = '\0';
	return s;
}

static void test_text_limit(void **state)
{
	void *mem = talloc_new(NULL);
	size_t n = 10u * 1024 * 1024;
	char *big = repeat(mem, "SELECT * FROM ", 'A', n);
	struct wql_limits lim = { .max_text = 100 };

	(void)state;
	/* A 10 MB identifier. */
	assert_err(big, HR_WBEM_E_QUOTA_VIOLATION, 0, 0, "more than the limit");
	/* Allowed when the limit says so: a clean parse, no quadratic time. */
	lim.max_text = n + 100;
	{
		struct wql_query *q = NULL;

		assert_true(hr_ok(wql_parse(mem, big, &lim, &q, NULL)));
		assert_int_equal(strlen(q->from_class), n);
	}
	lim.max_text = 20;
	assert_err_lim("SELECT * FROM Win32_Process", 27, &lim,
	               HR_WBEM_E_QUOTA_VIOLATION, 0, 0, NULL);
	talloc_free(mem);
}

static void test_deep_nesting_is_a_quota_error(void **state)
{
	void *mem = talloc_new(NULL);
	size_t depth = 100000;
	size_t n = 22 + depth + 5 + depth;
	char *s = talloc_array(mem, char, n + 1);
	struct wql_limits lim = { .max_text = 1u << 20 };
	char *p = s;

	(void)state;
	memcpy(p, "SELECT * FROM C WHERE ", 22);
	p += 22;
	memset(p, '(', depth);
	p += depth;
	memcpy(p, "a = 1", 5);
	p += 5;
	memset(p, ')', depth);
	p += depth;
	*p = '\0';
	/* Depth limit 256: the 257th '(' is at column 22 + 257. */
	assert_err_lim(s, n, &lim, HR_WBEM_E_QUOTA_VIOLATION, 1, 23 + 257,
	               "nested deeper than 256");
	/* Without a text limit this size is refused before parsing. */
	assert_err_lim(s, n, NULL, HR_WBEM_E_QUOTA_VIOLATION, 0, 0, NULL);
	/* NOT chains count too. */
	p = s + 22;
	for (size_t k = 0; k < 300; k++) {
		memcpy(p, "NOT ", 4);
		p += 4;
	}
	memcpy(p, "a = 1", 6);
	assert_err(s, HR_WBEM_E_QUOTA_VIOLATION, 1, 0 + 23 + 4 * 257,
	           "nested deeper");
	/* Exactly at the limit is fine. */
	{
		struct wql_limits l2 = { .max_depth = 300 };
		struct wql_query *q = NULL;

		assert_true(hr_ok(wql_parse(mem, s, &l2, &q, NULL)));
	}
	talloc_free(mem);
}

static void test_term_limit(void **state)
{
	void *mem = talloc_new(NULL);
	char *s = talloc_strdup(mem, "SELECT * FROM C WHERE a = 0");
	struct wql_limits lim = { .max_terms = 10 };
	struct wql_query *q = NULL;
	struct errinfo ei = { 0 };

	(void)state;
	for (int k = 1; k < 10; k++) {
		s = talloc_asprintf_append(s, " OR a = %d", k);
	}
	assert_true(hr_ok(wql_parse(mem, s, &lim, &q, NULL)));
	assert_int_equal(q->where->n_kids, 10);
	s = talloc_asprintf_append(s, " AND b = 1");
	assert_true(hr_eq(wql_parse(mem, s, &lim, &q, &ei),
	                  HR_WBEM_E_QUOTA_VIOLATION));
	assert_non_null(strstr(ei.msg, "more than 10 terms"));
	/* Selected properties count as terms too. */
	assert_true(hr_eq(wql_parse(mem, "SELECT a,b,c,d,e,f,g,h,i,j,k FROM C",
	                            &lim, &q, NULL),
	                  HR_WBEM_E_QUOTA_VIOLATION));
	/* Default: 5000 ORs are too many, 4000 fine. */
	s = talloc_strdup(mem, "SELECT * FROM C WHERE a = 0");
	for (int k = 1; k < 4000; k++) {
		s = talloc_asprintf_append(s, " OR a=%d", k);
	}
	assert_true(hr_ok(wql_parse(mem, s, NULL, &q, NULL)));
	for (int k = 4000; k < 5000; k++) {
		s = talloc_asprintf_append(s, " OR a=%d", k);
	}
	{
		struct wql_limits big = { .max_text = 1u << 20 };

		assert_true(hr_eq(wql_parse(mem, s, &big, &q, NULL),
		                  HR_WBEM_E_QUOTA_VIOLATION));
	}
	talloc_free(mem);
}

static void test_unicode_names_and_strings(void **state)
{
	assert_fmt("SELECT * FROM Klasse WHERE Gr\xc3\xb6\xc3\x9f"
	           "e = "
	           "'\xe2\x82\xac'",
	           "SELECT * FROM Klasse WHERE Gr\xc3\xb6\xc3\x9f"
	           "e = "
	           "'\xe2\x82\xac'");
	(void)state;
}

static void test_format_reals_round_trip(void **state)
{
	(void)state;
	assert_fmt("SELECT * FROM C WHERE a = 1e20",
	           "SELECT * FROM C WHERE a = 1e+20");
	assert_fmt("SELECT * FROM C WHERE a = 0.1",
	           "SELECT * FROM C WHERE a = 0.10000000000000001");
	assert_fmt("SELECT * FROM C WHERE a = -0.0",
	           "SELECT * FROM C WHERE a = -0.0");
}

static void test_dotted_name_spacing_normalised(void **state)
{
	(void)state;
	assert_fmt("SELECT * FROM E WHERE TargetInstance . Name = 1",
	           "SELECT * FROM E WHERE TargetInstance.Name = 1");
}

/*
 * Caps the bytes under [ctx] to provoke E_OUTOFMEMORY.  talloc marks
 * talloc_set_memlimit deprecated, but it is the byte ceiling STYLE.md
 * section 5 names.
 */
#pragma GCC diagnostic push
#pragma GCC diagnostic ignored "-Wdeprecated-declarations"
static int memlimit(void *ctx, size_t n)
{
	return talloc_set_memlimit(ctx, n);
}
#pragma GCC diagnostic pop

/* Every allocation failure gives a clean E_OUTOFMEMORY and no leak. */
static void test_out_of_memory_is_clean(void **state)
{
	static const char *const texts[] = {
		"SELECT a, b FROM C WHERE NOT (x = 'y' OR z LIKE '%q[a-c]') AND "
		"T.U.V IS NOT NULL WITHIN 2 GROUP WITHIN 5 BY a, b HAVING "
		"NumberOfEvents > 1",
		"ASSOCIATORS OF {A.k=\"v\",j=2} WHERE AssocClass = B Role = R "
		"KeysOnly",
		"SELECT * FROM meta_class WHERE __this ISA 'X'",
	};

	(void)state;
	for (size_t t = 0; t < sizeof(texts) / sizeof(texts[0]); t++) {
		bool done = false;
		uint32_t n_oom = 0;

		for (size_t limit = 64; !done && limit < 65536; limit += 8) {
			void *root = talloc_new(NULL);
			void *mem = talloc_new(root);
			struct wql_query *q = NULL;
			struct errinfo ei = { 0 };
			hresult hr;

			assert_int_equal(memlimit(mem, limit), 0);
			hr = wql_parse(mem, texts[t], NULL, &q, &ei);
			if (hr_ok(hr)) {
				done = true;
				assert_non_null(q);
			} else {
				assert_true(hr_eq(hr, HR_E_OUTOFMEMORY));
				assert_true(hr_eq(ei.hr, HR_E_OUTOFMEMORY));
				assert_null(q);
				assert_int_equal(talloc_total_blocks(mem), 1);
				n_oom++;
			}
			talloc_free(root);
		}
		assert_true(done);
		assert_true(n_oom > 10);
	}
}

static void test_op_names(void **state)
{
	(void)state;
	assert_string_equal(wql_op_name(WQL_OP_NOT_LIKE), "NOT LIKE");
	assert_string_equal(wql_op_name(WQL_OP_IS_NOT_NULL), "IS NOT NULL");
	assert_string_equal(wql_op_name(WQL_OP_ISA), "ISA");
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_select_star),
		cmocka_unit_test(test_select_props),
		cmocka_unit_test(test_every_operator),
		cmocka_unit_test(test_null_comparisons_normalise),
		cmocka_unit_test(test_constant_on_left_is_mirrored),
		cmocka_unit_test(test_precedence),
		cmocka_unit_test(test_and_chains_are_flat),
		cmocka_unit_test(test_strings_and_escapes),
		cmocka_unit_test(test_numbers),
		cmocka_unit_test(test_keywords_case_insensitive),
		cmocka_unit_test(test_reserved_words),
		cmocka_unit_test(test_syntax_error_positions),
		cmocka_unit_test(test_lex_error_after_syntax_error),
		cmocka_unit_test(test_columns_count_code_points),
		cmocka_unit_test(test_dotted_names),
		cmocka_unit_test(test_system_properties_and_this),
		cmocka_unit_test(test_meta_class),
		cmocka_unit_test(test_event_clauses),
		cmocka_unit_test(test_associators),
		cmocka_unit_test(test_references),
		cmocka_unit_test(test_assoc_errors),
		cmocka_unit_test(test_language_check),
		cmocka_unit_test(test_empty_and_null_text),
		cmocka_unit_test(test_embedded_nul_and_bad_utf8),
		cmocka_unit_test(test_text_limit),
		cmocka_unit_test(test_deep_nesting_is_a_quota_error),
		cmocka_unit_test(test_term_limit),
		cmocka_unit_test(test_unicode_names_and_strings),
		cmocka_unit_test(test_format_reals_round_trip),
		cmocka_unit_test(test_dotted_name_spacing_normalised),
		cmocka_unit_test(test_out_of_memory_is_clean),
		cmocka_unit_test(test_op_names),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
