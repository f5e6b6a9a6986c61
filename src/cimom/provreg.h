/*
 * provreg: the provider registry (cimom layer; issue 5, reference 6.1-6.4).
 *
 * Registration is WMI's and lives in the repository, written by mofcomp:
 *
 *   instance of __Win32Provider as $P { Name = "X";
 *           LibraryPath = "/usr/lib/openwmi/providers/libx.so";
 *           HostingModel = "NetworkServiceHost"; };
 *   instance of __InstanceProviderRegistration { Provider = $P;
 *           SupportsGet = TRUE; SupportsEnumeration = TRUE; ... };
 *   instance of __MethodProviderRegistration { Provider = $P; };
 *   [dynamic, provider("X")] class C { ... };
 *
 * cimom_provreg_attach() installs fallback hooks in the object manager
 * (cimom_set_provider_fallback): every operation on a class whose provider
 * has no in-process hooks reads that provider's registration in the call's
 * namespace at call time and runs the provider in a host process
 * (provhost.h).  The library path is __Win32Provider.LibraryPath, or CLSID
 * when it holds a path (contains '/' or ends in ".so"); a relative path is
 * taken from the configured provider directory.
 *
 * Errors, each from its true cause (the object manager logs each once in
 * event 5858, with the provider's name in PossibleCause):
 *   WBEM_E_PROVIDER_NOT_FOUND      no __Win32Provider named X in the
 *                                  namespace;
 *   WBEM_E_PROVIDER_DISABLED       its Enabled is FALSE;
 *   WBEM_E_INVALID_PROVIDER_REGISTRATION  no library path, an unknown or
 *                                  unsupported HostingModel, or no
 *                                  __InstanceProviderRegistration
 *                                  (instance operations) /
 *                                  __MethodProviderRegistration (methods)
 *                                  for X;
 *   WBEM_E_PROVIDER_NOT_CAPABLE    the registration's Supports* flag for
 *                                  the operation is FALSE;
 *   WBEM_E_PROVIDER_LOAD_FAILURE, WBEM_E_PROVIDER_FAILURE,
 *   WBEM_E_QUOTA_VIOLATION         from the host (provhost.h).
 * A host that loads a provider writes event 5857 ("X provider started
 * with result code 0x0. HostProcess = wmiprvse; ProcessID = N;
 * ProviderPath = ...") to the activity log.
 *
 * Registrations are cached per namespace and read again when the
 * repository's registration stamp (repo_registration_stamp) moves: a
 * class, a __Win32Provider or a registration written through this object
 * manager or by mofcomp on another handle is seen by the next call.
 *
 * Quotas come from root's __ProviderHostQuotaConfiguration=@, read once by
 * cimom_provreg_attach (Windows reads them at service start); non-zero
 * fields of the config override them.
 *
 * Idle hosts are stopped (provhost.h) after the ClearAfter interval of
 * root's __ObjectProviderCacheControl=@, the setting by which Windows
 * unloads idle instance and method providers, read once at attach; 30 s
 * (Windows' default) when that instance is absent; a non-zero
 * idle_timeout_ms of the config overrides it.  __Win32Provider's
 * UnloadTimeout is ignored, as current Windows ignores it.
 *
 * Who a host runs as: a call whose identity has impersonate and unix ids
 * runs in a host of its own, as that uid/gid.  Other calls run as the
 * provider's HostingModel says: LocalSystemHost and
 * LocalSystemHostOrSelfHost as root (the object manager's user when it
 * is not root); NetworkServiceHost, NetworkServiceHostOrSelfHost,
 * LocalServiceHost and no HostingModel (Windows' default) as the service
 * account (config service_user; "openwmi" when that user exists, else
 * "nobody").  SelfHost and Decoupled are refused
 * (WBEM_E_INVALID_PROVIDER_REGISTRATION).
 *
 * Threads: the hooks run inside cimom operations, under the cimom lock.
 */
#ifndef OWMI_CIMOM_PROVREG_H
#define OWMI_CIMOM_PROVREG_H

#include <stdint.h>

#include "base/errinfo.h"
#include "base/hresult.h"
#include "provhost/provhost.h"

struct cimom;
struct cimom_provreg;

struct cimom_provreg_config {
	/* The wmiprvse executable (absolute path).  Required. */
	const char *host_path;
	/* Base of relative library paths; NULL: relative paths are used as
	 * given (dlopen's search). */
	const char *provider_dir;
	/* Per-call inactivity timeout in ms; 0: PROVHOST_DEFAULT_TIMEOUT_MS. */
	uint32_t call_timeout_ms;
	/*
	 * A host with no call for this long is stopped, in ms; 0: ClearAfter
	 * of root's __ObjectProviderCacheControl=@, else
	 * PROVHOST_DEFAULT_IDLE_MS; PROVHOST_IDLE_NEVER: never.
	 */
	uint32_t idle_timeout_ms;
	/* Non-zero fields override __ProviderHostQuotaConfiguration. */
	struct provhost_quota quota;
	/* Diagnostic logger (may be NULL); borrowed. */
	struct logger *log;
	/*
	 * The Linux account of the service hosting models (NULL: "openwmi"
	 * when it exists, else "nobody").  Must exist when given.
	 */
	const char *service_user;
};

/* Counters, for tests and diagnostics. */
struct cimom_provreg_stats {
	/* namespaces whose registrations were read from the repository */
	uint64_t reg_reads;
};

/*
 * Attaches the registry to [cm] ([cfg] copied).  Returns owned (talloc
 * child of [mem]) in *out; freeing it removes the fallback hooks and stops
 * every host.  Only one registry per cimom.
 * Errors: WBEM_E_INVALID_PARAMETER (no host_path, or a service_user
 * that does not exist), WBEM_E_ALREADY_EXISTS
 * (a registry is attached), E_OUTOFMEMORY.
 */
hresult cimom_provreg_attach(struct cimom *cm,
                             void *mem,
                             const struct cimom_provreg_config *cfg,
                             struct cimom_provreg **out,
                             struct errinfo *ei);

/* The host manager (borrowed), for statistics and tests. */
struct provhost *cimom_provreg_hosts(struct cimom_provreg *pr);

/* The quotas in force (after the repository and the overrides). */
void cimom_provreg_quota(const struct cimom_provreg *pr,
                         struct provhost_quota *out);

void cimom_provreg_get_stats(struct cimom_provreg *pr,
                             struct cimom_provreg_stats *out);

/*
 * The service account's name (borrowed), with its ids in *uid, *gid
 * (either may be NULL).
 */
const char *cimom_provreg_service_account(const struct cimom_provreg *pr,
                                          uint32_t *uid,
                                          uint32_t *gid);

#endif
