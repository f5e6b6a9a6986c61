/*
 * msg: the NTLMSSP message codec (ntlm layer, a leaf: bytes in, values out).
 *
 * Implements the wire syntax of MS-NLMP 2.2: NEGOTIATE_MESSAGE (2.2.1.1),
 * CHALLENGE_MESSAGE (2.2.1.2), AUTHENTICATE_MESSAGE (2.2.1.3), AV_PAIR
 * lists (2.2.2.1), VERSION (2.2.2.10) and the NTLMv2 client challenge blob
 * (2.2.2.7).
 *
 * Invariants the reader must hold:
 *  - Every parser takes the whole message and checks each offset+length
 *    pair against it in 64-bit arithmetic before touching the payload; a
 *    payload field may not overlap the fixed header nor another field.
 *  - Parsed values are copies (talloc children of the message struct), so
 *    the input buffer may be freed after a parse.
 *  - Strings are UTF-8 inside.  UTF-16LE wire strings are also kept raw
 *    (the *_u16 members) because NTOWFv2 hashes the bytes as received.
 *  - Every parser fails with E_INVALIDARG and an errinfo message naming
 *    the field ("ntlm: AUTHENTICATE UserName: offset 4096 + length 8 past
 *    end of 332-byte message"); E_OUTOFMEMORY on allocation failure.
 */
#ifndef OWMI_NTLM_MSG_H
#define OWMI_NTLM_MSG_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "base/errinfo.h"
#include "base/hresult.h"

/* NegotiateFlags (MS-NLMP 2.2.2.5). */
enum ntlm_flags {
	NTLMSSP_NEGOTIATE_UNICODE = 0x00000001u,
	NTLMSSP_NEGOTIATE_OEM = 0x00000002u,
	NTLMSSP_REQUEST_TARGET = 0x00000004u,
	NTLMSSP_NEGOTIATE_SIGN = 0x00000010u,
	NTLMSSP_NEGOTIATE_SEAL = 0x00000020u,
	NTLMSSP_NEGOTIATE_DATAGRAM = 0x00000040u,
	NTLMSSP_NEGOTIATE_LM_KEY = 0x00000080u,
	NTLMSSP_NEGOTIATE_NTLM = 0x00000200u,
	NTLMSSP_ANONYMOUS = 0x00000800u,
	NTLMSSP_NEGOTIATE_OEM_DOMAIN_SUPPLIED = 0x00001000u,
	NTLMSSP_NEGOTIATE_OEM_WORKSTATION_SUPPLIED = 0x00002000u,
	NTLMSSP_NEGOTIATE_ALWAYS_SIGN = 0x00008000u,
	NTLMSSP_TARGET_TYPE_DOMAIN = 0x00010000u,
	NTLMSSP_TARGET_TYPE_SERVER = 0x00020000u,
	NTLMSSP_NEGOTIATE_EXTENDED_SESSIONSECURITY = 0x00080000u,
	NTLMSSP_NEGOTIATE_IDENTIFY = 0x00100000u,
	NTLMSSP_REQUEST_NON_NT_SESSION_KEY = 0x00400000u,
	NTLMSSP_NEGOTIATE_TARGET_INFO = 0x00800000u,
	NTLMSSP_NEGOTIATE_VERSION = 0x02000000u,
	NTLMSSP_NEGOTIATE_128 = 0x20000000u,
	NTLMSSP_NEGOTIATE_KEY_EXCH = 0x40000000u,
	NTLMSSP_NEGOTIATE_56 = 0x80000000u,
};

/* AvId values (MS-NLMP 2.2.2.1). */
enum ntlm_av_id {
	NTLM_AV_EOL = 0,
	NTLM_AV_NB_COMPUTER_NAME = 1,
	NTLM_AV_NB_DOMAIN_NAME = 2,
	NTLM_AV_DNS_COMPUTER_NAME = 3,
	NTLM_AV_DNS_DOMAIN_NAME = 4,
	NTLM_AV_DNS_TREE_NAME = 5,
	NTLM_AV_FLAGS = 6,
	NTLM_AV_TIMESTAMP = 7,
	NTLM_AV_SINGLE_HOST = 8,
	NTLM_AV_TARGET_NAME = 9,
	NTLM_AV_CHANNEL_BINDINGS = 10,
};

/* MsvAvFlags bits (MS-NLMP 2.2.2.1). */
enum ntlm_av_flags {
	NTLM_AVF_CONSTRAINED = 0x1u,
	NTLM_AVF_MIC_PRESENT = 0x2u,
	NTLM_AVF_UNTRUSTED_SPN = 0x4u,
};

/* Limits.  Every message, field and list is bounded by one of these. */
enum ntlm_limits {
	NTLM_MAX_MESSAGE = 65535,   /* auth_length in DCE/RPC is 16 bits */
	NTLM_MAX_NAME_BYTES = 1024, /* user, domain, workstation, target */
	NTLM_MAX_AV_PAIRS = 64,
	NTLM_MAX_TARGET_INFO = 8192,
	NTLM_MAX_NT_RESPONSE = 16384,
};

/* Fixed sizes on the wire. */
enum ntlm_sizes {
	NTLM_NEGOTIATE_FIXED = 32,
	NTLM_CHALLENGE_FIXED = 48,
	NTLM_AUTHENTICATE_FIXED = 64,
	NTLM_VERSION_SIZE = 8,
	NTLM_MIC_SIZE = 16,
	NTLM_MIC_OFFSET = 72, /* AUTHENTICATE: after the 64 bytes and Version */
	NTLM_BLOB_FIXED = 28, /* NTLMv2_CLIENT_CHALLENGE before AvPairs */
	NTLM_NTPROOF_SIZE = 16,
};

/* VERSION (MS-NLMP 2.2.2.10). */
struct ntlm_version {
	uint8_t major;
	uint8_t minor;
	uint16_t build;
	uint8_t revision; /* NTLMSSP_REVISION_W2K3 = 0x0F */
};

/* One AV_PAIR; [value] points into the list's own storage. */
struct ntlm_av_pair {
	uint16_t id;
	uint16_t len;
	const uint8_t *value;
};

/* A parsed AV_PAIR list, EOL not included. */
struct ntlm_av_list {
	struct ntlm_av_pair *pairs;
	size_t n;
};

struct ntlm_negotiate {
	uint32_t flags;
	char *domain;      /* OEM DomainName, or NULL when absent */
	char *workstation; /* OEM Workstation, or NULL when absent */
	bool has_version;
	struct ntlm_version version;
};

struct ntlm_challenge {
	uint32_t flags;
	char *target_name; /* NULL when absent */
	uint8_t server_challenge[8];
	uint8_t *target_info; /* raw AV_PAIR bytes, EOL included */
	size_t target_info_len;
	struct ntlm_av_list av; /* parsed view of target_info */
	bool has_version;
	struct ntlm_version version;
};

struct ntlm_authenticate {
	uint32_t flags;
	uint8_t *lm_response;
	size_t lm_response_len;
	uint8_t *nt_response;
	size_t nt_response_len;
	char *domain; /* UTF-8, "" when empty */
	char *user;
	char *workstation;
	uint8_t *domain_u16; /* as on the wire (UNICODE) or widened (OEM) */
	size_t domain_u16_len;
	uint8_t *user_u16;
	size_t user_u16_len;
	uint8_t *enc_session_key; /* NULL when absent */
	size_t enc_session_key_len;
	bool has_version;
	struct ntlm_version version;
	bool has_mic_room; /* the 16 bytes at offset 72 precede the payload */
	uint8_t mic[16];   /* valid when has_mic_room */
};

/* The parsed NTLMv2_CLIENT_CHALLENGE (MS-NLMP 2.2.2.7). */
struct ntlm_v2_blob {
	uint64_t timestamp;
	uint8_t client_challenge[8];
	struct ntlm_av_list av;
};

/*
 * Parses an AV_PAIR list from [p, p+len).  Stops at MsvAvEOL and ignores
 * bytes after it; [consumed] (may be NULL) receives the bytes up to and
 * including EOL.  The pairs point into [p]: keep it alive.
 * Errors (E_INVALIDARG): truncation, a missing EOL, an EOL with a value,
 * more than NTLM_MAX_AV_PAIRS, a duplicate AvId, a known AvId with a bad
 * value length (Flags 4, Timestamp 8, ChannelBindings 16, SingleHost >= 48,
 * names even).  E_OUTOFMEMORY.  [field] names the list in messages.
 */
hresult ntlm_av_parse(void *mem,
                      const uint8_t *p,
                      size_t len,
                      const char *field,
                      struct ntlm_av_list *out,
                      size_t *consumed,
                      struct errinfo *ei);

/* Returns the pair with [id], or NULL. */
const struct ntlm_av_pair *ntlm_av_find(const struct ntlm_av_list *l,
                                        uint16_t id);

/*
 * Encodes [n] pairs and a terminating MsvAvEOL.  Returns owned (talloc
 * child of [mem]) the bytes.  E_INVALIDARG when an input pair is EOL or
 * the result exceeds NTLM_MAX_TARGET_INFO; E_OUTOFMEMORY.
 */
hresult ntlm_av_encode(void *mem,
                       const struct ntlm_av_pair *pairs,
                       size_t n,
                       uint8_t **out,
                       size_t *out_len,
                       struct errinfo *ei);

/* Parsers: return owned (talloc child of [mem]) the message on success. */
hresult ntlm_negotiate_parse(void *mem,
                             const uint8_t *msg,
                             size_t len,
                             struct ntlm_negotiate **out,
                             struct errinfo *ei);
hresult ntlm_challenge_parse(void *mem,
                             const uint8_t *msg,
                             size_t len,
                             struct ntlm_challenge **out,
                             struct errinfo *ei);
hresult ntlm_authenticate_parse(void *mem,
                                const uint8_t *msg,
                                size_t len,
                                struct ntlm_authenticate **out,
                                struct errinfo *ei);

/*
 * Parses the NTLMv2 response's client challenge (the bytes after the
 * 16-byte NTProofStr).  Errors: E_INVALIDARG (short, RespType or
 * HiRespType not 1, bad AV list), E_OUTOFMEMORY.
 */
hresult ntlm_v2_blob_parse(void *mem,
                           const uint8_t *p,
                           size_t len,
                           struct ntlm_v2_blob *out,
                           struct errinfo *ei);

/*
 * Builders.  Each returns owned (talloc child of [mem]) the message bytes.
 * Strings are written in UTF-16LE when NTLMSSP_NEGOTIATE_UNICODE is in the
 * flags, else as OEM (ASCII only).  Version is written when
 * NTLMSSP_NEGOTIATE_VERSION is set.  Errors: E_INVALIDARG (a field over
 * its limit, non-ASCII OEM text, bad UTF-8), E_OUTOFMEMORY.
 */
hresult ntlm_negotiate_build(void *mem,
                             const struct ntlm_negotiate *m,
                             uint8_t **out,
                             size_t *out_len,
                             struct errinfo *ei);
/* [m->av] is ignored: target_info/target_info_len are written as given. */
hresult ntlm_challenge_build(void *mem,
                             const struct ntlm_challenge *m,
                             uint8_t **out,
                             size_t *out_len,
                             struct errinfo *ei);
/*
 * Writes domain/user/workstation from the UTF-8 members (the *_u16 members
 * are ignored), and a MIC field (copied from m->mic) when m->has_mic_room.
 * [mic_offset] (may be NULL) receives the MIC's offset, 0 without one.
 */
hresult ntlm_authenticate_build(void *mem,
                                const struct ntlm_authenticate *m,
                                uint8_t **out,
                                size_t *out_len,
                                size_t *mic_offset,
                                struct errinfo *ei);

/* Returns a static name for an AvId ("MsvAvNbComputerName"), or "?". */
const char *ntlm_av_name(uint16_t id);

#endif
