/*
 * repotest: fixtures and builders shared by the repo unit tests.
 *
 * Each test gets a fresh temporary directory with a new repository file
 * (repository.db) opened read-write; teardown closes it and removes the
 * directory.  Builders make small local classes and instances.
 */
#ifndef OWMI_TESTS_REPOTEST_H
#define OWMI_TESTS_REPOTEST_H

#include <ftw.h>
#include <sqlite3.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <talloc.h>
#include <unistd.h>

#include "cim/cim.h"
#include "repo/repo.h"

struct rt {
	void *mem;
	char dir[128];
	char path[192];
	struct repo *r;
};

static inline int rt_rm_one(const char *p,
                            const struct stat *sb,
                            int flag,
                            struct FTW *ftw)
{
	(void)sb;
	(void)flag;
	(void)ftw;
	return remove(p);
}

static inline void rt_rmtree(const char *dir)
{
	nftw(dir, rt_rm_one, 16, FTW_DEPTH | FTW_PHYS);
}

static inline int rt_setup(void **state)
{
	struct rt *t = talloc_zero(NULL, struct rt);

	if (t == NULL) {
		return -1;
	}
	t->mem = t;
	snprintf(t->dir, sizeof(t->dir), "/tmp/owmi-repo-XXXXXX");
	if (mkdtemp(t->dir) == NULL) {
		return -1;
	}
	snprintf(t->path, sizeof(t->path), "%s/repository.db", t->dir);
	if (hr_failed(repo_open(t, t->path, REPO_OPEN_CREATE, &t->r, NULL))) {
		return -1;
	}
	*state = t;
	return 0;
}

static inline int rt_teardown(void **state)
{
	struct rt *t = *state;

	repo_close(t->r);
	rt_rmtree(t->dir);
	talloc_free(t);
	return 0;
}

/* Reopens the fixture's repository (after raw SQL or a file swap). */
static inline void rt_reopen(struct rt *t)
{
	repo_close(t->r);
	t->r = NULL;
	if (hr_failed(repo_open(t, t->path, 0, &t->r, NULL))) {
		t->r = NULL;
	}
}

/* Runs [sql] on the file with a separate raw connection. */
static inline int rt_sql(const char *path, const char *sql)
{
	sqlite3 *db = NULL;
	int rc = sqlite3_open(path, &db);

	if (rc == SQLITE_OK) {
		sqlite3_busy_timeout(db, 5000);
		rc = sqlite3_exec(db, sql, NULL, NULL, NULL);
	}
	sqlite3_close(db);
	return rc;
}

static inline struct cim_value rt_str(const char *s)
{
	struct cim_value v = { .type = CIM_T_STRING };

	v.v.s = (char *)s;
	return v;
}

static inline struct cim_value rt_u32(uint64_t u)
{
	struct cim_value v = { .type = CIM_T_UINT32 };

	v.v.u = u;
	return v;
}

static inline struct cim_value rt_bool(bool b)
{
	struct cim_value v = { .type = CIM_T_BOOLEAN };

	v.v.b = b;
	return v;
}

/* A local class [name] : [super] (super may be NULL). */
static inline struct cim_class *rt_class(void *mem,
                                         const char *name,
                                         const char *super)
{
	return cim_class_new(mem, name, super);
}

/* Adds property [name] of [type]; [key] adds the key qualifier. */
static inline struct cim_property *rt_prop(struct cim_class *c,
                                           const char *name,
                                           uint32_t type,
                                           bool key)
{
	struct cim_property *p = cim_class_add_prop(c, name, type);
	struct cim_value t = rt_bool(true);

	if (p != NULL && key) {
		cim_qset_set(c, &p->quals, "key", &t,
		             CIM_FLAVOR_TO_SUBCLASS |
		                     CIM_FLAVOR_DISABLE_OVERRIDE);
	}
	return p;
}

/* Adds boolean class qualifier [q] = TRUE (abstract, singleton...). */
static inline void rt_qual(struct cim_class *c, const char *q, uint32_t flavor)
{
	struct cim_value t = rt_bool(true);

	cim_qset_set(c, &c->quals, q, &t, flavor);
}

/* Stores a keyed root class [name] (key Name string, Value uint32). */
static inline hresult rt_put_keyed(struct repo *r,
                                   const char *ns,
                                   const char *name,
                                   const char *super)
{
	void *mem = talloc_new(NULL);
	struct cim_class *c = rt_class(mem, name, super);
	hresult hr;

	if (super == NULL) {
		rt_prop(c, "Name", CIM_T_STRING, true);
		rt_prop(c, "Value", CIM_T_UINT32, false);
	}
	hr = repo_class_put(r, ns, c, 0, NULL);
	talloc_free(mem);
	return hr;
}

/* Returns an instance of stored class [cls] with Name=[name],
 * Value=[value] (resolved class fetched from the repository). */
static inline struct cim_instance *rt_inst(void *mem,
                                           struct repo *r,
                                           const char *ns,
                                           const char *cls,
                                           const char *name,
                                           uint32_t value)
{
	struct cim_class *c = NULL;
	struct cim_instance *inst;
	struct cim_value v;

	if (hr_failed(repo_class_get(r, mem, ns, cls, &c))) {
		return NULL;
	}
	inst = cim_instance_new(mem, c);
	if (inst == NULL) {
		return NULL;
	}
	if (name != NULL) {
		v = rt_str(name);
		cim_instance_set(inst, "Name", &v);
	}
	v = rt_u32(value);
	cim_instance_set(inst, "Value", &v);
	return inst;
}

static inline hresult rt_put_inst(struct repo *r,
                                  const char *ns,
                                  const char *cls,
                                  const char *name,
                                  uint32_t value,
                                  unsigned flags)
{
	void *mem = talloc_new(NULL);
	struct cim_instance *inst = rt_inst(mem, r, ns, cls, name, value);
	hresult hr = inst ? repo_instance_put(r, ns, inst, flags, NULL)
	                  : HR_E_FAIL;

	talloc_free(mem);
	return hr;
}

#define assert_hr(expr, want)                                           \
	do {                                                            \
		hresult got_ = (expr);                                  \
		if (!hr_eq(got_, (want))) {                             \
			fail_msg("%s: got %s (0x%08X), want %s", #expr, \
			         hr_name(got_), got_.v, hr_name(want)); \
		}                                                       \
	} while (0)

#define assert_ok(expr) assert_hr((expr), HR_S_OK)

#endif
