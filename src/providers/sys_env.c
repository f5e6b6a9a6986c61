/*
 * sys_env: system environment variables (Win32_Environment) from
 * /etc/environment and /etc/environment.d/NAME.conf (providers layer).
 *
 * Windows lists the system variables (UserName "<SYSTEM>") and those of
 * each loaded user profile; Linux has no per-user store that every
 * session honours, so only the system variables are listed.
 */
#include "providers/sysinfo.h"

#include <dirent.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <talloc.h>

#define LAYER "providers"

static hresult add_var(void *mem,
                       struct prov_env_var **a,
                       uint32_t *n,
                       char *key,
                       char *value)
{
	struct prov_env_var *v = NULL;

	for (uint32_t i = 0; i < *n; i++) {
		if (strcmp((*a)[i].name, key) == 0) {
			v = &(*a)[i];
			talloc_free(v->name);
			talloc_free(v->value);
			break;
		}
	}
	if (v == NULL) {
		struct prov_env_var *na = talloc_realloc(
		        mem, *a, struct prov_env_var, *n + 1);

		if (na == NULL) {
			return HR_E_OUTOFMEMORY;
		}
		*a = na;
		v = &na[(*n)++];
		v->user = talloc_strdup(na, "<SYSTEM>");
		v->system = true;
		if (v->user == NULL) {
			return HR_E_OUTOFMEMORY;
		}
	}
	v->name = talloc_steal(*a, key);
	v->value = talloc_steal(*a, value);
	return HR_OK;
}

static hresult parse_env(void *mem,
                         const char *text,
                         struct prov_env_var **a,
                         uint32_t *n)
{
	const char *p = text;

	while (*p != '\0') {
		const char *e = strchr(p, '\n');
		size_t len = e ? (size_t)(e - p) : strlen(p);
		char *k, *v;
		bool oom;

		if (prov_parse_assignment(mem, p, len, &k, &v, &oom)) {
			hresult hr = add_var(mem, a, n, k, v);

			if (hr_failed(hr)) {
				return hr;
			}
		} else if (oom) {
			return HR_E_OUTOFMEMORY;
		}
		p += len;
		if (*p == '\n') {
			p++;
		}
	}
	return HR_OK;
}

static int cmp_name(const void *a, const void *b)
{
	return strcmp(*(char *const *)a, *(char *const *)b);
}

hresult prov_env_read(void *mem,
                      const char *root,
                      struct prov_env_var **out,
                      uint32_t *n,
                      struct errinfo *ei)
{
	void *tmp = talloc_new(NULL);
	struct prov_env_var *a = NULL;
	uint32_t cnt = 0;
	char *text = NULL;
	char path[4096];
	char **files = NULL;
	uint32_t n_files = 0;
	struct dirent *d;
	hresult hr = HR_OK;
	DIR *dir;

	if (tmp == NULL) {
		return HR_E_OUTOFMEMORY;
	}
	if (hr_ok(prov_read_file(tmp, root, "/etc/environment", 0, &text, NULL,
	                         NULL))) {
		hr = parse_env(mem, text, &a, &cnt);
	}
	snprintf(path, sizeof(path), "%s/etc/environment.d", root ? root : "");
	dir = hr_ok(hr) ? opendir(path) : NULL;
	while (dir != NULL && (d = readdir(dir)) != NULL) {
		size_t l = strlen(d->d_name);

		if (l > 5 && strcmp(d->d_name + l - 5, ".conf") == 0) {
			files = talloc_realloc(tmp, files, char *, n_files + 1);
			if (files == NULL) {
				hr = HR_E_OUTOFMEMORY;
				break;
			}
			files[n_files] = talloc_strdup(files, d->d_name);
			if (files[n_files] == NULL) {
				hr = HR_E_OUTOFMEMORY;
				break;
			}
			n_files++;
		}
	}
	if (dir != NULL) {
		closedir(dir);
	}
	if (n_files > 1) {
		qsort(files, n_files, sizeof(char *), cmp_name);
	}
	for (uint32_t i = 0; i < n_files && hr_ok(hr); i++) {
		snprintf(path, sizeof(path), "/etc/environment.d/%s", files[i]);
		if (hr_ok(prov_read_file(tmp, root, path, 0, &text, NULL,
		                         NULL))) {
			hr = parse_env(mem, text, &a, &cnt);
		}
	}
	talloc_free(tmp);
	if (hr_failed(hr)) {
		talloc_free(a);
		return err_set(ei, hr, LAYER,
		               "out of memory reading environment");
	}
	*out = a;
	*n = cnt;
	return HR_OK;
}
