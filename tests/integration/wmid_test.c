/*
 * wmid_test: wmid plus a test-only interface (tests only; never
 * installed).  It runs the same service core as wmid (daemon/daemon.h)
 * with a setup hook that serves the interface below on the object
 * exporter port and the Unix socket and announces it in the endpoint map.
 *
 * Interface WMIDTEST_UUID v1.0, minimum authentication level from the
 * config (integrity by default), no anonymous callers:
 *   opnum 0  Echo     returns the request stub unchanged
 *   opnum 1  WhoAmI   returns the caller's user name (UTF-8, no NUL)
 *   opnum 2  Sleep    u32 milliseconds (at most 10000): sleeps on the
 *                     worker pool, then returns "done" (for in-flight
 *                     calls during a stop)
 *   opnum 3  DcomStats  no input; returns the DCOM runtime's counters
 *                     (dcom_exporter_stats) as eight u64 little-endian,
 *                     64 octets: objects, ipids, sets, exported,
 *                     destroyed, collected, activations, pings
 *
 * And a test-only activatable DCOM class (not in the endpoint map), so
 * activation, IRemUnknown and pinging can be exercised before the WMI
 * layer exists:
 *   CLSID_WMIDTEST_OBJ 7a1f0c3e-5b2d-4c8e-9f60-0123456789ac creates an
 *   object answering IID_WMIDTEST_OBJ 7a1f0c3e-5b2d-4c8e-9f60-
 *   0123456789ad (v0.0), an ORPC interface with
 *     opnum 3  Ping    ORPCTHIS -> ORPCTHAT, u32 0x5eed1234, HRESULT 0
 *   (the object UUID is the IPID; the exporter's access hook applies).
 */
#include <stdint.h>
#include <string.h>
#include <time.h>

#include <stdlib.h>

#include "daemon/daemon.h"
#include "dcom/exporter.h"
#include "dcom/orpc.h"
#include "rpc/fault.h"

/* 7a1f0c3e-5b2d-4c8e-9f60-0123456789ab */
#define WMIDTEST_UUID                                       \
	{                                                   \
		0x7a1f0c3e, 0x5b2d, 0x4c8e, { 0x9f, 0x60 }, \
		{                                           \
			0x01, 0x23, 0x45, 0x67, 0x89, 0xab  \
		}                                           \
	}

static uint32_t op_echo(struct rpc_call *call,
                        const uint8_t *stub,
                        size_t len,
                        struct buf *out)
{
	(void)call;
	return hr_failed(buf_add(out, stub, len))
	               ? RPC_FAULT_NCA_S_FAULT_REMOTE_NO_MEMORY
	               : 0;
}

static uint32_t op_whoami(struct rpc_call *call,
                          const uint8_t *stub,
                          size_t len,
                          struct buf *out)
{
	(void)stub;
	(void)len;
	return hr_failed(buf_addstr(out, call->identity.user))
	               ? RPC_FAULT_NCA_S_FAULT_REMOTE_NO_MEMORY
	               : 0;
}

static uint32_t op_sleep(struct rpc_call *call,
                         const uint8_t *stub,
                         size_t len,
                         struct buf *out)
{
	uint32_t ms;
	struct timespec ts;

	(void)call;
	if (len != 4) {
		return RPC_FAULT_RPC_X_BAD_STUB_DATA;
	}
	ms = (uint32_t)stub[0] | (uint32_t)stub[1] << 8 |
	     (uint32_t)stub[2] << 16 | (uint32_t)stub[3] << 24;
	if (ms > 10000) {
		return RPC_FAULT_RPC_X_BAD_STUB_DATA;
	}
	ts.tv_sec = ms / 1000;
	ts.tv_nsec = (long)(ms % 1000) * 1000000L;
	while (nanosleep(&ts, &ts) != 0) {
	}
	return hr_failed(buf_addstr(out, "done"))
	               ? RPC_FAULT_NCA_S_FAULT_REMOTE_NO_MEMORY
	               : 0;
}

static uint32_t op_dcom_stats(struct rpc_call *call,
                              const uint8_t *stub,
                              size_t len,
                              struct buf *out)
{
	struct dcom_exporter_stats st;
	const uint64_t *v[8] = { &st.objects,     &st.ipids,     &st.sets,
		                 &st.exported,    &st.destroyed, &st.collected,
		                 &st.activations, &st.pings };

	(void)stub;
	if (len != 0) {
		return RPC_FAULT_RPC_X_BAD_STUB_DATA;
	}
	dcom_exporter_stats(call->iface_arg, &st);
	for (int i = 0; i < 8; i++) {
		if (hr_failed(buf_add_u64le(out, *v[i]))) {
			return RPC_FAULT_NCA_S_FAULT_REMOTE_NO_MEMORY;
		}
	}
	return 0;
}

static const struct rpc_op test_ops[] = {
	{ op_echo, "Echo" },
	{ op_whoami, "WhoAmI" },
	{ op_sleep, "Sleep" },
	{ op_dcom_stats, "DcomStats" },
};

static const struct rpc_iface test_iface = {
	.name = "WmidTest",
	.syntax = { .uuid = WMIDTEST_UUID, .ver_major = 1, .ver_minor = 0 },
	.n_ops = sizeof(test_ops) / sizeof(test_ops[0]),
	.ops = test_ops,
	.min_auth_level = 0,
	.flags = 0,
	.run_inline = false,
};

/* ---- the test DCOM class ---- */

#define OBJ_MAGIC 0x5eed1234u

static const struct rpc_uuid clsid_obj = { 0x7a1f0c3e,
	                                   0x5b2d,
	                                   0x4c8e,
	                                   { 0x9f, 0x60 },
	                                   { 0x01, 0x23, 0x45, 0x67, 0x89,
	                                     0xac } };
static const struct rpc_uuid iid_obj = { 0x7a1f0c3e,
	                                 0x5b2d,
	                                 0x4c8e,
	                                 { 0x9f, 0x60 },
	                                 { 0x01, 0x23, 0x45, 0x67, 0x89,
	                                   0xad } };

static void obj_destroy(void *impl)
{
	free(impl);
}

static const struct dcom_object_type obj_type = {
	.name = "WmidTestObject",
	.n_iids = 1,
	.iids = &iid_obj,
	.destroy = obj_destroy,
};

static hresult obj_create(void *arg,
                          const struct rpc_identity *who,
                          void **impl,
                          const struct dcom_object_type **type)
{
	uint32_t *o = malloc(sizeof(*o));

	(void)arg;
	(void)who;
	if (o == NULL) {
		return HR_E_OUTOFMEMORY;
	}
	*o = OBJ_MAGIC;
	*impl = o;
	*type = &obj_type;
	return HR_OK;
}

static const struct dcom_class obj_class = {
	.clsid = &clsid_obj,
	.name = "WmidTestObject",
	.create = obj_create,
	.arg = NULL,
};

static uint32_t op_obj_ping(struct rpc_call *call,
                            const uint8_t *stub,
                            size_t len,
                            struct buf *out)
{
	struct dcom_exporter *exp = call->iface_arg;
	struct dcom_orpcthat that = { 0 };
	struct ndr_push push;
	struct ndr_pull ndr;
	const uint8_t *p;
	size_t n;
	void *impl;
	uint32_t st = dcom_call_begin(exp, call, stub, len, &iid_obj, NULL,
	                              &ndr, NULL, &impl);

	if (st != 0) {
		return st;
	}
	st = RPC_FAULT_NCA_S_FAULT_REMOTE_NO_MEMORY;
	if (ndr_push_init(&push, call->mem, 0, NULL) == NDR_ERR_SUCCESS) {
		dcom_orpcthat_push(&push, &that);
		ndr_push_u32(&push, *(uint32_t *)impl);
		ndr_push_u32(&push, 0);
		if (ndr_push_blob(&push, &p, &n) == NDR_ERR_SUCCESS &&
		    hr_ok(buf_add(out, p, n))) {
			st = 0;
		}
	}
	dcom_call_end(exp, call);
	return st;
}

static const struct rpc_op obj_ops[] = {
	[3] = { op_obj_ping, "Ping" },
};

static const struct rpc_iface obj_iface = {
	.name = "IWmidTestObject",
	.syntax = { .uuid = { 0x7a1f0c3e,
	                      0x5b2d,
	                      0x4c8e,
	                      { 0x9f, 0x60 },
	                      { 0x01, 0x23, 0x45, 0x67, 0x89, 0xad } },
	            .ver_major = 0,
	            .ver_minor = 0 },
	.n_ops = 4,
	.ops = obj_ops,
};

static hresult setup(void *arg, struct wmid *d)
{
	struct dcom_exporter *exp = wmid_exporter(d);
	hresult hr;

	(void)arg;
	hr = wmid_register_iface(d, &test_iface, exp, "OpenWMI test interface",
	                         WMID_ON_EXPORTER);
	if (hr_ok(hr)) {
		hr = dcom_exporter_add_class(exp, &obj_class);
	}
	if (hr_ok(hr)) {
		hr = dcom_exporter_serve(exp, &obj_iface, exp);
	}
	return hr;
}

int main(int argc, char **argv)
{
	const struct wmid_hooks hooks = { .setup = setup, .arg = NULL };

	return wmid_main(argc, argv, &hooks);
}
