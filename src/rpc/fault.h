/*
 * fault: status codes carried in fault PDUs (rpc layer, leaf).
 *
 * The values are those of C706 appendix E (nca_s_*) and the Windows error
 * codes that MS-RPCE servers put in the status field of a fault PDU
 * (MS-RPCE 2.2.2.x and 3.3.x).  They are their own domain (STYLE.md
 * section 4): a fault status is not an hresult and not an ndr_err; the
 * mapping functions below are the only crossings.
 *
 * Names follow what clients print (impacket prints rpc_s_access_denied for
 * 5 and rpc_x_bad_stub_data for 0x6f7), so a log line matches what the user
 * sees on the client.
 */
#ifndef OWMI_RPC_FAULT_H
#define OWMI_RPC_FAULT_H

#include <stdint.h>

#include "base/hresult.h"

/*
 * X-macro: name, value, printed name.  Expanded into RPC_FAULT_<NAME> constants
 * and into the name table of rpc_fault_name().
 */
#define RPC_FAULT_TABLE(X)                                                     \
	X(NCA_S_FAULT_INT_DIV_BY_ZERO, 0x1c000001u,                            \
	  "nca_s_fault_int_div_by_zero")                                       \
	X(NCA_S_FAULT_ADDR_ERROR, 0x1c000002u, "nca_s_fault_addr_error")       \
	X(NCA_S_FAULT_FP_DIV_ZERO, 0x1c000003u, "nca_s_fault_fp_div_zero")     \
	X(NCA_S_FAULT_FP_UNDERFLOW, 0x1c000004u, "nca_s_fault_fp_underflow")   \
	X(NCA_S_FAULT_FP_OVERFLOW, 0x1c000005u, "nca_s_fault_fp_overflow")     \
	X(NCA_S_FAULT_INVALID_TAG, 0x1c000006u, "nca_s_fault_invalid_tag")     \
	X(NCA_S_FAULT_INVALID_BOUND, 0x1c000007u, "nca_s_fault_invalid_bound") \
	X(NCA_S_RPC_VERSION_MISMATCH, 0x1c000008u,                             \
	  "nca_s_rpc_version_mismatch")                                        \
	X(NCA_S_UNSPEC_REJECT, 0x1c000009u, "nca_s_unspec_reject")             \
	X(NCA_S_BAD_ACTID, 0x1c00000au, "nca_s_bad_actid")                     \
	X(NCA_S_WHO_ARE_YOU_FAILED, 0x1c00000bu, "nca_s_who_are_you_failed")   \
	X(NCA_S_MANAGER_NOT_ENTERED, 0x1c00000cu, "nca_s_manager_not_entered") \
	X(NCA_S_FAULT_CANCEL, 0x1c00000du, "nca_s_fault_cancel")               \
	X(NCA_S_FAULT_ILL_INST, 0x1c00000eu, "nca_s_fault_ill_inst")           \
	X(NCA_S_FAULT_FP_ERROR, 0x1c00000fu, "nca_s_fault_fp_error")           \
	X(NCA_S_FAULT_INT_OVERFLOW, 0x1c000010u, "nca_s_fault_int_overflow")   \
	X(NCA_S_FAULT_UNSPEC, 0x1c000012u, "nca_s_fault_unspec")               \
	X(NCA_S_FAULT_REMOTE_COMM_FAILURE, 0x1c000013u,                        \
	  "nca_s_fault_remote_comm_failure")                                   \
	X(NCA_S_FAULT_PIPE_EMPTY, 0x1c000014u, "nca_s_fault_pipe_empty")       \
	X(NCA_S_FAULT_PIPE_CLOSED, 0x1c000015u, "nca_s_fault_pipe_closed")     \
	X(NCA_S_FAULT_PIPE_ORDER, 0x1c000016u, "nca_s_fault_pipe_order")       \
	X(NCA_S_FAULT_PIPE_DISCIPLINE, 0x1c000017u,                            \
	  "nca_s_fault_pipe_discipline")                                       \
	X(NCA_S_FAULT_PIPE_COMM_ERROR, 0x1c000018u,                            \
	  "nca_s_fault_pipe_comm_error")                                       \
	X(NCA_S_FAULT_PIPE_MEMORY, 0x1c000019u, "nca_s_fault_pipe_memory")     \
	X(NCA_S_FAULT_CONTEXT_MISMATCH, 0x1c00001au,                           \
	  "nca_s_fault_context_mismatch")                                      \
	X(NCA_S_FAULT_REMOTE_NO_MEMORY, 0x1c00001bu,                           \
	  "nca_s_fault_remote_no_memory")                                      \
	X(NCA_S_INVALID_PRES_CONTEXT_ID, 0x1c00001cu,                          \
	  "nca_s_invalid_pres_context_id")                                     \
	X(NCA_S_UNSUPPORTED_AUTHN_LEVEL, 0x1c00001du,                          \
	  "nca_s_unsupported_authn_level")                                     \
	X(NCA_S_INVALID_CHECKSUM, 0x1c00001fu, "nca_s_invalid_checksum")       \
	X(NCA_S_INVALID_CRC, 0x1c000020u, "nca_s_invalid_crc")                 \
	X(NCA_S_FAULT_USER_DEFINED, 0x1c000021u, "nca_s_fault_user_defined")   \
	X(NCA_S_FAULT_TX_OPEN_FAILED, 0x1c000022u,                             \
	  "nca_s_fault_tx_open_failed")                                        \
	X(NCA_S_FAULT_CODESET_CONV_ERROR, 0x1c000023u,                         \
	  "nca_s_fault_codeset_conv_error")                                    \
	X(NCA_S_FAULT_OBJECT_NOT_FOUND, 0x1c000024u,                           \
	  "nca_s_fault_object_not_found")                                      \
	X(NCA_S_FAULT_NO_CLIENT_STUB, 0x1c000025u,                             \
	  "nca_s_fault_no_client_stub")                                        \
	X(NCA_S_COMM_FAILURE, 0x1c010001u, "nca_s_comm_failure")               \
	X(NCA_S_OP_RNG_ERROR, 0x1c010002u, "nca_s_op_rng_error")               \
	X(NCA_S_UNK_IF, 0x1c010003u, "nca_s_unk_if")                           \
	X(NCA_S_WRONG_BOOT_TIME, 0x1c010006u, "nca_s_wrong_boot_time")         \
	X(NCA_S_YOU_CRASHED, 0x1c010009u, "nca_s_you_crashed")                 \
	X(NCA_S_PROTO_ERROR, 0x1c01000bu, "nca_s_proto_error")                 \
	X(NCA_S_OUT_ARGS_TOO_BIG, 0x1c010013u, "nca_s_out_args_too_big")       \
	X(NCA_S_SERVER_TOO_BUSY, 0x1c010014u, "nca_s_server_too_busy")         \
	X(NCA_S_UNSUPPORTED_TYPE, 0x1c010017u, "nca_s_unsupported_type")       \
	X(RPC_S_ACCESS_DENIED, 0x00000005u, "rpc_s_access_denied")             \
	X(RPC_S_OUT_OF_MEMORY, 0x0000000eu, "rpc_s_out_of_memory")             \
	X(RPC_S_INVALID_PARAMETER, 0x00000057u, "rpc_s_invalid_parameter")     \
	X(RPC_S_UNKNOWN_IF, 0x000006b5u, "rpc_s_unknown_if")                   \
	X(RPC_S_SERVER_TOO_BUSY, 0x000006bbu, "rpc_s_server_too_busy")         \
	X(RPC_S_PROTOCOL_ERROR, 0x000006c0u, "rpc_s_protocol_error")           \
	X(RPC_S_PROCNUM_OUT_OF_RANGE, 0x000006d1u,                             \
	  "rpc_s_procnum_out_of_range")                                        \
	X(RPC_S_UNSUPPORTED_AUTHN_LEVEL, 0x000006d2u,                          \
	  "rpc_s_unsupported_authn_level")                                     \
	X(RPC_S_CANNOT_SUPPORT, 0x000006e4u, "rpc_s_cannot_support")           \
	X(RPC_X_BAD_STUB_DATA, 0x000006f7u, "rpc_x_bad_stub_data")             \
	X(RPC_S_CALL_CANCELLED, 0x0000071au, "rpc_s_call_cancelled")           \
	X(RPC_S_SEC_PKG_ERROR, 0x00000721u, "rpc_s_sec_pkg_error")             \
	X(EPT_S_NOT_REGISTERED, 0x16c9a0d6u, "ept_s_not_registered")

#define RPC_FAULT_DEFINE(name, value, text) RPC_FAULT_##name = value,
enum rpc_fault_status { RPC_FAULT_OK = 0, RPC_FAULT_TABLE(RPC_FAULT_DEFINE) };
#undef RPC_FAULT_DEFINE

/*
 * MS-RPCE names the NDR failure status nca_s_fault_ndr; it is the Windows
 * RPC_X_BAD_STUB_DATA.  C706's access-denied fault is the Windows
 * ERROR_ACCESS_DENIED (5), sent after a failed authentication.
 */
#define RPC_FAULT_NCA_S_FAULT_NDR           RPC_FAULT_RPC_X_BAD_STUB_DATA
#define RPC_FAULT_NCA_S_FAULT_ACCESS_DENIED RPC_FAULT_RPC_S_ACCESS_DENIED

/*
 * Returns the lower-case name ("nca_s_op_rng_error"), or NULL for a value
 * that is not in the table.  Static storage.
 */
const char *rpc_fault_name(uint32_t status);

/*
 * Maps a fault status received by a client to the hresult its caller sees:
 * Windows codes become HRESULT_FROM_WIN32 (5 -> E_ACCESSDENIED), nca_s_*
 * values that have no Windows equivalent become RPC_S_CALL_FAILED.
 */
hresult rpc_fault_to_hresult(uint32_t status);

#endif
