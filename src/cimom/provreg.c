/*
 * provreg: provider registrations from the repository, dispatched to
 * provider host processes (cimom layer).  See provreg.h.
 */
#include "cimom/provreg.h"

#include <pwd.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <talloc.h>
#include <unistd.h>

#include "base/utf.h"
#include "cim/datetime.h"
#include "cim/objpath.h"
#include "cimom/cimom-int.h"
#include "repo/repo.h"
#include "wql/wql.h"

#define REG_LAYER "provreg"

/* A registration instance and the provider its `provider` names. */
struct reg_ent {
	char *provider;            /* the name its reference gives */
	struct cim_instance *inst; /* owns a copy of its class */
};

/*
 * The registrations of one namespace as read from the repository: the
 * __Win32Provider instances and the instance and method registrations.
 * Valid while the repository's registration stamp stays the same.
 */
struct reg_ns {
	struct reg_ns *next;
	char *ns;
	bool has_provider_class; /* __Win32Provider exists in ns */
	struct cim_instance **providers;
	uint32_t n_providers;
	struct reg_ent *regs[2]; /* [0] instance, [1] method registrations */
	uint32_t n_regs[2];
};

struct cimom_provreg {
	struct cimom *cm;
	struct provhost *ph;
	char *provider_dir;
	struct provhost_quota quota;
	const char *cur_ns; /* namespace of the call in progress (5857) */
	/* registrations read so far, for stamp */
	void *cache_mem;
	struct reg_ns *cache;
	int64_t stamp;
	struct cimom_provreg_stats stats;
	/* the account of the service hosting models */
	uint32_t svc_uid, svc_gid;
	char *svc_user;
};

/* What an operation needs from the registrations. */
enum reg_kind {
	REG_ENUM,
	REG_GET,
	REG_PUT,
	REG_DELETE,
	REG_QUERY,
	REG_METHOD,
};

/*
 * Who a HostingModel's hosts run as (docs/internals/provider-abi.md):
 * LocalSystemHost[OrSelfHost] as root (Windows' LocalSystem); the service
 * models (NetworkServiceHost[OrSelfHost], LocalServiceHost, and no model,
 * which Windows reads as NetworkServiceHostOrSelfHost) as the registry's
 * unprivileged service account.
 */
enum host_model {
	MODEL_SERVICE,
	MODEL_SYSTEM,
};

struct reg {
	const char *name;    /* __Win32Provider.Name as stored */
	const char *library; /* absolute or as configured */
	bool query_levels;   /* QuerySupportLevels is set */
	enum host_model model;
};

/* ---- reading registrations ------------------------------------------- */

static const char *inst_str(const struct cim_instance *inst, const char *p)
{
	const struct cim_value *v = cim_instance_get(inst, p);

	if (v == NULL || v->null || cim_type_is_array(v->type) ||
	    (v->type != CIM_T_STRING && v->type != CIM_T_REFERENCE)) {
		return NULL;
	}
	return v->v.s;
}

static bool inst_bool(const struct cim_instance *inst, const char *p, bool def)
{
	const struct cim_value *v = cim_instance_get(inst, p);

	if (v == NULL || v->null || v->type != CIM_T_BOOLEAN) {
		return def;
	}
	return v->v.b;
}

/* The provider name a registration's `provider` reference points to. */
static char *ref_name(void *mem, const char *ref)
{
	struct objpath *p = NULL;
	char *name = NULL;

	if (ref == NULL || hr_failed(objpath_parse(mem, ref, &p, NULL))) {
		return NULL;
	}
	if (p->cls != NULL && p->n_keys == 1 &&
	    (utf8_casecmp(p->cls, "__Win32Provider") == 0 ||
	     utf8_casecmp(p->cls, "__Provider") == 0) &&
	    (p->keys[0].name == NULL ||
	     utf8_casecmp(p->keys[0].name, "Name") == 0) &&
	    p->keys[0].type == OBJPATH_KEY_STRING && p->keys[0].s != NULL) {
		name = talloc_strdup(mem, p->keys[0].s);
	}
	talloc_free(p);
	return name;
}

/* A copy of [inst] with its own copy of its class (the enumeration's
 * class dies with the callback). */
static struct cim_instance *inst_keep(void *mem,
                                      const struct cim_instance *inst)
{
	struct cim_instance *c = cim_instance_copy(mem, inst);

	if (c == NULL) {
		return NULL;
	}
	c->cls = cim_class_copy(c, inst->cls);
	if (c->cls == NULL) {
		talloc_free(c);
		return NULL;
	}
	return c;
}

struct load_arg {
	struct reg_ns *rn;
	int kind; /* -1 providers, 0 instance, 1 method registrations */
};

static hresult load_cb(void *arg, struct cim_instance *inst)
{
	struct load_arg *la = arg;
	struct reg_ns *rn = la->rn;
	struct cim_instance *c = inst_keep(rn, inst);

	if (c == NULL) {
		return hr_raise(HR_E_OUTOFMEMORY);
	}
	if (la->kind < 0) {
		struct cim_instance **v = talloc_realloc(rn, rn->providers,
		                                         struct cim_instance *,
		                                         rn->n_providers + 1);

		if (v == NULL) {
			return hr_raise(HR_E_OUTOFMEMORY);
		}
		rn->providers = v;
		v[rn->n_providers++] = c;
	} else {
		struct reg_ent *v = talloc_realloc(rn, rn->regs[la->kind],
		                                   struct reg_ent,
		                                   rn->n_regs[la->kind] + 1);

		if (v == NULL) {
			return hr_raise(HR_E_OUTOFMEMORY);
		}
		rn->regs[la->kind] = v;
		v[rn->n_regs[la->kind]].inst = c;
		/* NULL when it names no provider: never matches. */
		v[rn->n_regs[la->kind]].provider = ref_name(
		        c, inst_str(c, "provider"));
		rn->n_regs[la->kind]++;
	}
	return HR_OK;
}

/* Reads the registrations of [ns] from the repository. */
static hresult load_ns(struct cimom_provreg *pr,
                       const char *ns,
                       struct reg_ns **out)
{
	static const char *const reg_classes[2] = {
		"__InstanceProviderRegistration",
		"__MethodProviderRegistration",
	};
	struct repo *r = pr->cm->repo;
	struct reg_ns *rn = talloc_zero(pr->cache_mem, struct reg_ns);
	struct load_arg la = { .rn = rn, .kind = -1 };
	struct cim_class *cls = NULL;
	hresult hr;

	if (rn == NULL || (rn->ns = talloc_strdup(rn, ns)) == NULL) {
		talloc_free(rn);
		return hr_raise(HR_E_OUTOFMEMORY);
	}
	pr->stats.reg_reads++;
	hr = repo_class_get(r, rn, ns, "__Win32Provider", &cls);
	if (hr_ok(hr)) {
		rn->has_provider_class = true;
		talloc_free(cls);
		hr = repo_instance_enum(r, rn, ns, "__Win32Provider", false,
		                        load_cb, &la);
	} else if (hr_eq(hr, HR_WBEM_E_NOT_FOUND) ||
	           hr_eq(hr, HR_WBEM_E_INVALID_CLASS)) {
		hr = HR_OK;
	}
	for (int k = 0; k < 2 && hr_ok(hr); k++) {
		la.kind = k;
		hr = repo_instance_enum(r, rn, ns, reg_classes[k], false,
		                        load_cb, &la);
		if (hr_eq(hr, HR_WBEM_E_INVALID_CLASS) ||
		    hr_eq(hr, HR_WBEM_E_NOT_FOUND)) {
			hr = HR_OK;
		}
	}
	if (hr_failed(hr)) {
		talloc_free(rn);
		return hr;
	}
	*out = rn;
	return HR_OK;
}

/*
 * The registrations of [ns]: cached until the repository's registration
 * stamp moves (a class, a provider or a registration written by anyone:
 * this object manager, mofcomp on another handle), then read again.
 */
static hresult regs_of(struct cimom_provreg *pr,
                       const char *ns,
                       struct reg_ns **out)
{
	int64_t stamp = 0;
	struct reg_ns *rn;
	hresult hr;

	hr = repo_registration_stamp(pr->cm->repo, &stamp);
	if (hr_failed(hr)) {
		return hr;
	}
	if (pr->cache_mem == NULL || stamp != pr->stamp) {
		talloc_free(pr->cache_mem);
		pr->cache = NULL;
		pr->cache_mem = talloc_new(pr);
		if (pr->cache_mem == NULL) {
			return hr_raise(HR_E_OUTOFMEMORY);
		}
		pr->stamp = stamp;
	}
	for (rn = pr->cache; rn != NULL; rn = rn->next) {
		if (utf8_casecmp(rn->ns, ns) == 0) {
			*out = rn;
			return HR_OK;
		}
	}
	hr = load_ns(pr, ns, &rn);
	if (hr_failed(hr)) {
		return hr;
	}
	rn->next = pr->cache;
	pr->cache = rn;
	*out = rn;
	return HR_OK;
}

/* The __Win32Provider named [name] (case-insensitive), or NULL. */
static const struct cim_instance *find_provider(const struct reg_ns *rn,
                                                const char *name)
{
	for (uint32_t i = 0; i < rn->n_providers; i++) {
		const char *n = inst_str(rn->providers[i], "Name");

		if (n != NULL && utf8_casecmp(n, name) == 0) {
			return rn->providers[i];
		}
	}
	return NULL;
}

/* The first registration of [kind] naming provider [name], or NULL. */
static const struct cim_instance *find_reg(const struct reg_ns *rn,
                                           int kind,
                                           const char *name)
{
	for (uint32_t i = 0; i < rn->n_regs[kind]; i++) {
		const struct reg_ent *e = &rn->regs[kind][i];

		if (e->provider != NULL &&
		    utf8_casecmp(e->provider, name) == 0) {
			return e->inst;
		}
	}
	return NULL;
}

/* Checks HostingModel: S_OK, or a registration error in [ei]. */
static hresult check_hosting(const char *name,
                             const char *hm,
                             enum host_model *model,
                             struct errinfo *ei)
{
	static const struct {
		const char *name;
		enum host_model model;
	} ok[] = {
		{ "NetworkServiceHost", MODEL_SERVICE },
		{ "LocalServiceHost", MODEL_SERVICE },
		{ "LocalSystemHost", MODEL_SYSTEM },
		{ "NetworkServiceHostOrSelfHost", MODEL_SERVICE },
		{ "LocalSystemHostOrSelfHost", MODEL_SYSTEM },
	};
	static const char *const unsupported[] = { "SelfHost", "Decoupled" };
	char text[64];
	const char *colon;
	size_t n;

	*model = MODEL_SERVICE;
	if (hm == NULL) {
		return HR_OK;
	}
	colon = strchr(hm, ':');
	n = colon != NULL ? (size_t)(colon - hm) : strlen(hm);
	if (n >= sizeof(text)) {
		n = sizeof(text) - 1;
	}
	memcpy(text, hm, n);
	text[n] = '\0';
	for (size_t i = 0; i < sizeof(ok) / sizeof(ok[0]); i++) {
		if (utf8_casecmp(text, ok[i].name) == 0) {
			*model = ok[i].model;
			return HR_OK;
		}
	}
	for (size_t i = 0; i < sizeof(unsupported) / sizeof(unsupported[0]);
	     i++) {
		if (utf8_casecmp(text, unsupported[i]) == 0) {
			return err_set(
			        ei, HR_WBEM_E_INVALID_PROVIDER_REGISTRATION,
			        REG_LAYER,
			        "provider '%s': hosting model '%s' is not "
			        "supported (providers run in wmiprvse)",
			        name, hm);
		}
	}
	return err_set(ei, HR_WBEM_E_INVALID_PROVIDER_REGISTRATION, REG_LAYER,
	               "provider '%s': unknown hosting model '%s'", name, hm);
}

/* The library of provider instance [p], or NULL when it names none. */
static const char *library_of(struct cimom_provreg *pr,
                              void *mem,
                              const struct cim_instance *p)
{
	const char *lib = inst_str(p, "LibraryPath");
	size_t n;

	if (lib == NULL || lib[0] == '\0') {
		lib = inst_str(p, "CLSID");
		if (lib == NULL) {
			return NULL;
		}
		n = strlen(lib);
		if (strchr(lib, '/') == NULL &&
		    (n < 3 || strcmp(lib + n - 3, ".so") != 0)) {
			return NULL;
		}
	}
	if (lib[0] == '/' || pr->provider_dir == NULL) {
		return talloc_strdup(mem, lib);
	}
	return talloc_asprintf(mem, "%s/%s", pr->provider_dir, lib);
}

static const char *reg_class(enum reg_kind kind)
{
	return kind == REG_METHOD ? "__MethodProviderRegistration"
	                          : "__InstanceProviderRegistration";
}

/* Checks the Supports* flag of [kind]; S_OK or NOT_CAPABLE in [ei]. */
static hresult check_supports(const char *name,
                              enum reg_kind kind,
                              const struct cim_instance *reg,
                              struct errinfo *ei)
{
	const char *flag = NULL;
	bool def = false;

	switch (kind) {
	case REG_ENUM:
	case REG_QUERY:
		flag = "SupportsEnumeration";
		def = true;
		break;
	case REG_GET:
		flag = "SupportsGet";
		break;
	case REG_PUT:
		flag = "SupportsPut";
		break;
	case REG_DELETE:
		flag = "SupportsDelete";
		break;
	case REG_METHOD:
		return HR_OK;
	}
	if (inst_bool(reg, flag, def)) {
		return HR_OK;
	}
	return err_set(ei, HR_WBEM_E_PROVIDER_NOT_CAPABLE, REG_LAYER,
	               "provider '%s' is registered with %s = FALSE", name,
	               flag);
}

/*
 * Reads and checks the registration of the call's provider for [kind].
 * Returns S_OK with [out] filled (strings under [mem]) or the error.
 */
static hresult resolve(struct cimom_provreg *pr,
                       void *mem,
                       const struct cimom_provider_call *call,
                       enum reg_kind kind,
                       struct reg *out,
                       struct errinfo *ei)
{
	const char *name = call->provider;
	const struct cim_instance *p = NULL, *ri;
	struct reg_ns *rn = NULL;
	hresult hr;

	if (name == NULL || name[0] == '\0') {
		return err_set(ei, HR_WBEM_E_PROVIDER_NOT_FOUND, REG_LAYER,
		               "class '%s' is dynamic but names no provider",
		               call->cls->name);
	}
	hr = regs_of(pr, call->ns, &rn);
	if (hr_failed(hr)) {
		return err_set(ei, hr, REG_LAYER,
		               "cannot read the registration of provider '%s'",
		               name);
	}
	p = find_provider(rn, name);
	if (p == NULL) {
		return err_set(ei, HR_WBEM_E_PROVIDER_NOT_FOUND, REG_LAYER,
		               "provider '%s' of class '%s' is not registered "
		               "in '%s' (no __Win32Provider.Name=\"%s\")",
		               name, call->cls->name, call->ns, name);
	}
	/* Copies: a nested call may read the registrations again. */
	out->name = talloc_strdup(mem, inst_str(p, "Name") ? inst_str(p, "Name")
	                                                   : name);
	if (out->name == NULL) {
		return hr_raise(HR_E_OUTOFMEMORY);
	}
	if (!inst_bool(p, "Enabled", true)) {
		return err_set(ei, HR_WBEM_E_PROVIDER_DISABLED, REG_LAYER,
		               "provider '%s' is disabled (Enabled = FALSE)",
		               out->name);
	}
	hr = check_hosting(out->name, inst_str(p, "HostingModel"), &out->model,
	                   ei);
	if (hr_failed(hr)) {
		return hr;
	}
	out->library = library_of(pr, mem, p);
	if (out->library == NULL) {
		return err_set(ei, HR_WBEM_E_INVALID_PROVIDER_REGISTRATION,
		               REG_LAYER,
		               "provider '%s' names no library (LibraryPath, "
		               "or a path in CLSID)",
		               out->name);
	}
	ri = find_reg(rn, kind == REG_METHOD ? 1 : 0, out->name);
	if (ri == NULL) {
		return err_set(ei, HR_WBEM_E_INVALID_PROVIDER_REGISTRATION,
		               REG_LAYER,
		               "provider '%s' has no %s for %s of class '%s'",
		               out->name, reg_class(kind),
		               kind == REG_METHOD ? "methods" : "instances",
		               call->cls->name);
	}
	out->query_levels = false;
	if (kind != REG_METHOD) {
		const struct cim_value *ql = cim_instance_get(
		        ri, "QuerySupportLevels");

		out->query_levels = ql != NULL && !ql->null &&
		                    cim_type_is_array(ql->type) &&
		                    ql->v.a.n > 0;
	}
	return check_supports(out->name, kind, ri, ei);
}

/* ---- requests ---------------------------------------------------------- */

static void req_init(struct cimom_provreg *pr,
                     struct provhost_req *rq,
                     uint8_t op,
                     const struct reg *reg,
                     const struct cimom_provider_call *call)
{
	const struct cimom_identity *id = call->identity;

	memset(rq, 0, sizeof(*rq));
	rq->op = op;
	rq->target.provider = reg->name;
	rq->target.library = reg->library;
	if (id != NULL && id->impersonate && id->has_unix_ids) {
		rq->target.impersonate = true;
		rq->target.uid = id->uid;
		rq->target.gid = id->gid;
	} else if (reg->model == MODEL_SERVICE) {
		rq->target.service_account = true;
		rq->target.uid = pr->svc_uid;
		rq->target.gid = pr->svc_gid;
	}
	rq->ns = call->ns;
	rq->user = id != NULL && id->user != NULL ? id->user : "";
	rq->domain = id != NULL ? id->domain : NULL;
	rq->has_unix_ids = id != NULL && id->has_unix_ids;
	rq->uid = id != NULL ? id->uid : 0;
	rq->gid = id != NULL ? id->gid : 0;
	rq->flags = call->flags;
	rq->cls = call->cls;
	pr->cur_ns = call->ns;
}

/* Text of an object path key, as the provider ABI gives it. */
static const char *key_text(void *mem, const struct objpath_key *k)
{
	switch (k->type) {
	case OBJPATH_KEY_SINT:
		return talloc_asprintf(mem, "%lld", (long long)k->i);
	case OBJPATH_KEY_UINT:
		return talloc_asprintf(mem, "%llu", (unsigned long long)k->u);
	case OBJPATH_KEY_BOOL:
		return k->b ? "TRUE" : "FALSE";
	default:
		return k->s != NULL ? k->s : "";
	}
}

/* The keys of instance path [p] of [cls] as name/value text pairs. */
static hresult path_kvs(void *mem,
                        const struct cim_class *cls,
                        const struct objpath *p,
                        struct provframe_kv **out,
                        uint32_t *n,
                        struct errinfo *ei)
{
	struct provframe_kv *kv;
	char *ks = NULL;
	hresult hr;

	*out = NULL;
	*n = 0;
	hr = cim_keystr_from_objpath(mem, cls, p, &ks, ei);
	if (hr_failed(hr)) {
		return hr;
	}
	if (p->n_keys == 0) {
		return HR_OK;
	}
	kv = talloc_zero_array(mem, struct provframe_kv, p->n_keys);
	if (kv == NULL) {
		return hr_raise(HR_E_OUTOFMEMORY);
	}
	for (uint32_t i = 0; i < p->n_keys; i++) {
		const struct objpath_key *k = &p->keys[i];

		kv[i].name = k->name;
		if (kv[i].name == NULL && cls->n_keys == 1) {
			kv[i].name = cls->props[cls->key_index[0]].name;
		}
		kv[i].value = key_text(mem, k);
		if (kv[i].name == NULL || kv[i].value == NULL) {
			return hr_raise(HR_E_OUTOFMEMORY);
		}
	}
	*out = kv;
	*n = p->n_keys;
	return HR_OK;
}

static const char *lit_text(void *mem, const struct cim_value *v)
{
	switch (v->type) {
	case CIM_T_STRING:
		return v->v.s;
	case CIM_T_SINT64:
		return talloc_asprintf(mem, "%lld", (long long)v->v.i);
	case CIM_T_UINT64:
		return talloc_asprintf(mem, "%llu", (unsigned long long)v->v.u);
	case CIM_T_REAL64:
		return talloc_asprintf(mem, "%.17g", v->v.r);
	case CIM_T_BOOLEAN:
		return v->v.b ? "TRUE" : "FALSE";
	default:
		return NULL;
	}
}

/* Adds `name = literal` of [e] to [kv] when it is such a comparison. */
static void add_eq(void *mem,
                   const struct cim_class *cls,
                   const struct wql_expr *e,
                   struct provframe_kv *kv,
                   uint32_t *n)
{
	const struct wql_cmp *c = &e->cmp;
	const char *val;

	if (e->kind != WQL_EXPR_CMP || c->op != WQL_OP_EQ || c->n_seg != 1 ||
	    c->lit.null || cim_sysprop_is(c->name) ||
	    cim_class_find_prop(cls, c->name) < 0 || *n >= PROVFRAME_MAX_KEYS) {
		return;
	}
	val = lit_text(mem, &c->lit);
	if (val != NULL) {
		kv[*n].name = c->name;
		kv[*n].value = val;
		(*n)++;
	}
}

/* The top-level `property = literal` terms of [query]'s WHERE. */
static void query_eqs(void *mem,
                      const struct cim_class *cls,
                      const char *query,
                      struct provframe_kv **out,
                      uint32_t *n)
{
	struct wql_query *q = NULL;
	struct provframe_kv *kv;

	*out = NULL;
	*n = 0;
	if (hr_failed(wql_parse(mem, query, NULL, &q, NULL)) ||
	    q->kind != WQL_SELECT || q->where == NULL) {
		return;
	}
	kv = talloc_zero_array(mem, struct provframe_kv, PROVFRAME_MAX_KEYS);
	if (kv == NULL) {
		return;
	}
	if (q->where->kind == WQL_EXPR_AND) {
		for (uint32_t i = 0; i < q->where->n_kids; i++) {
			add_eq(mem, cls, q->where->kids[i], kv, n);
		}
	} else {
		add_eq(mem, cls, q->where, kv, n);
	}
	*out = kv;
}

/* ---- result callbacks -------------------------------------------------- */

struct res_arg {
	struct cimom_provreg *pr;
	const struct cimom_provider_call *call;
	struct cimom_result *res;  /* enumerations and queries */
	struct cim_instance **get; /* GET: the copy */
};

static hresult res_put(void *arg, struct cim_instance *inst)
{
	struct res_arg *ra = arg;

	return cimom_result_put(ra->res, inst);
}

static hresult res_get(void *arg, struct cim_instance *inst)
{
	struct res_arg *ra = arg;

	if (*ra->get != NULL) {
		return HR_OK;
	}
	*ra->get = cim_instance_copy(ra->call->mem, inst);
	return *ra->get != NULL ? HR_OK : hr_raise(HR_E_OUTOFMEMORY);
}

/* Classes live in the call's context: results may outlive provhost_call. */
static hresult res_class(void *arg,
                         void *mem,
                         const char *name,
                         struct cim_class **out)
{
	struct res_arg *ra = arg;

	(void)mem;
	return repo_class_get(ra->pr->cm->repo, ra->call->mem, ra->call->ns,
	                      name, out);
}

/* ---- hooks ---------------------------------------------------------- */

static hresult do_stream(struct cimom_provreg *pr,
                         const struct cimom_provider_call *call,
                         const char *query,
                         struct cimom_result *res,
                         struct errinfo *ei)
{
	void *tmp = talloc_new(NULL);
	struct res_arg ra = { .pr = pr, .call = call, .res = res };
	struct provhost_results r = { res_put, res_class, &ra };
	struct provhost_req rq;
	struct reg reg;
	hresult hr;

	if (tmp == NULL) {
		return hr_raise(HR_E_OUTOFMEMORY);
	}
	hr = resolve(pr, tmp, call, query ? REG_QUERY : REG_ENUM, &reg, ei);
	if (hr_ok(hr)) {
		bool q = query != NULL && reg.query_levels;

		req_init(pr, &rq, q ? PROVFRAME_QUERY : PROVFRAME_ENUM, &reg,
		         call);
		if (q) {
			struct provframe_kv *eqs;

			rq.query = query;
			query_eqs(tmp, call->cls, query, &eqs, &rq.n_eqs);
			rq.eqs = eqs;
		}
		hr = provhost_call(pr->ph, &rq, &r, tmp, NULL, ei);
	}
	talloc_free(tmp);
	return hr;
}

static hresult hook_enum(void *arg,
                         const struct cimom_provider_call *call,
                         struct cimom_result *res,
                         struct errinfo *ei)
{
	return do_stream(arg, call, NULL, res, ei);
}

static hresult hook_query(void *arg,
                          const struct cimom_provider_call *call,
                          const char *query,
                          struct cimom_result *res,
                          struct errinfo *ei)
{
	return do_stream(arg, call, query, res, ei);
}

/* GET and DELETE share everything but the op. */
static hresult do_keyed(struct cimom_provreg *pr,
                        const struct cimom_provider_call *call,
                        const struct objpath *path,
                        enum reg_kind kind,
                        struct cim_instance **out,
                        struct errinfo *ei)
{
	void *tmp = talloc_new(NULL);
	struct cim_instance *got = NULL;
	struct res_arg ra = { .pr = pr, .call = call, .get = &got };
	struct provhost_results r = { res_get, res_class, &ra };
	struct provframe_kv *kv = NULL;
	struct provhost_req rq;
	struct reg reg;
	hresult hr;

	if (tmp == NULL) {
		return hr_raise(HR_E_OUTOFMEMORY);
	}
	hr = resolve(pr, tmp, call, kind, &reg, ei);
	if (hr_ok(hr)) {
		req_init(pr, &rq,
		         kind == REG_GET ? PROVFRAME_GET : PROVFRAME_DELETE,
		         &reg, call);
		hr = path_kvs(tmp, call->cls, path, &kv, &rq.n_keys, ei);
		rq.keys = kv;
		rq.has_keys = true;
	}
	if (hr_ok(hr)) {
		hr = provhost_call(pr->ph, &rq, &r, tmp, NULL, ei);
	}
	if (hr_ok(hr) && out != NULL) {
		*out = got;
	} else {
		talloc_free(got);
	}
	talloc_free(tmp);
	return hr;
}

static hresult hook_get(void *arg,
                        const struct cimom_provider_call *call,
                        const struct objpath *path,
                        struct cim_instance **out,
                        struct errinfo *ei)
{
	return do_keyed(arg, call, path, REG_GET, out, ei);
}

static hresult hook_delete(void *arg,
                           const struct cimom_provider_call *call,
                           const struct objpath *path,
                           struct errinfo *ei)
{
	return do_keyed(arg, call, path, REG_DELETE, NULL, ei);
}

static hresult hook_put(void *arg,
                        const struct cimom_provider_call *call,
                        const struct cim_instance *inst,
                        struct errinfo *ei)
{
	struct cimom_provreg *pr = arg;
	void *tmp = talloc_new(NULL);
	struct res_arg ra = { .pr = pr, .call = call };
	struct provhost_results r = { res_put, res_class, &ra };
	struct provhost_req rq;
	struct reg reg;
	hresult hr;

	if (tmp == NULL) {
		return hr_raise(HR_E_OUTOFMEMORY);
	}
	hr = resolve(pr, tmp, call, REG_PUT, &reg, ei);
	if (hr_ok(hr)) {
		req_init(pr, &rq, PROVFRAME_PUT, &reg, call);
		rq.inst = inst;
		hr = provhost_call(pr->ph, &rq, &r, tmp, NULL, ei);
	}
	talloc_free(tmp);
	return hr;
}

/* The out-parameters class of [m]: ReturnValue and the out parameters. */
static hresult out_class(void *mem,
                         const struct cim_method *m,
                         struct cim_class **out)
{
	struct cim_class *local = cim_class_new(mem, "__PARAMETERS", NULL);
	struct cim_property *p;

	*out = NULL;
	if (local == NULL) {
		return hr_raise(HR_E_OUTOFMEMORY);
	}
	if (m->return_type != CIM_T_EMPTY &&
	    cim_class_add_prop(local, "ReturnValue", m->return_type) == NULL) {
		return hr_raise(HR_E_OUTOFMEMORY);
	}
	for (uint32_t i = 0; i < m->n_params; i++) {
		const struct cim_param *pa = &m->params[i];

		if (!pa->out) {
			continue;
		}
		p = cim_class_add_prop(local, pa->name, pa->type);
		if (p == NULL) {
			return hr_raise(HR_E_OUTOFMEMORY);
		}
		if (pa->ref_class != NULL) {
			p->ref_class = talloc_strdup(local, pa->ref_class);
			if (p->ref_class == NULL) {
				return hr_raise(HR_E_OUTOFMEMORY);
			}
		}
	}
	if (local->n_props == 0) {
		return HR_OK;
	}
	return cim_class_resolve(mem, local, NULL, out, NULL);
}

static hresult hook_method(void *arg,
                           const struct cimom_provider_call *call,
                           const struct objpath *path,
                           const char *method,
                           const struct cim_instance *in,
                           struct cim_instance **out,
                           struct errinfo *ei)
{
	struct cimom_provreg *pr = arg;
	void *tmp = talloc_new(NULL);
	struct res_arg ra = { .pr = pr, .call = call };
	struct provhost_results r = { res_put, res_class, &ra };
	const struct cim_method *m;
	struct cim_class *ocls = NULL;
	struct provframe_kv *kv = NULL;
	struct provhost_req rq;
	struct reg reg;
	hresult hr;

	if (tmp == NULL) {
		return hr_raise(HR_E_OUTOFMEMORY);
	}
	hr = resolve(pr, tmp, call, REG_METHOD, &reg, ei);
	if (hr_ok(hr)) {
		req_init(pr, &rq, PROVFRAME_METHOD, &reg, call);
		m = cim_class_find_method(call->cls, method);
		hr = m != NULL ? out_class(call->mem, m, &ocls)
		               : HR_WBEM_E_INVALID_METHOD;
		rq.method = m != NULL ? m->name : method;
		rq.out_cls = ocls;
		rq.inst = in;
	}
	if (hr_ok(hr) && (path->n_keys > 0 || path->singleton)) {
		hr = path_kvs(tmp, call->cls, path, &kv, &rq.n_keys, ei);
		rq.keys = kv;
		rq.has_keys = true;
	}
	if (hr_ok(hr)) {
		hr = provhost_call(pr->ph, &rq, &r, call->mem, out, ei);
	}
	talloc_free(tmp);
	return hr;
}

/* ---- attach ------------------------------------------------------------ */

static void on_started(void *arg,
                       const char *provider,
                       const char *library,
                       uint32_t pid)
{
	struct cimom_provreg *pr = arg;
	struct cimom_activity_event ev = {
		.event_id = CIMOM_EVENT_PROVIDER_STARTED,
		.result_code = 0,
		.provider_name = (char *)provider,
		.host_process = (char *)"wmiprvse",
		.host_pid = pid,
		.provider_path = (char *)library,
		.ns = (char *)(pr->cur_ns != NULL ? pr->cur_ns : ""),
	};

	cimom_activity_write(pr->cm->activity, &ev);
}

/*
 * The idle timeout of provider hosts: ClearAfter of root's
 * __ObjectProviderCacheControl=@ (an interval), which is what Windows
 * unloads idle instance and method providers by; 0 (provhost's default,
 * Windows' 30 s) when there is none or it is not an interval.
 * __Win32Provider.UnloadTimeout is not read: Windows ignores it too.
 */
static uint32_t read_clear_after(struct cimom_provreg *pr)
{
	void *tmp = talloc_new(NULL);
	struct cim_instance *cc = NULL;
	const struct cim_value *v;
	struct cim_datetime dt;
	int64_t usec = 0;
	uint32_t ms = 0;

	if (tmp == NULL || hr_failed(repo_instance_get(
	                           pr->cm->repo, tmp, "root",
	                           "__ObjectProviderCacheControl", "@", &cc))) {
		talloc_free(tmp);
		return 0;
	}
	v = cim_instance_get(cc, "ClearAfter");
	if (v != NULL && !v->null &&
	    (v->type == CIM_T_DATETIME || v->type == CIM_T_STRING) &&
	    hr_ok(cim_datetime_parse(v->v.s, &dt)) && dt.interval &&
	    cim_datetime_to_usec(&dt, &usec) && usec >= 0) {
		uint64_t m = ((uint64_t)usec + 999u) / 1000u;

		/* 0 would mean "the default"; a zero interval is 1 ms. */
		ms = m == 0                     ? 1u
		     : m >= PROVHOST_IDLE_NEVER ? PROVHOST_IDLE_NEVER - 1u
		                                : (uint32_t)m;
	}
	talloc_free(tmp);
	return ms;
}

static void read_quota(struct cimom_provreg *pr)
{
	void *tmp = talloc_new(NULL);
	struct cim_instance *q = NULL;
	const struct cim_value *v;

	pr->quota.memory_per_host = PROVHOST_DEFAULT_MEMORY;
	pr->quota.threads_per_host = PROVHOST_DEFAULT_THREADS;
	pr->quota.handles_per_host = PROVHOST_DEFAULT_HANDLES;
	pr->quota.process_limit = PROVHOST_DEFAULT_HOSTS;
	pr->quota.memory_all_hosts = PROVHOST_DEFAULT_MEMORY_ALL;
	if (tmp == NULL ||
	    hr_failed(repo_instance_get(pr->cm->repo, tmp, "root",
	                                "__ProviderHostQuotaConfiguration", "@",
	                                &q))) {
		talloc_free(tmp);
		return;
	}
	v = cim_instance_get(q, "MemoryPerHost");
	if (v != NULL && !v->null && v->type == CIM_T_UINT64) {
		pr->quota.memory_per_host = v->v.u;
	}
	v = cim_instance_get(q, "MemoryAllHosts");
	if (v != NULL && !v->null && v->type == CIM_T_UINT64) {
		pr->quota.memory_all_hosts = v->v.u;
	}
	v = cim_instance_get(q, "ThreadsPerHost");
	if (v != NULL && !v->null && v->type == CIM_T_UINT32) {
		pr->quota.threads_per_host = (uint32_t)v->v.u;
	}
	v = cim_instance_get(q, "HandlesPerHost");
	if (v != NULL && !v->null && v->type == CIM_T_UINT32) {
		pr->quota.handles_per_host = (uint32_t)v->v.u;
	}
	v = cim_instance_get(q, "ProcessLimitAllHosts");
	if (v != NULL && !v->null && v->type == CIM_T_UINT32) {
		pr->quota.process_limit = (uint32_t)v->v.u;
	}
	talloc_free(tmp);
}

/* Looks up [name] in the user database; false when there is none. */
static bool user_ids(const char *name, uint32_t *uid, uint32_t *gid)
{
	struct passwd pw, *res = NULL;
	long sz = sysconf(_SC_GETPW_R_SIZE_MAX);
	char *buf;
	bool ok = false;

	if (sz <= 0 || sz > 1 << 20) {
		sz = 16384;
	}
	buf = malloc((size_t)sz);
	if (buf != NULL && getpwnam_r(name, &pw, buf, (size_t)sz, &res) == 0 &&
	    res != NULL) {
		*uid = (uint32_t)pw.pw_uid;
		*gid = (uint32_t)pw.pw_gid;
		ok = true;
	}
	free(buf);
	return ok;
}

/*
 * The service account: the configured user, else "openwmi" when it
 * exists, else "nobody", else uid/gid 65534 (nobody's customary ids).
 */
static hresult pick_service_account(struct cimom_provreg *pr,
                                    const char *want,
                                    struct errinfo *ei)
{
	const char *name = want;

	if (want != NULL) {
		if (!user_ids(want, &pr->svc_uid, &pr->svc_gid)) {
			return err_set(
			        ei, HR_WBEM_E_INVALID_PARAMETER, REG_LAYER,
			        "service account '%s' does not exist", want);
		}
	} else if (user_ids("openwmi", &pr->svc_uid, &pr->svc_gid)) {
		name = "openwmi";
	} else if (user_ids("nobody", &pr->svc_uid, &pr->svc_gid)) {
		name = "nobody";
	} else {
		name = "65534";
		pr->svc_uid = pr->svc_gid = 65534;
	}
	pr->svc_user = talloc_strdup(pr, name);
	return pr->svc_user != NULL ? HR_OK : hr_raise(HR_E_OUTOFMEMORY);
}

static int provreg_destructor(struct cimom_provreg *pr)
{
	/* The cimom may be mid-destruction (we may be its child): no lock. */
	if (pr->cm->has_fallback && pr->cm->fallback.arg == pr) {
		pr->cm->has_fallback = false;
	}
	return 0;
}

hresult cimom_provreg_attach(struct cimom *cm,
                             void *mem,
                             const struct cimom_provreg_config *cfg,
                             struct cimom_provreg **out,
                             struct errinfo *ei)
{
	struct cimom_provider_hooks hooks = {
		.name = "*",
		.enum_instances = hook_enum,
		.get_instance = hook_get,
		.put_instance = hook_put,
		.delete_instance = hook_delete,
		.exec_method = hook_method,
		.exec_query = hook_query,
	};
	struct provhost_config pc = { 0 };
	struct cimom_provreg *pr;
	hresult hr;

	if (cfg == NULL || cfg->host_path == NULL) {
		return err_set(ei, HR_WBEM_E_INVALID_PARAMETER, REG_LAYER,
		               "no provider host path");
	}
	if (cm->has_fallback) {
		return err_set(ei, HR_WBEM_E_ALREADY_EXISTS, REG_LAYER,
		               "a provider registry is already attached");
	}
	pr = talloc_zero(mem, struct cimom_provreg);
	if (pr == NULL) {
		return hr_raise(HR_E_OUTOFMEMORY);
	}
	pr->cm = cm;
	if (cfg->provider_dir != NULL) {
		pr->provider_dir = talloc_strdup(pr, cfg->provider_dir);
		if (pr->provider_dir == NULL) {
			talloc_free(pr);
			return hr_raise(HR_E_OUTOFMEMORY);
		}
	}
	hr = pick_service_account(pr, cfg->service_user, ei);
	if (hr_failed(hr)) {
		talloc_free(pr);
		return hr;
	}
	cimom_lock(cm);
	read_quota(pr);
	pc.idle_timeout_ms = read_clear_after(pr);
	cimom_unlock(cm);
	if (cfg->idle_timeout_ms != 0) {
		pc.idle_timeout_ms = cfg->idle_timeout_ms;
	}
	if (cfg->quota.memory_per_host != 0) {
		pr->quota.memory_per_host = cfg->quota.memory_per_host;
	}
	if (cfg->quota.threads_per_host != 0) {
		pr->quota.threads_per_host = cfg->quota.threads_per_host;
	}
	if (cfg->quota.handles_per_host != 0) {
		pr->quota.handles_per_host = cfg->quota.handles_per_host;
	}
	if (cfg->quota.process_limit != 0) {
		pr->quota.process_limit = cfg->quota.process_limit;
	}
	if (cfg->quota.memory_all_hosts != 0) {
		pr->quota.memory_all_hosts = cfg->quota.memory_all_hosts;
	}
	pc.host_path = cfg->host_path;
	pc.call_timeout_ms = cfg->call_timeout_ms;
	pc.quota = pr->quota;
	pc.log = cfg->log != NULL ? cfg->log : cm->log;
	pc.started = on_started;
	pc.started_arg = pr;
	hr = provhost_new(pr, &pc, &pr->ph);
	if (hr_failed(hr)) {
		talloc_free(pr);
		return err_set(ei, hr, REG_LAYER,
		               "cannot set up provider hosts");
	}
	hooks.arg = pr;
	cimom_set_provider_fallback(cm, &hooks);
	talloc_set_destructor(pr, provreg_destructor);
	*out = pr;
	return HR_OK;
}

struct provhost *cimom_provreg_hosts(struct cimom_provreg *pr)
{
	return pr->ph;
}

void cimom_provreg_quota(const struct cimom_provreg *pr,
                         struct provhost_quota *out)
{
	*out = pr->quota;
}

void cimom_provreg_get_stats(struct cimom_provreg *pr,
                             struct cimom_provreg_stats *out)
{
	cimom_lock(pr->cm);
	*out = pr->stats;
	cimom_unlock(pr->cm);
}

const char *cimom_provreg_service_account(const struct cimom_provreg *pr,
                                          uint32_t *uid,
                                          uint32_t *gid)
{
	if (uid != NULL) {
		*uid = pr->svc_uid;
	}
	if (gid != NULL) {
		*gid = pr->svc_gid;
	}
	return pr->svc_user;
}
