/*
 * jsonl: writing, escaping, size-bounded rotation, reading back, and the
 * reader's refusal of hostile lines.
 */
#include <pthread.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <talloc.h>
#include <unistd.h>

#include <cmocka.h>

#include "base/jsonl.h"

struct fx {
	char dir[64];
	char path[128];
};

static int setup(void **state)
{
	struct fx *f = calloc(1, sizeof(*f));

	snprintf(f->dir, sizeof(f->dir), "/tmp/owmi-jsonl-XXXXXX");
	if (mkdtemp(f->dir) == NULL) {
		free(f);
		return -1;
	}
	snprintf(f->path, sizeof(f->path), "%s/t.log", f->dir);
	*state = f;
	return 0;
}

static int teardown(void **state)
{
	struct fx *f = *state;
	char p[160];

	unlink(f->path);
	snprintf(p, sizeof(p), "%s.1", f->path);
	unlink(p);
	rmdir(f->dir);
	free(f);
	return 0;
}

static void write_raw(const char *path, const char *text)
{
	FILE *fp = fopen(path, "w");

	assert_non_null(fp);
	fputs(text, fp);
	fclose(fp);
}

static void test_round_trip_with_escapes(void **state)
{
	struct fx *f = *state;
	void *mem = talloc_new(NULL);
	struct jsonl_out o;
	struct jsonl_record *r = NULL;
	size_t n = 0, na = 0;
	const char *arr[] = { "a\"b", "c\\d", "e\nf" };
	char *const *got;

	jsonl_begin(&o, mem);
	jsonl_str(&o, "User", "DOM\\alice \"x\"\t\x01 é", 100);
	jsonl_u64(&o, "EventID", 10016);
	jsonl_strv(&o, "S", arr, 3, 100);
	assert_true(hr_ok(jsonl_append(&o, f->path, 0)));
	jsonl_begin(&o, mem);
	jsonl_str(&o, "Cut", "abcdef", 3);
	assert_true(hr_ok(jsonl_append(&o, f->path, 0)));

	assert_true(hr_ok(jsonl_read(mem, f->path, 0, &r, &n, NULL)));
	assert_int_equal(n, 2);
	assert_string_equal(jsonl_get(&r[0], "User"),
	                    "DOM\\alice \"x\"\t\x01 é");
	assert_string_equal(jsonl_get(&r[0], "EventID"), "10016");
	assert_null(jsonl_get(&r[0], "S"));
	got = jsonl_get_arr(&r[0], "S", &na);
	assert_int_equal(na, 3);
	assert_string_equal(got[0], "a\"b");
	assert_string_equal(got[1], "c\\d");
	assert_string_equal(got[2], "e\nf");
	assert_int_equal(r[0].line, 1);
	assert_string_equal(jsonl_get(&r[1], "Cut"), "abc");
	assert_null(jsonl_get(&r[1], "Nope"));
	talloc_free(mem);
}

static void test_hostile_lines_are_skipped(void **state)
{
	struct fx *f = *state;
	void *mem = talloc_new(NULL);
	struct jsonl_record *r = NULL;
	size_t n = 0;
	char *big = malloc(JSONL_MAX_LINE + 64);
	FILE *fp;

	write_raw(f->path, "{\"A\":\"1\"}\n"
	                   "not json\n"
	                   "{\"A\":\"unterminated}\n"
	                   "{\"A\":\"\\u0000\"}\n"
	                   "{\"A\":\"\\ud800\"}\n"
	                   "{\"A\":\"\\x\"}\n"
	                   "{\"A\":[\"a\",1]}\n"
	                   "{\"A\":123456789012345678901234}\n"
	                   "{\"A\":\"1\"} trailing\n"
	                   "{\"A\":{\"nested\":1}}\n"
	                   "{\"A\":-1}\n"
	                   "\xff\xfe{\"A\":\"1\"}\n"
	                   "[]\n"
	                   "{}\n"
	                   "{\"B\":\"\\u00e9\",\"C\":7}\n"
	                   "{\"torn\":\"la");
	/* A line past the limit. */
	fp = fopen(f->path, "a");
	assert_non_null(fp);
	memset(big, 'x', JSONL_MAX_LINE + 63);
	big[0] = '{';
	big[JSONL_MAX_LINE + 63] = '\0';
	fputs("\n", fp);
	fputs(big, fp);
	fputs("\n{\"Z\":\"last\"}\n", fp);
	fclose(fp);
	free(big);

	assert_true(hr_ok(jsonl_read(mem, f->path, 0, &r, &n, NULL)));
	assert_int_equal(n, 4);
	assert_string_equal(jsonl_get(&r[0], "A"), "1");
	assert_int_equal(r[1].n, 0); /* {} */
	assert_string_equal(jsonl_get(&r[2], "B"), "é");
	assert_string_equal(jsonl_get(&r[2], "C"), "7");
	assert_string_equal(jsonl_get(&r[3], "Z"), "last");
	/* Keep the last 2 only. */
	assert_true(hr_ok(jsonl_read(mem, f->path, 2, &r, &n, NULL)));
	assert_int_equal(n, 2);
	assert_string_equal(jsonl_get(&r[1], "Z"), "last");
	talloc_free(mem);
}

static void test_too_many_fields_refused(void **state)
{
	void *mem = talloc_new(NULL);
	struct jsonl_field *fl = NULL;
	size_t n = 0;
	char line[4096];
	size_t k = 0;

	(void)state;
	k += (size_t)snprintf(line + k, sizeof(line) - k, "{");
	for (unsigned i = 0; i <= JSONL_MAX_FIELDS; i++) {
		k += (size_t)snprintf(line + k, sizeof(line) - k,
		                      "%s\"k%u\":\"v\"", i ? "," : "", i);
	}
	k += (size_t)snprintf(line + k, sizeof(line) - k, "}");
	assert_false(jsonl_parse(mem, line, k, &fl, &n));
	assert_true(jsonl_parse(mem, "{\"a\":\"b\"}", 9, &fl, &n));
	assert_int_equal(n, 1);
	talloc_free(mem);
}

static void test_rotates_past_max_bytes(void **state)
{
	struct fx *f = *state;
	void *mem = talloc_new(NULL);
	struct jsonl_record *r = NULL;
	size_t n = 0;
	char old[160];
	struct stat st;

	for (int i = 0; i < 10; i++) {
		struct jsonl_out o;

		jsonl_begin(&o, mem);
		jsonl_u64(&o, "N", (uint64_t)i);
		assert_true(hr_ok(jsonl_append(&o, f->path, 40)));
	}
	assert_int_equal(stat(f->path, &st), 0);
	assert_true(st.st_size <= 40);
	snprintf(old, sizeof(old), "%s.1", f->path);
	assert_int_equal(stat(old, &st), 0);
	assert_true(hr_ok(jsonl_read(mem, f->path, 0, &r, &n, NULL)));
	assert_true(n >= 1);
	assert_string_equal(jsonl_get(&r[n - 1], "N"), "9");
	talloc_free(mem);
}

static const char *race_path;

static void *race_writer(void *arg)
{
	void *mem = talloc_new(NULL);

	for (int i = 0; i < 300; i++) {
		struct jsonl_out o;

		jsonl_begin(&o, mem);
		jsonl_u64(&o, "T", (uint64_t)(uintptr_t)arg);
		jsonl_str(&o, "Pad", "0123456789abcdef0123456789abcdef", 64);
		if (hr_failed(jsonl_append(&o, race_path, 2000))) {
			talloc_free(mem);
			return (void *)1;
		}
	}
	talloc_free(mem);
	return NULL;
}

/* Writers on several threads rotating the same file: every line of both
   files is whole, and the current file stays within its bound. */
static void test_concurrent_rotation_keeps_lines_whole(void **state)
{
	struct fx *f = *state;
	void *mem = talloc_new(NULL);
	pthread_t t[4];
	char old[160], line[256];
	struct stat st;
	FILE *fp;
	size_t lines = 0;

	race_path = f->path;
	for (uintptr_t i = 0; i < 4; i++) {
		assert_int_equal(
		        pthread_create(&t[i], NULL, race_writer, (void *)i), 0);
	}
	for (int i = 0; i < 4; i++) {
		void *rv = (void *)1;

		pthread_join(t[i], &rv);
		assert_null(rv);
	}
	assert_int_equal(stat(f->path, &st), 0);
	assert_true(st.st_size <= 2000);
	snprintf(old, sizeof(old), "%s.1", f->path);
	for (int k = 0; k < 2; k++) {
		fp = fopen(k ? old : f->path, "r");
		assert_non_null(fp);
		while (fgets(line, sizeof(line), fp) != NULL) {
			struct jsonl_field *fl = NULL;
			size_t n = 0, len = strlen(line);

			assert_true(len > 0 && line[len - 1] == '\n');
			assert_true(jsonl_parse(mem, line, len - 1, &fl, &n));
			assert_int_equal(n, 2);
			lines++;
		}
		fclose(fp);
	}
	assert_true(lines > 0);
	talloc_free(mem);
}

static void test_missing_file_and_folder(void **state)
{
	struct fx *f = *state;
	void *mem = talloc_new(NULL);
	struct jsonl_record *r = NULL;
	struct jsonl_out o;
	size_t n = 0;
	char p[160];

	assert_true(hr_eq(jsonl_read(mem, f->path, 0, &r, &n, NULL),
	                  HR_HR_ERROR_FILE_NOT_FOUND));
	snprintf(p, sizeof(p), "%s/nope/x.log", f->dir);
	jsonl_begin(&o, mem);
	jsonl_str(&o, "A", "b", 10);
	assert_true(hr_eq(jsonl_append(&o, p, 0), HR_HR_ERROR_FILE_NOT_FOUND));
	talloc_free(mem);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup_teardown(test_round_trip_with_escapes,
		                                setup, teardown),
		cmocka_unit_test_setup_teardown(test_hostile_lines_are_skipped,
		                                setup, teardown),
		cmocka_unit_test(test_too_many_fields_refused),
		cmocka_unit_test_setup_teardown(test_rotates_past_max_bytes,
		                                setup, teardown),
		cmocka_unit_test_setup_teardown(
		        test_concurrent_rotation_keeps_lines_whole, setup,
		        teardown),
		cmocka_unit_test_setup_teardown(test_missing_file_and_folder,
		                                setup, teardown),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
