/*
 * cw_disk: Win32_LogicalDisk, one per mounted filesystem, DeviceID the
 * mount point (providers layer; reference section 9.5).
 */
#include "providers/providers-int.h"

#include <string.h>
#include <talloc.h>

#include "providers/sysinfo.h"

static const char *drive_description(uint32_t type)
{
	switch (type) {
	case PROV_DRIVE_REMOVABLE:
		return "Removable Disk";
	case PROV_DRIVE_LOCAL:
		return "Local Fixed Disk";
	case PROV_DRIVE_NETWORK:
		return "Network Connection";
	case PROV_DRIVE_CD:
		return "CD-ROM Disc";
	case PROV_DRIVE_RAM:
		return "RAM Disk";
	default:
		return "Unknown";
	}
}

static int32_t disk_emit(struct pcall *c,
                         const char *host,
                         const struct prov_disk *d)
{
	struct pb b;
	int32_t rc = pb_begin(&b, c, c->cls);

	if (OWMI_FAILED(rc)) {
		return rc;
	}
	pb_str(&b, "DeviceID", d->mount_point);
	pb_str(&b, "Name", d->mount_point);
	pb_str(&b, "Caption", d->mount_point);
	pb_str(&b, "Description", drive_description(d->drive_type));
	pb_u32(&b, "DriveType", d->drive_type);
	pb_str(&b, "FileSystem", d->fstype);
	pb_str(&b, "VolumeName", d->label ? d->label : "");
	pb_str(&b, "VolumeSerialNumber", d->serial);
	if (d->drive_type == PROV_DRIVE_NETWORK) {
		pb_str(&b, "ProviderName", d->source);
	}
	if (d->drive_type == PROV_DRIVE_LOCAL) {
		pb_u32(&b, "MediaType", 12); /* fixed hard disk */
	} else if (d->drive_type == PROV_DRIVE_REMOVABLE) {
		pb_u32(&b, "MediaType", 11); /* removable media */
	}
	if (d->has_stat) {
		pb_u64(&b, "Size", d->size);
		pb_u64(&b, "FreeSpace", d->avail);
		pb_u64(&b, "BlockSize", d->block_size);
		pb_u64(&b, "NumberOfBlocks", d->blocks);
		pb_u32(&b, "MaximumComponentLength", d->name_max);
	}
	pb_u16(&b, "Access", d->read_only ? 1 : 3);
	pb_bool(&b, "Compressed", false);
	pb_bool(&b, "SupportsDiskQuotas", false);
	pb_bool(&b, "QuotasDisabled", true);
	pb_bool(&b, "SupportsFileBasedCompression", false);
	pb_str(&b, "PNPDeviceID", d->source);
	pb_str(&b, "CreationClassName", "Win32_LogicalDisk");
	pb_str(&b, "SystemCreationClassName", "Win32_ComputerSystem");
	pb_str(&b, "SystemName", host);
	return pc_emit(&b);
}

int32_t cw_disk_each(struct pcall *c)
{
	struct prov_disk *d = NULL;
	uint32_t n = 0;
	char *host = prov_computer_name(c->mem);
	hresult hr;

	if (host == NULL) {
		return OWMI_E_OUT_OF_MEMORY;
	}
	hr = prov_disks_read(c->mem, "", &d, &n, NULL);
	if (hr_failed(hr)) {
		return pc_hr(hr.v);
	}
	for (uint32_t i = 0; i < n; i++) {
		int32_t rc = disk_emit(c, host, &d[i]);

		if (rc != OWMI_S_OK) {
			return rc;
		}
	}
	return OWMI_S_OK;
}
