/*
 * query: ExecQuery planning and execution for data and schema queries
 * (cimom layer).  ASSOCIATORS OF / REFERENCES OF are in assoc.c.
 *
 * Plans, in order of preference, for SELECT ... FROM C [WHERE w]:
 *  1. index: w pins every key of C with '=' (wql_key_equalities): one
 *     repo_instance_get, then w is evaluated on the one instance;
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

/*
 * Plan 1 for a dynamic class: the keys go to the provider's GetObject
 * (issue 5: "a WHERE on the key is passed to the provider's get"), and
 * the whole WHERE is evaluated on what it returns.  Returns S_FALSE (scan
 * instead) when the class has subclasses, whose instances a get on the
 * FROM class would miss, or when the provider cannot get.
 */
static hresult try_provider_get(struct op_ctx *op,
                                const struct wql_query *q,
                                const struct cim_class *cls,
                                const struct cim_instance *key,
                                struct buf *explain,
                                struct errinfo *ei)
{
	struct cimom_session *s = op->s;
	struct select_arg sa = { .op = op, .q = q };
	struct cim_instance *inst = NULL;
	struct objpath *p = NULL;
	struct errinfo lei;
	char **kids = NULL;
	char *relpath = NULL;
	uint32_t n_kids = 0;
	hresult hr;

	hr = repo_class_children(s->cm->repo, op->mem, op->ns, cls->name, &kids,
	                         &n_kids);
	if (hr_failed(hr) || n_kids != 0) {
		return hr_eq(hr, HR_E_OUTOFMEMORY) ? hr : HR_S_FALSE;
	}
	hr = cim_instance_relpath(op->mem, key, &relpath);
	if (hr_ok(hr)) {
		hr = objpath_parse(op->mem, relpath, &p, NULL);
	}
	if (hr_failed(hr)) {
		return hr_eq(hr, HR_E_OUTOFMEMORY) ? hr : HR_S_FALSE;
	}
	if (explain != NULL) {
		buf_addf(explain, "provider get %s\n", relpath);
		return HR_OK;
	}
	err_clear(&lei);
	hr = fetch_instance(s, op->mem, op->ns, p, &inst, &lei);
	if (hr_eq(hr, HR_WBEM_E_PROVIDER_NOT_CAPABLE)) {
		return HR_S_FALSE;
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
	const char *prov = NULL;
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
	if (hr_eq(class_provider(cls, &prov), HR_OK)) {
		return try_provider_get(op, q, cls, key, explain, ei);
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
