/*
 * msg: the NTLMSSP message codec (ntlm layer; MS-NLMP 2.2).
 *
 * Wire layouts (all integers little-endian; "fields" are the 8-byte
 * Len(2) MaxLen(2) BufferOffset(4) triples of MS-NLMP 2.2.1):
 *
 *   NEGOTIATE_MESSAGE                CHALLENGE_MESSAGE
 *   off size field                   off size field
 *     0   8  "NTLMSSP\0"               0   8  "NTLMSSP\0"
 *     8   4  MessageType = 1           8   4  MessageType = 2
 *    12   4  NegotiateFlags           12   8  TargetNameFields
 *    16   8  DomainNameFields         20   4  NegotiateFlags
 *    24   8  WorkstationFields        24   8  ServerChallenge
 *    32   8  Version (if flagged)     32   8  Reserved
 *    32+     payload                  40   8  TargetInfoFields
 *                                     48   8  Version (if flagged)
 *                                     48+     payload
 *
 *   AUTHENTICATE_MESSAGE
 *   off size field
 *     0   8  "NTLMSSP\0"
 *     8   4  MessageType = 3
 *    12   8  LmChallengeResponseFields
 *    20   8  NtChallengeResponseFields
 *    28   8  DomainNameFields
 *    36   8  UserNameFields
 *    44   8  WorkstationFields
 *    52   8  EncryptedRandomSessionKeyFields
 *    60   4  NegotiateFlags
 *    64   8  Version  (present when the payload starts at 72 or later)
 *    72  16  MIC      (room exists when the payload starts at 88 or later)
 *    64+     payload
 *
 * The fixed header's true end is not signalled on the wire (Impacket sends
 * neither Version nor MIC; Windows sends both), so it is taken as the
 * lowest offset of a non-empty payload field, as every implementation
 * does.  Payload fields must lie inside the message, after that header,
 * and must not overlap each other.
 */
#include "ntlm/msg.h"

#include <string.h>
#include <talloc.h>

#include "base/rd.h"
#include "base/utf.h"

#define LAYER "ntlm"

static const uint8_t ntlm_signature[8] = {
	'N', 'T', 'L', 'M', 'S', 'S', 'P', 0
};

struct field {
	const char *name;
	uint16_t len;
	uint32_t off;
};

static uint16_t get16(const uint8_t *p)
{
	return (uint16_t)(p[0] | (p[1] << 8));
}

static uint32_t get32(const uint8_t *p)
{
	return (uint32_t)p[0] | ((uint32_t)p[1] << 8) | ((uint32_t)p[2] << 16) |
	       ((uint32_t)p[3] << 24);
}

static void put16(uint8_t *p, uint16_t v)
{
	p[0] = (uint8_t)v;
	p[1] = (uint8_t)(v >> 8);
}

static void put32(uint8_t *p, uint32_t v)
{
	p[0] = (uint8_t)v;
	p[1] = (uint8_t)(v >> 8);
	p[2] = (uint8_t)(v >> 16);
	p[3] = (uint8_t)(v >> 24);
}

static void read_field(const uint8_t *msg,
                       size_t at,
                       const char *name,
                       struct field *f)
{
	f->name = name;
	f->len = get16(msg + at);
	f->off = get32(msg + at + 4);
}

static void read_version(const uint8_t *p, struct ntlm_version *v)
{
	v->major = p[0];
	v->minor = p[1];
	v->build = get16(p + 2);
	v->revision = p[7];
}

static void write_version(uint8_t *p, const struct ntlm_version *v)
{
	p[0] = v->major;
	p[1] = v->minor;
	put16(p + 2, v->build);
	p[4] = p[5] = p[6] = 0;
	p[7] = v->revision;
}

/* Checks the signature, the type and the minimum size. */
static hresult check_header(const uint8_t *msg,
                            size_t len,
                            uint32_t type,
                            size_t fixed,
                            const char *what,
                            struct errinfo *ei)
{
	if (msg == NULL || len < fixed) {
		return err_set_pos(ei, HR_E_INVALIDARG, LAYER, 0, 0, len,
		                   "%s: message of %zu bytes is shorter than "
		                   "its %zu-byte fixed part",
		                   what, len, fixed);
	}
	if (len > NTLM_MAX_MESSAGE) {
		return err_set(ei, HR_E_INVALIDARG, LAYER,
		               "%s: message of %zu bytes exceeds the %d-byte "
		               "limit",
		               what, len, NTLM_MAX_MESSAGE);
	}
	if (memcmp(msg, ntlm_signature, 8) != 0) {
		return err_set_pos(ei, HR_E_INVALIDARG, LAYER, 0, 0, 0,
		                   "%s: Signature is not \"NTLMSSP\\0\"", what);
	}
	if (get32(msg + 8) != type) {
		return err_set_pos(ei, HR_E_INVALIDARG, LAYER, 0, 0, 8,
		                   "%s: MessageType is %u, expected %u", what,
		                   get32(msg + 8), type);
	}
	return HR_OK;
}

/* Returns the lowest offset of a non-empty field, or [len] if none. */
static size_t payload_start(const struct field *f, size_t n, size_t len)
{
	size_t lo = len;

	for (size_t i = 0; i < n; i++) {
		if (f[i].len != 0 && f[i].off < lo) {
			lo = f[i].off;
		}
	}
	return lo;
}

/*
 * Checks that each non-empty field lies in [hdr, len), is not over
 * [max_len], and that no two overlap.
 */
static hresult check_fields(const struct field *f,
                            size_t n,
                            size_t hdr,
                            size_t len,
                            const char *what,
                            struct errinfo *ei)
{
	for (size_t i = 0; i < n; i++) {
		uint64_t end = (uint64_t)f[i].off + f[i].len;

		if (f[i].len == 0) {
			continue;
		}
		if (f[i].off < hdr) {
			return err_set_pos(ei, HR_E_INVALIDARG, LAYER, 0, 0,
			                   f[i].off,
			                   "%s %s: offset %u lies inside the "
			                   "%zu-byte fixed header",
			                   what, f[i].name, f[i].off, hdr);
		}
		if (end > len) {
			return err_set_pos(
			        ei, HR_E_INVALIDARG, LAYER, 0, 0, f[i].off,
			        "%s %s: offset %u + length %u past "
			        "end of %zu-byte message",
			        what, f[i].name, f[i].off, f[i].len, len);
		}
		for (size_t j = 0; j < i; j++) {
			uint64_t jend = (uint64_t)f[j].off + f[j].len;

			if (f[j].len == 0) {
				continue;
			}
			if (f[i].off < jend && f[j].off < end) {
				return err_set_pos(
				        ei, HR_E_INVALIDARG, LAYER, 0, 0,
				        f[i].off,
				        "%s %s: overlaps %s (offsets %u and "
				        "%u)",
				        what, f[i].name, f[j].name, f[i].off,
				        f[j].off);
			}
		}
	}
	return HR_OK;
}

/* Decodes a string field to UTF-8 (and raw UTF-16LE if [u16] != NULL). */
static hresult get_string(void *mem,
                          const uint8_t *msg,
                          const struct field *f,
                          bool unicode,
                          const char *what,
                          char **out,
                          uint8_t **u16,
                          size_t *u16_len,
                          struct errinfo *ei)
{
	const uint8_t *p = msg + f->off;
	size_t n = f->len;
	hresult hr;

	if (n > NTLM_MAX_NAME_BYTES) {
		return err_set_pos(ei, HR_E_INVALIDARG, LAYER, 0, 0, f->off,
		                   "%s %s: length %zu exceeds the %d-byte "
		                   "limit",
		                   what, f->name, n, NTLM_MAX_NAME_BYTES);
	}
	if (n == 0) {
		p = (const uint8_t *)"";
	}
	if (unicode) {
		size_t out_len;

		if (n % 2 != 0) {
			return err_set_pos(ei, HR_E_INVALIDARG, LAYER, 0, 0,
			                   f->off,
			                   "%s %s: odd length %zu for a "
			                   "UTF-16 string",
			                   what, f->name, n);
		}
		hr = utf16le_to_utf8(mem, p, n, out, &out_len);
		if (hr_eq(hr, HR_E_OUTOFMEMORY)) {
			return err_set(ei, hr, LAYER, "out of memory");
		}
		if (hr_failed(hr)) {
			return err_set_pos(ei, HR_E_INVALIDARG, LAYER, 0, 0,
			                   f->off, "%s %s: malformed UTF-16",
			                   what, f->name);
		}
		if (strlen(*out) != out_len) {
			return err_set_pos(
			        ei, HR_E_INVALIDARG, LAYER, 0, 0, f->off,
			        "%s %s: embedded NUL character", what, f->name);
		}
		if (u16 != NULL) {
			*u16 = talloc_memdup(mem, n ? p : (const uint8_t *)"",
			                     n ? n : 1);
			if (*u16 == NULL) {
				return err_set(ei, HR_E_OUTOFMEMORY, LAYER,
				               "out of memory");
			}
			*u16_len = n;
		}
		return HR_OK;
	}
	for (size_t i = 0; i < n; i++) {
		if (p[i] == 0 || p[i] >= 0x80) {
			return err_set_pos(ei, HR_E_INVALIDARG, LAYER, 0, 0,
			                   f->off + i,
			                   "%s %s: OEM string byte 0x%02x is "
			                   "not printable ASCII",
			                   what, f->name, p[i]);
		}
	}
	*out = talloc_strndup(mem, (const char *)p, n);
	if (*out == NULL) {
		return err_set(ei, HR_E_OUTOFMEMORY, LAYER, "out of memory");
	}
	if (u16 != NULL) {
		*u16 = talloc_zero_array(mem, uint8_t, 2 * n + 1);
		if (*u16 == NULL) {
			return err_set(ei, HR_E_OUTOFMEMORY, LAYER,
			               "out of memory");
		}
		for (size_t i = 0; i < n; i++) {
			(*u16)[2 * i] = p[i];
		}
		*u16_len = 2 * n;
	}
	return HR_OK;
}

static hresult get_bytes(void *mem,
                         const uint8_t *msg,
                         const struct field *f,
                         uint8_t **out,
                         size_t *out_len,
                         struct errinfo *ei)
{
	/* one spare zero byte, so an empty field is a valid pointer */
	*out = talloc_zero_array(mem, uint8_t, (size_t)f->len + 1u);
	if (*out == NULL) {
		return err_set(ei, HR_E_OUTOFMEMORY, LAYER, "out of memory");
	}
	if (f->len != 0) {
		memcpy(*out, msg + f->off, f->len);
	}
	*out_len = f->len;
	return HR_OK;
}

/* ---- AV pairs (MS-NLMP 2.2.2.1) ---- */

const char *ntlm_av_name(uint16_t id)
{
	static const char *const names[] = {
		"MsvAvEOL",
		"MsvAvNbComputerName",
		"MsvAvNbDomainName",
		"MsvAvDnsComputerName",
		"MsvAvDnsDomainName",
		"MsvAvDnsTreeName",
		"MsvAvFlags",
		"MsvAvTimestamp",
		"MsvAvSingleHost",
		"MsvAvTargetName",
		"MsvAvChannelBindings",
	};

	if (id < sizeof(names) / sizeof(names[0])) {
		return names[id];
	}
	return "?";
}

static bool av_len_ok(uint16_t id, uint16_t len)
{
	switch (id) {
	case NTLM_AV_NB_COMPUTER_NAME:
	case NTLM_AV_NB_DOMAIN_NAME:
	case NTLM_AV_DNS_COMPUTER_NAME:
	case NTLM_AV_DNS_DOMAIN_NAME:
	case NTLM_AV_DNS_TREE_NAME:
	case NTLM_AV_TARGET_NAME:
		return len % 2 == 0;
	case NTLM_AV_FLAGS:
		return len == 4;
	case NTLM_AV_TIMESTAMP:
		return len == 8;
	case NTLM_AV_SINGLE_HOST:
		return len >= 48;
	case NTLM_AV_CHANNEL_BINDINGS:
		return len == 16;
	default:
		return true; /* unknown ids are skipped (MS-NLMP 2.2.2.1) */
	}
}

hresult ntlm_av_parse(void *mem,
                      const uint8_t *p,
                      size_t len,
                      const char *field,
                      struct ntlm_av_list *out,
                      size_t *consumed,
                      struct errinfo *ei)
{
	struct rd r;
	struct ntlm_av_pair *pairs = NULL;
	size_t n = 0;
	uint32_t seen = 0;

	out->pairs = NULL;
	out->n = 0;
	if (len > NTLM_MAX_NT_RESPONSE) {
		return err_set(ei, HR_E_INVALIDARG, LAYER,
		               "%s: AV list of %zu bytes exceeds the limit",
		               field, len);
	}
	pairs = talloc_zero_array(mem, struct ntlm_av_pair, NTLM_MAX_AV_PAIRS);
	if (pairs == NULL) {
		return err_set(ei, HR_E_OUTOFMEMORY, LAYER, "out of memory");
	}
	rd_init(&r, p, len);
	for (;;) {
		size_t at = (size_t)(r.p - p);
		uint16_t id;
		uint16_t vlen;

		if (!rd_u16le(&r, &id) || !rd_u16le(&r, &vlen)) {
			talloc_free(pairs);
			return err_set_pos(ei, HR_E_INVALIDARG, LAYER, 0, 0, at,
			                   "%s: AV list ends without MsvAvEOL "
			                   "at byte %zu",
			                   field, at);
		}
		if (vlen > rd_left(&r)) {
			talloc_free(pairs);
			return err_set_pos(ei, HR_E_INVALIDARG, LAYER, 0, 0, at,
			                   "%s: %s value of %u bytes runs past "
			                   "the end of the list",
			                   field, ntlm_av_name(id), vlen);
		}
		if (id == NTLM_AV_EOL) {
			if (vlen != 0) {
				talloc_free(pairs);
				return err_set_pos(ei, HR_E_INVALIDARG, LAYER,
				                   0, 0, at,
				                   "%s: MsvAvEOL with a "
				                   "%u-byte value",
				                   field, vlen);
			}
			break;
		}
		if (id <= NTLM_AV_CHANNEL_BINDINGS) {
			if ((seen & (1u << id)) != 0) {
				talloc_free(pairs);
				return err_set_pos(ei, HR_E_INVALIDARG, LAYER,
				                   0, 0, at, "%s: duplicate %s",
				                   field, ntlm_av_name(id));
			}
			seen |= 1u << id;
		}
		if (!av_len_ok(id, vlen)) {
			talloc_free(pairs);
			return err_set_pos(ei, HR_E_INVALIDARG, LAYER, 0, 0, at,
			                   "%s: %s has invalid length %u",
			                   field, ntlm_av_name(id), vlen);
		}
		if (n == NTLM_MAX_AV_PAIRS) {
			talloc_free(pairs);
			return err_set_pos(ei, HR_E_INVALIDARG, LAYER, 0, 0, at,
			                   "%s: more than %d AV pairs", field,
			                   NTLM_MAX_AV_PAIRS);
		}
		pairs[n].id = id;
		pairs[n].len = vlen;
		pairs[n].value = r.p;
		n++;
		rd_skip(&r, vlen);
	}
	out->pairs = pairs;
	out->n = n;
	if (consumed != NULL) {
		*consumed = (size_t)(r.p - p);
	}
	return HR_OK;
}

const struct ntlm_av_pair *ntlm_av_find(const struct ntlm_av_list *l,
                                        uint16_t id)
{
	for (size_t i = 0; l != NULL && i < l->n; i++) {
		if (l->pairs[i].id == id) {
			return &l->pairs[i];
		}
	}
	return NULL;
}

hresult ntlm_av_encode(void *mem,
                       const struct ntlm_av_pair *pairs,
                       size_t n,
                       uint8_t **out,
                       size_t *out_len,
                       struct errinfo *ei)
{
	size_t total = 4;
	uint8_t *b;
	size_t at = 0;

	for (size_t i = 0; i < n; i++) {
		if (pairs[i].id == NTLM_AV_EOL) {
			return err_set(ei, HR_E_INVALIDARG, LAYER,
			               "AV list: MsvAvEOL given as a pair");
		}
		total += 4u + pairs[i].len;
		if (total > NTLM_MAX_TARGET_INFO) {
			return err_set(ei, HR_E_INVALIDARG, LAYER,
			               "AV list: exceeds %d bytes",
			               NTLM_MAX_TARGET_INFO);
		}
	}
	b = talloc_zero_array(mem, uint8_t, total);
	if (b == NULL) {
		return err_set(ei, HR_E_OUTOFMEMORY, LAYER, "out of memory");
	}
	for (size_t i = 0; i < n; i++) {
		put16(b + at, pairs[i].id);
		put16(b + at + 2, pairs[i].len);
		if (pairs[i].len != 0) {
			memcpy(b + at + 4, pairs[i].value, pairs[i].len);
		}
		at += 4u + pairs[i].len;
	}
	/* the EOL pair is already zero */
	*out = b;
	*out_len = total;
	return HR_OK;
}

/* ---- NEGOTIATE_MESSAGE (MS-NLMP 2.2.1.1) ---- */

hresult ntlm_negotiate_parse(void *mem,
                             const uint8_t *msg,
                             size_t len,
                             struct ntlm_negotiate **out,
                             struct errinfo *ei)
{
	static const char what[] = "NEGOTIATE";
	struct ntlm_negotiate *m;
	struct field f[2];
	size_t hdr = NTLM_NEGOTIATE_FIXED;
	hresult hr;

	*out = NULL;
	hr = check_header(msg, len, 1, NTLM_NEGOTIATE_FIXED, what, ei);
	if (hr_failed(hr)) {
		return hr;
	}
	m = talloc_zero(mem, struct ntlm_negotiate);
	if (m == NULL) {
		return err_set(ei, HR_E_OUTOFMEMORY, LAYER, "out of memory");
	}
	m->flags = get32(msg + 12);
	read_field(msg, 16, "DomainName", &f[0]);
	read_field(msg, 24, "Workstation", &f[1]);
	if ((m->flags & NTLMSSP_NEGOTIATE_VERSION) != 0 &&
	    payload_start(f, 2, len) >= NTLM_NEGOTIATE_FIXED + 8 &&
	    len >= NTLM_NEGOTIATE_FIXED + 8) {
		m->has_version = true;
		read_version(msg + NTLM_NEGOTIATE_FIXED, &m->version);
		hdr += 8;
	}
	hr = check_fields(f, 2, hdr, len, what, ei);
	if (hr_failed(hr)) {
		goto out;
	}
	/* MS-NLMP 2.2.1.1: the names are OEM, whatever UNICODE says. */
	if ((m->flags & NTLMSSP_NEGOTIATE_OEM_DOMAIN_SUPPLIED) != 0 &&
	    f[0].len != 0) {
		hr = get_string(m, msg, &f[0], false, what, &m->domain, NULL,
		                NULL, ei);
		if (hr_failed(hr)) {
			goto out;
		}
	}
	if ((m->flags & NTLMSSP_NEGOTIATE_OEM_WORKSTATION_SUPPLIED) != 0 &&
	    f[1].len != 0) {
		hr = get_string(m, msg, &f[1], false, what, &m->workstation,
		                NULL, NULL, ei);
		if (hr_failed(hr)) {
			goto out;
		}
	}
	*out = m;
	return HR_OK;
out:
	talloc_free(m);
	return hr;
}

/* ---- CHALLENGE_MESSAGE (MS-NLMP 2.2.1.2) ---- */

hresult ntlm_challenge_parse(void *mem,
                             const uint8_t *msg,
                             size_t len,
                             struct ntlm_challenge **out,
                             struct errinfo *ei)
{
	static const char what[] = "CHALLENGE";
	struct ntlm_challenge *m;
	struct field f[2];
	size_t hdr = NTLM_CHALLENGE_FIXED;
	size_t used = 0;
	hresult hr;

	*out = NULL;
	hr = check_header(msg, len, 2, NTLM_CHALLENGE_FIXED, what, ei);
	if (hr_failed(hr)) {
		return hr;
	}
	m = talloc_zero(mem, struct ntlm_challenge);
	if (m == NULL) {
		return err_set(ei, HR_E_OUTOFMEMORY, LAYER, "out of memory");
	}
	read_field(msg, 12, "TargetName", &f[0]);
	m->flags = get32(msg + 20);
	memcpy(m->server_challenge, msg + 24, 8);
	read_field(msg, 40, "TargetInfo", &f[1]);
	if ((m->flags & NTLMSSP_NEGOTIATE_VERSION) != 0 &&
	    payload_start(f, 2, len) >= NTLM_CHALLENGE_FIXED + 8 &&
	    len >= NTLM_CHALLENGE_FIXED + 8) {
		m->has_version = true;
		read_version(msg + NTLM_CHALLENGE_FIXED, &m->version);
		hdr += 8;
	}
	hr = check_fields(f, 2, hdr, len, what, ei);
	if (hr_failed(hr)) {
		goto out;
	}
	if (f[0].len != 0) {
		hr = get_string(m, msg, &f[0],
		                (m->flags & NTLMSSP_NEGOTIATE_UNICODE) != 0,
		                what, &m->target_name, NULL, NULL, ei);
		if (hr_failed(hr)) {
			goto out;
		}
	}
	if (f[1].len > NTLM_MAX_TARGET_INFO) {
		hr = err_set_pos(ei, HR_E_INVALIDARG, LAYER, 0, 0, f[1].off,
		                 "%s TargetInfo: length %u exceeds the limit",
		                 what, f[1].len);
		goto out;
	}
	if (f[1].len != 0) {
		hr = get_bytes(m, msg, &f[1], &m->target_info,
		               &m->target_info_len, ei);
		if (hr_failed(hr)) {
			goto out;
		}
		hr = ntlm_av_parse(m, m->target_info, m->target_info_len,
		                   "CHALLENGE TargetInfo", &m->av, &used, ei);
		if (hr_failed(hr)) {
			goto out;
		}
	} else if ((m->flags & NTLMSSP_NEGOTIATE_TARGET_INFO) != 0) {
		hr = err_set_pos(ei, HR_E_INVALIDARG, LAYER, 0, 0, 40,
		                 "%s TargetInfo: flagged but empty", what);
		goto out;
	}
	*out = m;
	return HR_OK;
out:
	talloc_free(m);
	return hr;
}

/* ---- AUTHENTICATE_MESSAGE (MS-NLMP 2.2.1.3) ---- */

hresult ntlm_authenticate_parse(void *mem,
                                const uint8_t *msg,
                                size_t len,
                                struct ntlm_authenticate **out,
                                struct errinfo *ei)
{
	static const char what[] = "AUTHENTICATE";
	struct ntlm_authenticate *m;
	struct field f[6];
	size_t hdr = NTLM_AUTHENTICATE_FIXED;
	size_t start;
	bool unicode;
	hresult hr;

	*out = NULL;
	hr = check_header(msg, len, 3, NTLM_AUTHENTICATE_FIXED, what, ei);
	if (hr_failed(hr)) {
		return hr;
	}
	m = talloc_zero(mem, struct ntlm_authenticate);
	if (m == NULL) {
		return err_set(ei, HR_E_OUTOFMEMORY, LAYER, "out of memory");
	}
	read_field(msg, 12, "LmChallengeResponse", &f[0]);
	read_field(msg, 20, "NtChallengeResponse", &f[1]);
	read_field(msg, 28, "DomainName", &f[2]);
	read_field(msg, 36, "UserName", &f[3]);
	read_field(msg, 44, "Workstation", &f[4]);
	read_field(msg, 52, "EncryptedRandomSessionKey", &f[5]);
	m->flags = get32(msg + 60);
	unicode = (m->flags & NTLMSSP_NEGOTIATE_UNICODE) != 0;

	start = payload_start(f, 6, len);
	if (start >= NTLM_MIC_OFFSET) {
		m->has_version = true;
		read_version(msg + NTLM_AUTHENTICATE_FIXED, &m->version);
		hdr = NTLM_MIC_OFFSET;
	}
	if (start >= NTLM_MIC_OFFSET + NTLM_MIC_SIZE) {
		m->has_mic_room = true;
		memcpy(m->mic, msg + NTLM_MIC_OFFSET, NTLM_MIC_SIZE);
		hdr = NTLM_MIC_OFFSET + NTLM_MIC_SIZE;
	}
	hr = check_fields(f, 6, hdr, len, what, ei);
	if (hr_failed(hr)) {
		goto out;
	}
	if (f[1].len > NTLM_MAX_NT_RESPONSE) {
		hr = err_set_pos(ei, HR_E_INVALIDARG, LAYER, 0, 0, f[1].off,
		                 "%s NtChallengeResponse: length %u exceeds "
		                 "the limit",
		                 what, f[1].len);
		goto out;
	}
	if (f[0].len > 24) {
		hr = err_set_pos(ei, HR_E_INVALIDARG, LAYER, 0, 0, f[0].off,
		                 "%s LmChallengeResponse: length %u, at most "
		                 "24 expected",
		                 what, f[0].len);
		goto out;
	}
	if (f[5].len != 0 && f[5].len != 16) {
		hr = err_set_pos(ei, HR_E_INVALIDARG, LAYER, 0, 0, f[5].off,
		                 "%s EncryptedRandomSessionKey: length %u, 16 "
		                 "expected",
		                 what, f[5].len);
		goto out;
	}
	hr = get_bytes(m, msg, &f[0], &m->lm_response, &m->lm_response_len, ei);
	if (hr_failed(hr)) {
		goto out;
	}
	hr = get_bytes(m, msg, &f[1], &m->nt_response, &m->nt_response_len, ei);
	if (hr_failed(hr)) {
		goto out;
	}
	hr = get_string(m, msg, &f[2], unicode, what, &m->domain,
	                &m->domain_u16, &m->domain_u16_len, ei);
	if (hr_failed(hr)) {
		goto out;
	}
	hr = get_string(m, msg, &f[3], unicode, what, &m->user, &m->user_u16,
	                &m->user_u16_len, ei);
	if (hr_failed(hr)) {
		goto out;
	}
	hr = get_string(m, msg, &f[4], unicode, what, &m->workstation, NULL,
	                NULL, ei);
	if (hr_failed(hr)) {
		goto out;
	}
	if (f[5].len != 0) {
		hr = get_bytes(m, msg, &f[5], &m->enc_session_key,
		               &m->enc_session_key_len, ei);
		if (hr_failed(hr)) {
			goto out;
		}
	}
	*out = m;
	return HR_OK;
out:
	talloc_free(m);
	return hr;
}

/* ---- NTLMv2_CLIENT_CHALLENGE (MS-NLMP 2.2.2.7) ---- */

hresult ntlm_v2_blob_parse(void *mem,
                           const uint8_t *p,
                           size_t len,
                           struct ntlm_v2_blob *out,
                           struct errinfo *ei)
{
	memset(out, 0, sizeof(*out));
	if (len < NTLM_BLOB_FIXED + 4) {
		return err_set(ei, HR_E_INVALIDARG, LAYER,
		               "NTLMv2 blob: %zu bytes, at least %d expected",
		               len, NTLM_BLOB_FIXED + 4);
	}
	if (p[0] != 1 || p[1] != 1) {
		return err_set_pos(ei, HR_E_INVALIDARG, LAYER, 0, 0, 0,
		                   "NTLMv2 blob: RespType %u HiRespType %u, "
		                   "1 expected",
		                   p[0], p[1]);
	}
	out->timestamp = (uint64_t)get32(p + 8) |
	                 ((uint64_t)get32(p + 12) << 32);
	memcpy(out->client_challenge, p + 16, 8);
	return ntlm_av_parse(mem, p + NTLM_BLOB_FIXED, len - NTLM_BLOB_FIXED,
	                     "NTLMv2 blob AvPairs", &out->av, NULL, ei);
}

/* ---- builders ---- */

/* A string to write: its wire bytes. */
struct wstr {
	const uint8_t *p;
	size_t n;
};

static hresult encode_string(void *mem,
                             const char *s,
                             bool unicode,
                             const char *name,
                             struct wstr *out,
                             struct errinfo *ei)
{
	size_t n;

	out->p = NULL;
	out->n = 0;
	if (s == NULL || s[0] == '\0') {
		return HR_OK;
	}
	n = strlen(s);
	if (unicode) {
		uint8_t *u;
		size_t ulen;
		hresult hr = utf8_to_utf16le(mem, s, n, &u, &ulen);

		if (hr_eq(hr, HR_E_OUTOFMEMORY)) {
			return err_set(ei, hr, LAYER, "out of memory");
		}
		if (hr_failed(hr)) {
			return err_set(ei, HR_E_INVALIDARG, LAYER,
			               "%s: malformed UTF-8", name);
		}
		out->p = u;
		out->n = ulen;
	} else {
		for (size_t i = 0; i < n; i++) {
			if ((unsigned char)s[i] >= 0x80) {
				return err_set(ei, HR_E_INVALIDARG, LAYER,
				               "%s: OEM text must be ASCII",
				               name);
			}
		}
		out->p = (const uint8_t *)s;
		out->n = n;
	}
	if (out->n > NTLM_MAX_NAME_BYTES) {
		return err_set(ei, HR_E_INVALIDARG, LAYER,
		               "%s: %zu bytes exceeds the %d-byte limit", name,
		               out->n, NTLM_MAX_NAME_BYTES);
	}
	return HR_OK;
}

/*
 * Lays [n] payload parts after [hdr] bytes of header, writing each
 * field triple at its header position.  Returns the message buffer.
 */
static hresult assemble(void *mem,
                        size_t hdr,
                        const struct wstr *parts,
                        const size_t *field_at,
                        size_t n,
                        uint8_t **out,
                        size_t *out_len,
                        struct errinfo *ei)
{
	size_t total = hdr;
	uint8_t *b;
	size_t at = hdr;

	for (size_t i = 0; i < n; i++) {
		total += parts[i].n;
	}
	if (total > NTLM_MAX_MESSAGE) {
		return err_set(ei, HR_E_INVALIDARG, LAYER,
		               "message of %zu bytes exceeds the limit", total);
	}
	b = talloc_zero_array(mem, uint8_t, total);
	if (b == NULL) {
		return err_set(ei, HR_E_OUTOFMEMORY, LAYER, "out of memory");
	}
	memcpy(b, ntlm_signature, 8);
	for (size_t i = 0; i < n; i++) {
		put16(b + field_at[i], (uint16_t)parts[i].n);
		put16(b + field_at[i] + 2, (uint16_t)parts[i].n);
		put32(b + field_at[i] + 4, (uint32_t)at);
		if (parts[i].n != 0) {
			memcpy(b + at, parts[i].p, parts[i].n);
		}
		at += parts[i].n;
	}
	*out = b;
	*out_len = total;
	return HR_OK;
}

hresult ntlm_negotiate_build(void *mem,
                             const struct ntlm_negotiate *m,
                             uint8_t **out,
                             size_t *out_len,
                             struct errinfo *ei)
{
	static const size_t field_at[2] = { 16, 24 };
	void *tmp = talloc_new(mem);
	struct wstr parts[2];
	bool ver = (m->flags & NTLMSSP_NEGOTIATE_VERSION) != 0;
	size_t hdr = NTLM_NEGOTIATE_FIXED + (ver ? 8 : 0);
	hresult hr;

	if (tmp == NULL) {
		return err_set(ei, HR_E_OUTOFMEMORY, LAYER, "out of memory");
	}
	hr = encode_string(tmp, m->domain, false, "NEGOTIATE DomainName",
	                   &parts[0], ei);
	if (hr_ok(hr)) {
		hr = encode_string(tmp, m->workstation, false,
		                   "NEGOTIATE Workstation", &parts[1], ei);
	}
	if (hr_ok(hr)) {
		hr = assemble(mem, hdr, parts, field_at, 2, out, out_len, ei);
	}
	if (hr_ok(hr)) {
		put32(*out + 8, 1);
		put32(*out + 12, m->flags);
		if (ver) {
			write_version(*out + NTLM_NEGOTIATE_FIXED, &m->version);
		}
	}
	talloc_free(tmp);
	return hr;
}

hresult ntlm_challenge_build(void *mem,
                             const struct ntlm_challenge *m,
                             uint8_t **out,
                             size_t *out_len,
                             struct errinfo *ei)
{
	static const size_t field_at[2] = { 12, 40 };
	void *tmp = talloc_new(mem);
	struct wstr parts[2];
	bool ver = (m->flags & NTLMSSP_NEGOTIATE_VERSION) != 0;
	size_t hdr = NTLM_CHALLENGE_FIXED + (ver ? 8 : 0);
	hresult hr;

	if (tmp == NULL) {
		return err_set(ei, HR_E_OUTOFMEMORY, LAYER, "out of memory");
	}
	hr = encode_string(tmp, m->target_name,
	                   (m->flags & NTLMSSP_NEGOTIATE_UNICODE) != 0,
	                   "CHALLENGE TargetName", &parts[0], ei);
	parts[1].p = m->target_info;
	parts[1].n = m->target_info_len;
	if (hr_ok(hr) && m->target_info_len > NTLM_MAX_TARGET_INFO) {
		hr = err_set(ei, HR_E_INVALIDARG, LAYER,
		             "CHALLENGE TargetInfo: exceeds the limit");
	}
	if (hr_ok(hr)) {
		hr = assemble(mem, hdr, parts, field_at, 2, out, out_len, ei);
	}
	if (hr_ok(hr)) {
		put32(*out + 8, 2);
		put32(*out + 20, m->flags);
		memcpy(*out + 24, m->server_challenge, 8);
		if (ver) {
			write_version(*out + NTLM_CHALLENGE_FIXED, &m->version);
		}
	}
	talloc_free(tmp);
	return hr;
}

hresult ntlm_authenticate_build(void *mem,
                                const struct ntlm_authenticate *m,
                                uint8_t **out,
                                size_t *out_len,
                                size_t *mic_offset,
                                struct errinfo *ei)
{
	/* Payload order as Windows writes it: names, then responses. */
	static const size_t field_at[6] = { 28, 36, 44, 12, 20, 52 };
	void *tmp = talloc_new(mem);
	struct wstr parts[6];
	bool unicode = (m->flags & NTLMSSP_NEGOTIATE_UNICODE) != 0;
	bool ver = (m->flags & NTLMSSP_NEGOTIATE_VERSION) != 0 ||
	           m->has_mic_room;
	size_t hdr = NTLM_AUTHENTICATE_FIXED;
	hresult hr;

	if (tmp == NULL) {
		return err_set(ei, HR_E_OUTOFMEMORY, LAYER, "out of memory");
	}
	if (ver) {
		hdr = NTLM_MIC_OFFSET;
	}
	if (m->has_mic_room) {
		hdr = NTLM_MIC_OFFSET + NTLM_MIC_SIZE;
	}
	hr = encode_string(tmp, m->domain, unicode, "AUTHENTICATE DomainName",
	                   &parts[0], ei);
	if (hr_ok(hr)) {
		hr = encode_string(tmp, m->user, unicode,
		                   "AUTHENTICATE UserName", &parts[1], ei);
	}
	if (hr_ok(hr)) {
		hr = encode_string(tmp, m->workstation, unicode,
		                   "AUTHENTICATE Workstation", &parts[2], ei);
	}
	parts[3].p = m->lm_response;
	parts[3].n = m->lm_response_len;
	parts[4].p = m->nt_response;
	parts[4].n = m->nt_response_len;
	parts[5].p = m->enc_session_key;
	parts[5].n = m->enc_session_key_len;
	if (hr_ok(hr) &&
	    (m->lm_response_len > 24 ||
	     m->nt_response_len > NTLM_MAX_NT_RESPONSE ||
	     (m->enc_session_key_len != 0 && m->enc_session_key_len != 16))) {
		hr = err_set(ei, HR_E_INVALIDARG, LAYER,
		             "AUTHENTICATE: response or key of a bad length");
	}
	if (hr_ok(hr)) {
		hr = assemble(mem, hdr, parts, field_at, 6, out, out_len, ei);
	}
	if (hr_ok(hr)) {
		put32(*out + 8, 3);
		put32(*out + 60, m->flags);
		if (ver) {
			write_version(*out + NTLM_AUTHENTICATE_FIXED,
			              &m->version);
		}
		if (m->has_mic_room) {
			memcpy(*out + NTLM_MIC_OFFSET, m->mic, NTLM_MIC_SIZE);
		}
		if (mic_offset != NULL) {
			*mic_offset = m->has_mic_room ? NTLM_MIC_OFFSET : 0;
		}
	}
	talloc_free(tmp);
	return hr;
}
