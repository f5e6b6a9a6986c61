/*
 * rpctest_server: a live rpc_server on its own loop thread, with test
 * interfaces, for the runtime's tests and benchmark (tests only).
 *
 * The server listens on a random 127.x.y.z address (port from the
 * dynamic range) and on a Unix socket in a private temporary folder, and
 * logs at debug level to a file there.  Accounts: alice / Secret#1 and
 * bob / Other#2 (any domain).
 *
 * Test interfaces (opnums of RPCTEST_OP_*):
 *   rpctest_iface_main    anonymous allowed, calls on the worker pool
 *   rpctest_iface_inline  the same handlers, run_inline
 *   rpctest_iface_secure  min_auth_level PKT_PRIVACY
 *   rpctest_iface_noanon  any level, but not anonymous
 */
#ifndef OWMI_TESTS_RPCTEST_SERVER_H
#define OWMI_TESTS_RPCTEST_SERVER_H

#include <pthread.h>
#include <stdbool.h>
#include <stdint.h>

#include "rpc/server.h"

enum rpctest_op {
	RPCTEST_OP_ECHO = 0,    /* returns the stub */
	RPCTEST_OP_REVERSE = 1, /* returns the stub reversed */
	RPCTEST_OP_SLEEP = 2,   /* u32 ms: sleeps, returns "done" */
	RPCTEST_OP_FAULT = 3,   /* u32 status: returns it as a fault */
	RPCTEST_OP_BIG = 4,     /* u32 n: returns n octets (i * 7 + 3) */
	RPCTEST_OP_WHOAMI = 5,  /* returns the identity as text */
	RPCTEST_OP_ASYNC = 6,   /* completes from another thread: echo */
	/* 7 has no handler: nca_s_op_rng_error, as 8 (= n_ops). */
	RPCTEST_N_OPS = 8,
};

extern const struct rpc_iface rpctest_iface_main;
extern const struct rpc_iface rpctest_iface_inline;
extern const struct rpc_iface rpctest_iface_secure;
extern const struct rpc_iface rpctest_iface_noanon;

struct rpctest_server {
	uv_loop_t loop;
	struct rpc_server *srv;
	struct logger *log;
	char addr[32];
	uint16_t port;
	char dir[256];
	char sock[300];
	char logpath[300];
	/* private */
	pthread_t thread;
	uv_async_t wake;
	pthread_mutex_t mu;
	pthread_cond_t cv;
	void (*fn)(struct rpctest_server *ts, void *arg);
	void *fn_arg;
	bool fn_done;
	bool stopping;
	bool stopped;
};

/*
 * Starts a server with [lim] (NULL for defaults; nb names "TESTSRV" /
 * "WORKGROUP"), registers the four interfaces, listens, and runs the loop
 * on a new thread.  NULL on failure (message on stderr).
 */
struct rpctest_server *rpctest_server_start(
        void *mem,
        const struct rpc_server_limits *lim);

/* Runs [fn] on the loop thread and waits for it. */
void rpctest_server_run(struct rpctest_server *ts,
                        void (*fn)(struct rpctest_server *ts, void *arg),
                        void *arg);

/* Copies the server's counters (runs on the loop thread). */
void rpctest_server_stats(struct rpctest_server *ts,
                          struct rpc_server_stats *out);

/* True when the log file contains [needle]. */
bool rpctest_server_log_has(struct rpctest_server *ts, const char *needle);

/* Shuts the server down, joins the thread, frees it, removes the folder. */
void rpctest_server_stop(struct rpctest_server *ts);

#endif
