/*
 * Tests of the cimom operations other than queries: sessions, GetObject,
 * enumerations, Put/Delete, namespaces, ExecMethod, providers, batching,
 * cancellation and the activity log written at the boundary.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>
#include <string.h>
#include <talloc.h>

#include <cmocka.h>

#include "cimom/activity.h"
#include "cimom/cimom.h"
#include "fixture.h"

static int setup(void **state)
{
	*state = fx_new();
	return 0;
}

static int teardown(void **state)
{
	fx_free(*state);
	return 0;
}

static struct cimom_identity ident(void)
{
	struct cimom_identity id = { .user = "bob", .pid = 7 };

	return id;
}

static hresult open_ns(struct fx *f, const char *ns)
{
	struct cimom_session *s = NULL;
	struct cimom_identity id = ident();
	hresult hr;

	hr = cimom_session_open(f->cm, f->mem, &id, ns, &s, NULL);
	talloc_free(s);
	return hr;
}

static void test_session_namespace_forms(void **state)
{
	struct fx *f = *state;
	static const char *const ok[] = {
		"root\\cimv2",         "ROOT/CIMV2",
		"\\\\.\\root\\cimv2",  "//./root",
		"\\\\localhost\\ROOT", "root\\default",
		"\\\\TESTHOST\\root",  "root",
	};

	for (size_t i = 0; i < sizeof(ok) / sizeof(ok[0]); i++) {
		hresult hr = open_ns(f, ok[i]);

		if (hr_failed(hr)) {
			fail_msg("'%s' -> %s", ok[i], hr_name(hr));
		}
	}
}

static void test_session_namespace_errors(void **state)
{
	struct fx *f = *state;
	static const struct {
		const char *ns;
		hresult hr;
	} bad[] = {
		{ "", { 0x8004100E } },
		{ "\\", { 0x8004100E } },
		{ "\\\\.", { 0x8004100E } },
		{ "\\\\.\\NONE", { 0x8004100E } },
		{ "ROOT\\NONE", { 0x8004100E } },
		{ "ROOT\\CIMV2\\", { 0x8004100E } },
		{ "\\\\ROOT", { 0x800706BA } },
		{ "\\\\\\.\\ROOT", { 0x80041008 } },
	};

	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		hresult hr = open_ns(f, bad[i].ns);

		if (!hr_eq(hr, bad[i].hr)) {
			fail_msg("'%s' -> %s, want %s", bad[i].ns, hr_name(hr),
			         hr_name(bad[i].hr));
		}
	}
	assert_true(hr_eq(open_ns(f, NULL), HR_WBEM_E_INVALID_NAMESPACE));
}

static void test_session_namespace_canonical(void **state)
{
	struct fx *f = *state;
	struct cimom_session *s = NULL;
	struct cimom_identity id = ident();

	assert_true(hr_ok(cimom_session_open(f->cm, f->mem, &id,
	                                     "//./ROOT/CIMV2", &s, NULL)));
	assert_string_equal(cimom_session_namespace(s), "root\\cimv2");
	talloc_free(s);
}

static void test_get_object_class(void **state)
{
	struct fx *f = *state;
	struct cim_object *o = NULL;
	struct cim_value v;

	assert_true(
	        hr_ok(cimom_get_object(f->s, f->mem, "T_Sub", 0, &o, NULL)));
	assert_true(o->is_class);
	assert_true(o->u.cls->resolved);
	assert_string_equal(o->u.cls->name, "T_Sub");
	assert_int_equal(o->u.cls->n_props, 4);
	assert_string_equal(o->u.cls->server, "TESTHOST");
	assert_string_equal(o->u.cls->namespace, "root\\cimv2");
	assert_true(
	        hr_ok(cim_sysprop_get(f->mem, o->u.cls, NULL, o->u.cls->server,
	                              o->u.cls->namespace, "__PATH", &v)));
	assert_false(v.null);
	assert_string_equal(v.v.s, "\\\\TESTHOST\\root\\cimv2:T_Sub");
}

static void test_get_object_instance(void **state)
{
	struct fx *f = *state;
	struct cim_object *o = NULL;
	struct cim_value v;
	const struct cim_value *pv;

	assert_true(hr_ok(cimom_get_object(f->s, f->mem, "T_Base.Name=\"b\"", 0,
	                                   &o, NULL)));
	assert_false(o->is_class);
	pv = cim_instance_get(o->u.inst, "Size");
	assert_non_null(pv);
	assert_int_equal(pv->v.u, 2);
	assert_true(hr_ok(cim_sysprop_get(f->mem, o->u.inst->cls, o->u.inst,
	                                  o->u.inst->server,
	                                  o->u.inst->namespace, "__PATH", &v)));
	assert_string_equal(v.v.s,
	                    "\\\\TESTHOST\\root\\cimv2:T_Base.Name=\"b\"");
	/* Instances of subclasses are found through the base class. */
	assert_true(hr_ok(
	        cimom_get_object(f->s, f->mem, "T_Base=\"s1\"", 0, &o, NULL)));
	assert_string_equal(o->u.inst->cls->name, "T_Sub");
	/* Two keys, any order, a number key given as text. */
	assert_true(hr_ok(cimom_get_object(f->s, f->mem, "T_Pair.B=\"y\",A=2",
	                                   0, &o, NULL)));
	/* Singletons and full paths. */
	assert_true(hr_ok(
	        cimom_get_object(f->s, f->mem, "T_Single=@", 0, &o, NULL)));
	assert_int_equal(cim_instance_get(o->u.inst, "V")->v.u, 7);
	assert_true(hr_ok(cimom_get_object(
	        f->s, f->mem, "\\\\.\\root\\cimv2:T_Base.Name=\"a\"", 0, &o,
	        NULL)));
}

static void test_get_object_errors(void **state)
{
	struct fx *f = *state;
	struct cim_object *o = NULL;
	struct errinfo ei;

	err_clear(&ei);
	assert_true(hr_eq(
	        cimom_get_object(f->s, f->mem, "No_Such_Class", 0, &o, &ei),
	        HR_WBEM_E_NOT_FOUND));
	assert_true(hr_eq(ei.hr, HR_WBEM_E_NOT_FOUND));
	assert_true(hr_eq(cimom_get_object(f->s, f->mem, "T_Base.Name=\"zz\"",
	                                   0, &o, NULL),
	                  HR_WBEM_E_NOT_FOUND));
	assert_true(hr_eq(
	        cimom_get_object(f->s, f->mem, "T_Base.Name=\"a", 0, &o, NULL),
	        HR_WBEM_E_INVALID_OBJECT_PATH));
	assert_true(hr_eq(cimom_get_object(f->s, f->mem, "T_Base.Nope=\"a\"", 0,
	                                   &o, NULL),
	                  HR_WBEM_E_INVALID_OBJECT_PATH));
	assert_true(hr_eq(cimom_get_object(f->s, f->mem,
	                                   "\\\\.\\root\\nowhere:T_Base", 0, &o,
	                                   NULL),
	                  HR_WBEM_E_INVALID_NAMESPACE));
}

static void test_get_object_empty_path(void **state)
{
	struct fx *f = *state;
	struct cim_object *o = NULL;

	assert_true(hr_ok(cimom_get_object(f->s, f->mem, "", 0, &o, NULL)));
	assert_true(o->is_class);
	assert_int_equal(o->u.cls->n_props, 0);
	assert_true(hr_ok(cimom_get_object(f->s, f->mem, NULL, 0, &o, NULL)));
	assert_true(o->is_class);
}

static void test_enum_classes_deep_shallow(void **state)
{
	struct fx *f = *state;
	struct collect c = { .keep = true };
	struct cimom_sink sink = collect_sink(&c, f->mem, 0);

	assert_true(hr_ok(cimom_enum_classes(f->s, NULL, CIMOM_FLAG_SHALLOW,
	                                     &sink, NULL)));
	assert_true(collect_has(&c, "T_Base"));
	assert_false(collect_has(&c, "T_Sub"));
	assert_int_equal(c.status_calls, 1);

	memset(&c, 0, sizeof(c));
	c.keep = true;
	sink = collect_sink(&c, f->mem, 0);
	assert_true(hr_ok(
	        cimom_enum_classes(f->s, NULL, CIMOM_FLAG_DEEP, &sink, NULL)));
	assert_true(collect_has(&c, "T_Base"));
	assert_true(collect_has(&c, "T_Sub"));

	memset(&c, 0, sizeof(c));
	c.keep = true;
	sink = collect_sink(&c, f->mem, 0);
	assert_true(hr_ok(cimom_enum_classes(f->s, "T_Base", CIMOM_FLAG_DEEP,
	                                     &sink, NULL)));
	assert_int_equal(c.n, 1);
	assert_true(collect_has(&c, "T_Sub"));
	assert_string_equal(c.objs[0]->u.cls->namespace, "root\\cimv2");
}

static void test_enum_classes_unknown(void **state)
{
	struct fx *f = *state;
	struct collect c = { 0 };
	struct cimom_sink sink = collect_sink(&c, f->mem, 0);

	assert_true(hr_eq(cimom_enum_classes(f->s, "Nope", 0, &sink, NULL),
	                  HR_WBEM_E_INVALID_CLASS));
	assert_int_equal(c.status_calls, 1);
	assert_true(hr_eq(c.status, HR_WBEM_E_INVALID_CLASS));
}

static void test_enum_instances_deep_shallow(void **state)
{
	struct fx *f = *state;
	struct collect c = { .keep = true };
	struct cimom_sink sink = collect_sink(&c, f->mem, 0);

	assert_true(hr_ok(cimom_enum_instances(f->s, "T_Base", CIMOM_FLAG_DEEP,
	                                       &sink, NULL)));
	assert_int_equal(c.n, 4);
	assert_true(collect_has(&c, "T_Sub.Name=\"s1\""));
	assert_string_equal(collect_str(&c, 0, "__SERVER"), "TESTHOST");

	memset(&c, 0, sizeof(c));
	c.keep = true;
	sink = collect_sink(&c, f->mem, 0);
	assert_true(hr_ok(cimom_enum_instances(
	        f->s, "T_Base", CIMOM_FLAG_SHALLOW, &sink, NULL)));
	assert_int_equal(c.n, 3);
	assert_false(collect_has(&c, "T_Sub.Name=\"s1\""));
}

static void test_enum_instances_unknown_class(void **state)
{
	struct fx *f = *state;
	struct collect c = { 0 };
	struct cimom_sink sink = collect_sink(&c, f->mem, 0);

	assert_true(hr_eq(cimom_enum_instances(f->s, "Nope", 0, &sink, NULL),
	                  HR_WBEM_E_INVALID_CLASS));
	assert_true(hr_eq(c.status, HR_WBEM_E_INVALID_CLASS));
}

static void test_enum_batches_bounded(void **state)
{
	struct fx *f = *state;
	struct collect c = { 0 };
	struct cimom_sink sink = collect_sink(&c, f->mem, 0);
	struct cimom_stats st;

	fx_add_big(f, 10000);
	assert_true(hr_ok(cimom_enum_instances(f->s, "T_Big", 0, &sink, NULL)));
	assert_int_equal(c.n, 10000);
	assert_int_equal(c.max_batch, CIMOM_DEFAULT_BATCH);
	assert_int_equal(c.batches, (10000 + 63) / 64);
	cimom_session_stats(f->s, &st);
	assert_true(st.max_batch <= CIMOM_DEFAULT_BATCH);

	memset(&c, 0, sizeof(c));
	sink = collect_sink(&c, f->mem, 1000);
	assert_true(hr_ok(cimom_enum_instances(f->s, "T_Big", 0, &sink, NULL)));
	assert_int_equal(c.n, 10000);
	assert_int_equal(c.max_batch, 1000);
	assert_int_equal(c.batches, 10);
}

static void test_enum_cancelled_by_sink(void **state)
{
	struct fx *f = *state;
	struct collect c = { .cancel_after = 2 };
	struct cimom_sink sink = collect_sink(&c, f->mem, 10);
	struct errinfo ei;

	fx_add_big(f, 500);
	err_clear(&ei);
	assert_true(hr_eq(cimom_enum_instances(f->s, "T_Big", 0, &sink, &ei),
	                  HR_WBEM_E_CALL_CANCELLED));
	assert_int_equal(c.batches, 2);
	assert_int_equal(c.n, 20);
	assert_int_equal(c.status_calls, 1);
	assert_true(hr_eq(c.status, HR_WBEM_E_CALL_CANCELLED));
	assert_true(hr_eq(ei.hr, HR_WBEM_E_CALL_CANCELLED));
	assert_int_equal(fx_log_lines(f), 1);
}

static void test_put_class_flags(void **state)
{
	struct fx *f = *state;
	struct cim_class *c = cim_class_new(f->mem, "T_New", NULL);
	struct cim_object *o = NULL;

	assert_non_null(cim_class_add_prop(c, "P", CIM_T_STRING));
	assert_true(
	        hr_eq(cimom_put_class(f->s, c, CIMOM_FLAG_UPDATE_ONLY, NULL),
	              HR_WBEM_E_NOT_FOUND));
	assert_true(
	        hr_ok(cimom_put_class(f->s, c, CIMOM_FLAG_CREATE_ONLY, NULL)));
	assert_true(
	        hr_eq(cimom_put_class(f->s, c, CIMOM_FLAG_CREATE_ONLY, NULL),
	              HR_WBEM_E_ALREADY_EXISTS));
	assert_non_null(cim_class_add_prop(c, "Q", CIM_T_UINT32));
	assert_true(
	        hr_ok(cimom_put_class(f->s, c, CIMOM_FLAG_UPDATE_ONLY, NULL)));
	assert_true(
	        hr_ok(cimom_get_object(f->s, f->mem, "T_New", 0, &o, NULL)));
	assert_int_equal(o->u.cls->n_props, 2);
	assert_true(hr_ok(cimom_delete_class(f->s, "T_New", 0, NULL)));
	assert_true(hr_eq(cimom_delete_class(f->s, "T_New", 0, NULL),
	                  HR_WBEM_E_NOT_FOUND));
}

static void test_put_instance_and_delete(void **state)
{
	struct fx *f = *state;
	struct cim_object *o = NULL;
	struct cim_instance *inst;
	struct cim_value v = { .type = CIM_T_STRING, .v.s = "new" };
	char *path = NULL;

	assert_true(
	        hr_ok(cimom_get_object(f->s, f->mem, "T_Base", 0, &o, NULL)));
	inst = cim_instance_new(f->mem, o->u.cls);
	assert_true(hr_ok(cim_instance_set(inst, "Name", &v)));
	assert_true(hr_ok(cimom_put_instance(
	        f->s, f->mem, inst, CIMOM_FLAG_CREATE_ONLY, &path, NULL)));
	assert_string_equal(path, "T_Base.Name=\"new\"");
	assert_true(
	        hr_eq(cimom_put_instance(f->s, f->mem, inst,
	                                 CIMOM_FLAG_CREATE_ONLY, NULL, NULL),
	              HR_WBEM_E_ALREADY_EXISTS));
	assert_true(hr_ok(cimom_get_object(f->s, f->mem, "T_Base.Name=\"new\"",
	                                   0, &o, NULL)));
	assert_true(hr_ok(
	        cimom_delete_instance(f->s, "T_Base.Name=\"new\"", 0, NULL)));
	assert_true(hr_eq(
	        cimom_delete_instance(f->s, "T_Base.Name=\"new\"", 0, NULL),
	        HR_WBEM_E_NOT_FOUND));
	assert_true(
	        hr_eq(cimom_delete_instance(f->s, "T_Nope.Name=\"x\"", 0, NULL),
	              HR_WBEM_E_INVALID_CLASS));
	assert_true(hr_eq(cimom_delete_instance(f->s, "T_Base", 0, NULL),
	                  HR_WBEM_E_INVALID_OBJECT_PATH));
}

static void test_put_instance_unknown_class(void **state)
{
	struct fx *f = *state;
	struct cim_class *c = cim_class_new(f->mem, "T_Ghost", NULL);
	struct cim_instance *inst;

	assert_non_null(cim_class_add_prop(c, "P", CIM_T_STRING));
	c->resolved = true;
	inst = cim_instance_new(f->mem, c);
	assert_true(hr_eq(cimom_put_instance(f->s, f->mem, inst, 0, NULL, NULL),
	                  HR_WBEM_E_INVALID_CLASS));
}

static void test_namespaces(void **state)
{
	struct fx *f = *state;
	struct cim_class *ns = cim_class_new(f->mem, "__NAMESPACE", NULL);
	struct cim_instance *inst;
	struct cim_value v = { .type = CIM_T_STRING, .v.s = "viaput" };

	assert_true(hr_ok(cimom_create_namespace(f->s, "child", NULL)));
	assert_true(hr_ok(open_ns(f, "root\\cimv2\\child")));
	assert_true(hr_eq(cimom_create_namespace(f->s, "child", NULL),
	                  HR_WBEM_E_ALREADY_EXISTS));
	assert_true(hr_eq(cimom_create_namespace(f->s, "a\\b", NULL),
	                  HR_WBEM_E_INVALID_PARAMETER));
	assert_true(hr_ok(cimom_delete_namespace(f->s, "child", NULL)));
	assert_true(hr_eq(open_ns(f, "root\\cimv2\\child"),
	                  HR_WBEM_E_INVALID_NAMESPACE));
	assert_true(hr_eq(cimom_delete_namespace(f->s, "child", NULL),
	                  HR_WBEM_E_NOT_FOUND));

	/* PutInstance / DeleteInstance of __NAMESPACE, as WMI does. */
	assert_non_null(cim_class_add_prop(ns, "Name", CIM_T_STRING));
	ns->resolved = true;
	inst = cim_instance_new(f->mem, ns);
	assert_true(hr_ok(cim_instance_set(inst, "Name", &v)));
	assert_true(
	        hr_ok(cimom_put_instance(f->s, f->mem, inst, 0, NULL, NULL)));
	assert_true(hr_ok(open_ns(f, "root\\cimv2\\viaput")));
	assert_true(hr_ok(cimom_delete_instance(
	        f->s, "__NAMESPACE.Name=\"viaput\"", 0, NULL)));
	assert_true(hr_eq(open_ns(f, "root\\cimv2\\viaput"),
	                  HR_WBEM_E_INVALID_NAMESPACE));
}

static void test_exec_method_static(void **state)
{
	struct fx *f = *state;
	struct cim_instance *out = NULL;

	assert_true(hr_eq(cimom_exec_method(f->s, f->mem, "T_Static", "Run",
	                                    NULL, 0, &out, NULL),
	                  HR_WBEM_E_NOT_SUPPORTED));
	assert_true(hr_eq(cimom_exec_method(f->s, f->mem, "T_Static", "Walk",
	                                    NULL, 0, &out, NULL),
	                  HR_WBEM_E_INVALID_METHOD));
	assert_true(hr_eq(cimom_exec_method(f->s, f->mem, "T_Nope", "Run", NULL,
	                                    0, &out, NULL),
	                  HR_WBEM_E_INVALID_CLASS));
	assert_true(hr_eq(cimom_exec_method(f->s, f->mem, "T_ProvMeth", "Go",
	                                    NULL, 0, &out, NULL),
	                  HR_WBEM_E_PROVIDER_NOT_FOUND));
}

/* A provider serving T_Dyn and T_ProvMeth. */
static int prov_calls;

static hresult dyn_enum(void *arg,
                        const struct cimom_provider_call *call,
                        struct cimom_result *res,
                        struct errinfo *ei)
{
	(void)arg;
	(void)ei;
	prov_calls++;
	for (uint32_t i = 0; i < 3; i++) {
		struct cim_instance *inst = cim_instance_new(
		        call->mem, (struct cim_class *)call->cls);
		struct cim_value k = { .type = CIM_T_STRING,
			               .v.s = (char *)(i == 0   ? "d0"
			                               : i == 1 ? "d1"
			                                        : "d2") };
		struct cim_value n = { .type = CIM_T_UINT32, .v.u = i };
		hresult hr;

		cim_instance_set(inst, "K", &k);
		cim_instance_set(inst, "N", &n);
		hr = cimom_result_put(res, inst);
		if (hr_failed(hr)) {
			return hr;
		}
	}
	return HR_OK;
}

static hresult meth_exec(void *arg,
                         const struct cimom_provider_call *call,
                         const struct objpath *path,
                         const char *method,
                         const struct cim_instance *in,
                         struct cim_instance **out,
                         struct errinfo *ei)
{
	struct cim_class *c = cim_class_new(call->mem, "__PARAMETERS", NULL);
	struct cim_value rv = { .type = CIM_T_UINT32, .v.u = 0 };

	(void)arg;
	(void)path;
	(void)ei;
	prov_calls++;
	assert_string_equal(method, "Go");
	if (in != NULL) {
		rv.v.u = cim_instance_get(in, "X")->v.u * 2;
	}
	cim_class_add_prop(c, "ReturnValue", CIM_T_UINT32);
	c->resolved = true;
	*out = cim_instance_new(call->mem, c);
	return cim_instance_set(*out, "ReturnValue", &rv);
}

static void test_provider_dispatch(void **state)
{
	struct fx *f = *state;
	struct cimom_provider_hooks dyn = { .name = "DynProv",
		                            .enum_instances = dyn_enum };
	struct cimom_provider_hooks meth = { .name = "MethProv",
		                             .exec_method = meth_exec };
	struct collect c = { .keep = true };
	struct cimom_sink sink = collect_sink(&c, f->mem, 0);
	struct cim_instance *out = NULL, *in;
	struct cim_class *pc = cim_class_new(f->mem, "__PARAMETERS", NULL);
	struct cim_value x = { .type = CIM_T_UINT32, .v.u = 21 };

	/* Not registered yet. */
	assert_true(hr_eq(cimom_enum_instances(f->s, "T_Dyn", 0, &sink, NULL),
	                  HR_WBEM_E_PROVIDER_NOT_FOUND));
	assert_true(hr_ok(cimom_register_provider(f->cm, &dyn)));
	assert_true(hr_ok(cimom_register_provider(f->cm, &meth)));
	assert_true(hr_eq(cimom_register_provider(f->cm, &meth),
	                  HR_WBEM_E_ALREADY_EXISTS));
	prov_calls = 0;
	memset(&c, 0, sizeof(c));
	c.keep = true;
	sink = collect_sink(&c, f->mem, 0);
	assert_true(hr_ok(cimom_enum_instances(f->s, "T_Dyn", 0, &sink, NULL)));
	assert_int_equal(prov_calls, 1);
	assert_int_equal(c.n, 3);
	assert_true(collect_has(&c, "T_Dyn.K=\"d1\""));

	/* Queries filter what providers return. */
	memset(&c, 0, sizeof(c));
	c.keep = true;
	sink = collect_sink(&c, f->mem, 0);
	assert_true(hr_ok(cimom_exec_query(f->s, "WQL",
	                                   "SELECT * FROM T_Dyn WHERE N > 0", 0,
	                                   &sink, NULL)));
	assert_int_equal(c.n, 2);

	/* Get and delete are not supported by this provider. */
	assert_true(
	        hr_eq(cimom_delete_instance(f->s, "T_Dyn.K=\"d1\"", 0, NULL),
	              HR_WBEM_E_PROVIDER_NOT_CAPABLE));

	/* ExecMethod with in-parameters. */
	assert_non_null(cim_class_add_prop(pc, "X", CIM_T_UINT32));
	pc->resolved = true;
	in = cim_instance_new(f->mem, pc);
	assert_true(hr_ok(cim_instance_set(in, "X", &x)));
	assert_true(hr_ok(cimom_exec_method(f->s, f->mem, "T_ProvMeth.K=\"k\"",
	                                    "Go", in, 0, &out, NULL)));
	assert_non_null(out);
	assert_int_equal(cim_instance_get(out, "ReturnValue")->v.u, 42);
}

static void test_activity_once_per_failure(void **state)
{
	struct fx *f = *state;
	struct collect c = { 0 };
	struct cimom_sink sink = collect_sink(&c, f->mem, 0);
	struct cimom_activity_event *ev = NULL;
	struct cimom_activity_filter flt = { 0 };
	struct cim_object *o = NULL;
	size_t n = 0;

	/* Successes log nothing. */
	assert_true(hr_ok(cimom_exec_query(f->s, "WQL", "SELECT * FROM T_Base",
	                                   0, &sink, NULL)));
	assert_true(hr_ok(cimom_get_object(f->s, f->mem, "T_Base.Name=\"a\"", 0,
	                                   &o, NULL)));
	assert_int_equal(fx_log_lines(f), 0);

	assert_true(
	        hr_eq(cimom_exec_query(f->s, "WQL", "SELECT * FROM Win32_Foo",
	                               0, &sink, NULL),
	              HR_WBEM_E_INVALID_CLASS));
	assert_int_equal(fx_log_lines(f), 1);
	assert_true(hr_eq(cimom_get_object(f->s, f->mem, "T_Base.Name=\"q\"", 0,
	                                   &o, NULL),
	                  HR_WBEM_E_NOT_FOUND));
	assert_int_equal(fx_log_lines(f), 2);

	assert_true(hr_ok(
	        cimom_activity_read(f->mem, f->log, NULL, &ev, &n, NULL)));
	assert_int_equal(n, 2);
	assert_int_equal(ev[0].event_id, 5858);
	assert_int_equal(ev[0].result_code, 0x80041010);
	assert_string_equal(ev[0].operation,
	                    "Start IWbemServices::ExecQuery - root\\cimv2 : "
	                    "SELECT * FROM Win32_Foo");
	assert_string_equal(ev[0].user, "WORKGROUP\\alice");
	assert_string_equal(ev[0].client_machine, "CLIENT1");
	assert_int_equal(ev[0].client_pid, 4242);
	assert_string_equal(ev[0].component, "Unknown");
	assert_string_equal(ev[0].ns, "root\\cimv2");
	assert_true(strstr(ev[0].possible_cause, "Win32_Foo") != NULL);
	assert_true(ev[0].id[0] == '{');
	assert_string_not_equal(ev[0].id, ev[1].id);
	assert_string_equal(ev[1].operation,
	                    "Start IWbemServices::GetObject - root\\cimv2 : "
	                    "T_Base.Name=\"q\"");
	assert_int_equal(ev[1].result_code, 0x80041002);

	flt.result_code = 0x80041002;
	assert_true(hr_ok(
	        cimom_activity_read(f->mem, f->log, &flt, &ev, &n, NULL)));
	assert_int_equal(n, 1);
	assert_int_equal(ev[0].result_code, 0x80041002);
}

static void test_activity_session_failure_logged(void **state)
{
	struct fx *f = *state;
	struct cimom_activity_event *ev = NULL;
	size_t n = 0;

	assert_true(hr_eq(open_ns(f, "root\\nowhere"),
	                  HR_WBEM_E_INVALID_NAMESPACE));
	assert_true(hr_ok(
	        cimom_activity_read(f->mem, f->log, NULL, &ev, &n, NULL)));
	assert_int_equal(n, 1);
	assert_int_equal(ev[0].result_code, 0x8004100E);
	assert_int_equal(ev[0].client_pid, 7);
	assert_string_equal(ev[0].user, "bob");
	assert_true(strstr(ev[0].operation, "root\\nowhere") != NULL);
}

static void test_stats_count_failures(void **state)
{
	struct fx *f = *state;
	struct cimom_stats st;
	struct cim_object *o = NULL;

	cimom_session_stats(f->s, &st);
	assert_int_equal(st.failures, 0);
	cimom_get_object(f->s, f->mem, "Nope", 0, &o, NULL);
	cimom_get_object(f->s, f->mem, "T_Base", 0, &o, NULL);
	cimom_session_stats(f->s, &st);
	assert_int_equal(st.operations, 2);
	assert_int_equal(st.failures, 1);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
#define T(x) cmocka_unit_test_setup_teardown(x, setup, teardown)
		T(test_session_namespace_forms),
		T(test_session_namespace_errors),
		T(test_session_namespace_canonical),
		T(test_get_object_class),
		T(test_get_object_instance),
		T(test_get_object_errors),
		T(test_get_object_empty_path),
		T(test_enum_classes_deep_shallow),
		T(test_enum_classes_unknown),
		T(test_enum_instances_deep_shallow),
		T(test_enum_instances_unknown_class),
		T(test_enum_batches_bounded),
		T(test_enum_cancelled_by_sink),
		T(test_put_class_flags),
		T(test_put_instance_and_delete),
		T(test_put_instance_unknown_class),
		T(test_namespaces),
		T(test_exec_method_static),
		T(test_provider_dispatch),
		T(test_activity_once_per_failure),
		T(test_activity_session_failure_logged),
		T(test_stats_count_failures),
#undef T
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
