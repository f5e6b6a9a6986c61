/*
 * fuzz_ntlm_negotiate: NEGOTIATE_MESSAGE parser (MS-NLMP 2.2.1.1), its
 * builder (parse, build, parse again, compare) and the server's
 * CHALLENGE answer to it.
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <talloc.h>

#include "ntlm/msg.h"
#include "ntlm/ntlm.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static hresult no_hash(void *arg,
                       const char *user,
                       const char *domain,
                       uint8_t h[16])
{
	(void)arg;
	(void)user;
	(void)domain;
	(void)h;
	return HR_HR_ERROR_LOGON_FAILURE;
}

static hresult fixed_random(void *arg, uint8_t *p, size_t n)
{
	(void)arg;
	memset(p, 0x5a, n);
	return HR_OK;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	void *mem = talloc_new(NULL);
	struct ntlm_negotiate *m = NULL;
	struct ntlm_negotiate *again = NULL;
	struct ntlm_server_config cfg = {
		.nb_computer = "FUZZ",
		.nb_domain = "WORKGROUP",
		.dns_computer = "fuzz.local",
		.get_nt_hash = no_hash,
		.hooks = { .random = fixed_random },
	};
	struct ntlm_server *s;
	struct ntlm_challenge *ch = NULL;
	const uint8_t *out;
	size_t out_len;
	uint8_t *b;
	size_t n;

	if (hr_ok(ntlm_negotiate_parse(mem, data, size, &m, NULL))) {
		if (hr_ok(ntlm_negotiate_build(mem, m, &b, &n, NULL))) {
			if (hr_failed(ntlm_negotiate_parse(mem, b, n, &again,
			                                   NULL)) ||
			    again->flags != m->flags ||
			    (m->domain != NULL &&
			     strcmp(m->domain, again->domain) != 0)) {
				abort();
			}
		}
	}
	s = ntlm_server_new(mem, &cfg);
	if (s != NULL &&
	    hr_ok(ntlm_server_negotiate(s, data, size, &out, &out_len, NULL))) {
		/* our own CHALLENGE must parse */
		if (hr_failed(ntlm_challenge_parse(mem, out, out_len, &ch,
		                                   NULL))) {
			abort();
		}
	}
	talloc_free(mem);
	return 0;
}
