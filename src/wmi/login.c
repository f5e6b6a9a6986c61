/*
 * login: the WbemLevel1Login class and its IWbemLevel1Login interface
 * (wmi layer; MS-WMI 3.1.4.1).
 *
 *   EstablishPosition  S_OK, LocaleVersion 1 (an unknown locale in
 *                      NTLMLogin is ignored, 3.1.4.1.1)
 *   RequestChallenge   WBEM_E_NOT_SUPPORTED (3.1.4.1.2)
 *   WBEMLogin          WBEM_E_NOT_SUPPORTED (3.1.4.1.3)
 *   NTLMLogin          a cimom session on wszNetworkResource for the
 *                      caller, returned as IWbemServices (3.1.4.1.4)
 *
 * The object also answers IWbemLoginClientID (3.1.4.8): SetClientInfo's
 * machine name and process id become the ClientMachine and
 * ClientProcessId of the sessions NTLMLogin opens afterwards (the
 * activity log's event 5858); and IWbemLoginHelper (3.1.4.9), whose
 * SetEvent does nothing and answers WBEM_S_NO_ERROR.
 */
#include <string.h>
#include <talloc.h>

#include "wmi/wmi-int.h"

/* The login object: its owner and what SetClientInfo told. */
struct wmi_login {
	struct wmi_owner owner;
	pthread_mutex_t mu;
	char *client_machine; /* NULL until SetClientInfo */
	uint32_t client_pid;
};

static void login_destroy(void *impl)
{
	struct wmi_login *l = impl;

	pthread_mutex_destroy(&l->mu);
	talloc_free(l);
}

/* Filled by wmi_login_register (GUIDs are not constant expressions). */
static struct rpc_uuid login_iids[3];

static struct dcom_object_type login_type = {
	.name = "WbemLevel1Login",
	.n_iids = 3,
	.iids = login_iids,
	.destroy = login_destroy,
};

static hresult login_create(void *arg,
                            const struct rpc_identity *who,
                            void **impl,
                            const struct dcom_object_type **type)
{
	struct wmi_login *l = talloc_zero(NULL, struct wmi_login);

	(void)arg;
	*impl = NULL;
	if (l == NULL || hr_failed(wmi_owner_set(l, who, &l->owner))) {
		talloc_free(l);
		return HR_E_OUTOFMEMORY;
	}
	pthread_mutex_init(&l->mu, NULL);
	*impl = l;
	*type = &login_type;
	return HR_OK;
}

static uint32_t op_establish_position(struct rpc_call *call,
                                      const uint8_t *in,
                                      size_t len,
                                      struct buf *out)
{
	struct wmi_call w;
	struct wmi_establish_position_req req;
	struct wmi_establish_position_resp resp = { .locale_version = 1 };
	struct ndr_push p;
	uint32_t st;

	st = wmi_call_begin(&w, call, in, len, &wmi_iid_iwbemlevel1login);
	if (st != 0) {
		return st;
	}
	if (wmi_establish_position_req_pull(&w.ndr, &req) != NDR_ERR_SUCCESS) {
		return wmi_bad_stub(&w);
	}
	st = wmi_reply_start(&w, &p);
	if (st != 0) {
		return st;
	}
	wmi_establish_position_resp_push(&p, &resp);
	return wmi_reply_finish(&w, &p, out);
}

static uint32_t op_request_challenge(struct rpc_call *call,
                                     const uint8_t *in,
                                     size_t len,
                                     struct buf *out)
{
	struct wmi_call w;
	struct wmi_request_challenge_req req;
	struct wmi_request_challenge_resp resp = {
		.hr = HR_WBEM_E_NOT_SUPPORTED.v,
	};
	struct ndr_push p;
	uint32_t st;

	st = wmi_call_begin(&w, call, in, len, &wmi_iid_iwbemlevel1login);
	if (st != 0) {
		return st;
	}
	if (wmi_request_challenge_req_pull(&w.ndr, &req) != NDR_ERR_SUCCESS) {
		return wmi_bad_stub(&w);
	}
	st = wmi_reply_start(&w, &p);
	if (st != 0) {
		return st;
	}
	wmi_request_challenge_resp_push(&p, &resp);
	return wmi_reply_finish(&w, &p, out);
}

static uint32_t op_wbem_login(struct rpc_call *call,
                              const uint8_t *in,
                              size_t len,
                              struct buf *out)
{
	struct wmi_call w;
	struct wmi_wbem_login_req req;
	uint32_t st;

	st = wmi_call_begin(&w, call, in, len, &wmi_iid_iwbemlevel1login);
	if (st != 0) {
		return st;
	}
	if (wmi_wbem_login_req_pull(&w.ndr, &req) != NDR_ERR_SUCCESS) {
		return wmi_bad_stub(&w);
	}
	return wmi_reply_objref(&w, out, NULL, HR_WBEM_E_NOT_SUPPORTED);
}

/*
 * The namespace part of wszNetworkResource: "//./root/cimv2",
 * "\\host\root", "root\cimv2"; cimom_session_open understands the server
 * forms itself.
 */
static hresult ntlm_login(struct wmi_call *w,
                          const struct wmi_ntlm_login_req *req,
                          struct dcom_objref *ns_ref)
{
	struct wmi_server *srv = w->srv;
	struct wmi_login *l = w->impl;
	struct cimom_identity id;
	struct wmi_owner owner;
	struct wmi_svc *svc = NULL;
	hresult hr;

	if (!wmi_owner_is(&l->owner, &w->call->identity)) {
		return HR_WBEM_E_ACCESS_DENIED;
	}
	if (req->network_resource == NULL) {
		return HR_WBEM_E_INVALID_PARAMETER;
	}
	hr = wmi_identity(srv, &w->call->identity, w->call->mem, &id);
	if (hr_ok(hr)) {
		pthread_mutex_lock(&l->mu);
		if (l->client_machine != NULL) {
			id.client_machine = talloc_strdup(w->call->mem,
			                                  l->client_machine);
			id.pid = l->client_pid;
		}
		pthread_mutex_unlock(&l->mu);
	}
	if (hr_ok(hr)) {
		hr = wmi_owner_set(w->call->mem, &w->call->identity, &owner);
	}
	if (hr_ok(hr)) {
		hr = wmi_svc_new(srv, &id, &owner, req->network_resource, &svc);
	}
	if (hr_ok(hr)) {
		hr = wmi_svc_export(srv, w->call->mem, svc, ns_ref);
	}
	return hr;
}

static uint32_t op_ntlm_login(struct rpc_call *call,
                              const uint8_t *in,
                              size_t len,
                              struct buf *out)
{
	struct wmi_call w;
	struct wmi_ntlm_login_req req;
	struct dcom_objref ns_ref;
	hresult hr;
	uint32_t st;

	st = wmi_call_begin(&w, call, in, len, &wmi_iid_iwbemlevel1login);
	if (st != 0) {
		return st;
	}
	if (wmi_ntlm_login_req_pull(&w.ndr, &req) != NDR_ERR_SUCCESS) {
		return wmi_bad_stub(&w);
	}
	hr = ntlm_login(&w, &req, &ns_ref);
	return wmi_reply_objref(&w, out, &ns_ref, hr);
}

static uint32_t op_set_client_info(struct rpc_call *call,
                                   const uint8_t *in,
                                   size_t len,
                                   struct buf *out)
{
	struct wmi_call w;
	struct wmi_set_client_info_req req;
	struct wmi_login *l;
	hresult hr = HR_OK;
	uint32_t st;

	st = wmi_call_begin(&w, call, in, len, &wmi_iid_iwbemloginclientid);
	if (st != 0) {
		return st;
	}
	if (wmi_set_client_info_req_pull(&w.ndr, &req) != NDR_ERR_SUCCESS) {
		return wmi_bad_stub(&w);
	}
	l = w.impl;
	if (!wmi_owner_is(&l->owner, &call->identity)) {
		hr = HR_WBEM_E_ACCESS_DENIED;
	} else if (req.client_machine == NULL) {
		hr = HR_WBEM_E_INVALID_PARAMETER;
	} else {
		char *m = talloc_strndup(l, req.client_machine, 256);

		if (m == NULL) {
			hr = HR_E_OUTOFMEMORY;
		} else {
			pthread_mutex_lock(&l->mu);
			talloc_free(l->client_machine);
			l->client_machine = m;
			l->client_pid = (uint32_t)req.proc_id;
			pthread_mutex_unlock(&l->mu);
		}
	}
	return wmi_reply_hr(&w, out, hr);
}

static uint32_t op_set_event(struct rpc_call *call,
                             const uint8_t *in,
                             size_t len,
                             struct buf *out)
{
	struct wmi_call w;
	struct wmi_set_event_req req;
	struct wmi_login *l;
	hresult hr = HR_OK;
	uint32_t st;

	st = wmi_call_begin(&w, call, in, len, &wmi_iid_iwbemloginhelper);
	if (st != 0) {
		return st;
	}
	if (wmi_set_event_req_pull(&w.ndr, &req) != NDR_ERR_SUCCESS) {
		return wmi_bad_stub(&w);
	}
	l = w.impl;
	if (!wmi_owner_is(&l->owner, &call->identity)) {
		hr = HR_WBEM_E_ACCESS_DENIED;
	}
	return wmi_reply_hr(&w, out, hr);
}

static const struct rpc_op helper_ops[] = {
	[WMI_OP_SET_EVENT] = { op_set_event, "SetEvent" },
};

static struct rpc_iface helper_iface = {
	.name = "IWbemLoginHelper",
	.n_ops = sizeof(helper_ops) / sizeof(helper_ops[0]),
	.ops = helper_ops,
};

static const struct rpc_op clientid_ops[] = {
	[WMI_OP_SET_CLIENT_INFO] = { op_set_client_info, "SetClientInfo" },
};

static struct rpc_iface clientid_iface = {
	.name = "IWbemLoginClientID",
	.n_ops = sizeof(clientid_ops) / sizeof(clientid_ops[0]),
	.ops = clientid_ops,
};

static const struct rpc_op login_ops[] = {
	[WMI_OP_ESTABLISH_POSITION] = { op_establish_position,
	                                "EstablishPosition" },
	[WMI_OP_REQUEST_CHALLENGE] = { op_request_challenge,
	                               "RequestChallenge" },
	[WMI_OP_WBEM_LOGIN] = { op_wbem_login, "WBEMLogin" },
	[WMI_OP_NTLM_LOGIN] = { op_ntlm_login, "NTLMLogin" },
};

static struct rpc_iface login_iface = {
	.name = "IWbemLevel1Login",
	.n_ops = sizeof(login_ops) / sizeof(login_ops[0]),
	.ops = login_ops,
};

static const struct dcom_class login_class = {
	.clsid = &wmi_clsid_wbemlevel1login,
	.name = "WbemLevel1Login",
	.create = login_create,
};

hresult wmi_login_register(struct wmi_server *srv)
{
	hresult hr;

	login_iids[0] = wmi_iid_iwbemlevel1login;
	login_iids[1] = wmi_iid_iwbemloginclientid;
	login_iids[2] = wmi_iid_iwbemloginhelper;
	login_iface.syntax.uuid = wmi_iid_iwbemlevel1login;
	clientid_iface.syntax.uuid = wmi_iid_iwbemloginclientid;
	helper_iface.syntax.uuid = wmi_iid_iwbemloginhelper;
	hr = dcom_exporter_serve(srv->exp, &login_iface, srv);
	if (hr_ok(hr)) {
		hr = dcom_exporter_serve(srv->exp, &clientid_iface, srv);
	}
	if (hr_ok(hr)) {
		hr = dcom_exporter_serve(srv->exp, &helper_iface, srv);
	}
	if (hr_ok(hr)) {
		hr = dcom_exporter_add_class(srv->exp, &login_class);
	}
	return hr;
}
