/*
 * cw_os: Win32_OperatingSystem, Win32_ComputerSystem and Win32_BIOS
 * (providers layer; reference sections 9.1, 9.2 and 9.8).
 */
#include "providers/providers-int.h"

#include <stdio.h>
#include <string.h>
#include <sys/time.h>
#include <talloc.h>
#include <time.h>
#include <unistd.h>

#include "providers/sysinfo.h"

/* Where Windows keeps its files; the Linux counterparts we report. */
#define OS_SYSTEM_DIR  "/usr/bin"
#define OS_WINDOWS_DIR "/"
#define OS_SYSTEM_DRV  "/"

/* CIM_OperatingSystem.OSType 36: LINUX (CIM value map). */
#define OS_TYPE_LINUX 36u
/* ProductType 3: server. */
#define OS_PRODUCT_SERVER 3u
/* DomainRole 2: standalone server. */
#define CS_STANDALONE_SERVER 2u

static void now(int64_t *secs, uint32_t *usecs)
{
	struct timespec ts;

	clock_gettime(CLOCK_REALTIME, &ts);
	*secs = ts.tv_sec;
	*usecs = (uint32_t)(ts.tv_nsec / 1000);
}

static void os_memory(struct pb *b, const struct prov_meminfo *m)
{
	pb_u64(b, "TotalVisibleMemorySize", m->total_kb);
	pb_u64(b, "FreePhysicalMemory", m->available_kb);
	pb_u64(b, "TotalVirtualMemorySize", m->total_kb + m->swap_total_kb);
	pb_u64(b, "FreeVirtualMemory", m->available_kb + m->swap_free_kb);
	pb_u64(b, "SizeStoredInPagingFiles", m->swap_total_kb);
	pb_u64(b, "FreeSpaceInPagingFiles", m->swap_free_kb);
}

static void os_identity(struct pb *b, const struct prov_os *os, char *name)
{
	pb_str(b, "Name", name);
	pb_str(b, "Caption", os->rel.pretty_name);
	pb_str(b, "Description", "");
	pb_str(b, "CreationClassName", "Win32_OperatingSystem");
	pb_str(b, "CSCreationClassName", "Win32_ComputerSystem");
	pb_str(b, "CSName", os->computer_name);
	pb_str(b, "Version", os->release);
	pb_str(b, "BuildNumber",
	       os->rel.build_id ? os->rel.build_id : os->rel.version_id);
	pb_str(b, "BuildType", os->kversion);
	pb_str(b, "Manufacturer", os->rel.name);
	pb_str(b, "OSArchitecture", os->is_64bit ? "64-bit" : "32-bit");
	pb_u16(b, "OSType", OS_TYPE_LINUX);
	pb_str(b, "OtherTypeDescription", os->sysname);
	pb_u32(b, "ProductType", OS_PRODUCT_SERVER);
	pb_str(b, "SerialNumber", os->machine_id);
	pb_str(b, "SystemDirectory", OS_SYSTEM_DIR);
	pb_str(b, "WindowsDirectory", OS_WINDOWS_DIR);
	pb_str(b, "SystemDrive", OS_SYSTEM_DRV);
	pb_str(b, "BootDevice", os->root_device);
	pb_str(b, "SystemDevice", os->root_device);
	pb_str(b, "Status", "OK");
	pb_bool(b, "Primary", true);
	pb_bool(b, "Distributed", false);
	pb_bool(b, "Debug", false);
	pb_bool(b, "PortableOperatingSystem", false);
	pb_u16(b, "ServicePackMajorVersion", 0);
	pb_u16(b, "ServicePackMinorVersion", 0);
}

int32_t cw_os_each(struct pcall *c)
{
	struct prov_os os;
	struct pb b;
	int64_t t;
	uint32_t us;
	int32_t rc;
	hresult hr = prov_os_read(c->mem, "", &os, NULL);

	if (hr_failed(hr)) {
		return pc_hr(hr.v);
	}
	rc = pb_begin(&b, c, c->cls);
	if (OWMI_FAILED(rc)) {
		return rc;
	}
	os_identity(&b, &os, prov_os_name(c->mem, &os.rel, os.root_device));
	os_memory(&b, &os.mem);
	now(&t, &us);
	pb_time(&b, "LocalDateTime", t, us);
	pb_s16(&b, "CurrentTimeZone", (int16_t)prov_utc_offset_min(t));
	if (os.boot_time > 0) {
		pb_time(&b, "LastBootUpTime", os.boot_time, 0);
	}
	if (os.install_time > 0) {
		pb_time(&b, "InstallDate", os.install_time, 0);
	}
	pb_u32(&b, "NumberOfProcesses", os.n_processes);
	pb_u32(&b, "NumberOfUsers", os.n_users);
	if (os.pid_max != 0) {
		pb_u32(&b, "MaxNumberOfProcesses", os.pid_max);
	}
	/* The user address space in KB: 128 TiB on 64-bit, 3 GiB on 32. */
	pb_u64(&b, "MaxProcessMemorySize",
	       os.is_64bit ? 137438953472ull : 3145728ull);
	return pc_emit(&b);
}

static const char *system_type(const char *machine)
{
	if (strcmp(machine, "x86_64") == 0) {
		return "x64-based PC";
	}
	if (strcmp(machine, "aarch64") == 0) {
		return "ARM64-based PC";
	}
	if (machine[0] == 'i' && strcmp(machine + 2, "86") == 0) {
		return "X86-based PC";
	}
	return machine;
}

/* Physical packages: distinct topology/physical_package_id values. */
static uint32_t count_packages(const struct prov_cpus *cpus)
{
	return cpus->n_sockets ? cpus->n_sockets : 1;
}

int32_t cw_cs_each(struct pcall *c)
{
	struct prov_os os;
	struct prov_dmi dmi;
	struct prov_cpus cpus;
	char *host = prov_host_name(c->mem);
	char *console = NULL;
	struct pb b;
	int32_t rc;
	hresult hr = prov_os_read(c->mem, "", &os, NULL);

	if (hr_failed(hr)) {
		return pc_hr(hr.v);
	}
	prov_dmi_read(c->mem, "", &dmi, NULL);
	if (hr_failed(prov_cpus_read(c->mem, "", &cpus, NULL))) {
		memset(&cpus, 0, sizeof(cpus));
	}
	prov_utmp_users(c->mem, "", "/run/utmp", &console);
	rc = pb_begin(&b, c, c->cls);
	if (OWMI_FAILED(rc)) {
		return rc;
	}
	pb_str(&b, "Name", os.computer_name);
	pb_str(&b, "Caption", os.computer_name);
	pb_str(&b, "Description", "AT/AT COMPATIBLE");
	pb_str(&b, "CreationClassName", "Win32_ComputerSystem");
	pb_str(&b, "DNSHostName", host);
	/* NEEDSWORK: realm (sssd, winbind) membership is not detected. */
	pb_str(&b, "Domain", "WORKGROUP");
	pb_str(&b, "Workgroup", "WORKGROUP");
	pb_bool(&b, "PartOfDomain", false);
	pb_u16(&b, "DomainRole", CS_STANDALONE_SERVER);
	pb_str(&b, "Manufacturer", dmi.sys_vendor);
	pb_str(&b, "Model", dmi.product_name);
	pb_str(&b, "SystemFamily", dmi.product_family);
	pb_str(&b, "SystemSKUNumber", dmi.product_sku);
	pb_u64(&b, "TotalPhysicalMemory", os.mem.total_kb * 1024u);
	pb_u32(&b, "NumberOfProcessors", count_packages(&cpus));
	pb_u32(&b, "NumberOfLogicalProcessors",
	       (uint32_t)sysconf(_SC_NPROCESSORS_ONLN));
	pb_str(&b, "SystemType", system_type(os.machine));
	if (console != NULL) {
		pb_str(&b, "UserName",
		       talloc_asprintf(c->mem, "%s\\%s", os.computer_name,
		                       console));
	}
	pb_bool(&b, "HypervisorPresent", cpus.hypervisor);
	pb_u16(&b, "PCSystemType", prov_pc_system_type(dmi.chassis_type));
	pb_s16(&b, "CurrentTimeZone",
	       (int16_t)prov_utc_offset_min((int64_t)time(NULL)));
	pb_str(&b, "Status", "OK");
	pb_str(&b, "BootupState", "Normal boot");
	pb_str(&b, "PrimaryOwnerName", "root");
	pb_u16(&b, "PowerState", 0);
	pb_bool(&b, "PowerManagementSupported", false);
	pb_bool(&b, "AutomaticResetBootOption", true);
	pb_bool(&b, "AutomaticResetCapability", true);
	pb_u16(&b, "ChassisBootupState", 3); /* safe */
	pb_u16(&b, "ThermalState", 3);       /* safe */
	pb_u16(&b, "PowerSupplyState", 3);   /* safe */
	return pc_emit(&b);
}

int32_t cw_bios_each(struct pcall *c)
{
	struct prov_dmi dmi;
	char date[26];
	char *version, *name;
	const char *bios_versions[2];
	struct pb b;
	int32_t rc;

	prov_dmi_read(c->mem, "", &dmi, NULL);
	if (!dmi.present) {
		return OWMI_S_OK; /* no SMBIOS (a container, some VMs) */
	}
	name = dmi.bios_version ? dmi.bios_version : "Default System BIOS";
	version = talloc_asprintf(c->mem, "%.8s - %s",
	                          dmi.bios_vendor ? dmi.bios_vendor : "",
	                          dmi.bios_release ? dmi.bios_release : name);
	rc = pb_begin(&b, c, c->cls);
	if (OWMI_FAILED(rc)) {
		return rc;
	}
	pb_str(&b, "Name", name);
	pb_str(&b, "Caption", name);
	pb_str(&b, "Description", name);
	pb_str(&b, "SoftwareElementID", name);
	pb_u16(&b, "SoftwareElementState", 3); /* running */
	pb_u16(&b, "TargetOperatingSystem", 0);
	pb_str(&b, "Version", version);
	pb_str(&b, "Manufacturer", dmi.bios_vendor);
	pb_str(&b, "SMBIOSBIOSVersion", dmi.bios_version);
	bios_versions[0] = version;
	bios_versions[1] = name;
	pb_strv(&b, "BIOSVersion", bios_versions, 2);
	if (prov_dmi_date_to_dmtf(dmi.bios_date, date)) {
		pb_dmtf(&b, "ReleaseDate", date);
	}
	pb_str(&b, "SerialNumber", dmi.product_serial);
	pb_bool(&b, "SMBIOSPresent", true);
	if (dmi.smbios_major != 0) {
		pb_u16(&b, "SMBIOSMajorVersion", dmi.smbios_major);
		pb_u16(&b, "SMBIOSMinorVersion", dmi.smbios_minor);
	}
	if (dmi.bios_release != NULL) {
		unsigned maj = 0, min = 0;

		if (sscanf(dmi.bios_release, "%u.%u", &maj, &min) == 2 &&
		    maj < 256 && min < 256) {
			pb_u8(&b, "SystemBiosMajorVersion", (uint8_t)maj);
			pb_u8(&b, "SystemBiosMinorVersion", (uint8_t)min);
		}
	}
	pb_bool(&b, "PrimaryBIOS", true);
	pb_str(&b, "Status", "OK");
	return pc_emit(&b);
}
