/*
 * epm: the endpoint mapper's codecs, registry and operations (rpc layer).
 * See epm.h for the interface, the wire forms and the handle scheme.
 */
#include "rpc/epm.h"

#include <arpa/inet.h>
#include <string.h>
#include <sys/random.h>
#include <talloc.h>
#include <time.h>

#include "rpc/epm_tower.h"
#include "rpc/fault.h"
#include "rpc/server.h"

const struct rpc_syntax_id epm_syntax = {
	.uuid = { 0xe1af8308,
	          0x5d1f,
	          0x11c9,
	          { 0x91, 0xa4 },
	          { 0x08, 0x00, 0x2b, 0x14, 0xa0, 0xfa } },
	.ver_major = 3,
	.ver_minor = 0,
};

/* Minimum wire size of one ept_entry_t scalar part: uuid, referent id,
 * annotation offset and actual_count. */
#define ENTRY_WIRE_MIN 28

/* time_mid of our continuation handles ("EP"), time_hi per operation. */
#define HANDLE_MAGIC       0x4550
#define HANDLE_KIND_LOOKUP 1
#define HANDLE_KIND_MAP    2

/* ---- helpers ---- */

static enum ndr_err push_to_buf(struct ndr_push *ndr, struct buf *out)
{
	const uint8_t *p;
	size_t n;
	enum ndr_err err = ndr_push_blob(ndr, &p, &n);

	if (err == NDR_ERR_SUCCESS && hr_failed(buf_add(out, p, n))) {
		err = NDR_ERR_ALLOC;
	}
	ndr_push_release(ndr);
	return err;
}

static enum ndr_err finish_pull(struct ndr_pull *ndr)
{
	enum ndr_err err = ndr_pull_finish(ndr);

	ndr_pull_release(ndr);
	return err;
}

static void pull_handle(struct ndr_pull *ndr, struct epm_handle *h)
{
	ndr_pull_u32(ndr, &h->attributes);
	ndr_pull_uuid(ndr, &h->uuid);
}

static void push_handle(struct ndr_push *ndr, const struct epm_handle *h)
{
	ndr_push_u32(ndr, h->attributes);
	ndr_push_uuid(ndr, &h->uuid);
}

/* rpc_if_id_t: uuid, vers_major u16, vers_minor u16. */
static void pull_if_id(struct ndr_pull *ndr, struct rpc_syntax_id *s)
{
	ndr_pull_uuid(ndr, &s->uuid);
	ndr_pull_u16(ndr, &s->ver_major);
	ndr_pull_u16(ndr, &s->ver_minor);
}

static void push_if_id(struct ndr_push *ndr, const struct rpc_syntax_id *s)
{
	ndr_push_uuid(ndr, &s->uuid);
	ndr_push_u16(ndr, s->ver_major);
	ndr_push_u16(ndr, s->ver_minor);
}

/* twr_t: a conformant structure, max_count first, then tower_length. */
static void pull_twr(struct ndr_pull *ndr,
                     const uint8_t **tower,
                     uint32_t *tower_len)
{
	uint32_t max = 0;

	ndr_pull_array_size(ndr, &max);
	ndr_pull_u32(ndr, tower_len);
	if (ndr->err == NDR_ERR_SUCCESS && max != *tower_len) {
		ndr_pull_error(ndr, NDR_ERR_ARRAY_SIZE, "twr_t tower_length");
		return;
	}
	if (ndr->err == NDR_ERR_SUCCESS && max > ndr->lim.max_elems) {
		ndr_pull_error(ndr, NDR_ERR_LIMIT, "twr_t tower_length");
		return;
	}
	ndr_pull_bytes_ref(ndr, max, tower);
}

static void push_twr(struct ndr_push *ndr,
                     const uint8_t *tower,
                     uint32_t tower_len)
{
	ndr_push_array_size(ndr, tower_len);
	ndr_push_u32(ndr, tower_len);
	ndr_push_bytes(ndr, tower, tower_len);
}

/* [string] char annotation[64]: offset, actual_count, octets with NUL. */
static void pull_annotation(struct ndr_pull *ndr, const char **out)
{
	uint32_t off = 0;
	uint32_t act = 0;
	const uint8_t *p = NULL;
	char *s;

	ndr_pull_array_length(ndr, EPM_ANNOTATION_MAX, &off, &act);
	ndr_pull_bytes_ref(ndr, act, &p);
	if (ndr->err != NDR_ERR_SUCCESS) {
		return;
	}
	if (off != 0 || act == 0 || p[act - 1] != 0 ||
	    memchr(p, 0, act - 1) != NULL) {
		ndr_pull_error(ndr, NDR_ERR_STRING, "annotation");
		return;
	}
	s = talloc_memdup(ndr->mem, p, act);
	if (s == NULL) {
		ndr_pull_error(ndr, NDR_ERR_ALLOC, "annotation");
		return;
	}
	*out = s;
}

static void push_annotation(struct ndr_push *ndr, const char *a)
{
	size_t n = a != NULL ? strlen(a) : 0;

	if (n + 1 > EPM_ANNOTATION_MAX) {
		ndr_push_error(ndr, NDR_ERR_INVALID, "annotation too long");
		return;
	}
	ndr_push_array_length(ndr, 0, (uint32_t)n + 1);
	if (n > 0) {
		ndr_push_bytes(ndr, a, n);
	}
	ndr_push_u8(ndr, 0);
}

/* ---- ept_lookup ---- */

/*
 * Pulls the head shared by the ept_lookup and ept_map responses: the
 * context handle, the returned count [num] and the conformant varying
 * array's max_count [max], offset and actual_count, which must be 0 and
 * [num] (else the static [what] is the error).  Returns actual_count.
 */
static uint32_t pull_result_head(struct ndr_pull *ndr,
                                 struct epm_handle *h,
                                 uint32_t *num,
                                 uint32_t *max,
                                 const char *what)
{
	uint32_t off = 0;
	uint32_t act = 0;

	pull_handle(ndr, h);
	ndr_pull_u32(ndr, num);
	ndr_pull_array_size(ndr, max);
	ndr_pull_array_length(ndr, *max, &off, &act);
	if (ndr->err == NDR_ERR_SUCCESS && (off != 0 || act != *num)) {
		ndr_pull_error(ndr, NDR_ERR_ARRAY_SIZE, what);
	}
	return act;
}

enum ndr_err epm_lookup_in_pull(void *mem,
                                const uint8_t *data,
                                size_t len,
                                struct epm_lookup_in *out)
{
	struct ndr_pull ndr;
	uint32_t ref = 0;
	enum ndr_err err;

	memset(out, 0, sizeof(*out));
	err = ndr_pull_init(&ndr, mem, data, len, 0, NULL);
	if (err != NDR_ERR_SUCCESS) {
		return err;
	}
	ndr_pull_u32(&ndr, &out->inquiry_type);
	ndr_pull_full_ptr(&ndr, &ref);
	if (ref != 0) {
		out->has_object = true;
		ndr_pull_uuid(&ndr, &out->object);
	}
	ref = 0;
	ndr_pull_full_ptr(&ndr, &ref);
	if (ref != 0) {
		out->has_ifid = true;
		pull_if_id(&ndr, &out->ifid);
	}
	ndr_pull_u32(&ndr, &out->vers_option);
	pull_handle(&ndr, &out->handle);
	ndr_pull_u32(&ndr, &out->max_ents);
	return finish_pull(&ndr);
}

enum ndr_err epm_lookup_in_push(const struct epm_lookup_in *in, struct buf *out)
{
	struct ndr_push ndr;
	enum ndr_err err = ndr_push_init(&ndr, out->mem, 0, NULL);

	if (err != NDR_ERR_SUCCESS) {
		return err;
	}
	ndr_push_u32(&ndr, in->inquiry_type);
	ndr_push_unique_ptr(&ndr, in->has_object ? &in->object : NULL);
	if (in->has_object) {
		ndr_push_uuid(&ndr, &in->object);
	}
	ndr_push_unique_ptr(&ndr, in->has_ifid ? &in->ifid : NULL);
	if (in->has_ifid) {
		push_if_id(&ndr, &in->ifid);
	}
	ndr_push_u32(&ndr, in->vers_option);
	push_handle(&ndr, &in->handle);
	ndr_push_u32(&ndr, in->max_ents);
	return push_to_buf(&ndr, out);
}

enum ndr_err epm_lookup_out_pull(void *mem,
                                 const uint8_t *data,
                                 size_t len,
                                 struct epm_lookup_out *out)
{
	struct ndr_pull ndr;
	uint32_t act;
	uint32_t *refs = NULL;
	void *v = NULL;
	enum ndr_err err;

	memset(out, 0, sizeof(*out));
	err = ndr_pull_init(&ndr, mem, data, len, 0, NULL);
	if (err != NDR_ERR_SUCCESS) {
		return err;
	}
	act = pull_result_head(&ndr, &out->handle, &out->num_ents,
	                       &out->max_ents, "entries length_is");
	if (ndr.err == NDR_ERR_SUCCESS &&
	    ndr_pull_array_alloc(&ndr, act, sizeof(struct epm_entry),
	                         ENTRY_WIRE_MIN, &v) == NDR_ERR_SUCCESS) {
		out->entries = v;
		refs = talloc_zero_array(ndr.mem, uint32_t, act + 1);
		if (refs == NULL) {
			ndr_pull_error(&ndr, NDR_ERR_ALLOC, "entries");
		}
	}
	/* Scalars of every entry, then the towers in order. */
	for (uint32_t i = 0; ndr.err == NDR_ERR_SUCCESS && i < act; i++) {
		struct epm_entry *e = &out->entries[i];

		ndr_pull_align(&ndr, 4);
		ndr_pull_uuid(&ndr, &e->object);
		ndr_pull_full_ptr(&ndr, &refs[i]);
		pull_annotation(&ndr, &e->annotation);
	}
	for (uint32_t i = 0; ndr.err == NDR_ERR_SUCCESS && i < act; i++) {
		if (refs[i] != 0) {
			pull_twr(&ndr, &out->entries[i].tower,
			         &out->entries[i].tower_len);
		}
	}
	ndr_pull_u32(&ndr, &out->status);
	return finish_pull(&ndr);
}

enum ndr_err epm_lookup_out_push(const struct epm_lookup_out *o,
                                 struct buf *out)
{
	struct ndr_push ndr;
	enum ndr_err err;

	if (o->num_ents > o->max_ents) {
		return NDR_ERR_INVALID;
	}
	err = ndr_push_init(&ndr, out->mem, 0, NULL);
	if (err != NDR_ERR_SUCCESS) {
		return err;
	}
	push_handle(&ndr, &o->handle);
	ndr_push_u32(&ndr, o->num_ents);
	ndr_push_array_size(&ndr, o->max_ents);
	ndr_push_array_length(&ndr, 0, o->num_ents);
	for (uint32_t i = 0; i < o->num_ents; i++) {
		const struct epm_entry *e = &o->entries[i];

		ndr_push_align(&ndr, 4);
		ndr_push_uuid(&ndr, &e->object);
		ndr_push_unique_ptr(&ndr, e->tower);
		push_annotation(&ndr, e->annotation);
	}
	for (uint32_t i = 0; i < o->num_ents; i++) {
		if (o->entries[i].tower != NULL) {
			push_twr(&ndr, o->entries[i].tower,
			         o->entries[i].tower_len);
		}
	}
	ndr_push_u32(&ndr, o->status);
	return push_to_buf(&ndr, out);
}

/* ---- ept_map ---- */

enum ndr_err epm_map_in_pull(void *mem,
                             const uint8_t *data,
                             size_t len,
                             struct epm_map_in *out)
{
	struct ndr_pull ndr;
	uint32_t ref = 0;
	enum ndr_err err;

	memset(out, 0, sizeof(*out));
	err = ndr_pull_init(&ndr, mem, data, len, 0, NULL);
	if (err != NDR_ERR_SUCCESS) {
		return err;
	}
	ndr_pull_full_ptr(&ndr, &ref);
	if (ref != 0) {
		out->has_object = true;
		ndr_pull_uuid(&ndr, &out->object);
	}
	ref = 0;
	ndr_pull_full_ptr(&ndr, &ref);
	if (ref != 0) {
		pull_twr(&ndr, &out->tower, &out->tower_len);
	}
	pull_handle(&ndr, &out->handle);
	ndr_pull_u32(&ndr, &out->max_towers);
	return finish_pull(&ndr);
}

enum ndr_err epm_map_in_push(const struct epm_map_in *in, struct buf *out)
{
	struct ndr_push ndr;
	enum ndr_err err = ndr_push_init(&ndr, out->mem, 0, NULL);

	if (err != NDR_ERR_SUCCESS) {
		return err;
	}
	ndr_push_unique_ptr(&ndr, in->has_object ? &in->object : NULL);
	if (in->has_object) {
		ndr_push_uuid(&ndr, &in->object);
	}
	ndr_push_unique_ptr(&ndr, in->tower);
	if (in->tower != NULL) {
		push_twr(&ndr, in->tower, in->tower_len);
	}
	push_handle(&ndr, &in->handle);
	ndr_push_u32(&ndr, in->max_towers);
	return push_to_buf(&ndr, out);
}

enum ndr_err epm_map_out_pull(void *mem,
                              const uint8_t *data,
                              size_t len,
                              struct epm_map_out *out)
{
	struct ndr_pull ndr;
	uint32_t act;
	uint32_t *refs = NULL;
	enum ndr_err err;

	memset(out, 0, sizeof(*out));
	err = ndr_pull_init(&ndr, mem, data, len, 0, NULL);
	if (err != NDR_ERR_SUCCESS) {
		return err;
	}
	act = pull_result_head(&ndr, &out->handle, &out->num_towers,
	                       &out->max_towers, "towers length_is");
	if (ndr.err == NDR_ERR_SUCCESS) {
		void *a = NULL;
		void *b = NULL;
		void *c = NULL;

		ndr_pull_array_alloc(&ndr, act, sizeof(uint32_t), 4, &a);
		ndr_pull_array_alloc(&ndr, act, sizeof(uint8_t *), 4, &b);
		ndr_pull_array_alloc(&ndr, act, sizeof(uint32_t), 4, &c);
		refs = a;
		out->towers = b;
		out->tower_lens = c;
	}
	for (uint32_t i = 0; ndr.err == NDR_ERR_SUCCESS && i < act; i++) {
		ndr_pull_full_ptr(&ndr, &refs[i]);
	}
	for (uint32_t i = 0; ndr.err == NDR_ERR_SUCCESS && i < act; i++) {
		if (refs[i] != 0) {
			pull_twr(&ndr, &out->towers[i], &out->tower_lens[i]);
		}
	}
	ndr_pull_u32(&ndr, &out->status);
	return finish_pull(&ndr);
}

enum ndr_err epm_map_out_push(const struct epm_map_out *o, struct buf *out)
{
	struct ndr_push ndr;
	enum ndr_err err;

	if (o->num_towers > o->max_towers) {
		return NDR_ERR_INVALID;
	}
	err = ndr_push_init(&ndr, out->mem, 0, NULL);
	if (err != NDR_ERR_SUCCESS) {
		return err;
	}
	push_handle(&ndr, &o->handle);
	ndr_push_u32(&ndr, o->num_towers);
	ndr_push_array_size(&ndr, o->max_towers);
	ndr_push_array_length(&ndr, 0, o->num_towers);
	for (uint32_t i = 0; i < o->num_towers; i++) {
		ndr_push_unique_ptr(&ndr, o->towers[i]);
	}
	for (uint32_t i = 0; i < o->num_towers; i++) {
		if (o->towers[i] != NULL) {
			push_twr(&ndr, o->towers[i], o->tower_lens[i]);
		}
	}
	ndr_push_u32(&ndr, o->status);
	return push_to_buf(&ndr, out);
}

/* ---- registry ---- */

enum epm_transport {
	EPM_TRANSPORT_TCP,
	EPM_TRANSPORT_NCALRPC,
};

struct epm_reg_entry {
	struct rpc_syntax_id iface;
	struct rpc_uuid object;
	char annotation[EPM_ANNOTATION_MAX];
	enum epm_transport transport;
	uint8_t ip[4];
	uint16_t port;
	char *endpoint; /* ncalrpc */
	uint8_t *tower; /* ncalrpc: prebuilt */
	size_t tower_len;
};

struct epm_registry {
	struct epm_reg_entry *entries;
	size_t n;
	uint8_t secret[8]; /* clock_seq + node of our handles, never 0 */
};

struct epm_registry *epm_registry_new(void *mem)
{
	struct epm_registry *reg = talloc_zero(mem, struct epm_registry);
	bool zero = true;

	if (reg == NULL) {
		return NULL;
	}
	if (getrandom(reg->secret, sizeof(reg->secret), GRND_NONBLOCK) !=
	    (ssize_t)sizeof(reg->secret)) {
		/* Only needs to be unlikely for a client to guess; the
		 * handle also carries an index checked against the count. */
		uint64_t t = (uint64_t)time(NULL) ^ (uint64_t)(uintptr_t)reg;

		memcpy(reg->secret, &t, sizeof(reg->secret));
	}
	for (size_t i = 0; i < sizeof(reg->secret); i++) {
		zero = zero && reg->secret[i] == 0;
	}
	if (zero) {
		reg->secret[0] = 1;
	}
	return reg;
}

size_t epm_registry_count(const struct epm_registry *reg)
{
	return reg->n;
}

static struct epm_reg_entry *registry_append(struct epm_registry *reg,
                                             const struct rpc_syntax_id *iface,
                                             const struct rpc_uuid *object,
                                             const char *annotation)
{
	struct epm_reg_entry *e;
	struct epm_reg_entry *a = talloc_realloc(
	        reg, reg->entries, struct epm_reg_entry, reg->n + 1);

	if (a == NULL) {
		return NULL;
	}
	reg->entries = a;
	e = &a[reg->n];
	memset(e, 0, sizeof(*e));
	e->iface = *iface;
	if (object != NULL) {
		e->object = *object;
	}
	if (annotation != NULL) {
		size_t n = strlen(annotation);

		if (n > EPM_ANNOTATION_MAX - 1) {
			n = EPM_ANNOTATION_MAX - 1;
		}
		memcpy(e->annotation, annotation, n);
		e->annotation[n] = '\0';
	}
	return e;
}

static bool same_registration(const struct epm_reg_entry *e,
                              const struct rpc_syntax_id *iface,
                              const struct rpc_uuid *object)
{
	struct rpc_uuid nil;

	memset(&nil, 0, sizeof(nil));
	return rpc_syntax_equal(&e->iface, iface) &&
	       rpc_uuid_equal(&e->object, object != NULL ? object : &nil);
}

hresult epm_registry_add_tcp(struct epm_registry *reg,
                             const struct rpc_syntax_id *iface,
                             const struct rpc_uuid *object,
                             const char *annotation,
                             const uint8_t ip[4],
                             uint16_t port)
{
	struct epm_reg_entry *e;

	for (size_t i = 0; i < reg->n; i++) {
		e = &reg->entries[i];
		if (e->transport == EPM_TRANSPORT_TCP && e->port == port &&
		    memcmp(e->ip, ip, 4) == 0 &&
		    same_registration(e, iface, object)) {
			return HR_OK;
		}
	}
	e = registry_append(reg, iface, object, annotation);
	if (e == NULL) {
		return HR_E_OUTOFMEMORY;
	}
	e->transport = EPM_TRANSPORT_TCP;
	memcpy(e->ip, ip, 4);
	e->port = port;
	reg->n++;
	return HR_OK;
}

enum ndr_err epm_tower_build_ncalrpc(void *mem,
                                     const struct rpc_syntax_id *iface,
                                     const char *endpoint,
                                     uint8_t **out,
                                     size_t *out_len)
{
	size_t name_len = strlen(endpoint) + 1;
	size_t len = 2 + 2 * 25 + 7 + 5 + name_len;
	uint8_t *t;
	uint8_t *p;
	const struct rpc_syntax_id *s[2] = { iface, &rpc_syntax_ndr20 };

	if (name_len > 256) {
		return NDR_ERR_INVALID;
	}
	t = talloc_array(mem, uint8_t, len);
	if (t == NULL) {
		return NDR_ERR_ALLOC;
	}
	p = t;
	*p++ = 4;
	*p++ = 0;
	for (int i = 0; i < 2; i++) {
		*p++ = 19;
		*p++ = 0;
		*p++ = EPM_PROTOCOL_UUID;
		rpc_uuid_to_wire(&s[i]->uuid, p);
		p += 16;
		*p++ = (uint8_t)s[i]->ver_major;
		*p++ = (uint8_t)(s[i]->ver_major >> 8);
		*p++ = 2;
		*p++ = 0;
		*p++ = (uint8_t)s[i]->ver_minor;
		*p++ = (uint8_t)(s[i]->ver_minor >> 8);
	}
	/* Floor 3: ncalrpc, RHS minor version 0. */
	*p++ = 1;
	*p++ = 0;
	*p++ = EPM_PROTOCOL_NCALRPC;
	*p++ = 2;
	*p++ = 0;
	*p++ = 0;
	*p++ = 0;
	/* Floor 4: the endpoint name (protocol 0x10) with its NUL. */
	*p++ = 1;
	*p++ = 0;
	*p++ = 0x10;
	*p++ = (uint8_t)name_len;
	*p++ = (uint8_t)(name_len >> 8);
	memcpy(p, endpoint, name_len);
	p += name_len;
	if (p != t + len) {
		talloc_free(t);
		return NDR_ERR_INVALID;
	}
	*out = t;
	*out_len = len;
	return NDR_ERR_SUCCESS;
}

hresult epm_registry_add_ncalrpc(struct epm_registry *reg,
                                 const struct rpc_syntax_id *iface,
                                 const struct rpc_uuid *object,
                                 const char *annotation,
                                 const char *endpoint)
{
	struct epm_reg_entry *e;
	size_t n = endpoint != NULL ? strlen(endpoint) : 0;

	if (n == 0 || n > 255) {
		return HR_E_INVALIDARG;
	}
	for (size_t i = 0; i < reg->n; i++) {
		e = &reg->entries[i];
		if (e->transport == EPM_TRANSPORT_NCALRPC &&
		    strcmp(e->endpoint, endpoint) == 0 &&
		    same_registration(e, iface, object)) {
			return HR_OK;
		}
	}
	e = registry_append(reg, iface, object, annotation);
	if (e == NULL) {
		return HR_E_OUTOFMEMORY;
	}
	e->transport = EPM_TRANSPORT_NCALRPC;
	e->endpoint = talloc_strdup(reg->entries, endpoint);
	if (e->endpoint == NULL ||
	    epm_tower_build_ncalrpc(reg->entries, iface, endpoint, &e->tower,
	                            &e->tower_len) != NDR_ERR_SUCCESS) {
		talloc_free(e->endpoint);
		return HR_E_OUTOFMEMORY;
	}
	reg->n++;
	return HR_OK;
}

/* ---- handles ---- */

static bool handle_is_null(const struct epm_handle *h)
{
	return h->attributes == 0 && rpc_uuid_is_nil(&h->uuid);
}

static void handle_make(const struct epm_registry *reg,
                        uint16_t kind,
                        uint32_t next,
                        struct epm_handle *h)
{
	memset(h, 0, sizeof(*h));
	h->uuid.time_low = next;
	h->uuid.time_mid = HANDLE_MAGIC;
	h->uuid.time_hi_and_version = kind;
	memcpy(h->uuid.clock_seq, reg->secret, 2);
	memcpy(h->uuid.node, reg->secret + 2, 6);
}

/* Reads a continuation handle: false when we never gave it. */
static bool handle_read(const struct epm_registry *reg,
                        uint16_t kind,
                        const struct epm_handle *h,
                        uint32_t *next)
{
	if (handle_is_null(h)) {
		*next = 0;
		return true;
	}
	if (h->attributes != 0 || h->uuid.time_mid != HANDLE_MAGIC ||
	    h->uuid.time_hi_and_version != kind ||
	    memcmp(h->uuid.clock_seq, reg->secret, 2) != 0 ||
	    memcmp(h->uuid.node, reg->secret + 2, 6) != 0) {
		return false;
	}
	*next = h->uuid.time_low;
	return true;
}

/* ---- operations ---- */

static bool version_matches(const struct rpc_syntax_id *have,
                            const struct rpc_syntax_id *want,
                            uint32_t option)
{
	switch (option) {
	case EPM_C_VERS_ALL:
		return true;
	case EPM_C_VERS_COMPATIBLE:
		return have->ver_major == want->ver_major &&
		       have->ver_minor >= want->ver_minor;
	case EPM_C_VERS_EXACT:
		return have->ver_major == want->ver_major &&
		       have->ver_minor == want->ver_minor;
	case EPM_C_VERS_MAJOR_ONLY:
		return have->ver_major == want->ver_major;
	case EPM_C_VERS_UPTO:
		return have->ver_major < want->ver_major ||
		       (have->ver_major == want->ver_major &&
		        have->ver_minor <= want->ver_minor);
	default:
		return false;
	}
}

static bool lookup_matches(const struct epm_reg_entry *e,
                           const struct epm_lookup_in *in)
{
	bool by_if = in->inquiry_type == EPM_C_EP_MATCH_BY_IF ||
	             in->inquiry_type == EPM_C_EP_MATCH_BY_BOTH;
	bool by_obj = in->inquiry_type == EPM_C_EP_MATCH_BY_OBJ ||
	              in->inquiry_type == EPM_C_EP_MATCH_BY_BOTH;

	if (in->inquiry_type > EPM_C_EP_MATCH_BY_BOTH) {
		return false;
	}
	if (by_if && in->has_ifid &&
	    (!rpc_uuid_equal(&e->iface.uuid, &in->ifid.uuid) ||
	     !version_matches(&e->iface, &in->ifid, in->vers_option))) {
		return false;
	}
	if (by_obj && in->has_object &&
	    !rpc_uuid_equal(&e->object, &in->object)) {
		return false;
	}
	return true;
}

/* The tower of [e] for a client that reached us on [local_ip]. */
static enum ndr_err entry_tower(const struct epm_reg_entry *e,
                                void *mem,
                                const uint8_t *local_ip,
                                const uint8_t **tower,
                                uint32_t *len)
{
	struct epm_tcp_binding b;
	uint8_t *t = NULL;
	size_t n = 0;
	enum ndr_err err;
	static const uint8_t any[4] = { 0, 0, 0, 0 };

	if (e->transport == EPM_TRANSPORT_NCALRPC) {
		*tower = e->tower;
		*len = (uint32_t)e->tower_len;
		return NDR_ERR_SUCCESS;
	}
	memset(&b, 0, sizeof(b));
	b.iface = e->iface;
	b.transfer = rpc_syntax_ndr20;
	b.port = e->port;
	if (memcmp(e->ip, any, 4) == 0 && local_ip != NULL) {
		memcpy(b.ip, local_ip, 4);
	} else {
		memcpy(b.ip, e->ip, 4);
	}
	err = epm_tower_build_tcp(mem, &b, &t, &n);
	*tower = t;
	*len = (uint32_t)n;
	return err;
}

static uint32_t reply(enum ndr_err err)
{
	return err == NDR_ERR_SUCCESS ? 0 : ndr_err_to_fault(err);
}

uint32_t epm_do_lookup(struct epm_registry *reg,
                       void *mem,
                       const uint8_t *in,
                       size_t len,
                       const uint8_t *local_ip,
                       struct buf *out)
{
	struct epm_lookup_in req;
	struct epm_lookup_out resp;
	uint32_t start;
	uint32_t cap;
	uint32_t seen = 0;
	size_t i;
	enum ndr_err err = epm_lookup_in_pull(mem, in, len, &req);

	if (err != NDR_ERR_SUCCESS) {
		return ndr_err_to_fault(err);
	}
	if (!handle_read(reg, HANDLE_KIND_LOOKUP, &req.handle, &start)) {
		return RPC_FAULT_NCA_S_FAULT_CONTEXT_MISMATCH;
	}
	memset(&resp, 0, sizeof(resp));
	resp.max_ents = req.max_ents;
	cap = req.max_ents < EPM_MAX_ENTS_PAGE ? req.max_ents
	                                       : EPM_MAX_ENTS_PAGE;
	resp.entries = talloc_zero_array(mem, struct epm_entry, cap + 1);
	if (resp.entries == NULL) {
		return RPC_FAULT_NCA_S_FAULT_REMOTE_NO_MEMORY;
	}
	/* [seen] counts matching entries; the handle holds the count of
	 * matches already returned. */
	for (i = 0; i < reg->n; i++) {
		const struct epm_reg_entry *e = &reg->entries[i];
		struct epm_entry *o;

		if (!lookup_matches(e, &req)) {
			continue;
		}
		if (seen++ < start) {
			continue;
		}
		if (resp.num_ents == cap) {
			break;
		}
		o = &resp.entries[resp.num_ents++];
		o->object = e->object;
		o->annotation = e->annotation;
		err = entry_tower(e, mem, local_ip, &o->tower, &o->tower_len);
		if (err != NDR_ERR_SUCCESS) {
			return reply(err);
		}
	}
	if (i < reg->n) {
		/* More matches remain: hand out a continuation handle. */
		handle_make(reg, HANDLE_KIND_LOOKUP, start + resp.num_ents,
		            &resp.handle);
	} else if (resp.num_ents == 0) {
		resp.status = EPM_STATUS_NOT_REGISTERED;
	}
	return reply(epm_lookup_out_push(&resp, out));
}

/* What an ept_map tower asks for. */
struct map_query {
	struct rpc_syntax_id iface;
	enum epm_transport transport;
};

static bool floor_is_syntax(const struct epm_floor *f)
{
	return f->protocol == EPM_PROTOCOL_UUID && f->lhs_len == 18 &&
	       f->rhs_len == 2;
}

static void floor_syntax(const struct epm_floor *f, struct rpc_syntax_id *s)
{
	rpc_uuid_from_wire(f->lhs, &s->uuid);
	s->ver_major = (uint16_t)(f->lhs[16] | f->lhs[17] << 8);
	s->ver_minor = (uint16_t)(f->rhs[0] | f->rhs[1] << 8);
}

/* False when the tower is nothing we could ever serve. */
static bool map_query_read(void *mem,
                           const uint8_t *tower,
                           uint32_t len,
                           struct map_query *q)
{
	struct epm_tower t;
	struct rpc_syntax_id transfer;

	if (tower == NULL ||
	    epm_tower_parse(mem, tower, len, &t) != NDR_ERR_SUCCESS ||
	    t.n_floors < 4 || !floor_is_syntax(&t.floors[0]) ||
	    !floor_is_syntax(&t.floors[1])) {
		return false;
	}
	floor_syntax(&t.floors[0], &q->iface);
	floor_syntax(&t.floors[1], &transfer);
	if (!rpc_syntax_equal(&transfer, &rpc_syntax_ndr20)) {
		return false;
	}
	if (t.floors[2].protocol == EPM_PROTOCOL_NCACN &&
	    t.floors[3].protocol == EPM_PROTOCOL_TCP) {
		q->transport = EPM_TRANSPORT_TCP;
		return true;
	}
	if (t.floors[2].protocol == EPM_PROTOCOL_NCALRPC) {
		q->transport = EPM_TRANSPORT_NCALRPC;
		return true;
	}
	return false;
}

static bool map_matches(const struct epm_reg_entry *e,
                        const struct map_query *q,
                        const struct epm_map_in *in)
{
	if (e->transport != q->transport ||
	    !rpc_uuid_equal(&e->iface.uuid, &q->iface.uuid) ||
	    !version_matches(&e->iface, &q->iface, EPM_C_VERS_COMPATIBLE)) {
		return false;
	}
	return !in->has_object || rpc_uuid_is_nil(&in->object) ||
	       rpc_uuid_equal(&e->object, &in->object);
}

uint32_t epm_do_map(struct epm_registry *reg,
                    void *mem,
                    const uint8_t *in,
                    size_t len,
                    const uint8_t *local_ip,
                    struct buf *out)
{
	struct epm_map_in req;
	struct epm_map_out resp;
	struct map_query q;
	uint32_t start;
	uint32_t cap;
	uint32_t seen = 0;
	size_t i = 0;
	bool known;
	enum ndr_err err = epm_map_in_pull(mem, in, len, &req);

	if (err != NDR_ERR_SUCCESS) {
		return ndr_err_to_fault(err);
	}
	if (!handle_read(reg, HANDLE_KIND_MAP, &req.handle, &start)) {
		return RPC_FAULT_NCA_S_FAULT_CONTEXT_MISMATCH;
	}
	memset(&resp, 0, sizeof(resp));
	resp.max_towers = req.max_towers;
	cap = req.max_towers < EPM_MAX_ENTS_PAGE ? req.max_towers
	                                         : EPM_MAX_ENTS_PAGE;
	resp.towers = talloc_zero_array(mem, const uint8_t *, cap + 1);
	resp.tower_lens = talloc_zero_array(mem, uint32_t, cap + 1);
	if (resp.towers == NULL || resp.tower_lens == NULL) {
		return RPC_FAULT_NCA_S_FAULT_REMOTE_NO_MEMORY;
	}
	known = map_query_read(mem, req.tower, req.tower_len, &q);
	for (i = 0; known && i < reg->n; i++) {
		const struct epm_reg_entry *e = &reg->entries[i];
		uint32_t k;

		if (!map_matches(e, &q, &req) || seen++ < start) {
			continue;
		}
		if (resp.num_towers == cap) {
			break;
		}
		k = resp.num_towers++;
		err = entry_tower(e, mem, local_ip, &resp.towers[k],
		                  &resp.tower_lens[k]);
		if (err != NDR_ERR_SUCCESS) {
			return reply(err);
		}
	}
	if (known && i < reg->n) {
		handle_make(reg, HANDLE_KIND_MAP, start + resp.num_towers,
		            &resp.handle);
	} else if (resp.num_towers == 0) {
		resp.status = EPM_STATUS_NOT_REGISTERED;
	}
	return reply(epm_map_out_push(&resp, out));
}

uint32_t epm_do_lookup_handle_free(struct epm_registry *reg,
                                   void *mem,
                                   const uint8_t *in,
                                   size_t len,
                                   struct buf *out)
{
	struct ndr_pull ndr;
	struct ndr_push push;
	struct epm_handle h;
	struct epm_handle null_handle;
	enum ndr_err err;

	(void)reg;
	err = ndr_pull_init(&ndr, mem, in, len, 0, NULL);
	if (err != NDR_ERR_SUCCESS) {
		return ndr_err_to_fault(err);
	}
	pull_handle(&ndr, &h);
	err = finish_pull(&ndr);
	if (err != NDR_ERR_SUCCESS) {
		return ndr_err_to_fault(err);
	}
	/* Handles hold no server state: freeing one only nulls it. */
	memset(&null_handle, 0, sizeof(null_handle));
	err = ndr_push_init(&push, out->mem, 0, NULL);
	if (err != NDR_ERR_SUCCESS) {
		return reply(err);
	}
	push_handle(&push, &null_handle);
	ndr_push_u32(&push, 0);
	return reply(push_to_buf(&push, out));
}

uint32_t epm_do_inq_object(struct epm_registry *reg,
                           void *mem,
                           const uint8_t *in,
                           size_t len,
                           struct buf *out)
{
	struct ndr_push push;
	struct rpc_uuid nil;
	enum ndr_err err;

	(void)reg;
	(void)mem;
	(void)in;
	if (len != 0) {
		return RPC_FAULT_RPC_X_BAD_STUB_DATA;
	}
	/* Our endpoint map has no object of its own: the nil UUID. */
	memset(&nil, 0, sizeof(nil));
	err = ndr_push_init(&push, out->mem, 0, NULL);
	if (err != NDR_ERR_SUCCESS) {
		return reply(err);
	}
	ndr_push_uuid(&push, &nil);
	ndr_push_u32(&push, 0);
	return reply(push_to_buf(&push, out));
}

/* ---- the interface on the runtime ---- */

/* The IPv4 address of the local end of [call], or NULL. */
static const uint8_t *call_local_ip(const struct rpc_call *call, uint8_t ip[4])
{
	if (call->local_addr == NULL || call->identity.from_unix_socket ||
	    inet_pton(AF_INET, call->local_addr, ip) != 1) {
		return NULL;
	}
	return ip;
}

static uint32_t op_lookup(struct rpc_call *call,
                          const uint8_t *stub,
                          size_t len,
                          struct buf *out)
{
	uint8_t ip[4];

	return epm_do_lookup(call->iface_arg, call->mem, stub, len,
	                     call_local_ip(call, ip), out);
}

static uint32_t op_map(struct rpc_call *call,
                       const uint8_t *stub,
                       size_t len,
                       struct buf *out)
{
	uint8_t ip[4];

	return epm_do_map(call->iface_arg, call->mem, stub, len,
	                  call_local_ip(call, ip), out);
}

static uint32_t op_handle_free(struct rpc_call *call,
                               const uint8_t *stub,
                               size_t len,
                               struct buf *out)
{
	return epm_do_lookup_handle_free(call->iface_arg, call->mem, stub, len,
	                                 out);
}

static uint32_t op_inq_object(struct rpc_call *call,
                              const uint8_t *stub,
                              size_t len,
                              struct buf *out)
{
	return epm_do_inq_object(call->iface_arg, call->mem, stub, len, out);
}

static const struct rpc_op epm_ops[] = {
	[EPM_OPNUM_EPT_INSERT] = { NULL, "ept_insert" },
	[EPM_OPNUM_EPT_DELETE] = { NULL, "ept_delete" },
	[EPM_OPNUM_EPT_LOOKUP] = { op_lookup, "ept_lookup" },
	[EPM_OPNUM_EPT_MAP] = { op_map, "ept_map" },
	[EPM_OPNUM_EPT_LOOKUP_HANDLE_FREE] = { op_handle_free,
	                                       "ept_lookup_handle_free" },
	[EPM_OPNUM_EPT_INQ_OBJECT] = { op_inq_object, "ept_inq_object" },
	[EPM_OPNUM_EPT_MGMT_DELETE] = { NULL, "ept_mgmt_delete" },
};

static const struct rpc_iface epm_iface = {
	.name = "epmapper",
	.syntax = {
		.uuid = { 0xe1af8308, 0x5d1f, 0x11c9, { 0x91, 0xa4 },
		          { 0x08, 0x00, 0x2b, 0x14, 0xa0, 0xfa } },
		.ver_major = 3,
		.ver_minor = 0,
	},
	.n_ops = sizeof(epm_ops) / sizeof(epm_ops[0]),
	.ops = epm_ops,
	.min_auth_level = RPC_AUTHN_LEVEL_NONE,
	.flags = RPC_IFACE_ALLOW_ANONYMOUS,
	.run_inline = true,
};

hresult epm_register(struct rpc_server *srv, struct epm_registry *reg)
{
	return rpc_server_register_iface(srv, &epm_iface, reg);
}
