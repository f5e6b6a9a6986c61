/*
 * Unit tests: the repository codec (class, instance and qualifier
 * declaration blobs): round trips, schema evolution, hostile blobs, OOM.
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
#include "cimtest.h"

#define TS CIM_FLAVOR_TO_SUBCLASS

static void qset(void *mem,
                 struct cim_qualifier_set *qs,
                 const char *name,
                 struct cim_value v,
                 uint32_t flavor)
{
	assert_true(hr_ok(cim_qset_set(mem, qs, name, &v, flavor)));
}

static struct cim_class *resolve(void *mem,
                                 struct cim_class *l,
                                 struct cim_class *parent)
{
	struct cim_class *r = NULL;

	assert_true(hr_ok(cim_class_resolve(mem, l, parent, &r, NULL)));
	return r;
}

/* A class using every type, array, default, qualifier and method form. */
static struct cim_class *rich_local(void *mem,
                                    const char *name,
                                    const char *super)
{
	struct cim_class *l = cim_class_new(mem, name, super);
	static const uint32_t types[] = {
		CIM_T_SINT8,    CIM_T_UINT8,     CIM_T_SINT16, CIM_T_UINT16,
		CIM_T_SINT32,   CIM_T_UINT32,    CIM_T_SINT64, CIM_T_UINT64,
		CIM_T_REAL32,   CIM_T_REAL64,    CIM_T_STRING, CIM_T_BOOLEAN,
		CIM_T_DATETIME, CIM_T_REFERENCE, CIM_T_CHAR16,
	};
	struct cim_property *p;
	struct cim_method *m;
	struct cim_param *pa;
	char pname[32];
	int64_t arr[] = { -1, 0, 1 };
	struct cim_value av = { .type = CIM_T_SINT32 | CIM_FLAG_ARRAY };

	av.v.a.n = 3;
	av.v.a.e.i = arr;
	qset(l, &l->quals, "Description", t_str("rich \"class\""),
	     CIM_FLAVOR_TO_SUBCLASS | CIM_FLAVOR_AMENDED |
	             CIM_FLAVOR_TRANSLATABLE);
	qset(l, &l->quals, "Version", t_str("1.0"), CIM_FLAVOR_TO_INSTANCE);
	qset(l, &l->quals, "Values", av, CIM_FLAVOR_DISABLE_OVERRIDE | TS);
	p = cim_class_add_prop(l, "Key", CIM_T_STRING);
	qset(l, &p->quals, "key", t_bool(true), TS);
	for (size_t i = 0; i < sizeof(types) / sizeof(types[0]); i++) {
		snprintf(pname, sizeof(pname), "P%s", cim_type_name(types[i]));
		p = cim_class_add_prop(l, pname, types[i]);
		snprintf(pname, sizeof(pname), "A%s", cim_type_name(types[i]));
		cim_class_add_prop(l, pname, types[i] | CIM_FLAG_ARRAY);
	}
	p = &l->props[cim_class_find_prop(l, "Puint16")];
	p->value = t_uint(CIM_T_UINT16, 65535);
	p = &l->props[cim_class_find_prop(l, "Pstring")];
	p->value = t_str("default");
	p->value.v.s = talloc_strdup(l, "default");
	p = &l->props[cim_class_find_prop(l, "Pref")];
	p->ref_class = talloc_strdup(l, "CIM_Thing");
	p = &l->props[cim_class_find_prop(l, "Asint32")];
	assert_true(hr_ok(cim_value_copy(l, &p->value, &av)));
	cim_class_add_prop(l, "Pobject", CIM_T_OBJECT);
	cim_class_add_prop(l, "Aobject", CIM_T_OBJECT | CIM_FLAG_ARRAY);
	m = cim_class_add_method(l, "Create", CIM_T_UINT32);
	qset(l, &m->quals, "Static", t_bool(true), TS);
	pa = cim_method_add_param(l, m, "CommandLine", CIM_T_STRING);
	pa->in = true;
	pa->id = 0;
	qset(l, &pa->quals, "In", t_bool(true), 0);
	pa = cim_method_add_param(l, m, "Target", CIM_T_REFERENCE);
	pa->ref_class = talloc_strdup(l, "CIM_Thing");
	pa->out = true;
	pa->in = true;
	pa->id = 1;
	cim_class_add_method(l, "Stop", CIM_T_EMPTY);
	return l;
}

static void assert_same_class_bytes(void *mem,
                                    const struct cim_class *a,
                                    const struct cim_class *b)
{
	struct buf x;
	struct buf y;

	buf_init(&x, mem);
	buf_init(&y, mem);
	assert_true(hr_ok(cim_class_encode(&x, a)));
	assert_true(hr_ok(cim_class_encode(&y, b)));
	assert_int_equal(x.len, y.len);
	assert_memory_equal(x.data, y.data, x.len);
}

static void test_class_round_trip(void **state)
{
	void *mem = talloc_new(NULL);
	struct cim_class *l = rich_local(mem, "Rich", NULL);
	struct cim_class *r = resolve(mem, l, NULL);
	struct cim_class *back = NULL;
	struct buf b;

	(void)state;
	r->server = talloc_strdup(r, "HOST");
	r->namespace = talloc_strdup(r, "root\\cimv2");
	for (int pass = 0; pass < 2; pass++) {
		struct cim_class *c = pass ? r : l;

		buf_init(&b, mem);
		assert_true(hr_ok(cim_class_encode(&b, c)));
		assert_true(hr_ok(cim_class_decode(mem, b.data, b.len, &back)));
		assert_same_class_bytes(mem, c, back);
		assert_int_equal(back->resolved, c->resolved);
		assert_int_equal(back->n_props, c->n_props);
		assert_int_equal(back->n_keys, c->n_keys);
		assert_string_equal(cim_class_find_method(back, "Create")
		                            ->params[1]
		                            .ref_class,
		                    "CIM_Thing");
		assert_int_equal(
		        cim_qset_find(&back->quals, "Description")->flavor,
		        c->quals.q[0].flavor);
		for (uint32_t i = 0; i < c->n_props; i++) {
			assert_true(cim_value_equal(&c->props[i].value,
			                            &back->props[i].value));
		}
	}
	talloc_free(mem);
}

/* Fills every property of an instance of the rich class. */
static struct cim_instance *rich_instance(void *mem,
                                          struct cim_class *c,
                                          int depth)
{
	struct cim_instance *inst = cim_instance_new(mem, c);
	struct cim_value v;
	char *strs[] = { "a", "", "\xe2\x82\xac" };
	uint64_t us[] = { 0, 255 };
	double rs[] = { 1.5, -0.25 };
	bool bs[] = { true, false, true };

	v = t_str("k1");
	assert_true(hr_ok(cim_instance_set(inst, "Key", &v)));
	v = t_sint(CIM_T_SINT64, INT64_MIN);
	assert_true(hr_ok(cim_instance_set(inst, "Psint64", &v)));
	v = t_uint(CIM_T_UINT64, UINT64_MAX);
	assert_true(hr_ok(cim_instance_set(inst, "Puint64", &v)));
	v = t_sint(CIM_T_SINT8, -128);
	assert_true(hr_ok(cim_instance_set(inst, "Psint8", &v)));
	v = t_real(CIM_T_REAL32, 0.5);
	assert_true(hr_ok(cim_instance_set(inst, "Preal32", &v)));
	v = t_real(CIM_T_REAL64, 3.141592653589793);
	assert_true(hr_ok(cim_instance_set(inst, "Preal64", &v)));
	v = t_bool(true);
	assert_true(hr_ok(cim_instance_set(inst, "Pboolean", &v)));
	v = t_str("20240131154512.123456+060");
	assert_true(hr_ok(cim_instance_set(inst, "Pdatetime", &v)));
	v = t_str("CIM_Thing.Id=1");
	assert_true(hr_ok(cim_instance_set(inst, "Pref", &v)));
	v = t_uint(CIM_T_CHAR16, 0x263A);
	assert_true(hr_ok(cim_instance_set(inst, "Pchar16", &v)));
	v = (struct cim_value){ .type = CIM_T_STRING | CIM_FLAG_ARRAY };
	v.v.a.n = 3;
	v.v.a.e.s = strs;
	assert_true(hr_ok(cim_instance_set(inst, "Astring", &v)));
	v = (struct cim_value){ .type = CIM_T_UINT8 | CIM_FLAG_ARRAY };
	v.v.a.n = 2;
	v.v.a.e.u = us;
	assert_true(hr_ok(cim_instance_set(inst, "Auint8", &v)));
	v = (struct cim_value){ .type = CIM_T_REAL64 | CIM_FLAG_ARRAY };
	v.v.a.n = 2;
	v.v.a.e.r = rs;
	assert_true(hr_ok(cim_instance_set(inst, "Areal64", &v)));
	v = (struct cim_value){ .type = CIM_T_BOOLEAN | CIM_FLAG_ARRAY };
	v.v.a.n = 3;
	v.v.a.e.b = bs;
	assert_true(hr_ok(cim_instance_set(inst, "Aboolean", &v)));
	v = (struct cim_value){ .type = CIM_T_UINT32 | CIM_FLAG_ARRAY };
	v.v.a.n = 0;
	v.v.a.e.u = us;
	assert_true(hr_ok(cim_instance_set(inst, "Auint32", &v)));
	if (depth > 0) {
		struct cim_object o = { .is_class = false };
		struct cim_object oc = { .is_class = true };
		struct cim_object *objs[2] = { &o, &oc };

		o.u.inst = rich_instance(mem, c, depth - 1);
		oc.u.cls = c;
		v = (struct cim_value){ .type = CIM_T_OBJECT };
		v.v.o = &o;
		assert_true(hr_ok(cim_instance_set(inst, "Pobject", &v)));
		v = (struct cim_value){ .type = CIM_T_OBJECT | CIM_FLAG_ARRAY };
		v.v.a.n = 2;
		v.v.a.e.o = objs;
		assert_true(hr_ok(cim_instance_set(inst, "Aobject", &v)));
	}
	v = t_str("x");
	assert_true(hr_ok(cim_qset_set(inst, &inst->quals, "Note", &v, 0)));
	return inst;
}

static void test_instance_round_trip(void **state)
{
	void *mem = talloc_new(NULL);
	struct cim_class *c = resolve(mem, rich_local(mem, "Rich", NULL), NULL);
	struct cim_instance *inst = rich_instance(mem, c, 3);
	struct cim_instance *back = NULL;
	struct buf b;
	struct buf b2;

	(void)state;
	inst->server = talloc_strdup(inst, "HOST");
	buf_init(&b, mem);
	assert_true(hr_ok(cim_instance_encode(&b, inst)));
	assert_true(hr_ok(cim_instance_decode(mem, c, b.data, b.len, &back)));
	for (uint32_t i = 0; i < c->n_props; i++) {
		if (!cim_value_equal(&inst->values[i], &back->values[i])) {
			fail_msg("property %s differs", c->props[i].name);
		}
	}
	assert_string_equal(back->server, "HOST");
	assert_null(back->namespace);
	assert_string_equal(cim_qset_find(&back->quals, "note")->value.v.s,
	                    "x");
	assert_true(back->values[cim_class_find_prop(c, "Preal32")].v.r == 0.5);
	/* Re-encoding gives the same bytes. */
	buf_init(&b2, mem);
	assert_true(hr_ok(cim_instance_encode(&b2, back)));
	assert_int_equal(b.len, b2.len);
	assert_memory_equal(b.data, b2.data, b.len);
	/* Freeing the decoded instance frees everything it holds. */
	talloc_free(back);
	talloc_free(mem);
}

static void test_instance_survives_class_change(void **state)
{
	void *mem = talloc_new(NULL);
	struct cim_class *l1 = cim_class_new(mem, "E", NULL);
	struct cim_class *l2 = cim_class_new(mem, "E", NULL);
	struct cim_class *c1;
	struct cim_class *c2;
	struct cim_instance *i1;
	struct cim_instance *i2 = NULL;
	struct cim_property *p;
	struct cim_value v;
	struct buf b;

	(void)state;
	cim_class_add_prop(l1, "Gone", CIM_T_STRING);
	cim_class_add_prop(l1, "Kept", CIM_T_UINT32);
	cim_class_add_prop(l1, "Widened", CIM_T_UINT8);
	c1 = resolve(mem, l1, NULL);
	p = cim_class_add_prop(l2, "Added", CIM_T_STRING);
	p->value = t_str("fresh");
	cim_class_add_prop(l2, "Widened", CIM_T_SINT64);
	cim_class_add_prop(l2, "Kept", CIM_T_UINT32);
	c2 = resolve(mem, l2, NULL);
	i1 = cim_instance_new(mem, c1);
	v = t_str("old");
	assert_true(hr_ok(cim_instance_set(i1, "Gone", &v)));
	v = t_uint(CIM_T_UINT32, 77);
	assert_true(hr_ok(cim_instance_set(i1, "Kept", &v)));
	v = t_uint(CIM_T_UINT8, 200);
	assert_true(hr_ok(cim_instance_set(i1, "Widened", &v)));
	buf_init(&b, mem);
	assert_true(hr_ok(cim_instance_encode(&b, i1)));
	assert_true(hr_ok(cim_instance_decode(mem, c2, b.data, b.len, &i2)));
	assert_string_equal(cim_instance_get(i2, "Added")->v.s, "fresh");
	assert_int_equal(cim_instance_get(i2, "Kept")->v.u, 77);
	assert_int_equal(cim_instance_get(i2, "Widened")->type, CIM_T_SINT64);
	assert_int_equal(cim_instance_get(i2, "Widened")->v.i, 200);
	assert_null(cim_instance_get(i2, "Gone"));
	talloc_free(mem);
}

static void test_qualifier_decl_round_trip(void **state)
{
	void *mem = talloc_new(NULL);
	struct cim_qualifier_decl d = {
		.name = "Units",
		.type = CIM_T_STRING,
		.scope = CIM_SCOPE_PROPERTY | CIM_SCOPE_METHOD,
		.flavor = TS | CIM_FLAVOR_TRANSLATABLE,
	};
	struct cim_qualifier_decl *back = NULL;
	struct buf b;

	(void)state;
	d.def = t_str("bytes");
	buf_init(&b, mem);
	assert_true(hr_ok(cim_qualifier_decl_encode(&b, &d)));
	assert_true(
	        hr_ok(cim_qualifier_decl_decode(mem, b.data, b.len, &back)));
	assert_string_equal(back->name, "Units");
	assert_int_equal(back->scope, d.scope);
	assert_int_equal(back->flavor, d.flavor);
	assert_true(cim_value_equal(&back->def, &d.def));
	/* A zeroed default is a NULL of the declared type. */
	d.def = (struct cim_value){ .null = true };
	buf_reset(&b);
	assert_true(hr_ok(cim_qualifier_decl_encode(&b, &d)));
	assert_true(
	        hr_ok(cim_qualifier_decl_decode(mem, b.data, b.len, &back)));
	assert_true(back->def.null);
	assert_int_equal(back->def.type, CIM_T_STRING);
	for (size_t n = 0; n < b.len; n++) {
		assert_true(
		        hr_eq(cim_qualifier_decl_decode(mem, b.data, n, &back),
		              HR_WBEM_E_INVALID_STREAM));
	}
	talloc_free(mem);
}

static void test_truncated_blobs_rejected(void **state)
{
	void *mem = talloc_new(NULL);
	struct cim_class *c = resolve(mem, rich_local(mem, "Rich", NULL), NULL);
	struct cim_instance *inst = rich_instance(mem, c, 2);
	struct buf cb;
	struct buf ib;

	(void)state;
	buf_init(&cb, mem);
	buf_init(&ib, mem);
	assert_true(hr_ok(cim_class_encode(&cb, c)));
	assert_true(hr_ok(cim_instance_encode(&ib, inst)));
	for (size_t n = 0; n < cb.len; n++) {
		struct cim_class *x = NULL;

		assert_true(hr_eq(cim_class_decode(mem, cb.data, n, &x),
		                  HR_WBEM_E_INVALID_STREAM));
		assert_null(x);
	}
	for (size_t n = 0; n < ib.len; n++) {
		struct cim_instance *x = NULL;

		assert_true(hr_eq(cim_instance_decode(mem, c, ib.data, n, &x),
		                  HR_WBEM_E_INVALID_STREAM));
		assert_null(x);
	}
	/* One byte too many is also refused. */
	buf_addch(&cb, 0);
	assert_true(hr_eq(cim_class_decode(mem, cb.data, cb.len, &c),
	                  HR_WBEM_E_INVALID_STREAM));
	/* Nothing leaked into mem from the failures. */
	talloc_free(mem);
}

static void test_mutated_blobs_never_crash(void **state)
{
	void *mem = talloc_new(NULL);
	struct cim_class *c = resolve(mem, rich_local(mem, "Rich", NULL), NULL);
	struct cim_instance *inst = rich_instance(mem, c, 1);
	struct buf cb;
	struct buf ib;
	static const uint8_t flips[] = { 0x01, 0x80, 0xFF, 0x7F };

	(void)state;
	buf_init(&cb, mem);
	buf_init(&ib, mem);
	assert_true(hr_ok(cim_class_encode(&cb, c)));
	assert_true(hr_ok(cim_instance_encode(&ib, inst)));
	for (int w = 0; w < 2; w++) {
		struct buf *b = w ? &ib : &cb;

		for (size_t n = 0; n < b->len; n++) {
			for (size_t f = 0; f < sizeof(flips); f++) {
				void *tmp = talloc_new(mem);
				struct cim_class *xc = NULL;
				struct cim_instance *xi = NULL;
				hresult hr;

				b->data[n] ^= (char)flips[f];
				hr = w ? cim_instance_decode(tmp, c, b->data,
				                             b->len, &xi)
				       : cim_class_decode(tmp, b->data, b->len,
				                          &xc);
				b->data[n] ^= (char)flips[f];
				assert_true(
				        hr_ok(hr) ||
				        hr_eq(hr, HR_WBEM_E_INVALID_STREAM));
				talloc_free(tmp);
			}
		}
	}
	talloc_free(mem);
}

static void test_garbage_and_huge_counts(void **state)
{
	void *mem = talloc_new(NULL);
	struct cim_class *c = resolve(mem, rich_local(mem, "Rich", NULL), NULL);
	struct cim_class *x = NULL;
	struct cim_instance *xi = NULL;
	/* Header, then a property count of 2^32-1 with no bytes behind. */
	static const uint8_t huge[] = { 'O',  'I',  1,    0,    0,
		                        0xFF, 0xFF, 0xFF, 0xFF, 0x0F };
	/* An 11-byte varint. */
	static const uint8_t longv[] = { 'O',  'C',  1,    0,    0x80,
		                         0x80, 0x80, 0x80, 0x80, 0x80,
		                         0x80, 0x80, 0x80, 0x80, 0x01 };
	static const uint8_t wrongver[] = { 'O', 'C', 2, 0, 1, 'A',
		                            0,   0,   0, 0, 0, 0 };

	(void)state;
	assert_true(hr_eq(cim_class_decode(mem, NULL, 0, &x),
	                  HR_WBEM_E_INVALID_STREAM));
	assert_true(hr_eq(cim_instance_decode(mem, c, huge, sizeof(huge), &xi),
	                  HR_WBEM_E_INVALID_STREAM));
	assert_true(hr_eq(cim_class_decode(mem, longv, sizeof(longv), &x),
	                  HR_WBEM_E_INVALID_STREAM));
	assert_true(hr_eq(cim_class_decode(mem, wrongver, sizeof(wrongver), &x),
	                  HR_WBEM_E_INVALID_STREAM));
	assert_true(
	        hr_eq(cim_instance_decode(mem, NULL, huge, sizeof(huge), &xi),
	              HR_WBEM_E_INVALID_STREAM));
	talloc_free(mem);
}

static void test_embedded_depth_limit(void **state)
{
	void *mem = talloc_new(NULL);
	struct cim_class *c = resolve(mem, rich_local(mem, "Rich", NULL), NULL);
	struct cim_instance *inst = rich_instance(mem, c, 0);
	struct cim_instance *back = NULL;
	struct buf b;

	(void)state;
	/* Nest 12 deep: 8 levels pass, the encoder refuses deeper ones. */
	for (int i = 0; i < 12; i++) {
		struct cim_instance *outer = cim_instance_new(mem, c);
		struct cim_object o = { .is_class = false, .u.inst = inst };
		struct cim_value v = { .type = CIM_T_OBJECT };

		v.v.o = &o;
		assert_true(hr_ok(cim_instance_set(outer, "Pobject", &v)));
		inst = outer;
		buf_init(&b, mem);
		if (i < 8) {
			assert_true(hr_ok(cim_instance_encode(&b, inst)));
			assert_true(hr_ok(cim_instance_decode(mem, c, b.data,
			                                      b.len, &back)));
		} else {
			assert_true(hr_failed(cim_instance_encode(&b, inst)));
			assert_int_equal(b.len, 0);
		}
	}
	talloc_free(mem);
}

static void test_decode_out_of_memory(void **state)
{
	void *mem = talloc_new(NULL);
	struct cim_class *c = resolve(mem, rich_local(mem, "Rich", NULL), NULL);
	struct cim_instance *inst = rich_instance(mem, c, 1);
	struct buf cb;
	struct buf ib;
	int n_oom = 0;
	int n_ok = 0;

	(void)state;
	buf_init(&cb, mem);
	buf_init(&ib, mem);
	assert_true(hr_ok(cim_class_encode(&cb, c)));
	assert_true(hr_ok(cim_instance_encode(&ib, inst)));
	for (size_t cap = 0; cap < 200000; cap += cap < 4096 ? 64 : 4096) {
		void *lim = talloc_new(NULL);
		struct cim_class *xc = NULL;
		struct cim_instance *xi = NULL;
		hresult h1;
		hresult h2;

		t_memlimit(lim, cap);
		h1 = cim_class_decode(lim, cb.data, cb.len, &xc);
		h2 = cim_instance_decode(lim, c, ib.data, ib.len, &xi);
		assert_true(hr_ok(h1) || hr_eq(h1, HR_E_OUTOFMEMORY));
		assert_true(hr_ok(h2) || hr_eq(h2, HR_E_OUTOFMEMORY));
		n_oom += hr_failed(h1) + hr_failed(h2);
		n_ok += hr_ok(h1) + hr_ok(h2);
		talloc_free(lim);
	}
	assert_true(n_oom > 0);
	assert_true(n_ok > 0);
	talloc_free(mem);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_class_round_trip),
		cmocka_unit_test(test_instance_round_trip),
		cmocka_unit_test(test_instance_survives_class_change),
		cmocka_unit_test(test_qualifier_decl_round_trip),
		cmocka_unit_test(test_truncated_blobs_rejected),
		cmocka_unit_test(test_mutated_blobs_never_crash),
		cmocka_unit_test(test_garbage_and_huge_counts),
		cmocka_unit_test(test_embedded_depth_limit),
		cmocka_unit_test(test_decode_out_of_memory),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
