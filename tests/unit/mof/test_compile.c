/*
 * Unit tests: compiling MOF into a temporary repository (mof layer):
 * local class storage, instances against resolved classes, aliases,
 * embedded objects, put flags, deletions, namespaces, qualifier
 * declarations from the repository, and all-or-nothing transactions.
 */
#include "moftest.h"

#include <stdlib.h>
#include <unistd.h>

#include "repo/repo.h"

struct ct {
	void *mem;
	char dir[32];
	char *path;
	struct repo *r;
	struct errinfo ei;
	struct mof_stats st;
};

static int setup(void **state)
{
	struct ct *t = talloc_zero(NULL, struct ct);

	snprintf(t->dir, sizeof(t->dir), "/tmp/mofcompXXXXXX");
	if (mkdtemp(t->dir) == NULL) {
		return -1;
	}
	t->mem = t;
	t->path = talloc_asprintf(t, "%s/repository.db", t->dir);
	if (hr_failed(repo_open(t, t->path, REPO_OPEN_CREATE, &t->r, NULL))) {
		return -1;
	}
	*state = t;
	return 0;
}

static int teardown(void **state)
{
	struct ct *t = *state;
	char *cmd = talloc_asprintf(t, "rm -rf %s", t->dir);

	repo_close(t->r);
	if (system(cmd) != 0) {
		return -1;
	}
	talloc_free(t);
	return 0;
}

/* Compiles [text] into namespace root (or as its pragmas say). */
static hresult compile_o(struct ct *t,
                         const char *text,
                         const struct mof_options *o)
{
	struct mof_options def = { .default_ns = "root" };

	err_clear(&t->ei);
	memset(&t->st, 0, sizeof(t->st));
	return mof_compile_buffer(t->r, text, strlen(text), "c.mof",
	                          o ? o : &def, &t->st, &t->ei);
}

static hresult compile(struct ct *t, const char *text)
{
	return compile_o(t, text, NULL);
}

static void compile_ok(struct ct *t, const char *text)
{
	hresult hr = compile(t, text);

	if (hr_failed(hr)) {
		fail_msg("compile failed: %s %s (%u:%u) %s", hr_name(hr),
		         t->ei.file, t->ei.line, t->ei.col, t->ei.msg);
	}
}

static uint64_t count(struct ct *t, const char *ns, const char *cls)
{
	uint64_t n = 0;

	assert_ok(repo_instance_count(t->r, ns, cls, true, &n));
	return n;
}

static const char *const base_mof =
        "Qualifier Key : boolean = false, Scope(property, reference), "
        "Flavor(DisableOverride, ToSubclass);\n"
        "Qualifier Abstract : boolean = false, Scope(class, association, "
        "indication), Flavor(Restricted);\n"
        "[Abstract] class Base { [Key] string Id; uint32 n = 5; };\n"
        "class Derived : Base { string extra; };\n"
        "instance of Derived { Id = \"a\"; n = 7; extra = \"x\"; };\n";

static void test_classes_are_stored_local(void **state)
{
	struct ct *t = *state;
	struct cim_class *c = NULL;
	struct cim_instance *inst = NULL;
	const struct cim_value *v;
	int32_t k;

	compile_ok(t, base_mof);
	assert_int_equal(t->st.qualifiers, 2);
	assert_int_equal(t->st.classes, 2);
	assert_int_equal(t->st.instances, 1);
	assert_int_equal(t->st.files, 1);

	assert_ok(repo_class_get_local(t->r, t->mem, "root", "Derived", &c));
	assert_string_equal(c->superclass, "Base");
	assert_int_equal(c->n_props, 1);
	assert_string_equal(c->props[0].name, "extra");

	assert_ok(repo_class_get(t->r, t->mem, "root", "Derived", &c));
	assert_int_equal(c->n_props, 3);
	k = cim_class_find_prop(c, "Id");
	assert_true(c->props[k].key);
	assert_int_equal(qual(&c->props[k].quals, "Key")->flavor &
	                         CIM_FLAVOR_DISABLE_OVERRIDE,
	                 CIM_FLAVOR_DISABLE_OVERRIDE);
	/* Abstract is Restricted: Derived is not abstract. */
	assert_false(cim_qset_bool(&c->quals, "Abstract"));

	assert_ok(repo_instance_get(t->r, t->mem, "root", "Base", "Id=\"a\"",
	                            &inst));
	assert_string_equal(inst->cls->name, "Derived");
	v = cim_instance_get(inst, "n");
	assert_int_equal(v->type, CIM_T_UINT32);
	assert_int_equal(v->v.u, 7);
}

static void test_aliases_resolve_forward(void **state)
{
	struct ct *t = *state;
	struct cim_instance *inst = NULL;
	const struct cim_value *v;

	compile_ok(t,
	           "Qualifier Key : boolean = false, Scope(property, "
	           "reference), Flavor(DisableOverride, ToSubclass);\n"
	           "class T { [Key] uint32 k; string s; };\n"
	           "[Association] class L { [Key] T ref a; [Key] T ref b; "
	           "T ref many[]; };\n"
	           "instance of L { a = $one; b = $two; many = {$two, $one}; "
	           "};\n"
	           "instance of T as $one { k = 1; s = \"first\"; };\n"
	           "instance of T as $two { k = 2; };\n");
	assert_int_equal(t->st.instances, 3);
	assert_ok(repo_instance_get(t->r, t->mem, "root", "L",
	                            "a=\"T.k=1\",b=\"T.k=2\"", &inst));
	v = cim_instance_get(inst, "a");
	assert_string_equal(v->v.s, "T.k=1");
	v = cim_instance_get(inst, "many");
	assert_int_equal(v->v.a.n, 2);
	assert_string_equal(v->v.a.e.s[0], "T.k=2");
}

static void test_alias_key_cycle_is_refused(void **state)
{
	struct ct *t = *state;

	assert_hr(compile(t, "class A { [Key] A ref other; };\n"
	                     "instance of A as $x { other = $y; };\n"
	                     "instance of A as $y { other = $x; };\n"),
	          HR_WBEM_E_CIRCULAR_REFERENCE);
	assert_int_equal(t->ei.line, 2);
}

static void test_embedded_instances(void **state)
{
	struct ct *t = *state;
	struct cim_instance *inst = NULL;
	const struct cim_value *v;
	const struct cim_instance *e;

	compile_ok(t, "class E { string s; };\n"
	              "class H { [Key] string id; [EmbeddedInstance(\"E\")] "
	              "string e; object:E arr[]; };\n"
	              "instance of H { id = \"h\";\n"
	              "  e = instance of E { s = \"inner\"; };\n"
	              "  arr = { instance of E { s = \"1\"; }, "
	              "instance of E { s = \"2\"; } }; };\n");
	assert_ok(repo_instance_get(t->r, t->mem, "root", "H", "id=\"h\"",
	                            &inst));
	v = cim_instance_get(inst, "e");
	assert_int_equal(v->type, CIM_T_OBJECT);
	assert_false(v->null);
	assert_false(v->v.o->is_class);
	e = v->v.o->u.inst;
	assert_string_equal(e->cls->name, "E");
	assert_string_equal(cim_instance_get(e, "s")->v.s, "inner");
	v = cim_instance_get(inst, "arr");
	assert_int_equal(v->v.a.n, 2);
	assert_string_equal(cim_instance_get(v->v.a.e.o[1]->u.inst, "s")->v.s,
	                    "2");
}

static void test_embedded_type_of_override_follows_parent(void **state)
{
	struct ct *t = *state;
	struct cim_class *c = NULL;

	compile_ok(t, "class E { };\n"
	              "class P { [EmbeddedInstance(\"E\")] string e; };\n"
	              "class C : P { [Description(\"again\")] string e; };\n");
	assert_ok(repo_class_get(t->r, t->mem, "root", "C", &c));
	assert_int_equal(c->props[cim_class_find_prop(c, "e")].type,
	                 CIM_T_OBJECT);
}

static void test_class_flags(void **state)
{
	struct ct *t = *state;
	struct mof_options o = { .default_ns = "root",
		                 .class_flags = MOF_CLASS_CREATE_ONLY };

	compile_ok(t, "class A { uint8 p; };");
	assert_hr(compile(t, "\n#pragma classflags(\"createonly\")\n"
	                     "  class A { uint8 p; };"),
	          HR_WBEM_E_ALREADY_EXISTS);
	assert_int_equal(t->ei.line, 3);
	assert_int_equal(t->ei.col, 3);
	assert_string_equal(t->ei.file, "c.mof");
	assert_non_null(strstr(t->ei.msg, "'A'"));
	assert_hr(compile_o(t, "class A { uint8 p; };", &o),
	          HR_WBEM_E_ALREADY_EXISTS);
	assert_hr(compile(t, "#pragma classflags(\"updateonly\")\n"
	                     "class Nope { };"),
	          HR_WBEM_E_NOT_FOUND);
	compile_ok(t, "#pragma classflags(\"updateonly\")\n"
	              "class A { uint8 p; uint8 q; };");
	compile_ok(t, "class B : A { };");
	compile_ok(t, "#pragma classflags(\"forceupdate\")\n"
	              "class A { uint8 p; uint8 q; uint8 r; };");
}

static void test_instance_flags(void **state)
{
	struct ct *t = *state;

	compile_ok(t, "class T { [Key] uint32 k; uint32 v; };\n"
	              "instance of T { k = 1; v = 1; };");
	compile_ok(t, "instance of T { k = 1; v = 2; };");
	assert_hr(compile(t, "#pragma instanceflags(\"createonly\")\n"
	                     "instance of T { k = 1; };"),
	          HR_WBEM_E_ALREADY_EXISTS);
	assert_hr(compile(t, "#pragma instanceflags(\"updateonly\")\n"
	                     "instance of T { k = 9; };"),
	          HR_WBEM_E_NOT_FOUND);
	assert_int_equal(t->ei.line, 2);
	assert_int_equal(count(t, "root", "T"), 1);
}

static void test_delete_pragmas(void **state)
{
	struct ct *t = *state;

	compile_ok(t, "class Gone { };\nclass T { [Key] uint32 k; };\n"
	              "instance of T { k = 1; };\ninstance of T { k = 2; };\n"
	              "instance of T { k = 3; };\n");
	compile_ok(t, "#pragma deleteclass(\"Gone\", FAIL)\n");
	assert_int_equal(t->st.deleted_classes, 1);
	assert_hr(compile(t, "#pragma deleteclass(\"Gone\", FAIL)\n"),
	          HR_WBEM_E_NOT_FOUND);
	compile_ok(t, "#pragma deleteclass(\"Gone\", NOFAIL)\n");
	assert_int_equal(t->st.deleted_classes, 0);

	compile_ok(t, "#pragma deleteinstance(\"T.k=1\", FAIL)\n"
	              "#pragma deleteinstance(\"T=2\", FAIL)\n"
	              "#pragma deleteinstance(\"T.k=7\", NOFAIL)\n");
	assert_int_equal(t->st.deleted_instances, 2);
	assert_int_equal(count(t, "root", "T"), 1);
	assert_hr(compile(t, "#pragma deleteinstance(\"T.k=7\", FAIL)\n"),
	          HR_WBEM_E_NOT_FOUND);
	assert_hr(compile(t, "#pragma deleteinstance(\"!!\", FAIL)\n"),
	          HR_WBEMMOF_E_INVALID_DELETEINSTANCE_SYNTAX);
}

static void test_namespace_pragmas(void **state)
{
	struct ct *t = *state;
	struct cim_class *c = NULL;

	assert_hr(compile(t,
	                  "#pragma namespace(\"\\\\\\\\.\\\\root\\\\none\")\n"
	                  "class A { };"),
	          HR_WBEM_E_INVALID_NAMESPACE);
	assert_int_equal(t->ei.line, 2);
	compile_ok(t, "#pragma namespace(\"\\\\\\\\.\\\\root\\\\made\")\n"
	              "#pragma namespace(\"__create\")\n"
	              "class A { };\n"
	              "#pragma namespace(\"kid\\\\grandkid\")\n"
	              "class B { };\n");
	assert_int_equal(t->st.namespaces, 3);
	assert_ok(repo_class_get(t->r, t->mem, "root\\made", "A", &c));
	assert_ok(repo_class_get(t->r, t->mem, "root\\made\\kid\\grandkid", "B",
	                         &c));
	assert_hr(repo_class_get(t->r, t->mem, "root", "A", &c),
	          HR_WBEM_E_NOT_FOUND);
	/* Existing namespaces are left alone. */
	compile_ok(t, "#pragma namespace(\"\\\\\\\\.\\\\root\\\\made\")\n"
	              "#pragma namespace(\"__create\")\n");
	assert_int_equal(t->st.namespaces, 0);
}

static void test_late_error_rolls_everything_back(void **state)
{
	struct ct *t = *state;
	struct cim_class *c = NULL;
	char **list = NULL;
	uint32_t n = 0;

	compile_ok(t, "class Keep { [Key] uint32 k; };\n"
	              "instance of Keep { k = 1; };\n");
	assert_hr(compile(t, "#pragma autorecover\n"
	                     "Qualifier Fresh : boolean = false, Scope(any);\n"
	                     "class New1 { };\nclass New2 : New1 { };\n"
	                     "instance of Keep { k = 2; };\n"
	                     "#pragma namespace(\"__create\")\n"
	                     "#pragma deleteclass(\"Keep\", FAIL)\n"
	                     "instance of Missing { x = 1; };\n"),
	          HR_WBEM_E_INVALID_CLASS);
	assert_int_equal(t->ei.line, 8);
	assert_int_equal(t->ei.col, 1);
	assert_non_null(strstr(t->ei.msg, "Missing"));
	assert_hr(repo_class_get(t->r, t->mem, "root", "New1", &c),
	          HR_WBEM_E_NOT_FOUND);
	assert_ok(repo_class_get(t->r, t->mem, "root", "Keep", &c));
	assert_int_equal(count(t, "root", "Keep"), 1);
	assert_ok(repo_autorecover_list(t->r, t->mem, &list, &n));
	assert_int_equal(n, 0);
	assert_int_equal(repo_txn_depth(t->r), 0);
}

static void test_semantic_errors_have_positions(void **state)
{
	struct ct *t = *state;

	compile_ok(t, "class T { [Key] uint32 k; uint32 v; };");
	assert_hr(compile(t, "instance of T {\n k = 1;\n   nothere = 2; };"),
	          HR_WBEM_E_NOT_FOUND);
	assert_int_equal(t->ei.line, 3);
	assert_int_equal(t->ei.col, 4);
	assert_hr(compile(t, "instance of T { k = 1; v = \"str\"; };"),
	          HR_WBEM_E_TYPE_MISMATCH);
	assert_int_equal(t->ei.col, 28);
	assert_hr(compile(t, "instance of T { k = -1; };"),
	          HR_WBEM_E_VALUE_OUT_OF_RANGE);
	assert_hr(compile(t, "\n\nclass X : NoSuchParent { };"),
	          HR_WBEM_E_INVALID_SUPERCLASS);
	assert_int_equal(t->ei.line, 3);
	assert_hr(compile(t, "instance of T { v = 3; };"),
	          HR_WBEM_E_ILLEGAL_NULL);
	assert_false(mof_error_is_syntax(t->ei.hr));
	assert_hr(compile(t, "class T { uint8 p }"),
	          HR_WBEMMOF_E_EXPECTED_SEMI);
	assert_true(mof_error_is_syntax(t->ei.hr));
}

static void test_repository_declarations_type_later_compiles(void **state)
{
	struct ct *t = *state;
	struct cim_class *c = NULL;
	const struct cim_qualifier *q;

	compile_ok(t, "Qualifier MaxLen : uint32 = null, Scope(property);\n"
	              "Qualifier Key : boolean = false, Scope(property), "
	              "Flavor(DisableOverride, ToSubclass);\n");
	compile_ok(t, "class Q { [Key, MaxLen(5)] string s; };");
	assert_ok(repo_class_get_local(t->r, t->mem, "root", "Q", &c));
	q = qual(&c->props[0].quals, "MaxLen");
	assert_int_equal(q->value.type, CIM_T_UINT32);
	q = qual(&c->props[0].quals, "Key");
	assert_int_equal(q->flavor,
	                 CIM_FLAVOR_DISABLE_OVERRIDE | CIM_FLAVOR_TO_SUBCLASS);
	assert_hr(compile(t, "[MaxLen(5)] class Bad { };"),
	          HR_WBEMMOF_E_QUALIFIER_USED_OUTSIDE_SCOPE);
	/* Declarations are per namespace. */
	compile_ok(t, "#pragma namespace(\"other\")\n"
	              "#pragma namespace(\"__create\")\n"
	              "[MaxLen(5)] class Fine { };");
}

static void test_check_only_writes_nothing(void **state)
{
	struct ct *t = *state;
	struct mof_options o = { .default_ns = "root", .check_only = true };
	struct cim_class *c = NULL;

	assert_ok(compile_o(t, "class Never { };", &o));
	assert_hr(repo_class_get(t->r, t->mem, "root", "Never", &c),
	          HR_WBEM_E_NOT_FOUND);
	assert_hr(compile_o(t, "class Never { ", &o),
	          HR_WBEMMOF_E_EXPECTED_CLOSE_BRACE);
}

static void test_autorecover_list(void **state)
{
	struct ct *t = *state;
	struct mof_options o = { .default_ns = "root" };
	char *a, *b, **list = NULL;
	uint32_t n = 0;

	a = write_str(t, t->dir, "a.mof", "#pragma autorecover\nclass A { };");
	b = write_str(t, t->dir, "b.mof", "class B { };");
	assert_ok(mof_compile_file(t->r, a, &o, NULL, NULL));
	assert_ok(mof_compile_file(t->r, b, &o, NULL, NULL));
	assert_ok(repo_autorecover_list(t->r, t->mem, &list, &n));
	assert_int_equal(n, 1);
	assert_non_null(strstr(list[0], "/a.mof"));
	assert_true(list[0][0] == '/');
	o.autorecover = true;
	assert_ok(mof_repo_compile(&o, t->r, b, NULL));
	assert_ok(repo_autorecover_list(t->r, t->mem, &list, &n));
	assert_int_equal(n, 2);
	assert_non_null(strstr(list[1], "/b.mof"));
}

static void test_nested_in_caller_transaction(void **state)
{
	struct ct *t = *state;
	struct cim_class *c = NULL;

	assert_ok(repo_txn_begin(t->r));
	compile_ok(t, "class Inner { };");
	assert_hr(compile(t, "class Inner2 { }; instance of Nope { };"),
	          HR_WBEM_E_INVALID_CLASS);
	assert_int_equal(repo_txn_depth(t->r), 1);
	assert_ok(repo_txn_commit(t->r));
	assert_ok(repo_class_get(t->r, t->mem, "root", "Inner", &c));
	assert_hr(repo_class_get(t->r, t->mem, "root", "Inner2", &c),
	          HR_WBEM_E_NOT_FOUND);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup_teardown(test_classes_are_stored_local,
		                                setup, teardown),
		cmocka_unit_test_setup_teardown(test_aliases_resolve_forward,
		                                setup, teardown),
		cmocka_unit_test_setup_teardown(test_alias_key_cycle_is_refused,
		                                setup, teardown),
		cmocka_unit_test_setup_teardown(test_embedded_instances, setup,
		                                teardown),
		cmocka_unit_test_setup_teardown(
		        test_embedded_type_of_override_follows_parent, setup,
		        teardown),
		cmocka_unit_test_setup_teardown(test_class_flags, setup,
		                                teardown),
		cmocka_unit_test_setup_teardown(test_instance_flags, setup,
		                                teardown),
		cmocka_unit_test_setup_teardown(test_delete_pragmas, setup,
		                                teardown),
		cmocka_unit_test_setup_teardown(test_namespace_pragmas, setup,
		                                teardown),
		cmocka_unit_test_setup_teardown(
		        test_late_error_rolls_everything_back, setup, teardown),
		cmocka_unit_test_setup_teardown(
		        test_semantic_errors_have_positions, setup, teardown),
		cmocka_unit_test_setup_teardown(
		        test_repository_declarations_type_later_compiles, setup,
		        teardown),
		cmocka_unit_test_setup_teardown(test_check_only_writes_nothing,
		                                setup, teardown),
		cmocka_unit_test_setup_teardown(test_autorecover_list, setup,
		                                teardown),
		cmocka_unit_test_setup_teardown(
		        test_nested_in_caller_transaction, setup, teardown),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
