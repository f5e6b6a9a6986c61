/*
 * dcom-int: helpers shared by the dcom codecs (module-internal; include
 * only from src/dcom/).
 *
 * Raw reads and writes: little-endian, unaligned, at the cursor's position,
 * for the non-NDR layouts (OBJREF, DUALSTRINGARRAY packet form, Context,
 * type serialization headers).  They fail like the NDR primitives: the
 * first error sticks in the cursor with its position.
 *
 * Windows and sub-cursors:
 * - dcom_window_open() shortens a pull cursor to the next n octets (an
 *   OBJREF inside an MInterfacePointer) so a nested raw codec cannot read
 *   past its container; positions stay those of the outer stub.
 * - dcom_sub_open() starts a new pull cursor over the next n octets, for
 *   an NDR-serialized body whose alignment is relative to its own start
 *   (MS-RPCE 2.2.6); dcom_sub_close() copies a failure back to the outer
 *   cursor with the position translated to the outer buffer.
 */
#ifndef OWMI_DCOM_DCOM_INT_H
#define OWMI_DCOM_DCOM_INT_H

#include <stddef.h>
#include <stdint.h>

#include "base/hresult.h"
#include "dcom/types.h"
#include "rpc/ndr.h"

enum ndr_err dcom_raw_pull_u16(struct ndr_pull *ndr, uint16_t *v);
enum ndr_err dcom_raw_pull_u32(struct ndr_pull *ndr, uint32_t *v);
enum ndr_err dcom_raw_pull_u64(struct ndr_pull *ndr, uint64_t *v);
enum ndr_err dcom_raw_pull_uuid(struct ndr_pull *ndr, struct rpc_uuid *v);

enum ndr_err dcom_raw_push_u16(struct ndr_push *ndr, uint16_t v);
enum ndr_err dcom_raw_push_u32(struct ndr_push *ndr, uint32_t v);
enum ndr_err dcom_raw_push_u64(struct ndr_push *ndr, uint64_t v);
enum ndr_err dcom_raw_push_uuid(struct ndr_push *ndr, const struct rpc_uuid *v);

/* Limits ndr->len to pos + n (NDR_ERR_BUFSIZE if fewer octets are left);
 * [*saved] receives the old length for dcom_window_close. */
enum ndr_err dcom_window_open(struct ndr_pull *ndr, size_t n, size_t *saved);
void dcom_window_close(struct ndr_pull *ndr, size_t saved);

/*
 * Starts [sub] over the next [n] octets of [outer] (advancing outer past
 * them), with outer's limits, flags and depth; values go under outer's
 * memory.  [*base] receives the outer position of the sub-cursor's start.
 */
enum ndr_err dcom_sub_open(struct ndr_pull *outer,
                           size_t n,
                           struct ndr_pull *sub,
                           size_t *base);

/* Releases [sub]; a sub failure becomes outer's error at base + err_pos.
 * Returns outer's error. */
enum ndr_err dcom_sub_close(struct ndr_pull *outer,
                            struct ndr_pull *sub,
                            size_t base);

/* A push cursor for a nested body, with [outer]'s limits and memory. */
enum ndr_err dcom_sub_push_open(struct ndr_push *outer, struct ndr_push *sub);

/* Appends sub's octets to [outer] raw (or records sub's error in outer),
 * then releases [sub].  Returns outer's error. */
enum ndr_err dcom_sub_push_close(struct ndr_push *outer, struct ndr_push *sub);

/* Maps a base-layer hresult from a conversion to the NDR error domain. */
enum ndr_err dcom_hr_to_ndr(hresult hr);

/* A pull error that sticks to [ndr] with [what]: shorthand for codecs. */
enum ndr_err dcom_fail(struct ndr_pull *ndr,
                       enum ndr_err err,
                       const char *what);
enum ndr_err dcom_push_fail(struct ndr_push *ndr,
                            enum ndr_err err,
                            const char *what);

#endif
