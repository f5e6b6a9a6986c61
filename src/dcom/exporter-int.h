/*
 * exporter-int: the tables of the DCOM runtime, shared by exporter.c (the
 * object and IPID tables, the call bracket, the collector), resolver.c
 * (IObjectExporter, ping sets), activator.c (IRemoteSCMActivator) and
 * remunk.c (IRemUnknown, IRemUnknown2).  Module-internal: include only
 * from src/dcom/.  docs/internals/dcom.md, "The runtime", explains the
 * lifetimes.
 *
 * Invariants (all under exp->mu):
 * - an object is "live" while in the OID table (in_table); each of its
 *   IPIDs is then in the IPID table.  Killing an object removes it and
 *   its IPIDs from both tables and from the live list at once, so no new
 *   call can find it; it is destroyed when its last pin drops (at once
 *   when it has none).  type->destroy() runs outside the lock, once.
 * - obj->n_sets counts the ping sets whose OID list holds the object's
 *   OID; sets hold OIDs, not pointers, and drop OIDs that are no longer
 *   in the table at the next collection.
 * - one pin per running call (dcom_call_begin .. dcom_call_end), found by
 *   its struct rpc_call pointer.
 * Table entries come from owmi_calloc (any thread, under the lock), never
 * from talloc, whose hierarchies are not shared across threads.
 */
#ifndef OWMI_DCOM_EXPORTER_INT_H
#define OWMI_DCOM_EXPORTER_INT_H

#include <pthread.h>
#include <stdbool.h>
#include <stdint.h>

#include "dcom/exporter.h"
#include "dcom/types.h"

/* A chained hash table keyed by a 64-bit value; entries embed the node
 * first.  Keys are unique for OIDs and SETIDs; for IPIDs the key is a
 * digest and the caller compares the GUID. */
struct dx_hnode {
	struct dx_hnode *next;
	uint64_t key;
};

struct dx_htab {
	struct dx_hnode **b;
	size_t nb; /* power of two */
	size_t n;
};

/* Adds (growing when the load passes 1), unlinks, finds the first node
 * with [key].  Under the lock. */
void dx_htab_add(struct dx_htab *t, struct dx_hnode *e);
void dx_htab_del(struct dx_htab *t, struct dx_hnode *e);
struct dx_hnode *dx_htab_first(const struct dx_htab *t, uint64_t key);

struct dx_obj;

struct dx_ipid {
	struct dx_hnode h; /* key: dx_ipid_key(ipid) */
	struct rpc_uuid ipid;
	struct rpc_uuid iid;
	struct dx_obj *obj;
	uint32_t refs; /* public */
	uint32_t priv; /* private (RemAddRef cPrivateRefs) */
	struct dx_ipid *next_in_obj;
};

struct dx_obj {
	struct dx_hnode h; /* key: the OID */
	void *impl;
	const struct dcom_object_type *type;
	struct dx_ipid *ipids;
	uint32_t n_ipids;
	uint32_t pins;
	uint32_t n_sets;
	bool in_table;
	bool collected;
	uint64_t idle_since_ms; /* export, last call, or left its last set */
	struct dx_obj *prev, *next; /* live list; victims list once killed */
};

struct dx_set {
	struct dx_hnode h; /* key: the SETID */
	uint64_t *oids;    /* sorted, unique */
	uint32_t n, cap;
	uint64_t last_ping_ms;
	struct dx_set *prev, *next;
};

struct dx_pin {
	const struct rpc_call *call;
	struct dx_obj *obj;
};

struct dcom_exporter {
	uv_loop_t *loop;
	uv_timer_t timer;
	bool timer_init;
	bool timer_closed;
	struct rpc_server *srv;

	/* Set once at creation (read without the lock). */
	uint64_t oxid;
	struct rpc_uuid remunk_ipid;
	char **names; /* binding_names, copied */
	size_t n_names;
	uint16_t authn_hint;
	uint32_t ping_period_ms;
	uint32_t ping_misses;
	uint32_t max_objects;
	uint32_t max_set_oids;
	uint32_t max_sets;
	hresult (*check_access)(void *arg,
	                        const struct rpc_identity *who,
	                        enum dcom_access_op op);
	void *check_access_arg;
	void (*report_refusal)(void *arg,
	                       const struct rpc_identity *who,
	                       enum dcom_access_op op,
	                       const struct rpc_uuid *clsid,
	                       hresult hr);
	void *report_refusal_arg;
	struct logger *log;

	pthread_mutex_t mu;
	/* Everything below is guarded by mu. */
	uint16_t port;
	const struct dcom_class **classes;
	size_t n_classes;
	struct dx_htab oids;
	struct dx_htab ipids;
	struct dx_htab sets;
	struct dx_obj *live;     /* list of live objects */
	struct dx_set *set_list; /* list of ping sets */
	uint64_t next_setid;
	struct dx_pin *pins;
	size_t n_pins;
	size_t cap_pins;
	struct dcom_exporter_stats st;
	bool shut;
};

#define DX_COMPONENT "dcom"

/* ---- exporter.c: for the other runtime files ---- */

uint64_t dx_now_ms(void);
uint64_t dx_ipid_key(const struct rpc_uuid *ipid);

/* Looks up under the lock; NULL when absent. */
struct dx_ipid *dx_ipid_find(struct dcom_exporter *exp,
                             const struct rpc_uuid *ipid);
struct dx_obj *dx_obj_find(struct dcom_exporter *exp, uint64_t oid);

bool dx_type_has_iid(const struct dcom_object_type *type,
                     const struct rpc_uuid *iid);

/* The IPID of [iid] on [obj] (existing, refs added; or new with [refs])
 * under the lock.  E_NOINTERFACE when the type does not list it,
 * E_OUTOFMEMORY. */
hresult dx_obj_iface(struct dcom_exporter *exp,
                     struct dx_obj *obj,
                     const struct rpc_uuid *iid,
                     uint32_t refs,
                     struct dx_ipid **out);

/*
 * Exports [impl] under the lock with one IPID per IID of [iids] that the
 * type lists; hrs[i] gets S_OK or E_NOINTERFACE, std[i] the STDOBJREF.
 * E_NOINTERFACE when none is listed, E_OUTOFMEMORY (also past
 * max_objects), E_UNEXPECTED after shutdown.  On failure nothing is in
 * the table and the caller still owns [impl].
 */
hresult dx_export_locked(struct dcom_exporter *exp,
                         void *impl,
                         const struct dcom_object_type *type,
                         const struct rpc_uuid *iids,
                         uint32_t n,
                         uint32_t refs,
                         uint32_t *hrs,
                         struct dcom_stdobjref *std);

/* Fills a STDOBJREF for [ip] with [refs]. */
void dx_stdobjref(const struct dcom_exporter *exp,
                  const struct dx_ipid *ip,
                  uint32_t refs,
                  struct dcom_stdobjref *std);

/* Removes [obj] from the tables; appends it to [*victims] when no call
 * pins it (the caller runs dx_destroy_victims after unlocking). */
void dx_kill(struct dcom_exporter *exp,
             struct dx_obj *obj,
             bool collected,
             struct dx_obj **victims);

/* Kills [obj] when every IPID's public and private counts are 0. */
void dx_kill_if_unreferenced(struct dcom_exporter *exp,
                             struct dx_obj *obj,
                             struct dx_obj **victims);

/* Runs type->destroy and frees each victim.  Without the lock. */
void dx_destroy_victims(struct dx_obj *victims);

/* Kills the object with [oid] if it is still live (cleanup of a reply
 * that could not be sent).  Takes the lock. */
void dx_drop_oid(struct dcom_exporter *exp, uint64_t oid);

/*
 * Builds the bindings of this exporter under [mem]: first [local_addr]
 * (unless NULL, empty or a path), then the binding names; "host[port]"
 * or just "host" when [port] is 0; one NTLM security binding.
 */
hresult dx_bindings(struct dcom_exporter *exp,
                    void *mem,
                    const char *local_addr,
                    uint16_t port,
                    struct dcom_dsa *out);

/* The exporter port (under the lock). */
uint16_t dx_port(struct dcom_exporter *exp);

/* RPC_E_VERSION_MISMATCH unless major 5 and minor <= 7. */
bool dx_version_ok(const struct dcom_comversion *v);

/* The access hook; S_OK when none. */
hresult dx_check_access(struct dcom_exporter *exp,
                        const struct rpc_identity *who,
                        enum dcom_access_op op);

/* As dx_check_access, for an activation of [clsid] (reported with a
   refusal; NULL: none). */
hresult dx_check_access_class(struct dcom_exporter *exp,
                              const struct rpc_identity *who,
                              enum dcom_access_op op,
                              const struct rpc_uuid *clsid);

/* Pushes [ndr]'s octets to [out] and releases [ndr]; fault or 0. */
uint32_t dx_reply(struct ndr_push *ndr, struct buf *out);

/* The NDR limits of the runtime's request stubs. */
void dx_limits(struct ndr_limits *lim);

/*
 * A pull cursor on [stub, stub+len) with dx_limits, on the call's memory;
 * 0 or the fault when it cannot start.
 */
uint32_t dx_pull_open(struct rpc_call *call,
                      const uint8_t *stub,
                      size_t len,
                      struct ndr_pull *ndr);

/* A push cursor on the call's memory; 0 or the fault when it cannot
 * start. */
uint32_t dx_push_open(struct rpc_call *call, struct ndr_push *ndr);

/* ---- resolver.c ---- */

extern const struct rpc_iface dx_iface_object_exporter;
/* Drops expired ping sets and their objects (under the lock). */
void dx_sets_collect(struct dcom_exporter *exp,
                     uint64_t now,
                     struct dx_obj **victims);
/* Frees every set (under the lock). */
void dx_sets_free(struct dcom_exporter *exp);

/* ---- activator.c ---- */

extern const struct rpc_iface dx_iface_scm_activator;

/* ---- remunk.c ---- */

extern const struct rpc_iface dx_iface_remunknown;
extern const struct rpc_iface dx_iface_remunknown2;

#endif
