/*
 * base/alloc.h (raw heap wrappers and the Nth-call fault injector) and the
 * allocation-failure loop itself (tests/unit/oomtest.h, oomwrap.c): the
 * loop must reach every allocation, talloc and raw.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>
#include <talloc.h>

#include <cmocka.h>

#include "../oomtest.h"
#include "base/alloc.h"
#include "base/buf.h"

static void test_raw_wrappers(void **state)
{
	char *p = owmi_malloc(0);
	uint32_t *z;

	(void)state;
	assert_non_null(p);
	p = owmi_realloc(p, 16);
	assert_non_null(p);
	memcpy(p, "0123456789abcdef", 16);
	owmi_free(p);
	owmi_free(NULL);
	z = owmi_calloc(4, sizeof(*z));
	assert_non_null(z);
	assert_int_equal(z[0] | z[1] | z[2] | z[3], 0);
	owmi_free(z);
	assert_null(owmi_calloc(SIZE_MAX / 2, 4));
}

static void test_fails_exactly_the_nth(void **state)
{
	void *a, *b, *c;

	(void)state;
	owmi_alloc_fail_at(2, false);
	a = owmi_malloc(8);
	b = owmi_malloc(8);
	c = owmi_realloc(a, 32);
	assert_non_null(a);
	assert_null(b);
	assert_non_null(c);
	assert_int_equal(owmi_alloc_calls(), 3);
	assert_int_equal(owmi_alloc_failures(), 1);
	owmi_alloc_fail_reset();
	owmi_free(c);
}

static void test_persistent_failure_and_realloc_keeps_block(void **state)
{
	char *a = owmi_malloc(4);
	char *b;

	(void)state;
	memcpy(a, "abc", 4);
	owmi_alloc_fail_at(1, true);
	b = owmi_realloc(a, 4096);
	assert_null(b);
	assert_null(owmi_malloc(1));
	assert_int_equal(owmi_alloc_failures(), 2);
	owmi_alloc_fail_reset();
	assert_string_equal(a, "abc");
	b = owmi_malloc(1);
	assert_non_null(b);
	owmi_free(b);
	owmi_free(a);
}

static void test_talloc_calls_are_counted_and_failed(void **state)
{
	void *mem = talloc_new(NULL);
	char *s;

	(void)state;
	owmi_alloc_fail_at(3, false);
	assert_non_null(talloc_strdup(mem, "a"));
	assert_non_null(talloc_zero(mem, uint64_t));
	assert_null(talloc_asprintf(mem, "%d", 3));
	s = talloc_array(mem, char, 8);
	assert_non_null(s);
	assert_null(talloc_strdup(mem, NULL)); /* not an allocation */
	assert_int_equal(owmi_alloc_calls(), 4);
	owmi_alloc_fail_reset();
	talloc_free(mem);
}

/* buf under every failure: a sticky E_OUTOFMEMORY, no leak. */
static hresult build_text(void *mem, void *arg)
{
	struct buf b;
	hresult hr = HR_OK;

	(void)arg;
	buf_init(&b, mem);
	for (int i = 0; i < 40 && hr_ok(hr); i++) {
		hr = buf_addf(&b, "%d:%s;", i, "some text to grow the buffer");
	}
	buf_release(&b);
	return hr;
}

static void test_loop_over_buf(void **state)
{
	struct oom_loop l = { .body = build_text,
		              .flags = OOM_EMPTY_ON_FAILURE };

	(void)state;
	for_each_alloc_failure(&l);
	assert_true(l.calls >= 3);
	assert_int_equal(l.runs, l.calls + 1);
	assert_int_equal(l.failures, l.calls);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_raw_wrappers),
		cmocka_unit_test(test_fails_exactly_the_nth),
		cmocka_unit_test(
		        test_persistent_failure_and_realloc_keeps_block),
		cmocka_unit_test(test_talloc_calls_are_counted_and_failed),
		cmocka_unit_test(test_loop_over_buf),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
