/*
 * fuzz_ntlm_authenticate: AUTHENTICATE_MESSAGE parser (MS-NLMP 2.2.1.3),
 * the NTLMv2 blob parser, and the whole server check: a server holding
 * the server challenge of captures c02 (9ba69380f323644a) and alice's
 * password, so the seed c03 authenticates and mutations of it reach the
 * key exchange, the MIC check and session security.
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <talloc.h>

#include "ntlm/crypto.h"
#include "ntlm/msg.h"
#include "ntlm/ntlm.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static hresult get_hash(void *arg,
                        const char *user,
                        const char *domain,
                        uint8_t h[16])
{
	(void)arg;
	(void)domain;
	if (strcmp(user, "alice") != 0) {
		return HR_HR_ERROR_LOGON_FAILURE;
	}
	return ntlm_nt_hash("Passw0rd!", h);
}

static hresult capture_random(void *arg, uint8_t *p, size_t n)
{
	static const uint8_t chal[8] = { 0x9b, 0xa6, 0x93, 0x80,
		                         0xf3, 0x23, 0x64, 0x4a };

	(void)arg;
	for (size_t i = 0; i < n; i++) {
		p[i] = chal[i % 8];
	}
	return HR_OK;
}

/* Impacket's NEGOTIATE (captures c01). */
static const uint8_t negotiate[32] = { 'N',  'T',  'L',  'M', 'S', 'S',
	                               'P',  0,    1,    0,   0,   0,
	                               0x35, 0x82, 0x88, 0xe0 };

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	void *mem = talloc_new(NULL);
	struct ntlm_authenticate *m = NULL;
	struct ntlm_v2_blob blob;
	struct ntlm_server_config cfg = {
		.nb_computer = "FAKEWMI",
		.nb_domain = "WORKGROUP",
		.get_nt_hash = get_hash,
		.allow_ntlmv1 = size > 0 && (data[size - 1] & 1) != 0,
		.allow_anonymous = size > 0 && (data[size - 1] & 2) != 0,
		.hooks = { .random = capture_random },
	};
	struct ntlm_server *s;
	const uint8_t *out;
	size_t out_len;

	if (hr_ok(ntlm_authenticate_parse(mem, data, size, &m, NULL)) &&
	    m->nt_response_len > 16) {
		ntlm_v2_blob_parse(mem, m->nt_response + 16,
		                   m->nt_response_len - 16, &blob, NULL);
	}
	s = ntlm_server_new(mem, &cfg);
	if (s != NULL &&
	    hr_ok(ntlm_server_negotiate(s, negotiate, sizeof(negotiate), &out,
	                                &out_len, NULL)) &&
	    hr_ok(ntlm_server_authenticate(s, data, size, NULL))) {
		struct ntlm_session *ss = ntlm_server_session(s);
		uint8_t buf[64];
		uint8_t sig[16];

		if (ss == NULL || ntlm_server_identity(s) == NULL) {
			abort();
		}
		memset(buf, 0x33, sizeof(buf));
		ntlm_seal(ss, buf, sizeof(buf), sig);
		ntlm_verify(ss, buf, sizeof(buf), sig, NULL);
	}
	talloc_free(mem);
	return 0;
}
