/*
 * alloc.c: raw heap wrappers with an Nth-call fault injector (base layer;
 * contract in alloc.h).  This file is the only one that calls the C
 * library's malloc family (STYLE.md section 13).
 */
#include "base/alloc.h"

#include <stdatomic.h>
#include <stdlib.h>
#include <string.h>

/*
 * The injector.  armed: counting is on.  fail_at: the call number that
 * fails (0: none).  persist: calls after fail_at fail too.
 */
static atomic_bool armed;
static atomic_bool persist_fail;
static _Atomic uint64_t fail_at;
static _Atomic uint64_t calls;
static _Atomic uint64_t failures;

bool owmi_alloc_inject(void)
{
	uint64_t k, at;

	if (!atomic_load_explicit(&armed, memory_order_relaxed)) {
		return false;
	}
	k = atomic_fetch_add(&calls, 1) + 1;
	at = atomic_load(&fail_at);
	if (at != 0 && (k == at || (k > at && atomic_load(&persist_fail)))) {
		atomic_fetch_add(&failures, 1);
		return true;
	}
	return false;
}

void *owmi_malloc(size_t n)
{
	if (owmi_alloc_inject()) {
		return NULL;
	}
	return malloc(n != 0 ? n : 1);
}

void *owmi_calloc(size_t n, size_t size)
{
	void *p;

	if (size != 0 && n > SIZE_MAX / size) {
		return NULL;
	}
	p = owmi_malloc(n * size);
	if (p != NULL) {
		memset(p, 0, n * size != 0 ? n * size : 1);
	}
	return p;
}

void *owmi_realloc(void *p, size_t n)
{
	if (owmi_alloc_inject()) {
		return NULL;
	}
	return realloc(p, n != 0 ? n : 1);
}

void owmi_free(void *p)
{
	free(p);
}

void owmi_alloc_fail_at(uint64_t nth, bool persist)
{
	atomic_store(&armed, false);
	atomic_store(&calls, 0);
	atomic_store(&failures, 0);
	atomic_store(&fail_at, nth);
	atomic_store(&persist_fail, persist);
	atomic_store(&armed, true);
}

void owmi_alloc_fail_reset(void)
{
	atomic_store(&armed, false);
	atomic_store(&fail_at, 0);
	atomic_store(&persist_fail, false);
}

uint64_t owmi_alloc_calls(void)
{
	return atomic_load(&calls);
}

uint64_t owmi_alloc_failures(void)
{
	return atomic_load(&failures);
}
