/*
 * assoc: associations of the server runtime (rpc layer): bind and
 * alter_context (C706 12.6.4.1-4, MS-RPCE 3.3.1.5.3 and 3.3.1.5.6),
 * presentation contexts (p_cont_id -> interface), association groups and
 * fragment size negotiation.  The security leg carried by these PDUs is
 * in auth.c.
 *
 * Rules:
 * - One bind per connection; a second one gets a bind_nak (the
 *   connection stays usable).  A bind_nak leaves the connection unbound,
 *   so the client may bind again.
 * - assoc_group_id 0 starts a new group; a known id joins it; an unknown
 *   non-zero id gets a bind_nak.
 * - Fragment sizes are negotiated by the bind and kept for the life of
 *   the connection; alter_context_resp repeats them (impacket takes its
 *   transmit size from it).
 * - A p_cont_id is never rebound to another interface; re-proposing the
 *   same interface under the same id is accepted.  Past max_contexts the
 *   oldest context without calls in flight is dropped (impacket never
 *   returns to an earlier p_cont_id), else the new one is refused with
 *   local_limit_exceeded.
 */
#include <string.h>
#include <talloc.h>

#include "rpc/fault.h"
#include "rpc/server-int.h"

static bool supported(const struct rpc_syntax_id *abstract, void *arg)
{
	return rpc_srv_find_iface(arg, abstract) != NULL;
}

struct rpc_pctx *rpc_assoc_find_pctx(struct rpc_conn *c, uint16_t id)
{
	for (struct rpc_pctx *p = c->pctxs; p != NULL; p = p->next) {
		if (p->id == id) {
			return p;
		}
	}
	return NULL;
}

static bool evict_pctx(struct rpc_conn *c)
{
	struct rpc_pctx **pp, **victim = NULL;

	for (pp = &c->pctxs; *pp != NULL; pp = &(*pp)->next) {
		if ((*pp)->n_calls == 0 &&
		    (victim == NULL || (*pp)->serial < (*victim)->serial)) {
			victim = pp;
		}
	}
	if (victim == NULL) {
		return false;
	}
	{
		struct rpc_pctx *p = *victim;

		*victim = p->next;
		talloc_free(p);
		c->n_pctx--;
	}
	return true;
}

/* Returns 0, or the provider reason to refuse the context with. */
static uint16_t add_pctx(struct rpc_conn *c,
                         uint16_t id,
                         const struct rpc_iface_reg *reg,
                         struct rpc_auth_ctx *a)
{
	struct rpc_pctx *p = rpc_assoc_find_pctx(c, id);

	if (p != NULL) {
		return p->reg == reg ? 0 : RPC_REASON_NOT_SPECIFIED;
	}
	if (c->n_pctx >= c->srv->cfg.limits.max_contexts && !evict_pctx(c)) {
		return RPC_REASON_LOCAL_LIMIT_EXCEEDED;
	}
	p = talloc_zero(c, struct rpc_pctx);
	if (p == NULL) {
		return RPC_REASON_LOCAL_LIMIT_EXCEEDED;
	}
	p->id = id;
	p->reg = reg;
	p->auth = a;
	p->serial = ++c->serial;
	p->next = c->pctxs;
	c->pctxs = p;
	c->n_pctx++;
	return 0;
}

/*
 * Negotiates the contexts of [req] into [ack] (allocated under [tmp]) and
 * records the accepted ones bound to [a].  False on allocation failure.
 */
static bool negotiate(struct rpc_conn *c,
                      void *tmp,
                      const struct rpc_pdu *req,
                      struct rpc_auth_ctx *a,
                      uint32_t group_id,
                      struct rpc_pdu *ack)
{
	bool is_bind = req->hdr.ptype == RPC_PTYPE_BIND;
	struct rpc_bind_policy pol = {
		.abstract_supported = supported,
		.arg = c->srv,
		.max_xmit_frag = is_bind ? c->srv->cfg.limits.max_frag
		                         : c->max_xmit,
		.max_recv_frag = is_bind ? c->srv->cfg.limits.max_frag
		                         : c->max_recv,
		.assoc_group_id = group_id,
		.sec_addr = is_bind ? c->sec_addr : NULL,
		.btfn_supported = RPC_BTFN_SEC_CONTEXT_MULTIPLEXING |
		                  RPC_BTFN_KEEP_CONNECTION_ON_ORPHAN,
	};
	struct rpc_bind_ack *b = &ack->u.bind_ack;

	rpc_pdu_init(ack,
	             is_bind ? RPC_PTYPE_BIND_ACK
	                     : RPC_PTYPE_ALTER_CONTEXT_RESP,
	             req->hdr.call_id);
	if (req->hdr.pfc_flags & RPC_PFC_SUPPORT_HEADER_SIGN) {
		ack->hdr.pfc_flags |= RPC_PFC_SUPPORT_HEADER_SIGN;
		c->header_sign = true;
	}
	if (rpc_bind_negotiate(tmp, &req->u.bind, &pol, b, NULL) !=
	    RPC_PDU_OK) {
		return false;
	}
	if (!is_bind) {
		/* Keep the bind's sizes (the client's may differ). */
		b->max_xmit_frag = c->max_xmit;
		b->max_recv_frag = c->max_recv;
	}
	for (uint8_t i = 0; i < b->n_results; i++) {
		const struct rpc_ctx_elem *e = &req->u.bind.ctx[i];
		uint16_t reason;

		if (b->results[i].result != RPC_RESULT_ACCEPTANCE) {
			continue;
		}
		reason = add_pctx(
		        c, e->p_cont_id,
		        rpc_srv_find_iface(c->srv, &e->abstract_syntax), a);
		if (reason != 0) {
			b->results[i].result = RPC_RESULT_PROVIDER_REJECTION;
			b->results[i].reason = reason;
			b->results[i].transfer_syntax = rpc_syntax_null;
		} else {
			const struct rpc_iface_reg *r = rpc_srv_find_iface(
			        c->srv, &e->abstract_syntax);

			rpc_conn_log(c, LOG_LVL_DEBUG, "context %u: %s v%u.%u",
			             e->p_cont_id,
			             r->iface->name ? r->iface->name : "?",
			             e->abstract_syntax.ver_major,
			             e->abstract_syntax.ver_minor);
		}
	}
	return true;
}

static void attach_token(struct rpc_pdu *ack,
                         const struct rpc_auth_ctx *a,
                         const uint8_t *tok,
                         size_t len)
{
	if (a == NULL || tok == NULL || len == 0) {
		return;
	}
	ack->has_auth = true;
	ack->auth.auth_type = a->auth_type;
	ack->auth.auth_level = a->auth_level;
	ack->auth.auth_pad_length = 0; /* impacket: no pad (notes 2.3) */
	ack->auth.auth_reserved = 0;
	ack->auth.auth_context_id = a->id;
	ack->hdr.auth_length = (uint16_t)len;
	ack->auth_value = tok;
}

void rpc_assoc_bind(struct rpc_conn *c, struct rpc_pdu *pdu)
{
	struct rpc_server *srv = c->srv;
	struct rpc_group *g = NULL;
	struct rpc_auth_ctx *a = NULL;
	const uint8_t *tok = NULL;
	size_t tok_len = 0;
	struct rpc_pdu ack;
	void *tmp;
	uint32_t gid = pdu->u.bind.assoc_group_id;

	srv->stats.binds++;
	if (c->bound) {
		rpc_conn_log(c, LOG_LVL_WARN, "second bind refused");
		rpc_conn_send_nak(c, pdu->hdr.call_id,
		                  RPC_NAK_REASON_NOT_SPECIFIED);
		return;
	}
	if (gid != 0 && rpc_group_find(srv, gid) == NULL) {
		rpc_conn_log(c, LOG_LVL_INFO,
		             "bind to unknown association group 0x%x", gid);
		rpc_conn_send_nak(c, pdu->hdr.call_id,
		                  RPC_NAK_REASON_NOT_SPECIFIED);
		return;
	}
	if (pdu->has_auth) {
		int reason = rpc_auth_start(c, pdu, &a, &tok, &tok_len);

		if (reason != 0) {
			rpc_conn_send_nak(c, pdu->hdr.call_id,
			                  (uint16_t)(reason % 1000));
			return;
		}
	}
	tmp = talloc_new(NULL);
	if (tmp == NULL) {
		rpc_conn_send_nak(c, pdu->hdr.call_id,
		                  RPC_NAK_LOCAL_LIMIT_EXCEEDED);
		return;
	}
	if (gid != 0) {
		g = rpc_group_find(srv, gid);
		g->n_conns++;
	} else {
		g = rpc_group_new(srv);
	}
	if (g == NULL || !negotiate(c, tmp, pdu, a, g->id, &ack)) {
		rpc_group_unref(srv, g);
		rpc_conn_send_nak(c, pdu->hdr.call_id,
		                  RPC_NAK_LOCAL_LIMIT_EXCEEDED);
		talloc_free(tmp);
		return;
	}
	c->group = g;
	c->bound = true;
	c->default_auth = a;
	c->max_xmit = ack.u.bind_ack.max_xmit_frag;
	c->max_recv = ack.u.bind_ack.max_recv_frag;
	c->reasm.max_frag = c->max_recv;
	attach_token(&ack, a, tok, tok_len);
	rpc_conn_send_pdu(c, &ack);
	talloc_free(tmp);
}

/* The third leg carried by an alter_context (instead of AUTH3). */
static bool alter_third_leg(struct rpc_conn *c,
                            struct rpc_pdu *pdu,
                            struct rpc_auth_ctx *a,
                            const uint8_t **tok,
                            size_t *tok_len)
{
	hresult hr = rpc_auth_continue(c, a, pdu->auth_value,
	                               pdu->hdr.auth_length, tok, tok_len);

	if (hr_failed(hr)) {
		rpc_conn_send_fault(c, pdu->hdr.call_id, 0,
		                    RPC_FAULT_RPC_S_ACCESS_DENIED);
		return false;
	}
	return true;
}

void rpc_assoc_alter(struct rpc_conn *c, struct rpc_pdu *pdu)
{
	struct rpc_auth_ctx *a = NULL;
	const uint8_t *tok = NULL;
	size_t tok_len = 0;
	struct rpc_pdu ack;
	void *tmp;

	if (!c->bound) {
		c->srv->stats.protocol_errors++;
		rpc_conn_log(c, LOG_LVL_WARN, "alter_context before bind");
		rpc_conn_send_fault(c, pdu->hdr.call_id, 0,
		                    RPC_FAULT_NCA_S_PROTO_ERROR);
		return;
	}
	if (pdu->has_auth) {
		a = rpc_auth_find(c, pdu->auth.auth_context_id);
		if (a == NULL) {
			int reason = rpc_auth_start(c, pdu, &a, &tok, &tok_len);

			if (reason != 0) {
				rpc_conn_send_fault(
				        c, pdu->hdr.call_id, 0,
				        RPC_FAULT_RPC_S_SEC_PKG_ERROR);
				return;
			}
		} else if (a->state == RPC_AUTH_CHALLENGED ||
		           a->state == RPC_AUTH_SELECTED) {
			if (!alter_third_leg(c, pdu, a, &tok, &tok_len)) {
				return;
			}
		} else {
			rpc_conn_log(c, LOG_LVL_WARN,
			             "alter_context re-authenticates security "
			             "context %u: refused",
			             a->id);
			rpc_conn_send_fault(c, pdu->hdr.call_id, 0,
			                    RPC_FAULT_RPC_S_SEC_PKG_ERROR);
			return;
		}
	}
	tmp = talloc_new(NULL);
	if (tmp == NULL || !negotiate(c, tmp, pdu, a, c->group->id, &ack)) {
		rpc_conn_send_fault(c, pdu->hdr.call_id, 0,
		                    RPC_FAULT_NCA_S_FAULT_REMOTE_NO_MEMORY);
		talloc_free(tmp);
		return;
	}
	attach_token(&ack, a, tok, tok_len);
	rpc_conn_send_pdu(c, &ack);
	talloc_free(tmp);
}
