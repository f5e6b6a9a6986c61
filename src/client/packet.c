/*
 * client/packet: the smart enumerator's ObjectArray.  See packet.h.
 */
#include "client/packet.h"

#include <string.h>
#include <talloc.h>

#include "base/rd.h"

#define LAYER "client"

static hresult bad(struct errinfo *ei,
                   const uint8_t *base,
                   const uint8_t *at,
                   const char *what)
{
	return err_set_pos(ei, HR_WBEM_E_INVALID_STREAM, LAYER, 0, 0,
	                   (size_t)(at - base), "smart enumerator packet: %s",
	                   what);
}

/* Reads a header that starts with its own size (at least [min]): [r]
   moves past the header, [*size] gets the u32 after the size. */
static bool header(struct rd *r, uint32_t min, uint32_t *size_of_data)
{
	const uint8_t *at = r->p;
	uint32_t hs = 0;

	if (!rd_u32le(r, &hs) || hs < min || hs - 4 > rd_left(r) ||
	    !rd_u32le(r, size_of_data)) {
		return false;
	}
	r->p = at + hs;
	return true;
}

static hresult parse_object(const uint8_t *base,
                            struct rd *r,
                            struct client_pkt_obj *o,
                            struct errinfo *ei)
{
	const uint8_t *at = r->p;
	uint32_t size = 0, inner = 0, hs = 0;
	struct rd d;

	if (rd_left(r) < 9 || !rd_u32le(r, &hs) || hs < 9 ||
	    hs - 4 > rd_left(r) || !rd_u32le(r, &size) || !rd_u8(r, &o->type)) {
		return bad(ei, base, at, "truncated object header");
	}
	r->p = at + hs;
	if (size > rd_left(r)) {
		return bad(ei, base, at, "object data past the packet");
	}
	rd_init(&d, r->p, size);
	r->p += size;
	at = d.p;
	switch (o->type) {
	case CLIENT_PKT_CLASS:
		if (!header(&d, 8, &inner)) {
			return bad(ei, base, at, "bad class object header");
		}
		break;
	case CLIENT_PKT_INSTANCE:
	case CLIENT_PKT_NOCLASS:
		if (rd_left(&d) < 0x18) {
			return bad(ei, base, at, "truncated instance header");
		}
		memcpy(o->guid, d.p + 8, 16);
		if (!header(&d, 0x18, &inner)) {
			return bad(ei, base, at, "bad instance object header");
		}
		break;
	default:
		return bad(ei, base, at, "unknown object type");
	}
	if (inner > rd_left(&d)) {
		return bad(ei, base, at, "object block past its object");
	}
	o->block = d.p;
	o->len = inner;
	return HR_OK;
}

hresult client_packet_parse(void *mem,
                            const uint8_t *p,
                            size_t n,
                            uint32_t max_objs,
                            struct client_pkt_obj **objs,
                            uint32_t *n_objs,
                            struct errinfo *ei)
{
	struct rd r;
	uint32_t order = 1, h1 = 0, skip, count = 0;
	struct client_pkt_obj *v;
	hresult hr = HR_OK;

	rd_init(&r, p, n);
	if (!rd_u32le(&r, &order) || order != 0 || rd_left(&r) < 8 ||
	    memcmp(r.p, "WBEMDATA", 8) != 0) {
		return bad(ei, p, p, "no WBEMDATA signature");
	}
	r.p += 8;
	if (!rd_u32le(&r, &h1) || h1 < 0x1A || h1 > n) {
		return bad(ei, p, p + 12, "bad first header size");
	}
	r.p = p + h1;
	if (!header(&r, 8, &skip)) {
		return bad(ei, p, r.p, "bad second header");
	}
	{
		const uint8_t *at = r.p;
		uint32_t hs = 0;

		if (!rd_u32le(&r, &hs) || hs < 12 || hs - 4 > rd_left(&r) ||
		    !rd_u32le(&r, &skip) || !rd_u32le(&r, &count)) {
			return bad(ei, p, at, "bad third header");
		}
		r.p = at + hs;
	}
	if (count > max_objs || count > rd_left(&r) / 9) {
		return bad(ei, p, r.p, "object count out of range");
	}
	v = talloc_zero_array(mem, struct client_pkt_obj, count ? count : 1);
	if (v == NULL) {
		return err_set(ei, HR_E_OUTOFMEMORY, LAYER, "out of memory");
	}
	for (uint32_t i = 0; i < count && hr_ok(hr); i++) {
		hr = parse_object(p, &r, &v[i], ei);
	}
	if (hr_failed(hr)) {
		talloc_free(v);
		return hr;
	}
	*objs = v;
	*n_objs = count;
	return HR_OK;
}
