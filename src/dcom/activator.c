/*
 * activator: IRemoteSCMActivator on the server (dcom layer; MS-DCOM
 * 3.1.2.5.2.3; interop notes 4.2).
 *
 * RemoteCreateInstance (opnum 4), in this order:
 *   ORPCTHIS and InstantiationInfoData.clientCOMVersion: major 5, minor
 *     <= 7, else RPC_E_VERSION_MISMATCH;
 *   no ActivationPropertiesIn or no InstantiationInfoData: E_INVALIDARG;
 *   the access hook (DCOM_ACCESS_LAUNCH): its refusal (E_ACCESSDENIED);
 *   an unregistered CLSID: REGDB_E_CLASSNOTREG;
 *   the class's create(), then one IPID per requested IID that the type
 *     lists (E_NOINTERFACE per IID otherwise; E_NOINTERFACE for the
 *     method when none is listed);
 *   the reply: PropsOutInfo (per-IID results and OBJREF_STANDARDs with 5
 *     public references), then ScmReplyInfo (OXID, string bindings
 *     "addr[port]" with the local address of the activation socket first,
 *     then the binding names; the IRemUnknown IPID; authnHint; 5.7).
 * Every refusal is the method HRESULT with a NULL ppActProperties, never
 * a fault; a request stub that does not decode is fault nca_s_fault_ndr.
 * Tolerated: pIFDClientCtx NULL, ORPCTHIS.flags, thisSize, classCtx,
 * destCtx, ClientImpLevel, a protseq list without ncacn_ip_tcp (we offer
 * TCP bindings anyway).
 *
 * RemoteGetClassObject (opnum 3): the same checks; for a registered class
 * E_NOINTERFACE, because no class publishes a class factory object (our
 * classes are created only through RemoteCreateInstance).  For COM 5.6+
 * clients Windows answers with an OBJREF_CUSTOM "class factory wrapper"
 * ([MS-COM] 2.2.5) that turns the client's CreateInstance back into
 * RemoteCreateInstance; not implemented.
 */
#include <string.h>
#include <talloc.h>

#include "dcom/exporter-int.h"
#include "dcom/objref.h"
#include "dcom/stubs.h"
#include "rpc/fault.h"

/* Public references handed to the client per interface (as Windows). */
#define ACT_REFS 5

static const struct dcom_class *class_find(struct dcom_exporter *exp,
                                           const struct rpc_uuid *clsid)
{
	const struct dcom_class *cls = NULL;

	pthread_mutex_lock(&exp->mu);
	for (size_t i = 0; i < exp->n_classes; i++) {
		if (rpc_uuid_equal(exp->classes[i]->clsid, clsid)) {
			cls = exp->classes[i];
			break;
		}
	}
	pthread_mutex_unlock(&exp->mu);
	return cls;
}

/* The checks both methods share; the class in *cls. */
static hresult act_check(struct dcom_exporter *exp,
                         struct rpc_call *call,
                         const struct dcom_orpcthis *this_,
                         const struct dcom_actprops *props,
                         const struct dcom_class **cls)
{
	hresult hr;

	if (!dx_version_ok(&this_->version)) {
		return HR_RPC_E_VERSION_MISMATCH;
	}
	if (props == NULL ||
	    !(props->present & DCOM_ACTPROP_BIT(DCOM_ACTPROP_INSTANTIATION))) {
		return HR_E_INVALIDARG;
	}
	if (!dx_version_ok(&props->inst.client_version)) {
		return HR_RPC_E_VERSION_MISMATCH;
	}
	hr = dx_check_access_class(exp, &call->identity, DCOM_ACCESS_LAUNCH,
	                           &props->inst.clsid);
	if (hr_failed(hr)) {
		return hr;
	}
	*cls = class_find(exp, &props->inst.clsid);
	return *cls != NULL ? HR_OK : HR_REGDB_E_CLASSNOTREG;
}

/* Creates, exports and describes the new object in [out] (under
 * call->mem); *oid gets its OID for cleanup. */
static hresult activate(struct dcom_exporter *exp,
                        struct rpc_call *call,
                        const struct dcom_class *cls,
                        const struct dcom_instantiation_info *inst,
                        struct dcom_actprops *out,
                        uint64_t *oid)
{
	const struct dcom_object_type *type = NULL;
	struct dcom_stdobjref *std;
	struct dcom_objref **ifaces;
	struct dcom_dsa *bindings, res;
	uint32_t *hrs;
	void *impl = NULL;
	uint32_t n = inst->n_iids;
	hresult hr;

	*oid = 0;
	std = talloc_zero_array(call->mem, struct dcom_stdobjref, n);
	ifaces = talloc_zero_array(call->mem, struct dcom_objref *, n);
	hrs = talloc_zero_array(call->mem, uint32_t, n);
	bindings = talloc_zero(call->mem, struct dcom_dsa);
	if (std == NULL || ifaces == NULL || hrs == NULL || bindings == NULL) {
		return HR_E_OUTOFMEMORY;
	}
	hr = dx_bindings(exp, call->mem,
	                 call->identity.from_unix_socket ? NULL
	                                                 : call->local_addr,
	                 dx_port(exp), bindings);
	if (hr_ok(hr)) {
		hr = dx_bindings(exp, call->mem, NULL, 0, &res);
	}
	if (hr_failed(hr)) {
		return hr;
	}
	hr = cls->create(cls->arg, &call->identity, &impl, &type);
	if (hr_failed(hr)) {
		return hr;
	}
	if (type == NULL) {
		return HR_E_UNEXPECTED;
	}
	pthread_mutex_lock(&exp->mu);
	hr = dx_export_locked(exp, impl, type, inst->iids, n, ACT_REFS, hrs,
	                      std);
	if (hr_ok(hr)) {
		exp->st.activations++;
	}
	pthread_mutex_unlock(&exp->mu);
	if (hr_failed(hr)) {
		if (type->destroy != NULL) {
			type->destroy(impl);
		}
		return hr;
	}
	for (uint32_t i = 0; i < n; i++) {
		if (hr_failed(HR(hrs[i]))) {
			continue;
		}
		*oid = std[i].oid;
		ifaces[i] = talloc_zero(call->mem, struct dcom_objref);
		if (ifaces[i] == NULL) {
			return HR_E_OUTOFMEMORY;
		}
		dcom_objref_standard(ifaces[i], &inst->iids[i], &std[i], &res);
	}
	dcom_actprops_out_init(out, n, inst->iids, hrs, ifaces, exp->oxid,
	                       bindings, &exp->remunk_ipid, exp->authn_hint);
	return HR_OK;
}

static uint32_t op_create_instance(struct rpc_call *call,
                                   const uint8_t *stub,
                                   size_t len,
                                   struct buf *out)
{
	struct dcom_exporter *exp = call->iface_arg;
	struct dcom_create_instance_req req;
	struct dcom_activation_resp resp;
	struct dcom_actprops props;
	const struct dcom_class *cls = NULL;
	struct ndr_pull ndr;
	struct ndr_push push;
	uint64_t oid = 0;
	uint32_t st;
	hresult hr;

	if ((st = dx_pull_open(call, stub, len, &ndr)) != 0) {
		return st;
	}
	if (dcom_create_instance_req_pull(&ndr, &req) != NDR_ERR_SUCCESS ||
	    ndr_pull_finish(&ndr) != NDR_ERR_SUCCESS) {
		log_msg(call->log, LOG_LVL_DEBUG, DX_COMPONENT,
		        "RemoteCreateInstance: bad stub at %zu: %s (%s)",
		        ndr.err_pos, ndr_err_name(ndr.err),
		        ndr.err_what != NULL ? ndr.err_what : "");
		return ndr_err_to_fault(ndr.err);
	}
	memset(&resp, 0, sizeof(resp));
	hr = act_check(exp, call, &req.orpcthis, req.props, &cls);
	if (hr_ok(hr)) {
		hr = activate(exp, call, cls, &req.props->inst, &props, &oid);
	}
	if (hr_failed(hr) && oid != 0) {
		dx_drop_oid(exp, oid);
	}
	resp.hr = hr.v;
	resp.props = hr_ok(hr) ? &props : NULL;
	if (hr_failed(hr)) {
		log_msg(call->log, LOG_LVL_INFO, DX_COMPONENT,
		        "RemoteCreateInstance by '%s' from %s: %s",
		        call->identity.user, call->identity.peer_addr,
		        hr_name(hr));
	}
	st = dx_push_open(call, &push);
	if (st == 0) {
		dcom_activation_resp_push(&push, &resp);
		st = dx_reply(&push, out);
	}
	if (st != 0 && oid != 0 && hr_ok(hr)) {
		dx_drop_oid(exp, oid); /* the client never sees it */
	}
	return st;
}

static uint32_t op_get_class_object(struct rpc_call *call,
                                    const uint8_t *stub,
                                    size_t len,
                                    struct buf *out)
{
	struct dcom_exporter *exp = call->iface_arg;
	struct dcom_get_class_object_req req;
	struct dcom_activation_resp resp;
	const struct dcom_class *cls = NULL;
	struct ndr_pull ndr;
	struct ndr_push push;
	uint32_t st;
	hresult hr;

	if ((st = dx_pull_open(call, stub, len, &ndr)) != 0) {
		return st;
	}
	if (dcom_get_class_object_req_pull(&ndr, &req) != NDR_ERR_SUCCESS ||
	    ndr_pull_finish(&ndr) != NDR_ERR_SUCCESS) {
		return ndr_err_to_fault(ndr.err);
	}
	hr = act_check(exp, call, &req.orpcthis, req.props, &cls);
	memset(&resp, 0, sizeof(resp));
	resp.hr = hr_ok(hr) ? HRV_E_NOINTERFACE : hr.v;
	if ((st = dx_push_open(call, &push)) != 0) {
		return st;
	}
	dcom_activation_resp_push(&push, &resp);
	return dx_reply(&push, out);
}

static const struct rpc_op scm_ops[] = {
	[DCOM_OP_REMOTE_GET_CLASS_OBJECT] = { op_get_class_object,
	                                      "RemoteGetClassObject" },
	[DCOM_OP_REMOTE_CREATE_INSTANCE] = { op_create_instance,
	                                     "RemoteCreateInstance" },
};

const struct rpc_iface dx_iface_scm_activator = {
	.name = "IRemoteSCMActivator",
	.syntax = {
		.uuid = { 0x000001a0, 0x0000, 0x0000, { 0xc0, 0x00 },
		          { 0x00, 0x00, 0x00, 0x00, 0x00, 0x46 } },
		.ver_major = 0,
		.ver_minor = 0,
	},
	.n_ops = sizeof(scm_ops) / sizeof(scm_ops[0]),
	.ops = scm_ops,
	.min_auth_level = 0,
	.flags = 0,
	.run_inline = false,
};
