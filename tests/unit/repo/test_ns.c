/*
 * Unit tests: opening, transactions, namespaces, security descriptors,
 * provider registrations and the autorecover list (repo layer).
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#include <cmocka.h>

#include <dirent.h>

#include "repotest.h"

static void test_fresh_repository_has_root(void **state)
{
	struct rt *t = *state;
	char *canon = NULL;

	assert_ok(repo_ns_exists(t->r, "root"));
	assert_ok(repo_ns_exists(t->r, "ROOT"));
	assert_ok(repo_ns_exists(t->r, "/root/"));
	assert_hr(repo_ns_exists(t->r, "root\\cimv2"),
	          HR_WBEM_E_INVALID_NAMESPACE);
	assert_hr(repo_ns_exists(t->r, ""), HR_WBEM_E_INVALID_NAMESPACE);
	assert_hr(repo_ns_exists(t->r, "root\\\\x"),
	          HR_WBEM_E_INVALID_NAMESPACE);
	assert_ok(repo_ns_canonical(t->r, t->mem, "Root", &canon));
	assert_string_equal(canon, "root");
}

static void test_nested_namespaces(void **state)
{
	struct rt *t = *state;
	char **names = NULL;
	uint32_t n = 0;

	assert_ok(repo_ns_create(t->r, "root\\a", NULL));
	assert_ok(repo_ns_create(t->r, "root\\a\\b", NULL));
	assert_ok(repo_ns_create(t->r, "root/a/C", NULL));
	assert_ok(repo_ns_exists(t->r, "ROOT\\A\\B"));
	assert_ok(repo_ns_exists(t->r, "root/a/c"));
	assert_ok(repo_ns_children(t->r, t->mem, "root\\a", &names, &n));
	assert_int_equal(n, 2);
	assert_string_equal(names[0], "b");
	assert_string_equal(names[1], "C");
	assert_ok(repo_ns_children(t->r, t->mem, "root\\a\\b", &names, &n));
	assert_int_equal(n, 0);
	assert_hr(repo_ns_children(t->r, t->mem, "root\\zz", &names, &n),
	          HR_WBEM_E_INVALID_NAMESPACE);
}

static void test_create_needs_parent(void **state)
{
	struct rt *t = *state;
	struct errinfo ei;

	err_clear(&ei);
	assert_hr(repo_ns_create(t->r, "root\\x\\y", &ei),
	          HR_WBEM_E_INVALID_NAMESPACE);
	assert_true(strstr(ei.msg, "root\\x") != NULL);
	assert_hr(repo_ns_create(t->r, "other", NULL),
	          HR_WBEM_E_INVALID_NAMESPACE);
	assert_hr(repo_ns_exists(t->r, "root\\x"), HR_WBEM_E_INVALID_NAMESPACE);
}

static void test_create_existing_fails(void **state)
{
	struct rt *t = *state;

	assert_ok(repo_ns_create(t->r, "root\\cimv2", NULL));
	assert_hr(repo_ns_create(t->r, "ROOT\\CIMV2", NULL),
	          HR_WBEM_E_ALREADY_EXISTS);
	assert_hr(repo_ns_create(t->r, "root", NULL), HR_WBEM_E_ALREADY_EXISTS);
}

static void test_canonical_keeps_stored_spelling(void **state)
{
	struct rt *t = *state;
	char *canon = NULL;

	assert_ok(repo_ns_create(t->r, "root\\CimV2", NULL));
	assert_ok(repo_ns_canonical(t->r, t->mem, "ROOT/cimv2/", &canon));
	assert_string_equal(canon, "root\\CimV2");
	assert_hr(repo_ns_canonical(t->r, t->mem, "root\\nope", &canon),
	          HR_WBEM_E_INVALID_NAMESPACE);
}

static void test_delete_is_recursive(void **state)
{
	struct rt *t = *state;
	struct cim_class *c = NULL;

	assert_ok(repo_ns_create(t->r, "root\\a", NULL));
	assert_ok(repo_ns_create(t->r, "root\\a\\b", NULL));
	assert_ok(repo_ns_create(t->r, "root\\ab", NULL));
	assert_ok(rt_put_keyed(t->r, "root\\a\\b", "K", NULL));
	assert_ok(rt_put_inst(t->r, "root\\a\\b", "K", "x", 1, 0));
	assert_ok(rt_put_keyed(t->r, "root\\ab", "K", NULL));
	assert_ok(repo_ns_delete(t->r, "root\\A", NULL));
	assert_hr(repo_ns_exists(t->r, "root\\a"), HR_WBEM_E_INVALID_NAMESPACE);
	assert_hr(repo_ns_exists(t->r, "root\\a\\b"),
	          HR_WBEM_E_INVALID_NAMESPACE);
	assert_hr(repo_class_get(t->r, t->mem, "root\\a\\b", "K", &c),
	          HR_WBEM_E_INVALID_NAMESPACE);
	/* A sibling with a common prefix survives. */
	assert_ok(repo_ns_exists(t->r, "root\\ab"));
	assert_ok(repo_class_get(t->r, t->mem, "root\\ab", "K", &c));
	assert_hr(repo_ns_delete(t->r, "root", NULL),
	          HR_WBEM_E_INVALID_OPERATION);
	assert_hr(repo_ns_delete(t->r, "root\\a", NULL),
	          HR_WBEM_E_INVALID_NAMESPACE);
	assert_ok(repo_verify(t->path, NULL));
}

static void put_namespace_class(struct repo *r, const char *ns)
{
	void *mem = talloc_new(NULL);
	struct cim_class *c = rt_class(mem, "__NAMESPACE", NULL);

	rt_prop(c, "Name", CIM_T_STRING, true);
	assert_ok(repo_class_put(r, ns, c, 0, NULL));
	talloc_free(mem);
}

static void test_namespace_instances_follow_namespaces(void **state)
{
	struct rt *t = *state;
	struct cim_instance *inst = NULL;
	uint64_t n = 0;

	put_namespace_class(t->r, "root");
	assert_ok(repo_ns_create(t->r, "root\\x", NULL));
	assert_ok(repo_instance_get(t->r, t->mem, "root", "__NAMESPACE",
	                            "Name=\"x\"", &inst));
	assert_string_equal(cim_instance_get(inst, "Name")->v.s, "x");

	/* Creating the instance creates the namespace. */
	assert_ok(rt_put_inst(t->r, "root", "__NAMESPACE", "y", 0, 0));
	assert_ok(repo_ns_exists(t->r, "root\\y"));
	assert_ok(repo_instance_count(t->r, "root", "__NAMESPACE", true, &n));
	assert_int_equal(n, 2);

	/* Deleting the instance deletes the namespace, and back. */
	assert_ok(repo_instance_delete(t->r, "root", "__NAMESPACE",
	                               "Name=\"y\"", NULL));
	assert_hr(repo_ns_exists(t->r, "root\\y"), HR_WBEM_E_INVALID_NAMESPACE);
	assert_ok(repo_ns_delete(t->r, "root\\x", NULL));
	assert_hr(repo_instance_get(t->r, t->mem, "root", "__NAMESPACE",
	                            "Name=\"x\"", &inst),
	          HR_WBEM_E_NOT_FOUND);
	assert_ok(repo_verify(t->path, NULL));
}

/* A new namespace gets its parent's system classes (the __ tree), as on
 * Windows, by either way of creating it; user classes stay behind. */
static void test_new_namespace_has_system_classes(void **state)
{
	struct rt *t = *state;
	struct cim_class *sys = rt_class(t->mem, "__SystemClass", NULL);
	struct cim_class *prov = rt_class(t->mem, "__Provider",
	                                  "__SystemClass");
	struct cim_class *user = rt_class(t->mem, "User_Thing", NULL);
	struct cim_class *got = NULL;
	const char *nss[] = { "root\\x", "root\\y", "root\\x\\z" };

	rt_prop(prov, "Name", CIM_T_STRING, true);
	rt_prop(user, "Id", CIM_T_UINT32, true);
	put_namespace_class(t->r, "root");
	assert_ok(repo_class_put(t->r, "root", sys, 0, NULL));
	assert_ok(repo_class_put(t->r, "root", prov, 0, NULL));
	assert_ok(repo_class_put(t->r, "root", user, 0, NULL));

	assert_ok(repo_ns_create(t->r, "root\\x", NULL));
	assert_ok(rt_put_inst(t->r, "root", "__NAMESPACE", "y", 0, 0));
	assert_ok(repo_ns_create(t->r, "root\\x\\z", NULL));
	for (size_t i = 0; i < sizeof(nss) / sizeof(nss[0]); i++) {
		assert_ok(repo_class_get(t->r, t->mem, nss[i], "__Provider",
		                         &got));
		assert_string_equal(got->superclass, "__SystemClass");
		assert_true(cim_class_find_prop(got, "Name") >= 0);
		assert_ok(repo_class_get(t->r, t->mem, nss[i], "__NAMESPACE",
		                         &got));
		assert_hr(repo_class_get(t->r, t->mem, nss[i], "User_Thing",
		                         &got),
		          HR_WBEM_E_NOT_FOUND);
	}
	/* The copies are the namespace's own: deleting one leaves root's. */
	assert_ok(repo_class_delete(t->r, "root\\x", "__Provider", NULL));
	assert_ok(repo_class_get(t->r, t->mem, "root", "__Provider", &got));
	assert_ok(repo_verify(t->path, NULL));
}

static void test_sd_inherits_from_nearest_ancestor(void **state)
{
	struct rt *t = *state;
	const uint8_t sd_root[] = { 1, 0, 4, 0x80, 9 };
	const uint8_t sd_a[] = { 1, 0, 4, 0x80, 7, 7 };
	uint8_t *sd = NULL;
	size_t len = 0;
	char *from = NULL;

	assert_ok(repo_ns_create(t->r, "root\\a", NULL));
	assert_ok(repo_ns_create(t->r, "root\\a\\b", NULL));
	assert_hr(repo_ns_sd_get(t->r, t->mem, "root\\a\\b", &sd, &len, &from),
	          HR_WBEM_E_NOT_FOUND);
	assert_ok(repo_ns_sd_set(t->r, "root", sd_root, sizeof(sd_root), NULL));
	assert_hr(repo_ns_sd_get(t->r, t->mem, "root\\a\\b", &sd, &len, &from),
	          HR_S_FALSE);
	assert_string_equal(from, "root");
	assert_int_equal(len, sizeof(sd_root));
	assert_memory_equal(sd, sd_root, len);

	assert_ok(repo_ns_sd_set(t->r, "root\\a", sd_a, sizeof(sd_a), NULL));
	assert_hr(repo_ns_sd_get(t->r, t->mem, "root\\a\\b", &sd, &len, &from),
	          HR_S_FALSE);
	assert_string_equal(from, "root\\a");
	assert_memory_equal(sd, sd_a, sizeof(sd_a));
	assert_ok(repo_ns_sd_get(t->r, t->mem, "root\\a", &sd, &len, NULL));
	assert_int_equal(len, sizeof(sd_a));

	/* Removing it makes the namespace inherit again. */
	assert_ok(repo_ns_sd_set(t->r, "root\\a", NULL, 0, NULL));
	assert_hr(repo_ns_sd_get(t->r, t->mem, "root\\a", &sd, &len, &from),
	          HR_S_FALSE);
	assert_string_equal(from, "root");
	assert_hr(repo_ns_sd_set(t->r, "root\\q", sd_a, sizeof(sd_a), NULL),
	          HR_WBEM_E_INVALID_NAMESPACE);
}

static void test_provider_registrations(void **state)
{
	struct rt *t = *state;
	const uint8_t blob[] = { 'p', 'r', 'o', 'v' };
	uint8_t *got = NULL;
	size_t len = 0;
	char **names = NULL;
	uint32_t n = 0;

	assert_ok(repo_provider_set(t->r, "root", "ProvB", blob, 4, NULL));
	assert_ok(repo_provider_set(t->r, "root", "ProvA", blob, 2, NULL));
	assert_ok(repo_provider_get(t->r, t->mem, "root", "provb", &got, &len));
	assert_int_equal(len, 4);
	assert_memory_equal(got, blob, 4);
	assert_ok(repo_provider_list(t->r, t->mem, "root", &names, &n));
	assert_int_equal(n, 2);
	assert_string_equal(names[0], "ProvA");
	assert_ok(repo_provider_set(t->r, "root", "ProvA", NULL, 0, NULL));
	assert_hr(repo_provider_get(t->r, t->mem, "root", "ProvA", &got, &len),
	          HR_WBEM_E_NOT_FOUND);
	assert_hr(repo_provider_list(t->r, t->mem, "root\\no", &names, &n),
	          HR_WBEM_E_INVALID_NAMESPACE);
}

static void test_autorecover_list_keeps_order(void **state)
{
	struct rt *t = *state;
	char **paths = NULL;
	uint32_t n = 0;

	assert_ok(repo_autorecover_add(t->r, "/x/b.mof"));
	assert_ok(repo_autorecover_add(t->r, "/x/a.mof"));
	assert_ok(repo_autorecover_add(t->r, "/x/b.mof"));
	assert_ok(repo_autorecover_list(t->r, t->mem, &paths, &n));
	assert_int_equal(n, 2);
	assert_string_equal(paths[0], "/x/b.mof");
	assert_string_equal(paths[1], "/x/a.mof");
	assert_ok(repo_autorecover_remove(t->r, "/x/b.mof"));
	assert_hr(repo_autorecover_remove(t->r, "/x/b.mof"),
	          HR_WBEM_E_NOT_FOUND);
	assert_ok(repo_autorecover_list(t->r, t->mem, &paths, &n));
	assert_int_equal(n, 1);
	assert_string_equal(paths[0], "/x/a.mof");
}

static void test_nested_transactions(void **state)
{
	struct rt *t = *state;

	assert_hr(repo_txn_commit(t->r), HR_WBEM_E_UNEXPECTED);
	assert_hr(repo_txn_rollback(t->r), HR_WBEM_E_UNEXPECTED);
	assert_ok(repo_txn_begin(t->r));
	assert_ok(repo_ns_create(t->r, "root\\a", NULL));
	assert_ok(repo_txn_begin(t->r));
	assert_int_equal(repo_txn_depth(t->r), 2);
	assert_ok(repo_ns_create(t->r, "root\\b", NULL));
	assert_ok(repo_txn_rollback(t->r));
	assert_hr(repo_ns_exists(t->r, "root\\b"), HR_WBEM_E_INVALID_NAMESPACE);
	/* A failing write inside a transaction undoes only itself. */
	assert_hr(repo_ns_create(t->r, "root\\a", NULL),
	          HR_WBEM_E_ALREADY_EXISTS);
	assert_ok(repo_ns_create(t->r, "root\\c", NULL));
	assert_ok(repo_txn_commit(t->r));
	assert_int_equal(repo_txn_depth(t->r), 0);
	assert_ok(repo_ns_exists(t->r, "root\\a"));
	assert_ok(repo_ns_exists(t->r, "root\\c"));

	assert_ok(repo_txn_begin(t->r));
	assert_ok(repo_ns_create(t->r, "root\\d", NULL));
	assert_ok(rt_put_keyed(t->r, "root", "InTxn", NULL));
	assert_ok(repo_txn_rollback(t->r));
	assert_hr(repo_ns_exists(t->r, "root\\d"), HR_WBEM_E_INVALID_NAMESPACE);
	{
		struct cim_class *c = NULL;

		assert_hr(repo_class_get(t->r, t->mem, "root", "InTxn", &c),
		          HR_WBEM_E_NOT_FOUND);
	}
}

static void test_readonly_refuses_writes(void **state)
{
	struct rt *t = *state;
	struct repo *ro = NULL;

	assert_ok(repo_ns_create(t->r, "root\\a", NULL));
	assert_ok(repo_open(t->mem, t->path, REPO_OPEN_READONLY, &ro, NULL));
	assert_ok(repo_ns_exists(ro, "root\\a"));
	assert_hr(repo_ns_create(ro, "root\\b", NULL), HR_E_ACCESSDENIED);
	assert_hr(repo_txn_begin(ro), HR_E_ACCESSDENIED);
	repo_close(ro);
	assert_hr(repo_open(t->mem, t->path,
	                    REPO_OPEN_READONLY | REPO_OPEN_CREATE, &ro, NULL),
	          HR_E_INVALIDARG);
}

static void test_open_errors(void **state)
{
	struct rt *t = *state;
	struct repo *r = NULL;
	char path[256];
	FILE *f;

	snprintf(path, sizeof(path), "%s/missing.db", t->dir);
	assert_hr(repo_open(t->mem, path, 0, &r, NULL),
	          HR_HR_ERROR_FILE_NOT_FOUND);
	assert_null(r);

	snprintf(path, sizeof(path), "%s/text.db", t->dir);
	f = fopen(path, "w");
	assert_non_null(f);
	fputs("this is not a database, not even close to one.\n", f);
	for (int i = 0; i < 100; i++) {
		fputs("0123456789abcdef0123456789abcdef\n", f);
	}
	fclose(f);
	assert_hr(repo_open(t->mem, path, 0, &r, NULL),
	          HR_HR_ERROR_INTERNAL_DB_CORRUPTION);

	snprintf(path, sizeof(path), "%s/other.db", t->dir);
	assert_int_equal(rt_sql(path, "CREATE TABLE x(y)"), SQLITE_OK);
	assert_hr(repo_open(t->mem, path, REPO_OPEN_CREATE, &r, NULL),
	          HR_HR_ERROR_INTERNAL_DB_CORRUPTION);

	assert_int_equal(rt_sql(t->path, "UPDATE meta SET value = 99 WHERE "
	                                 "key = 'schema_version'"),
	                 SQLITE_OK);
	assert_hr(repo_open(t->mem, t->path, 0, &r, NULL),
	          HR_WBEM_E_DATABASE_VER_MISMATCH);
}

static void test_create_leaves_no_temporary_files(void **state)
{
	struct rt *t = *state;
	struct repo *r = NULL;
	char path[256];
	struct dirent *d;
	DIR *dir;
	int n_db = 0;

	snprintf(path, sizeof(path), "%s/second.db", t->dir);
	assert_ok(repo_open(t->mem, path, REPO_OPEN_CREATE, &r, NULL));
	assert_ok(repo_ns_exists(r, "root"));
	repo_close(r);
	assert_ok(repo_verify(path, NULL));
	dir = opendir(t->dir);
	assert_non_null(dir);
	while ((d = readdir(dir)) != NULL) {
		if (strstr(d->d_name, ".tmp-") != NULL) {
			fail_msg("temporary file '%s' left behind", d->d_name);
		}
		n_db += strcmp(d->d_name, "second.db") == 0;
	}
	closedir(dir);
	assert_int_equal(n_db, 1);
}

static void test_reopen_keeps_content(void **state)
{
	struct rt *t = *state;

	assert_ok(repo_ns_create(t->r, "root\\kept", NULL));
	assert_ok(rt_put_keyed(t->r, "root\\kept", "K", NULL));
	rt_reopen(t);
	assert_non_null(t->r);
	assert_ok(repo_ns_exists(t->r, "root\\kept"));
	assert_string_equal(repo_path(t->r), t->path);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
#define T(f) cmocka_unit_test_setup_teardown(f, rt_setup, rt_teardown)
		T(test_fresh_repository_has_root),
		T(test_nested_namespaces),
		T(test_create_needs_parent),
		T(test_create_existing_fails),
		T(test_canonical_keeps_stored_spelling),
		T(test_delete_is_recursive),
		T(test_namespace_instances_follow_namespaces),
		T(test_new_namespace_has_system_classes),
		T(test_sd_inherits_from_nearest_ancestor),
		T(test_provider_registrations),
		T(test_autorecover_list_keeps_order),
		T(test_nested_transactions),
		T(test_readonly_refuses_writes),
		T(test_open_errors),
		T(test_create_leaves_no_temporary_files),
		T(test_reopen_keeps_content),
#undef T
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
