/*
 * wmi-int: what the files of src/wmi share (module-internal; include only
 * from src/wmi/).
 *
 *   server.c     wmi_register, the call bracket, identities, encoding
 *   login.c      WbemLevel1Login
 *   services.c   IWbemServices
 *   rset.c       result sets and their producers (sync and background)
 *   enum.c       IEnumWbemClassObject and the smart enumerator
 *   callres.c    IWbemCallResult
 */
#ifndef OWMI_WMI_WMI_INT_H
#define OWMI_WMI_WMI_INT_H

#include <pthread.h>
#include <stdatomic.h>
#include <stdbool.h>
#include <stdint.h>

#include "base/buf.h"
#include "base/errinfo.h"
#include "base/hresult.h"
#include "cimom/cimom.h"
#include "dcom/exporter.h"
#include "rpc/ndr.h"
#include "rpc/server.h"
#include "wmi/stubs.h"
#include "wmi/wmi.h"

/* The public references handed out with every interface pointer. */
#define WMI_REFS 5

struct wmi_server {
	struct dcom_exporter *exp;
	struct cimom *cm;
	struct wmi_config cfg; /* defaults filled in */
	pthread_mutex_t mu;
	pthread_cond_t idle; /* n_background reached 0 */
	uint32_t n_background;
	/* rset.c: the bounded (semisynchronous forward-only) sets, under
	 * mu (lock order: mu, then a set's own mutex), and their figures
	 * (atomics: a producer updates them under its set's mutex only). */
	struct wmi_rset *bounded;
	struct wmi_server *reg_next; /* the registry of wmi_stats_get */
	atomic_uint_fast64_t queued_objects, queued_bytes, peak_bytes;
	atomic_uint_fast64_t spilled, yields, too_slow, gone;
};

/* The principal an object belongs to (MS-WMI: calls from another
 * principal get WBEM_E_ACCESS_DENIED). */
struct wmi_owner {
	char *user;
	char *domain;
};

/* ---- server.c ---- */

/* The state of an ORPC call on one of our objects. */
struct wmi_call {
	struct wmi_server *srv;
	struct rpc_call *call;
	struct ndr_pull ndr; /* positioned at the stub start */
	void *impl;
	/*
	 * Scratch memory of the handler (a talloc root, no ceiling): decoded
	 * client objects and encoded results live here, not under the
	 * call's memory, because reparenting into talloc hierarchies with a
	 * memlimit can hang talloc 2.4 (docs/internals/wmio.md).  Made by
	 * wmi_call_scratch, freed by wmi_call_free.
	 */
	void *mem;
};

/*
 * dcom_call_begin for interface [iid], then rewinds the cursor so the
 * stub codecs pull the whole request (ORPCTHIS included).  Returns 0 or
 * the fault to return.  A 0 must be followed by wmi_call_end.
 */
uint32_t wmi_call_begin(struct wmi_call *w,
                        struct rpc_call *call,
                        const uint8_t *stub,
                        size_t len,
                        const struct rpc_uuid *iid);
void wmi_call_end(struct wmi_call *w);

/* The call's scratch root (NULL on OOM) and its release (NULL-safe). */
void *wmi_call_scratch(struct wmi_call *w);
void wmi_call_free(struct wmi_call *w);

/* The fault for a request that did not decode. */
uint32_t wmi_bad_stub(struct wmi_call *w);

/*
 * Appends the octets of a finished push cursor to [out]; returns 0 or the
 * fault (nca_s_fault_remote_no_memory).  Releases [p].
 */
uint32_t wmi_reply(struct ndr_push *p, struct buf *out);

/* A push cursor on the call's memory (false when it cannot start). */
bool wmi_push_start(struct wmi_call *w, struct ndr_push *p);

/*
 * The reply bracket of a handler whose request decoded: wmi_reply_start
 * opens [p] on the call's memory and returns 0, or ends the call and
 * returns the fault (nca_s_fault_remote_no_memory) when it cannot; after
 * the response is pushed into [p], wmi_reply_finish ends the call and
 * appends the octets to [out] as wmi_reply does (returns 0 or the fault).
 */
uint32_t wmi_reply_start(struct wmi_call *w, struct ndr_push *p);
uint32_t wmi_reply_finish(struct wmi_call *w,
                          struct ndr_push *p,
                          struct buf *out);

/* Ends the call with a reply of ORPCTHAT and [hr] alone. */
uint32_t wmi_reply_hr(struct wmi_call *w, struct buf *out, hresult hr);

/*
 * Ends the call with a reply of ORPCTHAT, an interface pointer ([o],
 * borrowed, when [hr] succeeded, else NULL) and [hr].
 */
uint32_t wmi_reply_objref(struct wmi_call *w,
                          struct buf *out,
                          struct dcom_objref *o,
                          hresult hr);

/* Fills [o] with the caller's principal (strings under [mem]). */
hresult wmi_owner_set(void *mem,
                      const struct rpc_identity *who,
                      struct wmi_owner *o);

/* True when [who] is the principal [o]. */
bool wmi_owner_is(const struct wmi_owner *o, const struct rpc_identity *who);

/* The cimom identity of [who] (strings under [mem]). */
hresult wmi_identity(struct wmi_server *srv,
                     const struct rpc_identity *who,
                     void *mem,
                     struct cimom_identity *out);

/* Deep-copies [in] into [out] under [mem]. */
hresult wmi_identity_copy(void *mem,
                          const struct cimom_identity *in,
                          struct cimom_identity *out);

/*
 * The EncodingUnit of [o] (class or instance), decorated with its own
 * server and namespace, else [server] and [ns].  Returns owned under
 * [mem].
 */
hresult wmi_encode_object(void *mem,
                          const struct cim_object *o,
                          const char *server,
                          const char *ns,
                          uint8_t **out,
                          size_t *n);

/* Milliseconds of CLOCK_MONOTONIC. */
uint64_t wmi_now_ms(void);

/* ---- services.c ---- */

struct wmi_svc {
	struct wmi_server *srv;
	pthread_mutex_t mu; /* one thread at a time on [s] */
	struct cimom_session *s;
	struct cimom_identity id; /* copied, under the object */
	char *ns;                 /* the session's namespace */
	struct wmi_owner owner;
};

/*
 * Opens a session for [id] on [ns] and returns owned (a new talloc root)
 * the namespace object in [*out].  Errors: cimom_session_open's.
 */
hresult wmi_svc_new(struct wmi_server *srv,
                    const struct cimom_identity *id,
                    const struct wmi_owner *owner,
                    const char *ns,
                    struct wmi_svc **out);

/* Exports [svc] as IWbemServices (takes it) into [*o]. */
hresult wmi_svc_export(struct wmi_server *srv,
                       void *mem,
                       struct wmi_svc *svc,
                       struct dcom_objref *o);

hresult wmi_services_register(struct wmi_server *srv);

/* ---- rset.c ---- */

/* One object of a result set: its EncodingUnit. */
struct wmi_item {
	uint8_t *unit; /* own talloc root */
	size_t n;
	uint32_t cls; /* class identity for the smart enumerator; instances
	                 only (UINT32_MAX for class objects) */
};

struct wmi_rset;

/* What a result set runs. */
enum wmi_op {
	WMI_RUN_QUERY,
	WMI_RUN_ENUM_INSTANCES,
	WMI_RUN_ENUM_CLASSES,
};

struct wmi_run {
	enum wmi_op op;
	const char *a; /* query language / class / superclass */
	const char *b; /* query text */
	uint32_t flags;
	/* The connection the call came on: a bounded set's producer waits
	 * for that client until a Next names another (wmi_conn_closed). */
	uint64_t conn_id;
};

/*
 * Runs [run] on [svc]: synchronously (the result set is complete when it
 * returns; a failure of the operation is returned and no set is made),
 * or, with [semisync], on a background thread (the set fills while the
 * client reads it; failures come from Next).  Forward-only sets drop
 * what was read and bound what they buffer.  Returns owned a reference
 * in [*out].
 */
hresult wmi_rset_run(struct wmi_svc *svc,
                     const struct wmi_run *run,
                     bool semisync,
                     bool forward_only,
                     struct wmi_rset **out,
                     struct errinfo *ei);

void wmi_rset_ref(struct wmi_rset *rs);
/* Drops a reference; the last consumer's drop cancels a producer. */
void wmi_rset_unref(struct wmi_rset *rs);
bool wmi_rset_forward_only(const struct wmi_rset *rs);

/*
 * Takes up to [want] items from position [*pos], waiting up to
 * [timeout_ms] (UINT32_MAX: the configured maximum) for them.  Items are
 * borrowed from the set, except in forward-only sets where their units
 * are handed over as talloc roots ([*owned] true: free each with
 * wmi_items_free).  [*items] is an array under [mem].
 * Returns in [*hr]: S_OK (want items), WBEM_S_FALSE (the end came first),
 * WBEM_S_TIMEDOUT, or the operation's failure (with no items).  With
 * [discard], nothing is returned, only counted (Skip).
 */
void wmi_rset_take(struct wmi_rset *rs,
                   struct rpc_call *call,
                   void *mem,
                   uint64_t *pos,
                   uint32_t want,
                   uint32_t timeout_ms,
                   bool discard,
                   struct wmi_item **items,
                   uint32_t *n,
                   bool *owned,
                   hresult *hr);

/* Frees the units of [n] items taken with [owned] (no-op otherwise). */
void wmi_items_free(struct wmi_item *items, uint32_t n, bool owned);

/* True when every object was produced and all are behind [pos]. */
bool wmi_rset_at_end(struct wmi_rset *rs, uint64_t pos);

/*
 * The registry that maps an exporter to its server for wmi_stats_get and
 * wmi_conn_closed: wmi_register adds [srv], its destructor removes it
 * first (after which no lookup uses it).
 */
void wmi_flow_register(struct wmi_server *srv);
void wmi_flow_unregister(struct wmi_server *srv);

/* ---- enum.c ---- */

/* Exports a new enumerator over [rs] (takes the reference). */
hresult wmi_enum_export(struct wmi_server *srv,
                        void *mem,
                        struct wmi_rset *rs,
                        const struct wmi_owner *owner,
                        struct dcom_objref *o);

hresult wmi_enum_register(struct wmi_server *srv);

/* ---- callres.c ---- */

/*
 * Exports a completed IWbemCallResult: the operation's [status], its
 * object ([unit], copied; may be NULL), its string ([str], copied; may be
 * NULL) and, for OpenNamespace, the namespace [ns] to open for
 * GetResultServices with [id] (may be NULL).
 */
hresult wmi_callres_export(struct wmi_server *srv,
                           void *mem,
                           const struct wmi_owner *owner,
                           hresult status,
                           const uint8_t *unit,
                           size_t n,
                           const char *str,
                           const struct cimom_identity *id,
                           const char *ns,
                           struct dcom_objref *o);

hresult wmi_callres_register(struct wmi_server *srv);

/* ---- login.c ---- */

hresult wmi_login_register(struct wmi_server *srv);

#endif
