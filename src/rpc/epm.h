/*
 * epm: the endpoint mapper, interface ept v3.0 (rpc layer; C706 appendix
 * O "Endpoint Mapper Interface Definition", MS-RPCE 2.2.1.2 and 3.3.3.1;
 * interop notes 4.1).
 *
 * Three parts:
 * - stub codecs for the operations we serve, both directions (the server
 *   pulls requests and pushes responses; tests and the fuzz target also
 *   push requests and pull responses, and round-trip both);
 * - a registry of endpoints, (interface, object, annotation, tower),
 *   filled by the daemon for every interface on every listener;
 * - the operation handlers and the struct rpc_iface that serves them
 *   (e1af8308-5d1f-11c9-91a4-08002b14a0fa v3.0, anonymous callers
 *   allowed, run on the loop thread).
 *
 * Operations served:
 *
 *   opnum 2 ept_lookup(inquiry_type, [ptr] object, [ptr] interface_id,
 *           vers_option, [in,out] entry_handle, max_ents,
 *           [out] num_ents, [out, size_is(max_ents), length_is(num_ents)]
 *           ept_entry_t entries[], [out] status)
 *   opnum 3 ept_map([ptr] object, [ptr] twr_t map_tower,
 *           [in,out] entry_handle, max_towers, [out] num_towers,
 *           [out, size_is(max_towers), length_is(num_towers)] twr_p_t
 *           towers[], [out] status)
 *   opnum 4 ept_lookup_handle_free([in,out] entry_handle, [out] status)
 *   opnum 5 ept_inq_object([out] uuid, [out] status)
 *
 * Opnums 0, 1 and 6 (ept_insert, ept_delete, ept_mgmt_delete) are not
 * served: the runtime answers nca_s_op_rng_error, as Windows refuses
 * remote registration.
 *
 * Wire forms (NDR 2.0, little-endian; interop notes 4.1 and capture b02):
 *
 *   ept_lookup_handle_t   attributes u32, uuid (16)  (a context handle)
 *   rpc_if_id_t           uuid (16), vers_major u16, vers_minor u16
 *   twr_t                 max_count u32 (conformance), tower_length u32,
 *                         tower_length octets
 *   ept_entry_t           object uuid, twr_t [ptr] tower (referent id),
 *                         annotation: [string] char[64], a varying array
 *                         (offset u32 = 0, actual_count u32 including the
 *                         NUL, the octets); the towers follow the array
 *
 * Entry handles are stateless: a continuation handle encodes the index of
 * the next entry, the registry generation and a per-registry secret, so a
 * lookup costs the server no memory between calls and a forged or stale
 * handle is refused with nca_s_fault_context_mismatch.  The last (or
 * only) page always ends with a null handle and status 0, which impacket
 * needs (interop notes 4.1); a lookup that matches nothing at all answers
 * EPT_S_NOT_REGISTERED (0x16c9a0d6) as C706 says.
 *
 * Invariants: codecs are leaf code (ndr.h only), every pulled value is
 * under the context given, and pulls are strict (no trailing octets).
 * The registry is not thread-safe: fill and read it on the loop thread
 * (the interface runs inline there).
 */
#ifndef OWMI_RPC_EPM_H
#define OWMI_RPC_EPM_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "base/buf.h"
#include "base/errinfo.h"
#include "base/hresult.h"
#include "rpc/ndr.h"
#include "rpc/uuid.h"

struct rpc_server;

/* e1af8308-5d1f-11c9-91a4-08002b14a0fa v3.0 */
extern const struct rpc_syntax_id epm_syntax;

enum epm_opnum {
	EPM_OPNUM_EPT_INSERT = 0,
	EPM_OPNUM_EPT_DELETE = 1,
	EPM_OPNUM_EPT_LOOKUP = 2,
	EPM_OPNUM_EPT_MAP = 3,
	EPM_OPNUM_EPT_LOOKUP_HANDLE_FREE = 4,
	EPM_OPNUM_EPT_INQ_OBJECT = 5,
	EPM_OPNUM_EPT_MGMT_DELETE = 6,
};

/* C706 appendix O inquiry types and version options. */
enum epm_inquiry {
	EPM_C_EP_ALL_ELTS = 0,
	EPM_C_EP_MATCH_BY_IF = 1,
	EPM_C_EP_MATCH_BY_OBJ = 2,
	EPM_C_EP_MATCH_BY_BOTH = 3,
};

enum epm_vers_option {
	EPM_C_VERS_ALL = 1,
	EPM_C_VERS_COMPATIBLE = 2,
	EPM_C_VERS_EXACT = 3,
	EPM_C_VERS_MAJOR_ONLY = 4,
	EPM_C_VERS_UPTO = 5,
};

#define EPM_ANNOTATION_MAX        64  /* octets including the NUL */
#define EPM_MAX_ENTS_PAGE         500 /* entries or towers per answer, at most */
#define EPM_STATUS_NOT_REGISTERED 0x16c9a0d6u

struct epm_handle {
	uint32_t attributes;
	struct rpc_uuid uuid;
};

struct epm_lookup_in {
	uint32_t inquiry_type;
	bool has_object;
	struct rpc_uuid object;
	bool has_ifid;
	struct rpc_syntax_id ifid;
	uint32_t vers_option;
	struct epm_handle handle;
	uint32_t max_ents;
};

struct epm_entry {
	struct rpc_uuid object;
	const uint8_t *tower; /* NULL: a null tower pointer */
	uint32_t tower_len;
	const char *annotation; /* without the NUL; at most 63 octets */
};

struct epm_lookup_out {
	struct epm_handle handle;
	uint32_t max_ents; /* the array's conformance (the request's) */
	uint32_t num_ents;
	struct epm_entry *entries;
	uint32_t status;
};

struct epm_map_in {
	bool has_object;
	struct rpc_uuid object;
	const uint8_t *tower; /* NULL: a null map_tower pointer */
	uint32_t tower_len;
	struct epm_handle handle;
	uint32_t max_towers;
};

struct epm_map_out {
	struct epm_handle handle;
	uint32_t max_towers; /* the array's conformance */
	uint32_t num_towers;
	const uint8_t **towers; /* NULL elements: null pointers */
	uint32_t *tower_lens;
	uint32_t status;
};

/*
 * Stub codecs.  pull: decodes [data, data+len) (borrowed; pulled octet
 * strings may point into it) into [out], allocating under [mem]; strict
 * about trailing octets; NDR errors as ndr.h, NDR_ERR_STRING for an
 * annotation that is not a NUL-terminated string.  push: appends the stub
 * to [out] (a buf); NDR_ERR_ALLOC when it cannot grow, NDR_ERR_INVALID for
 * values that have no encoding (num > max, an annotation of 64 octets or
 * more).
 */
enum ndr_err epm_lookup_in_pull(void *mem,
                                const uint8_t *data,
                                size_t len,
                                struct epm_lookup_in *out);
enum ndr_err epm_lookup_in_push(const struct epm_lookup_in *in,
                                struct buf *out);
enum ndr_err epm_lookup_out_pull(void *mem,
                                 const uint8_t *data,
                                 size_t len,
                                 struct epm_lookup_out *out);
enum ndr_err epm_lookup_out_push(const struct epm_lookup_out *o,
                                 struct buf *out);
enum ndr_err epm_map_in_pull(void *mem,
                             const uint8_t *data,
                             size_t len,
                             struct epm_map_in *out);
enum ndr_err epm_map_in_push(const struct epm_map_in *in, struct buf *out);
enum ndr_err epm_map_out_pull(void *mem,
                              const uint8_t *data,
                              size_t len,
                              struct epm_map_out *out);
enum ndr_err epm_map_out_push(const struct epm_map_out *o, struct buf *out);

/* ---- registry ---- */

struct epm_registry;

/* Returns owned (talloc child of [mem]) an empty registry, or NULL. */
struct epm_registry *epm_registry_new(void *mem);

/*
 * Registers [iface] reachable over ncacn_ip_tcp at IPv4 [ip] (network
 * order; 0.0.0.0: the address the client reached us on) port [port].
 * [object] may be NULL (the nil UUID).  [annotation] (copied; NULL: "")
 * is cut to 63 octets.  A second identical registration is ignored.
 * Errors: E_OUTOFMEMORY.
 */
hresult epm_registry_add_tcp(struct epm_registry *reg,
                             const struct rpc_syntax_id *iface,
                             const struct rpc_uuid *object,
                             const char *annotation,
                             const uint8_t ip[4],
                             uint16_t port);

/*
 * Registers [iface] reachable over ncalrpc at endpoint [endpoint] (the
 * socket path; copied).  Errors: E_INVALIDARG (empty or longer than 255
 * octets), E_OUTOFMEMORY.
 */
hresult epm_registry_add_ncalrpc(struct epm_registry *reg,
                                 const struct rpc_syntax_id *iface,
                                 const struct rpc_uuid *object,
                                 const char *annotation,
                                 const char *endpoint);

/* Returns the number of registered entries. */
size_t epm_registry_count(const struct epm_registry *reg);

/*
 * Builds the four-floor ncalrpc tower (interface, NDR 2.0, 0x0c
 * ncalrpc, 0x10 endpoint name with its NUL).  Returns owned octets under
 * [mem] in [*out], [*out_len].  NDR_ERR_ALLOC, NDR_ERR_INVALID (a name
 * longer than 255 octets).
 */
enum ndr_err epm_tower_build_ncalrpc(void *mem,
                                     const struct rpc_syntax_id *iface,
                                     const char *endpoint,
                                     uint8_t **out,
                                     size_t *out_len);

/*
 * The operations, transport-free: decode the request stub [in, in+len),
 * answer from [reg], append the response stub to [out].  [local_ip] (may
 * be NULL) is the IPv4 address the client reached us on, put into towers
 * registered with 0.0.0.0.  Return 0, or a fault status
 * (RPC_FAULT_RPC_X_BAD_STUB_DATA for a malformed stub,
 * RPC_FAULT_NCA_S_FAULT_CONTEXT_MISMATCH for a handle we never gave,
 * RPC_FAULT_NCA_S_FAULT_REMOTE_NO_MEMORY).  [mem] holds temporaries.
 */
uint32_t epm_do_lookup(struct epm_registry *reg,
                       void *mem,
                       const uint8_t *in,
                       size_t len,
                       const uint8_t *local_ip,
                       struct buf *out);
uint32_t epm_do_map(struct epm_registry *reg,
                    void *mem,
                    const uint8_t *in,
                    size_t len,
                    const uint8_t *local_ip,
                    struct buf *out);
uint32_t epm_do_lookup_handle_free(struct epm_registry *reg,
                                   void *mem,
                                   const uint8_t *in,
                                   size_t len,
                                   struct buf *out);
uint32_t epm_do_inq_object(struct epm_registry *reg,
                           void *mem,
                           const uint8_t *in,
                           size_t len,
                           struct buf *out);

/*
 * Serves the endpoint mapper from [reg] (borrowed: must outlive [srv])
 * on [srv].  Errors as rpc_server_register_iface.  Loop thread.
 */
hresult epm_register(struct rpc_server *srv, struct epm_registry *reg);

#endif
