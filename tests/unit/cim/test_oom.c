/*
 * Allocation-failure loops (STYLE.md section 11) over the cim parsers and
 * codecs: objpath_parse, cim_class_decode, cim_instance_decode.  Every
 * ceiling below the one a call needs must give a clean E_OUTOFMEMORY
 * (tests/unit/oomtest.h).
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <string.h>
#include <talloc.h>

#include <cmocka.h>

#include "../oomtest.h"
#include "base/buf.h"
#include "cim/cim.h"
#include "cim/objpath.h"

static hresult parse_path(void *mem, void *arg)
{
	struct objpath *p = NULL;
	struct errinfo ei;
	hresult hr;

	err_clear(&ei);
	hr = objpath_parse(mem, arg, &p, &ei);
	if (hr_ok(hr)) {
		assert_non_null(p);
		if (objpath_format(mem, p) == NULL) {
			hr = HR_E_OUTOFMEMORY;
		}
	} else {
		assert_null(p);
	}
	return hr;
}

static void test_objpath_parse_every_failure(void **state)
{
	static const char *const texts[] = {
		"\\\\srv\\root\\cimv2:Win32_Service.Name=\"sp\\\"ool\",X=-2",
		"//./root/cimv2:A.R=\"B.K=\\\"v\\\"\",T=TRUE,U=0x10",
		"root:__CIMOMIdentification=@",
	};

	(void)state;
	for (size_t i = 0; i < sizeof(texts) / sizeof(texts[0]); i++) {
		struct oom_loop l = { .body = parse_path,
			              .arg = (void *)texts[i] };

		for_each_alloc_failure(&l);
		for_each_memlimit(&l);
	}
}

struct blobs {
	struct cim_class *cls; /* resolved */
	struct buf cb;         /* the class encoded */
	struct buf ib;         /* an instance encoded */
};

static void qual(void *mem, struct cim_qualifier_set *qs, const char *name)
{
	struct cim_value t = { .type = CIM_T_BOOLEAN, .v.b = true };

	assert_true(hr_ok(cim_qset_set(mem, qs, name, &t, CIM_FLAVOR_DEFAULT)));
}

static void build_blobs(void *mem, struct blobs *b)
{
	struct cim_class *c = cim_class_new(mem, "T_Rich", NULL);
	struct cim_property *p;
	struct cim_method *m;
	struct cim_instance *inst;
	struct cim_value v = { .type = CIM_T_STRING, .v.s = "a value" };
	struct cim_value u = { .type = CIM_T_UINT64, .v.u = 42 };
	struct errinfo ei;

	err_clear(&ei);
	qual(c, &c->quals, "dynamic");
	qual(c, &cim_class_add_prop(c, "Name", CIM_T_STRING)->quals, "key");
	p = cim_class_add_prop(c, "Size", CIM_T_UINT64);
	qual(c, &p->quals, "read");
	assert_true(hr_ok(cim_value_copy(c, &p->value, &u)));
	cim_class_add_prop(c, "Tags", CIM_T_STRING | CIM_FLAG_ARRAY);
	cim_class_add_prop(c, "When", CIM_T_DATETIME);
	m = cim_class_add_method(c, "Stop", CIM_T_UINT32);
	assert_non_null(cim_method_add_param(c, m, "Force", CIM_T_BOOLEAN));
	assert_true(hr_ok(cim_class_resolve(mem, c, NULL, &b->cls, &ei)));
	inst = cim_instance_new(mem, b->cls);
	assert_true(hr_ok(cim_instance_set(inst, "Name", &v)));
	buf_init(&b->cb, mem);
	buf_init(&b->ib, mem);
	assert_true(hr_ok(cim_class_encode(&b->cb, c)));
	assert_true(hr_ok(cim_instance_encode(&b->ib, inst)));
}

static hresult decode_class(void *mem, void *arg)
{
	struct blobs *b = arg;
	struct cim_class *c = NULL;
	hresult hr = cim_class_decode(mem, b->cb.data, b->cb.len, &c);

	if (hr_ok(hr)) {
		assert_string_equal(c->name, "T_Rich");
		assert_int_equal(c->n_props, 4);
	}
	return hr;
}

static hresult decode_instance(void *mem, void *arg)
{
	struct blobs *b = arg;
	struct cim_instance *inst = NULL;
	hresult hr = cim_instance_decode(mem, b->cls, b->ib.data, b->ib.len,
	                                 &inst);

	if (hr_ok(hr)) {
		assert_string_equal(cim_instance_get(inst, "Name")->v.s,
		                    "a value");
	}
	return hr;
}

static void test_class_decode_every_failure(void **state)
{
	void *mem = talloc_new(NULL);
	struct blobs b;
	struct oom_loop l = { .body = decode_class, .arg = &b };

	(void)state;
	build_blobs(mem, &b);
	for_each_alloc_failure(&l);
	for_each_memlimit(&l);
	talloc_free(mem);
}

static void test_instance_decode_every_failure(void **state)
{
	void *mem = talloc_new(NULL);
	struct blobs b;
	struct oom_loop l = { .body = decode_instance, .arg = &b };

	(void)state;
	build_blobs(mem, &b);
	for_each_alloc_failure(&l);
	for_each_memlimit(&l);
	talloc_free(mem);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_objpath_parse_every_failure),
		cmocka_unit_test(test_class_decode_every_failure),
		cmocka_unit_test(test_instance_decode_every_failure),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
