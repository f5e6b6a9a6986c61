/*
 * sysprop: the ten WMI system properties, computed from a class or an
 * instance and never stored (cim layer; windows-wmi-behaviour.md 8.1).
 *
 * __PATH, __RELPATH, __SERVER and __NAMESPACE of an instance are NULL when
 * its keys are incomplete (no keys, a NULL key).
 */
#include "cim/cim.h"

#include <string.h>
#include <talloc.h>

#include "base/utf.h"
#include "cim/cim-int.h"

const char *const cim_sysprop_names[] = {
	"__GENUS",     "__CLASS",          "__SUPERCLASS", "__DYNASTY",
	"__RELPATH",   "__PROPERTY_COUNT", "__DERIVATION", "__SERVER",
	"__NAMESPACE", "__PATH",           NULL,
};

bool cim_sysprop_is(const char *name)
{
	if (name == NULL || name[0] != '_' || name[1] != '_') {
		return false;
	}
	for (size_t i = 0; cim_sysprop_names[i] != NULL; i++) {
		if (utf8_casecmp(cim_sysprop_names[i], name) == 0) {
			return true;
		}
	}
	return false;
}

static hresult str_value(void *mem, const char *s, struct cim_value *out)
{
	*out = cim_value_null(CIM_T_STRING);
	if (s == NULL) {
		return HR_OK;
	}
	out->v.s = talloc_strdup(mem, s);
	if (out->v.s == NULL) {
		return hr_raise(HR_E_OUTOFMEMORY);
	}
	out->null = false;
	return HR_OK;
}

static hresult sint_value(int64_t i, struct cim_value *out)
{
	*out = cim_value_null(CIM_T_SINT32);
	out->null = false;
	out->v.i = i;
	return HR_OK;
}

static hresult derivation_value(void *mem,
                                const struct cim_class *cls,
                                struct cim_value *out)
{
	uint32_t n = cls->n_derivation;
	const char *only = NULL;
	char **arr;

	if (n == 0 && !cls->resolved && cls->superclass != NULL) {
		only = cls->superclass;
		n = 1;
	}
	*out = cim_value_null(CIM_T_STRING | CIM_FLAG_ARRAY);
	arr = talloc_zero_array(mem, char *, n ? n : 1);
	if (arr == NULL) {
		return hr_raise(HR_E_OUTOFMEMORY);
	}
	for (uint32_t i = 0; i < n; i++) {
		arr[i] = talloc_strdup(arr, only ? only : cls->derivation[i]);
		if (arr[i] == NULL) {
			talloc_free(arr);
			return hr_raise(HR_E_OUTOFMEMORY);
		}
	}
	out->null = false;
	out->v.a.n = n;
	out->v.a.e.s = arr;
	return HR_OK;
}

static const char *dynasty(const struct cim_class *cls)
{
	if (cls->n_derivation != 0) {
		return cls->derivation[cls->n_derivation - 1];
	}
	return cls->superclass == NULL ? cls->name : NULL;
}

hresult cim_sysprop_get(void *mem,
                        const struct cim_class *cls,
                        const struct cim_instance *inst,
                        const char *server,
                        const char *ns,
                        const char *name,
                        struct cim_value *out)
{
	char *rel = NULL;
	hresult hr = HR_OK;
	bool keyed = true;

	if (cls == NULL && inst != NULL) {
		cls = inst->cls;
	}
	if (cls == NULL || !cim_sysprop_is(name)) {
		return hr_raise(HR_WBEM_E_NOT_FOUND);
	}
	if (server == NULL) {
		server = inst ? inst->server : cls->server;
	}
	if (ns == NULL) {
		ns = inst ? inst->namespace : cls->namespace;
	}
	if (utf8_casecmp(name, "__GENUS") == 0) {
		return sint_value(inst ? 2 : 1, out);
	}
	if (utf8_casecmp(name, "__CLASS") == 0) {
		return str_value(mem, cls->name, out);
	}
	if (utf8_casecmp(name, "__SUPERCLASS") == 0) {
		return str_value(mem, cls->superclass, out);
	}
	if (utf8_casecmp(name, "__DYNASTY") == 0) {
		return str_value(mem, dynasty(cls), out);
	}
	if (utf8_casecmp(name, "__PROPERTY_COUNT") == 0) {
		return sint_value(cls->n_props, out);
	}
	if (utf8_casecmp(name, "__DERIVATION") == 0) {
		return derivation_value(mem, cls, out);
	}
	if (inst != NULL) {
		hr = cim_instance_relpath(mem, inst, &rel);
		if (hr_eq(hr, HR_E_OUTOFMEMORY)) {
			return hr;
		}
		keyed = hr_ok(hr);
	} else {
		rel = talloc_strdup(mem, cls->name);
		if (rel == NULL) {
			return hr_raise(HR_E_OUTOFMEMORY);
		}
	}
	if (!keyed) {
		*out = cim_value_null(CIM_T_STRING);
		return HR_OK;
	}
	if (utf8_casecmp(name, "__RELPATH") == 0) {
		*out = cim_value_null(CIM_T_STRING);
		out->null = false;
		out->v.s = rel;
		return HR_OK;
	}
	if (utf8_casecmp(name, "__SERVER") == 0) {
		hr = str_value(mem, server, out);
	} else if (utf8_casecmp(name, "__NAMESPACE") == 0) {
		hr = str_value(mem, ns, out);
	} else if (server == NULL || ns == NULL) {
		*out = cim_value_null(CIM_T_STRING);
	} else {
		*out = cim_value_null(CIM_T_STRING);
		out->v.s = talloc_asprintf(mem, "\\\\%s\\%s:%s", server, ns,
		                           rel);
		if (out->v.s == NULL) {
			hr = hr_raise(HR_E_OUTOFMEMORY);
		} else {
			out->null = false;
		}
	}
	talloc_free(rel);
	return hr;
}
