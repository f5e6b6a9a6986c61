/*
 * Unit tests for the ntlm server, client and session security: the
 * Impacket captures (data/, from shared/interop/captures: user alice,
 * password Passw0rd!, domain TESTDOM), the refusal policy, replay and
 * reorder detection, and an in-process client/server round trip.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#include <cmocka.h>

#include <stdlib.h>
#include <string.h>
#include <talloc.h>

#include "ntlm/crypto.h"
#include "ntlm/msg.h"
#include "ntlm/ntlm.h"
#include "util.h"

/* ---- the account store stand-in ---- */

struct accounts {
	const char *user;
	const char *password;
	int calls;
};

static hresult get_hash(void *arg,
                        const char *user,
                        const char *domain,
                        uint8_t h[16])
{
	struct accounts *a = arg;

	(void)domain;
	a->calls++;
	if (strcasecmp(user, a->user) != 0) {
		return HR_HR_ERROR_LOGON_FAILURE;
	}
	return ntlm_nt_hash(a->password, h);
}

/* The server challenge comes from the hook: the capture's, or fixed. */
static uint8_t next_challenge[8];

static hresult fixed_random(void *arg, uint8_t *p, size_t n)
{
	(void)arg;
	for (size_t i = 0; i < n; i++) {
		p[i] = next_challenge[i % 8];
	}
	return HR_OK;
}

static struct ntlm_server *make_server(void *mem, struct accounts *acc)
{
	struct ntlm_server_config cfg = {
		.nb_computer = "FAKEWMI",
		.nb_domain = "WORKGROUP",
		.dns_computer = "fakewmi.local",
		.dns_domain = "local",
		.get_nt_hash = get_hash,
		.get_nt_hash_arg = acc,
		.hooks = { .random = fixed_random },
	};

	return ntlm_server_new(mem, &cfg);
}

/* Runs a captured handshake ([neg], [chal] and [auth] are PDU files). */
static struct ntlm_server *replay_handshake(void *mem,
                                            struct accounts *acc,
                                            const char *neg_file,
                                            const char *chal_file,
                                            const char *auth_file)
{
	size_t n;
	size_t tlen;
	uint8_t *pdu;
	const uint8_t *tok;
	const uint8_t *out;
	size_t out_len;
	struct ntlm_server *s = make_server(mem, acc);
	struct ntlm_challenge *ch = NULL;

	assert_non_null(s);
	/* the harness's challenge: offset 24 of its CHALLENGE */
	pdu = load_capture(mem, chal_file, &n);
	assert_non_null(pdu);
	tok = pdu_token(pdu, &tlen);
	assert_true(hr_ok(ntlm_challenge_parse(mem, tok, tlen, &ch, NULL)));
	memcpy(next_challenge, tok + 24, 8);

	pdu = load_capture(mem, neg_file, &n);
	assert_non_null(pdu);
	tok = pdu_token(pdu, &tlen);
	assert_true(hr_ok(
	        ntlm_server_negotiate(s, tok, tlen, &out, &out_len, NULL)));
	assert_memory_equal(out + 24, next_challenge, 8);

	pdu = load_capture(mem, auth_file, &n);
	assert_non_null(pdu);
	tok = pdu_token(pdu, &tlen);
	assert_true(hr_ok(ntlm_server_authenticate(s, tok, tlen, NULL)));
	return s;
}

static void assert_key(const uint8_t got[16], const char *hex)
{
	size_t n;
	uint8_t *want = unhex(NULL, hex, &n);

	assert_int_equal(n, 16);
	assert_memory_equal(got, want, 16);
	talloc_free(want);
}

/* captures/README.md, session c: identity and every derived key. */
static void test_capture_c_keys(void **state)
{
	void *mem = talloc_new(NULL);
	struct accounts acc = { "alice", "Passw0rd!", 0 };
	struct ntlm_server *s = replay_handshake(mem, &acc, "c01_", "c02_",
	                                         "c03_");
	const struct ntlm_identity *id = ntlm_server_identity(s);
	struct ntlm_session_keys k;

	(void)state;
	assert_memory_equal(next_challenge, "\x9b\xa6\x93\x80\xf3\x23\x64\x4a",
	                    8);
	assert_string_equal(id->user, "alice");
	assert_string_equal(id->domain, "TESTDOM");
	assert_string_equal(id->workstation, "");
	assert_int_equal(id->flags, 0xe0888235u);
	assert_false(id->anonymous);
	assert_int_equal(acc.calls, 1);
	ntlm_session_get_keys(ntlm_server_session(s), &k);
	assert_key(k.exported, "4b6f7067496e6f55423854463246654e");
	assert_key(k.client_sign, "05a86a5bb47019a0c1756162f89fdb50");
	assert_key(k.client_seal, "1fc99e0b9e25383bb174551ad219bda9");
	assert_key(k.server_sign, "0b9a5f855d1ecf4523f0912aa2180de8");
	assert_key(k.server_seal, "9e6d3693b821d37f759ce961dd9c031f");
	talloc_free(mem);
}

/* captures/README.md, session d. */
static void test_capture_d_keys(void **state)
{
	void *mem = talloc_new(NULL);
	struct accounts acc = { "alice", "Passw0rd!", 0 };
	struct ntlm_server *s = replay_handshake(mem, &acc, "d01_", "d02_",
	                                         "d03_");
	struct ntlm_session_keys k;

	(void)state;
	ntlm_session_get_keys(ntlm_server_session(s), &k);
	assert_key(k.exported, "45575971665a644e4b744b696c6b7546");
	assert_key(k.client_sign, "e8b7c4bcc388c2caa87674494e3152c6");
	assert_key(k.client_seal, "55c512c759e47080746f39f0e6f57f2a");
	assert_key(k.server_sign, "5a3a8207561e5099cb0646268a315a59");
	assert_key(k.server_seal, "6317485d684f52297dd4afa61be36b42");
	talloc_free(mem);
}

/* Offsets of a request/response PDU: stub start, sec_trailer, verifier. */
struct pdu_parts {
	size_t stub;     /* first stub byte */
	size_t trailer;  /* sec_trailer offset */
	size_t pad;      /* auth_pad_length */
	size_t verifier; /* = trailer + 8 */
	size_t frag;
};

static void split_pdu(const uint8_t *pdu, struct pdu_parts *p)
{
	p->frag = le16(pdu + 8);
	p->verifier = p->frag - le16(pdu + 10);
	p->trailer = p->verifier - 8;
	p->pad = pdu[p->trailer + 2];
	/* PFC_OBJECT_UUID (0x80) on a request adds 16 bytes */
	p->stub = 24 + ((pdu[2] == 0 && (pdu[3] & 0x80) != 0) ? 16 : 0);
}

/* c04 (sealed request) unseals to c05 with the client's seq 0. */
static void test_capture_c04_unseals_to_c05(void **state)
{
	void *mem = talloc_new(NULL);
	struct accounts acc = { "alice", "Passw0rd!", 0 };
	struct ntlm_server *s = replay_handshake(mem, &acc, "c01_", "c02_",
	                                         "c03_");
	size_t n;
	size_t plain_len;
	uint8_t *pdu = load_capture(mem, "c04_", &n);
	uint8_t *plain = load_capture(mem, "c05_", &plain_len);
	struct pdu_parts p;
	struct errinfo ei;

	(void)state;
	split_pdu(pdu, &p);
	err_clear(&ei);
	assert_true(hr_ok(ntlm_unseal_region(
	        ntlm_server_session(s), pdu, p.trailer + 8, p.stub,
	        p.trailer - p.stub, pdu + p.verifier, &ei)));
	assert_int_equal(p.trailer - p.stub - p.pad, plain_len);
	assert_memory_equal(pdu + p.stub, plain, plain_len);
	talloc_free(mem);
}

/* c09 is what our server writes when it seals c08 (server seq 0). */
static void test_capture_c09_is_our_seal_of_c08(void **state)
{
	void *mem = talloc_new(NULL);
	struct accounts acc = { "alice", "Passw0rd!", 0 };
	struct ntlm_server *s = replay_handshake(mem, &acc, "c01_", "c02_",
	                                         "c03_");
	struct ntlm_session *ss = ntlm_server_session(s);
	size_t n;
	size_t plain_len;
	size_t req_len;
	uint8_t *want = load_capture(mem, "c09_", &n);
	uint8_t *plain = load_capture(mem, "c08_", &plain_len);
	uint8_t *req = load_capture(mem, "c04_", &req_len);
	uint8_t *pdu = talloc_memdup(mem, want, n);
	uint8_t sig[16];
	struct pdu_parts p;
	struct pdu_parts rq;

	(void)state;
	/* the request first, to keep the receive stream in step */
	split_pdu(req, &rq);
	assert_true(hr_ok(ntlm_unseal_region(ss, req, rq.trailer + 8, rq.stub,
	                                     rq.trailer - rq.stub,
	                                     req + rq.verifier, NULL)));
	split_pdu(pdu, &p);
	assert_int_equal(p.trailer - p.stub - p.pad, plain_len);
	memcpy(pdu + p.stub, plain, plain_len);
	/* the harness's pad bytes are whatever c09 decrypts to; keep them */
	assert_true(hr_ok(ntlm_seal_region(ss, pdu, p.trailer + 8, p.stub,
	                                   p.trailer - p.stub, sig)));
	assert_memory_equal(pdu + p.stub, want + p.stub, plain_len);
	assert_memory_equal(sig, want + p.verifier, 16);
	talloc_free(mem);
}

/* d04 (signed request) verifies; its stub is d05. */
static void test_capture_d04_verifies(void **state)
{
	void *mem = talloc_new(NULL);
	struct accounts acc = { "alice", "Passw0rd!", 0 };
	struct ntlm_server *s = replay_handshake(mem, &acc, "d01_", "d02_",
	                                         "d03_");
	struct ntlm_session *ss = ntlm_server_session(s);
	size_t n;
	size_t stub_len;
	uint8_t *pdu = load_capture(mem, "d04_", &n);
	uint8_t *stub = load_capture(mem, "d05_", &stub_len);
	uint8_t *resp = load_capture(mem, "d07_", &n);
	uint8_t sig[16];
	struct pdu_parts p;

	(void)state;
	split_pdu(pdu, &p);
	assert_memory_equal(pdu + p.stub, stub, stub_len);
	assert_true(hr_ok(
	        ntlm_verify(ss, pdu, p.trailer + 8, pdu + p.verifier, NULL)));
	/* d07: the server's signature over its response, seq 0 */
	split_pdu(resp, &p);
	assert_true(hr_ok(ntlm_sign(ss, resp, p.trailer + 8, sig)));
	assert_memory_equal(sig, resp + p.verifier, 16);
	talloc_free(mem);
}

/* A tampered byte in c04 is caught, and breaks the session. */
static void test_capture_tampered_c04_fails(void **state)
{
	void *mem = talloc_new(NULL);
	struct accounts acc = { "alice", "Passw0rd!", 0 };
	struct ntlm_server *s = replay_handshake(mem, &acc, "c01_", "c02_",
	                                         "c03_");
	size_t n;
	uint8_t *pdu = load_capture(mem, "c04_", &n);
	struct pdu_parts p;
	struct errinfo ei;
	uint8_t sig[16];

	(void)state;
	split_pdu(pdu, &p);
	pdu[p.stub + 100] ^= 0x40;
	err_clear(&ei);
	assert_int_equal(ntlm_unseal_region(ntlm_server_session(s), pdu,
	                                    p.trailer + 8, p.stub,
	                                    p.trailer - p.stub,
	                                    pdu + p.verifier, &ei)
	                         .v,
	                 HR_RPC_S_SEC_PKG_ERROR.v);
	assert_non_null(strstr(ei.msg, "mismatch"));
	assert_int_equal(ntlm_sign(ntlm_server_session(s), pdu, 8, sig).v,
	                 HR_RPC_S_SEC_PKG_ERROR.v);
	talloc_free(mem);
}

/* The wrong password and an unknown user are both a logon failure. */
static void test_wrong_password_is_logon_failure(void **state)
{
	void *mem = talloc_new(NULL);
	struct accounts acc = { "alice", "Passw0rd?", 0 };
	struct accounts nobody = { "bob", "Passw0rd!", 0 };
	struct ntlm_server *s;
	const uint8_t *tok;
	size_t tlen;
	size_t n;
	const uint8_t *out;
	size_t out_len;
	uint8_t *neg = load_capture(mem, "c01_", &n);
	uint8_t *auth = load_capture(mem, "c03_", &n);
	struct errinfo ei;

	(void)state;
	memcpy(next_challenge, "\x9b\xa6\x93\x80\xf3\x23\x64\x4a", 8);
	s = make_server(mem, &acc);
	tok = pdu_token(neg, &tlen);
	ntlm_server_negotiate(s, tok, tlen, &out, &out_len, NULL);
	tok = pdu_token(auth, &tlen);
	err_clear(&ei);
	assert_int_equal(ntlm_server_authenticate(s, tok, tlen, &ei).v,
	                 0x8007052Eu);
	assert_non_null(strstr(ei.msg, "wrong password"));
	assert_int_equal(acc.calls, 2); /* "TESTDOM", then "" */
	assert_null(ntlm_server_session(s));
	assert_null(ntlm_server_identity(s));
	/* a second try on the same context is refused */
	assert_int_equal(ntlm_server_authenticate(s, tok, tlen, NULL).v,
	                 HR_RPC_S_SEC_PKG_ERROR.v);

	s = make_server(mem, &nobody);
	tok = pdu_token(neg, &tlen);
	ntlm_server_negotiate(s, tok, tlen, &out, &out_len, NULL);
	tok = pdu_token(auth, &tlen);
	err_clear(&ei);
	assert_int_equal(ntlm_server_authenticate(s, tok, tlen, &ei).v,
	                 HR_HR_ERROR_LOGON_FAILURE.v);
	assert_non_null(strstr(ei.msg, "unknown user"));

	/* the right password but another challenge: also a failure */
	memcpy(next_challenge, "\x9b\xa6\x93\x80\xf3\x23\x64\x4b", 8);
	s = make_server(mem, &(struct accounts){ "alice", "Passw0rd!", 0 });
	tok = pdu_token(neg, &tlen);
	ntlm_server_negotiate(s, tok, tlen, &out, &out_len, NULL);
	tok = pdu_token(auth, &tlen);
	assert_int_equal(ntlm_server_authenticate(s, tok, tlen, NULL).v,
	                 HR_HR_ERROR_LOGON_FAILURE.v);
	talloc_free(mem);
}

/* A client/server pair in one process; the server sends a timestamp. */
struct pair {
	struct accounts acc;
	struct ntlm_server *srv;
	struct ntlm_client *cli;
	const uint8_t *auth;
	size_t auth_len;
};

static void make_pair(void *mem, struct pair *p, const char *password)
{
	struct ntlm_client_config cc = {
		.user = "alice",
		.domain = "TESTDOM",
		.password = password,
		.workstation = "LINUXBOX",
		.target_spn = "host/fakewmi",
	};
	const uint8_t *out;
	size_t out_len;

	p->acc = (struct accounts){ "alice", "Passw0rd!", 0 };
	memcpy(next_challenge, "\x01\x02\x03\x04\x05\x06\x07\x08", 8);
	p->srv = make_server(mem, &p->acc);
	p->cli = ntlm_client_new(mem, &cc);
	assert_non_null(p->cli);
	assert_true(hr_ok(ntlm_client_negotiate(p->cli, &out, &out_len, NULL)));
	assert_true(hr_ok(ntlm_server_negotiate(p->srv, out, out_len, &out,
	                                        &out_len, NULL)));
	assert_true(hr_ok(ntlm_client_authenticate(
	        p->cli, out, out_len, &p->auth, &p->auth_len, NULL)));
}

/* The client sends a MIC (the challenge has a timestamp); it verifies. */
static void test_roundtrip_with_mic(void **state)
{
	void *mem = talloc_new(NULL);
	struct pair p;
	struct ntlm_authenticate *a = NULL;
	struct ntlm_v2_blob blob;
	const struct ntlm_av_pair *f;

	(void)state;
	make_pair(mem, &p, "Passw0rd!");
	assert_true(hr_ok(
	        ntlm_authenticate_parse(mem, p.auth, p.auth_len, &a, NULL)));
	assert_true(a->has_mic_room);
	assert_true(hr_ok(ntlm_v2_blob_parse(mem, a->nt_response + 16,
	                                     a->nt_response_len - 16, &blob,
	                                     NULL)));
	f = ntlm_av_find(&blob.av, NTLM_AV_FLAGS);
	assert_non_null(f);
	assert_int_equal(f->value[0] & NTLM_AVF_MIC_PRESENT, 2);
	assert_non_null(ntlm_av_find(&blob.av, NTLM_AV_TARGET_NAME));
	/* Z(24) as LM response when a timestamp was given (3.1.5.1.2) */
	assert_int_equal(a->lm_response_len, 24);
	assert_memory_equal(a->lm_response, (uint8_t[24]){ 0 }, 24);
	assert_true(hr_ok(
	        ntlm_server_authenticate(p.srv, p.auth, p.auth_len, NULL)));
	assert_string_equal(ntlm_server_identity(p.srv)->workstation,
	                    "LINUXBOX");
	talloc_free(mem);
}

/* A changed MIC byte, or a change the MIC covers, is refused. */
static void test_tampered_mic_fails(void **state)
{
	void *mem = talloc_new(NULL);
	struct pair p;
	uint8_t *bad;
	struct errinfo ei;
	struct ntlm_authenticate *a = NULL;

	(void)state;
	make_pair(mem, &p, "Passw0rd!");
	bad = talloc_memdup(mem, p.auth, p.auth_len);
	bad[NTLM_MIC_OFFSET + 3] ^= 1;
	err_clear(&ei);
	assert_int_equal(
	        ntlm_server_authenticate(p.srv, bad, p.auth_len, &ei).v,
	        HR_HR_ERROR_LOGON_FAILURE.v);
	assert_non_null(strstr(ei.msg, "MIC"));

	/* flip a bit of the workstation name: only the MIC covers it */
	make_pair(mem, &p, "Passw0rd!");
	bad = talloc_memdup(mem, p.auth, p.auth_len);
	assert_true(
	        hr_ok(ntlm_authenticate_parse(mem, bad, p.auth_len, &a, NULL)));
	for (size_t i = 88; i + 16 <= p.auth_len; i++) {
		if (memcmp(bad + i, "L\0I\0N\0U\0X\0", 10) == 0) {
			bad[i] = 'M';
			break;
		}
	}
	err_clear(&ei);
	assert_int_equal(
	        ntlm_server_authenticate(p.srv, bad, p.auth_len, &ei).v,
	        HR_HR_ERROR_LOGON_FAILURE.v);
	assert_non_null(strstr(ei.msg, "MIC mismatch"));
	talloc_free(mem);
}

/* Wrong password through our own client. */
static void test_client_wrong_password(void **state)
{
	void *mem = talloc_new(NULL);
	struct pair p;

	(void)state;
	make_pair(mem, &p, "passw0rd!");
	assert_int_equal(
	        ntlm_server_authenticate(p.srv, p.auth, p.auth_len, NULL).v,
	        HR_HR_ERROR_LOGON_FAILURE.v);
	talloc_free(mem);
}

/* An NTLMv1-only AUTHENTICATE (24-byte responses) is refused. */
static void test_ntlmv1_refused(void **state)
{
	void *mem = talloc_new(NULL);
	struct accounts acc = { "alice", "Passw0rd!", 0 };
	struct ntlm_server *s = make_server(mem, &acc);
	struct ntlm_authenticate a;
	uint8_t lm[24];
	uint8_t nt[24];
	uint8_t *msg;
	size_t n;
	size_t tlen;
	const uint8_t *out;
	size_t out_len;
	uint8_t *neg = load_capture(mem, "c01_", &n);
	const uint8_t *tok = pdu_token(neg, &tlen);

	(void)state;
	memset(lm, 0x11, sizeof(lm));
	memset(nt, 0x22, sizeof(nt));
	memset(&a, 0, sizeof(a));
	a.flags = 0x00008205u; /* NTLM, UNICODE, REQUEST_TARGET, ALWAYS_SIGN */
	a.user = "alice";
	a.domain = "TESTDOM";
	a.lm_response = lm;
	a.lm_response_len = 24;
	a.nt_response = nt;
	a.nt_response_len = 24;
	assert_true(
	        hr_ok(ntlm_authenticate_build(mem, &a, &msg, &n, NULL, NULL)));
	ntlm_server_negotiate(s, tok, tlen, &out, &out_len, NULL);
	assert_int_equal(ntlm_server_authenticate(s, msg, n, NULL).v,
	                 HR_E_ACCESSDENIED.v);
	assert_int_equal(acc.calls, 0);

	/* LM only (no NT response) is refused too */
	a.nt_response_len = 0;
	assert_true(
	        hr_ok(ntlm_authenticate_build(mem, &a, &msg, &n, NULL, NULL)));
	s = make_server(mem, &acc);
	ntlm_server_negotiate(s, tok, tlen, &out, &out_len, NULL);
	assert_int_equal(ntlm_server_authenticate(s, msg, n, NULL).v,
	                 HR_E_ACCESSDENIED.v);
	talloc_free(mem);
}

/* Anonymous is refused unless configured. */
static void test_anonymous_policy(void **state)
{
	void *mem = talloc_new(NULL);
	struct accounts acc = { "alice", "Passw0rd!", 0 };
	struct ntlm_server_config cfg = {
		.nb_computer = "FAKEWMI",
		.nb_domain = "WORKGROUP",
		.get_nt_hash = get_hash,
		.get_nt_hash_arg = &acc,
	};
	struct ntlm_server *s = ntlm_server_new(mem, &cfg);
	struct ntlm_authenticate a;
	uint8_t z = 0;
	uint8_t *msg;
	size_t n;
	size_t tlen;
	const uint8_t *out;
	size_t out_len;
	uint8_t *neg = load_capture(mem, "c01_", &n);
	const uint8_t *tok = pdu_token(neg, &tlen);

	(void)state;
	memset(&a, 0, sizeof(a));
	a.flags = NTLMSSP_NEGOTIATE_UNICODE | NTLMSSP_NEGOTIATE_NTLM |
	          NTLMSSP_ANONYMOUS;
	a.lm_response = &z;
	a.lm_response_len = 1;
	assert_true(
	        hr_ok(ntlm_authenticate_build(mem, &a, &msg, &n, NULL, NULL)));
	ntlm_server_negotiate(s, tok, tlen, &out, &out_len, NULL);
	assert_int_equal(ntlm_server_authenticate(s, msg, n, NULL).v,
	                 HR_E_ACCESSDENIED.v);

	cfg.allow_anonymous = true;
	s = ntlm_server_new(mem, &cfg);
	ntlm_server_negotiate(s, tok, tlen, &out, &out_len, NULL);
	assert_true(hr_ok(ntlm_server_authenticate(s, msg, n, NULL)));
	assert_true(ntlm_server_identity(s)->anonymous);
	assert_int_equal(acc.calls, 0);
	talloc_free(mem);
}

/* Reordered and replayed messages fail verification. */
static void test_replay_and_reorder_fail(void **state)
{
	void *mem = talloc_new(NULL);
	struct pair p;
	struct ntlm_session *cs;
	struct ntlm_session *ss;
	uint8_t m0[32];
	uint8_t m1[32];
	uint8_t s0[16];
	uint8_t s1[16];
	struct errinfo ei;

	(void)state;
	make_pair(mem, &p, "Passw0rd!");
	ntlm_server_authenticate(p.srv, p.auth, p.auth_len, NULL);
	cs = ntlm_client_session(p.cli);
	ss = ntlm_server_session(p.srv);
	memset(m0, 'a', sizeof(m0));
	memset(m1, 'b', sizeof(m1));
	ntlm_sign(cs, m0, sizeof(m0), s0);
	ntlm_sign(cs, m1, sizeof(m1), s1);
	/* out of order: m1 first */
	err_clear(&ei);
	assert_int_equal(ntlm_verify(ss, m1, sizeof(m1), s1, &ei).v,
	                 HR_RPC_S_SEC_PKG_ERROR.v);
	assert_string_equal(ei.msg, "sequence number 1, expected 0");

	/* replay: m0 accepted once, then refused */
	make_pair(mem, &p, "Passw0rd!");
	ntlm_server_authenticate(p.srv, p.auth, p.auth_len, NULL);
	cs = ntlm_client_session(p.cli);
	ss = ntlm_server_session(p.srv);
	ntlm_seal(cs, m0, sizeof(m0), s0);
	memcpy(m1, m0, sizeof(m0));
	assert_true(hr_ok(ntlm_unseal(ss, m0, sizeof(m0), s0, NULL)));
	err_clear(&ei);
	assert_int_equal(ntlm_unseal(ss, m1, sizeof(m1), s0, &ei).v,
	                 HR_RPC_S_SEC_PKG_ERROR.v);
	assert_string_equal(ei.msg, "sequence number 0, expected 1");

	/* a signature from the other direction does not verify either */
	make_pair(mem, &p, "Passw0rd!");
	ntlm_server_authenticate(p.srv, p.auth, p.auth_len, NULL);
	ss = ntlm_server_session(p.srv);
	ntlm_sign(ss, m0, sizeof(m0), s0);
	assert_true(hr_failed(ntlm_verify(ss, m0, sizeof(m0), s0, NULL)));
	talloc_free(mem);
}

/* 1,000 messages each way, signed and sealed, of varied sizes. */
static void test_roundtrip_1000_messages(void **state)
{
	void *mem = talloc_new(NULL);
	struct pair p;
	struct ntlm_session *cs;
	struct ntlm_session *ss;
	uint8_t *buf = talloc_array(mem, uint8_t, 5000);
	uint8_t *orig = talloc_array(mem, uint8_t, 5000);
	uint8_t sig[16];

	(void)state;
	make_pair(mem, &p, "Passw0rd!");
	assert_true(hr_ok(
	        ntlm_server_authenticate(p.srv, p.auth, p.auth_len, NULL)));
	cs = ntlm_client_session(p.cli);
	ss = ntlm_server_session(p.srv);
	srand(7);
	for (int i = 0; i < 1000; i++) {
		size_t len = (size_t)(rand() % 5000);
		size_t off = len ? (size_t)rand() % len : 0;
		size_t enc = len - off ? (size_t)rand() % (len - off) : 0;
		struct ntlm_session *tx = (i % 2) ? ss : cs;
		struct ntlm_session *rx = (i % 2) ? cs : ss;

		for (size_t j = 0; j < len; j++) {
			orig[j] = (uint8_t)rand();
		}
		memcpy(buf, orig, len);
		if (i % 3 == 0) {
			assert_true(hr_ok(ntlm_sign(tx, buf, len, sig)));
			assert_true(
			        hr_ok(ntlm_verify(rx, buf, len, sig, NULL)));
		} else {
			assert_true(hr_ok(
			        ntlm_seal_region(tx, buf, len, off, enc, sig)));
			if (enc >= 16) {
				assert_memory_not_equal(buf + off, orig + off,
				                        enc);
			}
			assert_true(hr_ok(ntlm_unseal_region(rx, buf, len, off,
			                                     enc, sig, NULL)));
		}
		assert_memory_equal(buf, orig, len);
	}
	talloc_free(mem);
}

/* Calls out of order are refused. */
static void test_state_machine(void **state)
{
	void *mem = talloc_new(NULL);
	struct accounts acc = { "alice", "Passw0rd!", 0 };
	struct ntlm_server *s = make_server(mem, &acc);
	size_t n;
	size_t tlen;
	const uint8_t *out;
	size_t out_len;
	uint8_t *auth = load_capture(mem, "c03_", &n);
	const uint8_t *tok = pdu_token(auth, &tlen);

	(void)state;
	assert_int_equal(ntlm_server_authenticate(s, tok, tlen, NULL).v,
	                 HR_RPC_S_SEC_PKG_ERROR.v);
	s = make_server(mem, &acc);
	/* an AUTHENTICATE where a NEGOTIATE belongs */
	assert_int_equal(
	        ntlm_server_negotiate(s, tok, tlen, &out, &out_len, NULL).v,
	        HR_E_INVALIDARG.v);
	assert_null(ntlm_server_session(s));
	talloc_free(mem);
}

int main(int argc, char **argv)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_capture_c_keys),
		cmocka_unit_test(test_capture_d_keys),
		cmocka_unit_test(test_capture_c04_unseals_to_c05),
		cmocka_unit_test(test_capture_c09_is_our_seal_of_c08),
		cmocka_unit_test(test_capture_d04_verifies),
		cmocka_unit_test(test_capture_tampered_c04_fails),
		cmocka_unit_test(test_wrong_password_is_logon_failure),
		cmocka_unit_test(test_roundtrip_with_mic),
		cmocka_unit_test(test_tampered_mic_fails),
		cmocka_unit_test(test_client_wrong_password),
		cmocka_unit_test(test_ntlmv1_refused),
		cmocka_unit_test(test_anonymous_policy),
		cmocka_unit_test(test_replay_and_reorder_fail),
		cmocka_unit_test(test_roundtrip_1000_messages),
		cmocka_unit_test(test_state_machine),
	};

	if (argc > 1) {
		test_data_dir = argv[1];
	}
	return cmocka_run_group_tests(tests, NULL, NULL);
}
