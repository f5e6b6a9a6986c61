/*
 * Unit tests: instances, relpaths and key strings (cim layer).
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#include <cmocka.h>

#include <string.h>
#include <talloc.h>

#include "base/buf.h"
#include "cim/cim.h"
#include "cim/objpath.h"

static struct cim_value str(const char *s)
{
	struct cim_value v = { .type = CIM_T_STRING };

	v.v.s = (char *)s;
	return v;
}

static struct cim_value u32(uint64_t u)
{
	struct cim_value v = { .type = CIM_T_UINT32 };

	v.v.u = u;
	return v;
}

static struct cim_value boolean(bool b)
{
	struct cim_value v = { .type = CIM_T_BOOLEAN };

	v.v.b = b;
	return v;
}

/* Resolves a root class "Svc" with keys Name (string) and Id (uint32). */
static struct cim_class *svc_class(void *mem)
{
	struct cim_class *l = cim_class_new(mem, "Svc", NULL);
	struct cim_class *r = NULL;
	struct cim_property *p;
	struct cim_value t = boolean(true);

	p = cim_class_add_prop(l, "Name", CIM_T_STRING);
	assert_non_null(p);
	assert_true(hr_ok(cim_qset_set(l, &p->quals, "key", &t,
	                               CIM_FLAVOR_TO_SUBCLASS |
	                                       CIM_FLAVOR_DISABLE_OVERRIDE)));
	p = cim_class_add_prop(l, "Id", CIM_T_UINT32);
	assert_true(hr_ok(
	        cim_qset_set(l, &p->quals, "key", &t, CIM_FLAVOR_TO_SUBCLASS)));
	p = cim_class_add_prop(l, "State", CIM_T_STRING);
	p->value = str("Stopped");
	assert_true(hr_ok(cim_class_resolve(mem, l, NULL, &r, NULL)));
	return r;
}

static void test_relpath_sorted_and_escaped(void **state)
{
	void *mem = talloc_new(NULL);
	struct cim_class *cls = svc_class(mem);
	struct cim_instance *inst = cim_instance_new(mem, cls);
	struct cim_value v;
	char *rel = NULL;

	(void)state;
	assert_int_equal(cls->n_keys, 2);
	assert_string_equal(cls->props[cls->key_index[0]].name, "Id");
	v = str("a\"b\\c");
	assert_true(hr_ok(cim_instance_set(inst, "name", &v)));
	v = u32(7);
	assert_true(hr_ok(cim_instance_set(inst, "ID", &v)));
	assert_true(hr_ok(cim_instance_relpath(mem, inst, &rel)));
	assert_string_equal(rel, "Svc.Id=7,Name=\"a\\\"b\\\\c\"");
	assert_true(hr_ok(cim_instance_keystr(mem, inst, &rel)));
	assert_string_equal(rel, "Id=7,Name=\"a\\\"b\\\\c\"");
	assert_string_equal(cim_instance_get(inst, "State")->v.s, "Stopped");
	talloc_free(mem);
}

static void test_relpath_null_key_is_illegal(void **state)
{
	void *mem = talloc_new(NULL);
	struct cim_class *cls = svc_class(mem);
	struct cim_instance *inst = cim_instance_new(mem, cls);
	struct cim_value v = str("x");
	char *rel = NULL;

	(void)state;
	assert_true(hr_ok(cim_instance_set(inst, "Name", &v)));
	assert_true(hr_eq(cim_instance_relpath(mem, inst, &rel),
	                  HR_WBEM_E_ILLEGAL_NULL));
	assert_null(rel);
	talloc_free(mem);
}

static void test_encode_decode_instance(void **state)
{
	void *mem = talloc_new(NULL);
	struct cim_class *cls = svc_class(mem);
	struct cim_instance *inst = cim_instance_new(mem, cls);
	struct cim_instance *back = NULL;
	struct cim_value v;
	struct buf b;

	(void)state;
	v = str("spooler");
	assert_true(hr_ok(cim_instance_set(inst, "Name", &v)));
	v = u32(3);
	assert_true(hr_ok(cim_instance_set(inst, "Id", &v)));
	v = cim_value_null(CIM_T_STRING);
	assert_true(hr_ok(cim_instance_set(inst, "State", &v)));
	buf_init(&b, mem);
	assert_true(hr_ok(cim_instance_encode(&b, inst)));
	assert_true(hr_ok(cim_instance_decode(mem, cls, b.data, b.len, &back)));
	for (uint32_t i = 0; i < cls->n_props; i++) {
		assert_true(
		        cim_value_equal(&inst->values[i], &back->values[i]));
	}
	assert_true(back->values[2].null);
	talloc_free(mem);
}

static void test_relpath_from_objpath(void **state)
{
	void *mem = talloc_new(NULL);
	struct cim_class *cls = svc_class(mem);
	struct objpath *p = NULL;
	char *rel = NULL;
	struct errinfo ei = { 0 };

	(void)state;
	assert_true(
	        hr_ok(objpath_parse(mem, "svc.name='x',ID=\"ten\"", &p, NULL)));
	assert_true(hr_eq(cim_relpath_from_objpath(mem, cls, p, &rel, &ei),
	                  HR_WBEM_E_TYPE_MISMATCH));
	assert_true(
	        hr_ok(objpath_parse(mem, "svc.name='x',ID=\"16\"", &p, NULL)));
	assert_true(hr_ok(cim_relpath_from_objpath(mem, cls, p, &rel, NULL)));
	assert_string_equal(rel, "Svc.Id=16,Name=\"x\"");
	assert_true(hr_ok(objpath_parse(mem, "Svc.Name=\"x\"", &p, NULL)));
	assert_true(hr_eq(cim_relpath_from_objpath(mem, cls, p, &rel, NULL),
	                  HR_WBEM_E_INVALID_OBJECT_PATH));
	talloc_free(mem);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_relpath_sorted_and_escaped),
		cmocka_unit_test(test_relpath_null_key_is_illegal),
		cmocka_unit_test(test_encode_decode_instance),
		cmocka_unit_test(test_relpath_from_objpath),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
