/*
 * bench_rpc: the DCE/RPC server runtime over loopback (targets from the
 * runtime's issue):
 *   - small calls at PktPrivacy on one connection   (> 20,000 calls/s)
 *   - the same across 100 connections
 *   - sealed bulk responses on one connection       (> 300 MB/s)
 *   - memory per idle connection, RSS over 1,000    (< 16 KB)
 * The server runs on its own loop thread in this process (rpctest_server);
 * the clients are blocking sockets on other threads, so client-side
 * sealing shares the machine's cores with the server.
 */
#include <arpa/inet.h>
#include <netinet/in.h>
#include <pthread.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <talloc.h>
#include <time.h>
#include <unistd.h>

#include "rpc/fault.h"
#include "rpctest_client.h"
#include "rpctest_server.h"

static const struct rpctest_auth alice6 = { "alice", "WORKGROUP", "Secret#1",
	                                    RPC_AUTHN_LEVEL_PKT_PRIVACY };

static double now_s(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

static long rss_kb(void)
{
	FILE *f = fopen("/proc/self/status", "r");
	char line[256];
	long kb = -1;

	if (f == NULL) {
		return -1;
	}
	while (fgets(line, sizeof(line), f) != NULL) {
		if (strncmp(line, "VmRSS:", 6) == 0) {
			kb = strtol(line + 6, NULL, 10);
		}
	}
	fclose(f);
	return kb;
}

static struct rpctest_client *client(struct rpctest_server *ts,
                                     const struct rpc_iface *iface)
{
	struct rpctest_client *c = rpctest_connect_tcp(NULL, ts->addr,
	                                               ts->port);

	if (c == NULL ||
	    rpctest_bind(c, 0, &iface->syntax, &alice6, NULL) != 0) {
		fprintf(stderr, "bench_rpc: bind failed\n");
		exit(1);
	}
	return c;
}

/* Small echo calls for [secs]; returns the number done. */
static uint64_t small_calls(struct rpctest_client *c, double secs)
{
	uint8_t in[64];
	double end = now_s() + secs;
	uint64_t n = 0;

	memset(in, 0x5a, sizeof(in));
	while ((n & 63) != 0 || now_s() < end) {
		void *tmp = talloc_new(NULL);
		struct rpctest_reply r;

		if (rpctest_call(c, 0, RPCTEST_OP_ECHO, NULL, in, sizeof(in),
		                 tmp, &r) != 0 ||
		    r.ptype != RPC_PTYPE_RESPONSE || r.stub_len != sizeof(in)) {
			fprintf(stderr, "bench_rpc: call failed: %s\n",
			        rpctest_last_error(c));
			exit(1);
		}
		talloc_free(tmp);
		n++;
	}
	return n;
}

static void bench_one_connection(struct rpctest_server *ts,
                                 const struct rpc_iface *iface,
                                 const char *what)
{
	struct rpctest_client *c = client(ts, iface);
	double t0 = now_s();
	uint64_t n = small_calls(c, 2.0);
	double dt = now_s() - t0;

	printf("small calls, PktPrivacy, 1 connection, %-22s %9.0f calls/s "
	       "(target > 20000)\n",
	       what, (double)n / dt);
	rpctest_close(c);
}

struct worker {
	struct rpctest_server *ts;
	const struct rpc_iface *iface;
	uint64_t n;
};

static void *conn_thread(void *arg)
{
	struct worker *w = arg;
	struct rpctest_client *c = client(w->ts, w->iface);

	w->n = small_calls(c, 2.0);
	rpctest_close(c);
	return NULL;
}

static void bench_many_connections(struct rpctest_server *ts,
                                   const struct rpc_iface *iface,
                                   const char *what)
{
	enum { N = 100 };
	pthread_t th[N];
	struct worker w[N];
	uint64_t total = 0;
	double t0 = now_s(), dt;

	for (int i = 0; i < N; i++) {
		w[i].ts = ts;
		w[i].iface = iface;
		w[i].n = 0;
		pthread_create(&th[i], NULL, conn_thread, &w[i]);
	}
	for (int i = 0; i < N; i++) {
		pthread_join(th[i], NULL);
		total += w[i].n;
	}
	dt = now_s() - t0;
	printf("small calls, PktPrivacy, 100 connections, %-18s %9.0f "
	       "calls/s\n",
	       what, (double)total / dt);
}

static void bench_bulk(struct rpctest_server *ts)
{
	struct rpctest_client *c = client(ts, &rpctest_iface_main);
	uint32_t size = 4u << 20;
	uint8_t req[4] = { (uint8_t)size, (uint8_t)(size >> 8),
		           (uint8_t)(size >> 16), (uint8_t)(size >> 24) };
	double t0 = now_s(), dt;
	uint64_t bytes = 0;
	clockid_t cid;
	struct timespec c0, c1;
	double cpu;

	pthread_getcpuclockid(ts->thread, &cid);
	clock_gettime(cid, &c0);
	while (now_s() - t0 < 3.0) {
		void *tmp = talloc_new(NULL);
		struct rpctest_reply r;

		if (rpctest_call(c, 0, RPCTEST_OP_BIG, NULL, req, 4, tmp, &r) !=
		            0 ||
		    r.stub_len != size) {
			fprintf(stderr, "bench_rpc: bulk call failed\n");
			exit(1);
		}
		bytes += size;
		talloc_free(tmp);
	}
	dt = now_s() - t0;
	clock_gettime(cid, &c1);
	cpu = (double)(c1.tv_sec - c0.tv_sec) +
	      (double)(c1.tv_nsec - c0.tv_nsec) / 1e9;
	printf("sealed bulk responses (4 MiB), end to end, 2 sides       "
	       "%9.1f MB/s\n",
	       (double)bytes / dt / 1e6);
	printf("sealed bulk responses, per CPU-second of the loop thread "
	       "%9.1f MB/s (target > 300)\n",
	       (double)bytes / cpu / 1e6);
	rpctest_close(c);
}

/* A raw anonymous bind, so the client side costs only a socket. */
static int idle_conn(struct rpctest_server *ts)
{
	struct sockaddr_in sin;
	int fd = socket(AF_INET, SOCK_STREAM, 0);
	struct rpc_pdu pdu;
	struct rpc_ctx_elem e;
	struct rpc_syntax_id ndr = rpc_syntax_ndr20;
	uint8_t *b, ack[256];
	size_t n;
	void *tmp = talloc_new(NULL);

	memset(&sin, 0, sizeof(sin));
	sin.sin_family = AF_INET;
	sin.sin_port = htons(ts->port);
	inet_pton(AF_INET, ts->addr, &sin.sin_addr);
	if (fd < 0 || connect(fd, (struct sockaddr *)&sin, sizeof(sin)) != 0) {
		fprintf(stderr, "bench_rpc: connect failed\n");
		exit(1);
	}
	rpc_pdu_init(&pdu, RPC_PTYPE_BIND, 1);
	pdu.u.bind.max_xmit_frag = 4280;
	pdu.u.bind.max_recv_frag = 4280;
	pdu.u.bind.n_ctx = 1;
	memset(&e, 0, sizeof(e));
	e.n_transfer_syn = 1;
	e.abstract_syntax = rpctest_iface_main.syntax;
	e.transfer_syntaxes = &ndr;
	pdu.u.bind.ctx = &e;
	if (rpc_pdu_build(tmp, &pdu, &b, &n) != RPC_PDU_OK ||
	    send(fd, b, n, 0) != (ssize_t)n ||
	    recv(fd, ack, sizeof(ack), 0) <= 0) {
		fprintf(stderr, "bench_rpc: bind failed\n");
		exit(1);
	}
	talloc_free(tmp);
	return fd;
}

static void bench_idle_memory(struct rpctest_server *ts)
{
	enum { N = 1000 };
	int fds[N];
	long before, after;
	struct rpc_server_stats st;

	/* Warm up: the first connections allocate loop structures. */
	for (int i = 0; i < 20; i++) {
		fds[i] = idle_conn(ts);
	}
	for (int i = 0; i < 20; i++) {
		close(fds[i]);
	}
	usleep(200 * 1000);
	before = rss_kb();
	for (int i = 0; i < N; i++) {
		fds[i] = idle_conn(ts);
	}
	usleep(200 * 1000);
	rpctest_server_stats(ts, &st);
	after = rss_kb();
	printf("memory per idle bound connection (RSS over %d, %llu open)  "
	       "%9.1f KB (target < 16)\n",
	       N, (unsigned long long)st.conns_open,
	       (double)(after - before) / N);
	for (int i = 0; i < N; i++) {
		close(fds[i]);
	}
}

static bool want(int argc, char **argv, const char *part)
{
	if (argc < 2) {
		return true;
	}
	for (int i = 1; i < argc; i++) {
		if (strcmp(argv[i], part) == 0) {
			return true;
		}
	}
	return false;
}

/* Arguments select parts: one, many, bulk, idle (default: all). */
int main(int argc, char **argv)
{
	struct rpc_server_limits lim = { .max_conn_per_peer = 5000,
		                         .n_workers = 4 };
	struct rpctest_server *ts = rpctest_server_start(NULL, &lim);

	if (ts == NULL) {
		return 1;
	}
	/* First, so that freed memory of the other parts cannot hide it. */
	if (want(argc, argv, "idle")) {
		bench_idle_memory(ts);
	}
	if (want(argc, argv, "one")) {
		bench_one_connection(ts, &rpctest_iface_inline,
		                     "inline handler");
		bench_one_connection(ts, &rpctest_iface_main, "worker pool");
	}
	if (want(argc, argv, "many")) {
		bench_many_connections(ts, &rpctest_iface_inline, "inline");
		bench_many_connections(ts, &rpctest_iface_main, "worker pool");
	}
	if (want(argc, argv, "bulk")) {
		bench_bulk(ts);
	}
	rpctest_server_stop(ts);
	return 0;
}
