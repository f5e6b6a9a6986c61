/*
 * sid: security identifiers (security layer).
 *
 * Owns the SID value type, its string form "S-1-5-32-544" (MS-DTYP
 * 2.4.2.1), its binary form (MS-DTYP 2.4.2.2), the well-known SIDs OpenWMI
 * uses, and the two-letter SDDL aliases (MS-DTYP 2.5.1.1 sid-token).
 *
 * Binary form, all integers little-endian except the authority:
 *
 *   OFFSET SIZE FIELD
 *   0      1    Revision (always 1)
 *   1      1    SubAuthorityCount (0..15)
 *   2      6    IdentifierAuthority (big-endian 48-bit value)
 *   8      4*n  SubAuthority[n] (little-endian uint32 each)
 *
 * Invariants: a struct sec_sid that came from any function here has
 * revision 1, n_sub <= SEC_SID_MAX_SUB, and sub[i] == 0 for i >= n_sub, so
 * memcmp-free comparison through sec_sid_equal() is always exact.
 * struct sec_sid is an embeddable value type: copy it with '='.
 */
#ifndef OWMI_SECURITY_SID_H
#define OWMI_SECURITY_SID_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "base/buf.h"
#include "base/errinfo.h"
#include "base/hresult.h"

#define SEC_SID_MAX_SUB 15
/* Longest string form: "S-1-0x" + 12 hex + 15 * "-4294967295" + NUL. */
#define SEC_SID_STRING_MAX 192
/* Longest binary form. */
#define SEC_SID_WIRE_MAX (8 + 4 * SEC_SID_MAX_SUB)

struct sec_sid {
	uint8_t revision; /* always 1 */
	uint8_t n_sub;    /* number of valid entries in sub[] */
	uint8_t auth[6];  /* IdentifierAuthority, big-endian as on the wire */
	uint32_t sub[SEC_SID_MAX_SUB];
};

/* Well-known SIDs (immutable). */
extern const struct sec_sid sec_sid_null;                /* S-1-0-0 */
extern const struct sec_sid sec_sid_everyone;            /* S-1-1-0  WD */
extern const struct sec_sid sec_sid_local;               /* S-1-2-0 */
extern const struct sec_sid sec_sid_creator_owner;       /* S-1-3-0  CO */
extern const struct sec_sid sec_sid_creator_group;       /* S-1-3-1  CG */
extern const struct sec_sid sec_sid_network;             /* S-1-5-2  NU */
extern const struct sec_sid sec_sid_interactive;         /* S-1-5-4  IU */
extern const struct sec_sid sec_sid_anonymous;           /* S-1-5-7  AN */
extern const struct sec_sid sec_sid_principal_self;      /* S-1-5-10 PS */
extern const struct sec_sid sec_sid_authenticated_users; /* S-1-5-11 AU */
extern const struct sec_sid sec_sid_local_system;        /* S-1-5-18 SY */
extern const struct sec_sid sec_sid_local_service;       /* S-1-5-19 LS */
extern const struct sec_sid sec_sid_network_service;     /* S-1-5-20 NS */
extern const struct sec_sid sec_sid_builtin_admins;      /* S-1-5-32-544 BA */
extern const struct sec_sid sec_sid_builtin_users;       /* S-1-5-32-545 BU */
extern const struct sec_sid sec_sid_builtin_guests;      /* S-1-5-32-546 BG */
extern const struct sec_sid sec_sid_perfmon_users;       /* S-1-5-32-558 MU */
extern const struct sec_sid sec_sid_perflog_users;       /* S-1-5-32-559 LU */
extern const struct sec_sid sec_sid_dcom_users;          /* S-1-5-32-562 */
extern const struct sec_sid sec_sid_remote_mgmt_users;   /* S-1-5-32-580 RM */
extern const struct sec_sid sec_sid_all_app_packages;    /* S-1-15-2-1 AC */

/* Well-known relative IDs under a machine or domain SID. */
enum sec_rid {
	SEC_RID_ADMINISTRATOR = 500,
	SEC_RID_GUEST = 501,
	SEC_RID_FIRST_USER = 1000,
};

/*
 * Builds [out] from a 48-bit [authority] and [n_sub] sub-authorities.
 * Returns false (and leaves [out] untouched) when n_sub > 15 or the
 * authority does not fit in 48 bits.
 */
bool sec_sid_make(struct sec_sid *out,
                  uint64_t authority,
                  size_t n_sub,
                  const uint32_t *sub);

/*
 * [out] = [base] with [rid] appended.  Returns false (out untouched) when
 * base already has 15 sub-authorities.  out and base may alias.
 */
bool sec_sid_append_rid(struct sec_sid *out,
                        const struct sec_sid *base,
                        uint32_t rid);

/* Returns the 48-bit identifier authority as a number. */
uint64_t sec_sid_authority(const struct sec_sid *sid);

/* Returns the last sub-authority (the RID), or 0 when there is none. */
uint32_t sec_sid_rid(const struct sec_sid *sid);

/* True when [sid] is [prefix] plus exactly one more sub-authority. */
bool sec_sid_is_in_domain(const struct sec_sid *sid,
                          const struct sec_sid *prefix);

bool sec_sid_equal(const struct sec_sid *a, const struct sec_sid *b);

/* A total order (authority, then count, then sub-authorities). */
int sec_sid_cmp(const struct sec_sid *a, const struct sec_sid *b);

/*
 * Parses the string form "S-1-<authority>(-<sub>)*" (MS-DTYP 2.4.2.1;
 * authority decimal below 2^32, else "0x" + 12 hex digits; a leading "s"
 * is accepted).  Whole string must be consumed.
 * Errors: WBEM_E_INVALID_SYNTAX with the position in [ei].
 * [out] is untouched on failure.
 */
hresult sec_sid_parse(const char *s, struct sec_sid *out, struct errinfo *ei);

/*
 * Writes the string form into [out] (SEC_SID_STRING_MAX bytes) and returns
 * out.  Never fails for a SID that satisfies the invariants.
 */
char *sec_sid_format(const struct sec_sid *sid, char out[SEC_SID_STRING_MAX]);

/* Returns owned (talloc child of [mem]) the string form, or NULL on OOM. */
char *sec_sid_to_string(void *mem, const struct sec_sid *sid);

/* Returns the binary size of [sid]: 8 + 4 * n_sub. */
size_t sec_sid_wire_size(const struct sec_sid *sid);

/* Appends the binary form to [b].  Errors: E_OUTOFMEMORY. */
hresult sec_sid_encode(const struct sec_sid *sid, struct buf *b);

/*
 * Decodes a binary SID from the start of [p, p+n); [used] (may be NULL)
 * receives its size.  Errors: WBEM_E_INVALID_OBJECT for a truncated SID, a
 * revision other than 1 or more than 15 sub-authorities.  [out] is
 * untouched on failure.
 */
hresult sec_sid_decode(const uint8_t *p,
                       size_t n,
                       size_t *used,
                       struct sec_sid *out,
                       struct errinfo *ei);

/*
 * SDDL two-letter aliases (MS-DTYP 2.5.1.1).  Aliases relative to a domain
 * (DA, DU, LA, ...) need [domain], the machine or domain SID; with
 * domain == NULL they are unknown.
 *
 * sec_sid_from_alias: [alias] is two characters (need not be terminated).
 * Returns true and fills [out] when known.
 * sec_sid_alias: returns the static alias for [sid], or NULL when none.
 */
bool sec_sid_from_alias(const char *alias,
                        const struct sec_sid *domain,
                        struct sec_sid *out);
const char *sec_sid_alias(const struct sec_sid *sid,
                          const struct sec_sid *domain);

/*
 * Returns the account name Windows shows for a well-known SID and sets
 * [*domain] ("NT AUTHORITY", "BUILTIN", "" for Everyone), or NULL when the
 * SID is not one of the well-known SIDs above.  Static strings.
 */
const char *sec_sid_well_known_name(const struct sec_sid *sid,
                                    const char **domain);

#endif
