/*
 * activity: the WMI activity log, JSON lines (cimom layer).
 *
 * The writer formats a whole event into one buffer and writes it with one
 * write(2) on an O_APPEND descriptor.  The reader parses only what the
 * writer produces: one flat JSON object per line whose values are strings
 * or unsigned integers; anything else on a line makes the line skipped.
 */
#include "cimom/activity.h"

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <talloc.h>
#include <unistd.h>

#include "base/buf.h"
#include "base/jsonl.h"
#include "base/log.h"
#include "base/utf.h"

struct cimom_activity_log {
	int fd;
};

/* Lines longer than this are not read back (the writer caps fields). */
#define ACTIVITY_MAX_LINE (64u * 1024u)
/* The writer truncates Operation and PossibleCause to this many bytes. */
#define ACTIVITY_MAX_FIELD 4096u

static int log_destructor(struct cimom_activity_log *log)
{
	if (log->fd >= 0) {
		close(log->fd);
	}
	return 0;
}

static hresult errno_hr(int e)
{
	switch (e) {
	case EACCES:
	case EPERM:
	case EROFS:
		return HR_E_ACCESSDENIED;
	case ENOENT:
	case ENOTDIR:
		return HR_HR_ERROR_FILE_NOT_FOUND;
	case ENOMEM:
		return HR_E_OUTOFMEMORY;
	default:
		return HR_E_FAIL;
	}
}

hresult cimom_activity_open(void *mem,
                            const char *path,
                            struct cimom_activity_log **out)
{
	struct cimom_activity_log *log;

	log = talloc_zero(mem, struct cimom_activity_log);
	if (log == NULL) {
		return hr_raise(HR_E_OUTOFMEMORY);
	}
	log->fd = open(path, O_WRONLY | O_APPEND | O_CREAT | O_CLOEXEC, 0640);
	if (log->fd < 0) {
		hresult hr = errno_hr(errno);

		talloc_free(log);
		return hr_raise(hr);
	}
	talloc_set_destructor(log, log_destructor);
	*out = log;
	return HR_OK;
}

/* Appends [s] as a JSON string (quoted, escaped), at most [max] bytes of
 * input, cut at a UTF-8 character boundary. */
static const char *or_unknown(const char *s)
{
	return (s != NULL && s[0] != '\0') ? s : "Unknown";
}

/* A result code as Windows prints it: "0x80041010". */
static void add_code(struct jsonl_out *o, const char *key, uint32_t code)
{
	char hex[16];

	snprintf(hex, sizeof(hex), "0x%X", code);
	jsonl_str(o, key, hex, sizeof(hex));
}

/* The 5857 fields, after EventID. */
static void add_started(struct jsonl_out *o,
                        const struct cimom_activity_event *ev)
{
	jsonl_str(o, "ProviderName", ev->provider_name, 256);
	add_code(o, "Code", ev->result_code);
	jsonl_str(o, "HostProcess", ev->host_process, 256);
	jsonl_u64(o, "ProcessID", ev->host_pid);
	jsonl_str(o, "ProviderPath", ev->provider_path, ACTIVITY_MAX_FIELD);
	jsonl_str(o, "Namespace", ev->ns, 1024);
}

hresult cimom_activity_write(struct cimom_activity_log *log,
                             const struct cimom_activity_event *ev)
{
	struct jsonl_out o;
	char now[48];
	hresult hr;
	ssize_t w;

	if (log == NULL) {
		return HR_OK;
	}
	if (ev->time == NULL || ev->time[0] == '\0') {
		log_timestamp(now);
	} else {
		snprintf(now, sizeof(now), "%s", ev->time);
	}
	jsonl_begin(&o, NULL);
	jsonl_str(&o, "TimeCreated", now, 64);
	jsonl_u64(&o, "EventID",
	          ev->event_id ? ev->event_id : CIMOM_EVENT_CLIENT_FAILURE);
	if (ev->event_id == CIMOM_EVENT_PROVIDER_STARTED) {
		add_started(&o, ev);
	} else {
		jsonl_str(&o, "Id", ev->id, 128);
		jsonl_str(&o, "ClientMachine", ev->client_machine, 256);
		jsonl_str(&o, "User", ev->user, 512);
		jsonl_u64(&o, "ClientProcessId", ev->client_pid);
		jsonl_str(&o, "Component", or_unknown(ev->component), 256);
		jsonl_str(&o, "Operation", ev->operation, ACTIVITY_MAX_FIELD);
		add_code(&o, "ResultCode", ev->result_code);
		jsonl_str(&o, "PossibleCause", or_unknown(ev->possible_cause),
		          ACTIVITY_MAX_FIELD);
		jsonl_str(&o, "Namespace", ev->ns, 1024);
	}
	hr = jsonl_end(&o);
	if (hr_ok(hr)) {
		/* One write(2) on an O_APPEND file: lines stay whole. */
		w = write(log->fd, o.b.data, o.b.len);
		if (w < 0 || (size_t)w != o.b.len) {
			hr = hr_raise(HR_E_FAIL);
		}
	}
	buf_release(&o.b);
	return hr;
}

/* A decimal number of at most 32 bits (as jsonl keeps a number's
 * digits). */
static bool parse_u32(const char *s, uint32_t *out)
{
	uint64_t v = 0;

	if (s == NULL || *s == '\0') {
		return false;
	}
	for (; *s != '\0'; s++) {
		if (*s < '0' || *s > '9') {
			return false;
		}
		v = v * 10 + (uint64_t)(*s - '0');
		if (v > UINT32_MAX) {
			return false;
		}
	}
	*out = (uint32_t)v;
	return true;
}

static bool parse_hex32(const char *s, uint32_t *out)
{
	char *end;
	unsigned long v;

	if (s[0] != '0' || (s[1] != 'x' && s[1] != 'X')) {
		return false;
	}
	errno = 0;
	v = strtoul(s + 2, &end, 16);
	if (errno != 0 || *end != '\0' || end == s + 2 || v > UINT32_MAX) {
		return false;
	}
	*out = (uint32_t)v;
	return true;
}

static char **field_of(struct cimom_activity_event *ev, const char *key)
{
	static const struct {
		const char *key;
		size_t off;
	} fields[] = {
		{ "TimeCreated", offsetof(struct cimom_activity_event, time) },
		{ "Id", offsetof(struct cimom_activity_event, id) },
		{ "ClientMachine",
		  offsetof(struct cimom_activity_event, client_machine) },
		{ "User", offsetof(struct cimom_activity_event, user) },
		{ "Component",
		  offsetof(struct cimom_activity_event, component) },
		{ "Operation",
		  offsetof(struct cimom_activity_event, operation) },
		{ "PossibleCause",
		  offsetof(struct cimom_activity_event, possible_cause) },
		{ "Namespace", offsetof(struct cimom_activity_event, ns) },
		{ "ProviderName",
		  offsetof(struct cimom_activity_event, provider_name) },
		{ "HostProcess",
		  offsetof(struct cimom_activity_event, host_process) },
		{ "ProviderPath",
		  offsetof(struct cimom_activity_event, provider_path) },
	};

	for (size_t i = 0; i < sizeof(fields) / sizeof(fields[0]); i++) {
		if (strcmp(fields[i].key, key) == 0) {
			return (char **)((char *)ev + fields[i].off);
		}
	}
	return NULL;
}

/* Parses one line into [ev] (strings under [mem]).  False: skip it. */
static bool parse_line(void *mem,
                       const char *line,
                       size_t len,
                       struct cimom_activity_event *ev)
{
	struct jsonl_field *f = NULL;
	size_t nf = 0;
	char **slot;

	memset(ev, 0, sizeof(*ev));
	if (!jsonl_parse(mem, line, len, &f, &nf)) {
		return false;
	}
	for (size_t i = 0; i < nf; i++) {
		const char *key = f[i].key;
		const char *v = f[i].str;
		uint32_t *num = NULL;

		if (v == NULL) {
			continue; /* an array: no such field here */
		}
		if ((slot = field_of(ev, key)) != NULL) {
			*slot = f[i].str;
			continue;
		}
		if (strcmp(key, "ResultCode") == 0 ||
		    strcmp(key, "Code") == 0) {
			if (!(v[0] == '0' && (v[1] == 'x' || v[1] == 'X')
			              ? parse_hex32(v, &ev->result_code)
			              : parse_u32(v, &ev->result_code))) {
				return false;
			}
			continue;
		}
		if (strcmp(key, "EventID") == 0) {
			num = &ev->event_id;
		} else if (strcmp(key, "ClientProcessId") == 0) {
			num = &ev->client_pid;
		} else if (strcmp(key, "ProcessID") == 0) {
			num = &ev->host_pid;
		}
		if (num != NULL && !parse_u32(v, num)) {
			return false;
		}
	}
	if (ev->event_id == 0) {
		return false;
	}
	/* Strings are never NULL in a returned event. */
	for (const char *const *k =
	             (const char *const[]){
	                     "TimeCreated", "Id", "ClientMachine", "User",
	                     "Component", "Operation", "PossibleCause",
	                     "Namespace", "ProviderName", "HostProcess",
	                     "ProviderPath", NULL };
	     *k != NULL; k++) {
		slot = field_of(ev, *k);
		if (*slot == NULL) {
			*slot = talloc_strdup(mem, "");
			if (*slot == NULL) {
				return false;
			}
		}
	}
	return true;
}

static bool matches(const struct cimom_activity_filter *f,
                    const struct cimom_activity_event *ev)
{
	if (f == NULL) {
		return true;
	}
	if (f->event_id != 0 && f->event_id != ev->event_id) {
		return false;
	}
	if (f->result_code != 0 && f->result_code != ev->result_code) {
		return false;
	}
	if (f->client_pid != 0 && f->client_pid != ev->client_pid) {
		return false;
	}
	if (f->user != NULL && utf8_casecmp(f->user, ev->user) != 0) {
		return false;
	}
	if (f->id != NULL && strcmp(f->id, ev->id) != 0) {
		return false;
	}
	return true;
}

hresult cimom_activity_read(void *mem,
                            const char *path,
                            const struct cimom_activity_filter *f,
                            struct cimom_activity_event **out,
                            size_t *n,
                            struct errinfo *ei)
{
	FILE *fp;
	char *line = NULL;
	size_t cap = 0, count = 0, alloc = 0;
	ssize_t len;
	struct cimom_activity_event *evs = NULL;
	void *tmp = NULL;
	hresult hr = HR_OK;

	fp = fopen(path, "re");
	if (fp == NULL) {
		hr = errno_hr(errno);
		return err_set(ei, hr, "cimom", "cannot open activity log '%s'",
		               path);
	}
	tmp = talloc_new(mem);
	if (tmp == NULL) {
		hr = err_set(ei, HR_E_OUTOFMEMORY, "cimom", "out of memory");
		goto out;
	}
	while ((len = getline(&line, &cap, fp)) >= 0) {
		struct cimom_activity_event ev;
		void *evmem;

		if (len > 0 && line[len - 1] == '\n') {
			len--;
		}
		if (len == 0 || (size_t)len > ACTIVITY_MAX_LINE) {
			continue;
		}
		evmem = talloc_new(tmp);
		if (evmem == NULL) {
			hr = err_set(ei, HR_E_OUTOFMEMORY, "cimom",
			             "out of memory");
			goto out;
		}
		if (!parse_line(evmem, line, (size_t)len, &ev) ||
		    !matches(f, &ev)) {
			talloc_free(evmem);
			continue;
		}
		if (f != NULL && f->max != 0 && count == f->max) {
			/* Keep the last max: drop the oldest. */
			talloc_free(talloc_parent(evs[0].time));
			memmove(&evs[0], &evs[1], (count - 1) * sizeof(evs[0]));
			count--;
		}
		if (count == alloc) {
			size_t na = alloc ? alloc * 2 : 16;
			struct cimom_activity_event *ne;

			ne = talloc_realloc(tmp, evs,
			                    struct cimom_activity_event, na);
			if (ne == NULL) {
				hr = err_set(ei, HR_E_OUTOFMEMORY, "cimom",
				             "out of memory");
				goto out;
			}
			evs = ne;
			alloc = na;
		}
		evs[count++] = ev;
	}
	if (ferror(fp)) {
		hr = err_set(ei, HR_E_FAIL, "cimom",
		             "cannot read activity log '%s'", path);
		goto out;
	}
	if (evs == NULL) {
		evs = talloc_array(tmp, struct cimom_activity_event, 0);
		if (evs == NULL) {
			hr = err_set(ei, HR_E_OUTOFMEMORY, "cimom",
			             "out of memory");
			goto out;
		}
	}
	talloc_steal(mem, evs);
	for (size_t i = 0; i < count; i++) {
		talloc_steal(evs, talloc_parent(evs[i].time));
	}
	*out = evs;
	*n = count;
out:
	free(line); /* getline's buffer comes from malloc */
	fclose(fp);
	talloc_free(tmp);
	return hr;
}

char *cimom_activity_format_message(void *mem,
                                    const struct cimom_activity_event *ev)
{
	if (ev->event_id == CIMOM_EVENT_PROVIDER_STARTED) {
		return talloc_asprintf(
		        mem,
		        "%s provider started with result code 0x%X. "
		        "HostProcess = %s; ProcessID = %u; ProviderPath = %s",
		        ev->provider_name ? ev->provider_name : "",
		        ev->result_code,
		        ev->host_process ? ev->host_process : "", ev->host_pid,
		        ev->provider_path ? ev->provider_path : "");
	}
	return talloc_asprintf(
	        mem,
	        "Id = %s; ClientMachine = %s; User = %s; ClientProcessId = %u; "
	        "Component = %s; Operation = %s; ResultCode = 0x%X; "
	        "PossibleCause = %s",
	        ev->id ? ev->id : "",
	        ev->client_machine ? ev->client_machine : "",
	        ev->user ? ev->user : "", ev->client_pid,
	        or_unknown(ev->component), ev->operation ? ev->operation : "",
	        ev->result_code, or_unknown(ev->possible_cause));
}
