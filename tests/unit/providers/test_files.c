/*
 * Unit tests of the providers' file readers: whole files and attributes,
 * assignments, os-release, meminfo, utmp, the OS summary, DMI and the
 * environment, against fixtures and against the live system's own
 * sources.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#include <cmocka.h>

#include "fixture.h"

#include <ctype.h>
#include <sys/sysinfo.h>
#include <sys/utsname.h>
#include <talloc.h>
#include <time.h>
#include <utmpx.h>

#include "providers/sysinfo.h"

static void test_read_file_whole_and_missing(void **state)
{
	struct fixture f;
	void *mem = talloc_new(NULL);
	char *text = NULL;
	size_t len = 0;
	struct errinfo ei;
	hresult hr;

	(void)state;
	assert_int_equal(fx_init(&f), 0);
	assert_int_equal(fx_puts(&f, "/a/b", "hello\nworld\n"), 0);
	hr = prov_read_file(mem, f.root, "/a/b", 0, &text, &len, NULL);
	assert_true(hr_ok(hr));
	assert_string_equal(text, "hello\nworld\n");
	assert_int_equal(len, 12);

	err_clear(&ei);
	hr = prov_read_file(mem, f.root, "/a/none", 0, &text, &len, &ei);
	assert_true(hr_eq(hr, HR_HR_ERROR_FILE_NOT_FOUND));
	assert_true(strstr(ei.msg, "/a/none") != NULL);

	/* Longer than the limit: refused, not truncated. */
	hr = prov_read_file(mem, f.root, "/a/b", 5, &text, &len, NULL);
	assert_true(hr_eq(hr, HR_E_FAIL));

	/* An empty file is an empty string. */
	assert_int_equal(fx_puts(&f, "/empty", ""), 0);
	hr = prov_read_file(mem, f.root, "/empty", 0, &text, &len, NULL);
	assert_true(hr_ok(hr));
	assert_string_equal(text, "");
	fx_free(&f);
	talloc_free(mem);
}

static void test_read_attr_trims_first_line(void **state)
{
	struct fixture f;
	void *mem = talloc_new(NULL);

	(void)state;
	assert_int_equal(fx_init(&f), 0);
	fx_puts(&f, "/x", "  value with blanks \nsecond\n");
	fx_puts(&f, "/blank", "   \n");
	assert_string_equal(prov_read_attr(mem, f.root, "/x"),
	                    "value with blanks");
	assert_null(prov_read_attr(mem, f.root, "/blank"));
	assert_null(prov_read_attr(mem, f.root, "/missing"));
	fx_free(&f);
	talloc_free(mem);
}

static void test_assignment_forms(void **state)
{
	static const struct {
		const char *line, *key, *value;
	} ok[] = {
		{ "NAME=\"Debian GNU/Linux\"", "NAME", "Debian GNU/Linux" },
		{ "ID=debian", "ID", "debian" },
		{ "  export PATH=/usr/bin:/bin", "PATH", "/usr/bin:/bin" },
		{ "X='single quoted'", "X", "single quoted" },
		{ "E=\"a \\\"quoted\\\" \\$word\"", "E", "a \"quoted\" $word" },
		{ "EMPTY=", "EMPTY", "" },
		{ "TRAIL=value   ", "TRAIL", "value" },
	};
	static const char *const bad[] = {
		"", "   ", "# comment", "noequals", "=value", "bad key=1",
	};
	void *mem = talloc_new(NULL);
	char *k, *v;
	bool oom;

	(void)state;
	for (size_t i = 0; i < sizeof(ok) / sizeof(ok[0]); i++) {
		assert_true(prov_parse_assignment(
		        mem, ok[i].line, strlen(ok[i].line), &k, &v, &oom));
		assert_string_equal(k, ok[i].key);
		assert_string_equal(v, ok[i].value);
	}
	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		assert_false(prov_parse_assignment(mem, bad[i], strlen(bad[i]),
		                                   &k, &v, &oom));
		assert_false(oom);
	}
	talloc_free(mem);
}

static void test_dmtf_local_has_offset(void **state)
{
	char out[26];
	time_t t = 1706712312; /* 2024-01-31T14:45:12Z */
	struct tm tm;
	char want[128];
	long off;

	(void)state;
	prov_dmtf_local((int64_t)t, 123456, out);
	assert_int_equal(strlen(out), 25);
	localtime_r(&t, &tm);
	off = tm.tm_gmtoff / 60;
	snprintf(want, sizeof(want), "%04d%02d%02d%02d%02d%02d.123456%c%03ld",
	         tm.tm_year + 1900, tm.tm_mon + 1, tm.tm_mday, tm.tm_hour,
	         tm.tm_min, tm.tm_sec, off < 0 ? '-' : '+',
	         off < 0 ? -off : off);
	assert_string_equal(out, want);
	assert_int_equal(prov_utc_offset_min((int64_t)t), (int32_t)off);
}

static void test_computer_name_is_first_label_upper(void **state)
{
	char host[256];
	void *mem = talloc_new(NULL);
	char *name = prov_computer_name(mem);
	size_t n;

	(void)state;
	assert_int_equal(gethostname(host, sizeof(host)), 0);
	n = strcspn(host, ".");
	assert_int_equal(strlen(name), n);
	for (size_t i = 0; i < n; i++) {
		assert_int_equal(name[i], toupper((unsigned char)host[i]));
	}
	assert_string_equal(prov_host_name(mem), host);
	talloc_free(mem);
}

static void test_os_release_fixture(void **state)
{
	struct fixture f;
	struct prov_os_release rel;
	void *mem = talloc_new(NULL);

	(void)state;
	assert_int_equal(fx_init(&f), 0);
	fx_puts(&f, "/usr/lib/os-release",
	        "# fallback file\nNAME=\"Fallback OS\"\nVERSION=\"7 (x)\"\n"
	        "VERSION_ID=7\nID=fb\nBUILD_ID=2024.01\n");
	assert_true(hr_ok(prov_os_release_read(mem, f.root, &rel, NULL)));
	assert_string_equal(rel.name, "Fallback OS");
	/* No PRETTY_NAME: NAME VERSION. */
	assert_string_equal(rel.pretty_name, "Fallback OS 7 (x)");
	assert_string_equal(rel.version_id, "7");
	assert_string_equal(rel.build_id, "2024.01");

	/* /etc/os-release wins over /usr/lib/os-release. */
	fx_puts(&f, "/etc/os-release",
	        "PRETTY_NAME=\"Main 1\"\nNAME=Main\nID=main\n");
	assert_true(hr_ok(prov_os_release_read(mem, f.root, &rel, NULL)));
	assert_string_equal(rel.pretty_name, "Main 1");
	assert_null(rel.version_id);
	fx_free(&f);

	assert_int_equal(fx_init(&f), 0);
	assert_true(hr_eq(prov_os_release_read(mem, f.root, &rel, NULL),
	                  HR_HR_ERROR_FILE_NOT_FOUND));
	fx_free(&f);
	talloc_free(mem);
}

static void test_meminfo_fixture_and_fallback(void **state)
{
	struct fixture f;
	struct prov_meminfo m;

	(void)state;
	assert_int_equal(fx_init(&f), 0);
	fx_puts(&f, "/proc/meminfo",
	        "MemTotal:       16000000 kB\nMemFree:         1000000 kB\n"
	        "MemAvailable:    8000000 kB\nBuffers:          200000 kB\n"
	        "Cached:          3000000 kB\nSwapTotal:       2000000 kB\n"
	        "SwapFree:        1500000 kB\nCommitLimit:    10000000 kB\n"
	        "Committed_AS:    7000000 kB\n");
	assert_true(hr_ok(prov_meminfo_read(f.root, &m, NULL)));
	assert_int_equal(m.total_kb, 16000000);
	assert_int_equal(m.available_kb, 8000000);
	assert_true(m.has_available);
	assert_int_equal(m.swap_free_kb, 1500000);
	assert_int_equal(m.committed_kb, 7000000);
	assert_int_equal(m.commit_limit_kb, 10000000);

	/* Old kernels: no MemAvailable, estimated from free + caches. */
	fx_puts(&f, "/proc/meminfo",
	        "MemTotal: 1000 kB\nMemFree: 100 kB\nBuffers: 20 kB\n"
	        "Cached: 300 kB\n");
	assert_true(hr_ok(prov_meminfo_read(f.root, &m, NULL)));
	assert_false(m.has_available);
	assert_int_equal(m.available_kb, 420);

	fx_puts(&f, "/proc/meminfo", "garbage\n");
	assert_true(hr_eq(prov_meminfo_read(f.root, &m, NULL), HR_E_FAIL));
	fx_free(&f);
}

static void test_meminfo_live_matches_sysinfo(void **state)
{
	struct prov_meminfo m;
	struct sysinfo si;

	(void)state;
	assert_true(hr_ok(prov_meminfo_read("", &m, NULL)));
	assert_int_equal(sysinfo(&si), 0);
	assert_int_equal(m.total_kb,
	                 (uint64_t)si.totalram * si.mem_unit / 1024u);
	assert_int_equal(m.swap_total_kb,
	                 (uint64_t)si.totalswap * si.mem_unit / 1024u);
}

static void test_vmstat_fixture(void **state)
{
	struct fixture f;
	struct prov_vmstat v;

	(void)state;
	assert_int_equal(fx_init(&f), 0);
	fx_puts(&f, "/proc/vmstat",
	        "nr_free_pages 5\npgpgin 100\npgpgout 200\npswpin 3\n"
	        "pswpout 4\npgfault 9999\npgmajfault 17\n");
	assert_true(hr_ok(prov_vmstat_read(f.root, &v, NULL)));
	assert_int_equal(v.pgpgin, 100);
	assert_int_equal(v.pgpgout, 200);
	assert_int_equal(v.pswpout, 4);
	assert_int_equal(v.pgfault, 9999);
	assert_int_equal(v.pgmajfault, 17);
	fx_free(&f);
}

static void put_utmp(struct utmpx *u,
                     short type,
                     pid_t pid,
                     const char *user,
                     const char *line)
{
	memset(u, 0, sizeof(*u));
	u->ut_type = type;
	u->ut_pid = pid;
	snprintf(u->ut_user, sizeof(u->ut_user), "%s", user);
	snprintf(u->ut_line, sizeof(u->ut_line), "%s", line);
}

static void test_utmp_counts_user_sessions(void **state)
{
	struct fixture f;
	struct utmpx u[4];
	void *mem = talloc_new(NULL);
	char *console = NULL;

	(void)state;
	assert_int_equal(fx_init(&f), 0);
	put_utmp(&u[0], BOOT_TIME, 0, "reboot", "~");
	put_utmp(&u[1], USER_PROCESS, 100, "alice", "pts/0");
	put_utmp(&u[2], DEAD_PROCESS, 101, "", "pts/1");
	put_utmp(&u[3], USER_PROCESS, 102, "bob", "tty1");
	assert_int_equal(fx_write(&f, "/run/utmp", (const char *)u, sizeof(u)),
	                 0);
	assert_int_equal(prov_utmp_users(mem, f.root, "/run/utmp", &console),
	                 2);
	assert_string_equal(console, "bob");

	/* The live check drops sessions whose process is gone. */
	put_utmp(&u[1], USER_PROCESS, getpid(), "alice", "pts/0");
	put_utmp(&u[3], USER_PROCESS, 0x3FFFFFF0, "bob", "tty1");
	assert_int_equal(fx_write(&f, "/run/utmp", (const char *)u, sizeof(u)),
	                 0);
	{
		char path[128];

		snprintf(path, sizeof(path), "%s/run/utmp", f.root);
		assert_int_equal(prov_utmp_users(mem, "", path, NULL), 1);
	}
	assert_int_equal(prov_utmp_users(mem, f.root, "/none", &console), 0);
	assert_null(console);
	fx_free(&f);
	talloc_free(mem);
}

static void test_os_live_matches_uname_and_proc(void **state)
{
	void *mem = talloc_new(NULL);
	struct prov_os os;
	struct utsname u;
	struct prov_os_release rel;
	double uptime = 0;
	FILE *fp;
	time_t now = time(NULL);

	(void)state;
	assert_true(hr_ok(prov_os_read(mem, "", &os, NULL)));
	assert_int_equal(uname(&u), 0);
	assert_string_equal(os.release, u.release);
	assert_string_equal(os.machine, u.machine);
	assert_string_equal(os.kversion, u.version);
	if (hr_ok(prov_os_release_read(mem, "", &rel, NULL))) {
		assert_string_equal(os.rel.pretty_name, rel.pretty_name);
	}
	fp = fopen("/proc/uptime", "r");
	assert_non_null(fp);
	assert_int_equal(fscanf(fp, "%lf", &uptime), 1);
	fclose(fp);
	/* btime = now - uptime, within rounding. */
	assert_true(llabs(os.boot_time - (int64_t)(now - (time_t)uptime)) <= 2);
	assert_true(os.n_processes > 0);
	assert_true(os.mem.total_kb > 0);
	assert_true(os.mem.available_kb <= os.mem.total_kb);
	assert_string_equal(os.computer_name, prov_computer_name(mem));
	assert_non_null(os.root_device);
	talloc_free(mem);
}

static void test_os_name_format(void **state)
{
	void *mem = talloc_new(NULL);
	struct prov_os_release rel = { .pretty_name = "Debian 12" };

	(void)state;
	assert_string_equal(prov_os_name(mem, &rel, "/dev/sda1"),
	                    "Debian 12|/|/dev/sda1");
	assert_string_equal(prov_os_name(mem, &rel, NULL), "Debian 12|/|");
	talloc_free(mem);
}

static void test_dmi_fixture(void **state)
{
	struct fixture f;
	struct prov_dmi d;
	void *mem = talloc_new(NULL);
	static const unsigned char ep3[24] = { '_', 'S', 'M', '3', '_',
		                               0,   24,  3,   4 };

	(void)state;
	assert_int_equal(fx_init(&f), 0);
	assert_true(hr_ok(prov_dmi_read(mem, f.root, &d, NULL)));
	assert_false(d.present);
	assert_null(d.bios_vendor);

	fx_puts(&f, "/sys/class/dmi/id/bios_vendor", "Dell Inc.\n");
	fx_puts(&f, "/sys/class/dmi/id/bios_version", "1.12.0\n");
	fx_puts(&f, "/sys/class/dmi/id/bios_date", "03/15/2023\n");
	fx_puts(&f, "/sys/class/dmi/id/sys_vendor", "Dell Inc.\n");
	fx_puts(&f, "/sys/class/dmi/id/product_name", "OptiPlex 7090\n");
	fx_puts(&f, "/sys/class/dmi/id/chassis_type", "3\n");
	fx_write(&f, "/sys/firmware/dmi/tables/smbios_entry_point",
	         (const char *)ep3, sizeof(ep3));
	assert_true(hr_ok(prov_dmi_read(mem, f.root, &d, NULL)));
	assert_true(d.present);
	assert_string_equal(d.bios_vendor, "Dell Inc.");
	assert_string_equal(d.product_name, "OptiPlex 7090");
	assert_null(d.product_serial);
	assert_int_equal(d.chassis_type, 3);
	assert_int_equal(d.smbios_major, 3);
	assert_int_equal(d.smbios_minor, 4);
	fx_free(&f);
	talloc_free(mem);
}

static void test_dmi_date_and_chassis(void **state)
{
	char out[26];

	(void)state;
	assert_true(prov_dmi_date_to_dmtf("03/15/2023", out));
	assert_string_equal(out, "20230315000000.000000+000");
	assert_true(prov_dmi_date_to_dmtf("12/01/99", out));
	assert_string_equal(out, "19991201000000.000000+000");
	assert_false(prov_dmi_date_to_dmtf("2023-03-15", out));
	assert_false(prov_dmi_date_to_dmtf("13/01/2020", out));
	assert_false(prov_dmi_date_to_dmtf(NULL, out));
	assert_int_equal(prov_pc_system_type(3), 1);
	assert_int_equal(prov_pc_system_type(10), 2);
	assert_int_equal(prov_pc_system_type(23), 4);
	assert_int_equal(prov_pc_system_type(1), 0);
}

static void test_environment_fixture(void **state)
{
	struct fixture f;
	struct prov_env_var *v = NULL;
	uint32_t n = 0;
	void *mem = talloc_new(NULL);

	(void)state;
	assert_int_equal(fx_init(&f), 0);
	assert_true(hr_ok(prov_env_read(mem, f.root, &v, &n, NULL)));
	assert_int_equal(n, 0);

	fx_puts(&f, "/etc/environment",
	        "# system\nPATH=\"/usr/bin:/bin\"\nLANG=C.UTF-8\n");
	fx_puts(&f, "/etc/environment.d/50-b.conf", "LANG=de_DE.UTF-8\n");
	fx_puts(&f, "/etc/environment.d/10-a.conf", "EDITOR=vi\nLANG=x\n");
	fx_puts(&f, "/etc/environment.d/README", "NOT=read\n");
	assert_true(hr_ok(prov_env_read(mem, f.root, &v, &n, NULL)));
	assert_int_equal(n, 3);
	assert_string_equal(v[0].name, "PATH");
	assert_string_equal(v[0].value, "/usr/bin:/bin");
	assert_string_equal(v[0].user, "<SYSTEM>");
	assert_true(v[0].system);
	/* Files apply in name order: 50-b.conf sets LANG last. */
	assert_string_equal(v[1].name, "LANG");
	assert_string_equal(v[1].value, "de_DE.UTF-8");
	assert_string_equal(v[2].name, "EDITOR");
	fx_free(&f);
	talloc_free(mem);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_read_file_whole_and_missing),
		cmocka_unit_test(test_read_attr_trims_first_line),
		cmocka_unit_test(test_assignment_forms),
		cmocka_unit_test(test_dmtf_local_has_offset),
		cmocka_unit_test(test_computer_name_is_first_label_upper),
		cmocka_unit_test(test_os_release_fixture),
		cmocka_unit_test(test_meminfo_fixture_and_fallback),
		cmocka_unit_test(test_meminfo_live_matches_sysinfo),
		cmocka_unit_test(test_vmstat_fixture),
		cmocka_unit_test(test_utmp_counts_user_sessions),
		cmocka_unit_test(test_os_live_matches_uname_and_proc),
		cmocka_unit_test(test_os_name_format),
		cmocka_unit_test(test_dmi_fixture),
		cmocka_unit_test(test_dmi_date_and_chassis),
		cmocka_unit_test(test_environment_fixture),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
