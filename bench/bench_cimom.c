/*
 * bench_cimom: object manager benchmarks, each printed with its target and
 * a baseline beside it (bench; run with `meson test --benchmark` or
 * directly: bench_cimom [--scale N] [--dir DIR]).
 *
 *  1. enumeration of 100,000 static instances through cimom into a
 *     counting sink (target > 1,000,000/s); baselines: the raw SQLite row
 *     scan of the same rows, and repo_instance_enum with an empty callback
 *     (the decoding cost cimom cannot avoid);
 *  2. key lookup among 1,000,000 instances by ExecQuery with a WHERE that
 *     pins the key (target < 50 us); baselines: repo_instance_get and a
 *     raw SQLite primary-key SELECT;
 *  3. a LIKE scan over 100,000 instances (target < 50 ms).
 * --scale divides the instance counts (e.g. 10 for a quick run).
 */
#include <sqlite3.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <talloc.h>
#include <time.h>
#include <unistd.h>

#include "cim/cim.h"
#include "cimom/cimom.h"
#include "repo/repo.h"

static double now(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

static void die(const char *what, hresult hr)
{
	fprintf(stderr, "bench_cimom: %s: %s\n", what, hr_name(hr));
	exit(1);
}

/* Creates namespace root\cimv2 with class B_Item (key uint32 Id, string
 * Name, uint32 Size) holding [n] instances, in one transaction. */
static struct repo *build(void *mem, const char *path, uint32_t n)
{
	struct repo *r = NULL;
	struct cim_class *c, *rc = NULL;
	struct cim_instance *inst;
	struct cim_value t = { .type = CIM_T_BOOLEAN, .v.b = true };
	struct errinfo ei;
	char name[32];
	double t0 = now();
	hresult hr;

	unlink(path);
	err_clear(&ei);
	hr = repo_open(mem, path, REPO_OPEN_CREATE, &r, &ei);
	if (hr_failed(hr)) {
		die("repo_open", hr);
	}
	repo_ns_create(r, "root\\cimv2", &ei);
	c = cim_class_new(mem, "B_Item", NULL);
	cim_qset_set(c, &cim_class_add_prop(c, "Id", CIM_T_UINT32)->quals,
	             "key", &t, CIM_FLAVOR_DEFAULT);
	cim_class_add_prop(c, "Name", CIM_T_STRING);
	cim_class_add_prop(c, "Size", CIM_T_UINT32);
	hr = repo_class_put(r, "root\\cimv2", c, 0, &ei);
	if (hr_failed(hr)) {
		die("repo_class_put", hr);
	}
	hr = repo_class_get(r, mem, "root\\cimv2", "B_Item", &rc);
	if (hr_failed(hr)) {
		die("repo_class_get", hr);
	}
	inst = cim_instance_new(mem, rc);
	repo_txn_begin(r);
	for (uint32_t i = 0; i < n; i++) {
		struct cim_value id = { .type = CIM_T_UINT32, .v.u = i };
		struct cim_value sz = { .type = CIM_T_UINT32, .v.u = i % 1000 };
		struct cim_value nm = { .type = CIM_T_STRING, .v.s = name };

		snprintf(name, sizeof(name), "item-%07u", i);
		cim_instance_set(inst, "Id", &id);
		cim_instance_set(inst, "Name", &nm);
		cim_instance_set(inst, "Size", &sz);
		hr = repo_instance_put(r, "root\\cimv2", inst, 0, &ei);
		if (hr_failed(hr)) {
			die("repo_instance_put", hr);
		}
	}
	hr = repo_txn_commit(r);
	if (hr_failed(hr)) {
		die("commit", hr);
	}
	printf("  built %u instances in %.2f s (%.0f puts/s)\n", n, now() - t0,
	       n / (now() - t0));
	return r;
}

struct counter {
	uint64_t n;
	uint32_t max;
};

static hresult count_indicate(void *arg, struct cim_object **objs, uint32_t n)
{
	struct counter *c = arg;

	(void)objs;
	c->n += n;
	if (n > c->max) {
		c->max = n;
	}
	return HR_OK;
}

static hresult count_cb(void *arg, struct cim_instance *inst)
{
	(void)inst;
	((struct counter *)arg)->n++;
	return HR_OK;
}

static double raw_scan(const char *path, uint64_t *rows)
{
	sqlite3 *db;
	sqlite3_stmt *st;
	double t0;
	uint64_t bytes = 0;

	sqlite3_open_v2(path, &db, SQLITE_OPEN_READONLY, NULL);
	sqlite3_prepare_v2(db, "SELECT keystr, blob FROM instance", -1, &st,
	                   NULL);
	*rows = 0;
	t0 = now();
	while (sqlite3_step(st) == SQLITE_ROW) {
		bytes += (uint64_t)sqlite3_column_bytes(st, 1);
		(*rows)++;
	}
	t0 = now() - t0;
	sqlite3_finalize(st);
	sqlite3_close(db);
	(void)bytes;
	return t0;
}

static double raw_lookup(const char *path, uint32_t n, uint32_t iters)
{
	sqlite3 *db;
	sqlite3_stmt *st;
	char key[32];
	double t0;

	sqlite3_open_v2(path, &db, SQLITE_OPEN_READONLY, NULL);
	sqlite3_prepare_v2(db,
	                   "SELECT blob FROM instance WHERE class = "
	                   "(SELECT id FROM class WHERE name = 'B_Item') "
	                   "AND keystr = ?",
	                   -1, &st, NULL);
	t0 = now();
	for (uint32_t i = 0; i < iters; i++) {
		snprintf(key, sizeof(key), "Id=%u",
		         (uint32_t)((i * 2654435761u) % n));
		sqlite3_bind_text(st, 1, key, -1, SQLITE_TRANSIENT);
		if (sqlite3_step(st) != SQLITE_ROW) {
			fprintf(stderr, "raw lookup: no row for %s\n", key);
		}
		sqlite3_reset(st);
	}
	t0 = now() - t0;
	sqlite3_finalize(st);
	sqlite3_close(db);
	return t0;
}

static struct cimom_session *session(void *mem,
                                     struct repo *r,
                                     struct cimom **cm)
{
	struct cimom_identity id = { .user = "bench", .pid = 1 };
	struct cimom_config cfg = { .server_name = "BENCH" };
	struct cimom_session *s = NULL;
	hresult hr;

	hr = cimom_new(mem, r, &cfg, cm);
	if (hr_ok(hr)) {
		hr = cimom_session_open(*cm, mem, &id, "root\\cimv2", &s, NULL);
	}
	if (hr_failed(hr)) {
		die("session", hr);
	}
	return s;
}

static void bench_enum(void *mem, const char *dir, uint32_t n)
{
	char path[512];
	struct repo *r;
	struct cimom *cm = NULL;
	struct cimom_session *s;
	struct counter c = { 0 };
	struct cimom_sink sink = { .indicate = count_indicate, .arg = &c };
	uint64_t rows;
	double t, traw, trepo;

	printf("[1] enumeration of %u static instances\n", n);
	snprintf(path, sizeof(path), "%s/enum.db", dir);
	r = build(mem, path, n);
	s = session(mem, r, &cm);
	/* Warm the page cache once. */
	cimom_enum_instances(s, "B_Item", 0, &sink, NULL);
	c.n = 0;
	t = now();
	if (hr_failed(cimom_enum_instances(s, "B_Item", 0, &sink, NULL))) {
		die("enum", HR_E_FAIL);
	}
	t = now() - t;
	traw = raw_scan(path, &rows);
	c.n = 0;
	trepo = now();
	repo_instance_enum(r, mem, "root\\cimv2", "B_Item", false, count_cb,
	                   &c);
	trepo = now() - trepo;
	printf("  cimom enum:            %10.0f inst/s (%.1f ms, batches of "
	       "%u)   target > 1,000,000/s  %s\n",
	       n / t, t * 1e3, c.max, n / t > 1e6 ? "MET" : "MISSED");
	printf("  baseline repo enum:    %10.0f inst/s (%.1f ms; decode, "
	       "no delivery)\n",
	       n / trepo, trepo * 1e3);
	printf("  baseline raw SQLite:   %10.0f rows/s (%.1f ms; %llu rows, "
	       "no decode)\n",
	       rows / traw, traw * 1e3, (unsigned long long)rows);
	printf("  ratio cimom/raw: %.1fx slower, cimom/repo: %.2fx\n", t / traw,
	       t / trepo);
	talloc_free(s);
	talloc_free(cm);
	repo_close(r);
	unlink(path);
}

static void bench_lookup(void *mem, const char *dir, uint32_t n)
{
	char path[512], wql[128], key[32];
	struct repo *r;
	struct cimom *cm = NULL;
	struct cimom_session *s;
	struct counter c = { 0 };
	struct cimom_sink sink = { .indicate = count_indicate, .arg = &c };
	struct cimom_stats st;
	const uint32_t iters = 20000;
	double t, tget, traw, tgo;

	printf("[2] key lookup among %u instances\n", n);
	snprintf(path, sizeof(path), "%s/lookup.db", dir);
	r = build(mem, path, n);
	s = session(mem, r, &cm);
	t = now();
	for (uint32_t i = 0; i < iters; i++) {
		snprintf(wql, sizeof(wql), "SELECT * FROM B_Item WHERE Id = %u",
		         (uint32_t)((i * 2654435761u) % n));
		if (hr_failed(
		            cimom_exec_query(s, "WQL", wql, 0, &sink, NULL))) {
			die("query", HR_E_FAIL);
		}
	}
	t = now() - t;
	cimom_session_stats(s, &st);
	if (c.n != iters || st.index_lookups != iters) {
		fprintf(stderr, "lookup: %llu results, %llu index lookups\n",
		        (unsigned long long)c.n,
		        (unsigned long long)st.index_lookups);
	}
	tgo = now();
	for (uint32_t i = 0; i < iters; i++) {
		struct cim_object *o = NULL;
		void *tmp = talloc_new(mem);

		snprintf(wql, sizeof(wql), "B_Item.Id=%u",
		         (uint32_t)((i * 2654435761u) % n));
		if (hr_failed(cimom_get_object(s, tmp, wql, 0, &o, NULL))) {
			die("get", HR_E_FAIL);
		}
		talloc_free(tmp);
	}
	tgo = now() - tgo;
	tget = now();
	for (uint32_t i = 0; i < iters; i++) {
		struct cim_instance *inst = NULL;
		void *tmp = talloc_new(mem);

		snprintf(key, sizeof(key), "Id=%u",
		         (uint32_t)((i * 2654435761u) % n));
		repo_instance_get(r, tmp, "root\\cimv2", "B_Item", key, &inst);
		talloc_free(tmp);
	}
	tget = now() - tget;
	traw = raw_lookup(path, n, iters);
	printf("  cimom ExecQuery key=:  %8.1f us/lookup   target < 50 us  "
	       "%s (%llu index lookups, 0 scans)\n",
	       t / iters * 1e6, t / iters * 1e6 < 50 ? "MET" : "MISSED",
	       (unsigned long long)st.index_lookups);
	printf("  cimom GetObject:       %8.1f us/lookup\n", tgo / iters * 1e6);
	printf("  baseline repo get:     %8.1f us/lookup\n",
	       tget / iters * 1e6);
	printf("  baseline raw SQLite:   %8.1f us/lookup\n",
	       traw / iters * 1e6);
	talloc_free(s);
	talloc_free(cm);
	repo_close(r);
	unlink(path);
}

static void bench_like(void *mem, const char *dir, uint32_t n)
{
	char path[512];
	struct repo *r;
	struct cimom *cm = NULL;
	struct cimom_session *s;
	struct counter c = { 0 };
	struct cimom_sink sink = { .indicate = count_indicate, .arg = &c };
	uint64_t rows;
	double t, traw;

	printf("[3] LIKE scan over %u instances\n", n);
	snprintf(path, sizeof(path), "%s/like.db", dir);
	r = build(mem, path, n);
	s = session(mem, r, &cm);
	cimom_exec_query(s, "WQL",
	                 "SELECT * FROM B_Item WHERE Name LIKE "
	                 "'%-00[0-4]9%'",
	                 0, &sink, NULL);
	c.n = 0;
	t = now();
	if (hr_failed(cimom_exec_query(s, "WQL",
	                               "SELECT * FROM B_Item WHERE Name LIKE "
	                               "'%-00[0-4]9%'",
	                               0, &sink, NULL))) {
		die("like", HR_E_FAIL);
	}
	t = now() - t;
	traw = raw_scan(path, &rows);
	printf("  cimom LIKE scan:       %8.1f ms (%llu matches)   target < "
	       "50 ms  %s\n",
	       t * 1e3, (unsigned long long)c.n,
	       t * 1e3 < 50 ? "MET" : "MISSED");
	printf("  baseline raw SQLite:   %8.1f ms (row scan, no decode)\n",
	       traw * 1e3);
	talloc_free(s);
	talloc_free(cm);
	repo_close(r);
	unlink(path);
}

int main(int argc, char **argv)
{
	void *mem = talloc_new(NULL);
	char dir[256];
	uint32_t scale = 1;
	const char *base = "/tmp";

	for (int i = 1; i + 1 < argc; i += 2) {
		if (strcmp(argv[i], "--scale") == 0) {
			scale = (uint32_t)strtoul(argv[i + 1], NULL, 10);
		} else if (strcmp(argv[i], "--dir") == 0) {
			base = argv[i + 1];
		}
	}
	if (scale == 0) {
		scale = 1;
	}
	snprintf(dir, sizeof(dir), "%s/owmi-bench-XXXXXX", base);
	if (mkdtemp(dir) == NULL) {
		perror("mkdtemp");
		return 1;
	}
	bench_enum(mem, dir, 100000 / scale);
	bench_like(mem, dir, 100000 / scale);
	bench_lookup(mem, dir, 1000000 / scale);
	rmdir(dir);
	talloc_free(mem);
	return 0;
}
