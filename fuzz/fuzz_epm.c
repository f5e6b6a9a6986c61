/*
 * fuzz_epm: the endpoint mapper (rpc/epm.h).  The first octet picks the
 * target, the rest is a stub:
 *   0 ept_lookup request, served from a sample registry; the response
 *     must decode with the client codec
 *   1 ept_map request, likewise
 *   2 ept_lookup_handle_free, 3 ept_inq_object
 *   4 ept_lookup response, 5 ept_map response: pull, push, pull again,
 *     and the two decodes must agree (STYLE.md section 12 round trip)
 * Requests are also round-tripped (pull, push, pull, compare).
 */
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <talloc.h>

#include "rpc/epm.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static void check(int cond)
{
	if (!cond) {
		abort();
	}
}

static struct epm_registry *sample_registry(void *mem)
{
	struct epm_registry *reg = epm_registry_new(mem);
	static const uint8_t lo[4] = { 127, 0, 0, 1 };
	static const uint8_t any[4] = { 0, 0, 0, 0 };
	struct rpc_syntax_id t = { .uuid = { 0x12345678,
		                             0x1234,
		                             0xabcd,
		                             { 0xef, 0 },
		                             { 1, 2, 3, 4, 5, 6 } },
		                   .ver_major = 1,
		                   .ver_minor = 2 };

	if (reg == NULL) {
		return NULL;
	}
	epm_registry_add_tcp(reg, &epm_syntax, NULL, "epm", lo, 135);
	epm_registry_add_tcp(reg, &t, NULL, "test", lo, 50000);
	epm_registry_add_tcp(reg, &t, NULL, "test", any, 50001);
	epm_registry_add_ncalrpc(reg, &t, NULL, "test", "/tmp/wmid.sock");
	return reg;
}

static void same_entries(const struct epm_lookup_out *a,
                         const struct epm_lookup_out *b)
{
	check(a->num_ents == b->num_ents && a->max_ents == b->max_ents &&
	      a->status == b->status &&
	      a->handle.attributes == b->handle.attributes &&
	      rpc_uuid_equal(&a->handle.uuid, &b->handle.uuid));
	for (uint32_t i = 0; i < a->num_ents; i++) {
		const struct epm_entry *x = &a->entries[i];
		const struct epm_entry *y = &b->entries[i];

		check(rpc_uuid_equal(&x->object, &y->object));
		check(strcmp(x->annotation, y->annotation) == 0);
		check((x->tower == NULL) == (y->tower == NULL));
		check(x->tower_len == y->tower_len);
		check(x->tower == NULL ||
		      memcmp(x->tower, y->tower, x->tower_len) == 0);
	}
}

static void same_towers(const struct epm_map_out *a,
                        const struct epm_map_out *b)
{
	check(a->num_towers == b->num_towers &&
	      a->max_towers == b->max_towers && a->status == b->status);
	for (uint32_t i = 0; i < a->num_towers; i++) {
		check((a->towers[i] == NULL) == (b->towers[i] == NULL));
		check(a->tower_lens[i] == b->tower_lens[i]);
		check(a->towers[i] == NULL || memcmp(a->towers[i], b->towers[i],
		                                     a->tower_lens[i]) == 0);
	}
}

static void serve(void *mem,
                  struct epm_registry *reg,
                  unsigned op,
                  const uint8_t *p,
                  size_t n)
{
	static const uint8_t here[4] = { 10, 0, 0, 1 };
	struct buf out;
	uint32_t fault = 0;

	buf_init(&out, mem);
	switch (op) {
	case 0: {
		struct epm_lookup_in a;
		struct epm_lookup_in b;
		struct epm_lookup_out o;
		struct buf re;

		fault = epm_do_lookup(reg, mem, p, n, here, &out);
		if (fault == 0) {
			check(epm_lookup_out_pull(
			              mem, (const uint8_t *)out.data, out.len,
			              &o) == NDR_ERR_SUCCESS);
		}
		if (epm_lookup_in_pull(mem, p, n, &a) == NDR_ERR_SUCCESS) {
			buf_init(&re, mem);
			check(epm_lookup_in_push(&a, &re) == NDR_ERR_SUCCESS);
			check(epm_lookup_in_pull(mem, (const uint8_t *)re.data,
			                         re.len,
			                         &b) == NDR_ERR_SUCCESS);
			check(a.inquiry_type == b.inquiry_type &&
			      a.has_object == b.has_object &&
			      a.has_ifid == b.has_ifid &&
			      a.max_ents == b.max_ents &&
			      rpc_syntax_equal(&a.ifid, &b.ifid));
		}
		break;
	}
	case 1: {
		struct epm_map_in a;
		struct epm_map_in b;
		struct epm_map_out o;
		struct buf re;

		fault = epm_do_map(reg, mem, p, n, here, &out);
		if (fault == 0) {
			check(epm_map_out_pull(mem, (const uint8_t *)out.data,
			                       out.len, &o) == NDR_ERR_SUCCESS);
		}
		if (epm_map_in_pull(mem, p, n, &a) == NDR_ERR_SUCCESS) {
			buf_init(&re, mem);
			check(epm_map_in_push(&a, &re) == NDR_ERR_SUCCESS);
			check(epm_map_in_pull(mem, (const uint8_t *)re.data,
			                      re.len, &b) == NDR_ERR_SUCCESS);
			check(a.tower_len == b.tower_len &&
			      (a.tower == NULL) == (b.tower == NULL) &&
			      a.max_towers == b.max_towers);
			check(a.tower == NULL ||
			      memcmp(a.tower, b.tower, a.tower_len) == 0);
		}
		break;
	}
	case 2:
		fault = epm_do_lookup_handle_free(reg, mem, p, n, &out);
		check(fault != 0 || out.len == 24);
		break;
	case 3:
		fault = epm_do_inq_object(reg, mem, p, n, &out);
		check(fault != 0 || out.len == 20);
		break;
	case 4: {
		struct epm_lookup_out a;
		struct epm_lookup_out b;

		if (epm_lookup_out_pull(mem, p, n, &a) == NDR_ERR_SUCCESS) {
			check(epm_lookup_out_push(&a, &out) == NDR_ERR_SUCCESS);
			check(epm_lookup_out_pull(
			              mem, (const uint8_t *)out.data, out.len,
			              &b) == NDR_ERR_SUCCESS);
			same_entries(&a, &b);
		}
		break;
	}
	default: {
		struct epm_map_out a;
		struct epm_map_out b;

		if (epm_map_out_pull(mem, p, n, &a) == NDR_ERR_SUCCESS) {
			check(epm_map_out_push(&a, &out) == NDR_ERR_SUCCESS);
			check(epm_map_out_pull(mem, (const uint8_t *)out.data,
			                       out.len, &b) == NDR_ERR_SUCCESS);
			same_towers(&a, &b);
		}
		break;
	}
	}
	(void)fault;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	void *mem;
	struct epm_registry *reg;

	if (size < 1) {
		return 0;
	}
	mem = talloc_new(NULL);
	reg = sample_registry(mem);
	if (reg != NULL) {
		serve(mem, reg, data[0] % 6, data + 1, size - 1);
	}
	talloc_free(mem);
	return 0;
}
