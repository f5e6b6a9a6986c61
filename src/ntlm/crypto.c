/*
 * crypto: the NTLM key schedule and response functions (ntlm layer;
 * MS-NLMP 3.3, 3.4.5, 3.1.5.1.2).  See crypto.h for the contracts.
 */
#include "ntlm/crypto.h"

#include <errno.h>
#include <nettle/arcfour.h>
#include <nettle/hmac.h>
#include <nettle/md4.h>
#include <nettle/md5.h>
#include <string.h>
#include <sys/random.h>
#include <talloc.h>
#include <time.h>

#include "base/utf.h"

void ntlm_nt_hash_u16(const uint8_t *pw16, size_t len, uint8_t out[16])
{
	struct md4_ctx c;

	md4_init(&c);
	md4_update(&c, len, pw16);
	md4_digest(&c, MD4_DIGEST_SIZE, out);
}

hresult ntlm_nt_hash(const char *password, uint8_t out[16])
{
	uint8_t *u = NULL;
	size_t ulen = 0;
	hresult hr;

	hr = utf8_to_utf16le(NULL, password, strlen(password), &u, &ulen);
	if (hr_eq(hr, HR_E_OUTOFMEMORY)) {
		return hr;
	}
	if (hr_failed(hr)) {
		return HR_E_INVALIDARG;
	}
	ntlm_nt_hash_u16(u, ulen, out);
	memset(u, 0, ulen);
	talloc_free(u);
	return HR_OK;
}

static uint16_t upper_unit(uint16_t c)
{
	if (c >= 'a' && c <= 'z') {
		return (uint16_t)(c - 0x20);
	}
	if (c >= 0xE0 && c <= 0xFE && c != 0xF7) {
		return (uint16_t)(c - 0x20); /* Latin-1 */
	}
	if (c == 0xFF) {
		return 0x178;
	}
	if (c >= 0x3B1 && c <= 0x3C9 && c != 0x3C2) {
		return (uint16_t)(c - 0x20); /* Greek */
	}
	if (c >= 0x430 && c <= 0x44F) {
		return (uint16_t)(c - 0x20); /* Cyrillic */
	}
	if (c >= 0x450 && c <= 0x45F) {
		return (uint16_t)(c - 0x50);
	}
	return c;
}

void ntlm_upper_u16(const uint8_t *in, size_t len, uint8_t *out)
{
	for (size_t i = 0; i + 1 < len; i += 2) {
		uint16_t c = (uint16_t)(in[i] | (in[i + 1] << 8));

		c = upper_unit(c);
		out[i] = (uint8_t)c;
		out[i + 1] = (uint8_t)(c >> 8);
	}
}

hresult ntlm_ntowfv2_u16(const uint8_t nt_hash[16],
                         const uint8_t *user16,
                         size_t user_len,
                         const uint8_t *dom16,
                         size_t dom_len,
                         uint8_t out[16])
{
	struct hmac_md5_ctx h;
	uint8_t up[2048];

	if (user_len > sizeof(up)) {
		return HR_E_OUTOFMEMORY;
	}
	ntlm_upper_u16(user16, user_len & ~(size_t)1, up);
	hmac_md5_set_key(&h, 16, nt_hash);
	hmac_md5_update(&h, user_len & ~(size_t)1, up);
	hmac_md5_update(&h, dom_len, dom16);
	hmac_md5_digest(&h, MD5_DIGEST_SIZE, out);
	memset(up, 0, user_len);
	return HR_OK;
}

hresult ntlm_ntowfv2(const uint8_t nt_hash[16],
                     const char *user,
                     const char *domain,
                     uint8_t out[16])
{
	void *tmp = talloc_new(NULL);
	uint8_t *u = NULL;
	uint8_t *d = NULL;
	size_t ulen = 0;
	size_t dlen = 0;
	hresult hr;

	if (tmp == NULL) {
		return HR_E_OUTOFMEMORY;
	}
	hr = utf8_to_utf16le(tmp, user, strlen(user), &u, &ulen);
	if (hr_ok(hr)) {
		hr = utf8_to_utf16le(tmp, domain, strlen(domain), &d, &dlen);
	}
	if (hr_ok(hr)) {
		hr = ntlm_ntowfv2_u16(nt_hash, u, ulen, d, dlen, out);
	} else if (!hr_eq(hr, HR_E_OUTOFMEMORY)) {
		hr = HR_E_INVALIDARG;
	}
	talloc_free(tmp);
	return hr;
}

void ntlm_ntproofstr(const uint8_t key[16],
                     const uint8_t server_chal[8],
                     const uint8_t *blob,
                     size_t blob_len,
                     uint8_t out[16])
{
	struct hmac_md5_ctx h;

	hmac_md5_set_key(&h, 16, key);
	hmac_md5_update(&h, 8, server_chal);
	hmac_md5_update(&h, blob_len, blob);
	hmac_md5_digest(&h, MD5_DIGEST_SIZE, out);
}

void ntlm_lmv2_response(const uint8_t key[16],
                        const uint8_t server_chal[8],
                        const uint8_t client_chal[8],
                        uint8_t out[24])
{
	struct hmac_md5_ctx h;

	hmac_md5_set_key(&h, 16, key);
	hmac_md5_update(&h, 8, server_chal);
	hmac_md5_update(&h, 8, client_chal);
	hmac_md5_digest(&h, MD5_DIGEST_SIZE, out);
	memcpy(out + 16, client_chal, 8);
}

void ntlm_session_base_key(const uint8_t key[16],
                           const uint8_t ntproof[16],
                           uint8_t out[16])
{
	struct hmac_md5_ctx h;

	hmac_md5_set_key(&h, 16, key);
	hmac_md5_update(&h, 16, ntproof);
	hmac_md5_digest(&h, MD5_DIGEST_SIZE, out);
}

void ntlm_rc4(const uint8_t key[16], const uint8_t *in, uint8_t *out, size_t n)
{
	struct arcfour_ctx c;

	arcfour_set_key(&c, 16, key);
	arcfour_crypt(&c, n, out, in);
	memset(&c, 0, sizeof(c));
}

/* The magic constants of MS-NLMP 3.4.5.2 and 3.4.5.3, NUL included. */
static const char c2s_sign[] =
        "session key to client-to-server signing key magic constant";
static const char s2c_sign[] =
        "session key to server-to-client signing key magic constant";
static const char c2s_seal[] =
        "session key to client-to-server sealing key magic constant";
static const char s2c_seal[] =
        "session key to server-to-client sealing key magic constant";

static void md5_key(const uint8_t *key,
                    size_t key_len,
                    const char *magic,
                    size_t magic_size,
                    uint8_t out[16])
{
	struct md5_ctx c;

	md5_init(&c);
	md5_update(&c, key_len, key);
	md5_update(&c, magic_size, (const uint8_t *)magic);
	md5_digest(&c, MD5_DIGEST_SIZE, out);
}

void ntlm_sign_key(const uint8_t exported[16],
                   bool client_to_server,
                   uint8_t out[16])
{
	if (client_to_server) {
		md5_key(exported, 16, c2s_sign, sizeof(c2s_sign), out);
	} else {
		md5_key(exported, 16, s2c_sign, sizeof(s2c_sign), out);
	}
}

void ntlm_seal_key(const uint8_t exported[16],
                   uint32_t flags,
                   bool client_to_server,
                   uint8_t out[16])
{
	size_t n = 5;

	if ((flags & 0x20000000u) != 0) { /* NTLMSSP_NEGOTIATE_128 */
		n = 16;
	} else if ((flags & 0x80000000u) != 0) { /* NTLMSSP_NEGOTIATE_56 */
		n = 7;
	}
	if (client_to_server) {
		md5_key(exported, n, c2s_seal, sizeof(c2s_seal), out);
	} else {
		md5_key(exported, n, s2c_seal, sizeof(s2c_seal), out);
	}
}

void ntlm_mic(const uint8_t exported[16],
              const uint8_t *neg,
              size_t neg_len,
              const uint8_t *chal,
              size_t chal_len,
              const uint8_t *auth,
              size_t auth_len,
              size_t mic_off,
              uint8_t out[16])
{
	static const uint8_t zero[16];
	struct hmac_md5_ctx h;

	hmac_md5_set_key(&h, 16, exported);
	hmac_md5_update(&h, neg_len, neg);
	hmac_md5_update(&h, chal_len, chal);
	hmac_md5_update(&h, mic_off, auth);
	hmac_md5_update(&h, 16, zero);
	hmac_md5_update(&h, auth_len - mic_off - 16, auth + mic_off + 16);
	hmac_md5_digest(&h, MD5_DIGEST_SIZE, out);
}

bool ntlm_ct_equal(const uint8_t *a, const uint8_t *b, size_t n)
{
	uint8_t d = 0;

	for (size_t i = 0; i < n; i++) {
		d |= (uint8_t)(a[i] ^ b[i]);
	}
	return d == 0;
}

hresult ntlm_random(uint8_t *p, size_t n)
{
	while (n > 0) {
		ssize_t got = getrandom(p, n, 0);

		if (got < 0) {
			if (errno == EINTR) {
				continue;
			}
			return HR_E_FAIL;
		}
		p += got;
		n -= (size_t)got;
	}
	return HR_OK;
}

uint64_t ntlm_filetime_now(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_REALTIME, &ts);
	return ((uint64_t)ts.tv_sec + 11644473600ull) * 10000000ull +
	       (uint64_t)ts.tv_nsec / 100u;
}
