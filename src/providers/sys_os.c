/*
 * sys_os: the operating system (Win32_OperatingSystem, parts of
 * Win32_ComputerSystem) and login sessions (providers layer).
 */
#include "providers/sysinfo.h"

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/utsname.h>
#include <talloc.h>
#include <unistd.h>
#include <utmpx.h>

#define LAYER "providers"

static hresult os_release_parse(void *mem,
                                const char *text,
                                struct prov_os_release *out)
{
	const char *p = text;

	while (*p != '\0') {
		const char *e = strchr(p, '\n');
		size_t len = e ? (size_t)(e - p) : strlen(p);
		char *k, *v;
		bool oom;

		if (prov_parse_assignment(mem, p, len, &k, &v, &oom)) {
			char **slot = NULL;

			if (strcmp(k, "NAME") == 0) {
				slot = &out->name;
			} else if (strcmp(k, "PRETTY_NAME") == 0) {
				slot = &out->pretty_name;
			} else if (strcmp(k, "VERSION") == 0) {
				slot = &out->version;
			} else if (strcmp(k, "VERSION_ID") == 0) {
				slot = &out->version_id;
			} else if (strcmp(k, "ID") == 0) {
				slot = &out->id;
			} else if (strcmp(k, "BUILD_ID") == 0) {
				slot = &out->build_id;
			}
			talloc_free(k);
			if (slot != NULL) {
				talloc_free(*slot);
				*slot = v;
			} else {
				talloc_free(v);
			}
		} else if (oom) {
			return HR_E_OUTOFMEMORY;
		}
		p += len;
		if (*p == '\n') {
			p++;
		}
	}
	if (out->pretty_name == NULL) {
		if (out->name != NULL && out->version != NULL) {
			out->pretty_name = talloc_asprintf(
			        mem, "%s %s", out->name, out->version);
		} else {
			out->pretty_name = talloc_strdup(
			        mem, out->name != NULL ? out->name : "Linux");
		}
		if (out->pretty_name == NULL) {
			return HR_E_OUTOFMEMORY;
		}
	}
	return HR_OK;
}

hresult prov_os_release_read(void *mem,
                             const char *root,
                             struct prov_os_release *out,
                             struct errinfo *ei)
{
	char *text = NULL;
	hresult hr;

	memset(out, 0, sizeof(*out));
	hr = prov_read_file(mem, root, "/etc/os-release", 0, &text, NULL, NULL);
	if (hr_failed(hr) && !hr_eq(hr, HR_E_OUTOFMEMORY)) {
		hr = prov_read_file(mem, root, "/usr/lib/os-release", 0, &text,
		                    NULL, ei);
	}
	if (hr_failed(hr)) {
		return hr;
	}
	hr = os_release_parse(mem, text, out);
	talloc_free(text);
	if (hr_failed(hr)) {
		return err_set(ei, hr, LAYER, "out of memory in os-release");
	}
	return HR_OK;
}

uint32_t prov_utmp_users(void *mem,
                         const char *root,
                         const char *path,
                         char **first_console)
{
	char *data = NULL;
	size_t len = 0;
	uint32_t n = 0;
	bool live = root == NULL || root[0] == '\0';

	if (first_console != NULL) {
		*first_console = NULL;
	}
	if (hr_failed(prov_read_file(NULL, root, path, 0, &data, &len, NULL))) {
		return 0;
	}
	for (size_t off = 0; off + sizeof(struct utmpx) <= len;
	     off += sizeof(struct utmpx)) {
		struct utmpx u;

		memcpy(&u, data + off, sizeof(u));
		if (u.ut_type != USER_PROCESS || u.ut_user[0] == '\0') {
			continue;
		}
		if (live && u.ut_pid > 0 && kill(u.ut_pid, 0) != 0 &&
		    errno == ESRCH) {
			continue;
		}
		n++;
		if (first_console != NULL && *first_console == NULL &&
		    (strncmp(u.ut_line, "tty", 3) == 0 ||
		     u.ut_line[0] == ':')) {
			*first_console = talloc_strndup(
			        mem, u.ut_user,
			        strnlen(u.ut_user, sizeof(u.ut_user)));
		}
	}
	talloc_free(data);
	return n;
}

static uint32_t count_processes(const char *root)
{
	char path[4096];
	struct dirent *d;
	uint32_t n = 0;
	DIR *dir;

	snprintf(path, sizeof(path), "%s/proc", root ? root : "");
	dir = opendir(path);
	if (dir == NULL) {
		return 0;
	}
	while ((d = readdir(dir)) != NULL) {
		if (d->d_name[0] >= '1' && d->d_name[0] <= '9') {
			n++;
		}
	}
	closedir(dir);
	return n;
}

char *prov_root_device(void *mem, const char *root)
{
	char *text = NULL, *dev = NULL;
	char *p;

	if (hr_failed(prov_read_file(mem, root, "/proc/self/mountinfo", 0,
	                             &text, NULL, NULL))) {
		return NULL;
	}
	p = text;
	while (*p != '\0') {
		char *e = strchr(p, '\n');
		char *mp, *sep;

		if (e != NULL) {
			*e = '\0';
		}
		/* id parent major:minor root mount-point ... - type source */
		mp = p;
		for (int f = 0; f < 4 && mp != NULL; f++) {
			mp = strchr(mp, ' ');
			mp = mp ? mp + 1 : NULL;
		}
		sep = strstr(p, " - ");
		if (mp != NULL && sep != NULL && strncmp(mp, "/ ", 2) == 0) {
			char *type = sep + 3;
			char *src = strchr(type, ' ');

			if (src != NULL) {
				size_t n;

				src++;
				n = strcspn(src, " ");
				talloc_free(dev);
				dev = talloc_strndup(mem, src, n);
			}
		}
		if (e == NULL) {
			break;
		}
		p = e + 1;
	}
	talloc_free(text);
	if (dev != NULL) {
		prov_unescape_mount(dev);
	}
	return dev;
}

static int64_t install_time(const char *root)
{
	char path[4096];
	struct statx st;

	snprintf(path, sizeof(path), "%s/", root ? root : "");
	if (statx(AT_FDCWD, path, 0, STATX_BTIME, &st) == 0 &&
	    (st.stx_mask & STATX_BTIME) != 0 && st.stx_btime.tv_sec > 0) {
		return st.stx_btime.tv_sec;
	}
	return -1;
}

hresult prov_os_read(void *mem,
                     const char *root,
                     struct prov_os *out,
                     struct errinfo *ei)
{
	struct utsname u;
	char *pm;
	hresult hr;

	memset(out, 0, sizeof(*out));
	hr = prov_meminfo_read(root, &out->mem, ei);
	if (hr_failed(hr)) {
		return hr;
	}
	hr = prov_os_release_read(mem, root, &out->rel, NULL);
	if (hr_eq(hr, HR_E_OUTOFMEMORY)) {
		return err_set(ei, hr, LAYER, "out of memory");
	}
	if (hr_failed(hr)) {
		memset(&out->rel, 0, sizeof(out->rel));
		out->rel.pretty_name = talloc_strdup(mem, "Linux");
		out->rel.name = talloc_strdup(mem, "Linux");
	}
	if (uname(&u) != 0) {
		memset(&u, 0, sizeof(u));
	}
	out->sysname = talloc_strdup(mem, u.sysname);
	out->release = talloc_strdup(mem, u.release);
	out->kversion = talloc_strdup(mem, u.version);
	out->machine = talloc_strdup(mem, u.machine);
	out->computer_name = prov_computer_name(mem);
	if (out->sysname == NULL || out->release == NULL ||
	    out->kversion == NULL || out->machine == NULL ||
	    out->computer_name == NULL || out->rel.pretty_name == NULL) {
		return err_set(ei, HR_E_OUTOFMEMORY, LAYER, "out of memory");
	}
	out->is_64bit = strstr(u.machine, "64") != NULL ||
	                strcmp(u.machine, "s390x") == 0;
	out->root_device = prov_root_device(mem, root);
	out->machine_id = prov_read_attr(mem, root, "/etc/machine-id");
	if (hr_failed(prov_boot_time(root, &out->boot_time, NULL))) {
		out->boot_time = 0;
	}
	out->install_time = install_time(root);
	out->n_processes = count_processes(root);
	out->n_users = prov_utmp_users(mem, root, "/run/utmp", NULL);
	pm = prov_read_attr(mem, root, "/proc/sys/kernel/pid_max");
	out->pid_max = pm ? (uint32_t)strtoul(pm, NULL, 10) : 0;
	talloc_free(pm);
	return HR_OK;
}

char *prov_os_name(void *mem,
                   const struct prov_os_release *rel,
                   const char *root_device)
{
	return talloc_asprintf(mem, "%s|/|%s",
	                       rel->pretty_name ? rel->pretty_name : "Linux",
	                       root_device ? root_device : "");
}
