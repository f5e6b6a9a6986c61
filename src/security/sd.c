/*
 * sd: security descriptors, ACLs and ACEs: the model, the self-relative
 * codec (MS-DTYP 2.4.4-2.4.6), inheritance and the access check (MS-DTYP
 * 2.5.3.2, DACL only).  SDDL lives in sddl.c.
 *
 * Self-relative SECURITY_DESCRIPTOR (all integers little-endian):
 *
 *   OFFSET SIZE FIELD
 *   0      1    Revision (1)
 *   1      1    Sbz1
 *   2      2    Control (SE_SELF_RELATIVE must be set)
 *   4      4    OffsetOwner  (0: absent)
 *   8      4    OffsetGroup  (0: absent)
 *   12     4    OffsetSacl   (0 with SACL_PRESENT: NULL SACL)
 *   16     4    OffsetDacl   (0 with DACL_PRESENT: NULL DACL)
 *
 * ACL:                               ACE header:
 *   0  1  AclRevision (2 or 4)         0  1  AceType
 *   1  1  Sbz1                         1  1  AceFlags
 *   2  2  AclSize (header + ACEs)      2  2  AceSize (header + body)
 *   4  2  AceCount
 *   6  2  Sbz2
 *
 * ACE bodies (every type 0x00-0x15 but 0x04):
 *   plain:   Mask(4) Sid(8+4n) [application data]
 *   object:  Mask(4) Flags(4) [ObjectType(16)] [InheritedObjectType(16)]
 *            Sid(8+4n) [application data]
 * Other types are kept as raw bodies.
 *
 * The decoder trusts no offset or size: each is checked against the bytes
 * that exist, every component is decoded from a sub-range that ends at the
 * end of the buffer (SIDs) or at AclSize (ACEs), and every ACE from the
 * sub-range that ends at its AceSize.
 */
#include "security/sd.h"

#include <string.h>
#include <talloc.h>

#include "base/buf.h"
#include "security/security-int.h"
#include "security/token.h"

static const char layer[] = "security";

bool sec_ace_type_is_known(uint8_t type)
{
	return type <= 0x15 && type != SEC_ACE_ACCESS_ALLOWED_COMPOUND;
}

bool sec_ace_type_is_object(uint8_t type)
{
	switch (type) {
	case SEC_ACE_ACCESS_ALLOWED_OBJECT:
	case SEC_ACE_ACCESS_DENIED_OBJECT:
	case SEC_ACE_SYSTEM_AUDIT_OBJECT:
	case SEC_ACE_SYSTEM_ALARM_OBJECT:
	case SEC_ACE_ACCESS_ALLOWED_CALLBACK_OBJECT:
	case SEC_ACE_ACCESS_DENIED_CALLBACK_OBJECT:
	case SEC_ACE_SYSTEM_AUDIT_CALLBACK_OBJECT:
	case SEC_ACE_SYSTEM_ALARM_CALLBACK_OBJECT:
		return true;
	default:
		return false;
	}
}

struct sec_acl *sec_acl_new(void *mem)
{
	struct sec_acl *acl = talloc_zero(mem, struct sec_acl);

	if (acl != NULL) {
		acl->revision = SEC_ACL_REVISION;
	}
	return acl;
}

size_t sec_ace_wire_size(const struct sec_ace *ace)
{
	size_t n = 4;

	if (!sec_ace_type_is_known(ace->type)) {
		return n + ace->n_extra;
	}
	n += 4;
	if (sec_ace_type_is_object(ace->type)) {
		n += 4;
		if (ace->obj_flags & SEC_ACE_OBJECT_TYPE_PRESENT) {
			n += 16;
		}
		if (ace->obj_flags & SEC_ACE_INHERITED_OBJECT_TYPE_PRESENT) {
			n += 16;
		}
	}
	return n + sec_sid_wire_size(&ace->sid) + ace->n_extra;
}

size_t sec_acl_wire_size(const struct sec_acl *acl)
{
	size_t n = SEC_ACL_HEADER_SIZE;

	for (size_t i = 0; i < acl->n_aces; i++) {
		n += sec_ace_wire_size(&acl->aces[i]);
	}
	return n;
}

hresult sec_acl_add(struct sec_acl *acl, const struct sec_ace *ace)
{
	struct sec_ace *aces;
	struct sec_ace *slot;
	size_t size = sec_ace_wire_size(ace);

	if (size > SEC_ACL_MAX_SIZE ||
	    sec_acl_wire_size(acl) + size > SEC_ACL_MAX_SIZE ||
	    acl->n_aces >= 0xFFFF) {
		return hr_raise(HR_WBEM_E_INVALID_PARAMETER);
	}
	aces = talloc_realloc(acl, acl->aces, struct sec_ace, acl->n_aces + 1);
	if (aces == NULL) {
		return hr_raise(HR_E_OUTOFMEMORY);
	}
	acl->aces = aces;
	slot = &aces[acl->n_aces];
	*slot = *ace;
	slot->extra = NULL;
	if (ace->n_extra > 0) {
		slot->extra = talloc_memdup(acl, ace->extra, ace->n_extra);
		if (slot->extra == NULL) {
			return hr_raise(HR_E_OUTOFMEMORY);
		}
	}
	acl->n_aces++;
	if (sec_ace_type_is_object(ace->type)) {
		acl->revision = SEC_ACL_REVISION_DS;
	}
	return HR_OK;
}

struct sec_sd *sec_sd_new(void *mem)
{
	struct sec_sd *sd = talloc_zero(mem, struct sec_sd);

	if (sd != NULL) {
		sd->revision = 1;
		sd->control = SEC_SE_SELF_RELATIVE;
	}
	return sd;
}

static struct sec_acl *acl_copy(void *mem, const struct sec_acl *src)
{
	struct sec_acl *acl = sec_acl_new(mem);

	if (acl == NULL) {
		return NULL;
	}
	for (size_t i = 0; i < src->n_aces; i++) {
		if (hr_failed(sec_acl_add(acl, &src->aces[i]))) {
			talloc_free(acl);
			return NULL;
		}
	}
	acl->revision = src->revision;
	return acl;
}

static bool sid_copy(void *mem, const struct sec_sid *src, struct sec_sid **dst)
{
	*dst = NULL;
	if (src == NULL) {
		return true;
	}
	*dst = talloc_memdup(mem, src, sizeof(*src));
	return *dst != NULL;
}

struct sec_sd *sec_sd_copy(void *mem, const struct sec_sd *sd)
{
	struct sec_sd *c = sec_sd_new(mem);

	if (c == NULL) {
		return NULL;
	}
	c->revision = sd->revision;
	c->control = sd->control;
	if (!sid_copy(c, sd->owner, &c->owner) ||
	    !sid_copy(c, sd->group, &c->group)) {
		goto fail;
	}
	if (sd->dacl != NULL && (c->dacl = acl_copy(c, sd->dacl)) == NULL) {
		goto fail;
	}
	if (sd->sacl != NULL && (c->sacl = acl_copy(c, sd->sacl)) == NULL) {
		goto fail;
	}
	return c;
fail:
	talloc_free(c);
	return NULL;
}

static bool opt_sid_equal(const struct sec_sid *a, const struct sec_sid *b)
{
	if (a == NULL || b == NULL) {
		return a == b;
	}
	return sec_sid_equal(a, b);
}

static bool ace_equal(const struct sec_ace *a, const struct sec_ace *b)
{
	if (a->type != b->type || a->flags != b->flags ||
	    a->n_extra != b->n_extra ||
	    (a->n_extra > 0 && memcmp(a->extra, b->extra, a->n_extra) != 0)) {
		return false;
	}
	if (!sec_ace_type_is_known(a->type)) {
		return true;
	}
	if (a->mask != b->mask || !sec_sid_equal(&a->sid, &b->sid)) {
		return false;
	}
	if (!sec_ace_type_is_object(a->type)) {
		return true;
	}
	return a->obj_flags == b->obj_flags &&
	       memcmp(a->object_type, b->object_type, 16) == 0 &&
	       memcmp(a->inherited_object_type, b->inherited_object_type, 16) ==
	               0;
}

static bool acl_equal(const struct sec_acl *a, const struct sec_acl *b)
{
	if (a == NULL || b == NULL) {
		return a == b;
	}
	if (a->revision != b->revision || a->n_aces != b->n_aces) {
		return false;
	}
	for (size_t i = 0; i < a->n_aces; i++) {
		if (!ace_equal(&a->aces[i], &b->aces[i])) {
			return false;
		}
	}
	return true;
}

bool sec_sd_equal(const struct sec_sd *a, const struct sec_sd *b)
{
	return a->revision == b->revision && a->control == b->control &&
	       opt_sid_equal(a->owner, b->owner) &&
	       opt_sid_equal(a->group, b->group) &&
	       acl_equal(a->dacl, b->dacl) && acl_equal(a->sacl, b->sacl);
}

/* ---- decoding ---- */

static uint16_t get_u16(const uint8_t *p)
{
	return (uint16_t)(p[0] | (p[1] << 8));
}

static uint32_t get_u32(const uint8_t *p)
{
	return (uint32_t)p[0] | ((uint32_t)p[1] << 8) | ((uint32_t)p[2] << 16) |
	       ((uint32_t)p[3] << 24);
}

static hresult bad(struct errinfo *ei, const char *what, size_t at)
{
	return err_set(ei, HR_WBEM_E_INVALID_OBJECT, layer,
	               "security descriptor: %s (byte %zu)", what, at);
}

/* Decodes one ACE body from [p, p+n) (n = AceSize - 4) into [ace]. */
static hresult decode_ace_body(void *mem,
                               const uint8_t *p,
                               size_t n,
                               size_t at,
                               struct sec_ace *ace,
                               struct errinfo *ei)
{
	size_t pos = 0;
	size_t used = 0;
	hresult hr;

	if (!sec_ace_type_is_known(ace->type)) {
		pos = 0;
		goto extra;
	}
	if (n < 4) {
		return bad(ei, "ACE too short for its mask", at);
	}
	ace->mask = get_u32(p);
	pos = 4;
	if (sec_ace_type_is_object(ace->type)) {
		if (n - pos < 4) {
			return bad(ei, "object ACE too short for its flags",
			           at + pos);
		}
		ace->obj_flags = get_u32(p + pos);
		pos += 4;
		if (ace->obj_flags & ~(uint32_t)3) {
			return bad(ei, "unknown object ACE flags",
			           at + pos - 4);
		}
		if (ace->obj_flags & SEC_ACE_OBJECT_TYPE_PRESENT) {
			if (n - pos < 16) {
				return bad(ei, "truncated ObjectType",
				           at + pos);
			}
			memcpy(ace->object_type, p + pos, 16);
			pos += 16;
		}
		if (ace->obj_flags & SEC_ACE_INHERITED_OBJECT_TYPE_PRESENT) {
			if (n - pos < 16) {
				return bad(ei, "truncated InheritedObjectType",
				           at + pos);
			}
			memcpy(ace->inherited_object_type, p + pos, 16);
			pos += 16;
		}
	}
	hr = sec_sid_decode(p + pos, n - pos, &used, &ace->sid, NULL);
	if (hr_failed(hr)) {
		return bad(ei, "bad SID in ACE", at + pos);
	}
	pos += used;
extra:
	ace->n_extra = n - pos;
	ace->extra = NULL;
	if (ace->n_extra > 0) {
		ace->extra = talloc_memdup(mem, p + pos, ace->n_extra);
		if (ace->extra == NULL) {
			return hr_raise(HR_E_OUTOFMEMORY);
		}
	}
	return HR_OK;
}

/* Decodes the ACL at [p, p+n); [at] is its offset for messages. */
static hresult decode_acl(void *mem,
                          const uint8_t *p,
                          size_t n,
                          size_t at,
                          struct sec_acl **out,
                          struct errinfo *ei)
{
	struct sec_acl *acl = NULL;
	size_t size;
	size_t count;
	size_t pos = SEC_ACL_HEADER_SIZE;
	hresult hr = HR_OK;

	if (n < SEC_ACL_HEADER_SIZE) {
		return bad(ei, "truncated ACL header", at);
	}
	if (p[0] != SEC_ACL_REVISION && p[0] != SEC_ACL_REVISION_DS) {
		return bad(ei, "ACL revision is not 2 or 4", at);
	}
	size = get_u16(p + 2);
	count = get_u16(p + 4);
	if (size < SEC_ACL_HEADER_SIZE || size > n) {
		return bad(ei, "AclSize outside the descriptor", at + 2);
	}
	acl = sec_acl_new(mem);
	if (acl == NULL) {
		return hr_raise(HR_E_OUTOFMEMORY);
	}
	acl->revision = p[0];
	if (count > 0) {
		/* Each ACE takes at least 4 bytes, so count is bounded. */
		if (count > (size - SEC_ACL_HEADER_SIZE) / 4) {
			hr = bad(ei, "AceCount larger than AclSize allows",
			         at + 4);
			goto out;
		}
		acl->aces = talloc_zero_array(acl, struct sec_ace, count);
		if (acl->aces == NULL) {
			hr = hr_raise(HR_E_OUTOFMEMORY);
			goto out;
		}
	}
	for (size_t i = 0; i < count; i++) {
		struct sec_ace *ace = &acl->aces[i];
		size_t ace_size;

		if (size - pos < 4) {
			hr = bad(ei, "truncated ACE header", at + pos);
			goto out;
		}
		ace->type = p[pos];
		ace->flags = p[pos + 1];
		ace_size = get_u16(p + pos + 2);
		if (ace_size < 4 || ace_size > size - pos) {
			hr = bad(ei, "AceSize outside the ACL", at + pos + 2);
			goto out;
		}
		hr = decode_ace_body(acl, p + pos + 4, ace_size - 4,
		                     at + pos + 4, ace, ei);
		if (hr_failed(hr)) {
			goto out;
		}
		acl->n_aces++;
		pos += ace_size;
	}
out:
	if (hr_failed(hr)) {
		talloc_free(acl);
		return hr;
	}
	*out = acl;
	return HR_OK;
}

static hresult decode_sid_at(void *mem,
                             const uint8_t *p,
                             size_t n,
                             uint32_t off,
                             const char *what,
                             struct sec_sid **out,
                             struct errinfo *ei)
{
	struct sec_sid sid;

	*out = NULL;
	if (off == 0) {
		return HR_OK;
	}
	if (off < SEC_SD_HEADER_SIZE || off >= n) {
		return bad(ei, what, off);
	}
	if (hr_failed(sec_sid_decode(p + off, n - off, NULL, &sid, NULL))) {
		return bad(ei, what, off);
	}
	*out = talloc_memdup(mem, &sid, sizeof(sid));
	return *out == NULL ? hr_raise(HR_E_OUTOFMEMORY) : HR_OK;
}

static hresult decode_acl_at(void *mem,
                             const uint8_t *p,
                             size_t n,
                             uint32_t off,
                             bool present,
                             const char *what,
                             struct sec_acl **out,
                             struct errinfo *ei)
{
	*out = NULL;
	if (!present) {
		return off == 0 ? HR_OK : bad(ei, what, off);
	}
	if (off == 0) {
		return HR_OK; /* NULL ACL */
	}
	if (off < SEC_SD_HEADER_SIZE || off >= n) {
		return bad(ei, what, off);
	}
	return decode_acl(mem, p + off, n - off, off, out, ei);
}

hresult sec_sd_decode(void *mem,
                      const uint8_t *p,
                      size_t n,
                      struct sec_sd **out,
                      struct errinfo *ei)
{
	struct sec_sd *sd = NULL;
	uint16_t control;
	hresult hr;

	if (n < SEC_SD_HEADER_SIZE) {
		return bad(ei, "shorter than the 20-byte header", n);
	}
	if (p[0] != 1) {
		return bad(ei, "revision is not 1", 0);
	}
	control = get_u16(p + 2);
	if (!(control & SEC_SE_SELF_RELATIVE)) {
		return bad(ei, "not self-relative", 2);
	}
	sd = sec_sd_new(mem);
	if (sd == NULL) {
		return hr_raise(HR_E_OUTOFMEMORY);
	}
	sd->control = control;
	hr = decode_sid_at(sd, p, n, get_u32(p + 4), "bad owner SID",
	                   &sd->owner, ei);
	if (hr_failed(hr)) {
		goto fail;
	}
	hr = decode_sid_at(sd, p, n, get_u32(p + 8), "bad group SID",
	                   &sd->group, ei);
	if (hr_failed(hr)) {
		goto fail;
	}
	hr = decode_acl_at(sd, p, n, get_u32(p + 12),
	                   (control & SEC_SE_SACL_PRESENT) != 0, "bad SACL",
	                   &sd->sacl, ei);
	if (hr_failed(hr)) {
		goto fail;
	}
	hr = decode_acl_at(sd, p, n, get_u32(p + 16),
	                   (control & SEC_SE_DACL_PRESENT) != 0, "bad DACL",
	                   &sd->dacl, ei);
	if (hr_failed(hr)) {
		goto fail;
	}
	*out = sd;
	return HR_OK;
fail:
	talloc_free(sd);
	return hr;
}

/* ---- encoding ---- */

static hresult encode_ace(const struct sec_ace *ace, struct buf *b)
{
	hresult hr;

	if (hr_failed(hr = buf_add_u8(b, ace->type)) ||
	    hr_failed(hr = buf_add_u8(b, ace->flags)) ||
	    hr_failed(
	            hr = buf_add_u16le(b, (uint16_t)sec_ace_wire_size(ace)))) {
		return hr;
	}
	if (sec_ace_type_is_known(ace->type)) {
		if (hr_failed(hr = buf_add_u32le(b, ace->mask))) {
			return hr;
		}
		if (sec_ace_type_is_object(ace->type)) {
			uint32_t f = ace->obj_flags;

			if (hr_failed(hr = buf_add_u32le(b, f))) {
				return hr;
			}
			if ((f & SEC_ACE_OBJECT_TYPE_PRESENT) &&
			    hr_failed(hr = buf_add(b, ace->object_type, 16))) {
				return hr;
			}
			if ((f & SEC_ACE_INHERITED_OBJECT_TYPE_PRESENT) &&
			    hr_failed(hr = buf_add(b,
			                           ace->inherited_object_type,
			                           16))) {
				return hr;
			}
		}
		if (hr_failed(hr = sec_sid_encode(&ace->sid, b))) {
			return hr;
		}
	}
	if (ace->n_extra > 0) {
		return buf_add(b, ace->extra, ace->n_extra);
	}
	return HR_OK;
}

static hresult encode_acl(const struct sec_acl *acl,
                          struct buf *b,
                          struct errinfo *ei)
{
	size_t size = sec_acl_wire_size(acl);
	hresult hr;

	if (size > SEC_ACL_MAX_SIZE || acl->n_aces > 0xFFFF) {
		return err_set(ei, HR_WBEM_E_INVALID_PARAMETER, layer,
		               "ACL of %zu bytes exceeds 65535", size);
	}
	for (size_t i = 0; i < acl->n_aces; i++) {
		if (sec_ace_wire_size(&acl->aces[i]) > SEC_ACL_MAX_SIZE) {
			return err_set(ei, HR_WBEM_E_INVALID_PARAMETER, layer,
			               "ACE %zu exceeds 65535 bytes", i);
		}
	}
	if (hr_failed(hr = buf_add_u8(b, acl->revision)) ||
	    hr_failed(hr = buf_add_u8(b, 0)) ||
	    hr_failed(hr = buf_add_u16le(b, (uint16_t)size)) ||
	    hr_failed(hr = buf_add_u16le(b, (uint16_t)acl->n_aces)) ||
	    hr_failed(hr = buf_add_u16le(b, 0))) {
		return hr;
	}
	for (size_t i = 0; i < acl->n_aces; i++) {
		if (hr_failed(hr = encode_ace(&acl->aces[i], b))) {
			return hr;
		}
	}
	return HR_OK;
}

static void put_u32(struct buf *b, size_t at, uint32_t v)
{
	uint8_t *q = (uint8_t *)b->data + at;

	q[0] = (uint8_t)v;
	q[1] = (uint8_t)(v >> 8);
	q[2] = (uint8_t)(v >> 16);
	q[3] = (uint8_t)(v >> 24);
}

hresult sec_sd_encode(void *mem,
                      const struct sec_sd *sd,
                      uint8_t **out,
                      size_t *out_len,
                      struct errinfo *ei)
{
	struct buf b;
	uint16_t control = sd->control | SEC_SE_SELF_RELATIVE;
	uint32_t off[4] = { 0, 0, 0, 0 };
	hresult hr = HR_OK;

	buf_init(&b, mem);
	control &= (uint16_t) ~(SEC_SE_DACL_PRESENT | SEC_SE_SACL_PRESENT);
	control |= sd->control & (SEC_SE_DACL_PRESENT | SEC_SE_SACL_PRESENT);
	if (sd->dacl != NULL) {
		control |= SEC_SE_DACL_PRESENT;
	}
	if (sd->sacl != NULL) {
		control |= SEC_SE_SACL_PRESENT;
	}
	if (hr_failed(hr = buf_add_u8(&b, 1)) ||
	    hr_failed(hr = buf_add_u8(&b, 0)) ||
	    hr_failed(hr = buf_add_u16le(&b, control)) ||
	    hr_failed(hr = buf_add(&b, off, sizeof(off)))) {
		goto out;
	}
	if (sd->owner != NULL) {
		off[0] = (uint32_t)b.len;
		if (hr_failed(hr = sec_sid_encode(sd->owner, &b))) {
			goto out;
		}
	}
	if (sd->group != NULL) {
		off[1] = (uint32_t)b.len;
		if (hr_failed(hr = sec_sid_encode(sd->group, &b))) {
			goto out;
		}
	}
	if (sd->sacl != NULL) {
		off[2] = (uint32_t)b.len;
		if (hr_failed(hr = encode_acl(sd->sacl, &b, ei))) {
			goto out;
		}
	}
	if (sd->dacl != NULL) {
		off[3] = (uint32_t)b.len;
		if (hr_failed(hr = encode_acl(sd->dacl, &b, ei))) {
			goto out;
		}
	}
	for (size_t i = 0; i < 4; i++) {
		put_u32(&b, 4 + 4 * i, off[i]);
	}
	*out = (uint8_t *)buf_detach(&b, out_len);
out:
	if (hr_failed(hr)) {
		buf_release(&b);
		if (hr_eq(hr, HR_E_OUTOFMEMORY)) {
			err_set(ei, hr, layer, "out of memory encoding SD");
		}
	}
	return hr;
}

/* ---- inheritance ---- */

/*
 * Appends to [dst] the ACEs of [src] that a child inherits, with their
 * flags rewritten (see sd.h).
 */
static hresult inherit_acl(struct sec_acl *dst,
                           const struct sec_acl *src,
                           bool container)
{
	const uint8_t inh = SEC_ACE_OBJECT_INHERIT | SEC_ACE_CONTAINER_INHERIT |
	                    SEC_ACE_NO_PROPAGATE_INHERIT | SEC_ACE_INHERIT_ONLY;
	hresult hr;

	for (size_t i = 0; i < src->n_aces; i++) {
		struct sec_ace ace = src->aces[i];
		uint8_t f = ace.flags;
		bool np = (f & SEC_ACE_NO_PROPAGATE_INHERIT) != 0;

		if (container && (f & SEC_ACE_CONTAINER_INHERIT)) {
			if (np) {
				f &= (uint8_t)~inh;
			} else {
				f &= (uint8_t)~SEC_ACE_INHERIT_ONLY;
			}
		} else if (container && (f & SEC_ACE_OBJECT_INHERIT)) {
			if (np) {
				continue;
			}
			f |= SEC_ACE_INHERIT_ONLY;
		} else if (!container && (f & SEC_ACE_OBJECT_INHERIT)) {
			f &= (uint8_t)~inh;
		} else {
			continue;
		}
		ace.flags = f | SEC_ACE_INHERITED;
		if (hr_failed(hr = sec_acl_add(dst, &ace))) {
			return hr;
		}
	}
	return HR_OK;
}

/*
 * Builds one ACL of the child: explicit ACEs of [own] (may be NULL), then
 * the inheritable ones of [from_parent] (may be NULL) unless [protect].
 * [*out] stays NULL when neither side contributes an ACE, except that with
 * [keep_empty] a parent ACL yields at least an empty ACL: a DACL must not
 * turn into "no DACL" (everyone allowed) on the way down.
 */
static hresult merge_acl(void *mem,
                         const struct sec_acl *own,
                         bool own_present,
                         const struct sec_acl *from_parent,
                         bool protect,
                         bool container,
                         bool keep_empty,
                         struct sec_acl **out)
{
	struct sec_acl *acl;
	hresult hr;

	*out = NULL;
	if (!own_present && (protect || from_parent == NULL)) {
		return HR_OK;
	}
	acl = sec_acl_new(mem);
	if (acl == NULL) {
		return hr_raise(HR_E_OUTOFMEMORY);
	}
	for (size_t i = 0; own != NULL && i < own->n_aces; i++) {
		if (own->aces[i].flags & SEC_ACE_INHERITED) {
			continue;
		}
		if (hr_failed(hr = sec_acl_add(acl, &own->aces[i]))) {
			goto fail;
		}
	}
	if (!protect && from_parent != NULL) {
		if (hr_failed(hr = inherit_acl(acl, from_parent, container))) {
			goto fail;
		}
	}
	if (!own_present && acl->n_aces == 0 && !keep_empty) {
		talloc_free(acl);
		return HR_OK;
	}
	*out = acl;
	return HR_OK;
fail:
	talloc_free(acl);
	return hr;
}

hresult sec_sd_inherit(void *mem,
                       const struct sec_sd *parent,
                       const struct sec_sd *child,
                       uint32_t flags,
                       struct sec_sd **out,
                       struct errinfo *ei)
{
	bool container = (flags & SEC_INHERIT_CONTAINER) != 0;
	bool ignore_prot = (flags & SEC_INHERIT_IGNORE_PROTECTED) != 0;
	uint16_t cc = child != NULL ? child->control : 0;
	struct sec_sd *sd = sec_sd_new(mem);
	hresult hr;

	if (sd == NULL) {
		return err_set(ei, HR_E_OUTOFMEMORY, layer, "out of memory");
	}
	sd->control |= cc & (SEC_SE_DACL_PROTECTED | SEC_SE_SACL_PROTECTED);
	if (!sid_copy(sd,
	              child != NULL && child->owner != NULL ? child->owner
	                                                    : parent->owner,
	              &sd->owner) ||
	    !sid_copy(sd,
	              child != NULL && child->group != NULL ? child->group
	                                                    : parent->group,
	              &sd->group)) {
		hr = hr_raise(HR_E_OUTOFMEMORY);
		goto fail;
	}
	hr = merge_acl(sd, child != NULL ? child->dacl : NULL,
	               (cc & SEC_SE_DACL_PRESENT) != 0, parent->dacl,
	               !ignore_prot && (cc & SEC_SE_DACL_PROTECTED), container,
	               true, &sd->dacl);
	if (hr_failed(hr)) {
		goto fail;
	}
	hr = merge_acl(sd, child != NULL ? child->sacl : NULL,
	               (cc & SEC_SE_SACL_PRESENT) != 0, parent->sacl,
	               !ignore_prot && (cc & SEC_SE_SACL_PROTECTED), container,
	               false, &sd->sacl);
	if (hr_failed(hr)) {
		goto fail;
	}
	if (sd->dacl != NULL) {
		sd->control |= SEC_SE_DACL_PRESENT;
	}
	if (sd->sacl != NULL) {
		sd->control |= SEC_SE_SACL_PRESENT;
	}
	*out = sd;
	return HR_OK;
fail:
	talloc_free(sd);
	return err_set(ei, hr, layer, "cannot build the inherited descriptor");
}

static void drop_inherited(struct sec_acl *acl)
{
	size_t j = 0;

	for (size_t i = 0; i < acl->n_aces; i++) {
		if (!(acl->aces[i].flags & SEC_ACE_INHERITED)) {
			acl->aces[j++] = acl->aces[i];
		}
	}
	acl->n_aces = j;
}

struct sec_sd *sec_sd_explicit_only(void *mem, const struct sec_sd *sd)
{
	struct sec_sd *c = sec_sd_copy(mem, sd);

	if (c == NULL) {
		return NULL;
	}
	if (c->dacl != NULL) {
		drop_inherited(c->dacl);
	}
	if (c->sacl != NULL) {
		drop_inherited(c->sacl);
	}
	return c;
}

/* ---- access check ---- */

uint32_t sec_map_generic(uint32_t mask, const struct sec_generic_mapping *map)
{
	uint32_t m = mask;

	if (map == NULL) {
		return mask;
	}
	if (m & SEC_GENERIC_READ) {
		m |= map->read;
	}
	if (m & SEC_GENERIC_WRITE) {
		m |= map->write;
	}
	if (m & SEC_GENERIC_EXECUTE) {
		m |= map->execute;
	}
	if (m & SEC_GENERIC_ALL) {
		m |= map->all;
	}
	return m & ~(uint32_t)(SEC_GENERIC_READ | SEC_GENERIC_WRITE |
	                       SEC_GENERIC_EXECUTE | SEC_GENERIC_ALL);
}

static bool dacl_is_open(const struct sec_sd *sd)
{
	return !(sd->control & SEC_SE_DACL_PRESENT) || sd->dacl == NULL;
}

uint32_t sec_sd_effective_rights(const struct sec_sd *sd,
                                 const struct sec_token *token,
                                 const struct sec_generic_mapping *map)
{
	uint32_t allowed = 0;
	uint32_t denied = 0;

	if (dacl_is_open(sd)) {
		return map != NULL ? map->all : 0xFFFFFFFFu;
	}
	for (size_t i = 0; i < sd->dacl->n_aces; i++) {
		const struct sec_ace *ace = &sd->dacl->aces[i];
		uint32_t mask;
		bool grant = false;
		bool deny = false;

		if ((ace->flags & SEC_ACE_INHERIT_ONLY) ||
		    !sec_ace_type_is_known(ace->type) ||
		    !sec_token_has_sid(token, &ace->sid)) {
			continue;
		}
		switch (ace->type) {
		case SEC_ACE_ACCESS_ALLOWED:
			grant = true;
			break;
		case SEC_ACE_ACCESS_ALLOWED_OBJECT:
			grant = !(ace->obj_flags & SEC_ACE_OBJECT_TYPE_PRESENT);
			break;
		case SEC_ACE_ACCESS_DENIED:
		case SEC_ACE_ACCESS_DENIED_OBJECT:
		case SEC_ACE_ACCESS_DENIED_CALLBACK:
		case SEC_ACE_ACCESS_DENIED_CALLBACK_OBJECT:
			deny = true;
			break;
		default:
			break;
		}
		mask = sec_map_generic(ace->mask, map);
		if (grant) {
			allowed |= mask & ~denied;
		} else if (deny) {
			denied |= mask & ~allowed;
		}
	}
	return allowed;
}

hresult sec_sd_access_check(const struct sec_sd *sd,
                            const struct sec_token *token,
                            uint32_t desired,
                            const struct sec_generic_mapping *map,
                            uint32_t *granted)
{
	uint32_t want = sec_map_generic(desired, map);
	bool maximum = (want & SEC_MAXIMUM_ALLOWED) != 0;
	uint32_t have;

	want &= ~(uint32_t)SEC_MAXIMUM_ALLOWED;
	if (granted != NULL) {
		*granted = 0;
	}
	if (dacl_is_open(sd)) {
		have = want | (map != NULL ? map->all : 0);
	} else {
		have = sec_sd_effective_rights(sd, token, map);
	}
	if ((want & ~have) != 0 || (maximum && have == 0)) {
		return hr_raise(HR_E_ACCESSDENIED);
	}
	if (granted != NULL) {
		*granted = maximum ? have : want;
	}
	return HR_OK;
}
