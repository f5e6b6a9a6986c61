/*
 * exporter: the DCOM runtime of the server (dcom layer; MS-DCOM 3.1).
 *
 * One struct dcom_exporter per process.  It is the OXID resolver and the
 * activator on the endpoint mapper port, and the object exporter on every
 * port: it owns the one OXID of the process (interop notes 4.2.6: one OXID,
 * route by IPID), the table of exported objects (OIDs) and their
 * interfaces (IPIDs) with reference counts, the ping sets, and the garbage
 * collector that releases objects whose client stopped pinging.
 *
 * Interfaces it serves itself (dcom_exporter_register):
 *   IObjectExporter       ResolveOxid, SimplePing, ComplexPing, ServerAlive,
 *                         ResolveOxid2, ServerAlive2          (port 135)
 *   IRemoteSCMActivator   RemoteGetClassObject, RemoteCreateInstance
 *   IRemUnknown           RemQueryInterface, RemAddRef, RemRelease
 *   IRemUnknown2          the above + RemQueryInterface2      (exporter)
 *
 * A higher layer (src/wmi) registers the classes it can activate
 * (dcom_exporter_add_class) and serves its own interfaces with the RPC
 * server (rpc_server_register_iface).  Each of its handlers brackets the
 * call with dcom_call_begin() / dcom_call_end(): begin pulls the ORPCTHIS,
 * checks its version, resolves the call's object UUID (the IPID) to the
 * object for the interface being called, checks access, and pins the
 * object for the call; end unpins it.  A handler returns interface
 * pointers with dcom_export() (a new object) or dcom_export_iface() (a
 * further interface of the same object).
 *
 * Object lifetime (MS-DCOM 3.1.1.5.6, 3.2.4.2): an object lives while any
 * of its IPIDs holds public references or while its OID is in a live ping
 * set.  An object whose references all went (RemRelease) is destroyed at
 * once unless a call pins it, then when the last pinned call ends.  An
 * object never added to a ping set, or whose set was not pinged, is
 * destroyed after ping_period_ms * ping_misses (120 s x 3 by default), even
 * with references left: a client that vanished leaks nothing.  The type's
 * destroy() runs exactly once, on whatever thread dropped the last pin or
 * reference, or on the loop thread from the collector; never with the
 * table lock held.
 *
 * Threads: dcom_call_begin/end, dcom_export*, the stats and the IRemUnknown
 * handlers may run on any thread (one mutex guards the tables).
 * dcom_exporter_new, _register, _add_class, _collect and _free run on the
 * loop thread.
 */
#ifndef OWMI_DCOM_EXPORTER_H
#define OWMI_DCOM_EXPORTER_H

#include <stdbool.h>
#include <stdint.h>

#include <uv.h>

#include "base/errinfo.h"
#include "base/hresult.h"
#include "base/log.h"
#include "dcom/orpc.h"
#include "dcom/types.h"
#include "rpc/ndr.h"
#include "rpc/server.h"

struct dcom_exporter;

/* Why dcom_exporter asks the access hook. */
enum dcom_access_op {
	DCOM_ACCESS_LAUNCH, /* activation (RemoteCreateInstance, ...) */
	DCOM_ACCESS_CALL,   /* a call on an exported object */
};

struct dcom_exporter_config {
	/*
	 * Port of the object exporter listener (the dynamic port); string
	 * bindings say "addr[port]" with it.  May be 0 when the port is
	 * known only later: then set it with dcom_exporter_set_port()
	 * before the listeners start (bindings without it have no port).
	 */
	uint16_t exporter_port;
	/*
	 * Names and addresses offered in string bindings after the local
	 * address of the socket the activation arrived on (which always
	 * comes first; interop notes 4.2.4): the NetBIOS name, the FQDN,
	 * other local addresses.  NULL-terminated; copied; may be NULL.
	 */
	const char *const *binding_names;
	/* authnHint of ScmReplyInfo: 2 (connect, Windows) by default. */
	uint16_t authn_hint;
	/* Ping period and misses before collection: 120000 ms and 3. */
	uint32_t ping_period_ms;
	uint32_t ping_misses;
	/* Limits: objects in the table (65536), OIDs per ping set (4096),
	   ping sets (16384).  Past them: E_OUTOFMEMORY / OR_INVALID_SET. */
	uint32_t max_objects;
	uint32_t max_set_oids;
	uint32_t max_sets;
	/*
	 * Access hook: S_OK, or the HRESULT to refuse with (E_ACCESSDENIED).
	 * NULL allows everyone.  Any thread; must be quick.
	 */
	hresult (*check_access)(void *arg,
	                        const struct rpc_identity *who,
	                        enum dcom_access_op op);
	void *check_access_arg;
	/*
	 * Refusal report (may be NULL): called once for each refusal of
	 * check_access, right after it on the same thread, with the same
	 * identity and op, the class asked for ([clsid]: the CLSID of an
	 * activation; NULL for a call on an exported object or the
	 * resolver) and the refusal.  wmid writes the DCOM log (event
	 * 10016, dcom/dcomlog.h) from it.  Any thread; must be quick.
	 */
	void (*report_refusal)(void *arg,
	                       const struct rpc_identity *who,
	                       enum dcom_access_op op,
	                       const struct rpc_uuid *clsid,
	                       hresult hr);
	void *report_refusal_arg;
	struct logger *log; /* borrowed, may be NULL; component "dcom" */
};

#define DCOM_DEFAULT_PING_PERIOD_MS 120000
#define DCOM_DEFAULT_PING_MISSES    3
#define DCOM_DEFAULT_MAX_OBJECTS    65536
#define DCOM_DEFAULT_MAX_SET_OIDS   4096
#define DCOM_DEFAULT_MAX_SETS       16384

/*
 * What an exported object is: its name for logs, the interfaces it
 * answers to (RemQueryInterface, activation; IUnknown is implied and
 * need not be listed), and its destructor.  Borrowed; must outlive the
 * exporter.
 */
struct dcom_object_type {
	const char *name;
	uint32_t n_iids;
	const struct rpc_uuid *iids;
	/* Frees the object (the impl given to dcom_export).  May be NULL. */
	void (*destroy)(void *impl);
};

/*
 * An activatable class.  create() makes a new object for [who] and
 * returns its impl and type; the exporter exports it with one IPID per
 * requested IID that the type lists.  Runs on a worker thread.
 */
struct dcom_class {
	const struct rpc_uuid *clsid;
	const char *name; /* "WbemLevel1Login" */
	hresult (*create)(void *arg,
	                  const struct rpc_identity *who,
	                  void **impl,
	                  const struct dcom_object_type **type);
	void *arg;
};

/* Returns owned (talloc child of [mem]) an exporter, or NULL (OOM).
   Starts the collector timer on [loop]. */
struct dcom_exporter *dcom_exporter_new(void *mem,
                                        uv_loop_t *loop,
                                        const struct dcom_exporter_config *cfg);

/* Serves IObjectExporter, IRemoteSCMActivator, IRemUnknown and
   IRemUnknown2 on [srv]. */
hresult dcom_exporter_register(struct dcom_exporter *exp,
                               struct rpc_server *srv);

/*
 * Serves a higher layer's interface (borrowed; must outlive the server)
 * on the server given to dcom_exporter_register, so src/wmi registers
 * its interfaces without calling the rpc layer itself.  Errors as
 * rpc_server_register_iface.
 */
hresult dcom_exporter_serve(struct dcom_exporter *exp,
                            const struct rpc_iface *iface,
                            void *arg);

/* Sets the exporter port (cfg->exporter_port) once the listener has it.
   Any thread. */
void dcom_exporter_set_port(struct dcom_exporter *exp, uint16_t port);

/* Makes [cls] (borrowed) activatable.  E_INVALIDARG when its CLSID is
   registered already.  Unknown CLSIDs get REGDB_E_CLASSNOTREG. */
hresult dcom_exporter_add_class(struct dcom_exporter *exp,
                                const struct dcom_class *cls);

/* The process's OXID, and the IPID of its IRemUnknown. */
uint64_t dcom_exporter_oxid(const struct dcom_exporter *exp);
struct rpc_uuid dcom_exporter_remunknown_ipid(const struct dcom_exporter *exp);

/* ---- for the handlers of exported interfaces ---- */

/*
 * Starts an ORPC call: initialises [ndr] on the call's stub (limits
 * [lim], may be NULL for the defaults) and pulls the ORPCTHIS into
 * [*this_] (may be NULL), checks its COM version, looks up the IPID in
 * call->object and checks that it names an interface [iid] (the
 * interface being called), checks access, and pins the object.
 * Returns 0 and the object's impl in *impl, or the fault status to return
 * from the handler: nca_s_fault_ndr for a bad stub, RPC_E_VERSION_MISMATCH,
 * RPC_E_INVALID_OBJECT (no object UUID, unknown IPID, IPID of another
 * interface), E_ACCESSDENIED (the access hook's answer).
 * A handler that got 0 must call dcom_call_end() exactly once.
 */
uint32_t dcom_call_begin(struct dcom_exporter *exp,
                         struct rpc_call *call,
                         const uint8_t *stub,
                         size_t len,
                         const struct rpc_uuid *iid,
                         const struct ndr_limits *lim,
                         struct ndr_pull *ndr,
                         struct dcom_orpcthis *this_,
                         void **impl);

/* Ends a call started by dcom_call_begin (unpins its object; the last
   unpin of a released or collected object destroys it, on this thread).
   Before the call completes: in the handler, or before
   rpc_call_complete() for an RPC_CALL_ASYNC handler (pins are found by
   the call's address, which a later call may reuse). */
void dcom_call_end(struct dcom_exporter *exp, struct rpc_call *call);

/*
 * Exports [impl] as a new object of [type] with one IPID for [iid] (which
 * the type must list), holding [refs] public references for the client
 * (5, as Windows; the client releases them with RemRelease).  Fills [*out]
 * with an OBJREF_STANDARD carrying the STDOBJREF and the resolver
 * bindings (strings under [mem]).  On failure [impl] is destroyed with
 * type->destroy (so the caller never frees it twice).
 * Errors: E_NOINTERFACE, E_OUTOFMEMORY (also past max_objects).
 */
hresult dcom_export(struct dcom_exporter *exp,
                    void *mem,
                    void *impl,
                    const struct dcom_object_type *type,
                    const struct rpc_uuid *iid,
                    uint32_t refs,
                    struct dcom_objref *out);

/*
 * Exports a further interface [iid] of the object pinned by the current
 * call [call] (a method such as GetSmartEnum returning another interface
 * of the same object).  Errors: E_NOINTERFACE, E_OUTOFMEMORY.
 */
hresult dcom_export_iface(struct dcom_exporter *exp,
                          struct rpc_call *call,
                          void *mem,
                          const struct rpc_uuid *iid,
                          uint32_t refs,
                          struct dcom_objref *out);

/* ---- housekeeping and observation ---- */

/* Runs one collection now (the timer calls it every ping period). */
void dcom_exporter_collect(struct dcom_exporter *exp);

struct dcom_exporter_stats {
	uint64_t objects; /* live OIDs */
	uint64_t ipids;
	uint64_t sets;      /* live ping sets */
	uint64_t exported;  /* objects ever exported */
	uint64_t destroyed; /* objects ever destroyed */
	uint64_t collected; /* of which by the collector */
	uint64_t activations;
	uint64_t pings;
};

void dcom_exporter_stats(struct dcom_exporter *exp,
                         struct dcom_exporter_stats *out);

/* Stops the timer and destroys every object.  Loop thread, after the RPC
   server has shut down (no call can be running). */
void dcom_exporter_shutdown(struct dcom_exporter *exp);

#endif
