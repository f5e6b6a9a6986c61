/*
 * evlog: the event logs of OpenWMI as Windows event log records
 * (providers layer; the data side of Win32_NTLogEvent, ntevent.c).
 *
 * wmid writes two logs in its log folder (the folder comes to the
 * provider host in the environment variable OWMI_LOG_DIR, set by wmid):
 *
 *   activity.log  Logfile "Microsoft-Windows-WMI-Activity/Operational":
 *                 events 5858 (Error) and 5857 (Information) of the
 *                 object manager (cimom/activity.h), source
 *                 "Microsoft-Windows-WMI-Activity";
 *   dcom.log      Logfile "System": event 10016 (Error) of source
 *                 "Microsoft-Windows-DistributedCOM" (dcom/dcomlog.h).
 *
 * Both are JSON lines (base/jsonl.h).  A log is its rotated "<file>.1"
 * (when there is one) followed by the file.  A record's RecordNumber is
 * its line number in the .1, or the last line number of the .1 plus its
 * line number in the file: stable between rotations, renumbered by each
 * (Windows' record numbers never are).  Lines that do
 * not parse, lack an EventID or carry one past 32 bits are skipped.
 */
#ifndef OWMI_PROVIDERS_EVLOG_H
#define OWMI_PROVIDERS_EVLOG_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "base/errinfo.h"
#include "base/hresult.h"

#define PROV_EVLOG_ACTIVITY "Microsoft-Windows-WMI-Activity/Operational"
#define PROV_EVLOG_SYSTEM   "System"
/* At most this many records are read from each log (the newest). */
#define PROV_EVLOG_MAX_RECORDS 100000u

/* One record; strings never NULL. */
struct prov_evlog_event {
	const char *logfile;
	uint32_t record;    /* RecordNumber */
	uint32_t event_id;  /* EventIdentifier; EventCode is its low 16 */
	uint8_t event_type; /* 1 Error, 2 Warning, 3 Information */
	const char *type;   /* "Error", "Warning", "Information" */
	const char *source; /* SourceName */
	const char *computer;
	const char *user; /* "DOMAIN\user", or "" */
	const char *message;
	const char **strings; /* InsertionStrings */
	size_t n_strings;
	int64_t secs; /* TimeGenerated = TimeWritten, Unix time */
	uint32_t usecs;
};

/* One log file as Win32_NTEventlogFile describes it. */
struct prov_evlog_file {
	const char *logfile; /* LogfileName */
	const char *path;
	const char *file; /* base name */
	uint64_t size;    /* bytes; 0 when absent */
	uint32_t records; /* NumberOfRecords (parsed lines) */
};

/* The log folder: $OWMI_LOG_DIR, else /var/log/openwmi. */
const char *prov_evlog_dir(void);

/*
 * Reads the records of the log [logfile] (PROV_EVLOG_ACTIVITY or
 * PROV_EVLOG_SYSTEM; NULL: both, activity first; another name: none) in
 * folder [dir].  [computer] is the ComputerName of records that do not
 * name one.  Returns owned (talloc child of [mem]) the array in *out.  A
 * missing file is an empty log.
 * Errors: E_ACCESSDENIED, E_FAIL (an unreadable file), E_OUTOFMEMORY.
 */
hresult prov_evlog_read(void *mem,
                        const char *dir,
                        const char *logfile,
                        const char *computer,
                        struct prov_evlog_event **out,
                        size_t *n,
                        struct errinfo *ei);

/* The two logs of [dir] (always both, PROV_EVLOG_SYSTEM second) in
   out[2]; strings under [mem].  Errors: E_OUTOFMEMORY. */
hresult prov_evlog_files(void *mem,
                         const char *dir,
                         struct prov_evlog_file out[2]);

/* Parses "YYYY-MM-DDTHH:MM:SS[.ffffff]Z" into Unix time.  False when it
   is not one. */
bool prov_evlog_parse_time(const char *s, int64_t *secs, uint32_t *usecs);

#endif
