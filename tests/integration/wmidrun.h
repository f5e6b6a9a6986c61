/*
 * wmidrun: starts and stops a private wmid for integration tests and
 * benches (tests only): a fresh state folder, a random 127.x.y.z address
 * and endpoint mapper port, the service in the foreground as a child, a
 * repository prepared with mofcomp -offline, accounts made with wmiuser.
 * Every function prints what went wrong on stderr and returns -1.
 */
#ifndef OWMI_TESTS_WMIDRUN_H
#define OWMI_TESTS_WMIDRUN_H

#include <stdint.h>
#include <sys/types.h>

struct wmidrun {
	char dir[128];
	char addr[32];
	uint16_t epm_port;
	uint16_t exporter_port;
	pid_t pid;
	char conf[256];
	char log[256];
	char sock[256];
	char repo[256];
};

/* A fresh folder, address, port and config with [extra] appended (ini
   text, may be NULL). */
int wmidrun_prepare(struct wmidrun *d, const char *extra);

/* Copies [schema_repo] into the folder and compiles [mof_text] (may be
   NULL) into it with [mofcomp] -offline. */
int wmidrun_repository(struct wmidrun *d,
                       const char *schema_repo,
                       const char *mofcomp,
                       const char *mof_text);

/* wmiuser add [user] (password [pw]) in [group] (may be NULL). */
int wmidrun_add_user(struct wmidrun *d,
                     const char *wmiuser,
                     const char *user,
                     const char *pw,
                     const char *group);

/* Starts [wmid] --foreground and waits (20 s) for its "ready" line. */
int wmidrun_start(struct wmidrun *d, const char *wmid);

/* SIGTERM and wait (15 s, then SIGKILL); returns the exit status. */
int wmidrun_stop(struct wmidrun *d);

/* Kills a running service and removes the folder. */
void wmidrun_cleanup(struct wmidrun *d);

/* VmRSS of the service in KiB (from /proc), or -1. */
long wmidrun_rss_kb(const struct wmidrun *d);

#endif
