/*
 * frag: reassembly of fragmented calls and fragmentation of stubs (rpc
 * layer, leaf codec).  See frag.h for the rules and invariants.
 */
#include "rpc/frag.h"

#include <string.h>
#include <talloc.h>

#define REASM_PREALLOC_MAX (64 * 1024)

void rpc_reasm_init(struct rpc_reasm *r,
                    void *mem,
                    size_t max_total,
                    uint16_t max_frag)
{
	memset(r, 0, sizeof(*r));
	r->mem = mem;
	r->max_total = max_total;
	r->max_frag = max_frag;
}

void rpc_reasm_reset(struct rpc_reasm *r)
{
	talloc_free(r->data);
	r->data = NULL;
	r->len = 0;
	r->alloc = 0;
	r->active = false;
	r->n_frags = 0;
}

static enum rpc_pdu_err reasm_fail(struct rpc_reasm *r, enum rpc_pdu_err err)
{
	rpc_reasm_reset(r);
	return err;
}

static void frag_call_fields(const struct rpc_pdu *f,
                             uint16_t *p_cont_id,
                             uint16_t *opnum,
                             uint32_t *alloc_hint)
{
	if (f->hdr.ptype == RPC_PTYPE_REQUEST) {
		*p_cont_id = f->u.request.p_cont_id;
		*opnum = f->u.request.opnum;
		*alloc_hint = f->u.request.alloc_hint;
	} else {
		*p_cont_id = f->u.response.p_cont_id;
		*opnum = 0;
		*alloc_hint = f->u.response.alloc_hint;
	}
}

static bool reasm_grow(struct rpc_reasm *r, size_t need)
{
	size_t n = r->alloc == 0 ? 256 : r->alloc;
	uint8_t *p;

	if (need <= r->alloc) {
		return true;
	}
	while (n < need) {
		n = n > r->max_total / 2 ? r->max_total : n * 2;
	}
	p = talloc_realloc(r->mem, r->data, uint8_t, n);
	if (p == NULL) {
		return false;
	}
	r->data = p;
	r->alloc = n;
	return true;
}

static enum rpc_pdu_err reasm_start(struct rpc_reasm *r,
                                    const struct rpc_pdu *f)
{
	uint32_t hint;
	size_t pre;

	rpc_reasm_reset(r);
	r->active = true;
	r->ptype = f->hdr.ptype;
	r->call_id = f->hdr.call_id;
	frag_call_fields(f, &r->p_cont_id, &r->opnum, &hint);
	r->has_object = f->hdr.ptype == RPC_PTYPE_REQUEST &&
	                (f->hdr.pfc_flags & RPC_PFC_OBJECT_UUID);
	if (r->has_object) {
		r->object = f->u.request.object;
	}
	pre = hint;
	if (pre > r->max_total) {
		pre = r->max_total;
	}
	if (pre > REASM_PREALLOC_MAX) {
		pre = REASM_PREALLOC_MAX;
	}
	if (pre != 0 && !reasm_grow(r, pre)) {
		return RPC_PDU_ERR_ALLOC;
	}
	return RPC_PDU_OK;
}

static bool same_call(const struct rpc_reasm *r, const struct rpc_pdu *f)
{
	uint16_t p_cont_id;
	uint16_t opnum;
	uint32_t hint;
	bool has_object;

	frag_call_fields(f, &p_cont_id, &opnum, &hint);
	has_object = f->hdr.ptype == RPC_PTYPE_REQUEST &&
	             (f->hdr.pfc_flags & RPC_PFC_OBJECT_UUID);
	if (f->hdr.ptype != r->ptype || p_cont_id != r->p_cont_id ||
	    opnum != r->opnum || has_object != r->has_object) {
		return false;
	}
	return !has_object || rpc_uuid_equal(&f->u.request.object, &r->object);
}

enum rpc_pdu_err rpc_reasm_add(struct rpc_reasm *r,
                               const struct rpc_pdu *frag,
                               const uint8_t *stub,
                               size_t stub_len,
                               bool *done)
{
	bool first = (frag->hdr.pfc_flags & RPC_PFC_FIRST_FRAG) != 0;
	enum rpc_pdu_err rc;

	*done = false;
	if (frag->hdr.ptype != RPC_PTYPE_REQUEST &&
	    frag->hdr.ptype != RPC_PTYPE_RESPONSE) {
		return reasm_fail(r, RPC_PDU_ERR_ARG);
	}
	if (r->max_frag != 0 && frag->hdr.frag_length > r->max_frag) {
		return reasm_fail(r, RPC_PDU_ERR_TOO_BIG);
	}
	if (!r->active) {
		if (!first) {
			return reasm_fail(r, RPC_PDU_ERR_FRAGMENT);
		}
		rc = reasm_start(r, frag);
		if (rc != RPC_PDU_OK) {
			return reasm_fail(r, rc);
		}
	} else if (first) {
		return reasm_fail(r, RPC_PDU_ERR_FRAGMENT);
	} else if (frag->hdr.call_id != r->call_id) {
		return reasm_fail(r, RPC_PDU_ERR_CALL_ID);
	} else if (!same_call(r, frag)) {
		return reasm_fail(r, RPC_PDU_ERR_FRAGMENT);
	}
	if (stub_len > r->max_total - r->len) {
		return reasm_fail(r, RPC_PDU_ERR_TOO_BIG);
	}
	if (!reasm_grow(r, r->len + stub_len)) {
		return reasm_fail(r, RPC_PDU_ERR_ALLOC);
	}
	if (stub_len != 0) {
		memcpy(r->data + r->len, stub, stub_len);
	}
	r->len += stub_len;
	r->n_frags++;
	if (frag->hdr.pfc_flags & RPC_PFC_LAST_FRAG) {
		r->active = false;
		*done = true;
	}
	return RPC_PDU_OK;
}

static size_t frag_hdr_len(const struct rpc_frag_args *a)
{
	if (a->ptype == RPC_PTYPE_REQUEST) {
		return RPC_REQUEST_HDR_LEN + (a->object != NULL ? 16 : 0);
	}
	return RPC_RESPONSE_HDR_LEN;
}

size_t rpc_frag_max_stub(const struct rpc_frag_args *a)
{
	size_t over = frag_hdr_len(a);
	size_t room;

	if (a->has_auth) {
		over += RPC_SEC_TRAILER_LEN + a->auth_length;
	}
	if (a->max_frag <= over) {
		return 0;
	}
	room = a->max_frag - over;
	return a->has_auth ? room & ~(size_t)15 : room & ~(size_t)7;
}

static void frag_pdu(const struct rpc_frag_args *a,
                     struct rpc_pdu *pdu,
                     size_t off,
                     size_t n,
                     size_t stub_len)
{
	rpc_pdu_init(pdu, (enum rpc_ptype)a->ptype, a->call_id);
	pdu->hdr.pfc_flags = 0;
	if (off == 0) {
		pdu->hdr.pfc_flags |= RPC_PFC_FIRST_FRAG;
	}
	if (off + n == stub_len) {
		pdu->hdr.pfc_flags |= RPC_PFC_LAST_FRAG;
	}
	if (a->ptype == RPC_PTYPE_REQUEST) {
		pdu->u.request.alloc_hint = (uint32_t)(stub_len - off);
		pdu->u.request.p_cont_id = a->p_cont_id;
		pdu->u.request.opnum = a->opnum;
		if (a->object != NULL) {
			pdu->hdr.pfc_flags |= RPC_PFC_OBJECT_UUID;
			pdu->u.request.object = *a->object;
		}
	} else {
		pdu->u.response.alloc_hint = (uint32_t)(stub_len - off);
		pdu->u.response.p_cont_id = a->p_cont_id;
	}
	if (a->has_auth) {
		pdu->has_auth = true;
		pdu->auth = a->auth;
		pdu->auth.auth_pad_length = (uint8_t)rpc_auth_pad_len(n);
		pdu->hdr.auth_length = a->auth_length;
	}
}

enum rpc_pdu_err rpc_fragment(void *mem,
                              const struct rpc_frag_args *a,
                              const uint8_t *stub,
                              size_t stub_len,
                              struct rpc_frag **out,
                              size_t *n_out)
{
	size_t max = rpc_frag_max_stub(a);
	size_t n;
	struct rpc_frag *v;

	if (max == 0 ||
	    (a->ptype != RPC_PTYPE_REQUEST && a->ptype != RPC_PTYPE_RESPONSE)) {
		return RPC_PDU_ERR_ARG;
	}
	n = stub_len == 0 ? 1 : stub_len / max + (stub_len % max != 0);
	if (n > 0x7fffffffu || stub_len > UINT32_MAX) {
		return RPC_PDU_ERR_ARG;
	}
	v = talloc_zero_array(mem, struct rpc_frag, n);
	if (v == NULL) {
		return RPC_PDU_ERR_ALLOC;
	}
	for (size_t i = 0; i < n; i++) {
		size_t off = i * max;
		size_t len = stub_len - off < max ? stub_len - off : max;
		struct rpc_pdu pdu;
		enum rpc_pdu_err rc;

		frag_pdu(a, &pdu, off, len, stub_len);
		pdu.stub = stub_len == 0 ? NULL : stub + off;
		pdu.stub_len = len;
		rc = rpc_pdu_build(v, &pdu, &v[i].data, &v[i].len);
		if (rc != RPC_PDU_OK) {
			talloc_free(v);
			return rc;
		}
		v[i].stub_off = pdu.stub_off;
		v[i].stub_len = len;
		v[i].pad_len = pdu.has_auth ? pdu.auth.auth_pad_length : 0;
		v[i].sec_trailer_off = pdu.sec_trailer_off;
		v[i].auth_value_off = pdu.auth_value_off;
	}
	*out = v;
	*n_out = n;
	return RPC_PDU_OK;
}
