/*
 * sys_cpu: processors per socket (Win32_Processor) and CPU time counters
 * (Win32_PerfRawData/PerfFormattedData_PerfOS_Processor) (providers layer).
 */
#include "providers/sysinfo.h"

#include <ctype.h>
#include <errno.h>
#include <stdio.h>
#include <string.h>
#include <talloc.h>
#include <time.h>

#define LAYER "providers"

/* Seconds between 1601-01-01 and 1970-01-01 (Windows FILETIME epoch). */
#define PROV_EPOCH_DIFF 11644473600LL

/* A sample older than this (10 s) is not cooked against a new one. */
#define PROV_SAMPLE_MAX_AGE (10LL * 10000000LL)

/* A processor block of /proc/cpuinfo. */
struct cpuinfo_block {
	uint32_t processor;
	uint32_t socket;
	uint32_t core;
	bool has_core;
	char *vendor, *model_name;
	uint32_t family, model, stepping, cpu_cores, siblings;
	bool has_family, has_cpu_cores, has_siblings;
	double mhz;
	bool vmx, slat, hypervisor, lm;
};

static bool has_flag(const char *flags, const char *flag)
{
	size_t n = strlen(flag);
	const char *p = flags;

	while ((p = strstr(p, flag)) != NULL) {
		if ((p == flags || p[-1] == ' ') &&
		    (p[n] == '\0' || p[n] == ' ')) {
			return true;
		}
		p += n;
	}
	return false;
}

static void cpuinfo_field(void *mem,
                          struct cpuinfo_block *b,
                          const char *key,
                          const char *val)
{
	if (strcmp(key, "processor") == 0) {
		b->processor = (uint32_t)strtoul(val, NULL, 10);
	} else if (strcmp(key, "physical id") == 0) {
		b->socket = (uint32_t)strtoul(val, NULL, 10);
	} else if (strcmp(key, "core id") == 0) {
		b->core = (uint32_t)strtoul(val, NULL, 10);
		b->has_core = true;
	} else if (strcmp(key, "vendor_id") == 0) {
		b->vendor = talloc_strdup(mem, val);
	} else if (strcmp(key, "model name") == 0) {
		b->model_name = talloc_strdup(mem, val);
	} else if (strcmp(key, "cpu family") == 0) {
		b->family = (uint32_t)strtoul(val, NULL, 10);
		b->has_family = true;
	} else if (strcmp(key, "model") == 0) {
		b->model = (uint32_t)strtoul(val, NULL, 10);
	} else if (strcmp(key, "stepping") == 0) {
		b->stepping = (uint32_t)strtoul(val, NULL, 10);
	} else if (strcmp(key, "cpu cores") == 0) {
		b->cpu_cores = (uint32_t)strtoul(val, NULL, 10);
		b->has_cpu_cores = true;
	} else if (strcmp(key, "siblings") == 0) {
		b->siblings = (uint32_t)strtoul(val, NULL, 10);
		b->has_siblings = true;
	} else if (strcmp(key, "cpu MHz") == 0) {
		b->mhz = strtod(val, NULL);
	} else if (strcmp(key, "flags") == 0 || strcmp(key, "Features") == 0) {
		b->vmx = has_flag(val, "vmx") || has_flag(val, "svm");
		b->slat = has_flag(val, "ept") || has_flag(val, "npt");
		b->hypervisor = has_flag(val, "hypervisor");
		b->lm = has_flag(val, "lm") || has_flag(val, "asimd");
	}
}

/* Parses cpuinfo into blocks (talloc array under [mem]). */
static hresult parse_cpuinfo(void *mem,
                             char *text,
                             struct cpuinfo_block **out,
                             uint32_t *n)
{
	struct cpuinfo_block *a = NULL, *cur = NULL;
	uint32_t cnt = 0;
	char *p = text;

	while (*p != '\0') {
		char *e = strchr(p, '\n');
		char *colon, *k, *v;
		size_t kl;

		if (e != NULL) {
			*e = '\0';
		}
		colon = strchr(p, ':');
		if (colon != NULL) {
			k = p;
			kl = (size_t)(colon - p);
			while (kl > 0 && isspace((unsigned char)k[kl - 1])) {
				kl--;
			}
			k[kl] = '\0';
			v = colon + 1;
			while (*v == ' ' || *v == '\t') {
				v++;
			}
			if (strcmp(k, "processor") == 0) {
				a = talloc_realloc(mem, a, struct cpuinfo_block,
				                   cnt + 1);
				if (a == NULL) {
					return HR_E_OUTOFMEMORY;
				}
				cur = &a[cnt++];
				memset(cur, 0, sizeof(*cur));
			}
			if (cur != NULL) {
				cpuinfo_field(a, cur, k, v);
			}
		}
		if (e == NULL) {
			break;
		}
		p = e + 1;
	}
	*out = a;
	*n = cnt;
	return HR_OK;
}

/* Parses a sysfs cache size ("1024K", "32M") into KB. */
static uint32_t cache_kb(const char *s)
{
	char *end;
	unsigned long v = strtoul(s, &end, 10);

	if (*end == 'M') {
		v *= 1024;
	} else if (*end == 'G') {
		v *= 1024 * 1024;
	}
	return (uint32_t)v;
}

/* Adds the L2/L3 caches of logical CPU [cpu] not seen yet in [seen]. */
static void add_caches(void *mem,
                       const char *root,
                       uint32_t cpu,
                       char ***seen,
                       uint32_t *n_seen,
                       struct prov_cpu_socket *s)
{
	for (uint32_t idx = 0; idx < 16; idx++) {
		char path[256];
		char *level, *type, *size, *shared, *tag;
		bool dup = false;

		snprintf(path, sizeof(path),
		         "/sys/devices/system/cpu/cpu%u/cache/index%u/level",
		         cpu, idx);
		level = prov_read_attr(mem, root, path);
		if (level == NULL) {
			break;
		}
		snprintf(path, sizeof(path),
		         "/sys/devices/system/cpu/cpu%u/cache/index%u/type",
		         cpu, idx);
		type = prov_read_attr(mem, root, path);
		snprintf(path, sizeof(path),
		         "/sys/devices/system/cpu/cpu%u/cache/index%u/size",
		         cpu, idx);
		size = prov_read_attr(mem, root, path);
		snprintf(path, sizeof(path),
		         "/sys/devices/system/cpu/cpu%u/cache/index%u/"
		         "shared_cpu_list",
		         cpu, idx);
		shared = prov_read_attr(mem, root, path);
		if (size == NULL ||
		    (strcmp(level, "2") != 0 && strcmp(level, "3") != 0) ||
		    (type != NULL && strcmp(type, "Instruction") == 0)) {
			continue;
		}
		tag = talloc_asprintf(mem, "%s/%s", level,
		                      shared ? shared : path);
		if (tag == NULL) {
			continue;
		}
		for (uint32_t i = 0; i < *n_seen; i++) {
			dup = dup || strcmp((*seen)[i], tag) == 0;
		}
		if (dup) {
			continue;
		}
		*seen = talloc_realloc(mem, *seen, char *, *n_seen + 1);
		if (*seen == NULL) {
			*n_seen = 0;
			return;
		}
		(*seen)[(*n_seen)++] = tag;
		if (level[0] == '2') {
			s->l2_kb += cache_kb(size);
		} else {
			s->l3_kb += cache_kb(size);
		}
	}
}

static uint32_t khz_attr(void *mem,
                         const char *root,
                         uint32_t cpu,
                         const char *name)
{
	char path[256];
	char *v;
	uint32_t r = 0;

	snprintf(path, sizeof(path), "/sys/devices/system/cpu/cpu%u/cpufreq/%s",
	         cpu, name);
	v = prov_read_attr(mem, root, path);
	if (v != NULL) {
		r = (uint32_t)(strtoul(v, NULL, 10) / 1000u);
		talloc_free(v);
	}
	return r;
}

static void fill_socket(void *mem,
                        const char *root,
                        struct prov_cpu_socket *s,
                        const struct cpuinfo_block *b,
                        uint32_t nb)
{
	uint32_t cores[4096];
	uint32_t n_cores = 0;
	const struct cpuinfo_block *first = NULL;
	char **seen = NULL;
	uint32_t n_seen = 0;
	void *tmp = talloc_new(NULL);

	for (uint32_t i = 0; i < nb; i++) {
		bool dup = false;

		if (b[i].socket != s->socket) {
			continue;
		}
		if (first == NULL || b[i].processor < first->processor) {
			first = &b[i];
		}
		s->logical++;
		for (uint32_t c = 0; c < n_cores; c++) {
			dup = dup || cores[c] == b[i].core;
		}
		if (!dup && n_cores < 4096) {
			cores[n_cores++] = b[i].core;
		}
		if (tmp != NULL) {
			add_caches(tmp, root, b[i].processor, &seen, &n_seen,
			           s);
		}
	}
	if (first == NULL) {
		talloc_free(tmp);
		return;
	}
	s->first_cpu = first->processor;
	s->vendor = first->vendor ? talloc_strdup(mem, first->vendor) : NULL;
	s->model_name = first->model_name
	                        ? talloc_strdup(mem, first->model_name)
	                        : NULL;
	s->family = first->family;
	s->has_family = first->has_family;
	s->model = first->model;
	s->stepping = first->stepping;
	s->cores = first->has_cpu_cores ? first->cpu_cores : n_cores;
	if (first->has_siblings && first->siblings > s->logical) {
		/* Some CPUs offline: keep the package's own count. */
		s->logical = first->siblings;
	}
	s->vmx = first->vmx;
	s->slat = first->slat;
	s->hypervisor = first->hypervisor;
	s->lm = first->lm;
	s->cur_mhz = khz_attr(tmp, root, s->first_cpu, "scaling_cur_freq");
	if (s->cur_mhz == 0) {
		s->cur_mhz = (uint32_t)(first->mhz + 0.5);
	}
	s->max_mhz = khz_attr(tmp, root, s->first_cpu, "cpuinfo_max_freq");
	if (s->max_mhz == 0) {
		s->max_mhz = s->cur_mhz;
	}
	talloc_free(tmp);
}

hresult prov_cpus_read(void *mem,
                       const char *root,
                       struct prov_cpus *out,
                       struct errinfo *ei)
{
	void *tmp = talloc_new(NULL);
	struct cpuinfo_block *b = NULL;
	uint32_t nb = 0;
	char *text = NULL;
	hresult hr;

	memset(out, 0, sizeof(*out));
	if (tmp == NULL) {
		return HR_E_OUTOFMEMORY;
	}
	hr = prov_read_file(tmp, root, "/proc/cpuinfo", 0, &text, NULL, ei);
	if (hr_failed(hr)) {
		goto out;
	}
	hr = parse_cpuinfo(tmp, text, &b, &nb);
	if (hr_failed(hr)) {
		goto out;
	}
	out->n_logical = nb;
	for (uint32_t i = 0; i < nb; i++) {
		bool known = false;

		out->hypervisor = out->hypervisor || b[i].hypervisor;
		for (uint32_t s = 0; s < out->n_sockets; s++) {
			known = known || out->sockets[s].socket == b[i].socket;
		}
		if (known) {
			continue;
		}
		out->sockets = talloc_realloc(mem, out->sockets,
		                              struct prov_cpu_socket,
		                              out->n_sockets + 1);
		if (out->sockets == NULL) {
			hr = HR_E_OUTOFMEMORY;
			goto out;
		}
		memset(&out->sockets[out->n_sockets], 0,
		       sizeof(out->sockets[0]));
		out->sockets[out->n_sockets++].socket = b[i].socket;
	}
	/* Sockets in id order (insertion sort: there are few). */
	for (uint32_t i = 1; i < out->n_sockets; i++) {
		struct prov_cpu_socket k = out->sockets[i];
		uint32_t j = i;

		while (j > 0 && out->sockets[j - 1].socket > k.socket) {
			out->sockets[j] = out->sockets[j - 1];
			j--;
		}
		out->sockets[j] = k;
	}
	for (uint32_t s = 0; s < out->n_sockets; s++) {
		fill_socket(out->sockets, root, &out->sockets[s], b, nb);
	}
out:
	talloc_free(tmp);
	if (hr_eq(hr, HR_E_OUTOFMEMORY)) {
		err_set(ei, hr, LAYER, "out of memory reading cpuinfo");
	}
	return hr;
}

uint16_t prov_cpu_architecture(const char *machine)
{
	if (machine == NULL) {
		return 0;
	}
	if (strcmp(machine, "x86_64") == 0) {
		return 9;
	}
	if (strcmp(machine, "aarch64") == 0 || strcmp(machine, "arm64") == 0) {
		return 12;
	}
	if (strncmp(machine, "arm", 3) == 0) {
		return 5;
	}
	if (strcmp(machine, "ia64") == 0) {
		return 6;
	}
	if (strncmp(machine, "ppc", 3) == 0) {
		return 3;
	}
	return 0; /* x86 and anything unknown */
}

/* ---- CPU time ------------------------------------------------------------ */

static void parse_cpu_line(const char *p, struct prov_cpu_times *t)
{
	uint64_t v[8] = { 0 };
	char *end;

	for (int i = 0; i < 8; i++) {
		v[i] = strtoull(p, &end, 10);
		if (end == p) {
			break;
		}
		p = end;
	}
	t->user = v[0];
	t->nice = v[1];
	t->system = v[2];
	t->idle = v[3];
	t->iowait = v[4];
	t->irq = v[5];
	t->softirq = v[6];
	t->steal = v[7];
}

/*
 * Adds the per-CPU columns of /proc/interrupts or /proc/softirqs to the
 * counter at [off] of each CPU's times.
 */
static void add_irq_columns(char *text, struct prov_cpu_stat *st, size_t off)
{
	uint32_t cols[1024];
	uint32_t n_cols = 0;
	char *p = text;
	char *e = strchr(p, '\n');

	if (e == NULL) {
		return;
	}
	*e = '\0';
	while ((p = strstr(p, "CPU")) != NULL && n_cols < 1024) {
		cols[n_cols++] = (uint32_t)strtoul(p + 3, &p, 10);
	}
	p = e + 1;
	while (*p != '\0') {
		char *line_end = strchr(p, '\n');
		char *q = strchr(p, ':');
		uint64_t v[1024];
		uint32_t got = 0;

		if (line_end != NULL) {
			*line_end = '\0';
		}
		if (q != NULL) {
			q++;
			while (got < n_cols) {
				char *end;

				v[got] = strtoull(q, &end, 10);
				if (end == q) {
					break;
				}
				q = end;
				got++;
			}
		}
		if (got == n_cols) {
			for (uint32_t c = 0; c < n_cols; c++) {
				if (cols[c] < st->n_cpu) {
					*(uint64_t *)((char *)&st
					                      ->cpu[cols[c]] +
					              off) += v[c];
				}
				*(uint64_t *)((char *)&st->total + off) += v[c];
			}
		}
		if (line_end == NULL) {
			break;
		}
		p = line_end + 1;
	}
}

static int64_t clock_100ns(clockid_t id)
{
	struct timespec ts;

	clock_gettime(id, &ts);
	return (int64_t)ts.tv_sec * 10000000 + ts.tv_nsec / 100;
}

hresult prov_cpu_stat_read(void *mem,
                           const char *root,
                           struct prov_cpu_stat *out,
                           struct errinfo *ei)
{
	void *tmp = talloc_new(NULL);
	char *text = NULL, *p;
	uint32_t max_cpu = 0;
	hresult hr;

	memset(out, 0, sizeof(*out));
	if (tmp == NULL) {
		return HR_E_OUTOFMEMORY;
	}
	out->when_100ns = clock_100ns(CLOCK_MONOTONIC);
	out->wall_100ns = clock_100ns(CLOCK_REALTIME) +
	                  PROV_EPOCH_DIFF * 10000000LL;
	hr = prov_read_file(tmp, root, "/proc/stat", 0, &text, NULL, ei);
	if (hr_failed(hr)) {
		goto out;
	}
	for (p = text; (p = strstr(p, "\ncpu")) != NULL; p++) {
		if (isdigit((unsigned char)p[4])) {
			uint32_t c = (uint32_t)strtoul(p + 4, NULL, 10);

			max_cpu = c + 1 > max_cpu ? c + 1 : max_cpu;
		}
	}
	if (max_cpu > 65536) {
		hr = err_set(ei, HR_E_FAIL, LAYER,
		             "too many CPUs in /proc/stat");
		goto out;
	}
	out->n_cpu = max_cpu;
	out->cpu = talloc_zero_array(mem, struct prov_cpu_times,
	                             max_cpu ? max_cpu : 1);
	out->present = talloc_zero_array(mem, bool, max_cpu ? max_cpu : 1);
	if (out->cpu == NULL || out->present == NULL) {
		hr = err_set(ei, HR_E_OUTOFMEMORY, LAYER, "out of memory");
		goto out;
	}
	if (strncmp(text, "cpu ", 4) == 0) {
		parse_cpu_line(text + 4, &out->total);
	}
	for (p = text; (p = strstr(p, "\ncpu")) != NULL; p++) {
		if (isdigit((unsigned char)p[4])) {
			char *end;
			uint32_t c = (uint32_t)strtoul(p + 4, &end, 10);

			parse_cpu_line(end, &out->cpu[c]);
			out->present[c] = true;
		}
	}
	talloc_free(text);
	if (hr_ok(prov_read_file(tmp, root, "/proc/interrupts", 0, &text, NULL,
	                         NULL))) {
		add_irq_columns(text, out,
		                offsetof(struct prov_cpu_times, interrupts));
	}
	if (hr_ok(prov_read_file(tmp, root, "/proc/softirqs", 0, &text, NULL,
	                         NULL))) {
		add_irq_columns(text, out,
		                offsetof(struct prov_cpu_times, softirqs));
	}
out:
	talloc_free(tmp);
	return hr;
}

static uint64_t sum_times(const struct prov_cpu_times *t)
{
	return t->user + t->nice + t->system + t->idle + t->iowait + t->irq +
	       t->softirq + t->steal;
}

static uint64_t d(uint64_t a, uint64_t b)
{
	return b > a ? b - a : 0;
}

static uint64_t pct(uint64_t part, uint64_t whole)
{
	uint64_t v;

	if (whole == 0) {
		return 0;
	}
	v = (part * 100u + whole / 2u) / whole;
	return v > 100 ? 100 : v;
}

void prov_cpu_cook(const struct prov_cpu_times *a,
                   const struct prov_cpu_times *b,
                   int64_t elapsed_100ns,
                   struct prov_cpu_percent *out)
{
	uint64_t total = d(sum_times(a), sum_times(b));
	uint64_t idle = d(a->idle, b->idle) + d(a->iowait, b->iowait);

	memset(out, 0, sizeof(*out));
	out->idle = pct(idle, total);
	out->processor = total == 0 ? 0 : 100 - out->idle;
	out->user = pct(d(a->user, b->user) + d(a->nice, b->nice), total);
	out->interrupt = pct(d(a->irq, b->irq), total);
	out->dpc = pct(d(a->softirq, b->softirq), total);
	out->privileged = pct(d(a->system, b->system) + d(a->irq, b->irq) +
	                              d(a->softirq, b->softirq),
	                      total);
	if (elapsed_100ns > 0) {
		uint64_t e = (uint64_t)elapsed_100ns;
		uint64_t ir = d(a->interrupts, b->interrupts) * 10000000u / e;
		uint64_t dp = d(a->softirqs, b->softirqs) * 10000000u / e;

		out->interrupts_per_sec = ir > UINT32_MAX ? UINT32_MAX
		                                          : (uint32_t)ir;
		out->dpcs_per_sec = dp > UINT32_MAX ? UINT32_MAX : (uint32_t)dp;
	}
}

static void sleep_100ns(int64_t t)
{
	struct timespec ts = { (time_t)(t / 10000000),
		               (long)(t % 10000000) * 100 };

	while (t > 0 && nanosleep(&ts, &ts) != 0 && errno == EINTR) {
	}
}

hresult prov_cpu_sampler_update(struct prov_cpu_sampler *s,
                                const char *root,
                                struct errinfo *ei)
{
	int64_t min = (int64_t)(s->min_interval_ms ? s->min_interval_ms : 100) *
	              10000;
	int64_t now = clock_100ns(CLOCK_MONOTONIC);
	struct prov_cpu_stat *n;
	hresult hr;

	if (s->cur != NULL && s->prev != NULL &&
	    now - s->cur->when_100ns < min) {
		/* The last pair is fresh enough: reuse it. */
		return HR_OK;
	}
	if (s->cur != NULL && now - s->cur->when_100ns > PROV_SAMPLE_MAX_AGE) {
		/* Too old to say anything about now: start again. */
		TALLOC_FREE(s->prev);
		TALLOC_FREE(s->cur);
	}
	for (;;) {
		n = talloc_zero(s->mem, struct prov_cpu_stat);
		if (n == NULL) {
			return err_set(ei, HR_E_OUTOFMEMORY, LAYER,
			               "out of memory");
		}
		hr = prov_cpu_stat_read(n, root, n, ei);
		if (hr_failed(hr)) {
			talloc_free(n);
			return hr;
		}
		talloc_free(s->prev);
		s->prev = s->cur;
		s->cur = n;
		if (s->prev != NULL) {
			return HR_OK;
		}
		/* First use: a second sample after the minimum interval. */
		sleep_100ns(min);
	}
}
