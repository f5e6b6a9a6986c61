/*
 * bench_wmi: the client library against the real wmid over loopback
 * (issue 4).  Starts wmid on a random 127.x.y.z with a repository holding
 * 10,000 instances of a 20-property class (compiled with mofcomp
 * -offline) and prints, each beside a baseline run:
 *
 *   connect-to-first-row latency: activation + NTLM + NTLMLogin +
 *     ExecQuery + the first object, a new connection each run; median
 *     and p95 of N runs at PktPrivacy (target < 5 ms), beside the same at
 *     PktIntegrity and over the Unix socket;
 *   instances per second of SELECT * over the 10,000 instances through
 *     the client at PktPrivacy (target > 100,000/s), beside the same at
 *     PktIntegrity and MS-WMIO encode + decode alone in this process.
 *
 * Figures only; no assertions.  Usage:
 *   bench_wmi WMID WMIUSER MOFCOMP SCHEMA_REPOSITORY [RUNS]
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <talloc.h>
#include <time.h>
#include <unistd.h>

#include "base/buf.h"
#include "client/client.h"
#include "wmidrun.h"
#include "wmio/wmio.h"

#define N_INST  10000
#define N_PROPS 20
#define BATCH   256

static double now_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec * 1e3 + (double)ts.tv_nsec / 1e6;
}

/* CPU seconds of this process. */
static double self_cpu(void)
{
	struct rusage ru;

	getrusage(RUSAGE_SELF, &ru);
	return (double)ru.ru_utime.tv_sec + ru.ru_utime.tv_usec / 1e6 +
	       (double)ru.ru_stime.tv_sec + ru.ru_stime.tv_usec / 1e6;
}

/* CPU seconds of process [pid] (utime + stime of /proc/PID/stat). */
static double proc_cpu(pid_t pid)
{
	char path[64], buf[1024];
	FILE *f;
	unsigned long ut = 0, st = 0;
	char *p;

	snprintf(path, sizeof(path), "/proc/%d/stat", (int)pid);
	f = fopen(path, "r");
	if (f == NULL) {
		return 0;
	}
	if (fgets(buf, sizeof(buf), f) != NULL) {
		p = strrchr(buf, ')');
		if (p != NULL &&
		    sscanf(p + 2,
		           "%*c %*d %*d %*d %*d %*d %*u %*u %*u %*u "
		           "%*u %lu %lu",
		           &ut, &st) != 2) {
			ut = st = 0;
		}
	}
	fclose(f);
	return (double)(ut + st) / (double)sysconf(_SC_CLK_TCK);
}

static int cmp_double(const void *a, const void *b)
{
	double x = *(const double *)a, y = *(const double *)b;

	return x < y ? -1 : x > y;
}

/* The class and its instances, as MOF. */
static char *bench_mof(void *mem)
{
	struct buf b;

	buf_init(&b, mem);
	buf_addstr(&b, "#pragma namespace(\"\\\\\\\\.\\\\root\\\\cimv2\")\n"
	               "class Bench_Item\n{\n  [key] string Name;\n");
	for (int p = 1; p < N_PROPS; p++) {
		switch (p % 4) {
		case 0:
			buf_addf(&b, "  string S%02d;\n", p);
			break;
		case 1:
			buf_addf(&b, "  uint32 U%02d;\n", p);
			break;
		case 2:
			buf_addf(&b, "  uint64 L%02d;\n", p);
			break;
		default:
			buf_addf(&b, "  datetime D%02d;\n", p);
		}
	}
	buf_addstr(&b, "};\n");
	for (int i = 0; i < N_INST; i++) {
		buf_addf(&b, "instance of Bench_Item { Name = \"item-%05d\";",
		         i);
		for (int p = 1; p < N_PROPS; p++) {
			switch (p % 4) {
			case 0:
				buf_addf(&b, " S%02d = \"value %d of %d\";", p,
				         p, i);
				break;
			case 1:
				buf_addf(&b, " U%02d = %d;", p, i * p);
				break;
			case 2:
				buf_addf(&b, " L%02d = %lld;", p,
				         (long long)i * 1000003LL * p);
				break;
			default:
				buf_addf(&b,
				         " D%02d = \"20261127%02d%02d%02d."
				         "000000+000\";",
				         p, i % 24, i % 60, p % 60);
			}
		}
		buf_addstr(&b, " };\n");
	}
	return buf_detach(&b, NULL);
}

struct target {
	const char *label;
	struct client_options o;
};

/* Connect-to-first-row: median and p95 of [runs], in ms. */
static int first_row(const struct target *t,
                     int runs,
                     double *median,
                     double *p95)
{
	double *v = calloc((size_t)runs, sizeof(double));

	for (int i = 0; i < runs; i++) {
		void *mem = talloc_new(NULL);
		struct client_conn *c = NULL;
		struct client_enum *e = NULL;
		struct cim_object **objs;
		uint32_t n = 0;
		struct errinfo ei;
		double t0 = now_ms();
		hresult hr;

		err_clear(&ei);
		hr = client_connect(mem, &t->o, &c, &ei);
		if (hr_ok(hr)) {
			hr = client_exec_query(client_root(c),
			                       "SELECT * FROM Bench_Item WHERE "
			                       "Name = 'item-04242'",
			                       0, 1, &e, &ei);
		}
		if (hr_ok(hr)) {
			hr = client_enum_next(e, mem, &objs, &n, &ei);
		}
		v[i] = now_ms() - t0;
		if (hr_failed(hr) || n != 1) {
			fprintf(stderr, "bench_wmi: %s: %s (0x%08x, %u rows)\n",
			        t->label, ei.msg, hr.v, n);
			free(v);
			talloc_free(mem);
			return -1;
		}
		client_enum_release(e);
		client_close(c);
		talloc_free(mem);
	}
	qsort(v, (size_t)runs, sizeof(double), cmp_double);
	*median = v[runs / 2];
	*p95 = v[(runs * 95) / 100 < runs ? (runs * 95) / 100 : runs - 1];
	free(v);
	return 0;
}

/* SELECT * over the 10,000 instances: the best of [runs], per second. */
static double select_all(const struct target *t, int runs)
{
	double best = 0;
	void *mem = talloc_new(NULL);
	struct client_conn *c = NULL;
	struct errinfo ei;

	err_clear(&ei);
	if (hr_failed(client_connect(mem, &t->o, &c, &ei))) {
		fprintf(stderr, "bench_wmi: %s: %s\n", t->label, ei.msg);
		talloc_free(mem);
		return -1;
	}
	for (int r = 0; r < runs; r++) {
		void *q = talloc_new(mem);
		struct client_enum *e = NULL;
		struct cim_object **objs = NULL;
		uint32_t n = 0;
		double t0 = now_ms(), rate;
		hresult hr = client_exec_query(client_root(c),
		                               "SELECT * FROM Bench_Item", 0,
		                               BATCH, &e, &ei);

		if (hr_ok(hr)) {
			hr = client_enum_all(e, q, &objs, &n, &ei);
			client_enum_release(e);
		}
		rate = n / ((now_ms() - t0) / 1e3);
		talloc_free(q);
		if (hr_failed(hr) || n != N_INST) {
			fprintf(stderr, "bench_wmi: %s: %s (%u rows)\n",
			        t->label, ei.msg, n);
			client_close(c);
			talloc_free(mem);
			return -1;
		}
		if (rate > best) {
			best = rate;
		}
	}
	client_close(c);
	talloc_free(mem);
	return best;
}

/* The codec alone: the instances fetched once, encoded with a cached
   class part and decoded again with a cached class, per second (best of
   [runs]): what the two ends cost without the transport. */
static double codec_alone(const struct target *t, int runs)
{
	void *mem = talloc_new(NULL);
	struct client_conn *c = NULL;
	struct client_enum *e = NULL;
	struct cim_object **objs = NULL;
	struct wmio_class_cache *cc = NULL;
	struct wmio_decode_cache *dc = NULL;
	uint32_t n = 0;
	double best = 0;

	if (hr_failed(client_connect(mem, &t->o, &c, NULL)) ||
	    hr_failed(client_exec_query(client_root(c),
	                                "SELECT * FROM Bench_Item", 0, BATCH,
	                                &e, NULL)) ||
	    hr_failed(client_enum_all(e, mem, &objs, &n, NULL)) || n == 0 ||
	    hr_failed(wmio_class_cache_new(mem, objs[0]->u.inst->cls, &cc)) ||
	    hr_failed(wmio_decode_cache_new(mem, &dc))) {
		talloc_free(mem);
		return -1;
	}
	client_enum_release(e);
	client_close(c);
	for (int r = 0; r < runs; r++) {
		void *q = talloc_new(mem);
		struct buf b;
		double t0 = now_ms();

		buf_init(&b, q);
		for (uint32_t i = 0; i < n; i++) {
			struct wmio_object *w = NULL;

			b.len = 0;
			objs[i]->u.inst->cls = (struct cim_class *)
			        wmio_class_cache_class(cc);
			if (hr_failed(wmio_encode_instance_cached(
			            &b, cc, objs[i]->u.inst, "BENCH",
			            "root\\cimv2", 0)) ||
			    hr_failed(wmio_decode_cached(
			            q, dc, (const uint8_t *)b.data, b.len, NULL,
			            &w, NULL))) {
				talloc_free(mem);
				return -1;
			}
			talloc_free(w);
		}
		double rate = n / ((now_ms() - t0) / 1e3);

		if (rate > best) {
			best = rate;
		}
		talloc_free(q);
	}
	talloc_free(mem);
	return best;
}

static void load(char *out, size_t n)
{
	FILE *f = fopen("/proc/loadavg", "r");

	snprintf(out, n, "?");
	if (f != NULL) {
		if (fgets(out, (int)n, f) != NULL) {
			out[strcspn(out, "\n")] = '\0';
		}
		fclose(f);
	}
}

int main(int argc, char **argv)
{
	struct wmidrun d;
	void *mem = talloc_new(NULL);
	int runs = argc > 5 ? atoi(argv[5]) : 200;
	struct target priv, integ, sock;
	double m1, p1, m2, p2, m3, p3, r1, r2, r3;
	char la[128];
	double t0;
	int rc = 1;

	if (argc < 5) {
		fprintf(stderr, "usage: bench_wmi WMID WMIUSER MOFCOMP "
		                "SCHEMA_REPOSITORY [RUNS]\n");
		return 2;
	}
	if (runs < 10) {
		runs = 10;
	}
	t0 = now_ms();
	if (wmidrun_prepare(&d, NULL) != 0 ||
	    wmidrun_repository(&d, argv[4], argv[3], bench_mof(mem)) != 0 ||
	    wmidrun_add_user(&d, argv[2], "bench", "Bench#Pass1",
	                     "Administrators") != 0 ||
	    wmidrun_start(&d, argv[1]) != 0) {
		goto out;
	}
	printf("wmid ready with %d instances of a %d-property class in "
	       "%.1f s\n",
	       N_INST, N_PROPS, (now_ms() - t0) / 1e3);
	memset(&priv, 0, sizeof(priv));
	priv.label = "PktPrivacy";
	priv.o.host = d.addr;
	priv.o.port = d.epm_port;
	priv.o.user = "bench";
	priv.o.password = "Bench#Pass1";
	priv.o.auth_level = 6;
	integ = priv;
	integ.label = "PktIntegrity";
	integ.o.auth_level = 5;
	memset(&sock, 0, sizeof(sock));
	sock.label = "Unix socket";
	sock.o.unix_path = d.sock;

	if (first_row(&priv, runs, &m1, &p1) != 0 ||
	    first_row(&integ, runs, &m2, &p2) != 0 ||
	    first_row(&sock, runs, &m3, &p3) != 0) {
		goto out;
	}
	load(la, sizeof(la));
	printf("connect-to-first-row, %d runs (load %s):\n", runs, la);
	printf("  PktPrivacy    median %.2f ms  p95 %.2f ms  (target < 5 "
	       "ms)\n",
	       m1, p1);
	printf("  PktIntegrity  median %.2f ms  p95 %.2f ms  privacy/"
	       "integrity %.2f\n",
	       m2, p2, m1 / m2);
	printf("  Unix socket   median %.2f ms  p95 %.2f ms  privacy/"
	       "socket %.2f\n",
	       m3, p3, m1 / m3);

	{
		double c0 = self_cpu(), s0 = proc_cpu(d.pid), w0 = now_ms();

		r1 = select_all(&priv, 5);
		printf("(SELECT * at PktPrivacy, 5 runs: %.2f s wall, client "
		       "CPU %.2f s, wmid CPU %.2f s)\n",
		       (now_ms() - w0) / 1e3, self_cpu() - c0,
		       proc_cpu(d.pid) - s0);
	}
	r2 = select_all(&integ, 5);
	r3 = codec_alone(&priv, 3);
	if (r1 < 0 || r2 < 0 || r3 < 0) {
		goto out;
	}
	load(la, sizeof(la));
	printf("SELECT * FROM Bench_Item, %d instances, batches of %d, best "
	       "of 5 (load %s):\n",
	       N_INST, BATCH, la);
	printf("  PktPrivacy    %.0f instances/s  (target > 100,000/s)\n", r1);
	printf("  PktIntegrity  %.0f instances/s  privacy/integrity %.2f\n", r2,
	       r1 / r2);
	printf("  wmio encode+decode alone  %.0f instances/s  "
	       "privacy/codec %.2f\n",
	       r3, r1 / r3);
	rc = 0;
out:
	wmidrun_stop(&d);
	wmidrun_cleanup(&d);
	talloc_free(mem);
	return rc;
}
