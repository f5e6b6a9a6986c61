/*
 * Unit tests for security/sd and security/sddl: SDDL parse and format
 * (MS-DTYP 2.5.1), the self-relative codec (MS-DTYP 2.4.6), inheritance and
 * the access check (MS-DTYP 2.5.3.2, DACL only).
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#include <cmocka.h>

#include <string.h>
#include <talloc.h>

#include "security/policy.h"
#include "security/sd.h"
#include "security/token.h"

static struct sec_sd *parse(void *mem, const char *sddl)
{
	struct sec_sd *sd = NULL;
	struct errinfo ei;

	err_clear(&ei);
	if (hr_failed(sec_sddl_parse(mem, sddl, NULL, &sd, &ei))) {
		fail_msg("cannot parse %s: %s", sddl, ei.msg);
	}
	return sd;
}

static char *format(void *mem, const struct sec_sd *sd)
{
	char *s = NULL;

	assert_true(hr_ok(sec_sddl_format(mem, sd, NULL, &s, NULL)));
	return s;
}

static void assert_sddl_roundtrip(const char *sddl)
{
	void *mem = talloc_new(NULL);
	struct sec_sd *sd = parse(mem, sddl);
	struct sec_sd *back = NULL;
	uint8_t *bin = NULL;
	size_t n = 0;

	assert_string_equal(format(mem, sd), sddl);
	assert_true(hr_ok(sec_sd_encode(mem, sd, &bin, &n, NULL)));
	assert_true(hr_ok(sec_sd_decode(mem, bin, n, &back, NULL)));
	assert_true(sec_sd_equal(sd, back));
	assert_string_equal(format(mem, back), sddl);
	talloc_free(mem);
}

static struct sec_token *token(void *mem,
                               const struct sec_sid *user,
                               bool network,
                               const struct sec_sid *g1,
                               const struct sec_sid *g2)
{
	struct sec_token *t = sec_token_new(
	        mem, user, network ? SEC_TOKEN_NETWORK : SEC_TOKEN_LOCAL,
	        "tester", "TEST");

	assert_non_null(t);
	assert_true(hr_ok(sec_token_add_group(t, &sec_sid_everyone)));
	assert_true(
	        hr_ok(sec_token_add_group(t, &sec_sid_authenticated_users)));
	assert_true(hr_ok(sec_token_add_group(
	        t, network ? &sec_sid_network : &sec_sid_interactive)));
	if (g1 != NULL) {
		assert_true(hr_ok(sec_token_add_group(t, g1)));
	}
	if (g2 != NULL) {
		assert_true(hr_ok(sec_token_add_group(t, g2)));
	}
	return t;
}

static const struct sec_sid *user_sid(void)
{
	static struct sec_sid sid;
	static const uint32_t subs[] = { 21, 1, 2, 3, 1000 };

	sec_sid_make(&sid, 5, 5, subs);
	return &sid;
}

static void test_sddl_defaults_roundtrip(void **state)
{
	(void)state;
	assert_sddl_roundtrip(SEC_SDDL_NS_DEFAULT);
	assert_sddl_roundtrip(SEC_SDDL_NS_CHILD_DEFAULT);
	assert_sddl_roundtrip(SEC_SDDL_MACHINE_LAUNCH_RESTRICTION);
	assert_sddl_roundtrip(SEC_SDDL_MACHINE_ACCESS_RESTRICTION);
	assert_sddl_roundtrip(SEC_SDDL_DEFAULT_LAUNCH_PERMISSION);
	assert_sddl_roundtrip(SEC_SDDL_DEFAULT_ACCESS_PERMISSION);
}

static void test_sddl_other_roundtrips(void **state)
{
	(void)state;
	assert_sddl_roundtrip("O:SYG:SYD:PAI(D;OICI;FA;;;AN)(A;;0x1200a9;;;WD)"
	                      "S:AI(AU;SAFA;GA;;;WD)");
	assert_sddl_roundtrip("D:NO_ACCESS_CONTROL");
	assert_sddl_roundtrip("D:");
	assert_sddl_roundtrip("O:BA");
	assert_sddl_roundtrip("");
	assert_sddl_roundtrip("D:ARS:PNO_ACCESS_CONTROL");
	assert_sddl_roundtrip(
	        "D:(OA;CIIOID;RP;4c164200-20c0-11d0-a768-00aa006e0529;"
	        "4828cc14-1437-45bc-9b07-ad6f015e5f28;RU)(OD;;CR;;"
	        "bf967aba-0de6-11d0-a285-00aa003049e2;S-1-5-21-1-2-3-1000)");
	assert_sddl_roundtrip("S:(ML;;NWNR;;;LW)");
	assert_sddl_roundtrip("D:(A;;;;;WD)(A;;GAGXGWGR;;;BU)");
	/* A hex authority never swallows the next component's letter. */
	assert_sddl_roundtrip("O:S-1-0x00EEEEEEEEEED:");
	assert_sddl_roundtrip("O:S-1-0xECCCCCCCCCCED:");
}

static void test_sddl_values(void **state)
{
	void *mem = talloc_new(NULL);
	struct sec_sd *sd = parse(mem, SEC_SDDL_NS_DEFAULT);

	(void)state;
	assert_true(sec_sid_equal(sd->owner, &sec_sid_builtin_admins));
	assert_true(sec_sid_equal(sd->group, &sec_sid_builtin_admins));
	assert_int_equal(sd->control,
	                 SEC_SE_SELF_RELATIVE | SEC_SE_DACL_PRESENT);
	assert_non_null(sd->dacl);
	assert_null(sd->sacl);
	assert_int_equal(sd->dacl->n_aces, 4);
	assert_int_equal(sd->dacl->aces[0].mask, 0x6003F);
	assert_int_equal(sd->dacl->aces[0].flags, SEC_ACE_CONTAINER_INHERIT);
	assert_int_equal(sd->dacl->aces[0].type, SEC_ACE_ACCESS_ALLOWED);
	assert_int_equal(sd->dacl->aces[1].mask, 0x13);
	assert_true(sec_sid_equal(&sd->dacl->aces[1].sid,
	                          &sec_sid_network_service));
	assert_true(sec_sid_equal(&sd->dacl->aces[3].sid,
	                          &sec_sid_authenticated_users));

	sd = parse(mem,
	           "D:(A;;0x1F;;;WD)(A;;19;;;BA)(A;;023;;;BU)(A;;KX;;;SY)");
	assert_int_equal(sd->dacl->aces[0].mask, 0x1F);
	assert_int_equal(sd->dacl->aces[1].mask, 19);
	assert_int_equal(sd->dacl->aces[2].mask, 19);
	assert_int_equal(sd->dacl->aces[3].mask, 0x20019);
	assert_string_equal(format(mem, sd),
	                    "D:(A;;CCDCLCSWRP;;;WD)(A;;CCDCRP;;;BA)"
	                    "(A;;CCDCRP;;;BU)(A;;KR;;;SY)");

	/* Whitespace between components and ACEs is accepted. */
	sd = parse(mem, " O:BA G:BA D:P (A;;CC;;;WD) (D;;DC;;;AN) ");
	assert_int_equal(sd->dacl->n_aces, 2);
	assert_true(sd->control & SEC_SE_DACL_PROTECTED);

	/* NULL DACL versus empty DACL versus none. */
	sd = parse(mem, "D:NO_ACCESS_CONTROL");
	assert_true(sd->control & SEC_SE_DACL_PRESENT);
	assert_null(sd->dacl);
	sd = parse(mem, "D:");
	assert_non_null(sd->dacl);
	assert_int_equal(sd->dacl->n_aces, 0);
	sd = parse(mem, "O:BA");
	assert_false(sd->control & SEC_SE_DACL_PRESENT);

	/* Object GUIDs are stored in wire order. */
	sd = parse(mem, "D:(OA;;RP;4c164200-20c0-11d0-a768-00aa006e0529;;WD)");
	assert_int_equal(sd->dacl->revision, SEC_ACL_REVISION_DS);
	assert_int_equal(sd->dacl->aces[0].obj_flags,
	                 SEC_ACE_OBJECT_TYPE_PRESENT);
	{
		static const uint8_t want[16] = { 0x00, 0x42, 0x16, 0x4c,
			                          0xc0, 0x20, 0xd0, 0x11,
			                          0xa7, 0x68, 0x00, 0xaa,
			                          0x00, 0x6e, 0x05, 0x29 };

		assert_memory_equal(sd->dacl->aces[0].object_type, want, 16);
	}
	talloc_free(mem);
}

static void test_sddl_domain_aliases(void **state)
{
	void *mem = talloc_new(NULL);
	struct sec_sid dom;
	struct sec_sd *sd = NULL;
	char *s = NULL;
	static const uint32_t subs[] = { 21, 7, 8, 9 };

	(void)state;
	sec_sid_make(&dom, 5, 4, subs);
	assert_true(hr_failed(sec_sddl_parse(mem, "O:LA", NULL, &sd, NULL)));
	assert_true(hr_ok(
	        sec_sddl_parse(mem, "O:LAD:(A;;CC;;;DU)", &dom, &sd, NULL)));
	assert_int_equal(sec_sid_rid(sd->owner), 500);
	assert_true(hr_ok(sec_sddl_format(mem, sd, NULL, &s, NULL)));
	assert_string_equal(s, "O:S-1-5-21-7-8-9-500D:(A;;CC;;;S-1-5-21-7-8-9-"
	                       "513)");
	assert_true(hr_ok(sec_sddl_format(mem, sd, &dom, &s, NULL)));
	assert_string_equal(s, "O:LAD:(A;;CC;;;DU)");
	talloc_free(mem);
}

static void test_sddl_errors(void **state)
{
	static const struct {
		const char *sddl;
		uint32_t col;
	} bad[] = {
		{ "X:BA", 1 },
		{ "O:", 3 },
		{ "O:ZZ", 3 },
		{ "O:BAO:BA", 5 },
		{ "D:(", 4 },
		{ "D:(Q;;CC;;;WD)", 4 },
		{ "D:(XA;;CC;;;WD;(x))", 4 },
		{ "D:(A;XX;CC;;;WD)", 6 },
		{ "D:(A;;QQ;;;WD)", 7 },
		{ "D:(A;;0x100000000;;;WD)", 7 },
		{ "D:(A;;0x;;;WD)", 9 },
		{ "D:(A;;08;;;WD)", 8 },
		{ "D:(A;;CC;1-2;;WD)", 10 },
		{ "D:(OA;;CC;4c164200-20c0-11d0-a768;;WD)", 34 },
		{ "D:(A;;CC;;;WD", 14 },
		{ "D:(A;;CC;;;S-1-5-x)", 18 },
		{ "D:(A;;NR;;;WD)", 7 },
		{ "D:NO_ACCESS_CONTROL(A;;CC;;;WD)", 20 },
		{ "D:(A;;CC;;;WD)junk", 15 },
	};
	void *mem = talloc_new(NULL);
	struct errinfo ei;
	struct sec_sd *sd = NULL;

	(void)state;
	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		err_clear(&ei);
		assert_true(
		        hr_eq(sec_sddl_parse(mem, bad[i].sddl, NULL, &sd, &ei),
		              HR_WBEM_E_INVALID_SYNTAX));
		if (ei.col != bad[i].col) {
			fail_msg("%s: column %u, want %u (%s)", bad[i].sddl,
			         ei.col, bad[i].col, ei.msg);
		}
	}
	assert_null(sd);
	talloc_free(mem);
}

/* "O:BAG:BAD:(A;;CC;;;WD)" byte for byte (MS-DTYP 2.4.6 layout). */
static const uint8_t small_sd[] = {
	0x01,
	0x00,
	0x04,
	0x80,
	0x14,
	0x00,
	0x00,
	0x00,
	0x24,
	0x00,
	0x00,
	0x00,
	0x00,
	0x00,
	0x00,
	0x00,
	0x34,
	0x00,
	0x00,
	0x00,
	/* owner BA */
	0x01,
	0x02,
	0x00,
	0x00,
	0x00,
	0x00,
	0x00,
	0x05,
	0x20,
	0x00,
	0x00,
	0x00,
	0x20,
	0x02,
	0x00,
	0x00,
	/* group BA */
	0x01,
	0x02,
	0x00,
	0x00,
	0x00,
	0x00,
	0x00,
	0x05,
	0x20,
	0x00,
	0x00,
	0x00,
	0x20,
	0x02,
	0x00,
	0x00,
	/* DACL: revision 2, size 28, one ACE */
	0x02,
	0x00,
	0x1C,
	0x00,
	0x01,
	0x00,
	0x00,
	0x00,
	/* ACCESS_ALLOWED, no flags, size 20, mask 1, S-1-1-0 */
	0x00,
	0x00,
	0x14,
	0x00,
	0x01,
	0x00,
	0x00,
	0x00,
	0x01,
	0x01,
	0x00,
	0x00,
	0x00,
	0x00,
	0x00,
	0x01,
	0x00,
	0x00,
	0x00,
	0x00,
};

static void test_binary_bytes(void **state)
{
	void *mem = talloc_new(NULL);
	struct sec_sd *sd = parse(mem, "O:BAG:BAD:(A;;CC;;;WD)");
	struct sec_sd *back = NULL;
	uint8_t *bin = NULL;
	size_t n = 0;

	(void)state;
	assert_true(hr_ok(sec_sd_encode(mem, sd, &bin, &n, NULL)));
	assert_int_equal(n, sizeof(small_sd));
	assert_memory_equal(bin, small_sd, n);
	assert_true(hr_ok(
	        sec_sd_decode(mem, small_sd, sizeof(small_sd), &back, NULL)));
	assert_true(sec_sd_equal(sd, back));
	talloc_free(mem);
}

static void test_binary_every_prefix_fails(void **state)
{
	void *mem = talloc_new(NULL);
	struct sec_sd *sd = parse(mem, SEC_SDDL_MACHINE_LAUNCH_RESTRICTION
	                          "S:(AU;SA;GA;;;WD)");
	struct sec_sd *back = NULL;
	uint8_t *bin = NULL;
	size_t n = 0;
	struct errinfo ei;

	(void)state;
	assert_true(hr_ok(sec_sd_encode(mem, sd, &bin, &n, NULL)));
	for (size_t len = 0; len < n; len++) {
		uint8_t *copy = talloc_memdup(mem, bin, len + 1);

		err_clear(&ei);
		assert_true(hr_eq(sec_sd_decode(mem, copy, len, &back, &ei),
		                  HR_WBEM_E_INVALID_OBJECT));
		assert_true(ei.msg[0] != '\0');
		talloc_free(copy);
	}
	assert_null(back);
	/* Trailing bytes are tolerated. */
	bin = talloc_realloc(mem, bin, uint8_t, n + 8);
	memset(bin + n, 0xEE, 8);
	assert_true(hr_ok(sec_sd_decode(mem, bin, n + 8, &back, NULL)));
	assert_true(sec_sd_equal(sd, back));
	talloc_free(mem);
}

static void put32(uint8_t *p, uint32_t v)
{
	p[0] = (uint8_t)v;
	p[1] = (uint8_t)(v >> 8);
	p[2] = (uint8_t)(v >> 16);
	p[3] = (uint8_t)(v >> 24);
}

static void expect_bad(void *mem, const uint8_t *p, size_t n)
{
	struct sec_sd *sd = NULL;

	assert_true(hr_eq(sec_sd_decode(mem, p, n, &sd, NULL),
	                  HR_WBEM_E_INVALID_OBJECT));
	assert_null(sd);
}

static void test_binary_hostile(void **state)
{
	void *mem = talloc_new(NULL);
	uint8_t b[sizeof(small_sd)];

	(void)state;
	memcpy(b, small_sd, sizeof(b));
	b[0] = 2; /* revision */
	expect_bad(mem, b, sizeof(b));
	memcpy(b, small_sd, sizeof(b));
	b[3] = 0x00; /* not self-relative */
	expect_bad(mem, b, sizeof(b));
	memcpy(b, small_sd, sizeof(b));
	put32(b + 4, 0xFFFFFFF0u); /* owner far outside */
	expect_bad(mem, b, sizeof(b));
	memcpy(b, small_sd, sizeof(b));
	put32(b + 4, 4); /* owner inside the header */
	expect_bad(mem, b, sizeof(b));
	memcpy(b, small_sd, sizeof(b));
	put32(b + 12, 20); /* SACL offset without SACL_PRESENT */
	expect_bad(mem, b, sizeof(b));
	memcpy(b, small_sd, sizeof(b));
	b[52 + 2] = 0xFF; /* AclSize past the end */
	expect_bad(mem, b, sizeof(b));
	memcpy(b, small_sd, sizeof(b));
	b[52 + 4] = 0xFF; /* AceCount too large for AclSize */
	b[52 + 5] = 0xFF;
	expect_bad(mem, b, sizeof(b));
	memcpy(b, small_sd, sizeof(b));
	b[60 + 2] = 0; /* AceSize 0 */
	expect_bad(mem, b, sizeof(b));
	memcpy(b, small_sd, sizeof(b));
	b[60 + 2] = 0x15; /* AceSize past AclSize */
	expect_bad(mem, b, sizeof(b));
	memcpy(b, small_sd, sizeof(b));
	b[60 + 9] = 15; /* SID claims 15 sub-authorities */
	expect_bad(mem, b, sizeof(b));
	memcpy(b, small_sd, sizeof(b));
	b[52] = 3; /* ACL revision */
	expect_bad(mem, b, sizeof(b));
	memcpy(b, small_sd, sizeof(b));
	b[60] = 0x05; /* object ACE whose flags claim GUIDs that are not there
	               */
	put32(b + 68, 0x3);
	expect_bad(mem, b, sizeof(b));
	talloc_free(mem);
}

static void test_binary_garbage(void **state)
{
	void *mem = talloc_new(NULL);
	struct sec_sd *seed = parse(mem, SEC_SDDL_MACHINE_LAUNCH_RESTRICTION
	                            "S:(OU;SA;CC;4c164200-20c0-11d0-a768-"
	                            "00aa006e0529;;WD)");
	uint8_t *good = NULL;
	size_t n_good = 0;
	uint32_t x = 12345;
	size_t decoded = 0;
	size_t refused = 0;

	(void)state;
	assert_true(hr_ok(sec_sd_encode(mem, seed, &good, &n_good, NULL)));
	for (int round = 0; round < 20000; round++) {
		void *tmp = talloc_new(mem);
		uint8_t *b = talloc_memdup(tmp, good, n_good);
		struct sec_sd *sd = NULL;
		size_t n = n_good;

		/* Corrupt one to four bytes of a valid encoding. */
		for (int k = 0; k < 1 + round % 4; k++) {
			x = x * 1103515245u + 12345u;
			b[(x >> 8) % n_good] = (uint8_t)(x >> 20);
		}
		if (round % 7 == 0) {
			x = x * 1103515245u + 12345u;
			n = (x >> 8) % n_good;
		}
		if (hr_ok(sec_sd_decode(tmp, b, n, &sd, NULL))) {
			struct sec_sd *again = NULL;
			uint8_t *bin = NULL;
			size_t len = 0;

			decoded++;
			assert_true(hr_ok(
			        sec_sd_encode(tmp, sd, &bin, &len, NULL)));
			assert_true(hr_ok(
			        sec_sd_decode(tmp, bin, len, &again, NULL)));
			assert_true(sec_sd_equal(sd, again));
		} else {
			refused++;
		}
		talloc_free(tmp);
	}
	assert_true(decoded > 100);
	assert_true(refused > 100);
	talloc_free(mem);
}

static void test_access_deny_first_wins(void **state)
{
	void *mem = talloc_new(NULL);
	struct sec_token *admin = token(mem, user_sid(), false,
	                                &sec_sid_builtin_admins, NULL);
	struct sec_sd *sd = parse(mem, "D:(D;;CC;;;WD)(A;;CCDC;;;BA)");
	uint32_t granted = 99;

	(void)state;
	assert_int_equal(sec_sd_effective_rights(sd, admin, NULL), 0x2);
	assert_true(hr_eq(sec_sd_access_check(sd, admin, 0x1, NULL, &granted),
	                  HR_E_ACCESSDENIED));
	assert_int_equal(granted, 0);
	assert_true(hr_ok(sec_sd_access_check(sd, admin, 0x2, NULL, &granted)));
	assert_int_equal(granted, 0x2);

	/* An allow that comes first is not taken back by a later deny. */
	sd = parse(mem, "D:(A;;CC;;;BA)(D;;CCDC;;;WD)(A;;DC;;;BA)");
	assert_int_equal(sec_sd_effective_rights(sd, admin, NULL), 0x1);
	assert_true(hr_ok(sec_sd_access_check(sd, admin, 0x1, NULL, NULL)));
	assert_true(hr_failed(sec_sd_access_check(sd, admin, 0x3, NULL, NULL)));

	/* ACEs for SIDs the token lacks do nothing. */
	sd = parse(mem, "D:(D;;CC;;;AN)(A;;CC;;;BU)(A;;LC;;;WD)");
	assert_int_equal(sec_sd_effective_rights(sd, admin, NULL), 0x4);
	talloc_free(mem);
}

static void test_access_null_empty_absent(void **state)
{
	void *mem = talloc_new(NULL);
	struct sec_token *anon = sec_token_new_anonymous(mem);
	uint32_t granted = 0;

	(void)state;
	assert_true(hr_ok(sec_sd_access_check(parse(mem, "D:NO_ACCESS_CONTROL"),
	                                      anon, 0x40000, NULL, &granted)));
	assert_int_equal(granted, 0x40000);
	assert_true(hr_ok(sec_sd_access_check(parse(mem, "O:BA"), anon, 0x12345,
	                                      NULL, NULL)));
	assert_true(hr_eq(sec_sd_access_check(parse(mem, "O:BAD:"), anon, 0x1,
	                                      NULL, NULL),
	                  HR_E_ACCESSDENIED));
	assert_int_equal(sec_sd_effective_rights(parse(mem, "D:"), anon, NULL),
	                 0);
	talloc_free(mem);
}

static void test_access_inherit_only_and_inherited(void **state)
{
	void *mem = talloc_new(NULL);
	struct sec_token *t = token(mem, user_sid(), true, NULL, NULL);

	(void)state;
	/* Inherit-only ACEs do not apply to the object itself... */
	assert_int_equal(sec_sd_effective_rights(
	                         parse(mem, "D:(A;CIIO;CC;;;WD)"), t, NULL),
	                 0);
	assert_int_equal(
	        sec_sd_effective_rights(
	                parse(mem, "D:(D;CIIO;CC;;;WD)(A;;CC;;;WD)"), t, NULL),
	        1);
	/* ...but inherited (ID) ACEs do. */
	assert_int_equal(sec_sd_effective_rights(
	                         parse(mem, "D:(A;CIID;CCDC;;;AU)"), t, NULL),
	                 3);
	talloc_free(mem);
}

static void test_access_generic_and_maximum(void **state)
{
	void *mem = talloc_new(NULL);
	struct sec_token *t = token(mem, user_sid(), false,
	                            &sec_sid_builtin_users, NULL);
	struct sec_sd *sd = parse(mem, "D:(A;;GA;;;BA)(A;;GR;;;BU)");
	uint32_t granted = 0;

	(void)state;
	assert_int_equal(
	        sec_map_generic(SEC_GENERIC_ALL, &sec_ns_generic_mapping),
	        0x6003F);
	assert_int_equal(
	        sec_sd_effective_rights(sd, t, &sec_ns_generic_mapping),
	        SEC_WBEM_ENABLE | SEC_WBEM_READ_CONTROL);
	assert_true(hr_ok(sec_sd_access_check(
	        sd, t, SEC_GENERIC_READ, &sec_ns_generic_mapping, &granted)));
	assert_int_equal(granted, SEC_WBEM_ENABLE | SEC_WBEM_READ_CONTROL);
	assert_true(hr_failed(sec_sd_access_check(
	        sd, t, SEC_GENERIC_WRITE, &sec_ns_generic_mapping, NULL)));
	assert_true(
	        hr_ok(sec_sd_access_check(sd, t, SEC_MAXIMUM_ALLOWED,
	                                  &sec_ns_generic_mapping, &granted)));
	assert_int_equal(granted, SEC_WBEM_ENABLE | SEC_WBEM_READ_CONTROL);
	assert_true(hr_failed(sec_sd_access_check(
	        sd, sec_token_new_anonymous(mem), SEC_MAXIMUM_ALLOWED,
	        &sec_ns_generic_mapping, &granted)));
	talloc_free(mem);
}

static void test_access_object_and_callback_aces(void **state)
{
	void *mem = talloc_new(NULL);
	struct sec_token *t = token(mem, user_sid(), false, NULL, NULL);

	(void)state;
	/* An allow for a named object type grants nothing here. */
	assert_int_equal(sec_sd_effective_rights(
	                         parse(mem, "D:(OA;;CC;4c164200-20c0-11d0-a768-"
	                                    "00aa006e0529;;WD)(OA;;DC;;;WD)"),
	                         t, NULL),
	                 2);
	/* Every deny variant denies. */
	assert_int_equal(sec_sd_effective_rights(
	                         parse(mem, "D:(OD;;CC;4c164200-20c0-11d0-a768-"
	                                    "00aa006e0529;;WD)(A;;CCDC;;;WD)"),
	                         t, NULL),
	                 2);
	talloc_free(mem);
}

static void test_inherit_namespace_default(void **state)
{
	void *mem = talloc_new(NULL);
	struct sec_sd *root = NULL;
	struct sec_sd *child = NULL;
	struct sec_sd *grand = NULL;

	(void)state;
	assert_true(hr_ok(sec_ns_default_sd(mem, &root, NULL)));
	assert_true(hr_ok(sec_ns_child_sd(mem, root, NULL, &child, NULL)));
	assert_string_equal(format(mem, child), SEC_SDDL_NS_CHILD_DEFAULT);
	assert_true(hr_ok(sec_ns_child_sd(mem, child, NULL, &grand, NULL)));
	assert_string_equal(format(mem, grand), SEC_SDDL_NS_CHILD_DEFAULT);
	talloc_free(mem);
}

static char *inherit(void *mem,
                     const char *parent,
                     const char *child,
                     uint32_t flags)
{
	struct sec_sd *out = NULL;

	assert_true(hr_ok(sec_sd_inherit(
	        mem, parse(mem, parent),
	        child != NULL ? parse(mem, child) : NULL, flags, &out, NULL)));
	return format(mem, out);
}

static void test_inherit_flags(void **state)
{
	void *mem = talloc_new(NULL);
	const uint32_t c = SEC_INHERIT_CONTAINER;

	(void)state;
	/* NP: the child gets it without inheritance flags; no further. */
	assert_string_equal(inherit(mem, "O:BAD:(A;CINP;CC;;;WD)", NULL, c),
	                    "O:BAD:(A;ID;CC;;;WD)");
	/* A parent DACL never becomes "no DACL" (allow all) below it. */
	assert_string_equal(inherit(mem, "O:BAD:(A;ID;CC;;;WD)", NULL, c),
	                    "O:BAD:");
	/* IO: applies to the child, stays inheritable. */
	assert_string_equal(
	        inherit(mem, "D:(A;CIIO;CC;;;WD)(A;;DC;;;WD)", NULL, c),
	        "D:(A;CIID;CC;;;WD)");
	/* OI only, container child: kept inherit-only for objects below. */
	assert_string_equal(inherit(mem, "D:(A;OI;CC;;;WD)", NULL, c),
	                    "D:(A;OIIOID;CC;;;WD)");
	assert_string_equal(inherit(mem, "D:(A;OINP;CC;;;WD)", NULL, c), "D:");
	/* Object child: OI applies, CI does not. */
	assert_string_equal(
	        inherit(mem, "D:(A;OICI;CC;;;WD)(A;CI;DC;;;WD)", NULL, 0),
	        "D:(A;ID;CC;;;WD)");
	/* Explicit ACEs first; stale inherited ones are recomputed. */
	assert_string_equal(inherit(mem, "O:BAD:(A;CI;CC;;;BA)",
	                            "O:SYD:(D;;DC;;;AN)(A;ID;LC;;;WD)", c),
	                    "O:SYD:(D;;DC;;;AN)(A;CIID;CC;;;BA)");
	/* SACLs inherit the same way. */
	assert_string_equal(inherit(mem, "S:(AU;CISA;CC;;;WD)", NULL, c),
	                    "S:(AU;CIIDSA;CC;;;WD)");
	talloc_free(mem);
}

static void test_inherit_protected(void **state)
{
	void *mem = talloc_new(NULL);

	(void)state;
	assert_string_equal(inherit(mem, "D:(A;CI;CC;;;WD)", "D:P(A;;DC;;;BA)",
	                            SEC_INHERIT_CONTAINER),
	                    "D:P(A;;DC;;;BA)");
	/* Namespaces ignore SE_DACL_PROTECTED (reference 2.3). */
	assert_string_equal(
	        inherit(mem, "D:(A;CI;CC;;;WD)", "D:P(A;;DC;;;BA)",
	                SEC_INHERIT_CONTAINER | SEC_INHERIT_IGNORE_PROTECTED),
	        "D:P(A;;DC;;;BA)(A;CIID;CC;;;WD)");
	talloc_free(mem);
}

static void test_explicit_only(void **state)
{
	void *mem = talloc_new(NULL);
	struct sec_sd *sd = parse(mem,
	                          SEC_SDDL_NS_CHILD_DEFAULT "(A;;CC;;;BU)");
	struct sec_sd *e = sec_sd_explicit_only(mem, sd);

	(void)state;
	assert_non_null(e);
	assert_string_equal(format(mem, e), "O:BAG:BAD:(A;;CC;;;BU)");
	talloc_free(mem);
}

static void test_copy_and_equal(void **state)
{
	void *mem = talloc_new(NULL);
	struct sec_sd *sd = parse(mem, SEC_SDDL_MACHINE_ACCESS_RESTRICTION);
	struct sec_sd *c = sec_sd_copy(mem, sd);

	(void)state;
	assert_true(sec_sd_equal(sd, c));
	c->dacl->aces[2].mask ^= 1;
	assert_false(sec_sd_equal(sd, c));
	c->dacl->aces[2].mask ^= 1;
	c->control |= SEC_SE_DACL_PROTECTED;
	assert_false(sec_sd_equal(sd, c));
	talloc_free(mem);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_sddl_defaults_roundtrip),
		cmocka_unit_test(test_sddl_other_roundtrips),
		cmocka_unit_test(test_sddl_values),
		cmocka_unit_test(test_sddl_domain_aliases),
		cmocka_unit_test(test_sddl_errors),
		cmocka_unit_test(test_binary_bytes),
		cmocka_unit_test(test_binary_every_prefix_fails),
		cmocka_unit_test(test_binary_hostile),
		cmocka_unit_test(test_binary_garbage),
		cmocka_unit_test(test_access_deny_first_wins),
		cmocka_unit_test(test_access_null_empty_absent),
		cmocka_unit_test(test_access_inherit_only_and_inherited),
		cmocka_unit_test(test_access_generic_and_maximum),
		cmocka_unit_test(test_access_object_and_callback_aces),
		cmocka_unit_test(test_inherit_namespace_default),
		cmocka_unit_test(test_inherit_flags),
		cmocka_unit_test(test_inherit_protected),
		cmocka_unit_test(test_explicit_only),
		cmocka_unit_test(test_copy_and_equal),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
