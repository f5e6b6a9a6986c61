/*
 * Unit tests: static instances (put, get through superclasses, delete,
 * enumeration, counting) and qualifier declarations (repo layer).
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#include <cmocka.h>

#include "repotest.h"

/* Base(Name key, Value) <- Mid <- Leaf; Sibling : Base; Abs abstract. */
static void put_tree(struct repo *r)
{
	void *mem = talloc_new(NULL);
	struct cim_class *c;

	assert_ok(rt_put_keyed(r, "root", "Base", NULL));
	assert_ok(rt_put_keyed(r, "root", "Mid", "Base"));
	assert_ok(rt_put_keyed(r, "root", "Leaf", "Mid"));
	assert_ok(rt_put_keyed(r, "root", "Sibling", "Base"));
	c = rt_class(mem, "Abs", NULL);
	rt_prop(c, "Name", CIM_T_STRING, true);
	rt_qual(c, "abstract", 0);
	assert_ok(repo_class_put(r, "root", c, 0, NULL));
	assert_ok(rt_put_keyed(r, "root", "Concrete", "Abs"));
	talloc_free(mem);
}

static void test_put_get_roundtrip(void **state)
{
	struct rt *t = *state;
	struct cim_instance *inst = NULL;
	char *ks = NULL;

	put_tree(t->r);
	assert_ok(rt_put_inst(t->r, "root", "Base", "alpha", 42, 0));
	assert_ok(repo_instance_get(t->r, t->mem, "root", "Base",
	                            "Name=\"alpha\"", &inst));
	assert_string_equal(inst->cls->name, "Base");
	assert_string_equal(cim_instance_get(inst, "Name")->v.s, "alpha");
	assert_int_equal(cim_instance_get(inst, "Value")->v.u, 42);
	assert_ok(repo_keystr(t->mem, inst, &ks));
	assert_string_equal(ks, "Name=\"alpha\"");
	/* Key values compare case-insensitively, as WMI paths do. */
	assert_ok(repo_instance_get(t->r, t->mem, "root", "base",
	                            "NAME=\"ALPHA\"", &inst));
	assert_hr(repo_instance_get(t->r, t->mem, "root", "Base",
	                            "Name=\"beta\"", &inst),
	          HR_WBEM_E_NOT_FOUND);
	assert_hr(repo_instance_get(t->r, t->mem, "root", "Nope",
	                            "Name=\"alpha\"", &inst),
	          HR_WBEM_E_INVALID_CLASS);
	assert_hr(repo_instance_get(t->r, t->mem, "root\\x", "Base",
	                            "Name=\"alpha\"", &inst),
	          HR_WBEM_E_INVALID_NAMESPACE);
}

static void test_instance_outlives_repository(void **state)
{
	struct rt *t = *state;
	struct cim_instance *inst = NULL;

	put_tree(t->r);
	assert_ok(rt_put_inst(t->r, "root", "Leaf", "kept", 7, 0));
	assert_ok(repo_instance_get(t->r, t->mem, "root", "Leaf",
	                            "Name=\"kept\"", &inst));
	repo_close(t->r);
	t->r = NULL;
	assert_string_equal(inst->cls->name, "Leaf");
	assert_int_equal(inst->cls->n_derivation, 2);
	assert_int_equal(cim_instance_get(inst, "Value")->v.u, 7);
	rt_reopen(t);
}

static void test_get_through_superclass(void **state)
{
	struct rt *t = *state;
	struct cim_instance *inst = NULL;

	put_tree(t->r);
	assert_ok(rt_put_inst(t->r, "root", "Leaf", "deep", 1, 0));
	assert_ok(repo_instance_get(t->r, t->mem, "root", "Base",
	                            "Name=\"deep\"", &inst));
	assert_string_equal(inst->cls->name, "Leaf");
	assert_ok(repo_instance_get(t->r, t->mem, "root", "Mid",
	                            "Name=\"deep\"", &inst));
	/* Not through a sibling or a subclass of the instance's class. */
	assert_hr(repo_instance_get(t->r, t->mem, "root", "Sibling",
	                            "Name=\"deep\"", &inst),
	          HR_WBEM_E_NOT_FOUND);
	assert_ok(rt_put_inst(t->r, "root", "Mid", "mid", 1, 0));
	assert_hr(repo_instance_get(t->r, t->mem, "root", "Leaf",
	                            "Name=\"mid\"", &inst),
	          HR_WBEM_E_NOT_FOUND);
}

static void test_put_flags_and_update(void **state)
{
	struct rt *t = *state;
	struct cim_instance *inst = NULL;

	put_tree(t->r);
	assert_hr(
	        rt_put_inst(t->r, "root", "Base", "a", 1, REPO_PUT_UPDATE_ONLY),
	        HR_WBEM_E_NOT_FOUND);
	assert_ok(rt_put_inst(t->r, "root", "Base", "a", 1,
	                      REPO_PUT_CREATE_ONLY));
	assert_hr(
	        rt_put_inst(t->r, "root", "Base", "A", 2, REPO_PUT_CREATE_ONLY),
	        HR_WBEM_E_ALREADY_EXISTS);
	assert_ok(rt_put_inst(t->r, "root", "Base", "a", 3,
	                      REPO_PUT_UPDATE_ONLY));
	assert_ok(rt_put_inst(t->r, "root", "Base", "a", 4, 0));
	assert_ok(repo_instance_get(t->r, t->mem, "root", "Base", "Name=\"a\"",
	                            &inst));
	assert_int_equal(cim_instance_get(inst, "Value")->v.u, 4);
}

static void test_put_errors(void **state)
{
	struct rt *t = *state;
	struct cim_instance *inst;
	struct cim_class *c = NULL;
	struct errinfo ei;

	put_tree(t->r);
	/* NULL key. */
	assert_hr(rt_put_inst(t->r, "root", "Base", NULL, 1, 0),
	          HR_WBEM_E_ILLEGAL_NULL);
	/* Abstract class. */
	assert_ok(repo_class_get(t->r, t->mem, "root", "Abs", &c));
	inst = cim_instance_new(t->mem, c);
	{
		struct cim_value v = rt_str("x");

		assert_ok(cim_instance_set(inst, "Name", &v));
	}
	err_clear(&ei);
	assert_hr(repo_instance_put(t->r, "root", inst, 0, &ei),
	          HR_WBEM_E_INVALID_OPERATION);
	assert_true(strstr(ei.msg, "abstract") != NULL);
	/* A concrete subclass of an abstract class is fine. */
	assert_ok(rt_put_inst(t->r, "root", "Concrete", "c", 1, 0));
	/* Missing namespace, then missing class. */
	inst = rt_inst(t->mem, t->r, "root", "Base", "q", 1);
	assert_hr(repo_instance_put(t->r, "root\\x", inst, 0, NULL),
	          HR_WBEM_E_INVALID_NAMESPACE);
	assert_ok(repo_ns_create(t->r, "root\\x", NULL));
	assert_hr(repo_instance_put(t->r, "root\\x", inst, 0, NULL),
	          HR_WBEM_E_INVALID_CLASS);
}

static void test_keys_shared_across_hierarchy(void **state)
{
	struct rt *t = *state;

	put_tree(t->r);
	assert_ok(rt_put_inst(t->r, "root", "Base", "same", 1, 0));
	assert_hr(rt_put_inst(t->r, "root", "Leaf", "same", 1, 0),
	          HR_WBEM_E_ALREADY_EXISTS);
	assert_hr(rt_put_inst(t->r, "root", "Sibling", "SAME", 1, 0),
	          HR_WBEM_E_ALREADY_EXISTS);
	/* Another key space (unrelated class) may use the same key. */
	assert_ok(rt_put_inst(t->r, "root", "Concrete", "same", 1, 0));
}

static void test_stale_class_copy_is_mapped_by_name(void **state)
{
	struct rt *t = *state;
	struct cim_class *local = rt_class(t->mem, "Base", NULL);
	struct cim_class *stale = NULL;
	struct cim_instance *inst, *got = NULL;
	struct cim_value v;

	put_tree(t->r);
	/* Build the instance against a class with an extra property. */
	rt_prop(local, "Extra", CIM_T_STRING, false);
	rt_prop(local, "Value", CIM_T_UINT32, false);
	rt_prop(local, "Name", CIM_T_STRING, true);
	assert_ok(cim_class_resolve(t->mem, local, NULL, &stale, NULL));
	inst = cim_instance_new(t->mem, stale);
	v = rt_str("n");
	assert_ok(cim_instance_set(inst, "Name", &v));
	v = rt_u32(5);
	assert_ok(cim_instance_set(inst, "Value", &v));
	/* Extra is NULL: accepted, values mapped by name. */
	assert_ok(repo_instance_put(t->r, "root", inst, 0, NULL));
	assert_ok(repo_instance_get(t->r, t->mem, "root", "Base", "Name=\"n\"",
	                            &got));
	assert_int_equal(cim_instance_get(got, "Value")->v.u, 5);
	/* A value for a property the class lacks is refused. */
	v = rt_str("boom");
	assert_ok(cim_instance_set(inst, "Extra", &v));
	assert_hr(repo_instance_put(t->r, "root", inst, 0, NULL),
	          HR_WBEM_E_INVALID_PROPERTY);
}

static void test_singleton_instance(void **state)
{
	struct rt *t = *state;
	struct cim_class *c = rt_class(t->mem, "Config", NULL);
	struct cim_instance *inst;
	struct cim_value v;

	rt_qual(c, "singleton", CIM_FLAVOR_TO_SUBCLASS);
	rt_prop(c, "Level", CIM_T_UINT32, false);
	assert_ok(repo_class_put(t->r, "root", c, 0, NULL));
	assert_ok(repo_class_get(t->r, t->mem, "root", "Config", &c));
	inst = cim_instance_new(t->mem, c);
	v = rt_u32(3);
	assert_ok(cim_instance_set(inst, "Level", &v));
	assert_ok(repo_instance_put(t->r, "root", inst, 0, NULL));
	inst = NULL;
	assert_ok(
	        repo_instance_get(t->r, t->mem, "root", "Config", "@", &inst));
	assert_int_equal(cim_instance_get(inst, "Level")->v.u, 3);
}

static void test_delete(void **state)
{
	struct rt *t = *state;
	struct cim_instance *inst = NULL;
	uint64_t n = 0;

	put_tree(t->r);
	assert_ok(rt_put_inst(t->r, "root", "Leaf", "x", 1, 0));
	assert_ok(rt_put_inst(t->r, "root", "Leaf", "y", 1, 0));
	assert_hr(repo_instance_delete(t->r, "root", "Sibling", "Name=\"x\"",
	                               NULL),
	          HR_WBEM_E_NOT_FOUND);
	assert_ok(
	        repo_instance_delete(t->r, "root", "Base", "Name=\"X\"", NULL));
	assert_hr(repo_instance_get(t->r, t->mem, "root", "Leaf", "Name=\"x\"",
	                            &inst),
	          HR_WBEM_E_NOT_FOUND);
	assert_hr(
	        repo_instance_delete(t->r, "root", "Leaf", "Name=\"x\"", NULL),
	        HR_WBEM_E_NOT_FOUND);
	assert_hr(
	        repo_instance_delete(t->r, "root", "Nope", "Name=\"y\"", NULL),
	        HR_WBEM_E_INVALID_CLASS);
	assert_ok(repo_instance_count(t->r, "root", "Leaf", false, &n));
	assert_int_equal(n, 1);
}

struct seen {
	char buf[256];
	int n;
	int stop_at;
	struct repo *r;
	int nested;
};

static hresult collect(void *arg, struct cim_instance *inst)
{
	struct seen *s = arg;
	size_t len = strlen(s->buf);

	snprintf(s->buf + len, sizeof(s->buf) - len, "%s%s:%s", len ? "," : "",
	         inst->cls->name, cim_instance_get(inst, "Name")->v.s);
	if (++s->n == s->stop_at) {
		return HR_WBEM_E_CALL_CANCELLED;
	}
	return HR_OK;
}

static hresult count_only(void *arg, struct cim_instance *inst)
{
	(void)inst;
	(*(int *)arg)++;
	return HR_OK;
}

/* Enumerates Leaf from inside another enumeration on the same handle. */
static hresult nested(void *arg, struct cim_instance *inst)
{
	struct seen *s = arg;
	int n = 0;
	hresult hr;

	(void)inst;
	hr = repo_instance_enum(s->r, NULL, "root", "Base", true, count_only,
	                        &n);
	s->nested += n;
	return hr;
}

static void test_enum_shallow_deep_and_count(void **state)
{
	struct rt *t = *state;
	struct seen s;
	uint64_t n = 0;

	put_tree(t->r);
	assert_ok(rt_put_inst(t->r, "root", "Base", "b2", 1, 0));
	assert_ok(rt_put_inst(t->r, "root", "Base", "b1", 1, 0));
	assert_ok(rt_put_inst(t->r, "root", "Leaf", "l1", 1, 0));
	assert_ok(rt_put_inst(t->r, "root", "Mid", "m1", 1, 0));
	assert_ok(rt_put_inst(t->r, "root", "Sibling", "s1", 1, 0));

	memset(&s, 0, sizeof(s));
	assert_ok(repo_instance_enum(t->r, t->mem, "root", "Base", false,
	                             collect, &s));
	assert_string_equal(s.buf, "Base:b1,Base:b2");

	memset(&s, 0, sizeof(s));
	assert_ok(repo_instance_enum(t->r, t->mem, "root", "Base", true,
	                             collect, &s));
	assert_string_equal(s.buf, "Base:b1,Base:b2,Mid:m1,Sibling:s1,Leaf:l1");

	memset(&s, 0, sizeof(s));
	assert_ok(repo_instance_enum(t->r, t->mem, "root", "Mid", true, collect,
	                             &s));
	assert_string_equal(s.buf, "Mid:m1,Leaf:l1");

	memset(&s, 0, sizeof(s));
	s.stop_at = 3;
	assert_hr(repo_instance_enum(t->r, t->mem, "root", "Base", true,
	                             collect, &s),
	          HR_WBEM_E_CALL_CANCELLED);
	assert_int_equal(s.n, 3);

	memset(&s, 0, sizeof(s));
	s.r = t->r;
	assert_ok(repo_instance_enum(t->r, t->mem, "root", "Leaf", false,
	                             nested, &s));
	assert_int_equal(s.nested, 5);

	assert_ok(repo_instance_count(t->r, "root", "Base", true, &n));
	assert_int_equal(n, 5);
	assert_ok(repo_instance_count(t->r, "root", "Base", false, &n));
	assert_int_equal(n, 2);
	assert_hr(repo_instance_count(t->r, "root", "Nope", false, &n),
	          HR_WBEM_E_INVALID_CLASS);
	assert_hr(repo_instance_enum(t->r, t->mem, "root", "Nope", false,
	                             collect, &s),
	          HR_WBEM_E_INVALID_CLASS);
}

static void test_many_instances(void **state)
{
	struct rt *t = *state;
	struct cim_instance *inst = NULL;
	char name[32];
	uint64_t n = 0;
	int count = 0;

	put_tree(t->r);
	assert_ok(repo_txn_begin(t->r));
	for (int i = 0; i < 5000; i++) {
		snprintf(name, sizeof(name), "n%05d", i);
		assert_ok(rt_put_inst(t->r, "root", i % 3 ? "Leaf" : "Base",
		                      name, (uint32_t)i, 0));
	}
	assert_ok(repo_txn_commit(t->r));
	assert_ok(repo_instance_count(t->r, "root", "Base", true, &n));
	assert_int_equal(n, 5000);
	assert_ok(repo_instance_enum(t->r, t->mem, "root", "Base", true,
	                             count_only, &count));
	assert_int_equal(count, 5000);
	assert_ok(repo_instance_get(t->r, t->mem, "root", "Base",
	                            "Name=\"n04999\"", &inst));
	assert_int_equal(cim_instance_get(inst, "Value")->v.u, 4999);
	assert_ok(repo_verify(t->path, NULL));
}

static struct cim_qualifier_decl *qd(void *mem,
                                     const char *name,
                                     uint32_t scope)
{
	struct cim_qualifier_decl *d = talloc_zero(mem,
	                                           struct cim_qualifier_decl);

	d->name = talloc_strdup(d, name);
	d->type = CIM_T_BOOLEAN;
	d->def = rt_bool(false);
	d->scope = scope;
	d->flavor = CIM_FLAVOR_TO_SUBCLASS;
	return d;
}

static hresult collect_qd(void *arg, struct cim_qualifier_decl *d)
{
	struct seen *s = arg;
	size_t len = strlen(s->buf);

	snprintf(s->buf + len, sizeof(s->buf) - len, "%s%s", len ? "," : "",
	         d->name);
	s->n++;
	return HR_OK;
}

static void test_qualifier_declarations(void **state)
{
	struct rt *t = *state;
	struct cim_qualifier_decl *d = NULL;
	struct seen s;

	assert_hr(repo_qualdecl_put(t->r, "root",
	                            qd(t->mem, "Key", CIM_SCOPE_PROPERTY),
	                            REPO_PUT_UPDATE_ONLY, NULL),
	          HR_WBEM_E_NOT_FOUND);
	assert_ok(repo_qualdecl_put(t->r, "root",
	                            qd(t->mem, "Key", CIM_SCOPE_PROPERTY),
	                            REPO_PUT_CREATE_ONLY, NULL));
	assert_ok(repo_qualdecl_put(t->r, "root",
	                            qd(t->mem, "Abstract", CIM_SCOPE_CLASS), 0,
	                            NULL));
	assert_hr(repo_qualdecl_put(t->r, "root",
	                            qd(t->mem, "KEY", CIM_SCOPE_ANY),
	                            REPO_PUT_CREATE_ONLY, NULL),
	          HR_WBEM_E_ALREADY_EXISTS);
	assert_ok(repo_qualdecl_put(t->r, "root",
	                            qd(t->mem, "KEY", CIM_SCOPE_ANY),
	                            REPO_PUT_UPDATE_ONLY, NULL));
	assert_ok(repo_qualdecl_get(t->r, t->mem, "root", "key", &d));
	assert_int_equal(d->scope, CIM_SCOPE_ANY);
	assert_int_equal(d->type, CIM_T_BOOLEAN);

	memset(&s, 0, sizeof(s));
	assert_ok(repo_qualdecl_enum(t->r, t->mem, "root", collect_qd, &s));
	assert_int_equal(s.n, 2);
	assert_string_equal(s.buf, "Abstract,KEY");

	assert_ok(repo_qualdecl_delete(t->r, "root", "abstract", NULL));
	assert_hr(repo_qualdecl_delete(t->r, "root", "abstract", NULL),
	          HR_WBEM_E_NOT_FOUND);
	assert_hr(repo_qualdecl_get(t->r, t->mem, "root", "Abstract", &d),
	          HR_WBEM_E_NOT_FOUND);
	assert_hr(repo_qualdecl_get(t->r, t->mem, "root\\x", "Key", &d),
	          HR_WBEM_E_INVALID_NAMESPACE);
	assert_ok(repo_verify(t->path, NULL));
}

static int64_t stamp(struct repo *r)
{
	int64_t v = -1;

	assert_ok(repo_registration_stamp(r, &v));
	return v;
}

/* The registration stamp moves with classes and registration instances,
 * on every handle, and not with other instances. */
static void test_registration_stamp(void **state)
{
	struct rt *t = *state;
	struct repo *other = NULL;
	int64_t s0, s1, s2;

	put_tree(t->r);
	s0 = stamp(t->r);
	assert_ok(rt_put_inst(t->r, "root", "Base", "alpha", 1, 0));
	assert_int_equal(stamp(t->r), s0);
	assert_ok(rt_put_keyed(t->r, "root", "__Provider", NULL));
	assert_ok(rt_put_keyed(t->r, "root", "__Win32Provider", "__Provider"));
	assert_ok(rt_put_keyed(t->r, "root", "__ProviderRegistration", NULL));
	assert_ok(rt_put_keyed(t->r, "root", "__MethodProviderRegistration",
	                       "__ProviderRegistration"));
	s1 = stamp(t->r);
	assert_true(s1 > s0);
	assert_ok(rt_put_inst(t->r, "root", "__Win32Provider", "P", 1, 0));
	s2 = stamp(t->r);
	assert_true(s2 > s1);
	assert_ok(rt_put_inst(t->r, "root", "__MethodProviderRegistration", "M",
	                      1, 0));
	assert_true(stamp(t->r) > s2);
	s2 = stamp(t->r);

	/* Another handle on the file sees the same stamp and its writes
	 * move this one. */
	assert_ok(repo_open(t->mem, t->path, 0, &other, NULL));
	assert_int_equal(stamp(other), s2);
	assert_ok(rt_put_inst(other, "root", "__Win32Provider", "P", 2, 0));
	assert_true(stamp(t->r) > s2);
	s2 = stamp(t->r);
	assert_ok(repo_instance_delete(other, "root", "__Win32Provider",
	                               "Name=\"P\"", NULL));
	assert_true(stamp(t->r) > s2);
	s2 = stamp(t->r);
	assert_ok(rt_put_inst(other, "root", "Base", "beta", 1, 0));
	assert_ok(repo_instance_delete(other, "root", "Base", "Name=\"beta\"",
	                               NULL));
	assert_int_equal(stamp(t->r), s2);
	repo_close(other);

	/* A write rolled back takes the stamp back with it. */
	assert_ok(repo_txn_begin(t->r));
	assert_ok(rt_put_inst(t->r, "root", "__Win32Provider", "Q", 1, 0));
	assert_true(stamp(t->r) > s2);
	assert_ok(repo_txn_rollback(t->r));
	assert_int_equal(stamp(t->r), s2);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
#define T(f) cmocka_unit_test_setup_teardown(f, rt_setup, rt_teardown)
		T(test_put_get_roundtrip),
		T(test_instance_outlives_repository),
		T(test_get_through_superclass),
		T(test_put_flags_and_update),
		T(test_put_errors),
		T(test_keys_shared_across_hierarchy),
		T(test_stale_class_copy_is_mapped_by_name),
		T(test_singleton_instance),
		T(test_delete),
		T(test_enum_shallow_deep_and_count),
		T(test_many_instances),
		T(test_qualifier_declarations),
		T(test_registration_stamp),
#undef T
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
