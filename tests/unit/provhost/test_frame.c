/*
 * Tests of the provider host frame codec (provhost/frame.h): round trips
 * of every frame type and a named test for each malformed-input boundary.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include <cmocka.h>
#include <talloc.h>

#include "base/buf.h"
#include "provhost/frame.h"

static struct provframe_kv kv2[] = { { "Id", "7" }, { "Name", "a\"b" } };

/* Encodes [m], decodes it back into [out] under [mem]. */
static void round_trip(void *mem,
                       const struct provframe_msg *m,
                       struct provframe_msg *out)
{
	struct buf b;
	char *data;
	size_t len;

	buf_init(&b, mem);
	assert_true(hr_ok(provframe_encode(&b, m)));
	data = buf_detach(&b, &len);
	assert_non_null(data);
	assert_true(hr_ok(provframe_decode(mem, data, len, out)));
	assert_int_equal(out->type, m->type);
	assert_int_equal(out->call_id, m->call_id);
}

static void test_load_round_trip(void **state)
{
	void *mem = talloc_new(NULL);
	struct provframe_msg m = { .type = PROVFRAME_LOAD, .call_id = 3 };
	struct provframe_msg o;

	(void)state;
	m.provider = "Sample";
	m.library = "/usr/lib/libsample.so";
	round_trip(mem, &m, &o);
	assert_string_equal(o.provider, "Sample");
	assert_string_equal(o.library, "/usr/lib/libsample.so");
	talloc_free(mem);
}

static void test_call_header_round_trip(void **state)
{
	void *mem = talloc_new(NULL);
	static const uint8_t cls[] = { 1, 2, 3, 0, 5 };
	struct provframe_msg m = { .type = PROVFRAME_GET, .call_id = 9 };
	struct provframe_msg o;

	(void)state;
	m.ns = "root\\cimv2";
	m.user = "alice";
	m.domain = "WORKGROUP";
	m.id_flags = PROVFRAME_ID_HAS_UNIX | PROVFRAME_ID_IMPERSONATE;
	m.uid = 1000;
	m.gid = 100;
	m.op_flags = 0x20;
	m.cls_name = "Test_Item";
	m.cls.p = cls;
	m.cls.len = sizeof(cls);
	m.keys = kv2;
	m.n_keys = 2;
	round_trip(mem, &m, &o);
	assert_string_equal(o.ns, "root\\cimv2");
	assert_string_equal(o.user, "alice");
	assert_string_equal(o.domain, "WORKGROUP");
	assert_int_equal(o.id_flags, PROVFRAME_ID_HAS_UNIX |
	                                     PROVFRAME_ID_IMPERSONATE |
	                                     PROVFRAME_ID_HAS_DOMAIN);
	assert_int_equal(o.uid, 1000);
	assert_int_equal(o.gid, 100);
	assert_int_equal(o.op_flags, 0x20);
	assert_string_equal(o.cls_name, "Test_Item");
	assert_int_equal(o.cls.len, sizeof(cls));
	assert_memory_equal(o.cls.p, cls, sizeof(cls));
	assert_true(o.has_keys);
	assert_int_equal(o.n_keys, 2);
	assert_string_equal(o.keys[1].name, "Name");
	assert_string_equal(o.keys[1].value, "a\"b");
	talloc_free(mem);
}

static void test_null_domain_stays_null(void **state)
{
	void *mem = talloc_new(NULL);
	struct provframe_msg m = { .type = PROVFRAME_ENUM };
	struct provframe_msg o;

	(void)state;
	m.ns = "root";
	m.user = "bob";
	m.id_flags = PROVFRAME_ID_HAS_DOMAIN; /* cleared: domain is NULL */
	m.cls_name = "X";
	round_trip(mem, &m, &o);
	assert_null(o.domain);
	assert_int_equal(o.id_flags & PROVFRAME_ID_HAS_DOMAIN, 0);
	assert_null(o.cls.p);
	assert_int_equal(o.cls.len, 0);
	talloc_free(mem);
}

static void test_method_round_trip(void **state)
{
	void *mem = talloc_new(NULL);
	static const uint8_t a[] = { 9 }, b[] = { 8, 8 }, c[] = { 7, 7, 7 };
	struct provframe_msg m = { .type = PROVFRAME_METHOD };
	struct provframe_msg o;

	(void)state;
	m.cls_name = "Win32_Process";
	m.method = "Create";
	m.in_cls = (struct provframe_blob){ a, sizeof(a) };
	m.inst = (struct provframe_blob){ b, sizeof(b) };
	m.out_cls = (struct provframe_blob){ c, sizeof(c) };
	round_trip(mem, &m, &o);
	assert_false(o.has_keys);
	assert_int_equal(o.n_keys, 0);
	assert_string_equal(o.method, "Create");
	assert_int_equal(o.in_cls.len, 1);
	assert_int_equal(o.inst.len, 2);
	assert_int_equal(o.out_cls.len, 3);
	m.has_keys = true;
	m.keys = kv2;
	m.n_keys = 1;
	round_trip(mem, &m, &o);
	assert_true(o.has_keys);
	assert_string_equal(o.keys[0].value, "7");
	talloc_free(mem);
}

static void test_query_round_trip(void **state)
{
	void *mem = talloc_new(NULL);
	struct provframe_msg m = { .type = PROVFRAME_QUERY };
	struct provframe_msg o;

	(void)state;
	m.cls_name = "Test_Item";
	m.query = "SELECT * FROM Test_Item WHERE Name = 'a\"b'";
	m.eqs = kv2;
	m.n_eqs = 2;
	round_trip(mem, &m, &o);
	assert_string_equal(o.query, m.query);
	assert_int_equal(o.n_eqs, 2);
	assert_string_equal(o.eqs[0].name, "Id");
	talloc_free(mem);
}

static void test_status_class_log_out_round_trip(void **state)
{
	void *mem = talloc_new(NULL);
	static const uint8_t blob[] = { 0xAA, 0xBB };
	struct provframe_msg m = { .type = PROVFRAME_STATUS };
	struct provframe_msg o;

	(void)state;
	m.hr = 0x80041004u;
	m.pid = 1234;
	m.message = "it broke";
	round_trip(mem, &m, &o);
	assert_int_equal(o.hr, 0x80041004u);
	assert_int_equal(o.pid, 1234);
	assert_string_equal(o.message, "it broke");

	memset(&m, 0, sizeof(m));
	m.type = PROVFRAME_CLASS;
	m.hr = 0;
	m.cls_name = "Other";
	m.cls = (struct provframe_blob){ blob, sizeof(blob) };
	round_trip(mem, &m, &o);
	assert_string_equal(o.cls_name, "Other");
	assert_int_equal(o.cls.len, 2);

	memset(&m, 0, sizeof(m));
	m.type = PROVFRAME_LOG;
	m.level = 3;
	m.message = "hello";
	round_trip(mem, &m, &o);
	assert_string_equal(o.message, "hello");

	memset(&m, 0, sizeof(m));
	m.type = PROVFRAME_OUT;
	m.inst = (struct provframe_blob){ blob, sizeof(blob) };
	round_trip(mem, &m, &o);
	assert_memory_equal(o.inst.p, blob, 2);

	memset(&m, 0, sizeof(m));
	m.type = PROVFRAME_NEED_CLASS;
	m.cls_name = "Win32_Foo";
	round_trip(mem, &m, &o);
	assert_string_equal(o.cls_name, "Win32_Foo");

	memset(&m, 0, sizeof(m));
	m.type = PROVFRAME_PING;
	round_trip(mem, &m, &o);
	m.type = PROVFRAME_CANCEL;
	round_trip(mem, &m, &o);
	talloc_free(mem);
}

static void test_batch_round_trip(void **state)
{
	void *mem = talloc_new(NULL);
	static const uint8_t i0[] = { 1 }, i1[] = { 2, 2 };
	const char *names[] = { "A", "B" };
	struct provframe_item items[] = { { 1, { i0, 1 } },
		                          { 0, { i1, 2 } },
		                          { 1, { NULL, 0 } } };
	struct provframe_msg m = { .type = PROVFRAME_BATCH };
	struct provframe_msg o;

	(void)state;
	m.names = names;
	m.n_names = 2;
	m.items = items;
	m.n_items = 3;
	round_trip(mem, &m, &o);
	assert_int_equal(o.n_names, 2);
	assert_string_equal(o.names[1], "B");
	assert_int_equal(o.n_items, 3);
	assert_int_equal(o.items[0].name, 1);
	assert_int_equal(o.items[1].data.len, 2);
	assert_int_equal(o.items[2].data.len, 0);
	talloc_free(mem);
}

static void test_empty_batch(void **state)
{
	void *mem = talloc_new(NULL);
	struct provframe_msg m = { .type = PROVFRAME_BATCH };
	struct provframe_msg o;

	(void)state;
	round_trip(mem, &m, &o);
	assert_int_equal(o.n_items, 0);
	assert_int_equal(o.n_names, 0);
	talloc_free(mem);
}

/* Encodes a STATUS frame into [b] for the malformed-input tests. */
static void status_frame(struct buf *b)
{
	struct provframe_msg m = { .type = PROVFRAME_STATUS };

	m.message = "abc";
	assert_true(hr_ok(provframe_encode(b, &m)));
}

static void expect_bad(const void *data, size_t len)
{
	void *mem = talloc_new(NULL);
	struct provframe_msg o;

	assert_true(hr_eq(provframe_decode(mem, data, len, &o),
	                  HR_WBEM_E_INVALID_STREAM));
	assert_int_equal(o.type, 0);
	talloc_free(mem);
}

static void test_short_header_is_invalid(void **state)
{
	struct buf b;

	(void)state;
	buf_init(&b, NULL);
	status_frame(&b);
	expect_bad(b.data, PROVFRAME_HDR_LEN - 1);
	expect_bad(b.data, 0);
	assert_true(hr_eq(provframe_peek(b.data, 11, NULL, NULL, NULL),
	                  HR_WBEM_E_INVALID_STREAM));
	buf_release(&b);
}

static void test_header_fields_checked(void **state)
{
	struct buf b;

	(void)state;
	buf_init(&b, NULL);
	status_frame(&b);
	b.data[5] = 2; /* version */
	expect_bad(b.data, b.len);
	b.data[5] = PROVFRAME_VERSION;
	b.data[6] = 1; /* reserved */
	expect_bad(b.data, b.len);
	b.data[6] = 0;
	b.data[4] = 99; /* unknown type */
	expect_bad(b.data, b.len);
	b.data[4] = 0;
	expect_bad(b.data, b.len);
	buf_release(&b);
}

static void test_payload_over_limit(void **state)
{
	uint8_t h[PROVFRAME_HDR_LEN] = { 0 };
	uint32_t plen = PROVFRAME_MAX_PAYLOAD + 1;

	(void)state;
	h[0] = (uint8_t)plen;
	h[1] = (uint8_t)(plen >> 8);
	h[2] = (uint8_t)(plen >> 16);
	h[3] = (uint8_t)(plen >> 24);
	h[4] = PROVFRAME_PING;
	h[5] = PROVFRAME_VERSION;
	assert_true(hr_eq(provframe_peek(h, sizeof(h), NULL, NULL, NULL),
	                  HR_WBEM_E_INVALID_STREAM));
	plen = PROVFRAME_MAX_PAYLOAD;
	h[0] = (uint8_t)plen;
	h[1] = (uint8_t)(plen >> 8);
	h[2] = (uint8_t)(plen >> 16);
	h[3] = (uint8_t)(plen >> 24);
	assert_true(hr_ok(provframe_peek(h, sizeof(h), NULL, NULL, NULL)));
}

static void test_length_must_match(void **state)
{
	struct buf b;

	(void)state;
	buf_init(&b, NULL);
	status_frame(&b);
	expect_bad(b.data, b.len - 1);
	buf_addch(&b, 0);
	expect_bad(b.data, b.len); /* one byte more than the header says */
	buf_release(&b);
}

static void test_trailing_payload_bytes(void **state)
{
	struct buf b;

	(void)state;
	buf_init(&b, NULL);
	status_frame(&b);
	buf_addch(&b, 'x');
	b.data[0]++; /* the header now covers the extra byte */
	expect_bad(b.data, b.len);
	buf_release(&b);
}

static void test_string_length_past_end(void **state)
{
	struct buf b;

	(void)state;
	buf_init(&b, NULL);
	status_frame(&b);
	/* message length field: after hr and pid */
	b.data[PROVFRAME_HDR_LEN + 8] = 4;
	expect_bad(b.data, b.len);
	b.data[PROVFRAME_HDR_LEN + 8] = 3;
	b.data[PROVFRAME_HDR_LEN + 11] = (char)0xFF;
	expect_bad(b.data, b.len);
	buf_release(&b);
}

static void test_nul_inside_string(void **state)
{
	struct buf b;

	(void)state;
	buf_init(&b, NULL);
	status_frame(&b);
	b.data[PROVFRAME_HDR_LEN + 13] = '\0'; /* "a\0c" */
	expect_bad(b.data, b.len);
	buf_release(&b);
}

static void test_key_count_over_limit(void **state)
{
	struct provframe_msg m = { .type = PROVFRAME_GET };
	struct buf b;
	size_t off;

	(void)state;
	buf_init(&b, NULL);
	m.keys = kv2;
	m.n_keys = PROVFRAME_MAX_KEYS + 1;
	assert_true(
	        hr_eq(provframe_encode(&b, &m), HR_WBEM_E_INVALID_PARAMETER));
	assert_int_equal(b.len, 0);
	m.n_keys = 0;
	assert_true(hr_ok(provframe_encode(&b, &m)));
	/* The key count is the last u32: claim more than the bytes hold. */
	off = b.len - 4;
	b.data[off] = 2;
	expect_bad(b.data, b.len);
	buf_release(&b);
}

static void test_batch_name_index_checked(void **state)
{
	static const uint8_t i0[] = { 1 };
	const char *names[] = { "A" };
	struct provframe_item items[] = { { 1, { i0, 1 } } };
	struct provframe_msg m = { .type = PROVFRAME_BATCH };
	struct buf b;

	(void)state;
	buf_init(&b, NULL);
	m.names = names;
	m.n_names = 1;
	m.items = items;
	m.n_items = 1;
	assert_true(
	        hr_eq(provframe_encode(&b, &m), HR_WBEM_E_INVALID_PARAMETER));
	items[0].name = 0;
	assert_true(hr_ok(provframe_encode(&b, &m)));
	/* The item's name index: after header, n_names, "A", n_items. */
	b.data[PROVFRAME_HDR_LEN + 4 + 5 + 4] = 1;
	expect_bad(b.data, b.len);
	buf_release(&b);
}

static void test_method_has_keys_is_boolean(void **state)
{
	struct provframe_msg m = { .type = PROVFRAME_METHOD };
	struct buf b;
	size_t off;

	(void)state;
	buf_init(&b, NULL);
	m.cls_name = "C";
	m.method = "M";
	assert_true(hr_ok(provframe_encode(&b, &m)));
	/* call header: ns, user, domain (3 x 4), 4 x u32, name "C" (5),
	 * blob (4); then has_keys. */
	off = PROVFRAME_HDR_LEN + 12 + 16 + 5 + 4;
	assert_int_equal(b.data[off], 0);
	b.data[off] = 2;
	expect_bad(b.data, b.len);
	buf_release(&b);
}

static void test_encode_unknown_type_fails(void **state)
{
	struct provframe_msg m = { .type = 77 };
	struct buf b;

	(void)state;
	buf_init(&b, NULL);
	buf_addstr(&b, "keep");
	assert_true(
	        hr_eq(provframe_encode(&b, &m), HR_WBEM_E_INVALID_PARAMETER));
	assert_int_equal(b.len, 4);
	assert_string_equal(provframe_type_name(77), "?");
	assert_string_equal(provframe_type_name(PROVFRAME_BATCH), "BATCH");
	buf_release(&b);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_load_round_trip),
		cmocka_unit_test(test_call_header_round_trip),
		cmocka_unit_test(test_null_domain_stays_null),
		cmocka_unit_test(test_method_round_trip),
		cmocka_unit_test(test_query_round_trip),
		cmocka_unit_test(test_status_class_log_out_round_trip),
		cmocka_unit_test(test_batch_round_trip),
		cmocka_unit_test(test_empty_batch),
		cmocka_unit_test(test_short_header_is_invalid),
		cmocka_unit_test(test_header_fields_checked),
		cmocka_unit_test(test_payload_over_limit),
		cmocka_unit_test(test_length_must_match),
		cmocka_unit_test(test_trailing_payload_bytes),
		cmocka_unit_test(test_string_length_past_end),
		cmocka_unit_test(test_nul_inside_string),
		cmocka_unit_test(test_key_count_over_limit),
		cmocka_unit_test(test_batch_name_index_checked),
		cmocka_unit_test(test_method_has_keys_is_boolean),
		cmocka_unit_test(test_encode_unknown_type_fails),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
