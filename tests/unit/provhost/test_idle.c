/*
 * Tests of idle shutdown of provider hosts (provhost.h): a host with no
 * call in flight for the idle timeout is stopped (the provider's cleanup
 * runs, the process is reaped), the next call starts a fresh one, a call
 * in flight keeps its host, calls racing the reaper all succeed, a host
 * whose cleanup hangs is killed, and nothing leaks (descriptors of this
 * process, zombie children).
 *
 * Arguments: the wmiprvse binary and the tp_good library.
 */
#include <dirent.h>
#include <errno.h>
#include <pthread.h>
#include <setjmp.h>
#include <signal.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include <cmocka.h>
#include <talloc.h>

#include "provhost/provhost.h"

static const char *g_host;
static const char *g_lib;
static char g_dir[64];

struct fx {
	struct provhost *ph;
	struct cim_class *item;
	struct cim_class *slow;
	uint32_t started;
};

static struct cim_class *id_class(void *mem, const char *name)
{
	struct cim_class *c = cim_class_new(mem, name, NULL);
	struct cim_property *p = cim_class_add_prop(c, "Id", CIM_T_UINT32);
	struct cim_class *res = NULL;

	cim_qset_set(c, &p->quals, "key",
	             &(struct cim_value){ .type = CIM_T_BOOLEAN, .v.b = true },
	             CIM_FLAVOR_DEFAULT);
	cim_class_add_prop(c, "Name", CIM_T_STRING);
	cim_class_add_prop(c, "Big", CIM_T_UINT64);
	cim_class_add_prop(c, "Neg", CIM_T_SINT32);
	cim_class_add_prop(c, "Flag", CIM_T_BOOLEAN);
	cim_class_add_prop(c, "Ratio", CIM_T_REAL64);
	cim_class_add_prop(c, "When", CIM_T_DATETIME);
	cim_class_add_prop(c, "Codes", CIM_T_UINT16 | CIM_FLAG_ARRAY);
	cim_class_add_prop(c, "Tags", CIM_T_STRING | CIM_FLAG_ARRAY);
	cim_class_add_prop(c, "Source", CIM_T_STRING);
	assert_true(hr_ok(cim_class_resolve(mem, c, NULL, &res, NULL)));
	return res;
}

static void on_started(void *arg,
                       const char *provider,
                       const char *library,
                       uint32_t pid)
{
	struct fx *f = arg;

	(void)provider;
	(void)library;
	(void)pid;
	__atomic_add_fetch(&f->started, 1, __ATOMIC_SEQ_CST);
}

static struct fx *fx_new(uint32_t idle_ms)
{
	struct fx *f = talloc_zero(NULL, struct fx);
	struct provhost_config cfg = { .host_path = g_host };

	cfg.idle_timeout_ms = idle_ms;
	cfg.started = on_started;
	cfg.started_arg = f;
	assert_true(hr_ok(provhost_new(f, &cfg, &f->ph)));
	f->item = id_class(f, "Test_Item");
	f->slow = id_class(f, "Test_Slow");
	return f;
}

static hresult count(void *arg, struct cim_instance *inst)
{
	(void)inst;
	__atomic_add_fetch((uint32_t *)arg, 1, __ATOMIC_SEQ_CST);
	return HR_OK;
}

static void target(struct provhost_target *t)
{
	memset(t, 0, sizeof(*t));
	t->provider = "TpGood";
	t->library = g_lib;
}

/* One enumeration of [cls]; returns its result, the count in *n. */
static hresult enum_call(struct fx *f, struct cim_class *cls, uint32_t *n)
{
	struct provhost_req rq = { .op = PROVFRAME_ENUM, .cls = cls };
	struct provhost_results res = { count, NULL, n };
	void *mem = talloc_new(NULL);
	struct errinfo ei;
	hresult hr;

	*n = 0;
	err_clear(&ei);
	target(&rq.target);
	rq.ns = "root\\test";
	rq.user = "alice";
	hr = provhost_call(f->ph, &rq, &res, mem, NULL, &ei);
	if (hr_failed(hr)) {
		fprintf(stderr, "call failed: %s %s\n", hr_name(hr), ei.msg);
	}
	talloc_free(mem);
	return hr;
}

static uint32_t host_pid(struct fx *f)
{
	struct provhost_target t;

	target(&t);
	return provhost_host_pid(f->ph, &t);
}

static void sleep_ms(unsigned ms)
{
	struct timespec ts = { ms / 1000u, (long)(ms % 1000u) * 1000000L };

	while (nanosleep(&ts, &ts) != 0 && errno == EINTR) {
	}
}

/* True when [pid] is gone and reaped (not even a zombie). */
static bool pid_gone(uint32_t pid)
{
	return kill((pid_t)pid, 0) != 0 && errno == ESRCH;
}

static bool cleanup_ran(uint32_t pid)
{
	char path[128];
	struct stat st;

	snprintf(path, sizeof(path), "%s/cleanup.%u", g_dir, pid);
	return stat(path, &st) == 0;
}

static int open_fds(void)
{
	DIR *d = opendir("/proc/self/fd");
	struct dirent *e;
	int n = 0;

	assert_non_null(d);
	while ((e = readdir(d)) != NULL) {
		n += e->d_name[0] != '.';
	}
	closedir(d);
	return n - 1; /* the directory's own descriptor */
}

/* Waits up to [ms] for the manager to have no host. */
static bool wait_no_host(struct fx *f, unsigned ms)
{
	struct provhost_stats st;

	for (unsigned t = 0; t < ms; t += 5) {
		provhost_get_stats(f->ph, &st);
		if (st.hosts == 0) {
			return true;
		}
		sleep_ms(5);
	}
	return false;
}

/* Waits up to [ms] until every host started has been stopped. */
static bool wait_settled(struct fx *f, unsigned ms)
{
	struct provhost_stats st;

	for (unsigned t = 0; t < ms; t += 5) {
		provhost_get_stats(f->ph, &st);
		if (st.hosts == 0 && st.idle_stopped == st.started) {
			return true;
		}
		sleep_ms(5);
	}
	return false;
}

static void test_default_and_never(void **state)
{
	struct fx *f = fx_new(0);
	uint32_t n, pid;
	struct provhost_stats st;

	(void)state;
	assert_int_equal(provhost_idle_timeout(f->ph),
	                 PROVHOST_DEFAULT_IDLE_MS);
	assert_int_equal(PROVHOST_DEFAULT_IDLE_MS, 30000);
	talloc_free(f);

	f = fx_new(PROVHOST_IDLE_NEVER);
	assert_int_equal(provhost_idle_timeout(f->ph), PROVHOST_IDLE_NEVER);
	assert_true(hr_ok(enum_call(f, f->item, &n)));
	pid = host_pid(f);
	assert_int_not_equal(pid, 0);
	sleep_ms(300);
	assert_int_equal(host_pid(f), pid);
	provhost_get_stats(f->ph, &st);
	assert_int_equal(st.idle_stopped, 0);
	talloc_free(f);
	assert_true(pid_gone(pid));
}

static void test_idle_host_stops_and_restarts(void **state)
{
	struct fx *f = fx_new(150);
	struct provhost_stats st;
	uint32_t n, pid, pid2;

	(void)state;
	assert_true(hr_ok(enum_call(f, f->item, &n)));
	assert_int_equal(n, 5);
	pid = host_pid(f);
	assert_int_not_equal(pid, 0);
	/* Still there well before the timeout. */
	sleep_ms(50);
	assert_int_equal(host_pid(f), pid);
	assert_true(wait_settled(f, 2000));
	assert_int_equal(host_pid(f), 0);
	assert_true(pid_gone(pid));
	assert_true(cleanup_ran(pid));
	provhost_get_stats(f->ph, &st);
	assert_int_equal(st.idle_stopped, 1);
	assert_int_equal(st.stop_killed, 0);
	assert_int_equal(st.started, 1);
	assert_int_equal(st.crashed, 0);
	/* The next call starts a fresh host transparently. */
	assert_true(hr_ok(enum_call(f, f->item, &n)));
	assert_int_equal(n, 5);
	pid2 = host_pid(f);
	assert_int_not_equal(pid2, 0);
	assert_int_not_equal(pid2, pid);
	provhost_get_stats(f->ph, &st);
	assert_int_equal(st.started, 2);
	assert_int_equal(st.hosts, 1);
	assert_int_equal(f->started, 2);
	assert_true(wait_settled(f, 2000));
	provhost_get_stats(f->ph, &st);
	assert_int_equal(st.idle_stopped, 2);
	assert_true(pid_gone(pid2));
	talloc_free(f);
}

/* A call longer than the idle timeout keeps its host: idle time counts
 * from the end of the last call. */
static void test_call_in_flight_keeps_host(void **state)
{
	struct fx *f = fx_new(100);
	struct provhost_stats st;
	struct provhost_target t;
	uint32_t n, pid;

	(void)state;
	target(&t);
	assert_true(hr_ok(provhost_ping(f->ph, &t, NULL)));
	pid = host_pid(f);
	assert_int_not_equal(pid, 0);
	/* Test_Slow sleeps 300 ms in the provider: three timeouts. */
	assert_true(hr_ok(enum_call(f, f->slow, &n)));
	provhost_get_stats(f->ph, &st);
	assert_int_equal(st.idle_stopped, 0);
	assert_int_equal(st.started, 1);
	assert_int_equal(host_pid(f), pid);
	assert_true(wait_settled(f, 2000));
	assert_true(pid_gone(pid));
	talloc_free(f);
}

struct racer {
	struct fx *f;
	uint32_t seed;
	uint32_t calls;
	uint32_t failed;
};

static void *race_main(void *arg)
{
	struct racer *r = arg;

	for (uint32_t i = 0; i < r->calls; i++) {
		uint32_t n = 0;

		r->seed = r->seed * 1103515245u + 12345u;
		/* Around the 20 ms timeout: some calls reuse a host, some
		 * arrive as it is being stopped, some find none. */
		sleep_ms((r->seed >> 16) % 40u);
		if (hr_failed(enum_call(r->f, r->f->item, &n)) || n != 5) {
			r->failed++;
		}
	}
	return NULL;
}

static void *reap_main(void *arg)
{
	struct racer *r = arg;

	for (uint32_t i = 0; i < r->calls; i++) {
		provhost_reap_idle(r->f->ph, (i % 3u) * 10u);
		sleep_ms(7);
	}
	return NULL;
}

/* Calls racing the reaper (and explicit reaps) all succeed; the counters
 * add up; no host dies during a call. */
static void test_calls_race_the_stop(void **state)
{
	enum { N = 4 };
	struct fx *f = fx_new(20);
	struct racer r[N + 1];
	pthread_t th[N + 1];
	struct provhost_stats st;
	int fds;

	(void)state;
	fds = open_fds();
	for (int i = 0; i <= N; i++) {
		r[i] = (struct racer){ .f = f,
			               .seed = (uint32_t)i * 7919u + 1u,
			               .calls = 30 };
		assert_int_equal(pthread_create(&th[i], NULL,
		                                i < N ? race_main : reap_main,
		                                &r[i]),
		                 0);
	}
	for (int i = 0; i <= N; i++) {
		pthread_join(th[i], NULL);
	}
	for (int i = 0; i < N; i++) {
		assert_int_equal(r[i].failed, 0);
	}
	assert_true(wait_settled(f, 3000));
	provhost_get_stats(f->ph, &st);
	assert_int_equal(st.calls, N * 30);
	assert_int_equal(st.crashed, 0);
	assert_int_equal(st.timed_out, 0);
	assert_true(st.started >= 2);
	assert_int_equal(st.started, st.idle_stopped);
	assert_int_equal(st.hosts, 0);
	assert_int_equal(open_fds(), fds);
	/* No zombie: every host was reaped by the manager. */
	assert_int_equal(waitpid(-1, NULL, WNOHANG), -1);
	assert_int_equal(errno, ECHILD);
	talloc_free(f);
}

/* A host whose provider cleanup never returns is killed after the grace
 * period, and reaped. */
static void test_stuck_cleanup_is_killed(void **state)
{
	struct fx *f;
	struct provhost_stats st;
	uint32_t n, pid;

	(void)state;
	setenv("OWMI_TP_CLEANUP_HANG", "1", 1);
	f = fx_new(50);
	/* The host takes its environment when it starts, at the call. */
	assert_true(hr_ok(enum_call(f, f->item, &n)));
	unsetenv("OWMI_TP_CLEANUP_HANG");
	pid = host_pid(f);
	assert_int_not_equal(pid, 0);
	assert_true(wait_no_host(f, 1000));
	/* Detached at once, killed after the grace period. */
	for (int i = 0; i < 400; i++) {
		provhost_get_stats(f->ph, &st);
		if (st.stop_killed == 1) {
			break;
		}
		sleep_ms(5);
	}
	assert_int_equal(st.idle_stopped, 1);
	assert_int_equal(st.stop_killed, 1);
	assert_true(cleanup_ran(pid));
	assert_true(pid_gone(pid));
	/* And the next call works. */
	assert_true(hr_ok(enum_call(f, f->item, &n)));
	assert_int_equal(n, 5);
	talloc_free(f);
}

/* Start/stop cycles leave no descriptor and no child behind. */
static void test_cycles_leak_nothing(void **state)
{
	struct fx *f = fx_new(30);
	struct provhost_stats st;
	int fds = open_fds();
	uint32_t n;

	(void)state;
	for (int i = 0; i < 10; i++) {
		assert_true(hr_ok(enum_call(f, f->item, &n)));
		assert_int_equal(open_fds(), fds + 1); /* the host's socket */
		assert_true(wait_settled(f, 2000));
		assert_int_equal(open_fds(), fds);
	}
	provhost_get_stats(f->ph, &st);
	assert_int_equal(st.started, 10);
	assert_int_equal(st.idle_stopped, 10);
	assert_int_equal(waitpid(-1, NULL, WNOHANG), -1);
	talloc_free(f);
	assert_int_equal(open_fds(), fds);
}

/* Freeing the manager while hosts are idle stops them and the reaper. */
static void test_free_with_idle_hosts(void **state)
{
	struct fx *f = fx_new(60000);
	int fds = open_fds();
	uint32_t n, pid;

	(void)state;
	assert_true(hr_ok(enum_call(f, f->item, &n)));
	pid = host_pid(f);
	assert_int_not_equal(pid, 0);
	talloc_free(f);
	assert_true(pid_gone(pid));
	assert_true(cleanup_ran(pid));
	assert_int_equal(open_fds(), fds);
}

int main(int argc, char **argv)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_default_and_never),
		cmocka_unit_test(test_idle_host_stops_and_restarts),
		cmocka_unit_test(test_call_in_flight_keeps_host),
		cmocka_unit_test(test_calls_race_the_stop),
		cmocka_unit_test(test_stuck_cleanup_is_killed),
		cmocka_unit_test(test_cycles_leak_nothing),
		cmocka_unit_test(test_free_with_idle_hosts),
	};
	char cmd[128];
	int rc;

	if (argc < 3) {
		fprintf(stderr, "usage: %s WMIPRVSE LIBTP_GOOD\n", argv[0]);
		return 2;
	}
	g_host = argv[1];
	g_lib = argv[2];
	snprintf(g_dir, sizeof(g_dir), "/tmp/owmi-idle-XXXXXX");
	if (mkdtemp(g_dir) == NULL) {
		return 2;
	}
	setenv("OWMI_TP_CLEANUP_DIR", g_dir, 1);
	rc = cmocka_run_group_tests(tests, NULL, NULL);
	snprintf(cmd, sizeof(cmd), "rm -rf '%s'", g_dir);
	if (system(cmd) != 0) {
		rc = 1;
	}
	return rc;
}
