/*
 * fixture: the temporary repository and schema of the cimom tests.
 */
#include "fixture.h"

#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <talloc.h>
#include <unistd.h>

#include <cmocka.h>

#include "base/utf.h"

static void qual_bool(struct cim_class *cls,
                      struct cim_qualifier_set *qs,
                      const char *name)
{
	struct cim_value v = { .type = CIM_T_BOOLEAN, .v.b = true };

	assert_true(hr_ok(cim_qset_set(cls, qs, name, &v, CIM_FLAVOR_DEFAULT)));
}

static void qual_str(struct cim_class *cls,
                     struct cim_qualifier_set *qs,
                     const char *name,
                     const char *s)
{
	struct cim_value v = { .type = CIM_T_STRING, .v.s = (char *)s };

	assert_true(hr_ok(cim_qset_set(cls, qs, name, &v, CIM_FLAVOR_DEFAULT)));
}

static struct cim_property *prop(struct cim_class *cls,
                                 const char *name,
                                 uint32_t type,
                                 bool key)
{
	struct cim_property *p = cim_class_add_prop(cls, name, type);

	assert_non_null(p);
	if (key) {
		qual_bool(cls, &p->quals, "key");
	}
	return p;
}

static struct cim_property *ref(struct cim_class *cls,
                                const char *name,
                                const char *to,
                                bool key)
{
	struct cim_property *p = prop(cls, name, CIM_T_REFERENCE, key);

	p->ref_class = talloc_strdup(cls, to);
	return p;
}

static void put_class(struct fx *f, struct cim_class *cls)
{
	struct errinfo ei;

	err_clear(&ei);
	if (hr_failed(repo_class_put(f->repo, "root\\cimv2", cls, 0, &ei))) {
		fail_msg("put class %s: %s %s", cls->name, hr_name(ei.hr),
		         ei.msg);
	}
}

static void set_str(struct cim_instance *inst, const char *name, const char *s)
{
	struct cim_value v = { .type = CIM_T_STRING, .v.s = (char *)s };

	assert_true(hr_ok(cim_instance_set(inst, name, &v)));
}

static void set_u32(struct cim_instance *inst, const char *name, uint32_t u)
{
	struct cim_value v = { .type = CIM_T_UINT32, .v.u = u };

	assert_true(hr_ok(cim_instance_set(inst, name, &v)));
}

static struct cim_instance *new_inst(struct fx *f, void *mem, const char *cls)
{
	struct cim_class *c = NULL;
	struct cim_instance *inst;

	assert_true(
	        hr_ok(repo_class_get(f->repo, mem, "root\\cimv2", cls, &c)));
	inst = cim_instance_new(mem, c);
	assert_non_null(inst);
	return inst;
}

static void put_inst(struct fx *f, struct cim_instance *inst)
{
	struct errinfo ei;

	err_clear(&ei);
	if (hr_failed(
	            repo_instance_put(f->repo, "root\\cimv2", inst, 0, &ei))) {
		fail_msg("put instance of %s: %s %s", inst->cls->name,
		         hr_name(ei.hr), ei.msg);
	}
}

static void add_base(struct fx *f,
                     const char *cls,
                     const char *name,
                     uint32_t size,
                     const char *descr)
{
	void *tmp = talloc_new(NULL);
	struct cim_instance *i = new_inst(f, tmp, cls);

	set_str(i, "Name", name);
	set_u32(i, "Size", size);
	set_str(i, "Descr", descr);
	if (strcmp(cls, "T_Sub") == 0) {
		set_str(i, "Extra", "extra");
	}
	put_inst(f, i);
	talloc_free(tmp);
}

static void set_ref(struct cim_instance *inst, const char *name, const char *s)
{
	struct cim_value v = { .type = CIM_T_REFERENCE, .v.s = (char *)s };

	assert_true(hr_ok(cim_instance_set(inst, name, &v)));
}

static void add_link(struct fx *f,
                     const char *cls,
                     const char *r1,
                     const char *v1,
                     const char *r2,
                     const char *v2)
{
	void *tmp = talloc_new(NULL);
	struct cim_instance *i = new_inst(f, tmp, cls);

	set_ref(i, r1, v1);
	set_ref(i, r2, v2);
	put_inst(f, i);
	talloc_free(tmp);
}

static void build_schema(struct fx *f)
{
	void *tmp = talloc_new(NULL);
	struct cim_class *c;
	struct cim_method *m;
	struct cim_param *pa;
	struct cim_instance *i;

	c = cim_class_new(tmp, "T_Base", NULL);
	prop(c, "Name", CIM_T_STRING, true);
	prop(c, "Size", CIM_T_UINT32, false);
	prop(c, "Descr", CIM_T_STRING, false);
	put_class(f, c);

	c = cim_class_new(tmp, "T_Sub", "T_Base");
	prop(c, "Extra", CIM_T_STRING, false);
	put_class(f, c);

	c = cim_class_new(tmp, "T_Pair", NULL);
	prop(c, "A", CIM_T_UINT32, true);
	prop(c, "B", CIM_T_STRING, true);
	put_class(f, c);

	c = cim_class_new(tmp, "T_Person", NULL);
	prop(c, "Id", CIM_T_STRING, true);
	prop(c, "Name", CIM_T_STRING, false);
	qual_bool(c, &c->quals, "Special");
	put_class(f, c);

	c = cim_class_new(tmp, "T_Owns", NULL);
	qual_bool(c, &c->quals, "Association");
	qual_bool(c, &c->quals, "Special");
	ref(c, "Owner", "T_Person", true);
	ref(c, "Item", "T_Base", true);
	put_class(f, c);

	c = cim_class_new(tmp, "T_Link", NULL);
	qual_bool(c, &c->quals, "Association");
	ref(c, "Left", "T_Base", true);
	ref(c, "Right", "T_Base", true);
	put_class(f, c);

	c = cim_class_new(tmp, "T_Single", NULL);
	qual_bool(c, &c->quals, "singleton");
	prop(c, "V", CIM_T_UINT32, false);
	put_class(f, c);

	c = cim_class_new(tmp, "T_Static", NULL);
	prop(c, "K", CIM_T_STRING, true);
	assert_non_null(cim_class_add_method(c, "Run", CIM_T_UINT32));
	put_class(f, c);

	c = cim_class_new(tmp, "T_ProvMeth", NULL);
	qual_str(c, &c->quals, "provider", "MethProv");
	prop(c, "K", CIM_T_STRING, true);
	m = cim_class_add_method(c, "Go", CIM_T_UINT32);
	assert_non_null(m);
	pa = cim_method_add_param(c, m, "X", CIM_T_UINT32);
	assert_non_null(pa);
	pa->in = true;
	put_class(f, c);

	c = cim_class_new(tmp, "T_Dyn", NULL);
	qual_bool(c, &c->quals, "dynamic");
	qual_str(c, &c->quals, "provider", "DynProv");
	prop(c, "K", CIM_T_STRING, true);
	prop(c, "N", CIM_T_UINT32, false);
	put_class(f, c);

	c = cim_class_new(tmp, "T_Big", NULL);
	prop(c, "Id", CIM_T_UINT32, true);
	prop(c, "Name", CIM_T_STRING, false);
	put_class(f, c);

	add_base(f, "T_Base", "a", 1, "alpha one");
	add_base(f, "T_Base", "b", 2, "beta two");
	add_base(f, "T_Base", "c", 3, "gamma_three");
	add_base(f, "T_Sub", "s1", 10, "sub one");

	i = new_inst(f, tmp, "T_Pair");
	set_u32(i, "A", 1);
	set_str(i, "B", "x");
	put_inst(f, i);
	i = new_inst(f, tmp, "T_Pair");
	set_u32(i, "A", 2);
	set_str(i, "B", "y");
	put_inst(f, i);

	i = new_inst(f, tmp, "T_Person");
	set_str(i, "Id", "p1");
	set_str(i, "Name", "Ann");
	put_inst(f, i);
	i = new_inst(f, tmp, "T_Person");
	set_str(i, "Id", "p2");
	set_str(i, "Name", "Bob");
	put_inst(f, i);

	add_link(f, "T_Owns", "Owner", "T_Person.Id=\"p1\"", "Item",
	         "T_Base.Name=\"a\"");
	add_link(f, "T_Owns", "Owner", "T_Person.Id=\"p1\"", "Item",
	         "T_Sub.Name=\"s1\"");
	add_link(f, "T_Owns", "Owner", "T_Person.Id=\"p2\"", "Item",
	         "T_Base.Name=\"b\"");
	add_link(f, "T_Link", "Left", "T_Base.Name=\"a\"", "Right",
	         "T_Base.Name=\"b\"");

	i = new_inst(f, tmp, "T_Single");
	set_u32(i, "V", 7);
	put_inst(f, i);
	talloc_free(tmp);
}

struct fx *fx_new(void)
{
	struct fx *f = talloc_zero(NULL, struct fx);
	struct cimom_config cfg = { 0 };
	struct cimom_identity id = { .user = "alice",
		                     .domain = "WORKGROUP",
		                     .client_machine = "CLIENT1",
		                     .pid = 4242 };
	struct errinfo ei;

	assert_non_null(f);
	f->mem = f;
	snprintf(f->dir, sizeof(f->dir), "/tmp/owmi-cimom-XXXXXX");
	assert_non_null(mkdtemp(f->dir));
	snprintf(f->db, sizeof(f->db), "%s/repository.db", f->dir);
	snprintf(f->log, sizeof(f->log), "%s/activity.log", f->dir);
	err_clear(&ei);
	assert_true(
	        hr_ok(repo_open(f, f->db, REPO_OPEN_CREATE, &f->repo, &ei)));
	assert_true(hr_ok(repo_ns_create(f->repo, "root\\cimv2", &ei)));
	assert_true(hr_ok(repo_ns_create(f->repo, "root\\default", &ei)));
	assert_true(hr_ok(repo_txn_begin(f->repo)));
	build_schema(f);
	assert_true(hr_ok(repo_txn_commit(f->repo)));
	cfg.server_name = "TESTHOST";
	cfg.activity_log_path = f->log;
	assert_true(hr_ok(cimom_new(f, f->repo, &cfg, &f->cm)));
	assert_true(hr_ok(
	        cimom_session_open(f->cm, f, &id, "root\\cimv2", &f->s, &ei)));
	return f;
}

void fx_free(struct fx *f)
{
	char path[256];

	if (f == NULL) {
		return;
	}
	talloc_free(f->s);
	talloc_free(f->cm);
	repo_close(f->repo);
	unlink(f->db);
	snprintf(path, sizeof(path), "%s-wal", f->db);
	unlink(path);
	snprintf(path, sizeof(path), "%s-shm", f->db);
	unlink(path);
	unlink(f->log);
	rmdir(f->dir);
	talloc_free(f);
}

void fx_add_big(struct fx *f, uint32_t n)
{
	void *tmp = talloc_new(NULL);
	struct cim_instance *i = new_inst(f, tmp, "T_Big");
	char name[32];

	assert_true(hr_ok(repo_txn_begin(f->repo)));
	for (uint32_t k = 0; k < n; k++) {
		set_u32(i, "Id", k);
		snprintf(name, sizeof(name), "big%u", k);
		set_str(i, "Name", name);
		put_inst(f, i);
	}
	assert_true(hr_ok(repo_txn_commit(f->repo)));
	talloc_free(tmp);
}

static hresult collect_indicate(void *arg, struct cim_object **objs, uint32_t n)
{
	struct collect *c = arg;

	if (c->cancel_after != 0 && c->batches >= c->cancel_after) {
		return HR_WBEM_E_FAILED;
	}
	c->batches++;
	if (n > c->max_batch) {
		c->max_batch = n;
	}
	if (!c->keep) {
		c->n += n;
		return HR_OK;
	}
	c->objs = talloc_realloc(c->mem, c->objs, struct cim_object *,
	                         c->n + n);
	assert_non_null(c->objs);
	for (uint32_t i = 0; i < n; i++) {
		struct cim_object *o = talloc_zero(c->objs, struct cim_object);

		assert_non_null(o);
		o->is_class = objs[i]->is_class;
		if (o->is_class) {
			o->u.cls = cim_class_copy(o, objs[i]->u.cls);
			assert_non_null(o->u.cls);
		} else {
			/* The instance's class lives only for the batch:
			 * copy it too and re-point. */
			struct cim_class *cls = cim_class_copy(
			        o, objs[i]->u.inst->cls);

			assert_non_null(cls);
			if (strcmp(talloc_get_name(objs[i]->u.inst->cls),
			           "cimom_partial_class") == 0) {
				talloc_set_name_const(cls,
				                      "cimom_partial_class");
			}
			o->u.inst = cim_instance_copy(o, objs[i]->u.inst);
			assert_non_null(o->u.inst);
			o->u.inst->cls = cls;
		}
		c->objs[c->n++] = o;
	}
	return HR_OK;
}

static void collect_status(void *arg, hresult hr, const struct errinfo *ei)
{
	struct collect *c = arg;

	(void)ei;
	c->status_calls++;
	c->status = hr;
}

struct cimom_sink collect_sink(struct collect *c, void *mem, uint32_t batch)
{
	struct cimom_sink s = { .indicate = collect_indicate,
		                .set_status = collect_status,
		                .arg = c,
		                .batch = batch };

	c->mem = mem;
	return s;
}

const char *collect_str(struct collect *c, uint32_t i, const char *name)
{
	struct cim_value v;
	struct cim_object *o = c->objs[i];

	if (cim_sysprop_is(name)) {
		if (o->is_class) {
			assert_true(hr_ok(cim_sysprop_get(
			        c->mem, o->u.cls, NULL, o->u.cls->server,
			        o->u.cls->namespace, name, &v)));
		} else {
			assert_true(hr_ok(cim_sysprop_get(
			        c->mem, o->u.inst->cls, o->u.inst,
			        o->u.inst->server, o->u.inst->namespace, name,
			        &v)));
		}
		return v.null ? NULL : v.v.s;
	}
	if (o->is_class) {
		return NULL;
	}
	{
		const struct cim_value *pv = cim_instance_get(o->u.inst, name);

		if (pv == NULL || pv->null) {
			return NULL;
		}
		if (cim_type_base(pv->type) == CIM_T_STRING ||
		    cim_type_base(pv->type) == CIM_T_REFERENCE) {
			return pv->v.s;
		}
		return talloc_asprintf(c->mem, "%llu",
		                       (unsigned long long)pv->v.u);
	}
}

bool collect_has(struct collect *c, const char *x)
{
	for (uint32_t i = 0; i < c->n; i++) {
		const char *s = c->objs[i]->is_class
		                        ? c->objs[i]->u.cls->name
		                        : collect_str(c, i, "__RELPATH");

		if (s != NULL && utf8_casecmp(s, x) == 0) {
			return true;
		}
	}
	return false;
}

uint32_t fx_log_lines(struct fx *f)
{
	FILE *fp = fopen(f->log, "r");
	uint32_t n = 0;
	int ch;

	if (fp == NULL) {
		return 0;
	}
	while ((ch = fgetc(fp)) != EOF) {
		if (ch == '\n') {
			n++;
		}
	}
	fclose(fp);
	return n;
}
