/*
 * repo-int.h: internals of the repository module (included only by
 * the .c files of src/repo and the repo unit tests).
 *
 * struct repo is one SQLite connection plus two caches:
 *  - prepared statements, one per enum repo_stmt, compiled on first use
 *    with SQLITE_PREPARE_PERSISTENT and reset after every use, so no SQL is
 *    compiled on a hot path;
 *  - resolved classes (struct repo_cls), keyed by (namespace id, class
 *    name folded to ASCII lower case) and by class id, all under one talloc
 *    context (r->cache).  A class write by this connection drops only
 *    what it makes stale: an updated class and its cached descendants
 *    (cache_forget in class.c); a new class drops nothing.  The context
 *    is freed as a whole on class deletes, namespace deletes, every
 *    rollback (repo_cache_flush), and when another connection changed
 *    classes (meta.class_gen differs from r->class_gen, checked when a
 *    read or write transaction starts).  The same context caches
 *    namespace path -> id.
 *
 * Public read functions run inside one read transaction
 * (repo_read_begin/repo_read_end: BEGIN ... COMMIT, nested by a counter),
 * so a lookup takes the file locks once rather than once per statement.
 * A write started while a read is open (from an enumeration callback)
 * becomes a savepoint inside it, committed when the read ends.
 *
 * Invariants:
 *  - r->depth counts open transaction levels; level 1 is BEGIN IMMEDIATE,
 *    deeper levels are SAVEPOINT rN;
 *  - a struct repo_cls in the cache holds its decoded local class, its
 *    resolved class and the id of its key space; its parent is in the cache
 *    too (loading resolves up the chain);
 *  - entries never outlive r->cache; callers that hand objects out copy.
 */
#ifndef OWMI_REPO_REPO_INT_H
#define OWMI_REPO_REPO_INT_H

#include <sqlite3.h>
#include <stdbool.h>
#include <stdint.h>

#include "repo/repo.h"

/* Longest superclass chain followed before declaring a cycle. */
#define REPO_MAX_DEPTH 256

/* Longest namespace path accepted, in bytes. */
#define REPO_MAX_NS_LEN 1024

enum repo_stmt {
	ST_NS_BY_PATH,
	ST_NS_BY_ID,
	ST_NS_INSERT,
	ST_NS_CHILDREN,
	ST_NS_SD_SET,
	ST_CLASS_BY_NAME,
	ST_CLASS_BY_ID,
	ST_CLASS_INSERT,
	ST_CLASS_UPDATE,
	ST_CLASS_DELETE,
	ST_CLASS_CHILDREN,
	ST_CLASS_TOP,
	ST_INST_BY_KEY,
	ST_INST_INSERT,
	ST_INST_UPDATE,
	ST_INST_DELETE,
	ST_INST_BY_CLASS,
	ST_INST_COUNT,
	ST_INST_DELETE_CLASS,
	ST_QD_GET,
	ST_QD_PUT,
	ST_QD_DELETE,
	ST_QD_ENUM,
	ST_PROV_GET,
	ST_PROV_SET,
	ST_PROV_DELETE,
	ST_PROV_LIST,
	ST_AR_ADD,
	ST_AR_REMOVE,
	ST_AR_LIST,
	ST_GEN_GET,
	ST_GEN_BUMP,
	ST_DATA_VERSION,
	ST_REG_GEN_BUMP,
	ST_STAMP_GET,
	ST_BEGIN,
	ST_COMMIT,
	ST__COUNT
};

/* A cached class: the row, its decoded local definition, its resolution. */
struct repo_cls {
	int64_t id;
	int64_t ns;
	int64_t keyroot; /* class id of the key space (see repo.h) */
	bool abstract;
	struct cim_class *local;
	struct cim_class *resolved;
	struct repo_cls *next_name; /* hash chain by (ns, name) */
	struct repo_cls *next_id;   /* hash chain by id */
};

/* A cached namespace: normalized path folded to lower case -> row. */
struct repo_nsent {
	char *key;
	char *path; /* stored spelling */
	int64_t id;
};

struct repo_cache {
	struct repo_nsent *ns;
	uint32_t n_ns;
	struct repo_cls **by_name;
	struct repo_cls **by_id;
	uint32_t n_buckets; /* power of two */
	uint32_t n;
};

struct repo {
	sqlite3 *db;
	char *path;
	unsigned flags;
	unsigned depth;   /* open transaction levels */
	unsigned reading; /* open read levels (repo_read_begin) */
	bool class_dirty; /* a class changed in the open transaction */
	sqlite3_stmt *st[ST__COUNT];
	struct repo_cache *cache; /* talloc child of the repo; NULL = empty */
	int64_t class_gen;        /* meta.class_gen the cache matches */
	int64_t data_version;     /* PRAGMA data_version last seen */
};

/* db.c */
hresult repo_sqlerr(struct repo *r,
                    int rc,
                    struct errinfo *ei,
                    const char *what);
sqlite3_stmt *repo_stmt(struct repo *r, enum repo_stmt id);
void repo_stmt_done(sqlite3_stmt *st);
hresult repo_exec(struct repo *r, const char *sql, struct errinfo *ei);
/* Maps a failed decode of a stored blob: E_OUTOFMEMORY stays, anything
 * else is HR_ERROR_INTERNAL_DB_CORRUPTION. */
hresult repo_decode_err(hresult hr);
hresult repo_write_begin(struct repo *r, struct errinfo *ei);
hresult repo_write_end(struct repo *r, hresult hr, struct errinfo *ei);
hresult repo_bump_class_gen(struct repo *r, struct errinfo *ei);
/* Bumps meta.reg_gen (created on first use): a registration changed. */
hresult repo_bump_reg_gen(struct repo *r, struct errinfo *ei);
hresult repo_cache_check(struct repo *r);
hresult repo_read_begin(struct repo *r);
void repo_read_end(struct repo *r);
struct repo_cache *repo_cache_get(struct repo *r);
void repo_cache_flush(struct repo *r);
hresult repo_create_schema(sqlite3 *db, struct errinfo *ei);
hresult repo_open_db(const char *path,
                     int sqlite_flags,
                     sqlite3 **out,
                     struct errinfo *ei);
hresult repo_mkstemp_path(void *mem, const char *near, char **out);
hresult repo_replace_file(const char *tmp,
                          const char *dest,
                          struct errinfo *ei);

/* ns.c */
hresult repo_ns_normalize(void *mem, const char *ns, char **out);
hresult repo_ns_id(struct repo *r, const char *ns, int64_t *id);
hresult repo_ns_path_by_id(struct repo *r, void *mem, int64_t id, char **path);
/* repo_ns_insert flags: store the __NAMESPACE instance in the parent;
 * give the new namespace the parent's system classes, as Windows gives
 * every new namespace its own __SystemClass tree. */
enum {
	REPO_NSI_INSTANCE = 1u << 0,
	REPO_NSI_SYSTEM_CLASSES = 1u << 1,
};
hresult repo_ns_insert(struct repo *r,
                       const char *ns,
                       unsigned flags,
                       int64_t *id,
                       struct errinfo *ei);
hresult repo_ns_remove(struct repo *r, int64_t id, struct errinfo *ei);
hresult repo_ns_delete_child(struct repo *r,
                             int64_t parent,
                             const char *name,
                             struct errinfo *ei);

/* class.c */
hresult repo_cls_lookup(struct repo *r,
                        int64_t ns,
                        const char *name,
                        struct repo_cls **out,
                        struct errinfo *ei);
hresult repo_cls_by_id(struct repo *r,
                       int64_t id,
                       struct repo_cls **out,
                       struct errinfo *ei);
hresult repo_cls_children(struct repo *r,
                          void *mem,
                          int64_t ns,
                          const char *name,
                          char ***names,
                          uint32_t *n);
hresult repo_cls_subtree(struct repo *r,
                         void *mem,
                         int64_t ns,
                         const char *name,
                         int64_t **ids,
                         uint32_t *n);
hresult repo_cls_delete_ids(struct repo *r,
                            const int64_t *ids,
                            uint32_t n,
                            struct errinfo *ei);
hresult repo_cls_count_instances(struct repo *r,
                                 const int64_t *ids,
                                 uint32_t n,
                                 uint64_t *total);
bool repo_cls_is_namespace_class(const struct cim_class *resolved);
/* True for __Provider, __ProviderRegistration and their subclasses. */
bool repo_cls_is_registration_class(const struct cim_class *resolved);

/* inst.c */
hresult repo_inst_put_internal(struct repo *r,
                               int64_t ns,
                               const struct cim_instance *inst,
                               unsigned flags,
                               bool ns_side_effect,
                               struct errinfo *ei);
hresult repo_keystr_of(void *mem, const struct cim_instance *inst, char **out);

#endif
