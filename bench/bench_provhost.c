/*
 * bench_provhost: provider host costs, measured through provhost.h with
 * the test provider tp_good in a real wmiprvse.
 *
 *   round trip   PING and a one-instance GET per call (target < 100 us)
 *   streaming    instances per second of a 1,000,000-instance
 *                enumeration delivered to a counting callback
 *                (target > 500,000/s)
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
	double t, ping_us, get_us, rate;

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

	t = now_s();
	for (uint32_t i = 0; i < calls; i++) {
		provhost_ping(ph, &rq.target, NULL);
	}
	ping_us = (now_s() - t) * 1e6 / calls;

	rq.op = PROVFRAME_GET;
	rq.cls = id_class(mem, "Test_Big");
	rq.keys = key;
	rq.n_keys = 1;
	rq.has_keys = true;
	t = now_s();
	for (uint32_t i = 0; i < calls; i++) {
		if (hr_failed(provhost_call(ph, &rq, &res, mem, NULL, NULL))) {
			fprintf(stderr, "get failed\n");
			return 1;
		}
	}
	get_us = (now_s() - t) * 1e6 / calls;

	rq.op = PROVFRAME_ENUM;
	rq.keys = NULL;
	rq.n_keys = 0;
	rq.has_keys = false;
	count = 0;
	t = now_s();
	if (hr_failed(provhost_call(ph, &rq, &res, mem, NULL, NULL)) ||
	    count != big) {
		fprintf(stderr, "enumeration failed (%llu)\n",
		        (unsigned long long)count);
		return 1;
	}
	rate = (double)count / (now_s() - t);

	printf("provhost round trip (PING)        %8.1f us/call  "
	       "(target < 100)\n",
	       ping_us);
	printf("provhost round trip (GET, 1 inst) %8.1f us/call  "
	       "(target < 100)\n",
	       get_us);
	printf("provhost streaming (%u inst)  %8.0f inst/s   "
	       "(target > 500000)\n",
	       big, rate);
	talloc_free(mem);
	return 0;
}
