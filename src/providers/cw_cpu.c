/*
 * cw_cpu: Win32_Processor, one instance per socket (providers layer;
 * reference section 9.6).
 */
#include "providers/providers-int.h"

#include <stdio.h>
#include <string.h>
#include <sys/utsname.h>
#include <talloc.h>
#if defined(__x86_64__) || defined(__i386__)
#include <cpuid.h>
#endif

#include "providers/sysinfo.h"

/* ProcessorId: CPUID leaf 1 EDX then EAX, in hex, as Windows shows it. */
static char *processor_id(void *mem)
{
#if defined(__x86_64__) || defined(__i386__)
	unsigned a, b, c, d;

	if (__get_cpuid(1, &a, &b, &c, &d) != 0) {
		return talloc_asprintf(mem, "%08X%08X", d, a);
	}
#endif
	(void)mem;
	return NULL;
}

/* "Intel64 Family 6 Model 158 Stepping 10" (Windows' Caption). */
static char *caption(void *mem,
                     const struct prov_cpu_socket *s,
                     const char *machine)
{
	const char *arch = machine;

	if (strcmp(machine, "x86_64") == 0) {
		arch = s->vendor != NULL &&
		                       strcmp(s->vendor, "GenuineIntel") == 0
		               ? "Intel64"
		               : "AMD64";
	}
	if (!s->has_family) {
		return talloc_strdup(mem, arch);
	}
	return talloc_asprintf(mem, "%s Family %u Model %u Stepping %u", arch,
	                       s->family, s->model, s->stepping);
}

static uint16_t load_percentage(struct pcall *c,
                                const struct prov_cpu_socket *s,
                                const struct prov_cpus *cpus)
{
	struct cw_state *st = c->state;
	struct prov_cpu_percent p;
	struct prov_cpu_times a, b;

	if (st == NULL || st->cpu == NULL ||
	    hr_failed(prov_cpu_sampler_update(st->cpu, "", NULL))) {
		return 0;
	}
	if (cpus->n_sockets <= 1) {
		a = st->cpu->prev->total;
		b = st->cpu->cur->total;
	} else {
		/* The socket's share: the CPUs listed under it. */
		memset(&a, 0, sizeof(a));
		memset(&b, 0, sizeof(b));
		for (uint32_t i = s->first_cpu;
		     i < s->first_cpu + s->logical && i < st->cpu->cur->n_cpu &&
		     i < st->cpu->prev->n_cpu;
		     i++) {
			const struct prov_cpu_times *x = &st->cpu->prev->cpu[i];
			const struct prov_cpu_times *y = &st->cpu->cur->cpu[i];

			a.user += x->user + x->nice;
			a.system += x->system + x->irq + x->softirq;
			a.idle += x->idle + x->iowait;
			b.user += y->user + y->nice;
			b.system += y->system + y->irq + y->softirq;
			b.idle += y->idle + y->iowait;
		}
	}
	prov_cpu_cook(&a, &b, 0, &p);
	return (uint16_t)p.processor;
}

static int32_t cpu_emit(struct pcall *c,
                        const char *host,
                        const char *machine,
                        const struct prov_cpus *cpus,
                        const struct prov_cpu_socket *s,
                        uint32_t index)
{
	char id[16];
	char *cap = caption(c->mem, s, machine);
	uint16_t arch = prov_cpu_architecture(machine);
	uint16_t width = s->lm || strstr(machine, "64") != NULL ? 64 : 32;
	struct pb b;
	int32_t rc = pb_begin(&b, c, c->cls);

	if (OWMI_FAILED(rc)) {
		return rc;
	}
	snprintf(id, sizeof(id), "CPU%u", index);
	pb_str(&b, "DeviceID", id);
	pb_str(&b, "Name", s->model_name);
	pb_str(&b, "Manufacturer", s->vendor);
	pb_str(&b, "Caption", cap);
	pb_str(&b, "Description", cap);
	pb_u32(&b, "NumberOfCores", s->cores);
	pb_u32(&b, "NumberOfEnabledCore", s->cores);
	pb_u32(&b, "NumberOfLogicalProcessors", s->logical);
	pb_u32(&b, "ThreadCount", s->logical);
	pb_u32(&b, "MaxClockSpeed", s->max_mhz);
	pb_u32(&b, "CurrentClockSpeed", s->cur_mhz);
	pb_u16(&b, "LoadPercentage", load_percentage(c, s, cpus));
	pb_u16(&b, "Architecture", arch);
	pb_u16(&b, "AddressWidth", width);
	pb_u16(&b, "DataWidth", width);
	pb_str(&b, "ProcessorId", processor_id(c->mem));
	pb_u32(&b, "L2CacheSize", s->l2_kb);
	pb_u32(&b, "L3CacheSize", s->l3_kb);
	pb_u16(&b, "ProcessorType", 3); /* central processor */
	pb_u16(&b, "Family", 2);        /* unknown (no SMBIOS type 4) */
	if (s->has_family) {
		pb_u16(&b, "Level", (uint16_t)s->family);
		pb_u16(&b, "Revision",
		       (uint16_t)((s->model & 0xFFu) << 8 |
		                  (s->stepping & 0xFFu)));
		pb_str(&b, "Stepping",
		       talloc_asprintf(c->mem, "%u", s->stepping));
	}
	pb_str(&b, "Role", "CPU");
	pb_str(&b, "SocketDesignation",
	       talloc_asprintf(c->mem, "CPU %u", s->socket));
	pb_str(&b, "Status", "OK");
	pb_u16(&b, "StatusInfo", 3);   /* enabled */
	pb_u16(&b, "CpuStatus", 1);    /* CPU enabled */
	pb_u16(&b, "Availability", 3); /* running / full power */
	pb_bool(&b, "PowerManagementSupported", false);
	pb_bool(&b, "VirtualizationFirmwareEnabled", s->vmx);
	pb_bool(&b, "VMMonitorModeExtensions", s->vmx);
	pb_bool(&b, "SecondLevelAddressTranslationExtensions", s->slat);
	pb_str(&b, "CreationClassName", "Win32_Processor");
	pb_str(&b, "SystemCreationClassName", "Win32_ComputerSystem");
	pb_str(&b, "SystemName", host);
	return pc_emit(&b);
}

int32_t cw_cpu_each(struct pcall *c)
{
	struct prov_cpus cpus;
	struct utsname u;
	char *host = prov_computer_name(c->mem);
	hresult hr;

	if (host == NULL) {
		return OWMI_E_OUT_OF_MEMORY;
	}
	if (uname(&u) != 0) {
		memset(&u, 0, sizeof(u));
	}
	hr = prov_cpus_read(c->mem, "", &cpus, NULL);
	if (hr_failed(hr)) {
		return pc_hr(hr.v);
	}
	for (uint32_t i = 0; i < cpus.n_sockets; i++) {
		int32_t rc = cpu_emit(c, host, u.machine, &cpus,
		                      &cpus.sockets[i], i);

		if (rc != OWMI_S_OK) {
			return rc;
		}
	}
	return OWMI_S_OK;
}
