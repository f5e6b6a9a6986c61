/*
 * Allocation-failure loops (STYLE.md section 11) over repository
 * transactions.  SQLite's heap goes through base/alloc.h
 * (oom_route_sqlite), so every allocation of a run, talloc's and
 * SQLite's, fails once in turn (tests/unit/oomtest.h).  After each run the
 * file must verify (repo_verify) and hold either the whole transaction or
 * none of it.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <talloc.h>
#include <unistd.h>

#include <cmocka.h>

#define OOMTEST_SQLITE
#include "../oomtest.h"
#include "cim/cim.h"
#include "repo/repo.h"

struct fix {
	char dir[64];
	char path[128];
	struct repo *r;       /* open across runs (write loop) */
	struct cim_class *lc; /* the local class the transaction stores */
	struct cim_class *base;
};

static void key_qual(void *mem, struct cim_qualifier_set *qs)
{
	struct cim_value t = { .type = CIM_T_BOOLEAN, .v.b = true };

	assert_true(
	        hr_ok(cim_qset_set(mem, qs, "key", &t, CIM_FLAVOR_DEFAULT)));
}

/* A repository with root\test and class T_Base (key Name). */
static struct fix *fix_new(void)
{
	struct fix *f = talloc_zero(NULL, struct fix);
	struct cim_class *c;
	struct errinfo ei;

	assert_non_null(f);
	err_clear(&ei);
	snprintf(f->dir, sizeof(f->dir), "/tmp/owmi-oom-XXXXXX");
	assert_non_null(mkdtemp(f->dir));
	snprintf(f->path, sizeof(f->path), "%s/repository.db", f->dir);
	assert_true(hr_ok(repo_open(f, f->path, REPO_OPEN_CREATE, &f->r, &ei)));
	assert_true(hr_ok(repo_ns_create(f->r, "root\\test", &ei)));
	c = cim_class_new(f, "T_Base", NULL);
	key_qual(c, &cim_class_add_prop(c, "Name", CIM_T_STRING)->quals);
	cim_class_add_prop(c, "Size", CIM_T_UINT32);
	assert_true(hr_ok(repo_class_put(f->r, "root\\test", c, 0, &ei)));
	f->lc = cim_class_new(f, "T_Leaf", "T_Base");
	cim_class_add_prop(f->lc, "Extra", CIM_T_STRING);
	cim_class_add_prop(f->lc, "Tags", CIM_T_STRING | CIM_FLAG_ARRAY);
	return f;
}

static void fix_free(struct fix *f)
{
	char wal[160];

	repo_close(f->r);
	unlink(f->path);
	snprintf(wal, sizeof(wal), "%s-wal", f->path);
	unlink(wal);
	snprintf(wal, sizeof(wal), "%s-shm", f->path);
	unlink(wal);
	rmdir(f->dir);
	talloc_free(f);
}

/* One transaction: a new subclass and an instance of it. */
static hresult put_txn(void *mem, void *arg)
{
	struct fix *f = arg;
	struct cim_class *rc = NULL;
	struct cim_instance *inst;
	struct cim_value name = { .type = CIM_T_STRING, .v.s = "one" };
	struct cim_value extra = { .type = CIM_T_STRING, .v.s = "x" };
	struct errinfo ei;
	hresult hr;

	err_clear(&ei);
	hr = repo_txn_begin(f->r);
	if (hr_failed(hr)) {
		return hr;
	}
	hr = repo_class_put(f->r, "root\\test", f->lc, 0, &ei);
	if (hr_ok(hr)) {
		hr = repo_class_get(f->r, mem, "root\\test", "T_Leaf", &rc);
	}
	if (hr_ok(hr)) {
		inst = cim_instance_new(mem, rc);
		hr = inst != NULL ? cim_instance_set(inst, "Name", &name)
		                  : HR_E_OUTOFMEMORY;
		if (hr_ok(hr)) {
			hr = cim_instance_set(inst, "Extra", &extra);
		}
		if (hr_ok(hr)) {
			hr = repo_instance_put(f->r, "root\\test", inst, 0,
			                       &ei);
		}
	}
	if (hr_ok(hr)) {
		hr = repo_txn_commit(f->r);
	} else {
		repo_txn_rollback(f->r);
	}
	return hr;
}

/* After each run: the file verifies and holds all of the run or none. */
static void check_and_reset(void *arg, hresult hr)
{
	struct fix *f = arg;
	void *tmp = talloc_new(NULL);
	struct cim_class *c = NULL;
	struct cim_instance *inst = NULL;
	struct buf report;
	hresult has_class, has_inst;

	buf_init(&report, tmp);
	if (hr_failed(repo_verify(f->path, &report))) {
		fail_msg("after %s the repository does not verify: %s",
		         hr_name(hr), report.data);
	}
	has_class = repo_class_get(f->r, tmp, "root\\test", "T_Leaf", &c);
	has_inst = repo_instance_get(f->r, tmp, "root\\test", "T_Base",
	                             "Name=\"one\"", &inst);
	if (hr_ok(hr)) {
		assert_true(hr_ok(has_class) && hr_ok(has_inst));
		assert_true(hr_ok(
		        repo_class_delete(f->r, "root\\test", "T_Leaf", NULL)));
	} else {
		assert_true(hr_eq(has_class, HR_WBEM_E_NOT_FOUND));
		assert_true(hr_eq(has_inst, HR_WBEM_E_NOT_FOUND));
	}
	if (repo_txn_depth(f->r) != 0) {
		fail_msg("after %s a transaction is still open (depth %u)",
		         hr_name(hr), repo_txn_depth(f->r));
	}
	talloc_free(tmp);
}

static void test_transaction_every_failure(void **state)
{
	struct fix *f = fix_new();
	struct oom_loop l = { .body = put_txn,
		              .after = check_and_reset,
		              .arg = f,
		              .flags = OOM_STATEFUL };

	(void)state;
	for_each_alloc_failure(&l);
	fix_free(f);
}

/* Open, read a resolved class and an instance, close. */
static hresult open_read(void *mem, void *arg)
{
	struct fix *f = arg;
	struct repo *r = NULL;
	struct cim_class *c = NULL;
	hresult hr = repo_open(mem, f->path, 0, &r, NULL);

	if (hr_ok(hr)) {
		hr = repo_class_get(r, mem, "root\\test", "T_Base", &c);
		repo_close(r);
	}
	return hr;
}

static void test_open_and_read_every_failure(void **state)
{
	struct fix *f = fix_new();
	/* Stateful: SQLite keeps process-wide state between opens (its
	 * list of open inodes, the first open's one-time setup). */
	struct oom_loop l = { .body = open_read,
		              .arg = f,
		              .flags = OOM_STATEFUL };

	(void)state;
	for_each_alloc_failure(&l);
	fix_free(f);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_transaction_every_failure),
		cmocka_unit_test(test_open_and_read_every_failure),
	};

	oom_route_sqlite();
	return cmocka_run_group_tests(tests, NULL, NULL);
}
