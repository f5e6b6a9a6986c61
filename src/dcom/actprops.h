/*
 * dcom/actprops: the activation properties BLOB of IRemoteSCMActivator
 * (dcom layer, leaf codec; docs/internals/dcom.md).
 *
 * MS-DCOM 2.2.22 (Activation Properties BLOB, CustomHeader, the nine
 * property structures of 2.2.22.2.x) and MS-RPCE 2.2.6 (NDR type
 * serialization version 1: common and private headers).
 *
 * The BLOB travels as the pObjectData of an OBJREF_CUSTOM (CLSID
 * ActivationPropertiesIn 00000338 / Out 00000339) inside an
 * MInterfacePointer:
 *
 *   OBJREF_CUSTOM header (48 octets: MEOW, 4, iid, clsid, 0, reserved)
 *   dwSize u32 (octets from CustomHeader to the end), dwReserved u32
 *   CustomHeader, type-serialized:
 *     common header  01 10 08 00 cc cc cc cc
 *     private header ObjectBufferLength u32 (padded), filler u32 (0)
 *     NDR body: totalSize, headerSize, dwReserved, destCtx, cIfs,
 *       classInfoClsid, pclsid -> CLSID[cIfs], pSizes -> u32[cIfs],
 *       pdwReserved
 *   cIfs properties, each type-serialized the same way and padded to 8;
 *   pSizes[i] is the size of property i with its headers and padding.
 *
 * NDR alignment inside a body is relative to the body's first octet (after
 * its 16 header octets).  Properties are found by CLSID, never by position
 * (impacket sends them in its own order); unknown ones are kept as raw
 * octets.  Sending: the order of [order] (or a fixed default order), the
 * private header length padded to 8 and its filler 0 as MS-RPCE says
 * (impacket and the test harness send the unpadded length and 0xcccccccc;
 * impacket ignores both fields when reading).
 *
 * Tolerated on receipt, as Windows does (impacket-dcom-wmi.md section 9):
 * pIFDClientCtx NULL, thisSize 0, any destCtx/classCtx/ClientImpLevel, a
 * private header length with or without padding, bytes after dwSize.
 * Refused: cIfs outside 1..10, cIID outside 1..0x8000, NULL required
 * pointers, conformances that disagree with their counts, sizes that pass
 * dwSize, a property body longer than its private header says, a second
 * copy of a known property.
 */
#ifndef OWMI_DCOM_ACTPROPS_H
#define OWMI_DCOM_ACTPROPS_H

#include <stdbool.h>
#include <stdint.h>

#include "dcom/types.h"
#include "rpc/ndr.h"

/* The properties we know, as bits of dcom_actprops.present. */
enum dcom_actprop {
	DCOM_ACTPROP_SPECIAL,            /* SpecialPropertiesData */
	DCOM_ACTPROP_INSTANTIATION,      /* InstantiationInfoData */
	DCOM_ACTPROP_ACTIVATION_CONTEXT, /* ActivationContextInfoData */
	DCOM_ACTPROP_SECURITY,           /* SecurityInfoData */
	DCOM_ACTPROP_LOCATION,           /* LocationInfoData */
	DCOM_ACTPROP_SCM_REQUEST,        /* ScmRequestInfoData */
	DCOM_ACTPROP_INSTANCE,           /* InstanceInfoData */
	DCOM_ACTPROP_PROPS_OUT,          /* PropsOutInfo */
	DCOM_ACTPROP_SCM_REPLY,          /* ScmReplyInfoData */
	DCOM_ACTPROP_UNKNOWN,            /* kept raw */
	DCOM_ACTPROP_N
};

#define DCOM_ACTPROP_BIT(k) (1u << (k))

/* 2.2.22.2.1: what to create.  The runtime's "CLSID and IIDs requested". */
struct dcom_instantiation_info {
	struct rpc_uuid clsid;
	uint32_t class_ctx; /* ignored on receipt */
	uint32_t actvflags;
	int32_t is_surrogate;
	uint32_t n_iids; /* 1 .. DCOM_MAX_REQUESTED_INTERFACES */
	uint32_t inst_flag;
	struct rpc_uuid *iids;
	uint32_t this_size; /* impacket sends 0; ignored; sent as given */
	struct dcom_comversion client_version;
};

/* 2.2.22.2.2 */
struct dcom_special_props {
	uint32_t session_id; /* 0xffffffff: any */
	int32_t remote_this_session_id;
	int32_t client_impersonating;
	int32_t partition_id_present;
	uint32_t default_authn_lvl;
	struct rpc_uuid guid_partition;
	uint32_t prt_flags;
	uint32_t orig_clsctx;
	uint32_t flags;
	uint32_t reserved1;
	uint64_t reserved2;
	uint32_t reserved3[5];
};

/* 2.2.22.2.3 */
struct dcom_instance_info {
	char *file_name; /* NULL when the pointer is NULL */
	uint32_t mode;
	struct dcom_objref *ifd_rot; /* NULL allowed */
	struct dcom_objref *ifd_stg;
};

/* 2.2.22.2.4 (customREMOTE_REQUEST_SCM_INFO): the client's protseqs. */
struct dcom_scm_request_info {
	uint32_t client_imp_level; /* impacket sends 0; ignored */
	uint16_t n_protseqs;       /* <= DCOM_MAX_REQUESTED_PROTSEQS */
	uint16_t *protseqs;        /* tower ids, 7 = ncacn_ip_tcp */
};

/* 2.2.22.2.5: the client's contexts, OBJREF_CUSTOM of a Context or NULL
 * (impacket sends NULL; decode the data with dcom_context_pull). */
struct dcom_activation_context_info {
	int32_t client_ok;
	int32_t reserved1;
	uint32_t reserved2;
	uint32_t reserved3;
	struct dcom_objref *client_ctx;
	struct dcom_objref *prototype_ctx;
};

/* 2.2.22.2.6 */
struct dcom_location_info {
	char *machine_name; /* NULL allowed */
	uint32_t process_id;
	uint32_t apartment_id;
	uint32_t context_id;
};

/* 2.2.22.2.7: the auth info a client asks for (COSERVERINFO). */
struct dcom_security_info {
	uint32_t authn_flags;
	bool has_server_info;
	uint32_t server_reserved1;
	char *server_name; /* COSERVERINFO.pwszName, NULL allowed */
	uint32_t server_reserved2;
};

/* 2.2.22.2.8 (customREMOTE_REPLY_SCM_INFO): where the exporter is. */
struct dcom_scm_reply_info {
	uint64_t oxid;
	bool has_bindings;
	struct dcom_dsa oxid_bindings; /* "host[port]" + security bindings */
	struct rpc_uuid ipid_rem_unknown;
	uint32_t authn_hint; /* RPC_C_AUTHN_LEVEL_*: 2 connect, 6 privacy */
	struct dcom_comversion server_version;
};

/* 2.2.22.2.9: one entry per requested IID; ifaces[i] NULL when failed. */
struct dcom_props_out_info {
	uint32_t n;
	struct rpc_uuid *iids;
	uint32_t *hresults;
	struct dcom_objref **ifaces;
};

/* A property we do not know: its CLSID and all its octets (headers too). */
struct dcom_actprop_raw {
	struct rpc_uuid clsid;
	uint8_t *data;
	uint32_t n;
};

/*
 * ActivationPropertiesIn or ActivationPropertiesOut, decoded.  A member is
 * meaningful when its bit is in [present].
 */
struct dcom_actprops {
	uint32_t present;  /* DCOM_ACTPROP_BIT(kind) */
	uint32_t dest_ctx; /* CustomHeader.destCtx (impacket 2) */
	struct dcom_special_props special;
	struct dcom_instantiation_info inst;
	struct dcom_activation_context_info ctx;
	struct dcom_security_info security;
	struct dcom_location_info location;
	struct dcom_scm_request_info scm_request;
	struct dcom_instance_info instance;
	struct dcom_props_out_info props_out;
	struct dcom_scm_reply_info scm_reply;
	/* Wire order (pull).  Push: this order when n_order != 0, each
	 * DCOM_ACTPROP_UNKNOWN taking the next entry of [unknown]. */
	uint32_t n_order;
	enum dcom_actprop order[DCOM_MAX_ACTPROP_LIMIT];
	uint32_t n_unknown;
	struct dcom_actprop_raw *unknown;
};

/*
 * Pulls the OBJREF_CUSTOM of an ActivationPropertiesIn occupying [len]
 * octets at the cursor (the abData of pActProperties).  The OBJREF must
 * name IID_IActivationPropertiesIn and CLSID_ActivationPropertiesIn
 * (NDR_ERR_RANGE).  Errors carry stub positions; see the header comment
 * for what is refused.  [r] is zeroed first; values are owned by ndr->mem.
 */
enum ndr_err dcom_actprops_in_pull(struct ndr_pull *ndr,
                                   size_t len,
                                   struct dcom_actprops *r);

/* As dcom_actprops_in_pull for an ActivationPropertiesOut (00000339). */
enum ndr_err dcom_actprops_out_pull(struct ndr_pull *ndr,
                                    size_t len,
                                    struct dcom_actprops *r);

/*
 * Pushes the OBJREF_CUSTOM (raw octets) of an ActivationPropertiesIn with
 * the properties present in [r].  Default order: special, instantiation,
 * activation context, security, location, SCM request, instance.
 * NDR_ERR_RANGE when the count of properties is outside 1..10; other
 * errors as the NDR push primitives.
 */
enum ndr_err dcom_actprops_in_push(struct ndr_push *ndr,
                                   const struct dcom_actprops *r);

/*
 * Pushes the OBJREF_CUSTOM of an ActivationPropertiesOut.  Default order:
 * PropsOutInfo, then ScmReplyInfoData (impacket slices the properties by
 * position and needs this order).  OBJREF reserved = BLOB size.
 */
enum ndr_err dcom_actprops_out_push(struct ndr_push *ndr,
                                    const struct dcom_actprops *r);

/*
 * Fills [r] (zeroed first) as the reply to a successful activation: one
 * PropsOutInfo entry per IID with hresults[i] and the interface OBJREF
 * ifaces[i] (borrowed; NULL where hresults[i] failed), and the SCM reply
 * with the exporter's OXID, bindings (borrowed), IRemUnknown IPID,
 * authnHint and COM version 5.7.  The arrays are borrowed, not copied.
 */
void dcom_actprops_out_init(struct dcom_actprops *r,
                            uint32_t n_ifaces,
                            struct rpc_uuid *iids,
                            uint32_t *hresults,
                            struct dcom_objref **ifaces,
                            uint64_t oxid,
                            const struct dcom_dsa *oxid_bindings,
                            const struct rpc_uuid *ipid_rem_unknown,
                            uint32_t authn_hint);

/* ---- NDR type serialization version 1 (MS-RPCE 2.2.6) ---- */

/* The 8-octet common header: version 1, little-endian 0x10, length 8;
 * the filler is ignored.  NDR_ERR_RANGE otherwise. */
enum ndr_err dcom_ts_common_pull(struct ndr_pull *ndr);
enum ndr_err dcom_ts_common_push(struct ndr_push *ndr);

/* The 8-octet private header: ObjectBufferLength, filler (ignored;
 * pushed as 0). */
enum ndr_err dcom_ts_private_pull(struct ndr_pull *ndr, uint32_t *len);
enum ndr_err dcom_ts_private_push(struct ndr_push *ndr, uint32_t len);

#endif
