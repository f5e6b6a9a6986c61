/*
 * class.c: class definitions and the resolved-class cache.
 *
 * Rows hold the *local* class (cim_class_encode); resolution walks the
 * superclass chain through the cache (repo_cls_lookup), so a resolved
 * class is computed once per connection until some class changes.  PutClass
 * rules (compatible and incompatible changes, safe and force modes) are in
 * repo.h; this file is their only implementation.
 */
#include "repo/repo.h"

#include <string.h>
#include <talloc.h>

#include "base/utf.h"
#include "repo/repo-int.h"

#define CACHE_MIN_BUCKETS 256u

/* ---- Cache ------------------------------------------------------------ */

static uint32_t name_hash(int64_t ns, const char *name)
{
	uint32_t h = 2166136261u ^ (uint32_t)ns;

	for (const unsigned char *p = (const unsigned char *)name; *p; p++) {
		unsigned c = *p;

		if (c >= 'A' && c <= 'Z') {
			c += 32;
		}
		h = (h ^ c) * 16777619u;
	}
	return h;
}

static uint32_t id_hash(int64_t id)
{
	uint64_t x = (uint64_t)id * 0x9E3779B97F4A7C15ull;

	return (uint32_t)(x >> 32);
}

struct repo_cache *repo_cache_get(struct repo *r)
{
	struct repo_cache *c = r->cache;

	if (c != NULL) {
		return c;
	}
	c = talloc_zero(r, struct repo_cache);
	if (c == NULL) {
		return NULL;
	}
	c->n_buckets = CACHE_MIN_BUCKETS;
	c->by_name = talloc_zero_array(c, struct repo_cls *, c->n_buckets);
	c->by_id = talloc_zero_array(c, struct repo_cls *, c->n_buckets);
	if (c->by_name == NULL || c->by_id == NULL) {
		talloc_free(c);
		return NULL;
	}
	r->cache = c;
	return c;
}

static struct repo_cls *cache_find_name(struct repo *r,
                                        int64_t ns,
                                        const char *name)
{
	struct repo_cache *c = r->cache;

	if (c == NULL) {
		return NULL;
	}
	for (struct repo_cls *e =
	             c->by_name[name_hash(ns, name) & (c->n_buckets - 1)];
	     e != NULL; e = e->next_name) {
		if (e->ns == ns && utf8_casecmp(e->local->name, name) == 0) {
			return e;
		}
	}
	return NULL;
}

static struct repo_cls *cache_find_id(struct repo *r, int64_t id)
{
	struct repo_cache *c = r->cache;

	if (c == NULL) {
		return NULL;
	}
	for (struct repo_cls *e = c->by_id[id_hash(id) & (c->n_buckets - 1)];
	     e != NULL; e = e->next_id) {
		if (e->id == id) {
			return e;
		}
	}
	return NULL;
}

static void cache_link(struct repo_cache *c, struct repo_cls *e)
{
	uint32_t a = name_hash(e->ns, e->local->name) & (c->n_buckets - 1);
	uint32_t b = id_hash(e->id) & (c->n_buckets - 1);

	e->next_name = c->by_name[a];
	c->by_name[a] = e;
	e->next_id = c->by_id[b];
	c->by_id[b] = e;
}

/* Doubles the tables; on OOM keeps the old ones (longer chains only). */
static void cache_grow(struct repo_cache *c)
{
	uint32_t nb = c->n_buckets * 2;
	struct repo_cls **bn = talloc_zero_array(c, struct repo_cls *, nb);
	struct repo_cls **bi = talloc_zero_array(c, struct repo_cls *, nb);
	struct repo_cls **old = c->by_id;
	uint32_t ob = c->n_buckets;

	if (bn == NULL || bi == NULL) {
		talloc_free(bn);
		talloc_free(bi);
		return;
	}
	talloc_free(c->by_name);
	c->by_name = bn;
	c->by_id = bi;
	c->n_buckets = nb;
	for (uint32_t i = 0; i < ob; i++) {
		struct repo_cls *e = old[i];

		while (e != NULL) {
			struct repo_cls *next = e->next_id;

			cache_link(c, e);
			e = next;
		}
	}
	talloc_free(old);
}

static void cache_unlink(struct repo_cache *c, struct repo_cls *e)
{
	struct repo_cls **pp;

	pp = &c->by_name[name_hash(e->ns, e->local->name) & (c->n_buckets - 1)];
	while (*pp != NULL && *pp != e) {
		pp = &(*pp)->next_name;
	}
	if (*pp != NULL) {
		*pp = e->next_name;
	}
	pp = &c->by_id[id_hash(e->id) & (c->n_buckets - 1)];
	while (*pp != NULL && *pp != e) {
		pp = &(*pp)->next_id;
	}
	if (*pp != NULL) {
		*pp = e->next_id;
	}
	c->n--;
}

/* True when cached [e] is class [name] of [ns] or derives from it. */
static bool cache_depends_on(const struct repo_cls *e,
                             int64_t ns,
                             const char *name)
{
	if (e->ns != ns) {
		return false;
	}
	if (utf8_casecmp(e->local->name, name) == 0) {
		return true;
	}
	for (uint32_t i = 0; i < e->resolved->n_derivation; i++) {
		if (utf8_casecmp(e->resolved->derivation[i], name) == 0) {
			return true;
		}
	}
	return false;
}

/*
 * Drops from the cache class [name] of [ns] and every cached class that
 * derives from it: the entries a change of [name] makes stale.  Everything
 * else stays (other classes resolve without it; the namespace cache does
 * not depend on classes).
 */
static void cache_forget(struct repo *r, int64_t ns, const char *name)
{
	struct repo_cache *c = r->cache;

	if (c == NULL) {
		return;
	}
	for (uint32_t b = 0; b < c->n_buckets; b++) {
		struct repo_cls *e = c->by_id[b];

		while (e != NULL) {
			struct repo_cls *next = e->next_id;

			if (cache_depends_on(e, ns, name)) {
				cache_unlink(c, e);
				talloc_free(e);
			}
			e = next;
		}
	}
}

/* ---- Loading ---------------------------------------------------------- */

static hresult cls_load(struct repo *r,
                        int64_t ns,
                        const char *name,
                        unsigned depth,
                        struct repo_cls **out,
                        struct errinfo *ei)
{
	struct repo_cls *e = cache_find_name(r, ns, name);
	struct repo_cls *parent = NULL;
	struct repo_cache *c;
	sqlite3_stmt *st;
	hresult hr;
	int rc;

	if (e != NULL) {
		*out = e;
		return HR_OK;
	}
	if (depth > REPO_MAX_DEPTH) {
		return err_set(ei, HR_HR_ERROR_INTERNAL_DB_CORRUPTION, "repo",
		               "superclass chain of '%s' is too long or "
		               "circular",
		               name);
	}
	c = repo_cache_get(r);
	if (c == NULL) {
		return hr_raise(HR_E_OUTOFMEMORY);
	}
	e = talloc_zero(c, struct repo_cls);
	st = repo_stmt(r, ST_CLASS_BY_NAME);
	if (e == NULL || st == NULL) {
		talloc_free(e);
		return e == NULL ? hr_raise(HR_E_OUTOFMEMORY)
		                 : repo_sqlerr(r, sqlite3_errcode(r->db), ei,
		                               "class");
	}
	sqlite3_bind_int64(st, 1, ns);
	sqlite3_bind_text(st, 2, name, -1, SQLITE_STATIC);
	rc = sqlite3_step(st);
	if (rc != SQLITE_ROW) {
		repo_stmt_done(st);
		talloc_free(e);
		if (rc == SQLITE_DONE) {
			return hr_raise(HR_WBEM_E_NOT_FOUND);
		}
		return repo_sqlerr(r, rc, ei, "class");
	}
	e->id = sqlite3_column_int64(st, 0);
	e->ns = ns;
	hr = cim_class_decode(e, sqlite3_column_blob(st, 1),
	                      (size_t)sqlite3_column_bytes(st, 1), &e->local);
	repo_stmt_done(st);
	if (hr_failed(hr)) {
		talloc_free(e);
		if (hr_eq(hr, HR_E_OUTOFMEMORY)) {
			return hr_raise(hr);
		}
		return err_set(ei, HR_HR_ERROR_INTERNAL_DB_CORRUPTION, "repo",
		               "class '%s' does not decode (%s)", name,
		               hr_name(hr));
	}
	if (e->local->superclass != NULL) {
		hr = cls_load(r, ns, e->local->superclass, depth + 1, &parent,
		              ei);
		if (hr_eq(hr, HR_WBEM_E_NOT_FOUND)) {
			hr = err_set(ei, HR_HR_ERROR_INTERNAL_DB_CORRUPTION,
			             "repo",
			             "superclass '%s' of '%s' is missing",
			             e->local->superclass, name);
		}
		if (hr_failed(hr)) {
			talloc_free(e);
			return hr;
		}
	}
	hr = cim_class_resolve(e, e->local, parent ? parent->resolved : NULL,
	                       &e->resolved, ei);
	if (hr_failed(hr)) {
		talloc_free(e);
		return hr;
	}
	hr = repo_ns_path_by_id(r, e->resolved, ns, &e->resolved->namespace);
	if (hr_failed(hr)) {
		talloc_free(e);
		return hr;
	}
	e->abstract = cim_qset_bool(&e->local->quals, "abstract");
	e->keyroot = (parent != NULL && parent->resolved->n_keys > 0)
	                     ? parent->keyroot
	                     : e->id;
	if (c->n >= c->n_buckets * 2) {
		cache_grow(c);
	}
	cache_link(c, e);
	c->n++;
	*out = e;
	return HR_OK;
}

hresult repo_cls_lookup(struct repo *r,
                        int64_t ns,
                        const char *name,
                        struct repo_cls **out,
                        struct errinfo *ei)
{
	if (name == NULL || *name == '\0') {
		return hr_raise(HR_WBEM_E_NOT_FOUND);
	}
	return cls_load(r, ns, name, 0, out, ei);
}

hresult repo_cls_by_id(struct repo *r,
                       int64_t id,
                       struct repo_cls **out,
                       struct errinfo *ei)
{
	struct repo_cls *e = cache_find_id(r, id);
	sqlite3_stmt *st;
	char *name = NULL;
	int64_t ns = 0;
	hresult hr = HR_OK;
	int rc;

	if (e != NULL) {
		*out = e;
		return HR_OK;
	}
	st = repo_stmt(r, ST_CLASS_BY_ID);
	if (st == NULL) {
		return repo_sqlerr(r, sqlite3_errcode(r->db), ei, "class");
	}
	sqlite3_bind_int64(st, 1, id);
	rc = sqlite3_step(st);
	if (rc == SQLITE_ROW) {
		ns = sqlite3_column_int64(st, 0);
		name = talloc_strdup(r,
		                     (const char *)sqlite3_column_text(st, 1));
		if (name == NULL) {
			hr = hr_raise(HR_E_OUTOFMEMORY);
		}
	} else {
		hr = rc == SQLITE_DONE ? hr_raise(HR_WBEM_E_NOT_FOUND)
		                       : repo_sqlerr(r, rc, ei, "class");
	}
	repo_stmt_done(st);
	if (hr_ok(hr)) {
		hr = cls_load(r, ns, name, 0, out, ei);
	}
	talloc_free(name);
	return hr;
}

bool repo_cls_is_namespace_class(const struct cim_class *resolved)
{
	if (utf8_casecmp(resolved->name, "__NAMESPACE") == 0) {
		return true;
	}
	for (uint32_t i = 0; i < resolved->n_derivation; i++) {
		if (utf8_casecmp(resolved->derivation[i], "__NAMESPACE") == 0) {
			return true;
		}
	}
	return false;
}

bool repo_cls_is_registration_class(const struct cim_class *resolved)
{
	static const char *const roots[] = { "__Provider",
		                             "__ProviderRegistration" };

	for (size_t k = 0; k < sizeof(roots) / sizeof(roots[0]); k++) {
		if (utf8_casecmp(resolved->name, roots[k]) == 0) {
			return true;
		}
		for (uint32_t i = 0; i < resolved->n_derivation; i++) {
			if (utf8_casecmp(resolved->derivation[i], roots[k]) ==
			    0) {
				return true;
			}
		}
	}
	return false;
}

/* ---- Tree walks (raw rows: they work even when classes do not resolve) */

/* Appends the direct children of [name] (NULL: top level) to the arrays. */
static hresult child_rows(struct repo *r,
                          void *mem,
                          int64_t ns,
                          const char *name,
                          char ***names,
                          int64_t **ids,
                          uint32_t *n)
{
	sqlite3_stmt *st = repo_stmt(r,
	                             name ? ST_CLASS_CHILDREN : ST_CLASS_TOP);
	hresult hr = HR_OK;
	int rc;

	if (st == NULL) {
		return repo_sqlerr(r, sqlite3_errcode(r->db), NULL, "class");
	}
	sqlite3_bind_int64(st, 1, ns);
	if (name != NULL) {
		sqlite3_bind_text(st, 2, name, -1, SQLITE_STATIC);
	}
	while ((rc = sqlite3_step(st)) == SQLITE_ROW) {
		uint32_t k = *n;

		if (names != NULL) {
			char **na = talloc_realloc(mem, *names, char *, k + 1);

			if (na == NULL) {
				hr = hr_raise(HR_E_OUTOFMEMORY);
				break;
			}
			*names = na;
			na[k] = talloc_strdup(
			        na, (const char *)sqlite3_column_text(st, 0));
			if (na[k] == NULL) {
				hr = hr_raise(HR_E_OUTOFMEMORY);
				break;
			}
		}
		if (ids != NULL) {
			int64_t *ia = talloc_realloc(mem, *ids, int64_t, k + 1);

			if (ia == NULL) {
				hr = hr_raise(HR_E_OUTOFMEMORY);
				break;
			}
			*ids = ia;
			ia[k] = sqlite3_column_int64(st, 1);
		}
		*n = k + 1;
	}
	if (hr_ok(hr) && rc != SQLITE_DONE) {
		hr = repo_sqlerr(r, rc, NULL, "class");
	}
	repo_stmt_done(st);
	return hr;
}

hresult repo_cls_children(struct repo *r,
                          void *mem,
                          int64_t ns,
                          const char *name,
                          char ***names,
                          uint32_t *n)
{
	char **a = talloc_array(mem, char *, 0);
	uint32_t k = 0;
	hresult hr;

	if (a == NULL) {
		return hr_raise(HR_E_OUTOFMEMORY);
	}
	hr = child_rows(r, mem, ns, name, &a, NULL, &k);
	if (hr_failed(hr)) {
		talloc_free(a);
		return hr;
	}
	*names = a;
	*n = k;
	return HR_OK;
}

/* Returns the row id and stored super of class [name], or NOT_FOUND. */
static hresult class_row(struct repo *r,
                         void *mem,
                         int64_t ns,
                         const char *name,
                         int64_t *id,
                         char **super)
{
	sqlite3_stmt *st = repo_stmt(r, ST_CLASS_BY_NAME);
	hresult hr = HR_OK;
	int rc;

	if (st == NULL) {
		return repo_sqlerr(r, sqlite3_errcode(r->db), NULL, "class");
	}
	sqlite3_bind_int64(st, 1, ns);
	sqlite3_bind_text(st, 2, name, -1, SQLITE_STATIC);
	rc = sqlite3_step(st);
	if (rc == SQLITE_ROW) {
		*id = sqlite3_column_int64(st, 0);
		if (super != NULL) {
			const char *s = (const char *)sqlite3_column_text(st,
			                                                  2);

			*super = NULL;
			if (s != NULL) {
				*super = talloc_strdup(mem, s);
				if (*super == NULL) {
					hr = hr_raise(HR_E_OUTOFMEMORY);
				}
			}
		}
	} else {
		hr = rc == SQLITE_DONE ? hr_raise(HR_WBEM_E_NOT_FOUND)
		                       : repo_sqlerr(r, rc, NULL, "class");
	}
	repo_stmt_done(st);
	return hr;
}

hresult repo_cls_subtree(struct repo *r,
                         void *mem,
                         int64_t ns,
                         const char *name,
                         int64_t **ids,
                         uint32_t *n)
{
	char **names = talloc_array(mem, char *, 1);
	int64_t *a = talloc_array(mem, int64_t, 1);
	uint32_t k = 1;
	hresult hr;

	if (names == NULL || a == NULL) {
		hr = hr_raise(HR_E_OUTOFMEMORY);
		goto fail;
	}
	names[0] = talloc_strdup(names, name);
	if (names[0] == NULL) {
		hr = hr_raise(HR_E_OUTOFMEMORY);
		goto fail;
	}
	hr = class_row(r, NULL, ns, name, &a[0], NULL);
	if (hr_failed(hr)) {
		goto fail;
	}
	/* Breadth-first: the arrays grow while i walks them, so parents
	 * always come before their children. */
	for (uint32_t i = 0; i < k; i++) {
		hr = child_rows(r, mem, ns, names[i], &names, &a, &k);
		if (hr_failed(hr)) {
			goto fail;
		}
		if (k > 10000000u) {
			hr = hr_raise(HR_HR_ERROR_INTERNAL_DB_CORRUPTION);
			goto fail;
		}
	}
	talloc_free(names);
	*ids = a;
	*n = k;
	return HR_OK;
fail:
	talloc_free(names);
	talloc_free(a);
	return hr;
}

hresult repo_cls_delete_ids(struct repo *r,
                            const int64_t *ids,
                            uint32_t n,
                            struct errinfo *ei)
{
	for (uint32_t i = 0; i < n; i++) {
		static const enum repo_stmt which[] = { ST_INST_DELETE_CLASS,
			                                ST_CLASS_DELETE };

		for (int w = 0; w < 2; w++) {
			sqlite3_stmt *st = repo_stmt(r, which[w]);
			int rc;

			if (st == NULL) {
				return repo_sqlerr(r, sqlite3_errcode(r->db),
				                   ei, "class delete");
			}
			sqlite3_bind_int64(st, 1, ids[i]);
			rc = sqlite3_step(st);
			repo_stmt_done(st);
			if (rc != SQLITE_DONE) {
				return repo_sqlerr(r, rc, ei, "class delete");
			}
		}
	}
	repo_cache_flush(r);
	return repo_bump_class_gen(r, ei);
}

hresult repo_cls_count_instances(struct repo *r,
                                 const int64_t *ids,
                                 uint32_t n,
                                 uint64_t *total)
{
	uint64_t t = 0;

	for (uint32_t i = 0; i < n; i++) {
		sqlite3_stmt *st = repo_stmt(r, ST_INST_COUNT);
		int rc;

		if (st == NULL) {
			return repo_sqlerr(r, sqlite3_errcode(r->db), NULL,
			                   "instance count");
		}
		sqlite3_bind_int64(st, 1, ids[i]);
		rc = sqlite3_step(st);
		if (rc == SQLITE_ROW) {
			t += (uint64_t)sqlite3_column_int64(st, 0);
		}
		repo_stmt_done(st);
		if (rc != SQLITE_ROW) {
			return repo_sqlerr(r, rc, NULL, "instance count");
		}
	}
	*total = t;
	return HR_OK;
}

/* ---- Public: get ------------------------------------------------------ */

static hresult class_get(struct repo *r,
                         void *mem,
                         const char *ns,
                         const char *name,
                         bool resolved,
                         struct cim_class **out)
{
	struct repo_cls *e = NULL;
	struct cim_class *copy;
	int64_t nsid;
	hresult hr;

	if (r == NULL || out == NULL) {
		return hr_raise(HR_E_INVALIDARG);
	}
	hr = repo_read_begin(r);
	if (hr_failed(hr)) {
		return hr;
	}
	hr = repo_ns_id(r, ns, &nsid);
	if (hr_ok(hr)) {
		hr = repo_cls_lookup(r, nsid, name, &e, NULL);
	}
	if (hr_ok(hr)) {
		copy = cim_class_copy(mem, resolved ? e->resolved : e->local);
		if (copy == NULL) {
			hr = hr_raise(HR_E_OUTOFMEMORY);
		} else {
			*out = copy;
		}
	}
	repo_read_end(r);
	return hr;
}

hresult repo_class_get(struct repo *r,
                       void *mem,
                       const char *ns,
                       const char *name,
                       struct cim_class **out)
{
	return class_get(r, mem, ns, name, true, out);
}

hresult repo_class_get_local(struct repo *r,
                             void *mem,
                             const char *ns,
                             const char *name,
                             struct cim_class **out)
{
	return class_get(r, mem, ns, name, false, out);
}

/* ---- Public: put ------------------------------------------------------ */

static bool same_name(const char *a, const char *b)
{
	if (a == NULL || b == NULL) {
		return a == b;
	}
	return utf8_casecmp(a, b) == 0;
}

/* True when [nw] keeps everything instances and subclasses rely on in
 * [old]: properties with their types, keys, methods, superclass. */
static bool compatible(const struct repo_cls *old,
                       const struct cim_class *nw,
                       bool new_abstract)
{
	const struct cim_class *o = old->resolved;

	if (!same_name(old->local->superclass, nw->superclass)) {
		return false;
	}
	if (!old->abstract && new_abstract) {
		return false;
	}
	if (o->n_keys != nw->n_keys) {
		return false;
	}
	for (uint32_t i = 0; i < o->n_props; i++) {
		int32_t j = cim_class_find_prop(nw, o->props[i].name);

		if (j < 0 || nw->props[j].type != o->props[i].type ||
		    nw->props[j].key != o->props[i].key) {
			return false;
		}
	}
	for (uint32_t i = 0; i < o->n_methods; i++) {
		const struct cim_method *m = cim_class_find_method(
		        nw, o->methods[i].name);

		if (m == NULL || m->return_type != o->methods[i].return_type ||
		    m->n_params != o->methods[i].n_params) {
			return false;
		}
	}
	return true;
}

/* Fails with CIRCULAR_REFERENCE when [super]'s chain reaches [name]. */
static hresult check_cycle(struct repo *r,
                           int64_t ns,
                           const char *name,
                           const char *super,
                           struct errinfo *ei)
{
	void *tmp = talloc_new(NULL);
	char *cur;
	hresult hr = HR_OK;

	if (tmp == NULL) {
		return hr_raise(HR_E_OUTOFMEMORY);
	}
	cur = talloc_strdup(tmp, super);
	for (unsigned d = 0; cur != NULL; d++) {
		int64_t id;
		char *next = NULL;

		if (utf8_casecmp(cur, name) == 0 || d > REPO_MAX_DEPTH) {
			hr = err_set(ei, HR_WBEM_E_CIRCULAR_REFERENCE, "repo",
			             "class '%s' would derive from itself",
			             name);
			break;
		}
		hr = class_row(r, tmp, ns, cur, &id, &next);
		if (hr_eq(hr, HR_WBEM_E_NOT_FOUND)) {
			hr = err_set(
			        ei,
			        d == 0 ? HR_WBEM_E_INVALID_SUPERCLASS
			               : HR_HR_ERROR_INTERNAL_DB_CORRUPTION,
			        "repo", "superclass '%s' not found", cur);
		}
		if (hr_failed(hr)) {
			break;
		}
		cur = next;
	}
	talloc_free(tmp);
	return hr;
}

static hresult write_class_row(struct repo *r,
                               int64_t ns,
                               int64_t id,
                               const struct cim_class *local,
                               bool abstract,
                               struct errinfo *ei)
{
	struct buf b;
	sqlite3_stmt *st;
	hresult hr;
	int rc;

	buf_init(&b, NULL);
	hr = cim_class_encode(&b, local);
	if (hr_failed(hr)) {
		buf_release(&b);
		return err_set(ei, hr, "repo", "class '%s' does not encode",
		               local->name);
	}
	st = repo_stmt(r, id != 0 ? ST_CLASS_UPDATE : ST_CLASS_INSERT);
	if (st == NULL) {
		buf_release(&b);
		return repo_sqlerr(r, sqlite3_errcode(r->db), ei, "class");
	}
	if (id != 0) {
		sqlite3_bind_int64(st, 1, id);
	} else {
		sqlite3_bind_int64(st, 1, ns);
	}
	sqlite3_bind_text(st, 2, local->name, -1, SQLITE_STATIC);
	if (local->superclass != NULL) {
		sqlite3_bind_text(st, 3, local->superclass, -1, SQLITE_STATIC);
	} else {
		sqlite3_bind_null(st, 3);
	}
	sqlite3_bind_int(st, 4, abstract ? 1 : 0);
	sqlite3_bind_blob(st, 5, b.data, (int)b.len, SQLITE_STATIC);
	rc = sqlite3_step(st);
	repo_stmt_done(st);
	buf_release(&b);
	if (rc != SQLITE_DONE) {
		return repo_sqlerr(r, rc, ei, "class");
	}
	/* A new class makes no cached entry stale: a cached class resolved
	 * without it, so neither is it nor does it derive from it. */
	if (id != 0) {
		cache_forget(r, ns, local->name);
	}
	return repo_bump_class_gen(r, ei);
}

/* After an update of the class at subtree[0], re-resolves every subclass;
 * under FORCE_UPDATE deletes those that no longer resolve. */
static hresult reresolve_children(struct repo *r,
                                  int64_t ns,
                                  const int64_t *ids,
                                  uint32_t n,
                                  unsigned flags,
                                  struct errinfo *ei)
{
	hresult hr = HR_OK;

	for (uint32_t i = 1; i < n && hr_ok(hr); i++) {
		struct repo_cls *e = NULL;
		struct errinfo sub;
		int64_t *del = NULL;
		uint32_t n_del = 0;
		uint64_t count = 0;
		char *name = NULL;

		err_clear(&sub);
		hr = repo_cls_by_id(r, ids[i], &e, &sub);
		if (hr_eq(hr, HR_WBEM_E_NOT_FOUND)) {
			hr = HR_OK; /* deleted with a forced parent */
			continue;
		}
		if (hr_ok(hr)) {
			continue;
		}
		if (!(flags & REPO_PUT_FORCE_UPDATE) ||
		    hr_eq(hr, HR_E_OUTOFMEMORY)) {
			return err_set(ei, HR_WBEM_E_CLASS_HAS_CHILDREN, "repo",
			               "a subclass would no longer resolve: "
			               "%s",
			               sub.msg);
		}
		/* Force: delete the conflicting subclass and its subtree. */
		{
			sqlite3_stmt *st = repo_stmt(r, ST_CLASS_BY_ID);
			int rc;

			if (st == NULL) {
				return repo_sqlerr(r, sqlite3_errcode(r->db),
				                   ei, "class");
			}
			sqlite3_bind_int64(st, 1, ids[i]);
			rc = sqlite3_step(st);
			if (rc == SQLITE_ROW) {
				name = talloc_strdup(
				        r, (const char *)sqlite3_column_text(
				                   st, 1));
			}
			repo_stmt_done(st);
			if (rc != SQLITE_ROW || name == NULL) {
				return rc == SQLITE_ROW
				               ? hr_raise(HR_E_OUTOFMEMORY)
				               : repo_sqlerr(r, rc, ei,
				                             "class");
			}
		}
		hr = repo_cls_subtree(r, name, ns, name, &del, &n_del);
		if (hr_ok(hr)) {
			hr = repo_cls_count_instances(r, del, n_del, &count);
		}
		if (hr_ok(hr) && count > 0) {
			hr = err_set(ei, HR_WBEM_E_CLASS_HAS_INSTANCES, "repo",
			             "conflicting subclass '%s' has instances",
			             name);
		}
		if (hr_ok(hr)) {
			hr = repo_cls_delete_ids(r, del, n_del, ei);
		}
		talloc_free(name);
	}
	return hr;
}

static hresult class_put(struct repo *r,
                         int64_t ns,
                         const struct cim_class *local,
                         unsigned flags,
                         struct errinfo *ei)
{
	void *tmp = talloc_new(NULL);
	struct repo_cls *parent = NULL, *old = NULL;
	struct cim_class *res = NULL;
	int64_t old_id = 0, *tree = NULL;
	uint32_t n_tree = 0;
	bool abstract;
	hresult hr;

	if (tmp == NULL) {
		return hr_raise(HR_E_OUTOFMEMORY);
	}
	hr = class_row(r, NULL, ns, local->name, &old_id, NULL);
	if (hr_eq(hr, HR_WBEM_E_NOT_FOUND)) {
		old_id = 0;
		hr = HR_OK;
	}
	if (hr_failed(hr)) {
		goto out;
	}
	if (old_id != 0 && (flags & REPO_PUT_CREATE_ONLY)) {
		hr = err_set(ei, HR_WBEM_E_ALREADY_EXISTS, "repo",
		             "class '%s' already exists", local->name);
		goto out;
	}
	if (old_id == 0 && (flags & REPO_PUT_UPDATE_ONLY)) {
		hr = err_set(ei, HR_WBEM_E_NOT_FOUND, "repo",
		             "class '%s' not found", local->name);
		goto out;
	}
	if (local->superclass != NULL) {
		/* A new class cannot close a cycle through existing classes
		 * (none of them derives from it); only naming itself can. */
		hr = old_id != 0 || utf8_casecmp(local->superclass,
		                                 local->name) == 0
		             ? check_cycle(r, ns, local->name,
		                           local->superclass, ei)
		             : HR_OK;
		if (hr_ok(hr)) {
			hr = repo_cls_lookup(r, ns, local->superclass, &parent,
			                     ei);
		}
		if (hr_eq(hr, HR_WBEM_E_NOT_FOUND)) {
			hr = err_set(ei, HR_WBEM_E_INVALID_SUPERCLASS, "repo",
			             "superclass '%s' not found",
			             local->superclass);
		}
		if (hr_failed(hr)) {
			goto out;
		}
	}
	hr = cim_class_resolve(tmp, local, parent ? parent->resolved : NULL,
	                       &res, ei);
	if (hr_failed(hr)) {
		goto out;
	}
	abstract = cim_qset_bool(&local->quals, "abstract");
	if (old_id != 0) {
		hr = repo_cls_lookup(r, ns, local->name, &old, NULL);
		if (hr_ok(hr)) {
			hr = repo_cls_subtree(r, tmp, ns, local->name, &tree,
			                      &n_tree);
		}
		if (hr_failed(hr)) {
			goto out;
		}
		if (!compatible(old, res, abstract)) {
			uint64_t count = 0;

			hr = repo_cls_count_instances(r, tree, n_tree, &count);
			if (hr_ok(hr) && count > 0) {
				hr = err_set(ei, HR_WBEM_E_CLASS_HAS_INSTANCES,
				             "repo",
				             "class '%s' has instances and the "
				             "change is not compatible",
				             local->name);
			} else if (hr_ok(hr) && n_tree > 1 &&
			           !(flags & (REPO_PUT_SAFE_UPDATE |
			                      REPO_PUT_FORCE_UPDATE))) {
				hr = err_set(
				        ei, HR_WBEM_E_CLASS_HAS_CHILDREN,
				        "repo",
				        "class '%s' has subclasses and the "
				        "change is not compatible",
				        local->name);
			}
			if (hr_failed(hr)) {
				goto out;
			}
		}
	}
	hr = write_class_row(r, ns, old_id, local, abstract, ei);
	if (hr_ok(hr) && n_tree > 1) {
		hr = reresolve_children(r, ns, tree, n_tree, flags, ei);
	}
out:
	talloc_free(tmp);
	return hr;
}

hresult repo_class_put(struct repo *r,
                       const char *ns,
                       const struct cim_class *local,
                       unsigned flags,
                       struct errinfo *ei)
{
	int64_t nsid;
	hresult hr;

	if (r == NULL || local == NULL) {
		return err_set(ei, HR_E_INVALIDARG, "repo", "bad argument");
	}
	if (local->name == NULL || *local->name == '\0' || local->resolved) {
		return err_set(ei, HR_WBEM_E_INVALID_PARAMETER, "repo",
		               "a class to store needs a name and must be a "
		               "local definition");
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
		hr = class_put(r, nsid, local, flags, ei);
	}
	return repo_write_end(r, hr, ei);
}

/* ---- Public: delete, children, enum ---------------------------------- */

hresult repo_class_delete(struct repo *r,
                          const char *ns,
                          const char *name,
                          struct errinfo *ei)
{
	int64_t nsid, *ids = NULL;
	uint32_t n = 0;
	hresult hr;

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
	hr = repo_cls_subtree(r, NULL, nsid, name, &ids, &n);
	if (hr_eq(hr, HR_WBEM_E_NOT_FOUND)) {
		hr = err_set(ei, hr, "repo", "class '%s' not found", name);
	}
	if (hr_ok(hr)) {
		hr = repo_cls_delete_ids(r, ids, n, ei);
	}
	talloc_free(ids);
	return repo_write_end(r, hr, ei);
}

hresult repo_class_children(struct repo *r,
                            void *mem,
                            const char *ns,
                            const char *name,
                            char ***names,
                            uint32_t *n)
{
	int64_t nsid, id;
	hresult hr;

	if (r == NULL || names == NULL || n == NULL) {
		return hr_raise(HR_E_INVALIDARG);
	}
	hr = repo_ns_id(r, ns, &nsid);
	if (hr_ok(hr) && name != NULL) {
		hr = class_row(r, NULL, nsid, name, &id, NULL);
	}
	if (hr_ok(hr)) {
		hr = repo_cls_children(r, mem, nsid, name, names, n);
	}
	return hr;
}

static hresult enum_level(struct repo *r,
                          void *mem,
                          int64_t ns,
                          const char *super,
                          bool deep,
                          unsigned depth,
                          repo_class_cb *cb,
                          void *arg)
{
	char **names = NULL;
	uint32_t n = 0;
	hresult hr;

	if (depth > REPO_MAX_DEPTH) {
		return hr_raise(HR_HR_ERROR_INTERNAL_DB_CORRUPTION);
	}
	hr = repo_cls_children(r, mem, ns, super, &names, &n);
	for (uint32_t i = 0; hr_ok(hr) && i < n; i++) {
		void *tmp = talloc_new(mem);
		struct repo_cls *e = NULL;
		struct cim_class *copy;

		if (tmp == NULL) {
			hr = hr_raise(HR_E_OUTOFMEMORY);
			break;
		}
		hr = repo_cls_lookup(r, ns, names[i], &e, NULL);
		if (hr_ok(hr)) {
			copy = cim_class_copy(tmp, e->resolved);
			hr = copy != NULL ? cb(arg, copy)
			                  : hr_raise(HR_E_OUTOFMEMORY);
		}
		talloc_free(tmp);
		if (hr_ok(hr) && deep) {
			hr = enum_level(r, mem, ns, names[i], deep, depth + 1,
			                cb, arg);
		}
	}
	talloc_free(names);
	return hr;
}

hresult repo_class_enum(struct repo *r,
                        void *mem,
                        const char *ns,
                        const char *superclass,
                        bool deep,
                        repo_class_cb *cb,
                        void *arg)
{
	int64_t nsid, id;
	hresult hr;

	if (r == NULL || cb == NULL) {
		return hr_raise(HR_E_INVALIDARG);
	}
	hr = repo_read_begin(r);
	if (hr_failed(hr)) {
		return hr;
	}
	hr = repo_ns_id(r, ns, &nsid);
	if (hr_ok(hr) && superclass != NULL) {
		hr = class_row(r, NULL, nsid, superclass, &id, NULL);
	}
	if (hr_ok(hr)) {
		hr = enum_level(r, mem, nsid, superclass, deep, 0, cb, arg);
	}
	repo_read_end(r);
	return hr;
}
