/*
 * Integration tests of the real service (wmid_test: wmid plus the test
 * interface of wmid_test.c) on a random 127.x.y.z address, a random high
 * endpoint mapper port and a private state folder per test:
 *
 *   start, detach, pid file, log lines, SIGTERM, files removed
 *   a second instance refused; a bad config refused with file:line
 *   SIGHUP: log level and max_connections reloaded; a bad file kept out
 *   ept_lookup / ept_map from a C client over TCP and the Unix socket
 *   NTLM at integrity and privacy; a wrong password: access denied + log
 *   an in-flight call finishes during a stop
 *   garbage PDUs thrown while a well-behaved client keeps being served
 *   1,000 connections held open while another client is served
 *   the real port 135 (skipped unless root and free)
 *
 * Usage: test_wmid WMID_TEST WMIUSER CAPTURE_DIR
 */
#include <arpa/inet.h>
#include <errno.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <poll.h>
#include <pthread.h>
#include <setjmp.h>
#include <signal.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/prctl.h>
#include <sys/random.h>
#include <sys/resource.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <talloc.h>
#include <time.h>
#include <unistd.h>

#include <cmocka.h>

#include "dcom/actprops.h"
#include "dcom/orpc.h"
#include "dcom/stubs.h"
#include "rpc/epm.h"
#include "rpc/epm_tower.h"
#include "rpc/fault.h"
#include "rpc/pdu.h"
#include "rpctest_client.h"

static const char *wmid_path;
static const char *wmiuser_path;

/*
 * Entries of the endpoint map: the endpoint mapper, the DCOM activator
 * and OXID resolver on the epm port, the test interface on the exporter
 * port, each also on the Unix socket.  Whoever announces another
 * interface updates this count.
 */
#define WMID_N_ENDPOINTS 8

static const struct rpc_syntax_id scm_syntax = {
	.uuid = { 0x000001a0, 0, 0, { 0xc0, 0 }, { 0, 0, 0, 0, 0, 0x46 } },
	.ver_major = 0,
	.ver_minor = 0,
};

static const struct rpc_syntax_id oxid_syntax = {
	.uuid = { 0x99fcfec4,
	          0x5260,
	          0x101b,
	          { 0xbb, 0xcb },
	          { 0x00, 0xaa, 0x00, 0x21, 0x34, 0x7a } },
	.ver_major = 0,
	.ver_minor = 0,
};

static const struct rpc_syntax_id test_syntax = {
	.uuid = { 0x7a1f0c3e,
	          0x5b2d,
	          0x4c8e,
	          { 0x9f, 0x60 },
	          { 0x01, 0x23, 0x45, 0x67, 0x89, 0xab } },
	.ver_major = 1,
	.ver_minor = 0,
};

struct daemon {
	char dir[128];
	char addr[32];
	uint16_t epm_port;
	uint16_t exporter_port;
	pid_t pid;
	char conf[256];
	char log[256];
	char pidfile[256];
	char sock[256];
	char out[256]; /* stdout and stderr of the start */
};

/* ---- helpers ---- */

static uint32_t rnd(uint32_t n)
{
	uint32_t v = 0;

	if (getrandom(&v, sizeof(v), 0) != sizeof(v)) {
		v = (uint32_t)rand();
	}
	return v % n;
}

static void write_file(const char *path, const char *text)
{
	FILE *f = fopen(path, "w");

	assert_non_null(f);
	fputs(text, f);
	fclose(f);
}

/* Returns owned (talloc, NULL context) the file's text, "" if missing. */
static char *read_file(const char *path)
{
	FILE *f = fopen(path, "r");
	char *s = talloc_strdup(NULL, "");
	char chunk[4096];
	size_t n;

	if (f == NULL) {
		return s;
	}
	while ((n = fread(chunk, 1, sizeof(chunk), f)) > 0) {
		s = talloc_strndup_append(s, chunk, n);
	}
	fclose(f);
	return s;
}

static bool file_has(const char *path, const char *needle)
{
	char *s = read_file(path);
	bool yes = strstr(s, needle) != NULL;

	talloc_free(s);
	return yes;
}

static void sleep_ms(int ms)
{
	struct timespec ts = { ms / 1000, (long)(ms % 1000) * 1000000L };

	nanosleep(&ts, NULL);
}

/* Waits up to [ms] for [needle] in the file. */
static bool wait_for(const char *path, const char *needle, int ms)
{
	for (int t = 0; t < ms; t += 20) {
		if (file_has(path, needle)) {
			return true;
		}
		sleep_ms(20);
	}
	return file_has(path, needle);
}

/* A fresh state folder, address, port and config (with [extra]). */
static void daemon_prepare(struct daemon *d, const char *extra)
{
	char text[2048];

	memset(d, 0, sizeof(*d));
	snprintf(d->dir, sizeof(d->dir), "/tmp/owmi-wmid-XXXXXX");
	assert_non_null(mkdtemp(d->dir));
	snprintf(d->addr, sizeof(d->addr), "127.%u.%u.%u", 1 + rnd(254),
	         1 + rnd(254), 1 + rnd(253));
	d->epm_port = (uint16_t)(20000 + rnd(20000));
	snprintf(d->conf, sizeof(d->conf), "%s/wmid.conf", d->dir);
	snprintf(d->log, sizeof(d->log), "%s/logs/wmid.log", d->dir);
	snprintf(d->pidfile, sizeof(d->pidfile), "%s/wmid.pid", d->dir);
	snprintf(d->sock, sizeof(d->sock), "%s/wmid.sock", d->dir);
	snprintf(d->out, sizeof(d->out), "%s/start.out", d->dir);
	snprintf(text, sizeof(text),
	         "[service]\nlisten = %s\nepm_port = %u\n%s", d->addr,
	         d->epm_port, extra != NULL ? extra : "");
	write_file(d->conf, text);
}

/* Runs wmid_test detached with [args]; returns its exit status.  On
 * success fills pid and exporter port. */
static int daemon_run(struct daemon *d, const char *const *args)
{
	const char *argv[16];
	int n = 0;
	pid_t child;
	int status;

	argv[n++] = wmid_path;
	argv[n++] = "--state-dir";
	argv[n++] = d->dir;
	for (int i = 0; args != NULL && args[i] != NULL && n < 15; i++) {
		argv[n++] = args[i];
	}
	argv[n] = NULL;
	child = fork();
	assert_true(child >= 0);
	if (child == 0) {
		int fd = open(d->out, O_WRONLY | O_CREAT | O_TRUNC, 0644);

		dup2(fd, STDOUT_FILENO);
		dup2(fd, STDERR_FILENO);
		close(fd);
		execv(wmid_path, (char *const *)argv);
		_exit(127);
	}
	assert_int_equal(waitpid(child, &status, 0), child);
	if (!WIFEXITED(status)) {
		return -1;
	}
	if (WEXITSTATUS(status) == 0) {
		char *text = read_file(d->pidfile);
		char *log = read_file(d->log);
		const char *p = strstr(log, "exporter port ");

		d->pid = (pid_t)atol(text);
		assert_true(d->pid > 0);
		assert_non_null(p);
		d->exporter_port = (uint16_t)atoi(p + strlen("exporter port "));
		talloc_free(text);
		talloc_free(log);
	}
	return WEXITSTATUS(status);
}

static void daemon_start(struct daemon *d, const char *const *args)
{
	int rc = daemon_run(d, args);

	if (rc != 0) {
		char *out = read_file(d->out);

		fail_msg("wmid_test failed to start (%d): %s", rc, out);
	}
}

/* SIGTERM and wait (we are the subreaper of the detached service). */
static int daemon_stop(struct daemon *d)
{
	int status = 0;

	if (d->pid <= 0) {
		return 0;
	}
	assert_int_equal(kill(d->pid, SIGTERM), 0);
	for (int t = 0; t < 15000; t += 10) {
		pid_t r = waitpid(d->pid, &status, WNOHANG);

		if (r == d->pid) {
			d->pid = 0;
			return WIFEXITED(status) ? WEXITSTATUS(status) : -1;
		}
		sleep_ms(10);
	}
	kill(d->pid, SIGKILL);
	waitpid(d->pid, &status, 0);
	d->pid = 0;
	fail_msg("wmid_test did not stop within 15 s");
	return -1;
}

static void daemon_cleanup(struct daemon *d)
{
	char cmd[300];

	if (d->pid > 0) {
		kill(d->pid, SIGKILL);
		waitpid(d->pid, NULL, 0);
		d->pid = 0;
	}
	snprintf(cmd, sizeof(cmd), "rm -rf '%s'", d->dir);
	if (system(cmd) != 0) {
		fprintf(stderr, "cannot remove %s\n", d->dir);
	}
}

static void add_user(struct daemon *d, const char *user, const char *pw)
{
	char cmd[512];
	FILE *p;

	snprintf(cmd, sizeof(cmd), "'%s' --state-dir '%s' add %s >/dev/null",
	         wmiuser_path, d->dir, user);
	p = popen(cmd, "w");
	assert_non_null(p);
	fprintf(p, "%s\n", pw);
	assert_int_equal(pclose(p), 0);
}

/* ept_lookup of everything; fills [o]; returns 0 or -1. */
static int epm_lookup_all(struct rpctest_client *c,
                          void *mem,
                          uint16_t ctx,
                          struct epm_lookup_out *o)
{
	struct epm_lookup_in in;
	struct buf stub;
	struct rpctest_reply r;

	memset(&in, 0, sizeof(in));
	in.vers_option = EPM_C_VERS_ALL;
	in.max_ents = 500;
	buf_init(&stub, mem);
	if (epm_lookup_in_push(&in, &stub) != NDR_ERR_SUCCESS ||
	    rpctest_call(c, ctx, EPM_OPNUM_EPT_LOOKUP, NULL,
	                 (const uint8_t *)stub.data, stub.len, mem, &r) != 0 ||
	    r.ptype != RPC_PTYPE_RESPONSE) {
		return -1;
	}
	return epm_lookup_out_pull(mem, r.stub, r.stub_len, o) ==
	                       NDR_ERR_SUCCESS
	               ? 0
	               : -1;
}

/* Connects to the endpoint mapper, binds, looks up: 0 on success. */
static int epm_client_round(const struct daemon *d, uint16_t port)
{
	void *mem = talloc_new(NULL);
	struct rpctest_client *c = rpctest_connect_tcp(mem, d->addr, port);
	struct rpctest_bind_result res;
	struct epm_lookup_out o;
	int rc = -1;

	if (c != NULL && rpctest_bind(c, 0, &epm_syntax, NULL, &res) == 0 &&
	    epm_lookup_all(c, mem, 0, &o) == 0 && o.status == 0 &&
	    o.num_ents >= 2) {
		rc = 0;
	}
	if (c != NULL) {
		rpctest_close(c);
	}
	talloc_free(mem);
	return rc;
}

/* Finds the TCP tower of [syntax] in a lookup answer: its port or 0. */
static uint16_t find_tcp(void *mem,
                         const struct epm_lookup_out *o,
                         const struct rpc_syntax_id *syntax,
                         const char *addr)
{
	for (uint32_t i = 0; i < o->num_ents; i++) {
		struct epm_tower t;
		struct epm_tcp_binding b;
		char ip[16];

		if (o->entries[i].tower == NULL ||
		    epm_tower_parse(mem, o->entries[i].tower,
		                    o->entries[i].tower_len,
		                    &t) != NDR_ERR_SUCCESS ||
		    epm_tower_to_tcp(&t, &b) != NDR_ERR_SUCCESS) {
			continue;
		}
		inet_ntop(AF_INET, b.ip, ip, sizeof(ip));
		if (rpc_syntax_equal(&b.iface, syntax) &&
		    strcmp(ip, addr) == 0) {
			return b.port;
		}
	}
	return 0;
}

/* ---- tests ---- */

static void test_start_stop_files_and_logs(void **state)
{
	struct daemon d;
	char want[128];
	struct stat sb;

	(void)state;
	daemon_prepare(&d, "[log]\nlevel = info\n");
	daemon_start(&d, NULL);
	assert_true(kill(d.pid, 0) == 0);
	assert_int_equal(stat(d.sock, &sb), 0);
	assert_true(S_ISSOCK(sb.st_mode));
	assert_int_equal(access(d.dir, F_OK), 0);
	assert_true(file_has(d.log, "from the default repository"));
	assert_int_equal(access(d.dir, F_OK), 0);
	snprintf(want, sizeof(want), "endpoint mapper listening on %s:%u",
	         d.addr, d.epm_port);
	assert_true(file_has(d.log, want));
	snprintf(want, sizeof(want), "object exporter listening on %s:%u",
	         d.addr, d.exporter_port);
	assert_true(file_has(d.log, want));
	assert_true(d.exporter_port >= 49152);
	snprintf(want, sizeof(want), "ready: pid %ld", (long)d.pid);
	assert_true(file_has(d.log, want));
	/* The start printed the log lines on stderr before detaching. */
	assert_true(file_has(d.out, "ready: pid"));
	assert_int_equal(epm_client_round(&d, d.epm_port), 0);

	assert_int_equal(daemon_stop(&d), 0);
	assert_int_equal(access(d.pidfile, F_OK), -1);
	assert_int_equal(access(d.sock, F_OK), -1);
	assert_true(file_has(d.log, "stopping on SIGTERM"));
	assert_true(file_has(d.log, "INFO wmid: stopped"));
	/* A second start reuses the repository and accounts. */
	daemon_start(&d, NULL);
	assert_int_equal(epm_client_round(&d, d.epm_port), 0);
	kill(d.pid, SIGINT);
	for (int t = 0; t < 10000 && waitpid(d.pid, NULL, WNOHANG) == 0;
	     t += 10) {
		sleep_ms(10);
	}
	d.pid = 0;
	assert_true(file_has(d.log, "stopping on SIGINT"));
	assert_int_equal(access(d.pidfile, F_OK), -1);
	daemon_cleanup(&d);
}

static void test_second_instance_refused(void **state)
{
	struct daemon d;
	char want[160];

	(void)state;
	daemon_prepare(&d, NULL);
	daemon_start(&d, NULL);
	{
		struct daemon again = d;

		snprintf(again.out, sizeof(again.out), "%s/second.out", d.dir);
		assert_int_equal(daemon_run(&again, NULL), 1);
		snprintf(want, sizeof(want),
		         "another wmid (pid %ld) holds the pid file",
		         (long)d.pid);
		assert_true(file_has(again.out, want));
	}
	/* The first one is untouched. */
	assert_true(kill(d.pid, 0) == 0);
	assert_true(file_has(d.pidfile, "\n"));
	assert_int_equal(epm_client_round(&d, d.epm_port), 0);
	assert_int_equal(daemon_stop(&d), 0);
	daemon_cleanup(&d);
}

static void test_bad_config_refused_with_position(void **state)
{
	struct daemon d;
	char want[700];
	const char *args[] = { "--foreground", NULL };

	(void)state;
	daemon_prepare(&d, "[limits]\nmax_fragment = 99\n");
	assert_int_equal(daemon_run(&d, NULL), 1);
	snprintf(want, sizeof(want),
	         "%s:5: bad value '99' for 'max_fragment' in [limits]: "
	         "expected a size 1432-65535 octets",
	         d.conf);
	assert_true(file_has(d.out, want));
	assert_int_equal(access(d.pidfile, F_OK), -1);

	/* An unknown key, in the foreground. */
	write_file(d.conf, "[service]\nlisten = 127.0.0.1\n\n[auth]\n"
	                   "min_auth = 5\n");
	assert_int_equal(daemon_run(&d, args), 1);
	snprintf(want, sizeof(want), "%s:5: unknown key 'min_auth' in [auth]",
	         d.conf);
	assert_true(file_has(d.out, want));

	/* A bad option is a usage error. */
	{
		const char *bad[] = { "--no-such-option", NULL };

		assert_int_equal(daemon_run(&d, bad), 2);
		assert_true(file_has(d.out, "usage: wmid"));
	}
	daemon_cleanup(&d);
}

static void test_sighup_reload(void **state)
{
	struct daemon d;
	char text[512];
	char want[700];

	(void)state;
	daemon_prepare(&d, "[log]\nlevel = info\n");
	daemon_start(&d, NULL);
	assert_int_equal(epm_client_round(&d, d.epm_port), 0);
	assert_false(file_has(d.log, " DEBUG "));

	snprintf(text, sizeof(text),
	         "[service]\nlisten = %s\nepm_port = %u\n[limits]\n"
	         "max_connections = 100\n[log]\nlevel = debug\n",
	         d.addr, d.epm_port);
	write_file(d.conf, text);
	assert_int_equal(kill(d.pid, SIGHUP), 0);
	snprintf(want, sizeof(want),
	         "SIGHUP: configuration reloaded from %s (log level debug, "
	         "max_connections 100)",
	         d.conf);
	assert_true(wait_for(d.log, want, 5000));
	assert_int_equal(epm_client_round(&d, d.epm_port), 0);
	assert_true(wait_for(d.log, " DEBUG ", 5000));

	/* A broken file is refused; the service keeps running on the old
	 * configuration. */
	write_file(d.conf, "[service]\nepm_port = x\n");
	assert_int_equal(kill(d.pid, SIGHUP), 0);
	snprintf(want, sizeof(want),
	         "SIGHUP: %s:2: bad value 'x' for 'epm_port' in [service]: "
	         "expected a port number 1-65535; the running configuration "
	         "stays",
	         d.conf);
	assert_true(wait_for(d.log, want, 5000));
	assert_int_equal(epm_client_round(&d, d.epm_port), 0);
	assert_int_equal(daemon_stop(&d), 0);
	daemon_cleanup(&d);
}

static void test_epm_lookup_and_map(void **state)
{
	struct daemon d;
	void *mem = talloc_new(NULL);
	struct rpctest_client *c;
	struct rpctest_bind_result res;
	struct epm_lookup_out o;
	struct epm_map_in min;
	struct epm_map_out mo;
	struct epm_tcp_binding b;
	struct epm_tower t;
	struct epm_tcp_binding got;
	uint8_t *tower;
	size_t tn;
	struct buf stub;
	struct rpctest_reply r;

	(void)state;
	daemon_prepare(&d, NULL);
	daemon_start(&d, NULL);
	c = rpctest_connect_tcp(mem, d.addr, d.epm_port);
	assert_non_null(c);
	assert_int_equal(rpctest_bind(c, 0, &epm_syntax, NULL, &res), 0);
	assert_int_equal(epm_lookup_all(c, mem, 0, &o), 0);
	assert_int_equal(o.status, 0);
	assert_true(rpc_uuid_is_nil(&o.handle.uuid));
	/* epm and the test interface on TCP, both on the Unix socket. */
	assert_int_equal(o.num_ents, WMID_N_ENDPOINTS);
	assert_int_equal(find_tcp(mem, &o, &epm_syntax, d.addr), d.epm_port);
	assert_int_equal(find_tcp(mem, &o, &scm_syntax, d.addr), d.epm_port);
	assert_int_equal(find_tcp(mem, &o, &oxid_syntax, d.addr), d.epm_port);
	assert_int_equal(find_tcp(mem, &o, &test_syntax, d.addr),
	                 d.exporter_port);

	/* ept_map of the test interface, as impacket's hept_map asks. */
	memset(&b, 0, sizeof(b));
	b.iface = test_syntax;
	b.transfer = rpc_syntax_ndr20;
	assert_int_equal(epm_tower_build_tcp(mem, &b, &tower, &tn),
	                 NDR_ERR_SUCCESS);
	memset(&min, 0, sizeof(min));
	min.tower = tower;
	min.tower_len = (uint32_t)tn;
	min.max_towers = 1;
	buf_init(&stub, mem);
	assert_int_equal(epm_map_in_push(&min, &stub), NDR_ERR_SUCCESS);
	assert_int_equal(rpctest_call(c, 0, EPM_OPNUM_EPT_MAP, NULL,
	                              (const uint8_t *)stub.data, stub.len, mem,
	                              &r),
	                 0);
	assert_int_equal(r.ptype, RPC_PTYPE_RESPONSE);
	assert_int_equal(epm_map_out_pull(mem, r.stub, r.stub_len, &mo),
	                 NDR_ERR_SUCCESS);
	assert_int_equal(mo.status, 0);
	assert_int_equal(mo.num_towers, 1);
	assert_int_equal(
	        epm_tower_parse(mem, mo.towers[0], mo.tower_lens[0], &t),
	        NDR_ERR_SUCCESS);
	assert_int_equal(epm_tower_to_tcp(&t, &got), NDR_ERR_SUCCESS);
	assert_int_equal(got.port, d.exporter_port);

	/* An interface nobody registered. */
	b.iface.uuid.time_low ^= 1;
	assert_int_equal(epm_tower_build_tcp(mem, &b, &tower, &tn),
	                 NDR_ERR_SUCCESS);
	min.tower = tower;
	buf_reset(&stub);
	assert_int_equal(epm_map_in_push(&min, &stub), NDR_ERR_SUCCESS);
	assert_int_equal(rpctest_call(c, 0, EPM_OPNUM_EPT_MAP, NULL,
	                              (const uint8_t *)stub.data, stub.len, mem,
	                              &r),
	                 0);
	assert_int_equal(epm_map_out_pull(mem, r.stub, r.stub_len, &mo),
	                 NDR_ERR_SUCCESS);
	assert_int_equal(mo.status, EPM_STATUS_NOT_REGISTERED);
	/* ept_insert is not served. */
	assert_int_equal(rpctest_call(c, 0, EPM_OPNUM_EPT_INSERT, NULL, NULL, 0,
	                              mem, &r),
	                 0);
	assert_int_equal(r.ptype, RPC_PTYPE_FAULT);
	assert_int_equal(r.status, RPC_FAULT_NCA_S_OP_RNG_ERROR);
	rpctest_close(c);

	/* The same over the Unix socket. */
	c = rpctest_connect_unix(mem, d.sock);
	assert_non_null(c);
	assert_int_equal(rpctest_bind(c, 0, &epm_syntax, NULL, &res), 0);
	assert_int_equal(epm_lookup_all(c, mem, 0, &o), 0);
	assert_int_equal(o.num_ents, WMID_N_ENDPOINTS);
	rpctest_close(c);
	assert_int_equal(daemon_stop(&d), 0);
	daemon_cleanup(&d);
	talloc_free(mem);
}

static void ntlm_round(struct daemon *d, uint8_t level)
{
	void *mem = talloc_new(NULL);
	struct rpctest_client *c = rpctest_connect_tcp(mem, d->addr,
	                                               d->exporter_port);
	struct rpctest_auth auth = { .user = "alice",
		                     .domain = "WORKGROUP",
		                     .password = "Passw0rd!",
		                     .level = level };
	struct rpctest_bind_result res;
	struct rpctest_reply r;
	static const uint8_t msg[] = "hello from the test";

	assert_non_null(c);
	assert_int_equal(rpctest_bind(c, 0, &test_syntax, &auth, &res), 0);
	assert_int_equal(rpctest_call(c, 0, 0, NULL, msg, sizeof(msg), mem, &r),
	                 0);
	assert_int_equal(r.ptype, RPC_PTYPE_RESPONSE);
	assert_true(r.verified);
	assert_int_equal(r.stub_len, sizeof(msg));
	assert_memory_equal(r.stub, msg, sizeof(msg));
	assert_int_equal(rpctest_call(c, 0, 1, NULL, NULL, 0, mem, &r), 0);
	assert_int_equal(r.ptype, RPC_PTYPE_RESPONSE);
	assert_int_equal(r.stub_len, 5);
	assert_memory_equal(r.stub, "alice", 5);
	rpctest_close(c);
	talloc_free(mem);
}

static void test_ntlm_levels_and_wrong_password(void **state)
{
	struct daemon d;
	void *mem = talloc_new(NULL);
	struct rpctest_client *c;
	struct rpctest_auth auth = { .user = "alice",
		                     .domain = "WORKGROUP",
		                     .password = "wrong",
		                     .level = RPC_AUTHN_LEVEL_PKT_INTEGRITY };
	struct rpctest_bind_result res;
	struct rpctest_reply r;

	(void)state;
	daemon_prepare(&d, NULL);
	add_user(&d, "alice", "Passw0rd!");
	daemon_start(&d, NULL);
	ntlm_round(&d, RPC_AUTHN_LEVEL_PKT_INTEGRITY);
	ntlm_round(&d, RPC_AUTHN_LEVEL_PKT_PRIVACY);
	assert_true(file_has(d.log, "authenticated user 'WORKGROUP\\alice'"));

	/* A wrong password: the call is refused with access denied. */
	c = rpctest_connect_tcp(mem, d.addr, d.exporter_port);
	assert_non_null(c);
	rpctest_bind(c, 0, &test_syntax, &auth, &res);
	assert_int_equal(
	        rpctest_call(c, 0, 0, NULL, (const uint8_t *)"x", 1, mem, &r),
	        0);
	assert_int_equal(r.ptype, RPC_PTYPE_FAULT);
	assert_int_equal(r.status, RPC_FAULT_RPC_S_ACCESS_DENIED);
	rpctest_close(c);
	assert_true(wait_for(d.log,
	                     "authentication failed for user "
	                     "'WORKGROUP\\alice'",
	                     3000));

	/* Without authentication the interface refuses too. */
	c = rpctest_connect_tcp(mem, d.addr, d.exporter_port);
	assert_non_null(c);
	assert_int_equal(rpctest_bind(c, 0, &test_syntax, NULL, &res), 0);
	assert_int_equal(
	        rpctest_call(c, 0, 0, NULL, (const uint8_t *)"x", 1, mem, &r),
	        0);
	assert_int_equal(r.status, RPC_FAULT_RPC_S_ACCESS_DENIED);
	rpctest_close(c);

	/* The Unix socket is local and counts as privacy: no NTLM. */
	c = rpctest_connect_unix(mem, d.sock);
	assert_non_null(c);
	assert_int_equal(rpctest_bind(c, 0, &test_syntax, NULL, &res), 0);
	assert_int_equal(rpctest_call(c, 0, 1, NULL, NULL, 0, mem, &r), 0);
	assert_int_equal(r.ptype, RPC_PTYPE_RESPONSE);
	assert_true(r.stub_len > 0);
	rpctest_close(c);
	assert_int_equal(daemon_stop(&d), 0);
	daemon_cleanup(&d);
	talloc_free(mem);
}

static void test_in_flight_call_finishes_on_stop(void **state)
{
	struct daemon d;
	void *mem = talloc_new(NULL);
	struct rpctest_client *c;
	struct rpctest_bind_result res;
	struct rpctest_reply r;
	uint8_t *pdu;
	size_t n;
	static const uint8_t ms[4] = { 0xdc, 0x05, 0, 0 }; /* 1500 */
	int status;

	(void)state;
	daemon_prepare(&d, NULL);
	daemon_start(&d, NULL);
	c = rpctest_connect_unix(mem, d.sock);
	assert_non_null(c);
	assert_int_equal(rpctest_bind(c, 0, &test_syntax, NULL, &res), 0);
	assert_int_equal(rpctest_build_request(c, 0, 2, ms, 4, mem, &pdu, &n),
	                 0);
	assert_int_equal(rpctest_send(c, pdu, n), 0);
	sleep_ms(300);
	assert_int_equal(kill(d.pid, SIGTERM), 0);
	assert_int_equal(rpctest_recv_reply(c, 0, mem, &r), 0);
	assert_int_equal(r.ptype, RPC_PTYPE_RESPONSE);
	assert_int_equal(r.stub_len, 4);
	assert_memory_equal(r.stub, "done", 4);
	rpctest_close(c);
	assert_int_equal(waitpid(d.pid, &status, 0), d.pid);
	d.pid = 0;
	assert_true(WIFEXITED(status));
	assert_int_equal(WEXITSTATUS(status), 0);
	assert_int_equal(access(d.pidfile, F_OK), -1);
	daemon_cleanup(&d);
	talloc_free(mem);
}

/* ---- hostile clients ---- */

static int raw_connect(const char *addr, uint16_t port)
{
	struct sockaddr_in sa;
	int fd = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);

	if (fd < 0) {
		return -1;
	}
	memset(&sa, 0, sizeof(sa));
	sa.sin_family = AF_INET;
	sa.sin_port = htons(port);
	inet_pton(AF_INET, addr, &sa.sin_addr);
	if (connect(fd, (struct sockaddr *)&sa, sizeof(sa)) != 0) {
		close(fd);
		return -1;
	}
	return fd;
}

static void put_hdr(uint8_t *p,
                    uint8_t ptype,
                    uint8_t flags,
                    uint16_t frag_len,
                    uint32_t call_id)
{
	p[0] = 5;
	p[1] = 0;
	p[2] = ptype;
	p[3] = flags;
	p[4] = 0x10;
	p[5] = p[6] = p[7] = 0;
	p[8] = (uint8_t)frag_len;
	p[9] = (uint8_t)(frag_len >> 8);
	p[10] = p[11] = 0;
	memcpy(p + 12, &call_id, 4);
}

/* rpcdump's bind to the endpoint mapper (capture a01). */
static const uint8_t bind_epm[72] = {
	0x05, 0x00, 0x0b, 0x03, 0x10, 0x00, 0x00, 0x00, 0x48, 0x00, 0x00, 0x00,
	0x01, 0x00, 0x00, 0x00, 0xb8, 0x10, 0xb8, 0x10, 0x00, 0x00, 0x00, 0x00,
	0x01, 0x00, 0x00, 0x00, 0x00, 0x00, 0x01, 0x00, 0x08, 0x83, 0xaf, 0xe1,
	0x1f, 0x5d, 0xc9, 0x11, 0x91, 0xa4, 0x08, 0x00, 0x2b, 0x14, 0xa0, 0xfa,
	0x03, 0x00, 0x00, 0x00, 0x04, 0x5d, 0x88, 0x8a, 0xeb, 0x1c, 0xc9, 0x11,
	0x9f, 0xe8, 0x08, 0x00, 0x2b, 0x10, 0x48, 0x60, 0x02, 0x00, 0x00, 0x00,
};

/* One hostile connection of kind [k]; never waits long. */
static void throw_garbage(const struct daemon *d, unsigned k)
{
	int fd = raw_connect(d->addr, d->epm_port);
	uint8_t buf[8192];
	size_t n = 0;
	struct timeval tv = { 0, 200000 };

	if (fd < 0) {
		return;
	}
	setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof(tv));
	switch (k % 8) {
	case 0: /* random octets */
		n = 64 + rnd(2000);
		for (size_t i = 0; i < n; i++) {
			buf[i] = (uint8_t)rnd(256);
		}
		break;
	case 1: /* a truncated bind */
		memcpy(buf, bind_epm, sizeof(bind_epm));
		n = 1 + rnd(sizeof(bind_epm) - 1);
		break;
	case 2: /* frag_length far past max_recv_frag */
		put_hdr(buf, RPC_PTYPE_BIND, 3, 65535, 1);
		n = 16 + 4000;
		memset(buf + 16, 0x41, n - 16);
		break;
	case 3: /* a request before any bind */
		put_hdr(buf, RPC_PTYPE_REQUEST, 3, 40, 7);
		memset(buf + 16, 0, 24);
		n = 40;
		break;
	case 4: /* bind, then a request without FIRST_FRAG */
		memcpy(buf, bind_epm, sizeof(bind_epm));
		put_hdr(buf + 72, RPC_PTYPE_REQUEST, RPC_PFC_LAST_FRAG, 64, 2);
		memset(buf + 88, 0, 48);
		buf[88] = 40; /* alloc_hint */
		buf[94] = 2;  /* opnum */
		n = 72 + 64;
		break;
	case 5: /* bind, first fragment, then a fragment of another call */
		memcpy(buf, bind_epm, sizeof(bind_epm));
		put_hdr(buf + 72, RPC_PTYPE_REQUEST, RPC_PFC_FIRST_FRAG, 44, 2);
		memset(buf + 88, 0, 28);
		buf[94] = 2;
		put_hdr(buf + 116, RPC_PTYPE_REQUEST, RPC_PFC_LAST_FRAG, 44, 9);
		memset(buf + 132, 0, 28);
		n = 160;
		break;
	case 6: /* a bind with RPC version 4 and a garbage tail */
		memcpy(buf, bind_epm, sizeof(bind_epm));
		buf[0] = 4;
		n = sizeof(bind_epm);
		break;
	default: /* frag_length smaller than the header */
		put_hdr(buf, RPC_PTYPE_BIND, 3, 8, 1);
		n = 16;
		break;
	}
	if (send(fd, buf, n, MSG_NOSIGNAL) < 0) {
		/* The server may already have closed: fine. */
	}
	if (recv(fd, buf, sizeof(buf), 0) < 0) {
		/* No answer is an answer too. */
	}
	close(fd);
}

struct good_client {
	const struct daemon *d;
	volatile bool stop;
	unsigned ok;
	unsigned failed;
};

static void *good_client_main(void *arg)
{
	struct good_client *g = arg;
	void *mem = talloc_new(NULL);
	struct rpctest_client *c = rpctest_connect_tcp(mem, g->d->addr,
	                                               g->d->epm_port);
	struct rpctest_bind_result res;

	if (c == NULL || rpctest_bind(c, 0, &epm_syntax, NULL, &res) != 0) {
		g->failed++;
		talloc_free(mem);
		return NULL;
	}
	while (!g->stop) {
		void *call = talloc_new(mem);
		struct epm_lookup_out o;

		/* One persistent connection and one fresh per round. */
		if (epm_lookup_all(c, call, 0, &o) == 0 &&
		    o.num_ents == WMID_N_ENDPOINTS) {
			g->ok++;
		} else {
			g->failed++;
		}
		if (epm_client_round(g->d, g->d->epm_port) == 0) {
			g->ok++;
		} else {
			g->failed++;
		}
		talloc_free(call);
	}
	rpctest_close(c);
	talloc_free(mem);
	return NULL;
}

static void test_garbage_while_serving(void **state)
{
	struct daemon d;
	struct good_client g;
	pthread_t th;
	char *log;

	(void)state;
	daemon_prepare(&d, NULL);
	daemon_start(&d, NULL);
	memset(&g, 0, sizeof(g));
	g.d = &d;
	assert_int_equal(pthread_create(&th, NULL, good_client_main, &g), 0);
	for (unsigned i = 0; i < 400; i++) {
		throw_garbage(&d, i);
	}
	g.stop = true;
	pthread_join(th, NULL);
	assert_int_equal(g.failed, 0);
	assert_true(g.ok >= 10);
	/* Still alive and serving. */
	assert_true(kill(d.pid, 0) == 0);
	assert_int_equal(epm_client_round(&d, d.epm_port), 0);
	log = read_file(d.log);
	assert_non_null(strstr(log, "WARN rpc:"));
	talloc_free(log);
	assert_int_equal(daemon_stop(&d), 0);
	daemon_cleanup(&d);
}

static void test_thousand_connections_held(void **state)
{
	struct daemon d;
	struct rlimit rl;
	enum { N = 1000 };
	static int fds[N];
	struct pollfd *pfd;
	struct timespec t0;
	unsigned acked = 0;

	(void)state;
	getrlimit(RLIMIT_NOFILE, &rl);
	if (rl.rlim_cur < 4096) {
		rl.rlim_cur = 4096;
		if (rl.rlim_max < 4096) {
			rl.rlim_max = 4096;
		}
		if (setrlimit(RLIMIT_NOFILE, &rl) != 0) {
			skip(); /* not allowed to raise it */
		}
	}
	/* The service inherits the raised limit. */
	daemon_prepare(&d, "[limits]\nmax_connections = 2000\n"
	                   "max_connections_per_address = 2000\n");
	daemon_start(&d, NULL);
	for (int i = 0; i < N; i++) {
		fds[i] = raw_connect(d.addr, d.epm_port);
		assert_true(fds[i] >= 0);
		assert_int_equal(
		        send(fds[i], bind_epm, sizeof(bind_epm), MSG_NOSIGNAL),
		        (ssize_t)sizeof(bind_epm));
	}
	/* Every one gets its bind_ack: all are accepted and served. */
	pfd = talloc_array(NULL, struct pollfd, N);
	/*
	 * Wait on a deadline, not a round count: under ASan on a loaded
	 * machine the acks trickle in and a round may see only a few.
	 */
	clock_gettime(CLOCK_MONOTONIC, &t0);
	for (;;) {
		struct timespec now;

		clock_gettime(CLOCK_MONOTONIC, &now);
		if (acked >= N || now.tv_sec - t0.tv_sec > 60) {
			break;
		}
		int live = 0;

		for (int i = 0; i < N; i++) {
			if (fds[i] >= 0) {
				pfd[live].fd = fds[i];
				pfd[live].events = POLLIN;
				live++;
			}
		}
		poll(pfd, (nfds_t)live, 100);
		for (int k = 0; k < live; k++) {
			uint8_t ack[256];

			if (!(pfd[k].revents & POLLIN)) {
				continue;
			}
			if (recv(pfd[k].fd, ack, sizeof(ack), MSG_DONTWAIT) >
			            2 &&
			    ack[2] == RPC_PTYPE_BIND_ACK) {
				acked++;
			}
			for (int i = 0; i < N; i++) {
				if (fds[i] == pfd[k].fd) {
					/* Keep it open, stop polling it. */
					fds[i] = -fds[i] - 2;
				}
			}
		}
	}
	talloc_free(pfd);
	assert_int_equal(acked, N);
	/* Another client is still served while all 1,000 stay open. */
	assert_int_equal(epm_client_round(&d, d.epm_port), 0);
	assert_int_equal(epm_client_round(&d, d.exporter_port), 0);
	for (int i = 0; i < N; i++) {
		close(fds[i] >= 0 ? fds[i] : -fds[i] - 2);
	}
	assert_int_equal(daemon_stop(&d), 0);
	daemon_cleanup(&d);
}

/* ---- DCOM (the runtime and wmid_test's test class) ---- */

static const struct rpc_uuid clsid_testobj = { 0x7a1f0c3e,
	                                       0x5b2d,
	                                       0x4c8e,
	                                       { 0x9f, 0x60 },
	                                       { 0x01, 0x23, 0x45, 0x67, 0x89,
	                                         0xac } };
static const struct rpc_syntax_id testobj_syntax = {
	.uuid = { 0x7a1f0c3e,
	          0x5b2d,
	          0x4c8e,
	          { 0x9f, 0x60 },
	          { 0x01, 0x23, 0x45, 0x67, 0x89, 0xad } },
	.ver_major = 0,
	.ver_minor = 0,
};

/* RemoteCreateInstance of [clsid] for the test object's IID over [c]
 * (bound to the activator on p_cont_id 0): the method HRESULT, and the
 * properties (under [mem]) when it succeeded. */
static uint32_t dcom_activate(struct rpctest_client *c,
                              void *mem,
                              const struct rpc_uuid *clsid,
                              const struct dcom_actprops **props)
{
	static const uint16_t tcp[] = { 7 };
	struct dcom_create_instance_req req;
	struct dcom_activation_resp resp;
	struct dcom_actprops in;
	struct ndr_push push;
	struct ndr_pull ndr;
	struct rpctest_reply r;
	const uint8_t *p;
	size_t n;

	memset(&in, 0, sizeof(in));
	in.present = DCOM_ACTPROP_BIT(DCOM_ACTPROP_INSTANTIATION) |
	             DCOM_ACTPROP_BIT(DCOM_ACTPROP_ACTIVATION_CONTEXT) |
	             DCOM_ACTPROP_BIT(DCOM_ACTPROP_LOCATION) |
	             DCOM_ACTPROP_BIT(DCOM_ACTPROP_SCM_REQUEST);
	in.dest_ctx = 2;
	in.inst.clsid = *clsid;
	in.inst.n_iids = 1;
	in.inst.iids = (struct rpc_uuid *)&testobj_syntax.uuid;
	in.inst.client_version.major = 5;
	in.inst.client_version.minor = 7;
	in.scm_request.n_protseqs = 1;
	in.scm_request.protseqs = (uint16_t *)tcp;
	memset(&req, 0, sizeof(req));
	dcom_orpcthis_init(&req.orpcthis, clsid);
	req.props = &in;
	assert_int_equal(ndr_push_init(&push, mem, 0, NULL), NDR_ERR_SUCCESS);
	assert_int_equal(dcom_create_instance_req_push(&push, &req),
	                 NDR_ERR_SUCCESS);
	assert_int_equal(ndr_push_blob(&push, &p, &n), NDR_ERR_SUCCESS);
	assert_int_equal(rpctest_call(c, 0, 4, NULL, p, n, mem, &r), 0);
	assert_int_equal(r.status, 0);
	assert_int_equal(ndr_pull_init(&ndr, mem, r.stub, r.stub_len, 0, NULL),
	                 NDR_ERR_SUCCESS);
	assert_int_equal(dcom_activation_resp_pull(&ndr, &resp),
	                 NDR_ERR_SUCCESS);
	*props = resp.props;
	return resp.hr;
}

/* wmid_test's DcomStats (opnum 3 of the test interface): 8 counters. */
static void dcom_stats(struct rpctest_client *c, void *mem, uint64_t v[8])
{
	struct rpctest_reply r;

	assert_int_equal(rpctest_call(c, 0, 3, NULL, NULL, 0, mem, &r), 0);
	assert_int_equal(r.status, 0);
	assert_int_equal(r.stub_len, 64);
	for (int i = 0; i < 8; i++) {
		v[i] = 0;
		for (int k = 7; k >= 0; k--) {
			v[i] = v[i] << 8 | r.stub[i * 8 + k];
		}
	}
}

static void test_dcom_activation(void **state)
{
	struct daemon d;
	void *mem = talloc_new(NULL);
	struct rpctest_auth admin = { .user = "boss",
		                      .domain = "WORKGROUP",
		                      .password = "Adm1n!pw",
		                      .level = RPC_AUTHN_LEVEL_PKT_PRIVACY };
	struct rpctest_auth plain = { .user = "carol",
		                      .domain = "WORKGROUP",
		                      .password = "Pl4in!pw",
		                      .level = RPC_AUTHN_LEVEL_PKT_PRIVACY };
	const struct dcom_actprops *props;
	struct rpctest_client *c, *x, *s;
	struct rpctest_bind_result res;
	struct rpctest_reply r;
	struct rpc_uuid ipid;
	char want[64];
	uint64_t st[8];
	char cmd[512];

	(void)state;
	daemon_prepare(&d, "[auth]\nnetbios_name = WMIHOST\n"
	                   "dns_name = wmihost.example\n"
	                   "[dcom]\nping_period_ms = 100\nping_misses = 2\n");
	add_user(&d, "boss", "Adm1n!pw");
	add_user(&d, "carol", "Pl4in!pw");
	snprintf(cmd, sizeof(cmd),
	         "'%s' --state-dir '%s' group add Administrators boss",
	         wmiuser_path, d.dir);
	assert_int_equal(system(cmd), 0);
	daemon_start(&d, NULL);

	/* A non-administrator: E_ACCESSDENIED as the method result. */
	c = rpctest_connect_tcp(mem, d.addr, d.epm_port);
	assert_non_null(c);
	assert_int_equal(rpctest_bind(c, 0, &scm_syntax, &plain, &res), 0);
	assert_int_equal(dcom_activate(c, mem, &clsid_testobj, &props),
	                 0x80070005);
	assert_null(props);
	rpctest_close(c);
	assert_true(wait_for(d.log, "activation refused to 'carol'", 3000));

	/* The administrator: an object, bindings "addr[exporter port]". */
	c = rpctest_connect_tcp(mem, d.addr, d.epm_port);
	assert_non_null(c);
	assert_int_equal(rpctest_bind(c, 0, &scm_syntax, &admin, &res), 0);
	assert_int_equal(dcom_activate(c, mem, &epm_syntax.uuid, &props),
	                 0x80040154); /* REGDB_E_CLASSNOTREG */
	assert_int_equal(dcom_activate(c, mem, &clsid_testobj, &props), 0);
	assert_non_null(props);
	snprintf(want, sizeof(want), "%s[%u]", d.addr, d.exporter_port);
	assert_string_equal(props->scm_reply.oxid_bindings.str[0].addr, want);
	/* Then the names; the listen address is not repeated. */
	assert_int_equal(props->scm_reply.oxid_bindings.n_str, 3);
	snprintf(want, sizeof(want), "WMIHOST[%u]", d.exporter_port);
	assert_string_equal(props->scm_reply.oxid_bindings.str[1].addr, want);
	snprintf(want, sizeof(want), "wmihost.example[%u]", d.exporter_port);
	assert_string_equal(props->scm_reply.oxid_bindings.str[2].addr, want);
	ipid = props->props_out.ifaces[0]->std.ipid;
	rpctest_close(c);

	/* The object answers on the exporter port, and the counters say so. */
	x = rpctest_connect_tcp(mem, d.addr, d.exporter_port);
	assert_non_null(x);
	assert_int_equal(rpctest_bind(x, 0, &testobj_syntax, &admin, &res), 0);
	{
		struct dcom_orpcthis this_;
		struct ndr_push push;
		const uint8_t *p;
		size_t n;

		dcom_orpcthis_init(&this_, &clsid_testobj);
		assert_int_equal(ndr_push_init(&push, mem, 0, NULL),
		                 NDR_ERR_SUCCESS);
		dcom_orpcthis_push(&push, &this_);
		assert_int_equal(ndr_push_blob(&push, &p, &n), NDR_ERR_SUCCESS);
		assert_int_equal(rpctest_call(x, 0, 3, &ipid, p, n, mem, &r),
		                 0);
		assert_int_equal(r.status, 0);
		assert_int_equal(r.stub_len, 16);
		assert_int_equal(r.stub[8], 0x34); /* 0x5eed1234 */
		assert_int_equal(r.stub[11], 0x5e);
	}
	rpctest_close(x);
	s = rpctest_connect_tcp(mem, d.addr, d.exporter_port);
	assert_non_null(s);
	assert_int_equal(rpctest_bind(s, 0, &test_syntax, &admin, &res), 0);
	dcom_stats(s, mem, st);
	assert_true(st[6] == 1); /* activations */
	assert_true(st[3] == 1); /* exported */
	/* Never pinged: collected after 2 x 100 ms (plus a period). */
	for (int i = 0; i < 100 && (st[0] != 0 || st[5] != 1); i++) {
		struct timespec ts = { 0, 20 * 1000000L };

		nanosleep(&ts, NULL);
		dcom_stats(s, mem, st);
	}
	assert_true(st[0] == 0); /* objects */
	assert_true(st[1] == 0); /* ipids */
	assert_true(st[4] == 1); /* destroyed */
	assert_true(st[5] == 1); /* collected */
	rpctest_close(s);
	assert_int_equal(daemon_stop(&d), 0);
	daemon_cleanup(&d);
	talloc_free(mem);
}

static void test_real_port_135(void **state)
{
	struct daemon d;
	char text[256];
	int rc;

	(void)state;
	if (geteuid() != 0) {
		skip();
	}
	daemon_prepare(&d, NULL);
	d.epm_port = 135;
	snprintf(text, sizeof(text), "[service]\nlisten = %s\nepm_port = 135\n",
	         d.addr);
	write_file(d.conf, text);
	rc = daemon_run(&d, NULL);
	if (rc != 0 &&
	    (file_has(d.out, "in use") || file_has(d.out, "ermission"))) {
		daemon_cleanup(&d);
		skip();
	}
	assert_int_equal(rc, 0);
	assert_int_equal(epm_client_round(&d, 135), 0);
	assert_int_equal(daemon_stop(&d), 0);
	daemon_cleanup(&d);
}

int main(int argc, char **argv)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_start_stop_files_and_logs),
		cmocka_unit_test(test_second_instance_refused),
		cmocka_unit_test(test_bad_config_refused_with_position),
		cmocka_unit_test(test_sighup_reload),
		cmocka_unit_test(test_epm_lookup_and_map),
		cmocka_unit_test(test_ntlm_levels_and_wrong_password),
		cmocka_unit_test(test_in_flight_call_finishes_on_stop),
		cmocka_unit_test(test_garbage_while_serving),
		cmocka_unit_test(test_thousand_connections_held),
		cmocka_unit_test(test_dcom_activation),
		cmocka_unit_test(test_real_port_135),
	};

	if (argc < 3) {
		fprintf(stderr, "usage: test_wmid WMID_TEST WMIUSER\n");
		return 2;
	}
	wmid_path = argv[1];
	wmiuser_path = argv[2];
	/* The detached services become our children, so we can reap them. */
	prctl(PR_SET_CHILD_SUBREAPER, 1);
	signal(SIGPIPE, SIG_IGN);
	return cmocka_run_group_tests(tests, NULL, NULL);
}
