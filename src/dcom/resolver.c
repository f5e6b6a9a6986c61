/*
 * resolver: IObjectExporter on the server (dcom layer; MS-DCOM 3.1.2.5.1,
 * 3.1.1.5 ping sets, 3.2.4.2 pinging; interop notes 4.3 and 8).
 *
 *   0 ResolveOxid   our OXID: the exporter's bindings, IRemUnknown IPID,
 *                   authnHint; any other: OR_INVALID_OXID
 *   1 SimplePing    refreshes a set; unknown SETID: OR_INVALID_SET
 *   2 ComplexPing   SETID 0 creates a set (SETIDs count from 1); adds,
 *                   then deletes; any SequenceNum; unknown OIDs ignored
 *   3 ServerAlive   0
 *   4 ResolveOxid2  as 0, plus COMVERSION 5.7
 *   5 ServerAlive2  COMVERSION, resolver bindings without endpoints
 *
 * The interface admits anonymous callers (Windows answers ServerAlive2
 * unauthenticated); every other method refuses them, and callers the
 * access hook refuses (DCOM_ACCESS_CALL: who may not call objects may not
 * keep them alive or fill the set table either), with fault
 * rpc_s_access_denied.  The handlers run on the worker pool because the
 * hook may read the account store.
 */
#include <string.h>

#include "base/alloc.h"
#include "dcom/exporter-int.h"
#include "dcom/objref.h"
#include "dcom/stubs.h"
#include "rpc/fault.h"

/* ---- ping sets (under the lock) ---- */

static struct dx_set *set_find(struct dcom_exporter *exp, uint64_t setid)
{
	return (struct dx_set *)dx_htab_first(&exp->sets, setid);
}

/* Index of [oid] in the sorted set, or where it would go. */
static uint32_t set_pos(const struct dx_set *s, uint64_t oid, bool *found)
{
	uint32_t lo = 0, hi = s->n;

	while (lo < hi) {
		uint32_t mid = lo + (hi - lo) / 2;

		if (s->oids[mid] < oid) {
			lo = mid + 1;
		} else {
			hi = mid;
		}
	}
	*found = lo < s->n && s->oids[lo] == oid;
	return lo;
}

/* Adds a live object's OID; false when the set is full or on OOM. */
static bool set_add(struct dcom_exporter *exp, struct dx_set *s, uint64_t oid)
{
	struct dx_obj *obj = dx_obj_find(exp, oid);
	bool found;
	uint32_t i;

	if (obj == NULL) {
		return true; /* unknown OID (impacket sends 0): proceed */
	}
	i = set_pos(s, oid, &found);
	if (found) {
		return true;
	}
	if (s->n >= exp->max_set_oids) {
		return false;
	}
	if (s->n == s->cap) {
		uint32_t cap = s->cap != 0 ? s->cap * 2 : 8;
		uint64_t *a = owmi_realloc(s->oids, cap * sizeof(*a));

		if (a == NULL) {
			return false;
		}
		s->oids = a;
		s->cap = cap;
	}
	memmove(&s->oids[i + 1], &s->oids[i], (s->n - i) * sizeof(*s->oids));
	s->oids[i] = oid;
	s->n++;
	obj->n_sets++;
	return true;
}

static void set_del(struct dcom_exporter *exp, struct dx_set *s, uint64_t oid)
{
	struct dx_obj *obj;
	bool found;
	uint32_t i = set_pos(s, oid, &found);

	if (!found) {
		return;
	}
	memmove(&s->oids[i], &s->oids[i + 1],
	        (s->n - i - 1) * sizeof(*s->oids));
	s->n--;
	obj = dx_obj_find(exp, oid);
	if (obj != NULL && obj->n_sets > 0 && --obj->n_sets == 0) {
		/* No longer pinged: the never-pinged rule applies again. */
		obj->idle_since_ms = dx_now_ms();
	}
}

static struct dx_set *set_new(struct dcom_exporter *exp)
{
	struct dx_set *s;

	if (exp->sets.n >= exp->max_sets) {
		return NULL;
	}
	s = owmi_calloc(1, sizeof(*s));
	if (s == NULL) {
		return NULL;
	}
	s->h.key = exp->next_setid++;
	s->last_ping_ms = dx_now_ms();
	s->next = exp->set_list;
	if (exp->set_list != NULL) {
		exp->set_list->prev = s;
	}
	exp->set_list = s;
	dx_htab_add(&exp->sets, &s->h);
	exp->st.sets++;
	return s;
}

/* Unlinks and frees [s]; with [release], its objects lose the set and
 * those left in no set are killed as collected. */
static void set_free(struct dcom_exporter *exp,
                     struct dx_set *s,
                     bool release,
                     struct dx_obj **victims)
{
	if (release) {
		for (uint32_t i = 0; i < s->n; i++) {
			struct dx_obj *obj = dx_obj_find(exp, s->oids[i]);

			if (obj != NULL && obj->n_sets > 0 &&
			    --obj->n_sets == 0) {
				dx_kill(exp, obj, true, victims);
			}
		}
	}
	if (s->prev != NULL) {
		s->prev->next = s->next;
	} else {
		exp->set_list = s->next;
	}
	if (s->next != NULL) {
		s->next->prev = s->prev;
	}
	dx_htab_del(&exp->sets, &s->h);
	exp->st.sets--;
	owmi_free(s->oids);
	owmi_free(s);
}

void dx_sets_collect(struct dcom_exporter *exp,
                     uint64_t now,
                     struct dx_obj **victims)
{
	uint64_t timeout = (uint64_t)exp->ping_period_ms * exp->ping_misses;

	for (struct dx_set *s = exp->set_list; s != NULL;) {
		struct dx_set *next = s->next;

		if (now >= s->last_ping_ms &&
		    now - s->last_ping_ms >= timeout) {
			set_free(exp, s, true, victims);
		} else {
			/* Drop OIDs of objects released meanwhile. */
			uint32_t k = 0;

			for (uint32_t i = 0; i < s->n; i++) {
				if (dx_obj_find(exp, s->oids[i]) != NULL) {
					s->oids[k++] = s->oids[i];
				}
			}
			s->n = k;
		}
		s = next;
	}
}

void dx_sets_free(struct dcom_exporter *exp)
{
	while (exp->set_list != NULL) {
		set_free(exp, exp->set_list, false, NULL);
	}
}

/* ---- handlers ---- */

static struct dcom_exporter *exporter_of(struct rpc_call *call)
{
	return call->iface_arg;
}

static uint32_t pull_open(struct rpc_call *call,
                          const uint8_t *stub,
                          size_t len,
                          struct ndr_pull *ndr)
{
	if (!call->identity.authenticated ||
	    hr_failed(dx_check_access(exporter_of(call), &call->identity,
	                              DCOM_ACCESS_CALL))) {
		return RPC_FAULT_RPC_S_ACCESS_DENIED;
	}
	return dx_pull_open(call, stub, len, ndr);
}

static uint32_t resolve_oxid(struct rpc_call *call,
                             const uint8_t *stub,
                             size_t len,
                             struct buf *out,
                             bool v2)
{
	struct dcom_exporter *exp = exporter_of(call);
	struct dcom_resolve_oxid_req req;
	struct dcom_resolve_oxid_resp resp;
	struct ndr_pull ndr;
	struct ndr_push push;
	uint32_t st;

	if ((st = pull_open(call, stub, len, &ndr)) != 0) {
		return st;
	}
	if (dcom_resolve_oxid_req_pull(&ndr, &req) != NDR_ERR_SUCCESS ||
	    ndr_pull_finish(&ndr) != NDR_ERR_SUCCESS) {
		return ndr_err_to_fault(ndr.err);
	}
	memset(&resp, 0, sizeof(resp));
	resp.version.major = DCOM_COM_VERSION_MAJOR;
	resp.version.minor = DCOM_COM_VERSION_MINOR;
	if (req.oxid != exp->oxid) {
		resp.status = HRV_OR_INVALID_OXID & 0xffffu;
	} else if (hr_failed(dx_bindings(exp, call->mem, call->local_addr,
	                                 dx_port(exp), &resp.bindings))) {
		return RPC_FAULT_NCA_S_FAULT_REMOTE_NO_MEMORY;
	} else {
		resp.has_bindings = true;
		resp.ipid_rem_unknown = exp->remunk_ipid;
		resp.authn_hint = exp->authn_hint;
	}
	if ((st = dx_push_open(call, &push)) != 0) {
		return st;
	}
	dcom_resolve_oxid_resp_push(&push, v2, &resp);
	return dx_reply(&push, out);
}

static uint32_t op_resolve_oxid(struct rpc_call *call,
                                const uint8_t *stub,
                                size_t len,
                                struct buf *out)
{
	return resolve_oxid(call, stub, len, out, false);
}

static uint32_t op_resolve_oxid2(struct rpc_call *call,
                                 const uint8_t *stub,
                                 size_t len,
                                 struct buf *out)
{
	return resolve_oxid(call, stub, len, out, true);
}

static uint32_t op_simple_ping(struct rpc_call *call,
                               const uint8_t *stub,
                               size_t len,
                               struct buf *out)
{
	struct dcom_exporter *exp = exporter_of(call);
	struct ndr_pull ndr;
	struct ndr_push push;
	struct dx_set *s;
	uint64_t setid;
	uint32_t status = 0;
	uint32_t st;

	if ((st = pull_open(call, stub, len, &ndr)) != 0) {
		return st;
	}
	if (dcom_simple_ping_req_pull(&ndr, &setid) != NDR_ERR_SUCCESS ||
	    ndr_pull_finish(&ndr) != NDR_ERR_SUCCESS) {
		return ndr_err_to_fault(ndr.err);
	}
	pthread_mutex_lock(&exp->mu);
	exp->st.pings++;
	s = set_find(exp, setid);
	if (s == NULL) {
		status = DCOM_OR_INVALID_SET;
	} else {
		s->last_ping_ms = dx_now_ms();
	}
	pthread_mutex_unlock(&exp->mu);
	if ((st = dx_push_open(call, &push)) != 0) {
		return st;
	}
	dcom_status_push(&push, status);
	return dx_reply(&push, out);
}

static uint32_t op_complex_ping(struct rpc_call *call,
                                const uint8_t *stub,
                                size_t len,
                                struct buf *out)
{
	struct dcom_exporter *exp = exporter_of(call);
	struct dcom_complex_ping_req req;
	struct dcom_complex_ping_resp resp;
	struct ndr_pull ndr;
	struct ndr_push push;
	struct dx_set *s;
	uint32_t st;

	if ((st = pull_open(call, stub, len, &ndr)) != 0) {
		return st;
	}
	if (dcom_complex_ping_req_pull(&ndr, &req) != NDR_ERR_SUCCESS ||
	    ndr_pull_finish(&ndr) != NDR_ERR_SUCCESS) {
		return ndr_err_to_fault(ndr.err);
	}
	memset(&resp, 0, sizeof(resp));
	pthread_mutex_lock(&exp->mu);
	exp->st.pings++;
	/* SequenceNum is not judged: impacket sends 0, then the SETID. */
	s = req.setid == 0 ? set_new(exp) : set_find(exp, req.setid);
	if (s == NULL) {
		resp.status = req.setid == 0 ? (uint32_t)HRV_E_OUTOFMEMORY
		                             : DCOM_OR_INVALID_SET;
	} else {
		resp.setid = s->h.key;
		s->last_ping_ms = dx_now_ms();
		for (uint16_t i = 0; req.add != NULL && i < req.n_add; i++) {
			if (!set_add(exp, s, req.add[i])) {
				resp.status = (uint32_t)HRV_E_OUTOFMEMORY;
			}
		}
		for (uint16_t i = 0; req.del != NULL && i < req.n_del; i++) {
			set_del(exp, s, req.del[i]);
		}
	}
	pthread_mutex_unlock(&exp->mu);
	if ((st = dx_push_open(call, &push)) != 0) {
		return st;
	}
	dcom_complex_ping_resp_push(&push, &resp);
	return dx_reply(&push, out);
}

static uint32_t op_server_alive(struct rpc_call *call,
                                const uint8_t *stub,
                                size_t len,
                                struct buf *out)
{
	struct ndr_push push;
	uint32_t st;

	(void)stub;
	if (len != 0) {
		return RPC_FAULT_NCA_S_FAULT_NDR;
	}
	if ((st = dx_push_open(call, &push)) != 0) {
		return st;
	}
	dcom_status_push(&push, 0);
	return dx_reply(&push, out);
}

static uint32_t op_server_alive2(struct rpc_call *call,
                                 const uint8_t *stub,
                                 size_t len,
                                 struct buf *out)
{
	struct dcom_exporter *exp = exporter_of(call);
	struct dcom_server_alive2_resp resp;
	struct ndr_push push;
	uint32_t st;

	(void)stub;
	if (len != 0) {
		return RPC_FAULT_NCA_S_FAULT_NDR;
	}
	memset(&resp, 0, sizeof(resp));
	resp.version.major = DCOM_COM_VERSION_MAJOR;
	resp.version.minor = DCOM_COM_VERSION_MINOR;
	resp.has_bindings = true;
	if (hr_failed(dx_bindings(exp, call->mem, call->local_addr, 0,
	                          &resp.bindings))) {
		return RPC_FAULT_NCA_S_FAULT_REMOTE_NO_MEMORY;
	}
	if ((st = dx_push_open(call, &push)) != 0) {
		return st;
	}
	dcom_server_alive2_resp_push(&push, &resp);
	return dx_reply(&push, out);
}

static const struct rpc_op oxid_ops[] = {
	[DCOM_OP_RESOLVE_OXID] = { op_resolve_oxid, "ResolveOxid" },
	[DCOM_OP_SIMPLE_PING] = { op_simple_ping, "SimplePing" },
	[DCOM_OP_COMPLEX_PING] = { op_complex_ping, "ComplexPing" },
	[DCOM_OP_SERVER_ALIVE] = { op_server_alive, "ServerAlive" },
	[DCOM_OP_RESOLVE_OXID2] = { op_resolve_oxid2, "ResolveOxid2" },
	[DCOM_OP_SERVER_ALIVE2] = { op_server_alive2, "ServerAlive2" },
};

const struct rpc_iface dx_iface_object_exporter = {
	.name = "IObjectExporter",
	.syntax = {
		.uuid = { 0x99fcfec4, 0x5260, 0x101b, { 0xbb, 0xcb },
		          { 0x00, 0xaa, 0x00, 0x21, 0x34, 0x7a } },
		.ver_major = 0,
		.ver_minor = 0,
	},
	.n_ops = sizeof(oxid_ops) / sizeof(oxid_ops[0]),
	.ops = oxid_ops,
	.min_auth_level = RPC_AUTHN_LEVEL_NONE,
	.flags = RPC_IFACE_ALLOW_ANONYMOUS,
	.run_inline = false,
};
