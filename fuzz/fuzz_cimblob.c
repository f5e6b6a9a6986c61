/*
 * fuzz_cimblob: repository blob decoders (cim codec).
 *
 * The first byte picks the blob kind: 0 class, 1 instance of a fixed
 * resolved class, 2 a class blob (u16le length) followed by an instance
 * blob of that class, 3 qualifier declaration.  A blob that decodes is
 * encoded, decoded and encoded again: the two encodings must be equal.
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <talloc.h>

#include "base/buf.h"
#include "cim/cim.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static struct cim_class *fixed_class(void *mem)
{
	struct cim_class *l = cim_class_new(mem, "F", NULL);
	struct cim_class *r = NULL;
	struct cim_value t = { .type = CIM_T_BOOLEAN, .v.b = true };
	struct cim_property *p;

	p = cim_class_add_prop(l, "Name", CIM_T_STRING);
	cim_qset_set(l, &p->quals, "key", &t, CIM_FLAVOR_TO_SUBCLASS);
	cim_class_add_prop(l, "N", CIM_T_UINT32);
	cim_class_add_prop(l, "S", CIM_T_SINT64 | CIM_FLAG_ARRAY);
	cim_class_add_prop(l, "O", CIM_T_OBJECT);
	cim_class_add_prop(l, "R", CIM_T_REAL32);
	if (hr_failed(cim_class_resolve(mem, l, NULL, &r, NULL))) {
		abort();
	}
	return r;
}

static void check_equal(struct buf *a, struct buf *b)
{
	if (a->len != b->len || memcmp(a->data, b->data, a->len) != 0) {
		abort();
	}
}

static void class_round(void *mem,
                        const uint8_t *d,
                        size_t n,
                        struct cim_class **out)
{
	struct cim_class *c = NULL;
	struct cim_class *c2 = NULL;
	struct cim_class *c3 = NULL;
	struct buf b1;
	struct buf b2;

	*out = NULL;
	if (hr_failed(cim_class_decode(mem, d, n, &c))) {
		return;
	}
	buf_init(&b1, mem);
	buf_init(&b2, mem);
	if (hr_failed(cim_class_encode(&b1, c)) ||
	    hr_failed(cim_class_decode(mem, b1.data, b1.len, &c2)) ||
	    hr_failed(cim_class_encode(&b2, c2)) ||
	    hr_failed(cim_class_decode(mem, b2.data, b2.len, &c3))) {
		abort();
	}
	check_equal(&b1, &b2);
	if (cim_class_copy(mem, c) == NULL) {
		abort();
	}
	*out = c;
}

static void instance_round(void *mem,
                           struct cim_class *cls,
                           const uint8_t *d,
                           size_t n)
{
	struct cim_instance *i = NULL;
	struct cim_instance *i2 = NULL;
	struct cim_instance *i3 = NULL;
	struct buf b1;
	struct buf b2;
	char *rel = NULL;

	if (hr_failed(cim_instance_decode(mem, cls, d, n, &i))) {
		return;
	}
	buf_init(&b1, mem);
	buf_init(&b2, mem);
	if (hr_failed(cim_instance_encode(&b1, i)) ||
	    hr_failed(cim_instance_decode(mem, cls, b1.data, b1.len, &i2)) ||
	    hr_failed(cim_instance_encode(&b2, i2)) ||
	    hr_failed(cim_instance_decode(mem, cls, b2.data, b2.len, &i3))) {
		abort();
	}
	check_equal(&b1, &b2);
	(void)cim_instance_relpath(mem, i, &rel);
	for (uint32_t k = 0; k < cls->n_props; k++) {
		if (!cim_value_equal(&i2->values[k], &i3->values[k])) {
			abort();
		}
	}
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	void *mem;
	struct cim_class *c = NULL;
	struct cim_qualifier_decl *q = NULL;
	struct buf b;
	size_t n;

	if (size < 1) {
		return 0;
	}
	mem = talloc_new(NULL);
	switch (data[0] & 3) {
	case 0:
		class_round(mem, data + 1, size - 1, &c);
		break;
	case 1:
		instance_round(mem, fixed_class(mem), data + 1, size - 1);
		break;
	case 2:
		if (size < 3) {
			break;
		}
		n = (size_t)data[1] | ((size_t)data[2] << 8);
		if (n > size - 3) {
			break;
		}
		class_round(mem, data + 3, n, &c);
		if (c != NULL && c->resolved) {
			instance_round(mem, c, data + 3 + n, size - 3 - n);
		}
		break;
	default:
		if (hr_ok(cim_qualifier_decl_decode(mem, data + 1, size - 1,
		                                    &q))) {
			buf_init(&b, mem);
			if (hr_failed(cim_qualifier_decl_encode(&b, q)) ||
			    hr_failed(cim_qualifier_decl_decode(mem, b.data,
			                                        b.len, &q))) {
				abort();
			}
		}
		break;
	}
	talloc_free(mem);
	return 0;
}
