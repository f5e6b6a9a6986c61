/*
 * Unit tests for rpc/frag: fragmentation at the negotiated size with and
 * without auth overhead (interop notes 2.5, 2.6, 2.8) and reassembly rules
 * (C706 12.4: FIRST/LAST, one call_id per call, a size limit).
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>
#include <talloc.h>

#include <cmocka.h>

#include "capture.h"
#include "rpc/frag.h"

static uint8_t *pattern(void *mem, size_t n)
{
	uint8_t *p = talloc_array(mem, uint8_t, n == 0 ? 1 : n);

	assert_non_null(p);
	for (size_t i = 0; i < n; i++) {
		p[i] = (uint8_t)(i * 7 + 3);
	}
	return p;
}

static struct rpc_frag_args ntlm_args(uint8_t ptype, uint16_t max_frag)
{
	struct rpc_frag_args a = {
		.ptype = ptype,
		.call_id = 9,
		.p_cont_id = 2,
		.opnum = 20,
		.max_frag = max_frag,
		.has_auth = true,
		.auth = { RPC_AUTHN_WINNT, RPC_AUTHN_LEVEL_PKT_PRIVACY, 0, 0,
		          79233 },
		.auth_length = 16,
	};

	return a;
}

/* Fragments, then parses and reassembles them; returns the frag count. */
static size_t split_and_join(void *mem,
                             const struct rpc_frag_args *a,
                             const uint8_t *stub,
                             size_t n)
{
	struct rpc_frag *v = NULL;
	size_t nf = 0;
	struct rpc_reasm r;
	bool done = false;

	assert_int_equal(rpc_fragment(mem, a, stub, n, &v, &nf), RPC_PDU_OK);
	rpc_reasm_init(&r, mem, 1u << 20, a->max_frag);
	for (size_t i = 0; i < nf; i++) {
		struct rpc_pdu pdu;

		assert_true(v[i].len <= a->max_frag);
		assert_int_equal(
		        rpc_pdu_parse(mem, v[i].data, v[i].len, &pdu, NULL),
		        RPC_PDU_OK);
		assert_int_equal(pdu.hdr.pfc_flags & RPC_PFC_FIRST_FRAG,
		                 i == 0 ? RPC_PFC_FIRST_FRAG : 0);
		assert_int_equal(pdu.hdr.pfc_flags & RPC_PFC_LAST_FRAG,
		                 i == nf - 1 ? RPC_PFC_LAST_FRAG : 0);
		assert_int_equal(pdu.hdr.call_id, a->call_id);
		assert_int_equal(pdu.stub_off, v[i].stub_off);
		assert_int_equal(pdu.stub_len, v[i].stub_len);
		if (a->has_auth) {
			/* Trailer 16-aligned from the stub start. */
			assert_int_equal(
			        (pdu.sec_trailer_off - pdu.stub_off) % 16, 0);
			assert_int_equal(pdu.auth.auth_pad_length,
			                 v[i].pad_len);
			assert_int_equal(pdu.auth.auth_context_id, 79233);
			assert_int_equal(pdu.hdr.auth_length, 16);
			assert_int_equal(v[i].auth_value_off, v[i].len - 16);
		} else {
			assert_false(pdu.has_auth);
		}
		if (a->ptype == RPC_PTYPE_RESPONSE) {
			assert_int_equal(pdu.u.response.alloc_hint,
			                 n - i * rpc_frag_max_stub(a));
		}
		assert_int_equal(
		        rpc_reasm_add(&r, &pdu, pdu.stub, pdu.stub_len, &done),
		        RPC_PDU_OK);
		assert_int_equal(done, i == nf - 1);
	}
	assert_int_equal(r.len, n);
	if (n != 0) {
		assert_memory_equal(r.data, stub, n);
	}
	assert_int_equal(r.n_frags, nf);
	rpc_reasm_reset(&r);
	return nf;
}

/* Interop notes 2.6: a 24 KB sealed response in several fragments. */
static void test_fragment_in_order_with_auth(void **state)
{
	void *mem = talloc_new(NULL);
	uint8_t *stub = pattern(mem, 24000);
	struct rpc_frag_args a = ntlm_args(RPC_PTYPE_RESPONSE, 4280);

	(void)state;
	/* 4280 - 24 - 8 - 16 = 4232, rounded down to 16: 4224. */
	assert_int_equal(rpc_frag_max_stub(&a), 4224);
	assert_int_equal(split_and_join(mem, &a, stub, 24000), 6);
	talloc_free(mem);
}

static void test_fragment_request_with_object(void **state)
{
	void *mem = talloc_new(NULL);
	uint8_t *stub = pattern(mem, 10000);
	struct rpc_uuid ipid;
	struct rpc_frag_args a = ntlm_args(RPC_PTYPE_REQUEST, 4280);
	struct rpc_frag *v = NULL;
	size_t nf = 0;
	struct rpc_pdu pdu;

	(void)state;
	rpc_uuid_parse("0000ac02-0001-0002-3344-556677889900", &ipid);
	a.object = &ipid;
	assert_int_equal(rpc_frag_max_stub(&a), 4208);
	assert_int_equal(split_and_join(mem, &a, stub, 10000), 3);
	/* The object UUID flag is on every fragment (interop notes 2.5). */
	assert_int_equal(rpc_fragment(mem, &a, stub, 10000, &v, &nf),
	                 RPC_PDU_OK);
	for (size_t i = 0; i < nf; i++) {
		assert_int_equal(
		        rpc_pdu_parse(mem, v[i].data, v[i].len, &pdu, NULL),
		        RPC_PDU_OK);
		assert_true(pdu.hdr.pfc_flags & RPC_PFC_OBJECT_UUID);
		assert_int_equal(pdu.u.request.opnum, 20);
		assert_true(rpc_uuid_equal(&pdu.u.request.object, &ipid));
	}
	talloc_free(mem);
}

static void test_fragment_without_auth(void **state)
{
	void *mem = talloc_new(NULL);
	uint8_t *stub = pattern(mem, 5000);
	struct rpc_frag_args a = ntlm_args(RPC_PTYPE_RESPONSE, RPC_MIN_FRAG);

	(void)state;
	a.has_auth = false;
	assert_int_equal(rpc_frag_max_stub(&a), 1408);
	assert_int_equal(split_and_join(mem, &a, stub, 5000), 4);
	talloc_free(mem);
}

/* The boundary: exactly one full fragment, and one octet more. */
static void test_fragment_max_fragment_size(void **state)
{
	void *mem = talloc_new(NULL);
	struct rpc_frag_args a = ntlm_args(RPC_PTYPE_RESPONSE, 4280);
	size_t max = rpc_frag_max_stub(&a);
	uint8_t *stub = pattern(mem, max + 1);
	struct rpc_frag *v = NULL;
	size_t nf = 0;

	(void)state;
	assert_int_equal(rpc_fragment(mem, &a, stub, max, &v, &nf), RPC_PDU_OK);
	assert_int_equal(nf, 1);
	assert_int_equal(v[0].len, 24 + 4224 + 8 + 16);
	assert_int_equal(v[0].pad_len, 0);
	assert_int_equal(split_and_join(mem, &a, stub, max + 1), 2);
	/* Too small for any stub. */
	a.max_frag = 24 + 8 + 16 + 15;
	assert_int_equal(rpc_frag_max_stub(&a), 0);
	assert_int_equal(rpc_fragment(mem, &a, stub, 1, &v, &nf),
	                 RPC_PDU_ERR_ARG);
	a.max_frag = 24 + 8 + 16 + 16;
	assert_int_equal(rpc_frag_max_stub(&a), 16);
	talloc_free(mem);
}

static void test_fragment_empty_stub(void **state)
{
	void *mem = talloc_new(NULL);
	struct rpc_frag_args a = ntlm_args(RPC_PTYPE_RESPONSE, 4280);

	(void)state;
	assert_int_equal(split_and_join(mem, &a, NULL, 0), 1);
	talloc_free(mem);
}

/* Builds fragment [i] of a 3-fragment request stub of 3 * 16 octets. */
static void make_frag(void *mem,
                      uint32_t call_id,
                      uint8_t flags,
                      uint16_t opnum,
                      struct rpc_pdu *pdu)
{
	static const uint8_t stub[16] = { 1, 2, 3 };
	uint8_t *b = NULL;
	size_t bn = 0;

	rpc_pdu_init(pdu, RPC_PTYPE_REQUEST, call_id);
	pdu->hdr.pfc_flags = flags;
	pdu->u.request.opnum = opnum;
	pdu->u.request.alloc_hint = 48;
	pdu->stub = stub;
	pdu->stub_len = sizeof(stub);
	assert_int_equal(rpc_pdu_build(mem, pdu, &b, &bn), RPC_PDU_OK);
	assert_int_equal(rpc_pdu_parse(mem, b, bn, pdu, NULL), RPC_PDU_OK);
}

static enum rpc_pdu_err add(struct rpc_reasm *r,
                            const struct rpc_pdu *p,
                            bool *done)
{
	return rpc_reasm_add(r, p, p->stub, p->stub_len, done);
}

static void test_reasm_missing_first(void **state)
{
	void *mem = talloc_new(NULL);
	struct rpc_reasm r;
	struct rpc_pdu mid;
	struct rpc_pdu last;
	bool done;

	(void)state;
	rpc_reasm_init(&r, mem, 1000, 0);
	make_frag(mem, 5, 0, 1, &mid);
	make_frag(mem, 5, RPC_PFC_LAST_FRAG, 1, &last);
	assert_int_equal(add(&r, &mid, &done), RPC_PDU_ERR_FRAGMENT);
	assert_int_equal(add(&r, &last, &done), RPC_PDU_ERR_FRAGMENT);
	assert_false(r.active);
	talloc_free(mem);
}

static void test_reasm_wrong_call_id(void **state)
{
	void *mem = talloc_new(NULL);
	struct rpc_reasm r;
	struct rpc_pdu first;
	struct rpc_pdu other;
	bool done;

	(void)state;
	rpc_reasm_init(&r, mem, 1000, 0);
	make_frag(mem, 5, RPC_PFC_FIRST_FRAG, 1, &first);
	make_frag(mem, 6, RPC_PFC_LAST_FRAG, 1, &other);
	assert_int_equal(add(&r, &first, &done), RPC_PDU_OK);
	assert_false(done);
	assert_int_equal(add(&r, &other, &done), RPC_PDU_ERR_CALL_ID);
	assert_false(r.active);
	assert_null(r.data);
	/* After the error a new call starts cleanly. */
	make_frag(mem, 7, RPC_PFC_FIRST_FRAG | RPC_PFC_LAST_FRAG, 1, &other);
	assert_int_equal(add(&r, &other, &done), RPC_PDU_OK);
	assert_true(done);
	assert_int_equal(r.call_id, 7);
	assert_int_equal(r.len, 16);
	talloc_free(mem);
}

static void test_reasm_first_twice_and_opnum_change(void **state)
{
	void *mem = talloc_new(NULL);
	struct rpc_reasm r;
	struct rpc_pdu first;
	struct rpc_pdu again;
	bool done;

	(void)state;
	rpc_reasm_init(&r, mem, 1000, 0);
	make_frag(mem, 5, RPC_PFC_FIRST_FRAG, 1, &first);
	assert_int_equal(add(&r, &first, &done), RPC_PDU_OK);
	assert_int_equal(add(&r, &first, &done), RPC_PDU_ERR_FRAGMENT);
	assert_int_equal(add(&r, &first, &done), RPC_PDU_OK);
	make_frag(mem, 5, RPC_PFC_LAST_FRAG, 2, &again);
	assert_int_equal(add(&r, &again, &done), RPC_PDU_ERR_FRAGMENT);
	talloc_free(mem);
}

/* The limit is inclusive: 48 octets fit in 48, not in 47. */
static void test_reasm_overflow_past_limit(void **state)
{
	void *mem = talloc_new(NULL);
	struct rpc_reasm r;
	struct rpc_pdu f[3];
	bool done;

	(void)state;
	make_frag(mem, 5, RPC_PFC_FIRST_FRAG, 1, &f[0]);
	make_frag(mem, 5, 0, 1, &f[1]);
	make_frag(mem, 5, RPC_PFC_LAST_FRAG, 1, &f[2]);
	rpc_reasm_init(&r, mem, 48, 0);
	for (int i = 0; i < 3; i++) {
		assert_int_equal(add(&r, &f[i], &done), RPC_PDU_OK);
	}
	assert_true(done);
	assert_int_equal(r.len, 48);
	rpc_reasm_init(&r, mem, 47, 0);
	assert_int_equal(add(&r, &f[0], &done), RPC_PDU_OK);
	assert_int_equal(add(&r, &f[1], &done), RPC_PDU_OK);
	assert_int_equal(add(&r, &f[2], &done), RPC_PDU_ERR_TOO_BIG);
	assert_false(r.active);
	talloc_free(mem);
}

/* A fragment larger than the negotiated max_recv_frag is refused. */
static void test_reasm_max_fragment_size(void **state)
{
	void *mem = talloc_new(NULL);
	struct rpc_reasm r;
	struct rpc_pdu f;
	bool done;

	(void)state;
	make_frag(mem, 5, RPC_PFC_FIRST_FRAG | RPC_PFC_LAST_FRAG, 1, &f);
	assert_int_equal(f.hdr.frag_length, 40);
	rpc_reasm_init(&r, mem, 1000, 40);
	assert_int_equal(add(&r, &f, &done), RPC_PDU_OK);
	rpc_reasm_init(&r, mem, 1000, 39);
	assert_int_equal(add(&r, &f, &done), RPC_PDU_ERR_TOO_BIG);
	talloc_free(mem);
}

/* alloc_hint is only a hint: a lie costs at most the preallocation. */
static void test_reasm_alloc_hint_lie(void **state)
{
	void *mem = talloc_new(NULL);
	struct rpc_reasm r;
	struct rpc_pdu f;
	bool done;

	(void)state;
	make_frag(mem, 5, RPC_PFC_FIRST_FRAG | RPC_PFC_LAST_FRAG, 1, &f);
	f.u.request.alloc_hint = 0xffffffffu;
	rpc_reasm_init(&r, mem, 4u << 20, 0);
	assert_int_equal(add(&r, &f, &done), RPC_PDU_OK);
	assert_true(r.alloc <= 64 * 1024);
	assert_int_equal(r.len, 16);
	talloc_free(mem);
}

/* The sealed c04 request is a single FIRST|LAST fragment. */
static void test_reasm_capture_single_fragment(void **state)
{
	void *mem = talloc_new(NULL);
	size_t n;
	uint8_t *p = capture_load(mem, "d04", &n);
	struct rpc_pdu pdu;
	struct rpc_reasm r;
	bool done = false;

	(void)state;
	assert_non_null(p);
	assert_int_equal(rpc_pdu_parse(mem, p, n, &pdu, NULL), RPC_PDU_OK);
	rpc_reasm_init(&r, mem, 1u << 20, 4280);
	assert_int_equal(add(&r, &pdu, &done), RPC_PDU_OK);
	assert_true(done);
	assert_true(r.has_object);
	assert_int_equal(r.opnum, 6);
	assert_int_equal(r.len, 92);
	talloc_free(mem);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_fragment_in_order_with_auth),
		cmocka_unit_test(test_fragment_request_with_object),
		cmocka_unit_test(test_fragment_without_auth),
		cmocka_unit_test(test_fragment_max_fragment_size),
		cmocka_unit_test(test_fragment_empty_stub),
		cmocka_unit_test(test_reasm_missing_first),
		cmocka_unit_test(test_reasm_wrong_call_id),
		cmocka_unit_test(test_reasm_first_twice_and_opnum_change),
		cmocka_unit_test(test_reasm_overflow_past_limit),
		cmocka_unit_test(test_reasm_max_fragment_size),
		cmocka_unit_test(test_reasm_alloc_hint_lie),
		cmocka_unit_test(test_reasm_capture_single_fragment),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
