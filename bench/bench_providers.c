/*
 * Benchmark: SELECT * FROM Win32_Process end to end through the object
 * manager (cimom, the provider registry, a wmiprvse host running
 * libowmi_cimwin32.so, batches back to a sink), with about 1,000
 * processes on the system: the benchmark forks sleeping children to get
 * there and kills them afterwards.  Target: < 30 ms per query.
 *
 * Usage: bench_providers WMIPRVSE PROVIDER_DIR REPOSITORY [PROCESSES]
 */
#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/prctl.h>
#include <sys/wait.h>
#include <talloc.h>
#include <time.h>
#include <unistd.h>

#include "cimom/cimom.h"
#include "cimom/provreg.h"
#include "repo/repo.h"

#define RUNS      30
#define TARGET_MS 30.0

static double now_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec * 1e3 + (double)ts.tv_nsec / 1e6;
}

static uint32_t count_proc(void)
{
	FILE *fp = popen("ls /proc | grep -c '^[0-9]'", "r");
	unsigned n = 0;

	if (fp != NULL) {
		if (fscanf(fp, "%u", &n) != 1) {
			n = 0;
		}
		pclose(fp);
	}
	return n;
}

static int copy_file(const char *from, const char *to)
{
	char data[65536];
	int in = open(from, O_RDONLY);
	int out = open(to, O_WRONLY | O_CREAT | O_TRUNC, 0600);
	ssize_t n;

	if (in < 0 || out < 0) {
		return -1;
	}
	while ((n = read(in, data, sizeof(data))) > 0) {
		if (write(out, data, (size_t)n) != n) {
			return -1;
		}
	}
	close(in);
	close(out);
	return 0;
}

static hresult count_indicate(void *arg, struct cim_object **objs, uint32_t n)
{
	(void)objs;
	*(uint64_t *)arg += n;
	return HR_OK;
}

static int cmp_double(const void *a, const void *b)
{
	double x = *(const double *)a, y = *(const double *)b;

	return x < y ? -1 : x > y;
}

int main(int argc, char **argv)
{
	void *mem = talloc_new(NULL);
	struct cimom_config cfg = { 0 };
	struct cimom_provreg_config rc = { 0 };
	struct cimom_identity id = { .user = "bench",
		                     .pid = (uint32_t)getpid() };
	struct cimom *cm = NULL;
	struct cimom_provreg *pr = NULL;
	struct cimom_session *s = NULL;
	struct repo *repo = NULL;
	struct errinfo ei;
	char dir[] = "/tmp/owmi-bench-prov-XXXXXX";
	char db[128], cmd[160];
	double t[RUNS];
	uint64_t got = 0;
	pid_t *kids;
	long want = argc > 4 ? atol(argv[4]) : 1000;
	long spawned = 0;
	int rc_exit = 0;
	hresult hr;

	if (argc < 4) {
		fprintf(stderr, "usage: bench_providers WMIPRVSE PROVIDER_DIR "
		                "REPOSITORY [PROCESSES]\n");
		return 2;
	}
	if (mkdtemp(dir) == NULL) {
		return 1;
	}
	snprintf(db, sizeof(db), "%s/repository.db", dir);
	if (copy_file(argv[3], db) != 0) {
		fprintf(stderr, "cannot copy %s\n", argv[3]);
		return 1;
	}

	/* Sleeping children up to about [want] processes in all. */
	want -= (long)count_proc();
	kids = talloc_array(mem, pid_t, want > 0 ? want : 1);
	for (long i = 0; i < want; i++) {
		pid_t p = fork();

		if (p == 0) {
			prctl(PR_SET_PDEATHSIG, SIGKILL);
			for (;;) {
				pause();
			}
		}
		if (p < 0) {
			fprintf(stderr, "fork: %s (after %ld)\n",
			        strerror(errno), spawned);
			break;
		}
		kids[spawned++] = p;
	}

	err_clear(&ei);
	hr = repo_open(mem, db, 0, &repo, &ei);
	if (hr_ok(hr)) {
		hr = cimom_new(mem, repo, &cfg, &cm);
	}
	rc.host_path = argv[1];
	rc.provider_dir = argv[2];
	if (hr_ok(hr)) {
		hr = cimom_provreg_attach(cm, mem, &rc, &pr, &ei);
	}
	if (hr_ok(hr)) {
		hr = cimom_session_open(cm, mem, &id, "root\\cimv2", &s, &ei);
	}
	for (int i = -1; i < RUNS && hr_ok(hr); i++) {
		struct cimom_sink sink = { .indicate = count_indicate,
			                   .arg = &got };
		double t0;

		got = 0;
		t0 = now_ms();
		hr = cimom_exec_query(s, "WQL", "SELECT * FROM Win32_Process",
		                      0, &sink, &ei);
		if (i >= 0) {
			t[i] = now_ms() - t0; /* run -1 starts the host */
		}
	}
	if (hr_failed(hr)) {
		fprintf(stderr, "failed: %s %s\n", hr_name(hr), ei.msg);
		rc_exit = 1;
	} else {
		qsort(t, RUNS, sizeof(t[0]), cmp_double);
		printf("SELECT * FROM Win32_Process, %llu instances "
		       "(%ld children spawned): min %.2f ms, median %.2f ms, "
		       "max %.2f ms over %d runs (target < %.0f ms) %s\n",
		       (unsigned long long)got, spawned, t[0], t[RUNS / 2],
		       t[RUNS - 1], RUNS, TARGET_MS,
		       t[RUNS / 2] < TARGET_MS ? "OK" : "SLOW");
		printf("per instance: %.1f us (median)\n",
		       got ? t[RUNS / 2] * 1e3 / (double)got : 0.0);
	}

	for (long i = 0; i < spawned; i++) {
		kill(kids[i], SIGKILL);
	}
	for (long i = 0; i < spawned; i++) {
		waitpid(kids[i], NULL, 0);
	}
	talloc_free(s);
	talloc_free(pr);
	talloc_free(cm);
	if (repo != NULL) {
		repo_close(repo);
	}
	snprintf(cmd, sizeof(cmd), "rm -rf '%s'", dir);
	if (system(cmd) != 0) {
		rc_exit = 1;
	}
	talloc_free(mem);
	return rc_exit;
}
