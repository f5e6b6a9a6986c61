/*
 * fuzz_dcom: the NDR limits shared by the DCOM fuzz targets (objref,
 * activation): room for real activation blobs and OBJREFs, small enough
 * that a hostile count fails fast.
 */
#ifndef OWMI_FUZZ_DCOM_H
#define OWMI_FUZZ_DCOM_H

#include <string.h>
#include <talloc.h>

#include "fuzz_common.h"
#include "rpc/ndr.h"

static inline void fuzz_dcom_limits(struct ndr_limits *lim)
{
	ndr_limits_default(lim);
	lim->max_alloc = 4u << 20;
	lim->max_elems = 1u << 16;
	lim->max_push = 1u << 20;
}

/* Opens [ndr] on [p, n] with those limits. */
static inline enum ndr_err fuzz_dcom_pull_open(void *mem,
                                               struct ndr_pull *ndr,
                                               const uint8_t *p,
                                               size_t n)
{
	struct ndr_limits lim;

	fuzz_dcom_limits(&lim);
	return ndr_pull_init(ndr, mem, p, n, 0, &lim);
}

/* Opens [ndr] for pushing with those limits. */
static inline enum ndr_err fuzz_dcom_push_open(void *mem, struct ndr_push *ndr)
{
	struct ndr_limits lim;

	fuzz_dcom_limits(&lim);
	return ndr_push_init(ndr, mem, 0, &lim);
}

/*
 * Closes [ndr]: when it holds a complete push, a copy of its octets
 * (under [mem], one spare octet so an empty push is not NULL) goes to
 * *out and its length to *n.  Returns the push's error.
 */
static inline enum ndr_err fuzz_dcom_push_close(void *mem,
                                                struct ndr_push *ndr,
                                                uint8_t **out,
                                                size_t *n)
{
	const uint8_t *b;
	enum ndr_err err = ndr_push_blob(ndr, &b, n);

	if (err == NDR_ERR_SUCCESS) {
		*out = talloc_size(mem, *n + 1);
		FUZZ_CHECK(*out != NULL);
		memcpy(*out, b, *n);
	}
	ndr_push_release(ndr);
	return err;
}

#endif
