/*
 * Benchmark: MS-WMIO instance encoding with a cached class part and
 * decoding, for a 20-property class (strings, integers, datetimes) as a
 * `SELECT *` enumeration sends it.  Target (issue 4): well over 100,000
 * instances/s encoded, leaving room for sealing.
 */
#include <stdio.h>
#include <string.h>
#include <talloc.h>
#include <time.h>

#include "base/buf.h"
#include "cim/cim.h"
#include "wmio/wmio.h"

#define N_INST 10000

static double now(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

static struct cim_class *make_class(void *mem)
{
	struct cim_class *l = cim_class_new(mem, "Bench_Process", NULL);
	struct cim_class *r = NULL;
	struct cim_value t = { .type = CIM_T_BOOLEAN, .v.b = true };
	char name[32];

	for (int i = 0; i < 20; i++) {
		uint32_t type = i % 4 == 0   ? CIM_T_UINT32
		                : i % 4 == 1 ? CIM_T_STRING
		                : i % 4 == 2 ? CIM_T_UINT64
		                             : (i % 8 == 3 ? CIM_T_DATETIME
		                                           : CIM_T_STRING);
		struct cim_property *p;

		snprintf(name, sizeof(name), "Property%02d", i);
		p = cim_class_add_prop(l, name, type);
		if (i == 0) {
			cim_qset_set(l, &p->quals, "key", &t, 0x13);
		}
	}
	if (hr_failed(cim_class_resolve(mem, l, NULL, &r, NULL))) {
		return NULL;
	}
	return r;
}

static struct cim_instance *make_instance(void *mem, struct cim_class *c, int k)
{
	struct cim_instance *i = cim_instance_new(mem, c);
	char s[64];

	for (uint32_t p = 0; p < c->n_props; p++) {
		struct cim_value v = { .type = c->props[p].type };

		switch (c->props[p].type) {
		case CIM_T_UINT32:
		case CIM_T_UINT64:
			v.v.u = (uint64_t)k * 31 + p;
			break;
		case CIM_T_DATETIME:
			v.v.s = (char *)"20240102030405.123456+060";
			break;
		default:
			snprintf(s, sizeof(s), "value %d of property %u", k, p);
			v.v.s = s;
			break;
		}
		cim_instance_set(i, c->props[p].name, &v);
	}
	return i;
}

int main(void)
{
	void *mem = talloc_new(NULL);
	struct cim_class *c = make_class(mem);
	struct cim_instance **insts = talloc_array(mem, struct cim_instance *,
	                                           N_INST);
	struct wmio_class_cache *cc = NULL;
	struct buf b;
	size_t bytes = 0;
	double t0, t_enc, t_dec;
	int rounds = 5;

	if (c == NULL || insts == NULL ||
	    hr_failed(wmio_class_cache_new(mem, c, &cc))) {
		return 1;
	}
	for (int k = 0; k < N_INST; k++) {
		insts[k] = make_instance(mem, c, k);
	}
	buf_init(&b, mem);
	t0 = now();
	for (int r = 0; r < rounds; r++) {
		for (int k = 0; k < N_INST; k++) {
			buf_reset(&b);
			if (hr_failed(wmio_encode_instance_cached(
			            &b, cc, insts[k], "HOST", "ROOT\\cimv2",
			            0))) {
				return 1;
			}
			bytes += b.len;
		}
	}
	t_enc = now() - t0;
	t0 = now();
	for (int r = 0; r < rounds; r++) {
		for (int k = 0; k < N_INST; k++) {
			void *tmp = talloc_new(mem);
			struct wmio_object *o = NULL;

			if (k == 0 || k == N_INST - 1) {
				buf_reset(&b);
				wmio_encode_instance_cached(&b, cc, insts[k],
				                            "HOST",
				                            "ROOT\\cimv2", 0);
			}
			if (hr_failed(wmio_decode(tmp, (uint8_t *)b.data, b.len,
			                          NULL, &o, NULL))) {
				return 1;
			}
			talloc_free(tmp);
		}
	}
	t_dec = now() - t0;
	printf("wmio: 20-property instances (%zu bytes each, class part "
	       "cached)\n",
	       bytes / ((size_t)N_INST * rounds));
	printf("  encode: %.0f instances/s\n", N_INST * rounds / t_enc);
	printf("  decode: %.0f instances/s (class part decoded each time)\n",
	       N_INST * rounds / t_dec);
	talloc_free(mem);
	return 0;
}
