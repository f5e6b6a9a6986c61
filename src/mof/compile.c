/*
 * compile: applies a parsed MOF unit to the repository (mof layer; the
 * storing half of mofcomp, DSP0221 semantics plus WMI's pragmas).
 *
 * One compile is one repository transaction (a savepoint when the caller
 * has a transaction open): every item lands or none does.  Items are
 * applied in file order:
 *  - qualifier declarations with repo_qualdecl_put;
 *  - classes as local definitions with repo_class_put under the class
 *    flags in force (the repository resolves them);
 *  - instances built against the resolved class (repo_class_get), each
 *    literal converted to its property's type, aliases replaced by the
 *    relative path of the aliased instance (built on demand from its key
 *    properties, so forward references work), embedded instances built
 *    recursively; then repo_instance_put under the instance flags;
 *  - deleteclass / deleteinstance pragmas (NOFAIL ignores a missing
 *    target);
 *  - namespace creation for #pragma namespace("__create").
 * Every failure is reported with the position of the declaration.
 *
 * Invariant: resolved classes in the cache are valid until the next class
 * write, when the cache is dropped; instances built from them never
 * outlive the item being applied.
 */
#include "mof/mof.h"

#include <stdarg.h>
#include <stdio.h>
#include <string.h>
#include <talloc.h>

#include "base/utf.h"
#include "cim/objpath.h"
#include "mof/mof-int.h"
#include "repo/repo.h"

struct alias_state {
	const struct mof_item *item;
	char *path;    /* computed reference text */
	bool building; /* on the stack: a cycle when met again */
};

struct compiler {
	struct repo *r;
	const struct mof_unit *u;
	struct errinfo *ei;
	void *mem;       /* lives for the compile */
	void *cache_mem; /* resolved classes; dropped on class writes */
	struct mof_map classes;
	struct mof_map aliases; /* alias -> struct alias_state */
	struct buf key;
	struct mof_stats st;
	uint32_t depth, max_depth;
};

static hresult build_instance(struct compiler *c,
                              void *mem,
                              const char *ns,
                              const struct mof_instance *mi,
                              bool keys_only,
                              struct cim_instance **out);

/*
 * Reports a semantic failure [hr] at [pos]: "<what>: <detail>", where the
 * detail is the repository's message when it gave one.
 */
static hresult sem_err(struct compiler *c,
                       const struct mof_pos *pos,
                       hresult hr,
                       const struct errinfo *lei,
                       const char *fmt,
                       ...) __attribute__((format(printf, 5, 6)));

static hresult sem_err(struct compiler *c,
                       const struct mof_pos *pos,
                       hresult hr,
                       const struct errinfo *lei,
                       const char *fmt,
                       ...)
{
	char what[200];
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(what, sizeof(what), fmt, ap);
	va_end(ap);
	if (lei != NULL && lei->msg[0] != '\0') {
		return mof_err_at(c->ei, hr, pos->file, pos->line, pos->col, 0,
		                  "%s: %s", what, lei->msg);
	}
	return mof_err_at(c->ei, hr, pos->file, pos->line, pos->col, 0,
	                  "%s: %s", what, hr_message(hr));
}

/* ---- Resolved class cache --------------------------------------------- */

static void drop_cache(struct compiler *c)
{
	talloc_free(c->cache_mem);
	c->cache_mem = NULL;
	mof_map_init(&c->classes, c->mem);
}

/* Returns the resolved class (borrowed from the cache) or an error. */
static hresult get_class(struct compiler *c,
                         const char *ns,
                         const char *name,
                         struct cim_class **out)
{
	struct cim_class *cls;
	hresult hr;

	buf_reset(&c->key);
	buf_addstr(&c->key, ns);
	buf_addch(&c->key, ':');
	buf_addstr(&c->key, name);
	if (hr_failed(c->key.error)) {
		return c->key.error;
	}
	cls = mof_map_get(&c->classes, c->key.data, c->key.len);
	if (cls != NULL) {
		*out = cls;
		return HR_OK;
	}
	if (c->cache_mem == NULL) {
		c->cache_mem = talloc_new(c->mem);
		if (c->cache_mem == NULL) {
			return HR_E_OUTOFMEMORY;
		}
		mof_map_init(&c->classes, c->cache_mem);
	}
	if (hr_failed(
	            hr = repo_class_get(c->r, c->cache_mem, ns, name, &cls))) {
		return hr;
	}
	if (hr_failed(hr = mof_map_put(&c->classes, c->key.data, c->key.len,
	                               cls))) {
		return hr;
	}
	*out = cls;
	return HR_OK;
}

/* ---- Namespaces -------------------------------------------------------- */

/* Creates [ns] and its missing ancestors. */
static hresult ensure_ns(struct compiler *c, const struct mof_item *it)
{
	char *path = talloc_strdup(c->mem, it->ns);
	struct errinfo lei;
	hresult hr = HR_OK;

	if (path == NULL) {
		return HR_E_OUTOFMEMORY;
	}
	for (char *s = path;; s++) {
		if (*s == '\\' || *s == '\0') {
			char saved = *s;

			*s = '\0';
			if (hr_failed(repo_ns_exists(c->r, path))) {
				err_clear(&lei);
				hr = repo_ns_create(c->r, path, &lei);
				if (hr_failed(hr)) {
					sem_err(c, &it->pos, hr, &lei,
					        "cannot create namespace '%s'",
					        path);
					break;
				}
				c->st.namespaces++;
			}
			*s = saved;
			if (saved == '\0') {
				break;
			}
		}
	}
	talloc_free(path);
	return hr;
}

/* ---- Classes ----------------------------------------------------------- */

/*
 * A subclass may restate an embedded-object property of its parent
 * without the EmbeddedInstance/EmbeddedObject qualifier (they propagate),
 * which the parser typed string.  Retypes such properties to the parent's
 * object type in a copy.  Returns S_FALSE when nothing changed.
 */
static hresult adopt_object_types(struct compiler *c,
                                  const char *ns,
                                  const struct cim_class *cls,
                                  struct cim_class **fixed)
{
	struct cim_class *parent = NULL, *copy;
	bool changed = false;

	if (cls->superclass == NULL ||
	    hr_failed(get_class(c, ns, cls->superclass, &parent))) {
		return HR_S_FALSE;
	}
	copy = cim_class_copy(c->mem, cls);
	if (copy == NULL) {
		return HR_E_OUTOFMEMORY;
	}
	for (uint32_t i = 0; i < copy->n_props; i++) {
		struct cim_property *pr = &copy->props[i];
		int32_t k = cim_class_find_prop(parent, pr->name);

		if (k >= 0 && cim_type_base(pr->type) == CIM_T_STRING &&
		    cim_type_base(parent->props[k].type) == CIM_T_OBJECT &&
		    cim_type_is_array(pr->type) ==
		            cim_type_is_array(parent->props[k].type) &&
		    pr->value.null) {
			pr->type = parent->props[k].type;
			pr->value = cim_value_null(pr->type);
			changed = true;
		}
	}
	if (!changed) {
		talloc_free(copy);
		return HR_S_FALSE;
	}
	*fixed = copy;
	return HR_OK;
}

static hresult put_class(struct compiler *c, const struct mof_item *it)
{
	const struct cim_class *cls = it->u.cls;
	struct cim_class *fixed = NULL;
	struct errinfo lei;
	hresult hr;

	err_clear(&lei);
	hr = repo_class_put(c->r, it->ns, cls, it->flags & REPO_PUT_MASK, &lei);
	if (hr_eq(hr, HR_WBEM_E_UPDATE_TYPE_MISMATCH) &&
	    hr_eq(adopt_object_types(c, it->ns, cls, &fixed), HR_OK)) {
		err_clear(&lei);
		hr = repo_class_put(c->r, it->ns, fixed,
		                    it->flags & REPO_PUT_MASK, &lei);
		talloc_free(fixed);
	}
	drop_cache(c);
	if (hr_failed(hr)) {
		return sem_err(c, &it->pos, hr, &lei, "class '%s'", cls->name);
	}
	c->st.classes++;
	return HR_OK;
}

static hresult delete_class(struct compiler *c, const struct mof_item *it)
{
	struct errinfo lei;
	hresult hr;

	err_clear(&lei);
	hr = repo_class_delete(c->r, it->ns, it->u.del.name, &lei);
	drop_cache(c);
	if (hr_eq(hr, HR_WBEM_E_NOT_FOUND) && !it->u.del.fail) {
		return HR_OK;
	}
	if (hr_failed(hr)) {
		return sem_err(c, &it->pos, hr, &lei,
		               "#pragma deleteclass('%s')", it->u.del.name);
	}
	c->st.deleted_classes++;
	return HR_OK;
}

/* ---- Instances --------------------------------------------------------- */

static hresult alias_path(struct compiler *c,
                          const struct mof_val *v,
                          const char *ns,
                          char **out);

/* Converts one reference element: an alias or a string path. */
static hresult ref_text(struct compiler *c,
                        void *mem,
                        const struct mof_val *v,
                        const char *ns,
                        char **out)
{
	struct cim_value tmp;
	hresult hr;

	if (v->kind == MOF_V_ALIAS) {
		char *path = NULL;

		if (hr_failed(hr = alias_path(c, v, ns, &path))) {
			return hr;
		}
		*out = talloc_strdup(mem, path);
		return *out ? HR_OK : HR_E_OUTOFMEMORY;
	}
	if (hr_failed(hr = mof_val_to_cim(mem, v, CIM_T_REFERENCE, &tmp,
	                                  c->ei))) {
		return hr;
	}
	*out = tmp.v.s;
	return HR_OK;
}

static hresult embedded_obj(struct compiler *c,
                            void *mem,
                            const struct mof_val *v,
                            const char *ns,
                            struct cim_object **out)
{
	struct cim_object *o;
	hresult hr;

	if (v->kind != MOF_V_INSTANCE) {
		return mof_err_at(c->ei, HR_WBEM_E_TYPE_MISMATCH, v->pos.file,
		                  v->pos.line, v->pos.col, 0,
		                  "type mismatch: an object property needs "
		                  "'instance of ...'");
	}
	o = talloc_zero(mem, struct cim_object);
	if (o == NULL) {
		return HR_E_OUTOFMEMORY;
	}
	o->is_class = false;
	if (hr_failed(hr = build_instance(c, o, ns, v->inst, false,
	                                  &o->u.inst))) {
		return hr;
	}
	*out = o;
	return HR_OK;
}

/* Converts [v] for a property of [type]. */
static hresult prop_value(struct compiler *c,
                          void *mem,
                          const struct mof_val *v,
                          uint32_t type,
                          const char *ns,
                          struct cim_value *out)
{
	uint32_t base = cim_type_base(type);
	bool arr = cim_type_is_array(type);
	struct cim_value r = { .type = type };
	const struct mof_val *el;
	uint32_t n;
	hresult hr;

	if (v->kind == MOF_V_NULL ||
	    (base != CIM_T_REFERENCE && base != CIM_T_OBJECT)) {
		return mof_val_to_cim(mem, v, type, out, c->ei);
	}
	if (!arr) {
		if (v->kind == MOF_V_ARRAY) {
			return mof_err_at(c->ei, HR_WBEM_E_TYPE_MISMATCH,
			                  v->pos.file, v->pos.line, v->pos.col,
			                  0,
			                  "type mismatch: array value for a "
			                  "non-array property");
		}
		hr = base == CIM_T_REFERENCE
		             ? ref_text(c, mem, v, ns, &r.v.s)
		             : embedded_obj(c, mem, v, ns, &r.v.o);
		if (hr_failed(hr)) {
			return hr;
		}
		*out = r;
		return HR_OK;
	}
	el = v->kind == MOF_V_ARRAY ? v->a : v;
	n = v->kind == MOF_V_ARRAY ? v->n : 1;
	r.v.a.n = n;
	if (base == CIM_T_REFERENCE) {
		r.v.a.e.s = talloc_zero_array(mem, char *, n ? n : 1);
	} else {
		r.v.a.e.o = talloc_zero_array(mem, struct cim_object *,
		                              n ? n : 1);
	}
	if (r.v.a.e.s == NULL) {
		return HR_E_OUTOFMEMORY;
	}
	for (uint32_t i = 0; i < n; i++) {
		if (el[i].kind == MOF_V_NULL) {
			return mof_err_at(c->ei, HR_WBEMMOF_E_NULL_ARRAY_ELEM,
			                  el[i].pos.file, el[i].pos.line,
			                  el[i].pos.col, 0,
			                  "null element in array value");
		}
		hr = base == CIM_T_REFERENCE
		             ? ref_text(c, r.v.a.e.s, &el[i], ns, &r.v.a.e.s[i])
		             : embedded_obj(c, r.v.a.e.o, &el[i], ns,
		                            &r.v.a.e.o[i]);
		if (hr_failed(hr)) {
			return hr;
		}
	}
	*out = r;
	return HR_OK;
}

static hresult copy_quals(void *mem,
                          struct cim_qualifier_set *dst,
                          const struct cim_qualifier_set *src)
{
	hresult hr;

	for (uint32_t i = 0; i < src->n; i++) {
		hr = cim_qset_set(mem, dst, src->q[i].name, &src->q[i].value,
		                  src->q[i].flavor);
		if (hr_failed(hr)) {
			return hr;
		}
	}
	return HR_OK;
}

/*
 * Builds the instance [mi] of namespace [ns] under [mem].  With
 * [keys_only], only key properties are set (enough for its path).
 */
static hresult build_instance(struct compiler *c,
                              void *mem,
                              const char *ns,
                              const struct mof_instance *mi,
                              bool keys_only,
                              struct cim_instance **out)
{
	struct cim_class *cls = NULL;
	struct cim_instance *inst;
	hresult hr;

	if (++c->depth > c->max_depth) {
		c->depth--;
		return mof_err_at(
		        c->ei, HR_WBEMMOF_E_INVALID_INSTANCE_DECLARATION,
		        mi->pos.file, mi->pos.line, mi->pos.col, 0,
		        "instances nested deeper than %u", c->max_depth);
	}
	hr = get_class(c, ns, mi->class_name, &cls);
	if (hr_failed(hr)) {
		if (hr_eq(hr, HR_WBEM_E_NOT_FOUND)) {
			hr = HR_WBEM_E_INVALID_CLASS;
		}
		hr = sem_err(c, &mi->pos, hr, NULL,
		             "instance of '%s' in namespace '%s'",
		             mi->class_name, ns);
		goto out;
	}
	inst = cim_instance_new(mem, cls);
	if (inst == NULL) {
		hr = HR_E_OUTOFMEMORY;
		goto out;
	}
	if (hr_failed(hr = copy_quals(inst, &inst->quals, &mi->quals))) {
		goto out;
	}
	for (uint32_t i = 0; i < mi->n_props; i++) {
		const struct mof_propval *pv = &mi->props[i];
		int32_t k = cim_class_find_prop(cls, pv->name);
		struct cim_value v;

		if (k < 0) {
			hr = mof_err_at(c->ei, HR_WBEM_E_NOT_FOUND,
			                pv->pos.file, pv->pos.line, pv->pos.col,
			                0, "property '%s' is not in class '%s'",
			                pv->name, cls->name);
			goto out;
		}
		if (keys_only && !cls->props[k].key) {
			continue;
		}
		hr = prop_value(c, inst, &pv->val, cls->props[k].type, ns, &v);
		if (hr_failed(hr)) {
			goto out;
		}
		inst->values[k] = v;
	}
	*out = inst;
out:
	c->depth--;
	return hr;
}

/*
 * Returns the reference text of the instance aliased by [v]: its relative
 * path, prefixed with its namespace when that differs from [ns].
 */
static hresult alias_path(struct compiler *c,
                          const struct mof_val *v,
                          const char *ns,
                          char **out)
{
	struct alias_state *as = mof_map_get(&c->aliases, v->s, strlen(v->s));
	struct cim_instance *inst = NULL;
	void *tmp;
	char *rel = NULL;
	hresult hr;

	if (as == NULL) {
		return mof_err_at(c->ei, HR_WBEM_E_NOT_FOUND, v->pos.file,
		                  v->pos.line, v->pos.col, 0,
		                  "alias '$%s' is not declared", v->s);
	}
	if (as->path == NULL) {
		if (as->building) {
			return mof_err_at(c->ei, HR_WBEM_E_CIRCULAR_REFERENCE,
			                  v->pos.file, v->pos.line, v->pos.col,
			                  0,
			                  "alias '$%s' refers to itself "
			                  "through its keys",
			                  v->s);
		}
		tmp = talloc_new(c->mem);
		if (tmp == NULL) {
			return HR_E_OUTOFMEMORY;
		}
		as->building = true;
		hr = build_instance(c, tmp, as->item->ns, as->item->u.inst,
		                    true, &inst);
		as->building = false;
		if (hr_ok(hr)) {
			hr = cim_instance_relpath(tmp, inst, &rel);
			if (hr_failed(hr) && !hr_eq(hr, HR_E_OUTOFMEMORY)) {
				hr = sem_err(c, &as->item->pos, hr, NULL,
				             "path of alias '$%s'", v->s);
			}
		}
		if (hr_ok(hr)) {
			if (utf8_casecmp(as->item->ns, ns) == 0) {
				as->path = talloc_strdup(c->mem, rel);
			} else {
				as->path = talloc_asprintf(c->mem, "%s:%s",
				                           as->item->ns, rel);
			}
			if (as->path == NULL) {
				hr = HR_E_OUTOFMEMORY;
			}
		}
		talloc_free(tmp);
		if (hr_failed(hr)) {
			return hr;
		}
	}
	if (utf8_casecmp(as->item->ns, ns) != 0 &&
	    strchr(as->path, ':') == NULL) {
		*out = talloc_asprintf(c->mem, "%s:%s", as->item->ns, as->path);
		return *out ? HR_OK : HR_E_OUTOFMEMORY;
	}
	*out = as->path;
	return HR_OK;
}

static hresult put_instance(struct compiler *c, const struct mof_item *it)
{
	struct cim_instance *inst = NULL;
	struct errinfo lei;
	void *tmp = talloc_new(c->mem);
	hresult hr;

	if (tmp == NULL) {
		return HR_E_OUTOFMEMORY;
	}
	hr = build_instance(c, tmp, it->ns, it->u.inst, false, &inst);
	if (hr_ok(hr)) {
		err_clear(&lei);
		hr = repo_instance_put(c->r, it->ns, inst,
		                       it->flags & REPO_PUT_MASK, &lei);
		if (hr_failed(hr)) {
			sem_err(c, &it->pos, hr, &lei, "instance of '%s'",
			        it->u.inst->class_name);
		} else {
			c->st.instances++;
		}
	}
	talloc_free(tmp);
	return hr;
}

/* Converts an object path key to a value of the key property's type. */
static hresult key_value(void *mem,
                         const struct objpath_key *k,
                         uint32_t type,
                         struct cim_value *out)
{
	struct cim_value src = { .type = CIM_T_STRING };

	switch (k->type) {
	case OBJPATH_KEY_SINT:
		src.type = CIM_T_SINT64;
		src.v.i = k->i;
		break;
	case OBJPATH_KEY_UINT:
		src.type = CIM_T_UINT64;
		src.v.u = k->u;
		break;
	case OBJPATH_KEY_BOOL:
		src.type = CIM_T_BOOLEAN;
		src.v.b = k->b;
		break;
	default:
		src.v.s = k->s;
		break;
	}
	return cim_value_convert(mem, out, &src, type);
}

static hresult delete_instance(struct compiler *c, const struct mof_item *it)
{
	struct objpath *op = NULL;
	struct cim_class *cls = NULL;
	struct cim_instance *inst;
	struct errinfo lei;
	const char *ns = it->ns;
	char *keystr = NULL;
	void *tmp = talloc_new(c->mem);
	hresult hr;

	if (tmp == NULL) {
		return HR_E_OUTOFMEMORY;
	}
	err_clear(&lei);
	hr = objpath_parse(tmp, it->u.del.name, &op, &lei);
	if (hr_ok(hr) && op->cls == NULL) {
		hr = HR_WBEM_E_INVALID_OBJECT_PATH;
	}
	if (hr_failed(hr)) {
		sem_err(c, &it->pos, HR_WBEMMOF_E_INVALID_DELETEINSTANCE_SYNTAX,
		        &lei, "#pragma deleteinstance(\"%s\")", it->u.del.name);
		hr = HR_WBEMMOF_E_INVALID_DELETEINSTANCE_SYNTAX;
		goto out;
	}
	if (op->ns != NULL) {
		ns = op->ns;
	}
	hr = get_class(c, ns, op->cls, &cls);
	if (hr_ok(hr)) {
		inst = cim_instance_new(tmp, cls);
		hr = inst ? HR_OK : HR_E_OUTOFMEMORY;
		for (uint32_t i = 0; hr_ok(hr) && i < op->n_keys; i++) {
			const char *kn = op->keys[i].name;
			int32_t k;

			if (kn == NULL && cls->n_keys == 1) {
				kn = cls->props[cls->key_index[0]].name;
			}
			k = kn ? cim_class_find_prop(cls, kn) : -1;
			if (k < 0 || !cls->props[k].key) {
				hr = HR_WBEM_E_INVALID_OBJECT_PATH;
				break;
			}
			hr = key_value(inst, &op->keys[i], cls->props[k].type,
			               &inst->values[k]);
		}
		if (hr_ok(hr)) {
			hr = repo_keystr(tmp, inst, &keystr);
		}
	}
	if (hr_ok(hr)) {
		hr = repo_instance_delete(c->r, ns, op->cls, keystr, &lei);
	}
	if ((hr_eq(hr, HR_WBEM_E_NOT_FOUND) ||
	     hr_eq(hr, HR_WBEM_E_INVALID_CLASS)) &&
	    !it->u.del.fail) {
		hr = HR_OK;
	} else if (hr_failed(hr)) {
		sem_err(c, &it->pos, hr, &lei, "#pragma deleteinstance(\"%s\")",
		        it->u.del.name);
	} else {
		c->st.deleted_instances++;
	}
out:
	talloc_free(tmp);
	return hr;
}

static hresult put_qualdecl(struct compiler *c, const struct mof_item *it)
{
	struct errinfo lei;
	hresult hr;

	err_clear(&lei);
	hr = repo_qualdecl_put(c->r, it->ns, it->u.qd, 0, &lei);
	if (hr_failed(hr)) {
		return sem_err(c, &it->pos, hr, &lei,
		               "qualifier declaration '%s'", it->u.qd->name);
	}
	c->st.qualifiers++;
	return HR_OK;
}

/* ---- Driver ------------------------------------------------------------ */

static hresult apply_items(struct compiler *c)
{
	const struct mof_unit *u = c->u;
	hresult hr = HR_OK;

	for (uint32_t i = 0; i < u->n_items; i++) {
		const struct mof_item *it = &u->items[i];

		if (it->kind == MOF_ITEM_INSTANCE && it->u.inst->alias) {
			struct alias_state *as = talloc_zero(
			        c->mem, struct alias_state);

			if (as == NULL) {
				return HR_E_OUTOFMEMORY;
			}
			as->item = it;
			hr = mof_map_put(&c->aliases, it->u.inst->alias,
			                 strlen(it->u.inst->alias), as);
			if (hr_failed(hr)) {
				return hr;
			}
		}
	}
	for (uint32_t i = 0; i < u->n_items; i++) {
		const struct mof_item *it = &u->items[i];

		switch (it->kind) {
		case MOF_ITEM_QUALDECL:
			hr = put_qualdecl(c, it);
			break;
		case MOF_ITEM_CLASS:
			hr = put_class(c, it);
			break;
		case MOF_ITEM_INSTANCE:
			hr = put_instance(c, it);
			break;
		case MOF_ITEM_DELETECLASS:
			hr = delete_class(c, it);
			break;
		case MOF_ITEM_DELETEINSTANCE:
			hr = delete_instance(c, it);
			break;
		case MOF_ITEM_NSCREATE:
			hr = ensure_ns(c, it);
			break;
		}
		if (hr_failed(hr)) {
			return hr;
		}
	}
	return HR_OK;
}

hresult mof_apply(struct repo *r,
                  const struct mof_unit *unit,
                  const struct mof_options *o,
                  struct mof_stats *stats,
                  struct errinfo *ei)
{
	struct compiler c;
	hresult hr;

	if (r == NULL || unit == NULL) {
		return HR_E_INVALIDARG;
	}
	memset(&c, 0, sizeof(c));
	c.r = r;
	c.u = unit;
	c.ei = ei;
	c.max_depth = (o && o->max_depth) ? o->max_depth
	                                  : MOF_DEFAULT_MAX_DEPTH;
	c.mem = talloc_new(NULL);
	if (c.mem == NULL) {
		return HR_E_OUTOFMEMORY;
	}
	mof_map_init(&c.classes, c.mem);
	mof_map_init(&c.aliases, c.mem);
	buf_init(&c.key, c.mem);
	c.st.files = unit->n_files;
	if (hr_failed(hr = repo_txn_begin(r))) {
		err_set(ei, hr, MOF_LAYER, "cannot begin a transaction");
		goto out;
	}
	hr = apply_items(&c);
	if (hr_ok(hr) && (unit->autorecover || (o && o->autorecover))) {
		hr = repo_autorecover_add(r, unit->path);
		if (hr_failed(hr)) {
			err_set(ei, hr, MOF_LAYER,
			        "cannot add '%s' to the autorecover list",
			        unit->path);
		}
	}
	if (hr_ok(hr)) {
		hr = repo_txn_commit(r);
		if (hr_failed(hr)) {
			err_set(ei, hr, MOF_LAYER, "commit failed");
			repo_txn_rollback(r);
		}
	} else {
		repo_txn_rollback(r);
	}
	if (hr_ok(hr) && stats != NULL) {
		*stats = c.st;
	}
out:
	talloc_free(c.mem);
	return hr;
}

static hresult hook_qualdecl(void *arg,
                             void *mem,
                             const char *ns,
                             const char *name,
                             struct cim_qualifier_decl **out)
{
	return repo_qualdecl_get(arg, mem, ns, name, out);
}

static hresult compile(struct repo *r,
                       const char *path,
                       const void *data,
                       size_t len,
                       const struct mof_options *o,
                       struct mof_stats *stats,
                       struct errinfo *ei)
{
	struct mof_parse_hooks hooks = { hook_qualdecl, r };
	struct mof_unit *u = NULL;
	void *mem = talloc_new(NULL);
	hresult hr;

	if (mem == NULL) {
		return HR_E_OUTOFMEMORY;
	}
	hr = mof_parse_ex(mem, path, data, len, o, r ? &hooks : NULL, &u, ei);
	if (hr_ok(hr) && stats != NULL) {
		memset(stats, 0, sizeof(*stats));
		stats->files = u->n_files;
	}
	if (hr_ok(hr) && !(o && o->check_only)) {
		hr = r ? mof_apply(r, u, o, stats, ei) : HR_E_INVALIDARG;
	}
	talloc_free(mem);
	return hr;
}

hresult mof_parse_file_for(void *mem,
                           struct repo *r,
                           const char *path,
                           const struct mof_options *o,
                           struct mof_unit **out,
                           struct errinfo *ei)
{
	struct mof_parse_hooks hooks = { hook_qualdecl, r };

	if (path == NULL || out == NULL) {
		return HR_E_INVALIDARG;
	}
	return mof_parse_ex(mem, path, NULL, 0, o, r ? &hooks : NULL, out, ei);
}

hresult mof_compile_file(struct repo *r,
                         const char *path,
                         const struct mof_options *o,
                         struct mof_stats *stats,
                         struct errinfo *ei)
{
	if (path == NULL) {
		return HR_E_INVALIDARG;
	}
	return compile(r, path, NULL, 0, o, stats, ei);
}

hresult mof_compile_buffer(struct repo *r,
                           const void *data,
                           size_t len,
                           const char *name,
                           const struct mof_options *o,
                           struct mof_stats *stats,
                           struct errinfo *ei)
{
	if (data == NULL && len != 0) {
		return HR_E_INVALIDARG;
	}
	return compile(r, name, data ? data : "", len, o, stats, ei);
}

hresult mof_repo_compile(void *arg,
                         struct repo *r,
                         const char *mof_path,
                         struct errinfo *ei)
{
	return mof_compile_file(r, mof_path, arg, NULL, ei);
}

bool mof_error_is_syntax(hresult hr)
{
	return (hr.v & 0xFFFFFF00u) == 0x80044000u;
}
