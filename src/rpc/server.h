/*
 * server: the DCE/RPC connection-oriented server runtime (rpc layer).
 *
 * Serves ncacn_ip_tcp and ncalrpc (AF_UNIX) on one libuv loop: accepts
 * connections, reads and checks PDUs (rpc/pdu.h), negotiates presentation
 * contexts and association groups (bind, alter_context), runs NTLM
 * (auth_type 10, RPC_C_AUTHN_WINNT) security contexts at levels connect,
 * call, pkt, integrity and privacy, reassembles fragmented requests
 * (rpc/frag.h), dispatches each call by interface UUID + version + opnum
 * to a handler registered by a higher layer, and fragments, signs or seals
 * the response.  Implements C706 chapter 12 (connection-oriented RPC) with
 * the MS-RPCE 2.2.2 and 3.3.1 extensions, and the wire behaviour of
 * ../shared/interop/impacket-dcom-wmi.md sections 1-3.
 *
 * Threads (STYLE.md section 8):
 * - One loop thread owns every socket, every connection and every
 *   security context.  All rpc_server_* functions must be called on it.
 * - Handlers of interfaces with run_inline run on the loop thread; all
 *   others run on the server's worker pool, so a slow call never stalls
 *   the loop.  A handler may touch only its struct rpc_call, its input
 *   and its output; the response is signed, sealed and written on the
 *   loop thread.
 * - Calls of one connection run one at a time, in the order they arrived
 *   (a client without PFC_CONC_MPX expects that); calls of different
 *   connections run in parallel on the pool.
 *
 * Identity and levels:
 * - A TCP request is attributed to the NTLM security context named by its
 *   sec_trailer's auth_context_id; a request without a sec_trailer to the
 *   context established by the bind or alter_context that created its
 *   presentation context (impacket at levels 2-4 sends no verifier), and
 *   else it is anonymous (level none).
 * - An AF_UNIX connection is identified by SO_PEERCRED and counts as
 *   PktPrivacy, whether it binds with auth_type none or with NTLM (then
 *   the NTLM user is the identity and uid/gid/pid are still filled).
 * - A request on an interface whose min_auth_level is above the call's
 *   level, or an anonymous TCP request on an interface without
 *   RPC_IFACE_ALLOW_ANONYMOUS, gets fault rpc_s_access_denied (5).
 *
 * Faults the runtime sends on its own (never signed or sealed):
 *   nca_s_op_rng_error        opnum >= n_ops or a NULL handler
 *   nca_s_unk_if              p_cont_id not negotiated on this connection
 *   rpc_s_access_denied       failed or unknown security context, level
 *                             below the interface minimum, anonymous
 *   rpc_s_sec_pkg_error       bad signature, replayed or reordered
 *                             sequence number, undecryptable request
 *                             (the security context is dead afterwards)
 *   nca_s_proto_error         mis-fragmented call, request before bind
 *   nca_s_server_too_busy     too many calls queued on the connection
 *   nca_s_fault_remote_no_memory  allocation failure, or the handler's
 *                             output passed max_response
 *   rpc_s_call_cancelled      the call was cancelled before it ran
 */
#ifndef OWMI_RPC_SERVER_H
#define OWMI_RPC_SERVER_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <sys/types.h>

#include <uv.h>

#include "base/buf.h"
#include "base/errinfo.h"
#include "base/hresult.h"
#include "base/log.h"
#include "rpc/pdu.h"
#include "rpc/uuid.h"

struct rpc_server;
struct rpc_listener;
struct rpc_call_priv;

/* ---- configuration ---- */

/*
 * Every limit of the runtime.  A zero member takes the default named in
 * its comment (RPC_SERVER_DEFAULT_*), so `{ 0 }` is a working config.
 * Past a limit the runtime answers with a fault or bind_nak, or closes
 * that one connection, and writes a log line; other clients see nothing.
 */
struct rpc_server_limits {
	uint32_t max_connections;   /* all listeners together; 4096 */
	uint32_t max_conn_per_peer; /* per peer IP address (TCP); 256 */
	/*
	 * Largest fragment we send and receive (5840, as Windows); the
	 * client's max_xmit_frag/max_recv_frag can only lower it, never
	 * below 1432 (RPC_MIN_FRAG).
	 */
	uint16_t max_frag;
	size_t max_message;    /* reassembled request stub; 4 MiB */
	size_t max_response;   /* handler output stub; 16 MiB */
	size_t max_call_mem;   /* talloc ceiling of a call context; 64 MiB */
	uint32_t max_contexts; /* presentation contexts / conn; 256 */
	uint32_t max_auth_contexts; /* security contexts / conn; 64 */
	uint32_t max_queued_calls;  /* calls waiting per connection; 16 */
	uint32_t idle_timeout_ms;   /* no PDU and no call in flight; 900000 */
	/* A started PDU (header or fragment) or a started fragmented call
	 * that does not complete in time closes the connection; 30000. */
	uint32_t slow_client_timeout_ms;
	/* rpc_server_shutdown(): how long in-flight calls may run; 5000. */
	uint32_t shutdown_grace_ms;
	uint32_t n_workers; /* worker threads; 4 */
	/* Range for rpc_server_listen_tcp() with port 0; 49152-65535. */
	uint16_t port_min;
	uint16_t port_max;
};

#define RPC_SERVER_DEFAULT_MAX_CONNECTIONS   4096
#define RPC_SERVER_DEFAULT_MAX_CONN_PER_PEER 256
#define RPC_SERVER_DEFAULT_MAX_FRAG          5840
#define RPC_SERVER_DEFAULT_MAX_MESSAGE       (4u << 20)
#define RPC_SERVER_DEFAULT_MAX_RESPONSE      (16u << 20)
#define RPC_SERVER_DEFAULT_MAX_CALL_MEM      (64u << 20)
#define RPC_SERVER_DEFAULT_MAX_CONTEXTS      256
#define RPC_SERVER_DEFAULT_MAX_AUTH_CONTEXTS 64
#define RPC_SERVER_DEFAULT_MAX_QUEUED_CALLS  16
#define RPC_SERVER_DEFAULT_IDLE_TIMEOUT_MS   900000
#define RPC_SERVER_DEFAULT_SLOW_CLIENT_MS    30000
#define RPC_SERVER_DEFAULT_SHUTDOWN_GRACE_MS 5000
#define RPC_SERVER_DEFAULT_N_WORKERS         4
#define RPC_SERVER_DEFAULT_PORT_MIN          49152
#define RPC_SERVER_DEFAULT_PORT_MAX          65535

/* The NTLM acceptor (see ntlm/ntlm.h struct ntlm_server_config). */
struct rpc_server_auth {
	const char *nb_computer;  /* required for NTLM: "WMIHOST" */
	const char *nb_domain;    /* required for NTLM: "WORKGROUP" */
	const char *dns_computer; /* optional */
	const char *dns_domain;   /* optional */
	const char *dns_tree;     /* optional */
	/*
	 * Looks up the NT hash of [user] in [domain] (UTF-8); S_OK or
	 * HR_ERROR_LOGON_FAILURE.  Called on the loop thread during AUTH3,
	 * so it must be quick (sec_user_get_nt_hash is).  NULL disables
	 * NTLM: every NTLM bind gets a bind_nak.
	 */
	hresult (*get_nt_hash)(void *arg,
	                       const char *user,
	                       const char *domain,
	                       uint8_t nt_hash[16]);
	void *get_nt_hash_arg;
	bool allow_ntlmv1; /* default off */
};

struct rpc_server_config {
	struct rpc_server_limits limits;
	struct rpc_server_auth auth;
	/*
	 * Interfaces with min_auth_level 0 take this one; 0 means none
	 * (then RPC_IFACE_ALLOW_ANONYMOUS alone decides for anonymous).
	 */
	uint8_t default_min_auth_level;
	struct logger *log; /* borrowed, may be NULL; component "rpc" */
	/*
	 * Optional accept filter (the firewall rule group): called on the
	 * loop thread for each new TCP connection with the peer address
	 * text and the local port; false closes it at once.
	 */
	bool (*accept_filter)(void *arg,
	                      const char *peer_addr,
	                      uint16_t local_port);
	void *accept_filter_arg;
	/*
	 * Optional: called on the loop thread when a connection is gone
	 * (after its last call finished), with its conn_id and assoc group,
	 * so higher layers can drop per-connection state.
	 */
	void (*conn_closed)(void *arg, uint64_t conn_id, uint32_t assoc_group);
	void *conn_closed_arg;
};

/* ---- identity of a caller ---- */

/*
 * Who is calling, as the runtime established it.  Copied into every call
 * (valid for the call's lifetime, strings under the call context).
 */
struct rpc_identity {
	const char *user;   /* NTLM user, or the Unix login name; "" anon */
	const char *domain; /* NTLM domain as sent; nb_computer for Unix */
	bool authenticated; /* NTLM succeeded, or AF_UNIX peer credentials */
	uint8_t auth_type;  /* enum rpc_auth_type; NONE for AF_UNIX */
	uint8_t auth_level; /* enum rpc_auth_level in force for the call;
	                       PKT_PRIVACY on AF_UNIX, NONE anonymous */
	bool from_unix_socket;
	uid_t uid; /* SO_PEERCRED, when from_unix_socket */
	gid_t gid;
	pid_t pid;
	const char *peer_addr; /* "127.0.0.1", "::1", or "unix" */
	uint16_t peer_port;    /* 0 on AF_UNIX */
};

/* ---- interfaces ---- */

struct rpc_call;

/*
 * An operation handler.  [stub_in, stub_in+len) is the reassembled,
 * decrypted request stub (NDR 2.0), owned by the call.  The handler
 * appends the response stub to [stub_out] (a buf under the call context,
 * ceiling max_response) and returns 0, or returns a fault status
 * (RPC_FAULT_*, e.g. RPC_FAULT_RPC_X_BAD_STUB_DATA): then [stub_out] is
 * discarded and a fault PDU is sent.  RPC_CALL_ASYNC means the handler
 * will finish later with rpc_call_complete().  Runs on a worker thread
 * unless the interface is run_inline.
 */
struct rpc_op {
	uint32_t (*fn)(struct rpc_call *call,
	               const uint8_t *stub_in,
	               size_t len,
	               struct buf *stub_out);
	const char *name; /* for logs: "ExecQuery"; may be NULL */
};

/* Returned by a handler that completes later with rpc_call_complete(). */
#define RPC_CALL_ASYNC 0xFFFFFFFFu

enum rpc_iface_flags {
	/* Anonymous TCP callers (bind without auth) may call it (EPM). */
	RPC_IFACE_ALLOW_ANONYMOUS = 1u << 0,
};

struct rpc_iface {
	const char *name;            /* for logs: "IWbemServices" */
	struct rpc_syntax_id syntax; /* interface UUID + version */
	uint32_t n_ops;
	const struct rpc_op *ops; /* n_ops entries; fn NULL = not served */
	/* enum rpc_auth_level a call needs; 0 = config default. */
	uint8_t min_auth_level;
	uint32_t flags; /* enum rpc_iface_flags */
	/* Cheap handlers (no blocking, < ~50 us) run on the loop thread. */
	bool run_inline;
};

/* ---- a call, as a handler sees it ---- */

/*
 * Filled by the runtime before the handler runs; read-only for the
 * handler except through the functions below.  Lives from the last
 * request fragment until the response is written.
 */
struct rpc_call {
	void *mem; /* talloc context of the call (ceiling max_call_mem);
	              freed after the response is sent */
	uint16_t opnum;
	uint16_t p_cont_id;
	uint32_t call_id;
	bool has_object; /* PFC_OBJECT_UUID was set */
	struct rpc_uuid object;
	const struct rpc_iface *iface;
	void *iface_arg; /* the arg given to rpc_server_register_iface */
	struct rpc_identity identity;
	uint64_t conn_id;     /* unique per server, never reused */
	uint32_t assoc_group; /* association group of the connection */
	/* Local end of the connection ("10.0.0.5" and port; on AF_UNIX the
	   socket path and 0): DCOM builds string bindings from them. */
	const char *local_addr;
	uint16_t local_port;
	struct logger *log;
	struct rpc_call_priv *priv; /* runtime-private */
};

/*
 * True once the client sent co_cancel or orphaned for this call, or the
 * server is shutting down past its grace period.  Any thread.  A handler
 * that sees it may stop early and return RPC_FAULT_RPC_S_CALL_CANCELLED.
 */
bool rpc_call_cancelled(const struct rpc_call *call);

/*
 * Completes a call whose handler returned RPC_CALL_ASYNC, from any
 * thread, exactly once: [status] 0 sends the stub_out buf the handler
 * received (filled by then) as the response, else a fault with [status].
 * The call and its context must not be touched afterwards.
 */
void rpc_call_complete(struct rpc_call *call, uint32_t status);

/* ---- the server ---- */

/*
 * Returns owned (talloc child of [mem]) a server on [loop], copying [cfg]
 * (strings copied; logger, callbacks and args borrowed).  Starts the
 * worker threads.  NULL on allocation or thread failure.  Loop thread.
 * Before freeing it (talloc_free) the caller must have called
 * rpc_server_shutdown() and seen its done callback; freeing a running
 * server is a bug (asserted).
 */
struct rpc_server *rpc_server_new(void *mem,
                                  uv_loop_t *loop,
                                  const struct rpc_server_config *cfg);

/*
 * Serves [iface] (borrowed: must outlive the server) with [arg] handed to
 * its handlers as call->iface_arg.  Interfaces are matched on UUID and
 * major and minor version exactly.  May be called before or after the
 * listeners start.  Errors: E_INVALIDARG (already registered, n_ops 0
 * with ops, NULL iface), E_OUTOFMEMORY.  Loop thread.
 */
hresult rpc_server_register_iface(struct rpc_server *srv,
                                  const struct rpc_iface *iface,
                                  void *arg);

/*
 * Listens on TCP [addr] ("127.0.0.1", "0.0.0.0", "::") port [port].
 * With port 0 it picks a free port at random inside the configured range
 * (port_min..port_max), trying up to 64 random ports and then scanning.
 * [*bound_port] (may be NULL) gets the port.  [*out] (may be NULL)
 * receives the listener handle (owned by the server).  Errors:
 * E_INVALIDARG (bad address), RPC_S_SERVER_UNAVAILABLE (bind/listen
 * failed, errinfo has the errno text; no free port in the range),
 * E_OUTOFMEMORY.  Loop thread.
 */
hresult rpc_server_listen_tcp(struct rpc_server *srv,
                              const char *addr,
                              uint16_t port,
                              uint16_t *bound_port,
                              struct rpc_listener **out,
                              struct errinfo *ei);

/*
 * Listens on the AF_UNIX stream socket [path] (ncalrpc).  A stale socket
 * file at [path] is removed first; the file is removed again when the
 * listener closes.  Mode 0666 (access is decided per call from
 * SO_PEERCRED).  Errors as rpc_server_listen_tcp.  Loop thread.
 */
hresult rpc_server_listen_unix(struct rpc_server *srv,
                               const char *path,
                               struct rpc_listener **out,
                               struct errinfo *ei);

/*
 * Stops accepting on one listener (its connections stay).  The handle is
 * gone afterwards.  Loop thread.
 */
void rpc_listener_close(struct rpc_listener *l);

/*
 * Shuts down: closes every listener, sends a shutdown PDU to idle
 * connections and closes them, lets calls in flight finish (their
 * responses are still sent) for up to shutdown_grace_ms, then marks the
 * rest cancelled and closes their connections, stops the worker threads
 * (waiting for handlers that are still running), closes every libuv
 * handle, and then calls [done] (may be NULL) on the loop thread.  After
 * [done] the server may be freed.  Calling it twice is harmless (the
 * second [done] is ignored).  Loop thread.
 */
void rpc_server_shutdown(struct rpc_server *srv,
                         void (*done)(void *arg),
                         void *arg);

struct rpc_server_stats {
	uint64_t conns_accepted;
	uint64_t conns_refused; /* limits, accept filter */
	uint64_t conns_open;
	uint64_t binds;
	uint64_t bind_naks;
	uint64_t calls;   /* requests dispatched to a handler */
	uint64_t faults;  /* fault PDUs sent */
	uint64_t auth_ok; /* AUTHENTICATE accepted */
	uint64_t auth_failures;
	uint64_t protocol_errors; /* connections closed for bad PDUs */
	uint64_t timeouts;        /* idle and slow-client closes */
	uint64_t bytes_in;
	uint64_t bytes_out;
};

/* Copies the counters into [out].  Loop thread. */
void rpc_server_stats(const struct rpc_server *srv,
                      struct rpc_server_stats *out);

#endif
