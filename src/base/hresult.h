/*
 * hresult: the one error type of OpenWMI (base layer).
 *
 * Every failure that crosses a module boundary is an hresult, a 32-bit
 * Windows HRESULT wrapped in a struct so that it cannot mix with int, bool or
 * NDR error codes.  The constants, names, messages and guide classes come from
 * one table, hresult.tbl (STYLE.md section 4, DESIGN.md section 5).
 *
 * Invariants: hr_name() and hr_message() never return NULL; an unknown value
 * gets "0x%08X" style fallbacks that are static strings.
 */
#ifndef OWMI_BASE_HRESULT_H
#define OWMI_BASE_HRESULT_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

typedef struct hresult {
	uint32_t v;
} hresult;

#define HR(x) ((hresult){ (uint32_t)(x) })

/* HRV_NAME: the integer value, for switch statements. */
enum hresult_value {
#define HRX(name, value, msg, cls) HRV_##name = (int64_t)(value),
#include "base/hresult.tbl"
#undef HRX
};

/* HR_NAME: the hresult constant. */
#define HRX(name, value, msg, cls) static const hresult HR_##name = { value };
#include "base/hresult.tbl"
#undef HRX

#define HR_OK              HR_S_OK
#define HR_WBEM_S_NO_ERROR HR_S_OK
#define HR_WBEM_S_FALSE    HR_S_FALSE

/* The guide's classes of failure (DESIGN.md section 5). */
enum hr_class {
	HR_CLASS_OK,
	HR_CLASS_CONNECTIVITY,
	HR_CLASS_ACCESS_DCOM,
	HR_CLASS_ACCESS_WMI,
	HR_CLASS_CORE,
};

static inline bool hr_failed(hresult h)
{
	return (h.v & 0x80000000u) != 0;
}

static inline bool hr_ok(hresult h)
{
	return (h.v & 0x80000000u) == 0;
}

static inline bool hr_eq(hresult a, hresult b)
{
	return a.v == b.v;
}

/* Returns the Windows name ("WBEM_E_NOT_FOUND"), or NULL when unknown. */
const char *hr_name_or_null(hresult h);

/* Returns the Windows name, or "0xXXXXXXXX" in a thread-local buffer. */
const char *hr_name(hresult h);

/* Returns Windows' message text; a generic text when unknown.  Never NULL. */
const char *hr_message(hresult h);

/* Returns the guide's class of the code. */
enum hr_class hr_class_of(hresult h);

/* Returns "connectivity", "access (DCOM)", "access (WMI)", "core" or "ok". */
const char *hr_class_name(enum hr_class c);

/* Returns the facility as wmic prints it: "WMI", "Win32", "RPC", "Dispatch". */
const char *hr_facility(hresult h);

/*
 * Looks a code up by name ("WBEM_E_NOT_FOUND", case-insensitive) or by
 * number ("0x80041002").  Returns true and fills [out] on success.
 */
bool hr_parse(const char *text, hresult *out);

/*
 * hr_raise: the single place every failure is created, so that a breakpoint
 * on it finds the origin of any error.  Returns its argument.
 */
hresult hr_raise(hresult h);

#endif
