/*
 * Flow control of semisynchronous forward-only enumerations against the
 * object manager's lock (wmi.h: client_wait_ms, wmi_stats_get,
 * wmi_conn_closed; cimom.h: cimom_lock_contended), over real sockets as
 * test_server.c: a client that opens a large query and stops reading
 * must not hold up another client's calls, the slow client later reads
 * everything in order or gets WBEM_E_CLIENT_TOO_SLOW after a prefix, and
 * what the server buffers stays within max_result_bytes.
 *
 * The waits configured here (client_wait_ms 120 s) are far longer than
 * the sanity bounds asserted (60 s): before the fix the other client's
 * first call sat behind the producer's wait for the whole 120 s.
 */
#include <pthread.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>
#include <talloc.h>
#include <time.h>
#include <unistd.h>

#include <cmocka.h>

#include "dcom/orpc.h"
#include "wmi/stubs.h"
#include "wmi/wmi.h"
#include "wmio/noclass.h"
#include "wmio/wmio.h"
#include "wmitest.h"

/* The connection state of one client (swapped into struct wt). */
struct cl {
	struct rpctest_client *c;
	struct rpc_uuid iids[8];
	uint16_t n_pc;
};

static void swap_client(struct wt *t, struct cl *o)
{
	struct cl mine = { .c = t->c, .n_pc = t->n_pc };

	memcpy(mine.iids, t->iids, sizeof(mine.iids));
	t->c = o->c;
	t->n_pc = o->n_pc;
	memcpy(t->iids, o->iids, sizeof(t->iids));
	*o = mine;
}

/* A second connection (authenticated as alice, bound to the SCM). */
static struct cl new_client(struct wt *t)
{
	struct cl o = { .c = env_client(t->e, &syntax_scm, &auth_alice),
		        .n_pc = 1 };

	assert_non_null(o.c);
	o.iids[0] = dcom_iid_iremotescmactivator;
	return o;
}

static uint64_t now_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * 1000u + (uint64_t)ts.tv_nsec / 1000000u;
}

/* The names of T_Big in the order the object manager delivers them,
 * read straight from cimom (no wmi limits). */
static char *ref_order(struct wt *t, uint32_t first)
{
	struct collect c = { .mem = t->mem, .keep = true };
	struct cimom_sink sink = collect_sink(&c, t->mem, 0);
	char *s = talloc_strdup(t->mem, "");

	assert_true(hr_ok(cimom_exec_query(
	        t->fx->s, "WQL", "SELECT * FROM T_Big", 0, &sink, NULL)));
	for (uint32_t i = 0; i < c.n && i < first; i++) {
		s = talloc_asprintf_append(s, "%s%s", *s ? "," : "",
		                           collect_str(&c, i, "Name"));
	}
	return s;
}

/* Waits (up to 20 s) until the server's bounded sets hold at least
 * [objs] objects and [bg] producers run (UINT32_MAX: any number). */
static void wait_queued(struct wt *t, uint64_t objs, uint32_t bg)
{
	struct wmi_stats st;
	uint64_t until = now_ms() + 20000;

	for (;;) {
		wmi_stats_get(t->e->exp, &st);
		if (st.queued_objects >= objs &&
		    (bg == UINT32_MAX || st.background == bg)) {
			return;
		}
		assert_true(now_ms() < until);
		usleep(2000);
	}
}

/* Waits (up to [ms]) until no producer runs; false on timeout. */
static bool wait_idle(struct wt *t, uint32_t ms)
{
	struct wmi_stats st;
	uint64_t until = now_ms() + ms;

	for (;;) {
		wmi_stats_get(t->e->exp, &st);
		if (st.background == 0) {
			return true;
		}
		if (now_ms() >= until) {
			return false;
		}
		usleep(2000);
	}
}

/* ---- tests ---- */

/*
 * Client A opens a 3,000-object forward-only semisynchronous query and
 * reads nothing, so its producer fills the 8-object queue and waits.
 * Client B, on its own connection, logs in and runs 50 queries: every
 * one completes (the producer stops waiting as soon as B needs the
 * object manager, and spills), long before A's 120 s wait would have
 * ended.  A then reads all 3,000 in the object manager's order.
 */
static void test_slow_reader_does_not_stall_others(void **state)
{
	struct wmi_config cfg = { .queue_objects = 8,
		                  .client_wait_ms = 120000 };
	struct wt *t;
	struct rpc_uuid svc_a, svc_b, en_a, en;
	struct wmi_stats st;
	struct cl b;
	char *ref;
	uint64_t t0;

	(void)state;
	t = wt_start(&cfg);
	fx_add_big(t->fx, 3000);
	ref = ref_order(t, 3000);
	svc_a = wt_login(t);
	assert_int_equal(
	        wt_query(t, &svc_a, "SELECT * FROM T_Big", 0x30, &en_a), 0);
	/* A's producer is waiting on its full queue. */
	wait_queued(t, 8, 1);
	wmi_stats_get(t->e->exp, &st);
	assert_int_equal(st.queued_objects, 8);
	assert_int_equal(st.bounded_sets, 1);

	t0 = now_ms();
	b = new_client(t);
	swap_client(t, &b); /* now B */
	svc_b = wt_login(t);
	for (int i = 0; i < 50; i++) {
		assert_int_equal(wt_query(t, &svc_b,
		                          "SELECT * FROM T_Base WHERE Size < 4",
		                          0, &en),
		                 0);
		assert_string_equal(wt_drain(t, &en, 2), "a,b,c");
	}
	/* Generous: A's producer would have held the lock for 120 s. */
	assert_true(now_ms() - t0 < 60000);
	/* The producer gave way and finished: everything is queued for
	 * A, past the 8 through the spill, within the byte bound. */
	assert_true(wait_idle(t, 20000));
	wmi_stats_get(t->e->exp, &st);
	assert_int_equal(st.queued_objects, 3000);
	assert_true(st.spilled >= 3000 - 8 - 1);
	assert_true(st.peak_bytes <= WMI_DEFAULT_MAX_RESULT);
	assert_int_equal(st.too_slow, 0);

	swap_client(t, &b); /* A again */
	assert_string_equal(wt_drain(t, &en_a, 7), ref);
	wmi_stats_get(t->e->exp, &st);
	assert_int_equal(st.queued_objects, 0);
	assert_int_equal(st.queued_bytes, 0);
	rpctest_close(b.c);
	wt_stop(t);
}

/*
 * As above with a 16 KiB max_result_bytes: A's producer spills only
 * that much while B works, then ends with WBEM_E_CLIENT_TOO_SLOW.  B's
 * queries all complete; A reads a prefix of the result in order, then
 * the error; the server never held more than the bound plus one
 * object.
 */
static void test_spill_is_bounded_then_too_slow(void **state)
{
	const size_t budget = 16384;
	struct wmi_config cfg = { .queue_objects = 4,
		                  .client_wait_ms = 120000,
		                  .max_result_bytes = budget };
	struct wt *t;
	struct rpc_uuid svc_a, svc_b, en_a, en;
	struct wmi_next_resp r;
	struct wmi_stats st;
	struct cl b;
	char *ref, *got;
	uint32_t n = 0;
	uint64_t t0;

	(void)state;
	t = wt_start(&cfg);
	fx_add_big(t->fx, 3000);
	svc_a = wt_login(t);
	assert_int_equal(
	        wt_query(t, &svc_a, "SELECT * FROM T_Big", 0x30, &en_a), 0);
	wait_queued(t, 4, 1);

	t0 = now_ms();
	b = new_client(t);
	swap_client(t, &b);
	svc_b = wt_login(t);
	for (int i = 0; i < 50; i++) {
		assert_int_equal(wt_query(t, &svc_b,
		                          "SELECT * FROM T_Base WHERE Size < 4",
		                          0, &en),
		                 0);
		assert_string_equal(wt_drain(t, &en, 3), "a,b,c");
	}
	assert_true(now_ms() - t0 < 60000);
	assert_true(wait_idle(t, 20000));
	wmi_stats_get(t->e->exp, &st);
	assert_int_equal(st.too_slow, 1);
	assert_true(st.spilled > 0);
	assert_true(st.queued_objects > 4 && st.queued_objects < 3000);
	assert_true(st.queued_bytes <= budget);
	assert_true(st.peak_bytes <= budget);

	swap_client(t, &b);
	got = talloc_strdup(t->mem, "");
	for (;;) {
		wt_next(t, &en_a, -1, 5, &r);
		for (uint32_t i = 0; i < r.n; i++) {
			got = talloc_asprintf_append(got, "%s%s",
			                             *got ? "," : "",
			                             wt_obj_name(t, r.objs[i]));
		}
		n += r.n;
		if (r.n == 0) {
			break;
		}
		assert_int_equal(r.hr, 0);
	}
	assert_int_equal(r.hr, HR_WBEM_E_CLIENT_TOO_SLOW.v);
	assert_int_equal(n, st.queued_objects);
	ref = ref_order(t, n);
	assert_string_equal(got, ref);
	rpctest_close(b.c);
	wt_stop(t);
}

/*
 * Six enumerations of one client that reads nothing share the server's
 * spill budget (max_result_bytes 32 KiB): the producers give way to
 * each other and to another client's 20 queries, and together they
 * never hold more than the budget (plus at most one object each, the
 * race the budget check allows).  Each then yields an in-order prefix
 * and WBEM_E_CLIENT_TOO_SLOW.
 */
static void test_spill_budget_is_shared_by_the_server(void **state)
{
	enum { N = 6 };
	const size_t budget = 32768;
	struct wmi_config cfg = { .queue_objects = 4,
		                  .client_wait_ms = 120000,
		                  .max_result_bytes = budget };
	struct wt *t;
	struct rpc_uuid svc_a, svc_b, en_a[N], en;
	struct wmi_next_resp r;
	struct wmi_stats st;
	struct cl b;
	uint64_t total = 0;

	(void)state;
	t = wt_start(&cfg);
	fx_add_big(t->fx, 3000);
	svc_a = wt_login(t);
	for (int i = 0; i < N; i++) {
		assert_int_equal(wt_query(t, &svc_a, "SELECT * FROM T_Big",
		                          0x30, &en_a[i]),
		                 0);
	}
	/* Every producer has filled its queue.  They contend with each
	 * other too (each opens a session): one that waits while another
	 * needs the lock spills, and the budget's first taker leaves none
	 * for the rest, so at most one can still be waiting. */
	wait_queued(t, 4 * N, UINT32_MAX);

	b = new_client(t);
	swap_client(t, &b);
	svc_b = wt_login(t);
	for (int i = 0; i < 20; i++) {
		assert_int_equal(wt_query(t, &svc_b,
		                          "SELECT * FROM T_Base WHERE Size < 4",
		                          0, &en),
		                 0);
		assert_string_equal(wt_drain(t, &en, 1), "a,b,c");
	}
	assert_true(wait_idle(t, 20000));
	wmi_stats_get(t->e->exp, &st);
	assert_int_equal(st.bounded_sets, N);
	assert_int_equal(st.too_slow, N);
	assert_true(st.queued_objects >= 4 * N);
	assert_true(st.queued_objects < 3000);
	assert_true(st.peak_bytes <= budget + N * 1024);

	swap_client(t, &b);
	for (int i = 0; i < N; i++) {
		char *got = talloc_strdup(t->mem, "");
		uint32_t n = 0;

		for (;;) {
			wt_next(t, &en_a[i], -1, 16, &r);
			for (uint32_t k = 0; k < r.n; k++) {
				got = talloc_asprintf_append(
				        got, "%s%s", *got ? "," : "",
				        wt_obj_name(t, r.objs[k]));
			}
			n += r.n;
			if (r.n == 0) {
				break;
			}
		}
		assert_int_equal(r.hr, HR_WBEM_E_CLIENT_TOO_SLOW.v);
		assert_true(n >= 4);
		assert_string_equal(got, ref_order(t, n));
		total += n;
	}
	assert_int_equal(total, st.queued_objects);
	wmi_stats_get(t->e->exp, &st);
	assert_int_equal(st.queued_objects, 0);
	assert_int_equal(st.queued_bytes, 0);
	rpctest_close(b.c);
	wt_stop(t);
}

/*
 * A reads one object, so its set knows its connection, and then goes
 * away.  wmi_conn_closed for another connection changes nothing; for
 * every connection the server has seen (the test RPC server does not
 * wire conn_closed, and ids are small counters) it stops the waiting at
 * once: the producer ends with WBEM_E_CLIENT_TOO_SLOW without the
 * 120 s wait, and the enumerator, which belongs to the OXID, still
 * answers a new connection with what was queued, then the error.
 */
static void test_closed_connection_stops_the_wait(void **state)
{
	struct wmi_config cfg = { .queue_objects = 8,
		                  .client_wait_ms = 120000 };
	struct wt *t;
	struct rpc_uuid svc_a, en_a;
	struct wmi_next_resp r;
	struct wmi_stats st;
	struct cl b;
	char *ref, *got;
	uint64_t t0;

	(void)state;
	t = wt_start(&cfg);
	fx_add_big(t->fx, 500);
	ref = ref_order(t, 9);
	svc_a = wt_login(t);
	assert_int_equal(
	        wt_query(t, &svc_a, "SELECT * FROM T_Big", 0x30, &en_a), 0);
	wt_next(t, &en_a, -1, 1, &r);
	assert_int_equal(r.n, 1);
	got = talloc_strdup(t->mem, wt_obj_name(t, r.objs[0]));
	wait_queued(t, 8, 1);
	/* Not A's connection: the producer keeps waiting. */
	wmi_conn_closed(t->e->exp, UINT64_MAX - 1);
	usleep(50 * 1000);
	wmi_stats_get(t->e->exp, &st);
	assert_int_equal(st.background, 1);
	assert_int_equal(st.gone, 0);

	b = new_client(t); /* keeps the OXID's client alive */
	rpctest_close(t->c);
	t->c = NULL;
	t0 = now_ms();
	for (uint64_t id = 1; id < 4096; id++) {
		wmi_conn_closed(t->e->exp, id);
	}
	assert_true(wait_idle(t, 20000));
	assert_true(now_ms() - t0 < 60000);
	wmi_stats_get(t->e->exp, &st);
	assert_int_equal(st.gone, 1);
	assert_int_equal(st.too_slow, 1);
	assert_int_equal(st.queued_objects, 8);

	/* Another connection reads the rest of the queue, in order. */
	t->c = b.c;
	t->n_pc = b.n_pc;
	memcpy(t->iids, b.iids, sizeof(t->iids));
	for (;;) {
		wt_next(t, &en_a, -1, 3, &r);
		for (uint32_t i = 0; i < r.n; i++) {
			got = talloc_asprintf_append(got, ",%s",
			                             wt_obj_name(t, r.objs[i]));
		}
		if (r.n == 0) {
			break;
		}
	}
	assert_int_equal(r.hr, HR_WBEM_E_CLIENT_TOO_SLOW.v);
	assert_string_equal(got, ref);
	wt_stop(t);
}

/* The connection of the ExecQuery itself counts before any Next: a client
 * that opens a query and vanishes stops the wait at once. */
static void test_closed_connection_before_any_next(void **state)
{
	struct wmi_config cfg = { .queue_objects = 8,
		                  .client_wait_ms = 120000 };
	struct wt *t;
	struct rpc_uuid svc_a, en_a;
	struct wmi_next_resp r;
	struct wmi_stats st;
	struct cl b;
	char *ref, *got = NULL;

	(void)state;
	t = wt_start(&cfg);
	fx_add_big(t->fx, 500);
	ref = ref_order(t, 8);
	svc_a = wt_login(t);
	assert_int_equal(
	        wt_query(t, &svc_a, "SELECT * FROM T_Big", 0x30, &en_a), 0);
	wait_queued(t, 8, 1);
	b = new_client(t);
	rpctest_close(t->c);
	t->c = NULL;
	for (uint64_t id = 1; id < 4096; id++) {
		wmi_conn_closed(t->e->exp, id);
	}
	assert_true(wait_idle(t, 20000));
	wmi_stats_get(t->e->exp, &st);
	assert_int_equal(st.gone, 1);
	assert_int_equal(st.too_slow, 1);
	t->c = b.c;
	t->n_pc = b.n_pc;
	memcpy(t->iids, b.iids, sizeof(t->iids));
	for (;;) {
		wt_next(t, &en_a, -1, 3, &r);
		for (uint32_t i = 0; i < r.n; i++) {
			const char *name = wt_obj_name(t, r.objs[i]);

			got = got == NULL ? talloc_strdup(t->mem, name)
			                  : talloc_asprintf_append(got, ",%s",
			                                           name);
		}
		if (r.n == 0) {
			break;
		}
	}
	assert_int_equal(r.hr, HR_WBEM_E_CLIENT_TOO_SLOW.v);
	assert_string_equal(got, ref);
	wt_stop(t);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_slow_reader_does_not_stall_others),
		cmocka_unit_test(test_spill_is_bounded_then_too_slow),
		cmocka_unit_test(test_spill_budget_is_shared_by_the_server),
		cmocka_unit_test(test_closed_connection_stops_the_wait),
		cmocka_unit_test(test_closed_connection_before_any_next),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
