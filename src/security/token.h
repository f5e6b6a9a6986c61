/*
 * token: the identity a call runs under (security layer).
 *
 * A token is what the access check reads: the user SID, the group SIDs
 * (well-known groups such as Everyone and NETWORK included) and how the
 * caller logged on.  Tokens are built by accounts.c from OpenWMI accounts
 * or Unix users, or directly here (anonymous, SYSTEM).
 *
 * Invariants: groups never contains the user SID twice or a group twice;
 * exactly one of SEC_TOKEN_NETWORK and SEC_TOKEN_LOCAL is set.
 * A token is a talloc tree: talloc_free(token) releases it.
 */
#ifndef OWMI_SECURITY_TOKEN_H
#define OWMI_SECURITY_TOKEN_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "base/hresult.h"
#include "security/sid.h"

enum sec_token_flags {
	/* Network logon: the call came over TCP (NTLM).  Remote for WMI. */
	SEC_TOKEN_NETWORK = 1u << 0,
	/* Local logon: a Unix-socket caller identified by SO_PEERCRED. */
	SEC_TOKEN_LOCAL = 1u << 1,
	/* No credentials were proven (ANONYMOUS LOGON). */
	SEC_TOKEN_ANONYMOUS = 1u << 2,
};

struct sec_token {
	struct sec_sid user;
	struct sec_sid *groups; /* talloc array, child of the token */
	size_t n_groups;
	uint32_t flags;   /* enum sec_token_flags */
	char *name;       /* account name for logs ("alice"); never NULL */
	char *domain;     /* the account's domain for logs; never NULL */
	int64_t unix_uid; /* the Unix uid the caller is, or -1 */
};

/*
 * Returns owned a new token for [user] (copied) with no groups, flags
 * [flags], [name] and [domain] copied (NULL means ""), unix_uid -1.
 * Returns NULL on OOM.
 */
struct sec_token *sec_token_new(void *mem,
                                const struct sec_sid *user,
                                uint32_t flags,
                                const char *name,
                                const char *domain);

/*
 * Adds [sid] (copied) to the groups unless it is already there or is the
 * user SID.  Errors: E_OUTOFMEMORY; WBEM_E_QUOTA_VIOLATION past 1024
 * groups.
 */
hresult sec_token_add_group(struct sec_token *tok, const struct sec_sid *sid);

/* True when [sid] is the token's user or one of its groups. */
bool sec_token_has_sid(const struct sec_token *tok, const struct sec_sid *sid);

/* True when the token holds BUILTIN\Administrators. */
bool sec_token_is_admin(const struct sec_token *tok);

/* True when the token came from a network logon (SEC_TOKEN_NETWORK). */
bool sec_token_is_network(const struct sec_token *tok);

/*
 * Returns owned the token of an unauthenticated network caller: user
 * ANONYMOUS LOGON, groups Everyone and NETWORK.  NULL on OOM.
 */
struct sec_token *sec_token_new_anonymous(void *mem);

/*
 * Returns owned the token of the service itself: user SYSTEM, groups
 * Everyone, Authenticated Users, LOCAL and Administrators, local logon.
 * NULL on OOM.
 */
struct sec_token *sec_token_new_system(void *mem);

/* Returns owned a deep copy of [tok], or NULL on OOM. */
struct sec_token *sec_token_copy(void *mem, const struct sec_token *tok);

#endif
