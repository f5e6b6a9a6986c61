/*
 * oomtest: the allocation-failure loops of STYLE.md section 11, for unit
 * tests (cmocka).  See docs/internals/memory.md.
 *
 * for_each_alloc_failure(): the STYLE.md loop.  A first run counts the
 * allocations the body makes (every talloc call, through the link-time
 * wrappers of tests/unit/oomwrap.c, and every owmi_malloc/owmi_realloc,
 * e.g. SQLite's heap routed through base/alloc.h by oom_route_sqlite());
 * then the body runs once per allocation with exactly that one failing.
 * Each run must end in success (the code recovered) or a clean
 * E_OUTOFMEMORY, leave no talloc block outside the context it was given
 * (talloc null tracking counts them) and, with OOM_EMPTY_ON_FAILURE,
 * nothing under it after a failure.  Raw leaks are LSan's (ASan builds).
 * OWMI_OOM_VERBOSE=1 prints the counts of each loop, OWMI_OOM_TRACE=1 the
 * allocation each run fails (for gdb: break owmi_alloc_inject if at == N).
 * The test executable must use oomtest_dep (tests/unit/base/meson.build),
 * which compiles oomwrap.c in and passes the --wrap options.
 *
 * for_each_memlimit(): the byte ceiling STYLE.md section 5 uses in
 * production (talloc_set_memlimit), swept from 1 byte up to the smallest
 * ceiling under which the body succeeds; each smaller ceiling must give a
 * clean E_OUTOFMEMORY.  It reaches only the allocations that raise the
 * context's high-water mark, never allocations on other contexts nor
 * those carved from a talloc_pool, and never the C heap.  Do not use it on
 * code that talloc_steal()s a context that has children inside the limited
 * tree: talloc 2.4.0 then links the limit to itself and the next
 * allocation spins forever (mof_parse_buffer does this; see memory.md).
 */
#ifndef OWMI_TESTS_OOMTEST_H
#define OWMI_TESTS_OOMTEST_H

#include <setjmp.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <talloc.h>

#include <cmocka.h>

#include "base/alloc.h"
#include "base/hresult.h"

/* Runs the code under test with [mem] as its context. */
typedef hresult oom_body_fn(void *mem, void *arg);

/* Runs after each run, without a ceiling, with the run's result. */
typedef void oom_after_fn(void *arg, hresult hr);

enum oom_flags {
	/* On failure the body leaves nothing allocated under [mem]. */
	OOM_EMPTY_ON_FAILURE = 1u << 0,
	/* Every allocation after the failing one fails too (a heap that
	 * stays exhausted) rather than only the one. */
	OOM_PERSIST = 1u << 1,
	/* The body keeps state between runs (caches, prepared statements),
	 * so a run may make fewer allocations than the counting run and
	 * never reach the one armed to fail. */
	OOM_STATEFUL = 1u << 2,
};

struct oom_loop {
	oom_body_fn *body;
	oom_after_fn *after; /* may be NULL */
	void *arg;
	unsigned flags; /* enum oom_flags */
	size_t step;    /* for_each_memlimit: ceiling increment; 0 means 1 */
	/* Filled in by the loops. */
	uint64_t calls;     /* allocations a run makes when nothing fails */
	uint64_t runs;      /* runs made */
	uint64_t failures;  /* runs that ended in E_OUTOFMEMORY */
	uint64_t masked;    /* runs that succeeded although an allocation
	                       failed (the code recovered) */
	uint64_t unreached; /* runs that ended before the armed allocation */
	size_t need;        /* for_each_memlimit: smallest good ceiling */
};

#pragma GCC diagnostic push
#pragma GCC diagnostic ignored "-Wdeprecated-declarations"
static inline int oom_memlimit(void *ctx, size_t n)
{
	return talloc_set_memlimit(ctx, n);
}
#pragma GCC diagnostic pop

static void oom_count_top(const void *ptr,
                          int depth,
                          int max_depth,
                          int is_ref,
                          void *arg)
{
	(void)ptr;
	(void)max_depth;
	(void)is_ref;
	if (depth == 1) {
		(*(size_t *)arg)++;
	}
}

/* Returns the number of top-level talloc contexts made since null tracking
 * was enabled (a leak on the NULL context adds one). */
static inline size_t oom_top_level(void)
{
	size_t n = 0;

	talloc_report_depth_cb(NULL, 0, 1, oom_count_top, &n);
	return n;
}

/*
 * One run under ceiling [limit] (0: none) with [nth] armed (0: count
 * only); returns its result after checking it.  The injector is disarmed
 * before anything outside the body runs.
 */
static inline hresult oom_run(struct oom_loop *l,
                              size_t limit,
                              uint64_t nth,
                              uint64_t *calls)
{
	size_t before = oom_top_level();
	void *mem = talloc_named_const(NULL, 0, "oom-run");
	hresult hr;

	assert_non_null(mem);
	/* Even a 0 (unlimited) ceiling would install talloc's limit record,
	 * with the talloc_steal hazard described above. */
	if (limit != 0) {
		assert_int_equal(oom_memlimit(mem, limit), 0);
	}
	if (getenv("OWMI_OOM_TRACE") != NULL) {
		fprintf(stderr, "oom: run failing allocation %llu\n",
		        (unsigned long long)nth);
	}
	owmi_alloc_fail_at(nth, (l->flags & OOM_PERSIST) != 0);
	hr = l->body(mem, l->arg);
	if (calls != NULL) {
		*calls = owmi_alloc_calls();
	}
	owmi_alloc_fail_reset();
	l->runs++;
	if (hr_failed(hr)) {
		if (!hr_eq(hr, HR_E_OUTOFMEMORY)) {
			fail_msg("%s %llu: %s, expected E_OUTOFMEMORY or "
			         "success",
			         limit != 0 ? "ceiling" : "allocation",
			         (unsigned long long)(limit != 0 ? limit : nth),
			         hr_name(hr));
		}
		l->failures++;
		if ((l->flags & OOM_EMPTY_ON_FAILURE) &&
		    talloc_total_blocks(mem) != 1) {
			talloc_report_full(mem, stderr);
			fail_msg("%s %llu: %zu blocks left under the context "
			         "after E_OUTOFMEMORY",
			         limit != 0 ? "ceiling" : "allocation",
			         (unsigned long long)(limit != 0 ? limit : nth),
			         talloc_total_blocks(mem) - 1);
		}
	} else if (nth != 0 || limit != 0) {
		l->masked++;
	}
	talloc_free(mem);
	if (l->after != NULL) {
		l->after(l->arg, hr);
	}
	if (oom_top_level() != before) {
		talloc_report_depth_file(NULL, 0, 1, stderr);
		fail_msg("%s %llu: %zu top-level talloc contexts before the "
		         "run, %zu after",
		         limit != 0 ? "ceiling" : "allocation",
		         (unsigned long long)(limit != 0 ? limit : nth), before,
		         oom_top_level());
	}
	return hr;
}

static inline void oom_verbose(const char *what, const struct oom_loop *l)
{
	if (getenv("OWMI_OOM_VERBOSE") != NULL) {
		fprintf(stderr,
		        "%s: %llu allocations, %llu runs, %llu E_OUTOFMEMORY, "
		        "%llu recovered, %llu unreached, ceiling %zu\n",
		        what, (unsigned long long)l->calls,
		        (unsigned long long)l->runs,
		        (unsigned long long)l->failures,
		        (unsigned long long)l->masked,
		        (unsigned long long)l->unreached, l->need);
	}
}

/*
 * The STYLE.md loop: counts the allocations of a successful run, then
 * fails each one in turn (see the file comment).
 */
static inline void for_each_alloc_failure(struct oom_loop *l)
{
	uint64_t calls = 0;

	talloc_enable_null_tracking();
	l->runs = l->failures = l->masked = l->unreached = 0;
	if (l->flags & OOM_STATEFUL) {
		/* Warm the caches so the counting run is a typical one. */
		assert_true(hr_ok(oom_run(l, 0, 0, NULL)));
	}
	assert_true(hr_ok(oom_run(l, 0, 0, &l->calls)));
	if (l->calls == 0) {
		fail_msg("no allocation was counted: link the test with "
		         "oomtest_dep (tests/unit/oomwrap.c)");
	}
	for (uint64_t n = 1; n <= l->calls; n++) {
		oom_run(l, 0, n, &calls);
		if (calls < n) {
			/* A deterministic body makes the same calls up to
			 * the n-th. */
			assert_true(l->flags & OOM_STATEFUL);
			l->unreached++;
		}
	}
	assert_true(l->failures > 0);
	talloc_disable_null_tracking(); /* frees talloc's tracking context */
	oom_verbose("alloc failures", l);
}

/*
 * The ceiling sweep (see the file comment).  Finds l->need, the smallest
 * ceiling under which the body succeeds (doubling, then bisecting: a
 * deterministic body fails under every smaller ceiling and succeeds under
 * every larger one), then runs the body under every ceiling from 1 to
 * need - 1 in steps of l->step; each must fail cleanly.
 */
static inline void for_each_memlimit(struct oom_loop *l)
{
	size_t lo = 0, hi = 256, step = l->step != 0 ? l->step : 1;

	talloc_enable_null_tracking();
	l->runs = l->failures = l->masked = l->unreached = 0;
	assert_true(hr_ok(oom_run(l, 0, 0, &l->calls)));
	while (hr_failed(oom_run(l, hi, 0, NULL))) {
		lo = hi;
		hi *= 2;
		assert_true(hi < ((size_t)1 << 32));
	}
	while (hi - lo > 1) {
		size_t mid = lo + (hi - lo) / 2;

		if (hr_ok(oom_run(l, mid, 0, NULL))) {
			hi = mid;
		} else {
			lo = mid;
		}
	}
	l->need = hi;
	l->masked = 0;
	for (size_t limit = 1; limit < l->need; limit += step) {
		if (hr_ok(oom_run(l, limit, 0, NULL))) {
			fail_msg("ceiling %zu succeeds below the smallest "
			         "successful ceiling %zu: the body is not "
			         "deterministic",
			         limit, l->need);
		}
	}
	assert_true(l->failures > 0);
	talloc_disable_null_tracking(); /* frees talloc's tracking context */
	oom_verbose("memlimit sweep", l);
}

#ifdef OOMTEST_SQLITE
#include <sqlite3.h>

/*
 * SQLite's heap through base/alloc.h, so for_each_alloc_failure() fails
 * SQLite's allocations too.  Each block carries its size in a 16-byte
 * header (xSize).  Call oom_route_sqlite() first thing in main(), before
 * any SQLite use.
 */
static void *oom_sq_malloc(int n)
{
	uint64_t *p = owmi_malloc((size_t)n + 16);

	if (p == NULL) {
		return NULL;
	}
	p[0] = (uint64_t)n;
	return (char *)p + 16;
}

static void oom_sq_free(void *p)
{
	if (p != NULL) {
		owmi_free((char *)p - 16);
	}
}

static void *oom_sq_realloc(void *p, int n)
{
	uint64_t *q = owmi_realloc((char *)p - 16, (size_t)n + 16);

	if (q == NULL) {
		return NULL;
	}
	q[0] = (uint64_t)n;
	return (char *)q + 16;
}

static int oom_sq_size(void *p)
{
	return p != NULL ? (int)*(uint64_t *)((char *)p - 16) : 0;
}

static int oom_sq_roundup(int n)
{
	return (n + 7) & ~7;
}

static int oom_sq_init(void *arg)
{
	(void)arg;
	return SQLITE_OK;
}

static void oom_sq_shutdown(void *arg)
{
	(void)arg;
}

static inline void oom_route_sqlite(void)
{
	static const sqlite3_mem_methods m = {
		.xMalloc = oom_sq_malloc,
		.xFree = oom_sq_free,
		.xRealloc = oom_sq_realloc,
		.xSize = oom_sq_size,
		.xRoundup = oom_sq_roundup,
		.xInit = oom_sq_init,
		.xShutdown = oom_sq_shutdown,
	};

	sqlite3_shutdown();
	assert_int_equal(sqlite3_config(SQLITE_CONFIG_MALLOC, &m), SQLITE_OK);
	assert_int_equal(sqlite3_initialize(), SQLITE_OK);
}
#endif

#endif
