/*
 * The DCOM log and Win32_NTLogEvent against the real wmid (suite
 * integration): an administrator's activation writes no event; a
 * non-administrator's activation is refused with E_ACCESSDENIED and
 * writes exactly one event 10016 to logs/dcom.log with the fields of
 * Windows' event; the event then answers SELECT ... FROM Win32_NTLogEvent
 * WHERE Logfile='System' / EventCode=10016 through wmid, and a failed
 * query's event 5858 answers in the WMI-Activity log.
 *
 * With a fifth argument, the wmic tool: `wmic --unix-socket SOCK ntevent
 * where "EventCode=10016" get Message` prints the event's message.
 *
 * Usage: test_eventlog_wmid WMID WMIUSER MOFCOMP SCHEMA_REPOSITORY [WMIC]
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>
#include <talloc.h>
#include <unistd.h>

#include <cmocka.h>

#include "base/jsonl.h"
#include "client/client.h"
#include "wmidrun.h"

#define WMI_GUID "{8BC3F05E-D86B-11D0-A075-00C04FB68820}"

static struct wmidrun d;
static char dcom_log[300];
static const char *wmic;

static void opts(struct client_options *o, const char *user, const char *pw)
{
	memset(o, 0, sizeof(*o));
	o->host = d.addr;
	o->port = d.epm_port;
	o->user = user;
	o->password = pw;
	o->timeout_ms = 20000;
}

static size_t dcom_records(void *mem, struct jsonl_record **r)
{
	size_t n = 0;
	hresult hr = jsonl_read(mem, dcom_log, 0, r, &n, NULL);

	if (hr_eq(hr, HR_HR_ERROR_FILE_NOT_FOUND)) {
		return 0;
	}
	assert_true(hr_ok(hr));
	return n;
}

static struct cim_object **query(struct client_svc *s,
                                 void *mem,
                                 const char *wql,
                                 uint32_t *n)
{
	struct client_enum *e = NULL;
	struct cim_object **objs = NULL;
	struct errinfo ei;

	*n = 0;
	err_clear(&ei);
	if (hr_failed(client_exec_query(s, wql, 0, 0, &e, &ei)) ||
	    hr_failed(client_enum_all(e, mem, &objs, n, &ei))) {
		fail_msg("%s: %s", wql, ei.msg);
	}
	client_enum_release(e);
	return objs;
}

static const struct cim_value *val(struct cim_object *o, const char *name)
{
	const struct cim_value *v;

	assert_false(o->is_class);
	v = cim_instance_get(o->u.inst, name);
	assert_non_null(v);
	return v;
}

static void test_admin_activation_writes_nothing(void **state)
{
	void *mem = talloc_new(NULL);
	struct client_options o;
	struct client_conn *c = NULL;
	struct jsonl_record *r = NULL;

	(void)state;
	opts(&o, "tadmin", "Adm#Pass1");
	assert_true(hr_ok(client_connect(mem, &o, &c, NULL)));
	client_close(c);
	assert_int_equal(dcom_records(mem, &r), 0);
	talloc_free(mem);
}

static void test_refusal_writes_one_10016(void **state)
{
	void *mem = talloc_new(NULL);
	struct client_options o;
	struct client_conn *c = NULL;
	struct jsonl_record *r = NULL;
	size_t nstr = 0;
	char *const *ins;
	const char *sid, *msg, *addr;
	char want[512];

	(void)state;
	opts(&o, "plain", "Plain#Pass1");
	assert_true(
	        hr_eq(client_connect(mem, &o, &c, NULL), HR_E_ACCESSDENIED));
	assert_int_equal(dcom_records(mem, &r), 1);
	assert_string_equal(jsonl_get(&r[0], "EventID"), "10016");
	assert_string_equal(jsonl_get(&r[0], "Source"),
	                    "Microsoft-Windows-DistributedCOM");
	assert_string_equal(jsonl_get(&r[0], "Locality"), "Remote");
	assert_string_equal(jsonl_get(&r[0], "Permission"), "Activation");
	assert_string_equal(jsonl_get(&r[0], "CLSID"), WMI_GUID);
	assert_string_equal(jsonl_get(&r[0], "APPID"), WMI_GUID);
	assert_string_equal(jsonl_get(&r[0], "User"), "plain");
	/* The client's address: the loopback source of its connection. */
	addr = jsonl_get(&r[0], "Address");
	assert_non_null(addr);
	assert_true(strncmp(addr, "127.", 4) == 0);
	assert_string_equal(jsonl_get(&r[0], "ResultCode"), "0x80070005");
	sid = jsonl_get(&r[0], "SID");
	assert_non_null(sid);
	assert_true(strncmp(sid, "S-1-5-21-", 9) == 0);
	msg = jsonl_get(&r[0], "Message");
	snprintf(want, sizeof(want),
	         "The application-specific permission settings do not grant "
	         "Remote Activation permission for the COM Server "
	         "application with CLSID %s and APPID %s to the user "
	         "%s\\plain SID (%s) from address %s running in the "
	         "application container Unavailable SID (Unavailable).",
	         WMI_GUID, WMI_GUID, jsonl_get(&r[0], "Domain"), sid, addr);
	assert_non_null(msg);
	assert_true(strncmp(msg, want, strlen(want)) == 0);
	ins = jsonl_get_arr(&r[0], "InsertionStrings", &nstr);
	assert_int_equal(nstr, 11);
	assert_string_equal(ins[2], "Activation");
	assert_string_equal(ins[6], "plain");
	/* A wrong password is refused by NTLM, before DCOM: no event. */
	opts(&o, "plain", "wrong");
	assert_true(hr_failed(client_connect(mem, &o, &c, NULL)));
	assert_int_equal(dcom_records(mem, &r), 1);
	talloc_free(mem);
}

static void test_events_are_queryable(void **state)
{
	void *mem = talloc_new(NULL);
	struct client_options o;
	struct client_conn *c = NULL;
	struct cim_object **objs;
	struct client_enum *e = NULL;
	struct jsonl_record *r = NULL;
	uint32_t n = 0;
	bool seen5858 = false;

	(void)state;
	assert_int_equal(dcom_records(mem, &r), 1);
	opts(&o, "tadmin", "Adm#Pass1");
	assert_true(hr_ok(client_connect(mem, &o, &c, NULL)));
	objs = query(client_root(c), mem,
	             "SELECT * FROM Win32_NTLogEvent WHERE Logfile='System'",
	             &n);
	assert_int_equal(n, 1);
	assert_string_equal(val(objs[0], "Logfile")->v.s, "System");
	assert_int_equal(val(objs[0], "EventCode")->v.u, 10016);
	assert_int_equal(val(objs[0], "EventIdentifier")->v.u, 10016);
	assert_int_equal(val(objs[0], "RecordNumber")->v.u, 1);
	assert_string_equal(val(objs[0], "SourceName")->v.s,
	                    "Microsoft-Windows-DistributedCOM");
	assert_string_equal(val(objs[0], "Type")->v.s, "Error");
	assert_string_equal(val(objs[0], "Message")->v.s,
	                    jsonl_get(&r[0], "Message"));
	assert_int_equal(val(objs[0], "InsertionStrings")->v.a.n, 11);
	assert_false(val(objs[0], "TimeGenerated")->null);
	objs = query(client_root(c), mem,
	             "SELECT Message FROM Win32_NTLogEvent "
	             "WHERE EventCode=10016",
	             &n);
	assert_int_equal(n, 1);
	/* A failed query writes event 5858 to the activity log. */
	assert_true(hr_ok(client_exec_query(client_root(c),
	                                    "SELECT * FROM Nope_Class", 0, 0,
	                                    &e, NULL)) == false ||
	            hr_failed(client_enum_all(e, mem, &objs, &n, NULL)));
	if (e != NULL) {
		client_enum_release(e);
	}
	objs = query(client_root(c), mem,
	             "SELECT * FROM Win32_NTLogEvent WHERE Logfile="
	             "'Microsoft-Windows-WMI-Activity/Operational'",
	             &n);
	for (uint32_t i = 0; i < n; i++) {
		if (val(objs[i], "EventCode")->v.u == 5858 &&
		    strstr(val(objs[i], "Message")->v.s, "Nope_Class") !=
		            NULL) {
			seen5858 = true;
			assert_string_equal(val(objs[i], "Type")->v.s, "Error");
		}
	}
	assert_true(seen5858);
	objs = query(client_root(c), mem, "SELECT * FROM Win32_NTEventlogFile",
	             &n);
	assert_int_equal(n, 2);
	client_close(c);
	talloc_free(mem);
}

static void test_wmic_ntevent(void **state)
{
	char cmd[1024], line[4096];
	bool seen = false;
	FILE *p;

	(void)state;
	if (wmic == NULL) {
		skip();
	}
	snprintf(cmd, sizeof(cmd),
	         "'%s' --unix-socket '%s' ntevent where \"EventCode=10016\" "
	         "get Message",
	         wmic, d.sock);
	p = popen(cmd, "r");
	assert_non_null(p);
	while (fgets(line, sizeof(line), p) != NULL) {
		if (strstr(line,
		           "do not grant Remote Activation permission "
		           "for the COM Server application with CLSID " WMI_GUID
		           " and APPID " WMI_GUID " to the user ") != NULL) {
			seen = true;
		}
	}
	assert_int_equal(pclose(p), 0);
	assert_true(seen);
}

int main(int argc, char **argv)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_admin_activation_writes_nothing),
		cmocka_unit_test(test_refusal_writes_one_10016),
		cmocka_unit_test(test_events_are_queryable),
		cmocka_unit_test(test_wmic_ntevent),
	};
	int rc;

	if (argc < 5) {
		fprintf(stderr,
		        "usage: test_eventlog_wmid WMID WMIUSER MOFCOMP "
		        "SCHEMA_REPOSITORY\n");
		return 2;
	}
	if (wmidrun_prepare(&d, NULL) != 0 ||
	    wmidrun_repository(&d, argv[4], argv[3], NULL) != 0 ||
	    wmidrun_add_user(&d, argv[2], "tadmin", "Adm#Pass1",
	                     "Administrators") != 0 ||
	    wmidrun_add_user(&d, argv[2], "plain", "Plain#Pass1", NULL) != 0 ||
	    wmidrun_start(&d, argv[1]) != 0) {
		wmidrun_cleanup(&d);
		return 1;
	}
	wmic = argc > 5 ? argv[5] : NULL;
	snprintf(dcom_log, sizeof(dcom_log), "%s/logs/dcom.log", d.dir);
	rc = cmocka_run_group_tests(tests, NULL, NULL);
	if (wmidrun_stop(&d) != 0) {
		fprintf(stderr, "wmid did not stop cleanly\n");
		rc = 1;
	}
	wmidrun_cleanup(&d);
	return rc;
}
