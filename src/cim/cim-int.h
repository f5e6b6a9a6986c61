/*
 * cim-int: helpers shared by the files of src/cim only (cim layer).
 *
 * Ownership rule of the module: every pointer a value, qualifier, property
 * or method holds is a talloc chunk, so value_clear() may free it.  Array
 * elements (strings, objects) are talloc children of the array storage.
 */
#ifndef OWMI_CIM_CIM_INT_H
#define OWMI_CIM_CIM_INT_H

#include "cim/cim.h"

struct buf;

#define CIM_LAYER "cim"

/* Frees what [v] holds and leaves a NULL value of the same type. */
void cimi_value_clear(struct cim_value *v);

/*
 * Deep-copies the qualifiers of [src] whose flavor has all bits of [need]
 * into [dst] (array under [mem]), OR-ing [add] into each flavor.
 */
hresult cimi_qset_copy(void *mem,
                       struct cim_qualifier_set *dst,
                       const struct cim_qualifier_set *src,
                       uint32_t need,
                       uint32_t add);

/* Deep-copies an embedded object under [mem]; NULL on OOM. */
struct cim_object *cimi_object_copy(void *mem, const struct cim_object *o);

/* Compares two embedded objects by their encodings. */
bool cimi_object_equal(const struct cim_object *a, const struct cim_object *b);

/* Recomputes key_index of a resolved class from the props' key flags. */
hresult cimi_class_index_keys(struct cim_class *cls);

/* Returns true when the class carries [singleton]. */
bool cimi_class_singleton(const struct cim_class *cls);

/*
 * Appends a key value as it appears in a relpath: strings, datetimes and
 * char16 quoted and escaped, references canonicalised then quoted, integers
 * decimal, booleans TRUE/FALSE.  WBEM_E_CANNOT_BE_KEY for other types.
 */
hresult cimi_keyval_format(struct buf *b, const struct cim_value *v);

/*
 * Returns owned the canonical text of reference path [text] (keys sorted,
 * '\' separators, double quotes), or a copy of [text] when it does not
 * parse.  NULL on OOM.
 */
char *cimi_ref_canonical(void *mem, const char *text);

/* Parses a whole decimal (or 0x hex) integer string. */
hresult cimi_parse_int(const char *s, bool *neg, uint64_t *mag);

#endif
