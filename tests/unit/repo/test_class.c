/*
 * Unit tests: class storage, PutClass rules, deletion, enumeration and
 * the resolved-class cache (repo layer).
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#include <cmocka.h>

#include "repotest.h"

/* Base(Name key, Value) <- Mid(Extra) <- Leaf(More); Other is a root. */
static void put_tree(struct repo *r)
{
	void *mem = talloc_new(NULL);
	struct cim_class *c;

	assert_ok(rt_put_keyed(r, "root", "Base", NULL));
	c = rt_class(mem, "Mid", "Base");
	rt_prop(c, "Extra", CIM_T_STRING, false);
	assert_ok(repo_class_put(r, "root", c, 0, NULL));
	c = rt_class(mem, "Leaf", "Mid");
	rt_prop(c, "More", CIM_T_UINT32, false);
	assert_ok(repo_class_put(r, "root", c, 0, NULL));
	assert_ok(rt_put_keyed(r, "root", "Other", NULL));
	talloc_free(mem);
}

static void test_get_returns_resolved_copy(void **state)
{
	struct rt *t = *state;
	struct cim_class *c = NULL, *l = NULL;

	put_tree(t->r);
	assert_ok(repo_class_get(t->r, t->mem, "root", "LEAF", &c));
	assert_true(c->resolved);
	assert_string_equal(c->name, "Leaf");
	assert_int_equal(c->n_props, 4);
	assert_true(cim_class_find_prop(c, "Name") >= 0);
	assert_true(cim_class_find_prop(c, "Extra") >= 0);
	assert_int_equal(c->n_keys, 1);
	assert_int_equal(c->n_derivation, 2);
	assert_string_equal(c->derivation[0], "Mid");
	assert_string_equal(c->derivation[1], "Base");
	assert_non_null(c->namespace);
	assert_string_equal(c->namespace, "root");

	assert_ok(repo_class_get_local(t->r, t->mem, "root", "leaf", &l));
	assert_false(l->resolved);
	assert_int_equal(l->n_props, 1);
	assert_string_equal(l->superclass, "Mid");

	/* The copy is the caller's: changing it does not reach the cache. */
	c->props[0].name[0] = 'X';
	talloc_free(c);
	assert_ok(repo_class_get(t->r, t->mem, "root", "Leaf", &c));
	assert_true(cim_class_find_prop(c, "Name") >= 0);
}

static void test_get_errors(void **state)
{
	struct rt *t = *state;
	struct cim_class *c = NULL;

	assert_hr(repo_class_get(t->r, t->mem, "root", "Nope", &c),
	          HR_WBEM_E_NOT_FOUND);
	assert_hr(repo_class_get(t->r, t->mem, "root\\none", "Nope", &c),
	          HR_WBEM_E_INVALID_NAMESPACE);
	assert_hr(repo_class_get_local(t->r, t->mem, "root", "Nope", &c),
	          HR_WBEM_E_NOT_FOUND);
	assert_null(c);
}

static void test_put_flags(void **state)
{
	struct rt *t = *state;
	struct cim_class *c = rt_class(t->mem, "Flag", NULL);

	rt_prop(c, "Name", CIM_T_STRING, true);
	assert_hr(repo_class_put(t->r, "root", c, REPO_PUT_UPDATE_ONLY, NULL),
	          HR_WBEM_E_NOT_FOUND);
	assert_ok(repo_class_put(t->r, "root", c, REPO_PUT_CREATE_ONLY, NULL));
	assert_hr(repo_class_put(t->r, "root", c, REPO_PUT_CREATE_ONLY, NULL),
	          HR_WBEM_E_ALREADY_EXISTS);
	assert_ok(repo_class_put(t->r, "root", c, REPO_PUT_UPDATE_ONLY, NULL));
	assert_ok(repo_class_put(t->r, "root", c, 0, NULL));
	assert_hr(repo_class_put(t->r, "root\\x", c, 0, NULL),
	          HR_WBEM_E_INVALID_NAMESPACE);
	assert_hr(repo_class_put(t->r, "root", c,
	                         REPO_PUT_CREATE_ONLY | REPO_PUT_UPDATE_ONLY,
	                         NULL),
	          HR_WBEM_E_INVALID_PARAMETER);
}

static void test_put_refuses_resolved_class(void **state)
{
	struct rt *t = *state;
	struct cim_class *c = NULL;

	put_tree(t->r);
	assert_ok(repo_class_get(t->r, t->mem, "root", "Base", &c));
	assert_hr(repo_class_put(t->r, "root", c, 0, NULL),
	          HR_WBEM_E_INVALID_PARAMETER);
}

static void test_put_needs_superclass(void **state)
{
	struct rt *t = *state;
	struct cim_class *c = rt_class(t->mem, "Orphan", "Missing");
	struct errinfo ei;

	err_clear(&ei);
	assert_hr(repo_class_put(t->r, "root", c, 0, &ei),
	          HR_WBEM_E_INVALID_SUPERCLASS);
	assert_true(strstr(ei.msg, "Missing") != NULL);
}

static void test_put_refuses_cycles(void **state)
{
	struct rt *t = *state;
	struct cim_class *c;

	put_tree(t->r);
	c = rt_class(t->mem, "Self", "Self");
	assert_hr(repo_class_put(t->r, "root", c, 0, NULL),
	          HR_WBEM_E_CIRCULAR_REFERENCE);
	/* Base : Leaf would close the loop Base <- Mid <- Leaf. */
	c = rt_class(t->mem, "Base", "Leaf");
	rt_prop(c, "Name", CIM_T_STRING, true);
	assert_hr(repo_class_put(t->r, "root", c, REPO_PUT_FORCE_UPDATE, NULL),
	          HR_WBEM_E_CIRCULAR_REFERENCE);
	assert_ok(repo_verify(t->path, NULL));
}

static void test_put_propagates_resolve_errors(void **state)
{
	struct rt *t = *state;
	struct cim_class *c;

	put_tree(t->r);
	/* A subclass may not add keys when its parent has keys. */
	c = rt_class(t->mem, "MoreKeys", "Base");
	rt_prop(c, "Id", CIM_T_UINT32, true);
	assert_hr(repo_class_put(t->r, "root", c, 0, NULL),
	          HR_WBEM_E_CANNOT_CHANGE_KEY_INHERITANCE);
	/* Nor redeclare an inherited property with another type. */
	c = rt_class(t->mem, "Retyped", "Base");
	rt_prop(c, "Value", CIM_T_STRING, false);
	assert_hr(repo_class_put(t->r, "root", c, 0, NULL),
	          HR_WBEM_E_UPDATE_TYPE_MISMATCH);
	assert_hr(repo_class_get(t->r, t->mem, "root", "Retyped", &c),
	          HR_WBEM_E_NOT_FOUND);
}

static void test_compatible_change_with_instances(void **state)
{
	struct rt *t = *state;
	struct cim_class *c = rt_class(t->mem, "Base", NULL);
	struct cim_instance *inst = NULL;
	struct cim_property *p;

	put_tree(t->r);
	assert_ok(rt_put_inst(t->r, "root", "Leaf", "one", 1, 0));
	rt_prop(c, "Name", CIM_T_STRING, true);
	rt_prop(c, "Value", CIM_T_UINT32, false);
	p = rt_prop(c, "Added", CIM_T_STRING, false);
	p->value = rt_str("dflt");
	assert_ok(repo_class_put(t->r, "root", c, 0, NULL));
	/* Old instances read back with the new property. */
	assert_ok(repo_instance_get(t->r, t->mem, "root", "Leaf",
	                            "Name=\"one\"", &inst));
	assert_non_null(cim_instance_get(inst, "Added"));
	assert_int_equal(cim_instance_get(inst, "Value")->v.u, 1);
	assert_ok(repo_verify(t->path, NULL));
}

static void test_incompatible_change_with_instances(void **state)
{
	struct rt *t = *state;
	struct cim_class *c = rt_class(t->mem, "Base", NULL);
	struct errinfo ei;

	put_tree(t->r);
	assert_ok(rt_put_inst(t->r, "root", "Leaf", "one", 1, 0));
	rt_prop(c, "Name", CIM_T_STRING, true); /* Value removed */
	err_clear(&ei);
	assert_hr(repo_class_put(t->r, "root", c, 0, &ei),
	          HR_WBEM_E_CLASS_HAS_INSTANCES);
	assert_hr(repo_class_put(t->r, "root", c, REPO_PUT_FORCE_UPDATE, NULL),
	          HR_WBEM_E_CLASS_HAS_INSTANCES);
	assert_hr(repo_class_put(t->r, "root", c, REPO_PUT_SAFE_UPDATE, NULL),
	          HR_WBEM_E_CLASS_HAS_INSTANCES);
	/* Retyping a property is incompatible too. */
	c = rt_class(t->mem, "Base", NULL);
	rt_prop(c, "Name", CIM_T_STRING, true);
	rt_prop(c, "Value", CIM_T_STRING, false);
	assert_hr(repo_class_put(t->r, "root", c, REPO_PUT_FORCE_UPDATE, NULL),
	          HR_WBEM_E_CLASS_HAS_INSTANCES);
	/* Changing the keys as well. */
	c = rt_class(t->mem, "Base", NULL);
	rt_prop(c, "Name", CIM_T_STRING, false);
	rt_prop(c, "Value", CIM_T_UINT32, true);
	assert_hr(repo_class_put(t->r, "root", c, 0, NULL),
	          HR_WBEM_E_CLASS_HAS_INSTANCES);
	assert_ok(repo_class_get(t->r, t->mem, "root", "Base", &c));
	assert_true(cim_class_find_prop(c, "Value") >= 0);
}

static void test_incompatible_change_with_children(void **state)
{
	struct rt *t = *state;
	struct cim_class *c = rt_class(t->mem, "Base", NULL);

	put_tree(t->r);
	rt_prop(c, "Name", CIM_T_STRING, true); /* Value removed */
	assert_hr(repo_class_put(t->r, "root", c, 0, NULL),
	          HR_WBEM_E_CLASS_HAS_CHILDREN);
	assert_ok(repo_class_put(t->r, "root", c, REPO_PUT_SAFE_UPDATE, NULL));
	assert_ok(repo_class_get(t->r, t->mem, "root", "Leaf", &c));
	assert_int_equal(cim_class_find_prop(c, "Value"), -1);
	assert_ok(repo_verify(t->path, NULL));
}

static void test_force_deletes_conflicting_children(void **state)
{
	struct rt *t = *state;
	struct cim_class *c;

	put_tree(t->r);
	/* Leaf declares More as uint32; the parent now adds More string:
	 * Leaf no longer resolves. */
	c = rt_class(t->mem, "Mid", "Base");
	rt_prop(c, "Extra", CIM_T_STRING, false);
	rt_prop(c, "More", CIM_T_STRING, false);
	assert_hr(repo_class_put(t->r, "root", c, 0, NULL),
	          HR_WBEM_E_CLASS_HAS_CHILDREN);
	assert_hr(repo_class_put(t->r, "root", c, REPO_PUT_SAFE_UPDATE, NULL),
	          HR_WBEM_E_CLASS_HAS_CHILDREN);

	/* With instances in the conflicting child, force fails too. */
	assert_ok(rt_put_inst(t->r, "root", "Leaf", "x", 1, 0));
	assert_hr(repo_class_put(t->r, "root", c, REPO_PUT_FORCE_UPDATE, NULL),
	          HR_WBEM_E_CLASS_HAS_INSTANCES);
	assert_ok(
	        repo_instance_delete(t->r, "root", "Leaf", "Name=\"x\"", NULL));

	assert_ok(repo_class_put(t->r, "root", c, REPO_PUT_FORCE_UPDATE, NULL));
	assert_hr(repo_class_get(t->r, t->mem, "root", "Leaf", &c),
	          HR_WBEM_E_NOT_FOUND);
	assert_ok(repo_class_get(t->r, t->mem, "root", "Mid", &c));
	assert_true(cim_class_find_prop(c, "More") >= 0);
	assert_ok(repo_verify(t->path, NULL));
}

static void test_abstract_change_counts_as_incompatible(void **state)
{
	struct rt *t = *state;
	struct cim_class *c = rt_class(t->mem, "Other", NULL);

	put_tree(t->r);
	assert_ok(rt_put_inst(t->r, "root", "Other", "o", 1, 0));
	rt_prop(c, "Name", CIM_T_STRING, true);
	rt_prop(c, "Value", CIM_T_UINT32, false);
	rt_qual(c, "abstract", 0);
	assert_hr(repo_class_put(t->r, "root", c, 0, NULL),
	          HR_WBEM_E_CLASS_HAS_INSTANCES);
}

static void test_delete_removes_subclasses_and_instances(void **state)
{
	struct rt *t = *state;
	struct cim_class *c = NULL;
	uint64_t n = 9;

	put_tree(t->r);
	assert_ok(rt_put_inst(t->r, "root", "Leaf", "l", 1, 0));
	assert_ok(rt_put_inst(t->r, "root", "Mid", "m", 1, 0));
	assert_ok(rt_put_inst(t->r, "root", "Base", "b", 1, 0));
	assert_ok(repo_class_delete(t->r, "root", "mid", NULL));
	assert_hr(repo_class_get(t->r, t->mem, "root", "Mid", &c),
	          HR_WBEM_E_NOT_FOUND);
	assert_hr(repo_class_get(t->r, t->mem, "root", "Leaf", &c),
	          HR_WBEM_E_NOT_FOUND);
	assert_ok(repo_instance_count(t->r, "root", "Base", true, &n));
	assert_int_equal(n, 1);
	assert_hr(repo_class_delete(t->r, "root", "Mid", NULL),
	          HR_WBEM_E_NOT_FOUND);
	assert_hr(repo_class_delete(t->r, "root\\x", "Mid", NULL),
	          HR_WBEM_E_INVALID_NAMESPACE);
	/* The name is free again, with a different shape. */
	c = rt_class(t->mem, "Leaf", NULL);
	rt_prop(c, "Id", CIM_T_UINT32, true);
	assert_ok(repo_class_put(t->r, "root", c, REPO_PUT_CREATE_ONLY, NULL));
	assert_ok(repo_verify(t->path, NULL));
}

struct names {
	char buf[512];
	int n;
	int stop_at;
};

static hresult collect(void *arg, struct cim_class *cls)
{
	struct names *n = arg;
	size_t len = strlen(n->buf);

	assert_true(cls->resolved);
	snprintf(n->buf + len, sizeof(n->buf) - len, "%s%s", len ? "," : "",
	         cls->name);
	if (++n->n == n->stop_at) {
		return HR_WBEM_E_CALL_CANCELLED;
	}
	return HR_OK;
}

static void test_enum_shallow_and_deep(void **state)
{
	struct rt *t = *state;
	struct names n;
	struct cim_class *c = rt_class(t->mem, "Mid2", "Base");

	put_tree(t->r);
	assert_ok(repo_class_put(t->r, "root", c, 0, NULL));

	memset(&n, 0, sizeof(n));
	assert_ok(repo_class_enum(t->r, t->mem, "root", NULL, false, collect,
	                          &n));
	assert_string_equal(n.buf, "Base,Other");

	memset(&n, 0, sizeof(n));
	assert_ok(
	        repo_class_enum(t->r, t->mem, "root", NULL, true, collect, &n));
	assert_string_equal(n.buf, "Base,Mid,Leaf,Mid2,Other");

	memset(&n, 0, sizeof(n));
	assert_ok(repo_class_enum(t->r, t->mem, "root", "base", false, collect,
	                          &n));
	assert_string_equal(n.buf, "Mid,Mid2");

	memset(&n, 0, sizeof(n));
	assert_ok(repo_class_enum(t->r, t->mem, "root", "Base", true, collect,
	                          &n));
	assert_string_equal(n.buf, "Mid,Leaf,Mid2");

	memset(&n, 0, sizeof(n));
	n.stop_at = 2;
	assert_hr(
	        repo_class_enum(t->r, t->mem, "root", NULL, true, collect, &n),
	        HR_WBEM_E_CALL_CANCELLED);
	assert_int_equal(n.n, 2);

	assert_hr(repo_class_enum(t->r, t->mem, "root", "Nope", true, collect,
	                          &n),
	          HR_WBEM_E_NOT_FOUND);
	assert_hr(repo_class_enum(t->r, t->mem, "root\\x", NULL, true, collect,
	                          &n),
	          HR_WBEM_E_INVALID_NAMESPACE);
}

static void test_children_names(void **state)
{
	struct rt *t = *state;
	char **names = NULL;
	uint32_t n = 0;

	put_tree(t->r);
	assert_ok(repo_class_children(t->r, t->mem, "root", NULL, &names, &n));
	assert_int_equal(n, 2);
	assert_string_equal(names[0], "Base");
	assert_string_equal(names[1], "Other");
	assert_ok(repo_class_children(t->r, t->mem, "root", "MID", &names, &n));
	assert_int_equal(n, 1);
	assert_string_equal(names[0], "Leaf");
	assert_ok(
	        repo_class_children(t->r, t->mem, "root", "Leaf", &names, &n));
	assert_int_equal(n, 0);
	assert_hr(repo_class_children(t->r, t->mem, "root", "Nope", &names, &n),
	          HR_WBEM_E_NOT_FOUND);
}

static void test_cache_sees_own_and_other_writes(void **state)
{
	struct rt *t = *state;
	struct repo *r2 = NULL;
	struct cim_class *c = NULL;

	put_tree(t->r);
	assert_ok(repo_class_get(t->r, t->mem, "root", "Leaf", &c));
	assert_int_equal(c->n_props, 4);

	/* Another connection adds a property to Base. */
	assert_ok(repo_open(t->mem, t->path, 0, &r2, NULL));
	c = rt_class(t->mem, "Base", NULL);
	rt_prop(c, "Name", CIM_T_STRING, true);
	rt_prop(c, "Value", CIM_T_UINT32, false);
	rt_prop(c, "FromR2", CIM_T_UINT32, false);
	assert_ok(repo_class_put(r2, "root", c, 0, NULL));
	repo_close(r2);

	assert_ok(repo_class_get(t->r, t->mem, "root", "Leaf", &c));
	assert_int_equal(c->n_props, 5);
	assert_true(cim_class_find_prop(c, "FromR2") >= 0);

	/* A rolled-back change disappears from the cache as well. */
	assert_ok(repo_txn_begin(t->r));
	c = rt_class(t->mem, "Base", NULL);
	rt_prop(c, "Name", CIM_T_STRING, true);
	rt_prop(c, "Value", CIM_T_UINT32, false);
	rt_prop(c, "FromR2", CIM_T_UINT32, false);
	rt_prop(c, "Temp", CIM_T_UINT32, false);
	assert_ok(repo_class_put(t->r, "root", c, 0, NULL));
	assert_ok(repo_class_get(t->r, t->mem, "root", "Leaf", &c));
	assert_int_equal(c->n_props, 6);
	assert_ok(repo_txn_rollback(t->r));
	assert_ok(repo_class_get(t->r, t->mem, "root", "Leaf", &c));
	assert_int_equal(c->n_props, 5);
}

static void test_many_classes_in_one_namespace(void **state)
{
	struct rt *t = *state;
	struct cim_class *c = NULL;
	char name[32];
	struct names n;

	/* Enough classes to grow the cache tables several times. */
	assert_ok(repo_txn_begin(t->r));
	assert_ok(rt_put_keyed(t->r, "root", "Top", NULL));
	for (int i = 0; i < 2000; i++) {
		snprintf(name, sizeof(name), "C%04d", i);
		assert_ok(
		        rt_put_keyed(t->r, "root", name, i % 2 ? "Top" : NULL));
	}
	assert_ok(repo_txn_commit(t->r));
	for (int i = 0; i < 2000; i++) {
		snprintf(name, sizeof(name), "c%04d", i);
		assert_ok(repo_class_get(t->r, t->mem, "root", name, &c));
		talloc_free(c);
	}
	memset(&n, 0, sizeof(n));
	n.stop_at = -1;
	assert_ok(repo_class_enum(t->r, t->mem, "root", "Top", false, collect,
	                          &n));
	assert_int_equal(n.n, 1000);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
#define T(f) cmocka_unit_test_setup_teardown(f, rt_setup, rt_teardown)
		T(test_get_returns_resolved_copy),
		T(test_get_errors),
		T(test_put_flags),
		T(test_put_refuses_resolved_class),
		T(test_put_needs_superclass),
		T(test_put_refuses_cycles),
		T(test_put_propagates_resolve_errors),
		T(test_compatible_change_with_instances),
		T(test_incompatible_change_with_instances),
		T(test_incompatible_change_with_children),
		T(test_force_deletes_conflicting_children),
		T(test_abstract_change_counts_as_incompatible),
		T(test_delete_removes_subclasses_and_instances),
		T(test_enum_shallow_and_deep),
		T(test_children_names),
		T(test_cache_sees_own_and_other_writes),
		T(test_many_classes_in_one_namespace),
#undef T
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
