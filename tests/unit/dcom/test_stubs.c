/*
 * Unit tests for dcom/stubs and dcom/orpc: the IObjectExporter and
 * IRemUnknown(2) stubs (MS-DCOM 3.1.1.5.6-7, 3.1.2.5.1) and ORPCTHIS /
 * ORPCTHAT with extensions (2.2.13).  Captures: h02/h03 (ComplexPing,
 * impacket-dcom-wmi.md 4.3), d10/d11 (RemRelease, 6.6).  Every other stub
 * is checked by a round trip and, where the layout is worth pinning, by
 * its octets.
 */
#include "util.h"

#include "dcom/orpc.h"
#include "dcom/stubs.h"

/* Pushes with [push_fn] into a fresh cursor; returns the octets. */
#define PUSH(mem, fn, val, out, len)                                  \
	do {                                                          \
		struct ndr_push push_;                                \
		push_on(&push_, (mem));                               \
		assert_int_equal(fn(&push_, (val)), NDR_ERR_SUCCESS); \
		assert_int_equal(ndr_push_blob(&push_, (out), (len)), \
		                 NDR_ERR_SUCCESS);                    \
	} while (0)

/* Pulls [len] octets with [fn] and requires the whole stub consumed. */
#define PULL(mem, fn, p, len, val)                                          \
	do {                                                                \
		struct ndr_pull pull_;                                      \
		pull_on(&pull_, (mem), (p), (len));                         \
		assert_int_equal(fn(&pull_, (val)), NDR_ERR_SUCCESS);       \
		assert_int_equal(ndr_pull_finish(&pull_), NDR_ERR_SUCCESS); \
	} while (0)

/* h02: first ComplexPing, SETID 0, SequenceNum 0, OID 0 deleted. */
static void test_h02_complex_ping_request(void **state)
{
	void *mem = talloc_new(NULL);
	size_t n;
	uint8_t *p = load(mem, "h02", &n);
	struct dcom_complex_ping_req r;
	const uint8_t *b;
	size_t len;
	uint8_t *want;

	(void)state;
	PULL(mem, dcom_complex_ping_req_pull, p, n, &r);
	assert_true(r.setid == 0);
	assert_int_equal(r.seq, 0);
	assert_int_equal(r.n_add, 3);
	assert_int_equal(r.n_del, 3);
	assert_true(r.add[0] == 0x0101010101010101ull);
	assert_true(r.add[1] == 0x0202020202020202ull);
	assert_true(r.add[2] == 0x0303030303030301ull);
	assert_true(r.del[0] == 0x0101010101010101ull);
	assert_true(r.del[1] == 0); /* the class object of `describe` */
	assert_true(r.del[2] == 0x0303030303030301ull);
	/* Re-encoded: impacket's pad (aa aa) and referent ids differ. */
	PUSH(mem, dcom_complex_ping_req_push, &r, &b, &len);
	want = talloc_memdup(mem, p, n);
	put16(want + 0x0e, 0);
	put32(want + 0x10, 0x00020000);
	put32(want + 0x30, 0x00020004);
	assert_int_equal(len, n);
	assert_memory_equal(b, want, n);
	talloc_free(mem);
}

static void test_h03_complex_ping_response_encoded(void **state)
{
	void *mem = talloc_new(NULL);
	size_t n;
	uint8_t *p = load(mem, "h03", &n);
	struct dcom_complex_ping_resp r = { .setid = 7 };
	struct dcom_complex_ping_resp back;
	const uint8_t *b;
	size_t len;

	(void)state;
	PUSH(mem, dcom_complex_ping_resp_push, &r, &b, &len);
	assert_int_equal(len, n);
	assert_memory_equal(b, p, n);
	PULL(mem, dcom_complex_ping_resp_pull, p, n, &back);
	assert_true(back.setid == 7);
	assert_int_equal(back.backoff, 0);
	assert_int_equal(back.status, 0);
	talloc_free(mem);
}

/* A ping with both sets NULL, and a NULL set with a count > 0. */
static void test_complex_ping_null_sets(void **state)
{
	void *mem = talloc_new(NULL);
	struct dcom_complex_ping_req r = { .setid = 5, .seq = 5 };
	struct dcom_complex_ping_req back;
	struct ndr_pull ndr;
	const uint8_t *b;
	size_t len;
	uint8_t *c;

	(void)state;
	PUSH(mem, dcom_complex_ping_req_push, &r, &b, &len);
	assert_int_equal(len, 8 + 6 + 2 + 4 + 4);
	PULL(mem, dcom_complex_ping_req_pull, b, len, &back);
	assert_null(back.add);
	assert_null(back.del);
	c = talloc_memdup(mem, b, len);
	put16(c + 10, 2); /* cAddToSet 2, AddToSet NULL */
	pull_on(&ndr, mem, c, len);
	assert_int_equal(dcom_complex_ping_req_pull(&ndr, &back),
	                 NDR_ERR_NULL_REF);
	talloc_free(mem);
}

/* An empty but non-NULL set: max_count 0 and no alignment pad (each OID
 * aligns itself); found by fuzz_activation. */
static void test_complex_ping_empty_set_has_no_pad(void **state)
{
	void *mem = talloc_new(NULL);
	uint64_t none[1] = { 0 };
	struct dcom_complex_ping_req r = { .setid = 1, .add = none };
	struct dcom_complex_ping_req back;
	const uint8_t *b;
	size_t len;

	(void)state;
	PUSH(mem, dcom_complex_ping_req_push, &r, &b, &len);
	/* SETID, 3 x u16, pad 2, refid, max_count 0, NULL refid */
	assert_int_equal(len, 8 + 6 + 2 + 4 + 4 + 4);
	PULL(mem, dcom_complex_ping_req_pull, b, len, &back);
	assert_non_null(back.add);
	assert_int_equal(back.n_add, 0);
	assert_null(back.del);
	talloc_free(mem);
}

/* Huge counts cost nothing: refused against the octets left. */
static void test_complex_ping_huge_counts(void **state)
{
	void *mem = talloc_new(NULL);
	size_t n;
	uint8_t *c = load(mem, "h02", &n);
	struct dcom_complex_ping_req r;
	struct ndr_pull ndr;

	(void)state;
	put16(c + 10, 0xffff);
	put32(c + 0x14, 0xffff);
	pull_on(&ndr, mem, c, n);
	assert_int_equal(dcom_complex_ping_req_pull(&ndr, &r), NDR_ERR_BUFSIZE);
	c = load(mem, "h02", &n);
	put32(c + 0x14, 2); /* conformance 2, cAddToSet 3 */
	pull_on(&ndr, mem, c, n);
	assert_int_equal(dcom_complex_ping_req_pull(&ndr, &r),
	                 NDR_ERR_ARRAY_SIZE);
	talloc_free(mem);
}

/* d10: RemRelease of IWbemLevel1Login's IPID, one public reference. */
static void test_d10_rem_release_request(void **state)
{
	void *mem = talloc_new(NULL);
	size_t n;
	uint8_t *p = load(mem, "d10", &n);
	struct dcom_rem_refs_req r;
	const uint8_t *b;
	size_t len;
	uint8_t *want;

	(void)state;
	PULL(mem, dcom_rem_refs_req_pull, p, n, &r);
	assert_int_equal(r.orpcthis.version.major, 5);
	assert_int_equal(r.orpcthis.version.minor, 7);
	assert_int_equal(r.orpcthis.flags, 0);
	assert_guid(&r.orpcthis.cid, "066cbee4-9773-7127-976b-6e6c1843743a");
	assert_int_equal(r.n, 1);
	assert_guid(&r.refs[0].ipid, "0000a801-0001-0002-3344-556677889900");
	assert_int_equal(r.refs[0].public_refs, 1);
	assert_int_equal(r.refs[0].private_refs, 0);
	PUSH(mem, dcom_rem_refs_req_push, &r, &b, &len);
	want = talloc_memdup(mem, p, n);
	put16(want + 0x22, 0); /* impacket's pad: ce ce */
	assert_int_equal(len, n);
	assert_memory_equal(b, want, n);
	talloc_free(mem);
}

static void test_d11_rem_release_response_encoded(void **state)
{
	void *mem = talloc_new(NULL);
	size_t n;
	uint8_t *p = load(mem, "d11", &n);
	struct dcom_orpc_hr_resp r = { 0 };
	const uint8_t *b;
	size_t len;

	(void)state;
	PUSH(mem, dcom_orpc_hr_resp_push, &r, &b, &len);
	assert_int_equal(len, n);
	assert_memory_equal(b, p, n);
	PULL(mem, dcom_orpc_hr_resp_pull, p, n, &r);
	assert_int_equal(r.hr, 0);
	talloc_free(mem);
}

/* impacket releases GUID_NULL: decoded as sent (the runtime answers
 * S_OK); an array count the octets cannot hold is refused. */
static void test_rem_release_null_ipid_and_huge_count(void **state)
{
	void *mem = talloc_new(NULL);
	size_t n;
	uint8_t *c = load(mem, "d10", &n);
	struct dcom_rem_refs_req r;
	struct ndr_pull ndr;

	(void)state;
	memset(c + 0x28, 0, 16);
	PULL(mem, dcom_rem_refs_req_pull, c, n, &r);
	assert_true(rpc_uuid_is_nil(&r.refs[0].ipid));
	put16(c + 0x20, 0xffff);
	put32(c + 0x24, 0xffff);
	pull_on(&ndr, mem, c, n);
	assert_int_equal(dcom_rem_refs_req_pull(&ndr, &r), NDR_ERR_BUFSIZE);
	talloc_free(mem);
}

static void test_every_truncation_of_h02_and_d10(void **state)
{
	void *mem = talloc_new(NULL);
	size_t nh;
	size_t nd;
	uint8_t *h = load(mem, "h02", &nh);
	uint8_t *d = load(mem, "d10", &nd);

	(void)state;
	for (size_t len = 0; len < nh; len++) {
		struct dcom_complex_ping_req r;
		struct ndr_pull ndr;

		pull_on(&ndr, mem, h, len);
		assert_int_not_equal(dcom_complex_ping_req_pull(&ndr, &r),
		                     NDR_ERR_SUCCESS);
	}
	for (size_t len = 0; len < nd; len++) {
		struct dcom_rem_refs_req r;
		struct ndr_pull ndr;

		pull_on(&ndr, mem, d, len);
		assert_int_not_equal(dcom_rem_refs_req_pull(&ndr, &r),
		                     NDR_ERR_SUCCESS);
	}
	talloc_free(mem);
}

static void test_resolve_oxid_round_trips(void **state)
{
	void *mem = talloc_new(NULL);
	uint16_t seqs[2] = { 7, 0x1f };
	struct dcom_resolve_oxid_req q = { HARNESS_OXID, 2, seqs };
	struct dcom_resolve_oxid_req qb;
	struct dcom_resolve_oxid_resp r = { 0 };
	struct dcom_resolve_oxid_resp rb;
	struct ndr_push push;
	struct ndr_pull ndr;
	const uint8_t *b;
	size_t len;

	(void)state;
	PUSH(mem, dcom_resolve_oxid_req_push, &q, &b, &len);
	/* hyper, u16, pad 2, max_count, 2 x u16 */
	assert_int_equal(len, 8 + 2 + 2 + 4 + 4);
	PULL(mem, dcom_resolve_oxid_req_pull, b, len, &qb);
	assert_true(qb.oxid == HARNESS_OXID);
	assert_int_equal(qb.n_protseqs, 2);
	assert_int_equal(qb.protseqs[1], 0x1f);

	r.has_bindings = true;
	harness_dsa(mem, &r.bindings);
	r.ipid_rem_unknown = harness_ipid("00009c01");
	r.authn_hint = 6;
	r.version.major = 5;
	r.version.minor = 7;
	for (int v2 = 0; v2 < 2; v2++) {
		push_on(&push, mem);
		assert_int_equal(dcom_resolve_oxid_resp_push(&push, v2, &r),
		                 NDR_ERR_SUCCESS);
		ndr_push_blob(&push, &b, &len);
		/* refid, DSA (4 + 4 + 90, then pad 2), IPID, hint, [ver], st */
		assert_int_equal(len, 4 + 98 + 2 + 16 + 4 + (v2 ? 4 : 0) + 4);
		pull_on(&ndr, mem, b, len);
		assert_int_equal(dcom_resolve_oxid_resp_pull(&ndr, v2, &rb),
		                 NDR_ERR_SUCCESS);
		assert_int_equal(ndr_pull_finish(&ndr), NDR_ERR_SUCCESS);
		assert_harness_dsa(&rb.bindings);
		assert_int_equal(rb.authn_hint, 6);
		assert_int_equal(rb.version.minor, v2 ? 7 : 0);
	}
	/* An unknown OXID: NULL bindings and OR_INVALID_OXID. */
	memset(&r, 0, sizeof(r));
	r.status = DCOM_OR_INVALID_OXID;
	push_on(&push, mem);
	dcom_resolve_oxid_resp_push(&push, true, &r);
	ndr_push_blob(&push, &b, &len);
	assert_int_equal(len, 4 + 16 + 4 + 4 + 4);
	pull_on(&ndr, mem, b, len);
	dcom_resolve_oxid_resp_pull(&ndr, true, &rb);
	assert_false(rb.has_bindings);
	assert_int_equal(rb.status, DCOM_OR_INVALID_OXID);
	talloc_free(mem);
}

static void test_server_alive2_and_simple_ping(void **state)
{
	void *mem = talloc_new(NULL);
	static const char *const hosts[] = { "127.0.0.1", "FAKEWMI" };
	static const uint16_t svcs[] = { DCOM_AUTHN_WINNT };
	struct dcom_server_alive2_resp r = { .version = { 5, 7 },
		                             .has_bindings = true };
	struct dcom_server_alive2_resp rb;
	const uint8_t *b;
	size_t len;
	uint64_t setid = 0;
	uint32_t status = 1;

	(void)state;
	/* Resolver bindings: no endpoints. */
	assert_true(hr_ok(
	        dcom_dsa_build_tcp(mem, hosts, 2, 0, svcs, 1, &r.bindings)));
	PUSH(mem, dcom_server_alive2_resp_push, &r, &b, &len);
	assert_int_equal(b[0], 5);
	assert_int_equal(b[2], 7);
	PULL(mem, dcom_server_alive2_resp_pull, b, len, &rb);
	assert_true(rb.has_bindings);
	assert_string_equal(rb.bindings.str[0].addr, "127.0.0.1");
	assert_string_equal(rb.bindings.str[1].addr, "FAKEWMI");
	assert_int_equal(rb.bindings.sec[0].authn_svc, DCOM_AUTHN_WINNT);
	assert_int_equal(rb.reserved, 0);

	PUSH(mem, dcom_simple_ping_req_push, 0x77, &b, &len);
	assert_int_equal(len, 8);
	PULL(mem, dcom_simple_ping_req_pull, b, len, &setid);
	assert_true(setid == 0x77);
	PUSH(mem, dcom_status_push, DCOM_OR_INVALID_SET, &b, &len);
	PULL(mem, dcom_status_pull, b, len, &status);
	assert_int_equal(status, 0x778);
	talloc_free(mem);
}

/* REMQIRESULT: hResult, 4 pad octets, 8-aligned STDOBJREF = 48 octets. */
static void test_rem_query_interface_round_trip(void **state)
{
	void *mem = talloc_new(NULL);
	struct rpc_uuid iids[2];
	struct dcom_rem_qi_req q = { .refs = 5, .n_iids = 2, .iids = iids };
	struct dcom_rem_qi_req qb;
	struct dcom_remqiresult res[2];
	struct dcom_rem_qi_resp r = { .n = 2, .results = res };
	struct dcom_rem_qi_resp rb;
	const uint8_t *b;
	size_t len;

	(void)state;
	iids[0] = dcom_iid_iunknown;
	iids[1] = guid("1c1c45ee-4395-11d2-b60b-00104b703efd");
	dcom_orpcthis_init(&q.orpcthis, NULL);
	q.ipid = harness_ipid("0000b001");
	PUSH(mem, dcom_rem_qi_req_push, &q, &b, &len);
	assert_int_equal(len, 32 + 16 + 4 + 2 + 2 + 4 + 32);
	PULL(mem, dcom_rem_qi_req_pull, b, len, &qb);
	assert_int_equal(qb.refs, 5);
	assert_int_equal(qb.n_iids, 2);
	assert_true(rpc_uuid_equal(&qb.iids[1], &iids[1]));

	memset(res, 0, sizeof(res));
	res[0].hr = 0;
	res[0].std.public_refs = 5;
	res[0].std.oxid = HARNESS_OXID;
	res[0].std.oid = 3;
	res[0].std.ipid = harness_ipid("0000b002");
	res[1].hr = 0x80004002u; /* E_NOINTERFACE */
	PUSH(mem, dcom_rem_qi_resp_push, &r, &b, &len);
	/* ORPCTHAT 8, refid 4, max_count 4, 2 x 48, HRESULT 4 */
	assert_int_equal(len, 8 + 4 + 4 + 96 + 4);
	assert_int_equal(b[16 + 8 + 4], 5); /* cPublicRefs of result 0 */
	PULL(mem, dcom_rem_qi_resp_pull, b, len, &rb);
	assert_int_equal(rb.n, 2);
	assert_true(rb.results[0].std.oxid == HARNESS_OXID);
	assert_int_equal(rb.results[1].hr, 0x80004002u);
	/* A failed call: NULL results. */
	r.results = NULL;
	r.hr = DCOM_RPC_E_INVALID_OBJECT;
	PUSH(mem, dcom_rem_qi_resp_push, &r, &b, &len);
	assert_int_equal(len, 16);
	PULL(mem, dcom_rem_qi_resp_pull, b, len, &rb);
	assert_null(rb.results);
	assert_int_equal(rb.hr, DCOM_RPC_E_INVALID_OBJECT);
	talloc_free(mem);
}

static void test_rem_add_ref_round_trip(void **state)
{
	void *mem = talloc_new(NULL);
	struct dcom_reminterfaceref refs[2] = {
		{ .public_refs = 2 },
		{ .public_refs = 0, .private_refs = 1 },
	};
	struct dcom_rem_refs_req q = { .n = 2, .refs = refs };
	struct dcom_rem_refs_req qb;
	uint32_t hrs[2] = { 0, 0x80070057u };
	struct dcom_rem_addref_resp r = { .n = 2, .results = hrs };
	struct dcom_rem_addref_resp rb;
	const uint8_t *b;
	size_t len;

	(void)state;
	refs[0].ipid = harness_ipid("0000ac02");
	dcom_orpcthis_init(&q.orpcthis, NULL);
	PUSH(mem, dcom_rem_refs_req_push, &q, &b, &len);
	assert_int_equal(len, 32 + 2 + 2 + 4 + 48);
	PULL(mem, dcom_rem_refs_req_pull, b, len, &qb);
	assert_int_equal(qb.refs[1].private_refs, 1);
	PUSH(mem, dcom_rem_addref_resp_push, &r, &b, &len);
	assert_int_equal(len, 8 + 4 + 8 + 4);
	PULL(mem, dcom_rem_addref_resp_pull, b, len, &rb);
	assert_int_equal(rb.n, 2);
	assert_int_equal(rb.results[1], 0x80070057u);
	talloc_free(mem);
}

static void test_rem_query_interface2_round_trip(void **state)
{
	void *mem = talloc_new(NULL);
	struct rpc_uuid iids[2];
	struct dcom_rem_qi2_req q = { .n_iids = 2, .iids = iids };
	struct dcom_rem_qi2_req qb;
	struct dcom_dsa dsa;
	struct dcom_stdobjref std = { 0, 5, HARNESS_OXID, 4,
		                      harness_ipid("0000b003") };
	struct dcom_objref o;
	struct dcom_objref *mifs[2] = { &o, NULL };
	uint32_t hrs[2] = { 0, 0x80004002u };
	struct dcom_rem_qi2_resp r = { .n = 2, .hrs = hrs, .mifs = mifs };
	struct dcom_rem_qi2_resp rb;
	const uint8_t *b;
	size_t len;

	(void)state;
	iids[0] = guid("1c1c45ee-4395-11d2-b60b-00104b703efd");
	iids[1] = dcom_iid_iunknown;
	dcom_orpcthis_init(&q.orpcthis, NULL);
	PUSH(mem, dcom_rem_qi2_req_push, &q, &b, &len);
	PULL(mem, dcom_rem_qi2_req_pull, b, len, &qb);
	assert_int_equal(qb.n_iids, 2);
	harness_dsa(mem, &dsa);
	dcom_objref_standard(&o, &iids[0], &std, &dsa);
	PUSH(mem, dcom_rem_qi2_resp_push, &r, &b, &len);
	/* ORPCTHAT, phr (4 + 8), ppMIF (4 + 2 refids), MIP 8 + 158, pad,
	 * HRESULT */
	assert_int_equal(len, 8 + 12 + 12 + 8 + 158 + 2 + 4);
	PULL(mem, dcom_rem_qi2_resp_pull, b, len, &rb);
	assert_int_equal(rb.n, 2);
	assert_non_null(rb.mifs[0]);
	assert_null(rb.mifs[1]);
	assert_true(rb.mifs[0]->std.oid == 4);
	assert_harness_dsa(&rb.mifs[0]->res_addr);
	assert_int_equal(rb.hrs[1], 0x80004002u);
	talloc_free(mem);
}

/* 2.2.13: ORPCTHIS with two extents (one NULL slot of padding). */
static void test_orpcthis_extensions(void **state)
{
	void *mem = talloc_new(NULL);
	uint8_t d1[3] = { 0xaa, 0xbb, 0xcc };
	struct dcom_orpc_extent ext[1] = { { .size = 3, .data = d1 } };
	struct dcom_orpcthis t;
	struct dcom_orpcthis tb;
	struct dcom_orpcthat th = { .flags = 0 };
	struct dcom_orpcthat thb;
	struct ndr_pull ndr;
	const uint8_t *b;
	uint8_t *c;
	size_t len;

	(void)state;
	ext[0].id = dcom_clsid_error_extension;
	dcom_orpcthis_init(&t, NULL);
	t.has_extensions = true;
	t.n_ext = 1;
	t.ext = ext;
	PUSH(mem, dcom_orpcthis_push, &t, &b, &len);
	/* 32, array hdr 12, max_count 4 + 2 refids 8, extent 4+16+4+8 */
	assert_int_equal(len, 32 + 12 + 12 + 32);
	assert_int_equal(b[32], 1); /* size */
	assert_int_equal(b[44], 2); /* conformance (1+1)&~1 */
	assert_int_equal(b[52], 0); /* second slot NULL */
	assert_int_equal(b[56], 8); /* extent conformance */
	PULL(mem, dcom_orpcthis_pull, b, len, &tb);
	assert_true(tb.has_extensions);
	assert_int_equal(tb.n_ext, 1);
	assert_int_equal(tb.ext[0].size, 3);
	assert_memory_equal(tb.ext[0].data, d1, 3);
	assert_true(rpc_uuid_equal(&tb.ext[0].id, &dcom_clsid_error_extension));
	c = talloc_memdup(mem, b, len);
	c[44] = 4; /* conformance not (size+1)&~1 */
	pull_on(&ndr, mem, c, len);
	assert_int_equal(dcom_orpcthis_pull(&ndr, &tb), NDR_ERR_ARRAY_SIZE);
	c = talloc_memdup(mem, b, len);
	c[56] = 16; /* extent conformance not (size+7)&~7 */
	pull_on(&ndr, mem, c, len);
	assert_int_equal(dcom_orpcthis_pull(&ndr, &tb), NDR_ERR_ARRAY_SIZE);
	c = talloc_memdup(mem, b, len);
	put32(c + 32, DCOM_MAX_EXTENTS + 1);
	pull_on(&ndr, mem, c, len);
	assert_int_equal(dcom_orpcthis_pull(&ndr, &tb), NDR_ERR_LIMIT);

	th.has_extensions = true;
	th.n_ext = 1;
	th.ext = ext;
	PUSH(mem, dcom_orpcthat_push, &th, &b, &len);
	assert_int_equal(len, 8 + 12 + 12 + 32);
	PULL(mem, dcom_orpcthat_pull, b, len, &thb);
	assert_int_equal(thb.n_ext, 1);
	/* An extension array pointer whose extent pointer is NULL. */
	th.n_ext = 0;
	PUSH(mem, dcom_orpcthat_push, &th, &b, &len);
	assert_int_equal(len, 8 + 12);
	PULL(mem, dcom_orpcthat_pull, b, len, &thb);
	assert_true(thb.has_extensions);
	assert_int_equal(thb.n_ext, 0);
	talloc_free(mem);
}

/* Allocation failure while decoding h02 and d10. */
static void test_stubs_under_every_memlimit(void **state)
{
	void *mem = talloc_new(NULL);
	size_t nh;
	size_t nd;
	uint8_t *h = load(mem, "h02", &nh);
	uint8_t *d = load(mem, "d10", &nd);
	bool h_ok = false;
	bool d_ok = false;

	(void)state;
	for (size_t limit = 16; limit < 4096; limit += 8) {
		void *call = talloc_new(mem);
		struct ndr_limits lim;
		struct ndr_pull ndr;
		struct dcom_complex_ping_req ping;
		struct dcom_rem_refs_req rel;
		enum ndr_err err;

		ndr_limits_default(&lim);
		lim.max_alloc = limit;
		ndr_pull_init(&ndr, call, h, nh, 0, &lim);
		err = dcom_complex_ping_req_pull(&ndr, &ping);
		assert_true(err == NDR_ERR_SUCCESS || err == NDR_ERR_ALLOC);
		h_ok |= err == NDR_ERR_SUCCESS;
		ndr_pull_init(&ndr, call, d, nd, 0, &lim);
		err = dcom_rem_refs_req_pull(&ndr, &rel);
		assert_true(err == NDR_ERR_SUCCESS || err == NDR_ERR_ALLOC);
		d_ok |= err == NDR_ERR_SUCCESS;
		talloc_free(call);
	}
	assert_true(h_ok && d_ok);
	talloc_free(mem);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_h02_complex_ping_request),
		cmocka_unit_test(test_h03_complex_ping_response_encoded),
		cmocka_unit_test(test_complex_ping_null_sets),
		cmocka_unit_test(test_complex_ping_empty_set_has_no_pad),
		cmocka_unit_test(test_complex_ping_huge_counts),
		cmocka_unit_test(test_d10_rem_release_request),
		cmocka_unit_test(test_d11_rem_release_response_encoded),
		cmocka_unit_test(test_rem_release_null_ipid_and_huge_count),
		cmocka_unit_test(test_every_truncation_of_h02_and_d10),
		cmocka_unit_test(test_resolve_oxid_round_trips),
		cmocka_unit_test(test_server_alive2_and_simple_ping),
		cmocka_unit_test(test_rem_query_interface_round_trip),
		cmocka_unit_test(test_rem_add_ref_round_trip),
		cmocka_unit_test(test_rem_query_interface2_round_trip),
		cmocka_unit_test(test_orpcthis_extensions),
		cmocka_unit_test(test_stubs_under_every_memlimit),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
