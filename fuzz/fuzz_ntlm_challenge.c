/*
 * fuzz_ntlm_challenge: CHALLENGE_MESSAGE parser (MS-NLMP 2.2.1.2), its
 * builder (parse, build, parse again, compare) and the client's
 * AUTHENTICATE answer to it (AV pair copying, MIC, key exchange).
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <talloc.h>

#include "ntlm/msg.h"
#include "ntlm/ntlm.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static hresult fixed_random(void *arg, uint8_t *p, size_t n)
{
	(void)arg;
	memset(p, 0xa5, n);
	return HR_OK;
}

static uint64_t fixed_now(void *arg)
{
	(void)arg;
	return 133000000000000000ull;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	void *mem = talloc_new(NULL);
	struct ntlm_challenge *m = NULL;
	struct ntlm_challenge *again = NULL;
	struct ntlm_client_config cfg = {
		.user = "alice",
		.domain = "TESTDOM",
		.password = "Passw0rd!",
		.target_spn = "host/fuzz",
		.hooks = { .random = fixed_random, .now = fixed_now },
	};
	struct ntlm_client *c;
	struct ntlm_authenticate *a = NULL;
	const uint8_t *out;
	size_t out_len;
	uint8_t *b;
	size_t n;

	if (hr_ok(ntlm_challenge_parse(mem, data, size, &m, NULL))) {
		if (hr_ok(ntlm_challenge_build(mem, m, &b, &n, NULL))) {
			if (hr_failed(ntlm_challenge_parse(mem, b, n, &again,
			                                   NULL)) ||
			    again->flags != m->flags ||
			    again->av.n != m->av.n ||
			    again->target_info_len != m->target_info_len ||
			    memcmp(again->server_challenge, m->server_challenge,
			           8) != 0) {
				abort();
			}
		}
	}
	c = ntlm_client_new(mem, &cfg);
	if (c != NULL &&
	    hr_ok(ntlm_client_negotiate(c, &out, &out_len, NULL)) &&
	    hr_ok(ntlm_client_authenticate(c, data, size, &out, &out_len,
	                                   NULL))) {
		/* our own AUTHENTICATE must parse */
		if (hr_failed(ntlm_authenticate_parse(mem, out, out_len, &a,
		                                      NULL)) ||
		    strcmp(a->user, "alice") != 0) {
			abort();
		}
	}
	talloc_free(mem);
	return 0;
}
