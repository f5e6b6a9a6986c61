/*
 * auth_type 9 (RPC_C_AUTHN_GSS_NEGOTIATE: SPNEGO wrapping NTLM) over real
 * sockets against the live test server: the rpc client's negotiate
 * option with the third leg in an AUTH3 or an alter_context at levels
 * connect, integrity and privacy; a wrong password; and hand-driven
 * handshakes for what the client never sends: a Kerberos-only offer
 * (bind_nak), NTLM offered second (request-mic, a NEGOTIATE leg, the
 * mechListMIC then required), a bad mechListMIC.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>
#include <talloc.h>

#include <cmocka.h>

#include "ntlm/ntlm.h"
#include "ntlm/spnego.h"
#include "rpc/client.h"
#include "rpc/fault.h"
#include "rpctest_server.h"

static const struct rpc_client_auth alice_neg = {
	.user = "alice",
	.domain = "WORKGROUP",
	.password = "Secret#1",
	.level = RPC_AUTHN_LEVEL_PKT_PRIVACY,
	.negotiate = true,
};

static struct rpc_client *connect_ts(void *mem, struct rpctest_server *ts)
{
	struct rpc_client *c = NULL;
	struct errinfo ei;

	err_clear(&ei);
	if (hr_failed(rpc_client_connect_tcp(mem, ts->addr, ts->port, 2000, &c,
	                                     &ei))) {
		fail_msg("connect: %s", ei.msg);
	}
	return c;
}

static int setup(void **state)
{
	struct rpctest_server *ts = rpctest_server_start(NULL, NULL);

	*state = ts;
	return ts == NULL ? -1 : 0;
}

static int teardown(void **state)
{
	rpctest_server_stop(*state);
	return 0;
}

/* Binds with [auth], then echoes twice and asks who we are. */
static void flow(struct rpctest_server *ts,
                 uint8_t level,
                 bool alter,
                 const char *password,
                 bool expect_ok)
{
	void *mem = talloc_new(NULL);
	struct rpc_client *c = connect_ts(mem, ts);
	struct rpc_client_auth a = alice_neg;
	struct rpc_client_reply r;
	char want[64];
	hresult hr;

	a.level = level;
	a.third_leg_alter = alter;
	a.password = password;
	hr = rpc_client_bind(c, 0, &rpctest_iface_main.syntax, 1, &a, NULL,
	                     NULL);
	if (!expect_ok && alter) {
		/* The alter_context carrying AUTHENTICATE is refused. */
		assert_true(hr_failed(hr));
		goto out;
	}
	assert_true(hr_ok(hr));
	for (int i = 0; i < 2; i++) {
		assert_true(hr_ok(rpc_client_call(c, 0, RPCTEST_OP_REVERSE,
		                                  NULL, (const uint8_t *)"abc",
		                                  3, mem, &r, NULL)));
		if (!expect_ok) {
			assert_int_equal(r.ptype, RPC_PTYPE_FAULT);
			assert_true(hr_eq(rpc_fault_to_hresult(r.status),
			                  HR_E_ACCESSDENIED));
			goto out;
		}
		assert_int_equal(r.ptype, RPC_PTYPE_RESPONSE);
		assert_int_equal(r.stub_len, 3);
		assert_memory_equal(r.stub, "cba", 3);
		assert_int_equal(r.verified,
		                 level >= RPC_AUTHN_LEVEL_PKT_INTEGRITY);
	}
	assert_true(hr_ok(rpc_client_call(c, 0, RPCTEST_OP_WHOAMI, NULL, NULL,
	                                  0, mem, &r, NULL)));
	assert_int_equal(r.ptype, RPC_PTYPE_RESPONSE);
	snprintf(want, sizeof(want),
	         "user=alice domain=WORKGROUP auth=1 "
	         "type=9 level=%u",
	         level);
	assert_true(r.stub_len >= strlen(want));
	assert_memory_equal(r.stub, want, strlen(want));
out:
	rpc_client_close(c);
	talloc_free(mem);
}

static void test_auth3_connect(void **state)
{
	flow(*state, RPC_AUTHN_LEVEL_CONNECT, false, "Secret#1", true);
}

static void test_auth3_integrity(void **state)
{
	flow(*state, RPC_AUTHN_LEVEL_PKT_INTEGRITY, false, "Secret#1", true);
}

static void test_auth3_privacy(void **state)
{
	flow(*state, RPC_AUTHN_LEVEL_PKT_PRIVACY, false, "Secret#1", true);
}

static void test_alter_connect(void **state)
{
	flow(*state, RPC_AUTHN_LEVEL_CONNECT, true, "Secret#1", true);
}

static void test_alter_integrity(void **state)
{
	flow(*state, RPC_AUTHN_LEVEL_PKT_INTEGRITY, true, "Secret#1", true);
}

static void test_alter_privacy(void **state)
{
	flow(*state, RPC_AUTHN_LEVEL_PKT_PRIVACY, true, "Secret#1", true);
}

static void test_wrong_password(void **state)
{
	flow(*state, RPC_AUTHN_LEVEL_PKT_PRIVACY, false, "nope", false);
	flow(*state, RPC_AUTHN_LEVEL_PKT_INTEGRITY, true, "nope", false);
}

/* ---- hand-driven handshakes ---- */

static uint32_t call_id = 1;

/* Sends a bind (or alter_context) with an auth_type 9 token. */
static void send_bind(struct rpc_client *c,
                      void *mem,
                      bool alter,
                      uint8_t level,
                      const uint8_t *tok,
                      size_t len)
{
	struct rpc_pdu pdu;
	struct rpc_ctx_elem e;
	struct rpc_syntax_id ts = rpc_syntax_ndr20;
	uint8_t *out;
	size_t out_len;

	rpc_pdu_init(&pdu, alter ? RPC_PTYPE_ALTER_CONTEXT : RPC_PTYPE_BIND,
	             call_id++);
	pdu.u.bind.max_xmit_frag = 4280;
	pdu.u.bind.max_recv_frag = 4280;
	pdu.u.bind.n_ctx = 1;
	memset(&e, 0, sizeof(e));
	e.p_cont_id = 0;
	e.n_transfer_syn = 1;
	e.abstract_syntax = rpctest_iface_main.syntax;
	e.transfer_syntaxes = &ts;
	pdu.u.bind.ctx = &e;
	pdu.has_auth = true;
	pdu.auth.auth_type = RPC_AUTHN_GSS_NEGOTIATE;
	pdu.auth.auth_level = level;
	pdu.auth.auth_context_id = 79231;
	pdu.hdr.auth_length = (uint16_t)len;
	pdu.auth_value = tok;
	assert_int_equal(rpc_pdu_build(mem, &pdu, &out, &out_len), RPC_PDU_OK);
	assert_true(hr_ok(rpc_client_send(c, out, out_len)));
}

static void recv_pdu(struct rpc_client *c, void *mem, struct rpc_pdu *pdu)
{
	uint8_t *b;
	size_t n;

	assert_true(hr_ok(rpc_client_recv_pdu(c, mem, &b, &n)));
	assert_int_equal(rpc_pdu_parse(mem, b, n, pdu, NULL), RPC_PDU_OK);
}

/* The answer's SPNEGO token, parsed. */
static void answer_token(const struct rpc_pdu *pdu, struct spnego_token *t)
{
	assert_true(pdu->has_auth);
	assert_int_equal(pdu->auth.auth_type, RPC_AUTHN_GSS_NEGOTIATE);
	assert_true(hr_ok(
	        spnego_parse(pdu->auth_value, pdu->hdr.auth_length, t, NULL)));
	assert_int_equal(t->kind, SPNEGO_RESP);
}

static void test_kerberos_only_offer(void **state)
{
	void *mem = talloc_new(NULL);
	struct rpc_client *c = connect_ts(mem, *state);
	struct spnego_blob mechs[2] = { spnego_oid_ms_krb5, spnego_oid_krb5 };
	struct spnego_blob ap = { (const uint8_t *)"\x60\x02\x01\x00", 4 };
	struct spnego_blob none = { NULL, 0 };
	uint8_t *ml, *tok;
	size_t ml_len, tok_len;
	struct rpc_pdu pdu;

	assert_true(hr_ok(spnego_build_mech_list(mem, mechs, 2, &ml, &ml_len)));
	assert_true(
	        hr_ok(spnego_build_init(mem, (struct spnego_blob){ ml, ml_len },
	                                ap, none, &tok, &tok_len)));
	send_bind(c, mem, false, RPC_AUTHN_LEVEL_PKT_INTEGRITY, tok, tok_len);
	recv_pdu(c, mem, &pdu);
	assert_int_equal(pdu.hdr.ptype, RPC_PTYPE_BIND_NAK);
	assert_int_equal(pdu.u.bind_nak.reject_reason,
	                 RPC_NAK_AUTHENTICATION_TYPE_NOT_RECOGNIZED);
	rpc_client_close(c);
	/* Garbage where the NegTokenInit should be: refused too. */
	c = connect_ts(mem, *state);
	send_bind(c, mem, false, RPC_AUTHN_LEVEL_PKT_INTEGRITY,
	          (const uint8_t *)"NTLMSSP", 8);
	recv_pdu(c, mem, &pdu);
	assert_int_equal(pdu.hdr.ptype, RPC_PTYPE_BIND_NAK);
	rpc_client_close(c);
	talloc_free(mem);
}

struct manual {
	void *mem;
	struct rpc_client *c;
	struct ntlm_client *nc;
	uint8_t *ml;
	size_t ml_len;
};

/* Binds offering [mechs]; returns the bind_ack's token. */
static void manual_bind(struct manual *m,
                        struct rpctest_server *ts,
                        const struct spnego_blob *mechs,
                        size_t n,
                        bool optimistic,
                        struct spnego_token *ans)
{
	struct ntlm_client_config cfg = { .user = "alice",
		                          .domain = "WORKGROUP",
		                          .password = "Secret#1" };
	struct spnego_blob none = { NULL, 0 }, nt;
	const uint8_t *neg;
	size_t neg_len, tok_len;
	uint8_t *tok;
	struct rpc_pdu pdu;

	m->mem = talloc_new(NULL);
	m->c = connect_ts(m->mem, ts);
	m->nc = ntlm_client_new(m->mem, &cfg);
	assert_non_null(m->nc);
	assert_true(hr_ok(ntlm_client_negotiate(m->nc, &neg, &neg_len, NULL)));
	nt.p = neg;
	nt.len = neg_len;
	assert_true(hr_ok(
	        spnego_build_mech_list(m->mem, mechs, n, &m->ml, &m->ml_len)));
	assert_true(hr_ok(spnego_build_init(
	        m->mem, (struct spnego_blob){ m->ml, m->ml_len },
	        optimistic ? nt : none, none, &tok, &tok_len)));
	send_bind(m->c, m->mem, false, RPC_AUTHN_LEVEL_CONNECT, tok, tok_len);
	recv_pdu(m->c, m->mem, &pdu);
	assert_int_equal(pdu.hdr.ptype, RPC_PTYPE_BIND_ACK);
	answer_token(&pdu, ans);
}

/* Sends NegTokenResp(responseToken [tok], mechListMIC [mic]) in an
   alter_context and returns the answer. */
static void manual_alter(struct manual *m,
                         const uint8_t *tok,
                         size_t len,
                         const uint8_t *mic,
                         struct rpc_pdu *pdu)
{
	struct spnego_blob none = { NULL, 0 };
	struct spnego_blob t = { tok, len }, mm = { mic, NTLM_SIG_SIZE };
	uint8_t *out;
	size_t out_len;

	assert_true(hr_ok(spnego_build_resp(m->mem, SPNEGO_STATE_ABSENT, none,
	                                    t, mic != NULL ? mm : none, &out,
	                                    &out_len)));
	send_bind(m->c, m->mem, true, RPC_AUTHN_LEVEL_CONNECT, out, out_len);
	recv_pdu(m->c, m->mem, pdu);
}

/* A request at level connect (no verifier): WhoAmI under context 0. */
static void manual_whoami(struct manual *m, bool expect_ok)
{
	struct rpc_pdu pdu, ans;
	uint8_t *out;
	size_t out_len;

	rpc_pdu_init(&pdu, RPC_PTYPE_REQUEST, call_id++);
	pdu.u.request.p_cont_id = 0;
	pdu.u.request.opnum = RPCTEST_OP_WHOAMI;
	assert_int_equal(rpc_pdu_build(m->mem, &pdu, &out, &out_len),
	                 RPC_PDU_OK);
	assert_true(hr_ok(rpc_client_send(m->c, out, out_len)));
	recv_pdu(m->c, m->mem, &ans);
	if (expect_ok) {
		assert_int_equal(ans.hdr.ptype, RPC_PTYPE_RESPONSE);
		assert_memory_equal(ans.stub, "user=alice", 10);
	} else {
		assert_int_equal(ans.hdr.ptype, RPC_PTYPE_FAULT);
	}
}

static void manual_end(struct manual *m)
{
	rpc_client_close(m->c);
	talloc_free(m->mem);
}

/* NTLM offered second: request-mic, then NEGOTIATE, CHALLENGE,
   AUTHENTICATE with the MIC the server now requires. */
static void ntlm_second(struct rpctest_server *ts, int mic_kind)
{
	struct spnego_blob mechs[2] = { spnego_oid_ms_krb5, spnego_oid_ntlm };
	struct manual m;
	struct spnego_token t;
	struct rpc_pdu pdu;
	const uint8_t *neg, *am;
	size_t neg_len, am_len;
	uint8_t mic[NTLM_SIG_SIZE];
	struct ntlm_session *s;

	manual_bind(&m, ts, mechs, 2, false, &t);
	assert_int_equal(t.neg_state, SPNEGO_REQUEST_MIC);
	assert_true(spnego_oid_eq(t.supported_mech, spnego_oid_ntlm));
	assert_null(t.response_token.p);
	/* The NEGOTIATE leg, from a fresh NTLM client (the bind's was not
	   sent). */
	{
		struct ntlm_client_config cfg = { .user = "alice",
			                          .domain = "WORKGROUP",
			                          .password = "Secret#1" };

		m.nc = ntlm_client_new(m.mem, &cfg);
		assert_true(hr_ok(
		        ntlm_client_negotiate(m.nc, &neg, &neg_len, NULL)));
	}
	manual_alter(&m, neg, neg_len, NULL, &pdu);
	assert_int_equal(pdu.hdr.ptype, RPC_PTYPE_ALTER_CONTEXT_RESP);
	answer_token(&pdu, &t);
	assert_int_equal(t.neg_state, SPNEGO_ACCEPT_INCOMPLETE);
	assert_non_null(t.response_token.p);
	assert_true(hr_ok(ntlm_client_authenticate(m.nc, t.response_token.p,
	                                           t.response_token.len, &am,
	                                           &am_len, NULL)));
	s = ntlm_client_session(m.nc);
	assert_true(hr_ok(ntlm_sign(s, m.ml, m.ml_len, mic)));
	if (mic_kind == 1) {
		mic[15] ^= 1;
	}
	manual_alter(&m, am, am_len, mic_kind == 2 ? NULL : mic, &pdu);
	if (mic_kind != 0) {
		/* A bad or missing MIC: the context is refused. */
		assert_int_equal(pdu.hdr.ptype, RPC_PTYPE_FAULT);
		assert_true(hr_eq(rpc_fault_to_hresult(pdu.u.fault.status),
		                  HR_E_ACCESSDENIED));
		manual_whoami(&m, false);
	} else {
		assert_int_equal(pdu.hdr.ptype, RPC_PTYPE_ALTER_CONTEXT_RESP);
		answer_token(&pdu, &t);
		assert_int_equal(t.neg_state, SPNEGO_ACCEPT_COMPLETED);
		assert_int_equal(t.mech_list_mic.len, NTLM_SIG_SIZE);
		assert_true(hr_ok(ntlm_verify(s, m.ml, m.ml_len,
		                              t.mech_list_mic.p, NULL)));
		manual_whoami(&m, true);
	}
	manual_end(&m);
}

static void test_ntlm_second_with_mic(void **state)
{
	ntlm_second(*state, 0);
}

static void test_ntlm_second_bad_mic(void **state)
{
	ntlm_second(*state, 1);
}

static void test_ntlm_second_without_mic(void **state)
{
	ntlm_second(*state, 2);
}

/* NTLM first, optimistic NEGOTIATE, a MIC that does not verify. */
static void test_bad_mic(void **state)
{
	struct manual m;
	struct spnego_token t;
	struct rpc_pdu pdu;
	const uint8_t *am;
	size_t am_len;
	uint8_t mic[NTLM_SIG_SIZE];

	manual_bind(&m, *state, &spnego_oid_ntlm, 1, true, &t);
	assert_int_equal(t.neg_state, SPNEGO_ACCEPT_INCOMPLETE);
	assert_true(spnego_oid_eq(t.supported_mech, spnego_oid_ntlm));
	assert_true(hr_ok(ntlm_client_authenticate(m.nc, t.response_token.p,
	                                           t.response_token.len, &am,
	                                           &am_len, NULL)));
	memset(mic, 0x33, sizeof(mic));
	manual_alter(&m, am, am_len, mic, &pdu);
	assert_int_equal(pdu.hdr.ptype, RPC_PTYPE_FAULT);
	manual_whoami(&m, false);
	manual_end(&m);
}

/* NTLM first without a MIC: allowed (what older clients send). */
static void test_no_mic_when_first(void **state)
{
	struct manual m;
	struct spnego_token t;
	struct rpc_pdu pdu;
	const uint8_t *am;
	size_t am_len;

	manual_bind(&m, *state, &spnego_oid_ntlm, 1, true, &t);
	assert_true(hr_ok(ntlm_client_authenticate(m.nc, t.response_token.p,
	                                           t.response_token.len, &am,
	                                           &am_len, NULL)));
	manual_alter(&m, am, am_len, NULL, &pdu);
	assert_int_equal(pdu.hdr.ptype, RPC_PTYPE_ALTER_CONTEXT_RESP);
	answer_token(&pdu, &t);
	assert_int_equal(t.neg_state, SPNEGO_ACCEPT_COMPLETED);
	assert_null(t.mech_list_mic.p);
	manual_whoami(&m, true);
	manual_end(&m);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_auth3_connect),
		cmocka_unit_test(test_auth3_integrity),
		cmocka_unit_test(test_auth3_privacy),
		cmocka_unit_test(test_alter_connect),
		cmocka_unit_test(test_alter_integrity),
		cmocka_unit_test(test_alter_privacy),
		cmocka_unit_test(test_wrong_password),
		cmocka_unit_test(test_kerberos_only_offer),
		cmocka_unit_test(test_ntlm_second_with_mic),
		cmocka_unit_test(test_ntlm_second_bad_mic),
		cmocka_unit_test(test_ntlm_second_without_mic),
		cmocka_unit_test(test_bad_mic),
		cmocka_unit_test(test_no_mic_when_first),
	};

	return cmocka_run_group_tests(tests, setup, teardown);
}
