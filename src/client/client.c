/*
 * client: libopenwmi's connection, activation and WMI calls.  See
 * client.h; the wire facts are in ../shared/interop/impacket-dcom-wmi.md
 * sections 4-6 (MS-DCOM 3.2.4.1.1, 3.2.4.2; MS-WMI 3.2.4).
 *
 * Invariants:
 * - c->rc is the exporter connection; presentation context c->pc + k is
 *   interface k of enum iface (bound once, at connect time).
 * - Every proxy (svc, enum) holding references is on c->proxies; its
 *   destructor unlinks it without I/O; client_close releases the whole
 *   list with one RemRelease.
 * - c->dead is set by the first transport failure; from then on every
 *   call fails at once with RPC_S_CALL_FAILED.
 */
#include "client/client.h"

#include <errno.h>
#include <stdio.h>
#include <string.h>
#include <strings.h>
#include <sys/random.h>
#include <talloc.h>
#include <unistd.h>

#include "base/buf.h"
#include "client/packet.h"
#include "client/ping.h"
#include "dcom/actprops.h"
#include "dcom/objref.h"
#include "dcom/orpc.h"
#include "dcom/stubs.h"
#include "rpc/client.h"
#include "rpc/fault.h"
#include "rpc/ndr.h"
#include "wmi/stubs.h"
#include "wmio/noclass.h"
#include "wmio/wmio.h"

#define LAYER "client"

/* The interfaces bound on the exporter connection, in bind order. */
enum iface {
	IF_LOGIN,
	IF_SERVICES,
	IF_ENUM,
	IF_REMUNKNOWN,
	IF_CALLRESULT,
	IF_FETCHSMART,
	IF_SMARTENUM,
	IF_N
};

/* Further IPIDs an enumerator holds (its smart enumerator's). */
#define PROXY_EXTRA 2
/* Class parts a smart enumerator remembers by their packet GUID. */
#define SMART_MAX_CLASSES 64

struct proxy {
	struct proxy *prev, *next;
	struct client_conn *conn;
	struct rpc_uuid ipid;
	uint32_t refs; /* public references we hold */
	/* Other interfaces of the same object we hold references to. */
	struct rpc_uuid xipid[PROXY_EXTRA];
	uint32_t xrefs[PROXY_EXTRA];
	uint64_t oid;
	bool pinged; /* counted in the pinger's set */
};

struct smart_class {
	uint8_t guid[16];
	uint8_t *cp; /* the ClassPart octets */
	size_t n_cp;
};

struct client_svc {
	struct proxy p; /* first */
	char *ns;
};

struct client_enum {
	struct proxy p; /* first */
	uint32_t batch;
	bool done;
	hresult end_hr; /* what every call returns once done */
	/* The smart enumerator (IWbemWCOSmartEnum): tried at the first
	   Next; smart false means plain IEnumWbemClassObject::Next. */
	bool smart_tried;
	bool smart;
	struct rpc_uuid proxy_guid;
	struct smart_class classes[SMART_MAX_CLASSES];
	uint32_t n_classes;
};

struct client_conn {
	struct rpc_client *rc; /* the exporter connection */
	uint16_t pc;           /* p_cont_id of IF_LOGIN */
	bool dead;
	bool per_context; /* a new NTLM context per presentation context */
	int timeout_ms;
	uint8_t level;
	struct rpc_uuid cid; /* causality id, one per connection */
	struct rpc_uuid ipid_remunk;
	uint64_t oxid;
	char *host;
	char *server_name;
	struct client_svc *root;
	struct client_pinger *pinger; /* NULL: no pinging */
	struct proxy proxies;         /* list head */
	struct client_stats stats;
};

/* ---- proxies ---- */

static int proxy_unlink(struct proxy *p)
{
	if (p->pinged) {
		client_pinger_del(p->conn->pinger, p->oid);
		p->pinged = false;
	}
	if (p->prev != NULL) {
		p->prev->next = p->next;
		p->next->prev = p->prev;
		p->prev = p->next = NULL;
	}
	return 0;
}

static int svc_destructor(struct client_svc *s)
{
	return proxy_unlink(&s->p);
}

static int enum_destructor(struct client_enum *e)
{
	return proxy_unlink(&e->p);
}

static void proxy_link(struct client_conn *c,
                       struct proxy *p,
                       const struct dcom_objref *o)
{
	p->conn = c;
	p->ipid = o->std.ipid;
	p->refs = o->std.public_refs;
	p->oid = o->std.oid;
	if (c->pinger != NULL && (o->std.flags & DCOM_SORF_NOPING) == 0) {
		client_pinger_add(c->pinger, p->oid);
		p->pinged = true;
	}
	p->next = c->proxies.next;
	p->prev = &c->proxies;
	c->proxies.next->prev = p;
	c->proxies.next = p;
}

/* ---- calls ---- */

static hresult conn_dead(struct client_conn *c, struct errinfo *ei)
{
	return err_set(ei, HR_RPC_S_CALL_FAILED, LAYER,
	               "the connection to '%s' is closed after an earlier "
	               "failure",
	               c->host);
}

static bool is_transport(hresult hr)
{
	return hr_eq(hr, HR_RPC_S_CALL_FAILED) ||
	       hr_eq(hr, HR_RPC_S_PROTOCOL_ERROR) ||
	       hr_eq(hr, HR_RPC_S_SEC_PKG_ERROR);
}

static hresult bad_stub(struct ndr_pull *ndr,
                        const char *op,
                        struct errinfo *ei)
{
	return err_set(ei, rpc_fault_to_hresult(RPC_FAULT_RPC_X_BAD_STUB_DATA),
	               LAYER, "%s: undecodable reply (%s at octet %zu%s%s)", op,
	               ndr_err_name(ndr->err), ndr->err_pos,
	               ndr->err_what ? ": " : "",
	               ndr->err_what ? ndr->err_what : "");
}

/*
 * Sends the stub in [req] as [opnum] on interface [k] to [ipid] (NULL:
 * no object) over [rc] and, on a response, opens [resp] on its stub under
 * [mem].  A fault becomes its hresult.
 */
static hresult call_on(struct client_conn *c,
                       struct rpc_client *rc,
                       uint16_t p_cont_id,
                       void *mem,
                       uint16_t opnum,
                       const struct rpc_uuid *ipid,
                       struct ndr_push *req,
                       struct ndr_pull *resp,
                       const char *op,
                       struct errinfo *ei)
{
	struct rpc_client_reply r;
	const uint8_t *data;
	size_t len;
	hresult hr;

	if (c != NULL && c->dead) {
		return conn_dead(c, ei);
	}
	if (ndr_push_blob(req, &data, &len) != NDR_ERR_SUCCESS) {
		return err_set(ei,
		               req->err == NDR_ERR_ALLOC ? HR_E_OUTOFMEMORY
		                                         : HR_E_INVALIDARG,
		               LAYER, "%s: cannot encode the request (%s%s%s)",
		               op, ndr_err_name(req->err),
		               req->err_what ? ": " : "",
		               req->err_what ? req->err_what : "");
	}
	hr = rpc_client_call(rc, p_cont_id, opnum, ipid, data, len, mem, &r,
	                     ei);
	if (hr_failed(hr)) {
		if (c != NULL && is_transport(hr)) {
			c->dead = true;
		}
		if (ei != NULL) {
			err_set_operation(ei, op);
		}
		return hr;
	}
	if (c != NULL) {
		c->stats.calls++;
		c->stats.stub_bytes += r.stub_len;
	}
	if (r.ptype == RPC_PTYPE_FAULT) {
		const char *name = rpc_fault_name(r.status);

		hr = rpc_fault_to_hresult(r.status);
		err_set(ei, hr, LAYER, "%s: fault %s (0x%08x)", op,
		        name != NULL ? name : "status", r.status);
		err_set_operation(ei, op);
		return hr;
	}
	if (ndr_pull_init(resp, mem, r.stub, r.stub_len,
	                  NDR_FLAG_ALLOW_TRAILING, NULL) != NDR_ERR_SUCCESS) {
		return err_set(ei, HR_E_OUTOFMEMORY, LAYER, "out of memory");
	}
	return HR_OK;
}

static hresult call(struct client_conn *c,
                    void *mem,
                    enum iface k,
                    uint16_t opnum,
                    const struct rpc_uuid *ipid,
                    struct ndr_push *req,
                    struct ndr_pull *resp,
                    const char *op,
                    struct errinfo *ei)
{
	return call_on(c, c->rc, (uint16_t)(c->pc + k), mem, opnum, ipid, req,
	               resp, op, ei);
}

/* The result of a WMI method: S_OK or the server's HRESULT. */
static hresult method_hr(uint32_t v, const char *op, struct errinfo *ei)
{
	hresult hr = HR(v);

	if (hr_failed(hr)) {
		err_set(ei, hr, LAYER, "%s: %s", op, hr_name(hr));
		err_set_operation(ei, op);
	}
	return hr;
}

static hresult push_open(void *mem, struct ndr_push *ndr, struct errinfo *ei)
{
	if (ndr_push_init(ndr, mem, 0, NULL) != NDR_ERR_SUCCESS) {
		return err_set(ei, HR_E_OUTOFMEMORY, LAYER, "out of memory");
	}
	return HR_OK;
}

/* RemRelease of [n] interfaces (errors are not reported: best effort). */
static void rem_release(struct client_conn *c,
                        const struct dcom_reminterfaceref *refs,
                        uint16_t n)
{
	void *tmp;
	struct dcom_rem_refs_req req;
	struct dcom_orpc_hr_resp resp;
	struct ndr_push push;
	struct ndr_pull pull;

	if (n == 0 || c->dead) {
		return;
	}
	tmp = talloc_new(NULL);
	memset(&req, 0, sizeof(req));
	dcom_orpcthis_init(&req.orpcthis, &c->cid);
	req.n = n;
	req.refs = (struct dcom_reminterfaceref *)refs;
	if (tmp != NULL && hr_ok(push_open(tmp, &push, NULL)) &&
	    dcom_rem_refs_req_push(&push, &req) == NDR_ERR_SUCCESS &&
	    hr_ok(call(c, tmp, IF_REMUNKNOWN, DCOM_OP_REM_RELEASE,
	               &c->ipid_remunk, &push, &pull, "RemRelease", NULL))) {
		dcom_orpc_hr_resp_pull(&pull, &resp);
	}
	talloc_free(tmp);
}

/* Adds [p]'s references to [refs] (room for 1 + PROXY_EXTRA) and
   forgets them; returns how many entries were added. */
static uint16_t proxy_take_refs(struct proxy *p,
                                struct dcom_reminterfaceref *refs)
{
	uint16_t n = 0;

	if (p->refs > 0) {
		refs[n].ipid = p->ipid;
		refs[n].public_refs = p->refs;
		refs[n].private_refs = 0;
		n++;
		p->refs = 0;
	}
	for (int i = 0; i < PROXY_EXTRA; i++) {
		if (p->xrefs[i] > 0) {
			refs[n].ipid = p->xipid[i];
			refs[n].public_refs = p->xrefs[i];
			refs[n].private_refs = 0;
			n++;
			p->xrefs[i] = 0;
		}
	}
	return n;
}

static void proxy_release(struct proxy *p)
{
	struct dcom_reminterfaceref refs[1 + PROXY_EXTRA];
	uint16_t n = proxy_take_refs(p, refs);

	if (p->conn != NULL && n > 0) {
		rem_release(p->conn, refs, n);
	}
}

/* ---- objects ---- */

/* Decodes a by-value IWbemClassObject into a cim_object under [mem]. */
static hresult decode_object(struct client_conn *c,
                             void *mem,
                             struct wmio_decode_cache *dc,
                             const struct dcom_objref *o,
                             struct cim_object **out,
                             struct errinfo *ei)
{
	struct wmio_object *w = NULL;
	struct cim_object *co;
	hresult hr;

	if (o == NULL || !wmi_objref_is_classobject(o)) {
		return err_set(ei, HR_WBEM_E_INVALID_STREAM, LAYER,
		               "the server sent an interface pointer that is "
		               "not a by-value IWbemClassObject");
	}
	hr = dc != NULL ? wmio_decode_cached(mem, dc, o->data, o->n_data, NULL,
	                                     &w, ei)
	                : wmio_decode(mem, o->data, o->n_data, NULL, &w, ei);
	if (hr_failed(hr)) {
		return hr;
	}
	/* The object owns its decoded parts: stealing it takes them. */
	co = talloc_zero(mem, struct cim_object);
	if (co == NULL) {
		talloc_free(w);
		return err_set(ei, HR_E_OUTOFMEMORY, LAYER, "out of memory");
	}
	talloc_steal(co, w);
	co->is_class = w->is_class;
	if (w->is_class) {
		co->u.cls = w->cls;
	} else {
		co->u.inst = w->inst;
		if (w->inst->server == NULL) {
			w->inst->server = talloc_strdup(
			        w->inst,
			        w->server ? w->server : c->server_name);
		}
		if (w->inst->namespace == NULL && w->ns != NULL) {
			w->inst->namespace = talloc_strdup(w->inst, w->ns);
		}
	}
	c->stats.objects++;
	*out = co;
	return HR_OK;
}

/* Encodes [inst] as a by-value IWbemClassObject OBJREF under [mem]. */
static hresult encode_object(void *mem,
                             const struct cim_instance *inst,
                             struct dcom_objref *o,
                             struct errinfo *ei)
{
	struct buf b;
	hresult hr;

	buf_init(&b, mem);
	hr = wmio_encode_instance(&b, inst, NULL, NULL, 0);
	if (hr_failed(hr)) {
		buf_release(&b);
		return err_set(ei, hr, LAYER, "cannot encode the instance");
	}
	wmi_objref_classobject(o, (const uint8_t *)b.data, b.len);
	return HR_OK;
}

/* ---- activation (port 135) ---- */

struct activation {
	struct dcom_objref login;
	struct dcom_scm_reply_info reply;
};

static hresult activation_request(void *mem,
                                  const struct rpc_uuid *cid,
                                  struct ndr_push *push,
                                  struct errinfo *ei)
{
	static uint16_t protseqs[] = { DCOM_TOWER_NCACN_IP_TCP };
	struct dcom_actprops *p = talloc_zero(mem, struct dcom_actprops);
	struct rpc_uuid *iid = talloc(mem, struct rpc_uuid);
	struct dcom_create_instance_req req;
	hresult hr;

	if (p == NULL || iid == NULL) {
		return err_set(ei, HR_E_OUTOFMEMORY, LAYER, "out of memory");
	}
	*iid = wmi_iid_iwbemlevel1login;
	p->present = DCOM_ACTPROP_BIT(DCOM_ACTPROP_INSTANTIATION) |
	             DCOM_ACTPROP_BIT(DCOM_ACTPROP_ACTIVATION_CONTEXT) |
	             DCOM_ACTPROP_BIT(DCOM_ACTPROP_LOCATION) |
	             DCOM_ACTPROP_BIT(DCOM_ACTPROP_SCM_REQUEST);
	p->dest_ctx = 2;
	p->inst.clsid = wmi_clsid_wbemlevel1login;
	p->inst.n_iids = 1;
	p->inst.iids = iid;
	p->inst.client_version.major = DCOM_COM_VERSION_MAJOR;
	p->inst.client_version.minor = DCOM_COM_VERSION_MINOR;
	p->scm_request.client_imp_level = 2; /* RPC_C_IMP_LEVEL_IDENTIFY */
	p->scm_request.n_protseqs = 1;
	p->scm_request.protseqs = protseqs;
	memset(&req, 0, sizeof(req));
	dcom_orpcthis_init(&req.orpcthis, cid);
	req.props = p;
	if (hr_failed(hr = push_open(mem, push, ei))) {
		return hr;
	}
	if (dcom_create_instance_req_push(push, &req) != NDR_ERR_SUCCESS) {
		return err_set(ei, HR_E_OUTOFMEMORY, LAYER,
		               "cannot encode the activation request (%s)",
		               ndr_err_name(push->err));
	}
	return HR_OK;
}

static hresult activation_reply(struct ndr_pull *pull,
                                struct activation *out,
                                struct errinfo *ei)
{
	struct dcom_activation_resp resp;
	const struct dcom_actprops *p;
	hresult hr;

	if (dcom_activation_resp_pull(pull, &resp) != NDR_ERR_SUCCESS) {
		return bad_stub(pull, "RemoteCreateInstance", ei);
	}
	if (hr_failed(hr = method_hr(resp.hr, "RemoteCreateInstance", ei))) {
		return hr;
	}
	p = resp.props;
	if (p == NULL ||
	    !(p->present & DCOM_ACTPROP_BIT(DCOM_ACTPROP_PROPS_OUT)) ||
	    !(p->present & DCOM_ACTPROP_BIT(DCOM_ACTPROP_SCM_REPLY)) ||
	    p->props_out.n < 1 || !p->scm_reply.has_bindings) {
		return err_set(ei, HR_RPC_S_PROTOCOL_ERROR, LAYER,
		               "RemoteCreateInstance: incomplete reply");
	}
	if (hr_failed(method_hr(p->props_out.hresults[0],
	                        "RemoteCreateInstance", ei))) {
		return HR(p->props_out.hresults[0]);
	}
	if (p->props_out.ifaces[0] == NULL ||
	    p->props_out.ifaces[0]->kind != DCOM_OBJREF_STANDARD) {
		return err_set(ei, HR_RPC_S_PROTOCOL_ERROR, LAYER,
		               "RemoteCreateInstance: no IWbemLevel1Login");
	}
	out->login = *p->props_out.ifaces[0];
	out->reply = p->scm_reply;
	return HR_OK;
}

/* Binds the activator on [rc] at [p_cont_id] and activates. */
static hresult activate(struct client_conn *c,
                        struct rpc_client *rc,
                        uint16_t p_cont_id,
                        const struct rpc_client_auth *auth,
                        void *mem,
                        struct activation *out,
                        struct errinfo *ei)
{
	struct rpc_syntax_id syn = { .uuid = dcom_iid_iremotescmactivator };
	struct ndr_push push;
	struct ndr_pull pull;
	hresult hr;

	hr = rpc_client_bind(rc, p_cont_id, &syn, 1, auth, NULL, ei);
	if (hr_failed(hr)) {
		return hr;
	}
	c->stats.binds++;
	if (hr_failed(hr = activation_request(mem, &c->cid, &push, ei))) {
		return hr;
	}
	hr = call_on(c, rc, p_cont_id, mem, DCOM_OP_REMOTE_CREATE_INSTANCE,
	             NULL, &push, &pull, "RemoteCreateInstance", ei);
	if (hr_failed(hr)) {
		return hr;
	}
	return activation_reply(&pull, out, ei);
}

/* ---- the exporter connection ---- */

/* Splits "host[port]"; port 0 when absent. */
static char *binding_host(void *mem, const char *addr, uint16_t *port)
{
	const char *br = strchr(addr, '[');
	unsigned long p = 0;

	*port = 0;
	if (br == NULL) {
		return talloc_strdup(mem, addr);
	}
	if (sscanf(br + 1, "%lu", &p) == 1 && p > 0 && p < 65536) {
		*port = (uint16_t)p;
	}
	return talloc_strndup(mem, addr, (size_t)(br - addr));
}

/*
 * Connects to the exporter: the tower-7 binding whose host is the typed
 * host first, then the one naming the address the activation reached
 * ([peer], may be ""), then those that contain the typed host, then the
 * others, in the server's order.
 */
static hresult connect_exporter(struct client_conn *c,
                                void *mem,
                                const struct dcom_dsa *dsa,
                                const char *peer,
                                struct errinfo *ei)
{
	struct errinfo last;
	bool tried = false;
	hresult hr;

	err_clear(&last);

	for (int pass = 0; pass < 4; pass++) {
		for (uint32_t i = 0; i < dsa->n_str; i++) {
			const struct dcom_string_binding *b = &dsa->str[i];
			uint16_t port;
			char *h;
			bool exact, same_ip, contains;

			if (b->tower_id != DCOM_TOWER_NCACN_IP_TCP) {
				continue;
			}
			h = binding_host(mem, b->addr, &port);
			if (h == NULL) {
				return err_set(ei, HR_E_OUTOFMEMORY, LAYER,
				               "out of memory");
			}
			exact = strcasecmp(h, c->host) == 0;
			same_ip = !exact && peer[0] != '\0' &&
			          strcasecmp(h, peer) == 0;
			contains = !exact && !same_ip &&
			           strcasestr(h, c->host) != NULL;
			if ((pass == 0 && !exact) || (pass == 1 && !same_ip) ||
			    (pass == 2 && !contains) ||
			    (pass == 3 && (exact || same_ip || contains))) {
				continue;
			}
			err_clear(&last);
			tried = true;
			hr = rpc_client_connect_tcp(
			        c, h, port ? port : CLIENT_DEFAULT_PORT,
			        c->timeout_ms, &c->rc, &last);
			if (hr_ok(hr)) {
				c->stats.connections++;
				return hr;
			}
		}
	}
	if (!tried) {
		return err_set(ei, HR_RPC_S_SERVER_UNAVAILABLE, LAYER,
		               "the server offered no ncacn_ip_tcp binding");
	}
	return err_set(ei, last.hr, LAYER, "%s", last.msg);
}

static hresult bind_wmi(struct client_conn *c,
                        const struct rpc_client_auth *auth,
                        struct errinfo *ei)
{
	static const struct rpc_uuid *const iids[IF_N] = {
		[IF_LOGIN] = &wmi_iid_iwbemlevel1login,
		[IF_SERVICES] = &wmi_iid_iwbemservices,
		[IF_ENUM] = &wmi_iid_ienumwbemclassobject,
		[IF_REMUNKNOWN] = &dcom_iid_iremunknown,
		[IF_CALLRESULT] = &wmi_iid_iwbemcallresult,
		[IF_FETCHSMART] = &wmi_iid_iwbemfetchsmartenum,
		[IF_SMARTENUM] = &wmi_iid_iwbemwcosmartenum,
	};
	struct rpc_syntax_id syn[IF_N];
	struct rpc_client_auth own;
	hresult hr;

	memset(syn, 0, sizeof(syn));
	for (int k = 0; k < IF_N; k++) {
		syn[k].uuid = *iids[k];
	}
	if (auth != NULL && c->per_context) {
		/* One handshake per context (impacket's way). */
		for (int k = 0; k < IF_N; k++) {
			struct rpc_client_bind_result res;
			struct errinfo one;

			own = *auth;
			own.share = false;
			err_clear(&one);
			hr = rpc_client_bind(c->rc, (uint16_t)(c->pc + k),
			                     &syn[k], 1, &own, &res, &one);
			c->stats.binds++;
			if (hr_failed(hr) && (k == 0 || !res.refused)) {
				return err_set(ei, hr, LAYER, "%s", one.msg);
			}
		}
		return HR_OK;
	}
	hr = rpc_client_bind(c->rc, c->pc, syn, IF_N, auth, NULL, ei);
	if (hr_ok(hr)) {
		c->stats.binds++;
	}
	return hr;
}

/* "\\\\host\\root\\cimv2", "//./root/cimv2", "root\\cimv2" -> the
   namespace part with backslashes. */
static char *clean_ns(void *mem, const char *ns)
{
	char *s, *p;

	while (*ns == '\\' || *ns == '/') {
		ns++;
	}
	if (ns[0] == '.' && (ns[1] == '\\' || ns[1] == '/')) {
		ns += 2;
	}
	s = talloc_strdup(mem, ns);
	for (p = s; p != NULL && *p != '\0'; p++) {
		if (*p == '/') {
			*p = '\\';
		}
	}
	return s;
}

static hresult ntlm_login(struct client_conn *c,
                          void *mem,
                          const struct dcom_objref *login,
                          const char *ns,
                          struct errinfo *ei)
{
	struct wmi_ntlm_login_req req;
	struct wmi_objref_resp resp;
	struct ndr_push push;
	struct ndr_pull pull;
	struct client_svc *s;
	hresult hr;

	memset(&req, 0, sizeof(req));
	dcom_orpcthis_init(&req.orpcthis, &c->cid);
	req.network_resource = talloc_asprintf(mem, "\\\\.\\%s", ns);
	if (req.network_resource == NULL ||
	    hr_failed(hr = push_open(mem, &push, ei))) {
		return err_set(ei, HR_E_OUTOFMEMORY, LAYER, "out of memory");
	}
	wmi_ntlm_login_req_push(&push, &req);
	hr = call(c, mem, IF_LOGIN, WMI_OP_NTLM_LOGIN, &login->std.ipid, &push,
	          &pull, "NTLMLogin", ei);
	if (hr_failed(hr)) {
		return hr;
	}
	if (wmi_objref_resp_pull(&pull, &resp) != NDR_ERR_SUCCESS) {
		return bad_stub(&pull, "NTLMLogin", ei);
	}
	if (hr_failed(hr = method_hr(resp.hr, "NTLMLogin", ei))) {
		return hr;
	}
	if (resp.obj == NULL || resp.obj->kind != DCOM_OBJREF_STANDARD) {
		return err_set(ei, HR_RPC_S_PROTOCOL_ERROR, LAYER,
		               "NTLMLogin: no IWbemServices");
	}
	s = talloc_zero(c, struct client_svc);
	if (s == NULL) {
		return err_set(ei, HR_E_OUTOFMEMORY, LAYER, "out of memory");
	}
	s->ns = talloc_strdup(s, ns);
	proxy_link(c, &s->p, resp.obj);
	talloc_set_destructor(s, svc_destructor);
	c->root = s;
	return HR_OK;
}

static int conn_destructor(struct client_conn *c)
{
	/* Proxies are children of c: unlink them all first, so their
	   destructors find a consistent list whatever order talloc uses. */
	while (c->proxies.next != &c->proxies) {
		proxy_unlink(c->proxies.next);
	}
	return 0;
}

static hresult check_options(const struct client_options *o, struct errinfo *ei)
{
	if (o->unix_path == NULL && (o->host == NULL || o->host[0] == '\0')) {
		return err_set(ei, HR_E_INVALIDARG, LAYER,
		               "no server: give a host or a Unix socket path");
	}
	if (o->unix_path == NULL && (o->user == NULL || o->user[0] == '\0')) {
		return err_set(ei, HR_E_INVALIDARG, LAYER,
		               "a user name is needed for a remote connection");
	}
	if (o->auth_level > 6) {
		return err_set(ei, HR_E_INVALIDARG, LAYER,
		               "authentication level %u out of range",
		               o->auth_level);
	}
	return HR_OK;
}

static struct client_conn *conn_new(void *mem, const struct client_options *o)
{
	struct client_conn *c = talloc_zero(mem, struct client_conn);
	char name[256];

	if (c == NULL) {
		return NULL;
	}
	c->proxies.next = c->proxies.prev = &c->proxies;
	talloc_set_destructor(c, conn_destructor);
	c->timeout_ms = o->timeout_ms > 0 ? o->timeout_ms
	                                  : CLIENT_DEFAULT_TIMEOUT_MS;
	c->level = o->auth_level ? o->auth_level : RPC_AUTHN_LEVEL_PKT_PRIVACY;
	c->per_context = o->auth_per_context;
	if (getrandom(&c->cid, sizeof(c->cid), 0) != sizeof(c->cid)) {
		memset(&c->cid, 0x5a, sizeof(c->cid));
	}
	if (o->unix_path != NULL) {
		if (gethostname(name, sizeof(name)) != 0) {
			snprintf(name, sizeof(name), "localhost");
		}
		name[sizeof(name) - 1] = '\0';
		c->host = talloc_strdup(c, o->unix_path);
		c->server_name = talloc_strdup(c, name);
	} else {
		c->host = talloc_strdup(c, o->host);
		c->server_name = talloc_strdup(c, o->host);
	}
	if (c->host == NULL || c->server_name == NULL) {
		talloc_free(c);
		return NULL;
	}
	return c;
}

/* Activation over port 135, then a new connection to the exporter. */
static hresult connect_tcp(struct client_conn *c,
                           void *tmp,
                           const struct client_options *o,
                           struct rpc_client_auth *auth,
                           struct activation *act,
                           struct errinfo *ei)
{
	struct rpc_client *rc = NULL;
	char peer[64];
	hresult hr;

	hr = rpc_client_connect_tcp(tmp, o->host,
	                            o->port ? o->port : CLIENT_DEFAULT_PORT,
	                            c->timeout_ms, &rc, ei);
	if (hr_failed(hr)) {
		return hr;
	}
	c->stats.connections++;
	hr = activate(c, rc, 0, auth, tmp, act, ei);
	if (!rpc_client_peer_addr(rc, peer, sizeof(peer))) {
		peer[0] = '\0';
	}
	rpc_client_close(rc);
	if (hr_failed(hr)) {
		return hr;
	}
	hr = connect_exporter(c, tmp, &act->reply.oxid_bindings, peer, ei);
	if (hr_failed(hr)) {
		return hr;
	}
	if (act->reply.authn_hint > auth->level && act->reply.authn_hint <= 6) {
		auth->level = (uint8_t)act->reply.authn_hint;
	}
	c->pc = 0;
	return HR_OK;
}

/* Activation and everything else on one connection to wmid's socket. */
static hresult connect_unix(struct client_conn *c,
                            void *tmp,
                            const struct client_options *o,
                            struct rpc_client_auth *auth,
                            struct activation *act,
                            struct errinfo *ei)
{
	hresult hr;

	hr = rpc_client_connect_unix(c, o->unix_path, c->timeout_ms, &c->rc,
	                             ei);
	if (hr_failed(hr)) {
		return hr;
	}
	c->stats.connections++;
	hr = activate(c, c->rc, 0, auth, tmp, act, ei);
	if (hr_failed(hr)) {
		return hr;
	}
	c->pc = 1;
	if (auth != NULL && !c->per_context) {
		/* The activator's security context serves the rest. */
		auth->share = true;
		auth->share_with = 0;
	}
	return HR_OK;
}

hresult client_connect(void *mem,
                       const struct client_options *o,
                       struct client_conn **out,
                       struct errinfo *ei)
{
	struct client_conn *c;
	void *tmp;
	struct rpc_client_auth auth, *pauth = NULL;
	struct activation act;
	struct dcom_reminterfaceref ref;
	hresult hr;

	if (hr_failed(hr = check_options(o, ei))) {
		return hr;
	}
	c = conn_new(mem, o);
	tmp = talloc_new(NULL);
	if (c == NULL || tmp == NULL) {
		talloc_free(c);
		talloc_free(tmp);
		return err_set(ei, HR_E_OUTOFMEMORY, LAYER, "out of memory");
	}
	memset(&auth, 0, sizeof(auth));
	if (o->user != NULL && o->user[0] != '\0') {
		auth.user = o->user;
		auth.domain = o->domain;
		auth.password = o->password ? o->password
		                            : (o->nt_hash ? NULL : "");
		auth.nt_hash = o->nt_hash;
		auth.level = c->level;
		auth.negotiate = o->negotiate;
		pauth = &auth;
	}
	memset(&act, 0, sizeof(act));
	if (o->unix_path != NULL) {
		hr = connect_unix(c, tmp, o, pauth, &act, ei);
	} else {
		hr = connect_tcp(c, tmp, o, &auth, &act, ei);
	}
	if (hr_ok(hr)) {
		c->oxid = act.login.std.oxid;
		c->ipid_remunk = act.reply.ipid_rem_unknown;
		hr = bind_wmi(c, pauth, ei);
	}
	if (hr_ok(hr) && !o->no_ping) {
		struct client_pinger_config pc = {
			.host = o->host,
			.port = o->port ? o->port : CLIENT_DEFAULT_PORT,
			.unix_path = o->unix_path,
			.user = pauth ? pauth->user : NULL,
			.domain = pauth ? pauth->domain : NULL,
			.password = pauth ? pauth->password : NULL,
			.nt_hash = pauth ? pauth->nt_hash : NULL,
			.level = c->level,
			.negotiate = o->negotiate,
			.timeout_ms = c->timeout_ms,
			.period_ms = o->ping_period_ms,
		};

		if (hr_failed(client_pinger_start(c, &pc, &c->pinger))) {
			hr = err_set(ei, HR_E_OUTOFMEMORY, LAYER,
			             "cannot start the pinger");
		}
	}
	if (hr_ok(hr)) {
		char *ns = clean_ns(tmp,
		                    o->ns ? o->ns : CLIENT_DEFAULT_NAMESPACE);

		hr = ns == NULL ? HR_E_OUTOFMEMORY
		                : ntlm_login(c, tmp, &act.login, ns, ei);
		/* The login object is not needed any more. */
		ref.ipid = act.login.std.ipid;
		ref.public_refs = act.login.std.public_refs;
		ref.private_refs = 0;
		if (ref.public_refs > 0) {
			rem_release(c, &ref, 1);
		}
	}
	talloc_free(tmp);
	if (hr_failed(hr)) {
		talloc_free(c);
		return hr;
	}
	*out = c;
	return HR_OK;
}

struct client_svc *client_root(struct client_conn *c)
{
	return c->root;
}

const char *client_svc_namespace(const struct client_svc *s)
{
	return s->ns;
}

const char *client_server_name(const struct client_conn *c)
{
	return c->server_name;
}

void client_get_stats(const struct client_conn *c, struct client_stats *out)
{
	*out = c->stats;
	if (c->pinger != NULL) {
		struct client_pinger_stats ps;

		client_pinger_stats(c->pinger, &ps);
		out->pings = ps.pings;
		out->ping_failures = ps.failures;
	}
}

void client_close(struct client_conn *c)
{
	struct dcom_reminterfaceref *refs;
	uint16_t n = 0;

	if (c == NULL) {
		return;
	}
	refs = talloc_array(c, struct dcom_reminterfaceref, 256);
	for (struct proxy *p = c->proxies.next;
	     refs != NULL && p != &c->proxies && n <= 256 - (1 + PROXY_EXTRA);
	     p = p->next) {
		n = (uint16_t)(n + proxy_take_refs(p, refs + n));
	}
	rem_release(c, refs, n);
	talloc_free(c);
}

/* ---- IWbemServices ---- */

/* Sends IWbemServices [opnum] with [req] and pulls its [out]. */
static hresult svc_call(struct client_svc *s,
                        void *mem,
                        uint16_t opnum,
                        struct wmi_svc_req *req,
                        struct wmi_svc_resp *resp,
                        const char *op,
                        struct errinfo *ei)
{
	struct client_conn *c = s->p.conn;
	struct ndr_push push;
	struct ndr_pull pull;
	hresult hr;

	dcom_orpcthis_init(&req->orpcthis, &c->cid);
	if (hr_failed(hr = push_open(mem, &push, ei))) {
		return hr;
	}
	wmi_svc_req_push(&push, opnum, req);
	hr = call(c, mem, IF_SERVICES, opnum, &s->p.ipid, &push, &pull, op, ei);
	if (hr_failed(hr)) {
		return hr;
	}
	if (wmi_svc_resp_pull(&pull, opnum, resp) != NDR_ERR_SUCCESS) {
		return bad_stub(&pull, op, ei);
	}
	return method_hr(resp->hr, op, ei);
}

hresult client_open_namespace(struct client_svc *s,
                              const char *ns,
                              struct client_svc **out,
                              struct errinfo *ei)
{
	struct client_conn *c = s->p.conn;
	void *tmp = talloc_new(NULL);
	struct wmi_svc_req req;
	struct wmi_svc_resp resp;
	struct client_svc *n;
	hresult hr;

	if (tmp == NULL) {
		return err_set(ei, HR_E_OUTOFMEMORY, LAYER, "out of memory");
	}
	memset(&req, 0, sizeof(req));
	req.str1 = clean_ns(tmp, ns);
	req.pp_obj.set = true;
	hr = svc_call(s, tmp, WMI_OP_OPEN_NAMESPACE, &req, &resp,
	              "OpenNamespace", ei);
	if (hr_ok(hr) && (resp.pp_obj.obj == NULL ||
	                  resp.pp_obj.obj->kind != DCOM_OBJREF_STANDARD)) {
		hr = err_set(ei, HR_RPC_S_PROTOCOL_ERROR, LAYER,
		             "OpenNamespace: no IWbemServices");
	}
	if (hr_ok(hr)) {
		n = talloc_zero(c, struct client_svc);
		if (n == NULL) {
			hr = err_set(ei, HR_E_OUTOFMEMORY, LAYER,
			             "out of memory");
		} else {
			n->ns = talloc_asprintf(n, "%s\\%s", s->ns, req.str1);
			proxy_link(c, &n->p, resp.pp_obj.obj);
			talloc_set_destructor(n, svc_destructor);
			*out = n;
		}
	}
	talloc_free(tmp);
	return hr;
}

void client_svc_release(struct client_svc *s)
{
	if (s == NULL || s == s->p.conn->root) {
		return;
	}
	proxy_release(&s->p);
	talloc_free(s);
}

/* The enumerator of a reply's ppEnum. */
static hresult new_enum(struct client_conn *c,
                        const struct dcom_objref *o,
                        uint32_t batch,
                        const char *op,
                        struct client_enum **out,
                        struct errinfo *ei)
{
	struct client_enum *e;

	if (o == NULL || o->kind != DCOM_OBJREF_STANDARD) {
		return err_set(ei, HR_RPC_S_PROTOCOL_ERROR, LAYER,
		               "%s: no IEnumWbemClassObject", op);
	}
	e = talloc_zero(c, struct client_enum);
	if (e == NULL) {
		return err_set(ei, HR_E_OUTOFMEMORY, LAYER, "out of memory");
	}
	e->batch = batch ? batch : CLIENT_DEFAULT_BATCH;
	proxy_link(c, &e->p, o);
	talloc_set_destructor(e, enum_destructor);
	*out = e;
	return HR_OK;
}

static hresult enum_call(struct client_svc *s,
                         uint16_t opnum,
                         const char *str1,
                         const char *str2,
                         int32_t flags,
                         uint32_t batch,
                         const char *op,
                         struct client_enum **out,
                         struct errinfo *ei)
{
	void *tmp = talloc_new(NULL);
	struct wmi_svc_req req;
	struct wmi_svc_resp resp;
	hresult hr;

	if (tmp == NULL) {
		return err_set(ei, HR_E_OUTOFMEMORY, LAYER, "out of memory");
	}
	memset(&req, 0, sizeof(req));
	req.str1 = (char *)str1;
	req.str2 = (char *)str2;
	req.flags = flags | CLIENT_WBEM_FLAG_RETURN_IMMEDIATELY |
	            CLIENT_WBEM_FLAG_FORWARD_ONLY;
	hr = svc_call(s, tmp, opnum, &req, &resp, op, ei);
	if (hr_ok(hr)) {
		hr = new_enum(s->p.conn, resp.out, batch, op, out, ei);
	}
	talloc_free(tmp);
	return hr;
}

hresult client_exec_query(struct client_svc *s,
                          const char *wql,
                          int32_t flags,
                          uint32_t batch,
                          struct client_enum **out,
                          struct errinfo *ei)
{
	return enum_call(s, WMI_OP_EXEC_QUERY, "WQL", wql, flags, batch,
	                 "ExecQuery", out, ei);
}

hresult client_enum_instances(struct client_svc *s,
                              const char *cls,
                              int32_t flags,
                              uint32_t batch,
                              struct client_enum **out,
                              struct errinfo *ei)
{
	return enum_call(s, WMI_OP_CREATE_INSTANCE_ENUM, cls, NULL, flags,
	                 batch, "CreateInstanceEnum", out, ei);
}

hresult client_enum_classes(struct client_svc *s,
                            const char *superclass,
                            int32_t flags,
                            uint32_t batch,
                            struct client_enum **out,
                            struct errinfo *ei)
{
	const char *sc = superclass != NULL && superclass[0] ? superclass
	                                                     : NULL;

	return enum_call(s, WMI_OP_CREATE_CLASS_ENUM, sc, NULL, flags, batch,
	                 "CreateClassEnum", out, ei);
}

/* ---- IEnumWbemClassObject ---- */

static hresult next_objects(struct client_enum *e,
                            void *mem,
                            struct wmio_decode_cache *dc,
                            const struct wmi_next_resp *resp,
                            struct cim_object ***objs,
                            uint32_t *n,
                            struct errinfo *ei)
{
	struct client_conn *c = e->p.conn;
	struct cim_object **v;
	uint32_t got = resp->n < resp->returned ? resp->n : resp->returned;

	v = talloc_zero_array(mem, struct cim_object *, got ? got : 1);
	if (v == NULL) {
		return err_set(ei, HR_E_OUTOFMEMORY, LAYER, "out of memory");
	}
	for (uint32_t i = 0; i < got; i++) {
		hresult hr = decode_object(c, v, dc, resp->objs[i], &v[i], ei);

		if (hr_failed(hr)) {
			talloc_free(v);
			return hr;
		}
	}
	*objs = v;
	*n = got;
	return HR_OK;
}

/* ---- the smart enumerator (MS-WMI 3.2.4.1.x, 2.2.14) ---- */

/*
 * RemQueryInterface(IWbemFetchSmartEnum) on the enumerator, then
 * GetSmartEnum.  S_OK with e->smart set, or S_OK with e->smart false when
 * the server has none (any method or fault refusal); transport failures
 * are returned.
 */
static hresult smart_setup(struct client_enum *e, struct errinfo *ei)
{
	struct client_conn *c = e->p.conn;
	void *tmp = talloc_new(NULL);
	struct dcom_rem_qi_req qi;
	struct dcom_rem_qi_resp qr;
	struct wmi_objref_resp gr;
	struct dcom_orpcthis this_;
	struct rpc_uuid iid = wmi_iid_iwbemfetchsmartenum;
	struct ndr_push push;
	struct ndr_pull pull;
	struct errinfo quiet;
	hresult hr;

	e->smart_tried = true;
	if (tmp == NULL) {
		return err_set(ei, HR_E_OUTOFMEMORY, LAYER, "out of memory");
	}
	err_clear(&quiet);
	memset(&qi, 0, sizeof(qi));
	dcom_orpcthis_init(&qi.orpcthis, &c->cid);
	qi.ipid = e->p.ipid;
	qi.refs = 1;
	qi.n_iids = 1;
	qi.iids = &iid;
	hr = push_open(tmp, &push, ei);
	if (hr_ok(hr)) {
		dcom_rem_qi_req_push(&push, &qi);
		hr = call(c, tmp, IF_REMUNKNOWN, DCOM_OP_REM_QUERY_INTERFACE,
		          &c->ipid_remunk, &push, &pull, "RemQueryInterface",
		          &quiet);
	}
	if (hr_ok(hr) &&
	    (dcom_rem_qi_resp_pull(&pull, &qr) != NDR_ERR_SUCCESS ||
	     hr_failed(HR(qr.hr)) || qr.n < 1 ||
	     hr_failed(HR(qr.results[0].hr)))) {
		hr = HR_E_NOINTERFACE;
	}
	if (hr_ok(hr)) {
		e->p.xipid[0] = qr.results[0].std.ipid;
		e->p.xrefs[0] = qr.results[0].std.public_refs;
		dcom_orpcthis_init(&this_, &c->cid);
		hr = push_open(tmp, &push, ei);
	}
	if (hr_ok(hr)) {
		wmi_orpcthis_req_push(&push, &this_);
		hr = call(c, tmp, IF_FETCHSMART, WMI_OP_GET_SMART_ENUM,
		          &e->p.xipid[0], &push, &pull, "GetSmartEnum", &quiet);
	}
	if (hr_ok(hr) && (wmi_objref_resp_pull(&pull, &gr) != NDR_ERR_SUCCESS ||
	                  hr_failed(HR(gr.hr)) || gr.obj == NULL ||
	                  gr.obj->kind != DCOM_OBJREF_STANDARD)) {
		hr = HR_E_NOINTERFACE;
	}
	if (hr_ok(hr)) {
		e->p.xipid[1] = gr.obj->std.ipid;
		e->p.xrefs[1] = gr.obj->std.public_refs;
		if (getrandom(&e->proxy_guid, sizeof(e->proxy_guid), 0) !=
		    sizeof(e->proxy_guid)) {
			e->proxy_guid = c->cid;
		}
		e->smart = true;
	}
	talloc_free(tmp);
	if (hr_failed(hr) && c->dead) {
		return err_set(ei, hr, LAYER, "%s", quiet.msg);
	}
	return HR_OK;
}

/* Remembers the ClassPart of instance block [p, p+n) under [guid]. */
static hresult smart_learn(struct client_enum *e,
                           const uint8_t guid[16],
                           const uint8_t *p,
                           size_t n,
                           struct errinfo *ei)
{
	struct smart_class *k = NULL;
	size_t off, len;
	hresult hr = wmio_instance_class_part(p, n, &off, &len, ei);

	if (hr_failed(hr)) {
		return hr;
	}
	for (uint32_t i = 0; i < e->n_classes && k == NULL; i++) {
		if (memcmp(e->classes[i].guid, guid, 16) == 0) {
			k = &e->classes[i];
		}
	}
	if (k == NULL) {
		/* Full: the oldest goes (a server sends the class again). */
		if (e->n_classes == SMART_MAX_CLASSES) {
			talloc_free(e->classes[0].cp);
			memmove(&e->classes[0], &e->classes[1],
			        sizeof(e->classes[0]) *
			                (SMART_MAX_CLASSES - 1));
			e->n_classes--;
		}
		k = &e->classes[e->n_classes++];
		memcpy(k->guid, guid, 16);
		k->cp = NULL;
	}
	if (k->cp == NULL || k->n_cp != len || memcmp(k->cp, p + off, len)) {
		talloc_free(k->cp);
		k->cp = talloc_memdup(e, p + off, len);
		k->n_cp = len;
		if (k->cp == NULL) {
			k->n_cp = 0;
			return err_set(ei, HR_E_OUTOFMEMORY, LAYER,
			               "out of memory");
		}
	}
	return HR_OK;
}

/* Decodes one packet object into [*out] under [mem]. */
static hresult smart_object(struct client_enum *e,
                            void *mem,
                            struct wmio_decode_cache *dc,
                            struct buf *unit,
                            const struct client_pkt_obj *po,
                            struct cim_object **out,
                            struct errinfo *ei)
{
	struct dcom_objref o;
	const struct smart_class *k = NULL;
	hresult hr = HR_OK;

	/* An EncodingUnit around the ObjectBlock, for the decoder. */
	buf_reset(unit);
	buf_add_u32le(unit, WMIO_SIGNATURE);
	buf_add_u32le(unit, 0);
	if (po->type == CLIENT_PKT_NOCLASS) {
		for (uint32_t i = 0; i < e->n_classes && k == NULL; i++) {
			if (memcmp(e->classes[i].guid, po->guid, 16) == 0) {
				k = &e->classes[i];
			}
		}
		if (k == NULL) {
			return err_set(
			        ei, HR_WBEM_E_INVALID_STREAM, LAYER,
			        "smart enumerator: a class-less instance "
			        "of a class never sent");
		}
		hr = wmio_instance_add_class_part(unit, po->block, po->len,
		                                  k->cp, k->n_cp, ei);
	} else {
		if (po->type == CLIENT_PKT_INSTANCE) {
			hr = smart_learn(e, po->guid, po->block, po->len, ei);
		}
		if (hr_ok(hr)) {
			hr = buf_add(unit, po->block, po->len);
		}
	}
	if (hr_ok(hr) && hr_failed(unit->error)) {
		hr = err_set(ei, HR_E_OUTOFMEMORY, LAYER, "out of memory");
	}
	if (hr_failed(hr)) {
		return hr;
	}
	{
		uint32_t l = (uint32_t)(unit->len - 8);
		uint8_t *q = (uint8_t *)unit->data + 4;

		q[0] = (uint8_t)l;
		q[1] = (uint8_t)(l >> 8);
		q[2] = (uint8_t)(l >> 16);
		q[3] = (uint8_t)(l >> 24);
	}
	memset(&o, 0, sizeof(o));
	wmi_objref_classobject(&o, (const uint8_t *)unit->data, unit->len);
	return decode_object(e->p.conn, mem, dc, &o, out, ei);
}

/* IWbemWCOSmartEnum::Next: the packet's objects, the method result. */
static hresult smart_next(struct client_enum *e,
                          void *mem,
                          void *tmp,
                          struct wmio_decode_cache *dc,
                          struct cim_object ***objs,
                          uint32_t *n,
                          hresult *mhr,
                          struct errinfo *ei)
{
	struct client_conn *c = e->p.conn;
	struct wmi_smart_next_req req;
	struct wmi_smart_next_resp resp;
	struct client_pkt_obj *po = NULL;
	struct cim_object **v;
	uint32_t got = 0;
	struct ndr_push push;
	struct ndr_pull pull;
	struct buf unit;
	hresult hr;

	memset(&req, 0, sizeof(req));
	dcom_orpcthis_init(&req.orpcthis, &c->cid);
	req.proxy = e->proxy_guid;
	req.timeout = (int32_t)WMI_WBEM_INFINITE;
	req.count = e->batch;
	if (hr_failed(hr = push_open(tmp, &push, ei))) {
		return hr;
	}
	wmi_smart_next_req_push(&push, &req);
	hr = call(c, tmp, IF_SMARTENUM, WMI_OP_SMART_NEXT, &e->p.xipid[1],
	          &push, &pull, "Next", ei);
	if (hr_ok(hr) &&
	    wmi_smart_next_resp_pull(&pull, &resp) != NDR_ERR_SUCCESS) {
		hr = bad_stub(&pull, "Next", ei);
	}
	if (hr_failed(hr)) {
		return hr;
	}
	*mhr = HR(resp.hr);
	if (resp.buf != NULL && resp.n_buf > 0) {
		hr = client_packet_parse(tmp, resp.buf, resp.n_buf, e->batch,
		                         &po, &got, ei);
		if (hr_failed(hr)) {
			return hr;
		}
	}
	v = talloc_zero_array(mem, struct cim_object *, got ? got : 1);
	if (v == NULL) {
		return err_set(ei, HR_E_OUTOFMEMORY, LAYER, "out of memory");
	}
	buf_init(&unit, tmp);
	for (uint32_t i = 0; i < got && hr_ok(hr); i++) {
		hr = smart_object(e, v, dc, &unit, &po[i], &v[i], ei);
	}
	if (hr_failed(hr)) {
		talloc_free(v);
		return hr;
	}
	*objs = v;
	*n = got;
	return HR_OK;
}

static hresult enum_next(struct client_enum *e,
                         void *mem,
                         struct wmio_decode_cache *dc,
                         struct cim_object ***objs,
                         uint32_t *n,
                         struct errinfo *ei)
{
	struct client_conn *c = e->p.conn;
	void *tmp;
	struct wmi_timeout_req req;
	struct wmi_next_resp resp;
	struct ndr_push push;
	struct ndr_pull pull;
	hresult hr;

	*objs = NULL;
	*n = 0;
	if (e->done) {
		if (hr_failed(e->end_hr)) {
			err_set(ei, e->end_hr, LAYER, "Next: %s",
			        hr_name(e->end_hr));
		}
		return e->end_hr;
	}
	if (!e->smart_tried && hr_failed(hr = smart_setup(e, ei))) {
		return hr;
	}
	tmp = talloc_new(NULL);
	if (tmp == NULL) {
		return err_set(ei, HR_E_OUTOFMEMORY, LAYER, "out of memory");
	}
	if (e->smart) {
		hresult mhr = HR_OK;

		hr = smart_next(e, mem, tmp, dc, objs, n, &mhr, ei);
		if (hr_ok(hr) && hr_failed(mhr)) {
			hr = method_hr(mhr.v, "Next", ei);
		} else if (hr_ok(hr) && !hr_eq(mhr, HR_OK) &&
		           !hr_eq(mhr, HR_WBEM_S_TIMEDOUT)) {
			hr = mhr; /* WBEM_S_FALSE: the end */
		}
		goto out;
	}
	memset(&req, 0, sizeof(req));
	dcom_orpcthis_init(&req.orpcthis, &c->cid);
	req.timeout = (int32_t)WMI_WBEM_INFINITE;
	req.count = e->batch;
	hr = push_open(tmp, &push, ei);
	if (hr_ok(hr)) {
		wmi_timeout_req_push(&push, true, &req);
		hr = call(c, tmp, IF_ENUM, WMI_OP_ENUM_NEXT, &e->p.ipid, &push,
		          &pull, "Next", ei);
	}
	if (hr_ok(hr) && wmi_next_resp_pull(&pull, &resp) != NDR_ERR_SUCCESS) {
		hr = bad_stub(&pull, "Next", ei);
	}
	if (hr_ok(hr)) {
		hresult mhr = HR(resp.hr);

		hr = next_objects(e, mem, dc, &resp, objs, n, ei);
		if (hr_ok(hr) && hr_failed(mhr)) {
			hr = method_hr(resp.hr, "Next", ei);
		} else if (hr_ok(hr) && !hr_eq(mhr, HR_OK) &&
		           !hr_eq(mhr, HR_WBEM_S_TIMEDOUT)) {
			hr = mhr; /* WBEM_S_FALSE: the end */
		}
	}
out:
	talloc_free(tmp);
	if (!hr_eq(hr, HR_OK) && !hr_eq(hr, HR_WBEM_S_TIMEDOUT)) {
		e->done = true;
		e->end_hr = hr_failed(hr) ? hr : HR_WBEM_S_FALSE;
	}
	return hr_eq(hr, HR_WBEM_S_TIMEDOUT) ? HR_OK : hr;
}

hresult client_enum_next(struct client_enum *e,
                         void *mem,
                         struct cim_object ***objs,
                         uint32_t *n,
                         struct errinfo *ei)
{
	struct wmio_decode_cache *dc = NULL;

	*objs = NULL;
	*n = 0;
	if (hr_failed(wmio_decode_cache_new(mem, &dc))) {
		return err_set(ei, HR_E_OUTOFMEMORY, LAYER, "out of memory");
	}
	return enum_next(e, mem, dc, objs, n, ei);
}

hresult client_enum_all(struct client_enum *e,
                        void *mem,
                        struct cim_object ***objs,
                        uint32_t *n,
                        struct errinfo *ei)
{
	struct wmio_decode_cache *dc = NULL;

	if (hr_failed(wmio_decode_cache_new(mem, &dc))) {
		return err_set(ei, HR_E_OUTOFMEMORY, LAYER, "out of memory");
	}
	for (;;) {
		struct cim_object **got, **grown;
		uint32_t k;
		hresult hr = enum_next(e, mem, dc, &got, &k, ei);

		if (hr_failed(hr)) {
			return hr;
		}
		if (k > 0) {
			grown = talloc_realloc(mem, *objs, struct cim_object *,
			                       *n + k);
			if (grown == NULL) {
				return err_set(ei, HR_E_OUTOFMEMORY, LAYER,
				               "out of memory");
			}
			for (uint32_t i = 0; i < k; i++) {
				grown[*n + i] = talloc_steal(grown, got[i]);
			}
			*objs = grown;
			*n += k;
		}
		talloc_free(got);
		if (!hr_eq(hr, HR_OK)) {
			return HR_OK;
		}
	}
}

void client_enum_release(struct client_enum *e)
{
	if (e == NULL) {
		return;
	}
	proxy_release(&e->p);
	talloc_free(e);
}

/* ---- objects by path, methods, changes ---- */

hresult client_get_object(struct client_svc *s,
                          void *mem,
                          const char *path,
                          int32_t flags,
                          struct cim_object **out,
                          struct errinfo *ei)
{
	void *tmp = talloc_new(NULL);
	struct wmi_svc_req req;
	struct wmi_svc_resp resp;
	hresult hr;

	if (tmp == NULL) {
		return err_set(ei, HR_E_OUTOFMEMORY, LAYER, "out of memory");
	}
	memset(&req, 0, sizeof(req));
	req.str1 = (char *)path;
	req.flags = flags;
	req.pp_obj.set = true;
	hr = svc_call(s, tmp, WMI_OP_GET_OBJECT, &req, &resp, "GetObject", ei);
	if (hr_ok(hr)) {
		hr = decode_object(s->p.conn, mem, NULL, resp.pp_obj.obj, out,
		                   ei);
	}
	talloc_free(tmp);
	return hr;
}

hresult client_method_params(struct client_svc *s,
                             void *mem,
                             const char *cls,
                             const char *method,
                             struct cim_instance **out,
                             struct errinfo *ei)
{
	struct cim_object *o = NULL;
	struct cim_method *m;
	struct cim_class *pc = NULL;
	hresult hr;

	*out = NULL;
	hr = client_get_object(s, mem, cls, 0, &o, ei);
	if (hr_failed(hr)) {
		return hr;
	}
	if (!o->is_class) {
		return err_set(ei, HR_WBEM_E_INVALID_CLASS, LAYER,
		               "'%s' is not a class", cls);
	}
	m = cim_class_find_method(o->u.cls, method);
	if (m == NULL) {
		return err_set(ei, HR_WBEM_E_METHOD_NOT_IMPLEMENTED, LAYER,
		               "class '%s' has no method '%s'", cls, method);
	}
	hr = wmio_params_class(mem, m, false, &pc);
	if (hr_failed(hr)) {
		return err_set(ei, hr, LAYER, "out of memory");
	}
	if (pc->n_props == 0) {
		return HR_OK;
	}
	*out = cim_instance_new(mem, pc);
	if (*out == NULL) {
		return err_set(ei, HR_E_OUTOFMEMORY, LAYER, "out of memory");
	}
	return HR_OK;
}

hresult client_exec_method(struct client_svc *s,
                           void *mem,
                           const char *path,
                           const char *method,
                           const struct cim_instance *in,
                           struct cim_instance **out,
                           struct errinfo *ei)
{
	void *tmp = talloc_new(NULL);
	struct wmi_svc_req req;
	struct wmi_svc_resp resp;
	struct dcom_objref inobj;
	struct cim_object *o = NULL;
	hresult hr = HR_OK;

	*out = NULL;
	if (tmp == NULL) {
		return err_set(ei, HR_E_OUTOFMEMORY, LAYER, "out of memory");
	}
	memset(&req, 0, sizeof(req));
	req.str1 = (char *)path;
	req.str2 = (char *)method;
	req.pp_obj.set = true;
	if (in != NULL) {
		hr = encode_object(tmp, in, &inobj, ei);
		req.obj = &inobj;
	}
	if (hr_ok(hr)) {
		hr = svc_call(s, tmp, WMI_OP_EXEC_METHOD, &req, &resp,
		              "ExecMethod", ei);
	}
	if (hr_ok(hr) && resp.pp_obj.obj != NULL) {
		hr = decode_object(s->p.conn, mem, NULL, resp.pp_obj.obj, &o,
		                   ei);
		if (hr_ok(hr) && o->is_class) {
			hr = err_set(ei, HR_WBEM_E_INVALID_STREAM, LAYER,
			             "ExecMethod: out-parameters are a class");
		} else if (hr_ok(hr)) {
			*out = o->u.inst;
		}
	}
	talloc_free(tmp);
	return hr;
}

hresult client_put_instance(struct client_svc *s,
                            const struct cim_instance *inst,
                            int32_t flags,
                            struct errinfo *ei)
{
	void *tmp = talloc_new(NULL);
	struct wmi_svc_req req;
	struct wmi_svc_resp resp;
	struct dcom_objref obj;
	hresult hr;

	if (tmp == NULL) {
		return err_set(ei, HR_E_OUTOFMEMORY, LAYER, "out of memory");
	}
	memset(&req, 0, sizeof(req));
	req.flags = flags;
	hr = encode_object(tmp, inst, &obj, ei);
	req.obj = &obj;
	if (hr_ok(hr)) {
		hr = svc_call(s, tmp, WMI_OP_PUT_INSTANCE, &req, &resp,
		              "PutInstance", ei);
	}
	talloc_free(tmp);
	return hr;
}

hresult client_delete_instance(struct client_svc *s,
                               const char *path,
                               struct errinfo *ei)
{
	void *tmp = talloc_new(NULL);
	struct wmi_svc_req req;
	struct wmi_svc_resp resp;
	hresult hr;

	if (tmp == NULL) {
		return err_set(ei, HR_E_OUTOFMEMORY, LAYER, "out of memory");
	}
	memset(&req, 0, sizeof(req));
	req.str1 = (char *)path;
	hr = svc_call(s, tmp, WMI_OP_DELETE_INSTANCE, &req, &resp,
	              "DeleteInstance", ei);
	talloc_free(tmp);
	return hr;
}
