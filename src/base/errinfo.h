/*
 * errinfo: the detail record of a failure (base layer, STYLE.md section 4).
 *
 * A call that can fail visibly takes a struct errinfo *ei (which may be NULL
 * when the caller wants only the hresult).  The layer that raises the error
 * fills it once with err_set(); outer layers add the operation and log it at
 * the edge.  Parsers also fill line, col and offset (1-based line and column,
 * 0-based byte offset).
 */
#ifndef OWMI_BASE_ERRINFO_H
#define OWMI_BASE_ERRINFO_H

#include <stddef.h>
#include <stdint.h>

#include "base/hresult.h"

struct errinfo {
	hresult hr;
	const char *layer;  /* static string: "mof", "wql", "repo", ... */
	char operation[64]; /* "ExecQuery", "PutClass", ... */
	char cause[128];    /* the guide's PossibleCause, if known */
	char msg[256];      /* human text, lower case, no full stop */
	char file[256];     /* parsers: file name, or empty */
	uint32_t line, col; /* parsers: 1-based; 0 when not a parser error */
	size_t offset;      /* parsers: byte offset of the fault */
};

/* Clears [ei] (NULL-safe). */
void err_clear(struct errinfo *ei);

/*
 * Records [hr] and a printf-style message in [ei] (NULL-safe) and returns
 * hr_raise(hr), so that `return err_set(ei, HR_X, "layer", "...")` works.
 * A record that already holds a failure is not overwritten: the first error
 * (the one nearest its cause) wins.
 */
hresult err_set(struct errinfo *ei,
                hresult hr,
                const char *layer,
                const char *fmt,
                ...) __attribute__((format(printf, 4, 5)));

/* As err_set, and also records a parse position. */
hresult err_set_pos(struct errinfo *ei,
                    hresult hr,
                    const char *layer,
                    uint32_t line,
                    uint32_t col,
                    size_t offset,
                    const char *fmt,
                    ...) __attribute__((format(printf, 7, 8)));

/* Sets the operation name (copies; NULL-safe). */
void err_set_operation(struct errinfo *ei, const char *op);

#endif
