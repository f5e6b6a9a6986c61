/*
 * sd: security descriptors, ACLs and ACEs; SDDL; inheritance; access check
 * (security layer).
 *
 * Implements MS-DTYP 2.4.3 (ACCESS_MASK), 2.4.4 (ACE types), 2.4.5 (ACL),
 * 2.4.6 (SECURITY_DESCRIPTOR, self-relative form), 2.5.1 (SDDL) and a
 * DACL-only reading of 2.5.3.2 (access check).  Byte layouts are drawn in
 * sd.c next to the codec.
 *
 * Invariants of a struct sec_sd built by this module:
 *  - control always has SEC_SE_SELF_RELATIVE set;
 *  - SEC_SE_DACL_PRESENT is set iff the descriptor has a DACL, which may be
 *    a NULL DACL (dacl == NULL: everyone gets everything) or a real one
 *    (dacl != NULL, possibly with zero ACEs: nobody gets anything);
 *    likewise SEC_SE_SACL_PRESENT and sacl;
 *  - owner/group are NULL when absent;
 *  - every ACL's encoded size fits in 16 bits.
 * The structures are plain talloc trees: an sd owns its SIDs, ACLs and
 * ACEs, so talloc_free(sd) releases everything.
 */
#ifndef OWMI_SECURITY_SD_H
#define OWMI_SECURITY_SD_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "base/errinfo.h"
#include "base/hresult.h"
#include "security/sid.h"

struct sec_token;

/* ACCESS_MASK bits (MS-DTYP 2.4.3). */
enum sec_access {
	SEC_DELETE = 0x00010000u,
	SEC_READ_CONTROL = 0x00020000u,
	SEC_WRITE_DAC = 0x00040000u,
	SEC_WRITE_OWNER = 0x00080000u,
	SEC_SYNCHRONIZE = 0x00100000u,
	SEC_ACCESS_SYSTEM_SECURITY = 0x01000000u,
	SEC_MAXIMUM_ALLOWED = 0x02000000u,
	SEC_GENERIC_ALL = 0x10000000u,
	SEC_GENERIC_EXECUTE = 0x20000000u,
	SEC_GENERIC_WRITE = 0x40000000u,
	SEC_GENERIC_READ = 0x80000000u,
};

/* AceType values (MS-DTYP 2.4.4.1). */
enum sec_ace_type {
	SEC_ACE_ACCESS_ALLOWED = 0x00,
	SEC_ACE_ACCESS_DENIED = 0x01,
	SEC_ACE_SYSTEM_AUDIT = 0x02,
	SEC_ACE_SYSTEM_ALARM = 0x03,
	SEC_ACE_ACCESS_ALLOWED_COMPOUND = 0x04,
	SEC_ACE_ACCESS_ALLOWED_OBJECT = 0x05,
	SEC_ACE_ACCESS_DENIED_OBJECT = 0x06,
	SEC_ACE_SYSTEM_AUDIT_OBJECT = 0x07,
	SEC_ACE_SYSTEM_ALARM_OBJECT = 0x08,
	SEC_ACE_ACCESS_ALLOWED_CALLBACK = 0x09,
	SEC_ACE_ACCESS_DENIED_CALLBACK = 0x0A,
	SEC_ACE_ACCESS_ALLOWED_CALLBACK_OBJECT = 0x0B,
	SEC_ACE_ACCESS_DENIED_CALLBACK_OBJECT = 0x0C,
	SEC_ACE_SYSTEM_AUDIT_CALLBACK = 0x0D,
	SEC_ACE_SYSTEM_ALARM_CALLBACK = 0x0E,
	SEC_ACE_SYSTEM_AUDIT_CALLBACK_OBJECT = 0x0F,
	SEC_ACE_SYSTEM_ALARM_CALLBACK_OBJECT = 0x10,
	SEC_ACE_SYSTEM_MANDATORY_LABEL = 0x11,
};

/* AceFlags (MS-DTYP 2.4.4.1). */
enum sec_ace_flags {
	SEC_ACE_OBJECT_INHERIT = 0x01,       /* OI */
	SEC_ACE_CONTAINER_INHERIT = 0x02,    /* CI */
	SEC_ACE_NO_PROPAGATE_INHERIT = 0x04, /* NP */
	SEC_ACE_INHERIT_ONLY = 0x08,         /* IO */
	SEC_ACE_INHERITED = 0x10,            /* ID */
	SEC_ACE_SUCCESSFUL_ACCESS = 0x40,    /* SA */
	SEC_ACE_FAILED_ACCESS = 0x80,        /* FA */
};

/* Flags of the object ACE variants (MS-DTYP 2.4.4.3). */
enum sec_ace_object_flags {
	SEC_ACE_OBJECT_TYPE_PRESENT = 0x1,
	SEC_ACE_INHERITED_OBJECT_TYPE_PRESENT = 0x2,
};

/* SECURITY_DESCRIPTOR Control (MS-DTYP 2.4.6). */
enum sec_sd_control {
	SEC_SE_OWNER_DEFAULTED = 0x0001,
	SEC_SE_GROUP_DEFAULTED = 0x0002,
	SEC_SE_DACL_PRESENT = 0x0004,
	SEC_SE_DACL_DEFAULTED = 0x0008,
	SEC_SE_SACL_PRESENT = 0x0010,
	SEC_SE_SACL_DEFAULTED = 0x0020,
	SEC_SE_DACL_TRUSTED = 0x0040,
	SEC_SE_SERVER_SECURITY = 0x0080,
	SEC_SE_DACL_AUTO_INHERIT_REQ = 0x0100,
	SEC_SE_SACL_AUTO_INHERIT_REQ = 0x0200,
	SEC_SE_DACL_AUTO_INHERITED = 0x0400,
	SEC_SE_SACL_AUTO_INHERITED = 0x0800,
	SEC_SE_DACL_PROTECTED = 0x1000,
	SEC_SE_SACL_PROTECTED = 0x2000,
	SEC_SE_RM_CONTROL_VALID = 0x4000,
	SEC_SE_SELF_RELATIVE = 0x8000,
};

#define SEC_SD_HEADER_SIZE  20
#define SEC_ACL_HEADER_SIZE 8
#define SEC_ACL_REVISION    2 /* ACL_REVISION */
#define SEC_ACL_REVISION_DS 4 /* ACL_REVISION_DS: object ACEs present */

/*
 * One ACE.  For the object variants, obj_flags says which GUIDs are
 * present.  [extra] holds the bytes after the SID (application data of the
 * callback variants) and, for ACE types this module does not interpret
 * (compound, unknown), the whole body after the header; then mask/sid are
 * unused and the ACE is kept only to be re-encoded unchanged.
 */
struct sec_ace {
	uint8_t type;  /* enum sec_ace_type */
	uint8_t flags; /* enum sec_ace_flags */
	uint32_t mask;
	uint32_t obj_flags;                /* object variants only */
	uint8_t object_type[16];           /* GUID, wire byte order */
	uint8_t inherited_object_type[16]; /* GUID, wire byte order */
	struct sec_sid sid;
	uint8_t *extra; /* talloc child of the ACL; NULL when n_extra == 0 */
	size_t n_extra;
};

struct sec_acl {
	uint8_t revision; /* SEC_ACL_REVISION or SEC_ACL_REVISION_DS */
	size_t n_aces;
	struct sec_ace *aces; /* talloc array, child of the ACL */
};

struct sec_sd {
	uint8_t revision; /* always 1 */
	uint16_t control; /* enum sec_sd_control */
	struct sec_sid *owner;
	struct sec_sid *group;
	struct sec_acl *sacl;
	struct sec_acl *dacl;
};

/*
 * A generic mapping (MS-DTYP 2.5.3.2 "MapGenericBits"): which specific
 * rights each GENERIC_* bit stands for.
 */
struct sec_generic_mapping {
	uint32_t read;
	uint32_t write;
	uint32_t execute;
	uint32_t all;
};

/* Returns true for the types whose body is mask + SID (+ object data). */
bool sec_ace_type_is_known(uint8_t type);
/* Returns true for the object variants (0x05-0x08, 0x0B, 0x0C, 0x0F, 0x10). */
bool sec_ace_type_is_object(uint8_t type);

/* Returns owned a new empty ACL (revision 2) under [mem], or NULL on OOM. */
struct sec_acl *sec_acl_new(void *mem);

/*
 * Appends a copy of [ace] (copies extra) to [acl].  Raises the ACL
 * revision to 4 for object ACEs.  Errors: E_OUTOFMEMORY;
 * WBEM_E_INVALID_PARAMETER when the ACL would exceed 64 KiB encoded.
 */
hresult sec_acl_add(struct sec_acl *acl, const struct sec_ace *ace);

/* Returns the encoded size of [ace] and of [acl]. */
size_t sec_ace_wire_size(const struct sec_ace *ace);
size_t sec_acl_wire_size(const struct sec_acl *acl);

/* Returns owned a new descriptor with revision 1, self-relative, empty. */
struct sec_sd *sec_sd_new(void *mem);

/* Returns owned a deep copy of [sd] under [mem], or NULL on OOM. */
struct sec_sd *sec_sd_copy(void *mem, const struct sec_sd *sd);

/* Deep equality (owner, group, control, ACL revisions, every ACE field). */
bool sec_sd_equal(const struct sec_sd *a, const struct sec_sd *b);

/*
 * Decodes a self-relative SECURITY_DESCRIPTOR from [p, p+n).  Every offset
 * and size is checked against n; no field is trusted.  Trailing bytes after
 * the last component are allowed (Windows pads).
 * Returns owned (talloc child of [mem]) the descriptor in [*out].
 * Errors: WBEM_E_INVALID_OBJECT (with the reason in [ei]), E_OUTOFMEMORY.
 * [*out] is untouched on failure.
 */
hresult sec_sd_decode(void *mem,
                      const uint8_t *p,
                      size_t n,
                      struct sec_sd **out,
                      struct errinfo *ei);

/*
 * Encodes [sd] self-relative (header, owner, group, SACL, DACL, in that
 * order).  Returns owned (talloc child of [mem]) the bytes in [*out] and
 * their count in [*out_len].  Errors: E_OUTOFMEMORY,
 * WBEM_E_INVALID_PARAMETER when an ACL exceeds 64 KiB.
 */
hresult sec_sd_encode(void *mem,
                      const struct sec_sd *sd,
                      uint8_t **out,
                      size_t *out_len,
                      struct errinfo *ei);

/*
 * Parses SDDL (MS-DTYP 2.5.1): components O:, G:, D:, S: in any order,
 * each at most once; ACL flags P, AR, AI; "NO_ACCESS_CONTROL" for a NULL
 * ACL; ACE types A D OA OD AU AL OU OL; ACE flags OI CI NP IO ID SA FA;
 * rights as letters (generic, standard, directory-service, file, registry,
 * mandatory label) or a number (0x hex, 0 octal, decimal); SIDs as aliases
 * or S-1-... strings.  Whitespace is allowed between components and
 * between ACEs.  [domain] resolves domain-relative aliases (may be NULL).
 * Returns owned the descriptor in [*out].  Errors: WBEM_E_INVALID_SYNTAX
 * with the 1-based column in [ei], E_OUTOFMEMORY.
 */
hresult sec_sddl_parse(void *mem,
                       const char *sddl,
                       const struct sec_sid *domain,
                       struct sec_sd **out,
                       struct errinfo *ei);

/*
 * Formats [sd] as SDDL: O:, G:, D:, S: in that order, only those present.
 * Rights are letters when every set bit has a single-bit letter, else
 * "0x..." hex; SIDs use aliases where they exist.  Returns owned the
 * string in [*out].  Errors: E_OUTOFMEMORY; WBEM_E_INVALID_PARAMETER when
 * the descriptor holds something SDDL cannot spell (an ACE type without
 * letters, ACE flag bits without letters).
 */
hresult sec_sddl_format(void *mem,
                        const struct sec_sd *sd,
                        const struct sec_sid *domain,
                        char **out,
                        struct errinfo *ei);

/* Inheritance options for sec_sd_inherit(). */
enum sec_inherit_flags {
	/* The new object is a container (a namespace): CI ACEs apply. */
	SEC_INHERIT_CONTAINER = 1u << 0,
	/*
	 * Inherit even when the child's DACL is SE_DACL_PROTECTED.  WMI
	 * namespaces behave this way (windows-wmi-behaviour.md 2.3).
	 */
	SEC_INHERIT_IGNORE_PROTECTED = 1u << 1,
};

/*
 * Computes the descriptor of a new child object from its [parent] and the
 * child's own explicit descriptor [child] (may be NULL).  The result has
 * the child's explicit (non-ID) ACEs first, then the parent's inheritable
 * ACEs, each marked ID:
 *  - container child: ACEs with CI are inherited (IO cleared; with NP the
 *    inheritance flags CI, OI, NP are cleared too); ACEs with OI only are
 *    inherited as inherit-only (OI|IO) unless NP is set;
 *  - object child: ACEs with OI are inherited with all inheritance flags
 *    cleared.
 * Inherited ACEs already on [child] are dropped and recomputed.  Owner and
 * group come from [child] when it has them, else from [parent].  The SACL
 * follows the same rules.  Returns owned the result in [*out].
 * Errors: E_OUTOFMEMORY, WBEM_E_INVALID_PARAMETER (ACL too large).
 *
 * NEEDSWORK: CREATOR OWNER / CREATOR GROUP are not replaced by the child's
 * owner and group; nothing in WMI's defaults uses them.
 */
hresult sec_sd_inherit(void *mem,
                       const struct sec_sd *parent,
                       const struct sec_sd *child,
                       uint32_t flags,
                       struct sec_sd **out,
                       struct errinfo *ei);

/*
 * Returns owned a copy of [sd] whose ACLs keep only the explicit ACEs (the
 * ones without ID), as __SystemSecurity.SetSD uses them.  NULL on OOM.
 */
struct sec_sd *sec_sd_explicit_only(void *mem, const struct sec_sd *sd);

/* Replaces the GENERIC_* bits of [mask] by what [map] says they mean. */
uint32_t sec_map_generic(uint32_t mask, const struct sec_generic_mapping *map);

/*
 * Returns the rights the DACL of [sd] grants [token] (MS-DTYP 2.5.3.2,
 * reduced to the DACL): ACEs are read in order, inherit-only ACEs are
 * skipped, an ACE applies when its SID is the token's user or one of its
 * groups; a denied bit not yet granted is denied for good, an allowed bit
 * not yet denied is granted.  There is no object type list, so allow
 * variants that name an object type and callback allow ACEs (whose
 * conditions are not evaluated) never grant, while every deny variant
 * denies unconditionally: unknown conditions fail closed.
 * A missing or NULL DACL grants [map]->all (or every bit when map is
 * NULL); an empty DACL grants nothing.  Generic bits in ACEs are mapped
 * through [map] when it is not NULL.
 */
uint32_t sec_sd_effective_rights(const struct sec_sd *sd,
                                 const struct sec_token *token,
                                 const struct sec_generic_mapping *map);

/*
 * Checks that [token] holds every right in [desired] (after generic
 * mapping; MAXIMUM_ALLOWED asks for whatever is granted, and succeeds when
 * at least one right is).  On success [granted] (may be NULL) receives the
 * granted rights: [desired] itself, or everything granted for
 * MAXIMUM_ALLOWED.  Errors: E_ACCESSDENIED (callers translate: the object
 * manager says WBEM_E_ACCESS_DENIED).  [granted] is 0 on failure.
 */
hresult sec_sd_access_check(const struct sec_sd *sd,
                            const struct sec_token *token,
                            uint32_t desired,
                            const struct sec_generic_mapping *map,
                            uint32_t *granted);

#endif
