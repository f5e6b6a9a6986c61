/*
 * Unit tests for rpc/epm (the endpoint mapper the daemon serves): the
 * ept_lookup stubs impacket's rpcdump sends and accepts (captures b01 and
 * b02, interop notes 4.1) decoded and re-encoded, the registry, lookup
 * paging with stateless handles, inquiry filters and version options,
 * ept_map, handle_free, inq_object, and malformed stubs.  They live with
 * the daemon's tests because the daemon owns the endpoint mapper.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>
#include <talloc.h>

#include <cmocka.h>

#include "../rpc/capture.h"
#include "rpc/epm.h"
#include "rpc/epm_tower.h"
#include "rpc/fault.h"

static const uint8_t lo[4] = { 127, 0, 0, 1 };
static const uint8_t any[4] = { 0, 0, 0, 0 };

static struct rpc_syntax_id syntax(const char *uuid,
                                   uint16_t major,
                                   uint16_t minor)
{
	struct rpc_syntax_id s;

	assert_true(rpc_uuid_parse(uuid, &s.uuid));
	s.ver_major = major;
	s.ver_minor = minor;
	return s;
}

static void test_b01_request_round_trip(void **state)
{
	void *mem = talloc_new(NULL);
	size_t n;
	uint8_t *p = capture_load(mem, "b01", &n);
	struct epm_lookup_in in;
	struct buf out;

	(void)state;
	assert_non_null(p);
	assert_int_equal(epm_lookup_in_pull(mem, p, n, &in), NDR_ERR_SUCCESS);
	assert_int_equal(in.inquiry_type, EPM_C_EP_ALL_ELTS);
	assert_false(in.has_object);
	assert_false(in.has_ifid);
	assert_int_equal(in.vers_option, EPM_C_VERS_ALL);
	assert_int_equal(in.handle.attributes, 0);
	assert_true(rpc_uuid_is_nil(&in.handle.uuid));
	assert_int_equal(in.max_ents, 500);
	buf_init(&out, mem);
	assert_int_equal(epm_lookup_in_push(&in, &out), NDR_ERR_SUCCESS);
	assert_int_equal(out.len, n);
	assert_memory_equal(out.data, p, n);
	talloc_free(mem);
}

static void test_b02_response_round_trip(void **state)
{
	void *mem = talloc_new(NULL);
	size_t n;
	uint8_t *p = capture_load(mem, "b02", &n);
	struct epm_lookup_out o;
	struct buf out;
	struct epm_tower t;
	struct epm_tcp_binding b;

	(void)state;
	assert_non_null(p);
	assert_int_equal(epm_lookup_out_pull(mem, p, n, &o), NDR_ERR_SUCCESS);
	assert_int_equal(o.num_ents, 3);
	assert_int_equal(o.max_ents, 500);
	assert_int_equal(o.status, 0);
	assert_true(rpc_uuid_is_nil(&o.handle.uuid));
	assert_string_equal(o.entries[0].annotation, "");
	assert_string_equal(o.entries[2].annotation, "Fake WMI");
	assert_int_equal(o.entries[2].tower_len, 75);
	assert_int_equal(epm_tower_parse(mem, o.entries[2].tower, 75, &t),
	                 NDR_ERR_SUCCESS);
	assert_int_equal(epm_tower_to_tcp(&t, &b), NDR_ERR_SUCCESS);
	assert_int_equal(b.port, 45135);

	/* Re-encoded, it differs only in the referent ids (the harness
	 * numbered them 0x100, 0x101, 0x102; we count from 0x20000). */
	buf_init(&out, mem);
	assert_int_equal(epm_lookup_out_push(&o, &out), NDR_ERR_SUCCESS);
	assert_int_equal(out.len, n);
	for (int i = 0; i < 3; i++) {
		size_t at = 52 + (size_t)i * 32;

		assert_int_equal(p[at + 1], 1);
		memcpy(out.data + at, p + at, 4);
	}
	assert_memory_equal(out.data, p, n);
	talloc_free(mem);
}

/* A registry like the daemon's: epm on 135, two interfaces on the
 * exporter port, one of them also on the Unix socket. */
static struct epm_registry *sample_registry(void *mem)
{
	struct epm_registry *reg = epm_registry_new(mem);
	struct rpc_syntax_id a = syntax("12345678-1234-abcd-ef00-0123456789ab",
	                                1, 2);
	struct rpc_syntax_id b = syntax("99fcfec4-5260-101b-bbcb-00aa0021347a",
	                                0, 0);

	assert_non_null(reg);
	assert_true(hr_eq(epm_registry_add_tcp(reg, &epm_syntax, NULL,
	                                       "Endpoint mapper", lo, 135),
	                  HR_OK));
	assert_true(hr_eq(
	        epm_registry_add_tcp(reg, &a, NULL, "Test", lo, 50000), HR_OK));
	assert_true(hr_eq(epm_registry_add_tcp(reg, &b, NULL, NULL, any, 50000),
	                  HR_OK));
	assert_true(hr_eq(epm_registry_add_ncalrpc(reg, &a, NULL, "Test",
	                                           "/run/openwmi/wmid.sock"),
	                  HR_OK));
	/* Registering twice changes nothing. */
	assert_true(hr_eq(
	        epm_registry_add_tcp(reg, &a, NULL, "Test", lo, 50000), HR_OK));
	assert_int_equal(epm_registry_count(reg), 4);
	return reg;
}

static uint32_t lookup(struct epm_registry *reg,
                       void *mem,
                       const struct epm_lookup_in *in,
                       const uint8_t *local_ip,
                       struct epm_lookup_out *o)
{
	struct buf req;
	struct buf resp;
	uint32_t fault;

	buf_init(&req, mem);
	buf_init(&resp, mem);
	assert_int_equal(epm_lookup_in_push(in, &req), NDR_ERR_SUCCESS);
	fault = epm_do_lookup(reg, mem, (const uint8_t *)req.data, req.len,
	                      local_ip, &resp);
	if (fault == 0) {
		assert_int_equal(epm_lookup_out_pull(mem,
		                                     (const uint8_t *)resp.data,
		                                     resp.len, o),
		                 NDR_ERR_SUCCESS);
	}
	return fault;
}

static void expect_tcp(void *mem,
                       const struct epm_entry *e,
                       const char *uuid,
                       uint16_t port,
                       const uint8_t ip[4])
{
	struct epm_tower t;
	struct epm_tcp_binding b;
	struct rpc_uuid u;

	assert_non_null(e->tower);
	assert_int_equal(epm_tower_parse(mem, e->tower, e->tower_len, &t),
	                 NDR_ERR_SUCCESS);
	assert_int_equal(epm_tower_to_tcp(&t, &b), NDR_ERR_SUCCESS);
	assert_true(rpc_uuid_parse(uuid, &u));
	assert_true(rpc_uuid_equal(&b.iface.uuid, &u));
	assert_int_equal(b.port, port);
	assert_memory_equal(b.ip, ip, 4);
}

static void test_lookup_all_as_rpcdump(void **state)
{
	void *mem = talloc_new(NULL);
	struct epm_registry *reg = sample_registry(mem);
	size_t n;
	uint8_t *p = capture_load(mem, "b01", &n);
	struct buf resp;
	struct epm_lookup_out o;
	struct epm_tower t;
	static const uint8_t here[4] = { 127, 9, 8, 7 };

	(void)state;
	buf_init(&resp, mem);
	assert_int_equal(epm_do_lookup(reg, mem, p, n, here, &resp), 0);
	assert_int_equal(epm_lookup_out_pull(mem, (const uint8_t *)resp.data,
	                                     resp.len, &o),
	                 NDR_ERR_SUCCESS);
	assert_int_equal(o.num_ents, 4);
	assert_int_equal(o.max_ents, 500);
	assert_int_equal(o.status, 0);
	assert_int_equal(o.handle.attributes, 0);
	assert_true(rpc_uuid_is_nil(&o.handle.uuid));
	expect_tcp(mem, &o.entries[0], "e1af8308-5d1f-11c9-91a4-08002b14a0fa",
	           135, lo);
	assert_string_equal(o.entries[0].annotation, "Endpoint mapper");
	expect_tcp(mem, &o.entries[1], "12345678-1234-abcd-ef00-0123456789ab",
	           50000, lo);
	/* Registered on 0.0.0.0: the address the client reached. */
	expect_tcp(mem, &o.entries[2], "99fcfec4-5260-101b-bbcb-00aa0021347a",
	           50000, here);
	assert_string_equal(o.entries[2].annotation, "");
	/* ncalrpc: four floors, endpoint name with its NUL. */
	assert_int_equal(epm_tower_parse(mem, o.entries[3].tower,
	                                 o.entries[3].tower_len, &t),
	                 NDR_ERR_SUCCESS);
	assert_int_equal(t.n_floors, 4);
	assert_int_equal(t.floors[2].protocol, EPM_PROTOCOL_NCALRPC);
	assert_int_equal(t.floors[3].protocol, 0x10);
	assert_int_equal(t.floors[3].rhs_len, 23);
	assert_memory_equal(t.floors[3].rhs, "/run/openwmi/wmid.sock", 23);
	talloc_free(mem);
}

static void test_lookup_pages_with_handles(void **state)
{
	void *mem = talloc_new(NULL);
	struct epm_registry *reg = sample_registry(mem);
	struct epm_lookup_in in;
	struct epm_lookup_out o;
	struct epm_handle first;

	(void)state;
	memset(&in, 0, sizeof(in));
	in.vers_option = EPM_C_VERS_ALL;
	in.max_ents = 3;
	assert_int_equal(lookup(reg, mem, &in, lo, &o), 0);
	assert_int_equal(o.num_ents, 3);
	assert_int_equal(o.max_ents, 3);
	assert_int_equal(o.status, 0);
	assert_false(rpc_uuid_is_nil(&o.handle.uuid));
	first = o.handle;
	in.handle = o.handle;
	assert_int_equal(lookup(reg, mem, &in, lo, &o), 0);
	assert_int_equal(o.num_ents, 1);
	assert_int_equal(o.status, 0);
	assert_true(rpc_uuid_is_nil(&o.handle.uuid));
	assert_int_equal(o.entries[0].tower_len > 0, 1);

	/* Exactly max_ents matches left: the page ends the lookup. */
	in.max_ents = 1;
	in.handle = first;
	assert_int_equal(lookup(reg, mem, &in, lo, &o), 0);
	assert_int_equal(o.num_ents, 1);
	assert_true(rpc_uuid_is_nil(&o.handle.uuid));
	in.max_ents = 4;
	memset(&in.handle, 0, sizeof(in.handle));
	assert_int_equal(lookup(reg, mem, &in, lo, &o), 0);
	assert_int_equal(o.num_ents, 4);
	assert_true(rpc_uuid_is_nil(&o.handle.uuid));

	/* A handle we never gave, or another registry's. */
	in.handle = first;
	in.handle.uuid.node[5] ^= 1;
	assert_int_equal(lookup(reg, mem, &in, lo, &o),
	                 RPC_FAULT_NCA_S_FAULT_CONTEXT_MISMATCH);
	in.handle = first;
	assert_int_equal(lookup(sample_registry(mem), mem, &in, lo, &o),
	                 RPC_FAULT_NCA_S_FAULT_CONTEXT_MISMATCH);
	in.handle = first;
	in.handle.attributes = 1;
	assert_int_equal(lookup(reg, mem, &in, lo, &o),
	                 RPC_FAULT_NCA_S_FAULT_CONTEXT_MISMATCH);
	/* A valid handle past the end: nothing more is registered. */
	in.handle = first;
	in.handle.uuid.time_low = 1000;
	assert_int_equal(lookup(reg, mem, &in, lo, &o), 0);
	assert_int_equal(o.num_ents, 0);
	assert_int_equal(o.status, EPM_STATUS_NOT_REGISTERED);
	talloc_free(mem);
}

static void test_lookup_by_interface_and_version(void **state)
{
	void *mem = talloc_new(NULL);
	struct epm_registry *reg = sample_registry(mem);
	struct epm_lookup_in in;
	struct epm_lookup_out o;
	const struct {
		uint32_t option;
		uint16_t major, minor;
		uint32_t want;
	} cases[] = {
		{ EPM_C_VERS_ALL, 9, 9, 2 },
		{ EPM_C_VERS_COMPATIBLE, 1, 2, 2 },
		{ EPM_C_VERS_COMPATIBLE, 1, 3, 0 },
		{ EPM_C_VERS_COMPATIBLE, 1, 0, 2 },
		{ EPM_C_VERS_EXACT, 1, 2, 2 },
		{ EPM_C_VERS_EXACT, 1, 1, 0 },
		{ EPM_C_VERS_MAJOR_ONLY, 1, 7, 2 },
		{ EPM_C_VERS_MAJOR_ONLY, 2, 2, 0 },
		{ EPM_C_VERS_UPTO, 1, 2, 2 },
		{ EPM_C_VERS_UPTO, 2, 0, 2 },
		{ EPM_C_VERS_UPTO, 1, 1, 0 },
		{ 77, 1, 2, 0 },
	};

	(void)state;
	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		memset(&in, 0, sizeof(in));
		in.inquiry_type = EPM_C_EP_MATCH_BY_IF;
		in.has_ifid = true;
		in.ifid = syntax("12345678-1234-abcd-ef00-0123456789ab",
		                 cases[i].major, cases[i].minor);
		in.vers_option = cases[i].option;
		in.max_ents = 10;
		assert_int_equal(lookup(reg, mem, &in, lo, &o), 0);
		assert_int_equal(o.num_ents, cases[i].want);
		assert_int_equal(o.status, cases[i].want == 0
		                                   ? EPM_STATUS_NOT_REGISTERED
		                                   : 0);
	}
	/* By object: only nil objects are registered. */
	memset(&in, 0, sizeof(in));
	in.inquiry_type = EPM_C_EP_MATCH_BY_OBJ;
	in.has_object = true;
	in.object.time_low = 5;
	in.max_ents = 10;
	assert_int_equal(lookup(reg, mem, &in, lo, &o), 0);
	assert_int_equal(o.status, EPM_STATUS_NOT_REGISTERED);
	in.object.time_low = 0;
	assert_int_equal(lookup(reg, mem, &in, lo, &o), 0);
	assert_int_equal(o.num_ents, 4);
	/* An unknown inquiry type matches nothing. */
	in.inquiry_type = 4;
	assert_int_equal(lookup(reg, mem, &in, lo, &o), 0);
	assert_int_equal(o.status, EPM_STATUS_NOT_REGISTERED);
	talloc_free(mem);
}

static void test_lookup_empty_registry_not_registered(void **state)
{
	void *mem = talloc_new(NULL);
	struct epm_registry *reg = epm_registry_new(mem);
	struct epm_lookup_in in;
	struct epm_lookup_out o;

	(void)state;
	memset(&in, 0, sizeof(in));
	in.max_ents = 500;
	assert_int_equal(lookup(reg, mem, &in, lo, &o), 0);
	assert_int_equal(o.num_ents, 0);
	assert_int_equal(o.max_ents, 500);
	assert_int_equal(o.status, EPM_STATUS_NOT_REGISTERED);
	assert_true(rpc_uuid_is_nil(&o.handle.uuid));
	talloc_free(mem);
}

static uint32_t map(struct epm_registry *reg,
                    void *mem,
                    const uint8_t *tower,
                    size_t tower_len,
                    uint32_t max_towers,
                    struct epm_map_out *o)
{
	struct epm_map_in in;
	struct buf req;
	struct buf resp;
	uint32_t fault;

	memset(&in, 0, sizeof(in));
	in.has_object = true; /* impacket sends a nil object */
	in.tower = tower;
	in.tower_len = (uint32_t)tower_len;
	in.max_towers = max_towers;
	buf_init(&req, mem);
	buf_init(&resp, mem);
	assert_int_equal(epm_map_in_push(&in, &req), NDR_ERR_SUCCESS);
	fault = epm_do_map(reg, mem, (const uint8_t *)req.data, req.len, lo,
	                   &resp);
	if (fault == 0) {
		assert_int_equal(epm_map_out_pull(mem,
		                                  (const uint8_t *)resp.data,
		                                  resp.len, o),
		                 NDR_ERR_SUCCESS);
	}
	return fault;
}

static void test_map_tcp_and_ncalrpc(void **state)
{
	void *mem = talloc_new(NULL);
	struct epm_registry *reg = sample_registry(mem);
	struct epm_tcp_binding b;
	uint8_t *tower;
	size_t tn;
	struct epm_map_out o;
	struct epm_tower t;
	struct epm_tcp_binding got;
	struct epm_entry e;

	(void)state;
	/* As impacket's hept_map: port 0, address 0.0.0.0. */
	memset(&b, 0, sizeof(b));
	b.iface = syntax("12345678-1234-abcd-ef00-0123456789ab", 1, 0);
	b.transfer = rpc_syntax_ndr20;
	assert_int_equal(epm_tower_build_tcp(mem, &b, &tower, &tn),
	                 NDR_ERR_SUCCESS);
	assert_int_equal(map(reg, mem, tower, tn, 1, &o), 0);
	assert_int_equal(o.status, 0);
	assert_int_equal(o.num_towers, 1);
	assert_int_equal(o.max_towers, 1);
	assert_int_equal(epm_tower_parse(mem, o.towers[0], o.tower_lens[0], &t),
	                 NDR_ERR_SUCCESS);
	assert_int_equal(epm_tower_to_tcp(&t, &got), NDR_ERR_SUCCESS);
	assert_int_equal(got.port, 50000);
	assert_memory_equal(got.ip, lo, 4);

	/* A newer minor version than registered: not registered. */
	b.iface.ver_minor = 3;
	assert_int_equal(epm_tower_build_tcp(mem, &b, &tower, &tn),
	                 NDR_ERR_SUCCESS);
	assert_int_equal(map(reg, mem, tower, tn, 1, &o), 0);
	assert_int_equal(o.num_towers, 0);
	assert_int_equal(o.status, EPM_STATUS_NOT_REGISTERED);

	/* NDR64 only: not registered. */
	b.iface.ver_minor = 0;
	b.transfer = rpc_syntax_ndr64;
	assert_int_equal(epm_tower_build_tcp(mem, &b, &tower, &tn),
	                 NDR_ERR_SUCCESS);
	assert_int_equal(map(reg, mem, tower, tn, 1, &o), 0);
	assert_int_equal(o.status, EPM_STATUS_NOT_REGISTERED);

	/* ncalrpc. */
	e.tower = NULL;
	assert_int_equal(
	        epm_tower_build_ncalrpc(mem, &b.iface, "x", &tower, &tn),
	        NDR_ERR_SUCCESS);
	assert_int_equal(map(reg, mem, tower, tn, 5, &o), 0);
	assert_int_equal(o.num_towers, 1);
	assert_int_equal(o.max_towers, 5);
	assert_int_equal(epm_tower_parse(mem, o.towers[0], o.tower_lens[0], &t),
	                 NDR_ERR_SUCCESS);
	assert_memory_equal(t.floors[3].rhs, "/run/openwmi/wmid.sock", 23);

	/* Garbage and a null tower: not registered, not a fault. */
	assert_int_equal(map(reg, mem, (const uint8_t *)"\x01\x00", 2, 1, &o),
	                 0);
	assert_int_equal(o.status, EPM_STATUS_NOT_REGISTERED);
	assert_int_equal(map(reg, mem, NULL, 0, 1, &o), 0);
	assert_int_equal(o.status, EPM_STATUS_NOT_REGISTERED);
	(void)e;
	talloc_free(mem);
}

static void test_handle_free_and_inq_object(void **state)
{
	void *mem = talloc_new(NULL);
	struct epm_registry *reg = sample_registry(mem);
	struct buf out;
	uint8_t h[20];
	static const uint8_t zero24[24] = { 0 };

	(void)state;
	memset(h, 0x41, sizeof(h));
	buf_init(&out, mem);
	assert_int_equal(
	        epm_do_lookup_handle_free(reg, mem, h, sizeof(h), &out), 0);
	assert_int_equal(out.len, 24);
	assert_memory_equal(out.data, zero24, 24);
	assert_int_equal(epm_do_lookup_handle_free(reg, mem, h, 19, &out),
	                 RPC_FAULT_RPC_X_BAD_STUB_DATA);
	buf_reset(&out);
	assert_int_equal(epm_do_inq_object(reg, mem, NULL, 0, &out), 0);
	assert_int_equal(out.len, 20);
	assert_memory_equal(out.data, zero24, 20);
	assert_int_equal(epm_do_inq_object(reg, mem, h, 1, &out),
	                 RPC_FAULT_RPC_X_BAD_STUB_DATA);
	talloc_free(mem);
}

static void test_malformed_requests_fault(void **state)
{
	void *mem = talloc_new(NULL);
	struct epm_registry *reg = sample_registry(mem);
	size_t n;
	uint8_t *p = capture_load(mem, "b01", &n);
	uint8_t longer[64];
	struct buf out;

	(void)state;
	struct epm_map_in min;
	struct epm_tcp_binding b;
	uint8_t *tower;
	size_t tn;
	struct buf req;

	buf_init(&out, mem);
	for (size_t cut = 0; cut < n; cut++) {
		assert_int_equal(epm_do_lookup(reg, mem, p, cut, lo, &out),
		                 RPC_FAULT_RPC_X_BAD_STUB_DATA);
	}
	memset(&b, 0, sizeof(b));
	b.iface = epm_syntax;
	b.transfer = rpc_syntax_ndr20;
	assert_int_equal(epm_tower_build_tcp(mem, &b, &tower, &tn),
	                 NDR_ERR_SUCCESS);
	memset(&min, 0, sizeof(min));
	min.tower = tower;
	min.tower_len = (uint32_t)tn;
	min.max_towers = 1;
	buf_init(&req, mem);
	assert_int_equal(epm_map_in_push(&min, &req), NDR_ERR_SUCCESS);
	assert_int_equal(epm_do_map(reg, mem, (const uint8_t *)req.data,
	                            req.len, lo, &out),
	                 0);
	for (size_t cut = 0; cut < req.len; cut++) {
		assert_int_equal(epm_do_map(reg, mem, (const uint8_t *)req.data,
		                            cut, lo, &out),
		                 RPC_FAULT_RPC_X_BAD_STUB_DATA);
	}
	buf_reset(&out);
	memcpy(longer, p, n);
	longer[n] = 0;
	assert_int_equal(epm_do_lookup(reg, mem, longer, n + 1, lo, &out),
	                 RPC_FAULT_RPC_X_BAD_STUB_DATA);
	assert_int_equal(out.len, 0);
	talloc_free(mem);
}

static void test_map_tower_length_mismatch(void **state)
{
	void *mem = talloc_new(NULL);
	struct epm_map_in in;
	/* object NULL, tower ref, max_count 4, tower_length 3. */
	static const uint8_t stub[] = {
		0, 0, 0, 0, 2, 0, 0, 0, 4, 0, 0, 0, 3, 0, 0, 0,
		1, 2, 3, 4, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0,
		0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 1, 0, 0, 0,
	};

	(void)state;
	assert_int_equal(epm_map_in_pull(mem, stub, sizeof(stub), &in),
	                 NDR_ERR_ARRAY_SIZE);
	talloc_free(mem);
}

static void test_lookup_out_rejects_bad_annotation(void **state)
{
	void *mem = talloc_new(NULL);
	size_t n;
	uint8_t *p = capture_load(mem, "b02", &n);
	struct epm_lookup_out o;

	(void)state;
	/* Third entry's annotation "Fake WMI\0": drop the NUL. */
	assert_int_equal(p[124], 9);
	assert_int_equal(p[136], 0);
	p[136] = 'X';
	assert_int_equal(epm_lookup_out_pull(mem, p, n, &o), NDR_ERR_STRING);
	/* actual_count above 64. */
	p = capture_load(mem, "b02", &n);
	p[124] = 65;
	assert_int_not_equal(epm_lookup_out_pull(mem, p, n, &o),
	                     NDR_ERR_SUCCESS);
	talloc_free(mem);
}

static void test_push_refuses_impossible_values(void **state)
{
	void *mem = talloc_new(NULL);
	struct epm_lookup_out o;
	struct epm_entry e;
	struct buf out;
	char ann[80];

	(void)state;
	buf_init(&out, mem);
	memset(&o, 0, sizeof(o));
	o.num_ents = 2;
	o.max_ents = 1;
	assert_int_equal(epm_lookup_out_push(&o, &out), NDR_ERR_INVALID);
	memset(&e, 0, sizeof(e));
	memset(ann, 'a', sizeof(ann));
	ann[64] = '\0';
	e.annotation = ann;
	o.num_ents = 1;
	o.entries = &e;
	assert_int_equal(epm_lookup_out_push(&o, &out), NDR_ERR_INVALID);
	ann[63] = '\0';
	assert_int_equal(epm_lookup_out_push(&o, &out), NDR_ERR_SUCCESS);
	talloc_free(mem);
}

/* Every allocation failure in a lookup is a clean no-memory fault. */
static void test_lookup_memlimit_sweep(void **state)
{
	void *top = talloc_new(NULL);
	struct epm_registry *reg = sample_registry(top);
	size_t n;
	uint8_t *p = capture_load(top, "b01", &n);
	bool ok = false;
	bool failed = false;

	(void)state;
	for (size_t limit = 64; limit < 65536 && !ok; limit += 64) {
		void *call = talloc_new(top);
		struct buf out;
		uint32_t fault;

#pragma GCC diagnostic push
#pragma GCC diagnostic ignored "-Wdeprecated-declarations"
		talloc_set_memlimit(call, limit);
#pragma GCC diagnostic pop
		buf_init(&out, call);
		fault = epm_do_lookup(reg, call, p, n, lo, &out);
		if (fault == 0) {
			ok = true;
		} else {
			assert_int_equal(
			        fault, RPC_FAULT_NCA_S_FAULT_REMOTE_NO_MEMORY);
			failed = true;
		}
		talloc_free(call);
	}
	assert_true(ok);
	assert_true(failed);
	talloc_free(top);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_b01_request_round_trip),
		cmocka_unit_test(test_b02_response_round_trip),
		cmocka_unit_test(test_lookup_all_as_rpcdump),
		cmocka_unit_test(test_lookup_pages_with_handles),
		cmocka_unit_test(test_lookup_by_interface_and_version),
		cmocka_unit_test(test_lookup_empty_registry_not_registered),
		cmocka_unit_test(test_map_tcp_and_ncalrpc),
		cmocka_unit_test(test_handle_free_and_inq_object),
		cmocka_unit_test(test_malformed_requests_fault),
		cmocka_unit_test(test_map_tower_length_mismatch),
		cmocka_unit_test(test_lookup_out_rejects_bad_annotation),
		cmocka_unit_test(test_push_refuses_impossible_values),
		cmocka_unit_test(test_lookup_memlimit_sweep),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
