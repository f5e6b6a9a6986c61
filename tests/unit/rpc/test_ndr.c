/*
 * Unit tests for rpc/ndr: primitives and alignment (C706 14.2), pointers
 * (14.3.10-12), arrays and strings (14.3.3-4), conformant structures
 * (14.3.7), limits, and the ept_lookup stubs b01/b02 of the captures
 * decoded with hand-written codecs in the two-phase pattern of ndr.md.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>
#include <talloc.h>

#include <cmocka.h>

#include "capture.h"
#include "rpc/fault.h"
#include "rpc/ndr.h"

static void pull_on(struct ndr_pull *ndr,
                    void *mem,
                    const void *data,
                    size_t len,
                    unsigned flags)
{
	assert_int_equal(ndr_pull_init(ndr, mem, data, len, flags, NULL),
	                 NDR_ERR_SUCCESS);
}

/* C706 14.2.2: each primitive aligned to its size from the stub start. */
static void test_primitives_alignment_round_trip(void **state)
{
	void *mem = talloc_new(NULL);
	struct ndr_push push;
	struct ndr_pull pull;
	const uint8_t *b;
	size_t n;
	uint8_t u8;
	uint16_t u16;
	uint32_t u32;
	uint64_t u64;
	int16_t i16;
	int64_t i64;
	double d;
	float f;
	const uint8_t want[] = {
		0x01, 0,    0x02, 0x01, 0x04, 0x03, 0x02, 0x01, /* u8 u16 u32 */
		0x05, 0,    0,    0,    0,    0,    0,    0,    /* u8, pad 7 */
		0x08, 0x07, 0x06, 0x05, 0x04, 0x03, 0x02, 0x01, /* hyper */
		0xfe, 0xff, 0,    0,    0,    0,    0,    0,    /* i16, pad */
		0,    0,    0,    0,    0,    0,    0xf8, 0x3f, /* 1.5 */
		0,    0,    0xc0, 0x3f,                         /* 1.5f */
	};

	(void)state;
	assert_int_equal(ndr_push_init(&push, mem, 0, NULL), NDR_ERR_SUCCESS);
	ndr_push_u8(&push, 1);
	ndr_push_u16(&push, 0x0102);
	ndr_push_u32(&push, 0x01020304);
	ndr_push_u8(&push, 5);
	ndr_push_hyper(&push, 0x0102030405060708ull);
	ndr_push_i16(&push, -2);
	ndr_push_double(&push, 1.5);
	ndr_push_float(&push, 1.5f);
	assert_int_equal(ndr_push_blob(&push, &b, &n), NDR_ERR_SUCCESS);
	assert_int_equal(n, sizeof(want));
	assert_memory_equal(b, want, n);

	pull_on(&pull, mem, b, n, NDR_FLAG_CHECK_PAD);
	ndr_pull_u8(&pull, &u8);
	ndr_pull_u16(&pull, &u16);
	ndr_pull_u32(&pull, &u32);
	ndr_pull_u8(&pull, &u8);
	ndr_pull_hyper(&pull, &u64);
	ndr_pull_i16(&pull, &i16);
	ndr_pull_double(&pull, &d);
	ndr_pull_float(&pull, &f);
	assert_int_equal(ndr_pull_finish(&pull), NDR_ERR_SUCCESS);
	assert_int_equal(u8, 5);
	assert_int_equal(u16, 0x0102);
	assert_int_equal(u32, 0x01020304);
	assert_true(u64 == 0x0102030405060708ull);
	assert_int_equal(i16, -2);
	assert_true(d == 1.5);
	assert_true(f == 1.5f);
	(void)i64;
	ndr_pull_release(&pull);
	ndr_push_release(&push);
	talloc_free(mem);
}

/* A pad that ends exactly at the buffer end is fine; one past is not. */
static void test_alignment_padding_at_buffer_end(void **state)
{
	void *mem = talloc_new(NULL);
	const uint8_t four[4] = { 7, 0xaa, 0xbf, 0xce }; /* impacket pads */
	struct ndr_pull ndr;
	uint8_t v;
	uint32_t w;

	(void)state;
	pull_on(&ndr, mem, four, 4, 0);
	assert_int_equal(ndr_pull_u8(&ndr, &v), NDR_ERR_SUCCESS);
	assert_int_equal(ndr_pull_align(&ndr, 4), NDR_ERR_SUCCESS);
	assert_int_equal(ndr.pos, 4);
	assert_int_equal(ndr_pull_finish(&ndr), NDR_ERR_SUCCESS);

	pull_on(&ndr, mem, four, 3, 0);
	ndr_pull_u8(&ndr, &v);
	assert_int_equal(ndr_pull_u32(&ndr, &w), NDR_ERR_BUFSIZE);
	assert_int_equal(ndr.err_pos, 1);
	/* Sticky: later calls return the first error. */
	assert_int_equal(ndr_pull_u8(&ndr, &v), NDR_ERR_BUFSIZE);

	/* Non-zero pad: ignored by default, refused with CHECK_PAD. */
	pull_on(&ndr, mem, four, 4, NDR_FLAG_CHECK_PAD);
	ndr_pull_u8(&ndr, &v);
	assert_int_equal(ndr_pull_align(&ndr, 4), NDR_ERR_ALIGN_PAD);
	assert_int_equal(ndr.err_pos, 1);
	assert_int_equal(ndr_pull_align(&ndr, 3), NDR_ERR_ALIGN_PAD);
	talloc_free(mem);
}

static void test_unread_bytes(void **state)
{
	void *mem = talloc_new(NULL);
	const uint8_t data[6] = { 1, 0, 0, 0, 9, 9 };
	struct ndr_pull ndr;
	uint32_t v;

	(void)state;
	pull_on(&ndr, mem, data, 6, 0);
	ndr_pull_u32(&ndr, &v);
	assert_int_equal(ndr_pull_finish(&ndr), NDR_ERR_UNREAD_BYTES);
	assert_int_equal(ndr.err_pos, 4);
	/* GetObject's 12 junk octets (interop notes 6.4) need this flag. */
	pull_on(&ndr, mem, data, 6, NDR_FLAG_ALLOW_TRAILING);
	ndr_pull_u32(&ndr, &v);
	assert_int_equal(ndr_pull_finish(&ndr), NDR_ERR_SUCCESS);
	talloc_free(mem);
}

static void test_zero_length_array(void **state)
{
	void *mem = talloc_new(NULL);
	const uint8_t data[4] = { 0 };
	struct ndr_pull ndr;
	struct ndr_push push;
	uint8_t *out = NULL;
	uint32_t n = 99;
	const uint8_t *b;
	size_t bn;

	(void)state;
	pull_on(&ndr, mem, data, 4, 0);
	assert_int_equal(ndr_pull_conformant_bytes(&ndr, &out, &n),
	                 NDR_ERR_SUCCESS);
	assert_int_equal(n, 0);
	assert_non_null(out);
	assert_int_equal(ndr_pull_finish(&ndr), NDR_ERR_SUCCESS);
	ndr_push_init(&push, mem, 0, NULL);
	ndr_push_conformant_bytes(&push, NULL, 0);
	assert_int_equal(ndr_push_blob(&push, &b, &bn), NDR_ERR_SUCCESS);
	assert_int_equal(bn, 4);
	assert_memory_equal(b, data, 4);
	talloc_free(mem);
}

static enum ndr_err pull_varying(void *mem,
                                 uint32_t max,
                                 uint32_t off,
                                 uint32_t actual)
{
	uint8_t data[8];
	struct ndr_pull ndr;
	uint32_t o;
	uint32_t a;

	for (int i = 0; i < 4; i++) {
		data[i] = (uint8_t)(off >> (8 * i));
		data[4 + i] = (uint8_t)(actual >> (8 * i));
	}
	pull_on(&ndr, mem, data, 8, 0);
	return ndr_pull_array_length(&ndr, max, &o, &a);
}

static void test_varying_bounds(void **state)
{
	void *mem = talloc_new(NULL);

	(void)state;
	/* actual_count == max_count is the largest legal value. */
	assert_int_equal(pull_varying(mem, 5, 0, 5), NDR_ERR_SUCCESS);
	assert_int_equal(pull_varying(mem, 5, 0, 6), NDR_ERR_ARRAY_SIZE);
	assert_int_equal(pull_varying(mem, 5, 6, 0), NDR_ERR_ARRAY_SIZE);
	assert_int_equal(pull_varying(mem, 5, 5, 0), NDR_ERR_SUCCESS);
	assert_int_equal(pull_varying(mem, 5, 2, 4), NDR_ERR_ARRAY_SIZE);
	assert_int_equal(pull_varying(mem, 5, 2, 3), NDR_ERR_SUCCESS);
	/* No wrap-around: offset + actual overflowing 32 bits. */
	assert_int_equal(pull_varying(mem, 0xffffffffu, 0xfffffff0u, 0x20),
	                 NDR_ERR_ARRAY_SIZE);
	talloc_free(mem);
}

/* Builds a conformant varying wchar string header + units. */
static size_t wstr(uint8_t *out,
                   uint32_t max,
                   uint32_t off,
                   uint32_t act,
                   const uint16_t *units,
                   size_t n_units)
{
	size_t k = 0;
	uint32_t h[3] = { max, off, act };

	for (int j = 0; j < 3; j++) {
		for (int i = 0; i < 4; i++) {
			out[k++] = (uint8_t)(h[j] >> (8 * i));
		}
	}
	for (size_t i = 0; i < n_units; i++) {
		out[k++] = (uint8_t)units[i];
		out[k++] = (uint8_t)(units[i] >> 8);
	}
	return k;
}

static enum ndr_err pull_ws(void *mem,
                            const uint8_t *b,
                            size_t n,
                            unsigned flags,
                            char **out)
{
	struct ndr_pull ndr;
	enum ndr_err e;

	pull_on(&ndr, mem, b, n, 0);
	e = ndr_pull_wstring(&ndr, flags, out);
	if (e == NDR_ERR_SUCCESS) {
		e = ndr_pull_finish(&ndr);
	}
	return e;
}

static void test_wstring_nul_rules(void **state)
{
	void *mem = talloc_new(NULL);
	const uint16_t wql[] = { 'W', 'Q', 'L', 0 };
	const uint16_t embedded[] = { 'a', 0, 'b', 0 };
	uint8_t b[64];
	size_t n;
	char *s = NULL;

	(void)state;
	n = wstr(b, 4, 0, 4, wql, 4);
	assert_int_equal(pull_ws(mem, b, n, NDR_STR_NUL_TERM, &s),
	                 NDR_ERR_SUCCESS);
	assert_string_equal(s, "WQL");
	/* A string without NUL: refused by [string], accepted on request. */
	n = wstr(b, 3, 0, 3, wql, 3);
	assert_int_equal(pull_ws(mem, b, n, NDR_STR_NUL_TERM, &s),
	                 NDR_ERR_STRING);
	assert_int_equal(pull_ws(mem, b, n, NDR_STR_NO_NUL, &s),
	                 NDR_ERR_SUCCESS);
	assert_string_equal(s, "WQL");
	n = wstr(b, 4, 0, 4, embedded, 4);
	assert_int_equal(pull_ws(mem, b, n, NDR_STR_NO_NUL, &s),
	                 NDR_ERR_STRING);
	/* An empty [string] is a lone NUL; zero units need NO_NUL. */
	n = wstr(b, 1, 0, 1, wql + 3, 1);
	assert_int_equal(pull_ws(mem, b, n, 0, &s), NDR_ERR_SUCCESS);
	assert_string_equal(s, "");
	n = wstr(b, 0, 0, 0, NULL, 0);
	assert_int_equal(pull_ws(mem, b, n, 0, &s), NDR_ERR_STRING);
	assert_int_equal(pull_ws(mem, b, n, NDR_STR_NO_NUL, &s),
	                 NDR_ERR_SUCCESS);
	/* Non-zero offset. */
	n = wstr(b, 5, 1, 4, wql, 4);
	assert_int_equal(pull_ws(mem, b, n, 0, &s), NDR_ERR_ARRAY_SIZE);
	talloc_free(mem);
}

/* Odd octet counts: a unit cut in half, and an unpaired surrogate. */
static void test_wstring_odd_bytes_and_surrogates(void **state)
{
	void *mem = talloc_new(NULL);
	const uint16_t wql[] = { 'W', 'Q', 'L', 0 };
	const uint16_t lone[] = { 0xd83d, 'x', 0 };
	const uint16_t pair[] = { 0xd83d, 0xde00, 0 };
	uint8_t b[64];
	size_t n;
	char *s = NULL;

	(void)state;
	n = wstr(b, 4, 0, 4, wql, 4);
	assert_int_equal(pull_ws(mem, b, n - 1, 0, &s), NDR_ERR_BUFSIZE);
	assert_int_equal(pull_ws(mem, b, n + 1, 0, &s), NDR_ERR_UNREAD_BYTES);
	n = wstr(b, 3, 0, 3, lone, 3);
	assert_int_equal(pull_ws(mem, b, n, 0, &s), NDR_ERR_STRING);
	n = wstr(b, 3, 0, 3, pair, 3);
	assert_int_equal(pull_ws(mem, b, n, 0, &s), NDR_ERR_SUCCESS);
	assert_string_equal(s, "\xf0\x9f\x98\x80");
	talloc_free(mem);
}

static void test_wstring_push_pull_round_trip(void **state)
{
	void *mem = talloc_new(NULL);
	const char
	        *q = "SELECT * FROM Win32_Process WHERE Name = 'caf\xc3\xa9'";
	struct ndr_push push;
	const uint8_t *b;
	size_t n;
	char *s = NULL;
	const uint8_t root[] = { 0x0f, 0, 0, 0, 0, 0, 0, 0, 0x0f, 0, 0, 0 };

	(void)state;
	ndr_push_init(&push, mem, 0, NULL);
	assert_int_equal(ndr_push_wstring(&push, 0, q), NDR_ERR_SUCCESS);
	ndr_push_blob(&push, &b, &n);
	assert_int_equal(n, 12 + 2 * (strlen(q) - 1 + 1));
	assert_int_equal(pull_ws(mem, b, n, 0, &s), NDR_ERR_SUCCESS);
	assert_string_equal(s, q);
	ndr_push_release(&push);
	/* d05: NTLMLogin's "//./root/cimv2" has 15 units with the NUL. */
	ndr_push_init(&push, mem, 0, NULL);
	ndr_push_wstring(&push, 0, "//./root/cimv2");
	ndr_push_blob(&push, &b, &n);
	assert_memory_equal(b, root, sizeof(root));
	ndr_push_release(&push);
	ndr_push_init(&push, mem, 0, NULL);
	assert_int_equal(ndr_push_wstring(&push, 0, "\xc0\xaf"),
	                 NDR_ERR_STRING);
	ndr_push_release(&push);
	talloc_free(mem);
}

/* struct { u32 a; [unique] u32 *p; } with the pointee deferred. */
struct pair {
	uint32_t a;
	uint32_t *p;
};

static enum ndr_err pull_pair(struct ndr_pull *ndr,
                              unsigned phases,
                              struct pair *r,
                              uint32_t *refid)
{
	enum ndr_err e = NDR_ERR_SUCCESS;

	if (phases & NDR_SCALARS) {
		ndr_pull_align(ndr, 4);
		ndr_pull_u32(ndr, &r->a);
		e = ndr_pull_unique_ptr(ndr, refid);
	}
	if ((phases & NDR_BUFFERS) && e == NDR_ERR_SUCCESS && *refid != 0) {
		void *p = NULL;

		e = ndr_pull_array_alloc(ndr, 1, sizeof(uint32_t), 4, &p);
		if (e == NDR_ERR_SUCCESS) {
			r->p = p;
			e = ndr_pull_u32(ndr, r->p);
		}
	}
	return e != NDR_ERR_SUCCESS ? e : ndr->err;
}

static void test_unique_pointer_null_and_non_null(void **state)
{
	void *mem = talloc_new(NULL);
	const uint8_t two[] = {
		1,    0, 0, 0, 0,    0,    0,    0, /* {1, NULL} */
		2,    0, 0, 0, 0x00, 0x00, 0x02, 0, /* {2, ref} */
		0x2a, 0, 0, 0,                      /* *p = 42 */
	};
	struct ndr_pull ndr;
	struct pair v[2] = { 0 };
	uint32_t refs[2];

	(void)state;
	pull_on(&ndr, mem, two, sizeof(two), 0);
	/* An array of two structs: all scalars, then all buffers. */
	for (int i = 0; i < 2; i++) {
		assert_int_equal(pull_pair(&ndr, NDR_SCALARS, &v[i], &refs[i]),
		                 NDR_ERR_SUCCESS);
	}
	for (int i = 0; i < 2; i++) {
		assert_int_equal(pull_pair(&ndr, NDR_BUFFERS, &v[i], &refs[i]),
		                 NDR_ERR_SUCCESS);
	}
	assert_int_equal(ndr_pull_finish(&ndr), NDR_ERR_SUCCESS);
	assert_null(v[0].p);
	assert_non_null(v[1].p);
	assert_int_equal(*v[1].p, 42);
	assert_int_equal(refs[1], 0x00020000);
	talloc_free(mem);
}

static void test_ref_pointer_null_rejected(void **state)
{
	void *mem = talloc_new(NULL);
	const uint8_t zero[4] = { 0 };
	struct ndr_pull ndr;
	struct ndr_push push;
	uint32_t refid;

	(void)state;
	pull_on(&ndr, mem, zero, 4, 0);
	assert_int_equal(ndr_pull_ref_ptr(&ndr, &refid), NDR_ERR_NULL_REF);
	ndr_push_init(&push, mem, 0, NULL);
	assert_int_equal(ndr_push_ref_ptr(&push, NULL), NDR_ERR_NULL_REF);
	talloc_free(mem);
}

/*
 * Full pointers (C706 14.3.12.2): two pointers to one object share a
 * referent id and the pointee is marshalled once; the puller maps both to
 * one object.
 */
static void test_full_pointer_aliasing(void **state)
{
	void *mem = talloc_new(NULL);
	uint32_t target = 0xdeadbeef;
	const uint32_t *ptrs[3] = { &target, NULL, &target };
	struct ndr_push push;
	struct ndr_pull ndr;
	const uint8_t *b;
	size_t n;
	uint32_t ids[3];
	uint32_t *got[3] = { NULL };

	(void)state;
	ndr_push_init(&push, mem, 0, NULL);
	for (int i = 0; i < 3; i++) {
		ndr_push_full_ptr(&push, ptrs[i]);
	}
	for (int i = 0; i < 3; i++) {
		if (ptrs[i] != NULL &&
		    ndr_push_full_ptr_claim(&push, ptrs[i])) {
			ndr_push_u32(&push, *ptrs[i]);
		}
	}
	assert_int_equal(ndr_push_blob(&push, &b, &n), NDR_ERR_SUCCESS);
	assert_int_equal(n, 16);
	assert_memory_equal(b,
	                    "\x00\x00\x02\x00\x00\x00\x00\x00"
	                    "\x00\x00\x02\x00\xef\xbe\xad\xde",
	                    16);

	pull_on(&ndr, mem, b, n, 0);
	for (int i = 0; i < 3; i++) {
		ndr_pull_full_ptr(&ndr, &ids[i]);
	}
	for (int i = 0; i < 3; i++) {
		void *p;

		if (ids[i] == 0) {
			continue;
		}
		got[i] = ndr_pull_full_ptr_lookup(&ndr, ids[i]);
		if (got[i] != NULL) {
			continue;
		}
		assert_int_equal(ndr_pull_array_alloc(&ndr, 1, 4, 4, &p),
		                 NDR_ERR_SUCCESS);
		got[i] = p;
		assert_int_equal(ndr_pull_full_ptr_register(&ndr, ids[i], p),
		                 NDR_ERR_SUCCESS);
		ndr_pull_u32(&ndr, got[i]);
	}
	assert_int_equal(ndr_pull_finish(&ndr), NDR_ERR_SUCCESS);
	assert_ptr_equal(got[0], got[2]);
	assert_null(got[1]);
	assert_int_equal(*got[0], 0xdeadbeef);
	/* Registering one referent twice is a protocol error. */
	assert_int_equal(ndr_pull_full_ptr_register(&ndr, ids[0], got[0]),
	                 NDR_ERR_POINTER);
	ndr_pull_release(&ndr);
	talloc_free(mem);
}

/* Many distinct full pointers: the table grows and keeps every entry. */
static void test_full_pointer_table_growth(void **state)
{
	void *mem = talloc_new(NULL);
	static uint32_t objs[1000];
	struct ndr_pull ndr;
	struct ndr_push push;
	const uint8_t *b;
	size_t n;

	(void)state;
	ndr_push_init(&push, mem, 0, NULL);
	for (int i = 0; i < 1000; i++) {
		ndr_push_full_ptr(&push, &objs[i]);
		ndr_push_full_ptr(&push, &objs[i / 2]);
	}
	assert_int_equal(ndr_push_blob(&push, &b, &n), NDR_ERR_SUCCESS);
	assert_int_equal(n, 8000);
	pull_on(&ndr, mem, b, n, 0);
	for (int i = 0; i < 1000; i++) {
		uint32_t id;
		uint32_t alias;

		ndr_pull_full_ptr(&ndr, &id);
		ndr_pull_full_ptr(&ndr, &alias);
		assert_int_equal(id, 0x00020000u + 4u * (uint32_t)i);
		assert_int_equal(ndr_pull_full_ptr_register(&ndr, id, &objs[i]),
		                 NDR_ERR_SUCCESS);
		assert_ptr_equal(ndr_pull_full_ptr_lookup(&ndr, alias),
		                 &objs[i / 2]);
	}
	talloc_free(mem);
}

static enum ndr_err nest(struct ndr_pull *ndr, unsigned levels)
{
	enum ndr_err e;

	if (levels == 0) {
		return NDR_ERR_SUCCESS;
	}
	e = ndr_pull_enter(ndr);
	if (e == NDR_ERR_SUCCESS) {
		e = nest(ndr, levels - 1);
		ndr_pull_leave(ndr);
	}
	return e;
}

static void test_depth_limit(void **state)
{
	void *mem = talloc_new(NULL);
	struct ndr_limits lim;
	struct ndr_pull ndr;
	struct ndr_push push;

	(void)state;
	ndr_limits_default(&lim);
	lim.max_depth = 8;
	ndr_pull_init(&ndr, mem, NULL, 0, 0, &lim);
	assert_int_equal(nest(&ndr, 8), NDR_ERR_SUCCESS);
	assert_int_equal(ndr.depth, 0);
	assert_int_equal(nest(&ndr, 9), NDR_ERR_DEPTH);
	ndr_push_init(&push, mem, 0, &lim);
	for (int i = 0; i < 8; i++) {
		assert_int_equal(ndr_push_enter(&push), NDR_ERR_SUCCESS);
	}
	assert_int_equal(ndr_push_enter(&push), NDR_ERR_DEPTH);
	talloc_free(mem);
}

static void test_element_limit(void **state)
{
	void *mem = talloc_new(NULL);
	uint8_t data[4 + 100] = { 100 };
	struct ndr_limits lim;
	struct ndr_pull ndr;
	uint8_t *out;
	uint32_t n;

	(void)state;
	ndr_limits_default(&lim);
	lim.max_elems = 100;
	ndr_pull_init(&ndr, mem, data, sizeof(data), 0, &lim);
	assert_int_equal(ndr_pull_conformant_bytes(&ndr, &out, &n),
	                 NDR_ERR_SUCCESS);
	lim.max_elems = 99;
	ndr_pull_init(&ndr, mem, data, sizeof(data), 0, &lim);
	assert_int_equal(ndr_pull_conformant_bytes(&ndr, &out, &n),
	                 NDR_ERR_LIMIT);
	talloc_free(mem);
}

/* A 4 GB count in a 12-octet stub: refused before any allocation. */
static void test_4gb_counts_rejected_without_allocating(void **state)
{
	void *mem = talloc_new(NULL);
	const uint8_t huge[12] = { 0xff, 0xff, 0xff, 0xff, 0,    0,
		                   0,    0,    0xff, 0xff, 0xff, 0xff };
	struct ndr_pull ndr;
	uint8_t *out;
	uint32_t n;
	char *s;
	void *p;

	(void)state;
	pull_on(&ndr, mem, huge, 12, 0);
	assert_int_equal(ndr_pull_conformant_bytes(&ndr, &out, &n),
	                 NDR_ERR_BUFSIZE);
	assert_int_equal(talloc_total_size(ndr.mem), 0);
	pull_on(&ndr, mem, huge, 12, 0);
	assert_int_equal(ndr_pull_wstring(&ndr, 0, &s), NDR_ERR_BUFSIZE);
	assert_int_equal(talloc_total_size(ndr.mem), 0);
	pull_on(&ndr, mem, huge, 12, 0);
	assert_int_equal(ndr_pull_array_alloc(&ndr, 0xffffffffu, 64, 0, &p),
	                 NDR_ERR_LIMIT);
	assert_int_equal(talloc_total_size(ndr.mem), 0);
	talloc_free(mem);
}

/* The byte ceiling: an array present in the stub but above max_alloc. */
static void test_memlimit_gives_alloc_error(void **state)
{
	void *mem = talloc_new(NULL);
	uint8_t *data = talloc_zero_array(mem, uint8_t, 4 + 4096);
	struct ndr_limits lim;
	struct ndr_pull ndr;
	uint8_t *out;
	uint32_t n;

	(void)state;
	data[1] = 0x10; /* 4096 */
	ndr_limits_default(&lim);
	lim.max_alloc = 1024;
	ndr_pull_init(&ndr, mem, data, 4 + 4096, 0, &lim);
	assert_int_equal(ndr_pull_conformant_bytes(&ndr, &out, &n),
	                 NDR_ERR_ALLOC);
	assert_int_equal(ndr_err_to_fault(NDR_ERR_ALLOC),
	                 RPC_FAULT_NCA_S_FAULT_REMOTE_NO_MEMORY);
	assert_int_equal(ndr_err_to_fault(NDR_ERR_BUFSIZE), 0x6f7);
	assert_string_equal(ndr_err_name(NDR_ERR_LIMIT), "NDR_ERR_LIMIT");
	talloc_free(mem);
}

static void test_push_limit(void **state)
{
	void *mem = talloc_new(NULL);
	struct ndr_limits lim;
	struct ndr_push push;

	(void)state;
	ndr_limits_default(&lim);
	lim.max_push = 8;
	ndr_push_init(&push, mem, 0, &lim);
	assert_int_equal(ndr_push_hyper(&push, 1), NDR_ERR_SUCCESS);
	assert_int_equal(ndr_push_u8(&push, 1), NDR_ERR_LIMIT);
	assert_int_equal(push.err_pos, 8);
	talloc_free(mem);
}

/*
 * A conformant structure (C706 14.3.7.1): struct { u16 n; u32 x;
 * [size_is(n)] u16 arr[]; }: max_count travels first, before the
 * structure's own alignment.
 */
struct cstruct {
	uint16_t n;
	uint32_t x;
	uint16_t *arr;
};

static enum ndr_err push_cstruct(struct ndr_push *ndr, const struct cstruct *r)
{
	ndr_push_array_size(ndr, r->n);
	ndr_push_align(ndr, 4);
	ndr_push_u16(ndr, r->n);
	ndr_push_u32(ndr, r->x);
	for (unsigned i = 0; i < r->n; i++) {
		ndr_push_u16(ndr, r->arr[i]);
	}
	return ndr->err;
}

static enum ndr_err pull_cstruct(struct ndr_pull *ndr, struct cstruct *r)
{
	uint32_t max = 0;
	void *p = NULL;

	ndr_pull_array_size(ndr, &max);
	ndr_pull_align(ndr, 4);
	ndr_pull_u16(ndr, &r->n);
	ndr_pull_u32(ndr, &r->x);
	if (ndr->err == NDR_ERR_SUCCESS && max != r->n) {
		return ndr_pull_error(ndr, NDR_ERR_ARRAY_SIZE,
		                      "size_is(n) differs from max_count");
	}
	if (ndr_pull_array_alloc(ndr, max, 2, 2, &p) != NDR_ERR_SUCCESS) {
		return ndr->err;
	}
	r->arr = p;
	for (uint32_t i = 0; i < max; i++) {
		ndr_pull_u16(ndr, &r->arr[i]);
	}
	return ndr->err;
}

static void test_conformant_structure_hoisting(void **state)
{
	void *mem = talloc_new(NULL);
	uint16_t arr[3] = { 0x1111, 0x2222, 0x3333 };
	struct cstruct in = { 3, 0xabcdef01, arr };
	struct cstruct out = { 0 };
	struct ndr_push push;
	struct ndr_pull ndr;
	const uint8_t *b;
	size_t n;
	const uint8_t want[] = { 3,    0,    0,    0,    3,    0,
		                 0,    0,    0x01, 0xef, 0xcd, 0xab,
		                 0x11, 0x11, 0x22, 0x22, 0x33, 0x33 };
	uint8_t bad[sizeof(want)];

	(void)state;
	ndr_push_init(&push, mem, 0, NULL);
	assert_int_equal(push_cstruct(&push, &in), NDR_ERR_SUCCESS);
	ndr_push_blob(&push, &b, &n);
	assert_int_equal(n, sizeof(want));
	assert_memory_equal(b, want, n);
	pull_on(&ndr, mem, b, n, 0);
	assert_int_equal(pull_cstruct(&ndr, &out), NDR_ERR_SUCCESS);
	assert_int_equal(ndr_pull_finish(&ndr), NDR_ERR_SUCCESS);
	assert_int_equal(out.x, 0xabcdef01);
	assert_int_equal(out.arr[2], 0x3333);
	memcpy(bad, want, sizeof(bad));
	bad[0] = 4;
	pull_on(&ndr, mem, bad, sizeof(bad), 0);
	assert_int_equal(pull_cstruct(&ndr, &out), NDR_ERR_ARRAY_SIZE);
	talloc_free(mem);
}

static void test_cstring_round_trip(void **state)
{
	void *mem = talloc_new(NULL);
	struct ndr_push push;
	struct ndr_pull ndr;
	const uint8_t *b;
	size_t n;
	char *s = NULL;
	uint8_t bad[13] = { 1, 0, 0, 0, 0, 0, 0, 0, 1, 0, 0, 0, 0xff };

	(void)state;
	ndr_push_init(&push, mem, 0, NULL);
	ndr_push_cstring(&push, 0, "Fake WMI");
	ndr_push_blob(&push, &b, &n);
	assert_int_equal(n, 12 + 9);
	pull_on(&ndr, mem, b, n, 0);
	assert_int_equal(ndr_pull_cstring(&ndr, 0, &s), NDR_ERR_SUCCESS);
	assert_string_equal(s, "Fake WMI");
	pull_on(&ndr, mem, bad, sizeof(bad), 0);
	assert_int_equal(ndr_pull_cstring(&ndr, NDR_STR_NO_NUL, &s),
	                 NDR_ERR_STRING);
	talloc_free(mem);
}

/* ---- ept_lookup (C706 appendix O, interop notes 4.1) ---- */

struct ept_lookup_in {
	uint32_t inquiry_type;
	uint32_t object_ref;
	uint32_t ifid_ref;
	uint32_t vers_option;
	uint32_t handle_attr;
	struct rpc_uuid handle_uuid;
	uint32_t max_ents;
};

/* b01: the whole request stub impacket's rpcdump sends. */
static void test_ept_lookup_request_b01(void **state)
{
	void *mem = talloc_new(NULL);
	size_t n;
	uint8_t *p = capture_load(mem, "b01", &n);
	struct ndr_pull ndr;
	struct ept_lookup_in in;

	(void)state;
	assert_non_null(p);
	pull_on(&ndr, mem, p, n, NDR_FLAG_CHECK_PAD);
	ndr_pull_u32(&ndr, &in.inquiry_type);
	ndr_pull_unique_ptr(&ndr, &in.object_ref);
	ndr_pull_unique_ptr(&ndr, &in.ifid_ref);
	ndr_pull_u32(&ndr, &in.vers_option);
	ndr_pull_u32(&ndr, &in.handle_attr);
	ndr_pull_uuid(&ndr, &in.handle_uuid);
	ndr_pull_u32(&ndr, &in.max_ents);
	assert_int_equal(ndr_pull_finish(&ndr), NDR_ERR_SUCCESS);
	assert_int_equal(n, 40);
	assert_int_equal(in.inquiry_type, 0);
	assert_int_equal(in.object_ref, 0);
	assert_int_equal(in.ifid_ref, 0);
	assert_int_equal(in.vers_option, 1);
	assert_true(rpc_uuid_is_nil(&in.handle_uuid));
	assert_int_equal(in.max_ents, 500);
	talloc_free(mem);
}

struct ept_entry {
	struct rpc_uuid object;
	uint32_t tower_ref;
	char *annotation;
	uint8_t *tower;
	uint32_t tower_len;
};

/* [string] char annotation[64]: a varying array, no max_count. */
static enum ndr_err pull_annotation(struct ndr_pull *ndr, char **out)
{
	uint32_t off;
	uint32_t act;
	const uint8_t *p;
	void *s = NULL;

	ndr_pull_array_length(ndr, 64, &off, &act);
	ndr_pull_bytes_ref(ndr, act, &p);
	if (ndr->err == NDR_ERR_SUCCESS &&
	    (off != 0 || act == 0 || p[act - 1] != 0)) {
		return ndr_pull_error(ndr, NDR_ERR_STRING, "annotation");
	}
	if (ndr_pull_array_alloc(ndr, act, 1, 0, &s) == NDR_ERR_SUCCESS) {
		memcpy(s, p, act);
		*out = s;
	}
	return ndr->err;
}

static enum ndr_err pull_ept_entry(struct ndr_pull *ndr,
                                   unsigned phases,
                                   struct ept_entry *r)
{
	if (ndr_pull_enter(ndr) != NDR_ERR_SUCCESS) {
		return ndr->err;
	}
	if (phases & NDR_SCALARS) {
		ndr_pull_align(ndr, 4);
		ndr_pull_uuid(ndr, &r->object);
		ndr_pull_unique_ptr(ndr, &r->tower_ref);
		pull_annotation(ndr, &r->annotation);
	}
	if ((phases & NDR_BUFFERS) && r->tower_ref != 0) {
		uint32_t max = 0;

		/* twr_t is a conformant struct: max_count first. */
		ndr_pull_array_size(ndr, &max);
		ndr_pull_u32(ndr, &r->tower_len);
		if (ndr->err == NDR_ERR_SUCCESS && max != r->tower_len) {
			ndr_pull_error(ndr, NDR_ERR_ARRAY_SIZE, "tower_length");
		}
		if (ndr_pull_array_alloc(ndr, max, 1, 1, (void **)&r->tower) ==
		    NDR_ERR_SUCCESS) {
			ndr_pull_bytes(ndr, r->tower, max);
		}
	}
	ndr_pull_leave(ndr);
	return ndr->err;
}

static enum ndr_err pull_ept_lookup_out(struct ndr_pull *ndr,
                                        struct ept_entry **entries,
                                        uint32_t *num,
                                        uint32_t *status)
{
	uint32_t attr;
	struct rpc_uuid handle;
	uint32_t max;
	uint32_t off;
	uint32_t act;
	void *v = NULL;

	ndr_pull_u32(ndr, &attr);
	ndr_pull_uuid(ndr, &handle);
	ndr_pull_u32(ndr, num);
	ndr_pull_array_size(ndr, &max);
	ndr_pull_array_length(ndr, max, &off, &act);
	if (ndr->err == NDR_ERR_SUCCESS && (off != 0 || act != *num)) {
		return ndr_pull_error(ndr, NDR_ERR_ARRAY_SIZE, "num_ents");
	}
	/* An entry is at least 16 + 4 + 8 octets on the wire. */
	if (ndr_pull_array_alloc(ndr, act, sizeof(struct ept_entry), 28, &v) !=
	    NDR_ERR_SUCCESS) {
		return ndr->err;
	}
	*entries = v;
	for (uint32_t i = 0; i < act; i++) {
		pull_ept_entry(ndr, NDR_SCALARS, &(*entries)[i]);
	}
	for (uint32_t i = 0; i < act; i++) {
		pull_ept_entry(ndr, NDR_BUFFERS, &(*entries)[i]);
	}
	ndr_pull_u32(ndr, status);
	return ndr_pull_finish(ndr);
}

/* b02: the harness's three-entry answer, decoded in two phases. */
static void test_ept_lookup_response_b02(void **state)
{
	void *mem = talloc_new(NULL);
	size_t n;
	uint8_t *p = capture_load(mem, "b02", &n);
	struct ndr_pull ndr;
	struct ept_entry *e = NULL;
	uint32_t num = 0;
	uint32_t status = 1;

	(void)state;
	assert_non_null(p);
	pull_on(&ndr, mem, p, n, 0);
	assert_int_equal(pull_ept_lookup_out(&ndr, &e, &num, &status),
	                 NDR_ERR_SUCCESS);
	assert_int_equal(num, 3);
	assert_int_equal(status, 0);
	assert_string_equal(e[0].annotation, "");
	assert_string_equal(e[2].annotation, "Fake WMI");
	for (int i = 0; i < 3; i++) {
		assert_int_equal(e[i].tower_ref, 0x100 + i);
		assert_int_equal(e[i].tower_len, 75);
		assert_int_equal(e[i].tower[0], 5); /* floor count */
	}
	/* Floor 4 of the last tower: TCP port 45135, big-endian. */
	assert_memory_equal(e[2].tower + 59, "\x01\x00\x07\x02\x00\xb0\x4f", 7);
	talloc_free(mem);
}

/*
 * The allocation-failure loop (STYLE.md section 11) with the byte ceiling
 * as the injector: every ceiling from 0 up gives success or NDR_ERR_ALLOC,
 * never a crash or a leak (LSan in the sanitizer build).
 */
static void test_b02_under_every_memlimit(void **state)
{
	void *mem = talloc_new(NULL);
	size_t n;
	uint8_t *p = capture_load(mem, "b02", &n);
	size_t ok_from = 0;

	(void)state;
	assert_non_null(p);
	for (size_t limit = 0; limit < 4096; limit += 8) {
		void *call = talloc_new(mem);
		struct ndr_limits lim;
		struct ndr_pull ndr;
		struct ept_entry *e = NULL;
		uint32_t num;
		uint32_t status;
		enum ndr_err err;

		ndr_limits_default(&lim);
		lim.max_alloc = limit;
		assert_int_equal(ndr_pull_init(&ndr, call, p, n, 0, &lim),
		                 NDR_ERR_SUCCESS);
		err = pull_ept_lookup_out(&ndr, &e, &num, &status);
		assert_true(err == NDR_ERR_SUCCESS || err == NDR_ERR_ALLOC);
		if (err == NDR_ERR_SUCCESS && ok_from == 0) {
			ok_from = limit;
		}
		ndr_pull_release(&ndr);
		talloc_free(call);
	}
	assert_true(ok_from > 0);
	talloc_free(mem);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_primitives_alignment_round_trip),
		cmocka_unit_test(test_alignment_padding_at_buffer_end),
		cmocka_unit_test(test_unread_bytes),
		cmocka_unit_test(test_zero_length_array),
		cmocka_unit_test(test_varying_bounds),
		cmocka_unit_test(test_wstring_nul_rules),
		cmocka_unit_test(test_wstring_odd_bytes_and_surrogates),
		cmocka_unit_test(test_wstring_push_pull_round_trip),
		cmocka_unit_test(test_unique_pointer_null_and_non_null),
		cmocka_unit_test(test_ref_pointer_null_rejected),
		cmocka_unit_test(test_full_pointer_aliasing),
		cmocka_unit_test(test_full_pointer_table_growth),
		cmocka_unit_test(test_depth_limit),
		cmocka_unit_test(test_element_limit),
		cmocka_unit_test(test_4gb_counts_rejected_without_allocating),
		cmocka_unit_test(test_memlimit_gives_alloc_error),
		cmocka_unit_test(test_push_limit),
		cmocka_unit_test(test_conformant_structure_hoisting),
		cmocka_unit_test(test_cstring_round_trip),
		cmocka_unit_test(test_ept_lookup_request_b01),
		cmocka_unit_test(test_ept_lookup_response_b02),
		cmocka_unit_test(test_b02_under_every_memlimit),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
