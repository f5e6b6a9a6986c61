/*
 * spnego: the SPNEGO negotiation tokens (ntlm layer; RFC 4178, MS-SPNG
 * 2.2), a strict, bounded DER codec.  Used by DCE/RPC auth_type 9
 * (RPC_C_AUTHN_GSS_NEGOTIATE), where SPNEGO wraps NTLMSSP.
 *
 *   InitialContextToken ::= [APPLICATION 0] IMPLICIT SEQUENCE {
 *           thisMech OID (1.3.6.1.5.5.2), NegotiationToken }  (optional)
 *   NegotiationToken ::= CHOICE { negTokenInit [0], negTokenResp [1] }
 *   NegTokenInit ::= SEQUENCE { mechTypes [0] SEQUENCE OF OID,
 *           reqFlags [1] BIT STRING OPT, mechToken [2] OCTET STRING OPT,
 *           mechListMIC [3] OCTET STRING OPT }
 *       (MS-SPNG NegTokenInit2: [3] negHints SEQUENCE, [4] mechListMIC)
 *   NegTokenResp ::= SEQUENCE { negState [0] ENUMERATED OPT,
 *           supportedMech [1] OID OPT, responseToken [2] OCTET STRING OPT,
 *           mechListMIC [3] OCTET STRING OPT }
 *
 * Parsing never allocates: every blob points into the input.  Limits:
 * definite lengths only (0x80 indefinite is refused), long-form lengths
 * of at most 4 octets, single-octet tags, every length inside its
 * parent, at most SPNEGO_MAX_MECHS mechanisms, fixed nesting (the
 * grammar has no recursion, so depth is bounded by construction), no
 * trailing octets inside a sequence, fields in ascending tag order.
 * Errors: HR_SEC_E_INVALID_TOKEN with the octet offset in errinfo.
 */
#ifndef OWMI_NTLM_SPNEGO_H
#define OWMI_NTLM_SPNEGO_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "base/errinfo.h"
#include "base/hresult.h"

#define SPNEGO_MAX_MECHS 32

/* A slice of a token (or of a built buffer); p == NULL means absent. */
struct spnego_blob {
	const uint8_t *p;
	size_t len;
};

/* negState (RFC 4178 4.2.2); SPNEGO_STATE_ABSENT when not sent. */
enum spnego_state {
	SPNEGO_ACCEPT_COMPLETED = 0,
	SPNEGO_ACCEPT_INCOMPLETE = 1,
	SPNEGO_REJECT = 2,
	SPNEGO_REQUEST_MIC = 3,
	SPNEGO_STATE_ABSENT = -1,
};

/* Content octets of the OIDs (no tag, no length). */
extern const struct spnego_blob spnego_oid_spnego;  /* 1.3.6.1.5.5.2 */
extern const struct spnego_blob spnego_oid_ntlm;    /* 1.3.6.1.4.1.311.2.2.10 */
extern const struct spnego_blob spnego_oid_krb5;    /* 1.2.840.113554.1.2.2 */
extern const struct spnego_blob spnego_oid_ms_krb5; /* 1.2.840.48018.1.2.2 */

enum spnego_kind {
	SPNEGO_INIT = 0,
	SPNEGO_RESP = 1,
};

struct spnego_token {
	enum spnego_kind kind;
	bool gss_wrapped; /* had the [APPLICATION 0] header */
	/* NegTokenInit */
	size_t n_mechs;
	struct spnego_blob mechs[SPNEGO_MAX_MECHS]; /* OID contents */
	struct spnego_blob mech_list; /* the whole MechTypeList TLV (MIC) */
	bool has_req_flags;
	struct spnego_blob req_flags; /* BIT STRING contents */
	struct spnego_blob mech_token;
	/* NegTokenResp */
	int neg_state; /* enum spnego_state */
	struct spnego_blob supported_mech;
	struct spnego_blob response_token;
	/* both */
	struct spnego_blob mech_list_mic;
};

/*
 * Parses one NegotiationToken of [len] octets, with or without the GSS
 * [APPLICATION 0] header (which must name the SPNEGO OID).  Blobs in
 * [*out] point into [p].  Errors: HR_SEC_E_INVALID_TOKEN (errinfo gives
 * what and where).
 */
hresult spnego_parse(const uint8_t *p,
                     size_t len,
                     struct spnego_token *out,
                     struct errinfo *ei);

/* True when [a] and [b] are the same OID. */
bool spnego_oid_eq(struct spnego_blob a, struct spnego_blob b);

/*
 * Builds a NegTokenResp (not wrapped).  Fields that are absent (p NULL,
 * neg_state SPNEGO_STATE_ABSENT) are left out.  The result is a talloc
 * child of [mem].  E_OUTOFMEMORY, or E_INVALIDARG for a state outside
 * 0..3 or a token over 64 KiB.
 */
hresult spnego_build_resp(void *mem,
                          int neg_state,
                          struct spnego_blob supported_mech,
                          struct spnego_blob response_token,
                          struct spnego_blob mech_list_mic,
                          uint8_t **out,
                          size_t *out_len);

/*
 * Builds the MechTypeList TLV (SEQUENCE OF OID) of [n] OIDs: what a
 * NegTokenInit carries as mechTypes and what mechListMIC covers.
 */
hresult spnego_build_mech_list(void *mem,
                               const struct spnego_blob *mechs,
                               size_t n,
                               uint8_t **out,
                               size_t *out_len);

/*
 * Builds a NegTokenInit with the GSS [APPLICATION 0] header (as the
 * first token of a context always is) from a MechTypeList TLV (see
 * spnego_build_mech_list), an optional mechToken and mechListMIC.
 */
hresult spnego_build_init(void *mem,
                          struct spnego_blob mech_list,
                          struct spnego_blob mech_token,
                          struct spnego_blob mech_list_mic,
                          uint8_t **out,
                          size_t *out_len);

#endif
