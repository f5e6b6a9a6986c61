/*
 * mof: the MOF compiler (mof layer; DMTF DSP0221 2.x grammar plus the
 * Microsoft extensions mofcomp accepts).
 *
 * Two stages, usable apart:
 *  - mof_parse_file() / mof_parse_buffer() read MOF text (UTF-8, or UTF-16
 *    with a BOM), follow #pragma include, and return a struct mof_unit: the
 *    ordered list of what the text asks for (qualifier declarations, local
 *    class definitions, instance declarations, deletions, namespace
 *    creations), each tagged with its target namespace, its put flags and
 *    its source position.  Parsing needs no repository.
 *  - mof_compile_file() parses and applies a unit to a repository in ONE
 *    transaction: either every item lands or nothing does.
 *
 * Errors carry the file, 1-based line and column, and what was expected
 * (errinfo.file/line/col/msg).  Syntax errors are WBEMMOF_E_* codes;
 * semantic errors (a class or alias that does not exist, a value of the
 * wrong type, repository refusals) are WBEM_E_* codes with the position of
 * the declaration that failed.  mof_error_is_syntax() tells them apart.
 *
 * Limits (struct mof_options, 0 = default): nesting depth of embedded
 * instances and of includes (64), identifier length (1024 bytes), file size
 * (256 MiB).  Include cycles are detected.
 *
 * Threads: no globals; a parse or compile may run on any thread, one per
 * struct repo at a time.
 */
#ifndef OWMI_MOF_MOF_H
#define OWMI_MOF_MOF_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "base/errinfo.h"
#include "base/hresult.h"
#include "cim/cim.h"

struct repo;

/* Default limits. */
#define MOF_DEFAULT_MAX_DEPTH     64u
#define MOF_DEFAULT_MAX_IDENT     1024u
#define MOF_DEFAULT_MAX_FILE_SIZE (256u * 1024u * 1024u)
#define MOF_DEFAULT_NAMESPACE     "root\\default"

/*
 * Class put flags (mofcomp -class:, #pragma classflags).  The values are
 * the WBEM_FLAG_* values, identical to enum repo_put_flags.  0 means
 * create or update.
 */
enum mof_class_flags {
	MOF_CLASS_UPDATE_ONLY = 0x1,
	MOF_CLASS_CREATE_ONLY = 0x2,
	MOF_CLASS_SAFE_UPDATE = 0x20,
	MOF_CLASS_FORCE_UPDATE = 0x40,
};

/* Instance put flags (mofcomp -instance:, #pragma instanceflags). */
enum mof_instance_flags {
	MOF_INSTANCE_UPDATE_ONLY = 0x1,
	MOF_INSTANCE_CREATE_ONLY = 0x2,
};

struct mof_options {
	const char *default_ns;  /* NULL: "root\\default" */
	unsigned class_flags;    /* enum mof_class_flags */
	unsigned instance_flags; /* enum mof_instance_flags */
	bool check_only;         /* mof_compile_file: parse only, no writes */
	bool autorecover;        /* add the file to the autorecover list */
	bool no_includes;        /* refuse #pragma include (fuzzing) */
	uint32_t max_depth;      /* 0: MOF_DEFAULT_MAX_DEPTH */
	uint32_t max_ident;      /* 0: MOF_DEFAULT_MAX_IDENT */
	size_t max_file_size;    /* 0: MOF_DEFAULT_MAX_FILE_SIZE */
};

/* What a compile did. */
struct mof_stats {
	uint32_t files;      /* files read, includes counted */
	uint32_t qualifiers; /* qualifier declarations stored */
	uint32_t classes;    /* classes stored */
	uint32_t instances;  /* instances stored */
	uint32_t namespaces; /* namespaces created by #pragma namespace */
	uint32_t deleted_classes;
	uint32_t deleted_instances;
};

/* A source position.  [file] is owned by the unit (shared by its items). */
struct mof_pos {
	const char *file;
	uint32_t line, col;
};

/* ---- The parsed form of instance declarations ----------------------- */

/*
 * Instance values are kept as literals until compile time, when the class
 * (perhaps already in the repository) gives each property its type.
 */
enum mof_val_kind {
	MOF_V_NULL,
	MOF_V_INT,      /* neg, u: magnitude */
	MOF_V_REAL,     /* r */
	MOF_V_STRING,   /* s (adjacent literals concatenated) */
	MOF_V_CHAR16,   /* u */
	MOF_V_BOOL,     /* b */
	MOF_V_ALIAS,    /* s: alias name without '$' */
	MOF_V_INSTANCE, /* inst: embedded "instance of X { }" */
	MOF_V_ARRAY,    /* a[n]: never nested */
};

struct mof_instance;

struct mof_val {
	enum mof_val_kind kind;
	bool neg;
	bool b;
	uint64_t u;
	double r;
	char *s;
	struct mof_instance *inst;
	struct mof_val *a;
	uint32_t n;
	struct mof_pos pos;
};

struct mof_propval {
	char *name;
	struct mof_val val;
	struct mof_pos pos;
};

struct mof_instance {
	char *class_name;
	char *alias;                    /* without '$'; NULL when none */
	struct cim_qualifier_set quals; /* instance qualifiers */
	struct mof_propval *props;
	uint32_t n_props;
	struct mof_pos pos;
};

/* ---- Units ----------------------------------------------------------- */

enum mof_item_kind {
	MOF_ITEM_QUALDECL,       /* u.qd */
	MOF_ITEM_CLASS,          /* u.cls: a local class */
	MOF_ITEM_INSTANCE,       /* u.inst */
	MOF_ITEM_DELETECLASS,    /* u.del */
	MOF_ITEM_DELETEINSTANCE, /* u.del: name is an object path */
	MOF_ITEM_NSCREATE,       /* create [ns] (and parents) if missing */
};

struct mof_item {
	enum mof_item_kind kind;
	const char *ns; /* target namespace, "root\\x" */
	unsigned flags; /* class or instance flags in force */
	struct mof_pos pos;
	union {
		struct cim_qualifier_decl *qd;
		struct cim_class *cls;
		struct mof_instance *inst;
		struct {
			char *name;
			bool fail; /* FAIL: a missing target is an error */
		} del;
	} u;
};

struct mof_unit {
	struct mof_item *items;
	uint32_t n_items;
	char *path;       /* absolute path of the top file, or the name given */
	bool autorecover; /* #pragma autorecover seen */
	char *locale;     /* last #pragma locale, or NULL */
	char *amendment;  /* last #pragma amendment, or NULL */
	uint32_t n_files; /* files read, includes counted */
};

/*
 * Parses the MOF file [path] (and what it includes) into a new unit under
 * [mem].  [o] may be NULL (defaults).  Returns S_OK and *out, or:
 *  - WBEMMOF_E_* syntax errors with file, line and column in [ei];
 *  - WBEMMOF_E_ERROR_INVALID_INCLUDE_FILE for a missing or unreadable
 *    include, an include cycle, or an include nested too deep;
 *  - HR_ERROR_FILE_NOT_FOUND when [path] does not exist;
 *  - WBEMMOF_E_INVALID_FILE for a file that cannot be read, is too large,
 *    is not valid UTF-8/UTF-16, or contains NUL bytes;
 *  - WBEM_E_NOT_FOUND for an alias used but never declared;
 *  - WBEM_E_TYPE_MISMATCH / WBEM_E_VALUE_OUT_OF_RANGE for a qualifier or
 *    default value that does not fit its declared type;
 *  - E_OUTOFMEMORY.
 * *out is untouched on failure and nothing is left allocated under [mem].
 */
hresult mof_parse_file(void *mem,
                       const char *path,
                       const struct mof_options *o,
                       struct mof_unit **out,
                       struct errinfo *ei);

/*
 * As mof_parse_file for the [len] bytes at [data]; [name] names the
 * buffer in positions (NULL: "<buffer>").  Includes are resolved against
 * the current directory unless o->no_includes.
 */
hresult mof_parse_buffer(void *mem,
                         const void *data,
                         size_t len,
                         const char *name,
                         const struct mof_options *o,
                         struct mof_unit **out,
                         struct errinfo *ei);

/*
 * As mof_parse_file, but qualifiers the file uses without declaring them
 * take the declarations stored in [r] (read only; [r] may be NULL).  Use
 * with mof_apply() to report between parsing and storing, as mofcomp
 * does.
 */
hresult mof_parse_file_for(void *mem,
                           struct repo *r,
                           const char *path,
                           const struct mof_options *o,
                           struct mof_unit **out,
                           struct errinfo *ei);

/*
 * Parses [path] and applies it to the open repository [r] in one
 * transaction (nested as a savepoint when the caller has one open): on any
 * failure everything is rolled back and the repository is unchanged.
 * Qualifier declarations already in the repository type the qualifiers
 * the file uses.  Classes are stored as local definitions; instances are
 * built against the resolved class.  With o->check_only nothing is
 * written (the parse still consults [r] for qualifier types when [r] is
 * not NULL).  When the file has #pragma autorecover or o->autorecover,
 * its absolute path joins the repository's autorecover list.
 * [stats] (may be NULL) receives counts.  Errors: those of
 * mof_parse_file, and the repository's (WBEM_E_INVALID_NAMESPACE,
 * WBEM_E_INVALID_CLASS, WBEM_E_ALREADY_EXISTS, WBEM_E_NOT_FOUND, ...)
 * with the failing declaration's position in [ei].
 */
hresult mof_compile_file(struct repo *r,
                         const char *path,
                         const struct mof_options *o,
                         struct mof_stats *stats,
                         struct errinfo *ei);

/* As mof_compile_file for a buffer (tests). */
hresult mof_compile_buffer(struct repo *r,
                           const void *data,
                           size_t len,
                           const char *name,
                           const struct mof_options *o,
                           struct mof_stats *stats,
                           struct errinfo *ei);

/*
 * Applies a parsed [unit] to [r] in one transaction (as mof_compile_file).
 * Autorecover uses unit->path.
 */
hresult mof_apply(struct repo *r,
                  const struct mof_unit *unit,
                  const struct mof_options *o,
                  struct mof_stats *stats,
                  struct errinfo *ei);

/*
 * A repo_compile_fn (repo.h) for repo_salvage and repo_reset: compiles
 * [mof_path] with the options [arg] points to (struct mof_options, may be
 * NULL).
 */
hresult mof_repo_compile(void *arg,
                         struct repo *r,
                         const char *mof_path,
                         struct errinfo *ei);

/* Returns true when [hr] is a MOF syntax error (0x800440xx). */
bool mof_error_is_syntax(hresult hr);

#endif
