/*
 * repo: the WMI repository on SQLite 3 in WAL mode (repository layer,
 * DESIGN.md section 3; schema and invariants in
 * docs/internals/repository.md).
 *
 * The repository stores, per namespace: *local* class definitions
 * (cim_class_encode), static instances (cim_instance_encode against the
 * resolved class), qualifier declarations, an optional security descriptor
 * (opaque blob) and provider registrations (opaque blobs).  It also keeps the
 * list of autorecover MOF files (#pragma autorecover).
 *
 * Names.  Namespace paths are written "root\\cimv2" ('/' is accepted as a
 * separator; leading/trailing separators are ignored).  Namespace, class,
 * qualifier and key comparisons are case-insensitive (ASCII folding, as
 * utf8_casecmp); the spelling given at creation is kept and returned.
 *
 * Instances are indexed by (class, keystr).  keystr is the canonical key
 * part of the relative path: `K1="v",K2=3` (keys in alphabetical order) or
 * `@` for a singleton, i.e. cim_instance_relpath() with the leading
 * "Class." or "Class=" stripped.  Instances of a class and of its
 * subclasses share one key space (the class that introduces the keys).
 *
 * Invariants (checked by repo_verify):
 *  - namespace "root" exists; every namespace's parent exists;
 *  - every class's superclass exists in the same namespace; no cycles;
 *    every class blob decodes and every class resolves;
 *  - every instance's class exists and is not abstract; every instance
 *    blob decodes against the resolved class; its keys are non-NULL and its
 *    recomputed keystr equals the stored one; keys are unique per key space;
 *  - every qualifier declaration blob decodes.
 *
 * Threads.  A struct repo is one SQLite connection and is not thread-safe:
 * call it from one thread at a time (a thread may own one struct repo;
 * several struct repo on one file are fine: WAL gives concurrent readers
 * and one writer, and each handle notices class changes made by others).
 *
 * Crash safety.  Every write function is atomic on its own (one
 * transaction or savepoint); after a crash (kill -9, power loss with
 * synchronous=NORMAL may lose the last commits but never corrupts) the file
 * verifies and holds either the old or the new content of every write.
 *
 * Errors common to every function (not repeated below):
 *  - E_OUTOFMEMORY on allocation failure;
 *  - E_INVALIDARG for NULL where a value is required;
 *  - HR_ERROR_INTERNAL_DB_CORRUPTION when SQLite reports corruption or a
 *    stored blob does not decode;
 *  - WBEM_E_OUT_OF_DISK_SPACE when the disk is full;
 *  - WBEM_E_TIMED_OUT when another writer holds the lock past the busy
 *    timeout (5 s);
 *  - E_ACCESSDENIED for a write on a handle opened REPO_OPEN_READONLY;
 *  - WBEM_E_FAILED for any other SQLite failure (the SQLite message is in
 *    ei->msg).
 * On failure a write leaves the repository unchanged and [out] parameters
 * are left untouched unless stated.
 */
#ifndef OWMI_REPO_REPO_H
#define OWMI_REPO_REPO_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "base/buf.h"
#include "base/errinfo.h"
#include "base/hresult.h"
#include "cim/cim.h"

/* The on-disk schema version stored in table meta (docs/internals). */
#define REPO_SCHEMA_VERSION 1

/* The default repository file (DESIGN.md section 7). */
#define REPO_DEFAULT_PATH "/var/lib/openwmi/repository.db"

struct repo;

enum repo_open_flags {
	REPO_OPEN_CREATE = 1u << 0,   /* create the file if it is missing */
	REPO_OPEN_READONLY = 1u << 1, /* no writes; the file must exist */
};

/*
 * Put flags.  The values are the IWbemServices::PutClass/PutInstance flag
 * values (WBEM_FLAG_UPDATE_ONLY 0x1, WBEM_FLAG_CREATE_ONLY 0x2,
 * WBEM_FLAG_UPDATE_SAFE_MODE 0x20, WBEM_FLAG_UPDATE_FORCE_MODE 0x40), so a
 * caller may pass the wire flags masked with REPO_PUT_MASK.  0 means
 * create or update.
 */
enum repo_put_flags {
	REPO_PUT_UPDATE_ONLY = 1u << 0,
	REPO_PUT_CREATE_ONLY = 1u << 1,
	REPO_PUT_SAFE_UPDATE = 1u << 5,
	REPO_PUT_FORCE_UPDATE = 1u << 6,
};
#define REPO_PUT_MASK 0x63u

/* ---- Open, close, transactions ------------------------------------- */

/*
 * Opens the repository file [path] and returns it in [out] as a talloc
 * child of [mem] (freeing it closes the connection; so does repo_close).
 * A new file (REPO_OPEN_CREATE) gets the schema, the schema-version row
 * and namespace "root".  The connection runs in WAL mode with
 * synchronous=NORMAL, a large page cache and mmap.
 * Errors: HR_ERROR_FILE_NOT_FOUND (missing and no CREATE),
 * WBEM_E_DATABASE_VER_MISMATCH (another schema version),
 * HR_ERROR_INTERNAL_DB_CORRUPTION (not a repository / unreadable),
 * E_ACCESSDENIED (permissions).  [out] is untouched on failure.
 */
hresult repo_open(void *mem,
                  const char *path,
                  unsigned flags,
                  struct repo **out,
                  struct errinfo *ei);

/*
 * Closes [r] and frees it (NULL-safe).  An open transaction is rolled
 * back.  Objects previously returned to the caller stay valid (they are
 * copies).
 */
void repo_close(struct repo *r);

/* Returns the file path [r] was opened with (borrowed from [r]). */
const char *repo_path(const struct repo *r);

/*
 * Transactions.  repo_txn_begin starts a write transaction (BEGIN
 * IMMEDIATE) or, when one is open on [r], a nested savepoint.  commit
 * ends the innermost level (COMMIT or RELEASE); rollback undoes the
 * innermost level.  Every write function is also atomic on its own, nested
 * inside the caller's transaction when there is one.
 * Errors: WBEM_E_UNEXPECTED (commit/rollback with no open transaction),
 * WBEM_E_TIMED_OUT (lock busy), plus the common ones.
 */
hresult repo_txn_begin(struct repo *r);
hresult repo_txn_commit(struct repo *r);
hresult repo_txn_rollback(struct repo *r);

/* Returns the nesting depth of open transactions on [r] (0 = none). */
unsigned repo_txn_depth(const struct repo *r);

/* ---- Namespaces ----------------------------------------------------- */

/*
 * Creates namespace [ns] ("root\\x\\y").  When class __NAMESPACE exists in
 * the parent, also stores the instance __NAMESPACE.Name="y" there.
 * Errors: WBEM_E_INVALID_NAMESPACE (parent missing, or an empty or
 * malformed path), WBEM_E_ALREADY_EXISTS.
 */
hresult repo_ns_create(struct repo *r, const char *ns, struct errinfo *ei);

/* Returns S_OK when [ns] exists, WBEM_E_INVALID_NAMESPACE when not. */
hresult repo_ns_exists(struct repo *r, const char *ns);

/*
 * Deletes namespace [ns] and everything below it (subnamespaces, classes,
 * instances, qualifier declarations, security descriptor, provider
 * registrations), and the __NAMESPACE instance naming it in the parent.
 * Errors: WBEM_E_INVALID_NAMESPACE (missing), WBEM_E_INVALID_OPERATION
 * ([ns] is "root").
 */
hresult repo_ns_delete(struct repo *r, const char *ns, struct errinfo *ei);

/*
 * Returns owned (under [mem]) the last-component names of the direct
 * children of [ns], in stored spelling, sorted case-insensitively:
 * [names] is a talloc array of [n] strings (NULL-free).
 * Errors: WBEM_E_INVALID_NAMESPACE.
 */
hresult repo_ns_children(struct repo *r,
                         void *mem,
                         const char *ns,
                         char ***names,
                         uint32_t *n);

/*
 * Returns owned (under [mem]) the stored spelling of [ns] with '\\'
 * separators ("ROOT/cimv2" -> "root\\CIMV2" if stored that way).
 * Errors: WBEM_E_INVALID_NAMESPACE.
 */
hresult repo_ns_canonical(struct repo *r,
                          void *mem,
                          const char *ns,
                          char **out);

/*
 * Security descriptor of a namespace: an opaque blob (self-relative
 * SECURITY_DESCRIPTOR bytes; src/security interprets them).
 * repo_ns_sd_get returns owned (under [mem]) the descriptor of [ns] or,
 * when [ns] has none, of its nearest ancestor that has one; [from]
 * (may be NULL) receives owned the canonical path of the namespace the
 * descriptor was found on.  Returns S_OK when it is [ns]'s own, S_FALSE
 * when inherited.  Errors: WBEM_E_INVALID_NAMESPACE, WBEM_E_NOT_FOUND
 * (no descriptor on [ns] nor any ancestor).
 * repo_ns_sd_set copies [sd] ([len] bytes) onto [ns]; sd NULL removes it
 * so that [ns] inherits again.  Errors: WBEM_E_INVALID_NAMESPACE.
 */
hresult repo_ns_sd_get(struct repo *r,
                       void *mem,
                       const char *ns,
                       uint8_t **sd,
                       size_t *len,
                       char **from);
hresult repo_ns_sd_set(struct repo *r,
                       const char *ns,
                       const uint8_t *sd,
                       size_t len,
                       struct errinfo *ei);

/* ---- Classes -------------------------------------------------------- */

/*
 * Returns owned (under [mem]) a copy of the *resolved* class [name] of
 * namespace [ns] (flattened with cim_class_resolve along its superclass
 * chain; its namespace decoration is the canonical namespace).  The
 * repository keeps a per-connection cache of resolved classes, dropped on
 * any class write; the copy is the caller's to keep and modify.
 * Errors: WBEM_E_INVALID_NAMESPACE, WBEM_E_NOT_FOUND.
 */
hresult repo_class_get(struct repo *r,
                       void *mem,
                       const char *ns,
                       const char *name,
                       struct cim_class **out);

/* As repo_class_get, but returns the stored *local* definition. */
hresult repo_class_get_local(struct repo *r,
                             void *mem,
                             const char *ns,
                             const char *name,
                             struct cim_class **out);

/*
 * Stores local class [local] (borrowed; must not be resolved) in [ns]
 * under [flags] (enum repo_put_flags), following PutClass rules:
 *  - WBEM_E_INVALID_NAMESPACE: [ns] missing;
 *  - WBEM_E_INVALID_PARAMETER: no name, or [local] is a resolved class;
 *  - WBEM_E_ALREADY_EXISTS: CREATE_ONLY and the class exists;
 *  - WBEM_E_NOT_FOUND: UPDATE_ONLY and the class does not exist;
 *  - WBEM_E_INVALID_SUPERCLASS: the superclass is missing;
 *  - WBEM_E_CIRCULAR_REFERENCE: the superclass is the class or one of
 *    its subclasses;
 *  - any cim_class_resolve error (WBEM_E_OVERRIDE_NOT_ALLOWED,
 *    WBEM_E_UPDATE_TYPE_MISMATCH, WBEM_E_CANNOT_CHANGE_KEY_INHERITANCE, ...)
 *    when the class does not resolve against its superclass;
 *  - on an update, a change is *compatible* when every existing property
 *    and method remains with the same type, the keys are unchanged and the
 *    superclass is the same (adding properties, methods and qualifiers,
 *    changing defaults and qualifier values).  An incompatible change to a
 *    class that has instances (itself or any subclass) is
 *    WBEM_E_CLASS_HAS_INSTANCES in every mode; to a class with subclasses
 *    it is WBEM_E_CLASS_HAS_CHILDREN unless SAFE_UPDATE or FORCE_UPDATE.
 *  - after any update, every subclass is re-resolved against the new
 *    class.  A subclass that no longer resolves makes the put fail with
 *    WBEM_E_CLASS_HAS_CHILDREN, except under FORCE_UPDATE, where such
 *    subclasses (and their own subclasses) are deleted, unless they have
 *    instances (WBEM_E_CLASS_HAS_INSTANCES).
 * Returns S_OK.  On failure nothing changes.
 */
hresult repo_class_put(struct repo *r,
                       const char *ns,
                       const struct cim_class *local,
                       unsigned flags,
                       struct errinfo *ei);

/*
 * Deletes class [name] from [ns] with all its subclasses and all their
 * instances (as DeleteClass does).
 * Errors: WBEM_E_INVALID_NAMESPACE, WBEM_E_NOT_FOUND.
 */
hresult repo_class_delete(struct repo *r,
                          const char *ns,
                          const char *name,
                          struct errinfo *ei);

/*
 * Class enumeration callback.  [resolved] is a resolved copy allocated
 * under a temporary context freed when the callback returns; copy it
 * (cim_class_copy) to keep it.  A failing return stops the walk.
 */
typedef hresult repo_class_cb(void *arg, struct cim_class *resolved);

/*
 * Calls [cb] for the direct subclasses of [superclass] (NULL: the classes
 * without a superclass), or with [deep] for all its descendants (NULL and
 * deep: every class of [ns]).  The superclass itself is not included.
 * Parents come before their children; siblings in case-insensitive name
 * order.  [mem] is the parent of temporaries.
 * Returns S_OK, or the first failing code of [cb].
 * Errors: WBEM_E_INVALID_NAMESPACE, WBEM_E_NOT_FOUND ([superclass]
 * missing).
 */
hresult repo_class_enum(struct repo *r,
                        void *mem,
                        const char *ns,
                        const char *superclass,
                        bool deep,
                        repo_class_cb *cb,
                        void *arg);

/*
 * Returns owned (under [mem]) the names (stored spelling, sorted) of the
 * direct subclasses of [name] (NULL: the top-level classes).
 * Errors: WBEM_E_INVALID_NAMESPACE, WBEM_E_NOT_FOUND.
 */
hresult repo_class_children(struct repo *r,
                            void *mem,
                            const char *ns,
                            const char *name,
                            char ***names,
                            uint32_t *n);

/* ---- Instances ------------------------------------------------------ */

/*
 * Computes the keystr of [inst] (see the file comment) as owned text
 * under [mem].  Errors: WBEM_E_ILLEGAL_NULL (a NULL key), WBEM_E_NO_KEY
 * (no keys and not a singleton), E_OUTOFMEMORY.
 */
hresult repo_keystr(void *mem, const struct cim_instance *inst, char **out);

/*
 * Stores instance [inst] (borrowed; its class is looked up by
 * inst->cls->name in [ns], the stored class is authoritative and the
 * values are re-encoded against it by property name) under [flags]
 * (REPO_PUT_CREATE_ONLY / REPO_PUT_UPDATE_ONLY / 0).
 * An instance of __NAMESPACE (or a subclass) also creates the child
 * namespace named by its Name property when missing.
 * Errors: WBEM_E_INVALID_NAMESPACE, WBEM_E_INVALID_CLASS (class missing),
 * WBEM_E_INVALID_OPERATION (abstract class), WBEM_E_ILLEGAL_NULL (a key is
 * NULL), WBEM_E_NO_KEY, WBEM_E_ALREADY_EXISTS (CREATE_ONLY, or an instance
 * with the same keys exists in another class of the same key space),
 * WBEM_E_NOT_FOUND (UPDATE_ONLY and absent).
 */
hresult repo_instance_put(struct repo *r,
                          const char *ns,
                          const struct cim_instance *inst,
                          unsigned flags,
                          struct errinfo *ei);

/*
 * Returns owned (under [mem]) the instance of [cls] or of one of its
 * subclasses whose keystr is [keystr] (compared case-insensitively).  The
 * returned instance owns a private copy of its resolved class (a talloc
 * child of the instance), so it stays valid after the repository changes
 * or closes.
 * Errors: WBEM_E_INVALID_NAMESPACE, WBEM_E_INVALID_CLASS (class missing),
 * WBEM_E_NOT_FOUND.
 */
hresult repo_instance_get(struct repo *r,
                          void *mem,
                          const char *ns,
                          const char *cls,
                          const char *keystr,
                          struct cim_instance **out);

/*
 * Deletes the instance found as repo_instance_get would find it.  Deleting
 * a __NAMESPACE instance deletes the namespace it names (recursively).
 * Errors: WBEM_E_INVALID_NAMESPACE, WBEM_E_INVALID_CLASS, WBEM_E_NOT_FOUND.
 */
hresult repo_instance_delete(struct repo *r,
                             const char *ns,
                             const char *cls,
                             const char *keystr,
                             struct errinfo *ei);

/*
 * Instance enumeration callback.  [inst] and its class are valid only
 * during the call (freed right after); copy what you keep
 * (cim_instance_copy plus cim_class_copy).  A failing return stops the
 * walk.
 */
typedef hresult repo_instance_cb(void *arg, struct cim_instance *inst);

/*
 * Calls [cb] for every instance of [cls] and, with [deep], of all its
 * subclasses (class by class, parents first; within a class in keystr
 * order).  [mem] is the parent of temporaries.
 * Returns S_OK or the first failing code of [cb].
 * Errors: WBEM_E_INVALID_NAMESPACE, WBEM_E_INVALID_CLASS.
 */
hresult repo_instance_enum(struct repo *r,
                           void *mem,
                           const char *ns,
                           const char *cls,
                           bool deep,
                           repo_instance_cb *cb,
                           void *arg);

/* Counts the instances repo_instance_enum would visit, into [n]. */
hresult repo_instance_count(struct repo *r,
                            const char *ns,
                            const char *cls,
                            bool deep,
                            uint64_t *n);

/* ---- Qualifier declarations ----------------------------------------- */

/*
 * Stores qualifier declaration [d] (borrowed) in [ns] under [flags]
 * (CREATE_ONLY / UPDATE_ONLY / 0).  Errors: WBEM_E_INVALID_NAMESPACE,
 * WBEM_E_INVALID_PARAMETER (no name), WBEM_E_ALREADY_EXISTS,
 * WBEM_E_NOT_FOUND.
 */
hresult repo_qualdecl_put(struct repo *r,
                          const char *ns,
                          const struct cim_qualifier_decl *d,
                          unsigned flags,
                          struct errinfo *ei);

/* Returns owned (under [mem]) declaration [name] of [ns].
 * Errors: WBEM_E_INVALID_NAMESPACE, WBEM_E_NOT_FOUND. */
hresult repo_qualdecl_get(struct repo *r,
                          void *mem,
                          const char *ns,
                          const char *name,
                          struct cim_qualifier_decl **out);

/* Deletes declaration [name].  Errors: WBEM_E_INVALID_NAMESPACE,
 * WBEM_E_NOT_FOUND. */
hresult repo_qualdecl_delete(struct repo *r,
                             const char *ns,
                             const char *name,
                             struct errinfo *ei);

/*
 * Calls [cb] for every declaration of [ns] in name order; [d] is freed
 * after the call.  Returns S_OK or the first failing code of [cb].
 * Errors: WBEM_E_INVALID_NAMESPACE.
 */
typedef hresult repo_qualdecl_cb(void *arg, struct cim_qualifier_decl *d);
hresult repo_qualdecl_enum(struct repo *r,
                           void *mem,
                           const char *ns,
                           repo_qualdecl_cb *cb,
                           void *arg);

/*
 * Returns in *out a number that grows whenever, through this handle or
 * any other on the file, a class changes (put, delete, a namespace
 * delete) or an instance of a provider or registration class
 * (__Provider, __ProviderRegistration and their subclasses) is put or
 * deleted.  Caches of provider registrations keep their content while it
 * stays the same (a write rolled back takes it back with the content).
 */
hresult repo_registration_stamp(struct repo *r, int64_t *out);

/* ---- Provider registrations (opaque blobs, for cimom) -------------- */

/*
 * repo_provider_set copies [blob] ([len] bytes) as the registration [name]
 * of [ns] (replacing any); blob NULL deletes it.  repo_provider_get returns
 * owned (under [mem]) a copy, WBEM_E_NOT_FOUND when absent.
 * repo_provider_list returns owned the names, sorted.
 * Errors: WBEM_E_INVALID_NAMESPACE.
 */
hresult repo_provider_set(struct repo *r,
                          const char *ns,
                          const char *name,
                          const uint8_t *blob,
                          size_t len,
                          struct errinfo *ei);
hresult repo_provider_get(struct repo *r,
                          void *mem,
                          const char *ns,
                          const char *name,
                          uint8_t **blob,
                          size_t *len);
hresult repo_provider_list(struct repo *r,
                           void *mem,
                           const char *ns,
                           char ***names,
                           uint32_t *n);

/* ---- Autorecover list ----------------------------------------------- */

/*
 * Adds [path] (copied; should be absolute) to the autorecover list, at the
 * end unless already present (then its place is kept).
 */
hresult repo_autorecover_add(struct repo *r, const char *path);

/* Removes [path]; WBEM_E_NOT_FOUND when absent. */
hresult repo_autorecover_remove(struct repo *r, const char *path);

/* Returns owned (under [mem]) the list in insertion order. */
hresult repo_autorecover_list(struct repo *r,
                              void *mem,
                              char ***paths,
                              uint32_t *n);

/* ---- Maintenance (offline: call with no other user of the file) ----- */

/*
 * Verifies the repository file [path] (opened read-only; the file is not
 * changed): SQLite's PRAGMA integrity_check plus the invariants listed in
 * the file comment.  Appends one line per problem ("class 'X' in 'root':
 * superclass 'Y' is missing\n") to [report] (may be NULL).
 * Returns S_OK when consistent, HR_ERROR_INTERNAL_DB_CORRUPTION when not
 * (also when the file is not a readable SQLite database),
 * HR_ERROR_FILE_NOT_FOUND when [path] does not exist.
 */
hresult repo_verify(const char *path, struct buf *report);

/*
 * Copies the open repository to the file [dest] with SQLite's online
 * backup API (a consistent snapshot; [dest] is replaced atomically via a
 * temporary file in the same directory and rename).
 */
hresult repo_backup(struct repo *r, const char *dest, struct errinfo *ei);

/*
 * Replaces the repository file [dest] with the backup [backup].  The backup
 * is verified first: a backup that does not verify is refused with
 * HR_ERROR_INTERNAL_DB_CORRUPTION (the report is in ei->msg, first line).
 * The copy is written to a temporary file next to [dest] and renamed over
 * it; stale -wal/-shm files of [dest] are removed.  On any failure [dest]
 * is unchanged.  Errors: HR_ERROR_FILE_NOT_FOUND (no backup).
 */
hresult repo_restore(const char *backup, const char *dest, struct errinfo *ei);

/*
 * Compiles the MOF file [mof_path] into the open repository [r] (supplied
 * by the MOF compiler through the winmgmt tool; repo does not depend on
 * mof).  Returns S_OK or the compiler's failure.
 */
typedef hresult repo_compile_fn(void *arg,
                                struct repo *r,
                                const char *mof_path,
                                struct errinfo *ei);

/*
 * Salvages the repository file [path]: when it verifies, nothing is
 * changed and S_FALSE is returned.  Otherwise a fresh repository is built
 * in a temporary file holding every namespace, qualifier declaration,
 * class, instance, security descriptor, provider registration and
 * autorecover entry that reads cleanly (blobs that decode, classes that
 * resolve, instances whose class survived), then [compile] (may be NULL)
 * is called for each autorecover MOF, and the result replaces [path]
 * atomically.  What was dropped is appended to [report] (may be NULL),
 * one line each, as are MOF files that failed to compile (these do not
 * fail the salvage).  Returns S_OK when rebuilt.
 */
hresult repo_salvage(const char *path,
                     repo_compile_fn *compile,
                     void *arg,
                     struct buf *report,
                     struct errinfo *ei);

/*
 * Resets the repository file [path]: reads its autorecover list (when the
 * file is readable), builds a fresh repository (namespace root and the
 * autorecover list only) in a temporary file, calls [compile] (may be
 * NULL) for each autorecover MOF, and replaces [path] atomically.  MOF
 * files that fail to compile are listed in [report] (may be NULL) and do
 * not fail the reset.  On failure [path] is unchanged.
 */
hresult repo_reset(const char *path,
                   repo_compile_fn *compile,
                   void *arg,
                   struct buf *report,
                   struct errinfo *ei);

#endif
