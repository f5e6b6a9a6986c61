/*
 * instance: instances of resolved classes, their relative paths and key
 * strings (cim layer; DSP0004 7.3.5 keys, WMI __RELPATH form).
 *
 * Invariants: inst->values has inst->cls->n_props entries, values[i] of
 * type cls->props[i].type; what a value holds is a talloc child of inst.
 *
 * Relpath: `Class.K1="v",K2=3` with keys sorted by name
 * (case-insensitive, cls->key_index order); `Class=@` for a class with
 * the [singleton] qualifier.
 */
#include "cim/cim.h"

#include <inttypes.h>
#include <string.h>
#include <talloc.h>

#include "base/buf.h"
#include "base/utf.h"
#include "cim/cim-int.h"
#include "cim/objpath.h"

struct cim_instance *cim_instance_new(void *mem, struct cim_class *cls)
{
	struct cim_instance *inst;

	if (cls == NULL) {
		return NULL;
	}
	inst = talloc_zero(mem, struct cim_instance);
	if (inst == NULL) {
		return NULL;
	}
	inst->cls = cls;
	inst->values = talloc_zero_array(inst, struct cim_value,
	                                 cls->n_props ? cls->n_props : 1);
	if (inst->values == NULL) {
		goto oom;
	}
	for (uint32_t i = 0; i < cls->n_props; i++) {
		if (hr_failed(cim_value_copy(inst, &inst->values[i],
		                             &cls->props[i].value))) {
			goto oom;
		}
		inst->values[i].type = cls->props[i].type;
	}
	return inst;
oom:
	talloc_free(inst);
	return NULL;
}

hresult cim_instance_set(struct cim_instance *inst,
                         const char *name,
                         const struct cim_value *v)
{
	struct cim_value nv;
	int32_t i;
	hresult hr;

	if (name == NULL) {
		return hr_raise(HR_WBEM_E_NOT_FOUND);
	}
	if (name[0] == '_' && name[1] == '_') {
		return hr_raise(HR_WBEM_E_SYSTEM_PROPERTY);
	}
	i = cim_class_find_prop(inst->cls, name);
	if (i < 0) {
		return hr_raise(HR_WBEM_E_NOT_FOUND);
	}
	hr = cim_value_convert(inst, &nv, v, inst->cls->props[i].type);
	if (hr_failed(hr)) {
		return hr;
	}
	cimi_value_clear(&inst->values[i]);
	inst->values[i] = nv;
	return HR_OK;
}

const struct cim_value *cim_instance_get(const struct cim_instance *inst,
                                         const char *name)
{
	int32_t i = cim_class_find_prop(inst->cls, name);

	return i < 0 ? NULL : &inst->values[i];
}

struct cim_instance *cim_instance_copy(void *mem,
                                       const struct cim_instance *inst)
{
	struct cim_instance *c;
	uint32_t n = inst->cls->n_props;

	c = talloc_zero(mem, struct cim_instance);
	if (c == NULL) {
		return NULL;
	}
	c->cls = inst->cls;
	c->values = talloc_zero_array(c, struct cim_value, n ? n : 1);
	if (c->values == NULL) {
		goto oom;
	}
	for (uint32_t i = 0; i < n; i++) {
		if (hr_failed(cim_value_copy(c, &c->values[i],
		                             &inst->values[i]))) {
			goto oom;
		}
	}
	if (hr_failed(cimi_qset_copy(c, &c->quals, &inst->quals, 0, 0))) {
		goto oom;
	}
	if (inst->server != NULL) {
		c->server = talloc_strdup(c, inst->server);
		if (c->server == NULL) {
			goto oom;
		}
	}
	if (inst->namespace != NULL) {
		c->namespace = talloc_strdup(c, inst->namespace);
		if (c->namespace == NULL) {
			goto oom;
		}
	}
	return c;
oom:
	talloc_free(c);
	return NULL;
}

bool cim_class_is_singleton(const struct cim_class *cls)
{
	return cimi_class_singleton(cls);
}

/* ---- key strings ---- */

char *cimi_ref_canonical(void *mem, const char *text)
{
	struct objpath *p = NULL;
	void *tmp = talloc_new(NULL);
	char *r;

	if (tmp == NULL) {
		return NULL;
	}
	if (hr_failed(objpath_parse(tmp, text, &p, NULL)) || p->cls == NULL) {
		r = talloc_strdup(mem, text);
	} else {
		objpath_sort_keys(p);
		r = objpath_format(mem, p);
	}
	talloc_free(tmp);
	return r;
}

hresult cimi_keyval_format(struct buf *b, const struct cim_value *v)
{
	uint32_t base = cim_type_base(v->type);
	char tmp[5] = { 0 };
	char *canon;
	hresult hr;

	if (cim_type_is_array(v->type)) {
		return hr_raise(HR_WBEM_E_CANNOT_BE_KEY);
	}
	switch (base) {
	case CIM_T_STRING:
	case CIM_T_DATETIME:
		return objpath_quote(b, v->v.s);
	case CIM_T_REFERENCE:
		canon = cimi_ref_canonical(NULL, v->v.s);
		if (canon == NULL) {
			return hr_raise(HR_E_OUTOFMEMORY);
		}
		hr = objpath_quote(b, canon);
		talloc_free(canon);
		return hr;
	case CIM_T_CHAR16:
		if (utf8_put(tmp, (uint32_t)v->v.u) == 0) {
			return hr_raise(HR_WBEM_E_CANNOT_BE_KEY);
		}
		return objpath_quote(b, tmp);
	case CIM_T_SINT8:
	case CIM_T_SINT16:
	case CIM_T_SINT32:
	case CIM_T_SINT64:
		return buf_addf(b, "%" PRId64, v->v.i);
	case CIM_T_UINT8:
	case CIM_T_UINT16:
	case CIM_T_UINT32:
	case CIM_T_UINT64:
		return buf_addf(b, "%" PRIu64, v->v.u);
	case CIM_T_BOOLEAN:
		return buf_addstr(b, v->v.b ? "TRUE" : "FALSE");
	default:
		return hr_raise(HR_WBEM_E_CANNOT_BE_KEY);
	}
}

/*
 * Appends `K1=v1,K2=v2` for the key values [vals] (in key_index order) of
 * [cls].  Errors: WBEM_E_ILLEGAL_NULL, WBEM_E_CANNOT_BE_KEY, E_OUTOFMEMORY.
 */
static hresult format_keys(struct buf *b,
                           const struct cim_class *cls,
                           const struct cim_value *const *vals)
{
	hresult hr;

	for (uint32_t k = 0; k < cls->n_keys; k++) {
		const struct cim_property *p = &cls->props[cls->key_index[k]];

		if (vals[k] == NULL || vals[k]->null) {
			return hr_raise(HR_WBEM_E_ILLEGAL_NULL);
		}
		if (k != 0) {
			buf_addch(b, ',');
		}
		buf_addstr(b, p->name);
		buf_addch(b, '=');
		hr = cimi_keyval_format(b, vals[k]);
		if (hr_failed(hr)) {
			return hr;
		}
	}
	return b->error;
}

/*
 * Appends the key string of [inst] to [b]: "@" for a singleton, else the
 * keys.  Errors: WBEM_E_NO_KEY, WBEM_E_ILLEGAL_NULL, E_OUTOFMEMORY.
 */
static hresult inst_keys(struct buf *b, const struct cim_instance *inst)
{
	const struct cim_class *cls = inst->cls;
	const struct cim_value *vals[64];
	const struct cim_value **pv = vals;
	hresult hr;

	if (cimi_class_singleton(cls)) {
		return buf_addch(b, '@');
	}
	if (cls->n_keys == 0) {
		return hr_raise(HR_WBEM_E_NO_KEY);
	}
	if (cls->n_keys > 64) {
		pv = talloc_array(NULL, const struct cim_value *, cls->n_keys);
		if (pv == NULL) {
			return hr_raise(HR_E_OUTOFMEMORY);
		}
	}
	for (uint32_t k = 0; k < cls->n_keys; k++) {
		pv[k] = &inst->values[cls->key_index[k]];
	}
	hr = format_keys(b, cls, pv);
	if (pv != vals) {
		talloc_free(pv);
	}
	return hr;
}

static hresult finish(struct buf *b, hresult hr, char **out)
{
	if (hr_ok(hr) && hr_failed(b->error)) {
		hr = b->error;
	}
	if (hr_failed(hr)) {
		buf_release(b);
		return hr;
	}
	*out = buf_detach(b, NULL);
	return HR_OK;
}

hresult cim_instance_keystr(void *mem,
                            const struct cim_instance *inst,
                            char **out)
{
	struct buf b;

	buf_init(&b, mem);
	return finish(&b, inst_keys(&b, inst), out);
}

hresult cim_instance_relpath(void *mem,
                             const struct cim_instance *inst,
                             char **out)
{
	struct buf b;
	hresult hr;

	buf_init(&b, mem);
	buf_addstr(&b, inst->cls->name);
	buf_addch(&b, cimi_class_singleton(inst->cls) ? '=' : '.');
	hr = inst_keys(&b, inst);
	return finish(&b, hr, out);
}

/* ---- from a parsed path ---- */

static void key_to_value(const struct objpath_key *k, struct cim_value *v)
{
	switch (k->type) {
	case OBJPATH_KEY_SINT:
		*v = cim_value_null(CIM_T_SINT64);
		v->v.i = k->i;
		break;
	case OBJPATH_KEY_UINT:
		*v = cim_value_null(CIM_T_UINT64);
		v->v.u = k->u;
		break;
	case OBJPATH_KEY_BOOL:
		*v = cim_value_null(CIM_T_BOOLEAN);
		v->v.b = k->b;
		break;
	default:
		*v = cim_value_null(CIM_T_STRING);
		v->v.s = k->s ? k->s : (char *)"";
		break;
	}
	v->null = false;
}

static hresult path_keys(void *tmp,
                         struct buf *b,
                         const struct cim_class *cls,
                         const struct objpath *p,
                         struct errinfo *ei)
{
	const struct cim_value **vals;
	struct cim_value *conv;
	bool singleton = cimi_class_singleton(cls);
	hresult hr;

	if (p->singleton) {
		if (!singleton) {
			return err_set(ei, HR_WBEM_E_INVALID_OBJECT_PATH,
			               CIM_LAYER, "class %s is not a singleton",
			               cls->name);
		}
		return buf_addch(b, '@');
	}
	if (cls->n_keys == 0 || p->n_keys != cls->n_keys) {
		return err_set(ei, HR_WBEM_E_INVALID_OBJECT_PATH, CIM_LAYER,
		               "class %s needs %u keys, the path gives %u",
		               cls->name, cls->n_keys, p->n_keys);
	}
	vals = talloc_zero_array(tmp, const struct cim_value *, cls->n_keys);
	conv = talloc_zero_array(tmp, struct cim_value, cls->n_keys);
	if (vals == NULL || conv == NULL) {
		return hr_raise(HR_E_OUTOFMEMORY);
	}
	for (uint32_t i = 0; i < p->n_keys; i++) {
		const struct objpath_key *pk = &p->keys[i];
		uint32_t k = 0;
		struct cim_value src;
		const struct cim_property *prop;

		if (pk->name == NULL) {
			if (cls->n_keys != 1) {
				return err_set(ei,
				               HR_WBEM_E_INVALID_OBJECT_PATH,
				               CIM_LAYER,
				               "unnamed key for class %s "
				               "with %u keys",
				               cls->name, cls->n_keys);
			}
		} else {
			while (k < cls->n_keys &&
			       utf8_casecmp(cls->props[cls->key_index[k]].name,
			                    pk->name) != 0) {
				k++;
			}
			if (k == cls->n_keys) {
				return err_set(
				        ei, HR_WBEM_E_INVALID_OBJECT_PATH,
				        CIM_LAYER, "%s is not a key of %s",
				        pk->name, cls->name);
			}
		}
		if (vals[k] != NULL) {
			return err_set(ei, HR_WBEM_E_INVALID_OBJECT_PATH,
			               CIM_LAYER, "key %s given twice",
			               cls->props[cls->key_index[k]].name);
		}
		prop = &cls->props[cls->key_index[k]];
		key_to_value(pk, &src);
		hr = cim_value_convert(tmp, &conv[k], &src, prop->type);
		if (hr_eq(hr, HR_E_OUTOFMEMORY)) {
			return hr;
		}
		if (hr_failed(hr)) {
			return err_set(ei, HR_WBEM_E_TYPE_MISMATCH, CIM_LAYER,
			               "key %s: value does not fit %s",
			               prop->name, cim_type_name(prop->type));
		}
		vals[k] = &conv[k];
	}
	if (singleton) {
		return buf_addch(b, '@');
	}
	hr = format_keys(b, cls, vals);
	if (hr_failed(hr) && !hr_eq(hr, HR_E_OUTOFMEMORY)) {
		return err_set(ei, HR_WBEM_E_INVALID_OBJECT_PATH, CIM_LAYER,
		               "class %s: keys cannot be formatted", cls->name);
	}
	return hr;
}

static hresult from_objpath(void *mem,
                            const struct cim_class *cls,
                            const struct objpath *p,
                            char **out,
                            struct errinfo *ei,
                            bool with_class)
{
	void *tmp = talloc_new(mem);
	struct buf b;
	hresult hr;

	if (tmp == NULL) {
		return hr_raise(HR_E_OUTOFMEMORY);
	}
	buf_init(&b, mem);
	if (p == NULL || p->cls == NULL) {
		hr = err_set(ei, HR_WBEM_E_INVALID_OBJECT_PATH, CIM_LAYER,
		             "the path names no class");
	} else {
		if (with_class) {
			buf_addstr(&b, cls->name);
			buf_addch(&b, cimi_class_singleton(cls) ? '=' : '.');
		}
		hr = path_keys(tmp, &b, cls, p, ei);
	}
	talloc_free(tmp);
	return finish(&b, hr, out);
}

hresult cim_relpath_from_objpath(void *mem,
                                 const struct cim_class *cls,
                                 const struct objpath *p,
                                 char **out,
                                 struct errinfo *ei)
{
	return from_objpath(mem, cls, p, out, ei, true);
}

hresult cim_keystr_from_objpath(void *mem,
                                const struct cim_class *cls,
                                const struct objpath *p,
                                char **out,
                                struct errinfo *ei)
{
	return from_objpath(mem, cls, p, out, ei, false);
}
