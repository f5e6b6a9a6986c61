/*
 * dcomlog: the DCOM log, event 10016 (dcom layer; dcomlog.h).
 */
#include "dcom/dcomlog.h"

#include <stdio.h>
#include <talloc.h>

#include "base/jsonl.h"
#include "base/log.h"

#define FIELD_MAX 1024u

static const char *nz(const char *s)
{
	return s != NULL ? s : "";
}

/* The event's %1..%11 (Windows' order). */
static void insertion_strings(const struct dcom_refusal_event *ev,
                              const char *v[11])
{
	v[0] = "application-specific";
	v[1] = ev->remote ? "Remote" : "Local";
	v[2] = ev->op == DCOM_ACCESS_LAUNCH ? "Activation" : "Access";
	v[3] = nz(ev->clsid);
	v[4] = nz(ev->appid);
	v[5] = nz(ev->domain);
	v[6] = nz(ev->user);
	v[7] = ev->sid != NULL && ev->sid[0] != '\0' ? ev->sid : "Unavailable";
	v[8] = nz(ev->address);
	v[9] = "Unavailable";
	v[10] = "Unavailable";
}

char *dcom_refusal_message(void *mem, const struct dcom_refusal_event *ev)
{
	const char *v[11];

	insertion_strings(ev, v);
	return talloc_asprintf(
	        mem,
	        "The %s permission settings do not grant %s %s permission "
	        "for the COM Server application with CLSID %s and APPID %s "
	        "to the user %s\\%s SID (%s) from address %s running in the "
	        "application container %s SID (%s). This security permission "
	        "can be modified using the Component Services administrative "
	        "tool.",
	        v[0], v[1], v[2], v[3], v[4], v[5], v[6], v[7], v[8], v[9],
	        v[10]);
}

hresult dcom_refusal_write(const char *path,
                           const struct dcom_refusal_event *ev,
                           uint64_t max_bytes)
{
	void *mem = talloc_new(NULL);
	struct jsonl_out o;
	const char *v[11];
	char now[48], code[16];
	char *msg;
	hresult hr;

	if (mem == NULL || (msg = dcom_refusal_message(mem, ev)) == NULL) {
		talloc_free(mem);
		return hr_raise(HR_E_OUTOFMEMORY);
	}
	if (ev->time == NULL || ev->time[0] == '\0') {
		log_timestamp(now);
	} else {
		snprintf(now, sizeof(now), "%s", ev->time);
	}
	snprintf(code, sizeof(code), "0x%X", ev->result_code);
	insertion_strings(ev, v);
	jsonl_begin(&o, mem);
	jsonl_str(&o, "TimeCreated", now, 64);
	jsonl_u64(&o, "EventID", DCOM_EVENT_PERMISSION);
	jsonl_str(&o, "Source", DCOM_EVENT_SOURCE, 64);
	jsonl_str(&o, "Level", "Error", 16);
	jsonl_str(&o, "Computer", ev->computer, 256);
	jsonl_str(&o, "Scope", v[0], 64);
	jsonl_str(&o, "Locality", v[1], 16);
	jsonl_str(&o, "Permission", v[2], 16);
	jsonl_str(&o, "CLSID", v[3], 64);
	jsonl_str(&o, "APPID", v[4], 64);
	jsonl_str(&o, "Domain", v[5], 256);
	jsonl_str(&o, "User", v[6], 512);
	jsonl_str(&o, "SID", v[7], 256);
	jsonl_str(&o, "Address", v[8], 256);
	jsonl_str(&o, "ResultCode", code, 16);
	jsonl_str(&o, "Message", msg, 8 * FIELD_MAX);
	jsonl_strv(&o, "InsertionStrings", v, 11, FIELD_MAX);
	hr = jsonl_append(&o, path, max_bytes);
	talloc_free(mem);
	return hr;
}
