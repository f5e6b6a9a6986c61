/*
 * fuzz_mof: the MOF lexer and parser (STYLE.md section 12).
 *
 * Parses the input as a MOF buffer with includes disabled (a fuzzer must
 * not read files), then encodes and decodes every class it produced with
 * the repository codec, so that whatever the parser builds is a valid
 * model object.  A second parse with tight limits exercises the limit
 * paths.  Nothing may leak: everything hangs off one talloc context.
 */
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <talloc.h>

#include "base/buf.h"
#include "mof/mof.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static void check_unit(void *mem, const struct mof_unit *u)
{
	for (uint32_t i = 0; i < u->n_items; i++) {
		const struct mof_item *it = &u->items[i];
		struct cim_class *back = NULL;
		struct buf b;

		if (it->ns == NULL || it->ns[0] == '\0') {
			abort();
		}
		if (it->kind != MOF_ITEM_CLASS) {
			continue;
		}
		buf_init(&b, mem);
		if (hr_ok(cim_class_encode(&b, it->u.cls)) &&
		    hr_failed(cim_class_decode(mem, b.data, b.len, &back))) {
			abort();
		}
		buf_release(&b);
	}
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct mof_options o = { .no_includes = true };
	struct mof_unit *u = NULL;
	struct errinfo ei;
	void *mem = talloc_new(NULL);

	if (mem == NULL) {
		return 0;
	}
	err_clear(&ei);
	if (hr_ok(mof_parse_buffer(mem, data, size, "fuzz.mof", &o, &u, &ei))) {
		check_unit(mem, u);
	} else if (ei.msg[0] == '\0') {
		abort(); /* every failure explains itself */
	}
	o.max_depth = 3;
	o.max_ident = 16;
	err_clear(&ei);
	mof_parse_buffer(mem, data, size, NULL, &o, &u, &ei);
	talloc_free(mem);
	return 0;
}
