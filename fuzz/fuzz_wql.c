/*
 * fuzz_wql: WQL parser round trip (STYLE.md section 12).
 *
 * Parses the input (as bytes with a length), formats the query, parses
 * the formatted text again and requires the second format to equal the
 * first: the formatter must print something the parser accepts and that
 * means the same.  Successful queries are also bound and evaluated
 * against a small class and instance, and the input is used as a LIKE
 * pattern, so the evaluator and matcher see hostile trees too.
 */
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <talloc.h>

#include "wql/wql.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static struct cim_instance *make_instance(void *mem)
{
	struct cim_class *l = cim_class_new(mem, "Fz_Item", NULL);
	struct cim_class *cls = NULL;
	struct cim_instance *inst;
	struct cim_value v = { .type = CIM_T_STRING };

	if (l == NULL || cim_class_add_prop(l, "Name", CIM_T_STRING) == NULL ||
	    cim_class_add_prop(l, "Size", CIM_T_UINT32) == NULL ||
	    cim_class_add_prop(l, "On", CIM_T_BOOLEAN) == NULL ||
	    cim_class_add_prop(l, "When", CIM_T_DATETIME) == NULL ||
	    hr_failed(cim_class_resolve(mem, l, NULL, &cls, NULL))) {
		return NULL;
	}
	inst = cim_instance_new(mem, cls);
	if (inst == NULL) {
		return NULL;
	}
	v.v.s = "Fuzz_Name.exe";
	cim_instance_set(inst, "Name", &v);
	v.type = CIM_T_DATETIME;
	v.v.s = "20240131120000.000000+000";
	cim_instance_set(inst, "When", &v);
	return inst;
}

static void exercise(void *mem, struct wql_query *q)
{
	struct cim_instance *inst = make_instance(mem);
	bool m = false;

	if (inst == NULL) {
		return;
	}
	(void)wql_eval(q, inst, "HOST", "root", &m);
	(void)wql_eval_class(q, inst->cls, &m);
	if (hr_ok(wql_bind(q, inst->cls, NULL))) {
		struct wql_keyval *kv = NULL;
		const char *cls = NULL;
		uint32_t n = 0;

		(void)wql_eval(q, inst, NULL, NULL, &m);
		(void)wql_key_equalities(mem, q, inst->cls, &kv, &n);
		(void)wql_class_restriction(q, &cls);
	}
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	void *mem = talloc_new(NULL);
	struct wql_query *q = NULL, *q2 = NULL;
	struct errinfo ei = { 0 };
	char *f1, *f2, *pat;

	if (hr_ok(wql_parse_n(mem, (const char *)data, size, NULL, &q, &ei))) {
		f1 = wql_format(mem, q);
		if (f1 == NULL) {
			abort();
		}
		if (hr_failed(wql_parse(mem, f1, NULL, &q2, &ei))) {
			fprintf(stderr, "re-parse failed: %s\n  %s\n", ei.msg,
			        f1);
			abort();
		}
		f2 = wql_format(mem, q2);
		if (f2 == NULL || strcmp(f1, f2) != 0) {
			fprintf(stderr, "format mismatch:\n  %s\n  %s\n", f1,
			        f2 ? f2 : "(null)");
			abort();
		}
		exercise(mem, q);
	}
	/* LIKE is O(text * pattern): keep each run well under a second. */
	pat = size <= 4096 ? talloc_strndup(mem, (const char *)data, size)
	                   : NULL;
	if (pat != NULL) {
		(void)wql_like("Fuzz_Name.exe and some longer text", pat);
		(void)wql_like(pat, pat);
	}
	talloc_free(mem);
	return 0;
}
