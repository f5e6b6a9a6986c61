/*
 * Unit tests of the process readers and actions: /proc/[pid] against the
 * test's own process, command-line splitting, priorities, and Create /
 * Terminate with Windows' return codes.  The test makes itself a child
 * subreaper, so the detached processes Create starts are reparented to it
 * and can be reaped here.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#include <cmocka.h>

#include "fixture.h"

#include <dirent.h>
#include <pwd.h>
#include <sched.h>
#include <signal.h>
#include <sys/prctl.h>
#include <sys/resource.h>
#include <sys/wait.h>
#include <talloc.h>
#include <time.h>

#include "providers/sysinfo.h"

static int64_t boot_time(void)
{
	int64_t b = 0;

	assert_true(hr_ok(prov_boot_time("", &b, NULL)));
	return b;
}

static void test_list_contains_self_sorted(void **state)
{
	void *mem = talloc_new(NULL);
	uint32_t *pids = NULL, n = 0;
	bool self = false;

	(void)state;
	assert_true(hr_ok(prov_process_list(mem, "", &pids, &n, NULL)));
	assert_true(n > 0);
	for (uint32_t i = 0; i < n; i++) {
		self = self || pids[i] == (uint32_t)getpid();
		if (i > 0) {
			assert_true(pids[i - 1] < pids[i]);
		}
	}
	assert_true(self);
	talloc_free(mem);
}

static void test_read_self_matches_proc(void **state)
{
	void *mem = talloc_new(NULL);
	struct prov_process p;
	char exe[4096];
	ssize_t n = readlink("/proc/self/exe", exe, sizeof(exe) - 1);
	const char *base;
	struct rusage ru;
	time_t now = time(NULL);

	(void)state;
	assert_true(n > 0);
	exe[n] = '\0';
	base = strrchr(exe, '/') + 1;
	assert_true(
	        hr_ok(prov_process_read(mem, "", (uint32_t)getpid(),
	                                boot_time(), PROV_PROC_ALL, &p, NULL)));
	assert_int_equal(p.pid, (uint32_t)getpid());
	assert_int_equal(p.ppid, (uint32_t)getppid());
	assert_string_equal(p.exe, exe);
	assert_string_equal(p.name, base);
	assert_true(strncmp(p.comm, base, 15) == 0);
	assert_non_null(p.cmdline);
	assert_true(strstr(p.cmdline, base) != NULL);
	assert_int_equal(p.uid, (uint32_t)getuid());
	assert_true(p.threads >= 1);
	assert_true(p.handles >= 3); /* stdin, stdout, stderr at least */
	assert_true(p.rss_kb > 0 && p.rss_kb <= p.hwm_kb);
	assert_true(p.vm_size_kb >= p.rss_kb && p.vm_peak_kb >= p.vm_size_kb);
	assert_int_equal(p.nice, getpriority(PRIO_PROCESS, 0));
	/* Started before now, not before boot. */
	assert_true(p.start_sec <= now && p.start_sec >= boot_time());
	assert_true(p.start_usec < 1000000);
	getrusage(RUSAGE_SELF, &ru);
	/* User time in 100 ns within a tick-sized margin of getrusage. */
	assert_true(p.user_100ns <= ((uint64_t)ru.ru_utime.tv_sec * 10000000u +
	                             (uint64_t)ru.ru_utime.tv_usec * 10u) +
	                                    200000u);
	assert_true(p.has_io);
	talloc_free(mem);
}

static void test_read_missing_is_not_found(void **state)
{
	void *mem = talloc_new(NULL);
	struct prov_process p;

	(void)state;
	assert_true(hr_eq(prov_process_read(mem, "", 0x3FFFFFF0u, 0,
	                                    PROV_PROC_ALL, &p, NULL),
	                  HR_WBEM_E_NOT_FOUND));
	talloc_free(mem);
}

static void test_read_fixture_stat_with_odd_comm(void **state)
{
	struct fixture f;
	void *mem = talloc_new(NULL);
	struct prov_process p;
	long tck = sysconf(_SC_CLK_TCK);
	char stat[512];

	(void)state;
	assert_int_equal(fx_init(&f), 0);
	/* A comm holding ") (" must not confuse the field split. */
	snprintf(stat, sizeof(stat),
	         "42 (a) (b) S 7 42 42 0 -1 4194560 100 0 5 0 %ld %ld 0 0 20 "
	         "-5 3 0 %ld 1048576 256 18446744073709551615 1 1 0 0 0 0 0 "
	         "0 0 0 0 0 17 1 0 0 0 0 0\n",
	         tck * 2, tck / 2, tck * 10 + tck / 4);
	fx_puts(&f, "/proc/42/stat", stat);
	fx_puts(&f, "/proc/42/status",
	        "Name:\ta) (b\nUid:\t1000\t1000\t1000\t1000\nVmPeak:\t"
	        "   2048 kB\nVmSize:\t   1024 kB\nVmHWM:\t    512 kB\n"
	        "VmRSS:\t    256 kB\nRssAnon:\t    100 kB\nVmSwap:\t     "
	        "28 kB\nThreads:\t3\n");
	fx_write(&f, "/proc/42/cmdline", "/bin/x\0-a\0b c\0", 14);
	fx_puts(&f, "/proc/42/io",
	        "rchar: 11\nwchar: 22\nsyscr: 3\nsyscw: 4\nread_bytes: 0\n");
	fx_puts(&f, "/proc/42/sessionid", "4294967295");
	assert_true(hr_ok(prov_process_read(mem, f.root, 42, 1000,
	                                    PROV_PROC_ALL, &p, NULL)));
	assert_string_equal(p.comm, "a) (b");
	assert_string_equal(p.name, "a) (b"); /* no exe link: comm */
	assert_null(p.exe);
	assert_int_equal(p.ppid, 7);
	assert_int_equal(p.state, 'S');
	assert_int_equal(p.page_faults, 105);
	assert_int_equal(p.user_100ns, 20000000);
	assert_int_equal(p.kernel_100ns,
	                 (uint64_t)(tck / 2) * 10000000u / (uint64_t)tck);
	assert_int_equal(p.nice, -5);
	assert_int_equal(p.priority, 10);
	assert_int_equal(p.threads, 3);
	assert_int_equal(p.start_sec, 1010);
	assert_int_equal(p.start_usec, 250000);
	assert_int_equal(p.vm_peak_kb, 2048);
	assert_int_equal(p.vm_size_kb, 1024);
	assert_int_equal(p.rss_kb, 256);
	assert_int_equal(p.hwm_kb, 512);
	assert_int_equal(p.private_kb, 128);
	assert_int_equal(p.uid, 1000);
	assert_string_equal(p.cmdline, "/bin/x -a b c");
	assert_int_equal(p.read_bytes, 11);
	assert_int_equal(p.write_ops, 4);
	assert_int_equal(p.session, 0);
	fx_free(&f);
	talloc_free(mem);
}

/* Writes /proc/42/stat: state, utime ticks, thread count. */
static void put_stat(struct fixture *f, char state, int utime, int threads)
{
	char stat[512];

	snprintf(stat, sizeof(stat),
	         "42 (x) %c 7 42 42 0 -1 4194560 100 0 5 0 %d 0 0 0 20 0 %d 0 "
	         "500 1048576 256 18446744073709551615 1 1 0 0 0 0 0 0 0 0 0 "
	         "0 17 1 0 0 0 0 0\n",
	         state, utime, threads);
	fx_puts(f, "/proc/42/stat", stat);
}

/* Writes /proc/42/status and cmdline with uid [uid]. */
static void put_status(struct fixture *f, int uid)
{
	char text[256];

	snprintf(text, sizeof(text),
	         "Name:\tx\nUid:\t%d\t%d\t%d\t%d\nVmHWM:\t    512 kB\n"
	         "VmRSS:\t    256 kB\nThreads:\t1\n",
	         uid, uid, uid, uid);
	fx_puts(f, "/proc/42/status", text);
	snprintf(text, sizeof(text), "/bin/x%c%d", '\0', uid);
	fx_write(f, "/proc/42/cmdline", text,
	         strlen("/bin/x") + 1 + strlen(text + 7) + 1);
}

/* One cached read of pid 42; returns its uid and checks cmdline with it. */
static uint32_t cached_uid(struct fixture *f, struct prov_proc_cache *c)
{
	void *mem = talloc_new(NULL);
	uint32_t pid = 42, uid;
	struct prov_process p;
	char want[64];

	assert_true(hr_ok(prov_process_read_cached(
	        mem, f->root, &pid, 1, 1000, PROV_PROC_ALL, 1, c, &p, NULL)));
	assert_int_equal(p.pid, 42);
	uid = p.uid;
	snprintf(want, sizeof(want), "/bin/x %u", uid);
	assert_string_equal(p.cmdline, want);
	assert_string_equal(p.comm, "x");
	assert_string_equal(p.name, "x");
	talloc_free(mem);
	return uid;
}

static void test_read_cached_until_stat_or_schedstat_change(void **state)
{
	struct fixture f;
	struct prov_proc_cache *c = prov_proc_cache_new(NULL);

	(void)state;
	assert_non_null(c);
	assert_int_equal(fx_init(&f), 0);
	put_stat(&f, 'S', 10, 1);
	fx_puts(&f, "/proc/42/schedstat", "1000 5 7\n");
	put_status(&f, 1000);
	assert_int_equal(cached_uid(&f, c), 1000);

	/* Same stat and schedstat: status and cmdline are not read again. */
	put_status(&f, 2000);
	assert_int_equal(cached_uid(&f, c), 1000);
	/* It was scheduled (schedstat): read again. */
	fx_puts(&f, "/proc/42/schedstat", "1200 5 8\n");
	assert_int_equal(cached_uid(&f, c), 2000);
	/* Its stat changed: read again. */
	put_status(&f, 3000);
	assert_int_equal(cached_uid(&f, c), 2000);
	put_stat(&f, 'S', 11, 1);
	assert_int_equal(cached_uid(&f, c), 3000);

	/* Never reused: running, several threads, no sched_info. */
	put_stat(&f, 'R', 11, 1);
	assert_int_equal(cached_uid(&f, c), 3000);
	put_status(&f, 4000);
	assert_int_equal(cached_uid(&f, c), 4000);
	put_stat(&f, 'S', 11, 2);
	assert_int_equal(cached_uid(&f, c), 4000);
	put_status(&f, 5000);
	assert_int_equal(cached_uid(&f, c), 5000);
	put_stat(&f, 'S', 11, 1);
	fx_puts(&f, "/proc/42/schedstat", "0 0 0\n");
	assert_int_equal(cached_uid(&f, c), 5000);
	put_status(&f, 6000);
	assert_int_equal(cached_uid(&f, c), 6000);
	fx_free(&f);
	talloc_free(c);
}

/* A hit keeps the entry: an idle process is reused on every later call,
 * not every other one. */
static void test_read_cached_hit_stays_cached(void **state)
{
	struct fixture f;
	struct prov_proc_cache *c = prov_proc_cache_new(NULL);

	(void)state;
	assert_non_null(c);
	assert_int_equal(fx_init(&f), 0);
	put_stat(&f, 'S', 10, 1);
	fx_puts(&f, "/proc/42/schedstat", "1000 5 7\n");
	put_status(&f, 1000);
	assert_int_equal(cached_uid(&f, c), 1000);
	put_status(&f, 2000);
	for (int i = 0; i < 4; i++) {
		assert_int_equal(cached_uid(&f, c), 1000);
	}
	fx_puts(&f, "/proc/42/schedstat", "1200 5 8\n");
	assert_int_equal(cached_uid(&f, c), 2000);
	fx_free(&f);
	talloc_free(c);
}

/* Descriptors open in this process. */
static uint32_t open_fds(void)
{
	uint32_t n = 0;
	struct dirent *d;
	DIR *dir = opendir("/proc/self/fd");

	assert_non_null(dir);
	while ((d = readdir(dir)) != NULL) {
		n += d->d_name[0] != '.';
	}
	closedir(dir);
	return n - 1; /* the listing's own */
}

/* Cached reads of every live process; returns how many were found. */
static uint32_t read_all_cached(struct prov_proc_cache *c)
{
	void *mem = talloc_new(NULL);
	uint32_t *pids = NULL, n = 0, found = 0;
	struct prov_process *out;

	assert_true(hr_ok(prov_process_list(mem, "", &pids, &n, NULL)));
	out = talloc_zero_array(mem, struct prov_process, n);
	assert_true(hr_ok(prov_process_read_cached(mem, "", pids, n,
	                                           boot_time(), PROV_PROC_ALL,
	                                           0, c, out, NULL)));
	for (uint32_t i = 0; i < n; i++) {
		found += out[i].pid != 0;
		if (out[i].pid == (uint32_t)getpid()) {
			assert_string_equal(out[i].comm, "test_providers_");
		}
	}
	talloc_free(mem);
	return found;
}

/*
 * The cache keeps stat and schedstat open between calls, within half of
 * what RLIMIT_NOFILE leaves above 64, and closes every one when freed.
 */
static void test_read_cached_descriptors_within_budget(void **state)
{
	uint32_t base = open_fds(), kept;
	struct prov_proc_cache *c = prov_proc_cache_new(NULL);
	struct rlimit rl, low;

	(void)state;
	assert_int_equal(getrlimit(RLIMIT_NOFILE, &rl), 0);
	/* Processes come and go meanwhile: bounds, not exact counts. */
	for (int i = 0; i < 3; i++) {
		uint32_t found = read_all_cached(c);

		kept = open_fds() - base;
		assert_true(kept >= 2);
		assert_true(kept <= 2 * found);
		assert_true(kept <= (rl.rlim_cur - 64) / 2);
	}
	talloc_free(c);
	assert_int_equal(open_fds(), base);

	/* A low limit: at most (200 - 64) / 2 kept. */
	low = rl;
	low.rlim_cur = 200;
	assert_int_equal(setrlimit(RLIMIT_NOFILE, &low), 0);
	c = prov_proc_cache_new(NULL);
	assert_true(read_all_cached(c) > 1);
	assert_true(read_all_cached(c) > 1);
	assert_true(open_fds() - base <= 68);
	talloc_free(c);
	assert_int_equal(open_fds(), base);
	assert_int_equal(setrlimit(RLIMIT_NOFILE, &rl), 0);
}

/* A process that exited is gone from the next call even though its
 * descriptors were kept (they fail; the pid is not reopened). */
static void test_read_cached_exited_process(void **state)
{
	void *mem = talloc_new(NULL);
	struct prov_proc_cache *c = prov_proc_cache_new(NULL);
	uint32_t base = open_fds();
	struct prov_process p;
	uint32_t pid;
	pid_t kid = fork();

	(void)state;
	if (kid == 0) {
		for (;;) {
			pause();
		}
	}
	assert_true(kid > 0);
	pid = (uint32_t)kid;
	for (int i = 0; i < 2; i++) {
		assert_true(hr_ok(prov_process_read_cached(
		        mem, "", &pid, 1, boot_time(), PROV_PROC_ALL, 1, c, &p,
		        NULL)));
		assert_int_equal(p.pid, pid);
	}
	assert_int_equal(open_fds() - base, 2);
	kill(kid, SIGKILL);
	assert_int_equal(waitpid(kid, NULL, 0), kid);
	assert_true(hr_ok(prov_process_read_cached(
	        mem, "", &pid, 1, boot_time(), PROV_PROC_ALL, 1, c, &p, NULL)));
	assert_int_equal(p.pid, 0);
	assert_int_equal(open_fds(), base);
	talloc_free(c);
	talloc_free(mem);
}

static void test_split_cmdline(void **state)
{
	void *mem = talloc_new(NULL);
	int argc = -1;
	char **argv;

	(void)state;
	argv = prov_split_cmdline(mem, "  /bin/echo  \"a b\" c\\\"d \"\" e  ",
	                          &argc);
	assert_int_equal(argc, 5);
	assert_string_equal(argv[0], "/bin/echo");
	assert_string_equal(argv[1], "a b");
	assert_string_equal(argv[2], "c\"d");
	assert_string_equal(argv[3], "");
	assert_string_equal(argv[4], "e");
	assert_null(argv[5]);
	argv = prov_split_cmdline(mem, " \t ", &argc);
	assert_int_equal(argc, 0);
	assert_null(argv[0]);
	argv = prov_split_cmdline(mem, "C:\\path\\x.exe", &argc);
	assert_int_equal(argc, 1);
	assert_string_equal(argv[0], "C:\\path\\x.exe");
	talloc_free(mem);
}

static void test_priority_classes(void **state)
{
	(void)state;
	assert_int_equal(prov_priority_from_nice(0, SCHED_OTHER), 8);
	assert_int_equal(prov_priority_from_nice(4, SCHED_OTHER), 8);
	assert_int_equal(prov_priority_from_nice(5, SCHED_OTHER), 6);
	assert_int_equal(prov_priority_from_nice(19, SCHED_OTHER), 4);
	assert_int_equal(prov_priority_from_nice(-5, SCHED_OTHER), 10);
	assert_int_equal(prov_priority_from_nice(-20, SCHED_OTHER), 13);
	assert_int_equal(prov_priority_from_nice(0, SCHED_FIFO), 24);
	assert_int_equal(prov_priority_from_nice(0, SCHED_IDLE), 4);
}

/* Waits for [pid] (our reparented grandchild) to end; its status. */
static int reap(uint32_t pid)
{
	int st = 0;

	for (int i = 0; i < 500; i++) {
		pid_t r = waitpid((pid_t)pid, &st, WNOHANG);

		if (r == (pid_t)pid) {
			return st;
		}
		usleep(10000);
	}
	return -1;
}

static void test_create_and_terminate(void **state)
{
	void *mem = talloc_new(NULL);
	struct prov_process p;
	uint32_t pid = 0;
	int st;

	(void)state;
	assert_int_equal(
	        prov_process_create("/bin/sleep 30", "/tmp", false, 0, 0, &pid),
	        PROV_RC_OK);
	assert_true(pid > 0);
	assert_true(hr_ok(prov_process_read(mem, "", pid, boot_time(),
	                                    PROV_PROC_ALL, &p, NULL)));
	assert_string_equal(p.cmdline, "/bin/sleep 30");
	/* Detached: a session of its own (made by the intermediate process,
	 * which exited), yet we reap it as subreaper. */
	assert_int_not_equal(getsid((pid_t)pid), getsid(0));
	assert_int_equal(p.ppid, (uint32_t)getpid());
	assert_int_equal(prov_process_terminate(pid, false, 0), PROV_RC_OK);
	st = reap(pid);
	assert_true(WIFSIGNALED(st) && WTERMSIG(st) == SIGKILL);
	assert_int_equal(prov_process_terminate(pid, false, 0),
	                 PROV_RC_UNKNOWN);
	talloc_free(mem);
}

static void test_create_uses_path_and_cwd(void **state)
{
	struct fixture f;
	char cmd[256], out[256];
	uint32_t pid = 0;
	FILE *fp;

	(void)state;
	assert_int_equal(fx_init(&f), 0);
	snprintf(cmd, sizeof(cmd), "sh -c \"pwd > %s/out\"", f.root);
	assert_int_equal(prov_process_create(cmd, f.root, false, 0, 0, &pid),
	                 PROV_RC_OK);
	assert_true(WIFEXITED(reap(pid)));
	snprintf(out, sizeof(out), "%s/out", f.root);
	fp = fopen(out, "r");
	assert_non_null(fp);
	assert_non_null(fgets(out, sizeof(out), fp));
	fclose(fp);
	out[strcspn(out, "\n")] = '\0';
	assert_string_equal(out, f.root);
	fx_free(&f);
}

static void test_create_return_codes(void **state)
{
	struct fixture f;
	char path[256];
	uint32_t pid = 77;

	(void)state;
	assert_int_equal(fx_init(&f), 0);
	assert_int_equal(prov_process_create(NULL, NULL, false, 0, 0, &pid),
	                 PROV_RC_INVALID_PARAMETER);
	assert_int_equal(prov_process_create("   ", NULL, false, 0, 0, &pid),
	                 PROV_RC_INVALID_PARAMETER);
	assert_int_equal(prov_process_create("/no/such/program", NULL, false, 0,
	                                     0, &pid),
	                 PROV_RC_PATH_NOT_FOUND);
	assert_int_equal(prov_process_create("no-such-program-owmi", NULL,
	                                     false, 0, 0, &pid),
	                 PROV_RC_PATH_NOT_FOUND);
	assert_int_equal(prov_process_create("/bin/true", "/no/such/dir", false,
	                                     0, 0, &pid),
	                 PROV_RC_PATH_NOT_FOUND);
	/* A directory is not a program. */
	assert_int_equal(prov_process_create("/tmp", NULL, false, 0, 0, &pid),
	                 PROV_RC_ACCESS_DENIED);
	/* Not executable: exec fails with EACCES, reported through the pipe
	 * (root bypasses the mode bits but not a file without any x). */
	fx_puts(&f, "/noexec", "#!/bin/sh\n");
	snprintf(path, sizeof(path), "%s/noexec", f.root);
	assert_int_equal(prov_process_create(path, NULL, false, 0, 0, &pid),
	                 PROV_RC_ACCESS_DENIED);
	assert_int_equal(pid, 77); /* untouched on failure */
	fx_free(&f);
}

static void test_create_as_user_when_root(void **state)
{
	void *mem = talloc_new(NULL);
	struct passwd *nobody = getpwnam("nobody");
	struct prov_process p;
	uint32_t pid = 0;

	(void)state;
	if (getuid() != 0 || nobody == NULL) {
		skip();
	}
	assert_int_equal(prov_process_create("/bin/sleep 30", NULL, true,
	                                     nobody->pw_uid, nobody->pw_gid,
	                                     &pid),
	                 PROV_RC_OK);
	assert_true(hr_ok(prov_process_read(mem, "", pid, 0, PROV_PROC_STATUS,
	                                    &p, NULL)));
	assert_int_equal(p.uid, nobody->pw_uid);
	assert_string_equal(prov_user_name(mem, p.uid), nobody->pw_name);
	/* Another user may not kill it; its owner may. */
	assert_int_equal(prov_process_terminate(pid, true, nobody->pw_uid + 1),
	                 PROV_RC_ACCESS_DENIED);
	assert_int_equal(prov_process_terminate(pid, true, nobody->pw_uid),
	                 PROV_RC_OK);
	reap(pid);
	talloc_free(mem);
}

static void test_user_name_of_unknown_uid(void **state)
{
	void *mem = talloc_new(NULL);

	(void)state;
	assert_string_equal(prov_user_name(mem, 0), "root");
	assert_string_equal(prov_user_name(mem, 3999999), "3999999");
	talloc_free(mem);
}

static int setup_subreaper(void **state)
{
	(void)state;
	return prctl(PR_SET_CHILD_SUBREAPER, 1) == 0 ? 0 : -1;
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_list_contains_self_sorted),
		cmocka_unit_test(test_read_self_matches_proc),
		cmocka_unit_test(test_read_missing_is_not_found),
		cmocka_unit_test(test_read_fixture_stat_with_odd_comm),
		cmocka_unit_test(
		        test_read_cached_until_stat_or_schedstat_change),
		cmocka_unit_test(test_read_cached_hit_stays_cached),
		cmocka_unit_test(test_read_cached_descriptors_within_budget),
		cmocka_unit_test(test_read_cached_exited_process),
		cmocka_unit_test(test_split_cmdline),
		cmocka_unit_test(test_priority_classes),
		cmocka_unit_test(test_create_and_terminate),
		cmocka_unit_test(test_create_uses_path_and_cwd),
		cmocka_unit_test(test_create_return_codes),
		cmocka_unit_test(test_create_as_user_when_root),
		cmocka_unit_test(test_user_name_of_unknown_uid),
	};

	return cmocka_run_group_tests(tests, setup_subreaper, NULL);
}
