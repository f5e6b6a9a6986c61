/*
 * Tests of the DCE/RPC server runtime (src/rpc/server.h) against a live
 * server on a random 127.x.y.z address and a Unix socket, driven by the
 * blocking test client (rpctest_client.h).
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stdatomic.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>
#include <sys/resource.h>
#include <talloc.h>
#include <time.h>
#include <unistd.h>

#include <cmocka.h>

#include "rpc/fault.h"
#include "rpc/server.h"
#include "rpctest_client.h"
#include "rpctest_server.h"

static const struct rpctest_auth alice6 = { "alice", "WORKGROUP", "Secret#1",
	                                    RPC_AUTHN_LEVEL_PKT_PRIVACY };
static const struct rpctest_auth alice5 = { "alice", "WORKGROUP", "Secret#1",
	                                    RPC_AUTHN_LEVEL_PKT_INTEGRITY };

static const struct rpc_syntax_id unknown_syntax = {
	{ 0xdeadbeef, 0x1, 0x2, { 3, 4 }, { 5, 6, 7, 8, 9, 10 } },
	1,
	0
};

static uint64_t now_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * 1000 + (uint64_t)ts.tv_nsec / 1000000;
}

static void put_u32(uint8_t *p, uint32_t v)
{
	p[0] = (uint8_t)v;
	p[1] = (uint8_t)(v >> 8);
	p[2] = (uint8_t)(v >> 16);
	p[3] = (uint8_t)(v >> 24);
}

static struct rpctest_client *connect_tcp(void *mem, struct rpctest_server *ts)
{
	struct rpctest_client *c = rpctest_connect_tcp(mem, ts->addr, ts->port);

	assert_non_null(c);
	return c;
}

/* Binds [iface] at p_cont_id 0 (with [auth] or anonymously). */
static struct rpctest_client *bound_client(void *mem,
                                           struct rpctest_server *ts,
                                           const struct rpc_iface *iface,
                                           const struct rpctest_auth *auth)
{
	struct rpctest_client *c = connect_tcp(mem, ts);
	struct rpctest_bind_result res;

	assert_int_equal(rpctest_bind(c, 0, &iface->syntax, auth, &res), 0);
	return c;
}

static void call_ok(struct rpctest_client *c,
                    uint16_t p_cont_id,
                    uint16_t opnum,
                    const void *in,
                    size_t len,
                    void *mem,
                    struct rpctest_reply *r)
{
	int rc = rpctest_call(c, p_cont_id, opnum, NULL, in, len, mem, r);

	if (rc != 0) {
		fail_msg("call failed: %s", rpctest_last_error(c));
	}
	if (r->ptype != RPC_PTYPE_RESPONSE) {
		fail_msg("fault 0x%x (%s)", r->status,
		         rpc_fault_name(r->status) ? rpc_fault_name(r->status)
		                                   : "?");
	}
}

static uint32_t call_fault(struct rpctest_client *c,
                           uint16_t p_cont_id,
                           uint16_t opnum,
                           const void *in,
                           size_t len)
{
	struct rpctest_reply r;
	void *tmp = talloc_new(NULL);
	int rc = rpctest_call(c, p_cont_id, opnum, NULL, in, len, tmp, &r);

	if (rc != 0) {
		fail_msg("call failed: %s", rpctest_last_error(c));
	}
	assert_int_equal(r.ptype, RPC_PTYPE_FAULT);
	talloc_free(tmp);
	return r.status;
}

static void echo_works(struct rpctest_client *c, uint16_t p_cont_id)
{
	struct rpctest_reply r;
	void *tmp = talloc_new(NULL);

	call_ok(c, p_cont_id, RPCTEST_OP_ECHO, "ping", 4, tmp, &r);
	assert_int_equal(r.stub_len, 4);
	assert_memory_equal(r.stub, "ping", 4);
	talloc_free(tmp);
}

/* A fresh server per test. */
static int setup(void **state)
{
	struct rpctest_server *ts = rpctest_server_start(NULL, NULL);

	if (ts == NULL) {
		return -1;
	}
	*state = ts;
	return 0;
}

static int teardown(void **state)
{
	rpctest_server_stop(*state);
	return 0;
}

/* ---- basic calls ---- */

static void test_anonymous_bind_and_calls(void **state)
{
	struct rpctest_server *ts = *state;
	void *mem = talloc_new(NULL);
	struct rpctest_client *c = connect_tcp(mem, ts);
	struct rpctest_bind_result res;
	struct rpctest_reply r;
	char port[8];

	assert_int_equal(
	        rpctest_bind(c, 0, &rpctest_iface_main.syntax, NULL, &res), 0);
	assert_int_equal(res.ptype, RPC_PTYPE_BIND_ACK);
	assert_int_equal(res.max_xmit, 4280);
	assert_int_equal(res.max_recv, 4280);
	assert_int_not_equal(res.assoc_group, 0);
	snprintf(port, sizeof(port), "%u", ts->port);
	assert_string_equal(res.sec_addr, port);

	call_ok(c, 0, RPCTEST_OP_ECHO, "hello", 5, mem, &r);
	assert_int_equal(r.stub_len, 5);
	assert_memory_equal(r.stub, "hello", 5);
	assert_false(r.verified);
	call_ok(c, 0, RPCTEST_OP_REVERSE, "abcdef", 6, mem, &r);
	assert_memory_equal(r.stub, "fedcba", 6);
	call_ok(c, 0, RPCTEST_OP_ASYNC, "later", 5, mem, &r);
	assert_memory_equal(r.stub, "later", 5);
	call_ok(c, 0, RPCTEST_OP_ECHO, "", 0, mem, &r);
	assert_int_equal(r.stub_len, 0);
	call_ok(c, 0, RPCTEST_OP_WHOAMI, NULL, 0, mem, &r);
	assert_non_null(strstr((char *)r.stub, "auth=0 type=0 level=1 unix=0"));
	assert_non_null(strstr((char *)r.stub, ts->addr));
	rpctest_close(c);
	talloc_free(mem);
}

static void test_handler_fault_status_is_sent(void **state)
{
	struct rpctest_server *ts = *state;
	void *mem = talloc_new(NULL);
	struct rpctest_client *c = bound_client(mem, ts, &rpctest_iface_main,
	                                        NULL);
	uint8_t st[4];

	put_u32(st, RPC_FAULT_RPC_X_BAD_STUB_DATA);
	assert_int_equal(call_fault(c, 0, RPCTEST_OP_FAULT, st, 4),
	                 RPC_FAULT_RPC_X_BAD_STUB_DATA);
	echo_works(c, 0);
	talloc_free(mem);
}

static void test_unknown_opnum_is_op_rng_error(void **state)
{
	struct rpctest_server *ts = *state;
	void *mem = talloc_new(NULL);
	struct rpctest_client *c = bound_client(mem, ts, &rpctest_iface_main,
	                                        NULL);

	/* 7 has no handler; 8 is n_ops (the last opnum + 1). */
	assert_int_equal(call_fault(c, 0, 7, NULL, 0),
	                 RPC_FAULT_NCA_S_OP_RNG_ERROR);
	assert_int_equal(call_fault(c, 0, RPCTEST_N_OPS, NULL, 0),
	                 RPC_FAULT_NCA_S_OP_RNG_ERROR);
	assert_int_equal(call_fault(c, 0, 0xffff, NULL, 0),
	                 RPC_FAULT_NCA_S_OP_RNG_ERROR);
	echo_works(c, 0);
	talloc_free(mem);
}

static void test_unknown_context_is_unk_if(void **state)
{
	struct rpctest_server *ts = *state;
	void *mem = talloc_new(NULL);
	struct rpctest_client *c = bound_client(mem, ts, &rpctest_iface_main,
	                                        NULL);

	assert_int_equal(call_fault(c, 5, RPCTEST_OP_ECHO, "x", 1),
	                 RPC_FAULT_NCA_S_UNK_IF);
	echo_works(c, 0);
	talloc_free(mem);
}

static void test_unknown_interface_provider_rejection(void **state)
{
	struct rpctest_server *ts = *state;
	void *mem = talloc_new(NULL);
	struct rpctest_client *c = connect_tcp(mem, ts);
	struct rpctest_bind_result res;

	assert_int_equal(rpctest_bind(c, 0, &unknown_syntax, NULL, &res), 1);
	assert_int_equal(res.ptype, RPC_PTYPE_BIND_ACK);
	assert_int_equal(res.result, RPC_RESULT_PROVIDER_REJECTION);
	assert_int_equal(res.reason, RPC_REASON_ABSTRACT_SYNTAX_NOT_SUPPORTED);
	/* The association still takes an alter_context to a served one. */
	assert_int_equal(
	        rpctest_bind(c, 1, &rpctest_iface_main.syntax, NULL, &res), 0);
	echo_works(c, 1);
	talloc_free(mem);
}

/*
 * Builds a bind (call [call_id]) of one context on the test interface
 * with transfer syntax [ts] into [*b, *n] (under [mem]), for tests that
 * send it raw or tamper with it first.
 */
static void raw_bind(void *mem,
                     uint32_t call_id,
                     const struct rpc_syntax_id *ts,
                     uint8_t **b,
                     size_t *n)
{
	struct rpc_pdu pdu;
	struct rpc_ctx_elem e;
	struct rpc_syntax_id t = *ts;

	rpc_pdu_init(&pdu, RPC_PTYPE_BIND, call_id);
	pdu.u.bind.max_xmit_frag = 4280;
	pdu.u.bind.max_recv_frag = 4280;
	pdu.u.bind.n_ctx = 1;
	memset(&e, 0, sizeof(e));
	e.n_transfer_syn = 1;
	e.abstract_syntax = rpctest_iface_main.syntax;
	e.transfer_syntaxes = &t;
	pdu.u.bind.ctx = &e;
	assert_int_equal(rpc_pdu_build(mem, &pdu, b, n), RPC_PDU_OK);
}

static void test_ndr64_only_is_refused(void **state)
{
	struct rpctest_server *ts = *state;
	void *mem = talloc_new(NULL);
	struct rpctest_client *c = connect_tcp(mem, ts);
	struct rpc_pdu pdu;
	uint8_t *b;
	size_t n;

	raw_bind(mem, 1, &rpc_syntax_ndr64, &b, &n);
	assert_int_equal(rpctest_send(c, b, n), 0);
	assert_int_equal(rpctest_recv_pdu(c, mem, &b, &n), 0);
	assert_int_equal(rpc_pdu_parse(mem, b, n, &pdu, NULL), RPC_PDU_OK);
	assert_int_equal(pdu.hdr.ptype, RPC_PTYPE_BIND_ACK);
	assert_int_equal(pdu.u.bind_ack.results[0].result,
	                 RPC_RESULT_PROVIDER_REJECTION);
	assert_int_equal(pdu.u.bind_ack.results[0].reason,
	                 RPC_REASON_PROPOSED_TRANSFER_SYNTAXES_NOT_SUPPORTED);
	talloc_free(mem);
}

static void test_bind_time_feature_negotiation_answered(void **state)
{
	struct rpctest_server *ts = *state;
	void *mem = talloc_new(NULL);
	struct rpctest_client *c = connect_tcp(mem, ts);
	struct rpc_pdu pdu;
	struct rpc_ctx_elem e[2];
	struct rpc_syntax_id ndr = rpc_syntax_ndr20;
	/* 6cb71c2c-9812-4540-0300-000000000000 v1.0: bits 0x03. */
	struct rpc_syntax_id btfn = {
		{ 0x6cb71c2c, 0x9812, 0x4540, { 3, 0 }, { 0, 0, 0, 0, 0, 0 } },
		1,
		0
	};
	uint8_t *b;
	size_t n;

	rpc_pdu_init(&pdu, RPC_PTYPE_BIND, 1);
	pdu.u.bind.max_xmit_frag = 5840;
	pdu.u.bind.max_recv_frag = 5840;
	pdu.u.bind.n_ctx = 2;
	memset(e, 0, sizeof(e));
	e[0].n_transfer_syn = 1;
	e[0].abstract_syntax = rpctest_iface_main.syntax;
	e[0].transfer_syntaxes = &ndr;
	e[1].p_cont_id = 1;
	e[1].n_transfer_syn = 1;
	e[1].abstract_syntax = rpctest_iface_main.syntax;
	e[1].transfer_syntaxes = &btfn;
	pdu.u.bind.ctx = e;
	assert_int_equal(rpc_pdu_build(mem, &pdu, &b, &n), RPC_PDU_OK);
	assert_int_equal(rpctest_send(c, b, n), 0);
	assert_int_equal(rpctest_recv_pdu(c, mem, &b, &n), 0);
	assert_int_equal(rpc_pdu_parse(mem, b, n, &pdu, NULL), RPC_PDU_OK);
	assert_int_equal(pdu.u.bind_ack.max_xmit_frag, 5840);
	assert_int_equal(pdu.u.bind_ack.n_results, 2);
	assert_int_equal(pdu.u.bind_ack.results[0].result,
	                 RPC_RESULT_ACCEPTANCE);
	assert_int_equal(pdu.u.bind_ack.results[1].result,
	                 RPC_RESULT_NEGOTIATE_ACK);
	assert_int_equal(pdu.u.bind_ack.results[1].reason, 3);
	talloc_free(mem);
}

/* ---- NTLM ---- */

static void big_calls(struct rpctest_client *c, uint16_t p_cont_id, bool sealed)
{
	void *mem = talloc_new(NULL);
	size_t n = 50000;
	uint8_t *in = talloc_size(mem, n);
	uint8_t req[4];
	struct rpctest_reply r;

	for (size_t i = 0; i < n; i++) {
		in[i] = (uint8_t)(i * 13 + 1);
	}
	call_ok(c, p_cont_id, RPCTEST_OP_ECHO, in, n, mem, &r);
	assert_int_equal(r.verified, sealed);
	assert_int_equal(r.stub_len, n);
	assert_memory_equal(r.stub, in, n);
	assert_true(r.n_frags > 10);
	call_ok(c, p_cont_id, RPCTEST_OP_REVERSE, in, 9000, mem, &r);
	assert_int_equal(r.stub_len, 9000);
	assert_int_equal(r.stub[0], in[8999]);
	put_u32(req, 100003);
	call_ok(c, p_cont_id, RPCTEST_OP_BIG, req, 4, mem, &r);
	assert_int_equal(r.stub_len, 100003);
	for (size_t i = 0; i < r.stub_len; i++) {
		if (r.stub[i] != (uint8_t)(i * 7 + 3)) {
			fail_msg("octet %zu differs", i);
		}
	}
	talloc_free(mem);
}

static void test_ntlm_integrity_calls(void **state)
{
	struct rpctest_server *ts = *state;
	void *mem = talloc_new(NULL);
	struct rpctest_client *c = bound_client(mem, ts, &rpctest_iface_main,
	                                        &alice5);
	struct rpctest_reply r;

	call_ok(c, 0, RPCTEST_OP_WHOAMI, NULL, 0, mem, &r);
	assert_true(r.verified);
	assert_non_null(strstr((char *)r.stub,
	                       "user=alice domain=WORKGROUP auth=1 type=10 "
	                       "level=5"));
	big_calls(c, 0, true);
	echo_works(c, 0);
	assert_true(rpctest_server_log_has(ts, "authenticated user "
	                                       "'WORKGROUP\\alice'"));
	talloc_free(mem);
}

static void test_ntlm_privacy_calls(void **state)
{
	struct rpctest_server *ts = *state;
	void *mem = talloc_new(NULL);
	struct rpctest_client *c = bound_client(mem, ts, &rpctest_iface_main,
	                                        &alice6);
	struct rpctest_reply r;

	call_ok(c, 0, RPCTEST_OP_WHOAMI, NULL, 0, mem, &r);
	assert_true(r.verified);
	assert_non_null(strstr((char *)r.stub, "level=6"));
	big_calls(c, 0, true);
	/* The secure interface (privacy required) on an alter_context. */
	assert_int_equal(
	        rpctest_bind(c, 1, &rpctest_iface_secure.syntax, &alice6, NULL),
	        0);
	echo_works(c, 1);
	echo_works(c, 0);
	talloc_free(mem);
}

static void test_ntlm_third_leg_in_alter_context(void **state)
{
	struct rpctest_server *ts = *state;
	void *mem = talloc_new(NULL);
	struct rpctest_client *c = connect_tcp(mem, ts);
	struct rpctest_auth a = alice6;

	a.third_leg_alter = true;
	assert_int_equal(
	        rpctest_bind(c, 0, &rpctest_iface_secure.syntax, &a, NULL), 0);
	echo_works(c, 0);
	big_calls(c, 0, true);
	talloc_free(mem);
}

static void test_ntlm_levels_connect_call_pkt(void **state)
{
	struct rpctest_server *ts = *state;
	void *mem = talloc_new(NULL);
	struct rpctest_client *c = connect_tcp(mem, ts);
	struct rpctest_reply r;
	struct rpctest_auth a = alice5;

	/* Impacket at levels 2-4 sends requests without any verifier. */
	for (uint8_t lvl = 2; lvl <= 4; lvl++) {
		a.level = lvl;
		assert_int_equal(rpctest_bind(c, lvl,
		                              &rpctest_iface_noanon.syntax, &a,
		                              NULL),
		                 0);
		call_ok(c, lvl, RPCTEST_OP_WHOAMI, NULL, 0, mem, &r);
		assert_non_null(strstr((char *)r.stub, "user=alice"));
	}
	talloc_free(mem);
}

static void test_wrong_password_faults_access_denied(void **state)
{
	struct rpctest_server *ts = *state;
	void *mem = talloc_new(NULL);
	struct rpctest_client *c = connect_tcp(mem, ts);
	struct rpctest_auth bad = alice6;
	struct rpc_server_stats st;
	char line[128];

	bad.password = "wrong";
	/* The bind and AUTH3 go through; the first request faults. */
	assert_int_equal(
	        rpctest_bind(c, 0, &rpctest_iface_main.syntax, &bad, NULL), 0);
	assert_int_equal(call_fault(c, 0, RPCTEST_OP_ECHO, "x", 1),
	                 RPC_FAULT_RPC_S_ACCESS_DENIED);
	assert_int_equal(call_fault(c, 0, RPCTEST_OP_ECHO, "x", 1),
	                 RPC_FAULT_RPC_S_ACCESS_DENIED);
	rpctest_server_stats(ts, &st);
	assert_int_equal(st.auth_failures, 1);
	snprintf(line, sizeof(line), "%s", ts->addr);
	assert_true(rpctest_server_log_has(ts, "authentication failed for "
	                                       "user 'WORKGROUP\\alice'"));
	assert_true(rpctest_server_log_has(ts, line));
	/* An unknown user is refused the same way. */
	bad.user = "mallory";
	assert_int_equal(
	        rpctest_bind(c, 1, &rpctest_iface_main.syntax, &bad, NULL), 0);
	assert_int_equal(call_fault(c, 1, RPCTEST_OP_ECHO, "x", 1),
	                 RPC_FAULT_RPC_S_ACCESS_DENIED);
	/* A good context on the same connection still works. */
	assert_int_equal(
	        rpctest_bind(c, 2, &rpctest_iface_main.syntax, &alice6, NULL),
	        0);
	echo_works(c, 2);
	talloc_free(mem);
}

static void test_replayed_and_tampered_requests_fault(void **state)
{
	struct rpctest_server *ts = *state;
	void *mem = talloc_new(NULL);
	struct rpctest_client *c = bound_client(mem, ts, &rpctest_iface_main,
	                                        &alice6);
	struct rpctest_reply r;
	uint8_t *pdu;
	size_t len;

	assert_int_equal(rpctest_build_request(c, 0, RPCTEST_OP_ECHO,
	                                       (const uint8_t *)"abcdefgh", 8,
	                                       mem, &pdu, &len),
	                 0);
	assert_int_equal(rpctest_send(c, pdu, len), 0);
	assert_int_equal(rpctest_recv_reply(c, 0, mem, &r), 0);
	assert_int_equal(r.ptype, RPC_PTYPE_RESPONSE);
	assert_memory_equal(r.stub, "abcdefgh", 8);
	/* The same PDU again: its sequence number is old. */
	assert_int_equal(rpctest_send(c, pdu, len), 0);
	assert_int_equal(rpctest_recv_reply(c, 0, mem, &r), 0);
	assert_int_equal(r.ptype, RPC_PTYPE_FAULT);
	assert_int_equal(r.status, RPC_FAULT_RPC_S_SEC_PKG_ERROR);
	/* The context is dead from now on. */
	assert_int_equal(call_fault(c, 0, RPCTEST_OP_ECHO, "x", 1),
	                 RPC_FAULT_RPC_S_ACCESS_DENIED);

	/* A tampered sealed stub on a fresh context. */
	assert_int_equal(
	        rpctest_bind(c, 1, &rpctest_iface_main.syntax, &alice5, NULL),
	        0);
	assert_int_equal(rpctest_build_request(c, 1, RPCTEST_OP_ECHO,
	                                       (const uint8_t *)"abcdefgh", 8,
	                                       mem, &pdu, &len),
	                 0);
	pdu[24] ^= 1;
	assert_int_equal(rpctest_send(c, pdu, len), 0);
	assert_int_equal(rpctest_recv_reply(c, 1, mem, &r), 0);
	assert_int_equal(r.ptype, RPC_PTYPE_FAULT);
	assert_int_equal(r.status, RPC_FAULT_RPC_S_SEC_PKG_ERROR);
	assert_true(rpctest_server_log_has(ts, "integrity check failed for "
	                                       "user 'WORKGROUP\\alice'"));
	/* Other contexts and connections are unaffected. */
	assert_int_equal(
	        rpctest_bind(c, 2, &rpctest_iface_main.syntax, &alice6, NULL),
	        0);
	echo_works(c, 2);
	talloc_free(mem);
}

static void test_level_below_interface_minimum_faults(void **state)
{
	struct rpctest_server *ts = *state;
	void *mem = talloc_new(NULL);
	struct rpctest_client *c = bound_client(mem, ts, &rpctest_iface_secure,
	                                        &alice5);

	assert_int_equal(call_fault(c, 0, RPCTEST_OP_ECHO, "x", 1),
	                 RPC_FAULT_RPC_S_ACCESS_DENIED);
	/* Anonymous on interfaces without ALLOW_ANONYMOUS. */
	rpctest_close(c);
	c = bound_client(mem, ts, &rpctest_iface_noanon, NULL);
	assert_int_equal(call_fault(c, 0, RPCTEST_OP_ECHO, "x", 1),
	                 RPC_FAULT_RPC_S_ACCESS_DENIED);
	assert_int_equal(
	        rpctest_bind(c, 1, &rpctest_iface_secure.syntax, NULL, NULL),
	        0);
	assert_int_equal(call_fault(c, 1, RPCTEST_OP_ECHO, "x", 1),
	                 RPC_FAULT_RPC_S_ACCESS_DENIED);
	assert_true(rpctest_server_log_has(ts,
	                                   "anonymous call to "
	                                   "RpcTestNoAnon opnum 0 refused"));
	talloc_free(mem);
}

/* ---- associations ---- */

static void test_two_contexts_on_one_association(void **state)
{
	struct rpctest_server *ts = *state;
	void *mem = talloc_new(NULL);
	struct rpctest_client *c = connect_tcp(mem, ts);
	struct rpc_syntax_id two[2] = { rpctest_iface_main.syntax,
		                        rpctest_iface_inline.syntax };
	struct rpctest_reply r;

	assert_int_equal(rpctest_bind_n(c, 0, two, 2, &alice6, NULL), 0);
	echo_works(c, 0);
	echo_works(c, 1);
	call_ok(c, 1, RPCTEST_OP_REVERSE, "ab", 2, mem, &r);
	assert_memory_equal(r.stub, "ba", 2);
	talloc_free(mem);
}

static void test_alter_context_adds_interfaces(void **state)
{
	struct rpctest_server *ts = *state;
	void *mem = talloc_new(NULL);
	struct rpctest_client *c = bound_client(mem, ts, &rpctest_iface_main,
	                                        NULL);
	struct rpctest_bind_result res;
	struct rpctest_auth shared = alice6;

	/* Impacket: every switch is an alter_context with a new NTLM leg. */
	for (uint16_t i = 1; i <= 12; i++) {
		assert_int_equal(
		        rpctest_bind(c, i,
		                     i % 2 ? &rpctest_iface_noanon.syntax
		                           : &rpctest_iface_secure.syntax,
		                     &alice6, &res),
		        0);
		assert_int_equal(res.ptype, RPC_PTYPE_ALTER_CONTEXT_RESP);
		assert_int_equal(res.max_recv, 4280);
		echo_works(c, i);
	}
	/* A context sharing an existing security context (no new leg). */
	shared.share = true;
	shared.share_with = 12;
	assert_int_equal(rpctest_bind(c, 13, &rpctest_iface_inline.syntax,
	                              &shared, NULL),
	                 0);
	echo_works(c, 13);
	echo_works(c, 0);
	talloc_free(mem);
}

static void test_contexts_past_the_limit_are_recycled(void **state)
{
	void *mem = talloc_new(NULL);
	struct rpctest_client *c;
	struct rpc_server_limits lim = { .max_contexts = 4,
		                         .max_auth_contexts = 3 };
	struct rpctest_server *small = rpctest_server_start(NULL, &lim);

	(void)state;
	c = rpctest_connect_tcp(mem, small->addr, small->port);
	assert_non_null(c);
	for (uint16_t i = 0; i < 10; i++) {
		assert_int_equal(rpctest_bind(c, i, &rpctest_iface_main.syntax,
		                              NULL, NULL),
		                 0);
		echo_works(c, i);
	}
	/* The oldest presentation contexts were dropped. */
	assert_int_equal(call_fault(c, 1, RPCTEST_OP_ECHO, "x", 1),
	                 RPC_FAULT_NCA_S_UNK_IF);
	echo_works(c, 9);
	/* Security contexts too: a dropped one refuses its requests. */
	for (uint16_t i = 20; i < 30; i++) {
		assert_int_equal(rpctest_bind(c, i, &rpctest_iface_main.syntax,
		                              &alice6, NULL),
		                 0);
		echo_works(c, i);
	}
	assert_int_equal(call_fault(c, 20, RPCTEST_OP_ECHO, "x", 1),
	                 RPC_FAULT_RPC_S_ACCESS_DENIED);
	echo_works(c, 29);
	rpctest_close(c);
	rpctest_server_stop(small);
	talloc_free(mem);
}

static void test_association_groups(void **state)
{
	struct rpctest_server *ts = *state;
	void *mem = talloc_new(NULL);
	struct rpctest_client *a = connect_tcp(mem, ts);
	struct rpctest_client *b = connect_tcp(mem, ts);
	struct rpctest_client *x = connect_tcp(mem, ts);
	struct rpctest_bind_result ra, rb, rx;

	assert_int_equal(
	        rpctest_bind(a, 0, &rpctest_iface_main.syntax, NULL, &ra), 0);
	rpctest_set_assoc_group(b, ra.assoc_group);
	assert_int_equal(
	        rpctest_bind(b, 0, &rpctest_iface_main.syntax, NULL, &rb), 0);
	assert_int_equal(rb.assoc_group, ra.assoc_group);
	rpctest_set_assoc_group(x, 0x7fff1234);
	assert_int_equal(
	        rpctest_bind(x, 0, &rpctest_iface_main.syntax, NULL, &rx), 1);
	assert_int_equal(rx.ptype, RPC_PTYPE_BIND_NAK);
	/* After a bind_nak the client may bind again. */
	rpctest_set_assoc_group(x, 0);
	assert_int_equal(
	        rpctest_bind(x, 0, &rpctest_iface_main.syntax, NULL, &rx), 0);
	assert_int_not_equal(rx.assoc_group, ra.assoc_group);
	echo_works(x, 0);
	/* A second bind on a bound connection is refused. */
	{
		uint8_t *raw;
		size_t n;

		raw_bind(mem, 9, &rpc_syntax_ndr20, &raw, &n);
		assert_int_equal(rpctest_send(a, raw, n), 0);
		assert_int_equal(rpctest_recv_pdu(a, mem, &raw, &n), 0);
		assert_int_equal(raw[2], RPC_PTYPE_BIND_NAK);
	}
	echo_works(a, 0);
	talloc_free(mem);
}

static void test_object_uuid_reaches_the_handler(void **state)
{
	struct rpctest_server *ts = *state;
	void *mem = talloc_new(NULL);
	struct rpctest_client *c = bound_client(mem, ts, &rpctest_iface_main,
	                                        &alice6);
	struct rpc_uuid obj;
	struct rpctest_reply r;

	assert_true(
	        rpc_uuid_parse("00001234-abcd-ef01-2345-6789abcdef01", &obj));
	assert_int_equal(
	        rpctest_call(c, 0, RPCTEST_OP_WHOAMI, &obj, NULL, 0, mem, &r),
	        0);
	assert_int_equal(r.ptype, RPC_PTYPE_RESPONSE);
	assert_non_null(strstr((char *)r.stub,
	                       "object=00001234-abcd-ef01-2345-6789abcdef01"));
	talloc_free(mem);
}

/* ---- concurrency ---- */

struct slow_arg {
	struct rpctest_server *ts;
	int rc;
	uint32_t status;
	uint64_t took;
	atomic_bool done; /* the slow call has returned */
};

/* Long enough that 50 echo calls finish first even under sanitizers. */
#define SLOW_CALL_MS 4000

static void *slow_client(void *p)
{
	struct slow_arg *a = p;
	void *mem = talloc_new(NULL);
	struct rpctest_client *c = rpctest_connect_tcp(mem, a->ts->addr,
	                                               a->ts->port);
	struct rpctest_reply r;
	uint8_t ms[4];
	uint64_t t0 = now_ms();

	put_u32(ms, SLOW_CALL_MS);
	a->rc = -1;
	if (c != NULL &&
	    rpctest_bind(c, 0, &rpctest_iface_main.syntax, NULL, NULL) == 0) {
		a->rc = rpctest_call(c, 0, RPCTEST_OP_SLEEP, NULL, ms, 4, mem,
		                     &r);
		a->status = r.status;
	}
	a->took = now_ms() - t0;
	atomic_store(&a->done, true);
	talloc_free(mem);
	return NULL;
}

static void test_slow_call_does_not_stall_others(void **state)
{
	struct rpctest_server *ts = *state;
	void *mem = talloc_new(NULL);
	struct slow_arg sa = { .ts = ts };
	pthread_t th;
	struct rpctest_client *c;

	atomic_init(&sa.done, false);
	assert_int_equal(pthread_create(&th, NULL, slow_client, &sa), 0);
	usleep(200 * 1000);
	c = bound_client(mem, ts, &rpctest_iface_main, &alice6);
	for (int i = 0; i < 50; i++) {
		echo_works(c, 0);
	}
	/*
	 * Ordering, not a clock budget: all 50 calls were answered while the
	 * slow call was still running, so it stalled nobody.
	 */
	assert_false(atomic_load(&sa.done));
	pthread_join(th, NULL);
	assert_int_equal(sa.rc, 0);
	assert_int_equal(sa.status, 0);
	assert_true(sa.took >= SLOW_CALL_MS);
	talloc_free(mem);
}

static void test_co_cancel_and_orphaned(void **state)
{
	struct rpctest_server *ts = *state;
	void *mem = talloc_new(NULL);
	struct rpctest_client *c = bound_client(mem, ts, &rpctest_iface_main,
	                                        NULL);
	struct rpc_pdu pdu;
	struct rpctest_reply r;
	uint8_t *req, *b;
	size_t len, n;
	uint8_t ms[4];
	uint32_t id;

	put_u32(ms, 3000);
	id = rpctest_next_call_id(c);
	assert_int_equal(rpctest_build_request(c, 0, RPCTEST_OP_SLEEP, ms, 4,
	                                       mem, &req, &len),
	                 0);
	assert_int_equal(rpctest_send(c, req, len), 0);
	usleep(100 * 1000);
	rpc_pdu_init(&pdu, RPC_PTYPE_CO_CANCEL, id);
	assert_int_equal(rpc_pdu_build(mem, &pdu, &b, &n), RPC_PDU_OK);
	assert_int_equal(rpctest_send(c, b, n), 0);
	assert_int_equal(rpctest_recv_reply(c, 0, mem, &r), 0);
	assert_int_equal(r.ptype, RPC_PTYPE_FAULT);
	assert_int_equal(r.status, RPC_FAULT_RPC_S_CALL_CANCELLED);

	/* Orphaned: no answer for that call, the next call works. */
	id = rpctest_next_call_id(c);
	assert_int_equal(rpctest_build_request(c, 0, RPCTEST_OP_SLEEP, ms, 4,
	                                       mem, &req, &len),
	                 0);
	assert_int_equal(rpctest_send(c, req, len), 0);
	usleep(100 * 1000);
	rpc_pdu_init(&pdu, RPC_PTYPE_ORPHANED, id);
	assert_int_equal(rpc_pdu_build(mem, &pdu, &b, &n), RPC_PDU_OK);
	assert_int_equal(rpctest_send(c, b, n), 0);
	echo_works(c, 0);
	talloc_free(mem);
}

/* ---- hostile input ---- */

static void good_client_still_served(struct rpctest_server *ts)
{
	void *mem = talloc_new(NULL);
	struct rpctest_client *c = bound_client(mem, ts, &rpctest_iface_main,
	                                        &alice6);

	echo_works(c, 0);
	talloc_free(mem);
}

static void test_garbage_closes_only_that_connection(void **state)
{
	struct rpctest_server *ts = *state;
	void *mem = talloc_new(NULL);
	struct rpctest_client *good = bound_client(mem, ts, &rpctest_iface_main,
	                                           &alice6);
	struct rpctest_client *c;
	uint8_t junk[200];

	for (size_t i = 0; i < sizeof(junk); i++) {
		junk[i] = (uint8_t)(i * 37 + 11);
	}
	c = connect_tcp(mem, ts);
	assert_int_equal(rpctest_send(c, junk, sizeof(junk)), 0);
	assert_true(rpctest_wait_closed(c, 2000));
	echo_works(good, 0);
	good_client_still_served(ts);
	talloc_free(mem);
}

static void test_bad_version_bind_gets_nak(void **state)
{
	struct rpctest_server *ts = *state;
	void *mem = talloc_new(NULL);
	struct rpctest_client *c = connect_tcp(mem, ts);
	uint8_t *b;
	size_t n;

	raw_bind(mem, 1, &rpc_syntax_ndr20, &b, &n);
	b[0] = 4; /* rpc_vers */
	assert_int_equal(rpctest_send(c, b, n), 0);
	assert_int_equal(rpctest_recv_pdu(c, mem, &b, &n), 0);
	assert_int_equal(b[2], RPC_PTYPE_BIND_NAK);
	assert_true(rpctest_wait_closed(c, 2000));
	good_client_still_served(ts);
	talloc_free(mem);
}

static void test_oversized_fragment_is_refused(void **state)
{
	struct rpctest_server *ts = *state;
	void *mem = talloc_new(NULL);
	struct rpctest_client *c = bound_client(mem, ts, &rpctest_iface_main,
	                                        NULL);
	uint8_t hdr[16] = { 5,    0,    RPC_PTYPE_REQUEST,
		            3,    0x10, 0,
		            0,    0,    0xe8,
		            0xfd, 0,    0,
		            9,    0,    0,
		            0 }; /* 65000 */
	uint8_t *b;
	size_t n;

	assert_int_equal(rpctest_send(c, hdr, sizeof(hdr)), 0);
	assert_int_equal(rpctest_recv_pdu(c, mem, &b, &n), 0);
	assert_int_equal(b[2], RPC_PTYPE_FAULT);
	assert_true(rpctest_wait_closed(c, 2000));
	good_client_still_served(ts);
	talloc_free(mem);
}

static void test_misfragmented_calls_fault(void **state)
{
	struct rpctest_server *ts = *state;
	void *mem = talloc_new(NULL);
	struct rpctest_client *c = bound_client(mem, ts, &rpctest_iface_main,
	                                        NULL);
	struct rpc_pdu pdu;
	uint8_t *b;
	size_t n;
	struct rpctest_reply r;

	/* A middle fragment without a first one. */
	rpc_pdu_init(&pdu, RPC_PTYPE_REQUEST, 77);
	pdu.hdr.pfc_flags = RPC_PFC_LAST_FRAG;
	pdu.stub = (const uint8_t *)"abcd";
	pdu.stub_len = 4;
	assert_int_equal(rpc_pdu_build(mem, &pdu, &b, &n), RPC_PDU_OK);
	assert_int_equal(rpctest_send(c, b, n), 0);
	assert_int_equal(rpctest_recv_reply(c, 0, mem, &r), 0);
	assert_int_equal(r.ptype, RPC_PTYPE_FAULT);
	assert_int_equal(r.status, RPC_FAULT_NCA_S_PROTO_ERROR);

	/* A first fragment, then another call_id. */
	rpc_pdu_init(&pdu, RPC_PTYPE_REQUEST, 78);
	pdu.hdr.pfc_flags = RPC_PFC_FIRST_FRAG;
	assert_int_equal(rpc_pdu_build(mem, &pdu, &b, &n), RPC_PDU_OK);
	assert_int_equal(rpctest_send(c, b, n), 0);
	rpc_pdu_init(&pdu, RPC_PTYPE_REQUEST, 79);
	pdu.hdr.pfc_flags = RPC_PFC_LAST_FRAG;
	assert_int_equal(rpc_pdu_build(mem, &pdu, &b, &n), RPC_PDU_OK);
	assert_int_equal(rpctest_send(c, b, n), 0);
	assert_int_equal(rpctest_recv_reply(c, 0, mem, &r), 0);
	assert_int_equal(r.ptype, RPC_PTYPE_FAULT);

	/* A truncated request body (frag_length fine, fields short). */
	{
		uint8_t t[20] = { 5,  0,    RPC_PTYPE_REQUEST,
			          3,  0x10, 0,
			          0,  0,    20,
			          0,  0,    0,
			          80, 0,    0,
			          0 };

		assert_int_equal(rpctest_send(c, t, sizeof(t)), 0);
		assert_int_equal(rpctest_recv_reply(c, 0, mem, &r), 0);
		assert_int_equal(r.ptype, RPC_PTYPE_FAULT);
	}
	/* The connection still serves well-formed calls. */
	echo_works(c, 0);
	good_client_still_served(ts);
	talloc_free(mem);
}

static void test_message_limit(void **state)
{
	void *mem = talloc_new(NULL);
	struct rpc_server_limits lim = { .max_message = 10000 };
	struct rpctest_server *ts = rpctest_server_start(NULL, &lim);
	struct rpctest_client *c;
	uint8_t *big = talloc_zero_size(mem, 20000);

	(void)state;
	c = bound_client(mem, ts, &rpctest_iface_main, &alice6);
	assert_int_equal(call_fault(c, 0, RPCTEST_OP_ECHO, big, 20000),
	                 RPC_FAULT_NCA_S_PROTO_ERROR);
	/* The rest of the refused call is skipped; the next call works. */
	echo_works(c, 0);
	rpctest_close(c);
	rpctest_server_stop(ts);
	talloc_free(mem);
}

static void test_request_before_bind(void **state)
{
	struct rpctest_server *ts = *state;
	void *mem = talloc_new(NULL);
	struct rpctest_client *c = connect_tcp(mem, ts);
	struct rpc_pdu pdu;
	struct rpctest_reply r;
	uint8_t *b;
	size_t n;

	rpc_pdu_init(&pdu, RPC_PTYPE_REQUEST, 1);
	assert_int_equal(rpc_pdu_build(mem, &pdu, &b, &n), RPC_PDU_OK);
	assert_int_equal(rpctest_send(c, b, n), 0);
	assert_int_equal(rpctest_recv_reply(c, 0, mem, &r), 0);
	assert_int_equal(r.status, RPC_FAULT_NCA_S_PROTO_ERROR);
	assert_true(rpctest_wait_closed(c, 2000));
	talloc_free(mem);
}

/* ---- limits and timeouts ---- */

static void test_idle_and_slow_client_timeouts(void **state)
{
	void *mem = talloc_new(NULL);
	struct rpc_server_limits lim = { .idle_timeout_ms = 200,
		                         .slow_client_timeout_ms = 200 };
	struct rpctest_server *ts = rpctest_server_start(NULL, &lim);
	struct rpctest_client *idle, *slow, *busy;
	struct rpc_server_stats st;
	uint8_t half[10] = { 5, 0, RPC_PTYPE_BIND, 3, 0x10 };
	uint64_t t0;

	(void)state;
	idle = bound_client(mem, ts, &rpctest_iface_main, NULL);
	slow = connect_tcp(mem, ts);
	busy = bound_client(mem, ts, &rpctest_iface_main, NULL);
	assert_int_equal(rpctest_send(slow, half, sizeof(half)), 0);
	t0 = now_ms();
	/* A client calling every 50 ms is never idle. */
	while (now_ms() - t0 < 600) {
		echo_works(busy, 0);
		usleep(50 * 1000);
	}
	assert_true(rpctest_wait_closed(idle, 10));
	assert_true(rpctest_wait_closed(slow, 10));
	echo_works(busy, 0);
	rpctest_server_stats(ts, &st);
	assert_int_equal(st.timeouts, 2);
	rpctest_server_stop(ts);
	talloc_free(mem);
}

static void test_connection_limits(void **state)
{
	void *mem = talloc_new(NULL);
	struct rpc_server_limits lim = { .max_conn_per_peer = 3,
		                         .max_connections = 5 };
	struct rpctest_server *ts = rpctest_server_start(NULL, &lim);
	struct rpctest_client *c[4], *u[3];
	struct rpc_server_stats st;

	(void)state;
	for (int i = 0; i < 4; i++) {
		c[i] = connect_tcp(mem, ts);
	}
	assert_true(rpctest_wait_closed(c[3], 2000));
	for (int i = 0; i < 3; i++) {
		assert_int_equal(rpctest_bind(c[i], 0,
		                              &rpctest_iface_main.syntax, NULL,
		                              NULL),
		                 0);
	}
	/* Unix sockets count towards max_connections only. */
	u[0] = rpctest_connect_unix(mem, ts->sock);
	u[1] = rpctest_connect_unix(mem, ts->sock);
	u[2] = rpctest_connect_unix(mem, ts->sock);
	assert_true(rpctest_wait_closed(u[2], 2000));
	assert_int_equal(
	        rpctest_bind(u[1], 0, &rpctest_iface_main.syntax, NULL, NULL),
	        0);
	echo_works(u[1], 0);
	/* Closing one makes room. */
	rpctest_close(c[0]);
	usleep(100 * 1000);
	c[3] = connect_tcp(mem, ts);
	assert_int_equal(
	        rpctest_bind(c[3], 0, &rpctest_iface_main.syntax, NULL, NULL),
	        0);
	echo_works(c[3], 0);
	rpctest_server_stats(ts, &st);
	assert_int_equal(st.conns_refused, 2);
	rpctest_server_stop(ts);
	talloc_free(mem);
}

static void test_unix_socket_identity(void **state)
{
	struct rpctest_server *ts = *state;
	void *mem = talloc_new(NULL);
	struct rpctest_client *c = rpctest_connect_unix(mem, ts->sock);
	struct rpctest_bind_result res;
	struct rpctest_reply r;
	char want[64];

	assert_non_null(c);
	/* No NTLM: the peer's uid, counted as PktPrivacy. */
	assert_int_equal(
	        rpctest_bind(c, 0, &rpctest_iface_secure.syntax, NULL, &res),
	        0);
	assert_string_equal(res.sec_addr, ts->sock);
	call_ok(c, 0, RPCTEST_OP_WHOAMI, NULL, 0, mem, &r);
	snprintf(want, sizeof(want), "uid=%u gid=%u pid=%d", (unsigned)getuid(),
	         (unsigned)getgid(), (int)getpid());
	assert_non_null(strstr((char *)r.stub, want));
	assert_non_null(strstr((char *)r.stub, "auth=1 type=0 level=6 unix=1"));
	assert_non_null(strstr((char *)r.stub, "peer=unix"));
	big_calls(c, 0, false);
	/* NTLM over the Unix socket: the NTLM user, still level 6. */
	assert_int_equal(
	        rpctest_bind(c, 1, &rpctest_iface_secure.syntax, &alice5, NULL),
	        0);
	call_ok(c, 1, RPCTEST_OP_WHOAMI, NULL, 0, mem, &r);
	assert_non_null(strstr((char *)r.stub, "user=alice"));
	assert_non_null(strstr((char *)r.stub, "level=6 unix=1"));
	talloc_free(mem);
}

static void test_many_idle_connections_and_a_working_client(void **state)
{
	struct rpc_server_limits lim = { .max_conn_per_peer = 2000 };
	struct rpctest_server *ts = rpctest_server_start(NULL, &lim);
	void *mem = talloc_new(NULL);
	enum { N = 1000 };
	struct rpctest_client **idle = talloc_array(mem,
	                                            struct rpctest_client *, N);
	struct rpctest_client *c;
	struct rpc_server_stats st;

	for (int i = 0; i < N; i++) {
		idle[i] = connect_tcp(mem, ts);
		if (i % 2 == 0) {
			assert_int_equal(
			        rpctest_bind(idle[i], 0,
			                     &rpctest_iface_main.syntax, NULL,
			                     NULL),
			        0);
		}
	}
	c = bound_client(mem, ts, &rpctest_iface_main, &alice6);
	for (int i = 0; i < 20; i++) {
		echo_works(c, 0);
	}
	rpctest_server_stats(ts, &st);
	assert_int_equal(st.conns_open, N + 1);
	echo_works(idle[N - 2], 0);
	talloc_free(mem);
	rpctest_server_stop(ts);
	(void)state;
}

int main(void)
{
	const struct CMUnitTest tests[] = {
#define T(name) cmocka_unit_test_setup_teardown(name, setup, teardown)
		T(test_anonymous_bind_and_calls),
		T(test_handler_fault_status_is_sent),
		T(test_unknown_opnum_is_op_rng_error),
		T(test_unknown_context_is_unk_if),
		T(test_unknown_interface_provider_rejection),
		T(test_ndr64_only_is_refused),
		T(test_bind_time_feature_negotiation_answered),
		T(test_ntlm_integrity_calls),
		T(test_ntlm_privacy_calls),
		T(test_ntlm_third_leg_in_alter_context),
		T(test_ntlm_levels_connect_call_pkt),
		T(test_wrong_password_faults_access_denied),
		T(test_replayed_and_tampered_requests_fault),
		T(test_level_below_interface_minimum_faults),
		T(test_two_contexts_on_one_association),
		T(test_alter_context_adds_interfaces),
		T(test_contexts_past_the_limit_are_recycled),
		T(test_association_groups),
		T(test_object_uuid_reaches_the_handler),
		T(test_slow_call_does_not_stall_others),
		T(test_co_cancel_and_orphaned),
		T(test_garbage_closes_only_that_connection),
		T(test_bad_version_bind_gets_nak),
		T(test_oversized_fragment_is_refused),
		T(test_misfragmented_calls_fault),
		T(test_message_limit),
		T(test_request_before_bind),
		T(test_idle_and_slow_client_timeouts),
		T(test_connection_limits),
		T(test_unix_socket_identity),
		T(test_many_idle_connections_and_a_working_client),
#undef T
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
