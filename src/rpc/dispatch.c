/*
 * dispatch: requests and calls of the server runtime (rpc layer): the
 * request path (security check per fragment, reassembly, presentation
 * context, access checks, opnum), the per-connection call queue, the
 * worker pool, co_cancel and orphaned, and the response path
 * (fragmentation at the negotiated max_xmit_frag, sign or seal, one
 * write).  C706 12.6.4.9-10 and 12.4, MS-RPCE 3.3.1.4 and 3.3.1.5.
 *
 * A call's life: the last request fragment creates a call context (a
 * talloc top-level context with the max_call_mem ceiling) that takes the
 * reassembled stub; the call waits in its connection's queue while
 * another call of the connection runs; it runs inline or on a worker;
 * its completion comes back to the loop thread through the pool's done
 * queue and async handle; the response is written; the context is freed.
 */
#include <stdlib.h>
#include <string.h>
#include <talloc.h>

#include "rpc/fault.h"
#include "rpc/server-int.h"

#pragma GCC diagnostic push
#pragma GCC diagnostic ignored "-Wdeprecated-declarations"
/* talloc marks memlimit deprecated; see the same wrapper in ndr.c. */
static int set_memlimit(void *ctx, size_t max)
{
	return talloc_set_memlimit(ctx, max);
}
#pragma GCC diagnostic pop

/* Fragments protected and written at a time (pipelining, see below). */
#define WRITE_BATCH 16

static void run_call(struct rpc_conn *c, struct rpc_call_priv *p);
static void finish_call(struct rpc_call_priv *p);

/* ---- the request path ---- */

static void reject(struct rpc_conn *c,
                   const struct rpc_pdu *pdu,
                   uint16_t p_cont_id,
                   uint32_t status)
{
	uint32_t call_id = pdu->hdr.call_id;

	if (c->reasm.active && c->reasm.call_id == call_id) {
		rpc_reasm_reset(&c->reasm);
	}
	if (!(pdu->hdr.pfc_flags & RPC_PFC_LAST_FRAG)) {
		c->discarding = true;
		c->discard_call_id = call_id;
	}
	rpc_conn_send_fault(c, call_id, p_cont_id, status);
}

static void reject_call(struct rpc_conn *c,
                        uint32_t call_id,
                        uint16_t p_cont_id,
                        uint32_t status)
{
	rpc_reasm_reset(&c->reasm);
	rpc_conn_send_fault(c, call_id, p_cont_id, status);
}

/* The security context a request is under, or NULL (anonymous). */
static uint32_t effective_auth(struct rpc_conn *c,
                               struct rpc_pctx *pctx,
                               struct rpc_auth_ctx *trailer,
                               struct rpc_auth_ctx **out)
{
	struct rpc_auth_ctx *a = trailer;

	*out = NULL;
	if (a == NULL) {
		if (pctx->auth_gone) {
			return RPC_FAULT_RPC_S_ACCESS_DENIED;
		}
		a = pctx->auth != NULL ? pctx->auth : c->default_auth;
		if (a == NULL) {
			return 0;
		}
		if (a->state != RPC_AUTH_ESTABLISHED) {
			rpc_conn_log(c, LOG_LVL_INFO,
			             "request under a %s security context "
			             "refused",
			             a->state == RPC_AUTH_FAILED
			                     ? "failed"
			                     : "unfinished");
			return RPC_FAULT_RPC_S_ACCESS_DENIED;
		}
		if (a->auth_level >= RPC_AUTHN_LEVEL_PKT_INTEGRITY) {
			rpc_conn_log(c, LOG_LVL_WARN,
			             "request without verifier at level %u "
			             "refused",
			             a->auth_level);
			return RPC_FAULT_RPC_S_ACCESS_DENIED;
		}
	}
	*out = a;
	return 0;
}

static void fill_identity(struct rpc_conn *c,
                          struct rpc_auth_ctx *a,
                          struct rpc_identity *id)
{
	const char *nb = c->srv->cfg.auth.nb_computer;

	memset(id, 0, sizeof(*id));
	id->user = "";
	id->domain = "";
	id->auth_type = RPC_AUTHN_NONE;
	id->auth_level = RPC_AUTHN_LEVEL_NONE;
	if (a != NULL) {
		id->user = a->user;
		id->domain = a->domain;
		id->authenticated = true;
		id->auth_type = a->auth_type;
		id->auth_level = a->auth_level;
	}
	if (c->is_unix) {
		if (a == NULL) {
			id->user = c->unix_user;
			id->domain = nb != NULL ? nb : "";
		}
		id->authenticated = true;
		id->auth_level = RPC_AUTHN_LEVEL_PKT_PRIVACY;
		id->from_unix_socket = true;
		id->uid = c->uid;
		id->gid = c->gid;
		id->pid = c->pid;
	}
	id->peer_addr = c->peer_addr;
	id->peer_port = c->peer_port;
}

/* Checks the call against its interface; 0 or a fault status. */
static uint32_t check_access(struct rpc_conn *c,
                             const struct rpc_iface *iface,
                             const struct rpc_identity *id,
                             uint16_t opnum)
{
	uint8_t min = iface->min_auth_level != 0
	                      ? iface->min_auth_level
	                      : c->srv->cfg.default_min_auth_level;

	if (!id->authenticated && !(iface->flags & RPC_IFACE_ALLOW_ANONYMOUS)) {
		rpc_conn_log(c, LOG_LVL_WARN,
		             "anonymous call to %s opnum %u refused",
		             iface->name ? iface->name : "?", opnum);
		return RPC_FAULT_RPC_S_ACCESS_DENIED;
	}
	if (id->auth_level < min) {
		rpc_conn_log(c, LOG_LVL_WARN,
		             "call to %s opnum %u by '%s' at level %u refused: "
		             "the interface needs level %u",
		             iface->name ? iface->name : "?", opnum, id->user,
		             id->auth_level, min);
		return RPC_FAULT_RPC_S_ACCESS_DENIED;
	}
	if (opnum >= iface->n_ops || iface->ops[opnum].fn == NULL) {
		rpc_conn_log(c, LOG_LVL_INFO, "%s has no opnum %u",
		             iface->name ? iface->name : "?", opnum);
		return RPC_FAULT_NCA_S_OP_RNG_ERROR;
	}
	return 0;
}

static struct rpc_call_priv *new_call(struct rpc_conn *c,
                                      struct rpc_pctx *pctx,
                                      struct rpc_auth_ctx *a,
                                      const struct rpc_identity *id)
{
	struct rpc_reasm *r = &c->reasm;
	const struct rpc_server_limits *lim = &c->srv->cfg.limits;
	void *mem = talloc_new(NULL);
	struct rpc_call *call;
	struct rpc_call_priv *p;

	if (mem == NULL) {
		return NULL;
	}
	call = talloc_zero(mem, struct rpc_call);
	p = talloc_zero(mem, struct rpc_call_priv);
	if (call == NULL || p == NULL) {
		talloc_free(mem);
		return NULL;
	}
	p->stub_in = talloc_steal(mem, r->data);
	p->stub_in_len = r->len;
	r->data = NULL;
	call->mem = mem;
	call->opnum = r->opnum;
	call->p_cont_id = r->p_cont_id;
	call->call_id = r->call_id;
	call->has_object = r->has_object;
	call->object = r->object;
	call->iface = pctx->reg->iface;
	call->iface_arg = pctx->reg->arg;
	call->identity = *id;
	call->conn_id = c->id;
	call->assoc_group = c->group != NULL ? c->group->id : 0;
	call->local_addr = c->local_addr;
	call->local_port = c->local_port;
	call->log = c->srv->log;
	call->priv = p;
	p->call = call;
	p->conn = c;
	p->pctx = pctx;
	p->auth = a;
	atomic_init(&p->cancelled, false);
	buf_init(&p->out, mem);
	p->out.max = lim->max_response;
	if (set_memlimit(mem, lim->max_call_mem) != 0) {
		talloc_free(mem);
		return NULL;
	}
	rpc_reasm_reset(r);
	return p;
}

static void start_call(struct rpc_conn *c, const struct rpc_pdu *last)
{
	struct rpc_reasm *r = &c->reasm;
	struct rpc_pctx *pctx = rpc_assoc_find_pctx(c, r->p_cont_id);
	struct rpc_auth_ctx *a = NULL;
	struct rpc_identity id;
	struct rpc_call_priv *p;
	uint32_t st;

	(void)last;
	if (pctx == NULL) {
		rpc_conn_log(c, LOG_LVL_INFO,
		             "request on unknown presentation context %u",
		             r->p_cont_id);
		reject_call(c, r->call_id, r->p_cont_id,
		            RPC_FAULT_NCA_S_UNK_IF);
		return;
	}
	st = effective_auth(c, pctx, c->reasm_auth, &a);
	if (st == 0) {
		fill_identity(c, a, &id);
		st = check_access(c, pctx->reg->iface, &id, r->opnum);
	}
	if (st == 0 && c->running != NULL &&
	    c->n_queued >= c->srv->cfg.limits.max_queued_calls) {
		rpc_conn_log(c, LOG_LVL_WARN, "too many queued calls");
		st = RPC_FAULT_NCA_S_SERVER_TOO_BUSY;
	}
	if (st != 0) {
		reject_call(c, r->call_id, r->p_cont_id, st);
		return;
	}
	p = new_call(c, pctx, a, &id);
	if (p == NULL) {
		reject_call(c, r->call_id, r->p_cont_id,
		            RPC_FAULT_NCA_S_FAULT_REMOTE_NO_MEMORY);
		return;
	}
	p->sign_response = c->reasm_auth != NULL &&
	                   (c->reasm_auth->auth_level >=
	                            RPC_AUTHN_LEVEL_PKT_INTEGRITY ||
	                    c->reasm_signed);
	c->reasm_auth = NULL;
	pctx->n_calls++;
	if (a != NULL) {
		a->n_calls++;
	}
	c->n_inflight++;
	if (c->running != NULL) {
		if (c->queue_tail != NULL) {
			c->queue_tail->next = p;
		} else {
			c->queue_head = p;
		}
		c->queue_tail = p;
		c->n_queued++;
		return;
	}
	run_call(c, p);
}

void rpc_dispatch_request(struct rpc_conn *c,
                          uint8_t *data,
                          struct rpc_pdu *pdu)
{
	uint8_t flags = pdu->hdr.pfc_flags;
	struct rpc_auth_ctx *a = NULL;
	bool signed_ = false, done = false;
	enum rpc_pdu_err err;
	uint32_t st;

	if (!c->bound) {
		c->srv->stats.protocol_errors++;
		rpc_conn_log(c, LOG_LVL_WARN, "request before bind");
		rpc_conn_send_fault(c, pdu->hdr.call_id, 0,
		                    RPC_FAULT_NCA_S_PROTO_ERROR);
		rpc_conn_close_soon(c, "request before bind");
		return;
	}
	/* Checked even when the fragment is then skipped, so that the
	   sequence numbers and the sealing stream stay in step. */
	st = rpc_auth_check_request(c, data, pdu, &a, &signed_);
	if (c->discarding) {
		if (pdu->hdr.call_id == c->discard_call_id &&
		    !(flags & RPC_PFC_FIRST_FRAG)) {
			if (flags & RPC_PFC_LAST_FRAG) {
				c->discarding = false;
			}
			return;
		}
		c->discarding = false;
	}
	if (st != 0) {
		reject(c, pdu, pdu->u.request.p_cont_id, st);
		return;
	}
	if (c->reasm.active && !(flags & RPC_PFC_FIRST_FRAG) &&
	    (a != c->reasm_auth || signed_ != c->reasm_signed)) {
		rpc_conn_log(c, LOG_LVL_WARN,
		             "fragments of call %u under different security",
		             pdu->hdr.call_id);
		reject(c, pdu, pdu->u.request.p_cont_id,
		       RPC_FAULT_NCA_S_PROTO_ERROR);
		return;
	}
	err = rpc_reasm_add(&c->reasm, pdu, pdu->stub, pdu->stub_len, &done);
	if (err != RPC_PDU_OK) {
		c->srv->stats.protocol_errors++;
		rpc_conn_log(c, LOG_LVL_WARN, "call %u: %s", pdu->hdr.call_id,
		             rpc_pdu_err_name(err));
		reject(c, pdu, pdu->u.request.p_cont_id,
		       rpc_pdu_err_fault(err));
		return;
	}
	if (flags & RPC_PFC_FIRST_FRAG) {
		c->reasm_auth = a;
		c->reasm_signed = signed_;
	}
	if (done) {
		start_call(c, pdu);
	}
}

/* ---- running calls ---- */

static void execute(struct rpc_call_priv *p)
{
	struct rpc_call *call = p->call;
	const struct rpc_op *op = &call->iface->ops[call->opnum];

	if (atomic_load(&p->cancelled)) {
		p->status = RPC_FAULT_RPC_S_CALL_CANCELLED;
		return;
	}
	p->status = op->fn(call, p->stub_in, p->stub_in_len, &p->out);
}

static void pool_push(struct rpc_pool *pool, struct rpc_call_priv *p)
{
	p->next = NULL;
	pthread_mutex_lock(&pool->mu);
	if (pool->todo_tail != NULL) {
		pool->todo_tail->next = p;
	} else {
		pool->todo_head = p;
	}
	pool->todo_tail = p;
	pthread_cond_signal(&pool->cv);
	pthread_mutex_unlock(&pool->mu);
}

static void pool_done(struct rpc_pool *pool, struct rpc_call_priv *p)
{
	p->next = NULL;
	pthread_mutex_lock(&pool->mu);
	if (pool->done_tail != NULL) {
		pool->done_tail->next = p;
	} else {
		pool->done_head = p;
	}
	pool->done_tail = p;
	pthread_mutex_unlock(&pool->mu);
	uv_async_send(&pool->async);
}

static void run_call(struct rpc_conn *c, struct rpc_call_priv *p)
{
	struct rpc_server *srv = c->srv;

	c->running = p;
	srv->stats.calls++;
	p->start_ms = uv_now(srv->loop);
	if (!p->call->iface->run_inline) {
		pool_push(&srv->pool, p);
		return;
	}
	execute(p);
	if (p->status != RPC_CALL_ASYNC) {
		finish_call(p);
	}
}

void rpc_call_complete(struct rpc_call *call, uint32_t status)
{
	struct rpc_call_priv *p = call->priv;

	p->status = status;
	pool_done(&p->conn->srv->pool, p);
}

bool rpc_call_cancelled(const struct rpc_call *call)
{
	return atomic_load(&call->priv->cancelled);
}

static void *worker_main(void *arg)
{
	struct rpc_pool *pool = arg;

	pthread_mutex_lock(&pool->mu);
	for (;;) {
		struct rpc_call_priv *p;

		while (pool->todo_head == NULL && !pool->stop) {
			pthread_cond_wait(&pool->cv, &pool->mu);
		}
		if (pool->todo_head == NULL) {
			break;
		}
		p = pool->todo_head;
		pool->todo_head = p->next;
		if (pool->todo_head == NULL) {
			pool->todo_tail = NULL;
		}
		pthread_mutex_unlock(&pool->mu);
		execute(p);
		if (p->status != RPC_CALL_ASYNC) {
			pool_done(pool, p);
		}
		pthread_mutex_lock(&pool->mu);
	}
	pthread_mutex_unlock(&pool->mu);
	return NULL;
}

static void async_cb(uv_async_t *h)
{
	struct rpc_server *srv = h->data;
	struct rpc_pool *pool = &srv->pool;
	struct rpc_call_priv *p;

	pthread_mutex_lock(&pool->mu);
	p = pool->done_head;
	pool->done_head = pool->done_tail = NULL;
	pthread_mutex_unlock(&pool->mu);
	while (p != NULL) {
		struct rpc_call_priv *next = p->next;

		finish_call(p);
		p = next;
	}
}

int rpc_pool_start(struct rpc_server *srv)
{
	struct rpc_pool *pool = &srv->pool;
	uint32_t n = srv->cfg.limits.n_workers;

	pool->threads = talloc_zero_array(srv, pthread_t, n);
	if (pool->threads == NULL) {
		return -1;
	}
	pthread_mutex_init(&pool->mu, NULL);
	pthread_cond_init(&pool->cv, NULL);
	pool->started = true;
	for (uint32_t i = 0; i < n; i++) {
		if (pthread_create(&pool->threads[i], NULL, worker_main,
		                   pool) != 0) {
			break;
		}
		pool->n_threads++;
	}
	if (pool->n_threads == 0 ||
	    uv_async_init(srv->loop, &pool->async, async_cb) != 0) {
		rpc_pool_stop(srv);
		return -1;
	}
	pool->async.data = srv;
	return 0;
}

void rpc_pool_stop(struct rpc_server *srv)
{
	struct rpc_pool *pool = &srv->pool;

	if (!pool->started) {
		return;
	}
	pthread_mutex_lock(&pool->mu);
	pool->stop = true;
	pthread_cond_broadcast(&pool->cv);
	pthread_mutex_unlock(&pool->mu);
	for (uint32_t i = 0; i < pool->n_threads; i++) {
		pthread_join(pool->threads[i], NULL);
	}
	pool->n_threads = 0;
	pool->started = false;
	pthread_cond_destroy(&pool->cv);
	pthread_mutex_destroy(&pool->mu);
}

/* ---- responses ---- */

/*
 * A long signed or sealed response goes out in batches: each batch is
 * protected and handed to the socket before the next is protected, so the
 * client decrypts the first fragments while we seal the rest.  Every
 * batch but the last is written with a no-op owner; [owner] (all
 * fragments) goes with the last one.
 */
static void write_batches(struct rpc_conn *c,
                          struct rpc_call_priv *p,
                          void *owner,
                          struct rpc_frag *frags,
                          uv_buf_t *bufs,
                          size_t n)
{
	for (size_t at = 0; at < n; at += WRITE_BATCH) {
		size_t k = n - at < WRITE_BATCH ? n - at : WRITE_BATCH;
		bool last = at + k == n;

		for (size_t i = at; p->sign_response && i < at + k; i++) {
			if (hr_failed(rpc_auth_protect(p->auth, &frags[i]))) {
				/* Part of the response is out: the stream
				   cannot be repaired. */
				talloc_free(owner);
				rpc_conn_close(c, "cannot seal a response");
				return;
			}
		}
		/* The fragments stay owned by [owner], which is stolen by
		   the last write, so earlier writes get an empty owner. */
		rpc_conn_write(c, last ? owner : talloc_new(NULL), bufs + at,
		               (unsigned)k);
		if (c->closing) {
			if (!last) {
				talloc_free(owner);
			}
			return;
		}
	}
}

static void respond(struct rpc_conn *c, struct rpc_call_priv *p)
{
	struct rpc_call *call = p->call;
	struct rpc_frag_args args;
	struct rpc_frag *frags = NULL;
	size_t n = 0;
	void *owner;
	uv_buf_t *bufs;
	uint32_t st = p->status;

	if (st == 0 && hr_failed(p->out.error)) {
		rpc_conn_log(c, LOG_LVL_WARN,
		             "%s opnum %u: response larger than max_response",
		             call->iface->name ? call->iface->name : "?",
		             call->opnum);
		st = RPC_FAULT_NCA_S_FAULT_REMOTE_NO_MEMORY;
	}
	if (st != 0) {
		rpc_conn_send_fault(c, call->call_id, call->p_cont_id, st);
		return;
	}
	memset(&args, 0, sizeof(args));
	args.ptype = RPC_PTYPE_RESPONSE;
	args.call_id = call->call_id;
	args.p_cont_id = call->p_cont_id;
	args.max_frag = c->max_xmit;
	if (p->sign_response) {
		args.has_auth = true;
		args.auth.auth_type = p->auth->auth_type;
		args.auth.auth_level = p->auth->auth_level;
		args.auth.auth_context_id = p->auth->id;
		args.auth_length = NTLM_SIG_SIZE;
	}
	owner = talloc_new(NULL);
	if (owner == NULL ||
	    rpc_fragment(owner, &args, (const uint8_t *)p->out.data, p->out.len,
	                 &frags, &n) != RPC_PDU_OK ||
	    n > 0xFFFFFFu) {
		talloc_free(owner);
		rpc_conn_send_fault(c, call->call_id, call->p_cont_id,
		                    RPC_FAULT_NCA_S_FAULT_REMOTE_NO_MEMORY);
		return;
	}
	bufs = talloc_array(owner, uv_buf_t, n);
	if (bufs == NULL) {
		talloc_free(owner);
		rpc_conn_send_fault(c, call->call_id, call->p_cont_id,
		                    RPC_FAULT_NCA_S_FAULT_REMOTE_NO_MEMORY);
		return;
	}
	if (p->sign_response) {
		/* A failure here leaves the fragments unsent: fault. */
		for (size_t i = 0; i < n && n <= WRITE_BATCH; i++) {
			if (hr_failed(rpc_auth_protect(p->auth, &frags[i]))) {
				talloc_free(owner);
				rpc_conn_send_fault(
				        c, call->call_id, call->p_cont_id,
				        RPC_FAULT_RPC_S_SEC_PKG_ERROR);
				return;
			}
		}
	}
	for (size_t i = 0; i < n; i++) {
		bufs[i] = uv_buf_init((char *)frags[i].data,
		                      (unsigned)frags[i].len);
	}
	if (n <= WRITE_BATCH) {
		rpc_conn_write(c, owner, bufs, (unsigned)n);
		return;
	}
	write_batches(c, p, owner, frags, bufs, n);
}

static void release_call(struct rpc_conn *c, struct rpc_call_priv *p)
{
	p->pctx->n_calls--;
	if (p->auth != NULL) {
		p->auth->n_calls--;
	}
	c->n_inflight--;
	talloc_free(p->call->mem);
}

static void finish_call(struct rpc_call_priv *p)
{
	struct rpc_conn *c = p->conn;
	struct rpc_call_priv *next;

	if (c->running == p) {
		c->running = NULL;
	}
	if (!c->closing && !p->orphaned) {
		respond(c, p);
	}
	release_call(c, p);
	if (c->closing) {
		rpc_conn_maybe_free(c);
		return;
	}
	c->last_activity_ms = uv_now(c->srv->loop);
	next = c->queue_head;
	if (next != NULL) {
		c->queue_head = next->next;
		if (c->queue_head == NULL) {
			c->queue_tail = NULL;
		}
		c->n_queued--;
		next->next = NULL;
		run_call(c, next);
		return;
	}
	if (c->close_after_write && c->n_inflight == 0 && c->n_writes == 0) {
		rpc_conn_close(c, NULL);
	}
}

void rpc_dispatch_conn_closing(struct rpc_conn *c)
{
	struct rpc_call_priv *p = c->queue_head;

	c->queue_head = c->queue_tail = NULL;
	c->n_queued = 0;
	while (p != NULL) {
		struct rpc_call_priv *next = p->next;

		release_call(c, p);
		p = next;
	}
	if (c->running != NULL) {
		atomic_store(&c->running->cancelled, true);
	}
}

void rpc_dispatch_cancel(struct rpc_conn *c, struct rpc_pdu *pdu)
{
	uint32_t call_id = pdu->hdr.call_id;
	bool orphan = pdu->hdr.ptype == RPC_PTYPE_ORPHANED;
	struct rpc_call_priv **pp;

	if (c->reasm.active && c->reasm.call_id == call_id && orphan) {
		rpc_reasm_reset(&c->reasm);
		c->reasm_auth = NULL;
	}
	if (c->running != NULL && c->running->call->call_id == call_id) {
		atomic_store(&c->running->cancelled, true);
		c->running->orphaned |= orphan;
	}
	for (pp = &c->queue_head; *pp != NULL;) {
		struct rpc_call_priv *p = *pp;

		if (p->call->call_id != call_id) {
			pp = &p->next;
			continue;
		}
		atomic_store(&p->cancelled, true);
		if (!orphan) {
			pp = &p->next;
			continue;
		}
		*pp = p->next;
		c->n_queued--;
		release_call(c, p);
	}
	c->queue_tail = NULL;
	for (struct rpc_call_priv *p = c->queue_head; p != NULL; p = p->next) {
		c->queue_tail = p;
	}
	rpc_conn_log(c, LOG_LVL_DEBUG, "%s for call %u",
	             orphan ? "orphaned" : "co_cancel", call_id);
}
