/*
 * The exporter's refusal report (exporter.h, report_refusal) and the DCOM
 * log writer (dcomlog.h): one report per refusal of the access hook, with
 * the CLSID of an activation and none for a call; none for successes;
 * event 10016's record and message text.
 */
#include <pthread.h>
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

#include "base/jsonl.h"
#include "dcom/dcomlog.h"
#include "exporter_env.h"

static const struct dcom_comversion v57 = { 5, 7 };

struct report {
	char user[32];
	enum dcom_access_op op;
	bool has_clsid;
	struct rpc_uuid clsid;
	uint32_t hr;
};

static pthread_mutex_t mu = PTHREAD_MUTEX_INITIALIZER;
static struct report reports[16];
static unsigned n_reports;

static void record(void *arg,
                   const struct rpc_identity *who,
                   enum dcom_access_op op,
                   const struct rpc_uuid *clsid,
                   hresult hr)
{
	(void)arg;
	pthread_mutex_lock(&mu);
	if (n_reports < 16) {
		struct report *r = &reports[n_reports];

		snprintf(r->user, sizeof(r->user), "%s", who->user);
		r->op = op;
		r->has_clsid = clsid != NULL;
		if (clsid != NULL) {
			r->clsid = *clsid;
		}
		r->hr = hr.v;
	}
	n_reports++;
	pthread_mutex_unlock(&mu);
}

static unsigned count(void)
{
	unsigned n;

	pthread_mutex_lock(&mu);
	n = n_reports;
	pthread_mutex_unlock(&mu);
	return n;
}

static uint32_t ping(struct rpctest_client *c, const struct rpc_uuid *ipid)
{
	void *mem = talloc_new(NULL);
	struct rpctest_reply r;
	uint32_t st, hr = 0;

	env_orpc(c, 1, 3, ipid, v57, NULL, 0, mem, &r);
	st = r.status;
	if (st == 0 && r.stub_len >= 16) {
		hr = r.stub[12] | r.stub[13] << 8 | r.stub[14] << 16 |
		     (uint32_t)r.stub[15] << 24;
	}
	talloc_free(mem);
	return st != 0 ? st : hr;
}

static void test_one_report_per_refusal(void **state)
{
	void *mem = talloc_new(NULL);
	struct dcom_exporter_config cfg;
	struct env *e;
	struct rpctest_client *ca, *cb;
	struct rpctest_bind_result res;
	struct act_result r;
	struct rpc_uuid a;

	(void)state;
	memset(&cfg, 0, sizeof(cfg));
	cfg.report_refusal = record;
	n_reports = 0;
	e = env_start(mem, &cfg);
	ca = env_client(e, &syntax_scm, &auth_alice);
	cb = env_client(e, &syntax_scm, &auth_bob);

	/* Alice may: no report. */
	env_activate(ca, 0, mem, &clsid_test, &iid_a, 1, v57, v57, false, &r);
	assert_int_equal(r.hr, 0);
	assert_non_null(r.props);
	a = r.props->props_out.ifaces[0]->std.ipid;
	assert_int_equal(count(), 0);

	/* Bob's activation: refused, one report with the CLSID. */
	env_activate(cb, 0, mem, &clsid_test, &iid_a, 1, v57, v57, false, &r);
	assert_int_equal(r.hr, HRV_E_ACCESSDENIED);
	assert_int_equal(count(), 1);
	assert_string_equal(reports[0].user, "bob");
	assert_int_equal(reports[0].op, DCOM_ACCESS_LAUNCH);
	assert_true(reports[0].has_clsid);
	assert_true(rpc_uuid_equal(&reports[0].clsid, &clsid_test));
	assert_int_equal(reports[0].hr, HRV_E_ACCESSDENIED);

	/* Bob's call on alice's object: one report, no CLSID. */
	assert_int_equal(rpctest_bind(cb, 1, &syntax_a, &auth_bob, &res), 0);
	assert_int_equal(ping(cb, &a), HRV_E_ACCESSDENIED);
	assert_int_equal(count(), 2);
	assert_int_equal(reports[1].op, DCOM_ACCESS_CALL);
	assert_false(reports[1].has_clsid);

	/* Alice's call: none. */
	assert_int_equal(rpctest_bind(ca, 1, &syntax_a, &auth_alice, &res), 0);
	assert_int_equal(ping(ca, &a), 0);
	assert_int_equal(count(), 2);
	rpctest_close(ca);
	rpctest_close(cb);
	env_stop(e);
	talloc_free(mem);
}

static void test_10016_record_and_message(void **state)
{
	void *mem = talloc_new(NULL);
	char dir[] = "/tmp/owmi-dcomlog-XXXXXX";
	char path[64];
	struct dcom_refusal_event ev;
	struct jsonl_record *r = NULL;
	size_t n = 0, ni = 0;
	char *const *ins;
	const char *want =
	        "The application-specific permission settings do not grant "
	        "Local Access permission for the COM Server application with "
	        "CLSID {8BC3F05E-D86B-11D0-A075-00C04FB68820} and APPID "
	        "{8BC3F05E-D86B-11D0-A075-00C04FB68820} to the user "
	        "HOST\\bob SID (Unavailable) from address LocalHost (Using "
	        "LRPC) running in the application container Unavailable SID "
	        "(Unavailable). This security permission can be modified "
	        "using the Component Services administrative tool.";

	(void)state;
	assert_non_null(mkdtemp(dir));
	snprintf(path, sizeof(path), "%s/dcom.log", dir);
	memset(&ev, 0, sizeof(ev));
	ev.time = "2026-11-27T03:30:00.000001Z";
	ev.computer = "HOST";
	ev.remote = false;
	ev.op = DCOM_ACCESS_CALL;
	ev.clsid = ev.appid = "{8BC3F05E-D86B-11D0-A075-00C04FB68820}";
	ev.domain = "HOST";
	ev.user = "bob";
	ev.address = DCOM_LOCAL_ADDRESS;
	ev.result_code = 0x80070005u;
	assert_string_equal(dcom_refusal_message(mem, &ev), want);
	assert_true(hr_ok(dcom_refusal_write(path, &ev, 0)));
	assert_true(hr_ok(jsonl_read(mem, path, 0, &r, &n, NULL)));
	assert_int_equal(n, 1);
	assert_string_equal(jsonl_get(&r[0], "TimeCreated"), ev.time);
	assert_string_equal(jsonl_get(&r[0], "EventID"), "10016");
	assert_string_equal(jsonl_get(&r[0], "Source"), DCOM_EVENT_SOURCE);
	assert_string_equal(jsonl_get(&r[0], "Locality"), "Local");
	assert_string_equal(jsonl_get(&r[0], "Permission"), "Access");
	assert_string_equal(jsonl_get(&r[0], "SID"), "Unavailable");
	assert_string_equal(jsonl_get(&r[0], "ResultCode"), "0x80070005");
	assert_string_equal(jsonl_get(&r[0], "Message"), want);
	ins = jsonl_get_arr(&r[0], "InsertionStrings", &ni);
	assert_int_equal(ni, 11);
	assert_string_equal(ins[0], "application-specific");
	assert_string_equal(ins[8], DCOM_LOCAL_ADDRESS);
	unlink(path);
	rmdir(dir);
	talloc_free(mem);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_one_report_per_refusal),
		cmocka_unit_test(test_10016_record_and_message),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
