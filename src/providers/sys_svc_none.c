/*
 * sys_svc_none: the service readers when built without libsystemd
 * (providers layer): no service manager is reachable, so there are no
 * services, and controls fail with "unknown failure".
 */
#include "providers/sysinfo.h"

#include <string.h>

bool prov_systemd_running(void)
{
	return false;
}

hresult prov_services_read(void *mem,
                           const char *only,
                           struct prov_service **out,
                           uint32_t *n,
                           struct errinfo *ei)
{
	(void)mem;
	(void)only;
	(void)ei;
	*out = NULL;
	*n = 0;
	return HR_OK;
}

uint32_t prov_service_control(const char *name, bool start)
{
	(void)name;
	(void)start;
	return 8;
}
