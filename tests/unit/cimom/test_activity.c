/*
 * Tests of the activity log file format: write, read back, filters,
 * escaping, torn lines, the Windows message text.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <talloc.h>
#include <unistd.h>

#include <cmocka.h>

#include "cimom/activity.h"

struct lf {
	char dir[64];
	char path[128];
};

static int setup(void **state)
{
	struct lf *l = talloc_zero(NULL, struct lf);

	snprintf(l->dir, sizeof(l->dir), "/tmp/owmi-act-XXXXXX");
	assert_non_null(mkdtemp(l->dir));
	snprintf(l->path, sizeof(l->path), "%s/activity.log", l->dir);
	*state = l;
	return 0;
}

static int teardown(void **state)
{
	struct lf *l = *state;

	unlink(l->path);
	rmdir(l->dir);
	talloc_free(l);
	return 0;
}

static struct cimom_activity_event sample(uint32_t code, const char *user)
{
	struct cimom_activity_event ev = {
		.event_id = 5858,
		.id = "{00000000-0000-0000-0000-000000000001}",
		.client_machine = "HOST",
		.user = (char *)user,
		.client_pid = 1234,
		.operation = "Start IWbemServices::ExecQuery - root\\cimv2 : "
		             "SELECT * FROM Win32_Foo",
		.result_code = code,
		.ns = "root\\cimv2",
	};

	return ev;
}

static void test_write_read_roundtrip(void **state)
{
	struct lf *l = *state;
	struct cimom_activity_log *log = NULL;
	struct cimom_activity_event ev = sample(0x80041010, "DOM\\u1");
	struct cimom_activity_event *out = NULL;
	size_t n = 0;

	assert_true(hr_ok(cimom_activity_open(l, l->path, &log)));
	ev.possible_cause = "tab\there \"quoted\" \x01 done";
	assert_true(hr_ok(cimom_activity_write(log, &ev)));
	assert_true(
	        hr_ok(cimom_activity_read(l, l->path, NULL, &out, &n, NULL)));
	assert_int_equal(n, 1);
	assert_int_equal(out[0].event_id, 5858);
	assert_int_equal(out[0].result_code, 0x80041010);
	assert_int_equal(out[0].client_pid, 1234);
	assert_string_equal(out[0].user, "DOM\\u1");
	assert_string_equal(out[0].operation, ev.operation);
	assert_string_equal(out[0].possible_cause, ev.possible_cause);
	assert_string_equal(out[0].component, "Unknown");
	assert_string_equal(out[0].ns, "root\\cimv2");
	assert_true(strlen(out[0].time) > 20);
}

static void test_file_format_is_one_json_line(void **state)
{
	struct lf *l = *state;
	struct cimom_activity_log *log = NULL;
	struct cimom_activity_event ev = sample(0x80041002, "u");
	char line[2048];
	FILE *fp;

	assert_true(hr_ok(cimom_activity_open(l, l->path, &log)));
	assert_true(hr_ok(cimom_activity_write(log, &ev)));
	fp = fopen(l->path, "r");
	assert_non_null(fp);
	assert_non_null(fgets(line, sizeof(line), fp));
	assert_null(fgets(line + 1000, 100, fp));
	fclose(fp);
	assert_true(strncmp(line, "{\"TimeCreated\":\"", 16) == 0);
	assert_non_null(strstr(line, ",\"EventID\":5858,\"Id\":\"{"));
	assert_non_null(strstr(line, "\"ResultCode\":\"0x80041002\""));
	assert_non_null(strstr(line, "\"PossibleCause\":\"Unknown\""));
	assert_non_null(strstr(line,
	                       "\"Operation\":\"Start IWbemServices::ExecQuery "
	                       "- root\\\\cimv2 : SELECT * FROM Win32_Foo\""));
	assert_true(line[strlen(line) - 1] == '\n');
}

static void test_filters_and_max(void **state)
{
	struct lf *l = *state;
	struct cimom_activity_log *log = NULL;
	struct cimom_activity_event *out = NULL;
	struct cimom_activity_filter f = { 0 };
	size_t n = 0;

	assert_true(hr_ok(cimom_activity_open(l, l->path, &log)));
	for (uint32_t i = 0; i < 10; i++) {
		struct cimom_activity_event ev = sample(
		        i % 2 ? 0x80041010 : 0x80041002,
		        i < 5 ? "alice" : "bob");

		ev.client_pid = i;
		assert_true(hr_ok(cimom_activity_write(log, &ev)));
	}
	f.result_code = 0x80041010;
	assert_true(hr_ok(cimom_activity_read(l, l->path, &f, &out, &n, NULL)));
	assert_int_equal(n, 5);
	f.user = "BOB";
	assert_true(hr_ok(cimom_activity_read(l, l->path, &f, &out, &n, NULL)));
	assert_int_equal(n, 3);
	memset(&f, 0, sizeof(f));
	f.max = 3;
	assert_true(hr_ok(cimom_activity_read(l, l->path, &f, &out, &n, NULL)));
	assert_int_equal(n, 3);
	assert_int_equal(out[0].client_pid, 7);
	assert_int_equal(out[2].client_pid, 9);
}

static void test_torn_line_skipped(void **state)
{
	struct lf *l = *state;
	struct cimom_activity_log *log = NULL;
	struct cimom_activity_event ev = sample(0x80041010, "u");
	struct cimom_activity_event *out = NULL;
	size_t n = 0;
	FILE *fp;

	assert_true(hr_ok(cimom_activity_open(l, l->path, &log)));
	assert_true(hr_ok(cimom_activity_write(log, &ev)));
	fp = fopen(l->path, "a");
	fputs("{\"TimeCreated\":\"x\",\"EventID\":58", fp);
	fclose(fp);
	assert_true(
	        hr_ok(cimom_activity_read(l, l->path, NULL, &out, &n, NULL)));
	assert_int_equal(n, 1);
}

static void test_missing_file(void **state)
{
	struct lf *l = *state;
	struct cimom_activity_event *out = NULL;
	size_t n = 0;

	assert_true(hr_eq(cimom_activity_read(l, "/nonexistent/x.log", NULL,
	                                      &out, &n, NULL),
	                  HR_HR_ERROR_FILE_NOT_FOUND));
	assert_true(hr_eq(
	        cimom_activity_open(l, "/nonexistent/x.log",
	                            &(struct cimom_activity_log *){ NULL }),
	        HR_HR_ERROR_FILE_NOT_FOUND));
}

static void test_message_text(void **state)
{
	struct cimom_activity_event ev = sample(0x80041010, "DOM\\u");
	char *msg = cimom_activity_format_message(*state, &ev);

	assert_string_equal(
	        msg, "Id = {00000000-0000-0000-0000-000000000001}; "
	             "ClientMachine = HOST; User = DOM\\u; ClientProcessId = "
	             "1234; Component = Unknown; Operation = Start "
	             "IWbemServices::ExecQuery - root\\cimv2 : SELECT * FROM "
	             "Win32_Foo; ResultCode = 0x80041010; PossibleCause = "
	             "Unknown");
}

int main(void)
{
	const struct CMUnitTest tests[] = {
#define T(x) cmocka_unit_test_setup_teardown(x, setup, teardown)
		T(test_write_read_roundtrip),
		T(test_file_format_is_one_json_line),
		T(test_filters_and_max),
		T(test_torn_line_skipped),
		T(test_missing_file),
		T(test_message_text),
#undef T
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
