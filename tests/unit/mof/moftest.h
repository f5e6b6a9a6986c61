/*
 * moftest: helpers shared by the MOF compiler's unit tests.
 */
#ifndef OWMI_TESTS_MOFTEST_H
#define OWMI_TESTS_MOFTEST_H

#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#include <cmocka.h>

#include <stdio.h>
#include <string.h>
#include <talloc.h>

#include "base/errinfo.h"
#include "base/hresult.h"
#include "mof/mof.h"

#define assert_hr(expr, want)                                           \
	do {                                                            \
		hresult got_ = (expr);                                  \
		if (!hr_eq(got_, (want))) {                             \
			fail_msg("%s: got %s (0x%08X), want %s", #expr, \
			         hr_name(got_), got_.v, hr_name(want)); \
		}                                                       \
	} while (0)

#define assert_ok(expr) assert_hr((expr), HR_OK)

/* Parses [text] into a unit under [mem]; fails the test on error. */
static inline struct mof_unit *parse_ok_o(void *mem,
                                          const char *text,
                                          const struct mof_options *o)
{
	struct mof_unit *u = NULL;
	struct errinfo ei;
	hresult hr;

	err_clear(&ei);
	hr = mof_parse_buffer(mem, text, strlen(text), "t.mof", o, &u, &ei);
	if (hr_failed(hr)) {
		fail_msg("parse failed: %s %s (%u:%u) %s", hr_name(hr), ei.file,
		         ei.line, ei.col, ei.msg);
	}
	assert_non_null(u);
	return u;
}

static inline struct mof_unit *parse_ok(void *mem, const char *text)
{
	return parse_ok_o(mem, text, NULL);
}

/* Parses [text] expecting failure; returns the code, fills [ei]. */
static inline hresult parse_fail(const char *text,
                                 size_t len,
                                 struct errinfo *ei)
{
	struct mof_unit *u = NULL;
	void *mem = talloc_new(NULL);
	hresult hr;

	err_clear(ei);
	hr = mof_parse_buffer(mem, text, len, "t.mof", NULL, &u, ei);
	assert_true(hr_failed(hr));
	assert_null(u);
	/* Nothing is left under the caller's context on failure. */
	assert_int_equal(talloc_total_blocks(mem), 1);
	talloc_free(mem);
	return hr;
}

/* Returns the first item of [kind], or fails. */
static inline struct mof_item *item_of(struct mof_unit *u,
                                       enum mof_item_kind kind,
                                       uint32_t nth)
{
	for (uint32_t i = 0; i < u->n_items; i++) {
		if (u->items[i].kind == kind && nth-- == 0) {
			return &u->items[i];
		}
	}
	fail_msg("no item of kind %d", kind);
	return NULL;
}

static inline const struct cim_qualifier *qual(
        const struct cim_qualifier_set *qs,
        const char *name)
{
	const struct cim_qualifier *q = cim_qset_find(qs, name);

	if (q == NULL) {
		fail_msg("qualifier %s missing", name);
	}
	return q;
}

/* Writes [text] to [dir]/[name]; returns the path under [mem]. */
static inline char *write_file(void *mem,
                               const char *dir,
                               const char *name,
                               const void *text,
                               size_t len)
{
	char *path = talloc_asprintf(mem, "%s/%s", dir, name);
	FILE *f = fopen(path, "wb");

	assert_non_null(f);
	assert_int_equal(fwrite(text, 1, len, f), len);
	fclose(f);
	return path;
}

static inline char *write_str(void *mem,
                              const char *dir,
                              const char *name,
                              const char *text)
{
	return write_file(mem, dir, name, text, strlen(text));
}

#endif
