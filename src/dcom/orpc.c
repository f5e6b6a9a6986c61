/*
 * orpc: ORPCTHIS / ORPCTHAT with their extents, and MInterfacePointer
 * (dcom layer, leaf codec).  MS-DCOM 2.2.13 and 2.2.14; layouts in orpc.h.
 *
 * The extent array is a unique pointer to a conformant array of unique
 * pointers: all referent ids first, then each non-NULL ORPC_EXTENT in
 * order (C706 14.3.12.3 deferral).
 */
#include "dcom/orpc.h"

#include <string.h>
#include <talloc.h>

#include "dcom/dcom-int.h"
#include "dcom/objref.h"

static enum ndr_err pull_extent(struct ndr_pull *ndr,
                                struct dcom_orpc_extent *e)
{
	uint32_t max = 0;
	uint64_t padded;
	void *p = NULL;
	const uint8_t *pad;

	ndr_pull_array_size(ndr, &max);
	ndr_pull_uuid(ndr, &e->id);
	ndr_pull_u32(ndr, &e->size);
	if (ndr->err != NDR_ERR_SUCCESS) {
		return ndr->err;
	}
	padded = ((uint64_t)e->size + 7) & ~(uint64_t)7;
	if (padded != max) {
		return ndr_pull_error(ndr, NDR_ERR_ARRAY_SIZE,
		                      "ORPC_EXTENT conformance is not "
		                      "(size+7)&~7");
	}
	if (ndr_pull_array_alloc(ndr, max, 1, 1, &p) != NDR_ERR_SUCCESS) {
		return ndr->err;
	}
	e->data = p;
	ndr_pull_bytes(ndr, e->data, e->size);
	return ndr_pull_bytes_ref(ndr, max - e->size, &pad);
}

/* The pointee of an ORPC_EXTENT_ARRAY pointer. */
static enum ndr_err pull_extent_array(struct ndr_pull *ndr,
                                      uint32_t *n_ext,
                                      struct dcom_orpc_extent **ext)
{
	uint32_t size = 0;
	uint32_t reserved = 0;
	uint32_t ref = 0;
	uint32_t max = 0;
	uint32_t *refs = NULL;
	uint32_t n = 0;
	void *a = NULL;

	*n_ext = 0;
	*ext = NULL;
	if (ndr_pull_enter(ndr) != NDR_ERR_SUCCESS) {
		return ndr->err;
	}
	ndr_pull_align(ndr, 4);
	ndr_pull_u32(ndr, &size);
	ndr_pull_u32(ndr, &reserved);
	ndr_pull_unique_ptr(ndr, &ref);
	if (ndr->err != NDR_ERR_SUCCESS || ref == 0) {
		goto out;
	}
	if (size > DCOM_MAX_EXTENTS) {
		ndr_pull_error(ndr, NDR_ERR_LIMIT, "too many ORPC extents");
		goto out;
	}
	ndr_pull_array_size(ndr, &max);
	if (ndr->err == NDR_ERR_SUCCESS && max != ((size + 1) & ~1u)) {
		ndr_pull_error(ndr, NDR_ERR_ARRAY_SIZE,
		               "extent array conformance is not (size+1)&~1");
		goto out;
	}
	if (ndr_pull_array_alloc(ndr, max, sizeof(*refs), 4, &a) !=
	    NDR_ERR_SUCCESS) {
		goto out;
	}
	refs = a;
	for (uint32_t i = 0; i < max; i++) {
		ndr_pull_unique_ptr(ndr, &refs[i]);
		n += refs[i] != 0;
	}
	if (ndr_pull_array_alloc(ndr, n, sizeof(**ext), 24, &a) !=
	    NDR_ERR_SUCCESS) {
		goto out;
	}
	*ext = a;
	for (uint32_t i = 0; i < max && ndr->err == NDR_ERR_SUCCESS; i++) {
		if (refs[i] != 0) {
			pull_extent(ndr, &(*ext)[(*n_ext)++]);
		}
	}
out:
	talloc_free(refs);
	ndr_pull_leave(ndr);
	return ndr->err;
}

static enum ndr_err push_extent_array(struct ndr_push *ndr,
                                      uint32_t n_ext,
                                      const struct dcom_orpc_extent *ext)
{
	uint32_t max = (n_ext + 1) & ~1u;

	if (n_ext > DCOM_MAX_EXTENTS) {
		return ndr_push_error(ndr, NDR_ERR_LIMIT,
		                      "too many ORPC extents");
	}
	ndr_push_align(ndr, 4);
	ndr_push_u32(ndr, n_ext);
	ndr_push_u32(ndr, 0);
	ndr_push_unique_ptr(ndr, n_ext != 0 ? ext : NULL);
	if (n_ext == 0) {
		return ndr->err;
	}
	ndr_push_array_size(ndr, max);
	for (uint32_t i = 0; i < max; i++) {
		ndr_push_unique_ptr(ndr, i < n_ext ? &ext[i] : NULL);
	}
	for (uint32_t i = 0; i < n_ext; i++) {
		uint32_t padded = (ext[i].size + 7) & ~7u;

		if (ext[i].size > UINT32_MAX - 7) {
			return ndr_push_error(ndr, NDR_ERR_RANGE,
			                      "ORPC extent too big");
		}
		ndr_push_array_size(ndr, padded);
		ndr_push_uuid(ndr, &ext[i].id);
		ndr_push_u32(ndr, ext[i].size);
		ndr_push_bytes(ndr, ext[i].data, ext[i].size);
		ndr_push_bytes(ndr, NULL, padded - ext[i].size);
	}
	return ndr->err;
}

enum ndr_err dcom_orpcthis_pull(struct ndr_pull *ndr, struct dcom_orpcthis *r)
{
	uint32_t ref = 0;

	memset(r, 0, sizeof(*r));
	ndr_pull_align(ndr, 4);
	ndr_pull_u16(ndr, &r->version.major);
	ndr_pull_u16(ndr, &r->version.minor);
	ndr_pull_u32(ndr, &r->flags);
	ndr_pull_u32(ndr, &r->reserved1);
	ndr_pull_uuid(ndr, &r->cid);
	ndr_pull_unique_ptr(ndr, &ref);
	if (ndr->err == NDR_ERR_SUCCESS && ref != 0) {
		r->has_extensions = true;
		pull_extent_array(ndr, &r->n_ext, &r->ext);
	}
	return ndr->err;
}

enum ndr_err dcom_orpcthis_push(struct ndr_push *ndr,
                                const struct dcom_orpcthis *r)
{
	ndr_push_align(ndr, 4);
	ndr_push_u16(ndr, r->version.major);
	ndr_push_u16(ndr, r->version.minor);
	ndr_push_u32(ndr, r->flags);
	ndr_push_u32(ndr, r->reserved1);
	ndr_push_uuid(ndr, &r->cid);
	ndr_push_unique_ptr(ndr, r->has_extensions ? r : NULL);
	if (r->has_extensions) {
		push_extent_array(ndr, r->n_ext, r->ext);
	}
	return ndr->err;
}

enum ndr_err dcom_orpcthat_pull(struct ndr_pull *ndr, struct dcom_orpcthat *r)
{
	uint32_t ref = 0;

	memset(r, 0, sizeof(*r));
	ndr_pull_align(ndr, 4);
	ndr_pull_u32(ndr, &r->flags);
	ndr_pull_unique_ptr(ndr, &ref);
	if (ndr->err == NDR_ERR_SUCCESS && ref != 0) {
		r->has_extensions = true;
		pull_extent_array(ndr, &r->n_ext, &r->ext);
	}
	return ndr->err;
}

enum ndr_err dcom_orpcthat_push(struct ndr_push *ndr,
                                const struct dcom_orpcthat *r)
{
	ndr_push_align(ndr, 4);
	ndr_push_u32(ndr, r->flags);
	ndr_push_unique_ptr(ndr, r->has_extensions ? r : NULL);
	if (r->has_extensions) {
		push_extent_array(ndr, r->n_ext, r->ext);
	}
	return ndr->err;
}

void dcom_orpcthis_init(struct dcom_orpcthis *r, const struct rpc_uuid *cid)
{
	memset(r, 0, sizeof(*r));
	r->version.major = DCOM_COM_VERSION_MAJOR;
	r->version.minor = DCOM_COM_VERSION_MINOR;
	if (cid != NULL) {
		r->cid = *cid;
	}
}

/* Reads max_count and ulCntData; returns the count in [*n]. */
static enum ndr_err pull_mip_hdr(struct ndr_pull *ndr, uint32_t *n)
{
	uint32_t max = 0;

	*n = 0;
	ndr_pull_array_size(ndr, &max);
	ndr_pull_u32(ndr, n);
	if (ndr->err == NDR_ERR_SUCCESS && max != *n) {
		return ndr_pull_error(ndr, NDR_ERR_ARRAY_SIZE,
		                      "MInterfacePointer conformance is not "
		                      "ulCntData");
	}
	return ndr->err;
}

enum ndr_err dcom_mip_pull(struct ndr_pull *ndr, uint8_t **data, uint32_t *n)
{
	void *p = NULL;

	*data = NULL;
	if (pull_mip_hdr(ndr, n) != NDR_ERR_SUCCESS ||
	    ndr_pull_array_alloc(ndr, *n, 1, 1, &p) != NDR_ERR_SUCCESS) {
		return ndr->err;
	}
	*data = p;
	return ndr_pull_bytes(ndr, p, *n);
}

enum ndr_err dcom_mip_push(struct ndr_push *ndr,
                           const uint8_t *data,
                           uint32_t n)
{
	ndr_push_array_size(ndr, n);
	ndr_push_u32(ndr, n);
	return ndr_push_bytes(ndr, data, n);
}

enum ndr_err dcom_mip_objref_pull(struct ndr_pull *ndr, struct dcom_objref *r)
{
	uint32_t n = 0;

	memset(r, 0, sizeof(*r));
	if (pull_mip_hdr(ndr, &n) != NDR_ERR_SUCCESS) {
		return ndr->err;
	}
	return dcom_objref_pull(ndr, n, r);
}

enum ndr_err dcom_mip_objref_push(struct ndr_push *ndr,
                                  const struct dcom_objref *r)
{
	struct ndr_push sub;
	const uint8_t *p;
	size_t n;

	if (dcom_sub_push_open(ndr, &sub) != NDR_ERR_SUCCESS) {
		return ndr->err;
	}
	dcom_objref_push(&sub, r);
	if (ndr_push_blob(&sub, &p, &n) == NDR_ERR_SUCCESS) {
		if (n > UINT32_MAX) {
			ndr_push_error(ndr, NDR_ERR_RANGE, "OBJREF too big");
		} else {
			dcom_mip_push(ndr, p, (uint32_t)n);
		}
		ndr_push_release(&sub);
		return ndr->err;
	}
	return dcom_sub_push_close(ndr, &sub);
}

enum ndr_err dcom_mip_objref_pull_new(struct ndr_pull *ndr,
                                      struct dcom_objref **r)
{
	struct dcom_objref *o = talloc_zero(ndr->mem, struct dcom_objref);

	*r = o;
	if (o == NULL) {
		return ndr_pull_error(ndr, NDR_ERR_ALLOC, "OBJREF");
	}
	return dcom_mip_objref_pull(ndr, o);
}

enum ndr_err dcom_pmip_objref_pull(struct ndr_pull *ndr, struct dcom_objref **r)
{
	uint32_t ref = 0;

	*r = NULL;
	if (ndr_pull_unique_ptr(ndr, &ref) != NDR_ERR_SUCCESS || ref == 0) {
		return ndr->err;
	}
	return dcom_mip_objref_pull_new(ndr, r);
}

enum ndr_err dcom_pmip_objref_push(struct ndr_push *ndr,
                                   const struct dcom_objref *r)
{
	ndr_push_unique_ptr(ndr, r);
	if (r != NULL) {
		dcom_mip_objref_push(ndr, r);
	}
	return ndr->err;
}
