/*
 * wmitest: the fixture of the WMI server unit tests (test_server.c,
 * test_flow.c): the test RPC server with a DCOM exporter
 * (tests/unit/dcom/exporter_env.h), the cimom fixture's repository
 * (tests/unit/cimom/fixture.h) and wmi_register, driven by the blocking
 * test client with the wmistubs codecs.  Every helper asserts what must
 * not fail (cmocka), so the tests read as the calls they make.
 */
#include "wmitest.h"

#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>
#include <talloc.h>

#include <cmocka.h>

#include "dcom/orpc.h"
#include "wmio/wmio.h"

static void reg_fn(struct rpctest_server *ts, void *arg)
{
	struct wt *t = arg;

	(void)ts;
	assert_true(hr_ok(wmi_register(t->e->exp, t->fx->cm, &t->cfg)));
}

struct wt *wt_start(const struct wmi_config *cfg)
{
	struct wt *t = talloc_zero(NULL, struct wt);

	assert_non_null(t);
	t->mem = t;
	t->fx = fx_new();
	t->e = env_start(t, NULL);
	if (cfg != NULL) {
		t->cfg = *cfg;
	}
	rpctest_server_run(t->e->ts, reg_fn, t);
	t->c = env_client(t->e, &syntax_scm, &auth_alice);
	t->iids[0] = dcom_iid_iremotescmactivator;
	t->n_pc = 1;
	return t;
}

void wt_stop(struct wt *t)
{
	rpctest_close(t->c);
	env_stop(t->e);
	fx_free(t->fx);
	talloc_free(t);
}

/* The presentation context for [iid], bound (alter_context) on first use. */
uint16_t wt_pc_for(struct wt *t, const struct rpc_uuid *iid)
{
	struct rpctest_bind_result res;
	struct rpc_syntax_id syn = { *iid, 0, 0 };

	for (uint16_t i = 0; i < t->n_pc; i++) {
		if (rpc_uuid_equal(&t->iids[i], iid)) {
			return i;
		}
	}
	assert_true(t->n_pc < 8);
	assert_int_equal(rpctest_bind(t->c, t->n_pc, &syn, &auth_alice, &res),
	                 0);
	t->iids[t->n_pc] = *iid;
	return t->n_pc++;
}

/* Sends [stub] and returns the response stub (the call must not fault). */
void wt_call(struct wt *t,
             const struct rpc_uuid *iid,
             uint16_t opnum,
             const struct rpc_uuid *ipid,
             struct ndr_push *p,
             struct rpctest_reply *r)
{
	const uint8_t *d;
	size_t n;

	assert_int_equal(ndr_push_blob(p, &d, &n), NDR_ERR_SUCCESS);
	assert_int_equal(rpctest_call(t->c, wt_pc_for(t, iid), opnum, ipid, d,
	                              n, t->mem, r),
	                 0);
	if (r->status != 0) {
		fail_msg("opnum %u faulted 0x%08x", opnum, r->status);
	}
}

void wt_push_on(struct wt *t, struct ndr_push *p)
{
	assert_int_equal(ndr_push_init(p, t->mem, 0, NULL), NDR_ERR_SUCCESS);
}

void wt_pull_on(struct wt *t, struct ndr_pull *p, struct rpctest_reply *r)
{
	assert_int_equal(
	        ndr_pull_init(p, t->mem, r->stub, r->stub_len, 0, NULL),
	        NDR_ERR_SUCCESS);
}

struct dcom_orpcthis wt_this57(void)
{
	struct dcom_orpcthis th;

	dcom_orpcthis_init(&th, NULL);
	return th;
}

/* Activates WbemLevel1Login; returns its IPID. */
struct rpc_uuid wt_activate(struct wt *t)
{
	struct act_result res;

	env_activate(t->c, 0, t->mem, &wmi_clsid_wbemlevel1login,
	             &wmi_iid_iwbemlevel1login, 1, V57, V57, false, &res);
	assert_int_equal(res.status, 0);
	assert_int_equal(res.hr, 0);
	assert_non_null(res.props);
	assert_int_equal(res.props->props_out.n, 1);
	assert_int_equal(res.props->props_out.hresults[0], 0);
	t->remunk = res.props->scm_reply.ipid_rem_unknown;
	return res.props->props_out.ifaces[0]->std.ipid;
}

/* NTLMLogin on [ns]; returns the HRESULT and the services IPID. */
uint32_t wt_login_ns(struct wt *t, const char *ns, struct rpc_uuid *svc)
{
	struct rpc_uuid login = wt_activate(t);
	struct wmi_ntlm_login_req q = { .orpcthis = wt_this57(),
		                        .network_resource = (char *)ns };
	struct wmi_objref_resp r;
	struct rpctest_reply rep;
	struct ndr_push p;
	struct ndr_pull pl;

	wt_push_on(t, &p);
	assert_int_equal(wmi_ntlm_login_req_push(&p, &q), NDR_ERR_SUCCESS);
	wt_call(t, &wmi_iid_iwbemlevel1login, WMI_OP_NTLM_LOGIN, &login, &p,
	        &rep);
	wt_pull_on(t, &pl, &rep);
	assert_int_equal(wmi_objref_resp_pull(&pl, &r), NDR_ERR_SUCCESS);
	assert_int_equal(ndr_pull_finish(&pl), NDR_ERR_SUCCESS);
	if (r.hr == 0) {
		assert_non_null(r.obj);
		assert_int_equal(r.obj->kind, DCOM_OBJREF_STANDARD);
		assert_true(
		        rpc_uuid_equal(&r.obj->iid, &wmi_iid_iwbemservices));
		*svc = r.obj->std.ipid;
	} else {
		assert_null(r.obj);
	}
	return r.hr;
}

struct rpc_uuid wt_login(struct wt *t)
{
	struct rpc_uuid svc;

	assert_int_equal(wt_login_ns(t, "root\\cimv2", &svc), 0);
	return svc;
}

/* An IWbemServices call; the response is decoded into [r]. */
void wt_svc_call(struct wt *t,
                 const struct rpc_uuid *svc,
                 uint16_t op,
                 struct wmi_svc_req *q,
                 struct wmi_svc_resp *r)
{
	struct rpctest_reply rep;
	struct ndr_push p;
	struct ndr_pull pl;

	q->orpcthis = wt_this57();
	wt_push_on(t, &p);
	assert_int_equal(wmi_svc_req_push(&p, op, q), NDR_ERR_SUCCESS);
	wt_call(t, &wmi_iid_iwbemservices, op, svc, &p, &rep);
	wt_pull_on(t, &pl, &rep);
	assert_int_equal(wmi_svc_resp_pull(&pl, op, r), NDR_ERR_SUCCESS);
	assert_int_equal(ndr_pull_finish(&pl), NDR_ERR_SUCCESS);
}

/* ExecQuery; returns the HRESULT and the enumerator's IPID. */
uint32_t wt_query(struct wt *t,
                  const struct rpc_uuid *svc,
                  const char *wql,
                  int32_t flags,
                  struct rpc_uuid *en)
{
	struct wmi_svc_req q = { .str1 = "WQL",
		                 .str2 = (char *)wql,
		                 .flags = flags };
	struct wmi_svc_resp r;

	wt_svc_call(t, svc, WMI_OP_EXEC_QUERY, &q, &r);
	if (r.hr == 0) {
		assert_non_null(r.out);
		assert_true(rpc_uuid_equal(&r.out->iid,
		                           &wmi_iid_ienumwbemclassobject));
		*en = r.out->std.ipid;
	} else {
		assert_null(r.out);
	}
	return r.hr;
}

/* Next; decodes the response into [r]. */
void wt_next(struct wt *t,
             const struct rpc_uuid *en,
             int32_t timeout,
             uint32_t count,
             struct wmi_next_resp *r)
{
	struct wmi_timeout_req q = { .orpcthis = wt_this57(),
		                     .timeout = timeout,
		                     .count = count };
	struct rpctest_reply rep;
	struct ndr_push p;
	struct ndr_pull pl;

	wt_push_on(t, &p);
	assert_int_equal(wmi_timeout_req_push(&p, true, &q), NDR_ERR_SUCCESS);
	wt_call(t, &wmi_iid_ienumwbemclassobject, WMI_OP_ENUM_NEXT, en, &p,
	        &rep);
	wt_pull_on(t, &pl, &rep);
	assert_int_equal(wmi_next_resp_pull(&pl, r), NDR_ERR_SUCCESS);
	assert_int_equal(ndr_pull_finish(&pl), NDR_ERR_SUCCESS);
	assert_int_equal(r->n, r->returned);
	assert_int_equal(r->max, count);
}

/* The Name of a by-value instance. */
const char *wt_obj_name(struct wt *t, const struct dcom_objref *o)
{
	struct wmio_object *wo = NULL;
	const struct cim_value *v;

	assert_true(wmi_objref_is_classobject(o));
	assert_true(hr_ok(
	        wmio_decode(t->mem, o->data, o->n_data, NULL, &wo, NULL)));
	assert_false(wo->is_class);
	v = cim_instance_get(wo->inst, "Name");
	assert_non_null(v);
	return v->null ? NULL : v->v.s;
}

/* Reads [en] one object at a time to the end; returns the names
 * joined with ','. */
char *wt_drain(struct wt *t, const struct rpc_uuid *en, uint32_t batch)
{
	char *s = talloc_strdup(t->mem, "");
	struct wmi_next_resp r;

	for (;;) {
		wt_next(t, en, -1, batch, &r);
		for (uint32_t i = 0; i < r.n; i++) {
			s = talloc_asprintf_append(s, "%s%s", *s ? "," : "",
			                           wt_obj_name(t, r.objs[i]));
		}
		if (r.hr == 1) {
			return s;
		}
		assert_int_equal(r.hr, 0);
		assert_int_equal(r.n, batch);
	}
}
