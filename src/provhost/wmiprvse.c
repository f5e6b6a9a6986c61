/*
 * wmiprvse: the provider host process (provhost layer; DESIGN.md
 * section 2).
 *
 * Started by the object manager (provhost_call), never by hand:
 *
 *   wmiprvse --fd N [--handles MAX] [--provider NAME]
 *
 * N is the connected socket to the object manager; MAX is HandlesPerHost;
 * NAME only labels the process for ps.  Exits 0 when the object manager
 * closes the socket, 2 on bad arguments.
 */
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "provhost/provhost-int.h"

static bool parse_u32(const char *s, uint32_t *out)
{
	char *end = NULL;
	unsigned long v;

	if (s == NULL || s[0] < '0' || s[0] > '9') {
		return false;
	}
	v = strtoul(s, &end, 10);
	if (*end != '\0' || v > UINT32_MAX) {
		return false;
	}
	*out = (uint32_t)v;
	return true;
}

int main(int argc, char **argv)
{
	uint32_t fd = UINT32_MAX, handles = 0;

	for (int i = 1; i < argc; i++) {
		const char *v = i + 1 < argc ? argv[i + 1] : NULL;

		if (strcmp(argv[i], "--fd") == 0 && parse_u32(v, &fd)) {
			i++;
		} else if (strcmp(argv[i], "--handles") == 0 &&
		           parse_u32(v, &handles)) {
			i++;
		} else if (strcmp(argv[i], "--provider") == 0 && v != NULL) {
			i++;
		} else {
			fprintf(stderr,
			        "usage: wmiprvse --fd N [--handles MAX] "
			        "[--provider NAME]\n");
			return 2;
		}
	}
	if (fd > 1024) {
		fprintf(stderr, "wmiprvse: --fd is required\n");
		return 2;
	}
	signal(SIGPIPE, SIG_IGN);
	return host_main_loop((int)fd, handles);
}
