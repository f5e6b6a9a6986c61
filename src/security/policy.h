/*
 * policy: WMI namespace security and DCOM launch/access security, as
 * windows-wmi-behaviour.md sections 2 and 3 describe them (security layer).
 *
 * This is where the access-mask bits get their WMI and COM meanings, where
 * the default descriptors live (as SDDL constants, the form in which they
 * were observed), and where the object manager and the DCOM layer ask
 * "may this token do that?".  The answers use the error each layer owns:
 * WBEM_E_ACCESS_DENIED for namespaces, E_ACCESSDENIED for DCOM
 * (DESIGN.md section 5).
 */
#ifndef OWMI_SECURITY_POLICY_H
#define OWMI_SECURITY_POLICY_H

#include <stdbool.h>
#include <stdint.h>

#include "base/errinfo.h"
#include "base/hresult.h"
#include "security/sd.h"
#include "security/token.h"

/* Namespace access rights (windows-wmi-behaviour.md 2.1; wbemcli.h). */
enum sec_wbem_rights {
	SEC_WBEM_ENABLE = 0x01,             /* Enable Account */
	SEC_WBEM_METHOD_EXECUTE = 0x02,     /* Execute Methods */
	SEC_WBEM_FULL_WRITE_REP = 0x04,     /* Full Write */
	SEC_WBEM_PARTIAL_WRITE_REP = 0x08,  /* Partial Write */
	SEC_WBEM_WRITE_PROVIDER = 0x10,     /* Provider Write */
	SEC_WBEM_REMOTE_ACCESS = 0x20,      /* Remote Enable */
	SEC_WBEM_RIGHT_SUBSCRIBE = 0x40,    /* event SDs only */
	SEC_WBEM_RIGHT_PUBLISH = 0x80,      /* event SDs only */
	SEC_WBEM_READ_CONTROL = 0x20000,    /* Read Security */
	SEC_WBEM_WRITE_DAC = 0x40000,       /* Edit Security */
	SEC_WBEM_ALL_NS_RIGHTS = 0x6003F,   /* what Administrators have */
	SEC_WBEM_VALID_NS_RIGHTS = 0x600FF, /* what SetSD accepts */
};

/* COM access rights (windows-wmi-behaviour.md 3.1). */
enum sec_com_rights {
	SEC_COM_RIGHTS_EXECUTE = 0x01,
	SEC_COM_RIGHTS_EXECUTE_LOCAL = 0x02,
	SEC_COM_RIGHTS_EXECUTE_REMOTE = 0x04,
	SEC_COM_RIGHTS_ACTIVATE_LOCAL = 0x08,
	SEC_COM_RIGHTS_ACTIVATE_REMOTE = 0x10,
	SEC_COM_RIGHTS_ALL_ACCESS = 0x07, /* what access ACLs use */
	SEC_COM_RIGHTS_ALL_LAUNCH = 0x1F, /* what launch ACLs use */
};

/* The default descriptor of root (section 2.2), as GetSD shows it. */
#define SEC_SDDL_NS_DEFAULT                                        \
	"O:BAG:BAD:(A;CI;CCDCLCSWRPWPRCWD;;;BA)(A;CI;CCDCRP;;;NS)" \
	"(A;CI;CCDCRP;;;LS)(A;CI;CCDCRP;;;AU)"

/* What a standard child namespace (root\cimv2) shows: all inherited. */
#define SEC_SDDL_NS_CHILD_DEFAULT                                      \
	"O:BAG:BAD:(A;CIID;CCDCLCSWRPWPRCWD;;;BA)(A;CIID;CCDCRP;;;NS)" \
	"(A;CIID;CCDCRP;;;LS)(A;CIID;CCDCRP;;;AU)"

/* Machine-wide limits and defaults (section 3.2, observed SDDL). */
#define SEC_SDDL_MACHINE_LAUNCH_RESTRICTION                                \
	"O:BAG:BAD:(A;;CCDCLCSWRP;;;BA)(A;;CCDCSW;;;WD)"                   \
	"(A;;CCDCLCSWRP;;;S-1-5-32-562)(A;;CCDCLCSWRP;;;LU)"               \
	"(A;;CCDCSW;;;AC)(A;;CCDCSW;;;S-1-15-3-1024-2405443489-874036122-" \
	"4286035555-1823921565-1746547431-2453885448-3625952902-"          \
	"991631256)"

#define SEC_SDDL_MACHINE_ACCESS_RESTRICTION                         \
	"O:BAG:BAD:(A;;CCDCLC;;;WD)(A;;CCDC;;;AN)"                  \
	"(A;;CCDCLC;;;S-1-5-32-562)(A;;CCDCLC;;;LU)(A;;CCDC;;;AC)"  \
	"(A;;CCDC;;;S-1-15-3-1024-2405443489-874036122-4286035555-" \
	"1823921565-1746547431-2453885448-3625952902-991631256)"

#define SEC_SDDL_DEFAULT_LAUNCH_PERMISSION                   \
	"O:BAG:BAD:(A;;CCDCLCSWRP;;;BA)(A;;CCDCLCSWRP;;;SY)" \
	"(A;;CCDCLCSWRP;;;IU)"

#define SEC_SDDL_DEFAULT_ACCESS_PERMISSION \
	"O:BAG:BAD:(A;;CCDCLC;;;PS)(A;;CCDC;;;SY)(A;;CCDCLC;;;BA)"

/*
 * Generic mappings.  Windows documents none for namespaces or COM; these
 * are OpenWMI's: for namespaces GENERIC_READ = Enable + Read Security,
 * GENERIC_WRITE = the three writes, GENERIC_EXECUTE = Execute Methods,
 * GENERIC_ALL = everything Administrators have; for COM every generic bit
 * means every COM right.
 */
extern const struct sec_generic_mapping sec_ns_generic_mapping;
extern const struct sec_generic_mapping sec_com_generic_mapping;

/*
 * Returns owned (child of [mem]) the default root namespace descriptor in
 * [*out].  Errors: E_OUTOFMEMORY.
 */
hresult sec_ns_default_sd(void *mem, struct sec_sd **out, struct errinfo *ei);

/*
 * Returns owned the descriptor of a new namespace under [parent]: the
 * explicit ACEs of [child] (may be NULL) followed by the parent's CI ACEs
 * marked ID; SE_DACL_PROTECTED does not block this (section 2.3).
 * Errors: E_OUTOFMEMORY, WBEM_E_INVALID_PARAMETER.
 */
hresult sec_ns_child_sd(void *mem,
                        const struct sec_sd *parent,
                        const struct sec_sd *child,
                        struct sec_sd **out,
                        struct errinfo *ei);

/*
 * Returns the rights [token] has in a namespace with descriptor [sd]
 * (what __SystemSecurity.GetCallerAccessRights reports).
 */
uint32_t sec_ns_caller_rights(const struct sec_sd *sd,
                              const struct sec_token *token);

/*
 * Checks that [token] holds every right in [required] on the namespace.
 * Errors: WBEM_E_ACCESS_DENIED with the missing rights named in [ei].
 */
hresult sec_ns_access_check(const struct sec_sd *sd,
                            const struct sec_token *token,
                            uint32_t required,
                            struct errinfo *ei);

/*
 * The ConnectServer check (section 2.5 step 2): Enable Account, plus
 * Remote Enable when the token is a network logon.
 * Errors: WBEM_E_ACCESS_DENIED.
 */
hresult sec_ns_check_connect(const struct sec_sd *sd,
                             const struct sec_token *token,
                             struct errinfo *ei);

/*
 * Validates a descriptor given to __SystemSecurity.SetSD (section 2.4).
 * Errors: WBEM_E_INVALID_PARAMETER when the owner or group is missing,
 * the DACL is missing or NULL, an ACE is not an allow/deny ACE, has an
 * unknown flag or right, has IO without CI, or grants Full Write without
 * Partial Write and Provider Write.
 */
hresult sec_ns_validate_setsd(const struct sec_sd *sd, struct errinfo *ei);

/* What the DCOM layer is checking, and from where. */
enum sec_com_op {
	SEC_COM_ACCESS,   /* a call into an object: access ACLs */
	SEC_COM_LAUNCH,   /* starting a server: launch ACLs */
	SEC_COM_ACTIVATE, /* creating an object in a running server */
};

/* Returns the COM rights [op] needs, local or [remote]. */
uint32_t sec_com_required(enum sec_com_op op, bool remote);

/*
 * Returns the COM rights [sd] grants [token], with legacy ACEs (mask
 * COM_RIGHTS_EXECUTE alone, which means "all") widened to every COM right.
 * Errors: E_OUTOFMEMORY (then [*rights] is 0).
 */
hresult sec_com_rights(const struct sec_sd *sd,
                       const struct sec_token *token,
                       uint32_t *rights);

/*
 * The DCOM check: [token] needs [required] in both the machine-wide
 * [limit] (may be NULL: no limit) and the application's [perm].
 * Errors: E_ACCESSDENIED naming which of the two refused, E_OUTOFMEMORY.
 */
hresult sec_com_access_check(const struct sec_sd *limit,
                             const struct sec_sd *perm,
                             const struct sec_token *token,
                             uint32_t required,
                             struct errinfo *ei);

#endif
