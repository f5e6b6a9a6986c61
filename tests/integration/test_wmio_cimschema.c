/*
 * Integration test: every class of the DMTF CIM schema 2.49 survives an
 * MS-WMIO round trip.  The schema is compiled (mof_compile_file) into a
 * repository in a temporary folder; each class is resolved
 * (repo_class_get), encoded with its resolved parent as the ParentClass
 * part, decoded, and compared with the original: names, superclass and
 * derivation, qualifiers and flavors, property types, reference classes,
 * defaults, origins, keys, methods with their parameters.  The parent
 * part is compared with the parent too.
 *
 *   test_wmio_cimschema SRCROOT
 *
 * The schema is found through $OWMI_CIM_SCHEMA or at
 * SRCROOT/../shared/testdata/cim-schema/cim_schema_2.49.0/
 * cim_schema_2.49.0.mof; exit 77 (skipped) when it is absent.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <talloc.h>
#include <time.h>
#include <unistd.h>

#include "../unit/wmio/wmiotest.h"
#include "base/buf.h"
#include "cim/cim.h"
#include "mof/mof.h"
#include "repo/repo.h"
#include "wmio/wmio.h"

#define SKIP 77
#define NS   "root"

struct walk {
	struct repo *r;
	long n, failures;
	size_t bytes;
};

static double now(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

static hresult check_class(void *arg, struct cim_class *cls)
{
	struct walk *w = arg;
	void *mem = talloc_new(NULL);
	struct cim_class *parent = NULL;
	struct wmio_object *o = NULL;
	struct errinfo ei;
	struct wt_why why;
	struct buf b;
	hresult hr;

	w->n++;
	if (cls->superclass != NULL &&
	    hr_failed(
	            repo_class_get(w->r, mem, NS, cls->superclass, &parent))) {
		fprintf(stderr, "FAIL %s: parent %s missing\n", cls->name,
		        cls->superclass);
		w->failures++;
		goto out;
	}
	buf_init(&b, mem);
	hr = wmio_encode_class(&b, cls, parent, "HOST", "root", 0);
	if (hr_failed(hr)) {
		fprintf(stderr, "FAIL %s: encode %s\n", cls->name, hr_name(hr));
		w->failures++;
		goto out;
	}
	w->bytes += b.len;
	err_clear(&ei);
	hr = wmio_decode(mem, (uint8_t *)b.data, b.len, NULL, &o, &ei);
	if (hr_failed(hr)) {
		fprintf(stderr, "FAIL %s: decode %s at %zu: %s\n", cls->name,
		        hr_name(hr), ei.offset, ei.msg);
		w->failures++;
		goto out;
	}
	if (!wt_class(cls, o->cls, &why)) {
		fprintf(stderr, "FAIL %s: %s\n", cls->name, why.msg);
		w->failures++;
	} else if (parent != NULL &&
	           (o->parent == NULL || !wt_class(parent, o->parent, &why))) {
		fprintf(stderr, "FAIL %s: parent part: %s\n", cls->name,
		        o->parent ? why.msg : "missing");
		w->failures++;
	}
out:
	talloc_free(mem);
	return HR_OK;
}

static char *find_schema(void *mem, const char *srcroot)
{
	const char *env = getenv("OWMI_CIM_SCHEMA");
	char *p;

	if (env != NULL && access(env, R_OK) == 0) {
		return talloc_strdup(mem, env);
	}
	p = talloc_asprintf(mem,
	                    "%s/../shared/testdata/cim-schema/"
	                    "cim_schema_2.49.0/cim_schema_2.49.0.mof",
	                    srcroot);
	return access(p, R_OK) == 0 ? p : NULL;
}

int main(int argc, char **argv)
{
	void *mem = talloc_new(NULL);
	struct mof_options opt = { .default_ns = NS };
	struct mof_stats st = { 0 };
	struct walk w = { 0 };
	char dir[] = "/tmp/wmio-cimschema-XXXXXX";
	struct errinfo ei;
	char *schema, *db;
	double t0, t1;
	hresult hr;
	int rc = 1;

	schema = find_schema(mem, argc > 1 ? argv[1] : ".");
	if (schema == NULL) {
		printf("CIM schema not found; set OWMI_CIM_SCHEMA\n");
		talloc_free(mem);
		return SKIP;
	}
	if (mkdtemp(dir) == NULL) {
		perror("mkdtemp");
		return 1;
	}
	db = talloc_asprintf(mem, "%s/repository.db", dir);
	err_clear(&ei);
	hr = repo_open(mem, db, REPO_OPEN_CREATE, &w.r, &ei);
	if (hr_ok(hr)) {
		t0 = now();
		hr = mof_compile_file(w.r, schema, &opt, &st, &ei);
		printf("compiled %u classes in %.1f s\n", st.classes,
		       now() - t0);
	}
	if (hr_failed(hr)) {
		fprintf(stderr, "FAIL setup: %s %s:%u: %s\n", hr_name(hr),
		        ei.file, ei.line, ei.msg);
		goto out;
	}
	t0 = now();
	hr = repo_class_enum(w.r, mem, NS, NULL, true, check_class, &w);
	t1 = now();
	if (hr_failed(hr)) {
		fprintf(stderr, "FAIL enum: %s\n", hr_name(hr));
		goto out;
	}
	printf("%ld classes round-tripped in %.2f s (%zu bytes), %ld "
	       "failures\n",
	       w.n, t1 - t0, w.bytes, w.failures);
	rc = w.failures == 0 && w.n >= 1000 && (uint32_t)w.n == st.classes ? 0
	                                                                   : 1;
out:
	repo_close(w.r);
	unlink(db);
	{
		char *wal = talloc_asprintf(mem, "%s-wal", db);
		char *shm = talloc_asprintf(mem, "%s-shm", db);

		unlink(wal);
		unlink(shm);
	}
	rmdir(dir);
	talloc_free(mem);
	return rc;
}
