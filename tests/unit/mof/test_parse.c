/*
 * Unit tests: the MOF lexer and parser (mof layer; DSP0221 constructs,
 * Microsoft pragmas, qualifier typing and flavors, error positions).
 */
#include "moftest.h"

#include <stdlib.h>
#include <unistd.h>

static int setup(void **state)
{
	*state = talloc_new(NULL);
	return *state ? 0 : -1;
}

static int teardown(void **state)
{
	talloc_free(*state);
	return 0;
}

/* ---- Qualifier declarations ------------------------------------------ */

static void test_qualifier_declaration(void **state)
{
	struct mof_unit *u = parse_ok(
	        *state, "Qualifier Key : boolean = false,\n"
	                "    Scope(property, reference),\n"
	                "    Flavor(DisableOverride, ToSubclass);\n"
	                "qualifier Values : string[] = {\"a\", \"b\"}, "
	                "scope(property, method, parameter), "
	                "flavor(EnableOverride, ToSubclass, Translatable);\n"
	                "Qualifier MaxLen : uint32 = null, Scope(property);\n"
	                "Qualifier Abstract : boolean = false, Scope(class, "
	                "association, indication), Flavor(Restricted);\n");
	struct cim_qualifier_decl *d;

	assert_int_equal(u->n_items, 4);
	d = item_of(u, MOF_ITEM_QUALDECL, 0)->u.qd;
	assert_string_equal(d->name, "Key");
	assert_int_equal(d->type, CIM_T_BOOLEAN);
	assert_false(d->def.null);
	assert_false(d->def.v.b);
	assert_int_equal(d->scope, CIM_SCOPE_PROPERTY | CIM_SCOPE_REFERENCE);
	assert_int_equal(d->flavor,
	                 CIM_FLAVOR_DISABLE_OVERRIDE | CIM_FLAVOR_TO_SUBCLASS);

	d = item_of(u, MOF_ITEM_QUALDECL, 1)->u.qd;
	assert_int_equal(d->type, CIM_T_STRING | CIM_FLAG_ARRAY);
	assert_int_equal(d->def.v.a.n, 2);
	assert_string_equal(d->def.v.a.e.s[1], "b");
	assert_int_equal(d->flavor,
	                 CIM_FLAVOR_TO_SUBCLASS | CIM_FLAVOR_TRANSLATABLE);

	d = item_of(u, MOF_ITEM_QUALDECL, 2)->u.qd;
	assert_int_equal(d->type, CIM_T_UINT32);
	assert_true(d->def.null);
	assert_int_equal(d->scope, CIM_SCOPE_PROPERTY);

	d = item_of(u, MOF_ITEM_QUALDECL, 3)->u.qd;
	assert_int_equal(d->flavor & CIM_FLAVOR_TO_SUBCLASS, 0);
	assert_int_equal(d->scope, CIM_SCOPE_CLASS | CIM_SCOPE_ASSOCIATION |
	                                   CIM_SCOPE_INDICATION);
}

static void test_qualifier_use_takes_declared_type_and_flavor(void **state)
{
	struct mof_unit *u = parse_ok(
	        *state,
	        "Qualifier Key : boolean = false, Scope(property, reference), "
	        "Flavor(DisableOverride, ToSubclass);\n"
	        "Qualifier MaxLen : uint32 = null, Scope(property);\n"
	        "Qualifier Description : string = null, Scope(any), "
	        "Flavor(EnableOverride, ToSubclass, Translatable);\n"
	        "class A { [Key, MaxLen(64), Description(\"d\")] string K; };");
	struct cim_class *c = item_of(u, MOF_ITEM_CLASS, 0)->u.cls;
	const struct cim_qualifier *q;

	assert_int_equal(c->n_props, 1);
	q = qual(&c->props[0].quals, "key");
	assert_int_equal(q->value.type, CIM_T_BOOLEAN);
	assert_true(q->value.v.b);
	assert_int_equal(q->flavor,
	                 CIM_FLAVOR_DISABLE_OVERRIDE | CIM_FLAVOR_TO_SUBCLASS);
	q = qual(&c->props[0].quals, "MaxLen");
	assert_int_equal(q->value.type, CIM_T_UINT32);
	assert_int_equal(q->value.v.u, 64);
	q = qual(&c->props[0].quals, "Description");
	assert_int_equal(q->flavor,
	                 CIM_FLAVOR_TO_SUBCLASS | CIM_FLAVOR_TRANSLATABLE);
}

static void test_qualifier_use_states_own_flavor(void **state)
{
	struct mof_unit *u = parse_ok(
	        *state,
	        "Qualifier Description : string = null, Scope(any), "
	        "Flavor(ToSubclass, Translatable);\n"
	        "[Description(\"x\") : Amended Restricted DisableOverride, "
	        " Locale(1033) : ToInstance]\n"
	        "class A { };");
	struct cim_class *c = item_of(u, MOF_ITEM_CLASS, 0)->u.cls;
	const struct cim_qualifier *q = qual(&c->quals, "Description");

	assert_int_equal(q->flavor, CIM_FLAVOR_AMENDED |
	                                    CIM_FLAVOR_TRANSLATABLE |
	                                    CIM_FLAVOR_DISABLE_OVERRIDE);
	q = qual(&c->quals, "Locale");
	assert_int_equal(q->value.type, CIM_T_SINT32);
	assert_int_equal(q->value.v.i, 1033);
	assert_int_equal(q->flavor,
	                 CIM_FLAVOR_TO_SUBCLASS | CIM_FLAVOR_TO_INSTANCE);
}

static void test_wmi_flavor_only_declaration(void **state)
{
	struct mof_unit *u = parse_ok(
	        *state, "Qualifier Description : ToSubClass Amended;\n"
	                "class A { [Description(\"p\")] uint8 P; };");
	struct cim_class *c = item_of(u, MOF_ITEM_CLASS, 0)->u.cls;
	const struct cim_qualifier *q = qual(&c->props[0].quals, "Description");

	/* Flavor-only declarations are not stored, only applied. */
	assert_int_equal(u->n_items, 1);
	assert_int_equal(q->flavor,
	                 CIM_FLAVOR_TO_SUBCLASS | CIM_FLAVOR_AMENDED);
	assert_int_equal(q->value.type, CIM_T_STRING);
}

static void test_undeclared_qualifiers_take_value_types(void **state)
{
	struct mof_unit *u = parse_ok(
	        *state, "[dynamic, provider(\"P\"), n(-5), big(5000000000), "
	                "r(1.5), arr{1, 2, 3}, sarr{\"a\"}, c('x'), "
	                "nothing(null)]\n"
	                "class A { };");
	struct cim_class *c = item_of(u, MOF_ITEM_CLASS, 0)->u.cls;

	assert_true(qual(&c->quals, "dynamic")->value.v.b);
	assert_string_equal(qual(&c->quals, "provider")->value.v.s, "P");
	assert_int_equal(qual(&c->quals, "n")->value.type, CIM_T_SINT32);
	assert_int_equal(qual(&c->quals, "n")->value.v.i, -5);
	assert_int_equal(qual(&c->quals, "big")->value.type, CIM_T_SINT64);
	assert_int_equal(qual(&c->quals, "r")->value.type, CIM_T_REAL64);
	assert_int_equal(qual(&c->quals, "arr")->value.type,
	                 CIM_T_SINT32 | CIM_FLAG_ARRAY);
	assert_int_equal(qual(&c->quals, "arr")->value.v.a.n, 3);
	assert_int_equal(qual(&c->quals, "sarr")->value.type,
	                 CIM_T_STRING | CIM_FLAG_ARRAY);
	assert_int_equal(qual(&c->quals, "c")->value.type, CIM_T_CHAR16);
	assert_true(qual(&c->quals, "nothing")->value.null);
	assert_int_equal(qual(&c->quals, "dynamic")->flavor,
	                 CIM_FLAVOR_DEFAULT);
}

/* ---- Classes ---------------------------------------------------------- */

static void test_class_features(void **state)
{
	struct mof_unit *u = parse_ok(
	        *state,
	        "[Abstract] class CIM_Base { [key] string Id; };\n"
	        "class CIM_X : CIM_Base {\n"
	        "  uint8 a[];\n"
	        "  uint16 fixed[4];\n"
	        "  string s = \"def\";\n"
	        "  sint32 neg = -7;\n"
	        "  real32 r = 2.5;\n"
	        "  boolean b = TRUE;\n"
	        "  datetime when = \"20240102030405.000000+060\";\n"
	        "  char16 ch = 'z';\n"
	        "  uint32 list[] = {1, 2};\n"
	        "  CIM_Base REF Antecedent;\n"
	        "  [Implemented] uint32 Do([IN] string p, [IN, OUT] string q[],\n"
	        "      [OUT] CIM_Base REF r, [IN(false), OUT, ID(3)] uint8 v);\n"
	        "  void Nothing();\n"
	        "};");
	struct cim_class *c = item_of(u, MOF_ITEM_CLASS, 1)->u.cls;
	struct cim_method *m;
	int32_t k;

	assert_string_equal(c->name, "CIM_X");
	assert_string_equal(c->superclass, "CIM_Base");
	/* Local definitions only: no inherited Id. */
	assert_int_equal(cim_class_find_prop(c, "Id"), -1);
	assert_int_equal(c->n_props, 10);
	k = cim_class_find_prop(c, "a");
	assert_int_equal(c->props[k].type, CIM_T_UINT8 | CIM_FLAG_ARRAY);
	k = cim_class_find_prop(c, "fixed");
	assert_int_equal(c->props[k].type, CIM_T_UINT16 | CIM_FLAG_ARRAY);
	assert_int_equal(qual(&c->props[k].quals, "MAX")->value.v.i, 4);
	k = cim_class_find_prop(c, "s");
	assert_string_equal(c->props[k].value.v.s, "def");
	k = cim_class_find_prop(c, "neg");
	assert_int_equal(c->props[k].value.v.i, -7);
	k = cim_class_find_prop(c, "r");
	assert_true(c->props[k].value.v.r == 2.5);
	k = cim_class_find_prop(c, "b");
	assert_true(c->props[k].value.v.b);
	k = cim_class_find_prop(c, "when");
	assert_int_equal(c->props[k].type, CIM_T_DATETIME);
	k = cim_class_find_prop(c, "ch");
	assert_int_equal(c->props[k].value.v.u, 'z');
	k = cim_class_find_prop(c, "list");
	assert_int_equal(c->props[k].value.v.a.n, 2);
	assert_int_equal(c->props[k].value.v.a.e.u[1], 2);
	k = cim_class_find_prop(c, "antecedent");
	assert_int_equal(c->props[k].type, CIM_T_REFERENCE);
	assert_string_equal(c->props[k].ref_class, "CIM_Base");

	m = cim_class_find_method(c, "Do");
	assert_non_null(m);
	assert_int_equal(m->return_type, CIM_T_UINT32);
	assert_int_equal(m->n_params, 4);
	assert_true(m->params[0].in && !m->params[0].out);
	assert_true(m->params[1].in && m->params[1].out);
	assert_int_equal(m->params[1].type, CIM_T_STRING | CIM_FLAG_ARRAY);
	assert_int_equal(m->params[2].type, CIM_T_REFERENCE);
	assert_string_equal(m->params[2].ref_class, "CIM_Base");
	assert_true(!m->params[3].in && m->params[3].out);
	assert_int_equal(m->params[3].id, 3);
	assert_true(cim_qset_bool(&m->quals, "Implemented"));
	m = cim_class_find_method(c, "Nothing");
	assert_int_equal(m->return_type, CIM_T_EMPTY);
	assert_int_equal(m->n_params, 0);
}

static void test_embedded_object_types(void **state)
{
	struct mof_unit *u = parse_ok(
	        *state, "class E { string K; };\n"
	                "class A {\n"
	                "  [EmbeddedInstance(\"E\")] string one;\n"
	                "  [EmbeddedObject] string many[];\n"
	                "  object:E typed;\n"
	                "  object any;\n"
	                "  string plain;\n"
	                "  uint32 M([IN, EmbeddedInstance(\"E\")] string e);\n"
	                "};");
	struct cim_class *c = item_of(u, MOF_ITEM_CLASS, 1)->u.cls;

	assert_int_equal(c->props[0].type, CIM_T_OBJECT);
	assert_int_equal(c->props[1].type, CIM_T_OBJECT | CIM_FLAG_ARRAY);
	assert_int_equal(c->props[2].type, CIM_T_OBJECT);
	assert_string_equal(c->props[2].ref_class, "E");
	assert_int_equal(c->props[3].type, CIM_T_OBJECT);
	assert_int_equal(c->props[4].type, CIM_T_STRING);
	assert_int_equal(c->methods[0].params[0].type, CIM_T_OBJECT);
}

static void test_association_and_indication_keywords(void **state)
{
	struct mof_unit *u = parse_ok(*state,
	                              "class A { };\n"
	                              "association L { A ref x; A ref y; };\n"
	                              "indication I { };\n"
	                              "[Association] class L2 { A REF z; };");

	assert_true(cim_qset_bool(&item_of(u, MOF_ITEM_CLASS, 1)->u.cls->quals,
	                          "Association"));
	assert_true(cim_qset_bool(&item_of(u, MOF_ITEM_CLASS, 2)->u.cls->quals,
	                          "Indication"));
	assert_true(cim_qset_bool(&item_of(u, MOF_ITEM_CLASS, 3)->u.cls->quals,
	                          "association"));
}

static void test_keywords_are_case_insensitive(void **state)
{
	struct mof_unit *u = parse_ok(
	        *state, "QUALIFIER q : BOOLEAN = FALSE, SCOPE(ANY);\n"
	                "[Q] CLASS A : B { UINT32 X = 0X1F; B REF R; };\n"
	                "INSTANCE OF A AS $a { X = NULL; };\n"
	                "Instance Of A { R = $A; };");

	assert_int_equal(u->n_items, 4);
	assert_int_equal(
	        item_of(u, MOF_ITEM_CLASS, 0)->u.cls->props[0].value.v.u, 31);
	assert_string_equal(item_of(u, MOF_ITEM_INSTANCE, 0)->u.inst->alias,
	                    "a");
}

static void test_comments_and_whitespace(void **state)
{
	struct mof_unit *u = parse_ok(
	        *state,
	        "// line comment\n/* block\n comment */ class\t/**/A\r\n"
	        "{ // inside\n uint8 /* mid */ p; };\n/* tail */");
	struct cim_class *c = item_of(u, MOF_ITEM_CLASS, 0)->u.cls;

	assert_string_equal(c->name, "A");
	assert_int_equal(c->n_props, 1);
}

/* ---- Instances and values --------------------------------------------- */

static const struct mof_propval *pv(const struct mof_instance *mi,
                                    const char *name)
{
	for (uint32_t i = 0; i < mi->n_props; i++) {
		if (strcmp(mi->props[i].name, name) == 0) {
			return &mi->props[i];
		}
	}
	fail_msg("no property %s", name);
	return NULL;
}

static void test_instance_literals(void **state)
{
	struct mof_unit *u = parse_ok(
	        *state,
	        "instance of X as $x {\n"
	        "  d = 42; h = 0x2A; o = 052; bin = 101010b; n = -42;\n"
	        "  z = 0; big = 18446744073709551615; r = -1.25e2; r2 = .5;\n"
	        "  t = true; f = FALSE; nl = null;\n"
	        "  c1 = 'A'; c2 = '\\x41'; c3 = '\\n'; c4 = '\\'';\n"
	        "  s = \"a\" \"b\"\n \"c\";\n"
	        "  e = \"\\b\\t\\n\\f\\r\\\"\\'\\\\\\x41\\x00e9\\X263A\";\n"
	        "  u = \"\xc3\xa9t\xc3\xa9\";\n"
	        "  a = {1, 2, 3}; empty = {}; al = $x;\n"
	        "  emb = instance of Y { k = 1; inner = instance of Z { }; };\n"
	        "};");
	const struct mof_instance *mi = item_of(u, MOF_ITEM_INSTANCE, 0)
	                                        ->u.inst;
	const struct mof_val *v;

	assert_string_equal(mi->class_name, "X");
	assert_int_equal(pv(mi, "d")->val.u, 42);
	assert_int_equal(pv(mi, "h")->val.u, 42);
	assert_int_equal(pv(mi, "o")->val.u, 42);
	assert_int_equal(pv(mi, "bin")->val.u, 42);
	assert_true(pv(mi, "n")->val.neg);
	assert_int_equal(pv(mi, "n")->val.u, 42);
	assert_false(pv(mi, "z")->val.neg);
	assert_true(pv(mi, "big")->val.u == UINT64_MAX);
	assert_int_equal(pv(mi, "r")->val.kind, MOF_V_REAL);
	assert_true(pv(mi, "r")->val.r == -125.0);
	assert_true(pv(mi, "r2")->val.r == 0.5);
	assert_true(pv(mi, "t")->val.b);
	assert_false(pv(mi, "f")->val.b);
	assert_int_equal(pv(mi, "nl")->val.kind, MOF_V_NULL);
	assert_int_equal(pv(mi, "c1")->val.u, 'A');
	assert_int_equal(pv(mi, "c2")->val.u, 'A');
	assert_int_equal(pv(mi, "c3")->val.u, '\n');
	assert_int_equal(pv(mi, "c4")->val.u, '\'');
	assert_string_equal(pv(mi, "s")->val.s, "abc");
	assert_string_equal(pv(mi, "e")->val.s,
	                    "\b\t\n\f\r\"'\\A\xc3\xa9\xe2\x98\xba");
	assert_string_equal(pv(mi, "u")->val.s, "\xc3\xa9t\xc3\xa9");
	v = &pv(mi, "a")->val;
	assert_int_equal(v->kind, MOF_V_ARRAY);
	assert_int_equal(v->n, 3);
	assert_int_equal(v->a[2].u, 3);
	assert_int_equal(pv(mi, "empty")->val.n, 0);
	assert_int_equal(pv(mi, "al")->val.kind, MOF_V_ALIAS);
	assert_string_equal(pv(mi, "al")->val.s, "x");
	v = &pv(mi, "emb")->val;
	assert_int_equal(v->kind, MOF_V_INSTANCE);
	assert_string_equal(v->inst->class_name, "Y");
	assert_int_equal(pv(v->inst, "inner")->val.kind, MOF_V_INSTANCE);
}

static void test_forward_alias_reference(void **state)
{
	struct mof_unit *u = parse_ok(
	        *state,
	        "instance of L { a = $later; list = {$later, \"X.k=1\"}; };\n"
	        "instance of T as $later { k = 1; };");

	assert_int_equal(u->n_items, 2);
}

static void test_instance_qualifiers_and_positions(void **state)
{
	struct mof_unit *u = parse_ok(*state,
	                              "\n\n  [Locale(1033)]\n"
	                              "  instance of X { [q] p = 1; };");
	struct mof_item *it = item_of(u, MOF_ITEM_INSTANCE, 0);

	assert_int_equal(it->pos.line, 3);
	assert_int_equal(it->pos.col, 3);
	assert_string_equal(it->pos.file, "t.mof");
	assert_int_equal(qual(&it->u.inst->quals, "Locale")->value.v.i, 1033);
	assert_int_equal(it->u.inst->props[0].pos.line, 4);
}

/* ---- Encodings ---------------------------------------------------------- */

static size_t to_utf16(const char *s, uint8_t *out, bool be, bool bom)
{
	size_t n = 0;

	if (bom) {
		out[n++] = be ? 0xFE : 0xFF;
		out[n++] = be ? 0xFF : 0xFE;
	}
	for (; *s; s++) {
		out[n++] = be ? 0 : (uint8_t)*s;
		out[n++] = be ? (uint8_t)*s : 0;
	}
	return n;
}

static void test_utf16_and_bom_inputs(void **state)
{
	const char *text = "class A { string s = \"x\"; };";
	uint8_t buf[256];
	struct mof_unit *u = NULL;
	struct errinfo ei;
	size_t n;

	n = to_utf16(text, buf, false, true);
	assert_ok(mof_parse_buffer(*state, buf, n, "le.mof", NULL, &u, &ei));
	assert_string_equal(item_of(u, MOF_ITEM_CLASS, 0)->u.cls->name, "A");
	n = to_utf16(text, buf, true, true);
	assert_ok(mof_parse_buffer(*state, buf, n, "be.mof", NULL, &u, &ei));
	assert_string_equal(item_of(u, MOF_ITEM_CLASS, 0)->u.cls->name, "A");
	n = to_utf16(text, buf, false, false);
	assert_ok(mof_parse_buffer(*state, buf, n, "nobom.mof", NULL, &u, &ei));
	memcpy(buf, "\xEF\xBB\xBF", 3);
	memcpy(buf + 3, text, strlen(text));
	assert_ok(mof_parse_buffer(*state, buf, strlen(text) + 3, "bom.mof",
	                           NULL, &u, &ei));
	assert_string_equal(item_of(u, MOF_ITEM_CLASS, 0)->u.cls->name, "A");
}

/* ---- Pragmas ------------------------------------------------------------ */

static void test_namespace_pragmas(void **state)
{
	struct mof_options o = { .default_ns = "root\\cimv2" };
	struct mof_unit *u = parse_ok_o(
	        *state,
	        "class A { };\n"
	        "#pragma namespace(\"sub\")\n class B { };\n"
	        "#pragma namespace(\"\\\\\\\\.\\\\root\\\\x\")\n class C { };\n"
	        "#pragma namespace(\"root\\\\y\")\n class D { };\n"
	        "#pragma namespace(\"//./root/z/\")\n class E { };\n"
	        "#pragma NAMESPACE (\"deeper\\\\more\")\n class F { };\n",
	        &o);

	assert_string_equal(item_of(u, MOF_ITEM_CLASS, 0)->ns, "root\\cimv2");
	assert_string_equal(item_of(u, MOF_ITEM_CLASS, 1)->ns,
	                    "root\\cimv2\\sub");
	assert_string_equal(item_of(u, MOF_ITEM_CLASS, 2)->ns, "root\\x");
	assert_string_equal(item_of(u, MOF_ITEM_CLASS, 3)->ns, "root\\y");
	assert_string_equal(item_of(u, MOF_ITEM_CLASS, 4)->ns, "root\\z");
	assert_string_equal(item_of(u, MOF_ITEM_CLASS, 5)->ns,
	                    "root\\z\\deeper\\more");
}

static void test_namespace_create_pragma(void **state)
{
	struct mof_unit *u = parse_ok(
	        *state, "#pragma namespace(\"\\\\\\\\.\\\\root\\\\new\")\n"
	                "#pragma namespace(\"__create\")\n"
	                "class A { };\n"
	                "#pragma namespace(\"child\")\n");

	assert_string_equal(item_of(u, MOF_ITEM_NSCREATE, 0)->ns, "root\\new");
	/* Create mode stays on for later namespace pragmas. */
	assert_string_equal(item_of(u, MOF_ITEM_NSCREATE, 1)->ns,
	                    "root\\new\\child");
}

static void test_flag_pragmas(void **state)
{
	struct mof_options o = { .class_flags = MOF_CLASS_UPDATE_ONLY };
	struct mof_unit *u = parse_ok_o(
	        *state,
	        "class A { };\n"
	        "#pragma classflags(\"createonly\")\n class B { };\n"
	        "#pragma classflags(\"forceupdate\", \"updateonly\")\n class C "
	        "{ };\n"
	        "#pragma classflags(64)\n class D { };\n"
	        "#pragma classflags(\"safeupdate\")\n class E { };\n"
	        "#pragma instanceflags(\"updateonly\")\n instance of A { };\n"
	        "#pragma instanceflags(2)\n instance of A { };\n",
	        &o);

	assert_int_equal(item_of(u, MOF_ITEM_CLASS, 0)->flags,
	                 MOF_CLASS_UPDATE_ONLY);
	assert_int_equal(item_of(u, MOF_ITEM_CLASS, 1)->flags,
	                 MOF_CLASS_CREATE_ONLY);
	assert_int_equal(item_of(u, MOF_ITEM_CLASS, 2)->flags,
	                 MOF_CLASS_FORCE_UPDATE | MOF_CLASS_UPDATE_ONLY);
	assert_int_equal(item_of(u, MOF_ITEM_CLASS, 3)->flags,
	                 MOF_CLASS_FORCE_UPDATE);
	assert_int_equal(item_of(u, MOF_ITEM_CLASS, 4)->flags,
	                 MOF_CLASS_SAFE_UPDATE);
	assert_int_equal(item_of(u, MOF_ITEM_INSTANCE, 0)->flags,
	                 MOF_INSTANCE_UPDATE_ONLY);
	assert_int_equal(item_of(u, MOF_ITEM_INSTANCE, 1)->flags,
	                 MOF_INSTANCE_CREATE_ONLY);
}

static void test_delete_and_misc_pragmas(void **state)
{
	struct mof_unit *u = parse_ok(
	        *state, "#pragma deleteclass(\"Old\", NOFAIL)\n"
	                "#pragma deleteinstance(\"X.k=\\\"v\\\"\", FAIL)\n"
	                "#pragma autorecover\n"
	                "#pragma locale(\"MS_409\")\n"
	                "#pragma amendment(\"MS_409\")\n"
	                "#pragma amendment(\"ms_409\")\n"
	                "#pragma source(\"anything\")\n");
	struct mof_item *it = item_of(u, MOF_ITEM_DELETECLASS, 0);

	assert_string_equal(it->u.del.name, "Old");
	assert_false(it->u.del.fail);
	it = item_of(u, MOF_ITEM_DELETEINSTANCE, 0);
	assert_string_equal(it->u.del.name, "X.k=\"v\"");
	assert_true(it->u.del.fail);
	assert_true(u->autorecover);
	assert_string_equal(u->locale, "MS_409");
	assert_string_equal(u->amendment, "ms_409");
}

static void test_include_relative_to_including_file(void **state)
{
	char dir[] = "/tmp/moftestXXXXXX";
	struct mof_unit *u = NULL;
	struct errinfo ei;
	char *top;

	assert_non_null(mkdtemp(dir));
	assert_int_equal(
	        system(talloc_asprintf(*state, "mkdir -p %s/sub", dir)), 0);
	top = write_str(*state, dir, "top.mof",
	                "#pragma include(\"sub/a.mof\")\nclass Z : A { };\n");
	write_str(*state, dir, "sub/a.mof",
	          "#pragma namespace(\"root\\\\inc\")\n"
	          "#pragma include(\"b.mof\")\nclass A : B { };");
	write_str(*state, dir, "sub/b.mof", "class B { };");
	err_clear(&ei);
	assert_ok(mof_parse_file(*state, top, NULL, &u, &ei));
	assert_int_equal(u->n_files, 3);
	assert_int_equal(u->n_items, 3);
	assert_string_equal(item_of(u, MOF_ITEM_CLASS, 0)->u.cls->name, "B");
	assert_non_null(
	        strstr(item_of(u, MOF_ITEM_CLASS, 0)->pos.file, "sub/b.mof"));
	/* The namespace set in an include stays in force after it. */
	assert_string_equal(item_of(u, MOF_ITEM_CLASS, 2)->ns, "root\\inc");
	assert_int_equal(item_of(u, MOF_ITEM_CLASS, 2)->pos.line, 2);
	assert_int_equal(system(talloc_asprintf(*state, "rm -rf %s", dir)), 0);
}

/* ---- Errors ------------------------------------------------------------- */

struct bad_case {
	const char *text;
	uint32_t code;
	uint32_t line, col;
};

static const struct bad_case bad_cases[] = {
	{ "class A { uint8 p }", 0x80044002, 1, 19 },            /* ; */
	{ "class A { uint8 p; ", 0x80044004, 1, 20 },            /* } */
	{ "class A uint8 p; };", 0x80044003, 1, 9 },             /* { */
	{ "[key class A {};", 0x80044005, 1, 6 },                /* ] */
	{ "[Description(\"x\" class A {};", 0x80044006, 1, 18 }, /* ) */
	{ "class A { uint8 p = ; };", 0x80044007, 1, 21 },       /* value */
	{ "class A { [k] ; };", 0x80044008, 1, 15 },             /* type */
	{ "#pragma deleteclass \"x\"", 0x80044009, 1, 21 },      /* ( */
	{ "class A { uint8 p; } ; @", 0x8004400A, 1, 24 },       /* token */
	{ "class A { uint12 p; };", 0x8004400B, 1, 11 },
	{ "class A { uint8 ; };", 0x8004400C, 1, 17 },
	{ "typedef uint8 x;", 0x8004400D, 1, 1 },
	{ "class A { uint8 p = $a; };", 0x8004400E, 1, 21 },
	{ "[q(1, 2)] class A {};", 0x80044006, 1, 5 },
	{ "#pragma frobnicate(\"x\")", 0x80044012, 1, 9 },
	{ "#pragma namespace(1)", 0x80044013, 1, 20 },
	{ "class { };", 0x80044014, 1, 7 },
	{ "instance X { };", 0x80044018, 1, 10 },
	{ "instance of X as a { };", 0x80044019, 1, 18 },
	{ "class A { uint8 p; uint16 P; };", 0x8004401B, 1, 27 },
	{ "class A { uint8 p = 99999999999999999999; };", 0x8004401D, 1, 21 },
	{ "instance of X { e = instance of Y as $a { }; };", 0x8004401F, 1,
	  35 },
	{ "[k, K] class A {};", 0x80044021, 1, 5 },
	{ "[k : Sideways] class A {};", 0x80044022, 1, 6 },
	{ "[k : ToSubclass Restricted] class A {};", 0x80044023, 1, 17 },
	{ "instance of X as $a as $b { };", 0x80044024, 1, 24 },
	{ "#pragma classflags(\"sometimes\")", 0x80044028, 1, 20 },
	{ "#pragma classflags(\"createonly\", \"updateonly\")", 0x80044028, 1,
	  46 },
	{ "#pragma deleteinstance(\"X=1\")", 0x8004402C, 1, 29 },
	{ "#pragma deleteclass(\"X\", MAYBE)", 0x80044031, 1, 26 },
	{ "Qualifier q boolean;", 0x8004402D, 1, 13 },
	{ "Qualifier q : boolean, Scope(galaxy);", 0x8004402D, 1, 30 },
	{ "Qualifier k : boolean, Scope(property);\n[k] class A {};",
	  0x8004402E, 2, 2 },
	{ "#pragma include(\"/nonexistent/x.mof\")", 0x80044030, 1, 17 },
	{ "#pragma amendment(\"MS_409\")\n#pragma amendment(\"MS_407\")",
	  0x80044011, 2, 27 },
	{ "class A { uint8 p = 256; };", 0x8004102B, 1, 21 },
	{ "class A { uint8 p = \"x\"; };", 0x80041005, 1, 21 },
	{ "class A { uint8 p = {1}; };", 0x80041005, 1, 21 },
	{ "class A { datetime d = \"yesterday\"; };", 0x80041008, 1, 24 },
	{ "instance of X { r = $nowhere; };", 0x80041002, 1, 21 },
	{ "instance of X { p = 1; P = 2; };", 0x8004401B, 1, 24 },
	{ "class A { uint8 M([in] uint8 a, [in] uint8 A); };", 0x80041043, 1,
	  44 },
	{ "class A { string s = \"a\\qb\"; };", 0x80044007, 1, 24 },
	{ "class A { char16 c = ''; };", 0x80044007, 1, 22 },
	{ "class A { uint8 p = 12ab; };", 0x80044007, 1, 21 },
	{ "class A { uint8 p = 09; };", 0x80044007, 1, 21 },
	{ "class A { uint8 p = 102b; };", 0x80044007, 1, 21 },
	{ "class A { uint8 p = {{1}}; };", 0x8004400F, 1, 22 },
};

static void test_error_codes_and_positions(void **state)
{
	(void)state;
	for (size_t i = 0; i < sizeof(bad_cases) / sizeof(bad_cases[0]); i++) {
		const struct bad_case *c = &bad_cases[i];
		struct errinfo ei;
		hresult hr = parse_fail(c->text, strlen(c->text), &ei);

		if (hr.v != c->code || ei.line != c->line || ei.col != c->col) {
			fail_msg("case %zu '%s': got 0x%08X at %u:%u (%s), "
			         "want 0x%08X at %u:%u",
			         i, c->text, hr.v, ei.line, ei.col, ei.msg,
			         c->code, c->line, c->col);
		}
		assert_string_equal(ei.file, "t.mof");
		assert_true(ei.msg[0] != '\0');
	}
}

static void test_error_message_names_expected_and_found(void **state)
{
	struct errinfo ei;

	(void)state;
	assert_hr(parse_fail("class A {\n  uint8 p\n};",
	                     strlen("class A {\n  uint8 p\n};"), &ei),
	          HR_WBEMMOF_E_EXPECTED_SEMI);
	assert_int_equal(ei.line, 3);
	assert_int_equal(ei.col, 1);
	assert_non_null(strstr(ei.msg, "expected ';'"));
	assert_non_null(strstr(ei.msg, "found '}'"));
	assert_true(mof_error_is_syntax(ei.hr));
	assert_false(mof_error_is_syntax(HR_WBEM_E_NOT_FOUND));
}

/* ---- Hostile inputs ----------------------------------------------------- */

static void test_unterminated_string_and_comment(void **state)
{
	struct errinfo ei;

	(void)state;
	assert_hr(parse_fail("class A { string s = \"abc",
	                     strlen("class A { string s = \"abc"), &ei),
	          HR_WBEMMOF_E_ILLEGAL_CONSTANT_VALUE);
	assert_int_equal(ei.col, 22);
	assert_hr(parse_fail("class A { string s = \"abc\n\"; };",
	                     strlen("class A { string s = \"abc\n\"; };"), &ei),
	          HR_WBEMMOF_E_ILLEGAL_CONSTANT_VALUE);
	assert_hr(parse_fail("class A {};\n  /* never ends",
	                     strlen("class A {};\n  /* never ends"), &ei),
	          HR_WBEMMOF_E_UNRECOGNIZED_TOKEN);
	assert_int_equal(ei.line, 2);
	assert_int_equal(ei.col, 3);
	assert_hr(parse_fail("class A { char16 c = 'x",
	                     strlen("class A { char16 c = 'x"), &ei),
	          HR_WBEMMOF_E_ILLEGAL_CONSTANT_VALUE);
	assert_hr(parse_fail("class A { string s = \"\\x\"; };",
	                     strlen("class A { string s = \"\\x\"; };"), &ei),
	          HR_WBEMMOF_E_ILLEGAL_CONSTANT_VALUE);
	assert_hr(parse_fail("class A { string s = \"\\xD800\"; };",
	                     strlen("class A { string s = \"\\xD800\"; };"),
	                     &ei),
	          HR_WBEMMOF_E_ILLEGAL_CONSTANT_VALUE);
	assert_hr(parse_fail("class A { string s = \"\\x0\"; };",
	                     strlen("class A { string s = \"\\x0\"; };"), &ei),
	          HR_WBEMMOF_E_ILLEGAL_CONSTANT_VALUE);
}

static void test_huge_identifier_is_refused(void **state)
{
	size_t n = 10u * 1024 * 1024;
	char *text = talloc_array(*state, char, n + 16);
	struct errinfo ei;

	memcpy(text, "class ", 6);
	memset(text + 6, 'a', n);
	memcpy(text + 6 + n, " { };", 5);
	assert_hr(parse_fail(text, n + 11, &ei),
	          HR_WBEMMOF_E_UNRECOGNIZED_TOKEN);
	assert_int_equal(ei.col, 7);
	assert_non_null(strstr(ei.msg, "identifier"));
}

static void test_deep_embedded_instances_are_refused(void **state)
{
	const char *open = "instance of X { p = ";
	size_t depth = 10000, lo = strlen(open);
	char *text = talloc_array(*state, char, depth *(lo + 4) + 64);
	size_t n = 0;
	struct errinfo ei;

	for (size_t i = 0; i < depth; i++) {
		memcpy(text + n, open, lo);
		n += lo;
	}
	memcpy(text + n, "1;", 2);
	n += 2;
	for (size_t i = 0; i < depth; i++) {
		memcpy(text + n, "};", 2);
		n += 2;
	}
	assert_hr(parse_fail(text, n, &ei),
	          HR_WBEMMOF_E_INVALID_INSTANCE_DECLARATION);
	assert_non_null(strstr(ei.msg, "deeper"));
	/* 64 levels are fine. */
	n = 0;
	for (size_t i = 0; i < 64; i++) {
		memcpy(text + n, open, lo);
		n += lo;
	}
	memcpy(text + n, "1;", 2);
	n += 2;
	for (size_t i = 0; i < 64; i++) {
		memcpy(text + n, i == 63 ? "};" : "};", 2);
		n += 2;
	}
	text[n] = '\0';
	parse_ok(*state, text);
}

static void test_nul_bytes_and_bad_utf8(void **state)
{
	struct errinfo ei;

	(void)state;
	assert_hr(parse_fail("class A {\n uint8 \0p; };", 23, &ei),
	          HR_WBEMMOF_E_INVALID_FILE);
	assert_int_equal(ei.line, 2);
	assert_int_equal(ei.col, 8);
	assert_hr(parse_fail("class A { string s = \"\xc3\x28\"; };",
	                     strlen("class A { string s = \"\xc3\x28\"; };"),
	                     &ei),
	          HR_WBEMMOF_E_INVALID_FILE);
	assert_int_equal(ei.col, 23);
	assert_hr(parse_fail("class \xed\xa0\x80 {};",
	                     strlen("class \xed\xa0\x80 {};"), &ei),
	          HR_WBEMMOF_E_INVALID_FILE);
	assert_hr(parse_fail("\xff\xfe\x00\xd8", 4, &ei),
	          HR_WBEMMOF_E_INVALID_FILE);
	assert_hr(parse_fail("\xff\xfe\x41", strlen("\xff\xfe\x41"), &ei),
	          HR_WBEMMOF_E_INVALID_FILE);
}

static void test_include_cycle_and_missing_include(void **state)
{
	char dir[] = "/tmp/moftestXXXXXX";
	struct mof_unit *u = NULL;
	struct errinfo ei;
	char *a;

	assert_non_null(mkdtemp(dir));
	a = write_str(*state, dir, "a.mof",
	              "class A { };\n#pragma include(\"b.mof\")\n");
	write_str(*state, dir, "b.mof", "#pragma include(\"./a.mof\")\n");
	err_clear(&ei);
	assert_hr(mof_parse_file(*state, a, NULL, &u, &ei),
	          HR_WBEMMOF_E_ERROR_INVALID_INCLUDE_FILE);
	assert_non_null(strstr(ei.msg, "cycle"));
	assert_non_null(strstr(ei.file, "b.mof"));
	assert_int_equal(ei.line, 1);
	assert_int_equal(ei.col, 17);

	write_str(*state, dir, "b.mof", "#pragma include(\"gone.mof\")\n");
	err_clear(&ei);
	assert_hr(mof_parse_file(*state, a, NULL, &u, &ei),
	          HR_WBEMMOF_E_ERROR_INVALID_INCLUDE_FILE);
	assert_non_null(strstr(ei.msg, "gone.mof"));

	err_clear(&ei);
	assert_hr(mof_parse_file(*state, "/nonexistent/top.mof", NULL, &u, &ei),
	          HR_HR_ERROR_FILE_NOT_FOUND);
	assert_null(u);
	assert_int_equal(system(talloc_asprintf(*state, "rm -rf %s", dir)), 0);
}

static void test_includes_can_be_disabled(void **state)
{
	struct mof_options o = { .no_includes = true };
	const char *text = "#pragma include(\"x.mof\")";
	struct mof_unit *u = NULL;
	struct errinfo ei;

	err_clear(&ei);
	assert_hr(
	        mof_parse_buffer(*state, text, strlen(text), NULL, &o, &u, &ei),
	        HR_WBEMMOF_E_ERROR_INVALID_INCLUDE_FILE);
	assert_string_equal(ei.file, "<buffer>");
}

static void test_limits_are_configurable(void **state)
{
	struct mof_options o = { .max_ident = 4, .max_depth = 2 };
	const char *text = "class ABCDE { };";
	struct mof_unit *u = NULL;
	struct errinfo ei;

	err_clear(&ei);
	assert_hr(
	        mof_parse_buffer(*state, text, strlen(text), NULL, &o, &u, &ei),
	        HR_WBEMMOF_E_UNRECOGNIZED_TOKEN);
	text = "instance of A { p = instance of B { q = instance of C { }; "
	       "}; };";
	o.max_ident = 0;
	err_clear(&ei);
	assert_hr(
	        mof_parse_buffer(*state, text, strlen(text), NULL, &o, &u, &ei),
	        HR_WBEMMOF_E_INVALID_INSTANCE_DECLARATION);
	o.max_depth = 0;
	o.max_ident = 0;
	err_clear(&ei);
	assert_ok(mof_parse_buffer(*state, text, strlen(text), NULL, &o, &u,
	                           &ei));
}

static void test_file_size_limit(void **state)
{
	struct mof_options o = { .max_file_size = 8 };
	char dir[] = "/tmp/moftestXXXXXX";
	struct mof_unit *u = NULL;
	struct errinfo ei;
	char *a, *b;

	assert_non_null(mkdtemp(dir));
	a = write_str(*state, dir, "a.mof", "class A { };");
	b = write_str(*state, dir, "b.mof", ";;");
	err_clear(&ei);
	assert_hr(mof_parse_file(*state, a, &o, &u, &ei),
	          HR_WBEMMOF_E_INVALID_FILE);
	assert_ok(mof_parse_file(*state, b, &o, &u, &ei));
	assert_int_equal(u->n_items, 0);
	unlink(a);
	unlink(b);
	rmdir(dir);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup_teardown(test_qualifier_declaration,
		                                setup, teardown),
		cmocka_unit_test_setup_teardown(
		        test_qualifier_use_takes_declared_type_and_flavor,
		        setup, teardown),
		cmocka_unit_test_setup_teardown(
		        test_qualifier_use_states_own_flavor, setup, teardown),
		cmocka_unit_test_setup_teardown(
		        test_wmi_flavor_only_declaration, setup, teardown),
		cmocka_unit_test_setup_teardown(
		        test_undeclared_qualifiers_take_value_types, setup,
		        teardown),
		cmocka_unit_test_setup_teardown(test_class_features, setup,
		                                teardown),
		cmocka_unit_test_setup_teardown(test_embedded_object_types,
		                                setup, teardown),
		cmocka_unit_test_setup_teardown(
		        test_association_and_indication_keywords, setup,
		        teardown),
		cmocka_unit_test_setup_teardown(
		        test_keywords_are_case_insensitive, setup, teardown),
		cmocka_unit_test_setup_teardown(test_comments_and_whitespace,
		                                setup, teardown),
		cmocka_unit_test_setup_teardown(test_instance_literals, setup,
		                                teardown),
		cmocka_unit_test_setup_teardown(test_forward_alias_reference,
		                                setup, teardown),
		cmocka_unit_test_setup_teardown(
		        test_instance_qualifiers_and_positions, setup,
		        teardown),
		cmocka_unit_test_setup_teardown(test_utf16_and_bom_inputs,
		                                setup, teardown),
		cmocka_unit_test_setup_teardown(test_namespace_pragmas, setup,
		                                teardown),
		cmocka_unit_test_setup_teardown(test_namespace_create_pragma,
		                                setup, teardown),
		cmocka_unit_test_setup_teardown(test_flag_pragmas, setup,
		                                teardown),
		cmocka_unit_test_setup_teardown(test_delete_and_misc_pragmas,
		                                setup, teardown),
		cmocka_unit_test_setup_teardown(
		        test_include_relative_to_including_file, setup,
		        teardown),
		cmocka_unit_test_setup_teardown(test_error_codes_and_positions,
		                                setup, teardown),
		cmocka_unit_test_setup_teardown(
		        test_error_message_names_expected_and_found, setup,
		        teardown),
		cmocka_unit_test_setup_teardown(
		        test_unterminated_string_and_comment, setup, teardown),
		cmocka_unit_test_setup_teardown(test_huge_identifier_is_refused,
		                                setup, teardown),
		cmocka_unit_test_setup_teardown(
		        test_deep_embedded_instances_are_refused, setup,
		        teardown),
		cmocka_unit_test_setup_teardown(test_nul_bytes_and_bad_utf8,
		                                setup, teardown),
		cmocka_unit_test_setup_teardown(
		        test_include_cycle_and_missing_include, setup,
		        teardown),
		cmocka_unit_test_setup_teardown(test_includes_can_be_disabled,
		                                setup, teardown),
		cmocka_unit_test_setup_teardown(test_limits_are_configurable,
		                                setup, teardown),
		cmocka_unit_test_setup_teardown(test_file_size_limit, setup,
		                                teardown),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
