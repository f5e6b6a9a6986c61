/*
 * provhost: the object manager's side of provider hosts (provhost layer;
 * DESIGN.md section 2).
 *
 * Providers run in separate `wmiprvse` processes, never in the object
 * manager.  A struct provhost owns those processes: it starts one host per
 * (provider, library, run-as identity) on first use, over a socketpair
 * (fork + exec of the configured wmiprvse binary), sends it the request as
 * a frame (provhost/frame.h) and streams the result back batch by batch.
 *
 * Failures, each for the call in progress only; the next call starts a
 * fresh host:
 *   - the host exits or is killed by a signal: WBEM_E_PROVIDER_FAILURE;
 *   - no frame from the host for call_timeout_ms: the host is killed,
 *     WBEM_E_PROVIDER_FAILURE;
 *   - a quota of struct provhost_quota is exceeded (resident memory and
 *     threads are polled from /proc by this side while a call waits;
 *     handles are checked by the host itself after every callback, under
 *     an RLIMIT_NOFILE hard stop): the host is killed,
 *     WBEM_E_QUOTA_VIOLATION.  MemoryAllHosts is the sum over every
 *     host, idle ones too; the host stopped is the offending one, that of
 *     the call that sees the sum over the limit (idle hosts run no
 *     provider code; Windows' job object likewise fails the allocation
 *     of the process that crosses the limit);
 *   - the library does not load, has no owmi_provider_init, its init fails
 *     or it reports a newer ABI: WBEM_E_PROVIDER_LOAD_FAILURE (also when
 *     the host binary cannot be started).
 * Nothing is logged to the activity log here: the error goes into [ei]
 * with the provider's name, and the object manager logs it once.
 *
 * Impersonation: a target with impersonate set gets a host of its own that
 * runs as target uid/gid (setgroups, setgid, setuid in the child before
 * exec).  That needs the object manager to run as root unless the ids are
 * its own; otherwise WBEM_E_ACCESS_DENIED.
 *
 * Service accounts: a target with service_account set (and not
 * impersonate) runs as target uid/gid too: the account of the provider's
 * HostingModel, chosen by the registry.  An object manager that is not
 * root cannot switch and runs such hosts as itself (no error: it has no
 * more privilege to give away).
 *
 * Idle shutdown (Windows unloads a provider that has had no call for the
 * ClearAfter interval of root's __ObjectProviderCacheControl=@): a host
 * with no call in flight for idle_timeout_ms is stopped by a reaper thread
 * of the manager: it is first taken out of the list under the lock (so no
 * call can be handed a dying host: a call either got it before, which
 * keeps it alive, or starts a fresh one), then its socket is closed (end
 * of file: the host runs the provider's cleanup and exits), and a host
 * still alive after PROVHOST_EXIT_GRACE_MS is killed.  Every stopped host
 * is reaped (waitpid): no zombie, no descriptor left.
 *
 * Threads: every function may be called from any thread.  A host serves
 * one call at a time; a second concurrent call for the same target (for
 * example a nested call from a result callback) gets a second host.
 */
#ifndef OWMI_PROVHOST_PROVHOST_H
#define OWMI_PROVHOST_PROVHOST_H

#include <stdbool.h>
#include <stdint.h>

#include "base/errinfo.h"
#include "base/hresult.h"
#include "cim/cim.h"
#include "provhost/frame.h"

struct logger;
struct provhost;

#define PROVHOST_LAYER "provhost"

/* Defaults of __ProviderHostQuotaConfiguration (reference 6.3). */
#define PROVHOST_DEFAULT_MEMORY     536870912ull
#define PROVHOST_DEFAULT_MEMORY_ALL 1073741824ull
#define PROVHOST_DEFAULT_THREADS    256u
#define PROVHOST_DEFAULT_HANDLES    4096u
#define PROVHOST_DEFAULT_HOSTS      32u
/* The default per-call inactivity timeout. */
#define PROVHOST_DEFAULT_TIMEOUT_MS 60000u
/*
 * The default idle timeout: 30 s of no call, Windows' observed default
 * for the ClearAfter interval of __ObjectProviderCacheControl=@.
 */
#define PROVHOST_DEFAULT_IDLE_MS 30000u
/* idle_timeout_ms value that keeps idle hosts until the manager is freed. */
#define PROVHOST_IDLE_NEVER UINT32_MAX
/* How long a host told to stop may take to exit before it is killed. */
#define PROVHOST_EXIT_GRACE_MS 500u

/* Limits per host process; 0 in a field means no limit. */
struct provhost_quota {
	uint64_t memory_per_host;  /* resident bytes (MemoryPerHost) */
	uint32_t threads_per_host; /* threads (ThreadsPerHost) */
	uint32_t handles_per_host; /* open descriptors (HandlesPerHost) */
	uint32_t process_limit;    /* hosts at once (ProcessLimitAllHosts) */
	uint64_t memory_all_hosts; /* resident bytes of all hosts together
	                              (MemoryAllHosts) */
};

struct provhost_config {
	/* The wmiprvse executable (absolute path).  Required. */
	const char *host_path;
	/*
	 * Longest wait for the next frame of a call, in milliseconds (0: the
	 * default).  A host streaming results resets it with every batch.
	 */
	uint32_t call_timeout_ms;
	/*
	 * A host with no call in flight for this long is stopped, in
	 * milliseconds (0: PROVHOST_DEFAULT_IDLE_MS; PROVHOST_IDLE_NEVER:
	 * never).  The next call for its target starts a fresh host.
	 */
	uint32_t idle_timeout_ms;
	struct provhost_quota quota;
	/* Diagnostic logger for host starts, kills and provider logs. */
	struct logger *log;
	/*
	 * Called (may be NULL) each time a host has loaded a provider, with
	 * the host's pid: the 5857 "provider started" event.
	 */
	void (*started)(void *arg,
	                const char *provider,
	                const char *library,
	                uint32_t pid);
	void *started_arg;
};

/*
 * Creates the host manager and its idle reaper thread (none with
 * PROVHOST_IDLE_NEVER).  [cfg] is copied (strings too).  Returns owned
 * (talloc child of [mem]) in *out; freeing it stops the reaper and closes
 * every host (each exits on end of file; stragglers are killed).
 * Errors: WBEM_E_INVALID_PARAMETER (no host_path), E_OUTOFMEMORY (also
 * when the reaper thread cannot be created).
 */
hresult provhost_new(void *mem,
                     const struct provhost_config *cfg,
                     struct provhost **out);

/* Which host serves a call. */
struct provhost_target {
	const char *provider; /* the provider's name */
	const char *library;  /* path of the shared object */
	bool impersonate;     /* the caller's identity: run as uid/gid */
	bool service_account; /* the hosting model's account: uid/gid */
	uint32_t uid, gid;
};

/* One request.  Everything is borrowed for the call. */
struct provhost_req {
	uint8_t op; /* PROVFRAME_ENUM, GET, PUT, DELETE, QUERY, METHOD */
	struct provhost_target target;
	/* the caller */
	const char *ns;
	const char *user;
	const char *domain; /* may be NULL */
	bool has_unix_ids;
	uint32_t uid, gid;
	uint32_t flags;
	/* the class of the call (resolved) */
	const struct cim_class *cls;
	/* GET, DELETE, METHOD on an instance: the key values as text */
	const struct provframe_kv *keys;
	uint32_t n_keys;
	bool has_keys; /* METHOD: false for a static method */
	/* QUERY */
	const char *query;
	const struct provframe_kv *eqs;
	uint32_t n_eqs;
	/* PUT: the instance; METHOD: the in-parameters (may be NULL) */
	const struct cim_instance *inst;
	/* METHOD */
	const char *method;
	const struct cim_class *out_cls; /* NULL: no out-parameters */
};

/* Where a call's results go. */
struct provhost_results {
	/*
	 * An instance from the provider (borrowed: valid during the call
	 * only; its class lives for the whole provhost_call).  A failed
	 * return cancels the call: the host is told to stop and the call
	 * returns that code.
	 */
	hresult (*instance)(void *arg, struct cim_instance *inst);
	/*
	 * Resolves class [name] of the call's namespace for the provider
	 * (instance_new of a class other than the call's).  Returns owned
	 * (under [mem]) the resolved class.  NULL: WBEM_E_INVALID_CLASS.
	 */
	hresult (*get_class)(void *arg,
	                     void *mem,
	                     const char *name,
	                     struct cim_class **out);
	void *arg;
};

/*
 * Runs [req] on the host of req->target, starting (and loading) it when
 * needed.  Instances stream to [res]; a METHOD's out-parameters are
 * returned owned under [mem] in *out (may be NULL for other ops).
 * Returns the provider's result (S_OK or its HRESULT), or the failures
 * listed at the top of this file.  Errors also: WBEM_E_NOT_FOUND (GET
 * that posted nothing), WBEM_E_INVALID_PARAMETER, E_OUTOFMEMORY.
 */
hresult provhost_call(struct provhost *ph,
                      const struct provhost_req *req,
                      const struct provhost_results *res,
                      void *mem,
                      struct cim_instance **out,
                      struct errinfo *ei);

/*
 * Starts and loads the host of [target] if it is not running, without a
 * call (a PING checks a running one).  Errors as provhost_call.
 */
hresult provhost_ping(struct provhost *ph,
                      const struct provhost_target *target,
                      struct errinfo *ei);

/* Counters, for tests and diagnostics. */
struct provhost_stats {
	uint32_t hosts;        /* hosts running now */
	uint64_t started;      /* hosts started */
	uint64_t crashed;      /* hosts that died during a call */
	uint64_t timed_out;    /* hosts killed for a timeout */
	uint64_t quota_kill;   /* hosts killed for a quota */
	uint64_t calls;        /* calls made */
	uint64_t idle_stopped; /* hosts stopped for idleness (timeout or
	                          provhost_reap_idle) */
	uint64_t stop_killed;  /* stopped hosts that had to be killed: not
	                          gone PROVHOST_EXIT_GRACE_MS after EOF */
};

void provhost_get_stats(struct provhost *ph, struct provhost_stats *out);

/*
 * Returns the pid of a running, idle host of [target], or 0.  For tests
 * (kill a host between calls) and diagnostics.
 */
uint32_t provhost_host_pid(struct provhost *ph,
                           const struct provhost_target *target);

/*
 * Stops hosts idle for at least [idle_ms] (0: every idle host) now, as
 * the reaper does, and waits until they are gone.  Returns how many were
 * stopped.
 */
uint32_t provhost_reap_idle(struct provhost *ph, uint32_t idle_ms);

/* The idle timeout in force, in milliseconds (PROVHOST_IDLE_NEVER: none). */
uint32_t provhost_idle_timeout(const struct provhost *ph);

#endif
