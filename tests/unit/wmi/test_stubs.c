/*
 * Unit tests for wmi/stubs: the MS-WMI request and response stubs.
 * Captures (../shared/interop/captures, impacket-dcom-wmi.md section 6):
 * d05/d06 NTLMLogin, e01/e02 ExecQuery, e03/e04/e05 Next, f01/f03
 * GetObject, g01/g03 ExecMethod.  Client stubs are decoded and re-encoded
 * (impacket's pads, referent ids and BSTR NULs differ, so the re-encoding
 * is compared after decoding it again); harness server stubs are rebuilt
 * octet for octet.  Then every other stub by round trip, truncations and
 * hostile counts.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>
#include <talloc.h>

#include <cmocka.h>

#include "../rpc/capture.h"
#include "dcom/objref.h"
#include "dcom/orpc.h"
#include "rpc/ndr.h"
#include "wmi/stubs.h"

static void pull_on(struct ndr_pull *ndr, void *mem, const uint8_t *p, size_t n)
{
	assert_int_equal(ndr_pull_init(ndr, mem, p, n, 0, NULL),
	                 NDR_ERR_SUCCESS);
}

static void push_on(struct ndr_push *ndr, void *mem)
{
	assert_int_equal(ndr_push_init(ndr, mem, 0, NULL), NDR_ERR_SUCCESS);
}

static uint8_t *load(void *mem, const char *prefix, size_t *n)
{
	uint8_t *p = capture_load(mem, prefix, n);

	assert_non_null(p);
	return p;
}

static void put32(uint8_t *p, uint32_t v)
{
	for (int i = 0; i < 4; i++) {
		p[i] = (uint8_t)(v >> (8 * i));
	}
}

/* The octets [push_fn] makes of [val]. */
#define PUSH(mem, call, out, len)                                     \
	do {                                                          \
		struct ndr_push push_;                                \
		push_on(&push_, (mem));                               \
		{                                                     \
			struct ndr_push *ndr = &push_;                \
			assert_int_equal((call), NDR_ERR_SUCCESS);    \
		}                                                     \
		assert_int_equal(ndr_push_blob(&push_, (out), (len)), \
		                 NDR_ERR_SUCCESS);                    \
	} while (0)

/* Pulls [p, p+len) with [call] and requires the whole stub consumed. */
#define PULL(mem, p, len, call)                                             \
	do {                                                                \
		struct ndr_pull pull_;                                      \
		pull_on(&pull_, (mem), (p), (len));                         \
		{                                                           \
			struct ndr_pull *ndr = &pull_;                      \
			assert_int_equal((call), NDR_ERR_SUCCESS);          \
		}                                                           \
		assert_int_equal(ndr_pull_finish(&pull_), NDR_ERR_SUCCESS); \
	} while (0)

static void assert_guid(const struct rpc_uuid *u, const char *s)
{
	char text[RPC_UUID_STR_LEN + 1];

	rpc_uuid_format(u, text);
	assert_string_equal(text, s);
}

/* ---- captures ---- */

static void test_d05_ntlm_login_request(void **state)
{
	void *mem = talloc_new(NULL);
	size_t n, len;
	uint8_t *p = load(mem, "d05", &n);
	struct wmi_ntlm_login_req r, back;
	const uint8_t *b;

	(void)state;
	PULL(mem, p, n, wmi_ntlm_login_req_pull(ndr, &r));
	assert_int_equal(r.orpcthis.version.major, 5);
	assert_int_equal(r.orpcthis.version.minor, 7);
	assert_string_equal(r.network_resource, "//./root/cimv2");
	assert_null(r.preferred_locale);
	assert_int_equal(r.flags, 0);
	assert_null(r.ctx);
	/* Re-encoded: only the referent id and impacket's pad (bf bf)
	 * differ. */
	PUSH(mem, wmi_ntlm_login_req_push(ndr, &r), &b, &len);
	assert_int_equal(len, n);
	assert_memory_equal(b, p, 32);
	assert_memory_equal(b + 36, p + 36, 78 - 36);
	assert_memory_equal(b + 80, p + 80, n - 80);
	PULL(mem, b, len, wmi_ntlm_login_req_pull(ndr, &back));
	assert_string_equal(back.network_resource, "//./root/cimv2");
	talloc_free(mem);
}

static void test_d06_ntlm_login_response(void **state)
{
	void *mem = talloc_new(NULL);
	size_t n, len;
	uint8_t *p = load(mem, "d06", &n);
	struct wmi_objref_resp r;
	const uint8_t *b;

	(void)state;
	PULL(mem, p, n, wmi_objref_resp_pull(ndr, &r));
	assert_non_null(r.obj);
	assert_int_equal(r.obj->kind, DCOM_OBJREF_STANDARD);
	assert_true(rpc_uuid_equal(&r.obj->iid, &wmi_iid_iwbemservices));
	assert_true(r.obj->std.oxid == 0x1122334455667788ull);
	assert_int_equal(r.obj->std.public_refs, 5);
	assert_int_equal(r.hr, 0);
	PUSH(mem, wmi_objref_resp_push(ndr, &r), &b, &len);
	assert_int_equal(len, n);
	assert_memory_equal(b, p, n);
	talloc_free(mem);
}

static void test_e01_exec_query_request(void **state)
{
	void *mem = talloc_new(NULL);
	size_t n, len;
	uint8_t *p = load(mem, "e01", &n);
	struct wmi_svc_req r, back;
	const uint8_t *b;

	(void)state;
	PULL(mem, p, n, wmi_svc_req_pull(ndr, WMI_OP_EXEC_QUERY, &r));
	/* impacket's trailing NULs are stripped. */
	assert_string_equal(r.str1, "WQL");
	assert_string_equal(r.str2, "select * from Fake_Foo");
	assert_int_equal(r.flags, 0);
	assert_null(r.ctx);
	assert_null(r.obj);
	assert_null(r.sink);
	assert_false(r.pp_obj.set);
	/* Re-encoded without the NULs: 2 + 2 units shorter, 2 pad octets
	 * more after "WQL". */
	PUSH(mem, wmi_svc_req_push(ndr, WMI_OP_EXEC_QUERY, &r), &b, &len);
	assert_int_equal(len, n - 4);
	PULL(mem, b, len, wmi_svc_req_pull(ndr, WMI_OP_EXEC_QUERY, &back));
	assert_string_equal(back.str1, "WQL");
	assert_string_equal(back.str2, "select * from Fake_Foo");
	talloc_free(mem);
}

static void test_e02_exec_query_response(void **state)
{
	void *mem = talloc_new(NULL);
	size_t n, len;
	uint8_t *p = load(mem, "e02", &n);
	struct wmi_svc_resp r;
	const uint8_t *b;

	(void)state;
	PULL(mem, p, n, wmi_svc_resp_pull(ndr, WMI_OP_EXEC_QUERY, &r));
	assert_non_null(r.out);
	assert_true(rpc_uuid_equal(&r.out->iid, &wmi_iid_ienumwbemclassobject));
	assert_int_equal(r.hr, 0);
	PUSH(mem, wmi_svc_resp_push(ndr, WMI_OP_EXEC_QUERY, &r), &b, &len);
	assert_int_equal(len, n);
	assert_memory_equal(b, p, n);
	talloc_free(mem);
}

static void test_e03_next_request(void **state)
{
	void *mem = talloc_new(NULL);
	size_t n, len;
	uint8_t *p = load(mem, "e03", &n);
	struct wmi_timeout_req r;
	const uint8_t *b;

	(void)state;
	PULL(mem, p, n, wmi_timeout_req_pull(ndr, true, &r));
	assert_int_equal((uint32_t)r.timeout, WMI_WBEM_INFINITE);
	assert_int_equal(r.count, 1);
	PUSH(mem, wmi_timeout_req_push(ndr, true, &r), &b, &len);
	assert_int_equal(len, n);
	assert_memory_equal(b, p, n);
	talloc_free(mem);
}

static void test_e04_next_response_one_object(void **state)
{
	void *mem = talloc_new(NULL);
	size_t n, len;
	uint8_t *p = load(mem, "e04", &n);
	struct wmi_next_resp r;
	const uint8_t *b;

	(void)state;
	PULL(mem, p, n, wmi_next_resp_pull(ndr, &r));
	assert_int_equal(r.max, 1);
	assert_int_equal(r.n, 1);
	assert_int_equal(r.returned, 1);
	assert_int_equal(r.hr, 0);
	assert_true(wmi_objref_is_classobject(r.objs[0]));
	assert_true(
	        rpc_uuid_equal(&r.objs[0]->clsid, &wmi_clsid_wbemclassobject));
	/* The EncodingUnit signature 0x12345678. */
	assert_true(r.objs[0]->n_data > 8);
	assert_int_equal(r.objs[0]->data[0], 0x78);
	assert_int_equal(r.objs[0]->data[3], 0x12);
	PUSH(mem, wmi_next_resp_push(ndr, &r), &b, &len);
	assert_int_equal(len, n);
	assert_memory_equal(b, p, n);
	talloc_free(mem);
}

static void test_e05_next_response_end(void **state)
{
	void *mem = talloc_new(NULL);
	size_t n, len;
	uint8_t *p = load(mem, "e05", &n);
	struct wmi_next_resp r;
	struct wmi_next_resp end = { .max = 1, .n = 0, .hr = 1 };
	const uint8_t *b;

	(void)state;
	PULL(mem, p, n, wmi_next_resp_pull(ndr, &r));
	assert_int_equal(r.max, 1);
	assert_int_equal(r.n, 0);
	assert_int_equal(r.returned, 0);
	assert_int_equal(r.hr, 1); /* WBEM_S_FALSE */
	PUSH(mem, wmi_next_resp_push(ndr, &end), &b, &len);
	assert_int_equal(len, n);
	assert_memory_equal(b, p, n);
	talloc_free(mem);
}

static void test_f01_get_object_request_trailing_junk(void **state)
{
	void *mem = talloc_new(NULL);
	size_t n;
	uint8_t *p = load(mem, "f01", &n);
	struct wmi_svc_req r;
	struct ndr_pull ndr;

	(void)state;
	pull_on(&ndr, mem, p, n);
	assert_int_equal(wmi_svc_req_pull(&ndr, WMI_OP_GET_OBJECT, &r),
	                 NDR_ERR_SUCCESS);
	assert_string_equal(r.str1, "Win32_Process");
	assert_int_equal(r.flags, 0);
	assert_null(r.ctx);
	/* ppObject: outer pointer to a NULL interface pointer. */
	assert_true(r.pp_obj.set);
	assert_null(r.pp_obj.obj);
	assert_false(r.pp_result.set);
	/* impacket's 12 junk octets stay for the caller to ignore. */
	assert_int_equal(n - ndr.pos, 12);
	assert_int_equal(ndr_pull_finish(&ndr), NDR_ERR_UNREAD_BYTES);
	talloc_free(mem);
}

static void test_f03_get_object_response(void **state)
{
	void *mem = talloc_new(NULL);
	size_t n, len, nobj;
	uint8_t *p = load(mem, "f03", &n);
	uint8_t *obj = load(mem, "f02", &nobj);
	struct wmi_svc_resp r;
	struct dcom_objref o;
	struct wmi_svc_resp mine;
	const uint8_t *b;

	(void)state;
	PULL(mem, p, n, wmi_svc_resp_pull(ndr, WMI_OP_GET_OBJECT, &r));
	assert_true(r.pp_obj.set);
	assert_true(wmi_objref_is_classobject(r.pp_obj.obj));
	assert_true(r.pp_result.set);
	assert_null(r.pp_result.obj);
	assert_int_equal(r.hr, 0);
	/* Rebuilt from the f02 OBJREF's EncodingUnit. */
	{
		struct ndr_pull pl;
		struct dcom_objref f02;

		pull_on(&pl, mem, obj, nobj);
		assert_int_equal(dcom_objref_pull(&pl, nobj, &f02),
		                 NDR_ERR_SUCCESS);
		wmi_objref_classobject(&o, f02.data, f02.n_data);
		o.reserved = f02.reserved;
	}
	mine = (struct wmi_svc_resp){
		.pp_obj = { .set = true, .obj = &o },
		.pp_result = { .set = true },
	};
	PUSH(mem, wmi_svc_resp_push(ndr, WMI_OP_GET_OBJECT, &mine), &b, &len);
	assert_int_equal(len, n);
	assert_memory_equal(b, p, n);
	talloc_free(mem);
}

static void test_g01_exec_method_request(void **state)
{
	void *mem = talloc_new(NULL);
	size_t n, len;
	uint8_t *p = load(mem, "g01", &n);
	struct wmi_svc_req r, back;
	const uint8_t *b;

	(void)state;
	PULL(mem, p, n, wmi_svc_req_pull(ndr, WMI_OP_EXEC_METHOD, &r));
	assert_string_equal(r.str1, "Win32_Process");
	assert_string_equal(r.str2, "Create");
	assert_int_equal(r.flags, 0);
	assert_null(r.ctx);
	assert_true(wmi_objref_is_classobject(r.obj));
	assert_true(r.pp_obj.set);
	assert_null(r.pp_obj.obj);
	assert_false(r.pp_result.set);
	PUSH(mem, wmi_svc_req_push(ndr, WMI_OP_EXEC_METHOD, &r), &b, &len);
	PULL(mem, b, len, wmi_svc_req_pull(ndr, WMI_OP_EXEC_METHOD, &back));
	assert_int_equal(back.obj->n_data, r.obj->n_data);
	assert_memory_equal(back.obj->data, r.obj->data, r.obj->n_data);
	assert_true(back.pp_obj.set);
	talloc_free(mem);
}

static void test_g03_exec_method_response(void **state)
{
	void *mem = talloc_new(NULL);
	size_t n, len;
	uint8_t *p = load(mem, "g03", &n);
	struct wmi_svc_resp r;
	const uint8_t *b;

	(void)state;
	PULL(mem, p, n, wmi_svc_resp_pull(ndr, WMI_OP_EXEC_METHOD, &r));
	assert_true(r.pp_obj.set);
	assert_true(wmi_objref_is_classobject(r.pp_obj.obj));
	assert_false(r.pp_result.set);
	assert_int_equal(r.hr, 0);
	PUSH(mem, wmi_svc_resp_push(ndr, WMI_OP_EXEC_METHOD, &r), &b, &len);
	assert_int_equal(len, n);
	assert_memory_equal(b, p, n);
	talloc_free(mem);
}

/* ---- truncations: every prefix of every capture fails cleanly ---- */

static enum ndr_err pull_capture(const char *which,
                                 struct ndr_pull *ndr,
                                 void *mem)
{
	union {
		struct wmi_ntlm_login_req login;
		struct wmi_objref_resp objref;
		struct wmi_svc_req req;
		struct wmi_svc_resp resp;
		struct wmi_timeout_req tmo;
		struct wmi_next_resp next;
	} u;

	(void)mem;
	if (strcmp(which, "d05") == 0) {
		return wmi_ntlm_login_req_pull(ndr, &u.login);
	}
	if (strcmp(which, "d06") == 0) {
		return wmi_objref_resp_pull(ndr, &u.objref);
	}
	if (strcmp(which, "e01") == 0) {
		return wmi_svc_req_pull(ndr, WMI_OP_EXEC_QUERY, &u.req);
	}
	if (strcmp(which, "e02") == 0) {
		return wmi_svc_resp_pull(ndr, WMI_OP_EXEC_QUERY, &u.resp);
	}
	if (strcmp(which, "e03") == 0) {
		return wmi_timeout_req_pull(ndr, true, &u.tmo);
	}
	if (strcmp(which, "e04") == 0 || strcmp(which, "e05") == 0) {
		return wmi_next_resp_pull(ndr, &u.next);
	}
	if (strcmp(which, "f01") == 0) {
		return wmi_svc_req_pull(ndr, WMI_OP_GET_OBJECT, &u.req);
	}
	if (strcmp(which, "f03") == 0) {
		return wmi_svc_resp_pull(ndr, WMI_OP_GET_OBJECT, &u.resp);
	}
	if (strcmp(which, "g01") == 0) {
		return wmi_svc_req_pull(ndr, WMI_OP_EXEC_METHOD, &u.req);
	}
	return wmi_svc_resp_pull(ndr, WMI_OP_EXEC_METHOD, &u.resp);
}

static void test_every_truncation_fails(void **state)
{
	static const char *const caps[] = { "d05", "d06", "e01", "e02",
		                            "e03", "e04", "e05", "f01",
		                            "f03", "g01", "g03" };

	(void)state;
	for (size_t c = 0; c < sizeof(caps) / sizeof(caps[0]); c++) {
		void *mem = talloc_new(NULL);
		size_t n;
		uint8_t *p = load(mem, caps[c], &n);
		/* f01 is complete 12 octets early (its junk). */
		size_t full = strcmp(caps[c], "f01") == 0 ? n - 12 : n;

		for (size_t cut = 0; cut < full; cut++) {
			void *cm = talloc_new(mem);
			uint8_t *q = talloc_memdup(cm, p, cut + 1);
			struct ndr_pull ndr;
			enum ndr_err e;

			pull_on(&ndr, cm, q, cut);
			e = pull_capture(caps[c], &ndr, cm);
			if (e == NDR_ERR_SUCCESS) {
				fail_msg("%s cut at %zu decoded", caps[c], cut);
			}
			talloc_free(cm);
		}
		talloc_free(mem);
	}
}

/* ---- hostile values ---- */

static void test_next_huge_counts_fail_fast(void **state)
{
	void *mem = talloc_new(NULL);
	uint8_t s[8 + 12 + 8] = { 0 };
	struct wmi_next_resp r;
	struct ndr_pull ndr;

	(void)state;
	put32(s + 8, 0xFFFFFFFF);  /* max_count */
	put32(s + 12, 0);          /* offset */
	put32(s + 16, 0xFFFFFFF0); /* actual */
	pull_on(&ndr, mem, s, sizeof(s));
	assert_int_not_equal(wmi_next_resp_pull(&ndr, &r), NDR_ERR_SUCCESS);
	assert_true(ndr.err == NDR_ERR_BUFSIZE || ndr.err == NDR_ERR_LIMIT);
	/* actual above max. */
	put32(s + 8, 1);
	put32(s + 16, 2);
	pull_on(&ndr, mem, s, sizeof(s));
	assert_int_equal(wmi_next_resp_pull(&ndr, &r), NDR_ERR_ARRAY_SIZE);
	/* a non-zero offset. */
	put32(s + 12, 1);
	put32(s + 16, 0);
	pull_on(&ndr, mem, s, sizeof(s));
	assert_int_equal(wmi_next_resp_pull(&ndr, &r), NDR_ERR_ARRAY_SIZE);
	talloc_free(mem);
}

/* A stub holding one BSTR: referent, max, cBytes, clSize, units. */
static size_t bstr_stub(uint8_t *s,
                        uint32_t max,
                        uint32_t cbytes,
                        uint32_t clsize,
                        const char *ascii,
                        size_t n_units)
{
	put32(s, 0x20000);
	put32(s + 4, max);
	put32(s + 8, cbytes);
	put32(s + 12, clsize);
	for (size_t i = 0; i < n_units; i++) {
		s[16 + 2 * i] = (uint8_t)ascii[i];
		s[17 + 2 * i] = 0;
	}
	return 16 + 2 * n_units;
}

static enum ndr_err pull_one_bstr(void *mem,
                                  const uint8_t *s,
                                  size_t n,
                                  char **out)
{
	struct ndr_pull ndr;

	pull_on(&ndr, mem, s, n);
	return wmi_bstr_pull(&ndr, out);
}

static void test_bstr_forms(void **state)
{
	void *mem = talloc_new(NULL);
	uint8_t s[64];
	size_t n;
	char *out = NULL;

	(void)state;
	/* Plain and with trailing NULs. */
	n = bstr_stub(s, 3, 6, 3, "abc", 3);
	assert_int_equal(pull_one_bstr(mem, s, n, &out), NDR_ERR_SUCCESS);
	assert_string_equal(out, "abc");
	n = bstr_stub(s, 5, 10, 5, "ab\0\0\0", 5);
	assert_int_equal(pull_one_bstr(mem, s, n, &out), NDR_ERR_SUCCESS);
	assert_string_equal(out, "ab");
	/* Empty, and the transmitted NULL BSTR (cBytes 0xFFFFFFFF). */
	n = bstr_stub(s, 0, 0, 0, "", 0);
	assert_int_equal(pull_one_bstr(mem, s, n, &out), NDR_ERR_SUCCESS);
	assert_string_equal(out, "");
	n = bstr_stub(s, 0, 0xFFFFFFFF, 0, "", 0);
	assert_int_equal(pull_one_bstr(mem, s, n, &out), NDR_ERR_SUCCESS);
	assert_null(out);
	/* A NULL pointer. */
	memset(s, 0, 4);
	assert_int_equal(pull_one_bstr(mem, s, 4, &out), NDR_ERR_SUCCESS);
	assert_null(out);
	/* An odd cBytes rounds clSize up. */
	n = bstr_stub(s, 2, 3, 2, "ab", 2);
	assert_int_equal(pull_one_bstr(mem, s, n, &out), NDR_ERR_SUCCESS);
	assert_string_equal(out, "a");
	/* Lies: conformance, cBytes, a NUL inside, a huge clSize. */
	n = bstr_stub(s, 4, 6, 3, "abc", 3);
	assert_int_equal(pull_one_bstr(mem, s, n, &out), NDR_ERR_ARRAY_SIZE);
	n = bstr_stub(s, 3, 8, 3, "abc", 3);
	assert_int_equal(pull_one_bstr(mem, s, n, &out), NDR_ERR_ARRAY_SIZE);
	n = bstr_stub(s, 3, 6, 3, "a\0c", 3);
	assert_int_equal(pull_one_bstr(mem, s, n, &out), NDR_ERR_STRING);
	n = bstr_stub(s, 0x7FFFFFFF, 0xFFFFFFFE, 0x7FFFFFFF, "abc", 3);
	assert_int_not_equal(pull_one_bstr(mem, s, n, &out), NDR_ERR_SUCCESS);
	/* An unpaired surrogate. */
	n = bstr_stub(s, 1, 2, 1, "a", 1);
	s[16] = 0x00;
	s[17] = 0xD8;
	assert_int_equal(pull_one_bstr(mem, s, n, &out), NDR_ERR_STRING);
	talloc_free(mem);
}

static void test_bstr_push_forms(void **state)
{
	void *mem = talloc_new(NULL);
	const uint8_t *b;
	size_t len;
	char *out = NULL;
	static const uint8_t want_null[] = {
		0x00, 0x00, 0x02, 0x00, 0, 0, 0, 0,
		0xff, 0xff, 0xff, 0xff, 0, 0, 0, 0
	};

	(void)state;
	PUSH(mem, wmi_bstr_push(ndr, NULL), &b, &len);
	assert_int_equal(len, sizeof(want_null));
	assert_memory_equal(b, want_null, len);
	PUSH(mem, wmi_bstr_push(ndr, "caf\xc3\xa9 \xe2\x82\xac"), &b, &len);
	assert_int_equal(len, 16 + 12);
	assert_int_equal(pull_one_bstr(mem, b, len, &out), NDR_ERR_SUCCESS);
	assert_string_equal(out, "caf\xc3\xa9 \xe2\x82\xac");
	{
		struct ndr_push p;

		push_on(&p, mem);
		assert_int_equal(wmi_bstr_push(&p, "\xff"), NDR_ERR_STRING);
	}
	talloc_free(mem);
}

static void test_bad_opnums(void **state)
{
	void *mem = talloc_new(NULL);
	uint8_t s[64] = { 5, 0, 7, 0 };
	struct wmi_svc_req r = { 0 };
	struct ndr_pull ndr;
	struct ndr_push p;

	(void)state;
	pull_on(&ndr, mem, s, sizeof(s));
	assert_int_equal(wmi_svc_req_pull(&ndr, 2, &r), NDR_ERR_RANGE);
	pull_on(&ndr, mem, s, sizeof(s));
	assert_int_equal(wmi_svc_req_pull(&ndr, 26, &r), NDR_ERR_RANGE);
	push_on(&p, mem);
	assert_int_equal(wmi_svc_req_push(&p, 26, &r), NDR_ERR_INVALID);
	assert_true(wmi_svc_opnum_is_async(WMI_OP_EXEC_QUERY_ASYNC));
	assert_true(wmi_svc_opnum_is_async(WMI_OP_CANCEL_ASYNC_CALL));
	assert_false(wmi_svc_opnum_is_async(WMI_OP_EXEC_QUERY));
	assert_false(wmi_svc_opnum_is_async(WMI_OP_QUERY_OBJECT_SINK));
	talloc_free(mem);
}

/* ---- round trips of every IWbemServices opnum ---- */

static struct dcom_objref *classobj(void *mem, uint8_t fill)
{
	struct dcom_objref *o = talloc_zero(mem, struct dcom_objref);
	uint8_t *d = talloc_array(mem, uint8_t, 20);

	memset(d, fill, 20);
	wmi_objref_classobject(o, d, 20);
	return o;
}

static void assert_same_obj(const struct dcom_objref *a,
                            const struct dcom_objref *b)
{
	if (a == NULL || b == NULL) {
		assert_ptr_equal(a, b);
		return;
	}
	assert_int_equal(a->kind, b->kind);
	assert_int_equal(a->n_data, b->n_data);
	assert_memory_equal(a->data, b->data, a->n_data);
}

static void test_every_services_opnum_round_trips(void **state)
{
	(void)state;
	for (uint16_t op = 3; op < WMI_SERVICES_N_OPS; op++) {
		void *mem = talloc_new(NULL);
		struct wmi_svc_req r = {
			.str1 = "root\\cimv2",
			.str2 = "SELECT * FROM X",
			.obj = classobj(mem, 0x11),
			.flags = 0x30,
			.ctx = classobj(mem, 0x22),
			.sink = classobj(mem, 0x33),
			.pp_obj = { .set = true, .obj = classobj(mem, 0x44) },
			.pp_result = { .set = true },
		};
		struct wmi_svc_resp o = {
			.pp_obj = { .set = true, .obj = classobj(mem, 0x55) },
			.pp_result = { .set = true,
			               .obj = classobj(mem, 0x66) },
			.out = classobj(mem, 0x77),
			.hr = 0x80041002,
		};
		struct wmi_svc_req rb;
		struct wmi_svc_resp ob;
		const uint8_t *b;
		size_t len;

		dcom_orpcthis_init(&r.orpcthis, NULL);
		PUSH(mem, wmi_svc_req_push(ndr, op, &r), &b, &len);
		PULL(mem, b, len, wmi_svc_req_pull(ndr, op, &rb));
		/* Each member is either carried or zero. */
		if (rb.str1 != NULL) {
			assert_string_equal(rb.str1, r.str1);
		}
		if (rb.str2 != NULL) {
			assert_string_equal(rb.str2, r.str2);
			assert_non_null(rb.str1);
		}
		if (rb.obj != NULL) {
			assert_same_obj(rb.obj, r.obj);
		}
		if (rb.ctx != NULL) {
			assert_same_obj(rb.ctx, r.ctx);
			assert_int_equal(rb.flags, 0x30);
		}
		if (rb.sink != NULL) {
			assert_same_obj(rb.sink, r.sink);
		}
		assert_int_equal(rb.sink != NULL, wmi_svc_opnum_is_async(op));
		if (rb.pp_obj.set) {
			assert_same_obj(rb.pp_obj.obj, r.pp_obj.obj);
		}
		if (rb.pp_result.set) {
			assert_null(rb.pp_result.obj);
		}
		PUSH(mem, wmi_svc_resp_push(ndr, op, &o), &b, &len);
		PULL(mem, b, len, wmi_svc_resp_pull(ndr, op, &ob));
		assert_int_equal(ob.hr, 0x80041002);
		if (ob.pp_obj.set) {
			assert_same_obj(ob.pp_obj.obj, o.pp_obj.obj);
		}
		if (ob.pp_result.set) {
			assert_same_obj(ob.pp_result.obj, o.pp_result.obj);
		}
		if (ob.out != NULL) {
			assert_same_obj(ob.out, o.out);
		}
		if (wmi_svc_opnum_is_async(op)) {
			assert_int_equal(len, 8 + 4);
		}
		talloc_free(mem);
	}
}

static void test_pp_unset_with_object_is_a_caller_bug(void **state)
{
	void *mem = talloc_new(NULL);
	struct wmi_svc_resp o = { .pp_obj = { .set = false } };
	struct ndr_push p;

	(void)state;
	o.pp_obj.obj = classobj(mem, 1);
	push_on(&p, mem);
	assert_int_equal(wmi_svc_resp_push(&p, WMI_OP_GET_OBJECT, &o),
	                 NDR_ERR_INVALID);
	talloc_free(mem);
}

/* ---- the other interfaces ---- */

static void test_login_methods_round_trip(void **state)
{
	void *mem = talloc_new(NULL);
	const uint8_t *b;
	size_t len;
	struct wmi_establish_position_req ep = { .reserved1 = NULL,
		                                 .reserved2 = 0 };
	struct wmi_establish_position_req epb;
	struct wmi_establish_position_resp epr = { .locale_version = 1 };
	struct wmi_establish_position_resp eprb;
	struct wmi_request_challenge_req rc = { .reserved1 = "x" };
	struct wmi_request_challenge_req rcb;
	struct wmi_request_challenge_resp rcr = { .hr = 0x8004100C };
	struct wmi_request_challenge_resp rcrb;
	struct wmi_wbem_login_req wl = { .reserved1 = "en",
		                         .has_reserved2 = true,
		                         .reserved3 = 7 };
	struct wmi_wbem_login_req wlb;
	struct wmi_ntlm_login_req nl = { .network_resource = "root",
		                         .preferred_locale = "MS_409" };
	struct wmi_ntlm_login_req nlb;

	(void)state;
	PUSH(mem, wmi_establish_position_req_push(ndr, &ep), &b, &len);
	assert_int_equal(len, 32 + 4 + 4);
	PULL(mem, b, len, wmi_establish_position_req_pull(ndr, &epb));
	assert_null(epb.reserved1);
	PUSH(mem, wmi_establish_position_resp_push(ndr, &epr), &b, &len);
	PULL(mem, b, len, wmi_establish_position_resp_pull(ndr, &eprb));
	assert_int_equal(eprb.locale_version, 1);
	PUSH(mem, wmi_request_challenge_req_push(ndr, &rc), &b, &len);
	PULL(mem, b, len, wmi_request_challenge_req_pull(ndr, &rcb));
	assert_string_equal(rcb.reserved1, "x");
	assert_null(rcb.reserved2);
	rcr.reserved3[15] = 9;
	PUSH(mem, wmi_request_challenge_resp_push(ndr, &rcr), &b, &len);
	assert_int_equal(len, 8 + 12 + 16 + 4);
	PULL(mem, b, len, wmi_request_challenge_resp_pull(ndr, &rcrb));
	assert_int_equal(rcrb.reserved3[15], 9);
	assert_int_equal(rcrb.hr, 0x8004100C);
	wl.reserved2[0] = 0xAB;
	wl.reserved4 = classobj(mem, 3);
	PUSH(mem, wmi_wbem_login_req_push(ndr, &wl), &b, &len);
	PULL(mem, b, len, wmi_wbem_login_req_pull(ndr, &wlb));
	assert_string_equal(wlb.reserved1, "en");
	assert_true(wlb.has_reserved2);
	assert_int_equal(wlb.reserved2[0], 0xAB);
	assert_int_equal(wlb.reserved3, 7);
	assert_same_obj(wlb.reserved4, wl.reserved4);
	PUSH(mem, wmi_ntlm_login_req_push(ndr, &nl), &b, &len);
	PULL(mem, b, len, wmi_ntlm_login_req_pull(ndr, &nlb));
	assert_string_equal(nlb.network_resource, "root");
	assert_string_equal(nlb.preferred_locale, "MS_409");
	{
		struct wmi_set_client_info_req ci = { .client_machine = "PC1",
			                              .proc_id = -7,
			                              .reserved = 0 };
		struct wmi_set_client_info_req cib;

		PUSH(mem, wmi_set_client_info_req_push(ndr, &ci), &b, &len);
		/* ORPCTHIS, referent, "PC1\0" as max/offset/actual + 8
		 * octets, two longs. */
		assert_int_equal(len, 32 + 4 + 12 + 8 + 8);
		PULL(mem, b, len, wmi_set_client_info_req_pull(ndr, &cib));
		assert_string_equal(cib.client_machine, "PC1");
		assert_int_equal(cib.proc_id, -7);
	}
	talloc_free(mem);
}

static void test_enum_and_callresult_round_trip(void **state)
{
	void *mem = talloc_new(NULL);
	const uint8_t *b;
	size_t len;
	struct dcom_objref *objs[3];
	struct wmi_next_resp nr = { .max = 5, .n = 3, .returned = 3 };
	struct wmi_next_resp nrb;
	struct wmi_next_async_req na = { .count = 9 };
	struct wmi_next_async_req nab;
	struct wmi_timeout_req sk = { .timeout = 0, .count = 4 };
	struct wmi_timeout_req skb;
	struct wmi_string_resp sr = { .str = "Win32_X.Name=\"a\"" };
	struct wmi_string_resp srb;
	struct wmi_status_resp st = { .status = (int32_t)0x80041002 };
	struct wmi_status_resp stb;
	struct wmi_hr_resp hr = { .hr = 1 };
	struct wmi_hr_resp hrb;
	struct dcom_orpcthis th, thb;

	(void)state;
	objs[0] = classobj(mem, 1);
	objs[1] = NULL;
	objs[2] = classobj(mem, 2);
	nr.objs = objs;
	PUSH(mem, wmi_next_resp_push(ndr, &nr), &b, &len);
	PULL(mem, b, len, wmi_next_resp_pull(ndr, &nrb));
	assert_int_equal(nrb.max, 5);
	assert_int_equal(nrb.n, 3);
	assert_same_obj(nrb.objs[0], objs[0]);
	assert_null(nrb.objs[1]);
	assert_same_obj(nrb.objs[2], objs[2]);
	nr.n = 6;
	{
		struct ndr_push p;

		push_on(&p, mem);
		assert_int_equal(wmi_next_resp_push(&p, &nr), NDR_ERR_INVALID);
	}
	na.sink = classobj(mem, 5);
	PUSH(mem, wmi_next_async_req_push(ndr, &na), &b, &len);
	PULL(mem, b, len, wmi_next_async_req_pull(ndr, &nab));
	assert_int_equal(nab.count, 9);
	assert_same_obj(nab.sink, na.sink);
	PUSH(mem, wmi_timeout_req_push(ndr, true, &sk), &b, &len);
	PULL(mem, b, len, wmi_timeout_req_pull(ndr, true, &skb));
	assert_int_equal(skb.count, 4);
	PUSH(mem, wmi_timeout_req_push(ndr, false, &sk), &b, &len);
	assert_int_equal(len, 32 + 4);
	PUSH(mem, wmi_string_resp_push(ndr, &sr), &b, &len);
	PULL(mem, b, len, wmi_string_resp_pull(ndr, &srb));
	assert_string_equal(srb.str, sr.str);
	sr.str = NULL;
	PUSH(mem, wmi_string_resp_push(ndr, &sr), &b, &len);
	PULL(mem, b, len, wmi_string_resp_pull(ndr, &srb));
	assert_null(srb.str);
	PUSH(mem, wmi_status_resp_push(ndr, &st), &b, &len);
	PULL(mem, b, len, wmi_status_resp_pull(ndr, &stb));
	assert_int_equal(stb.status, st.status);
	PUSH(mem, wmi_hr_resp_push(ndr, &hr), &b, &len);
	PULL(mem, b, len, wmi_hr_resp_pull(ndr, &hrb));
	assert_int_equal(hrb.hr, 1);
	dcom_orpcthis_init(&th, NULL);
	PUSH(mem, wmi_orpcthis_req_push(ndr, &th), &b, &len);
	assert_int_equal(len, 32);
	PULL(mem, b, len, wmi_orpcthis_req_pull(ndr, &thb));
	talloc_free(mem);
}

static void test_smart_next_round_trip_and_lies(void **state)
{
	void *mem = talloc_new(NULL);
	const uint8_t *b;
	size_t len;
	uint8_t data[7] = { 1, 2, 3, 4, 5, 6, 7 };
	struct wmi_smart_next_req q = { .timeout = 5000, .count = 10 };
	struct wmi_smart_next_req qb;
	struct wmi_smart_next_resp s = {
		.returned = 2, .n_buf = 7, .buf = data, .hr = 1
	};
	struct wmi_smart_next_resp sb;
	uint8_t *bad;
	struct ndr_pull pl;

	(void)state;
	q.proxy.time_low = 0x0889A6FE;
	PUSH(mem, wmi_smart_next_req_push(ndr, &q), &b, &len);
	assert_int_equal(len, 32 + 16 + 8);
	PULL(mem, b, len, wmi_smart_next_req_pull(ndr, &qb));
	assert_int_equal(qb.proxy.time_low, 0x0889A6FE);
	assert_int_equal(qb.timeout, 5000);
	assert_int_equal(qb.count, 10);
	PUSH(mem, wmi_smart_next_resp_push(ndr, &s), &b, &len);
	PULL(mem, b, len, wmi_smart_next_resp_pull(ndr, &sb));
	assert_int_equal(sb.returned, 2);
	assert_int_equal(sb.n_buf, 7);
	assert_memory_equal(sb.buf, data, 7);
	assert_int_equal(sb.hr, 1);
	/* pdwBuffSize that is not the conformance. */
	bad = talloc_memdup(mem, b, len);
	put32(bad + 12, 6);
	pull_on(&pl, mem, bad, len);
	assert_int_equal(wmi_smart_next_resp_pull(&pl, &sb),
	                 NDR_ERR_ARRAY_SIZE);
	/* A NULL buffer. */
	s.buf = NULL;
	PUSH(mem, wmi_smart_next_resp_push(ndr, &s), &b, &len);
	PULL(mem, b, len, wmi_smart_next_resp_pull(ndr, &sb));
	assert_null(sb.buf);
	assert_int_equal(sb.n_buf, 0);
	talloc_free(mem);
}

static void test_identifiers(void **state)
{
	(void)state;
	assert_guid(&wmi_clsid_wbemlevel1login,
	            "8bc3f05e-d86b-11d0-a075-00c04fb68820");
	assert_guid(&wmi_iid_iwbemlevel1login,
	            "f309ad18-d86a-11d0-a075-00c04fb68820");
	assert_guid(&wmi_iid_iwbemservices,
	            "9556dc99-828c-11cf-a37e-00aa003240c7");
	assert_guid(&wmi_iid_ienumwbemclassobject,
	            "027947e1-d731-11ce-a357-000000000001");
	assert_guid(&wmi_iid_iwbemcallresult,
	            "44aca675-e8fc-11d0-a07c-00c04fb68820");
	assert_guid(&wmi_iid_iwbemfetchsmartenum,
	            "1c1c45ee-4395-11d2-b60b-00104b703efd");
	assert_guid(&wmi_iid_iwbemwcosmartenum,
	            "423ec01e-2e35-11d2-b604-00104b703efd");
	assert_guid(&wmi_iid_iwbemclassobject,
	            "dc12a681-737f-11cf-884d-00aa004b2e24");
	assert_guid(&wmi_clsid_wbemclassobject,
	            "4590f812-1d3a-11d0-891f-00aa004b2e24");
	assert_guid(&wmi_iid_iwbemcontext,
	            "44aca674-e8fc-11d0-a07c-00c04fb68820");
	assert_guid(&wmi_iid_iwbemobjectsink,
	            "7c857801-7381-11cf-884d-00aa004b2e24");
	assert_guid(&wmi_clsid_wbemcontext,
	            "674b6698-ee92-11d0-ad71-00c04fd8fdff");
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_d05_ntlm_login_request),
		cmocka_unit_test(test_d06_ntlm_login_response),
		cmocka_unit_test(test_e01_exec_query_request),
		cmocka_unit_test(test_e02_exec_query_response),
		cmocka_unit_test(test_e03_next_request),
		cmocka_unit_test(test_e04_next_response_one_object),
		cmocka_unit_test(test_e05_next_response_end),
		cmocka_unit_test(test_f01_get_object_request_trailing_junk),
		cmocka_unit_test(test_f03_get_object_response),
		cmocka_unit_test(test_g01_exec_method_request),
		cmocka_unit_test(test_g03_exec_method_response),
		cmocka_unit_test(test_every_truncation_fails),
		cmocka_unit_test(test_next_huge_counts_fail_fast),
		cmocka_unit_test(test_bstr_forms),
		cmocka_unit_test(test_bstr_push_forms),
		cmocka_unit_test(test_bad_opnums),
		cmocka_unit_test(test_every_services_opnum_round_trips),
		cmocka_unit_test(test_pp_unset_with_object_is_a_caller_bug),
		cmocka_unit_test(test_login_methods_round_trip),
		cmocka_unit_test(test_enum_and_callresult_round_trip),
		cmocka_unit_test(test_smart_next_round_trip_and_lies),
		cmocka_unit_test(test_identifiers),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
