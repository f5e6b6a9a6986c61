/*
 * frag: fragment reassembly and fragmentation of call PDUs (rpc layer,
 * leaf codec; C706 12.4 and 12.6.3.1, MS-RPCE 3.3.1.5.x).
 *
 * A call's stub may span several request (or response) fragments.  Each
 * fragment carries FIRST on the first and LAST on the last fragment, the
 * same call_id, p_cont_id and opnum, and (when authenticated) its own
 * sec_trailer and verifier.  The reassembler collects the stubs of one call
 * at a time (no PFC_CONC_MPX); the fragmenter cuts a stub into fragments
 * that respect the negotiated fragment size and the auth overhead.
 *
 * Invariants:
 * - The reassembler never trusts alloc_hint beyond a small preallocation;
 *   its buffer grows only as fragments arrive, up to max_total.
 * - After an error the reassembler is reset (idle), so the runtime may
 *   fault the call and carry on, or close the connection.
 * - The fragmenter never emits a fragment longer than max_frag.
 */
#ifndef OWMI_RPC_FRAG_H
#define OWMI_RPC_FRAG_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "rpc/pdu.h"

struct rpc_reasm {
	void *mem;         /* talloc parent of data */
	size_t max_total;  /* largest whole stub accepted */
	uint16_t max_frag; /* largest fragment accepted (0 = any) */
	bool active;       /* a call has started and not finished */
	uint8_t ptype;
	uint32_t call_id;
	uint16_t p_cont_id;
	uint16_t opnum;
	bool has_object;
	struct rpc_uuid object;
	uint8_t *data; /* the stub so far (talloc child of mem) */
	size_t len;
	size_t alloc;
	size_t n_frags;
};

/*
 * Initialises [r] idle.  [mem] is the parent of the stub buffer (the
 * connection context); [max_total] the largest stub accepted (e.g. 4 MiB);
 * [max_frag] the negotiated max_recv_frag, or 0 not to check.
 */
void rpc_reasm_init(struct rpc_reasm *r,
                    void *mem,
                    size_t max_total,
                    uint16_t max_frag);

/* Frees the buffer and makes [r] idle. */
void rpc_reasm_reset(struct rpc_reasm *r);

/*
 * Adds one fragment: [frag] is its parsed header and fields (a request or
 * a response), [stub, stub+stub_len) its stub after any decryption (it
 * may differ from frag->stub).  On RPC_PDU_OK [*done] tells whether this
 * was the LAST fragment; then r->data / r->len hold the whole stub (owned
 * by [r] until rpc_reasm_reset or the next FIRST fragment) and r->opnum,
 * r->p_cont_id, r->call_id, r->object describe the call.
 * Errors (each resets [r]):
 *   RPC_PDU_ERR_FRAGMENT  no call active and FIRST missing; FIRST while a
 *                         call is active; p_cont_id, opnum, PTYPE or object
 *                         changed between fragments
 *   RPC_PDU_ERR_CALL_ID   call_id differs from the active call's
 *   RPC_PDU_ERR_TOO_BIG   frag_length > max_frag, or the stub would pass
 *                         max_total
 *   RPC_PDU_ERR_ALLOC     out of memory
 */
enum rpc_pdu_err rpc_reasm_add(struct rpc_reasm *r,
                               const struct rpc_pdu *frag,
                               const uint8_t *stub,
                               size_t stub_len,
                               bool *done);

/* What the fragmenter writes around each stub slice. */
struct rpc_frag_args {
	uint8_t ptype; /* RPC_PTYPE_RESPONSE or RPC_PTYPE_REQUEST */
	uint32_t call_id;
	uint16_t p_cont_id;
	uint16_t opnum;                /* requests */
	const struct rpc_uuid *object; /* requests: non-NULL sets OBJECT_UUID */
	uint16_t max_frag;             /* negotiated max_xmit_frag */
	bool has_auth;
	struct rpc_sec_trailer auth; /* auth_pad_length is computed */
	uint16_t auth_length;        /* verifier size, e.g. 16 for NTLM */
};

/* One built fragment; the verifier is zero, to be filled by the signer. */
struct rpc_frag {
	uint8_t *data; /* talloc child of the array */
	size_t len;
	size_t stub_off;
	size_t stub_len;
	size_t pad_len;
	size_t sec_trailer_off;
	size_t auth_value_off;
};

/*
 * Returns the largest stub slice one fragment can carry under [a]: a
 * multiple of 16 with auth (so that only the last fragment needs auth
 * pad), of 8 without; 0 when max_frag is too small for any stub.
 */
size_t rpc_frag_max_stub(const struct rpc_frag_args *a);

/*
 * Cuts [stub, stub+stub_len) into fragments of at most a->max_frag octets
 * (an empty stub gives one fragment).  alloc_hint is the stub length left
 * from each fragment on.  With auth each fragment gets the auth pad that
 * 16-aligns its sec_trailer from the stub start, declared in
 * auth_pad_length, and a zeroed verifier of a->auth_length octets.
 * Returns owned (talloc children of [mem]) an array of [*n_out] fragments
 * in [*out].  Errors: RPC_PDU_ERR_ARG (max_frag leaves no room for stub
 * data, or needs more than 2^31 fragments), RPC_PDU_ERR_ALLOC.  Nothing is
 * allocated on failure.
 */
enum rpc_pdu_err rpc_fragment(void *mem,
                              const struct rpc_frag_args *a,
                              const uint8_t *stub,
                              size_t stub_len,
                              struct rpc_frag **out,
                              size_t *n_out);

#endif
