/*
 * wmio: MS-WMIO object encoding and decoding (wmio layer, a leaf codec).
 *
 * Turns the CIM model of src/cim (resolved classes, instances) into the
 * binary EncodingUnit / ObjectBlock that IWbemClassObject carries on the
 * wire, and back.  Decoding checks every length, count, offset and heap
 * reference against the bytes it was given and never trusts a length.
 *
 * What the encoder writes (MS-WMIO 2.2 and the interop notes, section 7):
 *  - ObjectFlags 0x01 (class) or 0x02 (instance), | 0x04 with a Decoration
 *    when a server or namespace is given;
 *  - classes as ParentClass + CurrentClass, each a ClassPart and a
 *    MethodsPart; instances as the CurrentClass ClassPart (no MethodsPart)
 *    followed by the instance data;
 *  - PropertyLookupTable sorted by name (case-insensitive), DeclarationOrder
 *    = index in cls->props (0..n-1, dense), ValueTable packed in
 *    DeclarationOrder, ClassOfOrigin / MethodOrigin counted from the root
 *    class (the current class = the length of the DerivationList);
 *  - a CIMTYPE qualifier first on every property ("sint32", "ref:Class",
 *    "object:Class", ...), flavor 0x03, | 0x20 for inherited properties;
 *  - qualifier flavors as the model holds them (the model's flavor bits
 *    are the wire bits; CIM_FLAVOR_TRANSLATABLE has no wire bit and is
 *    dropped);
 *  - strings compressed (flag 0) when every character is <= U+00FF, UTF-16
 *    (flag 1) otherwise; the dictionary strings ("key", "read", "CIMTYPE",
 *    ...) as DictionaryReferences when used as qualifier or property names
 *    (exact spelling only);
 *  - heaps in the layout of the MS-WMIO section 3 examples: the class name
 *    at offset 0, then class qualifiers, then per property in lookup-table
 *    order its name, PropertyInfo and qualifier strings, then the default
 *    values; instance heaps: the class name at 0, then the values in lookup
 *    order (string arrays contiguous), then instance qualifiers;
 *  - booleans 0xFFFF/0; class slots without a default NoValue (0xFF...);
 *    instance NULLs as NdTable bit 0 with a zeroed slot;
 *  - methods with __PARAMETERS signature objects (MS-WMIO 2.3.3): an
 *    [abstract] class whose properties are the [in] (or [out]) parameters
 *    with their qualifiers plus "in"/"out" and "ID" when the model does
 *    not carry them, and ReturnValue (with [out]) in the output signature;
 *    an empty signature is a MethodSignatureBlock of length 0 (never a
 *    NULL reference).
 *
 * What the decoder gives: a resolved struct cim_class (props with type,
 * ref_class, default, qualifiers without CIMTYPE, origin, key, local;
 * methods with params rebuilt from the two signatures, ordered by ID) and,
 * for instances, a struct cim_instance whose values are all explicit (a
 * NdTable "default" bit becomes a copy of the class default).  Per-property
 * instance qualifiers (InstPropQualSetFlag 2) are checked and dropped (the
 * model has none).  Both string forms, any non-zero boolean, dictionary
 * references anywhere a string may be, heap gaps and trailing bytes are
 * accepted.
 *
 * Limits: embedded objects and method signatures nest at most
 * max_depth deep; the total bytes of heap items a decode may read
 * (strings, arrays, qualifier sets, embedded objects: shared references
 * are charged each time) is at most max_work, so crafted sharing cannot
 * make the work or the output grow beyond a constant factor of the input.
 *
 * Errors: WBEM_E_MARSHAL_INVALID_SIGNATURE (no 0x12345678),
 * WBEM_E_INVALID_STREAM (any inconsistency; errinfo.offset is the byte
 * offset in the input where the fault was found and errinfo.msg says
 * what), WBEM_E_INVALID_PARAMETER (encoding a model object that breaks
 * the model's invariants), E_OUTOFMEMORY.
 *
 * Threads: no globals; a class cache is read-only once built and may be
 * shared by threads.
 */
#ifndef OWMI_WMIO_WMIO_H
#define OWMI_WMIO_WMIO_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "base/buf.h"
#include "base/errinfo.h"
#include "base/hresult.h"
#include "cim/cim.h"

#define WMIO_SIGNATURE 0x12345678u

/* ObjectFlags (MS-WMIO 2.2.6). */
enum wmio_object_flags {
	WMIO_OBJ_CLASS = 0x01,
	WMIO_OBJ_INSTANCE = 0x02,
	WMIO_OBJ_DECORATED = 0x04,
	WMIO_OBJ_PROTOTYPE = 0x10,
	WMIO_OBJ_KEYS_MISSING = 0x40,
};

/* Encoder flags. */
enum wmio_enc_flags {
	/*
	 * Write only the ObjectBlock, without Signature and
	 * ObjectEncodingLength (EncodingUnitObjectBlock, as WBEMOBJECT_CLASS
	 * and WBEMOBJECT_INSTANCE carry it).
	 */
	WMIO_ENC_NO_SIGNATURE = 1u << 0,
	/*
	 * Instances: a value equal to its class default is written as
	 * "default" (NdTable bit 1, zeroed slot), as Windows and the
	 * MS-WMIO 3.1 example do.  Off by default because Impacket ignores
	 * the bit and shows such values as None (interop notes 7.5).
	 */
	WMIO_ENC_USE_DEFAULTS = 1u << 1,
};

#define WMIO_DEFAULT_MAX_DEPTH 32u

/* Decoder limits; zero fields take the defaults. */
struct wmio_limits {
	uint32_t max_depth; /* nesting of embedded objects/signatures */
	size_t max_work;    /* heap bytes read; 0: 64 x input + 1 MiB */
};

/* A decoded object. */
struct wmio_object {
	uint8_t flags;             /* ObjectFlags as read */
	bool is_class;             /* else an instance */
	struct cim_class *cls;     /* resolved; the instance's class */
	struct cim_class *parent;  /* classes: the ParentClass part, or
	                            * NULL when it is empty */
	struct cim_instance *inst; /* instances, else NULL */
	char *server;              /* decoration, or NULL */
	char *ns;                  /* decoration, or NULL */
};

/*
 * Appends the EncodingUnit (or, with WMIO_ENC_NO_SIGNATURE, the
 * ObjectBlock) of resolved class [cls] to [b].  [parent] is its resolved
 * superclass for the ParentClass part; when NULL and [cls] has a
 * superclass, the ParentClass part is derived from [cls]'s inherited
 * members (properties and methods whose origin is not [cls], propagated
 * qualifiers), which is what a client can know of it.  A Decoration is
 * written when [server] or [ns] is not NULL (a NULL one as "").
 * Errors: WBEM_E_INVALID_PARAMETER (not resolved, invalid type or UTF-8,
 * more than 65535 properties or methods), E_OUTOFMEMORY.  On failure [b]
 * keeps its old length.
 */
hresult wmio_encode_class(struct buf *b,
                          const struct cim_class *cls,
                          const struct cim_class *parent,
                          const char *server,
                          const char *ns,
                          unsigned flags);

/*
 * Appends the EncodingUnit of instance [inst] with its class part (the
 * "CLASS AND INSTANCE" form Impacket reads).  System properties are not
 * encoded (clients derive __PATH and the others from the decoration and
 * the keys).  Builds the class part each time; for many instances of one
 * class use a struct wmio_class_cache.  Errors: as wmio_encode_class.
 */
hresult wmio_encode_instance(struct buf *b,
                             const struct cim_instance *inst,
                             const char *server,
                             const char *ns,
                             unsigned flags);

/*
 * A pre-encoded class part: the ClassPart of a resolved class with the
 * layout facts the instance encoder needs, built once and reused for every
 * instance of the class.  Borrows [cls], which must not change while the
 * cache lives.  Free it with talloc_free().
 */
struct wmio_class_cache;

hresult wmio_class_cache_new(void *mem,
                             const struct cim_class *cls,
                             struct wmio_class_cache **out);

/* The class a cache was built for. */
const struct cim_class *wmio_class_cache_class(
        const struct wmio_class_cache *cc);

/*
 * As wmio_encode_instance with the class part taken from [cc]; [inst]->cls
 * must be the cached class.  Allocates nothing but the growth of [b].
 */
hresult wmio_encode_instance_cached(struct buf *b,
                                    const struct wmio_class_cache *cc,
                                    const struct cim_instance *inst,
                                    const char *server,
                                    const char *ns,
                                    unsigned flags);

/*
 * Returns owned (under [mem]) the resolved __PARAMETERS class of method
 * [m]'s input ([out] false) or output ([out] true) signature, as it is
 * encoded in the MethodsPart (MS-WMIO 2.3.3): [abstract], one property
 * per [in] (or [out]) parameter in parameter order with its qualifiers
 * and "in"/"out" and "ID" added when absent, and ReturnValue last in the
 * output signature unless the method returns void.  ExecMethod's
 * in-parameters and out-parameters objects are instances of these
 * classes (cim_instance_new + cim_instance_set + wmio_encode_instance).
 * Errors: E_OUTOFMEMORY.
 */
hresult wmio_params_class(void *mem,
                          const struct cim_method *m,
                          bool out,
                          struct cim_class **cls);

/*
 * Decodes the EncodingUnit [p, p+n) (Signature, ObjectEncodingLength,
 * ObjectBlock; bytes after the ObjectBlock inside ObjectEncodingLength and
 * after ObjectEncodingLength are ignored) into a new object under [mem].
 * [lim] may be NULL.  *out is untouched on failure and nothing is left
 * allocated under [mem].
 */
hresult wmio_decode(void *mem,
                    const uint8_t *p,
                    size_t n,
                    const struct wmio_limits *lim,
                    struct wmio_object **out,
                    struct errinfo *ei);

/*
 * A decode-side class-part cache for many instances of one class (an
 * enumeration): the ClassPart octets of the last instance decoded
 * through it and their decoded class.  Free it with talloc_free().
 */
struct wmio_decode_cache;

/* Returns owned (under [mem]) an empty cache.  E_OUTOFMEMORY. */
hresult wmio_decode_cache_new(void *mem, struct wmio_decode_cache **out);

/*
 * As wmio_decode, for clients that receive many instances of a class.
 * For an instance whose CurrentClass ClassPart octets equal those of the
 * instance decoded before through [dc], only the instance part is
 * decoded; otherwise the ClassPart is decoded and becomes the cached one.
 * Either way the instance's class (o->cls, o->inst->cls) is the cache's
 * and is BORROWED: [dc] must outlive the instance.  Classes and anything
 * that is not an instance EncodingUnit are decoded by wmio_decode.
 * Errors: as wmio_decode.
 */
hresult wmio_decode_cached(void *mem,
                           struct wmio_decode_cache *dc,
                           const uint8_t *p,
                           size_t n,
                           const struct wmio_limits *lim,
                           struct wmio_object **out,
                           struct errinfo *ei);

/* How many instances reused the cached class, and how many did not. */
void wmio_decode_cache_counts(const struct wmio_decode_cache *dc,
                              uint64_t *hits,
                              uint64_t *misses);

/* As wmio_decode for a bare ObjectBlock filling exactly [p, p+n). */
hresult wmio_decode_block(void *mem,
                          const uint8_t *p,
                          size_t n,
                          const struct wmio_limits *lim,
                          struct wmio_object **out,
                          struct errinfo *ei);

#endif
