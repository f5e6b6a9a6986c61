/*
 * Unit tests: system properties of classes and instances; relpath forms.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#include <cmocka.h>

#include <string.h>
#include <talloc.h>

#include "cim/cim.h"
#include "cim/objpath.h"
#include "cimtest.h"

#define TS CIM_FLAVOR_TO_SUBCLASS

struct fixture {
	void *mem;
	struct cim_class *root, *mid, *leaf, *single, *keyless;
};

static struct cim_class *mk(struct fixture *f,
                            struct cim_class *l,
                            struct cim_class *parent)
{
	struct cim_class *r = NULL;

	assert_true(hr_ok(cim_class_resolve(f->mem, l, parent, &r, NULL)));
	return r;
}

static void add_key(struct cim_class *l, const char *name, uint32_t type)
{
	struct cim_property *p = cim_class_add_prop(l, name, type);
	struct cim_value t = t_bool(true);

	assert_true(hr_ok(cim_qset_set(l, &p->quals, "key", &t, TS)));
}

static int setup(void **state)
{
	struct fixture *f = talloc_zero(NULL, struct fixture);
	struct cim_class *l;
	struct cim_value t = t_bool(true);

	f->mem = f;
	l = cim_class_new(f, "CIM_ManagedSystemElement", NULL);
	cim_class_add_prop(l, "Caption", CIM_T_STRING);
	f->root = mk(f, l, NULL);
	l = cim_class_new(f, "CIM_Service", "CIM_ManagedSystemElement");
	add_key(l, "Name", CIM_T_STRING);
	f->mid = mk(f, l, f->root);
	l = cim_class_new(f, "Win32_Service", "CIM_Service");
	cim_class_add_prop(l, "ProcessId", CIM_T_UINT32);
	f->leaf = mk(f, l, f->mid);
	l = cim_class_new(f, "Win32_OperatingSystem", NULL);
	assert_true(hr_ok(cim_qset_set(l, &l->quals, "singleton", &t, TS)));
	cim_class_add_prop(l, "Version", CIM_T_STRING);
	f->single = mk(f, l, NULL);
	l = cim_class_new(f, "Ev", NULL);
	cim_class_add_prop(l, "X", CIM_T_UINT32);
	f->keyless = mk(f, l, NULL);
	*state = f;
	return 0;
}

static int teardown(void **state)
{
	talloc_free(*state);
	return 0;
}

static struct cim_value get(struct fixture *f,
                            const struct cim_class *c,
                            const struct cim_instance *i,
                            const char *srv,
                            const char *ns,
                            const char *name)
{
	struct cim_value v;

	assert_true(hr_ok(cim_sysprop_get(f->mem, c, i, srv, ns, name, &v)));
	return v;
}

static void test_class_system_properties(void **state)
{
	struct fixture *f = *state;
	struct cim_value v;

	v = get(f, f->leaf, NULL, "HOST", "root\\cimv2", "__GENUS");
	assert_int_equal(v.type, CIM_T_SINT32);
	assert_int_equal(v.v.i, 1);
	v = get(f, f->leaf, NULL, NULL, NULL, "__CLASS");
	assert_string_equal(v.v.s, "Win32_Service");
	v = get(f, f->leaf, NULL, NULL, NULL, "__superclass");
	assert_string_equal(v.v.s, "CIM_Service");
	v = get(f, f->leaf, NULL, NULL, NULL, "__DYNASTY");
	assert_string_equal(v.v.s, "CIM_ManagedSystemElement");
	v = get(f, f->root, NULL, NULL, NULL, "__DYNASTY");
	assert_string_equal(v.v.s, "CIM_ManagedSystemElement");
	v = get(f, f->root, NULL, NULL, NULL, "__SUPERCLASS");
	assert_true(v.null);
	v = get(f, f->leaf, NULL, NULL, NULL, "__DERIVATION");
	assert_int_equal(v.type, CIM_T_STRING | CIM_FLAG_ARRAY);
	assert_int_equal(v.v.a.n, 2);
	assert_string_equal(v.v.a.e.s[0], "CIM_Service");
	assert_string_equal(v.v.a.e.s[1], "CIM_ManagedSystemElement");
	v = get(f, f->root, NULL, NULL, NULL, "__DERIVATION");
	assert_false(v.null);
	assert_int_equal(v.v.a.n, 0);
	v = get(f, f->leaf, NULL, NULL, NULL, "__PROPERTY_COUNT");
	assert_int_equal(v.v.i, 3);
	v = get(f, f->leaf, NULL, NULL, NULL, "__RELPATH");
	assert_string_equal(v.v.s, "Win32_Service");
	v = get(f, f->leaf, NULL, "HOST", "root\\cimv2", "__PATH");
	assert_string_equal(v.v.s, "\\\\HOST\\root\\cimv2:Win32_Service");
	v = get(f, f->leaf, NULL, NULL, NULL, "__PATH");
	assert_true(v.null);
}

static void test_instance_system_properties(void **state)
{
	struct fixture *f = *state;
	struct cim_instance *i = cim_instance_new(f->mem, f->leaf);
	struct cim_value s = t_str("Spooler");
	struct cim_value v;

	assert_true(hr_ok(cim_instance_set(i, "Name", &s)));
	v = get(f, NULL, i, "HOST", "root\\cimv2", "__GENUS");
	assert_int_equal(v.v.i, 2);
	v = get(f, NULL, i, "HOST", "root\\cimv2", "__RELPATH");
	assert_string_equal(v.v.s, "Win32_Service.Name=\"Spooler\"");
	v = get(f, NULL, i, "HOST", "root\\cimv2", "__PATH");
	assert_string_equal(v.v.s, "\\\\HOST\\root\\cimv2:Win32_Service.Name="
	                           "\"Spooler\"");
	v = get(f, NULL, i, "HOST", "root\\cimv2", "__SERVER");
	assert_string_equal(v.v.s, "HOST");
	v = get(f, NULL, i, "HOST", "root\\cimv2", "__NAMESPACE");
	assert_string_equal(v.v.s, "root\\cimv2");
	/* Decoration on the instance stands in for missing arguments. */
	i->server = talloc_strdup(i, "BOX");
	i->namespace = talloc_strdup(i, "root\\x");
	v = get(f, NULL, i, NULL, NULL, "__PATH");
	assert_string_equal(v.v.s, "\\\\BOX\\root\\x:Win32_Service.Name="
	                           "\"Spooler\"");
}

static void test_keyless_instance_has_null_paths(void **state)
{
	struct fixture *f = *state;
	struct cim_instance *i = cim_instance_new(f->mem, f->keyless);
	struct cim_instance *k = cim_instance_new(f->mem, f->leaf);
	static const char *const names[] = { "__PATH", "__RELPATH", "__SERVER",
		                             "__NAMESPACE" };
	struct cim_value v;

	for (int n = 0; n < 4; n++) {
		v = get(f, NULL, i, "HOST", "root", names[n]);
		assert_true(v.null);
		/* A keyed class whose key is NULL: also NULL. */
		v = get(f, NULL, k, "HOST", "root", names[n]);
		assert_true(v.null);
	}
	v = get(f, NULL, i, "HOST", "root", "__CLASS");
	assert_string_equal(v.v.s, "Ev");
}

static void test_unknown_and_set_system_property(void **state)
{
	struct fixture *f = *state;
	struct cim_instance *i = cim_instance_new(f->mem, f->leaf);
	struct cim_value v = t_str("x");

	assert_true(hr_eq(
	        cim_sysprop_get(f->mem, f->leaf, NULL, NULL, NULL, "__FOO", &v),
	        HR_WBEM_E_NOT_FOUND));
	assert_true(hr_eq(
	        cim_sysprop_get(f->mem, f->leaf, NULL, NULL, NULL, "Name", &v),
	        HR_WBEM_E_NOT_FOUND));
	assert_true(hr_eq(cim_instance_set(i, "__CLASS", &v),
	                  HR_WBEM_E_SYSTEM_PROPERTY));
	assert_true(
	        hr_eq(cim_instance_set(i, "Nope", &v), HR_WBEM_E_NOT_FOUND));
	assert_true(cim_sysprop_is("__path"));
	assert_false(cim_sysprop_is("__pathx"));
	assert_string_equal(cim_sysprop_names[0], "__GENUS");
	assert_null(cim_sysprop_names[10]);
}

static void test_singleton_relpath(void **state)
{
	struct fixture *f = *state;
	struct cim_instance *i = cim_instance_new(f->mem, f->single);
	struct objpath *p = NULL;
	char *s = NULL;

	assert_true(hr_ok(cim_instance_relpath(f->mem, i, &s)));
	assert_string_equal(s, "Win32_OperatingSystem=@");
	assert_true(hr_ok(cim_instance_keystr(f->mem, i, &s)));
	assert_string_equal(s, "@");
	assert_true(hr_ok(
	        objpath_parse(f->mem, "win32_operatingsystem=@", &p, NULL)));
	assert_true(hr_ok(
	        cim_relpath_from_objpath(f->mem, f->single, p, &s, NULL)));
	assert_string_equal(s, "Win32_OperatingSystem=@");
	assert_true(hr_ok(objpath_parse(f->mem, "Win32_Service=@", &p, NULL)));
	assert_true(
	        hr_eq(cim_relpath_from_objpath(f->mem, f->leaf, p, &s, NULL),
	              HR_WBEM_E_INVALID_OBJECT_PATH));
	i = cim_instance_new(f->mem, f->keyless);
	assert_true(
	        hr_eq(cim_instance_relpath(f->mem, i, &s), HR_WBEM_E_NO_KEY));
}

static void test_keystr_through_superclass(void **state)
{
	struct fixture *f = *state;
	struct cim_instance *i = cim_instance_new(f->mem, f->leaf);
	struct cim_value s = t_str("Spooler");
	struct objpath *p = NULL;
	char *a = NULL;
	char *b = NULL;

	assert_true(hr_ok(cim_instance_set(i, "Name", &s)));
	assert_true(hr_ok(cim_instance_keystr(f->mem, i, &a)));
	assert_true(hr_ok(
	        objpath_parse(f->mem, "CIM_Service=\"Spooler\"", &p, NULL)));
	assert_true(
	        hr_ok(cim_keystr_from_objpath(f->mem, f->mid, p, &b, NULL)));
	assert_string_equal(a, b);
	assert_true(
	        hr_ok(cim_relpath_from_objpath(f->mem, f->mid, p, &b, NULL)));
	assert_string_equal(b, "CIM_Service.Name=\"Spooler\"");
}

static void test_relpath_from_objpath_errors(void **state)
{
	struct fixture *f = *state;
	struct cim_class *l = cim_class_new(f->mem, "Two", NULL);
	struct cim_class *two;
	struct objpath *p = NULL;
	char *s = (char *)"untouched";
	static const char *const bad[] = {
		"Two.A=1",         /* missing key */
		"Two.A=1,B=2,C=3", /* too many */
		"Two.A=1,Q=2",     /* unknown */
		"Two=1",           /* shorthand with two keys */
		"Two",             /* no keys */
	};

	add_key(l, "A", CIM_T_UINT8);
	add_key(l, "B", CIM_T_REFERENCE);
	two = mk(f, l, NULL);
	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		assert_true(hr_ok(objpath_parse(f->mem, bad[i], &p, NULL)));
		assert_true(hr_eq(
		        cim_relpath_from_objpath(f->mem, two, p, &s, NULL),
		        HR_WBEM_E_INVALID_OBJECT_PATH));
		assert_string_equal(s, "untouched");
	}
	/* Parse refuses repeated keys; a path built in code reaches here. */
	assert_true(hr_ok(objpath_parse(f->mem, "Two.A=1,B=2", &p, NULL)));
	p->keys[1].name = (char *)"a";
	assert_true(hr_eq(cim_relpath_from_objpath(f->mem, two, p, &s, NULL),
	                  HR_WBEM_E_INVALID_OBJECT_PATH));
	assert_true(hr_ok(
	        objpath_parse(f->mem, "Two.A=300,B=\"X.k=1\"", &p, NULL)));
	assert_true(hr_eq(cim_relpath_from_objpath(f->mem, two, p, &s, NULL),
	                  HR_WBEM_E_TYPE_MISMATCH));
	assert_true(hr_ok(
	        objpath_parse(f->mem, "Two.A=\"3\",B=\"z z\"", &p, NULL)));
	assert_true(hr_eq(cim_relpath_from_objpath(f->mem, two, p, &s, NULL),
	                  HR_WBEM_E_TYPE_MISMATCH));
	/* References are canonicalised: keys sorted, '/' to '\'. */
	assert_true(hr_ok(objpath_parse(f->mem,
	                                "two.b='//h/root:X.z=1,a=\\'q\\'',"
	                                "a=0x3",
	                                &p, NULL)));
	assert_true(hr_ok(cim_relpath_from_objpath(f->mem, two, p, &s, NULL)));
	assert_string_equal(
	        s, "Two.A=3,B=\"\\\\\\\\h\\\\root:X.a=\\\"q\\\",z=1\"");
}

static void test_relpath_matches_instance(void **state)
{
	struct fixture *f = *state;
	struct cim_class *l = cim_class_new(f->mem, "Mix", NULL);
	struct cim_class *c;
	struct cim_instance *i;
	struct objpath *p = NULL;
	struct cim_value v;
	char *a = NULL;
	char *b = NULL;

	add_key(l, "Flag", CIM_T_BOOLEAN);
	add_key(l, "Neg", CIM_T_SINT16);
	add_key(l, "Ref", CIM_T_REFERENCE);
	add_key(l, "When", CIM_T_DATETIME);
	c = mk(f, l, NULL);
	i = cim_instance_new(f->mem, c);
	v = t_bool(false);
	assert_true(hr_ok(cim_instance_set(i, "Flag", &v)));
	v = t_sint(CIM_T_SINT16, -7);
	assert_true(hr_ok(cim_instance_set(i, "Neg", &v)));
	v = t_typed_str(CIM_T_REFERENCE, "X.b=2,a=1");
	assert_true(hr_ok(cim_instance_set(i, "Ref", &v)));
	v = t_str("20240131154512.123456+060");
	assert_true(hr_ok(cim_instance_set(i, "When", &v)));
	assert_true(hr_ok(cim_instance_relpath(f->mem, i, &a)));
	assert_string_equal(a, "Mix.Flag=FALSE,Neg=-7,Ref=\"X.a=1,b=2\","
	                       "When=\"20240131154512.123456+060\"");
	assert_true(hr_ok(objpath_parse(f->mem,
	                                "MIX.when='20240131154512.123456+060'"
	                                ",ref=\"X.a=1,b=2\",neg=\"-7\","
	                                "FLAG=false",
	                                &p, NULL)));
	assert_true(hr_ok(cim_relpath_from_objpath(f->mem, c, p, &b, NULL)));
	assert_string_equal(a, b);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_class_system_properties),
		cmocka_unit_test(test_instance_system_properties),
		cmocka_unit_test(test_keyless_instance_has_null_paths),
		cmocka_unit_test(test_unknown_and_set_system_property),
		cmocka_unit_test(test_singleton_relpath),
		cmocka_unit_test(test_keystr_through_superclass),
		cmocka_unit_test(test_relpath_from_objpath_errors),
		cmocka_unit_test(test_relpath_matches_instance),
	};

	return cmocka_run_group_tests(tests, setup, teardown);
}
