/*
 * actprops: the activation properties BLOB (dcom layer, leaf codec).
 *
 * MS-DCOM 2.2.22 and MS-RPCE 2.2.6; the layout is drawn in actprops.h.
 *
 * Pull: the OBJREF_CUSTOM header and the BLOB are raw octets read in a
 * window of the stub cursor; each type-serialized body (the CustomHeader
 * and every property) is decoded by a sub-cursor over its ObjectBufferLength
 * octets, so NDR alignment starts at the body and errors are reported at
 * stub positions (dcom-int.h).
 *
 * Push: each body is pushed by its own cursor (so its alignment and its
 * referent ids, 0x00020000 upwards, start afresh as the harness and Windows
 * do), wrapped in its headers and padded to 8; the CustomHeader is pushed
 * last, when the sizes are known.
 */
#include "dcom/actprops.h"

#include <string.h>
#include <talloc.h>

#include "dcom/dcom-int.h"
#include "dcom/objref.h"
#include "dcom/orpc.h"

#define TS_COMMON_FILLER      0xccccccccu
#define TS_HDR_LEN            16 /* common + private header */
#define OBJREF_CUSTOM_HDR_LEN 48

/* ---- type serialization headers ---- */

enum ndr_err dcom_ts_common_pull(struct ndr_pull *ndr)
{
	uint8_t b[4];
	uint32_t filler;

	ndr_pull_bytes(ndr, b, 4);
	dcom_raw_pull_u32(ndr, &filler);
	if (ndr->err != NDR_ERR_SUCCESS) {
		return ndr->err;
	}
	if (b[0] != 1 || b[1] != 0x10 || b[2] != 8 || b[3] != 0) {
		ndr->pos -= 8;
		return ndr_pull_error(ndr, NDR_ERR_RANGE,
		                      "not a little-endian type serialization "
		                      "version 1 header");
	}
	return NDR_ERR_SUCCESS;
}

enum ndr_err dcom_ts_common_push(struct ndr_push *ndr)
{
	static const uint8_t b[4] = { 1, 0x10, 8, 0 };

	ndr_push_bytes(ndr, b, 4);
	return dcom_raw_push_u32(ndr, TS_COMMON_FILLER);
}

enum ndr_err dcom_ts_private_pull(struct ndr_pull *ndr, uint32_t *len)
{
	uint32_t filler;

	dcom_raw_pull_u32(ndr, len);
	return dcom_raw_pull_u32(ndr, &filler);
}

enum ndr_err dcom_ts_private_push(struct ndr_push *ndr, uint32_t len)
{
	dcom_raw_push_u32(ndr, len);
	return dcom_raw_push_u32(ndr, 0);
}

/* ---- property table ---- */

static const struct {
	const struct rpc_uuid *clsid;
	enum dcom_actprop kind;
} prop_kinds[] = {
	{ &dcom_clsid_special_system_properties, DCOM_ACTPROP_SPECIAL },
	{ &dcom_clsid_instantiation_info, DCOM_ACTPROP_INSTANTIATION },
	{ &dcom_clsid_activation_context_info,
	  DCOM_ACTPROP_ACTIVATION_CONTEXT },
	{ &dcom_clsid_security_info, DCOM_ACTPROP_SECURITY },
	{ &dcom_clsid_server_location_info, DCOM_ACTPROP_LOCATION },
	{ &dcom_clsid_scm_request_info, DCOM_ACTPROP_SCM_REQUEST },
	{ &dcom_clsid_instance_info, DCOM_ACTPROP_INSTANCE },
	{ &dcom_clsid_props_out_info, DCOM_ACTPROP_PROPS_OUT },
	{ &dcom_clsid_scm_reply_info, DCOM_ACTPROP_SCM_REPLY },
};

static enum dcom_actprop kind_of(const struct rpc_uuid *clsid)
{
	for (size_t i = 0; i < sizeof(prop_kinds) / sizeof(prop_kinds[0]);
	     i++) {
		if (rpc_uuid_equal(clsid, prop_kinds[i].clsid)) {
			return prop_kinds[i].kind;
		}
	}
	return DCOM_ACTPROP_UNKNOWN;
}

static const struct rpc_uuid *clsid_of(enum dcom_actprop kind)
{
	for (size_t i = 0; i < sizeof(prop_kinds) / sizeof(prop_kinds[0]);
	     i++) {
		if (prop_kinds[i].kind == kind) {
			return prop_kinds[i].clsid;
		}
	}
	return NULL;
}

/* ---- small NDR helpers ---- */

/* A u32 behind a DWORD* whose value is ignored (pdwReserved). */
static enum ndr_err pull_ignored_u32(struct ndr_pull *ndr, uint32_t ref)
{
	uint32_t v;

	if (ref != 0) {
		ndr_pull_u32(ndr, &v);
	}
	return ndr->err;
}

/* The conformance of an array that must hold [count] elements. */
static enum ndr_err pull_conformance(struct ndr_pull *ndr,
                                     uint32_t count,
                                     const char *what)
{
	uint32_t max = 0;

	if (ndr_pull_array_size(ndr, &max) == NDR_ERR_SUCCESS && max != count) {
		return ndr_pull_error(ndr, NDR_ERR_ARRAY_SIZE, what);
	}
	return ndr->err;
}

static enum ndr_err pull_uuid_array(struct ndr_pull *ndr,
                                    uint32_t count,
                                    struct rpc_uuid **out)
{
	void *a = NULL;

	*out = NULL;
	if (pull_conformance(ndr, count, "GUID array conformance") !=
	            NDR_ERR_SUCCESS ||
	    ndr_pull_array_alloc(ndr, count, sizeof(**out), 16, &a) !=
	            NDR_ERR_SUCCESS) {
		return ndr->err;
	}
	*out = a;
	for (uint32_t i = 0; i < count; i++) {
		ndr_pull_uuid(ndr, &(*out)[i]);
	}
	return ndr->err;
}

static enum ndr_err push_uuid_array(struct ndr_push *ndr,
                                    uint32_t count,
                                    const struct rpc_uuid *a)
{
	ndr_push_array_size(ndr, count);
	for (uint32_t i = 0; i < count; i++) {
		ndr_push_uuid(ndr, &a[i]);
	}
	return ndr->err;
}

static enum ndr_err pull_wstring_ptr(struct ndr_pull *ndr,
                                     uint32_t ref,
                                     char **out)
{
	*out = NULL;
	if (ref != 0) {
		ndr_pull_wstring(ndr, NDR_STR_NUL_TERM, out);
	}
	return ndr->err;
}

static enum ndr_err pull_objref_ptr(struct ndr_pull *ndr,
                                    uint32_t ref,
                                    struct dcom_objref **out)
{
	*out = NULL;
	if (ref == 0) {
		return ndr->err;
	}
	*out = talloc_zero(ndr->mem, struct dcom_objref);
	if (*out == NULL) {
		return ndr_pull_error(ndr, NDR_ERR_ALLOC, "OBJREF");
	}
	return dcom_mip_objref_pull(ndr, *out);
}

/* ---- 2.2.22.2.1 InstantiationInfoData ---- */

static enum ndr_err pull_inst(struct ndr_pull *ndr,
                              struct dcom_instantiation_info *r)
{
	uint32_t ref = 0;

	ndr_pull_uuid(ndr, &r->clsid);
	ndr_pull_u32(ndr, &r->class_ctx);
	ndr_pull_u32(ndr, &r->actvflags);
	ndr_pull_i32(ndr, &r->is_surrogate);
	ndr_pull_u32(ndr, &r->n_iids);
	ndr_pull_u32(ndr, &r->inst_flag);
	ndr_pull_unique_ptr(ndr, &ref);
	ndr_pull_u32(ndr, &r->this_size);
	ndr_pull_u16(ndr, &r->client_version.major);
	ndr_pull_u16(ndr, &r->client_version.minor);
	if (ndr->err != NDR_ERR_SUCCESS) {
		return ndr->err;
	}
	if (r->n_iids < 1 || r->n_iids > DCOM_MAX_REQUESTED_INTERFACES) {
		return ndr_pull_error(
		        ndr, NDR_ERR_RANGE,
		        "cIID outside 1..MAX_REQUESTED_INTERFACES");
	}
	if (ref == 0) {
		return ndr_pull_error(ndr, NDR_ERR_NULL_REF, "pIID is NULL");
	}
	return pull_uuid_array(ndr, r->n_iids, &r->iids);
}

static enum ndr_err push_inst(struct ndr_push *ndr,
                              const struct dcom_instantiation_info *r)
{
	if (r->n_iids < 1 || r->n_iids > DCOM_MAX_REQUESTED_INTERFACES ||
	    r->iids == NULL) {
		return ndr_push_error(
		        ndr, NDR_ERR_RANGE,
		        "cIID outside 1..MAX_REQUESTED_INTERFACES");
	}
	ndr_push_uuid(ndr, &r->clsid);
	ndr_push_u32(ndr, r->class_ctx);
	ndr_push_u32(ndr, r->actvflags);
	ndr_push_i32(ndr, r->is_surrogate);
	ndr_push_u32(ndr, r->n_iids);
	ndr_push_u32(ndr, r->inst_flag);
	ndr_push_unique_ptr(ndr, r->iids);
	ndr_push_u32(ndr, r->this_size);
	ndr_push_u16(ndr, r->client_version.major);
	ndr_push_u16(ndr, r->client_version.minor);
	return push_uuid_array(ndr, r->n_iids, r->iids);
}

/* ---- 2.2.22.2.2 SpecialPropertiesData ---- */

static enum ndr_err pull_special(struct ndr_pull *ndr,
                                 struct dcom_special_props *r)
{
	ndr_pull_align(ndr, 8);
	ndr_pull_u32(ndr, &r->session_id);
	ndr_pull_i32(ndr, &r->remote_this_session_id);
	ndr_pull_i32(ndr, &r->client_impersonating);
	ndr_pull_i32(ndr, &r->partition_id_present);
	ndr_pull_u32(ndr, &r->default_authn_lvl);
	ndr_pull_uuid(ndr, &r->guid_partition);
	ndr_pull_u32(ndr, &r->prt_flags);
	ndr_pull_u32(ndr, &r->orig_clsctx);
	ndr_pull_u32(ndr, &r->flags);
	ndr_pull_u32(ndr, &r->reserved1);
	ndr_pull_hyper(ndr, &r->reserved2);
	for (int i = 0; i < 5; i++) {
		ndr_pull_u32(ndr, &r->reserved3[i]);
	}
	return ndr->err;
}

static enum ndr_err push_special(struct ndr_push *ndr,
                                 const struct dcom_special_props *r)
{
	ndr_push_align(ndr, 8);
	ndr_push_u32(ndr, r->session_id);
	ndr_push_i32(ndr, r->remote_this_session_id);
	ndr_push_i32(ndr, r->client_impersonating);
	ndr_push_i32(ndr, r->partition_id_present);
	ndr_push_u32(ndr, r->default_authn_lvl);
	ndr_push_uuid(ndr, &r->guid_partition);
	ndr_push_u32(ndr, r->prt_flags);
	ndr_push_u32(ndr, r->orig_clsctx);
	ndr_push_u32(ndr, r->flags);
	ndr_push_u32(ndr, r->reserved1);
	ndr_push_hyper(ndr, r->reserved2);
	for (int i = 0; i < 5; i++) {
		ndr_push_u32(ndr, r->reserved3[i]);
	}
	return ndr->err;
}

/* ---- 2.2.22.2.3 InstanceInfoData ---- */

static enum ndr_err pull_instance(struct ndr_pull *ndr,
                                  struct dcom_instance_info *r)
{
	uint32_t name = 0;
	uint32_t rot = 0;
	uint32_t stg = 0;

	ndr_pull_unique_ptr(ndr, &name);
	ndr_pull_u32(ndr, &r->mode);
	ndr_pull_unique_ptr(ndr, &rot);
	ndr_pull_unique_ptr(ndr, &stg);
	pull_wstring_ptr(ndr, name, &r->file_name);
	pull_objref_ptr(ndr, rot, &r->ifd_rot);
	return pull_objref_ptr(ndr, stg, &r->ifd_stg);
}

static enum ndr_err push_instance(struct ndr_push *ndr,
                                  const struct dcom_instance_info *r)
{
	ndr_push_unique_ptr(ndr, r->file_name);
	ndr_push_u32(ndr, r->mode);
	ndr_push_unique_ptr(ndr, r->ifd_rot);
	ndr_push_unique_ptr(ndr, r->ifd_stg);
	if (r->file_name != NULL) {
		ndr_push_wstring(ndr, NDR_STR_NUL_TERM, r->file_name);
	}
	if (r->ifd_rot != NULL) {
		dcom_mip_objref_push(ndr, r->ifd_rot);
	}
	if (r->ifd_stg != NULL) {
		dcom_mip_objref_push(ndr, r->ifd_stg);
	}
	return ndr->err;
}

/* ---- 2.2.22.2.4 ScmRequestInfoData ---- */

static enum ndr_err pull_scm_request(struct ndr_pull *ndr,
                                     struct dcom_scm_request_info *r)
{
	uint32_t reserved = 0;
	uint32_t req = 0;
	uint32_t seqs = 0;
	void *a = NULL;

	ndr_pull_unique_ptr(ndr, &reserved);
	ndr_pull_unique_ptr(ndr, &req);
	pull_ignored_u32(ndr, reserved);
	if (ndr->err != NDR_ERR_SUCCESS) {
		return ndr->err;
	}
	if (req == 0) {
		return ndr_pull_error(ndr, NDR_ERR_NULL_REF,
		                      "remoteRequest is NULL");
	}
	ndr_pull_align(ndr, 4);
	ndr_pull_u32(ndr, &r->client_imp_level);
	ndr_pull_u16(ndr, &r->n_protseqs);
	ndr_pull_unique_ptr(ndr, &seqs);
	if (ndr->err != NDR_ERR_SUCCESS) {
		return ndr->err;
	}
	if (r->n_protseqs > DCOM_MAX_REQUESTED_PROTSEQS) {
		return ndr_pull_error(ndr, NDR_ERR_RANGE,
		                      "cRequestedProtseqs above "
		                      "MAX_REQUESTED_PROTSEQS");
	}
	if (seqs == 0) {
		return r->n_protseqs == 0
		               ? NDR_ERR_SUCCESS
		               : ndr_pull_error(ndr, NDR_ERR_NULL_REF,
		                                "pRequestedProtseqs is NULL");
	}
	if (pull_conformance(ndr, r->n_protseqs, "protseq conformance") !=
	            NDR_ERR_SUCCESS ||
	    ndr_pull_array_alloc(ndr, r->n_protseqs, sizeof(uint16_t), 2, &a) !=
	            NDR_ERR_SUCCESS) {
		return ndr->err;
	}
	r->protseqs = a;
	for (uint32_t i = 0; i < r->n_protseqs; i++) {
		ndr_pull_u16(ndr, &r->protseqs[i]);
	}
	return ndr->err;
}

static enum ndr_err push_scm_request(struct ndr_push *ndr,
                                     const struct dcom_scm_request_info *r)
{
	const void *seqs = r->n_protseqs != 0 ? (const void *)r : NULL;

	if (r->n_protseqs > DCOM_MAX_REQUESTED_PROTSEQS ||
	    (r->n_protseqs != 0 && r->protseqs == NULL)) {
		return ndr_push_error(ndr, NDR_ERR_RANGE, "bad protseq list");
	}
	ndr_push_unique_ptr(ndr, NULL);
	ndr_push_unique_ptr(ndr, r);
	ndr_push_align(ndr, 4);
	ndr_push_u32(ndr, r->client_imp_level);
	ndr_push_u16(ndr, r->n_protseqs);
	ndr_push_unique_ptr(ndr, seqs);
	if (seqs != NULL) {
		ndr_push_array_size(ndr, r->n_protseqs);
		for (uint32_t i = 0; i < r->n_protseqs; i++) {
			ndr_push_u16(ndr, r->protseqs[i]);
		}
	}
	return ndr->err;
}

/* ---- 2.2.22.2.5 ActivationContextInfoData ---- */

static enum ndr_err pull_actctx(struct ndr_pull *ndr,
                                struct dcom_activation_context_info *r)
{
	uint32_t client = 0;
	uint32_t proto = 0;

	ndr_pull_i32(ndr, &r->client_ok);
	ndr_pull_i32(ndr, &r->reserved1);
	ndr_pull_u32(ndr, &r->reserved2);
	ndr_pull_u32(ndr, &r->reserved3);
	ndr_pull_unique_ptr(ndr, &client);
	ndr_pull_unique_ptr(ndr, &proto);
	pull_objref_ptr(ndr, client, &r->client_ctx);
	return pull_objref_ptr(ndr, proto, &r->prototype_ctx);
}

static enum ndr_err push_actctx(struct ndr_push *ndr,
                                const struct dcom_activation_context_info *r)
{
	ndr_push_i32(ndr, r->client_ok);
	ndr_push_i32(ndr, r->reserved1);
	ndr_push_u32(ndr, r->reserved2);
	ndr_push_u32(ndr, r->reserved3);
	ndr_push_unique_ptr(ndr, r->client_ctx);
	ndr_push_unique_ptr(ndr, r->prototype_ctx);
	if (r->client_ctx != NULL) {
		dcom_mip_objref_push(ndr, r->client_ctx);
	}
	if (r->prototype_ctx != NULL) {
		dcom_mip_objref_push(ndr, r->prototype_ctx);
	}
	return ndr->err;
}

/* ---- 2.2.22.2.6 LocationInfoData ---- */

static enum ndr_err pull_location(struct ndr_pull *ndr,
                                  struct dcom_location_info *r)
{
	uint32_t name = 0;

	ndr_pull_unique_ptr(ndr, &name);
	ndr_pull_u32(ndr, &r->process_id);
	ndr_pull_u32(ndr, &r->apartment_id);
	ndr_pull_u32(ndr, &r->context_id);
	return pull_wstring_ptr(ndr, name, &r->machine_name);
}

static enum ndr_err push_location(struct ndr_push *ndr,
                                  const struct dcom_location_info *r)
{
	ndr_push_unique_ptr(ndr, r->machine_name);
	ndr_push_u32(ndr, r->process_id);
	ndr_push_u32(ndr, r->apartment_id);
	ndr_push_u32(ndr, r->context_id);
	if (r->machine_name != NULL) {
		ndr_push_wstring(ndr, NDR_STR_NUL_TERM, r->machine_name);
	}
	return ndr->err;
}

/* ---- 2.2.22.2.7 SecurityInfoData and COSERVERINFO ---- */

static enum ndr_err pull_security(struct ndr_pull *ndr,
                                  struct dcom_security_info *r)
{
	uint32_t info = 0;
	uint32_t reserved = 0;
	uint32_t name = 0;
	uint32_t reserved2 = 0;

	ndr_pull_u32(ndr, &r->authn_flags);
	ndr_pull_unique_ptr(ndr, &info);
	ndr_pull_unique_ptr(ndr, &reserved);
	if (ndr->err == NDR_ERR_SUCCESS && info != 0) {
		r->has_server_info = true;
		ndr_pull_align(ndr, 4);
		ndr_pull_u32(ndr, &r->server_reserved1);
		ndr_pull_unique_ptr(ndr, &name);
		ndr_pull_unique_ptr(ndr, &reserved2);
		ndr_pull_u32(ndr, &r->server_reserved2);
		pull_wstring_ptr(ndr, name, &r->server_name);
		pull_ignored_u32(ndr, reserved2);
	}
	return pull_ignored_u32(ndr, reserved);
}

static enum ndr_err push_security(struct ndr_push *ndr,
                                  const struct dcom_security_info *r)
{
	ndr_push_u32(ndr, r->authn_flags);
	ndr_push_unique_ptr(ndr, r->has_server_info ? r : NULL);
	ndr_push_unique_ptr(ndr, NULL);
	if (r->has_server_info) {
		ndr_push_align(ndr, 4);
		ndr_push_u32(ndr, r->server_reserved1);
		ndr_push_unique_ptr(ndr, r->server_name);
		ndr_push_unique_ptr(ndr, NULL);
		ndr_push_u32(ndr, r->server_reserved2);
		if (r->server_name != NULL) {
			ndr_push_wstring(ndr, NDR_STR_NUL_TERM, r->server_name);
		}
	}
	return ndr->err;
}

/* ---- 2.2.22.2.8 ScmReplyInfoData ---- */

static enum ndr_err pull_scm_reply(struct ndr_pull *ndr,
                                   struct dcom_scm_reply_info *r)
{
	uint32_t reserved = 0;
	uint32_t reply = 0;
	uint32_t dsa = 0;

	ndr_pull_unique_ptr(ndr, &reserved);
	ndr_pull_unique_ptr(ndr, &reply);
	pull_ignored_u32(ndr, reserved);
	if (ndr->err != NDR_ERR_SUCCESS) {
		return ndr->err;
	}
	if (reply == 0) {
		return ndr_pull_error(ndr, NDR_ERR_NULL_REF,
		                      "remoteReply is NULL");
	}
	ndr_pull_align(ndr, 8);
	ndr_pull_hyper(ndr, &r->oxid);
	ndr_pull_unique_ptr(ndr, &dsa);
	ndr_pull_uuid(ndr, &r->ipid_rem_unknown);
	ndr_pull_u32(ndr, &r->authn_hint);
	ndr_pull_u16(ndr, &r->server_version.major);
	ndr_pull_u16(ndr, &r->server_version.minor);
	if (ndr->err == NDR_ERR_SUCCESS && dsa != 0) {
		r->has_bindings = true;
		dcom_dsa_pull_ndr(ndr, &r->oxid_bindings);
	}
	return ndr->err;
}

static enum ndr_err push_scm_reply(struct ndr_push *ndr,
                                   const struct dcom_scm_reply_info *r)
{
	ndr_push_unique_ptr(ndr, NULL);
	ndr_push_unique_ptr(ndr, r);
	ndr_push_align(ndr, 8);
	ndr_push_hyper(ndr, r->oxid);
	ndr_push_unique_ptr(ndr, r->has_bindings ? &r->oxid_bindings : NULL);
	ndr_push_uuid(ndr, &r->ipid_rem_unknown);
	ndr_push_u32(ndr, r->authn_hint);
	ndr_push_u16(ndr, r->server_version.major);
	ndr_push_u16(ndr, r->server_version.minor);
	if (r->has_bindings) {
		dcom_dsa_push_ndr(ndr, &r->oxid_bindings);
	}
	return ndr->err;
}

/* ---- 2.2.22.2.9 PropsOutInfo ---- */

static enum ndr_err pull_props_out(struct ndr_pull *ndr,
                                   struct dcom_props_out_info *r)
{
	uint32_t piid = 0;
	uint32_t phr = 0;
	uint32_t pifd = 0;
	uint32_t *refs = NULL;
	void *a = NULL;

	ndr_pull_u32(ndr, &r->n);
	ndr_pull_unique_ptr(ndr, &piid);
	ndr_pull_unique_ptr(ndr, &phr);
	ndr_pull_unique_ptr(ndr, &pifd);
	if (ndr->err != NDR_ERR_SUCCESS) {
		return ndr->err;
	}
	if (r->n > DCOM_MAX_REQUESTED_INTERFACES) {
		return ndr_pull_error(ndr, NDR_ERR_RANGE,
		                      "cIfs above MAX_REQUESTED_INTERFACES");
	}
	if (piid == 0 || phr == 0 || pifd == 0) {
		return ndr_pull_error(ndr, NDR_ERR_NULL_REF,
		                      "PropsOutInfo array pointer is NULL");
	}
	pull_uuid_array(ndr, r->n, &r->iids);
	if (pull_conformance(ndr, r->n, "phresults conformance") !=
	            NDR_ERR_SUCCESS ||
	    ndr_pull_array_alloc(ndr, r->n, sizeof(uint32_t), 4, &a) !=
	            NDR_ERR_SUCCESS) {
		return ndr->err;
	}
	r->hresults = a;
	for (uint32_t i = 0; i < r->n; i++) {
		ndr_pull_u32(ndr, &r->hresults[i]);
	}
	if (pull_conformance(ndr, r->n, "ppIntfData conformance") !=
	            NDR_ERR_SUCCESS ||
	    ndr_pull_array_alloc(ndr, r->n, sizeof(*r->ifaces), 4, &a) !=
	            NDR_ERR_SUCCESS) {
		return ndr->err;
	}
	r->ifaces = a;
	if (ndr_pull_array_alloc(ndr, r->n, sizeof(uint32_t), 4, &a) !=
	    NDR_ERR_SUCCESS) {
		return ndr->err;
	}
	refs = a;
	for (uint32_t i = 0; i < r->n; i++) {
		ndr_pull_unique_ptr(ndr, &refs[i]);
	}
	for (uint32_t i = 0; i < r->n && ndr->err == NDR_ERR_SUCCESS; i++) {
		pull_objref_ptr(ndr, refs[i], &r->ifaces[i]);
	}
	talloc_free(refs);
	return ndr->err;
}

static enum ndr_err push_props_out(struct ndr_push *ndr,
                                   const struct dcom_props_out_info *r)
{
	if (r->n > DCOM_MAX_REQUESTED_INTERFACES ||
	    (r->n != 0 &&
	     (r->iids == NULL || r->hresults == NULL || r->ifaces == NULL))) {
		return ndr_push_error(ndr, NDR_ERR_RANGE,
		                      "bad PropsOutInfo arrays");
	}
	ndr_push_u32(ndr, r->n);
	/* The three arrays are never NULL on the wire, even when empty. */
	ndr_push_unique_ptr(ndr, r);
	ndr_push_unique_ptr(ndr, &r->iids);
	ndr_push_unique_ptr(ndr, &r->hresults);
	push_uuid_array(ndr, r->n, r->iids);
	ndr_push_array_size(ndr, r->n);
	for (uint32_t i = 0; i < r->n; i++) {
		ndr_push_u32(ndr, r->hresults[i]);
	}
	ndr_push_array_size(ndr, r->n);
	for (uint32_t i = 0; i < r->n; i++) {
		ndr_push_unique_ptr(ndr, r->ifaces[i]);
	}
	for (uint32_t i = 0; i < r->n; i++) {
		if (r->ifaces[i] != NULL) {
			dcom_mip_objref_push(ndr, r->ifaces[i]);
		}
	}
	return ndr->err;
}

/* ---- dispatch ---- */

static enum ndr_err pull_body(struct ndr_pull *ndr,
                              enum dcom_actprop kind,
                              struct dcom_actprops *r)
{
	if (ndr_pull_enter(ndr) != NDR_ERR_SUCCESS) {
		return ndr->err;
	}
	switch (kind) {
	case DCOM_ACTPROP_SPECIAL:
		pull_special(ndr, &r->special);
		break;
	case DCOM_ACTPROP_INSTANTIATION:
		pull_inst(ndr, &r->inst);
		break;
	case DCOM_ACTPROP_ACTIVATION_CONTEXT:
		pull_actctx(ndr, &r->ctx);
		break;
	case DCOM_ACTPROP_SECURITY:
		pull_security(ndr, &r->security);
		break;
	case DCOM_ACTPROP_LOCATION:
		pull_location(ndr, &r->location);
		break;
	case DCOM_ACTPROP_SCM_REQUEST:
		pull_scm_request(ndr, &r->scm_request);
		break;
	case DCOM_ACTPROP_INSTANCE:
		pull_instance(ndr, &r->instance);
		break;
	case DCOM_ACTPROP_PROPS_OUT:
		pull_props_out(ndr, &r->props_out);
		break;
	case DCOM_ACTPROP_SCM_REPLY:
		pull_scm_reply(ndr, &r->scm_reply);
		break;
	default:
		ndr_pull_error(ndr, NDR_ERR_INVALID, "no codec for property");
		break;
	}
	ndr_pull_leave(ndr);
	return ndr->err;
}

static enum ndr_err push_body(struct ndr_push *ndr,
                              enum dcom_actprop kind,
                              const struct dcom_actprops *r)
{
	switch (kind) {
	case DCOM_ACTPROP_SPECIAL:
		return push_special(ndr, &r->special);
	case DCOM_ACTPROP_INSTANTIATION:
		return push_inst(ndr, &r->inst);
	case DCOM_ACTPROP_ACTIVATION_CONTEXT:
		return push_actctx(ndr, &r->ctx);
	case DCOM_ACTPROP_SECURITY:
		return push_security(ndr, &r->security);
	case DCOM_ACTPROP_LOCATION:
		return push_location(ndr, &r->location);
	case DCOM_ACTPROP_SCM_REQUEST:
		return push_scm_request(ndr, &r->scm_request);
	case DCOM_ACTPROP_INSTANCE:
		return push_instance(ndr, &r->instance);
	case DCOM_ACTPROP_PROPS_OUT:
		return push_props_out(ndr, &r->props_out);
	case DCOM_ACTPROP_SCM_REPLY:
		return push_scm_reply(ndr, &r->scm_reply);
	default:
		return ndr_push_error(ndr, NDR_ERR_INVALID,
		                      "no codec for property");
	}
}

/*
 * Decodes one type-serialized body of at most [avail] octets at the
 * cursor: headers, then the codec of [kind] over the body in a sub-cursor.
 * The private header length must fit in [avail] - 16; the body may not
 * pass it.
 * Advances past the 16 + ObjectBufferLength octets.
 */
static enum ndr_err pull_ts(struct ndr_pull *ndr,
                            size_t avail,
                            enum dcom_actprop kind,
                            struct dcom_actprops *r)
{
	uint32_t len = 0;
	struct ndr_pull sub;
	size_t base;

	if (avail < TS_HDR_LEN) {
		return ndr_pull_error(ndr, NDR_ERR_RANGE,
		                      "serialized type shorter than its "
		                      "headers");
	}
	dcom_ts_common_pull(ndr);
	dcom_ts_private_pull(ndr, &len);
	if (ndr->err != NDR_ERR_SUCCESS) {
		return ndr->err;
	}
	if (len > avail - TS_HDR_LEN) {
		ndr->pos -= 8;
		return ndr_pull_error(
		        ndr, NDR_ERR_BUFSIZE,
		        "ObjectBufferLength passes its container");
	}
	if (dcom_sub_open(ndr, len, &sub, &base) != NDR_ERR_SUCCESS) {
		return ndr->err;
	}
	pull_body(&sub, kind, r);
	return dcom_sub_close(ndr, &sub, base);
}

/* The decoded CustomHeader. */
struct custom_header {
	uint32_t total_size;
	uint32_t header_size;
	uint32_t dest_ctx;
	uint32_t n;
	struct rpc_uuid *clsids;
	uint32_t *sizes;
};

static enum ndr_err pull_custom_header_body(struct ndr_pull *ndr,
                                            struct custom_header *h)
{
	uint32_t reserved = 0;
	uint32_t pclsid = 0;
	uint32_t psizes = 0;
	uint32_t preserved = 0;
	struct rpc_uuid class_info;
	void *a = NULL;

	ndr_pull_u32(ndr, &h->total_size);
	ndr_pull_u32(ndr, &h->header_size);
	ndr_pull_u32(ndr, &reserved);
	ndr_pull_u32(ndr, &h->dest_ctx);
	ndr_pull_u32(ndr, &h->n);
	ndr_pull_uuid(ndr, &class_info);
	ndr_pull_unique_ptr(ndr, &pclsid);
	ndr_pull_unique_ptr(ndr, &psizes);
	ndr_pull_unique_ptr(ndr, &preserved);
	if (ndr->err != NDR_ERR_SUCCESS) {
		return ndr->err;
	}
	if (h->n < DCOM_MIN_ACTPROP_LIMIT || h->n > DCOM_MAX_ACTPROP_LIMIT) {
		return ndr_pull_error(ndr, NDR_ERR_RANGE,
		                      "cIfs outside MIN_ACTPROP_LIMIT.."
		                      "MAX_ACTPROP_LIMIT");
	}
	if (pclsid == 0 || psizes == 0) {
		return ndr_pull_error(ndr, NDR_ERR_NULL_REF,
		                      "pclsid or pSizes is NULL");
	}
	pull_uuid_array(ndr, h->n, &h->clsids);
	if (pull_conformance(ndr, h->n, "pSizes conformance") !=
	            NDR_ERR_SUCCESS ||
	    ndr_pull_array_alloc(ndr, h->n, sizeof(uint32_t), 4, &a) !=
	            NDR_ERR_SUCCESS) {
		return ndr->err;
	}
	h->sizes = a;
	for (uint32_t i = 0; i < h->n; i++) {
		ndr_pull_u32(ndr, &h->sizes[i]);
	}
	return pull_ignored_u32(ndr, preserved);
}

/* Reads the CustomHeader's headers and body. */
static enum ndr_err pull_custom_header(struct ndr_pull *ndr,
                                       size_t avail,
                                       struct custom_header *h)
{
	uint32_t len = 0;
	struct ndr_pull sub;
	size_t base;

	if (avail < TS_HDR_LEN) {
		return ndr_pull_error(ndr, NDR_ERR_BUFSIZE,
		                      "BLOB shorter than a CustomHeader");
	}
	dcom_ts_common_pull(ndr);
	dcom_ts_private_pull(ndr, &len);
	if (ndr->err != NDR_ERR_SUCCESS) {
		return ndr->err;
	}
	if (len > avail - TS_HDR_LEN) {
		ndr->pos -= 8;
		return ndr_pull_error(ndr, NDR_ERR_BUFSIZE,
		                      "ObjectBufferLength passes the BLOB");
	}
	if (dcom_sub_open(ndr, len, &sub, &base) != NDR_ERR_SUCCESS) {
		return ndr->err;
	}
	pull_custom_header_body(&sub, h);
	return dcom_sub_close(ndr, &sub, base);
}

/* Reads one property of [size] octets (headers included) at the cursor. */
static enum ndr_err pull_property(struct ndr_pull *ndr,
                                  const struct rpc_uuid *clsid,
                                  uint32_t size,
                                  struct dcom_actprops *r)
{
	enum dcom_actprop kind = kind_of(clsid);
	size_t start = ndr->pos;

	if (r->n_order >= DCOM_MAX_ACTPROP_LIMIT) {
		return ndr_pull_error(ndr, NDR_ERR_LIMIT,
		                      "too many properties");
	}
	if (kind == DCOM_ACTPROP_UNKNOWN) {
		struct dcom_actprop_raw *u;

		u = talloc_realloc(ndr->mem, r->unknown,
		                   struct dcom_actprop_raw, r->n_unknown + 1);
		if (u == NULL) {
			return ndr_pull_error(ndr, NDR_ERR_ALLOC, "property");
		}
		r->unknown = u;
		u = &r->unknown[r->n_unknown];
		memset(u, 0, sizeof(*u));
		u->clsid = *clsid;
		u->n = size;
		if (ndr_pull_array_alloc(ndr, size, 1, 1, (void **)&u->data) !=
		            NDR_ERR_SUCCESS ||
		    ndr_pull_bytes(ndr, u->data, size) != NDR_ERR_SUCCESS) {
			return ndr->err;
		}
		r->n_unknown++;
	} else {
		if (r->present & DCOM_ACTPROP_BIT(kind)) {
			return ndr_pull_error(ndr, NDR_ERR_RANGE,
			                      "activation property repeated");
		}
		if (pull_ts(ndr, size, kind, r) != NDR_ERR_SUCCESS) {
			return ndr->err;
		}
		r->present |= DCOM_ACTPROP_BIT(kind);
		ndr->pos = start + size; /* padding */
	}
	r->order[r->n_order++] = kind;
	return ndr->err;
}

/* Pulls the BLOB (dwSize onwards) filling the rest of the window. */
static enum ndr_err pull_blob(struct ndr_pull *ndr, struct dcom_actprops *r)
{
	uint32_t dw_size = 0;
	uint32_t dw_reserved = 0;
	size_t saved;
	size_t start;
	uint64_t sum = 0;
	struct custom_header h;

	memset(&h, 0, sizeof(h));
	dcom_raw_pull_u32(ndr, &dw_size);
	dcom_raw_pull_u32(ndr, &dw_reserved);
	if (dcom_window_open(ndr, dw_size, &saved) != NDR_ERR_SUCCESS) {
		return ndr->err;
	}
	start = ndr->pos;
	if (pull_custom_header(ndr, dw_size, &h) != NDR_ERR_SUCCESS) {
		goto out;
	}
	r->dest_ctx = h.dest_ctx;
	for (uint32_t i = 0; i < h.n; i++) {
		if (h.sizes[i] < TS_HDR_LEN) {
			ndr_pull_error(ndr, NDR_ERR_RANGE,
			               "property size below its headers");
			goto out;
		}
		sum += h.sizes[i];
	}
	if (h.header_size < ndr->pos - start || h.header_size > dw_size ||
	    sum > dw_size - h.header_size) {
		ndr_pull_error(ndr, NDR_ERR_BUFSIZE,
		               "headerSize or pSizes pass dwSize");
		goto out;
	}
	if (h.total_size != h.header_size + sum) {
		ndr_pull_error(ndr, NDR_ERR_RANGE,
		               "totalSize is not headerSize + pSizes");
		goto out;
	}
	ndr->pos = start + h.header_size;
	for (uint32_t i = 0; i < h.n; i++) {
		if (pull_property(ndr, &h.clsids[i], h.sizes[i], r) !=
		    NDR_ERR_SUCCESS) {
			goto out;
		}
	}
	ndr->pos = ndr->len; /* octets after totalSize are slack */
out:
	talloc_free(h.clsids);
	talloc_free(h.sizes);
	dcom_window_close(ndr, saved);
	return ndr->err;
}

/* The 48-octet OBJREF_CUSTOM header of an activation properties OBJREF. */
static enum ndr_err pull_objref_hdr(struct ndr_pull *ndr,
                                    const struct rpc_uuid *iid,
                                    const struct rpc_uuid *clsid)
{
	uint32_t sig = 0;
	uint32_t kind = 0;
	uint32_t cb_ext = 0;
	uint32_t reserved = 0;
	struct rpc_uuid got_iid;
	struct rpc_uuid got_clsid;

	dcom_raw_pull_u32(ndr, &sig);
	dcom_raw_pull_u32(ndr, &kind);
	dcom_raw_pull_uuid(ndr, &got_iid);
	dcom_raw_pull_uuid(ndr, &got_clsid);
	dcom_raw_pull_u32(ndr, &cb_ext);
	dcom_raw_pull_u32(ndr, &reserved);
	if (ndr->err != NDR_ERR_SUCCESS) {
		return ndr->err;
	}
	if (sig != DCOM_OBJREF_SIGNATURE || kind != DCOM_OBJREF_CUSTOM) {
		ndr->pos -= OBJREF_CUSTOM_HDR_LEN;
		return ndr_pull_error(ndr, NDR_ERR_RANGE,
		                      "activation properties are not an "
		                      "OBJREF_CUSTOM");
	}
	if (!rpc_uuid_equal(&got_iid, iid) ||
	    !rpc_uuid_equal(&got_clsid, clsid)) {
		ndr->pos -= OBJREF_CUSTOM_HDR_LEN - 8;
		return ndr_pull_error(ndr, NDR_ERR_RANGE,
		                      "OBJREF_CUSTOM of the wrong activation "
		                      "properties class");
	}
	return NDR_ERR_SUCCESS;
}

static enum ndr_err pull_actprops(struct ndr_pull *ndr,
                                  size_t len,
                                  const struct rpc_uuid *iid,
                                  const struct rpc_uuid *clsid,
                                  struct dcom_actprops *r)
{
	size_t saved;

	memset(r, 0, sizeof(*r));
	if (ndr_pull_enter(ndr) != NDR_ERR_SUCCESS) {
		return ndr->err;
	}
	if (dcom_window_open(ndr, len, &saved) == NDR_ERR_SUCCESS) {
		if (pull_objref_hdr(ndr, iid, clsid) == NDR_ERR_SUCCESS &&
		    pull_blob(ndr, r) == NDR_ERR_SUCCESS) {
			ndr->pos = ndr->len;
		}
		dcom_window_close(ndr, saved);
	}
	ndr_pull_leave(ndr);
	return ndr->err;
}

enum ndr_err dcom_actprops_in_pull(struct ndr_pull *ndr,
                                   size_t len,
                                   struct dcom_actprops *r)
{
	return pull_actprops(ndr, len, &dcom_iid_iactivationpropertiesin,
	                     &dcom_clsid_activationpropertiesin, r);
}

enum ndr_err dcom_actprops_out_pull(struct ndr_pull *ndr,
                                    size_t len,
                                    struct dcom_actprops *r)
{
	return pull_actprops(ndr, len, &dcom_iid_iactivationpropertiesout,
	                     &dcom_clsid_activationpropertiesout, r);
}

/* ---- push ---- */

/* Serializes one body with its headers and padding into [out]. */
static enum ndr_err push_ts_body(struct ndr_push *out,
                                 enum dcom_actprop kind,
                                 const struct dcom_actprops *r)
{
	struct ndr_push sub;
	const uint8_t *p;
	size_t n;
	size_t padded;

	if (dcom_sub_push_open(out, &sub) != NDR_ERR_SUCCESS) {
		return out->err;
	}
	if (push_body(&sub, kind, r) != NDR_ERR_SUCCESS ||
	    ndr_push_blob(&sub, &p, &n) != NDR_ERR_SUCCESS) {
		return dcom_sub_push_close(out, &sub);
	}
	padded = (n + 7) & ~(size_t)7;
	if (padded > UINT32_MAX - TS_HDR_LEN) {
		ndr_push_release(&sub);
		return ndr_push_error(out, NDR_ERR_RANGE, "property too big");
	}
	dcom_ts_common_push(out);
	dcom_ts_private_push(out, (uint32_t)padded);
	ndr_push_bytes(out, p, n);
	ndr_push_bytes(out, NULL, padded - n);
	ndr_push_release(&sub);
	return out->err;
}

static enum ndr_err push_custom_header(struct ndr_push *ndr,
                                       uint32_t total,
                                       uint32_t hdr_size,
                                       uint32_t dest_ctx,
                                       uint32_t n,
                                       const struct rpc_uuid *clsids,
                                       const uint32_t *sizes)
{
	static const struct rpc_uuid null_guid;

	ndr_push_u32(ndr, total);
	ndr_push_u32(ndr, hdr_size);
	ndr_push_u32(ndr, 0);
	ndr_push_u32(ndr, dest_ctx);
	ndr_push_u32(ndr, n);
	ndr_push_uuid(ndr, &null_guid);
	ndr_push_unique_ptr(ndr, clsids);
	ndr_push_unique_ptr(ndr, sizes);
	ndr_push_unique_ptr(ndr, NULL);
	push_uuid_array(ndr, n, clsids);
	ndr_push_array_size(ndr, n);
	for (uint32_t i = 0; i < n; i++) {
		ndr_push_u32(ndr, sizes[i]);
	}
	return ndr->err;
}

/* The kinds to send, in order, into [kinds]; returns the count. */
static uint32_t send_order(const struct dcom_actprops *r,
                           bool out,
                           enum dcom_actprop kinds[DCOM_MAX_ACTPROP_LIMIT],
                           bool *bad)
{
	static const enum dcom_actprop in_order[] = {
		DCOM_ACTPROP_SPECIAL,
		DCOM_ACTPROP_INSTANTIATION,
		DCOM_ACTPROP_ACTIVATION_CONTEXT,
		DCOM_ACTPROP_SECURITY,
		DCOM_ACTPROP_LOCATION,
		DCOM_ACTPROP_SCM_REQUEST,
		DCOM_ACTPROP_INSTANCE,
	};
	static const enum dcom_actprop out_order[] = {
		DCOM_ACTPROP_PROPS_OUT,
		DCOM_ACTPROP_SCM_REPLY,
	};
	const enum dcom_actprop *def = out ? out_order : in_order;
	size_t n_def = out ? 2 : sizeof(in_order) / sizeof(in_order[0]);
	uint32_t n = 0;
	uint32_t n_unknown = 0;

	*bad = false;
	if (r->n_order != 0) {
		if (r->n_order > DCOM_MAX_ACTPROP_LIMIT) {
			*bad = true;
			return 0;
		}
		for (uint32_t i = 0; i < r->n_order; i++) {
			enum dcom_actprop k = r->order[i];

			if (k == DCOM_ACTPROP_UNKNOWN) {
				*bad |= n_unknown++ >= r->n_unknown;
			} else if (k >= DCOM_ACTPROP_UNKNOWN ||
			           !(r->present & DCOM_ACTPROP_BIT(k))) {
				*bad = true;
			}
			kinds[n++] = k;
		}
		return n;
	}
	for (size_t i = 0; i < n_def; i++) {
		if (r->present & DCOM_ACTPROP_BIT(def[i])) {
			kinds[n++] = def[i];
		}
	}
	return n;
}

static enum ndr_err push_actprops(struct ndr_push *ndr,
                                  bool out,
                                  const struct dcom_actprops *r)
{
	enum dcom_actprop kinds[DCOM_MAX_ACTPROP_LIMIT];
	struct rpc_uuid clsids[DCOM_MAX_ACTPROP_LIMIT];
	uint32_t sizes[DCOM_MAX_ACTPROP_LIMIT];
	struct ndr_push props;
	struct ndr_push hdr;
	const uint8_t *pp = NULL;
	const uint8_t *hp = NULL;
	size_t n_props = 0;
	size_t n_hdr = 0;
	uint32_t n_unknown = 0;
	uint64_t total;
	bool bad;
	uint32_t n = send_order(r, out, kinds, &bad);

	if (bad || n < DCOM_MIN_ACTPROP_LIMIT) {
		return ndr_push_error(ndr, NDR_ERR_RANGE,
		                      "activation properties: bad order or "
		                      "count");
	}
	if (dcom_sub_push_open(ndr, &props) != NDR_ERR_SUCCESS) {
		return ndr->err;
	}
	for (uint32_t i = 0; i < n && props.err == NDR_ERR_SUCCESS; i++) {
		size_t before = props.len;

		if (kinds[i] == DCOM_ACTPROP_UNKNOWN) {
			const struct dcom_actprop_raw
			        *u = &r->unknown[n_unknown++];

			clsids[i] = u->clsid;
			ndr_push_bytes(&props, u->data, u->n);
		} else {
			clsids[i] = *clsid_of(kinds[i]);
			push_ts_body(&props, kinds[i], r);
		}
		sizes[i] = (uint32_t)(props.len - before);
	}
	if (ndr_push_blob(&props, &pp, &n_props) != NDR_ERR_SUCCESS) {
		return dcom_sub_push_close(ndr, &props);
	}
	/* The header's length does not depend on its values: push it once
	 * to measure, then with the real sizes. */
	for (int pass = 0; pass < 2; pass++) {
		uint32_t hdr_size = (uint32_t)(TS_HDR_LEN + n_hdr);

		if (dcom_sub_push_open(ndr, &hdr) != NDR_ERR_SUCCESS) {
			ndr_push_release(&props);
			return ndr->err;
		}
		total = (uint64_t)hdr_size + n_props;
		if (total > UINT32_MAX - 64) {
			ndr_push_error(&hdr, NDR_ERR_RANGE, "BLOB too big");
		}
		push_custom_header(&hdr, (uint32_t)total, hdr_size, r->dest_ctx,
		                   n, clsids, sizes);
		if (ndr_push_blob(&hdr, &hp, &n_hdr) != NDR_ERR_SUCCESS) {
			ndr_push_release(&props);
			return dcom_sub_push_close(ndr, &hdr);
		}
		n_hdr = (n_hdr + 7) & ~(size_t)7;
		if (pass == 0) {
			ndr_push_release(&hdr);
		}
	}
	total = TS_HDR_LEN + n_hdr + n_props;
	/* OBJREF_CUSTOM header; reserved = the BLOB's size. */
	dcom_raw_push_u32(ndr, DCOM_OBJREF_SIGNATURE);
	dcom_raw_push_u32(ndr, DCOM_OBJREF_CUSTOM);
	dcom_raw_push_uuid(ndr, out ? &dcom_iid_iactivationpropertiesout
	                            : &dcom_iid_iactivationpropertiesin);
	dcom_raw_push_uuid(ndr, out ? &dcom_clsid_activationpropertiesout
	                            : &dcom_clsid_activationpropertiesin);
	dcom_raw_push_u32(ndr, 0);
	dcom_raw_push_u32(ndr, (uint32_t)(total + 8));
	dcom_raw_push_u32(ndr, (uint32_t)total);
	dcom_raw_push_u32(ndr, 0);
	dcom_ts_common_push(ndr);
	dcom_ts_private_push(ndr, (uint32_t)n_hdr);
	ndr_push_bytes(ndr, hp, hdr.len);
	ndr_push_bytes(ndr, NULL, n_hdr - hdr.len);
	ndr_push_bytes(ndr, pp, n_props);
	ndr_push_release(&hdr);
	ndr_push_release(&props);
	return ndr->err;
}

enum ndr_err dcom_actprops_in_push(struct ndr_push *ndr,
                                   const struct dcom_actprops *r)
{
	return push_actprops(ndr, false, r);
}

enum ndr_err dcom_actprops_out_push(struct ndr_push *ndr,
                                    const struct dcom_actprops *r)
{
	return push_actprops(ndr, true, r);
}

void dcom_actprops_out_init(struct dcom_actprops *r,
                            uint32_t n_ifaces,
                            struct rpc_uuid *iids,
                            uint32_t *hresults,
                            struct dcom_objref **ifaces,
                            uint64_t oxid,
                            const struct dcom_dsa *oxid_bindings,
                            const struct rpc_uuid *ipid_rem_unknown,
                            uint32_t authn_hint)
{
	memset(r, 0, sizeof(*r));
	r->present = DCOM_ACTPROP_BIT(DCOM_ACTPROP_PROPS_OUT) |
	             DCOM_ACTPROP_BIT(DCOM_ACTPROP_SCM_REPLY);
	r->props_out.n = n_ifaces;
	r->props_out.iids = iids;
	r->props_out.hresults = hresults;
	r->props_out.ifaces = ifaces;
	r->scm_reply.oxid = oxid;
	if (oxid_bindings != NULL) {
		r->scm_reply.has_bindings = true;
		r->scm_reply.oxid_bindings = *oxid_bindings;
	}
	r->scm_reply.ipid_rem_unknown = *ipid_rem_unknown;
	r->scm_reply.authn_hint = authn_hint;
	r->scm_reply.server_version.major = DCOM_COM_VERSION_MAJOR;
	r->scm_reply.server_version.minor = DCOM_COM_VERSION_MINOR;
}
