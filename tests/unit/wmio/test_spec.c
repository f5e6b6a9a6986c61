/*
 * Unit tests: the MS-WMIO section 3 examples (class base, class MyClass,
 * the instance of MyClass of section 3.1), decoded field by field and
 * re-encoded byte for byte.
 *
 * The printed examples contain octets the specification itself calls
 * free: MethodCountPadding (2.2.40, "Windows sends random data"), the
 * unused bits of NdTable (2.2.26, "can have any value"), six bytes of
 * unreferenced ClassHeap slack (2.3.4) and trailing bytes after the
 * ObjectBlock (the base sample's ObjectEncodingLength is larger than the
 * bytes printed).  Our encoder writes zeros and no slack, so the expected
 * bytes are the printed ones with exactly those octets normalised; every
 * other byte must match.
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
#include "vectors.h"
#include "wmio/wmio.h"
#include "wmiotest.h"

static void put32(uint8_t *p, uint32_t v)
{
	p[0] = (uint8_t)v;
	p[1] = (uint8_t)(v >> 8);
	p[2] = (uint8_t)(v >> 16);
	p[3] = (uint8_t)(v >> 24);
}

/* Removes [n] bytes at [off] from [p] (length *len). */
static void cut(uint8_t *p, size_t *len, size_t off, size_t n)
{
	memmove(p + off, p + off + n, *len - off - n);
	*len -= n;
}

static struct cim_value vstr(const char *s)
{
	struct cim_value v = { .type = CIM_T_STRING };

	v.v.s = (char *)s;
	return v;
}

static struct cim_value vbool(bool b)
{
	struct cim_value v = { .type = CIM_T_BOOLEAN };

	v.v.b = b;
	return v;
}

/* class Base { [key] sint32 Id; }; key with flavor 0x13 as in the spec. */
static struct cim_class *spec_base(void *mem)
{
	struct cim_class *l = cim_class_new(mem, "Base", NULL), *r = NULL;
	struct cim_property *p = cim_class_add_prop(l, "Id", CIM_T_SINT32);
	struct cim_value t = vbool(true);

	assert_true(hr_ok(cim_qset_set(l, &p->quals, "key", &t,
	                               CIM_FLAVOR_TO_INSTANCE |
	                                       CIM_FLAVOR_TO_SUBCLASS |
	                                       CIM_FLAVOR_DISABLE_OVERRIDE)));
	assert_true(hr_ok(cim_class_resolve(mem, l, NULL, &r, NULL)));
	return r;
}

/* [Description("MyClass Example")] class MyClass : Base { ... }; */
static struct cim_class *spec_myclass(void *mem, struct cim_class *base)
{
	struct cim_class *l = cim_class_new(mem, "MyClass", "Base"), *r = NULL;
	struct cim_value d = vstr("MyClass Example"), t = vbool(true);
	struct cim_value dv = vstr("defaultValue");
	struct cim_property *p;

	assert_true(hr_ok(cim_qset_set(l, &l->quals, "Description", &d, 0)));
	p = cim_class_add_prop(l, "Data1", CIM_T_STRING);
	assert_true(hr_ok(cim_qset_set(l, &p->quals, "read", &t, 0)));
	assert_true(hr_ok(cim_qset_set(l, &p->quals, "write", &t, 0)));
	p = cim_class_add_prop(l, "Data2", CIM_T_STRING);
	assert_true(hr_ok(cim_value_copy(l, &p->value, &dv)));
	cim_class_add_prop(l, "Array", CIM_T_UINT32 | CIM_FLAG_ARRAY);
	assert_true(hr_ok(cim_class_resolve(mem, l, base, &r, NULL)));
	return r;
}

static struct cim_instance *spec_instance(void *mem, struct cim_class *c)
{
	struct cim_instance *i = cim_instance_new(mem, c);
	struct cim_value id = { .type = CIM_T_SINT32, .v.i = 123 };
	struct cim_value s = vstr("StringField");
	uint64_t arr[] = { 1, 2, 3 };
	struct cim_value a = { .type = CIM_T_UINT32 | CIM_FLAG_ARRAY };

	a.v.a.n = 3;
	a.v.a.e.u = arr;
	assert_non_null(i);
	assert_true(hr_ok(cim_instance_set(i, "Id", &id)));
	assert_true(hr_ok(cim_instance_set(i, "Data1", &s)));
	assert_true(hr_ok(cim_instance_set(i, "Array", &a)));
	return i;
}

static void assert_bytes(const uint8_t *want,
                         size_t wn,
                         const uint8_t *got,
                         size_t gn)
{
	size_t k = 0;

	while (k < wn && k < gn && want[k] == got[k]) {
		k++;
	}
	if (k != wn || wn != gn) {
		print_error("first difference at byte %zu (0x%zx) of %zu/%zu\n",
		            k, k, wn, gn);
	}
	assert_int_equal(wn, gn);
	assert_memory_equal(want, got, wn);
}

static void test_base_decodes_field_by_field(void **state)
{
	void *mem = talloc_new(NULL);
	struct wmio_object *o = NULL;
	struct errinfo ei;
	size_t n;
	uint8_t *p = wt_hex(mem, spec_base_hex, &n);
	const struct cim_property *id;
	const struct cim_qualifier *q;

	(void)state;
	err_clear(&ei);
	/* ObjectEncodingLength 0xD0 is past the 192 bytes printed. */
	assert_true(hr_eq(wmio_decode(mem, p, n, NULL, &o, &ei),
	                  HR_WBEM_E_INVALID_STREAM));
	assert_int_equal(ei.offset, 4);
	assert_true(
	        hr_ok(wmio_decode_block(mem, p + 8, n - 8, NULL, &o, NULL)));
	assert_true(o->is_class);
	assert_int_equal(o->flags, 0x05);
	assert_string_equal(o->server, "DPRAVAT-DEV");
	assert_string_equal(o->ns, "ROOT");
	assert_null(o->parent);
	assert_string_equal(o->cls->name, "Base");
	assert_null(o->cls->superclass);
	assert_string_equal(o->cls->server, "DPRAVAT-DEV");
	assert_int_equal(o->cls->n_props, 1);
	assert_int_equal(o->cls->n_methods, 0);
	id = &o->cls->props[0];
	assert_string_equal(id->name, "Id");
	assert_int_equal(id->type, CIM_T_SINT32);
	assert_true(id->value.null);
	assert_true(id->key);
	assert_true(id->local);
	assert_string_equal(id->origin, "Base");
	assert_int_equal(id->quals.n, 1); /* CIMTYPE is taken out */
	q = cim_qset_find(&id->quals, "key");
	assert_non_null(q);
	assert_int_equal(q->flavor, 0x13);
	assert_true(q->value.v.b);
	assert_int_equal(o->cls->n_keys, 1);
	talloc_free(mem);
}

static void test_base_encodes_byte_for_byte(void **state)
{
	void *mem = talloc_new(NULL);
	struct buf b;
	size_t n;
	uint8_t *want = wt_hex(mem, spec_base_hex, &n);

	(void)state;
	/* The ObjectBlock ends after the CurrentClass MethodsPart. */
	n = 8 + 1 + 19 + 29 + 12 + 0x66 + 12;
	put32(want + 4, (uint32_t)(n - 8));
	assert_int_equal(want[102], 0x05); /* NdTable, unused bits 01 */
	want[102] = 0x01;
	assert_int_equal(want[177], 0x34); /* MethodCountPadding */
	want[177] = 0;
	buf_init(&b, mem);
	assert_true(hr_ok(wmio_encode_class(&b, spec_base(mem), NULL,
	                                    "DPRAVAT-DEV", "ROOT", 0)));
	assert_bytes(want, n, (uint8_t *)b.data, b.len);
	talloc_free(mem);
}

static void test_myclass_decodes_field_by_field(void **state)
{
	void *mem = talloc_new(NULL);
	struct wmio_object *o = NULL;
	size_t n;
	uint8_t *p = wt_hex(mem, spec_myclass_hex, &n);
	struct cim_class *base = spec_base(mem);
	struct cim_class *want = spec_myclass(mem, base);
	const struct cim_class *c;
	struct wt_why w;

	(void)state;
	assert_true(hr_ok(wmio_decode(mem, p, n, NULL, &o, NULL)));
	c = o->cls;
	assert_string_equal(c->name, "MyClass");
	assert_string_equal(c->superclass, "Base");
	assert_int_equal(c->n_derivation, 1);
	assert_int_equal(c->n_props, 4);
	assert_string_equal(c->props[0].name, "Id");
	assert_string_equal(c->props[0].origin, "Base");
	assert_false(c->props[0].local);
	assert_int_equal(cim_qset_find(&c->props[0].quals, "key")->flavor,
	                 0x33);
	assert_string_equal(c->props[2].name, "Data2");
	assert_string_equal(c->props[2].value.v.s, "defaultValue");
	assert_int_equal(c->props[3].type, CIM_T_UINT32 | CIM_FLAG_ARRAY);
	assert_string_equal(cim_qset_find(&c->quals, "Description")->value.v.s,
	                    "MyClass Example");
	assert_non_null(o->parent);
	assert_string_equal(o->parent->name, "Base");
	if (!wt_class(want, c, &w)) {
		fail_msg("%s", w.msg);
	}
	if (!wt_class(base, o->parent, &w)) {
		fail_msg("parent: %s", w.msg);
	}
	talloc_free(mem);
}

/* MyClass with the spec's free octets normalised; *n gets the length. */
static uint8_t *myclass_expected(void *mem, size_t *n)
{
	uint8_t *want = wt_hex(mem, spec_myclass_hex, n);

	*n = 8 + 520;                     /* drop the trailing bytes */
	assert_int_equal(want[61], 0x05); /* Base NdTable */
	want[61] = 0x01;
	want[136] = 0;        /* Base MethodCountPadding (34 00) */
	cut(want, n, 510, 6); /* MyClass ClassHeap slack */
	put32(want + 142, 0x176 - 6);
	put32(want + 239, (0x111 - 6) | 0x80000000u);
	assert_int_equal(want[510 + 7], 0x73); /* MethodCountPadding 00 73 */
	want[510 + 7] = 0;
	put32(want + 4, (uint32_t)(*n - 8));
	return want;
}

static void test_myclass_encodes_byte_for_byte(void **state)
{
	void *mem = talloc_new(NULL);
	struct cim_class *base = spec_base(mem);
	struct buf b;
	size_t n;
	uint8_t *want = myclass_expected(mem, &n);

	(void)state;
	buf_init(&b, mem);
	assert_true(hr_ok(wmio_encode_class(&b, spec_myclass(mem, base), base,
	                                    "DPRAVAT-DEV", "ROOT", 0)));
	assert_bytes(want, n, (uint8_t *)b.data, b.len);
	talloc_free(mem);
}

static void test_myclass_parent_part_derived_when_absent(void **state)
{
	void *mem = talloc_new(NULL);
	struct cim_class *base = spec_base(mem);
	struct buf b;
	size_t n;
	uint8_t *want = myclass_expected(mem, &n);

	(void)state;
	/* Base's part can be rebuilt from what MyClass inherits. */
	buf_init(&b, mem);
	assert_true(hr_ok(wmio_encode_class(&b, spec_myclass(mem, base), NULL,
	                                    "DPRAVAT-DEV", "ROOT", 0)));
	assert_bytes(want, n, (uint8_t *)b.data, b.len);
	talloc_free(mem);
}

static void test_instance_decodes_field_by_field(void **state)
{
	void *mem = talloc_new(NULL);
	struct wmio_object *o = NULL;
	size_t n;
	uint8_t *p = wt_hex(mem, spec_instance_hex, &n);
	struct cim_class *base = spec_base(mem);
	struct cim_class *c = spec_myclass(mem, base);
	struct cim_instance *want = spec_instance(mem, c);
	const struct cim_instance *i;
	struct wt_why w;

	(void)state;
	assert_true(hr_ok(wmio_decode(mem, p, n, NULL, &o, NULL)));
	assert_false(o->is_class);
	assert_int_equal(o->flags, 0x06);
	i = o->inst;
	assert_ptr_equal(i->cls, o->cls);
	assert_string_equal(i->server, "DPRAVAT-DEV");
	assert_string_equal(i->namespace, "ROOT");
	assert_int_equal(i->values[0].v.i, 123);
	assert_string_equal(i->values[1].v.s, "StringField");
	/* NdTable 0x20: Data2 takes the class default. */
	assert_string_equal(i->values[2].v.s, "defaultValue");
	assert_int_equal(i->values[3].v.a.n, 3);
	assert_int_equal(i->values[3].v.a.e.u[2], 3);
	if (!wt_instance(want, i, &w)) {
		fail_msg("%s", w.msg);
	}
	talloc_free(mem);
}

static void test_instance_encodes_byte_for_byte(void **state)
{
	void *mem = talloc_new(NULL);
	struct cim_class *c = spec_myclass(mem, spec_base(mem));
	struct buf b;
	size_t n;
	uint8_t *want = wt_hex(mem, spec_instance_hex, &n);

	(void)state;
	cut(want, &n, 396, 6); /* the class part's heap slack */
	put32(want + 28, 0x176 - 6);
	put32(want + 125, (0x111 - 6) | 0x80000000u);
	put32(want + 4, (uint32_t)(n - 8));
	buf_init(&b, mem);
	assert_true(hr_ok(wmio_encode_instance(&b, spec_instance(mem, c),
	                                       "DPRAVAT-DEV", "ROOT",
	                                       WMIO_ENC_USE_DEFAULTS)));
	assert_bytes(want, n, (uint8_t *)b.data, b.len);
	talloc_free(mem);
}

static void test_instance_for_impacket_writes_every_value(void **state)
{
	void *mem = talloc_new(NULL);
	struct cim_class *c = spec_myclass(mem, spec_base(mem));
	struct cim_instance *inst = spec_instance(mem, c);
	struct wmio_object *o = NULL;
	const uint8_t *p;
	struct buf b;
	struct wt_why w;

	(void)state;
	buf_init(&b, mem);
	assert_true(hr_ok(wmio_encode_instance(&b, inst, NULL, NULL, 0)));
	p = (const uint8_t *)b.data;
	assert_int_equal(p[8], WMIO_OBJ_INSTANCE); /* no decoration */
	/* NdTable right after the class part and 9 header bytes: 0. */
	assert_int_equal(p[9 + 0x170 + 9], 0x00);
	assert_true(hr_ok(wmio_decode(mem, p, b.len, NULL, &o, NULL)));
	assert_null(o->server);
	if (!wt_instance(inst, o->inst, &w)) {
		fail_msg("%s", w.msg);
	}
	talloc_free(mem);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_base_decodes_field_by_field),
		cmocka_unit_test(test_base_encodes_byte_for_byte),
		cmocka_unit_test(test_myclass_decodes_field_by_field),
		cmocka_unit_test(test_myclass_encodes_byte_for_byte),
		cmocka_unit_test(test_myclass_parent_part_derived_when_absent),
		cmocka_unit_test(test_instance_decodes_field_by_field),
		cmocka_unit_test(test_instance_encodes_byte_for_byte),
		cmocka_unit_test(test_instance_for_impacket_writes_every_value),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
