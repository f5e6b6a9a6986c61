/*
 * dcomlog: the DCOM log (dcom layer), the analogue of the System log's
 * events from source Microsoft-Windows-DistributedCOM (reference 3.7).
 *
 * One record per refusal of the exporter's access hook (exporter.h,
 * report_refusal): event 10016, "The application-specific permission
 * settings do not grant {Local|Remote} {Activation|Access} permission for
 * the COM Server application with CLSID {..} and APPID {..} to the user
 * DOMAIN\user SID (S-..) from address A running in the application
 * container Unavailable SID (Unavailable). This security permission can
 * be modified using the Component Services administrative tool."
 * (one line here; Windows breaks it around the GUIDs).
 *
 * The file (wmid: <log_dir>/dcom.log, next to activity.log) holds one
 * JSON object per line (base/jsonl.h), size-bounded by jsonl_append:
 *
 *   {"TimeCreated":"2026-11-27T03:30:00.123456Z","EventID":10016,
 *    "Source":"Microsoft-Windows-DistributedCOM","Level":"Error",
 *    "Computer":"HOST","Scope":"application-specific",
 *    "Locality":"Remote","Permission":"Activation",
 *    "CLSID":"{8BC3F05E-...}","APPID":"{8BC3F05E-...}",
 *    "Domain":"HOST","User":"plain","SID":"S-1-5-21-...-1001",
 *    "Address":"127.0.0.1","ResultCode":"0x80070005",
 *    "Message":"The application-specific ...",
 *    "InsertionStrings":["application-specific","Remote","Activation",
 *                        "{..}","{..}","HOST","plain","S-1-5-...",
 *                        "127.0.0.1","Unavailable","Unavailable"]}
 *
 * InsertionStrings are the event's %1..%11 in Windows' order.  Local
 * callers (ncalrpc) are "Local" from address "LocalHost (Using LRPC)".
 */
#ifndef OWMI_DCOM_DCOMLOG_H
#define OWMI_DCOM_DCOMLOG_H

#include <stdbool.h>
#include <stdint.h>

#include "base/hresult.h"
#include "dcom/exporter.h"

#define DCOM_EVENT_PERMISSION 10016u
#define DCOM_EVENT_SOURCE     "Microsoft-Windows-DistributedCOM"
/* Address of a local (ncalrpc) caller, as Windows writes it. */
#define DCOM_LOCAL_ADDRESS "LocalHost (Using LRPC)"

/* One refusal.  Strings are borrowed; NULL is written as "". */
struct dcom_refusal_event {
	const char *time;       /* ISO 8601 UTC; NULL or "": now */
	const char *computer;   /* the server's name */
	bool remote;            /* Remote (network) or Local (ncalrpc) */
	enum dcom_access_op op; /* LAUNCH: "Activation"; CALL: "Access" */
	const char *clsid;      /* "{GUID}" */
	const char *appid;      /* "{GUID}" */
	const char *domain;
	const char *user;
	const char *sid; /* "S-1-..."; NULL: "Unavailable" */
	const char *address;
	uint32_t result_code; /* 0x80070005 */
};

/* Windows' message text of [ev]; owned (talloc child of [mem]) or NULL
   (OOM). */
char *dcom_refusal_message(void *mem, const struct dcom_refusal_event *ev);

/*
 * Appends [ev] to the DCOM log [path] (one line, one write; the file is
 * rotated to "<path>.1" past [max_bytes], 0: 16 MiB).  Errors as
 * jsonl_append.
 */
hresult dcom_refusal_write(const char *path,
                           const struct dcom_refusal_event *ev,
                           uint64_t max_bytes);

#endif
