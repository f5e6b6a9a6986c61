/*
 * Unit tests for daemon/state: the state folder layout and the pid file
 * lock (a second holder is refused, a stale file is taken over, the file
 * goes away with its holder).
 */
#include <fcntl.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <talloc.h>
#include <unistd.h>

#include <cmocka.h>

#include "daemon/state.h"

static char *temp_dir(void *mem)
{
	char tmpl[] = "/tmp/owmi-state-XXXXXX";

	assert_non_null(mkdtemp(tmpl));
	return talloc_strdup(mem, tmpl);
}

static void test_paths_with_state_dir(void **state)
{
	void *mem = talloc_new(NULL);
	struct wmid_paths *p = NULL;
	struct errinfo ei;

	(void)state;
	assert_true(hr_eq(wmid_paths_resolve(mem, "/srv/wmi", NULL, &p, &ei),
	                  HR_OK));
	assert_string_equal(p->repository, "/srv/wmi/repository.db");
	assert_string_equal(p->accounts, "/srv/wmi/accounts.db");
	assert_string_equal(p->log_file, "/srv/wmi/logs/wmid.log");
	assert_string_equal(p->activity_log, "/srv/wmi/logs/activity.log");
	assert_string_equal(p->socket, "/srv/wmi/wmid.sock");
	assert_string_equal(p->pid_file, "/srv/wmi/wmid.pid");
	talloc_free(mem);
}

static void test_paths_defaults_and_overrides(void **state)
{
	void *mem = talloc_new(NULL);
	struct wmid_config *cfg = wmid_config_new(mem);
	struct wmid_paths *p = NULL;
	struct errinfo ei;

	(void)state;
	assert_true(hr_eq(wmid_paths_resolve(mem, NULL, cfg, &p, &ei), HR_OK));
	assert_string_equal(p->repository, "/var/lib/openwmi/repository.db");
	assert_string_equal(p->log_file, "/var/log/openwmi/wmid.log");
	assert_string_equal(p->socket, "/run/openwmi/wmid.sock");
	assert_string_equal(p->pid_file, "/run/openwmi/wmid.pid");
	/* state_dir from the config; log_dir and run_dir override it. */
	cfg->state_dir = "/a";
	cfg->log_dir = "/b";
	assert_true(hr_eq(wmid_paths_resolve(mem, NULL, cfg, &p, &ei), HR_OK));
	assert_string_equal(p->accounts, "/a/accounts.db");
	assert_string_equal(p->log_file, "/b/wmid.log");
	assert_string_equal(p->pid_file, "/a/wmid.pid");
	/* --state-dir wins over the config's state_dir. */
	assert_true(hr_eq(wmid_paths_resolve(mem, "/c", cfg, &p, &ei), HR_OK));
	assert_string_equal(p->repository, "/c/repository.db");
	talloc_free(mem);
}

static void test_paths_refused(void **state)
{
	void *mem = talloc_new(NULL);
	struct wmid_paths *p = NULL;
	struct errinfo ei;
	char longdir[200];

	(void)state;
	err_clear(&ei);
	assert_true(hr_eq(wmid_paths_resolve(mem, "rel", NULL, &p, &ei),
	                  HR_E_INVALIDARG));
	assert_string_equal(ei.msg,
	                    "state folder 'rel' is not an absolute path");
	memset(longdir, 'd', sizeof(longdir));
	longdir[0] = '/';
	longdir[sizeof(longdir) - 1] = '\0';
	err_clear(&ei);
	assert_true(hr_eq(wmid_paths_resolve(mem, longdir, NULL, &p, &ei),
	                  HR_E_INVALIDARG));
	assert_non_null(strstr(ei.msg, "is longer than 107 characters"));
	assert_null(p);
	talloc_free(mem);
}

static void test_create_dirs(void **state)
{
	void *mem = talloc_new(NULL);
	char *dir = temp_dir(mem);
	char *sub = talloc_asprintf(mem, "%s/x/y", dir);
	struct wmid_paths *p = NULL;
	struct errinfo ei;
	struct stat sb;
	char *cmd;

	(void)state;
	assert_true(hr_eq(wmid_paths_resolve(mem, sub, NULL, &p, &ei), HR_OK));
	assert_true(hr_eq(wmid_paths_create_dirs(p, &ei), HR_OK));
	assert_int_equal(stat(p->log_dir, &sb), 0);
	assert_true(S_ISDIR(sb.st_mode));
	assert_int_equal(sb.st_mode & 0777, 0750);
	/* Idempotent. */
	assert_true(hr_eq(wmid_paths_create_dirs(p, &ei), HR_OK));
	/* A file in the way is an error naming it. */
	assert_int_equal(rmdir(p->log_dir), 0);
	assert_int_equal(close(creat(p->log_dir, 0600)), 0);
	err_clear(&ei);
	assert_true(hr_eq(wmid_paths_create_dirs(p, &ei), HR_E_FAIL));
	assert_non_null(strstr(ei.msg, "is not a folder"));
	cmd = talloc_asprintf(mem, "rm -rf '%s'", dir);
	assert_int_equal(system(cmd), 0);
	talloc_free(mem);
}

static void test_pidfile_lock(void **state)
{
	void *mem = talloc_new(NULL);
	char *dir = temp_dir(mem);
	char *path = talloc_asprintf(mem, "%s/wmid.pid", dir);
	struct wmid_pidfile *pf = NULL;
	struct wmid_pidfile *pf2 = NULL;
	struct errinfo ei;
	char text[32] = { 0 };
	char want[32];
	FILE *f;

	(void)state;
	assert_int_equal(wmid_pidfile_owner(path), 0);
	assert_true(hr_eq(wmid_pidfile_acquire(mem, path, &pf, &ei), HR_OK));
	f = fopen(path, "r");
	assert_non_null(f);
	assert_non_null(fgets(text, sizeof(text), f));
	fclose(f);
	snprintf(want, sizeof(want), "%ld\n", (long)getpid());
	assert_string_equal(text, want);
	assert_int_equal(wmid_pidfile_owner(path), getpid());

	/* A second holder is refused, naming the first. */
	err_clear(&ei);
	assert_true(hr_eq(wmid_pidfile_acquire(mem, path, &pf2, &ei),
	                  HR_WBEM_E_ALREADY_EXISTS));
	assert_null(pf2);
	snprintf(want, sizeof(want), "(pid %ld)", (long)getpid());
	assert_non_null(strstr(ei.msg, want));

	/* Releasing removes the file. */
	talloc_free(pf);
	assert_int_equal(access(path, F_OK), -1);
	assert_int_equal(wmid_pidfile_owner(path), 0);
	rmdir(dir);
	talloc_free(mem);
}

static void test_pidfile_stale_taken_over(void **state)
{
	void *mem = talloc_new(NULL);
	char *dir = temp_dir(mem);
	char *path = talloc_asprintf(mem, "%s/wmid.pid", dir);
	struct wmid_pidfile *pf = NULL;
	struct errinfo ei;
	FILE *f = fopen(path, "w");
	pid_t child;
	int status;

	(void)state;
	/* A file left by a dead process, unlocked. */
	assert_non_null(f);
	fputs("999999\n", f);
	fclose(f);
	assert_int_equal(wmid_pidfile_owner(path), 0);
	assert_true(hr_eq(wmid_pidfile_acquire(mem, path, &pf, &ei), HR_OK));

	/* Another process sees the lock. */
	child = fork();
	assert_true(child >= 0);
	if (child == 0) {
		struct wmid_pidfile *c = NULL;
		hresult hr = wmid_pidfile_acquire(NULL, path, &c, NULL);

		_exit(hr_eq(hr, HR_WBEM_E_ALREADY_EXISTS) &&
		                      wmid_pidfile_owner(path) == getppid()
		              ? 0
		              : 1);
	}
	assert_int_equal(waitpid(child, &status, 0), child);
	assert_true(WIFEXITED(status));
	assert_int_equal(WEXITSTATUS(status), 0);
	talloc_free(pf);
	rmdir(dir);
	talloc_free(mem);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_paths_with_state_dir),
		cmocka_unit_test(test_paths_defaults_and_overrides),
		cmocka_unit_test(test_paths_refused),
		cmocka_unit_test(test_create_dirs),
		cmocka_unit_test(test_pidfile_lock),
		cmocka_unit_test(test_pidfile_stale_taken_over),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
