/*
 * Helpers of the wmio tests (unit and integration): hex vectors and a
 * structural comparison of model classes and instances that explains the
 * first difference it finds.
 */
#ifndef OWMI_TESTS_WMIOTEST_H
#define OWMI_TESTS_WMIOTEST_H

#include <stdarg.h>
#include <stdbool.h>
#include <stdio.h>
#include <string.h>
#include <talloc.h>

#include "base/utf.h"
#include "cim/cim.h"

/*
 * Caps the bytes under [ctx] to provoke E_OUTOFMEMORY (talloc marks
 * talloc_set_memlimit deprecated; it is the tool the brief names).
 */
#pragma GCC diagnostic push
#pragma GCC diagnostic ignored "-Wdeprecated-declarations"
static inline int wt_memlimit(void *ctx, size_t n)
{
	return talloc_set_memlimit(ctx, n);
}
#pragma GCC diagnostic pop

/* Decodes hex text (spaces and newlines ignored) into a talloc buffer. */
static inline uint8_t *wt_hex(void *mem, const char *hex, size_t *n)
{
	uint8_t *out = talloc_array(mem, uint8_t, strlen(hex) / 2 + 1);
	size_t k = 0;
	int hi = -1;

	for (const char *p = hex; out != NULL && *p != '\0'; p++) {
		int v;

		if (*p >= '0' && *p <= '9') {
			v = *p - '0';
		} else if (*p >= 'a' && *p <= 'f') {
			v = *p - 'a' + 10;
		} else if (*p >= 'A' && *p <= 'F') {
			v = *p - 'A' + 10;
		} else {
			continue;
		}
		if (hi < 0) {
			hi = v;
		} else {
			out[k++] = (uint8_t)(hi << 4 | v);
			hi = -1;
		}
	}
	*n = k;
	return out;
}

/* Reads a whole file into a talloc buffer; NULL when unreadable. */
static inline uint8_t *wt_file(void *mem, const char *path, size_t *n)
{
	FILE *f = fopen(path, "rb");
	uint8_t *out = NULL;
	long len;

	if (f == NULL) {
		return NULL;
	}
	if (fseek(f, 0, SEEK_END) == 0 && (len = ftell(f)) >= 0 &&
	    fseek(f, 0, SEEK_SET) == 0) {
		out = talloc_array(mem, uint8_t, (size_t)len + 1);
		if (out != NULL &&
		    fread(out, 1, (size_t)len, f) != (size_t)len) {
			TALLOC_FREE(out);
		}
		*n = (size_t)len;
	}
	fclose(f);
	return out;
}

struct wt_why {
	char msg[512];
};

__attribute__((format(printf, 2, 3))) static inline bool wt_fail(
        struct wt_why *w,
        const char *fmt,
        ...)
{
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(w->msg, sizeof(w->msg), fmt, ap);
	va_end(ap);
	return false;
}

static inline bool wt_streq(const char *a, const char *b)
{
	return (a == NULL && b == NULL) ||
	       (a != NULL && b != NULL && strcmp(a, b) == 0);
}

static inline bool wt_nameeq(const char *a, const char *b)
{
	return (a == NULL && b == NULL) ||
	       (a != NULL && b != NULL && utf8_casecmp(a, b) == 0);
}

/* The flavor bits that travel on the wire. */
#define WT_WIRE_FLAVOR 0xFFu

/*
 * [b] must hold every qualifier of [a] with the same value and wire
 * flavor; with [extra_ok] NULL, b may hold no others; else b's others
 * must be named in the NULL-terminated [extra_ok].
 */
static inline bool wt_quals(const struct cim_qualifier_set *a,
                            const struct cim_qualifier_set *b,
                            const char *const *extra_ok,
                            const char *where,
                            struct wt_why *w)
{
	for (uint32_t i = 0; i < a->n; i++) {
		const struct cim_qualifier *qa = &a->q[i];
		const struct cim_qualifier *qb = cim_qset_find(b, qa->name);

		if (qb == NULL) {
			return wt_fail(w, "%s: qualifier %s missing", where,
			               qa->name);
		}
		if (!wt_streq(qa->name, qb->name)) {
			return wt_fail(w, "%s: qualifier %s spelled %s", where,
			               qa->name, qb->name);
		}
		if (!cim_value_equal(&qa->value, &qb->value)) {
			return wt_fail(w, "%s: qualifier %s value differs",
			               where, qa->name);
		}
		if ((qa->flavor & WT_WIRE_FLAVOR) !=
		    (qb->flavor & WT_WIRE_FLAVOR)) {
			return wt_fail(w,
			               "%s: qualifier %s flavor 0x%x vs 0x%x",
			               where, qa->name, qa->flavor, qb->flavor);
		}
	}
	for (uint32_t i = 0; i < b->n; i++) {
		bool ok = cim_qset_find(a, b->q[i].name) != NULL;

		for (uint32_t k = 0; !ok && extra_ok && extra_ok[k]; k++) {
			ok = utf8_casecmp(extra_ok[k], b->q[i].name) == 0;
		}
		if (!ok) {
			return wt_fail(w, "%s: extra qualifier %s", where,
			               b->q[i].name);
		}
	}
	return true;
}

static inline bool wt_value(const struct cim_value *a,
                            const struct cim_value *b,
                            const char *where,
                            struct wt_why *w)
{
	if (!cim_value_equal(a, b)) {
		return wt_fail(w,
		               "%s: value differs (type 0x%x/0x%x null %d/%d)",
		               where, a->type, b->type, a->null, b->null);
	}
	return true;
}

/*
 * Compares resolved classes [a] (original) and [b] (after a round trip):
 * names, superclass and derivation, qualifiers and flavors, properties
 * (type, ref class, default, qualifiers, origin, key, local) and methods
 * (return type, origin, local, qualifiers, parameters; a parameter may
 * gain the In/Out/ID qualifiers MS-WMIO adds, and an ID when it had none).
 */
static inline bool wt_class(const struct cim_class *a,
                            const struct cim_class *b,
                            struct wt_why *w)
{
	static const char *const param_extra[] = { "in", "out", "ID", NULL };
	char where[300];

	if (!wt_streq(a->name, b->name)) {
		return wt_fail(w, "class name %s vs %s", a->name, b->name);
	}
	if (!wt_streq(a->superclass, b->superclass) ||
	    a->n_derivation != b->n_derivation) {
		return wt_fail(w, "%s: superclass/derivation differs", a->name);
	}
	for (uint32_t i = 0; i < a->n_derivation; i++) {
		if (!wt_streq(a->derivation[i], b->derivation[i])) {
			return wt_fail(w, "%s: derivation[%u] differs", a->name,
			               i);
		}
	}
	if (!wt_quals(&a->quals, &b->quals, NULL, a->name, w)) {
		return false;
	}
	if (a->n_props != b->n_props) {
		return wt_fail(w, "%s: %u vs %u properties", a->name,
		               a->n_props, b->n_props);
	}
	for (uint32_t i = 0; i < a->n_props; i++) {
		const struct cim_property *pa = &a->props[i],
		                          *pb = &b->props[i];

		snprintf(where, sizeof(where), "%s.%s", a->name, pa->name);
		if (!wt_streq(pa->name, pb->name) || pa->type != pb->type ||
		    !wt_streq(pa->ref_class, pb->ref_class) ||
		    !wt_nameeq(pa->origin, pb->origin) || pa->key != pb->key ||
		    pa->local != pb->local) {
			return wt_fail(w,
			               "%s: name/type/ref/origin/key/local "
			               "differ (%s 0x%x %s %s %d %d vs %s 0x%x "
			               "%s %s %d %d)",
			               where, pa->name, pa->type, pa->ref_class,
			               pa->origin, pa->key, pa->local, pb->name,
			               pb->type, pb->ref_class, pb->origin,
			               pb->key, pb->local);
		}
		if (!wt_value(&pa->value, &pb->value, where, w) ||
		    !wt_quals(&pa->quals, &pb->quals, NULL, where, w)) {
			return false;
		}
	}
	if (a->n_methods != b->n_methods) {
		return wt_fail(w, "%s: %u vs %u methods", a->name, a->n_methods,
		               b->n_methods);
	}
	for (uint32_t i = 0; i < a->n_methods; i++) {
		const struct cim_method *ma = &a->methods[i];
		const struct cim_method *mb = &b->methods[i];

		snprintf(where, sizeof(where), "%s.%s()", a->name, ma->name);
		if (!wt_streq(ma->name, mb->name) ||
		    ma->return_type != mb->return_type ||
		    !wt_nameeq(ma->origin, mb->origin) ||
		    ma->local != mb->local || ma->n_params != mb->n_params) {
			return wt_fail(w,
			               "%s: name/return/origin/local/params "
			               "differ",
			               where);
		}
		if (!wt_quals(&ma->quals, &mb->quals, NULL, where, w)) {
			return false;
		}
		for (uint32_t k = 0; k < ma->n_params; k++) {
			const struct cim_param *xa = &ma->params[k];
			const struct cim_param *xb = &mb->params[k];

			snprintf(where, sizeof(where), "%s.%s(%s)", a->name,
			         ma->name, xa->name);
			if (!wt_streq(xa->name, xb->name) ||
			    xa->type != xb->type ||
			    !wt_streq(xa->ref_class, xb->ref_class) ||
			    xa->in != xb->in || xa->out != xb->out ||
			    (xa->id >= 0 ? xa->id != xb->id
			                 : xb->id < (int32_t)k)) {
				return wt_fail(w,
				               "%s: parameter differs "
				               "(id %d/%d)",
				               where, xa->id, xb->id);
			}
			if (!wt_quals(&xa->quals, &xb->quals, param_extra,
			              where, w)) {
				return false;
			}
		}
	}
	return true;
}

static inline bool wt_instance(const struct cim_instance *a,
                               const struct cim_instance *b,
                               struct wt_why *w)
{
	char where[300];

	if (!wt_class(a->cls, b->cls, w) ||
	    !wt_quals(&a->quals, &b->quals, NULL, "instance", w)) {
		return false;
	}
	for (uint32_t i = 0; i < a->cls->n_props; i++) {
		snprintf(where, sizeof(where), "instance %s.%s", a->cls->name,
		         a->cls->props[i].name);
		if (!wt_value(&a->values[i], &b->values[i], where, w)) {
			return false;
		}
	}
	return true;
}

#endif
