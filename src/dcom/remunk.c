/*
 * remunk: IRemUnknown (00000131) and IRemUnknown2 (00000143) of the
 * exporter (dcom layer; MS-DCOM 3.1.1.5.6, 3.1.1.5.7; interop notes 6.6).
 *
 * Served with object UUID = the exporter's IRemUnknown IPID; another (or
 * no) object UUID is fault RPC_E_INVALID_OBJECT, a COM version other than
 * 5.x with x <= 7 fault RPC_E_VERSION_MISMATCH, the access hook's refusal
 * (DCOM_ACCESS_CALL) a fault with its HRESULT, as dcom_call_begin does.
 *
 *   3 RemQueryInterface   the IPID must be live (else the method returns
 *                         RPC_E_INVALID_OBJECT with no results); per IID:
 *                         the existing IPID of that IID on the object with
 *                         cRefs more, or a new one when the type lists it,
 *                         else E_NOINTERFACE.  Method result S_OK, S_FALSE
 *                         (some failed) or E_NOINTERFACE (all failed).
 *   4 RemAddRef           per entry: S_OK, or CO_E_OBJNOTREG for an IPID
 *                         that is not live.  Counts saturate.
 *   5 RemRelease          always S_OK: counts clamp at 0; unknown and
 *                         GUID_NULL IPIDs are ignored (impacket).  An
 *                         object whose IPIDs all reach 0 goes at once (or
 *                         when the last call pinning it ends).
 *   6 RemQueryInterface2  as 3, with OBJREF_STANDARDs of 5 references
 *                         (IRemUnknown2 only).
 * A call through any of them refreshes the object's idle time.
 */
#include <string.h>
#include <talloc.h>

#include "dcom/exporter-int.h"
#include "dcom/objref.h"
#include "dcom/stubs.h"
#include "rpc/fault.h"

#define QI2_REFS 5

/* Opens the stub and checks what every method shares. */
static uint32_t remunk_open(struct rpc_call *call,
                            const uint8_t *stub,
                            size_t len,
                            struct ndr_pull *ndr)
{
	struct dcom_exporter *exp = call->iface_arg;
	hresult hr;

	if (!call->has_object ||
	    !rpc_uuid_equal(&call->object, &exp->remunk_ipid)) {
		return HRV_RPC_E_INVALID_OBJECT;
	}
	hr = dx_check_access(exp, &call->identity, DCOM_ACCESS_CALL);
	if (hr_failed(hr)) {
		return hr.v;
	}
	return dx_pull_open(call, stub, len, ndr);
}

static uint32_t pull_done(struct ndr_pull *ndr,
                          enum ndr_err err,
                          const struct dcom_orpcthis *this_)
{
	if (err != NDR_ERR_SUCCESS || ndr_pull_finish(ndr) != NDR_ERR_SUCCESS) {
		return ndr_err_to_fault(ndr->err);
	}
	return dx_version_ok(&this_->version) ? 0 : HRV_RPC_E_VERSION_MISMATCH;
}

/* The QI of both versions: per IID a result and a STDOBJREF. */
static hresult query(struct dcom_exporter *exp,
                     const struct rpc_uuid *ipid,
                     uint32_t refs,
                     uint16_t n,
                     const struct rpc_uuid *iids,
                     uint32_t *hrs,
                     struct dcom_stdobjref *std)
{
	struct dx_ipid *ip;
	uint32_t failed = 0;

	pthread_mutex_lock(&exp->mu);
	ip = dx_ipid_find(exp, ipid);
	if (ip == NULL) {
		pthread_mutex_unlock(&exp->mu);
		return HR_RPC_E_INVALID_OBJECT;
	}
	ip->obj->idle_since_ms = dx_now_ms();
	for (uint16_t i = 0; i < n; i++) {
		struct dx_ipid *got = NULL;
		hresult hr = dx_obj_iface(exp, ip->obj, &iids[i], refs, &got);

		hrs[i] = hr.v;
		memset(&std[i], 0, sizeof(std[i]));
		if (hr_ok(hr)) {
			dx_stdobjref(exp, got, refs, &std[i]);
		} else {
			failed++;
		}
	}
	pthread_mutex_unlock(&exp->mu);
	if (failed == 0) {
		return HR_OK;
	}
	return failed == n ? HR_E_NOINTERFACE : HR_S_FALSE;
}

static uint32_t op_rem_qi(struct rpc_call *call,
                          const uint8_t *stub,
                          size_t len,
                          struct buf *out)
{
	struct dcom_exporter *exp = call->iface_arg;
	struct dcom_rem_qi_req req;
	struct dcom_rem_qi_resp resp;
	struct dcom_stdobjref *std;
	uint32_t *hrs;
	struct ndr_pull ndr;
	struct ndr_push push;
	enum ndr_err err;
	uint32_t st;
	hresult hr;

	if ((st = remunk_open(call, stub, len, &ndr)) != 0) {
		return st;
	}
	err = dcom_rem_qi_req_pull(&ndr, &req);
	if ((st = pull_done(&ndr, err, &req.orpcthis)) != 0) {
		return st;
	}
	memset(&resp, 0, sizeof(resp));
	std = talloc_zero_array(call->mem, struct dcom_stdobjref, req.n_iids);
	hrs = talloc_zero_array(call->mem, uint32_t, req.n_iids);
	resp.results = talloc_zero_array(call->mem, struct dcom_remqiresult,
	                                 req.n_iids);
	if (std == NULL || hrs == NULL || resp.results == NULL) {
		return RPC_FAULT_NCA_S_FAULT_REMOTE_NO_MEMORY;
	}
	hr = query(exp, &req.ipid, req.refs, req.n_iids, req.iids, hrs, std);
	if (hr_eq(hr, HR_RPC_E_INVALID_OBJECT)) {
		resp.results = NULL;
	} else {
		resp.n = req.n_iids;
		for (uint16_t i = 0; i < req.n_iids; i++) {
			resp.results[i].hr = hrs[i];
			resp.results[i].std = std[i];
		}
	}
	resp.hr = hr.v;
	if ((st = dx_push_open(call, &push)) != 0) {
		return st;
	}
	dcom_rem_qi_resp_push(&push, &resp);
	return dx_reply(&push, out);
}

static uint32_t op_rem_addref(struct rpc_call *call,
                              const uint8_t *stub,
                              size_t len,
                              struct buf *out)
{
	struct dcom_exporter *exp = call->iface_arg;
	struct dcom_rem_refs_req req;
	struct dcom_rem_addref_resp resp;
	struct ndr_pull ndr;
	struct ndr_push push;
	enum ndr_err err;
	uint32_t st;

	if ((st = remunk_open(call, stub, len, &ndr)) != 0) {
		return st;
	}
	err = dcom_rem_refs_req_pull(&ndr, &req);
	if ((st = pull_done(&ndr, err, &req.orpcthis)) != 0) {
		return st;
	}
	memset(&resp, 0, sizeof(resp));
	resp.n = req.n;
	resp.results = talloc_zero_array(call->mem, uint32_t, req.n);
	if (resp.results == NULL) {
		return RPC_FAULT_NCA_S_FAULT_REMOTE_NO_MEMORY;
	}
	pthread_mutex_lock(&exp->mu);
	for (uint16_t i = 0; i < req.n; i++) {
		struct dx_ipid *ip = dx_ipid_find(exp, &req.refs[i].ipid);
		uint32_t a, b;

		if (ip == NULL) {
			resp.results[i] = HRV_CO_E_OBJNOTREG;
			continue;
		}
		a = req.refs[i].public_refs;
		b = req.refs[i].private_refs;
		ip->refs = ip->refs > UINT32_MAX - a ? UINT32_MAX
		                                     : ip->refs + a;
		ip->priv = ip->priv > UINT32_MAX - b ? UINT32_MAX
		                                     : ip->priv + b;
		ip->obj->idle_since_ms = dx_now_ms();
	}
	pthread_mutex_unlock(&exp->mu);
	resp.hr = 0;
	if ((st = dx_push_open(call, &push)) != 0) {
		return st;
	}
	dcom_rem_addref_resp_push(&push, &resp);
	return dx_reply(&push, out);
}

static uint32_t op_rem_release(struct rpc_call *call,
                               const uint8_t *stub,
                               size_t len,
                               struct buf *out)
{
	struct dcom_exporter *exp = call->iface_arg;
	struct dcom_rem_refs_req req;
	struct dcom_orpc_hr_resp resp;
	struct dx_obj *victims = NULL;
	struct ndr_pull ndr;
	struct ndr_push push;
	enum ndr_err err;
	uint32_t st;

	if ((st = remunk_open(call, stub, len, &ndr)) != 0) {
		return st;
	}
	err = dcom_rem_refs_req_pull(&ndr, &req);
	if ((st = pull_done(&ndr, err, &req.orpcthis)) != 0) {
		return st;
	}
	pthread_mutex_lock(&exp->mu);
	for (uint16_t i = 0; i < req.n; i++) {
		struct dx_ipid *ip = dx_ipid_find(exp, &req.refs[i].ipid);
		uint32_t a = req.refs[i].public_refs;
		uint32_t b = req.refs[i].private_refs;

		if (ip == NULL) {
			continue; /* unknown or GUID_NULL: S_OK all the same */
		}
		ip->refs = ip->refs > a ? ip->refs - a : 0;
		ip->priv = ip->priv > b ? ip->priv - b : 0;
		dx_kill_if_unreferenced(exp, ip->obj, &victims);
	}
	pthread_mutex_unlock(&exp->mu);
	dx_destroy_victims(victims);
	memset(&resp, 0, sizeof(resp));
	if ((st = dx_push_open(call, &push)) != 0) {
		return st;
	}
	dcom_orpc_hr_resp_push(&push, &resp);
	return dx_reply(&push, out);
}

static uint32_t op_rem_qi2(struct rpc_call *call,
                           const uint8_t *stub,
                           size_t len,
                           struct buf *out)
{
	struct dcom_exporter *exp = call->iface_arg;
	struct dcom_rem_qi2_req req;
	struct dcom_rem_qi2_resp resp;
	struct dcom_stdobjref *std;
	struct dcom_dsa res;
	struct ndr_pull ndr;
	struct ndr_push push;
	enum ndr_err err;
	uint32_t st;
	hresult hr;

	if ((st = remunk_open(call, stub, len, &ndr)) != 0) {
		return st;
	}
	err = dcom_rem_qi2_req_pull(&ndr, &req);
	if ((st = pull_done(&ndr, err, &req.orpcthis)) != 0) {
		return st;
	}
	memset(&resp, 0, sizeof(resp));
	std = talloc_zero_array(call->mem, struct dcom_stdobjref, req.n_iids);
	resp.hrs = talloc_zero_array(call->mem, uint32_t, req.n_iids);
	resp.mifs = talloc_zero_array(call->mem, struct dcom_objref *,
	                              req.n_iids);
	if (std == NULL || resp.hrs == NULL || resp.mifs == NULL ||
	    hr_failed(dx_bindings(exp, call->mem, NULL, 0, &res))) {
		return RPC_FAULT_NCA_S_FAULT_REMOTE_NO_MEMORY;
	}
	hr = query(exp, &req.ipid, QI2_REFS, req.n_iids, req.iids, resp.hrs,
	           std);
	if (hr_eq(hr, HR_RPC_E_INVALID_OBJECT)) {
		resp.hrs = NULL;
		resp.mifs = NULL;
	} else {
		resp.n = req.n_iids;
		for (uint16_t i = 0; i < req.n_iids; i++) {
			if (hr_failed(HR(resp.hrs[i]))) {
				continue;
			}
			resp.mifs[i] = talloc_zero(call->mem,
			                           struct dcom_objref);
			if (resp.mifs[i] == NULL) {
				return RPC_FAULT_NCA_S_FAULT_REMOTE_NO_MEMORY;
			}
			dcom_objref_standard(resp.mifs[i], &req.iids[i],
			                     &std[i], &res);
		}
	}
	resp.hr = hr.v;
	if ((st = dx_push_open(call, &push)) != 0) {
		return st;
	}
	dcom_rem_qi2_resp_push(&push, &resp);
	return dx_reply(&push, out);
}

static const struct rpc_op remunk_ops[] = {
	[DCOM_OP_REM_QUERY_INTERFACE] = { op_rem_qi, "RemQueryInterface" },
	[DCOM_OP_REM_ADD_REF] = { op_rem_addref, "RemAddRef" },
	[DCOM_OP_REM_RELEASE] = { op_rem_release, "RemRelease" },
	[DCOM_OP_REM_QUERY_INTERFACE2] = { op_rem_qi2, "RemQueryInterface2" },
};

const struct rpc_iface dx_iface_remunknown = {
	.name = "IRemUnknown",
	.syntax = {
		.uuid = { 0x00000131, 0x0000, 0x0000, { 0xc0, 0x00 },
		          { 0x00, 0x00, 0x00, 0x00, 0x00, 0x46 } },
		.ver_major = 0,
		.ver_minor = 0,
	},
	.n_ops = DCOM_OP_REM_RELEASE + 1,
	.ops = remunk_ops,
	.min_auth_level = 0,
	.flags = 0,
	.run_inline = false,
};

const struct rpc_iface dx_iface_remunknown2 = {
	.name = "IRemUnknown2",
	.syntax = {
		.uuid = { 0x00000143, 0x0000, 0x0000, { 0xc0, 0x00 },
		          { 0x00, 0x00, 0x00, 0x00, 0x00, 0x46 } },
		.ver_major = 0,
		.ver_minor = 0,
	},
	.n_ops = DCOM_OP_REM_QUERY_INTERFACE2 + 1,
	.ops = remunk_ops,
	.min_auth_level = 0,
	.flags = 0,
	.run_inline = false,
};
