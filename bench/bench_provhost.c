/*
 * bench_provhost: provider host costs, measured through provhost.h with
 * the test provider tp_good in a real wmiprvse.
 *
 *   round trip   PING and a one-instance GET per call: median (the
 *                target, < 100 us), mean and 99th percentile of 20,000
 *                calls each timed (a mean alone follows the scheduler
 *                when other work shares the CPUs: each call needs both
 *                processes to run)
 *   streaming    instances per second of a 1,000,000-instance
 *                enumeration delivered to a counting callback, median
 *                of 3 runs (target > 500,000/s)
 *
 * Usage: bench_provhost WMIPRVSE LIBTP_GOOD [--scale N]  (N divides the
 * counts, for a quick run).  Exit status 0; figures on standard output.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <talloc.h>
#include <time.h>

#include "provhost/provhost.h"

static double now_s(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec + ts.tv_nsec / 1e9;
}

static struct cim_class *id_class(void *mem, const char *name)
{
	struct cim_class *c = cim_class_new(mem, name, NULL);
	struct cim_class *r = NULL;
	struct cim_property *p = cim_class_add_prop(c, "Id", CIM_T_UINT32);

	cim_qset_set(c, &p->quals, "key",
	             &(struct cim_value){ .type = CIM_T_BOOLEAN, .v.b = true },
	             CIM_FLAVOR_DEFAULT);
	cim_class_add_prop(c, "Name", CIM_T_STRING);
	cim_class_add_prop(c, "Value", CIM_T_UINT64);
	if (hr_failed(cim_class_resolve(mem, c, NULL, &r, NULL))) {
		return NULL;
	}
	return r;
}

static int cmp_double(const void *a, const void *b)
{
	double x = *(const double *)a, y = *(const double *)b;

	return x < y ? -1 : x > y;
}

struct lat {
	double median, mean, p99;
};

/* Sorts [us] (n > 0 call times) into median, mean and 99th percentile. */
static struct lat summarise(double *us, uint32_t n)
{
	struct lat l = { 0 };
	double sum = 0;

	qsort(us, n, sizeof(us[0]), cmp_double);
	for (uint32_t i = 0; i < n; i++) {
		sum += us[i];
	}
	l.median = us[n / 2];
	l.mean = sum / n;
	l.p99 = us[(uint32_t)((uint64_t)n * 99 / 100)];
	return l;
}

static hresult count_cb(void *arg, struct cim_instance *inst)
{
	(void)inst;
	(*(uint64_t *)arg)++;
	return HR_OK;
}

int main(int argc, char **argv)
{
	void *mem = talloc_new(NULL);
	struct provhost_config cfg = { 0 };
	struct provhost *ph = NULL;
	struct provhost_req rq = { 0 };
	struct provframe_kv key[] = { { "Id", "3" } };
	uint64_t count = 0;
	struct provhost_results res = { count_cb, NULL, &count };
	uint32_t scale = 1, calls, big;
	char bigtext[32];
	double t, rate[3];
	double *us;
	struct lat ping, get;

	if (argc < 3) {
		fprintf(stderr,
		        "usage: bench_provhost WMIPRVSE LIB [--scale N]\n");
		return 2;
	}
	if (argc == 5 && strcmp(argv[3], "--scale") == 0) {
		scale = (uint32_t)strtoul(argv[4], NULL, 10);
		scale = scale ? scale : 1;
	}
	calls = 20000 / scale;
	big = 1000000 / scale;
	snprintf(bigtext, sizeof(bigtext), "%u", big);
	setenv("OWMI_TP_BIG", bigtext, 1);
	cfg.host_path = argv[1];
	cfg.quota.memory_per_host = PROVHOST_DEFAULT_MEMORY;
	cfg.quota.threads_per_host = PROVHOST_DEFAULT_THREADS;
	if (hr_failed(provhost_new(mem, &cfg, &ph))) {
		return 1;
	}
	rq.target.provider = "TpGood";
	rq.target.library = argv[2];
	rq.ns = "root\\cimv2";
	rq.user = "bench";
	if (hr_failed(provhost_ping(ph, &rq.target, NULL))) {
		fprintf(stderr, "cannot start the host\n");
		return 1;
	}

	us = talloc_array(mem, double, calls);
	if (us == NULL) {
		return 1;
	}
	for (uint32_t i = 0; i < calls; i++) {
		t = now_s();
		provhost_ping(ph, &rq.target, NULL);
		us[i] = (now_s() - t) * 1e6;
	}
	ping = summarise(us, calls);

	rq.op = PROVFRAME_GET;
	rq.cls = id_class(mem, "Test_Big");
	rq.keys = key;
	rq.n_keys = 1;
	rq.has_keys = true;
	for (uint32_t i = 0; i < calls; i++) {
		t = now_s();
		if (hr_failed(provhost_call(ph, &rq, &res, mem, NULL, NULL))) {
			fprintf(stderr, "get failed\n");
			return 1;
		}
		us[i] = (now_s() - t) * 1e6;
	}
	get = summarise(us, calls);

	rq.op = PROVFRAME_ENUM;
	rq.keys = NULL;
	rq.n_keys = 0;
	rq.has_keys = false;
	for (int r = 0; r < 3; r++) {
		count = 0;
		t = now_s();
		if (hr_failed(provhost_call(ph, &rq, &res, mem, NULL, NULL)) ||
		    count != big) {
			fprintf(stderr, "enumeration failed (%llu)\n",
			        (unsigned long long)count);
			return 1;
		}
		rate[r] = (double)count / (now_s() - t);
	}
	qsort(rate, 3, sizeof(rate[0]), cmp_double);

	printf("provhost round trip (PING)        %8.1f us/call median "
	       "(mean %.1f, p99 %.1f; target < 100)\n",
	       ping.median, ping.mean, ping.p99);
	printf("provhost round trip (GET, 1 inst) %8.1f us/call median "
	       "(mean %.1f, p99 %.1f; target < 100)\n",
	       get.median, get.mean, get.p99);
	printf("provhost streaming (%u inst)  %8.0f inst/s median of 3 "
	       "(min %.0f; target > 500000)\n",
	       big, rate[1], rate[0]);
	talloc_free(mem);
	return 0;
}
