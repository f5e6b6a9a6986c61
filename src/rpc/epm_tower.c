/*
 * epm_tower: endpoint mapper protocol towers (rpc layer, leaf codec).  See
 * epm_tower.h for the layout (C706 appendix L).
 */
#include "rpc/epm_tower.h"

#include <string.h>
#include <talloc.h>

#include "base/rd.h"

#define TCP_TOWER_LEN 75

enum ndr_err epm_tower_parse(void *mem,
                             const uint8_t *p,
                             size_t len,
                             struct epm_tower *out)
{
	struct rd r;

	memset(out, 0, sizeof(*out));
	rd_init(&r, p, len);
	if (!rd_u16le(&r, &out->n_floors)) {
		return NDR_ERR_BUFSIZE;
	}
	if (out->n_floors > EPM_MAX_FLOORS) {
		return NDR_ERR_LIMIT;
	}
	/* A floor takes at least 5 octets (two lengths and a protocol id). */
	if (out->n_floors > rd_left(&r) / 5) {
		return NDR_ERR_BUFSIZE;
	}
	out->floors = talloc_zero_array(mem, struct epm_floor,
	                                out->n_floors == 0 ? 1 : out->n_floors);
	if (out->floors == NULL) {
		return NDR_ERR_ALLOC;
	}
	for (unsigned i = 0; i < out->n_floors; i++) {
		struct epm_floor *f = &out->floors[i];
		uint16_t lhs_len;

		if (!rd_u16le(&r, &lhs_len) || lhs_len > rd_left(&r)) {
			return NDR_ERR_BUFSIZE;
		}
		if (lhs_len == 0) {
			return NDR_ERR_RANGE;
		}
		rd_u8(&r, &f->protocol);
		f->lhs = r.p;
		f->lhs_len = (uint16_t)(lhs_len - 1);
		rd_skip(&r, f->lhs_len);
		if (!rd_u16le(&r, &f->rhs_len) || f->rhs_len > rd_left(&r)) {
			return NDR_ERR_BUFSIZE;
		}
		f->rhs = r.p;
		rd_skip(&r, f->rhs_len);
	}
	return rd_left(&r) == 0 ? NDR_ERR_SUCCESS : NDR_ERR_UNREAD_BYTES;
}

static bool floor_is(const struct epm_floor *f,
                     uint8_t protocol,
                     uint16_t lhs_len,
                     uint16_t rhs_len)
{
	return f->protocol == protocol && f->lhs_len == lhs_len &&
	       f->rhs_len == rhs_len;
}

static void syntax_floor(const struct epm_floor *f, struct rpc_syntax_id *s)
{
	rpc_uuid_from_wire(f->lhs, &s->uuid);
	s->ver_major = (uint16_t)(f->lhs[16] | (f->lhs[17] << 8));
	s->ver_minor = (uint16_t)(f->rhs[0] | (f->rhs[1] << 8));
}

enum ndr_err epm_tower_to_tcp(const struct epm_tower *t,
                              struct epm_tcp_binding *out)
{
	const struct epm_floor *f = t->floors;

	if (t->n_floors != 5 || !floor_is(&f[0], EPM_PROTOCOL_UUID, 18, 2) ||
	    !floor_is(&f[1], EPM_PROTOCOL_UUID, 18, 2) ||
	    !floor_is(&f[2], EPM_PROTOCOL_NCACN, 0, 2) ||
	    !floor_is(&f[3], EPM_PROTOCOL_TCP, 0, 2) ||
	    !floor_is(&f[4], EPM_PROTOCOL_IP, 0, 4)) {
		return NDR_ERR_RANGE;
	}
	syntax_floor(&f[0], &out->iface);
	syntax_floor(&f[1], &out->transfer);
	out->port = (uint16_t)(f[3].rhs[0] << 8 | f[3].rhs[1]);
	memcpy(out->ip, f[4].rhs, 4);
	return NDR_ERR_SUCCESS;
}

static uint8_t *put_u16le(uint8_t *p, uint16_t v)
{
	p[0] = (uint8_t)v;
	p[1] = (uint8_t)(v >> 8);
	return p + 2;
}

static uint8_t *put_syntax_floor(uint8_t *p, const struct rpc_syntax_id *s)
{
	p = put_u16le(p, 19);
	*p++ = EPM_PROTOCOL_UUID;
	rpc_uuid_to_wire(&s->uuid, p);
	p = put_u16le(p + 16, s->ver_major);
	p = put_u16le(p, 2);
	return put_u16le(p, s->ver_minor);
}

enum ndr_err epm_tower_build_tcp(void *mem,
                                 const struct epm_tcp_binding *b,
                                 uint8_t **out,
                                 size_t *out_len)
{
	uint8_t *t = talloc_array(mem, uint8_t, TCP_TOWER_LEN);
	uint8_t *p = t;

	if (t == NULL) {
		return NDR_ERR_ALLOC;
	}
	p = put_u16le(p, 5);
	p = put_syntax_floor(p, &b->iface);
	p = put_syntax_floor(p, &b->transfer);
	p = put_u16le(p, 1);
	*p++ = EPM_PROTOCOL_NCACN;
	p = put_u16le(p, 2);
	p = put_u16le(p, 0);
	p = put_u16le(p, 1);
	*p++ = EPM_PROTOCOL_TCP;
	p = put_u16le(p, 2);
	*p++ = (uint8_t)(b->port >> 8);
	*p++ = (uint8_t)b->port;
	p = put_u16le(p, 1);
	*p++ = EPM_PROTOCOL_IP;
	p = put_u16le(p, 4);
	memcpy(p, b->ip, 4);
	p += 4;
	if (p != t + TCP_TOWER_LEN) {
		talloc_free(t);
		return NDR_ERR_INVALID;
	}
	*out = t;
	*out_len = TCP_TOWER_LEN;
	return NDR_ERR_SUCCESS;
}
