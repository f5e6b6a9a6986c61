/*
 * wmitest: the fixture of the WMI server unit tests (see wmitest.c).
 */
#ifndef OWMI_TESTS_WMITEST_H
#define OWMI_TESTS_WMITEST_H

#include <stdbool.h>
#include <stdint.h>

#include "exporter_env.h"
#include "fixture.h"
#include "rpc/ndr.h"
#include "wmi/stubs.h"
#include "wmi/wmi.h"

#define V57 ((struct dcom_comversion){ 5, 7 })

struct wt {
	void *mem;
	struct fx *fx;
	struct env *e;
	struct rpctest_client *c;
	struct rpc_uuid iids[8];
	uint16_t n_pc;
	struct rpc_uuid remunk;
	struct wmi_config cfg;
};

struct wt *wt_start(const struct wmi_config *cfg);

void wt_stop(struct wt *t);

uint16_t wt_pc_for(struct wt *t, const struct rpc_uuid *iid);

/* Sends [stub] and returns the response stub (the call must not fault). */
void wt_call(struct wt *t,
             const struct rpc_uuid *iid,
             uint16_t opnum,
             const struct rpc_uuid *ipid,
             struct ndr_push *p,
             struct rpctest_reply *r);

void wt_push_on(struct wt *t, struct ndr_push *p);

void wt_pull_on(struct wt *t, struct ndr_pull *p, struct rpctest_reply *r);

struct dcom_orpcthis wt_this57(void);

/* Activates WbemLevel1Login; returns its IPID. */
struct rpc_uuid wt_activate(struct wt *t);

/* NTLMLogin on [ns]; returns the HRESULT and the services IPID. */
uint32_t wt_login_ns(struct wt *t, const char *ns, struct rpc_uuid *svc);

struct rpc_uuid wt_login(struct wt *t);

/* An IWbemServices call; the response is decoded into [r]. */
void wt_svc_call(struct wt *t,
                 const struct rpc_uuid *svc,
                 uint16_t op,
                 struct wmi_svc_req *q,
                 struct wmi_svc_resp *r);

/* ExecQuery; returns the HRESULT and the enumerator's IPID. */
uint32_t wt_query(struct wt *t,
                  const struct rpc_uuid *svc,
                  const char *wql,
                  int32_t flags,
                  struct rpc_uuid *en);

/* Next; decodes the response into [r]. */
void wt_next(struct wt *t,
             const struct rpc_uuid *en,
             int32_t timeout,
             uint32_t count,
             struct wmi_next_resp *r);

const char *wt_obj_name(struct wt *t, const struct dcom_objref *o);

/* Reads [en] one object at a time to the end; returns the names
 * joined with ','. */
char *wt_drain(struct wt *t, const struct rpc_uuid *en, uint32_t batch);

#endif
