/*
 * services: IWbemServices over a cimom session (wmi layer; MS-WMI
 * 3.1.4.3).
 *
 * One handler decodes every opnum with the table-driven stub
 * (wmi_svc_req_pull) and dispatches.  Single-object methods run
 * synchronously; with WBEM_FLAG_RETURN_IMMEDIATELY they still complete
 * before returning and hand out an IWbemCallResult that already holds
 * the outcome (MS-WMI allows a semisynchronous call to finish early).
 * Enumerations go through result sets (rset.c).  The *Async methods,
 * QueryObjectSink and ExecNotificationQuery answer
 * WBEM_E_NOT_SUPPORTED; CancelAsyncCall finds no call to cancel.
 */
#include <string.h>
#include <talloc.h>

#include "cim/objpath.h"
#include "wmi/wmi-int.h"
#include "wmio/wmio.h"

/* WBEM_GENERIC_FLAG_TYPE (MS-WMI 2.2.6). */
#define FLAG_RETURN_IMMEDIATELY 0x10u
#define FLAG_FORWARD_ONLY       0x20u

/* ---- the object ---- */

static void svc_destroy(void *impl)
{
	struct wmi_svc *svc = impl;

	pthread_mutex_destroy(&svc->mu);
	talloc_free(svc);
}

static struct rpc_uuid svc_iids[1];

static struct dcom_object_type svc_type = {
	.name = "IWbemServices",
	.n_iids = 1,
	.iids = svc_iids,
	.destroy = svc_destroy,
};

hresult wmi_svc_new(struct wmi_server *srv,
                    const struct cimom_identity *id,
                    const struct wmi_owner *owner,
                    const char *ns,
                    struct wmi_svc **out)
{
	struct wmi_svc *svc = talloc_zero(NULL, struct wmi_svc);
	hresult hr;

	*out = NULL;
	if (svc == NULL) {
		return HR_E_OUTOFMEMORY;
	}
	svc->srv = srv;
	hr = wmi_identity_copy(svc, id, &svc->id);
	if (hr_ok(hr)) {
		svc->owner.user = talloc_strdup(svc, owner->user);
		svc->owner.domain = talloc_strdup(svc, owner->domain);
		if (svc->owner.user == NULL || svc->owner.domain == NULL) {
			hr = HR_E_OUTOFMEMORY;
		}
	}
	if (hr_ok(hr)) {
		hr = cimom_session_open(srv->cm, svc, &svc->id, ns, &svc->s,
		                        NULL);
	}
	if (hr_ok(hr)) {
		svc->ns = talloc_strdup(svc, cimom_session_namespace(svc->s));
		if (svc->ns == NULL) {
			hr = HR_E_OUTOFMEMORY;
		}
	}
	if (hr_failed(hr)) {
		talloc_free(svc);
		return hr;
	}
	pthread_mutex_init(&svc->mu, NULL);
	*out = svc;
	return HR_OK;
}

hresult wmi_svc_export(struct wmi_server *srv,
                       void *mem,
                       struct wmi_svc *svc,
                       struct dcom_objref *o)
{
	return dcom_export(srv->exp, mem, svc, &svc_type,
	                   &wmi_iid_iwbemservices, WMI_REFS, o);
}

/* ---- helpers ---- */

/* An OBJREF_CUSTOM for [unit] under [mem]. */
static struct dcom_objref *objref_of(void *mem, const uint8_t *unit, size_t n)
{
	struct dcom_objref *o = talloc_zero(mem, struct dcom_objref);

	if (o != NULL) {
		wmi_objref_classobject(o, unit, n);
	}
	return o;
}

/* Decodes the by-value object [o] (IWbemClassObject OBJREF_CUSTOM). */
static hresult decode_object(void *mem,
                             const struct dcom_objref *o,
                             struct wmio_object **out)
{
	struct errinfo ei;

	*out = NULL;
	if (o == NULL || !wmi_objref_is_classobject(o)) {
		return HR_WBEM_E_INVALID_PARAMETER;
	}
	err_clear(&ei);
	return wmio_decode(mem, o->data, o->n_data, NULL, out, &ei);
}

/*
 * Completes a single-object method that produced [status], the object
 * [unit] (may be NULL) and the string [str] (may be NULL): fills
 * ppObject / ppCallResult of [resp] as the call's flags and pointers ask.
 */
static hresult finish_single(struct wmi_call *w,
                             struct wmi_svc *svc,
                             const struct wmi_svc_req *req,
                             struct wmi_svc_resp *resp,
                             hresult status,
                             const uint8_t *unit,
                             size_t n,
                             const char *str)
{
	void *mem = w->call->mem;
	bool semisync = (req->flags & FLAG_RETURN_IMMEDIATELY) != 0;
	hresult hr;

	if (hr_failed(status)) {
		return status;
	}
	if (semisync) {
		if (!req->pp_result.set) {
			return HR_WBEM_E_INVALID_PARAMETER;
		}
	} else if (unit != NULL && req->pp_obj.set) {
		resp->pp_obj.obj = objref_of(mem, unit, n);
		if (resp->pp_obj.obj == NULL) {
			return HR_E_OUTOFMEMORY;
		}
	}
	if (req->pp_result.set) {
		struct dcom_objref *o = talloc_zero(mem, struct dcom_objref);

		if (o == NULL) {
			return HR_E_OUTOFMEMORY;
		}
		hr = wmi_callres_export(w->srv, mem, &svc->owner, status, unit,
		                        n, str, NULL, NULL, o);
		if (hr_failed(hr)) {
			return hr;
		}
		resp->pp_result.obj = o;
	}
	return status;
}

/* The session's decoration: the server name and the namespace. */
static const char *server_name(struct wmi_svc *svc)
{
	return cimom_server_name(svc->srv->cm);
}

/* ---- the methods ---- */

static hresult do_get_object(struct wmi_call *w,
                             struct wmi_svc *svc,
                             const struct wmi_svc_req *req,
                             struct wmi_svc_resp *resp)
{
	void *mem = w->call->mem;
	struct cim_object *obj = NULL;
	uint8_t *unit = NULL;
	size_t n = 0;
	hresult hr;

	pthread_mutex_lock(&svc->mu);
	hr = cimom_get_object(svc->s, mem, req->str1,
	                      (uint32_t)req->flags & ~FLAG_RETURN_IMMEDIATELY,
	                      &obj, NULL);
	pthread_mutex_unlock(&svc->mu);
	if (hr_ok(hr)) {
		hr = wmi_encode_object(mem, obj, server_name(svc), svc->ns,
		                       &unit, &n);
	}
	return finish_single(w, svc, req, resp, hr, unit, n, NULL);
}

/*
 * Builds ExecMethod's in-parameters: the client's object mapped by
 * property name onto the input signature of [m] (impacket sends a copy
 * of our __PARAMETERS class part, Windows its own; only names and values
 * count).  NULL values stay NULL.
 */
static hresult map_in_params(void *mem,
                             const struct cim_method *m,
                             const struct dcom_objref *o,
                             struct cim_instance **out)
{
	struct wmio_object *wo = NULL;
	struct cim_class *incls = NULL;
	struct cim_instance *in;
	hresult hr;

	*out = NULL;
	hr = decode_object(mem, o, &wo);
	if (hr_failed(hr)) {
		return hr;
	}
	if (wo->is_class || wo->inst == NULL) {
		return HR_WBEM_E_INVALID_PARAMETER;
	}
	hr = wmio_params_class(mem, m, false, &incls);
	if (hr_failed(hr)) {
		return hr;
	}
	in = cim_instance_new(mem, incls);
	if (in == NULL) {
		return HR_E_OUTOFMEMORY;
	}
	for (uint32_t i = 0; i < wo->inst->cls->n_props; i++) {
		const char *name = wo->inst->cls->props[i].name;
		const struct cim_value *v = &wo->inst->values[i];

		if (cim_class_find_prop(incls, name) < 0) {
			return HR_WBEM_E_INVALID_METHOD_PARAMETERS;
		}
		if (v->null) {
			continue;
		}
		hr = cim_instance_set(in, name, v);
		if (hr_failed(hr)) {
			return hr;
		}
	}
	*out = in;
	return HR_OK;
}

static hresult do_exec_method(struct wmi_call *w,
                              struct wmi_svc *svc,
                              const struct wmi_svc_req *req,
                              struct wmi_svc_resp *resp)
{
	void *mem = wmi_call_scratch(w);
	struct objpath *path = NULL;
	struct cim_object *co = NULL;
	const struct cim_method *m = NULL;
	struct cim_instance *in = NULL, *outp = NULL;
	uint8_t *unit = NULL;
	size_t n = 0;
	hresult hr;

	if (mem == NULL) {
		return HR_E_OUTOFMEMORY;
	}
	if (req->str1 == NULL || req->str2 == NULL) {
		return HR_WBEM_E_INVALID_PARAMETER;
	}
	hr = objpath_parse(mem, req->str1, &path, NULL);
	if (hr_failed(hr)) {
		return hr;
	}
	if (path->cls == NULL) {
		return HR_WBEM_E_INVALID_OBJECT_PATH;
	}
	pthread_mutex_lock(&svc->mu);
	/* The method's signature comes from the class; when the class or
	 * method is missing, cimom_exec_method gives the error. */
	if (hr_ok(cimom_get_object(svc->s, mem, path->cls, 0, &co, NULL)) &&
	    co->is_class) {
		m = cim_class_find_method(co->u.cls, req->str2);
	}
	if (m != NULL && req->obj != NULL) {
		hr = map_in_params(mem, m, req->obj, &in);
	}
	if (hr_ok(hr)) {
		hr = cimom_exec_method(svc->s, mem, req->str1, req->str2, in,
		                       (uint32_t)req->flags &
		                               ~FLAG_RETURN_IMMEDIATELY,
		                       &outp, NULL);
	}
	pthread_mutex_unlock(&svc->mu);
	if (hr_ok(hr) && outp != NULL) {
		/* Out-parameters are decorated with the session's server
		 * and namespace unless the provider decorated them. */
		struct buf b;

		buf_init(&b, mem);
		hr = wmio_encode_instance(
		        &b, outp,
		        outp->server != NULL ? outp->server : server_name(svc),
		        outp->namespace != NULL ? outp->namespace : svc->ns, 0);
		unit = hr_ok(hr) ? (uint8_t *)buf_detach(&b, &n) : NULL;
		if (hr_ok(hr) && unit == NULL) {
			hr = HR_E_OUTOFMEMORY;
		}
		if (hr_failed(hr)) {
			buf_release(&b);
		}
	}
	return finish_single(w, svc, req, resp, hr, unit, n, NULL);
}

/* Turns a decoded (resolved) class into the local class PutClass
 * stores: only its own members and unpropagated qualifiers. */
static void drop_propagated(struct cim_qualifier_set *qs)
{
	uint32_t k = 0;

	for (uint32_t i = 0; i < qs->n; i++) {
		if ((qs->q[i].flavor & CIM_FLAVOR_ORIGIN_PROPAGATED) == 0) {
			qs->q[k++] = qs->q[i];
		}
	}
	qs->n = k;
}

static struct cim_class *local_class(void *mem, const struct cim_class *rc)
{
	struct cim_class *c = cim_class_copy(mem, rc);
	uint32_t k = 0;

	if (c == NULL) {
		return NULL;
	}
	for (uint32_t i = 0; i < c->n_props; i++) {
		if (c->props[i].local) {
			drop_propagated(&c->props[i].quals);
			c->props[k++] = c->props[i];
		}
	}
	c->n_props = k;
	k = 0;
	for (uint32_t i = 0; i < c->n_methods; i++) {
		if (c->methods[i].local) {
			drop_propagated(&c->methods[i].quals);
			c->methods[k++] = c->methods[i];
		}
	}
	c->n_methods = k;
	drop_propagated(&c->quals);
	c->resolved = false;
	c->derivation = NULL;
	c->n_derivation = 0;
	c->key_index = NULL;
	c->n_keys = 0;
	return c;
}

static hresult do_put(struct wmi_call *w,
                      struct wmi_svc *svc,
                      const struct wmi_svc_req *req,
                      struct wmi_svc_resp *resp,
                      bool is_class)
{
	void *mem = wmi_call_scratch(w);
	struct wmio_object *wo = NULL;
	char *path = NULL;
	uint32_t flags = (uint32_t)req->flags & ~FLAG_RETURN_IMMEDIATELY;
	hresult hr = mem != NULL ? decode_object(mem, req->obj, &wo)
	                         : HR_E_OUTOFMEMORY;

	if (hr_ok(hr) && wo->is_class != is_class) {
		hr = HR_WBEM_E_INVALID_PARAMETER;
	}
	if (hr_ok(hr) && is_class) {
		struct cim_class *c = local_class(mem, wo->cls);

		if (c == NULL) {
			hr = HR_E_OUTOFMEMORY;
		} else {
			pthread_mutex_lock(&svc->mu);
			hr = cimom_put_class(svc->s, c, flags, NULL);
			pthread_mutex_unlock(&svc->mu);
		}
	} else if (hr_ok(hr)) {
		pthread_mutex_lock(&svc->mu);
		hr = cimom_put_instance(svc->s, mem, wo->inst, flags, &path,
		                        NULL);
		pthread_mutex_unlock(&svc->mu);
	}
	return finish_single(w, svc, req, resp, hr, NULL, 0, path);
}

static hresult do_delete(struct wmi_call *w,
                         struct wmi_svc *svc,
                         const struct wmi_svc_req *req,
                         struct wmi_svc_resp *resp,
                         bool is_class)
{
	uint32_t flags = (uint32_t)req->flags & ~FLAG_RETURN_IMMEDIATELY;
	hresult hr;

	if (req->str1 == NULL) {
		return HR_WBEM_E_INVALID_PARAMETER;
	}
	pthread_mutex_lock(&svc->mu);
	hr = is_class ? cimom_delete_class(svc->s, req->str1, flags, NULL)
	              : cimom_delete_instance(svc->s, req->str1, flags, NULL);
	pthread_mutex_unlock(&svc->mu);
	return finish_single(w, svc, req, resp, hr, NULL, 0, NULL);
}

/* The namespace [rel] under the session's, '/' as '\'. */
static char *child_ns(void *mem, const char *base, const char *rel)
{
	char *s = talloc_asprintf(mem, "%s\\%s", base, rel);

	for (char *p = s; p != NULL && *p != '\0'; p++) {
		if (*p == '/') {
			*p = '\\';
		}
	}
	return s;
}

static hresult do_open_namespace(struct wmi_call *w,
                                 struct wmi_svc *svc,
                                 const struct wmi_svc_req *req,
                                 struct wmi_svc_resp *resp)
{
	void *mem = w->call->mem;
	bool semisync = (req->flags & FLAG_RETURN_IMMEDIATELY) != 0;
	struct wmi_svc *child = NULL;
	char *ns;
	hresult hr;

	if (req->str1 == NULL || req->str1[0] == '\0' || req->str1[0] == '\\' ||
	    req->str1[0] == '/') {
		return HR_WBEM_E_INVALID_NAMESPACE;
	}
	if (semisync ? !req->pp_result.set : !req->pp_obj.set) {
		return HR_WBEM_E_INVALID_PARAMETER;
	}
	ns = child_ns(mem, svc->ns, req->str1);
	if (ns == NULL) {
		return HR_E_OUTOFMEMORY;
	}
	hr = wmi_svc_new(w->srv, &svc->id, &svc->owner, ns, &child);
	if (hr_failed(hr)) {
		return hr;
	}
	if (semisync) {
		struct dcom_objref *o = talloc_zero(mem, struct dcom_objref);

		/* GetResultServices opens its own session on the name
		 * cimom resolved. */
		hr = o == NULL ? HR_E_OUTOFMEMORY
		               : wmi_callres_export(w->srv, mem, &svc->owner,
		                                    HR_OK, NULL, 0, NULL,
		                                    &svc->id, child->ns, o);
		svc_destroy(child);
		resp->pp_result.obj = hr_ok(hr) ? o : NULL;
		return hr;
	}
	resp->pp_obj.obj = talloc_zero(mem, struct dcom_objref);
	if (resp->pp_obj.obj == NULL) {
		svc_destroy(child);
		return HR_E_OUTOFMEMORY;
	}
	hr = wmi_svc_export(w->srv, mem, child, resp->pp_obj.obj);
	if (hr_failed(hr)) {
		resp->pp_obj.obj = NULL;
	}
	return hr;
}

static hresult do_enum(struct wmi_call *w,
                       struct wmi_svc *svc,
                       const struct wmi_svc_req *req,
                       struct wmi_svc_resp *resp,
                       enum wmi_op op)
{
	void *mem = w->call->mem;
	uint32_t flags = (uint32_t)req->flags;
	struct wmi_run run = {
		.op = op,
		.a = req->str1,
		.b = req->str2,
		.flags = flags & ~(FLAG_RETURN_IMMEDIATELY | FLAG_FORWARD_ONLY),
		.conn_id = w->call->conn_id,
	};
	struct wmi_rset *rs = NULL;
	struct dcom_objref *o;
	hresult hr;

	if (op == WMI_RUN_ENUM_INSTANCES && req->str1 == NULL) {
		return HR_WBEM_E_INVALID_PARAMETER;
	}
	if (op == WMI_RUN_QUERY && (req->str1 == NULL || req->str2 == NULL)) {
		return HR_WBEM_E_INVALID_PARAMETER;
	}
	hr = wmi_rset_run(svc, &run, (flags & FLAG_RETURN_IMMEDIATELY) != 0,
	                  (flags & FLAG_FORWARD_ONLY) != 0, &rs, NULL);
	if (hr_failed(hr)) {
		return hr;
	}
	o = talloc_zero(mem, struct dcom_objref);
	if (o == NULL) {
		wmi_rset_unref(rs);
		return HR_E_OUTOFMEMORY;
	}
	hr = wmi_enum_export(w->srv, mem, rs, &svc->owner, o);
	if (hr_ok(hr)) {
		resp->out = o;
	}
	return hr;
}

static hresult dispatch(struct wmi_call *w,
                        struct wmi_svc *svc,
                        const struct wmi_svc_req *req,
                        struct wmi_svc_resp *resp)
{
	uint16_t op = w->call->opnum;

	if (!wmi_owner_is(&svc->owner, &w->call->identity)) {
		return HR_WBEM_E_ACCESS_DENIED;
	}
	if (op == WMI_OP_CANCEL_ASYNC_CALL) {
		/* No asynchronous call is ever running. */
		return req->sink == NULL ? HR_WBEM_E_INVALID_PARAMETER
		                         : HR_WBEM_E_NOT_FOUND;
	}
	if (wmi_svc_opnum_is_async(op)) {
		return HR_WBEM_E_NOT_SUPPORTED;
	}
	switch (op) {
	case WMI_OP_OPEN_NAMESPACE:
		return do_open_namespace(w, svc, req, resp);
	case WMI_OP_QUERY_OBJECT_SINK:
		return HR_WBEM_E_NOT_SUPPORTED;
	case WMI_OP_GET_OBJECT:
		return do_get_object(w, svc, req, resp);
	case WMI_OP_PUT_CLASS:
		return do_put(w, svc, req, resp, true);
	case WMI_OP_DELETE_CLASS:
		return do_delete(w, svc, req, resp, true);
	case WMI_OP_CREATE_CLASS_ENUM:
		return do_enum(w, svc, req, resp, WMI_RUN_ENUM_CLASSES);
	case WMI_OP_PUT_INSTANCE:
		return do_put(w, svc, req, resp, false);
	case WMI_OP_DELETE_INSTANCE:
		return do_delete(w, svc, req, resp, false);
	case WMI_OP_CREATE_INSTANCE_ENUM:
		return do_enum(w, svc, req, resp, WMI_RUN_ENUM_INSTANCES);
	case WMI_OP_EXEC_QUERY:
		return do_enum(w, svc, req, resp, WMI_RUN_QUERY);
	case WMI_OP_EXEC_NOTIFICATION_QUERY:
		/* No event subsystem. */
		return HR_WBEM_E_NOT_SUPPORTED;
	case WMI_OP_EXEC_METHOD:
		return do_exec_method(w, svc, req, resp);
	default:
		return HR_WBEM_E_NOT_SUPPORTED;
	}
}

static uint32_t op_services(struct rpc_call *call,
                            const uint8_t *in,
                            size_t len,
                            struct buf *out)
{
	struct wmi_call w;
	struct wmi_svc_req req;
	struct wmi_svc_resp resp;
	struct ndr_push p;
	hresult hr;
	uint32_t st;

	st = wmi_call_begin(&w, call, in, len, &wmi_iid_iwbemservices);
	if (st != 0) {
		return st;
	}
	/* Octets after the last parameter are ignored (impacket's
	 * GetObject sends 12). */
	if (wmi_svc_req_pull(&w.ndr, call->opnum, &req) != NDR_ERR_SUCCESS) {
		return wmi_bad_stub(&w);
	}
	memset(&resp, 0, sizeof(resp));
	/* An [in, out, unique] pointer comes back exactly when it went. */
	resp.pp_obj.set = req.pp_obj.set;
	resp.pp_result.set = req.pp_result.set;
	hr = dispatch(&w, w.impl, &req, &resp);
	resp.hr = hr.v;
	if (hr_failed(hr)) {
		resp.pp_obj.obj = NULL;
		resp.pp_result.obj = NULL;
		resp.out = NULL;
	}
	if (!resp.pp_obj.set) {
		resp.pp_obj.obj = NULL;
	}
	if (!resp.pp_result.set) {
		resp.pp_result.obj = NULL;
	}
	st = wmi_reply_start(&w, &p);
	if (st == 0) {
		wmi_svc_resp_push(&p, call->opnum, &resp);
		st = wmi_reply_finish(&w, &p, out);
	}
	wmi_call_free(&w);
	return st;
}

static struct rpc_op svc_ops[WMI_SERVICES_N_OPS];

static struct rpc_iface svc_iface = {
	.name = "IWbemServices",
	.n_ops = WMI_SERVICES_N_OPS,
	.ops = svc_ops,
};

static const char *const svc_op_names[WMI_SERVICES_N_OPS] = {
	[3] = "OpenNamespace",
	[4] = "CancelAsyncCall",
	[5] = "QueryObjectSink",
	[6] = "GetObject",
	[7] = "GetObjectAsync",
	[8] = "PutClass",
	[9] = "PutClassAsync",
	[10] = "DeleteClass",
	[11] = "DeleteClassAsync",
	[12] = "CreateClassEnum",
	[13] = "CreateClassEnumAsync",
	[14] = "PutInstance",
	[15] = "PutInstanceAsync",
	[16] = "DeleteInstance",
	[17] = "DeleteInstanceAsync",
	[18] = "CreateInstanceEnum",
	[19] = "CreateInstanceEnumAsync",
	[20] = "ExecQuery",
	[21] = "ExecQueryAsync",
	[22] = "ExecNotificationQuery",
	[23] = "ExecNotificationQueryAsync",
	[24] = "ExecMethod",
	[25] = "ExecMethodAsync",
};

hresult wmi_services_register(struct wmi_server *srv)
{
	svc_iids[0] = wmi_iid_iwbemservices;
	for (uint32_t i = WMI_OP_OPEN_NAMESPACE; i < WMI_SERVICES_N_OPS; i++) {
		svc_ops[i].fn = op_services;
		svc_ops[i].name = svc_op_names[i];
	}
	svc_iface.syntax.uuid = wmi_iid_iwbemservices;
	return dcom_exporter_serve(srv->exp, &svc_iface, srv);
}
