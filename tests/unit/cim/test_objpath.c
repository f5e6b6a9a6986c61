/*
 * Unit tests: object path parse, format, compare, and hostile input.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#include <cmocka.h>

#include <string.h>
#include <talloc.h>

#include "base/buf.h"
#include "cim/objpath.h"

static struct objpath *parse_ok(void *mem, const char *text)
{
	struct objpath *p = NULL;
	struct errinfo ei = { 0 };
	hresult hr = objpath_parse(mem, text, &p, &ei);

	if (hr_failed(hr)) {
		fail_msg("parse '%s': %s %s", text, hr_name(hr), ei.msg);
	}
	return p;
}

static void test_full_instance_path(void **state)
{
	void *mem = talloc_new(NULL);
	struct objpath *p = parse_ok(
	        mem, "\\\\.\\root\\cimv2:Win32_LogicalDisk.DeviceID="
	             "\"C:\"");

	(void)state;
	assert_string_equal(p->server, ".");
	assert_string_equal(p->ns, "root\\cimv2");
	assert_string_equal(p->cls, "Win32_LogicalDisk");
	assert_int_equal(p->n_keys, 1);
	assert_string_equal(p->keys[0].name, "DeviceID");
	assert_int_equal(p->keys[0].type, OBJPATH_KEY_STRING);
	assert_string_equal(p->keys[0].s, "C:");
	talloc_free(mem);
}

static void test_forward_slashes_and_single_quotes(void **state)
{
	void *mem = talloc_new(NULL);
	struct objpath *p = parse_ok(
	        mem, "//HOST/root/cimv2:Win32_Service.Name='Spo\"ol'");

	(void)state;
	assert_string_equal(p->server, "HOST");
	assert_string_equal(p->ns, "root\\cimv2");
	assert_string_equal(p->keys[0].s, "Spo\"ol");
	assert_string_equal(objpath_format(mem, p),
	                    "\\\\HOST\\root\\cimv2:Win32_Service.Name="
	                    "\"Spo\\\"ol\"");
	talloc_free(mem);
}

static void test_escapes_unescaped(void **state)
{
	void *mem = talloc_new(NULL);
	struct objpath *p = parse_ok(
	        mem,
	        "Win32_DiskDrive.DeviceID=\"\\\\\\\\.\\\\PHYSICALDRIVE0\"");

	(void)state;
	assert_string_equal(p->keys[0].s, "\\\\.\\PHYSICALDRIVE0");
	talloc_free(mem);
}

static void test_key_kinds(void **state)
{
	void *mem = talloc_new(NULL);
	struct objpath *p = parse_ok(
	        mem, "C.A=-5,B=0x1F,C=true,D=18446744073709551615,"
	             "E=-9223372036854775808,F=-0");

	(void)state;
	assert_int_equal(p->n_keys, 6);
	assert_int_equal(p->keys[0].type, OBJPATH_KEY_SINT);
	assert_true(p->keys[0].i == -5);
	assert_int_equal(p->keys[1].type, OBJPATH_KEY_UINT);
	assert_true(p->keys[1].u == 31);
	assert_int_equal(p->keys[2].type, OBJPATH_KEY_BOOL);
	assert_true(p->keys[2].b);
	assert_true(p->keys[3].u == UINT64_MAX);
	assert_true(p->keys[4].i == INT64_MIN);
	assert_int_equal(p->keys[5].type, OBJPATH_KEY_UINT);
	assert_string_equal(objpath_format(mem, p),
	                    "C.A=-5,B=31,C=TRUE,D=18446744073709551615,"
	                    "E=-9223372036854775808,F=0");
	talloc_free(mem);
}

static void test_shorthand_singleton_class_namespace(void **state)
{
	void *mem = talloc_new(NULL);
	struct objpath *p;

	(void)state;
	p = parse_ok(mem, "Win32_Service=\"Spooler\"");
	assert_int_equal(p->n_keys, 1);
	assert_null(p->keys[0].name);
	p = parse_ok(mem, "Win32_OperatingSystem=@");
	assert_true(p->singleton);
	assert_int_equal(p->n_keys, 0);
	p = parse_ok(mem, "Win32_Process");
	assert_string_equal(p->cls, "Win32_Process");
	assert_null(p->ns);
	p = parse_ok(mem, "\\\\srv\\root\\cimv2");
	assert_null(p->cls);
	assert_string_equal(p->ns, "root\\cimv2");
	p = parse_ok(mem, "root/default");
	assert_null(p->cls);
	assert_string_equal(p->ns, "root\\default");
	p = parse_ok(mem, "root\\cimv2:__NAMESPACE.Name=\"x\"");
	assert_null(p->server);
	assert_string_equal(p->ns, "root\\cimv2");
	assert_string_equal(objpath_format_rel(mem, p),
	                    "__NAMESPACE.Name=\"x\"");
	talloc_free(mem);
}

static void test_canonical_round_trip(void **state)
{
	static const char *const texts[] = {
		"Win32_OperatingSystem=@",
		"Win32_Service=\"Spooler\"",
		"Win32_Service.Name=\"Spooler\"",
		"\\\\.\\root\\cimv2:Win32_LogicalDisk.DeviceID=\"C:\"",
		"\\\\HOST\\root\\cimv2",
		"root\\cimv2:C.K=1",
		"C.B=FALSE,A=-3,Z=\"\"",
		"Win32_SystemServices.GroupComponent=\"\\\\\\\\HOST\\\\root\\\\"
		"cimv2:Win32_ComputerSystem.Name=\\\"HOST\\\"\",PartComponent="
		"\"Win32_Service.Name=\\\"x\\\"\"",
		"__SystemSecurity=@",
		"C.K=\"\xc3\xa9t\xc3\xa9\"",
	};
	void *mem = talloc_new(NULL);

	(void)state;
	for (size_t i = 0; i < sizeof(texts) / sizeof(texts[0]); i++) {
		struct objpath *p = parse_ok(mem, texts[i]);

		assert_string_equal(objpath_format(mem, p), texts[i]);
	}
	talloc_free(mem);
}

static void test_sort_and_equal(void **state)
{
	void *mem = talloc_new(NULL);
	struct objpath *a = parse_ok(mem, "c.b=2,A='x'");
	struct objpath *b = parse_ok(mem, "\\\\srv\\ROOT/x:C.a=\"x\",B=2");
	struct objpath *c = parse_ok(mem, "C.a=\"x\",B=3");
	struct objpath *r1 = parse_ok(mem, "A.R=\"B.y=1,x='q'\"");
	struct objpath *r2 = parse_ok(mem, "A.R=\"b.X=\\\"q\\\",Y=1\"");
	struct objpath *s1 = parse_ok(mem, "C=\"1\"");
	struct objpath *s2 = parse_ok(mem, "C.K=1");

	(void)state;
	objpath_sort_keys(a);
	assert_string_equal(objpath_format(mem, a), "c.A=\"x\",b=2");
	assert_true(objpath_equal(a, b));
	assert_false(objpath_equal(a, c));
	assert_true(objpath_equal(r1, r2));
	assert_true(objpath_equal(s1, s2));
	talloc_free(mem);
}

static void test_quote(void **state)
{
	struct buf b;

	(void)state;
	buf_init(&b, NULL);
	assert_true(hr_ok(objpath_quote(&b, "a\\b\"c")));
	assert_string_equal(b.data, "\"a\\\\b\\\"c\"");
	buf_release(&b);
}

struct bad_case {
	const char *text;
	size_t offset;
};

static void test_hostile_inputs(void **state)
{
	static const struct bad_case cases[] = {
		{ "", 0 },
		{ "C.K=\"abc", 4 },
		{ "C.K='abc\"", 4 },
		{ "C.K=\"a\\qb\"", 6 },
		{ "C .K=1", 1 },
		{ "C. K=1", 2 },
		{ "C.K =1", 3 },
		{ "C.K= 1", 4 },
		{ "C.K=1 ,J=2", 5 },
		{ "C.K=1, J=2", 6 },
		{ "C.K=1,", 6 },
		{ "C.", 2 },
		{ "C.K", 3 },
		{ "C.K=", 4 },
		{ "C.K=abc", 4 },
		{ "C.K=12x", 6 },
		{ "C.K=0x", 4 },
		{ "C.K=18446744073709551616", 4 },
		{ "C.K=-9223372036854775809", 4 },
		{ "C=@x", 2 },
		{ "C=\"a\"x", 5 },
		{ "1C.K=1", 0 },
		{ "\\\\", 2 },
		{ "\\\\srv", 5 },
		{ "\\\\srv\\root\\:C", 11 },
		{ "\\\\srv\\root x:C", 10 },
		{ "root\\\\cimv2:C", 5 },
		{ ":C", 0 },
		{ "C.K=\"\xff\"", 5 },
		{ "C.K=\"\xc0\xaf\"", 5 },
		{ "C.K=\"\xed\xa0\x80\"", 5 },
		{ "C.K=1.5", 5 },
		{ "C.K=TRUEX", 4 },
		{ "C.K=@", 4 },
		{ "C#", 1 },
		{ "C.A=1,B=2,a=3", 10 },
	};
	void *mem = talloc_new(NULL);

	(void)state;
	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		struct objpath *p = (struct objpath *)0x1;
		struct errinfo ei = { 0 };
		hresult hr = objpath_parse(mem, cases[i].text, &p, &ei);

		if (!hr_eq(hr, HR_WBEM_E_INVALID_OBJECT_PATH)) {
			fail_msg("case %zu '%s' gave %s", i, cases[i].text,
			         hr_name(hr));
		}
		assert_ptr_equal(p, (struct objpath *)0x1);
		if (ei.offset != cases[i].offset) {
			fail_msg("case %zu '%s': offset %zu, want %zu (%s)", i,
			         cases[i].text, ei.offset, cases[i].offset,
			         ei.msg);
		}
	}
	assert_int_equal(talloc_total_blocks(mem), 1);
	talloc_free(mem);
}

static void test_embedded_nul_and_null(void **state)
{
	static const char text[] = "C.K=\"a\0b\"";
	struct objpath *p = NULL;

	(void)state;
	assert_true(hr_eq(objpath_parse(NULL, text, &p, NULL),
	                  HR_WBEM_E_INVALID_OBJECT_PATH));
	assert_true(hr_eq(objpath_parse(NULL, NULL, &p, NULL),
	                  HR_WBEM_E_INVALID_OBJECT_PATH));
}

static void test_limits(void **state)
{
	void *mem = talloc_new(NULL);
	size_t big = 1024 * 1024;
	char *name = talloc_size(mem, big + 1);
	struct buf b;
	struct objpath *p = NULL;
	struct errinfo ei = { 0 };

	(void)state;
	memset(name, 'A', big);
	name[big] = '\0';
	assert_true(hr_eq(objpath_parse(mem, name, &p, &ei),
	                  HR_WBEM_E_INVALID_OBJECT_PATH));
	assert_int_equal(ei.offset, 65536);
	/* Exactly 64 KiB is accepted. */
	name[65536] = '\0';
	assert_true(hr_ok(objpath_parse(mem, name, &p, NULL)));
	/* 256 keys pass, 257 do not. */
	buf_init(&b, mem);
	buf_addstr(&b, "C");
	for (int i = 0; i < 257; i++) {
		buf_addf(&b, "%cK%d=%d", i ? ',' : '.', i, i);
		if (i == 255) {
			assert_true(
			        hr_ok(objpath_parse(mem, b.data, &p, NULL)));
			assert_int_equal(p->n_keys, 256);
		}
	}
	assert_true(hr_eq(objpath_parse(mem, b.data, &p, NULL),
	                  HR_WBEM_E_INVALID_OBJECT_PATH));
	talloc_free(mem);
}

static void test_deep_reference_nesting(void **state)
{
	void *mem = talloc_new(NULL);
	struct buf a;
	struct buf inner;
	struct objpath *p = NULL;
	struct objpath *q = NULL;

	(void)state;
	/*
	 * Path-in-key nesting doubles the escapes per level, so the 64 KiB
	 * limit stops it near 15 levels; 14 parse and compare (the compare
	 * recursion is capped at 16), 20 are refused by length.
	 */
	buf_init(&a, mem);
	buf_addstr(&a, "Z.K=1");
	for (int i = 0; i < 20; i++) {
		buf_init(&inner, mem);
		buf_addstr(&inner, "A.R=");
		objpath_quote(&inner, a.data);
		a = inner;
		if (i == 13) {
			assert_true(
			        hr_ok(objpath_parse(mem, a.data, &p, NULL)));
			assert_true(
			        hr_ok(objpath_parse(mem, a.data, &q, NULL)));
			assert_true(objpath_equal(p, q));
		}
	}
	assert_true(hr_eq(objpath_parse(mem, a.data, &p, NULL),
	                  HR_WBEM_E_INVALID_OBJECT_PATH));
	talloc_free(mem);
}

static void test_parse_out_of_memory(void **state)
{
	const char *text = "\\\\srv\\root\\cimv2:C.A=\"xxxxxxxxxxxxxxxxxx\","
	                   "B=2,C=\"yyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyy\"";
	bool saw_oom = false;
	bool saw_ok = false;

	(void)state;
	for (size_t cap = 16; cap < 4096; cap += 16) {
		void *lim = talloc_new(NULL);
		struct objpath *p = NULL;
		hresult hr;

#pragma GCC diagnostic push
#pragma GCC diagnostic ignored "-Wdeprecated-declarations"
		talloc_set_memlimit(lim, cap);
#pragma GCC diagnostic pop
		hr = objpath_parse(lim, text, &p, NULL);
		if (hr_eq(hr, HR_E_OUTOFMEMORY)) {
			saw_oom = true;
		} else {
			assert_true(hr_ok(hr));
			saw_ok = true;
		}
		talloc_free(lim);
	}
	assert_true(saw_oom);
	assert_true(saw_ok);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_full_instance_path),
		cmocka_unit_test(test_forward_slashes_and_single_quotes),
		cmocka_unit_test(test_escapes_unescaped),
		cmocka_unit_test(test_key_kinds),
		cmocka_unit_test(test_shorthand_singleton_class_namespace),
		cmocka_unit_test(test_canonical_round_trip),
		cmocka_unit_test(test_sort_and_equal),
		cmocka_unit_test(test_quote),
		cmocka_unit_test(test_hostile_inputs),
		cmocka_unit_test(test_embedded_nul_and_null),
		cmocka_unit_test(test_limits),
		cmocka_unit_test(test_deep_reference_nesting),
		cmocka_unit_test(test_parse_out_of_memory),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
