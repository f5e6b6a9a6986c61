/*
 * auth: security contexts of the server runtime (rpc layer): NTLMSSP
 * (auth_type 10, RPC_C_AUTHN_WINNT) legs carried by bind, alter_context
 * and AUTH3, and per-PDU integrity and privacy (MS-RPCE 2.2.2.11,
 * 3.3.1.5.2; MS-NLMP 3.4; interop notes 2.8-2.10).
 *
 * Legs: NEGOTIATE in a bind or alter_context -> CHALLENGE in the
 * bind_ack / alter_context_resp (no auth pad) -> AUTHENTICATE in an AUTH3
 * (no reply), or in an alter_context (answered by an alter_context_resp
 * without token).  A context is keyed by auth_context_id; each has its
 * own NTLM session, so sequence numbers start at 0 per context.
 *
 * What is protected (NTLM with extended session security): at integrity
 * the signature covers the PDU from the first header octet through the
 * sec_trailer; at privacy the same plaintext is signed and stub + auth
 * pad are sealed.  Levels call and pkt are verified when the request
 * carries a 16-octet verifier (impacket sends none at levels 2-4).
 *
 * A failed AUTHENTICATE, a bad signature or a replayed or reordered
 * sequence number kill the context (RPC_AUTH_FAILED): every later request
 * under it gets rpc_s_access_denied.  Each failure is logged once with
 * the user and the peer.
 */
#include <string.h>
#include <talloc.h>

#include "ntlm/msg.h"
#include "ntlm/spnego.h"
#include "rpc/fault.h"
#include "rpc/server-int.h"

struct rpc_auth_ctx *rpc_auth_find(struct rpc_conn *c, uint32_t id)
{
	for (struct rpc_auth_ctx *a = c->auths; a != NULL; a = a->next) {
		if (a->id == id) {
			return a;
		}
	}
	return NULL;
}

bool rpc_auth_evict(struct rpc_conn *c)
{
	struct rpc_auth_ctx **pp, **victim = NULL;
	struct rpc_auth_ctx *a;

	for (pp = &c->auths; *pp != NULL; pp = &(*pp)->next) {
		if ((*pp)->n_calls == 0 && *pp != c->default_auth &&
		    *pp != c->reasm_auth &&
		    (victim == NULL || (*pp)->serial < (*victim)->serial)) {
			victim = pp;
		}
	}
	if (victim == NULL) {
		return false;
	}
	a = *victim;
	*victim = a->next;
	for (struct rpc_pctx *p = c->pctxs; p != NULL; p = p->next) {
		if (p->auth == a) {
			p->auth = NULL;
			p->auth_gone = true;
		}
	}
	talloc_free(a);
	c->n_auth--;
	return true;
}

static const char *level_name(uint8_t level)
{
	switch (level) {
	case RPC_AUTHN_LEVEL_NONE:
		return "none";
	case RPC_AUTHN_LEVEL_CONNECT:
		return "connect";
	case RPC_AUTHN_LEVEL_CALL:
		return "call";
	case RPC_AUTHN_LEVEL_PKT:
		return "pkt";
	case RPC_AUTHN_LEVEL_PKT_INTEGRITY:
		return "pkt_integrity";
	case RPC_AUTHN_LEVEL_PKT_PRIVACY:
		return "pkt_privacy";
	default:
		return "?";
	}
}

/* Builds a NegTokenResp into a->reply. */
static hresult spnego_reply(struct rpc_auth_ctx *a,
                            int state,
                            bool with_mech,
                            const uint8_t *tok,
                            size_t tok_len,
                            const uint8_t *mic,
                            size_t mic_len)
{
	struct spnego_blob none = { NULL, 0 };
	struct spnego_blob t = { tok, tok_len }, m = { mic, mic_len };

	talloc_free(a->reply);
	a->reply = NULL;
	return spnego_build_resp(a, state, with_mech ? spnego_oid_ntlm : none,
	                         tok != NULL ? t : none, mic != NULL ? m : none,
	                         &a->reply, &a->reply_len);
}

/*
 * The first SPNEGO leg: a NegTokenInit.  NTLM must be offered; when it is
 * the client's first mechanism its optimistic token is the NEGOTIATE and
 * the reply carries the CHALLENGE; otherwise the reply only selects NTLM
 * (request-mic, RFC 4178 5) and the NEGOTIATE comes in the next leg.
 * Returns 0 or a bind_nak reason + 1000.
 */
static int spnego_start(struct rpc_conn *c,
                        struct rpc_auth_ctx *a,
                        const uint8_t *in,
                        size_t len,
                        const uint8_t **out,
                        size_t *out_len)
{
	struct spnego_token tok;
	struct errinfo ei;
	size_t i;
	const uint8_t *chal = NULL;
	size_t chal_len = 0;

	a->spnego = true;
	err_clear(&ei);
	if (hr_failed(spnego_parse(in, len, &tok, &ei)) ||
	    tok.kind != SPNEGO_INIT) {
		rpc_conn_log(c, LOG_LVL_WARN, "bad SPNEGO NegTokenInit: %s",
		             ei.msg[0] != '\0' ? ei.msg : "not an init token");
		return 1000 + RPC_NAK_REASON_NOT_SPECIFIED;
	}
	for (i = 0; i < tok.n_mechs; i++) {
		if (spnego_oid_eq(tok.mechs[i], spnego_oid_ntlm)) {
			break;
		}
	}
	if (i == tok.n_mechs) {
		rpc_conn_log(c, LOG_LVL_INFO,
		             "SPNEGO offer without NTLM (%zu mechanisms, e.g. "
		             "Kerberos only) refused",
		             tok.n_mechs);
		return 1000 + RPC_NAK_AUTHENTICATION_TYPE_NOT_RECOGNIZED;
	}
	a->mech_list = talloc_memdup(a, tok.mech_list.p, tok.mech_list.len);
	if (a->mech_list == NULL) {
		return 1000 + RPC_NAK_LOCAL_LIMIT_EXCEEDED;
	}
	a->mech_list_len = tok.mech_list.len;
	a->mic_required = i != 0;
	if (i == 0 && tok.mech_token.p != NULL) {
		if (hr_failed(ntlm_server_negotiate(a->ntlm, tok.mech_token.p,
		                                    tok.mech_token.len, &chal,
		                                    &chal_len, &ei))) {
			rpc_conn_log(c, LOG_LVL_WARN,
			             "bad NTLM NEGOTIATE in SPNEGO: %s",
			             ei.msg[0] != '\0' ? ei.msg
			                               : "out of memory");
			return 1000 + RPC_NAK_REASON_NOT_SPECIFIED;
		}
		a->state = RPC_AUTH_CHALLENGED;
	} else {
		a->state = RPC_AUTH_SELECTED;
	}
	if (hr_failed(spnego_reply(a,
	                           a->mic_required ? SPNEGO_REQUEST_MIC
	                                           : SPNEGO_ACCEPT_INCOMPLETE,
	                           true, chal, chal_len, NULL, 0))) {
		return 1000 + RPC_NAK_LOCAL_LIMIT_EXCEEDED;
	}
	*out = a->reply;
	*out_len = a->reply_len;
	return 0;
}

int rpc_auth_start(struct rpc_conn *c,
                   const struct rpc_pdu *pdu,
                   struct rpc_auth_ctx **out,
                   const uint8_t **token_out,
                   size_t *token_len)
{
	struct rpc_server *srv = c->srv;
	const struct rpc_server_auth *sa = &srv->cfg.auth;
	const struct rpc_sec_trailer *t = &pdu->auth;
	struct ntlm_server_config ncfg;
	struct rpc_auth_ctx *a;
	struct errinfo ei;

	if ((t->auth_type != RPC_AUTHN_WINNT &&
	     t->auth_type != RPC_AUTHN_GSS_NEGOTIATE) ||
	    sa->get_nt_hash == NULL || sa->nb_computer == NULL ||
	    sa->nb_domain == NULL) {
		rpc_conn_log(c, LOG_LVL_INFO,
		             "authentication type %u not supported",
		             t->auth_type);
		return 1000 + RPC_NAK_AUTHENTICATION_TYPE_NOT_RECOGNIZED;
	}
	if (t->auth_level < RPC_AUTHN_LEVEL_CONNECT ||
	    t->auth_level > RPC_AUTHN_LEVEL_PKT_PRIVACY) {
		rpc_conn_log(c, LOG_LVL_INFO, "authentication level %u refused",
		             t->auth_level);
		return 1000 + RPC_NAK_REASON_NOT_SPECIFIED;
	}
	if (rpc_auth_find(c, t->auth_context_id) != NULL) {
		rpc_conn_log(c, LOG_LVL_WARN, "security context %u reused",
		             t->auth_context_id);
		return 1000 + RPC_NAK_REASON_NOT_SPECIFIED;
	}
	if (c->n_auth >= srv->cfg.limits.max_auth_contexts &&
	    !rpc_auth_evict(c)) {
		rpc_conn_log(c, LOG_LVL_WARN,
		             "too many security contexts (max_auth_contexts)");
		return 1000 + RPC_NAK_LOCAL_LIMIT_EXCEEDED;
	}
	a = talloc_zero(c, struct rpc_auth_ctx);
	if (a == NULL) {
		return 1000 + RPC_NAK_LOCAL_LIMIT_EXCEEDED;
	}
	a->auth_type = t->auth_type;
	memset(&ncfg, 0, sizeof(ncfg));
	ncfg.nb_computer = sa->nb_computer;
	ncfg.nb_domain = sa->nb_domain;
	ncfg.dns_computer = sa->dns_computer;
	ncfg.dns_domain = sa->dns_domain;
	ncfg.dns_tree = sa->dns_tree;
	ncfg.get_nt_hash = sa->get_nt_hash;
	ncfg.get_nt_hash_arg = sa->get_nt_hash_arg;
	ncfg.allow_ntlmv1 = sa->allow_ntlmv1;
	a->ntlm = ntlm_server_new(a, &ncfg);
	a->state = RPC_AUTH_CHALLENGED;
	err_clear(&ei);
	if (a->ntlm != NULL && a->auth_type == RPC_AUTHN_GSS_NEGOTIATE) {
		int reason = spnego_start(c, a, pdu->auth_value,
		                          pdu->hdr.auth_length, token_out,
		                          token_len);

		if (reason != 0) {
			talloc_free(a);
			return reason;
		}
	} else if (a->ntlm == NULL ||
	           hr_failed(ntlm_server_negotiate(
	                   a->ntlm, pdu->auth_value, pdu->hdr.auth_length,
	                   token_out, token_len, &ei))) {
		rpc_conn_log(c, LOG_LVL_WARN, "bad NTLM NEGOTIATE: %s",
		             ei.msg[0] != '\0' ? ei.msg : "out of memory");
		talloc_free(a);
		return 1000 + RPC_NAK_REASON_NOT_SPECIFIED;
	}
	a->id = t->auth_context_id;
	a->auth_level = t->auth_level;
	a->serial = ++c->serial;
	a->next = c->auths;
	c->auths = a;
	c->n_auth++;
	*out = a;
	return 0;
}

/* Logs a refused AUTHENTICATE with the user it named, if readable. */
static void log_auth_failure(struct rpc_conn *c,
                             const uint8_t *token,
                             size_t len,
                             const struct errinfo *ei,
                             hresult hr)
{
	void *tmp = talloc_new(NULL);
	struct ntlm_authenticate *m = NULL;
	const char *user = "?", *domain = "";

	if (tmp != NULL &&
	    hr_ok(ntlm_authenticate_parse(tmp, token, len, &m, NULL)) &&
	    m != NULL) {
		user = m->user;
		domain = m->domain;
	}
	rpc_conn_log(c, LOG_LVL_WARN,
	             "authentication failed for user '%s%s%s': %s%s%s", domain,
	             domain[0] != '\0' ? "\\" : "", user, hr_name(hr),
	             ei->msg[0] != '\0' ? ": " : "", ei->msg);
	talloc_free(tmp);
}

hresult rpc_auth_finish(struct rpc_conn *c,
                        struct rpc_auth_ctx *a,
                        const uint8_t *token,
                        size_t len)
{
	struct errinfo ei;
	hresult hr;
	const struct ntlm_identity *id;

	err_clear(&ei);
	hr = ntlm_server_authenticate(a->ntlm, token, len, &ei);
	if (hr_failed(hr)) {
		a->state = RPC_AUTH_FAILED;
		c->srv->stats.auth_failures++;
		log_auth_failure(c, token, len, &ei, hr);
		return hr;
	}
	id = ntlm_server_identity(a->ntlm);
	a->user = talloc_strdup(a, id->user);
	a->domain = talloc_strdup(a, id->domain);
	a->session = ntlm_server_session(a->ntlm);
	if (a->user == NULL || a->domain == NULL || a->session == NULL) {
		a->state = RPC_AUTH_FAILED;
		return HR_E_OUTOFMEMORY;
	}
	a->state = RPC_AUTH_ESTABLISHED;
	c->srv->stats.auth_ok++;
	rpc_conn_log(c, LOG_LVL_INFO,
	             "authenticated user '%s%s%s' (%s, level %s, context "
	             "%u)",
	             a->domain, a->domain[0] != '\0' ? "\\" : "", a->user,
	             a->spnego ? "SPNEGO/NTLM" : "NTLM",
	             level_name(a->auth_level), a->id);
	return HR_S_OK;
}

static hresult spnego_fail(struct rpc_conn *c,
                           struct rpc_auth_ctx *a,
                           hresult hr,
                           const char *why)
{
	a->state = RPC_AUTH_FAILED;
	c->srv->stats.auth_failures++;
	rpc_conn_log(c, LOG_LVL_WARN, "SPNEGO (context %u) refused: %s", a->id,
	             why);
	return hr;
}

/*
 * The mechListMIC exchange once NTLM has completed: checks the client's
 * MIC over its MechTypeList (when sent, or required), makes ours, then
 * restarts the NTLM session's RC4 states and sequence numbers, as
 * Windows does after a mechListMIC, and builds accept-completed.
 */
static hresult spnego_complete(struct rpc_conn *c,
                               struct rpc_auth_ctx *a,
                               const struct spnego_token *tok)
{
	uint8_t mic[NTLM_SIG_SIZE];
	struct errinfo ei;
	bool exchange = tok->mech_list_mic.p != NULL;
	hresult hr;

	if (!exchange && a->mic_required) {
		return spnego_fail(c, a, HR_SEC_E_MESSAGE_ALTERED,
		                   "mechListMIC required but absent");
	}
	if (!exchange) {
		return spnego_reply(a, SPNEGO_ACCEPT_COMPLETED, false, NULL, 0,
		                    NULL, 0);
	}
	err_clear(&ei);
	if (tok->mech_list_mic.len != NTLM_SIG_SIZE ||
	    hr_failed(ntlm_verify(a->session, a->mech_list, a->mech_list_len,
	                          tok->mech_list_mic.p, &ei))) {
		return spnego_fail(c, a, HR_SEC_E_MESSAGE_ALTERED,
		                   "mechListMIC does not verify");
	}
	hr = ntlm_sign(a->session, a->mech_list, a->mech_list_len, mic);
	if (hr_failed(hr)) {
		return spnego_fail(c, a, hr, "cannot sign the mechListMIC");
	}
	ntlm_session_reset(a->session);
	return spnego_reply(a, SPNEGO_ACCEPT_COMPLETED, false, NULL, 0, mic,
	                    sizeof(mic));
}

hresult rpc_auth_continue(struct rpc_conn *c,
                          struct rpc_auth_ctx *a,
                          const uint8_t *token,
                          size_t len,
                          const uint8_t **reply,
                          size_t *reply_len)
{
	struct spnego_token tok;
	struct errinfo ei;
	const uint8_t *chal;
	size_t chal_len;
	hresult hr;

	*reply = NULL;
	*reply_len = 0;
	if (!a->spnego) {
		return rpc_auth_finish(c, a, token, len);
	}
	err_clear(&ei);
	hr = spnego_parse(token, len, &tok, &ei);
	if (hr_failed(hr)) {
		return spnego_fail(c, a, hr, ei.msg);
	}
	if (tok.kind != SPNEGO_RESP) {
		return spnego_fail(c, a, HR_SEC_E_INVALID_TOKEN,
		                   "NegTokenInit in a later leg");
	}
	if (tok.neg_state == SPNEGO_REJECT) {
		return spnego_fail(c, a, HR_SEC_E_INVALID_TOKEN,
		                   "the client rejected the negotiation");
	}
	if (tok.response_token.p == NULL) {
		return spnego_fail(c, a, HR_SEC_E_INVALID_TOKEN,
		                   "NegTokenResp without responseToken");
	}
	if (a->state == RPC_AUTH_SELECTED) {
		hr = ntlm_server_negotiate(a->ntlm, tok.response_token.p,
		                           tok.response_token.len, &chal,
		                           &chal_len, &ei);
		if (hr_failed(hr)) {
			return spnego_fail(c, a, hr, ei.msg);
		}
		hr = spnego_reply(a, SPNEGO_ACCEPT_INCOMPLETE, false, chal,
		                  chal_len, NULL, 0);
		if (hr_failed(hr)) {
			a->state = RPC_AUTH_FAILED;
			return hr;
		}
		a->state = RPC_AUTH_CHALLENGED;
	} else {
		hr = rpc_auth_finish(c, a, tok.response_token.p,
		                     tok.response_token.len);
		if (hr_failed(hr)) {
			return hr;
		}
		hr = spnego_complete(c, a, &tok);
		if (hr_failed(hr)) {
			c->srv->stats.auth_ok--;
			return hr;
		}
	}
	*reply = a->reply;
	*reply_len = a->reply_len;
	return HR_S_OK;
}

void rpc_auth_auth3(struct rpc_conn *c, struct rpc_pdu *pdu)
{
	const uint8_t *reply;
	size_t reply_len;

	struct rpc_auth_ctx *a;

	if (!pdu->has_auth) {
		rpc_conn_log(c, LOG_LVL_WARN, "AUTH3 without a token ignored");
		return;
	}
	a = rpc_auth_find(c, pdu->auth.auth_context_id);
	if (a == NULL || a->state != RPC_AUTH_CHALLENGED) {
		rpc_conn_log(c, LOG_LVL_WARN,
		             "AUTH3 for security context %u, which awaits "
		             "none, ignored",
		             pdu->auth.auth_context_id);
		return;
	}
	if (pdu->auth.auth_type != a->auth_type ||
	    pdu->auth.auth_level != a->auth_level) {
		a->state = RPC_AUTH_FAILED;
		c->srv->stats.auth_failures++;
		rpc_conn_log(c, LOG_LVL_WARN,
		             "AUTH3 changes the authentication type or level");
		return;
	}
	if (a->state == RPC_AUTH_SELECTED) {
		/* The NEGOTIATE needs a reply, which an AUTH3 cannot get. */
		spnego_fail(c, a, HR_SEC_E_INVALID_TOKEN,
		            "AUTH3 where the NTLM NEGOTIATE was awaited");
		return;
	}
	/* No reply to an AUTH3: SPNEGO's final token is dropped. */
	rpc_auth_continue(c, a, pdu->auth_value, pdu->hdr.auth_length, &reply,
	                  &reply_len);
}

static uint32_t integrity_failure(struct rpc_conn *c,
                                  struct rpc_auth_ctx *a,
                                  const char *msg)
{
	a->state = RPC_AUTH_FAILED;
	c->srv->stats.auth_failures++;
	rpc_conn_log(c, LOG_LVL_WARN,
	             "integrity check failed for user '%s%s%s' (context %u): "
	             "%s",
	             a->domain, a->domain[0] != '\0' ? "\\" : "", a->user,
	             a->id, msg);
	return RPC_FAULT_RPC_S_SEC_PKG_ERROR;
}

uint32_t rpc_auth_check_request(struct rpc_conn *c,
                                uint8_t *data,
                                struct rpc_pdu *pdu,
                                struct rpc_auth_ctx **out,
                                bool *signed_)
{
	struct rpc_auth_ctx *a;
	struct errinfo ei;
	hresult hr;
	size_t v;

	*out = NULL;
	*signed_ = false;
	if (!pdu->has_auth) {
		return 0;
	}
	a = rpc_auth_find(c, pdu->auth.auth_context_id);
	if (a == NULL || a->state != RPC_AUTH_ESTABLISHED) {
		rpc_conn_log(c, LOG_LVL_INFO,
		             "request under %s security context %u refused",
		             a == NULL                     ? "unknown"
		             : a->state == RPC_AUTH_FAILED ? "failed"
		                                           : "unfinished",
		             pdu->auth.auth_context_id);
		return RPC_FAULT_RPC_S_ACCESS_DENIED;
	}
	if (pdu->auth.auth_type != a->auth_type ||
	    pdu->auth.auth_level != a->auth_level) {
		rpc_conn_log(c, LOG_LVL_WARN,
		             "request changes the level of security context %u",
		             a->id);
		return RPC_FAULT_RPC_S_ACCESS_DENIED;
	}
	*out = a;
	if (a->auth_level <= RPC_AUTHN_LEVEL_CONNECT ||
	    (a->auth_level < RPC_AUTHN_LEVEL_PKT_INTEGRITY &&
	     pdu->hdr.auth_length != NTLM_SIG_SIZE)) {
		return 0;
	}
	if (pdu->hdr.auth_length != NTLM_SIG_SIZE) {
		return integrity_failure(c, a, "verifier is not 16 octets");
	}
	v = pdu->auth_value_off;
	err_clear(&ei);
	if (a->auth_level == RPC_AUTHN_LEVEL_PKT_PRIVACY) {
		hr = ntlm_unseal_region(a->session, data, v, pdu->stub_off,
		                        pdu->sec_trailer_off - pdu->stub_off,
		                        data + v, &ei);
	} else {
		hr = ntlm_verify(a->session, data, v, data + v, &ei);
	}
	if (hr_failed(hr)) {
		return integrity_failure(c, a, ei.msg);
	}
	*signed_ = true;
	return 0;
}

hresult rpc_auth_protect(struct rpc_auth_ctx *a, struct rpc_frag *f)
{
	size_t v = f->auth_value_off;

	if (a->auth_level == RPC_AUTHN_LEVEL_PKT_PRIVACY) {
		return ntlm_seal_region(a->session, f->data, v, f->stub_off,
		                        f->sec_trailer_off - f->stub_off,
		                        f->data + v);
	}
	return ntlm_sign(a->session, f->data, v, f->data + v);
}
