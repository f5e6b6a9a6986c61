/*
 * dcom/stubs: request and response stub codecs of IObjectExporter,
 * IRemoteSCMActivator and IRemUnknown / IRemUnknown2 (dcom layer, leaf
 * codec; docs/internals/dcom.md).
 *
 * MS-DCOM 3.1.2.5.1 (IObjectExporter: ResolveOxid 0, SimplePing 1,
 * ComplexPing 2, ServerAlive 3, ResolveOxid2 4, ServerAlive2 5),
 * 3.1.2.5.2.3 (IRemoteSCMActivator: RemoteGetClassObject 3,
 * RemoteCreateInstance 4), 3.1.1.5.6 and 3.1.1.5.7 (IRemUnknown:
 * RemQueryInterface 3, RemAddRef 4, RemRelease 5; IRemUnknown2:
 * RemQueryInterface2 6).
 *
 * A stub is the NDR octets of a request's [in] or a response's [out]
 * parameters (the return value last).  Every pull function decodes one
 * whole stub from the cursor's position and leaves the cursor after it;
 * the caller then calls ndr_pull_finish() (octets left over are its call:
 * NDR_ERR_UNREAD_BYTES by default).  Every push function appends one
 * whole stub.  Errors are the cursor's sticky enum ndr_err with its
 * position; a server answers them with ndr_err_to_fault().
 *
 * IObjectExporter is plain RPC (no ORPCTHIS/ORPCTHAT) and returns an
 * error_status_t; the ORPC interfaces start with ORPCTHIS / ORPCTHAT and
 * return an HRESULT.
 *
 * Tolerated on receipt (impacket-dcom-wmi.md sections 4.3, 6.6, 9): any
 * ComplexPing SequenceNum, OID 0 and the same OID in both sets, RemRelease
 * of GUID_NULL, ORPCTHIS.flags 1 in activation.  These are decisions for
 * the runtime; the codecs decode them as sent.
 */
#ifndef OWMI_DCOM_STUBS_H
#define OWMI_DCOM_STUBS_H

#include <stdbool.h>
#include <stdint.h>

#include "dcom/actprops.h"
#include "dcom/types.h"
#include "rpc/ndr.h"

/* ---- opnums ---- */

enum dcom_oxid_opnum {
	DCOM_OP_RESOLVE_OXID = 0,
	DCOM_OP_SIMPLE_PING = 1,
	DCOM_OP_COMPLEX_PING = 2,
	DCOM_OP_SERVER_ALIVE = 3,
	DCOM_OP_RESOLVE_OXID2 = 4,
	DCOM_OP_SERVER_ALIVE2 = 5,
};

enum dcom_scm_opnum {
	DCOM_OP_REMOTE_GET_CLASS_OBJECT = 3,
	DCOM_OP_REMOTE_CREATE_INSTANCE = 4,
};

enum dcom_remunk_opnum {
	DCOM_OP_REM_QUERY_INTERFACE = 3,
	DCOM_OP_REM_ADD_REF = 4,
	DCOM_OP_REM_RELEASE = 5,
	DCOM_OP_REM_QUERY_INTERFACE2 = 6,
};

/* ---- IRemoteSCMActivator ---- */

/* RemoteCreateInstance [in]: ORPCTHIS, pUnkOuter, pActProperties. */
struct dcom_create_instance_req {
	struct dcom_orpcthis orpcthis;
	struct dcom_objref *unk_outer; /* NULL (impacket, Windows) */
	struct dcom_actprops *props;   /* NULL when pActProperties is */
};

/* RemoteGetClassObject [in]: ORPCTHIS, pActProperties. */
struct dcom_get_class_object_req {
	struct dcom_orpcthis orpcthis;
	struct dcom_actprops *props;
};

/* Both methods' [out]: ORPCTHAT, ppActProperties, HRESULT. */
struct dcom_activation_resp {
	struct dcom_orpcthat orpcthat;
	const struct dcom_actprops *props; /* NULL on failure */
	uint32_t hr;
};

enum ndr_err dcom_create_instance_req_pull(struct ndr_pull *ndr,
                                           struct dcom_create_instance_req *r);
enum ndr_err dcom_create_instance_req_push(
        struct ndr_push *ndr,
        const struct dcom_create_instance_req *r);
enum ndr_err dcom_get_class_object_req_pull(
        struct ndr_pull *ndr,
        struct dcom_get_class_object_req *r);
enum ndr_err dcom_get_class_object_req_push(
        struct ndr_push *ndr,
        const struct dcom_get_class_object_req *r);

/* On pull, r->props points to an owned struct (or is NULL). */
enum ndr_err dcom_activation_resp_pull(struct ndr_pull *ndr,
                                       struct dcom_activation_resp *r);
enum ndr_err dcom_activation_resp_push(struct ndr_push *ndr,
                                       const struct dcom_activation_resp *r);

/* ---- IObjectExporter ---- */

/* ResolveOxid / ResolveOxid2 [in]. */
struct dcom_resolve_oxid_req {
	uint64_t oxid;
	uint16_t n_protseqs;
	uint16_t *protseqs;
};

/* ResolveOxid / ResolveOxid2 [out]; [version] only in ResolveOxid2. */
struct dcom_resolve_oxid_resp {
	bool has_bindings; /* *ppdsaOxidBindings non-NULL */
	struct dcom_dsa bindings;
	struct rpc_uuid ipid_rem_unknown;
	uint32_t authn_hint;
	struct dcom_comversion version;
	uint32_t status; /* error_status_t */
};

/* ComplexPing [in]: add / del NULL when their pointer is NULL. */
struct dcom_complex_ping_req {
	uint64_t setid;
	uint16_t seq;
	uint16_t n_add;
	uint16_t n_del;
	uint64_t *add;
	uint64_t *del;
};

/* ComplexPing [out]. */
struct dcom_complex_ping_resp {
	uint64_t setid;
	uint16_t backoff; /* pPingBackoffFactor */
	uint32_t status;
};

/* ServerAlive2 [out]. */
struct dcom_server_alive2_resp {
	struct dcom_comversion version;
	bool has_bindings;
	struct dcom_dsa bindings; /* resolver bindings, no endpoints */
	uint32_t reserved;        /* pReserved, 0 */
	uint32_t status;
};

enum ndr_err dcom_resolve_oxid_req_pull(struct ndr_pull *ndr,
                                        struct dcom_resolve_oxid_req *r);
enum ndr_err dcom_resolve_oxid_req_push(struct ndr_push *ndr,
                                        const struct dcom_resolve_oxid_req *r);
/* [v2]: ResolveOxid2 (COMVERSION before the status). */
enum ndr_err dcom_resolve_oxid_resp_pull(struct ndr_pull *ndr,
                                         bool v2,
                                         struct dcom_resolve_oxid_resp *r);
enum ndr_err dcom_resolve_oxid_resp_push(
        struct ndr_push *ndr,
        bool v2,
        const struct dcom_resolve_oxid_resp *r);

/* SimplePing [in]: the SETID. */
enum ndr_err dcom_simple_ping_req_pull(struct ndr_pull *ndr, uint64_t *setid);
enum ndr_err dcom_simple_ping_req_push(struct ndr_push *ndr, uint64_t setid);

enum ndr_err dcom_complex_ping_req_pull(struct ndr_pull *ndr,
                                        struct dcom_complex_ping_req *r);
enum ndr_err dcom_complex_ping_req_push(struct ndr_push *ndr,
                                        const struct dcom_complex_ping_req *r);
enum ndr_err dcom_complex_ping_resp_pull(struct ndr_pull *ndr,
                                         struct dcom_complex_ping_resp *r);
enum ndr_err dcom_complex_ping_resp_push(
        struct ndr_push *ndr,
        const struct dcom_complex_ping_resp *r);

enum ndr_err dcom_server_alive2_resp_pull(struct ndr_pull *ndr,
                                          struct dcom_server_alive2_resp *r);
enum ndr_err dcom_server_alive2_resp_push(
        struct ndr_push *ndr,
        const struct dcom_server_alive2_resp *r);

/* A lone u32 status or HRESULT: the [out] of SimplePing and ServerAlive
 * (ServerAlive and ServerAlive2 have no [in] octets at all). */
enum ndr_err dcom_status_pull(struct ndr_pull *ndr, uint32_t *status);
enum ndr_err dcom_status_push(struct ndr_push *ndr, uint32_t status);

/* ---- IRemUnknown / IRemUnknown2 ---- */

struct dcom_reminterfaceref {
	struct rpc_uuid ipid; /* GUID_NULL from impacket: decode as sent */
	uint32_t public_refs;
	uint32_t private_refs;
};

struct dcom_remqiresult {
	uint32_t hr;
	struct dcom_stdobjref std;
};

/* RemQueryInterface [in]. */
struct dcom_rem_qi_req {
	struct dcom_orpcthis orpcthis;
	struct rpc_uuid ipid;
	uint32_t refs; /* cRefs */
	uint16_t n_iids;
	struct rpc_uuid *iids;
};

/* RemQueryInterface [out]: results NULL when *ppQIResults is NULL. */
struct dcom_rem_qi_resp {
	struct dcom_orpcthat orpcthat;
	uint32_t n;
	struct dcom_remqiresult *results;
	uint32_t hr;
};

/* RemAddRef / RemRelease [in]. */
struct dcom_rem_refs_req {
	struct dcom_orpcthis orpcthis;
	uint16_t n;
	struct dcom_reminterfaceref *refs;
};

/* RemAddRef [out]. */
struct dcom_rem_addref_resp {
	struct dcom_orpcthat orpcthat;
	uint32_t n;
	uint32_t *results;
	uint32_t hr;
};

/* RemQueryInterface2 [in]. */
struct dcom_rem_qi2_req {
	struct dcom_orpcthis orpcthis;
	struct rpc_uuid ipid;
	uint16_t n_iids;
	struct rpc_uuid *iids;
};

/* RemQueryInterface2 [out]: mifs[i] NULL where phr[i] failed. */
struct dcom_rem_qi2_resp {
	struct dcom_orpcthat orpcthat;
	uint32_t n;
	uint32_t *hrs;
	struct dcom_objref **mifs;
	uint32_t hr;
};

/* The [out] of an ORPC method with no out-parameters: ORPCTHAT, HRESULT
 * (RemRelease). */
struct dcom_orpc_hr_resp {
	struct dcom_orpcthat orpcthat;
	uint32_t hr;
};

enum ndr_err dcom_rem_qi_req_pull(struct ndr_pull *ndr,
                                  struct dcom_rem_qi_req *r);
enum ndr_err dcom_rem_qi_req_push(struct ndr_push *ndr,
                                  const struct dcom_rem_qi_req *r);
enum ndr_err dcom_rem_qi_resp_pull(struct ndr_pull *ndr,
                                   struct dcom_rem_qi_resp *r);
enum ndr_err dcom_rem_qi_resp_push(struct ndr_push *ndr,
                                   const struct dcom_rem_qi_resp *r);

/* RemAddRef and RemRelease have the same [in]. */
enum ndr_err dcom_rem_refs_req_pull(struct ndr_pull *ndr,
                                    struct dcom_rem_refs_req *r);
enum ndr_err dcom_rem_refs_req_push(struct ndr_push *ndr,
                                    const struct dcom_rem_refs_req *r);
enum ndr_err dcom_rem_addref_resp_pull(struct ndr_pull *ndr,
                                       struct dcom_rem_addref_resp *r);
enum ndr_err dcom_rem_addref_resp_push(struct ndr_push *ndr,
                                       const struct dcom_rem_addref_resp *r);

enum ndr_err dcom_rem_qi2_req_pull(struct ndr_pull *ndr,
                                   struct dcom_rem_qi2_req *r);
enum ndr_err dcom_rem_qi2_req_push(struct ndr_push *ndr,
                                   const struct dcom_rem_qi2_req *r);
enum ndr_err dcom_rem_qi2_resp_pull(struct ndr_pull *ndr,
                                    struct dcom_rem_qi2_resp *r);
enum ndr_err dcom_rem_qi2_resp_push(struct ndr_push *ndr,
                                    const struct dcom_rem_qi2_resp *r);

enum ndr_err dcom_orpc_hr_resp_pull(struct ndr_pull *ndr,
                                    struct dcom_orpc_hr_resp *r);
enum ndr_err dcom_orpc_hr_resp_push(struct ndr_push *ndr,
                                    const struct dcom_orpc_hr_resp *r);

#endif
