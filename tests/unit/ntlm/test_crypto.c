/*
 * Unit tests for ntlm/crypto and the client against the MS-NLMP 4.2
 * examples, byte for byte.  Each test names the section its bytes come
 * from.  Common values (4.2.1): User "User", UserDom "Domain", Passwd
 * "Password", Server "Server", Workstation "COMPUTER", RandomSessionKey
 * 55 x 16, Time 0, ClientChallenge aa x 8, ServerChallenge
 * 01 23 45 67 89 ab cd ef.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#include <cmocka.h>

#include <string.h>
#include <talloc.h>

#include "ntlm/crypto.h"
#include "ntlm/msg.h"
#include "ntlm/ntlm.h"
#include "util.h"

static const uint8_t server_chal[8] = { 0x01, 0x23, 0x45, 0x67,
	                                0x89, 0xab, 0xcd, 0xef };
static const uint8_t client_chal[8] = { 0xaa, 0xaa, 0xaa, 0xaa,
	                                0xaa, 0xaa, 0xaa, 0xaa };

/* 4.2.4.1.3 temp (the NTLMv2_CLIENT_CHALLENGE with the AV pairs). */
static const char temp_hex[] = "01 01 00 00 00 00 00 00 00 00 00 00 00 00 00 00"
                               "aa aa aa aa aa aa aa aa 00 00 00 00 02 00 0c 00"
                               "44 00 6f 00 6d 00 61 00 69 00 6e 00 01 00 0c 00"
                               "53 00 65 00 72 00 76 00 65 00 72 00 00 00 00 00"
                               "00 00 00 00";

/* 4.2.4.3 CHALLENGE_MESSAGE. */
static const char challenge_hex[] =
        "4e 54 4c 4d 53 53 50 00 02 00 00 00 0c 00 0c 00"
        "38 00 00 00 33 82 8a e2 01 23 45 67 89 ab cd ef"
        "00 00 00 00 00 00 00 00 24 00 24 00 44 00 00 00"
        "06 00 70 17 00 00 00 0f 53 00 65 00 72 00 76 00"
        "65 00 72 00 02 00 0c 00 44 00 6f 00 6d 00 61 00"
        "69 00 6e 00 01 00 0c 00 53 00 65 00 72 00 76 00"
        "65 00 72 00 00 00 00 00";

/* 4.2.4.3 AUTHENTICATE_MESSAGE. */
static const char authenticate_hex[] =
        "4e 54 4c 4d 53 53 50 00 03 00 00 00 18 00 18 00"
        "6c 00 00 00 54 00 54 00 84 00 00 00 0c 00 0c 00"
        "48 00 00 00 08 00 08 00 54 00 00 00 10 00 10 00"
        "5c 00 00 00 10 00 10 00 d8 00 00 00 35 82 88 e2"
        "05 01 28 0a 00 00 00 0f 44 00 6f 00 6d 00 61 00"
        "69 00 6e 00 55 00 73 00 65 00 72 00 43 00 4f 00"
        "4d 00 50 00 55 00 54 00 45 00 52 00 86 c3 50 97"
        "ac 9c ec 10 25 54 76 4a 57 cc cc 19 aa aa aa aa"
        "aa aa aa aa 68 cd 0a b8 51 e5 1c 96 aa bc 92 7b"
        "eb ef 6a 1c 01 01 00 00 00 00 00 00 00 00 00 00"
        "00 00 00 00 aa aa aa aa aa aa aa aa 00 00 00 00"
        "02 00 0c 00 44 00 6f 00 6d 00 61 00 69 00 6e 00"
        "01 00 0c 00 53 00 65 00 72 00 76 00 65 00 72 00"
        "00 00 00 00 00 00 00 00 c5 da d2 54 4f c9 79 90"
        "94 ce 1c e9 0b c9 d0 3e";

static void assert_hex(const uint8_t *got, size_t got_len, const char *hex)
{
	void *mem = talloc_new(NULL);
	size_t n = 0;
	uint8_t *want = unhex(mem, hex, &n);

	assert_non_null(want);
	assert_int_equal(got_len, n);
	assert_memory_equal(got, want, n);
	talloc_free(mem);
}

/* 4.2.2.1.2 NTOWFv1() ("Password"). */
static void test_ntowfv1_4_2_2_1_2(void **state)
{
	uint8_t h[16];

	(void)state;
	assert_true(hr_ok(ntlm_nt_hash("Password", h)));
	assert_hex(h, 16, "a4 f4 9c 40 65 10 bd ca b6 82 4e e7 c3 0f d8 52");
}

/* 4.2.4.1.1 NTOWFv2() and LMOWFv2(). */
static void test_ntowfv2_4_2_4_1_1(void **state)
{
	uint8_t h[16];
	uint8_t k[16];

	(void)state;
	assert_true(hr_ok(ntlm_nt_hash("Password", h)));
	assert_true(hr_ok(ntlm_ntowfv2(h, "User", "Domain", k)));
	assert_hex(k, 16, "0c 86 8a 40 3b fd 7a 93 a3 00 1e f2 2e f0 2e 3f");
	/* the user name is folded to upper case, the domain is not */
	assert_true(hr_ok(ntlm_ntowfv2(h, "uSeR", "Domain", k)));
	assert_hex(k, 16, "0c 86 8a 40 3b fd 7a 93 a3 00 1e f2 2e f0 2e 3f");
	assert_true(hr_ok(ntlm_ntowfv2(h, "User", "DOMAIN", k)));
	assert_memory_not_equal(k, "\x0c\x86\x8a\x40", 4);
}

/* 4.2.4.2.2 NTLMv2 Response and 4.2.4.1.2 Session Base Key. */
static void test_ntproofstr_and_base_key_4_2_4_2_2(void **state)
{
	void *mem = talloc_new(NULL);
	uint8_t h[16];
	uint8_t k[16];
	uint8_t proof[16];
	uint8_t base[16];
	size_t tlen;
	uint8_t *temp = unhex(mem, temp_hex, &tlen);

	(void)state;
	assert_int_equal(tlen, 68);
	ntlm_nt_hash("Password", h);
	ntlm_ntowfv2(h, "User", "Domain", k);
	ntlm_ntproofstr(k, server_chal, temp, tlen, proof);
	assert_hex(proof, 16,
	           "68 cd 0a b8 51 e5 1c 96 aa bc 92 7b eb ef 6a 1c");
	ntlm_session_base_key(k, proof, base);
	assert_hex(base, 16, "8d e4 0c ca db c1 4a 82 f1 5c b0 ad 0d e9 5c a3");
	talloc_free(mem);
}

/* 4.2.4.2.1 LMv2 Response. */
static void test_lmv2_4_2_4_2_1(void **state)
{
	uint8_t h[16];
	uint8_t k[16];
	uint8_t lm[24];

	(void)state;
	ntlm_nt_hash("Password", h);
	ntlm_ntowfv2(h, "User", "Domain", k);
	ntlm_lmv2_response(k, server_chal, client_chal, lm);
	assert_hex(lm, 24,
	           "86 c3 50 97 ac 9c ec 10 25 54 76 4a 57 cc cc 19"
	           "aa aa aa aa aa aa aa aa");
}

/* 4.2.4.2.3 Encrypted Session Key: RC4(KeyExchangeKey, 55 x 16). */
static void test_encrypted_session_key_4_2_4_2_3(void **state)
{
	void *mem = talloc_new(NULL);
	size_t n;
	uint8_t *base = unhex(
	        mem, "8d e4 0c ca db c1 4a 82 f1 5c b0 ad 0d e9 5c a3", &n);
	uint8_t rnd[16];
	uint8_t enc[16];
	uint8_t back[16];

	(void)state;
	memset(rnd, 0x55, 16);
	ntlm_rc4(base, rnd, enc, 16);
	assert_hex(enc, 16, "c5 da d2 54 4f c9 79 90 94 ce 1c e9 0b c9 d0 3e");
	ntlm_rc4(base, enc, back, 16);
	assert_memory_equal(back, rnd, 16);
	talloc_free(mem);
}

/* 4.2.4.4 GSS_WrapEx: the seal and sign keys (client to server). */
static void test_keys_4_2_4_4(void **state)
{
	uint8_t rnd[16];
	uint8_t k[16];

	(void)state;
	memset(rnd, 0x55, 16);
	ntlm_seal_key(rnd, 0xe2888235u, true, k);
	assert_hex(k, 16, "59 f6 00 97 3c c4 96 0a 25 48 0a 7c 19 6e 4c 58");
	ntlm_sign_key(rnd, true, k);
	assert_hex(k, 16, "47 88 dc 86 1b 47 82 f3 5d 43 fd 98 fe 1a 2d 39");
}

/* 4.2.4.4 GSS_WrapEx: "Plaintext" sealed with sequence number 0. */
static void test_seal_4_2_4_4(void **state)
{
	void *mem = talloc_new(NULL);
	uint8_t rnd[16];
	uint8_t sig[16];
	uint8_t data[18];
	struct ntlm_session *cli;
	struct ntlm_session *srv;
	static const uint8_t plain[18] = { 'P', 0, 'l', 0, 'a', 0,
		                           'i', 0, 'n', 0, 't', 0,
		                           'e', 0, 'x', 0, 't', 0 };

	(void)state;
	memset(rnd, 0x55, 16);
	cli = ntlm_session_new(mem, rnd, 0xe2888235u, false);
	srv = ntlm_session_new(mem, rnd, 0xe2888235u, true);
	assert_non_null(cli);
	memcpy(data, plain, sizeof(data));
	assert_true(hr_ok(ntlm_seal(cli, data, sizeof(data), sig)));
	assert_hex(data, 18,
	           "54 e5 01 65 bf 19 36 dc 99 60 20 c1 81 1b 0f 06 fb 5f");
	assert_hex(sig, 16, "01 00 00 00 7f b3 8e c5 c5 5d 49 76 00 00 00 00");
	/* and the server side undoes it */
	assert_true(hr_ok(ntlm_unseal(srv, data, sizeof(data), sig, NULL)));
	assert_memory_equal(data, plain, sizeof(plain));
	talloc_free(mem);
}

/* 4.2.4.3 CHALLENGE_MESSAGE: parse, and build back the same bytes. */
static void test_challenge_message_4_2_4_3(void **state)
{
	void *mem = talloc_new(NULL);
	size_t n;
	uint8_t *msg = unhex(mem, challenge_hex, &n);
	struct ntlm_challenge *ch = NULL;
	uint8_t *out;
	size_t out_len;

	(void)state;
	assert_true(hr_ok(ntlm_challenge_parse(mem, msg, n, &ch, NULL)));
	assert_int_equal(ch->flags, 0xe28a8233u);
	assert_string_equal(ch->target_name, "Server");
	assert_memory_equal(ch->server_challenge, server_chal, 8);
	assert_true(ch->has_version);
	assert_int_equal(ch->version.major, 6);
	assert_int_equal(ch->version.build, 6000);
	assert_int_equal(ch->av.n, 2);
	assert_int_equal(ch->av.pairs[0].id, NTLM_AV_NB_DOMAIN_NAME);
	assert_int_equal(ch->av.pairs[1].id, NTLM_AV_NB_COMPUTER_NAME);
	assert_true(hr_ok(ntlm_challenge_build(mem, ch, &out, &out_len, NULL)));
	assert_int_equal(out_len, n);
	assert_memory_equal(out, msg, n);
	talloc_free(mem);
}

static int seq_random;

/* Yields aa x 8 (the client challenge), then 55 x 16 (the session key). */
static hresult spec_random(void *arg, uint8_t *p, size_t n)
{
	(void)arg;
	memset(p, seq_random++ == 0 ? 0xaa : 0x55, n);
	return HR_OK;
}

static uint64_t spec_now(void *arg)
{
	(void)arg;
	return 0;
}

/* 4.2.4.3 AUTHENTICATE_MESSAGE: our client writes exactly these bytes. */
static void test_client_authenticate_4_2_4_3(void **state)
{
	void *mem = talloc_new(NULL);
	struct ntlm_client_config cfg = {
		.user = "User",
		.domain = "Domain",
		.password = "Password",
		.workstation = "COMPUTER",
		.flags = 0xe2888235u,
		.version = { 5, 1, 2600, 0x0f },
		.hooks = { .random = spec_random, .now = spec_now },
	};
	struct ntlm_client *c;
	struct ntlm_session_keys keys;
	const uint8_t *out;
	size_t out_len;
	size_t n;
	uint8_t *chal = unhex(mem, challenge_hex, &n);

	(void)state;
	seq_random = 0;
	c = ntlm_client_new(mem, &cfg);
	assert_non_null(c);
	assert_true(hr_ok(ntlm_client_negotiate(c, &out, &out_len, NULL)));
	assert_true(hr_ok(
	        ntlm_client_authenticate(c, chal, n, &out, &out_len, NULL)));
	assert_hex(out, out_len, authenticate_hex);
	ntlm_session_get_keys(ntlm_client_session(c), &keys);
	memset(chal, 0x55, 16);
	assert_memory_equal(keys.exported, chal, 16);
	talloc_free(mem);
}

/* 4.2.4.3 AUTHENTICATE_MESSAGE parsed field by field. */
static void test_authenticate_parse_4_2_4_3(void **state)
{
	void *mem = talloc_new(NULL);
	size_t n;
	uint8_t *msg = unhex(mem, authenticate_hex, &n);
	struct ntlm_authenticate *a = NULL;
	struct ntlm_v2_blob blob;

	(void)state;
	assert_true(hr_ok(ntlm_authenticate_parse(mem, msg, n, &a, NULL)));
	assert_string_equal(a->user, "User");
	assert_string_equal(a->domain, "Domain");
	assert_string_equal(a->workstation, "COMPUTER");
	assert_int_equal(a->flags, 0xe2888235u);
	assert_true(a->has_version);
	assert_false(a->has_mic_room);
	assert_int_equal(a->version.build, 2600);
	assert_int_equal(a->lm_response_len, 24);
	assert_int_equal(a->nt_response_len, 84);
	assert_int_equal(a->enc_session_key_len, 16);
	assert_true(hr_ok(ntlm_v2_blob_parse(mem, a->nt_response + 16,
	                                     a->nt_response_len - 16, &blob,
	                                     NULL)));
	assert_int_equal(blob.timestamp, 0);
	assert_memory_equal(blob.client_challenge, client_chal, 8);
	assert_int_equal(blob.av.n, 2);
	talloc_free(mem);
}

static hresult spec_hash(void *arg,
                         const char *user,
                         const char *domain,
                         uint8_t h[16])
{
	(void)arg;
	(void)domain;
	if (strcmp(user, "User") != 0) {
		return HR_HR_ERROR_LOGON_FAILURE;
	}
	return ntlm_nt_hash("Password", h);
}

static hresult fixed_random(void *arg, uint8_t *p, size_t n)
{
	(void)arg;
	memcpy(p, server_chal, n < 8 ? n : 8);
	return HR_OK;
}

/* 4.2.4.3: our server accepts the spec's AUTHENTICATE and derives keys. */
static void test_server_accepts_4_2_4_3(void **state)
{
	void *mem = talloc_new(NULL);
	struct ntlm_server_config cfg = {
		.nb_computer = "Server",
		.nb_domain = "Domain",
		.get_nt_hash = spec_hash,
		.hooks = { .random = fixed_random },
	};
	struct ntlm_server *s = ntlm_server_new(mem, &cfg);
	static const uint8_t neg[32] = { 'N',  'T',  'L',  'M', 'S', 'S',
		                         'P',  0,    1,    0,   0,   0,
		                         0x35, 0x82, 0x88, 0xe2 };
	struct ntlm_session_keys keys;
	const uint8_t *out;
	size_t out_len;
	size_t n;
	uint8_t *msg = unhex(mem, authenticate_hex, &n);
	uint8_t rnd[16];

	(void)state;
	assert_non_null(s);
	assert_true(hr_ok(ntlm_server_negotiate(s, neg, sizeof(neg), &out,
	                                        &out_len, NULL)));
	assert_true(hr_ok(ntlm_server_authenticate(s, msg, n, NULL)));
	assert_string_equal(ntlm_server_identity(s)->user, "User");
	ntlm_session_get_keys(ntlm_server_session(s), &keys);
	memset(rnd, 0x55, 16);
	assert_memory_equal(keys.exported, rnd, 16);
	talloc_free(mem);
}

/* 4.2.3 NTLMv1 with client challenge: the server's NTLMv1 check. */
static void test_ntlmv1_ess_4_2_3(void **state)
{
	void *mem = talloc_new(NULL);
	struct ntlm_server_config cfg = {
		.nb_computer = "Server",
		.nb_domain = "Domain",
		.get_nt_hash = spec_hash,
		.hooks = { .random = fixed_random },
	};
	static const uint8_t neg[32] = { 'N',  'T',  'L',  'M', 'S', 'S',
		                         'P',  0,    1,    0,   0,   0,
		                         0x35, 0x82, 0x08, 0xa0 };
	struct ntlm_authenticate a;
	uint8_t *msg;
	size_t n;
	size_t lm_n;
	size_t nt_n;
	const uint8_t *out;
	size_t out_len;
	struct errinfo ei;

	(void)state;
	memset(&a, 0, sizeof(a));
	a.flags = 0xa0088235u; /* ESS, 128, 56, no KEY_EXCH */
	a.user = "User";
	a.domain = "Domain";
	a.lm_response = unhex(mem,
	                      "aa aa aa aa aa aa aa aa 00 00 00 00 00 00 00 00"
	                      "00 00 00 00 00 00 00 00",
	                      &lm_n);
	a.lm_response_len = lm_n;
	a.nt_response = unhex(mem,
	                      "75 37 f8 03 ae 36 71 28 ca 45 82 04 bd e7 ca f8"
	                      "1e 97 ed 26 83 26 72 32",
	                      &nt_n);
	a.nt_response_len = nt_n;
	assert_true(
	        hr_ok(ntlm_authenticate_build(mem, &a, &msg, &n, NULL, NULL)));

	/* refused by default */
	struct ntlm_server *s = ntlm_server_new(mem, &cfg);
	ntlm_server_negotiate(s, neg, sizeof(neg), &out, &out_len, NULL);
	err_clear(&ei);
	assert_int_equal(ntlm_server_authenticate(s, msg, n, &ei).v,
	                 HR_E_ACCESSDENIED.v);
	assert_non_null(strstr(ei.msg, "NTLMv1"));
	assert_null(ntlm_server_session(s));

	/* accepted when allowed, and the response really is checked */
	cfg.allow_ntlmv1 = true;
	s = ntlm_server_new(mem, &cfg);
	ntlm_server_negotiate(s, neg, sizeof(neg), &out, &out_len, NULL);
	assert_true(hr_ok(ntlm_server_authenticate(s, msg, n, NULL)));
	assert_true(ntlm_server_identity(s)->ntlmv1);

	msg[n - 1] ^= 1; /* the last NT response byte */
	s = ntlm_server_new(mem, &cfg);
	ntlm_server_negotiate(s, neg, sizeof(neg), &out, &out_len, NULL);
	assert_int_equal(ntlm_server_authenticate(s, msg, n, NULL).v,
	                 HR_HR_ERROR_LOGON_FAILURE.v);
	talloc_free(mem);
}

int main(int argc, char **argv)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_ntowfv1_4_2_2_1_2),
		cmocka_unit_test(test_ntowfv2_4_2_4_1_1),
		cmocka_unit_test(test_ntproofstr_and_base_key_4_2_4_2_2),
		cmocka_unit_test(test_lmv2_4_2_4_2_1),
		cmocka_unit_test(test_encrypted_session_key_4_2_4_2_3),
		cmocka_unit_test(test_keys_4_2_4_4),
		cmocka_unit_test(test_seal_4_2_4_4),
		cmocka_unit_test(test_challenge_message_4_2_4_3),
		cmocka_unit_test(test_client_authenticate_4_2_4_3),
		cmocka_unit_test(test_authenticate_parse_4_2_4_3),
		cmocka_unit_test(test_server_accepts_4_2_4_3),
		cmocka_unit_test(test_ntlmv1_ess_4_2_3),
	};

	if (argc > 1) {
		test_data_dir = argv[1];
	}
	return cmocka_run_group_tests(tests, NULL, NULL);
}
