/*
 * cimtest: small value constructors shared by the cim unit tests.
 */
#ifndef OWMI_TESTS_CIMTEST_H
#define OWMI_TESTS_CIMTEST_H

#include <stdbool.h>
#include <stdint.h>

#include <talloc.h>

#include "cim/cim.h"

/*
 * Caps the bytes under [ctx] to provoke E_OUTOFMEMORY.  talloc marks
 * talloc_set_memlimit deprecated, but it is the tool the brief names.
 */
#pragma GCC diagnostic push
#pragma GCC diagnostic ignored "-Wdeprecated-declarations"
static inline int t_memlimit(void *ctx, size_t n)
{
	return talloc_set_memlimit(ctx, n);
}
#pragma GCC diagnostic pop

static inline struct cim_value t_str(const char *s)
{
	struct cim_value v = { .type = CIM_T_STRING };

	v.v.s = (char *)s;
	return v;
}

static inline struct cim_value t_typed_str(uint32_t type, const char *s)
{
	struct cim_value v = { .type = type };

	v.v.s = (char *)s;
	return v;
}

static inline struct cim_value t_sint(uint32_t type, int64_t i)
{
	struct cim_value v = { .type = type };

	v.v.i = i;
	return v;
}

static inline struct cim_value t_uint(uint32_t type, uint64_t u)
{
	struct cim_value v = { .type = type };

	v.v.u = u;
	return v;
}

static inline struct cim_value t_real(uint32_t type, double r)
{
	struct cim_value v = { .type = type };

	v.v.r = r;
	return v;
}

static inline struct cim_value t_bool(bool b)
{
	struct cim_value v = { .type = CIM_T_BOOLEAN };

	v.v.b = b;
	return v;
}

#endif
