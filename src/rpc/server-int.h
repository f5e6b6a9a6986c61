/*
 * server-int: internals of the DCE/RPC server runtime (rpc layer; only
 * for src/rpc/ server files: server.c, transport.c, conn.c, assoc.c,
 * auth.c, dispatch.c).
 *
 * Object graph (talloc parents on the left):
 *
 *   rpc_server ─┬─ rpc_listener ...            (list srv->listeners)
 *               ├─ rpc_conn ...                (list srv->conns)
 *               │    ├─ rpc_pctx ...           (presentation contexts)
 *               │    ├─ rpc_auth_ctx ...       (NTLM security contexts)
 *               │    └─ write requests in flight
 *               ├─ rpc_group ...               (association groups)
 *               └─ rpc_pool                    (worker threads)
 *
 *   call context (talloc top level, one per call, with a byte ceiling):
 *        struct rpc_call, struct rpc_call_priv, request stub, output
 *
 * Invariants:
 * - Everything except a call context and the pool's queues is touched on
 *   the loop thread only.  A call context is handed to exactly one worker
 *   at a time and comes back through the pool's done queue (mutex) and
 *   srv->pool.async; only the cancel flag is shared (atomic).
 * - A connection is freed only when its handle is closed and no call of
 *   it is in flight (c->n_inflight == 0); calls hold a plain pointer to
 *   their connection, their presentation context and their security
 *   context, which therefore stay alive (refcounted by n_calls) until the
 *   call is finished.
 * - Calls of one connection run one at a time: c->running is the call
 *   being executed (on a worker, inline, or async), c->queue the ones
 *   waiting, in arrival order.
 */
#ifndef OWMI_RPC_SERVER_INT_H
#define OWMI_RPC_SERVER_INT_H

#include <pthread.h>
#include <stdatomic.h>

#include "ntlm/ntlm.h"
#include "rpc/frag.h"
#include "rpc/server.h"

#define RPC_LOG "rpc"

struct rpc_conn;
struct rpc_server;

/* A registered interface. */
struct rpc_iface_reg {
	struct rpc_iface_reg *next;
	const struct rpc_iface *iface;
	void *arg;
};

/* An association group (MS-RPCE 3.3.1.5.3): shared by connections. */
struct rpc_group {
	struct rpc_group *next;
	uint32_t id;
	uint32_t n_conns;
};

/* Connections counted per peer address, for max_conn_per_peer. */
struct rpc_peer {
	struct rpc_peer *next;
	uint32_t n_conns;
	char addr[48];
};

enum rpc_auth_state {
	RPC_AUTH_CHALLENGED, /* NEGOTIATE seen, CHALLENGE sent */
	RPC_AUTH_ESTABLISHED,
	RPC_AUTH_FAILED,   /* AUTHENTICATE refused or verify failed: dead */
	RPC_AUTH_SELECTED, /* SPNEGO: NTLM chosen, its NEGOTIATE awaited */
};

/* One security context of a connection (keyed by auth_context_id). */
struct rpc_auth_ctx {
	struct rpc_auth_ctx *next;
	uint32_t id;
	uint8_t auth_type;
	uint8_t auth_level;
	enum rpc_auth_state state;
	struct ntlm_server *ntlm;
	struct ntlm_session *session; /* when ESTABLISHED */
	char *user;                   /* when ESTABLISHED */
	char *domain;
	uint32_t n_calls; /* calls in flight that use it */
	uint64_t serial;  /* creation order, for eviction */
	/* auth_type 9: NTLM inside SPNEGO (auth.c). */
	bool spnego;
	bool mic_required;  /* NTLM was not the client's first mechanism */
	uint8_t *mech_list; /* the client's MechTypeList TLV, for the MIC */
	size_t mech_list_len;
	uint8_t *reply; /* the last SPNEGO token built (owned) */
	size_t reply_len;
};

/* One presentation context (p_cont_id -> interface). */
struct rpc_pctx {
	struct rpc_pctx *next;
	uint16_t id;
	const struct rpc_iface_reg *reg;
	/* The security context of the bind/alter_context that created it,
	   used by requests without a sec_trailer; may be NULL. */
	struct rpc_auth_ctx *auth;
	bool auth_gone; /* its security context was evicted */
	uint32_t n_calls;
	uint64_t serial;
};

/* A call as the runtime tracks it (call->priv). */
struct rpc_call_priv {
	struct rpc_call *call;
	struct rpc_call_priv *next; /* connection queue or pool queue */
	struct rpc_conn *conn;
	struct rpc_pctx *pctx;
	struct rpc_auth_ctx *auth; /* NULL when anonymous or AF_UNIX */
	bool sign_response;        /* respond with a verifier (levels >= 5, or
	                              3/4 when the request carried one) */
	uint8_t *stub_in;
	size_t stub_in_len;
	struct buf out;
	uint32_t status;
	atomic_bool cancelled;
	bool orphaned; /* loop thread: no response wanted */
	uint64_t start_ms;
};

/* The worker pool: its own threads, so the size is per server. */
struct rpc_pool {
	pthread_mutex_t mu;
	pthread_cond_t cv;
	struct rpc_call_priv *todo_head, *todo_tail;
	struct rpc_call_priv *done_head, *done_tail;
	bool stop;
	pthread_t *threads;
	uint32_t n_threads;
	uv_async_t async; /* wakes the loop for done calls */
	bool started;
};

/*
 * The transport vtable (STYLE.md section 8): how a connection's stream
 * is accepted, identified, read, written and closed.  TCP and AF_UNIX
 * differ only in accept and identify; both are libuv streams.
 */
struct rpc_transport_ops {
	const char *name; /* "ncacn_ip_tcp", "ncalrpc" */
	/* Initialises c->h and accepts it from [l]; 0 or a libuv error. */
	int (*accept)(struct rpc_conn *c, uv_stream_t *listener);
	/* Fills c's peer and local address and, on AF_UNIX, credentials. */
	hresult (*identify)(struct rpc_conn *c);
	int (*read_start)(struct rpc_conn *c);
	void (*read_stop)(struct rpc_conn *c);
	/* Queues [bufs] in one write; [wr] is freed in its callback. */
	int (*write)(struct rpc_conn *c,
	             uv_write_t *req,
	             const uv_buf_t *bufs,
	             unsigned n,
	             uv_write_cb cb);
	void (*close)(struct rpc_conn *c, uv_close_cb cb);
};

extern const struct rpc_transport_ops rpc_transport_tcp;
extern const struct rpc_transport_ops rpc_transport_unix;

struct rpc_listener {
	struct rpc_listener *next;
	struct rpc_server *srv;
	union {
		uv_handle_t handle;
		uv_stream_t stream;
		uv_tcp_t tcp;
		uv_pipe_t pipe;
	} h;
	const struct rpc_transport_ops *ops;
	char *path; /* AF_UNIX */
	uint16_t port;
	char sec_addr[112]; /* the port text or the socket path */
	bool closing;
};

struct rpc_conn {
	struct rpc_conn *prev, *next; /* srv->conns */
	struct rpc_server *srv;
	union {
		uv_handle_t handle;
		uv_stream_t stream;
		uv_tcp_t tcp;
		uv_pipe_t pipe;
	} h;
	const struct rpc_transport_ops *ops;
	struct rpc_listener *listener; /* NULL once the listener closed */
	uint64_t id;
	bool is_unix;
	bool counted; /* included in srv->n_conns */
	bool closing; /* conn_close() ran */
	bool handle_closed;
	bool close_after_write;
	bool reading;
	bool bound;
	char peer_addr[48];
	uint16_t peer_port;
	struct rpc_peer *peer;
	char local_addr[112];
	uint16_t local_port;
	const char *sec_addr;
	uid_t uid;
	gid_t gid;
	pid_t pid;
	char *unix_user;

	uint16_t max_xmit; /* what we send, negotiated */
	uint16_t max_recv; /* what we accept, negotiated */
	bool header_sign;  /* the client set PFC_SUPPORT_HEADER_SIGN */
	struct rpc_group *group;
	struct rpc_pctx *pctxs;
	uint32_t n_pctx;
	struct rpc_auth_ctx *auths;
	uint32_t n_auth;
	struct rpc_auth_ctx *default_auth; /* the bind's security context */
	uint64_t serial;

	/* Input: a fragment split across reads. */
	uint8_t *pend;
	size_t pend_len;
	size_t pend_need; /* frag_length once known, else 0 */
	struct rpc_reasm reasm;
	struct rpc_auth_ctx *reasm_auth; /* of the call being reassembled */
	bool reasm_signed;
	bool discarding; /* skip the rest of call discard_call_id */
	uint32_t discard_call_id;
	uint64_t last_activity_ms;
	uint64_t partial_since_ms; /* 0: no partial PDU or call */

	/* Calls. */
	struct rpc_call_priv *running;
	struct rpc_call_priv *queue_head, *queue_tail;
	uint32_t n_queued;
	uint32_t n_inflight; /* running + queued */
	size_t write_bytes;  /* queued on the socket, not yet written */
	uint32_t n_writes;
};

struct rpc_server {
	uv_loop_t *loop;
	struct rpc_server_config cfg; /* limits resolved, strings copied */
	struct logger *log;
	struct rpc_iface_reg *ifaces;
	struct rpc_listener *listeners;
	struct rpc_conn *conns;
	uint32_t n_conns;
	struct rpc_peer *peers;
	struct rpc_group *groups;
	uint32_t next_group;
	uint64_t next_conn_id;
	uint64_t rng;
	struct rpc_pool pool;
	uv_timer_t sweep;
	uint64_t sweep_ms;
	uint8_t *rbuf; /* shared read buffer (loop thread) */
	size_t rbuf_len;
	struct rpc_server_stats stats;

	bool shutting_down;
	bool grace_over;
	uv_timer_t grace;
	unsigned n_handles; /* open libuv handles of the server itself */
	void (*done)(void *arg);
	void *done_arg;
	bool done_called;
};

/* ---- server.c ---- */
uint64_t rpc_srv_random(struct rpc_server *srv);
const struct rpc_iface_reg *rpc_srv_find_iface(struct rpc_server *srv,
                                               const struct rpc_syntax_id *s);
struct rpc_group *rpc_group_new(struct rpc_server *srv);
struct rpc_group *rpc_group_find(struct rpc_server *srv, uint32_t id);
void rpc_group_unref(struct rpc_server *srv, struct rpc_group *g);
/* Called when a connection or listener went away during shutdown. */
void rpc_srv_shutdown_progress(struct rpc_server *srv);

/* ---- transport.c ---- */
/* Takes a new connection from [l] (loop thread, from the accept cb). */
void rpc_conn_accept(struct rpc_listener *l);

/* ---- conn.c ---- */
/* Feeds received octets (the shared read buffer, mutable). */
void rpc_conn_feed(struct rpc_conn *c, uint8_t *data, size_t len);
/*
 * Writes [n] fragments (talloc children of [owner], which is stolen
 * and freed once written) in one write.  On failure closes [c].
 */
void rpc_conn_write(struct rpc_conn *c,
                    void *owner,
                    const uv_buf_t *bufs,
                    unsigned n);
/* Builds [pdu] and writes it alone. */
void rpc_conn_send_pdu(struct rpc_conn *c, struct rpc_pdu *pdu);
/* Sends a fault (never signed) for [call_id]. */
void rpc_conn_send_fault(struct rpc_conn *c,
                         uint32_t call_id,
                         uint16_t p_cont_id,
                         uint32_t status);
/* Sends a bind_nak with [reason] for [call_id]. */
void rpc_conn_send_nak(struct rpc_conn *c, uint32_t call_id, uint16_t reason);
/* Closes [c] now (pending writes are cancelled). */
void rpc_conn_close(struct rpc_conn *c, const char *why);
/* Closes [c] once its queued writes are done. */
void rpc_conn_close_soon(struct rpc_conn *c, const char *why);
/* Frees [c] when its handle is closed and no call is in flight. */
void rpc_conn_maybe_free(struct rpc_conn *c);
void rpc_conn_log(struct rpc_conn *c, enum log_level lvl, const char *fmt, ...)
        __attribute__((format(printf, 3, 4)));

/* ---- assoc.c ---- */
void rpc_assoc_bind(struct rpc_conn *c, struct rpc_pdu *pdu);
void rpc_assoc_alter(struct rpc_conn *c, struct rpc_pdu *pdu);
struct rpc_pctx *rpc_assoc_find_pctx(struct rpc_conn *c, uint16_t id);

/* ---- auth.c ---- */
struct rpc_auth_ctx *rpc_auth_find(struct rpc_conn *c, uint32_t id);
/*
 * Starts a security context from the token of a bind/alter_context.  On
 * success [*token_out] is the CHALLENGE (owned by the context).  Returns
 * 0, or a bind_nak reason (+1000 for "fault with RPC_S_SEC_PKG_ERROR"),
 * see auth.c.
 */
int rpc_auth_start(struct rpc_conn *c,
                   const struct rpc_pdu *pdu,
                   struct rpc_auth_ctx **out,
                   const uint8_t **token_out,
                   size_t *token_len);
/* The third leg (AUTH3, or an alter_context carrying AUTHENTICATE). */
hresult rpc_auth_finish(struct rpc_conn *c,
                        struct rpc_auth_ctx *a,
                        const uint8_t *token,
                        size_t len);
/*
 * A later leg for [a] (state CHALLENGED or SELECTED), from an AUTH3 or an
 * alter_context.  NTLM: the AUTHENTICATE, no reply.  SPNEGO: a
 * NegTokenResp carrying the NTLM NEGOTIATE (state SELECTED; reply with
 * the CHALLENGE) or AUTHENTICATE and perhaps mechListMIC (reply
 * accept-completed, with our MIC when one was exchanged).  [*reply] is
 * NULL or owned by [a].  Failures leave [a] FAILED.
 */
hresult rpc_auth_continue(struct rpc_conn *c,
                          struct rpc_auth_ctx *a,
                          const uint8_t *token,
                          size_t len,
                          const uint8_t **reply,
                          size_t *reply_len);
void rpc_auth_auth3(struct rpc_conn *c, struct rpc_pdu *pdu);
/*
 * Checks (and decrypts in place) one request fragment [data] parsed as
 * [pdu].  Returns 0, or the fault status to send.  [*out] gets the
 * security context the fragment is under (NULL if none) and [*signed_]
 * whether it carried a verifier.
 */
uint32_t rpc_auth_check_request(struct rpc_conn *c,
                                uint8_t *data,
                                struct rpc_pdu *pdu,
                                struct rpc_auth_ctx **out,
                                bool *signed_);
/* Signs or seals one built response fragment in place. */
hresult rpc_auth_protect(struct rpc_auth_ctx *a, struct rpc_frag *f);
/* Drops the oldest unused security context; false when none is free. */
bool rpc_auth_evict(struct rpc_conn *c);

/* ---- dispatch.c ---- */
void rpc_dispatch_request(struct rpc_conn *c,
                          uint8_t *data,
                          struct rpc_pdu *pdu);
void rpc_dispatch_cancel(struct rpc_conn *c, struct rpc_pdu *pdu);
/* Drops the queued calls of a closing connection. */
void rpc_dispatch_conn_closing(struct rpc_conn *c);
int rpc_pool_start(struct rpc_server *srv);
/* Stops and joins the workers (they must be idle). */
void rpc_pool_stop(struct rpc_server *srv);

#endif
