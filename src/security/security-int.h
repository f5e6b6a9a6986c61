/*
 * security-int.h: helpers shared inside src/security only.
 */
#ifndef OWMI_SECURITY_INT_H
#define OWMI_SECURITY_INT_H

#include <stddef.h>

#include "base/errinfo.h"
#include "base/hresult.h"
#include "security/sid.h"

/*
 * Parses a SID string at the start of [s, s+n) and stops at the first
 * character that cannot continue it; [*used] receives the length.  [base]
 * is added to positions reported in [ei].  Errors: WBEM_E_INVALID_SYNTAX.
 */
hresult sec_sid_parse_prefix(const char *s,
                             size_t n,
                             size_t base,
                             size_t *used,
                             struct sec_sid *out,
                             struct errinfo *ei);

/* Largest encoded ACL (AclSize is 16 bits). */
#define SEC_ACL_MAX_SIZE 0xFFFFu

#endif
