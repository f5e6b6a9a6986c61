/*
 * token: the identity a call runs under (security layer).  See token.h.
 */
#include "security/token.h"

#include <string.h>
#include <talloc.h>

#define SEC_TOKEN_MAX_GROUPS 1024

struct sec_token *sec_token_new(void *mem,
                                const struct sec_sid *user,
                                uint32_t flags,
                                const char *name,
                                const char *domain)
{
	struct sec_token *tok = talloc_zero(mem, struct sec_token);

	if (tok == NULL) {
		return NULL;
	}
	tok->user = *user;
	tok->flags = flags;
	tok->unix_uid = -1;
	tok->name = talloc_strdup(tok, name != NULL ? name : "");
	tok->domain = talloc_strdup(tok, domain != NULL ? domain : "");
	if (tok->name == NULL || tok->domain == NULL) {
		talloc_free(tok);
		return NULL;
	}
	return tok;
}

hresult sec_token_add_group(struct sec_token *tok, const struct sec_sid *sid)
{
	struct sec_sid *g;

	if (sec_token_has_sid(tok, sid)) {
		return HR_OK;
	}
	if (tok->n_groups >= SEC_TOKEN_MAX_GROUPS) {
		return hr_raise(HR_WBEM_E_QUOTA_VIOLATION);
	}
	g = talloc_realloc(tok, tok->groups, struct sec_sid, tok->n_groups + 1);
	if (g == NULL) {
		return hr_raise(HR_E_OUTOFMEMORY);
	}
	g[tok->n_groups++] = *sid;
	tok->groups = g;
	return HR_OK;
}

bool sec_token_has_sid(const struct sec_token *tok, const struct sec_sid *sid)
{
	if (sec_sid_equal(&tok->user, sid)) {
		return true;
	}
	for (size_t i = 0; i < tok->n_groups; i++) {
		if (sec_sid_equal(&tok->groups[i], sid)) {
			return true;
		}
	}
	return false;
}

bool sec_token_is_admin(const struct sec_token *tok)
{
	return sec_token_has_sid(tok, &sec_sid_builtin_admins);
}

bool sec_token_is_network(const struct sec_token *tok)
{
	return (tok->flags & SEC_TOKEN_NETWORK) != 0;
}

static struct sec_token *with_groups(struct sec_token *tok,
                                     const struct sec_sid *const *groups,
                                     size_t n)
{
	if (tok == NULL) {
		return NULL;
	}
	for (size_t i = 0; i < n; i++) {
		if (hr_failed(sec_token_add_group(tok, groups[i]))) {
			talloc_free(tok);
			return NULL;
		}
	}
	return tok;
}

struct sec_token *sec_token_new_anonymous(void *mem)
{
	static const struct sec_sid *const groups[] = {
		&sec_sid_everyone,
		&sec_sid_network,
	};
	struct sec_token *tok = sec_token_new(
	        mem, &sec_sid_anonymous,
	        SEC_TOKEN_NETWORK | SEC_TOKEN_ANONYMOUS, "ANONYMOUS LOGON",
	        "NT AUTHORITY");

	return with_groups(tok, groups, sizeof(groups) / sizeof(groups[0]));
}

struct sec_token *sec_token_new_system(void *mem)
{
	static const struct sec_sid *const groups[] = {
		&sec_sid_everyone,
		&sec_sid_authenticated_users,
		&sec_sid_local,
		&sec_sid_builtin_admins,
	};
	struct sec_token *tok = sec_token_new(mem, &sec_sid_local_system,
	                                      SEC_TOKEN_LOCAL, "SYSTEM",
	                                      "NT AUTHORITY");

	return with_groups(tok, groups, sizeof(groups) / sizeof(groups[0]));
}

struct sec_token *sec_token_copy(void *mem, const struct sec_token *tok)
{
	struct sec_token *c = sec_token_new(mem, &tok->user, tok->flags,
	                                    tok->name, tok->domain);

	if (c == NULL) {
		return NULL;
	}
	c->unix_uid = tok->unix_uid;
	if (tok->n_groups > 0) {
		c->groups = talloc_memdup(c, tok->groups,
		                          tok->n_groups * sizeof(*tok->groups));
		if (c->groups == NULL) {
			talloc_free(c);
			return NULL;
		}
		talloc_set_type(c->groups, struct sec_sid);
		c->n_groups = tok->n_groups;
	}
	return c;
}
