/*
 * pdu: parse and build connection-oriented DCE/RPC PDUs (rpc layer, leaf
 * codec).  Layouts: C706 12.6.4, MS-RPCE 2.2.2; see pdu.h for the header
 * and trailer drawings.  Type-specific fields, after the 16-octet header:
 *
 *   bind / alter_context          bind_ack / alter_context_resp
 *   16  2  max_xmit_frag          16  2  max_xmit_frag
 *   18  2  max_recv_frag          18  2  max_recv_frag
 *   20  4  assoc_group_id         20  4  assoc_group_id
 *   24  1  n_context_elem         24  2  sec_addr length N (with NUL)
 *   25  3  reserved               26  N  sec_addr
 *   28     p_cont_elem[n]:            pad to 4 (from the PDU start)
 *          2 p_cont_id                1  n_results, 3 reserved
 *          1 n_transfer_syn           p_result[n]: 2 result, 2 reason,
 *          1 reserved                              20 transfer syntax
 *          20 abstract syntax
 *          20 * n transfer syntaxes
 *
 *   request                       response                fault
 *   16 4 alloc_hint               16 4 alloc_hint         16 4 alloc_hint
 *   20 2 p_cont_id                20 2 p_cont_id          20 2 p_cont_id
 *   22 2 opnum                    22 1 cancel_count       22 1 cancel_count
 *   24 16 object (PFC_OBJECT_UUID) 23 1 reserved          23 1 flags
 *   24/40 stub                    24 stub                 24 4 status
 *                                                         28 4 reserved
 *   bind_nak                                              32 stub
 *   16 2 provider_reject_reason
 *   18 1 n_protocols, then {major, minor} per protocol, then opaque octets
 *
 *   rpc_auth_3: 16 4 pad (impacket: four spaces), then the sec_trailer.
 *   shutdown, co_cancel, orphaned: header only (co_cancel and orphaned may
 *   carry a sec_trailer).
 *
 * Invariant: every read goes through a struct rd bounded by the body end
 * (the sec_trailer offset when auth_length > 0); counts are multiplied by
 * their element size only after comparing them with the remaining octets.
 */
#include "rpc/pdu.h"

#include <stdarg.h>
#include <stdio.h>
#include <string.h>
#include <talloc.h>

#include "base/rd.h"
#include "rpc/fault.h"

#define CTX_ELEM_FIXED   24 /* p_cont_id, n_transfer_syn, reserved, abs */
#define CTX_RESULT_LEN   24
#define BIND_FIXED       (RPC_HDR_LEN + 12)
#define BIND_ACK_FIXED   (RPC_HDR_LEN + 10)
#define BIND_NAK_FIXED   (RPC_HDR_LEN + 3)
#define RPC_DEFAULT_FRAG 4280
#define VT_SIGNATURE_LEN 8
#define VT_CMD_HDR_LEN   4
#define VT_BITMASK_LEN   4
#define VT_PCONTEXT_LEN  40
#define VT_HEADER2_LEN   16

static const uint8_t vt_signature[VT_SIGNATURE_LEN] = {
	0x8a, 0xe3, 0x13, 0x71, 0x02, 0xf4, 0x36, 0x71
};

static enum rpc_pdu_err fail(struct errinfo *ei,
                             enum rpc_pdu_err err,
                             size_t off,
                             const char *fmt,
                             ...) __attribute__((format(printf, 4, 5)));

static enum rpc_pdu_err fail(struct errinfo *ei,
                             enum rpc_pdu_err err,
                             size_t off,
                             const char *fmt,
                             ...)
{
	char msg[200];
	va_list ap;

	if (ei == NULL) {
		return err;
	}
	va_start(ap, fmt);
	vsnprintf(msg, sizeof(msg), fmt, ap);
	va_end(ap);
	err_set_pos(ei, HR_RPC_S_PROTOCOL_ERROR, "rpc", 0, 0, off, "%s: %s",
	            rpc_pdu_err_name(err), msg);
	return err;
}

static size_t rd_off(const struct rd *r, const uint8_t *base)
{
	return (size_t)(r->p - base);
}

static bool is_co_ptype(uint8_t t)
{
	switch (t) {
	case RPC_PTYPE_REQUEST:
	case RPC_PTYPE_RESPONSE:
	case RPC_PTYPE_FAULT:
	case RPC_PTYPE_BIND:
	case RPC_PTYPE_BIND_ACK:
	case RPC_PTYPE_BIND_NAK:
	case RPC_PTYPE_ALTER_CONTEXT:
	case RPC_PTYPE_ALTER_CONTEXT_RESP:
	case RPC_PTYPE_AUTH3:
	case RPC_PTYPE_SHUTDOWN:
	case RPC_PTYPE_CO_CANCEL:
	case RPC_PTYPE_ORPHANED:
		return true;
	default:
		return false;
	}
}

const char *rpc_ptype_name(uint8_t ptype)
{
	switch (ptype) {
	case RPC_PTYPE_REQUEST:
		return "request";
	case RPC_PTYPE_RESPONSE:
		return "response";
	case RPC_PTYPE_FAULT:
		return "fault";
	case RPC_PTYPE_BIND:
		return "bind";
	case RPC_PTYPE_BIND_ACK:
		return "bind_ack";
	case RPC_PTYPE_BIND_NAK:
		return "bind_nak";
	case RPC_PTYPE_ALTER_CONTEXT:
		return "alter_context";
	case RPC_PTYPE_ALTER_CONTEXT_RESP:
		return "alter_context_resp";
	case RPC_PTYPE_AUTH3:
		return "rpc_auth_3";
	case RPC_PTYPE_SHUTDOWN:
		return "shutdown";
	case RPC_PTYPE_CO_CANCEL:
		return "co_cancel";
	case RPC_PTYPE_ORPHANED:
		return "orphaned";
	default:
		return "unknown";
	}
}

const char *rpc_pdu_err_name(enum rpc_pdu_err err)
{
	switch (err) {
	case RPC_PDU_OK:
		return "RPC_PDU_OK";
	case RPC_PDU_ERR_INCOMPLETE:
		return "RPC_PDU_ERR_INCOMPLETE";
	case RPC_PDU_ERR_VERSION:
		return "RPC_PDU_ERR_VERSION";
	case RPC_PDU_ERR_DREP_INT:
		return "RPC_PDU_ERR_DREP_INT";
	case RPC_PDU_ERR_DREP_CHAR:
		return "RPC_PDU_ERR_DREP_CHAR";
	case RPC_PDU_ERR_DREP_FLOAT:
		return "RPC_PDU_ERR_DREP_FLOAT";
	case RPC_PDU_ERR_PTYPE:
		return "RPC_PDU_ERR_PTYPE";
	case RPC_PDU_ERR_FRAG_LENGTH:
		return "RPC_PDU_ERR_FRAG_LENGTH";
	case RPC_PDU_ERR_AUTH_LENGTH:
		return "RPC_PDU_ERR_AUTH_LENGTH";
	case RPC_PDU_ERR_AUTH_PAD:
		return "RPC_PDU_ERR_AUTH_PAD";
	case RPC_PDU_ERR_TRUNCATED:
		return "RPC_PDU_ERR_TRUNCATED";
	case RPC_PDU_ERR_CONTEXT:
		return "RPC_PDU_ERR_CONTEXT";
	case RPC_PDU_ERR_ALLOC:
		return "RPC_PDU_ERR_ALLOC";
	case RPC_PDU_ERR_FRAGMENT:
		return "RPC_PDU_ERR_FRAGMENT";
	case RPC_PDU_ERR_CALL_ID:
		return "RPC_PDU_ERR_CALL_ID";
	case RPC_PDU_ERR_TOO_BIG:
		return "RPC_PDU_ERR_TOO_BIG";
	case RPC_PDU_ERR_VT:
		return "RPC_PDU_ERR_VT";
	case RPC_PDU_ERR_ARG:
		return "RPC_PDU_ERR_ARG";
	}
	return "RPC_PDU_ERR_?";
}

uint32_t rpc_pdu_err_fault(enum rpc_pdu_err err)
{
	switch (err) {
	case RPC_PDU_OK:
		return 0;
	case RPC_PDU_ERR_ALLOC:
		return RPC_FAULT_NCA_S_FAULT_REMOTE_NO_MEMORY;
	case RPC_PDU_ERR_VT:
		return RPC_FAULT_RPC_S_ACCESS_DENIED;
	default:
		return RPC_FAULT_NCA_S_PROTO_ERROR;
	}
}

uint16_t rpc_pdu_err_nak_reason(enum rpc_pdu_err err)
{
	switch (err) {
	case RPC_PDU_ERR_VERSION:
		return RPC_NAK_PROTOCOL_VERSION_NOT_SUPPORTED;
	case RPC_PDU_ERR_ALLOC:
	case RPC_PDU_ERR_TOO_BIG:
		return RPC_NAK_LOCAL_LIMIT_EXCEEDED;
	default:
		return RPC_NAK_REASON_NOT_SPECIFIED;
	}
}

/* ---- header ---- */

static void read_hdr(const uint8_t *p, struct rpc_hdr *h)
{
	h->rpc_vers = p[0];
	h->rpc_vers_minor = p[1];
	h->ptype = p[2];
	h->pfc_flags = p[3];
	memcpy(h->drep, p + 4, 4);
	h->frag_length = (uint16_t)(p[8] | (p[9] << 8));
	h->auth_length = (uint16_t)(p[10] | (p[11] << 8));
	h->call_id = (uint32_t)p[12] | ((uint32_t)p[13] << 8) |
	             ((uint32_t)p[14] << 16) | ((uint32_t)p[15] << 24);
}

static enum rpc_pdu_err check_drep(const struct rpc_hdr *h, struct errinfo *ei)
{
	uint8_t ints = h->drep[0] >> 4;
	uint8_t chars = h->drep[0] & 0x0f;

	if (ints != 1) {
		return fail(ei, RPC_PDU_ERR_DREP_INT, 4,
		            "integer representation %u (%s) is not supported; "
		            "only little-endian NDR (drep 10 00 00 00) is",
		            ints, ints == 0 ? "big-endian" : "unknown");
	}
	if (chars != 0) {
		return fail(ei, RPC_PDU_ERR_DREP_CHAR, 4,
		            "character representation %u (%s) is not "
		            "supported; only ASCII is",
		            chars, chars == 1 ? "EBCDIC" : "unknown");
	}
	if (h->drep[1] != 0) {
		return fail(ei, RPC_PDU_ERR_DREP_FLOAT, 5,
		            "floating-point representation %u is not "
		            "supported; only IEEE is",
		            h->drep[1]);
	}
	return RPC_PDU_OK;
}

enum rpc_pdu_err rpc_pdu_peek(const uint8_t *data,
                              size_t len,
                              struct rpc_hdr *out,
                              struct errinfo *ei)
{
	enum rpc_pdu_err rc;

	if (len < RPC_HDR_LEN) {
		return RPC_PDU_ERR_INCOMPLETE;
	}
	read_hdr(data, out);
	if (out->rpc_vers != RPC_VERSION || out->rpc_vers_minor > 1) {
		return fail(ei, RPC_PDU_ERR_VERSION, 0,
		            "protocol version %u.%u; only 5.0 and 5.1 are "
		            "supported",
		            out->rpc_vers, out->rpc_vers_minor);
	}
	rc = check_drep(out, ei);
	if (rc != RPC_PDU_OK) {
		return rc;
	}
	if (!is_co_ptype(out->ptype)) {
		return fail(ei, RPC_PDU_ERR_PTYPE, 2,
		            "PTYPE %u is not a connection-oriented PDU type",
		            out->ptype);
	}
	if (out->frag_length < RPC_HDR_LEN) {
		return fail(ei, RPC_PDU_ERR_FRAG_LENGTH, 8,
		            "frag_length %u is shorter than the 16-octet "
		            "header",
		            out->frag_length);
	}
	if (out->auth_length != 0 &&
	    (size_t)out->auth_length + RPC_SEC_TRAILER_LEN >
	            (size_t)out->frag_length - RPC_HDR_LEN) {
		return fail(ei, RPC_PDU_ERR_AUTH_LENGTH, 10,
		            "auth_length %u plus the 8-octet sec_trailer does "
		            "not fit in frag_length %u",
		            out->auth_length, out->frag_length);
	}
	return RPC_PDU_OK;
}

/* ---- type bodies ---- */

static size_t fixed_len(const struct rpc_hdr *h)
{
	switch (h->ptype) {
	case RPC_PTYPE_REQUEST:
		return RPC_REQUEST_HDR_LEN +
		       ((h->pfc_flags & RPC_PFC_OBJECT_UUID) ? 16 : 0);
	case RPC_PTYPE_RESPONSE:
		return RPC_RESPONSE_HDR_LEN;
	case RPC_PTYPE_FAULT:
		return RPC_FAULT_HDR_LEN;
	case RPC_PTYPE_BIND:
	case RPC_PTYPE_ALTER_CONTEXT:
		return BIND_FIXED;
	case RPC_PTYPE_BIND_ACK:
	case RPC_PTYPE_ALTER_CONTEXT_RESP:
		return BIND_ACK_FIXED;
	case RPC_PTYPE_BIND_NAK:
		return BIND_NAK_FIXED;
	default:
		return RPC_HDR_LEN;
	}
}

static enum rpc_pdu_err parse_syntaxes(void *mem,
                                       struct rd *r,
                                       size_t n,
                                       struct rpc_syntax_id **out,
                                       const uint8_t *base,
                                       struct errinfo *ei)
{
	struct rpc_syntax_id *v;
	uint8_t w[RPC_SYNTAX_WIRE_LEN];

	if (n > rd_left(r) / RPC_SYNTAX_WIRE_LEN) {
		return fail(ei, RPC_PDU_ERR_TRUNCATED, rd_off(r, base),
		            "%zu transfer syntaxes do not fit in the %zu "
		            "octets left",
		            n, rd_left(r));
	}
	v = talloc_zero_array(mem, struct rpc_syntax_id, n == 0 ? 1 : n);
	if (v == NULL) {
		return RPC_PDU_ERR_ALLOC;
	}
	for (size_t i = 0; i < n; i++) {
		rd_bytes(r, w, sizeof(w));
		rpc_syntax_from_wire(w, &v[i]);
	}
	*out = v;
	return RPC_PDU_OK;
}

static enum rpc_pdu_err parse_bind(void *mem,
                                   struct rd *r,
                                   const uint8_t *base,
                                   struct rpc_bind *b,
                                   struct errinfo *ei)
{
	uint8_t res8;
	uint16_t res16;
	uint8_t w[RPC_SYNTAX_WIRE_LEN];

	rd_u16le(r, &b->max_xmit_frag);
	rd_u16le(r, &b->max_recv_frag);
	rd_u32le(r, &b->assoc_group_id);
	rd_u8(r, &b->n_ctx);
	rd_u8(r, &res8);
	rd_u16le(r, &res16);
	if (b->n_ctx > rd_left(r) / CTX_ELEM_FIXED) {
		return fail(ei, RPC_PDU_ERR_TRUNCATED, 24,
		            "n_context_elem %u does not fit in the %zu octets "
		            "left",
		            b->n_ctx, rd_left(r));
	}
	b->ctx = talloc_zero_array(mem, struct rpc_ctx_elem,
	                           b->n_ctx == 0 ? 1 : b->n_ctx);
	if (b->ctx == NULL) {
		return RPC_PDU_ERR_ALLOC;
	}
	for (unsigned i = 0; i < b->n_ctx; i++) {
		struct rpc_ctx_elem *e = &b->ctx[i];
		size_t at = rd_off(r, base);
		enum rpc_pdu_err rc;

		if (rd_left(r) < CTX_ELEM_FIXED) {
			return fail(ei, RPC_PDU_ERR_TRUNCATED, at,
			            "context element %u is truncated", i);
		}
		rd_u16le(r, &e->p_cont_id);
		rd_u8(r, &e->n_transfer_syn);
		rd_u8(r, &e->reserved);
		rd_bytes(r, w, sizeof(w));
		rpc_syntax_from_wire(w, &e->abstract_syntax);
		if (e->n_transfer_syn == 0) {
			return fail(ei, RPC_PDU_ERR_CONTEXT, at + 2,
			            "context element %u (p_cont_id %u) "
			            "proposes no transfer syntax",
			            i, e->p_cont_id);
		}
		rc = parse_syntaxes(b->ctx, r, e->n_transfer_syn,
		                    &e->transfer_syntaxes, base, ei);
		if (rc != RPC_PDU_OK) {
			return rc;
		}
	}
	return RPC_PDU_OK;
}

static enum rpc_pdu_err parse_bind_ack(void *mem,
                                       struct rd *r,
                                       const uint8_t *base,
                                       struct rpc_bind_ack *a,
                                       struct errinfo *ei)
{
	size_t pad;
	uint8_t res8;
	uint16_t res16;
	uint8_t w[RPC_SYNTAX_WIRE_LEN];

	rd_u16le(r, &a->max_xmit_frag);
	rd_u16le(r, &a->max_recv_frag);
	rd_u32le(r, &a->assoc_group_id);
	rd_u16le(r, &a->sec_addr_len);
	if (a->sec_addr_len > rd_left(r)) {
		return fail(ei, RPC_PDU_ERR_TRUNCATED, 24,
		            "sec_addr length %u exceeds the %zu octets left",
		            a->sec_addr_len, rd_left(r));
	}
	a->sec_addr = talloc_array(mem, char, (size_t)a->sec_addr_len + 1);
	if (a->sec_addr == NULL) {
		return RPC_PDU_ERR_ALLOC;
	}
	rd_bytes(r, a->sec_addr, a->sec_addr_len);
	a->sec_addr[a->sec_addr_len] = '\0';
	pad = (4 - rd_off(r, base) % 4) % 4;
	if (!rd_skip(r, pad) || rd_left(r) < 4) {
		return fail(ei, RPC_PDU_ERR_TRUNCATED, rd_off(r, base),
		            "bind_ack ends before its result list");
	}
	rd_u8(r, &a->n_results);
	rd_u8(r, &res8);
	rd_u16le(r, &res16);
	if (a->n_results > rd_left(r) / CTX_RESULT_LEN) {
		return fail(ei, RPC_PDU_ERR_TRUNCATED, rd_off(r, base) - 4,
		            "n_results %u does not fit in the %zu octets left",
		            a->n_results, rd_left(r));
	}
	a->results = talloc_zero_array(mem, struct rpc_ctx_result,
	                               a->n_results == 0 ? 1 : a->n_results);
	if (a->results == NULL) {
		return RPC_PDU_ERR_ALLOC;
	}
	for (unsigned i = 0; i < a->n_results; i++) {
		rd_u16le(r, &a->results[i].result);
		rd_u16le(r, &a->results[i].reason);
		rd_bytes(r, w, sizeof(w));
		rpc_syntax_from_wire(w, &a->results[i].transfer_syntax);
	}
	return RPC_PDU_OK;
}

static enum rpc_pdu_err parse_bind_nak(void *mem,
                                       struct rd *r,
                                       const uint8_t *base,
                                       struct rpc_bind_nak *n,
                                       struct errinfo *ei)
{
	rd_u16le(r, &n->reject_reason);
	rd_u8(r, &n->n_versions);
	if (n->n_versions > rd_left(r) / 2) {
		return fail(ei, RPC_PDU_ERR_TRUNCATED, 18,
		            "n_protocols %u does not fit in the %zu octets "
		            "left",
		            n->n_versions, rd_left(r));
	}
	n->versions = talloc_zero_array(mem, struct rpc_version,
	                                n->n_versions == 0 ? 1 : n->n_versions);
	if (n->versions == NULL) {
		return RPC_PDU_ERR_ALLOC;
	}
	for (unsigned i = 0; i < n->n_versions; i++) {
		rd_u8(r, &n->versions[i].major);
		rd_u8(r, &n->versions[i].minor);
	}
	n->extra = r->p;
	n->extra_len = rd_left(r);
	(void)base;
	rd_skip(r, n->extra_len);
	return RPC_PDU_OK;
}

static void parse_call_fields(struct rd *r, struct rpc_pdu *pdu)
{
	uint8_t w[RPC_UUID_WIRE_LEN];

	switch (pdu->hdr.ptype) {
	case RPC_PTYPE_REQUEST:
		rd_u32le(r, &pdu->u.request.alloc_hint);
		rd_u16le(r, &pdu->u.request.p_cont_id);
		rd_u16le(r, &pdu->u.request.opnum);
		if (pdu->hdr.pfc_flags & RPC_PFC_OBJECT_UUID) {
			rd_bytes(r, w, sizeof(w));
			rpc_uuid_from_wire(w, &pdu->u.request.object);
		}
		break;
	case RPC_PTYPE_RESPONSE:
		rd_u32le(r, &pdu->u.response.alloc_hint);
		rd_u16le(r, &pdu->u.response.p_cont_id);
		rd_u8(r, &pdu->u.response.cancel_count);
		rd_u8(r, &pdu->u.response.reserved);
		break;
	case RPC_PTYPE_FAULT:
		rd_u32le(r, &pdu->u.fault.alloc_hint);
		rd_u16le(r, &pdu->u.fault.p_cont_id);
		rd_u8(r, &pdu->u.fault.cancel_count);
		rd_u8(r, &pdu->u.fault.flags);
		rd_u32le(r, &pdu->u.fault.status);
		rd_u32le(r, &pdu->u.fault.reserved);
		break;
	default:
		break;
	}
}

/*
 * Splits off the sec_trailer; sets *body_end to where the body stops: at
 * the auth pad, which precedes the trailer in every PDU type.
 */
static enum rpc_pdu_err split_auth(const uint8_t *data,
                                   struct rpc_pdu *pdu,
                                   size_t fixed,
                                   size_t *body_end,
                                   struct errinfo *ei)
{
	const struct rpc_hdr *h = &pdu->hdr;
	size_t tr;
	const uint8_t *t;

	*body_end = h->frag_length;
	pdu->has_auth = h->auth_length != 0;
	if (!pdu->has_auth) {
		return RPC_PDU_OK;
	}
	/* rpc_pdu_peek guaranteed auth_length + 8 <= frag_length - 16. */
	tr = (size_t)h->frag_length - h->auth_length - RPC_SEC_TRAILER_LEN;
	if (tr < fixed) {
		return fail(ei, RPC_PDU_ERR_AUTH_LENGTH, 10,
		            "auth_length %u leaves %zu octets before the "
		            "sec_trailer; a %s needs %zu",
		            h->auth_length, tr, rpc_ptype_name(h->ptype),
		            fixed);
	}
	t = data + tr;
	pdu->sec_trailer_off = tr;
	pdu->auth.auth_type = t[0];
	pdu->auth.auth_level = t[1];
	pdu->auth.auth_pad_length = t[2];
	pdu->auth.auth_reserved = t[3];
	pdu->auth.auth_context_id = (uint32_t)t[4] | ((uint32_t)t[5] << 8) |
	                            ((uint32_t)t[6] << 16) |
	                            ((uint32_t)t[7] << 24);
	pdu->auth_value_off = tr + RPC_SEC_TRAILER_LEN;
	pdu->auth_value = data + pdu->auth_value_off;
	if (pdu->auth.auth_pad_length > tr - fixed) {
		return fail(ei, RPC_PDU_ERR_AUTH_PAD, tr + 2,
		            "auth_pad_length %u exceeds the %zu-octet body",
		            pdu->auth.auth_pad_length, tr - fixed);
	}
	*body_end = tr - pdu->auth.auth_pad_length;
	return RPC_PDU_OK;
}

static enum rpc_pdu_err parse_body(void *mem,
                                   const uint8_t *data,
                                   struct rd *r,
                                   struct rpc_pdu *pdu,
                                   struct errinfo *ei)
{
	switch (pdu->hdr.ptype) {
	case RPC_PTYPE_BIND:
	case RPC_PTYPE_ALTER_CONTEXT:
		return parse_bind(mem, r, data, &pdu->u.bind, ei);
	case RPC_PTYPE_BIND_ACK:
	case RPC_PTYPE_ALTER_CONTEXT_RESP:
		return parse_bind_ack(mem, r, data, &pdu->u.bind_ack, ei);
	case RPC_PTYPE_BIND_NAK:
		return parse_bind_nak(mem, r, data, &pdu->u.bind_nak, ei);
	default:
		parse_call_fields(r, pdu);
		return RPC_PDU_OK;
	}
}

enum rpc_pdu_err rpc_pdu_parse(void *mem,
                               const uint8_t *data,
                               size_t len,
                               struct rpc_pdu *out,
                               struct errinfo *ei)
{
	enum rpc_pdu_err rc;
	size_t fixed;
	size_t body_end;
	struct rd r;

	memset(out, 0, sizeof(*out));
	rc = rpc_pdu_peek(data, len, &out->hdr, ei);
	if (rc == RPC_PDU_ERR_INCOMPLETE) {
		return fail(ei, RPC_PDU_ERR_FRAG_LENGTH, 0,
		            "%zu octets cannot hold the 16-octet header", len);
	}
	if (rc != RPC_PDU_OK) {
		return rc;
	}
	if (out->hdr.frag_length != len) {
		return fail(ei, RPC_PDU_ERR_FRAG_LENGTH, 8,
		            "frag_length %u but the fragment has %zu octets",
		            out->hdr.frag_length, len);
	}
	fixed = fixed_len(&out->hdr);
	if (len < fixed) {
		return fail(ei, RPC_PDU_ERR_FRAG_LENGTH, 8,
		            "frag_length %zu is shorter than the %zu octets "
		            "of a %s",
		            len, fixed, rpc_ptype_name(out->hdr.ptype));
	}
	rc = split_auth(data, out, fixed, &body_end, ei);
	if (rc != RPC_PDU_OK) {
		return rc;
	}
	rd_init(&r, data, body_end);
	rd_skip(&r, RPC_HDR_LEN);
	rc = parse_body(mem, data, &r, out, ei);
	if (rc != RPC_PDU_OK) {
		return rc;
	}
	out->stub_off = rd_off(&r, data);
	out->stub = r.p;
	out->stub_len = rd_left(&r);
	return RPC_PDU_OK;
}

/* ---- build ---- */

static size_t bind_body_len(const struct rpc_bind *b)
{
	size_t n = 12;

	for (unsigned i = 0; i < b->n_ctx; i++) {
		n += CTX_ELEM_FIXED +
		     (size_t)b->ctx[i].n_transfer_syn * RPC_SYNTAX_WIRE_LEN;
	}
	return n;
}

static size_t bind_ack_body_len(const struct rpc_bind_ack *a)
{
	size_t end = BIND_ACK_FIXED + a->sec_addr_len;

	end += (4 - end % 4) % 4;
	return end - RPC_HDR_LEN + 4 + (size_t)a->n_results * CTX_RESULT_LEN;
}

static bool body_len(const struct rpc_pdu *pdu, size_t *out)
{
	const struct rpc_hdr *h = &pdu->hdr;
	size_t fixed = fixed_len(h) - RPC_HDR_LEN;

	switch (h->ptype) {
	case RPC_PTYPE_BIND:
	case RPC_PTYPE_ALTER_CONTEXT:
		*out = bind_body_len(&pdu->u.bind);
		break;
	case RPC_PTYPE_BIND_ACK:
	case RPC_PTYPE_ALTER_CONTEXT_RESP:
		*out = bind_ack_body_len(&pdu->u.bind_ack);
		break;
	case RPC_PTYPE_BIND_NAK:
		*out = 3 + (size_t)pdu->u.bind_nak.n_versions * 2 +
		       pdu->u.bind_nak.extra_len;
		break;
	default:
		if (!is_co_ptype(h->ptype)) {
			return false;
		}
		*out = fixed;
		break;
	}
	if (pdu->stub_len > RPC_MAX_FRAG) {
		return false;
	}
	*out += pdu->stub_len;
	return true;
}

struct wr {
	uint8_t *p;
};

static void w_u8(struct wr *w, uint8_t v)
{
	*w->p++ = v;
}

static void w_u16(struct wr *w, uint16_t v)
{
	w->p[0] = (uint8_t)v;
	w->p[1] = (uint8_t)(v >> 8);
	w->p += 2;
}

static void w_u32(struct wr *w, uint32_t v)
{
	w->p[0] = (uint8_t)v;
	w->p[1] = (uint8_t)(v >> 8);
	w->p[2] = (uint8_t)(v >> 16);
	w->p[3] = (uint8_t)(v >> 24);
	w->p += 4;
}

static void w_bytes(struct wr *w, const void *src, size_t n)
{
	if (n != 0) {
		if (src != NULL) {
			memcpy(w->p, src, n);
		} else {
			memset(w->p, 0, n);
		}
	}
	w->p += n;
}

static void w_syntax(struct wr *w, const struct rpc_syntax_id *s)
{
	rpc_syntax_to_wire(s, w->p);
	w->p += RPC_SYNTAX_WIRE_LEN;
}

static void build_bind(struct wr *w, const struct rpc_bind *b)
{
	w_u16(w, b->max_xmit_frag);
	w_u16(w, b->max_recv_frag);
	w_u32(w, b->assoc_group_id);
	w_u8(w, b->n_ctx);
	w_u8(w, 0);
	w_u16(w, 0);
	for (unsigned i = 0; i < b->n_ctx; i++) {
		const struct rpc_ctx_elem *e = &b->ctx[i];

		w_u16(w, e->p_cont_id);
		w_u8(w, e->n_transfer_syn);
		w_u8(w, 0);
		w_syntax(w, &e->abstract_syntax);
		for (unsigned k = 0; k < e->n_transfer_syn; k++) {
			w_syntax(w, &e->transfer_syntaxes[k]);
		}
	}
}

static void build_bind_ack(struct wr *w,
                           const uint8_t *base,
                           const struct rpc_bind_ack *a)
{
	size_t pad;

	w_u16(w, a->max_xmit_frag);
	w_u16(w, a->max_recv_frag);
	w_u32(w, a->assoc_group_id);
	w_u16(w, a->sec_addr_len);
	w_bytes(w, a->sec_addr, a->sec_addr_len);
	pad = (4 - (size_t)(w->p - base) % 4) % 4;
	w_bytes(w, NULL, pad);
	w_u8(w, a->n_results);
	w_u8(w, 0);
	w_u16(w, 0);
	for (unsigned i = 0; i < a->n_results; i++) {
		w_u16(w, a->results[i].result);
		w_u16(w, a->results[i].reason);
		w_syntax(w, &a->results[i].transfer_syntax);
	}
}

static void build_fields(struct wr *w,
                         const uint8_t *base,
                         const struct rpc_pdu *pdu)
{
	switch (pdu->hdr.ptype) {
	case RPC_PTYPE_BIND:
	case RPC_PTYPE_ALTER_CONTEXT:
		build_bind(w, &pdu->u.bind);
		break;
	case RPC_PTYPE_BIND_ACK:
	case RPC_PTYPE_ALTER_CONTEXT_RESP:
		build_bind_ack(w, base, &pdu->u.bind_ack);
		break;
	case RPC_PTYPE_BIND_NAK:
		w_u16(w, pdu->u.bind_nak.reject_reason);
		w_u8(w, pdu->u.bind_nak.n_versions);
		for (unsigned i = 0; i < pdu->u.bind_nak.n_versions; i++) {
			w_u8(w, pdu->u.bind_nak.versions[i].major);
			w_u8(w, pdu->u.bind_nak.versions[i].minor);
		}
		w_bytes(w, pdu->u.bind_nak.extra, pdu->u.bind_nak.extra_len);
		break;
	case RPC_PTYPE_REQUEST:
		w_u32(w, pdu->u.request.alloc_hint);
		w_u16(w, pdu->u.request.p_cont_id);
		w_u16(w, pdu->u.request.opnum);
		if (pdu->hdr.pfc_flags & RPC_PFC_OBJECT_UUID) {
			rpc_uuid_to_wire(&pdu->u.request.object, w->p);
			w->p += RPC_UUID_WIRE_LEN;
		}
		break;
	case RPC_PTYPE_RESPONSE:
		w_u32(w, pdu->u.response.alloc_hint);
		w_u16(w, pdu->u.response.p_cont_id);
		w_u8(w, pdu->u.response.cancel_count);
		w_u8(w, pdu->u.response.reserved);
		break;
	case RPC_PTYPE_FAULT:
		w_u32(w, pdu->u.fault.alloc_hint);
		w_u16(w, pdu->u.fault.p_cont_id);
		w_u8(w, pdu->u.fault.cancel_count);
		w_u8(w, pdu->u.fault.flags);
		w_u32(w, pdu->u.fault.status);
		w_u32(w, pdu->u.fault.reserved);
		break;
	default:
		break;
	}
}

static void build_hdr(struct wr *w, const struct rpc_hdr *h)
{
	w_u8(w, h->rpc_vers);
	w_u8(w, h->rpc_vers_minor);
	w_u8(w, h->ptype);
	w_u8(w, h->pfc_flags);
	w_bytes(w, h->drep, 4);
	w_u16(w, h->frag_length);
	w_u16(w, h->auth_length);
	w_u32(w, h->call_id);
}

enum rpc_pdu_err rpc_pdu_build(void *mem,
                               struct rpc_pdu *pdu,
                               uint8_t **out,
                               size_t *out_len)
{
	size_t body;
	size_t total;
	size_t pad = 0;
	uint8_t *buf;
	struct wr w;

	if (!body_len(pdu, &body)) {
		return RPC_PDU_ERR_ARG;
	}
	total = RPC_HDR_LEN + body;
	if (pdu->has_auth) {
		pad = pdu->auth.auth_pad_length;
		total += pad + RPC_SEC_TRAILER_LEN + pdu->hdr.auth_length;
	}
	if (total > RPC_MAX_FRAG) {
		return RPC_PDU_ERR_ARG;
	}
	buf = talloc_zero_array(mem, uint8_t, total);
	if (buf == NULL) {
		return RPC_PDU_ERR_ALLOC;
	}
	pdu->hdr.frag_length = (uint16_t)total;
	if (!pdu->has_auth) {
		pdu->hdr.auth_length = 0;
	}
	w.p = buf;
	build_hdr(&w, &pdu->hdr);
	build_fields(&w, buf, pdu);
	pdu->stub_off = (size_t)(w.p - buf);
	w_bytes(&w, pdu->stub, pdu->stub_len);
	if (pdu->has_auth) {
		w_bytes(&w, NULL, pad);
		pdu->sec_trailer_off = (size_t)(w.p - buf);
		w_u8(&w, pdu->auth.auth_type);
		w_u8(&w, pdu->auth.auth_level);
		w_u8(&w, pdu->auth.auth_pad_length);
		w_u8(&w, pdu->auth.auth_reserved);
		w_u32(&w, pdu->auth.auth_context_id);
		pdu->auth_value_off = (size_t)(w.p - buf);
		w_bytes(&w, pdu->auth_value, pdu->hdr.auth_length);
	}
	if ((size_t)(w.p - buf) != total) {
		talloc_free(buf);
		return RPC_PDU_ERR_ARG;
	}
	*out = buf;
	*out_len = total;
	return RPC_PDU_OK;
}

void rpc_pdu_init(struct rpc_pdu *pdu, enum rpc_ptype ptype, uint32_t call_id)
{
	memset(pdu, 0, sizeof(*pdu));
	pdu->hdr.rpc_vers = RPC_VERSION;
	pdu->hdr.rpc_vers_minor = 0;
	pdu->hdr.ptype = (uint8_t)ptype;
	pdu->hdr.pfc_flags = RPC_PFC_FIRST_FRAG | RPC_PFC_LAST_FRAG;
	pdu->hdr.drep[0] = RPC_DREP0_LITTLE_ASCII;
	pdu->hdr.call_id = call_id;
}

/* ---- negotiation ---- */

bool rpc_syntax_is_btfn(const struct rpc_syntax_id *ts, uint8_t *bits)
{
	if (ts->uuid.time_low != 0x6cb71c2cu || ts->uuid.time_mid != 0x9812 ||
	    ts->uuid.time_hi_and_version != 0x4540 || ts->ver_major != 1 ||
	    ts->ver_minor != 0) {
		return false;
	}
	if (bits != NULL) {
		*bits = ts->uuid.clock_seq[0];
	}
	return true;
}

static uint16_t clamp_frag(uint16_t ours, uint16_t theirs)
{
	uint16_t v = ours == 0 ? RPC_DEFAULT_FRAG : ours;

	if (theirs < v) {
		v = theirs;
	}
	return v < RPC_MIN_FRAG ? RPC_MIN_FRAG : v;
}

static void negotiate_one(const struct rpc_ctx_elem *e,
                          const struct rpc_bind_policy *policy,
                          struct rpc_ctx_result *res,
                          uint8_t *client_btfn)
{
	uint8_t bits;

	res->transfer_syntax = rpc_syntax_null;
	if (e->n_transfer_syn == 1 &&
	    rpc_syntax_is_btfn(&e->transfer_syntaxes[0], &bits)) {
		*client_btfn = bits;
		res->result = RPC_RESULT_NEGOTIATE_ACK;
		res->reason = bits & policy->btfn_supported;
		return;
	}
	res->result = RPC_RESULT_PROVIDER_REJECTION;
	if (policy->abstract_supported != NULL &&
	    !policy->abstract_supported(&e->abstract_syntax, policy->arg)) {
		res->reason = RPC_REASON_ABSTRACT_SYNTAX_NOT_SUPPORTED;
		return;
	}
	for (unsigned k = 0; k < e->n_transfer_syn; k++) {
		if (rpc_syntax_equal(&e->transfer_syntaxes[k],
		                     &rpc_syntax_ndr20)) {
			res->result = RPC_RESULT_ACCEPTANCE;
			res->reason = RPC_REASON_NOT_SPECIFIED;
			res->transfer_syntax = rpc_syntax_ndr20;
			return;
		}
	}
	res->reason = RPC_REASON_PROPOSED_TRANSFER_SYNTAXES_NOT_SUPPORTED;
}

enum rpc_pdu_err rpc_bind_negotiate(void *mem,
                                    const struct rpc_bind *req,
                                    const struct rpc_bind_policy *policy,
                                    struct rpc_bind_ack *ack,
                                    uint8_t *client_btfn)
{
	uint8_t btfn = 0;
	size_t addr_len = 0;

	memset(ack, 0, sizeof(*ack));
	ack->max_xmit_frag = clamp_frag(policy->max_xmit_frag,
	                                req->max_recv_frag);
	ack->max_recv_frag = clamp_frag(policy->max_recv_frag,
	                                req->max_xmit_frag);
	ack->assoc_group_id = policy->assoc_group_id;
	if (policy->sec_addr != NULL && policy->sec_addr[0] != '\0') {
		addr_len = strlen(policy->sec_addr) + 1;
		if (addr_len > 0xffff) {
			return RPC_PDU_ERR_ARG;
		}
		ack->sec_addr = talloc_strdup(mem, policy->sec_addr);
		if (ack->sec_addr == NULL) {
			return RPC_PDU_ERR_ALLOC;
		}
	}
	ack->sec_addr_len = (uint16_t)addr_len;
	ack->n_results = req->n_ctx;
	ack->results = talloc_zero_array(mem, struct rpc_ctx_result,
	                                 req->n_ctx == 0 ? 1 : req->n_ctx);
	if (ack->results == NULL) {
		return RPC_PDU_ERR_ALLOC;
	}
	for (unsigned i = 0; i < req->n_ctx; i++) {
		negotiate_one(&req->ctx[i], policy, &ack->results[i], &btfn);
	}
	if (client_btfn != NULL) {
		*client_btfn = btfn;
	}
	return RPC_PDU_OK;
}

enum rpc_pdu_err rpc_bind_nak_init(void *mem,
                                   struct rpc_pdu *pdu,
                                   uint32_t call_id,
                                   uint16_t reason)
{
	rpc_pdu_init(pdu, RPC_PTYPE_BIND_NAK, call_id);
	pdu->u.bind_nak.reject_reason = reason;
	pdu->u.bind_nak.versions = talloc_zero(mem, struct rpc_version);
	if (pdu->u.bind_nak.versions == NULL) {
		return RPC_PDU_ERR_ALLOC;
	}
	pdu->u.bind_nak.n_versions = 1;
	pdu->u.bind_nak.versions[0].major = RPC_VERSION;
	pdu->u.bind_nak.versions[0].minor = 0;
	return RPC_PDU_OK;
}

void rpc_fault_init(struct rpc_pdu *pdu,
                    uint32_t call_id,
                    uint16_t p_cont_id,
                    uint32_t status,
                    bool did_not_execute)
{
	rpc_pdu_init(pdu, RPC_PTYPE_FAULT, call_id);
	if (did_not_execute) {
		pdu->hdr.pfc_flags |= RPC_PFC_DID_NOT_EXECUTE;
	}
	pdu->u.fault.p_cont_id = p_cont_id;
	pdu->u.fault.status = status;
}

size_t rpc_auth_pad_len(size_t stub_len)
{
	return (RPC_AUTH_PAD_ALIGN - stub_len % RPC_AUTH_PAD_ALIGN) %
	       RPC_AUTH_PAD_ALIGN;
}

/* ---- verification trailer ---- */

static bool vt_command(struct rd *c,
                       uint16_t cmd,
                       uint16_t clen,
                       struct rpc_vt *out)
{
	uint8_t w[RPC_SYNTAX_WIRE_LEN];
	uint8_t r8;
	uint16_t r16;

	switch (cmd & 0x3fff) {
	case RPC_SEC_VT_COMMAND_BITMASK_1:
		if (clen != VT_BITMASK_LEN) {
			return false;
		}
		out->has_bitmask = true;
		rd_u32le(c, &out->bitmask);
		return true;
	case RPC_SEC_VT_COMMAND_PCONTEXT:
		if (clen != VT_PCONTEXT_LEN) {
			return false;
		}
		out->has_pcontext = true;
		rd_bytes(c, w, sizeof(w));
		rpc_syntax_from_wire(w, &out->interface_id);
		rd_bytes(c, w, sizeof(w));
		rpc_syntax_from_wire(w, &out->transfer_syntax);
		return true;
	case RPC_SEC_VT_COMMAND_HEADER2:
		if (clen != VT_HEADER2_LEN) {
			return false;
		}
		out->has_header2 = true;
		rd_u8(c, &out->ptype);
		rd_u8(c, &r8);
		rd_u16le(c, &r16);
		rd_bytes(c, out->drep, 4);
		rd_u32le(c, &out->call_id);
		rd_u16le(c, &out->p_cont_id);
		rd_u16le(c, &out->opnum);
		return true;
	default:
		return (cmd & RPC_SEC_VT_MUST_PROCESS_COMMAND) == 0;
	}
}

static enum rpc_pdu_err vt_parse(struct rd *r, struct rpc_vt *out)
{
	for (;;) {
		uint16_t cmd;
		uint16_t clen;
		struct rd c;

		if (!rd_u16le(r, &cmd) || !rd_u16le(r, &clen) ||
		    !rd_sub(r, 0, clen, &c)) {
			return RPC_PDU_ERR_VT;
		}
		rd_skip(r, clen);
		if (!vt_command(&c, cmd, clen, out)) {
			return RPC_PDU_ERR_VT;
		}
		if (cmd & RPC_SEC_VT_COMMAND_END) {
			return rd_left(r) == 0 ? RPC_PDU_OK : RPC_PDU_ERR_VT;
		}
	}
}

enum rpc_pdu_err rpc_vt_find(const uint8_t *body,
                             size_t len,
                             size_t from,
                             struct rpc_vt *out,
                             bool *found)
{
	struct rd r;

	memset(out, 0, sizeof(*out));
	*found = false;
	if (from > len) {
		return RPC_PDU_ERR_ARG;
	}
	for (size_t i = from; len - i >= VT_SIGNATURE_LEN; i++) {
		if (memcmp(body + i, vt_signature, VT_SIGNATURE_LEN) != 0) {
			continue;
		}
		*found = true;
		out->offset = i;
		rd_init(&r, body + i + VT_SIGNATURE_LEN,
		        len - i - VT_SIGNATURE_LEN);
		return vt_parse(&r, out);
	}
	return RPC_PDU_OK;
}

static size_t vt_len(const struct rpc_vt *vt, unsigned *n_cmds)
{
	size_t n = VT_SIGNATURE_LEN;

	*n_cmds = 0;
	if (vt->has_bitmask) {
		n += VT_CMD_HDR_LEN + VT_BITMASK_LEN;
		(*n_cmds)++;
	}
	if (vt->has_header2) {
		n += VT_CMD_HDR_LEN + VT_HEADER2_LEN;
		(*n_cmds)++;
	}
	if (vt->has_pcontext) {
		n += VT_CMD_HDR_LEN + VT_PCONTEXT_LEN;
		(*n_cmds)++;
	}
	return n;
}

static void vt_cmd_hdr(struct wr *w, uint16_t cmd, uint16_t len, unsigned *left)
{
	(*left)--;
	w_u16(w, (uint16_t)(cmd | (*left == 0 ? RPC_SEC_VT_COMMAND_END : 0)));
	w_u16(w, len);
}

enum rpc_pdu_err rpc_vt_append(void *mem,
                               const struct rpc_vt *vt,
                               uint8_t **buf,
                               size_t *len)
{
	unsigned n_cmds;
	size_t pad = (4 - *len % 4) % 4;
	size_t add = vt_len(vt, &n_cmds);
	uint8_t *nb;
	struct wr w;

	if (n_cmds == 0 || *len > SIZE_MAX / 2) {
		return RPC_PDU_ERR_ARG;
	}
	nb = talloc_realloc(mem, *buf, uint8_t, *len + pad + add);
	if (nb == NULL) {
		return RPC_PDU_ERR_ALLOC;
	}
	w.p = nb + *len;
	w_bytes(&w, NULL, pad);
	w_bytes(&w, vt_signature, VT_SIGNATURE_LEN);
	if (vt->has_bitmask) {
		vt_cmd_hdr(&w, RPC_SEC_VT_COMMAND_BITMASK_1, VT_BITMASK_LEN,
		           &n_cmds);
		w_u32(&w, vt->bitmask);
	}
	if (vt->has_header2) {
		vt_cmd_hdr(&w, RPC_SEC_VT_COMMAND_HEADER2, VT_HEADER2_LEN,
		           &n_cmds);
		w_u8(&w, vt->ptype);
		w_u8(&w, 0);
		w_u16(&w, 0);
		w_bytes(&w, vt->drep, 4);
		w_u32(&w, vt->call_id);
		w_u16(&w, vt->p_cont_id);
		w_u16(&w, vt->opnum);
	}
	if (vt->has_pcontext) {
		vt_cmd_hdr(&w, RPC_SEC_VT_COMMAND_PCONTEXT, VT_PCONTEXT_LEN,
		           &n_cmds);
		w_syntax(&w, &vt->interface_id);
		w_syntax(&w, &vt->transfer_syntax);
	}
	*buf = nb;
	*len += pad + add;
	return RPC_PDU_OK;
}
