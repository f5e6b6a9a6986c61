/*
 * Unit tests for rpc/pdu: every wire capture of ../shared/interop/captures
 * parsed and checked against the interop notes (impacket-dcom-wmi.md
 * sections 2.2-2.8), server PDUs rebuilt byte for byte, round trips for
 * each PDU type, negotiation rules (MS-RPCE 3.3.1.5.3, 3.3.1.5.6), the
 * verification trailer (MS-RPCE 2.2.2.13) and hostile inputs.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>
#include <talloc.h>

#include <cmocka.h>

#include "capture.h"
#include "rpc/fault.h"
#include "rpc/pdu.h"

#define CTX_ID_IMPACKET 79231u /* 0x1357f: 79231 + p_cont_id */

static const char *wire_captures[] = { "a01", "a02", "c01", "c02", "c03",
	                               "c04", "c09", "d01", "d02", "d03",
	                               "d04", "d07", "d08", "d09", "h01" };

static uint8_t *load(void *mem, const char *name, size_t *len)
{
	uint8_t *p = capture_load(mem, name, len);

	assert_non_null(p);
	return p;
}

static void parse_ok(void *mem, const uint8_t *p, size_t n, struct rpc_pdu *pdu)
{
	struct errinfo ei;

	err_clear(&ei);
	if (rpc_pdu_parse(mem, p, n, pdu, &ei) != RPC_PDU_OK) {
		fail_msg("parse failed: %s", ei.msg);
	}
}

static void assert_uuid_str(const struct rpc_uuid *u, const char *want)
{
	char s[RPC_UUID_STR_LEN + 1];

	rpc_uuid_format(u, s);
	assert_string_equal(s, want);
}

static void assert_common_hdr(const struct rpc_pdu *pdu,
                              uint8_t ptype,
                              uint16_t frag,
                              uint16_t auth,
                              uint32_t call_id)
{
	assert_int_equal(pdu->hdr.rpc_vers, 5);
	assert_int_equal(pdu->hdr.rpc_vers_minor, 0);
	assert_int_equal(pdu->hdr.ptype, ptype);
	assert_int_equal(pdu->hdr.drep[0], 0x10);
	assert_int_equal(pdu->hdr.drep[1], 0);
	assert_int_equal(pdu->hdr.frag_length, frag);
	assert_int_equal(pdu->hdr.auth_length, auth);
	assert_int_equal(pdu->hdr.call_id, call_id);
}

static void assert_ntlm(const struct rpc_pdu *pdu,
                        uint8_t level,
                        uint32_t ctx_id,
                        uint8_t msg_type)
{
	assert_true(pdu->has_auth);
	assert_int_equal(pdu->auth.auth_type, RPC_AUTHN_WINNT);
	assert_int_equal(pdu->auth.auth_level, level);
	assert_int_equal(pdu->auth.auth_context_id, ctx_id);
	assert_int_equal(pdu->sec_trailer_off, pdu->hdr.frag_length -
	                                               pdu->hdr.auth_length -
	                                               RPC_SEC_TRAILER_LEN);
	assert_memory_equal(pdu->auth_value, "NTLMSSP\0", 8);
	assert_int_equal(pdu->auth_value[8], msg_type);
}

/* Interop notes 2.2: a01 is rpcdump's 72-octet bind to EPM v3.0. */
static void test_capture_a01_bind_epm(void **state)
{
	void *mem = talloc_new(NULL);
	size_t n;
	uint8_t *p = load(mem, "a01", &n);
	struct rpc_pdu pdu;
	const struct rpc_ctx_elem *e;

	(void)state;
	parse_ok(mem, p, n, &pdu);
	assert_common_hdr(&pdu, RPC_PTYPE_BIND, 72, 0, 1);
	assert_int_equal(pdu.hdr.pfc_flags, 0x03);
	assert_false(pdu.has_auth);
	assert_int_equal(pdu.u.bind.max_xmit_frag, 4280);
	assert_int_equal(pdu.u.bind.max_recv_frag, 4280);
	assert_int_equal(pdu.u.bind.assoc_group_id, 0);
	assert_int_equal(pdu.u.bind.n_ctx, 1);
	e = &pdu.u.bind.ctx[0];
	assert_int_equal(e->p_cont_id, 0);
	assert_int_equal(e->n_transfer_syn, 1);
	assert_uuid_str(&e->abstract_syntax.uuid,
	                "e1af8308-5d1f-11c9-91a4-08002b14a0fa");
	assert_int_equal(e->abstract_syntax.ver_major, 3);
	assert_int_equal(e->abstract_syntax.ver_minor, 0);
	assert_true(
	        rpc_syntax_equal(&e->transfer_syntaxes[0], &rpc_syntax_ndr20));
	assert_int_equal(pdu.stub_len, 0);
	talloc_free(mem);
}

/* Interop notes 2.2, 2.8: 112 octets, NTLM NEGOTIATE, level 6. */
static void test_capture_a02_c01_bind_scm_ntlm(void **state)
{
	void *mem = talloc_new(NULL);
	size_t n;
	size_t n2;
	uint8_t *p = load(mem, "a02", &n);
	uint8_t *p2 = load(mem, "c01", &n2);
	struct rpc_pdu pdu;

	(void)state;
	assert_int_equal(n, n2);
	assert_memory_equal(p, p2, n);
	parse_ok(mem, p, n, &pdu);
	assert_common_hdr(&pdu, RPC_PTYPE_BIND, 112, 32, 1);
	assert_int_equal(pdu.hdr.pfc_flags, 0x03);
	assert_int_equal(pdu.u.bind.n_ctx, 1);
	assert_uuid_str(&pdu.u.bind.ctx[0].abstract_syntax.uuid,
	                "000001a0-0000-0000-c000-000000000046");
	assert_int_equal(pdu.u.bind.ctx[0].abstract_syntax.ver_major, 0);
	assert_ntlm(&pdu, RPC_AUTHN_LEVEL_PKT_PRIVACY, CTX_ID_IMPACKET, 1);
	assert_int_equal(pdu.auth.auth_pad_length, 0);
	assert_int_equal(pdu.sec_trailer_off, 72);
	talloc_free(mem);
}

/* Interop notes 2.3: the harness bind_ack impacket accepted. */
static void test_capture_c02_d02_bind_ack(void **state)
{
	void *mem = talloc_new(NULL);
	const char *names[] = { "c02", "d02" };
	const char *addrs[] = { "135", "45135" };
	const uint8_t levels[] = { 6, 5 };

	(void)state;
	for (int i = 0; i < 2; i++) {
		size_t n;
		uint8_t *p = load(mem, names[i], &n);
		struct rpc_pdu pdu;
		const struct rpc_bind_ack *a = &pdu.u.bind_ack;

		parse_ok(mem, p, n, &pdu);
		assert_common_hdr(&pdu, RPC_PTYPE_BIND_ACK, 238, 170, 1);
		assert_int_equal(a->max_xmit_frag, 4280);
		assert_int_equal(a->max_recv_frag, 4280);
		assert_int_equal(a->assoc_group_id, 0x1234);
		assert_int_equal(a->sec_addr_len, strlen(addrs[i]) + 1);
		assert_string_equal(a->sec_addr, addrs[i]);
		assert_int_equal(a->n_results, 1);
		assert_int_equal(a->results[0].result, RPC_RESULT_ACCEPTANCE);
		assert_true(rpc_syntax_equal(&a->results[0].transfer_syntax,
		                             &rpc_syntax_ndr20));
		/* No padding between the result list and the trailer. */
		assert_int_equal(pdu.sec_trailer_off, 60);
		assert_int_equal(pdu.stub_len, 0);
		assert_ntlm(&pdu, levels[i], CTX_ID_IMPACKET, 2);
	}
	talloc_free(mem);
}

/* Interop notes 2.4: AUTH3 with four pad octets, same call_id. */
static void test_capture_c03_d03_auth3(void **state)
{
	void *mem = talloc_new(NULL);
	const char *names[] = { "c03", "d03" };
	const uint8_t levels[] = { 6, 5 };

	(void)state;
	for (int i = 0; i < 2; i++) {
		size_t n;
		uint8_t *p = load(mem, names[i], &n);
		struct rpc_pdu pdu;

		parse_ok(mem, p, n, &pdu);
		assert_common_hdr(&pdu, RPC_PTYPE_AUTH3, 332, 304, 1);
		assert_int_equal(pdu.stub_len, 4);
		assert_memory_equal(pdu.stub, "    ", 4);
		assert_ntlm(&pdu, levels[i], CTX_ID_IMPACKET, 3);
	}
	talloc_free(mem);
}

/* Interop notes 2.5: sealed request, call_id 2, opnum 4, no object. */
static void test_capture_c04_request_sealed(void **state)
{
	void *mem = talloc_new(NULL);
	size_t n;
	size_t sn;
	uint8_t *p = load(mem, "c04", &n);
	struct rpc_pdu pdu;

	(void)state;
	load(mem, "c05", &sn);
	parse_ok(mem, p, n, &pdu);
	assert_common_hdr(&pdu, RPC_PTYPE_REQUEST, 512, 16, 2);
	assert_int_equal(pdu.hdr.pfc_flags, 0x03);
	assert_int_equal(pdu.u.request.alloc_hint, 464);
	assert_int_equal(pdu.u.request.p_cont_id, 0);
	assert_int_equal(pdu.u.request.opnum, 4);
	assert_int_equal(pdu.stub_off, 24);
	assert_int_equal(pdu.stub_len, sn);
	assert_true(pdu.has_auth);
	assert_int_equal(pdu.auth.auth_level, RPC_AUTHN_LEVEL_PKT_PRIVACY);
	assert_int_equal(pdu.auth.auth_context_id, CTX_ID_IMPACKET);
	talloc_free(mem);
}

/* Sealed response: stub length equals the plain stub c08. */
static void test_capture_c09_response_sealed(void **state)
{
	void *mem = talloc_new(NULL);
	size_t n;
	size_t sn;
	uint8_t *p = load(mem, "c09", &n);
	struct rpc_pdu pdu;

	(void)state;
	load(mem, "c08", &sn);
	parse_ok(mem, p, n, &pdu);
	assert_common_hdr(&pdu, RPC_PTYPE_RESPONSE, 640, 16, 2);
	assert_int_equal(pdu.hdr.pfc_flags & RPC_PFC_OBJECT_UUID, 0);
	assert_int_equal(pdu.u.response.alloc_hint, 592);
	assert_int_equal(pdu.stub_len, sn);
	talloc_free(mem);
}

/* Interop notes 2.5: the object UUID is the IWbemLevel1Login IPID. */
static void test_capture_d04_request_object_uuid(void **state)
{
	void *mem = talloc_new(NULL);
	size_t n;
	size_t sn;
	uint8_t *p = load(mem, "d04", &n);
	uint8_t *stub = load(mem, "d05", &sn);
	struct rpc_pdu pdu;

	(void)state;
	parse_ok(mem, p, n, &pdu);
	assert_common_hdr(&pdu, RPC_PTYPE_REQUEST, 156, 16, 2);
	assert_int_equal(pdu.hdr.pfc_flags, 0x83);
	assert_int_equal(pdu.u.request.opnum, 6);
	assert_uuid_str(&pdu.u.request.object,
	                "0000a801-0001-0002-3344-556677889900");
	assert_int_equal(pdu.stub_off, 40);
	assert_int_equal(pdu.stub_len, sn);
	assert_memory_equal(pdu.stub, stub, sn); /* signed, not sealed */
	assert_int_equal(pdu.auth.auth_level, RPC_AUTHN_LEVEL_PKT_INTEGRITY);
	talloc_free(mem);
}

/* Signed response with 8 octets of auth pad (16-aligned trailer). */
static void test_capture_d07_response_signed(void **state)
{
	void *mem = talloc_new(NULL);
	size_t n;
	size_t sn;
	uint8_t *p = load(mem, "d07", &n);
	uint8_t *stub = load(mem, "d06", &sn);
	struct rpc_pdu pdu;

	(void)state;
	parse_ok(mem, p, n, &pdu);
	assert_common_hdr(&pdu, RPC_PTYPE_RESPONSE, 240, 16, 2);
	assert_int_equal(pdu.auth.auth_pad_length, 8);
	assert_int_equal(pdu.stub_len, sn);
	assert_memory_equal(pdu.stub, stub, sn);
	assert_int_equal(pdu.auth.auth_pad_length, rpc_auth_pad_len(sn));
	talloc_free(mem);
}

/* Interop notes 2.10: alter_context p_cont_id 1, auth_context_id 79232. */
static void test_capture_d08_d09_alter_context(void **state)
{
	void *mem = talloc_new(NULL);
	size_t n;
	uint8_t *p = load(mem, "d08", &n);
	struct rpc_pdu pdu;

	(void)state;
	parse_ok(mem, p, n, &pdu);
	assert_common_hdr(&pdu, RPC_PTYPE_ALTER_CONTEXT, 112, 32, 3);
	assert_int_equal(pdu.u.bind.n_ctx, 1);
	assert_int_equal(pdu.u.bind.ctx[0].p_cont_id, 1);
	assert_uuid_str(&pdu.u.bind.ctx[0].abstract_syntax.uuid,
	                "00000131-0000-0000-c000-000000000046");
	assert_int_equal(pdu.u.bind.assoc_group_id, 0);
	assert_ntlm(&pdu, 5, CTX_ID_IMPACKET + 1, 1);

	p = load(mem, "d09", &n);
	parse_ok(mem, p, n, &pdu);
	assert_common_hdr(&pdu, RPC_PTYPE_ALTER_CONTEXT_RESP, 234, 170, 3);
	assert_int_equal(pdu.u.bind_ack.sec_addr_len, 0);
	assert_string_equal(pdu.u.bind_ack.sec_addr, "");
	assert_int_equal(pdu.u.bind_ack.max_recv_frag, 4280);
	assert_int_equal(pdu.u.bind_ack.n_results, 1);
	assert_int_equal(pdu.u.bind_ack.results[0].result, 0);
	assert_int_equal(pdu.sec_trailer_off, 56);
	assert_ntlm(&pdu, 5, CTX_ID_IMPACKET + 1, 2);
	talloc_free(mem);
}

/* Interop notes 2.5: a ping bind arrives with call_id 3. */
static void test_capture_d01_h01_binds(void **state)
{
	void *mem = talloc_new(NULL);
	size_t n;
	uint8_t *p = load(mem, "h01", &n);
	struct rpc_pdu pdu;

	(void)state;
	parse_ok(mem, p, n, &pdu);
	assert_common_hdr(&pdu, RPC_PTYPE_BIND, 112, 32, 3);
	assert_uuid_str(&pdu.u.bind.ctx[0].abstract_syntax.uuid,
	                "99fcfec4-5260-101b-bbcb-00aa0021347a");
	assert_ntlm(&pdu, 6, CTX_ID_IMPACKET, 1);

	p = load(mem, "d01", &n);
	parse_ok(mem, p, n, &pdu);
	assert_common_hdr(&pdu, RPC_PTYPE_BIND, 112, 32, 1);
	assert_uuid_str(&pdu.u.bind.ctx[0].abstract_syntax.uuid,
	                "f309ad18-d86a-11d0-a075-00c04fb68820");
	assert_ntlm(&pdu, 5, CTX_ID_IMPACKET, 1);
	talloc_free(mem);
}

/*
 * Every capture: parse, build, parse again; the rebuilt octets equal the
 * original except inside the auth pad (which we write as zeros).
 */
static void test_captures_round_trip(void **state)
{
	(void)state;
	for (size_t i = 0; i < sizeof(wire_captures) / sizeof(*wire_captures);
	     i++) {
		void *mem = talloc_new(NULL);
		size_t n;
		size_t bn;
		uint8_t *p = load(mem, wire_captures[i], &n);
		uint8_t *b = NULL;
		struct rpc_pdu pdu;
		struct rpc_pdu again;
		size_t pad_from;
		size_t pad_to;

		parse_ok(mem, p, n, &pdu);
		pad_from = pdu.stub_off + pdu.stub_len;
		pad_to = pdu.has_auth ? pdu.sec_trailer_off : n;
		assert_int_equal(rpc_pdu_build(mem, &pdu, &b, &bn), RPC_PDU_OK);
		assert_int_equal(bn, n);
		assert_memory_equal(b, p, pad_from);
		assert_memory_equal(b + pad_to, p + pad_to, n - pad_to);
		parse_ok(mem, b, bn, &again);
		assert_memory_equal(&again.hdr, &pdu.hdr, sizeof(pdu.hdr));
		assert_int_equal(again.stub_len, pdu.stub_len);
		talloc_free(mem);
	}
}

static bool only_epm(const struct rpc_syntax_id *as, void *arg)
{
	struct rpc_uuid epm;

	(void)arg;
	rpc_uuid_parse("e1af8308-5d1f-11c9-91a4-08002b14a0fa", &epm);
	return rpc_uuid_equal(&as->uuid, &epm) && as->ver_major == 3;
}

/*
 * Interop notes 2.3: the bind_ack for a01 as impacket expects it; the
 * same negotiation with c02's trailer and token rebuilds c02 exactly.
 */
static void test_bind_ack_for_a01(void **state)
{
	void *mem = talloc_new(NULL);
	size_t n;
	size_t bn;
	uint8_t *p = load(mem, "a01", &n);
	uint8_t *b = NULL;
	struct rpc_pdu bind;
	struct rpc_pdu ack;
	struct rpc_pdu back;
	struct rpc_bind_policy pol = { .abstract_supported = only_epm,
		                       .assoc_group_id = 0x1234,
		                       .sec_addr = "135" };
	uint8_t btfn = 0xff;
	const uint8_t want_body[] = {
		0xb8, 0x10, 0xb8, 0x10, 0x34, 0x12, 0, 0, 0x04, 0, '1', '3',
		'5',  0,    0,    0,    0x01, 0,    0, 0, 0,    0, 0,   0
	};

	(void)state;
	parse_ok(mem, p, n, &bind);
	rpc_pdu_init(&ack, RPC_PTYPE_BIND_ACK, bind.hdr.call_id);
	assert_int_equal(rpc_bind_negotiate(mem, &bind.u.bind, &pol,
	                                    &ack.u.bind_ack, &btfn),
	                 RPC_PDU_OK);
	assert_int_equal(btfn, 0);
	assert_int_equal(rpc_pdu_build(mem, &ack, &b, &bn), RPC_PDU_OK);
	assert_int_equal(bn, 60);
	assert_int_equal(b[2], RPC_PTYPE_BIND_ACK);
	assert_int_equal(b[3], 0x03);
	assert_memory_equal(b + 4, "\x10\0\0\0", 4);
	assert_int_equal(b[8] | b[9] << 8, 60);
	assert_int_equal(b[10] | b[11] << 8, 0);
	assert_int_equal(b[12], 1); /* call_id echoed */
	assert_memory_equal(b + 16, want_body, sizeof(want_body));
	assert_int_equal(b[30] | b[31] << 8, 0); /* pad to 4 after "135" */
	assert_int_equal(b[32], 1);              /* n_results */
	assert_memory_equal(b + 40,
	                    "\x04\x5d\x88\x8a\xeb\x1c\xc9\x11\x9f\xe8\x08\x00"
	                    "\x2b\x10\x48\x60\x02\x00\x00\x00",
	                    20);
	parse_ok(mem, b, bn, &back);
	assert_int_equal(back.u.bind_ack.results[0].result,
	                 RPC_RESULT_ACCEPTANCE);

	/* With c02's sec_trailer and CHALLENGE: c02 exactly. */
	p = load(mem, "c02", &n);
	parse_ok(mem, p, n, &back);
	ack.has_auth = true;
	ack.auth = back.auth;
	ack.hdr.auth_length = back.hdr.auth_length;
	ack.auth_value = back.auth_value;
	assert_int_equal(rpc_pdu_build(mem, &ack, &b, &bn), RPC_PDU_OK);
	assert_int_equal(bn, n);
	assert_memory_equal(b, p, n);
	talloc_free(mem);
}

static struct rpc_syntax_id syntax(const char *uuid,
                                   uint16_t major,
                                   uint16_t minor)
{
	struct rpc_syntax_id s = { .ver_major = major, .ver_minor = minor };

	assert_true(rpc_uuid_parse(uuid, &s.uuid));
	return s;
}

/*
 * MS-RPCE 3.3.1.5.3 / 3.3.1.5.6: a Windows-style bind proposing NDR 2.0,
 * NDR64 and bind-time feature negotiation for one interface, plus an
 * unknown interface.
 */
static void test_bind_negotiation_rules(void **state)
{
	void *mem = talloc_new(NULL);
	struct rpc_syntax_id ndr20 = rpc_syntax_ndr20;
	struct rpc_syntax_id ndr64 = rpc_syntax_ndr64;
	struct rpc_syntax_id btfn = syntax(
	        "6cb71c2c-9812-4540-0300-000000000000", 1, 0);
	struct rpc_syntax_id epm = syntax(
	        "e1af8308-5d1f-11c9-91a4-08002b14a0fa", 3, 0);
	struct rpc_syntax_id other = syntax(
	        "12345778-1234-abcd-ef00-0123456789ab", 1, 0);
	struct rpc_ctx_elem ctx[4] = {
		{ 0, 1, 0, epm, &ndr20 },
		{ 1, 1, 0, epm, &ndr64 },
		{ 2, 1, 0, epm, &btfn },
		{ 3, 1, 0, other, &ndr20 },
	};
	struct rpc_bind req = { 5840, 5840, 0, 4, ctx };
	struct rpc_bind_policy pol = {
		.abstract_supported = only_epm,
		.btfn_supported = RPC_BTFN_SEC_CONTEXT_MULTIPLEXING,
	};
	struct rpc_bind_ack ack;
	uint8_t bits = 0;

	(void)state;
	assert_true(rpc_syntax_is_btfn(&btfn, &bits));
	assert_int_equal(bits, 3);
	assert_false(rpc_syntax_is_btfn(&ndr20, NULL));
	assert_int_equal(rpc_bind_negotiate(mem, &req, &pol, &ack, &bits),
	                 RPC_PDU_OK);
	assert_int_equal(bits, 3);
	assert_int_equal(ack.n_results, 4);
	assert_int_equal(ack.results[0].result, RPC_RESULT_ACCEPTANCE);
	assert_true(rpc_syntax_equal(&ack.results[0].transfer_syntax,
	                             &rpc_syntax_ndr20));
	assert_int_equal(ack.results[1].result, RPC_RESULT_PROVIDER_REJECTION);
	assert_int_equal(ack.results[1].reason,
	                 RPC_REASON_PROPOSED_TRANSFER_SYNTAXES_NOT_SUPPORTED);
	assert_true(rpc_syntax_equal(&ack.results[1].transfer_syntax,
	                             &rpc_syntax_null));
	assert_int_equal(ack.results[2].result, RPC_RESULT_NEGOTIATE_ACK);
	assert_int_equal(ack.results[2].reason,
	                 RPC_BTFN_SEC_CONTEXT_MULTIPLEXING);
	assert_true(rpc_syntax_equal(&ack.results[2].transfer_syntax,
	                             &rpc_syntax_null));
	assert_int_equal(ack.results[3].result, RPC_RESULT_PROVIDER_REJECTION);
	assert_int_equal(ack.results[3].reason,
	                 RPC_REASON_ABSTRACT_SYNTAX_NOT_SUPPORTED);
	/* Fragment sizes: min(ours 4280, theirs 5840). */
	assert_int_equal(ack.max_xmit_frag, 4280);
	assert_int_equal(ack.max_recv_frag, 4280);
	assert_int_equal(ack.sec_addr_len, 0);
	talloc_free(mem);
}

/* A client offering 1000-octet fragments still gets RPC_MIN_FRAG. */
static void test_bind_negotiation_min_frag(void **state)
{
	void *mem = talloc_new(NULL);
	struct rpc_bind req = { 1000, 2000, 0, 0, NULL };
	struct rpc_bind_policy pol = { 0 };
	struct rpc_bind_ack ack;

	(void)state;
	assert_int_equal(rpc_bind_negotiate(mem, &req, &pol, &ack, NULL),
	                 RPC_PDU_OK);
	assert_int_equal(ack.max_xmit_frag, 2000);
	assert_int_equal(ack.max_recv_frag, RPC_MIN_FRAG);
	assert_int_equal(ack.n_results, 0);
	talloc_free(mem);
}

static void build_parse(void *mem, struct rpc_pdu *in, struct rpc_pdu *out)
{
	uint8_t *b = NULL;
	size_t bn = 0;

	assert_int_equal(rpc_pdu_build(mem, in, &b, &bn), RPC_PDU_OK);
	assert_int_equal(bn, in->hdr.frag_length);
	parse_ok(mem, b, bn, out);
	assert_memory_equal(&out->hdr, &in->hdr, sizeof(in->hdr));
	assert_int_equal(out->stub_len, in->stub_len);
	if (in->stub_len != 0) {
		assert_memory_equal(out->stub, in->stub, in->stub_len);
	}
}

static void test_round_trip_bind_multi_context(void **state)
{
	void *mem = talloc_new(NULL);
	struct rpc_syntax_id ts[2] = { rpc_syntax_ndr20, rpc_syntax_ndr64 };
	struct rpc_syntax_id as = syntax("9556dc99-828c-11cf-a37e-00aa003240c7",
	                                 0, 0);
	struct rpc_ctx_elem ctx[2] = { { 0, 2, 0, as, ts },
		                       { 1, 1, 0, as, ts + 1 } };
	struct rpc_pdu in;
	struct rpc_pdu out;

	(void)state;
	rpc_pdu_init(&in, RPC_PTYPE_ALTER_CONTEXT, 9);
	in.hdr.pfc_flags |= RPC_PFC_SUPPORT_HEADER_SIGN;
	in.u.bind = (struct rpc_bind){ 5840, 5840, 0x77, 2, ctx };
	build_parse(mem, &in, &out);
	assert_int_equal(out.u.bind.n_ctx, 2);
	assert_int_equal(out.u.bind.assoc_group_id, 0x77);
	assert_int_equal(out.u.bind.ctx[0].n_transfer_syn, 2);
	assert_true(rpc_syntax_equal(&out.u.bind.ctx[0].transfer_syntaxes[1],
	                             &rpc_syntax_ndr64));
	assert_int_equal(out.u.bind.ctx[1].p_cont_id, 1);
	assert_true(rpc_syntax_equal(&out.u.bind.ctx[1].abstract_syntax, &as));
	talloc_free(mem);
}

static void test_round_trip_bind_nak(void **state)
{
	void *mem = talloc_new(NULL);
	struct rpc_pdu in;
	struct rpc_pdu out;

	(void)state;
	assert_int_equal(
	        rpc_bind_nak_init(mem, &in, 4,
	                          RPC_NAK_PROTOCOL_VERSION_NOT_SUPPORTED),
	        RPC_PDU_OK);
	build_parse(mem, &in, &out);
	assert_int_equal(out.hdr.frag_length, 21);
	assert_int_equal(out.u.bind_nak.reject_reason, 4);
	assert_int_equal(out.u.bind_nak.n_versions, 1);
	assert_int_equal(out.u.bind_nak.versions[0].major, 5);
	assert_int_equal(out.u.bind_nak.extra_len, 0);
	talloc_free(mem);
}

/* Interop notes 2.7: status at offset 24, no verifier, 32 octets. */
static void test_round_trip_fault(void **state)
{
	void *mem = talloc_new(NULL);
	struct rpc_pdu in;
	struct rpc_pdu out;
	uint8_t *b = NULL;
	size_t bn;

	(void)state;
	rpc_fault_init(&in, 7, 1, RPC_FAULT_NCA_S_OP_RNG_ERROR, true);
	assert_int_equal(rpc_pdu_build(mem, &in, &b, &bn), RPC_PDU_OK);
	assert_int_equal(bn, 32);
	assert_memory_equal(b + 24, "\x02\x00\x01\x1c", 4);
	assert_int_equal(b[3], 0x23);
	assert_int_equal(b[10] | b[11] << 8, 0);
	build_parse(mem, &in, &out);
	assert_int_equal(out.u.fault.status, 0x1c010002);
	assert_int_equal(out.u.fault.p_cont_id, 1);
	assert_string_equal(rpc_fault_name(out.u.fault.status),
	                    "nca_s_op_rng_error");
	assert_string_equal(rpc_fault_name(5), "rpc_s_access_denied");
	assert_string_equal(rpc_fault_name(0x6f7), "rpc_x_bad_stub_data");
	assert_null(rpc_fault_name(0x12345678));
	assert_true(hr_eq(rpc_fault_to_hresult(5), HR_E_ACCESSDENIED));
	assert_true(hr_eq(rpc_fault_to_hresult(0x80041003),
	                  HR_WBEM_E_ACCESS_DENIED));
	assert_true(
	        hr_eq(rpc_fault_to_hresult(0x1c010002), HR_RPC_S_CALL_FAILED));
	talloc_free(mem);
}

static void test_round_trip_request_object_and_response(void **state)
{
	void *mem = talloc_new(NULL);
	const uint8_t stub[] = { 1, 2, 3, 4, 5, 6, 7, 8, 9 };
	uint8_t verifier[16];
	struct rpc_pdu in;
	struct rpc_pdu out;

	(void)state;
	memset(verifier, 0xab, sizeof(verifier));
	rpc_pdu_init(&in, RPC_PTYPE_REQUEST, 11);
	in.hdr.pfc_flags |= RPC_PFC_OBJECT_UUID;
	in.u.request.alloc_hint = sizeof(stub);
	in.u.request.p_cont_id = 3;
	in.u.request.opnum = 20;
	rpc_uuid_parse("0000ac02-0001-0002-3344-556677889900",
	               &in.u.request.object);
	in.stub = stub;
	in.stub_len = sizeof(stub);
	in.has_auth = true;
	in.auth = (struct rpc_sec_trailer){ RPC_AUTHN_WINNT, 5,
		                            (uint8_t)rpc_auth_pad_len(9), 0,
		                            79234 };
	in.hdr.auth_length = sizeof(verifier);
	in.auth_value = verifier;
	build_parse(mem, &in, &out);
	assert_int_equal(out.hdr.frag_length, 40 + 16 + 8 + 16);
	assert_int_equal(out.auth.auth_pad_length, 7);
	assert_int_equal(out.sec_trailer_off, 40 + 16);
	assert_int_equal(out.u.request.opnum, 20);
	assert_true(
	        rpc_uuid_equal(&out.u.request.object, &in.u.request.object));
	assert_memory_equal(out.auth_value, verifier, 16);

	rpc_pdu_init(&in, RPC_PTYPE_RESPONSE, 11);
	in.u.response.alloc_hint = sizeof(stub);
	in.u.response.p_cont_id = 3;
	in.stub = stub;
	in.stub_len = sizeof(stub);
	build_parse(mem, &in, &out);
	assert_int_equal(out.hdr.frag_length, 24 + 9);
	assert_int_equal(out.u.response.p_cont_id, 3);
	talloc_free(mem);
}

static void test_round_trip_header_only_types(void **state)
{
	void *mem = talloc_new(NULL);
	const uint8_t types[] = { RPC_PTYPE_SHUTDOWN, RPC_PTYPE_CO_CANCEL,
		                  RPC_PTYPE_ORPHANED };
	const uint8_t pad[4] = { 0 };
	struct rpc_pdu in;
	struct rpc_pdu out;

	(void)state;
	for (size_t i = 0; i < sizeof(types); i++) {
		rpc_pdu_init(&in, (enum rpc_ptype)types[i], 42);
		build_parse(mem, &in, &out);
		assert_int_equal(out.hdr.frag_length, 16);
		assert_false(out.has_auth);
	}
	/* co_cancel with an auth trailer and no verifier body. */
	rpc_pdu_init(&in, RPC_PTYPE_CO_CANCEL, 42);
	in.has_auth = true;
	in.auth.auth_type = RPC_AUTHN_WINNT;
	in.hdr.auth_length = 16;
	build_parse(mem, &in, &out);
	assert_int_equal(out.hdr.frag_length, 16 + 8 + 16);
	assert_int_equal(out.sec_trailer_off, 16);
	/* auth3 with its four pad octets. */
	rpc_pdu_init(&in, RPC_PTYPE_AUTH3, 1);
	in.stub = pad;
	in.stub_len = 4;
	build_parse(mem, &in, &out);
	assert_int_equal(out.hdr.frag_length, 20);
	talloc_free(mem);
}

/* MS-RPCE 2.2.2.13: append, find after the stub end, parse. */
static void test_verification_trailer(void **state)
{
	void *mem = talloc_new(NULL);
	uint8_t *buf = talloc_array(mem, uint8_t, 5);
	size_t len = 5;
	struct rpc_vt vt = { 0 };
	struct rpc_vt got;
	bool found = true;

	(void)state;
	memset(buf, 0x8a, 5); /* looks like the signature's first octet */
	assert_int_equal(rpc_vt_find(buf, len, 5, &got, &found), RPC_PDU_OK);
	assert_false(found);
	assert_int_equal(rpc_vt_append(mem, &vt, &buf, &len), RPC_PDU_ERR_ARG);
	vt.has_bitmask = true;
	vt.bitmask = RPC_SEC_VT_CLIENT_SUPPORTS_HEADER_SIGNING;
	vt.has_header2 = true;
	vt.ptype = RPC_PTYPE_REQUEST;
	vt.drep[0] = 0x10;
	vt.call_id = 2;
	vt.p_cont_id = 1;
	vt.opnum = 6;
	vt.has_pcontext = true;
	vt.interface_id = syntax("f309ad18-d86a-11d0-a075-00c04fb68820", 0, 0);
	vt.transfer_syntax = rpc_syntax_ndr20;
	assert_int_equal(rpc_vt_append(mem, &vt, &buf, &len), RPC_PDU_OK);
	assert_int_equal(len, 8 + 8 + 8 + 20 + 44);
	assert_int_equal(rpc_vt_find(buf, len, 5, &got, &found), RPC_PDU_OK);
	assert_true(found);
	assert_int_equal(got.offset, 8);
	assert_true(got.has_bitmask && got.has_header2 && got.has_pcontext);
	assert_int_equal(got.bitmask, 1);
	assert_int_equal(got.call_id, 2);
	assert_int_equal(got.opnum, 6);
	assert_int_equal(got.p_cont_id, 1);
	assert_true(rpc_syntax_equal(&got.interface_id, &vt.interface_id));
	assert_true(rpc_syntax_equal(&got.transfer_syntax, &rpc_syntax_ndr20));
	/* Truncated: the last command overruns the body. */
	assert_int_equal(rpc_vt_find(buf, len - 1, 5, &got, &found),
	                 RPC_PDU_ERR_VT);
	/* Unknown command with MUST_PROCESS. */
	buf[16] = 0x07;
	buf[17] = 0x80;
	assert_int_equal(rpc_vt_find(buf, len, 5, &got, &found),
	                 RPC_PDU_ERR_VT);
	/* Unknown command without it is skipped. */
	buf[17] = 0x00;
	assert_int_equal(rpc_vt_find(buf, len, 5, &got, &found), RPC_PDU_OK);
	assert_false(got.has_bitmask);
	assert_true(got.has_pcontext);
	talloc_free(mem);
}

static enum rpc_pdu_err parse_mod(void *mem,
                                  const uint8_t *p,
                                  size_t n,
                                  struct errinfo *ei)
{
	struct rpc_pdu pdu;

	return rpc_pdu_parse(mem, p, n, &pdu, ei);
}

static void test_drep_big_endian_rejected(void **state)
{
	void *mem = talloc_new(NULL);
	size_t n;
	uint8_t *p = load(mem, "a01", &n);
	struct errinfo ei;
	struct rpc_hdr h;

	(void)state;
	err_clear(&ei);
	p[4] = 0x00;
	assert_int_equal(parse_mod(mem, p, n, &ei), RPC_PDU_ERR_DREP_INT);
	assert_true(hr_eq(ei.hr, HR_RPC_S_PROTOCOL_ERROR));
	assert_int_equal(ei.offset, 4);
	assert_non_null(strstr(ei.msg, "big-endian"));
	assert_int_equal(rpc_pdu_peek(p, n, &h, NULL), RPC_PDU_ERR_DREP_INT);
	assert_int_equal(h.ptype, RPC_PTYPE_BIND); /* still answerable */
	p[4] = 0x11;
	assert_int_equal(parse_mod(mem, p, n, NULL), RPC_PDU_ERR_DREP_CHAR);
	p[4] = 0x10;
	p[5] = 0x01;
	assert_int_equal(parse_mod(mem, p, n, NULL), RPC_PDU_ERR_DREP_FLOAT);
	p[5] = 0x00;
	assert_int_equal(parse_mod(mem, p, n, NULL), RPC_PDU_OK);
	talloc_free(mem);
}

static void test_header_version_and_ptype(void **state)
{
	void *mem = talloc_new(NULL);
	size_t n;
	uint8_t *p = load(mem, "a01", &n);
	struct rpc_hdr h;

	(void)state;
	assert_int_equal(rpc_pdu_peek(p, 15, &h, NULL), RPC_PDU_ERR_INCOMPLETE);
	assert_int_equal(rpc_pdu_peek(p, 16, &h, NULL), RPC_PDU_OK);
	assert_int_equal(h.frag_length, 72);
	p[0] = 4;
	assert_int_equal(parse_mod(mem, p, n, NULL), RPC_PDU_ERR_VERSION);
	assert_int_equal(rpc_pdu_err_nak_reason(RPC_PDU_ERR_VERSION),
	                 RPC_NAK_PROTOCOL_VERSION_NOT_SUPPORTED);
	p[0] = 5;
	p[1] = 1;
	assert_int_equal(parse_mod(mem, p, n, NULL), RPC_PDU_OK);
	p[1] = 2;
	assert_int_equal(parse_mod(mem, p, n, NULL), RPC_PDU_ERR_VERSION);
	p[1] = 0;
	p[2] = 1; /* ping: connectionless only */
	assert_int_equal(parse_mod(mem, p, n, NULL), RPC_PDU_ERR_PTYPE);
	p[2] = 20;
	assert_int_equal(parse_mod(mem, p, n, NULL), RPC_PDU_ERR_PTYPE);
	talloc_free(mem);
}

static void test_frag_length_lies(void **state)
{
	void *mem = talloc_new(NULL);
	size_t n;
	uint8_t *p = load(mem, "a01", &n);

	(void)state;
	for (unsigned fl = 0; fl < 0x10000; fl += (fl < 200 ? 1 : 251)) {
		enum rpc_pdu_err rc;

		p[8] = (uint8_t)fl;
		p[9] = (uint8_t)(fl >> 8);
		rc = parse_mod(mem, p, n, NULL);
		if (fl == n) {
			assert_int_equal(rc, RPC_PDU_OK);
		} else {
			assert_int_equal(rc, RPC_PDU_ERR_FRAG_LENGTH);
		}
	}
	/* A self-consistent but too short request. */
	p = load(mem, "d04", &n);
	p[8] = 30;
	p[9] = 0;
	p[10] = 0;
	assert_int_equal(parse_mod(mem, p, 30, NULL), RPC_PDU_ERR_FRAG_LENGTH);
	talloc_free(mem);
}

static void test_auth_length_lies(void **state)
{
	void *mem = talloc_new(NULL);
	size_t n;
	uint8_t *p = load(mem, "a02", &n);

	(void)state;
	for (unsigned al = 0; al < 0x10000; al++) {
		enum rpc_pdu_err rc;

		p[10] = (uint8_t)al;
		p[11] = (uint8_t)(al >> 8);
		rc = parse_mod(mem, p, n, NULL);
		if (al + 8 > n - 28) {
			assert_int_equal(rc, RPC_PDU_ERR_AUTH_LENGTH);
		} else {
			/* Fits: the context list, or the pad read from the
			 * moved trailer, may then overrun. */
			assert_true(rc == RPC_PDU_OK ||
			            rc == RPC_PDU_ERR_TRUNCATED ||
			            rc == RPC_PDU_ERR_AUTH_PAD);
		}
	}
	/* d04: auth_pad_length larger than the stub. */
	p = load(mem, "d04", &n);
	p[n - 16 - 8 + 2] = 93;
	assert_int_equal(parse_mod(mem, p, n, NULL), RPC_PDU_ERR_AUTH_PAD);
	p[n - 16 - 8 + 2] = 92;
	assert_int_equal(parse_mod(mem, p, n, NULL), RPC_PDU_OK);
	talloc_free(mem);
}

static void test_context_counts_huge(void **state)
{
	void *mem = talloc_new(NULL);
	size_t n;
	uint8_t *p = load(mem, "a01", &n);
	struct errinfo ei;

	(void)state;
	err_clear(&ei);
	p[24] = 255; /* n_context_elem */
	assert_int_equal(parse_mod(mem, p, n, &ei), RPC_PDU_ERR_TRUNCATED);
	assert_int_equal(ei.offset, 24);
	p[24] = 2;
	assert_int_equal(parse_mod(mem, p, n, NULL), RPC_PDU_ERR_TRUNCATED);
	p[24] = 1;
	p[30] = 255; /* n_transfer_syn */
	assert_int_equal(parse_mod(mem, p, n, NULL), RPC_PDU_ERR_TRUNCATED);
	p[30] = 0;
	assert_int_equal(parse_mod(mem, p, n, NULL), RPC_PDU_ERR_CONTEXT);
	p[30] = 1;
	p[24] = 0; /* zero contexts: the trailing octets become the stub */
	assert_int_equal(parse_mod(mem, p, n, NULL), RPC_PDU_OK);

	p = load(mem, "c02", &n);
	p[32] = 200; /* n_results */
	assert_int_equal(parse_mod(mem, p, n, NULL), RPC_PDU_ERR_TRUNCATED);
	p[32] = 1;
	p[24] = 0xff; /* sec_addr length */
	assert_int_equal(parse_mod(mem, p, n, NULL), RPC_PDU_ERR_TRUNCATED);
	talloc_free(mem);
}

/*
 * Every capture cut at every length, with frag_length rewritten to match
 * the cut (and auth_length kept): never a crash, never an OK that reads
 * past the cut (ASan watches the copies).
 */
static void test_truncated_at_every_length(void **state)
{
	(void)state;
	for (size_t i = 0; i < sizeof(wire_captures) / sizeof(*wire_captures);
	     i++) {
		void *mem = talloc_new(NULL);
		size_t n;
		uint8_t *p = load(mem, wire_captures[i], &n);

		for (size_t k = 0; k < n; k++) {
			uint8_t *cut = talloc_memdup(mem, p, k == 0 ? 1 : k);

			assert_int_not_equal(parse_mod(mem, p, k, NULL),
			                     RPC_PDU_OK);
			if (k >= 16) {
				cut[8] = (uint8_t)k;
				cut[9] = (uint8_t)(k >> 8);
				(void)parse_mod(mem, cut, k, NULL);
			}
			talloc_free(cut);
		}
		talloc_free(mem);
	}
}

static void test_build_rejects_oversize(void **state)
{
	void *mem = talloc_new(NULL);
	static uint8_t big[65536];
	struct rpc_pdu in;
	uint8_t *b = NULL;
	size_t bn = 0;

	(void)state;
	rpc_pdu_init(&in, RPC_PTYPE_RESPONSE, 1);
	in.stub = big;
	in.stub_len = 65535 - 24;
	assert_int_equal(rpc_pdu_build(mem, &in, &b, &bn), RPC_PDU_OK);
	assert_int_equal(bn, 65535);
	in.stub_len++;
	assert_int_equal(rpc_pdu_build(mem, &in, &b, &bn), RPC_PDU_ERR_ARG);
	in.hdr.ptype = 1;
	in.stub_len = 0;
	assert_int_equal(rpc_pdu_build(mem, &in, &b, &bn), RPC_PDU_ERR_ARG);
	assert_string_equal(rpc_pdu_err_name(RPC_PDU_ERR_ARG),
	                    "RPC_PDU_ERR_ARG");
	assert_int_equal(rpc_pdu_err_fault(RPC_PDU_ERR_TRUNCATED),
	                 RPC_FAULT_NCA_S_PROTO_ERROR);
	talloc_free(mem);
}

static void test_uuid_text_forms(void **state)
{
	struct rpc_uuid u;
	char s[RPC_UUID_STR_LEN + 1];
	uint8_t w[16];

	(void)state;
	assert_true(rpc_uuid_parse("E1AF8308-5D1F-11C9-91A4-08002B14A0FA", &u));
	rpc_uuid_format(&u, s);
	assert_string_equal(s, "e1af8308-5d1f-11c9-91a4-08002b14a0fa");
	rpc_uuid_to_wire(&u, w);
	assert_memory_equal(w,
	                    "\x08\x83\xaf\xe1\x1f\x5d\xc9\x11\x91\xa4\x08\x00"
	                    "\x2b\x14\xa0\xfa",
	                    16);
	assert_false(rpc_uuid_parse("e1af8308-5d1f-11c9-91a4-08002b14a0f", &u));
	assert_false(
	        rpc_uuid_parse("e1af8308x5d1f-11c9-91a4-08002b14a0fa", &u));
	assert_false(
	        rpc_uuid_parse("g1af8308-5d1f-11c9-91a4-08002b14a0fa", &u));
	assert_false(rpc_uuid_parse(NULL, &u));
	memset(&u, 0, sizeof(u));
	assert_true(rpc_uuid_is_nil(&u));
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_capture_a01_bind_epm),
		cmocka_unit_test(test_capture_a02_c01_bind_scm_ntlm),
		cmocka_unit_test(test_capture_c02_d02_bind_ack),
		cmocka_unit_test(test_capture_c03_d03_auth3),
		cmocka_unit_test(test_capture_c04_request_sealed),
		cmocka_unit_test(test_capture_c09_response_sealed),
		cmocka_unit_test(test_capture_d04_request_object_uuid),
		cmocka_unit_test(test_capture_d07_response_signed),
		cmocka_unit_test(test_capture_d08_d09_alter_context),
		cmocka_unit_test(test_capture_d01_h01_binds),
		cmocka_unit_test(test_captures_round_trip),
		cmocka_unit_test(test_bind_ack_for_a01),
		cmocka_unit_test(test_bind_negotiation_rules),
		cmocka_unit_test(test_bind_negotiation_min_frag),
		cmocka_unit_test(test_round_trip_bind_multi_context),
		cmocka_unit_test(test_round_trip_bind_nak),
		cmocka_unit_test(test_round_trip_fault),
		cmocka_unit_test(test_round_trip_request_object_and_response),
		cmocka_unit_test(test_round_trip_header_only_types),
		cmocka_unit_test(test_verification_trailer),
		cmocka_unit_test(test_drep_big_endian_rejected),
		cmocka_unit_test(test_header_version_and_ptype),
		cmocka_unit_test(test_frag_length_lies),
		cmocka_unit_test(test_auth_length_lies),
		cmocka_unit_test(test_context_counts_huge),
		cmocka_unit_test(test_truncated_at_every_length),
		cmocka_unit_test(test_build_rejects_oversize),
		cmocka_unit_test(test_uuid_text_forms),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
