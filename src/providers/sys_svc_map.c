/*
 * sys_svc_map: how systemd's unit states read as Win32_Service values
 * (providers layer).  Pure functions, built with or without libsystemd.
 */
#include "providers/sysinfo.h"

#include <string.h>

const char *prov_service_state(const char *active, const char *sub)
{
	(void)sub;
	if (active == NULL) {
		return "Unknown";
	}
	if (strcmp(active, "active") == 0 || strcmp(active, "reloading") == 0) {
		return "Running";
	}
	if (strcmp(active, "inactive") == 0 || strcmp(active, "failed") == 0) {
		return "Stopped";
	}
	if (strcmp(active, "activating") == 0) {
		return "Start Pending";
	}
	if (strcmp(active, "deactivating") == 0) {
		return "Stop Pending";
	}
	return "Unknown";
}

const char *prov_service_start_mode(const char *unit_file_state)
{
	if (unit_file_state == NULL) {
		return "Manual";
	}
	if (strcmp(unit_file_state, "enabled") == 0 ||
	    strcmp(unit_file_state, "enabled-runtime") == 0 ||
	    strcmp(unit_file_state, "alias") == 0) {
		return "Auto";
	}
	if (strncmp(unit_file_state, "masked", 6) == 0) {
		return "Disabled";
	}
	return "Manual"; /* disabled, static, indirect, generated ... */
}

const char *prov_service_status(const char *active)
{
	return active != NULL && strcmp(active, "failed") == 0 ? "Error" : "OK";
}
