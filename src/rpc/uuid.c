/*
 * uuid: DCE UUID and syntax id codecs (rpc layer).  See uuid.h for the wire
 * layout (C706 appendix A, section 12.6.3.1).
 */
#include "rpc/uuid.h"

#include <stdio.h>
#include <string.h>

const struct rpc_syntax_id rpc_syntax_ndr20 = {
	.uuid = { 0x8a885d04,
	          0x1ceb,
	          0x11c9,
	          { 0x9f, 0xe8 },
	          { 0x08, 0x00, 0x2b, 0x10, 0x48, 0x60 } },
	.ver_major = 2,
	.ver_minor = 0,
};

const struct rpc_syntax_id rpc_syntax_ndr64 = {
	.uuid = { 0x71710533,
	          0xbeba,
	          0x4937,
	          { 0x83, 0x19 },
	          { 0xb5, 0xdb, 0xef, 0x9c, 0xcc, 0x36 } },
	.ver_major = 1,
	.ver_minor = 0,
};

const struct rpc_syntax_id rpc_syntax_null;

void rpc_uuid_from_wire(const uint8_t *p, struct rpc_uuid *out)
{
	out->time_low = (uint32_t)p[0] | ((uint32_t)p[1] << 8) |
	                ((uint32_t)p[2] << 16) | ((uint32_t)p[3] << 24);
	out->time_mid = (uint16_t)(p[4] | (p[5] << 8));
	out->time_hi_and_version = (uint16_t)(p[6] | (p[7] << 8));
	memcpy(out->clock_seq, p + 8, 2);
	memcpy(out->node, p + 10, 6);
}

void rpc_uuid_to_wire(const struct rpc_uuid *u, uint8_t *p)
{
	p[0] = (uint8_t)u->time_low;
	p[1] = (uint8_t)(u->time_low >> 8);
	p[2] = (uint8_t)(u->time_low >> 16);
	p[3] = (uint8_t)(u->time_low >> 24);
	p[4] = (uint8_t)u->time_mid;
	p[5] = (uint8_t)(u->time_mid >> 8);
	p[6] = (uint8_t)u->time_hi_and_version;
	p[7] = (uint8_t)(u->time_hi_and_version >> 8);
	memcpy(p + 8, u->clock_seq, 2);
	memcpy(p + 10, u->node, 6);
}

void rpc_syntax_from_wire(const uint8_t *p, struct rpc_syntax_id *out)
{
	rpc_uuid_from_wire(p, &out->uuid);
	out->ver_major = (uint16_t)(p[16] | (p[17] << 8));
	out->ver_minor = (uint16_t)(p[18] | (p[19] << 8));
}

void rpc_syntax_to_wire(const struct rpc_syntax_id *s, uint8_t *p)
{
	rpc_uuid_to_wire(&s->uuid, p);
	p[16] = (uint8_t)s->ver_major;
	p[17] = (uint8_t)(s->ver_major >> 8);
	p[18] = (uint8_t)s->ver_minor;
	p[19] = (uint8_t)(s->ver_minor >> 8);
}

static int hexval(char c)
{
	if (c >= '0' && c <= '9') {
		return c - '0';
	}
	if (c >= 'a' && c <= 'f') {
		return c - 'a' + 10;
	}
	if (c >= 'A' && c <= 'F') {
		return c - 'A' + 10;
	}
	return -1;
}

bool rpc_uuid_parse(const char *s, struct rpc_uuid *out)
{
	uint8_t b[16];
	size_t k = 0;

	if (s == NULL || strlen(s) != RPC_UUID_STR_LEN) {
		return false;
	}
	for (size_t i = 0; i < RPC_UUID_STR_LEN;) {
		int hi;
		int lo;

		if (i == 8 || i == 13 || i == 18 || i == 23) {
			if (s[i] != '-') {
				return false;
			}
			i++;
			continue;
		}
		hi = hexval(s[i]);
		lo = hexval(s[i + 1]);
		if (hi < 0 || lo < 0) {
			return false;
		}
		b[k++] = (uint8_t)(hi << 4 | lo);
		i += 2;
	}
	out->time_low = ((uint32_t)b[0] << 24) | ((uint32_t)b[1] << 16) |
	                ((uint32_t)b[2] << 8) | b[3];
	out->time_mid = (uint16_t)(b[4] << 8 | b[5]);
	out->time_hi_and_version = (uint16_t)(b[6] << 8 | b[7]);
	memcpy(out->clock_seq, b + 8, 2);
	memcpy(out->node, b + 10, 6);
	return true;
}

void rpc_uuid_format(const struct rpc_uuid *u, char out[RPC_UUID_STR_LEN + 1])
{
	snprintf(out, RPC_UUID_STR_LEN + 1,
	         "%08x-%04x-%04x-%02x%02x-%02x%02x%02x%02x%02x%02x",
	         u->time_low, u->time_mid, u->time_hi_and_version,
	         u->clock_seq[0], u->clock_seq[1], u->node[0], u->node[1],
	         u->node[2], u->node[3], u->node[4], u->node[5]);
}

bool rpc_uuid_equal(const struct rpc_uuid *a, const struct rpc_uuid *b)
{
	return a->time_low == b->time_low && a->time_mid == b->time_mid &&
	       a->time_hi_and_version == b->time_hi_and_version &&
	       memcmp(a->clock_seq, b->clock_seq, 2) == 0 &&
	       memcmp(a->node, b->node, 6) == 0;
}

bool rpc_uuid_is_nil(const struct rpc_uuid *u)
{
	static const struct rpc_uuid nil;

	return rpc_uuid_equal(u, &nil);
}

bool rpc_syntax_equal(const struct rpc_syntax_id *a,
                      const struct rpc_syntax_id *b)
{
	return rpc_uuid_equal(&a->uuid, &b->uuid) &&
	       a->ver_major == b->ver_major && a->ver_minor == b->ver_minor;
}
