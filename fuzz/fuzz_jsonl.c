/*
 * fuzz_jsonl: the event-log line reader (base/jsonl.h) on arbitrary
 * bytes: every line of the input is parsed; a parsed line's fields are
 * looked up as the event log provider does.
 */
#include <stddef.h>
#include <stdint.h>
#include <string.h>
#include <talloc.h>

#include "base/jsonl.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	const char *p = (const char *)data;
	const char *end = p + size;
	void *mem = talloc_new(NULL);

	while (p < end) {
		const char *nl = memchr(p, '\n', (size_t)(end - p));
		size_t len = nl != NULL ? (size_t)(nl - p) : (size_t)(end - p);
		struct jsonl_record r = { 0 };

		if (jsonl_parse(mem, p, len, &r.f, &r.n)) {
			size_t n = 0;

			(void)jsonl_get(&r, "EventID");
			(void)jsonl_get(&r, "Message");
			(void)jsonl_get_arr(&r, "InsertionStrings", &n);
			for (size_t i = 0; i < r.n; i++) {
				if (r.f[i].str != NULL) {
					(void)strlen(r.f[i].str);
				}
				for (size_t k = 0; k < r.f[i].n_arr; k++) {
					(void)strlen(r.f[i].arr[k]);
				}
			}
		}
		p += len + 1;
	}
	talloc_free(mem);
	return 0;
}
