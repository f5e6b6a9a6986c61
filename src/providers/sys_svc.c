/*
 * sys_svc: services (Win32_Service) from systemd over D-Bus with sd-bus
 * (providers layer).
 *
 * Where systemd is not the running init (containers, CI), the service
 * list is empty, not an error: Windows always has services, but a
 * machine without a service manager has none to show.
 */
#include "providers/sysinfo.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <systemd/sd-bus.h>
#include <systemd/sd-daemon.h>
#include <talloc.h>

#define LAYER "providers"

#define SD_DEST    "org.freedesktop.systemd1"
#define SD_PATH    "/org/freedesktop/systemd1"
#define SD_MANAGER "org.freedesktop.systemd1.Manager"
#define SD_UNIT    "org.freedesktop.systemd1.Unit"
#define SD_SERVICE "org.freedesktop.systemd1.Service"

/* Win32 ERROR_SERVICE_SPECIFIC_ERROR: the service's own code is set. */
#define PROV_ERROR_SERVICE_SPECIFIC 1066u

bool prov_systemd_running(void)
{
	return sd_booted() > 0;
}

/* "foo.service" -> "foo"; NULL for other units and templates "x@.service". */
static char *service_name(void *mem, const char *unit)
{
	size_t n = strlen(unit);

	if (n <= 8 || strcmp(unit + n - 8, ".service") != 0 ||
	    unit[n - 9] == '@') {
		return NULL;
	}
	return talloc_strndup(mem, unit, n - 8);
}

static struct prov_service *find_svc(struct prov_service *a,
                                     uint32_t n,
                                     const char *name)
{
	for (uint32_t i = 0; i < n; i++) {
		if (strcmp(a[i].name, name) == 0) {
			return &a[i];
		}
	}
	return NULL;
}

static struct prov_service *add_svc(void *mem,
                                    struct prov_service **a,
                                    uint32_t *n,
                                    char *name)
{
	struct prov_service *na = talloc_realloc(mem, *a, struct prov_service,
	                                         *n + 1);

	if (na == NULL) {
		return NULL;
	}
	*a = na;
	memset(&na[*n], 0, sizeof(na[0]));
	na[*n].name = talloc_steal(na, name);
	na[*n].service_type = talloc_strdup(na, "Own Process");
	na[*n].start_name = talloc_strdup(na, "LocalSystem");
	if (na[*n].service_type == NULL || na[*n].start_name == NULL) {
		return NULL;
	}
	return &na[(*n)++];
}

static char *get_string_prop(void *mem,
                             sd_bus *bus,
                             const char *path,
                             const char *iface,
                             const char *prop)
{
	char *v = NULL, *r;

	if (sd_bus_get_property_string(bus, SD_DEST, path, iface, prop, NULL,
	                               &v) < 0) {
		return NULL;
	}
	r = v[0] != '\0' ? talloc_strdup(mem, v) : NULL;
	free(v); /* allocated by sd-bus */
	return r;
}

/* ExecStart's first command as one line: path and arguments. */
static char *get_exec_start(void *mem, sd_bus *bus, const char *path)
{
	sd_bus_message *reply = NULL;
	char *line = NULL;
	const char *prog = NULL, *arg;

	if (sd_bus_get_property(bus, SD_DEST, path, SD_SERVICE, "ExecStart",
	                        NULL, &reply, "a(sasbttttuii)") < 0) {
		return NULL;
	}
	if (sd_bus_message_enter_container(reply, 'a', "(sasbttttuii)") > 0 &&
	    sd_bus_message_enter_container(reply, 'r', "sasbttttuii") > 0 &&
	    sd_bus_message_read(reply, "s", &prog) > 0) {
		line = talloc_strdup(mem, prog);
		if (sd_bus_message_enter_container(reply, 'a', "s") > 0) {
			bool first = true;

			while (line != NULL &&
			       sd_bus_message_read(reply, "s", &arg) > 0) {
				if (!first) {
					line = talloc_asprintf_append(
					        line, " %s", arg);
				}
				first = false; /* argv[0] repeats the path */
			}
		}
	}
	sd_bus_message_unref(reply);
	return line;
}

/* Fills the details of a loaded service from its unit object. */
static void read_loaded(void *mem,
                        sd_bus *bus,
                        struct prov_service *s,
                        const char *path,
                        const char *active)
{
	uint32_t pid = 0;
	int32_t status = 0;
	int can_stop = 0;
	char *ufs, *user;

	ufs = get_string_prop(mem, bus, path, SD_UNIT, "UnitFileState");
	s->start_mode = talloc_strdup(mem, prov_service_start_mode(ufs));
	talloc_free(ufs);
	if (sd_bus_get_property_trivial(bus, SD_DEST, path, SD_SERVICE,
	                                "MainPID", NULL, 'u', &pid) >= 0) {
		s->pid = pid;
	}
	if (sd_bus_get_property_trivial(bus, SD_DEST, path, SD_SERVICE,
	                                "ExecMainStatus", NULL, 'i',
	                                &status) >= 0) {
		s->service_exit_code = (uint32_t)status;
	}
	if (sd_bus_get_property_trivial(bus, SD_DEST, path, SD_UNIT, "CanStop",
	                                NULL, 'b', &can_stop) >= 0) {
		s->accept_stop = can_stop != 0 && s->started;
	}
	user = get_string_prop(mem, bus, path, SD_SERVICE, "User");
	if (user != NULL) {
		talloc_free(s->start_name);
		s->start_name = user;
	}
	s->path_name = get_exec_start(mem, bus, path);
	s->exit_code = strcmp(active, "failed") == 0
	                       ? PROV_ERROR_SERVICE_SPECIFIC
	                       : 0;
}

static int list_units(void *mem,
                      sd_bus *bus,
                      const char *only,
                      struct prov_service **a,
                      uint32_t *n)
{
	sd_bus_message *reply = NULL;
	sd_bus_error err = SD_BUS_ERROR_NULL;
	const char *unit, *desc, *load, *active, *sub, *follow, *path, *jt, *jp;
	uint32_t job;
	int r;

	r = sd_bus_call_method(bus, SD_DEST, SD_PATH, SD_MANAGER, "ListUnits",
	                       &err, &reply, "");
	sd_bus_error_free(&err);
	if (r < 0) {
		return r;
	}
	r = sd_bus_message_enter_container(reply, 'a', "(ssssssouso)");
	while (r > 0) {
		struct prov_service *s;
		char *name;

		r = sd_bus_message_read(reply, "(ssssssouso)", &unit, &desc,
		                        &load, &active, &sub, &follow, &path,
		                        &job, &jt, &jp);
		if (r <= 0) {
			break;
		}
		name = service_name(mem, unit);
		if (name == NULL || strcmp(load, "not-found") == 0 ||
		    (only != NULL && strcmp(name, only) != 0)) {
			talloc_free(name);
			continue;
		}
		s = add_svc(mem, a, n, name);
		if (s == NULL) {
			r = -12; /* -ENOMEM */
			break;
		}
		s->display_name = talloc_strdup(*a, desc[0] ? desc : s->name);
		s->state = talloc_strdup(*a, prov_service_state(active, sub));
		s->status = talloc_strdup(*a, prov_service_status(active));
		s->started = strcmp(s->state, "Running") == 0;
		read_loaded(*a, bus, s, path, active);
	}
	sd_bus_message_unref(reply);
	return r < 0 ? r : 0;
}

/* Unit files of services that are not loaded: stopped. */
static int list_unit_files(void *mem,
                           sd_bus *bus,
                           const char *only,
                           struct prov_service **a,
                           uint32_t *n)
{
	sd_bus_message *reply = NULL;
	sd_bus_error err = SD_BUS_ERROR_NULL;
	const char *path, *state;
	int r;

	r = sd_bus_call_method(bus, SD_DEST, SD_PATH, SD_MANAGER,
	                       "ListUnitFiles", &err, &reply, "");
	sd_bus_error_free(&err);
	if (r < 0) {
		return r;
	}
	r = sd_bus_message_enter_container(reply, 'a', "(ss)");
	while (r > 0) {
		struct prov_service *s;
		const char *base;
		char *name;

		r = sd_bus_message_read(reply, "(ss)", &path, &state);
		if (r <= 0) {
			break;
		}
		base = strrchr(path, '/');
		name = service_name(mem, base ? base + 1 : path);
		if (name == NULL || find_svc(*a, *n, name) != NULL ||
		    (only != NULL && strcmp(name, only) != 0)) {
			talloc_free(name);
			continue;
		}
		s = add_svc(mem, a, n, name);
		if (s == NULL) {
			r = -12;
			break;
		}
		s->display_name = talloc_strdup(*a, s->name);
		s->state = talloc_strdup(*a, "Stopped");
		s->status = talloc_strdup(*a, "OK");
		s->start_mode = talloc_strdup(*a,
		                              prov_service_start_mode(state));
		s->exit_code = 1077; /* ERROR_SERVICE_NEVER_STARTED */
	}
	sd_bus_message_unref(reply);
	return r < 0 ? r : 0;
}

static int cmp_svc(const void *x, const void *y)
{
	const struct prov_service *a = x, *b = y;

	return strcmp(a->name, b->name);
}

hresult prov_services_read(void *mem,
                           const char *only,
                           struct prov_service **out,
                           uint32_t *n,
                           struct errinfo *ei)
{
	struct prov_service *a = NULL;
	uint32_t cnt = 0;
	sd_bus *bus = NULL;
	int r;

	*out = NULL;
	*n = 0;
	if (!prov_systemd_running()) {
		return HR_OK;
	}
	if (sd_bus_open_system(&bus) < 0) {
		return HR_OK; /* systemd without a reachable bus: no services */
	}
	r = list_units(mem, bus, only, &a, &cnt);
	if (r >= 0) {
		r = list_unit_files(mem, bus, only, &a, &cnt);
	}
	sd_bus_flush_close_unref(bus);
	if (r < 0) {
		talloc_free(a);
		return err_set(ei,
		               r == -12 ? HR_E_OUTOFMEMORY
		                        : HR_WBEM_E_PROVIDER_FAILURE,
		               LAYER, "systemd: %s", strerror(-r));
	}
	for (uint32_t i = 0; i < cnt; i++) {
		if (a[i].display_name == NULL || a[i].state == NULL ||
		    a[i].status == NULL || a[i].start_mode == NULL) {
			talloc_free(a);
			return err_set(ei, HR_E_OUTOFMEMORY, LAYER,
			               "out of memory listing services");
		}
	}
	if (cnt > 1) {
		qsort(a, cnt, sizeof(a[0]), cmp_svc);
	}
	*out = a;
	*n = cnt;
	return HR_OK;
}

static uint32_t control_error(const sd_bus_error *e)
{
	if (sd_bus_error_has_name(e, SD_BUS_ERROR_ACCESS_DENIED) ||
	    sd_bus_error_has_name(e, "org.freedesktop.DBus.Error."
	                             "InteractiveAuthorizationRequired")) {
		return 2;
	}
	if (sd_bus_error_has_name(e, "org.freedesktop.systemd1.UnitMasked")) {
		return 14;
	}
	return 8;
}

uint32_t prov_service_control(const char *name, bool start)
{
	char unit[512];
	char path_buf[1024];
	sd_bus_error err = SD_BUS_ERROR_NULL;
	sd_bus_message *reply = NULL;
	const char *path = NULL;
	char *active = NULL, *ufs = NULL;
	sd_bus *bus = NULL;
	uint32_t rc = 8;
	int r;

	if (!prov_systemd_running() || sd_bus_open_system(&bus) < 0) {
		return 8;
	}
	snprintf(unit, sizeof(unit), "%s.service", name);
	r = sd_bus_call_method(bus, SD_DEST, SD_PATH, SD_MANAGER, "LoadUnit",
	                       &err, &reply, "s", unit);
	if (r < 0 || sd_bus_message_read(reply, "o", &path) <= 0) {
		rc = r < 0 ? control_error(&err) : 8;
		goto out;
	}
	snprintf(path_buf, sizeof(path_buf), "%s", path);
	sd_bus_get_property_string(bus, SD_DEST, path_buf, SD_UNIT,
	                           "ActiveState", NULL, &active);
	sd_bus_get_property_string(bus, SD_DEST, path_buf, SD_UNIT,
	                           "UnitFileState", NULL, &ufs);
	if (start && active != NULL && strcmp(active, "active") == 0) {
		rc = 10; /* already running */
		goto out;
	}
	if (start && ufs != NULL && strncmp(ufs, "masked", 6) == 0) {
		rc = 14; /* disabled */
		goto out;
	}
	if (!start && active != NULL &&
	    (strcmp(active, "inactive") == 0 ||
	     strcmp(active, "failed") == 0)) {
		rc = 5; /* cannot accept the control */
		goto out;
	}
	sd_bus_message_unref(reply);
	reply = NULL;
	sd_bus_error_free(&err);
	r = sd_bus_call_method(bus, SD_DEST, SD_PATH, SD_MANAGER,
	                       start ? "StartUnit" : "StopUnit", &err, &reply,
	                       "ss", unit, "replace");
	rc = r < 0 ? control_error(&err) : 0;
out:
	free(active); /* allocated by sd-bus */
	free(ufs);
	sd_bus_error_free(&err);
	sd_bus_message_unref(reply);
	sd_bus_flush_close_unref(bus);
	return rc;
}
