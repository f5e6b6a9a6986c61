/*
 * accounts: OpenWMI's own account store (security layer; DESIGN.md 6, 7).
 *
 * One SQLite file (default /var/lib/openwmi/accounts.db) holds the machine
 * SID (S-1-5-21-x-y-z, drawn at random when the file is created), the
 * computer name used as the accounts' domain, the users (name, RID from
 * 1000 up, never reused; NT hash = MD4(UTF-16LE(password)), the secret
 * NTLM needs), the built-in groups with their well-known SIDs and the
 * membership of users in them.
 *
 * Invariants:
 *  - the file is a regular file owned by the effective user and mode 0600;
 *    open() creates it so, and repairs a wider mode (sec_accounts_warning()
 *    then says so);
 *  - every change is one SQLite transaction; a failed call changes nothing;
 *  - names compare case-insensitively (ASCII), as Windows account names do.
 * A handle is not thread-safe: use it from one thread at a time.  Several
 * processes may open the same file (wmid and wmiuser); SQLite's locking
 * serialises them, waiting up to 5 s for a lock.
 */
#ifndef OWMI_SECURITY_ACCOUNTS_H
#define OWMI_SECURITY_ACCOUNTS_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <sys/types.h>

#include "base/errinfo.h"
#include "base/hresult.h"
#include "security/sid.h"
#include "security/token.h"

#define SEC_ACCOUNTS_DEFAULT_PATH "/var/lib/openwmi/accounts.db"
#define SEC_ACCOUNT_NAME_MAX      20  /* characters, as on Windows */
#define SEC_PASSWORD_MAX          256 /* characters */

struct sec_accounts;

struct sec_user_info {
	char *name;
	uint32_t rid;
	struct sec_sid sid;
	char **groups; /* group names, sorted */
	size_t n_groups;
};

struct sec_group_info {
	char *name;
	struct sec_sid sid;
	char **members; /* user names, sorted */
	size_t n_members;
};

/*
 * Opens the account store at [path]; with [create], creates it (mode 0600)
 * and its schema when missing.  Returns owned (talloc child of [mem]; free
 * it to close) the handle in [*out].
 * Errors: HR_ERROR_FILE_NOT_FOUND (missing, !create); E_ACCESSDENIED (not
 * a regular file, owned by another user, or unreadable);
 * HR_ERROR_INTERNAL_DB_CORRUPTION (not an OpenWMI accounts file, or
 * damaged); WBEM_E_FAILED (other SQLite errors); E_OUTOFMEMORY.
 */
hresult sec_accounts_open(void *mem,
                          const char *path,
                          bool create,
                          struct sec_accounts **out,
                          struct errinfo *ei);

/* Returns a warning about the file found while opening, or NULL. */
const char *sec_accounts_warning(const struct sec_accounts *acc);

/* Returns the machine SID (borrowed; valid while [acc] is). */
const struct sec_sid *sec_accounts_machine_sid(const struct sec_accounts *acc);

/* Returns the computer name, the accounts' domain (borrowed). */
const char *sec_accounts_domain(const struct sec_accounts *acc);

/*
 * Computes the NT hash MD4(UTF-16LE(password)) (MS-NLMP 3.3.1 NTOWFv1).
 * Errors: WBEM_E_INVALID_PARAMETER for invalid UTF-8, E_OUTOFMEMORY.
 */
hresult sec_nt_hash(const char *password, uint8_t nt_hash[16]);

/*
 * Adds user [name] with [password] and makes it a member of Users.
 * Errors: WBEM_E_ALREADY_EXISTS (a user or group has that name),
 * WBEM_E_INVALID_PARAMETER (bad name: empty, over 20 characters, control
 * or "/\[]:;|=,+*?<>@ characters, leading or trailing blanks, only dots
 * and blanks; bad password: empty, over 256 characters, invalid UTF-8),
 * WBEM_E_FAILED (storage).
 */
hresult sec_user_add(struct sec_accounts *acc,
                     const char *name,
                     const char *password,
                     struct errinfo *ei);

/* Deletes a user and its memberships.  Errors: WBEM_E_NOT_FOUND, ... */
hresult sec_user_del(struct sec_accounts *acc,
                     const char *name,
                     struct errinfo *ei);

/* Sets a new password.  Errors: WBEM_E_NOT_FOUND, WBEM_E_INVALID_PARAMETER */
hresult sec_user_passwd(struct sec_accounts *acc,
                        const char *name,
                        const char *password,
                        struct errinfo *ei);

/*
 * Returns owned (children of [mem]) all users sorted by name, with their
 * groups, in [*out] and their count in [*n].
 */
hresult sec_user_list(struct sec_accounts *acc,
                      void *mem,
                      struct sec_user_info **out,
                      size_t *n,
                      struct errinfo *ei);

/*
 * Group membership.  [group] is a group name ("Administrators", "Users",
 * "Distributed COM Users", "Performance Log Users", ...).
 * add: WBEM_E_NOT_FOUND (no such group or user), WBEM_E_ALREADY_EXISTS
 * (already a member).  remove: WBEM_E_NOT_FOUND (not a member).
 */
hresult sec_group_add_member(struct sec_accounts *acc,
                             const char *group,
                             const char *user,
                             struct errinfo *ei);
hresult sec_group_remove_member(struct sec_accounts *acc,
                                const char *group,
                                const char *user,
                                struct errinfo *ei);

/*
 * Returns owned the groups sorted by name (only [group] when not NULL;
 * WBEM_E_NOT_FOUND when it does not exist) with their members.
 */
hresult sec_group_list(struct sec_accounts *acc,
                       void *mem,
                       const char *group,
                       struct sec_group_info **out,
                       size_t *n,
                       struct errinfo *ei);

/*
 * The NTLM layer's lookup callback: [arg] is the struct sec_accounts.
 * Fills [nt_hash] for [user].  [domain] is not checked: a stand-alone
 * machine treats every domain name as itself, as a Windows workgroup
 * member does for local accounts.
 * Errors: HR_ERROR_LOGON_FAILURE (unknown user; nt_hash untouched),
 * WBEM_E_FAILED (storage).
 */
hresult sec_user_get_nt_hash(void *arg,
                             const char *user,
                             const char *domain,
                             uint8_t nt_hash[16]);

/*
 * Returns owned (child of [mem]) the token of account [user]: its SID,
 * Everyone, Authenticated Users, NETWORK ([is_network]) or INTERACTIVE and
 * LOCAL, and the SIDs of its groups.
 * Errors: HR_ERROR_LOGON_FAILURE (unknown user), WBEM_E_FAILED,
 * E_OUTOFMEMORY.
 */
hresult sec_token_for_user(struct sec_accounts *acc,
                           void *mem,
                           const char *user,
                           bool is_network,
                           struct sec_token **out,
                           struct errinfo *ei);

/*
 * Returns owned the token of a local Unix caller (SO_PEERCRED uid), a
 * local logon.  A Unix user whose name is an OpenWMI account gets that
 * account's token; any other gets user S-1-22-1-<uid> with Everyone,
 * Authenticated Users, INTERACTIVE, LOCAL and Users.  uid 0 always holds
 * Administrators as well.  [acc] may be NULL (no account store).
 * Errors: WBEM_E_FAILED, E_OUTOFMEMORY.
 */
hresult sec_token_for_unix_uid(struct sec_accounts *acc,
                               void *mem,
                               uid_t uid,
                               struct sec_token **out,
                               struct errinfo *ei);

#endif
