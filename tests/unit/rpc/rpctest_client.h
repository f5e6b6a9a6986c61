/*
 * rpctest_client: the tests' interface to the DCE/RPC client of
 * src/rpc/client.h (tests only; a thin layer: the protocol code is in
 * src/rpc/client.c, shared with libopenwmi).
 *
 * It speaks like impacket (interop notes 2.2-2.10): one bind, then an
 * alter_context per new presentation context, each optionally with its
 * own NTLM security context (auth_context_id 79231 + p_cont_id), AUTH3 as
 * the third leg (or an alter_context when asked), request stubs cut at
 * the server's max_recv_frag, every fragment signed or sealed at levels
 * 5 and 6, and - unlike impacket - every response verifier checked.
 *
 * Also the raw pieces needed by hostile tests: send arbitrary octets,
 * receive one PDU, build one protected request fragment without sending
 * it (to replay or tamper with it), and wait for the server to close.
 *
 * Errors are plain ints: 0 success, -1 transport failure or timeout (the
 * message is in rpctest_last_error()), > 0 a protocol answer described
 * in the out-parameter.
 */
#ifndef OWMI_TESTS_RPCTEST_CLIENT_H
#define OWMI_TESTS_RPCTEST_CLIENT_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "rpc/pdu.h"
#include "rpc/uuid.h"

struct rpctest_client;
struct rpc_client;

struct rpctest_auth {
	const char *user;
	const char *domain;
	const char *password;
	uint8_t level; /* enum rpc_auth_level, 2..6 */
	/* Send AUTHENTICATE in an alter_context instead of an AUTH3. */
	bool third_leg_alter;
	/* Reuse the security context of p_cont_id share_with instead of a
	   new handshake (no token is sent).  Requests then name its id. */
	bool share;
	uint16_t share_with;
};

/* What the server answered to a bind / alter_context. */
struct rpctest_bind_result {
	uint8_t ptype;       /* BIND_ACK, ALTER_CONTEXT_RESP, BIND_NAK, FAULT */
	uint16_t result;     /* of our context: enum rpc_def_result */
	uint16_t reason;     /* provider reason */
	uint16_t nak_reason; /* bind_nak */
	uint32_t fault;      /* fault status */
	uint32_t assoc_group;
	uint16_t max_xmit;
	uint16_t max_recv;
	char sec_addr[128];
};

struct rpctest_reply {
	uint8_t ptype;   /* RESPONSE or FAULT */
	uint32_t status; /* fault status (0 for a response) */
	uint8_t *stub;   /* talloc child of the mem given */
	size_t stub_len;
	uint32_t n_frags;
	bool verified; /* every fragment carried a good verifier */
};

/* Connects; NULL on failure.  Default receive timeout 10 s. */
struct rpctest_client *rpctest_connect_tcp(void *mem,
                                           const char *addr,
                                           uint16_t port);
struct rpctest_client *rpctest_connect_unix(void *mem, const char *path);

/* The rpc client underneath (owned by [c]). */
struct rpc_client *rpctest_rpc_client(struct rpctest_client *c);

void rpctest_set_timeout(struct rpctest_client *c, int ms);
int rpctest_fd(const struct rpctest_client *c);
const char *rpctest_last_error(const struct rpctest_client *c);
/* The next call_id the client will use (for raw PDUs). */
uint32_t rpctest_next_call_id(struct rpctest_client *c);
/* Sets max_xmit/max_recv proposed in the next bind (default 4280). */
void rpctest_set_frag(struct rpctest_client *c, uint16_t xmit, uint16_t recv);
/* Sets the assoc_group_id proposed in the next bind (default 0). */
void rpctest_set_assoc_group(struct rpctest_client *c, uint32_t group);

/*
 * Binds (first call) or alters (later calls) presenting [n] abstract
 * syntaxes on p_cont_ids [p_cont_id], [p_cont_id]+1, ...; [auth] may be
 * NULL.  Returns 0 when the server answered with an ack whose first
 * context was accepted and, with auth, the handshake completed; 1 for any
 * other answer (see [res]); -1 on transport failure.
 */
int rpctest_bind_n(struct rpctest_client *c,
                   uint16_t p_cont_id,
                   const struct rpc_syntax_id *syntaxes,
                   unsigned n,
                   const struct rpctest_auth *auth,
                   struct rpctest_bind_result *res);
int rpctest_bind(struct rpctest_client *c,
                 uint16_t p_cont_id,
                 const struct rpc_syntax_id *syntax,
                 const struct rpctest_auth *auth,
                 struct rpctest_bind_result *res);

/*
 * Calls [opnum] on [p_cont_id] with [stub] ([object] may be NULL) under
 * the security context bound to that p_cont_id.  Returns 0 and fills
 * [out] (stub under [mem]) for a response or a fault; -1 on transport
 * failure, a bad response verifier, or a malformed answer.
 */
int rpctest_call(struct rpctest_client *c,
                 uint16_t p_cont_id,
                 uint16_t opnum,
                 const struct rpc_uuid *object,
                 const uint8_t *stub,
                 size_t len,
                 void *mem,
                 struct rpctest_reply *out);

/*
 * Builds one whole request fragment (FIRST|LAST) as rpctest_call would
 * send it, signed or sealed (the sequence number is consumed), under
 * [mem], without sending it.  Then rpctest_recv_reply() reads the answer.
 */
int rpctest_build_request(struct rpctest_client *c,
                          uint16_t p_cont_id,
                          uint16_t opnum,
                          const uint8_t *stub,
                          size_t len,
                          void *mem,
                          uint8_t **pdu,
                          size_t *pdu_len);
/* Reads a complete response or fault for the call on [p_cont_id]. */
int rpctest_recv_reply(struct rpctest_client *c,
                       uint16_t p_cont_id,
                       void *mem,
                       struct rpctest_reply *out);

/* Sends raw octets.  0 or -1. */
int rpctest_send(struct rpctest_client *c, const void *data, size_t len);
/* Receives one PDU (whole fragment) under [mem].  0, or -1 (EOF/time). */
int rpctest_recv_pdu(struct rpctest_client *c,
                     void *mem,
                     uint8_t **pdu,
                     size_t *len);
/* True when the server closes the connection within [ms]. */
bool rpctest_wait_closed(struct rpctest_client *c, int ms);

void rpctest_close(struct rpctest_client *c);

#endif
