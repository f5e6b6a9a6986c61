/*
 * Built-in providers through the object manager: the default repository
 * (schema/, with win32.mof's registrations), cimom with the provider
 * registry, real wmiprvse hosts loading libowmi_cimwin32.so and
 * libowmi_perfos.so.  Every built-in class is queried with
 * cimom_exec_query and compared, property by property, with what the
 * live system's own sources say (uname, os-release, /proc, sysinfo,
 * statvfs, if_nameindex, getifaddrs, resolv.conf), read here
 * independently of the providers' readers.  Win32_Process.Create,
 * Terminate and GetOwner run for real, and Create once more as a
 * temporary non-root user (root only; useradd/userdel).  Needs no network
 * and no systemd.
 *
 * Usage: test_providers_builtin WMIPRVSE PROVIDER_DIR REPOSITORY
 */
#include <arpa/inet.h>
#include <ctype.h>
#include <errno.h>
#include <fcntl.h>
#include <ifaddrs.h>
#include <net/if.h>
#include <netinet/in.h>
#include <pwd.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/prctl.h>
#include <sys/stat.h>
#include <sys/statvfs.h>
#include <sys/sysinfo.h>
#include <sys/utsname.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include <cmocka.h>
#include <talloc.h>

#include "base/buf.h"
#include "cim/datetime.h"
#include "cimom/cimom.h"
#include "cimom/provreg.h"
#include "repo/repo.h"

static const char *g_host, *g_dir, *g_repo;

/* ---- the object manager over a copy of the default repository ---------- */

struct fx {
	char dir[64];
	char db[128];
	struct repo *repo;
	struct cimom *cm;
	struct cimom_provreg *pr;
	struct cimom_session *s;
};

static void copy_file(const char *from, const char *to)
{
	char data[65536];
	int in = open(from, O_RDONLY);
	int out = open(to, O_WRONLY | O_CREAT | O_TRUNC, 0600);
	ssize_t n;

	assert_true(in >= 0);
	assert_true(out >= 0);
	while ((n = read(in, data, sizeof(data))) > 0) {
		assert_int_equal(write(out, data, (size_t)n), n);
	}
	close(in);
	close(out);
}

static struct fx *fx_new(void)
{
	struct fx *f = talloc_zero(NULL, struct fx);
	struct cimom_config cfg = { 0 };
	struct cimom_provreg_config rc = { 0 };
	struct cimom_identity id = { .user = "root",
		                     .domain = "WORKGROUP",
		                     .pid = (uint32_t)getpid(),
		                     .is_admin = true,
		                     .has_unix_ids = true,
		                     .uid = (uint32_t)getuid(),
		                     .gid = (uint32_t)getgid() };
	struct errinfo ei;

	snprintf(f->dir, sizeof(f->dir), "/tmp/owmi-builtin-XXXXXX");
	assert_non_null(mkdtemp(f->dir));
	snprintf(f->db, sizeof(f->db), "%s/repository.db", f->dir);
	copy_file(g_repo, f->db);
	err_clear(&ei);
	assert_true(hr_ok(repo_open(f, f->db, 0, &f->repo, &ei)));
	assert_true(hr_ok(cimom_new(f, f->repo, &cfg, &f->cm)));
	rc.host_path = g_host;
	rc.provider_dir = g_dir;
	rc.call_timeout_ms = 20000;
	assert_true(hr_ok(cimom_provreg_attach(f->cm, f, &rc, &f->pr, &ei)));
	assert_true(hr_ok(
	        cimom_session_open(f->cm, f, &id, "root\\cimv2", &f->s, &ei)));
	return f;
}

static void fx_free(struct fx *f)
{
	char cmd[128];

	talloc_free(f->s);
	talloc_free(f->pr);
	talloc_free(f->cm);
	repo_close(f->repo);
	snprintf(cmd, sizeof(cmd), "rm -rf '%s'", f->dir);
	assert_int_equal(system(cmd), 0);
	talloc_free(f);
}

/* ---- results as text rows --------------------------------------------- */

/* One instance: its class, relpath, derivation and properties as text. */
struct row {
	char *cls;
	char *relpath;
	char *derivation; /* "CIM_Process,CIM_LogicalElement,..." */
	uint32_t n;
	char **names;
	char **values; /* NULL for a NULL value; arrays as "{a, b}" */
};

struct rows {
	void *mem;
	struct row *r;
	uint32_t n;
};

static hresult rows_indicate(void *arg, struct cim_object **objs, uint32_t n)
{
	struct rows *rs = arg;

	for (uint32_t i = 0; i < n; i++) {
		const struct cim_instance *inst = objs[i]->u.inst;
		const struct cim_class *cls = inst->cls;
		struct row *r;
		struct buf b;

		rs->r = talloc_realloc(rs->mem, rs->r, struct row, rs->n + 1);
		r = &rs->r[rs->n++];
		memset(r, 0, sizeof(*r));
		r->cls = talloc_strdup(rs->mem, cls->name);
		if (hr_failed(
		            cim_instance_relpath(rs->mem, inst, &r->relpath))) {
			r->relpath = NULL;
		}
		buf_init(&b, rs->mem);
		for (uint32_t d = 0; d < cls->n_derivation; d++) {
			buf_addf(&b, "%s%s", d ? "," : "", cls->derivation[d]);
		}
		r->derivation = buf_detach(&b, NULL);
		r->n = cls->n_props;
		r->names = talloc_array(rs->mem, char *, r->n);
		r->values = talloc_array(rs->mem, char *, r->n);
		for (uint32_t p = 0; p < cls->n_props; p++) {
			r->names[p] = talloc_strdup(rs->mem,
			                            cls->props[p].name);
			if (inst->values[p].null) {
				r->values[p] = NULL;
				continue;
			}
			buf_init(&b, rs->mem);
			cim_value_format(&b, &inst->values[p], false);
			r->values[p] = buf_detach(&b, NULL);
		}
	}
	return HR_OK;
}

static struct rows *query(struct fx *f, const char *q)
{
	struct rows *rs = talloc_zero(f, struct rows);
	struct cimom_sink sink = { .indicate = rows_indicate, .arg = rs };
	struct errinfo ei;
	hresult hr;

	rs->mem = rs;
	err_clear(&ei);
	hr = cimom_exec_query(f->s, "WQL", q, 0, &sink, &ei);
	if (hr_failed(hr)) {
		fprintf(stderr, "%s: %s (%s)\n", q, hr_name(hr), ei.msg);
	}
	assert_true(hr_ok(hr));
	return rs;
}

/* The text of property [name] of [r]; NULL when NULL; fails if absent. */
static const char *prop(const struct row *r, const char *name)
{
	for (uint32_t i = 0; i < r->n; i++) {
		if (strcasecmp(r->names[i], name) == 0) {
			return r->values[i];
		}
	}
	fail_msg("%s has no property %s", r->cls, name);
	return NULL;
}

static uint64_t prop_u64(const struct row *r, const char *name)
{
	const char *v = prop(r, name);

	assert_non_null(v);
	return strtoull(v, NULL, 10);
}

static void assert_prop(const struct row *r, const char *name, const char *w)
{
	const char *v = prop(r, name);

	if (v == NULL || strcmp(v, w) != 0) {
		fail_msg("%s.%s = '%s', want '%s'", r->cls, name,
		         v ? v : "(null)", w);
	}
}

/* Microseconds since the epoch of a DMTF datetime property. */
static int64_t prop_time(const struct row *r, const char *name)
{
	struct cim_datetime dt;
	int64_t us = 0;
	const char *v = prop(r, name);

	assert_non_null(v);
	assert_true(hr_ok(cim_datetime_parse(v, &dt)));
	assert_true(cim_datetime_to_usec(&dt, &us));
	return us;
}

static const struct row *find_row(const struct rows *rs,
                                  const char *name,
                                  const char *value)
{
	for (uint32_t i = 0; i < rs->n; i++) {
		const char *v = prop(&rs->r[i], name);

		if (v != NULL && strcmp(v, value) == 0) {
			return &rs->r[i];
		}
	}
	return NULL;
}

static bool within(int64_t a, int64_t b, int64_t tol)
{
	return llabs(a - b) <= tol;
}

/* ---- the live system's own sources, read here --------------------------- */

/* The value of [key] in an os-release style file, unquoted. */
static char *os_release(void *mem, const char *key)
{
	char line[1024];
	FILE *fp = fopen("/etc/os-release", "r");
	size_t kl = strlen(key);
	char *out = NULL;

	if (fp == NULL) {
		fp = fopen("/usr/lib/os-release", "r");
	}
	if (fp == NULL) {
		return NULL;
	}
	while (fgets(line, sizeof(line), fp) != NULL) {
		if (strncmp(line, key, kl) == 0 && line[kl] == '=') {
			char *v = line + kl + 1;

			v[strcspn(v, "\n")] = '\0';
			if (v[0] == '"' || v[0] == '\'') {
				v++;
				v[strlen(v) - 1] = '\0';
			}
			out = talloc_strdup(mem, v);
		}
	}
	fclose(fp);
	return out;
}

static uint64_t meminfo_kb(const char *key)
{
	char line[256];
	FILE *fp = fopen("/proc/meminfo", "r");
	size_t kl = strlen(key);
	uint64_t v = 0;

	assert_non_null(fp);
	while (fgets(line, sizeof(line), fp) != NULL) {
		if (strncmp(line, key, kl) == 0 && line[kl] == ':') {
			v = strtoull(line + kl + 1, NULL, 10);
		}
	}
	fclose(fp);
	return v;
}

static char *computer_name(void *mem)
{
	char h[256];

	gethostname(h, sizeof(h));
	h[strcspn(h, ".")] = '\0';
	for (char *p = h; *p; p++) {
		*p = (char)toupper((unsigned char)*p);
	}
	return talloc_strdup(mem, h);
}

static uint32_t count_proc(void)
{
	char cmd[] = "ls /proc | grep -c '^[0-9]'";
	FILE *fp = popen(cmd, "r");
	unsigned n = 0;

	assert_non_null(fp);
	assert_int_equal(fscanf(fp, "%u", &n), 1);
	pclose(fp);
	return n;
}

static int64_t now_us(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_REALTIME, &ts);
	return (int64_t)ts.tv_sec * 1000000 + ts.tv_nsec / 1000;
}

/* ---- the tests ----------------------------------------------------------- */

static void test_operating_system(void **state)
{
	struct fx *f = *state;
	struct rows *rs = query(f, "SELECT * FROM Win32_OperatingSystem");
	const struct row *r;
	struct utsname u;
	struct sysinfo si;
	time_t t = time(NULL);
	struct tm tm;
	char want[64];
	char *pretty = os_release(f, "PRETTY_NAME");

	assert_int_equal(rs->n, 1);
	r = &rs->r[0];
	assert_string_equal(r->relpath, "Win32_OperatingSystem=@");
	assert_string_equal(r->derivation, "CIM_OperatingSystem,"
	                                   "CIM_LogicalElement,"
	                                   "CIM_ManagedSystemElement");
	assert_int_equal(uname(&u), 0);
	assert_prop(r, "Version", u.release);
	if (pretty != NULL) {
		assert_prop(r, "Caption", pretty);
		assert_true(strncmp(prop(r, "Name"), pretty, strlen(pretty)) ==
		            0);
	}
	assert_prop(r, "CSName", computer_name(f));
	assert_prop(r, "OSArchitecture",
	            strstr(u.machine, "64") ? "64-bit" : "32-bit");
	assert_prop(r, "OSType", "36");
	assert_prop(r, "CreationClassName", "Win32_OperatingSystem");
	assert_int_equal(sysinfo(&si), 0);
	assert_int_equal(prop_u64(r, "TotalVisibleMemorySize"),
	                 (uint64_t)si.totalram * si.mem_unit / 1024u);
	assert_true(within((int64_t)prop_u64(r, "FreePhysicalMemory"),
	                   (int64_t)meminfo_kb("MemAvailable"), 256 * 1024));
	assert_int_equal(prop_u64(r, "SizeStoredInPagingFiles"),
	                 meminfo_kb("SwapTotal"));
	assert_int_equal(prop_u64(r, "TotalVirtualMemorySize"),
	                 meminfo_kb("MemTotal") + meminfo_kb("SwapTotal"));
	/* Boot time: now - uptime (sysinfo), within two seconds. */
	assert_true(within(prop_time(r, "LastBootUpTime") / 1000000,
	                   (int64_t)t - si.uptime, 2));
	assert_true(within(prop_time(r, "LocalDateTime"), now_us(), 5000000));
	localtime_r(&t, &tm);
	snprintf(want, sizeof(want), "%ld", tm.tm_gmtoff / 60);
	assert_prop(r, "CurrentTimeZone", want);
	/* The DMTF offset of LocalDateTime is the same local offset. */
	snprintf(want, sizeof(want), "%c%03ld", tm.tm_gmtoff < 0 ? '-' : '+',
	         labs(tm.tm_gmtoff / 60));
	assert_string_equal(prop(r, "LocalDateTime") + 21, want);
	assert_true(within((int64_t)prop_u64(r, "NumberOfProcesses"),
	                   (int64_t)count_proc(), 50));
}

static void test_computer_system(void **state)
{
	struct fx *f = *state;
	struct rows *rs = query(f, "SELECT * FROM Win32_ComputerSystem");
	const struct row *r;
	struct sysinfo si;
	char host[256], want[300];

	assert_int_equal(rs->n, 1);
	r = &rs->r[0];
	snprintf(want, sizeof(want), "Win32_ComputerSystem.Name=\"%s\"",
	         computer_name(f));
	assert_string_equal(r->relpath, want);
	assert_string_equal(r->derivation,
	                    "CIM_UnitaryComputerSystem,CIM_ComputerSystem,"
	                    "CIM_System,CIM_LogicalElement,"
	                    "CIM_ManagedSystemElement");
	gethostname(host, sizeof(host));
	assert_prop(r, "DNSHostName", host);
	assert_prop(r, "Domain", "WORKGROUP");
	assert_prop(r, "PartOfDomain", "FALSE");
	sysinfo(&si);
	assert_int_equal(prop_u64(r, "TotalPhysicalMemory"),
	                 meminfo_kb("MemTotal") * 1024u);
	assert_int_equal(prop_u64(r, "NumberOfLogicalProcessors"),
	                 (uint64_t)sysconf(_SC_NPROCESSORS_ONLN));
}

static void test_process_list_and_self(void **state)
{
	struct fx *f = *state;
	struct rows *rs = query(f, "SELECT * FROM Win32_Process");
	const struct row *r;
	char pid[16], exe[4096], want[64];
	ssize_t n;
	uint32_t proc = count_proc();

	assert_true(within(rs->n, proc, 50));
	snprintf(pid, sizeof(pid), "%d", getpid());
	r = find_row(rs, "Handle", pid);
	assert_non_null(r);
	snprintf(want, sizeof(want), "Win32_Process.Handle=\"%d\"", getpid());
	assert_string_equal(r->relpath, want);
	assert_string_equal(r->derivation, "CIM_Process,CIM_LogicalElement,"
	                                   "CIM_ManagedSystemElement");
	assert_prop(r, "ProcessId", pid);
	snprintf(want, sizeof(want), "%d", getppid());
	assert_prop(r, "ParentProcessId", want);
	n = readlink("/proc/self/exe", exe, sizeof(exe) - 1);
	assert_true(n > 0);
	exe[n] = '\0';
	assert_prop(r, "ExecutablePath", exe);
	assert_prop(r, "Name", strrchr(exe, '/') + 1);
	assert_true(strstr(prop(r, "CommandLine"), "test_providers_builtin") !=
	            NULL);
	assert_prop(r, "CSName", computer_name(f));
	assert_true(prop_u64(r, "WorkingSetSize") > 0);
	assert_true(prop_u64(r, "ThreadCount") >= 1);
	assert_true(prop_u64(r, "HandleCount") >= 3);
	assert_true(prop_time(r, "CreationDate") <= now_us());

	/* The one of PID 1 is there too, and the host's own. */
	assert_non_null(find_row(rs, "Handle", "1"));
}

static void test_process_get_and_narrow_query(void **state)
{
	struct fx *f = *state;
	void *mem = talloc_new(NULL);
	struct cim_object *o = NULL;
	struct rows *rs;
	struct cimom_stats st0, st1;
	struct errinfo ei;
	char path[64], q[96];

	snprintf(path, sizeof(path), "Win32_Process.Handle=\"%d\"", getpid());
	err_clear(&ei);
	assert_true(hr_ok(cimom_get_object(f->s, mem, path, 0, &o, &ei)));
	assert_false(o->is_class);
	assert_int_equal(cim_instance_get(o->u.inst, "ProcessId")->v.u,
	                 (uint64_t)getpid());
	assert_true(hr_eq(cimom_get_object(f->s, mem,
	                                   "Win32_Process.Handle=\"999999999\"",
	                                   0, &o, &ei),
	                  HR_WBEM_E_NOT_FOUND));
	snprintf(q, sizeof(q),
	         "SELECT Name, ProcessId FROM Win32_Process "
	         "WHERE ProcessId = %d",
	         getpid());
	rs = query(f, q);
	assert_int_equal(rs->n, 1);
	/* The CIM parent answers with Win32_Process instances. */
	rs = query(f, "SELECT Handle FROM CIM_Process");
	assert_true(within(rs->n, count_proc(), 50));
	snprintf(q, sizeof(q), "%d", getpid());
	assert_non_null(find_row(rs, "Handle", q));
	assert_string_equal(find_row(rs, "Handle", q)->cls, "Win32_Process");
	/* Also with its key: the key goes down to Win32_Process's get (two
	 * lookups: the repository's index for stored instances of the
	 * abstract parent and the provider's get; no scan), and the rest of
	 * the WHERE still applies. */
	cimom_session_stats(f->s, &st0);
	snprintf(q, sizeof(q),
	         "SELECT Handle, Name FROM CIM_Process WHERE Handle = '%d'",
	         getpid());
	rs = query(f, q);
	cimom_session_stats(f->s, &st1);
	assert_int_equal(rs->n, 1);
	assert_string_equal(rs->r[0].cls, "Win32_Process");
	assert_int_equal(st1.index_lookups - st0.index_lookups, 2);
	assert_int_equal(st1.class_scans - st0.class_scans, 0);
	assert_int_equal(st1.instances_scanned - st0.instances_scanned, 1);
	snprintf(q, sizeof(q),
	         "SELECT Handle FROM CIM_Process WHERE Handle = '%d' AND "
	         "Name = 'no such name'",
	         getpid());
	assert_int_equal(query(f, q)->n, 0);
	assert_int_equal(
	        query(f, "SELECT * FROM CIM_Process WHERE Handle = '999999999'")
	                ->n,
	        0);
	talloc_free(mem);
}

/* In-parameters of Win32_Process.Create. */
static struct cim_instance *create_params(void *mem,
                                          const char *cmd,
                                          const char *cwd)
{
	struct cim_class *local = cim_class_new(mem, "__PARAMETERS", NULL);
	struct cim_class *cls = NULL;
	struct cim_instance *in;

	cim_class_add_prop(local, "CommandLine", CIM_T_STRING);
	cim_class_add_prop(local, "CurrentDirectory", CIM_T_STRING);
	assert_true(hr_ok(cim_class_resolve(mem, local, NULL, &cls, NULL)));
	in = cim_instance_new(mem, cls);
	if (cmd != NULL) {
		cim_instance_set(in, "CommandLine",
		                 &(struct cim_value){ .type = CIM_T_STRING,
		                                      .v.s = (char *)cmd });
	}
	if (cwd != NULL) {
		cim_instance_set(in, "CurrentDirectory",
		                 &(struct cim_value){ .type = CIM_T_STRING,
		                                      .v.s = (char *)cwd });
	}
	return in;
}

static uint64_t out_u(const struct cim_instance *out, const char *name)
{
	const struct cim_value *v = cim_instance_get(out, name);

	assert_non_null(v);
	assert_false(v->null);
	return v->v.u;
}

/* Waits for [pid] (reparented to this subreaper) to end. */
static int reap(pid_t pid)
{
	int st = -1;

	for (int i = 0; i < 500; i++) {
		if (waitpid(pid, &st, WNOHANG) == pid) {
			return st;
		}
		usleep(10000);
	}
	return -1;
}

static void test_process_methods(void **state)
{
	struct fx *f = *state;
	void *mem = talloc_new(NULL);
	struct cim_instance *out = NULL;
	struct errinfo ei;
	char path[64], cmdline[256];
	uint32_t pid;
	FILE *fp;
	int st;

	if (getuid() != 0) {
		skip(); /* "Create as root": the identity is root's */
	}
	err_clear(&ei);
	assert_true(hr_ok(cimom_exec_method(
	        f->s, mem, "Win32_Process", "Create",
	        create_params(mem, "sleep 60", "/tmp"), 0, &out, &ei)));
	assert_int_equal(out_u(out, "ReturnValue"), 0);
	pid = (uint32_t)out_u(out, "ProcessId");
	assert_true(pid > 0);
	snprintf(path, sizeof(path), "/proc/%u/cmdline", pid);
	fp = fopen(path, "r");
	assert_non_null(fp);
	memset(cmdline, 0, sizeof(cmdline));
	assert_true(fread(cmdline, 1, sizeof(cmdline) - 1, fp) > 0);
	fclose(fp);
	assert_string_equal(cmdline, "sleep"); /* argv[0], NUL, "60" */
	assert_string_equal(cmdline + 6, "60");

	snprintf(path, sizeof(path), "Win32_Process.Handle=\"%u\"", pid);
	out = NULL;
	assert_true(hr_ok(cimom_exec_method(f->s, mem, path, "GetOwner", NULL,
	                                    0, &out, &ei)));
	assert_int_equal(out_u(out, "ReturnValue"), 0);
	assert_string_equal(cim_instance_get(out, "User")->v.s,
	                    getpwuid(getuid())->pw_name);
	assert_string_equal(cim_instance_get(out, "Domain")->v.s,
	                    computer_name(mem));

	out = NULL;
	assert_true(hr_ok(cimom_exec_method(f->s, mem, path, "Terminate", NULL,
	                                    0, &out, &ei)));
	assert_int_equal(out_u(out, "ReturnValue"), 0);
	st = reap((pid_t)pid);
	assert_true(WIFSIGNALED(st) && WTERMSIG(st) == SIGKILL);

	/* Windows' codes: no program 9, no command line 21. */
	out = NULL;
	assert_true(hr_ok(cimom_exec_method(
	        f->s, mem, "Win32_Process", "Create",
	        create_params(mem, "/no/such/program", NULL), 0, &out, &ei)));
	assert_int_equal(out_u(out, "ReturnValue"), 9);
	assert_true(cim_instance_get(out, "ProcessId")->null);
	out = NULL;
	assert_true(hr_ok(cimom_exec_method(
	        f->s, mem, "Win32_Process", "Create",
	        create_params(mem, NULL, NULL), 0, &out, &ei)));
	assert_int_equal(out_u(out, "ReturnValue"), 21);
	talloc_free(mem);
}

/* ---- Create as a mapped non-root user -------------------------------- */

/* What test_process_create_as_user leaves for its teardown to undo. */
static struct {
	char user[32]; /* the temporary account; "" when none */
	pid_t pid;     /* the created process; 0 when none (or reaped) */
	struct fx *f;  /* own object manager: its hosts run as the user */
} g_tmp_user;

/* The real and effective ids of "Uid:"/"Gid:" in /proc/[pid]/status. */
static bool status_ids(pid_t pid,
                       const char *key,
                       unsigned long *real,
                       unsigned long *eff)
{
	char path[64], line[256];
	bool found = false;
	FILE *fp;

	snprintf(path, sizeof(path), "/proc/%d/status", (int)pid);
	fp = fopen(path, "r");
	if (fp == NULL) {
		return false;
	}
	while (!found && fgets(line, sizeof(line), fp) != NULL) {
		if (strncmp(line, key, strlen(key)) == 0) {
			found = sscanf(line + strlen(key), "%lu %lu", real,
			               eff) == 2;
		}
	}
	fclose(fp);
	return found;
}

/*
 * Win32_Process.Create through a session whose caller maps to a
 * temporary non-root Linux user and impersonates: the host runs as that
 * user, and so does the new process (real and effective uid and gid).
 */
static void test_process_create_as_user(void **state)
{
	struct fx *f;
	void *mem = talloc_new(NULL);
	struct cimom_identity id = { .domain = "WORKGROUP",
		                     .pid = (uint32_t)getpid(),
		                     .has_unix_ids = true,
		                     .impersonate = true };
	struct cimom_session *s = NULL;
	struct cim_instance *out = NULL;
	struct errinfo ei;
	struct passwd *pw;
	unsigned long real = 0, eff = 0;
	char cmd[160], path[64];
	uint32_t pid;
	int st;

	(void)state;
	if (getuid() != 0) {
		skip(); /* only root can add users and start hosts as them */
	}
	snprintf(g_tmp_user.user, sizeof(g_tmp_user.user), "owmicu%d",
	         (int)getpid());
	snprintf(cmd, sizeof(cmd),
	         "useradd -M -N -r -s /usr/sbin/nologin %s >/dev/null 2>&1",
	         g_tmp_user.user);
	if (system(cmd) != 0) {
		g_tmp_user.user[0] = '\0';
		skip(); /* no useradd here */
	}
	pw = getpwnam(g_tmp_user.user);
	assert_non_null(pw);
	assert_true(pw->pw_uid != 0);
	f = g_tmp_user.f = fx_new();
	id.user = g_tmp_user.user;
	id.uid = pw->pw_uid;
	id.gid = pw->pw_gid;
	err_clear(&ei);
	assert_true(hr_ok(
	        cimom_session_open(f->cm, mem, &id, "root\\cimv2", &s, &ei)));
	assert_true(hr_ok(cimom_exec_method(
	        s, mem, "Win32_Process", "Create",
	        create_params(mem, "/bin/sleep 30", NULL), 0, &out, &ei)));
	assert_int_equal(out_u(out, "ReturnValue"), 0);
	pid = (uint32_t)out_u(out, "ProcessId");
	assert_true(pid > 1);
	g_tmp_user.pid = (pid_t)pid;

	assert_true(status_ids((pid_t)pid, "Uid:", &real, &eff));
	assert_int_equal(real, pw->pw_uid);
	assert_int_equal(eff, pw->pw_uid);
	assert_true(status_ids((pid_t)pid, "Gid:", &real, &eff));
	assert_int_equal(real, pw->pw_gid);
	assert_int_equal(eff, pw->pw_gid);

	/* The same user may end it; it dies of SIGKILL as TerminateProcess. */
	snprintf(path, sizeof(path), "Win32_Process.Handle=\"%u\"", pid);
	out = NULL;
	assert_true(hr_ok(cimom_exec_method(s, mem, path, "Terminate", NULL, 0,
	                                    &out, &ei)));
	assert_int_equal(out_u(out, "ReturnValue"), 0);
	st = reap((pid_t)pid);
	assert_true(WIFSIGNALED(st) && WTERMSIG(st) == SIGKILL);
	g_tmp_user.pid = 0;
	talloc_free(mem);
}

/* Ends the created process and removes the user, whatever failed. */
static int teardown_tmp_user(void **state)
{
	char cmd[128];
	int rc = 0;

	(void)state;
	if (g_tmp_user.pid > 0) {
		kill(g_tmp_user.pid, SIGKILL);
		reap(g_tmp_user.pid);
		g_tmp_user.pid = 0;
	}
	if (g_tmp_user.f != NULL) {
		/* Ends (and reaps) the hosts running as the user first:
		 * userdel refuses a user who still has processes. */
		fx_free(g_tmp_user.f);
		g_tmp_user.f = NULL;
	}
	if (g_tmp_user.user[0] != '\0') {
		snprintf(cmd, sizeof(cmd), "userdel %s", g_tmp_user.user);
		rc = system(cmd) == 0 ? 0 : -1;
		g_tmp_user.user[0] = '\0';
	}
	return rc;
}

static void test_service(void **state)
{
	struct fx *f = *state;
	struct rows *rs = query(f, "SELECT * FROM Win32_Service");
	struct stat st;

	if (stat("/run/systemd/system", &st) != 0) {
		/* No systemd: an empty set, not an error. */
		assert_int_equal(rs->n, 0);
		return;
	}
	for (uint32_t i = 0; i < rs->n; i++) {
		const struct row *r = &rs->r[i];
		const char *s = prop(r, "State");

		assert_non_null(prop(r, "Name"));
		assert_true(strcmp(s, "Running") == 0 ||
		            strcmp(s, "Stopped") == 0 ||
		            strstr(s, "Pending") != NULL ||
		            strcmp(s, "Unknown") == 0);
		assert_string_equal(prop(r, "Started"),
		                    strcmp(s, "Running") == 0 ? "TRUE"
		                                              : "FALSE");
	}
}

/* The fstype of the mount at "/" in /proc/self/mountinfo. */
static char *root_fstype(void *mem)
{
	char line[4096];
	FILE *fp = fopen("/proc/self/mountinfo", "r");
	char *out = NULL;

	assert_non_null(fp);
	while (fgets(line, sizeof(line), fp) != NULL) {
		char mp[1024], type[256];
		char *sep = strstr(line, " - ");

		if (sep != NULL &&
		    sscanf(line, "%*s %*s %*s %*s %1023s", mp) == 1 &&
		    strcmp(mp, "/") == 0 &&
		    sscanf(sep + 3, "%255s", type) == 1) {
			talloc_free(out);
			out = talloc_strdup(mem, type);
		}
	}
	fclose(fp);
	return out;
}

static void test_logical_disk(void **state)
{
	struct fx *f = *state;
	struct rows *rs = query(f, "SELECT * FROM Win32_LogicalDisk");
	const struct row *r = find_row(rs, "DeviceID", "/");
	struct statvfs sv;
	void *mem = talloc_new(NULL);
	struct cim_object *o = NULL;
	struct errinfo ei;

	assert_non_null(r);
	assert_string_equal(r->relpath, "Win32_LogicalDisk.DeviceID=\"/\"");
	assert_string_equal(r->derivation,
	                    "CIM_LogicalDisk,CIM_StorageExtent,"
	                    "CIM_LogicalDevice,CIM_LogicalElement,"
	                    "CIM_ManagedSystemElement");
	assert_int_equal(statvfs("/", &sv), 0);
	assert_int_equal(prop_u64(r, "Size"),
	                 (uint64_t)sv.f_blocks * sv.f_frsize);
	assert_true(within((int64_t)prop_u64(r, "FreeSpace"),
	                   (int64_t)((uint64_t)sv.f_bavail * sv.f_frsize),
	                   64ll << 20));
	assert_prop(r, "FileSystem", root_fstype(mem));
	assert_prop(r, "Name", "/");
	assert_prop(r, "SystemName", computer_name(mem));
	err_clear(&ei);
	assert_true(hr_ok(cimom_get_object(
	        f->s, mem, "Win32_LogicalDisk.DeviceID=\"/\"", 0, &o, &ei)));
	assert_true(hr_eq(cimom_get_object(f->s, mem,
	                                   "Win32_LogicalDisk.DeviceID=\"Z:\"",
	                                   0, &o, &ei),
	                  HR_WBEM_E_NOT_FOUND));
	talloc_free(mem);
}

static void test_processor(void **state)
{
	struct fx *f = *state;
	struct rows *rs = query(f, "SELECT * FROM Win32_Processor");
	char line[4096], vendor[256] = "", model[256] = "";
	int sockets[256] = { 0 };
	int n_sockets = 0;
	uint64_t logical = 0;
	FILE *fp = fopen("/proc/cpuinfo", "r");

	assert_non_null(fp);
	while (fgets(line, sizeof(line), fp) != NULL) {
		char *v = strchr(line, ':');

		if (v == NULL) {
			continue;
		}
		v += 2;
		v[strcspn(v, "\n")] = '\0';
		if (strncmp(line, "vendor_id", 9) == 0 && vendor[0] == '\0') {
			snprintf(vendor, sizeof(vendor), "%s", v);
		} else if (strncmp(line, "model name", 10) == 0 &&
		           model[0] == '\0') {
			snprintf(model, sizeof(model), "%s", v);
		} else if (strncmp(line, "physical id", 11) == 0) {
			int id = atoi(v);

			if (id >= 0 && id < 256 && !sockets[id]) {
				sockets[id] = 1;
				n_sockets++;
			}
		}
	}
	fclose(fp);
	assert_int_equal(rs->n, n_sockets ? n_sockets : 1);
	assert_string_equal(rs->r[0].relpath,
	                    "Win32_Processor.DeviceID=\"CPU0\"");
	if (vendor[0] != '\0') {
		assert_prop(&rs->r[0], "Manufacturer", vendor);
	}
	if (model[0] != '\0') {
		assert_prop(&rs->r[0], "Name", model);
	}
	for (uint32_t i = 0; i < rs->n; i++) {
		logical += prop_u64(&rs->r[i], "NumberOfLogicalProcessors");
		assert_true(prop_u64(&rs->r[i], "LoadPercentage") <= 100);
	}
	assert_true(logical >= (uint64_t)sysconf(_SC_NPROCESSORS_ONLN));
	assert_string_equal(rs->r[0].derivation,
	                    "CIM_Processor,CIM_LogicalDevice,"
	                    "CIM_LogicalElement,CIM_ManagedSystemElement");
}

static void test_bios(void **state)
{
	struct fx *f = *state;
	struct rows *rs = query(f, "SELECT * FROM Win32_BIOS");
	struct stat st;
	FILE *fp;
	char vendor[256];

	if (stat("/sys/class/dmi/id", &st) != 0) {
		assert_int_equal(rs->n, 0); /* no SMBIOS here */
		return;
	}
	assert_int_equal(rs->n, 1);
	fp = fopen("/sys/class/dmi/id/bios_vendor", "r");
	if (fp != NULL && fgets(vendor, sizeof(vendor), fp) != NULL) {
		vendor[strcspn(vendor, "\n")] = '\0';
		assert_prop(&rs->r[0], "Manufacturer", vendor);
	}
	if (fp != NULL) {
		fclose(fp);
	}
	assert_string_equal(rs->r[0].derivation,
	                    "CIM_BIOSElement,CIM_SoftwareElement,"
	                    "CIM_LogicalElement,CIM_ManagedSystemElement");
}

static void test_network_adapters(void **state)
{
	struct fx *f = *state;
	struct rows *rs = query(f, "SELECT * FROM Win32_NetworkAdapter");
	struct if_nameindex *ni = if_nameindex();
	uint32_t count = 0;

	assert_non_null(ni);
	for (struct if_nameindex *p = ni; p->if_index != 0; p++) {
		char idx[16], path[300], mac[64] = "";
		const struct row *r;
		FILE *fp;

		count++;
		snprintf(idx, sizeof(idx), "%u", p->if_index);
		r = find_row(rs, "DeviceID", idx);
		assert_non_null(r);
		assert_prop(r, "Name", p->if_name);
		assert_prop(r, "NetConnectionID", p->if_name);
		assert_prop(r, "InterfaceIndex", idx);
		snprintf(path, sizeof(path), "/sys/class/net/%s/address",
		         p->if_name);
		fp = fopen(path, "r");
		if (fp != NULL && fgets(mac, sizeof(mac), fp) != NULL &&
		    strcmp(p->if_name, "lo") != 0 &&
		    strncmp(mac, "00:00:00:00:00:00", 17) != 0 &&
		    strlen(mac) == 18) {
			mac[17] = '\0';
			for (char *c = mac; *c; c++) {
				*c = (char)toupper((unsigned char)*c);
			}
			assert_prop(r, "MACAddress", mac);
		}
		if (fp != NULL) {
			fclose(fp);
		}
	}
	assert_int_equal(rs->n, count);
	if_freenameindex(ni);
}

static void test_network_configuration(void **state)
{
	struct fx *f = *state;
	struct rows *rs = query(f, "SELECT * FROM "
	                           "Win32_NetworkAdapterConfiguration "
	                           "WHERE IPEnabled = TRUE");
	struct ifaddrs *ifa = NULL;
	char line[512], ns[64] = "";
	FILE *fp;

	assert_int_equal(getifaddrs(&ifa), 0);
	for (struct ifaddrs *i = ifa; i != NULL; i = i->ifa_next) {
		char text[INET6_ADDRSTRLEN], idx[16];
		const struct row *r;

		if (i->ifa_addr == NULL || i->ifa_addr->sa_family != AF_INET ||
		    (i->ifa_flags & IFF_UP) == 0) {
			continue;
		}
		inet_ntop(AF_INET,
		          &((struct sockaddr_in *)i->ifa_addr)->sin_addr, text,
		          sizeof(text));
		snprintf(idx, sizeof(idx), "%u", if_nametoindex(i->ifa_name));
		r = find_row(rs, "Index", idx);
		assert_non_null(r);
		assert_non_null(strstr(prop(r, "IPAddress"), text));
		assert_prop(r, "IPEnabled", "TRUE");
		if (ns[0] == '\0' && strcmp(i->ifa_name, "lo") != 0) {
			/* resolv.conf's first nameserver leads the list. */
			fp = fopen("/etc/resolv.conf", "r");
			while (fp != NULL && fgets(line, sizeof(line), fp)) {
				if (sscanf(line, "nameserver %63s", ns) == 1) {
					break;
				}
			}
			if (fp != NULL) {
				fclose(fp);
			}
			if (ns[0] != '\0') {
				assert_non_null(strstr(
				        prop(r, "DNSServerSearchOrder"), ns));
			}
		}
	}
	freeifaddrs(ifa);
}

static void test_environment(void **state)
{
	struct fx *f = *state;
	struct rows *rs = query(f, "SELECT * FROM Win32_Environment");
	char line[1024];
	FILE *fp = fopen("/etc/environment", "r");

	for (uint32_t i = 0; i < rs->n; i++) {
		assert_prop(&rs->r[i], "UserName", "<SYSTEM>");
		assert_prop(&rs->r[i], "SystemVariable", "TRUE");
	}
	while (fp != NULL && fgets(line, sizeof(line), fp) != NULL) {
		char *eq = strchr(line, '=');

		if (line[0] == '#' || eq == NULL) {
			continue;
		}
		*eq = '\0';
		assert_non_null(find_row(rs, "Name", line));
	}
	if (fp != NULL) {
		fclose(fp);
	}
}

static void test_perf_processor(void **state)
{
	struct fx *f = *state;
	struct rows *rs = query(f, "SELECT * FROM "
	                           "Win32_PerfFormattedData_PerfOS_Processor");
	long ncpu = sysconf(_SC_NPROCESSORS_ONLN);
	const struct row *total = find_row(rs, "Name", "_Total");

	assert_int_equal(rs->n, (uint32_t)ncpu + 1);
	assert_non_null(total);
	assert_non_null(find_row(rs, "Name", "0"));
	for (uint32_t i = 0; i < rs->n; i++) {
		uint64_t busy = prop_u64(&rs->r[i], "PercentProcessorTime");
		uint64_t idle = prop_u64(&rs->r[i], "PercentIdleTime");

		assert_true(busy <= 100);
		assert_int_equal(busy + idle, 100);
	}
	assert_string_equal(total->relpath, "Win32_PerfFormattedData_PerfOS_"
	                                    "Processor.Name=\"_Total\"");
	assert_string_equal(total->derivation,
	                    "Win32_PerfFormattedData,Win32_Perf,"
	                    "CIM_StatisticalInformation");
}

static uint64_t stat_user_ticks(void)
{
	unsigned long long user = 0, nice = 0;
	FILE *fp = fopen("/proc/stat", "r");

	assert_non_null(fp);
	assert_int_equal(fscanf(fp, "cpu %llu %llu", &user, &nice), 2);
	fclose(fp);
	return user + nice;
}

static void test_perf_raw_processor(void **state)
{
	struct fx *f = *state;
	uint64_t tck = (uint64_t)sysconf(_SC_CLK_TCK);
	uint64_t before = stat_user_ticks() * 10000000u / tck;
	struct rows *rs = query(f, "SELECT * FROM "
	                           "Win32_PerfRawData_PerfOS_Processor "
	                           "WHERE Name = '_Total'");
	uint64_t after = stat_user_ticks() * 10000000u / tck;
	uint64_t v;

	assert_int_equal(rs->n, 1);
	v = prop_u64(&rs->r[0], "PercentUserTime");
	assert_true(v >= before && v <= after);
	assert_prop(&rs->r[0], "Frequency_Sys100NS", "10000000");
	/* Timestamp_Sys100NS: now as a FILETIME. */
	assert_true(within((int64_t)(prop_u64(&rs->r[0], "Timestamp_Sys100NS") /
	                             10000000u) -
	                           11644473600LL,
	                   (int64_t)time(NULL), 5));
}

static void test_perf_memory(void **state)
{
	struct fx *f = *state;
	struct rows *rs = query(f, "SELECT * FROM "
	                           "Win32_PerfFormattedData_PerfOS_Memory");
	const struct row *r;

	assert_int_equal(rs->n, 1);
	r = &rs->r[0];
	assert_string_equal(r->relpath,
	                    "Win32_PerfFormattedData_PerfOS_Memory=@");
	assert_true(within((int64_t)prop_u64(r, "AvailableKBytes"),
	                   (int64_t)meminfo_kb("MemAvailable"), 256 * 1024));
	assert_int_equal(prop_u64(r, "AvailableBytes") / 1024u,
	                 prop_u64(r, "AvailableKBytes"));
	assert_int_equal(prop_u64(r, "AvailableMBytes"),
	                 prop_u64(r, "AvailableKBytes") / 1024u);
	assert_true(within((int64_t)prop_u64(r, "CommittedBytes") / 1024,
	                   (int64_t)meminfo_kb("Committed_AS"), 256 * 1024));
	assert_int_equal(prop_u64(r, "CommitLimit"),
	                 (meminfo_kb("MemTotal") + meminfo_kb("SwapTotal")) *
	                         1024u);
}

struct class_count {
	uint32_t n, classes;
};

static hresult count_classes(void *arg, struct cim_object **objs, uint32_t n)
{
	struct class_count *cc = arg;

	for (uint32_t i = 0; i < n; i++) {
		cc->n++;
		cc->classes += objs[i]->is_class ? 1 : 0;
	}
	return HR_OK;
}

static void test_schema_isa(void **state)
{
	struct fx *f = *state;
	void *mem = talloc_new(NULL);
	struct cim_object *o = NULL;
	struct errinfo ei;
	static const char *const want[] = {
		"Win32_OperatingSystem",
		"Win32_ComputerSystem",
		"Win32_Process",
		"Win32_Service",
		"Win32_LogicalDisk",
		"Win32_Processor",
		"Win32_BIOS",
		"Win32_NetworkAdapter",
		"Win32_Environment",
	};
	err_clear(&ei);
	for (size_t i = 0; i < sizeof(want) / sizeof(want[0]); i++) {
		char q[200];
		struct class_count cc = { 0 };
		struct cimom_sink sink = { .indicate = count_classes,
			                   .arg = &cc };

		snprintf(q, sizeof(q),
		         "SELECT * FROM meta_class WHERE __THIS ISA "
		         "'CIM_LogicalElement' AND __CLASS = '%s'",
		         want[i]);
		assert_true(
		        hr_ok(cimom_exec_query(f->s, "WQL", q, 0, &sink, &ei)));
		assert_int_equal(cc.n, 1);
		assert_int_equal(cc.classes, 1);
	}
	/* The class carries the registration's provider and Windows' key. */
	assert_true(hr_ok(
	        cimom_get_object(f->s, mem, "Win32_Process", 0, &o, &ei)));
	assert_true(o->is_class);
	assert_int_equal(o->u.cls->n_keys, 1);
	assert_string_equal(o->u.cls->props[o->u.cls->key_index[0]].name,
	                    "Handle");
	talloc_free(mem);
}

static int setup(void **state)
{
	/* Processes Create starts reparent here, to be reaped. */
	prctl(PR_SET_CHILD_SUBREAPER, 1);
	*state = fx_new();
	return 0;
}

static int teardown(void **state)
{
	fx_free(*state);
	return 0;
}

int main(int argc, char **argv)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_operating_system),
		cmocka_unit_test(test_computer_system),
		cmocka_unit_test(test_process_list_and_self),
		cmocka_unit_test(test_process_get_and_narrow_query),
		cmocka_unit_test(test_process_methods),
		cmocka_unit_test_teardown(test_process_create_as_user,
		                          teardown_tmp_user),
		cmocka_unit_test(test_service),
		cmocka_unit_test(test_logical_disk),
		cmocka_unit_test(test_processor),
		cmocka_unit_test(test_bios),
		cmocka_unit_test(test_network_adapters),
		cmocka_unit_test(test_network_configuration),
		cmocka_unit_test(test_environment),
		cmocka_unit_test(test_perf_processor),
		cmocka_unit_test(test_perf_raw_processor),
		cmocka_unit_test(test_perf_memory),
		cmocka_unit_test(test_schema_isa),
	};

	if (argc < 4) {
		fprintf(stderr, "usage: test_providers_builtin WMIPRVSE "
		                "PROVIDER_DIR REPOSITORY\n");
		return 2;
	}
	g_host = argv[1];
	g_dir = argv[2];
	g_repo = argv[3];
	return cmocka_run_group_tests(tests, setup, teardown);
}
