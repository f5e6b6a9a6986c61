/*
 * wmid_test: wmid plus a test-only interface (tests only; never
 * installed).  It runs the same service core as wmid (daemon/daemon.h)
 * with a setup hook that serves the interface below on the object
 * exporter port and the Unix socket and announces it in the endpoint map.
 *
 * Interface WMIDTEST_UUID v1.0, minimum authentication level from the
 * config (integrity by default), no anonymous callers:
 *   opnum 0  Echo     returns the request stub unchanged
 *   opnum 1  WhoAmI   returns the caller's user name (UTF-8, no NUL)
 *   opnum 2  Sleep    u32 milliseconds (at most 10000): sleeps on the
 *                     worker pool, then returns "done" (for in-flight
 *                     calls during a stop)
 */
#include <stdint.h>
#include <string.h>
#include <time.h>

#include "daemon/daemon.h"
#include "rpc/fault.h"

/* 7a1f0c3e-5b2d-4c8e-9f60-0123456789ab */
#define WMIDTEST_UUID                                       \
	{                                                   \
		0x7a1f0c3e, 0x5b2d, 0x4c8e, { 0x9f, 0x60 }, \
		{                                           \
			0x01, 0x23, 0x45, 0x67, 0x89, 0xab  \
		}                                           \
	}

static uint32_t op_echo(struct rpc_call *call,
                        const uint8_t *stub,
                        size_t len,
                        struct buf *out)
{
	(void)call;
	return hr_failed(buf_add(out, stub, len))
	               ? RPC_FAULT_NCA_S_FAULT_REMOTE_NO_MEMORY
	               : 0;
}

static uint32_t op_whoami(struct rpc_call *call,
                          const uint8_t *stub,
                          size_t len,
                          struct buf *out)
{
	(void)stub;
	(void)len;
	return hr_failed(buf_addstr(out, call->identity.user))
	               ? RPC_FAULT_NCA_S_FAULT_REMOTE_NO_MEMORY
	               : 0;
}

static uint32_t op_sleep(struct rpc_call *call,
                         const uint8_t *stub,
                         size_t len,
                         struct buf *out)
{
	uint32_t ms;
	struct timespec ts;

	(void)call;
	if (len != 4) {
		return RPC_FAULT_RPC_X_BAD_STUB_DATA;
	}
	ms = (uint32_t)stub[0] | (uint32_t)stub[1] << 8 |
	     (uint32_t)stub[2] << 16 | (uint32_t)stub[3] << 24;
	if (ms > 10000) {
		return RPC_FAULT_RPC_X_BAD_STUB_DATA;
	}
	ts.tv_sec = ms / 1000;
	ts.tv_nsec = (long)(ms % 1000) * 1000000L;
	while (nanosleep(&ts, &ts) != 0) {
	}
	return hr_failed(buf_addstr(out, "done"))
	               ? RPC_FAULT_NCA_S_FAULT_REMOTE_NO_MEMORY
	               : 0;
}

static const struct rpc_op test_ops[] = {
	{ op_echo, "Echo" },
	{ op_whoami, "WhoAmI" },
	{ op_sleep, "Sleep" },
};

static const struct rpc_iface test_iface = {
	.name = "WmidTest",
	.syntax = { .uuid = WMIDTEST_UUID, .ver_major = 1, .ver_minor = 0 },
	.n_ops = sizeof(test_ops) / sizeof(test_ops[0]),
	.ops = test_ops,
	.min_auth_level = 0,
	.flags = 0,
	.run_inline = false,
};

static hresult setup(void *arg, struct wmid *d)
{
	(void)arg;
	return wmid_register_iface(d, &test_iface, NULL,
	                           "OpenWMI test interface", WMID_ON_EXPORTER);
}

int main(int argc, char **argv)
{
	const struct wmid_hooks hooks = { .setup = setup, .arg = NULL };

	return wmid_main(argc, argv, &hooks);
}
