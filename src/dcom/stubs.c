/*
 * stubs: the [in] and [out] stubs of IObjectExporter, IRemoteSCMActivator
 * and IRemUnknown(2) (dcom layer, leaf codec).  MS-DCOM 3.1.1.5.6-7 and
 * 3.1.2.5.1-2; contracts in stubs.h.
 *
 * Parameter shapes (C706 14.3.10-12, top level):
 * - [in] T *p and REFIPID / REFGUID: top-level [ref], the value inline.
 * - [in, unique] T *p: referent id, then the pointee at once.
 * - [out] T **pp (ppActProperties, ppdsaOxidBindings): the outer pointer
 *   is [ref] (nothing on the wire), the inner one unique: referent id,
 *   then the pointee.
 * - [size_is(n)] T a[] / T *a: max_count, then the elements (for 8-aligned
 *   elements, max_count, pad, elements).
 */
#include "dcom/stubs.h"

#include <string.h>
#include <talloc.h>

#include "dcom/dcom-int.h"
#include "dcom/objref.h"
#include "dcom/orpc.h"

/* ---- helpers ---- */

/* max_count of a conformant array that must have [n] elements. */
static enum ndr_err pull_count(struct ndr_pull *ndr, uint32_t n)
{
	uint32_t max = 0;

	if (ndr_pull_array_size(ndr, &max) == NDR_ERR_SUCCESS && max != n) {
		return ndr_pull_error(ndr, NDR_ERR_ARRAY_SIZE,
		                      "conformance does not match the count");
	}
	return ndr->err;
}

/* A conformant array of [n] GUIDs that must match its count. */
static enum ndr_err pull_guids(struct ndr_pull *ndr,
                               uint32_t n,
                               struct rpc_uuid **out)
{
	void *a = NULL;

	*out = NULL;
	if (pull_count(ndr, n) != NDR_ERR_SUCCESS ||
	    ndr_pull_array_alloc(ndr, n, sizeof(**out), 16, &a) !=
	            NDR_ERR_SUCCESS) {
		return ndr->err;
	}
	*out = a;
	for (uint32_t i = 0; i < n; i++) {
		ndr_pull_uuid(ndr, &(*out)[i]);
	}
	return ndr->err;
}

static enum ndr_err push_guids(struct ndr_push *ndr,
                               uint32_t n,
                               const struct rpc_uuid *a)
{
	if (n != 0 && a == NULL) {
		return ndr_push_error(ndr, NDR_ERR_INVALID, "GUID array NULL");
	}
	ndr_push_array_size(ndr, n);
	for (uint32_t i = 0; i < n; i++) {
		ndr_push_uuid(ndr, &a[i]);
	}
	return ndr->err;
}

/* A conformant array of u32 whose count is its own max_count. */
static enum ndr_err pull_u32s(struct ndr_pull *ndr, uint32_t *n, uint32_t **out)
{
	void *a = NULL;

	*out = NULL;
	if (ndr_pull_array_size(ndr, n) != NDR_ERR_SUCCESS ||
	    ndr_pull_array_alloc(ndr, *n, sizeof(uint32_t), 4, &a) !=
	            NDR_ERR_SUCCESS) {
		return ndr->err;
	}
	*out = a;
	for (uint32_t i = 0; i < *n; i++) {
		ndr_pull_u32(ndr, &(*out)[i]);
	}
	return ndr->err;
}

static enum ndr_err push_u32s(struct ndr_push *ndr,
                              uint32_t n,
                              const uint32_t *a)
{
	if (n != 0 && a == NULL) {
		return ndr_push_error(ndr, NDR_ERR_INVALID, "array NULL");
	}
	ndr_push_array_size(ndr, n);
	for (uint32_t i = 0; i < n; i++) {
		ndr_push_u32(ndr, a[i]);
	}
	return ndr->err;
}

/* A conformant array of [n] OIDs (8-aligned elements). */
static enum ndr_err pull_oids(struct ndr_pull *ndr, uint16_t n, uint64_t **out)
{
	void *a = NULL;

	*out = NULL;
	if (pull_count(ndr, n) != NDR_ERR_SUCCESS ||
	    ndr_pull_array_alloc(ndr, n, sizeof(uint64_t), 8, &a) !=
	            NDR_ERR_SUCCESS) {
		return ndr->err;
	}
	*out = a;
	for (uint32_t i = 0; i < n; i++) {
		ndr_pull_hyper(ndr, &(*out)[i]);
	}
	return ndr->err;
}

static enum ndr_err push_oids(struct ndr_push *ndr,
                              uint16_t n,
                              const uint64_t *a)
{
	ndr_push_array_size(ndr, n);
	/* Each hyper aligns itself: an empty array has no pad (C706 14.3.3),
	 * as pull_oids reads it. */
	for (uint32_t i = 0; i < n; i++) {
		ndr_push_hyper(ndr, a[i]);
	}
	return ndr->err;
}

/* [in, unique] MInterfacePointer* pActProperties (ActivationPropertiesIn). */
static enum ndr_err pull_props_in(struct ndr_pull *ndr,
                                  struct dcom_actprops **out)
{
	uint32_t ref = 0;
	uint32_t max = 0;
	uint32_t n = 0;

	*out = NULL;
	if (ndr_pull_unique_ptr(ndr, &ref) != NDR_ERR_SUCCESS || ref == 0) {
		return ndr->err;
	}
	ndr_pull_array_size(ndr, &max);
	ndr_pull_u32(ndr, &n);
	if (ndr->err != NDR_ERR_SUCCESS) {
		return ndr->err;
	}
	if (max != n) {
		return ndr_pull_error(ndr, NDR_ERR_ARRAY_SIZE,
		                      "MInterfacePointer conformance is not "
		                      "ulCntData");
	}
	*out = talloc_zero(ndr->mem, struct dcom_actprops);
	if (*out == NULL) {
		return ndr_pull_error(ndr, NDR_ERR_ALLOC,
		                      "activation "
		                      "properties");
	}
	return dcom_actprops_in_pull(ndr, n, *out);
}

/* An MInterfacePointer whose OBJREF octets [push] produces. */
static enum ndr_err push_props(struct ndr_push *ndr,
                               const struct dcom_actprops *p,
                               bool out)
{
	struct ndr_push sub;
	const uint8_t *b;
	size_t n;

	ndr_push_unique_ptr(ndr, p);
	if (p == NULL || dcom_sub_push_open(ndr, &sub) != NDR_ERR_SUCCESS) {
		return ndr->err;
	}
	if (out) {
		dcom_actprops_out_push(&sub, p);
	} else {
		dcom_actprops_in_push(&sub, p);
	}
	if (ndr_push_blob(&sub, &b, &n) != NDR_ERR_SUCCESS) {
		return dcom_sub_push_close(ndr, &sub);
	}
	if (n > UINT32_MAX) {
		ndr_push_error(ndr, NDR_ERR_RANGE, "activation OBJREF too big");
	} else {
		dcom_mip_push(ndr, b, (uint32_t)n);
	}
	ndr_push_release(&sub);
	return ndr->err;
}

/* ---- IRemoteSCMActivator ---- */

enum ndr_err dcom_create_instance_req_pull(struct ndr_pull *ndr,
                                           struct dcom_create_instance_req *r)
{
	memset(r, 0, sizeof(*r));
	dcom_orpcthis_pull(ndr, &r->orpcthis);
	dcom_pmip_objref_pull(ndr, &r->unk_outer);
	return pull_props_in(ndr, &r->props);
}

enum ndr_err dcom_create_instance_req_push(
        struct ndr_push *ndr,
        const struct dcom_create_instance_req *r)
{
	dcom_orpcthis_push(ndr, &r->orpcthis);
	dcom_pmip_objref_push(ndr, r->unk_outer);
	return push_props(ndr, r->props, false);
}

enum ndr_err dcom_get_class_object_req_pull(struct ndr_pull *ndr,
                                            struct dcom_get_class_object_req *r)
{
	memset(r, 0, sizeof(*r));
	dcom_orpcthis_pull(ndr, &r->orpcthis);
	return pull_props_in(ndr, &r->props);
}

enum ndr_err dcom_get_class_object_req_push(
        struct ndr_push *ndr,
        const struct dcom_get_class_object_req *r)
{
	dcom_orpcthis_push(ndr, &r->orpcthis);
	return push_props(ndr, r->props, false);
}

enum ndr_err dcom_activation_resp_pull(struct ndr_pull *ndr,
                                       struct dcom_activation_resp *r)
{
	uint32_t ref = 0;
	uint32_t max = 0;
	uint32_t n = 0;
	struct dcom_actprops *p;

	memset(r, 0, sizeof(*r));
	dcom_orpcthat_pull(ndr, &r->orpcthat);
	ndr_pull_unique_ptr(ndr, &ref);
	if (ndr->err == NDR_ERR_SUCCESS && ref != 0) {
		ndr_pull_array_size(ndr, &max);
		ndr_pull_u32(ndr, &n);
		if (ndr->err == NDR_ERR_SUCCESS && max != n) {
			return ndr_pull_error(
			        ndr, NDR_ERR_ARRAY_SIZE,
			        "MInterfacePointer conformance is "
			        "not ulCntData");
		}
		p = talloc_zero(ndr->mem, struct dcom_actprops);
		if (p == NULL) {
			return ndr_pull_error(ndr, NDR_ERR_ALLOC,
			                      "activation properties");
		}
		r->props = p;
		dcom_actprops_out_pull(ndr, n, p);
	}
	ndr_pull_u32(ndr, &r->hr);
	return ndr->err;
}

enum ndr_err dcom_activation_resp_push(struct ndr_push *ndr,
                                       const struct dcom_activation_resp *r)
{
	dcom_orpcthat_push(ndr, &r->orpcthat);
	push_props(ndr, r->props, true);
	return ndr_push_u32(ndr, r->hr);
}

/* ---- IObjectExporter ---- */

enum ndr_err dcom_resolve_oxid_req_pull(struct ndr_pull *ndr,
                                        struct dcom_resolve_oxid_req *r)
{
	void *a = NULL;

	memset(r, 0, sizeof(*r));
	ndr_pull_hyper(ndr, &r->oxid);
	ndr_pull_u16(ndr, &r->n_protseqs);
	if (pull_count(ndr, r->n_protseqs) != NDR_ERR_SUCCESS ||
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

enum ndr_err dcom_resolve_oxid_req_push(struct ndr_push *ndr,
                                        const struct dcom_resolve_oxid_req *r)
{
	if (r->n_protseqs != 0 && r->protseqs == NULL) {
		return ndr_push_error(ndr, NDR_ERR_INVALID, "protseqs NULL");
	}
	ndr_push_hyper(ndr, r->oxid);
	ndr_push_u16(ndr, r->n_protseqs);
	ndr_push_array_size(ndr, r->n_protseqs);
	for (uint32_t i = 0; i < r->n_protseqs; i++) {
		ndr_push_u16(ndr, r->protseqs[i]);
	}
	return ndr->err;
}

enum ndr_err dcom_resolve_oxid_resp_pull(struct ndr_pull *ndr,
                                         bool v2,
                                         struct dcom_resolve_oxid_resp *r)
{
	uint32_t ref = 0;

	memset(r, 0, sizeof(*r));
	ndr_pull_unique_ptr(ndr, &ref);
	if (ndr->err == NDR_ERR_SUCCESS && ref != 0) {
		r->has_bindings = true;
		dcom_dsa_pull_ndr(ndr, &r->bindings);
	}
	ndr_pull_uuid(ndr, &r->ipid_rem_unknown);
	ndr_pull_u32(ndr, &r->authn_hint);
	if (v2) {
		ndr_pull_u16(ndr, &r->version.major);
		ndr_pull_u16(ndr, &r->version.minor);
	}
	return ndr_pull_u32(ndr, &r->status);
}

enum ndr_err dcom_resolve_oxid_resp_push(struct ndr_push *ndr,
                                         bool v2,
                                         const struct dcom_resolve_oxid_resp *r)
{
	ndr_push_unique_ptr(ndr, r->has_bindings ? &r->bindings : NULL);
	if (r->has_bindings) {
		dcom_dsa_push_ndr(ndr, &r->bindings);
	}
	ndr_push_uuid(ndr, &r->ipid_rem_unknown);
	ndr_push_u32(ndr, r->authn_hint);
	if (v2) {
		ndr_push_u16(ndr, r->version.major);
		ndr_push_u16(ndr, r->version.minor);
	}
	return ndr_push_u32(ndr, r->status);
}

enum ndr_err dcom_simple_ping_req_pull(struct ndr_pull *ndr, uint64_t *setid)
{
	*setid = 0;
	return ndr_pull_hyper(ndr, setid);
}

enum ndr_err dcom_simple_ping_req_push(struct ndr_push *ndr, uint64_t setid)
{
	return ndr_push_hyper(ndr, setid);
}

enum ndr_err dcom_complex_ping_req_pull(struct ndr_pull *ndr,
                                        struct dcom_complex_ping_req *r)
{
	uint32_t add = 0;
	uint32_t del = 0;

	memset(r, 0, sizeof(*r));
	ndr_pull_hyper(ndr, &r->setid);
	ndr_pull_u16(ndr, &r->seq);
	ndr_pull_u16(ndr, &r->n_add);
	ndr_pull_u16(ndr, &r->n_del);
	ndr_pull_unique_ptr(ndr, &add);
	if (ndr->err == NDR_ERR_SUCCESS && add != 0) {
		pull_oids(ndr, r->n_add, &r->add);
	} else if (ndr->err == NDR_ERR_SUCCESS && r->n_add != 0) {
		return ndr_pull_error(ndr, NDR_ERR_NULL_REF,
		                      "AddToSet is NULL with cAddToSet > 0");
	}
	ndr_pull_unique_ptr(ndr, &del);
	if (ndr->err == NDR_ERR_SUCCESS && del != 0) {
		pull_oids(ndr, r->n_del, &r->del);
	} else if (ndr->err == NDR_ERR_SUCCESS && r->n_del != 0) {
		return ndr_pull_error(
		        ndr, NDR_ERR_NULL_REF,
		        "DelFromSet is NULL with cDelFromSet > 0");
	}
	return ndr->err;
}

enum ndr_err dcom_complex_ping_req_push(struct ndr_push *ndr,
                                        const struct dcom_complex_ping_req *r)
{
	if ((r->n_add != 0 && r->add == NULL) ||
	    (r->n_del != 0 && r->del == NULL)) {
		return ndr_push_error(ndr, NDR_ERR_NULL_REF,
		                      "ping set array is NULL");
	}
	ndr_push_hyper(ndr, r->setid);
	ndr_push_u16(ndr, r->seq);
	ndr_push_u16(ndr, r->n_add);
	ndr_push_u16(ndr, r->n_del);
	ndr_push_unique_ptr(ndr, r->add);
	if (r->add != NULL) {
		push_oids(ndr, r->n_add, r->add);
	}
	ndr_push_unique_ptr(ndr, r->del);
	if (r->del != NULL) {
		push_oids(ndr, r->n_del, r->del);
	}
	return ndr->err;
}

enum ndr_err dcom_complex_ping_resp_pull(struct ndr_pull *ndr,
                                         struct dcom_complex_ping_resp *r)
{
	memset(r, 0, sizeof(*r));
	ndr_pull_hyper(ndr, &r->setid);
	ndr_pull_u16(ndr, &r->backoff);
	return ndr_pull_u32(ndr, &r->status);
}

enum ndr_err dcom_complex_ping_resp_push(struct ndr_push *ndr,
                                         const struct dcom_complex_ping_resp *r)
{
	ndr_push_hyper(ndr, r->setid);
	ndr_push_u16(ndr, r->backoff);
	return ndr_push_u32(ndr, r->status);
}

enum ndr_err dcom_server_alive2_resp_pull(struct ndr_pull *ndr,
                                          struct dcom_server_alive2_resp *r)
{
	uint32_t ref = 0;

	memset(r, 0, sizeof(*r));
	ndr_pull_u16(ndr, &r->version.major);
	ndr_pull_u16(ndr, &r->version.minor);
	ndr_pull_unique_ptr(ndr, &ref);
	if (ndr->err == NDR_ERR_SUCCESS && ref != 0) {
		r->has_bindings = true;
		dcom_dsa_pull_ndr(ndr, &r->bindings);
	}
	ndr_pull_u32(ndr, &r->reserved);
	return ndr_pull_u32(ndr, &r->status);
}

enum ndr_err dcom_server_alive2_resp_push(
        struct ndr_push *ndr,
        const struct dcom_server_alive2_resp *r)
{
	ndr_push_u16(ndr, r->version.major);
	ndr_push_u16(ndr, r->version.minor);
	ndr_push_unique_ptr(ndr, r->has_bindings ? &r->bindings : NULL);
	if (r->has_bindings) {
		dcom_dsa_push_ndr(ndr, &r->bindings);
	}
	ndr_push_u32(ndr, r->reserved);
	return ndr_push_u32(ndr, r->status);
}

enum ndr_err dcom_status_pull(struct ndr_pull *ndr, uint32_t *status)
{
	*status = 0;
	return ndr_pull_u32(ndr, status);
}

enum ndr_err dcom_status_push(struct ndr_push *ndr, uint32_t status)
{
	return ndr_push_u32(ndr, status);
}

/* ---- IRemUnknown / IRemUnknown2 ---- */

enum ndr_err dcom_rem_qi_req_pull(struct ndr_pull *ndr,
                                  struct dcom_rem_qi_req *r)
{
	memset(r, 0, sizeof(*r));
	dcom_orpcthis_pull(ndr, &r->orpcthis);
	ndr_pull_uuid(ndr, &r->ipid);
	ndr_pull_u32(ndr, &r->refs);
	ndr_pull_u16(ndr, &r->n_iids);
	if (ndr->err != NDR_ERR_SUCCESS) {
		return ndr->err;
	}
	return pull_guids(ndr, r->n_iids, &r->iids);
}

enum ndr_err dcom_rem_qi_req_push(struct ndr_push *ndr,
                                  const struct dcom_rem_qi_req *r)
{
	dcom_orpcthis_push(ndr, &r->orpcthis);
	ndr_push_uuid(ndr, &r->ipid);
	ndr_push_u32(ndr, r->refs);
	ndr_push_u16(ndr, r->n_iids);
	return push_guids(ndr, r->n_iids, r->iids);
}

enum ndr_err dcom_rem_qi_resp_pull(struct ndr_pull *ndr,
                                   struct dcom_rem_qi_resp *r)
{
	uint32_t ref = 0;
	void *a = NULL;

	memset(r, 0, sizeof(*r));
	dcom_orpcthat_pull(ndr, &r->orpcthat);
	ndr_pull_unique_ptr(ndr, &ref);
	if (ndr->err == NDR_ERR_SUCCESS && ref != 0) {
		/* REMQIRESULT: hResult, pad, STDOBJREF (48 octets). */
		if (ndr_pull_array_size(ndr, &r->n) != NDR_ERR_SUCCESS ||
		    ndr_pull_array_alloc(ndr, r->n, sizeof(*r->results), 44,
		                         &a) != NDR_ERR_SUCCESS) {
			return ndr->err;
		}
		r->results = a;
		for (uint32_t i = 0; i < r->n; i++) {
			ndr_pull_align(ndr, 8);
			ndr_pull_u32(ndr, &r->results[i].hr);
			dcom_stdobjref_pull(ndr, &r->results[i].std);
		}
	}
	return ndr_pull_u32(ndr, &r->hr);
}

enum ndr_err dcom_rem_qi_resp_push(struct ndr_push *ndr,
                                   const struct dcom_rem_qi_resp *r)
{
	dcom_orpcthat_push(ndr, &r->orpcthat);
	ndr_push_unique_ptr(ndr, r->results);
	if (r->results != NULL) {
		ndr_push_array_size(ndr, r->n);
		for (uint32_t i = 0; i < r->n; i++) {
			ndr_push_align(ndr, 8);
			ndr_push_u32(ndr, r->results[i].hr);
			dcom_stdobjref_push(ndr, &r->results[i].std);
		}
	}
	return ndr_push_u32(ndr, r->hr);
}

enum ndr_err dcom_rem_refs_req_pull(struct ndr_pull *ndr,
                                    struct dcom_rem_refs_req *r)
{
	void *a = NULL;

	memset(r, 0, sizeof(*r));
	dcom_orpcthis_pull(ndr, &r->orpcthis);
	ndr_pull_u16(ndr, &r->n);
	if (pull_count(ndr, r->n) != NDR_ERR_SUCCESS ||
	    ndr_pull_array_alloc(ndr, r->n, sizeof(*r->refs), 24, &a) !=
	            NDR_ERR_SUCCESS) {
		return ndr->err;
	}
	r->refs = a;
	for (uint32_t i = 0; i < r->n; i++) {
		ndr_pull_uuid(ndr, &r->refs[i].ipid);
		ndr_pull_u32(ndr, &r->refs[i].public_refs);
		ndr_pull_u32(ndr, &r->refs[i].private_refs);
	}
	return ndr->err;
}

enum ndr_err dcom_rem_refs_req_push(struct ndr_push *ndr,
                                    const struct dcom_rem_refs_req *r)
{
	if (r->n != 0 && r->refs == NULL) {
		return ndr_push_error(ndr, NDR_ERR_INVALID, "refs NULL");
	}
	dcom_orpcthis_push(ndr, &r->orpcthis);
	ndr_push_u16(ndr, r->n);
	ndr_push_array_size(ndr, r->n);
	for (uint32_t i = 0; i < r->n; i++) {
		ndr_push_uuid(ndr, &r->refs[i].ipid);
		ndr_push_u32(ndr, r->refs[i].public_refs);
		ndr_push_u32(ndr, r->refs[i].private_refs);
	}
	return ndr->err;
}

enum ndr_err dcom_rem_addref_resp_pull(struct ndr_pull *ndr,
                                       struct dcom_rem_addref_resp *r)
{
	memset(r, 0, sizeof(*r));
	dcom_orpcthat_pull(ndr, &r->orpcthat);
	pull_u32s(ndr, &r->n, &r->results);
	return ndr_pull_u32(ndr, &r->hr);
}

enum ndr_err dcom_rem_addref_resp_push(struct ndr_push *ndr,
                                       const struct dcom_rem_addref_resp *r)
{
	dcom_orpcthat_push(ndr, &r->orpcthat);
	push_u32s(ndr, r->n, r->results);
	return ndr_push_u32(ndr, r->hr);
}

enum ndr_err dcom_rem_qi2_req_pull(struct ndr_pull *ndr,
                                   struct dcom_rem_qi2_req *r)
{
	memset(r, 0, sizeof(*r));
	dcom_orpcthis_pull(ndr, &r->orpcthis);
	ndr_pull_uuid(ndr, &r->ipid);
	ndr_pull_u16(ndr, &r->n_iids);
	if (ndr->err != NDR_ERR_SUCCESS) {
		return ndr->err;
	}
	return pull_guids(ndr, r->n_iids, &r->iids);
}

enum ndr_err dcom_rem_qi2_req_push(struct ndr_push *ndr,
                                   const struct dcom_rem_qi2_req *r)
{
	dcom_orpcthis_push(ndr, &r->orpcthis);
	ndr_push_uuid(ndr, &r->ipid);
	ndr_push_u16(ndr, r->n_iids);
	return push_guids(ndr, r->n_iids, r->iids);
}

enum ndr_err dcom_rem_qi2_resp_pull(struct ndr_pull *ndr,
                                    struct dcom_rem_qi2_resp *r)
{
	uint32_t n_mif = 0;
	uint32_t *refs = NULL;
	void *a = NULL;

	memset(r, 0, sizeof(*r));
	dcom_orpcthat_pull(ndr, &r->orpcthat);
	pull_u32s(ndr, &r->n, &r->hrs);
	if (ndr->err != NDR_ERR_SUCCESS) {
		return ndr->err;
	}
	if (pull_u32s(ndr, &n_mif, &refs) != NDR_ERR_SUCCESS) {
		return ndr->err;
	}
	if (n_mif != r->n) {
		talloc_free(refs);
		return ndr_pull_error(ndr, NDR_ERR_ARRAY_SIZE,
		                      "ppMIF count is not the phr count");
	}
	if (ndr_pull_array_alloc(ndr, r->n, sizeof(*r->mifs), 0, &a) ==
	    NDR_ERR_SUCCESS) {
		r->mifs = a;
		for (uint32_t i = 0; i < r->n; i++) {
			if (refs[i] != 0 &&
			    dcom_mip_objref_pull_new(ndr, &r->mifs[i]) !=
			            NDR_ERR_SUCCESS) {
				break;
			}
		}
	}
	talloc_free(refs);
	return ndr_pull_u32(ndr, &r->hr);
}

enum ndr_err dcom_rem_qi2_resp_push(struct ndr_push *ndr,
                                    const struct dcom_rem_qi2_resp *r)
{
	if (r->n != 0 && r->mifs == NULL) {
		return ndr_push_error(ndr, NDR_ERR_INVALID, "ppMIF NULL");
	}
	dcom_orpcthat_push(ndr, &r->orpcthat);
	push_u32s(ndr, r->n, r->hrs);
	ndr_push_array_size(ndr, r->n);
	for (uint32_t i = 0; i < r->n; i++) {
		ndr_push_unique_ptr(ndr, r->mifs[i]);
	}
	for (uint32_t i = 0; i < r->n; i++) {
		if (r->mifs[i] != NULL) {
			dcom_mip_objref_push(ndr, r->mifs[i]);
		}
	}
	return ndr_push_u32(ndr, r->hr);
}

enum ndr_err dcom_orpc_hr_resp_pull(struct ndr_pull *ndr,
                                    struct dcom_orpc_hr_resp *r)
{
	memset(r, 0, sizeof(*r));
	dcom_orpcthat_pull(ndr, &r->orpcthat);
	return ndr_pull_u32(ndr, &r->hr);
}

enum ndr_err dcom_orpc_hr_resp_push(struct ndr_push *ndr,
                                    const struct dcom_orpc_hr_resp *r)
{
	dcom_orpcthat_push(ndr, &r->orpcthat);
	return ndr_push_u32(ndr, r->hr);
}
