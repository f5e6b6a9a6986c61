/*
 * fuzz_sddl: SDDL and self-relative security descriptors (security layer).
 *
 * The input is read twice:
 *  - as SDDL text: parse, format, parse the result again, and require the
 *    same descriptor and the same text; encode it, decode the bytes and
 *    require the same descriptor; run the access check and inheritance on
 *    it;
 *  - as a binary self-relative descriptor: decode, and when that works,
 *    encode, decode again and compare, then try to format it as SDDL.
 * Any asymmetry aborts, so the fuzzer reports it.
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <talloc.h>

#include "security/policy.h"
#include "security/sd.h"
#include "security/token.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

#define MAX_INPUT (64 * 1024)

static void check(int cond)
{
	if (!cond) {
		abort();
	}
}

static void exercise(void *mem, const struct sec_sd *sd)
{
	struct sec_token *anon = sec_token_new_anonymous(mem);
	struct sec_token *sys = sec_token_new_system(mem);
	struct sec_sd *child = NULL;
	uint32_t granted = 0;

	if (anon == NULL || sys == NULL) {
		return;
	}
	(void)sec_sd_effective_rights(sd, anon, &sec_ns_generic_mapping);
	if (hr_ok(sec_sd_access_check(sd, sys, SEC_MAXIMUM_ALLOWED, NULL,
	                              &granted))) {
		check(granted != 0);
	}
	(void)sec_ns_validate_setsd(sd, NULL);
	if (hr_ok(sec_ns_child_sd(mem, sd, NULL, &child, NULL))) {
		struct sec_sd *grand = NULL;

		(void)sec_sd_inherit(mem, child, sd, 0, &grand, NULL);
	}
}

static void text_round_trip(void *mem,
                            const struct sec_sid *dom,
                            const char *text)
{
	struct sec_sd *sd = NULL;
	struct sec_sd *again = NULL;
	struct sec_sd *decoded = NULL;
	char *s1 = NULL;
	char *s2 = NULL;
	uint8_t *bin = NULL;
	size_t n = 0;

	if (hr_failed(sec_sddl_parse(mem, text, dom, &sd, NULL))) {
		return;
	}
	if (hr_failed(sec_sddl_format(mem, sd, dom, &s1, NULL))) {
		return; /* only out of memory can fail here */
	}
	check(hr_ok(sec_sddl_parse(mem, s1, dom, &again, NULL)));
	check(sec_sd_equal(sd, again));
	check(hr_ok(sec_sddl_format(mem, again, dom, &s2, NULL)));
	check(strcmp(s1, s2) == 0);
	check(hr_ok(sec_sd_encode(mem, sd, &bin, &n, NULL)));
	check(hr_ok(sec_sd_decode(mem, bin, n, &decoded, NULL)));
	check(sec_sd_equal(sd, decoded));
	exercise(mem, sd);
}

static void binary_round_trip(void *mem, const uint8_t *data, size_t size)
{
	struct sec_sd *sd = NULL;
	struct sec_sd *again = NULL;
	uint8_t *bin = NULL;
	size_t n = 0;
	char *text = NULL;

	if (hr_failed(sec_sd_decode(mem, data, size, &sd, NULL))) {
		return;
	}
	check(hr_ok(sec_sd_encode(mem, sd, &bin, &n, NULL)));
	check(hr_ok(sec_sd_decode(mem, bin, n, &again, NULL)));
	check(sec_sd_equal(sd, again));
	(void)sec_sddl_format(mem, sd, NULL, &text, NULL);
	exercise(mem, sd);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static const uint32_t subs[] = { 21, 1, 2, 3 };
	void *mem;
	char *text;
	struct sec_sid dom;

	if (size > MAX_INPUT) {
		return 0;
	}
	mem = talloc_new(NULL);
	text = talloc_size(mem, size + 1);
	if (mem == NULL || text == NULL) {
		talloc_free(mem);
		return 0;
	}
	if (size > 0) {
		memcpy(text, data, size);
	}
	text[size] = '\0';
	sec_sid_make(&dom, 5, 4, subs);
	text_round_trip(mem, &dom, text);
	binary_round_trip(mem, data, size);
	talloc_free(mem);
	return 0;
}
