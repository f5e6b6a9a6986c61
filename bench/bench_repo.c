/*
 * bench_repo: repository figures against the targets of the repo brief:
 *  - bulk insert rate (one transaction),
 *  - key lookup among N instances (target under 50 us; N = 1,000,000 by
 *    default, BENCH_REPO_N overrides),
 *  - shallow enumeration of 100,000 instances (target over 1,000,000/s).
 * Prints one line per figure; exits 1 when a target is missed.
 * Usage: bench_repo [DIR [--reuse]]   (default: a temp directory, removed
 * after; --reuse measures the reads on a DIR filled by an earlier run)
 */
#include <ftw.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <talloc.h>
#include <time.h>
#include <unistd.h>

#include "cim/cim.h"
#include "repo/repo.h"

static double now(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

static int rm_one(const char *p,
                  const struct stat *sb,
                  int flag,
                  struct FTW *ftw)
{
	(void)sb;
	(void)flag;
	(void)ftw;
	return remove(p);
}

static struct cim_class *make_class(void *mem, const char *name)
{
	struct cim_class *c = cim_class_new(mem, name, NULL);
	struct cim_value t = { .type = CIM_T_BOOLEAN };
	struct cim_property *p;

	t.v.b = true;
	p = cim_class_add_prop(c, "Name", CIM_T_STRING);
	cim_qset_set(c, &p->quals, "key", &t, CIM_FLAVOR_TO_SUBCLASS);
	cim_class_add_prop(c, "Value", CIM_T_UINT32);
	cim_class_add_prop(c, "Caption", CIM_T_STRING);
	cim_class_add_prop(c, "Size", CIM_T_UINT64);
	return c;
}

static int fill(struct repo *r, const char *cls, long n)
{
	void *mem = talloc_new(NULL);
	struct cim_class *rc = NULL;
	struct cim_instance *inst;
	struct cim_value v;
	char name[32];

	if (hr_failed(
	            repo_class_put(r, "root", make_class(mem, cls), 0, NULL)) ||
	    hr_failed(repo_class_get(r, mem, "root", cls, &rc))) {
		return -1;
	}
	inst = cim_instance_new(mem, rc);
	repo_txn_begin(r);
	for (long i = 0; i < n; i++) {
		snprintf(name, sizeof(name), "instance-%08ld", i);
		v = (struct cim_value){ .type = CIM_T_STRING };
		v.v.s = name;
		cim_instance_set(inst, "Name", &v);
		v = (struct cim_value){ .type = CIM_T_UINT32 };
		v.v.u = (uint64_t)i;
		cim_instance_set(inst, "Value", &v);
		v = (struct cim_value){ .type = CIM_T_STRING };
		v.v.s = "a caption of moderate length";
		cim_instance_set(inst, "Caption", &v);
		if (hr_failed(repo_instance_put(r, "root", inst, 0, NULL))) {
			repo_txn_rollback(r);
			return -1;
		}
	}
	repo_txn_commit(r);
	talloc_free(mem);
	return 0;
}

static hresult count_cb(void *arg, struct cim_instance *inst)
{
	(void)inst;
	(*(long *)arg)++;
	return HR_OK;
}

int main(int argc, char **argv)
{
	long n = getenv("BENCH_REPO_N") ? atol(getenv("BENCH_REPO_N"))
	                                : 1000000;
	long n_enum = 100000, count = 0, lookups = 20000;
	char dir[256], path[320];
	struct repo *r = NULL;
	double t0, t_insert, t_lookup, t_enum;
	int miss = 0;
	void *mem;

	snprintf(dir, sizeof(dir), "%s",
	         argc > 1 ? argv[1] : "/tmp/owmi-bench-repo-XXXXXX");
	if (argc <= 1 && mkdtemp(dir) == NULL) {
		return 2;
	}
	snprintf(path, sizeof(path), "%s/repository.db", dir);
	if (hr_failed(repo_open(NULL, path, REPO_OPEN_CREATE, &r, NULL))) {
		return 2;
	}
	if (argc > 2 && strcmp(argv[2], "--reuse") == 0) {
		uint64_t have = 0;

		/* A DIR filled by an earlier run: measure reads only. */
		if (hr_failed(repo_instance_count(r, "root", "Big", false,
		                                  &have))) {
			return 2;
		}
		n = (long)have;
	} else {
		t0 = now();
		if (fill(r, "Big", n) != 0 || fill(r, "Enum", n_enum) != 0) {
			return 2;
		}
		t_insert = now() - t0;
		printf("repo insert: %ld instances in %.2f s (%.0f/s)\n",
		       n + n_enum, t_insert, (double)(n + n_enum) / t_insert);
	}

	/* Random key lookups, each a fresh instance copy. */
	mem = talloc_new(NULL);
	srand(42);
	t0 = now();
	for (long i = 0; i < lookups; i++) {
		char key[64];
		struct cim_instance *inst = NULL;

		snprintf(key, sizeof(key), "Name=\"instance-%08ld\"",
		         (long)rand() % n);
		if (hr_failed(repo_instance_get(r, mem, "root", "Big", key,
		                                &inst))) {
			fprintf(stderr, "lookup of %s failed\n", key);
			return 2;
		}
		talloc_free(inst);
	}
	t_lookup = (now() - t0) / (double)lookups * 1e6;
	printf("repo lookup: %.1f us per key lookup among %ld instances "
	       "(target < 50)\n",
	       t_lookup, n);
	miss |= t_lookup >= 50.0;

	t0 = now();
	repo_instance_enum(r, mem, "root", "Enum", false, count_cb, &count);
	t_enum = now() - t0;
	printf("repo enum: %ld instances in %.3f s (%.0f/s, target > "
	       "1000000)\n",
	       count, t_enum, (double)count / t_enum);
	miss |= (double)count / t_enum <= 1e6 || count != n_enum;

	talloc_free(mem);
	repo_close(r);
	if (argc <= 1) {
		nftw(dir, rm_one, 16, FTW_DEPTH | FTW_PHYS);
	}
	return miss ? 1 : 0;
}
