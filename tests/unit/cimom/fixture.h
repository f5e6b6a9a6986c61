/*
 * fixture: a real repository in a temporary folder, a small schema built
 * with the cim and repo APIs, and a cimom with a session on root\cimv2
 * (tests of the cimom layer).
 *
 * Schema (namespace root\cimv2):
 *   T_Base           key string Name, uint32 Size, string Descr
 *   T_Sub : T_Base   string Extra
 *   T_Pair           key uint32 A, key string B
 *   T_Person         key string Id, string Name
 *   T_Owns [Association, Special]  key ref T_Person Owner, key ref T_Base Item
 *   T_Link [Association]           key ref T_Base Left, key ref T_Base Right
 *   T_Single [singleton]           uint32 V
 *   T_Static         key string K; uint32 Run()
 *   T_ProvMeth [provider("MethProv")]  key string K; uint32 Go([in] uint32 X)
 *   T_Dyn [dynamic, provider("DynProv")] key string K, uint32 N
 *   T_Big            key uint32 Id, string Name
 * Instances: T_Base a, b, c (Size 1, 2, 3); T_Sub s1 (Size 10); T_Pair
 * (1,"x"), (2,"y"); T_Person p1, p2; T_Owns p1->a, p1->s1, p2->b;
 * T_Link a->b; T_Single V=7.
 */
#ifndef OWMI_TESTS_CIMOM_FIXTURE_H
#define OWMI_TESTS_CIMOM_FIXTURE_H

#include <stdbool.h>
#include <stdint.h>

#include "cim/cim.h"
#include "cimom/cimom.h"
#include "repo/repo.h"

struct fx {
	void *mem;
	char dir[64];
	char db[128];
	char log[128];
	struct repo *repo;
	struct cimom *cm;
	struct cimom_session *s;
};

/* A sink that copies what it receives and records batch sizes. */
struct collect {
	void *mem;
	struct cim_object **objs;
	uint32_t n;
	uint32_t batches;
	uint32_t max_batch;
	uint32_t cancel_after; /* fail the indicate after this many batches */
	bool keep;             /* copy objects (else count only) */
	uint32_t status_calls;
	hresult status;
};

struct fx *fx_new(void);
void fx_free(struct fx *f);

/* A sink over [c] (batch 0: default). */
struct cimom_sink collect_sink(struct collect *c, void *mem, uint32_t batch);

/* Creates [n] T_Big instances (Id 0..n-1) in one transaction. */
void fx_add_big(struct fx *f, uint32_t n);

/* Returns the value of property [name] of result [i] as a string, or
 * NULL when NULL/absent. */
const char *collect_str(struct collect *c, uint32_t i, const char *name);

/* Returns true when some result's __RELPATH (or class name) equals [x]. */
bool collect_has(struct collect *c, const char *x);

/* Counts the lines of the activity log. */
uint32_t fx_log_lines(struct fx *f);

#endif
