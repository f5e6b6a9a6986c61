/*
 * accounts: OpenWMI's own account store on SQLite (security layer).
 *
 * Schema (PRAGMA application_id = 0x4F574D41 "OWMA", user_version = 1):
 *
 *   meta(key TEXT PRIMARY KEY, value TEXT)      machine_sid, domain,
 *                                               next_rid
 *   users(rid INTEGER PRIMARY KEY, name TEXT UNIQUE NOCASE,
 *         nt_hash BLOB(16), created INTEGER)
 *   groups(sid TEXT PRIMARY KEY, name TEXT UNIQUE NOCASE)
 *   members(group_sid -> groups.sid, rid -> users.rid)  cascade deletes
 *
 * RIDs come from meta.next_rid, which only grows, so a deleted user's SID
 * is never given to a new user (stale ACEs cannot grant a stranger).
 * secure_delete is on, so a deleted hash is overwritten in the file.
 * See accounts.h for the contract and the invariants.
 */
#include "security/accounts.h"

#include <errno.h>
#include <fcntl.h>
#include <nettle/md4.h>
#include <pwd.h>
#include <sqlite3.h>
#include <stdio.h>
#include <string.h>
#include <sys/random.h>
#include <sys/stat.h>
#include <talloc.h>
#include <time.h>
#include <unistd.h>

#include "base/utf.h"

#define ACCOUNTS_APP_ID     0x4F574D41
#define ACCOUNTS_SCHEMA_VER 1
#define BUSY_TIMEOUT_MS     5000

static const char layer[] = "security";

struct sec_accounts {
	sqlite3 *db;
	struct sec_sid machine_sid;
	char *domain;
	char *warning; /* NULL, or what open() found and repaired */
};

static const struct {
	const struct sec_sid *sid;
	const char *name;
} builtin_groups[] = {
	{ &sec_sid_builtin_admins, "Administrators" },
	{ &sec_sid_builtin_users, "Users" },
	{ &sec_sid_perflog_users, "Performance Log Users" },
	{ &sec_sid_dcom_users, "Distributed COM Users" },
};

static const char schema_sql[] =
        "CREATE TABLE meta(key TEXT PRIMARY KEY, value TEXT NOT NULL);"
        "CREATE TABLE users(rid INTEGER PRIMARY KEY,"
        " name TEXT NOT NULL UNIQUE COLLATE NOCASE,"
        " nt_hash BLOB NOT NULL CHECK(length(nt_hash) = 16),"
        " created INTEGER NOT NULL);"
        "CREATE TABLE groups(sid TEXT PRIMARY KEY,"
        " name TEXT NOT NULL UNIQUE COLLATE NOCASE);"
        "CREATE TABLE members("
        " group_sid TEXT NOT NULL REFERENCES groups(sid) ON DELETE CASCADE,"
        " rid INTEGER NOT NULL REFERENCES users(rid) ON DELETE CASCADE,"
        " PRIMARY KEY(group_sid, rid));"
        "PRAGMA application_id = 1331121473;" /* 0x4F574D41 */
        "PRAGMA user_version = 1;";

static hresult db_error(struct sec_accounts *acc,
                        int rc,
                        struct errinfo *ei,
                        const char *what)
{
	const char *msg = acc->db != NULL ? sqlite3_errmsg(acc->db)
	                                  : sqlite3_errstr(rc);
	hresult hr = HR_WBEM_E_FAILED;

	switch (rc & 0xFF) {
	case SQLITE_CORRUPT:
	case SQLITE_NOTADB:
		hr = HR_HR_ERROR_INTERNAL_DB_CORRUPTION;
		break;
	case SQLITE_NOMEM:
		hr = HR_E_OUTOFMEMORY;
		break;
	case SQLITE_PERM:
	case SQLITE_READONLY:
	case SQLITE_AUTH:
		hr = HR_E_ACCESSDENIED;
		break;
	default:
		break;
	}
	return err_set(ei, hr, layer, "accounts: %s: %s", what, msg);
}

static hresult exec(struct sec_accounts *acc,
                    const char *sql,
                    struct errinfo *ei)
{
	int rc = sqlite3_exec(acc->db, sql, NULL, NULL, NULL);

	return rc == SQLITE_OK ? HR_OK : db_error(acc, rc, ei, sql);
}

static hresult prepare(struct sec_accounts *acc,
                       const char *sql,
                       sqlite3_stmt **st,
                       struct errinfo *ei)
{
	int rc = sqlite3_prepare_v2(acc->db, sql, -1, st, NULL);

	return rc == SQLITE_OK ? HR_OK : db_error(acc, rc, ei, "prepare");
}

static hresult begin(struct sec_accounts *acc, struct errinfo *ei)
{
	return exec(acc, "BEGIN IMMEDIATE", ei);
}

/* Commits when [hr] succeeded, else rolls back; returns the outcome. */
static hresult finish(struct sec_accounts *acc, hresult hr, struct errinfo *ei)
{
	if (hr_failed(hr)) {
		sqlite3_exec(acc->db, "ROLLBACK", NULL, NULL, NULL);
		return hr;
	}
	return exec(acc, "COMMIT", ei);
}

static int accounts_destructor(struct sec_accounts *acc)
{
	if (acc->db != NULL) {
		sqlite3_close_v2(acc->db);
		acc->db = NULL;
	}
	return 0;
}

/* Runs [sql] with ?1 bound to text [key] and reads column 0 of the first
 * row into a talloc string under [mem]; NULL when there is no row.  [what]
 * names the step in a database error. */
static hresult query_text(struct sec_accounts *acc,
                          void *mem,
                          const char *sql,
                          const char *key,
                          const char *what,
                          char **out,
                          struct errinfo *ei)
{
	sqlite3_stmt *st = NULL;
	hresult hr;
	int rc;

	*out = NULL;
	if (hr_failed(hr = prepare(acc, sql, &st, ei))) {
		return hr;
	}
	sqlite3_bind_text(st, 1, key, -1, SQLITE_STATIC);
	rc = sqlite3_step(st);
	if (rc == SQLITE_ROW) {
		*out = talloc_strdup(mem,
		                     (const char *)sqlite3_column_text(st, 0));
		hr = *out != NULL ? HR_OK : hr_raise(HR_E_OUTOFMEMORY);
	} else if (rc != SQLITE_DONE) {
		hr = db_error(acc, rc, ei, what);
	}
	sqlite3_finalize(st);
	return hr;
}

/* Reads meta[key] into a talloc string under [mem]; NULL when absent. */
static hresult meta_get(struct sec_accounts *acc,
                        void *mem,
                        const char *key,
                        char **out,
                        struct errinfo *ei)
{
	return query_text(acc, mem, "SELECT value FROM meta WHERE key = ?", key,
	                  "read meta", out, ei);
}

static hresult meta_set(struct sec_accounts *acc,
                        const char *key,
                        const char *value,
                        struct errinfo *ei)
{
	sqlite3_stmt *st = NULL;
	hresult hr;
	int rc;

	if (hr_failed(hr = prepare(acc,
	                           "INSERT OR REPLACE INTO meta(key, value) "
	                           "VALUES (?, ?)",
	                           &st, ei))) {
		return hr;
	}
	sqlite3_bind_text(st, 1, key, -1, SQLITE_STATIC);
	sqlite3_bind_text(st, 2, value, -1, SQLITE_STATIC);
	rc = sqlite3_step(st);
	sqlite3_finalize(st);
	return rc == SQLITE_DONE ? HR_OK : db_error(acc, rc, ei, "write meta");
}

static hresult pragma_int(struct sec_accounts *acc,
                          const char *sql,
                          int64_t *out,
                          struct errinfo *ei)
{
	sqlite3_stmt *st = NULL;
	hresult hr;
	int rc;

	if (hr_failed(hr = prepare(acc, sql, &st, ei))) {
		return hr;
	}
	rc = sqlite3_step(st);
	*out = rc == SQLITE_ROW ? sqlite3_column_int64(st, 0) : 0;
	sqlite3_finalize(st);
	return rc == SQLITE_ROW ? HR_OK : db_error(acc, rc, ei, sql);
}

static void default_domain(char *out, size_t size)
{
	char host[256];
	size_t i = 0;

	if (gethostname(host, sizeof(host)) != 0) {
		snprintf(host, sizeof(host), "OPENWMI");
	}
	host[sizeof(host) - 1] = '\0';
	/* The NetBIOS-style name: first label, upper case, 15 characters. */
	for (; i + 1 < size && i < 15 && host[i] != '\0' && host[i] != '.';
	     i++) {
		char c = host[i];

		out[i] = (c >= 'a' && c <= 'z') ? (char)(c - 'a' + 'A') : c;
	}
	out[i] = '\0';
	if (i == 0) {
		snprintf(out, size, "OPENWMI");
	}
}

/* Creates the schema and the seed rows; runs inside a transaction. */
static hresult init_schema(struct sec_accounts *acc, struct errinfo *ei)
{
	uint32_t sub[4] = { 21, 0, 0, 0 };
	struct sec_sid sid;
	char text[SEC_SID_STRING_MAX];
	char domain[32];
	sqlite3_stmt *st = NULL;
	hresult hr;

	if (getrandom(&sub[1], 3 * sizeof(uint32_t), 0) !=
	    (ssize_t)(3 * sizeof(uint32_t))) {
		return err_set(ei, HR_WBEM_E_FAILED, layer,
		               "accounts: getrandom: %s", strerror(errno));
	}
	sec_sid_make(&sid, 5, 4, sub);
	default_domain(domain, sizeof(domain));
	if (hr_failed(hr = exec(acc, schema_sql, ei)) ||
	    hr_failed(hr = meta_set(acc, "machine_sid",
	                            sec_sid_format(&sid, text), ei)) ||
	    hr_failed(hr = meta_set(acc, "domain", domain, ei)) ||
	    hr_failed(hr = meta_set(acc, "next_rid", "1000", ei))) {
		return hr;
	}
	if (hr_failed(
	            hr = prepare(acc,
	                         "INSERT INTO groups(sid, name) VALUES (?, ?)",
	                         &st, ei))) {
		return hr;
	}
	for (size_t i = 0;
	     i < sizeof(builtin_groups) / sizeof(builtin_groups[0]); i++) {
		int rc;

		sqlite3_reset(st);
		sqlite3_bind_text(st, 1,
		                  sec_sid_format(builtin_groups[i].sid, text),
		                  -1, SQLITE_TRANSIENT);
		sqlite3_bind_text(st, 2, builtin_groups[i].name, -1,
		                  SQLITE_STATIC);
		rc = sqlite3_step(st);
		if (rc != SQLITE_DONE) {
			hr = db_error(acc, rc, ei, "seed groups");
			break;
		}
	}
	sqlite3_finalize(st);
	return hr;
}

/* Checks (or with [create], creates) the file itself before SQLite. */
static hresult check_file(struct sec_accounts *acc,
                          const char *path,
                          bool create,
                          struct errinfo *ei)
{
	int flags = O_RDONLY | O_NOFOLLOW | O_CLOEXEC;
	struct stat stb;
	int fd;
	hresult hr = HR_OK;

	if (create) {
		flags = O_RDWR | O_CREAT | O_NOFOLLOW | O_CLOEXEC;
	}
	fd = open(path, flags, 0600);
	if (fd < 0) {
		int e = errno;

		if (e == ENOENT && create) {
			return err_set(ei, HR_HR_ERROR_FILE_NOT_FOUND, layer,
			               "accounts: cannot create %s: its folder "
			               "does not exist",
			               path);
		}
		if (e == ENOENT) {
			return err_set(ei, HR_HR_ERROR_FILE_NOT_FOUND, layer,
			               "accounts: %s does not exist", path);
		}
		return err_set(ei,
		               e == EACCES || e == ELOOP || e == EPERM
		                       ? HR_E_ACCESSDENIED
		                       : HR_WBEM_E_FAILED,
		               layer, "accounts: cannot open %s: %s", path,
		               strerror(e));
	}
	if (fstat(fd, &stb) != 0) {
		hr = err_set(ei, HR_WBEM_E_FAILED, layer,
		             "accounts: cannot stat %s: %s", path,
		             strerror(errno));
	} else if (!S_ISREG(stb.st_mode)) {
		hr = err_set(ei, HR_E_ACCESSDENIED, layer,
		             "accounts: %s is not a regular file", path);
	} else if (stb.st_uid != geteuid()) {
		hr = err_set(ei, HR_E_ACCESSDENIED, layer,
		             "accounts: %s is owned by uid %u, not by the "
		             "effective user %u",
		             path, (unsigned)stb.st_uid, (unsigned)geteuid());
	} else if ((stb.st_mode & 077) != 0) {
		if (fchmod(fd, 0600) != 0) {
			hr = err_set(ei, HR_E_ACCESSDENIED, layer,
			             "accounts: %s has mode %04o and cannot "
			             "be made 0600: %s",
			             path, (unsigned)(stb.st_mode & 07777),
			             strerror(errno));
		} else {
			acc->warning = talloc_asprintf(
			        acc,
			        "%s had mode %04o, readable by others; "
			        "changed to 0600 (password hashes may have "
			        "been exposed)",
			        path, (unsigned)(stb.st_mode & 07777));
		}
	}
	close(fd);
	return hr;
}

/* Loads machine SID and domain; with [create], initialises an empty file. */
static hresult load(struct sec_accounts *acc, bool create, struct errinfo *ei)
{
	int64_t app_id = 0;
	int64_t version = 0;
	int64_t objects = 0;
	char *text = NULL;
	hresult hr;

	if (hr_failed(hr = begin(acc, ei))) {
		return hr;
	}
	if (hr_failed(hr = pragma_int(acc, "PRAGMA application_id", &app_id,
	                              ei)) ||
	    hr_failed(hr = pragma_int(acc, "PRAGMA user_version", &version,
	                              ei))) {
		return finish(acc, hr, ei);
	}
	if (app_id == 0 && version == 0 && create &&
	    hr_ok(hr = pragma_int(acc, "SELECT count(*) FROM sqlite_master",
	                          &objects, ei)) &&
	    objects == 0) {
		hr = init_schema(acc, ei);
	} else if (hr_failed(hr)) {
		/* The count failed; finish() below rolls back. */
	} else if (app_id != ACCOUNTS_APP_ID) {
		hr = err_set(ei, HR_HR_ERROR_INTERNAL_DB_CORRUPTION, layer,
		             "accounts: not an OpenWMI accounts file");
	} else if (version != ACCOUNTS_SCHEMA_VER) {
		hr = err_set(ei, HR_HR_ERROR_INTERNAL_DB_CORRUPTION, layer,
		             "accounts: schema version %lld, expected %d",
		             (long long)version, ACCOUNTS_SCHEMA_VER);
	}
	if (hr_failed(hr = finish(acc, hr, ei))) {
		return hr;
	}
	if (hr_failed(hr = meta_get(acc, acc, "machine_sid", &text, ei))) {
		return hr;
	}
	if (text == NULL ||
	    hr_failed(sec_sid_parse(text, &acc->machine_sid, NULL)) ||
	    acc->machine_sid.n_sub != 4) {
		return err_set(ei, HR_HR_ERROR_INTERNAL_DB_CORRUPTION, layer,
		               "accounts: bad machine SID");
	}
	talloc_free(text);
	if (hr_failed(hr = meta_get(acc, acc, "domain", &acc->domain, ei))) {
		return hr;
	}
	if (acc->domain == NULL) {
		return err_set(ei, HR_HR_ERROR_INTERNAL_DB_CORRUPTION, layer,
		               "accounts: no domain name");
	}
	return HR_OK;
}

hresult sec_accounts_open(void *mem,
                          const char *path,
                          bool create,
                          struct sec_accounts **out,
                          struct errinfo *ei)
{
	struct sec_accounts *acc = talloc_zero(mem, struct sec_accounts);
	hresult hr;
	int rc;

	if (acc == NULL) {
		return err_set(ei, HR_E_OUTOFMEMORY, layer, "out of memory");
	}
	talloc_set_destructor(acc, accounts_destructor);
	if (hr_failed(hr = check_file(acc, path, create, ei))) {
		goto fail;
	}
	rc = sqlite3_open_v2(path, &acc->db,
	                     SQLITE_OPEN_READWRITE | SQLITE_OPEN_NOFOLLOW |
	                             SQLITE_OPEN_FULLMUTEX,
	                     NULL);
	if (rc != SQLITE_OK) {
		hr = db_error(acc, rc, ei, "open");
		goto fail;
	}
	sqlite3_busy_timeout(acc->db, BUSY_TIMEOUT_MS);
	if (hr_failed(hr = exec(acc,
	                        "PRAGMA foreign_keys = ON;"
	                        "PRAGMA secure_delete = ON;",
	                        ei)) ||
	    hr_failed(hr = load(acc, create, ei))) {
		goto fail;
	}
	*out = acc;
	return HR_OK;
fail:
	talloc_free(acc);
	return hr;
}

const char *sec_accounts_warning(const struct sec_accounts *acc)
{
	return acc->warning;
}

const struct sec_sid *sec_accounts_machine_sid(const struct sec_accounts *acc)
{
	return &acc->machine_sid;
}

const char *sec_accounts_domain(const struct sec_accounts *acc)
{
	return acc->domain;
}

hresult sec_nt_hash(const char *password, uint8_t nt_hash[16])
{
	uint8_t *u16 = NULL;
	size_t n = 0;
	struct md4_ctx ctx;
	hresult hr;

	hr = utf8_to_utf16le(NULL, password, strlen(password), &u16, &n);
	if (hr_failed(hr)) {
		return hr;
	}
	md4_init(&ctx);
	md4_update(&ctx, n, u16);
	md4_digest(&ctx, MD4_DIGEST_SIZE, nt_hash);
	explicit_bzero(u16, n);
	explicit_bzero(&ctx, sizeof(ctx));
	talloc_free(u16);
	return HR_OK;
}

/* ---- validation ---- */

static size_t count_chars(const char *s, size_t n)
{
	const char *p = s;
	const char *end = s + n;
	size_t k = 0;

	while (p < end && utf8_next(&p, end) >= 0) {
		k++;
	}
	return k;
}

static hresult check_name(const char *name, struct errinfo *ei)
{
	static const char forbidden[] = "\"/\\[]:;|=,+*?<>@";
	size_t n = strlen(name);
	bool only_dots = true;

	if (n == 0) {
		return err_set(ei, HR_WBEM_E_INVALID_PARAMETER, layer,
		               "account name is empty");
	}
	if (!utf8_valid(name, n, NULL) ||
	    count_chars(name, n) > SEC_ACCOUNT_NAME_MAX) {
		return err_set(ei, HR_WBEM_E_INVALID_PARAMETER, layer,
		               "account name must be valid UTF-8 of at most "
		               "%d characters",
		               SEC_ACCOUNT_NAME_MAX);
	}
	for (size_t i = 0; i < n; i++) {
		unsigned char c = (unsigned char)name[i];

		if (c < 0x20 || c == 0x7F || strchr(forbidden, c) != NULL) {
			return err_set(ei, HR_WBEM_E_INVALID_PARAMETER, layer,
			               "account name contains a control "
			               "character or one of %s",
			               forbidden);
		}
		if (c != '.' && c != ' ') {
			only_dots = false;
		}
	}
	if (only_dots || name[0] == ' ' || name[n - 1] == ' ') {
		return err_set(ei, HR_WBEM_E_INVALID_PARAMETER, layer,
		               "account name has leading or trailing blanks "
		               "or only dots and blanks");
	}
	return HR_OK;
}

static hresult check_password(const char *pw, struct errinfo *ei)
{
	size_t n = strlen(pw);

	if (n == 0) {
		return err_set(ei, HR_WBEM_E_INVALID_PARAMETER, layer,
		               "the password is empty");
	}
	if (!utf8_valid(pw, n, NULL) || count_chars(pw, n) > SEC_PASSWORD_MAX) {
		return err_set(ei, HR_WBEM_E_INVALID_PARAMETER, layer,
		               "the password must be valid UTF-8 of at most "
		               "%d characters",
		               SEC_PASSWORD_MAX);
	}
	return HR_OK;
}

/* ---- lookups ---- */

/*
 * Finds user [name]: *found, and when found its RID and (if [hash] is not
 * NULL) its NT hash.
 */
static hresult find_user(struct sec_accounts *acc,
                         const char *name,
                         bool *found,
                         uint32_t *rid,
                         uint8_t hash[16],
                         struct errinfo *ei)
{
	sqlite3_stmt *st = NULL;
	hresult hr;
	int rc;

	*found = false;
	if (hr_failed(hr = prepare(acc,
	                           "SELECT rid, nt_hash FROM users "
	                           "WHERE name = ?",
	                           &st, ei))) {
		return hr;
	}
	sqlite3_bind_text(st, 1, name, -1, SQLITE_STATIC);
	rc = sqlite3_step(st);
	if (rc == SQLITE_ROW) {
		*found = true;
		*rid = (uint32_t)sqlite3_column_int64(st, 0);
		if (hash != NULL) {
			if (sqlite3_column_bytes(st, 1) != 16) {
				hr = err_set(ei,
				             HR_HR_ERROR_INTERNAL_DB_CORRUPTION,
				             layer, "accounts: bad hash row");
			} else {
				memcpy(hash, sqlite3_column_blob(st, 1), 16);
			}
		}
	} else if (rc != SQLITE_DONE) {
		hr = db_error(acc, rc, ei, "find user");
	}
	sqlite3_finalize(st);
	return hr;
}

static hresult find_group(struct sec_accounts *acc,
                          void *mem,
                          const char *name,
                          char **sid,
                          struct errinfo *ei)
{
	return query_text(acc, mem, "SELECT sid FROM groups WHERE name = ?",
	                  name, "find group", sid, ei);
}

/*
 * Runs a one-shot statement whose parameters are ?1 text [t], ?2 integer
 * [i] and ?3 a 16-byte [blob], as far as it has them.  [changes] (may be
 * NULL) receives the number of rows changed.
 */
static hresult run(struct sec_accounts *acc,
                   const char *sql,
                   const char *t,
                   int64_t i,
                   const void *blob,
                   int *changes,
                   struct errinfo *ei)
{
	sqlite3_stmt *st = NULL;
	hresult hr;
	int n_params;
	int rc;

	if (hr_failed(hr = prepare(acc, sql, &st, ei))) {
		return hr;
	}
	n_params = sqlite3_bind_parameter_count(st);
	sqlite3_bind_text(st, 1, t, -1, SQLITE_STATIC);
	if (n_params >= 2) {
		sqlite3_bind_int64(st, 2, i);
	}
	if (n_params >= 3 && blob != NULL) {
		sqlite3_bind_blob(st, 3, blob, 16, SQLITE_STATIC);
	}
	rc = sqlite3_step(st);
	sqlite3_finalize(st);
	if (rc != SQLITE_DONE) {
		return db_error(acc, rc, ei, "write");
	}
	if (changes != NULL) {
		*changes = sqlite3_changes(acc->db);
	}
	return HR_OK;
}

/* ---- users ---- */

static hresult user_add_txn(struct sec_accounts *acc,
                            const char *name,
                            const uint8_t hash[16],
                            struct errinfo *ei)
{
	char *next = NULL;
	char *group = NULL;
	char num[24];
	uint32_t rid = 0;
	bool found = false;
	long long v;
	hresult hr;

	if (hr_failed(hr = find_user(acc, name, &found, &rid, NULL, ei))) {
		return hr;
	}
	if (found) {
		return err_set(ei, HR_WBEM_E_ALREADY_EXISTS, layer,
		               "user %s already exists", name);
	}
	if (hr_failed(hr = find_group(acc, acc, name, &group, ei))) {
		return hr;
	}
	if (group != NULL) {
		talloc_free(group);
		return err_set(ei, HR_WBEM_E_ALREADY_EXISTS, layer,
		               "%s is the name of a group", name);
	}
	if (hr_failed(hr = meta_get(acc, acc, "next_rid", &next, ei))) {
		return hr;
	}
	v = next != NULL ? strtoll(next, NULL, 10) : 0;
	talloc_free(next);
	if (v < SEC_RID_FIRST_USER || v >= 0xFFFFFFFFll) {
		return err_set(ei, HR_HR_ERROR_INTERNAL_DB_CORRUPTION, layer,
		               "accounts: bad next_rid");
	}
	snprintf(num, sizeof(num), "%lld", v + 1);
	if (hr_failed(hr = meta_set(acc, "next_rid", num, ei)) ||
	    hr_failed(hr = run(acc,
	                       "INSERT INTO users(name, rid, nt_hash, created) "
	                       "VALUES (?1, ?2, ?3, strftime('%s', 'now'))",
	                       name, v, hash, NULL, ei))) {
		return hr;
	}
	return run(acc, "INSERT INTO members(group_sid, rid) VALUES (?1, ?2)",
	           "S-1-5-32-545", v, NULL, NULL, ei);
}

hresult sec_user_add(struct sec_accounts *acc,
                     const char *name,
                     const char *password,
                     struct errinfo *ei)
{
	uint8_t hash[16];
	hresult hr;

	if (hr_failed(hr = check_name(name, ei)) ||
	    hr_failed(hr = check_password(password, ei))) {
		return hr;
	}
	if (hr_failed(hr = sec_nt_hash(password, hash))) {
		return err_set(ei, hr, layer, "cannot hash the password");
	}
	if (hr_ok(hr = begin(acc, ei))) {
		hr = finish(acc, user_add_txn(acc, name, hash, ei), ei);
	}
	explicit_bzero(hash, sizeof(hash));
	return hr;
}

hresult sec_user_del(struct sec_accounts *acc,
                     const char *name,
                     struct errinfo *ei)
{
	int changes = 0;
	hresult hr;

	if (hr_failed(hr = begin(acc, ei))) {
		return hr;
	}
	hr = run(acc, "DELETE FROM users WHERE name = ?1", name, 0, NULL,
	         &changes, ei);
	if (hr_ok(hr) && changes == 0) {
		hr = err_set(ei, HR_WBEM_E_NOT_FOUND, layer, "no user named %s",
		             name);
	}
	return finish(acc, hr, ei);
}

hresult sec_user_passwd(struct sec_accounts *acc,
                        const char *name,
                        const char *password,
                        struct errinfo *ei)
{
	uint8_t hash[16];
	int changes = 0;
	hresult hr;

	if (hr_failed(hr = check_password(password, ei))) {
		return hr;
	}
	if (hr_failed(hr = sec_nt_hash(password, hash))) {
		return err_set(ei, hr, layer, "cannot hash the password");
	}
	if (hr_ok(hr = begin(acc, ei))) {
		hr = run(acc, "UPDATE users SET nt_hash = ?3 WHERE name = ?1",
		         name, 0, hash, &changes, ei);
		if (hr_ok(hr) && changes == 0) {
			hr = err_set(ei, HR_WBEM_E_NOT_FOUND, layer,
			             "no user named %s", name);
		}
		hr = finish(acc, hr, ei);
	}
	explicit_bzero(hash, sizeof(hash));
	return hr;
}

/*
 * Collects column 0 of [st] (bound by the caller) into a talloc string
 * array under [mem].
 */
static hresult collect_names(struct sec_accounts *acc,
                             sqlite3_stmt *st,
                             void *mem,
                             char ***out,
                             size_t *n,
                             struct errinfo *ei)
{
	char **v = NULL;
	size_t k = 0;
	int rc;

	while ((rc = sqlite3_step(st)) == SQLITE_ROW) {
		char **grown = talloc_realloc(mem, v, char *, k + 1);

		if (grown == NULL) {
			talloc_free(v);
			return hr_raise(HR_E_OUTOFMEMORY);
		}
		v = grown;
		v[k] = talloc_strdup(v,
		                     (const char *)sqlite3_column_text(st, 0));
		if (v[k] == NULL) {
			talloc_free(v);
			return hr_raise(HR_E_OUTOFMEMORY);
		}
		k++;
	}
	if (rc != SQLITE_DONE) {
		talloc_free(v);
		return db_error(acc, rc, ei, "list");
	}
	*out = v;
	*n = k;
	return HR_OK;
}

hresult sec_user_list(struct sec_accounts *acc,
                      void *mem,
                      struct sec_user_info **out,
                      size_t *n,
                      struct errinfo *ei)
{
	sqlite3_stmt *users = NULL;
	sqlite3_stmt *groups = NULL;
	struct sec_user_info *v = NULL;
	size_t k = 0;
	hresult hr;
	int rc;

	if (hr_failed(hr = prepare(acc,
	                           "SELECT rid, name FROM users "
	                           "ORDER BY name COLLATE NOCASE",
	                           &users, ei)) ||
	    hr_failed(hr = prepare(acc,
	                           "SELECT g.name FROM members m JOIN groups g "
	                           "ON g.sid = m.group_sid WHERE m.rid = ? "
	                           "ORDER BY g.name COLLATE NOCASE",
	                           &groups, ei))) {
		goto out;
	}
	while ((rc = sqlite3_step(users)) == SQLITE_ROW) {
		struct sec_user_info *grown;
		struct sec_user_info *u;

		grown = talloc_realloc(mem, v, struct sec_user_info, k + 1);
		if (grown == NULL) {
			hr = hr_raise(HR_E_OUTOFMEMORY);
			goto out;
		}
		v = grown;
		u = &v[k++];
		memset(u, 0, sizeof(*u));
		u->rid = (uint32_t)sqlite3_column_int64(users, 0);
		u->name = talloc_strdup(
		        v, (const char *)sqlite3_column_text(users, 1));
		if (u->name == NULL ||
		    !sec_sid_append_rid(&u->sid, &acc->machine_sid, u->rid)) {
			hr = hr_raise(HR_E_OUTOFMEMORY);
			goto out;
		}
		sqlite3_reset(groups);
		sqlite3_bind_int64(groups, 1, u->rid);
		if (hr_failed(hr = collect_names(acc, groups, v, &u->groups,
		                                 &u->n_groups, ei))) {
			goto out;
		}
	}
	if (rc != SQLITE_DONE) {
		hr = db_error(acc, rc, ei, "list users");
	}
out:
	sqlite3_finalize(users);
	sqlite3_finalize(groups);
	if (hr_failed(hr)) {
		talloc_free(v);
		return hr;
	}
	*out = v;
	*n = k;
	return HR_OK;
}

/* ---- groups ---- */

static hresult member_change(struct sec_accounts *acc,
                             const char *group,
                             const char *user,
                             bool add,
                             struct errinfo *ei)
{
	char *gsid = NULL;
	uint32_t rid = 0;
	bool found = false;
	int changes = 0;
	hresult hr;

	if (hr_failed(hr = find_group(acc, acc, group, &gsid, ei))) {
		return hr;
	}
	if (gsid == NULL) {
		return err_set(ei, HR_WBEM_E_NOT_FOUND, layer,
		               "no group named %s", group);
	}
	if (hr_failed(hr = find_user(acc, user, &found, &rid, NULL, ei))) {
		goto out;
	}
	if (!found) {
		hr = err_set(ei, HR_WBEM_E_NOT_FOUND, layer, "no user named %s",
		             user);
		goto out;
	}
	hr = run(acc,
	         add ? "INSERT OR IGNORE INTO members(group_sid, rid) "
	               "VALUES (?1, ?2)"
	             : "DELETE FROM members WHERE group_sid = ?1 AND rid = ?2",
	         gsid, rid, NULL, &changes, ei);
	if (hr_ok(hr) && changes == 0) {
		hr = err_set(ei,
		             add ? HR_WBEM_E_ALREADY_EXISTS
		                 : HR_WBEM_E_NOT_FOUND,
		             layer, "%s is %s a member of %s", user,
		             add ? "already" : "not", group);
	}
out:
	talloc_free(gsid);
	return hr;
}

hresult sec_group_add_member(struct sec_accounts *acc,
                             const char *group,
                             const char *user,
                             struct errinfo *ei)
{
	hresult hr = begin(acc, ei);

	if (hr_failed(hr)) {
		return hr;
	}
	return finish(acc, member_change(acc, group, user, true, ei), ei);
}

hresult sec_group_remove_member(struct sec_accounts *acc,
                                const char *group,
                                const char *user,
                                struct errinfo *ei)
{
	hresult hr = begin(acc, ei);

	if (hr_failed(hr)) {
		return hr;
	}
	return finish(acc, member_change(acc, group, user, false, ei), ei);
}

hresult sec_group_list(struct sec_accounts *acc,
                       void *mem,
                       const char *group,
                       struct sec_group_info **out,
                       size_t *n,
                       struct errinfo *ei)
{
	sqlite3_stmt *groups = NULL;
	sqlite3_stmt *members = NULL;
	struct sec_group_info *v = NULL;
	size_t k = 0;
	hresult hr;
	int rc;

	if (hr_failed(hr = prepare(acc,
	                           "SELECT sid, name FROM groups "
	                           "WHERE ?1 IS NULL OR name = ?1 "
	                           "ORDER BY name COLLATE NOCASE",
	                           &groups, ei)) ||
	    hr_failed(hr = prepare(acc,
	                           "SELECT u.name FROM members m JOIN users u "
	                           "ON u.rid = m.rid WHERE m.group_sid = ? "
	                           "ORDER BY u.name COLLATE NOCASE",
	                           &members, ei))) {
		goto out;
	}
	if (group != NULL) {
		sqlite3_bind_text(groups, 1, group, -1, SQLITE_STATIC);
	}
	while ((rc = sqlite3_step(groups)) == SQLITE_ROW) {
		const char *sid = (const char *)sqlite3_column_text(groups, 0);
		struct sec_group_info *grown;
		struct sec_group_info *g;

		grown = talloc_realloc(mem, v, struct sec_group_info, k + 1);
		if (grown == NULL) {
			hr = hr_raise(HR_E_OUTOFMEMORY);
			goto out;
		}
		v = grown;
		g = &v[k++];
		memset(g, 0, sizeof(*g));
		g->name = talloc_strdup(
		        v, (const char *)sqlite3_column_text(groups, 1));
		if (g->name == NULL) {
			hr = hr_raise(HR_E_OUTOFMEMORY);
			goto out;
		}
		if (sid == NULL ||
		    hr_failed(sec_sid_parse(sid, &g->sid, NULL))) {
			hr = err_set(ei, HR_HR_ERROR_INTERNAL_DB_CORRUPTION,
			             layer, "accounts: bad group SID");
			goto out;
		}
		sqlite3_reset(members);
		sqlite3_bind_text(members, 1, sid, -1, SQLITE_TRANSIENT);
		if (hr_failed(hr = collect_names(acc, members, v, &g->members,
		                                 &g->n_members, ei))) {
			goto out;
		}
	}
	if (rc != SQLITE_DONE) {
		hr = db_error(acc, rc, ei, "list groups");
	} else if (group != NULL && k == 0) {
		hr = err_set(ei, HR_WBEM_E_NOT_FOUND, layer,
		             "no group named %s", group);
	}
out:
	sqlite3_finalize(groups);
	sqlite3_finalize(members);
	if (hr_failed(hr)) {
		talloc_free(v);
		return hr;
	}
	*out = v;
	*n = k;
	return HR_OK;
}

/* ---- NTLM and tokens ---- */

hresult sec_user_get_nt_hash(void *arg,
                             const char *user,
                             const char *domain,
                             uint8_t nt_hash[16])
{
	struct sec_accounts *acc = arg;
	uint8_t hash[16];
	uint32_t rid = 0;
	bool found = false;
	hresult hr;

	(void)domain;
	hr = find_user(acc, user, &found, &rid, hash, NULL);
	if (hr_failed(hr)) {
		return hr;
	}
	if (!found) {
		return hr_raise(HR_HR_ERROR_LOGON_FAILURE);
	}
	memcpy(nt_hash, hash, 16);
	explicit_bzero(hash, sizeof(hash));
	return HR_OK;
}

static hresult add_groups(struct sec_token *tok, bool is_network)
{
	hresult hr;

	if (hr_failed(hr = sec_token_add_group(tok, &sec_sid_everyone)) ||
	    hr_failed(hr = sec_token_add_group(tok,
	                                       &sec_sid_authenticated_users))) {
		return hr;
	}
	if (is_network) {
		return sec_token_add_group(tok, &sec_sid_network);
	}
	if (hr_failed(hr = sec_token_add_group(tok, &sec_sid_interactive))) {
		return hr;
	}
	return sec_token_add_group(tok, &sec_sid_local);
}

/* Adds the SIDs of the groups [rid] belongs to. */
static hresult add_member_groups(struct sec_accounts *acc,
                                 struct sec_token *tok,
                                 uint32_t rid,
                                 struct errinfo *ei)
{
	sqlite3_stmt *st = NULL;
	hresult hr;
	int rc;

	if (hr_failed(
	            hr = prepare(acc,
	                         "SELECT group_sid FROM members WHERE rid = ? "
	                         "ORDER BY group_sid",
	                         &st, ei))) {
		return hr;
	}
	sqlite3_bind_int64(st, 1, rid);
	while ((rc = sqlite3_step(st)) == SQLITE_ROW) {
		const char *text = (const char *)sqlite3_column_text(st, 0);
		struct sec_sid sid;

		if (text == NULL ||
		    hr_failed(sec_sid_parse(text, &sid, NULL))) {
			hr = err_set(ei, HR_HR_ERROR_INTERNAL_DB_CORRUPTION,
			             layer, "accounts: bad group SID");
			break;
		}
		if (hr_failed(hr = sec_token_add_group(tok, &sid))) {
			break;
		}
	}
	if (hr_ok(hr) && rc != SQLITE_DONE) {
		hr = db_error(acc, rc, ei, "read groups");
	}
	sqlite3_finalize(st);
	return hr;
}

/* Builds the token of account [name]; *found false when it does not exist. */
static hresult account_token(struct sec_accounts *acc,
                             void *mem,
                             const char *name,
                             bool is_network,
                             bool *found,
                             struct sec_token **out,
                             struct errinfo *ei)
{
	struct sec_token *tok = NULL;
	struct sec_sid sid;
	uint32_t rid = 0;
	hresult hr;

	*out = NULL;
	if (hr_failed(hr = find_user(acc, name, found, &rid, NULL, ei)) ||
	    !*found) {
		return hr;
	}
	sec_sid_append_rid(&sid, &acc->machine_sid, rid);
	tok = sec_token_new(mem, &sid,
	                    is_network ? SEC_TOKEN_NETWORK : SEC_TOKEN_LOCAL,
	                    name, acc->domain);
	if (tok == NULL) {
		return err_set(ei, HR_E_OUTOFMEMORY, layer, "out of memory");
	}
	if (hr_failed(hr = add_groups(tok, is_network)) ||
	    hr_failed(hr = add_member_groups(acc, tok, rid, ei))) {
		talloc_free(tok);
		return err_set(ei, hr, layer, "cannot build the token");
	}
	*out = tok;
	return HR_OK;
}

hresult sec_token_for_user(struct sec_accounts *acc,
                           void *mem,
                           const char *user,
                           bool is_network,
                           struct sec_token **out,
                           struct errinfo *ei)
{
	struct sec_token *tok = NULL;
	bool found = false;
	hresult hr;

	hr = account_token(acc, mem, user, is_network, &found, &tok, ei);
	if (hr_failed(hr)) {
		return hr;
	}
	if (!found) {
		return err_set(ei, HR_HR_ERROR_LOGON_FAILURE, layer,
		               "no account named %s", user);
	}
	*out = tok;
	return HR_OK;
}

/* Returns owned the Unix user name of [uid], or NULL when it has none. */
static char *unix_name(void *mem, uid_t uid)
{
	struct passwd pw;
	struct passwd *res = NULL;
	size_t size = 16384;
	char *buf = talloc_size(mem, size);
	char *name = NULL;

	if (buf == NULL) {
		return NULL;
	}
	if (getpwuid_r(uid, &pw, buf, size, &res) == 0 && res != NULL) {
		name = talloc_strdup(mem, res->pw_name);
	}
	talloc_free(buf);
	return name;
}

hresult sec_token_for_unix_uid(struct sec_accounts *acc,
                               void *mem,
                               uid_t uid,
                               struct sec_token **out,
                               struct errinfo *ei)
{
	void *tmp = talloc_new(NULL);
	char *name = tmp != NULL ? unix_name(tmp, uid) : NULL;
	struct sec_token *tok = NULL;
	bool found = false;
	hresult hr = HR_OK;

	if (tmp == NULL) {
		return err_set(ei, HR_E_OUTOFMEMORY, layer, "out of memory");
	}
	if (acc != NULL && name != NULL &&
	    hr_failed(hr = account_token(acc, mem, name, false, &found, &tok,
	                                 ei))) {
		goto out;
	}
	if (!found) {
		uint32_t sub[2] = { 1, (uint32_t)uid };
		struct sec_sid sid;
		char num[24];

		snprintf(num, sizeof(num), "%u", (unsigned)uid);
		sec_sid_make(&sid, 22, 2, sub);
		tok = sec_token_new(mem, &sid, SEC_TOKEN_LOCAL,
		                    name != NULL ? name : num,
		                    acc != NULL ? acc->domain : "Unix User");
		if (tok == NULL) {
			hr = err_set(ei, HR_E_OUTOFMEMORY, layer,
			             "out of memory");
			goto out;
		}
		if (hr_failed(hr = add_groups(tok, false)) ||
		    hr_failed(hr = sec_token_add_group(
		                      tok, &sec_sid_builtin_users))) {
			goto out;
		}
	}
	tok->unix_uid = (int64_t)uid;
	if (uid == 0) {
		hr = sec_token_add_group(tok, &sec_sid_builtin_admins);
	}
out:
	if (hr_failed(hr)) {
		talloc_free(tok);
		err_set(ei, hr, layer, "cannot build the token of uid %u",
		        (unsigned)uid);
	} else {
		*out = tok;
	}
	talloc_free(tmp);
	return hr;
}
