/*
 * jsonl: event logs as JSON lines (base layer).
 *
 * The event logs of OpenWMI (the WMI activity log, the DCOM log) hold one
 * flat JSON object per line: string and unsigned number values, and
 * arrays of strings.  This file writes such lines (one write(2) per line
 * on an O_APPEND descriptor, so writers never interleave within a line)
 * and reads them back for the layers that may not include the writer's
 * module (the event log provider reads both logs).
 *
 * Limits: a line is at most JSONL_MAX_LINE bytes, an object at most
 * JSONL_MAX_FIELDS fields, an array at most JSONL_MAX_ARRAY strings;
 * lines past them, and lines that do not parse, are skipped by the reader.
 * A file is size-bounded: jsonl_append() renames a file that would grow
 * past its max_bytes to "<path>.1" (replacing the older one) and starts
 * a new one.
 */
#ifndef OWMI_BASE_JSONL_H
#define OWMI_BASE_JSONL_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "base/buf.h"
#include "base/errinfo.h"
#include "base/hresult.h"

#define JSONL_MAX_LINE   (64u * 1024u)
#define JSONL_MAX_FIELDS 64u
#define JSONL_MAX_ARRAY  64u
/* Default size bound of a log file (jsonl_append with max_bytes 0). */
#define JSONL_DEFAULT_MAX_BYTES (16u * 1024u * 1024u)

/* ---- writing ---- */

/* A line being built (talloc under the context given to begin). */
struct jsonl_out {
	struct buf b;
	bool first;
};

void jsonl_begin(struct jsonl_out *o, void *mem);
/* Adds "key":"v" (v NULL: ""), v cut to at most [max] bytes at a UTF-8
   character boundary.  [key] is written as given (plain ASCII). */
void jsonl_str(struct jsonl_out *o, const char *key, const char *v, size_t max);
void jsonl_u64(struct jsonl_out *o, const char *key, uint64_t v);
/* Adds "key":["a","b"] (each string cut to [max]). */
void jsonl_strv(struct jsonl_out *o,
                const char *key,
                const char *const *v,
                size_t n,
                size_t max);

/*
 * Ends the line and appends it to [path] (created 0640) with one write;
 * when the file would pass [max_bytes] (0: JSONL_DEFAULT_MAX_BYTES) it is
 * first renamed to "<path>.1".  Releases the line in every case.
 * Errors: E_ACCESSDENIED, HR_ERROR_FILE_NOT_FOUND (no folder), E_FAIL
 * (other open errors, short write), E_OUTOFMEMORY.
 */
hresult jsonl_append(struct jsonl_out *o, const char *path, uint64_t max_bytes);

/*
 * Ends the line ("}\n") in o->b for a writer that owns its file (one
 * write(2) of o->b.data, o->b.len keeps lines whole).  Errors: the
 * buffer's error (E_OUTOFMEMORY), E_FAIL past JSONL_MAX_LINE.  The
 * caller releases o->b.
 */
hresult jsonl_end(struct jsonl_out *o);

/* ---- reading ---- */

struct jsonl_field {
	char *key;
	char *str;  /* the string, or the number's digits; NULL: array */
	char **arr; /* the array's strings, or NULL */
	size_t n_arr;
};

struct jsonl_record {
	struct jsonl_field *f;
	size_t n;
	uint64_t line; /* line number in the file, from 1 */
};

/*
 * Parses one line (no newline needed) into fields (owned, talloc children
 * of [mem]).  False when it is not a flat object within the limits
 * (strings with \u escapes of surrogates or NUL are refused).
 */
bool jsonl_parse(void *mem,
                 const char *line,
                 size_t len,
                 struct jsonl_field **out,
                 size_t *n);

/* The string value of [key] in [r] (exact match), or NULL (absent or
   an array). */
const char *jsonl_get(const struct jsonl_record *r, const char *key);
/* The array value of [key], or NULL (then *n is 0). */
char *const *jsonl_get_arr(const struct jsonl_record *r,
                           const char *key,
                           size_t *n);

/*
 * Reads the records of [path] in file order, the last [max] only (0: no
 * limit).  Bad lines are skipped.  Returns owned (talloc child of [mem])
 * the array in *out.  Errors: HR_ERROR_FILE_NOT_FOUND, E_ACCESSDENIED,
 * E_FAIL, E_OUTOFMEMORY.
 */
hresult jsonl_read(void *mem,
                   const char *path,
                   size_t max,
                   struct jsonl_record **out,
                   size_t *n,
                   struct errinfo *ei);

#endif
