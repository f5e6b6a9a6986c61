/*
 * The rpc client (rpc/client.h) on its own terms, against the live test
 * server (rpctest_server: random 127.x.y.z, a Unix socket, accounts alice
 * / Secret#1): the hresult of every failure class (refused, unknown
 * host, receive timeout, refused contexts, wrong password),
 * faults as statuses, multi-context binds with a refused member,
 * fragmentation both ways at privacy with verified responses, shared
 * security contexts, and a client over a socketpair.
 */
#include <errno.h>
#include <setjmp.h>
#include <signal.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>
#include <sys/socket.h>
#include <talloc.h>
#include <unistd.h>

#include <cmocka.h>

#include "rpc/client.h"
#include "rpc/fault.h"
#include "rpctest_server.h"

static const struct rpc_client_auth alice6 = {
	.user = "alice",
	.domain = "WORKGROUP",
	.password = "Secret#1",
	.level = RPC_AUTHN_LEVEL_PKT_PRIVACY,
};

static struct rpc_client *connect_ts(void *mem, struct rpctest_server *ts)
{
	struct rpc_client *c = NULL;
	struct errinfo ei;

	err_clear(&ei);
	if (hr_failed(rpc_client_connect_tcp(mem, ts->addr, ts->port, 2000, &c,
	                                     &ei))) {
		fail_msg("connect: %s", ei.msg);
	}
	return c;
}

static int setup(void **state)
{
	struct rpctest_server *ts = rpctest_server_start(NULL, NULL);

	*state = ts;
	return ts == NULL ? -1 : 0;
}

static int teardown(void **state)
{
	rpctest_server_stop(*state);
	return 0;
}

static void test_connect_failures(void **state)
{
	struct rpctest_server *ts = *state;
	void *mem = talloc_new(NULL);
	struct rpc_client *c = NULL;
	struct errinfo ei;

	err_clear(&ei);
	assert_true(
	        hr_eq(rpc_client_connect_tcp(mem, ts->addr, 1, 1000, &c, &ei),
	              HR_RPC_S_SERVER_UNAVAILABLE));
	assert_non_null(strstr(ei.msg, "refused"));
	assert_true(hr_eq(rpc_client_connect_tcp(mem, "no-such-host.invalid",
	                                         135, 1000, &c, NULL),
	                  HR_RPC_S_SERVER_UNAVAILABLE));
	assert_true(hr_eq(rpc_client_connect_unix(mem, "/nonexistent/sock",
	                                          1000, &c, NULL),
	                  HR_RPC_S_SERVER_UNAVAILABLE));
	assert_null(c);
	talloc_free(mem);
}

static void test_receive_timeout_and_fault(void **state)
{
	struct rpctest_server *ts = *state;
	void *mem = talloc_new(NULL);
	struct rpc_client *c = connect_ts(mem, ts);
	struct rpc_client_reply r;
	uint8_t ms[4] = { 0xd0, 0x07, 0, 0 }; /* 2000 ms */
	uint8_t st[4] = { 0x05, 0, 0, 0 };
	struct errinfo ei;

	assert_true(hr_ok(rpc_client_bind(c, 0, &rpctest_iface_main.syntax, 1,
	                                  &alice6, NULL, NULL)));
	/* A fault is an answer: S_OK, the status, and its hresult. */
	assert_true(hr_ok(rpc_client_call(c, 0, RPCTEST_OP_FAULT, NULL, st, 4,
	                                  mem, &r, NULL)));
	assert_int_equal(r.ptype, RPC_PTYPE_FAULT);
	assert_int_equal(r.status, 5);
	assert_true(hr_eq(rpc_fault_to_hresult(r.status), HR_E_ACCESSDENIED));
	/* The receive timeout. */
	rpc_client_set_timeout(c, 200);
	err_clear(&ei);
	assert_true(hr_eq(rpc_client_call(c, 0, RPCTEST_OP_SLEEP, NULL, ms, 4,
	                                  mem, &r, &ei),
	                  HR_RPC_S_CALL_FAILED));
	assert_non_null(strstr(ei.msg, "timeout"));
	rpc_client_close(c);
	talloc_free(mem);
}

static void test_refused_contexts(void **state)
{
	struct rpctest_server *ts = *state;
	void *mem = talloc_new(NULL);
	struct rpc_client *c = connect_ts(mem, ts);
	struct rpc_syntax_id unknown = rpctest_iface_main.syntax;
	struct rpc_syntax_id three[3];
	struct rpc_client_bind_result res;
	struct rpc_client_reply r;

	unknown.ver_major = 77;
	/* A bind whose only context is refused. */
	assert_true(hr_eq(rpc_client_bind(c, 0, &unknown, 1, NULL, &res, NULL),
	                  HR_RPC_S_SERVER_UNAVAILABLE));
	assert_true(res.refused);
	assert_int_equal(res.result, RPC_RESULT_PROVIDER_REJECTION);
	assert_false(rpc_client_has_context(c, 0));
	/* Three contexts, the middle one refused: the others are usable. */
	three[0] = rpctest_iface_main.syntax;
	three[1] = unknown;
	three[2] = rpctest_iface_inline.syntax;
	assert_true(
	        hr_ok(rpc_client_bind(c, 1, three, 3, &alice6, &res, NULL)));
	assert_int_equal(res.n_results, 3);
	assert_true(rpc_client_has_context(c, 1));
	assert_false(rpc_client_has_context(c, 2));
	assert_true(rpc_client_has_context(c, 3));
	assert_true(hr_ok(rpc_client_call(c, 3, RPCTEST_OP_ECHO, NULL,
	                                  (const uint8_t *)"hi", 2, mem, &r,
	                                  NULL)));
	assert_int_equal(r.ptype, RPC_PTYPE_RESPONSE);
	assert_true(r.verified);
	assert_memory_equal(r.stub, "hi", 2);
	rpc_client_close(c);
	talloc_free(mem);
}

static void test_wrong_password(void **state)
{
	struct rpctest_server *ts = *state;
	void *mem = talloc_new(NULL);
	struct rpc_client *c = connect_ts(mem, ts);
	struct rpc_client_auth bad = alice6;
	struct rpc_client_reply r;

	bad.password = "nope";
	/* The handshake completes (AUTH3 has no answer); the first call is
	   refused with access denied. */
	assert_true(hr_ok(rpc_client_bind(c, 0, &rpctest_iface_main.syntax, 1,
	                                  &bad, NULL, NULL)));
	assert_true(
	        hr_ok(rpc_client_call(c, 0, RPCTEST_OP_ECHO, NULL,
	                              (const uint8_t *)"x", 1, mem, &r, NULL)));
	assert_int_equal(r.ptype, RPC_PTYPE_FAULT);
	assert_true(hr_eq(rpc_fault_to_hresult(r.status), HR_E_ACCESSDENIED));
	rpc_client_close(c);
	talloc_free(mem);
}

static void test_fragments_both_ways_sealed(void **state)
{
	struct rpctest_server *ts = *state;
	void *mem = talloc_new(NULL);
	struct rpc_client *c = connect_ts(mem, ts);
	struct rpc_client_auth shared = alice6;
	struct rpc_client_reply r;
	uint8_t *big = talloc_size(mem, 100000);
	uint8_t n[4] = { 0xa0, 0x86, 0x01, 0 }; /* 100000 */

	for (size_t i = 0; i < 100000; i++) {
		big[i] = (uint8_t)(i * 13 + 1);
	}
	assert_true(hr_ok(rpc_client_bind(c, 0, &rpctest_iface_main.syntax, 1,
	                                  &alice6, NULL, NULL)));
	assert_true(hr_ok(rpc_client_call(c, 0, RPCTEST_OP_ECHO, NULL, big,
	                                  100000, mem, &r, NULL)));
	assert_int_equal(r.ptype, RPC_PTYPE_RESPONSE);
	assert_int_equal(r.stub_len, 100000);
	assert_memory_equal(r.stub, big, 100000);
	assert_true(r.n_frags > 20);
	assert_true(r.verified);
	assert_true(hr_ok(rpc_client_call(c, 0, RPCTEST_OP_BIG, NULL, n, 4, mem,
	                                  &r, NULL)));
	assert_int_equal(r.stub_len, 100000);
	assert_int_equal(r.stub[99999], (uint8_t)(99999 * 7 + 3));
	/* A second context sharing the first's security context. */
	shared.share = true;
	shared.share_with = 0;
	assert_true(hr_ok(rpc_client_bind(c, 1, &rpctest_iface_inline.syntax, 1,
	                                  &shared, NULL, NULL)));
	assert_true(hr_ok(rpc_client_call(c, 1, RPCTEST_OP_REVERSE, NULL,
	                                  (const uint8_t *)"abc", 3, mem, &r,
	                                  NULL)));
	assert_memory_equal(r.stub, "cba", 3);
	assert_true(r.verified);
	rpc_client_close(c);
	talloc_free(mem);
}

static void test_socketpair_peer_closes(void **state)
{
	void *mem = talloc_new(NULL);
	struct rpc_client *c = NULL;
	struct rpc_client_reply r;
	int sv[2];

	(void)state;
	assert_int_equal(socketpair(AF_UNIX, SOCK_STREAM, 0, sv), 0);
	assert_true(hr_ok(rpc_client_from_fd(mem, sv[0], 500, &c, NULL)));
	close(sv[1]);
	/* The peer is gone: a bind fails as a broken call, not a crash. */
	assert_true(hr_eq(rpc_client_bind(c, 0, &rpctest_iface_main.syntax, 1,
	                                  NULL, NULL, NULL),
	                  HR_RPC_S_CALL_FAILED));
	assert_true(hr_failed(
	        rpc_client_call(c, 0, 0, NULL, NULL, 0, mem, &r, NULL)));
	rpc_client_close(c);
	talloc_free(mem);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_connect_failures),
		cmocka_unit_test(test_receive_timeout_and_fault),
		cmocka_unit_test(test_refused_contexts),
		cmocka_unit_test(test_wrong_password),
		cmocka_unit_test(test_fragments_both_ways_sealed),
		cmocka_unit_test(test_socketpair_peer_closes),
	};

	signal(SIGPIPE, SIG_IGN);
	return cmocka_run_group_tests(tests, setup, teardown);
}
