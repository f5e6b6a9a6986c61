/*
 * Allocation-failure loop (STYLE.md section 11) over mof_parse_buffer on a
 * small MOF that uses every kind of declaration (tests/unit/oomtest.h):
 * each allocation of the parse, failed in turn, gives E_OUTOFMEMORY and
 * leaves nothing under the context.  The memlimit sweep is not used here:
 * the parser talloc_steal()s its tables, which makes talloc 2.4.0's limit
 * point at itself and hang (docs/internals/memory.md).
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <string.h>
#include <talloc.h>

#include <cmocka.h>

#include "../oomtest.h"
#include "mof/mof.h"

static const char small_mof[] =
        "#pragma namespace(\"root\\\\test\")\n"
        "#pragma classflags(\"forceupdate\")\n"
        "Qualifier Description : string = null, Scope(any), "
        "Flavor(Translatable);\n"
        "Qualifier Key : boolean = false, Scope(property, reference), "
        "Flavor(DisableOverride);\n"
        "Qualifier ValueMap : string[], Scope(property, method, "
        "parameter);\n"
        "[Description(\"A base\") : Amended, Abstract]\n"
        "class T_Base {\n"
        "  [Key] string Name;\n"
        "  uint32 Size = 7;\n"
        "  [ValueMap {\"0\", \"1\"}] uint16 State;\n"
        "  datetime When = \"20240102030405.000000+000\";\n"
        "  uint32 Stop([in] boolean Force, [out] string Why);\n"
        "};\n"
        "class T_Leaf : T_Base {\n"
        "  string Tags[] = {\"a\", \"b\"};\n"
        "  T_Base ref Peer;\n"
        "  [EmbeddedInstance(\"T_Base\")] string Inner;\n"
        "};\n"
        "instance of T_Leaf as $one {\n"
        "  Name = \"one\" \"-concatenated\";\n"
        "  Size = 0x10;\n"
        "  Tags = {\"x\", \"y\", \"z\"};\n"
        "};\n"
        "instance of T_Leaf {\n"
        "  Name = \"two\";\n"
        "  Peer = $one;\n"
        "  Inner = instance of T_Leaf { Name = \"inner\"; };\n"
        "};\n"
        "#pragma deleteclass(\"T_Gone\", NOFAIL)\n";

static hresult parse(void *mem, void *arg)
{
	struct mof_unit *u = NULL;
	struct errinfo ei;
	hresult hr;

	(void)arg;
	err_clear(&ei);
	hr = mof_parse_buffer(mem, small_mof, sizeof(small_mof) - 1, "t.mof",
	                      NULL, &u, &ei);
	if (hr_ok(hr)) {
		assert_non_null(u);
		assert_int_equal(u->n_items, 8);
	} else {
		assert_null(u);
	}
	return hr;
}

static void test_mof_parse_every_failure(void **state)
{
	struct oom_loop l = { .body = parse, .flags = OOM_EMPTY_ON_FAILURE };

	(void)state;
	for_each_alloc_failure(&l);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_mof_parse_every_failure),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
