/*
 * Crash test of the repository layer: a child process rewrites a large
 * batch (50 classes and 2,000 instances in one transaction, generation
 * after generation) and the parent kills it with SIGKILL at random
 * moments, 60 times.  After every kill the file must verify, and its
 * content must be exactly one whole generation: the last one the child
 * reported as committed, or the one after it (committed but not yet
 * reported), never a mixture.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#include <cmocka.h>

#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <sys/wait.h>
#include <time.h>

#include "repotest.h"

#define N_KILLS   60
#define N_CLASSES 50
#define N_INST    2000

/* Reads the committed generation (0 when none) from the Marker. */
static hresult read_gen(struct repo *r, void *mem, uint64_t *gen)
{
	struct cim_instance *inst = NULL;
	hresult hr = repo_instance_get(r, mem, "root", "Marker", "Name=\"m\"",
	                               &inst);

	if (hr_eq(hr, HR_WBEM_E_NOT_FOUND)) {
		*gen = 0;
		return HR_OK;
	}
	if (hr_ok(hr)) {
		*gen = cim_instance_get(inst, "Value")->v.u;
	}
	return hr;
}

/* One generation: drop the Gen tree, rebuild it, stamp every instance and
 * the marker with [gen], all in one transaction. */
static hresult write_gen(struct repo *r, uint64_t gen)
{
	void *mem = talloc_new(NULL);
	char name[32], key[32];
	hresult hr;

	hr = repo_txn_begin(r);
	if (hr_failed(hr)) {
		goto out;
	}
	hr = repo_class_delete(r, "root", "Gen", NULL);
	if (hr_eq(hr, HR_WBEM_E_NOT_FOUND)) {
		hr = HR_OK;
	}
	if (hr_ok(hr)) {
		hr = rt_put_keyed(r, "root", "Gen", NULL);
	}
	for (int i = 0; hr_ok(hr) && i < N_CLASSES; i++) {
		snprintf(name, sizeof(name), "GenSub%02d", i);
		hr = rt_put_keyed(r, "root", name, "Gen");
	}
	for (int i = 0; hr_ok(hr) && i < N_INST; i++) {
		snprintf(name, sizeof(name), "GenSub%02d", i % N_CLASSES);
		snprintf(key, sizeof(key), "k%05d", i);
		hr = rt_put_inst(r, "root", name, key, (uint32_t)gen, 0);
	}
	if (hr_ok(hr)) {
		hr = rt_put_inst(r, "root", "Marker", "m", (uint32_t)gen, 0);
	}
	if (hr_ok(hr)) {
		hr = repo_txn_commit(r);
	} else {
		repo_txn_rollback(r);
	}
out:
	talloc_free(mem);
	return hr;
}

static void child(const char *path, int fd)
{
	struct repo *r = NULL;
	uint64_t gen = 0;

	if (hr_failed(repo_open(NULL, path, 0, &r, NULL)) ||
	    hr_failed(read_gen(r, NULL, &gen))) {
		_exit(2);
	}
	for (;;) {
		gen++;
		if (hr_failed(write_gen(r, gen))) {
			_exit(3);
		}
		if (write(fd, &gen, sizeof(gen)) != (ssize_t)sizeof(gen)) {
			_exit(4);
		}
	}
}

struct check {
	uint64_t gen;
	uint64_t n;
	bool mixed;
};

static hresult check_inst(void *arg, struct cim_instance *inst)
{
	struct check *c = arg;

	c->n++;
	if (cim_instance_get(inst, "Value")->v.u != c->gen) {
		c->mixed = true;
	}
	return HR_OK;
}

/* Checks that the file holds exactly generation [gen] (or nothing). */
static void check_state(struct rt *t, uint64_t gen)
{
	struct repo *r = NULL;
	struct check c = { .gen = gen };
	char **names = NULL;
	uint32_t n = 0;
	struct cim_class *cls = NULL;

	assert_ok(repo_open(t->mem, t->path, 0, &r, NULL));
	if (gen == 0) {
		assert_hr(repo_class_get(r, t->mem, "root", "Gen", &cls),
		          HR_WBEM_E_NOT_FOUND);
		repo_close(r);
		return;
	}
	assert_ok(repo_class_children(r, t->mem, "root", "Gen", &names, &n));
	assert_int_equal(n, N_CLASSES);
	assert_ok(repo_instance_enum(r, t->mem, "root", "Gen", true, check_inst,
	                             &c));
	assert_int_equal(c.n, N_INST);
	assert_false(c.mixed);
	repo_close(r);
}

static void test_kill_during_batches(void **state)
{
	struct rt *t = *state;
	uint64_t reported = 0, gen = 0;
	struct timespec start, now;
	int committed_seen = 0;
	long gen_us = 50000; /* estimate of one generation's time */
	struct cim_class *c;

	/* The persistent Marker class, created before the first child. */
	c = rt_class(t->mem, "Marker", NULL);
	rt_prop(c, "Name", CIM_T_STRING, true);
	rt_prop(c, "Value", CIM_T_UINT32, false);
	assert_ok(repo_class_put(t->r, "root", c, 0, NULL));
	repo_close(t->r);
	t->r = NULL;

	srand((unsigned)time(NULL));
	clock_gettime(CLOCK_MONOTONIC, &start);
	for (int round = 0; round < N_KILLS; round++) {
		struct buf report;
		int fds[2];
		pid_t pid;
		int status;
		uint64_t v;
		ssize_t got;

		assert_int_equal(pipe(fds), 0);
		pid = fork();
		assert_true(pid >= 0);
		if (pid == 0) {
			close(fds[0]);
			child(t->path, fds[1]);
		}
		close(fds[1]);
		/* Let the child commit 0 to 2 generations (so the test moves
		 * forward whatever the speed of the build), then kill it at a
		 * random point of the next one, measured in generation
		 * times: often mid-transaction, sometimes in commit. */
		for (int k = rand() % 3; k > 0; k--) {
			struct timespec a, b;

			clock_gettime(CLOCK_MONOTONIC, &a);
			if (read(fds[0], &v, sizeof(v)) != sizeof(v)) {
				break;
			}
			reported = v;
			clock_gettime(CLOCK_MONOTONIC, &b);
			gen_us = ((b.tv_sec - a.tv_sec) * 1000000L +
			          (b.tv_nsec - a.tv_nsec) / 1000 + gen_us) /
			         2;
		}
		usleep((useconds_t)(rand() % (gen_us * 3 / 2 + 1)));
		kill(pid, SIGKILL);
		assert_int_equal(waitpid(pid, &status, 0), pid);
		if (!WIFSIGNALED(status)) {
			fail_msg("child exited with %d instead of being killed",
			         WEXITSTATUS(status));
		}
		while ((got = read(fds[0], &v, sizeof(v))) == sizeof(v)) {
			reported = v;
		}
		close(fds[0]);

		buf_init(&report, t->mem);
		if (hr_failed(repo_verify(t->path, &report))) {
			fail_msg("round %d: repository inconsistent:\n%s",
			         round, report.data);
		}
		buf_release(&report);
		{
			struct repo *r = NULL;

			assert_ok(repo_open(t->mem, t->path, 0, &r, NULL));
			assert_ok(read_gen(r, t->mem, &gen));
			repo_close(r);
		}
		if (gen != reported && gen != reported + 1) {
			fail_msg("round %d: generation %llu, child reported "
			         "%llu",
			         round, (unsigned long long)gen,
			         (unsigned long long)reported);
		}
		if (gen > reported) {
			committed_seen++;
		}
		reported = gen;
		check_state(t, gen);
	}
	clock_gettime(CLOCK_MONOTONIC, &now);
	/* The test must have crossed real commits, not only killed opens. */
	assert_true(gen > 3);
	print_message("crash: %d kills, %llu generations, %d commits not yet "
	              "reported, %.1f s\n",
	              N_KILLS, (unsigned long long)gen, committed_seen,
	              (double)(now.tv_sec - start.tv_sec) +
	                      (double)(now.tv_nsec - start.tv_nsec) / 1e9);
	rt_reopen(t);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup_teardown(test_kill_during_batches,
		                                rt_setup, rt_teardown),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
