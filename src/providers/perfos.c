/*
 * perfos: the OpenWMI_PerfOS provider library: the PerfOS counter classes
 * Win32_PerfRawData_PerfOS_Processor, Win32_PerfFormattedData_PerfOS_
 * Processor and Win32_PerfFormattedData_PerfOS_Memory (providers layer;
 * reference section 9.11).
 *
 * Formatted counters are cooked from two samples, as Windows' cooker
 * does: the provider keeps the previous sample between calls (the host
 * keeps the library loaded), so a monitoring tool polling every few
 * seconds sees the rates over its own interval.  The first query, or one
 * after more than 10 s, takes two samples 100 ms apart.
 */
#include <errno.h>
#include <stddef.h>
#include <stdio.h>
#include <string.h>
#include <talloc.h>
#include <time.h>
#include <unistd.h>

#include "openwmi/provider.h"
#include "providers/providers-int.h"
#include "providers/sysinfo.h"

/* Seconds between 1601-01-01 and 1970-01-01. */
#define PO_EPOCH_DIFF 11644473600LL
/* The 100 ns counters' frequency. */
#define PO_100NS_FREQ 10000000ull

struct po_state {
	struct prov_cpu_sampler cpu;
	struct prov_vmstat vm_prev, vm_cur;
	int64_t vm_prev_t, vm_cur_t; /* CLOCK_MONOTONIC, 100 ns */
	bool vm_have_prev, vm_have_cur;
};

static int64_t mono_100ns(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (int64_t)ts.tv_sec * 10000000 + ts.tv_nsec / 100;
}

static void timestamps(struct pb *b, int64_t mono, int64_t wall)
{
	pb_u64(b, "Frequency_Object", 0);
	pb_u64(b, "Timestamp_Object", 0);
	pb_u64(b, "Frequency_PerfTime", PO_100NS_FREQ);
	pb_u64(b, "Timestamp_PerfTime", (uint64_t)mono);
	pb_u64(b, "Frequency_Sys100NS", PO_100NS_FREQ);
	pb_u64(b, "Timestamp_Sys100NS", (uint64_t)wall);
}

static int32_t cpu_update(struct pcall *c)
{
	struct po_state *st = c->state;
	hresult hr = prov_cpu_sampler_update(&st->cpu, "", NULL);

	return hr_failed(hr) ? pc_hr(hr.v) : OWMI_S_OK;
}

static int32_t formatted_one(struct pcall *c,
                             const char *name,
                             const struct prov_cpu_times *a,
                             const struct prov_cpu_times *b)
{
	struct po_state *st = c->state;
	struct prov_cpu_percent p;
	struct pb ib;
	int32_t rc = pb_begin(&ib, c, c->cls);

	if (OWMI_FAILED(rc)) {
		return rc;
	}
	prov_cpu_cook(a, b, st->cpu.cur->when_100ns - st->cpu.prev->when_100ns,
	              &p);
	pb_str(&ib, "Name", name);
	pb_u64(&ib, "PercentProcessorTime", p.processor);
	pb_u64(&ib, "PercentIdleTime", p.idle);
	pb_u64(&ib, "PercentUserTime", p.user);
	pb_u64(&ib, "PercentPrivilegedTime", p.privileged);
	pb_u64(&ib, "PercentInterruptTime", p.interrupt);
	pb_u64(&ib, "PercentDPCTime", p.dpc);
	pb_u32(&ib, "InterruptsPersec", p.interrupts_per_sec);
	pb_u32(&ib, "DPCsQueuedPersec", p.dpcs_per_sec);
	pb_u32(&ib, "DPCRate", p.dpcs_per_sec);
	pb_u64(&ib, "C1TransitionsPersec", 0);
	pb_u64(&ib, "C2TransitionsPersec", 0);
	pb_u64(&ib, "C3TransitionsPersec", 0);
	pb_u64(&ib, "PercentC1Time", 0);
	pb_u64(&ib, "PercentC2Time", 0);
	pb_u64(&ib, "PercentC3Time", 0);
	timestamps(&ib, st->cpu.cur->when_100ns, st->cpu.cur->wall_100ns);
	return pc_emit(&ib);
}

int32_t po_cpu_formatted_each(struct pcall *c)
{
	struct po_state *st = c->state;
	const struct prov_cpu_stat *a, *b;
	int32_t rc = cpu_update(c);

	if (OWMI_FAILED(rc)) {
		return rc;
	}
	a = st->cpu.prev;
	b = st->cpu.cur;
	for (uint32_t i = 0; i < b->n_cpu; i++) {
		char name[16];

		if (!b->present[i] || i >= a->n_cpu || !a->present[i]) {
			continue;
		}
		snprintf(name, sizeof(name), "%u", i);
		rc = formatted_one(c, name, &a->cpu[i], &b->cpu[i]);
		if (rc != OWMI_S_OK) {
			return rc;
		}
	}
	return formatted_one(c, "_Total", &a->total, &b->total);
}

static uint64_t t100(uint64_t ticks, uint64_t tck)
{
	return ticks / tck * 10000000u + ticks % tck * 10000000u / tck;
}

static int32_t raw_one(struct pcall *c,
                       const char *name,
                       const struct prov_cpu_times *t,
                       const struct prov_cpu_stat *s)
{
	long tck_l = sysconf(_SC_CLK_TCK);
	uint64_t tck = tck_l > 0 ? (uint64_t)tck_l : 100;
	struct pb b;
	int32_t rc = pb_begin(&b, c, c->cls);

	if (OWMI_FAILED(rc)) {
		return rc;
	}
	pb_str(&b, "Name", name);
	/* PERF_100NSEC_TIMER_INV: the raw value counts idle time. */
	pb_u64(&b, "PercentProcessorTime", t100(t->idle + t->iowait, tck));
	pb_u64(&b, "PercentIdleTime", t100(t->idle + t->iowait, tck));
	pb_u64(&b, "PercentUserTime", t100(t->user + t->nice, tck));
	pb_u64(&b, "PercentPrivilegedTime",
	       t100(t->system + t->irq + t->softirq, tck));
	pb_u64(&b, "PercentInterruptTime", t100(t->irq, tck));
	pb_u64(&b, "PercentDPCTime", t100(t->softirq, tck));
	pb_u32(&b, "InterruptsPersec", (uint32_t)t->interrupts);
	pb_u32(&b, "DPCsQueuedPersec", (uint32_t)t->softirqs);
	pb_u32(&b, "DPCRate", 0);
	pb_u64(&b, "C1TransitionsPersec", 0);
	pb_u64(&b, "C2TransitionsPersec", 0);
	pb_u64(&b, "C3TransitionsPersec", 0);
	pb_u64(&b, "PercentC1Time", 0);
	pb_u64(&b, "PercentC2Time", 0);
	pb_u64(&b, "PercentC3Time", 0);
	timestamps(&b, s->when_100ns, s->wall_100ns);
	return pc_emit(&b);
}

int32_t po_cpu_raw_each(struct pcall *c)
{
	struct prov_cpu_stat s;
	hresult hr = prov_cpu_stat_read(c->mem, "", &s, NULL);
	int32_t rc;

	if (hr_failed(hr)) {
		return pc_hr(hr.v);
	}
	for (uint32_t i = 0; i < s.n_cpu; i++) {
		char name[16];

		if (!s.present[i]) {
			continue;
		}
		snprintf(name, sizeof(name), "%u", i);
		rc = raw_one(c, name, &s.cpu[i], &s);
		if (rc != OWMI_S_OK) {
			return rc;
		}
	}
	return raw_one(c, "_Total", &s.total, &s);
}

/* Takes a vmstat sample; as the CPU sampler, two on first use. */
static int32_t vm_update(struct po_state *st)
{
	int64_t min = 100 * 10000, max = 10LL * 10000000;

	for (;;) {
		int64_t now = mono_100ns();
		struct prov_vmstat v;
		hresult hr;

		if (st->vm_have_prev && st->vm_have_cur &&
		    now - st->vm_cur_t < min) {
			return OWMI_S_OK;
		}
		if (st->vm_have_cur && now - st->vm_cur_t > max) {
			st->vm_have_cur = st->vm_have_prev = false;
		}
		hr = prov_vmstat_read("", &v, NULL);
		if (hr_failed(hr)) {
			return pc_hr(hr.v);
		}
		st->vm_prev = st->vm_cur;
		st->vm_prev_t = st->vm_cur_t;
		st->vm_have_prev = st->vm_have_cur;
		st->vm_cur = v;
		st->vm_cur_t = now;
		st->vm_have_cur = true;
		if (st->vm_have_prev) {
			return OWMI_S_OK;
		}
		{
			struct timespec ts = { 0, 100 * 1000 * 1000 };

			while (nanosleep(&ts, &ts) != 0 && errno == EINTR) {
			}
		}
	}
}

static uint32_t rate(uint64_t a, uint64_t b, int64_t elapsed_100ns)
{
	uint64_t r;

	if (b < a || elapsed_100ns <= 0) {
		return 0;
	}
	r = (b - a) * 10000000u / (uint64_t)elapsed_100ns;
	return r > UINT32_MAX ? UINT32_MAX : (uint32_t)r;
}

int32_t po_mem_formatted_each(struct pcall *c)
{
	struct po_state *st = c->state;
	struct prov_meminfo m;
	struct pb b;
	const struct prov_vmstat *x = &st->vm_prev, *y = &st->vm_cur;
	int64_t e;
	uint64_t limit, page_kb;
	long ps = sysconf(_SC_PAGESIZE);
	struct timespec wall;
	int32_t rc = vm_update(st);
	hresult hr;

	if (OWMI_FAILED(rc)) {
		return rc;
	}
	hr = prov_meminfo_read("", &m, NULL);
	if (hr_failed(hr)) {
		return pc_hr(hr.v);
	}
	rc = pb_begin(&b, c, c->cls);
	if (OWMI_FAILED(rc)) {
		return rc;
	}
	e = st->vm_cur_t - st->vm_prev_t;
	page_kb = ps > 1024 ? (uint64_t)ps / 1024u : 4u;
	limit = m.total_kb + m.swap_total_kb;
	pb_u64(&b, "AvailableBytes", m.available_kb * 1024u);
	pb_u64(&b, "AvailableKBytes", m.available_kb);
	pb_u64(&b, "AvailableMBytes", m.available_kb / 1024u);
	pb_u64(&b, "CacheBytes", m.cached_kb * 1024u);
	pb_u64(&b, "CommittedBytes", m.committed_kb * 1024u);
	pb_u64(&b, "CommitLimit", limit * 1024u);
	pb_u32(&b, "PercentCommittedBytesInUse",
	       limit ? (uint32_t)(m.committed_kb * 100u / limit) : 0);
	pb_u64(&b, "PoolPagedBytes", m.sreclaimable_kb * 1024u);
	pb_u64(&b, "PoolNonpagedBytes", m.sunreclaim_kb * 1024u);
	pb_u64(&b, "FreeAndZeroPageListBytes", m.free_kb * 1024u);
	pb_u32(&b, "PageFaultsPersec", rate(x->pgfault, y->pgfault, e));
	pb_u32(&b, "PageReadsPersec", rate(x->pgmajfault, y->pgmajfault, e));
	pb_u32(&b, "CacheFaultsPersec",
	       rate(x->pgfault - x->pgmajfault, y->pgfault - y->pgmajfault, e));
	pb_u32(&b, "PagesInputPersec",
	       rate(x->pgpgin / page_kb, y->pgpgin / page_kb, e));
	pb_u32(&b, "PagesOutputPersec",
	       rate(x->pgpgout / page_kb, y->pgpgout / page_kb, e));
	pb_u32(&b, "PagesPersec",
	       rate((x->pgpgin + x->pgpgout) / page_kb,
	            (y->pgpgin + y->pgpgout) / page_kb, e));
	pb_u32(&b, "PageWritesPersec", rate(x->pswpout, y->pswpout, e));
	clock_gettime(CLOCK_REALTIME, &wall);
	timestamps(&b, st->vm_cur_t,
	           ((int64_t)wall.tv_sec + PO_EPOCH_DIFF) * 10000000 +
	                   wall.tv_nsec / 100);
	return pc_emit(&b);
}

static const struct pclass classes[] = {
	{ .name = "Win32_PerfFormattedData_PerfOS_Processor",
	  .each = po_cpu_formatted_each },
	{ .name = "Win32_PerfRawData_PerfOS_Processor",
	  .each = po_cpu_raw_each },
	{ .name = "Win32_PerfFormattedData_PerfOS_Memory",
	  .each = po_mem_formatted_each },
};

OWMI_PROVIDER_EXPORT int owmi_provider_init(const struct owmi_host *host,
                                            uint32_t host_abi,
                                            struct owmi_provider *out)
{
	struct plib *lib;
	struct po_state *st;
	int32_t rc = pl_init(host, host_abi, out, "OpenWMI_PerfOS", classes,
	                     sizeof(classes) / sizeof(classes[0]), false, &lib);

	if (rc != OWMI_S_OK) {
		return rc;
	}
	st = talloc_zero(lib, struct po_state);
	if (st == NULL) {
		pl_cleanup(lib);
		return OWMI_E_OUT_OF_MEMORY;
	}
	st->cpu.mem = st;
	st->cpu.min_interval_ms = 100;
	lib->state = st;
	return OWMI_S_OK;
}
