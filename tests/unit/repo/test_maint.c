/*
 * Unit tests: verify (with deliberate corruptions), backup, restore,
 * salvage and reset (repo layer).
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#include <cmocka.h>

#include <fcntl.h>
#include <sys/stat.h>

#include "repotest.h"

/* Base(Name key, Value) <- Leaf; instances in both; a qualifier. */
static void fill(struct repo *r)
{
	struct cim_qualifier_decl d = { .name = "Key",
		                        .type = CIM_T_BOOLEAN,
		                        .scope = CIM_SCOPE_PROPERTY };
	char name[32];

	d.def = cim_value_null(CIM_T_BOOLEAN);
	assert_ok(repo_txn_begin(r));
	assert_ok(repo_ns_create(r, "root\\cimv2", NULL));
	assert_ok(repo_qualdecl_put(r, "root\\cimv2", &d, 0, NULL));
	assert_ok(rt_put_keyed(r, "root\\cimv2", "Base", NULL));
	assert_ok(rt_put_keyed(r, "root\\cimv2", "Leaf", "Base"));
	for (int i = 0; i < 200; i++) {
		snprintf(name, sizeof(name), "inst%03d", i);
		assert_ok(rt_put_inst(r, "root\\cimv2", i % 2 ? "Leaf" : "Base",
		                      name, (uint32_t)i, 0));
	}
	assert_ok(repo_autorecover_add(r, "/schema/a.mof"));
	assert_ok(repo_txn_commit(r));
}

static bool report_has(const struct buf *b, const char *s)
{
	return strstr(b->data, s) != NULL;
}

static void test_verify_fresh_and_filled(void **state)
{
	struct rt *t = *state;
	struct buf report;
	char path[256];

	buf_init(&report, t->mem);
	assert_ok(repo_verify(t->path, &report));
	assert_int_equal(report.len, 0);
	fill(t->r);
	assert_ok(repo_verify(t->path, &report));
	assert_int_equal(report.len, 0);
	snprintf(path, sizeof(path), "%s/none.db", t->dir);
	assert_hr(repo_verify(path, &report), HR_HR_ERROR_FILE_NOT_FOUND);
}

static void test_verify_catches_missing_superclass(void **state)
{
	struct rt *t = *state;
	struct buf report;

	buf_init(&report, t->mem);
	fill(t->r);
	assert_int_equal(rt_sql(t->path, "DELETE FROM class WHERE name = "
	                                 "'Base'"),
	                 SQLITE_OK);
	assert_hr(repo_verify(t->path, &report),
	          HR_HR_ERROR_INTERNAL_DB_CORRUPTION);
	assert_true(report_has(&report, "superclass 'Base' is missing"));
	/* Base's own instances lost their class too. */
	assert_true(report_has(&report, "is missing"));
	/* The live handle refuses the class instead of crashing. */
	{
		struct cim_class *c = NULL;

		rt_reopen(t);
		assert_hr(
		        repo_class_get(t->r, t->mem, "root\\cimv2", "Leaf", &c),
		        HR_HR_ERROR_INTERNAL_DB_CORRUPTION);
	}
}

static void test_verify_catches_undecodable_blobs(void **state)
{
	struct rt *t = *state;
	struct buf report;

	buf_init(&report, t->mem);
	fill(t->r);
	assert_int_equal(
	        rt_sql(t->path,
	               "INSERT INTO class(ns, name, super, abstract, blob) "
	               "SELECT id, 'Junk', NULL, 0, x'deadbeef' FROM ns "
	               "WHERE path = 'root';"
	               "UPDATE instance SET blob = x'00ff00ff00ff' WHERE "
	               "keystr = 'Name=\"inst007\"';"
	               "UPDATE qualdecl SET blob = x'01';"),
	        SQLITE_OK);
	assert_hr(repo_verify(t->path, &report),
	          HR_HR_ERROR_INTERNAL_DB_CORRUPTION);
	assert_true(report_has(&report, "class 'Junk' in 'root': definition "
	                                "does not decode"));
	assert_true(report_has(&report, "inst007\": does not decode"));
	assert_true(report_has(&report, "qualifier 'Key'"));
}

static void test_verify_catches_duplicate_keys(void **state)
{
	struct rt *t = *state;
	struct buf report;

	buf_init(&report, t->mem);
	fill(t->r);
	/* Behind our back: drop the unique index and copy a Base instance
	 * into Leaf with the same keys. */
	assert_int_equal(
	        rt_sql(t->path,
	               "DROP INDEX instance_key;"
	               "INSERT INTO instance(class, keystr, keyroot, blob) "
	               "SELECT (SELECT id FROM class WHERE name = 'Leaf'), "
	               "keystr, keyroot, blob FROM instance WHERE keystr = "
	               "'Name=\"inst000\"';"),
	        SQLITE_OK);
	assert_hr(repo_verify(t->path, &report),
	          HR_HR_ERROR_INTERNAL_DB_CORRUPTION);
	assert_true(report_has(&report, "index 'instance_key' is missing"));
	assert_true(report_has(&report, "2 instances share these keys"));
}

static void test_verify_catches_key_mismatch_and_orphans(void **state)
{
	struct rt *t = *state;
	struct buf report;

	buf_init(&report, t->mem);
	fill(t->r);
	assert_int_equal(
	        rt_sql(t->path,
	               "UPDATE instance SET keystr = 'Name=\"other\"' WHERE "
	               "keystr = 'Name=\"inst003\"';"
	               "INSERT INTO ns(parent, name, path) VALUES(999, 'lost', "
	               "'root\\lost');"),
	        SQLITE_OK);
	assert_hr(repo_verify(t->path, &report),
	          HR_HR_ERROR_INTERNAL_DB_CORRUPTION);
	assert_true(report_has(&report, "stored keys do not match"));
	assert_true(report_has(&report, "parent namespace is missing"));
}

static void test_verify_catches_cycles(void **state)
{
	struct rt *t = *state;
	struct buf report;

	buf_init(&report, t->mem);
	/* root: A, B : A.  root\\x: B, A : B.  Then give root's A the
	 * definition "A : B" from root\\x: A : B : A. */
	assert_ok(repo_ns_create(t->r, "root\\x", NULL));
	assert_ok(rt_put_keyed(t->r, "root", "A", NULL));
	assert_ok(rt_put_keyed(t->r, "root", "B", "A"));
	assert_ok(rt_put_keyed(t->r, "root\\x", "B", NULL));
	assert_ok(rt_put_keyed(t->r, "root\\x", "A", "B"));
	assert_ok(repo_verify(t->path, NULL));
	assert_int_equal(
	        rt_sql(t->path,
	               "UPDATE class SET super = 'B', blob = (SELECT c.blob "
	               "FROM class c JOIN ns n ON c.ns = n.id WHERE "
	               "n.path = 'root\\x' AND c.name = 'A') WHERE ns = 1 "
	               "AND name = 'A'"),
	        SQLITE_OK);
	assert_hr(repo_verify(t->path, &report),
	          HR_HR_ERROR_INTERNAL_DB_CORRUPTION);
	assert_true(report_has(&report, "circular superclass chain"));
	/* The live handle reports corruption rather than looping. */
	{
		struct cim_class *c = NULL;

		rt_reopen(t);
		assert_hr(repo_class_get(t->r, t->mem, "root", "B", &c),
		          HR_HR_ERROR_INTERNAL_DB_CORRUPTION);
	}
}

static void copy_file(const char *from, const char *to)
{
	FILE *a = fopen(from, "rb"), *b = fopen(to, "wb");
	char chunk[8192];
	size_t n;

	assert_non_null(a);
	assert_non_null(b);
	while ((n = fread(chunk, 1, sizeof(chunk), a)) > 0) {
		assert_int_equal(fwrite(chunk, 1, n, b), n);
	}
	fclose(a);
	fclose(b);
}

static void test_verify_catches_overwritten_pages(void **state)
{
	struct rt *t = *state;
	char good[256], bad[256];
	struct stat sb;
	long pages;

	fill(t->r);
	repo_close(t->r); /* checkpoints: everything is in the main file */
	t->r = NULL;
	snprintf(good, sizeof(good), "%s/good.db", t->dir);
	snprintf(bad, sizeof(bad), "%s/bad.db", t->dir);
	copy_file(t->path, good);
	assert_int_equal(stat(good, &sb), 0);
	pages = (long)(sb.st_size / 4096);
	assert_true(pages > 4);
	srand(1234);
	for (int round = 0; round < 12; round++) {
		struct buf report;
		uint8_t junk[4096];
		long page = 1 + rand() % (pages - 1);
		int fd;

		/* Round 0 hits the header page, the rest random pages. */
		if (round == 0) {
			page = 0;
		}
		for (size_t i = 0; i < sizeof(junk); i++) {
			junk[i] = (uint8_t)rand();
		}
		copy_file(good, bad);
		fd = open(bad, O_WRONLY);
		assert_true(fd >= 0);
		assert_int_equal(
		        pwrite(fd, junk, sizeof(junk), (off_t)page * 4096),
		        (ssize_t)sizeof(junk));
		close(fd);
		buf_init(&report, t->mem);
		if (!hr_eq(repo_verify(bad, &report),
		           HR_HR_ERROR_INTERNAL_DB_CORRUPTION)) {
			fail_msg("page %ld overwritten but verify passed",
			         page);
		}
		assert_true(report.len > 0);
		buf_release(&report);
	}
	rt_reopen(t);
}

static void test_backup_and_restore(void **state)
{
	struct rt *t = *state;
	struct cim_class *c = NULL;
	char bak[256];

	fill(t->r);
	snprintf(bak, sizeof(bak), "%s/backup.db", t->dir);
	assert_ok(repo_backup(t->r, bak, NULL));
	assert_ok(repo_verify(bak, NULL));
	/* Change the live repository after the backup. */
	assert_ok(rt_put_keyed(t->r, "root", "AfterBackup", NULL));
	assert_ok(repo_class_delete(t->r, "root\\cimv2", "Leaf", NULL));
	assert_ok(repo_txn_begin(t->r));
	assert_hr(repo_backup(t->r, bak, NULL), HR_WBEM_E_UNEXPECTED);
	assert_ok(repo_txn_rollback(t->r));
	repo_close(t->r);
	t->r = NULL;

	assert_ok(repo_restore(bak, t->path, NULL));
	rt_reopen(t);
	assert_non_null(t->r);
	assert_hr(repo_class_get(t->r, t->mem, "root", "AfterBackup", &c),
	          HR_WBEM_E_NOT_FOUND);
	assert_ok(repo_class_get(t->r, t->mem, "root\\cimv2", "Leaf", &c));
	{
		uint64_t n = 0;

		assert_ok(repo_instance_count(t->r, "root\\cimv2", "Base", true,
		                              &n));
		assert_int_equal(n, 200);
	}
	assert_ok(repo_verify(t->path, NULL));
}

static void test_restore_refuses_bad_backup(void **state)
{
	struct rt *t = *state;
	struct errinfo ei;
	char bak[256];
	FILE *f;

	fill(t->r);
	repo_close(t->r);
	t->r = NULL;
	snprintf(bak, sizeof(bak), "%s/missing.db", t->dir);
	assert_hr(repo_restore(bak, t->path, NULL), HR_HR_ERROR_FILE_NOT_FOUND);

	snprintf(bak, sizeof(bak), "%s/garbage.db", t->dir);
	f = fopen(bak, "w");
	for (int i = 0; i < 512; i++) {
		fputs("garbage garbage garbage\n", f);
	}
	fclose(f);
	err_clear(&ei);
	assert_hr(repo_restore(bak, t->path, &ei),
	          HR_HR_ERROR_INTERNAL_DB_CORRUPTION);
	assert_true(strstr(ei.msg, "does not verify") != NULL);

	/* A real but inconsistent backup is refused as well. */
	snprintf(bak, sizeof(bak), "%s/inconsistent.db", t->dir);
	copy_file(t->path, bak);
	assert_int_equal(rt_sql(bak, "DELETE FROM class WHERE name='Base'"),
	                 SQLITE_OK);
	assert_hr(repo_restore(bak, t->path, NULL),
	          HR_HR_ERROR_INTERNAL_DB_CORRUPTION);

	/* The old repository is untouched. */
	assert_ok(repo_verify(t->path, NULL));
	rt_reopen(t);
	{
		struct cim_class *c = NULL;

		assert_ok(repo_class_get(t->r, t->mem, "root\\cimv2", "Base",
		                         &c));
	}
}

struct compiled {
	int calls;
	char last[256];
	bool fail_second;
};

/* A stand-in for the MOF compiler: each "MOF" adds one class. */
static hresult fake_compile(void *arg,
                            struct repo *r,
                            const char *mof,
                            struct errinfo *ei)
{
	struct compiled *c = arg;
	char name[32];

	c->calls++;
	snprintf(c->last, sizeof(c->last), "%s", mof);
	if (c->fail_second && c->calls == 2) {
		return err_set(ei, HR_WBEMMOF_E_ERROR_INVALID_INCLUDE_FILE,
		               "mof", "cannot compile '%s'", mof);
	}
	snprintf(name, sizeof(name), "FromMof%d", c->calls);
	return rt_put_keyed(r, "root", name, NULL);
}

static void test_salvage(void **state)
{
	struct rt *t = *state;
	struct compiled comp = { 0 };
	struct buf report;
	struct cim_class *c = NULL;
	uint64_t n = 0;

	fill(t->r);
	buf_init(&report, t->mem);
	/* Consistent: nothing to do. */
	assert_hr(repo_salvage(t->path, fake_compile, &comp, &report, NULL),
	          HR_S_FALSE);
	assert_int_equal(comp.calls, 0);

	repo_close(t->r);
	t->r = NULL;
	assert_int_equal(
	        rt_sql(t->path,
	               "UPDATE instance SET blob = x'0102' WHERE keystr = "
	               "'Name=\"inst001\"';"
	               "INSERT INTO class(ns, name, super, abstract, blob) "
	               "SELECT id, 'Junk', NULL, 0, x'deadbeef' FROM ns "
	               "WHERE path = 'root';"),
	        SQLITE_OK);
	assert_hr(repo_verify(t->path, NULL),
	          HR_HR_ERROR_INTERNAL_DB_CORRUPTION);
	assert_ok(repo_salvage(t->path, fake_compile, &comp, &report, NULL));
	assert_ok(repo_verify(t->path, NULL));
	assert_true(report_has(&report, "class 'Junk' dropped"));
	assert_true(report_has(&report, "inst001"));
	assert_int_equal(comp.calls, 1);
	assert_string_equal(comp.last, "/schema/a.mof");

	rt_reopen(t);
	assert_ok(repo_class_get(t->r, t->mem, "root\\cimv2", "Leaf", &c));
	assert_ok(repo_class_get(t->r, t->mem, "root", "FromMof1", &c));
	assert_ok(repo_instance_count(t->r, "root\\cimv2", "Base", true, &n));
	assert_int_equal(n, 199);
	{
		struct cim_qualifier_decl *d = NULL;

		assert_ok(repo_qualdecl_get(t->r, t->mem, "root\\cimv2", "key",
		                            &d));
	}
}

static void test_salvage_drops_orphaned_subclasses(void **state)
{
	struct rt *t = *state;
	struct buf report;
	struct cim_class *c = NULL;
	uint64_t n = 0;

	fill(t->r);
	repo_close(t->r);
	t->r = NULL;
	assert_int_equal(rt_sql(t->path, "DELETE FROM class WHERE name = "
	                                 "'Base'"),
	                 SQLITE_OK);
	buf_init(&report, t->mem);
	assert_ok(repo_salvage(t->path, NULL, NULL, &report, NULL));
	assert_ok(repo_verify(t->path, NULL));
	assert_true(report_has(&report, "class 'Leaf' dropped"));
	rt_reopen(t);
	assert_hr(repo_class_get(t->r, t->mem, "root\\cimv2", "Leaf", &c),
	          HR_WBEM_E_NOT_FOUND);
	assert_ok(repo_ns_exists(t->r, "root\\cimv2"));
	assert_hr(repo_instance_count(t->r, "root\\cimv2", "Base", true, &n),
	          HR_WBEM_E_INVALID_CLASS);
}

static void test_reset(void **state)
{
	struct rt *t = *state;
	struct compiled comp = { .fail_second = true };
	struct buf report;
	struct cim_class *c = NULL;
	char **paths = NULL;
	uint32_t n = 0;

	fill(t->r);
	assert_ok(repo_autorecover_add(t->r, "/schema/b.mof"));
	assert_ok(repo_autorecover_add(t->r, "/schema/c.mof"));
	repo_close(t->r);
	t->r = NULL;
	buf_init(&report, t->mem);
	assert_ok(repo_reset(t->path, fake_compile, &comp, &report, NULL));
	assert_int_equal(comp.calls, 3);
	assert_true(report_has(&report, "/schema/b.mof"));
	assert_ok(repo_verify(t->path, NULL));
	rt_reopen(t);
	assert_hr(repo_ns_exists(t->r, "root\\cimv2"),
	          HR_WBEM_E_INVALID_NAMESPACE);
	assert_ok(repo_class_get(t->r, t->mem, "root", "FromMof1", &c));
	assert_hr(repo_class_get(t->r, t->mem, "root", "FromMof2", &c),
	          HR_WBEM_E_NOT_FOUND);
	assert_ok(repo_class_get(t->r, t->mem, "root", "FromMof3", &c));
	assert_ok(repo_autorecover_list(t->r, t->mem, &paths, &n));
	assert_int_equal(n, 3);
	assert_string_equal(paths[0], "/schema/a.mof");
}

static void test_reset_of_unreadable_file(void **state)
{
	struct rt *t = *state;
	FILE *f;

	repo_close(t->r);
	t->r = NULL;
	f = fopen(t->path, "w");
	for (int i = 0; i < 512; i++) {
		fputs("not a database at all\n", f);
	}
	fclose(f);
	assert_ok(repo_reset(t->path, NULL, NULL, NULL, NULL));
	assert_ok(repo_verify(t->path, NULL));
	rt_reopen(t);
	assert_non_null(t->r);
	assert_ok(repo_ns_exists(t->r, "root"));
}

int main(void)
{
	const struct CMUnitTest tests[] = {
#define T(f) cmocka_unit_test_setup_teardown(f, rt_setup, rt_teardown)
		T(test_verify_fresh_and_filled),
		T(test_verify_catches_missing_superclass),
		T(test_verify_catches_undecodable_blobs),
		T(test_verify_catches_duplicate_keys),
		T(test_verify_catches_key_mismatch_and_orphans),
		T(test_verify_catches_cycles),
		T(test_verify_catches_overwritten_pages),
		T(test_backup_and_restore),
		T(test_restore_refuses_bad_backup),
		T(test_salvage),
		T(test_salvage_drops_orphaned_subclasses),
		T(test_reset),
		T(test_reset_of_unreadable_file),
#undef T
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
