/*
 * util: raw little-endian primitives, windows and sub-cursors for the dcom
 * codecs, and the well-known GUIDs of MS-DCOM 1.9 (dcom layer, leaf codec).
 *
 * See dcom-int.h for the contracts.
 */
#include "dcom/dcom-int.h"

#include <string.h>
#include <talloc.h>

#include "dcom/types.h"

/* 000000xx-0000-0000-c000-000000000046: the COM base GUID family. */
#define COM_GUID(x)                         \
	{                                   \
		(x), 0, 0, { 0xc0, 0x00 },  \
		{                           \
			0, 0, 0, 0, 0, 0x46 \
		}                           \
	}

const struct rpc_uuid dcom_iid_iunknown = COM_GUID(0x00000000);
const struct rpc_uuid dcom_iid_iremunknown = COM_GUID(0x00000131);
const struct rpc_uuid dcom_iid_iremunknown2 = COM_GUID(0x00000143);
const struct rpc_uuid dcom_iid_iremotescmactivator = COM_GUID(0x000001a0);
const struct rpc_uuid dcom_iid_iactivationpropertiesin = COM_GUID(0x000001a2);
const struct rpc_uuid dcom_iid_iactivationpropertiesout = COM_GUID(0x000001a3);
const struct rpc_uuid dcom_iid_icontext = COM_GUID(0x000001c0);
const struct rpc_uuid dcom_clsid_activationpropertiesin = COM_GUID(0x00000338);
const struct rpc_uuid dcom_clsid_activationpropertiesout = COM_GUID(0x00000339);
const struct rpc_uuid dcom_clsid_context_marshaler = COM_GUID(0x0000033b);
const struct rpc_uuid dcom_clsid_error_object = COM_GUID(0x0000031b);
const struct rpc_uuid dcom_clsid_context_extension = COM_GUID(0x00000334);
const struct rpc_uuid dcom_clsid_error_extension = COM_GUID(0x0000031c);
const struct rpc_uuid dcom_clsid_instantiation_info = COM_GUID(0x000001ab);
const struct rpc_uuid dcom_clsid_activation_context_info = COM_GUID(0x000001a5);
const struct rpc_uuid dcom_clsid_server_location_info = COM_GUID(0x000001a4);
const struct rpc_uuid dcom_clsid_scm_request_info = COM_GUID(0x000001aa);
const struct rpc_uuid dcom_clsid_security_info = COM_GUID(0x000001a6);
const struct rpc_uuid dcom_clsid_instance_info = COM_GUID(0x000001ad);
const struct rpc_uuid dcom_clsid_special_system_properties = COM_GUID(
        0x000001b9);
const struct rpc_uuid dcom_clsid_props_out_info = COM_GUID(0x00000339);
const struct rpc_uuid dcom_clsid_scm_reply_info = COM_GUID(0x000001b6);

/* 99fcfec4-5260-101b-bbcb-00aa0021347a */
const struct rpc_uuid dcom_iid_iobjectexporter = { 0x99fcfec4,
	                                           0x5260,
	                                           0x101b,
	                                           { 0xbb, 0xcb },
	                                           { 0x00, 0xaa, 0x00, 0x21,
	                                             0x34, 0x7a } };

/* 4d9f4ab8-7d1c-11cf-861e-0020af6e7c57 */
const struct rpc_uuid dcom_iid_iactivation = { 0x4d9f4ab8,
	                                       0x7d1c,
	                                       0x11cf,
	                                       { 0x86, 0x1e },
	                                       { 0x00, 0x20, 0xaf, 0x6e, 0x7c,
	                                         0x57 } };

static enum ndr_err raw_pull(struct ndr_pull *ndr, size_t n, uint64_t *v)
{
	uint8_t b[8];

	*v = 0;
	if (ndr_pull_bytes(ndr, b, n) != NDR_ERR_SUCCESS) {
		return ndr->err;
	}
	for (size_t i = n; i > 0; i--) {
		*v = (*v << 8) | b[i - 1];
	}
	return NDR_ERR_SUCCESS;
}

enum ndr_err dcom_raw_pull_u16(struct ndr_pull *ndr, uint16_t *v)
{
	uint64_t x;
	enum ndr_err err = raw_pull(ndr, 2, &x);

	*v = (uint16_t)x;
	return err;
}

enum ndr_err dcom_raw_pull_u32(struct ndr_pull *ndr, uint32_t *v)
{
	uint64_t x;
	enum ndr_err err = raw_pull(ndr, 4, &x);

	*v = (uint32_t)x;
	return err;
}

enum ndr_err dcom_raw_pull_u64(struct ndr_pull *ndr, uint64_t *v)
{
	return raw_pull(ndr, 8, v);
}

enum ndr_err dcom_raw_pull_uuid(struct ndr_pull *ndr, struct rpc_uuid *v)
{
	uint8_t b[RPC_UUID_WIRE_LEN];

	memset(v, 0, sizeof(*v));
	if (ndr_pull_bytes(ndr, b, sizeof(b)) != NDR_ERR_SUCCESS) {
		return ndr->err;
	}
	rpc_uuid_from_wire(b, v);
	return NDR_ERR_SUCCESS;
}

static enum ndr_err raw_push(struct ndr_push *ndr, size_t n, uint64_t v)
{
	uint8_t b[8];

	for (size_t i = 0; i < n; i++) {
		b[i] = (uint8_t)(v >> (8 * i));
	}
	return ndr_push_bytes(ndr, b, n);
}

enum ndr_err dcom_raw_push_u16(struct ndr_push *ndr, uint16_t v)
{
	return raw_push(ndr, 2, v);
}

enum ndr_err dcom_raw_push_u32(struct ndr_push *ndr, uint32_t v)
{
	return raw_push(ndr, 4, v);
}

enum ndr_err dcom_raw_push_u64(struct ndr_push *ndr, uint64_t v)
{
	return raw_push(ndr, 8, v);
}

enum ndr_err dcom_raw_push_uuid(struct ndr_push *ndr, const struct rpc_uuid *v)
{
	uint8_t b[RPC_UUID_WIRE_LEN];

	rpc_uuid_to_wire(v, b);
	return ndr_push_bytes(ndr, b, sizeof(b));
}

enum ndr_err dcom_fail(struct ndr_pull *ndr, enum ndr_err err, const char *what)
{
	return ndr_pull_error(ndr, err, what);
}

enum ndr_err dcom_push_fail(struct ndr_push *ndr,
                            enum ndr_err err,
                            const char *what)
{
	return ndr_push_error(ndr, err, what);
}

enum ndr_err dcom_window_open(struct ndr_pull *ndr, size_t n, size_t *saved)
{
	*saved = ndr->len;
	if (ndr->err != NDR_ERR_SUCCESS) {
		return ndr->err;
	}
	if (n > ndr->len - ndr->pos) {
		return dcom_fail(ndr, NDR_ERR_BUFSIZE,
		                 "container past the end");
	}
	ndr->len = ndr->pos + n;
	return NDR_ERR_SUCCESS;
}

void dcom_window_close(struct ndr_pull *ndr, size_t saved)
{
	ndr->len = saved;
}

enum ndr_err dcom_sub_open(struct ndr_pull *outer,
                           size_t n,
                           struct ndr_pull *sub,
                           size_t *base)
{
	const uint8_t *p = NULL;

	memset(sub, 0, sizeof(*sub));
	*base = outer->pos;
	if (ndr_pull_bytes_ref(outer, n, &p) != NDR_ERR_SUCCESS) {
		sub->err = outer->err;
		return outer->err;
	}
	if (ndr_pull_init(sub, outer->mem, p, n, outer->flags, &outer->lim) !=
	    NDR_ERR_SUCCESS) {
		outer->pos = *base;
		return ndr_pull_error(outer, NDR_ERR_ALLOC, "sub-cursor");
	}
	sub->depth = outer->depth;
	return NDR_ERR_SUCCESS;
}

enum ndr_err dcom_sub_close(struct ndr_pull *outer,
                            struct ndr_pull *sub,
                            size_t base)
{
	if (sub->err != NDR_ERR_SUCCESS && outer->err == NDR_ERR_SUCCESS) {
		outer->err = sub->err;
		outer->err_pos = base + sub->err_pos;
		outer->err_what = sub->err_what;
	}
	ndr_pull_release(sub);
	return outer->err;
}

enum ndr_err dcom_sub_push_open(struct ndr_push *outer, struct ndr_push *sub)
{
	memset(sub, 0, sizeof(*sub));
	if (outer->err != NDR_ERR_SUCCESS) {
		sub->err = outer->err;
		return outer->err;
	}
	if (ndr_push_init(sub, outer->mem, outer->flags, &outer->lim) !=
	    NDR_ERR_SUCCESS) {
		sub->err = NDR_ERR_ALLOC;
		return ndr_push_error(outer, NDR_ERR_ALLOC, "sub-cursor");
	}
	sub->depth = outer->depth;
	return NDR_ERR_SUCCESS;
}

enum ndr_err dcom_sub_push_close(struct ndr_push *outer, struct ndr_push *sub)
{
	const uint8_t *p;
	size_t n;

	if (sub->err != NDR_ERR_SUCCESS) {
		if (outer->err == NDR_ERR_SUCCESS) {
			outer->err = sub->err;
			outer->err_pos = outer->len;
			outer->err_what = sub->err_what;
		}
	} else if (ndr_push_blob(sub, &p, &n) == NDR_ERR_SUCCESS) {
		ndr_push_bytes(outer, p, n);
	}
	ndr_push_release(sub);
	return outer->err;
}

enum ndr_err dcom_hr_to_ndr(hresult hr)
{
	if (hr_eq(hr, HR_E_OUTOFMEMORY)) {
		return NDR_ERR_ALLOC;
	}
	return hr_failed(hr) ? NDR_ERR_STRING : NDR_ERR_SUCCESS;
}
