/*
 * fuzz_rpcclient: the rpc client (src/rpc/client.c) reading whatever a
 * hostile server sends: the input is the server's side of the stream (a
 * socketpair, its write end shut after the input), the client binds
 * without authentication and makes one call, then a second call on the
 * same connection (inputs up to 64 KiB, which a socketpair buffers
 * without a reader).  Exercises the PDU reader, the bind answer, fault
 * handling and response reassembly; nothing may crash or leak, and a
 * successful reply must carry at most the octets the input held.
 */
#include <string.h>
#include <sys/socket.h>
#include <talloc.h>
#include <unistd.h>

#include "fuzz_common.h"
#include "rpc/client.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static const struct rpc_syntax_id syn = {
		.uuid = { 0xf309ad18,
		          0xd86a,
		          0x11d0,
		          { 0xa0, 0x75 },
		          { 0x00, 0xc0, 0x4f, 0xb6, 0x88, 0x20 } },
	};
	static const uint8_t stub[40] = { 5, 0, 7 };
	void *mem = talloc_new(NULL);
	struct rpc_client *c = NULL;
	struct rpc_client_reply r;
	int sv[2], big = 1 << 20;

	if (size > 64 * 1024 ||
	    socketpair(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0, sv) != 0) {
		talloc_free(mem);
		return 0;
	}
	setsockopt(sv[1], SOL_SOCKET, SO_SNDBUF, &big, sizeof(big));
	setsockopt(sv[0], SOL_SOCKET, SO_RCVBUF, &big, sizeof(big));
	setsockopt(sv[0], SOL_SOCKET, SO_SNDBUF, &big, sizeof(big));
	setsockopt(sv[1], SOL_SOCKET, SO_RCVBUF, &big, sizeof(big));
	if (size > 0 && write(sv[1], data, size) != (ssize_t)size) {
		close(sv[0]);
		close(sv[1]);
		talloc_free(mem);
		return 0;
	}
	shutdown(sv[1], SHUT_WR);
	FUZZ_CHECK(hr_ok(rpc_client_from_fd(mem, sv[0], 200, &c, NULL)));
	if (hr_ok(rpc_client_bind(c, 0, &syn, 1, NULL, NULL, NULL))) {
		for (int i = 0; i < 2; i++) {
			hresult hr = rpc_client_call(c, 0, 6, NULL, stub,
			                             sizeof(stub), mem, &r,
			                             NULL);

			if (hr_failed(hr)) {
				break;
			}
			FUZZ_CHECK(r.stub_len <= size);
			FUZZ_CHECK(r.ptype == 2 || r.ptype == 3);
		}
	}
	rpc_client_close(c);
	close(sv[1]);
	talloc_free(mem);
	return 0;
}
