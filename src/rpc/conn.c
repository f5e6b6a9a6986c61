/*
 * conn: one client connection of the server runtime (rpc layer): the
 * stream reader that cuts the byte stream into fragments (C706 12.6.1:
 * the common header's frag_length), the dispatch of each fragment by
 * PTYPE, writes and the connection's end of life.
 *
 * Reading: octets arrive in the server's shared read buffer; whole
 * fragments are handled in place (sign checks and decryption are done on
 * that mutable copy) and only a fragment split across reads is copied
 * into c->pend.  An idle connection therefore owns no buffer.
 *
 * Errors in the framing (bad version, drep, PTYPE, a frag_length above
 * the negotiated max_recv_frag) leave the stream out of step: the
 * connection gets a bind_nak or a fault when the PDU was a bind or a
 * request, and is closed once that is written.  A well-framed PDU that
 * fails to parse gets a bind_nak or fault and the connection carries on.
 */
#include <stdarg.h>
#include <stdio.h>
#include <string.h>
#include <talloc.h>

#include "rpc/fault.h"
#include "rpc/server-int.h"

/* Writes queued above this stop reading until they drain. */
#define WRITE_HIGH_WATER (4u << 20)

struct wreq {
	uv_write_t req;
	struct rpc_conn *c;
	size_t bytes;
};

void rpc_conn_log(struct rpc_conn *c, enum log_level lvl, const char *fmt, ...)
{
	char msg[512];
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(msg, sizeof(msg), fmt, ap);
	va_end(ap);
	log_msg(c->srv->log, lvl, RPC_LOG, "conn %llu (%s %s:%u): %s",
	        (unsigned long long)c->id, c->ops->name, c->peer_addr,
	        c->peer_port, msg);
}

static void conn_free(struct rpc_conn *c)
{
	struct rpc_server *srv = c->srv;

	if (c->counted) {
		if (c->prev != NULL) {
			c->prev->next = c->next;
		} else {
			srv->conns = c->next;
		}
		if (c->next != NULL) {
			c->next->prev = c->prev;
		}
		srv->n_conns--;
	}
	if (srv->cfg.conn_closed != NULL && c->counted) {
		srv->cfg.conn_closed(srv->cfg.conn_closed_arg, c->id,
		                     c->group != NULL ? c->group->id : 0);
	}
	rpc_group_unref(srv, c->group);
	talloc_free(c);
	rpc_srv_shutdown_progress(srv);
}

void rpc_conn_maybe_free(struct rpc_conn *c)
{
	if (c->handle_closed && c->n_inflight == 0 && c->n_writes == 0) {
		conn_free(c);
	}
}

static void conn_closed_cb(uv_handle_t *h)
{
	struct rpc_conn *c = h->data;

	c->handle_closed = true;
	rpc_conn_maybe_free(c);
}

void rpc_conn_close(struct rpc_conn *c, const char *why)
{
	if (c->closing) {
		return;
	}
	c->closing = true;
	if (why != NULL) {
		rpc_conn_log(c, LOG_LVL_INFO, "closing: %s", why);
	}
	if (c->peer != NULL) {
		c->peer->n_conns--;
		c->peer = NULL;
	}
	rpc_dispatch_conn_closing(c);
	rpc_reasm_reset(&c->reasm);
	TALLOC_FREE(c->pend);
	c->ops->close(c, conn_closed_cb);
}

void rpc_conn_close_soon(struct rpc_conn *c, const char *why)
{
	if (c->closing) {
		return;
	}
	if (c->n_writes == 0 && c->n_inflight == 0) {
		rpc_conn_close(c, why);
		return;
	}
	if (why != NULL && !c->close_after_write) {
		rpc_conn_log(c, LOG_LVL_DEBUG, "will close: %s", why);
	}
	c->close_after_write = true;
	if (c->reading) {
		c->ops->read_stop(c);
		c->reading = false;
	}
}

static void write_cb(uv_write_t *req, int status)
{
	struct wreq *w = req->data;
	struct rpc_conn *c = w->c;

	c->n_writes--;
	c->write_bytes -= w->bytes;
	talloc_free(w);
	if (status != 0 && !c->closing) {
		rpc_conn_close(c, uv_strerror(status));
	}
	if (c->closing) {
		rpc_conn_maybe_free(c);
		return;
	}
	if (c->close_after_write) {
		if (c->n_writes == 0 && c->n_inflight == 0) {
			rpc_conn_close(c, NULL);
		}
		return;
	}
	if (!c->reading && c->write_bytes < WRITE_HIGH_WATER / 2) {
		if (c->ops->read_start(c) == 0) {
			c->reading = true;
		}
	}
}

void rpc_conn_write(struct rpc_conn *c,
                    void *owner,
                    const uv_buf_t *bufs,
                    unsigned n)
{
	struct wreq *w;
	size_t bytes = 0;
	int rc;

	if (c->closing) {
		talloc_free(owner);
		return;
	}
	w = talloc_zero(c, struct wreq);
	if (w == NULL) {
		talloc_free(owner);
		rpc_conn_close(c, "out of memory");
		return;
	}
	talloc_steal(w, owner);
	for (unsigned i = 0; i < n; i++) {
		bytes += bufs[i].len;
	}
	w->c = c;
	w->bytes = bytes;
	w->req.data = w;
	rc = c->ops->write(c, &w->req, bufs, n, write_cb);
	if (rc != 0) {
		talloc_free(w);
		rpc_conn_close(c, uv_strerror(rc));
		return;
	}
	c->n_writes++;
	c->write_bytes += bytes;
	c->srv->stats.bytes_out += bytes;
	if (c->write_bytes > WRITE_HIGH_WATER && c->reading) {
		c->ops->read_stop(c);
		c->reading = false;
	}
}

void rpc_conn_send_pdu(struct rpc_conn *c, struct rpc_pdu *pdu)
{
	void *tmp = talloc_new(NULL);
	uint8_t *bytes;
	size_t len;
	uv_buf_t b;

	if (tmp == NULL ||
	    rpc_pdu_build(tmp, pdu, &bytes, &len) != RPC_PDU_OK) {
		talloc_free(tmp);
		rpc_conn_close(c, "cannot build a reply");
		return;
	}
	b = uv_buf_init((char *)bytes, (unsigned)len);
	rpc_conn_write(c, tmp, &b, 1);
}

void rpc_conn_send_fault(struct rpc_conn *c,
                         uint32_t call_id,
                         uint16_t p_cont_id,
                         uint32_t status)
{
	struct rpc_pdu pdu;

	rpc_fault_init(&pdu, call_id, p_cont_id, status, false);
	c->srv->stats.faults++;
	rpc_conn_send_pdu(c, &pdu);
}

void rpc_conn_send_nak(struct rpc_conn *c, uint32_t call_id, uint16_t reason)
{
	struct rpc_pdu pdu;
	void *tmp = talloc_new(NULL);

	if (tmp != NULL &&
	    rpc_bind_nak_init(tmp, &pdu, call_id, reason) == RPC_PDU_OK) {
		c->srv->stats.bind_naks++;
		rpc_conn_send_pdu(c, &pdu);
	}
	talloc_free(tmp);
}

/* A framing error: answer if we can, then close once written. */
static void framing_error(struct rpc_conn *c,
                          const struct rpc_hdr *h,
                          enum rpc_pdu_err err,
                          const char *what)
{
	c->srv->stats.protocol_errors++;
	rpc_conn_log(c, LOG_LVL_WARN, "protocol error: %s (%s)", what,
	             rpc_pdu_err_name(err));
	if (h != NULL && (h->ptype == RPC_PTYPE_BIND ||
	                  h->ptype == RPC_PTYPE_ALTER_CONTEXT)) {
		rpc_conn_send_nak(c, h->call_id, rpc_pdu_err_nak_reason(err));
	} else if (h != NULL && h->ptype == RPC_PTYPE_REQUEST) {
		rpc_conn_send_fault(c, h->call_id, 0, rpc_pdu_err_fault(err));
	}
	rpc_conn_close_soon(c, what);
}

static void handle_frag(struct rpc_conn *c, uint8_t *data, size_t len)
{
	struct rpc_pdu pdu;
	struct errinfo ei;
	enum rpc_pdu_err err;
	void *tmp = talloc_new(NULL);

	if (tmp == NULL) {
		rpc_conn_close(c, "out of memory");
		return;
	}
	err_clear(&ei);
	err = rpc_pdu_parse(tmp, data, len, &pdu, &ei);
	if (err != RPC_PDU_OK) {
		c->srv->stats.protocol_errors++;
		rpc_conn_log(c, LOG_LVL_WARN, "bad %s PDU: %s",
		             rpc_ptype_name(pdu.hdr.ptype), ei.msg);
		if (pdu.hdr.ptype == RPC_PTYPE_BIND ||
		    pdu.hdr.ptype == RPC_PTYPE_ALTER_CONTEXT) {
			rpc_conn_send_nak(c, pdu.hdr.call_id,
			                  rpc_pdu_err_nak_reason(err));
		} else if (pdu.hdr.ptype == RPC_PTYPE_REQUEST) {
			rpc_conn_send_fault(c, pdu.hdr.call_id, 0,
			                    rpc_pdu_err_fault(err));
		} else {
			rpc_conn_close_soon(c, "unparsable PDU");
		}
		talloc_free(tmp);
		return;
	}
	switch (pdu.hdr.ptype) {
	case RPC_PTYPE_BIND:
		rpc_assoc_bind(c, &pdu);
		break;
	case RPC_PTYPE_ALTER_CONTEXT:
		rpc_assoc_alter(c, &pdu);
		break;
	case RPC_PTYPE_AUTH3:
		rpc_auth_auth3(c, &pdu);
		break;
	case RPC_PTYPE_REQUEST:
		rpc_dispatch_request(c, data, &pdu);
		break;
	case RPC_PTYPE_CO_CANCEL:
	case RPC_PTYPE_ORPHANED:
		rpc_dispatch_cancel(c, &pdu);
		break;
	case RPC_PTYPE_SHUTDOWN:
		/* Only servers send shutdown (C706 12.6.4.8): ignore. */
		break;
	default:
		c->srv->stats.protocol_errors++;
		rpc_conn_log(c, LOG_LVL_WARN,
		             "protocol error: a client sent a %s PDU",
		             rpc_ptype_name(pdu.hdr.ptype));
		rpc_conn_close_soon(c, "unexpected PDU type");
		break;
	}
	talloc_free(tmp);
}

/*
 * Checks the header at [p] (16 octets available).  Returns the fragment
 * length, or 0 after handling a framing error.
 */
static size_t check_header(struct rpc_conn *c, const uint8_t *p)
{
	struct rpc_hdr h;
	enum rpc_pdu_err err = rpc_pdu_peek(p, RPC_HDR_LEN, &h, NULL);
	uint16_t limit = c->max_recv;

	if (err != RPC_PDU_OK) {
		framing_error(c, &h, err, "bad PDU header");
		return 0;
	}
	if (h.ptype == RPC_PTYPE_BIND || h.ptype == RPC_PTYPE_ALTER_CONTEXT ||
	    h.ptype == RPC_PTYPE_AUTH3) {
		/* Binds come before negotiation: accept our own maximum. */
		limit = c->srv->cfg.limits.max_frag;
		if (limit < c->max_recv) {
			limit = c->max_recv;
		}
	}
	if (h.frag_length > limit) {
		framing_error(c, &h, RPC_PDU_ERR_TOO_BIG,
		              "fragment longer than max_recv_frag");
		return 0;
	}
	return h.frag_length;
}

static bool stash(struct rpc_conn *c, const uint8_t *p, size_t n)
{
	size_t cap = c->pend_need != 0 ? c->pend_need : RPC_HDR_LEN;

	if (c->pend == NULL || talloc_get_size(c->pend) < cap) {
		uint8_t *np = talloc_realloc(c, c->pend, uint8_t, cap);

		if (np == NULL) {
			rpc_conn_close(c, "out of memory");
			return false;
		}
		c->pend = np;
	}
	memcpy(c->pend + c->pend_len, p, n);
	c->pend_len += n;
	return true;
}

/* Continues a fragment split across reads.  Returns octets consumed. */
static size_t feed_pending(struct rpc_conn *c, const uint8_t *data, size_t len)
{
	size_t used = 0, n;

	if (c->pend_need == 0) {
		n = RPC_HDR_LEN - c->pend_len;
		if (n > len) {
			n = len;
		}
		if (!stash(c, data, n)) {
			return len;
		}
		used = n;
		if (c->pend_len < RPC_HDR_LEN) {
			return used;
		}
		c->pend_need = check_header(c, c->pend);
		if (c->pend_need == 0) {
			return len;
		}
	}
	n = c->pend_need - c->pend_len;
	if (n > len - used) {
		n = len - used;
	}
	if (!stash(c, data + used, n)) {
		return len;
	}
	used += n;
	if (c->pend_len == c->pend_need) {
		size_t flen = c->pend_need;
		uint8_t *frag = c->pend;

		c->pend = NULL;
		c->pend_len = 0;
		c->pend_need = 0;
		handle_frag(c, frag, flen);
		talloc_free(frag);
	}
	return used;
}

static void update_partial(struct rpc_conn *c)
{
	if (c->pend_len != 0 || c->reasm.active) {
		if (c->partial_since_ms == 0) {
			c->partial_since_ms = uv_now(c->srv->loop);
		}
	} else {
		c->partial_since_ms = 0;
	}
}

void rpc_conn_feed(struct rpc_conn *c, uint8_t *data, size_t len)
{
	c->last_activity_ms = uv_now(c->srv->loop);
	while (len > 0 && !c->closing && !c->close_after_write) {
		size_t flen;

		if (c->pend_len != 0) {
			size_t used = feed_pending(c, data, len);

			data += used;
			len -= used;
			continue;
		}
		if (len < RPC_HDR_LEN) {
			stash(c, data, len);
			break;
		}
		flen = check_header(c, data);
		if (flen == 0) {
			break;
		}
		if (len < flen) {
			c->pend_need = flen;
			stash(c, data, len);
			break;
		}
		handle_frag(c, data, flen);
		data += flen;
		len -= flen;
	}
	if (!c->closing) {
		update_partial(c);
	}
}
