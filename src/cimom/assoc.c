/*
 * assoc: ASSOCIATORS OF and REFERENCES OF over static association
 * instances (cimom layer; reference section 7.3).
 *
 * An association class is a class carrying the Association qualifier, or
 * a subclass of one.  Its *roles* towards a source object are its
 * reference properties whose ref class is the source's class or one of
 * its ancestors (an untyped "ref" matches any class).  An association
 * instance links the source when one such role's value names the source
 * (class equal or an ancestor of the source's class, keys equal, strings
 * compared case-insensitively).
 *
 * REFERENCES OF returns the linking association instances (or their
 * classes); ASSOCIATORS OF the objects named by the linking instances'
 * other references (or their classes).  Results are de-duplicated.  With a
 * class path ({Class}) the query is answered from the schema: classes only.
 *
 * Far ends are fetched after the association walk, so no repository read
 * happens inside another read's callback.
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
#include "wql/wql.h"

struct assoc_state {
	struct op_ctx *op;
	const struct wql_query *q;
	bool refs; /* REFERENCES OF */
	const char *ns;
	/* the source */
	const struct cim_class *src_cls;
	struct objpath *src_path; /* NULL for a schema query */
	/* association classes (resolved copies) */
	struct cim_class **assoc;
	uint32_t n_assoc;
	/* far-end paths to fetch (ASSOCIATORS) */
	char **far;
	uint32_t n_far;
	/* de-duplication of delivered objects, by path or class name */
	char **seen;
	uint32_t n_seen;
	/* the association class being walked */
	const struct cim_class *cur;
	struct errinfo *ei;
};

static bool derives_from(const struct cim_class *cls, const char *base)
{
	if (base == NULL || utf8_casecmp(cls->name, base) == 0) {
		return true;
	}
	for (uint32_t i = 0; i < cls->n_derivation; i++) {
		if (utf8_casecmp(cls->derivation[i], base) == 0) {
			return true;
		}
	}
	return false;
}

static bool has_qualifier(const struct cim_class *cls, const char *name)
{
	const struct cim_qualifier *q;

	if (name == NULL) {
		return true;
	}
	q = cim_qset_find(&cls->quals, name);
	if (q == NULL) {
		return false;
	}
	/* A boolean qualifier set to FALSE is as good as absent. */
	if (q->value.type == CIM_T_BOOLEAN && !q->value.null && !q->value.v.b) {
		return false;
	}
	return true;
}

/* Returns true when [name] was already delivered; else records it. */
static bool seen_before(struct assoc_state *st, const char *name, bool *oom)
{
	char **nv;

	for (uint32_t i = 0; i < st->n_seen; i++) {
		if (utf8_casecmp(st->seen[i], name) == 0) {
			return true;
		}
	}
	nv = talloc_realloc(st->op->mem, st->seen, char *, st->n_seen + 1);
	if (nv == NULL) {
		*oom = true;
		return true;
	}
	st->seen = nv;
	nv[st->n_seen] = talloc_strdup(nv, name);
	if (nv[st->n_seen] == NULL) {
		*oom = true;
		return true;
	}
	st->n_seen++;
	return false;
}

static hresult deliver_class_once(struct assoc_state *st,
                                  const struct cim_class *cls)
{
	bool oom = false;

	if (seen_before(st, cls->name, &oom)) {
		return oom ? hr_raise(HR_E_OUTOFMEMORY) : HR_OK;
	}
	return op_deliver_class(st->op, cls);
}

static hresult deliver_instance_once(struct assoc_state *st,
                                     const struct cim_instance *inst)
{
	char *rel = NULL;
	bool oom = false;
	hresult hr;

	hr = cim_instance_relpath(st->op->mem, inst, &rel);
	if (hr_ok(hr) && seen_before(st, rel, &oom)) {
		return oom ? hr_raise(HR_E_OUTOFMEMORY) : HR_OK;
	}
	if (hr_eq(hr, HR_E_OUTOFMEMORY)) {
		return hr;
	}
	return op_deliver_instance(st->op, inst);
}

/* The text of a key value, for comparisons across key types. */
static const char *key_text(const struct objpath_key *k, char tmp[32])
{
	switch (k->type) {
	case OBJPATH_KEY_SINT:
		snprintf(tmp, 32, "%" PRId64, k->i);
		return tmp;
	case OBJPATH_KEY_UINT:
		snprintf(tmp, 32, "%" PRIu64, k->u);
		return tmp;
	case OBJPATH_KEY_BOOL:
		return k->b ? "TRUE" : "FALSE";
	case OBJPATH_KEY_STRING:
	case OBJPATH_KEY_REF:
	default:
		return k->s ? k->s : "";
	}
}

static const struct objpath_key *find_key(const struct objpath *p,
                                          const char *name)
{
	for (uint32_t i = 0; i < p->n_keys; i++) {
		if (p->keys[i].name == NULL && p->n_keys == 1) {
			return &p->keys[i];
		}
		if (p->keys[i].name != NULL && name != NULL &&
		    utf8_casecmp(p->keys[i].name, name) == 0) {
			return &p->keys[i];
		}
	}
	return NULL;
}

/* Does reference [ref] name the source object? */
static bool names_source(const struct assoc_state *st,
                         const struct objpath *ref)
{
	const struct objpath *src = st->src_path;

	if (ref->cls == NULL || !derives_from(st->src_cls, ref->cls)) {
		return false;
	}
	if (ref->singleton || src->singleton) {
		return ref->singleton == src->singleton;
	}
	if (ref->n_keys != src->n_keys) {
		return false;
	}
	for (uint32_t i = 0; i < src->n_keys; i++) {
		const struct objpath_key *a = &src->keys[i];
		const struct objpath_key *b = find_key(ref, a->name);
		char ta[32], tb[32];

		if (b == NULL ||
		    utf8_casecmp(key_text(a, ta), key_text(b, tb)) != 0) {
			return false;
		}
	}
	return true;
}

/* Is property [p] a role the source can play? */
static bool is_role(const struct assoc_state *st, const struct cim_property *p)
{
	if (cim_type_base(p->type) != CIM_T_REFERENCE ||
	    cim_type_is_array(p->type)) {
		return false;
	}
	if (st->q->role != NULL && utf8_casecmp(p->name, st->q->role) != 0) {
		return false;
	}
	return p->ref_class == NULL || p->ref_class[0] == '\0' ||
	       derives_from(st->src_cls, p->ref_class);
}

static bool result_role_ok(const struct assoc_state *st,
                           const struct cim_property *p)
{
	return st->q->result_role == NULL ||
	       utf8_casecmp(p->name, st->q->result_role) == 0;
}

/* ---- collecting association classes --------------------------------- */

static hresult collect_cb(void *arg, struct cim_class *cls)
{
	struct assoc_state *st = arg;
	bool is_assoc = cim_qset_bool(&cls->quals, "Association");
	struct cim_class **nv;

	for (uint32_t i = 0; !is_assoc && i < st->n_assoc; i++) {
		if (cls->superclass != NULL &&
		    utf8_casecmp(st->assoc[i]->name, cls->superclass) == 0) {
			is_assoc = true;
		}
	}
	if (!is_assoc) {
		return HR_OK;
	}
	nv = talloc_realloc(st->op->mem, st->assoc, struct cim_class *,
	                    st->n_assoc + 1);
	if (nv == NULL) {
		return hr_raise(HR_E_OUTOFMEMORY);
	}
	st->assoc = nv;
	nv[st->n_assoc] = cim_class_copy(st->op->mem, cls);
	if (nv[st->n_assoc] == NULL) {
		return hr_raise(HR_E_OUTOFMEMORY);
	}
	st->n_assoc++;
	return HR_OK;
}

/* Association classes that pass AssocClass / RequiredAssocQualifier. */
static bool assoc_class_ok(const struct assoc_state *st,
                           const struct cim_class *a)
{
	if (!st->refs) {
		if (!derives_from(a, st->q->assoc_class) ||
		    !has_qualifier(a, st->q->required_assoc_qualifier)) {
			return false;
		}
		return true;
	}
	/* REFERENCES: ResultClass and RequiredQualifier apply to the
	 * association itself. */
	return derives_from(a, st->q->result_class) &&
	       has_qualifier(a, st->q->required_qualifier);
}

/* [a] passes the class filters and has a role reference that can point at
 * the source object. */
static bool assoc_links_source(const struct assoc_state *st,
                               const struct cim_class *a)
{
	if (!assoc_class_ok(st, a)) {
		return false;
	}
	for (uint32_t r = 0; r < a->n_props; r++) {
		if (is_role(st, &a->props[r])) {
			return true;
		}
	}
	return false;
}

/* ---- schema queries --------------------------------------------------- */

static hresult schema_exec(struct assoc_state *st, struct buf *explain)
{
	struct op_ctx *op = st->op;
	hresult hr = HR_OK;

	for (uint32_t i = 0; hr_ok(hr) && i < st->n_assoc; i++) {
		const struct cim_class *a = st->assoc[i];

		if (!assoc_links_source(st, a)) {
			continue;
		}
		if (explain != NULL) {
			buf_addf(explain, "schema assoc %s\n", a->name);
			continue;
		}
		if (st->refs) {
			hr = deliver_class_once(st, a);
			continue;
		}
		for (uint32_t r = 0; hr_ok(hr) && r < a->n_props; r++) {
			const struct cim_property *p = &a->props[r];
			struct cim_class *far = NULL;
			bool other_role = false;

			if (cim_type_base(p->type) != CIM_T_REFERENCE ||
			    p->ref_class == NULL || !result_role_ok(st, p)) {
				continue;
			}
			/* The far end is any reference other than one the
			 * source plays (a self-association keeps both). */
			for (uint32_t o = 0; o < a->n_props; o++) {
				if (o != r && is_role(st, &a->props[o])) {
					other_role = true;
				}
			}
			if (!other_role) {
				continue;
			}
			hr = repo_class_get(op->s->cm->repo, op->mem, op->ns,
			                    p->ref_class, &far);
			if (hr_eq(hr, HR_WBEM_E_NOT_FOUND)) {
				hr = HR_OK;
				continue;
			}
			if (hr_ok(hr) &&
			    derives_from(far, st->q->result_class) &&
			    has_qualifier(far, st->q->required_qualifier)) {
				hr = deliver_class_once(st, far);
			}
		}
	}
	return hr;
}

/* ---- instance queries ------------------------------------------------- */

static hresult add_far(struct assoc_state *st, const char *path)
{
	char **nv = talloc_realloc(st->op->mem, st->far, char *, st->n_far + 1);

	if (nv == NULL) {
		return hr_raise(HR_E_OUTOFMEMORY);
	}
	st->far = nv;
	nv[st->n_far] = talloc_strdup(nv, path);
	if (nv[st->n_far] == NULL) {
		return hr_raise(HR_E_OUTOFMEMORY);
	}
	st->n_far++;
	return HR_OK;
}

static hresult link_cb(void *arg, struct cim_instance *inst)
{
	struct assoc_state *st = arg;
	const struct cim_class *a = inst->cls;
	void *tmp = talloc_new(st->op->mem);
	bool *plays;
	bool any = false;
	hresult hr = HR_OK;

	if (tmp == NULL) {
		return hr_raise(HR_E_OUTOFMEMORY);
	}
	plays = talloc_zero_array(tmp, bool, a->n_props ? a->n_props : 1);
	if (plays == NULL) {
		talloc_free(tmp);
		return hr_raise(HR_E_OUTOFMEMORY);
	}
	for (uint32_t r = 0; r < a->n_props; r++) {
		const struct cim_value *v = &inst->values[r];
		struct objpath *ref = NULL;

		if (!is_role(st, &a->props[r]) || v->null || v->v.s == NULL) {
			continue;
		}
		hr = objpath_parse(tmp, v->v.s, &ref, NULL);
		if (hr_eq(hr, HR_E_OUTOFMEMORY)) {
			goto out;
		}
		if (hr_failed(hr)) {
			/* A malformed stored reference plays no role. */
			hr = HR_OK;
			continue;
		}
		if (names_source(st, ref)) {
			plays[r] = true;
			any = true;
		}
	}
	if (!any) {
		goto out;
	}
	if (st->refs) {
		if (st->q->class_defs_only) {
			hr = deliver_class_once(st, a);
		} else {
			hr = deliver_instance_once(st, inst);
		}
		goto out;
	}
	for (uint32_t r = 0; hr_ok(hr) && r < a->n_props; r++) {
		const struct cim_value *v = &inst->values[r];
		bool other = false;

		if (cim_type_base(a->props[r].type) != CIM_T_REFERENCE ||
		    cim_type_is_array(a->props[r].type) || v->null ||
		    !result_role_ok(st, &a->props[r])) {
			continue;
		}
		/* A far end: a reference the source does not play here
		 * (or, in a self-association, the other role). */
		for (uint32_t o = 0; o < a->n_props; o++) {
			if (o != r && plays[o]) {
				other = true;
			}
		}
		if (other) {
			hr = add_far(st, v->v.s);
		}
	}
out:
	talloc_free(tmp);
	return hr;
}

static hresult fetch_far(struct assoc_state *st)
{
	struct op_ctx *op = st->op;
	hresult hr = HR_OK;

	for (uint32_t i = 0; hr_ok(hr) && i < st->n_far; i++) {
		void *tmp = talloc_new(op->mem);
		struct objpath *p = NULL;
		struct cim_instance *inst = NULL;
		const char *ns = NULL;
		struct errinfo lei;

		err_clear(&lei);
		if (tmp == NULL) {
			return hr_raise(HR_E_OUTOFMEMORY);
		}
		hr = objpath_parse(tmp, st->far[i], &p, NULL);
		if (hr_ok(hr) && p->cls != NULL) {
			hr = path_namespace(op->s, tmp, p, &ns, &lei);
		} else if (hr_ok(hr)) {
			hr = HR_WBEM_E_INVALID_OBJECT_PATH;
		}
		if (hr_failed(hr)) {
			/* Unusable paths are skipped; lack of memory is not. */
			hr = hr_eq(hr, HR_E_OUTOFMEMORY) ? hr : HR_OK;
			talloc_free(tmp);
			continue;
		}
		hr = fetch_instance(op->s, tmp, ns, p, &inst, &lei);
		if (hr_failed(hr)) {
			/* A dangling reference is skipped, as WMI does. */
			hr = hr_eq(hr, HR_E_OUTOFMEMORY) ? hr : HR_OK;
			talloc_free(tmp);
			continue;
		}
		if (derives_from(inst->cls, st->q->result_class) &&
		    has_qualifier(inst->cls, st->q->required_qualifier)) {
			const char *save = op->ns;

			op->ns = ns;
			if (st->q->class_defs_only) {
				hr = deliver_class_once(st, inst->cls);
			} else {
				hr = deliver_instance_once(st, inst);
			}
			op->ns = save;
		}
		talloc_free(tmp);
	}
	return hr;
}

static hresult instance_exec(struct assoc_state *st, struct buf *explain)
{
	struct op_ctx *op = st->op;
	hresult hr = HR_OK;

	for (uint32_t i = 0; hr_ok(hr) && i < st->n_assoc; i++) {
		const struct cim_class *a = st->assoc[i];

		if (!assoc_links_source(st, a)) {
			continue;
		}
		if (explain != NULL) {
			buf_addf(explain, "scan %s\n", a->name);
			continue;
		}
		st->cur = a;
		hr = walk_instances(op->s, op->mem, op->ns, a, false, link_cb,
		                    st, st->ei);
	}
	if (hr_ok(hr) && !st->refs && explain == NULL) {
		hr = fetch_far(st);
	}
	return hr;
}

hresult assoc_exec(struct op_ctx *op,
                   struct wql_query *q,
                   struct buf *explain,
                   struct errinfo *ei)
{
	struct assoc_state st = { .op = op, .q = q, .ei = ei };
	struct objpath *p = NULL;
	struct cim_class *cls = NULL;
	struct cim_instance *inst = NULL;
	const char *ns = NULL;
	hresult hr;

	st.refs = q->kind == WQL_REFERENCES;
	hr = objpath_parse(op->mem, q->path ? q->path : "", &p, ei);
	if (hr_failed(hr)) {
		return hr;
	}
	if (p->cls == NULL) {
		return err_set(ei, HR_WBEM_E_INVALID_OBJECT_PATH, CIMOM_LAYER,
		               "'%s' names no object", q->path);
	}
	hr = path_namespace(op->s, op->mem, p, &ns, ei);
	if (hr_failed(hr)) {
		return hr;
	}
	st.ns = ns;
	if (p->n_keys == 0 && !p->singleton) {
		hr = repo_class_get(op->s->cm->repo, op->mem, ns, p->cls, &cls);
		if (hr_eq(hr, HR_WBEM_E_NOT_FOUND)) {
			return err_set(ei, hr, CIMOM_LAYER,
			               "class '%s' does not exist in '%s'",
			               p->cls, ns);
		}
		if (hr_failed(hr)) {
			return err_set(ei, hr, CIMOM_LAYER,
			               "cannot read class '%s'", p->cls);
		}
		st.src_cls = cls;
	} else {
		hr = fetch_instance(op->s, op->mem, ns, p, &inst, ei);
		if (hr_eq(hr, HR_WBEM_E_INVALID_CLASS)) {
			hr = HR_WBEM_E_NOT_FOUND;
			if (ei != NULL) {
				ei->hr = hr;
			}
		}
		if (hr_failed(hr)) {
			return hr;
		}
		char *rel = NULL;

		st.src_cls = inst->cls;
		/* Compare against the canonical path (named keys). */
		hr = cim_instance_relpath(op->mem, inst, &rel);
		if (hr_ok(hr)) {
			hr = objpath_parse(op->mem, rel, &st.src_path, ei);
		}
		if (hr_failed(hr)) {
			return hr;
		}
	}
	op->keys_only = q->keys_only;
	hr = repo_class_enum(op->s->cm->repo, op->mem, ns, NULL, true,
	                     collect_cb, &st);
	if (hr_failed(hr)) {
		return err_set(ei, hr, CIMOM_LAYER,
		               "cannot list association classes");
	}
	op->ns = ns;
	if (st.src_path == NULL) {
		return schema_exec(&st, explain);
	}
	return instance_exec(&st, explain);
}
