/*
 * qualifier: qualifier sets with flavors (cim layer; DSP0004 5.6.1,
 * MS-WMIO 2.2.62 flavor bits).
 *
 * A set is a talloc array; each name and value is a talloc child of the
 * array, so growing the array (talloc_realloc) keeps them.
 */
#include "cim/cim.h"

#include <string.h>
#include <talloc.h>

#include "base/utf.h"
#include "cim/cim-int.h"

const struct cim_qualifier *cim_qset_find(const struct cim_qualifier_set *qs,
                                          const char *name)
{
	if (qs == NULL || name == NULL) {
		return NULL;
	}
	for (uint32_t i = 0; i < qs->n; i++) {
		if (utf8_casecmp(qs->q[i].name, name) == 0) {
			return &qs->q[i];
		}
	}
	return NULL;
}

bool cim_qset_bool(const struct cim_qualifier_set *qs, const char *name)
{
	const struct cim_qualifier *q = cim_qset_find(qs, name);

	return q != NULL && q->value.type == CIM_T_BOOLEAN && !q->value.null &&
	       q->value.v.b;
}

hresult cim_qset_set(void *mem,
                     struct cim_qualifier_set *qs,
                     const char *name,
                     const struct cim_value *value,
                     uint32_t flavor)
{
	struct cim_qualifier *arr = qs->q;
	struct cim_qualifier *q = NULL;
	struct cim_value nv;
	char *nname;
	hresult hr;

	for (uint32_t i = 0; i < qs->n; i++) {
		if (utf8_casecmp(qs->q[i].name, name) == 0) {
			q = &qs->q[i];
			break;
		}
	}
	if (q == NULL) {
		if (qs->n == UINT32_MAX) {
			return hr_raise(HR_E_OUTOFMEMORY);
		}
		if (arr == NULL) {
			arr = talloc_array(mem, struct cim_qualifier, 4);
		} else if (talloc_array_length(arr) <= qs->n) {
			arr = talloc_realloc(mem, arr, struct cim_qualifier,
			                     qs->n * 2);
		}
		if (arr == NULL) {
			return hr_raise(HR_E_OUTOFMEMORY);
		}
		qs->q = arr;
	}
	nname = talloc_strdup(arr, name);
	if (nname == NULL) {
		return hr_raise(HR_E_OUTOFMEMORY);
	}
	hr = cim_value_copy(arr, &nv, value);
	if (hr_failed(hr)) {
		talloc_free(nname);
		return hr;
	}
	if (q == NULL) {
		q = &qs->q[qs->n++];
	} else {
		talloc_free(q->name);
		cimi_value_clear(&q->value);
	}
	q->name = nname;
	q->value = nv;
	q->flavor = flavor;
	return HR_OK;
}

hresult cimi_qset_copy(void *mem,
                       struct cim_qualifier_set *dst,
                       const struct cim_qualifier_set *src,
                       uint32_t need,
                       uint32_t add)
{
	uint32_t n = 0;
	struct cim_qualifier *arr;

	dst->q = NULL;
	dst->n = 0;
	for (uint32_t i = 0; i < src->n; i++) {
		if ((src->q[i].flavor & need) == need) {
			n++;
		}
	}
	if (n == 0) {
		return HR_OK;
	}
	arr = talloc_array(mem, struct cim_qualifier, n);
	if (arr == NULL) {
		return hr_raise(HR_E_OUTOFMEMORY);
	}
	n = 0;
	for (uint32_t i = 0; i < src->n; i++) {
		const struct cim_qualifier *q = &src->q[i];

		if ((q->flavor & need) != need) {
			continue;
		}
		arr[n].name = talloc_strdup(arr, q->name);
		if (arr[n].name == NULL ||
		    hr_failed(cim_value_copy(arr, &arr[n].value, &q->value))) {
			talloc_free(arr);
			return hr_raise(HR_E_OUTOFMEMORY);
		}
		arr[n].flavor = q->flavor | add;
		n++;
	}
	dst->q = arr;
	dst->n = n;
	return HR_OK;
}
