/*
 * hresult names, messages and classes, expanded from hresult.tbl (base layer).
 */
#include "base/hresult.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

struct hr_row {
	uint32_t value;
	const char *name;
	const char *msg;
	enum hr_class cls;
};

#define OK           HR_CLASS_OK
#define CONNECTIVITY HR_CLASS_CONNECTIVITY
#define ACCESS_DCOM  HR_CLASS_ACCESS_DCOM
#define ACCESS_WMI   HR_CLASS_ACCESS_WMI
#define CORE         HR_CLASS_CORE
static const struct hr_row hr_rows[] = {
#define HRX(name, value, msg, cls) { value, #name, msg, cls },
#include "base/hresult.tbl"
#undef HRX
};
#undef OK
#undef CONNECTIVITY
#undef ACCESS_DCOM
#undef ACCESS_WMI
#undef CORE

static const struct hr_row *find_row(hresult h)
{
	for (size_t i = 0; i < sizeof(hr_rows) / sizeof(hr_rows[0]); i++) {
		if (hr_rows[i].value == h.v) {
			return &hr_rows[i];
		}
	}
	return NULL;
}

const char *hr_name_or_null(hresult h)
{
	const struct hr_row *r = find_row(h);

	return r ? r->name : NULL;
}

const char *hr_name(hresult h)
{
	static _Thread_local char fallback[16];
	const struct hr_row *r = find_row(h);

	if (r) {
		return r->name;
	}
	snprintf(fallback, sizeof(fallback), "0x%08X", h.v);
	return fallback;
}

const char *hr_message(hresult h)
{
	const struct hr_row *r = find_row(h);

	if (r) {
		return r->msg;
	}
	return hr_failed(h) ? "Unknown error." : "Success.";
}

enum hr_class hr_class_of(hresult h)
{
	const struct hr_row *r = find_row(h);

	if (r) {
		return r->cls;
	}
	if (!hr_failed(h)) {
		return HR_CLASS_OK;
	}
	if ((h.v & 0xFFFF0000u) == 0x80070000u) {
		return HR_CLASS_CONNECTIVITY;
	}
	return HR_CLASS_CORE;
}

const char *hr_class_name(enum hr_class c)
{
	switch (c) {
	case HR_CLASS_OK:
		return "ok";
	case HR_CLASS_CONNECTIVITY:
		return "connectivity";
	case HR_CLASS_ACCESS_DCOM:
		return "access (DCOM)";
	case HR_CLASS_ACCESS_WMI:
		return "access (WMI)";
	case HR_CLASS_CORE:
		return "core";
	}
	return "core";
}

const char *hr_facility(hresult h)
{
	switch ((h.v >> 16) & 0x1FFFu) {
	case 4:
		return "WMI";
	case 7:
		return "Win32";
	case 1:
		return "RPC";
	case 2:
		return "Dispatch";
	case 0:
		return "Null";
	default:
		return "Unknown";
	}
}

bool hr_parse(const char *text, hresult *out)
{
	char *end = NULL;
	unsigned long v;

	if (text == NULL || *text == '\0') {
		return false;
	}
	for (size_t i = 0; i < sizeof(hr_rows) / sizeof(hr_rows[0]); i++) {
		if (strcasecmp(hr_rows[i].name, text) == 0) {
			*out = HR(hr_rows[i].value);
			return true;
		}
	}
	v = strtoul(text, &end, 0);
	if (end == text || *end != '\0' || v > 0xFFFFFFFFul) {
		return false;
	}
	*out = HR(v);
	return true;
}

hresult hr_raise(hresult h)
{
	return h;
}
