/*
 * evlog: the event logs of OpenWMI as Windows event log records
 * (providers layer; evlog.h).
 */
#include "providers/evlog.h"

#include <errno.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/stat.h>
#include <talloc.h>
#include <time.h>

#include "base/jsonl.h"

#define DEFAULT_DIR     "/var/log/openwmi"
#define ACTIVITY_FILE   "activity.log"
#define DCOM_FILE       "dcom.log"
#define ACTIVITY_SOURCE "Microsoft-Windows-WMI-Activity"
#define DCOM_SOURCE     "Microsoft-Windows-DistributedCOM"

const char *prov_evlog_dir(void)
{
	const char *d = getenv("OWMI_LOG_DIR");

	return d != NULL && d[0] == '/' ? d : DEFAULT_DIR;
}

static bool digits(const char *s, int n, int *out)
{
	int v = 0;

	for (int i = 0; i < n; i++) {
		if (s[i] < '0' || s[i] > '9') {
			return false;
		}
		v = v * 10 + (s[i] - '0');
	}
	*out = v;
	return true;
}

bool prov_evlog_parse_time(const char *s, int64_t *secs, uint32_t *usecs)
{
	struct tm tm;
	int y, mo, d, h, mi, se, us = 0;
	size_t n = s != NULL ? strlen(s) : 0;
	time_t t;

	if (n < 20 || s[4] != '-' || s[7] != '-' || s[10] != 'T' ||
	    s[13] != ':' || s[16] != ':' || !digits(s, 4, &y) ||
	    !digits(s + 5, 2, &mo) || !digits(s + 8, 2, &d) ||
	    !digits(s + 11, 2, &h) || !digits(s + 14, 2, &mi) ||
	    !digits(s + 17, 2, &se)) {
		return false;
	}
	if (s[19] == '.') {
		size_t k = 20, nd = 0;

		while (k < n && s[k] >= '0' && s[k] <= '9') {
			if (nd < 6) {
				us = us * 10 + (s[k] - '0');
				nd++;
			}
			k++;
		}
		if (nd == 0 || k != n - 1) {
			return false;
		}
		while (nd++ < 6) {
			us *= 10;
		}
	} else if (n != 20) {
		return false;
	}
	if (s[n - 1] != 'Z' || y < 1970 || mo < 1 || mo > 12 || d < 1 ||
	    d > 31 || h > 23 || mi > 59 || se > 60) {
		return false;
	}
	memset(&tm, 0, sizeof(tm));
	tm.tm_year = y - 1900;
	tm.tm_mon = mo - 1;
	tm.tm_mday = d;
	tm.tm_hour = h;
	tm.tm_min = mi;
	tm.tm_sec = se;
	t = timegm(&tm);
	if (t == (time_t)-1) {
		return false;
	}
	*secs = (int64_t)t;
	*usecs = (uint32_t)us;
	return true;
}

static const char *nz(const char *s)
{
	return s != NULL ? s : "";
}

/* The record's strings [keys] in order, as insertion strings. */
static bool take_strings(void *mem,
                         const struct jsonl_record *r,
                         const char *const *keys,
                         size_t n,
                         struct prov_evlog_event *ev)
{
	ev->strings = talloc_array(mem, const char *, n);
	if (ev->strings == NULL) {
		return false;
	}
	for (size_t i = 0; i < n; i++) {
		ev->strings[i] = nz(jsonl_get(r, keys[i]));
	}
	ev->n_strings = n;
	return true;
}

/* Activity log: 5858, 5857, others with their fields as "k = v; ...". */
static bool from_activity(void *mem,
                          const struct jsonl_record *r,
                          struct prov_evlog_event *ev)
{
	static const char *const k5858[] = {
		"Id",        "ClientMachine", "User",       "ClientProcessId",
		"Component", "Operation",     "ResultCode", "PossibleCause",
	};
	static const char *const k5857[] = {
		"ProviderName", "Code",         "HostProcess",
		"ProcessID",    "ProviderPath",
	};
	const char *const *s;

	ev->source = ACTIVITY_SOURCE;
	if (ev->event_id == 5858) {
		if (!take_strings(mem, r, k5858, 8, ev)) {
			return false;
		}
		s = ev->strings;
		ev->event_type = 1;
		ev->type = "Error";
		ev->user = s[2];
		ev->message = talloc_asprintf(
		        mem,
		        "Id = %s; ClientMachine = %s; User = %s; "
		        "ClientProcessId = %s; Component = %s; Operation = %s; "
		        "ResultCode = %s; PossibleCause = %s",
		        s[0], s[1], s[2], s[3], s[4], s[5], s[6], s[7]);
	} else if (ev->event_id == 5857) {
		if (!take_strings(mem, r, k5857, 5, ev)) {
			return false;
		}
		s = ev->strings;
		ev->message = talloc_asprintf(
		        mem,
		        "%s provider started with result code %s. "
		        "HostProcess = %s; ProcessID = %s; ProviderPath = %s",
		        s[0], s[1], s[2], s[3], s[4]);
	} else {
		char *m = talloc_strdup(mem, "");

		for (size_t i = 0; m != NULL && i < r->n; i++) {
			if (r->f[i].str == NULL ||
			    strcmp(r->f[i].key, "TimeCreated") == 0 ||
			    strcmp(r->f[i].key, "EventID") == 0) {
				continue;
			}
			m = talloc_asprintf_append(m, "%s%s = %s",
			                           m[0] ? "; " : "",
			                           r->f[i].key, r->f[i].str);
		}
		ev->message = m;
	}
	return ev->message != NULL;
}

/* DCOM log: the record carries its message and insertion strings. */
static bool from_dcom(void *mem,
                      const struct jsonl_record *r,
                      struct prov_evlog_event *ev)
{
	const char *level = nz(jsonl_get(r, "Level"));
	const char *dom = jsonl_get(r, "Domain");
	const char *user = jsonl_get(r, "User");
	char *const *v;
	size_t n;

	ev->source = jsonl_get(r, "Source") ? jsonl_get(r, "Source")
	                                    : DCOM_SOURCE;
	if (strcmp(level, "Warning") == 0) {
		ev->event_type = 2;
		ev->type = "Warning";
	} else if (strcmp(level, "Information") == 0) {
		ev->event_type = 3;
		ev->type = "Information";
	} else {
		ev->event_type = 1;
		ev->type = "Error";
	}
	if (jsonl_get(r, "Computer") != NULL &&
	    jsonl_get(r, "Computer")[0] != '\0') {
		ev->computer = jsonl_get(r, "Computer");
	}
	if (user != NULL && user[0] != '\0') {
		ev->user = dom != NULL && dom[0] != '\0'
		                   ? talloc_asprintf(mem, "%s\\%s", dom, user)
		                   : user;
		if (ev->user == NULL) {
			return false;
		}
	}
	ev->message = nz(jsonl_get(r, "Message"));
	v = jsonl_get_arr(r, "InsertionStrings", &n);
	ev->strings = (const char **)v;
	ev->n_strings = v != NULL ? n : 0;
	return true;
}

/* Appends the records of the file [path] to *out (growing *cap),
 * numbered from [base] + 1; *last gets the last line number read. */
static hresult read_file(void *mem,
                         const char *path,
                         bool activity,
                         const char *computer,
                         uint64_t base,
                         uint64_t *last,
                         struct prov_evlog_event **out,
                         size_t *n,
                         size_t *cap,
                         struct errinfo *ei)
{
	struct jsonl_record *recs = NULL;
	size_t nr = 0;
	hresult hr;

	*last = 0;
	hr = jsonl_read(mem, path, PROV_EVLOG_MAX_RECORDS, &recs, &nr, ei);
	if (hr_eq(hr, HR_HR_ERROR_FILE_NOT_FOUND)) {
		return HR_OK;
	}
	if (hr_failed(hr)) {
		return hr;
	}
	if (nr > 0) {
		*last = recs[nr - 1].line;
	}
	for (size_t i = 0; i < nr; i++) {
		struct prov_evlog_event ev;
		const char *id = jsonl_get(&recs[i], "EventID");
		char *end = NULL;
		unsigned long long v;

		if (id == NULL || id[0] == '\0') {
			continue;
		}
		errno = 0;
		v = strtoull(id, &end, 10);
		if (errno != 0 || *end != '\0' || v > UINT32_MAX ||
		    base + recs[i].line > UINT32_MAX) {
			continue;
		}
		memset(&ev, 0, sizeof(ev));
		ev.logfile = activity ? PROV_EVLOG_ACTIVITY : PROV_EVLOG_SYSTEM;
		ev.record = (uint32_t)(base + recs[i].line);
		ev.event_id = (uint32_t)v;
		ev.event_type = 3;
		ev.type = "Information";
		ev.computer = computer;
		ev.user = "";
		if (!prov_evlog_parse_time(jsonl_get(&recs[i], "TimeCreated"),
		                           &ev.secs, &ev.usecs)) {
			ev.secs = 0;
			ev.usecs = 0;
		}
		if (!(activity ? from_activity(recs, &recs[i], &ev)
		               : from_dcom(recs, &recs[i], &ev))) {
			return hr_raise(HR_E_OUTOFMEMORY);
		}
		if (*n == *cap) {
			size_t nc = *cap ? *cap * 2 : 32;
			struct prov_evlog_event *p = talloc_realloc(
			        mem, *out, struct prov_evlog_event, nc);

			if (p == NULL) {
				return hr_raise(HR_E_OUTOFMEMORY);
			}
			*out = p;
			*cap = nc;
		}
		(*out)[(*n)++] = ev;
	}
	return HR_OK;
}

/* Appends the records of one log: its rotated "<file>.1" first, then the
 * file, numbered on from the last line of the .1. */
static hresult read_one(void *mem,
                        const char *dir,
                        const char *logfile,
                        const char *computer,
                        struct prov_evlog_event **out,
                        size_t *n,
                        size_t *cap,
                        struct errinfo *ei)
{
	bool activity = strcmp(logfile, PROV_EVLOG_ACTIVITY) == 0;
	const char *file = activity ? ACTIVITY_FILE : DCOM_FILE;
	char *old = talloc_asprintf(mem, "%s/%s.1", dir, file);
	char *path = talloc_asprintf(mem, "%s/%s", dir, file);
	uint64_t last = 0, unused;
	hresult hr;

	if (old == NULL || path == NULL) {
		return hr_raise(HR_E_OUTOFMEMORY);
	}
	hr = read_file(mem, old, activity, computer, 0, &last, out, n, cap, ei);
	if (hr_ok(hr)) {
		hr = read_file(mem, path, activity, computer, last, &unused,
		               out, n, cap, ei);
	}
	return hr;
}

hresult prov_evlog_read(void *mem,
                        const char *dir,
                        const char *logfile,
                        const char *computer,
                        struct prov_evlog_event **out,
                        size_t *n,
                        struct errinfo *ei)
{
	static const char *const logs[] = { PROV_EVLOG_ACTIVITY,
		                            PROV_EVLOG_SYSTEM };
	void *tmp = talloc_new(mem);
	struct prov_evlog_event *ev = NULL;
	size_t cnt = 0, cap = 0;
	hresult hr = HR_OK;

	*out = NULL;
	*n = 0;
	if (tmp == NULL) {
		return hr_raise(HR_E_OUTOFMEMORY);
	}
	for (size_t i = 0; i < 2 && hr_ok(hr); i++) {
		if (logfile == NULL || strcasecmp(logfile, logs[i]) == 0) {
			hr = read_one(tmp, dir, logs[i], nz(computer), &ev,
			              &cnt, &cap, ei);
		}
	}
	if (hr_failed(hr)) {
		talloc_free(tmp);
		return hr;
	}
	*out = ev;
	*n = cnt;
	/* The records' strings live under tmp, which becomes a child of
	   [mem] with them: freeing [mem] frees all. */
	return HR_OK;
}

hresult prov_evlog_files(void *mem,
                         const char *dir,
                         struct prov_evlog_file out[2])
{
	static const char *const names[2][2] = {
		{ PROV_EVLOG_ACTIVITY, ACTIVITY_FILE },
		{ PROV_EVLOG_SYSTEM, DCOM_FILE },
	};

	for (size_t i = 0; i < 2; i++) {
		struct jsonl_record *recs = NULL;
		size_t nr = 0;
		struct stat st;

		memset(&out[i], 0, sizeof(out[i]));
		out[i].logfile = names[i][0];
		out[i].file = names[i][1];
		out[i].path = talloc_asprintf(mem, "%s/%s", dir, names[i][1]);
		if (out[i].path == NULL) {
			return hr_raise(HR_E_OUTOFMEMORY);
		}
		if (stat(out[i].path, &st) == 0) {
			out[i].size = (uint64_t)st.st_size;
		}
		if (hr_ok(jsonl_read(mem, out[i].path, PROV_EVLOG_MAX_RECORDS,
		                     &recs, &nr, NULL))) {
			out[i].records = (uint32_t)nr;
		}
		talloc_free(recs);
	}
	return HR_OK;
}
