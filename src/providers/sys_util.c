/*
 * sys_util: file reading, assignments, time and memory counters shared by
 * the readers (providers layer).
 */
#include "providers/sysinfo.h"

#include <ctype.h>
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <string.h>
#include <talloc.h>
#include <time.h>
#include <unistd.h>

#include "base/buf.h"

#define LAYER "providers"

static hresult errno_hr(int e)
{
	switch (e) {
	case ENOENT:
	case ENOTDIR:
		return HR_HR_ERROR_FILE_NOT_FOUND;
	case EACCES:
	case EPERM:
		return HR_E_ACCESSDENIED;
	case ENOMEM:
		return HR_E_OUTOFMEMORY;
	default:
		return HR_E_FAIL;
	}
}

hresult prov_read_file(void *mem,
                       const char *root,
                       const char *path,
                       size_t max,
                       char **out,
                       size_t *out_len,
                       struct errinfo *ei)
{
	char full[4096];
	struct buf b;
	hresult hr = HR_OK;
	int fd;

	if (max == 0) {
		max = PROV_MAX_FILE;
	}
	snprintf(full, sizeof(full), "%s%s", root ? root : "", path);
	fd = open(full, O_RDONLY | O_CLOEXEC);
	if (fd < 0) {
		int e = errno;

		return err_set(ei, errno_hr(e), LAYER, "cannot open %s: %s",
		               full, strerror(e));
	}
	buf_init(&b, mem);
	for (;;) {
		ssize_t r;

		if (hr_failed(hr = buf_grow(&b, 4096))) {
			goto out;
		}
		r = read(fd, b.data + b.len, b.alloc - b.len - 1);
		if (r < 0 && errno == EINTR) {
			continue;
		}
		if (r < 0) {
			int e = errno;

			hr = err_set(ei, errno_hr(e), LAYER,
			             "cannot read %s: %s", full, strerror(e));
			goto out;
		}
		if (r == 0) {
			break;
		}
		b.len += (size_t)r;
		b.data[b.len] = '\0';
		if (b.len > max) {
			hr = err_set(ei, HR_E_FAIL, LAYER,
			             "%s is longer than %zu bytes", full, max);
			goto out;
		}
	}
	if (b.alloc == 0 && hr_failed(hr = buf_grow(&b, 1))) {
		goto out;
	}
	*out = buf_detach(&b, out_len);
out:
	close(fd);
	buf_release(&b);
	if (hr_eq(hr, HR_E_OUTOFMEMORY)) {
		err_set(ei, hr, LAYER, "out of memory reading %s", full);
	}
	return hr;
}

char *prov_read_attr(void *mem, const char *root, const char *path)
{
	char full[4096];
	char line[4096];
	ssize_t r;
	size_t a = 0, z;
	int fd;

	snprintf(full, sizeof(full), "%s%s", root ? root : "", path);
	fd = open(full, O_RDONLY | O_CLOEXEC);
	if (fd < 0) {
		return NULL;
	}
	do {
		r = read(fd, line, sizeof(line) - 1);
	} while (r < 0 && errno == EINTR);
	close(fd);
	if (r <= 0) {
		return NULL;
	}
	line[r] = '\0';
	z = strcspn(line, "\n");
	while (a < z && isspace((unsigned char)line[a])) {
		a++;
	}
	while (z > a && isspace((unsigned char)line[z - 1])) {
		z--;
	}
	if (z == a) {
		return NULL;
	}
	return talloc_strndup(mem, line + a, z - a);
}

bool prov_parse_assignment(void *mem,
                           const char *line,
                           size_t len,
                           char **key,
                           char **value,
                           bool *oom)
{
	size_t i = 0, k0, k1, v0, v1;
	char *v;
	size_t o = 0;

	*key = NULL;
	*value = NULL;
	*oom = false;
	while (i < len && isspace((unsigned char)line[i])) {
		i++;
	}
	if (i == len || line[i] == '#') {
		return false;
	}
	/* An optional "export " prefix, as shells write it. */
	if (len - i > 7 && strncmp(line + i, "export ", 7) == 0) {
		i += 7;
		while (i < len && line[i] == ' ') {
			i++;
		}
	}
	k0 = i;
	while (i < len && (isalnum((unsigned char)line[i]) || line[i] == '_' ||
	                   line[i] == '.' || line[i] == '-')) {
		i++;
	}
	k1 = i;
	if (k1 == k0 || i == len || line[i] != '=') {
		return false;
	}
	v0 = i + 1;
	v1 = len;
	while (v1 > v0 && isspace((unsigned char)line[v1 - 1])) {
		v1--;
	}
	if (v1 - v0 >= 2 && (line[v0] == '"' || line[v0] == '\'') &&
	    line[v1 - 1] == line[v0]) {
		v0++;
		v1--;
	}
	v = talloc_array(mem, char, v1 - v0 + 1);
	*key = talloc_strndup(mem, line + k0, k1 - k0);
	if (v == NULL || *key == NULL) {
		talloc_free(v);
		TALLOC_FREE(*key);
		*oom = true;
		return false;
	}
	for (size_t j = v0; j < v1; j++) {
		if (line[j] == '\\' && j + 1 < v1 &&
		    strchr("\"\\`$", line[j + 1]) != NULL) {
			j++;
		}
		v[o++] = line[j];
	}
	v[o] = '\0';
	*value = v;
	return true;
}

int32_t prov_utc_offset_min(int64_t t)
{
	time_t tt = (time_t)t;
	struct tm tm;

	if (localtime_r(&tt, &tm) == NULL) {
		return 0;
	}
	return (int32_t)(tm.tm_gmtoff / 60);
}

void prov_dmtf_local(int64_t secs, uint32_t usecs, char out[26])
{
	time_t tt = (time_t)secs;
	struct tm tm;
	long off;

	if (localtime_r(&tt, &tm) == NULL) {
		memset(&tm, 0, sizeof(tm));
		tm.tm_year = 70;
		tm.tm_mday = 1;
	}
	char tmp[96];

	off = tm.tm_gmtoff / 60;
	snprintf(tmp, sizeof(tmp), "%04d%02d%02d%02d%02d%02d.%06u%c%03ld",
	         tm.tm_year + 1900, tm.tm_mon + 1, tm.tm_mday, tm.tm_hour,
	         tm.tm_min, tm.tm_sec, usecs % 1000000u, off < 0 ? '-' : '+',
	         (off < 0 ? -off : off) % 1000);
	memcpy(out, tmp, 25);
	out[25] = '\0';
}

hresult prov_boot_time(const char *root, int64_t *out, struct errinfo *ei)
{
	void *tmp = talloc_new(NULL);
	char *text = NULL;
	const char *p;
	hresult hr;

	if (tmp == NULL) {
		return HR_E_OUTOFMEMORY;
	}
	hr = prov_read_file(tmp, root, "/proc/stat", 0, &text, NULL, ei);
	if (hr_failed(hr)) {
		goto out;
	}
	p = strstr(text, "\nbtime ");
	if (p == NULL) {
		hr = err_set(ei, HR_E_FAIL, LAYER, "no btime in /proc/stat");
		goto out;
	}
	*out = strtoll(p + 7, NULL, 10);
out:
	talloc_free(tmp);
	return hr;
}

char *prov_host_name(void *mem)
{
	char host[256];

	if (gethostname(host, sizeof(host)) != 0) {
		snprintf(host, sizeof(host), "localhost");
	}
	host[sizeof(host) - 1] = '\0';
	return talloc_strdup(mem, host);
}

char *prov_computer_name(void *mem)
{
	char *h = prov_host_name(mem);

	if (h == NULL) {
		return NULL;
	}
	h[strcspn(h, ".")] = '\0';
	if (h[0] == '\0') {
		talloc_free(h);
		return talloc_strdup(mem, "LOCALHOST");
	}
	for (char *p = h; *p; p++) {
		*p = (char)toupper((unsigned char)*p);
	}
	return h;
}

/*
 * Calls [fn] for every "Name: value" or "name value" line of [text]:
 * the name runs to the first ':' or blank.
 */
static void each_counter(
        const char *text,
        void (*fn)(void *arg, const char *name, size_t n, uint64_t v),
        void *arg)
{
	const char *p = text;

	while (*p != '\0') {
		const char *e = strchr(p, '\n');
		size_t len = e ? (size_t)(e - p) : strlen(p);
		size_t n = 0;

		while (n < len && p[n] != ':' && p[n] != ' ') {
			n++;
		}
		if (n < len) {
			const char *q = p + n + 1;

			while (*q == ' ' || *q == '\t') {
				q++;
			}
			fn(arg, p, n, strtoull(q, NULL, 10));
		}
		p += len;
		if (*p == '\n') {
			p++;
		}
	}
}

static bool name_is(const char *name, size_t n, const char *want)
{
	return strlen(want) == n && memcmp(name, want, n) == 0;
}

static void meminfo_line(void *arg, const char *name, size_t n, uint64_t v)
{
	struct prov_meminfo *m = arg;
	static const struct {
		const char *name;
		size_t off;
	} map[] = {
		{ "MemTotal", offsetof(struct prov_meminfo, total_kb) },
		{ "MemFree", offsetof(struct prov_meminfo, free_kb) },
		{ "MemAvailable", offsetof(struct prov_meminfo, available_kb) },
		{ "Buffers", offsetof(struct prov_meminfo, buffers_kb) },
		{ "Cached", offsetof(struct prov_meminfo, cached_kb) },
		{ "SwapTotal", offsetof(struct prov_meminfo, swap_total_kb) },
		{ "SwapFree", offsetof(struct prov_meminfo, swap_free_kb) },
		{ "Committed_AS", offsetof(struct prov_meminfo, committed_kb) },
		{ "CommitLimit",
		  offsetof(struct prov_meminfo, commit_limit_kb) },
		{ "SReclaimable",
		  offsetof(struct prov_meminfo, sreclaimable_kb) },
		{ "SUnreclaim", offsetof(struct prov_meminfo, sunreclaim_kb) },
		{ "PageTables", offsetof(struct prov_meminfo, page_tables_kb) },
		{ "VmallocUsed",
		  offsetof(struct prov_meminfo, vmalloc_used_kb) },
	};

	for (size_t i = 0; i < sizeof(map) / sizeof(map[0]); i++) {
		if (name_is(name, n, map[i].name)) {
			*(uint64_t *)((char *)m + map[i].off) = v;
			if (i == 2) {
				m->has_available = true;
			}
			return;
		}
	}
}

hresult prov_meminfo_read(const char *root,
                          struct prov_meminfo *out,
                          struct errinfo *ei)
{
	void *tmp = talloc_new(NULL);
	char *text = NULL;
	hresult hr;

	if (tmp == NULL) {
		return HR_E_OUTOFMEMORY;
	}
	memset(out, 0, sizeof(*out));
	hr = prov_read_file(tmp, root, "/proc/meminfo", 0, &text, NULL, ei);
	if (hr_ok(hr)) {
		each_counter(text, meminfo_line, out);
		if (!out->has_available) {
			out->available_kb = out->free_kb + out->cached_kb +
			                    out->buffers_kb;
		}
		if (out->total_kb == 0) {
			hr = err_set(ei, HR_E_FAIL, LAYER,
			             "no MemTotal in /proc/meminfo");
		}
	}
	talloc_free(tmp);
	return hr;
}

static void vmstat_line(void *arg, const char *name, size_t n, uint64_t v)
{
	struct prov_vmstat *s = arg;

	if (name_is(name, n, "pgfault")) {
		s->pgfault = v;
	} else if (name_is(name, n, "pgmajfault")) {
		s->pgmajfault = v;
	} else if (name_is(name, n, "pgpgin")) {
		s->pgpgin = v;
	} else if (name_is(name, n, "pgpgout")) {
		s->pgpgout = v;
	} else if (name_is(name, n, "pswpin")) {
		s->pswpin = v;
	} else if (name_is(name, n, "pswpout")) {
		s->pswpout = v;
	}
}

hresult prov_vmstat_read(const char *root,
                         struct prov_vmstat *out,
                         struct errinfo *ei)
{
	void *tmp = talloc_new(NULL);
	char *text = NULL;
	hresult hr;

	if (tmp == NULL) {
		return HR_E_OUTOFMEMORY;
	}
	memset(out, 0, sizeof(*out));
	hr = prov_read_file(tmp, root, "/proc/vmstat", 0, &text, NULL, ei);
	if (hr_ok(hr)) {
		each_counter(text, vmstat_line, out);
	}
	talloc_free(tmp);
	return hr;
}
