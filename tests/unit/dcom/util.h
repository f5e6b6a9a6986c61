/*
 * util: helpers shared by the dcom unit tests: GUIDs from text, pull and
 * push cursors on test buffers, the harness bindings of the captures
 * (captures/README.md) and a push-side memory ceiling.
 */
#ifndef OWMI_TEST_DCOM_UTIL_H
#define OWMI_TEST_DCOM_UTIL_H

#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>
#include <talloc.h>

#include <cmocka.h>

#include "../rpc/capture.h"
#include "dcom/objref.h"
#include "rpc/ndr.h"

/* The GUID of the text form [s] (the test fails on a typo). */
static inline struct rpc_uuid guid(const char *s)
{
	struct rpc_uuid u;

	memset(&u, 0, sizeof(u));
	assert_true(rpc_uuid_parse(s, &u));
	return u;
}

static inline void assert_guid(const struct rpc_uuid *u, const char *s)
{
	char text[RPC_UUID_STR_LEN + 1];

	rpc_uuid_format(u, text);
	assert_string_equal(text, s);
}

static inline void pull_on(struct ndr_pull *ndr,
                           void *mem,
                           const uint8_t *p,
                           size_t n)
{
	assert_int_equal(ndr_pull_init(ndr, mem, p, n, 0, NULL),
	                 NDR_ERR_SUCCESS);
}

static inline void push_on(struct ndr_push *ndr, void *mem)
{
	assert_int_equal(ndr_push_init(ndr, mem, 0, NULL), NDR_ERR_SUCCESS);
}

/* Loads capture [prefix]; the test fails when it is missing. */
static inline uint8_t *load(void *mem, const char *prefix, size_t *n)
{
	uint8_t *p = capture_load(mem, prefix, n);

	assert_non_null(p);
	return p;
}

/* The IPIDs and OXID of the harness (captures/README.md). */
#define HARNESS_OXID      0x1122334455667788ull
#define HARNESS_IPID_TAIL "-0001-0002-3344-556677889900"

static inline struct rpc_uuid harness_ipid(const char *head)
{
	char s[64];

	snprintf(s, sizeof(s), "%s%s", head, HARNESS_IPID_TAIL);
	return guid(s);
}

/* The harness's bindings: 127.0.0.1[45135], FAKEWMI[45135]; security
 * bindings NTLM, SPNEGO and 0x16, all without principal names. */
static inline void harness_dsa(void *mem, struct dcom_dsa *dsa)
{
	static const char *const hosts[] = { "127.0.0.1", "FAKEWMI" };
	static const uint16_t svcs[] = { DCOM_AUTHN_WINNT,
		                         DCOM_AUTHN_GSS_NEGOTIATE, 0x16 };

	assert_true(
	        hr_ok(dcom_dsa_build_tcp(mem, hosts, 2, 45135, svcs, 3, dsa)));
}

static inline void assert_harness_dsa(const struct dcom_dsa *d)
{
	assert_int_equal(d->n_str, 2);
	assert_int_equal(d->str[0].tower_id, DCOM_TOWER_NCACN_IP_TCP);
	assert_string_equal(d->str[0].addr, "127.0.0.1[45135]");
	assert_int_equal(d->str[1].tower_id, DCOM_TOWER_NCACN_IP_TCP);
	assert_string_equal(d->str[1].addr, "FAKEWMI[45135]");
	assert_int_equal(d->n_sec, 3);
	assert_int_equal(d->sec[0].authn_svc, DCOM_AUTHN_WINNT);
	assert_int_equal(d->sec[1].authn_svc, DCOM_AUTHN_GSS_NEGOTIATE);
	assert_int_equal(d->sec[2].authn_svc, 0x16);
	for (int i = 0; i < 3; i++) {
		assert_string_equal(d->sec[i].princ_name, "");
	}
}

/*
 * A context whose allocations fail past [limit] bytes, for push-side
 * allocation-failure sweeps (pull cursors take ndr_limits.max_alloc).
 * talloc marks the call deprecated; it is the brief's tool for this.
 */
static inline void *limited_ctx(void *parent, size_t limit)
{
	void *ctx = talloc_new(parent);

	assert_non_null(ctx);
#pragma GCC diagnostic push
#pragma GCC diagnostic ignored "-Wdeprecated-declarations"
	assert_int_equal(talloc_set_memlimit(ctx, limit), 0);
#pragma GCC diagnostic pop
	return ctx;
}

/* Writes a little-endian u32 / u16 into a test buffer. */
static inline void put32(uint8_t *p, uint32_t v)
{
	for (int i = 0; i < 4; i++) {
		p[i] = (uint8_t)(v >> (8 * i));
	}
}

static inline void put16(uint8_t *p, uint16_t v)
{
	p[0] = (uint8_t)v;
	p[1] = (uint8_t)(v >> 8);
}

#endif
