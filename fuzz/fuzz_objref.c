/*
 * fuzz_objref: OBJREF, DUALSTRINGARRAY and Context (dcom/objref.h).
 *
 * The whole input goes through four decoders: an OBJREF of the input's
 * length, the packet and the NDR forms of a DUALSTRINGARRAY, and a
 * marshaled Context.  Whatever decodes is pushed, pulled again and
 * compared field by field with the first decode, then pushed a second time:
 * both pushes must give the same octets (push and pull are inverses; the
 * encoder is canonical).  A push may refuse a value only for size
 * (NDR_ERR_RANGE / NDR_ERR_LIMIT: an empty list grows to two units).
 * Seeds: the OBJREFs of d06, e02, f02, c06, c07 and the bindings of d06.
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <talloc.h>

#include "dcom/objref.h"
#include "fuzz_common.h"
#include "fuzz_dcom.h"
#include "rpc/ndr.h"

enum kind { K_OBJREF, K_DSA, K_DSA_NDR, K_CONTEXT };

union value {
	struct dcom_objref o;
	struct dcom_dsa d;
	struct dcom_context c;
};

static enum ndr_err pull(void *mem,
                         enum kind k,
                         const uint8_t *p,
                         size_t n,
                         union value *v)
{
	struct ndr_pull ndr;
	enum ndr_err err;

	if (fuzz_dcom_pull_open(mem, &ndr, p, n) != NDR_ERR_SUCCESS) {
		return NDR_ERR_ALLOC;
	}
	switch (k) {
	case K_OBJREF:
		err = dcom_objref_pull(&ndr, n, &v->o);
		break;
	case K_DSA:
		err = dcom_dsa_pull(&ndr, &v->d);
		break;
	case K_DSA_NDR:
		err = dcom_dsa_pull_ndr(&ndr, &v->d);
		break;
	default:
		err = dcom_context_pull(&ndr, n, &v->c);
		break;
	}
	if (err == NDR_ERR_SUCCESS) {
		FUZZ_CHECK(ndr.pos <= n);
	} else {
		FUZZ_CHECK(ndr.err_pos <= n);
	}
	ndr_pull_release(&ndr);
	return err;
}

static enum ndr_err push(void *mem,
                         enum kind k,
                         const union value *v,
                         uint8_t **out,
                         size_t *n)
{
	struct ndr_push ndr;

	if (fuzz_dcom_push_open(mem, &ndr) != NDR_ERR_SUCCESS) {
		return NDR_ERR_ALLOC;
	}
	switch (k) {
	case K_OBJREF:
		dcom_objref_push(&ndr, &v->o);
		break;
	case K_DSA:
		dcom_dsa_push(&ndr, &v->d);
		break;
	case K_DSA_NDR:
		dcom_dsa_push_ndr(&ndr, &v->d);
		break;
	default:
		dcom_context_push(&ndr, &v->c);
		break;
	}
	return fuzz_dcom_push_close(mem, &ndr, out, n);
}

static void same_dsa(const struct dcom_dsa *a, const struct dcom_dsa *b)
{
	FUZZ_CHECK(a->n_str == b->n_str && a->n_sec == b->n_sec);
	for (uint32_t i = 0; i < a->n_str; i++) {
		FUZZ_CHECK(a->str[i].tower_id == b->str[i].tower_id);
		FUZZ_CHECK(strcmp(a->str[i].addr, b->str[i].addr) == 0);
	}
	for (uint32_t i = 0; i < a->n_sec; i++) {
		FUZZ_CHECK(a->sec[i].authn_svc == b->sec[i].authn_svc);
		FUZZ_CHECK(strcmp(a->sec[i].princ_name, b->sec[i].princ_name) ==
		           0);
	}
}

static void same_bytes(const uint8_t *a, size_t na, const uint8_t *b, size_t nb)
{
	FUZZ_CHECK(na == nb);
	FUZZ_CHECK(na == 0 || memcmp(a, b, na) == 0);
}

static void same(enum kind k, const union value *a, const union value *b)
{
	if (k == K_DSA || k == K_DSA_NDR) {
		same_dsa(&a->d, &b->d);
		return;
	}
	if (k == K_CONTEXT) {
		FUZZ_CHECK(a->c.major == b->c.major &&
		           a->c.minor == b->c.minor);
		FUZZ_CHECK(rpc_uuid_equal(&a->c.context_id, &b->c.context_id));
		FUZZ_CHECK(a->c.flags == b->c.flags &&
		           a->c.frozen == b->c.frozen);
		FUZZ_CHECK(a->c.reserved == b->c.reserved);
		FUZZ_CHECK(a->c.mshl_flags == b->c.mshl_flags);
		FUZZ_CHECK(a->c.n_props == b->c.n_props);
		for (uint32_t i = 0; i < a->c.n_props; i++) {
			const struct dcom_ctx_prop *x = &a->c.props[i];
			const struct dcom_ctx_prop *y = &b->c.props[i];

			FUZZ_CHECK(rpc_uuid_equal(&x->clsid, &y->clsid));
			FUZZ_CHECK(
			        rpc_uuid_equal(&x->policy_id, &y->policy_id));
			FUZZ_CHECK(x->flags == y->flags);
			same_bytes(x->data, x->cb, y->data, y->cb);
		}
		return;
	}
	FUZZ_CHECK(a->o.kind == b->o.kind);
	FUZZ_CHECK(rpc_uuid_equal(&a->o.iid, &b->o.iid));
	if (a->o.kind == DCOM_OBJREF_CUSTOM) {
		FUZZ_CHECK(rpc_uuid_equal(&a->o.clsid, &b->o.clsid));
		FUZZ_CHECK(a->o.reserved == b->o.reserved);
		same_bytes(a->o.data, a->o.n_data, b->o.data, b->o.n_data);
		return;
	}
	FUZZ_CHECK(memcmp(&a->o.std, &b->o.std, sizeof(a->o.std)) == 0);
	same_dsa(&a->o.res_addr, &b->o.res_addr);
	if (a->o.kind == DCOM_OBJREF_HANDLER) {
		FUZZ_CHECK(rpc_uuid_equal(&a->o.clsid, &b->o.clsid));
	}
	if (a->o.kind == DCOM_OBJREF_EXTENDED) {
		FUZZ_CHECK(rpc_uuid_equal(&a->o.data_id, &b->o.data_id));
		same_bytes(a->o.data, a->o.n_data, b->o.data, b->o.n_data);
	}
}

static void one(enum kind k, const uint8_t *data, size_t size)
{
	void *mem = talloc_new(NULL);
	union value a;
	union value b;
	uint8_t *p1 = NULL;
	uint8_t *p2 = NULL;
	size_t n1 = 0;
	size_t n2 = 0;
	enum ndr_err err;

	FUZZ_CHECK(mem != NULL);
	if (pull(mem, k, data, size, &a) != NDR_ERR_SUCCESS) {
		goto out;
	}
	err = push(mem, k, &a, &p1, &n1);
	if (err == NDR_ERR_RANGE || err == NDR_ERR_LIMIT) {
		goto out;
	}
	FUZZ_CHECK(err == NDR_ERR_SUCCESS);
	FUZZ_CHECK(pull(mem, k, p1, n1, &b) == NDR_ERR_SUCCESS);
	same(k, &a, &b);
	FUZZ_CHECK(push(mem, k, &b, &p2, &n2) == NDR_ERR_SUCCESS);
	same_bytes(p1, n1, p2, n2);
out:
	talloc_free(mem);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	one(K_OBJREF, data, size);
	one(K_DSA, data, size);
	one(K_DSA_NDR, data, size);
	one(K_CONTEXT, data, size);
	return 0;
}
