/*
 * The resolved-class cache after class writes: a write drops only the
 * written class and its cached descendants (repo-int.h), so every
 * descendant must see the change at once, unrelated classes must keep
 * resolving, and rollbacks and other connections' writes must still be
 * seen.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>

#include <cmocka.h>

#include "repotest.h"

#define NS "root"

static void put(struct rt *t,
                const char *name,
                const char *super,
                const char *const *props,
                bool key)
{
	struct cim_class *c = rt_class(t, name, super);
	struct errinfo ei;

	err_clear(&ei);
	if (key) {
		rt_prop(c, "Id", CIM_T_STRING, true);
	}
	for (; props != NULL && *props != NULL; props++) {
		rt_prop(c, *props, CIM_T_UINT32, false);
	}
	if (hr_failed(repo_class_put(t->r, NS, c, 0, &ei))) {
		fail_msg("put %s: %s", name, ei.msg);
	}
}

/* True when resolved class [name] (read through [r]) has property [p]. */
static bool has(struct repo *r, const char *name, const char *p)
{
	void *tmp = talloc_new(NULL);
	struct cim_class *c = NULL;
	bool yes;

	assert_true(hr_ok(repo_class_get(r, tmp, NS, name, &c)));
	yes = cim_class_find_prop(c, p) >= 0;
	talloc_free(tmp);
	return yes;
}

static int setup(void **state)
{
	return rt_setup(state);
}

static int teardown(void **state)
{
	return rt_teardown(state);
}

/* A -> B -> C, and X apart; all cached before the writes. */
static void build(struct rt *t)
{
	put(t, "T_A", NULL, NULL, true);
	put(t, "T_B", "T_A", NULL, false);
	put(t, "T_C", "T_B", NULL, false);
	put(t, "T_X", NULL, NULL, true);
	assert_false(has(t->r, "T_C", "P"));
	assert_false(has(t->r, "T_X", "P"));
}

static void test_update_reaches_cached_descendants(void **state)
{
	struct rt *t = *state;

	build(t);
	put(t, "T_A", NULL, (const char *const[]){ "P", NULL }, true);
	assert_true(has(t->r, "T_B", "P"));
	assert_true(has(t->r, "T_C", "P"));
	assert_false(has(t->r, "T_X", "P"));
	put(t, "T_B", "T_A", (const char *const[]){ "Q", NULL }, false);
	assert_true(has(t->r, "T_C", "Q"));
	assert_true(has(t->r, "T_C", "P"));
	assert_false(has(t->r, "T_A", "Q"));
}

static void test_new_class_leaves_cache_usable(void **state)
{
	struct rt *t = *state;

	build(t);
	put(t, "T_D", "T_C", (const char *const[]){ "R", NULL }, false);
	assert_true(has(t->r, "T_D", "R"));
	assert_true(has(t->r, "T_D", "Id"));
	assert_false(has(t->r, "T_C", "R"));
}

static void test_rollback_undoes_cached_update(void **state)
{
	struct rt *t = *state;

	build(t);
	assert_true(hr_ok(repo_txn_begin(t->r)));
	put(t, "T_A", NULL, (const char *const[]){ "S", NULL }, true);
	assert_true(has(t->r, "T_C", "S"));
	assert_true(hr_ok(repo_txn_rollback(t->r)));
	assert_false(has(t->r, "T_C", "S"));
	assert_false(has(t->r, "T_A", "S"));
}

static void test_other_connection_update_is_seen(void **state)
{
	struct rt *t = *state;
	struct repo *r2 = NULL;
	struct cim_class *c = rt_class(t, "T_A", NULL);

	build(t);
	assert_true(hr_ok(repo_open(t, t->path, 0, &r2, NULL)));
	assert_false(has(r2, "T_C", "W"));
	rt_prop(c, "Id", CIM_T_STRING, true);
	rt_prop(c, "W", CIM_T_UINT32, false);
	assert_true(hr_ok(repo_class_put(t->r, NS, c, 0, NULL)));
	assert_true(has(r2, "T_C", "W"));
	repo_close(r2);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup_teardown(
		        test_update_reaches_cached_descendants, setup,
		        teardown),
		cmocka_unit_test_setup_teardown(
		        test_new_class_leaves_cache_usable, setup, teardown),
		cmocka_unit_test_setup_teardown(
		        test_rollback_undoes_cached_update, setup, teardown),
		cmocka_unit_test_setup_teardown(
		        test_other_connection_update_is_seen, setup, teardown),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
