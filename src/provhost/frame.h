/*
 * frame: the wire format between the object manager and a provider host
 * (provhost layer; a leaf codec: bytes in, values out, no sockets).
 *
 * A frame is a 12-byte header and a payload:
 *
 *   u32 payload length (little-endian, <= PROVFRAME_MAX_PAYLOAD)
 *   u8  type (enum provframe_type)
 *   u8  version (PROVFRAME_VERSION)
 *   u16 reserved, 0
 *   u32 call id (the request's id; replies and mid-call frames repeat it)
 *
 * Payload primitives: u32 (LE), str (u32 length + that many bytes, no NUL
 * inside), blob (u32 length + bytes).  A "kv list" is u32 n + n x (str,
 * str).  The payload of each type is listed at enum provframe_type.
 * Instances and classes travel as blobs of the repository codec
 * (cim_instance_encode / cim_class_encode), so decoding a blob is checked
 * by that codec.
 *
 * Decoding checks every length against the frame and every count against
 * the limits below, and requires the payload to be consumed exactly.
 */
#ifndef OWMI_PROVHOST_FRAME_H
#define OWMI_PROVHOST_FRAME_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "base/hresult.h"

struct buf;

#define PROVFRAME_HDR_LEN     12u
#define PROVFRAME_VERSION     1u
#define PROVFRAME_MAX_PAYLOAD (16u * 1024u * 1024u)
#define PROVFRAME_MAX_KEYS    256u   /* keys and query equalities */
#define PROVFRAME_MAX_ITEMS   65536u /* instances per batch */
#define PROVFRAME_MAX_NAMES   1024u  /* class names per batch */

/* Bits of provframe_msg.id_flags. */
#define PROVFRAME_ID_HAS_UNIX    0x1u /* uid and gid are meaningful */
#define PROVFRAME_ID_IMPERSONATE 0x2u /* the call impersonates */
#define PROVFRAME_ID_HAS_DOMAIN  0x4u /* domain is present */

/*
 * Frame types.  "call" is the common call header: str ns, str user, str
 * domain, u32 id_flags, u32 uid, u32 gid, u32 op_flags, str class name,
 * blob class (the resolved class, cim_class_encode).
 */
enum provframe_type {
	/* object manager -> host */
	PROVFRAME_LOAD = 1,   /* str provider, str library */
	PROVFRAME_ENUM = 2,   /* call */
	PROVFRAME_GET = 3,    /* call, kv keys */
	PROVFRAME_PUT = 4,    /* call, blob instance */
	PROVFRAME_DELETE = 5, /* call, kv keys */
	PROVFRAME_QUERY = 6,  /* call, str query, kv equalities */
	/*
	 * call, u32 has_keys, kv keys, str method, blob in-class, blob
	 * in-instance, blob out-class (empty blobs: none)
	 */
	PROVFRAME_METHOD = 7,
	PROVFRAME_PING = 8,   /* empty */
	PROVFRAME_CANCEL = 9, /* empty: stop the call in progress */
	PROVFRAME_CLASS = 10, /* u32 hr, str name, blob class */
	/* host -> object manager */
	PROVFRAME_STATUS = 32,     /* u32 hr, u32 pid, str message */
	PROVFRAME_BATCH = 33,      /* u32 n, n x str name; u32 m, m x (u32
	                              name index, blob instance) */
	PROVFRAME_OUT = 34,        /* blob out-parameters instance */
	PROVFRAME_NEED_CLASS = 35, /* str name */
	PROVFRAME_LOG = 36,        /* u32 level, str message */
};

struct provframe_blob {
	const uint8_t *p; /* borrowed from the frame; NULL when len is 0 */
	size_t len;
};

struct provframe_kv {
	const char *name;
	const char *value;
};

struct provframe_item {
	uint32_t name; /* index into names */
	struct provframe_blob data;
};

/*
 * A decoded (or to-be-encoded) frame.  Only the members of its type are
 * meaningful; decoding zeroes the rest.  Decoded strings are NUL-terminated
 * talloc copies; blobs borrow the input bytes.
 */
struct provframe_msg {
	uint8_t type;
	uint32_t call_id;

	const char *provider; /* LOAD */
	const char *library;  /* LOAD */

	/* call header */
	const char *ns;
	const char *user;
	const char *domain; /* NULL unless PROVFRAME_ID_HAS_DOMAIN */
	uint32_t id_flags;
	uint32_t uid, gid;
	uint32_t op_flags;
	const char *cls_name; /* calls; CLASS and NEED_CLASS: the name */
	struct provframe_blob cls;

	bool has_keys; /* METHOD: false for a static method */
	struct provframe_kv *keys;
	uint32_t n_keys;
	struct provframe_blob inst;            /* PUT; METHOD in-params; OUT */
	struct provframe_blob in_cls, out_cls; /* METHOD */
	const char *method;                    /* METHOD */
	const char *query;                     /* QUERY */
	struct provframe_kv *eqs;              /* QUERY */
	uint32_t n_eqs;

	uint32_t hr;         /* STATUS, CLASS */
	uint32_t pid;        /* STATUS */
	uint32_t level;      /* LOG */
	const char *message; /* STATUS, LOG */

	const char **names; /* BATCH */
	uint32_t n_names;
	struct provframe_item *items;
	uint32_t n_items;
};

/*
 * Reads a frame header from [data] ([len] >= PROVFRAME_HDR_LEN bytes).
 * Returns S_OK with the type, payload length and call id (each out may be
 * NULL); WBEM_E_INVALID_STREAM for a short buffer, a wrong version, a
 * non-zero reserved field, an unknown type or a payload over the limit.
 */
hresult provframe_peek(const void *data,
                       size_t len,
                       uint8_t *type,
                       uint32_t *payload_len,
                       uint32_t *call_id);

/*
 * Decodes exactly one whole frame of [len] bytes at [data] into [out]
 * (strings and arrays are talloc children of [mem]; blobs borrow [data],
 * which must outlive their use).  Errors: WBEM_E_INVALID_STREAM (any
 * inconsistency: header, lengths, counts, a NUL inside a string, bytes
 * left over), E_OUTOFMEMORY.  [out] is zeroed first.
 */
hresult provframe_decode(void *mem,
                         const void *data,
                         size_t len,
                         struct provframe_msg *out);

/*
 * Appends frame [m] to [b].  NULL strings are written empty (a NULL domain
 * is left out by clearing PROVFRAME_ID_HAS_DOMAIN).  Errors:
 * WBEM_E_INVALID_PARAMETER (unknown type, counts over the limits),
 * WBEM_E_QUOTA_VIOLATION (payload over PROVFRAME_MAX_PAYLOAD),
 * E_OUTOFMEMORY.  On failure [b] is restored to its length on entry.
 */
hresult provframe_encode(struct buf *b, const struct provframe_msg *m);

/* Returns the type's name ("ENUM", "BATCH", ...) or "?" when unknown. */
const char *provframe_type_name(uint8_t type);

#endif
