/*
 * dcom/types: the value types of the DCOM wire codecs (dcom layer, leaf
 * codec; DESIGN.md section 3, docs/internals/dcom.md).
 *
 * Written from MS-DCOM 2.2 (COMVERSION 2.2.11, ORPC_EXTENT 2.2.13,
 * OBJREF 2.2.18, STDOBJREF 2.2.18.1, DUALSTRINGARRAY 2.2.19, Context
 * 2.2.20), the well-known GUIDs of MS-DCOM 1.9 and the range constants of
 * 2.2.28.1.  The codecs are in objref.h, orpc.h, actprops.h and stubs.h.
 *
 * Invariants the reader must hold:
 * - Every string is UTF-8 inside; UTF-16LE exists only on the wire.
 * - Every pointer member of a pulled value is owned by the pull cursor's
 *   memory context (ndr->mem); nothing borrows the input.
 * - A struct passed to a push function is only read; its pointers may point
 *   anywhere (static data, the caller's context).
 * - Counts in these structs are element counts, never byte counts, unless
 *   the member is named n_data / n_bytes.
 */
#ifndef OWMI_DCOM_TYPES_H
#define OWMI_DCOM_TYPES_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "rpc/uuid.h"

/* ---- versions (MS-DCOM 2.2.11) ---- */

struct dcom_comversion {
	uint16_t major;
	uint16_t minor;
};

/* The version we speak and advertise: 5.7 (impacket's default). */
#define DCOM_COM_VERSION_MAJOR 5
#define DCOM_COM_VERSION_MINOR 7

/* ---- limits: MS-DCOM 2.2.28.1 and our own ---- */

#define DCOM_MIN_ACTPROP_LIMIT        1 /* cIfs of a CustomHeader */
#define DCOM_MAX_ACTPROP_LIMIT        10
#define DCOM_MAX_REQUESTED_INTERFACES 0x8000 /* cIID, PropsOutInfo.cIfs */
#define DCOM_MAX_REQUESTED_PROTSEQS   0x8000
/* Ours: string or security bindings in one DUALSTRINGARRAY. */
#define DCOM_MAX_BINDINGS 256
/* Ours: ORPC extents in one ORPC_EXTENT_ARRAY. */
#define DCOM_MAX_EXTENTS 64
/* Ours: context properties in one marshaled Context (2.2.20). */
#define DCOM_MAX_CTX_PROPS 64

/* ---- tower ids (MS-DCOM 2.2.19.3) and security providers (MS-RPCE
 * 2.2.1.1.7) used in bindings ---- */

#define DCOM_TOWER_NCACN_IP_TCP 0x0007
#define DCOM_TOWER_NCALRPC      0x0010 /* not sent: impacket ignores it */

#define DCOM_AUTHN_NONE          0x0000
#define DCOM_AUTHN_GSS_NEGOTIATE 0x0009
#define DCOM_AUTHN_WINNT         0x000a /* NTLM */
#define DCOM_AUTHN_GSS_KERBEROS  0x0010

/* ---- status codes the DCOM layer returns on the wire ----
 * (MS-ERREF; not yet in base/hresult.tbl, see docs/internals/dcom.md) */

#define DCOM_RPC_E_VERSION_MISMATCH 0x80010110u
#define DCOM_RPC_E_INVALID_OBJECT   0x80010114u
#define DCOM_RPC_E_INVALID_OBJREF   0x8001011Du
#define DCOM_OR_INVALID_OXID        0x00000776u /* error_status_t */
#define DCOM_OR_INVALID_OID         0x00000777u
#define DCOM_OR_INVALID_SET         0x00000778u

/* ---- well-known GUIDs (MS-DCOM 1.9) ---- */

extern const struct rpc_uuid dcom_iid_iunknown;
extern const struct rpc_uuid dcom_iid_iremunknown;  /* 00000131 */
extern const struct rpc_uuid dcom_iid_iremunknown2; /* 00000143 */
extern const struct rpc_uuid dcom_iid_iobjectexporter;
extern const struct rpc_uuid dcom_iid_iremotescmactivator; /* 000001a0 */
extern const struct rpc_uuid dcom_iid_iactivation;
extern const struct rpc_uuid dcom_iid_iactivationpropertiesin;   /* 1a2 */
extern const struct rpc_uuid dcom_iid_iactivationpropertiesout;  /* 1a3 */
extern const struct rpc_uuid dcom_iid_icontext;                  /* 1c0 */
extern const struct rpc_uuid dcom_clsid_activationpropertiesin;  /* 338 */
extern const struct rpc_uuid dcom_clsid_activationpropertiesout; /* 339 */
extern const struct rpc_uuid dcom_clsid_context_marshaler;       /* 33b */
extern const struct rpc_uuid dcom_clsid_error_object;            /* 31b */
extern const struct rpc_uuid dcom_clsid_context_extension;       /* 334 */
extern const struct rpc_uuid dcom_clsid_error_extension;         /* 31c */
/* Activation property CLSIDs (CustomHeader.pclsid). */
extern const struct rpc_uuid dcom_clsid_instantiation_info;        /* 1ab */
extern const struct rpc_uuid dcom_clsid_activation_context_info;   /* 1a5 */
extern const struct rpc_uuid dcom_clsid_server_location_info;      /* 1a4 */
extern const struct rpc_uuid dcom_clsid_scm_request_info;          /* 1aa */
extern const struct rpc_uuid dcom_clsid_security_info;             /* 1a6 */
extern const struct rpc_uuid dcom_clsid_instance_info;             /* 1ad */
extern const struct rpc_uuid dcom_clsid_special_system_properties; /* 1b9 */
extern const struct rpc_uuid dcom_clsid_props_out_info; /* 339, as above */
extern const struct rpc_uuid dcom_clsid_scm_reply_info; /* 1b6 */

/* ---- STDOBJREF (2.2.18.1) ---- */

#define DCOM_SORF_NOPING 0x00001000u

struct dcom_stdobjref {
	uint32_t flags;       /* 0 or SORF_NOPING */
	uint32_t public_refs; /* cPublicRefs */
	uint64_t oxid;
	uint64_t oid;
	struct rpc_uuid ipid;
};

/* ---- DUALSTRINGARRAY (2.2.19) ---- */

struct dcom_string_binding {
	uint16_t tower_id; /* never 0 (0 ends the list) */
	char *addr;        /* "host[port]" or "host" */
};

struct dcom_security_binding {
	uint16_t authn_svc; /* never 0 (0 ends the list) */
	char *princ_name;   /* "" when no SPN is given */
};

/*
 * The decoded form: the string bindings, then the security bindings.  The
 * wire form (wNumEntries, wSecurityOffset, terminators) is computed on push.
 * An empty list is sent as two zero units, as MS-DCOM's smallest array
 * (wNumEntries 4, wSecurityOffset 2) shows.
 */
struct dcom_dsa {
	uint32_t n_str;
	struct dcom_string_binding *str;
	uint32_t n_sec;
	struct dcom_security_binding *sec;
};

/* ---- OBJREF (2.2.18) ---- */

#define DCOM_OBJREF_SIGNATURE 0x574f454du /* "MEOW" */
#define DCOM_OBJREF_EXT_SIG   0x4e535956u /* OBJREF_EXTENDED signatures */

enum dcom_objref_kind {
	DCOM_OBJREF_STANDARD = 0x1,
	DCOM_OBJREF_HANDLER = 0x2,
	DCOM_OBJREF_CUSTOM = 0x4,
	DCOM_OBJREF_EXTENDED = 0x8,
};

struct dcom_objref {
	uint32_t kind; /* enum dcom_objref_kind */
	struct rpc_uuid iid;
	/* STANDARD, HANDLER, EXTENDED: */
	struct dcom_stdobjref std;
	struct dcom_dsa res_addr; /* the object resolver's bindings */
	/* HANDLER (the handler class), CUSTOM (the unmarshaler class): */
	struct rpc_uuid clsid;
	/* CUSTOM: the reserved field (any value; we send the data size) and
	 * pObjectData; cbExtension is sent as 0 and ignored on receipt. */
	uint32_t reserved;
	/* CUSTOM: pObjectData.  EXTENDED: DATAELEMENT.Data (cbSize octets). */
	uint8_t *data;
	size_t n_data;
	/* EXTENDED: DATAELEMENT.dataID (nElms is always 1). */
	struct rpc_uuid data_id;
};

/* ---- ORPC_EXTENT (2.2.13.1) ---- */

struct dcom_orpc_extent {
	struct rpc_uuid id;
	uint32_t size; /* meaningful octets of data */
	uint8_t *data; /* size octets; the wire pads to a multiple of 8 */
};

/*
 * ORPCTHIS (2.2.13.3) and ORPCTHAT (2.2.13.4).  [has_extensions] says
 * whether the extensions pointer is non-NULL; the non-NULL entries of the
 * extent array are kept in order in [ext] (NULL entries are dropped).
 */
struct dcom_orpcthis {
	struct dcom_comversion version;
	uint32_t flags;
	uint32_t reserved1;
	struct rpc_uuid cid; /* causality id */
	bool has_extensions;
	uint32_t n_ext;
	struct dcom_orpc_extent *ext;
};

struct dcom_orpcthat {
	uint32_t flags;
	bool has_extensions;
	uint32_t n_ext;
	struct dcom_orpc_extent *ext;
};

/* ---- Context (2.2.20) and PROPMARSHALHEADER (2.2.20.1) ---- */

struct dcom_ctx_prop {
	struct rpc_uuid clsid; /* GUID_NULL: data is an OBJREF */
	struct rpc_uuid policy_id;
	uint32_t flags;
	uint32_t cb;
	uint8_t *data; /* cb octets */
};

struct dcom_context {
	uint16_t major; /* 1 */
	uint16_t minor; /* 1 */
	struct rpc_uuid context_id;
	uint32_t flags;      /* CTXMSHLFLAGS_BYVAL 2 */
	uint32_t reserved;   /* 0 */
	uint32_t mshl_flags; /* MSHLFLAGS */
	uint32_t frozen;
	uint32_t n_props; /* Count */
	struct dcom_ctx_prop *props;
};

#endif
