/*
 * cim: the CIM data model (cim layer; DSP0004, MS-WMIO 2.2 type codes).
 *
 * Values, qualifiers with flavors, properties, methods, classes and
 * instances.  Everything is allocated with talloc: an object and all it
 * holds (names, strings, arrays, embedded objects) hang off the object, so
 * freeing the object frees everything.
 *
 * Two kinds of class object exist:
 *  - a *local* class is what a MOF declaration or PutClass says: its own
 *    qualifiers, its own properties and methods (and overrides), and the
 *    superclass's name.  The repository stores local classes.
 *  - a *resolved* class (resolved == true) is flattened as WMI hands it to
 *    clients: every inherited property and method in derivation order
 *    (root first) with origin set to the declaring class, qualifiers
 *    propagated by their flavors (ToSubclass), keys known, and the
 *    derivation list filled (nearest parent first).  cim_class_resolve()
 *    makes one from a local class and its resolved parent.
 * Instances always point at a resolved class; values[i] belongs to
 * cls->props[i].
 *
 * Invariants:
 *  - names are valid UTF-8, non-empty; comparisons of names are
 *    case-insensitive (utf8_casecmp), original case is kept.
 *  - a value's type is its property's type; v.null distinguishes NULL from
 *    any default.  Arrays have type | CIM_FLAG_ARRAY and hold n elements of
 *    the element type, never NULL elements.
 *  - system properties (__CLASS ...) are computed (cim_sysprop_get), never
 *    stored in props[].
 */
#ifndef OWMI_CIM_CIM_H
#define OWMI_CIM_CIM_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "base/errinfo.h"
#include "base/hresult.h"

/* CIMTYPE values, as on the wire (MS-WMIO 2.2.6). */
enum cim_type {
	CIM_T_EMPTY = 0,
	CIM_T_SINT16 = 2,
	CIM_T_SINT32 = 3,
	CIM_T_REAL32 = 4,
	CIM_T_REAL64 = 5,
	CIM_T_STRING = 8,
	CIM_T_BOOLEAN = 11,
	CIM_T_OBJECT = 13,
	CIM_T_SINT8 = 16,
	CIM_T_UINT8 = 17,
	CIM_T_UINT16 = 18,
	CIM_T_UINT32 = 19,
	CIM_T_SINT64 = 20,
	CIM_T_UINT64 = 21,
	CIM_T_DATETIME = 101,
	CIM_T_REFERENCE = 102,
	CIM_T_CHAR16 = 103,
};
#define CIM_FLAG_ARRAY 0x2000u
#define CIM_TYPE_MASK  0x0FFFu

static inline bool cim_type_is_array(uint32_t t)
{
	return (t & CIM_FLAG_ARRAY) != 0;
}

static inline uint32_t cim_type_base(uint32_t t)
{
	return t & CIM_TYPE_MASK;
}

/* Returns "uint32", "string", "datetime", ... (base type name), or NULL. */
const char *cim_type_name(uint32_t type);

/* Parses a MOF type name ("uint32", "Boolean", case-insensitive). */
bool cim_type_parse(const char *name, uint32_t *type);

/* Returns true when [type] (base or array) is a type this model knows. */
bool cim_type_valid(uint32_t type);

struct cim_class;
struct cim_instance;

/* An embedded object value: a class or an instance (MS-WMIO allows both). */
struct cim_object {
	bool is_class;
	union {
		struct cim_class *cls;
		struct cim_instance *inst;
	} u;
};

/*
 * A value.  Scalars: sint* in v.i, uint* and char16 in v.u, real* in v.r,
 * boolean in v.b, string/datetime/reference in v.s (UTF-8; a reference holds
 * the object path text), object in v.o.  Arrays: v.a with elements of the
 * same representation.
 */
struct cim_value {
	uint32_t type; /* enum cim_type | CIM_FLAG_ARRAY */
	bool null;
	union {
		int64_t i;
		uint64_t u;
		double r;
		bool b;
		char *s;
		struct cim_object *o;
		struct {
			uint32_t n;
			union {
				int64_t *i;
				uint64_t *u;
				double *r;
				bool *b;
				char **s;
				struct cim_object **o;
			} e;
		} a;
	} v;
};

/* Returns a NULL value of [type]. */
static inline struct cim_value cim_value_null(uint32_t type)
{
	struct cim_value v = { .type = type, .null = true };

	return v;
}

/*
 * Deep-copies [src] into [dst], allocating under [mem].
 * Errors: E_OUTOFMEMORY ([dst] is then a NULL value of the same type).
 */
hresult cim_value_copy(void *mem,
                       struct cim_value *dst,
                       const struct cim_value *src);

/* Returns true when [a] and [b] are equal (strings case-sensitively). */
bool cim_value_equal(const struct cim_value *a, const struct cim_value *b);

/*
 * Converts [src] to [type] into [dst] (as MOF and WQL literals need:
 * integer to real, string to datetime after validation, integer range
 * checks).  Errors: WBEM_E_TYPE_MISMATCH, WBEM_E_VALUE_OUT_OF_RANGE,
 * E_OUTOFMEMORY.
 */
hresult cim_value_convert(void *mem,
                          struct cim_value *dst,
                          const struct cim_value *src,
                          uint32_t type);

/*
 * Appends a text form of [v] to [b] (MOF-like: strings quoted and escaped
 * when [quoted], arrays as {a, b}).  Returns E_OUTOFMEMORY on growth failure.
 */
struct buf;
hresult cim_value_format(struct buf *b, const struct cim_value *v, bool quoted);

/* Qualifier flavors: the MS-WMIO 2.2.62 bits, plus two model-only bits. */
enum cim_flavor {
	CIM_FLAVOR_TO_INSTANCE = 0x01,      /* PROPAGATE_TO_INSTANCE */
	CIM_FLAVOR_TO_SUBCLASS = 0x02,      /* PROPAGATE_TO_DERIVED_CLASS */
	CIM_FLAVOR_DISABLE_OVERRIDE = 0x10, /* NOT_OVERRIDABLE */
	CIM_FLAVOR_ORIGIN_PROPAGATED = 0x20,
	CIM_FLAVOR_ORIGIN_SYSTEM = 0x40,
	CIM_FLAVOR_AMENDED = 0x80,
	CIM_FLAVOR_TRANSLATABLE = 0x100, /* DSP0004; not on the wire */
};

/*
 * The default flavor of a qualifier with no declaration: DSP0004 says
 * EnableOverride, ToSubclass; WMI's default is the same.
 */
#define CIM_FLAVOR_DEFAULT CIM_FLAVOR_TO_SUBCLASS

struct cim_qualifier {
	char *name;
	struct cim_value value;
	uint32_t flavor; /* enum cim_flavor bits */
};

struct cim_qualifier_set {
	struct cim_qualifier *q;
	uint32_t n;
};

/* Returns the qualifier named [name] (case-insensitive), or NULL. */
const struct cim_qualifier *cim_qset_find(const struct cim_qualifier_set *qs,
                                          const char *name);

/* Returns true when the boolean qualifier [name] is present and TRUE. */
bool cim_qset_bool(const struct cim_qualifier_set *qs, const char *name);

/*
 * Adds or replaces qualifier [name] (copies name and value) in [qs], whose
 * array is a talloc child of [mem].  Errors: E_OUTOFMEMORY.
 */
hresult cim_qset_set(void *mem,
                     struct cim_qualifier_set *qs,
                     const char *name,
                     const struct cim_value *value,
                     uint32_t flavor);

/* A qualifier declaration (DSP0221 "Qualifier X : type = v, Scope(..)"). */
enum cim_scope {
	CIM_SCOPE_CLASS = 1u << 0,
	CIM_SCOPE_ASSOCIATION = 1u << 1,
	CIM_SCOPE_INDICATION = 1u << 2,
	CIM_SCOPE_PROPERTY = 1u << 3,
	CIM_SCOPE_REFERENCE = 1u << 4,
	CIM_SCOPE_METHOD = 1u << 5,
	CIM_SCOPE_PARAMETER = 1u << 6,
	CIM_SCOPE_QUALIFIER = 1u << 7,
	CIM_SCOPE_ANY = 0xFFu,
};

struct cim_qualifier_decl {
	char *name;
	uint32_t type;        /* may carry CIM_FLAG_ARRAY */
	struct cim_value def; /* default value (may be NULL) */
	uint32_t scope;       /* enum cim_scope bits */
	uint32_t flavor;      /* enum cim_flavor bits */
};

struct cim_property {
	char *name;
	uint32_t type;   /* enum cim_type | CIM_FLAG_ARRAY */
	char *ref_class; /* reference: the class named "ref"; else NULL */
	struct cim_value value; /* default value; v.null when none */
	struct cim_qualifier_set quals;
	char *origin; /* resolved classes: the declaring class */
	bool key;     /* resolved classes: carries [key] */
	bool local;   /* declared or overridden in this class */
};

struct cim_param {
	char *name;
	uint32_t type;
	char *ref_class;
	bool in, out;
	int32_t id; /* the ID qualifier, or -1 */
	struct cim_qualifier_set quals;
};

struct cim_method {
	char *name;
	uint32_t return_type; /* CIM_T_EMPTY for void */
	struct cim_param *params;
	uint32_t n_params;
	struct cim_qualifier_set quals;
	char *origin; /* resolved classes: the declaring class */
	bool local;
};

struct cim_class {
	char *name;
	char *superclass; /* NULL for a root class */
	struct cim_qualifier_set quals;
	struct cim_property *props;
	uint32_t n_props;
	struct cim_method *methods;
	uint32_t n_methods;

	/* Filled by cim_class_resolve(): */
	bool resolved;
	char **derivation; /* nearest parent first, n_derivation entries */
	uint32_t n_derivation;
	uint32_t *key_index; /* indexes of key properties, by name order */
	uint32_t n_keys;
	char *server;    /* decoration, may be NULL */
	char *namespace; /* decoration, may be NULL */
};

struct cim_instance {
	struct cim_class
	        *cls; /* resolved; borrowed, must outlive the instance */
	struct cim_value *values;       /* cls->n_props entries */
	struct cim_qualifier_set quals; /* instance-level qualifiers */
	char *server;                   /* decoration, may be NULL */
	char *namespace;                /* decoration, may be NULL */
};

/* Returns owned a new empty local class named [name] (superclass may be NULL).
 */
struct cim_class *cim_class_new(void *mem,
                                const char *name,
                                const char *superclass);

/*
 * Adds a property to a local class (copies [name]); returns it, or NULL on
 * OOM.  The default value is NULL of [type].  Duplicates are the caller's
 * concern (see cim_class_find_prop).
 */
struct cim_property *cim_class_add_prop(struct cim_class *cls,
                                        const char *name,
                                        uint32_t type);

/* Adds a method to a local class; returns it, or NULL on OOM. */
struct cim_method *cim_class_add_method(struct cim_class *cls,
                                        const char *name,
                                        uint32_t return_type);

/* Adds a parameter to [m] (talloc child of [cls]); NULL on OOM. */
struct cim_param *cim_method_add_param(struct cim_class *cls,
                                       struct cim_method *m,
                                       const char *name,
                                       uint32_t type);

/* Returns the index of property [name] (case-insensitive), or -1. */
int32_t cim_class_find_prop(const struct cim_class *cls, const char *name);

/* Returns the method [name] (case-insensitive), or NULL. */
struct cim_method *cim_class_find_method(const struct cim_class *cls,
                                         const char *name);

/*
 * Resolves local class [local] against its resolved parent [parent] (NULL
 * for a root class) into a new resolved class under [mem]:
 * inherits properties and methods, applies overrides, propagates
 * qualifiers whose flavor has ToSubclass (a DisableOverride qualifier
 * overridden with a different value is WBEM_E_OVERRIDE_NOT_ALLOWED), marks
 * keys, fills derivation.
 * Errors: WBEM_E_INVALID_SUPERCLASS (parent name mismatch),
 * WBEM_E_OVERRIDE_NOT_ALLOWED, WBEM_E_UPDATE_TYPE_MISMATCH (a property
 * redeclared with another type), WBEM_E_CANNOT_CHANGE_KEY_INHERITANCE (a
 * subclass adds keys when the parent has keys), E_OUTOFMEMORY.
 */
hresult cim_class_resolve(void *mem,
                          const struct cim_class *local,
                          const struct cim_class *parent,
                          struct cim_class **out,
                          struct errinfo *ei);

/* Deep-copies a class (local or resolved).  NULL on OOM. */
struct cim_class *cim_class_copy(void *mem, const struct cim_class *cls);

/*
 * Returns owned a new instance of resolved class [cls]: every property
 * takes the class default (copied); qualifiers with ToInstance flavor are
 * not copied (they are read through the class).  NULL on OOM.
 */
struct cim_instance *cim_instance_new(void *mem, struct cim_class *cls);

/*
 * Sets property [name] of [inst] to a copy of [v] converted to the
 * property's type.  Errors: WBEM_E_NOT_FOUND (no such property),
 * WBEM_E_TYPE_MISMATCH, WBEM_E_SYSTEM_PROPERTY (a __ name), E_OUTOFMEMORY.
 */
hresult cim_instance_set(struct cim_instance *inst,
                         const char *name,
                         const struct cim_value *v);

/* Returns the value of property [name], or NULL if there is none. */
const struct cim_value *cim_instance_get(const struct cim_instance *inst,
                                         const char *name);

/* Deep-copies [inst] (sharing its class pointer).  NULL on OOM. */
struct cim_instance *cim_instance_copy(void *mem,
                                       const struct cim_instance *inst);

/*
 * Computes system property [name] ("__CLASS", "__PATH", ...) of a class
 * ([inst] NULL) or an instance.  [server] and [ns] give __SERVER and
 * __NAMESPACE (may be NULL: then __PATH is NULL, as for objects without
 * decoration).  Returns WBEM_E_NOT_FOUND for an unknown __ name, and
 * WBEM_E_ILLEGAL_NULL never: missing keys yield NULL paths.
 */
hresult cim_sysprop_get(void *mem,
                        const struct cim_class *cls,
                        const struct cim_instance *inst,
                        const char *server,
                        const char *ns,
                        const char *name,
                        struct cim_value *out);

/* Returns true when [name] is one of the ten system property names. */
bool cim_sysprop_is(const char *name);

/* The system property names, in WMI's order, NULL-terminated. */
extern const char *const cim_sysprop_names[];

/*
 * Returns owned the key string of [inst] used for the repository index and
 * __RELPATH: `Class.K1="v",K2=3` with keys in alphabetical order, `Class=@`
 * for a singleton (no keys, [singleton] qualifier).  Errors:
 * WBEM_E_ILLEGAL_NULL when a key is NULL, WBEM_E_NO_KEY when the class has
 * no keys and is not a singleton, E_OUTOFMEMORY.
 */
hresult cim_instance_relpath(void *mem,
                             const struct cim_instance *inst,
                             char **out);

struct objpath;

/* Returns true when resolved class [cls] carries [singleton] (Class=@). */
bool cim_class_is_singleton(const struct cim_class *cls);

/*
 * Returns owned only the key part of [inst]'s relpath, after the class
 * name and its '.' or '=': `Id=3,Name="x"` (keys in alphabetical order) or
 * `@` for a singleton.  The repository indexes instances by (class,
 * keystr), so a lookup through a superclass path finds a subclass
 * instance.  Errors: as cim_instance_relpath().
 */
hresult cim_instance_keystr(void *mem,
                            const struct cim_instance *inst,
                            char **out);

/*
 * Given resolved class [cls] and parsed path [p] naming an instance of it
 * (keys in any order and case, single-key shorthand Class="x", singleton
 * Class=@, integers given as strings or strings as integers converted to
 * the key property's type), returns owned exactly the string
 * cim_instance_relpath() gives for the matching instance of [cls]
 * (the class name written is cls->name, whatever p->cls says).
 * Errors: WBEM_E_INVALID_OBJECT_PATH (unknown key name, missing or
 * repeated key, wrong count, Class=@ for a class that is no singleton),
 * WBEM_E_TYPE_MISMATCH (a key value that does not convert), E_OUTOFMEMORY.
 * *out is untouched on failure.
 */
hresult cim_relpath_from_objpath(void *mem,
                                 const struct cim_class *cls,
                                 const struct objpath *p,
                                 char **out,
                                 struct errinfo *ei);

/* As cim_relpath_from_objpath(), returning the cim_instance_keystr() form. */
hresult cim_keystr_from_objpath(void *mem,
                                const struct cim_class *cls,
                                const struct objpath *p,
                                char **out,
                                struct errinfo *ei);

/*
 * Binary codec for the repository (not MS-WMIO).  Encodings are
 * self-describing and versioned; decoders check every length and return
 * WBEM_E_INVALID_STREAM on any inconsistency, never crash.
 */
hresult cim_class_encode(struct buf *b, const struct cim_class *cls);
hresult cim_class_decode(void *mem,
                         const void *data,
                         size_t len,
                         struct cim_class **out);
/* Instances are encoded by property name, so a compatible class change
 * (added properties) keeps old instances readable. */
hresult cim_instance_encode(struct buf *b, const struct cim_instance *inst);
hresult cim_instance_decode(void *mem,
                            struct cim_class *cls,
                            const void *data,
                            size_t len,
                            struct cim_instance **out);
hresult cim_qualifier_decl_encode(struct buf *b,
                                  const struct cim_qualifier_decl *d);
hresult cim_qualifier_decl_decode(void *mem,
                                  const void *data,
                                  size_t len,
                                  struct cim_qualifier_decl **out);

#endif
