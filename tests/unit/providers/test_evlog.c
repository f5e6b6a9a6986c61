/*
 * evlog: hand-written activity.log and dcom.log read as Windows event
 * log records (Win32_NTLogEvent's data); hostile lines are skipped.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <talloc.h>
#include <unistd.h>

#include <cmocka.h>

#include "providers/evlog.h"

static char dir[64];

static void write_file(const char *name, const char *text)
{
	char p[128];
	FILE *fp;

	snprintf(p, sizeof(p), "%s/%s", dir, name);
	fp = fopen(p, "w");
	assert_non_null(fp);
	fputs(text, fp);
	fclose(fp);
}

static int setup(void **state)
{
	(void)state;
	snprintf(dir, sizeof(dir), "/tmp/owmi-evlog-XXXXXX");
	return mkdtemp(dir) != NULL ? 0 : -1;
}

static int teardown(void **state)
{
	char p[128];

	(void)state;
	snprintf(p, sizeof(p), "%s/activity.log", dir);
	unlink(p);
	snprintf(p, sizeof(p), "%s/dcom.log", dir);
	unlink(p);
	snprintf(p, sizeof(p), "%s/dcom.log.1", dir);
	unlink(p);
	rmdir(dir);
	return 0;
}

static const char activity[] =
        "{\"TimeCreated\":\"2026-11-26T23:04:17.123456Z\",\"EventID\":5858,"
        "\"Id\":\"{00000000-0000-0000-0000-000000000001}\","
        "\"ClientMachine\":\"HOST\",\"User\":\"DOM\\\\alice\","
        "\"ClientProcessId\":1234,\"Component\":\"Unknown\","
        "\"Operation\":\"Start IWbemServices::ExecQuery - root\\\\cimv2 : "
        "SELECT * FROM Nope\",\"ResultCode\":\"0x80041010\","
        "\"PossibleCause\":\"Unknown\",\"Namespace\":\"root\\\\cimv2\"}\n"
        "garbage line\n"
        "{\"EventID\":99999999999,\"X\":\"too big\"}\n"
        "{\"EventID\":\"\"}\n"
        "{\"NoEventID\":\"1\"}\n"
        "{\"TimeCreated\":\"not a time\",\"EventID\":5857,"
        "\"ProviderName\":\"OpenWMI_CIMWin32\",\"Code\":\"0x0\","
        "\"HostProcess\":\"wmiprvse\",\"ProcessID\":77,"
        "\"ProviderPath\":\"/x/libowmi_cimwin32.so\"}\n"
        "{\"EventID\":42,\"Foo\":\"bar\",\"Arr\":[\"q\"]}\n"
        "{\"EventID\":5858,\"User\":[\"array where a string goes\"]}\n"
        "{\"EventID\":5858";

static const char dcom[] =
        "{\"TimeCreated\":\"2026-11-27T03:30:00.5Z\",\"EventID\":10016,"
        "\"Source\":\"Microsoft-Windows-DistributedCOM\","
        "\"Level\":\"Error\",\"Computer\":\"SRV\",\"Domain\":\"SRV\","
        "\"User\":\"plain\",\"Message\":\"The application-specific ...\","
        "\"InsertionStrings\":[\"application-specific\",\"Remote\","
        "\"Activation\"]}\n"
        "{\"EventID\":10016,\"Level\":\"Information\",\"Computer\":\"\"}\n";

static const struct prov_evlog_event *find(const struct prov_evlog_event *ev,
                                           size_t n,
                                           uint32_t record,
                                           const char *logfile)
{
	for (size_t i = 0; i < n; i++) {
		if (ev[i].record == record &&
		    strcmp(ev[i].logfile, logfile) == 0) {
			return &ev[i];
		}
	}
	return NULL;
}

static void test_activity_log_records(void **state)
{
	void *mem = talloc_new(NULL);
	struct prov_evlog_event *ev = NULL;
	const struct prov_evlog_event *e;
	size_t n = 0;

	(void)state;
	write_file("activity.log", activity);
	assert_true(hr_ok(prov_evlog_read(mem, dir, PROV_EVLOG_ACTIVITY, "ME",
	                                  &ev, &n, NULL)));
	/* 5858, 5857, 42 and the 5858 whose User is an array. */
	assert_int_equal(n, 4);
	e = find(ev, n, 1, PROV_EVLOG_ACTIVITY);
	assert_non_null(e);
	assert_int_equal(e->event_id, 5858);
	assert_int_equal(e->event_type, 1);
	assert_string_equal(e->type, "Error");
	assert_string_equal(e->source, "Microsoft-Windows-WMI-Activity");
	assert_string_equal(e->computer, "ME");
	assert_string_equal(e->user, "DOM\\alice");
	assert_string_equal(
	        e->message,
	        "Id = {00000000-0000-0000-0000-000000000001}; "
	        "ClientMachine = HOST; User = DOM\\alice; "
	        "ClientProcessId = 1234; Component = Unknown; "
	        "Operation = Start IWbemServices::ExecQuery - root\\cimv2 : "
	        "SELECT * FROM Nope; ResultCode = 0x80041010; "
	        "PossibleCause = Unknown");
	assert_int_equal(e->n_strings, 8);
	assert_string_equal(e->strings[6], "0x80041010");
	assert_int_equal(e->secs, 1795734257);
	assert_int_equal(e->usecs, 123456);

	e = find(ev, n, 6, PROV_EVLOG_ACTIVITY);
	assert_non_null(e);
	assert_int_equal(e->event_id, 5857);
	assert_string_equal(e->type, "Information");
	assert_string_equal(e->message,
	                    "OpenWMI_CIMWin32 provider started with result "
	                    "code 0x0. HostProcess = wmiprvse; ProcessID = 77; "
	                    "ProviderPath = /x/libowmi_cimwin32.so");
	assert_int_equal(e->secs, 0); /* bad time: none */

	e = find(ev, n, 7, PROV_EVLOG_ACTIVITY);
	assert_non_null(e);
	assert_string_equal(e->message, "Foo = bar");

	e = find(ev, n, 8, PROV_EVLOG_ACTIVITY);
	assert_non_null(e);
	assert_string_equal(e->user, "");
	talloc_free(mem);
}

static void test_dcom_log_records(void **state)
{
	void *mem = talloc_new(NULL);
	struct prov_evlog_event *ev = NULL;
	size_t n = 0;

	(void)state;
	write_file("dcom.log", dcom);
	assert_true(hr_ok(
	        prov_evlog_read(mem, dir, "system", "ME", &ev, &n, NULL)));
	assert_int_equal(n, 2);
	assert_string_equal(ev[0].logfile, "System");
	assert_int_equal(ev[0].event_id, 10016);
	assert_string_equal(ev[0].source, "Microsoft-Windows-DistributedCOM");
	assert_string_equal(ev[0].computer, "SRV");
	assert_string_equal(ev[0].user, "SRV\\plain");
	assert_string_equal(ev[0].message, "The application-specific ...");
	assert_int_equal(ev[0].n_strings, 3);
	assert_string_equal(ev[0].strings[1], "Remote");
	assert_int_equal(ev[0].usecs, 500000);
	assert_int_equal(ev[1].event_type, 3);
	assert_string_equal(ev[1].computer, "ME");
	assert_string_equal(ev[1].message, "");
	assert_int_equal(ev[1].n_strings, 0);
	/* Another log name: nothing; NULL: both logs. */
	assert_true(hr_ok(
	        prov_evlog_read(mem, dir, "Application", "ME", &ev, &n, NULL)));
	assert_int_equal(n, 0);
	write_file("activity.log", activity);
	assert_true(
	        hr_ok(prov_evlog_read(mem, dir, NULL, "ME", &ev, &n, NULL)));
	assert_int_equal(n, 6);
	talloc_free(mem);
}

/* The rotated .1 comes first; the file's records are numbered on. */
static void test_rotated_file_read_first(void **state)
{
	void *mem = talloc_new(NULL);
	struct prov_evlog_event *ev = NULL;
	size_t n = 0;

	(void)state;
	write_file("dcom.log.1", "{\"EventID\":1}\nbad\n{\"EventID\":2}\n");
	write_file("dcom.log", "{\"EventID\":3}\n");
	assert_true(hr_ok(prov_evlog_read(mem, dir, PROV_EVLOG_SYSTEM, "", &ev,
	                                  &n, NULL)));
	assert_int_equal(n, 3);
	assert_int_equal(ev[0].event_id, 1);
	assert_int_equal(ev[0].record, 1);
	assert_int_equal(ev[1].event_id, 2);
	assert_int_equal(ev[1].record, 3);
	assert_int_equal(ev[2].event_id, 3);
	assert_int_equal(ev[2].record, 4);
	talloc_free(mem);
}

static void test_missing_logs_are_empty(void **state)
{
	void *mem = talloc_new(NULL);
	struct prov_evlog_event *ev = NULL;
	struct prov_evlog_file f[2];
	size_t n = 7;

	(void)state;
	assert_true(hr_ok(prov_evlog_read(mem, "/nonexistent/owmi", NULL, "",
	                                  &ev, &n, NULL)));
	assert_int_equal(n, 0);
	assert_true(hr_ok(prov_evlog_files(mem, "/nonexistent/owmi", f)));
	assert_string_equal(f[1].logfile, "System");
	assert_int_equal(f[1].size, 0);
	assert_int_equal(f[1].records, 0);
	talloc_free(mem);
}

static void test_time_parse(void **state)
{
	int64_t s = 0;
	uint32_t us = 0;

	(void)state;
	assert_true(prov_evlog_parse_time("1970-01-01T00:00:01Z", &s, &us));
	assert_int_equal(s, 1);
	assert_int_equal(us, 0);
	assert_true(
	        prov_evlog_parse_time("2026-11-27T03:30:00.1234567Z", &s, &us));
	assert_int_equal(us, 123456);
	assert_false(prov_evlog_parse_time("2026-11-27T03:30:00", &s, &us));
	assert_false(prov_evlog_parse_time("2026-13-27T03:30:00Z", &s, &us));
	assert_false(prov_evlog_parse_time("2026-11-27T03:30:00.Z", &s, &us));
	assert_false(prov_evlog_parse_time("", &s, &us));
	assert_false(prov_evlog_parse_time(NULL, &s, &us));
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_activity_log_records),
		cmocka_unit_test(test_dcom_log_records),
		cmocka_unit_test(test_rotated_file_read_first),
		cmocka_unit_test(test_missing_logs_are_empty),
		cmocka_unit_test(test_time_parse),
	};

	return cmocka_run_group_tests(tests, setup, teardown);
}
