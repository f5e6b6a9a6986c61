/*
 * Unit tests for dcom/objref and dcom/orpc: OBJREF of every kind (MS-DCOM
 * 2.2.18), DUALSTRINGARRAY in both forms (2.2.19), the marshaled Context
 * (2.2.20), MInterfacePointer (2.2.14).  The interface pointers of the
 * captures d06 (IWbemServices), e02 (enumerator), e04 and f02 (by-value
 * objects) are decoded and checked against captures/README.md, and the
 * harness's OBJREF_STANDARD is rebuilt byte for byte.
 */
#include "util.h"

#include "dcom/orpc.h"

/* d06: ORPCTHAT, referent id, MInterfacePointer (158 octets), HRESULT. */
static void test_d06_objref_standard_fields(void **state)
{
	void *mem = talloc_new(NULL);
	size_t n;
	uint8_t *p = load(mem, "d06", &n);
	struct ndr_pull ndr;
	struct dcom_orpcthat that;
	struct dcom_objref *o = NULL;
	uint32_t hr = 1;

	(void)state;
	pull_on(&ndr, mem, p, n);
	assert_int_equal(dcom_orpcthat_pull(&ndr, &that), NDR_ERR_SUCCESS);
	assert_int_equal(that.flags, 0);
	assert_false(that.has_extensions);
	assert_int_equal(dcom_pmip_objref_pull(&ndr, &o), NDR_ERR_SUCCESS);
	assert_int_equal(ndr_pull_u32(&ndr, &hr), NDR_ERR_SUCCESS);
	assert_int_equal(ndr_pull_finish(&ndr), NDR_ERR_SUCCESS);
	assert_int_equal(hr, 0);
	assert_non_null(o);
	assert_int_equal(o->kind, DCOM_OBJREF_STANDARD);
	assert_guid(&o->iid, "9556dc99-828c-11cf-a37e-00aa003240c7");
	assert_int_equal(o->std.flags, 0);
	assert_int_equal(o->std.public_refs, 5);
	assert_true(o->std.oxid == HARNESS_OXID);
	assert_true(o->std.oid == 0x0202020202020202ull);
	assert_guid(&o->std.ipid, "0000ac02-0001-0002-3344-556677889900");
	assert_harness_dsa(&o->res_addr);
	talloc_free(mem);
}

/* The same response built from the harness's values, octet for octet. */
static void test_d06_response_rebuilt_byte_for_byte(void **state)
{
	void *mem = talloc_new(NULL);
	size_t n;
	uint8_t *want = load(mem, "d06", &n);
	struct dcom_stdobjref std = {
		.flags = 0,
		.public_refs = 5,
		.oxid = HARNESS_OXID,
		.oid = 0x0202020202020202ull,
		.ipid = harness_ipid("0000ac02"),
	};
	struct rpc_uuid iid = guid("9556dc99-828c-11cf-a37e-00aa003240c7");
	struct dcom_orpcthat that = { 0 };
	struct dcom_dsa dsa;
	struct dcom_objref o;
	struct ndr_push push;
	const uint8_t *b;
	size_t len;

	(void)state;
	harness_dsa(mem, &dsa);
	assert_int_equal(dcom_dsa_units(&dsa), 45);
	dcom_objref_standard(&o, &iid, &std, &dsa);
	push_on(&push, mem);
	dcom_orpcthat_push(&push, &that);
	dcom_pmip_objref_push(&push, &o);
	ndr_push_u32(&push, 0);
	assert_int_equal(ndr_push_blob(&push, &b, &len), NDR_ERR_SUCCESS);
	assert_int_equal(len, n);
	assert_memory_equal(b, want, n);
	ndr_push_release(&push);
	talloc_free(mem);
}

/* e02: the enumerator's OBJREF (IEnumWbemClassObject, OID ...0301). */
static void test_e02_enumerator_objref(void **state)
{
	void *mem = talloc_new(NULL);
	size_t n;
	uint8_t *p = load(mem, "e02", &n);
	struct ndr_pull ndr;
	struct dcom_orpcthat that;
	struct dcom_objref *o = NULL;
	uint32_t hr = 1;

	(void)state;
	pull_on(&ndr, mem, p, n);
	dcom_orpcthat_pull(&ndr, &that);
	dcom_pmip_objref_pull(&ndr, &o);
	ndr_pull_u32(&ndr, &hr);
	assert_int_equal(ndr_pull_finish(&ndr), NDR_ERR_SUCCESS);
	assert_int_equal(o->kind, DCOM_OBJREF_STANDARD);
	assert_guid(&o->iid, "027947e1-d731-11ce-a357-000000000001");
	assert_true(o->std.oid == 0x0303030303030301ull);
	assert_guid(&o->std.ipid, "0000b001-0001-0002-3344-556677889900");
	assert_true(o->std.oxid == HARNESS_OXID);
	assert_harness_dsa(&o->res_addr);
	talloc_free(mem);
}

/* f02: a by-value class object, OBJREF_CUSTOM carrying an EncodingUnit. */
static void test_f02_objref_custom_round_trip(void **state)
{
	void *mem = talloc_new(NULL);
	size_t n;
	uint8_t *p = load(mem, "f02", &n);
	struct ndr_pull ndr;
	struct ndr_push push;
	struct dcom_objref o;
	const uint8_t *b;
	size_t len;

	(void)state;
	pull_on(&ndr, mem, p, n);
	assert_int_equal(dcom_objref_pull(&ndr, n, &o), NDR_ERR_SUCCESS);
	assert_int_equal(ndr_pull_finish(&ndr), NDR_ERR_SUCCESS);
	assert_int_equal(o.kind, DCOM_OBJREF_CUSTOM);
	assert_guid(&o.iid, "dc12a681-737f-11cf-884d-00aa004b2e24");
	assert_guid(&o.clsid, "4590f812-1d3a-11d0-891f-00aa004b2e24");
	assert_int_equal(o.reserved, 0x66e);
	assert_int_equal(o.n_data, n - 48);
	assert_int_equal(o.data[0], 0x78); /* EncodingUnit 0x12345678 */
	assert_int_equal(o.data[3], 0x12);
	push_on(&push, mem);
	assert_int_equal(dcom_objref_push(&push, &o), NDR_ERR_SUCCESS);
	ndr_push_blob(&push, &b, &len);
	assert_int_equal(len, n);
	assert_memory_equal(b, p, n);
	ndr_push_release(&push);
	talloc_free(mem);
}

/* e04: the instance inside IEnumWbemClassObject::Next's array. */
static void test_e04_objref_inside_next_response(void **state)
{
	void *mem = talloc_new(NULL);
	size_t n;
	uint8_t *p = load(mem, "e04", &n);
	struct ndr_pull ndr;
	struct dcom_objref o;

	(void)state;
	pull_on(&ndr, mem, p, n);
	ndr.pos = 0x18; /* after ORPCTHAT, the array header and referent */
	assert_int_equal(dcom_mip_objref_pull(&ndr, &o), NDR_ERR_SUCCESS);
	assert_int_equal(ndr.pos, 0x18 + 8 + 0x37e);
	assert_int_equal(o.kind, DCOM_OBJREF_CUSTOM);
	assert_guid(&o.iid, "dc12a681-737f-11cf-884d-00aa004b2e24");
	assert_int_equal(o.n_data, 0x37e - 48);
	talloc_free(mem);
}

static void assert_objref_equal(const struct dcom_objref *a,
                                const struct dcom_objref *b)
{
	assert_int_equal(a->kind, b->kind);
	assert_true(rpc_uuid_equal(&a->iid, &b->iid));
	if (a->kind != DCOM_OBJREF_CUSTOM) {
		assert_memory_equal(&a->std, &b->std, sizeof(a->std));
		assert_int_equal(a->res_addr.n_str, b->res_addr.n_str);
		assert_int_equal(a->res_addr.n_sec, b->res_addr.n_sec);
		for (uint32_t i = 0; i < a->res_addr.n_str; i++) {
			assert_string_equal(a->res_addr.str[i].addr,
			                    b->res_addr.str[i].addr);
		}
		for (uint32_t i = 0; i < a->res_addr.n_sec; i++) {
			assert_string_equal(a->res_addr.sec[i].princ_name,
			                    b->res_addr.sec[i].princ_name);
		}
	}
	if (a->kind == DCOM_OBJREF_HANDLER || a->kind == DCOM_OBJREF_CUSTOM) {
		assert_true(rpc_uuid_equal(&a->clsid, &b->clsid));
	}
	if (a->kind == DCOM_OBJREF_EXTENDED) {
		assert_true(rpc_uuid_equal(&a->data_id, &b->data_id));
	}
	if (a->kind == DCOM_OBJREF_EXTENDED || a->kind == DCOM_OBJREF_CUSTOM) {
		assert_int_equal(a->n_data, b->n_data);
		if (a->n_data != 0) {
			assert_memory_equal(a->data, b->data, a->n_data);
		}
	}
}

/* Push, then pull the pushed octets, and compare. */
static const uint8_t *round_trip(void *mem,
                                 const struct dcom_objref *o,
                                 size_t *len)
{
	struct ndr_push push;
	struct ndr_pull ndr;
	struct dcom_objref back;
	const uint8_t *b;

	push_on(&push, mem);
	assert_int_equal(dcom_objref_push(&push, o), NDR_ERR_SUCCESS);
	ndr_push_blob(&push, &b, len);
	pull_on(&ndr, mem, b, *len);
	assert_int_equal(dcom_objref_pull(&ndr, *len, &back), NDR_ERR_SUCCESS);
	assert_int_equal(ndr_pull_finish(&ndr), NDR_ERR_SUCCESS);
	assert_objref_equal(o, &back);
	return b;
}

/* 2.2.18.5 and 2.2.18.7: the handler and extended layouts. */
static void test_handler_and_extended_round_trip(void **state)
{
	void *mem = talloc_new(NULL);
	uint8_t payload[13] = { 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13 };
	struct dcom_stdobjref std = { DCOM_SORF_NOPING, 2, 7, 9,
		                      harness_ipid("00001234") };
	struct rpc_uuid iid = guid("00000000-0000-0000-c000-000000000046");
	struct dcom_objref o;
	struct dcom_dsa dsa;
	const uint8_t *b;
	size_t len;
	size_t dsa_len;

	(void)state;
	harness_dsa(mem, &dsa);
	dsa_len = 4 + 2 * dcom_dsa_units(&dsa);
	dcom_objref_standard(&o, &iid, &std, &dsa);
	o.kind = DCOM_OBJREF_HANDLER;
	o.clsid = guid("11111111-2222-3333-4444-555555555555");
	b = round_trip(mem, &o, &len);
	assert_int_equal(len, 24 + 40 + 16 + dsa_len);

	o.kind = DCOM_OBJREF_EXTENDED;
	o.data_id = guid("66666666-2222-3333-4444-555555555555");
	o.data = payload;
	o.n_data = sizeof(payload);
	b = round_trip(mem, &o, &len);
	/* std, Signature1, DSA, nElms 1, Signature2, dataID, 13, 16, data */
	assert_int_equal(len, 24 + 40 + 4 + dsa_len + 8 + 16 + 8 + 16);
	assert_int_equal(b[64], 0x56); /* 0x4e535956 */
	assert_int_equal(b[67], 0x4e);
	assert_int_equal(b[68 + dsa_len], 1);
	assert_int_equal(b[68 + dsa_len + 8 + 16], 13);
	assert_int_equal(b[68 + dsa_len + 8 + 20], 16);
	assert_int_equal(b[len - 1], 0); /* zero pad to cbRounded */
	talloc_free(mem);
}

static enum ndr_err pull_dsa_units(void *mem,
                                   const uint16_t *u,
                                   size_t n_units,
                                   uint16_t n,
                                   uint16_t sec,
                                   struct dcom_dsa *out)
{
	uint8_t buf[512];
	struct ndr_pull ndr;

	assert_true(4 + 2 * n_units <= sizeof(buf));
	put16(buf, n);
	put16(buf + 2, sec);
	for (size_t i = 0; i < n_units; i++) {
		put16(buf + 4 + 2 * i, u[i]);
	}
	pull_on(&ndr, mem, talloc_memdup(mem, buf, 4 + 2 * n_units),
	        4 + 2 * n_units);
	dcom_dsa_pull(&ndr, out);
	if (ndr.err == NDR_ERR_SUCCESS) {
		assert_int_equal(ndr_pull_finish(&ndr), NDR_ERR_SUCCESS);
	} else {
		assert_true(ndr.err_pos <= 4 + 2 * n_units);
	}
	return ndr.err;
}

/* 2.2.19.1: the smallest array is four zero units, offset 2. */
static void test_dsa_empty_is_four_zeros(void **state)
{
	void *mem = talloc_new(NULL);
	static const uint8_t want[] = { 4, 0, 2, 0, 0, 0, 0, 0, 0, 0, 0, 0 };
	static const uint16_t zeros[4];
	struct dcom_dsa empty = { 0 };
	struct dcom_dsa back;
	struct ndr_push push;
	const uint8_t *b;
	size_t len;

	(void)state;
	push_on(&push, mem);
	assert_int_equal(dcom_dsa_push(&push, &empty), NDR_ERR_SUCCESS);
	ndr_push_blob(&push, &b, &len);
	assert_int_equal(len, sizeof(want));
	assert_memory_equal(b, want, len);
	assert_int_equal(pull_dsa_units(mem, zeros, 4, 4, 2, &back),
	                 NDR_ERR_SUCCESS);
	assert_int_equal(back.n_str, 0);
	assert_int_equal(back.n_sec, 0);
	/* wNumEntries 0 is read as empty too. */
	assert_int_equal(pull_dsa_units(mem, zeros, 0, 0, 0, &back),
	                 NDR_ERR_SUCCESS);
	talloc_free(mem);
}

/* A list that runs into its section end without a 0: refused. */
static void test_dsa_without_double_nul_refused(void **state)
{
	void *mem = talloc_new(NULL);
	struct dcom_dsa d;
	/* "a" then no terminator before wSecurityOffset 3 */
	static const uint16_t no_term[] = { 7, 'a', 0, 10, 0xffff, 0, 0 };
	/* security binding without its final 0 */
	static const uint16_t no_term2[] = { 7, 'a', 0, 0, 10, 0xffff, 0 };
	/* the address runs to the section end without its NUL */
	static const uint16_t no_nul[] = { 7, 'a', 'b', 0, 0 };
	/* a security binding cut after its service id */
	static const uint16_t cut[] = { 0, 0, 10 };

	(void)state;
	assert_int_equal(pull_dsa_units(mem, no_term, 7, 7, 3, &d),
	                 NDR_ERR_RANGE);
	assert_int_equal(pull_dsa_units(mem, no_term2, 7, 7, 4, &d),
	                 NDR_ERR_RANGE);
	assert_int_equal(pull_dsa_units(mem, no_nul, 5, 5, 3, &d),
	                 NDR_ERR_RANGE);
	assert_int_equal(pull_dsa_units(mem, cut, 3, 3, 2, &d), NDR_ERR_RANGE);
	/* The well-formed neighbour of no_term2 is accepted. */
	static const uint16_t ok[] = { 7, 'a', 0, 0, 10, 0xffff, 0, 0 };
	assert_int_equal(pull_dsa_units(mem, ok, 8, 8, 4, &d), NDR_ERR_SUCCESS);
	assert_string_equal(d.str[0].addr, "a");
	assert_int_equal(d.sec[0].authn_svc, 10);
	talloc_free(mem);
}

/* wSecurityOffset past wNumEntries; wNumEntries past the buffer. */
static void test_dsa_offsets_past_the_end(void **state)
{
	void *mem = talloc_new(NULL);
	struct dcom_dsa d;
	static const uint16_t u[] = { 0, 0, 0, 0 };

	(void)state;
	assert_int_equal(pull_dsa_units(mem, u, 4, 4, 5, &d), NDR_ERR_RANGE);
	assert_int_equal(pull_dsa_units(mem, u, 4, 5, 2, &d), NDR_ERR_BUFSIZE);
	assert_int_equal(pull_dsa_units(mem, u, 4, 0xffff, 2, &d),
	                 NDR_ERR_BUFSIZE);
	talloc_free(mem);
}

/* Units after a terminator, before the section end, are slack. */
static void test_dsa_slack_tolerated(void **state)
{
	void *mem = talloc_new(NULL);
	struct dcom_dsa d;
	static const uint16_t u[] = { 7, 'h', 0, 0, 0, 0, 9, 0xffff, 0, 0, 5 };

	(void)state;
	assert_int_equal(pull_dsa_units(mem, u, 11, 11, 6, &d),
	                 NDR_ERR_SUCCESS);
	assert_int_equal(d.n_str, 1);
	assert_int_equal(d.n_sec, 1);
	assert_int_equal(d.sec[0].authn_svc, 9);
	talloc_free(mem);
}

/* Surrogate pairs survive; an unpaired surrogate is NDR_ERR_STRING. */
static void test_dsa_utf16(void **state)
{
	void *mem = talloc_new(NULL);
	struct dcom_dsa d = { 0 };
	struct dcom_dsa back;
	struct ndr_push push;
	struct ndr_pull ndr;
	const uint8_t *b;
	size_t len;
	static const uint16_t bad[] = { 7, 0xd800, 0, 0, 0, 0 };

	(void)state;
	assert_true(hr_ok(
	        dcom_dsa_add_tcp(mem, &d, "h\xc3\xa9\xf0\x9f\x98\x80", 135)));
	assert_true(hr_ok(dcom_dsa_add_security(mem, &d, DCOM_AUTHN_WINNT,
	                                        "host/caf\xc3\xa9")));
	push_on(&push, mem);
	assert_int_equal(dcom_dsa_push(&push, &d), NDR_ERR_SUCCESS);
	ndr_push_blob(&push, &b, &len);
	pull_on(&ndr, mem, b, len);
	assert_int_equal(dcom_dsa_pull(&ndr, &back), NDR_ERR_SUCCESS);
	assert_string_equal(back.str[0].addr, "h\xc3\xa9\xf0\x9f\x98\x80[135]");
	assert_string_equal(back.sec[0].princ_name, "host/caf\xc3\xa9");
	assert_int_equal(pull_dsa_units(mem, bad, 6, 6, 4, &back),
	                 NDR_ERR_STRING);
	talloc_free(mem);
}

static void test_dsa_binding_limit(void **state)
{
	void *mem = talloc_new(NULL);
	size_t n = 2 * (DCOM_MAX_BINDINGS + 1) + 3;
	uint16_t *u = talloc_zero_array(mem, uint16_t, n);
	uint8_t *buf = talloc_zero_array(mem, uint8_t, 4 + 2 * n);
	struct dcom_dsa d = { 0 };
	struct ndr_pull ndr;

	(void)state;
	for (size_t i = 0; i <= DCOM_MAX_BINDINGS; i++) {
		u[2 * i] = 7; /* tower 7, empty address, NUL */
	}
	put16(buf, (uint16_t)n);
	put16(buf + 2, (uint16_t)(n - 2));
	for (size_t i = 0; i < n; i++) {
		put16(buf + 4 + 2 * i, u[i]);
	}
	pull_on(&ndr, mem, buf, 4 + 2 * n);
	assert_int_equal(dcom_dsa_pull(&ndr, &d), NDR_ERR_LIMIT);
	/* The builder stops at the same limit. */
	memset(&d, 0, sizeof(d));
	for (size_t i = 0; i < DCOM_MAX_BINDINGS; i++) {
		assert_true(hr_ok(dcom_dsa_add_tcp(mem, &d, "h", 1)));
	}
	assert_true(hr_eq(dcom_dsa_add_tcp(mem, &d, "h", 1),
	                  HR_WBEM_E_INVALID_PARAMETER));
	talloc_free(mem);
}

static void test_dsa_builder_rules(void **state)
{
	void *mem = talloc_new(NULL);
	struct dcom_dsa d = { 0 };
	struct ndr_push push;

	(void)state;
	assert_true(hr_failed(dcom_dsa_add_tcp(mem, &d, "", 1)));
	assert_true(hr_failed(dcom_dsa_add_tcp(mem, &d, "a[1]", 1)));
	assert_true(hr_failed(dcom_dsa_add_tcp(mem, &d, "\xff", 1)));
	assert_true(hr_failed(dcom_dsa_add_security(mem, &d, 0, "")));
	assert_true(hr_ok(dcom_dsa_add_tcp(mem, &d, "10.0.0.5", 0)));
	assert_string_equal(d.str[0].addr, "10.0.0.5"); /* resolver form */
	/* A binding with id 0 cannot be sent. */
	d.str[0].tower_id = 0;
	push_on(&push, mem);
	assert_int_equal(dcom_dsa_push(&push, &d), NDR_ERR_INVALID);
	talloc_free(mem);
}

/* The NDR form: max_count must equal wNumEntries. */
static void test_dsa_ndr_form(void **state)
{
	void *mem = talloc_new(NULL);
	struct dcom_dsa d;
	struct dcom_dsa back;
	struct ndr_push push;
	struct ndr_pull ndr;
	const uint8_t *b;
	size_t len;
	uint8_t *copy;

	(void)state;
	harness_dsa(mem, &d);
	push_on(&push, mem);
	assert_int_equal(dcom_dsa_push_ndr(&push, &d), NDR_ERR_SUCCESS);
	ndr_push_blob(&push, &b, &len);
	assert_int_equal(len, 4 + 4 + 90);
	assert_int_equal(b[0], 45);
	assert_int_equal(b[4], 45);
	assert_int_equal(b[6], 35);
	pull_on(&ndr, mem, b, len);
	assert_int_equal(dcom_dsa_pull_ndr(&ndr, &back), NDR_ERR_SUCCESS);
	assert_harness_dsa(&back);
	copy = talloc_memdup(mem, b, len);
	copy[0] = 44;
	pull_on(&ndr, mem, copy, len);
	assert_int_equal(dcom_dsa_pull_ndr(&ndr, &back), NDR_ERR_ARRAY_SIZE);
	talloc_free(mem);
}

static void test_objref_bad_signature_and_kind(void **state)
{
	void *mem = talloc_new(NULL);
	size_t n;
	uint8_t *p = load(mem, "d06", &n);
	uint8_t *o = talloc_memdup(mem, p + 0x14, 0x9e);
	struct ndr_pull ndr;
	struct dcom_objref r;
	static const uint32_t kinds[] = { 0, 3, 5, 16, 0x80000001u };

	(void)state;
	o[0] = 'X';
	pull_on(&ndr, mem, o, 0x9e);
	assert_int_equal(dcom_objref_pull(&ndr, 0x9e, &r), NDR_ERR_RANGE);
	assert_int_equal(ndr.err_pos, 4);
	o[0] = 'M';
	for (size_t i = 0; i < sizeof(kinds) / sizeof(kinds[0]); i++) {
		put32(o + 4, kinds[i]);
		pull_on(&ndr, mem, o, 0x9e);
		assert_int_equal(dcom_objref_pull(&ndr, 0x9e, &r),
		                 NDR_ERR_RANGE);
	}
	/* A length past the buffer. */
	put32(o + 4, 1);
	pull_on(&ndr, mem, o, 0x9e);
	assert_int_equal(dcom_objref_pull(&ndr, 0x9f, &r), NDR_ERR_BUFSIZE);
	talloc_free(mem);
}

/* Every truncation of d06's OBJREF_STANDARD fails cleanly. */
static void test_objref_every_truncation(void **state)
{
	void *mem = talloc_new(NULL);
	size_t n;
	uint8_t *p = load(mem, "d06", &n);

	(void)state;
	for (size_t len = 0; len < 0x9e; len++) {
		void *call = talloc_new(mem);
		uint8_t *o = talloc_memdup(call, p + 0x14, len + 1);
		struct ndr_pull ndr;
		struct dcom_objref r;

		pull_on(&ndr, call, o, len);
		assert_int_not_equal(dcom_objref_pull(&ndr, len, &r),
		                     NDR_ERR_SUCCESS);
		assert_true(ndr.err_pos <= len);
		talloc_free(call);
	}
	talloc_free(mem);
}

static void test_extended_rules(void **state)
{
	void *mem = talloc_new(NULL);
	uint8_t payload[3] = { 1, 2, 3 };
	struct dcom_stdobjref std = { 0 };
	struct dcom_objref o;
	struct dcom_objref r;
	struct ndr_push push;
	struct ndr_pull ndr;
	const uint8_t *b;
	uint8_t *c;
	size_t len;
	size_t at;

	(void)state;
	dcom_objref_standard(&o, &dcom_iid_iunknown, &std, NULL);
	o.kind = DCOM_OBJREF_EXTENDED;
	o.data = payload;
	o.n_data = 3;
	push_on(&push, mem);
	dcom_objref_push(&push, &o);
	ndr_push_blob(&push, &b, &len);
	at = 64 + 4 + 12; /* after std, Signature1 and the empty DSA */
	c = talloc_memdup(mem, b, len);
	put32(c + at, 2); /* nElms */
	pull_on(&ndr, mem, c, len);
	assert_int_equal(dcom_objref_pull(&ndr, len, &r), NDR_ERR_RANGE);
	c = talloc_memdup(mem, b, len);
	put32(c + 64, 0x12345678); /* Signature1 */
	pull_on(&ndr, mem, c, len);
	assert_int_equal(dcom_objref_pull(&ndr, len, &r), NDR_ERR_RANGE);
	c = talloc_memdup(mem, b, len);
	put32(c + at + 8 + 16 + 4, 16); /* cbRounded not round8(cbSize) */
	pull_on(&ndr, mem, c, len);
	assert_int_equal(dcom_objref_pull(&ndr, len, &r), NDR_ERR_ARRAY_SIZE);
	c = talloc_memdup(mem, b, len);
	put32(c + at + 8 + 16, 0xfffffff0u); /* cbSize past the end */
	put32(c + at + 8 + 16 + 4, 0xfffffff0u);
	pull_on(&ndr, mem, c, len);
	assert_int_equal(dcom_objref_pull(&ndr, len, &r), NDR_ERR_BUFSIZE);
	talloc_free(mem);
}

/* 2.2.20: a client context with one property, round trip and limits. */
static void test_context_round_trip_and_limits(void **state)
{
	void *mem = talloc_new(NULL);
	uint8_t pdata[5] = { 9, 8, 7, 6, 5 };
	struct dcom_ctx_prop prop = { .cb = 5, .data = pdata, .flags = 1 };
	struct dcom_context ctx = {
		.major = 1,
		.minor = 1,
		.flags = 2,
		.n_props = 1,
		.props = &prop,
	};
	struct dcom_context back;
	struct ndr_push push;
	struct ndr_pull ndr;
	const uint8_t *b;
	uint8_t *c;
	size_t len;

	(void)state;
	prop.policy_id = guid("12345678-1234-1234-1234-123456789abc");
	ctx.context_id = guid("87654321-1234-1234-1234-123456789abc");
	push_on(&push, mem);
	assert_int_equal(dcom_context_push(&push, &ctx), NDR_ERR_SUCCESS);
	ndr_push_blob(&push, &b, &len);
	assert_int_equal(len, 48 + 40 + 5);
	pull_on(&ndr, mem, b, len);
	assert_int_equal(dcom_context_pull(&ndr, len, &back), NDR_ERR_SUCCESS);
	assert_int_equal(back.n_props, 1);
	assert_int_equal(back.props[0].cb, 5);
	assert_memory_equal(back.props[0].data, pdata, 5);
	assert_true(rpc_uuid_equal(&back.context_id, &ctx.context_id));
	assert_true(rpc_uuid_equal(&back.props[0].policy_id, &prop.policy_id));
	c = talloc_memdup(mem, b, len);
	put32(c + 28, 1); /* dwNumExtents */
	pull_on(&ndr, mem, c, len);
	assert_int_equal(dcom_context_pull(&ndr, len, &back), NDR_ERR_RANGE);
	c = talloc_memdup(mem, b, len);
	put32(c + 40, DCOM_MAX_CTX_PROPS + 1); /* Count */
	pull_on(&ndr, mem, c, len);
	assert_int_equal(dcom_context_pull(&ndr, len, &back), NDR_ERR_LIMIT);
	c = talloc_memdup(mem, b, len);
	put32(c + 48 + 36, 6); /* cb one past the end */
	pull_on(&ndr, mem, c, len);
	assert_int_equal(dcom_context_pull(&ndr, len, &back), NDR_ERR_BUFSIZE);
	pull_on(&ndr, mem, b, len);
	assert_int_equal(dcom_context_pull(&ndr, len - 1, &back),
	                 NDR_ERR_BUFSIZE);
	talloc_free(mem);
}

static void test_mip_conformance_mismatch(void **state)
{
	void *mem = talloc_new(NULL);
	static const uint8_t mip[] = { 2, 0, 0, 0, 1, 0, 0, 0, 0xab, 0 };
	struct ndr_pull ndr;
	uint8_t *data;
	uint32_t n;

	(void)state;
	pull_on(&ndr, mem, mip, sizeof(mip));
	assert_int_equal(dcom_mip_pull(&ndr, &data, &n), NDR_ERR_ARRAY_SIZE);
	talloc_free(mem);
}

/* Allocation failure: every ceiling gives success or NDR_ERR_ALLOC. */
static void test_objref_under_every_memlimit(void **state)
{
	void *mem = talloc_new(NULL);
	size_t n;
	uint8_t *p = load(mem, "d06", &n);
	size_t ok_from = 0;

	(void)state;
	for (size_t limit = 16; limit < 8192 && ok_from == 0; limit += 16) {
		void *call = talloc_new(mem);
		struct ndr_limits lim;
		struct ndr_pull ndr;
		struct dcom_objref r;
		enum ndr_err err;

		ndr_limits_default(&lim);
		lim.max_alloc = limit;
		assert_int_equal(
		        ndr_pull_init(&ndr, call, p + 0x14, 0x9e, 0, &lim),
		        NDR_ERR_SUCCESS);
		err = dcom_objref_pull(&ndr, 0x9e, &r);
		assert_true(err == NDR_ERR_SUCCESS || err == NDR_ERR_ALLOC);
		if (err == NDR_ERR_SUCCESS) {
			ok_from = limit;
			assert_harness_dsa(&r.res_addr);
		}
		talloc_free(call);
	}
	assert_true(ok_from > 0);
	/* Push side: a ceiling on the push cursor's parent. */
	for (size_t limit = 0; limit < 8192; limit += 16) {
		void *call = limited_ctx(mem, limit);
		struct dcom_dsa dsa;
		struct dcom_objref o;
		struct ndr_push push;
		struct dcom_stdobjref std = { 0 };
		enum ndr_err err;

		harness_dsa(mem, &dsa);
		dcom_objref_standard(&o, &dcom_iid_iunknown, &std, &dsa);
		if (ndr_push_init(&push, call, 0, NULL) != NDR_ERR_SUCCESS) {
			talloc_free(call);
			continue;
		}
		err = dcom_objref_push(&push, &o);
		assert_true(err == NDR_ERR_SUCCESS || err == NDR_ERR_ALLOC);
		ndr_push_release(&push);
		talloc_free(call);
		if (err == NDR_ERR_SUCCESS) {
			break;
		}
	}
	talloc_free(mem);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_d06_objref_standard_fields),
		cmocka_unit_test(test_d06_response_rebuilt_byte_for_byte),
		cmocka_unit_test(test_e02_enumerator_objref),
		cmocka_unit_test(test_f02_objref_custom_round_trip),
		cmocka_unit_test(test_e04_objref_inside_next_response),
		cmocka_unit_test(test_handler_and_extended_round_trip),
		cmocka_unit_test(test_dsa_empty_is_four_zeros),
		cmocka_unit_test(test_dsa_without_double_nul_refused),
		cmocka_unit_test(test_dsa_offsets_past_the_end),
		cmocka_unit_test(test_dsa_slack_tolerated),
		cmocka_unit_test(test_dsa_utf16),
		cmocka_unit_test(test_dsa_binding_limit),
		cmocka_unit_test(test_dsa_builder_rules),
		cmocka_unit_test(test_dsa_ndr_form),
		cmocka_unit_test(test_objref_bad_signature_and_kind),
		cmocka_unit_test(test_objref_every_truncation),
		cmocka_unit_test(test_extended_rules),
		cmocka_unit_test(test_context_round_trip_and_limits),
		cmocka_unit_test(test_mip_conformance_mismatch),
		cmocka_unit_test(test_objref_under_every_memlimit),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
