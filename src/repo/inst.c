/*
 * inst.c: static instances and qualifier declarations.
 *
 * An instance row is (class id, keystr, keyroot, blob).  The blob is
 * cim_instance_encode of a *canonical* instance: one built against the
 * stored resolved class, taking the caller's values by property name, so
 * what is stored always decodes against the class it names.  keyroot is
 * the class id of the key space (the topmost class with keys, or the class
 * itself when it has none), and (keyroot, keystr) is unique: an instance of
 * a subclass cannot share keys with one of its superclass.
 */
#include "repo/repo.h"

#include <string.h>
#include <talloc.h>

#include "base/utf.h"
#include "repo/repo-int.h"

/* Per-row scratch space for enumeration: decoding happens in a pool that
 * empties itself when the row's context is freed. */
#define ENUM_POOL_SIZE (64u * 1024u)

hresult repo_keystr_of(void *mem, const struct cim_instance *inst, char **out)
{
	return cim_instance_keystr(mem, inst, out);
}

hresult repo_keystr(void *mem, const struct cim_instance *inst, char **out)
{
	if (inst == NULL || inst->cls == NULL || out == NULL) {
		return hr_raise(HR_E_INVALIDARG);
	}
	return repo_keystr_of(mem, inst, out);
}

/* Finds the index of property [name] of [from], trying [hint] first. */
static int32_t find_prop(const struct cim_class *from,
                         uint32_t hint,
                         const char *name)
{
	if (hint < from->n_props &&
	    utf8_casecmp(from->props[hint].name, name) == 0) {
		return (int32_t)hint;
	}
	return cim_class_find_prop(from, name);
}

/*
 * Builds under [mem] an instance of the stored resolved class [cls] with
 * the values of [inst] taken by name (shallow: the values still point
 * into [inst] unless converted).  Properties [inst] lacks keep the class
 * default.  Errors: WBEM_E_INVALID_PROPERTY (a non-NULL value for a
 * property the class does not have), WBEM_E_TYPE_MISMATCH.
 */
static hresult canon_instance(void *mem,
                              struct cim_class *cls,
                              const struct cim_instance *inst,
                              struct cim_instance **out,
                              struct errinfo *ei)
{
	const struct cim_class *from = inst->cls;
	struct cim_instance *c = talloc_zero(mem, struct cim_instance);
	bool same_layout = from->n_props == cls->n_props;

	if (c == NULL) {
		return hr_raise(HR_E_OUTOFMEMORY);
	}
	c->cls = cls;
	c->quals = inst->quals;
	c->values = talloc_zero_array(c, struct cim_value,
	                              cls->n_props ? cls->n_props : 1);
	if (c->values == NULL) {
		return hr_raise(HR_E_OUTOFMEMORY);
	}
	for (uint32_t i = 0; i < cls->n_props; i++) {
		const struct cim_property *p = &cls->props[i];
		int32_t j = find_prop(from, i, p->name);
		const struct cim_value *v;

		if (j != (int32_t)i) {
			same_layout = false;
		}
		v = j >= 0 ? &inst->values[j] : &p->value;
		if (v->null) {
			c->values[i] = cim_value_null(p->type);
		} else if (v->type == p->type) {
			c->values[i] = *v;
		} else {
			hresult hr = cim_value_convert(c, &c->values[i], v,
			                               p->type);

			if (hr_failed(hr)) {
				return err_set(ei, hr, "repo",
				               "property '%s' of '%s' has the "
				               "wrong type",
				               p->name, cls->name);
			}
		}
	}
	if (!same_layout) {
		for (uint32_t j = 0; j < from->n_props; j++) {
			if (!inst->values[j].null &&
			    cim_class_find_prop(cls, from->props[j].name) < 0) {
				return err_set(
				        ei, HR_WBEM_E_INVALID_PROPERTY, "repo",
				        "class '%s' has no property '%s'",
				        cls->name, from->props[j].name);
			}
		}
	}
	*out = c;
	return HR_OK;
}

/* Looks up (keyroot, keystr); fills [cls_id] or returns NOT_FOUND. */
static hresult key_lookup(struct repo *r,
                          int64_t keyroot,
                          const char *keystr,
                          int64_t *cls_id)
{
	sqlite3_stmt *st = repo_stmt(r, ST_INST_BY_KEY);
	hresult hr = HR_OK;
	int rc;

	if (st == NULL) {
		return repo_sqlerr(r, sqlite3_errcode(r->db), NULL, "instance");
	}
	sqlite3_bind_int64(st, 1, keyroot);
	sqlite3_bind_text(st, 2, keystr, -1, SQLITE_STATIC);
	rc = sqlite3_step(st);
	if (rc == SQLITE_ROW) {
		*cls_id = sqlite3_column_int64(st, 0);
	} else {
		hr = rc == SQLITE_DONE ? hr_raise(HR_WBEM_E_NOT_FOUND)
		                       : repo_sqlerr(r, rc, NULL, "instance");
	}
	repo_stmt_done(st);
	return hr;
}

/* Creates the child namespace named by a __NAMESPACE instance. */
static hresult ns_from_instance(struct repo *r,
                                int64_t ns,
                                const struct cim_instance *inst,
                                struct errinfo *ei)
{
	const struct cim_value *name = cim_instance_get(inst, "Name");
	char *ppath = NULL, *path;
	int64_t id;
	hresult hr;

	if (name == NULL || name->null || name->type != CIM_T_STRING) {
		return HR_OK;
	}
	if (name->v.s[0] == '\0' || strpbrk(name->v.s, "\\/") != NULL) {
		return err_set(ei, HR_WBEM_E_INVALID_PARAMETER, "repo",
		               "invalid namespace name '%s'", name->v.s);
	}
	hr = repo_ns_path_by_id(r, r, ns, &ppath);
	if (hr_failed(hr)) {
		return hr;
	}
	path = talloc_asprintf(ppath, "%s\\%s", ppath, name->v.s);
	if (path == NULL) {
		talloc_free(ppath);
		return hr_raise(HR_E_OUTOFMEMORY);
	}
	hr = repo_ns_id(r, path, &id);
	if (hr_eq(hr, HR_WBEM_E_INVALID_NAMESPACE)) {
		hr = repo_ns_insert(r, path, REPO_NSI_SYSTEM_CLASSES, NULL, ei);
	}
	talloc_free(ppath);
	return hr;
}

hresult repo_inst_put_internal(struct repo *r,
                               int64_t ns,
                               const struct cim_instance *inst,
                               unsigned flags,
                               bool ns_side_effect,
                               struct errinfo *ei)
{
	void *tmp = talloc_new(NULL);
	struct repo_cls *c = NULL;
	struct cim_instance *canon = NULL;
	char *keystr = NULL;
	int64_t existing = 0;
	sqlite3_stmt *st;
	struct buf b;
	hresult hr;
	int rc;

	buf_init(&b, tmp);
	if (tmp == NULL) {
		return hr_raise(HR_E_OUTOFMEMORY);
	}
	hr = repo_cls_lookup(r, ns, inst->cls->name, &c, ei);
	if (hr_eq(hr, HR_WBEM_E_NOT_FOUND)) {
		hr = err_set(ei, HR_WBEM_E_INVALID_CLASS, "repo",
		             "class '%s' not found", inst->cls->name);
	}
	if (hr_failed(hr)) {
		goto out;
	}
	if (c->abstract) {
		hr = err_set(ei, HR_WBEM_E_INVALID_OPERATION, "repo",
		             "class '%s' is abstract", c->local->name);
		goto out;
	}
	hr = canon_instance(tmp, c->resolved, inst, &canon, ei);
	if (hr_ok(hr)) {
		hr = repo_keystr_of(tmp, canon, &keystr);
		if (hr_failed(hr)) {
			hr = err_set(ei, hr, "repo",
			             "instance of '%s' has no usable key",
			             c->local->name);
		}
	}
	if (hr_ok(hr)) {
		hr = cim_instance_encode(&b, canon);
	}
	if (hr_failed(hr)) {
		goto out;
	}
	hr = key_lookup(r, c->keyroot, keystr, &existing);
	if (hr_eq(hr, HR_WBEM_E_NOT_FOUND)) {
		existing = 0;
		hr = HR_OK;
	}
	if (hr_failed(hr)) {
		goto out;
	}
	if (existing != 0 &&
	    ((flags & REPO_PUT_CREATE_ONLY) || existing != c->id)) {
		hr = err_set(ei, HR_WBEM_E_ALREADY_EXISTS, "repo",
		             "instance %s.%s already exists", c->local->name,
		             keystr);
		goto out;
	}
	if (existing == 0 && (flags & REPO_PUT_UPDATE_ONLY)) {
		hr = err_set(ei, HR_WBEM_E_NOT_FOUND, "repo",
		             "instance %s.%s not found", c->local->name,
		             keystr);
		goto out;
	}
	st = repo_stmt(r, existing != 0 ? ST_INST_UPDATE : ST_INST_INSERT);
	if (st == NULL) {
		hr = repo_sqlerr(r, sqlite3_errcode(r->db), ei, "instance");
		goto out;
	}
	sqlite3_bind_int64(st, 1, c->id);
	sqlite3_bind_text(st, 2, keystr, -1, SQLITE_STATIC);
	if (existing != 0) {
		sqlite3_bind_blob(st, 3, b.data, (int)b.len, SQLITE_STATIC);
	} else {
		sqlite3_bind_int64(st, 3, c->keyroot);
		sqlite3_bind_blob(st, 4, b.data, (int)b.len, SQLITE_STATIC);
	}
	rc = sqlite3_step(st);
	repo_stmt_done(st);
	if (rc != SQLITE_DONE) {
		hr = repo_sqlerr(r, rc, ei, "instance");
		goto out;
	}
	if (ns_side_effect && repo_cls_is_namespace_class(c->resolved)) {
		hr = ns_from_instance(r, ns, canon, ei);
	}
	if (hr_ok(hr) && repo_cls_is_registration_class(c->resolved)) {
		hr = repo_bump_reg_gen(r, ei);
	}
out:
	buf_release(&b);
	talloc_free(tmp);
	return hr;
}

hresult repo_instance_put(struct repo *r,
                          const char *ns,
                          const struct cim_instance *inst,
                          unsigned flags,
                          struct errinfo *ei)
{
	int64_t nsid;
	hresult hr;

	if (r == NULL || inst == NULL || inst->cls == NULL ||
	    inst->cls->name == NULL) {
		return err_set(ei, HR_E_INVALIDARG, "repo", "bad argument");
	}
	if ((flags & REPO_PUT_CREATE_ONLY) && (flags & REPO_PUT_UPDATE_ONLY)) {
		return err_set(ei, HR_WBEM_E_INVALID_PARAMETER, "repo",
		               "create-only and update-only together");
	}
	hr = repo_write_begin(r, ei);
	if (hr_failed(hr)) {
		return hr;
	}
	hr = repo_ns_id(r, ns, &nsid);
	if (hr_failed(hr)) {
		hr = err_set(ei, hr, "repo", "namespace '%s' not found",
		             ns != NULL ? ns : "(null)");
	} else {
		hr = repo_inst_put_internal(r, nsid, inst, flags, true, ei);
	}
	return repo_write_end(r, hr, ei);
}

/*
 * Finds the instance of [cls] (or a subclass) with [keystr]: fills
 * [found] (the class it belongs to) and [st_out] (the ST_INST_BY_KEY
 * statement positioned on the row, whose column 1 is the blob; the caller
 * resets it with repo_stmt_done).
 */
static hresult find_instance(struct repo *r,
                             int64_t ns,
                             const char *cls,
                             const char *keystr,
                             struct repo_cls **found,
                             sqlite3_stmt **st_out)
{
	struct repo_cls *c = NULL, *f = NULL;
	sqlite3_stmt *st;
	int64_t id;
	hresult hr;
	int rc;

	hr = repo_cls_lookup(r, ns, cls, &c, NULL);
	if (hr_eq(hr, HR_WBEM_E_NOT_FOUND)) {
		return hr_raise(HR_WBEM_E_INVALID_CLASS);
	}
	if (hr_failed(hr)) {
		return hr;
	}
	st = repo_stmt(r, ST_INST_BY_KEY);
	if (st == NULL) {
		return repo_sqlerr(r, sqlite3_errcode(r->db), NULL, "instance");
	}
	sqlite3_bind_int64(st, 1, c->keyroot);
	sqlite3_bind_text(st, 2, keystr, -1, SQLITE_STATIC);
	rc = sqlite3_step(st);
	if (rc != SQLITE_ROW) {
		repo_stmt_done(st);
		return rc == SQLITE_DONE ? hr_raise(HR_WBEM_E_NOT_FOUND)
		                         : repo_sqlerr(r, rc, NULL, "instance");
	}
	id = sqlite3_column_int64(st, 0);
	if (id == c->id) {
		f = c;
	} else {
		hr = repo_cls_by_id(r, id, &f, NULL);
		if (hr_failed(hr)) {
			repo_stmt_done(st);
			return hr;
		}
		hr = HR_WBEM_E_NOT_FOUND;
		for (uint32_t i = 0; i < f->resolved->n_derivation; i++) {
			if (utf8_casecmp(f->resolved->derivation[i],
			                 c->local->name) == 0) {
				hr = HR_OK;
				break;
			}
		}
		if (hr_failed(hr)) {
			repo_stmt_done(st);
			return hr_raise(hr);
		}
	}
	*found = f;
	*st_out = st;
	return HR_OK;
}

hresult repo_instance_get(struct repo *r,
                          void *mem,
                          const char *ns,
                          const char *cls,
                          const char *keystr,
                          struct cim_instance **out)
{
	struct repo_cls *f = NULL;
	struct cim_instance *inst = NULL;
	struct cim_class *copy;
	sqlite3_stmt *st = NULL;
	int64_t nsid;
	hresult hr;

	if (r == NULL || cls == NULL || keystr == NULL || out == NULL) {
		return hr_raise(HR_E_INVALIDARG);
	}
	hr = repo_cache_check(r);
	if (hr_ok(hr)) {
		hr = repo_ns_id(r, ns, &nsid);
	}
	if (hr_ok(hr)) {
		hr = find_instance(r, nsid, cls, keystr, &f, &st);
	}
	if (hr_failed(hr)) {
		return hr;
	}
	hr = cim_instance_decode(mem, f->resolved, sqlite3_column_blob(st, 1),
	                         (size_t)sqlite3_column_bytes(st, 1), &inst);
	repo_stmt_done(st);
	if (hr_failed(hr)) {
		return repo_decode_err(hr);
	}
	copy = cim_class_copy(inst, f->resolved);
	if (copy == NULL) {
		talloc_free(inst);
		return hr_raise(HR_E_OUTOFMEMORY);
	}
	inst->cls = copy;
	*out = inst;
	return HR_OK;
}

hresult repo_instance_delete(struct repo *r,
                             const char *ns,
                             const char *cls,
                             const char *keystr,
                             struct errinfo *ei)
{
	struct repo_cls *f = NULL;
	struct cim_instance *inst = NULL;
	char *name = NULL;
	sqlite3_stmt *st = NULL;
	int64_t nsid, cls_id;
	bool reg;
	hresult hr;
	int rc;

	if (r == NULL || cls == NULL || keystr == NULL) {
		return err_set(ei, HR_E_INVALIDARG, "repo", "bad argument");
	}
	hr = repo_write_begin(r, ei);
	if (hr_failed(hr)) {
		return hr;
	}
	hr = repo_ns_id(r, ns, &nsid);
	if (hr_ok(hr)) {
		hr = find_instance(r, nsid, cls, keystr, &f, &st);
	}
	if (hr_failed(hr)) {
		hr = err_set(ei, hr, "repo", "instance %s.%s not found", cls,
		             keystr);
		return repo_write_end(r, hr, ei);
	}
	cls_id = f->id;
	reg = repo_cls_is_registration_class(f->resolved);
	if (repo_cls_is_namespace_class(f->resolved)) {
		hr = cim_instance_decode(
		        r, f->resolved, sqlite3_column_blob(st, 1),
		        (size_t)sqlite3_column_bytes(st, 1), &inst);
		if (hr_ok(hr)) {
			const struct cim_value *v = cim_instance_get(inst,
			                                             "Name");

			if (v != NULL && !v->null && v->type == CIM_T_STRING) {
				name = talloc_strdup(inst, v->v.s);
			}
		}
		hr = HR_OK;
	}
	repo_stmt_done(st);
	st = repo_stmt(r, ST_INST_DELETE);
	if (st == NULL) {
		hr = repo_sqlerr(r, sqlite3_errcode(r->db), ei, "instance");
		goto out;
	}
	sqlite3_bind_int64(st, 1, cls_id);
	sqlite3_bind_text(st, 2, keystr, -1, SQLITE_STATIC);
	rc = sqlite3_step(st);
	repo_stmt_done(st);
	if (rc != SQLITE_DONE) {
		hr = repo_sqlerr(r, rc, ei, "instance");
		goto out;
	}
	if (name != NULL) {
		hr = repo_ns_delete_child(r, nsid, name, ei);
	}
	if (hr_ok(hr) && reg) {
		hr = repo_bump_reg_gen(r, ei);
	}
out:
	talloc_free(inst);
	return repo_write_end(r, hr, ei);
}

/* Resolves [cls] in [ns] and lists the class ids an enumeration visits. */
static hresult enum_ids(struct repo *r,
                        void *mem,
                        const char *ns,
                        const char *cls,
                        bool deep,
                        int64_t **ids,
                        uint32_t *n)
{
	struct repo_cls *c = NULL;
	int64_t nsid;
	hresult hr;

	hr = repo_cache_check(r);
	if (hr_ok(hr)) {
		hr = repo_ns_id(r, ns, &nsid);
	}
	if (hr_ok(hr)) {
		hr = repo_cls_lookup(r, nsid, cls, &c, NULL);
		if (hr_eq(hr, HR_WBEM_E_NOT_FOUND)) {
			hr = hr_raise(HR_WBEM_E_INVALID_CLASS);
		}
	}
	if (hr_failed(hr)) {
		return hr;
	}
	if (deep) {
		return repo_cls_subtree(r, mem, nsid, c->local->name, ids, n);
	}
	*ids = talloc_array(mem, int64_t, 1);
	if (*ids == NULL) {
		return hr_raise(HR_E_OUTOFMEMORY);
	}
	(*ids)[0] = c->id;
	*n = 1;
	return HR_OK;
}

/* Walks the instances of one class id. */
static hresult enum_class(struct repo *r,
                          void *pool,
                          int64_t id,
                          repo_instance_cb *cb,
                          void *arg)
{
	struct repo_cls *e = NULL;
	struct cim_class *cls;
	sqlite3_stmt *st, *own = NULL;
	hresult hr;
	int rc;

	hr = repo_cls_by_id(r, id, &e, NULL);
	if (hr_eq(hr, HR_WBEM_E_NOT_FOUND)) {
		return HR_OK; /* deleted by an earlier callback */
	}
	if (hr_failed(hr)) {
		return hr;
	}
	/* A private copy: a callback that writes classes flushes the cache. */
	cls = cim_class_copy(pool, e->resolved);
	if (cls == NULL) {
		return hr_raise(HR_E_OUTOFMEMORY);
	}
	st = repo_stmt(r, ST_INST_BY_CLASS);
	if (st != NULL && sqlite3_stmt_busy(st)) {
		/* A nested enumeration from a callback: use a statement of
		 * our own. */
		rc = sqlite3_prepare_v2(r->db,
		                        "SELECT blob FROM instance "
		                        "WHERE class = ?1",
		                        -1, &own, NULL);
		st = rc == SQLITE_OK ? own : NULL;
	}
	if (st == NULL) {
		talloc_free(cls);
		return repo_sqlerr(r, sqlite3_errcode(r->db), NULL, "instance");
	}
	sqlite3_bind_int64(st, 1, id);
	while ((rc = sqlite3_step(st)) == SQLITE_ROW) {
		void *row = talloc_new(pool);
		struct cim_instance *inst = NULL;

		if (row == NULL) {
			hr = hr_raise(HR_E_OUTOFMEMORY);
			break;
		}
		hr = cim_instance_decode(row, cls, sqlite3_column_blob(st, 0),
		                         (size_t)sqlite3_column_bytes(st, 0),
		                         &inst);
		if (hr_failed(hr)) {
			talloc_free(row);
			hr = repo_decode_err(hr);
			break;
		}
		hr = cb(arg, inst);
		talloc_free(row);
		if (hr_failed(hr)) {
			break;
		}
	}
	if (hr_ok(hr) && rc != SQLITE_DONE) {
		hr = repo_sqlerr(r, rc, NULL, "instance");
	}
	if (own != NULL) {
		sqlite3_finalize(own);
	} else {
		repo_stmt_done(st);
	}
	talloc_free(cls);
	return hr;
}

hresult repo_instance_enum(struct repo *r,
                           void *mem,
                           const char *ns,
                           const char *cls,
                           bool deep,
                           repo_instance_cb *cb,
                           void *arg)
{
	void *tmp;
	void *pool;
	int64_t *ids = NULL;
	uint32_t n = 0;
	hresult hr;

	if (r == NULL || cls == NULL || cb == NULL) {
		return hr_raise(HR_E_INVALIDARG);
	}
	tmp = talloc_new(mem);
	if (tmp == NULL) {
		return hr_raise(HR_E_OUTOFMEMORY);
	}
	hr = enum_ids(r, tmp, ns, cls, deep, &ids, &n);
	pool = hr_ok(hr) ? talloc_pool(tmp, ENUM_POOL_SIZE) : NULL;
	if (hr_ok(hr) && pool == NULL) {
		hr = hr_raise(HR_E_OUTOFMEMORY);
	}
	for (uint32_t i = 0; hr_ok(hr) && i < n; i++) {
		hr = enum_class(r, pool, ids[i], cb, arg);
	}
	talloc_free(tmp);
	return hr;
}

hresult repo_instance_count(struct repo *r,
                            const char *ns,
                            const char *cls,
                            bool deep,
                            uint64_t *n)
{
	int64_t *ids = NULL;
	uint32_t k = 0;
	hresult hr;

	if (r == NULL || cls == NULL || n == NULL) {
		return hr_raise(HR_E_INVALIDARG);
	}
	hr = enum_ids(r, NULL, ns, cls, deep, &ids, &k);
	if (hr_ok(hr)) {
		hr = repo_cls_count_instances(r, ids, k, n);
	}
	talloc_free(ids);
	return hr;
}

/* ---- Qualifier declarations ------------------------------------------ */

static hresult qd_exists(struct repo *r,
                         int64_t ns,
                         const char *name,
                         bool *exists)
{
	sqlite3_stmt *st = repo_stmt(r, ST_QD_GET);
	int rc;

	if (st == NULL) {
		return repo_sqlerr(r, sqlite3_errcode(r->db), NULL,
		                   "qualifier");
	}
	sqlite3_bind_int64(st, 1, ns);
	sqlite3_bind_text(st, 2, name, -1, SQLITE_STATIC);
	rc = sqlite3_step(st);
	repo_stmt_done(st);
	if (rc != SQLITE_ROW && rc != SQLITE_DONE) {
		return repo_sqlerr(r, rc, NULL, "qualifier");
	}
	*exists = rc == SQLITE_ROW;
	return HR_OK;
}

hresult repo_qualdecl_put(struct repo *r,
                          const char *ns,
                          const struct cim_qualifier_decl *d,
                          unsigned flags,
                          struct errinfo *ei)
{
	bool exists = false;
	sqlite3_stmt *st;
	int64_t nsid;
	struct buf b;
	hresult hr;
	int rc;

	if (r == NULL || d == NULL) {
		return err_set(ei, HR_E_INVALIDARG, "repo", "bad argument");
	}
	if (d->name == NULL || *d->name == '\0') {
		return err_set(ei, HR_WBEM_E_INVALID_PARAMETER, "repo",
		               "qualifier declaration without a name");
	}
	hr = repo_write_begin(r, ei);
	if (hr_failed(hr)) {
		return hr;
	}
	buf_init(&b, NULL);
	hr = repo_ns_id(r, ns, &nsid);
	if (hr_failed(hr)) {
		hr = err_set(ei, hr, "repo", "namespace not found");
		goto out;
	}
	hr = qd_exists(r, nsid, d->name, &exists);
	if (hr_ok(hr) && exists && (flags & REPO_PUT_CREATE_ONLY)) {
		hr = err_set(ei, HR_WBEM_E_ALREADY_EXISTS, "repo",
		             "qualifier '%s' already declared", d->name);
	}
	if (hr_ok(hr) && !exists && (flags & REPO_PUT_UPDATE_ONLY)) {
		hr = err_set(ei, HR_WBEM_E_NOT_FOUND, "repo",
		             "qualifier '%s' not declared", d->name);
	}
	if (hr_ok(hr)) {
		hr = cim_qualifier_decl_encode(&b, d);
	}
	if (hr_failed(hr)) {
		goto out;
	}
	st = repo_stmt(r, ST_QD_PUT);
	if (st == NULL) {
		hr = repo_sqlerr(r, sqlite3_errcode(r->db), ei, "qualifier");
		goto out;
	}
	sqlite3_bind_int64(st, 1, nsid);
	sqlite3_bind_text(st, 2, d->name, -1, SQLITE_STATIC);
	sqlite3_bind_blob(st, 3, b.data, (int)b.len, SQLITE_STATIC);
	rc = sqlite3_step(st);
	repo_stmt_done(st);
	if (rc != SQLITE_DONE) {
		hr = repo_sqlerr(r, rc, ei, "qualifier");
	}
out:
	buf_release(&b);
	return repo_write_end(r, hr, ei);
}

hresult repo_qualdecl_get(struct repo *r,
                          void *mem,
                          const char *ns,
                          const char *name,
                          struct cim_qualifier_decl **out)
{
	sqlite3_stmt *st;
	int64_t nsid;
	hresult hr;
	int rc;

	if (r == NULL || name == NULL || out == NULL) {
		return hr_raise(HR_E_INVALIDARG);
	}
	hr = repo_ns_id(r, ns, &nsid);
	if (hr_failed(hr)) {
		return hr;
	}
	st = repo_stmt(r, ST_QD_GET);
	if (st == NULL) {
		return repo_sqlerr(r, sqlite3_errcode(r->db), NULL,
		                   "qualifier");
	}
	sqlite3_bind_int64(st, 1, nsid);
	sqlite3_bind_text(st, 2, name, -1, SQLITE_STATIC);
	rc = sqlite3_step(st);
	if (rc == SQLITE_ROW) {
		hr = cim_qualifier_decl_decode(
		        mem, sqlite3_column_blob(st, 0),
		        (size_t)sqlite3_column_bytes(st, 0), out);
		if (hr_failed(hr)) {
			hr = repo_decode_err(hr);
		}
	} else {
		hr = rc == SQLITE_DONE ? hr_raise(HR_WBEM_E_NOT_FOUND)
		                       : repo_sqlerr(r, rc, NULL, "qualifier");
	}
	repo_stmt_done(st);
	return hr;
}

hresult repo_qualdecl_delete(struct repo *r,
                             const char *ns,
                             const char *name,
                             struct errinfo *ei)
{
	sqlite3_stmt *st;
	int64_t nsid;
	hresult hr;
	int rc;

	if (r == NULL || name == NULL) {
		return err_set(ei, HR_E_INVALIDARG, "repo", "bad argument");
	}
	hr = repo_write_begin(r, ei);
	if (hr_failed(hr)) {
		return hr;
	}
	hr = repo_ns_id(r, ns, &nsid);
	if (hr_failed(hr)) {
		hr = err_set(ei, hr, "repo", "namespace not found");
		return repo_write_end(r, hr, ei);
	}
	st = repo_stmt(r, ST_QD_DELETE);
	if (st == NULL) {
		hr = repo_sqlerr(r, sqlite3_errcode(r->db), ei, "qualifier");
		return repo_write_end(r, hr, ei);
	}
	sqlite3_bind_int64(st, 1, nsid);
	sqlite3_bind_text(st, 2, name, -1, SQLITE_STATIC);
	rc = sqlite3_step(st);
	repo_stmt_done(st);
	if (rc != SQLITE_DONE) {
		hr = repo_sqlerr(r, rc, ei, "qualifier");
	} else if (sqlite3_changes(r->db) == 0) {
		hr = err_set(ei, HR_WBEM_E_NOT_FOUND, "repo",
		             "qualifier '%s' not declared", name);
	}
	return repo_write_end(r, hr, ei);
}

hresult repo_qualdecl_enum(struct repo *r,
                           void *mem,
                           const char *ns,
                           repo_qualdecl_cb *cb,
                           void *arg)
{
	sqlite3_stmt *st = NULL;
	int64_t nsid;
	hresult hr;
	int rc;

	if (r == NULL || cb == NULL) {
		return hr_raise(HR_E_INVALIDARG);
	}
	hr = repo_ns_id(r, ns, &nsid);
	if (hr_failed(hr)) {
		return hr;
	}
	/* Own statement: callbacks may call repo_qualdecl_get. */
	rc = sqlite3_prepare_v2(r->db,
	                        "SELECT blob FROM qualdecl WHERE ns = ?1 "
	                        "ORDER BY name",
	                        -1, &st, NULL);
	if (rc != SQLITE_OK) {
		return repo_sqlerr(r, rc, NULL, "qualifier");
	}
	sqlite3_bind_int64(st, 1, nsid);
	while ((rc = sqlite3_step(st)) == SQLITE_ROW) {
		struct cim_qualifier_decl *d = NULL;

		hr = cim_qualifier_decl_decode(
		        mem, sqlite3_column_blob(st, 0),
		        (size_t)sqlite3_column_bytes(st, 0), &d);
		if (hr_failed(hr)) {
			hr = repo_decode_err(hr);
			break;
		}
		hr = cb(arg, d);
		talloc_free(d);
		if (hr_failed(hr)) {
			break;
		}
	}
	if (hr_ok(hr) && rc != SQLITE_DONE) {
		hr = repo_sqlerr(r, rc, NULL, "qualifier");
	}
	sqlite3_finalize(st);
	return hr;
}
