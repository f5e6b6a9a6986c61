/*
 * Unit tests for the WQL LIKE matcher: the wildcard table of reference
 * section 7.2, sets and ranges, case folding, UTF-8, pathological
 * patterns, and the compiled form agreeing with the plain one.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#include <cmocka.h>

#include <string.h>
#include <talloc.h>
#include <time.h>

#include "wql/wql.h"

struct like_case {
	const char *text;
	const char *pattern;
	bool want;
};

static void check(const struct like_case *c, size_t n)
{
	void *mem = talloc_new(NULL);

	for (size_t k = 0; k < n; k++) {
		struct wql_like *pat = NULL;

		if (wql_like(c[k].text, c[k].pattern) != c[k].want) {
			print_error("'%s' LIKE '%s' should be %d\n", c[k].text,
			            c[k].pattern, c[k].want);
			fail();
		}
		assert_true(hr_ok(wql_like_compile(mem, c[k].pattern, &pat)));
		assert_int_equal(wql_like_match(pat, c[k].text), c[k].want);
	}
	talloc_free(mem);
}

#define CHECK(cases) check(cases, sizeof(cases) / sizeof(cases[0]))

static void test_percent(void **state)
{
	static const struct like_case cases[] = {
		{ "notepad.exe", "%", true },
		{ "", "%", true },
		{ "", "%%", true },
		{ "notepad.exe", "note%", true },
		{ "notepad.exe", "%.exe", true },
		{ "notepad.exe", "%pad%", true },
		{ "notepad.exe", "n%e", true },
		{ "notepad.exe", "n%x", false },
		{ "notepad.exe", "%pad", false },
		{ "abc", "a%%c", true },
		{ "abc", "abc%", true },
		{ "abc", "%abc", true },
		{ "ab", "abc%", false },
		{ "aXbXc", "%b%c", true },
		{ "mississippi", "%iss%ppi", true },
		{ "mississippi", "m%ss%ss%", true },
		{ "mississippi", "m%ss%ss%ss%", false },
	};

	(void)state;
	CHECK(cases);
}

static void test_underscore(void **state)
{
	static const struct like_case cases[] = {
		{ "abc", "a_c", true },     { "ac", "a_c", false },
		{ "abbc", "a_c", false },   { "abc", "___", true },
		{ "abc", "____", false },   { "a_c", "a[_]c", true },
		{ "abc", "a[_]c", false },  { "a%c", "a[%]c", true },
		{ "abc", "a[%]c", false },  { "x", "_", true },
		{ "", "_", false },         { "abc", "_%", true },
		{ "abc", "%_", true },      { "abc", "%_%_%_%", true },
		{ "ab", "%_%_%_%", false },
	};

	(void)state;
	CHECK(cases);
}

static void test_sets_and_ranges(void **state)
{
	static const struct like_case cases[] = {
		{ "b", "[abc]", true },
		{ "d", "[abc]", false },
		{ "e", "[a-f]", true },
		{ "g", "[a-f]", false },
		{ "E", "[a-f]", true },
		{ "e", "[A-F]", true },
		{ "5", "[0-9]", true },
		{ "x5y", "x[0-9]y", true },
		{ "xay", "x[0-9]y", false },
		{ "d", "[^abc]", true },
		{ "a", "[^abc]", false },
		{ "A", "[^abc]", false },
		{ "z", "[^a-f]", true },
		{ "c", "[^a-f]", false },
		{ "-", "[a-]", true },
		{ "-", "[-a]", true },
		{ "b", "[a-]", false },
		{ "]", "[]]", true },
		{ "^", "[x^]", true },
		{ "Win32_Process", "Win32[_]%", true },
		{ "Win32XProcess", "Win32[_]%", false },
		{ "Win32XProcess", "Win32_%", true },
		{ "[", "[", true },
		{ "[ab", "[ab", true },
		{ "a", "[ab", false },
		{ "c", "[a-cx-z]", true },
		{ "y", "[a-cx-z]", true },
		{ "m", "[a-cx-z]", false },
	};

	(void)state;
	CHECK(cases);
}

static void test_empty_pattern(void **state)
{
	static const struct like_case cases[] = {
		{ "", "", true },
		{ "a", "", false },
		{ "", "a", false },
	};

	(void)state;
	CHECK(cases);
}

static void test_case_insensitive_and_utf8(void **state)
{
	static const struct like_case cases[] = {
		{ "NOTEPAD.EXE", "notepad.exe", true },
		{ "Notepad.Exe", "%PAD%", true },
		/* é vs É (Latin-1), ŁÓDŹ vs łódź (Extended-A) */
		{ "caf\xc3\xa9", "CAF\xc3\x89", true },
		{ "\xc5\x81\xc3\x93"
		  "D\xc5\xb9",
		  "\xc5\x82\xc3\xb3"
		  "d\xc5\xba",
		  true },
		/* Greek and Cyrillic */
		{ "\xce\xa3\xce\x99", "\xcf\x83\xce\xb9", true },
		{ "\xd0\x9c\xd0\x98\xd0\xa0", "\xd0\xbc\xd0\xb8\xd1\x80",
		  true },
		/* _ takes one code point, not one byte */
		{ "\xe2\x82\xac", "_", true },
		{ "a\xe2\x82\xac"
		  "b",
		  "a_b", true },
		{ "a\xe2\x82\xac"
		  "b",
		  "a__b", false },
		{ "\xf0\x9f\x98\x80", "[\xf0\x9f\x98\x80]", true },
		{ "\xc3\xa9", "[\xc3\xa0-\xc3\xaf]", true },
		{ "\xc3\x89", "[\xc3\xa0-\xc3\xaf]", true },
	};

	(void)state;
	CHECK(cases);
}

static void test_invalid_utf8_text_does_not_crash(void **state)
{
	(void)state;
	assert_true(wql_like("a\xff"
	                     "b",
	                     "a_b"));
	assert_true(wql_like("a\xc3", "a_"));
	assert_false(wql_like("a\xc3", "a"));
	assert_true(wql_like("\xe2\x82", "%"));
}

static double now_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec * 1e3 + (double)ts.tv_nsec / 1e6;
}

static void test_pathological_patterns_are_fast(void **state)
{
	void *mem = talloc_new(NULL);
	size_t n = 100000;
	char *text = talloc_size(mem, n + 1);
	char *pat = talloc_size(mem, 2 * 60 + 2);
	double t0;

	(void)state;
	memset(text, 'a', n);
	text[n] = '\0';
	for (int k = 0; k < 60; k++) {
		pat[2 * k] = '%';
		pat[2 * k + 1] = 'a';
	}
	pat[120] = 'b';
	pat[121] = '\0';
	t0 = now_ms();
	assert_false(wql_like(text, pat));
	/*
	 * A backtracking matcher takes years here and O(n*m) well under a
	 * second; the bound only tells those apart (it is no speed target),
	 * so it leaves room for sanitizers on a loaded machine.
	 */
	assert_true(now_ms() - t0 < 20000.0);
	pat[120] = '%';
	assert_true(wql_like(text, pat));
	/* Many underscores after a % against a long text. */
	memset(pat, '_', 100);
	pat[0] = '%';
	pat[100] = 'b';
	pat[101] = '\0';
	t0 = now_ms();
	assert_false(wql_like(text, pat));
	assert_true(now_ms() - t0 < 20000.0);
	talloc_free(mem);
}

static void test_long_pattern_uses_heap(void **state)
{
	void *mem = talloc_new(NULL);
	char *pat = talloc_size(mem, 301);
	char *text = talloc_size(mem, 201);

	(void)state;
	for (int k = 0; k < 100; k++) {
		memcpy(pat + 3 * k, "[a]", 3);
	}
	pat[300] = '\0';
	memset(text, 'a', 100);
	text[100] = '\0';
	assert_true(wql_like(text, pat));
	text[99] = 'b';
	assert_false(wql_like(text, pat));
	assert_false(wql_like(NULL, "%"));
	assert_false(wql_like("a", NULL));
	talloc_free(mem);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_percent),
		cmocka_unit_test(test_underscore),
		cmocka_unit_test(test_sets_and_ranges),
		cmocka_unit_test(test_empty_pattern),
		cmocka_unit_test(test_case_insensitive_and_utf8),
		cmocka_unit_test(test_invalid_utf8_text_does_not_crash),
		cmocka_unit_test(test_pathological_patterns_are_fast),
		cmocka_unit_test(test_long_pattern_uses_heap),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
