/*
 * activity: the WMI activity log (cimom layer; the analogue of the
 * Microsoft-Windows-WMI-Activity/Operational channel, reference 4.2).
 *
 * Every failure that leaves the object manager is written exactly once as
 * event 5858 (Operation_ClientFailure).  The file holds one JSON object per
 * line, keys in the order of Windows' message text, then our additions:
 *
 *   {"TimeCreated":"2026-11-26T23:04:17.123456Z","EventID":5858,
 *    "Id":"{...}","ClientMachine":"HOST","User":"DOMAIN\\alice",
 *    "ClientProcessId":1234,"Component":"Unknown",
 *    "Operation":"Start IWbemServices::ExecQuery - root\\cimv2 : SELECT ...",
 *    "ResultCode":"0x80041010","PossibleCause":"Unknown",
 *    "Namespace":"root\\cimv2"}
 *
 * (one line in the file; wrapped here).  Strings are JSON-escaped UTF-8.
 * Each event is written with a single write(2) on an O_APPEND descriptor,
 * so concurrent writers never interleave within a line.
 */
#ifndef OWMI_CIMOM_ACTIVITY_H
#define OWMI_CIMOM_ACTIVITY_H

#include <stddef.h>
#include <stdint.h>

#include "base/errinfo.h"
#include "base/hresult.h"

#define CIMOM_EVENT_CLIENT_FAILURE 5858u
/*
 * Event 5857 (Operation_StartedOperational): a provider host loaded a
 * provider.  Written with the keys TimeCreated, EventID, ProviderName,
 * Code (the ResultCode, "0x%X"), HostProcess, ProcessID, ProviderPath,
 * Namespace; read back into the provider_* and host_* fields below (Code
 * into result_code).
 */
#define CIMOM_EVENT_PROVIDER_STARTED 5857u

struct cimom_activity_log;

/* One event, as written or read back.  Strings are never NULL. */
struct cimom_activity_event {
	uint32_t event_id;    /* 5858 */
	char *time;           /* TimeCreated, ISO 8601 UTC */
	char *id;             /* Id: the operation id, "{GUID}" */
	char *client_machine; /* ClientMachine */
	char *user;           /* User: "DOMAIN\user" or "user" */
	uint32_t client_pid;  /* ClientProcessId */
	char *component;      /* Component: "Unknown" unless known */
	char *operation;      /* Operation: "Start IWbemServices::..." */
	uint32_t result_code; /* ResultCode, written as 0x%X */
	char *possible_cause; /* PossibleCause: errinfo cause/msg or "Unknown"
	                       */
	char *ns;             /* Namespace */
	/* 5857 only (NULL or empty in 5858 events written by old code): */
	char *provider_name; /* ProviderName */
	char *host_process;  /* HostProcess, e.g. "wmiprvse" */
	uint32_t host_pid;   /* ProcessID */
	char *provider_path; /* ProviderPath: the library */
};

/*
 * Opens (creates 0640, appends) the activity log at [path].  Returns owned
 * (talloc child of [mem]) in *out; the descriptor closes with it.
 * Errors: E_ACCESSDENIED (EACCES/EPERM), HR_ERROR_FILE_NOT_FOUND (no such
 * folder), E_FAIL (other open errors), E_OUTOFMEMORY.
 */
hresult cimom_activity_open(void *mem,
                            const char *path,
                            struct cimom_activity_log **out);

/*
 * Appends [ev] (borrowed; time empty or NULL: now) as one line.  NULL-safe
 * in [log] (then nothing is written).  Errors: E_FAIL on a short write,
 * E_OUTOFMEMORY.
 */
hresult cimom_activity_write(struct cimom_activity_log *log,
                             const struct cimom_activity_event *ev);

/* Which events cimom_activity_read returns; zero fields match anything. */
struct cimom_activity_filter {
	uint32_t event_id;    /* 0: any */
	uint32_t result_code; /* 0: any */
	uint32_t client_pid;  /* 0: any */
	const char *user;     /* NULL: any; else case-insensitive equal */
	const char *id;       /* NULL: any; else the operation id */
	size_t max;           /* 0: no limit; else the LAST max events */
};

/*
 * Reads the events of the log at [path] that match [f] (may be NULL), in
 * file order.  Returns owned (talloc child of [mem]) an array in *out and
 * its length in *n.  Lines that do not parse are skipped (a torn last line
 * after a crash is not an error).
 * Errors: HR_ERROR_FILE_NOT_FOUND (no file), E_ACCESSDENIED, E_FAIL,
 * E_OUTOFMEMORY.
 */
hresult cimom_activity_read(void *mem,
                            const char *path,
                            const struct cimom_activity_filter *f,
                            struct cimom_activity_event **out,
                            size_t *n,
                            struct errinfo *ei);

/*
 * Formats [ev] as Windows' message text.  5857: "%1 provider started with
 * result code %2. HostProcess = %3; ProcessID = %4; ProviderPath = %5".
 * 5858:
 * "Id = ...; ClientMachine = ...; User = ...; ClientProcessId = ...;
 * Component = ...; Operation = ...; ResultCode = 0x...; PossibleCause = ..."
 * Returns owned (talloc child of [mem]) or NULL on OOM.
 */
char *cimom_activity_format_message(void *mem,
                                    const struct cimom_activity_event *ev);

#endif
