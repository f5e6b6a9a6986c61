/*
 * epm_tower: protocol towers of the endpoint mapper (rpc layer, leaf codec;
 * C706 appendix L, MS-RPCE 2.2.1.2.x).
 *
 * A tower is the octet string of a twr_t (the NDR part, max_count and
 * tower_length, is the caller's).  Its layout, all lengths little-endian:
 *
 *   floor_count u16
 *   per floor:  lhs_length u16, lhs octets (protocol id first),
 *               rhs_length u16, rhs octets
 *
 * The ncacn_ip_tcp tower has five floors:
 *
 *   floor  protocol id        rest of LHS                   RHS
 *   1      0x0d (UUID)        interface UUID, major u16 LE  minor u16 LE
 *   2      0x0d (UUID)        transfer syntax, major u16    minor u16 LE
 *   3      0x0b (RPC CO)      -                             minor u16 LE (0)
 *   4      0x07 (TCP port)    -                             port u16 BIG-endian
 *   5      0x09 (IPv4)        -                             4 octets, network
 * order
 *
 * Invariants: a parsed tower borrows the input octets; only the floor
 * array is allocated (a talloc child of the context given).
 */
#ifndef OWMI_RPC_EPM_TOWER_H
#define OWMI_RPC_EPM_TOWER_H

#include <stddef.h>
#include <stdint.h>

#include "rpc/ndr.h"
#include "rpc/uuid.h"

#define EPM_MAX_FLOORS 16

enum epm_protocol {
	EPM_PROTOCOL_TCP = 0x07,
	EPM_PROTOCOL_UDP = 0x08,
	EPM_PROTOCOL_IP = 0x09,
	EPM_PROTOCOL_NCADG = 0x0a, /* connectionless RPC */
	EPM_PROTOCOL_NCACN = 0x0b, /* connection-oriented RPC */
	EPM_PROTOCOL_NCALRPC = 0x0c,
	EPM_PROTOCOL_UUID = 0x0d,
	EPM_PROTOCOL_NAMED_PIPE = 0x0f,
	EPM_PROTOCOL_NETBIOS = 0x11,
};

struct epm_floor {
	uint8_t protocol;   /* the first LHS octet */
	const uint8_t *lhs; /* the LHS octets after the protocol id */
	uint16_t lhs_len;   /* their count (lhs_length - 1) */
	const uint8_t *rhs;
	uint16_t rhs_len;
};

struct epm_tower {
	uint16_t n_floors;
	struct epm_floor *floors;
};

/* What an ncacn_ip_tcp tower says. */
struct epm_tcp_binding {
	struct rpc_syntax_id iface;
	struct rpc_syntax_id transfer;
	uint16_t port; /* host order */
	uint8_t ip[4]; /* network order */
};

/*
 * Parses the tower octets [p, p+len) (borrowed).  Errors: NDR_ERR_BUFSIZE
 * (a floor passes the end), NDR_ERR_LIMIT (more than EPM_MAX_FLOORS
 * floors), NDR_ERR_RANGE (an empty LHS), NDR_ERR_UNREAD_BYTES (octets after
 * the last floor), NDR_ERR_ALLOC.
 */
enum ndr_err epm_tower_parse(void *mem,
                             const uint8_t *p,
                             size_t len,
                             struct epm_tower *out);

/*
 * Reads an ncacn_ip_tcp tower: five floors of the shapes drawn above.
 * NDR_ERR_RANGE when the tower is anything else.
 */
enum ndr_err epm_tower_to_tcp(const struct epm_tower *t,
                              struct epm_tcp_binding *out);

/*
 * Builds the 75-octet ncacn_ip_tcp tower for [b].  Returns owned (talloc
 * child of [mem]) the octets and their count.  NDR_ERR_ALLOC on failure.
 */
enum ndr_err epm_tower_build_tcp(void *mem,
                                 const struct epm_tcp_binding *b,
                                 uint8_t **out,
                                 size_t *out_len);

#endif
