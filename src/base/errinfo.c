/*
 * errinfo: the detail record of a failure (base layer).
 */
#include "base/errinfo.h"

#include <stdarg.h>
#include <stdio.h>
#include <string.h>

void err_clear(struct errinfo *ei)
{
	if (ei != NULL) {
		memset(ei, 0, sizeof(*ei));
	}
}

static void vset(struct errinfo *ei,
                 hresult hr,
                 const char *layer,
                 const char *fmt,
                 va_list ap) __attribute__((format(printf, 4, 0)));

static void vset(struct errinfo *ei,
                 hresult hr,
                 const char *layer,
                 const char *fmt,
                 va_list ap)
{
	ei->hr = hr;
	ei->layer = layer;
	vsnprintf(ei->msg, sizeof(ei->msg), fmt, ap);
}

hresult err_set(struct errinfo *ei,
                hresult hr,
                const char *layer,
                const char *fmt,
                ...)
{
	va_list ap;

	if (ei != NULL && !hr_failed(ei->hr)) {
		va_start(ap, fmt);
		vset(ei, hr, layer, fmt, ap);
		va_end(ap);
	}
	return hr_raise(hr);
}

hresult err_set_pos(struct errinfo *ei,
                    hresult hr,
                    const char *layer,
                    uint32_t line,
                    uint32_t col,
                    size_t offset,
                    const char *fmt,
                    ...)
{
	va_list ap;

	if (ei != NULL && !hr_failed(ei->hr)) {
		va_start(ap, fmt);
		vset(ei, hr, layer, fmt, ap);
		va_end(ap);
		ei->line = line;
		ei->col = col;
		ei->offset = offset;
	}
	return hr_raise(hr);
}

void err_set_operation(struct errinfo *ei, const char *op)
{
	if (ei != NULL && op != NULL) {
		snprintf(ei->operation, sizeof(ei->operation), "%s", op);
	}
}
