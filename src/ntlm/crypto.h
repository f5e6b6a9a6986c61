/*
 * crypto: the NTLM key schedule and response functions (ntlm layer).
 *
 * Implements MS-NLMP 3.3.1 (NTOWFv1), 3.3.2 (NTOWFv2, NTLMv2 and LMv2
 * responses, session base key), 3.4.5 (KXKEY, SIGNKEY, SEALKEY), 3.1.5.1.2
 * and 3.2.5.1.2 (MIC) on Nettle's MD4, MD5, HMAC-MD5 and ARC4.
 *
 * Invariants: every function here is pure (no state, no allocation)
 * unless it says otherwise, so each is checked byte for byte against the
 * MS-NLMP 4.2 vectors.  Keys are 16 bytes; the caller wipes them.
 */
#ifndef OWMI_NTLM_CRYPTO_H
#define OWMI_NTLM_CRYPTO_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "base/hresult.h"

/* NTOWFv1 = MD4(UTF-16LE(password)) over [pw16, pw16 + len) (3.3.1). */
void ntlm_nt_hash_u16(const uint8_t *pw16, size_t len, uint8_t out[16]);

/* As above from UTF-8.  E_INVALIDARG for bad UTF-8, E_OUTOFMEMORY. */
hresult ntlm_nt_hash(const char *password, uint8_t out[16]);

/*
 * Upper-cases UTF-16LE [in] into [out] (same length) the way the user name
 * is folded for NTOWFv2: ASCII, Latin-1, Greek and Cyrillic letters.
 */
void ntlm_upper_u16(const uint8_t *in, size_t len, uint8_t *out);

/*
 * NTOWFv2 = HMAC_MD5(NT hash, UPPER(user16) || domain16) (3.3.2), with the
 * user and domain given as UTF-16LE bytes.  E_OUTOFMEMORY for names over
 * 2048 bytes together (the MD5 input is assembled on the stack).
 */
hresult ntlm_ntowfv2_u16(const uint8_t nt_hash[16],
                         const uint8_t *user16,
                         size_t user_len,
                         const uint8_t *dom16,
                         size_t dom_len,
                         uint8_t out[16]);

/* As above from UTF-8 names.  E_INVALIDARG for bad UTF-8. */
hresult ntlm_ntowfv2(const uint8_t nt_hash[16],
                     const char *user,
                     const char *domain,
                     uint8_t out[16]);

/* NTProofStr = HMAC_MD5(ResponseKeyNT, ServerChallenge || blob). */
void ntlm_ntproofstr(const uint8_t key[16],
                     const uint8_t server_chal[8],
                     const uint8_t *blob,
                     size_t blob_len,
                     uint8_t out[16]);

/* LMv2 = HMAC_MD5(ResponseKeyLM, SC || CC) || CC (24 bytes). */
void ntlm_lmv2_response(const uint8_t key[16],
                        const uint8_t server_chal[8],
                        const uint8_t client_chal[8],
                        uint8_t out[24]);

/* SessionBaseKey = HMAC_MD5(ResponseKeyNT, NTProofStr) (NTLMv2). */
void ntlm_session_base_key(const uint8_t key[16],
                           const uint8_t ntproof[16],
                           uint8_t out[16]);

/* One-shot RC4 of [n] bytes with a 16-byte key (KEY_EXCH, 3.1.5.1.2). */
void ntlm_rc4(const uint8_t key[16], const uint8_t *in, uint8_t *out, size_t n);

/* SIGNKEY with extended session security (3.4.5.2). */
void ntlm_sign_key(const uint8_t exported[16],
                   bool client_to_server,
                   uint8_t out[16]);

/*
 * SEALKEY with extended session security (3.4.5.3): the exported key is
 * cut to 16, 7 or 5 bytes by NTLMSSP_NEGOTIATE_128 / _56 in [flags].
 */
void ntlm_seal_key(const uint8_t exported[16],
                   uint32_t flags,
                   bool client_to_server,
                   uint8_t out[16]);

/*
 * MIC = HMAC_MD5(ExportedSessionKey, NEGOTIATE || CHALLENGE ||
 * AUTHENTICATE) with the 16 bytes at [mic_off] of AUTHENTICATE taken as
 * zero (3.1.5.1.2).  [mic_off] + 16 must lie inside [auth].
 */
void ntlm_mic(const uint8_t exported[16],
              const uint8_t *neg,
              size_t neg_len,
              const uint8_t *chal,
              size_t chal_len,
              const uint8_t *auth,
              size_t auth_len,
              size_t mic_off,
              uint8_t out[16]);

/* Constant-time comparison of [n] bytes; true when equal. */
bool ntlm_ct_equal(const uint8_t *a, const uint8_t *b, size_t n);

/* Fills [p] with [n] random bytes from getrandom(2).  E_FAIL on error. */
hresult ntlm_random(uint8_t *p, size_t n);

/* The current time as a FILETIME (100 ns ticks since 1601-01-01 UTC). */
uint64_t ntlm_filetime_now(void);

#endif
