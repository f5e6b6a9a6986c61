/*
 * fuzz_ndr: the NDR cursor runtime (rpc/ndr.h) driven by a byte program.
 *
 * Input: octet 0 gives the program length L (1..32); octets 1..L are the
 * operations (one per octet: the low 5 bits choose a pull primitive, the
 * high bits its option); the rest is the stub.  The program runs over the
 * stub with small limits.  When it succeeds, every pulled value is pushed
 * again with the matching push primitive and the same program is run over
 * the pushed stub: it must succeed and give the same values (push and pull
 * are inverses).  The corpus seeds are real stubs from the captures behind
 * short programs.
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <talloc.h>

#include "fuzz_common.h"
#include "rpc/ndr.h"

#define MAX_OPS 32

enum op {
	OP_U8,
	OP_U16,
	OP_U32,
	OP_HYPER,
	OP_I16,
	OP_I64,
	OP_FLOAT,
	OP_DOUBLE,
	OP_UUID,
	OP_ALIGN,
	OP_UNIQUE,
	OP_REF,
	OP_FULL,
	OP_SIZE,
	OP_LENGTH,
	OP_ALLOC,
	OP_CBYTES,
	OP_WSTRING,
	OP_CSTRING,
	OP_ENTER,
	OP_LEAVE,
	OP_BYTES,
	N_OPS
};

struct val {
	uint64_t u;  /* integers, float bits, counts */
	uint64_t u2; /* second count (offset, actual) */
	struct rpc_uuid uuid;
	const uint8_t *p; /* bytes or string */
	size_t n;
};

struct run {
	struct val v[MAX_OPS];
	uint32_t last_max; /* the last conformance, for OP_LENGTH */
};

static void limits(struct ndr_limits *lim)
{
	ndr_limits_default(lim);
	lim->max_depth = 8;
	lim->max_elems = 4096;
	lim->max_alloc = 64 * 1024;
	lim->max_push = 256 * 1024;
}

static unsigned opt_str_flags(uint8_t code)
{
	return (code & 0x20) ? NDR_STR_NO_NUL : NDR_STR_NUL_TERM;
}

static size_t opt_align(uint8_t code)
{
	return (size_t)1 << ((code >> 5) & 3);
}

static enum ndr_err pull_int(struct ndr_pull *ndr, enum op op, struct val *v)
{
	uint8_t u8 = 0;
	uint16_t u16 = 0;
	uint32_t u32 = 0;
	int16_t i16 = 0;
	int64_t i64 = 0;
	float f = 0;
	double d = 0;
	enum ndr_err e = NDR_ERR_INVALID;

	switch (op) {
	case OP_U8:
		e = ndr_pull_u8(ndr, &u8);
		v->u = u8;
		break;
	case OP_U16:
		e = ndr_pull_u16(ndr, &u16);
		v->u = u16;
		break;
	case OP_U32:
		e = ndr_pull_u32(ndr, &u32);
		v->u = u32;
		break;
	case OP_HYPER:
		e = ndr_pull_hyper(ndr, &v->u);
		break;
	case OP_I16:
		e = ndr_pull_i16(ndr, &i16);
		v->u = (uint16_t)i16;
		break;
	case OP_I64:
		e = ndr_pull_i64(ndr, &i64);
		v->u = (uint64_t)i64;
		break;
	case OP_FLOAT:
		e = ndr_pull_float(ndr, &f);
		memcpy(&u32, &f, 4);
		v->u = u32;
		break;
	case OP_DOUBLE:
		e = ndr_pull_double(ndr, &d);
		memcpy(&v->u, &d, 8);
		break;
	default:
		break;
	}
	return e;
}

static enum ndr_err pull_ptr(struct ndr_pull *ndr, enum op op, struct val *v)
{
	uint32_t id = 0;
	enum ndr_err e;

	if (op == OP_UNIQUE) {
		e = ndr_pull_unique_ptr(ndr, &id);
	} else if (op == OP_REF) {
		e = ndr_pull_ref_ptr(ndr, &id);
	} else {
		e = ndr_pull_full_ptr(ndr, &id);
		if (e == NDR_ERR_SUCCESS && id != 0 &&
		    ndr_pull_full_ptr_lookup(ndr, id) == NULL) {
			void *p = NULL;

			e = ndr_pull_array_alloc(ndr, 1, 8, 0, &p);
			if (e == NDR_ERR_SUCCESS) {
				e = ndr_pull_full_ptr_register(ndr, id, p);
			}
		}
	}
	v->u = id;
	return e;
}

static enum ndr_err pull_op(struct ndr_pull *ndr,
                            struct run *run,
                            uint8_t code,
                            struct val *v)
{
	enum op op = (enum op)((code & 0x1f) % N_OPS);
	uint32_t a = 0;
	uint32_t b = 0;
	uint8_t *bytes = NULL;
	char *s = NULL;
	void *p = NULL;
	enum ndr_err e = NDR_ERR_SUCCESS;

	switch (op) {
	case OP_UUID:
		return ndr_pull_uuid(ndr, &v->uuid);
	case OP_ALIGN:
		return ndr_pull_align(ndr, opt_align(code));
	case OP_UNIQUE:
	case OP_REF:
	case OP_FULL:
		return pull_ptr(ndr, op, v);
	case OP_SIZE:
		e = ndr_pull_array_size(ndr, &a);
		run->last_max = a;
		v->u = a;
		return e;
	case OP_LENGTH:
		e = ndr_pull_array_length(ndr, run->last_max, &a, &b);
		v->u = a;
		v->u2 = b;
		return e;
	case OP_ALLOC:
		return ndr_pull_array_alloc(ndr, run->last_max, 4, 0, &p);
	case OP_CBYTES:
		e = ndr_pull_conformant_bytes(ndr, &bytes, &a);
		v->p = bytes;
		v->n = a;
		return e;
	case OP_WSTRING:
	case OP_CSTRING:
		e = op == OP_WSTRING
		            ? ndr_pull_wstring(ndr, opt_str_flags(code), &s)
		            : ndr_pull_cstring(ndr, opt_str_flags(code), &s);
		v->p = (const uint8_t *)s;
		v->n = s == NULL ? 0 : strlen(s);
		return e;
	case OP_ENTER:
		return ndr_pull_enter(ndr);
	case OP_LEAVE:
		ndr_pull_leave(ndr);
		return ndr->err;
	case OP_BYTES:
		v->n = (code >> 5) + 1;
		return ndr_pull_bytes_ref(ndr, v->n, &v->p);
	default:
		return pull_int(ndr, op, v);
	}
}

static enum ndr_err push_op(struct ndr_push *ndr,
                            uint8_t code,
                            const struct val *v)
{
	enum op op = (enum op)((code & 0x1f) % N_OPS);
	uint32_t u32;
	double d;
	float f;

	switch (op) {
	case OP_U8:
		return ndr_push_u8(ndr, (uint8_t)v->u);
	case OP_U16:
		return ndr_push_u16(ndr, (uint16_t)v->u);
	case OP_U32:
	case OP_UNIQUE:
	case OP_REF:
	case OP_FULL:
	case OP_SIZE:
		return ndr_push_u32(ndr, (uint32_t)v->u);
	case OP_HYPER:
		return ndr_push_hyper(ndr, v->u);
	case OP_I16:
		return ndr_push_i16(ndr, (int16_t)(uint16_t)v->u);
	case OP_I64:
		return ndr_push_i64(ndr, (int64_t)v->u);
	case OP_FLOAT:
		u32 = (uint32_t)v->u;
		memcpy(&f, &u32, 4);
		return ndr_push_float(ndr, f);
	case OP_DOUBLE:
		memcpy(&d, &v->u, 8);
		return ndr_push_double(ndr, d);
	case OP_UUID:
		return ndr_push_uuid(ndr, &v->uuid);
	case OP_ALIGN:
		return ndr_push_align(ndr, opt_align(code));
	case OP_LENGTH:
		return ndr_push_array_length(ndr, (uint32_t)v->u,
		                             (uint32_t)v->u2);
	case OP_CBYTES:
		return ndr_push_conformant_bytes(ndr, v->p, (uint32_t)v->n);
	case OP_WSTRING:
		return ndr_push_wstring(ndr, opt_str_flags(code),
		                        (const char *)v->p);
	case OP_CSTRING:
		return ndr_push_cstring(ndr, opt_str_flags(code),
		                        (const char *)v->p);
	case OP_ENTER:
		return ndr_push_enter(ndr);
	case OP_LEAVE:
		ndr_push_leave(ndr);
		return ndr->err;
	case OP_BYTES:
		return ndr_push_bytes(ndr, v->p, v->n);
	default:
		return ndr->err;
	}
}

/* Runs the program; returns NDR_ERR_SUCCESS when every op succeeded. */
static enum ndr_err run_program(void *mem,
                                const uint8_t *prog,
                                size_t n_ops,
                                const uint8_t *stub,
                                size_t len,
                                struct run *run)
{
	struct ndr_limits lim;
	struct ndr_pull ndr;
	enum ndr_err e;

	limits(&lim);
	memset(run, 0, sizeof(*run));
	e = ndr_pull_init(&ndr, mem, stub, len, NDR_FLAG_ALLOW_TRAILING, &lim);
	for (size_t i = 0; i < n_ops && e == NDR_ERR_SUCCESS; i++) {
		e = pull_op(&ndr, run, prog[i], &run->v[i]);
	}
	if (e == NDR_ERR_SUCCESS) {
		e = ndr_pull_finish(&ndr);
	}
	FUZZ_CHECK(e == ndr.err || e == NDR_ERR_SUCCESS);
	FUZZ_CHECK(ndr.pos <= ndr.len);
	ndr_pull_release(&ndr);
	return e;
}

static void compare_val(uint8_t code, const struct val *a, const struct val *b)
{
	enum op op = (enum op)((code & 0x1f) % N_OPS);

	FUZZ_CHECK(a->u == b->u && a->u2 == b->u2);
	FUZZ_CHECK(rpc_uuid_equal(&a->uuid, &b->uuid));
	if (op == OP_CBYTES || op == OP_WSTRING || op == OP_CSTRING ||
	    op == OP_BYTES) {
		FUZZ_CHECK(a->n == b->n);
		FUZZ_CHECK(a->n == 0 || memcmp(a->p, b->p, a->n) == 0);
	}
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	void *mem;
	size_t n_ops;
	struct run *first;
	struct run *again;
	struct ndr_limits lim;
	struct ndr_push push;
	const uint8_t *out;
	size_t out_len;
	enum ndr_err e;

	if (size < 1) {
		return 0;
	}
	n_ops = (size_t)(data[0] % MAX_OPS) + 1;
	if (size < 1 + n_ops) {
		return 0;
	}
	mem = talloc_new(NULL);
	first = talloc_zero(mem, struct run);
	again = talloc_zero(mem, struct run);
	if (first == NULL || again == NULL) {
		goto out;
	}
	if (run_program(mem, data + 1, n_ops, data + 1 + n_ops,
	                size - 1 - n_ops, first) != NDR_ERR_SUCCESS) {
		goto out;
	}
	limits(&lim);
	FUZZ_CHECK(ndr_push_init(&push, mem, 0, &lim) == NDR_ERR_SUCCESS);
	e = NDR_ERR_SUCCESS;
	for (size_t i = 0; i < n_ops && e == NDR_ERR_SUCCESS; i++) {
		e = push_op(&push, data[1 + i], &first->v[i]);
	}
	FUZZ_CHECK(e == NDR_ERR_SUCCESS);
	FUZZ_CHECK(ndr_push_blob(&push, &out, &out_len) == NDR_ERR_SUCCESS);
	FUZZ_CHECK(run_program(mem, data + 1, n_ops, out, out_len, again) ==
	           NDR_ERR_SUCCESS);
	for (size_t i = 0; i < n_ops; i++) {
		compare_val(data[1 + i], &first->v[i], &again->v[i]);
	}
	ndr_push_release(&push);
out:
	talloc_free(mem);
	return 0;
}
