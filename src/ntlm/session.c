/*
 * session: NTLMSSP server and client handshakes and session security
 * (ntlm layer; MS-NLMP 3.1.5, 3.2.5, 3.3.1, 3.3.2, 3.4).
 *
 * Invariants:
 *  - A handshake context moves NEW -> CHALLENGED -> DONE, or to FAILED
 *    from any state; every call in the wrong state fails.
 *  - The server keeps its NEGOTIATE and CHALLENGE bytes (and the client
 *    both, plus its AUTHENTICATE) for the MIC.
 *  - A session holds, per direction, a keyed HMAC-MD5 context (signing
 *    key), an RC4 state (sealing key; with KEY_EXCH it also encrypts each
 *    checksum) and a sequence number.  The receive side of one peer is the
 *    send side of the other.  After a failed verify the session is broken.
 *  - Keys are wiped when a context is freed (talloc destructors).
 */
#include "ntlm/ntlm.h"

#include <nettle/arcfour.h>
#include <nettle/des.h>
#include <nettle/hmac.h>
#include <nettle/md4.h>
#include <nettle/md5.h>
#include <string.h>
#include <talloc.h>

#include "base/utf.h"
#include "ntlm/crypto.h"

#define LAYER "ntlm"

enum state { ST_NEW, ST_CHALLENGED, ST_DONE, ST_FAILED };

/* NEGOTIATE flags a server echoes when the client asks for them. */
#define SERVER_ECHO                                               \
	(NTLMSSP_REQUEST_TARGET | NTLMSSP_NEGOTIATE_SIGN |        \
	 NTLMSSP_NEGOTIATE_SEAL | NTLMSSP_NEGOTIATE_ALWAYS_SIGN | \
	 NTLMSSP_NEGOTIATE_IDENTIFY | NTLMSSP_NEGOTIATE_128 |     \
	 NTLMSSP_NEGOTIATE_KEY_EXCH | NTLMSSP_NEGOTIATE_56)
/* Flags a server always sets. */
#define SERVER_ALWAYS                                                \
	(NTLMSSP_NEGOTIATE_UNICODE | NTLMSSP_NEGOTIATE_NTLM |        \
	 NTLMSSP_NEGOTIATE_EXTENDED_SESSIONSECURITY |                \
	 NTLMSSP_NEGOTIATE_TARGET_INFO | NTLMSSP_NEGOTIATE_VERSION | \
	 NTLMSSP_TARGET_TYPE_SERVER)

/* Flags a client drops from its AUTHENTICATE when the server lacks them. */
#define CLIENT_NEGOTIABLE                                         \
	(NTLMSSP_NEGOTIATE_UNICODE | NTLMSSP_NEGOTIATE_SIGN |     \
	 NTLMSSP_NEGOTIATE_SEAL | NTLMSSP_NEGOTIATE_ALWAYS_SIGN | \
	 NTLMSSP_NEGOTIATE_EXTENDED_SESSIONSECURITY |             \
	 NTLMSSP_NEGOTIATE_IDENTIFY | NTLMSSP_NEGOTIATE_VERSION | \
	 NTLMSSP_NEGOTIATE_128 | NTLMSSP_NEGOTIATE_KEY_EXCH |     \
	 NTLMSSP_NEGOTIATE_56 | NTLMSSP_NEGOTIATE_LM_KEY |        \
	 NTLMSSP_NEGOTIATE_DATAGRAM)

static const struct ntlm_version default_version = { 10, 0, 20348, 0x0F };

struct direction {
	struct hmac_md5_ctx mac; /* keyed with the signing key */
	struct arcfour_ctx rc4;  /* keyed with the sealing key */
	uint32_t seq;
};

struct ntlm_session {
	uint32_t flags;
	bool server;
	bool broken;
	struct ntlm_session_keys keys;
	struct direction send;
	struct direction recv;
};

struct ntlm_server {
	enum state st;
	struct ntlm_server_config cfg; /* strings are our copies */
	uint8_t *neg;                  /* the client's NEGOTIATE, for the MIC */
	size_t neg_len;
	uint8_t *chal; /* our CHALLENGE */
	size_t chal_len;
	uint8_t server_challenge[8];
	struct ntlm_identity id;
	struct ntlm_session *session;
};

struct ntlm_client {
	enum state st;
	struct ntlm_client_config cfg;
	uint8_t nt_hash[16];
	uint8_t *neg;
	size_t neg_len;
	uint8_t *auth;
	size_t auth_len;
	struct ntlm_session *session;
};

/* ---- helpers ---- */

static hresult get_random(const struct ntlm_hooks *h, uint8_t *p, size_t n)
{
	if (h->random != NULL) {
		return h->random(h->arg, p, n);
	}
	return ntlm_random(p, n);
}

static uint64_t get_now(const struct ntlm_hooks *h)
{
	if (h->now != NULL) {
		return h->now(h->arg);
	}
	return ntlm_filetime_now();
}

static bool version_unset(const struct ntlm_version *v)
{
	return v->major == 0 && v->minor == 0 && v->build == 0 &&
	       v->revision == 0;
}

static void put32(uint8_t *p, uint32_t v)
{
	p[0] = (uint8_t)v;
	p[1] = (uint8_t)(v >> 8);
	p[2] = (uint8_t)(v >> 16);
	p[3] = (uint8_t)(v >> 24);
}

static void put64(uint8_t *p, uint64_t v)
{
	put32(p, (uint32_t)v);
	put32(p + 4, (uint32_t)(v >> 32));
}

static hresult oom(struct errinfo *ei)
{
	return err_set(ei, HR_E_OUTOFMEMORY, LAYER, "out of memory");
}

static bool legacy_security(uint32_t flags)
{
	return (flags & (NTLMSSP_NEGOTIATE_SIGN | NTLMSSP_NEGOTIATE_SEAL)) !=
	               0 &&
	       (flags & NTLMSSP_NEGOTIATE_EXTENDED_SESSIONSECURITY) == 0;
}

/* ---- session security (MS-NLMP 3.4) ---- */

static int session_destructor(struct ntlm_session *s)
{
	memset(s, 0, sizeof(*s));
	return 0;
}

struct ntlm_session *ntlm_session_new(void *mem,
                                      const uint8_t exported_key[16],
                                      uint32_t flags,
                                      bool server)
{
	struct ntlm_session *s = talloc_zero(mem, struct ntlm_session);
	struct ntlm_session_keys *k;

	if (s == NULL) {
		return NULL;
	}
	talloc_set_destructor(s, session_destructor);
	k = &s->keys;
	s->flags = flags;
	s->server = server;
	memcpy(k->exported, exported_key, 16);
	ntlm_sign_key(exported_key, true, k->client_sign);
	ntlm_sign_key(exported_key, false, k->server_sign);
	ntlm_seal_key(exported_key, flags, true, k->client_seal);
	ntlm_seal_key(exported_key, flags, false, k->server_seal);
	hmac_md5_set_key(&s->send.mac, 16,
	                 server ? k->server_sign : k->client_sign);
	hmac_md5_set_key(&s->recv.mac, 16,
	                 server ? k->client_sign : k->server_sign);
	arcfour_set_key(&s->send.rc4, 16,
	                server ? k->server_seal : k->client_seal);
	arcfour_set_key(&s->recv.rc4, 16,
	                server ? k->client_seal : k->server_seal);
	return s;
}

void ntlm_session_reset(struct ntlm_session *s)
{
	const struct ntlm_session_keys *k = &s->keys;

	arcfour_set_key(&s->send.rc4, 16,
	                s->server ? k->server_seal : k->client_seal);
	arcfour_set_key(&s->recv.rc4, 16,
	                s->server ? k->client_seal : k->server_seal);
	s->send.seq = 0;
	s->recv.seq = 0;
}

void ntlm_session_get_keys(const struct ntlm_session *s,
                           struct ntlm_session_keys *out)
{
	*out = s->keys;
}

/* Computes the 8-byte checksum of seq || msg (HMAC state is reusable). */
static void checksum(struct direction *d,
                     const uint8_t *msg,
                     size_t len,
                     uint8_t out[8])
{
	uint8_t seq[4];
	uint8_t digest[MD5_DIGEST_SIZE];

	put32(seq, d->seq);
	hmac_md5_update(&d->mac, 4, seq);
	hmac_md5_update(&d->mac, len, msg);
	hmac_md5_digest(&d->mac, MD5_DIGEST_SIZE, digest);
	memcpy(out, digest, 8);
}

static hresult usable(const struct ntlm_session *s, struct errinfo *ei)
{
	if (s == NULL) {
		return err_set(ei, HR_E_INVALIDARG, LAYER, "no session");
	}
	if (s->broken) {
		return err_set(ei, HR_RPC_S_SEC_PKG_ERROR, LAYER,
		               "session broken by an earlier failure");
	}
	if ((s->flags & NTLMSSP_NEGOTIATE_EXTENDED_SESSIONSECURITY) == 0) {
		return err_set(ei, HR_RPC_S_SEC_PKG_ERROR, LAYER,
		               "legacy (non-ESS) session security is not "
		               "supported");
	}
	return HR_OK;
}

static bool region_ok(size_t msg_len, size_t off, size_t len)
{
	return off <= msg_len && len <= msg_len - off;
}

hresult ntlm_seal_region(struct ntlm_session *s,
                         uint8_t *msg,
                         size_t msg_len,
                         size_t enc_off,
                         size_t enc_len,
                         uint8_t sig[NTLM_SIG_SIZE])
{
	uint8_t ck[8];
	hresult hr = usable(s, NULL);

	if (hr_failed(hr)) {
		return hr;
	}
	if (!region_ok(msg_len, enc_off, enc_len)) {
		return hr_raise(HR_E_INVALIDARG);
	}
	checksum(&s->send, msg, msg_len, ck);
	if (enc_len != 0) {
		arcfour_crypt(&s->send.rc4, enc_len, msg + enc_off,
		              msg + enc_off);
	}
	if ((s->flags & NTLMSSP_NEGOTIATE_KEY_EXCH) != 0) {
		arcfour_crypt(&s->send.rc4, 8, ck, ck);
	}
	put32(sig, 1);
	memcpy(sig + 4, ck, 8);
	put32(sig + 12, s->send.seq);
	s->send.seq++;
	return HR_OK;
}

hresult ntlm_unseal_region(struct ntlm_session *s,
                           uint8_t *msg,
                           size_t msg_len,
                           size_t enc_off,
                           size_t enc_len,
                           const uint8_t sig[NTLM_SIG_SIZE],
                           struct errinfo *ei)
{
	uint8_t ck[8];
	uint32_t got_seq;
	uint32_t want_seq;
	hresult hr = usable(s, ei);

	if (hr_failed(hr)) {
		return hr;
	}
	if (!region_ok(msg_len, enc_off, enc_len)) {
		return err_set(ei, HR_E_INVALIDARG, LAYER,
		               "sealed region outside the message");
	}
	if (enc_len != 0) {
		arcfour_crypt(&s->recv.rc4, enc_len, msg + enc_off,
		              msg + enc_off);
	}
	checksum(&s->recv, msg, msg_len, ck);
	if ((s->flags & NTLMSSP_NEGOTIATE_KEY_EXCH) != 0) {
		arcfour_crypt(&s->recv.rc4, 8, ck, ck);
	}
	want_seq = s->recv.seq;
	s->recv.seq++;
	got_seq = (uint32_t)sig[12] | ((uint32_t)sig[13] << 8) |
	          ((uint32_t)sig[14] << 16) | ((uint32_t)sig[15] << 24);
	if (sig[0] != 1 || sig[1] != 0 || sig[2] != 0 || sig[3] != 0) {
		s->broken = true;
		return err_set(ei, HR_RPC_S_SEC_PKG_ERROR, LAYER,
		               "signature version is not 1");
	}
	if (got_seq != want_seq) {
		s->broken = true;
		return err_set(ei, HR_RPC_S_SEC_PKG_ERROR, LAYER,
		               "sequence number %u, expected %u", got_seq,
		               want_seq);
	}
	if (!ntlm_ct_equal(ck, sig + 4, 8)) {
		s->broken = true;
		return err_set(ei, HR_RPC_S_SEC_PKG_ERROR, LAYER,
		               "signature mismatch (message altered)");
	}
	return HR_OK;
}

hresult ntlm_sign(struct ntlm_session *s,
                  const uint8_t *data,
                  size_t len,
                  uint8_t sig[NTLM_SIG_SIZE])
{
	/* Nothing is encrypted, so the cast never leads to a write. */
	return ntlm_seal_region(s, (uint8_t *)(uintptr_t)data, len, 0, 0, sig);
}

hresult ntlm_verify(struct ntlm_session *s,
                    const uint8_t *data,
                    size_t len,
                    const uint8_t sig[NTLM_SIG_SIZE],
                    struct errinfo *ei)
{
	return ntlm_unseal_region(s, (uint8_t *)(uintptr_t)data, len, 0, 0, sig,
	                          ei);
}

hresult ntlm_seal(struct ntlm_session *s,
                  uint8_t *data,
                  size_t len,
                  uint8_t sig[NTLM_SIG_SIZE])
{
	return ntlm_seal_region(s, data, len, 0, len, sig);
}

hresult ntlm_unseal(struct ntlm_session *s,
                    uint8_t *data,
                    size_t len,
                    const uint8_t sig[NTLM_SIG_SIZE],
                    struct errinfo *ei)
{
	return ntlm_unseal_region(s, data, len, 0, len, sig, ei);
}

/* ---- NTLMv1 (MS-NLMP 3.3.1, only with allow_ntlmv1) ---- */

/* DES with a 7-byte key (MS-NLMP 6, DES()). */
static void des7(const uint8_t k7[7], const uint8_t in[8], uint8_t out[8])
{
	struct des_ctx c;
	uint8_t k[8];

	k[0] = k7[0];
	k[1] = (uint8_t)((k7[0] << 7) | (k7[1] >> 1));
	k[2] = (uint8_t)((k7[1] << 6) | (k7[2] >> 2));
	k[3] = (uint8_t)((k7[2] << 5) | (k7[3] >> 3));
	k[4] = (uint8_t)((k7[3] << 4) | (k7[4] >> 4));
	k[5] = (uint8_t)((k7[4] << 3) | (k7[5] >> 5));
	k[6] = (uint8_t)((k7[5] << 2) | (k7[6] >> 6));
	k[7] = (uint8_t)(k7[6] << 1);
	des_fix_parity(8, k, k);
	des_set_key(&c, k); /* a weak key still encrypts; 0 is ignored */
	des_encrypt(&c, 8, out, in);
	memset(&c, 0, sizeof(c));
	memset(k, 0, sizeof(k));
}

/* DESL(K, D) of MS-NLMP 6. */
static void desl(const uint8_t key[16], const uint8_t d[8], uint8_t out[24])
{
	uint8_t k3[7] = { key[14], key[15], 0, 0, 0, 0, 0 };

	des7(key, d, out);
	des7(key + 7, d, out + 8);
	des7(k3, d, out + 16);
}

/* Verifies an NTLMv1 response; fills [kxkey].  True on success. */
static bool check_v1(const struct ntlm_authenticate *a,
                     const uint8_t nt_hash[16],
                     const uint8_t sc[8],
                     uint8_t kxkey[16])
{
	uint8_t want[24];
	uint8_t base[16];
	uint8_t chal[8];
	bool ok;

	if ((a->flags & NTLMSSP_NEGOTIATE_EXTENDED_SESSIONSECURITY) != 0) {
		struct md5_ctx m;
		uint8_t dig[16];

		md5_init(&m);
		md5_update(&m, 8, sc);
		md5_update(&m, 8, a->lm_response);
		md5_digest(&m, 16, dig);
		memcpy(chal, dig, 8);
	} else {
		memcpy(chal, sc, 8);
	}
	desl(nt_hash, chal, want);
	ok = ntlm_ct_equal(want, a->nt_response, 24);
	ntlm_nt_hash_u16(nt_hash, 16, base); /* SessionBaseKey = MD4(NT) */
	if ((a->flags & NTLMSSP_NEGOTIATE_EXTENDED_SESSIONSECURITY) != 0) {
		struct hmac_md5_ctx h;

		hmac_md5_set_key(&h, 16, base);
		hmac_md5_update(&h, 8, sc);
		hmac_md5_update(&h, 8, a->lm_response);
		hmac_md5_digest(&h, 16, kxkey);
	} else {
		memcpy(kxkey, base, 16);
	}
	memset(base, 0, sizeof(base));
	return ok;
}

/* ---- server (MS-NLMP 3.2.5) ---- */

static int server_destructor(struct ntlm_server *s)
{
	memset(s->server_challenge, 0, sizeof(s->server_challenge));
	return 0;
}

static char *dup_opt(void *mem, const char *s, bool *ok)
{
	char *d;

	if (s == NULL) {
		return NULL;
	}
	d = talloc_strdup(mem, s);
	if (d == NULL) {
		*ok = false;
	}
	return d;
}

struct ntlm_server *ntlm_server_new(void *mem,
                                    const struct ntlm_server_config *cfg)
{
	struct ntlm_server *s;
	bool ok = true;

	if (cfg == NULL || cfg->nb_computer == NULL || cfg->nb_domain == NULL ||
	    cfg->get_nt_hash == NULL) {
		return NULL;
	}
	s = talloc_zero(mem, struct ntlm_server);
	if (s == NULL) {
		return NULL;
	}
	talloc_set_destructor(s, server_destructor);
	s->cfg = *cfg;
	s->cfg.nb_computer = dup_opt(s, cfg->nb_computer, &ok);
	s->cfg.nb_domain = dup_opt(s, cfg->nb_domain, &ok);
	s->cfg.dns_computer = dup_opt(s, cfg->dns_computer, &ok);
	s->cfg.dns_domain = dup_opt(s, cfg->dns_domain, &ok);
	s->cfg.dns_tree = dup_opt(s, cfg->dns_tree, &ok);
	if (version_unset(&s->cfg.version)) {
		s->cfg.version = default_version;
	}
	if (!ok) {
		talloc_free(s);
		return NULL;
	}
	return s;
}

/* Appends a UTF-16 name pair to [pairs] when [name] is set. */
static hresult add_name(void *mem,
                        struct ntlm_av_pair *pairs,
                        size_t *n,
                        uint16_t id,
                        const char *name,
                        struct errinfo *ei)
{
	uint8_t *u;
	size_t ulen;
	hresult hr;

	if (name == NULL || name[0] == '\0') {
		return HR_OK;
	}
	hr = utf8_to_utf16le(mem, name, strlen(name), &u, &ulen);
	if (hr_eq(hr, HR_E_OUTOFMEMORY)) {
		return oom(ei);
	}
	if (hr_failed(hr) || ulen > NTLM_MAX_NAME_BYTES) {
		return err_set(ei, HR_E_INVALIDARG, LAYER,
		               "server name for %s is not valid UTF-8 or too "
		               "long",
		               ntlm_av_name(id));
	}
	pairs[*n].id = id;
	pairs[*n].len = (uint16_t)ulen;
	pairs[*n].value = u;
	(*n)++;
	return HR_OK;
}

static hresult build_challenge(struct ntlm_server *s,
                               void *tmp,
                               uint32_t neg_flags,
                               struct errinfo *ei)
{
	struct ntlm_av_pair pairs[6];
	struct ntlm_challenge ch;
	uint8_t ts[8];
	size_t n = 0;
	hresult hr;

	memset(&ch, 0, sizeof(ch));
	hr = add_name(tmp, pairs, &n, NTLM_AV_NB_DOMAIN_NAME, s->cfg.nb_domain,
	              ei);
	if (hr_ok(hr)) {
		hr = add_name(tmp, pairs, &n, NTLM_AV_NB_COMPUTER_NAME,
		              s->cfg.nb_computer, ei);
	}
	if (hr_ok(hr)) {
		hr = add_name(tmp, pairs, &n, NTLM_AV_DNS_DOMAIN_NAME,
		              s->cfg.dns_domain, ei);
	}
	if (hr_ok(hr)) {
		hr = add_name(tmp, pairs, &n, NTLM_AV_DNS_COMPUTER_NAME,
		              s->cfg.dns_computer, ei);
	}
	if (hr_ok(hr)) {
		hr = add_name(tmp, pairs, &n, NTLM_AV_DNS_TREE_NAME,
		              s->cfg.dns_tree, ei);
	}
	if (hr_failed(hr)) {
		return hr;
	}
	put64(ts, get_now(&s->cfg.hooks));
	pairs[n].id = NTLM_AV_TIMESTAMP;
	pairs[n].len = 8;
	pairs[n].value = ts;
	n++;
	hr = ntlm_av_encode(tmp, pairs, n, &ch.target_info, &ch.target_info_len,
	                    ei);
	if (hr_failed(hr)) {
		return hr;
	}
	ch.flags = (neg_flags & SERVER_ECHO) | SERVER_ALWAYS;
	ch.target_name = (char *)(uintptr_t)s->cfg.nb_computer;
	memcpy(ch.server_challenge, s->server_challenge, 8);
	ch.has_version = true;
	ch.version = s->cfg.version;
	return ntlm_challenge_build(s, &ch, &s->chal, &s->chal_len, ei);
}

hresult ntlm_server_negotiate(struct ntlm_server *s,
                              const uint8_t *in,
                              size_t in_len,
                              const uint8_t **out,
                              size_t *out_len,
                              struct errinfo *ei)
{
	struct ntlm_negotiate *neg = NULL;
	void *tmp;
	hresult hr;

	*out = NULL;
	*out_len = 0;
	if (s->st != ST_NEW) {
		s->st = ST_FAILED;
		return err_set(ei, HR_RPC_S_SEC_PKG_ERROR, LAYER,
		               "NEGOTIATE received in the wrong state");
	}
	s->st = ST_FAILED;
	tmp = talloc_new(s);
	if (tmp == NULL) {
		return oom(ei);
	}
	hr = ntlm_negotiate_parse(tmp, in, in_len, &neg, ei);
	if (hr_failed(hr)) {
		goto out;
	}
	s->neg = talloc_memdup(s, in, in_len);
	if (s->neg == NULL) {
		hr = oom(ei);
		goto out;
	}
	s->neg_len = in_len;
	hr = get_random(&s->cfg.hooks, s->server_challenge, 8);
	if (hr_failed(hr)) {
		hr = err_set(ei, HR_E_FAIL, LAYER, "no random bytes");
		goto out;
	}
	hr = build_challenge(s, tmp, neg->flags, ei);
	if (hr_failed(hr)) {
		goto out;
	}
	s->st = ST_CHALLENGED;
	*out = s->chal;
	*out_len = s->chal_len;
out:
	talloc_free(tmp);
	return hr;
}

static bool is_anonymous(const struct ntlm_authenticate *a)
{
	return a->user[0] == '\0' && a->nt_response_len == 0 &&
	       (a->lm_response_len == 0 ||
	        (a->lm_response_len == 1 && a->lm_response[0] == 0));
}

/*
 * Checks the NTLMv2 response for [domain16] (tries the client's domain
 * first, then "").  On success fills [session_base].
 */
static bool check_v2(const struct ntlm_authenticate *a,
                     const uint8_t nt_hash[16],
                     const uint8_t *dom16,
                     size_t dom_len,
                     const uint8_t sc[8],
                     uint8_t session_base[16])
{
	uint8_t key[16];
	uint8_t proof[16];
	bool ok;

	if (hr_failed(ntlm_ntowfv2_u16(nt_hash, a->user_u16, a->user_u16_len,
	                               dom16, dom_len, key))) {
		return false;
	}
	ntlm_ntproofstr(key, sc, a->nt_response + 16, a->nt_response_len - 16,
	                proof);
	ok = ntlm_ct_equal(proof, a->nt_response, 16);
	if (ok) {
		ntlm_session_base_key(key, proof, session_base);
	}
	memset(key, 0, sizeof(key));
	return ok;
}

static hresult lookup(struct ntlm_server *s,
                      const char *user,
                      const char *domain,
                      uint8_t hash[16])
{
	return s->cfg.get_nt_hash(s->cfg.get_nt_hash_arg, user, domain, hash);
}

/* Runs the NTLMv2 proof; fills [kxkey] and sets [*v2_blob]. */
static hresult auth_v2(struct ntlm_server *s,
                       void *tmp,
                       const struct ntlm_authenticate *a,
                       struct ntlm_v2_blob *blob,
                       uint8_t kxkey[16],
                       struct errinfo *ei)
{
	uint8_t hash[16];
	bool ok = false;
	hresult hr;

	hr = ntlm_v2_blob_parse(tmp, a->nt_response + 16,
	                        a->nt_response_len - 16, blob, ei);
	if (hr_failed(hr)) {
		return hr;
	}
	if (a->user[0] == '\0') {
		return err_set(ei, HR_HR_ERROR_LOGON_FAILURE, LAYER,
		               "logon failure: empty user name");
	}
	hr = lookup(s, a->user, a->domain, hash);
	if (hr_ok(hr)) {
		ok = check_v2(a, hash, a->domain_u16, a->domain_u16_len,
		              s->server_challenge, kxkey);
	}
	if (!ok && a->domain[0] != '\0' && !hr_eq(hr, HR_E_OUTOFMEMORY)) {
		hr = lookup(s, a->user, "", hash);
		if (hr_ok(hr)) {
			ok = check_v2(a, hash, (const uint8_t *)"", 0,
			              s->server_challenge, kxkey);
		}
	}
	memset(hash, 0, sizeof(hash));
	if (hr_eq(hr, HR_E_OUTOFMEMORY)) {
		return oom(ei);
	}
	if (!ok) {
		return err_set(
		        ei, HR_HR_ERROR_LOGON_FAILURE, LAYER,
		        "logon failure for \"%s\\%s\": %s", a->domain, a->user,
		        hr_ok(hr) ? "NTProofStr mismatch (wrong password)"
		                  : "unknown user");
	}
	return HR_OK;
}

static hresult auth_v1(struct ntlm_server *s,
                       const struct ntlm_authenticate *a,
                       uint8_t kxkey[16],
                       struct errinfo *ei)
{
	uint8_t hash[16];
	bool ok = false;
	hresult hr;

	if (!s->cfg.allow_ntlmv1) {
		return err_set(ei, HR_E_ACCESSDENIED, LAYER,
		               "NTLMv1/LM response refused by policy "
		               "(allow_ntlmv1 is off)");
	}
	if (a->nt_response_len != 24 || a->lm_response_len != 24 ||
	    (a->flags & NTLMSSP_NEGOTIATE_LM_KEY) != 0) {
		return err_set(ei, HR_E_ACCESSDENIED, LAYER,
		               "LM authentication refused");
	}
	hr = lookup(s, a->user, a->domain, hash);
	if (hr_ok(hr)) {
		ok = check_v1(a, hash, s->server_challenge, kxkey);
	}
	memset(hash, 0, sizeof(hash));
	if (hr_eq(hr, HR_E_OUTOFMEMORY)) {
		return oom(ei);
	}
	if (!ok) {
		return err_set(ei, HR_HR_ERROR_LOGON_FAILURE, LAYER,
		               "logon failure for \"%s\\%s\" (NTLMv1)",
		               a->domain, a->user);
	}
	return HR_OK;
}

/* Verifies the MIC when the blob's MsvAvFlags announce one. */
static hresult check_mic(struct ntlm_server *s,
                         const struct ntlm_authenticate *a,
                         const struct ntlm_v2_blob *blob,
                         const uint8_t *in,
                         size_t in_len,
                         const uint8_t exported[16],
                         struct errinfo *ei)
{
	const struct ntlm_av_pair *f = ntlm_av_find(&blob->av, NTLM_AV_FLAGS);
	uint8_t mic[16];
	uint32_t v;

	if (f == NULL) {
		return HR_OK;
	}
	v = (uint32_t)f->value[0] | ((uint32_t)f->value[1] << 8) |
	    ((uint32_t)f->value[2] << 16) | ((uint32_t)f->value[3] << 24);
	if ((v & NTLM_AVF_MIC_PRESENT) == 0) {
		return HR_OK;
	}
	if (!a->has_mic_room) {
		return err_set(ei, HR_HR_ERROR_LOGON_FAILURE, LAYER,
		               "MsvAvFlags announce a MIC but the message has "
		               "no MIC field");
	}
	ntlm_mic(exported, s->neg, s->neg_len, s->chal, s->chal_len, in, in_len,
	         NTLM_MIC_OFFSET, mic);
	if (!ntlm_ct_equal(mic, a->mic, 16)) {
		return err_set(ei, HR_HR_ERROR_LOGON_FAILURE, LAYER,
		               "MIC mismatch (messages altered)");
	}
	return HR_OK;
}

static hresult set_identity(struct ntlm_server *s,
                            const struct ntlm_authenticate *a)
{
	s->id.user = talloc_strdup(s, a->user);
	s->id.domain = talloc_strdup(s, a->domain);
	s->id.workstation = talloc_strdup(s, a->workstation);
	s->id.flags = a->flags;
	if (s->id.user == NULL || s->id.domain == NULL ||
	    s->id.workstation == NULL) {
		return HR_E_OUTOFMEMORY;
	}
	return HR_OK;
}

hresult ntlm_server_authenticate(struct ntlm_server *s,
                                 const uint8_t *in,
                                 size_t in_len,
                                 struct errinfo *ei)
{
	struct ntlm_authenticate *a = NULL;
	struct ntlm_v2_blob blob;
	uint8_t kxkey[16] = { 0 };
	uint8_t exported[16];
	bool v1 = false;
	void *tmp;
	hresult hr;

	if (s->st != ST_CHALLENGED) {
		s->st = ST_FAILED;
		return err_set(ei, HR_RPC_S_SEC_PKG_ERROR, LAYER,
		               "AUTHENTICATE received in the wrong state");
	}
	s->st = ST_FAILED;
	memset(&blob, 0, sizeof(blob));
	tmp = talloc_new(s);
	if (tmp == NULL) {
		return oom(ei);
	}
	hr = ntlm_authenticate_parse(tmp, in, in_len, &a, ei);
	if (hr_failed(hr)) {
		goto out;
	}
	if (legacy_security(a->flags)) {
		hr = err_set(ei, HR_RPC_S_SEC_PKG_ERROR, LAYER,
		             "signing or sealing without extended session "
		             "security is not supported");
		goto out;
	}
	if (is_anonymous(a)) {
		if (!s->cfg.allow_anonymous) {
			hr = err_set(ei, HR_E_ACCESSDENIED, LAYER,
			             "anonymous logon refused by policy");
			goto out;
		}
		s->id.anonymous = true;
	} else if (a->nt_response_len <= 24) {
		v1 = true;
		hr = auth_v1(s, a, kxkey, ei);
	} else if (a->nt_response_len <
	           NTLM_NTPROOF_SIZE + NTLM_BLOB_FIXED + 4) {
		hr = err_set(ei, HR_E_INVALIDARG, LAYER,
		             "AUTHENTICATE NtChallengeResponse: %zu bytes is "
		             "too short for NTLMv2",
		             a->nt_response_len);
	} else {
		hr = auth_v2(s, tmp, a, &blob, kxkey, ei);
	}
	if (hr_failed(hr)) {
		goto out;
	}
	if ((a->flags & NTLMSSP_NEGOTIATE_KEY_EXCH) != 0 &&
	    (a->flags & (NTLMSSP_NEGOTIATE_SIGN | NTLMSSP_NEGOTIATE_SEAL)) !=
	            0) {
		if (a->enc_session_key_len != 16) {
			hr = err_set(ei, HR_E_INVALIDARG, LAYER,
			             "AUTHENTICATE EncryptedRandomSessionKey: "
			             "KEY_EXCH without a 16-byte key");
			goto out;
		}
		ntlm_rc4(kxkey, a->enc_session_key, exported, 16);
	} else {
		memcpy(exported, kxkey, 16);
	}
	if (!v1 && !s->id.anonymous) {
		hr = check_mic(s, a, &blob, in, in_len, exported, ei);
		if (hr_failed(hr)) {
			goto out;
		}
	}
	s->id.ntlmv1 = v1;
	hr = set_identity(s, a);
	if (hr_ok(hr)) {
		s->session = ntlm_session_new(s, exported, a->flags, true);
		if (s->session == NULL) {
			hr = HR_E_OUTOFMEMORY;
		}
	}
	if (hr_failed(hr)) {
		hr = oom(ei);
		goto out;
	}
	s->st = ST_DONE;
out:
	memset(kxkey, 0, sizeof(kxkey));
	memset(exported, 0, sizeof(exported));
	talloc_free(tmp);
	return hr;
}

const struct ntlm_identity *ntlm_server_identity(const struct ntlm_server *s)
{
	return s->st == ST_DONE ? &s->id : NULL;
}

struct ntlm_session *ntlm_server_session(struct ntlm_server *s)
{
	return s->st == ST_DONE ? s->session : NULL;
}

/* ---- client (MS-NLMP 3.1.5) ---- */

static int client_destructor(struct ntlm_client *c)
{
	memset(c->nt_hash, 0, sizeof(c->nt_hash));
	return 0;
}

struct ntlm_client *ntlm_client_new(void *mem,
                                    const struct ntlm_client_config *cfg)
{
	struct ntlm_client *c;
	bool ok = true;

	if (cfg == NULL || cfg->user == NULL ||
	    (cfg->password == NULL && cfg->nt_hash == NULL)) {
		return NULL;
	}
	c = talloc_zero(mem, struct ntlm_client);
	if (c == NULL) {
		return NULL;
	}
	talloc_set_destructor(c, client_destructor);
	c->cfg = *cfg;
	c->cfg.password = NULL;
	c->cfg.nt_hash = NULL;
	c->cfg.user = dup_opt(c, cfg->user, &ok);
	c->cfg.domain = dup_opt(c, cfg->domain ? cfg->domain : "", &ok);
	c->cfg.workstation = dup_opt(c, cfg->workstation, &ok);
	c->cfg.target_spn = dup_opt(c, cfg->target_spn, &ok);
	if (c->cfg.flags == 0) {
		c->cfg.flags = NTLM_CLIENT_FLAGS;
	}
	if (version_unset(&c->cfg.version)) {
		c->cfg.version = default_version;
	}
	if (cfg->password != NULL) {
		ok = ok && hr_ok(ntlm_nt_hash(cfg->password, c->nt_hash));
	} else {
		memcpy(c->nt_hash, cfg->nt_hash, 16);
	}
	if (!ok) {
		talloc_free(c);
		return NULL;
	}
	return c;
}

hresult ntlm_client_negotiate(struct ntlm_client *c,
                              const uint8_t **out,
                              size_t *out_len,
                              struct errinfo *ei)
{
	struct ntlm_negotiate n;
	hresult hr;

	*out = NULL;
	*out_len = 0;
	if (c->st != ST_NEW) {
		c->st = ST_FAILED;
		return err_set(ei, HR_RPC_S_SEC_PKG_ERROR, LAYER,
		               "negotiate called in the wrong state");
	}
	memset(&n, 0, sizeof(n));
	n.flags = c->cfg.flags;
	n.version = c->cfg.version;
	hr = ntlm_negotiate_build(c, &n, &c->neg, &c->neg_len, ei);
	if (hr_failed(hr)) {
		c->st = ST_FAILED;
		return hr;
	}
	c->st = ST_CHALLENGED;
	*out = c->neg;
	*out_len = c->neg_len;
	return HR_OK;
}

/*
 * Builds the blob's AV list: the server's pairs, then MsvAvFlags (with the
 * MIC bit when [mic]) and MsvAvTargetName when configured.
 */
static hresult client_av(struct ntlm_client *c,
                         void *tmp,
                         const struct ntlm_challenge *ch,
                         bool mic,
                         uint8_t **out,
                         size_t *out_len,
                         struct errinfo *ei)
{
	struct ntlm_av_pair *pairs;
	size_t n = 0;
	uint8_t *flags_v;
	uint32_t fl = 0;
	hresult hr;

	pairs = talloc_array(tmp, struct ntlm_av_pair, ch->av.n + 2);
	flags_v = talloc_zero_array(tmp, uint8_t, 4);
	if (pairs == NULL || flags_v == NULL) {
		return oom(ei);
	}
	for (size_t i = 0; i < ch->av.n; i++) {
		if (ch->av.pairs[i].id == NTLM_AV_FLAGS) {
			const uint8_t *v = ch->av.pairs[i].value;

			fl = (uint32_t)v[0] | ((uint32_t)v[1] << 8) |
			     ((uint32_t)v[2] << 16) | ((uint32_t)v[3] << 24);
			continue;
		}
		if (ch->av.pairs[i].id == NTLM_AV_TARGET_NAME &&
		    c->cfg.target_spn != NULL) {
			continue;
		}
		pairs[n++] = ch->av.pairs[i];
	}
	if (mic) {
		fl |= NTLM_AVF_MIC_PRESENT;
	}
	if (fl != 0) {
		put32(flags_v, fl);
		pairs[n].id = NTLM_AV_FLAGS;
		pairs[n].len = 4;
		pairs[n].value = flags_v;
		n++;
	}
	if (c->cfg.target_spn != NULL) {
		hr = add_name(tmp, pairs, &n, NTLM_AV_TARGET_NAME,
		              c->cfg.target_spn, ei);
		if (hr_failed(hr)) {
			return hr;
		}
	}
	return ntlm_av_encode(tmp, pairs, n, out, out_len, ei);
}

/* Computes the NTLMv2 and LMv2 responses and the session base key. */
static hresult client_responses(struct ntlm_client *c,
                                void *tmp,
                                const struct ntlm_challenge *ch,
                                bool mic,
                                struct ntlm_authenticate *m,
                                uint8_t session_base[16],
                                struct errinfo *ei)
{
	const struct ntlm_av_pair *ts = ntlm_av_find(&ch->av,
	                                             NTLM_AV_TIMESTAMP);
	uint8_t cc[8];
	uint8_t key[16];
	uint8_t *av;
	size_t av_len;
	size_t blob_len;
	uint8_t *nt;
	hresult hr;

	hr = get_random(&c->cfg.hooks, cc, 8);
	if (hr_failed(hr)) {
		return err_set(ei, HR_E_FAIL, LAYER, "no random bytes");
	}
	hr = client_av(c, tmp, ch, mic, &av, &av_len, ei);
	if (hr_failed(hr)) {
		return hr;
	}
	blob_len = NTLM_BLOB_FIXED + av_len + 4;
	nt = talloc_zero_array(tmp, uint8_t, 16 + blob_len);
	m->lm_response = talloc_zero_array(tmp, uint8_t, 24);
	if (nt == NULL || m->lm_response == NULL) {
		return oom(ei);
	}
	nt[16] = 1;
	nt[17] = 1;
	if (ts != NULL) {
		memcpy(nt + 16 + 8, ts->value, 8);
	} else {
		put64(nt + 16 + 8, get_now(&c->cfg.hooks));
	}
	memcpy(nt + 16 + 16, cc, 8);
	memcpy(nt + 16 + NTLM_BLOB_FIXED, av, av_len);
	hr = ntlm_ntowfv2(c->nt_hash, c->cfg.user, c->cfg.domain, key);
	if (hr_failed(hr)) {
		return err_set(ei, hr, LAYER, "cannot hash user or domain");
	}
	ntlm_ntproofstr(key, ch->server_challenge, nt + 16, blob_len, nt);
	ntlm_session_base_key(key, nt, session_base);
	/* MS-NLMP 3.1.5.1.2: Z(24) instead of LMv2 with a timestamp. */
	if (ts == NULL) {
		ntlm_lmv2_response(key, ch->server_challenge, cc,
		                   m->lm_response);
	}
	memset(key, 0, sizeof(key));
	m->lm_response_len = 24;
	m->nt_response = nt;
	m->nt_response_len = 16 + blob_len;
	return HR_OK;
}

hresult ntlm_client_authenticate(struct ntlm_client *c,
                                 const uint8_t *in,
                                 size_t in_len,
                                 const uint8_t **out,
                                 size_t *out_len,
                                 struct errinfo *ei)
{
	struct ntlm_challenge *ch = NULL;
	struct ntlm_authenticate m;
	uint8_t base[16];
	uint8_t exported[16];
	uint8_t enc[16];
	size_t mic_off = 0;
	bool mic;
	void *tmp;
	hresult hr;

	*out = NULL;
	*out_len = 0;
	if (c->st != ST_CHALLENGED) {
		c->st = ST_FAILED;
		return err_set(ei, HR_RPC_S_SEC_PKG_ERROR, LAYER,
		               "authenticate called in the wrong state");
	}
	c->st = ST_FAILED;
	memset(&m, 0, sizeof(m));
	tmp = talloc_new(c);
	if (tmp == NULL) {
		return oom(ei);
	}
	hr = ntlm_challenge_parse(tmp, in, in_len, &ch, ei);
	if (hr_failed(hr)) {
		goto out;
	}
	if (ch->target_info == NULL) {
		hr = err_set(ei, HR_RPC_S_SEC_PKG_ERROR, LAYER,
		             "CHALLENGE has no TargetInfo: NTLMv2 impossible");
		goto out;
	}
	/* Keep our flags, less the negotiable ones the server refused. */
	m.flags = c->cfg.flags & ~(CLIENT_NEGOTIABLE & ~ch->flags);
	if (legacy_security(m.flags)) {
		hr = err_set(ei, HR_RPC_S_SEC_PKG_ERROR, LAYER,
		             "server refused extended session security");
		goto out;
	}
	mic = ntlm_av_find(&ch->av, NTLM_AV_TIMESTAMP) != NULL;
	hr = client_responses(c, tmp, ch, mic, &m, base, ei);
	if (hr_failed(hr)) {
		goto out;
	}
	if ((m.flags & NTLMSSP_NEGOTIATE_KEY_EXCH) != 0) {
		hr = get_random(&c->cfg.hooks, exported, 16);
		if (hr_failed(hr)) {
			hr = err_set(ei, HR_E_FAIL, LAYER, "no random bytes");
			goto out;
		}
		ntlm_rc4(base, exported, enc, 16);
		m.enc_session_key = enc;
		m.enc_session_key_len = 16;
	} else {
		memcpy(exported, base, 16);
	}
	m.user = (char *)(uintptr_t)c->cfg.user;
	m.domain = (char *)(uintptr_t)c->cfg.domain;
	m.workstation = (char *)(uintptr_t)c->cfg.workstation;
	m.version = c->cfg.version;
	m.has_mic_room = mic;
	hr = ntlm_authenticate_build(c, &m, &c->auth, &c->auth_len, &mic_off,
	                             ei);
	if (hr_failed(hr)) {
		goto out;
	}
	if (mic) {
		ntlm_mic(exported, c->neg, c->neg_len, in, in_len, c->auth,
		         c->auth_len, mic_off, c->auth + mic_off);
	}
	c->session = ntlm_session_new(c, exported, m.flags, false);
	if (c->session == NULL) {
		hr = oom(ei);
		goto out;
	}
	c->st = ST_DONE;
	*out = c->auth;
	*out_len = c->auth_len;
out:
	memset(base, 0, sizeof(base));
	memset(exported, 0, sizeof(exported));
	talloc_free(tmp);
	return hr;
}

struct ntlm_session *ntlm_client_session(struct ntlm_client *c)
{
	return c->st == ST_DONE ? c->session : NULL;
}
