/*
 * cimom: the object manager (cimom layer; DESIGN.md section 1).
 *
 * The one transport-free API of OpenWMI: open a session for an identity
 * on a namespace, then GetObject / Enum / ExecQuery / ExecMethod / Put /
 * Delete.  DCOM (src/wmi) and later WS-Management are thin adapters over
 * it; tests and the offline wmic drive it directly.
 *
 * Objects: results are pushed to a struct cimom_sink in batches, so a large
 * result never sits whole in memory.  Every delivered object is decorated
 * with the server and namespace (cim_instance / cim_class server and
 * namespace fields) so that __PATH, __SERVER and __NAMESPACE compute.
 *
 * Partial instances: a SELECT with a property list delivers instances of a
 * *projected class*: a copy of the resolved class holding only the selected
 * properties plus the key properties (in class order), with the same name,
 * superclass and derivation.  When no key property was selected, the
 * projected class has no keys and the instance no decoration, so __PATH,
 * __RELPATH, __SERVER and __NAMESPACE are NULL (reference section 7.2).
 * cimom_instance_is_partial() tells a projected instance from a full one.
 *
 * Errors: every operation returns an hresult and fills [ei] (may be NULL);
 * a failure that leaves an operation is written exactly once to the
 * activity log (event 5858, see cimom/activity.h).  Inner layers never log.
 *
 * Threads: one struct cimom per process, shared by all threads; it holds a
 * recursive mutex taken around every use of the repository (a whole
 * operation, including the sink's indicate calls: a sink may call back into
 * cimom on the same thread but must not wait on another thread that does).
 * A struct cimom_session belongs to one thread at a time: use one session
 * per thread, or serialise calls on a shared session yourself.
 *
 * Flow control: indicate() runs with that lock held, usually inside an
 * open repository cursor, so cimom cannot let go of the lock there (the
 * connection and its cached statements would be shared mid-scan).  A
 * sink whose consumer falls behind must therefore never wait while
 * another thread needs the object manager: it may wait only while
 * cimom_lock_contended() is false, re-checking it at least every
 * CIMOM_SINK_POLL_MS, and once it is true it must stop waiting and
 * either buffer (within a bound of its own) or fail the indicate (which
 * cancels the operation).  Everything else stays as for any indicate:
 * the objects come in order, the operation's reads stay one consistent
 * pass under the lock, cancellation and the single 5858 are unchanged.
 * src/wmi's forward-only semisynchronous result sets do this.
 */
#ifndef OWMI_CIMOM_CIMOM_H
#define OWMI_CIMOM_CIMOM_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "base/errinfo.h"
#include "base/hresult.h"
#include "cim/cim.h"

struct repo;
struct logger;
struct objpath;
struct cimom;
struct cimom_session;

/*
 * Operation flags, with the values of MS-WMI 2.2.3 (WBEM_GENERIC_FLAG_TYPE,
 * WBEM_CHANGE_FLAG_TYPE, WBEM_QUERY_FLAG_TYPE).  Values overlap between
 * operations, as on Windows: each operation reads only its own.
 */
#define CIMOM_FLAG_DEEP                   0x0u /* enum: subclasses too */
#define CIMOM_FLAG_SHALLOW                0x1u /* enum: this class only */
#define CIMOM_FLAG_RETURN_IMMEDIATELY     0x10u
#define CIMOM_FLAG_FORWARD_ONLY           0x20u
#define CIMOM_FLAG_PROTOTYPE              0x2u /* ExecQuery: accepted, ignored */
#define CIMOM_FLAG_DIRECT_READ            0x200u
#define CIMOM_FLAG_USE_AMENDED_QUALIFIERS 0x20000u
#define CIMOM_FLAG_CREATE_OR_UPDATE       0x0u /* put */
#define CIMOM_FLAG_UPDATE_ONLY            0x1u /* put: must exist */
#define CIMOM_FLAG_CREATE_ONLY            0x2u /* put: must not exist */
#define CIMOM_FLAG_UPDATE_COMPATIBLE      0x0u /* put class */
#define CIMOM_FLAG_UPDATE_SAFE_MODE       0x20u
#define CIMOM_FLAG_UPDATE_FORCE_MODE      0x40u

/* Namespace access rights (WBEM_* access mask bits, reference 2.1). */
#define CIMOM_ACCESS_ENABLE_ACCOUNT  0x1u
#define CIMOM_ACCESS_EXECUTE_METHODS 0x2u
#define CIMOM_ACCESS_FULL_WRITE      0x4u
#define CIMOM_ACCESS_PARTIAL_WRITE   0x8u
#define CIMOM_ACCESS_PROVIDER_WRITE  0x10u
#define CIMOM_ACCESS_REMOTE_ENABLE   0x20u
#define CIMOM_ACCESS_READ_SECURITY   0x20000u
#define CIMOM_ACCESS_EDIT_SECURITY   0x40000u

/* The default number of objects per indicate call. */
#define CIMOM_DEFAULT_BATCH 64u

struct cimom_config {
	/* __SERVER of delivered objects; NULL: gethostname(), upper-cased. */
	const char *server_name;
	/* Activity log file (JSON lines, appended); NULL: none. */
	const char *activity_log_path;
	/* Diagnostic logger; NULL: none.  Borrowed: must outlive the cimom. */
	struct logger *log;
	/* Objects per indicate when a sink leaves batch 0; 0: the default. */
	uint32_t default_batch;
	/* Longest query text accepted (bytes); 0: 64 KiB. */
	uint32_t max_query_len;
};

/*
 * Creates the object manager over an open repository.
 * [r] is borrowed and must outlive the cimom; [cfg] (may be NULL) is copied.
 * Returns owned (talloc child of [mem]) in *out.
 * Errors: E_OUTOFMEMORY; HR_ERROR_FILE_NOT_FOUND style Win32 codes when
 * the activity log cannot be opened (E_ACCESSDENIED, E_FAIL).
 */
hresult cimom_new(void *mem,
                  struct repo *r,
                  const struct cimom_config *cfg,
                  struct cimom **out);

/* Returns the server name decorating objects (borrowed). */
const char *cimom_server_name(const struct cimom *cm);

/*
 * The caller of a session.  All strings are copied by cimom_session_open.
 * NEEDSWORK: the security module adds the user's SID and group SIDs here
 * for the namespace access check (cimom_check_access).
 */
struct cimom_identity {
	const char *user;   /* account name, e.g. "alice" */
	const char *domain; /* e.g. "WORKGROUP" or the host; may be NULL */
	const char *client_machine; /* ClientMachine of 5858; NULL: server */
	uint32_t pid;               /* ClientProcessId */
	bool is_admin;              /* member of Administrators */
	bool remote;                /* came over the network */
	/*
	 * The Linux account the caller maps to (has_unix_ids false: none),
	 * and whether the call impersonates: then a provider host serving
	 * it runs as uid/gid (provhost.h).
	 */
	bool has_unix_ids;
	uint32_t uid, gid;
	bool impersonate;
};

/*
 * Opens a session on namespace [ns] as ConnectServer accepts it:
 * "root\cimv2", "ROOT/CIMV2", "\\.\root\cimv2", "//./root",
 * "\\localhost\root", "\\<this server>\root".
 * Errors: WBEM_E_INVALID_NAMESPACE (empty, no namespace after a server,
 * trailing separator, unknown namespace), WBEM_E_INVALID_PARAMETER (three
 * leading separators), RPC_S_SERVER_UNAVAILABLE (another server's name),
 * WBEM_E_ACCESS_DENIED (cimom_check_access), E_OUTOFMEMORY.
 * [id] is copied.  Returns owned (talloc child of [mem]) in *out.
 */
hresult cimom_session_open(struct cimom *cm,
                           void *mem,
                           const struct cimom_identity *id,
                           const char *ns,
                           struct cimom_session **out,
                           struct errinfo *ei);

/* The session's namespace as the repository names it (borrowed). */
const char *cimom_session_namespace(const struct cimom_session *s);

/*
 * Normalises a ConnectServer namespace path into [*out] ("root\cimv2",
 * separators '\', server part removed) without checking the repository.
 * Errors as cimom_session_open, except the unknown-namespace case.
 */
hresult cimom_namespace_normalize(const struct cimom *cm,
                                  void *mem,
                                  const char *path,
                                  char **out,
                                  struct errinfo *ei);

/*
 * The access check hook.  Returns S_OK when [s]'s identity holds every
 * right in [access] (CIMOM_ACCESS_* bits) on namespace [ns], else
 * WBEM_E_ACCESS_DENIED.
 * NEEDSWORK: allows everything until the security module supplies
 * namespace security descriptors and SIDs (the security issue); every
 * operation already calls it with the right it needs.
 */
hresult cimom_check_access(const struct cimom_session *s,
                           const char *ns,
                           uint32_t access,
                           struct errinfo *ei);

/*
 * A result sink.  indicate() receives up to [batch] objects (0: the
 * cimom's default batch) that are valid only during the call: the caller
 * copies what it keeps (cim_instance_copy / cim_class_copy).  A failed
 * return from indicate cancels the operation, which then ends with
 * WBEM_E_CALL_CANCELLED.  set_status (may be NULL) is called exactly once
 * when the operation ends, with its final result, after the last indicate.
 */
struct cimom_sink {
	hresult (*indicate)(void *arg, struct cim_object **objs, uint32_t n);
	void (*set_status)(void *arg, hresult hr, const struct errinfo *ei);
	void *arg;
	uint32_t batch;
};

/* How often a waiting sink re-checks cimom_lock_contended(), in ms. */
#define CIMOM_SINK_POLL_MS 2u

/*
 * True while at least one thread is blocked waiting for the object
 * manager's lock (the caller of indicate, re-entering, does not count).
 * A sink's indicate that waits for its consumer stops waiting when this
 * becomes true (see "Flow control" above).  Any thread; a snapshot.
 */
bool cimom_lock_contended(const struct cimom *cm);

/*
 * GetObject.  [path]: a class path ("Win32_X") gives the resolved class;
 * an instance path ("Win32_X.Name=\"a\"", "X=@") the instance; an empty or
 * NULL path a new empty class object.  The path may carry a server and
 * namespace (the local server only).  Returns owned (talloc child of [mem])
 * in *out, decorated.
 * Errors: WBEM_E_INVALID_OBJECT_PATH (malformed), WBEM_E_NOT_FOUND (no such
 * class or instance), WBEM_E_INVALID_NAMESPACE, WBEM_E_PROVIDER_NOT_FOUND
 * (dynamic class, no provider), E_OUTOFMEMORY.
 */
hresult cimom_get_object(struct cimom_session *s,
                         void *mem,
                         const char *path,
                         uint32_t flags,
                         struct cim_object **out,
                         struct errinfo *ei);

/*
 * CreateClassEnum: the subclasses of [superclass] (NULL or "": the root
 * classes), all descendants unless CIMOM_FLAG_SHALLOW, as resolved classes.
 * Errors: WBEM_E_INVALID_CLASS (unknown superclass), WBEM_E_CALL_CANCELLED.
 */
hresult cimom_enum_classes(struct cimom_session *s,
                           const char *superclass,
                           uint32_t flags,
                           struct cimom_sink *sink,
                           struct errinfo *ei);

/*
 * CreateInstanceEnum: instances of [cls] and, unless CIMOM_FLAG_SHALLOW,
 * of its subclasses.
 * Errors: WBEM_E_INVALID_CLASS (unknown class), WBEM_E_CALL_CANCELLED,
 * WBEM_E_PROVIDER_NOT_FOUND and provider errors for dynamic classes.
 */
hresult cimom_enum_instances(struct cimom_session *s,
                             const char *cls,
                             uint32_t flags,
                             struct cimom_sink *sink,
                             struct errinfo *ei);

/*
 * ExecQuery.  [language] must be "WQL" (case-insensitive).  Data queries
 * return instances (partial ones for property lists), meta_class queries
 * classes, ASSOCIATORS OF / REFERENCES OF the endpoints / associations.
 * A WHERE that pins every key of the class with '=' is answered by an
 * index lookup, not a scan (see cimom_explain and cimom_session_stats).
 * Errors: WBEM_E_INVALID_PARAMETER (NULL or empty query or language),
 * WBEM_E_INVALID_QUERY_TYPE (another language), WBEM_E_INVALID_QUERY
 * (syntax, unknown property), WBEM_E_INVALID_CLASS (unknown FROM class),
 * WBEM_E_NOT_FOUND (associators source missing; a malformed source path
 * is WBEM_E_INVALID_QUERY from the parser),
 * WBEM_E_CALL_CANCELLED.
 */
hresult cimom_exec_query(struct cimom_session *s,
                         const char *language,
                         const char *query,
                         uint32_t flags,
                         struct cimom_sink *sink,
                         struct errinfo *ei);

/*
 * Describes how ExecQuery would answer [query] (WQL), one line per class
 * visited: "index Class Class.K=\"v\"", "scan Class", "schema", "assoc ...".
 * Returns owned (talloc child of [mem]).  Errors as cimom_exec_query.
 */
hresult cimom_explain(struct cimom_session *s,
                      void *mem,
                      const char *query,
                      char **out,
                      struct errinfo *ei);

/*
 * PutClass: stores local class [cls] (borrowed; superclass by name).
 * [flags]: CIMOM_FLAG_CREATE_ONLY, CIMOM_FLAG_UPDATE_ONLY or neither.
 * Errors: WBEM_E_ALREADY_EXISTS, WBEM_E_NOT_FOUND (update of a missing
 * class), WBEM_E_INVALID_SUPERCLASS, WBEM_E_CLASS_HAS_CHILDREN /
 * WBEM_E_CLASS_HAS_INSTANCES (incompatible update), resolution errors of
 * cim_class_resolve, WBEM_E_INVALID_PARAMETER (no name, a __ class name).
 */
hresult cimom_put_class(struct cimom_session *s,
                        const struct cim_class *cls,
                        uint32_t flags,
                        struct errinfo *ei);

/*
 * PutInstance: stores [inst] (borrowed; its cls is the resolved class, or
 * any class of that name: the stored definition is used).  An instance of
 * __NAMESPACE creates the child namespace named by its Name.  Returns in
 * *out_path (may be NULL) the new __RELPATH, owned by [mem].
 * Errors: WBEM_E_INVALID_CLASS (unknown class), WBEM_E_ALREADY_EXISTS,
 * WBEM_E_NOT_FOUND (UPDATE_ONLY of a missing instance), WBEM_E_ILLEGAL_NULL
 * (NULL key), WBEM_E_NO_KEY, WBEM_E_INVALID_OPERATION (abstract class).
 */
hresult cimom_put_instance(struct cimom_session *s,
                           void *mem,
                           const struct cim_instance *inst,
                           uint32_t flags,
                           char **out_path,
                           struct errinfo *ei);

/*
 * DeleteClass: deletes [cls], its subclasses and all their instances.
 * Errors: WBEM_E_NOT_FOUND, WBEM_E_INVALID_PARAMETER (empty name).
 */
hresult cimom_delete_class(struct cimom_session *s,
                           const char *cls,
                           uint32_t flags,
                           struct errinfo *ei);

/*
 * DeleteInstance of the instance at [path].  `__NAMESPACE.Name="x"`
 * deletes the child namespace x and everything in it.
 * Errors: WBEM_E_INVALID_OBJECT_PATH (malformed, or a class path),
 * WBEM_E_INVALID_CLASS (unknown class), WBEM_E_NOT_FOUND.
 */
hresult cimom_delete_instance(struct cimom_session *s,
                              const char *path,
                              uint32_t flags,
                              struct errinfo *ei);

/*
 * ExecMethod of [method] on [path] (a class path for static methods, an
 * instance path otherwise) with in-parameters [in] (borrowed, may be NULL).
 * Dispatches to the class's provider; returns the out-parameters instance
 * (owned by [mem], may be NULL for a void method) in *out.
 * Errors: WBEM_E_INVALID_OBJECT_PATH, WBEM_E_INVALID_CLASS,
 * WBEM_E_INVALID_METHOD (no such method), WBEM_E_NOT_SUPPORTED (a static
 * class without a provider), WBEM_E_PROVIDER_NOT_FOUND (provider not
 * registered), WBEM_E_NOT_FOUND (instance path of a missing instance).
 */
hresult cimom_exec_method(struct cimom_session *s,
                          void *mem,
                          const char *path,
                          const char *method,
                          const struct cim_instance *in,
                          uint32_t flags,
                          struct cim_instance **out,
                          struct errinfo *ei);

/*
 * Creates namespace [name] (one path element, e.g. "test") under the
 * session's namespace, as PutInstance of __NAMESPACE does.
 * Errors: WBEM_E_ALREADY_EXISTS, WBEM_E_INVALID_PARAMETER (empty name or a
 * separator in it).
 */
hresult cimom_create_namespace(struct cimom_session *s,
                               const char *name,
                               struct errinfo *ei);

/*
 * Deletes child namespace [name] of the session's namespace, with all it
 * holds.  Errors: WBEM_E_NOT_FOUND, WBEM_E_INVALID_PARAMETER.
 */
hresult cimom_delete_namespace(struct cimom_session *s,
                               const char *name,
                               struct errinfo *ei);

/* Returns true when [inst] is a partial (projected) instance. */
bool cimom_instance_is_partial(const struct cim_instance *inst);

/*
 * Per-session counters, for tests, benchmarks and diagnostics.  They count
 * since the session opened and are updated by the session's own calls only
 * (no locking needed).
 */
struct cimom_stats {
	uint64_t operations;        /* operations started */
	uint64_t failures;          /* operations that failed (= 5858 events) */
	uint64_t index_lookups;     /* queries answered by a key lookup */
	uint64_t class_scans;       /* class extents scanned */
	uint64_t instances_scanned; /* instances read while scanning */
	uint64_t objects_delivered; /* objects handed to sinks */
	uint64_t batches;           /* indicate calls */
	uint32_t max_batch;         /* largest indicate call seen */
};

void cimom_session_stats(const struct cimom_session *s,
                         struct cimom_stats *out);

/*
 * Providers.  A later issue hosts providers out of process; this is the
 * dispatch point.  A class carrying [dynamic, provider("X")] has its
 * instances and methods served by the hooks registered under name X; with
 * none registered its operations fail with WBEM_E_PROVIDER_NOT_FOUND.
 *
 * Providers push instances through a struct cimom_result, which filters
 * (for queries), projects, decorates and batches them into the caller's
 * sink.  A hook's pointer may be NULL: the operation then fails with
 * WBEM_E_PROVIDER_NOT_CAPABLE.
 */
struct cimom_result;

/* What a provider hook is told about the call (all borrowed). */
struct cimom_provider_call {
	const struct cimom_identity *identity;
	const char *ns;              /* the namespace */
	const char *provider;        /* the provider name */
	const struct cim_class *cls; /* resolved class of the call */
	uint32_t flags;
	void *mem; /* per-call context for out values */
};

struct cimom_provider_hooks {
	const char *name; /* as in provider("X"), case-insensitive */
	void *arg;
	/* Instances of call->cls only (not subclasses) into [res]. */
	hresult (*enum_instances)(void *arg,
	                          const struct cimom_provider_call *call,
	                          struct cimom_result *res,
	                          struct errinfo *ei);
	/* The instance at [path] (keys given), owned by call->mem. */
	hresult (*get_instance)(void *arg,
	                        const struct cimom_provider_call *call,
	                        const struct objpath *path,
	                        struct cim_instance **out,
	                        struct errinfo *ei);
	hresult (*put_instance)(void *arg,
	                        const struct cimom_provider_call *call,
	                        const struct cim_instance *inst,
	                        struct errinfo *ei);
	hresult (*delete_instance)(void *arg,
	                           const struct cimom_provider_call *call,
	                           const struct objpath *path,
	                           struct errinfo *ei);
	/* [path] may be a class path (static method). */
	hresult (*exec_method)(void *arg,
	                       const struct cimom_provider_call *call,
	                       const struct objpath *path,
	                       const char *method,
	                       const struct cim_instance *in,
	                       struct cim_instance **out,
	                       struct errinfo *ei);
	/*
	 * Optional: a query the provider can narrow itself ([query] is the
	 * WQL text).  cimom still filters what is put into [res], so a
	 * provider may return a superset.  NULL: enum_instances is used.
	 */
	hresult (*exec_query)(void *arg,
	                      const struct cimom_provider_call *call,
	                      const char *query,
	                      struct cimom_result *res,
	                      struct errinfo *ei);
};

/*
 * Registers [hooks] (copied; hooks->arg and the functions are borrowed and
 * must outlive the cimom).  Errors: WBEM_E_ALREADY_EXISTS (same name),
 * WBEM_E_INVALID_PARAMETER (no name), E_OUTOFMEMORY.
 */
hresult cimom_register_provider(struct cimom *cm,
                                const struct cimom_provider_hooks *hooks);

/*
 * Installs [hooks] (copied; hooks->name is ignored) as the fallback for
 * every provider name that has no hooks of its own: the provider registry
 * (cimom/provreg.h) resolves names from the repository's registrations at
 * call time, so a provider registered later by mofcomp needs nothing
 * else.  NULL removes the fallback.  Errors: none (S_OK).
 */
hresult cimom_set_provider_fallback(struct cimom *cm,
                                    const struct cimom_provider_hooks *hooks);

/*
 * Pushes one instance from a provider into the operation's result.
 * [inst] is borrowed (copied if kept).  Returns WBEM_E_CALL_CANCELLED when
 * the consumer cancelled: the provider then stops and returns that code.
 */
hresult cimom_result_put(struct cimom_result *res,
                         const struct cim_instance *inst);

#endif
