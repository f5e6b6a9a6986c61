/*
 * class: local and resolved classes (cim layer; DSP0004 5.1 inheritance,
 * 5.6.1.3 qualifier flavors, WMI class derivation).
 *
 * A local class holds what its declaration said; cim_class_resolve() makes
 * the flattened, resolved form from it and its resolved parent.  Property
 * and method arrays grow by doubling (talloc_realloc); their strings and
 * qualifier arrays are talloc children of the class, so a pointer returned
 * by cim_class_add_prop() stays valid only until the next add.
 */
#include "cim/cim.h"

#include <stdlib.h>
#include <string.h>
#include <talloc.h>

#include "base/utf.h"
#include "cim/cim-int.h"

struct cim_class *cim_class_new(void *mem,
                                const char *name,
                                const char *superclass)
{
	struct cim_class *cls = talloc_zero(mem, struct cim_class);

	if (cls == NULL) {
		return NULL;
	}
	cls->name = talloc_strdup(cls, name ? name : "");
	if (cls->name == NULL) {
		goto oom;
	}
	if (superclass != NULL) {
		cls->superclass = talloc_strdup(cls, superclass);
		if (cls->superclass == NULL) {
			goto oom;
		}
	}
	return cls;
oom:
	talloc_free(cls);
	return NULL;
}

/* Makes room for one more element in a talloc array of [n] elements. */
static void *grow(void *mem, void *arr, size_t elem, uint32_t n)
{
	size_t cap = arr ? talloc_get_size(arr) / elem : 0;

	if (n < cap) {
		return arr;
	}
	if (n >= UINT32_MAX / 2) {
		return NULL;
	}
	cap = cap ? cap * 2 : 4;
	if (arr == NULL) {
		return talloc_zero_size(mem, elem * cap);
	}
	return talloc_realloc_size(mem, arr, elem * cap);
}

struct cim_property *cim_class_add_prop(struct cim_class *cls,
                                        const char *name,
                                        uint32_t type)
{
	struct cim_property *arr;
	struct cim_property *p;
	char *nname;

	arr = grow(cls, cls->props, sizeof(*arr), cls->n_props);
	if (arr == NULL) {
		return NULL;
	}
	cls->props = arr;
	nname = talloc_strdup(cls, name);
	if (nname == NULL) {
		return NULL;
	}
	p = &arr[cls->n_props++];
	memset(p, 0, sizeof(*p));
	p->name = nname;
	p->type = type;
	p->value = cim_value_null(type);
	p->local = true;
	return p;
}

struct cim_method *cim_class_add_method(struct cim_class *cls,
                                        const char *name,
                                        uint32_t return_type)
{
	struct cim_method *arr;
	struct cim_method *m;
	char *nname;

	arr = grow(cls, cls->methods, sizeof(*arr), cls->n_methods);
	if (arr == NULL) {
		return NULL;
	}
	cls->methods = arr;
	nname = talloc_strdup(cls, name);
	if (nname == NULL) {
		return NULL;
	}
	m = &arr[cls->n_methods++];
	memset(m, 0, sizeof(*m));
	m->name = nname;
	m->return_type = return_type;
	m->local = true;
	return m;
}

struct cim_param *cim_method_add_param(struct cim_class *cls,
                                       struct cim_method *m,
                                       const char *name,
                                       uint32_t type)
{
	struct cim_param *arr;
	struct cim_param *p;
	char *nname;

	arr = grow(cls, m->params, sizeof(*arr), m->n_params);
	if (arr == NULL) {
		return NULL;
	}
	m->params = arr;
	nname = talloc_strdup(cls, name);
	if (nname == NULL) {
		return NULL;
	}
	p = &arr[m->n_params++];
	memset(p, 0, sizeof(*p));
	p->name = nname;
	p->type = type;
	p->id = -1;
	return p;
}

int32_t cim_class_find_prop(const struct cim_class *cls, const char *name)
{
	if (cls == NULL || name == NULL) {
		return -1;
	}
	for (uint32_t i = 0; i < cls->n_props; i++) {
		if (utf8_casecmp(cls->props[i].name, name) == 0) {
			return (int32_t)i;
		}
	}
	return -1;
}

struct cim_method *cim_class_find_method(const struct cim_class *cls,
                                         const char *name)
{
	if (cls == NULL || name == NULL) {
		return NULL;
	}
	for (uint32_t i = 0; i < cls->n_methods; i++) {
		if (utf8_casecmp(cls->methods[i].name, name) == 0) {
			return &cls->methods[i];
		}
	}
	return NULL;
}

bool cimi_class_singleton(const struct cim_class *cls)
{
	return cim_qset_bool(&cls->quals, "singleton");
}

/* ---- deep copies ---- */

static char *dup_or_null(void *mem, const char *s, bool *oom)
{
	char *r;

	if (s == NULL) {
		return NULL;
	}
	r = talloc_strdup(mem, s);
	if (r == NULL) {
		*oom = true;
	}
	return r;
}

static bool prop_copy(void *mem,
                      struct cim_property *d,
                      const struct cim_property *s,
                      uint32_t qneed,
                      uint32_t qadd)
{
	bool oom = false;

	*d = *s;
	d->name = dup_or_null(mem, s->name, &oom);
	d->ref_class = dup_or_null(mem, s->ref_class, &oom);
	d->origin = dup_or_null(mem, s->origin, &oom);
	d->value = cim_value_null(s->type);
	d->quals.q = NULL;
	d->quals.n = 0;
	if (oom || hr_failed(cim_value_copy(mem, &d->value, &s->value)) ||
	    hr_failed(cimi_qset_copy(mem, &d->quals, &s->quals, qneed, qadd))) {
		return false;
	}
	return true;
}

static bool params_copy(void *mem,
                        struct cim_method *d,
                        const struct cim_method *s)
{
	bool oom = false;

	d->params = NULL;
	if (s->n_params == 0) {
		return true;
	}
	d->params = talloc_zero_array(mem, struct cim_param, s->n_params);
	if (d->params == NULL) {
		return false;
	}
	for (uint32_t i = 0; i < s->n_params; i++) {
		struct cim_param *dp = &d->params[i];
		const struct cim_param *sp = &s->params[i];

		*dp = *sp;
		dp->name = dup_or_null(mem, sp->name, &oom);
		dp->ref_class = dup_or_null(mem, sp->ref_class, &oom);
		dp->quals.q = NULL;
		dp->quals.n = 0;
		if (oom || hr_failed(cimi_qset_copy(mem, &dp->quals, &sp->quals,
		                                    0, 0))) {
			return false;
		}
	}
	return true;
}

static bool method_copy(void *mem,
                        struct cim_method *d,
                        const struct cim_method *s,
                        uint32_t qneed,
                        uint32_t qadd)
{
	bool oom = false;

	*d = *s;
	d->name = dup_or_null(mem, s->name, &oom);
	d->origin = dup_or_null(mem, s->origin, &oom);
	d->quals.q = NULL;
	d->quals.n = 0;
	if (oom || !params_copy(mem, d, s) ||
	    hr_failed(cimi_qset_copy(mem, &d->quals, &s->quals, qneed, qadd))) {
		return false;
	}
	return true;
}

struct cim_class *cim_class_copy(void *mem, const struct cim_class *cls)
{
	struct cim_class *c;
	bool oom = false;

	if (cls == NULL) {
		return NULL;
	}
	c = talloc_zero(mem, struct cim_class);
	if (c == NULL) {
		return NULL;
	}
	*c = *cls;
	c->name = dup_or_null(c, cls->name, &oom);
	c->superclass = dup_or_null(c, cls->superclass, &oom);
	c->server = dup_or_null(c, cls->server, &oom);
	c->namespace = dup_or_null(c, cls->namespace, &oom);
	c->props = NULL;
	c->methods = NULL;
	c->derivation = NULL;
	c->key_index = NULL;
	c->quals.q = NULL;
	c->quals.n = 0;
	if (oom || hr_failed(cimi_qset_copy(c, &c->quals, &cls->quals, 0, 0))) {
		goto oom;
	}
	if (cls->n_props != 0) {
		c->props = talloc_zero_array(c, struct cim_property,
		                             cls->n_props);
		if (c->props == NULL) {
			goto oom;
		}
		for (uint32_t i = 0; i < cls->n_props; i++) {
			if (!prop_copy(c, &c->props[i], &cls->props[i], 0, 0)) {
				goto oom;
			}
		}
	}
	if (cls->n_methods != 0) {
		c->methods = talloc_zero_array(c, struct cim_method,
		                               cls->n_methods);
		if (c->methods == NULL) {
			goto oom;
		}
		for (uint32_t i = 0; i < cls->n_methods; i++) {
			if (!method_copy(c, &c->methods[i], &cls->methods[i], 0,
			                 0)) {
				goto oom;
			}
		}
	}
	if (cls->n_derivation != 0) {
		c->derivation = talloc_zero_array(c, char *, cls->n_derivation);
		if (c->derivation == NULL) {
			goto oom;
		}
		for (uint32_t i = 0; i < cls->n_derivation; i++) {
			c->derivation[i] = dup_or_null(c, cls->derivation[i],
			                               &oom);
		}
		if (oom) {
			goto oom;
		}
	}
	if (cls->n_keys != 0) {
		c->key_index = talloc_memdup(c, cls->key_index,
		                             sizeof(uint32_t) * cls->n_keys);
		if (c->key_index == NULL) {
			goto oom;
		}
	}
	return c;
oom:
	talloc_free(c);
	return NULL;
}

/* ---- resolution ---- */

hresult cimi_class_index_keys(struct cim_class *cls)
{
	uint32_t n = 0;

	TALLOC_FREE(cls->key_index);
	cls->n_keys = 0;
	for (uint32_t i = 0; i < cls->n_props; i++) {
		n += cls->props[i].key ? 1 : 0;
	}
	if (n == 0) {
		return HR_OK;
	}
	cls->key_index = talloc_array(cls, uint32_t, n);
	if (cls->key_index == NULL) {
		return hr_raise(HR_E_OUTOFMEMORY);
	}
	n = 0;
	for (uint32_t i = 0; i < cls->n_props; i++) {
		if (cls->props[i].key) {
			cls->key_index[n++] = i;
		}
	}
	/* Insertion sort: key counts are tiny and qsort has no context. */
	for (uint32_t i = 1; i < n; i++) {
		uint32_t k = cls->key_index[i];
		uint32_t j = i;

		while (j > 0 &&
		       utf8_casecmp(cls->props[cls->key_index[j - 1]].name,
		                    cls->props[k].name) > 0) {
			cls->key_index[j] = cls->key_index[j - 1];
			j--;
		}
		cls->key_index[j] = k;
	}
	cls->n_keys = n;
	return HR_OK;
}

/*
 * Applies the local qualifiers [loc] over the inherited set [dst]:
 * a local qualifier replaces an inherited one unless the inherited one
 * has DisableOverride and a different value.  Local qualifiers marked
 * propagated (a resolved class fed back) are skipped.
 */
static hresult merge_quals(void *mem,
                           struct cim_qualifier_set *dst,
                           const struct cim_qualifier_set *loc,
                           const char *where,
                           struct errinfo *ei)
{
	for (uint32_t i = 0; i < loc->n; i++) {
		const struct cim_qualifier *lq = &loc->q[i];
		const struct cim_qualifier *iq;
		uint32_t flavor = lq->flavor & ~CIM_FLAVOR_ORIGIN_PROPAGATED;
		hresult hr;

		if ((lq->flavor & CIM_FLAVOR_ORIGIN_PROPAGATED) != 0) {
			continue;
		}
		iq = cim_qset_find(dst, lq->name);
		if (iq != NULL) {
			if ((iq->flavor & CIM_FLAVOR_DISABLE_OVERRIDE) != 0 &&
			    !cim_value_equal(&iq->value, &lq->value)) {
				return err_set(ei,
				               HR_WBEM_E_OVERRIDE_NOT_ALLOWED,
				               CIM_LAYER,
				               "qualifier %s of %s cannot be "
				               "overridden",
				               lq->name, where);
			}
			flavor |= iq->flavor & CIM_FLAVOR_DISABLE_OVERRIDE;
		}
		hr = cim_qset_set(mem, dst, lq->name, &lq->value, flavor);
		if (hr_failed(hr)) {
			return hr;
		}
	}
	return HR_OK;
}

static bool key_type_ok(uint32_t type)
{
	uint32_t b = cim_type_base(type);

	return !cim_type_is_array(type) && b != CIM_T_OBJECT &&
	       b != CIM_T_REAL32 && b != CIM_T_REAL64;
}

static hresult resolve_props(struct cim_class *r,
                             const struct cim_class *l,
                             const struct cim_class *parent,
                             struct errinfo *ei)
{
	uint32_t cap = (parent ? parent->n_props : 0) + l->n_props;
	uint32_t n_inh = parent ? parent->n_props : 0;
	bool parent_keys = parent != NULL && parent->n_keys != 0;
	hresult hr;

	if (cap == 0) {
		return HR_OK;
	}
	r->props = talloc_zero_array(r, struct cim_property, cap);
	if (r->props == NULL) {
		return hr_raise(HR_E_OUTOFMEMORY);
	}
	for (uint32_t i = 0; i < n_inh; i++) {
		struct cim_property *p = &r->props[i];

		if (!prop_copy(r, p, &parent->props[i], CIM_FLAVOR_TO_SUBCLASS,
		               CIM_FLAVOR_ORIGIN_PROPAGATED)) {
			return hr_raise(HR_E_OUTOFMEMORY);
		}
		p->local = false;
		if (p->origin == NULL) {
			p->origin = talloc_strdup(r, parent->name);
			if (p->origin == NULL) {
				return hr_raise(HR_E_OUTOFMEMORY);
			}
		}
	}
	r->n_props = n_inh;
	for (uint32_t i = 0; i < l->n_props; i++) {
		const struct cim_property *lp = &l->props[i];
		int32_t at = cim_class_find_prop(r, lp->name);
		struct cim_property *p;
		bool was_key;

		if (lp->name == NULL || lp->name[0] == '\0' ||
		    (lp->name[0] == '_' && lp->name[1] == '_') ||
		    !cim_type_valid(lp->type)) {
			return err_set(ei, HR_WBEM_E_INVALID_PROPERTY,
			               CIM_LAYER, "invalid property %s.%s",
			               l->name, lp->name ? lp->name : "");
		}
		if (at < 0) {
			p = &r->props[r->n_props];
			if (!prop_copy(r, p, lp, 0, 0)) {
				return hr_raise(HR_E_OUTOFMEMORY);
			}
			r->n_props++;
			TALLOC_FREE(p->quals.q);
			p->quals.n = 0;
			TALLOC_FREE(p->origin);
			p->origin = talloc_strdup(r, l->name);
			if (p->origin == NULL) {
				return hr_raise(HR_E_OUTOFMEMORY);
			}
			was_key = false;
		} else {
			p = &r->props[at];
			if (p->local) {
				return err_set(ei, HR_WBEM_E_INVALID_PROPERTY,
				               CIM_LAYER,
				               "property %s.%s declared twice",
				               l->name, lp->name);
			}
			if (p->type != lp->type) {
				return err_set(ei,
				               HR_WBEM_E_UPDATE_TYPE_MISMATCH,
				               CIM_LAYER,
				               "%s.%s overrides %s with type "
				               "%s",
				               l->name, lp->name,
				               cim_type_name(p->type),
				               cim_type_name(lp->type));
			}
			if (!lp->value.null) {
				cimi_value_clear(&p->value);
				hr = cim_value_copy(r, &p->value, &lp->value);
				if (hr_failed(hr)) {
					return hr;
				}
			}
			if (lp->ref_class != NULL) {
				p->ref_class = talloc_strdup(r, lp->ref_class);
				if (p->ref_class == NULL) {
					return hr_raise(HR_E_OUTOFMEMORY);
				}
			}
			was_key = p->key;
		}
		p->local = true;
		hr = merge_quals(r, &p->quals, &lp->quals, lp->name, ei);
		if (hr_failed(hr)) {
			return hr;
		}
		p->key = was_key || cim_qset_bool(&p->quals, "key");
		if (p->key && !was_key && parent_keys) {
			return err_set(
			        ei, HR_WBEM_E_CANNOT_CHANGE_KEY_INHERITANCE,
			        CIM_LAYER, "%s adds key %s to keyed class %s",
			        l->name, lp->name, parent->name);
		}
		if (p->key && !key_type_ok(p->type)) {
			return err_set(ei, HR_WBEM_E_CANNOT_BE_KEY, CIM_LAYER,
			               "%s.%s cannot be a key", l->name,
			               lp->name);
		}
	}
	return HR_OK;
}

static hresult resolve_methods(struct cim_class *r,
                               const struct cim_class *l,
                               const struct cim_class *parent,
                               struct errinfo *ei)
{
	uint32_t n_inh = parent ? parent->n_methods : 0;
	uint32_t cap = n_inh + l->n_methods;
	hresult hr;

	if (cap == 0) {
		return HR_OK;
	}
	r->methods = talloc_zero_array(r, struct cim_method, cap);
	if (r->methods == NULL) {
		return hr_raise(HR_E_OUTOFMEMORY);
	}
	for (uint32_t i = 0; i < n_inh; i++) {
		struct cim_method *m = &r->methods[i];

		if (!method_copy(r, m, &parent->methods[i],
		                 CIM_FLAVOR_TO_SUBCLASS,
		                 CIM_FLAVOR_ORIGIN_PROPAGATED)) {
			return hr_raise(HR_E_OUTOFMEMORY);
		}
		m->local = false;
		if (m->origin == NULL) {
			m->origin = talloc_strdup(r, parent->name);
			if (m->origin == NULL) {
				return hr_raise(HR_E_OUTOFMEMORY);
			}
		}
	}
	r->n_methods = n_inh;
	for (uint32_t i = 0; i < l->n_methods; i++) {
		const struct cim_method *lm = &l->methods[i];
		struct cim_method *m = cim_class_find_method(r, lm->name);
		struct cim_qualifier_set inh = { NULL, 0 };

		if (lm->name == NULL || lm->name[0] == '\0') {
			return err_set(ei, HR_WBEM_E_INVALID_METHOD, CIM_LAYER,
			               "method without a name in %s", l->name);
		}
		if (m != NULL && m->local) {
			return err_set(ei, HR_WBEM_E_INVALID_METHOD, CIM_LAYER,
			               "method %s.%s declared twice", l->name,
			               lm->name);
		}
		if (m != NULL && m->return_type != lm->return_type) {
			return err_set(ei, HR_WBEM_E_UPDATE_TYPE_MISMATCH,
			               CIM_LAYER,
			               "%s.%s overrides the return type",
			               l->name, lm->name);
		}
		if (m == NULL) {
			m = &r->methods[r->n_methods++];
		} else {
			inh = m->quals;
		}
		char *origin = m->origin ? m->origin : NULL;

		if (!method_copy(r, m, lm, 0, 0)) {
			return hr_raise(HR_E_OUTOFMEMORY);
		}
		m->local = true;
		TALLOC_FREE(m->origin);
		m->origin = origin ? origin : talloc_strdup(r, l->name);
		if (m->origin == NULL) {
			return hr_raise(HR_E_OUTOFMEMORY);
		}
		/* m->quals now holds a copy of the local set: rebuild. */
		struct cim_qualifier_set loc = m->quals;

		m->quals = inh;
		hr = merge_quals(r, &m->quals, &loc, lm->name, ei);
		if (hr_failed(hr)) {
			return hr;
		}
	}
	return HR_OK;
}

hresult cim_class_resolve(void *mem,
                          const struct cim_class *local,
                          const struct cim_class *parent,
                          struct cim_class **out,
                          struct errinfo *ei)
{
	struct cim_class *r = NULL;
	bool oom = false;
	hresult hr = HR_OK;

	if (local == NULL || local->name == NULL || local->name[0] == '\0') {
		return err_set(ei, HR_WBEM_E_INVALID_CLASS, CIM_LAYER,
		               "class without a name");
	}
	if ((local->superclass == NULL) != (parent == NULL) ||
	    (parent != NULL &&
	     (!parent->resolved ||
	      utf8_casecmp(parent->name, local->superclass) != 0))) {
		return err_set(
		        ei, HR_WBEM_E_INVALID_SUPERCLASS, CIM_LAYER,
		        "class %s: superclass %s does not match", local->name,
		        local->superclass ? local->superclass : "(none)");
	}
	r = talloc_zero(mem, struct cim_class);
	if (r == NULL) {
		return hr_raise(HR_E_OUTOFMEMORY);
	}
	r->resolved = true;
	r->name = dup_or_null(r, local->name, &oom);
	r->superclass = dup_or_null(r, parent ? parent->name : NULL, &oom);
	r->server = dup_or_null(r, local->server, &oom);
	r->namespace = dup_or_null(r, local->namespace, &oom);
	if (oom) {
		goto oom;
	}
	if (parent != NULL) {
		hr = cimi_qset_copy(r, &r->quals, &parent->quals,
		                    CIM_FLAVOR_TO_SUBCLASS,
		                    CIM_FLAVOR_ORIGIN_PROPAGATED);
		if (hr_failed(hr)) {
			goto out;
		}
		r->n_derivation = parent->n_derivation + 1;
		r->derivation = talloc_array(r, char *, r->n_derivation);
		if (r->derivation == NULL) {
			goto oom;
		}
		r->derivation[0] = dup_or_null(r, parent->name, &oom);
		for (uint32_t i = 0; i < parent->n_derivation; i++) {
			r->derivation[i + 1] = dup_or_null(
			        r, parent->derivation[i], &oom);
		}
		if (oom) {
			goto oom;
		}
	}
	hr = merge_quals(r, &r->quals, &local->quals, local->name, ei);
	if (hr_failed(hr)) {
		goto out;
	}
	hr = resolve_props(r, local, parent, ei);
	if (hr_failed(hr)) {
		goto out;
	}
	hr = resolve_methods(r, local, parent, ei);
	if (hr_failed(hr)) {
		goto out;
	}
	hr = cimi_class_index_keys(r);
	if (hr_failed(hr)) {
		goto out;
	}
	*out = r;
	return HR_OK;
oom:
	hr = hr_raise(HR_E_OUTOFMEMORY);
out:
	talloc_free(r);
	return hr;
}
