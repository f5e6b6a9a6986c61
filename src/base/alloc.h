/*
 * alloc: the raw heap, for the few places that cannot use talloc (base
 * layer; STYLE.md sections 5 and 11, docs/internals/memory.md).
 *
 * Everything per call, connection or session lives in talloc contexts.
 * Memory that a foreign library asks us for (SQLite through
 * sqlite3_config(SQLITE_CONFIG_MALLOC), a C library callback that wants
 * malloc semantics) goes through these wrappers instead, so that a test can
 * make the Nth allocation fail and check that the caller returns a clean
 * E_OUTOFMEMORY.
 *
 * The fault injector is process-wide test state (the one mutable global of
 * this module, like SQLite's sqlite3GlobalConfig): it counts every
 * owmi_malloc and owmi_realloc call (and every owmi_alloc_inject() call)
 * made while armed and fails the chosen one.  Counting and failing are atomic,
 * so threads may allocate while a test is armed, but the number a call receives
 * then depends on scheduling; allocation-failure loops run single-threaded.
 *
 * Invariants: owmi_malloc(0) and owmi_realloc(p, 0) never return NULL on
 * success (they allocate one byte); owmi_free(NULL) does nothing; a failed
 * owmi_realloc leaves the old block untouched and owned by the caller.
 */
#ifndef OWMI_BASE_ALLOC_H
#define OWMI_BASE_ALLOC_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

/* Returns owned [n] bytes (free with owmi_free), or NULL. */
void *owmi_malloc(size_t n);

/* Returns owned [n] zeroed bytes, or NULL (also when n * size overflows). */
void *owmi_calloc(size_t n, size_t size);

/*
 * Resizes [p] (takes it; NULL acts as owmi_malloc) to [n] bytes and returns
 * the block owned.  On NULL the old block is untouched.
 */
void *owmi_realloc(void *p, size_t n);

/* Frees [p] (takes it; NULL-safe). */
void owmi_free(void *p);

/* ---- Fault injection (tests) ---------------------------------------- */

/*
 * Arms the injector: the [nth] counted call from now on (1 = the next one)
 * returns NULL; with [persist], so does every later call until
 * owmi_alloc_fail_reset().  nth 0 disarms failing but keeps counting (to
 * learn how many calls a body makes).  Resets the call counter.
 */
void owmi_alloc_fail_at(uint64_t nth, bool persist);

/* Disarms the injector and stops counting. */
void owmi_alloc_fail_reset(void);

/*
 * Counts one allocation for the injector and returns true when it must
 * fail.  For wrappers of other allocators: the unit tests wrap talloc's
 * entry points with it (tests/unit/oomwrap.c), so one counter numbers
 * every allocation of a test body, talloc and raw heap alike.
 */
bool owmi_alloc_inject(void);

/* Returns the number of calls counted since the last arm. */
uint64_t owmi_alloc_calls(void);

/* Returns the number of calls that were made to fail since the last arm. */
uint64_t owmi_alloc_failures(void);

#endif
