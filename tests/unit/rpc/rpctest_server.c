/*
 * rpctest_server: a live rpc_server on its own loop thread for tests and
 * benches.  See rpctest_server.h.
 */
#include "rpctest_server.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/random.h>
#include <talloc.h>
#include <time.h>
#include <unistd.h>

#include "ntlm/crypto.h"
#include "rpc/fault.h"

/* ---- handlers ---- */

static uint32_t get_u32(const uint8_t *p, size_t len)
{
	if (len < 4) {
		return 0;
	}
	return (uint32_t)p[0] | (uint32_t)p[1] << 8 | (uint32_t)p[2] << 16 |
	       (uint32_t)p[3] << 24;
}

static uint32_t op_echo(struct rpc_call *call,
                        const uint8_t *in,
                        size_t len,
                        struct buf *out)
{
	(void)call;
	return hr_failed(buf_add(out, in, len))
	               ? RPC_FAULT_NCA_S_FAULT_REMOTE_NO_MEMORY
	               : 0;
}

static uint32_t op_reverse(struct rpc_call *call,
                           const uint8_t *in,
                           size_t len,
                           struct buf *out)
{
	(void)call;
	if (hr_failed(buf_grow(out, len))) {
		return RPC_FAULT_NCA_S_FAULT_REMOTE_NO_MEMORY;
	}
	for (size_t i = 0; i < len; i++) {
		out->data[i] = (char)in[len - 1 - i];
	}
	out->len = len;
	out->data[len] = '\0';
	return 0;
}

static uint32_t op_sleep(struct rpc_call *call,
                         const uint8_t *in,
                         size_t len,
                         struct buf *out)
{
	uint32_t ms = get_u32(in, len);

	for (uint32_t i = 0; i < ms; i += 5) {
		struct timespec ts = { 0, 5 * 1000 * 1000 };

		if (rpc_call_cancelled(call)) {
			return RPC_FAULT_RPC_S_CALL_CANCELLED;
		}
		nanosleep(&ts, NULL);
	}
	buf_addstr(out, "done");
	return 0;
}

static uint32_t op_fault(struct rpc_call *call,
                         const uint8_t *in,
                         size_t len,
                         struct buf *out)
{
	(void)call;
	(void)out;
	return get_u32(in, len);
}

static uint32_t op_big(struct rpc_call *call,
                       const uint8_t *in,
                       size_t len,
                       struct buf *out)
{
	uint32_t n = get_u32(in, len);

	(void)call;
	if (hr_failed(buf_grow(out, n))) {
		return RPC_FAULT_NCA_S_FAULT_REMOTE_NO_MEMORY;
	}
	for (uint32_t i = 0; i < n; i++) {
		out->data[i] = (char)(i * 7 + 3);
	}
	out->len = n;
	out->data[n] = '\0';
	return 0;
}

static uint32_t op_whoami(struct rpc_call *call,
                          const uint8_t *in,
                          size_t len,
                          struct buf *out)
{
	const struct rpc_identity *id = &call->identity;
	char obj[RPC_UUID_STR_LEN + 1] = "-";

	(void)in;
	(void)len;
	if (call->has_object) {
		rpc_uuid_format(&call->object, obj);
	}
	buf_addf(out,
	         "user=%s domain=%s auth=%d type=%u level=%u unix=%d uid=%u "
	         "gid=%u pid=%d peer=%s local=%s:%u object=%s group=%u",
	         id->user, id->domain, id->authenticated, id->auth_type,
	         id->auth_level, id->from_unix_socket, (unsigned)id->uid,
	         (unsigned)id->gid, (int)id->pid, id->peer_addr,
	         call->local_addr, call->local_port, obj, call->assoc_group);
	return 0;
}

struct async_job {
	struct rpc_call *call;
	const uint8_t *in;
	size_t len;
	struct buf *out;
};

static void *async_thread(void *arg)
{
	struct async_job *j = arg;
	struct timespec ts = { 0, 10 * 1000 * 1000 };

	nanosleep(&ts, NULL);
	buf_add(j->out, j->in, j->len);
	rpc_call_complete(j->call, 0);
	return NULL;
}

static uint32_t op_async(struct rpc_call *call,
                         const uint8_t *in,
                         size_t len,
                         struct buf *out)
{
	struct async_job *j = talloc_zero(call->mem, struct async_job);
	pthread_t th;

	if (j == NULL) {
		return RPC_FAULT_NCA_S_FAULT_REMOTE_NO_MEMORY;
	}
	j->call = call;
	j->in = in;
	j->len = len;
	j->out = out;
	if (pthread_create(&th, NULL, async_thread, j) != 0) {
		return RPC_FAULT_NCA_S_FAULT_REMOTE_NO_MEMORY;
	}
	pthread_detach(th);
	return RPC_CALL_ASYNC;
}

static const struct rpc_op test_ops[RPCTEST_N_OPS] = {
	[RPCTEST_OP_ECHO] = { op_echo, "Echo" },
	[RPCTEST_OP_REVERSE] = { op_reverse, "Reverse" },
	[RPCTEST_OP_SLEEP] = { op_sleep, "Sleep" },
	[RPCTEST_OP_FAULT] = { op_fault, "Fault" },
	[RPCTEST_OP_BIG] = { op_big, "Big" },
	[RPCTEST_OP_WHOAMI] = { op_whoami, "WhoAmI" },
	[RPCTEST_OP_ASYNC] = { op_async, "Async" },
};

#define TEST_UUID(last)                                     \
	{                                                   \
		0x11111111, 0x2222, 0x3333, { 0x44, 0x44 }, \
		{                                           \
			0x55, 0x55, 0x55, 0x55, 0x55, last  \
		}                                           \
	}

const struct rpc_iface rpctest_iface_main = {
	.name = "RpcTest",
	.syntax = { TEST_UUID(0x01), 1, 0 },
	.n_ops = RPCTEST_N_OPS,
	.ops = test_ops,
	.flags = RPC_IFACE_ALLOW_ANONYMOUS,
};

const struct rpc_iface rpctest_iface_inline = {
	.name = "RpcTestInline",
	.syntax = { TEST_UUID(0x02), 1, 0 },
	.n_ops = RPCTEST_N_OPS,
	.ops = test_ops,
	.flags = RPC_IFACE_ALLOW_ANONYMOUS,
	.run_inline = true,
};

const struct rpc_iface rpctest_iface_secure = {
	.name = "RpcTestSecure",
	.syntax = { TEST_UUID(0x03), 1, 0 },
	.n_ops = RPCTEST_N_OPS,
	.ops = test_ops,
	.min_auth_level = RPC_AUTHN_LEVEL_PKT_PRIVACY,
};

const struct rpc_iface rpctest_iface_noanon = {
	.name = "RpcTestNoAnon",
	.syntax = { TEST_UUID(0x04), 1, 0 },
	.n_ops = RPCTEST_N_OPS,
	.ops = test_ops,
};

/* ---- accounts ---- */

static hresult get_nt_hash(void *arg,
                           const char *user,
                           const char *domain,
                           uint8_t nt_hash[16])
{
	(void)arg;
	(void)domain;
	if (strcmp(user, "alice") == 0) {
		return ntlm_nt_hash("Secret#1", nt_hash);
	}
	if (strcmp(user, "bob") == 0) {
		return ntlm_nt_hash("Other#2", nt_hash);
	}
	return HR_HR_ERROR_LOGON_FAILURE;
}

/* ---- the loop thread ---- */

static void *loop_main(void *arg)
{
	struct rpctest_server *ts = arg;

	uv_run(&ts->loop, UV_RUN_DEFAULT);
	return NULL;
}

static void shutdown_done(void *arg)
{
	struct rpctest_server *ts = arg;

	uv_close((uv_handle_t *)&ts->wake, NULL);
}

static void wake_cb(uv_async_t *h)
{
	struct rpctest_server *ts = h->data;

	pthread_mutex_lock(&ts->mu);
	if (ts->fn != NULL) {
		ts->fn(ts, ts->fn_arg);
		ts->fn = NULL;
		ts->fn_done = true;
		pthread_cond_broadcast(&ts->cv);
	}
	if (ts->stopping && !ts->stopped) {
		ts->stopped = true;
		pthread_mutex_unlock(&ts->mu);
		rpc_server_shutdown(ts->srv, shutdown_done, ts);
		return;
	}
	pthread_mutex_unlock(&ts->mu);
}

void rpctest_server_run(struct rpctest_server *ts,
                        void (*fn)(struct rpctest_server *ts, void *arg),
                        void *arg)
{
	pthread_mutex_lock(&ts->mu);
	ts->fn = fn;
	ts->fn_arg = arg;
	ts->fn_done = false;
	uv_async_send(&ts->wake);
	while (!ts->fn_done) {
		pthread_cond_wait(&ts->cv, &ts->mu);
	}
	pthread_mutex_unlock(&ts->mu);
}

static void stats_fn(struct rpctest_server *ts, void *arg)
{
	rpc_server_stats(ts->srv, arg);
}

void rpctest_server_stats(struct rpctest_server *ts,
                          struct rpc_server_stats *out)
{
	rpctest_server_run(ts, stats_fn, out);
}

bool rpctest_server_log_has(struct rpctest_server *ts, const char *needle)
{
	FILE *f = fopen(ts->logpath, "r");
	char line[2048];
	bool found = false;

	if (f == NULL) {
		return false;
	}
	while (!found && fgets(line, sizeof(line), f) != NULL) {
		found = strstr(line, needle) != NULL;
	}
	fclose(f);
	return found;
}

static int server_destructor(struct rpctest_server *ts)
{
	if (ts->sock[0] != '\0') {
		unlink(ts->sock);
	}
	if (ts->logpath[0] != '\0' && getenv("RPCTEST_KEEP_LOG") == NULL) {
		unlink(ts->logpath);
	}
	if (ts->dir[0] != '\0') {
		rmdir(ts->dir);
	}
	return 0;
}

struct rpctest_server *rpctest_server_start(void *mem,
                                            const struct rpc_server_limits *lim)
{
	struct rpctest_server *ts = talloc_zero(mem, struct rpctest_server);
	struct rpc_server_config cfg;
	struct errinfo ei;
	uint8_t r[3];

	if (ts == NULL) {
		return NULL;
	}
	talloc_set_destructor(ts, server_destructor);
	snprintf(ts->dir, sizeof(ts->dir), "/tmp/rpctest-XXXXXX");
	if (mkdtemp(ts->dir) == NULL) {
		ts->dir[0] = '\0';
		talloc_free(ts);
		return NULL;
	}
	snprintf(ts->sock, sizeof(ts->sock), "%s/rpc.sock", ts->dir);
	snprintf(ts->logpath, sizeof(ts->logpath), "%s/rpc.log", ts->dir);
	ts->log = log_open(ts, ts->logpath, LOG_LVL_DEBUG, false);
	if (getrandom(r, sizeof(r), 0) != sizeof(r)) {
		memset(r, 7, sizeof(r));
	}
	snprintf(ts->addr, sizeof(ts->addr), "127.%u.%u.%u", 1 + r[0] % 254,
	         1 + r[1] % 254, 1 + r[2] % 254);
	memset(&cfg, 0, sizeof(cfg));
	if (lim != NULL) {
		cfg.limits = *lim;
	}
	cfg.auth.nb_computer = "TESTSRV";
	cfg.auth.nb_domain = "WORKGROUP";
	cfg.auth.dns_computer = "testsrv.local";
	cfg.auth.dns_domain = "local";
	cfg.auth.get_nt_hash = get_nt_hash;
	cfg.log = ts->log;
	pthread_mutex_init(&ts->mu, NULL);
	pthread_cond_init(&ts->cv, NULL);
	uv_loop_init(&ts->loop);
	uv_async_init(&ts->loop, &ts->wake, wake_cb);
	ts->wake.data = ts;
	ts->srv = rpc_server_new(ts, &ts->loop, &cfg);
	err_clear(&ei);
	if (ts->srv == NULL ||
	    hr_failed(rpc_server_register_iface(ts->srv, &rpctest_iface_main,
	                                        ts)) ||
	    hr_failed(rpc_server_register_iface(ts->srv, &rpctest_iface_inline,
	                                        ts)) ||
	    hr_failed(rpc_server_register_iface(ts->srv, &rpctest_iface_secure,
	                                        ts)) ||
	    hr_failed(rpc_server_register_iface(ts->srv, &rpctest_iface_noanon,
	                                        ts)) ||
	    hr_failed(rpc_server_listen_tcp(ts->srv, ts->addr, 0, &ts->port,
	                                    NULL, &ei)) ||
	    hr_failed(rpc_server_listen_unix(ts->srv, ts->sock, NULL, &ei))) {
		fprintf(stderr, "rpctest_server_start: %s\n", ei.msg);
		abort();
	}
	if (pthread_create(&ts->thread, NULL, loop_main, ts) != 0) {
		abort();
	}
	return ts;
}

void rpctest_server_stop(struct rpctest_server *ts)
{
	if (ts == NULL) {
		return;
	}
	pthread_mutex_lock(&ts->mu);
	ts->stopping = true;
	pthread_mutex_unlock(&ts->mu);
	uv_async_send(&ts->wake);
	pthread_join(ts->thread, NULL);
	talloc_free(ts->srv);
	ts->srv = NULL;
	uv_loop_close(&ts->loop);
	pthread_cond_destroy(&ts->cv);
	pthread_mutex_destroy(&ts->mu);
	talloc_free(ts);
}
