/*
 * Tests of provider host processes driven through provhost.h alone (no
 * object manager): every operation against the test provider tp_good, and
 * the failures of one call that must leave the next one working (crash,
 * hang, cancel, load failure).
 *
 * Arguments: the wmiprvse binary and the tp_good library.
 */
#include <setjmp.h>
#include <signal.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include <cmocka.h>
#include <talloc.h>

#include "provhost/provhost.h"

static const char *g_host;
static const char *g_lib;

struct fx {
	struct provhost *ph;
	struct cim_class *item;
	struct cim_class *big;
	struct cim_class *crash;
	struct cim_class *hang;
	uint32_t started;
	uint32_t last_pid;
	/* results */
	uint32_t n;
	uint32_t stop_after; /* 0: never */
	struct cim_instance *first;
};

static void add_key(struct cim_class *c, struct cim_property *p)
{
	cim_qset_set(c, &p->quals, "key",
	             &(struct cim_value){ .type = CIM_T_BOOLEAN, .v.b = true },
	             CIM_FLAVOR_DEFAULT);
}

static struct cim_class *resolve(void *mem, struct cim_class *local)
{
	struct cim_class *res = NULL;

	assert_true(hr_ok(cim_class_resolve(mem, local, NULL, &res, NULL)));
	return res;
}

static struct cim_class *item_class(void *mem)
{
	struct cim_class *c = cim_class_new(mem, "Test_Item", NULL);
	struct cim_method *m;
	struct cim_param *pa;

	add_key(c, cim_class_add_prop(c, "Id", CIM_T_UINT32));
	cim_class_add_prop(c, "Name", CIM_T_STRING);
	cim_class_add_prop(c, "Big", CIM_T_UINT64);
	cim_class_add_prop(c, "Neg", CIM_T_SINT32);
	cim_class_add_prop(c, "Flag", CIM_T_BOOLEAN);
	cim_class_add_prop(c, "Ratio", CIM_T_REAL64);
	cim_class_add_prop(c, "When", CIM_T_DATETIME);
	cim_class_add_prop(c, "Codes", CIM_T_UINT16 | CIM_FLAG_ARRAY);
	cim_class_add_prop(c, "Tags", CIM_T_STRING | CIM_FLAG_ARRAY);
	cim_class_add_prop(c, "Source", CIM_T_STRING);
	m = cim_class_add_method(c, "Echo", CIM_T_UINT32);
	pa = cim_method_add_param(c, m, "Text", CIM_T_STRING);
	pa->in = true;
	pa = cim_method_add_param(c, m, "Result", CIM_T_STRING);
	pa->out = true;
	return resolve(mem, c);
}

static struct cim_class *id_class(void *mem, const char *name)
{
	struct cim_class *c = cim_class_new(mem, name, NULL);

	add_key(c, cim_class_add_prop(c, "Id", CIM_T_UINT32));
	cim_class_add_prop(c, "Name", CIM_T_STRING);
	cim_class_add_prop(c, "Value", CIM_T_UINT64);
	return resolve(mem, c);
}

static void on_started(void *arg,
                       const char *provider,
                       const char *library,
                       uint32_t pid)
{
	struct fx *f = arg;

	assert_memory_equal(provider, "Tp", 2);
	assert_non_null(library);
	f->started++;
	f->last_pid = pid;
}

static struct fx *fx_new_quota(uint32_t timeout_ms,
                               const struct provhost_quota *q)
{
	struct fx *f = talloc_zero(NULL, struct fx);
	struct provhost_config cfg = { .host_path = g_host };

	cfg.call_timeout_ms = timeout_ms;
	cfg.quota = *q;
	cfg.started = on_started;
	cfg.started_arg = f;
	assert_true(hr_ok(provhost_new(f, &cfg, &f->ph)));
	f->item = item_class(f);
	f->big = id_class(f, "Test_Big");
	f->crash = id_class(f, "Test_Crash");
	f->hang = id_class(f, "Test_Hang");
	return f;
}

static struct fx *fx_new(uint32_t timeout_ms)
{
	struct provhost_quota q = {
		.memory_per_host = PROVHOST_DEFAULT_MEMORY
	};

	return fx_new_quota(timeout_ms, &q);
}

static hresult collect(void *arg, struct cim_instance *inst)
{
	struct fx *f = arg;

	if (f->n == 0) {
		f->first = cim_instance_copy(f, inst);
	}
	f->n++;
	if (f->stop_after != 0 && f->n >= f->stop_after) {
		return HR_WBEM_E_CALL_CANCELLED;
	}
	return HR_OK;
}

static hresult call(struct fx *f,
                    struct provhost_req *rq,
                    struct cim_instance **out,
                    struct errinfo *ei)
{
	struct provhost_results res = { collect, NULL, f };

	f->n = 0;
	f->first = NULL;
	err_clear(ei);
	rq->target.provider = "TpGood";
	rq->target.library = g_lib;
	rq->ns = "root\\test";
	rq->user = "alice";
	return provhost_call(f->ph, rq, &res, f, out, ei);
}

static const struct cim_value *val(const struct cim_instance *i, const char *p)
{
	const struct cim_value *v = cim_instance_get(i, p);

	assert_non_null(v);
	return v;
}

static void test_enumerate_streams_all_types(void **state)
{
	struct fx *f = fx_new(0);
	struct provhost_req rq = { .op = PROVFRAME_ENUM };
	struct errinfo ei;

	(void)state;
	rq.cls = f->item;
	assert_true(hr_ok(call(f, &rq, NULL, &ei)));
	assert_int_equal(f->n, 5);
	assert_int_equal(val(f->first, "Id")->v.u, 0);
	assert_string_equal(val(f->first, "Name")->v.s, "item0");
	assert_int_equal(val(f->first, "Big")->v.u, UINT64_C(1) << 40);
	assert_int_equal(val(f->first, "Neg")->v.i, -1);
	assert_true(val(f->first, "Flag")->v.b);
	assert_string_equal(val(f->first, "When")->v.s,
	                    "20231114231320.250000+060");
	assert_int_equal(val(f->first, "Codes")->v.a.n, 3);
	assert_int_equal(val(f->first, "Codes")->v.a.e.u[2], 65535);
	assert_string_equal(val(f->first, "Tags")->v.a.e.s[1], "beta");
	assert_string_equal(val(f->first, "Source")->v.s, "enum");
	assert_int_equal(f->started, 1);
	assert_int_equal(provhost_host_pid(f->ph, &rq.target), f->last_pid);
	talloc_free(f);
}

static void test_host_is_reused(void **state)
{
	struct fx *f = fx_new(0);
	struct provhost_req rq = { .op = PROVFRAME_ENUM };
	struct provhost_stats st;

	(void)state;
	rq.cls = f->item;
	for (int i = 0; i < 5; i++) {
		assert_true(hr_ok(call(f, &rq, NULL, NULL)));
	}
	provhost_get_stats(f->ph, &st);
	assert_int_equal(st.started, 1);
	assert_int_equal(st.calls, 5);
	assert_int_equal(st.hosts, 1);
	assert_int_equal(f->started, 1);
	talloc_free(f);
}

static void test_get_by_key(void **state)
{
	struct fx *f = fx_new(0);
	struct provframe_kv k3[] = { { "Id", "3" } }, k9[] = { { "Id", "9" } };
	struct provhost_req rq = { .op = PROVFRAME_GET, .has_keys = true };
	struct errinfo ei;

	(void)state;
	rq.cls = f->item;
	rq.keys = k3;
	rq.n_keys = 1;
	assert_true(hr_ok(call(f, &rq, NULL, &ei)));
	assert_int_equal(f->n, 1);
	assert_int_equal(val(f->first, "Id")->v.u, 3);
	assert_string_equal(val(f->first, "Source")->v.s, "get");
	rq.keys = k9;
	assert_true(hr_eq(call(f, &rq, NULL, &ei), HR_WBEM_E_NOT_FOUND));
	talloc_free(f);
}

static void test_query_equalities_reach_provider(void **state)
{
	struct fx *f = fx_new(0);
	struct provframe_kv eq[] = { { "Name", "item2" } };
	struct provhost_req rq = { .op = PROVFRAME_QUERY };

	(void)state;
	rq.cls = f->item;
	rq.query = "SELECT * FROM Test_Item WHERE Name = 'item2'";
	rq.eqs = eq;
	rq.n_eqs = 1;
	assert_true(hr_ok(call(f, &rq, NULL, NULL)));
	assert_int_equal(f->n, 1);
	assert_string_equal(val(f->first, "Source")->v.s, "query");
	/* Without an equality the provider declines and the host enumerates. */
	rq.n_eqs = 0;
	rq.query = "SELECT * FROM Test_Item";
	assert_true(hr_ok(call(f, &rq, NULL, NULL)));
	assert_int_equal(f->n, 5);
	assert_string_equal(val(f->first, "Source")->v.s, "enum");
	talloc_free(f);
}

static void test_put_and_delete(void **state)
{
	struct fx *f = fx_new(0);
	struct provhost_req rq = { .op = PROVFRAME_PUT };
	struct cim_instance *inst = cim_instance_new(f, f->item);
	struct provframe_kv k1[] = { { "Id", "1" } }, k8[] = { { "Id", "8" } };
	struct errinfo ei;

	(void)state;
	cim_instance_set(inst, "Id",
	                 &(struct cim_value){ .type = CIM_T_UINT32, .v.u = 7 });
	cim_instance_set(inst, "Name",
	                 &(struct cim_value){ .type = CIM_T_STRING,
	                                      .v.s = (char *)"fine" });
	rq.cls = f->item;
	rq.inst = inst;
	assert_true(hr_ok(call(f, &rq, NULL, &ei)));
	cim_instance_set(inst, "Name",
	                 &(struct cim_value){ .type = CIM_T_STRING,
	                                      .v.s = (char *)"forbidden" });
	assert_true(hr_eq(call(f, &rq, NULL, &ei), HR_WBEM_E_ACCESS_DENIED));
	assert_non_null(strstr(ei.msg, "TpGood"));
	rq.op = PROVFRAME_DELETE;
	rq.inst = NULL;
	rq.has_keys = true;
	rq.keys = k1;
	rq.n_keys = 1;
	assert_true(hr_ok(call(f, &rq, NULL, &ei)));
	rq.keys = k8;
	assert_true(hr_eq(call(f, &rq, NULL, &ei), HR_WBEM_E_NOT_FOUND));
	talloc_free(f);
}

static void test_method_in_and_out(void **state)
{
	struct fx *f = fx_new(0);
	struct provhost_req rq = { .op = PROVFRAME_METHOD, .has_keys = true };
	struct provframe_kv k3[] = { { "Id", "3" } };
	struct cim_class *in_local = cim_class_new(f, "__PARAMETERS", NULL);
	struct cim_class *out_local = cim_class_new(f, "__PARAMETERS", NULL);
	struct cim_class *in_cls, *out_cls;
	struct cim_instance *in, *out = NULL;
	struct errinfo ei;

	(void)state;
	cim_class_add_prop(in_local, "Text", CIM_T_STRING);
	cim_class_add_prop(out_local, "ReturnValue", CIM_T_UINT32);
	cim_class_add_prop(out_local, "Result", CIM_T_STRING);
	in_cls = resolve(f, in_local);
	out_cls = resolve(f, out_local);
	in = cim_instance_new(f, in_cls);
	cim_instance_set(in, "Text",
	                 &(struct cim_value){ .type = CIM_T_STRING,
	                                      .v.s = (char *)"hi" });
	rq.cls = f->item;
	rq.method = "Echo";
	rq.keys = k3;
	rq.n_keys = 1;
	rq.inst = in;
	rq.out_cls = out_cls;
	assert_true(hr_ok(call(f, &rq, &out, &ei)));
	assert_non_null(out);
	assert_string_equal(val(out, "Result")->v.s, "3:hi");
	assert_int_equal(val(out, "ReturnValue")->v.u, 0);
	/* A static call of Echo is refused by the provider. */
	rq.has_keys = false;
	rq.n_keys = 0;
	assert_true(hr_eq(call(f, &rq, &out, &ei),
	                  HR_WBEM_E_INVALID_METHOD_PARAMETERS));
	assert_null(out);
	talloc_free(f);
}

static void test_crash_fails_one_call_only(void **state)
{
	struct fx *f = fx_new(0);
	struct provhost_req rq = { .op = PROVFRAME_ENUM };
	struct provhost_stats st;
	struct errinfo ei;
	uint32_t pid;

	(void)state;
	rq.cls = f->item;
	assert_true(hr_ok(call(f, &rq, NULL, NULL)));
	pid = f->last_pid;
	rq.cls = f->crash;
	err_clear(&ei);
	assert_true(hr_eq(call(f, &rq, NULL, &ei), HR_WBEM_E_PROVIDER_FAILURE));
	assert_non_null(strstr(ei.msg, "TpGood"));
	provhost_get_stats(f->ph, &st);
	assert_int_equal(st.crashed, 1);
	assert_int_equal(st.hosts, 0);
	rq.cls = f->item;
	assert_true(hr_ok(call(f, &rq, NULL, NULL)));
	assert_int_equal(f->n, 5);
	assert_int_equal(f->started, 2);
	assert_int_not_equal(f->last_pid, pid);
	talloc_free(f);
}

static double now_s(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec + ts.tv_nsec / 1e9;
}

static void test_hang_times_out(void **state)
{
	struct fx *f = fx_new(400);
	struct provhost_req rq = { .op = PROVFRAME_ENUM };
	struct provhost_stats st;
	struct errinfo ei;
	double t0;

	(void)state;
	rq.cls = f->hang;
	t0 = now_s();
	assert_true(hr_eq(call(f, &rq, NULL, &ei), HR_WBEM_E_PROVIDER_FAILURE));
	assert_true(now_s() - t0 >= 0.35);
	assert_true(now_s() - t0 < 10.0);
	assert_non_null(strstr(ei.msg, "400 ms"));
	provhost_get_stats(f->ph, &st);
	assert_int_equal(st.timed_out, 1);
	rq.cls = f->item;
	assert_true(hr_ok(call(f, &rq, NULL, NULL)));
	assert_int_equal(f->n, 5);
	talloc_free(f);
}

static void test_cancel_keeps_host(void **state)
{
	struct fx *f = fx_new(0);
	struct provhost_req rq = { .op = PROVFRAME_ENUM };
	uint32_t pid;

	(void)state;
	rq.cls = f->big;
	f->stop_after = 10;
	assert_true(hr_eq(call(f, &rq, NULL, NULL), HR_WBEM_E_CALL_CANCELLED));
	assert_int_equal(f->n, 10);
	pid = provhost_host_pid(f->ph, &rq.target);
	assert_int_not_equal(pid, 0);
	f->stop_after = 0;
	rq.cls = f->item;
	assert_true(hr_ok(call(f, &rq, NULL, NULL)));
	assert_int_equal(f->n, 5);
	assert_int_equal(provhost_host_pid(f->ph, &rq.target), pid);
	talloc_free(f);
}

static void test_load_failures(void **state)
{
	struct fx *f = fx_new(0);
	struct provhost_req rq = { .op = PROVFRAME_ENUM };
	struct provhost_results res = { collect, NULL, f };
	struct provhost_config cfg = { .host_path = "/nonexistent/wmiprvse" };
	struct provhost *bad = NULL;
	struct provhost_stats st;
	struct errinfo ei;

	(void)state;
	rq.cls = f->item;
	rq.target.provider = "TpGood";
	rq.target.library = "/nonexistent/libnothing.so";
	rq.ns = "root";
	err_clear(&ei);
	assert_true(hr_eq(provhost_call(f->ph, &rq, &res, f, NULL, &ei),
	                  HR_WBEM_E_PROVIDER_LOAD_FAILURE));
	assert_non_null(strstr(ei.msg, "libnothing.so"));
	provhost_get_stats(f->ph, &st);
	assert_int_equal(st.hosts, 0);
	assert_true(hr_ok(provhost_new(f, &cfg, &bad)));
	rq.target.library = g_lib;
	assert_true(hr_eq(provhost_call(bad, &rq, &res, f, NULL, &ei),
	                  HR_WBEM_E_PROVIDER_LOAD_FAILURE));
	assert_true(hr_eq(provhost_new(f, &(struct provhost_config){ 0 }, &bad),
	                  HR_WBEM_E_INVALID_PARAMETER));
	talloc_free(f);
}

static void test_dead_idle_host_is_replaced(void **state)
{
	struct fx *f = fx_new(0);
	struct provhost_req rq = { .op = PROVFRAME_ENUM };
	uint32_t pid;

	(void)state;
	rq.cls = f->item;
	assert_true(hr_ok(call(f, &rq, NULL, NULL)));
	pid = provhost_host_pid(f->ph, &rq.target);
	assert_int_not_equal(pid, 0);
	assert_int_equal(kill((pid_t)pid, SIGKILL), 0);
	usleep(50000);
	assert_true(hr_ok(call(f, &rq, NULL, NULL)));
	assert_int_equal(f->n, 5);
	assert_int_equal(f->started, 2);
	assert_int_not_equal(provhost_host_pid(f->ph, &rq.target), pid);
	talloc_free(f);
}

static void test_reap_idle(void **state)
{
	struct fx *f = fx_new(0);
	struct provhost_req rq = { .op = PROVFRAME_ENUM };
	struct provhost_stats st;

	(void)state;
	rq.cls = f->item;
	assert_true(hr_ok(call(f, &rq, NULL, NULL)));
	assert_int_equal(provhost_reap_idle(f->ph, 3600000), 0);
	assert_int_equal(provhost_reap_idle(f->ph, 0), 1);
	provhost_get_stats(f->ph, &st);
	assert_int_equal(st.hosts, 0);
	assert_true(hr_ok(provhost_ping(f->ph, &rq.target, NULL)));
	provhost_get_stats(f->ph, &st);
	assert_int_equal(st.hosts, 1);
	talloc_free(f);
}

/* A call of class [cls] on provider [provider] (same library). */
static hresult call_as(struct fx *f,
                       const char *provider,
                       struct cim_class *cls,
                       struct errinfo *ei)
{
	struct provhost_req rq = { .op = PROVFRAME_ENUM, .cls = cls };
	struct provhost_results res = { collect, NULL, f };

	f->n = 0;
	f->first = NULL;
	err_clear(ei);
	rq.target.provider = provider;
	rq.target.library = g_lib;
	rq.ns = "root\\test";
	rq.user = "alice";
	return provhost_call(f->ph, &rq, &res, f, NULL, ei);
}

/*
 * MemoryAllHosts counts every host, idle ones too: an idle host holding
 * 96 MiB plus a growing hog cross the limit long before the hog alone
 * would reach it; the hog (the offender) is stopped, the idle host stays.
 */
static void test_memory_all_hosts(void **state)
{
	struct provhost_quota q = { .memory_all_hosts = 160ull << 20 };
	struct fx *f = fx_new_quota(20000, &q);
	struct provhost_target hold = { .provider = "TpHold" };
	struct provhost_stats st;
	struct errinfo ei;
	uint32_t pid;

	(void)state;
	hold.library = g_lib;
	assert_true(hr_ok(call_as(f, "TpHold", id_class(f, "Test_Hold"), &ei)));
	pid = provhost_host_pid(f->ph, &hold);
	assert_int_not_equal(pid, 0);
	assert_true(hr_eq(call_as(f, "TpGood", id_class(f, "Test_Hog"), &ei),
	                  HR_WBEM_E_QUOTA_VIOLATION));
	assert_non_null(strstr(ei.msg, "MemoryAllHosts"));
	assert_non_null(strstr(ei.msg, "the 2 hosts together"));
	assert_non_null(strstr(ei.msg, "TpGood"));
	provhost_get_stats(f->ph, &st);
	assert_int_equal(st.quota_kill, 1);
	assert_int_equal(st.hosts, 1);
	assert_int_equal(provhost_host_pid(f->ph, &hold), pid);
	/* The next call starts a fresh host and works. */
	assert_true(hr_ok(call_as(f, "TpGood", f->item, &ei)));
	assert_int_equal(f->n, 5);
	talloc_free(f);
}

/* MemoryPerHost and ThreadsPerHost stop the host of the call. */
static void test_memory_and_threads_per_host(void **state)
{
	struct provhost_quota q = { .memory_per_host = 128ull << 20,
		                    .threads_per_host = 24 };
	struct fx *f = fx_new_quota(20000, &q);
	struct provhost_stats st;
	struct errinfo ei;

	(void)state;
	assert_true(hr_eq(call_as(f, "TpGood", id_class(f, "Test_Hog"), &ei),
	                  HR_WBEM_E_QUOTA_VIOLATION));
	assert_non_null(strstr(ei.msg, "MemoryPerHost"));
	assert_true(
	        hr_eq(call_as(f, "TpGood", id_class(f, "Test_Threads"), &ei),
	              HR_WBEM_E_QUOTA_VIOLATION));
	assert_non_null(strstr(ei.msg, "ThreadsPerHost"));
	provhost_get_stats(f->ph, &st);
	assert_int_equal(st.quota_kill, 2);
	assert_int_equal(st.hosts, 0);
	assert_true(hr_ok(call_as(f, "TpGood", f->item, &ei)));
	assert_int_equal(f->n, 5);
	talloc_free(f);
}

/* HandlesPerHost is checked by the host after the callback. */
static void test_handles_per_host(void **state)
{
	struct provhost_quota q = { .handles_per_host = 64 };
	struct fx *f = fx_new_quota(20000, &q);
	struct errinfo ei;

	(void)state;
	assert_true(
	        hr_eq(call_as(f, "TpGood", id_class(f, "Test_Handles"), &ei),
	              HR_WBEM_E_QUOTA_VIOLATION));
	assert_non_null(strstr(ei.msg, "TpGood"));
	assert_true(hr_ok(call_as(f, "TpGood", f->item, &ei)));
	assert_int_equal(f->n, 5);
	talloc_free(f);
}

/* A nested call made from a result callback of [f]'s outer call. */
struct nest {
	struct fx *f;
	hresult inner;
	char msg[256];
	bool done;
};

static hresult nest_cb(void *arg, struct cim_instance *inst)
{
	struct nest *ns = arg;
	struct errinfo ei;

	(void)inst;
	if (!ns->done) {
		ns->done = true;
		/* Another provider: the outer host is busy, so a new host is
		 * needed and the limit (1) is reached. */
		ns->inner = call_as(ns->f, "TpOther", ns->f->item, &ei);
		snprintf(ns->msg, sizeof(ns->msg), "%s", ei.msg);
	}
	return HR_OK;
}

/*
 * ProcessLimitAllHosts: an idle host is stopped to make room (least
 * recently used first); with every host busy, the call fails.
 */
static void test_process_limit(void **state)
{
	struct provhost_quota q = { .process_limit = 2 };
	struct fx *f = fx_new_quota(20000, &q);
	struct provhost_target a = { .provider = "TpA" };
	struct provhost_target b = { .provider = "TpB" };
	struct provhost_target c = { .provider = "TpC" };
	struct provhost_req rq = { .op = PROVFRAME_ENUM };
	struct nest ns = { .f = f };
	struct provhost_results res = { nest_cb, NULL, &ns };
	struct provhost_stats st;
	struct errinfo ei;

	(void)state;
	a.library = b.library = c.library = g_lib;
	assert_true(hr_ok(call_as(f, "TpA", f->item, &ei)));
	assert_true(hr_ok(call_as(f, "TpB", f->item, &ei)));
	assert_true(hr_ok(call_as(f, "TpC", f->item, &ei)));
	provhost_get_stats(f->ph, &st);
	assert_int_equal(st.hosts, 2);
	assert_int_equal(st.started, 3);
	assert_int_equal(provhost_host_pid(f->ph, &a), 0);
	assert_int_not_equal(provhost_host_pid(f->ph, &b), 0);
	assert_int_not_equal(provhost_host_pid(f->ph, &c), 0);
	talloc_free(f);

	q.process_limit = 1;
	f = fx_new_quota(20000, &q);
	ns.f = f;
	rq.cls = f->item;
	rq.target.provider = "TpA";
	rq.target.library = g_lib;
	rq.ns = "root\\test";
	rq.user = "alice";
	err_clear(&ei);
	assert_true(hr_ok(provhost_call(f->ph, &rq, &res, f, NULL, &ei)));
	assert_true(ns.done);
	assert_true(hr_eq(ns.inner, HR_WBEM_E_QUOTA_VIOLATION));
	assert_non_null(strstr(ns.msg, "ProcessLimitAllHosts"));
	talloc_free(f);
}

int main(int argc, char **argv)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_enumerate_streams_all_types),
		cmocka_unit_test(test_host_is_reused),
		cmocka_unit_test(test_get_by_key),
		cmocka_unit_test(test_query_equalities_reach_provider),
		cmocka_unit_test(test_put_and_delete),
		cmocka_unit_test(test_method_in_and_out),
		cmocka_unit_test(test_crash_fails_one_call_only),
		cmocka_unit_test(test_hang_times_out),
		cmocka_unit_test(test_cancel_keeps_host),
		cmocka_unit_test(test_load_failures),
		cmocka_unit_test(test_dead_idle_host_is_replaced),
		cmocka_unit_test(test_reap_idle),
		cmocka_unit_test(test_memory_all_hosts),
		cmocka_unit_test(test_memory_and_threads_per_host),
		cmocka_unit_test(test_handles_per_host),
		cmocka_unit_test(test_process_limit),
	};

	if (argc != 3) {
		return 2;
	}
	g_host = argv[1];
	g_lib = argv[2];
	setenv("OWMI_TP_BIG", "100000", 1);
	return cmocka_run_group_tests(tests, NULL, NULL);
}
