/*
 * ndr: the NDR 2.0 cursor runtime (rpc layer, leaf codec; STYLE.md
 * section 6, docs/internals/ndr.md).
 *
 * Implements C706 chapter 14 (Network Data Representation) for the
 * little-endian, ASCII, IEEE data representation, as used by MS-RPCE 2.2.5
 * (NDR 2.0 transfer syntax 8a885d04-1ceb-11c9-9fe8-08002b104860 v2):
 * primitive types with natural alignment, UUIDs, unique / ref / full
 * pointers with referent ids, conformant, varying and conformant-varying
 * arrays, conformant-varying strings, conformant structures, and the
 * two-phase (scalars, then buffers) order of deferred pointees.
 *
 * Two cursors: struct ndr_pull reads a stub, struct ndr_push writes one.
 * Per-interface codecs (hand-written now, generated later) are functions
 *
 *     enum ndr_err pull_T(struct ndr_pull *ndr, unsigned phases, struct T *r);
 *     enum ndr_err push_T(struct ndr_push *ndr, unsigned phases,
 *                         const struct T *r);
 *
 * where [phases] is NDR_SCALARS, NDR_BUFFERS or both (see ndr.md for the
 * pattern, with examples for embedded pointers, conformant structures,
 * arrays of structures and unions).
 *
 * Invariants the reader must hold:
 * - pos <= len always; every read checks its size against len - pos before
 *   touching memory, so no arithmetic can wrap.
 * - A count read from the wire is compared with the element limit and with
 *   the octets left (count * minimum wire size) before anything is
 *   allocated: a 4 GB count costs nothing.
 * - All memory for pulled values comes from ndr->mem, a child of the
 *   caller's context with a byte ceiling (talloc_set_memlimit).  Freeing
 *   the caller's context frees everything; nothing else is owned.
 * - The first error sticks: ndr->err, ndr->err_pos and ndr->err_what
 *   describe it, and every later call returns it unchanged.
 * - Alignment is relative to the start of the stub (C706 14.2.2).
 * - Pad octets are ignored when pulling (impacket fills them with
 *   garbage) unless NDR_FLAG_CHECK_PAD is set; pushed pads are zero.
 */
#ifndef OWMI_RPC_NDR_H
#define OWMI_RPC_NDR_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "rpc/uuid.h"

enum ndr_err {
	NDR_ERR_SUCCESS = 0,
	NDR_ERR_BUFSIZE,      /* a read or a count passes the end */
	NDR_ERR_ARRAY_SIZE,   /* offset/actual_count inconsistent with max */
	NDR_ERR_UNREAD_BYTES, /* octets left after the last value */
	NDR_ERR_DEPTH,        /* nesting deeper than max_depth */
	NDR_ERR_ALLOC,        /* out of memory or past max_alloc */
	NDR_ERR_RANGE,        /* a value outside its [range] or enum */
	NDR_ERR_ALIGN_PAD,    /* non-zero pad with NDR_FLAG_CHECK_PAD */
	NDR_ERR_STRING,       /* bad UTF-16, missing or embedded NUL */
	NDR_ERR_NULL_REF,     /* a [ref] pointer that is NULL */
	NDR_ERR_POINTER,      /* a full-pointer referent inconsistency */
	NDR_ERR_LIMIT,        /* more elements than max_elems */
	NDR_ERR_SWITCH,       /* a union discriminant with no arm */
	NDR_ERR_INVALID,      /* a caller bug: bad argument or state */
};

/* Phases of a constructed type (C706 14.3.12.3 deferral). */
enum ndr_phase {
	NDR_SCALARS = 1u << 0,
	NDR_BUFFERS = 1u << 1,
	NDR_BOTH = NDR_SCALARS | NDR_BUFFERS,
};

enum ndr_flags {
	NDR_FLAG_CHECK_PAD = 1u << 0,      /* pull: pads must be zero */
	NDR_FLAG_ALLOW_TRAILING = 1u << 1, /* pull: ndr_pull_finish ignores
	                                      unread octets */
};

/* String options for ndr_pull_wstring / ndr_push_wstring (and cstring). */
enum ndr_str_flags {
	/* Default: [string] semantics, the last transmitted element is the
	 * NUL terminator (C706 14.3.4) and is required. */
	NDR_STR_NUL_TERM = 0,
	/* Pull: accept a string whose last element is not NUL (a NUL that is
	 * present is still stripped).  Push: transmit no terminator. */
	NDR_STR_NO_NUL = 1u << 0,
};

struct ndr_limits {
	unsigned max_depth; /* nested ndr_*_enter levels */
	size_t max_elems;   /* elements of any one array or string */
	size_t max_alloc;   /* bytes under ndr->mem (talloc_set_memlimit) */
	size_t max_push;    /* bytes a push may produce */
};

/* 64 levels, 1 Mi elements, 16 MiB of pulled values, 16 MiB pushed. */
void ndr_limits_default(struct ndr_limits *lim);

struct ndr_ptr_table;

struct ndr_pull {
	const uint8_t *data; /* borrowed stub */
	size_t len;
	size_t pos;
	void *mem; /* owns every pulled value (memlimit set) */
	unsigned flags;
	unsigned depth;
	struct ndr_limits lim;
	struct ndr_ptr_table *full_ptrs; /* referent id -> pointee */
	enum ndr_err err;                /* sticky */
	size_t err_pos;
	const char *err_what; /* static text */
};

struct ndr_push {
	uint8_t *data; /* talloc child of mem */
	size_t len;
	size_t alloc;
	void *mem;
	unsigned flags;
	unsigned depth;
	struct ndr_limits lim;
	uint32_t next_refid;             /* 0x00020000, +4 per referent */
	struct ndr_ptr_table *full_ptrs; /* pointee -> referent id */
	enum ndr_err err;
	size_t err_pos;
	const char *err_what;
};

/*
 * Initialises [ndr] to read [data, data+len) (borrowed; must outlive the
 * cursor).  Creates ndr->mem as a talloc child of [mem] with a memlimit of
 * lim->max_alloc; pulled values hang off it.  [lim] NULL means defaults.
 * Returns NDR_ERR_SUCCESS or NDR_ERR_ALLOC (then [ndr] holds nothing).
 */
enum ndr_err ndr_pull_init(struct ndr_pull *ndr,
                           void *mem,
                           const uint8_t *data,
                           size_t len,
                           unsigned flags,
                           const struct ndr_limits *lim);

/*
 * Frees the cursor's bookkeeping (the full-pointer table) but not the
 * pulled values, which stay under ndr->mem until the caller's context is
 * freed.  NULL-safe.
 */
void ndr_pull_release(struct ndr_pull *ndr);

/* NDR_ERR_UNREAD_BYTES if octets remain (unless ALLOW_TRAILING). */
enum ndr_err ndr_pull_finish(struct ndr_pull *ndr);

/*
 * Records [err] at the current position with a static [what] (unless an
 * error is already recorded) and returns the recorded error.  For codecs
 * built on the runtime (a bad enum value is NDR_ERR_RANGE, a bad union
 * discriminant NDR_ERR_SWITCH).
 */
enum ndr_err ndr_pull_error(struct ndr_pull *ndr,
                            enum ndr_err err,
                            const char *what);
enum ndr_err ndr_push_error(struct ndr_push *ndr,
                            enum ndr_err err,
                            const char *what);

/* Depth guard around nested constructed types: enter, pull, leave. */
enum ndr_err ndr_pull_enter(struct ndr_pull *ndr);
void ndr_pull_leave(struct ndr_pull *ndr);

/* Skips to the next multiple of [n] (1, 2, 4 or 8) from the stub start. */
enum ndr_err ndr_pull_align(struct ndr_pull *ndr, size_t n);

enum ndr_err ndr_pull_u8(struct ndr_pull *ndr, uint8_t *v);
enum ndr_err ndr_pull_u16(struct ndr_pull *ndr, uint16_t *v);
enum ndr_err ndr_pull_u32(struct ndr_pull *ndr, uint32_t *v);
enum ndr_err ndr_pull_hyper(struct ndr_pull *ndr, uint64_t *v);
enum ndr_err ndr_pull_i8(struct ndr_pull *ndr, int8_t *v);
enum ndr_err ndr_pull_i16(struct ndr_pull *ndr, int16_t *v);
enum ndr_err ndr_pull_i32(struct ndr_pull *ndr, int32_t *v);
enum ndr_err ndr_pull_i64(struct ndr_pull *ndr, int64_t *v);
enum ndr_err ndr_pull_float(struct ndr_pull *ndr, float *v);
enum ndr_err ndr_pull_double(struct ndr_pull *ndr, double *v);
/* An NDR enum: a u16 on the wire (C706 14.2.11). */
enum ndr_err ndr_pull_enum16(struct ndr_pull *ndr, uint16_t *v);
/* A GUID / UUID (4-aligned, 16 octets). */
enum ndr_err ndr_pull_uuid(struct ndr_pull *ndr, struct rpc_uuid *v);

/* Copies [n] raw octets (no alignment) into [out]. */
enum ndr_err ndr_pull_bytes(struct ndr_pull *ndr, void *out, size_t n);

/*
 * Returns in [*out] a pointer to [n] raw octets inside the stub (borrowed
 * from the input) and advances.
 */
enum ndr_err ndr_pull_bytes_ref(struct ndr_pull *ndr,
                                size_t n,
                                const uint8_t **out);

/* ---- pointers (C706 14.3.10-14.3.12) ---- */

/*
 * A unique pointer's referent id (4-aligned u32): 0 is NULL.  The caller
 * pulls the pointee when *refid != 0, at once for a top-level pointer, in
 * the NDR_BUFFERS phase for an embedded one.
 */
enum ndr_err ndr_pull_unique_ptr(struct ndr_pull *ndr, uint32_t *refid);

/* An embedded [ref] pointer: as unique, but 0 is NDR_ERR_NULL_REF. */
enum ndr_err ndr_pull_ref_ptr(struct ndr_pull *ndr, uint32_t *refid);

/*
 * A full pointer's referent id (as unique).  In the buffers phase call
 * ndr_pull_full_ptr_lookup(): when it returns a pointee the same id was
 * seen before and nothing more is on the wire for it; otherwise allocate
 * the pointee, ndr_pull_full_ptr_register() it, then pull it.
 */
enum ndr_err ndr_pull_full_ptr(struct ndr_pull *ndr, uint32_t *refid);
void *ndr_pull_full_ptr_lookup(struct ndr_pull *ndr, uint32_t refid);
enum ndr_err ndr_pull_full_ptr_register(struct ndr_pull *ndr,
                                        uint32_t refid,
                                        void *pointee);

/* ---- arrays (C706 14.3.3) ---- */

/* A conformant array's max_count (4-aligned u32). */
enum ndr_err ndr_pull_array_size(struct ndr_pull *ndr, uint32_t *max_count);

/*
 * A varying array's offset and actual_count (4-aligned u32s), checked
 * against [max_count] (the conformance, or the fixed size of a varying
 * array): offset <= max_count and actual_count <= max_count - offset, else
 * NDR_ERR_ARRAY_SIZE.
 */
enum ndr_err ndr_pull_array_length(struct ndr_pull *ndr,
                                   uint32_t max_count,
                                   uint32_t *offset,
                                   uint32_t *actual_count);

/*
 * Checks that [count] elements of at least [wire_min] octets each can be
 * present (NDR_ERR_BUFSIZE) and that count <= max_elems (NDR_ERR_LIMIT),
 * then returns owned (child of ndr->mem) a zeroed array of count elements
 * of [elem_size] bytes in [*out] (NDR_ERR_ALLOC).  A zero count gives a
 * valid zero-length allocation.
 */
enum ndr_err ndr_pull_array_alloc(struct ndr_pull *ndr,
                                  uint32_t count,
                                  size_t elem_size,
                                  size_t wire_min,
                                  void **out);

/*
 * A conformant array of octets ([size_is] byte *): max_count then the
 * octets.  Returns owned the copy in [*out] and its length in [*n].
 */
enum ndr_err ndr_pull_conformant_bytes(struct ndr_pull *ndr,
                                       uint8_t **out,
                                       uint32_t *n);

/* ---- strings (C706 14.3.4; MS-RPCE 2.2.5 [string] wchar_t *) ---- */

/*
 * A conformant varying string of 16-bit characters: max_count, offset
 * (must be 0), actual_count, then actual_count UTF-16LE units.  Converts
 * to UTF-8: returns owned a NUL-terminated string in [*out].  With
 * NDR_STR_NUL_TERM the last unit must be NUL (NDR_ERR_STRING if not); a NUL
 * before the last unit is NDR_ERR_STRING in every mode.  Unpaired
 * surrogates: NDR_ERR_STRING.
 */
enum ndr_err ndr_pull_wstring(struct ndr_pull *ndr,
                              unsigned str_flags,
                              char **out);

/* As ndr_pull_wstring for 8-bit characters ([string] char *); the octets
 * must be valid UTF-8. */
enum ndr_err ndr_pull_cstring(struct ndr_pull *ndr,
                              unsigned str_flags,
                              char **out);

/* ---- push ---- */

/*
 * Initialises [ndr] to write into a growing buffer (talloc child of the
 * new ndr->mem, itself a child of [mem]) of at most lim->max_push bytes.
 * NDR_ERR_SUCCESS or NDR_ERR_ALLOC.
 */
enum ndr_err ndr_push_init(struct ndr_push *ndr,
                           void *mem,
                           unsigned flags,
                           const struct ndr_limits *lim);

/* Frees the buffer and the pointer table.  NULL-safe. */
void ndr_push_release(struct ndr_push *ndr);

/*
 * Returns the pushed octets: [*data] borrows ndr->data (valid until
 * ndr_push_release) and [*len] their count.  Returns the sticky error.
 */
enum ndr_err ndr_push_blob(struct ndr_push *ndr,
                           const uint8_t **data,
                           size_t *len);

enum ndr_err ndr_push_enter(struct ndr_push *ndr);
void ndr_push_leave(struct ndr_push *ndr);

/* Writes zero pad octets up to the next multiple of [n]. */
enum ndr_err ndr_push_align(struct ndr_push *ndr, size_t n);

enum ndr_err ndr_push_u8(struct ndr_push *ndr, uint8_t v);
enum ndr_err ndr_push_u16(struct ndr_push *ndr, uint16_t v);
enum ndr_err ndr_push_u32(struct ndr_push *ndr, uint32_t v);
enum ndr_err ndr_push_hyper(struct ndr_push *ndr, uint64_t v);
enum ndr_err ndr_push_i8(struct ndr_push *ndr, int8_t v);
enum ndr_err ndr_push_i16(struct ndr_push *ndr, int16_t v);
enum ndr_err ndr_push_i32(struct ndr_push *ndr, int32_t v);
enum ndr_err ndr_push_i64(struct ndr_push *ndr, int64_t v);
enum ndr_err ndr_push_float(struct ndr_push *ndr, float v);
enum ndr_err ndr_push_double(struct ndr_push *ndr, double v);
enum ndr_err ndr_push_enum16(struct ndr_push *ndr, uint16_t v);
enum ndr_err ndr_push_uuid(struct ndr_push *ndr, const struct rpc_uuid *v);
enum ndr_err ndr_push_bytes(struct ndr_push *ndr, const void *p, size_t n);

/*
 * A unique pointer: 0 for NULL, else a fresh referent id (0x00020000,
 * 0x00020004, ...).  The caller pushes the pointee when [p] != NULL.
 */
enum ndr_err ndr_push_unique_ptr(struct ndr_push *ndr, const void *p);

/* An embedded [ref] pointer: NULL is NDR_ERR_NULL_REF. */
enum ndr_err ndr_push_ref_ptr(struct ndr_push *ndr, const void *p);

/*
 * A full pointer: the same pointee always gets the same referent id.  In
 * the buffers phase, ndr_push_full_ptr_claim() returns true exactly once
 * per pointee (push it then) and false afterwards.
 */
enum ndr_err ndr_push_full_ptr(struct ndr_push *ndr, const void *p);
bool ndr_push_full_ptr_claim(struct ndr_push *ndr, const void *p);

enum ndr_err ndr_push_array_size(struct ndr_push *ndr, uint32_t max_count);
enum ndr_err ndr_push_array_length(struct ndr_push *ndr,
                                   uint32_t offset,
                                   uint32_t actual_count);
enum ndr_err ndr_push_conformant_bytes(struct ndr_push *ndr,
                                       const uint8_t *p,
                                       uint32_t n);

/*
 * A conformant varying string from UTF-8 [s]: max_count = actual_count =
 * UTF-16 units + 1 (the NUL), offset 0; with NDR_STR_NO_NUL no terminator.
 * Bad UTF-8: NDR_ERR_STRING.
 */
enum ndr_err ndr_push_wstring(struct ndr_push *ndr,
                              unsigned str_flags,
                              const char *s);
enum ndr_err ndr_push_cstring(struct ndr_push *ndr,
                              unsigned str_flags,
                              const char *s);

/* ---- errors ---- */

/* Returns the constant name ("NDR_ERR_BUFSIZE"). */
const char *ndr_err_name(enum ndr_err err);

/*
 * Returns the fault status a server sends when unmarshalling the request
 * failed with [err] (MS-RPCE: nca_s_fault_ndr, i.e. RPC_X_BAD_STUB_DATA,
 * for malformed data; nca_s_fault_remote_no_memory for NDR_ERR_ALLOC).
 */
uint32_t ndr_err_to_fault(enum ndr_err err);

#endif
