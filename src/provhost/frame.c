/*
 * frame: encoder and bounds-checked decoder of provider host frames
 * (provhost layer).  See frame.h for the layout.
 */
#include "provhost/frame.h"

#include <string.h>
#include <talloc.h>

#include "base/buf.h"
#include "base/rd.h"

#define BAD HR_WBEM_E_INVALID_STREAM

const char *provframe_type_name(uint8_t type)
{
	switch (type) {
	case PROVFRAME_LOAD:
		return "LOAD";
	case PROVFRAME_ENUM:
		return "ENUM";
	case PROVFRAME_GET:
		return "GET";
	case PROVFRAME_PUT:
		return "PUT";
	case PROVFRAME_DELETE:
		return "DELETE";
	case PROVFRAME_QUERY:
		return "QUERY";
	case PROVFRAME_METHOD:
		return "METHOD";
	case PROVFRAME_PING:
		return "PING";
	case PROVFRAME_CANCEL:
		return "CANCEL";
	case PROVFRAME_CLASS:
		return "CLASS";
	case PROVFRAME_STATUS:
		return "STATUS";
	case PROVFRAME_BATCH:
		return "BATCH";
	case PROVFRAME_OUT:
		return "OUT";
	case PROVFRAME_NEED_CLASS:
		return "NEED_CLASS";
	case PROVFRAME_LOG:
		return "LOG";
	default:
		return "?";
	}
}

static bool type_known(uint8_t type)
{
	return provframe_type_name(type)[0] != '?';
}

/* ---- encoder ---------------------------------------------------------- */

static void put_str(struct buf *b, const char *s)
{
	size_t n = s != NULL ? strlen(s) : 0;

	buf_add_u32le(b, (uint32_t)n);
	buf_add(b, s, n);
}

static void put_blob(struct buf *b, const struct provframe_blob *bl)
{
	buf_add_u32le(b, (uint32_t)bl->len);
	buf_add(b, bl->p, bl->len);
}

static bool put_kvs(struct buf *b, const struct provframe_kv *kv, uint32_t n)
{
	if (n > PROVFRAME_MAX_KEYS) {
		return false;
	}
	buf_add_u32le(b, n);
	for (uint32_t i = 0; i < n; i++) {
		put_str(b, kv[i].name);
		put_str(b, kv[i].value);
	}
	return true;
}

static void put_call(struct buf *b, const struct provframe_msg *m)
{
	uint32_t idf = m->id_flags & ~PROVFRAME_ID_HAS_DOMAIN;

	if (m->domain != NULL) {
		idf |= PROVFRAME_ID_HAS_DOMAIN;
	}
	put_str(b, m->ns);
	put_str(b, m->user);
	put_str(b, m->domain);
	buf_add_u32le(b, idf);
	buf_add_u32le(b, m->uid);
	buf_add_u32le(b, m->gid);
	buf_add_u32le(b, m->op_flags);
	put_str(b, m->cls_name);
	put_blob(b, &m->cls);
}

static bool put_batch(struct buf *b, const struct provframe_msg *m)
{
	if (m->n_names > PROVFRAME_MAX_NAMES ||
	    m->n_items > PROVFRAME_MAX_ITEMS) {
		return false;
	}
	buf_add_u32le(b, m->n_names);
	for (uint32_t i = 0; i < m->n_names; i++) {
		put_str(b, m->names[i]);
	}
	buf_add_u32le(b, m->n_items);
	for (uint32_t i = 0; i < m->n_items; i++) {
		if (m->items[i].name >= m->n_names) {
			return false;
		}
		buf_add_u32le(b, m->items[i].name);
		put_blob(b, &m->items[i].data);
	}
	return true;
}

/* Writes the payload of [m]; false for an invalid message. */
static bool put_payload(struct buf *b, const struct provframe_msg *m)
{
	switch (m->type) {
	case PROVFRAME_LOAD:
		put_str(b, m->provider);
		put_str(b, m->library);
		return true;
	case PROVFRAME_ENUM:
		put_call(b, m);
		return true;
	case PROVFRAME_GET:
	case PROVFRAME_DELETE:
		put_call(b, m);
		return put_kvs(b, m->keys, m->n_keys);
	case PROVFRAME_PUT:
		put_call(b, m);
		put_blob(b, &m->inst);
		return true;
	case PROVFRAME_QUERY:
		put_call(b, m);
		put_str(b, m->query);
		return put_kvs(b, m->eqs, m->n_eqs);
	case PROVFRAME_METHOD:
		put_call(b, m);
		buf_add_u32le(b, m->has_keys ? 1 : 0);
		if (!put_kvs(b, m->keys, m->has_keys ? m->n_keys : 0)) {
			return false;
		}
		put_str(b, m->method);
		put_blob(b, &m->in_cls);
		put_blob(b, &m->inst);
		put_blob(b, &m->out_cls);
		return true;
	case PROVFRAME_PING:
	case PROVFRAME_CANCEL:
		return true;
	case PROVFRAME_CLASS:
		buf_add_u32le(b, m->hr);
		put_str(b, m->cls_name);
		put_blob(b, &m->cls);
		return true;
	case PROVFRAME_STATUS:
		buf_add_u32le(b, m->hr);
		buf_add_u32le(b, m->pid);
		put_str(b, m->message);
		return true;
	case PROVFRAME_BATCH:
		return put_batch(b, m);
	case PROVFRAME_OUT:
		put_blob(b, &m->inst);
		return true;
	case PROVFRAME_NEED_CLASS:
		put_str(b, m->cls_name);
		return true;
	case PROVFRAME_LOG:
		buf_add_u32le(b, m->level);
		put_str(b, m->message);
		return true;
	default:
		return false;
	}
}

hresult provframe_encode(struct buf *b, const struct provframe_msg *m)
{
	size_t start = b->len;
	size_t plen;
	uint8_t *h;

	if (hr_failed(b->error)) {
		return b->error;
	}
	buf_add_u32le(b, 0);
	buf_add_u8(b, m->type);
	buf_add_u8(b, PROVFRAME_VERSION);
	buf_add_u16le(b, 0);
	buf_add_u32le(b, m->call_id);
	if (!put_payload(b, m)) {
		b->len = start;
		return hr_raise(HR_WBEM_E_INVALID_PARAMETER);
	}
	if (hr_failed(b->error)) {
		hresult hr = b->error;

		b->len = start;
		b->error = HR_OK;
		return hr;
	}
	plen = b->len - start - PROVFRAME_HDR_LEN;
	if (plen > PROVFRAME_MAX_PAYLOAD) {
		b->len = start;
		return hr_raise(HR_WBEM_E_QUOTA_VIOLATION);
	}
	h = (uint8_t *)b->data + start;
	h[0] = (uint8_t)plen;
	h[1] = (uint8_t)(plen >> 8);
	h[2] = (uint8_t)(plen >> 16);
	h[3] = (uint8_t)(plen >> 24);
	return HR_OK;
}

/* ---- decoder ---------------------------------------------------------- */

hresult provframe_peek(const void *data,
                       size_t len,
                       uint8_t *type,
                       uint32_t *payload_len,
                       uint32_t *call_id)
{
	struct rd r;
	uint32_t plen, id;
	uint8_t t, ver;
	uint16_t rsv;

	if (data == NULL || len < PROVFRAME_HDR_LEN) {
		return hr_raise(BAD);
	}
	rd_init(&r, data, len);
	if (!rd_u32le(&r, &plen) || !rd_u8(&r, &t) || !rd_u8(&r, &ver) ||
	    !rd_u16le(&r, &rsv) || !rd_u32le(&r, &id)) {
		return hr_raise(BAD);
	}
	if (ver != PROVFRAME_VERSION || rsv != 0 || !type_known(t) ||
	    plen > PROVFRAME_MAX_PAYLOAD) {
		return hr_raise(BAD);
	}
	if (type != NULL) {
		*type = t;
	}
	if (payload_len != NULL) {
		*payload_len = plen;
	}
	if (call_id != NULL) {
		*call_id = id;
	}
	return HR_OK;
}

struct dec {
	struct rd r;
	void *mem;
	hresult hr; /* sticky: BAD or E_OUTOFMEMORY */
};

static bool ok(const struct dec *d)
{
	return hr_ok(d->hr);
}

static void fail(struct dec *d, hresult hr)
{
	if (hr_ok(d->hr)) {
		d->hr = hr;
	}
}

static uint32_t get_u32(struct dec *d)
{
	uint32_t v = 0;

	if (ok(d) && !rd_u32le(&d->r, &v)) {
		fail(d, BAD);
	}
	return v;
}

static const char *get_str(struct dec *d)
{
	uint32_t n = get_u32(d);
	const uint8_t *p = d->r.p;
	char *s;

	if (!ok(d)) {
		return NULL;
	}
	if (!rd_skip(&d->r, n) || (n != 0 && memchr(p, 0, n) != NULL)) {
		fail(d, BAD);
		return NULL;
	}
	s = talloc_strndup(d->mem, (const char *)p, n);
	if (s == NULL) {
		fail(d, HR_E_OUTOFMEMORY);
	}
	return s;
}

static struct provframe_blob get_blob(struct dec *d)
{
	struct provframe_blob bl = { NULL, 0 };
	uint32_t n = get_u32(d);
	const uint8_t *p = d->r.p;

	if (!ok(d)) {
		return bl;
	}
	if (!rd_skip(&d->r, n)) {
		fail(d, BAD);
		return bl;
	}
	if (n != 0) {
		bl.p = p;
		bl.len = n;
	}
	return bl;
}

static void get_kvs(struct dec *d, struct provframe_kv **out, uint32_t *n)
{
	uint32_t count = get_u32(d);
	struct provframe_kv *kv;

	*out = NULL;
	*n = 0;
	if (!ok(d)) {
		return;
	}
	/* Each pair needs at least 8 bytes: a cheap bound before allocating. */
	if (count > PROVFRAME_MAX_KEYS || count > rd_left(&d->r) / 8) {
		fail(d, BAD);
		return;
	}
	if (count == 0) {
		return;
	}
	kv = talloc_zero_array(d->mem, struct provframe_kv, count);
	if (kv == NULL) {
		fail(d, HR_E_OUTOFMEMORY);
		return;
	}
	for (uint32_t i = 0; i < count && ok(d); i++) {
		kv[i].name = get_str(d);
		kv[i].value = get_str(d);
	}
	*out = kv;
	*n = count;
}

static void get_call(struct dec *d, struct provframe_msg *m)
{
	m->ns = get_str(d);
	m->user = get_str(d);
	m->domain = get_str(d);
	m->id_flags = get_u32(d);
	m->uid = get_u32(d);
	m->gid = get_u32(d);
	m->op_flags = get_u32(d);
	m->cls_name = get_str(d);
	m->cls = get_blob(d);
	if (ok(d) && (m->id_flags & PROVFRAME_ID_HAS_DOMAIN) == 0) {
		m->domain = NULL;
	}
}

static void get_batch(struct dec *d, struct provframe_msg *m)
{
	uint32_t n = get_u32(d);

	if (!ok(d)) {
		return;
	}
	if (n > PROVFRAME_MAX_NAMES || n > rd_left(&d->r) / 4) {
		fail(d, BAD);
		return;
	}
	if (n != 0) {
		m->names = talloc_zero_array(d->mem, const char *, n);
		if (m->names == NULL) {
			fail(d, HR_E_OUTOFMEMORY);
			return;
		}
	}
	for (uint32_t i = 0; i < n && ok(d); i++) {
		m->names[i] = get_str(d);
	}
	m->n_names = n;
	n = get_u32(d);
	if (!ok(d)) {
		return;
	}
	if (n > PROVFRAME_MAX_ITEMS || n > rd_left(&d->r) / 8) {
		fail(d, BAD);
		return;
	}
	if (n != 0) {
		m->items = talloc_array(d->mem, struct provframe_item, n);
		if (m->items == NULL) {
			fail(d, HR_E_OUTOFMEMORY);
			return;
		}
	}
	for (uint32_t i = 0; i < n && ok(d); i++) {
		m->items[i].name = get_u32(d);
		m->items[i].data = get_blob(d);
		if (ok(d) && m->items[i].name >= m->n_names) {
			fail(d, BAD);
		}
	}
	m->n_items = n;
}

static void get_payload(struct dec *d, struct provframe_msg *m)
{
	switch (m->type) {
	case PROVFRAME_LOAD:
		m->provider = get_str(d);
		m->library = get_str(d);
		break;
	case PROVFRAME_ENUM:
		get_call(d, m);
		break;
	case PROVFRAME_GET:
	case PROVFRAME_DELETE:
		get_call(d, m);
		get_kvs(d, &m->keys, &m->n_keys);
		m->has_keys = true;
		break;
	case PROVFRAME_PUT:
		get_call(d, m);
		m->inst = get_blob(d);
		break;
	case PROVFRAME_QUERY:
		get_call(d, m);
		m->query = get_str(d);
		get_kvs(d, &m->eqs, &m->n_eqs);
		break;
	case PROVFRAME_METHOD: {
		uint32_t has;

		get_call(d, m);
		has = get_u32(d);
		if (ok(d) && has > 1) {
			fail(d, BAD);
		}
		m->has_keys = has == 1;
		get_kvs(d, &m->keys, &m->n_keys);
		if (ok(d) && !m->has_keys && m->n_keys != 0) {
			fail(d, BAD);
		}
		m->method = get_str(d);
		m->in_cls = get_blob(d);
		m->inst = get_blob(d);
		m->out_cls = get_blob(d);
		break;
	}
	case PROVFRAME_PING:
	case PROVFRAME_CANCEL:
		break;
	case PROVFRAME_CLASS:
		m->hr = get_u32(d);
		m->cls_name = get_str(d);
		m->cls = get_blob(d);
		break;
	case PROVFRAME_STATUS:
		m->hr = get_u32(d);
		m->pid = get_u32(d);
		m->message = get_str(d);
		break;
	case PROVFRAME_BATCH:
		get_batch(d, m);
		break;
	case PROVFRAME_OUT:
		m->inst = get_blob(d);
		break;
	case PROVFRAME_NEED_CLASS:
		m->cls_name = get_str(d);
		break;
	case PROVFRAME_LOG:
		m->level = get_u32(d);
		m->message = get_str(d);
		break;
	default:
		fail(d, BAD);
	}
}

hresult provframe_decode(void *mem,
                         const void *data,
                         size_t len,
                         struct provframe_msg *out)
{
	struct dec d = { .mem = talloc_new(mem), .hr = HR_OK };
	uint32_t plen, id;
	uint8_t type;
	hresult hr;

	memset(out, 0, sizeof(*out));
	if (d.mem == NULL) {
		return hr_raise(HR_E_OUTOFMEMORY);
	}
	hr = provframe_peek(data, len, &type, &plen, &id);
	if (hr_ok(hr) && (size_t)plen != len - PROVFRAME_HDR_LEN) {
		hr = hr_raise(BAD);
	}
	if (hr_failed(hr)) {
		talloc_free(d.mem);
		return hr;
	}
	rd_init(&d.r, (const uint8_t *)data + PROVFRAME_HDR_LEN, plen);
	out->type = type;
	out->call_id = id;
	get_payload(&d, out);
	if (ok(&d) && rd_left(&d.r) != 0) {
		fail(&d, BAD);
	}
	if (hr_failed(d.hr)) {
		talloc_free(d.mem);
		memset(out, 0, sizeof(*out));
		return hr_raise(d.hr);
	}
	return HR_OK;
}
