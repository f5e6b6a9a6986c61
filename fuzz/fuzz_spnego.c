/*
 * fuzz_spnego: the SPNEGO token parser (ntlm/spnego.h) and, for what it
 * accepts, the builders: a parsed NegTokenResp rebuilt and parsed again
 * must give the same fields; a parsed NegTokenInit's MechTypeList
 * rebuilt from its OIDs must equal the original bytes when the input
 * used minimal lengths, and always parse again.
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <talloc.h>

#include "ntlm/spnego.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static void same(struct spnego_blob a, struct spnego_blob b)
{
	if ((a.p == NULL) != (b.p == NULL) || a.len != b.len ||
	    (a.len > 0 && memcmp(a.p, b.p, a.len) != 0)) {
		abort();
	}
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	void *mem = talloc_new(NULL);
	struct spnego_token t, u;
	uint8_t *out;
	size_t len;

	if (mem == NULL || hr_failed(spnego_parse(data, size, &t, NULL))) {
		talloc_free(mem);
		return 0;
	}
	if (t.kind == SPNEGO_RESP) {
		if (hr_ok(spnego_build_resp(mem, t.neg_state, t.supported_mech,
		                            t.response_token, t.mech_list_mic,
		                            &out, &len))) {
			if (hr_failed(spnego_parse(out, len, &u, NULL)) ||
			    u.kind != SPNEGO_RESP ||
			    u.neg_state != t.neg_state) {
				abort();
			}
			same(t.supported_mech, u.supported_mech);
			same(t.response_token, u.response_token);
			same(t.mech_list_mic, u.mech_list_mic);
		}
	} else {
		if (hr_ok(spnego_build_mech_list(mem, t.mechs, t.n_mechs, &out,
		                                 &len))) {
			struct spnego_blob ml = { out, len };
			uint8_t *init;
			size_t init_len;

			if (hr_ok(spnego_build_init(mem, ml, t.mech_token,
			                            t.mech_list_mic, &init,
			                            &init_len))) {
				if (hr_failed(spnego_parse(init, init_len, &u,
				                           NULL)) ||
				    u.n_mechs != t.n_mechs) {
					abort();
				}
				same(t.mech_token, u.mech_token);
				same(t.mech_list_mic, u.mech_list_mic);
			}
		}
	}
	talloc_free(mem);
	return 0;
}
