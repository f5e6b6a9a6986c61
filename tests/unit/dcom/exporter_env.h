/*
 * exporter_env: a live DCOM exporter on the test RPC server (tests only).
 *
 * env_start() starts rpctest_server (random 127.x.y.z, accounts alice /
 * Secret#1 and bob / Other#2), creates an exporter on its loop with the
 * given ping settings, registers it, adds the test class CLSID_TEST
 * (objects of type "TestObj" answering IID_A and IID_B, not IID_C) and
 * serves two test ORPC interfaces on it:
 *
 *   ITestA (IID_A v0.0): 3 Ping      -> ORPCTHAT, u32 magic, HRESULT
 *                        4 Sleep     u32 ms -> ORPCTHAT, HRESULT (pinned)
 *                        5 GetB      -> ORPCTHAT, [unique] MIP of IID_B
 *                                       (dcom_export_iface), HRESULT
 *                        6 NewObject -> ORPCTHAT, MIP of a new TestObj
 *                                       (dcom_export, IID_A), HRESULT
 *   ITestB (IID_B v0.0): 3 Ping      as above
 *
 * The access hook refuses user "bob" (E_ACCESSDENIED) for both launch
 * and calls.  Every destroy() is counted; a second destroy of one object
 * is a double free that ASan reports.
 */
#ifndef OWMI_TESTS_DCOM_EXPORTER_ENV_H
#define OWMI_TESTS_DCOM_EXPORTER_ENV_H

#include <stdatomic.h>
#include <stdbool.h>
#include <stdint.h>

#include "dcom/actprops.h"
#include "dcom/exporter.h"
#include "dcom/stubs.h"
#include "rpctest_client.h"
#include "rpctest_server.h"

#define TEST_MAGIC 0x5eed1234u

extern const struct rpc_uuid clsid_test;
extern const struct rpc_uuid clsid_unknown;
extern const struct rpc_uuid iid_a, iid_b, iid_c;
extern const struct rpc_syntax_id syntax_scm, syntax_oxid, syntax_remunk,
        syntax_remunk2, syntax_a, syntax_b;
extern const struct rpctest_auth auth_alice, auth_bob;

extern atomic_uint env_destroyed;    /* destroy() calls */
extern atomic_uint env_created;      /* create() calls */
extern atomic_uint env_sleep_inside; /* Sleep handlers past call_begin */
/* Sleep handlers return once this is set (or their time cap passed). */
extern atomic_bool env_sleep_gate;

struct env {
	void *mem;
	struct rpctest_server *ts;
	struct dcom_exporter *exp;
	struct dcom_exporter_config cfg;
};

/* The test class (creates TestObj objects). */
const struct dcom_class *env_test_class(void);

/* [cfg] NULL: defaults (ping period 120 s).  Resets the counters. */
struct env *env_start(void *mem, const struct dcom_exporter_config *cfg);
/* Shuts the exporter down on the loop, stops the server, frees it. */
void env_stop(struct env *e);
/* Runs the collector on the loop thread. */
void env_collect(struct env *e);
void env_stats(struct env *e, struct dcom_exporter_stats *st);

/* A client bound to [syntax] on p_cont_id 0 with [auth] (may be NULL). */
struct rpctest_client *env_client(struct env *e,
                                  const struct rpc_syntax_id *syntax,
                                  const struct rpctest_auth *auth);

/* The result of an activation: method HRESULT and decoded properties. */
struct act_result {
	uint32_t status; /* fault status, 0 for a response */
	uint32_t hr;
	struct dcom_actprops *props; /* NULL when the reply has none */
};

/* RemoteCreateInstance (opnum 4) or RemoteGetClassObject (3) on [c]
 * (bound to syntax_scm on p_cont_id [pc]). */
void env_activate(struct rpctest_client *c,
                  uint16_t pc,
                  void *mem,
                  const struct rpc_uuid *clsid,
                  const struct rpc_uuid *iids,
                  uint32_t n,
                  struct dcom_comversion this_ver,
                  struct dcom_comversion client_ver,
                  bool get_class_object,
                  struct act_result *out);

/* An ORPC call: ORPCTHIS (version [ver]) + [body]; returns the reply. */
void env_orpc(struct rpctest_client *c,
              uint16_t pc,
              uint16_t opnum,
              const struct rpc_uuid *object,
              struct dcom_comversion ver,
              const uint8_t *body,
              size_t n,
              void *mem,
              struct rpctest_reply *out);

#endif
