/*
 * maint.c: offline maintenance of a repository file: verify, backup,
 * restore, salvage and reset (winmgmt /verifyrepository, /backup,
 * /restore, /salvagerepository, /resetrepository).
 *
 * Verification reads the file with its own raw SQL instead of struct repo,
 * so it can describe a damaged file that repo_open would refuse.  It checks
 * SQLite's integrity_check and then every invariant listed in repo.h, one
 * report line per problem.  Salvage reads the same way and copies what
 * survives into a fresh file through the public write API, so the result
 * obeys every rule a normal write obeys.
 */
#include "repo/repo.h"

#include <errno.h>
#include <stdarg.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <talloc.h>
#include <unistd.h>

#include "base/utf.h"
#include "repo/repo-int.h"

/* Report lines kept before "... and N more". */
#define VERIFY_MAX_LINES 1000

struct vctx {
	sqlite3 *db;
	struct buf *report;
	uint64_t problems;
	void *mem;
};

static void problem(struct vctx *v, const char *fmt, ...)
        __attribute__((format(printf, 2, 3)));

static void problem(struct vctx *v, const char *fmt, ...)
{
	va_list ap;

	v->problems++;
	if (v->report == NULL) {
		return;
	}
	if (v->problems > VERIFY_MAX_LINES) {
		return;
	}
	va_start(ap, fmt);
	buf_vaddf(v->report, fmt, ap);
	va_end(ap);
	buf_addch(v->report, '\n');
}

static char *ascii_lower(void *mem, const char *s)
{
	char *d = talloc_strdup(mem, s != NULL ? s : "");

	for (char *p = d; p != NULL && *p; p++) {
		if (*p >= 'A' && *p <= 'Z') {
			*p = (char)(*p + 32);
		}
	}
	return d;
}

static const char *col_text(sqlite3_stmt *st, int i)
{
	const char *s = (const char *)sqlite3_column_text(st, i);

	return s != NULL ? s : "";
}

/* ---- Verify: model ------------------------------------------------------ */

struct vns {
	int64_t id, parent;
	bool has_parent;
	char *name, *path;
};

struct vcls {
	int64_t id, ns, keyroot;
	char *name, *key, *super;
	struct cim_class *local, *resolved;
	int state; /* 0 new, 1 resolving, 2 resolved, 3 failed */
	bool abstract;
};

struct vmodel {
	struct vns *ns;
	size_t n_ns;
	struct vcls *cls;
	size_t n_cls;
	struct vcls **by_key; /* sorted by (ns, key) */
	struct vcls **by_id;  /* sorted by id */
};

static int cmp_key(const void *a, const void *b)
{
	const struct vcls *x = *(struct vcls *const *)a;
	const struct vcls *y = *(struct vcls *const *)b;

	if (x->ns != y->ns) {
		return x->ns < y->ns ? -1 : 1;
	}
	return strcmp(x->key, y->key);
}

static int cmp_id(const void *a, const void *b)
{
	const struct vcls *x = *(struct vcls *const *)a;
	const struct vcls *y = *(struct vcls *const *)b;

	return x->id < y->id ? -1 : (x->id > y->id ? 1 : 0);
}

static struct vcls *find_cls(struct vmodel *m, int64_t ns, const char *name)
{
	struct vcls probe = { .ns = ns }, *pp = &probe, **hit;
	char *key = ascii_lower(NULL, name);

	if (key == NULL) {
		return NULL;
	}
	probe.key = key;
	hit = bsearch(&pp, m->by_key, m->n_cls, sizeof(*m->by_key), cmp_key);
	talloc_free(key);
	return hit != NULL ? *hit : NULL;
}

static struct vcls *find_cls_id(struct vmodel *m, int64_t id)
{
	struct vcls probe = { .id = id }, *pp = &probe, **hit;

	hit = bsearch(&pp, m->by_id, m->n_cls, sizeof(*m->by_id), cmp_id);
	return hit != NULL ? *hit : NULL;
}

static const char *ns_path(struct vmodel *m, int64_t id)
{
	for (size_t i = 0; i < m->n_ns; i++) {
		if (m->ns[i].id == id) {
			return m->ns[i].path;
		}
	}
	return "?";
}

static bool has_object(struct vctx *v, const char *type, const char *name)
{
	sqlite3_stmt *st = NULL;
	bool found = false;

	if (sqlite3_prepare_v2(v->db,
	                       "SELECT 1 FROM sqlite_schema WHERE type = ?1 "
	                       "AND name = ?2",
	                       -1, &st, NULL) == SQLITE_OK) {
		sqlite3_bind_text(st, 1, type, -1, SQLITE_STATIC);
		sqlite3_bind_text(st, 2, name, -1, SQLITE_STATIC);
		found = sqlite3_step(st) == SQLITE_ROW;
	}
	sqlite3_finalize(st);
	return found;
}

/* Runs integrity_check; returns false when the file is not usable. */
static bool check_sqlite(struct vctx *v)
{
	sqlite3_stmt *st = NULL;
	int rc, n = 0;

	rc = sqlite3_prepare_v2(v->db, "PRAGMA integrity_check(100)", -1, &st,
	                        NULL);
	if (rc != SQLITE_OK) {
		problem(v, "sqlite: %s", sqlite3_errmsg(v->db));
		sqlite3_finalize(st);
		return false;
	}
	while ((rc = sqlite3_step(st)) == SQLITE_ROW) {
		const char *s = col_text(st, 0);

		if (strcmp(s, "ok") != 0) {
			problem(v, "sqlite: %s", s);
			n++;
		}
	}
	if (rc != SQLITE_DONE) {
		problem(v, "sqlite: integrity check stopped: %s",
		        sqlite3_errmsg(v->db));
		sqlite3_finalize(st);
		return false;
	}
	sqlite3_finalize(st);
	return true;
}

static bool check_schema(struct vctx *v)
{
	static const char *const tables[] = { "meta",       "ns",
		                              "class",      "instance",
		                              "qualdecl",   "provider",
		                              "autorecover" };
	static const char *const indexes[] = { "ns_parent", "class_super",
		                               "instance_key" };
	sqlite3_stmt *st = NULL;
	bool ok = true;

	for (size_t i = 0; i < sizeof(tables) / sizeof(tables[0]); i++) {
		if (!has_object(v, "table", tables[i])) {
			problem(v, "schema: table '%s' is missing", tables[i]);
			ok = false;
		}
	}
	for (size_t i = 0; i < sizeof(indexes) / sizeof(indexes[0]); i++) {
		if (!has_object(v, "index", indexes[i])) {
			problem(v, "schema: index '%s' is missing", indexes[i]);
		}
	}
	if (!ok) {
		return false;
	}
	if (sqlite3_prepare_v2(v->db,
	                       "SELECT value FROM meta WHERE key = "
	                       "'schema_version'",
	                       -1, &st, NULL) != SQLITE_OK ||
	    sqlite3_step(st) != SQLITE_ROW ||
	    sqlite3_column_int64(st, 0) != REPO_SCHEMA_VERSION) {
		problem(v, "schema: version row missing or not %d",
		        REPO_SCHEMA_VERSION);
		ok = false;
	}
	sqlite3_finalize(st);
	return ok;
}

static void load_namespaces(struct vctx *v, struct vmodel *m)
{
	sqlite3_stmt *st = NULL;
	int rc;

	rc = sqlite3_prepare_v2(v->db,
	                        "SELECT id, parent, name, path FROM ns "
	                        "ORDER BY id",
	                        -1, &st, NULL);
	if (rc != SQLITE_OK) {
		problem(v, "namespaces: %s", sqlite3_errmsg(v->db));
		return;
	}
	while ((rc = sqlite3_step(st)) == SQLITE_ROW) {
		struct vns *na = talloc_realloc(m, m->ns, struct vns,
		                                m->n_ns + 1);
		struct vns *n;

		if (na == NULL) {
			break;
		}
		m->ns = na;
		n = &na[m->n_ns++];
		n->id = sqlite3_column_int64(st, 0);
		n->has_parent = sqlite3_column_type(st, 1) != SQLITE_NULL;
		n->parent = sqlite3_column_int64(st, 1);
		n->name = talloc_strdup(m->ns, col_text(st, 2));
		n->path = talloc_strdup(m->ns, col_text(st, 3));
	}
	if (rc != SQLITE_DONE) {
		problem(v, "namespaces: reading stopped: %s",
		        sqlite3_errmsg(v->db));
	}
	sqlite3_finalize(st);
}

static void check_namespaces(struct vctx *v, struct vmodel *m)
{
	bool root = false;

	for (size_t i = 0; i < m->n_ns; i++) {
		struct vns *n = &m->ns[i];
		struct vns *p = NULL;

		if (!n->has_parent) {
			if (utf8_casecmp(n->path, "root") != 0) {
				problem(v, "namespace '%s' has no parent",
				        n->path);
			} else {
				root = true;
			}
			continue;
		}
		for (size_t j = 0; j < m->n_ns; j++) {
			if (m->ns[j].id == n->parent) {
				p = &m->ns[j];
			}
		}
		if (p == NULL) {
			problem(v,
			        "namespace '%s': parent namespace is missing",
			        n->path);
			continue;
		}
		{
			char *want = talloc_asprintf(NULL, "%s\\%s", p->path,
			                             n->name);

			if (want != NULL && utf8_casecmp(want, n->path) != 0) {
				problem(v,
				        "namespace '%s': path does not match "
				        "its parent '%s'",
				        n->path, p->path);
			}
			talloc_free(want);
		}
	}
	if (!root) {
		problem(v, "namespace 'root' is missing");
	}
}

static void load_classes(struct vctx *v, struct vmodel *m)
{
	sqlite3_stmt *st = NULL;
	int rc;

	rc = sqlite3_prepare_v2(v->db,
	                        "SELECT id, ns, name, super, abstract, blob "
	                        "FROM class",
	                        -1, &st, NULL);
	if (rc != SQLITE_OK) {
		problem(v, "classes: %s", sqlite3_errmsg(v->db));
		return;
	}
	while ((rc = sqlite3_step(st)) == SQLITE_ROW) {
		struct vcls *ca = talloc_realloc(m, m->cls, struct vcls,
		                                 m->n_cls + 1);
		struct vcls *c;
		hresult hr;

		if (ca == NULL) {
			break;
		}
		m->cls = ca;
		c = &ca[m->n_cls++];
		memset(c, 0, sizeof(*c));
		c->id = sqlite3_column_int64(st, 0);
		c->ns = sqlite3_column_int64(st, 1);
		c->name = talloc_strdup(m, col_text(st, 2));
		c->key = ascii_lower(m, col_text(st, 2));
		if (sqlite3_column_type(st, 3) != SQLITE_NULL) {
			c->super = talloc_strdup(m, col_text(st, 3));
		}
		c->abstract = sqlite3_column_int(st, 4) != 0;
		hr = cim_class_decode(m, sqlite3_column_blob(st, 5),
		                      (size_t)sqlite3_column_bytes(st, 5),
		                      &c->local);
		if (hr_failed(hr)) {
			problem(v,
			        "class '%s' in '%s': definition does not "
			        "decode (%s)",
			        c->name, ns_path(m, c->ns), hr_name(hr));
			c->local = NULL;
			c->state = 3;
		} else if (utf8_casecmp(c->local->name, c->name) != 0 ||
		           !((c->super == NULL &&
		              c->local->superclass == NULL) ||
		             (c->super != NULL &&
		              c->local->superclass != NULL &&
		              utf8_casecmp(c->super, c->local->superclass) ==
		                      0))) {
			problem(v,
			        "class '%s' in '%s': row and definition "
			        "disagree on name or superclass",
			        c->name, ns_path(m, c->ns));
			c->state = 3;
		}
	}
	if (rc != SQLITE_DONE) {
		problem(v, "classes: reading stopped: %s",
		        sqlite3_errmsg(v->db));
	}
	sqlite3_finalize(st);
}

static void index_classes(struct vmodel *m)
{
	m->by_key = talloc_array(m, struct vcls *, m->n_cls ? m->n_cls : 1);
	m->by_id = talloc_array(m, struct vcls *, m->n_cls ? m->n_cls : 1);
	if (m->by_key == NULL || m->by_id == NULL) {
		m->n_cls = 0;
		return;
	}
	for (size_t i = 0; i < m->n_cls; i++) {
		m->by_key[i] = &m->cls[i];
		m->by_id[i] = &m->cls[i];
	}
	qsort(m->by_key, m->n_cls, sizeof(*m->by_key), cmp_key);
	qsort(m->by_id, m->n_cls, sizeof(*m->by_id), cmp_id);
}

/* Resolves [c] (memoized); reports missing superclasses and cycles. */
static bool resolve_cls(struct vctx *v,
                        struct vmodel *m,
                        struct vcls *c,
                        unsigned depth)
{
	struct vcls *p = NULL;
	struct errinfo ei;
	hresult hr;

	if (c->state == 2) {
		return true;
	}
	if (c->state == 3) {
		return false;
	}
	if (c->state == 1 || depth > REPO_MAX_DEPTH) {
		problem(v, "class '%s' in '%s': circular superclass chain",
		        c->name, ns_path(m, c->ns));
		c->state = 3;
		return false;
	}
	c->state = 1;
	if (c->super != NULL) {
		p = find_cls(m, c->ns, c->super);
		if (p == NULL) {
			problem(v,
			        "class '%s' in '%s': superclass '%s' is "
			        "missing",
			        c->name, ns_path(m, c->ns), c->super);
			c->state = 3;
			return false;
		}
		if (!resolve_cls(v, m, p, depth + 1)) {
			if (c->state == 1) {
				problem(v,
				        "class '%s' in '%s': superclass '%s' "
				        "is unusable",
				        c->name, ns_path(m, c->ns), c->super);
			}
			c->state = 3;
			return false;
		}
	}
	err_clear(&ei);
	hr = cim_class_resolve(m, c->local, p ? p->resolved : NULL,
	                       &c->resolved, &ei);
	if (hr_failed(hr)) {
		problem(v, "class '%s' in '%s': does not resolve (%s: %s)",
		        c->name, ns_path(m, c->ns), hr_name(hr), ei.msg);
		c->state = 3;
		return false;
	}
	if (c->abstract != cim_qset_bool(&c->local->quals, "abstract")) {
		problem(v, "class '%s' in '%s': abstract flag does not match",
		        c->name, ns_path(m, c->ns));
	}
	c->keyroot = (p != NULL && p->resolved->n_keys > 0) ? p->keyroot
	                                                    : c->id;
	c->state = 2;
	return true;
}

static void check_classes(struct vctx *v, struct vmodel *m)
{
	for (size_t i = 0; i < m->n_cls; i++) {
		struct vcls *c = &m->cls[i];
		bool ns_ok = false;

		for (size_t j = 0; j < m->n_ns; j++) {
			ns_ok = ns_ok || m->ns[j].id == c->ns;
		}
		if (!ns_ok) {
			problem(v, "class '%s': namespace %lld is missing",
			        c->name, (long long)c->ns);
		}
		if (c->local != NULL) {
			resolve_cls(v, m, c, 0);
		}
	}
}

static void check_instance_row(struct vctx *v,
                               struct vmodel *m,
                               sqlite3_stmt *st)
{
	int64_t cid = sqlite3_column_int64(st, 0);
	const char *keystr = col_text(st, 1);
	int64_t keyroot = sqlite3_column_int64(st, 2);
	struct vcls *c = find_cls_id(m, cid);
	void *tmp;
	struct cim_instance *inst = NULL;
	char *k = NULL;
	hresult hr;

	if (c == NULL) {
		problem(v, "instance '%s': its class (id %lld) is missing",
		        keystr, (long long)cid);
		return;
	}
	if (c->state != 2) {
		problem(v, "instance %s.%s: its class is unusable", c->name,
		        keystr);
		return;
	}
	if (c->abstract || cim_qset_bool(&c->local->quals, "abstract")) {
		problem(v, "instance %s.%s: class is abstract", c->name,
		        keystr);
	}
	if (keyroot != c->keyroot) {
		problem(v, "instance %s.%s: wrong key space", c->name, keystr);
	}
	tmp = talloc_new(NULL);
	hr = cim_instance_decode(tmp, c->resolved, sqlite3_column_blob(st, 3),
	                         (size_t)sqlite3_column_bytes(st, 3), &inst);
	if (hr_failed(hr)) {
		problem(v, "instance %s.%s: does not decode (%s)", c->name,
		        keystr, hr_name(hr));
		talloc_free(tmp);
		return;
	}
	hr = repo_keystr_of(tmp, inst, &k);
	if (hr_failed(hr)) {
		problem(v, "instance %s.%s: keys are not usable (%s)", c->name,
		        keystr, hr_name(hr));
	} else if (strcmp(k, keystr) != 0) {
		problem(v,
		        "instance %s.%s: stored keys do not match its values "
		        "(%s)",
		        c->name, keystr, k);
	}
	talloc_free(tmp);
}

static void check_instances(struct vctx *v, struct vmodel *m)
{
	sqlite3_stmt *st = NULL;
	int rc;

	rc = sqlite3_prepare_v2(v->db,
	                        "SELECT class, keystr, keyroot, blob "
	                        "FROM instance",
	                        -1, &st, NULL);
	if (rc != SQLITE_OK) {
		problem(v, "instances: %s", sqlite3_errmsg(v->db));
		return;
	}
	while ((rc = sqlite3_step(st)) == SQLITE_ROW) {
		check_instance_row(v, m, st);
	}
	if (rc != SQLITE_DONE) {
		problem(v, "instances: reading stopped: %s",
		        sqlite3_errmsg(v->db));
	}
	sqlite3_finalize(st);
	/* NOT INDEXED: the check must hold even if the index is gone. */
	rc = sqlite3_prepare_v2(v->db,
	                        "SELECT keyroot, keystr, count(*) FROM "
	                        "instance NOT INDEXED GROUP BY keyroot, "
	                        "keystr COLLATE NOCASE HAVING count(*) > 1",
	                        -1, &st, NULL);
	if (rc != SQLITE_OK) {
		problem(v, "instances: %s", sqlite3_errmsg(v->db));
		return;
	}
	while ((rc = sqlite3_step(st)) == SQLITE_ROW) {
		struct vcls *c = find_cls_id(m, sqlite3_column_int64(st, 0));

		problem(v, "instance %s.%s: %lld instances share these keys",
		        c != NULL ? c->name : "?", col_text(st, 1),
		        (long long)sqlite3_column_int64(st, 2));
	}
	if (rc != SQLITE_DONE) {
		problem(v, "instances: duplicate check stopped: %s",
		        sqlite3_errmsg(v->db));
	}
	sqlite3_finalize(st);
}

static void check_qualdecls(struct vctx *v, struct vmodel *m)
{
	sqlite3_stmt *st = NULL;
	int rc;

	rc = sqlite3_prepare_v2(v->db, "SELECT ns, name, blob FROM qualdecl",
	                        -1, &st, NULL);
	if (rc != SQLITE_OK) {
		problem(v, "qualifiers: %s", sqlite3_errmsg(v->db));
		return;
	}
	while ((rc = sqlite3_step(st)) == SQLITE_ROW) {
		void *tmp = talloc_new(NULL);
		struct cim_qualifier_decl *d = NULL;
		hresult hr = cim_qualifier_decl_decode(
		        tmp, sqlite3_column_blob(st, 2),
		        (size_t)sqlite3_column_bytes(st, 2), &d);

		if (hr_failed(hr)) {
			problem(v,
			        "qualifier '%s' in '%s': declaration does "
			        "not decode (%s)",
			        col_text(st, 1),
			        ns_path(m, sqlite3_column_int64(st, 0)),
			        hr_name(hr));
		}
		talloc_free(tmp);
	}
	if (rc != SQLITE_DONE) {
		problem(v, "qualifiers: reading stopped: %s",
		        sqlite3_errmsg(v->db));
	}
	sqlite3_finalize(st);
}

hresult repo_verify(const char *path, struct buf *report)
{
	struct vctx v = { .report = report };
	struct vmodel *m = NULL;
	struct stat sb;
	int rc;

	if (path == NULL) {
		return hr_raise(HR_E_INVALIDARG);
	}
	if (stat(path, &sb) != 0) {
		return hr_raise(errno == ENOENT ? HR_HR_ERROR_FILE_NOT_FOUND
		                                : HR_E_ACCESSDENIED);
	}
	rc = sqlite3_open_v2(path, &v.db,
	                     SQLITE_OPEN_READONLY | SQLITE_OPEN_NOMUTEX, NULL);
	if (rc != SQLITE_OK) {
		problem(&v, "cannot open '%s': %s", path,
		        v.db ? sqlite3_errmsg(v.db) : sqlite3_errstr(rc));
		goto out;
	}
	sqlite3_busy_timeout(v.db, 5000);
	if (!check_sqlite(&v) || !check_schema(&v)) {
		goto out;
	}
	m = talloc_zero(NULL, struct vmodel);
	if (m == NULL) {
		sqlite3_close_v2(v.db);
		return hr_raise(HR_E_OUTOFMEMORY);
	}
	load_namespaces(&v, m);
	check_namespaces(&v, m);
	load_classes(&v, m);
	index_classes(m);
	check_classes(&v, m);
	check_instances(&v, m);
	check_qualdecls(&v, m);
out:
	talloc_free(m);
	sqlite3_close_v2(v.db);
	if (v.problems > VERIFY_MAX_LINES && report != NULL) {
		buf_addf(report, "... and %llu more problems\n",
		         (unsigned long long)(v.problems - VERIFY_MAX_LINES));
	}
	return v.problems == 0 ? HR_OK
	                       : hr_raise(HR_HR_ERROR_INTERNAL_DB_CORRUPTION);
}

/* ---- Backup and restore ---------------------------------------------- */

/* Copies database [src] into the file [dest_tmp] with the backup API and
 * leaves the copy as a single file (rollback journal mode). */
static hresult copy_db(sqlite3 *src, const char *dest_tmp, struct errinfo *ei)
{
	sqlite3 *dst = NULL;
	sqlite3_backup *b;
	hresult hr;
	int rc;

	hr = repo_open_db(dest_tmp, SQLITE_OPEN_READWRITE | SQLITE_OPEN_CREATE,
	                  &dst, ei);
	if (hr_failed(hr)) {
		return hr;
	}
	b = sqlite3_backup_init(dst, "main", src, "main");
	if (b == NULL) {
		hr = err_set(ei, HR_WBEM_E_FAILED, "repo", "backup: %s",
		             sqlite3_errmsg(dst));
		sqlite3_close_v2(dst);
		return hr;
	}
	do {
		rc = sqlite3_backup_step(b, -1);
		if (rc == SQLITE_BUSY || rc == SQLITE_LOCKED) {
			sqlite3_sleep(10);
		}
	} while (rc == SQLITE_OK || rc == SQLITE_BUSY || rc == SQLITE_LOCKED);
	sqlite3_backup_finish(b);
	if (rc != SQLITE_DONE) {
		hr = err_set(ei,
		             (rc == SQLITE_CORRUPT || rc == SQLITE_NOTADB)
		                     ? HR_HR_ERROR_INTERNAL_DB_CORRUPTION
		             : rc == SQLITE_FULL ? HR_WBEM_E_OUT_OF_DISK_SPACE
		                                 : HR_WBEM_E_FAILED,
		             "repo", "backup: %s", sqlite3_errstr(rc));
		sqlite3_close_v2(dst);
		return hr;
	}
	rc = sqlite3_exec(dst, "PRAGMA journal_mode=DELETE", NULL, NULL, NULL);
	if (rc != SQLITE_OK) {
		hr = err_set(ei, HR_WBEM_E_FAILED, "repo", "backup: %s",
		             sqlite3_errmsg(dst));
	}
	sqlite3_close_v2(dst);
	return hr;
}

hresult repo_backup(struct repo *r, const char *dest, struct errinfo *ei)
{
	char *tmp = NULL;
	hresult hr;

	if (r == NULL || dest == NULL) {
		return err_set(ei, HR_E_INVALIDARG, "repo", "bad argument");
	}
	if (r->depth > 0) {
		return err_set(ei, HR_WBEM_E_UNEXPECTED, "repo",
		               "backup inside a transaction");
	}
	hr = repo_mkstemp_path(NULL, dest, &tmp);
	if (hr_failed(hr)) {
		return err_set(ei, hr, "repo",
		               "cannot create a file next to "
		               "'%s'",
		               dest);
	}
	hr = copy_db(r->db, tmp, ei);
	if (hr_ok(hr)) {
		hr = repo_replace_file(tmp, dest, ei);
	}
	if (hr_failed(hr)) {
		unlink(tmp);
	}
	talloc_free(tmp);
	return hr;
}

hresult repo_restore(const char *backup, const char *dest, struct errinfo *ei)
{
	sqlite3 *src = NULL;
	struct buf report;
	char *tmp = NULL;
	struct stat sb;
	hresult hr;

	if (backup == NULL || dest == NULL) {
		return err_set(ei, HR_E_INVALIDARG, "repo", "bad argument");
	}
	if (stat(backup, &sb) != 0) {
		return err_set(ei, HR_HR_ERROR_FILE_NOT_FOUND, "repo",
		               "backup '%s' not found", backup);
	}
	buf_init(&report, NULL);
	hr = repo_verify(backup, &report);
	if (hr_failed(hr)) {
		size_t nl = strcspn(report.data, "\n");

		report.data[nl] = '\0';
		hr = err_set(ei, hr, "repo", "backup '%s' does not verify: %s",
		             backup, report.data);
		buf_release(&report);
		return hr;
	}
	buf_reset(&report);
	hr = repo_mkstemp_path(NULL, dest, &tmp);
	if (hr_failed(hr)) {
		buf_release(&report);
		return err_set(ei, hr, "repo",
		               "cannot create a file next to '%s'", dest);
	}
	hr = repo_open_db(backup, SQLITE_OPEN_READONLY, &src, ei);
	if (hr_ok(hr)) {
		hr = copy_db(src, tmp, ei);
		sqlite3_close_v2(src);
	}
	if (hr_ok(hr)) {
		hr = repo_verify(tmp, &report);
		if (hr_failed(hr)) {
			hr = err_set(ei, hr, "repo",
			             "the restored copy does not verify");
		}
	}
	if (hr_ok(hr)) {
		hr = repo_replace_file(tmp, dest, ei);
	}
	if (hr_failed(hr)) {
		unlink(tmp);
	}
	buf_release(&report);
	talloc_free(tmp);
	return hr;
}

/* ---- Salvage and reset ------------------------------------------------ */

struct salv {
	sqlite3 *old;
	struct repo *nr;
	struct buf *report;
	void *mem;
	/* old namespace id -> new canonical path (NULL when dropped) */
	int64_t *ns_ids;
	char **ns_paths;
	size_t n_ns;
	/* old class id -> namespace path, name and resolved class */
	struct salv_cls {
		int64_t id, ns;
		char *name, *super;
		struct cim_class *local;
		struct cim_class *resolved; /* from the new repository */
		bool done, dropped;
	} * cls;
	size_t n_cls;
	uint64_t dropped;
};

static void salv_note(struct salv *s, const char *fmt, ...)
        __attribute__((format(printf, 2, 3)));

static void salv_note(struct salv *s, const char *fmt, ...)
{
	va_list ap;

	s->dropped++;
	if (s->report == NULL || s->dropped > VERIFY_MAX_LINES) {
		return;
	}
	va_start(ap, fmt);
	buf_vaddf(s->report, fmt, ap);
	va_end(ap);
	buf_addch(s->report, '\n');
}

static const char *salv_ns(struct salv *s, int64_t id)
{
	for (size_t i = 0; i < s->n_ns; i++) {
		if (s->ns_ids[i] == id) {
			return s->ns_paths[i];
		}
	}
	return NULL;
}

static void salv_namespaces(struct salv *s)
{
	sqlite3_stmt *st = NULL;
	int rc;

	rc = sqlite3_prepare_v2(s->old,
	                        "SELECT id, path, sd FROM ns "
	                        "ORDER BY length(path)",
	                        -1, &st, NULL);
	if (rc != SQLITE_OK) {
		salv_note(s, "namespaces unreadable: %s",
		          sqlite3_errmsg(s->old));
		return;
	}
	while ((rc = sqlite3_step(st)) == SQLITE_ROW) {
		const char *path = col_text(st, 1);
		char *norm = NULL;
		int64_t *ia;
		char **pa;
		hresult hr;

		ia = talloc_realloc(s->mem, s->ns_ids, int64_t, s->n_ns + 1);
		pa = ia ? talloc_realloc(s->mem, s->ns_paths, char *,
		                         s->n_ns + 1)
		        : NULL;
		if (ia == NULL || pa == NULL) {
			break;
		}
		s->ns_ids = ia;
		s->ns_paths = pa;
		hr = repo_ns_normalize(s->mem, path, &norm);
		if (hr_ok(hr) && utf8_casecmp(norm, "root") != 0) {
			hr = repo_ns_insert(s->nr, norm, 0, NULL, NULL);
		}
		if (hr_failed(hr)) {
			salv_note(s, "namespace '%s' dropped (%s)", path,
			          hr_name(hr));
			continue;
		}
		if (sqlite3_column_type(st, 2) == SQLITE_BLOB) {
			repo_ns_sd_set(s->nr, norm, sqlite3_column_blob(st, 2),
			               (size_t)sqlite3_column_bytes(st, 2),
			               NULL);
		}
		s->ns_ids[s->n_ns] = sqlite3_column_int64(st, 0);
		s->ns_paths[s->n_ns] = norm;
		s->n_ns++;
	}
	if (rc != SQLITE_DONE) {
		salv_note(s, "namespaces: reading stopped: %s",
		          sqlite3_errmsg(s->old));
	}
	sqlite3_finalize(st);
}

static void salv_qualdecls(struct salv *s)
{
	sqlite3_stmt *st = NULL;
	int rc;

	rc = sqlite3_prepare_v2(s->old, "SELECT ns, name, blob FROM qualdecl",
	                        -1, &st, NULL);
	if (rc != SQLITE_OK) {
		salv_note(s, "qualifiers unreadable: %s",
		          sqlite3_errmsg(s->old));
		return;
	}
	while ((rc = sqlite3_step(st)) == SQLITE_ROW) {
		const char *ns = salv_ns(s, sqlite3_column_int64(st, 0));
		struct cim_qualifier_decl *d = NULL;
		hresult hr = HR_WBEM_E_INVALID_NAMESPACE;

		if (ns != NULL) {
			hr = cim_qualifier_decl_decode(
			        s->mem, sqlite3_column_blob(st, 2),
			        (size_t)sqlite3_column_bytes(st, 2), &d);
		}
		if (hr_ok(hr)) {
			hr = repo_qualdecl_put(s->nr, ns, d, 0, NULL);
		}
		if (hr_failed(hr)) {
			salv_note(s, "qualifier '%s' dropped (%s)",
			          col_text(st, 1), hr_name(hr));
		}
		talloc_free(d);
	}
	if (rc != SQLITE_DONE) {
		salv_note(s, "qualifiers: reading stopped: %s",
		          sqlite3_errmsg(s->old));
	}
	sqlite3_finalize(st);
}

static struct salv_cls *salv_find(struct salv *s, int64_t ns, const char *name)
{
	for (size_t i = 0; i < s->n_cls; i++) {
		if (s->cls[i].ns == ns &&
		    utf8_casecmp(s->cls[i].name, name) == 0) {
			return &s->cls[i];
		}
	}
	return NULL;
}

static void salv_load_classes(struct salv *s)
{
	sqlite3_stmt *st = NULL;
	int rc;

	rc = sqlite3_prepare_v2(s->old, "SELECT id, ns, name, blob FROM class",
	                        -1, &st, NULL);
	if (rc != SQLITE_OK) {
		salv_note(s, "classes unreadable: %s", sqlite3_errmsg(s->old));
		return;
	}
	while ((rc = sqlite3_step(st)) == SQLITE_ROW) {
		struct salv_cls *ca, *c;
		struct cim_class *local = NULL;
		hresult hr;

		hr = cim_class_decode(s->mem, sqlite3_column_blob(st, 3),
		                      (size_t)sqlite3_column_bytes(st, 3),
		                      &local);
		if (hr_failed(hr)) {
			salv_note(s, "class '%s' dropped: does not decode",
			          col_text(st, 2));
			continue;
		}
		if (salv_ns(s, sqlite3_column_int64(st, 1)) == NULL) {
			salv_note(s, "class '%s' dropped: namespace lost",
			          col_text(st, 2));
			talloc_free(local);
			continue;
		}
		ca = talloc_realloc(s->mem, s->cls, struct salv_cls,
		                    s->n_cls + 1);
		if (ca == NULL) {
			talloc_free(local);
			break;
		}
		s->cls = ca;
		c = &ca[s->n_cls++];
		memset(c, 0, sizeof(*c));
		c->id = sqlite3_column_int64(st, 0);
		c->ns = sqlite3_column_int64(st, 1);
		c->local = local;
		c->name = local->name;
		c->super = local->superclass;
	}
	if (rc != SQLITE_DONE) {
		salv_note(s, "classes: reading stopped: %s",
		          sqlite3_errmsg(s->old));
	}
	sqlite3_finalize(st);
}

/* Stores classes parents first; a class whose parent never arrives, or
 * that does not resolve, is dropped. */
static void salv_store_classes(struct salv *s)
{
	bool progress = true;

	while (progress) {
		progress = false;
		for (size_t i = 0; i < s->n_cls; i++) {
			struct salv_cls *c = &s->cls[i];
			struct salv_cls *p = NULL;
			struct errinfo ei;
			hresult hr;

			if (c->done || c->dropped) {
				continue;
			}
			if (c->super != NULL) {
				p = salv_find(s, c->ns, c->super);
				if (p != NULL && p->dropped) {
					c->dropped = true;
					progress = true;
					salv_note(s,
					          "class '%s' dropped: "
					          "superclass '%s' lost",
					          c->name, c->super);
					continue;
				}
				if (p == NULL || !p->done) {
					continue;
				}
			}
			err_clear(&ei);
			hr = repo_class_put(s->nr, salv_ns(s, c->ns), c->local,
			                    0, &ei);
			progress = true;
			if (hr_failed(hr)) {
				c->dropped = true;
				salv_note(s, "class '%s' dropped (%s: %s)",
				          c->name, hr_name(hr), ei.msg);
				continue;
			}
			c->done = true;
			hr = repo_class_get(s->nr, s->mem, salv_ns(s, c->ns),
			                    c->name, &c->resolved);
			if (hr_failed(hr)) {
				c->resolved = NULL;
			}
		}
	}
	for (size_t i = 0; i < s->n_cls; i++) {
		if (!s->cls[i].done && !s->cls[i].dropped) {
			s->cls[i].dropped = true;
			salv_note(s,
			          "class '%s' dropped: superclass missing or "
			          "circular",
			          s->cls[i].name);
		}
	}
}

static void salv_instances(struct salv *s)
{
	sqlite3_stmt *st = NULL;
	int rc;

	rc = sqlite3_prepare_v2(s->old,
	                        "SELECT class, keystr, blob FROM "
	                        "instance",
	                        -1, &st, NULL);
	if (rc != SQLITE_OK) {
		salv_note(s, "instances unreadable: %s",
		          sqlite3_errmsg(s->old));
		return;
	}
	while ((rc = sqlite3_step(st)) == SQLITE_ROW) {
		int64_t cid = sqlite3_column_int64(st, 0);
		struct salv_cls *c = NULL;
		struct cim_instance *inst = NULL;
		void *tmp;
		hresult hr = HR_WBEM_E_INVALID_CLASS;

		for (size_t i = 0; i < s->n_cls; i++) {
			if (s->cls[i].id == cid) {
				c = &s->cls[i];
			}
		}
		tmp = talloc_new(s->mem);
		if (c != NULL && c->done && c->resolved != NULL) {
			hr = cim_instance_decode(
			        tmp, c->resolved, sqlite3_column_blob(st, 2),
			        (size_t)sqlite3_column_bytes(st, 2), &inst);
			if (hr_ok(hr)) {
				hr = repo_instance_put(s->nr, salv_ns(s, c->ns),
				                       inst, 0, NULL);
			}
		}
		if (hr_failed(hr)) {
			salv_note(s, "instance %s.%s dropped (%s)",
			          c != NULL ? c->name : "?", col_text(st, 1),
			          hr_name(hr));
		}
		talloc_free(tmp);
	}
	if (rc != SQLITE_DONE) {
		salv_note(s, "instances: reading stopped: %s",
		          sqlite3_errmsg(s->old));
	}
	sqlite3_finalize(st);
}

static void salv_providers(struct salv *s)
{
	sqlite3_stmt *st = NULL;
	int rc;

	rc = sqlite3_prepare_v2(s->old, "SELECT ns, name, blob FROM provider",
	                        -1, &st, NULL);
	if (rc != SQLITE_OK) {
		return;
	}
	while ((rc = sqlite3_step(st)) == SQLITE_ROW) {
		const char *ns = salv_ns(s, sqlite3_column_int64(st, 0));

		if (ns == NULL ||
		    hr_failed(repo_provider_set(
		            s->nr, ns, col_text(st, 1),
		            sqlite3_column_blob(st, 2),
		            (size_t)sqlite3_column_bytes(st, 2), NULL))) {
			salv_note(s, "provider registration '%s' dropped",
			          col_text(st, 1));
		}
	}
	sqlite3_finalize(st);
}

/* Reads the autorecover list of the file [old] (best effort). */
static void read_autorecover(sqlite3 *old, struct repo *nr)
{
	sqlite3_stmt *st = NULL;

	if (old == NULL ||
	    sqlite3_prepare_v2(old, "SELECT path FROM autorecover ORDER BY seq",
	                       -1, &st, NULL) != SQLITE_OK) {
		sqlite3_finalize(st);
		return;
	}
	while (sqlite3_step(st) == SQLITE_ROW) {
		repo_autorecover_add(nr, col_text(st, 0));
	}
	sqlite3_finalize(st);
}

static void compile_autorecover(struct repo *nr,
                                repo_compile_fn *compile,
                                void *arg,
                                struct buf *report)
{
	char **paths = NULL;
	uint32_t n = 0;

	if (compile == NULL ||
	    hr_failed(repo_autorecover_list(nr, NULL, &paths, &n))) {
		return;
	}
	for (uint32_t i = 0; i < n; i++) {
		struct errinfo ei;
		hresult hr;

		err_clear(&ei);
		hr = compile(arg, nr, paths[i], &ei);
		if (hr_failed(hr) && report != NULL) {
			buf_addf(report, "autorecover MOF '%s' failed: %s %s\n",
			         paths[i], hr_name(hr), ei.msg);
		}
	}
	talloc_free(paths);
}

/* Creates a fresh repository next to [path]; returns it and its name. */
static hresult fresh_repo(void *mem,
                          const char *path,
                          char **tmp,
                          struct repo **nr,
                          struct errinfo *ei)
{
	hresult hr = repo_mkstemp_path(mem, path, tmp);

	if (hr_failed(hr)) {
		return err_set(ei, hr, "repo",
		               "cannot create a file next to '%s'", path);
	}
	hr = repo_open(mem, *tmp, REPO_OPEN_CREATE, nr, ei);
	if (hr_failed(hr)) {
		unlink(*tmp);
	}
	return hr;
}

hresult repo_salvage(const char *path,
                     repo_compile_fn *compile,
                     void *arg,
                     struct buf *report,
                     struct errinfo *ei)
{
	struct salv s = { .report = report };
	char *tmp = NULL;
	hresult hr;

	if (path == NULL) {
		return err_set(ei, HR_E_INVALIDARG, "repo", "no path");
	}
	hr = repo_verify(path, NULL);
	if (hr_ok(hr)) {
		return HR_S_FALSE;
	}
	if (!hr_eq(hr, HR_HR_ERROR_INTERNAL_DB_CORRUPTION)) {
		return err_set(ei, hr, "repo", "cannot read '%s'", path);
	}
	s.mem = talloc_new(NULL);
	if (s.mem == NULL) {
		return hr_raise(HR_E_OUTOFMEMORY);
	}
	hr = fresh_repo(s.mem, path, &tmp, &s.nr, ei);
	if (hr_failed(hr)) {
		goto out;
	}
	if (sqlite3_open_v2(path, &s.old,
	                    SQLITE_OPEN_READONLY | SQLITE_OPEN_NOMUTEX,
	                    NULL) != SQLITE_OK) {
		salv_note(&s, "'%s' unreadable: nothing salvaged", path);
		sqlite3_close_v2(s.old);
		s.old = NULL;
	}
	hr = repo_txn_begin(s.nr);
	if (hr_ok(hr) && s.old != NULL) {
		salv_namespaces(&s);
		salv_qualdecls(&s);
		salv_load_classes(&s);
		salv_store_classes(&s);
		salv_instances(&s);
		salv_providers(&s);
		read_autorecover(s.old, s.nr);
	}
	if (hr_ok(hr)) {
		hr = repo_txn_commit(s.nr);
	}
	sqlite3_close_v2(s.old);
	if (hr_ok(hr)) {
		compile_autorecover(s.nr, compile, arg, report);
	}
	TALLOC_FREE(s.nr);
	if (hr_ok(hr)) {
		hr = repo_replace_file(tmp, path, ei);
	}
	if (hr_failed(hr)) {
		unlink(tmp);
		err_set(ei, hr, "repo", "salvage of '%s' failed", path);
	}
out:
	TALLOC_FREE(s.nr);
	talloc_free(s.mem);
	return hr;
}

hresult repo_reset(const char *path,
                   repo_compile_fn *compile,
                   void *arg,
                   struct buf *report,
                   struct errinfo *ei)
{
	void *mem = talloc_new(NULL);
	struct repo *nr = NULL;
	sqlite3 *old = NULL;
	char *tmp = NULL;
	hresult hr;

	if (mem == NULL) {
		return hr_raise(HR_E_OUTOFMEMORY);
	}
	if (path == NULL) {
		talloc_free(mem);
		return err_set(ei, HR_E_INVALIDARG, "repo", "no path");
	}
	hr = fresh_repo(mem, path, &tmp, &nr, ei);
	if (hr_failed(hr)) {
		goto out;
	}
	if (access(path, F_OK) == 0 &&
	    sqlite3_open_v2(path, &old,
	                    SQLITE_OPEN_READONLY | SQLITE_OPEN_NOMUTEX,
	                    NULL) == SQLITE_OK) {
		read_autorecover(old, nr);
	}
	sqlite3_close_v2(old);
	compile_autorecover(nr, compile, arg, report);
	TALLOC_FREE(nr);
	hr = repo_replace_file(tmp, path, ei);
	if (hr_failed(hr)) {
		unlink(tmp);
	}
out:
	talloc_free(mem);
	return hr;
}
