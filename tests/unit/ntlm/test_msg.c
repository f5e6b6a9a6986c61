/*
 * Unit tests for ntlm/msg: the Impacket messages parsed field by field,
 * and hostile input (every truncation, offsets past the end, huge
 * lengths, overlapping fields, zero-length and malformed fields, bad AV
 * lists).  Run under ASan, any over-read fails the test.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#include <cmocka.h>

#include <string.h>
#include <talloc.h>

#include "ntlm/msg.h"
#include "ntlm/ntlm.h"
#include "util.h"

/* Loads the NTLM token of capture [prefix] into its own heap block, so
 * that ASan sees every byte past its end. */
static uint8_t *token(void *mem, const char *prefix, size_t *len)
{
	size_t n;
	uint8_t *pdu = load_capture(mem, prefix, &n);
	const uint8_t *t;

	assert_non_null(pdu);
	t = pdu_token(pdu, len);
	return talloc_memdup(mem, t, *len);
}

static void put16(uint8_t *p, uint16_t v)
{
	p[0] = (uint8_t)v;
	p[1] = (uint8_t)(v >> 8);
}

static void put32(uint8_t *p, uint32_t v)
{
	put16(p, (uint16_t)v);
	put16(p + 2, (uint16_t)(v >> 16));
}

/* Impacket's NEGOTIATE (c01): 32 bytes, flags 0xE0888235, no Version. */
static void test_parse_impacket_negotiate(void **state)
{
	void *mem = talloc_new(NULL);
	size_t n;
	uint8_t *t = token(mem, "c01_", &n);
	struct ntlm_negotiate *m = NULL;

	(void)state;
	assert_int_equal(n, 32);
	assert_true(hr_ok(ntlm_negotiate_parse(mem, t, n, &m, NULL)));
	assert_int_equal(m->flags, 0xe0888235u);
	assert_false(m->has_version);
	assert_null(m->domain);
	assert_null(m->workstation);
	talloc_free(mem);
}

/* The harness's CHALLENGE (c02). */
static void test_parse_harness_challenge(void **state)
{
	void *mem = talloc_new(NULL);
	size_t n;
	uint8_t *t = token(mem, "c02_", &n);
	struct ntlm_challenge *m = NULL;
	const struct ntlm_av_pair *p;

	(void)state;
	assert_true(hr_ok(ntlm_challenge_parse(mem, t, n, &m, NULL)));
	assert_int_equal(m->flags, 0xe28a8235u);
	assert_string_equal(m->target_name, "FAKEWMI");
	assert_memory_equal(m->server_challenge,
	                    "\x9b\xa6\x93\x80\xf3\x23\x64\x4a", 8);
	assert_true(m->has_version);
	assert_int_equal(m->version.major, 10);
	assert_int_equal(m->version.build, 20348);
	assert_int_equal(m->av.n, 5);
	p = ntlm_av_find(&m->av, NTLM_AV_NB_COMPUTER_NAME);
	assert_non_null(p);
	assert_int_equal(p->len, 14);
	assert_memory_equal(p->value, "F\0A\0K\0E\0W\0M\0I\0", 14);
	assert_non_null(ntlm_av_find(&m->av, NTLM_AV_TIMESTAMP));
	assert_null(ntlm_av_find(&m->av, NTLM_AV_FLAGS));
	talloc_free(mem);
}

/* Impacket's AUTHENTICATE (c03): no Version, no MIC, empty workstation. */
static void test_parse_impacket_authenticate(void **state)
{
	void *mem = talloc_new(NULL);
	size_t n;
	uint8_t *t = token(mem, "c03_", &n);
	struct ntlm_authenticate *m = NULL;
	struct ntlm_v2_blob blob;
	const struct ntlm_av_pair *p;

	(void)state;
	assert_true(hr_ok(ntlm_authenticate_parse(mem, t, n, &m, NULL)));
	assert_string_equal(m->user, "alice");
	assert_string_equal(m->domain, "TESTDOM");
	assert_string_equal(m->workstation, "");
	assert_int_equal(m->user_u16_len, 10);
	assert_false(m->has_version);
	assert_false(m->has_mic_room);
	assert_int_equal(m->lm_response_len, 24);
	assert_int_equal(m->nt_response_len, 176);
	assert_int_equal(m->enc_session_key_len, 16);
	assert_true(hr_ok(ntlm_v2_blob_parse(mem, m->nt_response + 16,
	                                     m->nt_response_len - 16, &blob,
	                                     NULL)));
	assert_memory_equal(blob.client_challenge, "P5UjQ1dV", 8);
	p = ntlm_av_find(&blob.av, NTLM_AV_TARGET_NAME);
	assert_non_null(p);
	assert_memory_equal(p->value, "c\0i\0f\0s\0/\0", 10);
	talloc_free(mem);
}

/* Builders and parsers agree (NEGOTIATE with names and Version). */
static void test_negotiate_roundtrip(void **state)
{
	void *mem = talloc_new(NULL);
	struct ntlm_negotiate in = {
		.flags = NTLM_CLIENT_FLAGS |
		         NTLMSSP_NEGOTIATE_OEM_DOMAIN_SUPPLIED |
		         NTLMSSP_NEGOTIATE_OEM_WORKSTATION_SUPPLIED,
		.domain = "TESTDOM",
		.workstation = "LINUXBOX",
		.version = { 10, 0, 20348, 15 },
	};
	struct ntlm_negotiate *out = NULL;
	uint8_t *b;
	size_t n;

	(void)state;
	assert_true(hr_ok(ntlm_negotiate_build(mem, &in, &b, &n, NULL)));
	assert_int_equal(n, 40 + 7 + 8);
	assert_true(hr_ok(ntlm_negotiate_parse(mem, b, n, &out, NULL)));
	assert_string_equal(out->domain, "TESTDOM");
	assert_string_equal(out->workstation, "LINUXBOX");
	assert_true(out->has_version);
	assert_int_equal(out->version.build, 20348);
	/* OEM text must be ASCII */
	in.domain = "D\xc3\xa9";
	assert_int_equal(ntlm_negotiate_build(mem, &in, &b, &n, NULL).v,
	                 HR_E_INVALIDARG.v);
	talloc_free(mem);
}

/* Every proper prefix of each real message fails cleanly. */
static void test_every_truncation_fails(void **state)
{
	static const char *const files[] = { "c01_", "c02_", "c03_", "d02_",
		                             "d03_" };
	void *mem = talloc_new(NULL);

	(void)state;
	for (size_t f = 0; f < sizeof(files) / sizeof(files[0]); f++) {
		size_t n;
		uint8_t *t = token(mem, files[f], &n);

		for (size_t len = 0; len < n; len++) {
			void *m = talloc_new(mem);
			uint8_t *cut = talloc_memdup(m, t, len ? len : 1);
			struct ntlm_negotiate *ng = NULL;
			struct ntlm_challenge *ch = NULL;
			struct ntlm_authenticate *au = NULL;
			struct errinfo ei;
			hresult hr;

			err_clear(&ei);
			switch (t[8]) {
			case 1:
				hr = ntlm_negotiate_parse(m, cut, len, &ng,
				                          &ei);
				break;
			case 2:
				hr = ntlm_challenge_parse(m, cut, len, &ch,
				                          &ei);
				break;
			default:
				hr = ntlm_authenticate_parse(m, cut, len, &au,
				                             &ei);
				break;
			}
			/* a NEGOTIATE has no payload: only the fixed part */
			if (t[8] == 1 && len >= 32) {
				assert_true(hr_ok(hr));
			} else {
				assert_int_equal(hr.v, HR_E_INVALIDARG.v);
				assert_true(ei.msg[0] != '\0');
			}
			talloc_free(m);
		}
	}
	talloc_free(mem);
}

/* Offsets past the end and huge lengths, for every payload field. */
static void test_offsets_and_lengths_past_end(void **state)
{
	static const size_t fields[] = { 12, 20, 28, 36, 44, 52 };
	void *mem = talloc_new(NULL);
	size_t n;
	uint8_t *t = token(mem, "c03_", &n);

	(void)state;
	for (size_t i = 0; i < sizeof(fields) / sizeof(fields[0]); i++) {
		static const uint32_t offs[] = { 0xffffffffu, 0xfffffff0u, 332,
			                         65535, 0x80000000u };
		for (size_t k = 0; k < sizeof(offs) / sizeof(offs[0]); k++) {
			uint8_t *b = talloc_memdup(mem, t, n);
			struct ntlm_authenticate *a = NULL;
			struct errinfo ei;

			put16(b + fields[i], 16);
			put32(b + fields[i] + 4, offs[k]);
			err_clear(&ei);
			assert_int_equal(
			        ntlm_authenticate_parse(mem, b, n, &a, &ei).v,
			        HR_E_INVALIDARG.v);
			assert_null(a);
			talloc_free(b);
		}
		{
			uint8_t *b = talloc_memdup(mem, t, n);
			struct ntlm_authenticate *a = NULL;
			struct errinfo ei;

			put16(b + fields[i], 0xffff); /* huge length */
			err_clear(&ei);
			assert_int_equal(
			        ntlm_authenticate_parse(mem, b, n, &a, &ei).v,
			        HR_E_INVALIDARG.v);
			assert_non_null(strstr(ei.msg, "AUTHENTICATE"));
			talloc_free(b);
		}
	}
	/* the challenge's TargetInfo too */
	{
		uint8_t *c = token(mem, "c02_", &n);
		struct ntlm_challenge *ch = NULL;
		struct errinfo ei;

		put32(c + 44, 0xfffffffcu);
		err_clear(&ei);
		assert_int_equal(ntlm_challenge_parse(mem, c, n, &ch, &ei).v,
		                 HR_E_INVALIDARG.v);
		assert_non_null(strstr(ei.msg, "TargetInfo"));
	}
	talloc_free(mem);
}

/* Fields that overlap each other or the header are refused. */
static void test_overlapping_fields(void **state)
{
	void *mem = talloc_new(NULL);
	size_t n;
	uint8_t *t = token(mem, "c03_", &n);
	uint8_t *b;
	struct ntlm_authenticate *a = NULL;
	struct errinfo ei;

	(void)state;
	/* UserName pointed into DomainName */
	b = talloc_memdup(mem, t, n);
	put32(b + 40, 0x40 + 2);
	err_clear(&ei);
	assert_int_equal(ntlm_authenticate_parse(mem, b, n, &a, &ei).v,
	                 HR_E_INVALIDARG.v);
	assert_non_null(strstr(ei.msg, "overlaps"));
	/* the NT response pointed at the fixed header */
	b = talloc_memdup(mem, t, n);
	put32(b + 24, 8);
	err_clear(&ei);
	assert_int_equal(ntlm_authenticate_parse(mem, b, n, &a, &ei).v,
	                 HR_E_INVALIDARG.v);
	assert_non_null(strstr(ei.msg, "fixed header"));
	talloc_free(mem);
}

/* Signature, type, odd UTF-16, and zero-length responses. */
static void test_malformed_fields(void **state)
{
	void *mem = talloc_new(NULL);
	size_t n;
	uint8_t *t = token(mem, "c03_", &n);
	uint8_t *b;
	struct ntlm_authenticate *a = NULL;
	struct errinfo ei;

	(void)state;
	b = talloc_memdup(mem, t, n);
	b[3] = 'X';
	assert_int_equal(ntlm_authenticate_parse(mem, b, n, &a, NULL).v,
	                 HR_E_INVALIDARG.v);
	b = talloc_memdup(mem, t, n);
	b[8] = 2;
	err_clear(&ei);
	assert_int_equal(ntlm_authenticate_parse(mem, b, n, &a, &ei).v,
	                 HR_E_INVALIDARG.v);
	assert_non_null(strstr(ei.msg, "MessageType"));
	/* odd-length UTF-16 user name */
	b = talloc_memdup(mem, t, n);
	put16(b + 36, 9);
	err_clear(&ei);
	assert_int_equal(ntlm_authenticate_parse(mem, b, n, &a, &ei).v,
	                 HR_E_INVALIDARG.v);
	assert_non_null(strstr(ei.msg, "UserName"));
	/* an unpaired surrogate in the user name */
	b = talloc_memdup(mem, t, n);
	b[0x4e] = 0x00;
	b[0x4f] = 0xd8;
	assert_int_equal(ntlm_authenticate_parse(mem, b, n, &a, NULL).v,
	                 HR_E_INVALIDARG.v);
	/* a 15-byte session key */
	b = talloc_memdup(mem, t, n);
	put16(b + 52, 15);
	assert_int_equal(ntlm_authenticate_parse(mem, b, n, &a, NULL).v,
	                 HR_E_INVALIDARG.v);
	talloc_free(mem);
}

static hresult no_hash(void *arg,
                       const char *user,
                       const char *domain,
                       uint8_t h[16])
{
	(void)arg;
	(void)user;
	(void)domain;
	memset(h, 0, 16);
	return HR_OK;
}

/* The server refuses short or zero-length NTLMv2 responses and blobs. */
static void test_server_rejects_bad_responses(void **state)
{
	void *mem = talloc_new(NULL);
	struct ntlm_server_config cfg = {
		.nb_computer = "FAKEWMI",
		.nb_domain = "WORKGROUP",
		.get_nt_hash = no_hash,
	};
	size_t n;
	size_t nn;
	uint8_t *neg = token(mem, "c01_", &nn);
	uint8_t *t = token(mem, "c03_", &n);
	static const struct {
		size_t at;
		uint16_t value;
		uint32_t want;
	} cases[] = {
		{ 20, 0, 0x80070005u },  /* NT length 0: LM only, refused */
		{ 20, 40, 0x80070057u }, /* too short for NTLMv2 */
		{ 20, 48, 0x80070057u }, /* blob without an AV list */
		{ 36, 0, 0x80070057u },  /* empty user: blob parses first */
	};

	(void)state;
	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		struct ntlm_server *s = ntlm_server_new(mem, &cfg);
		uint8_t *b = talloc_memdup(mem, t, n);
		const uint8_t *out;
		size_t out_len;
		hresult hr;

		put16(b + cases[i].at, cases[i].value);
		assert_true(hr_ok(ntlm_server_negotiate(s, neg, nn, &out,
		                                        &out_len, NULL)));
		hr = ntlm_server_authenticate(s, b, n, NULL);
		if (i == 3) {
			/* an empty user with a valid blob: logon failure */
			assert_int_equal(hr.v, 0x8007052Eu);
		} else {
			assert_int_equal(hr.v, cases[i].want);
		}
	}
	/* RespType 2 in the blob */
	{
		struct ntlm_server *s = ntlm_server_new(mem, &cfg);
		uint8_t *b = talloc_memdup(mem, t, n);
		const uint8_t *out;
		size_t out_len;
		struct errinfo ei;

		b[0x70 + 16] = 2;
		ntlm_server_negotiate(s, neg, nn, &out, &out_len, NULL);
		err_clear(&ei);
		assert_int_equal(ntlm_server_authenticate(s, b, n, &ei).v,
		                 HR_E_INVALIDARG.v);
		assert_non_null(strstr(ei.msg, "RespType"));
	}
	talloc_free(mem);
}

/* AV lists: missing EOL, duplicates, bad lengths, EOL with a value. */
static void test_av_list_errors(void **state)
{
	void *mem = talloc_new(NULL);
	struct ntlm_av_list l;
	size_t used;
	static const uint8_t ok[] = { 1, 0, 2, 0, 'A', 0, 0, 0, 0, 0, 9, 9 };
	static const uint8_t no_eol[] = { 1, 0, 2, 0, 'A', 0 };
	static const uint8_t dup[] = { 1, 0, 2,   0, 'A', 0, 1, 0,
		                       2, 0, 'B', 0, 0,   0, 0, 0 };
	static const uint8_t bad_flags[] = { 6, 0, 3, 0, 1, 2, 3, 0, 0, 0, 0 };
	static const uint8_t eol_value[] = { 0, 0, 2, 0, 0, 0 };
	static const uint8_t past_end[] = { 1, 0, 0xff, 0xff, 'A', 0 };
	static const uint8_t odd_name[] = {
		2, 0, 3, 0, 'A', 0, 'B', 0, 0, 0, 0
	};
	uint8_t many[4 * (NTLM_MAX_AV_PAIRS + 2)];

	(void)state;
	assert_true(hr_ok(
	        ntlm_av_parse(mem, ok, sizeof(ok), "t", &l, &used, NULL)));
	assert_int_equal(l.n, 1);
	assert_int_equal(used, 10); /* trailing bytes after EOL ignored */
	assert_true(hr_failed(ntlm_av_parse(mem, no_eol, sizeof(no_eol), "t",
	                                    &l, NULL, NULL)));
	assert_true(hr_failed(
	        ntlm_av_parse(mem, dup, sizeof(dup), "t", &l, NULL, NULL)));
	assert_true(hr_failed(ntlm_av_parse(mem, bad_flags, sizeof(bad_flags),
	                                    "t", &l, NULL, NULL)));
	assert_true(hr_failed(ntlm_av_parse(mem, eol_value, sizeof(eol_value),
	                                    "t", &l, NULL, NULL)));
	assert_true(hr_failed(ntlm_av_parse(mem, past_end, sizeof(past_end),
	                                    "t", &l, NULL, NULL)));
	assert_true(hr_failed(ntlm_av_parse(mem, odd_name, sizeof(odd_name),
	                                    "t", &l, NULL, NULL)));
	assert_true(hr_failed(ntlm_av_parse(mem, ok, 0, "t", &l, NULL, NULL)));
	/* too many pairs (unknown ids may repeat, but not without limit) */
	memset(many, 0, sizeof(many));
	for (size_t i = 0; i <= NTLM_MAX_AV_PAIRS; i++) {
		many[4 * i] = 0x20;
	}
	assert_true(hr_failed(
	        ntlm_av_parse(mem, many, sizeof(many), "t", &l, NULL, NULL)));
	talloc_free(mem);
}

/* A MIC field exists only when the payload starts at 88 or later. */
static void test_authenticate_mic_room(void **state)
{
	void *mem = talloc_new(NULL);
	struct ntlm_authenticate in;
	struct ntlm_authenticate *out = NULL;
	uint8_t nt[64];
	uint8_t *b;
	size_t n;
	size_t mic_off;

	(void)state;
	memset(&in, 0, sizeof(in));
	memset(nt, 0x42, sizeof(nt));
	in.flags = NTLM_CLIENT_FLAGS;
	in.user = "alice";
	in.domain = "TESTDOM";
	in.nt_response = nt;
	in.nt_response_len = sizeof(nt);
	in.has_mic_room = true;
	memset(in.mic, 0x99, 16);
	assert_true(hr_ok(
	        ntlm_authenticate_build(mem, &in, &b, &n, &mic_off, NULL)));
	assert_int_equal(mic_off, 72);
	assert_true(hr_ok(ntlm_authenticate_parse(mem, b, n, &out, NULL)));
	assert_true(out->has_version);
	assert_true(out->has_mic_room);
	assert_memory_equal(out->mic, in.mic, 16);
	in.has_mic_room = false;
	in.flags &= ~(uint32_t)NTLMSSP_NEGOTIATE_VERSION;
	assert_true(hr_ok(
	        ntlm_authenticate_build(mem, &in, &b, &n, &mic_off, NULL)));
	assert_int_equal(mic_off, 0);
	assert_true(hr_ok(ntlm_authenticate_parse(mem, b, n, &out, NULL)));
	assert_false(out->has_version);
	assert_false(out->has_mic_room);
	talloc_free(mem);
}

/* Limits: an over-long message or name is refused. */
static void test_limits(void **state)
{
	void *mem = talloc_new(NULL);
	uint8_t *big = talloc_zero_array(mem, uint8_t, NTLM_MAX_MESSAGE + 1);
	struct ntlm_negotiate *ng = NULL;
	struct ntlm_authenticate in;
	char *name = talloc_zero_array(mem, char, 600);
	uint8_t *b;
	size_t n;

	(void)state;
	memcpy(big, "NTLMSSP\0\1\0\0\0", 12);
	assert_int_equal(
	        ntlm_negotiate_parse(mem, big, NTLM_MAX_MESSAGE + 1, &ng, NULL)
	                .v,
	        HR_E_INVALIDARG.v);
	assert_true(hr_ok(ntlm_negotiate_parse(mem, big, 32, &ng, NULL)));
	memset(name, 'x', 599);
	memset(&in, 0, sizeof(in));
	in.flags = NTLMSSP_NEGOTIATE_UNICODE;
	in.user = name; /* 1198 bytes of UTF-16 */
	assert_int_equal(
	        ntlm_authenticate_build(mem, &in, &b, &n, NULL, NULL).v,
	        HR_E_INVALIDARG.v);
	assert_int_equal(ntlm_negotiate_parse(mem, NULL, 0, &ng, NULL).v,
	                 HR_E_INVALIDARG.v);
	talloc_free(mem);
}

int main(int argc, char **argv)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_parse_impacket_negotiate),
		cmocka_unit_test(test_parse_harness_challenge),
		cmocka_unit_test(test_parse_impacket_authenticate),
		cmocka_unit_test(test_negotiate_roundtrip),
		cmocka_unit_test(test_every_truncation_fails),
		cmocka_unit_test(test_offsets_and_lengths_past_end),
		cmocka_unit_test(test_overlapping_fields),
		cmocka_unit_test(test_malformed_fields),
		cmocka_unit_test(test_server_rejects_bad_responses),
		cmocka_unit_test(test_av_list_errors),
		cmocka_unit_test(test_authenticate_mic_room),
		cmocka_unit_test(test_limits),
	};

	if (argc > 1) {
		test_data_dir = argv[1];
	}
	return cmocka_run_group_tests(tests, NULL, NULL);
}
