/*
 * enum: the enumerator object: IEnumWbemClassObject (MS-WMI 3.1.4.4),
 * IWbemFetchSmartEnum (3.1.4.6) and IWbemWCOSmartEnum (3.1.4.7) over a
 * result set (rset.c).
 *
 * Next returns uCount objects with WBEM_S_NO_ERROR, fewer with
 * WBEM_S_FALSE when the end came first (0 objects + WBEM_S_FALSE is the
 * end impacket waits for; it asks for one object at a time, so it never
 * sees objects with WBEM_S_FALSE), fewer with WBEM_S_TIMEDOUT when
 * lTimeout passed, and a failed semisynchronous operation's HRESULT once
 * the objects before the failure are taken.  The smart enumerator's Next
 * answers the same objects as one ObjectArray packet (MS-WMI 2.2.14):
 * the first instance of each class in a packet carries its class part
 * (WBEMOBJECT_INSTANCE), the others do not (WBEMOBJECT_INSTANCE_NOCLASS),
 * tied by a GUID made for that packet.
 */
#include <string.h>
#include <sys/random.h>
#include <talloc.h>

#include "wmi/wmi-int.h"
#include "wmio/noclass.h"

struct wmi_enum {
	struct wmi_server *srv;
	pthread_mutex_t mu; /* the position */
	struct wmi_rset *rs;
	uint64_t pos;
	struct wmi_owner owner;
};

static void enum_destroy(void *impl)
{
	struct wmi_enum *e = impl;

	wmi_rset_unref(e->rs);
	pthread_mutex_destroy(&e->mu);
	talloc_free(e);
}

static struct rpc_uuid enum_iids[3];

static struct dcom_object_type enum_type = {
	.name = "IEnumWbemClassObject",
	.n_iids = 3,
	.iids = enum_iids,
	.destroy = enum_destroy,
};

/* A new enumerator over [rs] (takes the reference) at [pos]. */
static struct wmi_enum *enum_new(struct wmi_server *srv,
                                 struct wmi_rset *rs,
                                 const struct wmi_owner *owner,
                                 uint64_t pos)
{
	struct wmi_enum *e = talloc_zero(NULL, struct wmi_enum);

	if (e == NULL) {
		wmi_rset_unref(rs);
		return NULL;
	}
	e->srv = srv;
	e->rs = rs;
	e->pos = pos;
	e->owner.user = talloc_strdup(e, owner->user);
	e->owner.domain = talloc_strdup(e, owner->domain);
	pthread_mutex_init(&e->mu, NULL);
	if (e->owner.user == NULL || e->owner.domain == NULL) {
		enum_destroy(e);
		return NULL;
	}
	return e;
}

hresult wmi_enum_export(struct wmi_server *srv,
                        void *mem,
                        struct wmi_rset *rs,
                        const struct wmi_owner *owner,
                        struct dcom_objref *o)
{
	struct wmi_enum *e = enum_new(srv, rs, owner, 0);

	if (e == NULL) {
		return HR_E_OUTOFMEMORY;
	}
	return dcom_export(srv->exp, mem, e, &enum_type,
	                   &wmi_iid_ienumwbemclassobject, WMI_REFS, o);
}

/* lTimeout as milliseconds: negative values (WBEM_INFINITE) wait as
 * long as the server allows. */
static uint32_t timeout_ms(int32_t t)
{
	return t < 0 ? UINT32_MAX : (uint32_t)t;
}

/*
 * The common step of Next and the smart enumerator's Next: the caller
 * must own [e] and ask for at least one object; then up to [count]
 * (at most 65536, what one response may carry: the rest on the next
 * call) are taken, waiting up to lTimeout [timeout].  Returns the
 * call's HRESULT; the items (n, owned as wmi_rset_take says) may come
 * with a failure too.
 */
static hresult enum_take(struct wmi_enum *e,
                         struct rpc_call *call,
                         uint32_t count,
                         int32_t timeout,
                         struct wmi_item **items,
                         uint32_t *n,
                         bool *owned)
{
	hresult hr = HR_OK;

	if (!wmi_owner_is(&e->owner, &call->identity)) {
		return HR_WBEM_E_ACCESS_DENIED;
	}
	if (count == 0) {
		return HR_WBEM_E_INVALID_PARAMETER;
	}
	pthread_mutex_lock(&e->mu);
	wmi_rset_take(e->rs, call, call->mem, &e->pos,
	              count > 65536 ? 65536 : count, timeout_ms(timeout), false,
	              items, n, owned, &hr);
	pthread_mutex_unlock(&e->mu);
	return hr;
}

/* ---- IEnumWbemClassObject ---- */

/* Opens a call on the enumerator for interface [iid]. */
static uint32_t enum_begin(struct wmi_call *w,
                           struct rpc_call *call,
                           const uint8_t *in,
                           size_t len,
                           const struct rpc_uuid *iid)
{
	return wmi_call_begin(w, call, in, len, iid);
}

static uint32_t op_reset(struct rpc_call *call,
                         const uint8_t *in,
                         size_t len,
                         struct buf *out)
{
	struct wmi_call w;
	struct dcom_orpcthis th;
	struct wmi_enum *e;
	hresult hr = HR_OK;
	uint32_t st;

	st = enum_begin(&w, call, in, len, &wmi_iid_ienumwbemclassobject);
	if (st != 0) {
		return st;
	}
	if (wmi_orpcthis_req_pull(&w.ndr, &th) != NDR_ERR_SUCCESS) {
		return wmi_bad_stub(&w);
	}
	e = w.impl;
	if (!wmi_owner_is(&e->owner, &call->identity)) {
		hr = HR_WBEM_E_ACCESS_DENIED;
	} else if (wmi_rset_forward_only(e->rs)) {
		hr = HR_WBEM_E_INVALID_OPERATION;
	} else {
		pthread_mutex_lock(&e->mu);
		e->pos = 0;
		pthread_mutex_unlock(&e->mu);
	}
	return wmi_reply_hr(&w, out, hr);
}

static uint32_t op_next(struct rpc_call *call,
                        const uint8_t *in,
                        size_t len,
                        struct buf *out)
{
	struct wmi_call w;
	struct wmi_timeout_req req;
	struct wmi_next_resp resp = { 0 };
	struct wmi_item *items = NULL;
	struct wmi_enum *e;
	struct ndr_push p;
	uint32_t n = 0;
	bool owned = false;
	hresult hr = HR_OK;
	uint32_t st;

	st = enum_begin(&w, call, in, len, &wmi_iid_ienumwbemclassobject);
	if (st != 0) {
		return st;
	}
	if (wmi_timeout_req_pull(&w.ndr, true, &req) != NDR_ERR_SUCCESS) {
		return wmi_bad_stub(&w);
	}
	e = w.impl;
	resp.max = req.count;
	hr = enum_take(e, call, req.count, req.timeout, &items, &n, &owned);
	if (n > 0) {
		struct dcom_objref *refs;

		refs = talloc_zero_array(call->mem, struct dcom_objref, n);
		resp.objs = talloc_array(call->mem, struct dcom_objref *, n);
		if (refs == NULL || resp.objs == NULL) {
			wmi_call_end(&w);
			wmi_items_free(items, n, owned);
			return ndr_err_to_fault(NDR_ERR_ALLOC);
		}
		for (uint32_t i = 0; i < n; i++) {
			wmi_objref_classobject(&refs[i], items[i].unit,
			                       items[i].n);
			resp.objs[i] = &refs[i];
		}
	}
	resp.n = n;
	resp.returned = n;
	resp.hr = hr.v;
	st = wmi_reply_start(&w, &p);
	if (st == 0) {
		wmi_next_resp_push(&p, &resp);
		st = wmi_reply_finish(&w, &p, out);
	}
	wmi_items_free(items, n, owned);
	return st;
}

static uint32_t op_next_async(struct rpc_call *call,
                              const uint8_t *in,
                              size_t len,
                              struct buf *out)
{
	struct wmi_call w;
	struct wmi_next_async_req req;
	struct wmi_enum *e;
	hresult hr;
	uint32_t st;

	st = enum_begin(&w, call, in, len, &wmi_iid_ienumwbemclassobject);
	if (st != 0) {
		return st;
	}
	if (wmi_next_async_req_pull(&w.ndr, &req) != NDR_ERR_SUCCESS) {
		return wmi_bad_stub(&w);
	}
	e = w.impl;
	if (!wmi_owner_is(&e->owner, &call->identity)) {
		hr = HR_WBEM_E_ACCESS_DENIED;
	} else if (req.sink == NULL) {
		hr = HR_WBEM_E_INVALID_PARAMETER;
	} else {
		/* With no objects left the sink is not used and the answer
		 * is WBEM_S_FALSE; delivering to a client sink is not
		 * supported (the server never calls back). */
		pthread_mutex_lock(&e->mu);
		hr = wmi_rset_at_end(e->rs, e->pos) ? HR_WBEM_S_FALSE
		                                    : HR_WBEM_E_NOT_SUPPORTED;
		pthread_mutex_unlock(&e->mu);
	}
	return wmi_reply_hr(&w, out, hr);
}

static uint32_t op_clone(struct rpc_call *call,
                         const uint8_t *in,
                         size_t len,
                         struct buf *out)
{
	struct wmi_call w;
	struct dcom_orpcthis th;
	struct dcom_objref o;
	struct wmi_enum *e, *c;
	hresult hr = HR_OK;
	uint32_t st;

	st = enum_begin(&w, call, in, len, &wmi_iid_ienumwbemclassobject);
	if (st != 0) {
		return st;
	}
	if (wmi_orpcthis_req_pull(&w.ndr, &th) != NDR_ERR_SUCCESS) {
		return wmi_bad_stub(&w);
	}
	e = w.impl;
	if (!wmi_owner_is(&e->owner, &call->identity)) {
		hr = HR_WBEM_E_ACCESS_DENIED;
	} else if (wmi_rset_forward_only(e->rs)) {
		hr = HR_WBEM_E_INVALID_OPERATION;
	} else {
		pthread_mutex_lock(&e->mu);
		wmi_rset_ref(e->rs);
		c = enum_new(w.srv, e->rs, &e->owner, e->pos);
		pthread_mutex_unlock(&e->mu);
		hr = c == NULL
		             ? HR_E_OUTOFMEMORY
		             : dcom_export(w.srv->exp, call->mem, c, &enum_type,
		                           &wmi_iid_ienumwbemclassobject,
		                           WMI_REFS, &o);
	}
	return wmi_reply_objref(&w, out, &o, hr);
}

static uint32_t op_skip(struct rpc_call *call,
                        const uint8_t *in,
                        size_t len,
                        struct buf *out)
{
	struct wmi_call w;
	struct wmi_timeout_req req;
	struct wmi_item *items = NULL;
	struct wmi_enum *e;
	uint32_t n = 0;
	bool owned = false;
	hresult hr;
	uint32_t st;

	st = enum_begin(&w, call, in, len, &wmi_iid_ienumwbemclassobject);
	if (st != 0) {
		return st;
	}
	if (wmi_timeout_req_pull(&w.ndr, true, &req) != NDR_ERR_SUCCESS) {
		return wmi_bad_stub(&w);
	}
	e = w.impl;
	if (!wmi_owner_is(&e->owner, &call->identity)) {
		hr = HR_WBEM_E_ACCESS_DENIED;
	} else if (req.count == 0) {
		hr = HR_OK;
	} else {
		/* In steps a bounded producer can fill. */
		uint32_t left = req.count;

		pthread_mutex_lock(&e->mu);
		do {
			uint32_t step = left > 65536 ? 65536 : left;

			wmi_rset_take(e->rs, call, call->mem, &e->pos, step,
			              timeout_ms(req.timeout), true, &items, &n,
			              &owned, &hr);
			left -= n;
		} while (hr_eq(hr, HR_OK) && left > 0);
		pthread_mutex_unlock(&e->mu);
	}
	return wmi_reply_hr(&w, out, hr);
}

/* ---- IWbemFetchSmartEnum, IWbemWCOSmartEnum ---- */

static uint32_t op_get_smart_enum(struct rpc_call *call,
                                  const uint8_t *in,
                                  size_t len,
                                  struct buf *out)
{
	struct wmi_call w;
	struct dcom_orpcthis th;
	struct dcom_objref o;
	struct wmi_enum *e;
	hresult hr;
	uint32_t st;

	st = enum_begin(&w, call, in, len, &wmi_iid_iwbemfetchsmartenum);
	if (st != 0) {
		return st;
	}
	if (wmi_orpcthis_req_pull(&w.ndr, &th) != NDR_ERR_SUCCESS) {
		return wmi_bad_stub(&w);
	}
	e = w.impl;
	if (!wmi_owner_is(&e->owner, &call->identity)) {
		hr = HR_WBEM_E_ACCESS_DENIED;
	} else {
		hr = dcom_export_iface(w.srv->exp, call, call->mem,
		                       &wmi_iid_iwbemwcosmartenum, WMI_REFS,
		                       &o);
	}
	return wmi_reply_objref(&w, out, &o, hr);
}

/* ObjectArray constants (MS-WMI 2.2.14). */
#define OA_HEADER1_SIZE 0x1Au
#define OA_PACKET_SMART 1u
#define DP_HEADER_SIZE  9u /* WBEM_DATAPACKET_OBJECT */
#define OBJ_CLASS       1u
#define OBJ_INSTANCE    2u
#define OBJ_NOCLASS     3u

static void put32(uint8_t *p, uint32_t v)
{
	p[0] = (uint8_t)v;
	p[1] = (uint8_t)(v >> 8);
	p[2] = (uint8_t)(v >> 16);
	p[3] = (uint8_t)(v >> 24);
}

/* A random GUID for a class of one packet (the client only matches it
 * within the packet). */
static void class_guid(uint8_t g[16])
{
	if (getrandom(g, 16, 0) != 16) {
		static uint32_t counter;

		memset(g, 0x5a, 16);
		put32(g, __atomic_add_fetch(&counter, 1, __ATOMIC_RELAXED));
	}
	g[7] = (uint8_t)((g[7] & 0x0f) | 0x40);
	g[8] = (uint8_t)((g[8] & 0x3f) | 0x80);
}

/* Appends one WBEM_DATAPACKET_OBJECT for [it] to [b]. */
static hresult packet_object(struct buf *b,
                             const struct wmi_item *it,
                             uint32_t *seen_ids,
                             uint8_t (*seen_guids)[16],
                             uint32_t *n_seen)
{
	const uint8_t *block = it->unit + 8; /* past Signature, length */
	size_t n = it->n - 8;
	size_t at = b->len;
	uint8_t hdr[16];
	uint8_t type;
	uint32_t k;
	hresult hr;

	if (it->n < 8) {
		return HR_WBEM_E_INVALID_STREAM;
	}
	/* DATAPACKET header; its dwSizeOfData is patched below. */
	put32(hdr, DP_HEADER_SIZE);
	put32(hdr + 4, 0);
	buf_add(b, hdr, 8);
	if (it->cls == UINT32_MAX) {
		type = OBJ_CLASS;
		buf_add_u8(b, type);
		buf_add_u32le(b, 8);
		buf_add_u32le(b, (uint32_t)n);
		hr = buf_add(b, block, n);
	} else {
		for (k = 0; k < *n_seen && seen_ids[k] != it->cls; k++) {
		}
		type = k < *n_seen ? OBJ_NOCLASS : OBJ_INSTANCE;
		if (k == *n_seen) {
			seen_ids[k] = it->cls;
			class_guid(seen_guids[k]);
			(*n_seen)++;
		}
		buf_add_u8(b, type);
		buf_add_u32le(b, 0x18);
		buf_add_u32le(b, 0); /* patched */
		buf_add(b, seen_guids[k], 16);
		if (type == OBJ_INSTANCE) {
			hr = buf_add(b, block, n);
		} else {
			hr = wmio_encode_instance_noclass(b, block, n, NULL);
		}
		if (hr_ok(hr)) {
			/* WBEMOBJECT_INSTANCE(_NOCLASS).dwSizeOfData */
			put32((uint8_t *)b->data + at + 9 + 4,
			      (uint32_t)(b->len - (at + 9 + 0x18)));
		}
	}
	if (hr_ok(hr) && hr_failed(b->error)) {
		hr = b->error;
	}
	if (hr_ok(hr)) {
		put32((uint8_t *)b->data + at + 4, (uint32_t)(b->len - at - 9));
	}
	return hr;
}

/* The ObjectArray of [n] items under [mem]. */
static hresult object_array(void *mem,
                            const struct wmi_item *items,
                            uint32_t n,
                            uint8_t **out,
                            size_t *len)
{
	struct buf b;
	uint32_t *ids = talloc_array(mem, uint32_t, n > 0 ? n : 1);
	uint8_t(*guids)[16] = talloc_size(mem, 16 * (size_t)(n > 0 ? n : 1));
	uint32_t n_seen = 0;
	size_t objs;
	hresult hr = HR_OK;

	if (ids == NULL || guids == NULL) {
		return HR_E_OUTOFMEMORY;
	}
	buf_init(&b, mem);
	buf_add_u32le(&b, 0); /* dwByteOrdering */
	buf_add(&b, "WBEMDATA", 8);
	buf_add_u32le(&b, OA_HEADER1_SIZE);
	buf_add_u32le(&b, 0); /* dwDataSize1, patched */
	buf_add_u32le(&b, 0); /* dwFlags */
	buf_add_u8(&b, 1);    /* bVersion */
	buf_add_u8(&b, OA_PACKET_SMART);
	buf_add_u32le(&b, 8);  /* dwSizeOfHeader2 */
	buf_add_u32le(&b, 0);  /* dwDataSize2, patched */
	buf_add_u32le(&b, 12); /* dwSizeOfHeader3 */
	buf_add_u32le(&b, 0);  /* dwDataSize3, patched */
	buf_add_u32le(&b, n);
	objs = b.len;
	for (uint32_t i = 0; i < n && hr_ok(hr); i++) {
		hr = packet_object(&b, &items[i], ids, guids, &n_seen);
	}
	if (hr_ok(hr) && hr_failed(b.error)) {
		hr = b.error;
	}
	if (hr_failed(hr) || b.len > UINT32_MAX) {
		buf_release(&b);
		return hr_failed(hr) ? hr : HR_E_OUTOFMEMORY;
	}
	put32((uint8_t *)b.data + 16, (uint32_t)(b.len - OA_HEADER1_SIZE));
	put32((uint8_t *)b.data + 30, (uint32_t)(b.len - 34));
	put32((uint8_t *)b.data + 38, (uint32_t)(b.len - objs));
	*out = (uint8_t *)buf_detach(&b, len);
	return *out != NULL ? HR_OK : HR_E_OUTOFMEMORY;
}

static uint32_t op_smart_next(struct rpc_call *call,
                              const uint8_t *in,
                              size_t len,
                              struct buf *out)
{
	struct wmi_call w;
	struct wmi_smart_next_req req;
	struct wmi_smart_next_resp resp = { 0 };
	struct wmi_item *items = NULL;
	struct wmi_enum *e;
	struct ndr_push p;
	uint32_t n = 0;
	bool owned = false;
	hresult hr = HR_OK;
	uint32_t st;

	st = enum_begin(&w, call, in, len, &wmi_iid_iwbemwcosmartenum);
	if (st != 0) {
		return st;
	}
	if (wmi_smart_next_req_pull(&w.ndr, &req) != NDR_ERR_SUCCESS) {
		return wmi_bad_stub(&w);
	}
	e = w.impl;
	hr = enum_take(e, call, req.count, req.timeout, &items, &n, &owned);
	if (n > 0) {
		uint32_t taken = n;
		size_t blen = 0;
		hresult h2 = object_array(call->mem, items, n, &resp.buf,
		                          &blen);

		if (hr_failed(h2)) {
			/* The objects are lost for a forward-only set; the
			 * client sees why. */
			hr = h2;
			n = 0;
			resp.buf = NULL;
		} else {
			resp.n_buf = (uint32_t)blen;
		}
		/* The packet holds copies. */
		wmi_items_free(items, taken, owned);
	}
	resp.returned = n;
	resp.hr = hr.v;
	if ((st = wmi_reply_start(&w, &p)) != 0) {
		return st;
	}
	wmi_smart_next_resp_push(&p, &resp);
	return wmi_reply_finish(&w, &p, out);
}

static const struct rpc_op enum_ops[] = {
	[WMI_OP_ENUM_RESET] = { op_reset, "Reset" },
	[WMI_OP_ENUM_NEXT] = { op_next, "Next" },
	[WMI_OP_ENUM_NEXT_ASYNC] = { op_next_async, "NextAsync" },
	[WMI_OP_ENUM_CLONE] = { op_clone, "Clone" },
	[WMI_OP_ENUM_SKIP] = { op_skip, "Skip" },
};

static struct rpc_iface enum_iface = {
	.name = "IEnumWbemClassObject",
	.n_ops = sizeof(enum_ops) / sizeof(enum_ops[0]),
	.ops = enum_ops,
};

static const struct rpc_op fetch_ops[] = {
	[WMI_OP_GET_SMART_ENUM] = { op_get_smart_enum, "GetSmartEnum" },
};

static struct rpc_iface fetch_iface = {
	.name = "IWbemFetchSmartEnum",
	.n_ops = sizeof(fetch_ops) / sizeof(fetch_ops[0]),
	.ops = fetch_ops,
};

static const struct rpc_op smart_ops[] = {
	[WMI_OP_SMART_NEXT] = { op_smart_next, "Next" },
};

static struct rpc_iface smart_iface = {
	.name = "IWbemWCOSmartEnum",
	.n_ops = sizeof(smart_ops) / sizeof(smart_ops[0]),
	.ops = smart_ops,
};

hresult wmi_enum_register(struct wmi_server *srv)
{
	hresult hr;

	enum_iids[0] = wmi_iid_ienumwbemclassobject;
	enum_iids[1] = wmi_iid_iwbemfetchsmartenum;
	enum_iids[2] = wmi_iid_iwbemwcosmartenum;
	enum_iface.syntax.uuid = wmi_iid_ienumwbemclassobject;
	fetch_iface.syntax.uuid = wmi_iid_iwbemfetchsmartenum;
	smart_iface.syntax.uuid = wmi_iid_iwbemwcosmartenum;
	hr = dcom_exporter_serve(srv->exp, &enum_iface, srv);
	if (hr_ok(hr)) {
		hr = dcom_exporter_serve(srv->exp, &fetch_iface, srv);
	}
	if (hr_ok(hr)) {
		hr = dcom_exporter_serve(srv->exp, &smart_iface, srv);
	}
	return hr;
}
