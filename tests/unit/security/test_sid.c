/*
 * Unit tests for security/sid: string and binary forms (MS-DTYP 2.4.2),
 * aliases and well-known names.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#include <cmocka.h>

#include <string.h>
#include <talloc.h>

#include "base/buf.h"
#include "security/sid.h"

static void roundtrip_string(const char *s)
{
	struct sec_sid sid;
	char out[SEC_SID_STRING_MAX];

	assert_true(hr_ok(sec_sid_parse(s, &sid, NULL)));
	assert_string_equal(sec_sid_format(&sid, out), s);
}

static void test_string_roundtrip(void **state)
{
	(void)state;
	roundtrip_string("S-1-5-32-544");
	roundtrip_string("S-1-1-0");
	roundtrip_string("S-1-5-21-3623811015-3361044348-30300820-1013");
	roundtrip_string("S-1-15-3-1024-2405443489-874036122-4286035555-"
	                 "1823921565-1746547431-2453885448-3625952902-"
	                 "991631256");
	roundtrip_string("S-1-5");
	roundtrip_string("S-1-4294967295-4294967295");
	/* Authorities of 2^32 and up print as 12 hex digits. */
	roundtrip_string("S-1-0x000100000000-7");
	roundtrip_string("S-1-0xFFFFFFFFFFFF-1-2-3-4-5-6-7-8-9-10-11-12-13-14"
	                 "-15");
}

static void test_parse_values(void **state)
{
	struct sec_sid sid;

	(void)state;
	assert_true(hr_ok(sec_sid_parse("S-1-5-32-544", &sid, NULL)));
	assert_true(sec_sid_equal(&sid, &sec_sid_builtin_admins));
	assert_int_equal(sec_sid_authority(&sid), 5);
	assert_int_equal(sid.n_sub, 2);
	assert_int_equal(sec_sid_rid(&sid), 544);
	/* A lower-case 's' and a decimal authority above 2^32 are read. */
	assert_true(hr_ok(sec_sid_parse("s-1-4294967296-1", &sid, NULL)));
	assert_int_equal(sec_sid_authority(&sid), 4294967296ull);
}

static void test_parse_rejects(void **state)
{
	static const char *const bad[] = {
		"",
		"S",
		"S-",
		"S-1",
		"S-2-5-32",
		"X-1-5",
		"S-1-5-",
		"S-1-5--1",
		"S-1-5-32-544 ",
		"S-1-5-4294967296",
		"S-1-281474976710656",
		"S-1-0x1000000000000",
		"S-1-0x-1",
		"S-1-0x1",
		"S-1-0x00000000000",
		"S-1-5-1-2-3-4-5-6-7-8-9-10-11-12-13-14-15-16",
		"S-1-5-3a",
	};
	struct errinfo ei;
	struct sec_sid sid = sec_sid_everyone;

	(void)state;
	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		err_clear(&ei);
		assert_true(hr_eq(sec_sid_parse(bad[i], &sid, &ei),
		                  HR_WBEM_E_INVALID_SYNTAX));
		assert_true(ei.col >= 1);
		/* The output is untouched on failure. */
		assert_true(sec_sid_equal(&sid, &sec_sid_everyone));
	}
}

static void test_binary_roundtrip(void **state)
{
	static const uint8_t admins[] = { 1,  2, 0, 0, 0,    0, 0, 5,
		                          32, 0, 0, 0, 0x20, 2, 0, 0 };
	struct buf b;
	struct sec_sid sid;
	size_t used = 0;

	(void)state;
	buf_init(&b, NULL);
	assert_true(hr_ok(sec_sid_encode(&sec_sid_builtin_admins, &b)));
	assert_int_equal(b.len, sizeof(admins));
	assert_memory_equal(b.data, admins, sizeof(admins));
	assert_int_equal(sec_sid_wire_size(&sec_sid_builtin_admins), 16);
	assert_true(hr_ok(
	        sec_sid_decode(admins, sizeof(admins), &used, &sid, NULL)));
	assert_int_equal(used, 16);
	assert_true(sec_sid_equal(&sid, &sec_sid_builtin_admins));
	buf_release(&b);
}

static void test_binary_rejects(void **state)
{
	uint8_t raw[SEC_SID_WIRE_MAX];
	struct sec_sid sid;
	struct buf b;

	(void)state;
	buf_init(&b, NULL);
	assert_true(hr_ok(sec_sid_encode(&sec_sid_dcom_users, &b)));
	/* Every strict prefix is refused. */
	for (size_t n = 0; n < b.len; n++) {
		assert_true(hr_eq(
		        sec_sid_decode((uint8_t *)b.data, n, NULL, &sid, NULL),
		        HR_WBEM_E_INVALID_OBJECT));
	}
	memcpy(raw, b.data, b.len);
	raw[0] = 2;
	assert_true(hr_failed(sec_sid_decode(raw, b.len, NULL, &sid, NULL)));
	raw[0] = 1;
	raw[1] = 16;
	memset(raw + 8, 0, sizeof(raw) - 8);
	assert_true(
	        hr_failed(sec_sid_decode(raw, sizeof(raw), NULL, &sid, NULL)));
	buf_release(&b);
}

static void test_well_known_values(void **state)
{
	char out[SEC_SID_STRING_MAX];

	(void)state;
	assert_string_equal(sec_sid_format(&sec_sid_everyone, out), "S-1-1-0");
	assert_string_equal(sec_sid_format(&sec_sid_authenticated_users, out),
	                    "S-1-5-11");
	assert_string_equal(sec_sid_format(&sec_sid_anonymous, out), "S-1-5-7");
	assert_string_equal(sec_sid_format(&sec_sid_network, out), "S-1-5-2");
	assert_string_equal(sec_sid_format(&sec_sid_interactive, out),
	                    "S-1-5-4");
	assert_string_equal(sec_sid_format(&sec_sid_local_system, out),
	                    "S-1-5-18");
	assert_string_equal(sec_sid_format(&sec_sid_local_service, out),
	                    "S-1-5-19");
	assert_string_equal(sec_sid_format(&sec_sid_network_service, out),
	                    "S-1-5-20");
	assert_string_equal(sec_sid_format(&sec_sid_builtin_users, out),
	                    "S-1-5-32-545");
	assert_string_equal(sec_sid_format(&sec_sid_dcom_users, out),
	                    "S-1-5-32-562");
	assert_string_equal(sec_sid_format(&sec_sid_perflog_users, out),
	                    "S-1-5-32-559");
}

static void test_aliases(void **state)
{
	struct sec_sid sid;
	struct sec_sid dom;
	struct sec_sid admin;

	(void)state;
	assert_true(sec_sid_from_alias("BA", NULL, &sid));
	assert_true(sec_sid_equal(&sid, &sec_sid_builtin_admins));
	assert_true(sec_sid_from_alias("AU", NULL, &sid));
	assert_true(sec_sid_equal(&sid, &sec_sid_authenticated_users));
	assert_true(sec_sid_from_alias("LU", NULL, &sid));
	assert_true(sec_sid_equal(&sid, &sec_sid_perflog_users));
	assert_string_equal(sec_sid_alias(&sec_sid_everyone, NULL), "WD");
	assert_string_equal(sec_sid_alias(&sec_sid_network_service, NULL),
	                    "NS");
	assert_string_equal(sec_sid_alias(&sec_sid_anonymous, NULL), "AN");
	/* Distributed COM Users has no alias; "CD" is S-1-5-32-574. */
	assert_null(sec_sid_alias(&sec_sid_dcom_users, NULL));
	assert_true(sec_sid_from_alias("CD", NULL, &sid));
	assert_true(hr_ok(sec_sid_parse("S-1-5-32-574", &dom, NULL)));
	assert_true(sec_sid_equal(&sid, &dom));
	/* Domain-relative aliases need the domain. */
	assert_false(sec_sid_from_alias("LA", NULL, &sid));
	assert_true(hr_ok(sec_sid_parse("S-1-5-21-1-2-3", &dom, NULL)));
	assert_true(sec_sid_from_alias("LA", &dom, &sid));
	assert_true(sec_sid_append_rid(&admin, &dom, 500));
	assert_true(sec_sid_equal(&sid, &admin));
	assert_string_equal(sec_sid_alias(&admin, &dom), "LA");
	assert_null(sec_sid_alias(&admin, NULL));
	assert_false(sec_sid_from_alias("ZZ", &dom, &sid));
}

static void test_names(void **state)
{
	const char *domain = NULL;

	(void)state;
	assert_string_equal(
	        sec_sid_well_known_name(&sec_sid_builtin_admins, &domain),
	        "Administrators");
	assert_string_equal(domain, "BUILTIN");
	assert_string_equal(
	        sec_sid_well_known_name(&sec_sid_authenticated_users, &domain),
	        "Authenticated Users");
	assert_string_equal(domain, "NT AUTHORITY");
	{
		struct sec_sid other;
		uint32_t rid = 99;

		assert_true(sec_sid_make(&other, 5, 1, &rid));
		assert_null(sec_sid_well_known_name(&other, &domain));
	}
}

static void test_compare_and_domain(void **state)
{
	struct sec_sid a;
	struct sec_sid b;

	(void)state;
	assert_true(hr_ok(sec_sid_parse("S-1-5-21-1-2-3", &a, NULL)));
	assert_true(hr_ok(sec_sid_parse("S-1-5-21-1-2-3-1000", &b, NULL)));
	assert_true(sec_sid_is_in_domain(&b, &a));
	assert_false(sec_sid_is_in_domain(&a, &b));
	assert_true(sec_sid_cmp(&a, &b) < 0);
	assert_true(sec_sid_cmp(&b, &a) > 0);
	assert_false(sec_sid_equal(&a, &b));
	assert_false(sec_sid_make(&a, 1ull << 48, 0, NULL));
	{
		struct sec_sid full;
		uint32_t subs[15] = { 0 };

		assert_true(sec_sid_make(&full, 5, 15, subs));
		assert_false(sec_sid_append_rid(&full, &full, 1));
	}
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_string_roundtrip),
		cmocka_unit_test(test_parse_values),
		cmocka_unit_test(test_parse_rejects),
		cmocka_unit_test(test_binary_roundtrip),
		cmocka_unit_test(test_binary_rejects),
		cmocka_unit_test(test_well_known_values),
		cmocka_unit_test(test_aliases),
		cmocka_unit_test(test_names),
		cmocka_unit_test(test_compare_and_domain),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
