/*
 * ntlm: NTLMSSP server and client contexts and NTLM session security
 * (ntlm layer; DESIGN.md section 3).  Depends only on base and Nettle.
 *
 * Implements MS-NLMP 3.1.5 (client), 3.2.5 (server), 3.3.2 (NTLMv2),
 * 3.4 (session security with extended session security: SIGN, SEAL,
 * per-direction keys, RC4 handles and sequence numbers).
 *
 * A server context is one handshake: ntlm_server_negotiate() turns the
 * client's NEGOTIATE into our CHALLENGE, ntlm_server_authenticate()
 * checks the AUTHENTICATE and, on success, yields the caller's identity
 * and a session-security object.  The client context mirrors it.  DCE/RPC
 * keeps one context per auth_context_id.
 *
 * Policy: only NTLMv2 is accepted; LM and NTLMv1 responses are refused
 * with E_ACCESSDENIED unless allow_ntlmv1 (which accepts NTLMv1 with
 * extended session security, never bare LM); anonymous logons are refused
 * with E_ACCESSDENIED unless allow_anonymous.  A wrong password or an
 * unknown user is HR_ERROR_LOGON_FAILURE (0x8007052E), as is a MIC that
 * does not verify.  Signing and sealing exist only with extended session
 * security (NTLMSSP_NEGOTIATE_EXTENDED_SESSIONSECURITY); a peer that asks
 * for the legacy scheme is refused with RPC_S_SEC_PKG_ERROR.
 *
 * Threads: a context and its session are used by one thread at a time
 * (the connection's).  Nothing here has global state.
 */
#ifndef OWMI_NTLM_NTLM_H
#define OWMI_NTLM_NTLM_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "base/errinfo.h"
#include "base/hresult.h"
#include "ntlm/msg.h"

/* Optional hooks so tests are deterministic; NULL means the system. */
struct ntlm_hooks {
	/* Fills [p] with [n] random bytes; defaults to getrandom(2). */
	hresult (*random)(void *arg, uint8_t *p, size_t n);
	/* Returns the current FILETIME; defaults to CLOCK_REALTIME. */
	uint64_t (*now)(void *arg);
	void *arg;
};

struct ntlm_server_config {
	const char *nb_computer;  /* required: MsvAvNbComputerName */
	const char *nb_domain;    /* required: MsvAvNbDomainName */
	const char *dns_computer; /* optional (NULL): MsvAvDnsComputerName */
	const char *dns_domain;   /* optional: MsvAvDnsDomainName */
	const char *dns_tree;     /* optional: MsvAvDnsTreeName */
	/*
	 * Required.  Looks up the NT hash (MD4 of the UTF-16LE password) of
	 * [user] in [domain] (both UTF-8, as the client sent them; domain
	 * may be "").  Returns S_OK and fills [nt_hash], or a failure
	 * (HR_ERROR_LOGON_FAILURE for an unknown user).  Called at most twice
	 * per AUTHENTICATE: with the client's domain, then with "".
	 */
	hresult (*get_nt_hash)(void *arg,
	                       const char *user,
	                       const char *domain,
	                       uint8_t nt_hash[16]);
	void *get_nt_hash_arg;
	bool allow_ntlmv1;           /* accept NTLMv1 (with ESS); default off */
	bool allow_anonymous;        /* accept the anonymous AUTHENTICATE */
	struct ntlm_version version; /* all zero: 10.0.20348 revision 15 */
	struct ntlm_hooks hooks;
};

/* What a successful ntlm_server_authenticate() established. */
struct ntlm_identity {
	const char *user;        /* UTF-8 as sent ("" when anonymous) */
	const char *domain;      /* UTF-8 as sent */
	const char *workstation; /* UTF-8 as sent, may be "" */
	bool anonymous;
	bool ntlmv1;    /* true only when allow_ntlmv1 let it through */
	uint32_t flags; /* the AUTHENTICATE flags, which govern the session */
};

struct ntlm_server;
struct ntlm_client;
struct ntlm_session;

/*
 * Returns owned (talloc child of [mem]) a server context that copies
 * [cfg].  Returns NULL on allocation failure or when a required member
 * of [cfg] is missing.
 */
struct ntlm_server *ntlm_server_new(void *mem,
                                    const struct ntlm_server_config *cfg);

/*
 * Takes the client's NEGOTIATE_MESSAGE and returns in [out] the
 * CHALLENGE_MESSAGE to send (owned by the server context, valid until it
 * is freed).  Errors: E_INVALIDARG (malformed message, errinfo names the
 * field), RPC_S_SEC_PKG_ERROR (called twice), E_FAIL (no random bytes),
 * E_OUTOFMEMORY.
 */
hresult ntlm_server_negotiate(struct ntlm_server *s,
                              const uint8_t *in,
                              size_t in_len,
                              const uint8_t **out,
                              size_t *out_len,
                              struct errinfo *ei);

/*
 * Takes the AUTHENTICATE_MESSAGE.  Returns S_OK when the user proved
 * knowledge of the password; then ntlm_server_identity() and
 * ntlm_server_session() are valid.  Errors: HR_ERROR_LOGON_FAILURE (wrong
 * password, unknown user, MIC mismatch), E_ACCESSDENIED (NTLMv1/LM or
 * anonymous refused by policy), E_INVALIDARG (malformed message or
 * NTLMv2 blob), RPC_S_SEC_PKG_ERROR (wrong state, legacy session security
 * asked for), E_OUTOFMEMORY.  Any failure leaves the context failed.
 */
hresult ntlm_server_authenticate(struct ntlm_server *s,
                                 const uint8_t *in,
                                 size_t in_len,
                                 struct errinfo *ei);

/* Returns the identity after a successful authenticate, else NULL. */
const struct ntlm_identity *ntlm_server_identity(const struct ntlm_server *s);

/* Returns the session after a successful authenticate, else NULL. */
struct ntlm_session *ntlm_server_session(struct ntlm_server *s);

struct ntlm_client_config {
	const char *user;        /* required, UTF-8 */
	const char *domain;      /* may be NULL or "" */
	const char *password;    /* UTF-8; or NULL and nt_hash given */
	const uint8_t *nt_hash;  /* 16 bytes, used when password is NULL */
	const char *workstation; /* may be NULL */
	const char *target_spn;  /* MsvAvTargetName ("host/server"), or NULL */
	uint32_t flags; /* NEGOTIATE flags; 0 means NTLM_CLIENT_FLAGS */
	struct ntlm_version version; /* all zero: 10.0.20348 revision 15 */
	struct ntlm_hooks hooks;
};

/* Windows' set: UNICODE, REQUEST_TARGET, SIGN, SEAL, NTLM, ALWAYS_SIGN,
 * ESS, TARGET_INFO, VERSION, 128, KEY_EXCH, 56. */
#define NTLM_CLIENT_FLAGS 0xE2888235u

/*
 * Returns owned (talloc child of [mem]) a client context, or NULL on
 * allocation failure, a missing user, or neither password nor hash.
 */
struct ntlm_client *ntlm_client_new(void *mem,
                                    const struct ntlm_client_config *cfg);

/* Returns the NEGOTIATE_MESSAGE (owned by the context).  Errors as above. */
hresult ntlm_client_negotiate(struct ntlm_client *c,
                              const uint8_t **out,
                              size_t *out_len,
                              struct errinfo *ei);

/*
 * Takes the server's CHALLENGE_MESSAGE and returns the NTLMv2
 * AUTHENTICATE_MESSAGE (owned by the context), with a MIC when the
 * challenge carried MsvAvTimestamp.  Then ntlm_client_session() is valid.
 * Errors: E_INVALIDARG (malformed challenge), RPC_S_SEC_PKG_ERROR (no
 * TargetInfo, signing without ESS, wrong state), E_FAIL, E_OUTOFMEMORY.
 */
hresult ntlm_client_authenticate(struct ntlm_client *c,
                                 const uint8_t *in,
                                 size_t in_len,
                                 const uint8_t **out,
                                 size_t *out_len,
                                 struct errinfo *ei);

struct ntlm_session *ntlm_client_session(struct ntlm_client *c);

/* ---- session security (MS-NLMP 3.4, extended session security) ---- */

/* The keys of a session (for tests and diagnostics). */
struct ntlm_session_keys {
	uint8_t exported[16];
	uint8_t client_sign[16];
	uint8_t client_seal[16];
	uint8_t server_sign[16];
	uint8_t server_seal[16];
};

/*
 * Returns owned (talloc child of [mem]) a session for [exported_key]
 * under the negotiated [flags]; [server] selects the direction of the
 * send keys.  NULL on allocation failure.  The handshake contexts call
 * this; it is public for DCE/RPC tests and for the MS-NLMP 4.2.4.4 vector.
 */
struct ntlm_session *ntlm_session_new(void *mem,
                                      const uint8_t exported_key[16],
                                      uint32_t flags,
                                      bool server);

/*
 * Restarts both RC4 states and sequence numbers of [s] from its keys, as
 * SPNEGO requires after the mechListMIC exchange (the MIC consumed the
 * first sequence number and RC4 keystream of each direction).
 */
void ntlm_session_reset(struct ntlm_session *s);

void ntlm_session_get_keys(const struct ntlm_session *s,
                           struct ntlm_session_keys *out);

/* The NTLMSSP_MESSAGE_SIGNATURE size (MS-NLMP 2.2.2.9.1). */
#define NTLM_SIG_SIZE 16

/*
 * Signs [data, data+len) with the next send sequence number and writes
 * the 16-byte signature.  Errors: RPC_S_SEC_PKG_ERROR when the session is
 * broken (after a failed verify) or has no ESS.
 */
hresult ntlm_sign(struct ntlm_session *s,
                  const uint8_t *data,
                  size_t len,
                  uint8_t sig[NTLM_SIG_SIZE]);

/*
 * Checks [sig] over [data] against the next receive sequence number.
 * Errors: RPC_S_SEC_PKG_ERROR with errinfo "sequence number N, expected
 * M" (replay, reorder) or "signature mismatch" (tampering).  A failure
 * breaks the session (its RC4 stream is no longer in step): every later
 * call fails too.
 */
hresult ntlm_verify(struct ntlm_session *s,
                    const uint8_t *data,
                    size_t len,
                    const uint8_t sig[NTLM_SIG_SIZE],
                    struct errinfo *ei);

/* Encrypts [data] in place and signs its plaintext (MS-NLMP 3.4.3). */
hresult ntlm_seal(struct ntlm_session *s,
                  uint8_t *data,
                  size_t len,
                  uint8_t sig[NTLM_SIG_SIZE]);

/* Decrypts [data] in place and verifies it; failures as ntlm_verify. */
hresult ntlm_unseal(struct ntlm_session *s,
                    uint8_t *data,
                    size_t len,
                    const uint8_t sig[NTLM_SIG_SIZE],
                    struct errinfo *ei);

/*
 * The DCE/RPC split (GSS_WrapEx with one encrypted buffer): signs the
 * plaintext of all of [msg, msg+msg_len) and encrypts only
 * [msg+enc_off, msg+enc_off+enc_len), in place.  For a request PDU,
 * [msg] is header through sec_trailer (verifier excluded) and the
 * encrypted part is stub + auth pad.  E_INVALIDARG when the region is
 * not inside [msg]; otherwise as ntlm_seal.
 */
hresult ntlm_seal_region(struct ntlm_session *s,
                         uint8_t *msg,
                         size_t msg_len,
                         size_t enc_off,
                         size_t enc_len,
                         uint8_t sig[NTLM_SIG_SIZE]);

/* The inverse: decrypts the region, then verifies the whole. */
hresult ntlm_unseal_region(struct ntlm_session *s,
                           uint8_t *msg,
                           size_t msg_len,
                           size_t enc_off,
                           size_t enc_len,
                           const uint8_t sig[NTLM_SIG_SIZE],
                           struct errinfo *ei);

#endif
