/*
 * Unit tests for the WMI server side (wmi.h) over real sockets: the test
 * RPC server with a DCOM exporter (tests/unit/dcom/exporter_env.h), the
 * cimom fixture's repository (tests/unit/cimom/fixture.h: T_Base a, b, c;
 * T_Sub s1; T_Big; T_Static) and wmi_register, driven by the blocking
 * test client with the wmistubs codecs.  This covers what Impacket never
 * calls (the interop tests cover what it does): semisynchronous queries
 * with errors from Next and a bounded forward-only queue, Reset, Clone,
 * Skip, lTimeout 0, the smart enumerator's packets, IWbemCallResult,
 * PutInstance / DeleteInstance, OpenNamespace, the login methods, the
 * asynchronous methods' refusal and GetObject's trailing junk.
 */
#include <pthread.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>
#include <talloc.h>
#include <unistd.h>

#include <cmocka.h>

#include "dcom/orpc.h"
#include "wmi/stubs.h"
#include "wmi/wmi.h"
#include "wmio/noclass.h"
#include "wmio/wmio.h"
#include "wmitest.h"

/* A method whose [in] is the ORPCTHIS (+ lTimeout, count) and [out] an
 * HRESULT: Reset, Skip. */
static uint32_t enum_hr(struct wt *t,
                        const struct rpc_uuid *en,
                        uint16_t op,
                        uint32_t count)
{
	struct wmi_timeout_req q = { .orpcthis = wt_this57(),
		                     .timeout = -1,
		                     .count = count };
	struct wmi_hr_resp r;
	struct rpctest_reply rep;
	struct ndr_push p;
	struct ndr_pull pl;

	wt_push_on(t, &p);
	if (op == WMI_OP_ENUM_RESET) {
		assert_int_equal(wmi_orpcthis_req_push(&p, &q.orpcthis),
		                 NDR_ERR_SUCCESS);
	} else {
		assert_int_equal(wmi_timeout_req_push(&p, true, &q),
		                 NDR_ERR_SUCCESS);
	}
	wt_call(t, &wmi_iid_ienumwbemclassobject, op, en, &p, &rep);
	wt_pull_on(t, &pl, &rep);
	assert_int_equal(wmi_hr_resp_pull(&pl, &r), NDR_ERR_SUCCESS);
	return r.hr;
}

/* A method with only the ORPCTHIS in and an interface pointer out. */
static uint32_t objref_call(struct wt *t,
                            const struct rpc_uuid *iid,
                            uint16_t op,
                            const struct rpc_uuid *ipid,
                            struct dcom_objref **out)
{
	struct dcom_orpcthis th = wt_this57();
	struct wmi_objref_resp r;
	struct rpctest_reply rep;
	struct ndr_push p;
	struct ndr_pull pl;

	wt_push_on(t, &p);
	assert_int_equal(wmi_orpcthis_req_push(&p, &th), NDR_ERR_SUCCESS);
	wt_call(t, iid, op, ipid, &p, &rep);
	wt_pull_on(t, &pl, &rep);
	assert_int_equal(wmi_objref_resp_pull(&pl, &r), NDR_ERR_SUCCESS);
	*out = r.obj;
	return r.hr;
}

static void test_login_query_next_sync(void **state)
{
	struct wt *t = wt_start(NULL);
	struct rpc_uuid svc = wt_login(t), en, en2;
	struct wmi_next_resp r;

	(void)state;
	assert_int_equal(wt_query(t, &svc,
	                          "SELECT * FROM T_Base WHERE Size < 4", 0,
	                          &en),
	                 0);
	/* One at a time as impacket: objects with S_OK, the end as 0
	 * objects + WBEM_S_FALSE. */
	assert_string_equal(wt_drain(t, &en, 1), "a,b,c");
	wt_next(t, &en, -1, 1, &r);
	assert_int_equal(r.n, 0);
	assert_int_equal(r.hr, 1);
	/* Several at once: fewer than asked at the end + WBEM_S_FALSE. */
	assert_int_equal(wt_query(t, &svc, "SELECT Name FROM T_Base", 0, &en2),
	                 0);
	wt_next(t, &en2, -1, 10, &r);
	assert_int_equal(r.n, 4); /* a, b, c and the T_Sub s1 */
	assert_int_equal(r.hr, 1);
	wt_stop(t);
}

static void test_login_errors(void **state)
{
	struct wt *t = wt_start(NULL);
	struct rpc_uuid svc, en;

	(void)state;
	assert_int_equal(wt_login_ns(t, "root\\nope", &svc),
	                 HR_WBEM_E_INVALID_NAMESPACE.v);
	assert_int_equal(wt_login_ns(t, "//./root/cimv2", &svc), 0);
	assert_int_equal(wt_query(t, &svc, "SELECT * FROM Nope", 0, &en),
	                 HR_WBEM_E_INVALID_CLASS.v);
	assert_int_equal(wt_query(t, &svc, "SELECT FROM", 0, &en),
	                 HR_WBEM_E_INVALID_QUERY.v);
	wt_stop(t);
}

static void test_login_other_methods(void **state)
{
	struct wt *t = wt_start(NULL);
	struct rpc_uuid login = wt_activate(t);
	struct wmi_establish_position_req ep = { .orpcthis = wt_this57() };
	struct wmi_establish_position_resp epr;
	struct wmi_request_challenge_req rc = { .orpcthis = wt_this57() };
	struct wmi_request_challenge_resp rcr;
	struct wmi_wbem_login_req wl = { .orpcthis = wt_this57() };
	struct wmi_objref_resp wlr;
	struct rpctest_reply rep;
	struct ndr_push p;
	struct ndr_pull pl;

	(void)state;
	wt_push_on(t, &p);
	wmi_establish_position_req_push(&p, &ep);
	wt_call(t, &wmi_iid_iwbemlevel1login, WMI_OP_ESTABLISH_POSITION, &login,
	        &p, &rep);
	wt_pull_on(t, &pl, &rep);
	assert_int_equal(wmi_establish_position_resp_pull(&pl, &epr), 0);
	assert_int_equal(epr.hr, 0);
	assert_int_equal(epr.locale_version, 1);
	wt_push_on(t, &p);
	wmi_request_challenge_req_push(&p, &rc);
	wt_call(t, &wmi_iid_iwbemlevel1login, WMI_OP_REQUEST_CHALLENGE, &login,
	        &p, &rep);
	wt_pull_on(t, &pl, &rep);
	assert_int_equal(wmi_request_challenge_resp_pull(&pl, &rcr), 0);
	assert_int_equal(rcr.hr, HR_WBEM_E_NOT_SUPPORTED.v);
	wt_push_on(t, &p);
	wmi_wbem_login_req_push(&p, &wl);
	wt_call(t, &wmi_iid_iwbemlevel1login, WMI_OP_WBEM_LOGIN, &login, &p,
	        &rep);
	wt_pull_on(t, &pl, &rep);
	assert_int_equal(wmi_objref_resp_pull(&pl, &wlr), 0);
	assert_int_equal(wlr.hr, HR_WBEM_E_NOT_SUPPORTED.v);
	assert_null(wlr.obj);
	wt_stop(t);
}

static struct rpc_uuid rem_qi(struct wt *t,
                              const struct rpc_uuid *ipid,
                              const struct rpc_uuid *iid);

static bool file_has(const char *path, const char *needle)
{
	FILE *f = fopen(path, "r");
	char line[4096];
	bool found = false;

	while (f != NULL && !found && fgets(line, sizeof(line), f) != NULL) {
		found = strstr(line, needle) != NULL;
	}
	if (f != NULL) {
		fclose(f);
	}
	return found;
}

static uint32_t set_client_info(struct wt *t,
                                const struct rpc_uuid *ipid,
                                const char *machine,
                                int32_t pid)
{
	struct wmi_set_client_info_req q = { .orpcthis = wt_this57(),
		                             .client_machine = (char *)machine,
		                             .proc_id = pid };
	struct wmi_hr_resp r;
	struct rpctest_reply rep;
	struct ndr_push p;
	struct ndr_pull pl;

	wt_push_on(t, &p);
	assert_int_equal(wmi_set_client_info_req_push(&p, &q), NDR_ERR_SUCCESS);
	wt_call(t, &wmi_iid_iwbemloginclientid, WMI_OP_SET_CLIENT_INFO, ipid,
	        &p, &rep);
	wt_pull_on(t, &pl, &rep);
	assert_int_equal(wmi_hr_resp_pull(&pl, &r), NDR_ERR_SUCCESS);
	return r.hr;
}

static void test_login_client_id(void **state)
{
	struct wt *t = wt_start(NULL);
	struct rpc_uuid login = wt_activate(t), cid, svc, en;
	struct wmi_ntlm_login_req q = { .orpcthis = wt_this57(),
		                        .network_resource = "root\\cimv2" };
	struct wmi_objref_resp r;
	struct rpctest_reply rep;
	struct ndr_push p;
	struct ndr_pull pl;

	(void)state;
	/* As Windows clients do: QI the login object for IWbemLoginClientID,
	 * tell the machine name and a process id, then NTLMLogin. */
	cid = rem_qi(t, &login, &wmi_iid_iwbemloginclientid);
	assert_int_equal(set_client_info(t, &cid, NULL, 1),
	                 HR_WBEM_E_INVALID_PARAMETER.v);
	assert_int_equal(set_client_info(t, &cid, "CLIENTPC7", 4242), 0);
	wt_push_on(t, &p);
	assert_int_equal(wmi_ntlm_login_req_push(&p, &q), NDR_ERR_SUCCESS);
	wt_call(t, &wmi_iid_iwbemlevel1login, WMI_OP_NTLM_LOGIN, &login, &p,
	        &rep);
	wt_pull_on(t, &pl, &rep);
	assert_int_equal(wmi_objref_resp_pull(&pl, &r), NDR_ERR_SUCCESS);
	assert_int_equal(r.hr, 0);
	svc = r.obj->std.ipid;
	/* A failure goes to the activity log with the client's name. */
	assert_int_equal(wt_query(t, &svc, "SELECT * FROM Nope", 0, &en),
	                 HR_WBEM_E_INVALID_CLASS.v);
	assert_true(file_has(t->fx->log, "CLIENTPC7"));
	assert_true(file_has(t->fx->log, "4242"));
	/* IWbemLoginHelper::SetEvent does nothing and says so. */
	{
		struct rpc_uuid h = rem_qi(t, &login,
		                           &wmi_iid_iwbemloginhelper);
		struct wmi_set_event_req eq = { .orpcthis = wt_this57(),
			                        .event = "Global\\Ev" };
		struct wmi_hr_resp hr;

		wt_push_on(t, &p);
		assert_int_equal(wmi_set_event_req_push(&p, &eq), 0);
		wt_call(t, &wmi_iid_iwbemloginhelper, WMI_OP_SET_EVENT, &h, &p,
		        &rep);
		wt_pull_on(t, &pl, &rep);
		assert_int_equal(wmi_hr_resp_pull(&pl, &hr), 0);
		assert_int_equal(hr.hr, 0);
	}
	wt_stop(t);
}

static void test_semisync_forward_only_bounded(void **state)
{
	struct wmi_config cfg = { .queue_objects = 8 };
	struct wt *t;
	struct rpc_uuid svc, en;
	struct wmi_next_resp r;
	struct dcom_objref *clone = NULL;
	uint32_t total = 0;

	(void)state;
	t = wt_start(&cfg);
	fx_add_big(t->fx, 500);
	svc = wt_login(t);
	/* RETURN_IMMEDIATELY | FORWARD_ONLY, as Windows clients send. */
	assert_int_equal(wt_query(t, &svc, "SELECT * FROM T_Big", 0x30, &en),
	                 0);
	assert_int_equal(enum_hr(t, &en, WMI_OP_ENUM_RESET, 0),
	                 HR_WBEM_E_INVALID_OPERATION.v);
	assert_int_equal(objref_call(t, &wmi_iid_ienumwbemclassobject,
	                             WMI_OP_ENUM_CLONE, &en, &clone),
	                 HR_WBEM_E_INVALID_OPERATION.v);
	assert_null(clone);
	for (;;) {
		wt_next(t, &en, -1, 37, &r);
		total += r.n;
		if (r.hr == 1) {
			break;
		}
		assert_int_equal(r.hr, 0);
		assert_int_equal(r.n, 37);
	}
	assert_int_equal(total, 500);
	wt_stop(t);
}

static void test_semisync_client_too_slow(void **state)
{
	struct wmi_config cfg = { .queue_objects = 4, .client_wait_ms = 100 };
	struct wt *t;
	struct rpc_uuid svc, en;
	struct wmi_next_resp r;
	uint32_t got = 0;

	(void)state;
	t = wt_start(&cfg);
	fx_add_big(t->fx, 100);
	svc = wt_login(t);
	assert_int_equal(wt_query(t, &svc, "SELECT * FROM T_Big", 0x30, &en),
	                 0);
	/* The producer fills its 4 and gives up on us after 100 ms. */
	usleep(400 * 1000);
	for (;;) {
		wt_next(t, &en, -1, 1, &r);
		if (r.n == 0) {
			break;
		}
		assert_int_equal(r.hr, 0);
		got++;
	}
	assert_int_equal(got, 4);
	assert_int_equal(r.hr, HR_WBEM_E_CLIENT_TOO_SLOW.v);
	wt_stop(t);
}

static void test_semisync_errors_come_from_next(void **state)
{
	struct wt *t = wt_start(NULL);
	struct rpc_uuid svc = wt_login(t), en;
	struct wmi_next_resp r;

	(void)state;
	assert_int_equal(wt_query(t, &svc, "SELECT * FROM Nope", 0x10, &en), 0);
	wt_next(t, &en, -1, 5, &r);
	assert_int_equal(r.n, 0);
	assert_int_equal(r.hr, HR_WBEM_E_INVALID_CLASS.v);
	/* A semisynchronous query that works, not forward-only: Reset. */
	assert_int_equal(wt_query(t, &svc,
	                          "SELECT * FROM T_Base WHERE Size < 4", 0x10,
	                          &en),
	                 0);
	assert_string_equal(wt_drain(t, &en, 2), "a,b,c");
	assert_int_equal(enum_hr(t, &en, WMI_OP_ENUM_RESET, 0), 0);
	assert_string_equal(wt_drain(t, &en, 3), "a,b,c");
	wt_stop(t);
}

static void test_reset_clone_skip_timeout(void **state)
{
	struct wt *t = wt_start(NULL);
	struct rpc_uuid svc = wt_login(t), en, en2;
	struct dcom_objref *clone = NULL;
	struct wmi_next_resp r;

	(void)state;
	assert_int_equal(wt_query(t, &svc,
	                          "SELECT * FROM T_Base WHERE Size < 4", 0,
	                          &en),
	                 0);
	assert_int_equal(enum_hr(t, &en, WMI_OP_ENUM_SKIP, 1), 0);
	assert_int_equal(objref_call(t, &wmi_iid_ienumwbemclassobject,
	                             WMI_OP_ENUM_CLONE, &en, &clone),
	                 0);
	assert_non_null(clone);
	en2 = clone->std.ipid;
	/* The clone starts where the original was. */
	assert_string_equal(wt_drain(t, &en2, 5), "b,c");
	/* lTimeout 0 answers with what is there. */
	wt_next(t, &en, 0, 1, &r);
	assert_int_equal(r.n, 1);
	assert_int_equal(r.hr, 0);
	assert_string_equal(wt_obj_name(t, r.objs[0]), "b");
	assert_int_equal(enum_hr(t, &en, WMI_OP_ENUM_SKIP, 5), 1);
	assert_int_equal(enum_hr(t, &en, WMI_OP_ENUM_RESET, 0), 0);
	wt_next(t, &en, -1, 3, &r);
	assert_int_equal(r.n, 3);
	assert_int_equal(r.hr, 0);
	/* uCount 0 is refused. */
	wt_next(t, &en, -1, 0, &r);
	assert_int_equal(r.hr, HR_WBEM_E_INVALID_PARAMETER.v);
	wt_stop(t);
}

/* RemQueryInterface for [iid] on [ipid]; returns the new IPID. */
static struct rpc_uuid rem_qi(struct wt *t,
                              const struct rpc_uuid *ipid,
                              const struct rpc_uuid *iid)
{
	struct dcom_rem_qi_req q = { .orpcthis = wt_this57(),
		                     .ipid = *ipid,
		                     .refs = 5,
		                     .n_iids = 1,
		                     .iids = (struct rpc_uuid *)iid };
	struct dcom_rem_qi_resp r;
	struct rpctest_reply rep;
	struct ndr_push p;
	struct ndr_pull pl;

	wt_push_on(t, &p);
	assert_int_equal(dcom_rem_qi_req_push(&p, &q), NDR_ERR_SUCCESS);
	wt_call(t, &dcom_iid_iremunknown, 3, &t->remunk, &p, &rep);
	wt_pull_on(t, &pl, &rep);
	assert_int_equal(dcom_rem_qi_resp_pull(&pl, &r), NDR_ERR_SUCCESS);
	assert_int_equal(r.hr, 0);
	assert_int_equal(r.n, 1);
	assert_int_equal(r.results[0].hr, 0);
	return r.results[0].std.ipid;
}

static uint32_t rd32(const uint8_t *p)
{
	return (uint32_t)p[0] | (uint32_t)p[1] << 8 | (uint32_t)p[2] << 16 |
	       (uint32_t)p[3] << 24;
}

static void test_smart_enumerator_packet(void **state)
{
	struct wt *t = wt_start(NULL);
	struct rpc_uuid svc = wt_login(t), en, fetch;
	struct dcom_objref *smart = NULL;
	struct wmi_smart_next_req q = { .orpcthis = wt_this57(),
		                        .timeout = 5000,
		                        .count = 10 };
	struct wmi_smart_next_resp r;
	struct rpctest_reply rep;
	struct ndr_push p;
	struct ndr_pull pl;
	const uint8_t *b, *cp = NULL;
	size_t pos, n_cp = 0;
	const char *names[3];

	(void)state;
	assert_int_equal(wt_query(t, &svc,
	                          "SELECT * FROM T_Base WHERE Size < 4", 0x30,
	                          &en),
	                 0);
	fetch = rem_qi(t, &en, &wmi_iid_iwbemfetchsmartenum);
	assert_int_equal(objref_call(t, &wmi_iid_iwbemfetchsmartenum,
	                             WMI_OP_GET_SMART_ENUM, &fetch, &smart),
	                 0);
	assert_non_null(smart);
	assert_true(rpc_uuid_equal(&smart->iid, &wmi_iid_iwbemwcosmartenum));
	wt_push_on(t, &p);
	assert_int_equal(wmi_smart_next_req_push(&p, &q), NDR_ERR_SUCCESS);
	wt_call(t, &wmi_iid_iwbemwcosmartenum, WMI_OP_SMART_NEXT,
	        &smart->std.ipid, &p, &rep);
	wt_pull_on(t, &pl, &rep);
	assert_int_equal(wmi_smart_next_resp_pull(&pl, &r), NDR_ERR_SUCCESS);
	assert_int_equal(r.hr, 1); /* 3 < 10: WBEM_S_FALSE */
	assert_int_equal(r.returned, 3);
	b = r.buf;
	/* ObjectArray header (MS-WMI 2.2.14). */
	assert_true(r.n_buf > 46);
	assert_int_equal(rd32(b), 0);
	assert_memory_equal(b + 4, "WBEMDATA", 8);
	assert_int_equal(rd32(b + 12), 0x1A);
	assert_int_equal(rd32(b + 16), r.n_buf - 0x1A);
	assert_int_equal(b[24], 1);
	assert_int_equal(b[25], 1);
	assert_int_equal(rd32(b + 26), 8);
	assert_int_equal(rd32(b + 30), r.n_buf - 34);
	assert_int_equal(rd32(b + 34), 12);
	assert_int_equal(rd32(b + 38), r.n_buf - 46);
	assert_int_equal(rd32(b + 42), 3);
	pos = 46;
	for (int i = 0; i < 3; i++) {
		uint32_t dsize = rd32(b + pos + 4);
		uint8_t type = b[pos + 8];
		const uint8_t *o = b + pos + 9;
		const uint8_t *data = o + 24;
		uint32_t n = rd32(o + 4);
		struct buf full;
		struct wmio_object *wo = NULL;
		size_t off, len;

		assert_int_equal(rd32(b + pos), 9);
		assert_int_equal(rd32(o), 0x18);
		assert_int_equal(dsize, 0x18 + n);
		/* The first of the class carries it, the others do not. */
		assert_int_equal(type, i == 0 ? 2 : 3);
		buf_init(&full, t->mem);
		if (i == 0) {
			assert_true(hr_ok(wmio_instance_class_part(
			        data, n, &off, &len, NULL)));
			cp = data + off;
			n_cp = len;
			buf_add(&full, data, n);
		} else {
			/* Same class GUID as the first. */
			assert_memory_equal(o + 8, b + 46 + 9 + 8, 16);
			assert_true(hr_ok(wmio_instance_add_class_part(
			        &full, data, n, cp, n_cp, NULL)));
		}
		assert_true(
		        hr_ok(wmio_decode_block(t->mem, (uint8_t *)full.data,
		                                full.len, NULL, &wo, NULL)));
		names[i] = cim_instance_get(wo->inst, "Name")->v.s;
		pos += 9 + dsize;
	}
	assert_int_equal(pos, r.n_buf);
	assert_string_equal(names[0], "a");
	assert_string_equal(names[1], "b");
	assert_string_equal(names[2], "c");
	wt_stop(t);
}

/* A single-object call with ppCallResult; returns the call result IPID. */
static uint32_t get_object(struct wt *t,
                           const struct rpc_uuid *svc,
                           const char *path,
                           int32_t flags,
                           struct wmi_svc_resp *r)
{
	struct wmi_svc_req q = { .str1 = (char *)path,
		                 .flags = flags,
		                 .pp_obj = { .set = (flags & 0x10) == 0 },
		                 .pp_result = { .set = (flags & 0x10) != 0 } };

	wt_svc_call(t, svc, WMI_OP_GET_OBJECT, &q, r);
	return r->hr;
}

static uint32_t callres_call(struct wt *t,
                             const struct rpc_uuid *cr,
                             uint16_t op,
                             struct rpctest_reply *rep)
{
	struct wmi_timeout_req q = { .orpcthis = wt_this57(), .timeout = 0 };
	struct ndr_push p;

	wt_push_on(t, &p);
	assert_int_equal(wmi_timeout_req_push(&p, false, &q), NDR_ERR_SUCCESS);
	wt_call(t, &wmi_iid_iwbemcallresult, op, cr, &p, rep);
	return rd32(rep->stub + rep->stub_len - 4);
}

static void test_call_result_semisync_get_object(void **state)
{
	struct wt *t = wt_start(NULL);
	struct rpc_uuid svc = wt_login(t), cr;
	struct wmi_svc_resp r;
	struct rpctest_reply rep;
	struct ndr_pull pl;
	struct wmi_objref_resp orr;
	struct wmi_status_resp sr;

	(void)state;
	assert_int_equal(get_object(t, &svc, "T_Base.Name=\"b\"", 0x10, &r), 0);
	assert_false(r.pp_obj.set);
	assert_true(r.pp_result.set);
	assert_non_null(r.pp_result.obj);
	cr = r.pp_result.obj->std.ipid;
	assert_int_equal(callres_call(t, &cr, WMI_OP_GET_CALL_STATUS, &rep), 0);
	wt_pull_on(t, &pl, &rep);
	assert_int_equal(wmi_status_resp_pull(&pl, &sr), 0);
	assert_int_equal(sr.status, 0);
	assert_int_equal(callres_call(t, &cr, WMI_OP_GET_RESULT_OBJECT, &rep),
	                 0);
	wt_pull_on(t, &pl, &rep);
	assert_int_equal(wmi_objref_resp_pull(&pl, &orr), 0);
	assert_string_equal(wt_obj_name(t, orr.obj), "b");
	assert_int_equal(callres_call(t, &cr, WMI_OP_GET_RESULT_STRING, &rep),
	                 HR_WBEM_E_INVALID_OPERATION.v);
	assert_int_equal(callres_call(t, &cr, WMI_OP_GET_RESULT_SERVICES, &rep),
	                 HR_WBEM_E_INVALID_OPERATION.v);
	/* Semisynchronous without ppCallResult: refused. */
	{
		struct wmi_svc_req q = { .str1 = "T_Base",
			                 .flags = 0x10,
			                 .pp_obj = { .set = true } };

		wt_svc_call(t, &svc, WMI_OP_GET_OBJECT, &q, &r);
		assert_int_equal(r.hr, HR_WBEM_E_INVALID_PARAMETER.v);
	}
	/* Synchronous: the object in ppObject; a failure as the result. */
	assert_int_equal(get_object(t, &svc, "T_Base.Name=\"c\"", 0, &r), 0);
	assert_string_equal(wt_obj_name(t, r.pp_obj.obj), "c");
	assert_int_equal(get_object(t, &svc, "T_Base.Name=\"zz\"", 0, &r),
	                 HR_WBEM_E_NOT_FOUND.v);
	assert_true(r.pp_obj.set);
	assert_null(r.pp_obj.obj);
	/* A NULL path: an empty class to fill (MS-WMI 3.1.4.3.4), sent
	 * as a root class named "" (our own decoder wants a name, so only
	 * the envelope is checked: a class EncodingUnit). */
	assert_int_equal(get_object(t, &svc, NULL, 0, &r), 0);
	assert_true(wmi_objref_is_classobject(r.pp_obj.obj));
	assert_true(r.pp_obj.obj->n_data > 9);
	assert_int_equal(r.pp_obj.obj->data[0], 0x78);        /* 0x12345678 */
	assert_int_equal(r.pp_obj.obj->data[8] & 0x03, 0x01); /* class */
	wt_stop(t);
}

static void test_put_and_delete_instance(void **state)
{
	struct wt *t = wt_start(NULL);
	struct rpc_uuid svc = wt_login(t), cr;
	struct cim_object *co = NULL;
	struct cim_instance *inst;
	struct cim_value v = { .type = CIM_T_STRING, .v.s = "zed" };
	struct buf b;
	struct dcom_objref o;
	struct wmi_svc_req q = { .flags = 0x10, .pp_result = { .set = true } };
	struct wmi_svc_resp r;
	struct rpctest_reply rep;
	struct ndr_pull pl;
	struct wmi_string_resp sr;

	(void)state;
	/* The client builds the instance from the class it fetched. */
	assert_true(hr_ok(
	        cimom_get_object(t->fx->s, t->mem, "T_Base", 0, &co, NULL)));
	inst = cim_instance_new(t->mem, co->u.cls);
	assert_true(hr_ok(cim_instance_set(inst, "Name", &v)));
	buf_init(&b, t->mem);
	assert_true(hr_ok(wmio_encode_instance(&b, inst, NULL, NULL, 0)));
	wmi_objref_classobject(&o, (uint8_t *)b.data, b.len);
	q.obj = &o;
	wt_svc_call(t, &svc, WMI_OP_PUT_INSTANCE, &q, &r);
	assert_int_equal(r.hr, 0);
	assert_non_null(r.pp_result.obj);
	cr = r.pp_result.obj->std.ipid;
	assert_int_equal(callres_call(t, &cr, WMI_OP_GET_RESULT_STRING, &rep),
	                 0);
	wt_pull_on(t, &pl, &rep);
	assert_int_equal(wmi_string_resp_pull(&pl, &sr), 0);
	assert_string_equal(sr.str, "T_Base.Name=\"zed\"");
	assert_int_equal(get_object(t, &svc, "T_Base.Name=\"zed\"", 0, &r), 0);
	/* CREATE_ONLY of an existing one fails unchanged. */
	q.flags = 0x2;
	q.pp_result.set = false;
	wt_svc_call(t, &svc, WMI_OP_PUT_INSTANCE, &q, &r);
	assert_int_equal(r.hr, HR_WBEM_E_ALREADY_EXISTS.v);
	/* A class where an instance belongs. */
	buf_init(&b, t->mem);
	assert_true(
	        hr_ok(wmio_encode_class(&b, co->u.cls, NULL, NULL, NULL, 0)));
	wmi_objref_classobject(&o, (uint8_t *)b.data, b.len);
	q.flags = 0;
	wt_svc_call(t, &svc, WMI_OP_PUT_INSTANCE, &q, &r);
	assert_int_equal(r.hr, HR_WBEM_E_INVALID_PARAMETER.v);
	/* Garbage object. */
	o.data[0] ^= 0xFF;
	wt_svc_call(t, &svc, WMI_OP_PUT_INSTANCE, &q, &r);
	assert_int_equal(r.hr, HR_WBEM_E_MARSHAL_INVALID_SIGNATURE.v);
	{
		struct wmi_svc_req d = { .str1 = "T_Base.Name=\"zed\"" };

		wt_svc_call(t, &svc, WMI_OP_DELETE_INSTANCE, &d, &r);
		assert_int_equal(r.hr, 0);
		assert_false(r.pp_result.set);
		wt_svc_call(t, &svc, WMI_OP_DELETE_INSTANCE, &d, &r);
		assert_int_equal(r.hr, HR_WBEM_E_NOT_FOUND.v);
	}
	assert_int_equal(get_object(t, &svc, "T_Base.Name=\"zed\"", 0, &r),
	                 HR_WBEM_E_NOT_FOUND.v);
	wt_stop(t);
}

/* PutClass of [local] (resolved against [parent] first, as a client's
 * class object is). */
static uint32_t put_class(struct wt *t,
                          const struct rpc_uuid *svc,
                          struct cim_class *local,
                          const struct cim_class *parent)
{
	struct cim_class *cls = NULL;
	struct dcom_objref o;
	struct wmi_svc_req q = { 0 };
	struct wmi_svc_resp r;
	struct buf b;

	assert_true(
	        hr_ok(cim_class_resolve(t->mem, local, parent, &cls, NULL)));
	buf_init(&b, t->mem);
	assert_true(hr_ok(wmio_encode_class(&b, cls, NULL, NULL, NULL, 0)));
	wmi_objref_classobject(&o, (uint8_t *)b.data, b.len);
	q.obj = &o;
	wt_svc_call(t, svc, WMI_OP_PUT_CLASS, &q, &r);
	return r.hr;
}

static void test_put_and_delete_class(void **state)
{
	struct wt *t = wt_start(NULL);
	struct rpc_uuid svc = wt_login(t);
	struct cim_object *base = NULL;
	struct cim_class *c;
	struct wmi_svc_req d = { .str1 = "T_Sub2" };
	struct wmi_svc_resp r;
	struct wmio_object *wo = NULL;

	(void)state;
	assert_true(hr_ok(
	        cimom_get_object(t->fx->s, t->mem, "T_Base", 0, &base, NULL)));
	/* A subclass: only its own property goes back to the repository,
	 * the inherited ones come from T_Base. */
	c = cim_class_new(t->mem, "T_Sub2", "T_Base");
	assert_non_null(cim_class_add_prop(c, "Extra2", CIM_T_UINT32));
	assert_int_equal(put_class(t, &svc, c, base->u.cls), 0);
	assert_int_equal(get_object(t, &svc, "T_Sub2", 0, &r), 0);
	assert_true(hr_ok(wmio_decode(t->mem, r.pp_obj.obj->data,
	                              r.pp_obj.obj->n_data, NULL, &wo, NULL)));
	assert_true(wo->is_class);
	assert_string_equal(wo->cls->superclass, "T_Base");
	assert_true(cim_class_find_prop(wo->cls, "Name") >= 0);
	assert_true(cim_class_find_prop(wo->cls, "Extra2") >= 0);
	assert_int_equal(wo->cls->n_props, base->u.cls->n_props + 1);
	/* Again with CREATE_ONLY: the repository's answer, unchanged. */
	{
		struct cim_class *cls = NULL;
		struct dcom_objref o;
		struct wmi_svc_req q = { .flags = 2 };
		struct buf b;

		assert_true(hr_ok(
		        cim_class_resolve(t->mem, c, base->u.cls, &cls, NULL)));
		buf_init(&b, t->mem);
		assert_true(
		        hr_ok(wmio_encode_class(&b, cls, NULL, NULL, NULL, 0)));
		wmi_objref_classobject(&o, (uint8_t *)b.data, b.len);
		q.obj = &o;
		wt_svc_call(t, &svc, WMI_OP_PUT_CLASS, &q, &r);
		assert_int_equal(r.hr, HR_WBEM_E_ALREADY_EXISTS.v);
	}
	wt_svc_call(t, &svc, WMI_OP_DELETE_CLASS, &d, &r);
	assert_int_equal(r.hr, 0);
	assert_int_equal(get_object(t, &svc, "T_Sub2", 0, &r),
	                 HR_WBEM_E_NOT_FOUND.v);
	wt_svc_call(t, &svc, WMI_OP_DELETE_CLASS, &d, &r);
	assert_int_equal(r.hr, HR_WBEM_E_NOT_FOUND.v);
	wt_stop(t);
}

static void test_open_namespace(void **state)
{
	struct wt *t = wt_start(NULL);
	struct rpc_uuid root, child, en;
	struct wmi_svc_req q = { .str1 = "cimv2", .pp_obj = { .set = true } };
	struct wmi_svc_resp r;
	struct rpctest_reply rep;
	struct ndr_pull pl;
	struct wmi_objref_resp orr;

	(void)state;
	assert_int_equal(wt_login_ns(t, "root", &root), 0);
	assert_int_equal(wt_query(t, &root, "SELECT * FROM T_Base", 0, &en),
	                 HR_WBEM_E_INVALID_CLASS.v);
	wt_svc_call(t, &root, WMI_OP_OPEN_NAMESPACE, &q, &r);
	assert_int_equal(r.hr, 0);
	assert_non_null(r.pp_obj.obj);
	child = r.pp_obj.obj->std.ipid;
	assert_int_equal(wt_query(t, &child,
	                          "SELECT * FROM T_Base WHERE Size < 4", 0,
	                          &en),
	                 0);
	assert_string_equal(wt_drain(t, &en, 1), "a,b,c");
	/* Unknown namespace, absolute path. */
	q.str1 = "nope";
	wt_svc_call(t, &root, WMI_OP_OPEN_NAMESPACE, &q, &r);
	assert_int_equal(r.hr, HR_WBEM_E_INVALID_NAMESPACE.v);
	assert_null(r.pp_obj.obj);
	q.str1 = "\\\\.\\root\\cimv2";
	wt_svc_call(t, &root, WMI_OP_OPEN_NAMESPACE, &q, &r);
	assert_int_equal(r.hr, HR_WBEM_E_INVALID_NAMESPACE.v);
	/* Semisynchronous: IWbemServices from the call result. */
	q.str1 = "cimv2";
	q.flags = 0x10;
	q.pp_obj.set = false;
	q.pp_result.set = true;
	wt_svc_call(t, &root, WMI_OP_OPEN_NAMESPACE, &q, &r);
	assert_int_equal(r.hr, 0);
	assert_non_null(r.pp_result.obj);
	assert_int_equal(callres_call(t, &r.pp_result.obj->std.ipid,
	                              WMI_OP_GET_RESULT_SERVICES, &rep),
	                 0);
	wt_pull_on(t, &pl, &rep);
	assert_int_equal(wmi_objref_resp_pull(&pl, &orr), 0);
	assert_true(rpc_uuid_equal(&orr.obj->iid, &wmi_iid_iwbemservices));
	assert_int_equal(wt_query(t, &orr.obj->std.ipid,
	                          "SELECT * FROM T_Base WHERE Size < 4", 0,
	                          &en),
	                 0);
	wt_stop(t);
}

static void test_enumerations_and_refusals(void **state)
{
	struct wt *t = wt_start(NULL);
	struct rpc_uuid svc = wt_login(t);
	struct wmi_svc_req q = { 0 };
	struct wmi_svc_resp r;
	struct wmi_next_resp nr;
	uint32_t classes = 0;

	(void)state;
	/* CreateInstanceEnum, shallow: T_Base only (not s1). */
	q.str1 = "T_Base";
	q.flags = 1;
	wt_svc_call(t, &svc, WMI_OP_CREATE_INSTANCE_ENUM, &q, &r);
	assert_int_equal(r.hr, 0);
	assert_string_equal(wt_drain(t, &r.out->std.ipid, 2), "a,b,c");
	/* CreateClassEnum of T_Base's subclasses: classes by value. */
	q.str1 = "T_Base";
	q.flags = 0;
	wt_svc_call(t, &svc, WMI_OP_CREATE_CLASS_ENUM, &q, &r);
	assert_int_equal(r.hr, 0);
	for (;;) {
		wt_next(t, &r.out->std.ipid, -1, 1, &nr);
		if (nr.n == 0) {
			break;
		}
		{
			struct wmio_object *wo = NULL;

			assert_true(hr_ok(wmio_decode(t->mem, nr.objs[0]->data,
			                              nr.objs[0]->n_data, NULL,
			                              &wo, NULL)));
			assert_true(wo->is_class);
			assert_string_equal(wo->cls->name, "T_Sub");
			classes++;
		}
	}
	assert_int_equal(classes, 1);
	assert_int_equal(nr.hr, 1);
	/* CreateInstanceEnum of an unknown class. */
	q.str1 = "Nope";
	wt_svc_call(t, &svc, WMI_OP_CREATE_INSTANCE_ENUM, &q, &r);
	assert_int_equal(r.hr, HR_WBEM_E_INVALID_CLASS.v);
	assert_null(r.out);
	/* Asynchronous forms and event queries are not supported. */
	q.str1 = "WQL";
	q.str2 = "SELECT * FROM T_Base";
	q.sink = NULL;
	wt_svc_call(t, &svc, WMI_OP_EXEC_QUERY_ASYNC, &q, &r);
	assert_int_equal(r.hr, HR_WBEM_E_NOT_SUPPORTED.v);
	wt_svc_call(t, &svc, WMI_OP_EXEC_NOTIFICATION_QUERY, &q, &r);
	assert_int_equal(r.hr, HR_WBEM_E_NOT_SUPPORTED.v);
	assert_null(r.out);
	wt_svc_call(t, &svc, WMI_OP_QUERY_OBJECT_SINK, &q, &r);
	assert_int_equal(r.hr, HR_WBEM_E_NOT_SUPPORTED.v);
	wt_svc_call(t, &svc, WMI_OP_CANCEL_ASYNC_CALL, &q, &r);
	assert_int_equal(r.hr, HR_WBEM_E_INVALID_PARAMETER.v);
	wt_stop(t);
}

static void test_exec_method_errors_pass_through(void **state)
{
	struct wt *t = wt_start(NULL);
	struct rpc_uuid svc = wt_login(t);
	struct wmi_svc_req q = { .str1 = "T_Static",
		                 .str2 = "Run",
		                 .pp_obj = { .set = true } };
	struct wmi_svc_resp r;
	struct cim_instance *out = NULL;
	hresult direct;

	(void)state;
	/* Whatever cimom answers reaches the client unchanged. */
	direct = cimom_exec_method(t->fx->s, t->mem, "T_Static", "Run", NULL, 0,
	                           &out, NULL);
	wt_svc_call(t, &svc, WMI_OP_EXEC_METHOD, &q, &r);
	assert_int_equal(r.hr, direct.v);
	q.str2 = "NoSuchMethod";
	wt_svc_call(t, &svc, WMI_OP_EXEC_METHOD, &q, &r);
	assert_int_equal(r.hr, HR_WBEM_E_INVALID_METHOD.v);
	assert_null(r.pp_obj.obj);
	q.str1 = "Not a path ===";
	wt_svc_call(t, &svc, WMI_OP_EXEC_METHOD, &q, &r);
	assert_int_equal(r.hr, HR_WBEM_E_INVALID_OBJECT_PATH.v);
	wt_stop(t);
}

/* MethProv (T_ProvMeth.Go([in] uint32 X)): ReturnValue = 2 X, and the
 * in-parameter's type as the provider saw it. */
static uint32_t seen_type;

static hresult meth_exec(void *arg,
                         const struct cimom_provider_call *call,
                         const struct objpath *path,
                         const char *method,
                         const struct cim_instance *in,
                         struct cim_instance **out,
                         struct errinfo *ei)
{
	const struct cim_method *m = cim_class_find_method(call->cls, method);
	struct cim_class *oc = NULL;
	struct cim_value rv = { .type = CIM_T_UINT32, .v.u = 0 };
	const struct cim_value *x;

	(void)arg;
	(void)path;
	(void)ei;
	if (m == NULL ||
	    hr_failed(wmio_params_class(call->mem, m, true, &oc))) {
		return HR_WBEM_E_FAILED;
	}
	x = in != NULL ? cim_instance_get(in, "X") : NULL;
	if (x != NULL && !x->null) {
		seen_type = x->type;
		rv.v.u = x->v.u * 2;
	}
	*out = cim_instance_new(call->mem, oc);
	return cim_instance_set(*out, "ReturnValue", &rv);
}

static void test_exec_method_in_and_out_parameters(void **state)
{
	struct cimom_provider_hooks meth = { .name = "MethProv",
		                             .exec_method = meth_exec };
	struct wt *t = wt_start(NULL);
	struct rpc_uuid svc = wt_login(t);
	struct cim_object *co = NULL;
	struct cim_class *inc = NULL;
	struct cim_instance *in;
	struct cim_value x = { .type = CIM_T_SINT64, .v.i = 21 };
	struct dcom_objref o;
	struct wmi_svc_req q = { .str1 = "T_ProvMeth",
		                 .str2 = "Go",
		                 .pp_obj = { .set = true } };
	struct wmi_svc_resp r;
	struct wmio_object *wo = NULL;
	struct buf b;

	(void)state;
	assert_true(hr_ok(cimom_register_provider(t->fx->cm, &meth)));
	/* The client's in-parameters: an instance of the input signature,
	 * with X of another integer type (mapped onto the signature's
	 * uint32 by name). */
	assert_true(hr_ok(cimom_get_object(t->fx->s, t->mem, "T_ProvMeth", 0,
	                                   &co, NULL)));
	assert_true(hr_ok(wmio_params_class(
	        t->mem, cim_class_find_method(co->u.cls, "Go"), false, &inc)));
	inc->props[cim_class_find_prop(inc, "X")].type = CIM_T_SINT64;
	in = cim_instance_new(t->mem, inc);
	assert_true(hr_ok(cim_instance_set(in, "X", &x)));
	buf_init(&b, t->mem);
	assert_true(hr_ok(wmio_encode_instance(&b, in, NULL, NULL, 0)));
	wmi_objref_classobject(&o, (uint8_t *)b.data, b.len);
	q.obj = &o;
	wt_svc_call(t, &svc, WMI_OP_EXEC_METHOD, &q, &r);
	assert_int_equal(r.hr, 0);
	assert_int_equal(seen_type, CIM_T_UINT32);
	assert_true(hr_ok(wmio_decode(t->mem, r.pp_obj.obj->data,
	                              r.pp_obj.obj->n_data, NULL, &wo, NULL)));
	assert_string_equal(wo->cls->name, "__PARAMETERS");
	assert_int_equal(cim_instance_get(wo->inst, "ReturnValue")->v.u, 42);
	/* Decorated with the session's server and namespace. */
	assert_string_equal(wo->ns, "root\\cimv2");
	/* Semisynchronous: the out-parameters from the call result. */
	q.flags = 0x10;
	q.pp_obj.set = false;
	q.pp_result.set = true;
	wt_svc_call(t, &svc, WMI_OP_EXEC_METHOD, &q, &r);
	assert_int_equal(r.hr, 0);
	{
		struct rpctest_reply rep;
		struct ndr_pull pl;
		struct wmi_objref_resp orr;

		assert_int_equal(callres_call(t, &r.pp_result.obj->std.ipid,
		                              WMI_OP_GET_RESULT_OBJECT, &rep),
		                 0);
		wt_pull_on(t, &pl, &rep);
		assert_int_equal(wmi_objref_resp_pull(&pl, &orr), 0);
		assert_true(
		        hr_ok(wmio_decode(t->mem, orr.obj->data,
		                          orr.obj->n_data, NULL, &wo, NULL)));
		assert_int_equal(cim_instance_get(wo->inst, "ReturnValue")->v.u,
		                 42);
	}
	/* A parameter the method does not have. */
	inc = cim_class_new(t->mem, "__PARAMETERS", NULL);
	assert_non_null(cim_class_add_prop(inc, "Y", CIM_T_UINT32));
	inc->resolved = true;
	in = cim_instance_new(t->mem, inc);
	buf_init(&b, t->mem);
	assert_true(hr_ok(wmio_encode_instance(&b, in, NULL, NULL, 0)));
	wmi_objref_classobject(&o, (uint8_t *)b.data, b.len);
	q.flags = 0;
	q.pp_obj.set = true;
	q.pp_result.set = false;
	wt_svc_call(t, &svc, WMI_OP_EXEC_METHOD, &q, &r);
	assert_int_equal(r.hr, HR_WBEM_E_INVALID_METHOD_PARAMETERS.v);
	assert_null(r.pp_obj.obj);
	wt_stop(t);
}

static void test_get_object_trailing_junk_and_bad_stub(void **state)
{
	struct wt *t = wt_start(NULL);
	struct rpc_uuid svc = wt_login(t);
	struct wmi_svc_req q = { .orpcthis = wt_this57(),
		                 .str1 = "T_Base.Name=\"a\"",
		                 .pp_obj = { .set = true } };
	struct wmi_svc_resp r;
	struct rpctest_reply rep;
	struct ndr_push p;
	struct ndr_pull pl;
	static const uint8_t junk[12] = { 0x10, 0x45 };
	const uint8_t *d;
	size_t n;

	(void)state;
	wt_push_on(t, &p);
	assert_int_equal(wmi_svc_req_push(&p, WMI_OP_GET_OBJECT, &q), 0);
	assert_int_equal(ndr_push_bytes(&p, junk, sizeof(junk)), 0);
	wt_call(t, &wmi_iid_iwbemservices, WMI_OP_GET_OBJECT, &svc, &p, &rep);
	wt_pull_on(t, &pl, &rep);
	assert_int_equal(wmi_svc_resp_pull(&pl, WMI_OP_GET_OBJECT, &r), 0);
	assert_int_equal(r.hr, 0);
	assert_string_equal(wt_obj_name(t, r.pp_obj.obj), "a");
	/* A truncated stub is a fault (nca_s_fault_ndr), not a crash. */
	wt_push_on(t, &p);
	assert_int_equal(wmi_svc_req_push(&p, WMI_OP_GET_OBJECT, &q), 0);
	assert_int_equal(ndr_push_blob(&p, &d, &n), 0);
	assert_int_equal(
	        rpctest_call(t->c, wt_pc_for(t, &wmi_iid_iwbemservices),
	                     WMI_OP_GET_OBJECT, &svc, d, n - 6, t->mem, &rep),
	        0);
	assert_int_not_equal(rep.status, 0);
	/* The connection still works. */
	assert_int_equal(get_object(t, &svc, "T_Base.Name=\"b\"", 0, &r), 0);
	wt_stop(t);
}

/* ---- concurrency: several connections on one object ---- */

struct worker {
	struct wt *t;
	struct rpc_uuid svc, en;
	uint32_t got;    /* objects read from the shared enumerator */
	uint32_t errors; /* anything unexpected */
};

/* Pushes [q] with [fn]; sends it on [c]'s context [pc]; 0 or -1. */
static int raw_call(struct rpctest_client *c,
                    void *mem,
                    uint16_t pc,
                    uint16_t op,
                    const struct rpc_uuid *ipid,
                    struct ndr_push *p,
                    struct rpctest_reply *r)
{
	const uint8_t *d;
	size_t n;

	if (ndr_push_blob(p, &d, &n) != NDR_ERR_SUCCESS ||
	    rpctest_call(c, pc, op, ipid, d, n, mem, r) != 0 ||
	    r->status != 0) {
		return -1;
	}
	return 0;
}

static void *worker_main(void *arg)
{
	struct worker *wk = arg;
	void *mem = talloc_new(NULL);
	struct rpctest_client *c = rpctest_connect_tcp(mem, wk->t->e->ts->addr,
	                                               wk->t->e->ts->port);
	struct rpc_syntax_id s_svc = { wmi_iid_iwbemservices, 0, 0 };
	struct rpc_syntax_id s_en = { wmi_iid_ienumwbemclassobject, 0, 0 };
	struct rpctest_bind_result res;

	if (c == NULL || rpctest_bind(c, 0, &s_svc, &auth_alice, &res) != 0 ||
	    rpctest_bind(c, 1, &s_en, &auth_alice, &res) != 0) {
		wk->errors++;
		talloc_free(mem);
		return NULL;
	}
	for (;;) {
		/* A query on the shared namespace object... */
		struct wmi_svc_req q = { .orpcthis = wt_this57(),
			                 .str1 = "WQL",
			                 .str2 = "SELECT * FROM T_Base" };
		struct wmi_timeout_req nq = { .orpcthis = wt_this57(),
			                      .timeout = -1,
			                      .count = 3 };
		struct wmi_svc_resp sr;
		struct wmi_next_resp nr;
		struct rpctest_reply rep;
		struct ndr_push p;
		struct ndr_pull pl;
		void *it = talloc_new(mem);

		ndr_push_init(&p, it, 0, NULL);
		wmi_svc_req_push(&p, WMI_OP_EXEC_QUERY, &q);
		if (raw_call(c, it, 0, WMI_OP_EXEC_QUERY, &wk->svc, &p, &rep) ||
		    ndr_pull_init(&pl, it, rep.stub, rep.stub_len, 0, NULL) ||
		    wmi_svc_resp_pull(&pl, WMI_OP_EXEC_QUERY, &sr) ||
		    sr.hr != 0) {
			wk->errors++;
		}
		/* ...and a few objects from the shared enumerator. */
		ndr_push_init(&p, it, 0, NULL);
		wmi_timeout_req_push(&p, true, &nq);
		if (raw_call(c, it, 1, WMI_OP_ENUM_NEXT, &wk->en, &p, &rep) ||
		    ndr_pull_init(&pl, it, rep.stub, rep.stub_len, 0, NULL) ||
		    wmi_next_resp_pull(&pl, &nr)) {
			wk->errors++;
			talloc_free(it);
			break;
		}
		wk->got += nr.n;
		talloc_free(it);
		if (nr.hr == 1) {
			break;
		}
		if (nr.hr != 0 || nr.n != 3) {
			wk->errors++;
			break;
		}
	}
	rpctest_close(c);
	talloc_free(mem);
	return NULL;
}

static void test_concurrent_calls_on_shared_objects(void **state)
{
	struct wt *t = wt_start(NULL);
	struct rpc_uuid svc, en;
	struct worker wk[4];
	pthread_t th[4];
	uint32_t total = 0;

	(void)state;
	fx_add_big(t->fx, 600);
	svc = wt_login(t);
	assert_int_equal(wt_query(t, &svc, "SELECT * FROM T_Big", 0, &en), 0);
	for (int i = 0; i < 4; i++) {
		wk[i] = (struct worker){ .t = t, .svc = svc, .en = en };
		assert_int_equal(
		        pthread_create(&th[i], NULL, worker_main, &wk[i]), 0);
	}
	for (int i = 0; i < 4; i++) {
		pthread_join(th[i], NULL);
		assert_int_equal(wk[i].errors, 0);
		total += wk[i].got;
	}
	/* Every object went to exactly one reader. */
	assert_int_equal(total, 600);
	wt_stop(t);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_login_query_next_sync),
		cmocka_unit_test(test_login_errors),
		cmocka_unit_test(test_login_other_methods),
		cmocka_unit_test(test_login_client_id),
		cmocka_unit_test(test_semisync_forward_only_bounded),
		cmocka_unit_test(test_semisync_client_too_slow),
		cmocka_unit_test(test_semisync_errors_come_from_next),
		cmocka_unit_test(test_reset_clone_skip_timeout),
		cmocka_unit_test(test_smart_enumerator_packet),
		cmocka_unit_test(test_call_result_semisync_get_object),
		cmocka_unit_test(test_put_and_delete_instance),
		cmocka_unit_test(test_put_and_delete_class),
		cmocka_unit_test(test_open_namespace),
		cmocka_unit_test(test_enumerations_and_refusals),
		cmocka_unit_test(test_exec_method_errors_pass_through),
		cmocka_unit_test(test_exec_method_in_and_out_parameters),
		cmocka_unit_test(test_get_object_trailing_junk_and_bad_stub),
		cmocka_unit_test(test_concurrent_calls_on_shared_objects),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
