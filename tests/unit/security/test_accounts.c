/*
 * Unit tests for security/accounts: the account store, NT hashes and the
 * tokens built from accounts and Unix users.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#include <cmocka.h>

#include <fcntl.h>
#include <pwd.h>
#include <sqlite3.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>
#include <talloc.h>
#include <unistd.h>

#include "security/accounts.h"
#include "security/policy.h"

struct fixture {
	void *mem;
	char dir[64];
	char *path;
	struct sec_accounts *acc;
};

static int setup(void **state)
{
	struct fixture *f = talloc_zero(NULL, struct fixture);

	snprintf(f->dir, sizeof(f->dir), "/tmp/owmi-acc-XXXXXX");
	assert_non_null(mkdtemp(f->dir));
	f->mem = f;
	f->path = talloc_asprintf(f, "%s/accounts.db", f->dir);
	assert_true(hr_ok(sec_accounts_open(f, f->path, true, &f->acc, NULL)));
	*state = f;
	return 0;
}

static int teardown(void **state)
{
	struct fixture *f = *state;
	char *cmd = talloc_asprintf(f, "rm -rf '%s'", f->dir);

	talloc_free(f->acc);
	assert_int_equal(system(cmd), 0);
	talloc_free(f);
	return 0;
}

static void hex16(const uint8_t h[16], char out[33])
{
	for (int i = 0; i < 16; i++) {
		snprintf(out + 2 * i, 3, "%02x", h[i]);
	}
}

static void test_nt_hash_vectors(void **state)
{
	uint8_t h[16];
	char hex[33];

	(void)state;
	/* MS-NLMP 4.2.1: NTOWFv1("Password"). */
	assert_true(hr_ok(sec_nt_hash("Password", h)));
	hex16(h, hex);
	assert_string_equal(hex, "a4f49c406510bdcab6824ee7c30fd852");
	/* The interop captures' password (computed by impacket's MD4). */
	assert_true(hr_ok(sec_nt_hash("Passw0rd!", h)));
	hex16(h, hex);
	assert_string_equal(hex, "fc525c9683e8fe067095ba2ddc971889");
	assert_true(hr_failed(sec_nt_hash("\xff", h)));
}

static void test_file_created_0600(void **state)
{
	struct fixture *f = *state;
	const struct sec_sid *ms = sec_accounts_machine_sid(f->acc);
	struct sec_accounts *again = NULL;
	struct stat st;

	assert_int_equal(stat(f->path, &st), 0);
	assert_int_equal(st.st_mode & 0777, 0600);
	assert_null(sec_accounts_warning(f->acc));
	assert_int_equal(sec_sid_authority(ms), 5);
	assert_int_equal(ms->n_sub, 4);
	assert_int_equal(ms->sub[0], 21);
	assert_true(sec_accounts_domain(f->acc)[0] != '\0');
	/* The machine SID is drawn once: reopening gives the same one. */
	assert_true(hr_ok(sec_accounts_open(f, f->path, false, &again, NULL)));
	assert_true(sec_sid_equal(ms, sec_accounts_machine_sid(again)));
	talloc_free(again);
}

static void test_open_refusals(void **state)
{
	struct fixture *f = *state;
	struct sec_accounts *acc = NULL;
	char *p = talloc_asprintf(f, "%s/missing.db", f->dir);
	char *junk = talloc_asprintf(f, "%s/junk.db", f->dir);
	char *link = talloc_asprintf(f, "%s/link.db", f->dir);
	char *other = talloc_asprintf(f, "%s/other.db", f->dir);
	struct errinfo ei;
	sqlite3 *db = NULL;
	FILE *fp;

	err_clear(&ei);
	assert_true(hr_eq(sec_accounts_open(f, p, false, &acc, &ei),
	                  HR_HR_ERROR_FILE_NOT_FOUND));
	assert_null(acc);
	/* A file that is not a database. */
	fp = fopen(junk, "w");
	assert_non_null(fp);
	fputs("this is not sqlite, just some text that is long enough to "
	      "look like a header of a file of some other kind entirely\n",
	      fp);
	fclose(fp);
	chmod(junk, 0600);
	assert_true(hr_eq(sec_accounts_open(f, junk, false, &acc, NULL),
	                  HR_HR_ERROR_INTERNAL_DB_CORRUPTION));
	/* A symbolic link is refused, even to a good file. */
	assert_int_equal(symlink(f->path, link), 0);
	assert_true(hr_eq(sec_accounts_open(f, link, false, &acc, NULL),
	                  HR_E_ACCESSDENIED));
	/* Another application's database. */
	assert_int_equal(sqlite3_open(other, &db), SQLITE_OK);
	assert_int_equal(
	        sqlite3_exec(db, "CREATE TABLE t(x);", NULL, NULL, NULL),
	        SQLITE_OK);
	sqlite3_close(db);
	chmod(other, 0600);
	assert_true(hr_eq(sec_accounts_open(f, other, true, &acc, NULL),
	                  HR_HR_ERROR_INTERNAL_DB_CORRUPTION));
	assert_null(acc);
}

static void test_mode_repaired(void **state)
{
	struct fixture *f = *state;
	struct sec_accounts *acc = NULL;
	struct stat st;

	assert_int_equal(chmod(f->path, 0644), 0);
	assert_true(hr_ok(sec_accounts_open(f, f->path, false, &acc, NULL)));
	assert_non_null(sec_accounts_warning(acc));
	assert_non_null(strstr(sec_accounts_warning(acc), "0644"));
	assert_int_equal(stat(f->path, &st), 0);
	assert_int_equal(st.st_mode & 0777, 0600);
	talloc_free(acc);
}

static void test_user_add_list_del(void **state)
{
	struct fixture *f = *state;
	struct sec_user_info *users = NULL;
	size_t n = 0;
	uint8_t h[16];
	char hex[33];
	struct errinfo ei;

	assert_true(hr_ok(sec_user_add(f->acc, "alice", "Passw0rd!", NULL)));
	assert_true(hr_ok(sec_user_add(f->acc, "bob", "hunter2", NULL)));
	err_clear(&ei);
	assert_true(hr_eq(sec_user_add(f->acc, "ALICE", "x", &ei),
	                  HR_WBEM_E_ALREADY_EXISTS));
	assert_non_null(strstr(ei.msg, "ALICE"));
	assert_true(hr_eq(sec_user_add(f->acc, "administrators", "x", NULL),
	                  HR_WBEM_E_ALREADY_EXISTS));

	assert_true(hr_ok(sec_user_list(f->acc, f, &users, &n, NULL)));
	assert_int_equal(n, 2);
	assert_string_equal(users[0].name, "alice");
	assert_int_equal(users[0].rid, 1000);
	assert_true(sec_sid_is_in_domain(&users[0].sid,
	                                 sec_accounts_machine_sid(f->acc)));
	assert_int_equal(sec_sid_rid(&users[0].sid), 1000);
	assert_int_equal(users[0].n_groups, 1);
	assert_string_equal(users[0].groups[0], "Users");
	assert_string_equal(users[1].name, "bob");
	assert_int_equal(users[1].rid, 1001);

	/* The NTLM lookup: any domain, case-insensitive names. */
	assert_true(hr_ok(sec_user_get_nt_hash(f->acc, "Alice", "TESTDOM", h)));
	hex16(h, hex);
	assert_string_equal(hex, "fc525c9683e8fe067095ba2ddc971889");
	assert_true(hr_eq(sec_user_get_nt_hash(f->acc, "mallory", "", h),
	                  HR_HR_ERROR_LOGON_FAILURE));

	assert_true(hr_ok(sec_user_del(f->acc, "bob", NULL)));
	assert_true(
	        hr_eq(sec_user_del(f->acc, "bob", NULL), HR_WBEM_E_NOT_FOUND));
	assert_true(hr_eq(sec_user_get_nt_hash(f->acc, "bob", NULL, h),
	                  HR_HR_ERROR_LOGON_FAILURE));
	/* RIDs are never reused. */
	assert_true(hr_ok(sec_user_add(f->acc, "carol", "pw", NULL)));
	assert_true(hr_ok(sec_user_list(f->acc, f, &users, &n, NULL)));
	assert_int_equal(n, 2);
	assert_string_equal(users[1].name, "carol");
	assert_int_equal(users[1].rid, 1002);
}

static void test_user_passwd(void **state)
{
	struct fixture *f = *state;
	uint8_t h[16];
	char hex[33];

	assert_true(hr_ok(sec_user_add(f->acc, "alice", "old", NULL)));
	assert_true(hr_ok(sec_user_passwd(f->acc, "alice", "Password", NULL)));
	assert_true(hr_ok(sec_user_get_nt_hash(f->acc, "alice", NULL, h)));
	hex16(h, hex);
	assert_string_equal(hex, "a4f49c406510bdcab6824ee7c30fd852");
	assert_true(hr_eq(sec_user_passwd(f->acc, "nobody", "x", NULL),
	                  HR_WBEM_E_NOT_FOUND));
	assert_true(hr_eq(sec_user_passwd(f->acc, "alice", "", NULL),
	                  HR_WBEM_E_INVALID_PARAMETER));
}

static void test_bad_names_and_passwords(void **state)
{
	static const char *const bad[] = {
		"",         "a/b",
		"a\\b",     "a:b",
		"a@b",      "a*b",
		"a\tb",     " alice",
		"alice ",   "...",
		". .",      "abcdefghijklmnopqrstu", /* 21 characters */
		"\xc3\x28",
	};
	struct fixture *f = *state;
	char long_pw[300];

	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		assert_true(hr_eq(sec_user_add(f->acc, bad[i], "pw", NULL),
		                  HR_WBEM_E_INVALID_PARAMETER));
	}
	assert_true(hr_ok(
	        sec_user_add(f->acc, "abcdefghijklmnopqrst", "pw", NULL)));
	assert_true(hr_ok(sec_user_add(f->acc, "J\xc3\xb6rg.M", "pw", NULL)));
	memset(long_pw, 'x', sizeof(long_pw) - 1);
	long_pw[sizeof(long_pw) - 1] = '\0';
	assert_true(hr_eq(sec_user_add(f->acc, "eve", long_pw, NULL),
	                  HR_WBEM_E_INVALID_PARAMETER));
	assert_true(hr_eq(sec_user_add(f->acc, "eve", "", NULL),
	                  HR_WBEM_E_INVALID_PARAMETER));
	long_pw[256] = '\0';
	assert_true(hr_ok(sec_user_add(f->acc, "eve", long_pw, NULL)));
}

static void test_groups(void **state)
{
	struct fixture *f = *state;
	struct sec_group_info *groups = NULL;
	size_t n = 0;

	assert_true(hr_ok(sec_user_add(f->acc, "alice", "pw", NULL)));
	assert_true(hr_ok(sec_user_add(f->acc, "bob", "pw", NULL)));
	assert_true(hr_ok(
	        sec_group_add_member(f->acc, "Administrators", "alice", NULL)));
	assert_true(hr_ok(sec_group_add_member(f->acc, "distributed com users",
	                                       "bob", NULL)));
	assert_true(hr_eq(
	        sec_group_add_member(f->acc, "Administrators", "alice", NULL),
	        HR_WBEM_E_ALREADY_EXISTS));
	assert_true(hr_eq(sec_group_add_member(f->acc, "Wheel", "alice", NULL),
	                  HR_WBEM_E_NOT_FOUND));
	assert_true(hr_eq(sec_group_add_member(f->acc, "Users", "zed", NULL),
	                  HR_WBEM_E_NOT_FOUND));

	assert_true(hr_ok(sec_group_list(f->acc, f, NULL, &groups, &n, NULL)));
	assert_int_equal(n, 4);
	assert_string_equal(groups[0].name, "Administrators");
	assert_true(sec_sid_equal(&groups[0].sid, &sec_sid_builtin_admins));
	assert_int_equal(groups[0].n_members, 1);
	assert_string_equal(groups[0].members[0], "alice");
	assert_string_equal(groups[1].name, "Distributed COM Users");
	assert_true(sec_sid_equal(&groups[1].sid, &sec_sid_dcom_users));
	assert_string_equal(groups[2].name, "Performance Log Users");
	assert_int_equal(groups[2].n_members, 0);
	assert_string_equal(groups[3].name, "Users");
	assert_int_equal(groups[3].n_members, 2);

	assert_true(
	        hr_ok(sec_group_list(f->acc, f, "users", &groups, &n, NULL)));
	assert_int_equal(n, 1);
	assert_string_equal(groups[0].members[1], "bob");
	assert_true(hr_eq(sec_group_list(f->acc, f, "Wheel", &groups, &n, NULL),
	                  HR_WBEM_E_NOT_FOUND));

	assert_true(hr_ok(sec_group_remove_member(f->acc, "Administrators",
	                                          "alice", NULL)));
	assert_true(hr_eq(sec_group_remove_member(f->acc, "Administrators",
	                                          "alice", NULL),
	                  HR_WBEM_E_NOT_FOUND));
	/* Deleting a user removes its memberships. */
	assert_true(hr_ok(sec_user_del(f->acc, "bob", NULL)));
	assert_true(hr_ok(sec_group_list(f->acc, f, "Distributed COM Users",
	                                 &groups, &n, NULL)));
	assert_int_equal(groups[0].n_members, 0);
}

static void test_token_admin_and_dcom_user(void **state)
{
	struct fixture *f = *state;
	struct sec_token *admin = NULL;
	struct sec_token *dcom = NULL;
	struct sec_token *local = NULL;
	struct sec_sd *ns = NULL;
	struct sec_sd *launch = NULL;
	struct errinfo ei;

	assert_true(hr_ok(sec_user_add(f->acc, "alice", "pw", NULL)));
	assert_true(hr_ok(sec_user_add(f->acc, "bob", "pw", NULL)));
	assert_true(hr_ok(
	        sec_group_add_member(f->acc, "Administrators", "alice", NULL)));
	assert_true(hr_ok(sec_group_add_member(f->acc, "Distributed COM Users",
	                                       "bob", NULL)));
	assert_true(hr_ok(
	        sec_token_for_user(f->acc, f, "alice", true, &admin, NULL)));
	assert_int_equal(sec_sid_rid(&admin->user), 1000);
	assert_true(sec_token_is_admin(admin));
	assert_true(sec_token_is_network(admin));
	assert_true(sec_token_has_sid(admin, &sec_sid_everyone));
	assert_true(sec_token_has_sid(admin, &sec_sid_authenticated_users));
	assert_true(sec_token_has_sid(admin, &sec_sid_network));
	assert_true(sec_token_has_sid(admin, &sec_sid_builtin_users));
	assert_false(sec_token_has_sid(admin, &sec_sid_interactive));
	assert_string_equal(admin->name, "alice");
	assert_string_equal(admin->domain, sec_accounts_domain(f->acc));
	assert_int_equal(admin->n_groups, 5);

	assert_true(
	        hr_ok(sec_token_for_user(f->acc, f, "bob", true, &dcom, NULL)));
	assert_false(sec_token_is_admin(dcom));
	assert_true(sec_token_has_sid(dcom, &sec_sid_dcom_users));
	assert_true(hr_ok(
	        sec_token_for_user(f->acc, f, "bob", false, &local, NULL)));
	assert_true(sec_token_has_sid(local, &sec_sid_interactive));
	assert_true(sec_token_has_sid(local, &sec_sid_local));
	assert_false(sec_token_has_sid(local, &sec_sid_network));
	assert_true(
	        hr_eq(sec_token_for_user(f->acc, f, "zed", true, &local, NULL),
	              HR_HR_ERROR_LOGON_FAILURE));

	/* What the default policy makes of them (reference 10.1). */
	assert_true(hr_ok(sec_ns_default_sd(f, &ns, NULL)));
	assert_true(hr_ok(sec_ns_check_connect(ns, admin, NULL)));
	err_clear(&ei);
	assert_true(hr_eq(sec_ns_check_connect(ns, dcom, &ei),
	                  HR_WBEM_E_ACCESS_DENIED));
	assert_non_null(strstr(ei.msg, "Remote Enable"));
	assert_true(hr_ok(sec_ns_check_connect(ns, local, NULL)));
	assert_true(hr_ok(sec_sddl_parse(f, SEC_SDDL_MACHINE_LAUNCH_RESTRICTION,
	                                 NULL, &launch, NULL)));
	assert_true(hr_ok(sec_com_access_check(
	        launch, launch, dcom, sec_com_required(SEC_COM_ACTIVATE, true),
	        NULL)));
}

static void test_token_unix(void **state)
{
	struct fixture *f = *state;
	struct sec_token *t = NULL;
	struct passwd *pw = getpwuid(geteuid());
	const uid_t stranger = 4123456789u;

	assert_true(
	        hr_ok(sec_token_for_unix_uid(f->acc, f, stranger, &t, NULL)));
	assert_int_equal(sec_sid_authority(&t->user), 22);
	assert_int_equal(t->user.n_sub, 2);
	assert_int_equal(t->user.sub[0], 1);
	assert_int_equal(t->user.sub[1], stranger);
	assert_int_equal(t->unix_uid, (int64_t)stranger);
	assert_string_equal(t->name, "4123456789");
	assert_true(sec_token_has_sid(t, &sec_sid_builtin_users));
	assert_true(sec_token_has_sid(t, &sec_sid_interactive));
	assert_true(sec_token_has_sid(t, &sec_sid_local));
	assert_false(sec_token_is_network(t));
	assert_false(sec_token_is_admin(t));

	/* root maps to Administrators, with or without an account store. */
	assert_true(hr_ok(sec_token_for_unix_uid(NULL, f, 0, &t, NULL)));
	assert_true(sec_token_is_admin(t));
	assert_int_equal(t->unix_uid, 0);
	assert_true(hr_ok(sec_token_for_unix_uid(f->acc, f, 0, &t, NULL)));
	assert_true(sec_token_is_admin(t));

	/* A Unix user with an account of the same name gets that account. */
	if (pw != NULL && geteuid() != 0 &&
	    hr_ok(sec_user_add(f->acc, pw->pw_name, "pw", NULL))) {
		assert_true(hr_ok(sec_group_add_member(
		        f->acc, "Distributed COM Users", pw->pw_name, NULL)));
		assert_true(hr_ok(sec_token_for_unix_uid(f->acc, f, geteuid(),
		                                         &t, NULL)));
		assert_true(sec_sid_is_in_domain(
		        &t->user, sec_accounts_machine_sid(f->acc)));
		assert_true(sec_token_has_sid(t, &sec_sid_dcom_users));
		assert_int_equal(t->unix_uid, (int64_t)geteuid());
		assert_false(sec_token_is_network(t));
	}
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_nt_hash_vectors),
		cmocka_unit_test_setup_teardown(test_file_created_0600, setup,
		                                teardown),
		cmocka_unit_test_setup_teardown(test_open_refusals, setup,
		                                teardown),
		cmocka_unit_test_setup_teardown(test_mode_repaired, setup,
		                                teardown),
		cmocka_unit_test_setup_teardown(test_user_add_list_del, setup,
		                                teardown),
		cmocka_unit_test_setup_teardown(test_user_passwd, setup,
		                                teardown),
		cmocka_unit_test_setup_teardown(test_bad_names_and_passwords,
		                                setup, teardown),
		cmocka_unit_test_setup_teardown(test_groups, setup, teardown),
		cmocka_unit_test_setup_teardown(test_token_admin_and_dcom_user,
		                                setup, teardown),
		cmocka_unit_test_setup_teardown(test_token_unix, setup,
		                                teardown),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
