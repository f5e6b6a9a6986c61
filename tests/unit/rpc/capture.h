/*
 * capture: loads the hex captures of ../shared/interop/captures for the rpc
 * unit tests.  The directory is $OWMI_SHARED_DIR/interop/captures when the
 * variable is set, else OWMI_SHARED_DIR_DEFAULT (the source root's
 * ../shared, set by meson).
 */
#ifndef OWMI_TEST_RPC_CAPTURE_H
#define OWMI_TEST_RPC_CAPTURE_H

#include <dirent.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <talloc.h>

static inline int capture_hexval(int c)
{
	if (c >= '0' && c <= '9') {
		return c - '0';
	}
	if (c >= 'a' && c <= 'f') {
		return c - 'a' + 10;
	}
	if (c >= 'A' && c <= 'F') {
		return c - 'A' + 10;
	}
	return -1;
}

/*
 * Returns owned (talloc child of [mem]) the bytes of the capture whose file
 * name starts with [prefix] ("a01"), and their count in [*len]; NULL when
 * the file is missing or not hex.
 */
static inline uint8_t *capture_load(void *mem, const char *prefix, size_t *len)
{
	const char *root = getenv("OWMI_SHARED_DIR");
	char dir[1024];
	char path[2048];
	DIR *d;
	struct dirent *e;
	FILE *f = NULL;
	uint8_t *out = NULL;
	size_t n = 0;
	size_t cap = 0;
	int hi = -1;
	int c;

	snprintf(dir, sizeof(dir), "%s/interop/captures",
	         root != NULL ? root : OWMI_SHARED_DIR_DEFAULT);
	d = opendir(dir);
	if (d == NULL) {
		fprintf(stderr, "capture: cannot open %s\n", dir);
		return NULL;
	}
	path[0] = '\0';
	while ((e = readdir(d)) != NULL) {
		if (strncmp(e->d_name, prefix, strlen(prefix)) == 0 &&
		    e->d_name[strlen(prefix)] == '_') {
			snprintf(path, sizeof(path), "%s/%s", dir, e->d_name);
			break;
		}
	}
	closedir(d);
	if (path[0] == '\0' || (f = fopen(path, "r")) == NULL) {
		fprintf(stderr, "capture: no %s in %s\n", prefix, dir);
		return NULL;
	}
	while ((c = fgetc(f)) != EOF) {
		int v = capture_hexval(c);

		if (v < 0) {
			continue;
		}
		if (hi < 0) {
			hi = v;
			continue;
		}
		if (n == cap) {
			cap = cap == 0 ? 256 : cap * 2;
			out = talloc_realloc(mem, out, uint8_t, cap);
			if (out == NULL) {
				fclose(f);
				return NULL;
			}
		}
		out[n++] = (uint8_t)(hi << 4 | v);
		hi = -1;
	}
	fclose(f);
	*len = n;
	return out;
}

#endif
