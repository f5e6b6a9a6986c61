/*
 * ns.c: namespaces, their security descriptors, provider registrations
 * and the autorecover list.
 *
 * A namespace row holds its full stored path ("root\\cimv2", unique,
 * case-insensitive), its last component and its parent's id; root has id 1
 * and no parent.  The __NAMESPACE instance naming a child lives in the
 * parent namespace when class __NAMESPACE exists there.
 */
#include "repo/repo.h"

#include <string.h>
#include <talloc.h>

#include "base/utf.h"
#include "repo/repo-int.h"

/* Normalizes [ns] into [out] (cap bytes): '/' becomes '\\', separators at
 * the ends are dropped; empty components and bad UTF-8 are refused. */
static hresult ns_norm(const char *ns, char *out, size_t cap)
{
	size_t n, start = 0, end, o = 0;

	if (ns == NULL) {
		return hr_raise(HR_WBEM_E_INVALID_NAMESPACE);
	}
	n = strlen(ns);
	while (start < n && (ns[start] == '\\' || ns[start] == '/')) {
		start++;
	}
	end = n;
	while (end > start && (ns[end - 1] == '\\' || ns[end - 1] == '/')) {
		end--;
	}
	if (end == start || end - start >= cap ||
	    !utf8_valid(ns + start, end - start, NULL)) {
		return hr_raise(HR_WBEM_E_INVALID_NAMESPACE);
	}
	for (size_t i = start; i < end; i++) {
		char c = ns[i] == '/' ? '\\' : ns[i];

		if (c == '\\' && o > 0 && out[o - 1] == '\\') {
			return hr_raise(HR_WBEM_E_INVALID_NAMESPACE);
		}
		out[o++] = c;
	}
	out[o] = '\0';
	return HR_OK;
}

hresult repo_ns_normalize(void *mem, const char *ns, char **out)
{
	char tmp[REPO_MAX_NS_LEN + 1];
	hresult hr = ns_norm(ns, tmp, sizeof(tmp));

	if (hr_failed(hr)) {
		return hr;
	}
	*out = talloc_strdup(mem, tmp);
	return *out != NULL ? HR_OK : hr_raise(HR_E_OUTOFMEMORY);
}

static bool key_eq(const char *a, const char *b)
{
	return utf8_casecmp(a, b) == 0;
}

/* Remembers [norm] -> ([id], [path]) in the cache (best effort). */
static void ns_cache_add(struct repo *r,
                         const char *norm,
                         int64_t id,
                         const char *path)
{
	struct repo_cache *c = repo_cache_get(r);
	struct repo_nsent *a;

	if (c == NULL || c->n_ns >= 4096) {
		return;
	}
	a = talloc_realloc(c, c->ns, struct repo_nsent, c->n_ns + 1);
	if (a == NULL) {
		return;
	}
	c->ns = a;
	a[c->n_ns].key = talloc_strdup(a, norm);
	a[c->n_ns].path = talloc_strdup(a, path);
	a[c->n_ns].id = id;
	if (a[c->n_ns].key != NULL && a[c->n_ns].path != NULL) {
		c->n_ns++;
	}
}

static const struct repo_nsent *ns_cache_find(struct repo *r, const char *norm)
{
	struct repo_cache *c = r->cache;

	if (c == NULL) {
		return NULL;
	}
	for (uint32_t i = 0; i < c->n_ns; i++) {
		if (key_eq(c->ns[i].key, norm)) {
			return &c->ns[i];
		}
	}
	return NULL;
}

/* Looks [norm] (normalized) up; fills [id] and, when [mem], [path]. */
static hresult ns_lookup(struct repo *r,
                         const char *norm,
                         int64_t *id,
                         void *mem,
                         char **path)
{
	const struct repo_nsent *e = ns_cache_find(r, norm);
	sqlite3_stmt *st;
	hresult hr = HR_OK;
	int rc;

	if (e != NULL) {
		*id = e->id;
		if (mem != NULL) {
			*path = talloc_strdup(mem, e->path);
			if (*path == NULL) {
				return hr_raise(HR_E_OUTOFMEMORY);
			}
		}
		return HR_OK;
	}
	st = repo_stmt(r, ST_NS_BY_PATH);
	if (st == NULL) {
		return repo_sqlerr(r, sqlite3_errcode(r->db), NULL, "ns");
	}
	sqlite3_bind_text(st, 1, norm, -1, SQLITE_STATIC);
	rc = sqlite3_step(st);
	if (rc == SQLITE_ROW) {
		const char *stored = (const char *)sqlite3_column_text(st, 1);

		*id = sqlite3_column_int64(st, 0);
		ns_cache_add(r, norm, *id, stored);
		if (mem != NULL) {
			*path = talloc_strdup(mem, stored);
			if (*path == NULL) {
				hr = hr_raise(HR_E_OUTOFMEMORY);
			}
		}
	} else if (rc == SQLITE_DONE) {
		hr = hr_raise(HR_WBEM_E_INVALID_NAMESPACE);
	} else {
		hr = repo_sqlerr(r, rc, NULL, "ns");
	}
	repo_stmt_done(st);
	return hr;
}

hresult repo_ns_id(struct repo *r, const char *ns, int64_t *id)
{
	char norm[REPO_MAX_NS_LEN + 1];
	hresult hr = ns_norm(ns, norm, sizeof(norm));

	if (hr_failed(hr)) {
		return hr;
	}
	return ns_lookup(r, norm, id, NULL, NULL);
}

hresult repo_ns_path_by_id(struct repo *r, void *mem, int64_t id, char **path)
{
	sqlite3_stmt *st = repo_stmt(r, ST_NS_BY_ID);
	hresult hr = HR_OK;
	int rc;

	if (st == NULL) {
		return repo_sqlerr(r, sqlite3_errcode(r->db), NULL, "ns");
	}
	sqlite3_bind_int64(st, 1, id);
	rc = sqlite3_step(st);
	if (rc == SQLITE_ROW) {
		*path = talloc_strdup(mem,
		                      (const char *)sqlite3_column_text(st, 0));
		if (*path == NULL) {
			hr = hr_raise(HR_E_OUTOFMEMORY);
		}
	} else if (rc == SQLITE_DONE) {
		hr = hr_raise(HR_WBEM_E_INVALID_NAMESPACE);
	} else {
		hr = repo_sqlerr(r, rc, NULL, "ns");
	}
	repo_stmt_done(st);
	return hr;
}

/* Makes the __NAMESPACE instance Name=[name] in namespace [parent]
 * when the class exists there; nothing when it does not. */
static hresult ns_make_instance(struct repo *r,
                                int64_t parent,
                                const char *name,
                                struct errinfo *ei)
{
	void *tmp = talloc_new(NULL);
	struct repo_cls *c = NULL;
	struct cim_instance *inst;
	struct cim_value v;
	hresult hr;

	if (tmp == NULL) {
		return hr_raise(HR_E_OUTOFMEMORY);
	}
	hr = repo_cls_lookup(r, parent, "__NAMESPACE", &c, ei);
	if (hr_eq(hr, HR_WBEM_E_NOT_FOUND)) {
		hr = HR_OK;
		goto out;
	}
	if (hr_failed(hr)) {
		goto out;
	}
	inst = cim_instance_new(tmp, c->resolved);
	if (inst == NULL) {
		hr = hr_raise(HR_E_OUTOFMEMORY);
		goto out;
	}
	v = cim_value_null(CIM_T_STRING);
	v.null = false;
	v.v.s = (char *)name;
	hr = cim_instance_set(inst, "Name", &v);
	if (hr_failed(hr)) {
		goto out;
	}
	hr = repo_inst_put_internal(r, parent, inst, 0, false, ei);
out:
	talloc_free(tmp);
	return hr;
}

/*
 * Copies the system classes (names starting "__") of namespace [from]
 * into the new, empty namespace [to].  They only derive from each other,
 * so the copied rows form a closed tree; the class cache is keyed by
 * namespace and needs no invalidation for a namespace that had none.
 */
static hresult ns_copy_system_classes(struct repo *r,
                                      int64_t from,
                                      int64_t to,
                                      struct errinfo *ei)
{
	static const char sql[] =
	        "INSERT INTO class(ns, name, super, abstract, blob) "
	        "SELECT ?2, name, super, abstract, blob FROM class "
	        "WHERE ns = ?1 AND substr(name, 1, 2) = '__'";
	sqlite3_stmt *st = NULL;
	int rc = sqlite3_prepare_v2(r->db, sql, -1, &st, NULL);

	if (rc == SQLITE_OK) {
		sqlite3_bind_int64(st, 1, from);
		sqlite3_bind_int64(st, 2, to);
		rc = sqlite3_step(st);
		if (rc == SQLITE_DONE) {
			rc = SQLITE_OK;
		}
	}
	sqlite3_finalize(st);
	return rc == SQLITE_OK
	               ? HR_OK
	               : repo_sqlerr(r, rc, ei, "copying system classes");
}

hresult repo_ns_insert(struct repo *r,
                       const char *norm,
                       unsigned flags,
                       int64_t *id,
                       struct errinfo *ei)
{
	char parent[REPO_MAX_NS_LEN + 1];
	const char *last = strrchr(norm, '\\');
	char *ppath = NULL, *path = NULL;
	int64_t pid, existing, new_id;
	sqlite3_stmt *st;
	hresult hr;
	int rc;

	if (last == NULL) {
		if (hr_ok(ns_lookup(r, norm, &existing, NULL, NULL))) {
			return err_set(ei, HR_WBEM_E_ALREADY_EXISTS, "repo",
			               "namespace '%s' already exists", norm);
		}
		return err_set(ei, HR_WBEM_E_INVALID_NAMESPACE, "repo",
		               "namespace '%s' has no parent", norm);
	}
	memcpy(parent, norm, (size_t)(last - norm));
	parent[last - norm] = '\0';
	last++;
	hr = ns_lookup(r, parent, &pid, r, &ppath);
	if (hr_failed(hr)) {
		return err_set(ei, hr, "repo",
		               "parent namespace '%s' not found", parent);
	}
	hr = ns_lookup(r, norm, &existing, NULL, NULL);
	if (hr_ok(hr)) {
		hr = err_set(ei, HR_WBEM_E_ALREADY_EXISTS, "repo",
		             "namespace '%s' already exists", norm);
		goto out;
	}
	if (!hr_eq(hr, HR_WBEM_E_INVALID_NAMESPACE)) {
		goto out;
	}
	path = talloc_asprintf(r, "%s\\%s", ppath, last);
	st = repo_stmt(r, ST_NS_INSERT);
	if (path == NULL || st == NULL) {
		hr = path == NULL
		             ? hr_raise(HR_E_OUTOFMEMORY)
		             : repo_sqlerr(r, sqlite3_errcode(r->db), ei, "ns");
		goto out;
	}
	sqlite3_bind_int64(st, 1, pid);
	sqlite3_bind_text(st, 2, last, -1, SQLITE_STATIC);
	sqlite3_bind_text(st, 3, path, -1, SQLITE_STATIC);
	rc = sqlite3_step(st);
	repo_stmt_done(st);
	if (rc != SQLITE_DONE) {
		hr = repo_sqlerr(r, rc, ei, "creating a namespace");
		goto out;
	}
	new_id = sqlite3_last_insert_rowid(r->db);
	if (id != NULL) {
		*id = new_id;
	}
	hr = HR_OK;
	if (flags & REPO_NSI_SYSTEM_CLASSES) {
		hr = ns_copy_system_classes(r, pid, new_id, ei);
	}
	if (hr_ok(hr) && (flags & REPO_NSI_INSTANCE)) {
		hr = ns_make_instance(r, pid, last, ei);
	}
out:
	talloc_free(ppath);
	talloc_free(path);
	return hr;
}

hresult repo_ns_create(struct repo *r, const char *ns, struct errinfo *ei)
{
	char norm[REPO_MAX_NS_LEN + 1];
	hresult hr;

	if (r == NULL) {
		return err_set(ei, HR_E_INVALIDARG, "repo", "no repository");
	}
	hr = ns_norm(ns, norm, sizeof(norm));
	if (hr_failed(hr)) {
		return err_set(ei, hr, "repo", "invalid namespace name");
	}
	hr = repo_write_begin(r, ei);
	if (hr_failed(hr)) {
		return hr;
	}
	hr = repo_ns_insert(
	        r, norm, REPO_NSI_INSTANCE | REPO_NSI_SYSTEM_CLASSES, NULL, ei);
	return repo_write_end(r, hr, ei);
}

hresult repo_ns_exists(struct repo *r, const char *ns)
{
	int64_t id;

	if (r == NULL) {
		return hr_raise(HR_E_INVALIDARG);
	}
	return repo_ns_id(r, ns, &id);
}

static hresult exec_id(struct repo *r,
                       const char *sql,
                       int64_t id,
                       struct errinfo *ei)
{
	sqlite3_stmt *st = NULL;
	int rc = sqlite3_prepare_v2(r->db, sql, -1, &st, NULL);

	if (rc == SQLITE_OK) {
		sqlite3_bind_int64(st, 1, id);
		rc = sqlite3_step(st);
		if (rc == SQLITE_DONE) {
			rc = SQLITE_OK;
		}
	}
	sqlite3_finalize(st);
	return rc == SQLITE_OK ? HR_OK : repo_sqlerr(r, rc, ei, sql);
}

/* Collects the ids of the direct children of namespace [id]. */
static hresult ns_child_ids(struct repo *r,
                            void *mem,
                            int64_t id,
                            int64_t **ids,
                            uint32_t *n)
{
	sqlite3_stmt *st = repo_stmt(r, ST_NS_CHILDREN);
	int64_t *a = NULL;
	uint32_t k = 0;
	hresult hr = HR_OK;
	int rc;

	if (st == NULL) {
		return repo_sqlerr(r, sqlite3_errcode(r->db), NULL, "ns");
	}
	sqlite3_bind_int64(st, 1, id);
	while ((rc = sqlite3_step(st)) == SQLITE_ROW) {
		int64_t *na = talloc_realloc(mem, a, int64_t, k + 1);

		if (na == NULL) {
			hr = hr_raise(HR_E_OUTOFMEMORY);
			break;
		}
		a = na;
		a[k++] = sqlite3_column_int64(st, 0);
	}
	if (hr_ok(hr) && rc != SQLITE_DONE) {
		hr = repo_sqlerr(r, rc, NULL, "ns");
	}
	repo_stmt_done(st);
	if (hr_failed(hr)) {
		talloc_free(a);
		return hr;
	}
	*ids = a;
	*n = k;
	return HR_OK;
}

hresult repo_ns_remove(struct repo *r, int64_t id, struct errinfo *ei)
{
	static const char *const del[] = {
		("DELETE FROM instance WHERE class IN "
		 "(SELECT id FROM class WHERE ns = ?1)"),
		"DELETE FROM class WHERE ns = ?1",
		"DELETE FROM qualdecl WHERE ns = ?1",
		"DELETE FROM provider WHERE ns = ?1",
		"DELETE FROM ns WHERE id = ?1",
	};
	int64_t *kids = NULL;
	uint32_t n = 0;
	hresult hr;

	hr = ns_child_ids(r, NULL, id, &kids, &n);
	for (uint32_t i = 0; hr_ok(hr) && i < n; i++) {
		hr = repo_ns_remove(r, kids[i], ei);
	}
	talloc_free(kids);
	for (size_t i = 0; hr_ok(hr) && i < sizeof(del) / sizeof(del[0]); i++) {
		hr = exec_id(r, del[i], id, ei);
	}
	return hr;
}

/* Deletes the __NAMESPACE instance Name=[name] from namespace [parent]
 * (nothing when the class or the instance is absent). */
static hresult ns_drop_instance(struct repo *r,
                                int64_t parent,
                                const char *name,
                                struct errinfo *ei)
{
	void *tmp = talloc_new(NULL);
	struct repo_cls *c = NULL;
	struct cim_instance *inst;
	struct cim_value v;
	char *keystr = NULL;
	sqlite3_stmt *st;
	hresult hr;
	int rc;

	if (tmp == NULL) {
		return hr_raise(HR_E_OUTOFMEMORY);
	}
	hr = repo_cls_lookup(r, parent, "__NAMESPACE", &c, ei);
	if (hr_eq(hr, HR_WBEM_E_NOT_FOUND)) {
		hr = HR_OK;
		goto out;
	}
	if (hr_failed(hr)) {
		goto out;
	}
	inst = cim_instance_new(tmp, c->resolved);
	if (inst == NULL) {
		hr = hr_raise(HR_E_OUTOFMEMORY);
		goto out;
	}
	v = cim_value_null(CIM_T_STRING);
	v.null = false;
	v.v.s = (char *)name;
	hr = cim_instance_set(inst, "Name", &v);
	if (hr_ok(hr)) {
		hr = repo_keystr_of(tmp, inst, &keystr);
	}
	if (hr_failed(hr)) {
		hr = HR_OK; /* not a usable __NAMESPACE class: nothing to do */
		goto out;
	}
	st = repo_stmt(r, ST_INST_BY_KEY);
	if (st == NULL) {
		hr = repo_sqlerr(r, sqlite3_errcode(r->db), ei, "instance");
		goto out;
	}
	sqlite3_bind_int64(st, 1, c->keyroot);
	sqlite3_bind_text(st, 2, keystr, -1, SQLITE_STATIC);
	rc = sqlite3_step(st);
	if (rc == SQLITE_ROW) {
		int64_t cls = sqlite3_column_int64(st, 0);

		repo_stmt_done(st);
		st = repo_stmt(r, ST_INST_DELETE);
		if (st == NULL) {
			hr = repo_sqlerr(r, sqlite3_errcode(r->db), ei,
			                 "instance");
			goto out;
		}
		sqlite3_bind_int64(st, 1, cls);
		sqlite3_bind_text(st, 2, keystr, -1, SQLITE_STATIC);
		rc = sqlite3_step(st);
		if (rc != SQLITE_DONE) {
			hr = repo_sqlerr(r, rc, ei, "instance");
		}
	} else if (rc != SQLITE_DONE) {
		hr = repo_sqlerr(r, rc, ei, "instance");
	}
	repo_stmt_done(st);
out:
	talloc_free(tmp);
	return hr;
}

/* Deletes namespace [id] (not root) and its __NAMESPACE instance. */
static hresult ns_delete_id(struct repo *r,
                            int64_t id,
                            bool drop_instance,
                            struct errinfo *ei)
{
	sqlite3_stmt *st = repo_stmt(r, ST_NS_BY_ID);
	int64_t parent = 0;
	char *name = NULL;
	hresult hr = HR_OK;
	int rc;

	if (st == NULL) {
		return repo_sqlerr(r, sqlite3_errcode(r->db), ei, "ns");
	}
	sqlite3_bind_int64(st, 1, id);
	rc = sqlite3_step(st);
	if (rc == SQLITE_ROW) {
		parent = sqlite3_column_type(st, 1) == SQLITE_NULL
		                 ? 0
		                 : sqlite3_column_int64(st, 1);
		name = talloc_strdup(r,
		                     (const char *)sqlite3_column_text(st, 2));
		if (name == NULL) {
			hr = hr_raise(HR_E_OUTOFMEMORY);
		}
	} else {
		hr = rc == SQLITE_DONE ? hr_raise(HR_WBEM_E_INVALID_NAMESPACE)
		                       : repo_sqlerr(r, rc, ei, "ns");
	}
	repo_stmt_done(st);
	if (hr_ok(hr)) {
		hr = repo_ns_remove(r, id, ei);
	}
	if (hr_ok(hr)) {
		repo_cache_flush(r);
		hr = repo_bump_class_gen(r, ei);
	}
	if (hr_ok(hr) && drop_instance && parent != 0) {
		hr = ns_drop_instance(r, parent, name, ei);
	}
	talloc_free(name);
	return hr;
}

hresult repo_ns_delete(struct repo *r, const char *ns, struct errinfo *ei)
{
	int64_t id;
	hresult hr;

	if (r == NULL) {
		return err_set(ei, HR_E_INVALIDARG, "repo", "no repository");
	}
	hr = repo_write_begin(r, ei);
	if (hr_failed(hr)) {
		return hr;
	}
	hr = repo_ns_id(r, ns, &id);
	if (hr_failed(hr)) {
		hr = err_set(ei, hr, "repo", "namespace '%s' not found",
		             ns != NULL ? ns : "(null)");
	} else if (id == 1) {
		hr = err_set(ei, HR_WBEM_E_INVALID_OPERATION, "repo",
		             "namespace root cannot be deleted");
	} else {
		hr = ns_delete_id(r, id, true, ei);
	}
	return repo_write_end(r, hr, ei);
}

hresult repo_ns_delete_child(struct repo *r,
                             int64_t parent,
                             const char *name,
                             struct errinfo *ei)
{
	char *ppath = NULL, *path;
	int64_t id;
	hresult hr;

	hr = repo_ns_path_by_id(r, r, parent, &ppath);
	if (hr_failed(hr)) {
		return hr;
	}
	path = talloc_asprintf(ppath, "%s\\%s", ppath, name);
	if (path == NULL) {
		talloc_free(ppath);
		return hr_raise(HR_E_OUTOFMEMORY);
	}
	hr = repo_ns_id(r, path, &id);
	if (hr_ok(hr)) {
		hr = ns_delete_id(r, id, false, ei);
	} else if (hr_eq(hr, HR_WBEM_E_INVALID_NAMESPACE)) {
		hr = HR_OK;
	}
	talloc_free(ppath);
	return hr;
}

/* Collects column [col] of [st] (already bound) as strings under [mem];
 * [what] names the area in a SQLite error. */
static hresult collect_strings(struct repo *r,
                               sqlite3_stmt *st,
                               void *mem,
                               int col,
                               const char *what,
                               char ***out,
                               uint32_t *n)
{
	char **a = talloc_array(mem, char *, 0);
	uint32_t k = 0;
	hresult hr = HR_OK;
	int rc;

	if (a == NULL) {
		repo_stmt_done(st);
		return hr_raise(HR_E_OUTOFMEMORY);
	}
	while ((rc = sqlite3_step(st)) == SQLITE_ROW) {
		char **na = talloc_realloc(mem, a, char *, k + 1);

		if (na == NULL) {
			hr = hr_raise(HR_E_OUTOFMEMORY);
			break;
		}
		a = na;
		a[k] = talloc_strdup(
		        a, (const char *)sqlite3_column_text(st, col));
		if (a[k] == NULL) {
			hr = hr_raise(HR_E_OUTOFMEMORY);
			break;
		}
		k++;
	}
	if (hr_ok(hr) && rc != SQLITE_DONE) {
		hr = repo_sqlerr(r, rc, NULL, what);
	}
	repo_stmt_done(st);
	if (hr_failed(hr)) {
		talloc_free(a);
		return hr;
	}
	*out = a;
	*n = k;
	return HR_OK;
}

/*
 * Runs statement [stmt] (one parameter: the id of namespace [ns]) and
 * returns owned the text of column [col] of every row.  [what] names the
 * area in SQL errors.
 */
static hresult strings_in_ns(struct repo *r,
                             void *mem,
                             const char *ns,
                             enum repo_stmt stmt,
                             int col,
                             const char *what,
                             char ***names,
                             uint32_t *n)
{
	sqlite3_stmt *st;
	int64_t id;
	hresult hr;

	if (r == NULL || names == NULL || n == NULL) {
		return hr_raise(HR_E_INVALIDARG);
	}
	hr = repo_ns_id(r, ns, &id);
	if (hr_failed(hr)) {
		return hr;
	}
	st = repo_stmt(r, stmt);
	if (st == NULL) {
		return repo_sqlerr(r, sqlite3_errcode(r->db), NULL, what);
	}
	sqlite3_bind_int64(st, 1, id);
	return collect_strings(r, st, mem, col, what, names, n);
}

hresult repo_ns_children(struct repo *r,
                         void *mem,
                         const char *ns,
                         char ***names,
                         uint32_t *n)
{
	return strings_in_ns(r, mem, ns, ST_NS_CHILDREN, 1, "ns", names, n);
}

hresult repo_ns_canonical(struct repo *r, void *mem, const char *ns, char **out)
{
	char norm[REPO_MAX_NS_LEN + 1];
	int64_t id;
	hresult hr;

	if (r == NULL || out == NULL) {
		return hr_raise(HR_E_INVALIDARG);
	}
	hr = ns_norm(ns, norm, sizeof(norm));
	if (hr_failed(hr)) {
		return hr;
	}
	return ns_lookup(r, norm, &id, mem, out);
}

/* ---- Security descriptors ------------------------------------------- */

hresult repo_ns_sd_get(struct repo *r,
                       void *mem,
                       const char *ns,
                       uint8_t **sd,
                       size_t *len,
                       char **from)
{
	bool own = true;
	int64_t id;
	hresult hr;

	if (r == NULL || sd == NULL || len == NULL) {
		return hr_raise(HR_E_INVALIDARG);
	}
	hr = repo_ns_id(r, ns, &id);
	if (hr_failed(hr)) {
		return hr;
	}
	for (int depth = 0; depth < REPO_MAX_DEPTH; depth++) {
		sqlite3_stmt *st = repo_stmt(r, ST_NS_BY_ID);
		int rc;

		if (st == NULL) {
			return repo_sqlerr(r, sqlite3_errcode(r->db), NULL,
			                   "ns");
		}
		sqlite3_bind_int64(st, 1, id);
		rc = sqlite3_step(st);
		if (rc != SQLITE_ROW) {
			repo_stmt_done(st);
			return rc == SQLITE_DONE
			               ? hr_raise(HR_WBEM_E_NOT_FOUND)
			               : repo_sqlerr(r, rc, NULL, "ns");
		}
		if (sqlite3_column_type(st, 3) == SQLITE_BLOB) {
			const void *p = sqlite3_column_blob(st, 3);
			size_t n = (size_t)sqlite3_column_bytes(st, 3);
			uint8_t *copy = talloc_memdup(mem, p, n ? n : 1);
			char *f = NULL;

			if (copy != NULL && from != NULL) {
				f = talloc_strdup(
				        mem, (const char *)sqlite3_column_text(
				                     st, 0));
			}
			repo_stmt_done(st);
			if (copy == NULL || (from != NULL && f == NULL)) {
				talloc_free(copy);
				return hr_raise(HR_E_OUTOFMEMORY);
			}
			*sd = copy;
			*len = n;
			if (from != NULL) {
				*from = f;
			}
			return own ? HR_S_OK : HR_S_FALSE;
		}
		if (sqlite3_column_type(st, 1) == SQLITE_NULL) {
			repo_stmt_done(st);
			return hr_raise(HR_WBEM_E_NOT_FOUND);
		}
		id = sqlite3_column_int64(st, 1);
		repo_stmt_done(st);
		own = false;
	}
	return hr_raise(HR_HR_ERROR_INTERNAL_DB_CORRUPTION);
}

hresult repo_ns_sd_set(struct repo *r,
                       const char *ns,
                       const uint8_t *sd,
                       size_t len,
                       struct errinfo *ei)
{
	sqlite3_stmt *st;
	int64_t id;
	hresult hr;
	int rc;

	if (r == NULL || (sd == NULL && len != 0)) {
		return err_set(ei, HR_E_INVALIDARG, "repo", "bad argument");
	}
	hr = repo_ns_id(r, ns, &id);
	if (hr_failed(hr)) {
		return err_set(ei, hr, "repo", "namespace not found");
	}
	hr = repo_write_begin(r, ei);
	if (hr_failed(hr)) {
		return hr;
	}
	st = repo_stmt(r, ST_NS_SD_SET);
	if (st == NULL) {
		hr = repo_sqlerr(r, sqlite3_errcode(r->db), ei, "sd");
		return repo_write_end(r, hr, ei);
	}
	sqlite3_bind_int64(st, 1, id);
	if (sd != NULL) {
		sqlite3_bind_blob(st, 2, sd, (int)len, SQLITE_STATIC);
	} else {
		sqlite3_bind_null(st, 2);
	}
	rc = sqlite3_step(st);
	repo_stmt_done(st);
	if (rc != SQLITE_DONE) {
		hr = repo_sqlerr(r, rc, ei, "sd");
	}
	return repo_write_end(r, hr, ei);
}

/* ---- Provider registrations ----------------------------------------- */

hresult repo_provider_set(struct repo *r,
                          const char *ns,
                          const char *name,
                          const uint8_t *blob,
                          size_t len,
                          struct errinfo *ei)
{
	sqlite3_stmt *st;
	int64_t id;
	hresult hr;
	int rc;

	if (r == NULL || name == NULL || *name == '\0' ||
	    (blob == NULL && len != 0) || len > INT32_MAX) {
		return err_set(ei, HR_E_INVALIDARG, "repo", "bad argument");
	}
	hr = repo_ns_id(r, ns, &id);
	if (hr_failed(hr)) {
		return err_set(ei, hr, "repo", "namespace not found");
	}
	hr = repo_write_begin(r, ei);
	if (hr_failed(hr)) {
		return hr;
	}
	st = repo_stmt(r, blob != NULL ? ST_PROV_SET : ST_PROV_DELETE);
	if (st == NULL) {
		hr = repo_sqlerr(r, sqlite3_errcode(r->db), ei, "provider");
		return repo_write_end(r, hr, ei);
	}
	sqlite3_bind_int64(st, 1, id);
	sqlite3_bind_text(st, 2, name, -1, SQLITE_STATIC);
	if (blob != NULL) {
		sqlite3_bind_blob(st, 3, blob, (int)len, SQLITE_STATIC);
	}
	rc = sqlite3_step(st);
	repo_stmt_done(st);
	if (rc != SQLITE_DONE) {
		hr = repo_sqlerr(r, rc, ei, "provider");
	}
	return repo_write_end(r, hr, ei);
}

hresult repo_provider_get(struct repo *r,
                          void *mem,
                          const char *ns,
                          const char *name,
                          uint8_t **blob,
                          size_t *len)
{
	sqlite3_stmt *st;
	int64_t id;
	hresult hr;
	int rc;

	if (r == NULL || name == NULL || blob == NULL || len == NULL) {
		return hr_raise(HR_E_INVALIDARG);
	}
	hr = repo_ns_id(r, ns, &id);
	if (hr_failed(hr)) {
		return hr;
	}
	st = repo_stmt(r, ST_PROV_GET);
	if (st == NULL) {
		return repo_sqlerr(r, sqlite3_errcode(r->db), NULL, "provider");
	}
	sqlite3_bind_int64(st, 1, id);
	sqlite3_bind_text(st, 2, name, -1, SQLITE_STATIC);
	rc = sqlite3_step(st);
	if (rc == SQLITE_ROW) {
		size_t n = (size_t)sqlite3_column_bytes(st, 0);
		const void *p = sqlite3_column_blob(st, 0);
		uint8_t *copy = talloc_size(mem, n ? n : 1);

		if (copy == NULL) {
			hr = hr_raise(HR_E_OUTOFMEMORY);
		} else {
			if (n > 0) {
				memcpy(copy, p, n);
			}
			*blob = copy;
			*len = n;
		}
	} else {
		hr = rc == SQLITE_DONE ? hr_raise(HR_WBEM_E_NOT_FOUND)
		                       : repo_sqlerr(r, rc, NULL, "provider");
	}
	repo_stmt_done(st);
	return hr;
}

hresult repo_provider_list(struct repo *r,
                           void *mem,
                           const char *ns,
                           char ***names,
                           uint32_t *n)
{
	return strings_in_ns(r, mem, ns, ST_PROV_LIST, 0, "provider", names, n);
}

/* ---- Autorecover ------------------------------------------------------ */

static hresult ar_write(struct repo *r, enum repo_stmt which, const char *path)
{
	sqlite3_stmt *st;
	hresult hr;
	int rc;

	if (r == NULL || path == NULL || *path == '\0') {
		return hr_raise(HR_E_INVALIDARG);
	}
	hr = repo_write_begin(r, NULL);
	if (hr_failed(hr)) {
		return hr;
	}
	st = repo_stmt(r, which);
	if (st == NULL) {
		hr = repo_sqlerr(r, sqlite3_errcode(r->db), NULL,
		                 "autorecover");
		return repo_write_end(r, hr, NULL);
	}
	sqlite3_bind_text(st, 1, path, -1, SQLITE_STATIC);
	rc = sqlite3_step(st);
	repo_stmt_done(st);
	if (rc != SQLITE_DONE) {
		hr = repo_sqlerr(r, rc, NULL, "autorecover");
	} else if (which == ST_AR_REMOVE && sqlite3_changes(r->db) == 0) {
		hr = hr_raise(HR_WBEM_E_NOT_FOUND);
	}
	return repo_write_end(r, hr, NULL);
}

hresult repo_autorecover_add(struct repo *r, const char *path)
{
	return ar_write(r, ST_AR_ADD, path);
}

hresult repo_autorecover_remove(struct repo *r, const char *path)
{
	return ar_write(r, ST_AR_REMOVE, path);
}

hresult repo_autorecover_list(struct repo *r,
                              void *mem,
                              char ***paths,
                              uint32_t *n)
{
	sqlite3_stmt *st;

	if (r == NULL || paths == NULL || n == NULL) {
		return hr_raise(HR_E_INVALIDARG);
	}
	st = repo_stmt(r, ST_AR_LIST);
	if (st == NULL) {
		return repo_sqlerr(r, sqlite3_errcode(r->db), NULL,
		                   "autorecover");
	}
	return collect_strings(r, st, mem, 0, "list", paths, n);
}
