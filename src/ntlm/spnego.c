/*
 * spnego: the SPNEGO token codec (ntlm layer; RFC 4178 4.2, MS-SPNG 2.2).
 * See spnego.h for the grammar and the limits.
 *
 * The reader works on [pos, end) windows of one input buffer: each TLV
 * read checks its length against the window of its parent, so no read
 * can leave the input.  The writer computes every length bottom-up
 * (tlv_size) and fills one exactly sized buffer.
 */
#include "ntlm/spnego.h"

#include <string.h>
#include <talloc.h>

#define LAYER "spnego"
/* auth_length is 16 bits; nothing legitimate comes near this. */
#define SPNEGO_MAX_TOKEN 65535u

static const uint8_t oid_spnego[] = { 0x2b, 0x06, 0x01, 0x05, 0x05, 0x02 };
static const uint8_t oid_ntlm[] = { 0x2b, 0x06, 0x01, 0x04, 0x01,
	                            0x82, 0x37, 0x02, 0x02, 0x0a };
static const uint8_t oid_krb5[] = { 0x2a, 0x86, 0x48, 0x86, 0xf7,
	                            0x12, 0x01, 0x02, 0x02 };
static const uint8_t oid_ms_krb5[] = { 0x2a, 0x86, 0x48, 0x82, 0xf7,
	                               0x12, 0x01, 0x02, 0x02 };

const struct spnego_blob spnego_oid_spnego = { oid_spnego, sizeof(oid_spnego) };
const struct spnego_blob spnego_oid_ntlm = { oid_ntlm, sizeof(oid_ntlm) };
const struct spnego_blob spnego_oid_krb5 = { oid_krb5, sizeof(oid_krb5) };
const struct spnego_blob spnego_oid_ms_krb5 = { oid_ms_krb5,
	                                        sizeof(oid_ms_krb5) };

enum {
	TAG_ENUMERATED = 0x0a,
	TAG_BIT_STRING = 0x03,
	TAG_OCTET_STRING = 0x04,
	TAG_OID = 0x06,
	TAG_SEQUENCE = 0x30,
	TAG_APP0 = 0x60,
	TAG_CTX0 = 0xa0, /* [n] constructed = 0xa0 + n */
};

bool spnego_oid_eq(struct spnego_blob a, struct spnego_blob b)
{
	return a.p != NULL && b.p != NULL && a.len == b.len &&
	       memcmp(a.p, b.p, a.len) == 0;
}

/* ---- reader ---- */

struct rd {
	const uint8_t *base;
	size_t pos, end;
};

struct tlv {
	uint8_t tag;
	size_t start; /* offset of the tag */
	size_t off;   /* offset of the content */
	size_t len;
};

static hresult bad(struct errinfo *ei, size_t off, const char *what)
{
	return err_set_pos(ei, HR_SEC_E_INVALID_TOKEN, LAYER, 0, 0, off,
	                   "%s at offset %zu", what, off);
}

/* Reads one TLV inside [r] and advances past it. */
static hresult rd_tlv(struct rd *r, struct tlv *t, struct errinfo *ei)
{
	size_t p = r->pos, len;
	uint8_t b;

	if (r->end - p < 2) {
		return bad(ei, p, "truncated tag or length");
	}
	t->start = p;
	t->tag = r->base[p++];
	if ((t->tag & 0x1f) == 0x1f) {
		return bad(ei, t->start, "multi-octet tag");
	}
	b = r->base[p++];
	if (b < 0x80) {
		len = b;
	} else if (b == 0x80) {
		return bad(ei, p - 1, "indefinite length");
	} else {
		unsigned n = b & 0x7fu;

		if (n > 4) {
			return bad(ei, p - 1, "length of more than 4 octets");
		}
		if (r->end - p < n) {
			return bad(ei, p, "truncated length");
		}
		len = 0;
		for (unsigned i = 0; i < n; i++) {
			len = (len << 8) | r->base[p++];
		}
	}
	if (len > r->end - p) {
		return bad(ei, t->start, "length past the end");
	}
	t->off = p;
	t->len = len;
	r->pos = p + len;
	return HR_S_OK;
}

static hresult rd_expect(struct rd *r,
                         uint8_t tag,
                         struct tlv *t,
                         const char *what,
                         struct errinfo *ei)
{
	hresult hr = rd_tlv(r, t, ei);

	if (hr_failed(hr)) {
		return hr;
	}
	if (t->tag != tag) {
		return err_set_pos(ei, HR_SEC_E_INVALID_TOKEN, LAYER, 0, 0,
		                   t->start,
		                   "%s: tag 0x%02x, expected 0x%02x at offset "
		                   "%zu",
		                   what, t->tag, tag, t->start);
	}
	return HR_S_OK;
}

static struct rd sub(const struct rd *r, const struct tlv *t)
{
	struct rd s = { r->base, t->off, t->off + t->len };

	return s;
}

static struct spnego_blob blob(const struct rd *r, const struct tlv *t)
{
	struct spnego_blob b = { r->base + t->off, t->len };

	return b;
}

/* An explicitly tagged [n] holding one [inner]-tagged value. */
static hresult rd_explicit(const struct rd *r,
                           const struct tlv *outer,
                           uint8_t inner,
                           const char *what,
                           struct tlv *t,
                           struct errinfo *ei)
{
	struct rd s = sub(r, outer);
	hresult hr = rd_expect(&s, inner, t, what, ei);

	if (hr_ok(hr) && s.pos != s.end) {
		return bad(ei, s.pos, "trailing octets");
	}
	return hr;
}

static hresult parse_mechs(const struct rd *r,
                           const struct tlv *field,
                           struct spnego_token *out,
                           struct errinfo *ei)
{
	struct tlv seq, oid;
	struct rd s;
	hresult hr;

	hr = rd_explicit(r, field, TAG_SEQUENCE, "mechTypes", &seq, ei);
	if (hr_failed(hr)) {
		return hr;
	}
	out->mech_list.p = r->base + seq.start;
	out->mech_list.len = seq.off + seq.len - seq.start;
	s = sub(r, &seq);
	while (s.pos < s.end) {
		if (out->n_mechs == SPNEGO_MAX_MECHS) {
			return bad(ei, s.pos, "too many mechanisms");
		}
		hr = rd_expect(&s, TAG_OID, &oid, "mechType", ei);
		if (hr_failed(hr)) {
			return hr;
		}
		if (oid.len == 0) {
			return bad(ei, oid.start, "empty OID");
		}
		out->mechs[out->n_mechs++] = blob(&s, &oid);
	}
	if (out->n_mechs == 0) {
		return bad(ei, seq.start, "empty mechTypes");
	}
	return HR_S_OK;
}

static hresult parse_octets(const struct rd *r,
                            const struct tlv *field,
                            const char *what,
                            struct spnego_blob *out,
                            struct errinfo *ei)
{
	struct tlv t;
	hresult hr = rd_explicit(r, field, TAG_OCTET_STRING, what, &t, ei);

	if (hr_ok(hr)) {
		*out = blob(r, &t);
	}
	return hr;
}

static hresult parse_init(const struct rd *r,
                          const struct tlv *seq,
                          struct spnego_token *out,
                          struct errinfo *ei)
{
	struct rd s = sub(r, seq);
	struct tlv f, t;
	int last = -1;
	hresult hr;

	while (s.pos < s.end) {
		int n;

		hr = rd_tlv(&s, &f, ei);
		if (hr_failed(hr)) {
			return hr;
		}
		n = f.tag - TAG_CTX0;
		if (f.tag < TAG_CTX0 || n > 4 || n <= last) {
			return bad(ei, f.start,
			           "unexpected NegTokenInit field");
		}
		last = n;
		switch (n) {
		case 0:
			hr = parse_mechs(&s, &f, out, ei);
			break;
		case 1:
			hr = rd_explicit(&s, &f, TAG_BIT_STRING, "reqFlags", &t,
			                 ei);
			if (hr_ok(hr)) {
				out->has_req_flags = true;
				out->req_flags = blob(&s, &t);
			}
			break;
		case 2:
			hr = parse_octets(&s, &f, "mechToken", &out->mech_token,
			                  ei);
			break;
		case 3: {
			/* RFC 4178 mechListMIC, or MS-SPNG negHints. */
			struct rd in = sub(&s, &f);

			if (f.len > 0 && s.base[f.off] == TAG_SEQUENCE) {
				hr = rd_expect(&in, TAG_SEQUENCE, &t,
				               "negHints", ei);
				if (hr_ok(hr) && in.pos != in.end) {
					hr = bad(ei, in.pos, "trailing octets");
				}
			} else {
				hr = parse_octets(&s, &f, "mechListMIC",
				                  &out->mech_list_mic, ei);
			}
			break;
		}
		default:
			if (out->mech_list_mic.p != NULL) {
				return bad(ei, f.start, "second mechListMIC");
			}
			hr = parse_octets(&s, &f, "mechListMIC",
			                  &out->mech_list_mic, ei);
			break;
		}
		if (hr_failed(hr)) {
			return hr;
		}
	}
	if (out->n_mechs == 0) {
		return bad(ei, seq->start, "NegTokenInit without mechTypes");
	}
	return HR_S_OK;
}

static hresult parse_resp(const struct rd *r,
                          const struct tlv *seq,
                          struct spnego_token *out,
                          struct errinfo *ei)
{
	struct rd s = sub(r, seq);
	struct tlv f, t;
	int last = -1;
	hresult hr;

	while (s.pos < s.end) {
		int n;

		hr = rd_tlv(&s, &f, ei);
		if (hr_failed(hr)) {
			return hr;
		}
		n = f.tag - TAG_CTX0;
		if (f.tag < TAG_CTX0 || n > 3 || n <= last) {
			return bad(ei, f.start,
			           "unexpected NegTokenResp field");
		}
		last = n;
		switch (n) {
		case 0:
			hr = rd_explicit(&s, &f, TAG_ENUMERATED, "negState", &t,
			                 ei);
			if (hr_ok(hr)) {
				if (t.len != 1 || s.base[t.off] > 3) {
					return bad(ei, t.start,
					           "negState out of range");
				}
				out->neg_state = s.base[t.off];
			}
			break;
		case 1:
			hr = rd_explicit(&s, &f, TAG_OID, "supportedMech", &t,
			                 ei);
			if (hr_ok(hr)) {
				if (t.len == 0) {
					return bad(ei, t.start, "empty OID");
				}
				out->supported_mech = blob(&s, &t);
			}
			break;
		case 2:
			hr = parse_octets(&s, &f, "responseToken",
			                  &out->response_token, ei);
			break;
		default:
			hr = parse_octets(&s, &f, "mechListMIC",
			                  &out->mech_list_mic, ei);
			break;
		}
		if (hr_failed(hr)) {
			return hr;
		}
	}
	return HR_S_OK;
}

hresult spnego_parse(const uint8_t *p,
                     size_t len,
                     struct spnego_token *out,
                     struct errinfo *ei)
{
	struct rd r = { p, 0, len };
	struct tlv t, choice, seq;
	hresult hr;

	memset(out, 0, sizeof(*out));
	out->neg_state = SPNEGO_STATE_ABSENT;
	if (p == NULL || len == 0) {
		return bad(ei, 0, "empty token");
	}
	if (len > SPNEGO_MAX_TOKEN) {
		return bad(ei, 0, "token over 64 KiB");
	}
	if (p[0] == TAG_APP0) {
		hr = rd_tlv(&r, &t, ei);
		if (hr_failed(hr)) {
			return hr;
		}
		if (r.pos != r.end) {
			return bad(ei, r.pos, "trailing octets");
		}
		r = sub(&r, &t);
		hr = rd_expect(&r, TAG_OID, &seq, "thisMech", ei);
		if (hr_failed(hr)) {
			return hr;
		}
		if (!spnego_oid_eq(blob(&r, &seq), spnego_oid_spnego)) {
			return bad(ei, seq.start, "thisMech is not SPNEGO");
		}
		out->gss_wrapped = true;
	}
	hr = rd_tlv(&r, &choice, ei);
	if (hr_failed(hr)) {
		return hr;
	}
	if (r.pos != r.end) {
		return bad(ei, r.pos, "trailing octets");
	}
	if (choice.tag != TAG_CTX0 && choice.tag != TAG_CTX0 + 1) {
		return bad(ei, choice.start,
		           "neither negTokenInit nor negTokenResp");
	}
	if (choice.tag == TAG_CTX0 + 1 && out->gss_wrapped) {
		return bad(ei, choice.start, "wrapped negTokenResp");
	}
	hr = rd_explicit(&r, &choice, TAG_SEQUENCE, "NegotiationToken", &seq,
	                 ei);
	if (hr_failed(hr)) {
		return hr;
	}
	r = sub(&r, &choice);
	if (choice.tag == TAG_CTX0) {
		out->kind = SPNEGO_INIT;
		return parse_init(&r, &seq, out, ei);
	}
	out->kind = SPNEGO_RESP;
	return parse_resp(&r, &seq, out, ei);
}

/* ---- writer ---- */

static size_t len_size(size_t n)
{
	return n < 0x80 ? 1 : n < 0x100 ? 2 : n < 0x10000 ? 3 : 4;
}

static size_t tlv_size(size_t n)
{
	return 1 + len_size(n) + n;
}

static uint8_t *put_hdr(uint8_t *p, uint8_t tag, size_t n)
{
	*p++ = tag;
	if (n < 0x80) {
		*p++ = (uint8_t)n;
	} else if (n < 0x100) {
		*p++ = 0x81;
		*p++ = (uint8_t)n;
	} else if (n < 0x10000) {
		*p++ = 0x82;
		*p++ = (uint8_t)(n >> 8);
		*p++ = (uint8_t)n;
	} else {
		*p++ = 0x83;
		*p++ = (uint8_t)(n >> 16);
		*p++ = (uint8_t)(n >> 8);
		*p++ = (uint8_t)n;
	}
	return p;
}

static uint8_t *put_raw(uint8_t *p, struct spnego_blob b)
{
	if (b.len > 0) {
		memcpy(p, b.p, b.len);
	}
	return p + b.len;
}

/* [n] EXPLICIT (tag inner) blob: size and writer. */
static size_t field_size(struct spnego_blob b)
{
	return b.p == NULL ? 0 : tlv_size(tlv_size(b.len));
}

static uint8_t *put_field(uint8_t *p,
                          int n,
                          uint8_t inner,
                          struct spnego_blob b)
{
	if (b.p == NULL) {
		return p;
	}
	p = put_hdr(p, (uint8_t)(TAG_CTX0 + n), tlv_size(b.len));
	p = put_hdr(p, inner, b.len);
	return put_raw(p, b);
}

static hresult finish(void *mem,
                      size_t total,
                      uint8_t **out,
                      size_t *out_len,
                      uint8_t **buf)
{
	if (total > SPNEGO_MAX_TOKEN) {
		return HR_E_INVALIDARG;
	}
	*buf = talloc_array(mem, uint8_t, total);
	if (*buf == NULL) {
		return HR_E_OUTOFMEMORY;
	}
	*out = *buf;
	*out_len = total;
	return HR_S_OK;
}

hresult spnego_build_resp(void *mem,
                          int neg_state,
                          struct spnego_blob supported_mech,
                          struct spnego_blob response_token,
                          struct spnego_blob mech_list_mic,
                          uint8_t **out,
                          size_t *out_len)
{
	uint8_t st = (uint8_t)neg_state;
	struct spnego_blob state = { &st, 1 };
	size_t body, total;
	uint8_t *buf, *p;
	hresult hr;

	if (neg_state < SPNEGO_STATE_ABSENT || neg_state > 3) {
		return HR_E_INVALIDARG;
	}
	if (response_token.len > SPNEGO_MAX_TOKEN ||
	    mech_list_mic.len > SPNEGO_MAX_TOKEN || supported_mech.len > 255) {
		return HR_E_INVALIDARG;
	}
	if (neg_state == SPNEGO_STATE_ABSENT) {
		state.p = NULL;
	}
	body = field_size(state) + field_size(supported_mech) +
	       field_size(response_token) + field_size(mech_list_mic);
	total = tlv_size(tlv_size(body));
	hr = finish(mem, total, out, out_len, &buf);
	if (hr_failed(hr)) {
		return hr;
	}
	p = put_hdr(buf, TAG_CTX0 + 1, tlv_size(body));
	p = put_hdr(p, TAG_SEQUENCE, body);
	p = put_field(p, 0, TAG_ENUMERATED, state);
	p = put_field(p, 1, TAG_OID, supported_mech);
	p = put_field(p, 2, TAG_OCTET_STRING, response_token);
	put_field(p, 3, TAG_OCTET_STRING, mech_list_mic);
	return HR_S_OK;
}

hresult spnego_build_mech_list(void *mem,
                               const struct spnego_blob *mechs,
                               size_t n,
                               uint8_t **out,
                               size_t *out_len)
{
	size_t body = 0;
	uint8_t *buf, *p;
	hresult hr;

	if (n == 0 || n > SPNEGO_MAX_MECHS) {
		return HR_E_INVALIDARG;
	}
	for (size_t i = 0; i < n; i++) {
		if (mechs[i].p == NULL || mechs[i].len == 0 ||
		    mechs[i].len > 255) {
			return HR_E_INVALIDARG;
		}
		body += tlv_size(mechs[i].len);
	}
	hr = finish(mem, tlv_size(body), out, out_len, &buf);
	if (hr_failed(hr)) {
		return hr;
	}
	p = put_hdr(buf, TAG_SEQUENCE, body);
	for (size_t i = 0; i < n; i++) {
		p = put_hdr(p, TAG_OID, mechs[i].len);
		p = put_raw(p, mechs[i]);
	}
	return HR_S_OK;
}

hresult spnego_build_init(void *mem,
                          struct spnego_blob mech_list,
                          struct spnego_blob mech_token,
                          struct spnego_blob mech_list_mic,
                          uint8_t **out,
                          size_t *out_len)
{
	size_t body, choice, app, total;
	uint8_t *buf, *p;
	hresult hr;

	if (mech_list.p == NULL || mech_list.len == 0 ||
	    mech_list.len > SPNEGO_MAX_TOKEN ||
	    mech_token.len > SPNEGO_MAX_TOKEN ||
	    mech_list_mic.len > SPNEGO_MAX_TOKEN) {
		return HR_E_INVALIDARG;
	}
	body = tlv_size(mech_list.len) + field_size(mech_token) +
	       field_size(mech_list_mic);
	choice = tlv_size(tlv_size(body));
	app = tlv_size(spnego_oid_spnego.len) + choice;
	total = tlv_size(app);
	hr = finish(mem, total, out, out_len, &buf);
	if (hr_failed(hr)) {
		return hr;
	}
	p = put_hdr(buf, TAG_APP0, app);
	p = put_hdr(p, TAG_OID, spnego_oid_spnego.len);
	p = put_raw(p, spnego_oid_spnego);
	p = put_hdr(p, TAG_CTX0, tlv_size(body));
	p = put_hdr(p, TAG_SEQUENCE, body);
	p = put_hdr(p, TAG_CTX0, mech_list.len);
	p = put_raw(p, mech_list);
	p = put_field(p, 2, TAG_OCTET_STRING, mech_token);
	put_field(p, 3, TAG_OCTET_STRING, mech_list_mic);
	return HR_S_OK;
}
