/*
 * client: a blocking DCE/RPC connection-oriented client.  See client.h.
 *
 * Invariants:
 * - c->pctx[i].auth is the security context requests on p_cont_id i are
 *   protected with (NULL: none); several p_cont_ids may share one.
 * - Received octets are buffered in c->rbuf; c->rpos <= c->rlen.
 * - After a transport failure or a bad verifier the stream is out of
 *   step; the caller closes the client (the raw functions stay usable for
 *   hostile tests).
 */
#include "rpc/client.h"

#include <arpa/inet.h>
#include <errno.h>
#include <fcntl.h>
#include <netdb.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <poll.h>
#include <stdarg.h>
#include <stdio.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <talloc.h>
#include <time.h>
#include <unistd.h>

#include "ntlm/ntlm.h"
#include "ntlm/spnego.h"
#include "rpc/fault.h"
#include "rpc/frag.h"

#define LAYER     "rpc"
#define RBUF_SIZE 65536

struct cli_auth {
	uint32_t id;
	uint8_t level;
	uint8_t type;       /* RPC_AUTHN_WINNT or RPC_AUTHN_GSS_NEGOTIATE */
	uint8_t *mech_list; /* SPNEGO: our MechTypeList TLV */
	size_t mech_list_len;
	struct ntlm_client *ntlm;
	struct ntlm_session *sess;
};

struct cli_pctx {
	bool used;
	struct cli_auth *auth;
};

struct rpc_client {
	int fd;
	int timeout_ms;
	bool bound;
	uint32_t call_id;
	uint16_t prop_xmit;
	uint16_t prop_recv;
	uint32_t prop_group;
	uint16_t max_xmit; /* what we may send: the server's max_recv */
	struct cli_pctx pctx[RPC_CLIENT_MAX_PCTX];
	char err[256];
	uint8_t *rbuf; /* buffered reads */
	size_t rpos;
	size_t rlen;
};

static hresult fail(struct rpc_client *c,
                    struct errinfo *ei,
                    hresult hr,
                    const char *fmt,
                    ...) __attribute__((format(printf, 4, 5)));

static hresult fail(struct rpc_client *c,
                    struct errinfo *ei,
                    hresult hr,
                    const char *fmt,
                    ...)
{
	char msg[sizeof(c->err)];
	va_list ap;

	/* Through a copy: callers pass c->err itself as an argument. */
	va_start(ap, fmt);
	vsnprintf(msg, sizeof(msg), fmt, ap);
	va_end(ap);
	memcpy(c->err, msg, sizeof(msg));
	if (ei != NULL) {
		err_set(ei, hr, LAYER, "%s", c->err);
	}
	return hr;
}

static int destroy_client(struct rpc_client *c)
{
	if (c->fd >= 0) {
		close(c->fd);
		c->fd = -1;
	}
	return 0;
}

static hresult client_new(void *mem,
                          int fd,
                          int timeout_ms,
                          struct rpc_client **out,
                          struct errinfo *ei)
{
	struct rpc_client *c = talloc_zero(mem, struct rpc_client);

	if (c == NULL) {
		close(fd);
		return err_set(ei, HR_E_OUTOFMEMORY, LAYER, "out of memory");
	}
	c->fd = fd;
	talloc_set_destructor(c, destroy_client);
	c->call_id = 1;
	c->prop_xmit = 4280;
	c->prop_recv = 4280;
	c->max_xmit = 4280;
	rpc_client_set_timeout(c, timeout_ms);
	*out = c;
	return HR_OK;
}

/* Connects [fd] to [sa] within [ms]; 0 or an errno value. */
static int connect_within(int fd,
                          const struct sockaddr *sa,
                          socklen_t len,
                          int ms)
{
	int fl = fcntl(fd, F_GETFL);
	int e = 0;
	socklen_t el = sizeof(e);

	if (fl < 0 || fcntl(fd, F_SETFL, fl | O_NONBLOCK) != 0) {
		return errno;
	}
	if (connect(fd, sa, len) != 0) {
		struct pollfd pfd = { .fd = fd, .events = POLLOUT };
		int rc;

		if (errno != EINPROGRESS) {
			return errno;
		}
		do {
			rc = poll(&pfd, 1, ms);
		} while (rc < 0 && errno == EINTR);
		if (rc == 0) {
			return ETIMEDOUT;
		}
		if (rc < 0 ||
		    getsockopt(fd, SOL_SOCKET, SO_ERROR, &e, &el) != 0) {
			return errno;
		}
		if (e != 0) {
			return e;
		}
	}
	if (fcntl(fd, F_SETFL, fl) != 0) {
		return errno;
	}
	return 0;
}

static hresult unavailable(struct errinfo *ei,
                           const char *what,
                           const char *where,
                           const char *why)
{
	return err_set(ei, HR_RPC_S_SERVER_UNAVAILABLE, LAYER,
	               "cannot %s '%s': %s", what, where, why);
}

hresult rpc_client_connect_tcp(void *mem,
                               const char *host,
                               uint16_t port,
                               int timeout_ms,
                               struct rpc_client **out,
                               struct errinfo *ei)
{
	struct addrinfo hints, *res = NULL;
	char serv[8];
	int rc, e = ECONNREFUSED;
	int ms = timeout_ms > 0 ? timeout_ms : RPC_CLIENT_DEFAULT_TIMEOUT_MS;

	memset(&hints, 0, sizeof(hints));
	hints.ai_family = AF_UNSPEC;
	hints.ai_socktype = SOCK_STREAM;
	hints.ai_flags = AI_ADDRCONFIG;
	snprintf(serv, sizeof(serv), "%u", port);
	rc = getaddrinfo(host, serv, &hints, &res);
	if (rc != 0) {
		hints.ai_flags = 0; /* loopback-only hosts */
		rc = getaddrinfo(host, serv, &hints, &res);
	}
	if (rc != 0) {
		return unavailable(ei, "resolve", host, gai_strerror(rc));
	}
	for (struct addrinfo *ai = res; ai != NULL; ai = ai->ai_next) {
		int fd = socket(ai->ai_family, SOCK_STREAM | SOCK_CLOEXEC, 0);
		int one = 1;

		if (fd < 0) {
			e = errno;
			continue;
		}
		e = connect_within(fd, ai->ai_addr, ai->ai_addrlen, ms);
		if (e != 0) {
			close(fd);
			continue;
		}
		setsockopt(fd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof(one));
		freeaddrinfo(res);
		return client_new(mem, fd, timeout_ms, out, ei);
	}
	freeaddrinfo(res);
	{
		char where[300];

		snprintf(where, sizeof(where), "%s[%u]", host, port);
		return unavailable(ei, "connect to", where, strerror(e));
	}
}

hresult rpc_client_connect_unix(void *mem,
                                const char *path,
                                int timeout_ms,
                                struct rpc_client **out,
                                struct errinfo *ei)
{
	struct sockaddr_un sun;
	int fd, e;
	int ms = timeout_ms > 0 ? timeout_ms : RPC_CLIENT_DEFAULT_TIMEOUT_MS;

	if (strlen(path) >= sizeof(sun.sun_path)) {
		return unavailable(ei, "connect to", path, "path too long");
	}
	fd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
	if (fd < 0) {
		return unavailable(ei, "connect to", path, strerror(errno));
	}
	memset(&sun, 0, sizeof(sun));
	sun.sun_family = AF_UNIX;
	snprintf(sun.sun_path, sizeof(sun.sun_path), "%s", path);
	e = connect_within(fd, (struct sockaddr *)&sun, sizeof(sun), ms);
	if (e != 0) {
		close(fd);
		return unavailable(ei, "connect to", path, strerror(e));
	}
	return client_new(mem, fd, timeout_ms, out, ei);
}

hresult rpc_client_from_fd(void *mem,
                           int fd,
                           int timeout_ms,
                           struct rpc_client **out,
                           struct errinfo *ei)
{
	return client_new(mem, fd, timeout_ms, out, ei);
}

void rpc_client_set_timeout(struct rpc_client *c, int ms)
{
	struct timeval tv;

	c->timeout_ms = ms > 0 ? ms : RPC_CLIENT_DEFAULT_TIMEOUT_MS;
	tv.tv_sec = c->timeout_ms / 1000;
	tv.tv_usec = (c->timeout_ms % 1000) * 1000;
	setsockopt(c->fd, SOL_SOCKET, SO_SNDTIMEO, &tv, sizeof(tv));
}

int rpc_client_fd(const struct rpc_client *c)
{
	return c->fd;
}

const char *rpc_client_last_error(const struct rpc_client *c)
{
	return c->err;
}

uint32_t rpc_client_next_call_id(const struct rpc_client *c)
{
	return c->call_id;
}

void rpc_client_set_frag(struct rpc_client *c, uint16_t xmit, uint16_t recv)
{
	c->prop_xmit = xmit;
	c->prop_recv = recv;
}

void rpc_client_set_assoc_group(struct rpc_client *c, uint32_t group)
{
	c->prop_group = group;
}

bool rpc_client_peer_addr(const struct rpc_client *c, char *buf, size_t len)
{
	struct sockaddr_storage ss;
	socklen_t sl = sizeof(ss);

	if (len == 0 || getpeername(c->fd, (struct sockaddr *)&ss, &sl) != 0) {
		return false;
	}
	if (ss.ss_family == AF_UNIX) {
		snprintf(buf, len, "%s", ((struct sockaddr_un *)&ss)->sun_path);
		return true;
	}
	return getnameinfo((struct sockaddr *)&ss, sl, buf, (socklen_t)len,
	                   NULL, 0, NI_NUMERICHOST) == 0;
}

bool rpc_client_bound(const struct rpc_client *c)
{
	return c->bound;
}

bool rpc_client_has_context(const struct rpc_client *c, uint16_t p_cont_id)
{
	return p_cont_id < RPC_CLIENT_MAX_PCTX && c->pctx[p_cont_id].used;
}

void rpc_client_close(struct rpc_client *c)
{
	talloc_free(c);
}

/* ---- raw I/O ---- */

hresult rpc_client_send(struct rpc_client *c, const void *data, size_t len)
{
	const uint8_t *p = data;

	while (len > 0) {
		ssize_t n = send(c->fd, p, len, MSG_NOSIGNAL);

		if (n < 0 && errno == EINTR) {
			continue;
		}
		if (n <= 0) {
			return fail(c, NULL, HR_RPC_S_CALL_FAILED, "send: %s",
			            n < 0 && (errno == EAGAIN ||
			                      errno == EWOULDBLOCK)
			                    ? "timeout"
			                    : strerror(errno));
		}
		p += n;
		len -= (size_t)n;
	}
	return HR_OK;
}

static hresult fill(struct rpc_client *c)
{
	for (;;) {
		struct pollfd pfd = { .fd = c->fd, .events = POLLIN };
		int rc = poll(&pfd, 1, c->timeout_ms);
		ssize_t n;

		if (rc < 0 && errno == EINTR) {
			continue;
		}
		if (rc == 0) {
			return fail(c, NULL, HR_RPC_S_CALL_FAILED, "timeout");
		}
		n = recv(c->fd, c->rbuf, RBUF_SIZE, 0);
		if (n < 0 && errno == EINTR) {
			continue;
		}
		if (n <= 0) {
			return fail(c, NULL, HR_RPC_S_CALL_FAILED, "%s",
			            n == 0 ? "connection closed"
			                   : strerror(errno));
		}
		c->rpos = 0;
		c->rlen = (size_t)n;
		return HR_OK;
	}
}

static hresult recv_exact(struct rpc_client *c, uint8_t *p, size_t len)
{
	hresult hr;

	if (c->rbuf == NULL) {
		c->rbuf = talloc_size(c, RBUF_SIZE);
		if (c->rbuf == NULL) {
			return fail(c, NULL, HR_E_OUTOFMEMORY, "out of memory");
		}
	}
	while (len > 0) {
		size_t k;

		if (c->rpos == c->rlen && hr_failed(hr = fill(c))) {
			return hr;
		}
		k = c->rlen - c->rpos;
		if (k > len) {
			k = len;
		}
		memcpy(p, c->rbuf + c->rpos, k);
		c->rpos += k;
		p += k;
		len -= k;
	}
	return HR_OK;
}

hresult rpc_client_recv_pdu(struct rpc_client *c,
                            void *mem,
                            uint8_t **pdu,
                            size_t *len)
{
	uint8_t hdr[RPC_HDR_LEN];
	struct rpc_hdr h;
	uint8_t *p;
	hresult hr;

	if (hr_failed(hr = recv_exact(c, hdr, sizeof(hdr)))) {
		return hr;
	}
	if (rpc_pdu_peek(hdr, sizeof(hdr), &h, NULL) != RPC_PDU_OK) {
		return fail(c, NULL, HR_RPC_S_PROTOCOL_ERROR,
		            "bad header from server");
	}
	p = talloc_size(mem, h.frag_length);
	if (p == NULL) {
		return fail(c, NULL, HR_E_OUTOFMEMORY, "out of memory");
	}
	memcpy(p, hdr, sizeof(hdr));
	hr = recv_exact(c, p + RPC_HDR_LEN, h.frag_length - RPC_HDR_LEN);
	if (hr_failed(hr)) {
		talloc_free(p);
		return hr;
	}
	*pdu = p;
	*len = h.frag_length;
	return HR_OK;
}

bool rpc_client_wait_closed(struct rpc_client *c, int ms)
{
	uint8_t b[4096];

	c->rpos = c->rlen = 0;
	for (;;) {
		struct pollfd pfd = { .fd = c->fd, .events = POLLIN };
		int rc = poll(&pfd, 1, ms);
		ssize_t n;

		if (rc <= 0) {
			return false;
		}
		n = recv(c->fd, b, sizeof(b), 0);
		if (n == 0 || (n < 0 && errno == ECONNRESET)) {
			return true;
		}
		if (n < 0) {
			return false;
		}
	}
}

/* ---- bind / alter_context ---- */

static hresult send_pdu(struct rpc_client *c, struct rpc_pdu *pdu)
{
	void *tmp = talloc_new(NULL);
	uint8_t *b;
	size_t n;
	hresult hr;

	if (tmp == NULL || rpc_pdu_build(tmp, pdu, &b, &n) != RPC_PDU_OK) {
		talloc_free(tmp);
		return fail(c, NULL, HR_E_OUTOFMEMORY, "cannot build PDU");
	}
	hr = rpc_client_send(c, b, n);
	talloc_free(tmp);
	return hr;
}

static hresult send_bind(struct rpc_client *c,
                         bool alter,
                         uint32_t call_id,
                         uint16_t p_cont_id,
                         const struct rpc_syntax_id *syn,
                         unsigned n,
                         struct cli_auth *a,
                         const uint8_t *tok,
                         size_t tok_len)
{
	void *tmp = talloc_new(NULL);
	struct rpc_pdu pdu;
	struct rpc_syntax_id *ts = talloc_array(tmp, struct rpc_syntax_id, n);
	hresult hr;

	rpc_pdu_init(&pdu, alter ? RPC_PTYPE_ALTER_CONTEXT : RPC_PTYPE_BIND,
	             call_id);
	pdu.u.bind.max_xmit_frag = c->prop_xmit;
	pdu.u.bind.max_recv_frag = c->prop_recv;
	pdu.u.bind.assoc_group_id = alter ? 0 : c->prop_group;
	pdu.u.bind.n_ctx = (uint8_t)n;
	pdu.u.bind.ctx = talloc_zero_array(tmp, struct rpc_ctx_elem, n);
	if (ts == NULL || pdu.u.bind.ctx == NULL) {
		talloc_free(tmp);
		return fail(c, NULL, HR_E_OUTOFMEMORY, "out of memory");
	}
	for (unsigned i = 0; i < n; i++) {
		ts[i] = rpc_syntax_ndr20;
		pdu.u.bind.ctx[i].p_cont_id = (uint16_t)(p_cont_id + i);
		pdu.u.bind.ctx[i].n_transfer_syn = 1;
		pdu.u.bind.ctx[i].abstract_syntax = syn[i];
		pdu.u.bind.ctx[i].transfer_syntaxes = &ts[i];
	}
	if (a != NULL && tok != NULL) {
		pdu.has_auth = true;
		pdu.auth.auth_type = a->type;
		pdu.auth.auth_level = a->level;
		pdu.auth.auth_context_id = a->id;
		pdu.hdr.auth_length = (uint16_t)tok_len;
		pdu.auth_value = tok;
	}
	hr = send_pdu(c, &pdu);
	talloc_free(tmp);
	return hr;
}

/* Reads the answer to a bind/alter; fills [res]; returns the CHALLENGE. */
static hresult recv_bind_answer(struct rpc_client *c,
                                void *mem,
                                struct rpc_client_bind_result *res,
                                const uint8_t **tok,
                                size_t *tok_len)
{
	uint8_t *b;
	size_t n;
	struct rpc_pdu pdu;
	hresult hr;

	*tok = NULL;
	*tok_len = 0;
	memset(res, 0, sizeof(*res));
	if (hr_failed(hr = rpc_client_recv_pdu(c, mem, &b, &n))) {
		return hr;
	}
	if (rpc_pdu_parse(mem, b, n, &pdu, NULL) != RPC_PDU_OK) {
		return fail(c, NULL, HR_RPC_S_PROTOCOL_ERROR,
		            "unparsable answer to bind");
	}
	switch (pdu.hdr.ptype) {
	case RPC_PTYPE_BIND_ACK:
	case RPC_PTYPE_ALTER_CONTEXT_RESP:
		res->assoc_group = pdu.u.bind_ack.assoc_group_id;
		res->max_xmit = pdu.u.bind_ack.max_xmit_frag;
		res->max_recv = pdu.u.bind_ack.max_recv_frag;
		if (pdu.u.bind_ack.sec_addr != NULL) {
			snprintf(res->sec_addr, sizeof(res->sec_addr), "%s",
			         pdu.u.bind_ack.sec_addr);
		}
		if (pdu.u.bind_ack.n_results > 0) {
			res->result = pdu.u.bind_ack.results[0].result;
			res->reason = pdu.u.bind_ack.results[0].reason;
		}
		for (unsigned i = 0;
		     i < pdu.u.bind_ack.n_results && i < RPC_CLIENT_MAX_RESULTS;
		     i++) {
			res->results[i] = pdu.u.bind_ack.results[i].result;
			res->n_results = (uint8_t)(i + 1);
		}
		if (pdu.has_auth) {
			*tok = pdu.auth_value;
			*tok_len = pdu.hdr.auth_length;
		}
		break;
	case RPC_PTYPE_BIND_NAK:
		res->nak_reason = pdu.u.bind_nak.reject_reason;
		break;
	case RPC_PTYPE_FAULT:
		res->fault = pdu.u.fault.status;
		break;
	default:
		return fail(c, NULL, HR_RPC_S_PROTOCOL_ERROR,
		            "unexpected %s in answer to a bind",
		            rpc_ptype_name(pdu.hdr.ptype));
	}
	res->ptype = pdu.hdr.ptype;
	return HR_OK;
}

static struct cli_auth *auth_new(struct rpc_client *c,
                                 uint16_t p_cont_id,
                                 const struct rpc_client_auth *auth)
{
	struct cli_auth *a = talloc_zero(c, struct cli_auth);
	struct ntlm_client_config cfg;

	if (a == NULL) {
		return NULL;
	}
	memset(&cfg, 0, sizeof(cfg));
	cfg.user = auth->user;
	cfg.domain = auth->domain;
	cfg.password = auth->password;
	cfg.nt_hash = auth->nt_hash;
	a->ntlm = ntlm_client_new(a, &cfg);
	a->id = RPC_CLIENT_AUTH_ID_BASE + p_cont_id;
	a->level = auth->level;
	a->type = auth->negotiate ? RPC_AUTHN_GSS_NEGOTIATE : RPC_AUTHN_WINNT;
	if (a->ntlm == NULL) {
		talloc_free(a);
		return NULL;
	}
	return a;
}

/* The hresult of a refusing answer [res] to a bind or alter_context. */
static hresult refusal(struct rpc_client *c,
                       struct errinfo *ei,
                       struct rpc_client_bind_result *res)
{
	res->refused = true;
	switch (res->ptype) {
	case RPC_PTYPE_BIND_NAK:
		if (res->nak_reason ==
		            RPC_NAK_AUTHENTICATION_TYPE_NOT_RECOGNIZED ||
		    res->nak_reason == RPC_NAK_INVALID_CHECKSUM) {
			return fail(c, ei, HR_E_ACCESSDENIED,
			            "bind refused: bind_nak reason %u",
			            res->nak_reason);
		}
		return fail(c, ei, HR_RPC_S_SERVER_UNAVAILABLE,
		            "bind refused: bind_nak reason %u",
		            res->nak_reason);
	case RPC_PTYPE_FAULT:
		return fail(c, ei, rpc_fault_to_hresult(res->fault),
		            "bind refused: fault 0x%08x", res->fault);
	default:
		return fail(c, ei, HR_RPC_S_SERVER_UNAVAILABLE,
		            "context refused: result %u reason %u", res->result,
		            res->reason);
	}
}

/* SPNEGO: wraps our NEGOTIATE in a NegTokenInit offering NTLM only. */
static hresult spnego_first(struct cli_auth *a,
                            const uint8_t **tok,
                            size_t *tok_len)
{
	struct spnego_blob ml, t = { *tok, *tok_len }, none = { NULL, 0 };
	uint8_t *out;
	hresult hr;

	hr = spnego_build_mech_list(a, &spnego_oid_ntlm, 1, &a->mech_list,
	                            &a->mech_list_len);
	if (hr_failed(hr)) {
		return hr;
	}
	ml.p = a->mech_list;
	ml.len = a->mech_list_len;
	hr = spnego_build_init(a, ml, t, none, &out, tok_len);
	*tok = out;
	return hr;
}

/* SPNEGO: the CHALLENGE inside the server's NegTokenResp. */
static hresult spnego_challenge(struct rpc_client *c,
                                const uint8_t **chal,
                                size_t *chal_len,
                                struct errinfo *ei)
{
	struct spnego_token st;
	struct errinfo e2;

	err_clear(&e2);
	if (*chal == NULL ||
	    hr_failed(spnego_parse(*chal, *chal_len, &st, &e2)) ||
	    st.kind != SPNEGO_RESP) {
		return fail(c, ei, HR_SEC_E_INVALID_TOKEN,
		            "no usable SPNEGO answer to the bind: %s", e2.msg);
	}
	if (st.neg_state == SPNEGO_REJECT ||
	    (st.supported_mech.p != NULL &&
	     !spnego_oid_eq(st.supported_mech, spnego_oid_ntlm)) ||
	    st.response_token.p == NULL) {
		return fail(c, ei, HR_SEC_E_SECPKG_NOT_FOUND,
		            "the server did not choose NTLM in SPNEGO");
	}
	*chal = st.response_token.p;
	*chal_len = st.response_token.len;
	return HR_OK;
}

/* SPNEGO: NegTokenResp(AUTHENTICATE, mechListMIC) into [*tok]. */
static hresult spnego_last(void *mem,
                           struct cli_auth *a,
                           const uint8_t **tok,
                           size_t *tok_len)
{
	uint8_t mic[NTLM_SIG_SIZE], *out;
	struct spnego_blob none = { NULL, 0 }, t = { *tok, *tok_len };
	struct spnego_blob m = { mic, sizeof(mic) };
	hresult hr;

	hr = ntlm_sign(a->sess, a->mech_list, a->mech_list_len, mic);
	if (hr_failed(hr)) {
		return hr;
	}
	hr = spnego_build_resp(mem, SPNEGO_STATE_ABSENT, none, t, m, &out,
	                       tok_len);
	*tok = out;
	return hr;
}

/* SPNEGO: checks accept-completed and the server's mechListMIC. */
static hresult spnego_final(struct rpc_client *c,
                            struct cli_auth *a,
                            const uint8_t *tok,
                            size_t tok_len,
                            struct errinfo *ei)
{
	struct spnego_token st;

	if (tok == NULL || hr_failed(spnego_parse(tok, tok_len, &st, NULL)) ||
	    st.kind != SPNEGO_RESP || st.neg_state != SPNEGO_ACCEPT_COMPLETED) {
		return fail(c, ei, HR_E_ACCESSDENIED,
		            "SPNEGO negotiation not completed by the server");
	}
	if (st.mech_list_mic.p == NULL ||
	    st.mech_list_mic.len != NTLM_SIG_SIZE ||
	    hr_failed(ntlm_verify(a->sess, a->mech_list, a->mech_list_len,
	                          st.mech_list_mic.p, NULL))) {
		return fail(c, ei, HR_SEC_E_MESSAGE_ALTERED,
		            "the server's mechListMIC does not verify");
	}
	return HR_OK;
}

/* Completes the handshake of [a] with the CHALLENGE [chal]. */
static hresult third_leg(struct rpc_client *c,
                         void *tmp,
                         struct cli_auth *a,
                         const struct rpc_client_auth *auth,
                         uint32_t call_id,
                         uint16_t p_cont_id,
                         const struct rpc_syntax_id *syntaxes,
                         unsigned n,
                         const uint8_t *chal,
                         size_t chal_len,
                         struct rpc_client_bind_result *res,
                         struct errinfo *ei)
{
	const uint8_t *am;
	size_t am_len;
	hresult hr;

	if (a->type == RPC_AUTHN_GSS_NEGOTIATE &&
	    hr_failed(hr = spnego_challenge(c, &chal, &chal_len, ei))) {
		return hr;
	}
	if (chal == NULL ||
	    hr_failed(ntlm_client_authenticate(a->ntlm, chal, chal_len, &am,
	                                       &am_len, NULL))) {
		return fail(c, ei, HR_RPC_S_SEC_PKG_ERROR,
		            "no usable NTLM CHALLENGE");
	}
	a->sess = ntlm_client_session(a->ntlm);
	if (a->type == RPC_AUTHN_GSS_NEGOTIATE) {
		if (a->sess == NULL ||
		    hr_failed(hr = spnego_last(tmp, a, &am, &am_len))) {
			return fail(c, ei, HR_E_OUTOFMEMORY,
			            "cannot build the SPNEGO AUTHENTICATE");
		}
	}
	if (auth->third_leg_alter) {
		struct rpc_client_bind_result r2;

		hr = send_bind(c, true, call_id, p_cont_id, syntaxes, n, a, am,
		               am_len);
		if (hr_ok(hr)) {
			hr = recv_bind_answer(c, tmp, &r2, &chal, &chal_len);
		}
		if (hr_failed(hr)) {
			return fail(c, ei, hr, "%s", c->err);
		}
		if (r2.ptype != RPC_PTYPE_ALTER_CONTEXT_RESP) {
			*res = r2;
			return refusal(c, ei, res);
		}
		if (a->type == RPC_AUTHN_GSS_NEGOTIATE &&
		    hr_failed(hr = spnego_final(c, a, chal, chal_len, ei))) {
			return hr;
		}
	} else {
		struct rpc_pdu p3;
		static const uint8_t pad[4] = { 0x20, 0x20, 0x20, 0x20 };

		rpc_pdu_init(&p3, RPC_PTYPE_AUTH3, call_id);
		p3.stub = pad;
		p3.stub_len = sizeof(pad);
		p3.has_auth = true;
		p3.auth.auth_type = a->type;
		p3.auth.auth_level = a->level;
		p3.auth.auth_context_id = a->id;
		p3.hdr.auth_length = (uint16_t)am_len;
		p3.auth_value = am;
		if (hr_failed(hr = send_pdu(c, &p3))) {
			return fail(c, ei, hr, "%s", c->err);
		}
	}
	if (a->type == RPC_AUTHN_GSS_NEGOTIATE) {
		/* Both sides restart RC4 and sequence numbers after the
		   mechListMIC exchange. */
		ntlm_session_reset(a->sess);
	}
	return HR_OK;
}

hresult rpc_client_bind(struct rpc_client *c,
                        uint16_t p_cont_id,
                        const struct rpc_syntax_id *syntaxes,
                        unsigned n,
                        const struct rpc_client_auth *auth,
                        struct rpc_client_bind_result *res,
                        struct errinfo *ei)
{
	void *tmp;
	struct cli_auth *a = NULL;
	const uint8_t *tok = NULL, *chal;
	size_t tok_len = 0, chal_len;
	bool alter = c->bound;
	uint32_t call_id;
	struct rpc_client_bind_result local;
	hresult hr;

	if (res == NULL) {
		res = &local;
	}
	memset(res, 0, sizeof(*res));
	if (n == 0 || n > 255 || (size_t)p_cont_id + n > RPC_CLIENT_MAX_PCTX ||
	    (auth != NULL && auth->share &&
	     !rpc_client_has_context(c, auth->share_with))) {
		return fail(c, ei, HR_E_INVALIDARG,
		            "p_cont_id %u (+%u) cannot be bound", p_cont_id, n);
	}
	tmp = talloc_new(NULL);
	if (tmp == NULL) {
		return fail(c, ei, HR_E_OUTOFMEMORY, "out of memory");
	}
	call_id = c->call_id++;
	if (auth != NULL && auth->share) {
		a = c->pctx[auth->share_with].auth;
	} else if (auth != NULL) {
		a = auth_new(c, p_cont_id, auth);
		if (a == NULL ||
		    hr_failed(ntlm_client_negotiate(a->ntlm, &tok, &tok_len,
		                                    NULL)) ||
		    (a->type == RPC_AUTHN_GSS_NEGOTIATE &&
		     hr_failed(spnego_first(a, &tok, &tok_len)))) {
			hr = fail(
			        c, ei, HR_E_INVALIDARG,
			        "cannot start an NTLM client (user missing?)");
			goto out;
		}
	}
	hr = send_bind(c, alter, call_id, p_cont_id, syntaxes, n,
	               a != NULL && tok != NULL ? a : NULL, tok, tok_len);
	if (hr_ok(hr)) {
		hr = recv_bind_answer(c, tmp, res, &chal, &chal_len);
	}
	if (hr_failed(hr)) {
		hr = fail(c, ei, hr, "%s", c->err);
		goto out;
	}
	if (res->ptype != RPC_PTYPE_BIND_ACK &&
	    res->ptype != RPC_PTYPE_ALTER_CONTEXT_RESP) {
		hr = refusal(c, ei, res);
		goto out;
	}
	if (!alter) {
		c->bound = true;
		c->max_xmit = res->max_recv;
	}
	if (res->result != RPC_RESULT_ACCEPTANCE) {
		hr = refusal(c, ei, res);
		goto out;
	}
	if (tok != NULL) {
		hr = third_leg(c, tmp, a, auth, call_id, p_cont_id, syntaxes, n,
		               chal, chal_len, res, ei);
		if (hr_failed(hr)) {
			goto out;
		}
	}
	for (unsigned i = 0; i < n; i++) {
		if (i > 0 && i < RPC_CLIENT_MAX_RESULTS &&
		    (i >= res->n_results ||
		     res->results[i] != RPC_RESULT_ACCEPTANCE)) {
			continue;
		}
		c->pctx[p_cont_id + i].used = true;
		c->pctx[p_cont_id + i].auth = a;
	}
	hr = HR_OK;
out:
	if (hr_failed(hr) && a != NULL && (auth == NULL || !auth->share)) {
		talloc_free(a);
	}
	talloc_free(tmp);
	return hr;
}

/* ---- calls ---- */

static bool signs(const struct cli_auth *a)
{
	return a != NULL && a->sess != NULL &&
	       a->level >= RPC_AUTHN_LEVEL_PKT_INTEGRITY;
}

static struct cli_auth *pctx_auth(struct rpc_client *c, uint16_t p_cont_id)
{
	return p_cont_id < RPC_CLIENT_MAX_PCTX ? c->pctx[p_cont_id].auth : NULL;
}

static hresult build_frags(struct rpc_client *c,
                           uint16_t p_cont_id,
                           uint16_t opnum,
                           const struct rpc_uuid *object,
                           const uint8_t *stub,
                           size_t len,
                           void *mem,
                           struct rpc_frag **frags,
                           size_t *n)
{
	struct cli_auth *a = pctx_auth(c, p_cont_id);
	struct rpc_frag_args args;
	enum rpc_pdu_err pe;

	memset(&args, 0, sizeof(args));
	args.ptype = RPC_PTYPE_REQUEST;
	args.call_id = c->call_id++;
	args.p_cont_id = p_cont_id;
	args.opnum = opnum;
	args.object = object;
	args.max_frag = c->max_xmit;
	if (signs(a)) {
		args.has_auth = true;
		args.auth.auth_type = a->type;
		args.auth.auth_level = a->level;
		args.auth.auth_context_id = a->id;
		args.auth_length = NTLM_SIG_SIZE;
	}
	pe = rpc_fragment(mem, &args, stub, len, frags, n);
	if (pe != RPC_PDU_OK) {
		return fail(c, NULL,
		            pe == RPC_PDU_ERR_ALLOC ? HR_E_OUTOFMEMORY
		                                    : HR_E_INVALIDARG,
		            "cannot fragment the request: %s",
		            rpc_pdu_err_name(pe));
	}
	for (size_t i = 0; signs(a) && i < *n; i++) {
		struct rpc_frag *f = &(*frags)[i];
		size_t v = f->auth_value_off;
		hresult hr;

		if (a->level == RPC_AUTHN_LEVEL_PKT_PRIVACY) {
			hr = ntlm_seal_region(a->sess, f->data, v, f->stub_off,
			                      f->sec_trailer_off - f->stub_off,
			                      f->data + v);
		} else {
			hr = ntlm_sign(a->sess, f->data, v, f->data + v);
		}
		if (hr_failed(hr)) {
			return fail(c, NULL, HR_RPC_S_SEC_PKG_ERROR,
			            "cannot sign the request");
		}
	}
	return HR_OK;
}

hresult rpc_client_build_request(struct rpc_client *c,
                                 uint16_t p_cont_id,
                                 uint16_t opnum,
                                 const struct rpc_uuid *object,
                                 const uint8_t *stub,
                                 size_t len,
                                 void *mem,
                                 uint8_t **pdu,
                                 size_t *pdu_len,
                                 size_t *n_frags,
                                 struct errinfo *ei)
{
	void *tmp = talloc_new(NULL);
	struct rpc_frag *frags;
	size_t n, total = 0;
	uint8_t *out;
	hresult hr;

	if (tmp == NULL) {
		return fail(c, ei, HR_E_OUTOFMEMORY, "out of memory");
	}
	hr = build_frags(c, p_cont_id, opnum, object, stub, len, tmp, &frags,
	                 &n);
	if (hr_failed(hr)) {
		talloc_free(tmp);
		return fail(c, ei, hr, "%s", c->err);
	}
	for (size_t i = 0; i < n; i++) {
		total += frags[i].len;
	}
	out = talloc_size(mem, total);
	if (out == NULL) {
		talloc_free(tmp);
		return fail(c, ei, HR_E_OUTOFMEMORY, "out of memory");
	}
	total = 0;
	for (size_t i = 0; i < n; i++) {
		memcpy(out + total, frags[i].data, frags[i].len);
		total += frags[i].len;
	}
	talloc_free(tmp);
	*pdu = out;
	*pdu_len = total;
	if (n_frags != NULL) {
		*n_frags = n;
	}
	return HR_OK;
}

/* Checks and strips the protection of response fragment [b]. */
static hresult unprotect(struct rpc_client *c,
                         struct cli_auth *a,
                         uint8_t *b,
                         const struct rpc_pdu *pdu)
{
	size_t v = pdu->auth_value_off;
	hresult hr;

	if (!pdu->has_auth || pdu->hdr.auth_length != NTLM_SIG_SIZE) {
		return fail(c, NULL, HR_RPC_S_SEC_PKG_ERROR,
		            "response without verifier");
	}
	if (a->level == RPC_AUTHN_LEVEL_PKT_PRIVACY) {
		hr = ntlm_unseal_region(a->sess, b, v, pdu->stub_off,
		                        pdu->sec_trailer_off - pdu->stub_off,
		                        b + v, NULL);
	} else {
		hr = ntlm_verify(a->sess, b, v, b + v, NULL);
	}
	if (hr_failed(hr)) {
		return fail(c, NULL, HR_RPC_S_SEC_PKG_ERROR,
		            "bad response verifier");
	}
	return HR_OK;
}

static hresult append_stub(struct rpc_client *c,
                           void *mem,
                           struct rpc_client_reply *out,
                           size_t *cap,
                           const uint8_t *p,
                           size_t n)
{
	if (out->stub_len + n + 1 > *cap) {
		size_t want = (out->stub_len + n + 1) * 2;
		uint8_t *grown = talloc_realloc(mem, out->stub, uint8_t, want);

		if (grown == NULL) {
			return fail(c, NULL, HR_E_OUTOFMEMORY, "out of memory");
		}
		out->stub = grown;
		*cap = want;
	}
	memcpy(out->stub + out->stub_len, p, n);
	out->stub_len += n;
	return HR_OK;
}

/* Reads one fragment of the reply; *last when it was the last. */
static hresult recv_reply_frag(struct rpc_client *c,
                               void *tmp,
                               uint16_t p_cont_id,
                               void *mem,
                               struct rpc_client_reply *out,
                               size_t *cap,
                               bool *last)
{
	struct cli_auth *a = pctx_auth(c, p_cont_id);
	uint8_t *b;
	size_t n;
	struct rpc_pdu pdu;
	hresult hr;

	if (hr_failed(hr = rpc_client_recv_pdu(c, tmp, &b, &n))) {
		return hr;
	}
	if (rpc_pdu_parse(tmp, b, n, &pdu, NULL) != RPC_PDU_OK) {
		return fail(c, NULL, HR_RPC_S_PROTOCOL_ERROR,
		            "unparsable reply");
	}
	out->ptype = pdu.hdr.ptype;
	out->n_frags++;
	*last = true;
	if (pdu.hdr.ptype == RPC_PTYPE_FAULT) {
		out->status = pdu.u.fault.status;
		out->verified = false;
		return HR_OK;
	}
	if (pdu.hdr.ptype != RPC_PTYPE_RESPONSE) {
		return fail(c, NULL, HR_RPC_S_PROTOCOL_ERROR, "unexpected %s",
		            rpc_ptype_name(pdu.hdr.ptype));
	}
	if (pdu.u.response.p_cont_id != p_cont_id) {
		return fail(c, NULL, HR_RPC_S_PROTOCOL_ERROR,
		            "response on context %u", pdu.u.response.p_cont_id);
	}
	if (signs(a)) {
		if (hr_failed(hr = unprotect(c, a, b, &pdu))) {
			return hr;
		}
	} else {
		out->verified = false;
	}
	hr = append_stub(c, mem, out, cap, b + pdu.stub_off, pdu.stub_len);
	talloc_free(b);
	*last = (pdu.hdr.pfc_flags & RPC_PFC_LAST_FRAG) != 0;
	return hr;
}

hresult rpc_client_recv_reply(struct rpc_client *c,
                              uint16_t p_cont_id,
                              void *mem,
                              struct rpc_client_reply *out,
                              struct errinfo *ei)
{
	void *tmp = talloc_new(NULL);
	size_t cap = 0;
	bool last = false;
	hresult hr = HR_OK;

	memset(out, 0, sizeof(*out));
	if (tmp == NULL) {
		return fail(c, ei, HR_E_OUTOFMEMORY, "out of memory");
	}
	out->stub = talloc_size(mem, 0);
	out->verified = true;
	while (!last && hr_ok(hr)) {
		hr = recv_reply_frag(c, tmp, p_cont_id, mem, out, &cap, &last);
	}
	talloc_free(tmp);
	if (hr_failed(hr)) {
		TALLOC_FREE(out->stub);
		out->stub_len = 0;
		return fail(c, ei, hr, "%s", c->err);
	}
	return HR_OK;
}

hresult rpc_client_call(struct rpc_client *c,
                        uint16_t p_cont_id,
                        uint16_t opnum,
                        const struct rpc_uuid *object,
                        const uint8_t *stub,
                        size_t len,
                        void *mem,
                        struct rpc_client_reply *out,
                        struct errinfo *ei)
{
	void *tmp;
	struct rpc_frag *frags;
	size_t n;
	hresult hr;

	memset(out, 0, sizeof(*out));
	tmp = talloc_new(NULL);
	if (tmp == NULL) {
		return fail(c, ei, HR_E_OUTOFMEMORY, "out of memory");
	}
	hr = build_frags(c, p_cont_id, opnum, object, stub, len, tmp, &frags,
	                 &n);
	for (size_t i = 0; hr_ok(hr) && i < n; i++) {
		hr = rpc_client_send(c, frags[i].data, frags[i].len);
	}
	talloc_free(tmp);
	if (hr_failed(hr)) {
		return fail(c, ei, hr, "%s", c->err);
	}
	return rpc_client_recv_reply(c, p_cont_id, mem, out, ei);
}
