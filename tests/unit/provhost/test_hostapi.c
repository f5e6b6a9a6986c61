/*
 * Tests of the provider service table (struct owmi_host) as a provider
 * sees it, driven in-process through provhost-int.h: setters and getters
 * by type, posting and batching, keys, queries, the call's identity.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include <cmocka.h>
#include <talloc.h>

#include "provhost/provhost-int.h"

struct fx {
	void *mem;
	struct cim_class *cls;
	struct cim_class *other;
	struct owmi_ctx ctx;
	struct host_io io;
	const struct owmi_host *h;
	struct buf frames; /* BATCH frames flushed */
	uint32_t flushes;
	bool cancel_after_flush;
	uint32_t need_class_calls;
};

static struct cim_class *make_class(void *mem, const char *name)
{
	struct cim_class *local = cim_class_new(mem, name, NULL);
	struct cim_class *res = NULL;
	struct cim_property *p;
	static const struct {
		const char *name;
		uint32_t type;
	} props[] = {
		{ "Id", CIM_T_UINT32 },
		{ "Name", CIM_T_STRING },
		{ "Small", CIM_T_UINT8 },
		{ "Neg", CIM_T_SINT16 },
		{ "Big", CIM_T_UINT64 },
		{ "Flag", CIM_T_BOOLEAN },
		{ "Ratio", CIM_T_REAL32 },
		{ "When", CIM_T_DATETIME },
		{ "Ref", CIM_T_REFERENCE },
		{ "Ch", CIM_T_CHAR16 },
		{ "Tags", CIM_T_STRING | CIM_FLAG_ARRAY },
		{ "Codes", CIM_T_UINT16 | CIM_FLAG_ARRAY },
		{ "Signed", CIM_T_SINT64 | CIM_FLAG_ARRAY },
		{ "Bits", CIM_T_BOOLEAN | CIM_FLAG_ARRAY },
		{ "Emb", CIM_T_OBJECT },
	};

	assert_non_null(local);
	for (size_t i = 0; i < sizeof(props) / sizeof(props[0]); i++) {
		p = cim_class_add_prop(local, props[i].name, props[i].type);
		assert_non_null(p);
		if (i == 0) {
			cim_qset_set(local, &p->quals, "key",
			             &(struct cim_value){ .type = CIM_T_BOOLEAN,
			                                  .v.b = true },
			             CIM_FLAVOR_DEFAULT);
		}
	}
	assert_true(hr_ok(cim_class_resolve(mem, local, NULL, &res, NULL)));
	return res;
}

static hresult t_flush(struct owmi_ctx *ctx)
{
	struct fx *f = ctx->io->arg;

	f->flushes++;
	return host_batch_take(ctx, &f->frames);
}

static bool t_poll_cancel(struct owmi_ctx *ctx)
{
	struct fx *f = ctx->io->arg;

	return f->cancel_after_flush;
}

static hresult t_need_class(struct owmi_ctx *ctx,
                            const char *name,
                            struct cim_class **out)
{
	struct fx *f = ctx->io->arg;

	f->need_class_calls++;
	if (strcmp(name, "Other") == 0) {
		*out = f->other;
		return HR_OK;
	}
	return HR_WBEM_E_INVALID_CLASS;
}

static int setup(void **state)
{
	struct fx *f = talloc_zero(NULL, struct fx);

	f->mem = talloc_new(f);
	f->cls = make_class(f, "Test_Item");
	f->other = make_class(f, "Other");
	f->io.flush = t_flush;
	f->io.poll_cancel = t_poll_cancel;
	f->io.need_class = t_need_class;
	f->io.arg = f;
	buf_init(&f->frames, f);
	host_ctx_init(&f->ctx, f->mem, &f->io, f->cls);
	f->ctx.op = PROVFRAME_ENUM;
	f->ctx.call_id = 5;
	f->h = host_api();
	*state = f;
	return 0;
}

static int teardown(void **state)
{
	talloc_free(*state);
	return 0;
}

static struct owmi_instance *new_inst(struct fx *f)
{
	struct owmi_instance *i = NULL;

	assert_int_equal(f->h->instance_new(&f->ctx, "test_item", &i),
	                 OWMI_S_OK);
	return i;
}

static void test_table_is_versioned(void **state)
{
	struct fx *f = *state;

	assert_int_equal(f->h->abi_version, OWMI_PROVIDER_ABI_VERSION);
	assert_int_equal(f->h->struct_size, sizeof(struct owmi_host));
	assert_non_null(f->h->log);
}

/* Lookups are remembered per name pointer: a buffer reused for another
 * name, a second class and setting a value twice still hit the right
 * property. */
static void test_setters_by_reused_name_buffer(void **state)
{
	struct fx *f = *state;
	struct owmi_instance *i = new_inst(f);
	struct owmi_instance *o = NULL;
	char name[16] = "Name";
	const char *got = NULL;
	uint64_t u = 0;

	assert_int_equal(f->h->set_string(i, name, "a"), OWMI_S_OK);
	memcpy(name, "Id", 3);
	assert_int_equal(f->h->set_uint32(i, name, 7), OWMI_S_OK);
	assert_int_equal(f->h->set_string(i, name, "x"), OWMI_E_TYPE_MISMATCH);
	memcpy(name, "NAME", 5);
	assert_int_equal(f->h->set_string(i, name, "b"), OWMI_S_OK);
	assert_int_equal(f->h->set_string(i, name, "c"), OWMI_S_OK);
	memcpy(name, "Nope", 5);
	assert_int_equal(f->h->set_string(i, name, "d"), OWMI_E_NOT_FOUND);
	assert_int_equal(f->h->get_string(i, "Name", &got), OWMI_S_OK);
	assert_string_equal(got, "c");
	assert_int_equal(f->h->get_uint64(i, "Id", &u), OWMI_S_OK);
	assert_int_equal(u, 7);
	assert_int_equal(f->h->instance_new(&f->ctx, "Other", &o), OWMI_S_OK);
	memcpy(name, "Id", 3);
	assert_int_equal(f->h->set_uint32(o, name, 9), OWMI_S_OK);
	assert_int_equal(f->h->get_uint64(o, "Id", &u), OWMI_S_OK);
	assert_int_equal(u, 9);
	assert_int_equal(f->h->get_uint64(i, name, &u), OWMI_S_OK);
	assert_int_equal(u, 7);
	f->h->instance_free(o);
	f->h->instance_free(i);
}

static void test_integer_setters_check_range(void **state)
{
	struct fx *f = *state;
	struct owmi_instance *i = new_inst(f);
	uint64_t u = 0;
	int64_t s = 0;

	assert_int_equal(f->h->set_uint32(i, "Small", 255), OWMI_S_OK);
	assert_int_equal(f->h->get_uint64(i, "Small", &u), OWMI_S_OK);
	assert_int_equal(u, 255);
	assert_int_equal(f->h->set_uint32(i, "Small", 256),
	                 OWMI_E_TYPE_MISMATCH);
	assert_int_equal(f->h->set_sint32(i, "Small", -1),
	                 OWMI_E_TYPE_MISMATCH);
	assert_int_equal(f->h->set_sint64(i, "Neg", -32768), OWMI_S_OK);
	assert_int_equal(f->h->get_sint64(i, "Neg", &s), OWMI_S_OK);
	assert_int_equal(s, -32768);
	assert_int_equal(f->h->set_sint64(i, "Neg", -32769),
	                 OWMI_E_TYPE_MISMATCH);
	assert_int_equal(f->h->set_uint64(i, "Big", UINT64_MAX), OWMI_S_OK);
	assert_int_equal(f->h->get_sint64(i, "Big", &s), OWMI_E_TYPE_MISMATCH);
	assert_int_equal(f->h->set_uint32(i, "Name", 1), OWMI_E_TYPE_MISMATCH);
	assert_int_equal(f->h->set_uint32(i, "Missing", 1), OWMI_E_NOT_FOUND);
	assert_int_equal(f->h->set_uint32(i, "__CLASS", 1),
	                 OWMI_E_INVALID_PARAMETER);
	assert_int_equal(f->h->set_uint16(i, "Ch", 0x41), OWMI_S_OK);
}

static void test_string_setter_targets(void **state)
{
	struct fx *f = *state;
	struct owmi_instance *i = new_inst(f);
	const char *s = NULL;

	assert_int_equal(f->h->set_string(i, "Name", "héllo"), OWMI_S_OK);
	assert_int_equal(f->h->get_string(i, "Name", &s), OWMI_S_OK);
	assert_string_equal(s, "héllo");
	assert_int_equal(f->h->set_string(i, "Name", "\xC3"),
	                 OWMI_E_INVALID_PARAMETER);
	assert_int_equal(f->h->set_string(i, "Name", NULL),
	                 OWMI_E_INVALID_PARAMETER);
	assert_int_equal(f->h->set_string(i, "Id", "7"), OWMI_E_TYPE_MISMATCH);
	assert_int_equal(f->h->set_string(i, "Ch", "é"), OWMI_S_OK);
	assert_int_equal(f->h->set_string(i, "Ch", "ab"), OWMI_E_TYPE_MISMATCH);
	assert_int_equal(f->h->set_string(i, "When", "not a date"),
	                 OWMI_E_INVALID_PARAMETER);
	assert_int_equal(f->h->set_reference(i, "Ref", "Test_Item.Id=1"),
	                 OWMI_S_OK);
	assert_int_equal(f->h->get_string(i, "Ref", &s), OWMI_S_OK);
	assert_int_equal(f->h->set_reference(i, "Ref", "Test_Item.Id=\""),
	                 OWMI_E_INVALID_PARAMETER);
	assert_int_equal(f->h->set_reference(i, "Name", "X=@"),
	                 OWMI_E_TYPE_MISMATCH);
}

static void test_datetime_from_unix_time(void **state)
{
	struct fx *f = *state;
	struct owmi_instance *i = new_inst(f);
	const char *s = NULL;

	assert_int_equal(f->h->set_datetime_unix(i, "When", 0, 5, 0),
	                 OWMI_S_OK);
	assert_int_equal(f->h->get_string(i, "When", &s), OWMI_S_OK);
	assert_string_equal(s, "19700101000000.000005+000");
	assert_int_equal(f->h->set_datetime_unix(i, "When", 1700000000, 0, 60),
	                 OWMI_S_OK);
	assert_int_equal(f->h->get_string(i, "When", &s), OWMI_S_OK);
	assert_string_equal(s, "20231114231320.000000+060");
	assert_int_equal(f->h->set_datetime_unix(i, "When", 0, 1000000, 0),
	                 OWMI_E_INVALID_PARAMETER);
	assert_int_equal(f->h->set_datetime_unix(i, "When", 0, 0, 721),
	                 OWMI_E_INVALID_PARAMETER);
	assert_int_equal(f->h->set_datetime_unix(i, "Name", 0, 0, 0),
	                 OWMI_E_TYPE_MISMATCH);
	assert_int_equal(
	        f->h->set_datetime(i, "When", "00000001020304.000000:000"),
	        OWMI_S_OK);
	assert_int_equal(f->h->set_datetime(i, "When", "2023"),
	                 OWMI_E_INVALID_PARAMETER);
}

static void test_bool_real_null(void **state)
{
	struct fx *f = *state;
	struct owmi_instance *i = new_inst(f);
	bool b = false;
	double r = 0;
	bool is_null = false;
	uint32_t type = 0;

	assert_int_equal(f->h->set_bool(i, "Flag", true), OWMI_S_OK);
	assert_int_equal(f->h->get_bool(i, "Flag", &b), OWMI_S_OK);
	assert_true(b);
	assert_int_equal(f->h->set_bool(i, "Id", true), OWMI_E_TYPE_MISMATCH);
	assert_int_equal(f->h->set_real64(i, "Ratio", 0.5), OWMI_S_OK);
	assert_int_equal(f->h->get_real64(i, "Ratio", &r), OWMI_S_OK);
	assert_true(r == 0.5);
	assert_int_equal(f->h->set_null(i, "Ratio"), OWMI_S_OK);
	assert_int_equal(f->h->get_real64(i, "Ratio", &r), OWMI_S_FALSE);
	assert_int_equal(f->h->get_type(i, "Ratio", &type, &is_null),
	                 OWMI_S_OK);
	assert_int_equal(type, OWMI_TYPE_REAL32);
	assert_true(is_null);
	assert_int_equal(f->h->get_type(i, "Tags", &type, NULL), OWMI_S_OK);
	assert_int_equal(type, OWMI_TYPE_STRING | OWMI_TYPE_ARRAY);
	assert_int_equal(f->h->get_type(i, "Nope", NULL, NULL),
	                 OWMI_E_NOT_FOUND);
}

static void test_arrays(void **state)
{
	struct fx *f = *state;
	struct owmi_instance *i = new_inst(f);
	const char *tags[] = { "a", "b", "c" };
	const uint16_t codes[] = { 1, 65535 };
	const int64_t sig[] = { -5, 5 };
	const bool bits[] = { true, false };
	const char *const *so = NULL;
	const uint64_t *uo = NULL;
	const int64_t *io = NULL;
	size_t n = 0;

	assert_int_equal(f->h->set_string_array(i, "Tags", tags, 3), OWMI_S_OK);
	assert_int_equal(f->h->get_string_array(i, "Tags", &so, &n), OWMI_S_OK);
	assert_int_equal(n, 3);
	assert_string_equal(so[2], "c");
	assert_int_equal(f->h->set_uint16_array(i, "Codes", codes, 2),
	                 OWMI_S_OK);
	assert_int_equal(f->h->get_uint64_array(i, "Codes", &uo, &n),
	                 OWMI_S_OK);
	assert_int_equal(n, 2);
	assert_int_equal(uo[1], 65535);
	assert_int_equal(f->h->set_sint64_array(i, "Signed", sig, 2),
	                 OWMI_S_OK);
	assert_int_equal(f->h->get_sint64_array(i, "Signed", &io, &n),
	                 OWMI_S_OK);
	assert_int_equal(io[0], -5);
	assert_int_equal(f->h->set_bool_array(i, "Bits", bits, 2), OWMI_S_OK);
	assert_int_equal(f->h->get_uint64_array(i, "Bits", &uo, &n), OWMI_S_OK);
	assert_int_equal(uo[0], 1);
	assert_int_equal(uo[1], 0);
	/* Empty arrays are arrays, not NULL. */
	assert_int_equal(f->h->set_string_array(i, "Tags", NULL, 0), OWMI_S_OK);
	assert_int_equal(f->h->get_string_array(i, "Tags", &so, &n), OWMI_S_OK);
	assert_int_equal(n, 0);
	assert_int_equal(f->h->set_uint32_array(i, "Tags", NULL, 0),
	                 OWMI_E_TYPE_MISMATCH);
	assert_int_equal(f->h->set_uint16_array(i, "Name", codes, 1),
	                 OWMI_E_TYPE_MISMATCH);
	assert_int_equal(f->h->set_string_array(i, "Tags", NULL, 2),
	                 OWMI_E_INVALID_PARAMETER);
	assert_int_equal(f->h->get_string(i, "Tags", &tags[0]),
	                 OWMI_E_TYPE_MISMATCH);
}

static void test_embedded_object(void **state)
{
	struct fx *f = *state;
	struct owmi_instance *i = new_inst(f);
	struct owmi_instance *e = NULL;
	const struct owmi_instance *got = NULL;
	uint64_t u = 0;

	assert_int_equal(f->h->instance_new(&f->ctx, "Other", &e), OWMI_S_OK);
	assert_int_equal(f->need_class_calls, 1);
	assert_string_equal(f->h->instance_class(e), "Other");
	assert_int_equal(f->h->set_uint32(e, "Id", 99), OWMI_S_OK);
	assert_int_equal(f->h->set_object(i, "Emb", e), OWMI_S_OK);
	f->h->instance_free(e);
	assert_int_equal(f->h->get_object(i, "Emb", &got), OWMI_S_OK);
	assert_int_equal(f->h->get_uint64(got, "Id", &u), OWMI_S_OK);
	assert_int_equal(u, 99);
	/* The embedded copy is read-only to the provider. */
	assert_int_equal(f->h->set_uint32((struct owmi_instance *)got, "Id", 1),
	                 OWMI_E_INVALID_PARAMETER);
	assert_int_equal(f->h->instance_new(&f->ctx, "Other", &e), OWMI_S_OK);
	assert_int_equal(f->need_class_calls, 1); /* cached for the call */
	assert_int_equal(f->h->instance_new(&f->ctx, "Nobody", &e),
	                 OWMI_E_INVALID_CLASS);
}

static void test_post_batches_and_decodes(void **state)
{
	struct fx *f = *state;
	struct provframe_msg m;
	void *tmp = talloc_new(NULL);
	uint32_t total = HOST_BATCH_ITEMS + 3;
	uint32_t seen = 0;
	size_t off = 0;

	for (uint32_t k = 0; k < total; k++) {
		struct owmi_instance *i = new_inst(f);

		f->h->set_uint32(i, "Id", k);
		f->h->set_string(i, "Name", "n");
		assert_int_equal(f->h->post(&f->ctx, i), OWMI_S_OK);
	}
	assert_int_equal(f->flushes, 1);
	assert_int_equal(f->ctx.n_items, 3);
	assert_true(hr_ok(host_batch_take(&f->ctx, &f->frames)));
	assert_int_equal(f->ctx.n_items, 0);
	while (off < f->frames.len) {
		uint32_t plen = 0;
		size_t len;

		assert_true(hr_ok(provframe_peek(f->frames.data + off,
		                                 f->frames.len - off, NULL,
		                                 &plen, NULL)));
		len = PROVFRAME_HDR_LEN + plen;
		assert_true(hr_ok(
		        provframe_decode(tmp, f->frames.data + off, len, &m)));
		assert_int_equal(m.type, PROVFRAME_BATCH);
		assert_int_equal(m.call_id, 5);
		assert_int_equal(m.n_names, 1);
		assert_string_equal(m.names[0], "Test_Item");
		for (uint32_t k = 0; k < m.n_items; k++) {
			struct cim_instance *inst = NULL;
			const struct cim_value *v;

			assert_true(hr_ok(cim_instance_decode(
			        tmp, f->cls, m.items[k].data.p,
			        m.items[k].data.len, &inst)));
			v = cim_instance_get(inst, "Id");
			assert_int_equal(v->v.u, seen);
			seen++;
		}
		off += len;
	}
	assert_int_equal(seen, total);
	talloc_free(tmp);
}

static void test_post_checks(void **state)
{
	struct fx *f = *state;
	struct owmi_instance *i = new_inst(f);

	/* A NULL key cannot be posted. */
	assert_int_equal(f->h->post(&f->ctx, i), OWMI_E_ILLEGAL_NULL);
	i = new_inst(f);
	f->h->set_uint32(i, "Id", 1);
	f->ctx.op = PROVFRAME_GET;
	assert_int_equal(f->h->post(&f->ctx, i), OWMI_S_OK);
	i = new_inst(f);
	f->h->set_uint32(i, "Id", 2);
	assert_int_equal(f->h->post(&f->ctx, i), OWMI_E_INVALID_PARAMETER);
	f->ctx.op = PROVFRAME_PUT;
	i = new_inst(f);
	f->h->set_uint32(i, "Id", 3);
	assert_int_equal(f->h->post(&f->ctx, i), OWMI_E_INVALID_PARAMETER);
	assert_int_equal(f->h->post(NULL, NULL), OWMI_E_INVALID_PARAMETER);
}

static void test_post_reports_cancel(void **state)
{
	struct fx *f = *state;

	f->cancel_after_flush = true;
	for (uint32_t k = 0; k < HOST_BATCH_ITEMS; k++) {
		struct owmi_instance *i = new_inst(f);
		int32_t rc;

		f->h->set_uint32(i, "Id", k);
		rc = f->h->post(&f->ctx, i);
		if (k + 1 < HOST_BATCH_ITEMS) {
			assert_int_equal(rc, OWMI_S_OK);
		} else {
			assert_int_equal(rc, OWMI_E_CALL_CANCELLED);
		}
	}
	assert_true(f->h->ctx_cancelled(&f->ctx));
	assert_int_equal(f->h->post(&f->ctx, new_inst(f)),
	                 OWMI_E_CALL_CANCELLED);
}

static void test_readonly_instances(void **state)
{
	struct fx *f = *state;
	struct cim_instance *ci = cim_instance_new(f->mem, f->cls);
	struct owmi_instance *ro = host_wrap(&f->ctx, ci, true);

	assert_int_equal(f->h->set_uint32(ro, "Id", 1),
	                 OWMI_E_INVALID_PARAMETER);
	assert_int_equal(f->h->post(&f->ctx, ro), OWMI_E_INVALID_PARAMETER);
	f->h->instance_free(ro); /* ignored for read-only handles */
	assert_string_equal(f->h->instance_class(ro), "Test_Item");
}

static void test_keys_and_query(void **state)
{
	struct fx *f = *state;
	struct provframe_kv kv[] = { { "Id", "7" }, { "Name", "x" } };
	struct owmi_keys keys = { kv, 2 };
	struct owmi_query q = { "SELECT * FROM T WHERE Name = 'x'", "T", kv + 1,
		                1 };
	const char *v = NULL;

	assert_string_equal(f->h->key_get(&keys, "id"), "7");
	assert_null(f->h->key_get(&keys, "Other"));
	assert_int_equal(f->h->key_count(&keys), 2);
	assert_string_equal(f->h->key_at(&keys, 1, &v), "Name");
	assert_string_equal(v, "x");
	assert_null(f->h->key_at(&keys, 2, &v));
	assert_int_equal(f->h->key_count(NULL), 0);
	assert_string_equal(f->h->query_class(&q), "T");
	assert_string_equal(f->h->query_text(&q), q.text);
	assert_int_equal(f->h->query_eq(&q, "NAME", &v), OWMI_S_OK);
	assert_string_equal(v, "x");
	assert_int_equal(f->h->query_eq(&q, "Id", &v), OWMI_S_FALSE);
}

static void test_identity(void **state)
{
	struct fx *f = *state;
	uint32_t uid = 1, gid = 1;

	f->ctx.user = "alice";
	f->ctx.domain = "WORKGROUP";
	f->ctx.ns = "root\\cimv2";
	assert_string_equal(f->h->ctx_user(&f->ctx), "alice");
	assert_string_equal(f->h->ctx_domain(&f->ctx), "WORKGROUP");
	assert_string_equal(f->h->ctx_namespace(&f->ctx), "root\\cimv2");
	assert_int_equal(f->h->ctx_unix_ids(&f->ctx, &uid, &gid), OWMI_S_FALSE);
	assert_int_equal(uid, 1);
	f->ctx.has_unix_ids = true;
	f->ctx.uid = 1000;
	f->ctx.gid = 100;
	assert_int_equal(f->h->ctx_unix_ids(&f->ctx, &uid, &gid), OWMI_S_OK);
	assert_int_equal(uid, 1000);
	assert_int_equal(gid, 100);
	assert_non_null(f->h->ctx_alloc(&f->ctx, 16));
	assert_null(f->h->ctx_provider_data(&f->ctx));
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup_teardown(test_table_is_versioned, setup,
		                                teardown),
		cmocka_unit_test_setup_teardown(
		        test_setters_by_reused_name_buffer, setup, teardown),
		cmocka_unit_test_setup_teardown(
		        test_integer_setters_check_range, setup, teardown),
		cmocka_unit_test_setup_teardown(test_string_setter_targets,
		                                setup, teardown),
		cmocka_unit_test_setup_teardown(test_datetime_from_unix_time,
		                                setup, teardown),
		cmocka_unit_test_setup_teardown(test_bool_real_null, setup,
		                                teardown),
		cmocka_unit_test_setup_teardown(test_arrays, setup, teardown),
		cmocka_unit_test_setup_teardown(test_embedded_object, setup,
		                                teardown),
		cmocka_unit_test_setup_teardown(test_post_batches_and_decodes,
		                                setup, teardown),
		cmocka_unit_test_setup_teardown(test_post_checks, setup,
		                                teardown),
		cmocka_unit_test_setup_teardown(test_post_reports_cancel, setup,
		                                teardown),
		cmocka_unit_test_setup_teardown(test_readonly_instances, setup,
		                                teardown),
		cmocka_unit_test_setup_teardown(test_keys_and_query, setup,
		                                teardown),
		cmocka_unit_test_setup_teardown(test_identity, setup, teardown),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
