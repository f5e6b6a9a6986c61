/*
 * The runtime's handlers called directly with hostile stubs (no sockets):
 * every truncation and thousands of seeded bit flips of valid requests to
 * each IObjectExporter, IRemoteSCMActivator and IRemUnknown(2) method.
 * Nothing may crash or leak (ASan), every answer is a fault or a reply,
 * and afterwards the tables are consistent: every object created was
 * destroyed exactly once by the shutdown or before.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stdatomic.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <talloc.h>

#include <cmocka.h>

#include "dcom/exporter-int.h"
#include "dcom/orpc.h"
#include "dcom/stubs.h"
#include "rpc/fault.h"

#define TGUID(x)                                           \
	{                                                  \
		(x), 0x1234, 0x4321, { 0x8a, 0xbc },       \
		{                                          \
			0x01, 0x02, 0x03, 0x04, 0x05, 0x06 \
		}                                          \
	}

static const struct rpc_uuid clsid_h = TGUID(0xc1a55002);
static const struct rpc_uuid iids_h[2] = { TGUID(0x1f00001a),
	                                   TGUID(0x1f00001b) };

static atomic_uint created, destroyed;

static void h_destroy(void *impl)
{
	free(impl);
	atomic_fetch_add(&destroyed, 1);
}

static const struct dcom_object_type h_type = { "H", 2, iids_h, h_destroy };

static hresult h_create(void *arg,
                        const struct rpc_identity *who,
                        void **impl,
                        const struct dcom_object_type **type)
{
	(void)arg;
	(void)who;
	*impl = malloc(8);
	*type = &h_type;
	if (*impl == NULL) {
		return HR_E_OUTOFMEMORY;
	}
	atomic_fetch_add(&created, 1);
	return HR_OK;
}

static const struct dcom_class h_class = { &clsid_h, "H", h_create, NULL };

struct fixture {
	uv_loop_t loop;
	struct dcom_exporter *exp;
	const char *local_addr;
	bool unix_peer;
};

static struct fixture *fixture_new(void)
{
	struct fixture *f = talloc_zero(NULL, struct fixture);
	static const char *const names[] = { "HOST", NULL };
	struct dcom_exporter_config cfg = { .exporter_port = 49999,
		                            .binding_names = names };

	assert_non_null(f);
	assert_int_equal(uv_loop_init(&f->loop), 0);
	f->exp = dcom_exporter_new(f, &f->loop, &cfg);
	assert_non_null(f->exp);
	assert_true(hr_ok(dcom_exporter_add_class(f->exp, &h_class)));
	f->local_addr = "10.0.0.5";
	atomic_store(&created, 0);
	atomic_store(&destroyed, 0);
	return f;
}

static void fixture_free(struct fixture *f)
{
	dcom_exporter_shutdown(f->exp);
	uv_run(&f->loop, UV_RUN_DEFAULT);
	assert_int_equal(uv_loop_close(&f->loop), 0);
	talloc_free(f);
	assert_int_equal(atomic_load(&created), atomic_load(&destroyed));
}

/* Calls [op] of [iface] with [stub]; returns the status, the reply in
 * [*out] under [mem] (may be NULL). */
static uint32_t call_op(struct fixture *f,
                        const struct rpc_iface *iface,
                        uint16_t opnum,
                        const struct rpc_uuid *object,
                        const uint8_t *stub,
                        size_t len,
                        void *mem,
                        struct buf *out)
{
	struct rpc_call call;
	struct buf tmp;
	uint32_t st;

	memset(&call, 0, sizeof(call));
	call.mem = talloc_new(mem);
	call.opnum = opnum;
	call.has_object = object != NULL;
	if (object != NULL) {
		call.object = *object;
	}
	call.iface = iface;
	call.iface_arg = f->exp;
	call.identity.user = "admin";
	call.identity.domain = "WORKGROUP";
	call.identity.authenticated = true;
	call.identity.auth_level = 6;
	call.identity.from_unix_socket = f->unix_peer;
	call.identity.peer_addr = f->unix_peer ? "unix" : "10.0.0.9";
	call.local_addr = f->unix_peer ? "/run/openwmi/wmid.sock"
	                               : f->local_addr;
	assert_true(opnum < iface->n_ops && iface->ops[opnum].fn != NULL);
	if (out == NULL) {
		buf_init(&tmp, call.mem);
		out = &tmp;
	}
	st = iface->ops[opnum].fn(&call, stub, len, out);
	if (out == &tmp) {
		talloc_free(call.mem);
	}
	return st;
}

static uint8_t *stub_of(struct ndr_push *push, size_t *n)
{
	const uint8_t *p;

	assert_int_equal(ndr_push_blob(push, &p, n), NDR_ERR_SUCCESS);
	return (uint8_t *)p;
}

/* A valid RemoteCreateInstance stub for the test class (both IIDs). */
static uint8_t *activation_stub(void *mem, size_t *n)
{
	static const uint16_t tcp[] = { 7 };
	struct dcom_create_instance_req req;
	struct dcom_actprops props;
	struct ndr_push push;

	memset(&props, 0, sizeof(props));
	props.present = DCOM_ACTPROP_BIT(DCOM_ACTPROP_INSTANTIATION) |
	                DCOM_ACTPROP_BIT(DCOM_ACTPROP_SCM_REQUEST);
	props.inst.clsid = clsid_h;
	props.inst.n_iids = 2;
	props.inst.iids = (struct rpc_uuid *)iids_h;
	props.inst.client_version.major = 5;
	props.inst.client_version.minor = 7;
	props.scm_request.n_protseqs = 1;
	props.scm_request.protseqs = (uint16_t *)tcp;
	memset(&req, 0, sizeof(req));
	dcom_orpcthis_init(&req.orpcthis, &clsid_h);
	req.props = &props;
	assert_int_equal(ndr_push_init(&push, mem, 0, NULL), NDR_ERR_SUCCESS);
	assert_int_equal(dcom_create_instance_req_push(&push, &req),
	                 NDR_ERR_SUCCESS);
	return stub_of(&push, n);
}

/* Activates one object; returns its properties under [mem]. */
static struct dcom_actprops *activate(struct fixture *f, void *mem)
{
	struct dcom_activation_resp resp;
	struct ndr_pull ndr;
	struct buf out;
	size_t n;
	uint8_t *stub = activation_stub(mem, &n);

	buf_init(&out, mem);
	assert_int_equal(call_op(f, &dx_iface_scm_activator, 4, NULL, stub, n,
	                         mem, &out),
	                 0);
	assert_int_equal(
	        ndr_pull_init(&ndr, mem, (uint8_t *)out.data, out.len, 0, NULL),
	        NDR_ERR_SUCCESS);
	assert_int_equal(dcom_activation_resp_pull(&ndr, &resp),
	                 NDR_ERR_SUCCESS);
	assert_int_equal(resp.hr, 0);
	return (struct dcom_actprops *)resp.props;
}

static void test_bindings_follow_the_socket(void **state)
{
	struct fixture *f = fixture_new();
	void *mem = talloc_new(NULL);
	struct dcom_actprops *p;

	(void)state;
	p = activate(f, mem);
	assert_int_equal(p->props_out.n, 2);
	assert_int_equal(p->scm_reply.oxid_bindings.n_str, 2);
	assert_string_equal(p->scm_reply.oxid_bindings.str[0].addr,
	                    "10.0.0.5[49999]");
	assert_string_equal(p->scm_reply.oxid_bindings.str[1].addr,
	                    "HOST[49999]");
	/* A late port; an IPv6 socket; a Unix socket has no address. */
	dcom_exporter_set_port(f->exp, 50001);
	f->local_addr = "::1";
	p = activate(f, mem);
	assert_string_equal(p->scm_reply.oxid_bindings.str[0].addr,
	                    "::1[50001]");
	f->unix_peer = true;
	p = activate(f, mem);
	assert_int_equal(p->scm_reply.oxid_bindings.n_str, 1);
	assert_string_equal(p->scm_reply.oxid_bindings.str[0].addr,
	                    "HOST[50001]");
	talloc_free(mem);
	fixture_free(f);
	assert_int_equal(atomic_load(&destroyed), 3);
}

/* Every prefix and [flips] seeded single-bit flips of [stub]. */
static void hostile(struct fixture *f,
                    const struct rpc_iface *iface,
                    uint16_t opnum,
                    const struct rpc_uuid *object,
                    const uint8_t *stub,
                    size_t n,
                    unsigned flips)
{
	uint8_t *copy = malloc(n != 0 ? n : 1);
	uint32_t seed = 0x2545f491u ^ opnum;

	assert_non_null(copy);
	for (size_t k = 0; k < n; k++) {
		uint32_t st = call_op(f, iface, opnum, object, stub, k, NULL,
		                      NULL);

		/* A prefix decodes only if the tail was optional; most are
		 * faults, never a crash. */
		(void)st;
	}
	for (unsigned i = 0; i < flips && n != 0; i++) {
		size_t pos;

		seed = seed * 1103515245u + 12345u;
		pos = (seed >> 8) % n;
		memcpy(copy, stub, n);
		copy[pos] ^= (uint8_t)(1u << (seed >> 28 & 7));
		if (i & 1) {
			seed = seed * 1103515245u + 12345u;
			copy[(seed >> 8) % n] = (uint8_t)(seed >> 24);
		}
		call_op(f, iface, opnum, object, copy, n, NULL, NULL);
	}
	free(copy);
}

static void test_hostile_stubs(void **state)
{
	struct fixture *f = fixture_new();
	void *mem = talloc_new(NULL);
	struct rpc_uuid ru = dcom_exporter_remunknown_ipid(f->exp);
	struct dcom_actprops *p = activate(f, mem);
	struct rpc_uuid ipid = p->props_out.ifaces[0]->std.ipid;
	uint64_t oid = p->props_out.ifaces[0]->std.oid;
	struct dcom_exporter_stats st;
	struct ndr_push push;
	uint8_t *stub;
	size_t n;

	(void)state;
	/* Activation. */
	stub = activation_stub(mem, &n);
	hostile(f, &dx_iface_scm_activator, 4, NULL, stub, n, 3000);
	hostile(f, &dx_iface_scm_activator, 3, NULL, stub + 4, n - 4, 500);
	/* Pings and resolution. */
	{
		uint64_t add[2] = { oid, 0 };
		struct dcom_complex_ping_req cp = { 0, 0, 2, 1, add, &add[1] };
		struct dcom_resolve_oxid_req ro = { dcom_exporter_oxid(f->exp),
			                            0, NULL };

		assert_int_equal(ndr_push_init(&push, mem, 0, NULL),
		                 NDR_ERR_SUCCESS);
		dcom_complex_ping_req_push(&push, &cp);
		stub = stub_of(&push, &n);
		assert_int_equal(call_op(f, &dx_iface_object_exporter, 2, NULL,
		                         stub, n, NULL, NULL),
		                 0);
		hostile(f, &dx_iface_object_exporter, 2, NULL, stub, n, 3000);
		assert_int_equal(ndr_push_init(&push, mem, 0, NULL),
		                 NDR_ERR_SUCCESS);
		dcom_resolve_oxid_req_push(&push, &ro);
		stub = stub_of(&push, &n);
		hostile(f, &dx_iface_object_exporter, 0, NULL, stub, n, 500);
		hostile(f, &dx_iface_object_exporter, 4, NULL, stub, n, 500);
		hostile(f, &dx_iface_object_exporter, 1, NULL, stub, 8, 200);
	}
	/* IRemUnknown(2): QI first (adds references), release last. */
	{
		struct dcom_rem_qi_req qi;
		struct dcom_rem_qi2_req qi2;
		struct dcom_reminterfaceref ref = { ipid, 1, 0 };
		struct dcom_rem_refs_req rr;

		memset(&qi, 0, sizeof(qi));
		dcom_orpcthis_init(&qi.orpcthis, &clsid_h);
		qi.ipid = ipid;
		qi.refs = 1;
		qi.n_iids = 2;
		qi.iids = (struct rpc_uuid *)iids_h;
		assert_int_equal(ndr_push_init(&push, mem, 0, NULL),
		                 NDR_ERR_SUCCESS);
		dcom_rem_qi_req_push(&push, &qi);
		stub = stub_of(&push, &n);
		hostile(f, &dx_iface_remunknown2, 3, &ru, stub, n, 2000);
		memset(&qi2, 0, sizeof(qi2));
		qi2.orpcthis = qi.orpcthis;
		qi2.ipid = ipid;
		qi2.n_iids = 2;
		qi2.iids = (struct rpc_uuid *)iids_h;
		assert_int_equal(ndr_push_init(&push, mem, 0, NULL),
		                 NDR_ERR_SUCCESS);
		dcom_rem_qi2_req_push(&push, &qi2);
		stub = stub_of(&push, &n);
		hostile(f, &dx_iface_remunknown2, 6, &ru, stub, n, 2000);
		memset(&rr, 0, sizeof(rr));
		rr.orpcthis = qi.orpcthis;
		rr.n = 1;
		rr.refs = &ref;
		assert_int_equal(ndr_push_init(&push, mem, 0, NULL),
		                 NDR_ERR_SUCCESS);
		dcom_rem_refs_req_push(&push, &rr);
		stub = stub_of(&push, &n);
		hostile(f, &dx_iface_remunknown, 4, &ru, stub, n, 2000);
		hostile(f, &dx_iface_remunknown, 5, &ru, stub, n, 2000);
		/* The wrong object UUID: refused before decoding. */
		assert_int_equal(call_op(f, &dx_iface_remunknown, 5, &ipid,
		                         stub, n, NULL, NULL),
		                 HRV_RPC_E_INVALID_OBJECT);
	}
	dcom_exporter_stats(f->exp, &st);
	assert_true(st.objects >= 1);
	assert_true(st.exported == st.objects + st.destroyed);
	print_message(
	        "after hostile stubs: %llu objects, %llu exported, %llu activations, %llu pings, %llu sets\n",
	        (unsigned long long)st.objects, (unsigned long long)st.exported,
	        (unsigned long long)st.activations,
	        (unsigned long long)st.pings, (unsigned long long)st.sets);
	talloc_free(mem);
	fixture_free(f);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_bindings_follow_the_socket),
		cmocka_unit_test(test_hostile_stubs),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
