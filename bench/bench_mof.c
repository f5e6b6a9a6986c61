/*
 * bench_mof: compile time of the full DMTF CIM schema, offline (run with
 * `meson test --benchmark mof` or directly:
 * bench_mof [--runs N] [--dir DIR] [SCHEMA.mof]).
 *
 *  1. parse only (mof_parse_file), best and median of N runs;
 *  2. parse + store into a fresh repository (mof_compile_file, one
 *     transaction, the file closed after), best and median of N runs
 *     (target < 0.5 s), and the repository file size after it;
 *  3. the baseline beside it: SQLite alone inserting the same rows (one
 *     per stored class and qualifier declaration, with the same blob
 *     sizes, into a table shaped like the repository's) in one
 *     transaction, and the ratio of the store step (2 minus 1) to it.
 *
 * The schema is found as bench_cimschema finds it: the argument,
 * $OWMI_CIM_SCHEMA, or ../shared/testdata/cim-schema/cim_schema_2.49.0/
 * cim_schema_2.49.0.mof from the source root (exit 77 when absent).
 */
#include <sqlite3.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <talloc.h>
#include <time.h>
#include <unistd.h>

#include "mof/mof.h"
#include "repo/repo.h"

#define MAX_RUNS 50

static double now(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

static int cmp_double(const void *a, const void *b)
{
	double x = *(const double *)a, y = *(const double *)b;

	return x < y ? -1 : x > y;
}

/* Sorts [t] and prints best and median. */
static double report(const char *what, double *t, int n, const char *tail)
{
	qsort(t, (size_t)n, sizeof(*t), cmp_double);
	printf("  %-28s best %7.1f ms  median %7.1f ms%s\n", what, t[0] * 1e3,
	       t[n / 2] * 1e3, tail);
	return t[n / 2];
}

static void die(const char *what, hresult hr, const struct errinfo *ei)
{
	fprintf(stderr, "bench_mof: %s: %s %s (%s:%u:%u)\n", what, hr_name(hr),
	        ei != NULL ? ei->msg : "", ei != NULL ? ei->file : "",
	        ei != NULL ? ei->line : 0, ei != NULL ? ei->col : 0);
	exit(1);
}

static void remove_db(const char *path)
{
	char side[600];

	unlink(path);
	snprintf(side, sizeof(side), "%s-wal", path);
	unlink(side);
	snprintf(side, sizeof(side), "%s-shm", path);
	unlink(side);
}

/* The compiled schema lands in root\cimv2, created by the wrapper. */
static void write_wrapper(const char *wrap, const char *schema)
{
	FILE *f = fopen(wrap, "w");

	if (f == NULL) {
		perror(wrap);
		exit(1);
	}
	fprintf(f,
	        "#pragma namespace(\"\\\\\\\\.\\\\root\\\\cimv2\")\n"
	        "#pragma namespace(\"__create\")\n"
	        "#pragma include(\"%s\")\n",
	        schema);
	fclose(f);
}

static double parse_once(const char *wrap, uint32_t *n_items)
{
	void *mem = talloc_new(NULL);
	struct mof_unit *u = NULL;
	struct errinfo ei;
	double t;
	hresult hr;

	err_clear(&ei);
	t = now();
	hr = mof_parse_file(mem, wrap, NULL, &u, &ei);
	t = now() - t;
	if (hr_failed(hr)) {
		die("parse", hr, &ei);
	}
	*n_items = u->n_items;
	talloc_free(mem);
	return t;
}

static double compile_once(const char *wrap,
                           const char *db,
                           struct mof_stats *st)
{
	void *mem = talloc_new(NULL);
	struct repo *r = NULL;
	struct errinfo ei;
	double t;
	hresult hr;

	err_clear(&ei);
	remove_db(db);
	hr = repo_open(mem, db, REPO_OPEN_CREATE, &r, &ei);
	if (hr_failed(hr)) {
		die("repo_open", hr, &ei);
	}
	t = now();
	hr = mof_compile_file(r, wrap, NULL, st, &ei);
	t = now() - t;
	if (hr_failed(hr)) {
		die("compile", hr, &ei);
	}
	repo_close(r);
	talloc_free(mem);
	return t;
}

/*
 * The baseline: the blob sizes of the compiled repository's classes and
 * qualifier declarations, inserted by plain SQLite into a fresh file with
 * the repository's class table and pragmas, in one transaction.
 */
static double sqlite_baseline(const char *db, const char *base, long *rows)
{
	sqlite3 *src = NULL, *dst = NULL;
	sqlite3_stmt *sel = NULL, *ins = NULL;
	int *sizes = NULL;
	long n = 0, cap = 0;
	unsigned char *blob;
	double t;

	sqlite3_open_v2(db, &src, SQLITE_OPEN_READONLY, NULL);
	sqlite3_prepare_v2(src,
	                   "SELECT length(blob) FROM class UNION ALL "
	                   "SELECT length(blob) FROM qualdecl",
	                   -1, &sel, NULL);
	while (sqlite3_step(sel) == SQLITE_ROW) {
		if (n == cap) {
			cap = cap ? cap * 2 : 1024;
			sizes = talloc_realloc(NULL, sizes, int, cap);
		}
		sizes[n++] = sqlite3_column_int(sel, 0);
	}
	sqlite3_finalize(sel);
	sqlite3_close(src);
	blob = talloc_zero_array(NULL, unsigned char, 1 << 20);
	remove_db(base);
	sqlite3_open(base, &dst);
	sqlite3_exec(dst,
	             "PRAGMA journal_mode=WAL; PRAGMA synchronous=NORMAL;"
	             "CREATE TABLE class(id INTEGER PRIMARY KEY, ns INTEGER "
	             "NOT NULL, name TEXT NOT NULL COLLATE NOCASE, super TEXT "
	             "COLLATE NOCASE, abstract INTEGER NOT NULL DEFAULT 0, "
	             "blob BLOB NOT NULL, UNIQUE(ns, name));"
	             "CREATE INDEX class_super ON class(ns, super);",
	             NULL, NULL, NULL);
	t = now();
	sqlite3_exec(dst, "BEGIN IMMEDIATE", NULL, NULL, NULL);
	sqlite3_prepare_v2(dst,
	                   "INSERT INTO class(ns, name, super, blob) "
	                   "VALUES(2, ?1, ?2, ?3)",
	                   -1, &ins, NULL);
	for (long i = 0; i < n; i++) {
		char name[32], super[32];

		snprintf(name, sizeof(name), "CIM_Class%06ld", i);
		snprintf(super, sizeof(super), "CIM_Class%06ld", i / 2);
		sqlite3_bind_text(ins, 1, name, -1, SQLITE_TRANSIENT);
		sqlite3_bind_text(ins, 2, super, -1, SQLITE_TRANSIENT);
		sqlite3_bind_blob(ins, 3, blob,
		                  sizes[i] < (1 << 20) ? sizes[i] : (1 << 20),
		                  SQLITE_STATIC);
		sqlite3_step(ins);
		sqlite3_reset(ins);
	}
	sqlite3_finalize(ins);
	sqlite3_exec(dst, "COMMIT", NULL, NULL, NULL);
	sqlite3_close(dst);
	t = now() - t;
	talloc_free(sizes);
	talloc_free(blob);
	remove_db(base);
	*rows = n;
	return t;
}

static const char *find_schema(void *mem, const char *arg)
{
	const char *env = getenv("OWMI_CIM_SCHEMA");
	const char *cands[3];
	int n = 0;

	if (arg != NULL) {
		cands[n++] = arg;
	}
	if (env != NULL) {
		cands[n++] = env;
	}
	cands[n++] = talloc_asprintf(mem,
	                             "%s/../shared/testdata/cim-schema/"
	                             "cim_schema_2.49.0/cim_schema_2.49.0.mof",
	                             OWMI_SOURCE_ROOT);
	for (int i = 0; i < n; i++) {
		char *abs = realpath(cands[i], NULL);

		if (abs != NULL) {
			const char *r = talloc_strdup(mem, abs);

			free(abs);
			return r;
		}
	}
	return NULL;
}

int main(int argc, char **argv)
{
	void *mem = talloc_new(NULL);
	const char *base = "/tmp", *arg = NULL, *schema;
	double tp[MAX_RUNS], tc[MAX_RUNS], store, tb, size_mb;
	char dir[256], wrap[300], db[300], bdb[300];
	struct mof_stats st;
	struct stat sb;
	uint32_t items = 0;
	int runs = 5;
	long rows = 0;

	for (int i = 1; i < argc; i++) {
		if (strcmp(argv[i], "--runs") == 0 && i + 1 < argc) {
			runs = atoi(argv[++i]);
		} else if (strcmp(argv[i], "--dir") == 0 && i + 1 < argc) {
			base = argv[++i];
		} else {
			arg = argv[i];
		}
	}
	if (runs < 1 || runs > MAX_RUNS) {
		runs = 5;
	}
	schema = find_schema(mem, arg);
	if (schema == NULL) {
		fprintf(stderr, "bench_mof: the DMTF CIM schema was not found "
		                "(give its path or set OWMI_CIM_SCHEMA)\n");
		return 77;
	}
	snprintf(dir, sizeof(dir), "%s/owmi-bench-mof-XXXXXX", base);
	if (mkdtemp(dir) == NULL) {
		perror("mkdtemp");
		return 1;
	}
	snprintf(wrap, sizeof(wrap), "%s/wrap.mof", dir);
	snprintf(db, sizeof(db), "%s/repository.db", dir);
	snprintf(bdb, sizeof(bdb), "%s/baseline.db", dir);
	write_wrapper(wrap, schema);

	printf("[1] full DMTF CIM schema, %d runs each (%s)\n", runs, schema);
	for (int i = 0; i < runs; i++) {
		tp[i] = parse_once(wrap, &items);
	}
	store = -report("parse only:", tp, runs, "");
	for (int i = 0; i < runs; i++) {
		tc[i] = compile_once(wrap, db, &st);
	}
	store += report("parse + store:", tc, runs, "");
	printf("  %-28s %s (median < 500 ms)\n",
	       "target:", tc[runs / 2] < 0.5 ? "MET" : "MISSED");
	printf("  %u items; stored %u classes, %u qualifier declarations, "
	       "%u instances, %u files\n",
	       items, st.classes, st.qualifiers, st.instances, st.files);
	size_mb = stat(db, &sb) == 0 ? (double)sb.st_size / (1 << 20) : -1;
	printf("  repository file after it:  %.2f MiB\n", size_mb);
	tb = sqlite_baseline(db, bdb, &rows);
	printf("[2] baseline: SQLite alone inserts %ld rows of the same blob "
	       "sizes in %.1f ms\n",
	       rows, tb * 1e3);
	printf("  store step (median compile - median parse): %.1f ms, "
	       "%.1fx the baseline\n",
	       store * 1e3, store / tb);
	remove_db(db);
	unlink(wrap);
	rmdir(dir);
	talloc_free(mem);
	return 0;
}
