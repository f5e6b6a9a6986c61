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
static void json_str(struct buf *b, const char *s, size_t max)
{
	size_t n = s != NULL ? strlen(s) : 0;

	if (n > max) {
		n = max;
		while (n > 0 && ((unsigned char)s[n] & 0xC0) == 0x80) {
			n--;
		}
	}
	buf_addch(b, '"');
	for (size_t i = 0; i < n; i++) {
		unsigned char c = (unsigned char)s[i];

		switch (c) {
		case '"':
			buf_addstr(b, "\\\"");
			break;
		case '\\':
			buf_addstr(b, "\\\\");
			break;
		case '\n':
			buf_addstr(b, "\\n");
			break;
		case '\r':
			buf_addstr(b, "\\r");
			break;
		case '\t':
			buf_addstr(b, "\\t");
			break;
		default:
			if (c < 0x20 || c == 0x7F) {
				buf_addf(b, "\\u%04x", c);
			} else {
				buf_addch(b, (char)c);
			}
		}
	}
	buf_addch(b, '"');
}

static void json_key(struct buf *b, const char *key, bool first)
{
	if (!first) {
		buf_addch(b, ',');
	}
	buf_addch(b, '"');
	buf_addstr(b, key);
	buf_addstr(b, "\":");
}

static const char *or_unknown(const char *s)
{
	return (s != NULL && s[0] != '\0') ? s : "Unknown";
}

/* The 5857 fields, after EventID. */
static void add_started(struct buf *b, const struct cimom_activity_event *ev)
{
	json_key(b, "ProviderName", false);
	json_str(b, ev->provider_name, 256);
	json_key(b, "Code", false);
	buf_addf(b, "\"0x%X\"", ev->result_code);
	json_key(b, "HostProcess", false);
	json_str(b, ev->host_process, 256);
	json_key(b, "ProcessID", false);
	buf_addf(b, "%u", ev->host_pid);
	json_key(b, "ProviderPath", false);
	json_str(b, ev->provider_path, ACTIVITY_MAX_FIELD);
	json_key(b, "Namespace", false);
	json_str(b, ev->ns, 1024);
}

hresult cimom_activity_write(struct cimom_activity_log *log,
                             const struct cimom_activity_event *ev)
{
	struct buf b;
	char now[48];
	hresult hr = HR_OK;
	ssize_t w;

	if (log == NULL) {
		return HR_OK;
	}
	buf_init(&b, NULL);
	if (ev->time == NULL || ev->time[0] == '\0') {
		log_timestamp(now);
	} else {
		snprintf(now, sizeof(now), "%s", ev->time);
	}
	buf_addch(&b, '{');
	json_key(&b, "TimeCreated", true);
	json_str(&b, now, 64);
	json_key(&b, "EventID", false);
	buf_addf(&b, "%u",
	         ev->event_id ? ev->event_id : CIMOM_EVENT_CLIENT_FAILURE);
	if (ev->event_id == CIMOM_EVENT_PROVIDER_STARTED) {
		add_started(&b, ev);
		goto write;
	}
	json_key(&b, "Id", false);
	json_str(&b, ev->id, 128);
	json_key(&b, "ClientMachine", false);
	json_str(&b, ev->client_machine, 256);
	json_key(&b, "User", false);
	json_str(&b, ev->user, 512);
	json_key(&b, "ClientProcessId", false);
	buf_addf(&b, "%u", ev->client_pid);
	json_key(&b, "Component", false);
	json_str(&b, or_unknown(ev->component), 256);
	json_key(&b, "Operation", false);
	json_str(&b, ev->operation, ACTIVITY_MAX_FIELD);
	json_key(&b, "ResultCode", false);
	buf_addf(&b, "\"0x%X\"", ev->result_code);
	json_key(&b, "PossibleCause", false);
	json_str(&b, or_unknown(ev->possible_cause), ACTIVITY_MAX_FIELD);
	json_key(&b, "Namespace", false);
	json_str(&b, ev->ns, 1024);
write:
	buf_addstr(&b, "}\n");
	if (hr_failed(b.error)) {
		hr = hr_raise(b.error);
		goto out;
	}
	w = write(log->fd, b.data, b.len);
	if (w < 0 || (size_t)w != b.len) {
		hr = hr_raise(HR_E_FAIL);
	}
out:
	buf_release(&b);
	return hr;
}

/* The reader: a cursor over one line. */
struct jcur {
	const char *p, *end;
};

static void skip_ws(struct jcur *c)
{
	while (c->p < c->end && (*c->p == ' ' || *c->p == '\t')) {
		c->p++;
	}
}

static int hexval(char ch)
{
	if (ch >= '0' && ch <= '9') {
		return ch - '0';
	}
	if (ch >= 'a' && ch <= 'f') {
		return ch - 'a' + 10;
	}
	if (ch >= 'A' && ch <= 'F') {
		return ch - 'A' + 10;
	}
	return -1;
}

/* Parses a JSON string at the cursor into a new talloc string. */
static bool parse_str(void *mem, struct jcur *c, char **out)
{
	struct buf b;

	if (c->p >= c->end || *c->p != '"') {
		return false;
	}
	c->p++;
	buf_init(&b, mem);
	while (c->p < c->end && *c->p != '"') {
		char ch = *c->p++;

		if (ch != '\\') {
			buf_addch(&b, ch);
			continue;
		}
		if (c->p >= c->end) {
			goto bad;
		}
		ch = *c->p++;
		switch (ch) {
		case '"':
		case '\\':
		case '/':
			buf_addch(&b, ch);
			break;
		case 'n':
			buf_addch(&b, '\n');
			break;
		case 'r':
			buf_addch(&b, '\r');
			break;
		case 't':
			buf_addch(&b, '\t');
			break;
		case 'b':
			buf_addch(&b, '\b');
			break;
		case 'f':
			buf_addch(&b, '\f');
			break;
		case 'u': {
			uint32_t cp = 0;
			char u8[4];
			size_t k;

			if (c->end - c->p < 4) {
				goto bad;
			}
			for (int i = 0; i < 4; i++) {
				int v = hexval(c->p[i]);

				if (v < 0) {
					goto bad;
				}
				cp = cp * 16 + (uint32_t)v;
			}
			c->p += 4;
			k = utf8_put(u8, cp);
			if (k == 0) {
				goto bad;
			}
			buf_add(&b, u8, k);
			break;
		}
		default:
			goto bad;
		}
	}
	if (c->p >= c->end || hr_failed(b.error)) {
		goto bad;
	}
	c->p++;
	*out = buf_detach(&b, NULL);
	return true;
bad:
	buf_release(&b);
	return false;
}

static bool parse_uint(struct jcur *c, uint64_t *out)
{
	uint64_t v = 0;
	const char *start = c->p;

	while (c->p < c->end && *c->p >= '0' && *c->p <= '9') {
		if (v > (UINT64_MAX - 9) / 10) {
			return false;
		}
		v = v * 10 + (uint64_t)(*c->p - '0');
		c->p++;
	}
	*out = v;
	return c->p != start;
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
	struct jcur c = { line, line + len };
	char *key = NULL, *sval = NULL;
	uint64_t uval;
	char **slot;

	memset(ev, 0, sizeof(*ev));
	skip_ws(&c);
	if (c.p >= c.end || *c.p++ != '{') {
		return false;
	}
	skip_ws(&c);
	while (c.p < c.end && *c.p != '}') {
		if (!parse_str(mem, &c, &key)) {
			return false;
		}
		skip_ws(&c);
		if (c.p >= c.end || *c.p++ != ':') {
			return false;
		}
		skip_ws(&c);
		if (c.p < c.end && *c.p == '"') {
			if (!parse_str(mem, &c, &sval)) {
				return false;
			}
			slot = field_of(ev, key);
			if (slot != NULL) {
				*slot = sval;
			} else if (strcmp(key, "ResultCode") == 0 ||
			           strcmp(key, "Code") == 0) {
				if (!parse_hex32(sval, &ev->result_code)) {
					return false;
				}
			}
		} else {
			if (!parse_uint(&c, &uval) || uval > UINT32_MAX) {
				return false;
			}
			if (strcmp(key, "EventID") == 0) {
				ev->event_id = (uint32_t)uval;
			} else if (strcmp(key, "ClientProcessId") == 0) {
				ev->client_pid = (uint32_t)uval;
			} else if (strcmp(key, "ProcessID") == 0) {
				ev->host_pid = (uint32_t)uval;
			} else if (strcmp(key, "ResultCode") == 0) {
				ev->result_code = (uint32_t)uval;
			}
		}
		skip_ws(&c);
		if (c.p < c.end && *c.p == ',') {
			c.p++;
			skip_ws(&c);
		}
	}
	if (c.p >= c.end || ev->event_id == 0) {
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
