/*
 * sys_dmi: SMBIOS data from /sys/class/dmi/id (Win32_BIOS,
 * Win32_ComputerSystem) (providers layer).
 */
#include "providers/sysinfo.h"

#include <ctype.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>
#include <talloc.h>

#define LAYER "providers"
#define DMI   "/sys/class/dmi/id/"

hresult prov_dmi_read(void *mem,
                      const char *root,
                      struct prov_dmi *out,
                      struct errinfo *ei)
{
	static const struct {
		const char *file;
		size_t off;
	} map[] = {
		{ "sys_vendor", offsetof(struct prov_dmi, sys_vendor) },
		{ "product_name", offsetof(struct prov_dmi, product_name) },
		{ "product_family", offsetof(struct prov_dmi, product_family) },
		{ "product_sku", offsetof(struct prov_dmi, product_sku) },
		{ "product_serial", offsetof(struct prov_dmi, product_serial) },
		{ "product_uuid", offsetof(struct prov_dmi, product_uuid) },
		{ "product_version",
		  offsetof(struct prov_dmi, product_version) },
		{ "board_vendor", offsetof(struct prov_dmi, board_vendor) },
		{ "board_name", offsetof(struct prov_dmi, board_name) },
		{ "bios_vendor", offsetof(struct prov_dmi, bios_vendor) },
		{ "bios_version", offsetof(struct prov_dmi, bios_version) },
		{ "bios_date", offsetof(struct prov_dmi, bios_date) },
		{ "bios_release", offsetof(struct prov_dmi, bios_release) },
	};
	char path[4096];
	struct stat st;
	char *ct, *ep = NULL;
	size_t ep_len = 0;

	(void)ei;
	memset(out, 0, sizeof(*out));
	snprintf(path, sizeof(path), "%s" DMI, root ? root : "");
	out->present = stat(path, &st) == 0 && S_ISDIR(st.st_mode);
	if (!out->present) {
		return HR_OK;
	}
	for (size_t i = 0; i < sizeof(map) / sizeof(map[0]); i++) {
		snprintf(path, sizeof(path), DMI "%s", map[i].file);
		*(char **)((char *)out + map[i].off) = prov_read_attr(mem, root,
		                                                      path);
	}
	ct = prov_read_attr(mem, root, DMI "chassis_type");
	if (ct != NULL) {
		out->chassis_type = (uint32_t)strtoul(ct, NULL, 10);
		talloc_free(ct);
	}
	/* SMBIOS 2.x "_SM_" (version at 6, 7) or 3.x "_SM3_" (7, 8). */
	if (hr_ok(prov_read_file(mem, root,
	                         "/sys/firmware/dmi/tables/smbios_entry_point",
	                         4096, &ep, &ep_len, NULL))) {
		const unsigned char *b = (const unsigned char *)ep;

		if (ep_len >= 9 && memcmp(b, "_SM3_", 5) == 0) {
			out->smbios_major = b[7];
			out->smbios_minor = b[8];
		} else if (ep_len >= 8 && memcmp(b, "_SM_", 4) == 0) {
			out->smbios_major = b[6];
			out->smbios_minor = b[7];
		}
		talloc_free(ep);
	}
	return HR_OK;
}

bool prov_dmi_date_to_dmtf(const char *date, char out[26])
{
	unsigned m, d, y;
	char tail;

	if (date == NULL ||
	    sscanf(date, "%2u/%2u/%4u%c", &m, &d, &y, &tail) != 3) {
		return false;
	}
	if (y < 100) {
		y += y < 70 ? 2000 : 1900;
	}
	if (m < 1 || m > 12 || d < 1 || d > 31 || y < 1900 || y > 9999) {
		return false;
	}
	snprintf(out, 26, "%04u%02u%02u000000.000000+000", y, m, d);
	return true;
}

uint16_t prov_pc_system_type(uint32_t chassis_type)
{
	switch (chassis_type) {
	case 3:  /* desktop */
	case 4:  /* low-profile desktop */
	case 5:  /* pizza box */
	case 6:  /* mini tower */
	case 7:  /* tower */
	case 13: /* all in one */
	case 15: /* space-saving */
	case 16: /* lunch box */
	case 24: /* sealed-case PC */
	case 35: /* mini PC */
	case 36: /* stick PC */
		return 1;
	case 8:  /* portable */
	case 9:  /* laptop */
	case 10: /* notebook */
	case 11: /* hand held */
	case 14: /* sub notebook */
	case 30: /* tablet */
	case 31: /* convertible */
	case 32: /* detachable */
		return 2;
	case 17: /* main server chassis */
	case 23: /* rack mount chassis */
	case 28: /* blade */
	case 29: /* blade enclosure */
		return 4;
	default:
		return 0;
	}
}
