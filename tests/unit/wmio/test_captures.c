/*
 * Unit tests: the MS-WMIO objects of the Impacket captures
 * (/work/shared/interop/captures; the EncodingUnits were cut out of
 * e04, f02, g02 and g03 into fuzz/corpus/wmio/, which also seeds the
 * fuzzer): decoded and checked field by field against what the interop
 * notes (sections 6.5, 7 and 10) say they hold, then re-encoded and
 * decoded again to the same model.  The harness laid its heaps out in
 * another order than Windows, so these compare models, not bytes.
 *
 *   test_wmio_captures SRCROOT
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

static const char *srcroot = ".";

static struct wmio_object *load(void *mem, const char *name)
{
	char path[1024];
	struct wmio_object *o = NULL;
	struct errinfo ei;
	size_t n = 0;
	uint8_t *p;

	snprintf(path, sizeof(path), "%s/fuzz/corpus/wmio/%s", srcroot, name);
	p = wt_file(mem, path, &n);
	if (p == NULL) {
		fail_msg("cannot read %s", path);
	}
	err_clear(&ei);
	if (hr_failed(wmio_decode(mem, p, n, NULL, &o, &ei))) {
		fail_msg("%s: %s at %zu", name, ei.msg, ei.offset);
	}
	return o;
}

/* Re-encodes [o] and checks that it decodes to the same model. */
static void round_trip(void *mem, const struct wmio_object *o)
{
	struct wmio_object *o2 = NULL;
	struct errinfo ei;
	struct wt_why w;
	struct buf b;

	buf_init(&b, mem);
	if (o->is_class) {
		assert_true(hr_ok(wmio_encode_class(&b, o->cls, o->parent,
		                                    o->server, o->ns, 0)));
	} else {
		assert_true(hr_ok(wmio_encode_instance(&b, o->inst, o->server,
		                                       o->ns, 0)));
	}
	err_clear(&ei);
	if (hr_failed(wmio_decode(mem, (uint8_t *)b.data, b.len, NULL, &o2,
	                          &ei))) {
		fail_msg("re-decode: %s at %zu", ei.msg, ei.offset);
	}
	assert_int_equal(o->flags, o2->flags);
	if (o->is_class ? !wt_class(o->cls, o2->cls, &w)
	                : !wt_instance(o->inst, o2->inst, &w)) {
		fail_msg("%s", w.msg);
	}
}

static const struct cim_value *val(const struct wmio_object *o,
                                   const char *name)
{
	const struct cim_value *v = cim_instance_get(o->inst, name);

	assert_non_null(v);
	return v;
}

static void test_e04_instance_of_fake_foo(void **state)
{
	void *mem = talloc_new(NULL);
	struct wmio_object *o = load(mem, "e04_instance.bin");
	static const char *const order[] = { "Name",   "Count", "Enabled",
		                             "Big",    "Small", "When",
		                             "Tags",   "Nums",  "Unicode",
		                             "Nothing" };
	const struct cim_value *v;

	(void)state;
	assert_false(o->is_class);
	assert_int_equal(o->flags, 0x06);
	assert_string_equal(o->server, "FAKEWMI");
	assert_string_equal(o->ns, "ROOT\\cimv2");
	assert_string_equal(o->cls->name, "Fake_Foo");
	assert_int_equal(o->cls->n_props, 10);
	for (uint32_t i = 0; i < 10; i++) {
		assert_string_equal(o->cls->props[i].name, order[i]);
	}
	assert_string_equal(val(o, "Name")->v.s, "alpha");
	assert_int_equal(val(o, "Count")->v.u, 1);
	assert_true(val(o, "Enabled")->v.b);
	assert_int_equal(val(o, "Big")->v.u, 1099511627776ull);
	assert_int_equal(val(o, "Small")->v.i, -5);
	assert_int_equal(val(o, "When")->type, CIM_T_DATETIME);
	assert_string_equal(val(o, "When")->v.s, "20240102030405.000000+000");
	v = val(o, "Tags");
	assert_int_equal(v->v.a.n, 2);
	assert_string_equal(v->v.a.e.s[0], "a");
	assert_string_equal(v->v.a.e.s[1], "bb");
	v = val(o, "Nums");
	assert_int_equal(v->type, CIM_T_UINT16 | CIM_FLAG_ARRAY);
	assert_int_equal(v->v.a.n, 3);
	assert_int_equal(v->v.a.e.u[1], 2);
	assert_string_equal(val(o, "Unicode")->v.s, "caf\xc3\xa9 \xe2\x82\xac");
	assert_true(val(o, "Nothing")->null);
	round_trip(mem, o);
	talloc_free(mem);
}

static void test_f02_class_win32_process(void **state)
{
	void *mem = talloc_new(NULL);
	struct wmio_object *o = load(mem, "f02_class_win32_process.bin");
	const struct cim_class *c = o->cls;
	const struct cim_method *m;

	(void)state;
	assert_true(o->is_class);
	assert_int_equal(o->flags, 0x05);
	assert_null(o->parent);
	assert_string_equal(c->name, "Win32_Process");
	assert_int_equal(c->n_props, 3);
	assert_string_equal(c->props[0].name, "Handle");
	assert_true(c->props[0].key);
	assert_int_equal(c->props[2].type, CIM_T_UINT32);
	assert_int_equal(c->n_methods, 2);
	m = cim_class_find_method(c, "Create");
	assert_non_null(m);
	assert_int_equal(m->return_type, CIM_T_UINT32);
	assert_true(cim_qset_bool(&m->quals, "Static"));
	assert_true(cim_qset_bool(&m->quals, "Constructor"));
	assert_int_equal(m->n_params, 4);
	assert_string_equal(m->params[0].name, "CommandLine");
	assert_true(m->params[0].in);
	assert_false(m->params[0].out);
	assert_string_equal(m->params[2].name, "ProcessStartupInformation");
	assert_int_equal(m->params[2].type, CIM_T_OBJECT);
	assert_string_equal(m->params[2].ref_class, "Win32_ProcessStartup");
	assert_string_equal(m->params[3].name, "ProcessId");
	assert_true(m->params[3].out);
	assert_int_equal(m->params[3].id, 3);
	m = cim_class_find_method(c, "GetOwner");
	assert_non_null(m);
	assert_int_equal(m->n_params, 2);
	assert_true(m->params[0].out && m->params[1].out);
	round_trip(mem, o);
	talloc_free(mem);
}

static void test_g02_inparams_built_by_impacket(void **state)
{
	void *mem = talloc_new(NULL);
	struct wmio_object *o = load(mem, "g02_inparams_impacket.bin");

	(void)state;
	assert_false(o->is_class);
	assert_int_equal(o->flags, 0x02); /* no decoration */
	assert_null(o->server);
	assert_string_equal(o->cls->name, "__PARAMETERS");
	assert_true(cim_qset_bool(&o->cls->quals, "abstract"));
	assert_int_equal(o->cls->n_props, 3);
	/* Impacket's strings are UTF-16 even when ASCII. */
	assert_non_null(strstr(val(o, "CommandLine")->v.s, "cmd.exe"));
	assert_string_equal(val(o, "CurrentDirectory")->v.s, "C:\\");
	assert_true(val(o, "ProcessStartupInformation")->null);
	round_trip(mem, o);
	talloc_free(mem);
}

static void test_g03_outparams(void **state)
{
	void *mem = talloc_new(NULL);
	struct wmio_object *o = load(mem, "g03_outparams.bin");

	(void)state;
	assert_false(o->is_class);
	assert_string_equal(o->cls->name, "__PARAMETERS");
	assert_int_equal(val(o, "ReturnValue")->type, CIM_T_UINT32);
	assert_false(val(o, "ProcessId")->null);
	round_trip(mem, o);
	talloc_free(mem);
}

/* The server answers wmiexec with out-parameters built from the method. */
static void test_out_params_for_create_built_from_signature(void **state)
{
	void *mem = talloc_new(NULL);
	struct wmio_object *cls = load(mem, "f02_class_win32_process.bin");
	const struct cim_method *m = cim_class_find_method(cls->cls, "Create");
	struct cim_class *pc = NULL;
	struct cim_instance *inst;
	struct cim_value pid = { .type = CIM_T_UINT32, .v.u = 4242 };
	struct cim_value rv = { .type = CIM_T_UINT32, .v.u = 0 };
	struct wmio_object *o = NULL;
	struct buf b;

	(void)state;
	assert_true(hr_ok(wmio_params_class(mem, m, true, &pc)));
	assert_int_equal(pc->n_props, 2);
	assert_string_equal(pc->props[1].name, "ReturnValue");
	inst = cim_instance_new(mem, pc);
	assert_true(hr_ok(cim_instance_set(inst, "ProcessId", &pid)));
	assert_true(hr_ok(cim_instance_set(inst, "ReturnValue", &rv)));
	buf_init(&b, mem);
	assert_true(hr_ok(
	        wmio_encode_instance(&b, inst, "FAKEWMI", "ROOT\\cimv2", 0)));
	assert_true(hr_ok(
	        wmio_decode(mem, (uint8_t *)b.data, b.len, NULL, &o, NULL)));
	assert_int_equal(val(o, "ProcessId")->v.u, 4242);
	assert_int_equal(
	        cim_qset_find(&o->cls->props[0].quals, "ID")->value.v.i, 3);
	talloc_free(mem);
}

int main(int argc, char **argv)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_e04_instance_of_fake_foo),
		cmocka_unit_test(test_f02_class_win32_process),
		cmocka_unit_test(test_g02_inparams_built_by_impacket),
		cmocka_unit_test(test_g03_outparams),
		cmocka_unit_test(
		        test_out_params_for_create_built_from_signature),
	};

	if (argc > 1) {
		srcroot = argv[1];
	}
	return cmocka_run_group_tests(tests, NULL, NULL);
}
