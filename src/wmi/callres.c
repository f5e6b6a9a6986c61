/*
 * callres: IWbemCallResult (wmi layer; MS-WMI 3.1.4.5).
 *
 * Our semisynchronous single-object calls complete before they return,
 * so a call result is born complete: GetCallStatus answers at once with
 * the operation's status, GetResultObject with its object (or its
 * failure), GetResultString with PutInstance's path, GetResultServices
 * with a new IWbemServices on OpenNamespace's namespace.  Asking a call
 * result for what its operation does not produce is
 * WBEM_E_INVALID_OPERATION.
 */
#include <string.h>
#include <talloc.h>

#include "wmi/wmi-int.h"

struct wmi_callres {
	struct wmi_server *srv;
	struct wmi_owner owner;
	hresult status;
	uint8_t *unit; /* may be NULL */
	size_t n;
	char *str; /* may be NULL */
	bool has_ns;
	struct cimom_identity id;
	char *ns;
};

static void callres_destroy(void *impl)
{
	talloc_free(impl);
}

static struct rpc_uuid callres_iids[1];

static struct dcom_object_type callres_type = {
	.name = "IWbemCallResult",
	.n_iids = 1,
	.iids = callres_iids,
	.destroy = callres_destroy,
};

hresult wmi_callres_export(struct wmi_server *srv,
                           void *mem,
                           const struct wmi_owner *owner,
                           hresult status,
                           const uint8_t *unit,
                           size_t n,
                           const char *str,
                           const struct cimom_identity *id,
                           const char *ns,
                           struct dcom_objref *o)
{
	struct wmi_callres *c = talloc_zero(NULL, struct wmi_callres);
	bool oom = c == NULL;

	if (!oom) {
		c->srv = srv;
		c->status = status;
		c->owner.user = talloc_strdup(c, owner->user);
		c->owner.domain = talloc_strdup(c, owner->domain);
		oom = c->owner.user == NULL || c->owner.domain == NULL;
	}
	if (!oom && unit != NULL) {
		c->unit = talloc_memdup(c, unit, n);
		c->n = n;
		oom = c->unit == NULL;
	}
	if (!oom && str != NULL) {
		c->str = talloc_strdup(c, str);
		oom = c->str == NULL;
	}
	if (!oom && id != NULL && ns != NULL) {
		c->has_ns = true;
		c->ns = talloc_strdup(c, ns);
		oom = c->ns == NULL ||
		      hr_failed(wmi_identity_copy(c, id, &c->id));
	}
	if (oom) {
		talloc_free(c);
		return HR_E_OUTOFMEMORY;
	}
	return dcom_export(srv->exp, mem, c, &callres_type,
	                   &wmi_iid_iwbemcallresult, WMI_REFS, o);
}

/* Opens a call and pulls lTimeout (the result is always there). */
static uint32_t callres_begin(struct wmi_call *w,
                              struct rpc_call *call,
                              const uint8_t *in,
                              size_t len,
                              struct wmi_callres **c,
                              hresult *hr)
{
	struct wmi_timeout_req req;
	uint32_t st = wmi_call_begin(w, call, in, len,
	                             &wmi_iid_iwbemcallresult);

	if (st != 0) {
		return st;
	}
	if (wmi_timeout_req_pull(&w->ndr, false, &req) != NDR_ERR_SUCCESS) {
		return wmi_bad_stub(w);
	}
	*c = w->impl;
	*hr = wmi_owner_is(&(*c)->owner, &call->identity)
	              ? HR_OK
	              : HR_WBEM_E_ACCESS_DENIED;
	return 0;
}

/*
 * What a GetResult* method answers before it looks at the result: [hr]
 * from callres_begin when it failed, else the operation's failure, else
 * WBEM_E_INVALID_OPERATION when the operation did not produce the result
 * asked for ([has] false), else S_OK.
 */
static hresult callres_check(const struct wmi_callres *c, hresult hr, bool has)
{
	if (hr_failed(hr)) {
		return hr;
	}
	if (hr_failed(c->status)) {
		return c->status;
	}
	return has ? HR_OK : HR_WBEM_E_INVALID_OPERATION;
}

static uint32_t op_get_result_object(struct rpc_call *call,
                                     const uint8_t *in,
                                     size_t len,
                                     struct buf *out)
{
	struct wmi_call w;
	struct wmi_callres *c = NULL;
	struct dcom_objref o;
	hresult hr;
	uint32_t st = callres_begin(&w, call, in, len, &c, &hr);

	if (st != 0) {
		return st;
	}
	hr = callres_check(c, hr, c->unit != NULL);
	if (hr_ok(hr)) {
		wmi_objref_classobject(&o, c->unit, c->n);
	}
	return wmi_reply_objref(&w, out, &o, hr);
}

static uint32_t op_get_result_string(struct rpc_call *call,
                                     const uint8_t *in,
                                     size_t len,
                                     struct buf *out)
{
	struct wmi_call w;
	struct wmi_callres *c = NULL;
	struct wmi_string_resp resp = { 0 };
	struct ndr_push p;
	hresult hr;
	uint32_t st = callres_begin(&w, call, in, len, &c, &hr);

	if (st != 0) {
		return st;
	}
	hr = callres_check(c, hr, c->str != NULL);
	if (hr_ok(hr)) {
		resp.str = c->str;
	}
	resp.hr = hr.v;
	st = wmi_reply_start(&w, &p);
	if (st != 0) {
		return st;
	}
	wmi_string_resp_push(&p, &resp);
	return wmi_reply_finish(&w, &p, out);
}

static uint32_t op_get_result_services(struct rpc_call *call,
                                       const uint8_t *in,
                                       size_t len,
                                       struct buf *out)
{
	struct wmi_call w;
	struct wmi_callres *c = NULL;
	struct wmi_svc *svc = NULL;
	struct dcom_objref o;
	hresult hr;
	uint32_t st = callres_begin(&w, call, in, len, &c, &hr);

	if (st != 0) {
		return st;
	}
	hr = callres_check(c, hr, c->has_ns);
	if (hr_ok(hr)) {
		hr = wmi_svc_new(w.srv, &c->id, &c->owner, c->ns, &svc);
	}
	if (hr_ok(hr)) {
		hr = wmi_svc_export(w.srv, call->mem, svc, &o);
	}
	return wmi_reply_objref(&w, out, &o, hr);
}

static uint32_t op_get_call_status(struct rpc_call *call,
                                   const uint8_t *in,
                                   size_t len,
                                   struct buf *out)
{
	struct wmi_call w;
	struct wmi_callres *c = NULL;
	struct wmi_status_resp resp = { 0 };
	struct ndr_push p;
	hresult hr;
	uint32_t st = callres_begin(&w, call, in, len, &c, &hr);

	if (st != 0) {
		return st;
	}
	if (hr_ok(hr)) {
		resp.status = (int32_t)c->status.v;
	}
	resp.hr = hr.v;
	st = wmi_reply_start(&w, &p);
	if (st != 0) {
		return st;
	}
	wmi_status_resp_push(&p, &resp);
	return wmi_reply_finish(&w, &p, out);
}

static const struct rpc_op callres_ops[] = {
	[WMI_OP_GET_RESULT_OBJECT] = { op_get_result_object,
	                               "GetResultObject" },
	[WMI_OP_GET_RESULT_STRING] = { op_get_result_string,
	                               "GetResultString" },
	[WMI_OP_GET_RESULT_SERVICES] = { op_get_result_services,
	                                 "GetResultServices" },
	[WMI_OP_GET_CALL_STATUS] = { op_get_call_status, "GetCallStatus" },
};

static struct rpc_iface callres_iface = {
	.name = "IWbemCallResult",
	.n_ops = sizeof(callres_ops) / sizeof(callres_ops[0]),
	.ops = callres_ops,
};

hresult wmi_callres_register(struct wmi_server *srv)
{
	callres_iids[0] = wmi_iid_iwbemcallresult;
	callres_iface.syntax.uuid = wmi_iid_iwbemcallresult;
	return dcom_exporter_serve(srv->exp, &callres_iface, srv);
}
