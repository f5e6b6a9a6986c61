/*
 * exporter_env: see exporter_env.h.
 */
#include "exporter_env.h"

#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <talloc.h>
#include <time.h>

#include <cmocka.h>

#include "dcom/objref.h"
#include "dcom/orpc.h"
#include "rpc/fault.h"

#define COM_GUID(x)                                        \
	{                                                  \
		(x), 0x0000, 0x0000, { 0xc0, 0x00 },       \
		{                                          \
			0x00, 0x00, 0x00, 0x00, 0x00, 0x46 \
		}                                          \
	}
#define TEST_GUID(x)                                       \
	{                                                  \
		(x), 0x1234, 0x4321, { 0x8a, 0xbc },       \
		{                                          \
			0x01, 0x02, 0x03, 0x04, 0x05, 0x06 \
		}                                          \
	}

const struct rpc_uuid clsid_test = TEST_GUID(0xc1a55001);
const struct rpc_uuid clsid_unknown = TEST_GUID(0xc1a55999);
const struct rpc_uuid iid_a = TEST_GUID(0x1f00000a);
const struct rpc_uuid iid_b = TEST_GUID(0x1f00000b);
const struct rpc_uuid iid_c = TEST_GUID(0x1f00000c);

const struct rpc_syntax_id syntax_scm = { COM_GUID(0x000001a0), 0, 0 };
const struct rpc_syntax_id syntax_oxid = { { 0x99fcfec4,
	                                     0x5260,
	                                     0x101b,
	                                     { 0xbb, 0xcb },
	                                     { 0x00, 0xaa, 0x00, 0x21, 0x34,
	                                       0x7a } },
	                                   0,
	                                   0 };
const struct rpc_syntax_id syntax_remunk = { COM_GUID(0x00000131), 0, 0 };
const struct rpc_syntax_id syntax_remunk2 = { COM_GUID(0x00000143), 0, 0 };
const struct rpc_syntax_id syntax_a = { TEST_GUID(0x1f00000a), 0, 0 };
const struct rpc_syntax_id syntax_b = { TEST_GUID(0x1f00000b), 0, 0 };

const struct rpctest_auth auth_alice = { "alice", "WORKGROUP", "Secret#1",
	                                 RPC_AUTHN_LEVEL_PKT_PRIVACY };
const struct rpctest_auth auth_bob = { "bob", "WORKGROUP", "Other#2",
	                               RPC_AUTHN_LEVEL_PKT_INTEGRITY };

atomic_uint env_destroyed;
atomic_uint env_created;
atomic_uint env_sleep_inside;
atomic_bool env_sleep_gate;

/* ---- the test object and class ---- */

struct tobj {
	uint32_t magic;
};

static void tobj_destroy(void *impl)
{
	struct tobj *o = impl;

	assert_int_equal(o->magic, TEST_MAGIC);
	o->magic = 0;
	free(o);
	atomic_fetch_add(&env_destroyed, 1);
}

static const struct rpc_uuid tobj_iids[] = { TEST_GUID(0x1f00000a),
	                                     TEST_GUID(0x1f00000b) };
static const struct dcom_object_type tobj_type = {
	.name = "TestObj",
	.n_iids = 2,
	.iids = tobj_iids,
	.destroy = tobj_destroy,
};

static struct tobj *tobj_new(void)
{
	struct tobj *o = malloc(sizeof(*o));

	if (o != NULL) {
		o->magic = TEST_MAGIC;
		atomic_fetch_add(&env_created, 1);
	}
	return o;
}

static hresult tcls_create(void *arg,
                           const struct rpc_identity *who,
                           void **impl,
                           const struct dcom_object_type **type)
{
	(void)arg;
	(void)who;
	*impl = tobj_new();
	*type = &tobj_type;
	return *impl != NULL ? HR_OK : HR_E_OUTOFMEMORY;
}

static const struct dcom_class tcls = {
	.clsid = &clsid_test,
	.name = "TestClass",
	.create = tcls_create,
	.arg = NULL,
};

const struct dcom_class *env_test_class(void)
{
	return &tcls;
}

static hresult deny_bob(void *arg,
                        const struct rpc_identity *who,
                        enum dcom_access_op op)
{
	(void)arg;
	(void)op;
	return strcasecmp(who->user, "bob") == 0 ? HR_E_ACCESSDENIED : HR_OK;
}

/* ---- the test interfaces ---- */

static uint32_t reply(struct rpc_call *call,
                      struct buf *out,
                      const struct dcom_objref *mip,
                      bool with_mip,
                      bool with_magic,
                      uint32_t magic,
                      uint32_t hr)
{
	struct ndr_push push;
	struct dcom_orpcthat that;
	const uint8_t *p;
	size_t n;

	memset(&that, 0, sizeof(that));
	if (ndr_push_init(&push, call->mem, 0, NULL) != NDR_ERR_SUCCESS) {
		return RPC_FAULT_NCA_S_FAULT_REMOTE_NO_MEMORY;
	}
	dcom_orpcthat_push(&push, &that);
	if (with_magic) {
		ndr_push_u32(&push, magic);
	}
	if (with_mip) {
		dcom_pmip_objref_push(&push, mip);
	}
	ndr_push_u32(&push, hr);
	if (ndr_push_blob(&push, &p, &n) != NDR_ERR_SUCCESS ||
	    hr_failed(buf_add(out, p, n))) {
		return RPC_FAULT_NCA_S_FAULT_REMOTE_NO_MEMORY;
	}
	return 0;
}

static uint32_t t_ping(struct rpc_call *call,
                       const uint8_t *stub,
                       size_t len,
                       struct buf *out,
                       const struct rpc_uuid *iid)
{
	struct dcom_exporter *exp = call->iface_arg;
	struct ndr_pull ndr;
	struct tobj *o;
	void *impl;
	uint32_t st = dcom_call_begin(exp, call, stub, len, iid, NULL, &ndr,
	                              NULL, &impl);

	if (st != 0) {
		return st;
	}
	o = impl;
	st = reply(call, out, NULL, false, true, o->magic, 0);
	dcom_call_end(exp, call);
	return st;
}

static uint32_t a_ping(struct rpc_call *call,
                       const uint8_t *stub,
                       size_t len,
                       struct buf *out)
{
	return t_ping(call, stub, len, out, &iid_a);
}

static uint32_t b_ping(struct rpc_call *call,
                       const uint8_t *stub,
                       size_t len,
                       struct buf *out)
{
	return t_ping(call, stub, len, out, &iid_b);
}

static uint32_t a_sleep(struct rpc_call *call,
                        const uint8_t *stub,
                        size_t len,
                        struct buf *out)
{
	struct dcom_exporter *exp = call->iface_arg;
	struct ndr_pull ndr;
	struct timespec ts;
	uint32_t ms = 0;
	void *impl;
	uint32_t st = dcom_call_begin(exp, call, stub, len, &iid_a, NULL, &ndr,
	                              NULL, &impl);

	if (st != 0) {
		return st;
	}
	ndr_pull_u32(&ndr, &ms);
	atomic_fetch_add(&env_sleep_inside, 1);
	/* Until the test opens the gate, at most [ms] (a safety cap). */
	for (uint32_t waited = 0; waited < ms && !atomic_load(&env_sleep_gate);
	     waited += 5) {
		ts.tv_sec = 0;
		ts.tv_nsec = 5000000L;
		while (nanosleep(&ts, &ts) != 0) {
		}
	}
	/* The object is still ours while pinned. */
	st = reply(call, out, NULL, false, true, ((struct tobj *)impl)->magic,
	           0);
	dcom_call_end(exp, call);
	return st;
}

/* ITestA methods answering an interface pointer: IID_B on the called
 * object ([new_object] false) or a new object's IID_A. */
static uint32_t a_export(struct rpc_call *call,
                         const uint8_t *stub,
                         size_t len,
                         struct buf *out,
                         bool new_object)
{
	struct dcom_exporter *exp = call->iface_arg;
	struct ndr_pull ndr;
	struct dcom_objref ref;
	void *impl;
	hresult hr;
	uint32_t st = dcom_call_begin(exp, call, stub, len, &iid_a, NULL, &ndr,
	                              NULL, &impl);

	if (st != 0) {
		return st;
	}
	memset(&ref, 0, sizeof(ref));
	if (new_object) {
		hr = dcom_export(exp, call->mem, tobj_new(), &tobj_type, &iid_a,
		                 5, &ref);
	} else {
		hr = dcom_export_iface(exp, call, call->mem, &iid_b, 5, &ref);
	}
	st = reply(call, out, &ref, true, false, 0, hr.v);
	dcom_call_end(exp, call);
	return st;
}

static uint32_t a_get_b(struct rpc_call *call,
                        const uint8_t *stub,
                        size_t len,
                        struct buf *out)
{
	return a_export(call, stub, len, out, false);
}

static uint32_t a_new_object(struct rpc_call *call,
                             const uint8_t *stub,
                             size_t len,
                             struct buf *out)
{
	return a_export(call, stub, len, out, true);
}

static const struct rpc_op a_ops[] = {
	[3] = { a_ping, "Ping" },
	[4] = { a_sleep, "Sleep" },
	[5] = { a_get_b, "GetB" },
	[6] = { a_new_object, "NewObject" },
};

static const struct rpc_op b_ops[] = {
	[3] = { b_ping, "Ping" },
};

static const struct rpc_iface iface_a = {
	.name = "ITestA",
	.syntax = { TEST_GUID(0x1f00000a), 0, 0 },
	.n_ops = 7,
	.ops = a_ops,
};

static const struct rpc_iface iface_b = {
	.name = "ITestB",
	.syntax = { TEST_GUID(0x1f00000b), 0, 0 },
	.n_ops = 4,
	.ops = b_ops,
};

/* ---- environment ---- */

static const char *const test_names[] = { "TESTHOST", "testhost.example",
	                                  NULL };

static void start_fn(struct rpctest_server *ts, void *arg)
{
	struct env *e = arg;

	e->exp = dcom_exporter_new(e->mem, &ts->loop, &e->cfg);
	if (e->exp == NULL ||
	    hr_failed(dcom_exporter_register(e->exp, ts->srv)) ||
	    hr_failed(dcom_exporter_add_class(e->exp, &tcls)) ||
	    hr_failed(dcom_exporter_serve(e->exp, &iface_a, e->exp)) ||
	    hr_failed(dcom_exporter_serve(e->exp, &iface_b, e->exp))) {
		fprintf(stderr, "exporter set-up failed\n");
		abort();
	}
}

struct env *env_start(void *mem, const struct dcom_exporter_config *cfg)
{
	struct env *e = talloc_zero(mem, struct env);

	assert_non_null(e);
	e->mem = e;
	atomic_store(&env_destroyed, 0);
	atomic_store(&env_created, 0);
	atomic_store(&env_sleep_inside, 0);
	atomic_store(&env_sleep_gate, false);
	e->ts = rpctest_server_start(e, NULL);
	assert_non_null(e->ts);
	if (cfg != NULL) {
		e->cfg = *cfg;
	}
	e->cfg.exporter_port = e->ts->port;
	e->cfg.binding_names = test_names;
	if (e->cfg.check_access == NULL) {
		e->cfg.check_access = deny_bob;
	}
	e->cfg.log = e->ts->log;
	rpctest_server_run(e->ts, start_fn, e);
	return e;
}

static void shutdown_fn(struct rpctest_server *ts, void *arg)
{
	(void)ts;
	dcom_exporter_shutdown(arg);
}

void env_stop(struct env *e)
{
	rpctest_server_run(e->ts, shutdown_fn, e->exp);
	rpctest_server_stop(e->ts);
	talloc_free(e);
}

static void collect_fn(struct rpctest_server *ts, void *arg)
{
	(void)ts;
	dcom_exporter_collect(arg);
}

void env_collect(struct env *e)
{
	rpctest_server_run(e->ts, collect_fn, e->exp);
}

void env_stats(struct env *e, struct dcom_exporter_stats *st)
{
	dcom_exporter_stats(e->exp, st);
}

struct rpctest_client *env_client(struct env *e,
                                  const struct rpc_syntax_id *syntax,
                                  const struct rpctest_auth *auth)
{
	struct rpctest_client *c = rpctest_connect_tcp(e, e->ts->addr,
	                                               e->ts->port);
	struct rpctest_bind_result res;

	assert_non_null(c);
	assert_int_equal(rpctest_bind(c, 0, syntax, auth, &res), 0);
	return c;
}

void env_activate(struct rpctest_client *c,
                  uint16_t pc,
                  void *mem,
                  const struct rpc_uuid *clsid,
                  const struct rpc_uuid *iids,
                  uint32_t n,
                  struct dcom_comversion this_ver,
                  struct dcom_comversion client_ver,
                  bool get_class_object,
                  struct act_result *out)
{
	static const uint16_t tcp[] = { 7 };
	struct dcom_actprops props;
	struct ndr_push push;
	struct ndr_pull ndr;
	struct rpctest_reply r;
	const uint8_t *p;
	size_t len;

	memset(&props, 0, sizeof(props));
	props.present = DCOM_ACTPROP_BIT(DCOM_ACTPROP_INSTANTIATION) |
	                DCOM_ACTPROP_BIT(DCOM_ACTPROP_ACTIVATION_CONTEXT) |
	                DCOM_ACTPROP_BIT(DCOM_ACTPROP_LOCATION) |
	                DCOM_ACTPROP_BIT(DCOM_ACTPROP_SCM_REQUEST);
	props.dest_ctx = 2;
	props.inst.clsid = *clsid;
	props.inst.n_iids = n;
	props.inst.iids = (struct rpc_uuid *)iids;
	props.inst.client_version = client_ver;
	props.scm_request.n_protseqs = 1;
	props.scm_request.protseqs = (uint16_t *)tcp;
	assert_int_equal(ndr_push_init(&push, mem, 0, NULL), NDR_ERR_SUCCESS);
	if (get_class_object) {
		struct dcom_get_class_object_req req;

		memset(&req, 0, sizeof(req));
		dcom_orpcthis_init(&req.orpcthis, &clsid_test);
		req.orpcthis.version = this_ver;
		req.props = &props;
		assert_int_equal(dcom_get_class_object_req_push(&push, &req),
		                 NDR_ERR_SUCCESS);
	} else {
		struct dcom_create_instance_req req;

		memset(&req, 0, sizeof(req));
		dcom_orpcthis_init(&req.orpcthis, &clsid_test);
		req.orpcthis.version = this_ver;
		req.orpcthis.flags = 1; /* impacket */
		req.props = &props;
		assert_int_equal(dcom_create_instance_req_push(&push, &req),
		                 NDR_ERR_SUCCESS);
	}
	assert_int_equal(ndr_push_blob(&push, &p, &len), NDR_ERR_SUCCESS);
	assert_int_equal(rpctest_call(c, pc, get_class_object ? 3 : 4, NULL, p,
	                              len, mem, &r),
	                 0);
	memset(out, 0, sizeof(*out));
	out->status = r.status;
	if (r.status != 0) {
		return;
	}
	{
		struct dcom_activation_resp resp;

		assert_int_equal(
		        ndr_pull_init(&ndr, mem, r.stub, r.stub_len, 0, NULL),
		        NDR_ERR_SUCCESS);
		assert_int_equal(dcom_activation_resp_pull(&ndr, &resp),
		                 NDR_ERR_SUCCESS);
		assert_int_equal(ndr_pull_finish(&ndr), NDR_ERR_SUCCESS);
		out->hr = resp.hr;
		out->props = (struct dcom_actprops *)resp.props;
	}
}

void env_orpc(struct rpctest_client *c,
              uint16_t pc,
              uint16_t opnum,
              const struct rpc_uuid *object,
              struct dcom_comversion ver,
              const uint8_t *body,
              size_t n,
              void *mem,
              struct rpctest_reply *out)
{
	struct dcom_orpcthis this_;
	struct ndr_push push;
	const uint8_t *p;
	size_t len;

	dcom_orpcthis_init(&this_, &clsid_test);
	this_.version = ver;
	assert_int_equal(ndr_push_init(&push, mem, 0, NULL), NDR_ERR_SUCCESS);
	assert_int_equal(dcom_orpcthis_push(&push, &this_), NDR_ERR_SUCCESS);
	if (n != 0) {
		assert_int_equal(ndr_push_bytes(&push, body, n),
		                 NDR_ERR_SUCCESS);
	}
	assert_int_equal(ndr_push_blob(&push, &p, &len), NDR_ERR_SUCCESS);
	assert_int_equal(rpctest_call(c, pc, opnum, object, p, len, mem, out),
	                 0);
}
