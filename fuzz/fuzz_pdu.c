/*
 * fuzz_pdu: every connection-oriented PDU parser (rpc/pdu.h, rpc/frag.h).
 *
 * The input is one fragment.  It is parsed as is; if only its frag_length
 * disagrees with the input length, it is parsed again with frag_length
 * patched, so that mutations reach the type bodies.  Whatever parses is
 * rebuilt, parsed again and compared field by field (the codec must be
 * symmetric), then driven through the server paths: bind negotiation and
 * the bind_ack build for binds, reassembly and re-fragmentation for calls,
 * the verification-trailer scan of the stub.
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <talloc.h>

#include "fuzz_common.h"
#include "rpc/frag.h"
#include "rpc/pdu.h"

static bool syn_eq(const struct rpc_syntax_id *a, const struct rpc_syntax_id *b)
{
	return rpc_syntax_equal(a, b);
}

static void compare_bind(const struct rpc_bind *a, const struct rpc_bind *b)
{
	FUZZ_CHECK(a->max_xmit_frag == b->max_xmit_frag);
	FUZZ_CHECK(a->max_recv_frag == b->max_recv_frag);
	FUZZ_CHECK(a->assoc_group_id == b->assoc_group_id);
	FUZZ_CHECK(a->n_ctx == b->n_ctx);
	for (unsigned i = 0; i < a->n_ctx; i++) {
		const struct rpc_ctx_elem *x = &a->ctx[i];
		const struct rpc_ctx_elem *y = &b->ctx[i];

		FUZZ_CHECK(x->p_cont_id == y->p_cont_id);
		FUZZ_CHECK(x->n_transfer_syn == y->n_transfer_syn);
		FUZZ_CHECK(syn_eq(&x->abstract_syntax, &y->abstract_syntax));
		for (unsigned k = 0; k < x->n_transfer_syn; k++) {
			FUZZ_CHECK(syn_eq(&x->transfer_syntaxes[k],
			                  &y->transfer_syntaxes[k]));
		}
	}
}

static void compare_bind_ack(const struct rpc_bind_ack *a,
                             const struct rpc_bind_ack *b)
{
	FUZZ_CHECK(a->max_xmit_frag == b->max_xmit_frag);
	FUZZ_CHECK(a->max_recv_frag == b->max_recv_frag);
	FUZZ_CHECK(a->assoc_group_id == b->assoc_group_id);
	FUZZ_CHECK(a->sec_addr_len == b->sec_addr_len);
	FUZZ_CHECK(memcmp(a->sec_addr, b->sec_addr, a->sec_addr_len) == 0);
	FUZZ_CHECK(a->n_results == b->n_results);
	for (unsigned i = 0; i < a->n_results; i++) {
		FUZZ_CHECK(a->results[i].result == b->results[i].result);
		FUZZ_CHECK(a->results[i].reason == b->results[i].reason);
		FUZZ_CHECK(syn_eq(&a->results[i].transfer_syntax,
		                  &b->results[i].transfer_syntax));
	}
}

static void compare_body(const struct rpc_pdu *a, const struct rpc_pdu *b)
{
	switch (a->hdr.ptype) {
	case RPC_PTYPE_BIND:
	case RPC_PTYPE_ALTER_CONTEXT:
		compare_bind(&a->u.bind, &b->u.bind);
		break;
	case RPC_PTYPE_BIND_ACK:
	case RPC_PTYPE_ALTER_CONTEXT_RESP:
		compare_bind_ack(&a->u.bind_ack, &b->u.bind_ack);
		break;
	case RPC_PTYPE_BIND_NAK:
		FUZZ_CHECK(a->u.bind_nak.reject_reason ==
		           b->u.bind_nak.reject_reason);
		FUZZ_CHECK(a->u.bind_nak.extra_len == b->u.bind_nak.extra_len);
		FUZZ_CHECK(a->u.bind_nak.n_versions ==
		           b->u.bind_nak.n_versions);
		break;
	case RPC_PTYPE_REQUEST:
		FUZZ_CHECK(memcmp(&a->u.request, &b->u.request,
		                  sizeof(a->u.request)) == 0);
		break;
	case RPC_PTYPE_RESPONSE:
		FUZZ_CHECK(memcmp(&a->u.response, &b->u.response,
		                  sizeof(a->u.response)) == 0);
		break;
	case RPC_PTYPE_FAULT:
		FUZZ_CHECK(memcmp(&a->u.fault, &b->u.fault,
		                  sizeof(a->u.fault)) == 0);
		break;
	default:
		break;
	}
}

static void compare(const struct rpc_pdu *a, const struct rpc_pdu *b)
{
	FUZZ_CHECK(memcmp(&a->hdr, &b->hdr, sizeof(a->hdr)) == 0);
	FUZZ_CHECK(a->has_auth == b->has_auth);
	FUZZ_CHECK(a->stub_len == b->stub_len);
	FUZZ_CHECK(a->stub_len == 0 ||
	           memcmp(a->stub, b->stub, a->stub_len) == 0);
	if (a->has_auth) {
		FUZZ_CHECK(memcmp(&a->auth, &b->auth, sizeof(a->auth)) == 0);
		FUZZ_CHECK(memcmp(a->auth_value, b->auth_value,
		                  a->hdr.auth_length) == 0);
	}
	compare_body(a, b);
}

static void exercise_bind(void *mem, const struct rpc_pdu *pdu)
{
	struct rpc_bind_policy pol = { .sec_addr = "135", .btfn_supported = 3 };
	struct rpc_pdu ack;
	struct rpc_pdu back;
	uint8_t *b = NULL;
	size_t bn = 0;

	rpc_pdu_init(&ack, RPC_PTYPE_BIND_ACK, pdu->hdr.call_id);
	if (rpc_bind_negotiate(mem, &pdu->u.bind, &pol, &ack.u.bind_ack,
	                       NULL) != RPC_PDU_OK) {
		return;
	}
	FUZZ_CHECK(rpc_pdu_build(mem, &ack, &b, &bn) == RPC_PDU_OK);
	FUZZ_CHECK(rpc_pdu_parse(mem, b, bn, &back, NULL) == RPC_PDU_OK);
	FUZZ_CHECK(back.u.bind_ack.n_results == pdu->u.bind.n_ctx);
}

static void exercise_call(void *mem, const struct rpc_pdu *pdu)
{
	struct rpc_reasm r;
	struct rpc_vt vt;
	struct rpc_frag_args a = { .ptype = pdu->hdr.ptype,
		                   .call_id = pdu->hdr.call_id,
		                   .max_frag = RPC_MIN_FRAG,
		                   .has_auth = pdu->has_auth,
		                   .auth = pdu->auth,
		                   .auth_length = pdu->hdr.auth_length };
	struct rpc_frag *v = NULL;
	size_t nv = 0;
	bool done = false;
	bool found = false;

	rpc_reasm_init(&r, mem, 1u << 20, 0);
	if (rpc_reasm_add(&r, pdu, pdu->stub, pdu->stub_len, &done) ==
	            RPC_PDU_OK &&
	    done) {
		FUZZ_CHECK(r.len == pdu->stub_len);
	}
	rpc_reasm_reset(&r);
	(void)rpc_vt_find(pdu->stub, pdu->stub_len, 0, &vt, &found);
	if (rpc_fragment(mem, &a, pdu->stub, pdu->stub_len, &v, &nv) !=
	    RPC_PDU_OK) {
		return;
	}
	rpc_reasm_init(&r, mem, 1u << 20, RPC_MIN_FRAG);
	for (size_t i = 0; i < nv; i++) {
		struct rpc_pdu f;

		FUZZ_CHECK(v[i].len <= RPC_MIN_FRAG);
		FUZZ_CHECK(rpc_pdu_parse(mem, v[i].data, v[i].len, &f, NULL) ==
		           RPC_PDU_OK);
		FUZZ_CHECK(rpc_reasm_add(&r, &f, f.stub, f.stub_len, &done) ==
		           RPC_PDU_OK);
	}
	FUZZ_CHECK(done && r.len == pdu->stub_len);
	FUZZ_CHECK(r.len == 0 || memcmp(r.data, pdu->stub, r.len) == 0);
	rpc_reasm_reset(&r);
}

static void one(void *mem, const uint8_t *data, size_t size)
{
	struct rpc_pdu pdu;
	struct rpc_pdu again;
	struct rpc_hdr hdr;
	uint8_t *b = NULL;
	size_t bn = 0;

	(void)rpc_pdu_peek(data, size, &hdr, NULL);
	if (rpc_pdu_parse(mem, data, size, &pdu, NULL) != RPC_PDU_OK) {
		return;
	}
	FUZZ_CHECK(rpc_pdu_build(mem, &pdu, &b, &bn) == RPC_PDU_OK);
	FUZZ_CHECK(rpc_pdu_parse(mem, b, bn, &again, NULL) == RPC_PDU_OK);
	compare(&pdu, &again);
	if (pdu.hdr.ptype == RPC_PTYPE_BIND ||
	    pdu.hdr.ptype == RPC_PTYPE_ALTER_CONTEXT) {
		exercise_bind(mem, &pdu);
	}
	if (pdu.hdr.ptype == RPC_PTYPE_REQUEST ||
	    pdu.hdr.ptype == RPC_PTYPE_RESPONSE) {
		exercise_call(mem, &pdu);
	}
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	void *mem = talloc_new(NULL);
	uint8_t *copy;

	one(mem, data, size);
	if (size >= RPC_HDR_LEN && size <= RPC_MAX_FRAG) {
		copy = talloc_memdup(mem, data, size);
		if (copy != NULL) {
			copy[8] = (uint8_t)size;
			copy[9] = (uint8_t)(size >> 8);
			one(mem, copy, size);
		}
	}
	talloc_free(mem);
	return 0;
}
