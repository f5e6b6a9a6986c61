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

static void cw_cleanup(void *data)
{
	struct plib *lib = data;

	pl_setup(NULL);
	talloc_free(lib);
}

OWMI_PROVIDER_EXPORT int owmi_provider_init(const struct owmi_host *host,
                                            uint32_t host_abi,
                                            struct owmi_provider *out)
{
	struct plib *lib;
	struct cw_state *st;

	if (host == NULL || out == NULL || host_abi < 1 ||
	    host->struct_size <
	            offsetof(struct owmi_host, log) + sizeof(host->log)) {
		return OWMI_E_PROVIDER_LOAD_FAILURE;
	}
	lib = talloc_zero(NULL, struct plib);
	st = lib ? talloc_zero(lib, struct cw_state) : NULL;
	if (st != NULL) {
		st->cpu = talloc_zero(st, struct prov_cpu_sampler);
	}
	if (st == NULL || st->cpu == NULL) {
		talloc_free(lib);
		return OWMI_E_OUT_OF_MEMORY;
	}
	st->cpu->mem = st->cpu;
	st->cpu->min_interval_ms = 100;
	lib->h = host;
	lib->classes = classes;
	lib->n_classes = sizeof(classes) / sizeof(classes[0]);
	lib->state = st;
	pl_setup(lib);

	out->abi_version = OWMI_PROVIDER_ABI_VERSION;
	out->struct_size = sizeof(*out);
	out->name = "OpenWMI_CIMWin32";
	out->data = lib;
	out->enumerate = pl_enumerate;
	out->get = pl_get;
	out->exec_query = pl_exec_query;
	out->exec_method = pl_exec_method;
	out->cleanup = cw_cleanup;
	return OWMI_S_OK;
}
