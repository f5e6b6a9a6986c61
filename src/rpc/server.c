/*
 * server: the server object of the DCE/RPC runtime (rpc layer): config,
 * interface registry, association groups, the sweep timer (idle and
 * slow-client timeouts), shutdown and statistics.  See server.h for the
 * contracts and server-int.h for the object graph.
 */
#include "rpc/server.h"

#include <stdlib.h>
#include <string.h>
#include <sys/random.h>
#include <talloc.h>
#include <time.h>

#include "rpc/server-int.h"

#define SWEEP_MIN_MS 5
#define SWEEP_MAX_MS 1000

static uint32_t or_default(uint32_t v, uint32_t def)
{
	return v != 0 ? v : def;
}

static void resolve_limits(struct rpc_server_limits *l)
{
	l->max_connections = or_default(l->max_connections,
	                                RPC_SERVER_DEFAULT_MAX_CONNECTIONS);
	l->max_conn_per_peer = or_default(l->max_conn_per_peer,
	                                  RPC_SERVER_DEFAULT_MAX_CONN_PER_PEER);
	if (l->max_frag == 0) {
		l->max_frag = RPC_SERVER_DEFAULT_MAX_FRAG;
	}
	if (l->max_frag < RPC_MIN_FRAG) {
		l->max_frag = RPC_MIN_FRAG;
	}
	if (l->max_message == 0) {
		l->max_message = RPC_SERVER_DEFAULT_MAX_MESSAGE;
	}
	if (l->max_response == 0) {
		l->max_response = RPC_SERVER_DEFAULT_MAX_RESPONSE;
	}
	if (l->max_call_mem == 0) {
		l->max_call_mem = RPC_SERVER_DEFAULT_MAX_CALL_MEM;
	}
	l->max_contexts = or_default(l->max_contexts,
	                             RPC_SERVER_DEFAULT_MAX_CONTEXTS);
	l->max_auth_contexts = or_default(l->max_auth_contexts,
	                                  RPC_SERVER_DEFAULT_MAX_AUTH_CONTEXTS);
	l->max_queued_calls = or_default(l->max_queued_calls,
	                                 RPC_SERVER_DEFAULT_MAX_QUEUED_CALLS);
	l->idle_timeout_ms = or_default(l->idle_timeout_ms,
	                                RPC_SERVER_DEFAULT_IDLE_TIMEOUT_MS);
	l->slow_client_timeout_ms = or_default(
	        l->slow_client_timeout_ms, RPC_SERVER_DEFAULT_SLOW_CLIENT_MS);
	l->shutdown_grace_ms = or_default(l->shutdown_grace_ms,
	                                  RPC_SERVER_DEFAULT_SHUTDOWN_GRACE_MS);
	l->n_workers = or_default(l->n_workers, RPC_SERVER_DEFAULT_N_WORKERS);
	if (l->port_min == 0) {
		l->port_min = RPC_SERVER_DEFAULT_PORT_MIN;
	}
	if (l->port_max == 0) {
		l->port_max = RPC_SERVER_DEFAULT_PORT_MAX;
	}
	if (l->port_max < l->port_min) {
		l->port_max = l->port_min;
	}
}

static char *dup_opt(void *mem, const char *s, bool *ok)
{
	char *d;

	if (s == NULL) {
		return NULL;
	}
	d = talloc_strdup(mem, s);
	if (d == NULL) {
		*ok = false;
	}
	return d;
}

uint64_t rpc_srv_random(struct rpc_server *srv)
{
	/* xorshift64*: port picking and group ids, not secrets. */
	uint64_t x = srv->rng;

	x ^= x >> 12;
	x ^= x << 25;
	x ^= x >> 27;
	srv->rng = x;
	return x * 0x2545F4914F6CDD1DULL;
}

static void sweep_cb(uv_timer_t *t);

static void handle_closed(uv_handle_t *h)
{
	struct rpc_server *srv = h->data;

	srv->n_handles--;
	rpc_srv_shutdown_progress(srv);
}

static int server_destructor(struct rpc_server *srv)
{
	/* Freeing a server whose handles are open is a caller bug. */
	if (srv->n_handles != 0 || srv->conns != NULL) {
		abort();
	}
	return 0;
}

static uint64_t sweep_interval(const struct rpc_server_limits *l)
{
	uint64_t m = l->idle_timeout_ms;

	if (l->slow_client_timeout_ms < m) {
		m = l->slow_client_timeout_ms;
	}
	m /= 4;
	if (m < SWEEP_MIN_MS) {
		m = SWEEP_MIN_MS;
	}
	if (m > SWEEP_MAX_MS) {
		m = SWEEP_MAX_MS;
	}
	return m;
}

struct rpc_server *rpc_server_new(void *mem,
                                  uv_loop_t *loop,
                                  const struct rpc_server_config *cfg)
{
	struct rpc_server *srv;
	struct rpc_server_auth *a;
	bool ok = true;
	uint64_t seed = 0;

	if (loop == NULL || cfg == NULL) {
		return NULL;
	}
	srv = talloc_zero(mem, struct rpc_server);
	if (srv == NULL) {
		return NULL;
	}
	srv->loop = loop;
	srv->cfg = *cfg;
	resolve_limits(&srv->cfg.limits);
	srv->log = cfg->log;
	a = &srv->cfg.auth;
	a->nb_computer = dup_opt(srv, cfg->auth.nb_computer, &ok);
	a->nb_domain = dup_opt(srv, cfg->auth.nb_domain, &ok);
	a->dns_computer = dup_opt(srv, cfg->auth.dns_computer, &ok);
	a->dns_domain = dup_opt(srv, cfg->auth.dns_domain, &ok);
	a->dns_tree = dup_opt(srv, cfg->auth.dns_tree, &ok);
	srv->rbuf_len = 65536;
	srv->rbuf = talloc_size(srv, srv->rbuf_len);
	if (!ok || srv->rbuf == NULL) {
		talloc_free(srv);
		return NULL;
	}
	if (getrandom(&seed, sizeof(seed), GRND_NONBLOCK) != sizeof(seed)) {
		seed = (uint64_t)time(NULL) ^ (uint64_t)(uintptr_t)srv;
	}
	srv->rng = seed | 1;
	srv->next_group = 0x1000 + (uint32_t)(rpc_srv_random(srv) & 0xfffff);
	srv->next_conn_id = 1;
	if (rpc_pool_start(srv) != 0) {
		talloc_free(srv);
		return NULL;
	}
	srv->pool.async.data = srv;
	srv->n_handles++; /* pool.async, opened by rpc_pool_start */
	uv_timer_init(loop, &srv->sweep);
	srv->sweep.data = srv;
	srv->n_handles++;
	uv_timer_init(loop, &srv->grace);
	srv->grace.data = srv;
	srv->n_handles++;
	srv->sweep_ms = sweep_interval(&srv->cfg.limits);
	uv_timer_start(&srv->sweep, sweep_cb, srv->sweep_ms, srv->sweep_ms);
	talloc_set_destructor(srv, server_destructor);
	return srv;
}

hresult rpc_server_register_iface(struct rpc_server *srv,
                                  const struct rpc_iface *iface,
                                  void *arg)
{
	struct rpc_iface_reg *r;

	if (srv == NULL || iface == NULL ||
	    (iface->n_ops != 0 && iface->ops == NULL)) {
		return HR_E_INVALIDARG;
	}
	if (rpc_srv_find_iface(srv, &iface->syntax) != NULL) {
		return HR_E_INVALIDARG;
	}
	r = talloc_zero(srv, struct rpc_iface_reg);
	if (r == NULL) {
		return HR_E_OUTOFMEMORY;
	}
	r->iface = iface;
	r->arg = arg;
	r->next = srv->ifaces;
	srv->ifaces = r;
	return HR_S_OK;
}

const struct rpc_iface_reg *rpc_srv_find_iface(struct rpc_server *srv,
                                               const struct rpc_syntax_id *s)
{
	for (struct rpc_iface_reg *r = srv->ifaces; r != NULL; r = r->next) {
		if (rpc_syntax_equal(&r->iface->syntax, s)) {
			return r;
		}
	}
	return NULL;
}

struct rpc_group *rpc_group_new(struct rpc_server *srv)
{
	struct rpc_group *g = talloc_zero(srv, struct rpc_group);

	if (g == NULL) {
		return NULL;
	}
	do {
		g->id = srv->next_group++;
	} while (g->id == 0 || rpc_group_find(srv, g->id) != NULL);
	g->n_conns = 1;
	g->next = srv->groups;
	srv->groups = g;
	return g;
}

struct rpc_group *rpc_group_find(struct rpc_server *srv, uint32_t id)
{
	for (struct rpc_group *g = srv->groups; g != NULL; g = g->next) {
		if (g->id == id) {
			return g;
		}
	}
	return NULL;
}

void rpc_group_unref(struct rpc_server *srv, struct rpc_group *g)
{
	struct rpc_group **pp;

	if (g == NULL || --g->n_conns != 0) {
		return;
	}
	for (pp = &srv->groups; *pp != NULL; pp = &(*pp)->next) {
		if (*pp == g) {
			*pp = g->next;
			break;
		}
	}
	talloc_free(g);
}

static void sweep_conn(struct rpc_conn *c, uint64_t now)
{
	const struct rpc_server_limits *l = &c->srv->cfg.limits;

	if (c->closing) {
		return;
	}
	if (c->partial_since_ms != 0 &&
	    now - c->partial_since_ms >= l->slow_client_timeout_ms) {
		c->srv->stats.timeouts++;
		rpc_conn_close(c, "slow client: a PDU or call stayed "
		                  "incomplete past the timeout");
		return;
	}
	if (c->n_inflight == 0 && c->partial_since_ms == 0 &&
	    now - c->last_activity_ms >= l->idle_timeout_ms) {
		c->srv->stats.timeouts++;
		rpc_conn_close(c, "idle timeout");
	}
}

static void sweep_cb(uv_timer_t *t)
{
	struct rpc_server *srv = t->data;
	uint64_t now = uv_now(srv->loop);
	struct rpc_conn *c = srv->conns;

	while (c != NULL) {
		struct rpc_conn *next = c->next;

		sweep_conn(c, now);
		c = next;
	}
}

static void grace_cb(uv_timer_t *t)
{
	struct rpc_server *srv = t->data;
	struct rpc_conn *c = srv->conns;

	srv->grace_over = true;
	while (c != NULL) {
		struct rpc_conn *next = c->next;

		if (c->running != NULL) {
			atomic_store(&c->running->cancelled, true);
		}
		rpc_conn_close(c, "server shutdown: grace period over");
		c = next;
	}
}

void rpc_srv_shutdown_progress(struct rpc_server *srv)
{
	if (!srv->shutting_down) {
		return;
	}
	if (srv->conns != NULL || srv->listeners != NULL) {
		return;
	}
	if (srv->pool.started) {
		rpc_pool_stop(srv);
		uv_close((uv_handle_t *)&srv->pool.async, handle_closed);
		uv_close((uv_handle_t *)&srv->sweep, handle_closed);
		uv_close((uv_handle_t *)&srv->grace, handle_closed);
		return;
	}
	if (srv->n_handles == 0 && !srv->done_called) {
		srv->done_called = true;
		log_msg(srv->log, LOG_LVL_INFO, RPC_LOG, "server stopped");
		if (srv->done != NULL) {
			srv->done(srv->done_arg);
		}
	}
}

void rpc_server_shutdown(struct rpc_server *srv,
                         void (*done)(void *arg),
                         void *arg)
{
	struct rpc_listener *l;
	struct rpc_conn *c;

	if (srv->shutting_down) {
		return;
	}
	srv->shutting_down = true;
	srv->done = done;
	srv->done_arg = arg;
	log_msg(srv->log, LOG_LVL_INFO, RPC_LOG,
	        "shutting down: %u connections open", srv->n_conns);
	l = srv->listeners;
	while (l != NULL) {
		struct rpc_listener *next = l->next;

		rpc_listener_close(l);
		l = next;
	}
	c = srv->conns;
	while (c != NULL) {
		struct rpc_conn *next = c->next;

		if (c->n_inflight == 0) {
			struct rpc_pdu pdu;

			if (c->bound) {
				rpc_pdu_init(&pdu, RPC_PTYPE_SHUTDOWN, 0);
				rpc_conn_send_pdu(c, &pdu);
			}
			rpc_conn_close_soon(c, "server shutdown");
		} else {
			c->close_after_write = true;
			if (c->reading) {
				c->ops->read_stop(c);
				c->reading = false;
			}
		}
		c = next;
	}
	uv_timer_start(&srv->grace, grace_cb, srv->cfg.limits.shutdown_grace_ms,
	               0);
	rpc_srv_shutdown_progress(srv);
}

void rpc_server_stats(const struct rpc_server *srv,
                      struct rpc_server_stats *out)
{
	*out = srv->stats;
	out->conns_open = srv->n_conns;
}
