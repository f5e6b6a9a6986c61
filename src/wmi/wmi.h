/*
 * wmi: the WMI service's remote face (wmi layer; MS-WMI 3.1,
 * docs/internals/wmi.md).
 *
 * wmi_register() makes CLSID_WbemLevel1Login activatable on a DCOM
 * exporter and serves, through it, the MS-WMI interfaces of the objects it
 * hands out:
 *
 *   WbemLevel1Login    IWbemLevel1Login (EstablishPosition,
 *                      RequestChallenge, WBEMLogin, NTLMLogin)
 *   a namespace        IWbemServices (opnums 3-25) over a cimom session
 *   an enumerator      IEnumWbemClassObject, IWbemFetchSmartEnum,
 *                      IWbemWCOSmartEnum
 *   a call result      IWbemCallResult
 *
 * Objects travel by value as OBJREF_CUSTOM holding an MS-WMIO
 * EncodingUnit (decorated with the server and namespace).  Synchronous
 * calls run on the RPC worker that received them; semisynchronous
 * enumerations (WBEM_FLAG_RETURN_IMMEDIATELY) run on a thread of their own
 * and deliver through a bounded queue when forward-only; semisynchronous
 * single-object calls complete before they return their IWbemCallResult.
 * Asynchronous methods (the *Async opnums, NextAsync with objects left,
 * QueryObjectSink) answer WBEM_E_NOT_SUPPORTED: the server never calls
 * back into a client.
 *
 * Errors of the object manager reach the client unchanged as the method's
 * HRESULT; cimom logs them, this layer does not log them again.
 *
 * Threads: every handler may run on any RPC worker at once; each object
 * has its own lock, and a cimom session is used by one thread at a time.
 */
#ifndef OWMI_WMI_WMI_H
#define OWMI_WMI_WMI_H

#include <stdint.h>

#include "base/hresult.h"
#include "base/log.h"
#include "cimom/cimom.h"
#include "dcom/exporter.h"
#include "rpc/server.h"

struct wmi_config {
	/*
	 * Maps the RPC caller to the identity of its cimom sessions: fills
	 * [out] (strings under [mem], which lives as long as the session's
	 * copy is made) and returns S_OK, or an error HRESULT that
	 * NTLMLogin returns (E_ACCESSDENIED for an unknown account).  Any
	 * thread.  NULL: the RPC user and domain, remote unless the call
	 * came over the Unix socket, no administrator rights, no Unix ids.
	 */
	hresult (*identity)(void *arg,
	                    const struct rpc_identity *who,
	                    void *mem,
	                    struct cimom_identity *out);
	void *identity_arg;
	/*
	 * Objects a forward-only semisynchronous enumeration buffers ahead
	 * of the client (its producer then waits); 0: 1024.
	 */
	uint32_t queue_objects;
	/*
	 * How long a producer waits for a client that does not call Next
	 * while the queue is full, in ms; then the enumeration ends with
	 * WBEM_E_CLIENT_TOO_SLOW.  It holds the object manager's lock
	 * meanwhile, so it waits only while no other thread wants that lock
	 * (cimom_lock_contended): when one does, the producer stops waiting
	 * and queues past queue_objects, up to max_result_bytes for the set
	 * and max_result_bytes for all such sets of the server together,
	 * and past that ends with WBEM_E_CLIENT_TOO_SLOW.  A client whose
	 * connection closed (wmi_conn_closed) or whose Next was cancelled is
	 * not waited for at all.  0: 10000.
	 */
	uint32_t client_wait_ms;
	/*
	 * Encoded bytes one result set may hold (a synchronous call, or a
	 * semisynchronous one that is not forward-only, keeps its whole
	 * result); past it the call fails with WBEM_E_OUT_OF_MEMORY.
	 * 0: 256 MiB.
	 */
	size_t max_result_bytes;
	/* Semisynchronous enumerations running at once; more run
	 * synchronously.  0: 64. */
	uint32_t max_background;
	/* Longest a Next with WBEM_INFINITE waits before answering
	 * WBEM_S_TIMEDOUT (the client's socket must not time out first);
	 * 0: 240000 ms. */
	uint32_t max_wait_ms;
	struct logger *log; /* borrowed, may be NULL; component "wmi" */
};

#define WMI_DEFAULT_QUEUE_OBJECTS  1024u
#define WMI_DEFAULT_CLIENT_WAIT_MS 10000u
#define WMI_DEFAULT_MAX_RESULT     (256u << 20)
#define WMI_DEFAULT_MAX_BACKGROUND 64u
#define WMI_DEFAULT_MAX_WAIT_MS    240000u

/*
 * Adds the activatable class WbemLevel1Login to [exp] and serves the
 * MS-WMI interfaces with dcom_exporter_serve (call after
 * dcom_exporter_register).  [cm] is borrowed and must outlive [exp];
 * [cfg] (may be NULL) is copied.  The state hangs off [exp]; freeing the
 * exporter waits for background enumerations to stop (shut the exporter
 * down first, which cancels them).  Loop thread.
 * Errors: E_INVALIDARG (NULL exp or cm, registered twice),
 * E_OUTOFMEMORY, and those of dcom_exporter_serve.
 */
hresult wmi_register(struct dcom_exporter *exp,
                     struct cimom *cm,
                     const struct wmi_config *cfg);

/*
 * Figures of the forward-only semisynchronous result sets (the bounded
 * ones) of the WMI server on [exp], for tests and diagnostics.  All
 * zero when wmi_register was not called on [exp].  Any thread.
 */
struct wmi_stats {
	uint32_t background;     /* producer threads running */
	uint32_t bounded_sets;   /* bounded result sets alive */
	uint64_t queued_objects; /* objects they hold now */
	uint64_t queued_bytes;   /* encoded bytes they hold now */
	uint64_t peak_bytes;     /* the most queued_bytes has been */
	uint64_t spilled;        /* objects queued past queue_objects because
	                            another thread wanted the object manager */
	uint64_t yields;         /* waits for a client cut short by that */
	uint64_t too_slow;       /* enumerations ended WBEM_E_CLIENT_TOO_SLOW */
	uint64_t gone; /* waits skipped: the client's connection closed
	                  or its Next was cancelled */
};

void wmi_stats_get(struct dcom_exporter *exp, struct wmi_stats *out);

/*
 * Tells the WMI server on [exp] that RPC connection [conn_id] is gone
 * (wire it to rpc_server_config.conn_closed, on the loop thread; any
 * thread will do).  A bounded enumeration whose last Next came over that
 * connection stops waiting for its client: its producer queues no more
 * than queue_objects and ends with WBEM_E_CLIENT_TOO_SLOW instead of
 * holding the object manager for client_wait_ms.  Nothing is destroyed:
 * the enumerator belongs to the client's OXID, and a Next over another
 * connection still reads what was queued (then the error), and makes the
 * producer wait for that connection again if it is still running.
 */
void wmi_conn_closed(struct dcom_exporter *exp, uint64_t conn_id);

#endif
