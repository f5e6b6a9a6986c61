/*
 * client: libopenwmi, the WMI client library (client layer; DESIGN.md
 * section 3; docs/internals/client.md).
 *
 * Connects to a WMI server over DCOM - OpenWMI's wmid or Windows - the way
 * a Windows client does (MS-DCOM 3.2, MS-WMI 3.2):
 *
 *   port 135 (or wmid's Unix socket): IRemoteSCMActivator::
 *     RemoteCreateInstance of CLSID_WbemLevel1Login -> the OBJREF of
 *     IWbemLevel1Login, the exporter's string bindings, IRemUnknown's IPID
 *   the exporter ("host[port]", the binding naming the typed host first):
 *     one connection, one bind presenting IWbemLevel1Login,
 *     IWbemServices, IEnumWbemClassObject, IRemUnknown and IWbemCallResult
 *     under one NTLM security context; NTLMLogin(namespace) ->
 *     IWbemServices; then every call on that connection
 *
 * Locally (client_options.unix_path) everything runs on one connection to
 * wmid's socket, where the caller's uid is the identity (no NTLM unless a
 * user is given).
 *
 * Objects come back decoded (MS-WMIO, src/wmio) as struct cim_object:
 * classes resolved, instances with every value explicit and the server
 * and namespace of their decoration (so __PATH and __RELPATH can be
 * computed with cim_sysprop_get).
 *
 * Errors are hresults with the layer's code and a message in [ei]:
 *   RPC_S_SERVER_UNAVAILABLE 0x800706BA  nothing listens, no route, unknown
 *                                        host, no usable string binding
 *   E_ACCESSDENIED 0x80070005            NTLM refused (wrong password), the
 *                                        DCOM access check
 *   RPC_S_CALL_FAILED 0x800706BE         the connection broke or timed out
 *                                        in a call
 *   RPC_S_SEC_PKG_ERROR, RPC_S_PROTOCOL_ERROR, RPC_X_BAD_STUB_DATA (a
 *   reply we cannot decode), WBEM_E_INVALID_STREAM (an object we cannot
 *   decode), other faults through rpc_fault_to_hresult, and the WMI
 *   method results as the server returned them (WBEM_E_INVALID_CLASS,
 *   WBEM_E_INVALID_NAMESPACE, WBEM_E_ACCESS_DENIED, ...).
 * After a transport failure the connection is dead: every later call on
 * it returns RPC_S_CALL_FAILED at once.
 *
 * Memory: every struct is a talloc object; client_close frees the
 * connection and everything hanging off it.  Returned objects are owned by
 * the [mem] given to the call.
 *
 * Threads: a connection is used by one thread at a time (calls are
 * synchronous, one in flight).
 *
 * Each connection has a pinger thread (client/ping.h) that keeps the
 * objects it holds alive on the server (MS-DCOM 3.2.6).
 *
 * NEEDSWORK: the public, versioned ABI (include/openwmi/client.h with
 * owmi_* names) wraps this API once it settles; no SPNEGO or Kerberos.
 */
#ifndef OWMI_CLIENT_CLIENT_H
#define OWMI_CLIENT_CLIENT_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "base/errinfo.h"
#include "base/hresult.h"
#include "cim/cim.h"

/* Defaults. */
#define CLIENT_DEFAULT_NAMESPACE  "root\\cimv2"
#define CLIENT_DEFAULT_PORT       135
#define CLIENT_DEFAULT_TIMEOUT_MS 30000
#define CLIENT_DEFAULT_BATCH      64

/* WBEM_GENERIC_FLAG_TYPE (MS-WMI 2.2.6) values the client uses. */
#define CLIENT_WBEM_FLAG_RETURN_IMMEDIATELY 0x10
#define CLIENT_WBEM_FLAG_FORWARD_ONLY       0x20
#define CLIENT_WBEM_FLAG_DEEP               0x00
#define CLIENT_WBEM_FLAG_SHALLOW            0x01
#define CLIENT_WBEM_FLAG_CREATE_OR_UPDATE   0x00
#define CLIENT_WBEM_FLAG_UPDATE_ONLY        0x01
#define CLIENT_WBEM_FLAG_CREATE_ONLY        0x02

struct client_conn;
struct client_svc;
struct client_enum;

struct client_options {
	/* The server: a host name or address (TCP), or wmid's Unix socket
	   path (unix_path non-NULL wins). */
	const char *host;
	const char *unix_path;
	uint16_t port; /* the endpoint mapper / activator port; 0: 135 */
	/* Credentials (NTLM).  user NULL or "" over a Unix socket: the
	   caller's uid; over TCP a user is required. */
	const char *user;
	const char *domain;
	const char *password;
	const uint8_t *nt_hash; /* 16 octets, when password is NULL */
	/* "root\\cimv2" (default), "\\\\host\\root\\cimv2", "//./root/x" */
	const char *ns;
	/* enum rpc_auth_level: 2 connect .. 6 privacy; 0: privacy (wmic's
	   /authlevel:Pktprivacy default).  The exporter connection uses
	   max(this, the server's authnHint). */
	uint8_t auth_level;
	int timeout_ms; /* per connect and per call; 0: 30 s */
	/* A new NTLM handshake for every presentation context (impacket's
	   way) instead of one security context for the connection. */
	bool auth_per_context;
	/* auth_type 9 (Negotiate: NTLM wrapped in SPNEGO) instead of raw
	   NTLM (auth_type 10), for servers that require it. */
	bool negotiate;
	/* The pinger (client/ping.h) pings the OIDs the client holds every
	   ping_period_ms (0: 120 s, the MS-DCOM period) on a thread of its
	   own; no_ping turns it off (short-lived tools may). */
	uint32_t ping_period_ms;
	bool no_ping;
};

/* What a connection did and costs (for tools and benches). */
struct client_stats {
	uint32_t connections;   /* TCP or Unix connections opened */
	uint32_t binds;         /* bind + alter_context */
	uint32_t calls;         /* requests answered */
	uint32_t objects;       /* objects decoded */
	uint64_t stub_bytes;    /* response stub octets received */
	uint64_t pings;         /* successful pings of the OIDs held */
	uint64_t ping_failures; /* pings that failed (retried) */
};

/*
 * Connects and logs in: activation, exporter connection, NTLMLogin to
 * o->ns.  Returns owned (talloc child of [mem]) the connection in [*out];
 * client_root() is the IWbemServices of o->ns.  Errors as in the file
 * comment; E_INVALIDARG for missing options.  Nothing is left allocated
 * or open on failure.
 */
hresult client_connect(void *mem,
                       const struct client_options *o,
                       struct client_conn **out,
                       struct errinfo *ei);

/* The IWbemServices of the namespace given to client_connect. */
struct client_svc *client_root(struct client_conn *c);

/* The namespace of [s] as the server was asked for it ("root\\cimv2"). */
const char *client_svc_namespace(const struct client_svc *s);

/* The server name to show for objects (the host, or the local name). */
const char *client_server_name(const struct client_conn *c);

void client_get_stats(const struct client_conn *c, struct client_stats *out);

/*
 * Releases every interface the client still holds (one RemRelease), then
 * closes and frees the connection.  NULL-safe; never fails visibly.
 */
void client_close(struct client_conn *c);

/*
 * IWbemServices::OpenNamespace: [ns] relative to [s] ("subns") .  Returns
 * owned by the connection a new IWbemServices in [*out] (release it with
 * client_svc_release or let client_close do it).
 */
hresult client_open_namespace(struct client_svc *s,
                              const char *ns,
                              struct client_svc **out,
                              struct errinfo *ei);

/* Releases [s] (RemRelease) and frees it.  Not the root. */
void client_svc_release(struct client_svc *s);

/*
 * IWbemServices::ExecQuery with WBEM_FLAG_RETURN_IMMEDIATELY |
 * WBEM_FLAG_FORWARD_ONLY (| [flags]): returns owned by the connection an
 * enumerator in [*out].  [batch] is the count asked of every Next (0:
 * CLIENT_DEFAULT_BATCH).  Query errors come from ExecQuery or from the
 * first client_enum_next.
 */
hresult client_exec_query(struct client_svc *s,
                          const char *wql,
                          int32_t flags,
                          uint32_t batch,
                          struct client_enum **out,
                          struct errinfo *ei);

/* CreateInstanceEnum of [cls] (deep unless flags has SHALLOW). */
hresult client_enum_instances(struct client_svc *s,
                              const char *cls,
                              int32_t flags,
                              uint32_t batch,
                              struct client_enum **out,
                              struct errinfo *ei);

/* CreateClassEnum below [superclass] (NULL or "": from the root). */
hresult client_enum_classes(struct client_svc *s,
                            const char *superclass,
                            int32_t flags,
                            uint32_t batch,
                            struct client_enum **out,
                            struct errinfo *ei);

/*
 * IEnumWbemClassObject::Next: returns in [*objs] (owned by [mem]) up to
 * the batch count of decoded objects and their count in [*n].  Instances
 * of one class returned by one call share their decoded class, which
 * hangs off [mem] (free the objects with [mem], or copy an instance's
 * class with cim_class_copy to keep it elsewhere).  Returns
 * S_OK while more may follow, WBEM_S_FALSE (with *n possibly > 0) at the
 * end, or the error.  After WBEM_S_FALSE or an error, further calls
 * return the same without a round trip.
 */
hresult client_enum_next(struct client_enum *e,
                         void *mem,
                         struct cim_object ***objs,
                         uint32_t *n,
                         struct errinfo *ei);

/*
 * Runs the enumerator to its end, appending every object to [*objs]
 * ([*n] counts them; both may start non-empty; array grows under [mem]).
 * Instances of one class share their class, under [mem], as above.
 * Returns S_OK at the end, or the first error (objects so far kept).
 */
hresult client_enum_all(struct client_enum *e,
                        void *mem,
                        struct cim_object ***objs,
                        uint32_t *n,
                        struct errinfo *ei);

/* Releases the enumerator (RemRelease) and frees it.  NULL-safe. */
void client_enum_release(struct client_enum *e);

/*
 * IWbemServices::GetObject of [path] (a class name or an instance path):
 * returns owned by [mem] the decoded object in [*out].
 */
hresult client_get_object(struct client_svc *s,
                          void *mem,
                          const char *path,
                          int32_t flags,
                          struct cim_object **out,
                          struct errinfo *ei);

/*
 * Returns owned by [mem] an empty instance of the in-parameters class of
 * [cls]'s method [method] (GetObject of the class), to fill with
 * cim_instance_set; *out NULL when the method takes no [in] parameter.
 * WBEM_E_METHOD_NOT_IMPLEMENTED / WBEM_E_NOT_FOUND when there is no such
 * method.
 */
hresult client_method_params(struct client_svc *s,
                             void *mem,
                             const char *cls,
                             const char *method,
                             struct cim_instance **out,
                             struct errinfo *ei);

/*
 * IWbemServices::ExecMethod of [method] on [path] (a class or an
 * instance) with [in] (NULL: no parameters).  Returns owned by [mem] the
 * out-parameters instance in [*out] (NULL when the server sent none).
 */
hresult client_exec_method(struct client_svc *s,
                           void *mem,
                           const char *path,
                           const char *method,
                           const struct cim_instance *in,
                           struct cim_instance **out,
                           struct errinfo *ei);

/* IWbemServices::PutInstance ([flags]: CREATE_OR_UPDATE, ...). */
hresult client_put_instance(struct client_svc *s,
                            const struct cim_instance *inst,
                            int32_t flags,
                            struct errinfo *ei);

/* IWbemServices::DeleteInstance of [path]. */
hresult client_delete_instance(struct client_svc *s,
                               const char *path,
                               struct errinfo *ei);

#endif
