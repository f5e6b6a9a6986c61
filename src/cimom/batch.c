/*
 * batch: result batching, per-operation class cache, decoration and
 * projection of delivered objects (cimom layer).
 *
 * A batch holds at most sink->batch objects; they live under one talloc
 * context that is emptied after each indicate call, so memory stays
 * bounded by one batch whatever the size of the result.
 */
#include <string.h>
#include <talloc.h>

#include "base/utf.h"
#include "cimom/cimom-int.h"

hresult batch_init(struct cimom_batch *b,
                   void *mem,
                   struct cimom_session *s,
                   struct cimom_sink *sink)
{
	memset(b, 0, sizeof(*b));
	b->s = s;
	b->sink = sink;
	b->max = (sink != NULL && sink->batch != 0) ? sink->batch
	                                            : s->cm->batch;
	/* A pool: a batch's objects are carved from one block that is
	 * reused after each flush. */
	b->mem = talloc_pool(mem, (size_t)b->max * 512u);
	b->slots = talloc_zero_array(mem, struct cim_object, b->max);
	b->ptrs = talloc_zero_array(mem, struct cim_object *, b->max);
	if (b->mem == NULL || b->slots == NULL || b->ptrs == NULL) {
		return hr_raise(HR_E_OUTOFMEMORY);
	}
	for (uint32_t i = 0; i < b->max; i++) {
		b->ptrs[i] = &b->slots[i];
	}
	return HR_OK;
}

void *batch_mem(struct cimom_batch *b)
{
	return b->mem;
}

hresult batch_flush(struct cimom_batch *b)
{
	hresult hr = HR_OK;

	if (b->cancelled) {
		return hr_raise(HR_WBEM_E_CALL_CANCELLED);
	}
	if (b->n == 0) {
		return HR_OK;
	}
	if (b->sink != NULL && b->sink->indicate != NULL) {
		hr = b->sink->indicate(b->sink->arg, b->ptrs, b->n);
	}
	b->s->stats.batches++;
	b->s->stats.objects_delivered += b->n;
	if (b->n > b->s->stats.max_batch) {
		b->s->stats.max_batch = b->n;
	}
	/* The sink may have rearranged the pointers: restore them. */
	for (uint32_t i = 0; i < b->n; i++) {
		b->ptrs[i] = &b->slots[i];
	}
	b->n = 0;
	talloc_free_children(b->mem);
	if (hr_failed(hr)) {
		b->cancelled = true;
		return hr_raise(HR_WBEM_E_CALL_CANCELLED);
	}
	return HR_OK;
}

static hresult batch_add(struct cimom_batch *b, bool is_class, void *obj)
{
	struct cim_object *o;

	if (b->cancelled) {
		return hr_raise(HR_WBEM_E_CALL_CANCELLED);
	}
	o = &b->slots[b->n++];
	o->is_class = is_class;
	if (is_class) {
		o->u.cls = obj;
	} else {
		o->u.inst = obj;
	}
	if (b->n == b->max) {
		return batch_flush(b);
	}
	return HR_OK;
}

hresult batch_add_instance(struct cimom_batch *b, struct cim_instance *inst)
{
	return batch_add(b, false, inst);
}

hresult batch_add_class(struct cimom_batch *b, struct cim_class *cls)
{
	return batch_add(b, true, cls);
}

hresult op_init(struct op_ctx *op,
                void *mem,
                struct cimom_session *s,
                const char *ns,
                struct cimom_sink *sink)
{
	memset(op, 0, sizeof(*op));
	op->s = s;
	op->mem = mem;
	op->ns = ns;
	return batch_init(&op->batch, mem, s, sink);
}

static bool selected(const struct op_ctx *op, const char *name)
{
	for (uint32_t i = 0; i < op->n_select; i++) {
		if (utf8_casecmp(op->select[i], name) == 0) {
			return true;
		}
	}
	return false;
}

/*
 * Builds the projected class of [oc]: the selected properties plus the
 * keys, in class order.  Without a selected key (or __PATH / __RELPATH)
 * the projection has no keys, and instances carry no decoration.
 */
static hresult make_projection(struct op_ctx *op, struct op_class *oc)
{
	const struct cim_class *cls = oc->cls;
	struct cim_class *pc;
	bool key_selected = op->keys_only;
	uint32_t n = 0;

	for (uint32_t i = 0; i < cls->n_props; i++) {
		if (cls->props[i].key && selected(op, cls->props[i].name)) {
			key_selected = true;
		}
	}
	if (selected(op, "__PATH") || selected(op, "__RELPATH")) {
		key_selected = true;
	}
	pc = talloc_zero(op->mem, struct cim_class);
	if (pc == NULL) {
		return hr_raise(HR_E_OUTOFMEMORY);
	}
	talloc_set_name_const(pc, CIMOM_PARTIAL_CLASS_NAME);
	*pc = *cls;
	pc->props = talloc_zero_array(pc, struct cim_property, cls->n_props);
	oc->map = talloc_zero_array(pc, uint32_t, cls->n_props);
	pc->key_index = talloc_zero_array(pc, uint32_t, cls->n_keys);
	if (pc->props == NULL || oc->map == NULL ||
	    (cls->n_keys > 0 && pc->key_index == NULL)) {
		return hr_raise(HR_E_OUTOFMEMORY);
	}
	pc->n_keys = 0;
	for (uint32_t i = 0; i < cls->n_props; i++) {
		const struct cim_property *p = &cls->props[i];

		if (!p->key && (op->keys_only || !selected(op, p->name))) {
			continue;
		}
		pc->props[n] = *p; /* borrows strings from oc->cls */
		if (p->key && !key_selected) {
			pc->props[n].key = false;
		}
		oc->map[n] = i;
		n++;
	}
	pc->n_props = n;
	/* key_index in key-name order, as cls->key_index is. */
	if (key_selected) {
		for (uint32_t k = 0; k < cls->n_keys; k++) {
			for (uint32_t j = 0; j < n; j++) {
				if (oc->map[j] == cls->key_index[k]) {
					pc->key_index[pc->n_keys++] = j;
				}
			}
		}
	}
	oc->proj = pc;
	oc->decorate = key_selected;
	return HR_OK;
}

hresult op_class_for(struct op_ctx *op,
                     const struct cim_class *cls,
                     struct op_class **out)
{
	struct op_class *oc;
	hresult hr;

	if (op->n_classes > 0 &&
	    utf8_casecmp(op->classes[op->last].name, cls->name) == 0) {
		*out = &op->classes[op->last];
		return HR_OK;
	}
	for (uint32_t i = 0; i < op->n_classes; i++) {
		if (utf8_casecmp(op->classes[i].name, cls->name) == 0) {
			op->last = i;
			*out = &op->classes[i];
			return HR_OK;
		}
	}
	oc = talloc_realloc(op->mem, op->classes, struct op_class,
	                    op->n_classes + 1);
	if (oc == NULL) {
		return hr_raise(HR_E_OUTOFMEMORY);
	}
	op->classes = oc;
	oc = &op->classes[op->n_classes];
	memset(oc, 0, sizeof(*oc));
	oc->cls = cim_class_copy(op->mem, cls);
	if (oc->cls == NULL) {
		return hr_raise(HR_E_OUTOFMEMORY);
	}
	oc->name = oc->cls->name;
	oc->cls->server = op->s->cm->server;
	oc->cls->namespace = (char *)op->ns;
	oc->decorate = true;
	if (op->select != NULL || op->keys_only) {
		hr = make_projection(op, oc);
		if (hr_failed(hr)) {
			return hr;
		}
	}
	op->last = op->n_classes++;
	*out = oc;
	return HR_OK;
}

/* Copies value [src] into [dst] under [mem]; plain scalars without
 * allocating. */
static hresult copy_value(void *mem,
                          struct cim_value *dst,
                          const struct cim_value *src)
{
	if (src->null) {
		*dst = cim_value_null(src->type);
		return HR_OK;
	}
	if (!cim_type_is_array(src->type)) {
		switch (cim_type_base(src->type)) {
		case CIM_T_STRING:
		case CIM_T_DATETIME:
		case CIM_T_REFERENCE:
		case CIM_T_OBJECT:
			break;
		default:
			*dst = *src;
			return HR_OK;
		}
	}
	return cim_value_copy(mem, dst, src);
}

hresult op_deliver_instance(struct op_ctx *op, const struct cim_instance *inst)
{
	struct op_class *oc;
	struct cim_instance *ni;
	void *mem = batch_mem(&op->batch);
	const struct cim_class *target;
	hresult hr;

	hr = op_class_for(op, inst->cls, &oc);
	if (hr_failed(hr)) {
		return hr;
	}
	target = oc->proj != NULL ? oc->proj : oc->cls;
	ni = talloc_zero(mem, struct cim_instance);
	if (ni == NULL) {
		return hr_raise(HR_E_OUTOFMEMORY);
	}
	ni->cls = (struct cim_class *)target;
	ni->values = talloc_array(ni, struct cim_value,
	                          target->n_props ? target->n_props : 1);
	if (ni->values == NULL) {
		return hr_raise(HR_E_OUTOFMEMORY);
	}
	for (uint32_t i = 0; i < target->n_props; i++) {
		uint32_t from = oc->proj != NULL ? oc->map[i] : i;

		hr = copy_value(ni, &ni->values[i], &inst->values[from]);
		if (hr_failed(hr)) {
			return hr;
		}
	}
	if (inst->quals.n > 0 && oc->proj == NULL) {
		for (uint32_t i = 0; i < inst->quals.n; i++) {
			hr = cim_qset_set(ni, &ni->quals, inst->quals.q[i].name,
			                  &inst->quals.q[i].value,
			                  inst->quals.q[i].flavor);
			if (hr_failed(hr)) {
				return hr;
			}
		}
	}
	if (oc->decorate) {
		ni->server = op->s->cm->server;
		ni->namespace = (char *)op->ns;
	}
	return batch_add_instance(&op->batch, ni);
}

hresult op_deliver_class(struct op_ctx *op, const struct cim_class *cls)
{
	struct cim_class *nc = cim_class_copy(batch_mem(&op->batch), cls);

	if (nc == NULL) {
		return hr_raise(HR_E_OUTOFMEMORY);
	}
	nc->server = op->s->cm->server;
	nc->namespace = (char *)op->ns;
	return batch_add_class(&op->batch, nc);
}
