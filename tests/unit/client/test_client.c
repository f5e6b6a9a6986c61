/*
 * Unit tests of the client library against a small fake WMI server: the
 * real rpc server runtime (rpctest_server: random 127.x.y.z, a Unix
 * socket, accounts alice / Secret#1) serving, with the dcom and wmi stub
 * codecs, just enough of IRemoteSCMActivator, IWbemLevel1Login,
 * IWbemServices, IEnumWbemClassObject and IRemUnknown to drive every path
 * of client.c: binding choice, enumeration in batches, method errors,
 * faults, refused connections, a wrong password, the Unix socket, and
 * RemRelease bookkeeping.  The real wmid is tested in
 * tests/integration/test_wmid_client.c.
 */
#include <arpa/inet.h>
#include <netinet/in.h>
#include <pthread.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>
#include <sys/socket.h>
#include <talloc.h>
#include <unistd.h>

#include <cmocka.h>

#include "base/buf.h"
#include "client/client.h"
#include "dcom/actprops.h"
#include "dcom/objref.h"
#include "dcom/orpc.h"
#include "dcom/stubs.h"
#include "rpc/fault.h"
#include "rpc/ndr.h"
#include "rpctest_server.h"
#include "wmi/stubs.h"
#include "wmio/wmio.h"

/* ---- the fake server ---- */

#define N_ITEMS   150
#define MAX_ENUMS 64

struct fake {
	pthread_mutex_t mu;
	struct rpctest_server *ts;
	struct cim_class *cls; /* Fake_Item: Name, Index */
	uint32_t enum_pos[MAX_ENUMS];
	uint32_t enum_total[MAX_ENUMS];
	uint32_t n_enums;
	uint32_t released[MAX_ENUMS + 4]; /* public refs released per IPID */
	uint32_t releases;                /* RemRelease calls */
	uint32_t next_calls;
	bool bad_first_binding;
	uint16_t decoy_port; /* a first binding 127.0.0.1[decoy_port] */
	uint32_t authn_hint;
};

static struct fake fk;

enum { IPID_LOGIN = 1, IPID_SVC = 2, IPID_REMUNK = 3, IPID_ENUM0 = 4 };

static struct rpc_uuid ipid(uint32_t n)
{
	struct rpc_uuid u = { .time_low = n, .time_mid = 0x1234 };

	return u;
}

static uint32_t ipid_num(const struct rpc_uuid *u)
{
	return u->time_mid == 0x1234 ? u->time_low : 0;
}

static uint32_t finish(struct ndr_push *push, struct buf *out)
{
	const uint8_t *d;
	size_t n;

	if (ndr_push_blob(push, &d, &n) != NDR_ERR_SUCCESS ||
	    hr_failed(buf_add(out, d, n))) {
		return RPC_FAULT_RPC_X_BAD_STUB_DATA;
	}
	return 0;
}

static void std_objref(struct dcom_objref *o,
                       const struct rpc_uuid *iid,
                       uint32_t n)
{
	static struct dcom_dsa none;
	struct dcom_stdobjref std = {
		.public_refs = 5, .oxid = 0x1122, .oid = n, .ipid = ipid(n)
	};

	dcom_objref_standard(o, iid, &std, &none);
}

static uint32_t op_activate(struct rpc_call *call,
                            const uint8_t *stub,
                            size_t len,
                            struct buf *out)
{
	struct ndr_pull pull;
	struct ndr_push push;
	struct dcom_create_instance_req req;
	struct dcom_actprops props;
	struct dcom_activation_resp resp = { 0 };
	struct dcom_objref login, *ifaces[1] = { &login };
	struct rpc_uuid iids[1] = { wmi_iid_iwbemlevel1login };
	uint32_t hrs[1] = { 0 };
	struct dcom_dsa dsa;
	struct rpc_uuid remunk = ipid(IPID_REMUNK);
	const char *hosts[2] = { "10.255.255.1", fk.ts->addr };
	size_t skip = fk.bad_first_binding ? 0 : 1;

	ndr_pull_init(&pull, call->mem, stub, len, 0, NULL);
	if (dcom_create_instance_req_pull(&pull, &req) != NDR_ERR_SUCCESS ||
	    req.props == NULL) {
		return RPC_FAULT_RPC_X_BAD_STUB_DATA;
	}
	ndr_push_init(&push, call->mem, 0, NULL);
	if (!rpc_uuid_equal(&req.props->inst.clsid,
	                    &wmi_clsid_wbemlevel1login)) {
		resp.hr = HR_REGDB_E_CLASSNOTREG.v;
		dcom_activation_resp_push(&push, &resp);
		return finish(&push, out);
	}
	std_objref(&login, &wmi_iid_iwbemlevel1login, IPID_LOGIN);
	memset(&dsa, 0, sizeof(dsa));
	if (fk.decoy_port != 0) {
		dcom_dsa_add_tcp(call->mem, &dsa, "127.0.0.1", fk.decoy_port);
	}
	for (size_t i = skip; i < 2; i++) {
		dcom_dsa_add_tcp(call->mem, &dsa, hosts[i], fk.ts->port);
	}
	dcom_dsa_add_security(call->mem, &dsa, DCOM_AUTHN_WINNT, NULL);
	dcom_actprops_out_init(&props, 1, iids, hrs, ifaces, 0x1122, &dsa,
	                       &remunk, fk.authn_hint);
	resp.props = &props;
	dcom_activation_resp_push(&push, &resp);
	return finish(&push, out);
}

static uint32_t op_ntlm_login(struct rpc_call *call,
                              const uint8_t *stub,
                              size_t len,
                              struct buf *out)
{
	struct ndr_pull pull;
	struct ndr_push push;
	struct wmi_ntlm_login_req req;
	struct wmi_objref_resp resp = { 0 };
	struct dcom_objref svc;

	ndr_pull_init(&pull, call->mem, stub, len, 0, NULL);
	if (wmi_ntlm_login_req_pull(&pull, &req) != NDR_ERR_SUCCESS ||
	    ipid_num(&call->object) != IPID_LOGIN) {
		return RPC_FAULT_RPC_X_BAD_STUB_DATA;
	}
	ndr_push_init(&push, call->mem, 0, NULL);
	if (req.network_resource == NULL ||
	    strcasecmp(req.network_resource, "\\\\.\\root\\cimv2") != 0) {
		resp.hr = HR_WBEM_E_INVALID_NAMESPACE.v;
	} else {
		std_objref(&svc, &wmi_iid_iwbemservices, IPID_SVC);
		resp.obj = &svc;
	}
	wmi_objref_resp_push(&push, &resp);
	return finish(&push, out);
}

static struct dcom_objref *class_objref(void *mem, bool instance, uint32_t i)
{
	struct dcom_objref *o = talloc_zero(mem, struct dcom_objref);
	struct buf b;

	buf_init(&b, mem);
	if (instance) {
		struct cim_instance *inst = cim_instance_new(mem, fk.cls);
		struct cim_value v = { .type = CIM_T_STRING };

		v.v.s = talloc_asprintf(mem, "item-%u", i);
		cim_instance_set(inst, "Name", &v);
		v.type = CIM_T_UINT32;
		v.v.u = i;
		cim_instance_set(inst, "Index", &v);
		wmio_encode_instance(&b, inst, "FAKESRV", "root\\cimv2", 0);
	} else {
		wmio_encode_class(&b, fk.cls, NULL, "FAKESRV", "root\\cimv2",
		                  0);
	}
	wmi_objref_classobject(o, (const uint8_t *)b.data, b.len);
	return o;
}

static uint32_t op_services(struct rpc_call *call,
                            const uint8_t *stub,
                            size_t len,
                            struct buf *out)
{
	struct ndr_pull pull;
	struct ndr_push push;
	struct wmi_svc_req req;
	struct wmi_svc_resp resp = { 0 };
	struct dcom_objref en;

	ndr_pull_init(&pull, call->mem, stub, len, 0, NULL);
	if (wmi_svc_req_pull(&pull, call->opnum, &req) != NDR_ERR_SUCCESS ||
	    ipid_num(&call->object) != IPID_SVC) {
		return RPC_FAULT_RPC_X_BAD_STUB_DATA;
	}
	ndr_push_init(&push, call->mem, 0, NULL);
	if (call->opnum == WMI_OP_EXEC_QUERY) {
		if (strstr(req.str2, "Nope") != NULL) {
			resp.hr = HR_WBEM_E_INVALID_CLASS.v;
		} else if ((req.flags & 0x30) != 0x30) {
			resp.hr = HR_WBEM_E_INVALID_PARAMETER.v;
		} else {
			uint32_t k;

			pthread_mutex_lock(&fk.mu);
			k = fk.n_enums++ % MAX_ENUMS;
			fk.enum_pos[k] = 0;
			fk.enum_total[k] = strstr(req.str2, "Empty") ? 0
			                                             : N_ITEMS;
			pthread_mutex_unlock(&fk.mu);
			std_objref(&en, &wmi_iid_ienumwbemclassobject,
			           IPID_ENUM0 + k);
			resp.out = &en;
		}
	} else if (call->opnum == WMI_OP_GET_OBJECT) {
		if (strcmp(req.str1, "Fake_Item") != 0) {
			resp.hr = HR_WBEM_E_NOT_FOUND.v;
		} else {
			resp.pp_obj.set = req.pp_obj.set;
			resp.pp_obj.obj = class_objref(call->mem, false, 0);
		}
		resp.pp_result.set = req.pp_result.set;
	} else {
		return RPC_FAULT_NCA_S_OP_RNG_ERROR;
	}
	wmi_svc_resp_push(&push, call->opnum, &resp);
	return finish(&push, out);
}

static uint32_t op_next(struct rpc_call *call,
                        const uint8_t *stub,
                        size_t len,
                        struct buf *out)
{
	struct ndr_pull pull;
	struct ndr_push push;
	struct wmi_timeout_req req;
	struct wmi_next_resp resp = { 0 };
	uint32_t k = ipid_num(&call->object) - IPID_ENUM0;
	uint32_t pos, n;

	ndr_pull_init(&pull, call->mem, stub, len, 0, NULL);
	if (wmi_timeout_req_pull(&pull, true, &req) != NDR_ERR_SUCCESS ||
	    k >= MAX_ENUMS) {
		return RPC_FAULT_RPC_X_BAD_STUB_DATA;
	}
	pthread_mutex_lock(&fk.mu);
	fk.next_calls++;
	pos = fk.enum_pos[k];
	n = fk.enum_total[k] - pos;
	if (n > req.count) {
		n = req.count;
	}
	fk.enum_pos[k] += n;
	pthread_mutex_unlock(&fk.mu);
	resp.max = req.count;
	resp.n = resp.returned = n;
	resp.objs = talloc_array(call->mem, struct dcom_objref *, n ? n : 1);
	for (uint32_t i = 0; i < n; i++) {
		resp.objs[i] = class_objref(call->mem, true, pos + i);
	}
	resp.hr = n < req.count ? HR_WBEM_S_FALSE.v : 0;
	ndr_push_init(&push, call->mem, 0, NULL);
	wmi_next_resp_push(&push, &resp);
	return finish(&push, out);
}

static uint32_t op_release(struct rpc_call *call,
                           const uint8_t *stub,
                           size_t len,
                           struct buf *out)
{
	struct ndr_pull pull;
	struct ndr_push push;
	struct dcom_rem_refs_req req;
	struct dcom_orpc_hr_resp resp = { 0 };

	ndr_pull_init(&pull, call->mem, stub, len, 0, NULL);
	if (dcom_rem_refs_req_pull(&pull, &req) != NDR_ERR_SUCCESS ||
	    ipid_num(&call->object) != IPID_REMUNK) {
		return RPC_FAULT_RPC_X_BAD_STUB_DATA;
	}
	pthread_mutex_lock(&fk.mu);
	fk.releases++;
	for (uint32_t i = 0; i < req.n; i++) {
		uint32_t k = ipid_num(&req.refs[i].ipid);

		if (k < MAX_ENUMS + 4) {
			fk.released[k] += req.refs[i].public_refs;
		}
	}
	pthread_mutex_unlock(&fk.mu);
	ndr_push_init(&push, call->mem, 0, NULL);
	dcom_orpc_hr_resp_push(&push, &resp);
	return finish(&push, out);
}

static const struct rpc_op scm_ops[] = {
	[DCOM_OP_REMOTE_CREATE_INSTANCE] = { op_activate, "Activate" },
};
static const struct rpc_op login_ops[] = {
	[WMI_OP_NTLM_LOGIN] = { op_ntlm_login, "NTLMLogin" },
};
static const struct rpc_op svc_ops[] = {
	[WMI_OP_GET_OBJECT] = { op_services, "GetObject" },
	[WMI_OP_EXEC_QUERY] = { op_services, "ExecQuery" },
};
static const struct rpc_op enum_ops[] = {
	[WMI_OP_ENUM_NEXT] = { op_next, "Next" },
};
static const struct rpc_op remunk_ops[] = {
	[DCOM_OP_REM_RELEASE] = { op_release, "RemRelease" },
};

#define IFACE(nm, u, o)                                                  \
	{                                                                \
		.name = nm, .n_ops = sizeof(o) / sizeof(o[0]), .ops = o, \
		.min_auth_level = RPC_AUTHN_LEVEL_CONNECT,               \
	}

static struct rpc_iface ifaces[] = {
	IFACE("IRemoteSCMActivator", x, scm_ops),
	IFACE("IWbemLevel1Login", x, login_ops),
	IFACE("IWbemServices", x, svc_ops),
	IFACE("IEnumWbemClassObject", x, enum_ops),
	IFACE("IRemUnknown", x, remunk_ops),
};

static void register_ifaces(struct rpctest_server *ts, void *arg)
{
	(void)arg;
	ifaces[0].syntax.uuid = dcom_iid_iremotescmactivator;
	ifaces[1].syntax.uuid = wmi_iid_iwbemlevel1login;
	ifaces[2].syntax.uuid = wmi_iid_iwbemservices;
	ifaces[3].syntax.uuid = wmi_iid_ienumwbemclassobject;
	ifaces[4].syntax.uuid = dcom_iid_iremunknown;
	for (size_t i = 0; i < sizeof(ifaces) / sizeof(ifaces[0]); i++) {
		assert_true(hr_ok(
		        rpc_server_register_iface(ts->srv, &ifaces[i], NULL)));
	}
}

static int setup(void **state)
{
	struct cim_class *local;

	(void)state;
	memset(&fk, 0, sizeof(fk));
	pthread_mutex_init(&fk.mu, NULL);
	fk.authn_hint = 2;
	local = cim_class_new(NULL, "Fake_Item", NULL);
	cim_class_add_prop(local, "Name", CIM_T_STRING);
	cim_class_add_prop(local, "Index", CIM_T_UINT32);
	assert_true(hr_ok(cim_class_resolve(NULL, local, NULL, &fk.cls, NULL)));
	talloc_free(local);
	fk.ts = rpctest_server_start(NULL, NULL);
	assert_non_null(fk.ts);
	rpctest_server_run(fk.ts, register_ifaces, NULL);
	return 0;
}

static int teardown(void **state)
{
	(void)state;
	rpctest_server_stop(fk.ts);
	talloc_free(fk.cls);
	pthread_mutex_destroy(&fk.mu);
	return 0;
}

/* ---- helpers ---- */

static void opts_tcp(struct client_options *o)
{
	memset(o, 0, sizeof(*o));
	o->host = fk.ts->addr;
	o->port = fk.ts->port;
	o->user = "alice";
	o->password = "Secret#1";
	o->timeout_ms = 5000;
}

static void query_all(struct client_conn *c,
                      void *mem,
                      uint32_t batch,
                      struct cim_object ***objs,
                      uint32_t *n)
{
	struct client_enum *e = NULL;
	struct errinfo ei;

	err_clear(&ei);
	*objs = NULL;
	*n = 0;
	assert_true(hr_ok(client_exec_query(
	        client_root(c), "SELECT * FROM Fake_Item", 0, batch, &e, &ei)));
	assert_true(hr_ok(client_enum_all(e, mem, objs, n, &ei)));
	client_enum_release(e);
}

/* ---- tests ---- */

static void test_query_in_batches(void **state)
{
	void *mem = talloc_new(NULL);
	struct client_options o;
	struct client_conn *c = NULL;
	struct cim_object **objs;
	uint32_t n, next0;
	struct errinfo ei;

	(void)state;
	opts_tcp(&o);
	err_clear(&ei);
	assert_true(hr_ok(client_connect(mem, &o, &c, &ei)));
	pthread_mutex_lock(&fk.mu);
	next0 = fk.next_calls;
	pthread_mutex_unlock(&fk.mu);
	query_all(c, mem, 64, &objs, &n);
	assert_int_equal(n, N_ITEMS);
	/* 64 + 64 + 22 (the last answers WBEM_S_FALSE). */
	assert_int_equal(fk.next_calls - next0, 3);
	for (uint32_t i = 0; i < n; i++) {
		const struct cim_value *v;
		char want[32];

		assert_false(objs[i]->is_class);
		v = cim_instance_get(objs[i]->u.inst, "Index");
		assert_non_null(v);
		assert_int_equal(v->v.u, i);
		v = cim_instance_get(objs[i]->u.inst, "Name");
		snprintf(want, sizeof(want), "item-%u", i);
		assert_string_equal(v->v.s, want);
		assert_string_equal(objs[i]->u.inst->server, "FAKESRV");
	}
	client_close(c);
	talloc_free(mem);
}

static void test_release_bookkeeping(void **state)
{
	void *mem = talloc_new(NULL);
	struct client_options o;
	struct client_conn *c = NULL;
	struct cim_object **objs;
	uint32_t n, enum_ipid, rel0;

	(void)state;
	opts_tcp(&o);
	pthread_mutex_lock(&fk.mu);
	memset(fk.released, 0, sizeof(fk.released));
	rel0 = fk.releases;
	pthread_mutex_unlock(&fk.mu);
	assert_true(hr_ok(client_connect(mem, &o, &c, NULL)));
	/* The login object is released right after NTLMLogin. */
	assert_int_equal(fk.released[IPID_LOGIN], 5);
	enum_ipid = IPID_ENUM0 + fk.n_enums % MAX_ENUMS;
	query_all(c, mem, 0, &objs, &n);
	assert_int_equal(fk.released[enum_ipid], 5);
	assert_int_equal(fk.released[IPID_SVC], 0);
	client_close(c);
	assert_int_equal(fk.released[IPID_SVC], 5);
	assert_int_equal(fk.releases - rel0, 3);
	talloc_free(mem);
}

static void test_empty_result(void **state)
{
	void *mem = talloc_new(NULL);
	struct client_options o;
	struct client_conn *c = NULL;
	struct client_enum *e = NULL;
	struct cim_object **objs;
	uint32_t n;

	(void)state;
	opts_tcp(&o);
	assert_true(hr_ok(client_connect(mem, &o, &c, NULL)));
	assert_true(hr_ok(client_exec_query(
	        client_root(c), "SELECT * FROM Empty", 0, 10, &e, NULL)));
	assert_true(hr_eq(client_enum_next(e, mem, &objs, &n, NULL),
	                  HR_WBEM_S_FALSE));
	assert_int_equal(n, 0);
	/* After the end: the same answer without a round trip. */
	assert_true(hr_eq(client_enum_next(e, mem, &objs, &n, NULL),
	                  HR_WBEM_S_FALSE));
	client_enum_release(e);
	client_close(c);
	talloc_free(mem);
}

static void test_wmi_error_returned(void **state)
{
	void *mem = talloc_new(NULL);
	struct client_options o;
	struct client_conn *c = NULL;
	struct client_enum *e = NULL;
	struct cim_object *obj = NULL;
	struct errinfo ei;

	(void)state;
	opts_tcp(&o);
	assert_true(hr_ok(client_connect(mem, &o, &c, NULL)));
	err_clear(&ei);
	assert_true(
	        hr_eq(client_exec_query(client_root(c), "SELECT * FROM Nope", 0,
	                                0, &e, &ei),
	              HR_WBEM_E_INVALID_CLASS));
	assert_true(hr_eq(ei.hr, HR_WBEM_E_INVALID_CLASS));
	assert_null(e);
	assert_true(hr_eq(
	        client_get_object(client_root(c), mem, "Nope", 0, &obj, NULL),
	        HR_WBEM_E_NOT_FOUND));
	/* The connection is still good. */
	assert_true(hr_ok(client_get_object(client_root(c), mem, "Fake_Item", 0,
	                                    &obj, NULL)));
	assert_true(obj->is_class);
	assert_string_equal(obj->u.cls->name, "Fake_Item");
	assert_int_equal(obj->u.cls->n_props, 2);
	client_close(c);
	talloc_free(mem);
}

static void test_invalid_namespace(void **state)
{
	void *mem = talloc_new(NULL);
	struct client_options o;
	struct client_conn *c = NULL;

	(void)state;
	opts_tcp(&o);
	o.ns = "\\\\root\\nowhere";
	assert_true(hr_eq(client_connect(mem, &o, &c, NULL),
	                  HR_WBEM_E_INVALID_NAMESPACE));
	assert_null(c);
	/* wmic's spelling of the default is accepted. */
	o.ns = "\\\\root\\cimv2";
	assert_true(hr_ok(client_connect(mem, &o, &c, NULL)));
	client_close(c);
	o.ns = "//./ROOT/CIMV2";
	c = NULL;
	assert_true(hr_ok(client_connect(mem, &o, &c, NULL)));
	client_close(c);
	talloc_free(mem);
}

static void test_wrong_password_is_access_denied(void **state)
{
	void *mem = talloc_new(NULL);
	struct client_options o;
	struct client_conn *c = NULL;
	struct errinfo ei;

	(void)state;
	opts_tcp(&o);
	o.password = "wrong";
	err_clear(&ei);
	assert_true(hr_eq(client_connect(mem, &o, &c, &ei), HR_E_ACCESSDENIED));
	assert_null(c);
	assert_non_null(strstr(ei.msg, "rpc_s_access_denied"));
	talloc_free(mem);
}

static void test_refused_is_server_unavailable(void **state)
{
	void *mem = talloc_new(NULL);
	struct client_options o;
	struct client_conn *c = NULL;

	(void)state;
	opts_tcp(&o);
	o.port = 1; /* nothing listens there */
	assert_true(hr_eq(client_connect(mem, &o, &c, NULL),
	                  HR_RPC_S_SERVER_UNAVAILABLE));
	o.host = "no-such-host.invalid";
	assert_true(hr_eq(client_connect(mem, &o, &c, NULL),
	                  HR_RPC_S_SERVER_UNAVAILABLE));
	o.host = NULL;
	assert_true(hr_eq(client_connect(mem, &o, &c, NULL), HR_E_INVALIDARG));
	opts_tcp(&o);
	o.user = NULL;
	assert_true(hr_eq(client_connect(mem, &o, &c, NULL), HR_E_INVALIDARG));
	assert_null(c);
	talloc_free(mem);
}

static void test_binding_choice(void **state)
{
	void *mem = talloc_new(NULL);
	struct client_options o;
	struct client_conn *c = NULL;
	struct client_stats st;

	(void)state;
	/* The typed host is the second binding: chosen first, so the
	   unroutable first one is never tried (it would time out). */
	fk.bad_first_binding = true;
	opts_tcp(&o);
	o.timeout_ms = 60000;
	assert_true(hr_ok(client_connect(mem, &o, &c, NULL)));
	client_get_stats(c, &st);
	assert_int_equal(st.connections, 2);
	assert_int_equal(st.binds, 2);
	client_close(c);
	fk.bad_first_binding = false;
	talloc_free(mem);
}

static void test_binding_by_peer_address(void **state)
{
	void *mem = talloc_new(NULL);
	struct client_options o;
	struct client_conn *c = NULL;
	struct client_stats st;
	unsigned a, b, cc, d;
	char typed[32];
	struct sockaddr_in sin;
	socklen_t sl = sizeof(sin);
	int decoy;

	(void)state;
	/* The user typed the address in another spelling (one decimal
	   number): no binding names it, so the one naming the address the
	   activation reached must come before the first one, a listener
	   that accepts and never answers (taking it fails the connect). */
	assert_int_equal(sscanf(fk.ts->addr, "%u.%u.%u.%u", &a, &b, &cc, &d),
	                 4);
	snprintf(typed, sizeof(typed), "%lu",
	         ((unsigned long)a << 24) | (b << 16) | (cc << 8) | d);
	decoy = socket(AF_INET, SOCK_STREAM, 0);
	memset(&sin, 0, sizeof(sin));
	sin.sin_family = AF_INET;
	sin.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
	assert_int_equal(bind(decoy, (struct sockaddr *)&sin, sizeof(sin)), 0);
	assert_int_equal(listen(decoy, 4), 0);
	assert_int_equal(getsockname(decoy, (struct sockaddr *)&sin, &sl), 0);
	fk.decoy_port = ntohs(sin.sin_port);
	opts_tcp(&o);
	o.host = typed;
	o.timeout_ms = 500;
	assert_true(hr_ok(client_connect(mem, &o, &c, NULL)));
	client_get_stats(c, &st);
	assert_int_equal(st.connections, 2);
	client_close(c);
	fk.decoy_port = 0;
	close(decoy);
	talloc_free(mem);
}

static void test_auth_levels(void **state)
{
	void *mem = talloc_new(NULL);
	struct client_options o;
	struct client_conn *c = NULL;
	struct cim_object **objs;
	struct client_stats st;
	uint32_t n;

	(void)state;
	for (uint8_t level = 2; level <= 6; level++) {
		opts_tcp(&o);
		o.auth_level = level;
		c = NULL;
		assert_true(hr_ok(client_connect(mem, &o, &c, NULL)));
		query_all(c, mem, 100, &objs, &n);
		assert_int_equal(n, N_ITEMS);
		client_close(c);
	}
	/* One NTLM handshake per context, as impacket does. */
	opts_tcp(&o);
	o.auth_per_context = true;
	assert_true(hr_ok(client_connect(mem, &o, &c, NULL)));
	client_get_stats(c, &st);
	assert_int_equal(st.binds, 1 + 7);
	query_all(c, mem, 7, &objs, &n);
	assert_int_equal(n, N_ITEMS);
	client_close(c);
	/* authnHint 6 raises an integrity request to privacy. */
	fk.authn_hint = 6;
	opts_tcp(&o);
	o.auth_level = 5;
	assert_true(hr_ok(client_connect(mem, &o, &c, NULL)));
	query_all(c, mem, 0, &objs, &n);
	client_close(c);
	fk.authn_hint = 2;
	talloc_free(mem);
}

static void test_unix_socket(void **state)
{
	void *mem = talloc_new(NULL);
	struct client_options o;
	struct client_conn *c = NULL;
	struct client_stats st;
	struct cim_object **objs;
	uint32_t n;

	(void)state;
	memset(&o, 0, sizeof(o));
	o.unix_path = fk.ts->sock;
	assert_true(hr_ok(client_connect(mem, &o, &c, NULL)));
	client_get_stats(c, &st);
	assert_int_equal(st.connections, 1);
	query_all(c, mem, 50, &objs, &n);
	assert_int_equal(n, N_ITEMS);
	client_close(c);
	/* With NTLM over the socket. */
	o.user = "alice";
	o.password = "Secret#1";
	c = NULL;
	assert_true(hr_ok(client_connect(mem, &o, &c, NULL)));
	query_all(c, mem, 50, &objs, &n);
	assert_int_equal(n, N_ITEMS);
	client_close(c);
	talloc_free(mem);
}

static void test_fault_keeps_connection(void **state)
{
	void *mem = talloc_new(NULL);
	struct client_options o;
	struct client_conn *c = NULL;
	struct client_enum *e = NULL;
	struct cim_object *obj;

	(void)state;
	opts_tcp(&o);
	o.timeout_ms = 300;
	assert_true(hr_ok(client_connect(mem, &o, &c, NULL)));
	/* An opnum the server does not serve: a fault, mapped. */
	assert_true(hr_eq(
	        client_enum_instances(client_root(c), "X", 0, 0, &e, NULL),
	        rpc_fault_to_hresult(RPC_FAULT_NCA_S_OP_RNG_ERROR)));
	assert_null(e);
	/* The connection still works after a fault. */
	assert_true(hr_ok(client_get_object(client_root(c), mem, "Fake_Item", 0,
	                                    &obj, NULL)));
	client_close(c);
	talloc_free(mem);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_query_in_batches),
		cmocka_unit_test(test_release_bookkeeping),
		cmocka_unit_test(test_empty_result),
		cmocka_unit_test(test_wmi_error_returned),
		cmocka_unit_test(test_invalid_namespace),
		cmocka_unit_test(test_wrong_password_is_access_denied),
		cmocka_unit_test(test_refused_is_server_unavailable),
		cmocka_unit_test(test_binding_choice),
		cmocka_unit_test(test_binding_by_peer_address),
		cmocka_unit_test(test_auth_levels),
		cmocka_unit_test(test_unix_socket),
		cmocka_unit_test(test_fault_keeps_connection),
	};

	return cmocka_run_group_tests(tests, setup, teardown);
}
