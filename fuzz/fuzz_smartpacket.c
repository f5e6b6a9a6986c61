/*
 * fuzz_smartpacket: the client's parser of the smart enumerator's
 * ObjectArray (src/client/packet.c, MS-WMI 2.2.14).  Every object found
 * must lie inside the input and have a known type.
 */
#include <talloc.h>

#include "client/packet.h"
#include "fuzz_common.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	void *mem = talloc_new(NULL);
	struct client_pkt_obj *o = NULL;
	uint32_t n = 0;

	if (hr_ok(client_packet_parse(mem, data, size, 4096, &o, &n, NULL))) {
		for (uint32_t i = 0; i < n; i++) {
			FUZZ_CHECK(o[i].block >= data &&
			           o[i].block + o[i].len <= data + size);
			FUZZ_CHECK(o[i].type >= 1 && o[i].type <= 3);
		}
	}
	talloc_free(mem);
	return 0;
}
