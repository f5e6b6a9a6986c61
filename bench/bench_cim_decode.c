/*
 * bench_cim_decode: instance blob decode throughput (cim codec).
 *
 * Builds a Win32_Process-like class (24 properties: strings, integers,
 * datetimes, a string array), encodes one instance, then decodes and
 * frees it N times, the way the object manager walks the repository
 * during an enumeration.  Prints instances per CPU second.
 *
 * Usage: bench_cim_decode [N]   (default 2000000)
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <talloc.h>
#include <time.h>

#include "base/buf.h"
#include "cim/cim.h"

/*
 * CPU time of this process: the figure that matters on a shared machine,
 * where wall time also counts other processes' turns.
 */
static double now(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_PROCESS_CPUTIME_ID, &ts);
	return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

static void set_str(struct cim_instance *i, const char *name, const char *s)
{
	struct cim_value v = { .type = CIM_T_STRING };

	v.v.s = (char *)s;
	if (hr_failed(cim_instance_set(i, name, &v))) {
		abort();
	}
}

static void set_u(struct cim_instance *i, const char *name, uint64_t u)
{
	struct cim_value v = { .type = CIM_T_UINT64 };

	v.v.u = u;
	if (hr_failed(cim_instance_set(i, name, &v))) {
		abort();
	}
}

int main(int argc, char **argv)
{
	static const struct {
		const char *name;
		uint32_t type;
	} props[] = {
		{ "Caption", CIM_T_STRING },
		{ "CommandLine", CIM_T_STRING },
		{ "CreationClassName", CIM_T_STRING },
		{ "CreationDate", CIM_T_DATETIME },
		{ "CSName", CIM_T_STRING },
		{ "Description", CIM_T_STRING },
		{ "ExecutablePath", CIM_T_STRING },
		{ "Handle", CIM_T_STRING },
		{ "HandleCount", CIM_T_UINT32 },
		{ "KernelModeTime", CIM_T_UINT64 },
		{ "Name", CIM_T_STRING },
		{ "OSName", CIM_T_STRING },
		{ "PageFaults", CIM_T_UINT32 },
		{ "ParentProcessId", CIM_T_UINT32 },
		{ "Priority", CIM_T_UINT32 },
		{ "PrivatePageCount", CIM_T_UINT64 },
		{ "ProcessId", CIM_T_UINT32 },
		{ "SessionId", CIM_T_UINT32 },
		{ "Status", CIM_T_STRING },
		{ "ThreadCount", CIM_T_UINT32 },
		{ "UserModeTime", CIM_T_UINT64 },
		{ "VirtualSize", CIM_T_UINT64 },
		{ "WorkingSetSize", CIM_T_UINT64 },
		{ "Groups", CIM_T_STRING | CIM_FLAG_ARRAY },
	};
	long n = argc > 1 ? atol(argv[1]) : 2000000;
	void *mem = talloc_new(NULL);
	struct cim_class *l = cim_class_new(mem, "Win32_Process", NULL);
	struct cim_class *c = NULL;
	struct cim_instance *inst;
	struct cim_value t = { .type = CIM_T_BOOLEAN, .v.b = true };
	char *groups[] = { "root", "wheel", "adm" };
	struct cim_value g = { .type = CIM_T_STRING | CIM_FLAG_ARRAY };
	struct buf b;
	double t0;
	double dt;

	for (size_t i = 0; i < sizeof(props) / sizeof(props[0]); i++) {
		struct cim_property *p = cim_class_add_prop(l, props[i].name,
		                                            props[i].type);

		if (strcmp(props[i].name, "Handle") == 0) {
			cim_qset_set(l, &p->quals, "key", &t,
			             CIM_FLAVOR_TO_SUBCLASS);
		}
	}
	if (hr_failed(cim_class_resolve(mem, l, NULL, &c, NULL))) {
		abort();
	}
	inst = cim_instance_new(mem, c);
	set_str(inst, "Caption", "systemd-journald");
	set_str(inst, "CommandLine", "/lib/systemd/systemd-journald");
	set_str(inst, "CreationClassName", "Win32_Process");
	set_str(inst, "CreationDate", "20240131154512.123456+060");
	set_str(inst, "CSName", "HOST");
	set_str(inst, "Description", "systemd-journald");
	set_str(inst, "ExecutablePath", "/lib/systemd/systemd-journald");
	set_str(inst, "Handle", "412");
	set_str(inst, "Name", "systemd-journald");
	set_str(inst, "OSName", "Debian GNU/Linux 12");
	set_str(inst, "Status", "OK");
	set_u(inst, "HandleCount", 54);
	set_u(inst, "KernelModeTime", 123456789);
	set_u(inst, "ProcessId", 412);
	set_u(inst, "ParentProcessId", 1);
	set_u(inst, "ThreadCount", 1);
	set_u(inst, "VirtualSize", 123456789012);
	set_u(inst, "WorkingSetSize", 45678901);
	g.v.a.n = 3;
	g.v.a.e.s = groups;
	if (hr_failed(cim_instance_set(inst, "Groups", &g))) {
		abort();
	}
	buf_init(&b, mem);
	if (hr_failed(cim_instance_encode(&b, inst))) {
		abort();
	}
	t0 = now();
	for (long i = 0; i < n; i++) {
		struct cim_instance *x = NULL;

		if (hr_failed(cim_instance_decode(mem, c, b.data, b.len, &x))) {
			abort();
		}
		talloc_free(x);
	}
	dt = now() - t0;
	printf("instance decode: %ld x %zu-byte blob (%u props) in %.3f CPU s = "
	       "%.0f instances/s\n",
	       n, b.len, c->n_props, dt, (double)n / dt);
	t0 = now();
	for (long i = 0; i < n / 4; i++) {
		struct buf e;

		buf_init(&e, mem);
		if (hr_failed(cim_instance_encode(&e, inst))) {
			abort();
		}
		buf_release(&e);
	}
	dt = now() - t0;
	printf("instance encode: %.0f instances/s\n", (double)(n / 4) / dt);
	talloc_free(mem);
	return 0;
}
