/*
 * cimom-int: what the files of src/cimom share (cimom layer; include only
 * inside src/cimom).
 *
 * Invariants:
 *  - cm->lock is held for the whole of every operation that touches the
 *    repository (struct repo is one SQLite connection, not thread-safe);
 *    it is recursive so a sink may call back into cimom on the same thread.
 *    It is taken only through cimom_lock(), which counts the threads
 *    blocked on it (cm->lock_waiters) for cimom_lock_contended().
 *  - an operation's failure is logged once, by op_finish() at the public
 *    function's boundary; helpers only return hresults and fill errinfo.
 *  - objects handed to a sink hang off the batch context (or are borrowed
 *    from the repository's callback) and die after the indicate call.
 */
#ifndef OWMI_CIMOM_CIMOM_INT_H
#define OWMI_CIMOM_CIMOM_INT_H

#include <pthread.h>
#include <stdatomic.h>

#include "cimom/activity.h"
#include "cimom/cimom.h"

struct wql_query;
struct objpath;

#define CIMOM_LAYER "cimom"

/* The talloc name that marks a projected (partial) class. */
#define CIMOM_PARTIAL_CLASS_NAME "cimom_partial_class"

struct cimom {
	struct repo *repo;
	char *server;
	struct logger *log;
	struct cimom_activity_log *activity;
	uint32_t batch;
	uint32_t max_query_len;
	pthread_mutex_t lock;
	bool lock_init;
	/* Threads blocked in cimom_lock (cimom_lock_contended). */
	atomic_uint lock_waiters;
	struct cimom_provider_hooks *providers;
	uint32_t n_providers;
	struct cimom_provider_hooks fallback; /* any other name; see provreg */
	bool has_fallback;
	uint64_t op_base; /* random, per process: the high half of op ids */
	uint64_t op_seq;  /* atomically incremented per operation */
};

struct cimom_session {
	struct cimom *cm;
	struct cimom_identity id; /* strings are talloc children of this */
	char *ns;                 /* canonical namespace */
	char *user_display;       /* DOMAIN\user, or user */
	struct cimom_stats stats;
	/* WQL text of the ExecQuery in progress (for providers' exec_query
	 * hooks), or NULL. */
	const char *cur_query;
};

/* ---- batching (batch.c) ------------------------------------------- */

struct cimom_batch {
	struct cimom_session *s;
	struct cimom_sink *sink;
	void *mem;                /* objects of the current batch */
	struct cim_object *slots; /* max entries */
	struct cim_object **ptrs; /* max entries, point into slots */
	uint32_t n, max;
	bool cancelled;
};

/* Prepares [b] under [mem] for [sink] (may be NULL: objects are dropped). */
hresult batch_init(struct cimom_batch *b,
                   void *mem,
                   struct cimom_session *s,
                   struct cimom_sink *sink);

/* The context the current batch's objects should be allocated under. */
void *batch_mem(struct cimom_batch *b);

/*
 * Adds an instance or class (borrowed until the next flush; allocate it
 * under batch_mem or keep it alive otherwise).  Flushes when full.
 * Returns WBEM_E_CALL_CANCELLED once the sink has refused a batch.
 */
hresult batch_add_instance(struct cimom_batch *b, struct cim_instance *inst);
hresult batch_add_class(struct cimom_batch *b, struct cim_class *cls);

/* Delivers what is pending. */
hresult batch_flush(struct cimom_batch *b);

/*
 * Per-operation cache of resolved classes seen in results, so that each
 * delivered instance can share one long-lived copy of its class, and of
 * projected classes for partial SELECTs.
 */
struct op_class {
	char *name;
	struct cim_class *cls;  /* resolved copy, lives for the operation */
	struct cim_class *proj; /* projected class, or NULL */
	uint32_t *map;          /* proj prop i = cls prop map[i] */
	bool decorate;          /* projected instances keep their path */
};

struct op_ctx {
	struct cimom_session *s;
	void *mem; /* per-operation context */
	const char *ns;
	struct cimom_batch batch;
	struct op_class *classes;
	uint32_t n_classes;
	uint32_t last; /* index of the last class used, for locality */
	/* Projection: NULL for full objects. */
	const char *const *select; /* selected property names */
	uint32_t n_select;
	bool keys_only;
};

hresult op_init(struct op_ctx *op,
                void *mem,
                struct cimom_session *s,
                const char *ns,
                struct cimom_sink *sink);

/*
 * Looks up (or adds) the cache entry of the class named like [cls]
 * (borrowed; copied on first sight).
 */
hresult op_class_for(struct op_ctx *op,
                     const struct cim_class *cls,
                     struct op_class **out);

/*
 * Delivers [inst] (borrowed; copied into the batch, decorated, projected
 * when the operation selects properties).
 */
hresult op_deliver_instance(struct op_ctx *op, const struct cim_instance *inst);

/* Delivers class [cls] (borrowed; copied into the batch and decorated). */
hresult op_deliver_class(struct op_ctx *op, const struct cim_class *cls);

/* ---- core helpers (cimom.c) --------------------------------------- */

void cimom_lock(struct cimom *cm);
void cimom_unlock(struct cimom *cm);

/*
 * Ends a public operation: on failure forces ei->hr to [hr], writes event
 * 5858 once (operation text "Start IWbemServices::<method> - <ns> : <arg>"),
 * copies the detail into [out_ei]; calls sink->set_status when [sink];
 * counts.  Returns [hr].
 */
hresult op_finish(struct cimom_session *s,
                  const char *method,
                  const char *ns,
                  const char *arg,
                  struct cimom_sink *sink,
                  hresult hr,
                  struct errinfo *lei,
                  struct errinfo *out_ei);

/* Looks up a registered provider by name, or NULL. */
const struct cimom_provider_hooks *cimom_provider_find(struct cimom *cm,
                                                       const char *name);

/*
 * The provider of a class: returns S_OK and the provider name when [cls]
 * is [dynamic] with provider("X") (*name = X), S_FALSE for a static class.
 */
hresult class_provider(const struct cim_class *cls, const char **name);

/*
 * Resolves the namespace part of an object path against the session:
 * NULL namespace: the session's; otherwise normalised and checked.
 * Returns the canonical namespace under [mem].
 */
hresult path_namespace(struct cimom_session *s,
                       void *mem,
                       const struct objpath *p,
                       const char **out,
                       struct errinfo *ei);

/*
 * Computes the repository keystr of an instance path [p] of resolved class
 * [cls] (key values converted to the key types).
 * Errors: WBEM_E_INVALID_OBJECT_PATH (keys do not match the class).
 */
hresult path_keystr(void *mem,
                    const struct cim_class *cls,
                    const struct objpath *p,
                    char **out,
                    struct errinfo *ei);

/*
 * Fetches the instance at [p] in [ns] (static: repository; dynamic: the
 * provider's get_instance).  Returns owned under [mem].
 * Errors: WBEM_E_INVALID_CLASS (class missing), WBEM_E_NOT_FOUND,
 * WBEM_E_INVALID_OBJECT_PATH, provider errors.
 */
hresult fetch_instance(struct cimom_session *s,
                       void *mem,
                       const char *ns,
                       const struct objpath *p,
                       struct cim_instance **out,
                       struct errinfo *ei);

/*
 * Streams the instances of [cls] (and subclasses when [deep]) of [ns]
 * to [cb], static ones from the repository and dynamic ones from their
 * providers.  Counts scans in the session stats.
 */
typedef hresult inst_cb(void *arg, struct cim_instance *inst);
hresult walk_instances(struct cimom_session *s,
                       void *mem,
                       const char *ns,
                       const struct cim_class *cls,
                       bool deep,
                       inst_cb *cb,
                       void *arg,
                       struct errinfo *ei);

/* ---- query (query.c, assoc.c) ------------------------------------- */

hresult query_exec(struct cimom_session *s,
                   void *mem,
                   const char *language,
                   const char *text,
                   uint32_t flags,
                   struct cimom_sink *sink,
                   struct buf *explain,
                   struct errinfo *ei);

hresult assoc_exec(struct op_ctx *op,
                   struct wql_query *q,
                   struct buf *explain,
                   struct errinfo *ei);

#endif
