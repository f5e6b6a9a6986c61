/*
 * fuzz_activation: the activation properties BLOB and the
 * IRemoteSCMActivator stubs (dcom/actprops.h, dcom/stubs.h).
 *
 * The whole input is decoded as an ActivationPropertiesIn OBJREF, an
 * ActivationPropertiesOut OBJREF, a RemoteCreateInstance request stub and
 * a RemoteCreateInstance / RemoteGetClassObject response stub.  Whatever
 * decodes is pushed, pulled again (it must decode, with the same
 * properties present in the same order) and pushed a second time: both
 * pushes must give the same octets.  A push may refuse a value only for
 * size (NDR_ERR_RANGE / NDR_ERR_LIMIT).  The same input also goes through
 * the IObjectExporter and IRemUnknown(2) stub codecs, for which the two
 * pushes must agree octet for octet.  Seeds: c05-c08, h02, h03, d10, d11.
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <talloc.h>

#include "dcom/actprops.h"
#include "dcom/stubs.h"
#include "fuzz_common.h"
#include "fuzz_dcom.h"
#include "rpc/ndr.h"

enum kind { K_IN, K_OUT, K_CREATE_REQ, K_ACT_RESP };

union value {
	struct dcom_actprops props;
	struct dcom_create_instance_req req;
	struct dcom_activation_resp resp;
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
	case K_IN:
		err = dcom_actprops_in_pull(&ndr, n, &v->props);
		break;
	case K_OUT:
		err = dcom_actprops_out_pull(&ndr, n, &v->props);
		break;
	case K_CREATE_REQ:
		err = dcom_create_instance_req_pull(&ndr, &v->req);
		break;
	default:
		err = dcom_activation_resp_pull(&ndr, &v->resp);
		break;
	}
	if (err == NDR_ERR_SUCCESS) {
		err = ndr_pull_finish(&ndr);
	}
	if (err != NDR_ERR_SUCCESS) {
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
	case K_IN:
		dcom_actprops_in_push(&ndr, &v->props);
		break;
	case K_OUT:
		dcom_actprops_out_push(&ndr, &v->props);
		break;
	case K_CREATE_REQ:
		dcom_create_instance_req_push(&ndr, &v->req);
		break;
	default:
		dcom_activation_resp_push(&ndr, &v->resp);
		break;
	}
	return fuzz_dcom_push_close(mem, &ndr, out, n);
}

static const struct dcom_actprops *props_of(enum kind k, const union value *v)
{
	switch (k) {
	case K_IN:
	case K_OUT:
		return &v->props;
	case K_CREATE_REQ:
		return v->req.props;
	default:
		return v->resp.props;
	}
}

static void same(enum kind k, const union value *a, const union value *b)
{
	const struct dcom_actprops *x = props_of(k, a);
	const struct dcom_actprops *y = props_of(k, b);

	FUZZ_CHECK((x == NULL) == (y == NULL));
	if (x == NULL) {
		return;
	}
	FUZZ_CHECK(x->present == y->present && x->n_order == y->n_order);
	FUZZ_CHECK(memcmp(x->order, y->order,
	                  x->n_order * sizeof(x->order[0])) == 0);
	FUZZ_CHECK(x->dest_ctx == y->dest_ctx && x->n_unknown == y->n_unknown);
	if (x->present & DCOM_ACTPROP_BIT(DCOM_ACTPROP_INSTANTIATION)) {
		FUZZ_CHECK(rpc_uuid_equal(&x->inst.clsid, &y->inst.clsid));
		FUZZ_CHECK(x->inst.n_iids == y->inst.n_iids);
		for (uint32_t i = 0; i < x->inst.n_iids; i++) {
			FUZZ_CHECK(rpc_uuid_equal(&x->inst.iids[i],
			                          &y->inst.iids[i]));
		}
	}
	if (x->present & DCOM_ACTPROP_BIT(DCOM_ACTPROP_SCM_REPLY)) {
		FUZZ_CHECK(x->scm_reply.oxid == y->scm_reply.oxid);
		FUZZ_CHECK(x->scm_reply.authn_hint == y->scm_reply.authn_hint);
	}
	if (x->present & DCOM_ACTPROP_BIT(DCOM_ACTPROP_PROPS_OUT)) {
		FUZZ_CHECK(x->props_out.n == y->props_out.n);
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
	FUZZ_CHECK(n1 == n2 && memcmp(p1, p2, n1) == 0);
out:
	talloc_free(mem);
}

/* ---- the other DCOM stubs: pull, push, pull, push, same octets ---- */

union stub {
	struct dcom_complex_ping_req ping;
	struct dcom_complex_ping_resp ping_resp;
	struct dcom_resolve_oxid_req resolve;
	struct dcom_resolve_oxid_resp resolve_resp;
	struct dcom_server_alive2_resp alive2;
	struct dcom_rem_refs_req refs;
	struct dcom_rem_addref_resp addref;
	struct dcom_rem_qi_req qi;
	struct dcom_rem_qi_resp qi_resp;
	struct dcom_rem_qi2_req qi2;
	struct dcom_rem_qi2_resp qi2_resp;
	struct dcom_orpc_hr_resp hr;
};

#define N_STUBS 12

/* Calls the pull codec of stub kind [i]. */
static enum ndr_err stub_pull_one(struct ndr_pull *ndr, size_t i, union stub *v)
{
	switch (i) {
	case 0:
		return dcom_complex_ping_req_pull(ndr, &v->ping);
	case 1:
		return dcom_complex_ping_resp_pull(ndr, &v->ping_resp);
	case 2:
		return dcom_resolve_oxid_req_pull(ndr, &v->resolve);
	case 3:
		return dcom_resolve_oxid_resp_pull(ndr, true, &v->resolve_resp);
	case 4:
		return dcom_server_alive2_resp_pull(ndr, &v->alive2);
	case 5:
		return dcom_rem_refs_req_pull(ndr, &v->refs);
	case 6:
		return dcom_rem_addref_resp_pull(ndr, &v->addref);
	case 7:
		return dcom_rem_qi_req_pull(ndr, &v->qi);
	case 8:
		return dcom_rem_qi_resp_pull(ndr, &v->qi_resp);
	case 9:
		return dcom_rem_qi2_req_pull(ndr, &v->qi2);
	case 10:
		return dcom_rem_qi2_resp_pull(ndr, &v->qi2_resp);
	default:
		return dcom_orpc_hr_resp_pull(ndr, &v->hr);
	}
}

/* Calls the push codec of stub kind [i]. */
static enum ndr_err stub_push_one(struct ndr_push *ndr,
                                  size_t i,
                                  const union stub *v)
{
	switch (i) {
	case 0:
		return dcom_complex_ping_req_push(ndr, &v->ping);
	case 1:
		return dcom_complex_ping_resp_push(ndr, &v->ping_resp);
	case 2:
		return dcom_resolve_oxid_req_push(ndr, &v->resolve);
	case 3:
		return dcom_resolve_oxid_resp_push(ndr, true, &v->resolve_resp);
	case 4:
		return dcom_server_alive2_resp_push(ndr, &v->alive2);
	case 5:
		return dcom_rem_refs_req_push(ndr, &v->refs);
	case 6:
		return dcom_rem_addref_resp_push(ndr, &v->addref);
	case 7:
		return dcom_rem_qi_req_push(ndr, &v->qi);
	case 8:
		return dcom_rem_qi_resp_push(ndr, &v->qi_resp);
	case 9:
		return dcom_rem_qi2_req_push(ndr, &v->qi2);
	case 10:
		return dcom_rem_qi2_resp_push(ndr, &v->qi2_resp);
	default:
		return dcom_orpc_hr_resp_push(ndr, &v->hr);
	}
}

static enum ndr_err stub_pull(void *mem,
                              size_t i,
                              const uint8_t *p,
                              size_t n,
                              union stub *v)
{
	struct ndr_pull ndr;
	enum ndr_err err;

	if (fuzz_dcom_pull_open(mem, &ndr, p, n) != NDR_ERR_SUCCESS) {
		return NDR_ERR_ALLOC;
	}
	err = stub_pull_one(&ndr, i, v);
	if (err == NDR_ERR_SUCCESS) {
		err = ndr_pull_finish(&ndr);
	}
	FUZZ_CHECK(err == NDR_ERR_SUCCESS || ndr.err_pos <= n);
	ndr_pull_release(&ndr);
	return err;
}

static enum ndr_err stub_push(void *mem,
                              size_t i,
                              const union stub *v,
                              uint8_t **out,
                              size_t *n)
{
	struct ndr_push ndr;

	if (fuzz_dcom_push_open(mem, &ndr) != NDR_ERR_SUCCESS) {
		return NDR_ERR_ALLOC;
	}
	stub_push_one(&ndr, i, v);
	return fuzz_dcom_push_close(mem, &ndr, out, n);
}

static void one_stub(size_t i, const uint8_t *data, size_t size)
{
	void *mem = talloc_new(NULL);
	union stub a;
	union stub b;
	uint8_t *p1 = NULL;
	uint8_t *p2 = NULL;
	size_t n1 = 0;
	size_t n2 = 0;
	enum ndr_err err;

	FUZZ_CHECK(mem != NULL);
	if (stub_pull(mem, i, data, size, &a) != NDR_ERR_SUCCESS) {
		goto out;
	}
	err = stub_push(mem, i, &a, &p1, &n1);
	if (err == NDR_ERR_RANGE || err == NDR_ERR_LIMIT) {
		goto out;
	}
	FUZZ_CHECK(err == NDR_ERR_SUCCESS);
	FUZZ_CHECK(stub_pull(mem, i, p1, n1, &b) == NDR_ERR_SUCCESS);
	FUZZ_CHECK(stub_push(mem, i, &b, &p2, &n2) == NDR_ERR_SUCCESS);
	FUZZ_CHECK(n1 == n2 && memcmp(p1, p2, n1) == 0);
out:
	talloc_free(mem);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	for (size_t i = 0; i < N_STUBS; i++) {
		one_stub(i, data, size);
	}
	one(K_IN, data, size);
	one(K_OUT, data, size);
	one(K_CREATE_REQ, data, size);
	one(K_ACT_RESP, data, size);
	return 0;
}
