/*
 * cimwin32: the OpenWMI_CIMWin32 provider library, the Linux counterpart
 * of Windows' CIMWin32 provider (providers layer; schema/win32.mof
 * registers it).
 */
#include <stddef.h>
#include <string.h>
#include <talloc.h>

#include "openwmi/provider.h"
#include "providers/providers-int.h"
#include "providers/sysinfo.h"

static const struct pclass classes[] = {
	{ .name = "Win32_OperatingSystem", .each = cw_os_each },
	{ .name = "Win32_ComputerSystem", .each = cw_cs_each },
	{ .name = "Win32_BIOS", .each = cw_bios_each },
	{ .name = "Win32_Process",
	  .each = cw_proc_each,
	  .get = cw_proc_get,
	  .query = cw_proc_query,
	  .method = cw_proc_method },
	{ .name = "Win32_Service",
	  .each = cw_svc_each,
	  .get = cw_svc_get,
	  .query = cw_svc_query,
	  .method = cw_svc_method },
	{ .name = "Win32_LogicalDisk", .each = cw_disk_each },
	{ .name = "Win32_Processor", .each = cw_cpu_each },
	{ .name = "Win32_NetworkAdapter", .each = cw_netadapter_each },
	{ .name = "Win32_NetworkAdapterConfiguration",
	  .each = cw_netconfig_each },
	{ .name = "Win32_Environment", .each = cw_env_each },
};

OWMI_PROVIDER_EXPORT int owmi_provider_init(const struct owmi_host *host,
                                            uint32_t host_abi,
                                            struct owmi_provider *out)
{
	struct plib *lib;
	struct cw_state *st;
	int32_t rc = pl_init(host, host_abi, out, "OpenWMI_CIMWin32", classes,
	                     sizeof(classes) / sizeof(classes[0]), true, &lib);

	if (rc != OWMI_S_OK) {
		return rc;
	}
	st = talloc_zero(lib, struct cw_state);
	if (st != NULL) {
		st->cpu = talloc_zero(st, struct prov_cpu_sampler);
	}
	if (st == NULL || st->cpu == NULL) {
		pl_cleanup(lib);
		return OWMI_E_OUT_OF_MEMORY;
	}
	st->cpu->mem = st->cpu;
	st->cpu->min_interval_ms = 100;
	lib->state = st;
	return OWMI_S_OK;
}
