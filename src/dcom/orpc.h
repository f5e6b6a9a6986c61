/*
 * dcom/orpc: ORPCTHIS, ORPCTHAT, ORPC extents and MInterfacePointer in NDR
 * (dcom layer, leaf codec; docs/internals/dcom.md).
 *
 * MS-DCOM 2.2.13 (ORPC_EXTENT, ORPC_EXTENT_ARRAY, ORPCTHIS, ORPCTHAT) and
 * 2.2.14 (MInterfacePointer).  Every ORPC request stub starts with an
 * ORPCTHIS (32 octets without extensions), every ORPC response stub with an
 * ORPCTHAT (8 octets without extensions):
 *
 *   ORPCTHIS  version u16 u16 | flags u32 | reserved1 u32 | cid GUID |
 *             extensions unique -> ORPC_EXTENT_ARRAY
 *   ORPCTHAT  flags u32 | extensions unique -> ORPC_EXTENT_ARRAY
 *   ORPC_EXTENT_ARRAY  size u32 | reserved u32 | extent unique ->
 *             [(size+1)&~1] unique ORPC_EXTENT*
 *   ORPC_EXTENT (conformant)  max_count | id GUID | size u32 |
 *             data[(size+7)&~7]
 *   MInterfacePointer (conformant)  max_count | ulCntData | abData
 *
 * The functions take a whole parameter (both NDR phases).  They are called
 * at the position of the parameter in the stub; alignment is from the stub
 * start as everywhere in NDR.
 */
#ifndef OWMI_DCOM_ORPC_H
#define OWMI_DCOM_ORPC_H

#include <stdint.h>

#include "dcom/types.h"
#include "rpc/ndr.h"

/*
 * Pulls an ORPCTHIS.  The extent array's conformance must be
 * (size+1)&~1 and each extent's (size+7)&~7 (NDR_ERR_ARRAY_SIZE);
 * size above DCOM_MAX_EXTENTS is NDR_ERR_LIMIT.  The version is not
 * checked here (the activator checks it against ours).
 */
enum ndr_err dcom_orpcthis_pull(struct ndr_pull *ndr, struct dcom_orpcthis *r);
enum ndr_err dcom_orpcthis_push(struct ndr_push *ndr,
                                const struct dcom_orpcthis *r);

enum ndr_err dcom_orpcthat_pull(struct ndr_pull *ndr, struct dcom_orpcthat *r);
enum ndr_err dcom_orpcthat_push(struct ndr_push *ndr,
                                const struct dcom_orpcthat *r);

/* Fills [r] as we send it: version 5.7, flags 0, the given causality id. */
void dcom_orpcthis_init(struct dcom_orpcthis *r, const struct rpc_uuid *cid);

/*
 * The MInterfacePointer structure itself (not the pointer to it): returns
 * owned its abData in [*data] and [*n].  max_count must equal ulCntData
 * (NDR_ERR_ARRAY_SIZE).
 */
enum ndr_err dcom_mip_pull(struct ndr_pull *ndr, uint8_t **data, uint32_t *n);
enum ndr_err dcom_mip_push(struct ndr_push *ndr,
                           const uint8_t *data,
                           uint32_t n);

/*
 * An MInterfacePointer whose abData is an OBJREF, decoded in place (errors
 * carry stub positions).  The OBJREF must fill ulCntData octets, except
 * for slack after a complete non-custom OBJREF.
 */
enum ndr_err dcom_mip_objref_pull(struct ndr_pull *ndr, struct dcom_objref *r);
enum ndr_err dcom_mip_objref_push(struct ndr_push *ndr,
                                  const struct dcom_objref *r);

/* As dcom_mip_objref_pull into a new OBJREF (owned by ndr->mem) in [*r]. */
enum ndr_err dcom_mip_objref_pull_new(struct ndr_pull *ndr,
                                      struct dcom_objref **r);

/*
 * A [unique] MInterfacePointer* carrying an OBJREF, at the top level of a
 * stub (referent id, then the pointee at once).  NULL is *r = NULL; else
 * *r is owned by ndr->mem.
 */
enum ndr_err dcom_pmip_objref_pull(struct ndr_pull *ndr,
                                   struct dcom_objref **r);
enum ndr_err dcom_pmip_objref_push(struct ndr_push *ndr,
                                   const struct dcom_objref *r);

#endif
