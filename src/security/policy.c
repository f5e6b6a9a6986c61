/*
 * policy: WMI namespace and DCOM security decisions (security layer).
 * See policy.h; the facts come from windows-wmi-behaviour.md 2 and 3.
 */
#include "security/policy.h"

#include <stdio.h>
#include <talloc.h>

static const char layer[] = "security";

const struct sec_generic_mapping sec_ns_generic_mapping = {
	.read = SEC_WBEM_ENABLE | SEC_WBEM_READ_CONTROL,
	.write = SEC_WBEM_FULL_WRITE_REP | SEC_WBEM_PARTIAL_WRITE_REP |
	         SEC_WBEM_WRITE_PROVIDER,
	.execute = SEC_WBEM_METHOD_EXECUTE,
	.all = SEC_WBEM_ALL_NS_RIGHTS,
};

const struct sec_generic_mapping sec_com_generic_mapping = {
	.read = SEC_COM_RIGHTS_ALL_LAUNCH,
	.write = SEC_COM_RIGHTS_ALL_LAUNCH,
	.execute = SEC_COM_RIGHTS_ALL_LAUNCH,
	.all = SEC_COM_RIGHTS_ALL_LAUNCH,
};

hresult sec_ns_default_sd(void *mem, struct sec_sd **out, struct errinfo *ei)
{
	return sec_sddl_parse(mem, SEC_SDDL_NS_DEFAULT, NULL, out, ei);
}

hresult sec_ns_child_sd(void *mem,
                        const struct sec_sd *parent,
                        const struct sec_sd *child,
                        struct sec_sd **out,
                        struct errinfo *ei)
{
	return sec_sd_inherit(
	        mem, parent, child,
	        SEC_INHERIT_CONTAINER | SEC_INHERIT_IGNORE_PROTECTED, out, ei);
}

uint32_t sec_ns_caller_rights(const struct sec_sd *sd,
                              const struct sec_token *token)
{
	return sec_sd_effective_rights(sd, token, &sec_ns_generic_mapping);
}

/* Appends the SDDL letters / UI names of [mask] to [out] for messages. */
static void describe_ns_rights(uint32_t mask, char *out, size_t size)
{
	static const struct {
		uint32_t bit;
		const char *name;
	} names[] = {
		{ SEC_WBEM_ENABLE, "Enable Account" },
		{ SEC_WBEM_METHOD_EXECUTE, "Execute Methods" },
		{ SEC_WBEM_FULL_WRITE_REP, "Full Write" },
		{ SEC_WBEM_PARTIAL_WRITE_REP, "Partial Write" },
		{ SEC_WBEM_WRITE_PROVIDER, "Provider Write" },
		{ SEC_WBEM_REMOTE_ACCESS, "Remote Enable" },
		{ SEC_WBEM_READ_CONTROL, "Read Security" },
		{ SEC_WBEM_WRITE_DAC, "Edit Security" },
	};
	size_t len = 0;

	out[0] = '\0';
	for (size_t i = 0; i < sizeof(names) / sizeof(names[0]); i++) {
		int k;

		if (!(mask & names[i].bit)) {
			continue;
		}
		k = snprintf(out + len, size - len, "%s%s", len > 0 ? ", " : "",
		             names[i].name);
		if (k < 0 || (size_t)k >= size - len) {
			return;
		}
		len += (size_t)k;
	}
	if (len == 0) {
		snprintf(out, size, "0x%x", (unsigned)mask);
	}
}

hresult sec_ns_access_check(const struct sec_sd *sd,
                            const struct sec_token *token,
                            uint32_t required,
                            struct errinfo *ei)
{
	uint32_t have = sec_ns_caller_rights(sd, token);
	uint32_t want = sec_map_generic(required, &sec_ns_generic_mapping);
	char missing[160];

	if ((sd->control & SEC_SE_DACL_PRESENT) == 0 || sd->dacl == NULL) {
		return HR_OK;
	}
	if ((want & ~have) == 0) {
		return HR_OK;
	}
	describe_ns_rights(want & ~have, missing, sizeof(missing));
	return err_set(ei, HR_WBEM_E_ACCESS_DENIED, layer,
	               "%s\\%s lacks %s on the namespace", token->domain,
	               token->name, missing);
}

hresult sec_ns_check_connect(const struct sec_sd *sd,
                             const struct sec_token *token,
                             struct errinfo *ei)
{
	uint32_t want = SEC_WBEM_ENABLE;

	if (sec_token_is_network(token)) {
		want |= SEC_WBEM_REMOTE_ACCESS;
	}
	return sec_ns_access_check(sd, token, want, ei);
}

static hresult invalid(struct errinfo *ei, size_t i, const char *what)
{
	return err_set(ei, HR_WBEM_E_INVALID_PARAMETER, layer,
	               "SetSD: ACE %zu: %s", i, what);
}

hresult sec_ns_validate_setsd(const struct sec_sd *sd, struct errinfo *ei)
{
	const uint8_t known = SEC_ACE_OBJECT_INHERIT |
	                      SEC_ACE_CONTAINER_INHERIT |
	                      SEC_ACE_NO_PROPAGATE_INHERIT |
	                      SEC_ACE_INHERIT_ONLY | SEC_ACE_INHERITED;
	const uint32_t writes = SEC_WBEM_PARTIAL_WRITE_REP |
	                        SEC_WBEM_WRITE_PROVIDER;

	if (sd->owner == NULL || sd->group == NULL) {
		return err_set(ei, HR_WBEM_E_INVALID_PARAMETER, layer,
		               "SetSD: the owner or group is missing");
	}
	if (!(sd->control & SEC_SE_DACL_PRESENT) || sd->dacl == NULL) {
		return err_set(ei, HR_WBEM_E_INVALID_PARAMETER, layer,
		               "SetSD: the DACL is missing");
	}
	for (size_t i = 0; i < sd->dacl->n_aces; i++) {
		const struct sec_ace *ace = &sd->dacl->aces[i];

		if (ace->type != SEC_ACE_ACCESS_ALLOWED &&
		    ace->type != SEC_ACE_ACCESS_DENIED) {
			return invalid(ei, i, "only allow and deny ACEs");
		}
		if (ace->flags & ~known) {
			return invalid(ei, i, "unknown ACE flag");
		}
		if (ace->mask & ~(uint32_t)SEC_WBEM_VALID_NS_RIGHTS) {
			return invalid(ei, i, "unknown access right");
		}
		if ((ace->flags & SEC_ACE_INHERIT_ONLY) &&
		    !(ace->flags & SEC_ACE_CONTAINER_INHERIT)) {
			return invalid(ei, i,
			               "INHERIT_ONLY without "
			               "CONTAINER_INHERIT");
		}
		if (ace->type == SEC_ACE_ACCESS_ALLOWED &&
		    (ace->mask & SEC_WBEM_FULL_WRITE_REP) &&
		    (ace->mask & writes) != writes) {
			return invalid(ei, i,
			               "Full Write without Partial "
			               "Write and Provider Write");
		}
	}
	return HR_OK;
}

uint32_t sec_com_required(enum sec_com_op op, bool remote)
{
	switch (op) {
	case SEC_COM_ACCESS:
	case SEC_COM_LAUNCH:
		return SEC_COM_RIGHTS_EXECUTE |
		       (remote ? SEC_COM_RIGHTS_EXECUTE_REMOTE
		               : SEC_COM_RIGHTS_EXECUTE_LOCAL);
	case SEC_COM_ACTIVATE:
		return SEC_COM_RIGHTS_EXECUTE |
		       (remote ? SEC_COM_RIGHTS_ACTIVATE_REMOTE
		               : SEC_COM_RIGHTS_ACTIVATE_LOCAL);
	}
	return SEC_COM_RIGHTS_ALL_LAUNCH;
}

hresult sec_com_rights(const struct sec_sd *sd,
                       const struct sec_token *token,
                       uint32_t *rights)
{
	struct sec_sd *c;

	*rights = 0;
	if ((sd->control & SEC_SE_DACL_PRESENT) == 0 || sd->dacl == NULL) {
		*rights = SEC_COM_RIGHTS_ALL_LAUNCH;
		return HR_OK;
	}
	c = sec_sd_copy(NULL, sd);
	if (c == NULL) {
		return hr_raise(HR_E_OUTOFMEMORY);
	}
	for (size_t i = 0; i < c->dacl->n_aces; i++) {
		struct sec_ace *ace = &c->dacl->aces[i];

		if (ace->mask == SEC_COM_RIGHTS_EXECUTE) {
			ace->mask = SEC_COM_RIGHTS_ALL_LAUNCH;
		}
	}
	*rights = sec_sd_effective_rights(c, token, &sec_com_generic_mapping) &
	          SEC_COM_RIGHTS_ALL_LAUNCH;
	talloc_free(c);
	return HR_OK;
}

hresult sec_com_access_check(const struct sec_sd *limit,
                             const struct sec_sd *perm,
                             const struct sec_token *token,
                             uint32_t required,
                             struct errinfo *ei)
{
	uint32_t have = 0;
	hresult hr;

	if (limit != NULL) {
		if (hr_failed(hr = sec_com_rights(limit, token, &have))) {
			return err_set(ei, hr, layer, "out of memory");
		}
		if ((required & ~have) != 0) {
			return err_set(ei, HR_E_ACCESSDENIED, layer,
			               "the machine-wide limit refuses "
			               "%s\\%s COM rights 0x%x",
			               token->domain, token->name,
			               (unsigned)(required & ~have));
		}
	}
	if (hr_failed(hr = sec_com_rights(perm, token, &have))) {
		return err_set(ei, hr, layer, "out of memory");
	}
	if ((required & ~have) != 0) {
		return err_set(ei, HR_E_ACCESSDENIED, layer,
		               "the application permission refuses %s\\%s "
		               "COM rights 0x%x",
		               token->domain, token->name,
		               (unsigned)(required & ~have));
	}
	return HR_OK;
}
