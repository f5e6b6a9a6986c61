/*
 * fuzz_dcom: the NDR limits shared by the DCOM fuzz targets (objref,
 * activation): room for real activation blobs and OBJREFs, small enough
 * that a hostile count fails fast.
 */
#ifndef OWMI_FUZZ_DCOM_H
#define OWMI_FUZZ_DCOM_H

#include "rpc/ndr.h"

static inline void fuzz_dcom_limits(struct ndr_limits *lim)
{
	ndr_limits_default(lim);
	lim->max_alloc = 4u << 20;
	lim->max_elems = 1u << 16;
	lim->max_push = 1u << 20;
}

#endif
