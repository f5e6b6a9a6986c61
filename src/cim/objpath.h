/*
 * objpath: WMI object paths, parsed and formatted (cim layer; leaf codec).
 *
 *   [\\server[\ns1\ns2...]:]Class[.Key=Value[,Key=Value...]]
 *   [\\server\ns:]Class=Value          single-key shorthand
 *   [\\server\ns:]Class=@              singleton
 *   \\server\root\cimv2                namespace path (class NULL)
 *
 * Either '\' or '/' separates; "." is the local server.  String key values
 * are double- (or, on input, single-) quoted with \\ and \" escapes;
 * integers decimal (hex accepted on input); booleans TRUE/FALSE; a
 * reference key value is a quoted, escaped path.  Formatting is canonical:
 * '\' separators, keys in the order held, strings double-quoted, so
 * format(parse(x)) == x for any canonical x.
 */
#ifndef OWMI_CIM_OBJPATH_H
#define OWMI_CIM_OBJPATH_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "base/errinfo.h"
#include "base/hresult.h"

enum objpath_keytype {
	OBJPATH_KEY_STRING,
	OBJPATH_KEY_SINT, /* negative integer */
	OBJPATH_KEY_UINT, /* non-negative integer */
	OBJPATH_KEY_BOOL,
	OBJPATH_KEY_REF, /* quoted value that parses as an object path; */
	                 /* parse keeps it as STRING: the class decides */
};

struct objpath_key {
	char *name; /* NULL for the single-key shorthand Class=Value */
	enum objpath_keytype type;
	char *s;    /* STRING / REF: unescaped text */
	int64_t i;  /* SINT */
	uint64_t u; /* UINT */
	bool b;     /* BOOL */
};

struct objpath {
	char *server;   /* NULL when absent; "." for local */
	char *ns;       /* "root\cimv2" (with '\'), NULL when absent */
	char *cls;      /* NULL for a namespace path */
	bool singleton; /* Class=@ */
	struct objpath_key *keys;
	uint32_t n_keys;
};

/*
 * Parses [text] into a new objpath under [mem].  Limits: 64 KiB of text,
 * 256 keys.  Errors: WBEM_E_INVALID_OBJECT_PATH with the offset in [ei],
 * E_OUTOFMEMORY.  *out is untouched on failure.
 */
hresult objpath_parse(void *mem,
                      const char *text,
                      struct objpath **out,
                      struct errinfo *ei);

/* Formats [p] canonically into a new string under [mem].  NULL on OOM. */
char *objpath_format(void *mem, const struct objpath *p);

/* Formats only the relative part (Class.Keys / Class=@).  NULL on OOM. */
char *objpath_format_rel(void *mem, const struct objpath *p);

/*
 * Appends [s] to [b] as a quoted, escaped key string ("a\"b").
 * Returns E_OUTOFMEMORY on growth failure.
 */
struct buf;
hresult objpath_quote(struct buf *b, const char *s);

/* Sorts keys by name (case-insensitive), as __RELPATH shows them. */
void objpath_sort_keys(struct objpath *p);

/* Returns true when [a] and [b] name the same object (case-insensitive
 * names, server and namespace compared only when both have them). */
bool objpath_equal(const struct objpath *a, const struct objpath *b);

#endif
