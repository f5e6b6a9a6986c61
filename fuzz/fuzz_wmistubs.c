/*
 * fuzz_wmistubs: the MS-WMI request and response stubs (wmi/stubs.h).
 *
 * The first input octet picks the stub (below), the rest is the stub.
 * Whatever decodes is pushed, pulled again and pushed a second time: the
 * two pushes must give the same octets (the first push canonicalises:
 * impacket's BSTR NULs and pads, the NULL BSTR forms, a NULL pBuffer with
 * a size).  A push may refuse a decoded value only for size
 * (NDR_ERR_RANGE / NDR_ERR_LIMIT).
 * Seeds: d05, d06, e01-e05, f01, f03, g01, g03 with their selector octet.
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <talloc.h>

#include "fuzz_common.h"
#include "fuzz_dcom.h"
#include "rpc/ndr.h"
#include "wmi/stubs.h"

/* Selectors 0..22 are IWbemServices requests of opnum sel + 3, 32..54
 * its responses; the rest below. */
enum sel {
	S_SVC_REQ = 0,
	S_SVC_RESP = 32,
	S_NTLM_LOGIN = 64,
	S_OBJREF_RESP,
	S_ESTABLISH_REQ,
	S_ESTABLISH_RESP,
	S_CHALLENGE_REQ,
	S_CHALLENGE_RESP,
	S_WBEM_LOGIN,
	S_TIMEOUT_COUNT,
	S_TIMEOUT,
	S_NEXT_RESP,
	S_NEXT_ASYNC,
	S_HR_RESP,
	S_STRING_RESP,
	S_STATUS_RESP,
	S_SMART_REQ,
	S_SMART_RESP,
	S_ORPCTHIS,
	S_CLIENT_INFO,
	S_SET_EVENT,
	S_LAST,
};

union value {
	struct wmi_svc_req svc_req;
	struct wmi_svc_resp svc_resp;
	struct wmi_ntlm_login_req ntlm;
	struct wmi_objref_resp objref;
	struct wmi_establish_position_req ep_req;
	struct wmi_establish_position_resp ep_resp;
	struct wmi_request_challenge_req rc_req;
	struct wmi_request_challenge_resp rc_resp;
	struct wmi_wbem_login_req wbem;
	struct wmi_timeout_req tmo;
	struct wmi_next_resp next;
	struct wmi_next_async_req next_async;
	struct wmi_hr_resp hr;
	struct wmi_string_resp str;
	struct wmi_status_resp status;
	struct wmi_smart_next_req smart_req;
	struct wmi_smart_next_resp smart_resp;
	struct dcom_orpcthis orpcthis;
	struct wmi_set_client_info_req client_info;
	struct wmi_set_event_req set_event;
};

static enum ndr_err pull(struct ndr_pull *ndr, unsigned sel, union value *v)
{
	if (sel < S_SVC_RESP) {
		return wmi_svc_req_pull(ndr, (uint16_t)(sel + 3), &v->svc_req);
	}
	if (sel < S_NTLM_LOGIN) {
		return wmi_svc_resp_pull(ndr, (uint16_t)(sel - S_SVC_RESP + 3),
		                         &v->svc_resp);
	}
	switch (sel) {
	case S_NTLM_LOGIN:
		return wmi_ntlm_login_req_pull(ndr, &v->ntlm);
	case S_OBJREF_RESP:
		return wmi_objref_resp_pull(ndr, &v->objref);
	case S_ESTABLISH_REQ:
		return wmi_establish_position_req_pull(ndr, &v->ep_req);
	case S_ESTABLISH_RESP:
		return wmi_establish_position_resp_pull(ndr, &v->ep_resp);
	case S_CHALLENGE_REQ:
		return wmi_request_challenge_req_pull(ndr, &v->rc_req);
	case S_CHALLENGE_RESP:
		return wmi_request_challenge_resp_pull(ndr, &v->rc_resp);
	case S_WBEM_LOGIN:
		return wmi_wbem_login_req_pull(ndr, &v->wbem);
	case S_TIMEOUT_COUNT:
		return wmi_timeout_req_pull(ndr, true, &v->tmo);
	case S_TIMEOUT:
		return wmi_timeout_req_pull(ndr, false, &v->tmo);
	case S_NEXT_RESP:
		return wmi_next_resp_pull(ndr, &v->next);
	case S_NEXT_ASYNC:
		return wmi_next_async_req_pull(ndr, &v->next_async);
	case S_HR_RESP:
		return wmi_hr_resp_pull(ndr, &v->hr);
	case S_STRING_RESP:
		return wmi_string_resp_pull(ndr, &v->str);
	case S_STATUS_RESP:
		return wmi_status_resp_pull(ndr, &v->status);
	case S_SMART_REQ:
		return wmi_smart_next_req_pull(ndr, &v->smart_req);
	case S_SMART_RESP:
		return wmi_smart_next_resp_pull(ndr, &v->smart_resp);
	case S_CLIENT_INFO:
		return wmi_set_client_info_req_pull(ndr, &v->client_info);
	case S_SET_EVENT:
		return wmi_set_event_req_pull(ndr, &v->set_event);
	default:
		return wmi_orpcthis_req_pull(ndr, &v->orpcthis);
	}
}

static enum ndr_err push(struct ndr_push *ndr,
                         unsigned sel,
                         const union value *v)
{
	if (sel < S_SVC_RESP) {
		return wmi_svc_req_push(ndr, (uint16_t)(sel + 3), &v->svc_req);
	}
	if (sel < S_NTLM_LOGIN) {
		return wmi_svc_resp_push(ndr, (uint16_t)(sel - S_SVC_RESP + 3),
		                         &v->svc_resp);
	}
	switch (sel) {
	case S_NTLM_LOGIN:
		return wmi_ntlm_login_req_push(ndr, &v->ntlm);
	case S_OBJREF_RESP:
		return wmi_objref_resp_push(ndr, &v->objref);
	case S_ESTABLISH_REQ:
		return wmi_establish_position_req_push(ndr, &v->ep_req);
	case S_ESTABLISH_RESP:
		return wmi_establish_position_resp_push(ndr, &v->ep_resp);
	case S_CHALLENGE_REQ:
		return wmi_request_challenge_req_push(ndr, &v->rc_req);
	case S_CHALLENGE_RESP:
		return wmi_request_challenge_resp_push(ndr, &v->rc_resp);
	case S_WBEM_LOGIN:
		return wmi_wbem_login_req_push(ndr, &v->wbem);
	case S_TIMEOUT_COUNT:
		return wmi_timeout_req_push(ndr, true, &v->tmo);
	case S_TIMEOUT:
		return wmi_timeout_req_push(ndr, false, &v->tmo);
	case S_NEXT_RESP:
		return wmi_next_resp_push(ndr, &v->next);
	case S_NEXT_ASYNC:
		return wmi_next_async_req_push(ndr, &v->next_async);
	case S_HR_RESP:
		return wmi_hr_resp_push(ndr, &v->hr);
	case S_STRING_RESP:
		return wmi_string_resp_push(ndr, &v->str);
	case S_STATUS_RESP:
		return wmi_status_resp_push(ndr, &v->status);
	case S_SMART_REQ:
		return wmi_smart_next_req_push(ndr, &v->smart_req);
	case S_SMART_RESP:
		return wmi_smart_next_resp_push(ndr, &v->smart_resp);
	case S_CLIENT_INFO:
		return wmi_set_client_info_req_push(ndr, &v->client_info);
	case S_SET_EVENT:
		return wmi_set_event_req_push(ndr, &v->set_event);
	default:
		return wmi_orpcthis_req_push(ndr, &v->orpcthis);
	}
}

/* Pulls [p, p+n) as [sel] into [v] (under [mem]); true when it decoded. */
static bool decode(void *mem,
                   unsigned sel,
                   const uint8_t *p,
                   size_t n,
                   union value *v)
{
	struct ndr_pull ndr;
	enum ndr_err err;

	if (fuzz_dcom_pull_open(mem, &ndr, p, n) != NDR_ERR_SUCCESS) {
		return false;
	}
	memset(v, 0, sizeof(*v));
	err = pull(&ndr, sel, v);
	if (err == NDR_ERR_SUCCESS) {
		FUZZ_CHECK(ndr.pos <= n);
	}
	ndr_pull_release(&ndr);
	return err == NDR_ERR_SUCCESS;
}

/* Pushes [v]; returns the octets (under [mem]) or NULL when refused. */
static uint8_t *encode(void *mem,
                       unsigned sel,
                       const union value *v,
                       size_t *len)
{
	struct ndr_push ndr;
	uint8_t *out = NULL;
	enum ndr_err err;

	if (fuzz_dcom_push_open(mem, &ndr) != NDR_ERR_SUCCESS) {
		return NULL;
	}
	err = push(&ndr, sel, v);
	if (err == NDR_ERR_SUCCESS) {
		/* Sticky: a failed push also fails the close. */
		err = fuzz_dcom_push_close(mem, &ndr, &out, len);
	} else {
		ndr_push_release(&ndr);
	}
	FUZZ_CHECK(err == NDR_ERR_SUCCESS || err == NDR_ERR_RANGE ||
	           err == NDR_ERR_LIMIT || err == NDR_ERR_ALLOC);
	return err == NDR_ERR_SUCCESS ? out : NULL;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	void *mem;
	unsigned sel;
	union value v1, v2, v3;
	uint8_t *b1, *b2;
	size_t n1 = 0, n2 = 0;

	if (size < 1) {
		return 0;
	}
	sel = data[0];
	if ((sel > S_SVC_REQ + 22 && sel < S_SVC_RESP) ||
	    (sel > S_SVC_RESP + 22 && sel < S_NTLM_LOGIN) || sel >= S_LAST) {
		return 0;
	}
	mem = talloc_new(NULL);
	if (mem == NULL) {
		return 0;
	}
	if (decode(mem, sel, data + 1, size - 1, &v1) &&
	    (b1 = encode(mem, sel, &v1, &n1)) != NULL) {
		FUZZ_CHECK(decode(mem, sel, b1, n1, &v2));
		b2 = encode(mem, sel, &v2, &n2);
		FUZZ_CHECK(b2 != NULL);
		FUZZ_CHECK(decode(mem, sel, b2, n2, &v3));
		FUZZ_CHECK(n1 == n2 && memcmp(b1, b2, n1) == 0);
	}
	talloc_free(mem);
	return 0;
}
