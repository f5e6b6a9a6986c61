/*
 * ntevent: the OpenWMI_NTEventLog provider library, Win32_NTLogEvent and
 * Win32_NTEventlogFile over wmid's event logs (providers layer;
 * evlog.h; schema/win32.mof registers it).  Windows' counterpart is the
 * "MS_NT_EVENTLOG_PROVIDER" of ntevt.dll.
 *
 * Win32_NTLogEvent: one instance per record of the activity log
 * (Logfile "Microsoft-Windows-WMI-Activity/Operational") and of the DCOM
 * log (Logfile "System"); keys Logfile and RecordNumber.  A query whose
 * WHERE requires Logfile = '...' reads that log only; GetObject reads the
 * log of its key.  Win32_NTEventlogFile: one instance per log file.
 */
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <talloc.h>

#include "openwmi/provider.h"
#include "providers/evlog.h"
#include "providers/providers-int.h"

static const char *computer_name(void)
{
	const char *c = getenv("OWMI_COMPUTER_NAME");

	return c != NULL ? c : "";
}

/* Emits the records of [logfile] (NULL: all logs). */
static int32_t emit_events(struct pcall *c, const char *logfile)
{
	struct prov_evlog_event *ev = NULL;
	size_t n = 0;
	hresult hr = prov_evlog_read(c->mem, prov_evlog_dir(), logfile,
	                             computer_name(), &ev, &n, NULL);

	if (hr_failed(hr)) {
		return pc_hr(hr.v);
	}
	for (size_t i = 0; i < n; i++) {
		struct pb b;
		int32_t rc = pb_begin(&b, c, c->cls);

		if (OWMI_FAILED(rc)) {
			return rc;
		}
		pb_str(&b, "Logfile", ev[i].logfile);
		pb_u32(&b, "RecordNumber", ev[i].record);
		pb_u16(&b, "EventCode", (uint16_t)(ev[i].event_id & 0xFFFFu));
		pb_u32(&b, "EventIdentifier", ev[i].event_id);
		pb_u8(&b, "EventType", ev[i].event_type);
		pb_str(&b, "Type", ev[i].type);
		pb_str(&b, "SourceName", ev[i].source);
		pb_str(&b, "ComputerName", ev[i].computer);
		pb_u16(&b, "Category", 0);
		pb_str(&b, "CategoryString", "None");
		pb_str(&b, "Message", ev[i].message);
		if (ev[i].user[0] != '\0') {
			pb_str(&b, "User", ev[i].user);
		}
		if (ev[i].strings != NULL) {
			pb_strv(&b, "InsertionStrings", ev[i].strings,
			        ev[i].n_strings);
		}
		if (ev[i].secs > 0) {
			pb_time(&b, "TimeGenerated", ev[i].secs, ev[i].usecs);
			pb_time(&b, "TimeWritten", ev[i].secs, ev[i].usecs);
		}
		rc = pc_emit(&b);
		if (rc != OWMI_S_OK) {
			return rc;
		}
	}
	return OWMI_S_OK;
}

static int32_t ev_each(struct pcall *c)
{
	return emit_events(c, NULL);
}

static int32_t ev_get(struct pcall *c)
{
	return emit_events(c, c->h->key_get(c->keys, "Logfile"));
}

static int32_t ev_query(struct pcall *c)
{
	const char *lf = NULL;

	if (c->h->struct_size < offsetof(struct owmi_host, query_eq) +
	                                sizeof(c->h->query_eq) ||
	    c->h->query_eq(c->q, "Logfile", &lf) != OWMI_S_OK || lf == NULL) {
		return OWMI_E_PROVIDER_NOT_CAPABLE;
	}
	return emit_events(c, lf);
}

static int32_t file_each(struct pcall *c)
{
	struct prov_evlog_file f[2];
	hresult hr = prov_evlog_files(c->mem, prov_evlog_dir(), f);

	if (hr_failed(hr)) {
		return pc_hr(hr.v);
	}
	for (size_t i = 0; i < 2; i++) {
		struct pb b;
		int32_t rc = pb_begin(&b, c, c->cls);

		if (OWMI_FAILED(rc)) {
			return rc;
		}
		pb_str(&b, "Name", f[i].path);
		pb_str(&b, "LogfileName", f[i].logfile);
		pb_str(&b, "FileName", f[i].file);
		pb_str(&b, "Caption", f[i].path);
		pb_str(&b, "Description", f[i].path);
		pb_u64(&b, "FileSize", f[i].size);
		pb_u32(&b, "MaxFileSize", 16u * 1024u * 1024u);
		pb_u32(&b, "NumberOfRecords", f[i].records);
		pb_str(&b, "OverwritePolicy", "WhenNeeded");
		pb_str(&b, "Status", "OK");
		rc = pc_emit(&b);
		if (rc != OWMI_S_OK) {
			return rc;
		}
	}
	return OWMI_S_OK;
}

static const struct pclass classes[] = {
	{ .name = "Win32_NTLogEvent",
	  .each = ev_each,
	  .get = ev_get,
	  .query = ev_query },
	{ .name = "Win32_NTEventlogFile", .each = file_each },
};

OWMI_PROVIDER_EXPORT int owmi_provider_init(const struct owmi_host *host,
                                            uint32_t host_abi,
                                            struct owmi_provider *out)
{
	struct plib *lib;

	return pl_init(host, host_abi, out, "OpenWMI_NTEventLog", classes,
	               sizeof(classes) / sizeof(classes[0]), false, &lib);
}
