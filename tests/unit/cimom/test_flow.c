/*
 * Tests of cimom's flow-control rule (cimom.h "Flow control"):
 * cimom_lock_contended() is false for an operation alone, even on
 * re-entry from its own sink, and becomes true while another thread is
 * blocked on the object manager, so a sink waiting for its consumer can
 * stop waiting; the operation then completes whole and in order before
 * the other thread's call runs.
 */
#include <pthread.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stdatomic.h>
#include <stddef.h>
#include <stdio.h>
#include <string.h>
#include <talloc.h>
#include <time.h>
#include <unistd.h>

#include <cmocka.h>

#include "cimom/cimom.h"
#include "fixture.h"

static uint64_t now_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * 1000u + (uint64_t)ts.tv_nsec / 1000000u;
}

struct waiter {
	struct fx *f;
	atomic_bool in_wait;   /* the first indicate is waiting */
	atomic_uint delivered; /* objects seen, in Id order checked */
	bool saw_contention;   /* the wait ended on contention */
	bool contended_alone;  /* contended seen outside the wait */
	bool order_ok;
	uint64_t ref[256]; /* Ids in the order an undisturbed run gives */
	uint64_t waited_ms;
	hresult hr;
};

/* The first call waits (up to 20 s) until another thread wants the
 * object manager, polling as cimom.h says; later calls check order. */
static hresult waiting_indicate(void *arg, struct cim_object **objs, uint32_t n)
{
	struct waiter *w = arg;

	if (atomic_load(&w->delivered) == 0) {
		uint64_t t0 = now_ms();

		atomic_store(&w->in_wait, true);
		while (!cimom_lock_contended(w->f->cm) &&
		       now_ms() - t0 < 20000) {
			usleep(CIMOM_SINK_POLL_MS * 1000);
		}
		w->saw_contention = cimom_lock_contended(w->f->cm);
		w->waited_ms = now_ms() - t0;
	}
	for (uint32_t i = 0; i < n; i++) {
		const struct cim_value *v = cim_instance_get(objs[i]->u.inst,
		                                             "Id");

		unsigned k = atomic_fetch_add(&w->delivered, 1);

		if (v == NULL || v->null || k >= 256 || v->v.u != w->ref[k]) {
			w->order_ok = false;
		}
	}
	return HR_OK;
}

static void *producer_main(void *arg)
{
	struct waiter *w = arg;
	struct cimom_sink sink = { .indicate = waiting_indicate,
		                   .arg = w,
		                   .batch = 1 };

	w->hr = cimom_enum_instances(w->f->s, "T_Big", 0, &sink, NULL);
	return NULL;
}

static hresult alone_indicate(void *arg, struct cim_object **objs, uint32_t n)
{
	struct waiter *w = arg;
	struct cim_object *o = NULL;

	(void)objs;
	/* Re-entering cimom from the sink on the same thread is not
	 * contention. */
	if (hr_failed(cimom_get_object(w->f->s, w->f->mem, "T_Base.Name=\"a\"",
	                               0, &o, NULL)) ||
	    cimom_lock_contended(w->f->cm)) {
		w->contended_alone = true;
	}
	talloc_free(o);
	atomic_fetch_add(&w->delivered, n);
	return HR_OK;
}

static void test_not_contended_alone_or_reentered(void **state)
{
	struct fx *f = fx_new();
	struct waiter w = { .f = f };
	struct cimom_sink sink = { .indicate = alone_indicate,
		                   .arg = &w,
		                   .batch = 7 };

	(void)state;
	fx_add_big(f, 50);
	assert_false(cimom_lock_contended(f->cm));
	assert_true(hr_ok(cimom_enum_instances(f->s, "T_Big", 0, &sink, NULL)));
	assert_int_equal(atomic_load(&w.delivered), 50);
	assert_false(w.contended_alone);
	assert_false(cimom_lock_contended(f->cm));
	fx_free(f);
}

static void test_waiting_sink_sees_another_caller(void **state)
{
	struct fx *f = fx_new();
	struct waiter w = { .f = f, .order_ok = true };
	struct cimom_identity id = { .user = "bob", .domain = "WORKGROUP" };
	struct cimom_session *s2 = NULL;
	struct cim_object *o = NULL;
	pthread_t th;
	uint64_t t0;

	struct collect c = { .mem = f->mem, .keep = true };
	struct cimom_sink cs = collect_sink(&c, f->mem, 0);

	(void)state;
	fx_add_big(f, 200);
	assert_true(hr_ok(cimom_enum_instances(f->s, "T_Big", 0, &cs, NULL)));
	assert_int_equal(c.n, 200);
	for (uint32_t i = 0; i < 200; i++) {
		w.ref[i] = cim_instance_get(c.objs[i]->u.inst, "Id")->v.u;
	}
	assert_int_equal(pthread_create(&th, NULL, producer_main, &w), 0);
	t0 = now_ms();
	while (!atomic_load(&w.in_wait)) {
		assert_true(now_ms() - t0 < 20000);
		usleep(1000);
	}
	/* Blocks on the lock the producer holds; the producer's sink sees
	 * that and goes on; this call runs once the enumeration is done. */
	assert_true(hr_ok(cimom_session_open(f->cm, f->mem, &id, "root\\cimv2",
	                                     &s2, NULL)));
	assert_int_equal(atomic_load(&w.delivered), 200);
	assert_true(hr_ok(cimom_get_object(s2, f->mem, "T_Base.Name=\"a\"", 0,
	                                   &o, NULL)));
	pthread_join(th, NULL);
	assert_true(hr_ok(w.hr));
	assert_true(w.saw_contention);
	assert_true(w.order_ok);
	/* Generous: the wait ended on contention, not on its 20 s cap. */
	assert_true(w.waited_ms < 15000);
	assert_false(cimom_lock_contended(f->cm));
	fx_free(f);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_not_contended_alone_or_reentered),
		cmocka_unit_test(test_waiting_sink_sees_another_caller),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
