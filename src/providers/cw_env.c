/*
 * cw_env: Win32_Environment, the system variables of /etc/environment
 * (providers layer).
 */
#include "providers/providers-int.h"

#include <talloc.h>

#include "providers/sysinfo.h"

int32_t cw_env_each(struct pcall *c)
{
	struct prov_env_var *v = NULL;
	uint32_t n = 0;
	hresult hr = prov_env_read(c->mem, "", &v, &n, NULL);

	if (hr_failed(hr)) {
		return pc_hr(hr.v);
	}
	for (uint32_t i = 0; i < n; i++) {
		char *caption = talloc_asprintf(c->mem, "%s\\%s", v[i].user,
		                                v[i].name);
		struct pb b;
		int32_t rc = pb_begin(&b, c, c->cls);

		if (OWMI_FAILED(rc)) {
			return rc;
		}
		if (caption == NULL) {
			c->h->instance_free(b.inst);
			return OWMI_E_OUT_OF_MEMORY;
		}
		pb_str(&b, "Name", v[i].name);
		pb_str(&b, "UserName", v[i].user);
		pb_str(&b, "VariableValue", v[i].value);
		pb_bool(&b, "SystemVariable", v[i].system);
		pb_str(&b, "Caption", caption);
		pb_str(&b, "Description", caption);
		pb_str(&b, "Status", "OK");
		rc = pc_emit(&b);
		if (rc != OWMI_S_OK) {
			return rc;
		}
	}
	return OWMI_S_OK;
}
