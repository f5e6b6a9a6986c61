/*
 * fault: names of fault statuses and the client-side mapping to hresult
 * (rpc layer).  Values: C706 appendix E and MS-RPCE.
 */
#include "rpc/fault.h"

#include <stddef.h>

struct fault_row {
	uint32_t value;
	const char *name;
};

#define RPC_FAULT_ROW(n, v, text) { v, text },
static const struct fault_row fault_rows[] = { RPC_FAULT_TABLE(RPC_FAULT_ROW) };
#undef RPC_FAULT_ROW

const char *rpc_fault_name(uint32_t status)
{
	for (size_t i = 0; i < sizeof(fault_rows) / sizeof(fault_rows[0]);
	     i++) {
		if (fault_rows[i].value == status) {
			return fault_rows[i].name;
		}
	}
	return NULL;
}

hresult rpc_fault_to_hresult(uint32_t status)
{
	if (status == 0) {
		return HR_OK;
	}
	if ((status & 0x80000000u) != 0) {
		return HR(status);
	}
	if (status <= 0xffffu) {
		return HR(0x80070000u | status);
	}
	return HR_RPC_S_CALL_FAILED;
}
