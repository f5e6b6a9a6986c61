/*
 * client: a blocking DCE/RPC connection-oriented client (rpc layer;
 * C706 chapter 12, MS-RPCE 2.2.2 and 3.2, docs/internals/client.md).
 *
 * One struct rpc_client is one connection (ncacn_ip_tcp or, for local
 * clients, AF_UNIX) with its association: the first bind, then an
 * alter_context per new presentation context.  Each presentation context
 * may carry its own NTLM security context (auth_context_id 79231 +
 * p_cont_id, as impacket and Windows number them), completed by AUTH3 (or
 * by a second alter_context when asked), or share the security context of
 * an earlier presentation context.  Requests are cut at the server's
 * max_recv_frag (rpc/frag.h); at PktIntegrity every fragment is signed and
 * at PktPrivacy sealed; every response fragment's verifier is checked at
 * those levels (a bad one fails the call with RPC_S_SEC_PKG_ERROR and the
 * security context is unusable from then on).  Levels connect, call and
 * pkt perform the handshake and send no verifiers (impacket does the same).
 *
 * Also the raw pieces a hostile test needs: send arbitrary octets, read
 * one PDU, build one protected request fragment without sending it, wait
 * for the server to close.  The test client of tests/unit/rpc is a thin
 * layer over these.
 *
 * Errors are hresults (STYLE.md section 4), with the text in [ei] and in
 * rpc_client_last_error():
 *   RPC_S_SERVER_UNAVAILABLE  connect refused, no route, unknown host,
 *                             connect timeout
 *   RPC_S_CALL_FAILED         connection closed or receive timeout during
 *                             a bind or a call
 *   RPC_S_PROTOCOL_ERROR      an unparsable or unexpected PDU
 *   RPC_S_SEC_PKG_ERROR       a bad or missing response verifier, an
 *                             unusable CHALLENGE
 *   E_ACCESSDENIED            a bind refused for authentication reasons
 *   E_OUTOFMEMORY, E_INVALIDARG (p_cont_id past the table, bad argument)
 * A fault PDU in reply to a request is not a failure of rpc_client_call:
 * it returns S_OK with reply->ptype == RPC_PTYPE_FAULT and the status, and
 * rpc_fault_to_hresult() (rpc/fault.h) turns the status into an hresult.
 *
 * Threads: a client is used by one thread at a time; one call in flight.
 */
#ifndef OWMI_RPC_CLIENT_H
#define OWMI_RPC_CLIENT_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "base/errinfo.h"
#include "base/hresult.h"
#include "rpc/pdu.h"
#include "rpc/uuid.h"

struct rpc_client;

/* The first auth_context_id; a context's id is this + its p_cont_id. */
#define RPC_CLIENT_AUTH_ID_BASE 79231u
/* Presentation contexts one client can name (p_cont_id 0..255). */
#define RPC_CLIENT_MAX_PCTX 256
/* Per-context results kept by a bind result. */
#define RPC_CLIENT_MAX_RESULTS 16
/* Default receive timeout. */
#define RPC_CLIENT_DEFAULT_TIMEOUT_MS 10000

struct rpc_client_auth {
	const char *user;       /* UTF-8 */
	const char *domain;     /* may be NULL or "" */
	const char *password;   /* or NULL and nt_hash */
	const uint8_t *nt_hash; /* 16 octets, used when password is NULL */
	uint8_t level;          /* enum rpc_auth_level, 2..6 */
	/* auth_type 9 (RPC_C_AUTHN_GSS_NEGOTIATE): wrap NTLM in SPNEGO
	   (NegTokenInit offering NTLM only, mechListMIC with the
	   AUTHENTICATE), for servers that require Negotiate.  Default
	   false: auth_type 10, raw NTLMSSP. */
	bool negotiate;
	/* Send AUTHENTICATE in an alter_context instead of an AUTH3. */
	bool third_leg_alter;
	/* Reuse the security context of p_cont_id share_with instead of a
	   new handshake (no token is sent).  Requests then name its id. */
	bool share;
	uint16_t share_with;
};

/* What the server answered to a bind / alter_context. */
struct rpc_client_bind_result {
	uint8_t ptype;       /* BIND_ACK, ALTER_CONTEXT_RESP, BIND_NAK, FAULT;
	                        0 when nothing usable arrived */
	bool refused;        /* the server's answer refused our context */
	uint16_t result;     /* of our first context: enum rpc_def_result */
	uint16_t reason;     /* provider reason */
	uint16_t nak_reason; /* bind_nak */
	uint32_t fault;      /* fault status */
	uint32_t assoc_group;
	uint16_t max_xmit;
	uint16_t max_recv;
	char sec_addr[128];
	/* The result of every context presented (the first
	   RPC_CLIENT_MAX_RESULTS). */
	uint8_t n_results;
	uint16_t results[RPC_CLIENT_MAX_RESULTS];
};

/* The answer to a call. */
struct rpc_client_reply {
	uint8_t ptype;   /* RESPONSE or FAULT */
	uint32_t status; /* fault status (0 for a response) */
	uint8_t *stub;   /* talloc child of the mem given */
	size_t stub_len;
	uint32_t n_frags;
	bool verified; /* every fragment carried a good verifier */
};

/*
 * Connects to [host] (a name, an IPv4 or IPv6 address) on [port] within
 * [timeout_ms] (<= 0: the default) and returns owned (talloc child of
 * [mem]) the client in [*out].  The receive and send timeout is the same
 * value until rpc_client_set_timeout.  Errors: RPC_S_SERVER_UNAVAILABLE,
 * E_OUTOFMEMORY.  [*out] is untouched on failure.
 */
hresult rpc_client_connect_tcp(void *mem,
                               const char *host,
                               uint16_t port,
                               int timeout_ms,
                               struct rpc_client **out,
                               struct errinfo *ei);

/* As rpc_client_connect_tcp for a Unix stream socket at [path]. */
hresult rpc_client_connect_unix(void *mem,
                                const char *path,
                                int timeout_ms,
                                struct rpc_client **out,
                                struct errinfo *ei);

/*
 * Wraps a connected stream socket [fd] (takes it: closed with the client
 * or on failure).  For tests, fuzzing and socketpairs.  E_OUTOFMEMORY.
 */
hresult rpc_client_from_fd(void *mem,
                           int fd,
                           int timeout_ms,
                           struct rpc_client **out,
                           struct errinfo *ei);

/* Closes the socket and frees the client (NULL-safe). */
void rpc_client_close(struct rpc_client *c);

void rpc_client_set_timeout(struct rpc_client *c, int ms);
int rpc_client_fd(const struct rpc_client *c);
/* The text of the last failure ("" when none); valid until the next. */
const char *rpc_client_last_error(const struct rpc_client *c);
/* The next call_id the client will use (for raw PDUs). */
uint32_t rpc_client_next_call_id(const struct rpc_client *c);
/* Sets max_xmit/max_recv proposed in the next bind (default 4280). */
void rpc_client_set_frag(struct rpc_client *c, uint16_t xmit, uint16_t recv);
/* Sets the assoc_group_id proposed in the next bind (default 0). */
void rpc_client_set_assoc_group(struct rpc_client *c, uint32_t group);
/*
 * The numeric address of the peer ("10.0.0.5", "::1"; the socket path
 * for AF_UNIX) into [buf] of [len] octets.  False when unknown.
 */
bool rpc_client_peer_addr(const struct rpc_client *c, char *buf, size_t len);

/* True once a bind was acknowledged. */
bool rpc_client_bound(const struct rpc_client *c);
/* True when [p_cont_id] was accepted (usable for calls). */
bool rpc_client_has_context(const struct rpc_client *c, uint16_t p_cont_id);

/*
 * Binds (first call) or alters (later calls) presenting [n] abstract
 * syntaxes (NDR 2.0 each) on p_cont_ids [p_cont_id], [p_cont_id]+1, ...;
 * [auth] may be NULL (no security context).  Returns S_OK when the server
 * acknowledged and accepted the first context and, with [auth], the
 * handshake completed; [res] (may be NULL) describes the answer.  Only
 * the accepted contexts become usable (rpc_client_has_context).
 * Refusals: RPC_S_SERVER_UNAVAILABLE for a bind_nak or a rejected context
 * (res->refused), E_ACCESSDENIED for a bind_nak or fault about
 * authentication, RPC_S_SEC_PKG_ERROR when the CHALLENGE is unusable;
 * other errors as in the file comment.
 */
hresult rpc_client_bind(struct rpc_client *c,
                        uint16_t p_cont_id,
                        const struct rpc_syntax_id *syntaxes,
                        unsigned n,
                        const struct rpc_client_auth *auth,
                        struct rpc_client_bind_result *res,
                        struct errinfo *ei);

/*
 * Calls [opnum] on [p_cont_id] with [stub] ([object] may be NULL: no
 * PFC_OBJECT_UUID) under the security context bound to that p_cont_id.
 * Returns S_OK and fills [out] (stub owned by [mem]) for a response or a
 * fault.  Errors: RPC_S_CALL_FAILED, RPC_S_PROTOCOL_ERROR,
 * RPC_S_SEC_PKG_ERROR, E_OUTOFMEMORY.
 */
hresult rpc_client_call(struct rpc_client *c,
                        uint16_t p_cont_id,
                        uint16_t opnum,
                        const struct rpc_uuid *object,
                        const uint8_t *stub,
                        size_t len,
                        void *mem,
                        struct rpc_client_reply *out,
                        struct errinfo *ei);

/*
 * Builds the request fragments rpc_client_call would send, signed or
 * sealed (sequence numbers are consumed), under [mem], without sending
 * them; returns owned the fragment count in [*n] and the fragments in
 * [*frags] as contiguous octets of [*len] ([frags] may be the concatenation
 * of several fragments).  Then rpc_client_recv_reply() reads the answer.
 */
hresult rpc_client_build_request(struct rpc_client *c,
                                 uint16_t p_cont_id,
                                 uint16_t opnum,
                                 const struct rpc_uuid *object,
                                 const uint8_t *stub,
                                 size_t len,
                                 void *mem,
                                 uint8_t **pdu,
                                 size_t *pdu_len,
                                 size_t *n_frags,
                                 struct errinfo *ei);

/* Reads a complete response or fault for the call on [p_cont_id]. */
hresult rpc_client_recv_reply(struct rpc_client *c,
                              uint16_t p_cont_id,
                              void *mem,
                              struct rpc_client_reply *out,
                              struct errinfo *ei);

/* Sends raw octets.  RPC_S_CALL_FAILED when the connection is gone. */
hresult rpc_client_send(struct rpc_client *c, const void *data, size_t len);

/*
 * Receives one PDU (whole fragment, header checked with rpc_pdu_peek)
 * and returns it owned by [mem].  RPC_S_CALL_FAILED (EOF, timeout),
 * RPC_S_PROTOCOL_ERROR (bad header), E_OUTOFMEMORY.
 */
hresult rpc_client_recv_pdu(struct rpc_client *c,
                            void *mem,
                            uint8_t **pdu,
                            size_t *len);

/* True when the server closes the connection within [ms]. */
bool rpc_client_wait_closed(struct rpc_client *c, int ms);

#endif
