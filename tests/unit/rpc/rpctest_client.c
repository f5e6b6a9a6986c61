/*
 * rpctest_client: the test layer over the rpc client (rpc/client.h).
 * See rpctest_client.h.  The protocol lives in src/rpc/client.c; this
 * file only keeps the tests' int-returning interface.
 */
#include "rpctest_client.h"

#include <signal.h>
#include <string.h>
#include <talloc.h>

#include "rpc/client.h"

struct rpctest_client {
	struct rpc_client *rc;
};

static struct rpctest_client *wrap(void *mem, hresult hr, struct rpc_client *rc)
{
	struct rpctest_client *c;

	/* Tests run the server in the same process: when a test closes a
	   connection the server is still writing to, the server's write
	   must fail with EPIPE, not kill the test with SIGPIPE. */
	signal(SIGPIPE, SIG_IGN);
	if (hr_failed(hr)) {
		return NULL;
	}
	c = talloc_zero(mem, struct rpctest_client);
	if (c == NULL) {
		rpc_client_close(rc);
		return NULL;
	}
	c->rc = talloc_steal(c, rc);
	return c;
}

struct rpctest_client *rpctest_connect_tcp(void *mem,
                                           const char *addr,
                                           uint16_t port)
{
	struct rpc_client *rc = NULL;
	hresult hr = rpc_client_connect_tcp(mem, addr, port, 0, &rc, NULL);

	return wrap(mem, hr, rc);
}

struct rpctest_client *rpctest_connect_unix(void *mem, const char *path)
{
	struct rpc_client *rc = NULL;
	hresult hr = rpc_client_connect_unix(mem, path, 0, &rc, NULL);

	return wrap(mem, hr, rc);
}

struct rpc_client *rpctest_rpc_client(struct rpctest_client *c)
{
	return c->rc;
}

void rpctest_set_timeout(struct rpctest_client *c, int ms)
{
	rpc_client_set_timeout(c->rc, ms);
}

int rpctest_fd(const struct rpctest_client *c)
{
	return rpc_client_fd(c->rc);
}

const char *rpctest_last_error(const struct rpctest_client *c)
{
	return rpc_client_last_error(c->rc);
}

uint32_t rpctest_next_call_id(struct rpctest_client *c)
{
	return rpc_client_next_call_id(c->rc);
}

void rpctest_set_frag(struct rpctest_client *c, uint16_t xmit, uint16_t recv)
{
	rpc_client_set_frag(c->rc, xmit, recv);
}

void rpctest_set_assoc_group(struct rpctest_client *c, uint32_t group)
{
	rpc_client_set_assoc_group(c->rc, group);
}

void rpctest_close(struct rpctest_client *c)
{
	talloc_free(c);
}

int rpctest_send(struct rpctest_client *c, const void *data, size_t len)
{
	return hr_ok(rpc_client_send(c->rc, data, len)) ? 0 : -1;
}

int rpctest_recv_pdu(struct rpctest_client *c,
                     void *mem,
                     uint8_t **pdu,
                     size_t *len)
{
	return hr_ok(rpc_client_recv_pdu(c->rc, mem, pdu, len)) ? 0 : -1;
}

bool rpctest_wait_closed(struct rpctest_client *c, int ms)
{
	return rpc_client_wait_closed(c->rc, ms);
}

int rpctest_bind_n(struct rpctest_client *c,
                   uint16_t p_cont_id,
                   const struct rpc_syntax_id *syntaxes,
                   unsigned n,
                   const struct rpctest_auth *auth,
                   struct rpctest_bind_result *res)
{
	struct rpc_client_auth a;
	struct rpc_client_bind_result r;
	hresult hr;

	if (auth != NULL) {
		memset(&a, 0, sizeof(a));
		a.user = auth->user;
		a.domain = auth->domain;
		a.password = auth->password;
		a.level = auth->level;
		a.third_leg_alter = auth->third_leg_alter;
		a.share = auth->share;
		a.share_with = auth->share_with;
	}
	hr = rpc_client_bind(c->rc, p_cont_id, syntaxes, n,
	                     auth != NULL ? &a : NULL, &r, NULL);
	if (res != NULL) {
		memset(res, 0, sizeof(*res));
		res->ptype = r.ptype;
		res->result = r.result;
		res->reason = r.reason;
		res->nak_reason = r.nak_reason;
		res->fault = r.fault;
		res->assoc_group = r.assoc_group;
		res->max_xmit = r.max_xmit;
		res->max_recv = r.max_recv;
		memcpy(res->sec_addr, r.sec_addr, sizeof(res->sec_addr));
	}
	if (hr_ok(hr)) {
		return 0;
	}
	return r.refused ? 1 : -1;
}

int rpctest_bind(struct rpctest_client *c,
                 uint16_t p_cont_id,
                 const struct rpc_syntax_id *syntax,
                 const struct rpctest_auth *auth,
                 struct rpctest_bind_result *res)
{
	return rpctest_bind_n(c, p_cont_id, syntax, 1, auth, res);
}

static void copy_reply(struct rpctest_reply *out,
                       const struct rpc_client_reply *r)
{
	out->ptype = r->ptype;
	out->status = r->status;
	out->stub = r->stub;
	out->stub_len = r->stub_len;
	out->n_frags = r->n_frags;
	out->verified = r->verified;
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
	size_t n = 0;

	if (hr_failed(rpc_client_build_request(c->rc, p_cont_id, opnum, NULL,
	                                       stub, len, mem, pdu, pdu_len, &n,
	                                       NULL))) {
		return -1;
	}
	if (n != 1) {
		talloc_free(*pdu);
		*pdu = NULL;
		return -1;
	}
	return 0;
}

int rpctest_recv_reply(struct rpctest_client *c,
                       uint16_t p_cont_id,
                       void *mem,
                       struct rpctest_reply *out)
{
	struct rpc_client_reply r;
	hresult hr = rpc_client_recv_reply(c->rc, p_cont_id, mem, &r, NULL);

	memset(out, 0, sizeof(*out));
	if (hr_failed(hr)) {
		return -1;
	}
	copy_reply(out, &r);
	return 0;
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
	struct rpc_client_reply r;
	hresult hr = rpc_client_call(c->rc, p_cont_id, opnum, object, stub, len,
	                             mem, &r, NULL);

	memset(out, 0, sizeof(*out));
	if (hr_failed(hr)) {
		return -1;
	}
	copy_reply(out, &r);
	return 0;
}
