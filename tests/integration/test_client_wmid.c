/*
 * The client library against the real wmid (suite integration): every
 * call of client.h on a private service with a small test schema:
 * ExecQuery (smart enumerator and plain batches), CreateInstanceEnum,
 * CreateClassEnum, GetObject of classes and instances, PutInstance
 * (create, update, create-only conflict), DeleteInstance, OpenNamespace
 * (into a namespace created with PutInstance of __Namespace), ExecMethod
 * (an error from a class without a provider), the Unix socket, WMI errors
 * and the access check.
 *
 * Usage: test_client_wmid WMID WMIUSER MOFCOMP SCHEMA_REPOSITORY
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>
#include <talloc.h>

#include <cmocka.h>

#include "client/client.h"
#include "wmidrun.h"

static struct wmidrun d;
static const char *const mof =
        "#pragma namespace(\"\\\\\\\\.\\\\root\\\\cimv2\")\n"
        "class Cl_Item { [key] string Name; uint32 N; string Tags[]; "
        "  uint32 Double([in] uint32 X); };\n"
        "class Cl_Sub : Cl_Item { boolean Flag; };\n"
        "instance of Cl_Item { Name = \"a\"; N = 1; Tags = {\"x\", \"y\"}; };\n"
        "instance of Cl_Item { Name = \"b\"; N = 2; };\n"
        "instance of Cl_Sub { Name = \"c\"; N = 3; Flag = true; };\n";

static void opts(struct client_options *o)
{
	memset(o, 0, sizeof(*o));
	o->host = d.addr;
	o->port = d.epm_port;
	o->user = "tadmin";
	o->password = "Adm#Pass1";
	o->timeout_ms = 20000;
}

static struct client_conn *conn(void *mem)
{
	struct client_options o;
	struct client_conn *c = NULL;
	struct errinfo ei;

	opts(&o);
	err_clear(&ei);
	if (hr_failed(client_connect(mem, &o, &c, &ei))) {
		fail_msg("connect: %s", ei.msg);
	}
	return c;
}

static uint32_t count_query(struct client_svc *s,
                            void *mem,
                            const char *wql,
                            uint32_t batch)
{
	struct client_enum *e = NULL;
	struct cim_object **objs = NULL;
	uint32_t n = 0;
	struct errinfo ei;

	err_clear(&ei);
	if (hr_failed(client_exec_query(s, wql, 0, batch, &e, &ei)) ||
	    hr_failed(client_enum_all(e, mem, &objs, &n, &ei))) {
		fail_msg("%s: %s", wql, ei.msg);
	}
	client_enum_release(e);
	return n;
}

/* The error of [wql], from ExecQuery or from its enumeration. */
static hresult query_error(struct client_svc *s, void *mem, const char *wql)
{
	struct client_enum *e = NULL;
	struct cim_object **objs = NULL;
	uint32_t n = 0;
	hresult hr = client_exec_query(s, wql, 0, 0, &e, NULL);

	if (hr_ok(hr)) {
		hr = client_enum_all(e, mem, &objs, &n, NULL);
		client_enum_release(e);
	}
	return hr;
}

static const struct cim_value *val(struct cim_object *o, const char *name)
{
	assert_false(o->is_class);
	return cim_instance_get(o->u.inst, name);
}

static void test_queries_and_enumerations(void **state)
{
	void *mem = talloc_new(NULL);
	struct client_conn *c = conn(mem);
	struct client_svc *s = client_root(c);
	struct client_enum *e = NULL;
	struct cim_object **objs = NULL;
	uint32_t n = 0;

	(void)state;
	assert_int_equal(count_query(s, mem, "SELECT * FROM Cl_Item", 0), 3);
	assert_int_equal(count_query(s, mem, "SELECT * FROM Cl_Item", 1), 3);
	assert_int_equal(
	        count_query(s, mem, "SELECT * FROM Cl_Item WHERE N > 1", 2), 2);
	/* Values, arrays, subclass properties, decoration. */
	assert_true(hr_ok(client_exec_query(
	        s, "SELECT * FROM Cl_Item WHERE Name = 'a'", 0, 0, &e, NULL)));
	assert_true(hr_ok(client_enum_all(e, mem, &objs, &n, NULL)));
	client_enum_release(e);
	assert_int_equal(n, 1);
	assert_int_equal(val(objs[0], "N")->v.u, 1);
	assert_int_equal(val(objs[0], "Tags")->v.a.n, 2);
	assert_string_equal(val(objs[0], "Tags")->v.a.e.s[1], "y");
	assert_non_null(objs[0]->u.inst->namespace);
	/* CreateInstanceEnum: deep (3) and shallow (2). */
	objs = NULL;
	n = 0;
	assert_true(hr_ok(client_enum_instances(s, "Cl_Item", 0, 0, &e, NULL)));
	assert_true(hr_ok(client_enum_all(e, mem, &objs, &n, NULL)));
	client_enum_release(e);
	assert_int_equal(n, 3);
	objs = NULL;
	n = 0;
	assert_true(hr_ok(client_enum_instances(
	        s, "Cl_Item", CLIENT_WBEM_FLAG_SHALLOW, 0, &e, NULL)));
	assert_true(hr_ok(client_enum_all(e, mem, &objs, &n, NULL)));
	client_enum_release(e);
	assert_int_equal(n, 2);
	/* CreateClassEnum below Cl_Item: Cl_Sub, as a class. */
	objs = NULL;
	n = 0;
	assert_true(hr_ok(client_enum_classes(s, "Cl_Item", 0, 0, &e, NULL)));
	assert_true(hr_ok(client_enum_all(e, mem, &objs, &n, NULL)));
	client_enum_release(e);
	assert_int_equal(n, 1);
	assert_true(objs[0]->is_class);
	assert_string_equal(objs[0]->u.cls->name, "Cl_Sub");
	client_close(c);
	talloc_free(mem);
}

static void test_get_put_delete(void **state)
{
	void *mem = talloc_new(NULL);
	struct client_conn *c = conn(mem);
	struct client_svc *s = client_root(c);
	struct cim_object *cls = NULL, *got = NULL;
	struct cim_instance *inst;
	struct cim_value v = { .type = CIM_T_STRING };
	struct errinfo ei;

	(void)state;
	assert_true(hr_ok(client_get_object(s, mem, "Cl_Item", 0, &cls, NULL)));
	assert_true(cls->is_class);
	assert_non_null(cim_class_find_method(cls->u.cls, "Double"));
	inst = cim_instance_new(mem, cls->u.cls);
	v.v.s = "new";
	assert_true(hr_ok(cim_instance_set(inst, "Name", &v)));
	v.type = CIM_T_UINT32;
	v.v.u = 42;
	assert_true(hr_ok(cim_instance_set(inst, "N", &v)));
	err_clear(&ei);
	assert_true(hr_ok(client_put_instance(s, inst, 0, &ei)));
	assert_true(hr_ok(client_get_object(s, mem, "Cl_Item.Name=\"new\"", 0,
	                                    &got, NULL)));
	assert_int_equal(val(got, "N")->v.u, 42);
	/* Create-only on an existing instance: WBEM_E_ALREADY_EXISTS. */
	assert_true(hr_eq(client_put_instance(
	                          s, inst, CLIENT_WBEM_FLAG_CREATE_ONLY, NULL),
	                  HR_WBEM_E_ALREADY_EXISTS));
	assert_true(
	        hr_ok(client_delete_instance(s, "Cl_Item.Name=\"new\"", NULL)));
	assert_true(hr_eq(client_get_object(s, mem, "Cl_Item.Name=\"new\"", 0,
	                                    &got, NULL),
	                  HR_WBEM_E_NOT_FOUND));
	assert_true(
	        hr_eq(client_delete_instance(s, "Cl_Item.Name=\"new\"", NULL),
	              HR_WBEM_E_NOT_FOUND));
	client_close(c);
	talloc_free(mem);
}

static void test_namespaces(void **state)
{
	void *mem = talloc_new(NULL);
	struct client_options o;
	struct client_conn *c = NULL;
	struct client_svc *sub = NULL;
	struct cim_object *ns = NULL;
	struct cim_instance *inst;
	struct cim_value v = { .type = CIM_T_STRING, .v.s = "clsub" };
	struct errinfo ei;

	(void)state;
	opts(&o);
	o.ns = "root";
	assert_true(hr_ok(client_connect(mem, &o, &c, NULL)));
	assert_true(hr_ok(client_get_object(client_root(c), mem, "__Namespace",
	                                    0, &ns, NULL)));
	inst = cim_instance_new(mem, ns->u.cls);
	assert_true(hr_ok(cim_instance_set(inst, "Name", &v)));
	err_clear(&ei);
	assert_true(hr_ok(client_put_instance(client_root(c), inst, 0, &ei)));
	assert_true(hr_ok(
	        client_open_namespace(client_root(c), "clsub", &sub, &ei)));
	assert_string_equal(client_svc_namespace(sub), "root\\clsub");
	/* The new namespace answers through its own IWbemServices. */
	{
		struct client_enum *e = NULL;
		struct cim_object **objs = NULL;
		uint32_t n = 0;

		assert_true(
		        hr_ok(client_enum_classes(sub, NULL, 0, 0, &e, &ei)));
		assert_true(hr_ok(client_enum_all(e, mem, &objs, &n, &ei)));
		client_enum_release(e);
	}
	client_svc_release(sub);
	assert_true(hr_eq(
	        client_open_namespace(client_root(c), "nowhere", &sub, NULL),
	        HR_WBEM_E_INVALID_NAMESPACE));
	client_close(c);
	talloc_free(mem);
}

static void test_methods_and_errors(void **state)
{
	void *mem = talloc_new(NULL);
	struct client_conn *c = conn(mem);
	struct client_svc *s = client_root(c);
	struct cim_instance *in = NULL, *out = NULL;
	struct cim_value v = { .type = CIM_T_UINT32, .v.u = 21 };
	hresult hr;

	(void)state;
	assert_true(hr_ok(
	        client_method_params(s, mem, "Cl_Item", "Double", &in, NULL)));
	assert_non_null(in);
	assert_true(hr_ok(cim_instance_set(in, "X", &v)));
	/* No provider implements the method: the server's error comes
	   back as the method result, the connection stays usable. */
	hr = client_exec_method(s, mem, "Cl_Item", "Double", in, &out, NULL);
	assert_true(hr_failed(hr));
	assert_true((hr.v & 0xFFFF0000u) == 0x80040000u);
	assert_true(hr_eq(
	        client_method_params(s, mem, "Cl_Item", "Nope", &in, NULL),
	        HR_WBEM_E_METHOD_NOT_IMPLEMENTED));
	/* Semisynchronous: the error may come from ExecQuery or from the
	   first Next (MS-WMI 3.1.1.1.3); either way the caller sees it. */
	assert_true(hr_eq(query_error(s, mem, "SELECT * FROM Nope"),
	                  HR_WBEM_E_INVALID_CLASS));
	assert_true(hr_eq(query_error(s, mem, "SELECT FROM"),
	                  HR_WBEM_E_INVALID_QUERY));
	assert_int_equal(count_query(s, mem, "SELECT * FROM Cl_Sub", 0), 1);
	client_close(c);
	talloc_free(mem);
}

static void test_access_and_socket(void **state)
{
	void *mem = talloc_new(NULL);
	struct client_options o;
	struct client_conn *c = NULL;

	(void)state;
	opts(&o);
	o.user = "plain";
	o.password = "Plain#Pass1";
	/* Not an administrator: refused by DCOM or WMI access checks. */
	{
		hresult hr = client_connect(mem, &o, &c, NULL);

		assert_true(hr_eq(hr, HR_E_ACCESSDENIED) ||
		            hr_eq(hr, HR_WBEM_E_ACCESS_DENIED));
	}
	opts(&o);
	o.password = "wrong";
	assert_true(
	        hr_eq(client_connect(mem, &o, &c, NULL), HR_E_ACCESSDENIED));
	memset(&o, 0, sizeof(o));
	o.unix_path = d.sock;
	assert_true(hr_ok(client_connect(mem, &o, &c, NULL)));
	assert_int_equal(
	        count_query(client_root(c), mem, "SELECT * FROM Cl_Item", 0),
	        3);
	client_close(c);
	talloc_free(mem);
}

int main(int argc, char **argv)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_queries_and_enumerations),
		cmocka_unit_test(test_get_put_delete),
		cmocka_unit_test(test_namespaces),
		cmocka_unit_test(test_methods_and_errors),
		cmocka_unit_test(test_access_and_socket),
	};
	int rc;

	if (argc < 5) {
		fprintf(stderr, "usage: test_client_wmid WMID WMIUSER MOFCOMP "
		                "SCHEMA_REPOSITORY\n");
		return 2;
	}
	if (wmidrun_prepare(&d, NULL) != 0 ||
	    wmidrun_repository(&d, argv[4], argv[3], mof) != 0 ||
	    wmidrun_add_user(&d, argv[2], "tadmin", "Adm#Pass1",
	                     "Administrators") != 0 ||
	    wmidrun_add_user(&d, argv[2], "plain", "Plain#Pass1", NULL) != 0 ||
	    wmidrun_start(&d, argv[1]) != 0) {
		wmidrun_cleanup(&d);
		return 1;
	}
	rc = cmocka_run_group_tests(tests, NULL, NULL);
	wmidrun_stop(&d);
	wmidrun_cleanup(&d);
	return rc;
}
