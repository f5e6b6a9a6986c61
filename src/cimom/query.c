/*
 * query: ExecQuery planning and execution for data and schema queries
 * (cimom layer).  ASSOCIATORS OF / REFERENCES OF are in assoc.c.
 *
 * Plans, in order of preference, for SELECT ... FROM C [WHERE w]:
 *  1. index: w pins every key of C with '=' (wql_key_equalities): one
 *     repo_instance_get, then w is evaluated on the one instance.  When
 *     C or a subclass of C is dynamic, the keys also go to the get of the
 *     provider of each dynamic class of the tree (as Windows passes
 *     `SELECT * FROM CIM_Process WHERE Handle = '1'` down to
 *     Win32_Process's provider); a provider that cannot get has its
 *     class scanned instead;
 *  2. class: w has a top-level `__CLASS = 'X'`: only X's own instances
 *     are scanned (nothing when X is not C or a subclass of C);
 *  3. scan: every instance of C and its subclasses, w evaluated on each.
 * With an explain buffer the plan is described and nothing is read.
 */
#include <string.h>
#include <talloc.h>

#include "base/buf.h"
#include "base/utf.h"
#include "cim/objpath.h"
#include "cimom/cimom-int.h"
#include "repo/repo.h"
#include "wql/wql.h"

struct select_arg {
	struct op_ctx *op;
	const struct wql_query *q;
};

static hresult select_cb(void *arg, struct cim_instance *inst)
{
	struct select_arg *sa = arg;
	bool match = false;
	hresult hr;

	hr = wql_eval(sa->q, inst, sa->op->s->cm->server, sa->op->ns, &match);
	if (hr_failed(hr)) {
		return hr;
	}
	if (!match) {
		return HR_OK;
	}
	return op_deliver_instance(sa->op, inst);
}

static bool derives_from(const struct cim_class *cls, const char *base)
{
	if (utf8_casecmp(cls->name, base) == 0) {
		return true;
	}
	for (uint32_t i = 0; i < cls->n_derivation; i++) {
		if (utf8_casecmp(cls->derivation[i], base) == 0) {
			return true;
		}
	}
	return false;
}

/* The dynamic classes of a tree: the FROM class and its subclasses. */
struct dyn_list {
	void *mem;
	struct cim_class **v;
	uint32_t n;
};

static hresult dyn_add(void *arg, struct cim_class *resolved)
{
	struct dyn_list *dl = arg;
	struct cim_class **nv;
	const char *prov = NULL;

	if (!hr_eq(class_provider(resolved, &prov), HR_OK)) {
		return HR_OK;
	}
	nv = talloc_realloc(dl->mem, dl->v, struct cim_class *, dl->n + 1);
	if (nv == NULL) {
		return hr_raise(HR_E_OUTOFMEMORY);
	}
	dl->v = nv;
	nv[dl->n] = cim_class_copy(dl->mem, resolved);
	if (nv[dl->n] == NULL) {
		return hr_raise(HR_E_OUTOFMEMORY);
	}
	dl->n++;
	return HR_OK;
}

/*
 * Plan 1 on dynamic class [dyn] of the FROM class's tree: the key values
 * [kv] go to its provider's GetObject, and the whole WHERE is evaluated
 * on what it returns.  A provider that cannot get has [dyn] scanned (its
 * own instances: the tree's other classes have their own turn).
 */
static hresult provider_get(struct op_ctx *op,
                            const struct wql_query *q,
                            struct cim_class *dyn,
                            const struct wql_keyval *kv,
                            uint32_t n,
                            struct buf *explain,
                            struct errinfo *ei)
{
	struct cimom_session *s = op->s;
	struct select_arg sa = { .op = op, .q = q };
	struct cim_instance *key, *inst = NULL;
	struct objpath *p = NULL;
	struct errinfo lei;
	char *relpath = NULL;
	hresult hr;

	key = cim_instance_new(op->mem, dyn);
	if (key == NULL) {
		return hr_raise(HR_E_OUTOFMEMORY);
	}
	for (uint32_t i = 0; i < n; i++) {
		int32_t idx = cim_class_find_prop(dyn, kv[i].name);

		if (idx < 0) {
			return HR_OK; /* not a key of this class: none */
		}
		key->values[idx] = kv[i].value;
	}
	hr = cim_instance_relpath(op->mem, key, &relpath);
	if (hr_ok(hr)) {
		hr = objpath_parse(op->mem, relpath, &p, NULL);
	}
	if (hr_failed(hr)) {
		return hr_eq(hr, HR_E_OUTOFMEMORY) ? hr : HR_OK;
	}
	if (explain != NULL) {
		buf_addf(explain, "provider get %s\n", relpath);
		return HR_OK;
	}
	err_clear(&lei);
	hr = fetch_instance(s, op->mem, op->ns, p, &inst, &lei);
	if (hr_eq(hr, HR_WBEM_E_PROVIDER_NOT_CAPABLE)) {
		s->cur_query = q->text;
		hr = walk_instances(s, op->mem, op->ns, dyn, false, select_cb,
		                    &sa, ei);
		s->cur_query = NULL;
		return hr;
	}
	if (hr_eq(hr, HR_WBEM_E_NOT_FOUND)) {
		return HR_OK;
	}
	if (hr_failed(hr)) {
		if (ei != NULL) {
			*ei = lei;
		}
		return hr;
	}
	s->stats.index_lookups++;
	s->stats.instances_scanned++;
	return select_cb(&sa, inst);
}

/*
 * Plan 1 when the FROM class [cls] or a subclass is dynamic: the stored
 * instances by key (a static FROM class), then each dynamic class's
 * provider get.  Returns S_FALSE when the tree has no dynamic class.
 */
static hresult try_dynamic_index(struct op_ctx *op,
                                 const struct wql_query *q,
                                 const struct cim_class *cls,
                                 const struct wql_keyval *kv,
                                 uint32_t n,
                                 const char *keystr,
                                 struct buf *explain,
                                 struct errinfo *ei)
{
	struct cimom_session *s = op->s;
	struct select_arg sa = { .op = op, .q = q };
	struct dyn_list dl = { .mem = op->mem };
	struct cim_instance *inst = NULL;
	const char *prov = NULL;
	bool dynamic_from;
	hresult hr;

	dynamic_from = hr_eq(class_provider(cls, &prov), HR_OK);
	hr = dyn_add(&dl, (struct cim_class *)cls);
	if (hr_ok(hr)) {
		hr = repo_class_enum(s->cm->repo, op->mem, op->ns, cls->name,
		                     true, dyn_add, &dl);
	}
	if (hr_failed(hr)) {
		return hr_eq(hr, HR_E_OUTOFMEMORY)
		               ? hr
		               : err_set(ei, hr, CIMOM_LAYER,
		                         "cannot list subclasses of '%s'",
		                         cls->name);
	}
	if (dl.n == 0) {
		return HR_S_FALSE;
	}
	if (!dynamic_from) {
		if (explain != NULL) {
			buf_addf(explain, "index %s %s\n", cls->name, keystr);
		} else {
			s->stats.index_lookups++;
			hr = repo_instance_get(s->cm->repo, op->mem, op->ns,
			                       cls->name, keystr, &inst);
			if (hr_ok(hr)) {
				s->stats.instances_scanned++;
				hr = select_cb(&sa, inst);
			} else if (hr_eq(hr, HR_WBEM_E_NOT_FOUND)) {
				hr = HR_OK;
			} else {
				return err_set(ei, hr, CIMOM_LAYER,
				               "cannot read instance %s.%s",
				               cls->name, keystr);
			}
		}
	}
	for (uint32_t i = 0; i < dl.n && hr_ok(hr); i++) {
		hr = provider_get(op, q, dl.v[i], kv, n, explain, ei);
	}
	return hr;
}

/* Plan 1: returns S_FALSE when the query does not pin every key. */
static hresult try_index(struct op_ctx *op,
                         const struct wql_query *q,
                         const struct cim_class *cls,
                         struct buf *explain,
                         struct errinfo *ei)
{
	struct cimom_session *s = op->s;
	struct wql_keyval *kv = NULL;
	struct cim_instance *key = NULL, *inst = NULL;
	struct select_arg sa = { .op = op, .q = q };
	char *keystr = NULL;
	uint32_t n = 0;
	hresult hr;

	if (cls->n_keys == 0 || q->where == NULL ||
	    !wql_key_equalities(op->mem, q, cls, &kv, &n) || n != cls->n_keys) {
		return HR_S_FALSE;
	}
	key = cim_instance_new(op->mem, (struct cim_class *)cls);
	if (key == NULL) {
		return hr_raise(HR_E_OUTOFMEMORY);
	}
	for (uint32_t i = 0; i < n; i++) {
		int32_t idx = cim_class_find_prop(cls, kv[i].name);

		if (idx < 0) {
			return HR_S_FALSE;
		}
		key->values[idx] = kv[i].value;
	}
	hr = repo_keystr(op->mem, key, &keystr);
	if (hr_failed(hr)) {
		/* Not a usable key (e.g. NULL): fall back to a scan. */
		return hr_eq(hr, HR_E_OUTOFMEMORY) ? hr : HR_S_FALSE;
	}
	hr = try_dynamic_index(op, q, cls, kv, n, keystr, explain, ei);
	if (!hr_eq(hr, HR_S_FALSE)) {
		return hr;
	}
	if (explain != NULL) {
		buf_addf(explain, "index %s %s\n", cls->name, keystr);
		return HR_OK;
	}
	s->stats.index_lookups++;
	hr = repo_instance_get(s->cm->repo, op->mem, op->ns, cls->name, keystr,
	                       &inst);
	if (hr_eq(hr, HR_WBEM_E_NOT_FOUND)) {
		return HR_OK;
	}
	if (hr_failed(hr)) {
		return err_set(ei, hr, CIMOM_LAYER,
		               "cannot read instance %s.%s", cls->name, keystr);
	}
	s->stats.instances_scanned++;
	return select_cb(&sa, inst);
}

static hresult select_exec(struct op_ctx *op,
                           struct wql_query *q,
                           struct buf *explain,
                           struct errinfo *ei)
{
	struct cimom_session *s = op->s;
	struct cim_class *cls = NULL, *only = NULL;
	struct select_arg sa = { .op = op, .q = q };
	const char *restrict_to = NULL;
	hresult hr;

	if (q->has_within || q->has_group_within || q->n_group_by > 0 ||
	    q->having != NULL) {
		return err_set(ei, HR_WBEM_E_INVALID_QUERY, CIMOM_LAYER,
		               "event clauses (WITHIN, GROUP, HAVING) belong "
		               "in a notification query");
	}
	hr = repo_class_get(s->cm->repo, op->mem, op->ns, q->from_class, &cls);
	if (hr_eq(hr, HR_WBEM_E_NOT_FOUND)) {
		return err_set_pos(ei, HR_WBEM_E_INVALID_CLASS, CIMOM_LAYER,
		                   q->from_pos.line, q->from_pos.col,
		                   q->from_pos.offset,
		                   "class '%s' does not exist in '%s'",
		                   q->from_class, op->ns);
	}
	if (hr_failed(hr)) {
		return err_set(ei, hr, CIMOM_LAYER, "cannot read class '%s'",
		               q->from_class);
	}
	hr = wql_bind(q, cls, ei);
	if (hr_failed(hr)) {
		return hr;
	}
	if (!q->select_all) {
		op->select = (const char *const *)q->props;
		op->n_select = q->n_props;
	}
	hr = try_index(op, q, cls, explain, ei);
	if (!hr_eq(hr, HR_S_FALSE)) {
		return hr;
	}
	if (wql_class_restriction(q, &restrict_to)) {
		hr = repo_class_get(s->cm->repo, op->mem, op->ns, restrict_to,
		                    &only);
		if (hr_eq(hr, HR_WBEM_E_NOT_FOUND) ||
		    (hr_ok(hr) && !derives_from(only, cls->name))) {
			if (explain != NULL) {
				buf_addf(explain, "empty %s\n", restrict_to);
			}
			return HR_OK;
		}
		if (hr_failed(hr)) {
			return err_set(ei, hr, CIMOM_LAYER,
			               "cannot read class '%s'", restrict_to);
		}
		if (explain != NULL) {
			buf_addf(explain, "scan %s only\n", only->name);
			return HR_OK;
		}
		s->cur_query = q->text;
		hr = walk_instances(s, op->mem, op->ns, only, false, select_cb,
		                    &sa, ei);
		s->cur_query = NULL;
		return hr;
	}
	if (explain != NULL) {
		buf_addf(explain, "scan %s deep\n", cls->name);
		return HR_OK;
	}
	s->cur_query = q->text;
	hr = walk_instances(s, op->mem, op->ns, cls, true, select_cb, &sa, ei);
	s->cur_query = NULL;
	return hr;
}

struct meta_arg {
	struct op_ctx *op;
	const struct wql_query *q;
};

static hresult meta_cb(void *arg, struct cim_class *cls)
{
	struct meta_arg *ma = arg;
	bool match = false;
	hresult hr;

	hr = wql_eval_class(ma->q, cls, &match);
	if (hr_failed(hr)) {
		return hr;
	}
	return match ? op_deliver_class(ma->op, cls) : HR_OK;
}

static hresult meta_exec(struct op_ctx *op,
                         struct wql_query *q,
                         struct buf *explain,
                         struct errinfo *ei)
{
	struct meta_arg ma = { .op = op, .q = q };
	hresult hr;

	if (!q->select_all) {
		return err_set(ei, HR_WBEM_E_INVALID_QUERY, CIMOM_LAYER,
		               "a schema query selects only '*'");
	}
	if (explain != NULL) {
		buf_addstr(explain, "schema scan\n");
		return HR_OK;
	}
	hr = repo_class_enum(op->s->cm->repo, op->mem, op->ns, NULL, true,
	                     meta_cb, &ma);
	if (hr_failed(hr) && !hr_eq(hr, HR_WBEM_E_CALL_CANCELLED) &&
	    !hr_eq(hr, HR_E_OUTOFMEMORY) &&
	    !hr_eq(hr, HR_WBEM_E_INVALID_QUERY)) {
		return err_set(ei, hr, CIMOM_LAYER, "cannot list classes");
	}
	return hr;
}

hresult query_exec(struct cimom_session *s,
                   void *mem,
                   const char *language,
                   const char *text,
                   uint32_t flags,
                   struct cimom_sink *sink,
                   struct buf *explain,
                   struct errinfo *ei)
{
	struct wql_limits lim = { .max_text = s->cm->max_query_len };
	struct wql_query *q = NULL;
	struct op_ctx op;
	hresult hr;

	(void)flags;
	hr = wql_parse_lang(mem, language, text, &lim, &q, ei);
	if (hr_failed(hr)) {
		return hr;
	}
	hr = op_init(&op, mem, s, s->ns, sink);
	if (hr_failed(hr)) {
		return hr;
	}
	switch (q->kind) {
	case WQL_SELECT:
		hr = select_exec(&op, q, explain, ei);
		break;
	case WQL_META_CLASS:
		hr = meta_exec(&op, q, explain, ei);
		break;
	case WQL_ASSOCIATORS:
	case WQL_REFERENCES:
		hr = assoc_exec(&op, q, explain, ei);
		break;
	default:
		hr = err_set(ei, HR_WBEM_E_INVALID_QUERY, CIMOM_LAYER,
		             "unsupported query kind");
	}
	if (hr_ok(hr) && explain == NULL) {
		hr = batch_flush(&op.batch);
	}
	return hr;
}
