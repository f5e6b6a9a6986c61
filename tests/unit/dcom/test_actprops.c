/*
 * Unit tests for dcom/actprops and the IRemoteSCMActivator stubs: the
 * activation properties BLOB (MS-DCOM 2.2.22, MS-RPCE 2.2.6).
 *
 * - c05/c06 (impacket's RemoteCreateInstance) decoded and checked against
 *   impacket-dcom-wmi.md 4.2.1;
 * - c07/c08 (the harness's ActivationPropertiesOut and response stub)
 *   rebuilt from the harness's values (captures/README.md: OXID
 *   0x1122334455667788, IPIDs 00009c01-/0000a801-...) and compared octet
 *   for octet, except the two fields where the harness departs from
 *   MS-RPCE 2.2.6.2 and we follow the spec: ObjectBufferLength includes
 *   the padding and the private header's filler is 0;
 * - round trips of every property, hostile BLOBs (sizes that lie, counts
 *   out of range, NULL pointers, truncations) and allocation failures.
 */
#include "util.h"

#include "dcom/actprops.h"
#include "dcom/stubs.h"

#define CLSID_WBEMLEVEL1LOGIN "8bc3f05e-d86b-11d0-a075-00c04fb68820"
#define IID_IWBEMLEVEL1LOGIN  "f309ad18-d86a-11d0-a075-00c04fb68820"

/* The fields impacket-dcom-wmi.md 4.2.1 documents for c06. */
static void assert_c06_fields(const struct dcom_actprops *p)
{
	assert_int_equal(p->dest_ctx, 2);
	assert_int_equal(
	        p->present,
	        DCOM_ACTPROP_BIT(DCOM_ACTPROP_INSTANTIATION) |
	                DCOM_ACTPROP_BIT(DCOM_ACTPROP_ACTIVATION_CONTEXT) |
	                DCOM_ACTPROP_BIT(DCOM_ACTPROP_LOCATION) |
	                DCOM_ACTPROP_BIT(DCOM_ACTPROP_SCM_REQUEST));
	assert_int_equal(p->n_order, 4);
	assert_int_equal(p->order[0], DCOM_ACTPROP_INSTANTIATION);
	assert_int_equal(p->order[1], DCOM_ACTPROP_ACTIVATION_CONTEXT);
	assert_int_equal(p->order[2], DCOM_ACTPROP_LOCATION);
	assert_int_equal(p->order[3], DCOM_ACTPROP_SCM_REQUEST);
	assert_guid(&p->inst.clsid, CLSID_WBEMLEVEL1LOGIN);
	assert_int_equal(p->inst.class_ctx, 0);
	assert_int_equal(p->inst.actvflags, 0);
	assert_int_equal(p->inst.n_iids, 1);
	assert_guid(&p->inst.iids[0], IID_IWBEMLEVEL1LOGIN);
	assert_int_equal(p->inst.this_size, 0); /* impacket quirk */
	assert_int_equal(p->inst.client_version.major, 5);
	assert_int_equal(p->inst.client_version.minor, 7);
	assert_null(p->ctx.client_ctx); /* impacket quirk: NULL */
	assert_null(p->ctx.prototype_ctx);
	assert_null(p->location.machine_name);
	assert_int_equal(p->location.process_id, 0);
	assert_int_equal(p->scm_request.client_imp_level, 0);
	assert_int_equal(p->scm_request.n_protseqs, 1);
	assert_int_equal(p->scm_request.protseqs[0], DCOM_TOWER_NCACN_IP_TCP);
	assert_int_equal(p->n_unknown, 0);
}

static void test_c06_activation_properties_in(void **state)
{
	void *mem = talloc_new(NULL);
	size_t n;
	uint8_t *p = load(mem, "c06", &n);
	struct ndr_pull ndr;
	struct dcom_actprops props;

	(void)state;
	pull_on(&ndr, mem, p, n);
	assert_int_equal(dcom_actprops_in_pull(&ndr, n, &props),
	                 NDR_ERR_SUCCESS);
	assert_int_equal(ndr_pull_finish(&ndr), NDR_ERR_SUCCESS);
	assert_c06_fields(&props);
	talloc_free(mem);
}

static void test_c05_remote_create_instance_request(void **state)
{
	void *mem = talloc_new(NULL);
	size_t n;
	uint8_t *p = load(mem, "c05", &n);
	struct ndr_pull ndr;
	struct dcom_create_instance_req req;

	(void)state;
	pull_on(&ndr, mem, p, n);
	assert_int_equal(dcom_create_instance_req_pull(&ndr, &req),
	                 NDR_ERR_SUCCESS);
	assert_int_equal(ndr_pull_finish(&ndr), NDR_ERR_SUCCESS);
	assert_int_equal(req.orpcthis.version.major, 5);
	assert_int_equal(req.orpcthis.version.minor, 7);
	assert_int_equal(req.orpcthis.flags, 1); /* impacket: ignore */
	assert_int_equal(req.orpcthis.reserved1, 0);
	assert_guid(&req.orpcthis.cid, "066cbee4-9773-7127-976b-6e6c1843743a");
	assert_false(req.orpcthis.has_extensions);
	assert_null(req.unk_outer);
	assert_non_null(req.props);
	assert_c06_fields(req.props);
	talloc_free(mem);
}

/* The harness's successful activation reply, built with our API. */
static void harness_reply(void *mem, struct dcom_actprops *out)
{
	struct dcom_dsa *dsa = talloc_zero(mem, struct dcom_dsa);
	struct dcom_objref *login = talloc_zero(mem, struct dcom_objref);
	struct dcom_objref **ifaces = talloc_array(mem, struct dcom_objref *,
	                                           1);
	struct rpc_uuid *iids = talloc_array(mem, struct rpc_uuid, 1);
	uint32_t *hrs = talloc_zero_array(mem, uint32_t, 1);
	struct rpc_uuid rem_unknown = harness_ipid("00009c01");
	struct dcom_stdobjref std = {
		.flags = 0,
		.public_refs = 5,
		.oxid = HARNESS_OXID,
		.oid = 0x0101010101010101ull,
		.ipid = harness_ipid("0000a801"),
	};

	harness_dsa(mem, dsa);
	iids[0] = guid(IID_IWBEMLEVEL1LOGIN);
	dcom_objref_standard(login, &iids[0], &std, dsa);
	ifaces[0] = login;
	dcom_actprops_out_init(out, 1, iids, hrs, ifaces, HARNESS_OXID, dsa,
	                       &rem_unknown, 2);
}

/*
 * The harness wrote ObjectBufferLength without padding and 0xcccccccc
 * fillers; MS-RPCE 2.2.6.2 wants the padded length and 0.  Returns a copy
 * of c07 (at [at] inside [p]) with those fields as the spec has them.
 */
static uint8_t *c07_as_spec(void *mem, const uint8_t *p, size_t n, size_t at)
{
	uint8_t *c = talloc_memdup(mem, p, n);

	put32(c + at + 0x44, 0); /* CustomHeader filler; length 0x60 */
	assert_int_equal(c[at + 0xb0], 0xda);
	put32(c + at + 0xb0, 0xe0); /* PropsOutInfo: 218 -> 224 */
	put32(c + at + 0xb4, 0);
	assert_int_equal(c[at + 0x1a0], 0x8e);
	put32(c + at + 0x1a0, 0x90); /* ScmReplyInfoData: 142 -> 144 */
	put32(c + at + 0x1a4, 0);
	return c;
}

static void test_c07_activation_properties_out_encoded(void **state)
{
	void *mem = talloc_new(NULL);
	size_t n;
	uint8_t *p = load(mem, "c07", &n);
	uint8_t *want = c07_as_spec(mem, p, n, 0);
	struct dcom_actprops out;
	struct ndr_push push;
	const uint8_t *b;
	size_t len;

	(void)state;
	harness_reply(mem, &out);
	push_on(&push, mem);
	assert_int_equal(dcom_actprops_out_push(&push, &out), NDR_ERR_SUCCESS);
	ndr_push_blob(&push, &b, &len);
	assert_int_equal(len, n);
	assert_memory_equal(b, want, n);
	talloc_free(mem);
}

static void test_c08_response_stub_encoded(void **state)
{
	void *mem = talloc_new(NULL);
	size_t n;
	uint8_t *p = load(mem, "c08", &n);
	uint8_t *want = c07_as_spec(mem, p, n, 0x14);
	struct dcom_actprops out;
	struct dcom_activation_resp resp = { .props = &out, .hr = 0 };
	struct ndr_push push;
	const uint8_t *b;
	size_t len;

	(void)state;
	harness_reply(mem, &out);
	push_on(&push, mem);
	assert_int_equal(dcom_activation_resp_push(&push, &resp),
	                 NDR_ERR_SUCCESS);
	ndr_push_blob(&push, &b, &len);
	assert_int_equal(len, n);
	assert_memory_equal(b, want, n);
	talloc_free(mem);
}

static void assert_harness_reply(const struct dcom_actprops *a)
{
	const struct dcom_objref *o;

	assert_int_equal(a->n_order, 2);
	assert_int_equal(a->order[0], DCOM_ACTPROP_PROPS_OUT);
	assert_int_equal(a->order[1], DCOM_ACTPROP_SCM_REPLY);
	assert_int_equal(a->props_out.n, 1);
	assert_guid(&a->props_out.iids[0], IID_IWBEMLEVEL1LOGIN);
	assert_int_equal(a->props_out.hresults[0], 0);
	o = a->props_out.ifaces[0];
	assert_non_null(o);
	assert_int_equal(o->kind, DCOM_OBJREF_STANDARD);
	assert_true(o->std.oxid == HARNESS_OXID);
	assert_true(o->std.oid == 0x0101010101010101ull);
	assert_guid(&o->std.ipid, "0000a801-0001-0002-3344-556677889900");
	assert_harness_dsa(&o->res_addr);
	assert_true(a->scm_reply.oxid == HARNESS_OXID);
	assert_true(a->scm_reply.has_bindings);
	assert_harness_dsa(&a->scm_reply.oxid_bindings);
	assert_guid(&a->scm_reply.ipid_rem_unknown,
	            "00009c01-0001-0002-3344-556677889900");
	assert_int_equal(a->scm_reply.authn_hint, 2);
	assert_int_equal(a->scm_reply.server_version.major, 5);
	assert_int_equal(a->scm_reply.server_version.minor, 7);
}

/* Our decoder reads the harness's octets (unpadded lengths, 0xcc). */
static void test_c08_decoded(void **state)
{
	void *mem = talloc_new(NULL);
	size_t n;
	uint8_t *p = load(mem, "c08", &n);
	struct ndr_pull ndr;
	struct dcom_activation_resp resp;

	(void)state;
	pull_on(&ndr, mem, p, n);
	assert_int_equal(dcom_activation_resp_pull(&ndr, &resp),
	                 NDR_ERR_SUCCESS);
	assert_int_equal(ndr_pull_finish(&ndr), NDR_ERR_SUCCESS);
	assert_int_equal(resp.hr, 0);
	assert_non_null(resp.props);
	assert_harness_reply(resp.props);
	talloc_free(mem);
}

/* Re-pushing c06 in its own order gives impacket's layout (same length)
 * and decodes to the same values. */
static void test_c06_round_trip(void **state)
{
	void *mem = talloc_new(NULL);
	size_t n;
	uint8_t *p = load(mem, "c06", &n);
	struct ndr_pull ndr;
	struct ndr_push push;
	struct dcom_actprops a;
	struct dcom_actprops b;
	const uint8_t *out;
	size_t len;

	(void)state;
	pull_on(&ndr, mem, p, n);
	assert_int_equal(dcom_actprops_in_pull(&ndr, n, &a), NDR_ERR_SUCCESS);
	push_on(&push, mem);
	assert_int_equal(dcom_actprops_in_push(&push, &a), NDR_ERR_SUCCESS);
	ndr_push_blob(&push, &out, &len);
	assert_int_equal(len, n);
	/* Same sizes: dwSize, headerSize and every pSizes entry. */
	assert_memory_equal(out + 0x30, p + 0x30, 4);
	assert_memory_equal(out + 0x4c, p + 0x4c, 4);
	assert_memory_equal(out + 0xc0, p + 0xc0, 16);
	pull_on(&ndr, mem, out, len);
	assert_int_equal(dcom_actprops_in_pull(&ndr, len, &b), NDR_ERR_SUCCESS);
	assert_c06_fields(&b);
	talloc_free(mem);
}

/* Every property we know, plus one we do not, through push and pull. */
static void test_all_properties_round_trip(void **state)
{
	void *mem = talloc_new(NULL);
	struct dcom_actprops a;
	struct dcom_actprops b;
	struct dcom_objref ctx_objref;
	uint8_t ctx_data[8] = { 1, 0, 1, 0, 9, 9, 9, 9 };
	uint8_t unknown[24] = { 1, 0x10, 8, 0, 0xcc, 0xcc, 0xcc, 0xcc, 8 };
	struct dcom_actprop_raw raw = { .data = unknown, .n = 24 };
	struct rpc_uuid iids[2];
	uint16_t seqs[2] = { 7, 0x1f };
	struct ndr_push push;
	struct ndr_pull ndr;
	const uint8_t *out;
	size_t len;

	(void)state;
	memset(&a, 0, sizeof(a));
	memset(&ctx_objref, 0, sizeof(ctx_objref));
	ctx_objref.kind = DCOM_OBJREF_CUSTOM;
	ctx_objref.iid = dcom_iid_icontext;
	ctx_objref.clsid = dcom_clsid_context_marshaler;
	ctx_objref.data = ctx_data;
	ctx_objref.n_data = sizeof(ctx_data);
	iids[0] = guid(IID_IWBEMLEVEL1LOGIN);
	iids[1] = dcom_iid_iunknown;
	raw.clsid = guid("01234567-89ab-cdef-0123-456789abcdef");
	a.present = 0x7f; /* the seven In properties */
	a.dest_ctx = 2;
	a.special.session_id = 0xffffffffu;
	a.special.default_authn_lvl = 6;
	a.special.reserved2 = 0x0102030405060708ull;
	a.special.reserved3[4] = 44;
	a.special.guid_partition = guid("11111111-2222-3333-4444-555555555555");
	a.inst.clsid = guid(CLSID_WBEMLEVEL1LOGIN);
	a.inst.n_iids = 2;
	a.inst.iids = iids;
	a.inst.this_size = 88;
	a.inst.client_version.major = 5;
	a.inst.client_version.minor = 7;
	a.ctx.client_ok = 1;
	a.ctx.client_ctx = &ctx_objref;
	a.security.authn_flags = 3;
	a.security.has_server_info = true;
	a.security.server_name = "fakewmi.local";
	a.location.machine_name = "CLIENT";
	a.location.process_id = 4242;
	a.scm_request.client_imp_level = 2;
	a.scm_request.n_protseqs = 2;
	a.scm_request.protseqs = seqs;
	a.instance.file_name = "C:\\x.doc";
	a.instance.mode = 3;
	a.instance.ifd_stg = &ctx_objref;
	a.n_unknown = 1;
	a.unknown = &raw;
	a.n_order = 8;
	for (int i = 0; i < 7; i++) {
		a.order[i] = (enum dcom_actprop)i;
	}
	a.order[7] = DCOM_ACTPROP_UNKNOWN;

	push_on(&push, mem);
	assert_int_equal(dcom_actprops_in_push(&push, &a), NDR_ERR_SUCCESS);
	ndr_push_blob(&push, &out, &len);
	pull_on(&ndr, mem, out, len);
	assert_int_equal(dcom_actprops_in_pull(&ndr, len, &b), NDR_ERR_SUCCESS);
	assert_int_equal(ndr_pull_finish(&ndr), NDR_ERR_SUCCESS);
	assert_int_equal(b.present, 0x7f);
	assert_int_equal(b.n_order, 8);
	assert_memory_equal(&b.special, &a.special, sizeof(a.special));
	assert_int_equal(b.inst.n_iids, 2);
	assert_true(rpc_uuid_equal(&b.inst.iids[1], &dcom_iid_iunknown));
	assert_int_equal(b.inst.this_size, 88);
	assert_int_equal(b.ctx.client_ok, 1);
	assert_non_null(b.ctx.client_ctx);
	assert_int_equal(b.ctx.client_ctx->n_data, sizeof(ctx_data));
	assert_null(b.ctx.prototype_ctx);
	assert_true(b.security.has_server_info);
	assert_string_equal(b.security.server_name, "fakewmi.local");
	assert_string_equal(b.location.machine_name, "CLIENT");
	assert_int_equal(b.location.process_id, 4242);
	assert_int_equal(b.scm_request.n_protseqs, 2);
	assert_int_equal(b.scm_request.protseqs[1], 0x1f);
	assert_string_equal(b.instance.file_name, "C:\\x.doc");
	assert_null(b.instance.ifd_rot);
	assert_non_null(b.instance.ifd_stg);
	assert_int_equal(b.n_unknown, 1);
	assert_int_equal(b.unknown[0].n, 24);
	assert_memory_equal(b.unknown[0].data, unknown, 24);
	assert_true(rpc_uuid_equal(&b.unknown[0].clsid, &raw.clsid));
	assert_int_equal(b.order[7], DCOM_ACTPROP_UNKNOWN);

	/* Without an order, the default order and no unknowns. */
	a.n_order = 0;
	push_on(&push, mem);
	assert_int_equal(dcom_actprops_in_push(&push, &a), NDR_ERR_SUCCESS);
	ndr_push_blob(&push, &out, &len);
	pull_on(&ndr, mem, out, len);
	assert_int_equal(dcom_actprops_in_pull(&ndr, len, &b), NDR_ERR_SUCCESS);
	assert_int_equal(b.n_order, 7);
	assert_int_equal(b.order[0], DCOM_ACTPROP_SPECIAL);
	assert_int_equal(b.order[6], DCOM_ACTPROP_INSTANCE);
	/* Nothing to send is refused. */
	a.present = 0;
	push_on(&push, mem);
	assert_int_equal(dcom_actprops_in_push(&push, &a), NDR_ERR_RANGE);
	talloc_free(mem);
}

/* Pulls a mutated copy of c06; returns the error and its position. */
static enum ndr_err pull_c06_mutant(void *mem,
                                    const uint8_t *c,
                                    size_t n,
                                    struct dcom_actprops *out,
                                    const char **what)
{
	struct ndr_pull ndr;

	pull_on(&ndr, mem, c, n);
	dcom_actprops_in_pull(&ndr, n, out);
	if (ndr.err != NDR_ERR_SUCCESS) {
		assert_true(ndr.err_pos <= n);
	}
	if (what != NULL) {
		*what = ndr.err_what;
	}
	return ndr.err;
}

static enum ndr_err c06_with_u32(void *mem, size_t at, uint32_t v)
{
	size_t n;
	uint8_t *c = load(mem, "c06", &n);
	struct dcom_actprops out;

	put32(c + at, v);
	return pull_c06_mutant(mem, c, n, &out, NULL);
}

/* Offsets in c06 (impacket-dcom-wmi.md 4.2.1): */
#define C06_CLSID     0x18 /* OBJREF_CUSTOM clsid */
#define C06_DWSIZE    0x30
#define C06_TOTAL     0x48 /* CustomHeader body */
#define C06_HDRSIZE   0x4c
#define C06_CIFS      0x58
#define C06_PCLSID    0x6c
#define C06_CLSIDS    0x7c /* 4 CLSIDs */
#define C06_SIZES     0xc0 /* 4 sizes: 0x58 0x28 0x20 0x30 */
#define C06_INST_LEN  0xd8 /* InstantiationInfo private header */
#define C06_INST_CIID 0xfc
#define C06_INST_PIID 0x104
#define C06_SCM_NSEQ  0x18c

static void test_counts_out_of_range(void **state)
{
	void *mem = talloc_new(NULL);

	(void)state;
	assert_int_equal(c06_with_u32(mem, C06_CIFS, 0), NDR_ERR_RANGE);
	assert_int_equal(c06_with_u32(mem, C06_CIFS, 11), NDR_ERR_RANGE);
	assert_int_equal(c06_with_u32(mem, C06_CIFS, 0xffffffffu),
	                 NDR_ERR_RANGE);
	assert_int_equal(c06_with_u32(mem, C06_INST_CIID, 0), NDR_ERR_RANGE);
	assert_int_equal(c06_with_u32(mem, C06_INST_CIID, 0x8001),
	                 NDR_ERR_RANGE);
	assert_int_equal(c06_with_u32(mem, C06_INST_CIID, 2),
	                 NDR_ERR_ARRAY_SIZE); /* conformance 1 */
	assert_int_equal(c06_with_u32(mem, C06_SCM_NSEQ, 0x8001),
	                 NDR_ERR_RANGE);
	talloc_free(mem);
}

static void test_sizes_that_lie(void **state)
{
	void *mem = talloc_new(NULL);
	size_t n;
	uint8_t *c;
	struct dcom_actprops out;

	(void)state;
	/* dwSize past the OBJREF. */
	assert_int_equal(c06_with_u32(mem, C06_DWSIZE, 0x1000),
	                 NDR_ERR_BUFSIZE);
	/* A property size past dwSize. */
	assert_int_equal(c06_with_u32(mem, C06_SIZES, 0x1000), NDR_ERR_BUFSIZE);
	assert_int_equal(c06_with_u32(mem, C06_SIZES + 12, 0x38),
	                 NDR_ERR_BUFSIZE);
	/* A property smaller than its own headers. */
	assert_int_equal(c06_with_u32(mem, C06_SIZES, 8), NDR_ERR_RANGE);
	/* headerSize past dwSize, totalSize that is not the sum. */
	assert_int_equal(c06_with_u32(mem, C06_HDRSIZE, 0x1000),
	                 NDR_ERR_BUFSIZE);
	assert_int_equal(c06_with_u32(mem, C06_HDRSIZE, 8), NDR_ERR_BUFSIZE);
	assert_int_equal(c06_with_u32(mem, C06_TOTAL, 0x169), NDR_ERR_RANGE);
	/* Same total, but the first property is said to be 0x50 long: its
	 * ObjectBufferLength (0x44) no longer fits. */
	c = load(mem, "c06", &n);
	put32(c + C06_SIZES, 0x50);
	put32(c + C06_SIZES + 4, 0x30);
	assert_int_equal(pull_c06_mutant(mem, c, n, &out, NULL),
	                 NDR_ERR_BUFSIZE);
	/* An ObjectBufferLength shorter than the body. */
	assert_int_equal(c06_with_u32(mem, C06_INST_LEN, 0x10),
	                 NDR_ERR_BUFSIZE);
	/* ... and one past the property. */
	assert_int_equal(c06_with_u32(mem, C06_INST_LEN, 0x49),
	                 NDR_ERR_BUFSIZE);
	talloc_free(mem);
}

static void test_null_pointers_and_classes(void **state)
{
	void *mem = talloc_new(NULL);
	size_t n;
	uint8_t *c;
	struct dcom_actprops out;
	const char *what = NULL;

	(void)state;
	assert_int_equal(c06_with_u32(mem, C06_INST_PIID, 0), NDR_ERR_NULL_REF);
	assert_int_equal(c06_with_u32(mem, C06_PCLSID, 0), NDR_ERR_NULL_REF);
	/* Not CLSID_ActivationPropertiesIn. */
	assert_int_equal(c06_with_u32(mem, C06_CLSID, 0x339), NDR_ERR_RANGE);
	/* A known property twice. */
	c = load(mem, "c06", &n);
	put32(c + C06_CLSIDS + 16, 0x1ab);
	assert_int_equal(pull_c06_mutant(mem, c, n, &out, &what),
	                 NDR_ERR_RANGE);
	assert_non_null(strstr(what, "repeated"));
	/* An unknown property is kept, the others still decode. */
	c = load(mem, "c06", &n);
	put32(c + C06_CLSIDS + 32, 0x12345);
	assert_int_equal(pull_c06_mutant(mem, c, n, &out, NULL),
	                 NDR_ERR_SUCCESS);
	assert_int_equal(out.n_unknown, 1);
	assert_int_equal(out.unknown[0].n, 0x20);
	assert_int_equal(out.order[2], DCOM_ACTPROP_UNKNOWN);
	assert_false(out.present & DCOM_ACTPROP_BIT(DCOM_ACTPROP_LOCATION));
	assert_int_equal(out.scm_request.protseqs[0], 7);
	/* A bad serialization header. */
	c = load(mem, "c06", &n);
	c[C06_INST_LEN - 8] = 2;
	assert_int_equal(pull_c06_mutant(mem, c, n, &out, NULL), NDR_ERR_RANGE);
	talloc_free(mem);
}

static void test_every_truncation_of_c05(void **state)
{
	void *mem = talloc_new(NULL);
	size_t n;
	uint8_t *p = load(mem, "c05", &n);

	(void)state;
	for (size_t len = 0; len < n; len++) {
		void *call = talloc_new(mem);
		struct ndr_pull ndr;
		struct dcom_create_instance_req req;
		enum ndr_err err;

		pull_on(&ndr, call, p, len);
		err = dcom_create_instance_req_pull(&ndr, &req);
		if (err == NDR_ERR_SUCCESS) {
			err = ndr_pull_finish(&ndr);
		}
		assert_int_not_equal(err, NDR_ERR_SUCCESS);
		assert_true(ndr.err_pos <= len);
		talloc_free(call);
	}
	talloc_free(mem);
}

/* Bytes after dwSize inside the OBJREF are slack (lenient on receipt). */
static void test_trailing_octets_after_blob(void **state)
{
	void *mem = talloc_new(NULL);
	size_t n;
	uint8_t *p = load(mem, "c06", &n);
	uint8_t *c = talloc_zero_array(mem, uint8_t, n + 8);
	struct dcom_actprops out;

	(void)state;
	memcpy(c, p, n);
	assert_int_equal(pull_c06_mutant(mem, c, n + 8, &out, NULL),
	                 NDR_ERR_SUCCESS);
	assert_c06_fields(&out);
	talloc_free(mem);
}

/* Allocation failure while decoding c05 and while encoding c08. */
static void test_under_every_memlimit(void **state)
{
	void *mem = talloc_new(NULL);
	size_t n;
	uint8_t *p = load(mem, "c05", &n);
	size_t ok_from = 0;
	size_t failures = 0;

	(void)state;
	for (size_t limit = 16; limit < 65536 && ok_from == 0; limit += 32) {
		void *call = talloc_new(mem);
		struct ndr_limits lim;
		struct ndr_pull ndr;
		struct dcom_create_instance_req req;
		enum ndr_err err;

		ndr_limits_default(&lim);
		lim.max_alloc = limit;
		assert_int_equal(ndr_pull_init(&ndr, call, p, n, 0, &lim),
		                 NDR_ERR_SUCCESS);
		err = dcom_create_instance_req_pull(&ndr, &req);
		assert_true(err == NDR_ERR_SUCCESS || err == NDR_ERR_ALLOC);
		if (err == NDR_ERR_SUCCESS) {
			ok_from = limit;
			assert_c06_fields(req.props);
		} else {
			failures++;
		}
		talloc_free(call);
	}
	assert_true(ok_from > 0);
	assert_true(failures > 10);

	ok_from = 0;
	failures = 0;
	for (size_t limit = 16; limit < 65536 && ok_from == 0; limit += 32) {
		void *call = limited_ctx(mem, limit);
		struct dcom_actprops out;
		struct dcom_activation_resp resp = { .props = &out };
		struct ndr_push push;
		enum ndr_err err;

		harness_reply(mem, &out);
		err = ndr_push_init(&push, call, 0, NULL);
		if (err == NDR_ERR_SUCCESS) {
			err = dcom_activation_resp_push(&push, &resp);
			ndr_push_release(&push);
		}
		assert_true(err == NDR_ERR_SUCCESS || err == NDR_ERR_ALLOC);
		if (err == NDR_ERR_SUCCESS) {
			ok_from = limit;
		} else {
			failures++;
		}
		talloc_free(call);
	}
	assert_true(ok_from > 0);
	assert_true(failures > 10);
	talloc_free(mem);
}

/* RemoteGetClassObject and a failed activation (NULL properties). */
static void test_get_class_object_and_failure_reply(void **state)
{
	void *mem = talloc_new(NULL);
	size_t n;
	uint8_t *p = load(mem, "c05", &n);
	struct ndr_pull ndr;
	struct ndr_push push;
	struct dcom_create_instance_req ci;
	struct dcom_get_class_object_req gco;
	struct dcom_get_class_object_req back;
	struct dcom_activation_resp fail = { .hr = 0x80040154u };
	struct dcom_activation_resp fail_back;
	const uint8_t *b;
	size_t len;
	static const uint8_t want_fail[] = {
		0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0x54, 0x01, 0x04, 0x80
	};

	(void)state;
	pull_on(&ndr, mem, p, n);
	assert_int_equal(dcom_create_instance_req_pull(&ndr, &ci),
	                 NDR_ERR_SUCCESS);
	gco.orpcthis = ci.orpcthis;
	gco.props = ci.props;
	push_on(&push, mem);
	assert_int_equal(dcom_get_class_object_req_push(&push, &gco),
	                 NDR_ERR_SUCCESS);
	ndr_push_blob(&push, &b, &len);
	assert_int_equal(len, n - 4); /* no pUnkOuter */
	pull_on(&ndr, mem, b, len);
	assert_int_equal(dcom_get_class_object_req_pull(&ndr, &back),
	                 NDR_ERR_SUCCESS);
	assert_int_equal(ndr_pull_finish(&ndr), NDR_ERR_SUCCESS);
	assert_c06_fields(back.props);

	push_on(&push, mem);
	assert_int_equal(dcom_activation_resp_push(&push, &fail),
	                 NDR_ERR_SUCCESS);
	ndr_push_blob(&push, &b, &len);
	assert_int_equal(len, sizeof(want_fail));
	assert_memory_equal(b, want_fail, len);
	pull_on(&ndr, mem, b, len);
	assert_int_equal(dcom_activation_resp_pull(&ndr, &fail_back),
	                 NDR_ERR_SUCCESS);
	assert_null(fail_back.props);
	assert_int_equal(fail_back.hr, 0x80040154u);
	talloc_free(mem);
}

/* MS-RPCE 2.2.6: the headers as we send and accept them. */
static void test_type_serialization_headers(void **state)
{
	void *mem = talloc_new(NULL);
	static const uint8_t want[] = { 1,    0x10, 8,    0, 0xcc, 0xcc,
		                        0xcc, 0xcc, 0x48, 0, 0,    0,
		                        0,    0,    0,    0 };
	static const uint8_t big_endian[] = { 1, 0, 8, 0, 0, 0, 0, 0 };
	struct ndr_push push;
	struct ndr_pull ndr;
	const uint8_t *b;
	size_t len;
	uint32_t obl = 0;

	(void)state;
	push_on(&push, mem);
	dcom_ts_common_push(&push);
	dcom_ts_private_push(&push, 0x48);
	assert_int_equal(ndr_push_blob(&push, &b, &len), NDR_ERR_SUCCESS);
	assert_int_equal(len, sizeof(want));
	assert_memory_equal(b, want, len);
	pull_on(&ndr, mem, b, len);
	assert_int_equal(dcom_ts_common_pull(&ndr), NDR_ERR_SUCCESS);
	assert_int_equal(dcom_ts_private_pull(&ndr, &obl), NDR_ERR_SUCCESS);
	assert_int_equal(obl, 0x48);
	pull_on(&ndr, mem, big_endian, sizeof(big_endian));
	assert_int_equal(dcom_ts_common_pull(&ndr), NDR_ERR_RANGE);
	assert_int_equal(ndr.err_pos, 0);
	talloc_free(mem);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_c06_activation_properties_in),
		cmocka_unit_test(test_c05_remote_create_instance_request),
		cmocka_unit_test(test_c07_activation_properties_out_encoded),
		cmocka_unit_test(test_c08_response_stub_encoded),
		cmocka_unit_test(test_c08_decoded),
		cmocka_unit_test(test_c06_round_trip),
		cmocka_unit_test(test_all_properties_round_trip),
		cmocka_unit_test(test_counts_out_of_range),
		cmocka_unit_test(test_sizes_that_lie),
		cmocka_unit_test(test_null_pointers_and_classes),
		cmocka_unit_test(test_every_truncation_of_c05),
		cmocka_unit_test(test_trailing_octets_after_blob),
		cmocka_unit_test(test_under_every_memlimit),
		cmocka_unit_test(test_get_class_object_and_failure_reply),
		cmocka_unit_test(test_type_serialization_headers),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
