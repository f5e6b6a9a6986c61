/*
 * Unit tests for wql binding and evaluation against real cim classes and
 * instances: every operator per type, NULL rules, datetimes, system
 * properties, embedded objects and ISA, meta_class evaluation, the
 * planning helpers, and the LIKE scan speed target.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#include <cmocka.h>

#include <stdio.h>
#include <string.h>
#include <talloc.h>
#include <time.h>

#include "wql/wql.h"

/* ---- fixtures ---------------------------------------------------------- */

static struct cim_value v_str(uint32_t type, const char *s)
{
	struct cim_value v = { .type = type };

	v.v.s = (char *)s;
	return v;
}

static struct cim_value v_sint(uint32_t type, int64_t i)
{
	struct cim_value v = { .type = type };

	v.v.i = i;
	return v;
}

static struct cim_value v_uint(uint32_t type, uint64_t u)
{
	struct cim_value v = { .type = type };

	v.v.u = u;
	return v;
}

static struct cim_value v_real(double r)
{
	struct cim_value v = { .type = CIM_T_REAL64 };

	v.v.r = r;
	return v;
}

static struct cim_value v_bool(bool b)
{
	struct cim_value v = { .type = CIM_T_BOOLEAN };

	v.v.b = b;
	return v;
}

static struct cim_class *resolve(void *mem,
                                 struct cim_class *local,
                                 const struct cim_class *parent)
{
	struct cim_class *r = NULL;
	struct errinfo ei = { 0 };
	hresult hr = cim_class_resolve(mem, local, parent, &r, &ei);

	if (hr_failed(hr)) {
		fail_msg("resolve %s: %s %s", local->name, hr_name(hr), ei.msg);
	}
	return r;
}

static void add(struct cim_class *c, const char *name, uint32_t type, bool key)
{
	struct cim_property *p = cim_class_add_prop(c, name, type);

	assert_non_null(p);
	if (key) {
		struct cim_value t = v_bool(true);

		assert_true(hr_ok(cim_qset_set(c, &p->quals, "key", &t,
		                               CIM_FLAVOR_TO_SUBCLASS)));
	}
}

struct fix {
	void *mem;
	struct cim_class *base;    /* Test_Base: key Name + typed props */
	struct cim_class *derived; /* Test_Derived : Test_Base, + Extra */
	struct cim_class *event;   /* Test_Event: TargetInstance object */
	struct cim_class *multi;   /* Test_Multi: keys Id (uint32), Tag */
	struct cim_instance *inst; /* a Test_Derived */
};

static struct fix F;

static void set(struct cim_instance *inst, const char *name, struct cim_value v)
{
	hresult hr = cim_instance_set(inst, name, &v);

	if (hr_failed(hr)) {
		fail_msg("set %s: %s", name, hr_name(hr));
	}
}

static int setup(void **state)
{
	struct cim_class *l;
	char *tags[] = { "a", "b" };
	struct cim_value arr = { .type = CIM_T_STRING | CIM_FLAG_ARRAY };

	(void)state;
	F.mem = talloc_new(NULL);
	l = cim_class_new(F.mem, "Test_Base", NULL);
	add(l, "Name", CIM_T_STRING, true);
	add(l, "Size", CIM_T_UINT64, false);
	add(l, "Count", CIM_T_SINT32, false);
	add(l, "Small", CIM_T_UINT8, false);
	add(l, "Ratio", CIM_T_REAL64, false);
	add(l, "Enabled", CIM_T_BOOLEAN, false);
	add(l, "Created", CIM_T_DATETIME, false);
	add(l, "Uptime", CIM_T_DATETIME, false);
	add(l, "Tags", CIM_T_STRING | CIM_FLAG_ARRAY, false);
	add(l, "Letter", CIM_T_CHAR16, false);
	add(l, "Owner", CIM_T_REFERENCE, false);
	add(l, "Child", CIM_T_OBJECT, false);
	add(l, "Missing", CIM_T_STRING, false);
	F.base = resolve(F.mem, l, NULL);
	l = cim_class_new(F.mem, "Test_Derived", "Test_Base");
	add(l, "Extra", CIM_T_STRING, false);
	F.derived = resolve(F.mem, l, F.base);
	l = cim_class_new(F.mem, "Test_Event", NULL);
	add(l, "TargetInstance", CIM_T_OBJECT, false);
	add(l, "Count", CIM_T_UINT32, false);
	F.event = resolve(F.mem, l, NULL);
	l = cim_class_new(F.mem, "Test_Multi", NULL);
	add(l, "Tag", CIM_T_STRING, true);
	add(l, "Id", CIM_T_UINT32, true);
	add(l, "Flag", CIM_T_BOOLEAN, false);
	F.multi = resolve(F.mem, l, NULL);

	F.inst = cim_instance_new(F.mem, F.derived);
	assert_non_null(F.inst);
	set(F.inst, "Name", v_str(CIM_T_STRING, "Notepad.exe"));
	set(F.inst, "Size", v_uint(CIM_T_UINT64, 200));
	set(F.inst, "Count", v_sint(CIM_T_SINT32, -1));
	set(F.inst, "Small", v_uint(CIM_T_UINT8, 7));
	set(F.inst, "Ratio", v_real(2.5));
	set(F.inst, "Enabled", v_bool(true));
	set(F.inst, "Created",
	    v_str(CIM_T_DATETIME, "20240131130000.000000+060"));
	set(F.inst, "Uptime",
	    v_str(CIM_T_DATETIME, "00000001132312.000000:000"));
	arr.v.a.n = 2;
	arr.v.a.e.s = tags;
	set(F.inst, "Tags", arr);
	set(F.inst, "Letter", v_uint(CIM_T_CHAR16, 'Q'));
	set(F.inst, "Owner",
	    v_str(CIM_T_REFERENCE, "Test_Base.Name=\"Parent\""));
	set(F.inst, "Extra", v_str(CIM_T_STRING, "C:\\Windows"));
	*state = &F;
	return 0;
}

static int teardown(void **state)
{
	(void)state;
	talloc_free(F.mem);
	memset(&F, 0, sizeof(F));
	return 0;
}

/* Parses [text], binds it to [cls] when not NULL, returns the query. */
static struct wql_query *q_of(void *mem,
                              const char *text,
                              const struct cim_class *cls)
{
	struct wql_query *q = NULL;
	struct errinfo ei = { 0 };
	hresult hr = wql_parse(mem, text, NULL, &q, &ei);

	if (hr_failed(hr)) {
		fail_msg("parse %s: %s", text, ei.msg);
	}
	if (cls != NULL) {
		hr = wql_bind(q, cls, &ei);
		if (hr_failed(hr)) {
			fail_msg("bind %s: %s", text, ei.msg);
		}
	}
	return q;
}

/* Evaluates [where] on [inst] bound and unbound; both must agree. */
static bool eval_inst(const struct cim_instance *inst, const char *where)
{
	void *mem = talloc_new(NULL);
	char *text = talloc_asprintf(mem, "SELECT * FROM %s WHERE %s",
	                             inst->cls->name, where);
	struct wql_query *bound = q_of(mem, text, inst->cls);
	struct wql_query *raw = q_of(mem, text, NULL);
	bool m1 = false, m2 = false;

	assert_true(hr_ok(wql_eval(bound, inst, "HOST", "root\\test", &m1)));
	assert_true(hr_ok(wql_eval(raw, inst, "HOST", "root\\test", &m2)));
	if (m1 != m2) {
		fail_msg("bound and unbound disagree on %s", where);
	}
	talloc_free(mem);
	return m1;
}

static bool eval(const char *where)
{
	return eval_inst(F.inst, where);
}

#define YES(w)                                               \
	do {                                                 \
		if (!eval(w))                                \
			fail_msg("expected a match: %s", w); \
	} while (0)
#define NO(w)                                                 \
	do {                                                  \
		if (eval(w))                                  \
			fail_msg("expected no match: %s", w); \
	} while (0)

/* Expects wql_bind of [text] to fail at column [col] with [frag]. */
static void bind_err(const char *text, uint32_t col, const char *frag)
{
	void *mem = talloc_new(NULL);
	struct wql_query *q = q_of(mem, text, NULL);
	struct errinfo ei = { 0 };
	bool m = true;
	hresult hr = wql_bind(q, F.base, &ei);

	if (!hr_eq(hr, HR_WBEM_E_INVALID_QUERY)) {
		fail_msg("bind %s: got %s", text, hr_name(hr));
	}
	assert_int_equal(ei.col, col);
	if (strstr(ei.msg, frag) == NULL) {
		fail_msg("message '%s' lacks '%s'", ei.msg, frag);
	}
	/* Unbound evaluation of the same query fails the same way. */
	q = q_of(mem, text, NULL);
	hr = wql_eval(q, F.inst, NULL, NULL, &m);
	if (strstr(frag, "unknown") == NULL &&
	    strstr(frag, "embedded object") == NULL) {
		assert_true(hr_eq(hr, HR_WBEM_E_INVALID_QUERY));
		assert_false(m);
	}
	talloc_free(mem);
}

/* ---- tests ------------------------------------------------------------- */

static void test_no_where_matches(void **state)
{
	void *mem = talloc_new(NULL);
	struct wql_query *q = q_of(mem, "SELECT * FROM Test_Base", F.base);
	bool m = false;

	(void)state;
	assert_true(hr_ok(wql_eval(q, F.inst, NULL, NULL, &m)));
	assert_true(m);
	assert_true(hr_eq(wql_eval(NULL, F.inst, NULL, NULL, &m),
	                  HR_WBEM_E_INVALID_PARAMETER));
	assert_true(hr_eq(wql_eval(q, NULL, NULL, NULL, &m),
	                  HR_WBEM_E_INVALID_PARAMETER));
	talloc_free(mem);
}

static void test_strings(void **state)
{
	(void)state;
	YES("Name = 'notepad.EXE'");
	YES("Name <> 'calc.exe'");
	YES("Name != 'calc.exe'");
	NO("Name = 'notepad'");
	YES("Name > 'M'");
	YES("Name < 'o'");
	YES("Name >= 'NOTEPAD.EXE'");
	YES("Name <= 'notepad.exe'");
	NO("Name < 'NOTEPAD.EXE'");
	YES("'notepad.exe' = Name");
	YES("'A' < Name");
	YES("Extra = 'c:\\\\windows'");
	YES("Owner = 'test_base.name=\"parent\"'");
	YES("Letter = 'Q'");
	NO("Letter = 'q'"); /* char16 compares by code point */
	YES("Letter = 81");
	YES("Letter > 'A'");
}

static void test_like_and_not_like(void **state)
{
	(void)state;
	YES("Name LIKE 'note%'");
	YES("Name LIKE '%.EXE'");
	YES("Name LIKE 'n_tepad.[a-f]xe'");
	NO("Name LIKE 'calc%'");
	YES("Name NOT LIKE 'calc%'");
	NO("Name NOT LIKE '%pad%'");
	YES("NOT Name LIKE 'calc%'");
	YES("Extra LIKE 'C:\\\\%'");
	YES("Created LIKE '2024%'");
	YES("Owner LIKE '%Parent%'");
}

static void test_numbers(void **state)
{
	(void)state;
	YES("Size = 200");
	YES("Size > 100");
	YES("Size >= 200");
	NO("Size < 200");
	YES("Size <= 200.0");
	YES("Size > -1");
	YES("Size = 0xC8");
	YES("Size = '200'");
	YES("Size < 18446744073709551615");
	YES("Count = -1");
	YES("Count < 0");
	YES("Count < 18446744073709551615");
	NO("Count > 9223372036854775807");
	YES("Count = TRUE");
	NO("Count = FALSE");
	YES("Count = '-1'");
	YES("Count = -1.0");
	YES("Count > -1.5");
	YES("Small = 7");
	NO("Small = 263");
	YES("Ratio = 2.5");
	YES("Ratio > 2");
	YES("Ratio < '3'");
	YES("Ratio = '2.5'");
	YES("Ratio = '25e-1'");
	YES("100 < Size");
	NO("100 > Size");
}

static void test_booleans(void **state)
{
	(void)state;
	YES("Enabled = TRUE");
	YES("Enabled <> FALSE");
	YES("Enabled != FALSE");
	YES("Enabled = 1");
	YES("Enabled = -1");
	NO("Enabled = 0");
	YES("Enabled = 'true'");
	YES("TRUE = Enabled");
	bind_err("SELECT * FROM Test_Base WHERE Enabled <= TRUE", 31,
	         "a boolean can only be compared with =, <> or !=");
	bind_err("SELECT * FROM Test_Base WHERE Enabled = 'maybe'", 31,
	         "a boolean compares with TRUE, FALSE, 1 or 0");
}

static void test_null_rules(void **state)
{
	(void)state;
	YES("Missing IS NULL");
	YES("Missing = NULL");
	YES("NULL = Missing");
	NO("Missing IS NOT NULL");
	NO("Missing <> NULL");
	YES("Name IS NOT NULL");
	YES("Name <> NULL");
	NO("Name IS NULL");
	/* Comparisons with a NULL value are false... */
	NO("Missing = 'x'");
	NO("Missing <> 'x'");
	NO("Missing LIKE '%'");
	NO("Missing NOT LIKE 'x'");
	NO("Child ISA 'Test_Base'");
	/* ...and NOT simply negates them (two-valued logic). */
	YES("NOT Missing = 'x'");
	/* Arrays and objects may be tested for NULL. */
	YES("Tags IS NOT NULL");
	YES("Child IS NULL");
}

static void test_and_or_not(void **state)
{
	(void)state;
	YES("Size = 200 AND Count = -1");
	NO("Size = 200 AND Count = 1");
	YES("Size = 1 OR Count = -1");
	NO("Size = 1 OR Count = 1");
	YES("NOT Size = 1");
	YES("NOT (Size = 1 OR Count = 1)");
	NO("NOT Size = 1 AND Count = 1");
	YES("Size = 1 AND Count = 1 OR Name LIKE 'n%'");
	NO("Size = 1 AND (Count = 1 OR Name LIKE 'n%')");
}

static void test_datetimes(void **state)
{
	(void)state;
	/* 13:00 at UTC+1 is 12:00 UTC. */
	YES("Created = '20240131120000.000000+000'");
	YES("Created = '2024-01-31 12:00:00'");
	YES("Created = '2024-01-31T12:00'");
	YES("Created > '2024-01-31'");
	YES("Created < '20240131130000.000000+000'");
	NO("Created < '20240131120000.000000+000'");
	YES("Created >= '20240131070000.000000-300'");
	YES("Created < '2024-01-31 12:00:00.000001'");
	/* Intervals compare with intervals only. */
	YES("Uptime = '00000001132312.000000:000'");
	YES("Uptime > '00000001000000.000000:000'");
	NO("Uptime > '2024-01-31'");
	bind_err("SELECT * FROM Test_Base WHERE Created > 'yesterday'", 31,
	         "a datetime compares with a quoted DMTF datetime");
	bind_err("SELECT * FROM Test_Base WHERE Created > 5", 31,
	         "a datetime compares with");
	bind_err("SELECT * FROM Test_Base WHERE Created > "
	         "'2024013112****.******+000'",
	         31, "a datetime compares with");
}

static void test_bind_checks(void **state)
{
	(void)state;
	bind_err("SELECT * FROM Test_Base WHERE Nope = 1", 31,
	         "unknown property 'Nope' in WHERE");
	bind_err("SELECT Name, Nope FROM Test_Base", 14,
	         "unknown property 'Nope' in SELECT");
	bind_err("SELECT * FROM Test_Base WHERE __Nope = 1", 31,
	         "unknown system property '__Nope'");
	bind_err("SELECT * FROM Test_Base WHERE Tags = 'a'", 31,
	         "an array can only be tested with IS NULL");
	bind_err("SELECT * FROM Test_Base WHERE Size LIKE '2%'", 31,
	         "LIKE needs a string property");
	bind_err("SELECT * FROM Test_Base WHERE Name ISA 'X'", 31,
	         "ISA needs an embedded object property");
	bind_err("SELECT * FROM Test_Base WHERE Child = 'X'", 31,
	         "an embedded object can only be tested with ISA");
	bind_err("SELECT * FROM Test_Base WHERE Size = 'abc'", 31,
	         "does not convert");
	bind_err("SELECT * FROM Test_Base WHERE Name.Length = 1", 31,
	         "'Name' is not an embedded object");
	bind_err("SELECT * FROM Test_Base WHERE Letter = 'ab'", 31,
	         "a char16 compares with one character");
	bind_err("SELECT * FROM Test_Base WHERE __DERIVATION = 'x'", 31,
	         "an array can only");
	bind_err("SELECT * FROM Test_Base WHERE Size = 1 AND (Count = 2 OR "
	         "Bad = 3)",
	         58, "unknown property 'Bad'");
}

static void test_bind_accepts(void **state)
{
	void *mem = talloc_new(NULL);
	struct wql_query *q = NULL;

	(void)state;
	/* Names are case-insensitive; system properties are allowed. */
	q = q_of(mem,
	         "SELECT name, SIZE, __PATH, __class FROM Test_Base WHERE "
	         "__GENUS = 2 AND __this ISA 'Test_Base' AND "
	         "Child.Anything = 1 AND Child ISA 'X' AND Tags IS NULL",
	         F.base);
	assert_non_null(q);
	/* Binding another kind is a no-op; a NULL class is refused. */
	q = q_of(mem, "ASSOCIATORS OF {A=@}", F.base);
	assert_true(
	        hr_eq(wql_bind(q, NULL, NULL), HR_WBEM_E_INVALID_PARAMETER));
	/* Binding twice replaces the cache (Test_Derived has Extra). */
	q = q_of(mem, "SELECT * FROM Test_Derived WHERE Extra LIKE 'C:%'",
	         F.derived);
	assert_true(hr_ok(wql_bind(q, F.derived, NULL)));
	assert_true(hr_eq(wql_bind(q, F.base, NULL), HR_WBEM_E_INVALID_QUERY));
	talloc_free(mem);
}

static void test_system_properties(void **state)
{
	(void)state;
	YES("__CLASS = 'test_derived'");
	NO("__CLASS = 'Test_Base'");
	YES("__SUPERCLASS = 'Test_Base'");
	YES("__DYNASTY = 'Test_Base'");
	YES("__GENUS = 2");
	YES("__PROPERTY_COUNT = 14");
	YES("__RELPATH = 'Test_Derived.Name=\"Notepad.exe\"'");
	YES("__PATH LIKE '\\\\\\\\HOST\\\\root\\\\test:Test_Derived.%'");
	YES("__SERVER = 'host'");
	YES("__NAMESPACE = 'ROOT\\\\TEST'");
	YES("__this ISA 'Test_Base'");
	YES("__this ISA 'Test_Derived'");
	NO("__this ISA 'Test_Event'");
	YES("__DERIVATION IS NOT NULL");
}

static void test_embedded_objects_and_isa(void **state)
{
	void *mem = talloc_new(NULL);
	struct cim_instance *ev = cim_instance_new(mem, F.event);
	struct cim_object obj = { .is_class = false };
	struct cim_value v = { .type = CIM_T_OBJECT };
	struct wql_query *q;
	bool m = false;
	const char *cases[][2] = {
		{ "TargetInstance ISA 'Test_Base'", "1" },
		{ "TargetInstance ISA 'test_derived'", "1" },
		{ "TargetInstance ISA 'Test_Multi'", "0" },
		{ "TargetInstance.Name = 'notepad.exe'", "1" },
		{ "TargetInstance.Name LIKE '%pad%'", "1" },
		{ "TargetInstance.Size > 100", "1" },
		{ "TargetInstance.__CLASS = 'Test_Derived'", "1" },
		{ "TargetInstance.__PATH IS NULL", "1" },
		{ "TargetInstance.NoSuch IS NULL", "1" },
		{ "TargetInstance.NoSuch = 1", "0" },
		{ "TargetInstance.Child.Name IS NULL", "1" },
		{ "TargetInstance ISA 'Test_Base' AND TargetInstance.Size = 200 "
		  "AND Count = 3",
		  "1" },
	};

	(void)state;
	assert_non_null(ev);
	obj.u.inst = F.inst;
	v.v.o = &obj;
	set(ev, "TargetInstance", v);
	set(ev, "Count", v_uint(CIM_T_UINT32, 3));
	for (size_t k = 0; k < sizeof(cases) / sizeof(cases[0]); k++) {
		char *text = talloc_asprintf(
		        mem, "SELECT * FROM Test_Event WITHIN 1 WHERE %s",
		        cases[k][0]);

		q = q_of(mem, text, F.event);
		assert_true(hr_ok(wql_eval(q, ev, "HOST", "root", &m)));
		if (m != (cases[k][1][0] == '1')) {
			fail_msg("%s: got %d", cases[k][0], m);
		}
	}
	/* An embedded class object: ISA uses its derivation. */
	obj.is_class = true;
	obj.u.cls = F.derived;
	set(ev, "TargetInstance", v);
	q = q_of(
	        mem,
	        "SELECT * FROM Test_Event WHERE TargetInstance ISA 'Test_Base' "
	        "AND TargetInstance.__GENUS = 1",
	        F.event);
	assert_true(hr_ok(wql_eval(q, ev, NULL, NULL, &m)));
	assert_true(m);
	talloc_free(mem);
}

static void test_subclass_and_foreign_layouts(void **state)
{
	void *mem = talloc_new(NULL);
	struct cim_class *l = cim_class_new(mem, "Other", NULL);
	struct cim_class *other;
	struct cim_instance *o;
	struct cim_instance *b = cim_instance_new(mem, F.base);
	struct wql_query *q;
	bool m = false;

	(void)state;
	/* Bound to Test_Base, evaluated on Test_Derived: same indexes. */
	q = q_of(mem, "SELECT * FROM Test_Base WHERE Size = 200", F.base);
	assert_true(hr_ok(wql_eval(q, F.inst, NULL, NULL, &m)));
	assert_true(m);
	set(b, "Size", v_uint(CIM_T_UINT64, 5));
	assert_true(hr_ok(wql_eval(q, b, NULL, NULL, &m)));
	assert_false(m);
	/* A class with Size at another index and of another type. */
	add(l, "Zzz", CIM_T_STRING, false);
	add(l, "Size", CIM_T_STRING, false);
	other = resolve(mem, l, NULL);
	o = cim_instance_new(mem, other);
	set(o, "Size", v_str(CIM_T_STRING, "200"));
	assert_true(hr_ok(wql_eval(q, o, NULL, NULL, &m)));
	assert_true(m);
	set(o, "Size", v_str(CIM_T_STRING, "0200"));
	assert_true(hr_ok(wql_eval(q, o, NULL, NULL, &m)));
	assert_false(m); /* compared as strings: "0200" <> "200" */
	/* Unbound evaluation reports the type errors it meets. */
	q = q_of(mem, "SELECT * FROM Other WHERE Size LIKE '2%'", NULL);
	assert_true(hr_ok(wql_eval(q, o, NULL, NULL, &m)));
	assert_false(m);
	assert_true(hr_eq(wql_eval(q, F.inst, NULL, NULL, &m),
	                  HR_WBEM_E_INVALID_QUERY));
	assert_false(m);
	talloc_free(mem);
}

static void test_meta_class(void **state)
{
	void *mem = talloc_new(NULL);
	const struct {
		const char *where;
		const struct cim_class *cls;
		bool want;
	} cases[] = {
		{ "__this ISA 'Test_Base'", F.derived, true },
		{ "__this ISA 'Test_Base'", F.base, true },
		{ "__this ISA 'Test_Derived'", F.base, false },
		{ "__this ISA 'Test_Base' AND __CLASS = 'Test_Derived'",
		  F.derived, true },
		{ "__this ISA 'Test_Base' AND __CLASS = 'Test_Derived'", F.base,
		  false },
		{ "__SUPERCLASS = 'Test_Base'", F.derived, true },
		{ "__SUPERCLASS IS NULL", F.base, true },
		{ "__DYNASTY = 'Test_Base'", F.derived, true },
		{ "__DYNASTY = 'Test_Base'", F.base, true },
		{ "__GENUS = 1", F.base, true },
		{ "__CLASS LIKE 'Test[_]%'", F.event, true },
		{ "NOT __CLASS LIKE 'Test[_]%'", F.event, false },
	};
	bool m = false;

	(void)state;
	for (size_t k = 0; k < sizeof(cases) / sizeof(cases[0]); k++) {
		char *text = talloc_asprintf(
		        mem, "SELECT * FROM meta_class WHERE %s",
		        cases[k].where);
		struct wql_query *q = q_of(mem, text, NULL);

		assert_int_equal(q->kind, WQL_META_CLASS);
		assert_true(hr_ok(wql_bind(q, F.base, NULL))); /* no-op */
		assert_true(hr_ok(wql_eval_class(q, cases[k].cls, &m)));
		if (m != cases[k].want) {
			fail_msg("%s on %s: got %d", cases[k].where,
			         cases[k].cls->name, m);
		}
	}
	{
		struct wql_query *q = q_of(mem, "SELECT * FROM meta_class",
		                           NULL);

		assert_true(hr_ok(wql_eval_class(q, F.event, &m)));
		assert_true(m);
	}
	talloc_free(mem);
}

static void test_key_equalities(void **state)
{
	void *mem = talloc_new(NULL);
	struct wql_keyval *kv = NULL;
	uint32_t n = 0;
	struct wql_query *q;

	(void)state;
	q = q_of(mem, "SELECT * FROM Test_Base WHERE Name = 'x'", F.base);
	assert_true(wql_key_equalities(mem, q, F.base, &kv, &n));
	assert_int_equal(n, 1);
	assert_string_equal(kv[0].name, "Name");
	assert_int_equal(kv[0].value.type, CIM_T_STRING);
	assert_string_equal(kv[0].value.v.s, "x");

	q = q_of(mem, "SELECT * FROM Test_Base WHERE Size > 1 AND 'y' = name",
	         F.base);
	assert_true(wql_key_equalities(mem, q, F.base, &kv, &n));
	assert_string_equal(kv[0].value.v.s, "y");

	/* Two keys, in key_index (name) order; conversions to key types. */
	q = q_of(mem,
	         "SELECT * FROM Test_Multi WHERE Flag = TRUE AND Tag = 1234 "
	         "AND Id = '42'",
	         F.multi);
	assert_true(wql_key_equalities(mem, q, F.multi, &kv, &n));
	assert_int_equal(n, 2);
	assert_string_equal(kv[0].name, "Id");
	assert_int_equal(kv[0].value.type, CIM_T_UINT32);
	assert_int_equal(kv[0].value.v.u, 42);
	assert_string_equal(kv[1].name, "Tag");
	assert_string_equal(kv[1].value.v.s, "1234");

	kv = NULL;
	n = 0;
	/* Not pinned: missing key, OR, NOT, <>, LIKE, out of range. */
	q = q_of(mem, "SELECT * FROM Test_Multi WHERE Tag = 'a'", F.multi);
	assert_false(wql_key_equalities(mem, q, F.multi, &kv, &n));
	q = q_of(mem, "SELECT * FROM Test_Multi WHERE Tag = 'a' OR Id = 1",
	         F.multi);
	assert_false(wql_key_equalities(mem, q, F.multi, &kv, &n));
	q = q_of(mem, "SELECT * FROM Test_Multi WHERE Tag = 'a' AND NOT Id = 1",
	         F.multi);
	assert_false(wql_key_equalities(mem, q, F.multi, &kv, &n));
	q = q_of(mem, "SELECT * FROM Test_Multi WHERE Tag = 'a' AND Id <> 1",
	         F.multi);
	assert_false(wql_key_equalities(mem, q, F.multi, &kv, &n));
	q = q_of(mem, "SELECT * FROM Test_Multi WHERE Tag LIKE 'a' AND Id = 1",
	         F.multi);
	assert_false(wql_key_equalities(mem, q, F.multi, &kv, &n));
	q = q_of(mem,
	         "SELECT * FROM Test_Multi WHERE Tag = 'a' AND Id = 4294967296",
	         F.multi);
	assert_false(wql_key_equalities(mem, q, F.multi, &kv, &n));
	q = q_of(mem, "SELECT * FROM Test_Multi WHERE Tag = 'a' AND Id = -1",
	         F.multi);
	assert_false(wql_key_equalities(mem, q, F.multi, &kv, &n));
	q = q_of(mem, "SELECT * FROM Test_Multi WHERE Tag = 'a' AND Id = 1.5",
	         F.multi);
	assert_false(wql_key_equalities(mem, q, F.multi, &kv, &n));
	q = q_of(mem, "SELECT * FROM Test_Multi", F.multi);
	assert_false(wql_key_equalities(mem, q, F.multi, &kv, &n));
	q = q_of(mem, "SELECT * FROM Test_Event WHERE Count = 1", F.event);
	assert_false(
	        wql_key_equalities(mem, q, F.event, &kv, &n)); /* no keys */
	assert_null(kv);
	assert_int_equal(n, 0);
	/* A real that is an integer is fine. */
	q = q_of(mem, "SELECT * FROM Test_Multi WHERE Tag = 'a' AND Id = 7.0",
	         F.multi);
	assert_true(wql_key_equalities(mem, q, F.multi, &kv, &n));
	assert_int_equal(kv[0].value.v.u, 7);
	talloc_free(mem);
}

static void test_class_restriction(void **state)
{
	void *mem = talloc_new(NULL);
	const char *name = NULL;
	struct wql_query *q;

	(void)state;
	q = q_of(mem,
	         "SELECT * FROM Test_Base WHERE Size > 1 AND __CLASS = "
	         "'Test_Derived'",
	         F.base);
	assert_true(wql_class_restriction(q, &name));
	assert_string_equal(name, "Test_Derived");
	q = q_of(mem, "SELECT * FROM Test_Base WHERE 'Test_Base' = __class",
	         F.base);
	assert_true(wql_class_restriction(q, &name));
	assert_string_equal(name, "Test_Base");
	q = q_of(mem, "SELECT * FROM Test_Base WHERE __CLASS = 'A' OR Size = 1",
	         F.base);
	assert_false(wql_class_restriction(q, &name));
	q = q_of(mem, "SELECT * FROM Test_Base WHERE __CLASS <> 'A'", F.base);
	assert_false(wql_class_restriction(q, &name));
	q = q_of(mem,
	         "SELECT * FROM meta_class WHERE __this ISA 'A' AND __CLASS = "
	         "'B'",
	         NULL);
	assert_true(wql_class_restriction(q, &name));
	assert_string_equal(name, "B");
	talloc_free(mem);
}

static double now_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec * 1e3 + (double)ts.tv_nsec / 1e6;
}

static void test_like_scan_speed(void **state)
{
	void *mem = talloc_new(NULL);
	const uint32_t n = 100000;
	struct cim_instance **insts = talloc_array(mem, struct cim_instance *,
	                                           n);
	struct wql_query *q;
	uint32_t hits = 0;
	double t0, ms;

	(void)state;
	assert_non_null(insts);
	for (uint32_t k = 0; k < n; k++) {
		char name[64];

		snprintf(name, sizeof(name), "process-%06u.exe", k);
		insts[k] = cim_instance_new(insts, F.derived);
		assert_non_null(insts[k]);
		set(insts[k], "Name", v_str(CIM_T_STRING, name));
		set(insts[k], "Size", v_uint(CIM_T_UINT64, k));
	}
	q = q_of(mem,
	         "SELECT * FROM Test_Base WHERE Name LIKE '%-0[0-4]%7.EXE' AND "
	         "Size >= 0",
	         F.base);
	t0 = now_ms();
	for (uint32_t k = 0; k < n; k++) {
		bool m = false;

		assert_true(hr_ok(wql_eval(q, insts[k], NULL, NULL, &m)));
		hits += m ? 1 : 0;
	}
	ms = now_ms() - t0;
	assert_int_equal(hits, 5000);
	/* The 50 ms target is measured in bench/bench_cimom.c, not here. */
	print_message("[   INFO   ] LIKE scan of %u instances: %.1f ms\n", n,
	              ms);
	talloc_free(mem);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_no_where_matches),
		cmocka_unit_test(test_strings),
		cmocka_unit_test(test_like_and_not_like),
		cmocka_unit_test(test_numbers),
		cmocka_unit_test(test_booleans),
		cmocka_unit_test(test_null_rules),
		cmocka_unit_test(test_and_or_not),
		cmocka_unit_test(test_datetimes),
		cmocka_unit_test(test_bind_checks),
		cmocka_unit_test(test_bind_accepts),
		cmocka_unit_test(test_system_properties),
		cmocka_unit_test(test_embedded_objects_and_isa),
		cmocka_unit_test(test_subclass_and_foreign_layouts),
		cmocka_unit_test(test_meta_class),
		cmocka_unit_test(test_key_equalities),
		cmocka_unit_test(test_class_restriction),
		cmocka_unit_test(test_like_scan_speed),
	};

	return cmocka_run_group_tests(tests, setup, teardown);
}
