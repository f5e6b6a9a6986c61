/*
 * server: wmi_register and what every interface of src/wmi shares: the
 * ORPC call bracket, reply buffers, principals and identities, object
 * encoding (wmi layer; contracts in wmi.h and wmi-int.h).
 */
#include "wmi/wmi.h"

#include <string.h>
#include <talloc.h>
#include <time.h>

#include "base/utf.h"
#include "wmi/wmi-int.h"
#include "wmio/wmio.h"

/* ---- the call bracket ---- */

uint32_t wmi_call_begin(struct wmi_call *w,
                        struct rpc_call *call,
                        const uint8_t *stub,
                        size_t len,
                        const struct rpc_uuid *iid)
{
	struct wmi_server *srv = call->iface_arg;
	uint32_t st;

	memset(w, 0, sizeof(*w));
	w->srv = srv;
	w->call = call;
	st = dcom_call_begin(srv->exp, call, stub, len, iid, NULL, &w->ndr,
	                     NULL, &w->impl);
	if (st != 0) {
		return st;
	}
	/* The stub codecs pull the ORPCTHIS again with the parameters. */
	w->ndr.pos = 0;
	return 0;
}

void wmi_call_end(struct wmi_call *w)
{
	dcom_call_end(w->srv->exp, w->call);
}

void *wmi_call_scratch(struct wmi_call *w)
{
	if (w->mem == NULL) {
		w->mem = talloc_new(NULL);
	}
	return w->mem;
}

void wmi_call_free(struct wmi_call *w)
{
	TALLOC_FREE(w->mem);
}

uint32_t wmi_bad_stub(struct wmi_call *w)
{
	uint32_t st = ndr_err_to_fault(w->ndr.err);

	log_msg(w->srv->cfg.log, LOG_LVL_DEBUG, "wmi",
	        "%s: bad request stub at octet %zu: %s (%s)",
	        w->call->iface->name, w->ndr.err_pos,
	        w->ndr.err_what != NULL ? w->ndr.err_what : "",
	        ndr_err_name(w->ndr.err));
	wmi_call_end(w);
	return st;
}

bool wmi_push_start(struct wmi_call *w, struct ndr_push *p)
{
	return ndr_push_init(p, w->call->mem, 0, NULL) == NDR_ERR_SUCCESS;
}

uint32_t wmi_reply(struct ndr_push *p, struct buf *out)
{
	const uint8_t *d;
	size_t n;
	uint32_t st = 0;

	if (ndr_push_blob(p, &d, &n) != NDR_ERR_SUCCESS ||
	    hr_failed(buf_add(out, d, n))) {
		st = ndr_err_to_fault(NDR_ERR_ALLOC);
	}
	ndr_push_release(p);
	return st;
}

uint32_t wmi_reply_start(struct wmi_call *w, struct ndr_push *p)
{
	if (!wmi_push_start(w, p)) {
		wmi_call_end(w);
		return ndr_err_to_fault(NDR_ERR_ALLOC);
	}
	return 0;
}

uint32_t wmi_reply_finish(struct wmi_call *w,
                          struct ndr_push *p,
                          struct buf *out)
{
	wmi_call_end(w);
	return wmi_reply(p, out);
}

uint32_t wmi_reply_hr(struct wmi_call *w, struct buf *out, hresult hr)
{
	struct wmi_hr_resp resp = { .hr = hr.v };
	struct ndr_push p;
	uint32_t st = wmi_reply_start(w, &p);

	if (st != 0) {
		return st;
	}
	wmi_hr_resp_push(&p, &resp);
	return wmi_reply_finish(w, &p, out);
}

uint32_t wmi_reply_objref(struct wmi_call *w,
                          struct buf *out,
                          struct dcom_objref *o,
                          hresult hr)
{
	struct wmi_objref_resp resp = { .obj = hr_ok(hr) ? o : NULL,
		                        .hr = hr.v };
	struct ndr_push p;
	uint32_t st = wmi_reply_start(w, &p);

	if (st != 0) {
		return st;
	}
	wmi_objref_resp_push(&p, &resp);
	return wmi_reply_finish(w, &p, out);
}

/* ---- principals and identities ---- */

hresult wmi_owner_set(void *mem,
                      const struct rpc_identity *who,
                      struct wmi_owner *o)
{
	o->user = talloc_strdup(mem, who->user != NULL ? who->user : "");
	o->domain = talloc_strdup(mem, who->domain != NULL ? who->domain : "");
	return o->user != NULL && o->domain != NULL ? HR_OK : HR_E_OUTOFMEMORY;
}

bool wmi_owner_is(const struct wmi_owner *o, const struct rpc_identity *who)
{
	const char *u = who->user != NULL ? who->user : "";
	const char *d = who->domain != NULL ? who->domain : "";

	return utf8_casecmp(o->user, u) == 0 && utf8_casecmp(o->domain, d) == 0;
}

hresult wmi_identity(struct wmi_server *srv,
                     const struct rpc_identity *who,
                     void *mem,
                     struct cimom_identity *out)
{
	memset(out, 0, sizeof(*out));
	if (srv->cfg.identity != NULL) {
		return srv->cfg.identity(srv->cfg.identity_arg, who, mem, out);
	}
	out->user = who->user;
	out->domain = who->domain;
	out->client_machine = who->from_unix_socket ? NULL : who->peer_addr;
	out->pid = who->from_unix_socket ? (uint32_t)who->pid : 0;
	out->remote = !who->from_unix_socket;
	return HR_OK;
}

static char *dup_or_null(void *mem, const char *s, bool *oom)
{
	char *c;

	if (s == NULL) {
		return NULL;
	}
	c = talloc_strdup(mem, s);
	if (c == NULL) {
		*oom = true;
	}
	return c;
}

hresult wmi_identity_copy(void *mem,
                          const struct cimom_identity *in,
                          struct cimom_identity *out)
{
	bool oom = false;

	*out = *in;
	out->user = dup_or_null(mem, in->user, &oom);
	out->domain = dup_or_null(mem, in->domain, &oom);
	out->client_machine = dup_or_null(mem, in->client_machine, &oom);
	return oom ? HR_E_OUTOFMEMORY : HR_OK;
}

/* ---- objects ---- */

hresult wmi_encode_object(void *mem,
                          const struct cim_object *o,
                          const char *server,
                          const char *ns,
                          uint8_t **out,
                          size_t *n)
{
	struct buf b;
	hresult hr;

	*out = NULL;
	*n = 0;
	buf_init(&b, mem);
	if (o->is_class) {
		const struct cim_class *c = o->u.cls;
		struct cim_class empty;

		/* GetObject(NULL) gives a new, unnamed, unresolved class to
		 * fill (MS-WMI 3.1.4.3.4); the encoder takes it as a root
		 * class named "". */
		if (!c->resolved && c->n_props == 0 && c->n_methods == 0 &&
		    c->superclass == NULL) {
			empty = *c;
			empty.name = c->name != NULL ? c->name : "";
			empty.resolved = true;
			c = &empty;
		}

		hr = wmio_encode_class(
		        &b, c, NULL, c->server != NULL ? c->server : server,
		        c->namespace != NULL ? c->namespace : ns, 0);
	} else {
		const struct cim_instance *i = o->u.inst;

		/* A projected instance without keys carries no decoration
		 * (cimom.h): keep it so. */
		hr = wmio_encode_instance(&b, i, i->server, i->namespace, 0);
	}
	if (hr_failed(hr)) {
		buf_release(&b);
		return hr;
	}
	*out = (uint8_t *)buf_detach(&b, n);
	return *out != NULL ? HR_OK : HR_E_OUTOFMEMORY;
}

uint64_t wmi_now_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * 1000u + (uint64_t)ts.tv_nsec / 1000000u;
}

/* ---- registration ---- */

static int server_destructor(struct wmi_server *srv)
{
	wmi_flow_unregister(srv);
	/* Background producers hold the cimom and this state: wait for
	 * them (the exporter's shutdown cancelled their result sets). */
	pthread_mutex_lock(&srv->mu);
	while (srv->n_background > 0) {
		pthread_cond_wait(&srv->idle, &srv->mu);
	}
	pthread_mutex_unlock(&srv->mu);
	pthread_cond_destroy(&srv->idle);
	pthread_mutex_destroy(&srv->mu);
	return 0;
}

hresult wmi_register(struct dcom_exporter *exp,
                     struct cimom *cm,
                     const struct wmi_config *cfg)
{
	struct wmi_server *srv;
	hresult hr;

	if (exp == NULL || cm == NULL) {
		return HR_E_INVALIDARG;
	}
	srv = talloc_zero(exp, struct wmi_server);
	if (srv == NULL) {
		return HR_E_OUTOFMEMORY;
	}
	srv->exp = exp;
	srv->cm = cm;
	if (cfg != NULL) {
		srv->cfg = *cfg;
	}
	if (srv->cfg.queue_objects == 0) {
		srv->cfg.queue_objects = WMI_DEFAULT_QUEUE_OBJECTS;
	}
	if (srv->cfg.client_wait_ms == 0) {
		srv->cfg.client_wait_ms = WMI_DEFAULT_CLIENT_WAIT_MS;
	}
	if (srv->cfg.max_result_bytes == 0) {
		srv->cfg.max_result_bytes = WMI_DEFAULT_MAX_RESULT;
	}
	if (srv->cfg.max_background == 0) {
		srv->cfg.max_background = WMI_DEFAULT_MAX_BACKGROUND;
	}
	if (srv->cfg.max_wait_ms == 0) {
		srv->cfg.max_wait_ms = WMI_DEFAULT_MAX_WAIT_MS;
	}
	pthread_mutex_init(&srv->mu, NULL);
	pthread_cond_init(&srv->idle, NULL);
	talloc_set_destructor(srv, server_destructor);
	wmi_flow_register(srv);
	hr = wmi_login_register(srv);
	if (hr_ok(hr)) {
		hr = wmi_services_register(srv);
	}
	if (hr_ok(hr)) {
		hr = wmi_enum_register(srv);
	}
	if (hr_ok(hr)) {
		hr = wmi_callres_register(srv);
	}
	/* On failure the state stays under the exporter (interfaces may
	 * already be served with it as their argument). */
	return hr;
}
