/*
 * db.c: the SQLite side of the repository: opening, the schema, the
 * prepared-statement cache, transactions and savepoints, error mapping, the
 * class-cache generation check, and atomic file replacement.
 *
 * The schema is drawn in docs/internals/repository.md; its SQL is below
 * and is the only place that creates tables.
 */
#include "repo/repo.h"

#include <errno.h>
#include <fcntl.h>
#include <libgen.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <talloc.h>
#include <unistd.h>

#include "repo/repo-int.h"

static const char *const schema_sql =
        "CREATE TABLE meta(key TEXT PRIMARY KEY, value) WITHOUT ROWID;"
        "CREATE TABLE ns("
        " id INTEGER PRIMARY KEY,"
        " parent INTEGER,"
        " name TEXT NOT NULL,"
        " path TEXT NOT NULL UNIQUE COLLATE NOCASE,"
        " sd BLOB);"
        "CREATE INDEX ns_parent ON ns(parent);"
        "CREATE TABLE class("
        " id INTEGER PRIMARY KEY,"
        " ns INTEGER NOT NULL,"
        " name TEXT NOT NULL COLLATE NOCASE,"
        " super TEXT COLLATE NOCASE,"
        " abstract INTEGER NOT NULL DEFAULT 0,"
        " blob BLOB NOT NULL,"
        " UNIQUE(ns, name));"
        "CREATE INDEX class_super ON class(ns, super);"
        "CREATE TABLE instance("
        " class INTEGER NOT NULL,"
        " keystr TEXT NOT NULL COLLATE NOCASE,"
        " keyroot INTEGER NOT NULL,"
        " blob BLOB NOT NULL,"
        " PRIMARY KEY(class, keystr)) WITHOUT ROWID;"
        "CREATE UNIQUE INDEX instance_key ON instance(keyroot, keystr);"
        "CREATE TABLE qualdecl("
        " ns INTEGER NOT NULL,"
        " name TEXT NOT NULL COLLATE NOCASE,"
        " blob BLOB NOT NULL,"
        " PRIMARY KEY(ns, name)) WITHOUT ROWID;"
        "CREATE TABLE provider("
        " ns INTEGER NOT NULL,"
        " name TEXT NOT NULL COLLATE NOCASE,"
        " blob BLOB NOT NULL,"
        " PRIMARY KEY(ns, name)) WITHOUT ROWID;"
        "CREATE TABLE autorecover("
        " seq INTEGER PRIMARY KEY,"
        " path TEXT NOT NULL UNIQUE);"
        "INSERT INTO meta VALUES('schema_version', 1);"
        "INSERT INTO meta VALUES('class_gen', 0);"
        "INSERT INTO ns(id, parent, name, path) VALUES(1, NULL, 'root', "
        "'root');";

static const char *const stmt_sql[ST__COUNT] = {
	[ST_NS_BY_PATH] = "SELECT id, path FROM ns WHERE path = ?1",
	[ST_NS_BY_ID] = "SELECT path, parent, name, sd FROM ns WHERE id = ?1",
	[ST_NS_INSERT] =
	        "INSERT INTO ns(parent, name, path) VALUES(?1, ?2, ?3)",
	[ST_NS_CHILDREN] = "SELECT id, name FROM ns WHERE parent = ?1 "
	                   "ORDER BY name COLLATE NOCASE",
	[ST_NS_SD_SET] = "UPDATE ns SET sd = ?2 WHERE id = ?1",
	[ST_CLASS_BY_NAME] = "SELECT id, blob, super FROM class "
	                     "WHERE ns = ?1 AND name = ?2",
	[ST_CLASS_BY_ID] = "SELECT ns, name, blob FROM class WHERE id = ?1",
	[ST_CLASS_INSERT] =
	        "INSERT INTO class(ns, name, super, abstract, blob) "
	        "VALUES(?1, ?2, ?3, ?4, ?5)",
	[ST_CLASS_UPDATE] = "UPDATE class SET name = ?2, super = ?3, "
	                    "abstract = ?4, blob = ?5 WHERE id = ?1",
	[ST_CLASS_DELETE] = "DELETE FROM class WHERE id = ?1",
	[ST_CLASS_CHILDREN] = "SELECT name, id FROM class WHERE ns = ?1 AND "
	                      "super = ?2 ORDER BY name",
	[ST_CLASS_TOP] = "SELECT name, id FROM class WHERE ns = ?1 AND "
	                 "super IS NULL ORDER BY name",
	[ST_INST_BY_KEY] = "SELECT class, blob FROM instance "
	                   "WHERE keyroot = ?1 AND keystr = ?2",
	[ST_INST_INSERT] = "INSERT INTO instance(class, keystr, keyroot, blob) "
	                   "VALUES(?1, ?2, ?3, ?4)",
	[ST_INST_UPDATE] = "UPDATE instance SET keystr = ?2, blob = ?3 "
	                   "WHERE class = ?1 AND keystr = ?2",
	[ST_INST_DELETE] = "DELETE FROM instance WHERE class = ?1 AND "
	                   "keystr = ?2",
	[ST_INST_BY_CLASS] = "SELECT blob FROM instance WHERE class = ?1",
	[ST_INST_COUNT] = "SELECT count(*) FROM instance WHERE class = ?1",
	[ST_INST_DELETE_CLASS] = "DELETE FROM instance WHERE class = ?1",
	[ST_QD_GET] = "SELECT blob FROM qualdecl WHERE ns = ?1 AND name = ?2",
	[ST_QD_PUT] = "INSERT OR REPLACE INTO qualdecl(ns, name, blob) "
	              "VALUES(?1, ?2, ?3)",
	[ST_QD_DELETE] = "DELETE FROM qualdecl WHERE ns = ?1 AND name = ?2",
	[ST_QD_ENUM] = "SELECT blob FROM qualdecl WHERE ns = ?1 ORDER BY name",
	[ST_PROV_GET] = "SELECT blob FROM provider WHERE ns = ?1 AND name = ?2",
	[ST_PROV_SET] = "INSERT OR REPLACE INTO provider(ns, name, blob) "
	                "VALUES(?1, ?2, ?3)",
	[ST_PROV_DELETE] = "DELETE FROM provider WHERE ns = ?1 AND name = ?2",
	[ST_PROV_LIST] = "SELECT name FROM provider WHERE ns = ?1 "
	                 "ORDER BY name",
	[ST_AR_ADD] = "INSERT OR IGNORE INTO autorecover(path) VALUES(?1)",
	[ST_AR_REMOVE] = "DELETE FROM autorecover WHERE path = ?1",
	[ST_AR_LIST] = "SELECT path FROM autorecover ORDER BY seq",
	[ST_GEN_GET] = "SELECT value FROM meta WHERE key = 'class_gen'",
	[ST_GEN_BUMP] = "UPDATE meta SET value = value + 1 "
	                "WHERE key = 'class_gen'",
	[ST_DATA_VERSION] = "PRAGMA data_version",
	[ST_REG_GEN_BUMP] = "INSERT INTO meta VALUES('reg_gen', 1) "
	                    "ON CONFLICT(key) DO UPDATE SET value = value + 1",
	[ST_STAMP_GET] = "SELECT coalesce(sum(value), 0) FROM meta "
	                 "WHERE key IN ('class_gen', 'reg_gen')",
	[ST_BEGIN] = "BEGIN",
	[ST_COMMIT] = "COMMIT",
};

hresult repo_sqlerr(struct repo *r,
                    int rc,
                    struct errinfo *ei,
                    const char *what)
{
	const char *msg = r != NULL && r->db != NULL ? sqlite3_errmsg(r->db)
	                                             : sqlite3_errstr(rc);
	hresult hr;

	switch (rc & 0xff) {
	case SQLITE_NOMEM:
		hr = HR_E_OUTOFMEMORY;
		break;
	case SQLITE_BUSY:
	case SQLITE_LOCKED:
		hr = HR_WBEM_E_TIMED_OUT;
		break;
	case SQLITE_CORRUPT:
	case SQLITE_NOTADB:
		hr = HR_HR_ERROR_INTERNAL_DB_CORRUPTION;
		break;
	case SQLITE_FULL:
		hr = HR_WBEM_E_OUT_OF_DISK_SPACE;
		break;
	case SQLITE_READONLY:
	case SQLITE_PERM:
	case SQLITE_AUTH:
		hr = HR_E_ACCESSDENIED;
		break;
	case SQLITE_CANTOPEN:
		hr = errno == ENOENT ? HR_HR_ERROR_FILE_NOT_FOUND
		                     : HR_E_ACCESSDENIED;
		break;
	default:
		hr = HR_WBEM_E_FAILED;
		break;
	}
	return err_set(ei, hr, "repo", "%s: sqlite: %s", what, msg);
}

sqlite3_stmt *repo_stmt(struct repo *r, enum repo_stmt id)
{
	if (r->st[id] == NULL) {
		if (sqlite3_prepare_v3(r->db, stmt_sql[id], -1,
		                       SQLITE_PREPARE_PERSISTENT, &r->st[id],
		                       NULL) != SQLITE_OK) {
			r->st[id] = NULL;
		}
	}
	return r->st[id];
}

void repo_stmt_done(sqlite3_stmt *st)
{
	if (st != NULL) {
		sqlite3_reset(st);
		sqlite3_clear_bindings(st);
	}
}

hresult repo_exec(struct repo *r, const char *sql, struct errinfo *ei)
{
	int rc = sqlite3_exec(r->db, sql, NULL, NULL, NULL);

	if (rc != SQLITE_OK) {
		return repo_sqlerr(r, rc, ei, sql);
	}
	return HR_OK;
}

hresult repo_decode_err(hresult hr)
{
	return hr_raise(hr_eq(hr, HR_E_OUTOFMEMORY)
	                        ? hr
	                        : HR_HR_ERROR_INTERNAL_DB_CORRUPTION);
}

void repo_cache_flush(struct repo *r)
{
	TALLOC_FREE(r->cache);
}

/* Compares meta.class_gen with the generation the cache was built at. */
hresult repo_cache_check(struct repo *r)
{
	sqlite3_stmt *st = repo_stmt(r, ST_GEN_GET);
	int64_t v;
	int rc;

	if (st == NULL) {
		return repo_sqlerr(r, sqlite3_errcode(r->db), NULL,
		                   "class_gen");
	}
	rc = sqlite3_step(st);
	v = rc == SQLITE_ROW ? sqlite3_column_int64(st, 0) : -1;
	repo_stmt_done(st);
	if (rc != SQLITE_ROW) {
		return repo_sqlerr(r, rc, NULL, "class_gen");
	}
	if (v != r->class_gen) {
		repo_cache_flush(r);
		r->class_gen = v;
	}
	return HR_OK;
}

static hresult step_once(struct repo *r, enum repo_stmt id)
{
	sqlite3_stmt *st = repo_stmt(r, id);
	int rc;

	if (st == NULL) {
		return repo_sqlerr(r, sqlite3_errcode(r->db), NULL, "txn");
	}
	rc = sqlite3_step(st);
	repo_stmt_done(st);
	return rc == SQLITE_DONE ? HR_OK : repo_sqlerr(r, rc, NULL, "txn");
}

hresult repo_read_begin(struct repo *r)
{
	hresult hr;

	if (r->depth > 0 || r->reading > 0) {
		r->reading++;
		return HR_OK;
	}
	hr = step_once(r, ST_BEGIN);
	if (hr_failed(hr)) {
		return hr;
	}
	r->reading = 1;
	hr = repo_cache_check(r);
	if (hr_failed(hr)) {
		repo_read_end(r);
	}
	return hr;
}

void repo_read_end(struct repo *r)
{
	if (r->reading == 0) {
		return;
	}
	r->reading--;
	if (r->reading == 0 && r->depth == 0 &&
	    !sqlite3_get_autocommit(r->db)) {
		if (hr_failed(step_once(r, ST_COMMIT))) {
			sqlite3_exec(r->db, "ROLLBACK", NULL, NULL, NULL);
		}
	}
}

hresult repo_bump_class_gen(struct repo *r, struct errinfo *ei)
{
	sqlite3_stmt *st = repo_stmt(r, ST_GEN_BUMP);
	int rc;

	r->class_dirty = true;
	if (st == NULL) {
		return repo_sqlerr(r, sqlite3_errcode(r->db), ei, "class_gen");
	}
	rc = sqlite3_step(st);
	repo_stmt_done(st);
	if (rc != SQLITE_DONE) {
		return repo_sqlerr(r, rc, ei, "class_gen");
	}
	st = repo_stmt(r, ST_GEN_GET);
	if (st == NULL) {
		return repo_sqlerr(r, sqlite3_errcode(r->db), ei, "class_gen");
	}
	rc = sqlite3_step(st);
	if (rc == SQLITE_ROW) {
		r->class_gen = sqlite3_column_int64(st, 0);
	}
	repo_stmt_done(st);
	return rc == SQLITE_ROW ? HR_OK : repo_sqlerr(r, rc, ei, "class_gen");
}

hresult repo_bump_reg_gen(struct repo *r, struct errinfo *ei)
{
	sqlite3_stmt *st = repo_stmt(r, ST_REG_GEN_BUMP);
	int rc;

	if (st == NULL) {
		return repo_sqlerr(r, sqlite3_errcode(r->db), ei, "reg_gen");
	}
	rc = sqlite3_step(st);
	repo_stmt_done(st);
	return rc == SQLITE_DONE ? HR_OK : repo_sqlerr(r, rc, ei, "reg_gen");
}

hresult repo_registration_stamp(struct repo *r, int64_t *out)
{
	sqlite3_stmt *st;
	int rc;

	if (r == NULL || out == NULL) {
		return hr_raise(HR_E_INVALIDARG);
	}
	st = repo_stmt(r, ST_STAMP_GET);
	if (st == NULL) {
		return repo_sqlerr(r, sqlite3_errcode(r->db), NULL, "stamp");
	}
	rc = sqlite3_step(st);
	if (rc == SQLITE_ROW) {
		*out = sqlite3_column_int64(st, 0);
	}
	repo_stmt_done(st);
	return rc == SQLITE_ROW ? HR_OK : repo_sqlerr(r, rc, NULL, "stamp");
}

/* ---- Transactions ---------------------------------------------------- */

static hresult txn_begin(struct repo *r, struct errinfo *ei)
{
	char sql[48];
	hresult hr;

	if (r->flags & REPO_OPEN_READONLY) {
		return err_set(ei, HR_E_ACCESSDENIED, "repo",
		               "repository opened read-only");
	}
	if (r->depth == 0 && r->reading == 0) {
		hr = repo_exec(r, "BEGIN IMMEDIATE", ei);
		if (hr_failed(hr)) {
			return hr;
		}
		r->class_dirty = false;
		/* Another connection may have changed classes before we
		 * took the lock. */
		hr = repo_cache_check(r);
		if (hr_failed(hr)) {
			sqlite3_exec(r->db, "ROLLBACK", NULL, NULL, NULL);
			return hr;
		}
	} else {
		snprintf(sql, sizeof(sql), "SAVEPOINT r%u", r->depth);
		hr = repo_exec(r, sql, ei);
		if (hr_failed(hr)) {
			return hr;
		}
	}
	r->depth++;
	return HR_OK;
}

static hresult txn_rollback(struct repo *r, struct errinfo *ei)
{
	char sql[64];
	hresult hr;

	if (r->depth == 0) {
		return err_set(ei, HR_WBEM_E_UNEXPECTED, "repo",
		               "rollback without a transaction");
	}
	r->depth--;
	repo_cache_flush(r);
	if (r->depth == 0 && r->reading == 0) {
		hr = repo_exec(r, "ROLLBACK", ei);
		r->class_dirty = false;
	} else {
		snprintf(sql, sizeof(sql), "ROLLBACK TO r%u; RELEASE r%u",
		         r->depth, r->depth);
		hr = repo_exec(r, sql, ei);
	}
	if (r->depth == 0 && r->reading == 0 &&
	    !sqlite3_get_autocommit(r->db)) {
		sqlite3_exec(r->db, "ROLLBACK", NULL, NULL, NULL);
	}
	return hr;
}

static hresult txn_commit(struct repo *r, struct errinfo *ei)
{
	char sql[48];
	hresult hr;

	if (r->depth == 0) {
		return err_set(ei, HR_WBEM_E_UNEXPECTED, "repo",
		               "commit without a transaction");
	}
	if (r->depth == 1 && r->reading == 0) {
		hr = repo_exec(r, "COMMIT", ei);
		if (hr_failed(hr)) {
			txn_rollback(r, NULL);
			return hr;
		}
		r->depth = 0;
		r->class_dirty = false;
		return HR_OK;
	}
	snprintf(sql, sizeof(sql), "RELEASE r%u", r->depth - 1);
	hr = repo_exec(r, sql, ei);
	if (hr_failed(hr)) {
		/* As a failed COMMIT: the level ends, undone (else the
		 * savepoint stays open under the caller's level). */
		txn_rollback(r, NULL);
		return hr;
	}
	r->depth--;
	return HR_OK;
}

hresult repo_txn_begin(struct repo *r)
{
	if (r == NULL) {
		return hr_raise(HR_E_INVALIDARG);
	}
	return txn_begin(r, NULL);
}

hresult repo_txn_commit(struct repo *r)
{
	if (r == NULL) {
		return hr_raise(HR_E_INVALIDARG);
	}
	return txn_commit(r, NULL);
}

hresult repo_txn_rollback(struct repo *r)
{
	if (r == NULL) {
		return hr_raise(HR_E_INVALIDARG);
	}
	return txn_rollback(r, NULL);
}

unsigned repo_txn_depth(const struct repo *r)
{
	return r != NULL ? r->depth : 0;
}

hresult repo_write_begin(struct repo *r, struct errinfo *ei)
{
	return txn_begin(r, ei);
}

hresult repo_write_end(struct repo *r, hresult hr, struct errinfo *ei)
{
	hresult h2;

	if (hr_failed(hr)) {
		txn_rollback(r, NULL);
		return hr;
	}
	h2 = txn_commit(r, ei);
	return hr_failed(h2) ? h2 : hr;
}

static void fsync_path(const char *path, bool dir);
static void unlink_sidecars(const char *path);

/* ---- Open and close -------------------------------------------------- */

static int repo_destructor(struct repo *r)
{
	for (int i = 0; i < ST__COUNT; i++) {
		sqlite3_finalize(r->st[i]);
		r->st[i] = NULL;
	}
	if (r->db != NULL) {
		if (!sqlite3_get_autocommit(r->db)) {
			sqlite3_exec(r->db, "ROLLBACK", NULL, NULL, NULL);
		}
		sqlite3_close_v2(r->db);
		r->db = NULL;
	}
	return 0;
}

hresult repo_create_schema(sqlite3 *db, struct errinfo *ei)
{
	int rc = sqlite3_exec(db, schema_sql, NULL, NULL, NULL);

	if (rc != SQLITE_OK) {
		return err_set(ei, HR_WBEM_E_FAILED, "repo",
		               "creating the schema: sqlite: %s",
		               sqlite3_errmsg(db));
	}
	return HR_OK;
}

hresult repo_open_db(const char *path,
                     int sqlite_flags,
                     sqlite3 **out,
                     struct errinfo *ei)
{
	sqlite3 *db = NULL;
	int rc;

	errno = 0;
	rc = sqlite3_open_v2(path, &db, sqlite_flags | SQLITE_OPEN_NOMUTEX,
	                     NULL);
	if (rc != SQLITE_OK) {
		hresult hr = repo_sqlerr(NULL, rc, ei, path);

		sqlite3_close_v2(db);
		return hr;
	}
	sqlite3_extended_result_codes(db, 0);
	sqlite3_busy_timeout(db, 5000);
	*out = db;
	return HR_OK;
}

/* Returns 1 when the database has our meta table, 0 when it has no table
 * at all, -1 when it has other tables (not a repository), -2 on error. */
static int probe_schema(sqlite3 *db)
{
	sqlite3_stmt *st = NULL;
	int has_meta = 0, n = 0, rc;

	rc = sqlite3_prepare_v2(db,
	                        "SELECT name FROM sqlite_schema "
	                        "WHERE type = 'table'",
	                        -1, &st, NULL);
	if (rc != SQLITE_OK) {
		return -2;
	}
	while ((rc = sqlite3_step(st)) == SQLITE_ROW) {
		const char *name = (const char *)sqlite3_column_text(st, 0);

		n++;
		if (name == NULL) {
			sqlite3_finalize(st);
			return -2; /* out of memory */
		}
		if (strcmp(name, "meta") == 0) {
			has_meta = 1;
		}
	}
	sqlite3_finalize(st);
	if (rc != SQLITE_DONE) {
		return -2;
	}
	return has_meta ? 1 : (n == 0 ? 0 : -1);
}

static hresult check_version(struct repo *r, struct errinfo *ei)
{
	sqlite3_stmt *st = NULL;
	int64_t v = -1;
	int rc;

	rc = sqlite3_prepare_v2(r->db,
	                        "SELECT value FROM meta WHERE key = "
	                        "'schema_version'",
	                        -1, &st, NULL);
	if (rc != SQLITE_OK) {
		return repo_sqlerr(r, rc, ei, "reading the schema version");
	}
	rc = sqlite3_step(st);
	if (rc == SQLITE_ROW) {
		v = sqlite3_column_int64(st, 0);
	}
	sqlite3_finalize(st);
	if (rc != SQLITE_ROW && rc != SQLITE_DONE) {
		return repo_sqlerr(r, rc, ei, "reading the schema version");
	}
	if (v != REPO_SCHEMA_VERSION) {
		return err_set(ei, HR_WBEM_E_DATABASE_VER_MISMATCH, "repo",
		               "'%s' has schema version %lld, expected %d",
		               r->path, (long long)v, REPO_SCHEMA_VERSION);
	}
	return HR_OK;
}

static hresult init_schema(struct repo *r, struct errinfo *ei)
{
	hresult hr = HR_OK;
	int kind = probe_schema(r->db);

	if (kind == -2) {
		return repo_sqlerr(r, sqlite3_errcode(r->db), ei, r->path);
	}
	if (kind == -1) {
		return err_set(ei, HR_HR_ERROR_INTERNAL_DB_CORRUPTION, "repo",
		               "'%s' is not a repository", r->path);
	}
	if (kind == 0) {
		if (!(r->flags & REPO_OPEN_CREATE) ||
		    (r->flags & REPO_OPEN_READONLY)) {
			return err_set(ei, HR_HR_ERROR_INTERNAL_DB_CORRUPTION,
			               "repo", "'%s' is not a repository",
			               r->path);
		}
		hr = repo_exec(r, "BEGIN IMMEDIATE", ei);
		if (hr_failed(hr)) {
			return hr;
		}
		kind = probe_schema(r->db);
		if (kind == 0) {
			hr = repo_create_schema(r->db, ei);
		}
		if (hr_failed(hr)) {
			sqlite3_exec(r->db, "ROLLBACK", NULL, NULL, NULL);
			return hr;
		}
		hr = repo_exec(r, "COMMIT", ei);
		if (hr_failed(hr)) {
			sqlite3_exec(r->db, "ROLLBACK", NULL, NULL, NULL);
			return hr;
		}
	}
	return check_version(r, ei);
}

/*
 * Creates the repository file [path] atomically: the schema is built in a
 * temporary file next to it, which is then linked into place, so a crash
 * leaves either no file or a complete one (never a file without tables).
 * A file that appears meanwhile is kept.
 */
static hresult create_file(const char *path, struct errinfo *ei)
{
	char *tmp = NULL;
	sqlite3 *db = NULL;
	hresult hr;

	hr = repo_mkstemp_path(NULL, path, &tmp);
	if (hr_failed(hr)) {
		return err_set(ei, hr, "repo", "cannot create '%s': %s", path,
		               strerror(errno));
	}
	hr = repo_open_db(tmp, SQLITE_OPEN_READWRITE, &db, ei);
	if (hr_ok(hr) &&
	    (sqlite3_exec(db, "PRAGMA journal_mode=WAL; BEGIN IMMEDIATE", NULL,
	                  NULL, NULL) != SQLITE_OK ||
	     hr_failed(hr = repo_create_schema(db, ei)) ||
	     sqlite3_exec(db, "COMMIT", NULL, NULL, NULL) != SQLITE_OK)) {
		hr = hr_failed(hr) ? hr
		                   : err_set(ei, HR_WBEM_E_FAILED, "repo",
		                             "creating '%s': sqlite: %s", path,
		                             sqlite3_errmsg(db));
	}
	sqlite3_close_v2(db); /* checkpoints: the file stands alone */
	if (hr_ok(hr)) {
		fsync_path(tmp, false);
		if (link(tmp, path) != 0 && errno != EEXIST) {
			hr = err_set(ei,
			             errno == ENOENT
			                     ? HR_HR_ERROR_FILE_NOT_FOUND
			                     : HR_E_ACCESSDENIED,
			             "repo", "cannot create '%s': %s", path,
			             strerror(errno));
		}
	}
	unlink_sidecars(tmp);
	unlink(tmp);
	if (hr_ok(hr)) {
		char dir[4096];

		snprintf(dir, sizeof(dir), "%s", path);
		fsync_path(dirname(dir), true);
	}
	talloc_free(tmp);
	return hr;
}

hresult repo_open(void *mem,
                  const char *path,
                  unsigned flags,
                  struct repo **out,
                  struct errinfo *ei)
{
	struct repo *r = NULL;
	struct stat sb;
	int sflags;
	hresult hr;

	if (path == NULL || out == NULL) {
		return err_set(ei, HR_E_INVALIDARG, "repo", "no path");
	}
	if ((flags & REPO_OPEN_READONLY) && (flags & REPO_OPEN_CREATE)) {
		return err_set(ei, HR_E_INVALIDARG, "repo",
		               "create and read-only together");
	}
	if (stat(path, &sb) != 0) {
		if (!(flags & REPO_OPEN_CREATE)) {
			return err_set(ei, HR_HR_ERROR_FILE_NOT_FOUND, "repo",
			               "repository '%s' not found", path);
		}
		hr = create_file(path, ei);
		if (hr_failed(hr)) {
			return hr;
		}
	}
	r = talloc_zero(mem, struct repo);
	if (r == NULL) {
		return err_set(ei, HR_E_OUTOFMEMORY, "repo", "out of memory");
	}
	talloc_set_destructor(r, repo_destructor);
	r->flags = flags;
	r->data_version = -1;
	r->class_gen = -1;
	r->path = talloc_strdup(r, path);
	if (r->path == NULL) {
		hr = err_set(ei, HR_E_OUTOFMEMORY, "repo", "out of memory");
		goto fail;
	}
	sflags = (flags & REPO_OPEN_READONLY)
	                 ? SQLITE_OPEN_READONLY
	                 : SQLITE_OPEN_READWRITE | ((flags & REPO_OPEN_CREATE)
	                                                    ? SQLITE_OPEN_CREATE
	                                                    : 0);
	hr = repo_open_db(path, sflags, &r->db, ei);
	if (hr_failed(hr)) {
		goto fail;
	}
	if (!(flags & REPO_OPEN_READONLY)) {
		hr = repo_exec(r, "PRAGMA journal_mode=WAL", ei);
		if (hr_failed(hr)) {
			goto fail;
		}
	}
	hr = repo_exec(r,
	               "PRAGMA synchronous=NORMAL;"
	               "PRAGMA cache_size=-65536;"
	               "PRAGMA mmap_size=268435456;"
	               "PRAGMA temp_store=MEMORY;",
	               ei);
	if (hr_failed(hr)) {
		goto fail;
	}
	hr = init_schema(r, ei);
	if (hr_failed(hr)) {
		goto fail;
	}
	*out = r;
	return HR_OK;
fail:
	talloc_free(r);
	return hr;
}

void repo_close(struct repo *r)
{
	talloc_free(r);
}

const char *repo_path(const struct repo *r)
{
	return r != NULL ? r->path : NULL;
}

/* ---- Files ----------------------------------------------------------- */

hresult repo_mkstemp_path(void *mem, const char *near, char **out)
{
	char *p = talloc_asprintf(mem, "%s.tmp-XXXXXX", near);
	int fd;

	if (p == NULL) {
		return hr_raise(HR_E_OUTOFMEMORY);
	}
	fd = mkstemp(p);
	if (fd < 0) {
		talloc_free(p);
		return hr_raise(errno == ENOENT ? HR_HR_ERROR_FILE_NOT_FOUND
		                                : HR_E_ACCESSDENIED);
	}
	close(fd);
	*out = p;
	return HR_OK;
}

static void fsync_path(const char *path, bool dir)
{
	int fd = open(path, (dir ? O_DIRECTORY : 0) | O_RDONLY | O_CLOEXEC);

	if (fd >= 0) {
		fsync(fd);
		close(fd);
	}
}

static void unlink_sidecars(const char *path)
{
	char side[4096];

	snprintf(side, sizeof(side), "%s-wal", path);
	unlink(side);
	snprintf(side, sizeof(side), "%s-shm", path);
	unlink(side);
	snprintf(side, sizeof(side), "%s-journal", path);
	unlink(side);
}

hresult repo_replace_file(const char *tmp, const char *dest, struct errinfo *ei)
{
	char dir[4096];

	fsync_path(tmp, false);
	unlink_sidecars(tmp);
	unlink_sidecars(dest);
	if (rename(tmp, dest) != 0) {
		return err_set(ei, HR_E_ACCESSDENIED, "repo",
		               "cannot rename '%s' to '%s': %s", tmp, dest,
		               strerror(errno));
	}
	snprintf(dir, sizeof(dir), "%s", dest);
	fsync_path(dirname(dir), true);
	return HR_OK;
}
