/*
 * oomwrap.c: talloc's allocating entry points wrapped for the
 * allocation-failure loop (tests/unit/oomtest.h, docs/internals/memory.md).
 *
 * talloc has no per-allocation hook, so the unit tests that use
 * for_each_alloc_failure() link with `-Wl,--wrap=NAME` for each function
 * below (oomtest_dep in tests/unit/base/meson.build): every call the code
 * under test makes to NAME lands in __wrap_NAME, which asks the base/alloc
 * injector whether this allocation is the one to fail.  A failure returns
 * NULL with nothing changed, exactly what the real function returns when
 * malloc fails (a failed realloc leaves the old block in place).  Calls
 * talloc makes to itself are not wrapped: each public call is one
 * allocation, which is the unit the callers check.
 *
 * Calls that allocate nothing (a NULL string to copy, a realloc to zero
 * elements, which frees) are not counted.
 */
#include <stdarg.h>
#include <stddef.h>
#include <talloc.h>

#include "base/alloc.h"

/* The real functions (the linker binds __real_NAME to NAME). */
void *__real_talloc_named_const(const void *ctx, size_t size, const char *n);
void *__real__talloc_zero(const void *ctx, size_t size, const char *name);
void *__real__talloc_array(const void *ctx,
                           size_t el_size,
                           unsigned count,
                           const char *name);
void *__real__talloc_zero_array(const void *ctx,
                                size_t el_size,
                                unsigned count,
                                const char *name);
void *__real__talloc_realloc_array(const void *ctx,
                                   void *ptr,
                                   size_t el_size,
                                   unsigned count,
                                   const char *name);
void *__real__talloc_realloc(const void *ctx,
                             void *ptr,
                             size_t size,
                             const char *name);
void *__real__talloc_memdup(const void *ctx,
                            const void *p,
                            size_t size,
                            const char *name);
char *__real_talloc_strdup(const void *ctx, const char *p);
char *__real_talloc_strndup(const void *ctx, const char *p, size_t n);
char *__real_talloc_strdup_append(char *s, const char *a);
char *__real_talloc_strdup_append_buffer(char *s, const char *a);
char *__real_talloc_strndup_append(char *s, const char *a, size_t n);
char *__real_talloc_strndup_append_buffer(char *s, const char *a, size_t n);
char *__real_talloc_vasprintf(const void *ctx, const char *fmt, va_list ap)
        __attribute__((format(printf, 2, 0)));
char *__real_talloc_vasprintf_append(char *s, const char *fmt, va_list ap)
        __attribute__((format(printf, 2, 0)));
char *__real_talloc_vasprintf_append_buffer(char *s,
                                            const char *fmt,
                                            va_list ap)
        __attribute__((format(printf, 2, 0)));
void *__real_talloc_pool(const void *ctx, size_t size);
void *__real__talloc_pooled_object(const void *ctx,
                                   size_t type_size,
                                   const char *type_name,
                                   unsigned num_subobjects,
                                   size_t total_subobjects_size);
void *__real__talloc_reference_loc(const void *ctx,
                                   const void *ptr,
                                   const char *location);

/* The wrappers (prototypes for -Wmissing-prototypes). */
void *__wrap_talloc_named_const(const void *ctx, size_t size, const char *n);
void *__wrap__talloc_zero(const void *ctx, size_t size, const char *name);
void *__wrap__talloc_array(const void *ctx,
                           size_t el_size,
                           unsigned count,
                           const char *name);
void *__wrap__talloc_zero_array(const void *ctx,
                                size_t el_size,
                                unsigned count,
                                const char *name);
void *__wrap__talloc_realloc_array(const void *ctx,
                                   void *ptr,
                                   size_t el_size,
                                   unsigned count,
                                   const char *name);
void *__wrap__talloc_realloc(const void *ctx,
                             void *ptr,
                             size_t size,
                             const char *name);
void *__wrap__talloc_memdup(const void *ctx,
                            const void *p,
                            size_t size,
                            const char *name);
char *__wrap_talloc_strdup(const void *ctx, const char *p);
char *__wrap_talloc_strndup(const void *ctx, const char *p, size_t n);
char *__wrap_talloc_strdup_append(char *s, const char *a);
char *__wrap_talloc_strdup_append_buffer(char *s, const char *a);
char *__wrap_talloc_strndup_append(char *s, const char *a, size_t n);
char *__wrap_talloc_strndup_append_buffer(char *s, const char *a, size_t n);
char *__wrap_talloc_vasprintf(const void *ctx, const char *fmt, va_list ap)
        __attribute__((format(printf, 2, 0)));
char *__wrap_talloc_asprintf(const void *ctx, const char *fmt, ...)
        __attribute__((format(printf, 2, 3)));
char *__wrap_talloc_vasprintf_append(char *s, const char *fmt, va_list ap)
        __attribute__((format(printf, 2, 0)));
char *__wrap_talloc_asprintf_append(char *s, const char *fmt, ...)
        __attribute__((format(printf, 2, 3)));
char *__wrap_talloc_vasprintf_append_buffer(char *s,
                                            const char *fmt,
                                            va_list ap)
        __attribute__((format(printf, 2, 0)));
char *__wrap_talloc_asprintf_append_buffer(char *s, const char *fmt, ...)
        __attribute__((format(printf, 2, 3)));
void *__wrap_talloc_pool(const void *ctx, size_t size);
void *__wrap__talloc_pooled_object(const void *ctx,
                                   size_t type_size,
                                   const char *type_name,
                                   unsigned num_subobjects,
                                   size_t total_subobjects_size);
void *__wrap__talloc_reference_loc(const void *ctx,
                                   const void *ptr,
                                   const char *location);

void *__wrap_talloc_named_const(const void *ctx, size_t size, const char *n)
{
	return owmi_alloc_inject() ? NULL
	                           : __real_talloc_named_const(ctx, size, n);
}

void *__wrap__talloc_zero(const void *ctx, size_t size, const char *name)
{
	return owmi_alloc_inject() ? NULL
	                           : __real__talloc_zero(ctx, size, name);
}

void *__wrap__talloc_array(const void *ctx,
                           size_t el_size,
                           unsigned count,
                           const char *name)
{
	return owmi_alloc_inject()
	               ? NULL
	               : __real__talloc_array(ctx, el_size, count, name);
}

void *__wrap__talloc_zero_array(const void *ctx,
                                size_t el_size,
                                unsigned count,
                                const char *name)
{
	return owmi_alloc_inject()
	               ? NULL
	               : __real__talloc_zero_array(ctx, el_size, count, name);
}

void *__wrap__talloc_realloc_array(const void *ctx,
                                   void *ptr,
                                   size_t el_size,
                                   unsigned count,
                                   const char *name)
{
	if (count != 0 && owmi_alloc_inject()) {
		return NULL;
	}
	return __real__talloc_realloc_array(ctx, ptr, el_size, count, name);
}

void *__wrap__talloc_realloc(const void *ctx,
                             void *ptr,
                             size_t size,
                             const char *name)
{
	if (size != 0 && owmi_alloc_inject()) {
		return NULL;
	}
	return __real__talloc_realloc(ctx, ptr, size, name);
}

void *__wrap__talloc_memdup(const void *ctx,
                            const void *p,
                            size_t size,
                            const char *name)
{
	return owmi_alloc_inject() ? NULL
	                           : __real__talloc_memdup(ctx, p, size, name);
}

char *__wrap_talloc_strdup(const void *ctx, const char *p)
{
	if (p != NULL && owmi_alloc_inject()) {
		return NULL;
	}
	return __real_talloc_strdup(ctx, p);
}

char *__wrap_talloc_strndup(const void *ctx, const char *p, size_t n)
{
	if (p != NULL && owmi_alloc_inject()) {
		return NULL;
	}
	return __real_talloc_strndup(ctx, p, n);
}

char *__wrap_talloc_strdup_append(char *s, const char *a)
{
	if (a != NULL && owmi_alloc_inject()) {
		return NULL;
	}
	return __real_talloc_strdup_append(s, a);
}

char *__wrap_talloc_strdup_append_buffer(char *s, const char *a)
{
	if (a != NULL && owmi_alloc_inject()) {
		return NULL;
	}
	return __real_talloc_strdup_append_buffer(s, a);
}

char *__wrap_talloc_strndup_append(char *s, const char *a, size_t n)
{
	if (a != NULL && owmi_alloc_inject()) {
		return NULL;
	}
	return __real_talloc_strndup_append(s, a, n);
}

char *__wrap_talloc_strndup_append_buffer(char *s, const char *a, size_t n)
{
	if (a != NULL && owmi_alloc_inject()) {
		return NULL;
	}
	return __real_talloc_strndup_append_buffer(s, a, n);
}

char *__wrap_talloc_vasprintf(const void *ctx, const char *fmt, va_list ap)
{
	return owmi_alloc_inject() ? NULL
	                           : __real_talloc_vasprintf(ctx, fmt, ap);
}

char *__wrap_talloc_asprintf(const void *ctx, const char *fmt, ...)
{
	va_list ap;
	char *s;

	if (owmi_alloc_inject()) {
		return NULL;
	}
	va_start(ap, fmt);
	s = __real_talloc_vasprintf(ctx, fmt, ap);
	va_end(ap);
	return s;
}

char *__wrap_talloc_vasprintf_append(char *s, const char *fmt, va_list ap)
{
	return owmi_alloc_inject() ? NULL
	                           : __real_talloc_vasprintf_append(s, fmt, ap);
}

char *__wrap_talloc_asprintf_append(char *s, const char *fmt, ...)
{
	va_list ap;
	char *r;

	if (owmi_alloc_inject()) {
		return NULL;
	}
	va_start(ap, fmt);
	r = __real_talloc_vasprintf_append(s, fmt, ap);
	va_end(ap);
	return r;
}

char *__wrap_talloc_vasprintf_append_buffer(char *s,
                                            const char *fmt,
                                            va_list ap)
{
	return owmi_alloc_inject()
	               ? NULL
	               : __real_talloc_vasprintf_append_buffer(s, fmt, ap);
}

char *__wrap_talloc_asprintf_append_buffer(char *s, const char *fmt, ...)
{
	va_list ap;
	char *r;

	if (owmi_alloc_inject()) {
		return NULL;
	}
	va_start(ap, fmt);
	r = __real_talloc_vasprintf_append_buffer(s, fmt, ap);
	va_end(ap);
	return r;
}

void *__wrap_talloc_pool(const void *ctx, size_t size)
{
	return owmi_alloc_inject() ? NULL : __real_talloc_pool(ctx, size);
}

void *__wrap__talloc_pooled_object(const void *ctx,
                                   size_t type_size,
                                   const char *type_name,
                                   unsigned num_subobjects,
                                   size_t total_subobjects_size)
{
	if (owmi_alloc_inject()) {
		return NULL;
	}
	return __real__talloc_pooled_object(ctx, type_size, type_name,
	                                    num_subobjects,
	                                    total_subobjects_size);
}

void *__wrap__talloc_reference_loc(const void *ctx,
                                   const void *ptr,
                                   const char *location)
{
	if (ptr != NULL && owmi_alloc_inject()) {
		return NULL;
	}
	return __real__talloc_reference_loc(ctx, ptr, location);
}
