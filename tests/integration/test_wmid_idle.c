/*
 * Idle shutdown of provider hosts in the real service (suite integration):
 * a private wmid with [providers] idle_timeout_ms = 400 answers
 * SELECT * FROM Win32_OperatingSystem through its CIMWin32 host (a
 * wmiprvse child of wmid), drops that host after the timeout (no wmiprvse
 * child left, not even a zombie, checked in /proc), answers the next
 * query from a fresh host, and keeps its own descriptor count steady
 * over several stop/start cycles.
 *
 * Usage: test_wmid_idle WMID WMIUSER MOFCOMP SCHEMA_REPOSITORY
 */
#include <dirent.h>
#include <errno.h>
#include <setjmp.h>
#include <signal.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <talloc.h>
#include <time.h>
#include <unistd.h>

#include <cmocka.h>

#include "client/client.h"
#include "wmidrun.h"

#define IDLE_MS 400

static struct wmidrun d;

static void sleep_ms(unsigned ms)
{
	struct timespec ts = { ms / 1000u, (long)(ms % 1000u) * 1000000L };

	while (nanosleep(&ts, &ts) != 0 && errno == EINTR) {
	}
}

/*
 * Children of wmid named wmiprvse, from /proc/<pid>/stat (field 4 is the
 * parent).  *zombies counts those in state Z.
 */
static int host_children(int *zombies, int *first_pid)
{
	DIR *dir = opendir("/proc");
	struct dirent *e;
	int n = 0;

	assert_non_null(dir);
	*zombies = 0;
	*first_pid = 0;
	while ((e = readdir(dir)) != NULL) {
		char path[300], text[512], comm[64] = "", state = '?';
		int pid, ppid = 0;
		FILE *f;

		if (e->d_name[0] < '1' || e->d_name[0] > '9') {
			continue;
		}
		snprintf(path, sizeof(path), "/proc/%s/stat", e->d_name);
		f = fopen(path, "r");
		if (f == NULL) {
			continue;
		}
		if (fgets(text, sizeof(text), f) != NULL &&
		    sscanf(text, "%d (%63[^)]) %c %d", &pid, comm, &state,
		           &ppid) == 4 &&
		    ppid == (int)d.pid && strcmp(comm, "wmiprvse") == 0) {
			n++;
			*zombies += state == 'Z';
			if (*first_pid == 0) {
				*first_pid = pid;
			}
		}
		fclose(f);
	}
	closedir(dir);
	return n;
}

static int service_fds(void)
{
	char path[64];
	DIR *dir;
	struct dirent *e;
	int n = 0;

	snprintf(path, sizeof(path), "/proc/%d/fd", (int)d.pid);
	dir = opendir(path);
	if (dir == NULL) {
		return -1; /* another user's service: not readable */
	}
	while ((e = readdir(dir)) != NULL) {
		n += e->d_name[0] != '.';
	}
	closedir(dir);
	return n;
}

static struct client_conn *conn(void *mem)
{
	struct client_options o;
	struct client_conn *c = NULL;
	struct errinfo ei;

	memset(&o, 0, sizeof(o));
	o.host = d.addr;
	o.port = d.epm_port;
	o.user = "tadmin";
	o.password = "Adm#Pass1";
	o.ns = "root\\cimv2";
	o.timeout_ms = 20000;
	err_clear(&ei);
	if (hr_failed(client_connect(mem, &o, &c, &ei))) {
		fail_msg("connect: %s", ei.msg);
	}
	return c;
}

/* SELECT * FROM Win32_OperatingSystem: one instance with a Caption. */
static void query_os(struct client_svc *s, void *mem)
{
	struct client_enum *e = NULL;
	struct cim_object **objs = NULL;
	const struct cim_value *v;
	uint32_t n = 0;
	struct errinfo ei;

	err_clear(&ei);
	if (hr_failed(client_exec_query(
	            s, "SELECT * FROM Win32_OperatingSystem", 0, 0, &e, &ei)) ||
	    hr_failed(client_enum_all(e, mem, &objs, &n, &ei))) {
		fail_msg("Win32_OperatingSystem: %s", ei.msg);
	}
	client_enum_release(e);
	assert_int_equal(n, 1);
	v = cim_instance_get(objs[0]->u.inst, "Caption");
	assert_non_null(v);
	assert_false(v->null);
}

/* Waits up to [ms] for wmid to have no wmiprvse child at all. */
static bool wait_no_host(unsigned ms)
{
	int z, pid;

	for (unsigned t = 0; t < ms; t += 20) {
		if (host_children(&z, &pid) == 0) {
			return true;
		}
		sleep_ms(20);
	}
	return false;
}

static void test_host_dropped_after_idle_timeout(void **state)
{
	void *mem = talloc_new(NULL);
	struct client_conn *c = conn(mem);
	struct client_svc *s = client_root(c);
	int z, pid, pid2, fds = -1;

	(void)state;
	for (int round = 0; round < 4; round++) {
		query_os(s, mem);
		/* The host is there right after the call, and is no zombie. */
		assert_int_equal(host_children(&z, &pid), 1);
		assert_int_equal(z, 0);
		if (round == 0) {
			/* Calls within the timeout reuse it. */
			sleep_ms(IDLE_MS / 4);
			query_os(s, mem);
			assert_int_equal(host_children(&z, &pid2), 1);
			assert_int_equal(pid2, pid);
		}
		/* Windows allows up to twice the interval; we stop at it. */
		assert_true(wait_no_host(IDLE_MS * 2 + 1500));
		assert_int_not_equal(kill(pid, 0), 0);
		if (round == 1) {
			/* The service is our child, same user: readable. */
			fds = service_fds();
			assert_true(fds > 0);
		} else if (round > 1) {
			/* Nothing accumulates per host started and stopped. */
			assert_int_equal(service_fds(), fds);
		}
	}
	/* And the next query answers from a fresh host. */
	query_os(s, mem);
	assert_int_equal(host_children(&z, &pid2), 1);
	assert_int_not_equal(pid2, pid);
	client_close(c);
	talloc_free(mem);
}

int main(int argc, char **argv)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_host_dropped_after_idle_timeout),
	};
	char conf[128];
	int rc;

	if (argc < 5) {
		fprintf(stderr, "usage: test_wmid_idle WMID WMIUSER MOFCOMP "
		                "SCHEMA_REPOSITORY\n");
		return 2;
	}
	snprintf(conf, sizeof(conf), "[providers]\nidle_timeout_ms = %d\n",
	         IDLE_MS);
	if (wmidrun_prepare(&d, conf) != 0 ||
	    wmidrun_repository(&d, argv[4], argv[3], NULL) != 0 ||
	    wmidrun_add_user(&d, argv[2], "tadmin", "Adm#Pass1",
	                     "Administrators") != 0 ||
	    wmidrun_start(&d, argv[1]) != 0) {
		wmidrun_cleanup(&d);
		return 1;
	}
	rc = cmocka_run_group_tests(tests, NULL, NULL);
	if (wmidrun_stop(&d) != 0) {
		fprintf(stderr, "wmid did not stop cleanly\n");
		rc = 1;
	}
	wmidrun_cleanup(&d);
	return rc;
}
