/*
 * fuzz_objpath: object path parse, canonical format, reparse and compare.
 *
 * Invariants checked: a parsed path formats to text that parses again,
 * names the same object (objpath_equal), and formats identically (the
 * canonical form is a fixed point); sorting keys keeps equality.
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <talloc.h>

#include "cim/objpath.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	void *mem;
	char *text;
	struct objpath *p = NULL;
	struct objpath *q = NULL;
	struct errinfo ei = { 0 };
	char *f1;
	char *f2;

	if (size > 70000) {
		return 0;
	}
	mem = talloc_new(NULL);
	text = talloc_size(mem, size + 1);
	if (mem == NULL || text == NULL) {
		abort();
	}
	memcpy(text, data, size);
	text[size] = '\0';
	if (hr_failed(objpath_parse(mem, text, &p, &ei))) {
		if (!hr_eq(ei.hr, HR_WBEM_E_INVALID_OBJECT_PATH) ||
		    ei.offset > size) {
			abort();
		}
		talloc_free(mem);
		return 0;
	}
	f1 = objpath_format(mem, p);
	if (f1 == NULL || objpath_format_rel(mem, p) == NULL) {
		abort();
	}
	if (hr_failed(objpath_parse(mem, f1, &q, NULL))) {
		/* Canonical text may outgrow the 64 KiB limit by escaping. */
		if (strlen(f1) <= 65536) {
			abort();
		}
		talloc_free(mem);
		return 0;
	}
	f2 = objpath_format(mem, q);
	if (f2 == NULL || strcmp(f1, f2) != 0 || !objpath_equal(p, q) ||
	    !objpath_equal(q, p)) {
		abort();
	}
	objpath_sort_keys(q);
	if (!objpath_equal(p, q)) {
		abort();
	}
	talloc_free(mem);
	return 0;
}
