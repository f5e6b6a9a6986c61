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
#include "exporter_env.h"
#include "fixture.h"
#include "wmi/stubs.h"
#include "wmi/wmi.h"
#include "wmio/noclass.h"
#include "wmio/wmio.h"

#define V57 ((struct dcom_comversion){ 5, 7 })

struct t {
	void *mem;
	struct fx *fx;
	struct env *e;
	struct rpctest_client *c;
	struct rpc_uuid iids[8];
	uint16_t n_pc;
	struct rpc_uuid remunk;
	struct wmi_config cfg;
};

static void reg_fn(struct rpctest_server *ts, void *arg)
{
	struct t *t = arg;

	(void)ts;
	assert_true(hr_ok(wmi_register(t->e->exp, t->fx->cm, &t->cfg)));
}

static struct t *start(const struct wmi_config *cfg)
{
	struct t *t = talloc_zero(NULL, struct t);

	assert_non_null(t);
	t->mem = t;
	t->fx = fx_new();
	t->e = env_start(t, NULL);
	if (cfg != NULL) {
		t->cfg = *cfg;
	}
	rpctest_server_run(t->e->ts, reg_fn, t);
	t->c = env_client(t->e, &syntax_scm, &auth_alice);
	t->iids[0] = dcom_iid_iremotescmactivator;
	t->n_pc = 1;
	return t;
}

static void stop(struct t *t)
{
	rpctest_close(t->c);
	env_stop(t->e);
	fx_free(t->fx);
	talloc_free(t);
}

/* The presentation context for [iid], bound (alter_context) on first use. */
static uint16_t pc_for(struct t *t, const struct rpc_uuid *iid)
{
	struct rpctest_bind_result res;
	struct rpc_syntax_id syn = { *iid, 0, 0 };

	for (uint16_t i = 0; i < t->n_pc; i++) {
		if (rpc_uuid_equal(&t->iids[i], iid)) {
			return i;
		}
	}
	assert_true(t->n_pc < 8);
	assert_int_equal(rpctest_bind(t->c, t->n_pc, &syn, &auth_alice, &res),
	                 0);
	t->iids[t->n_pc] = *iid;
	return t->n_pc++;
}

/* Sends [stub] and returns the response stub (the call must not fault). */
static void call(struct t *t,
                 const struct rpc_uuid *iid,
                 uint16_t opnum,
                 const struct rpc_uuid *ipid,
                 struct ndr_push *p,
                 struct rpctest_reply *r)
{
	const uint8_t *d;
	size_t n;

	assert_int_equal(ndr_push_blob(p, &d, &n), NDR_ERR_SUCCESS);
	assert_int_equal(rpctest_call(t->c, pc_for(t, iid), opnum, ipid, d, n,
	                              t->mem, r),
	                 0);
	if (r->status != 0) {
		fail_msg("opnum %u faulted 0x%08x", opnum, r->status);
	}
}

static void push_on(struct t *t, struct ndr_push *p)
{
	assert_int_equal(ndr_push_init(p, t->mem, 0, NULL), NDR_ERR_SUCCESS);
}

static void pull_on(struct t *t, struct ndr_pull *p, struct rpctest_reply *r)
{
	assert_int_equal(
	        ndr_pull_init(p, t->mem, r->stub, r->stub_len, 0, NULL),
	        NDR_ERR_SUCCESS);
}

static struct dcom_orpcthis this57(void)
{
	struct dcom_orpcthis th;

	dcom_orpcthis_init(&th, NULL);
	return th;
}

/* Activates WbemLevel1Login; returns its IPID. */
static struct rpc_uuid activate(struct t *t)
{
	struct act_result res;

	env_activate(t->c, 0, t->mem, &wmi_clsid_wbemlevel1login,
	             &wmi_iid_iwbemlevel1login, 1, V57, V57, false, &res);
	assert_int_equal(res.status, 0);
	assert_int_equal(res.hr, 0);
	assert_non_null(res.props);
	assert_int_equal(res.props->props_out.n, 1);
	assert_int_equal(res.props->props_out.hresults[0], 0);
	t->remunk = res.props->scm_reply.ipid_rem_unknown;
	return res.props->props_out.ifaces[0]->std.ipid;
}

/* NTLMLogin on [ns]; returns the HRESULT and the services IPID. */
static uint32_t login_ns(struct t *t, const char *ns, struct rpc_uuid *svc)
{
	struct rpc_uuid login = activate(t);
	struct wmi_ntlm_login_req q = { .orpcthis = this57(),
		                        .network_resource = (char *)ns };
	struct wmi_objref_resp r;
	struct rpctest_reply rep;
	struct ndr_push p;
	struct ndr_pull pl;

	push_on(t, &p);
	assert_int_equal(wmi_ntlm_login_req_push(&p, &q), NDR_ERR_SUCCESS);
	call(t, &wmi_iid_iwbemlevel1login, WMI_OP_NTLM_LOGIN, &login, &p, &rep);
	pull_on(t, &pl, &rep);
	assert_int_equal(wmi_objref_resp_pull(&pl, &r), NDR_ERR_SUCCESS);
	assert_int_equal(ndr_pull_finish(&pl), NDR_ERR_SUCCESS);
	if (r.hr == 0) {
		assert_non_null(r.obj);
		assert_int_equal(r.obj->kind, DCOM_OBJREF_STANDARD);
		assert_true(
		        rpc_uuid_equal(&r.obj->iid, &wmi_iid_iwbemservices));
		*svc = r.obj->std.ipid;
	} else {
		assert_null(r.obj);
	}
	return r.hr;
}

static struct rpc_uuid login(struct t *t)
{
	struct rpc_uuid svc;

	assert_int_equal(login_ns(t, "root\\cimv2", &svc), 0);
	return svc;
}

/* An IWbemServices call; the response is decoded into [r]. */
static void svc_call(struct t *t,
                     const struct rpc_uuid *svc,
                     uint16_t op,
                     struct wmi_svc_req *q,
                     struct wmi_svc_resp *r)
{
	struct rpctest_reply rep;
	struct ndr_push p;
	struct ndr_pull pl;

	q->orpcthis = this57();
	push_on(t, &p);
	assert_int_equal(wmi_svc_req_push(&p, op, q), NDR_ERR_SUCCESS);
	call(t, &wmi_iid_iwbemservices, op, svc, &p, &rep);
	pull_on(t, &pl, &rep);
	assert_int_equal(wmi_svc_resp_pull(&pl, op, r), NDR_ERR_SUCCESS);
	assert_int_equal(ndr_pull_finish(&pl), NDR_ERR_SUCCESS);
}

/* ExecQuery; returns the HRESULT and the enumerator's IPID. */
static uint32_t query(struct t *t,
                      const struct rpc_uuid *svc,
                      const char *wql,
                      int32_t flags,
                      struct rpc_uuid *en)
{
	struct wmi_svc_req q = { .str1 = "WQL",
		                 .str2 = (char *)wql,
		                 .flags = flags };
	struct wmi_svc_resp r;

	svc_call(t, svc, WMI_OP_EXEC_QUERY, &q, &r);
	if (r.hr == 0) {
		assert_non_null(r.out);
		assert_true(rpc_uuid_equal(&r.out->iid,
		                           &wmi_iid_ienumwbemclassobject));
		*en = r.out->std.ipid;
	} else {
		assert_null(r.out);
	}
	return r.hr;
}

/* Next; decodes the response into [r]. */
static void next(struct t *t,
                 const struct rpc_uuid *en,
                 int32_t timeout,
                 uint32_t count,
                 struct wmi_next_resp *r)
{
	struct wmi_timeout_req q = { .orpcthis = this57(),
		                     .timeout = timeout,
		                     .count = count };
	struct rpctest_reply rep;
	struct ndr_push p;
	struct ndr_pull pl;

	push_on(t, &p);
	assert_int_equal(wmi_timeout_req_push(&p, true, &q), NDR_ERR_SUCCESS);
	call(t, &wmi_iid_ienumwbemclassobject, WMI_OP_ENUM_NEXT, en, &p, &rep);
	pull_on(t, &pl, &rep);
	assert_int_equal(wmi_next_resp_pull(&pl, r), NDR_ERR_SUCCESS);
	assert_int_equal(ndr_pull_finish(&pl), NDR_ERR_SUCCESS);
	assert_int_equal(r->n, r->returned);
	assert_int_equal(r->max, count);
}

/* The Name of a by-value instance. */
static const char *obj_name(struct t *t, const struct dcom_objref *o)
{
	struct wmio_object *wo = NULL;
	const struct cim_value *v;

	assert_true(wmi_objref_is_classobject(o));
	assert_true(hr_ok(
	        wmio_decode(t->mem, o->data, o->n_data, NULL, &wo, NULL)));
	assert_false(wo->is_class);
	v = cim_instance_get(wo->inst, "Name");
	assert_non_null(v);
	return v->null ? NULL : v->v.s;
}

/* Reads [en] one object at a time to the end; returns the names
 * joined with ','. */
static char *drain(struct t *t, const struct rpc_uuid *en, uint32_t batch)
{
	char *s = talloc_strdup(t->mem, "");
	struct wmi_next_resp r;

	for (;;) {
		next(t, en, -1, batch, &r);
		for (uint32_t i = 0; i < r.n; i++) {
			s = talloc_asprintf_append(s, "%s%s", *s ? "," : "",
			                           obj_name(t, r.objs[i]));
		}
		if (r.hr == 1) {
			return s;
		}
		assert_int_equal(r.hr, 0);
		assert_int_equal(r.n, batch);
	}
}

/* ---- flow-control helpers ---- */

/* The connection state of one client (swapped into struct t). */
struct cl {
	struct rpctest_client *c;
	struct rpc_uuid iids[8];
	uint16_t n_pc;
};

static void swap_client(struct t *t, struct cl *o)
{
	struct cl mine = { .c = t->c, .n_pc = t->n_pc };

	memcpy(mine.iids, t->iids, sizeof(mine.iids));
	t->c = o->c;
	t->n_pc = o->n_pc;
	memcpy(t->iids, o->iids, sizeof(t->iids));
	*o = mine;
}

/* A second connection (authenticated as alice, bound to the SCM). */
static struct cl new_client(struct t *t)
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
static char *ref_order(struct t *t, uint32_t first)
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
static void wait_queued(struct t *t, uint64_t objs, uint32_t bg)
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
static bool wait_idle(struct t *t, uint32_t ms)
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
	struct t *t;
	struct rpc_uuid svc_a, svc_b, en_a, en;
	struct wmi_stats st;
	struct cl b;
	char *ref;
	uint64_t t0;

	(void)state;
	t = start(&cfg);
	fx_add_big(t->fx, 3000);
	ref = ref_order(t, 3000);
	svc_a = login(t);
	assert_int_equal(query(t, &svc_a, "SELECT * FROM T_Big", 0x30, &en_a),
	                 0);
	/* A's producer is waiting on its full queue. */
	wait_queued(t, 8, 1);
	wmi_stats_get(t->e->exp, &st);
	assert_int_equal(st.queued_objects, 8);
	assert_int_equal(st.bounded_sets, 1);

	t0 = now_ms();
	b = new_client(t);
	swap_client(t, &b); /* now B */
	svc_b = login(t);
	for (int i = 0; i < 50; i++) {
		assert_int_equal(query(t, &svc_b,
		                       "SELECT * FROM T_Base WHERE Size < 4", 0,
		                       &en),
		                 0);
		assert_string_equal(drain(t, &en, 2), "a,b,c");
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
	assert_string_equal(drain(t, &en_a, 7), ref);
	wmi_stats_get(t->e->exp, &st);
	assert_int_equal(st.queued_objects, 0);
	assert_int_equal(st.queued_bytes, 0);
	rpctest_close(b.c);
	stop(t);
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
	struct t *t;
	struct rpc_uuid svc_a, svc_b, en_a, en;
	struct wmi_next_resp r;
	struct wmi_stats st;
	struct cl b;
	char *ref, *got;
	uint32_t n = 0;
	uint64_t t0;

	(void)state;
	t = start(&cfg);
	fx_add_big(t->fx, 3000);
	svc_a = login(t);
	assert_int_equal(query(t, &svc_a, "SELECT * FROM T_Big", 0x30, &en_a),
	                 0);
	wait_queued(t, 4, 1);

	t0 = now_ms();
	b = new_client(t);
	swap_client(t, &b);
	svc_b = login(t);
	for (int i = 0; i < 50; i++) {
		assert_int_equal(query(t, &svc_b,
		                       "SELECT * FROM T_Base WHERE Size < 4", 0,
		                       &en),
		                 0);
		assert_string_equal(drain(t, &en, 3), "a,b,c");
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
		next(t, &en_a, -1, 5, &r);
		for (uint32_t i = 0; i < r.n; i++) {
			got = talloc_asprintf_append(got, "%s%s",
			                             *got ? "," : "",
			                             obj_name(t, r.objs[i]));
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
	stop(t);
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
	struct t *t;
	struct rpc_uuid svc_a, svc_b, en_a[N], en;
	struct wmi_next_resp r;
	struct wmi_stats st;
	struct cl b;
	uint64_t total = 0;

	(void)state;
	t = start(&cfg);
	fx_add_big(t->fx, 3000);
	svc_a = login(t);
	for (int i = 0; i < N; i++) {
		assert_int_equal(
		        query(t, &svc_a, "SELECT * FROM T_Big", 0x30, &en_a[i]),
		        0);
	}
	/* Every producer has filled its queue.  They contend with each
	 * other too (each opens a session): one that waits while another
	 * needs the lock spills, and the budget's first taker leaves none
	 * for the rest, so at most one can still be waiting. */
	wait_queued(t, 4 * N, UINT32_MAX);

	b = new_client(t);
	swap_client(t, &b);
	svc_b = login(t);
	for (int i = 0; i < 20; i++) {
		assert_int_equal(query(t, &svc_b,
		                       "SELECT * FROM T_Base WHERE Size < 4", 0,
		                       &en),
		                 0);
		assert_string_equal(drain(t, &en, 1), "a,b,c");
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
			next(t, &en_a[i], -1, 16, &r);
			for (uint32_t k = 0; k < r.n; k++) {
				got = talloc_asprintf_append(
				        got, "%s%s", *got ? "," : "",
				        obj_name(t, r.objs[k]));
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
	stop(t);
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
	struct t *t;
	struct rpc_uuid svc_a, en_a;
	struct wmi_next_resp r;
	struct wmi_stats st;
	struct cl b;
	char *ref, *got;
	uint64_t t0;

	(void)state;
	t = start(&cfg);
	fx_add_big(t->fx, 500);
	ref = ref_order(t, 9);
	svc_a = login(t);
	assert_int_equal(query(t, &svc_a, "SELECT * FROM T_Big", 0x30, &en_a),
	                 0);
	next(t, &en_a, -1, 1, &r);
	assert_int_equal(r.n, 1);
	got = talloc_strdup(t->mem, obj_name(t, r.objs[0]));
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
		next(t, &en_a, -1, 3, &r);
		for (uint32_t i = 0; i < r.n; i++) {
			got = talloc_asprintf_append(got, ",%s",
			                             obj_name(t, r.objs[i]));
		}
		if (r.n == 0) {
			break;
		}
	}
	assert_int_equal(r.hr, HR_WBEM_E_CLIENT_TOO_SLOW.v);
	assert_string_equal(got, ref);
	stop(t);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_slow_reader_does_not_stall_others),
		cmocka_unit_test(test_spill_is_bounded_then_too_slow),
		cmocka_unit_test(test_spill_budget_is_shared_by_the_server),
		cmocka_unit_test(test_closed_connection_stops_the_wait),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
