/*
 * dcom/objref: OBJREF, STDOBJREF, DUALSTRINGARRAY and marshaled contexts
 * (dcom layer, leaf codec; docs/internals/dcom.md).
 *
 * Implements MS-DCOM 2.2.18 (OBJREF_STANDARD, _HANDLER, _CUSTOM,
 * _EXTENDED, DATAELEMENT), 2.2.18.1 (STDOBJREF), 2.2.19 (DUALSTRINGARRAY,
 * packet and NDR forms; STRINGBINDING, SECURITYBINDING) and 2.2.20
 * (Context, PROPMARSHALHEADER).
 *
 * The OBJREF family is not NDR: it is a little-endian byte layout carried
 * inside an MInterfacePointer (orpc.h).  Its codecs read and write raw,
 * unaligned octets at the cursor's position, so they run on the NDR cursors
 * of rpc/ndr.h only for their bounds checks, sticky errors with positions,
 * memory ceilings and push limits.  The NDR form of a DUALSTRINGARRAY (a
 * conformant structure) has its own pair of functions.
 *
 *   OBJREF                         OFFSET SIZE
 *   signature "MEOW" 0x574f454d    0      4
 *   flags (one kind)               4      4
 *   iid                            8      16
 *   STANDARD: std, saResAddr       24     40 + DSA
 *   HANDLER:  std, clsid, DSA      24     40 + 16 + DSA
 *   CUSTOM:   clsid, cbExtension, reserved, pObjectData (to the end)
 *   EXTENDED: std, Signature1, DSA, nElms (1), Signature2, DATAELEMENT
 *             {dataID, cbSize, cbRounded, Data[cbRounded]}
 *
 *   DUALSTRINGARRAY (packet)
 *   wNumEntries u16, wSecurityOffset u16, then wNumEntries u16 units:
 *   { wTowerId, UTF-16 address, 0 }* 0 | { wAuthnSvc, 0xffff, UTF-16
 *   principal, 0 }* 0
 *
 * Receiving is lenient where it costs nothing (slack units between a
 * terminator and wSecurityOffset or the end, bytes after a complete
 * OBJREF_STANDARD, the reserved fields); sending is exact.
 */
#ifndef OWMI_DCOM_OBJREF_H
#define OWMI_DCOM_OBJREF_H

#include <stddef.h>
#include <stdint.h>

#include "base/hresult.h"
#include "dcom/types.h"
#include "rpc/ndr.h"

/*
 * Pulls an OBJREF occupying [len] octets at the cursor's position and
 * advances past them.  Returns NDR_ERR_SUCCESS, or the cursor's sticky
 * error: NDR_ERR_BUFSIZE (truncation, len past the end), NDR_ERR_RANGE (bad
 * signature or kind, EXTENDED signatures or nElms), NDR_ERR_STRING (bad
 * UTF-16 in a binding), NDR_ERR_LIMIT (too many bindings), NDR_ERR_ALLOC.
 * On failure [r] holds partial values owned by ndr->mem.
 */
enum ndr_err dcom_objref_pull(struct ndr_pull *ndr,
                              size_t len,
                              struct dcom_objref *r);

/*
 * Pushes [r] as raw octets (no alignment).  Sends cbExtension 0,
 * SECURITYBINDING.Reserved 0xffff, nElms 1 and cbRounded rounded to 8.
 * NDR_ERR_INVALID for an unknown kind or a binding with id 0;
 * NDR_ERR_RANGE when the DUALSTRINGARRAY passes 65535 units.
 */
enum ndr_err dcom_objref_push(struct ndr_push *ndr,
                              const struct dcom_objref *r);

/* STDOBJREF as 40 raw octets (inside an OBJREF). */
enum ndr_err dcom_stdobjref_pull_raw(struct ndr_pull *ndr,
                                     struct dcom_stdobjref *r);
enum ndr_err dcom_stdobjref_push_raw(struct ndr_push *ndr,
                                     const struct dcom_stdobjref *r);

/* STDOBJREF in NDR (8-aligned, inside REMQIRESULT). */
enum ndr_err dcom_stdobjref_pull(struct ndr_pull *ndr,
                                 struct dcom_stdobjref *r);
enum ndr_err dcom_stdobjref_push(struct ndr_push *ndr,
                                 const struct dcom_stdobjref *r);

/*
 * DUALSTRINGARRAY, packet form (inside OBJREFs): raw wNumEntries,
 * wSecurityOffset and units.  Errors: NDR_ERR_BUFSIZE, NDR_ERR_RANGE
 * (wSecurityOffset past wNumEntries; a list without its terminator, e.g. no
 * double NUL), NDR_ERR_STRING, NDR_ERR_LIMIT (more than DCOM_MAX_BINDINGS),
 * NDR_ERR_ALLOC.
 */
enum ndr_err dcom_dsa_pull(struct ndr_pull *ndr, struct dcom_dsa *r);
enum ndr_err dcom_dsa_push(struct ndr_push *ndr, const struct dcom_dsa *r);

/*
 * DUALSTRINGARRAY, NDR form (the pointee of a DUALSTRINGARRAY* parameter or
 * member): a conformant structure, max_count first (must equal
 * wNumEntries: NDR_ERR_ARRAY_SIZE otherwise).
 */
enum ndr_err dcom_dsa_pull_ndr(struct ndr_pull *ndr, struct dcom_dsa *r);
enum ndr_err dcom_dsa_push_ndr(struct ndr_push *ndr, const struct dcom_dsa *r);

/* Units (u16) the packet form of [r] needs, wNumEntries; SIZE_MAX when
 * a string is not valid UTF-8. */
size_t dcom_dsa_units(const struct dcom_dsa *r);

/*
 * Appends to [dsa] a string binding for ncacn_ip_tcp: "host[port]", or
 * "host" when [port] is 0 (the object resolver form, no endpoint).  The
 * arrays grow under [mem].  E_OUTOFMEMORY; WBEM_E_INVALID_PARAMETER when
 * [host] is empty, holds '[' or is not valid UTF-8, or the list is full.
 */
hresult dcom_dsa_add_tcp(void *mem,
                         struct dcom_dsa *dsa,
                         const char *host,
                         uint16_t port);

/* Appends a security binding (authn_svc != 0; princ may be NULL or ""). */
hresult dcom_dsa_add_security(void *mem,
                              struct dcom_dsa *dsa,
                              uint16_t authn_svc,
                              const char *princ);

/*
 * Builds in [out] (arrays owned by [mem]) the bindings of an object
 * exporter or resolver: one ncacn_ip_tcp string binding per host, in order
 * (port 0: none), then one security binding per entry of [authn_svcs]
 * with an empty principal name.  Put the address a client typed first:
 * impacket takes the first binding that contains it.  The usual choice for
 * NTLM is { DCOM_AUTHN_WINNT }.  Errors as dcom_dsa_add_tcp.
 */
hresult dcom_dsa_build_tcp(void *mem,
                           const char *const *hosts,
                           size_t n_hosts,
                           uint16_t port,
                           const uint16_t *authn_svcs,
                           size_t n_authn,
                           struct dcom_dsa *out);

/*
 * Fills [o] as an OBJREF_STANDARD for [iid] with [std] and the resolver
 * bindings [res] (copied shallowly: [o] borrows [res]'s arrays).
 */
void dcom_objref_standard(struct dcom_objref *o,
                          const struct rpc_uuid *iid,
                          const struct dcom_stdobjref *std,
                          const struct dcom_dsa *res);

/*
 * A marshaled Context (2.2.20), the pObjectData of an OBJREF_CUSTOM with
 * CLSID_ContextMarshaler, occupying [len] octets.  dwNumExtents and
 * cbExtents must be 0 (NDR_ERR_RANGE); Count is limited to
 * DCOM_MAX_CTX_PROPS (NDR_ERR_LIMIT); every cb must fit (NDR_ERR_BUFSIZE).
 */
enum ndr_err dcom_context_pull(struct ndr_pull *ndr,
                               size_t len,
                               struct dcom_context *r);
enum ndr_err dcom_context_push(struct ndr_push *ndr,
                               const struct dcom_context *r);

#endif
