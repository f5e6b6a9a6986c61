/*
 * pdu: the connection-oriented DCE/RPC PDUs (rpc layer, leaf codec).
 *
 * Parses and builds every connection-oriented PDU of C706 chapter 12 with
 * the MS-RPCE 2.2.2 extensions: the common header, bind, bind_ack,
 * bind_nak, alter_context, alter_context_resp, rpc_auth_3, request,
 * response, fault, shutdown, co_cancel and orphaned; the sec_trailer and
 * auth value (C706 13.2.6.1, MS-RPCE 2.2.2.11); bind-time feature
 * negotiation (MS-RPCE 2.2.2.14, 3.3.1.5.3); presentation context
 * negotiation (MS-RPCE 3.3.1.5.6); the verification trailer (MS-RPCE
 * 2.2.2.13).  Fragment reassembly and fragmentation live in rpc/frag.h.
 *
 * This file knows nothing of sockets, the loop, associations or security
 * packages: it takes bytes, a talloc context and returns values or an error.
 *
 * Common header (16 octets, every PDU):
 *
 *   OFFSET SIZE FIELD
 *   0      1    rpc_vers        5
 *   1      1    rpc_vers_minor  0 or 1
 *   2      1    PTYPE           enum rpc_ptype
 *   3      1    pfc_flags       enum rpc_pfc
 *   4      4    packed_drep     10 00 00 00: little-endian, ASCII, IEEE
 *   8      2    frag_length     whole fragment, header to auth value
 *   10     2    auth_length     length of the auth value only
 *   12     4    call_id
 *
 * A fragment with auth_length > 0 ends with
 *
 *   ... body | auth pad (auth_pad_length) | sec_trailer (8) | auth value |
 *
 * and the sec_trailer starts at frag_length - auth_length - 8 (that is how
 * the parser finds it, never by walking the body).
 *
 *   sec_trailer: auth_type(1) auth_level(1) auth_pad_length(1)
 *                auth_reserved(1) auth_context_id(4)
 *
 * Invariants the reader must hold:
 * - Only little-endian NDR data representation is accepted; anything else
 *   is refused with a precise error (RPC_PDU_ERR_DREP_*), never guessed.
 * - A parsed struct rpc_pdu borrows the input bytes (stub, auth_value);
 *   its arrays (context lists, results) are talloc children of the context
 *   passed to the parser.  The input must outlive the parsed PDU.
 * - Offsets in struct rpc_pdu (stub_off, sec_trailer_off, ...) are relative
 *   to the first header byte, so a caller may sign, verify, encrypt or
 *   decrypt its own mutable copy of the fragment in place.
 */
#ifndef OWMI_RPC_PDU_H
#define OWMI_RPC_PDU_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "base/errinfo.h"
#include "rpc/uuid.h"

#define RPC_HDR_LEN            16
#define RPC_SEC_TRAILER_LEN    8
#define RPC_REQUEST_HDR_LEN    24 /* +16 with PFC_OBJECT_UUID */
#define RPC_RESPONSE_HDR_LEN   24
#define RPC_FAULT_HDR_LEN      32
#define RPC_MIN_FRAG           1432 /* C706 12.6.3.1 MustRecvFragSize */
#define RPC_MAX_FRAG           65535
#define RPC_AUTH_PAD_ALIGN     16 /* MS-RPCE 2.2.2.11: from the stub start */
#define RPC_VERSION            5
#define RPC_DREP0_LITTLE_ASCII 0x10

/* C706 12.6.4, MS-RPCE 2.2.2.x: PTYPE values (connection-oriented ones). */
enum rpc_ptype {
	RPC_PTYPE_REQUEST = 0,
	RPC_PTYPE_RESPONSE = 2,
	RPC_PTYPE_FAULT = 3,
	RPC_PTYPE_BIND = 11,
	RPC_PTYPE_BIND_ACK = 12,
	RPC_PTYPE_BIND_NAK = 13,
	RPC_PTYPE_ALTER_CONTEXT = 14,
	RPC_PTYPE_ALTER_CONTEXT_RESP = 15,
	RPC_PTYPE_AUTH3 = 16,
	RPC_PTYPE_SHUTDOWN = 17,
	RPC_PTYPE_CO_CANCEL = 18,
	RPC_PTYPE_ORPHANED = 19,
};

/* C706 12.6.3.1 pfc_flags; MS-RPCE 2.2.2.3 for SUPPORT_HEADER_SIGN. */
enum rpc_pfc {
	RPC_PFC_FIRST_FRAG = 0x01,
	RPC_PFC_LAST_FRAG = 0x02,
	RPC_PFC_PENDING_CANCEL = 0x04,      /* request/response */
	RPC_PFC_SUPPORT_HEADER_SIGN = 0x04, /* bind/alter_context */
	RPC_PFC_RESERVED_1 = 0x08,
	RPC_PFC_CONC_MPX = 0x10,
	RPC_PFC_DID_NOT_EXECUTE = 0x20,
	RPC_PFC_MAYBE = 0x40,
	RPC_PFC_OBJECT_UUID = 0x80,
};

/* MS-RPCE 2.2.1.1.7 authentication services (sec_trailer auth_type). */
enum rpc_auth_type {
	RPC_AUTHN_NONE = 0,
	RPC_AUTHN_GSS_NEGOTIATE = 9,
	RPC_AUTHN_WINNT = 10, /* raw NTLMSSP: what impacket uses */
	RPC_AUTHN_GSS_SCHANNEL = 14,
	RPC_AUTHN_GSS_KERBEROS = 16,
	RPC_AUTHN_NETLOGON = 0x44,
	RPC_AUTHN_DEFAULT = 0xff,
};

/* MS-RPCE 2.2.1.1.8 authentication levels. */
enum rpc_auth_level {
	RPC_AUTHN_LEVEL_DEFAULT = 0,
	RPC_AUTHN_LEVEL_NONE = 1,
	RPC_AUTHN_LEVEL_CONNECT = 2,
	RPC_AUTHN_LEVEL_CALL = 3,
	RPC_AUTHN_LEVEL_PKT = 4,
	RPC_AUTHN_LEVEL_PKT_INTEGRITY = 5,
	RPC_AUTHN_LEVEL_PKT_PRIVACY = 6,
};

/* C706 12.6.3.1 p_cont_def_result_t; MS-RPCE 2.2.2.4 adds negotiate_ack. */
enum rpc_def_result {
	RPC_RESULT_ACCEPTANCE = 0,
	RPC_RESULT_USER_REJECTION = 1,
	RPC_RESULT_PROVIDER_REJECTION = 2,
	RPC_RESULT_NEGOTIATE_ACK = 3,
};

/* C706 12.6.3.1 p_provider_reason_t (reason of a rejected context). */
enum rpc_provider_reason {
	RPC_REASON_NOT_SPECIFIED = 0,
	RPC_REASON_ABSTRACT_SYNTAX_NOT_SUPPORTED = 1,
	RPC_REASON_PROPOSED_TRANSFER_SYNTAXES_NOT_SUPPORTED = 2,
	RPC_REASON_LOCAL_LIMIT_EXCEEDED = 3,
};

/* C706 12.6.3.1 p_reject_reason_t (bind_nak); MS-RPCE 2.2.2.5 adds 8, 9. */
enum rpc_bind_nak_reason {
	RPC_NAK_REASON_NOT_SPECIFIED = 0,
	RPC_NAK_TEMPORARY_CONGESTION = 1,
	RPC_NAK_LOCAL_LIMIT_EXCEEDED = 2,
	RPC_NAK_CALLED_PADDR_UNKNOWN = 3,
	RPC_NAK_PROTOCOL_VERSION_NOT_SUPPORTED = 4,
	RPC_NAK_DEFAULT_CONTEXT_NOT_SUPPORTED = 5,
	RPC_NAK_USER_DATA_NOT_READABLE = 6,
	RPC_NAK_NO_PSAP_AVAILABLE = 7,
	RPC_NAK_AUTHENTICATION_TYPE_NOT_RECOGNIZED = 8,
	RPC_NAK_INVALID_CHECKSUM = 9,
};

/* MS-RPCE 2.2.2.14 BindTimeFeatureNegotiationBitmask, first octet. */
enum rpc_btfn_bits {
	RPC_BTFN_SEC_CONTEXT_MULTIPLEXING = 0x01,
	RPC_BTFN_KEEP_CONNECTION_ON_ORPHAN = 0x02,
};

/* Fault flags (the C706 "reserved" octet of a fault; MS-RPCE 2.2.2.9). */
enum rpc_fault_flags {
	RPC_FAULT_FLAG_EXTENDED_ERROR = 0x01,
};

/*
 * The errors of this codec.  Each names one rule of C706/MS-RPCE that the
 * input broke.  rpc_pdu_err_name() gives the text; the runtime maps them to
 * a bind_nak reason or a fault status (rpc_pdu_err_fault()).
 */
enum rpc_pdu_err {
	RPC_PDU_OK = 0,
	RPC_PDU_ERR_INCOMPLETE,  /* fewer bytes than the header / frag says */
	RPC_PDU_ERR_VERSION,     /* rpc_vers != 5 or rpc_vers_minor > 1 */
	RPC_PDU_ERR_DREP_INT,    /* big-endian integer representation */
	RPC_PDU_ERR_DREP_CHAR,   /* EBCDIC character representation */
	RPC_PDU_ERR_DREP_FLOAT,  /* non-IEEE floating point */
	RPC_PDU_ERR_PTYPE,       /* not a connection-oriented PTYPE */
	RPC_PDU_ERR_FRAG_LENGTH, /* frag_length < header or != buffer */
	RPC_PDU_ERR_AUTH_LENGTH, /* auth_length does not fit the fragment */
	RPC_PDU_ERR_AUTH_PAD,    /* auth_pad_length longer than the body */
	RPC_PDU_ERR_TRUNCATED,   /* body shorter than its own counts say */
	RPC_PDU_ERR_CONTEXT,     /* a context element with no syntaxes */
	RPC_PDU_ERR_ALLOC,       /* out of memory */
	RPC_PDU_ERR_FRAGMENT,    /* reassembly: missing or unexpected FIRST */
	RPC_PDU_ERR_CALL_ID,     /* reassembly: call_id changed mid-call */
	RPC_PDU_ERR_TOO_BIG,     /* reassembly or fragment size limit */
	RPC_PDU_ERR_VT,          /* malformed verification trailer */
	RPC_PDU_ERR_ARG,         /* build: a value that cannot be encoded */
};

struct rpc_hdr {
	uint8_t rpc_vers;
	uint8_t rpc_vers_minor;
	uint8_t ptype;
	uint8_t pfc_flags;
	uint8_t drep[4];
	uint16_t frag_length;
	uint16_t auth_length;
	uint32_t call_id;
};

/* p_cont_elem_t: one proposed presentation context. */
struct rpc_ctx_elem {
	uint16_t p_cont_id;
	uint8_t n_transfer_syn;
	uint8_t reserved;
	struct rpc_syntax_id abstract_syntax;
	struct rpc_syntax_id *transfer_syntaxes; /* n_transfer_syn entries */
};

/* bind and alter_context (C706 12.6.4.3, 12.6.4.1). */
struct rpc_bind {
	uint16_t max_xmit_frag;
	uint16_t max_recv_frag;
	uint32_t assoc_group_id;
	uint8_t n_ctx;
	struct rpc_ctx_elem *ctx; /* n_ctx entries */
};

/* p_result_t */
struct rpc_ctx_result {
	uint16_t result; /* enum rpc_def_result */
	uint16_t reason; /* enum rpc_provider_reason, or BTFN bits */
	struct rpc_syntax_id transfer_syntax;
};

/* bind_ack and alter_context_resp (C706 12.6.4.4, 12.6.4.2). */
struct rpc_bind_ack {
	uint16_t max_xmit_frag;
	uint16_t max_recv_frag;
	uint32_t assoc_group_id;
	/*
	 * port_any_t: sec_addr_len octets including the NUL ("135\0" is 4);
	 * 0 means no address.  Parsed: a NUL-terminated talloc copy.
	 */
	uint16_t sec_addr_len;
	char *sec_addr;
	uint8_t n_results;
	struct rpc_ctx_result *results;
};

struct rpc_version {
	uint8_t major;
	uint8_t minor;
};

/* bind_nak (C706 12.6.4.5, MS-RPCE 2.2.2.x). */
struct rpc_bind_nak {
	uint16_t reject_reason; /* enum rpc_bind_nak_reason */
	uint8_t n_versions;
	struct rpc_version *versions;
	/* Octets after the version list (MS-RPCE signature and extended
	 * error), borrowed from the input; kept opaque. */
	const uint8_t *extra;
	size_t extra_len;
};

/* request (C706 12.6.4.9). */
struct rpc_request {
	uint32_t alloc_hint;
	uint16_t p_cont_id;
	uint16_t opnum;
	struct rpc_uuid object; /* only with RPC_PFC_OBJECT_UUID */
};

/* response (C706 12.6.4.10). */
struct rpc_response {
	uint32_t alloc_hint;
	uint16_t p_cont_id;
	uint8_t cancel_count;
	uint8_t reserved;
};

/* fault (C706 12.6.4.7). */
struct rpc_fault {
	uint32_t alloc_hint;
	uint16_t p_cont_id;
	uint8_t cancel_count;
	uint8_t flags; /* enum rpc_fault_flags */
	uint32_t status;
	uint32_t reserved;
};

struct rpc_sec_trailer {
	uint8_t auth_type;       /* enum rpc_auth_type */
	uint8_t auth_level;      /* enum rpc_auth_level */
	uint8_t auth_pad_length; /* pad octets before the trailer */
	uint8_t auth_reserved;
	uint32_t auth_context_id;
};

struct rpc_pdu {
	struct rpc_hdr hdr;
	union {
		struct rpc_bind bind;         /* BIND, ALTER_CONTEXT */
		struct rpc_bind_ack bind_ack; /* BIND_ACK, ALTER_..._RESP */
		struct rpc_bind_nak bind_nak;
		struct rpc_request request;
		struct rpc_response response;
		struct rpc_fault fault;
	} u;
	/*
	 * Body octets after the type-specific fixed fields and before the
	 * auth pad: the stub of a request, response or fault; the pad of an
	 * auth3; any trailing octets of other types.  Borrowed.
	 */
	const uint8_t *stub;
	size_t stub_off;
	size_t stub_len;
	bool has_auth;
	struct rpc_sec_trailer auth;
	size_t sec_trailer_off;    /* valid when has_auth */
	const uint8_t *auth_value; /* hdr.auth_length octets, borrowed */
	size_t auth_value_off;
};

/*
 * Checks the common header at [data] (at least RPC_HDR_LEN octets; [len]
 * may be longer, e.g. a receive buffer) and fills [out].  Used by the
 * stream reader to learn frag_length before the whole fragment arrived.
 * Returns RPC_PDU_OK; RPC_PDU_ERR_INCOMPLETE when len < 16; or
 * VERSION, DREP_INT, DREP_CHAR, DREP_FLOAT, PTYPE, FRAG_LENGTH (frag_length
 * shorter than the header) or AUTH_LENGTH (auth_length + 8 > frag_length -
 * 16).  [ei] (may be NULL) gets RPC_S_PROTOCOL_ERROR, a message and the
 * offset of the bad field.  [out] is filled even on failure, so a bind
 * with a bad version can still be answered with a bind_nak.
 */
enum rpc_pdu_err rpc_pdu_peek(const uint8_t *data,
                              size_t len,
                              struct rpc_hdr *out,
                              struct errinfo *ei);

/*
 * Parses one whole fragment: [len] must equal frag_length.  [out] borrows
 * [data]; arrays are allocated as talloc children of [mem].  Every count
 * and length is checked against the fragment before anything is read or
 * allocated.  Returns RPC_PDU_OK or an error of rpc_pdu_peek, or
 * FRAG_LENGTH (len != frag_length, or shorter than the PTYPE's fixed
 * fields), AUTH_LENGTH, AUTH_PAD, TRUNCATED, CONTEXT, ALLOC.  On failure
 * [out] is left partly filled and must not be used (its header is valid
 * when the error is not from the header).  Does not decrypt or verify.
 */
enum rpc_pdu_err rpc_pdu_parse(void *mem,
                               const uint8_t *data,
                               size_t len,
                               struct rpc_pdu *out,
                               struct errinfo *ei);

/*
 * Initialises [pdu] for building: zero body, rpc_vers 5.0, little-endian
 * drep, FIRST|LAST flags, the given type and call_id.
 */
void rpc_pdu_init(struct rpc_pdu *pdu, enum rpc_ptype ptype, uint32_t call_id);

/*
 * Builds one fragment from [pdu]: the common header (frag_length and
 * auth_length are computed, the other header fields taken as given), the
 * type's fields, pdu->stub/stub_len as body, and when pdu->has_auth
 * auth.auth_pad_length zero pad octets, the sec_trailer and
 * hdr.auth_length octets of auth value (pdu->auth_value, or zeros when it
 * is NULL: a placeholder for a signature computed later).  Returns owned
 * (talloc child of [mem]) the bytes in [*out] and their length in
 * [*out_len]; the offsets in [pdu] (stub_off, sec_trailer_off,
 * auth_value_off) are updated to the built layout.  Errors: ARG (the PDU
 * exceeds 65535 octets, a count exceeds 255, PTYPE unknown), ALLOC.  On
 * failure nothing is allocated and [*out] is untouched.
 */
enum rpc_pdu_err rpc_pdu_build(void *mem,
                               struct rpc_pdu *pdu,
                               uint8_t **out,
                               size_t *out_len);

/* Returns the constant name ("RPC_PDU_ERR_DREP_INT"). */
const char *rpc_pdu_err_name(enum rpc_pdu_err err);

/*
 * Returns the fault status a server sends for a request that failed with
 * [err]: nca_s_proto_error for protocol violations, nca_s_fault_remote_no_
 * memory for ALLOC, nca_s_out_args_too_big / nca_s_proto_error for sizes.
 */
uint32_t rpc_pdu_err_fault(enum rpc_pdu_err err);

/*
 * Returns the bind_nak reason a server sends when a bind or alter_context
 * failed with [err]: PROTOCOL_VERSION_NOT_SUPPORTED for VERSION,
 * LOCAL_LIMIT_EXCEEDED for ALLOC and TOO_BIG, REASON_NOT_SPECIFIED else.
 */
uint16_t rpc_pdu_err_nak_reason(enum rpc_pdu_err err);

/* Returns "bind", "bind_ack", ... or "unknown". */
const char *rpc_ptype_name(uint8_t ptype);

/* ---- presentation context negotiation (server side) ---- */

/*
 * What a server supports, for rpc_bind_negotiate().  [abstract_supported]
 * answers whether an interface (UUID + version) is served on this
 * endpoint; it may be NULL to accept every interface.
 */
struct rpc_bind_policy {
	bool (*abstract_supported)(const struct rpc_syntax_id *abstract,
	                           void *arg);
	void *arg;
	uint16_t max_xmit_frag;  /* what we can send; 0 = 4280 */
	uint16_t max_recv_frag;  /* what we can receive; 0 = 4280 */
	uint32_t assoc_group_id; /* echoed */
	const char *sec_addr;    /* "135"; NULL or "" for none */
	uint8_t btfn_supported;  /* enum rpc_btfn_bits we implement */
};

/*
 * True when [ts] is a bind-time feature negotiation transfer syntax
 * (UUID prefix 6cb71c2c-9812-4540, version 1.0, MS-RPCE 3.3.1.5.3); then
 * [*bits] (may be NULL) receives the first octet of the bitmask.
 */
bool rpc_syntax_is_btfn(const struct rpc_syntax_id *ts, uint8_t *bits);

/*
 * Computes the body of the bind_ack / alter_context_resp answering [req]:
 * one result per proposed context, in order:
 * - a bind-time feature negotiation element gets negotiate_ack with the
 *   reason field = client bits AND policy->btfn_supported, and a null
 *   transfer syntax (MS-RPCE 3.3.1.5.3);
 * - an unsupported interface gets provider_rejection /
 *   abstract_syntax_not_supported;
 * - a supported interface without NDR 2.0 among its transfer syntaxes
 *   gets provider_rejection / proposed_transfer_syntaxes_not_supported;
 * - otherwise acceptance with NDR 2.0 echoed (impacket stores it).
 * max_xmit_frag = min(ours, client's max_recv_frag), max_recv_frag =
 * min(ours, client's max_xmit_frag), each at least RPC_MIN_FRAG.
 * [*client_btfn] (may be NULL) receives the client's BTFN bits, 0 when it
 * did not offer negotiation.  Results and sec_addr are talloc children of
 * [mem].  Returns RPC_PDU_OK or RPC_PDU_ERR_ALLOC.
 */
enum rpc_pdu_err rpc_bind_negotiate(void *mem,
                                    const struct rpc_bind *req,
                                    const struct rpc_bind_policy *policy,
                                    struct rpc_bind_ack *ack,
                                    uint8_t *client_btfn);

/*
 * Fills [pdu] as a bind_nak for [call_id] with [reason] and the supported
 * protocol versions 5.0 (talloc child of [mem]).  RPC_PDU_OK or ALLOC.
 */
enum rpc_pdu_err rpc_bind_nak_init(void *mem,
                                   struct rpc_pdu *pdu,
                                   uint32_t call_id,
                                   uint16_t reason);

/*
 * Fills [pdu] as a fault for [call_id]/[p_cont_id] with [status]; no auth,
 * no stub, flags FIRST|LAST (and DID_NOT_EXECUTE when [did_not_execute]).
 * Faults are sent without a verifier (interop notes 2.7).
 */
void rpc_fault_init(struct rpc_pdu *pdu,
                    uint32_t call_id,
                    uint16_t p_cont_id,
                    uint32_t status,
                    bool did_not_execute);

/* ---- auth pad (MS-RPCE 2.2.2.11) ---- */

/*
 * Returns the pad a sender puts after [stub_len] stub octets so that the
 * sec_trailer starts 16-aligned relative to the stub start (0..15).
 */
size_t rpc_auth_pad_len(size_t stub_len);

/* ---- verification trailer (MS-RPCE 2.2.2.13) ---- */

enum rpc_vt_command {
	RPC_SEC_VT_COMMAND_BITMASK_1 = 0x0001,
	RPC_SEC_VT_COMMAND_PCONTEXT = 0x0002,
	RPC_SEC_VT_COMMAND_HEADER2 = 0x0003,
	RPC_SEC_VT_COMMAND_END = 0x4000,
	RPC_SEC_VT_MUST_PROCESS_COMMAND = 0x8000,
};

#define RPC_SEC_VT_CLIENT_SUPPORTS_HEADER_SIGNING 0x00000001u

struct rpc_vt {
	bool has_bitmask;
	uint32_t bitmask;
	bool has_pcontext;
	struct rpc_syntax_id interface_id;
	struct rpc_syntax_id transfer_syntax;
	bool has_header2;
	uint8_t ptype;
	uint8_t drep[4];
	uint32_t call_id;
	uint16_t p_cont_id;
	uint16_t opnum;
	size_t offset; /* where the 8-octet signature starts */
};

/*
 * Looks for a verification trailer in [body, body+len) starting at
 * [from] (the end of the NDR stub data, as MS-RPCE 2.2.2.13 asks) and
 * parses its commands.  Returns RPC_PDU_OK with *found = false when there
 * is none; RPC_PDU_OK with *found = true and [out] filled; RPC_PDU_ERR_VT
 * when a trailer is present but malformed (a command overruns the body,
 * a known command has a wrong length, an unknown command carries
 * MUST_PROCESS, no END command, or octets follow the END command).
 */
enum rpc_pdu_err rpc_vt_find(const uint8_t *body,
                             size_t len,
                             size_t from,
                             struct rpc_vt *out,
                             bool *found);

/*
 * Appends a verification trailer for [vt] (only the commands whose has_*
 * flag is set; at least one must be) to [*buf] of [*len] octets,
 * 4-aligning first with zero octets.  [*buf] is a talloc array under [mem]
 * and is reallocated.  RPC_PDU_OK, ARG (no command), ALLOC.
 */
enum rpc_pdu_err rpc_vt_append(void *mem,
                               const struct rpc_vt *vt,
                               uint8_t **buf,
                               size_t *len);

#endif
