/*
 * The SPNEGO codec (ntlm/spnego.h): hand-built RFC 4178 tokens (wrapped
 * and bare NegTokenInit, MS-SPNG NegTokenInit2 with negHints, the
 * NegTokenResp of each negState), round trips through the builders, and
 * hostile input: every truncation, lengths past the end, indefinite and
 * over-long lengths, multi-octet tags, too many mechanisms, fields out of
 * order, trailing octets, a wrapped token naming another mechanism.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>
#include <talloc.h>

#include <cmocka.h>

#include "ntlm/spnego.h"

/* NegTokenInit: mechTypes {NTLM}, mechToken "NTLMSSP\0" 01 00 00 00,
   wrapped in [APPLICATION 0] thisMech SPNEGO. */
static const uint8_t init_wrapped[] = {
	0x60, 0x28, 0x06, 0x06, 0x2b, 0x06, 0x01, 0x05, 0x05, 0x02, 0xa0,
	0x1e, 0x30, 0x1c, 0xa0, 0x0e, 0x30, 0x0c, 0x06, 0x0a, 0x2b, 0x06,
	0x01, 0x04, 0x01, 0x82, 0x37, 0x02, 0x02, 0x0a, 0xa2, 0x0a, 0x04,
	0x08, 'N',  'T',  'L',  'M',  'S',  'S',  'P',  0x00,
};

/* NegTokenResp: accept-incomplete, supportedMech NTLM, token "AB". */
static const uint8_t resp_incomplete[] = {
	0xa1, 0x1b, 0x30, 0x19, 0xa0, 0x03, 0x0a, 0x01, 0x01, 0xa1,
	0x0c, 0x06, 0x0a, 0x2b, 0x06, 0x01, 0x04, 0x01, 0x82, 0x37,
	0x02, 0x02, 0x0a, 0xa2, 0x04, 0x04, 0x02, 'A',  'B',
};

static void test_parse_wrapped_init(void **state)
{
	struct spnego_token t;

	(void)state;
	assert_true(hr_ok(
	        spnego_parse(init_wrapped, sizeof(init_wrapped), &t, NULL)));
	assert_int_equal(t.kind, SPNEGO_INIT);
	assert_true(t.gss_wrapped);
	assert_int_equal(t.n_mechs, 1);
	assert_true(spnego_oid_eq(t.mechs[0], spnego_oid_ntlm));
	assert_int_equal(t.mech_list.len, 14);
	assert_ptr_equal(t.mech_list.p, init_wrapped + 16);
	assert_int_equal(t.mech_token.len, 8);
	assert_memory_equal(t.mech_token.p, "NTLMSSP", 8);
	assert_null(t.mech_list_mic.p);
	assert_false(t.has_req_flags);
}

static void test_parse_bare_init_with_flags_and_mic(void **state)
{
	/* [0] {krb5, NTLM} [1] BIT STRING 0x00 0x06 [3] MIC "0123" */
	static const uint8_t tok[] = {
		0xa0, 0x2c, 0x30, 0x2a, 0xa0, 0x19, 0x30, 0x17, 0x06, 0x09,
		0x2a, 0x86, 0x48, 0x86, 0xf7, 0x12, 0x01, 0x02, 0x02, 0x06,
		0x0a, 0x2b, 0x06, 0x01, 0x04, 0x01, 0x82, 0x37, 0x02, 0x02,
		0x0a, 0xa1, 0x05, 0x03, 0x03, 0x00, 0x00, 0x06, 0xa3, 0x06,
		0x04, 0x04, '0',  '1',  '2',  '3',
	};
	struct spnego_token t;

	(void)state;
	assert_true(hr_ok(spnego_parse(tok, sizeof(tok), &t, NULL)));
	assert_false(t.gss_wrapped);
	assert_int_equal(t.n_mechs, 2);
	assert_true(spnego_oid_eq(t.mechs[0], spnego_oid_krb5));
	assert_true(spnego_oid_eq(t.mechs[1], spnego_oid_ntlm));
	assert_true(t.has_req_flags);
	assert_int_equal(t.req_flags.len, 3);
	assert_null(t.mech_token.p);
	assert_int_equal(t.mech_list_mic.len, 4);
	assert_memory_equal(t.mech_list_mic.p, "0123", 4);
}

static void test_parse_init2_neg_hints(void **state)
{
	/* MS-SPNG NegTokenInit2: [0] {NTLM} [3] negHints {} [4] MIC "Z" */
	static const uint8_t tok[] = {
		0xa0, 0x1b, 0x30, 0x19, 0xa0, 0x0e, 0x30, 0x0c, 0x06, 0x0a,
		0x2b, 0x06, 0x01, 0x04, 0x01, 0x82, 0x37, 0x02, 0x02, 0x0a,
		0xa3, 0x02, 0x30, 0x00, 0xa4, 0x03, 0x04, 0x01, 'Z',
	};
	struct spnego_token t;

	(void)state;
	assert_true(hr_ok(spnego_parse(tok, sizeof(tok), &t, NULL)));
	assert_int_equal(t.mech_list_mic.len, 1);
	assert_int_equal(t.mech_list_mic.p[0], 'Z');
}

static void test_parse_resp(void **state)
{
	struct spnego_token t;

	(void)state;
	assert_true(hr_ok(spnego_parse(resp_incomplete, sizeof(resp_incomplete),
	                               &t, NULL)));
	assert_int_equal(t.kind, SPNEGO_RESP);
	assert_int_equal(t.neg_state, SPNEGO_ACCEPT_INCOMPLETE);
	assert_true(spnego_oid_eq(t.supported_mech, spnego_oid_ntlm));
	assert_int_equal(t.response_token.len, 2);
	assert_memory_equal(t.response_token.p, "AB", 2);
	assert_null(t.mech_list_mic.p);
}

static void test_build_resp_round_trip(void **state)
{
	void *mem = talloc_new(NULL);
	uint8_t big[300], *out;
	size_t len;
	struct spnego_blob none = { NULL, 0 }, tok = { big, sizeof(big) };
	struct spnego_blob mic = { (const uint8_t *)"0123456789abcdef", 16 };
	struct spnego_token t;

	(void)state;
	memset(big, 0x42, sizeof(big));
	/* The exact bytes of the hand-built vector. */
	assert_true(hr_ok(spnego_build_resp(
	        mem, SPNEGO_ACCEPT_INCOMPLETE, spnego_oid_ntlm,
	        (struct spnego_blob){ (const uint8_t *)"AB", 2 }, none, &out,
	        &len)));
	assert_int_equal(len, sizeof(resp_incomplete));
	assert_memory_equal(out, resp_incomplete, len);
	/* Long-form lengths, every state, MIC only. */
	for (int st = SPNEGO_STATE_ABSENT; st <= SPNEGO_REQUEST_MIC; st++) {
		assert_true(hr_ok(spnego_build_resp(mem, st, none, tok, mic,
		                                    &out, &len)));
		assert_true(hr_ok(spnego_parse(out, len, &t, NULL)));
		assert_int_equal(t.neg_state, st);
		assert_null(t.supported_mech.p);
		assert_int_equal(t.response_token.len, sizeof(big));
		assert_memory_equal(t.response_token.p, big, sizeof(big));
		assert_int_equal(t.mech_list_mic.len, 16);
	}
	assert_true(
	        hr_eq(spnego_build_resp(mem, 4, none, none, none, &out, &len),
	              HR_E_INVALIDARG));
	talloc_free(mem);
}

static void test_build_init_round_trip(void **state)
{
	void *mem = talloc_new(NULL);
	struct spnego_blob mechs[2] = { spnego_oid_ms_krb5, spnego_oid_ntlm };
	struct spnego_blob none = { NULL, 0 };
	struct spnego_blob nt = { (const uint8_t *)"NTLMSSP", 8 };
	uint8_t *ml, *out;
	size_t ml_len, len;
	struct spnego_token t;

	(void)state;
	assert_true(hr_ok(spnego_build_mech_list(mem, &spnego_oid_ntlm, 1, &ml,
	                                         &ml_len)));
	assert_true(
	        hr_ok(spnego_build_init(mem, (struct spnego_blob){ ml, ml_len },
	                                nt, none, &out, &len)));
	assert_int_equal(len, sizeof(init_wrapped));
	assert_memory_equal(out, init_wrapped, len);

	assert_true(hr_ok(spnego_build_mech_list(mem, mechs, 2, &ml, &ml_len)));
	assert_true(hr_ok(spnego_build_init(
	        mem, (struct spnego_blob){ ml, ml_len }, none,
	        (struct spnego_blob){ (const uint8_t *)"M", 1 }, &out, &len)));
	assert_true(hr_ok(spnego_parse(out, len, &t, NULL)));
	assert_int_equal(t.n_mechs, 2);
	assert_true(spnego_oid_eq(t.mechs[0], spnego_oid_ms_krb5));
	assert_int_equal(t.mech_list.len, ml_len);
	assert_memory_equal(t.mech_list.p, ml, ml_len);
	assert_null(t.mech_token.p);
	assert_int_equal(t.mech_list_mic.len, 1);
	assert_true(hr_eq(spnego_build_mech_list(mem, mechs, 0, &ml, &ml_len),
	                  HR_E_INVALIDARG));
	talloc_free(mem);
}

static void expect_invalid(const uint8_t *p, size_t len, const char *what)
{
	struct spnego_token t;
	struct errinfo ei;

	err_clear(&ei);
	if (!hr_eq(spnego_parse(p, len, &t, &ei), HR_SEC_E_INVALID_TOKEN)) {
		fail_msg("%s: accepted", what);
	}
	assert_true(ei.msg[0] != '\0');
}

static void test_every_truncation_refused(void **state)
{
	(void)state;
	for (size_t n = 0; n < sizeof(init_wrapped); n++) {
		expect_invalid(init_wrapped, n, "truncated init");
	}
	for (size_t n = 0; n < sizeof(resp_incomplete); n++) {
		expect_invalid(resp_incomplete, n, "truncated resp");
	}
}

static void test_hostile_lengths_and_tags(void **state)
{
	uint8_t t[sizeof(init_wrapped) + 1];

	(void)state;
	/* Indefinite length. */
	memcpy(t, resp_incomplete, sizeof(resp_incomplete));
	t[1] = 0x80;
	expect_invalid(t, sizeof(resp_incomplete), "indefinite");
	/* A length of 5 octets, and a 4-octet one past the end. */
	{
		static const uint8_t l5[] = { 0xa1, 0x85, 0,    0,    0,
			                      0,    3,    0x30, 0x01, 0x00 };
		static const uint8_t l4[] = { 0xa1, 0x84, 0xff, 0xff,
			                      0xff, 0xff, 0x30, 0x00 };

		expect_invalid(l5, sizeof(l5), "5-octet length");
		expect_invalid(l4, sizeof(l4), "huge length");
	}
	/* An inner length one past its parent. */
	memcpy(t, resp_incomplete, sizeof(resp_incomplete));
	t[26]++; /* the OCTET STRING of responseToken */
	expect_invalid(t, sizeof(resp_incomplete), "inner past parent");
	/* Multi-octet tag. */
	memcpy(t, resp_incomplete, sizeof(resp_incomplete));
	t[0] = 0xbf;
	expect_invalid(t, sizeof(resp_incomplete), "high tag");
	/* Trailing octet after the token. */
	memcpy(t, init_wrapped, sizeof(init_wrapped));
	t[sizeof(init_wrapped)] = 0;
	expect_invalid(t, sizeof(init_wrapped) + 1, "trailing");
	/* Wrapped token naming another mechanism than SPNEGO. */
	memcpy(t, init_wrapped, sizeof(init_wrapped));
	t[9] = 0x03;
	expect_invalid(t, sizeof(init_wrapped), "thisMech");
	/* Fields out of order: [2] before [0] in a NegTokenResp. */
	{
		static const uint8_t ooo[] = { 0xa1, 0x0b, 0x30, 0x09, 0xa2,
			                       0x02, 0x04, 0x00, 0xa0, 0x03,
			                       0x0a, 0x01, 0x00 };

		expect_invalid(ooo, sizeof(ooo), "out of order");
	}
	/* negState 7, and a NegTokenInit without mechTypes. */
	{
		static const uint8_t st7[] = { 0xa1, 0x07, 0x30, 0x05, 0xa0,
			                       0x03, 0x0a, 0x01, 0x07 };
		static const uint8_t nomech[] = { 0xa0, 0x08, 0x30, 0x06, 0xa2,
			                          0x04, 0x04, 0x02, 'x',  'y' };

		expect_invalid(st7, sizeof(st7), "negState");
		expect_invalid(nomech, sizeof(nomech), "no mechTypes");
	}
}

static void test_too_many_mechs(void **state)
{
	uint8_t tok[8 + 3 * (SPNEGO_MAX_MECHS + 1)];
	size_t n = SPNEGO_MAX_MECHS + 1, body = 3 * n;

	(void)state;
	/* [0] len { [0] len { SEQUENCE len { 06 01 2a ... } } } */
	tok[0] = 0xa0;
	tok[1] = (uint8_t)(body + 6);
	tok[2] = 0x30;
	tok[3] = (uint8_t)(body + 4);
	tok[4] = 0xa0;
	tok[5] = (uint8_t)(body + 2);
	tok[6] = 0x30;
	tok[7] = (uint8_t)body;
	for (size_t i = 0; i < n; i++) {
		tok[8 + 3 * i] = 0x06;
		tok[9 + 3 * i] = 0x01;
		tok[10 + 3 * i] = 0x2a;
	}
	expect_invalid(tok, sizeof(tok), "33 mechanisms");
	/* 32 are fine. */
	tok[1] -= 3;
	tok[3] -= 3;
	tok[5] -= 3;
	tok[7] -= 3;
	{
		struct spnego_token t;

		assert_true(
		        hr_ok(spnego_parse(tok, sizeof(tok) - 3, &t, NULL)));
		assert_int_equal(t.n_mechs, SPNEGO_MAX_MECHS);
	}
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_parse_wrapped_init),
		cmocka_unit_test(test_parse_bare_init_with_flags_and_mic),
		cmocka_unit_test(test_parse_init2_neg_hints),
		cmocka_unit_test(test_parse_resp),
		cmocka_unit_test(test_build_resp_round_trip),
		cmocka_unit_test(test_build_init_round_trip),
		cmocka_unit_test(test_every_truncation_refused),
		cmocka_unit_test(test_hostile_lengths_and_tags),
		cmocka_unit_test(test_too_many_mechs),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
