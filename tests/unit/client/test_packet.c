/*
 * The smart enumerator's ObjectArray parser (client/packet.h, MS-WMI
 * 2.2.14): a packet laid out as wmid and Windows send it, larger header
 * sizes honoured, every truncation and every bad size refused with
 * WBEM_E_INVALID_STREAM, counts limited.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>
#include <talloc.h>

#include <cmocka.h>

#include "base/buf.h"
#include "client/packet.h"

static void put32(uint8_t *p, uint32_t v)
{
	p[0] = (uint8_t)v;
	p[1] = (uint8_t)(v >> 8);
	p[2] = (uint8_t)(v >> 16);
	p[3] = (uint8_t)(v >> 24);
}

/* One WBEM_DATAPACKET_OBJECT with an [extra]-octet larger header. */
static void object(struct buf *b,
                   uint8_t type,
                   uint8_t g,
                   const char *block,
                   uint32_t extra)
{
	uint32_t n = (uint32_t)strlen(block);
	uint32_t inner = type == 1 ? 8 : 0x18;

	buf_add_u32le(b, 9 + extra);
	buf_add_u32le(b, inner + extra + n);
	buf_add_u8(b, type);
	for (uint32_t i = 0; i < extra; i++) {
		buf_add_u8(b, 0xEE);
	}
	buf_add_u32le(b, inner + extra);
	buf_add_u32le(b, n);
	if (type != 1) {
		uint8_t guid[16];

		memset(guid, g, sizeof(guid));
		buf_add(b, guid, 16);
	}
	for (uint32_t i = 0; i < extra; i++) {
		buf_add_u8(b, 0xDD);
	}
	buf_add(b, block, n);
}

static void packet(struct buf *b, uint32_t extra)
{
	size_t objs;

	buf_add_u32le(b, 0);
	buf_add(b, "WBEMDATA", 8);
	buf_add_u32le(b, 0x1A + extra);
	buf_add_u32le(b, 0);
	buf_add_u32le(b, 0);
	buf_add_u8(b, 1);
	buf_add_u8(b, 1);
	for (uint32_t i = 0; i < extra; i++) {
		buf_add_u8(b, 0xCC);
	}
	buf_add_u32le(b, 8);
	buf_add_u32le(b, 0);
	buf_add_u32le(b, 12 + extra);
	buf_add_u32le(b, 0);
	buf_add_u32le(b, 3);
	for (uint32_t i = 0; i < extra; i++) {
		buf_add_u8(b, 0xBB);
	}
	objs = b->len;
	object(b, 2, 0x11, "INSTANCE-WITH-CLASS", extra);
	object(b, 3, 0x11, "NOCLASS", extra);
	object(b, 1, 0, "A-CLASS", extra);
	put32((uint8_t *)b->data + 16, (uint32_t)(b->len - 0x1A));
	(void)objs;
}

static void check_objects(const struct client_pkt_obj *o, uint32_t n)
{
	assert_int_equal(n, 3);
	assert_int_equal(o[0].type, CLIENT_PKT_INSTANCE);
	assert_int_equal(o[0].len, strlen("INSTANCE-WITH-CLASS"));
	assert_memory_equal(o[0].block, "INSTANCE-WITH-CLASS", o[0].len);
	assert_int_equal(o[0].guid[0], 0x11);
	assert_int_equal(o[0].guid[15], 0x11);
	assert_int_equal(o[1].type, CLIENT_PKT_NOCLASS);
	assert_memory_equal(o[1].block, "NOCLASS", o[1].len);
	assert_memory_equal(o[1].guid, o[0].guid, 16);
	assert_int_equal(o[2].type, CLIENT_PKT_CLASS);
	assert_memory_equal(o[2].block, "A-CLASS", o[2].len);
}

/* Builds packet(extra), parses it and checks its three objects. */
static void parse_and_check(uint32_t extra)
{
	void *mem = talloc_new(NULL);
	struct buf b;
	struct client_pkt_obj *o = NULL;
	uint32_t n = 0;

	buf_init(&b, mem);
	packet(&b, extra);
	assert_true(hr_ok(client_packet_parse(mem, (const uint8_t *)b.data,
	                                      b.len, 100, &o, &n, NULL)));
	check_objects(o, n);
	talloc_free(mem);
}

static void test_packet_as_sent(void **state)
{
	(void)state;
	parse_and_check(0);
}

static void test_larger_headers_are_skipped(void **state)
{
	(void)state;
	parse_and_check(5);
}

static void test_every_truncation_is_refused(void **state)
{
	void *mem = talloc_new(NULL);
	struct buf b;

	(void)state;
	buf_init(&b, mem);
	packet(&b, 0);
	for (size_t len = 0; len < b.len; len++) {
		struct client_pkt_obj *o = NULL;
		uint32_t n = 0;
		struct errinfo ei;

		err_clear(&ei);
		assert_true(
		        hr_eq(client_packet_parse(mem, (const uint8_t *)b.data,
		                                  len, 100, &o, &n, &ei),
		              HR_WBEM_E_INVALID_STREAM));
		assert_null(o);
		assert_true(ei.offset <= len);
	}
	talloc_free(mem);
}

static void test_bad_fields_are_refused(void **state)
{
	static const struct {
		size_t off;
		uint32_t v;
	} bad[] = {
		{ 0, 1 },         /* byte ordering */
		{ 12, 0x19 },     /* header 1 too small */
		{ 12, 0xFFFF },   /* header 1 past the end */
		{ 26, 7 },        /* header 2 too small */
		{ 34, 11 },       /* header 3 too small */
		{ 42, 0x100000 }, /* object count */
		{ 46, 8 },        /* object header too small */
		{ 50, 0x10000 },  /* object data past the packet */
		{ 55, 0x17 },     /* instance header too small */
		{ 59, 0x1000 },   /* block past its object */
	};
	void *mem = talloc_new(NULL);

	(void)state;
	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		struct buf b;
		struct client_pkt_obj *o = NULL;
		uint32_t n = 0;

		buf_init(&b, mem);
		packet(&b, 0);
		put32((uint8_t *)b.data + bad[i].off, bad[i].v);
		assert_true(
		        hr_eq(client_packet_parse(mem, (const uint8_t *)b.data,
		                                  b.len, 100, &o, &n, NULL),
		              HR_WBEM_E_INVALID_STREAM));
	}
	{
		struct buf b;
		struct client_pkt_obj *o = NULL;
		uint32_t n = 0;

		/* An unknown object type; more objects than asked for. */
		buf_init(&b, mem);
		packet(&b, 0);
		((uint8_t *)b.data)[54] = 9;
		assert_true(hr_failed(
		        client_packet_parse(mem, (const uint8_t *)b.data, b.len,
		                            100, &o, &n, NULL)));
		((uint8_t *)b.data)[54] = 2;
		assert_true(hr_failed(client_packet_parse(
		        mem, (const uint8_t *)b.data, b.len, 2, &o, &n, NULL)));
		assert_true(hr_ok(client_packet_parse(
		        mem, (const uint8_t *)b.data, b.len, 3, &o, &n, NULL)));
	}
	talloc_free(mem);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_packet_as_sent),
		cmocka_unit_test(test_larger_headers_are_skipped),
		cmocka_unit_test(test_every_truncation_is_refused),
		cmocka_unit_test(test_bad_fields_are_refused),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
