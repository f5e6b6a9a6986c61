/*
 * Unit tests: every CIM type as scalar and array (class defaults and
 * instance values), NULL versus default, both string encodings, embedded
 * objects nested, references, qualifiers with every flavor bit and array
 * values, methods with in, out and in/out parameters, inherited members,
 * and the class cache.  Each encodes, decodes and compares the models.
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
#include "wmio/wmio.h"
#include "wmiotest.h"

static const uint32_t all_types[] = {
	CIM_T_SINT8,  CIM_T_UINT8,    CIM_T_SINT16,    CIM_T_UINT16,
	CIM_T_SINT32, CIM_T_UINT32,   CIM_T_SINT64,    CIM_T_UINT64,
	CIM_T_REAL32, CIM_T_REAL64,   CIM_T_STRING,    CIM_T_BOOLEAN,
	CIM_T_CHAR16, CIM_T_DATETIME, CIM_T_REFERENCE,
};
#define N_TYPES (sizeof(all_types) / sizeof(all_types[0]))

static const char *const strs[] = {
	"plain",
	"M\xc3\xbcller",
	"\xe6\x97\xa5\xe6\x9c\xac",
	"\xf0\x9f\x98\x80 smile",
	"",
};

/* A sample non-NULL value of [type] (element [k] for arrays). */
static struct cim_value sample(void *mem, uint32_t type, uint32_t k)
{
	uint32_t bt = cim_type_base(type);
	struct cim_value v = { .type = bt };

	switch (bt) {
	case CIM_T_SINT8:
		v.v.i = -100 + (int64_t)k;
		break;
	case CIM_T_SINT16:
		v.v.i = -30000 + (int64_t)k;
		break;
	case CIM_T_SINT32:
		v.v.i = -2000000000 + (int64_t)k;
		break;
	case CIM_T_SINT64:
		v.v.i = INT64_MIN + (int64_t)k;
		break;
	case CIM_T_UINT8:
		v.v.u = 250 + k;
		break;
	case CIM_T_UINT16:
		v.v.u = 65000 + k;
		break;
	case CIM_T_UINT32:
		v.v.u = 0xFFFFFFF0u + k;
		break;
	case CIM_T_UINT64:
		v.v.u = UINT64_MAX - k;
		break;
	case CIM_T_REAL32:
		v.v.r = 1.5 + k;
		break;
	case CIM_T_REAL64:
		v.v.r = -2.25e300 + k;
		break;
	case CIM_T_BOOLEAN:
		v.v.b = (k % 2) == 0;
		break;
	case CIM_T_CHAR16:
		v.v.u = 0x263A + k;
		break;
	case CIM_T_DATETIME:
		v.v.s = talloc_asprintf(mem, "2024010203040%u.000000+060",
		                        k % 10);
		break;
	case CIM_T_REFERENCE:
		v.v.s = talloc_asprintf(mem, "Target.Id=%u", k);
		break;
	default:
		v.v.s = talloc_strdup(mem, strs[k % 5]);
		break;
	}
	return v;
}

/* An array value of [type] with [n] sample elements. */
static struct cim_value sample_array(void *mem, uint32_t type, uint32_t n)
{
	struct cim_value a = { .type = type | CIM_FLAG_ARRAY }, e;
	uint32_t bt = cim_type_base(type);

	a.v.a.n = n;
	a.v.a.e.i = talloc_zero_size(mem, 8 * (n + 1));
	for (uint32_t k = 0; k < n; k++) {
		e = sample(mem, type, k);
		switch (bt) {
		case CIM_T_BOOLEAN:
			a.v.a.e.b[k] = e.v.b;
			break;
		case CIM_T_STRING:
		case CIM_T_DATETIME:
		case CIM_T_REFERENCE:
			a.v.a.e.s[k] = e.v.s;
			break;
		default:
			a.v.a.e.u[k] = e.v.u;
			break;
		}
	}
	return a;
}

static struct cim_class *resolve(void *mem,
                                 struct cim_class *l,
                                 struct cim_class *parent)
{
	struct cim_class *r = NULL;
	struct errinfo ei;

	err_clear(&ei);
	if (hr_failed(cim_class_resolve(mem, l, parent, &r, &ei))) {
		fail_msg("resolve: %s", ei.msg);
	}
	return r;
}

/* Properties S_<type>, A_<type> of every type; defaults when [defaults]. */
static struct cim_class *typed_class(void *mem, const char *name, bool defaults)
{
	struct cim_class *l = cim_class_new(mem, name, NULL);
	char pname[64];

	for (size_t i = 0; i < N_TYPES; i++) {
		uint32_t t = all_types[i];
		struct cim_property *p;
		struct cim_value v;

		snprintf(pname, sizeof(pname), "S_%s", cim_type_name(t));
		p = cim_class_add_prop(l, pname, t);
		if (t == CIM_T_REFERENCE) {
			p->ref_class = talloc_strdup(l, "Target");
		}
		if (defaults) {
			v = sample(l, t, 1);
			assert_true(hr_ok(cim_value_copy(l, &p->value, &v)));
		}
		snprintf(pname, sizeof(pname), "A_%s", cim_type_name(t));
		p = cim_class_add_prop(l, pname, t | CIM_FLAG_ARRAY);
		if (defaults) {
			v = sample_array(l, t, 3);
			assert_true(hr_ok(cim_value_copy(l, &p->value, &v)));
		}
	}
	/* An untyped reference and empty arrays. */
	cim_class_add_prop(l, "UntypedRef", CIM_T_REFERENCE);
	if (defaults) {
		struct cim_property *p = cim_class_add_prop(
		        l, "Empty", CIM_T_UINT8 | CIM_FLAG_ARRAY);

		p->value = sample_array(l, CIM_T_UINT8, 0);
	}
	return resolve(mem, l, NULL);
}

static struct wmio_object *trip_class(void *mem,
                                      const struct cim_class *c,
                                      const struct cim_class *parent)
{
	struct wmio_object *o = NULL;
	struct errinfo ei;
	struct wt_why w;
	struct buf b;

	buf_init(&b, mem);
	assert_true(
	        hr_ok(wmio_encode_class(&b, c, parent, "srv", "root\\x", 0)));
	err_clear(&ei);
	if (hr_failed(wmio_decode(mem, (uint8_t *)b.data, b.len, NULL, &o,
	                          &ei))) {
		fail_msg("decode: %s at %zu", ei.msg, ei.offset);
	}
	if (!wt_class(c, o->cls, &w)) {
		fail_msg("%s", w.msg);
	}
	return o;
}

static struct wmio_object *trip_instance(void *mem,
                                         const struct cim_instance *i,
                                         unsigned flags)
{
	struct wmio_object *o = NULL;
	struct errinfo ei;
	struct wt_why w;
	struct buf b;

	buf_init(&b, mem);
	assert_true(hr_ok(wmio_encode_instance(&b, i, "srv", "ns", flags)));
	err_clear(&ei);
	if (hr_failed(wmio_decode(mem, (uint8_t *)b.data, b.len, NULL, &o,
	                          &ei))) {
		fail_msg("decode: %s at %zu", ei.msg, ei.offset);
	}
	if (!wt_instance(i, o->inst, &w)) {
		fail_msg("%s", w.msg);
	}
	return o;
}

static void test_every_type_as_class_default(void **state)
{
	void *mem = talloc_new(NULL);
	struct wmio_object *o;

	(void)state;
	trip_class(mem, typed_class(mem, "NoDefaults", false), NULL);
	o = trip_class(mem, typed_class(mem, "Defaults", true), NULL);
	assert_string_equal(o->cls->props[1].name, "A_sint8");
	assert_int_equal(o->cls->props[1].value.v.a.e.i[2], -98);
	talloc_free(mem);
}

static void test_every_type_as_instance_value(void **state)
{
	void *mem = talloc_new(NULL);
	struct cim_class *c = typed_class(mem, "Values", false);
	struct cim_instance *i = cim_instance_new(mem, c);

	(void)state;
	for (uint32_t k = 0; k < c->n_props; k++) {
		uint32_t t = c->props[k].type;
		struct cim_value v = cim_type_is_array(t)
		                             ? sample_array(mem, t, 4)
		                             : sample(mem, t, 2);

		assert_true(hr_ok(cim_instance_set(i, c->props[k].name, &v)));
	}
	trip_instance(mem, i, 0);
	trip_instance(mem, i, WMIO_ENC_USE_DEFAULTS);
	talloc_free(mem);
}

static void test_null_differs_from_default(void **state)
{
	void *mem = talloc_new(NULL);
	struct cim_class *c = typed_class(mem, "Defaults", true);
	struct cim_instance *i = cim_instance_new(mem, c);
	struct cim_value nul = cim_value_null(CIM_T_STRING);
	struct wmio_object *o;

	(void)state;
	/* Half the values stay at their (non-NULL) defaults. */
	for (uint32_t k = 0; k < c->n_props; k += 2) {
		nul.type = c->props[k].type;
		assert_true(hr_ok(cim_instance_set(i, c->props[k].name, &nul)));
	}
	o = trip_instance(mem, i, WMIO_ENC_USE_DEFAULTS);
	assert_true(o->inst->values[0].null);
	assert_false(o->inst->values[1].null);
	trip_instance(mem, i, 0);
	talloc_free(mem);
}

/* The Latin-1 form (flag 0) and the UTF-16 form (flag 1) are chosen. */
static void test_strings_use_both_encodings(void **state)
{
	void *mem = talloc_new(NULL);
	struct cim_class *l = cim_class_new(mem, "S", NULL), *c;
	struct cim_instance *i;
	struct cim_value v = { .type = CIM_T_STRING };
	static const uint8_t latin[] = { 0, 'M', 0xFC, 'l', 'l', 'e', 'r', 0 };
	static const uint8_t wide[] = { 1, 0xE5, 0x65, 0x2C, 0x67, 0, 0 };
	static const uint8_t pair[] = { 1, 0x3D, 0xD8, 0x00, 0xDE, 0, 0 };
	struct buf b;

	(void)state;
	cim_class_add_prop(l, "A", CIM_T_STRING);
	cim_class_add_prop(l, "B", CIM_T_STRING);
	cim_class_add_prop(l, "C", CIM_T_STRING);
	c = resolve(mem, l, NULL);
	i = cim_instance_new(mem, c);
	v.v.s = (char *)strs[1];
	assert_true(hr_ok(cim_instance_set(i, "A", &v)));
	v.v.s = (char *)strs[2];
	assert_true(hr_ok(cim_instance_set(i, "B", &v)));
	v.v.s = (char *)"\xf0\x9f\x98\x80";
	assert_true(hr_ok(cim_instance_set(i, "C", &v)));
	buf_init(&b, mem);
	assert_true(hr_ok(wmio_encode_instance(&b, i, NULL, NULL, 0)));
	assert_non_null(memmem(b.data, b.len, latin, sizeof(latin)));
	assert_non_null(memmem(b.data, b.len, wide, sizeof(wide)));
	assert_non_null(memmem(b.data, b.len, pair, sizeof(pair)));
	trip_instance(mem, i, 0);
	talloc_free(mem);
}

static struct cim_instance *leaf_instance(void *mem, int depth)
{
	struct cim_class *l = cim_class_new(mem, "Node", NULL), *c;
	struct cim_instance *i;
	struct cim_value v = { .type = CIM_T_UINT32 };

	cim_class_add_prop(l, "Depth", CIM_T_UINT32);
	cim_class_add_prop(l, "Child", CIM_T_OBJECT)->ref_class = talloc_strdup(
	        l, "Node");
	c = resolve(mem, l, NULL);
	i = cim_instance_new(mem, c);
	v.v.u = (uint64_t)depth;
	assert_true(hr_ok(cim_instance_set(i, "Depth", &v)));
	return i;
}

/* A chain of [n] instances, each embedding the next. */
static struct cim_instance *chain(void *mem, int n)
{
	struct cim_instance *top = leaf_instance(mem, 0), *cur = top;

	for (int d = 1; d < n; d++) {
		struct cim_instance *next = leaf_instance(mem, d);
		struct cim_object o = { .is_class = false, .u.inst = next };
		struct cim_value v = { .type = CIM_T_OBJECT, .v.o = &o };

		assert_true(hr_ok(cim_instance_set(cur, "Child", &v)));
		cur = (struct cim_instance *)cim_instance_get(cur, "Child")
		              ->v.o->u.inst;
	}
	return top;
}

static void test_embedded_objects_nest(void **state)
{
	void *mem = talloc_new(NULL);
	struct cim_instance *top = chain(mem, 5);
	struct wmio_object *o = trip_instance(mem, top, 0);
	const struct cim_value *v = cim_instance_get(o->inst, "Child");

	(void)state;
	assert_false(v->null);
	assert_false(v->v.o->is_class);
	assert_int_equal(cim_instance_get(v->v.o->u.inst, "Depth")->v.u, 1);
	assert_string_equal(o->cls->props[1].ref_class, "Node");
	talloc_free(mem);
}

static void test_embedded_class_and_object_array(void **state)
{
	void *mem = talloc_new(NULL);
	struct cim_class *l = cim_class_new(mem, "Holder", NULL), *c;
	struct cim_instance *i;
	struct cim_class *emb = typed_class(mem, "Emb", true);
	struct cim_object oc = { .is_class = true, .u.cls = emb };
	struct cim_object oi = { .is_class = false,
		                 .u.inst = leaf_instance(mem, 7) };
	struct cim_object *arr[] = { &oi, &oc, &oi };
	struct cim_value v = { .type = CIM_T_OBJECT, .v.o = &oc };
	struct cim_value a = { .type = CIM_T_OBJECT | CIM_FLAG_ARRAY };

	(void)state;
	a.v.a.n = 3;
	a.v.a.e.o = arr;
	cim_class_add_prop(l, "Cls", CIM_T_OBJECT);
	cim_class_add_prop(l, "Many", CIM_T_OBJECT | CIM_FLAG_ARRAY);
	c = resolve(mem, l, NULL);
	i = cim_instance_new(mem, c);
	assert_true(hr_ok(cim_instance_set(i, "Cls", &v)));
	assert_true(hr_ok(cim_instance_set(i, "Many", &a)));
	trip_instance(mem, i, 0);
	talloc_free(mem);
}

static void test_qualifiers_with_every_flavor_and_type(void **state)
{
	void *mem = talloc_new(NULL);
	struct cim_class *l = cim_class_new(mem, "Q", NULL);
	struct cim_property *p = cim_class_add_prop(l, "P", CIM_T_UINT32);
	struct cim_method *m = cim_class_add_method(l, "M", CIM_T_UINT32);
	char qname[32];
	uint32_t f = 0;

	(void)state;
	for (size_t t = 0; t < N_TYPES; t++) {
		for (int arr = 0; arr < 2; arr++, f++) {
			uint32_t ty = all_types[t];
			struct cim_value v = arr ? sample_array(mem, ty, 2)
			                         : sample(mem, ty, 0);
			uint32_t flavor = (f * 0x13u) & 0xF3u;

			snprintf(qname, sizeof(qname), "Q%zu_%d", t, arr);
			assert_true(hr_ok(
			        cim_qset_set(l, &l->quals, qname, &v, flavor)));
			assert_true(hr_ok(cim_qset_set(l, &p->quals, qname, &v,
			                               flavor ^ 0x80)));
			assert_true(hr_ok(cim_qset_set(l, &m->quals, qname, &v,
			                               flavor ^ 0x40)));
		}
	}
	/* Dictionary names spelled exactly and otherwise. */
	{
		struct cim_value t = { .type = CIM_T_BOOLEAN, .v.b = true };

		assert_true(hr_ok(cim_qset_set(l, &p->quals, "read", &t, 0)));
		assert_true(hr_ok(cim_qset_set(l, &p->quals, "Write", &t, 0)));
		assert_true(hr_ok(cim_qset_set(l, &p->quals, "volatile", &t,
		                               CIM_FLAVOR_ORIGIN_SYSTEM)));
	}
	trip_class(mem, resolve(mem, l, NULL), NULL);
	talloc_free(mem);
}

static struct cim_class *method_class(void *mem)
{
	struct cim_class *l = cim_class_new(mem, "Svc", NULL);
	struct cim_method *m;
	struct cim_param *pa;
	struct cim_value t = { .type = CIM_T_BOOLEAN, .v.b = true };
	struct cim_value d = { .type = CIM_T_STRING, .v.s = (char *)"x" };

	cim_class_add_prop(l, "Name", CIM_T_STRING);
	assert_true(hr_ok(cim_qset_set(l, &l->props[0].quals, "key", &t,
	                               CIM_FLAVOR_TO_SUBCLASS)));
	m = cim_class_add_method(l, "Restart", CIM_T_UINT32);
	assert_true(hr_ok(cim_qset_set(l, &m->quals, "Description", &d, 0)));
	pa = cim_method_add_param(l, m, "ServiceName", CIM_T_STRING);
	pa->in = true;
	assert_true(hr_ok(cim_qset_set(l, &pa->quals, "In", &t, 0)));
	pa = cim_method_add_param(l, m, "Status", CIM_T_SINT32);
	pa->out = true;
	assert_true(hr_ok(cim_qset_set(l, &pa->quals, "Out", &t, 0)));
	pa = cim_method_add_param(l, m, "Both", CIM_T_STRING | CIM_FLAG_ARRAY);
	pa->in = pa->out = true;
	pa = cim_method_add_param(l, m, "Target", CIM_T_REFERENCE);
	pa->in = true;
	pa->ref_class = talloc_strdup(l, "Svc");
	pa = cim_method_add_param(l, m, "Blob", CIM_T_OBJECT);
	pa->out = true;
	pa->ref_class = talloc_strdup(l, "Holder");
	cim_class_add_method(l, "Ping", CIM_T_EMPTY);
	m = cim_class_add_method(l, "Count", CIM_T_UINT64);
	pa = cim_method_add_param(l, m, "Hint", CIM_T_UINT8);
	pa->in = true;
	pa->id = 5;
	return resolve(mem, l, NULL);
}

static void test_methods_with_in_out_params(void **state)
{
	void *mem = talloc_new(NULL);
	struct cim_class *c = method_class(mem);
	struct wmio_object *o = trip_class(mem, c, NULL);
	const struct cim_method *m = cim_class_find_method(o->cls, "Restart");

	(void)state;
	assert_int_equal(m->n_params, 5);
	assert_true(m->params[2].in && m->params[2].out);
	assert_int_equal(m->params[2].id, 2);
	assert_int_equal(cim_class_find_method(o->cls, "Ping")->return_type,
	                 CIM_T_EMPTY);
	assert_int_equal(cim_class_find_method(o->cls, "Count")->params[0].id,
	                 5);
	talloc_free(mem);
}

static void test_inherited_members_keep_origin(void **state)
{
	void *mem = talloc_new(NULL);
	struct cim_class *base = method_class(mem);
	struct cim_class *l = cim_class_new(mem, "SvcEx", "Svc"), *mid, *c;
	struct cim_class *l2 = cim_class_new(mem, "SvcEx2", "SvcEx");
	struct cim_value dv = { .type = CIM_T_STRING, .v.s = (char *)"over" };
	struct cim_property *p;
	struct wmio_object *o;

	(void)state;
	cim_class_add_prop(l, "Extra", CIM_T_UINT16);
	p = cim_class_add_prop(l, "Name", CIM_T_STRING);
	assert_true(hr_ok(cim_value_copy(l, &p->value, &dv)));
	cim_class_add_method(l, "Ping", CIM_T_EMPTY);
	mid = resolve(mem, l, base);
	cim_class_add_prop(l2, "More", CIM_T_REAL64);
	c = resolve(mem, l2, mid);
	o = trip_class(mem, c, mid);
	assert_string_equal(o->cls->props[0].origin, "Svc");
	assert_string_equal(o->cls->props[1].origin, "SvcEx");
	if (!(o->parent != NULL)) {
		fail_msg("no parent part");
	}
	trip_class(mem, c, NULL);
	trip_class(mem, mid, base);
	talloc_free(mem);
}

static void test_class_cache_matches_plain_encoding(void **state)
{
	void *mem = talloc_new(NULL);
	struct cim_class *c = typed_class(mem, "Cached", true);
	struct wmio_class_cache *cc = NULL;
	struct buf a, b;

	(void)state;
	assert_true(hr_ok(wmio_class_cache_new(mem, c, &cc)));
	assert_ptr_equal(wmio_class_cache_class(cc), c);
	buf_init(&a, mem);
	buf_init(&b, mem);
	for (int k = 0; k < 3; k++) {
		struct cim_instance *i = cim_instance_new(mem, c);
		struct cim_value v = sample(mem, CIM_T_STRING, (uint32_t)k);

		assert_true(hr_ok(cim_instance_set(i, "S_string", &v)));
		buf_reset(&a);
		buf_reset(&b);
		assert_true(hr_ok(
		        wmio_encode_instance_cached(&a, cc, i, "s", "n", 0)));
		assert_true(hr_ok(wmio_encode_instance(&b, i, "s", "n", 0)));
		assert_int_equal(a.len, b.len);
		assert_memory_equal(a.data, b.data, a.len);
	}
	talloc_free(mem);
}

static void test_block_without_signature(void **state)
{
	void *mem = talloc_new(NULL);
	struct cim_class *c = typed_class(mem, "Bare", false);
	struct wmio_object *o = NULL;
	struct buf b;

	(void)state;
	buf_init(&b, mem);
	assert_true(hr_ok(wmio_encode_class(&b, c, NULL, NULL, NULL,
	                                    WMIO_ENC_NO_SIGNATURE)));
	assert_int_equal((uint8_t)b.data[0], WMIO_OBJ_CLASS);
	assert_true(hr_ok(wmio_decode_block(mem, (uint8_t *)b.data, b.len, NULL,
	                                    &o, NULL)));
	assert_string_equal(o->cls->name, "Bare");
	talloc_free(mem);
}

static void test_invalid_model_is_refused(void **state)
{
	void *mem = talloc_new(NULL);
	struct cim_class *l = cim_class_new(mem, "Local", NULL);
	struct cim_class *c = typed_class(mem, "T", false);
	struct cim_instance *i = cim_instance_new(mem, c);
	struct buf b;

	(void)state;
	buf_init(&b, mem);
	/* A local (unresolved) class. */
	assert_true(hr_eq(wmio_encode_class(&b, l, NULL, NULL, NULL, 0),
	                  HR_WBEM_E_INVALID_PARAMETER));
	assert_int_equal(b.len, 0);
	/* A value whose type is not its property's. */
	i->values[0].type = CIM_T_STRING;
	i->values[0].null = false;
	i->values[0].v.s = (char *)"x";
	assert_true(hr_eq(wmio_encode_instance(&b, i, NULL, NULL, 0),
	                  HR_WBEM_E_INVALID_PARAMETER));
	assert_int_equal(b.len, 0);
	/* Invalid UTF-8. */
	i->values[0] = cim_value_null(c->props[0].type);
	i->values[20].null = false;
	i->values[20].v.s = (char *)"\xff\xfe";
	assert_int_equal(c->props[20].type, CIM_T_STRING);
	assert_true(hr_eq(wmio_encode_instance(&b, i, NULL, NULL, 0),
	                  HR_WBEM_E_INVALID_PARAMETER));
	talloc_free(mem);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_every_type_as_class_default),
		cmocka_unit_test(test_every_type_as_instance_value),
		cmocka_unit_test(test_null_differs_from_default),
		cmocka_unit_test(test_strings_use_both_encodings),
		cmocka_unit_test(test_embedded_objects_nest),
		cmocka_unit_test(test_embedded_class_and_object_array),
		cmocka_unit_test(test_qualifiers_with_every_flavor_and_type),
		cmocka_unit_test(test_methods_with_in_out_params),
		cmocka_unit_test(test_inherited_members_keep_origin),
		cmocka_unit_test(test_class_cache_matches_plain_encoding),
		cmocka_unit_test(test_block_without_signature),
		cmocka_unit_test(test_invalid_model_is_refused),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
