/*
 * Unit tests for rpc/epm_tower: the three towers of the harness's
 * ept_lookup answer (capture b02, interop notes 4.1), rebuilt byte for byte,
 * and malformed towers (C706 appendix L).
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>
#include <talloc.h>

#include <cmocka.h>

#include "capture.h"
#include "rpc/epm_tower.h"

/* Where b02's tower octets start (after max_count and tower_length). */
static const size_t tower_at[3] = { 148, 232, 316 };

static const uint8_t *b02_tower(void *mem, int i)
{
	size_t n;
	uint8_t *p = capture_load(mem, "b02", &n);

	assert_non_null(p);
	assert_true(tower_at[i] + 75 <= n);
	assert_int_equal(p[tower_at[i] - 8], 75); /* max_count */
	assert_int_equal(p[tower_at[i] - 4], 75); /* tower_length */
	return p + tower_at[i];
}

static void test_b02_towers_decode_and_rebuild(void **state)
{
	void *mem = talloc_new(NULL);
	const char *ifaces[3] = { "000001a0-0000-0000-c000-000000000046",
		                  "99fcfec4-5260-101b-bbcb-00aa0021347a",
		                  "f309ad18-d86a-11d0-a075-00c04fb68820" };
	const uint16_t ports[3] = { 135, 135, 45135 };

	(void)state;
	for (int i = 0; i < 3; i++) {
		const uint8_t *t = b02_tower(mem, i);
		struct epm_tower tw;
		struct epm_tcp_binding b;
		struct rpc_uuid want;
		uint8_t *built = NULL;
		size_t bn = 0;

		assert_int_equal(epm_tower_parse(mem, t, 75, &tw),
		                 NDR_ERR_SUCCESS);
		assert_int_equal(tw.n_floors, 5);
		assert_int_equal(tw.floors[2].protocol, EPM_PROTOCOL_NCACN);
		assert_int_equal(epm_tower_to_tcp(&tw, &b), NDR_ERR_SUCCESS);
		assert_true(rpc_uuid_parse(ifaces[i], &want));
		assert_true(rpc_uuid_equal(&b.iface.uuid, &want));
		assert_int_equal(b.iface.ver_major, 0);
		assert_true(rpc_syntax_equal(&b.transfer, &rpc_syntax_ndr20));
		assert_int_equal(b.port, ports[i]);
		assert_memory_equal(b.ip, "\x7f\x00\x00\x01", 4);
		assert_int_equal(epm_tower_build_tcp(mem, &b, &built, &bn),
		                 NDR_ERR_SUCCESS);
		assert_int_equal(bn, 75);
		assert_memory_equal(built, t, 75);
	}
	talloc_free(mem);
}

static void test_tower_truncated_at_every_length(void **state)
{
	void *mem = talloc_new(NULL);
	const uint8_t *t = b02_tower(mem, 2);
	struct epm_tower tw;

	(void)state;
	for (size_t k = 0; k < 75; k++) {
		uint8_t *cut = talloc_memdup(mem, t, k == 0 ? 1 : k);

		assert_int_equal(epm_tower_parse(mem, cut, k, &tw),
		                 NDR_ERR_BUFSIZE);
		talloc_free(cut);
	}
	talloc_free(mem);
}

static void test_tower_malformed(void **state)
{
	void *mem = talloc_new(NULL);
	uint8_t *t = talloc_memdup(mem, b02_tower(mem, 0), 76);
	struct epm_tower tw;
	struct epm_tcp_binding b;

	(void)state;
	t[75] = 0;
	assert_int_equal(epm_tower_parse(mem, t, 76, &tw),
	                 NDR_ERR_UNREAD_BYTES);
	t[0] = EPM_MAX_FLOORS + 1;
	assert_int_equal(epm_tower_parse(mem, t, 75, &tw), NDR_ERR_LIMIT);
	t[0] = 6; /* claims a sixth floor that is not there */
	assert_int_equal(epm_tower_parse(mem, t, 75, &tw), NDR_ERR_BUFSIZE);
	t[0] = 4; /* four floors, then the fifth is trailing */
	assert_int_equal(epm_tower_parse(mem, t, 75, &tw),
	                 NDR_ERR_UNREAD_BYTES);
	t[0] = 5;
	t[2] = 0; /* floor 1 lhs_length 0 */
	t[3] = 0;
	assert_int_equal(epm_tower_parse(mem, t, 75, &tw), NDR_ERR_RANGE);
	memcpy(t, b02_tower(mem, 0), 75);
	t[61] = EPM_PROTOCOL_UDP; /* floor 4 protocol */
	assert_int_equal(epm_tower_parse(mem, t, 75, &tw), NDR_ERR_SUCCESS);
	assert_int_equal(epm_tower_to_tcp(&tw, &b), NDR_ERR_RANGE);
	talloc_free(mem);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_b02_towers_decode_and_rebuild),
		cmocka_unit_test(test_tower_truncated_at_every_length),
		cmocka_unit_test(test_tower_malformed),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
