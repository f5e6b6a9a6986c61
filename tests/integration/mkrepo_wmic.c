/*
 * mkrepo_wmic: builds the small repository the wmic integration test reads
 * (namespace root\cimv2; Win32_Service with three instances, the
 * Win32_OperatingSystem singleton, and an empty class).  Usage:
 * mkrepo_wmic PATH.  Exit status 0 on success.
 */
#include <stdio.h>
#include <talloc.h>

#include "cim/cim.h"
#include "repo/repo.h"

static int failed(const char *what, hresult hr, const struct errinfo *ei)
{
	fprintf(stderr, "mkrepo_wmic: %s: %s %s\n", what, hr_name(hr),
	        ei ? ei->msg : "");
	return 1;
}

static hresult key(struct cim_class *c, struct cim_property *p)
{
	struct cim_value t = { .type = CIM_T_BOOLEAN, .v.b = true };

	return cim_qset_set(c, &p->quals, "key", &t, CIM_FLAVOR_DEFAULT);
}

static hresult set_s(struct cim_instance *i, const char *n, const char *s)
{
	struct cim_value v = { .type = CIM_T_STRING, .v.s = (char *)s };

	return cim_instance_set(i, n, &v);
}

static hresult set_u(struct cim_instance *i, const char *n, uint32_t u)
{
	struct cim_value v = { .type = CIM_T_UINT32, .v.u = u };

	return cim_instance_set(i, n, &v);
}

int main(int argc, char **argv)
{
	static const struct {
		const char *name, *state, *mode;
		uint32_t pid;
	} svc[] = {
		{ "sshd", "Running", "Auto", 812 },
		{ "cron", "Running", "Auto", 655 },
		{ "cups", "Stopped", "Manual", 0 },
	};
	void *mem = talloc_new(NULL);
	struct repo *r = NULL;
	struct cim_class *c, *rc = NULL;
	struct cim_instance *i;
	struct cim_value t = { .type = CIM_T_BOOLEAN, .v.b = true };
	struct errinfo ei;
	hresult hr;

	if (argc != 2) {
		fprintf(stderr, "usage: mkrepo_wmic PATH\n");
		return 2;
	}
	err_clear(&ei);
	hr = repo_open(mem, argv[1], REPO_OPEN_CREATE, &r, &ei);
	if (hr_failed(hr)) {
		return failed("open", hr, &ei);
	}
	hr = repo_ns_create(r, "root\\cimv2", &ei);
	if (hr_failed(hr)) {
		return failed("namespace", hr, &ei);
	}

	c = cim_class_new(mem, "Win32_Service", NULL);
	key(c, cim_class_add_prop(c, "Name", CIM_T_STRING));
	cim_class_add_prop(c, "State", CIM_T_STRING);
	cim_class_add_prop(c, "StartMode", CIM_T_STRING);
	cim_class_add_prop(c, "ProcessId", CIM_T_UINT32);
	hr = repo_class_put(r, "root\\cimv2", c, 0, &ei);
	if (hr_failed(hr)) {
		return failed("Win32_Service", hr, &ei);
	}
	hr = repo_class_get(r, mem, "root\\cimv2", "Win32_Service", &rc);
	if (hr_failed(hr)) {
		return failed("get Win32_Service", hr, NULL);
	}
	for (size_t k = 0; k < sizeof(svc) / sizeof(svc[0]); k++) {
		i = cim_instance_new(mem, rc);
		set_s(i, "Name", svc[k].name);
		set_s(i, "State", svc[k].state);
		set_s(i, "StartMode", svc[k].mode);
		set_u(i, "ProcessId", svc[k].pid);
		hr = repo_instance_put(r, "root\\cimv2", i, 0, &ei);
		if (hr_failed(hr)) {
			return failed("service", hr, &ei);
		}
	}

	c = cim_class_new(mem, "Win32_OperatingSystem", NULL);
	cim_qset_set(c, &c->quals, "singleton", &t, CIM_FLAVOR_DEFAULT);
	cim_class_add_prop(c, "Caption", CIM_T_STRING);
	cim_class_add_prop(c, "Version", CIM_T_STRING);
	hr = repo_class_put(r, "root\\cimv2", c, 0, &ei);
	if (hr_failed(hr)) {
		return failed("Win32_OperatingSystem", hr, &ei);
	}
	hr = repo_class_get(r, mem, "root\\cimv2", "Win32_OperatingSystem",
	                    &rc);
	if (hr_failed(hr)) {
		return failed("get Win32_OperatingSystem", hr, NULL);
	}
	i = cim_instance_new(mem, rc);
	set_s(i, "Caption", "OpenWMI Test Linux");
	set_s(i, "Version", "6.1.0");
	hr = repo_instance_put(r, "root\\cimv2", i, 0, &ei);
	if (hr_failed(hr)) {
		return failed("os", hr, &ei);
	}

	c = cim_class_new(mem, "Win32_QuickFixEngineering", NULL);
	key(c, cim_class_add_prop(c, "HotFixID", CIM_T_STRING));
	hr = repo_class_put(r, "root\\cimv2", c, 0, &ei);
	if (hr_failed(hr)) {
		return failed("Win32_QuickFixEngineering", hr, &ei);
	}
	repo_close(r);
	talloc_free(mem);
	return 0;
}
