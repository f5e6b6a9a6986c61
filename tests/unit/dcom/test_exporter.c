/*
 * Tests of the DCOM runtime (src/dcom/exporter.h) over real sockets: the
 * test RPC server with an exporter, a test class and two test ORPC
 * interfaces (exporter_env.h), driven by the blocking test client.
 */
#include <pthread.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>
#include <talloc.h>
#include <time.h>

#include <cmocka.h>

#include "dcom/objref.h"
#include "dcom/orpc.h"
#include "dcom/stubs.h"
#include "exporter_env.h"
#include "rpc/fault.h"

static const struct dcom_comversion v57 = { 5, 7 };

static double now_s(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

static void sleep_ms(unsigned ms)
{
	struct timespec ts = { ms / 1000, (long)(ms % 1000) * 1000000L };

	while (nanosleep(&ts, &ts) != 0) {
	}
}

static struct dcom_actprops *activate_ok(struct rpctest_client *c,
                                         void *mem,
                                         const struct rpc_uuid *iids,
                                         uint32_t n)
{
	struct act_result r;

	env_activate(c, 0, mem, &clsid_test, iids, n, v57, v57, false, &r);
	assert_int_equal(r.status, 0);
	assert_int_equal(r.hr, 0);
	assert_non_null(r.props);
	return r.props;
}

static struct rpc_uuid ipid_of(const struct dcom_actprops *p, uint32_t i)
{
	assert_non_null(p->props_out.ifaces[i]);
	return p->props_out.ifaces[i]->std.ipid;
}

/* Binds p_cont_id [pc] of [c] to [syntax] as alice. */
static void alter(struct rpctest_client *c,
                  uint16_t pc,
                  const struct rpc_syntax_id *syntax)
{
	struct rpctest_bind_result res;

	assert_int_equal(rpctest_bind(c, pc, syntax, &auth_alice, &res), 0);
}

static void push_open(struct ndr_push *push, void *mem)
{
	assert_int_equal(ndr_push_init(push, mem, 0, NULL), NDR_ERR_SUCCESS);
}

static void call_push(struct rpctest_client *c,
                      uint16_t pc,
                      uint16_t opnum,
                      const struct rpc_uuid *object,
                      struct ndr_push *push,
                      void *mem,
                      struct rpctest_reply *r)
{
	const uint8_t *p;
	size_t n;

	assert_int_equal(ndr_push_blob(push, &p, &n), NDR_ERR_SUCCESS);
	assert_int_equal(rpctest_call(c, pc, opnum, object, p, n, mem, r), 0);
}

static void pull_open(struct ndr_pull *ndr,
                      void *mem,
                      const struct rpctest_reply *r)
{
	assert_int_equal(r->status, 0);
	assert_int_equal(ndr_pull_init(ndr, mem, r->stub, r->stub_len, 0, NULL),
	                 NDR_ERR_SUCCESS);
}

/* RemRelease / RemAddRef of one IPID: returns the method HRESULT (or the
 * fault status with [fault] set). */
static uint32_t rem_refs(struct rpctest_client *c,
                         uint16_t pc,
                         uint16_t opnum,
                         const struct rpc_uuid *object,
                         const struct rpc_uuid *ipid,
                         uint32_t pub,
                         uint32_t priv,
                         uint32_t *result,
                         bool *fault)
{
	void *mem = talloc_new(NULL);
	struct dcom_reminterfaceref ref = { *ipid, pub, priv };
	struct dcom_rem_refs_req req;
	struct rpctest_reply r;
	struct ndr_push push;
	struct ndr_pull ndr;
	uint32_t hr;

	memset(&req, 0, sizeof(req));
	dcom_orpcthis_init(&req.orpcthis, &clsid_test);
	req.n = 1;
	req.refs = &ref;
	push_open(&push, mem);
	assert_int_equal(dcom_rem_refs_req_push(&push, &req), NDR_ERR_SUCCESS);
	call_push(c, pc, opnum, object, &push, mem, &r);
	*fault = r.status != 0;
	if (r.status != 0) {
		talloc_free(mem);
		return r.status;
	}
	pull_open(&ndr, mem, &r);
	if (opnum == DCOM_OP_REM_ADD_REF) {
		struct dcom_rem_addref_resp resp;

		assert_int_equal(dcom_rem_addref_resp_pull(&ndr, &resp),
		                 NDR_ERR_SUCCESS);
		assert_int_equal(resp.n, 1);
		if (result != NULL) {
			*result = resp.results[0];
		}
		hr = resp.hr;
	} else {
		struct dcom_orpc_hr_resp resp;

		assert_int_equal(dcom_orpc_hr_resp_pull(&ndr, &resp),
		                 NDR_ERR_SUCCESS);
		hr = resp.hr;
	}
	talloc_free(mem);
	return hr;
}

static uint32_t release(struct rpctest_client *c,
                        uint16_t pc,
                        const struct rpc_uuid *remunk,
                        const struct rpc_uuid *ipid,
                        uint32_t n)
{
	bool fault;
	uint32_t hr = rem_refs(c, pc, DCOM_OP_REM_RELEASE, remunk, ipid, n, 0,
	                       NULL, &fault);

	assert_false(fault);
	return hr;
}

/* RemQueryInterface: results under [mem]. */
static uint32_t rem_qi(struct rpctest_client *c,
                       uint16_t pc,
                       const struct rpc_uuid *remunk,
                       const struct rpc_uuid *ipid,
                       uint32_t refs,
                       const struct rpc_uuid *iids,
                       uint16_t n,
                       void *mem,
                       struct dcom_rem_qi_resp *resp)
{
	struct dcom_rem_qi_req req;
	struct rpctest_reply r;
	struct ndr_push push;
	struct ndr_pull ndr;

	memset(&req, 0, sizeof(req));
	dcom_orpcthis_init(&req.orpcthis, &clsid_test);
	req.ipid = *ipid;
	req.refs = refs;
	req.n_iids = n;
	req.iids = (struct rpc_uuid *)iids;
	push_open(&push, mem);
	assert_int_equal(dcom_rem_qi_req_push(&push, &req), NDR_ERR_SUCCESS);
	call_push(c, pc, DCOM_OP_REM_QUERY_INTERFACE, remunk, &push, mem, &r);
	pull_open(&ndr, mem, &r);
	assert_int_equal(dcom_rem_qi_resp_pull(&ndr, resp), NDR_ERR_SUCCESS);
	return resp->hr;
}

/* Ping on ITestA/B: the fault status, or 0 with the magic checked. */
static uint32_t obj_ping(struct rpctest_client *c,
                         uint16_t pc,
                         const struct rpc_uuid *ipid)
{
	void *mem = talloc_new(NULL);
	struct rpctest_reply r;
	uint32_t st;

	env_orpc(c, pc, 3, ipid, v57, NULL, 0, mem, &r);
	st = r.status;
	if (st == 0) {
		assert_int_equal(r.stub_len, 16);
		assert_int_equal(r.stub[8] | r.stub[9] << 8 | r.stub[10] << 16 |
		                         (uint32_t)r.stub[11] << 24,
		                 TEST_MAGIC);
	}
	talloc_free(mem);
	return st;
}

static struct dcom_complex_ping_resp complex_ping(struct rpctest_client *c,
                                                  uint16_t pc,
                                                  uint64_t setid,
                                                  uint16_t seq,
                                                  uint64_t *add,
                                                  uint16_t n_add,
                                                  uint64_t *del,
                                                  uint16_t n_del)
{
	void *mem = talloc_new(NULL);
	struct dcom_complex_ping_req req = {
		setid, seq, n_add, n_del, add, del
	};
	struct dcom_complex_ping_resp resp;
	struct rpctest_reply r;
	struct ndr_push push;
	struct ndr_pull ndr;

	push_open(&push, mem);
	assert_int_equal(dcom_complex_ping_req_push(&push, &req),
	                 NDR_ERR_SUCCESS);
	call_push(c, pc, DCOM_OP_COMPLEX_PING, NULL, &push, mem, &r);
	pull_open(&ndr, mem, &r);
	assert_int_equal(dcom_complex_ping_resp_pull(&ndr, &resp),
	                 NDR_ERR_SUCCESS);
	talloc_free(mem);
	return resp;
}

static uint32_t simple_ping(struct rpctest_client *c,
                            uint16_t pc,
                            uint64_t setid)
{
	void *mem = talloc_new(NULL);
	struct rpctest_reply r;
	struct ndr_push push;
	struct ndr_pull ndr;
	uint32_t status;

	push_open(&push, mem);
	assert_int_equal(dcom_simple_ping_req_push(&push, setid),
	                 NDR_ERR_SUCCESS);
	call_push(c, pc, DCOM_OP_SIMPLE_PING, NULL, &push, mem, &r);
	pull_open(&ndr, mem, &r);
	assert_int_equal(dcom_status_pull(&ndr, &status), NDR_ERR_SUCCESS);
	talloc_free(mem);
	return status;
}

/* ---- activation ---- */

static void test_activation_one_iid(void **state)
{
	void *mem = talloc_new(NULL);
	struct env *e = env_start(mem, NULL);
	struct rpctest_client *c = env_client(e, &syntax_scm, &auth_alice);
	struct dcom_actprops *p = activate_ok(c, mem, &iid_a, 1);
	struct dcom_exporter_stats st;
	char want[64];

	(void)state;
	assert_int_equal(p->present & DCOM_ACTPROP_BIT(DCOM_ACTPROP_PROPS_OUT),
	                 DCOM_ACTPROP_BIT(DCOM_ACTPROP_PROPS_OUT));
	assert_int_equal(p->order[0], DCOM_ACTPROP_PROPS_OUT);
	assert_int_equal(p->order[1], DCOM_ACTPROP_SCM_REPLY);
	assert_int_equal(p->props_out.n, 1);
	assert_int_equal(p->props_out.hresults[0], 0);
	assert_int_equal(p->props_out.ifaces[0]->kind, DCOM_OBJREF_STANDARD);
	assert_true(rpc_uuid_equal(&p->props_out.ifaces[0]->iid, &iid_a));
	assert_int_equal(p->props_out.ifaces[0]->std.public_refs, 5);
	assert_int_equal(p->props_out.ifaces[0]->std.flags, 0);
	assert_true(p->props_out.ifaces[0]->std.oxid ==
	            dcom_exporter_oxid(e->exp));
	assert_true(p->props_out.ifaces[0]->std.oid != 0);
	/* ScmReplyInfo: the socket's address first, then the names. */
	assert_true(p->scm_reply.oxid == dcom_exporter_oxid(e->exp));
	assert_true(p->scm_reply.has_bindings);
	assert_int_equal(p->scm_reply.oxid_bindings.n_str, 3);
	snprintf(want, sizeof(want), "%s[%u]", e->ts->addr, e->ts->port);
	assert_string_equal(p->scm_reply.oxid_bindings.str[0].addr, want);
	assert_int_equal(p->scm_reply.oxid_bindings.str[0].tower_id, 7);
	snprintf(want, sizeof(want), "TESTHOST[%u]", e->ts->port);
	assert_string_equal(p->scm_reply.oxid_bindings.str[1].addr, want);
	snprintf(want, sizeof(want), "testhost.example[%u]", e->ts->port);
	assert_string_equal(p->scm_reply.oxid_bindings.str[2].addr, want);
	assert_int_equal(p->scm_reply.oxid_bindings.n_sec, 2);
	assert_int_equal(p->scm_reply.oxid_bindings.sec[0].authn_svc, 10);
	assert_int_equal(p->scm_reply.oxid_bindings.sec[1].authn_svc, 9);
	{
		struct rpc_uuid ru = dcom_exporter_remunknown_ipid(e->exp);

		assert_true(
		        rpc_uuid_equal(&p->scm_reply.ipid_rem_unknown, &ru));
	}
	assert_int_equal(p->scm_reply.authn_hint, 2);
	assert_int_equal(p->scm_reply.server_version.major, 5);
	assert_int_equal(p->scm_reply.server_version.minor, 7);
	env_stats(e, &st);
	assert_int_equal(st.objects, 1);
	assert_int_equal(st.ipids, 1);
	assert_int_equal(st.exported, 1);
	assert_int_equal(st.activations, 1);
	assert_int_equal(atomic_load(&env_destroyed), 0);
	rpctest_close(c);
	env_stop(e);
	assert_int_equal(atomic_load(&env_destroyed), 1);
	talloc_free(mem);
}

static void test_activation_several_iids(void **state)
{
	void *mem = talloc_new(NULL);
	struct env *e = env_start(mem, NULL);
	struct rpctest_client *c = env_client(e, &syntax_scm, &auth_alice);
	const struct rpc_uuid iids[3] = { iid_b, iid_c, iid_a };
	struct dcom_actprops *p = activate_ok(c, mem, iids, 3);
	struct dcom_exporter_stats st;
	struct rpc_uuid a, b;

	(void)state;
	assert_int_equal(p->props_out.n, 3);
	assert_int_equal(p->props_out.hresults[0], 0);
	assert_int_equal(p->props_out.hresults[1], HRV_E_NOINTERFACE);
	assert_int_equal(p->props_out.hresults[2], 0);
	assert_null(p->props_out.ifaces[1]);
	b = ipid_of(p, 0);
	a = ipid_of(p, 2);
	assert_false(rpc_uuid_equal(&a, &b));
	/* One object, two interfaces. */
	assert_true(p->props_out.ifaces[0]->std.oid ==
	            p->props_out.ifaces[2]->std.oid);
	env_stats(e, &st);
	assert_int_equal(st.objects, 1);
	assert_int_equal(st.ipids, 2);
	/* Each IPID is callable on its own interface only. */
	alter(c, 1, &syntax_a);
	alter(c, 2, &syntax_b);
	assert_int_equal(obj_ping(c, 1, &a), 0);
	assert_int_equal(obj_ping(c, 2, &b), 0);
	assert_int_equal(obj_ping(c, 1, &b), HRV_RPC_E_INVALID_OBJECT);
	assert_int_equal(obj_ping(c, 2, &a), HRV_RPC_E_INVALID_OBJECT);
	rpctest_close(c);
	env_stop(e);
	talloc_free(mem);
}

static void test_activation_no_listed_iid(void **state)
{
	void *mem = talloc_new(NULL);
	struct env *e = env_start(mem, NULL);
	struct rpctest_client *c = env_client(e, &syntax_scm, &auth_alice);
	struct dcom_exporter_stats st;
	struct act_result r;

	(void)state;
	env_activate(c, 0, mem, &clsid_test, &iid_c, 1, v57, v57, false, &r);
	assert_int_equal(r.status, 0);
	assert_int_equal(r.hr, HRV_E_NOINTERFACE);
	assert_null(r.props);
	/* The object was made and destroyed once. */
	assert_int_equal(atomic_load(&env_created), 1);
	assert_int_equal(atomic_load(&env_destroyed), 1);
	env_stats(e, &st);
	assert_int_equal(st.objects, 0);
	assert_int_equal(st.exported, 0);
	rpctest_close(c);
	env_stop(e);
	talloc_free(mem);
}

static void test_unknown_clsid(void **state)
{
	void *mem = talloc_new(NULL);
	struct env *e = env_start(mem, NULL);
	struct rpctest_client *c = env_client(e, &syntax_scm, &auth_alice);
	struct act_result r;

	(void)state;
	env_activate(c, 0, mem, &clsid_unknown, &iid_a, 1, v57, v57, false, &r);
	assert_int_equal(r.status, 0);
	assert_int_equal(r.hr, HRV_REGDB_E_CLASSNOTREG);
	assert_null(r.props);
	/* RemoteGetClassObject: the same refusal; a known class has no
	 * class factory object to give. */
	env_activate(c, 0, mem, &clsid_unknown, &iid_a, 1, v57, v57, true, &r);
	assert_int_equal(r.hr, HRV_REGDB_E_CLASSNOTREG);
	env_activate(c, 0, mem, &clsid_test, &iid_a, 1, v57, v57, true, &r);
	assert_int_equal(r.hr, HRV_E_NOINTERFACE);
	assert_null(r.props);
	assert_int_equal(atomic_load(&env_created), 0);
	rpctest_close(c);
	env_stop(e);
	talloc_free(mem);
}

static void test_access_denied(void **state)
{
	void *mem = talloc_new(NULL);
	struct env *e = env_start(mem, NULL);
	struct rpctest_client *c = env_client(e, &syntax_scm, &auth_bob);
	struct rpctest_client *ca = env_client(e, &syntax_scm, &auth_alice);
	struct dcom_actprops *p = activate_ok(ca, mem, &iid_a, 1);
	struct rpc_uuid ru = dcom_exporter_remunknown_ipid(e->exp);
	struct rpc_uuid a = ipid_of(p, 0);
	struct rpctest_bind_result res;
	struct act_result r;
	bool fault;

	(void)state;
	env_activate(c, 0, mem, &clsid_test, &iid_a, 1, v57, v57, false, &r);
	assert_int_equal(r.status, 0);
	assert_int_equal(r.hr, HRV_E_ACCESSDENIED);
	assert_null(r.props);
	assert_int_equal(atomic_load(&env_created), 1); /* alice's only */
	/* Calls: bob may not call or release alice's object. */
	assert_int_equal(rpctest_bind(c, 1, &syntax_a, &auth_bob, &res), 0);
	assert_int_equal(obj_ping(c, 1, &a), HRV_E_ACCESSDENIED);
	assert_int_equal(rpctest_bind(c, 2, &syntax_remunk, &auth_bob, &res),
	                 0);
	assert_int_equal(rem_refs(c, 2, DCOM_OP_REM_RELEASE, &ru, &a, 5, 0,
	                          NULL, &fault),
	                 HRV_E_ACCESSDENIED);
	assert_true(fault);
	assert_int_equal(atomic_load(&env_destroyed), 0);
	rpctest_close(c);
	rpctest_close(ca);
	env_stop(e);
	talloc_free(mem);
}

static void test_version_mismatch(void **state)
{
	void *mem = talloc_new(NULL);
	struct env *e = env_start(mem, NULL);
	struct rpctest_client *c = env_client(e, &syntax_scm, &auth_alice);
	const struct dcom_comversion bad[] = { { 5, 8 }, { 6, 0 }, { 4, 7 } };
	const struct dcom_comversion old = { 5, 1 };
	struct rpc_uuid ru = dcom_exporter_remunknown_ipid(e->exp);
	struct dcom_actprops *p;
	struct rpctest_reply rr;
	struct act_result r;
	struct rpc_uuid a;
	bool fault;

	(void)state;
	for (size_t i = 0; i < 3; i++) {
		env_activate(c, 0, mem, &clsid_test, &iid_a, 1, bad[i], v57,
		             false, &r);
		assert_int_equal(r.hr, HRV_RPC_E_VERSION_MISMATCH);
		env_activate(c, 0, mem, &clsid_test, &iid_a, 1, v57, bad[i],
		             false, &r);
		assert_int_equal(r.hr, HRV_RPC_E_VERSION_MISMATCH);
		assert_null(r.props);
	}
	/* A lower minor is accepted. */
	env_activate(c, 0, mem, &clsid_test, &iid_a, 1, old, old, false, &r);
	assert_int_equal(r.hr, 0);
	p = activate_ok(c, mem, &iid_a, 1);
	a = ipid_of(p, 0);
	alter(c, 1, &syntax_a);
	env_orpc(c, 1, 3, &a, bad[0], NULL, 0, mem, &rr);
	assert_int_equal(rr.status, HRV_RPC_E_VERSION_MISMATCH);
	alter(c, 2, &syntax_remunk);
	{
		/* RemRelease with ORPCTHIS 5.8: refused, nothing released. */
		struct dcom_reminterfaceref ref = { a, 5, 0 };
		struct dcom_rem_refs_req req;
		struct ndr_push push;

		memset(&req, 0, sizeof(req));
		dcom_orpcthis_init(&req.orpcthis, &clsid_test);
		req.orpcthis.version = bad[0];
		req.n = 1;
		req.refs = &ref;
		push_open(&push, mem);
		assert_int_equal(dcom_rem_refs_req_push(&push, &req),
		                 NDR_ERR_SUCCESS);
		call_push(c, 2, DCOM_OP_REM_RELEASE, &ru, &push, mem, &rr);
		assert_int_equal(rr.status, HRV_RPC_E_VERSION_MISMATCH);
	}
	assert_int_equal(obj_ping(c, 1, &a), 0);
	assert_int_equal(rem_refs(c, 2, DCOM_OP_REM_RELEASE, &ru, &a, 5, 0,
	                          NULL, &fault),
	                 0);
	rpctest_close(c);
	env_stop(e);
	talloc_free(mem);
}

/* ---- the call bracket and IRemUnknown ---- */

static void test_call_routing(void **state)
{
	void *mem = talloc_new(NULL);
	struct env *e = env_start(mem, NULL);
	struct rpctest_client *c = env_client(e, &syntax_scm, &auth_alice);
	struct dcom_actprops *p = activate_ok(c, mem, &iid_a, 1);
	struct rpc_uuid a = ipid_of(p, 0);
	struct rpc_uuid ru = dcom_exporter_remunknown_ipid(e->exp);
	struct rpc_uuid unknown = a;
	struct rpctest_reply r;

	(void)state;
	unknown.node[5] ^= 0x5a;
	alter(c, 1, &syntax_a);
	assert_int_equal(obj_ping(c, 1, &a), 0);
	assert_int_equal(obj_ping(c, 1, &unknown), HRV_RPC_E_INVALID_OBJECT);
	assert_int_equal(obj_ping(c, 1, &ru), HRV_RPC_E_INVALID_OBJECT);
	/* No object UUID at all. */
	env_orpc(c, 1, 3, NULL, v57, NULL, 0, mem, &r);
	assert_int_equal(r.status, HRV_RPC_E_INVALID_OBJECT);
	/* A stub too short for ORPCTHIS. */
	assert_int_equal(
	        rpctest_call(c, 1, 3, &a, (const uint8_t *)"xx", 2, mem, &r),
	        0);
	assert_int_equal(r.status, RPC_FAULT_NCA_S_FAULT_NDR);
	/* IRemUnknown only under its own IPID. */
	alter(c, 2, &syntax_remunk);
	{
		bool fault;

		assert_int_equal(rem_refs(c, 2, DCOM_OP_REM_RELEASE, &a, &a, 1,
		                          0, NULL, &fault),
		                 HRV_RPC_E_INVALID_OBJECT);
		assert_true(fault);
	}
	rpctest_close(c);
	env_stop(e);
	talloc_free(mem);
}

static void test_remqi_addref_release(void **state)
{
	void *mem = talloc_new(NULL);
	struct env *e = env_start(mem, NULL);
	struct rpctest_client *c = env_client(e, &syntax_scm, &auth_alice);
	struct dcom_actprops *p = activate_ok(c, mem, &iid_a, 1);
	struct rpc_uuid a = ipid_of(p, 0);
	struct rpc_uuid ru = p->scm_reply.ipid_rem_unknown;
	const struct rpc_uuid nul = { 0 };
	const struct rpc_uuid bc[2] = { iid_b, iid_c };
	struct dcom_rem_qi_resp resp;
	struct dcom_exporter_stats st;
	struct rpc_uuid b, b2;
	uint32_t result;
	bool fault;

	(void)state;
	alter(c, 1, &syntax_remunk);
	/* QI for B: a new IPID with 3 references on the same object. */
	assert_int_equal(rem_qi(c, 1, &ru, &a, 3, &iid_b, 1, mem, &resp), 0);
	assert_int_equal(resp.n, 1);
	assert_int_equal(resp.results[0].hr, 0);
	assert_int_equal(resp.results[0].std.public_refs, 3);
	assert_true(resp.results[0].std.oid == p->props_out.ifaces[0]->std.oid);
	assert_true(resp.results[0].std.oxid == dcom_exporter_oxid(e->exp));
	b = resp.results[0].std.ipid;
	assert_false(rpc_uuid_equal(&a, &b));
	/* Again: the same IPID (now 5 references); with C: S_FALSE. */
	assert_int_equal(rem_qi(c, 1, &ru, &a, 2, bc, 2, mem, &resp),
	                 HRV_S_FALSE);
	b2 = resp.results[0].std.ipid;
	assert_true(rpc_uuid_equal(&b, &b2));
	assert_int_equal(resp.results[1].hr, HRV_E_NOINTERFACE);
	assert_int_equal(rem_qi(c, 1, &ru, &b, 1, &iid_c, 1, mem, &resp),
	                 HRV_E_NOINTERFACE);
	env_stats(e, &st);
	assert_int_equal(st.ipids, 2);
	alter(c, 2, &syntax_b);
	assert_int_equal(obj_ping(c, 2, &b), 0);
	/* AddRef: 1 on A; unknown IPID: CO_E_OBJNOTREG. */
	assert_int_equal(rem_refs(c, 1, DCOM_OP_REM_ADD_REF, &ru, &a, 1, 0,
	                          &result, &fault),
	                 0);
	assert_int_equal(result, 0);
	assert_int_equal(rem_refs(c, 1, DCOM_OP_REM_ADD_REF, &ru, &nul, 1, 0,
	                          &result, &fault),
	                 0);
	assert_int_equal(result, HRV_CO_E_OBJNOTREG);
	/* A has 6, B has 5 (3 + 2; the E_NOINTERFACE QI added none).  Release
	 * all but one: the object stays. */
	assert_int_equal(release(c, 1, &ru, &a, 6), 0);
	assert_int_equal(release(c, 1, &ru, &b, 4), 0);
	assert_int_equal(atomic_load(&env_destroyed), 0);
	assert_int_equal(obj_ping(c, 2, &b), 0);
	/* GUID_NULL and over-release: S_OK, and the last one destroys it. */
	assert_int_equal(release(c, 1, &ru, &nul, 1), 0);
	assert_int_equal(release(c, 1, &ru, &b, 100), 0);
	assert_int_equal(atomic_load(&env_destroyed), 1);
	assert_int_equal(release(c, 1, &ru, &b, 1), 0);
	assert_int_equal(release(c, 1, &ru, &a, 1), 0);
	assert_int_equal(atomic_load(&env_destroyed), 1);
	env_stats(e, &st);
	assert_int_equal(st.objects, 0);
	assert_int_equal(st.ipids, 0);
	assert_int_equal(st.destroyed, 1);
	assert_int_equal(st.collected, 0);
	/* Gone: calls and QI refuse it. */
	assert_int_equal(obj_ping(c, 2, &b), HRV_RPC_E_INVALID_OBJECT);
	assert_int_equal(rem_qi(c, 1, &ru, &a, 1, &iid_a, 1, mem, &resp),
	                 HRV_RPC_E_INVALID_OBJECT);
	assert_int_equal(resp.n, 0);
	rpctest_close(c);
	env_stop(e);
	assert_int_equal(atomic_load(&env_destroyed), 1);
	talloc_free(mem);
}

static void test_iunknown_is_implied(void **state)
{
	void *mem = talloc_new(NULL);
	struct env *e = env_start(mem, NULL);
	struct rpctest_client *c = env_client(e, &syntax_scm, &auth_alice);
	const struct rpc_uuid iunknown = {
		0, 0, 0, { 0xc0, 0 }, { 0, 0, 0, 0, 0, 0x46 }
	};
	struct dcom_actprops *p = activate_ok(c, mem, &iunknown, 1);
	struct rpc_uuid u = ipid_of(p, 0);
	struct rpc_uuid ru = p->scm_reply.ipid_rem_unknown;
	struct dcom_rem_qi_resp resp;
	struct rpc_uuid a;

	(void)state;
	/* The IUnknown IPID is no callable interface, but QI works from it. */
	alter(c, 1, &syntax_a);
	assert_int_equal(obj_ping(c, 1, &u), HRV_RPC_E_INVALID_OBJECT);
	alter(c, 2, &syntax_remunk);
	assert_int_equal(rem_qi(c, 2, &ru, &u, 5, &iid_a, 1, mem, &resp), 0);
	a = resp.results[0].std.ipid;
	assert_int_equal(obj_ping(c, 1, &a), 0);
	/* And back: IUnknown from A is the same IPID. */
	assert_int_equal(rem_qi(c, 2, &ru, &a, 1, &iunknown, 1, mem, &resp), 0);
	assert_true(rpc_uuid_equal(&resp.results[0].std.ipid, &u));
	rpctest_close(c);
	env_stop(e);
	talloc_free(mem);
}

static void test_private_refs_keep_object(void **state)
{
	void *mem = talloc_new(NULL);
	struct env *e = env_start(mem, NULL);
	struct rpctest_client *c = env_client(e, &syntax_scm, &auth_alice);
	struct dcom_actprops *p = activate_ok(c, mem, &iid_a, 1);
	struct rpc_uuid a = ipid_of(p, 0);
	struct rpc_uuid ru = p->scm_reply.ipid_rem_unknown;
	uint32_t result;
	bool fault;

	(void)state;
	alter(c, 1, &syntax_remunk);
	assert_int_equal(rem_refs(c, 1, DCOM_OP_REM_ADD_REF, &ru, &a, 0, 2,
	                          &result, &fault),
	                 0);
	assert_int_equal(release(c, 1, &ru, &a, 5), 0);
	assert_int_equal(atomic_load(&env_destroyed), 0);
	assert_int_equal(rem_refs(c, 1, DCOM_OP_REM_RELEASE, &ru, &a, 0, 2,
	                          NULL, &fault),
	                 0);
	assert_int_equal(atomic_load(&env_destroyed), 1);
	rpctest_close(c);
	env_stop(e);
	talloc_free(mem);
}

static void test_remqi2(void **state)
{
	void *mem = talloc_new(NULL);
	struct env *e = env_start(mem, NULL);
	struct rpctest_client *c = env_client(e, &syntax_scm, &auth_alice);
	struct dcom_actprops *p = activate_ok(c, mem, &iid_a, 1);
	struct rpc_uuid a = ipid_of(p, 0);
	struct rpc_uuid ru = p->scm_reply.ipid_rem_unknown;
	const struct rpc_uuid bc[2] = { iid_b, iid_c };
	struct dcom_rem_qi2_req req;
	struct dcom_rem_qi2_resp resp;
	struct rpctest_reply r;
	struct ndr_push push;
	struct ndr_pull ndr;

	(void)state;
	alter(c, 1, &syntax_remunk2);
	memset(&req, 0, sizeof(req));
	dcom_orpcthis_init(&req.orpcthis, &clsid_test);
	req.ipid = a;
	req.n_iids = 2;
	req.iids = (struct rpc_uuid *)bc;
	push_open(&push, mem);
	assert_int_equal(dcom_rem_qi2_req_push(&push, &req), NDR_ERR_SUCCESS);
	call_push(c, 1, DCOM_OP_REM_QUERY_INTERFACE2, &ru, &push, mem, &r);
	pull_open(&ndr, mem, &r);
	assert_int_equal(dcom_rem_qi2_resp_pull(&ndr, &resp), NDR_ERR_SUCCESS);
	assert_int_equal(resp.hr, HRV_S_FALSE);
	assert_int_equal(resp.n, 2);
	assert_int_equal(resp.hrs[0], 0);
	assert_int_equal(resp.hrs[1], HRV_E_NOINTERFACE);
	assert_non_null(resp.mifs[0]);
	assert_null(resp.mifs[1]);
	assert_int_equal(resp.mifs[0]->kind, DCOM_OBJREF_STANDARD);
	assert_true(rpc_uuid_equal(&resp.mifs[0]->iid, &iid_b));
	assert_int_equal(resp.mifs[0]->std.public_refs, 5);
	alter(c, 2, &syntax_b);
	assert_int_equal(obj_ping(c, 2, &resp.mifs[0]->std.ipid), 0);
	/* IRemUnknown (00000131) has no opnum 6. */
	alter(c, 3, &syntax_remunk);
	call_push(c, 3, DCOM_OP_REM_QUERY_INTERFACE2, &ru, &push, mem, &r);
	assert_int_equal(r.status, RPC_FAULT_NCA_S_OP_RNG_ERROR);
	rpctest_close(c);
	env_stop(e);
	talloc_free(mem);
}

static void test_export_iface_and_new_object(void **state)
{
	void *mem = talloc_new(NULL);
	struct env *e = env_start(mem, NULL);
	struct rpctest_client *c = env_client(e, &syntax_scm, &auth_alice);
	struct dcom_actprops *p = activate_ok(c, mem, &iid_a, 1);
	struct rpc_uuid a = ipid_of(p, 0);
	struct dcom_exporter_stats st;
	struct dcom_objref *ref;
	struct rpctest_reply r;
	struct ndr_pull ndr;
	struct dcom_orpcthat that;
	uint32_t hr;

	(void)state;
	alter(c, 1, &syntax_a);
	env_orpc(c, 1, 5, &a, v57, NULL, 0, mem, &r); /* GetB */
	pull_open(&ndr, mem, &r);
	assert_int_equal(dcom_orpcthat_pull(&ndr, &that), NDR_ERR_SUCCESS);
	assert_int_equal(dcom_pmip_objref_pull(&ndr, &ref), NDR_ERR_SUCCESS);
	assert_int_equal(ndr_pull_u32(&ndr, &hr), NDR_ERR_SUCCESS);
	assert_int_equal(hr, 0);
	assert_non_null(ref);
	assert_true(ref->std.oid == p->props_out.ifaces[0]->std.oid);
	alter(c, 2, &syntax_b);
	assert_int_equal(obj_ping(c, 2, &ref->std.ipid), 0);
	/* The resolver bindings carry no port. */
	assert_int_equal(ref->res_addr.n_str, 2);
	assert_string_equal(ref->res_addr.str[0].addr, "TESTHOST");
	env_orpc(c, 1, 6, &a, v57, NULL, 0, mem, &r); /* NewObject */
	pull_open(&ndr, mem, &r);
	assert_int_equal(dcom_orpcthat_pull(&ndr, &that), NDR_ERR_SUCCESS);
	assert_int_equal(dcom_pmip_objref_pull(&ndr, &ref), NDR_ERR_SUCCESS);
	assert_int_equal(ndr_pull_u32(&ndr, &hr), NDR_ERR_SUCCESS);
	assert_int_equal(hr, 0);
	assert_true(ref->std.oid != p->props_out.ifaces[0]->std.oid);
	assert_int_equal(obj_ping(c, 1, &ref->std.ipid), 0);
	env_stats(e, &st);
	assert_int_equal(st.objects, 2);
	assert_int_equal(st.ipids, 3);
	assert_int_equal(st.exported, 2);
	rpctest_close(c);
	env_stop(e);
	assert_int_equal(atomic_load(&env_destroyed), 2);
	talloc_free(mem);
}

/* ---- IObjectExporter ---- */

static void test_ping_sets_impacket_quirks(void **state)
{
	void *mem = talloc_new(NULL);
	struct env *e = env_start(mem, NULL);
	struct rpctest_client *c = env_client(e, &syntax_scm, &auth_alice);
	struct dcom_actprops *p1 = activate_ok(c, mem, &iid_a, 1);
	struct dcom_actprops *p2 = activate_ok(c, mem, &iid_a, 1);
	uint64_t o1 = p1->props_out.ifaces[0]->std.oid;
	uint64_t o2 = p2->props_out.ifaces[0]->std.oid;
	uint64_t add[3] = { o1, 0, o2 };
	uint64_t del[2] = { o2, 0 };
	struct dcom_complex_ping_resp cp;
	struct dcom_exporter_stats st;
	uint64_t setid;

	(void)state;
	alter(c, 1, &syntax_oxid);
	/* SETID 0 + SequenceNum 0 creates set 1; OID 0 ignored; o2 added and
	 * deleted in the same call. */
	cp = complex_ping(c, 1, 0, 0, add, 3, del, 2);
	assert_int_equal(cp.status, 0);
	assert_true(cp.setid == 1);
	setid = cp.setid;
	env_stats(e, &st);
	assert_int_equal(st.sets, 1);
	assert_int_equal(st.pings, 1);
	/* SequenceNum = SETID (impacket), no change: fine. */
	cp = complex_ping(c, 1, setid, (uint16_t)setid, NULL, 0, NULL, 0);
	assert_int_equal(cp.status, 0);
	assert_true(cp.setid == setid);
	assert_int_equal(simple_ping(c, 1, setid), 0);
	assert_int_equal(simple_ping(c, 1, 999), HRV_OR_INVALID_SET & 0xffff);
	cp = complex_ping(c, 1, 999, 1, add, 1, NULL, 0);
	assert_int_equal(cp.status, 0x778);
	/* A second client's set is 2. */
	cp = complex_ping(c, 1, 0, 0, &o2, 1, NULL, 0);
	assert_true(cp.setid == 2);
	env_stats(e, &st);
	assert_int_equal(st.sets, 2);
	assert_int_equal(st.pings, 6);
	rpctest_close(c);
	env_stop(e);
	talloc_free(mem);
}

static void test_resolver_methods(void **state)
{
	void *mem = talloc_new(NULL);
	struct env *e = env_start(mem, NULL);
	struct rpctest_client *anon = env_client(e, &syntax_oxid, NULL);
	struct rpctest_client *c = env_client(e, &syntax_oxid, &auth_alice);
	struct dcom_server_alive2_resp sa;
	struct dcom_resolve_oxid_resp ro;
	struct dcom_resolve_oxid_req req;
	struct rpctest_reply r;
	struct ndr_push push;
	struct ndr_pull ndr;
	uint16_t tcp = 7;
	char want[64];
	uint32_t status;

	(void)state;
	/* ServerAlive2 answers anonymous callers. */
	assert_int_equal(rpctest_call(anon, 0, DCOM_OP_SERVER_ALIVE2, NULL,
	                              NULL, 0, mem, &r),
	                 0);
	pull_open(&ndr, mem, &r);
	assert_int_equal(dcom_server_alive2_resp_pull(&ndr, &sa),
	                 NDR_ERR_SUCCESS);
	assert_int_equal(sa.version.major, 5);
	assert_int_equal(sa.version.minor, 7);
	assert_int_equal(sa.status, 0);
	assert_true(sa.has_bindings);
	assert_string_equal(sa.bindings.str[0].addr, e->ts->addr);
	assert_int_equal(rpctest_call(anon, 0, DCOM_OP_SERVER_ALIVE, NULL, NULL,
	                              0, mem, &r),
	                 0);
	pull_open(&ndr, mem, &r);
	assert_int_equal(dcom_status_pull(&ndr, &status), NDR_ERR_SUCCESS);
	assert_int_equal(status, 0);
	/* Pings need a caller. */
	assert_int_equal(rpctest_call(anon, 0, DCOM_OP_SIMPLE_PING, NULL,
	                              (const uint8_t *)"\1\0\0\0\0\0\0\0", 8,
	                              mem, &r),
	                 0);
	assert_int_equal(r.status, RPC_FAULT_RPC_S_ACCESS_DENIED);
	/* So do callers the access hook refuses. */
	{
		struct rpctest_client *b = env_client(e, &syntax_oxid,
		                                      &auth_bob);

		assert_int_equal(
		        rpctest_call(b, 0, DCOM_OP_SIMPLE_PING, NULL,
		                     (const uint8_t *)"\1\0\0\0\0\0\0\0", 8,
		                     mem, &r),
		        0);
		assert_int_equal(r.status, RPC_FAULT_RPC_S_ACCESS_DENIED);
		assert_int_equal(rpctest_call(b, 0, DCOM_OP_SERVER_ALIVE2, NULL,
		                              NULL, 0, mem, &r),
		                 0);
		assert_int_equal(r.status, 0);
		rpctest_close(b);
	}
	/* ResolveOxid2 of ours; of another OXID. */
	memset(&req, 0, sizeof(req));
	req.oxid = dcom_exporter_oxid(e->exp);
	req.n_protseqs = 1;
	req.protseqs = &tcp;
	push_open(&push, mem);
	assert_int_equal(dcom_resolve_oxid_req_push(&push, &req),
	                 NDR_ERR_SUCCESS);
	call_push(c, 0, DCOM_OP_RESOLVE_OXID2, NULL, &push, mem, &r);
	pull_open(&ndr, mem, &r);
	assert_int_equal(dcom_resolve_oxid_resp_pull(&ndr, true, &ro),
	                 NDR_ERR_SUCCESS);
	assert_int_equal(ro.status, 0);
	assert_true(ro.has_bindings);
	snprintf(want, sizeof(want), "%s[%u]", e->ts->addr, e->ts->port);
	assert_string_equal(ro.bindings.str[0].addr, want);
	{
		struct rpc_uuid ru = dcom_exporter_remunknown_ipid(e->exp);

		assert_true(rpc_uuid_equal(&ro.ipid_rem_unknown, &ru));
	}
	assert_int_equal(ro.authn_hint, 2);
	assert_int_equal(ro.version.minor, 7);
	req.oxid ^= 1;
	push_open(&push, mem);
	assert_int_equal(dcom_resolve_oxid_req_push(&push, &req),
	                 NDR_ERR_SUCCESS);
	call_push(c, 0, DCOM_OP_RESOLVE_OXID, NULL, &push, mem, &r);
	pull_open(&ndr, mem, &r);
	assert_int_equal(dcom_resolve_oxid_resp_pull(&ndr, false, &ro),
	                 NDR_ERR_SUCCESS);
	assert_int_equal(ro.status, 0x776);
	assert_false(ro.has_bindings);
	rpctest_close(anon);
	rpctest_close(c);
	env_stop(e);
	talloc_free(mem);
}

/* ---- collection ---- */

static void test_collection(void **state)
{
	void *mem = talloc_new(NULL);
	struct dcom_exporter_config cfg = { .ping_period_ms = 50,
		                            .ping_misses = 2 };
	struct env *e = env_start(mem, &cfg);
	struct rpctest_client *c = env_client(e, &syntax_scm, &auth_alice);
	struct dcom_actprops *never = activate_ok(c, mem, &iid_a, 1);
	struct dcom_actprops *pinged = activate_ok(c, mem, &iid_a, 1);
	uint64_t oid = pinged->props_out.ifaces[0]->std.oid;
	struct rpc_uuid a = ipid_of(pinged, 0);
	struct dcom_exporter_stats st;
	struct dcom_complex_ping_resp cp;

	(void)state;
	(void)never;
	alter(c, 1, &syntax_oxid);
	cp = complex_ping(c, 1, 0, 0, &oid, 1, NULL, 0);
	assert_int_equal(cp.status, 0);
	/* 400 ms of pings every 20 ms: the unpinged one goes (after 100 to
	 * 150 ms), the pinged one stays. */
	for (int i = 0; i < 20; i++) {
		sleep_ms(20);
		assert_int_equal(simple_ping(c, 1, cp.setid), 0);
	}
	env_stats(e, &st);
	assert_int_equal(st.objects, 1);
	assert_int_equal(st.collected, 1);
	assert_int_equal(st.destroyed, 1);
	assert_int_equal(atomic_load(&env_destroyed), 1);
	alter(c, 2, &syntax_a);
	assert_int_equal(obj_ping(c, 2, &a), 0);
	/* Stop pinging: the set expires and takes the object with it. */
	for (int i = 0; i < 100; i++) {
		env_stats(e, &st);
		if (st.objects == 0) {
			break;
		}
		sleep_ms(10);
	}
	assert_int_equal(st.objects, 0);
	assert_int_equal(st.sets, 0);
	assert_int_equal(st.collected, 2);
	assert_int_equal(atomic_load(&env_destroyed), 2);
	assert_int_equal(simple_ping(c, 1, cp.setid), 0x778);
	assert_int_equal(obj_ping(c, 2, &a), HRV_RPC_E_INVALID_OBJECT);
	rpctest_close(c);
	env_stop(e);
	assert_int_equal(atomic_load(&env_destroyed), 2);
	talloc_free(mem);
}

struct sleeper {
	struct env *e;
	struct rpc_uuid ipid;
	uint32_t status;
	uint32_t magic;
};

static void *sleeper_main(void *arg)
{
	struct sleeper *s = arg;
	void *mem = talloc_new(NULL);
	struct rpctest_client *c = env_client(s->e, &syntax_a, &auth_alice);
	uint8_t ms[4] = { 0x40, 0x1f, 0, 0 }; /* cap 8000; the gate ends it */
	struct rpctest_reply r;

	env_orpc(c, 0, 4, &s->ipid, v57, ms, 4, mem, &r);
	s->status = r.status;
	if (r.status == 0 && r.stub_len >= 12) {
		s->magic = r.stub[8] | r.stub[9] << 8 | r.stub[10] << 16 |
		           (uint32_t)r.stub[11] << 24;
	}
	rpctest_close(c);
	talloc_free(mem);
	return NULL;
}

static void test_pinned_object_survives(void **state)
{
	void *mem = talloc_new(NULL);
	struct dcom_exporter_config cfg = { .ping_period_ms = 200,
		                            .ping_misses = 1 };
	struct env *e = env_start(mem, &cfg);
	struct rpctest_client *c = env_client(e, &syntax_scm, &auth_alice);
	struct dcom_actprops *p = activate_ok(c, mem, &iid_a, 1);
	struct dcom_actprops *p2 = activate_ok(c, mem, &iid_a, 1);
	struct rpc_uuid ru = p->scm_reply.ipid_rem_unknown;
	struct sleeper s1 = { e, ipid_of(p, 0), 1, 0 };
	struct sleeper s2 = { e, ipid_of(p2, 0), 1, 0 };
	struct dcom_exporter_stats st;
	pthread_t t1, t2;

	(void)state;
	assert_int_equal(pthread_create(&t1, NULL, sleeper_main, &s1), 0);
	assert_int_equal(pthread_create(&t2, NULL, sleeper_main, &s2), 0);
	while (atomic_load(&env_sleep_inside) < 2) {
		sleep_ms(5);
	}
	/* Released while a call runs: gone from the table, not destroyed. */
	alter(c, 1, &syntax_remunk);
	assert_int_equal(release(c, 1, &ru, &s1.ipid, 5), 0);
	env_stats(e, &st);
	assert_int_equal(st.objects, 1);
	assert_int_equal(atomic_load(&env_destroyed), 0);
	/* The other is collected (never pinged for 200 ms) while pinned. */
	for (int i = 0; i < 200; i++) {
		env_stats(e, &st);
		if (st.collected != 0) {
			break;
		}
		sleep_ms(5);
	}
	env_collect(e);
	env_stats(e, &st);
	assert_int_equal(st.objects, 0);
	assert_int_equal(st.collected, 1);
	assert_int_equal(atomic_load(&env_destroyed), 0);
	atomic_store(&env_sleep_gate, true);
	pthread_join(t1, NULL);
	pthread_join(t2, NULL);
	assert_int_equal(s1.status, 0);
	assert_int_equal(s2.status, 0);
	assert_int_equal(s1.magic, TEST_MAGIC);
	assert_int_equal(s2.magic, TEST_MAGIC);
	/* Each destroyed exactly once, when its call ended. */
	assert_int_equal(atomic_load(&env_destroyed), 2);
	env_stats(e, &st);
	assert_int_equal(st.destroyed, 2);
	rpctest_close(c);
	env_stop(e);
	assert_int_equal(atomic_load(&env_destroyed), 2);
	talloc_free(mem);
}

static void test_max_objects(void **state)
{
	void *mem = talloc_new(NULL);
	struct dcom_exporter_config cfg = { .max_objects = 3 };
	struct env *e = env_start(mem, &cfg);
	struct rpctest_client *c = env_client(e, &syntax_scm, &auth_alice);
	struct act_result r;

	(void)state;
	for (int i = 0; i < 3; i++) {
		activate_ok(c, mem, &iid_a, 1);
	}
	env_activate(c, 0, mem, &clsid_test, &iid_a, 1, v57, v57, false, &r);
	assert_int_equal(r.hr, HRV_E_OUTOFMEMORY);
	assert_null(r.props);
	assert_int_equal(atomic_load(&env_created), 4);
	assert_int_equal(atomic_load(&env_destroyed), 1);
	rpctest_close(c);
	env_stop(e);
	assert_int_equal(atomic_load(&env_destroyed), 4);
	talloc_free(mem);
}

/* ---- concurrency ---- */

#define CONC_THREADS 4
#define CONC_CYCLES  150

/* One thread of a concurrency test: its environment and its failures. */
struct worker {
	struct env *e;
	int failures;
};

#define MAX_WORKERS 8

/* Runs [fn] on [n] (at most MAX_WORKERS) threads over [e] and asserts
 * that none failed. */
static void run_workers(struct env *e, void *(*fn)(void *), int n)
{
	struct worker w[MAX_WORKERS];
	pthread_t t[MAX_WORKERS];

	assert_true(n <= MAX_WORKERS);
	for (int i = 0; i < n; i++) {
		w[i].e = e;
		w[i].failures = 0;
		assert_int_equal(pthread_create(&t[i], NULL, fn, &w[i]), 0);
	}
	for (int i = 0; i < n; i++) {
		pthread_join(t[i], NULL);
		assert_int_equal(w[i].failures, 0);
	}
}

static void *worker_main(void *arg)
{
	struct worker *w = arg;
	void *mem = talloc_new(NULL);
	struct rpctest_client *c = env_client(w->e, &syntax_scm, &auth_alice);
	struct rpc_uuid ru = dcom_exporter_remunknown_ipid(w->e->exp);

	alter(c, 1, &syntax_remunk);
	alter(c, 2, &syntax_a);
	for (int i = 0; i < CONC_CYCLES; i++) {
		void *tmp = talloc_new(mem);
		struct act_result r;
		struct rpc_uuid a;

		env_activate(c, 0, tmp, &clsid_test, &iid_a, 1, v57, v57, false,
		             &r);
		if (r.hr != 0 || r.props == NULL) {
			w->failures++;
			talloc_free(tmp);
			continue;
		}
		a = r.props->props_out.ifaces[0]->std.ipid;
		if (obj_ping(c, 2, &a) != 0) {
			w->failures++;
		}
		if (release(c, 1, &ru, &a, 5) != 0) {
			w->failures++;
		}
		talloc_free(tmp);
	}
	rpctest_close(c);
	talloc_free(mem);
	return NULL;
}

static void test_concurrent_export_release(void **state)
{
	void *mem = talloc_new(NULL);
	struct dcom_exporter_config cfg = { .ping_period_ms = 5,
		                            .ping_misses = 1000 };
	struct env *e = env_start(mem, &cfg);
	struct dcom_exporter_stats st;
	double t0 = now_s();

	(void)state;
	run_workers(e, worker_main, CONC_THREADS);
	print_message("%d activate/call/release cycles (NTLM privacy) in "
	              "%.2f s\n",
	              CONC_THREADS * CONC_CYCLES, now_s() - t0);
	env_stats(e, &st);
	assert_int_equal(st.objects, 0);
	assert_int_equal(st.ipids, 0);
	assert_int_equal(st.exported, CONC_THREADS * CONC_CYCLES);
	assert_int_equal(st.destroyed, CONC_THREADS * CONC_CYCLES);
	assert_int_equal(atomic_load(&env_destroyed),
	                 CONC_THREADS * CONC_CYCLES);
	env_stop(e);
	talloc_free(mem);
}

static void test_ping_add_then_delete_and_limits(void **state)
{
	void *mem = talloc_new(NULL);
	struct dcom_exporter_config cfg = { .ping_period_ms = 50,
		                            .ping_misses = 2,
		                            .max_set_oids = 2,
		                            .max_sets = 2 };
	struct env *e = env_start(mem, &cfg);
	struct rpctest_client *c = env_client(e, &syntax_scm, &auth_alice);
	uint64_t o[3];
	struct dcom_complex_ping_resp cp;
	struct dcom_exporter_stats st;

	(void)state;
	for (int i = 0; i < 3; i++) {
		o[i] = activate_ok(c, mem, &iid_a, 1)
		               ->props_out.ifaces[0]
		               ->std.oid;
	}
	alter(c, 1, &syntax_oxid);
	/* o[0] and o[1] added, o[1] deleted again: only o[0] is pinged. */
	cp = complex_ping(c, 1, 0, 0, o, 2, &o[1], 1);
	assert_int_equal(cp.status, 0);
	/* The set holds at most 2 OIDs: o[2] and o[1] make 3. */
	cp = complex_ping(c, 1, cp.setid, 0, &o[1], 2, NULL, 0);
	assert_int_equal(cp.status, HRV_E_OUTOFMEMORY);
	/* Two sets at most. */
	assert_int_equal(complex_ping(c, 1, 0, 0, NULL, 0, NULL, 0).status, 0);
	assert_int_equal(complex_ping(c, 1, 0, 0, NULL, 0, NULL, 0).status,
	                 HRV_E_OUTOFMEMORY);
	/* Delete o[1] again so only o[0] is in the set, then ping it. */
	assert_int_equal(
	        complex_ping(c, 1, cp.setid, 0, NULL, 0, &o[1], 1).status, 0);
	for (int i = 0; i < 20; i++) {
		sleep_ms(20);
		assert_int_equal(simple_ping(c, 1, cp.setid), 0);
	}
	env_stats(e, &st);
	assert_int_equal(st.objects, 1); /* o[0] */
	assert_int_equal(st.collected, 2);
	/* The empty set went unpinged and expired; the pinged one lives. */
	assert_int_equal(st.sets, 1);
	rpctest_close(c);
	env_stop(e);
	talloc_free(mem);
}

static void test_activation_without_instantiation(void **state)
{
	void *mem = talloc_new(NULL);
	struct env *e = env_start(mem, NULL);
	struct rpctest_client *c = env_client(e, &syntax_scm, &auth_alice);
	static const uint16_t tcp[] = { 7 };
	struct dcom_create_instance_req req;
	struct dcom_activation_resp resp;
	struct dcom_actprops props;
	struct rpctest_reply r;
	struct ndr_push push;
	struct ndr_pull ndr;

	(void)state;
	memset(&props, 0, sizeof(props));
	props.present = DCOM_ACTPROP_BIT(DCOM_ACTPROP_SCM_REQUEST);
	props.scm_request.n_protseqs = 1;
	props.scm_request.protseqs = (uint16_t *)tcp;
	memset(&req, 0, sizeof(req));
	dcom_orpcthis_init(&req.orpcthis, &clsid_test);
	req.props = &props;
	push_open(&push, mem);
	assert_int_equal(dcom_create_instance_req_push(&push, &req),
	                 NDR_ERR_SUCCESS);
	call_push(c, 0, 4, NULL, &push, mem, &r);
	pull_open(&ndr, mem, &r);
	assert_int_equal(dcom_activation_resp_pull(&ndr, &resp),
	                 NDR_ERR_SUCCESS);
	assert_int_equal(resp.hr, HRV_E_INVALIDARG);
	assert_null(resp.props);
	/* No pActProperties at all. */
	req.props = NULL;
	push_open(&push, mem);
	assert_int_equal(dcom_create_instance_req_push(&push, &req),
	                 NDR_ERR_SUCCESS);
	call_push(c, 0, 4, NULL, &push, mem, &r);
	pull_open(&ndr, mem, &r);
	assert_int_equal(dcom_activation_resp_pull(&ndr, &resp),
	                 NDR_ERR_SUCCESS);
	assert_int_equal(resp.hr, HRV_E_INVALIDARG);
	/* Garbage: a fault, not a crash. */
	assert_int_equal(rpctest_call(c, 0, 4, NULL, (const uint8_t *)"garbage",
	                              7, mem, &r),
	                 0);
	assert_int_equal(r.status, RPC_FAULT_NCA_S_FAULT_NDR);
	assert_int_equal(atomic_load(&env_created), 0);
	rpctest_close(c);
	env_stop(e);
	talloc_free(mem);
}

/* dcom_export from plain threads while the collector (every 1 ms, objects
 * idle for 1 ms go) destroys them on the loop thread: each object is
 * destroyed exactly once (the impl checks and clears its magic; a second
 * destroy would be a double free under ASan). */
#define RACE_THREADS 4
#define RACE_EXPORTS 2000

static void *racer_main(void *arg)
{
	struct worker *r = arg;
	const struct dcom_class *cls = env_test_class();

	for (int i = 0; i < RACE_EXPORTS; i++) {
		void *mem = talloc_new(NULL);
		const struct dcom_object_type *type = NULL;
		struct dcom_objref ref;
		void *impl = NULL;

		if (hr_failed(cls->create(NULL, NULL, &impl, &type)) ||
		    hr_failed(dcom_export(r->e->exp, mem, impl, type,
		                          i % 2 ? &iid_a : &iid_b, 5, &ref)) ||
		    ref.std.oxid != dcom_exporter_oxid(r->e->exp)) {
			r->failures++;
		}
		talloc_free(mem);
	}
	return NULL;
}

static void test_direct_export_races_collector(void **state)
{
	void *mem = talloc_new(NULL);
	struct dcom_exporter_config cfg = { .ping_period_ms = 1,
		                            .ping_misses = 1 };
	struct env *e = env_start(mem, &cfg);
	struct dcom_exporter_stats st;
	double t0 = now_s();

	(void)state;
	run_workers(e, racer_main, RACE_THREADS);
	print_message("%d dcom_export calls from %d threads in %.3f s\n",
	              RACE_THREADS * RACE_EXPORTS, RACE_THREADS, now_s() - t0);
	for (int i = 0; i < 500; i++) {
		env_stats(e, &st);
		if (st.objects == 0) {
			break;
		}
		sleep_ms(5);
	}
	assert_int_equal(st.objects, 0);
	assert_int_equal(st.exported, RACE_THREADS * RACE_EXPORTS);
	assert_int_equal(st.destroyed, RACE_THREADS * RACE_EXPORTS);
	assert_int_equal(st.collected, RACE_THREADS * RACE_EXPORTS);
	assert_int_equal(atomic_load(&env_destroyed),
	                 RACE_THREADS * RACE_EXPORTS);
	env_stop(e);
	talloc_free(mem);
}

/* ---- API edges ---- */

static hresult never_create(void *arg,
                            const struct rpc_identity *who,
                            void **impl,
                            const struct dcom_object_type **type)
{
	(void)arg;
	(void)who;
	(void)impl;
	(void)type;
	return HR_E_FAIL;
}

struct edge_ctx {
	struct env *e;
	hresult add_again;
	hresult add_other;
};

static void edge_fn(struct rpctest_server *ts, void *arg)
{
	static const struct dcom_class dup = { &clsid_test, "Dup", never_create,
		                               NULL };
	static const struct dcom_class other = { &clsid_unknown, "Other",
		                                 never_create, NULL };
	struct edge_ctx *x = arg;

	(void)ts;
	x->add_again = dcom_exporter_add_class(x->e->exp, &dup);
	x->add_other = dcom_exporter_add_class(x->e->exp, &other);
}

static void test_class_registry_and_create_failure(void **state)
{
	void *mem = talloc_new(NULL);
	struct env *e = env_start(mem, NULL);
	struct edge_ctx x = { e, HR_OK, HR_OK };
	struct rpctest_client *c;
	struct act_result r;

	(void)state;
	rpctest_server_run(e->ts, edge_fn, &x);
	assert_int_equal(x.add_again.v, HRV_E_INVALIDARG);
	assert_int_equal(x.add_other.v, 0);
	c = env_client(e, &syntax_scm, &auth_alice);
	env_activate(c, 0, mem, &clsid_unknown, &iid_a, 1, v57, v57, false, &r);
	assert_int_equal(r.hr, HRV_E_FAIL);
	assert_null(r.props);
	rpctest_close(c);
	env_stop(e);
	talloc_free(mem);
}

static void test_shutdown_destroys_everything(void **state)
{
	void *mem = talloc_new(NULL);
	struct env *e = env_start(mem, NULL);
	struct rpctest_client *c = env_client(e, &syntax_scm, &auth_alice);
	struct dcom_actprops *p = activate_ok(c, mem, &iid_a, 1);
	uint64_t oid = p->props_out.ifaces[0]->std.oid;
	struct dcom_exporter_stats st;
	struct dcom_objref ref;
	struct dcom_exporter *exp;

	(void)state;
	activate_ok(c, mem, &iid_b, 1);
	activate_ok(c, mem, &iid_a, 1);
	alter(c, 1, &syntax_oxid);
	assert_int_equal(complex_ping(c, 1, 0, 0, &oid, 1, NULL, 0).status, 0);
	rpctest_close(c);
	assert_int_equal(atomic_load(&env_destroyed), 0);
	/* Keep the exporter past env_stop to look at it afterwards. */
	exp = e->exp;
	talloc_steal(mem, exp);
	env_stop(e);
	assert_int_equal(atomic_load(&env_destroyed), 3);
	dcom_exporter_stats(exp, &st);
	assert_int_equal(st.objects, 0);
	assert_int_equal(st.ipids, 0);
	assert_int_equal(st.sets, 0);
	assert_int_equal(st.destroyed, 3);
	/* Exports after shutdown fail and destroy what they were given. */
	{
		void *impl = NULL;
		const struct dcom_object_type *type = NULL;
		assert_int_equal(
		        env_test_class()->create(NULL, NULL, &impl, &type).v,
		        0);
		assert_int_equal(
		        dcom_export(exp, mem, impl, type, &iid_a, 5, &ref).v,
		        HRV_E_UNEXPECTED);
	}
	assert_int_equal(atomic_load(&env_destroyed), 4);
	talloc_free(mem);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_activation_one_iid),
		cmocka_unit_test(test_activation_several_iids),
		cmocka_unit_test(test_activation_no_listed_iid),
		cmocka_unit_test(test_unknown_clsid),
		cmocka_unit_test(test_access_denied),
		cmocka_unit_test(test_version_mismatch),
		cmocka_unit_test(test_call_routing),
		cmocka_unit_test(test_remqi_addref_release),
		cmocka_unit_test(test_iunknown_is_implied),
		cmocka_unit_test(test_private_refs_keep_object),
		cmocka_unit_test(test_remqi2),
		cmocka_unit_test(test_export_iface_and_new_object),
		cmocka_unit_test(test_ping_sets_impacket_quirks),
		cmocka_unit_test(test_resolver_methods),
		cmocka_unit_test(test_collection),
		cmocka_unit_test(test_pinned_object_survives),
		cmocka_unit_test(test_max_objects),
		cmocka_unit_test(test_concurrent_export_release),
		cmocka_unit_test(test_ping_add_then_delete_and_limits),
		cmocka_unit_test(test_activation_without_instantiation),
		cmocka_unit_test(test_direct_export_races_collector),
		cmocka_unit_test(test_class_registry_and_create_failure),
		cmocka_unit_test(test_shutdown_destroys_everything),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
