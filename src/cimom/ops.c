/*
 * ops: GetObject, enumerations, Put/Delete of classes and instances,
 * namespaces, ExecMethod and provider dispatch (cimom layer).
 *
 * Each public function is a thin boundary: take the lock, run the
 * operation in a private talloc context with a private errinfo, release,
 * and let op_finish() log a failure once and report the status.
 */
#include <inttypes.h>
#include <stdio.h>
#include <string.h>
#include <talloc.h>

#include "base/buf.h"
#include "base/utf.h"
#include "cim/objpath.h"
#include "cimom/cimom-int.h"
#include "repo/repo.h"

/* ---- paths ---------------------------------------------------------- */

hresult path_namespace(struct cimom_session *s,
                       void *mem,
                       const struct objpath *p,
                       const char **out,
                       struct errinfo *ei)
{
	char *norm = NULL, *canon = NULL;
	char *full;
	hresult hr;

	if (p->server != NULL) {
		char *text;

		/* Checks the server part as ConnectServer does. */
		text = talloc_asprintf(mem, "\\\\%s\\x", p->server);
		if (text == NULL) {
			return hr_raise(HR_E_OUTOFMEMORY);
		}
		hr = cimom_namespace_normalize(s->cm, mem, text, &norm, ei);
		if (hr_failed(hr)) {
			if (hr_eq(hr, HR_RPC_S_SERVER_UNAVAILABLE)) {
				return err_set(ei,
				               HR_WBEM_E_INVALID_OBJECT_PATH,
				               CIMOM_LAYER,
				               "path names another server '%s'",
				               p->server);
			}
			return hr;
		}
	}
	if (p->ns == NULL) {
		*out = s->ns;
		return HR_OK;
	}
	full = talloc_strdup(mem, p->ns);
	if (full == NULL) {
		return hr_raise(HR_E_OUTOFMEMORY);
	}
	hr = cimom_namespace_normalize(s->cm, mem, full, &norm, ei);
	if (hr_failed(hr)) {
		return hr;
	}
	if (utf8_casecmp(norm, s->ns) == 0) {
		*out = s->ns;
		return HR_OK;
	}
	hr = repo_ns_canonical(s->cm->repo, mem, norm, &canon);
	if (hr_failed(hr)) {
		return err_set(ei, hr, CIMOM_LAYER,
		               "namespace '%s' does not exist", norm);
	}
	hr = cimom_check_access(s, canon, CIMOM_ACCESS_ENABLE_ACCOUNT, ei);
	if (hr_failed(hr)) {
		return hr;
	}
	*out = canon;
	return HR_OK;
}

/* Converts a path key to a value of the key property's type in [dst]. */
static hresult key_value(void *mem,
                         const struct cim_property *prop,
                         const struct objpath_key *k,
                         struct cim_value *dst,
                         struct errinfo *ei)
{
	struct cim_value v = { 0 };
	uint32_t base = cim_type_base(prop->type);
	hresult hr;

	switch (k->type) {
	case OBJPATH_KEY_STRING:
	case OBJPATH_KEY_REF:
		/* A reference key keeps its type: no re-parse on convert. */
		v.type = base == CIM_T_REFERENCE ? CIM_T_REFERENCE
		                                 : CIM_T_STRING;
		v.v.s = k->s;
		break;
	case OBJPATH_KEY_SINT:
		v.type = CIM_T_SINT64;
		v.v.i = k->i;
		break;
	case OBJPATH_KEY_UINT:
		v.type = CIM_T_UINT64;
		v.v.u = k->u;
		break;
	case OBJPATH_KEY_BOOL:
		v.type = CIM_T_BOOLEAN;
		v.v.b = k->b;
		break;
	}
	/* Win32_Process.Handle=1234: a number for a string key. */
	if (base == CIM_T_STRING &&
	    (k->type == OBJPATH_KEY_SINT || k->type == OBJPATH_KEY_UINT)) {
		v.type = CIM_T_STRING;
		v.v.s = k->type == OBJPATH_KEY_SINT
		                ? talloc_asprintf(mem, "%" PRId64, k->i)
		                : talloc_asprintf(mem, "%" PRIu64, k->u);
		if (v.v.s == NULL) {
			return hr_raise(HR_E_OUTOFMEMORY);
		}
	}
	if (cim_type_is_array(prop->type)) {
		return err_set(ei, HR_WBEM_E_INVALID_OBJECT_PATH, CIMOM_LAYER,
		               "key '%s' is an array", prop->name);
	}
	hr = cim_value_convert(mem, dst, &v, prop->type);
	if (hr_failed(hr)) {
		if (hr_eq(hr, HR_E_OUTOFMEMORY)) {
			return hr;
		}
		return err_set(ei, HR_WBEM_E_INVALID_OBJECT_PATH, CIMOM_LAYER,
		               "key '%s' has a value of the wrong type",
		               prop->name);
	}
	return HR_OK;
}

/*
 * Makes a key-only instance of [cls] from [n] (name, value) pairs and
 * returns its repository keystr.  Values must have the key types.
 */
static hresult keystr_from_values(void *mem,
                                  const struct cim_class *cls,
                                  struct cim_instance *inst,
                                  char **out,
                                  struct errinfo *ei)
{
	hresult hr;

	for (uint32_t k = 0; k < cls->n_keys; k++) {
		const struct cim_property *p = &cls->props[cls->key_index[k]];

		if (inst->values[cls->key_index[k]].null) {
			return err_set(ei, HR_WBEM_E_INVALID_OBJECT_PATH,
			               CIMOM_LAYER,
			               "path gives no value for key '%s' of "
			               "'%s'",
			               p->name, cls->name);
		}
	}
	hr = repo_keystr(mem, inst, out);
	if (hr_failed(hr)) {
		if (hr_eq(hr, HR_E_OUTOFMEMORY)) {
			return hr;
		}
		return err_set(ei, HR_WBEM_E_INVALID_OBJECT_PATH, CIMOM_LAYER,
		               "path does not name an instance of '%s' (%s)",
		               cls->name, hr_name(hr));
	}
	return HR_OK;
}

/* A bare instance of [cls] whose values are all NULL. */
static struct cim_instance *null_instance(void *mem,
                                          const struct cim_class *cls)
{
	struct cim_instance *inst = talloc_zero(mem, struct cim_instance);

	if (inst == NULL) {
		return NULL;
	}
	inst->cls = (struct cim_class *)cls;
	inst->values = talloc_array(inst, struct cim_value,
	                            cls->n_props ? cls->n_props : 1);
	if (inst->values == NULL) {
		talloc_free(inst);
		return NULL;
	}
	for (uint32_t i = 0; i < cls->n_props; i++) {
		inst->values[i] = cim_value_null(cls->props[i].type);
	}
	return inst;
}

hresult path_keystr(void *mem,
                    const struct cim_class *cls,
                    const struct objpath *p,
                    char **out,
                    struct errinfo *ei)
{
	struct cim_instance *inst;
	hresult hr;

	if (p->singleton) {
		if (cls->n_keys != 0) {
			return err_set(
			        ei, HR_WBEM_E_INVALID_OBJECT_PATH, CIMOM_LAYER,
			        "'%s' is not a singleton class", cls->name);
		}
		*out = talloc_strdup(mem, "@");
		return *out ? HR_OK : hr_raise(HR_E_OUTOFMEMORY);
	}
	if (p->n_keys == 0 || cls->n_keys == 0 || p->n_keys != cls->n_keys) {
		return err_set(ei, HR_WBEM_E_INVALID_OBJECT_PATH, CIMOM_LAYER,
		               "path gives %u keys, class '%s' has %u",
		               p->n_keys, cls->name, cls->n_keys);
	}
	inst = null_instance(mem, cls);
	if (inst == NULL) {
		return hr_raise(HR_E_OUTOFMEMORY);
	}
	for (uint32_t i = 0; i < p->n_keys; i++) {
		const struct objpath_key *k = &p->keys[i];
		int32_t idx;

		if (k->name == NULL) {
			idx = (int32_t)cls->key_index[0];
		} else {
			idx = cim_class_find_prop(cls, k->name);
		}
		if (idx < 0 || !cls->props[idx].key) {
			return err_set(ei, HR_WBEM_E_INVALID_OBJECT_PATH,
			               CIMOM_LAYER,
			               "'%s' is not a key of class '%s'",
			               k->name ? k->name : "", cls->name);
		}
		hr = key_value(inst, &cls->props[idx], k, &inst->values[idx],
		               ei);
		if (hr_failed(hr)) {
			return hr;
		}
	}
	return keystr_from_values(mem, cls, inst, out, ei);
}

/* Maps the repository's "no such class" to the caller's code. */
static hresult class_get(struct cimom_session *s,
                         void *mem,
                         const char *ns,
                         const char *name,
                         hresult missing,
                         struct cim_class **out,
                         struct errinfo *ei)
{
	hresult hr = repo_class_get(s->cm->repo, mem, ns, name, out);

	if (hr_eq(hr, HR_WBEM_E_NOT_FOUND)) {
		return err_set(ei, missing, CIMOM_LAYER,
		               "class '%s' does not exist in '%s'", name, ns);
	}
	if (hr_failed(hr)) {
		return err_set(ei, hr, CIMOM_LAYER, "cannot read class '%s'",
		               name);
	}
	return HR_OK;
}

static void provider_call_init(struct cimom_provider_call *call,
                               struct cimom_session *s,
                               void *mem,
                               const char *ns,
                               const char *provider,
                               const struct cim_class *cls,
                               uint32_t flags)
{
	memset(call, 0, sizeof(*call));
	call->identity = &s->id;
	call->ns = ns;
	call->provider = provider;
	call->cls = cls;
	call->flags = flags;
	call->mem = mem;
}

static hresult provider_for(struct cimom_session *s,
                            const char *name,
                            const struct cim_class *cls,
                            const struct cimom_provider_hooks **out,
                            struct errinfo *ei)
{
	*out = cimom_provider_find(s->cm, name);
	if (*out == NULL) {
		return err_set(ei, HR_WBEM_E_PROVIDER_NOT_FOUND, CIMOM_LAYER,
		               "provider '%s' of class '%s' is not registered",
		               name, cls->name);
	}
	return HR_OK;
}

static hresult not_capable(const char *prov,
                           const char *what,
                           struct errinfo *ei)
{
	return err_set(ei, HR_WBEM_E_PROVIDER_NOT_CAPABLE, CIMOM_LAYER,
	               "provider '%s' does not support %s", prov, what);
}

hresult fetch_instance(struct cimom_session *s,
                       void *mem,
                       const char *ns,
                       const struct objpath *p,
                       struct cim_instance **out,
                       struct errinfo *ei)
{
	struct cim_class *cls = NULL;
	const char *prov = NULL;
	char *keystr = NULL;
	hresult hr;

	hr = class_get(s, mem, ns, p->cls, HR_WBEM_E_INVALID_CLASS, &cls, ei);
	if (hr_failed(hr)) {
		return hr;
	}
	if (hr_eq(class_provider(cls, &prov), HR_OK)) {
		const struct cimom_provider_hooks *h;
		struct cimom_provider_call call;

		hr = provider_for(s, prov, cls, &h, ei);
		if (hr_failed(hr)) {
			return hr;
		}
		if (h->get_instance == NULL) {
			return not_capable(prov, "GetObject", ei);
		}
		provider_call_init(&call, s, mem, ns, prov, cls, 0);
		return h->get_instance(h->arg, &call, p, out, ei);
	}
	hr = path_keystr(mem, cls, p, &keystr, ei);
	if (hr_failed(hr)) {
		return hr;
	}
	hr = repo_instance_get(s->cm->repo, mem, ns, cls->name, keystr, out);
	if (hr_eq(hr, HR_WBEM_E_NOT_FOUND)) {
		return err_set(ei, hr, CIMOM_LAYER, "no instance %s.%s in '%s'",
		               cls->name, keystr, ns);
	}
	if (hr_failed(hr)) {
		return err_set(ei, hr, CIMOM_LAYER, "cannot read instance");
	}
	return HR_OK;
}

/* ---- walking instances ---------------------------------------------- */

struct cimom_result {
	struct cimom_session *s;
	const struct cim_class *cls; /* the class the provider serves */
	inst_cb *cb;
	void *arg;
	hresult stop; /* the first failure of cb */
};

hresult cimom_result_put(struct cimom_result *res,
                         const struct cim_instance *inst)
{
	hresult hr;

	if (hr_failed(res->stop)) {
		return res->stop;
	}
	if (inst == NULL || inst->cls == NULL) {
		return hr_raise(HR_WBEM_E_INVALID_PARAMETER);
	}
	res->s->stats.instances_scanned++;
	hr = res->cb(res->arg, (struct cim_instance *)inst);
	if (hr_failed(hr)) {
		res->stop = hr;
	}
	return hr;
}

struct walk_class {
	char *name;
	char *provider; /* NULL for static */
};

struct walk_list {
	void *mem;
	struct walk_class *v;
	uint32_t n;
};

static hresult walk_add(struct walk_list *wl, const struct cim_class *cls)
{
	struct walk_class *nv;
	const char *prov = NULL;

	nv = talloc_realloc(wl->mem, wl->v, struct walk_class, wl->n + 1);
	if (nv == NULL) {
		return hr_raise(HR_E_OUTOFMEMORY);
	}
	wl->v = nv;
	nv[wl->n].name = talloc_strdup(nv, cls->name);
	nv[wl->n].provider = NULL;
	if (hr_eq(class_provider(cls, &prov), HR_OK)) {
		nv[wl->n].provider = talloc_strdup(nv, prov);
		if (nv[wl->n].provider == NULL) {
			return hr_raise(HR_E_OUTOFMEMORY);
		}
	}
	if (nv[wl->n].name == NULL) {
		return hr_raise(HR_E_OUTOFMEMORY);
	}
	wl->n++;
	return HR_OK;
}

static hresult walk_add_cb(void *arg, struct cim_class *resolved)
{
	return walk_add(arg, resolved);
}

struct scan_arg {
	struct cimom_session *s;
	inst_cb *cb;
	void *arg;
};

static hresult scan_cb(void *arg, struct cim_instance *inst)
{
	struct scan_arg *sa = arg;

	sa->s->stats.instances_scanned++;
	return sa->cb(sa->arg, inst);
}

static hresult walk_dynamic(struct cimom_session *s,
                            void *mem,
                            const char *ns,
                            const struct walk_class *wc,
                            inst_cb *cb,
                            void *arg,
                            struct errinfo *ei)
{
	const struct cimom_provider_hooks *h;
	struct cimom_provider_call call;
	struct cimom_result res = { .s = s, .cb = cb, .arg = arg };
	struct cim_class *cls = NULL;
	hresult hr;

	hr = class_get(s, mem, ns, wc->name, HR_WBEM_E_INVALID_CLASS, &cls, ei);
	if (hr_failed(hr)) {
		return hr;
	}
	hr = provider_for(s, wc->provider, cls, &h, ei);
	if (hr_failed(hr)) {
		return hr;
	}
	res.cls = cls;
	provider_call_init(&call, s, mem, ns, wc->provider, cls, 0);
	if (s->cur_query != NULL && h->exec_query != NULL) {
		/* The provider may narrow the query; select_cb still filters.
		 */
		hr = h->exec_query(h->arg, &call, s->cur_query, &res, ei);
	} else if (h->enum_instances == NULL) {
		return not_capable(wc->provider, "enumeration", ei);
	} else {
		hr = h->enum_instances(h->arg, &call, &res, ei);
	}
	if (hr_failed(res.stop)) {
		return res.stop;
	}
	return hr;
}

hresult walk_instances(struct cimom_session *s,
                       void *mem,
                       const char *ns,
                       const struct cim_class *cls,
                       bool deep,
                       inst_cb *cb,
                       void *arg,
                       struct errinfo *ei)
{
	struct walk_list wl = { .mem = talloc_new(mem) };
	struct scan_arg sa = { .s = s, .cb = cb, .arg = arg };
	hresult hr;

	if (wl.mem == NULL) {
		return hr_raise(HR_E_OUTOFMEMORY);
	}
	hr = walk_add(&wl, cls);
	if (hr_ok(hr) && deep) {
		hr = repo_class_enum(s->cm->repo, wl.mem, ns, cls->name, true,
		                     walk_add_cb, &wl);
		if (hr_failed(hr) && !hr_eq(hr, HR_E_OUTOFMEMORY)) {
			hr = err_set(ei, hr, CIMOM_LAYER,
			             "cannot list subclasses of '%s'",
			             cls->name);
		}
	}
	for (uint32_t i = 0; hr_ok(hr) && i < wl.n; i++) {
		s->stats.class_scans++;
		if (wl.v[i].provider != NULL) {
			hr = walk_dynamic(s, wl.mem, ns, &wl.v[i], cb, arg, ei);
			continue;
		}
		hr = repo_instance_enum(s->cm->repo, wl.mem, ns, wl.v[i].name,
		                        false, scan_cb, &sa);
	}
	talloc_free(wl.mem);
	return hr;
}

/* ---- GetObject ------------------------------------------------------ */

static hresult get_object(struct cimom_session *s,
                          void *mem,
                          const char *path,
                          struct cim_object **out,
                          struct errinfo *ei)
{
	void *tmp = talloc_new(NULL);
	struct objpath *p = NULL;
	struct cim_object *o;
	const char *ns;
	hresult hr;

	o = talloc_zero(tmp, struct cim_object);
	if (tmp == NULL || o == NULL) {
		hr = hr_raise(HR_E_OUTOFMEMORY);
		goto out;
	}
	if (path == NULL || path[0] == '\0') {
		o->is_class = true;
		o->u.cls = cim_class_new(o, NULL, NULL);
		hr = o->u.cls ? HR_OK : hr_raise(HR_E_OUTOFMEMORY);
		ns = s->ns;
		goto decorate;
	}
	hr = objpath_parse(tmp, path, &p, ei);
	if (hr_failed(hr)) {
		goto out;
	}
	if (p->cls == NULL) {
		hr = err_set(ei, HR_WBEM_E_INVALID_OBJECT_PATH, CIMOM_LAYER,
		             "'%s' names no class", path);
		goto out;
	}
	hr = path_namespace(s, tmp, p, &ns, ei);
	if (hr_failed(hr)) {
		goto out;
	}
	if (p->n_keys == 0 && !p->singleton) {
		o->is_class = true;
		hr = class_get(s, o, ns, p->cls, HR_WBEM_E_NOT_FOUND, &o->u.cls,
		               ei);
		if (hr_failed(hr)) {
			goto out;
		}
	} else {
		hr = fetch_instance(s, o, ns, p, &o->u.inst, ei);
		if (hr_failed(hr)) {
			goto out;
		}
	}
decorate:
	if (hr_ok(hr)) {
		char *srv = talloc_strdup(o, s->cm->server);
		char *nsc = talloc_strdup(o, ns);

		if (srv == NULL || nsc == NULL) {
			hr = hr_raise(HR_E_OUTOFMEMORY);
			goto out;
		}
		if (o->is_class) {
			o->u.cls->server = srv;
			o->u.cls->namespace = nsc;
		} else {
			o->u.inst->server = srv;
			o->u.inst->namespace = nsc;
		}
		*out = talloc_steal(mem, o);
	}
out:
	talloc_free(tmp);
	return hr;
}

hresult cimom_get_object(struct cimom_session *s,
                         void *mem,
                         const char *path,
                         uint32_t flags,
                         struct cim_object **out,
                         struct errinfo *ei)
{
	struct errinfo lei;
	hresult hr;

	(void)flags;
	err_clear(&lei);
	cimom_lock(s->cm);
	hr = cimom_check_access(s, s->ns, CIMOM_ACCESS_ENABLE_ACCOUNT, &lei);
	if (hr_ok(hr)) {
		hr = get_object(s, mem, path, out, &lei);
	}
	cimom_unlock(s->cm);
	return op_finish(s, "IWbemServices::GetObject", s->ns, path ? path : "",
	                 NULL, hr, &lei, ei);
}

/* ---- enumerations --------------------------------------------------- */

static hresult deliver_class_cb(void *arg, struct cim_class *resolved)
{
	return op_deliver_class(arg, resolved);
}

static hresult enum_classes(struct cimom_session *s,
                            const char *super,
                            uint32_t flags,
                            struct cimom_sink *sink,
                            struct errinfo *ei)
{
	void *tmp = talloc_new(NULL);
	struct op_ctx op;
	hresult hr;

	if (tmp == NULL) {
		return hr_raise(HR_E_OUTOFMEMORY);
	}
	hr = op_init(&op, tmp, s, s->ns, sink);
	if (hr_failed(hr)) {
		goto out;
	}
	if (super != NULL && super[0] == '\0') {
		super = NULL;
	}
	hr = repo_class_enum(s->cm->repo, tmp, s->ns, super,
	                     (flags & CIMOM_FLAG_SHALLOW) == 0,
	                     deliver_class_cb, &op);
	if (hr_eq(hr, HR_WBEM_E_NOT_FOUND)) {
		hr = err_set(ei, HR_WBEM_E_INVALID_CLASS, CIMOM_LAYER,
		             "class '%s' does not exist in '%s'", super, s->ns);
		goto out;
	}
	if (hr_ok(hr)) {
		hr = batch_flush(&op.batch);
	}
out:
	talloc_free(tmp);
	return hr;
}

typedef hresult (*enum_fn)(struct cimom_session *s,
                           const char *name,
                           uint32_t flags,
                           struct cimom_sink *sink,
                           struct errinfo *ei);

/* Runs an enumeration [fn] of [name] under the lock, after the namespace
 * access check, and finishes the operation as [opname]. */
static hresult run_enum(struct cimom_session *s,
                        const char *opname,
                        enum_fn fn,
                        const char *name,
                        uint32_t flags,
                        struct cimom_sink *sink,
                        struct errinfo *ei)
{
	struct errinfo lei;
	hresult hr;

	err_clear(&lei);
	cimom_lock(s->cm);
	hr = cimom_check_access(s, s->ns, CIMOM_ACCESS_ENABLE_ACCOUNT, &lei);
	if (hr_ok(hr)) {
		hr = fn(s, name, flags, sink, &lei);
	}
	cimom_unlock(s->cm);
	return op_finish(s, opname, s->ns, name ? name : "", sink, hr, &lei,
	                 ei);
}

hresult cimom_enum_classes(struct cimom_session *s,
                           const char *superclass,
                           uint32_t flags,
                           struct cimom_sink *sink,
                           struct errinfo *ei)
{
	return run_enum(s, "IWbemServices::CreateClassEnum", enum_classes,
	                superclass, flags, sink, ei);
}

static hresult deliver_inst_cb(void *arg, struct cim_instance *inst)
{
	return op_deliver_instance(arg, inst);
}

static hresult enum_instances(struct cimom_session *s,
                              const char *name,
                              uint32_t flags,
                              struct cimom_sink *sink,
                              struct errinfo *ei)
{
	void *tmp = talloc_new(NULL);
	struct cim_class *cls = NULL;
	struct op_ctx op;
	hresult hr;

	if (tmp == NULL) {
		return hr_raise(HR_E_OUTOFMEMORY);
	}
	if (name == NULL || name[0] == '\0') {
		hr = err_set(ei, HR_WBEM_E_INVALID_CLASS, CIMOM_LAYER,
		             "no class given");
		goto out;
	}
	hr = op_init(&op, tmp, s, s->ns, sink);
	if (hr_ok(hr)) {
		hr = class_get(s, tmp, s->ns, name, HR_WBEM_E_INVALID_CLASS,
		               &cls, ei);
	}
	if (hr_ok(hr)) {
		hr = walk_instances(s, tmp, s->ns, cls,
		                    (flags & CIMOM_FLAG_SHALLOW) == 0,
		                    deliver_inst_cb, &op, ei);
	}
	if (hr_ok(hr)) {
		hr = batch_flush(&op.batch);
	}
out:
	talloc_free(tmp);
	return hr;
}

hresult cimom_enum_instances(struct cimom_session *s,
                             const char *cls,
                             uint32_t flags,
                             struct cimom_sink *sink,
                             struct errinfo *ei)
{
	return run_enum(s, "IWbemServices::CreateInstanceEnum", enum_instances,
	                cls, flags, sink, ei);
}

/* ---- ExecQuery ------------------------------------------------------ */

hresult cimom_exec_query(struct cimom_session *s,
                         const char *language,
                         const char *query,
                         uint32_t flags,
                         struct cimom_sink *sink,
                         struct errinfo *ei)
{
	struct errinfo lei;
	void *tmp;
	hresult hr;

	err_clear(&lei);
	cimom_lock(s->cm);
	tmp = talloc_new(NULL);
	hr = tmp ? cimom_check_access(s, s->ns, CIMOM_ACCESS_ENABLE_ACCOUNT,
	                              &lei)
	         : hr_raise(HR_E_OUTOFMEMORY);
	if (hr_ok(hr)) {
		hr = query_exec(s, tmp, language, query, flags, sink, NULL,
		                &lei);
	}
	talloc_free(tmp);
	cimom_unlock(s->cm);
	return op_finish(s, "IWbemServices::ExecQuery", s->ns,
	                 query ? query : "", sink, hr, &lei, ei);
}

hresult cimom_explain(struct cimom_session *s,
                      void *mem,
                      const char *query,
                      char **out,
                      struct errinfo *ei)
{
	struct errinfo lei;
	struct buf b;
	void *tmp;
	hresult hr;

	err_clear(&lei);
	buf_init(&b, mem);
	cimom_lock(s->cm);
	tmp = talloc_new(NULL);
	hr = tmp ? HR_OK : hr_raise(HR_E_OUTOFMEMORY);
	if (hr_ok(hr)) {
		hr = query_exec(s, tmp, "WQL", query, 0, NULL, &b, &lei);
	}
	talloc_free(tmp);
	cimom_unlock(s->cm);
	if (hr_ok(hr) && hr_failed(b.error)) {
		hr = hr_raise(HR_E_OUTOFMEMORY);
	}
	if (hr_failed(hr)) {
		buf_release(&b);
		if (ei != NULL) {
			*ei = lei;
			ei->hr = hr;
		}
		return hr;
	}
	*out = buf_detach(&b, NULL);
	return HR_OK;
}

/* ---- Put / Delete --------------------------------------------------- */

hresult cimom_put_class(struct cimom_session *s,
                        const struct cim_class *cls,
                        uint32_t flags,
                        struct errinfo *ei)
{
	struct errinfo lei;
	hresult hr;

	err_clear(&lei);
	cimom_lock(s->cm);
	hr = cimom_check_access(s, s->ns, CIMOM_ACCESS_FULL_WRITE, &lei);
	if (hr_ok(hr) &&
	    (cls == NULL || cls->name == NULL || cls->name[0] == '\0')) {
		hr = err_set(&lei, HR_WBEM_E_INVALID_PARAMETER, CIMOM_LAYER,
		             "the class has no name");
	}
	if (hr_ok(hr)) {
		hr = repo_class_put(s->cm->repo, s->ns, cls,
		                    flags & REPO_PUT_MASK, &lei);
	}
	cimom_unlock(s->cm);
	return op_finish(s, "IWbemServices::PutClass", s->ns,
	                 cls && cls->name ? cls->name : "", NULL, hr, &lei, ei);
}

static bool is_namespace_class(const char *name)
{
	return name != NULL && utf8_casecmp(name, "__NAMESPACE") == 0;
}

/* A child namespace name: non-empty, no separators. */
static hresult check_ns_name(const char *name, struct errinfo *ei)
{
	if (name == NULL || name[0] == '\0' || strpbrk(name, "\\/") != NULL) {
		return err_set(ei, HR_WBEM_E_INVALID_PARAMETER, CIMOM_LAYER,
		               "'%s' is not a namespace name",
		               name ? name : "");
	}
	return HR_OK;
}

/*
 * Returns owned (NULL context: the caller frees) the path of child
 * namespace [name] of the session's namespace.  Errors: those of
 * check_ns_name, E_OUTOFMEMORY.
 */
static hresult child_ns_path(const struct cimom_session *s,
                             const char *name,
                             char **out,
                             struct errinfo *ei)
{
	hresult hr = check_ns_name(name, ei);

	if (hr_failed(hr)) {
		return hr;
	}
	*out = talloc_asprintf(NULL, "%s\\%s", s->ns, name);
	return *out != NULL ? HR_OK : hr_raise(HR_E_OUTOFMEMORY);
}

static hresult ns_create(struct cimom_session *s,
                         const char *name,
                         struct errinfo *ei)
{
	char *full = NULL;
	hresult hr = child_ns_path(s, name, &full, ei);

	if (hr_failed(hr)) {
		return hr;
	}
	hr = repo_ns_create(s->cm->repo, full, ei);
	talloc_free(full);
	return hr;
}

static hresult ns_delete(struct cimom_session *s,
                         const char *name,
                         struct errinfo *ei)
{
	char *full = NULL;
	hresult hr = child_ns_path(s, name, &full, ei);

	if (hr_failed(hr)) {
		return hr;
	}
	hr = repo_ns_delete(s->cm->repo, full, NULL);
	if (hr_eq(hr, HR_WBEM_E_INVALID_NAMESPACE)) {
		hr = err_set(ei, HR_WBEM_E_NOT_FOUND, CIMOM_LAYER,
		             "namespace '%s' does not exist", full);
	} else if (hr_failed(hr)) {
		hr = err_set(ei, hr, CIMOM_LAYER,
		             "cannot delete namespace '%s'", full);
	}
	talloc_free(full);
	return hr;
}

static hresult put_instance(struct cimom_session *s,
                            void *mem,
                            const struct cim_instance *inst,
                            uint32_t flags,
                            char **out_path,
                            struct errinfo *ei)
{
	void *tmp = talloc_new(NULL);
	struct cim_class *cls = NULL;
	const char *prov = NULL;
	hresult hr;

	if (tmp == NULL) {
		return hr_raise(HR_E_OUTOFMEMORY);
	}
	hr = class_get(s, tmp, s->ns, inst->cls->name, HR_WBEM_E_INVALID_CLASS,
	               &cls, ei);
	if (hr_failed(hr) && is_namespace_class(inst->cls->name)) {
		/* No __NAMESPACE class in this repository: still a namespace
		 * creation, as WMI does it. */
		const struct cim_value *v = cim_instance_get(inst, "Name");

		err_clear(ei);
		if (v == NULL || v->null ||
		    cim_type_base(v->type) != CIM_T_STRING) {
			hr = err_set(ei, HR_WBEM_E_ILLEGAL_NULL, CIMOM_LAYER,
			             "__NAMESPACE instance without a Name");
			goto out;
		}
		hr = ns_create(s, v->v.s, ei);
		goto path;
	}
	if (hr_failed(hr)) {
		goto out;
	}
	if (hr_eq(class_provider(cls, &prov), HR_OK)) {
		const struct cimom_provider_hooks *h;
		struct cimom_provider_call call;

		hr = provider_for(s, prov, cls, &h, ei);
		if (hr_failed(hr)) {
			goto out;
		}
		if (h->put_instance == NULL) {
			hr = not_capable(prov, "PutInstance", ei);
			goto out;
		}
		provider_call_init(&call, s, tmp, s->ns, prov, cls, flags);
		hr = h->put_instance(h->arg, &call, inst, ei);
	} else {
		hr = repo_instance_put(s->cm->repo, s->ns, inst,
		                       flags & REPO_PUT_MASK, ei);
	}
path:
	if (hr_ok(hr) && out_path != NULL) {
		hresult phr = cim_instance_relpath(mem, inst, out_path);

		if (hr_failed(phr)) {
			*out_path = NULL;
		}
	}
out:
	talloc_free(tmp);
	return hr;
}

hresult cimom_put_instance(struct cimom_session *s,
                           void *mem,
                           const struct cim_instance *inst,
                           uint32_t flags,
                           char **out_path,
                           struct errinfo *ei)
{
	struct errinfo lei;
	hresult hr;

	err_clear(&lei);
	cimom_lock(s->cm);
	hr = cimom_check_access(s, s->ns, CIMOM_ACCESS_PARTIAL_WRITE, &lei);
	if (hr_ok(hr) &&
	    (inst == NULL || inst->cls == NULL || inst->cls->name == NULL)) {
		hr = err_set(&lei, HR_WBEM_E_INVALID_PARAMETER, CIMOM_LAYER,
		             "no instance given");
	}
	if (hr_ok(hr)) {
		hr = put_instance(s, mem, inst, flags, out_path, &lei);
	}
	cimom_unlock(s->cm);
	return op_finish(s, "IWbemServices::PutInstance", s->ns,
	                 inst && inst->cls && inst->cls->name ? inst->cls->name
	                                                      : "",
	                 NULL, hr, &lei, ei);
}

hresult cimom_delete_class(struct cimom_session *s,
                           const char *cls,
                           uint32_t flags,
                           struct errinfo *ei)
{
	struct errinfo lei;
	hresult hr;

	(void)flags;
	err_clear(&lei);
	cimom_lock(s->cm);
	hr = cimom_check_access(s, s->ns, CIMOM_ACCESS_FULL_WRITE, &lei);
	if (hr_ok(hr) && (cls == NULL || cls[0] == '\0')) {
		hr = err_set(&lei, HR_WBEM_E_INVALID_PARAMETER, CIMOM_LAYER,
		             "no class given");
	}
	if (hr_ok(hr)) {
		hr = repo_class_delete(s->cm->repo, s->ns, cls, &lei);
	}
	cimom_unlock(s->cm);
	return op_finish(s, "IWbemServices::DeleteClass", s->ns, cls ? cls : "",
	                 NULL, hr, &lei, ei);
}

static hresult delete_instance(struct cimom_session *s,
                               const char *path,
                               struct errinfo *ei)
{
	void *tmp = talloc_new(NULL);
	struct objpath *p = NULL;
	struct cim_class *cls = NULL;
	const char *ns, *prov = NULL;
	char *keystr = NULL;
	hresult hr;

	if (tmp == NULL) {
		return hr_raise(HR_E_OUTOFMEMORY);
	}
	hr = objpath_parse(tmp, path ? path : "", &p, ei);
	if (hr_failed(hr)) {
		goto out;
	}
	if (p->cls == NULL || (p->n_keys == 0 && !p->singleton)) {
		hr = err_set(ei, HR_WBEM_E_INVALID_OBJECT_PATH, CIMOM_LAYER,
		             "'%s' is not an instance path", path);
		goto out;
	}
	hr = path_namespace(s, tmp, p, &ns, ei);
	if (hr_failed(hr)) {
		goto out;
	}
	hr = class_get(s, tmp, ns, p->cls, HR_WBEM_E_INVALID_CLASS, &cls, ei);
	if (hr_failed(hr) && is_namespace_class(p->cls) && p->n_keys == 1 &&
	    (p->keys[0].type == OBJPATH_KEY_STRING) && ns == s->ns) {
		err_clear(ei);
		hr = ns_delete(s, p->keys[0].s, ei);
		goto out;
	}
	if (hr_failed(hr)) {
		goto out;
	}
	if (hr_eq(class_provider(cls, &prov), HR_OK)) {
		const struct cimom_provider_hooks *h;
		struct cimom_provider_call call;

		hr = provider_for(s, prov, cls, &h, ei);
		if (hr_failed(hr)) {
			goto out;
		}
		if (h->delete_instance == NULL) {
			hr = not_capable(prov, "DeleteInstance", ei);
			goto out;
		}
		provider_call_init(&call, s, tmp, ns, prov, cls, 0);
		hr = h->delete_instance(h->arg, &call, p, ei);
		goto out;
	}
	hr = path_keystr(tmp, cls, p, &keystr, ei);
	if (hr_ok(hr)) {
		hr = repo_instance_delete(s->cm->repo, ns, cls->name, keystr,
		                          ei);
	}
out:
	talloc_free(tmp);
	return hr;
}

hresult cimom_delete_instance(struct cimom_session *s,
                              const char *path,
                              uint32_t flags,
                              struct errinfo *ei)
{
	struct errinfo lei;
	hresult hr;

	(void)flags;
	err_clear(&lei);
	cimom_lock(s->cm);
	hr = cimom_check_access(s, s->ns, CIMOM_ACCESS_PARTIAL_WRITE, &lei);
	if (hr_ok(hr)) {
		hr = delete_instance(s, path, &lei);
	}
	cimom_unlock(s->cm);
	return op_finish(s, "IWbemServices::DeleteInstance", s->ns,
	                 path ? path : "", NULL, hr, &lei, ei);
}

/* Runs the namespace change [fn] of [name] under the lock, after the
 * write access check, and finishes it as [opname] on its __NAMESPACE
 * instance. */
static hresult run_ns_change(struct cimom_session *s,
                             const char *opname,
                             hresult (*fn)(struct cimom_session *s,
                                           const char *name,
                                           struct errinfo *ei),
                             const char *name,
                             struct errinfo *ei)
{
	struct errinfo lei;
	char *arg;
	hresult hr;

	err_clear(&lei);
	cimom_lock(s->cm);
	hr = cimom_check_access(s, s->ns, CIMOM_ACCESS_FULL_WRITE, &lei);
	if (hr_ok(hr)) {
		hr = fn(s, name, &lei);
	}
	cimom_unlock(s->cm);
	arg = talloc_asprintf(NULL, "__NAMESPACE.Name=\"%s\"",
	                      name ? name : "");
	hr = op_finish(s, opname, s->ns, arg ? arg : "__NAMESPACE", NULL, hr,
	               &lei, ei);
	talloc_free(arg);
	return hr;
}

hresult cimom_create_namespace(struct cimom_session *s,
                               const char *name,
                               struct errinfo *ei)
{
	return run_ns_change(s, "IWbemServices::PutInstance", ns_create, name,
	                     ei);
}

hresult cimom_delete_namespace(struct cimom_session *s,
                               const char *name,
                               struct errinfo *ei)
{
	return run_ns_change(s, "IWbemServices::DeleteInstance", ns_delete,
	                     name, ei);
}

/* ---- ExecMethod ----------------------------------------------------- */

static hresult exec_method(struct cimom_session *s,
                           void *mem,
                           const char *path,
                           const char *method,
                           const struct cim_instance *in,
                           uint32_t flags,
                           struct cim_instance **out,
                           struct errinfo *ei)
{
	void *tmp = talloc_new(NULL);
	struct objpath *p = NULL;
	struct cim_class *cls = NULL;
	const struct cim_qualifier *q;
	const struct cimom_provider_hooks *h;
	struct cimom_provider_call call;
	const char *ns;
	hresult hr;

	if (tmp == NULL) {
		return hr_raise(HR_E_OUTOFMEMORY);
	}
	if (method == NULL || method[0] == '\0') {
		hr = err_set(ei, HR_WBEM_E_INVALID_PARAMETER, CIMOM_LAYER,
		             "no method name given");
		goto out;
	}
	hr = objpath_parse(tmp, path ? path : "", &p, ei);
	if (hr_failed(hr)) {
		goto out;
	}
	if (p->cls == NULL) {
		hr = err_set(ei, HR_WBEM_E_INVALID_OBJECT_PATH, CIMOM_LAYER,
		             "'%s' names no class", path);
		goto out;
	}
	hr = path_namespace(s, tmp, p, &ns, ei);
	if (hr_failed(hr)) {
		goto out;
	}
	hr = class_get(s, tmp, ns, p->cls, HR_WBEM_E_INVALID_CLASS, &cls, ei);
	if (hr_failed(hr)) {
		goto out;
	}
	if (cim_class_find_method(cls, method) == NULL) {
		hr = err_set(ei, HR_WBEM_E_INVALID_METHOD, CIMOM_LAYER,
		             "class '%s' has no method '%s'", cls->name,
		             method);
		goto out;
	}
	/* Methods are served by the class's provider, dynamic or not. */
	q = cim_qset_find(&cls->quals, "provider");
	if (q == NULL || q->value.null || q->value.type != CIM_T_STRING) {
		hr = err_set(ei, HR_WBEM_E_NOT_SUPPORTED, CIMOM_LAYER,
		             "class '%s' has no provider to run '%s'",
		             cls->name, method);
		goto out;
	}
	hr = provider_for(s, q->value.v.s, cls, &h, ei);
	if (hr_failed(hr)) {
		goto out;
	}
	if (h->exec_method == NULL) {
		hr = not_capable(q->value.v.s, "ExecMethod", ei);
		goto out;
	}
	provider_call_init(&call, s, mem, ns, q->value.v.s, cls, flags);
	*out = NULL;
	hr = h->exec_method(h->arg, &call, p, method, in, out, ei);
out:
	talloc_free(tmp);
	return hr;
}

hresult cimom_exec_method(struct cimom_session *s,
                          void *mem,
                          const char *path,
                          const char *method,
                          const struct cim_instance *in,
                          uint32_t flags,
                          struct cim_instance **out,
                          struct errinfo *ei)
{
	struct errinfo lei;
	char *arg;
	hresult hr;

	err_clear(&lei);
	cimom_lock(s->cm);
	hr = cimom_check_access(s, s->ns, CIMOM_ACCESS_EXECUTE_METHODS, &lei);
	if (hr_ok(hr)) {
		hr = exec_method(s, mem, path, method, in, flags, out, &lei);
	}
	cimom_unlock(s->cm);
	arg = talloc_asprintf(NULL, "%s::%s", path ? path : "",
	                      method ? method : "");
	hr = op_finish(s, "IWbemServices::ExecMethod", s->ns, arg ? arg : "",
	               NULL, hr, &lei, ei);
	talloc_free(arg);
	return hr;
}
