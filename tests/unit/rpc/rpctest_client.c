/*
 * rpctest_client: a small blocking DCE/RPC client for tests and benches.
 * See rpctest_client.h.
 */
#include "rpctest_client.h"

#include <arpa/inet.h>
#include <errno.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <poll.h>
#include <stdarg.h>
#include <stdio.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <talloc.h>
#include <unistd.h>

#include "ntlm/ntlm.h"
#include "rpc/frag.h"

#define MAX_PCTX     256
#define AUTH_ID_BASE 79231u

struct cli_auth {
	uint32_t id;
	uint8_t level;
	struct ntlm_client *ntlm;
	struct ntlm_session *sess;
};

struct cli_pctx {
	bool used;
	struct cli_auth *auth;
};

struct rpctest_client {
	int fd;
	int timeout_ms;
	bool bound;
	uint32_t call_id;
	uint16_t prop_xmit;
	uint16_t prop_recv;
	uint32_t prop_group;
	uint16_t max_xmit; /* what we may send: the server's max_recv */
	struct cli_pctx pctx[MAX_PCTX];
	char err[256];
	uint8_t *rbuf; /* buffered reads */
	size_t rpos;
	size_t rlen;
};

#define RBUF_SIZE 65536

static int fail(struct rpctest_client *c, const char *fmt, ...)
        __attribute__((format(printf, 2, 3)));

static int fail(struct rpctest_client *c, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(c->err, sizeof(c->err), fmt, ap);
	va_end(ap);
	return -1;
}

static struct rpctest_client *client_new(void *mem, int fd)
{
	struct rpctest_client *c = talloc_zero(mem, struct rpctest_client);

	if (c == NULL) {
		close(fd);
		return NULL;
	}
	c->fd = fd;
	c->timeout_ms = 10000;
	c->call_id = 1;
	c->prop_xmit = 4280;
	c->prop_recv = 4280;
	c->max_xmit = 4280;
	return c;
}

struct rpctest_client *rpctest_connect_tcp(void *mem,
                                           const char *addr,
                                           uint16_t port)
{
	struct sockaddr_in sin;
	int fd = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
	int one = 1;

	if (fd < 0) {
		return NULL;
	}
	memset(&sin, 0, sizeof(sin));
	sin.sin_family = AF_INET;
	sin.sin_port = htons(port);
	if (inet_pton(AF_INET, addr, &sin.sin_addr) != 1 ||
	    connect(fd, (struct sockaddr *)&sin, sizeof(sin)) != 0) {
		close(fd);
		return NULL;
	}
	setsockopt(fd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof(one));
	return client_new(mem, fd);
}

struct rpctest_client *rpctest_connect_unix(void *mem, const char *path)
{
	struct sockaddr_un sun;
	int fd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);

	if (fd < 0) {
		return NULL;
	}
	memset(&sun, 0, sizeof(sun));
	sun.sun_family = AF_UNIX;
	snprintf(sun.sun_path, sizeof(sun.sun_path), "%s", path);
	if (connect(fd, (struct sockaddr *)&sun, sizeof(sun)) != 0) {
		close(fd);
		return NULL;
	}
	return client_new(mem, fd);
}

void rpctest_set_timeout(struct rpctest_client *c, int ms)
{
	c->timeout_ms = ms;
}

int rpctest_fd(const struct rpctest_client *c)
{
	return c->fd;
}

const char *rpctest_last_error(const struct rpctest_client *c)
{
	return c->err;
}

uint32_t rpctest_next_call_id(struct rpctest_client *c)
{
	return c->call_id;
}

void rpctest_set_frag(struct rpctest_client *c, uint16_t xmit, uint16_t recv)
{
	c->prop_xmit = xmit;
	c->prop_recv = recv;
}

void rpctest_set_assoc_group(struct rpctest_client *c, uint32_t group)
{
	c->prop_group = group;
}

void rpctest_close(struct rpctest_client *c)
{
	if (c == NULL) {
		return;
	}
	if (c->fd >= 0) {
		close(c->fd);
	}
	talloc_free(c);
}

/* ---- raw I/O ---- */

int rpctest_send(struct rpctest_client *c, const void *data, size_t len)
{
	const uint8_t *p = data;

	while (len > 0) {
		ssize_t n = send(c->fd, p, len, MSG_NOSIGNAL);

		if (n < 0 && errno == EINTR) {
			continue;
		}
		if (n <= 0) {
			return fail(c, "send: %s", strerror(errno));
		}
		p += n;
		len -= (size_t)n;
	}
	return 0;
}

static int fill(struct rpctest_client *c)
{
	for (;;) {
		struct pollfd pfd = { .fd = c->fd, .events = POLLIN };
		int rc = poll(&pfd, 1, c->timeout_ms);
		ssize_t n;

		if (rc < 0 && errno == EINTR) {
			continue;
		}
		if (rc == 0) {
			return fail(c, "timeout");
		}
		n = recv(c->fd, c->rbuf, RBUF_SIZE, 0);
		if (n < 0 && errno == EINTR) {
			continue;
		}
		if (n == 0) {
			return fail(c, "connection closed");
		}
		if (n < 0) {
			return fail(c, "recv: %s", strerror(errno));
		}
		c->rpos = 0;
		c->rlen = (size_t)n;
		return 0;
	}
}

static int recv_exact(struct rpctest_client *c, uint8_t *p, size_t len)
{
	if (c->rbuf == NULL) {
		c->rbuf = talloc_size(c, RBUF_SIZE);
		if (c->rbuf == NULL) {
			return fail(c, "out of memory");
		}
	}
	while (len > 0) {
		size_t k;

		if (c->rpos == c->rlen && fill(c) != 0) {
			return -1;
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
	return 0;
}

int rpctest_recv_pdu(struct rpctest_client *c,
                     void *mem,
                     uint8_t **pdu,
                     size_t *len)
{
	uint8_t hdr[RPC_HDR_LEN];
	struct rpc_hdr h;
	uint8_t *p;

	if (recv_exact(c, hdr, sizeof(hdr)) != 0) {
		return -1;
	}
	if (rpc_pdu_peek(hdr, sizeof(hdr), &h, NULL) != RPC_PDU_OK) {
		return fail(c, "bad header from server");
	}
	p = talloc_size(mem, h.frag_length);
	if (p == NULL) {
		return fail(c, "out of memory");
	}
	memcpy(p, hdr, sizeof(hdr));
	if (recv_exact(c, p + RPC_HDR_LEN, h.frag_length - RPC_HDR_LEN) != 0) {
		talloc_free(p);
		return -1;
	}
	*pdu = p;
	*len = h.frag_length;
	return 0;
}

bool rpctest_wait_closed(struct rpctest_client *c, int ms)
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

static int send_pdu(struct rpctest_client *c, struct rpc_pdu *pdu)
{
	void *tmp = talloc_new(NULL);
	uint8_t *b;
	size_t n;
	int rc;

	if (rpc_pdu_build(tmp, pdu, &b, &n) != RPC_PDU_OK) {
		talloc_free(tmp);
		return fail(c, "cannot build PDU");
	}
	rc = rpctest_send(c, b, n);
	talloc_free(tmp);
	return rc;
}

static int send_bind(struct rpctest_client *c,
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
	int rc;

	rpc_pdu_init(&pdu, alter ? RPC_PTYPE_ALTER_CONTEXT : RPC_PTYPE_BIND,
	             call_id);
	pdu.u.bind.max_xmit_frag = c->prop_xmit;
	pdu.u.bind.max_recv_frag = c->prop_recv;
	pdu.u.bind.assoc_group_id = alter ? 0 : c->prop_group;
	pdu.u.bind.n_ctx = (uint8_t)n;
	pdu.u.bind.ctx = talloc_zero_array(tmp, struct rpc_ctx_elem, n);
	for (unsigned i = 0; i < n; i++) {
		ts[i] = rpc_syntax_ndr20;
		pdu.u.bind.ctx[i].p_cont_id = (uint16_t)(p_cont_id + i);
		pdu.u.bind.ctx[i].n_transfer_syn = 1;
		pdu.u.bind.ctx[i].abstract_syntax = syn[i];
		pdu.u.bind.ctx[i].transfer_syntaxes = &ts[i];
	}
	if (a != NULL && tok != NULL) {
		pdu.has_auth = true;
		pdu.auth.auth_type = RPC_AUTHN_WINNT;
		pdu.auth.auth_level = a->level;
		pdu.auth.auth_context_id = a->id;
		pdu.hdr.auth_length = (uint16_t)tok_len;
		pdu.auth_value = tok;
	}
	rc = send_pdu(c, &pdu);
	talloc_free(tmp);
	return rc;
}

/* Reads the answer to a bind/alter; fills [res]; returns the CHALLENGE. */
static int recv_bind_answer(struct rpctest_client *c,
                            void *mem,
                            struct rpctest_bind_result *res,
                            const uint8_t **tok,
                            size_t *tok_len)
{
	uint8_t *b;
	size_t n;
	struct rpc_pdu pdu;

	*tok = NULL;
	*tok_len = 0;
	memset(res, 0, sizeof(*res));
	if (rpctest_recv_pdu(c, mem, &b, &n) != 0) {
		return -1;
	}
	if (rpc_pdu_parse(mem, b, n, &pdu, NULL) != RPC_PDU_OK) {
		return fail(c, "unparsable answer to bind");
	}
	res->ptype = pdu.hdr.ptype;
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
		if (pdu.has_auth) {
			*tok = pdu.auth_value;
			*tok_len = pdu.hdr.auth_length;
		}
		return 0;
	case RPC_PTYPE_BIND_NAK:
		res->nak_reason = pdu.u.bind_nak.reject_reason;
		return 0;
	case RPC_PTYPE_FAULT:
		res->fault = pdu.u.fault.status;
		return 0;
	default:
		return fail(c, "unexpected %s", rpc_ptype_name(pdu.hdr.ptype));
	}
}

static struct cli_auth *auth_new(struct rpctest_client *c,
                                 uint16_t p_cont_id,
                                 const struct rpctest_auth *auth)
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
	a->ntlm = ntlm_client_new(a, &cfg);
	a->id = AUTH_ID_BASE + p_cont_id;
	a->level = auth->level;
	if (a->ntlm == NULL) {
		talloc_free(a);
		return NULL;
	}
	return a;
}

int rpctest_bind_n(struct rpctest_client *c,
                   uint16_t p_cont_id,
                   const struct rpc_syntax_id *syntaxes,
                   unsigned n,
                   const struct rpctest_auth *auth,
                   struct rpctest_bind_result *res)
{
	void *tmp = talloc_new(NULL);
	struct cli_auth *a = NULL;
	const uint8_t *tok = NULL, *chal;
	size_t tok_len = 0, chal_len;
	bool alter = c->bound;
	uint32_t call_id = c->call_id++;
	struct rpctest_bind_result local;
	int rc = -1;

	if (res == NULL) {
		res = &local;
	}
	if (p_cont_id + n > MAX_PCTX) {
		talloc_free(tmp);
		return fail(c, "p_cont_id too large for the test client");
	}
	if (auth != NULL && auth->share) {
		a = c->pctx[auth->share_with].auth;
	} else if (auth != NULL) {
		a = auth_new(c, p_cont_id, auth);
		if (a == NULL || hr_failed(ntlm_client_negotiate(
		                         a->ntlm, &tok, &tok_len, NULL))) {
			rc = fail(c, "ntlm client");
			goto out;
		}
	}
	if (send_bind(c, alter, call_id, p_cont_id, syntaxes, n,
	              a != NULL && tok != NULL ? a : NULL, tok, tok_len) != 0 ||
	    recv_bind_answer(c, tmp, res, &chal, &chal_len) != 0) {
		goto out;
	}
	rc = 1;
	if (res->ptype != RPC_PTYPE_BIND_ACK &&
	    res->ptype != RPC_PTYPE_ALTER_CONTEXT_RESP) {
		goto out;
	}
	if (!alter) {
		c->bound = true;
		c->max_xmit = res->max_recv;
	}
	if (res->result != RPC_RESULT_ACCEPTANCE) {
		goto out;
	}
	if (tok != NULL) {
		const uint8_t *am;
		size_t am_len;

		if (chal == NULL ||
		    hr_failed(ntlm_client_authenticate(a->ntlm, chal, chal_len,
		                                       &am, &am_len, NULL))) {
			rc = fail(c, "no usable CHALLENGE");
			goto out;
		}
		if (auth->third_leg_alter) {
			struct rpctest_bind_result r2;

			if (send_bind(c, true, call_id, p_cont_id, syntaxes, n,
			              a, am, am_len) != 0 ||
			    recv_bind_answer(c, tmp, &r2, &chal, &chal_len) !=
			            0) {
				rc = -1;
				goto out;
			}
			if (r2.ptype != RPC_PTYPE_ALTER_CONTEXT_RESP) {
				*res = r2;
				goto out;
			}
		} else {
			struct rpc_pdu p3;
			static const uint8_t pad[4] = { 0x20, 0x20, 0x20,
				                        0x20 };

			rpc_pdu_init(&p3, RPC_PTYPE_AUTH3, call_id);
			p3.stub = pad;
			p3.stub_len = sizeof(pad);
			p3.has_auth = true;
			p3.auth.auth_type = RPC_AUTHN_WINNT;
			p3.auth.auth_level = a->level;
			p3.auth.auth_context_id = a->id;
			p3.hdr.auth_length = (uint16_t)am_len;
			p3.auth_value = am;
			if (send_pdu(c, &p3) != 0) {
				rc = -1;
				goto out;
			}
		}
		a->sess = ntlm_client_session(a->ntlm);
	}
	for (unsigned i = 0; i < n; i++) {
		c->pctx[p_cont_id + i].used = true;
		c->pctx[p_cont_id + i].auth = a;
	}
	rc = 0;
out:
	talloc_free(tmp);
	return rc;
}

int rpctest_bind(struct rpctest_client *c,
                 uint16_t p_cont_id,
                 const struct rpc_syntax_id *syntax,
                 const struct rpctest_auth *auth,
                 struct rpctest_bind_result *res)
{
	return rpctest_bind_n(c, p_cont_id, syntax, 1, auth, res);
}

/* ---- calls ---- */

static bool signs(const struct cli_auth *a)
{
	return a != NULL && a->sess != NULL &&
	       a->level >= RPC_AUTHN_LEVEL_PKT_INTEGRITY;
}

static int build_frags(struct rpctest_client *c,
                       uint16_t p_cont_id,
                       uint16_t opnum,
                       const struct rpc_uuid *object,
                       const uint8_t *stub,
                       size_t len,
                       void *mem,
                       struct rpc_frag **frags,
                       size_t *n)
{
	struct cli_auth *a = p_cont_id < MAX_PCTX ? c->pctx[p_cont_id].auth
	                                          : NULL;
	struct rpc_frag_args args;

	memset(&args, 0, sizeof(args));
	args.ptype = RPC_PTYPE_REQUEST;
	args.call_id = c->call_id++;
	args.p_cont_id = p_cont_id;
	args.opnum = opnum;
	args.object = object;
	args.max_frag = c->max_xmit;
	if (signs(a)) {
		args.has_auth = true;
		args.auth.auth_type = RPC_AUTHN_WINNT;
		args.auth.auth_level = a->level;
		args.auth.auth_context_id = a->id;
		args.auth_length = NTLM_SIG_SIZE;
	}
	if (rpc_fragment(mem, &args, stub, len, frags, n) != RPC_PDU_OK) {
		return fail(c, "cannot fragment");
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
			return fail(c, "cannot sign");
		}
	}
	return 0;
}

int rpctest_build_request(struct rpctest_client *c,
                          uint16_t p_cont_id,
                          uint16_t opnum,
                          const uint8_t *stub,
                          size_t len,
                          void *mem,
                          uint8_t **pdu,
                          size_t *pdu_len)
{
	struct rpc_frag *frags;
	size_t n;

	if (build_frags(c, p_cont_id, opnum, NULL, stub, len, mem, &frags,
	                &n) != 0) {
		return -1;
	}
	if (n != 1) {
		return fail(c, "stub does not fit one fragment");
	}
	*pdu = frags[0].data;
	*pdu_len = frags[0].len;
	return 0;
}

int rpctest_recv_reply(struct rpctest_client *c,
                       uint16_t p_cont_id,
                       void *mem,
                       struct rpctest_reply *out)
{
	struct cli_auth *a = p_cont_id < MAX_PCTX ? c->pctx[p_cont_id].auth
	                                          : NULL;
	void *tmp = talloc_new(NULL);
	size_t cap = 0;
	int rc = -1;

	memset(out, 0, sizeof(*out));
	out->stub = talloc_size(mem, 0);
	out->verified = true;
	for (;;) {
		uint8_t *b;
		size_t n;
		struct rpc_pdu pdu;
		uint8_t *grown;

		if (rpctest_recv_pdu(c, tmp, &b, &n) != 0) {
			goto out;
		}
		if (rpc_pdu_parse(tmp, b, n, &pdu, NULL) != RPC_PDU_OK) {
			fail(c, "unparsable reply");
			goto out;
		}
		out->ptype = pdu.hdr.ptype;
		out->n_frags++;
		if (pdu.hdr.ptype == RPC_PTYPE_FAULT) {
			out->status = pdu.u.fault.status;
			out->verified = false;
			rc = 0;
			goto out;
		}
		if (pdu.hdr.ptype != RPC_PTYPE_RESPONSE) {
			fail(c, "unexpected %s", rpc_ptype_name(pdu.hdr.ptype));
			goto out;
		}
		if (pdu.u.response.p_cont_id != p_cont_id) {
			fail(c, "response on context %u",
			     pdu.u.response.p_cont_id);
			goto out;
		}
		if (signs(a)) {
			size_t v = pdu.auth_value_off;
			hresult hr;

			if (!pdu.has_auth || pdu.hdr.auth_length != 16) {
				fail(c, "response without verifier");
				goto out;
			}
			if (a->level == RPC_AUTHN_LEVEL_PKT_PRIVACY) {
				hr = ntlm_unseal_region(
				        a->sess, b, v, pdu.stub_off,
				        pdu.sec_trailer_off - pdu.stub_off,
				        b + v, NULL);
			} else {
				hr = ntlm_verify(a->sess, b, v, b + v, NULL);
			}
			if (hr_failed(hr)) {
				fail(c, "bad response verifier");
				goto out;
			}
		} else {
			out->verified = false;
		}
		if (out->stub_len + pdu.stub_len + 1 > cap) {
			cap = (out->stub_len + pdu.stub_len + 1) * 2;
			grown = talloc_realloc(mem, out->stub, uint8_t, cap);
			if (grown == NULL) {
				fail(c, "out of memory");
				goto out;
			}
			out->stub = grown;
		}
		memcpy(out->stub + out->stub_len, b + pdu.stub_off,
		       pdu.stub_len);
		out->stub_len += pdu.stub_len;
		talloc_free(b);
		if (pdu.hdr.pfc_flags & RPC_PFC_LAST_FRAG) {
			rc = 0;
			goto out;
		}
	}
out:
	talloc_free(tmp);
	return rc;
}

int rpctest_call(struct rpctest_client *c,
                 uint16_t p_cont_id,
                 uint16_t opnum,
                 const struct rpc_uuid *object,
                 const uint8_t *stub,
                 size_t len,
                 void *mem,
                 struct rpctest_reply *out)
{
	void *tmp = talloc_new(NULL);
	struct rpc_frag *frags;
	size_t n;
	int rc = -1;

	if (build_frags(c, p_cont_id, opnum, object, stub, len, tmp, &frags,
	                &n) != 0) {
		goto out;
	}
	for (size_t i = 0; i < n; i++) {
		if (rpctest_send(c, frags[i].data, frags[i].len) != 0) {
			goto out;
		}
	}
	rc = rpctest_recv_reply(c, p_cont_id, mem, out);
out:
	talloc_free(tmp);
	return rc;
}
