/*
 * exporter: the DCOM server runtime's tables (dcom layer; MS-DCOM 3.1.1.5,
 * 3.2.4.2; docs/internals/dcom.md "The runtime").  The contract is in
 * exporter.h, the shared internals in exporter-int.h.  This file owns the
 * OXID, the OID and IPID tables, call pins, exports, the collector, the
 * stats and the shutdown; resolver.c, activator.c and remunk.c serve the
 * interfaces on top.
 */
#include "dcom/exporter.h"

#include <string.h>
#include <sys/random.h>
#include <talloc.h>
#include <time.h>

#include "base/alloc.h"
#include "dcom/exporter-int.h"
#include "dcom/objref.h"
#include "dcom/orpc.h"
#include "rpc/fault.h"

/* ---- small helpers ---- */

uint64_t dx_now_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * 1000u + (uint64_t)ts.tv_nsec / 1000000u;
}

static bool fill_random(void *p, size_t n)
{
	uint8_t *q = p;

	while (n > 0) {
		ssize_t r = getrandom(q, n, 0);

		if (r <= 0) {
			return false;
		}
		q += r;
		n -= (size_t)r;
	}
	return true;
}

/* A random (version 4) GUID. */
static bool random_guid(struct rpc_uuid *u)
{
	if (!fill_random(u, sizeof(*u))) {
		return false;
	}
	u->time_hi_and_version = (uint16_t)((u->time_hi_and_version & 0x0fff) |
	                                    0x4000);
	u->clock_seq[0] = (uint8_t)((u->clock_seq[0] & 0x3f) | 0x80);
	return true;
}

uint64_t dx_ipid_key(const struct rpc_uuid *u)
{
	uint64_t k = (uint64_t)u->time_low << 32 ^ (uint64_t)u->time_mid << 16 ^
	             u->time_hi_and_version;

	for (int i = 0; i < 6; i++) {
		k = k * 0x100000001b3ull ^ u->node[i];
	}
	return k ^ (uint64_t)u->clock_seq[0] << 8 ^ u->clock_seq[1];
}

bool dx_version_ok(const struct dcom_comversion *v)
{
	return v->major == DCOM_COM_VERSION_MAJOR &&
	       v->minor <= DCOM_COM_VERSION_MINOR;
}

hresult dx_check_access_class(struct dcom_exporter *exp,
                              const struct rpc_identity *who,
                              enum dcom_access_op op,
                              const struct rpc_uuid *clsid)
{
	hresult hr;

	if (exp->check_access == NULL) {
		return HR_OK;
	}
	hr = exp->check_access(exp->check_access_arg, who, op);
	if (hr_failed(hr) && exp->report_refusal != NULL) {
		exp->report_refusal(exp->report_refusal_arg, who, op, clsid,
		                    hr);
	}
	return hr;
}

hresult dx_check_access(struct dcom_exporter *exp,
                        const struct rpc_identity *who,
                        enum dcom_access_op op)
{
	return dx_check_access_class(exp, who, op, NULL);
}

uint32_t dx_reply(struct ndr_push *ndr, struct buf *out)
{
	const uint8_t *p;
	size_t n;
	enum ndr_err err = ndr_push_blob(ndr, &p, &n);

	if (err == NDR_ERR_SUCCESS && hr_failed(buf_add(out, p, n))) {
		err = NDR_ERR_ALLOC;
	}
	ndr_push_release(ndr);
	return err == NDR_ERR_SUCCESS ? 0 : ndr_err_to_fault(err);
}

void dx_limits(struct ndr_limits *lim)
{
	ndr_limits_default(lim);
	lim->max_alloc = 4u << 20;
}

uint32_t dx_pull_open(struct rpc_call *call,
                      const uint8_t *stub,
                      size_t len,
                      struct ndr_pull *ndr)
{
	struct ndr_limits lim;
	enum ndr_err err;

	dx_limits(&lim);
	err = ndr_pull_init(ndr, call->mem, stub, len, 0, &lim);
	return err == NDR_ERR_SUCCESS ? 0 : ndr_err_to_fault(err);
}

uint32_t dx_push_open(struct rpc_call *call, struct ndr_push *ndr)
{
	enum ndr_err err = ndr_push_init(ndr, call->mem, 0, NULL);

	return err == NDR_ERR_SUCCESS ? 0 : ndr_err_to_fault(err);
}

bool dx_type_has_iid(const struct dcom_object_type *type,
                     const struct rpc_uuid *iid)
{
	/* Every COM object is an IUnknown: clients activate or query for
	 * it and then RemQueryInterface from its IPID. */
	if (rpc_uuid_equal(iid, &dcom_iid_iunknown)) {
		return true;
	}
	for (uint32_t i = 0; i < type->n_iids; i++) {
		if (rpc_uuid_equal(&type->iids[i], iid)) {
			return true;
		}
	}
	return false;
}

/* ---- hash tables ---- */

static size_t slot_of(size_t nb, uint64_t key)
{
	key ^= key >> 33;
	key *= 0xff51afd7ed558ccdull;
	key ^= key >> 33;
	return (size_t)key & (nb - 1);
}

static size_t htab_slot(const struct dx_htab *t, uint64_t key)
{
	return slot_of(t->nb, key);
}

static bool htab_init(struct dx_htab *t)
{
	t->nb = 64;
	t->n = 0;
	t->b = owmi_calloc(t->nb, sizeof(*t->b));
	return t->b != NULL;
}

/* Doubles the buckets when the load passes 1 (kept as is on OOM). */
static void htab_grow(struct dx_htab *t)
{
	size_t nb = t->nb * 2;
	struct dx_hnode **b;

	if (t->n < t->nb || nb < t->nb) {
		return;
	}
	b = owmi_calloc(nb, sizeof(*b));
	if (b == NULL) {
		return;
	}
	for (size_t i = 0; i < t->nb; i++) {
		struct dx_hnode *e = t->b[i];

		while (e != NULL) {
			struct dx_hnode *next = e->next;
			size_t s = slot_of(nb, e->key);

			e->next = b[s];
			b[s] = e;
			e = next;
		}
	}
	owmi_free(t->b);
	t->b = b;
	t->nb = nb;
}

void dx_htab_add(struct dx_htab *t, struct dx_hnode *e)
{
	size_t s;

	htab_grow(t);
	s = htab_slot(t, e->key);
	e->next = t->b[s];
	t->b[s] = e;
	t->n++;
}

void dx_htab_del(struct dx_htab *t, struct dx_hnode *e)
{
	struct dx_hnode **pp = &t->b[htab_slot(t, e->key)];

	while (*pp != NULL) {
		if (*pp == e) {
			*pp = e->next;
			t->n--;
			return;
		}
		pp = &(*pp)->next;
	}
}

struct dx_hnode *dx_htab_first(const struct dx_htab *t, uint64_t key)
{
	struct dx_hnode *e = t->b[htab_slot(t, key)];

	while (e != NULL && e->key != key) {
		e = e->next;
	}
	return e;
}

struct dx_ipid *dx_ipid_find(struct dcom_exporter *exp,
                             const struct rpc_uuid *ipid)
{
	uint64_t key = dx_ipid_key(ipid);
	struct dx_hnode *e = exp->ipids.b[htab_slot(&exp->ipids, key)];

	for (; e != NULL; e = e->next) {
		struct dx_ipid *ip = (struct dx_ipid *)e;

		if (e->key == key && rpc_uuid_equal(&ip->ipid, ipid)) {
			return ip;
		}
	}
	return NULL;
}

struct dx_obj *dx_obj_find(struct dcom_exporter *exp, uint64_t oid)
{
	return (struct dx_obj *)dx_htab_first(&exp->oids, oid);
}

/* ---- objects ---- */

static struct dx_ipid *ipid_new(struct dcom_exporter *exp,
                                struct dx_obj *obj,
                                const struct rpc_uuid *iid,
                                uint32_t refs)
{
	struct dx_ipid *ip = owmi_calloc(1, sizeof(*ip));

	if (ip == NULL) {
		return NULL;
	}
	do {
		if (!random_guid(&ip->ipid)) {
			owmi_free(ip);
			return NULL;
		}
	} while (dx_ipid_find(exp, &ip->ipid) != NULL ||
	         rpc_uuid_equal(&ip->ipid, &exp->remunk_ipid));
	ip->iid = *iid;
	ip->obj = obj;
	ip->refs = refs;
	ip->h.key = dx_ipid_key(&ip->ipid);
	ip->next_in_obj = obj->ipids;
	obj->ipids = ip;
	obj->n_ipids++;
	dx_htab_add(&exp->ipids, &ip->h);
	exp->st.ipids++;
	return ip;
}

static uint32_t add_refs(uint32_t a, uint32_t b)
{
	return a > UINT32_MAX - b ? UINT32_MAX : a + b;
}

hresult dx_obj_iface(struct dcom_exporter *exp,
                     struct dx_obj *obj,
                     const struct rpc_uuid *iid,
                     uint32_t refs,
                     struct dx_ipid **out)
{
	for (struct dx_ipid *ip = obj->ipids; ip != NULL;
	     ip = ip->next_in_obj) {
		if (rpc_uuid_equal(&ip->iid, iid)) {
			ip->refs = add_refs(ip->refs, refs);
			*out = ip;
			return HR_OK;
		}
	}
	if (!dx_type_has_iid(obj->type, iid)) {
		return HR_E_NOINTERFACE;
	}
	*out = ipid_new(exp, obj, iid, refs);
	return *out != NULL ? HR_OK : HR_E_OUTOFMEMORY;
}

void dx_stdobjref(const struct dcom_exporter *exp,
                  const struct dx_ipid *ip,
                  uint32_t refs,
                  struct dcom_stdobjref *std)
{
	memset(std, 0, sizeof(*std));
	std->flags = 0; /* pinged (not SORF_NOPING) */
	std->public_refs = refs;
	std->oxid = exp->oxid;
	std->oid = ip->obj->h.key;
	std->ipid = ip->ipid;
}

/* Frees an object's IPIDs and the object (not its impl). */
static void obj_free(struct dx_obj *obj)
{
	struct dx_ipid *ip = obj->ipids;

	while (ip != NULL) {
		struct dx_ipid *next = ip->next_in_obj;

		owmi_free(ip);
		ip = next;
	}
	owmi_free(obj);
}

hresult dx_export_locked(struct dcom_exporter *exp,
                         void *impl,
                         const struct dcom_object_type *type,
                         const struct rpc_uuid *iids,
                         uint32_t n,
                         uint32_t refs,
                         uint32_t *hrs,
                         struct dcom_stdobjref *std)
{
	struct dx_obj *obj;
	uint32_t ok = 0;

	if (exp->shut) {
		return HR_E_UNEXPECTED;
	}
	for (uint32_t i = 0; i < n; i++) {
		if (dx_type_has_iid(type, &iids[i])) {
			ok++;
		}
	}
	if (ok == 0) {
		return HR_E_NOINTERFACE;
	}
	if (exp->st.objects >= exp->max_objects) {
		return HR_E_OUTOFMEMORY;
	}
	obj = owmi_calloc(1, sizeof(*obj));
	if (obj == NULL) {
		return HR_E_OUTOFMEMORY;
	}
	do {
		if (!fill_random(&obj->h.key, sizeof(obj->h.key))) {
			owmi_free(obj);
			return HR_E_FAIL;
		}
	} while (obj->h.key == 0 || dx_obj_find(exp, obj->h.key) != NULL);
	obj->impl = impl;
	obj->type = type;
	obj->idle_since_ms = dx_now_ms();
	for (uint32_t i = 0; i < n; i++) {
		struct dx_ipid *ip = NULL;
		hresult hr = dx_obj_iface(exp, obj, &iids[i], refs, &ip);

		hrs[i] = hr.v;
		if (hr_eq(hr, HR_E_OUTOFMEMORY)) {
			/* Undo: the IPIDs made so far are in the table. */
			for (ip = obj->ipids; ip != NULL;
			     ip = ip->next_in_obj) {
				dx_htab_del(&exp->ipids, &ip->h);
				exp->st.ipids--;
			}
			obj_free(obj);
			return HR_E_OUTOFMEMORY;
		}
		if (hr_ok(hr)) {
			dx_stdobjref(exp, ip, refs, &std[i]);
		} else {
			memset(&std[i], 0, sizeof(std[i]));
		}
	}
	obj->in_table = true;
	dx_htab_add(&exp->oids, &obj->h);
	obj->next = exp->live;
	if (exp->live != NULL) {
		exp->live->prev = obj;
	}
	exp->live = obj;
	exp->st.objects++;
	exp->st.exported++;
	return HR_OK;
}

void dx_kill(struct dcom_exporter *exp,
             struct dx_obj *obj,
             bool collected,
             struct dx_obj **victims)
{
	if (!obj->in_table) {
		return;
	}
	obj->in_table = false;
	obj->collected = collected;
	dx_htab_del(&exp->oids, &obj->h);
	for (struct dx_ipid *ip = obj->ipids; ip != NULL;
	     ip = ip->next_in_obj) {
		dx_htab_del(&exp->ipids, &ip->h);
		exp->st.ipids--;
	}
	if (obj->prev != NULL) {
		obj->prev->next = obj->next;
	} else {
		exp->live = obj->next;
	}
	if (obj->next != NULL) {
		obj->next->prev = obj->prev;
	}
	obj->prev = obj->next = NULL;
	exp->st.objects--;
	if (collected) {
		exp->st.collected++;
	}
	if (obj->pins == 0) {
		exp->st.destroyed++;
		obj->next = *victims;
		*victims = obj;
	}
}

void dx_kill_if_unreferenced(struct dcom_exporter *exp,
                             struct dx_obj *obj,
                             struct dx_obj **victims)
{
	for (struct dx_ipid *ip = obj->ipids; ip != NULL;
	     ip = ip->next_in_obj) {
		if (ip->refs != 0 || ip->priv != 0) {
			return;
		}
	}
	dx_kill(exp, obj, false, victims);
}

void dx_destroy_victims(struct dx_obj *victims)
{
	while (victims != NULL) {
		struct dx_obj *next = victims->next;

		if (victims->type->destroy != NULL) {
			victims->type->destroy(victims->impl);
		}
		obj_free(victims);
		victims = next;
	}
}

void dx_drop_oid(struct dcom_exporter *exp, uint64_t oid)
{
	struct dx_obj *victims = NULL;
	struct dx_obj *obj;

	pthread_mutex_lock(&exp->mu);
	obj = dx_obj_find(exp, oid);
	if (obj != NULL) {
		dx_kill(exp, obj, false, &victims);
	}
	pthread_mutex_unlock(&exp->mu);
	dx_destroy_victims(victims);
}

uint16_t dx_port(struct dcom_exporter *exp)
{
	uint16_t port;

	pthread_mutex_lock(&exp->mu);
	port = exp->port;
	pthread_mutex_unlock(&exp->mu);
	return port;
}

hresult dx_bindings(struct dcom_exporter *exp,
                    void *mem,
                    const char *local_addr,
                    uint16_t port,
                    struct dcom_dsa *out)
{
	/* The security providers the RPC server accepts: NTLM, and SPNEGO
	 * wrapping NTLM (what Windows clients choose when offered). */
	static const uint16_t authn[] = { DCOM_AUTHN_WINNT,
		                          DCOM_AUTHN_GSS_NEGOTIATE };
	hresult hr;

	memset(out, 0, sizeof(*out));
	if (local_addr != NULL && local_addr[0] != '\0' &&
	    local_addr[0] != '/' && strchr(local_addr, '[') == NULL) {
		hr = dcom_dsa_add_tcp(mem, out, local_addr, port);
		if (hr_failed(hr)) {
			return hr;
		}
	}
	for (size_t i = 0; i < exp->n_names; i++) {
		if (local_addr != NULL &&
		    strcmp(local_addr, exp->names[i]) == 0) {
			continue;
		}
		hr = dcom_dsa_add_tcp(mem, out, exp->names[i], port);
		if (hr_failed(hr)) {
			return hr;
		}
	}
	for (size_t i = 0; i < sizeof(authn) / sizeof(authn[0]); i++) {
		hr = dcom_dsa_add_security(mem, out, authn[i], "");
		if (hr_failed(hr)) {
			return hr;
		}
	}
	return HR_OK;
}

/* ---- creation ---- */

static void on_timer(uv_timer_t *t)
{
	dcom_exporter_collect(t->data);
}

static void free_all_locked(struct dcom_exporter *exp, struct dx_obj **victims)
{
	while (exp->live != NULL) {
		dx_kill(exp, exp->live, false, victims);
	}
	dx_sets_free(exp);
}

static int exporter_destructor(struct dcom_exporter *exp)
{
	struct dx_obj *victims = NULL;

	pthread_mutex_lock(&exp->mu);
	exp->shut = true;
	free_all_locked(exp, &victims);
	/* Pinned objects left by calls that never ended (a bug upstream):
	 * their pins are dropped with the table. */
	for (size_t i = 0; i < exp->n_pins; i++) {
		struct dx_obj *obj = exp->pins[i].obj;

		if (--obj->pins == 0) {
			obj->next = victims;
			victims = obj;
		}
	}
	exp->n_pins = 0;
	pthread_mutex_unlock(&exp->mu);
	dx_destroy_victims(victims);
	owmi_free(exp->pins);
	owmi_free(exp->oids.b);
	owmi_free(exp->ipids.b);
	owmi_free(exp->sets.b);
	pthread_mutex_destroy(&exp->mu);
	return 0;
}

struct dcom_exporter *dcom_exporter_new(void *mem,
                                        uv_loop_t *loop,
                                        const struct dcom_exporter_config *cfg)
{
	struct dcom_exporter *exp = talloc_zero(mem, struct dcom_exporter);
	size_t n = 0;

	if (exp == NULL) {
		return NULL;
	}
	if (pthread_mutex_init(&exp->mu, NULL) != 0) {
		talloc_free(exp);
		return NULL;
	}
	if (!htab_init(&exp->oids) || !htab_init(&exp->ipids) ||
	    !htab_init(&exp->sets)) {
		goto fail_early;
	}
	talloc_set_destructor(exp, exporter_destructor);
	exp->loop = loop;
	exp->port = cfg->exporter_port;
	exp->authn_hint = cfg->authn_hint != 0 ? cfg->authn_hint : 2;
	exp->ping_period_ms = cfg->ping_period_ms != 0
	                              ? cfg->ping_period_ms
	                              : DCOM_DEFAULT_PING_PERIOD_MS;
	exp->ping_misses = cfg->ping_misses != 0 ? cfg->ping_misses
	                                         : DCOM_DEFAULT_PING_MISSES;
	exp->max_objects = cfg->max_objects != 0 ? cfg->max_objects
	                                         : DCOM_DEFAULT_MAX_OBJECTS;
	exp->max_set_oids = cfg->max_set_oids != 0 ? cfg->max_set_oids
	                                           : DCOM_DEFAULT_MAX_SET_OIDS;
	exp->max_sets = cfg->max_sets != 0 ? cfg->max_sets
	                                   : DCOM_DEFAULT_MAX_SETS;
	exp->check_access = cfg->check_access;
	exp->check_access_arg = cfg->check_access_arg;
	exp->report_refusal = cfg->report_refusal;
	exp->report_refusal_arg = cfg->report_refusal_arg;
	exp->log = cfg->log;
	exp->next_setid = 1;
	while (cfg->binding_names != NULL && cfg->binding_names[n] != NULL) {
		n++;
	}
	exp->names = talloc_zero_array(exp, char *, n + 1);
	if (exp->names == NULL) {
		goto fail;
	}
	for (size_t i = 0; i < n; i++) {
		const char *s = cfg->binding_names[i];

		if (s[0] == '\0' || strchr(s, '[') != NULL) {
			continue; /* not a host name */
		}
		exp->names[exp->n_names] = talloc_strdup(exp->names, s);
		if (exp->names[exp->n_names++] == NULL) {
			goto fail;
		}
	}
	do {
		if (!fill_random(&exp->oxid, sizeof(exp->oxid))) {
			goto fail;
		}
	} while (exp->oxid == 0);
	if (!random_guid(&exp->remunk_ipid)) {
		goto fail;
	}
	if (uv_timer_init(loop, &exp->timer) != 0) {
		goto fail;
	}
	exp->timer_init = true;
	exp->timer.data = exp;
	uv_unref((uv_handle_t *)&exp->timer);
	if (uv_timer_start(&exp->timer, on_timer, exp->ping_period_ms,
	                   exp->ping_period_ms) != 0) {
		dcom_exporter_shutdown(exp);
	}
	return exp;
fail:
	talloc_free(exp); /* the destructor frees the tables */
	return NULL;
fail_early:
	owmi_free(exp->oids.b);
	owmi_free(exp->ipids.b);
	owmi_free(exp->sets.b);
	pthread_mutex_destroy(&exp->mu);
	talloc_free(exp);
	return NULL;
}

hresult dcom_exporter_register(struct dcom_exporter *exp,
                               struct rpc_server *srv)
{
	const struct rpc_iface *ifaces[] = {
		&dx_iface_object_exporter,
		&dx_iface_scm_activator,
		&dx_iface_remunknown,
		&dx_iface_remunknown2,
	};
	hresult hr;

	if (exp == NULL || srv == NULL || exp->srv != NULL) {
		return HR_E_INVALIDARG;
	}
	for (size_t i = 0; i < sizeof(ifaces) / sizeof(ifaces[0]); i++) {
		hr = rpc_server_register_iface(srv, ifaces[i], exp);
		if (hr_failed(hr)) {
			return hr;
		}
	}
	exp->srv = srv;
	return HR_OK;
}

hresult dcom_exporter_serve(struct dcom_exporter *exp,
                            const struct rpc_iface *iface,
                            void *arg)
{
	if (exp == NULL || exp->srv == NULL) {
		return HR_E_INVALIDARG;
	}
	return rpc_server_register_iface(exp->srv, iface, arg);
}

void dcom_exporter_set_port(struct dcom_exporter *exp, uint16_t port)
{
	pthread_mutex_lock(&exp->mu);
	exp->port = port;
	pthread_mutex_unlock(&exp->mu);
}

hresult dcom_exporter_add_class(struct dcom_exporter *exp,
                                const struct dcom_class *cls)
{
	const struct dcom_class **a;
	hresult hr = HR_OK;

	if (exp == NULL || cls == NULL || cls->clsid == NULL ||
	    cls->create == NULL) {
		return HR_E_INVALIDARG;
	}
	pthread_mutex_lock(&exp->mu);
	for (size_t i = 0; i < exp->n_classes; i++) {
		if (rpc_uuid_equal(exp->classes[i]->clsid, cls->clsid)) {
			hr = HR_E_INVALIDARG;
			goto out;
		}
	}
	a = talloc_realloc(exp, exp->classes, const struct dcom_class *,
	                   exp->n_classes + 1);
	if (a == NULL) {
		hr = HR_E_OUTOFMEMORY;
		goto out;
	}
	a[exp->n_classes++] = cls;
	exp->classes = a;
out:
	pthread_mutex_unlock(&exp->mu);
	return hr;
}

uint64_t dcom_exporter_oxid(const struct dcom_exporter *exp)
{
	return exp->oxid;
}

struct rpc_uuid dcom_exporter_remunknown_ipid(const struct dcom_exporter *exp)
{
	return exp->remunk_ipid;
}

/* ---- the call bracket ---- */

uint32_t dcom_call_begin(struct dcom_exporter *exp,
                         struct rpc_call *call,
                         const uint8_t *stub,
                         size_t len,
                         const struct rpc_uuid *iid,
                         const struct ndr_limits *lim,
                         struct ndr_pull *ndr,
                         struct dcom_orpcthis *this_,
                         void **impl)
{
	struct dcom_orpcthis local;
	struct dx_ipid *ip;
	struct dx_obj *obj;
	enum ndr_err err;
	hresult hr;

	*impl = NULL;
	if (this_ == NULL) {
		this_ = &local;
	}
	err = ndr_pull_init(ndr, call->mem, stub, len, 0, lim);
	if (err != NDR_ERR_SUCCESS) {
		return ndr_err_to_fault(err);
	}
	if (dcom_orpcthis_pull(ndr, this_) != NDR_ERR_SUCCESS) {
		return ndr_err_to_fault(ndr->err);
	}
	if (!dx_version_ok(&this_->version)) {
		return HRV_RPC_E_VERSION_MISMATCH;
	}
	if (!call->has_object) {
		return HRV_RPC_E_INVALID_OBJECT;
	}
	hr = dx_check_access(exp, &call->identity, DCOM_ACCESS_CALL);
	if (hr_failed(hr)) {
		return hr.v;
	}
	pthread_mutex_lock(&exp->mu);
	ip = dx_ipid_find(exp, &call->object);
	if (ip == NULL || !rpc_uuid_equal(&ip->iid, iid)) {
		pthread_mutex_unlock(&exp->mu);
		return HRV_RPC_E_INVALID_OBJECT;
	}
	obj = ip->obj;
	if (exp->n_pins == exp->cap_pins) {
		size_t cap = exp->cap_pins != 0 ? exp->cap_pins * 2 : 16;
		struct dx_pin *p = owmi_realloc(exp->pins, cap * sizeof(*p));

		if (p == NULL) {
			pthread_mutex_unlock(&exp->mu);
			return RPC_FAULT_NCA_S_FAULT_REMOTE_NO_MEMORY;
		}
		exp->pins = p;
		exp->cap_pins = cap;
	}
	exp->pins[exp->n_pins].call = call;
	exp->pins[exp->n_pins].obj = obj;
	exp->n_pins++;
	obj->pins++;
	obj->idle_since_ms = dx_now_ms();
	*impl = obj->impl;
	pthread_mutex_unlock(&exp->mu);
	return 0;
}

/* The pin of [call] (index), or SIZE_MAX.  Under the lock. */
static size_t pin_find(struct dcom_exporter *exp, const struct rpc_call *call)
{
	for (size_t i = exp->n_pins; i-- > 0;) {
		if (exp->pins[i].call == call) {
			return i;
		}
	}
	return SIZE_MAX;
}

void dcom_call_end(struct dcom_exporter *exp, struct rpc_call *call)
{
	struct dx_obj *victim = NULL;
	size_t i;

	pthread_mutex_lock(&exp->mu);
	i = pin_find(exp, call);
	if (i != SIZE_MAX) {
		struct dx_obj *obj = exp->pins[i].obj;

		exp->pins[i] = exp->pins[--exp->n_pins];
		if (--obj->pins == 0 && !obj->in_table) {
			exp->st.destroyed++;
			obj->next = NULL;
			victim = obj;
		}
	}
	pthread_mutex_unlock(&exp->mu);
	dx_destroy_victims(victim);
}

/* ---- exports ---- */

static hresult resolver_dsa(struct dcom_exporter *exp,
                            void *mem,
                            struct dcom_dsa *out)
{
	return dx_bindings(exp, mem, NULL, 0, out);
}

hresult dcom_export(struct dcom_exporter *exp,
                    void *mem,
                    void *impl,
                    const struct dcom_object_type *type,
                    const struct rpc_uuid *iid,
                    uint32_t refs,
                    struct dcom_objref *out)
{
	struct dcom_stdobjref std;
	struct dcom_dsa res;
	uint32_t hr1;
	hresult hr;

	if (refs == 0) {
		hr = HR_E_INVALIDARG;
		goto fail;
	}
	hr = resolver_dsa(exp, mem, &res);
	if (hr_failed(hr)) {
		goto fail;
	}
	pthread_mutex_lock(&exp->mu);
	hr = dx_export_locked(exp, impl, type, iid, 1, refs, &hr1, &std);
	pthread_mutex_unlock(&exp->mu);
	if (hr_failed(hr)) {
		goto fail;
	}
	dcom_objref_standard(out, iid, &std, &res);
	return HR_OK;
fail:
	if (type != NULL && type->destroy != NULL) {
		type->destroy(impl);
	}
	return hr;
}

hresult dcom_export_iface(struct dcom_exporter *exp,
                          struct rpc_call *call,
                          void *mem,
                          const struct rpc_uuid *iid,
                          uint32_t refs,
                          struct dcom_objref *out)
{
	struct dcom_stdobjref std;
	struct dcom_dsa res;
	struct dx_ipid *ip = NULL;
	hresult hr;
	size_t i;

	if (refs == 0) {
		return HR_E_INVALIDARG;
	}
	hr = resolver_dsa(exp, mem, &res);
	if (hr_failed(hr)) {
		return hr;
	}
	pthread_mutex_lock(&exp->mu);
	i = pin_find(exp, call);
	if (i == SIZE_MAX) {
		hr = HR_E_UNEXPECTED; /* not inside dcom_call_begin/end */
	} else if (!exp->pins[i].obj->in_table) {
		hr = HR_RPC_E_INVALID_OBJECT; /* released meanwhile */
	} else {
		hr = dx_obj_iface(exp, exp->pins[i].obj, iid, refs, &ip);
		if (hr_ok(hr)) {
			dx_stdobjref(exp, ip, refs, &std);
		}
	}
	pthread_mutex_unlock(&exp->mu);
	if (hr_ok(hr)) {
		dcom_objref_standard(out, iid, &std, &res);
	}
	return hr;
}

/* ---- housekeeping ---- */

void dcom_exporter_collect(struct dcom_exporter *exp)
{
	struct dx_obj *victims = NULL;
	uint64_t timeout = (uint64_t)exp->ping_period_ms * exp->ping_misses;
	uint64_t now, before;

	pthread_mutex_lock(&exp->mu);
	/*
	 * Read the clock under the lock: a time read before it could be
	 * older than an export or call another thread stamped meanwhile,
	 * and that object would look idle for ~2^64 ms.
	 */
	now = dx_now_ms();
	before = exp->st.collected;
	dx_sets_collect(exp, now, &victims);
	for (struct dx_obj *obj = exp->live; obj != NULL;) {
		struct dx_obj *next = obj->next;

		if (obj->n_sets == 0 && now >= obj->idle_since_ms &&
		    now - obj->idle_since_ms >= timeout) {
			dx_kill(exp, obj, true, &victims);
		}
		obj = next;
	}
	before = exp->st.collected - before;
	pthread_mutex_unlock(&exp->mu);
	if (before != 0) {
		log_msg(exp->log, LOG_LVL_INFO, DX_COMPONENT,
		        "collected %llu object(s) whose client stopped pinging",
		        (unsigned long long)before);
	}
	dx_destroy_victims(victims);
}

void dcom_exporter_stats(struct dcom_exporter *exp,
                         struct dcom_exporter_stats *out)
{
	pthread_mutex_lock(&exp->mu);
	*out = exp->st;
	pthread_mutex_unlock(&exp->mu);
}

static void on_timer_closed(uv_handle_t *h)
{
	struct dcom_exporter *exp = h->data;

	exp->timer_closed = true;
}

void dcom_exporter_shutdown(struct dcom_exporter *exp)
{
	struct dx_obj *victims = NULL;

	if (exp == NULL) {
		return;
	}
	if (exp->timer_init && !uv_is_closing((uv_handle_t *)&exp->timer)) {
		uv_timer_stop(&exp->timer);
		uv_close((uv_handle_t *)&exp->timer, on_timer_closed);
	}
	pthread_mutex_lock(&exp->mu);
	exp->shut = true;
	free_all_locked(exp, &victims);
	pthread_mutex_unlock(&exp->mu);
	dx_destroy_victims(victims);
}
