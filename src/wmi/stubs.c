/*
 * stubs: the [in] and [out] stubs of IWbemLevel1Login, IWbemServices,
 * IEnumWbemClassObject, IWbemCallResult, IWbemFetchSmartEnum and
 * IWbemWCOSmartEnum (wmi layer, leaf codec).  MS-WMI section 6 (IDL),
 * MS-OAUT 2.2.23 (BSTR); contracts in stubs.h.
 *
 * IWbemServices has 23 methods built from nine parameter kinds, so its
 * stubs are driven by a per-opnum list of kinds (svc_in / svc_out) rather
 * than written out 46 times.
 */
#include "wmi/stubs.h"

#include <string.h>
#include <talloc.h>

#include "base/utf.h"
#include "dcom/objref.h"
#include "dcom/orpc.h"

/* ---- identifiers ---- */

#define GUID_(a, b, c, d0, d1, e0, e1, e2, e3, e4, e5)     \
	{                                                  \
		(a), (b), (c), { (d0), (d1) },             \
		{                                          \
			(e0), (e1), (e2), (e3), (e4), (e5) \
		}                                          \
	}

const struct rpc_uuid wmi_clsid_wbemlevel1login = GUID_(0x8BC3F05E,
                                                        0xD86B,
                                                        0x11D0,
                                                        0xA0,
                                                        0x75,
                                                        0x00,
                                                        0xC0,
                                                        0x4F,
                                                        0xB6,
                                                        0x88,
                                                        0x20);
const struct rpc_uuid wmi_iid_iwbemlevel1login = GUID_(0xF309AD18,
                                                       0xD86A,
                                                       0x11D0,
                                                       0xA0,
                                                       0x75,
                                                       0x00,
                                                       0xC0,
                                                       0x4F,
                                                       0xB6,
                                                       0x88,
                                                       0x20);
const struct rpc_uuid wmi_iid_iwbemservices = GUID_(0x9556dc99,
                                                    0x828c,
                                                    0x11cf,
                                                    0xa3,
                                                    0x7e,
                                                    0x00,
                                                    0xaa,
                                                    0x00,
                                                    0x32,
                                                    0x40,
                                                    0xc7);
const struct rpc_uuid wmi_iid_ienumwbemclassobject = GUID_(0x027947e1,
                                                           0xd731,
                                                           0x11ce,
                                                           0xa3,
                                                           0x57,
                                                           0x00,
                                                           0x00,
                                                           0x00,
                                                           0x00,
                                                           0x00,
                                                           0x01);
const struct rpc_uuid wmi_iid_iwbemcallresult = GUID_(0x44aca675,
                                                      0xe8fc,
                                                      0x11d0,
                                                      0xa0,
                                                      0x7c,
                                                      0x00,
                                                      0xc0,
                                                      0x4f,
                                                      0xb6,
                                                      0x88,
                                                      0x20);
const struct rpc_uuid wmi_iid_iwbemfetchsmartenum = GUID_(0x1C1C45EE,
                                                          0x4395,
                                                          0x11d2,
                                                          0xB6,
                                                          0x0B,
                                                          0x00,
                                                          0x10,
                                                          0x4B,
                                                          0x70,
                                                          0x3E,
                                                          0xFD);
const struct rpc_uuid wmi_iid_iwbemwcosmartenum = GUID_(0x423EC01E,
                                                        0x2E35,
                                                        0x11d2,
                                                        0xB6,
                                                        0x04,
                                                        0x00,
                                                        0x10,
                                                        0x4B,
                                                        0x70,
                                                        0x3E,
                                                        0xFD);
const struct rpc_uuid wmi_iid_iwbemclassobject = GUID_(0xdc12a681,
                                                       0x737f,
                                                       0x11cf,
                                                       0x88,
                                                       0x4d,
                                                       0x00,
                                                       0xaa,
                                                       0x00,
                                                       0x4b,
                                                       0x2e,
                                                       0x24);
const struct rpc_uuid wmi_iid_iwbemcontext = GUID_(0x44aca674,
                                                   0xe8fc,
                                                   0x11d0,
                                                   0xa0,
                                                   0x7c,
                                                   0x00,
                                                   0xc0,
                                                   0x4f,
                                                   0xb6,
                                                   0x88,
                                                   0x20);
const struct rpc_uuid wmi_iid_iwbemobjectsink = GUID_(0x7c857801,
                                                      0x7381,
                                                      0x11cf,
                                                      0x88,
                                                      0x4d,
                                                      0x00,
                                                      0xaa,
                                                      0x00,
                                                      0x4b,
                                                      0x2e,
                                                      0x24);
const struct rpc_uuid wmi_iid_iwbemloginclientid = GUID_(0xd4781cd6,
                                                         0xe5d3,
                                                         0x44df,
                                                         0xad,
                                                         0x94,
                                                         0x93,
                                                         0x0e,
                                                         0xfe,
                                                         0x48,
                                                         0xa8,
                                                         0x87);
const struct rpc_uuid wmi_iid_iwbemloginhelper = GUID_(0x541679AB,
                                                       0x2E5F,
                                                       0x11d3,
                                                       0xB3,
                                                       0x4E,
                                                       0x00,
                                                       0x10,
                                                       0x4B,
                                                       0xCC,
                                                       0x4B,
                                                       0x4A);
const struct rpc_uuid wmi_clsid_wbemclassobject = GUID_(0x4590f812,
                                                        0x1d3a,
                                                        0x11d0,
                                                        0x89,
                                                        0x1f,
                                                        0x00,
                                                        0xaa,
                                                        0x00,
                                                        0x4b,
                                                        0x2e,
                                                        0x24);
const struct rpc_uuid wmi_clsid_wbemcontext = GUID_(0x674B6698,
                                                    0xEE92,
                                                    0x11d0,
                                                    0xAD,
                                                    0x71,
                                                    0x00,
                                                    0xC0,
                                                    0x4F,
                                                    0xD8,
                                                    0xFD,
                                                    0xFF);

/* ---- BSTR ---- */

/* cBytes of a NULL BSTR (MS-OAUT 2.2.23.2). */
#define BSTR_NULL_CBYTES 0xFFFFFFFFu

enum ndr_err wmi_bstr_pull(struct ndr_pull *ndr, char **out)
{
	uint32_t ref = 0, max = 0, cbytes = 0, clsize = 0;
	const uint8_t *p = NULL;
	size_t n;
	hresult hr;

	*out = NULL;
	if (ndr_pull_unique_ptr(ndr, &ref) != NDR_ERR_SUCCESS || ref == 0) {
		return ndr->err;
	}
	ndr_pull_array_size(ndr, &max);
	ndr_pull_u32(ndr, &cbytes);
	ndr_pull_u32(ndr, &clsize);
	if (ndr->err != NDR_ERR_SUCCESS) {
		return ndr->err;
	}
	if (max != clsize) {
		return ndr_pull_error(ndr, NDR_ERR_ARRAY_SIZE,
		                      "BSTR conformance is not clSize");
	}
	if (cbytes == BSTR_NULL_CBYTES && clsize == 0) {
		return NDR_ERR_SUCCESS; /* a transmitted NULL BSTR */
	}
	/* clSize is cBytes / 2 rounded up. */
	if ((uint64_t)clsize * 2 != cbytes &&
	    (uint64_t)clsize * 2 != (uint64_t)cbytes + 1) {
		return ndr_pull_error(ndr, NDR_ERR_ARRAY_SIZE,
		                      "BSTR cBytes does not match clSize");
	}
	if (clsize > ndr->lim.max_elems) {
		return ndr_pull_error(ndr, NDR_ERR_LIMIT, "BSTR too long");
	}
	if (ndr_pull_bytes_ref(ndr, (size_t)clsize * 2, &p) !=
	    NDR_ERR_SUCCESS) {
		return ndr->err;
	}
	n = cbytes / 2;
	while (n > 0 && p[2 * n - 2] == 0 && p[2 * n - 1] == 0) {
		n--;
	}
	for (size_t i = 0; i < n; i++) {
		if (p[2 * i] == 0 && p[2 * i + 1] == 0) {
			return ndr_pull_error(ndr, NDR_ERR_STRING,
			                      "NUL inside a BSTR");
		}
	}
	hr = utf16le_to_utf8(ndr->mem, p, n * 2, out, NULL);
	if (hr_eq(hr, HR_E_OUTOFMEMORY)) {
		*out = NULL;
		return ndr_pull_error(ndr, NDR_ERR_ALLOC, "BSTR allocation");
	}
	if (hr_failed(hr)) {
		*out = NULL;
		return ndr_pull_error(ndr, NDR_ERR_STRING,
		                      "BSTR is not valid UTF-16");
	}
	return NDR_ERR_SUCCESS;
}

enum ndr_err wmi_bstr_push(struct ndr_push *ndr, const char *s)
{
	uint8_t *w = NULL;
	size_t wn = 0;
	hresult hr;

	/* A NULL BSTR is transmitted as a blob with cBytes 0xFFFFFFFF. */
	ndr_push_unique_ptr(ndr, ndr);
	if (s == NULL) {
		ndr_push_array_size(ndr, 0);
		ndr_push_u32(ndr, BSTR_NULL_CBYTES);
		return ndr_push_u32(ndr, 0);
	}
	if (ndr->err != NDR_ERR_SUCCESS) {
		return ndr->err;
	}
	hr = utf8_to_utf16le(ndr->mem, s, strlen(s), &w, &wn);
	if (hr_eq(hr, HR_E_OUTOFMEMORY)) {
		return ndr_push_error(ndr, NDR_ERR_ALLOC, "BSTR conversion");
	}
	if (hr_failed(hr)) {
		return ndr_push_error(ndr, NDR_ERR_STRING,
		                      "BSTR is not valid UTF-8");
	}
	if (wn / 2 > UINT32_MAX / 2) {
		talloc_free(w);
		return ndr_push_error(ndr, NDR_ERR_RANGE, "BSTR too long");
	}
	ndr_push_array_size(ndr, (uint32_t)(wn / 2));
	ndr_push_u32(ndr, (uint32_t)wn);
	ndr_push_u32(ndr, (uint32_t)(wn / 2));
	ndr_push_bytes(ndr, w, wn);
	talloc_free(w);
	return ndr->err;
}

/* ---- interface pointers ---- */

/* [in, out, unique] IFoo **: outer pointer, inner pointer, MIP. */
static enum ndr_err pull_ppobj(struct ndr_pull *ndr, struct wmi_ppobj *r)
{
	uint32_t ref = 0;

	r->set = false;
	r->obj = NULL;
	if (ndr_pull_unique_ptr(ndr, &ref) != NDR_ERR_SUCCESS || ref == 0) {
		return ndr->err;
	}
	r->set = true;
	return dcom_pmip_objref_pull(ndr, &r->obj);
}

static enum ndr_err push_ppobj(struct ndr_push *ndr, const struct wmi_ppobj *r)
{
	if (!r->set) {
		if (r->obj != NULL) {
			return ndr_push_error(
			        ndr, NDR_ERR_INVALID,
			        "object without its outer pointer");
		}
		return ndr_push_unique_ptr(ndr, NULL);
	}
	ndr_push_unique_ptr(ndr, r);
	return dcom_pmip_objref_push(ndr, r->obj);
}

/* [unique, string] wchar_t *: NULL or a NUL-terminated string. */
static enum ndr_err pull_opt_wstring(struct ndr_pull *ndr, char **out)
{
	uint32_t ref = 0;

	*out = NULL;
	if (ndr_pull_unique_ptr(ndr, &ref) != NDR_ERR_SUCCESS || ref == 0) {
		return ndr->err;
	}
	return ndr_pull_wstring(ndr, NDR_STR_NUL_TERM, out);
}

static enum ndr_err push_opt_wstring(struct ndr_push *ndr, const char *s)
{
	ndr_push_unique_ptr(ndr, s);
	if (s != NULL) {
		ndr_push_wstring(ndr, NDR_STR_NUL_TERM, s);
	}
	return ndr->err;
}

static enum ndr_err pull_i32(struct ndr_pull *ndr, int32_t *v)
{
	return ndr_pull_i32(ndr, v);
}

/* ---- IWbemLevel1Login ---- */

enum ndr_err wmi_establish_position_req_pull(
        struct ndr_pull *ndr,
        struct wmi_establish_position_req *r)
{
	memset(r, 0, sizeof(*r));
	dcom_orpcthis_pull(ndr, &r->orpcthis);
	pull_opt_wstring(ndr, &r->reserved1);
	return ndr_pull_u32(ndr, &r->reserved2);
}

enum ndr_err wmi_establish_position_req_push(
        struct ndr_push *ndr,
        const struct wmi_establish_position_req *r)
{
	dcom_orpcthis_push(ndr, &r->orpcthis);
	push_opt_wstring(ndr, r->reserved1);
	return ndr_push_u32(ndr, r->reserved2);
}

enum ndr_err wmi_establish_position_resp_pull(
        struct ndr_pull *ndr,
        struct wmi_establish_position_resp *r)
{
	memset(r, 0, sizeof(*r));
	dcom_orpcthat_pull(ndr, &r->orpcthat);
	ndr_pull_u32(ndr, &r->locale_version);
	return ndr_pull_u32(ndr, &r->hr);
}

enum ndr_err wmi_establish_position_resp_push(
        struct ndr_push *ndr,
        const struct wmi_establish_position_resp *r)
{
	dcom_orpcthat_push(ndr, &r->orpcthat);
	ndr_push_u32(ndr, r->locale_version);
	return ndr_push_u32(ndr, r->hr);
}

enum ndr_err wmi_request_challenge_req_pull(struct ndr_pull *ndr,
                                            struct wmi_request_challenge_req *r)
{
	memset(r, 0, sizeof(*r));
	dcom_orpcthis_pull(ndr, &r->orpcthis);
	pull_opt_wstring(ndr, &r->reserved1);
	return pull_opt_wstring(ndr, &r->reserved2);
}

enum ndr_err wmi_request_challenge_req_push(
        struct ndr_push *ndr,
        const struct wmi_request_challenge_req *r)
{
	dcom_orpcthis_push(ndr, &r->orpcthis);
	push_opt_wstring(ndr, r->reserved1);
	return push_opt_wstring(ndr, r->reserved2);
}

/* [size_is(16), length_is(16)] unsigned char *: max, offset, actual. */
static enum ndr_err pull_bytes16(struct ndr_pull *ndr, uint8_t out[16])
{
	uint32_t max = 0, off = 0, actual = 0;

	ndr_pull_array_size(ndr, &max);
	if (ndr->err == NDR_ERR_SUCCESS && max != 16) {
		return ndr_pull_error(ndr, NDR_ERR_ARRAY_SIZE,
		                      "16-octet array of another size");
	}
	ndr_pull_array_length(ndr, max, &off, &actual);
	if (ndr->err == NDR_ERR_SUCCESS && (off != 0 || actual != 16)) {
		return ndr_pull_error(ndr, NDR_ERR_ARRAY_SIZE,
		                      "16-octet array not fully transmitted");
	}
	return ndr_pull_bytes(ndr, out, 16);
}

static enum ndr_err push_bytes16(struct ndr_push *ndr, const uint8_t in[16])
{
	ndr_push_array_size(ndr, 16);
	ndr_push_array_length(ndr, 0, 16);
	return ndr_push_bytes(ndr, in, 16);
}

enum ndr_err wmi_request_challenge_resp_pull(
        struct ndr_pull *ndr,
        struct wmi_request_challenge_resp *r)
{
	memset(r, 0, sizeof(*r));
	dcom_orpcthat_pull(ndr, &r->orpcthat);
	pull_bytes16(ndr, r->reserved3);
	return ndr_pull_u32(ndr, &r->hr);
}

enum ndr_err wmi_request_challenge_resp_push(
        struct ndr_push *ndr,
        const struct wmi_request_challenge_resp *r)
{
	dcom_orpcthat_push(ndr, &r->orpcthat);
	push_bytes16(ndr, r->reserved3);
	return ndr_push_u32(ndr, r->hr);
}

enum ndr_err wmi_wbem_login_req_pull(struct ndr_pull *ndr,
                                     struct wmi_wbem_login_req *r)
{
	uint32_t ref = 0;

	memset(r, 0, sizeof(*r));
	dcom_orpcthis_pull(ndr, &r->orpcthis);
	pull_opt_wstring(ndr, &r->reserved1);
	if (ndr_pull_unique_ptr(ndr, &ref) == NDR_ERR_SUCCESS && ref != 0) {
		r->has_reserved2 = true;
		pull_bytes16(ndr, r->reserved2);
	}
	pull_i32(ndr, &r->reserved3);
	return dcom_pmip_objref_pull(ndr, &r->reserved4);
}

enum ndr_err wmi_wbem_login_req_push(struct ndr_push *ndr,
                                     const struct wmi_wbem_login_req *r)
{
	dcom_orpcthis_push(ndr, &r->orpcthis);
	push_opt_wstring(ndr, r->reserved1);
	ndr_push_unique_ptr(ndr, r->has_reserved2 ? r : NULL);
	if (r->has_reserved2) {
		push_bytes16(ndr, r->reserved2);
	}
	ndr_push_i32(ndr, r->reserved3);
	return dcom_pmip_objref_push(ndr, r->reserved4);
}

enum ndr_err wmi_ntlm_login_req_pull(struct ndr_pull *ndr,
                                     struct wmi_ntlm_login_req *r)
{
	memset(r, 0, sizeof(*r));
	dcom_orpcthis_pull(ndr, &r->orpcthis);
	pull_opt_wstring(ndr, &r->network_resource);
	pull_opt_wstring(ndr, &r->preferred_locale);
	pull_i32(ndr, &r->flags);
	return dcom_pmip_objref_pull(ndr, &r->ctx);
}

enum ndr_err wmi_ntlm_login_req_push(struct ndr_push *ndr,
                                     const struct wmi_ntlm_login_req *r)
{
	dcom_orpcthis_push(ndr, &r->orpcthis);
	push_opt_wstring(ndr, r->network_resource);
	push_opt_wstring(ndr, r->preferred_locale);
	ndr_push_i32(ndr, r->flags);
	return dcom_pmip_objref_push(ndr, r->ctx);
}

enum ndr_err wmi_set_client_info_req_pull(struct ndr_pull *ndr,
                                          struct wmi_set_client_info_req *r)
{
	memset(r, 0, sizeof(*r));
	dcom_orpcthis_pull(ndr, &r->orpcthis);
	pull_opt_wstring(ndr, &r->client_machine);
	pull_i32(ndr, &r->proc_id);
	return pull_i32(ndr, &r->reserved);
}

enum ndr_err wmi_set_client_info_req_push(
        struct ndr_push *ndr,
        const struct wmi_set_client_info_req *r)
{
	dcom_orpcthis_push(ndr, &r->orpcthis);
	push_opt_wstring(ndr, r->client_machine);
	ndr_push_i32(ndr, r->proc_id);
	return ndr_push_i32(ndr, r->reserved);
}

enum ndr_err wmi_set_event_req_pull(struct ndr_pull *ndr,
                                    struct wmi_set_event_req *r)
{
	memset(r, 0, sizeof(*r));
	dcom_orpcthis_pull(ndr, &r->orpcthis);
	return ndr_pull_cstring(ndr, NDR_STR_NUL_TERM, &r->event);
}

enum ndr_err wmi_set_event_req_push(struct ndr_push *ndr,
                                    const struct wmi_set_event_req *r)
{
	dcom_orpcthis_push(ndr, &r->orpcthis);
	return ndr_push_cstring(ndr, NDR_STR_NUL_TERM, r->event);
}

enum ndr_err wmi_objref_resp_pull(struct ndr_pull *ndr,
                                  struct wmi_objref_resp *r)
{
	memset(r, 0, sizeof(*r));
	dcom_orpcthat_pull(ndr, &r->orpcthat);
	dcom_pmip_objref_pull(ndr, &r->obj);
	return ndr_pull_u32(ndr, &r->hr);
}

enum ndr_err wmi_objref_resp_push(struct ndr_push *ndr,
                                  const struct wmi_objref_resp *r)
{
	dcom_orpcthat_push(ndr, &r->orpcthat);
	dcom_pmip_objref_push(ndr, r->obj);
	return ndr_push_u32(ndr, r->hr);
}

/* ---- IWbemServices ---- */

enum svc_kind {
	K_END = 0,
	K_STR1,
	K_STR2,
	K_OBJ,
	K_FLAGS,
	K_CTX,
	K_SINK,
	K_PPOBJ,
	K_PPRES,
	K_OUT,
};

#define SVC_MAX_KINDS 8

/* The [in] parameters of opnums 3..25 in wire order. */
static const uint8_t svc_in[WMI_SERVICES_N_OPS][SVC_MAX_KINDS] = {
	[WMI_OP_OPEN_NAMESPACE] = { K_STR1, K_FLAGS, K_CTX, K_PPOBJ, K_PPRES },
	[WMI_OP_CANCEL_ASYNC_CALL] = { K_SINK },
	[WMI_OP_QUERY_OBJECT_SINK] = { K_FLAGS },
	[WMI_OP_GET_OBJECT] = { K_STR1, K_FLAGS, K_CTX, K_PPOBJ, K_PPRES },
	[WMI_OP_GET_OBJECT_ASYNC] = { K_STR1, K_FLAGS, K_CTX, K_SINK },
	[WMI_OP_PUT_CLASS] = { K_OBJ, K_FLAGS, K_CTX, K_PPRES },
	[WMI_OP_PUT_CLASS_ASYNC] = { K_OBJ, K_FLAGS, K_CTX, K_SINK },
	[WMI_OP_DELETE_CLASS] = { K_STR1, K_FLAGS, K_CTX, K_PPRES },
	[WMI_OP_DELETE_CLASS_ASYNC] = { K_STR1, K_FLAGS, K_CTX, K_SINK },
	[WMI_OP_CREATE_CLASS_ENUM] = { K_STR1, K_FLAGS, K_CTX },
	[WMI_OP_CREATE_CLASS_ENUM_ASYNC] = { K_STR1, K_FLAGS, K_CTX, K_SINK },
	[WMI_OP_PUT_INSTANCE] = { K_OBJ, K_FLAGS, K_CTX, K_PPRES },
	[WMI_OP_PUT_INSTANCE_ASYNC] = { K_OBJ, K_FLAGS, K_CTX, K_SINK },
	[WMI_OP_DELETE_INSTANCE] = { K_STR1, K_FLAGS, K_CTX, K_PPRES },
	[WMI_OP_DELETE_INSTANCE_ASYNC] = { K_STR1, K_FLAGS, K_CTX, K_SINK },
	[WMI_OP_CREATE_INSTANCE_ENUM] = { K_STR1, K_FLAGS, K_CTX },
	[WMI_OP_CREATE_INSTANCE_ENUM_ASYNC] = { K_STR1, K_FLAGS, K_CTX,
	                                        K_SINK },
	[WMI_OP_EXEC_QUERY] = { K_STR1, K_STR2, K_FLAGS, K_CTX },
	[WMI_OP_EXEC_QUERY_ASYNC] = { K_STR1, K_STR2, K_FLAGS, K_CTX, K_SINK },
	[WMI_OP_EXEC_NOTIFICATION_QUERY] = { K_STR1, K_STR2, K_FLAGS, K_CTX },
	[WMI_OP_EXEC_NOTIFICATION_QUERY_ASYNC] = { K_STR1, K_STR2, K_FLAGS,
	                                           K_CTX, K_SINK },
	[WMI_OP_EXEC_METHOD] = { K_STR1, K_STR2, K_FLAGS, K_CTX, K_OBJ, K_PPOBJ,
	                         K_PPRES },
	[WMI_OP_EXEC_METHOD_ASYNC] = { K_STR1, K_STR2, K_FLAGS, K_CTX, K_OBJ,
	                               K_SINK },
};

/* The [out] parameters before the HRESULT. */
static const uint8_t svc_out[WMI_SERVICES_N_OPS][SVC_MAX_KINDS] = {
	[WMI_OP_OPEN_NAMESPACE] = { K_PPOBJ, K_PPRES },
	[WMI_OP_QUERY_OBJECT_SINK] = { K_OUT },
	[WMI_OP_GET_OBJECT] = { K_PPOBJ, K_PPRES },
	[WMI_OP_PUT_CLASS] = { K_PPRES },
	[WMI_OP_DELETE_CLASS] = { K_PPRES },
	[WMI_OP_CREATE_CLASS_ENUM] = { K_OUT },
	[WMI_OP_PUT_INSTANCE] = { K_PPRES },
	[WMI_OP_DELETE_INSTANCE] = { K_PPRES },
	[WMI_OP_CREATE_INSTANCE_ENUM] = { K_OUT },
	[WMI_OP_EXEC_QUERY] = { K_OUT },
	[WMI_OP_EXEC_NOTIFICATION_QUERY] = { K_OUT },
	[WMI_OP_EXEC_METHOD] = { K_PPOBJ, K_PPRES },
};

static bool svc_opnum_ok(uint16_t opnum)
{
	return opnum >= WMI_OP_OPEN_NAMESPACE && opnum < WMI_SERVICES_N_OPS;
}

bool wmi_svc_opnum_is_async(uint16_t opnum)
{
	return opnum == WMI_OP_CANCEL_ASYNC_CALL ||
	       (opnum >= WMI_OP_GET_OBJECT_ASYNC &&
	        opnum <= WMI_OP_EXEC_METHOD_ASYNC && (opnum & 1) != 0);
}

enum ndr_err wmi_svc_req_pull(struct ndr_pull *ndr,
                              uint16_t opnum,
                              struct wmi_svc_req *r)
{
	memset(r, 0, sizeof(*r));
	if (!svc_opnum_ok(opnum)) {
		return ndr_pull_error(ndr, NDR_ERR_RANGE,
		                      "not an IWbemServices opnum");
	}
	dcom_orpcthis_pull(ndr, &r->orpcthis);
	for (const uint8_t *k = svc_in[opnum];
	     k < svc_in[opnum] + SVC_MAX_KINDS && *k != K_END &&
	     ndr->err == NDR_ERR_SUCCESS;
	     k++) {
		switch (*k) {
		case K_STR1:
			wmi_bstr_pull(ndr, &r->str1);
			break;
		case K_STR2:
			wmi_bstr_pull(ndr, &r->str2);
			break;
		case K_OBJ:
			dcom_pmip_objref_pull(ndr, &r->obj);
			break;
		case K_FLAGS:
			pull_i32(ndr, &r->flags);
			break;
		case K_CTX:
			dcom_pmip_objref_pull(ndr, &r->ctx);
			break;
		case K_SINK:
			dcom_pmip_objref_pull(ndr, &r->sink);
			break;
		case K_PPOBJ:
			pull_ppobj(ndr, &r->pp_obj);
			break;
		case K_PPRES:
			pull_ppobj(ndr, &r->pp_result);
			break;
		default:
			return ndr_pull_error(ndr, NDR_ERR_INVALID, "kind");
		}
	}
	return ndr->err;
}

enum ndr_err wmi_svc_req_push(struct ndr_push *ndr,
                              uint16_t opnum,
                              const struct wmi_svc_req *r)
{
	if (!svc_opnum_ok(opnum)) {
		return ndr_push_error(ndr, NDR_ERR_INVALID,
		                      "not an IWbemServices opnum");
	}
	dcom_orpcthis_push(ndr, &r->orpcthis);
	for (const uint8_t *k = svc_in[opnum];
	     k < svc_in[opnum] + SVC_MAX_KINDS && *k != K_END &&
	     ndr->err == NDR_ERR_SUCCESS;
	     k++) {
		switch (*k) {
		case K_STR1:
			wmi_bstr_push(ndr, r->str1);
			break;
		case K_STR2:
			wmi_bstr_push(ndr, r->str2);
			break;
		case K_OBJ:
			dcom_pmip_objref_push(ndr, r->obj);
			break;
		case K_FLAGS:
			ndr_push_i32(ndr, r->flags);
			break;
		case K_CTX:
			dcom_pmip_objref_push(ndr, r->ctx);
			break;
		case K_SINK:
			dcom_pmip_objref_push(ndr, r->sink);
			break;
		case K_PPOBJ:
			push_ppobj(ndr, &r->pp_obj);
			break;
		case K_PPRES:
			push_ppobj(ndr, &r->pp_result);
			break;
		default:
			return ndr_push_error(ndr, NDR_ERR_INVALID, "kind");
		}
	}
	return ndr->err;
}

enum ndr_err wmi_svc_resp_pull(struct ndr_pull *ndr,
                               uint16_t opnum,
                               struct wmi_svc_resp *r)
{
	memset(r, 0, sizeof(*r));
	if (!svc_opnum_ok(opnum)) {
		return ndr_pull_error(ndr, NDR_ERR_RANGE,
		                      "not an IWbemServices opnum");
	}
	dcom_orpcthat_pull(ndr, &r->orpcthat);
	for (const uint8_t *k = svc_out[opnum];
	     k < svc_out[opnum] + SVC_MAX_KINDS && *k != K_END &&
	     ndr->err == NDR_ERR_SUCCESS;
	     k++) {
		switch (*k) {
		case K_PPOBJ:
			pull_ppobj(ndr, &r->pp_obj);
			break;
		case K_PPRES:
			pull_ppobj(ndr, &r->pp_result);
			break;
		case K_OUT:
			dcom_pmip_objref_pull(ndr, &r->out);
			break;
		default:
			return ndr_pull_error(ndr, NDR_ERR_INVALID, "kind");
		}
	}
	return ndr_pull_u32(ndr, &r->hr);
}

enum ndr_err wmi_svc_resp_push(struct ndr_push *ndr,
                               uint16_t opnum,
                               const struct wmi_svc_resp *r)
{
	if (!svc_opnum_ok(opnum)) {
		return ndr_push_error(ndr, NDR_ERR_INVALID,
		                      "not an IWbemServices opnum");
	}
	dcom_orpcthat_push(ndr, &r->orpcthat);
	for (const uint8_t *k = svc_out[opnum];
	     k < svc_out[opnum] + SVC_MAX_KINDS && *k != K_END &&
	     ndr->err == NDR_ERR_SUCCESS;
	     k++) {
		switch (*k) {
		case K_PPOBJ:
			push_ppobj(ndr, &r->pp_obj);
			break;
		case K_PPRES:
			push_ppobj(ndr, &r->pp_result);
			break;
		case K_OUT:
			dcom_pmip_objref_push(ndr, r->out);
			break;
		default:
			return ndr_push_error(ndr, NDR_ERR_INVALID, "kind");
		}
	}
	return ndr_push_u32(ndr, r->hr);
}

/* ---- IEnumWbemClassObject, IWbemCallResult ---- */

enum ndr_err wmi_timeout_req_pull(struct ndr_pull *ndr,
                                  bool has_count,
                                  struct wmi_timeout_req *r)
{
	memset(r, 0, sizeof(*r));
	dcom_orpcthis_pull(ndr, &r->orpcthis);
	pull_i32(ndr, &r->timeout);
	if (has_count) {
		ndr_pull_u32(ndr, &r->count);
	}
	return ndr->err;
}

enum ndr_err wmi_timeout_req_push(struct ndr_push *ndr,
                                  bool has_count,
                                  const struct wmi_timeout_req *r)
{
	dcom_orpcthis_push(ndr, &r->orpcthis);
	ndr_push_i32(ndr, r->timeout);
	if (has_count) {
		ndr_push_u32(ndr, r->count);
	}
	return ndr->err;
}

enum ndr_err wmi_orpcthis_req_pull(struct ndr_pull *ndr,
                                   struct dcom_orpcthis *r)
{
	return dcom_orpcthis_pull(ndr, r);
}

enum ndr_err wmi_orpcthis_req_push(struct ndr_push *ndr,
                                   const struct dcom_orpcthis *r)
{
	return dcom_orpcthis_push(ndr, r);
}

enum ndr_err wmi_next_resp_pull(struct ndr_pull *ndr, struct wmi_next_resp *r)
{
	uint32_t off = 0;
	uint32_t *refs = NULL;
	void *a = NULL;

	memset(r, 0, sizeof(*r));
	dcom_orpcthat_pull(ndr, &r->orpcthat);
	ndr_pull_array_size(ndr, &r->max);
	ndr_pull_array_length(ndr, r->max, &off, &r->n);
	if (ndr->err == NDR_ERR_SUCCESS && off != 0) {
		return ndr_pull_error(ndr, NDR_ERR_ARRAY_SIZE,
		                      "apObjects offset is not 0");
	}
	if (ndr->err != NDR_ERR_SUCCESS ||
	    ndr_pull_array_alloc(ndr, r->n, sizeof(*r->objs), 4, &a) !=
	            NDR_ERR_SUCCESS) {
		r->n = 0;
		return ndr->err;
	}
	r->objs = a;
	refs = talloc_array(ndr->mem, uint32_t, r->n);
	if (refs == NULL) {
		r->n = 0;
		r->objs = NULL;
		return ndr_pull_error(ndr, NDR_ERR_ALLOC, "referent ids");
	}
	for (uint32_t i = 0; i < r->n; i++) {
		ndr_pull_unique_ptr(ndr, &refs[i]);
	}
	for (uint32_t i = 0; i < r->n && ndr->err == NDR_ERR_SUCCESS; i++) {
		if (refs[i] != 0) {
			dcom_mip_objref_pull_new(ndr, &r->objs[i]);
		}
	}
	talloc_free(refs);
	ndr_pull_u32(ndr, &r->returned);
	return ndr_pull_u32(ndr, &r->hr);
}

enum ndr_err wmi_next_resp_push(struct ndr_push *ndr,
                                const struct wmi_next_resp *r)
{
	if (r->n > r->max) {
		return ndr_push_error(ndr, NDR_ERR_INVALID,
		                      "more objects than uCount");
	}
	if (r->n != 0 && r->objs == NULL) {
		return ndr_push_error(ndr, NDR_ERR_INVALID, "objects NULL");
	}
	dcom_orpcthat_push(ndr, &r->orpcthat);
	ndr_push_array_size(ndr, r->max);
	ndr_push_array_length(ndr, 0, r->n);
	for (uint32_t i = 0; i < r->n; i++) {
		ndr_push_unique_ptr(ndr, r->objs[i]);
	}
	for (uint32_t i = 0; i < r->n && ndr->err == NDR_ERR_SUCCESS; i++) {
		if (r->objs[i] != NULL) {
			dcom_mip_objref_push(ndr, r->objs[i]);
		}
	}
	ndr_push_u32(ndr, r->returned);
	return ndr_push_u32(ndr, r->hr);
}

enum ndr_err wmi_next_async_req_pull(struct ndr_pull *ndr,
                                     struct wmi_next_async_req *r)
{
	memset(r, 0, sizeof(*r));
	dcom_orpcthis_pull(ndr, &r->orpcthis);
	ndr_pull_u32(ndr, &r->count);
	return dcom_pmip_objref_pull(ndr, &r->sink);
}

enum ndr_err wmi_next_async_req_push(struct ndr_push *ndr,
                                     const struct wmi_next_async_req *r)
{
	dcom_orpcthis_push(ndr, &r->orpcthis);
	ndr_push_u32(ndr, r->count);
	return dcom_pmip_objref_push(ndr, r->sink);
}

enum ndr_err wmi_hr_resp_pull(struct ndr_pull *ndr, struct wmi_hr_resp *r)
{
	memset(r, 0, sizeof(*r));
	dcom_orpcthat_pull(ndr, &r->orpcthat);
	return ndr_pull_u32(ndr, &r->hr);
}

enum ndr_err wmi_hr_resp_push(struct ndr_push *ndr, const struct wmi_hr_resp *r)
{
	dcom_orpcthat_push(ndr, &r->orpcthat);
	return ndr_push_u32(ndr, r->hr);
}

enum ndr_err wmi_string_resp_pull(struct ndr_pull *ndr,
                                  struct wmi_string_resp *r)
{
	memset(r, 0, sizeof(*r));
	dcom_orpcthat_pull(ndr, &r->orpcthat);
	wmi_bstr_pull(ndr, &r->str);
	return ndr_pull_u32(ndr, &r->hr);
}

enum ndr_err wmi_string_resp_push(struct ndr_push *ndr,
                                  const struct wmi_string_resp *r)
{
	dcom_orpcthat_push(ndr, &r->orpcthat);
	wmi_bstr_push(ndr, r->str);
	return ndr_push_u32(ndr, r->hr);
}

enum ndr_err wmi_status_resp_pull(struct ndr_pull *ndr,
                                  struct wmi_status_resp *r)
{
	memset(r, 0, sizeof(*r));
	dcom_orpcthat_pull(ndr, &r->orpcthat);
	pull_i32(ndr, &r->status);
	return ndr_pull_u32(ndr, &r->hr);
}

enum ndr_err wmi_status_resp_push(struct ndr_push *ndr,
                                  const struct wmi_status_resp *r)
{
	dcom_orpcthat_push(ndr, &r->orpcthat);
	ndr_push_i32(ndr, r->status);
	return ndr_push_u32(ndr, r->hr);
}

/* ---- IWbemWCOSmartEnum ---- */

enum ndr_err wmi_smart_next_req_pull(struct ndr_pull *ndr,
                                     struct wmi_smart_next_req *r)
{
	memset(r, 0, sizeof(*r));
	dcom_orpcthis_pull(ndr, &r->orpcthis);
	ndr_pull_uuid(ndr, &r->proxy);
	pull_i32(ndr, &r->timeout);
	return ndr_pull_u32(ndr, &r->count);
}

enum ndr_err wmi_smart_next_req_push(struct ndr_push *ndr,
                                     const struct wmi_smart_next_req *r)
{
	dcom_orpcthis_push(ndr, &r->orpcthis);
	ndr_push_uuid(ndr, &r->proxy);
	ndr_push_i32(ndr, r->timeout);
	return ndr_push_u32(ndr, r->count);
}

enum ndr_err wmi_smart_next_resp_pull(struct ndr_pull *ndr,
                                      struct wmi_smart_next_resp *r)
{
	uint32_t ref = 0, n = 0;

	memset(r, 0, sizeof(*r));
	dcom_orpcthat_pull(ndr, &r->orpcthat);
	ndr_pull_u32(ndr, &r->returned);
	ndr_pull_u32(ndr, &r->n_buf);
	if (ndr_pull_unique_ptr(ndr, &ref) == NDR_ERR_SUCCESS && ref != 0 &&
	    ndr_pull_conformant_bytes(ndr, &r->buf, &n) == NDR_ERR_SUCCESS &&
	    n != r->n_buf) {
		return ndr_pull_error(ndr, NDR_ERR_ARRAY_SIZE,
		                      "pBuffer conformance is not "
		                      "pdwBuffSize");
	}
	return ndr_pull_u32(ndr, &r->hr);
}

enum ndr_err wmi_smart_next_resp_push(struct ndr_push *ndr,
                                      const struct wmi_smart_next_resp *r)
{
	dcom_orpcthat_push(ndr, &r->orpcthat);
	ndr_push_u32(ndr, r->returned);
	ndr_push_u32(ndr, r->buf != NULL ? r->n_buf : 0);
	ndr_push_unique_ptr(ndr, r->buf);
	if (r->buf != NULL) {
		ndr_push_conformant_bytes(ndr, r->buf, r->n_buf);
	}
	return ndr_push_u32(ndr, r->hr);
}

/* ---- by-value objects ---- */

void wmi_objref_classobject(struct dcom_objref *o,
                            const uint8_t *data,
                            size_t n)
{
	memset(o, 0, sizeof(*o));
	o->kind = DCOM_OBJREF_CUSTOM;
	o->iid = wmi_iid_iwbemclassobject;
	o->clsid = wmi_clsid_wbemclassobject;
	o->reserved = n > UINT32_MAX ? 0 : (uint32_t)n;
	o->data = (uint8_t *)data;
	o->n_data = n;
}

bool wmi_objref_is_classobject(const struct dcom_objref *o)
{
	return o != NULL && o->kind == DCOM_OBJREF_CUSTOM &&
	       rpc_uuid_equal(&o->iid, &wmi_iid_iwbemclassobject);
}
