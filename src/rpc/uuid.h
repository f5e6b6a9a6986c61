/*
 * uuid: DCE UUIDs and presentation syntax identifiers (rpc layer, leaf codec).
 *
 * Implements the UUID representation of C706 appendix A and the
 * p_syntax_id_t of C706 section 12.6.3.1 (also MS-RPCE 2.2.2.x
 * RPC_SYNTAX_IDENTIFIER).
 *
 * Wire form of a UUID (16 octets, "mixed endian" under NDR little-endian):
 *
 *   OFFSET SIZE FIELD
 *   0      4    time_low             little-endian u32
 *   4      2    time_mid             little-endian u16
 *   6      2    time_hi_and_version  little-endian u16
 *   8      2    clock_seq            octets as written in the text form
 *   10     6    node                 octets as written in the text form
 *
 * Wire form of a syntax id (20 octets): UUID, then a u32 whose low 16 bits
 * are the major version and high 16 bits the minor version.
 *
 * Invariants: every function here is pure; nothing allocates.
 */
#ifndef OWMI_RPC_UUID_H
#define OWMI_RPC_UUID_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#define RPC_UUID_WIRE_LEN   16
#define RPC_SYNTAX_WIRE_LEN 20
#define RPC_UUID_STR_LEN    36 /* without the NUL */

struct rpc_uuid {
	uint32_t time_low;
	uint16_t time_mid;
	uint16_t time_hi_and_version;
	uint8_t clock_seq[2];
	uint8_t node[6];
};

struct rpc_syntax_id {
	struct rpc_uuid uuid;
	uint16_t ver_major;
	uint16_t ver_minor;
};

/* NDR 2.0: 8a885d04-1ceb-11c9-9fe8-08002b104860 version 2.0. */
extern const struct rpc_syntax_id rpc_syntax_ndr20;
/* NDR64: 71710533-beba-4937-8319-b5dbef9ccc36 version 1.0 (never accepted). */
extern const struct rpc_syntax_id rpc_syntax_ndr64;
/* The all-zero syntax used in rejected and negotiate_ack results. */
extern const struct rpc_syntax_id rpc_syntax_null;

/* Decodes 16 wire octets at [p]. */
void rpc_uuid_from_wire(const uint8_t *p, struct rpc_uuid *out);

/* Encodes [u] into 16 octets at [p]. */
void rpc_uuid_to_wire(const struct rpc_uuid *u, uint8_t *p);

/* Decodes 20 wire octets at [p]. */
void rpc_syntax_from_wire(const uint8_t *p, struct rpc_syntax_id *out);

/* Encodes [s] into 20 octets at [p]. */
void rpc_syntax_to_wire(const struct rpc_syntax_id *s, uint8_t *p);

/*
 * Parses the 36-character text form ("e1af8308-5d1f-11c9-91a4-08002b14a0fa",
 * either case; no braces).  Returns false, leaving [out] untouched, on any
 * other input.
 */
bool rpc_uuid_parse(const char *s, struct rpc_uuid *out);

/* Writes the lower-case text form and a NUL into [out]. */
void rpc_uuid_format(const struct rpc_uuid *u, char out[RPC_UUID_STR_LEN + 1]);

bool rpc_uuid_equal(const struct rpc_uuid *a, const struct rpc_uuid *b);
bool rpc_uuid_is_nil(const struct rpc_uuid *u);

/* True when the UUIDs and both version numbers are equal. */
bool rpc_syntax_equal(const struct rpc_syntax_id *a,
                      const struct rpc_syntax_id *b);

#endif
