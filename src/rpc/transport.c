/*
 * transport: ncacn_ip_tcp and ncalrpc (AF_UNIX) for the server runtime
 * (rpc layer): listeners, accept with the connection limits, and the
 * transport vtable (accept, identify, read, write, close).  Sign and seal
 * are not here: they belong to the RPC runtime (auth.c).
 *
 * TCP listeners are made with plain sockets and handed to libuv, so that
 * a port picked at random inside the dynamic range is known to be free
 * (bind(2) fails at once) before libuv owns it.
 */
#include <arpa/inet.h>
#include <errno.h>
#include <netinet/in.h>
#include <pwd.h>
#include <stdio.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>
#include <talloc.h>
#include <unistd.h>

#include "rpc/server-int.h"

#define LISTEN_BACKLOG 1024
#define PORT_TRIES     64

/* ---- the stream part, shared by both transports ---- */

static void alloc_cb(uv_handle_t *h, size_t hint, uv_buf_t *buf)
{
	struct rpc_conn *c = h->data;

	(void)hint;
	/* One shared buffer: libuv calls read_cb before the next alloc. */
	buf->base = (char *)c->srv->rbuf;
	buf->len = c->srv->rbuf_len;
}

static void read_cb(uv_stream_t *s, ssize_t nread, const uv_buf_t *buf)
{
	struct rpc_conn *c = s->data;

	if (nread > 0) {
		c->srv->stats.bytes_in += (uint64_t)nread;
		rpc_conn_feed(c, (uint8_t *)buf->base, (size_t)nread);
		return;
	}
	if (nread == UV_EOF) {
		rpc_conn_close(c, NULL);
	} else if (nread < 0) {
		rpc_conn_close(c, uv_strerror((int)nread));
	}
}

static int stream_read_start(struct rpc_conn *c)
{
	return uv_read_start(&c->h.stream, alloc_cb, read_cb);
}

static void stream_read_stop(struct rpc_conn *c)
{
	uv_read_stop(&c->h.stream);
}

static int stream_write(struct rpc_conn *c,
                        uv_write_t *req,
                        const uv_buf_t *bufs,
                        unsigned n,
                        uv_write_cb cb)
{
	return uv_write(req, &c->h.stream, bufs, n, cb);
}

static void stream_close(struct rpc_conn *c, uv_close_cb cb)
{
	uv_close(&c->h.handle, cb);
}

/* ---- TCP ---- */

static void format_addr(const struct sockaddr_storage *ss,
                        char *out,
                        size_t n,
                        uint16_t *port)
{
	out[0] = '\0';
	*port = 0;
	if (ss->ss_family == AF_INET) {
		const struct sockaddr_in *in = (const struct sockaddr_in *)ss;

		inet_ntop(AF_INET, &in->sin_addr, out, (socklen_t)n);
		*port = ntohs(in->sin_port);
	} else if (ss->ss_family == AF_INET6) {
		const struct sockaddr_in6 *in6 = (const struct sockaddr_in6 *)
		        ss;

		inet_ntop(AF_INET6, &in6->sin6_addr, out, (socklen_t)n);
		*port = ntohs(in6->sin6_port);
	}
}

static int tcp_accept(struct rpc_conn *c, uv_stream_t *listener)
{
	int rc = uv_tcp_init(c->srv->loop, &c->h.tcp);

	if (rc != 0) {
		return rc;
	}
	c->h.handle.data = c;
	rc = uv_accept(listener, &c->h.stream);
	if (rc == 0) {
		uv_tcp_nodelay(&c->h.tcp, 1);
	}
	return rc;
}

static hresult tcp_identify(struct rpc_conn *c)
{
	struct sockaddr_storage ss;
	int len = sizeof(ss);

	memset(&ss, 0, sizeof(ss));
	if (uv_tcp_getpeername(&c->h.tcp, (struct sockaddr *)&ss, &len) != 0) {
		return HR_RPC_S_CALL_FAILED;
	}
	format_addr(&ss, c->peer_addr, sizeof(c->peer_addr), &c->peer_port);
	len = sizeof(ss);
	memset(&ss, 0, sizeof(ss));
	if (uv_tcp_getsockname(&c->h.tcp, (struct sockaddr *)&ss, &len) != 0) {
		return HR_RPC_S_CALL_FAILED;
	}
	format_addr(&ss, c->local_addr, sizeof(c->local_addr), &c->local_port);
	return HR_S_OK;
}

const struct rpc_transport_ops rpc_transport_tcp = {
	.name = "ncacn_ip_tcp",
	.accept = tcp_accept,
	.identify = tcp_identify,
	.read_start = stream_read_start,
	.read_stop = stream_read_stop,
	.write = stream_write,
	.close = stream_close,
};

/* ---- AF_UNIX ---- */

static int unix_accept(struct rpc_conn *c, uv_stream_t *listener)
{
	int rc = uv_pipe_init(c->srv->loop, &c->h.pipe, 0);

	if (rc != 0) {
		return rc;
	}
	c->h.handle.data = c;
	return uv_accept(listener, &c->h.stream);
}

static hresult unix_identify(struct rpc_conn *c)
{
	struct ucred cred;
	socklen_t len = sizeof(cred);
	uv_os_fd_t fd;
	struct passwd pw, *res = NULL;
	char pwbuf[1024];

	if (uv_fileno(&c->h.handle, &fd) != 0 ||
	    getsockopt(fd, SOL_SOCKET, SO_PEERCRED, &cred, &len) != 0) {
		return HR_RPC_S_CALL_FAILED;
	}
	c->uid = cred.uid;
	c->gid = cred.gid;
	c->pid = cred.pid;
	snprintf(c->peer_addr, sizeof(c->peer_addr), "unix");
	c->peer_port = 0;
	snprintf(c->local_addr, sizeof(c->local_addr), "%s",
	         c->listener != NULL && c->listener->path != NULL
	                 ? c->listener->path
	                 : "");
	c->local_port = 0;
	if (getpwuid_r(cred.uid, &pw, pwbuf, sizeof(pwbuf), &res) == 0 &&
	    res != NULL) {
		c->unix_user = talloc_strdup(c, pw.pw_name);
	} else {
		c->unix_user = talloc_asprintf(c, "uid%u", (unsigned)cred.uid);
	}
	return c->unix_user != NULL ? HR_S_OK : HR_E_OUTOFMEMORY;
}

const struct rpc_transport_ops rpc_transport_unix = {
	.name = "ncalrpc",
	.accept = unix_accept,
	.identify = unix_identify,
	.read_start = stream_read_start,
	.read_stop = stream_read_stop,
	.write = stream_write,
	.close = stream_close,
};

/* ---- accepting ---- */

static struct rpc_peer *peer_get(struct rpc_server *srv, const char *addr)
{
	struct rpc_peer *p;

	for (p = srv->peers; p != NULL; p = p->next) {
		if (strcmp(p->addr, addr) == 0) {
			return p;
		}
	}
	p = talloc_zero(srv, struct rpc_peer);
	if (p == NULL) {
		return NULL;
	}
	snprintf(p->addr, sizeof(p->addr), "%s", addr);
	p->next = srv->peers;
	srv->peers = p;
	return p;
}

static void refused_closed(uv_handle_t *h)
{
	talloc_free(h->data);
}

static void refuse(struct rpc_conn *c, const char *why)
{
	struct rpc_server *srv = c->srv;

	srv->stats.conns_refused++;
	log_msg(srv->log, LOG_LVL_WARN, RPC_LOG,
	        "refused %s connection from %s: %s", c->ops->name,
	        c->peer_addr[0] != '\0' ? c->peer_addr : "?", why);
	c->ops->close(c, refused_closed);
}

void rpc_conn_accept(struct rpc_listener *l)
{
	struct rpc_server *srv = l->srv;
	const struct rpc_server_limits *lim = &srv->cfg.limits;
	struct rpc_conn *c = talloc_zero(srv, struct rpc_conn);

	if (c == NULL) {
		return; /* the connection stays in the backlog */
	}
	c->srv = srv;
	c->ops = l->ops;
	c->listener = l;
	c->is_unix = l->ops == &rpc_transport_unix;
	c->sec_addr = l->sec_addr;
	if (c->ops->accept(c, &l->h.stream) != 0) {
		/* The handle was initialised (or not): close it either way. */
		if (uv_is_closing(&c->h.handle) == 0 &&
		    c->h.handle.loop != NULL) {
			c->ops->close(c, refused_closed);
		} else {
			talloc_free(c);
		}
		return;
	}
	if (hr_failed(c->ops->identify(c))) {
		refuse(c, "cannot identify the peer");
		return;
	}
	if (srv->shutting_down) {
		refuse(c, "server shutting down");
		return;
	}
	if (srv->n_conns >= lim->max_connections) {
		refuse(c, "max_connections reached");
		return;
	}
	if (!c->is_unix) {
		c->peer = peer_get(srv, c->peer_addr);
		if (c->peer == NULL) {
			refuse(c, "out of memory");
			return;
		}
		if (c->peer->n_conns >= lim->max_conn_per_peer) {
			c->peer = NULL;
			refuse(c, "max_conn_per_peer reached");
			return;
		}
		if (srv->cfg.accept_filter != NULL &&
		    !srv->cfg.accept_filter(srv->cfg.accept_filter_arg,
		                            c->peer_addr, c->local_port)) {
			c->peer = NULL;
			refuse(c, "accept filter");
			return;
		}
		c->peer->n_conns++;
	}
	c->id = srv->next_conn_id++;
	c->counted = true;
	srv->n_conns++;
	srv->stats.conns_accepted++;
	c->next = srv->conns;
	if (srv->conns != NULL) {
		srv->conns->prev = c;
	}
	srv->conns = c;
	c->max_xmit = lim->max_frag;
	c->max_recv = lim->max_frag;
	rpc_reasm_init(&c->reasm, c, lim->max_message, c->max_recv);
	c->last_activity_ms = uv_now(srv->loop);
	if (c->ops->read_start(c) != 0) {
		rpc_conn_close(c, "read start failed");
		return;
	}
	c->reading = true;
	log_msg(srv->log, LOG_LVL_DEBUG, RPC_LOG,
	        "conn %llu: %s connection from %s:%u",
	        (unsigned long long)c->id, c->ops->name, c->peer_addr,
	        c->peer_port);
}

static void on_connection(uv_stream_t *s, int status)
{
	struct rpc_listener *l = s->data;

	if (status != 0) {
		log_msg(l->srv->log, LOG_LVL_WARN, RPC_LOG, "accept: %s",
		        uv_strerror(status));
		return;
	}
	rpc_conn_accept(l);
}

/* ---- listeners ---- */

static void listener_closed(uv_handle_t *h)
{
	struct rpc_listener *l = h->data;
	struct rpc_server *srv = l->srv;
	struct rpc_listener **pp;

	for (pp = &srv->listeners; *pp != NULL; pp = &(*pp)->next) {
		if (*pp == l) {
			*pp = l->next;
			break;
		}
	}
	talloc_free(l);
	rpc_srv_shutdown_progress(srv);
}

void rpc_listener_close(struct rpc_listener *l)
{
	if (l == NULL || l->closing) {
		return;
	}
	l->closing = true;
	for (struct rpc_conn *c = l->srv->conns; c != NULL; c = c->next) {
		if (c->listener == l) {
			c->listener = NULL;
		}
	}
	if (l->path != NULL) {
		unlink(l->path);
	}
	log_msg(l->srv->log, LOG_LVL_INFO, RPC_LOG, "stopped listening on %s",
	        l->path != NULL ? l->path : l->sec_addr);
	uv_close(&l->h.handle, listener_closed);
}

static int parse_addr(const char *addr,
                      uint16_t port,
                      struct sockaddr_storage *ss,
                      socklen_t *len)
{
	memset(ss, 0, sizeof(*ss));
	if (uv_ip4_addr(addr, port, (struct sockaddr_in *)ss) == 0) {
		*len = sizeof(struct sockaddr_in);
		return 0;
	}
	if (uv_ip6_addr(addr, port, (struct sockaddr_in6 *)ss) == 0) {
		*len = sizeof(struct sockaddr_in6);
		return 0;
	}
	return -1;
}

static void set_port(struct sockaddr_storage *ss, uint16_t port)
{
	if (ss->ss_family == AF_INET) {
		((struct sockaddr_in *)ss)->sin_port = htons(port);
	} else {
		((struct sockaddr_in6 *)ss)->sin6_port = htons(port);
	}
}

/* Binds [fd] to [port], or to a free port of the range when it is 0. */
static int bind_port(struct rpc_server *srv,
                     int fd,
                     struct sockaddr_storage *ss,
                     socklen_t len,
                     uint16_t port)
{
	const struct rpc_server_limits *l = &srv->cfg.limits;
	uint32_t span = (uint32_t)l->port_max - l->port_min + 1;

	if (port != 0) {
		set_port(ss, port);
		return bind(fd, (struct sockaddr *)ss, len) == 0 ? 0 : errno;
	}
	for (int i = 0; i < PORT_TRIES; i++) {
		uint16_t p = (uint16_t)(l->port_min +
		                        rpc_srv_random(srv) % span);

		set_port(ss, p);
		if (bind(fd, (struct sockaddr *)ss, len) == 0) {
			return 0;
		}
		if (errno != EADDRINUSE && errno != EACCES) {
			return errno;
		}
	}
	for (uint32_t i = 0; i < span; i++) {
		set_port(ss, (uint16_t)(l->port_min + i));
		if (bind(fd, (struct sockaddr *)ss, len) == 0) {
			return 0;
		}
	}
	return EADDRINUSE;
}

static struct rpc_listener *listener_new(struct rpc_server *srv,
                                         const struct rpc_transport_ops *ops)
{
	struct rpc_listener *l = talloc_zero(srv, struct rpc_listener);

	if (l != NULL) {
		l->srv = srv;
		l->ops = ops;
	}
	return l;
}

static hresult listener_start(struct rpc_listener *l,
                              struct rpc_listener **out,
                              struct errinfo *ei)
{
	struct rpc_server *srv = l->srv;
	int rc;

	l->h.handle.data = l;
	rc = uv_listen(&l->h.stream, LISTEN_BACKLOG, on_connection);
	if (rc != 0) {
		err_set(ei, HR_RPC_S_SERVER_UNAVAILABLE, RPC_LOG,
		        "listen on %s: %s", l->sec_addr, uv_strerror(rc));
		l->closing = true;
		l->next = srv->listeners;
		srv->listeners = l;
		uv_close(&l->h.handle, listener_closed);
		return HR_RPC_S_SERVER_UNAVAILABLE;
	}
	l->next = srv->listeners;
	srv->listeners = l;
	if (out != NULL) {
		*out = l;
	}
	return HR_S_OK;
}

hresult rpc_server_listen_tcp(struct rpc_server *srv,
                              const char *addr,
                              uint16_t port,
                              uint16_t *bound_port,
                              struct rpc_listener **out,
                              struct errinfo *ei)
{
	struct sockaddr_storage ss;
	socklen_t len;
	struct rpc_listener *l;
	int fd, one = 1, err;

	if (addr == NULL || parse_addr(addr, 0, &ss, &len) != 0) {
		return err_set(ei, HR_E_INVALIDARG, RPC_LOG,
		               "bad listen address '%s'", addr ? addr : "");
	}
	if (srv->shutting_down) {
		return err_set(ei, HR_RPC_S_SERVER_UNAVAILABLE, RPC_LOG,
		               "server is shutting down");
	}
	fd = socket(ss.ss_family, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC,
	            0);
	if (fd < 0) {
		return err_set(ei, HR_RPC_S_SERVER_UNAVAILABLE, RPC_LOG,
		               "socket: %s", strerror(errno));
	}
	setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof(one));
	err = bind_port(srv, fd, &ss, len, port);
	if (err == 0 && listen(fd, LISTEN_BACKLOG) != 0) {
		err = errno;
	}
	if (err != 0) {
		close(fd);
		return err_set(ei, HR_RPC_S_SERVER_UNAVAILABLE, RPC_LOG,
		               "listen on %s port %u: %s", addr, port,
		               strerror(err));
	}
	len = sizeof(ss);
	getsockname(fd, (struct sockaddr *)&ss, &len);
	l = listener_new(srv, &rpc_transport_tcp);
	if (l == NULL) {
		close(fd);
		return HR_E_OUTOFMEMORY;
	}
	format_addr(&ss, l->sec_addr, sizeof(l->sec_addr), &l->port);
	snprintf(l->sec_addr, sizeof(l->sec_addr), "%u", l->port);
	if (uv_tcp_init(srv->loop, &l->h.tcp) != 0) {
		close(fd);
		talloc_free(l);
		return HR_E_OUTOFMEMORY;
	}
	l->h.handle.data = l;
	if (uv_tcp_open(&l->h.tcp, fd) != 0) {
		close(fd);
		l->closing = true;
		l->next = srv->listeners;
		srv->listeners = l;
		uv_close(&l->h.handle, listener_closed);
		return err_set(ei, HR_RPC_S_SERVER_UNAVAILABLE, RPC_LOG,
		               "cannot use the listening socket");
	}
	if (hr_failed(listener_start(l, out, ei))) {
		return HR_RPC_S_SERVER_UNAVAILABLE;
	}
	if (bound_port != NULL) {
		*bound_port = l->port;
	}
	log_msg(srv->log, LOG_LVL_INFO, RPC_LOG,
	        "listening on ncacn_ip_tcp %s port %u", addr, l->port);
	return HR_S_OK;
}

hresult rpc_server_listen_unix(struct rpc_server *srv,
                               const char *path,
                               struct rpc_listener **out,
                               struct errinfo *ei)
{
	struct rpc_listener *l;
	struct stat st;
	int rc;

	if (path == NULL || path[0] == '\0' ||
	    strlen(path) >= sizeof(((struct sockaddr_un *)0)->sun_path)) {
		return err_set(ei, HR_E_INVALIDARG, RPC_LOG,
		               "bad socket path '%s'", path ? path : "");
	}
	if (srv->shutting_down) {
		return err_set(ei, HR_RPC_S_SERVER_UNAVAILABLE, RPC_LOG,
		               "server is shutting down");
	}
	if (lstat(path, &st) == 0 && S_ISSOCK(st.st_mode)) {
		unlink(path);
	}
	l = listener_new(srv, &rpc_transport_unix);
	if (l == NULL) {
		return HR_E_OUTOFMEMORY;
	}
	l->path = talloc_strdup(l, path);
	if (l->path == NULL) {
		talloc_free(l);
		return HR_E_OUTOFMEMORY;
	}
	snprintf(l->sec_addr, sizeof(l->sec_addr), "%s", path);
	if (uv_pipe_init(srv->loop, &l->h.pipe, 0) != 0) {
		talloc_free(l);
		return HR_E_OUTOFMEMORY;
	}
	l->h.handle.data = l;
	rc = uv_pipe_bind(&l->h.pipe, path);
	if (rc != 0) {
		l->path = NULL; /* not ours: do not unlink */
		l->closing = true;
		l->next = srv->listeners;
		srv->listeners = l;
		uv_close(&l->h.handle, listener_closed);
		return err_set(ei, HR_RPC_S_SERVER_UNAVAILABLE, RPC_LOG,
		               "bind %s: %s", path, uv_strerror(rc));
	}
	chmod(path, 0666);
	if (hr_failed(listener_start(l, out, ei))) {
		unlink(path);
		return HR_RPC_S_SERVER_UNAVAILABLE;
	}
	log_msg(srv->log, LOG_LVL_INFO, RPC_LOG, "listening on ncalrpc %s",
	        path);
	return HR_S_OK;
}
