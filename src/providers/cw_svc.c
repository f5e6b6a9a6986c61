/*
 * cw_svc: Win32_Service and its methods StartService and StopService,
 * from systemd (providers layer; reference section 9.4).
 */
#include "providers/providers-int.h"

#include <string.h>
#include <strings.h>
#include <talloc.h>

#include "providers/sysinfo.h"

static int32_t svc_emit(struct pcall *c,
                        const char *host,
                        const struct prov_service *s)
{
	struct pb b;
	int32_t rc = pb_begin(&b, c, c->cls);

	if (OWMI_FAILED(rc)) {
		return rc;
	}
	pb_str(&b, "Name", s->name);
	pb_str(&b, "Caption", s->display_name);
	pb_str(&b, "DisplayName", s->display_name);
	pb_str(&b, "Description", s->display_name);
	pb_str(&b, "State", s->state);
	pb_bool(&b, "Started", s->started);
	pb_str(&b, "Status", s->status);
	pb_str(&b, "StartMode", s->start_mode);
	pb_bool(&b, "DelayedAutoStart", false);
	pb_str(&b, "ServiceType", s->service_type);
	pb_str(&b, "PathName", s->path_name);
	pb_u32(&b, "ProcessId", s->pid);
	pb_str(&b, "StartName", s->start_name);
	pb_u32(&b, "ExitCode", s->exit_code);
	pb_u32(&b, "ServiceSpecificExitCode", s->service_exit_code);
	pb_bool(&b, "AcceptStop", s->accept_stop);
	pb_bool(&b, "AcceptPause", false);
	pb_bool(&b, "DesktopInteract", false);
	pb_str(&b, "ErrorControl", "Normal");
	pb_u32(&b, "CheckPoint", 0);
	pb_u32(&b, "WaitHint", 0);
	pb_u32(&b, "TagId", 0);
	pb_str(&b, "CreationClassName", "Win32_Service");
	pb_str(&b, "SystemCreationClassName", "Win32_ComputerSystem");
	pb_str(&b, "SystemName", host);
	return pc_emit(&b);
}

static int32_t svc_list(struct pcall *c, const char *only)
{
	struct prov_service *s = NULL;
	uint32_t n = 0;
	char *host = prov_computer_name(c->mem);
	hresult hr;

	if (host == NULL) {
		return OWMI_E_OUT_OF_MEMORY;
	}
	hr = prov_services_read(c->mem, only, &s, &n, NULL);
	if (hr_failed(hr)) {
		return pc_hr(hr.v);
	}
	for (uint32_t i = 0; i < n; i++) {
		int32_t rc = svc_emit(c, host, &s[i]);

		if (rc != OWMI_S_OK) {
			return rc;
		}
	}
	return OWMI_S_OK;
}

int32_t cw_svc_each(struct pcall *c)
{
	return svc_list(c, NULL);
}

int32_t cw_svc_get(struct pcall *c)
{
	const char *name = c->h->key_get(c->keys, "Name");

	if (name == NULL || name[0] == '\0' || strchr(name, '/') != NULL) {
		return OWMI_S_OK; /* not found */
	}
	return svc_list(c, name);
}

int32_t cw_svc_query(struct pcall *c)
{
	const char *name = NULL;

	if (c->h->query_eq(c->q, "Name", &name) != OWMI_S_OK) {
		return OWMI_E_PROVIDER_NOT_CAPABLE;
	}
	return svc_list(c, name);
}

int32_t cw_svc_method(struct pcall *c,
                      const char *method,
                      const struct owmi_instance *in,
                      struct owmi_instance *out)
{
	const char *name = c->keys ? c->h->key_get(c->keys, "Name") : NULL;
	bool start;

	(void)in;
	if (strcasecmp(method, "StartService") == 0) {
		start = true;
	} else if (strcasecmp(method, "StopService") == 0) {
		start = false;
	} else {
		return OWMI_E_INVALID_METHOD;
	}
	if (name == NULL) {
		return OWMI_E_INVALID_METHOD_PARAMETERS;
	}
	return pc_return(c, out, prov_service_control(name, start));
}
