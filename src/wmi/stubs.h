/*
 * wmi/stubs: request and response stub codecs of the MS-WMI interfaces
 * (wmi layer, leaf codec shared by the server (src/wmi) and the client
 * (src/client); docs/internals/wmi.md).
 *
 * MS-WMI 3.1.4.1 IWbemLevel1Login (opnums 3-6), 3.1.4.8
 * IWbemLoginClientID (3), 3.1.4.9 IWbemLoginHelper (3), 3.1.4.3
 * IWbemServices
 * (3-25), 3.1.4.4 IEnumWbemClassObject (3-7), 3.1.4.5 IWbemCallResult
 * (3-6), 3.1.4.6 IWbemFetchSmartEnum (3), 3.1.4.7 IWbemWCOSmartEnum (3);
 * the IDL of MS-WMI section 6.  Every stub starts with the ORPCTHIS
 * (requests) or ORPCTHAT (responses) of MS-DCOM 2.2.13 and every response
 * ends with the HRESULT.
 *
 * Parameter shapes (C706 14.3.10-12, at the top level of a stub):
 * - BSTR: a unique pointer to a FLAGGED_WORD_BLOB (MS-OAUT 2.2.23.1), a
 *   conformant structure: max_count (= clSize), cBytes, clSize, clSize
 *   UTF-16 units.  Pulled as UTF-8 with trailing NULs stripped (impacket
 *   counts a NUL in most of its BSTRs); a NUL before the last non-NUL
 *   unit is NDR_ERR_STRING.  Pushed without a terminator, cBytes =
 *   2 x clSize.  NULL BSTR = NULL pointer.
 * - [in] IFoo *p (pCtx, pObject, pResponseHandler): a unique pointer to an
 *   MInterfacePointer holding an OBJREF; NULL allowed.
 * - [out] IFoo **pp: the outer pointer is [ref] (no octets), the inner one
 *   unique: referent id, then the MInterfacePointer.
 * - [in, out, unique] IFoo **pp: an outer unique pointer, then (when it
 *   is not NULL) the inner unique pointer and its MInterfacePointer.  A
 *   server answers with an outer pointer exactly when the client sent one.
 * - IEnumWbemClassObject::Next's apObjects: a conformant varying array of
 *   unique interface pointers (max_count = uCount, offset 0, actual count
 *   = *puReturned), the referent ids, then each MInterfacePointer.
 *
 * Decoding is strict where the value would otherwise be ambiguous and
 * lenient where impacket differs from the IDL but the meaning is clear
 * (../shared/interop/impacket-dcom-wmi.md section 9): pad octets are
 * ignored, BSTRs lose trailing NULs, and no pull function calls
 * ndr_pull_finish(): octets after the last parameter (impacket's GetObject
 * adds 12) are the caller's decision.  cBytes must be 2 x clSize and
 * max_count = clSize (NDR_ERR_ARRAY_SIZE).
 *
 * Memory: pulled values (strings, OBJREFs with their data) are owned by
 * ndr->mem; structs given to push functions are only read.
 * Errors: the cursor's sticky enum ndr_err with its position; a server
 * answers a failed request pull with ndr_err_to_fault().
 */
#ifndef OWMI_WMI_STUBS_H
#define OWMI_WMI_STUBS_H

#include <stdbool.h>
#include <stdint.h>

#include "dcom/types.h"
#include "rpc/ndr.h"
#include "rpc/uuid.h"

/* ---- interface and class identifiers (MS-WMI 1.9, 2.2.4, section 6) ---- */

extern const struct rpc_uuid wmi_clsid_wbemlevel1login;    /* 8BC3F05E-... */
extern const struct rpc_uuid wmi_iid_iwbemlevel1login;     /* F309AD18-... */
extern const struct rpc_uuid wmi_iid_iwbemservices;        /* 9556dc99-... */
extern const struct rpc_uuid wmi_iid_ienumwbemclassobject; /* 027947e1 */
extern const struct rpc_uuid wmi_iid_iwbemcallresult;      /* 44aca675-... */
extern const struct rpc_uuid wmi_iid_iwbemfetchsmartenum;  /* 1C1C45EE */
extern const struct rpc_uuid wmi_iid_iwbemwcosmartenum;    /* 423EC01E-... */
extern const struct rpc_uuid wmi_iid_iwbemclassobject;     /* dc12a681-... */
extern const struct rpc_uuid wmi_iid_iwbemcontext;         /* 44aca674-... */
extern const struct rpc_uuid wmi_iid_iwbemobjectsink;      /* 7c857801-... */
extern const struct rpc_uuid wmi_iid_iwbemloginclientid;   /* d4781cd6 */
extern const struct rpc_uuid wmi_iid_iwbemloginhelper;     /* 541679AB-... */
/* The unmarshaler class of by-value IWbemClassObject OBJREF_CUSTOMs. */
extern const struct rpc_uuid wmi_clsid_wbemclassobject; /* 4590f812-... */
/* The unmarshaler class of IWbemContext OBJREF_CUSTOMs. */
extern const struct rpc_uuid wmi_clsid_wbemcontext; /* 674B6698-... */

/* ---- opnums ---- */

enum wmi_login_opnum {
	WMI_OP_ESTABLISH_POSITION = 3,
	WMI_OP_REQUEST_CHALLENGE = 4,
	WMI_OP_WBEM_LOGIN = 5,
	WMI_OP_NTLM_LOGIN = 6,
};

enum wmi_services_opnum {
	WMI_OP_OPEN_NAMESPACE = 3,
	WMI_OP_CANCEL_ASYNC_CALL = 4,
	WMI_OP_QUERY_OBJECT_SINK = 5,
	WMI_OP_GET_OBJECT = 6,
	WMI_OP_GET_OBJECT_ASYNC = 7,
	WMI_OP_PUT_CLASS = 8,
	WMI_OP_PUT_CLASS_ASYNC = 9,
	WMI_OP_DELETE_CLASS = 10,
	WMI_OP_DELETE_CLASS_ASYNC = 11,
	WMI_OP_CREATE_CLASS_ENUM = 12,
	WMI_OP_CREATE_CLASS_ENUM_ASYNC = 13,
	WMI_OP_PUT_INSTANCE = 14,
	WMI_OP_PUT_INSTANCE_ASYNC = 15,
	WMI_OP_DELETE_INSTANCE = 16,
	WMI_OP_DELETE_INSTANCE_ASYNC = 17,
	WMI_OP_CREATE_INSTANCE_ENUM = 18,
	WMI_OP_CREATE_INSTANCE_ENUM_ASYNC = 19,
	WMI_OP_EXEC_QUERY = 20,
	WMI_OP_EXEC_QUERY_ASYNC = 21,
	WMI_OP_EXEC_NOTIFICATION_QUERY = 22,
	WMI_OP_EXEC_NOTIFICATION_QUERY_ASYNC = 23,
	WMI_OP_EXEC_METHOD = 24,
	WMI_OP_EXEC_METHOD_ASYNC = 25,
};
#define WMI_SERVICES_N_OPS 26

enum wmi_enum_opnum {
	WMI_OP_ENUM_RESET = 3,
	WMI_OP_ENUM_NEXT = 4,
	WMI_OP_ENUM_NEXT_ASYNC = 5,
	WMI_OP_ENUM_CLONE = 6,
	WMI_OP_ENUM_SKIP = 7,
};

enum wmi_callresult_opnum {
	WMI_OP_GET_RESULT_OBJECT = 3,
	WMI_OP_GET_RESULT_STRING = 4,
	WMI_OP_GET_RESULT_SERVICES = 5,
	WMI_OP_GET_CALL_STATUS = 6,
};

enum wmi_smartenum_opnum {
	WMI_OP_GET_SMART_ENUM = 3, /* IWbemFetchSmartEnum */
	WMI_OP_SMART_NEXT = 3,     /* IWbemWCOSmartEnum */
};

/* WBEM_TIMEOUT_TYPE (MS-WMI 2.2.8). */
#define WMI_WBEM_INFINITE 0xFFFFFFFFu
#define WMI_WBEM_NO_WAIT  0u

/* ---- BSTR (MS-OAUT 2.2.23) ---- */

/*
 * A BSTR parameter (unique pointer + FLAGGED_WORD_BLOB).  *out is NULL
 * for a NULL pointer, else an owned UTF-8 string without trailing NULs.
 */
enum ndr_err wmi_bstr_pull(struct ndr_pull *ndr, char **out);
/* [s] NULL sends a NULL pointer; bad UTF-8 is NDR_ERR_STRING. */
enum ndr_err wmi_bstr_push(struct ndr_push *ndr, const char *s);

/* ---- [in, out, unique] IFoo ** ---- */

struct wmi_ppobj {
	bool set;                /* the outer pointer is not NULL */
	struct dcom_objref *obj; /* the interface pointer; NULL when unset */
};

/* ---- IWbemLevel1Login ---- */

struct wmi_establish_position_req {
	struct dcom_orpcthis orpcthis;
	char *reserved1; /* [unique, string]; NULL from clients */
	uint32_t reserved2;
};

struct wmi_establish_position_resp {
	struct dcom_orpcthat orpcthat;
	uint32_t locale_version;
	uint32_t hr;
};

struct wmi_request_challenge_req {
	struct dcom_orpcthis orpcthis;
	char *reserved1;
	char *reserved2;
};

/* reserved3 is always 16 octets on the wire ([ref] out). */
struct wmi_request_challenge_resp {
	struct dcom_orpcthat orpcthat;
	uint8_t reserved3[16];
	uint32_t hr;
};

struct wmi_wbem_login_req {
	struct dcom_orpcthis orpcthis;
	char *reserved1;
	bool has_reserved2; /* the unique 16-octet array */
	uint8_t reserved2[16];
	int32_t reserved3;
	struct dcom_objref *reserved4; /* IWbemContext */
};

struct wmi_ntlm_login_req {
	struct dcom_orpcthis orpcthis;
	char *network_resource; /* wszNetworkResource, NULL allowed */
	char *preferred_locale; /* wszPreferredLocale */
	int32_t flags;
	struct dcom_objref *ctx; /* pCtx */
};

/*
 * The [out] of every method whose only out-parameter is one interface
 * pointer: WBEMLogin, NTLMLogin, QueryObjectSink, CreateClassEnum,
 * CreateInstanceEnum, ExecQuery, ExecNotificationQuery,
 * IEnumWbemClassObject::Clone, IWbemCallResult::GetResultObject and
 * GetResultServices, IWbemFetchSmartEnum::GetSmartEnum.
 */
struct wmi_objref_resp {
	struct dcom_orpcthat orpcthat;
	struct dcom_objref *obj; /* NULL pointer when NULL */
	uint32_t hr;
};

enum ndr_err wmi_establish_position_req_pull(
        struct ndr_pull *ndr,
        struct wmi_establish_position_req *r);
enum ndr_err wmi_establish_position_req_push(
        struct ndr_push *ndr,
        const struct wmi_establish_position_req *r);
enum ndr_err wmi_establish_position_resp_pull(
        struct ndr_pull *ndr,
        struct wmi_establish_position_resp *r);
enum ndr_err wmi_establish_position_resp_push(
        struct ndr_push *ndr,
        const struct wmi_establish_position_resp *r);

enum ndr_err wmi_request_challenge_req_pull(
        struct ndr_pull *ndr,
        struct wmi_request_challenge_req *r);
enum ndr_err wmi_request_challenge_req_push(
        struct ndr_push *ndr,
        const struct wmi_request_challenge_req *r);
enum ndr_err wmi_request_challenge_resp_pull(
        struct ndr_pull *ndr,
        struct wmi_request_challenge_resp *r);
enum ndr_err wmi_request_challenge_resp_push(
        struct ndr_push *ndr,
        const struct wmi_request_challenge_resp *r);

enum ndr_err wmi_wbem_login_req_pull(struct ndr_pull *ndr,
                                     struct wmi_wbem_login_req *r);
enum ndr_err wmi_wbem_login_req_push(struct ndr_push *ndr,
                                     const struct wmi_wbem_login_req *r);

enum ndr_err wmi_ntlm_login_req_pull(struct ndr_pull *ndr,
                                     struct wmi_ntlm_login_req *r);
enum ndr_err wmi_ntlm_login_req_push(struct ndr_push *ndr,
                                     const struct wmi_ntlm_login_req *r);

/*
 * IWbemLoginClientID::SetClientInfo (opnum 3) [in]; the [out] is a
 * wmi_hr_resp.
 */
#define WMI_OP_SET_CLIENT_INFO 3

struct wmi_set_client_info_req {
	struct dcom_orpcthis orpcthis;
	char *client_machine; /* [unique, string]; MUST NOT be NULL */
	int32_t proc_id;
	int32_t reserved;
};

enum ndr_err wmi_set_client_info_req_pull(struct ndr_pull *ndr,
                                          struct wmi_set_client_info_req *r);
enum ndr_err wmi_set_client_info_req_push(
        struct ndr_push *ndr,
        const struct wmi_set_client_info_req *r);

/*
 * IWbemLoginHelper::SetEvent (opnum 3) [in]: a [string] LPCSTR, a [ref]
 * top-level pointer (no referent id); the [out] is a wmi_hr_resp.
 */
#define WMI_OP_SET_EVENT 3

struct wmi_set_event_req {
	struct dcom_orpcthis orpcthis;
	char *event; /* sEventToSet, UTF-8 */
};

enum ndr_err wmi_set_event_req_pull(struct ndr_pull *ndr,
                                    struct wmi_set_event_req *r);
enum ndr_err wmi_set_event_req_push(struct ndr_push *ndr,
                                    const struct wmi_set_event_req *r);

enum ndr_err wmi_objref_resp_pull(struct ndr_pull *ndr,
                                  struct wmi_objref_resp *r);
enum ndr_err wmi_objref_resp_push(struct ndr_push *ndr,
                                  const struct wmi_objref_resp *r);

/* ---- IWbemServices ---- */

/*
 * The [in] parameters of every IWbemServices method (opnums 3-25), by
 * role.  Which members a given opnum carries, in wire order:
 *
 *   OpenNamespace          str1 flags ctx pp_obj pp_result
 *   CancelAsyncCall        sink
 *   QueryObjectSink        flags
 *   GetObject              str1 flags ctx pp_obj pp_result
 *   PutClass, PutInstance  obj flags ctx pp_result
 *   DeleteClass, DeleteInstance   str1 flags ctx pp_result
 *   CreateClassEnum, CreateInstanceEnum   str1 flags ctx
 *   ExecQuery, ExecNotificationQuery      str1 str2 flags ctx
 *   ExecMethod             str1 str2 flags ctx obj pp_obj pp_result
 *   GetObjectAsync, DeleteClassAsync, CreateClassEnumAsync,
 *   DeleteInstanceAsync, CreateInstanceEnumAsync   str1 flags ctx sink
 *   PutClassAsync, PutInstanceAsync                obj flags ctx sink
 *   ExecQueryAsync, ExecNotificationQueryAsync     str1 str2 flags ctx sink
 *   ExecMethodAsync        str1 str2 flags ctx obj sink
 *
 * str1: strNamespace, strObjectPath, strClass, strSuperclass or
 * strQueryLanguage; str2: strQuery or strMethodName; obj: pObject, pInst
 * or pInParams; pp_obj: ppWorkingNamespace, ppObject or ppOutParams;
 * pp_result: ppResult / ppCallResult; sink: pSink / pResponseHandler.
 * Members an opnum does not carry are zero after a pull and ignored by a
 * push.
 */
struct wmi_svc_req {
	struct dcom_orpcthis orpcthis;
	char *str1;
	char *str2;
	struct dcom_objref *obj;
	int32_t flags;
	struct dcom_objref *ctx;
	struct dcom_objref *sink;
	struct wmi_ppobj pp_obj;
	struct wmi_ppobj pp_result;
};

/*
 * The [out] parameters of every IWbemServices method, in wire order:
 *
 *   OpenNamespace, GetObject, ExecMethod   pp_obj pp_result hr
 *   PutClass, DeleteClass, PutInstance, DeleteInstance   pp_result hr
 *   QueryObjectSink, CreateClassEnum, CreateInstanceEnum, ExecQuery,
 *   ExecNotificationQuery                  out hr
 *   CancelAsyncCall and every *Async       hr
 */
struct wmi_svc_resp {
	struct dcom_orpcthat orpcthat;
	struct wmi_ppobj pp_obj;
	struct wmi_ppobj pp_result;
	struct dcom_objref *out; /* ppEnum / ppResponseHandler */
	uint32_t hr;
};

/* Opnums outside 3..25: NDR_ERR_INVALID (push) / NDR_ERR_RANGE (pull). */
enum ndr_err wmi_svc_req_pull(struct ndr_pull *ndr,
                              uint16_t opnum,
                              struct wmi_svc_req *r);
enum ndr_err wmi_svc_req_push(struct ndr_push *ndr,
                              uint16_t opnum,
                              const struct wmi_svc_req *r);
enum ndr_err wmi_svc_resp_pull(struct ndr_pull *ndr,
                               uint16_t opnum,
                               struct wmi_svc_resp *r);
enum ndr_err wmi_svc_resp_push(struct ndr_push *ndr,
                               uint16_t opnum,
                               const struct wmi_svc_resp *r);

/* True for the opnums whose name ends in Async (and CancelAsyncCall). */
bool wmi_svc_opnum_is_async(uint16_t opnum);

/* ---- IEnumWbemClassObject, IWbemCallResult ---- */

/*
 * [in] of Next (lTimeout, uCount), Skip (lTimeout, nCount) and
 * IWbemCallResult's four methods (lTimeout only: count unused).
 */
struct wmi_timeout_req {
	struct dcom_orpcthis orpcthis;
	int32_t timeout;
	uint32_t count;
};

enum ndr_err wmi_timeout_req_pull(struct ndr_pull *ndr,
                                  bool has_count,
                                  struct wmi_timeout_req *r);
enum ndr_err wmi_timeout_req_push(struct ndr_push *ndr,
                                  bool has_count,
                                  const struct wmi_timeout_req *r);

/* Reset [in] (and Clone's, GetSmartEnum's): the ORPCTHIS alone. */
enum ndr_err wmi_orpcthis_req_pull(struct ndr_pull *ndr,
                                   struct dcom_orpcthis *r);
enum ndr_err wmi_orpcthis_req_push(struct ndr_push *ndr,
                                   const struct dcom_orpcthis *r);

/*
 * Next [out].  [max] is the conformance (uCount), [n] the varying count
 * and [returned] *puReturned (a pull does not require them equal; a push
 * sends n as the actual count).  objs[i] may be NULL (NULL pointer).
 */
struct wmi_next_resp {
	struct dcom_orpcthat orpcthat;
	uint32_t max;
	uint32_t n;
	struct dcom_objref **objs;
	uint32_t returned;
	uint32_t hr;
};

enum ndr_err wmi_next_resp_pull(struct ndr_pull *ndr, struct wmi_next_resp *r);
enum ndr_err wmi_next_resp_push(struct ndr_push *ndr,
                                const struct wmi_next_resp *r);

/* NextAsync [in]. */
struct wmi_next_async_req {
	struct dcom_orpcthis orpcthis;
	uint32_t count;
	struct dcom_objref *sink;
};

enum ndr_err wmi_next_async_req_pull(struct ndr_pull *ndr,
                                     struct wmi_next_async_req *r);
enum ndr_err wmi_next_async_req_push(struct ndr_push *ndr,
                                     const struct wmi_next_async_req *r);

/* ORPCTHAT + HRESULT: Reset, NextAsync, Skip, every *Async and
 * CancelAsyncCall (also decodable with wmi_svc_resp_*). */
struct wmi_hr_resp {
	struct dcom_orpcthat orpcthat;
	uint32_t hr;
};

enum ndr_err wmi_hr_resp_pull(struct ndr_pull *ndr, struct wmi_hr_resp *r);
enum ndr_err wmi_hr_resp_push(struct ndr_push *ndr,
                              const struct wmi_hr_resp *r);

/* GetResultString [out]: the BSTR (NULL pointer when NULL). */
struct wmi_string_resp {
	struct dcom_orpcthat orpcthat;
	char *str;
	uint32_t hr;
};

enum ndr_err wmi_string_resp_pull(struct ndr_pull *ndr,
                                  struct wmi_string_resp *r);
enum ndr_err wmi_string_resp_push(struct ndr_push *ndr,
                                  const struct wmi_string_resp *r);

/* GetCallStatus [out]: plStatus. */
struct wmi_status_resp {
	struct dcom_orpcthat orpcthat;
	int32_t status;
	uint32_t hr;
};

enum ndr_err wmi_status_resp_pull(struct ndr_pull *ndr,
                                  struct wmi_status_resp *r);
enum ndr_err wmi_status_resp_push(struct ndr_push *ndr,
                                  const struct wmi_status_resp *r);

/* ---- IWbemWCOSmartEnum ---- */

struct wmi_smart_next_req {
	struct dcom_orpcthis orpcthis;
	struct rpc_uuid proxy; /* proxyGUID ([ref] REFGUID: inline) */
	int32_t timeout;
	uint32_t count;
};

/*
 * Next [out]: puReturned, pdwBuffSize, pBuffer (unique pointer to a
 * conformant byte array whose conformance must equal pdwBuffSize;
 * NDR_ERR_ARRAY_SIZE otherwise).  buf NULL sends a NULL pointer.
 */
struct wmi_smart_next_resp {
	struct dcom_orpcthat orpcthat;
	uint32_t returned;
	uint32_t n_buf;
	uint8_t *buf;
	uint32_t hr;
};

enum ndr_err wmi_smart_next_req_pull(struct ndr_pull *ndr,
                                     struct wmi_smart_next_req *r);
enum ndr_err wmi_smart_next_req_push(struct ndr_push *ndr,
                                     const struct wmi_smart_next_req *r);
enum ndr_err wmi_smart_next_resp_pull(struct ndr_pull *ndr,
                                      struct wmi_smart_next_resp *r);
enum ndr_err wmi_smart_next_resp_push(struct ndr_push *ndr,
                                      const struct wmi_smart_next_resp *r);

/* ---- by-value objects ---- */

/*
 * Fills [o] as the OBJREF_CUSTOM of a by-value IWbemClassObject (IID
 * IWbemClassObject, CLSID_WbemClassObject, reserved = the data size)
 * carrying [data, data+n) (borrowed): an MS-WMIO EncodingUnit.
 */
void wmi_objref_classobject(struct dcom_objref *o,
                            const uint8_t *data,
                            size_t n);

/*
 * True when [o] is an OBJREF_CUSTOM for IWbemClassObject (any CLSID: the
 * data is an EncodingUnit).
 */
bool wmi_objref_is_classobject(const struct dcom_objref *o);

#endif
