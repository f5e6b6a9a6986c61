/*
 * rset: result sets of enumerations and the producers that fill them
 * (wmi layer; MS-WMI 3.1.1.1 delivering results; contracts in
 * wmi-int.h).
 *
 * A result set is the sequence of EncodingUnits an operation produced,
 * shared by its enumerators (Clone) and its producer, refcounted.
 *
 * - Synchronous: the producer is the handler's own thread; the set is
 *   complete before ExecQuery returns, and a failure is ExecQuery's.
 * - Semisynchronous: a detached thread runs the operation on a session of
 *   its own (a cimom session serves one thread at a time) and appends as
 *   objects arrive; Next waits for them.  At most max_background run;
 *   beyond, the call runs synchronously.
 * - Forward-only: what an enumerator took is dropped at once, Reset and
 *   Clone are refused, and a semisynchronous producer waits when
 *   queue_objects are buffered, so a huge result never sits whole in
 *   memory.  It waits inside indicate(), with the object manager's lock
 *   held (cimom delivers under it, inside a repository cursor), so it
 *   follows cimom's flow-control rule (cimom.h): it waits only while no
 *   other thread wants that lock, polling cimom_lock_contended() every
 *   CIMOM_SINK_POLL_MS, and at most client_wait_ms.  When another thread
 *   wants the lock it stops waiting and queues past the bound ("spills")
 *   so the operation ends at production speed and lets the lock go; the
 *   spill is bounded by max_result_bytes for the set and for all bounded
 *   sets of the server together, and past that (or after client_wait_ms
 *   uncontended) the enumeration ends with WBEM_E_CLIENT_TOO_SLOW after
 *   the objects already queued.  A client whose connection closed
 *   (wmi_conn_closed) or whose Next was cancelled is not waited for: the
 *   producer ends with WBEM_E_CLIENT_TOO_SLOW once its queue is full.
 *   The set itself stays (it belongs to the enumerator, which belongs to
 *   the client's OXID): another connection may still read it.
 * - Otherwise every object stays for Reset and Clone, up to
 *   max_result_bytes (then WBEM_E_OUT_OF_MEMORY).
 *
 * Instances of one class share one pre-encoded class part
 * (wmio_class_cache) per operation; the class's index in that cache is
 * the item's class identity for the smart enumerator.
 */
#include <pthread.h>
#include <string.h>
#include <talloc.h>
#include <time.h>

#include "wmi/wmi-int.h"
#include "wmio/wmio.h"

/* The servers wmi_register made, for wmi_stats_get and wmi_conn_closed
 * (lock order: reg_mu, then a server's mu, then a set's mu). */
static pthread_mutex_t reg_mu = PTHREAD_MUTEX_INITIALIZER;
static struct wmi_server *reg_head;

struct wmi_rset {
	struct wmi_server *srv;
	pthread_mutex_t mu;
	pthread_cond_t cv; /* any change: item, end, take, cancel */
	unsigned refs;     /* consumers and the producer */
	unsigned consumers;
	bool forward_only;
	bool bounded; /* a background producer waits on a full queue */
	/* items[head, head + count) are objects base.. of the stream. */
	struct wmi_item *items;
	size_t head, count, cap;
	uint64_t base;
	size_t bytes;
	bool done;
	hresult status;
	bool cancelled; /* no consumer is left */
	uint32_t want;  /* the largest Next waiting: the bound grows to it */
	/* bounded sets: */
	struct wmi_rset *next_bounded; /* srv->bounded, under srv->mu */
	uint64_t conn_id;              /* of the last Next; 0: none yet */
	bool client_gone; /* that connection closed, or the Next cancelled */
};

/* ---- figures (atomics of struct wmi_server) ---- */

static void acct_add(struct wmi_server *srv, size_t n)
{
	uint_fast64_t b, peak;

	atomic_fetch_add_explicit(&srv->queued_objects, 1,
	                          memory_order_relaxed);
	b = atomic_fetch_add_explicit(&srv->queued_bytes, n,
	                              memory_order_relaxed) +
	    n;
	peak = atomic_load_explicit(&srv->peak_bytes, memory_order_relaxed);
	while (b > peak &&
	       !atomic_compare_exchange_weak_explicit(&srv->peak_bytes, &peak,
	                                              b, memory_order_relaxed,
	                                              memory_order_relaxed)) {
	}
}

static void acct_sub(struct wmi_server *srv, uint64_t objs, size_t n)
{
	atomic_fetch_sub_explicit(&srv->queued_objects, objs,
	                          memory_order_relaxed);
	atomic_fetch_sub_explicit(&srv->queued_bytes, n, memory_order_relaxed);
}

static void count(atomic_uint_fast64_t *c)
{
	atomic_fetch_add_explicit(c, 1, memory_order_relaxed);
}

/* ---- the set ---- */

static struct wmi_rset *rset_new(struct wmi_server *srv,
                                 bool forward_only,
                                 bool bounded)
{
	struct wmi_rset *rs = talloc_zero(NULL, struct wmi_rset);

	if (rs == NULL) {
		return NULL;
	}
	rs->srv = srv;
	rs->forward_only = forward_only;
	rs->bounded = bounded;
	rs->refs = 1;
	rs->consumers = 1;
	pthread_mutex_init(&rs->mu, NULL);
	pthread_cond_init(&rs->cv, NULL);
	if (bounded) {
		pthread_mutex_lock(&srv->mu);
		rs->next_bounded = srv->bounded;
		srv->bounded = rs;
		pthread_mutex_unlock(&srv->mu);
	}
	return rs;
}

static void rset_free(struct wmi_rset *rs)
{
	struct wmi_server *srv = rs->srv;

	if (rs->bounded) {
		pthread_mutex_lock(&srv->mu);
		for (struct wmi_rset **pp = &srv->bounded; *pp != NULL;
		     pp = &(*pp)->next_bounded) {
			if (*pp == rs) {
				*pp = rs->next_bounded;
				break;
			}
		}
		pthread_mutex_unlock(&srv->mu);
		acct_sub(srv, rs->count, rs->bytes);
	}
	for (size_t i = 0; i < rs->count; i++) {
		talloc_free(rs->items[rs->head + i].unit);
	}
	pthread_cond_destroy(&rs->cv);
	pthread_mutex_destroy(&rs->mu);
	talloc_free(rs);
}

void wmi_rset_ref(struct wmi_rset *rs)
{
	pthread_mutex_lock(&rs->mu);
	rs->refs++;
	rs->consumers++;
	pthread_mutex_unlock(&rs->mu);
}

/* Drops one reference; [consumer] says whose. */
static void rset_drop(struct wmi_rset *rs, bool consumer)
{
	bool last;

	pthread_mutex_lock(&rs->mu);
	if (consumer && --rs->consumers == 0 && !rs->done) {
		rs->cancelled = true;
		pthread_cond_broadcast(&rs->cv);
	}
	last = --rs->refs == 0;
	pthread_mutex_unlock(&rs->mu);
	if (last) {
		rset_free(rs);
	}
}

void wmi_rset_unref(struct wmi_rset *rs)
{
	if (rs != NULL) {
		rset_drop(rs, true);
	}
}

bool wmi_rset_forward_only(const struct wmi_rset *rs)
{
	return rs->forward_only;
}

/* Room for one more item at the end.  Under the lock. */
static hresult rset_grow(struct wmi_rset *rs)
{
	struct wmi_item *a;
	size_t cap;

	if (rs->head > 0 && rs->head >= rs->cap / 2) {
		memmove(rs->items, rs->items + rs->head,
		        rs->count * sizeof(*rs->items));
		rs->head = 0;
	}
	if (rs->head + rs->count < rs->cap) {
		return HR_OK;
	}
	cap = rs->cap != 0 ? rs->cap * 2 : 64;
	a = talloc_realloc(rs, rs->items, struct wmi_item, cap);
	if (a == NULL) {
		return HR_E_OUTOFMEMORY;
	}
	rs->items = a;
	rs->cap = cap;
	return HR_OK;
}

/* Waits on the set's condition until [until_ms] (wmi_now_ms time) at
 * the latest.  Under the set's lock. */
static void rset_wait_until(struct wmi_rset *rs, uint64_t until_ms)
{
	uint64_t now = wmi_now_ms();
	uint64_t d = until_ms > now ? until_ms - now : 0;
	struct timespec ts;

	clock_gettime(CLOCK_REALTIME, &ts);
	ts.tv_sec += (time_t)(d / 1000);
	ts.tv_nsec += (long)(d % 1000) * 1000000L;
	if (ts.tv_nsec >= 1000000000L) {
		ts.tv_sec++;
		ts.tv_nsec -= 1000000000L;
	}
	pthread_cond_timedwait(&rs->cv, &rs->mu, &ts);
}

/* A bounded set holds what it may without waiting.  Under the lock. */
static bool rset_full(const struct wmi_rset *rs)
{
	uint32_t q = rs->srv->cfg.queue_objects;

	return rs->count >= (rs->want > q ? rs->want : q);
}

/*
 * Appends [it] (takes its unit).  A full bounded set waits for its
 * client, or spills, as the file comment says.  Returns S_OK,
 * WBEM_E_CALL_CANCELLED (no consumer left), WBEM_E_CLIENT_TOO_SLOW,
 * WBEM_E_OUT_OF_MEMORY (past max_result_bytes) or E_OUTOFMEMORY; on
 * failure the unit is freed.
 */
static hresult rset_put(struct wmi_rset *rs, struct wmi_item *it)
{
	struct wmi_server *srv = rs->srv;
	const struct wmi_config *cfg = &srv->cfg;
	uint64_t deadline = 0;
	bool spill = false;
	hresult hr = HR_OK;

	pthread_mutex_lock(&rs->mu);
	while (rs->bounded && !rs->cancelled && rset_full(rs)) {
		uint64_t now;

		if (rs->client_gone) {
			count(&srv->gone);
			hr = HR_WBEM_E_CLIENT_TOO_SLOW;
			break;
		}
		if (cimom_lock_contended(srv->cm)) {
			/* Someone else needs the object manager: do not
			 * make them wait for our client. */
			if (deadline != 0) {
				count(&srv->yields);
			}
			spill = true;
			break;
		}
		now = wmi_now_ms();
		if (deadline == 0) {
			deadline = now + cfg->client_wait_ms;
		}
		if (now >= deadline) {
			hr = HR_WBEM_E_CLIENT_TOO_SLOW;
			break;
		}
		rset_wait_until(rs, deadline - now > CIMOM_SINK_POLL_MS
		                            ? now + CIMOM_SINK_POLL_MS
		                            : deadline);
	}
	if (hr_ok(hr) && rs->cancelled) {
		hr = HR_WBEM_E_CALL_CANCELLED;
	}
	if (hr_ok(hr) && spill &&
	    (rs->bytes + it->n > cfg->max_result_bytes ||
	     atomic_load_explicit(&srv->queued_bytes, memory_order_relaxed) +
	                     it->n >
	             cfg->max_result_bytes)) {
		/* The spill budget (this set's, or all bounded sets'
		 * together) is spent. */
		hr = HR_WBEM_E_CLIENT_TOO_SLOW;
	}
	if (hr_ok(hr) && !rs->forward_only &&
	    rs->bytes + it->n > cfg->max_result_bytes) {
		hr = HR_WBEM_E_OUT_OF_MEMORY;
	}
	if (hr_ok(hr) && rs->forward_only && !rs->bounded &&
	    rs->bytes + it->n > cfg->max_result_bytes) {
		hr = HR_WBEM_E_OUT_OF_MEMORY;
	}
	if (hr_ok(hr)) {
		hr = rset_grow(rs);
	}
	if (hr_ok(hr)) {
		rs->items[rs->head + rs->count++] = *it;
		rs->bytes += it->n;
		if (rs->bounded) {
			acct_add(srv, it->n);
			if (spill) {
				count(&srv->spilled);
			}
		}
		pthread_cond_broadcast(&rs->cv);
	}
	if (hr_eq(hr, HR_WBEM_E_CLIENT_TOO_SLOW)) {
		count(&srv->too_slow);
	}
	pthread_mutex_unlock(&rs->mu);
	if (hr_failed(hr)) {
		talloc_free(it->unit);
	}
	return hr;
}

static void rset_finish(struct wmi_rset *rs, hresult status)
{
	pthread_mutex_lock(&rs->mu);
	rs->done = true;
	rs->status = status;
	pthread_cond_broadcast(&rs->cv);
	pthread_mutex_unlock(&rs->mu);
}

bool wmi_rset_at_end(struct wmi_rset *rs, uint64_t pos)
{
	bool end;

	pthread_mutex_lock(&rs->mu);
	end = rs->done && pos >= rs->base + rs->count;
	pthread_mutex_unlock(&rs->mu);
	return end;
}

void wmi_rset_take(struct wmi_rset *rs,
                   struct rpc_call *call,
                   void *mem,
                   uint64_t *pos,
                   uint32_t want,
                   uint32_t timeout_ms,
                   bool discard,
                   struct wmi_item **items,
                   uint32_t *n,
                   bool *owned,
                   hresult *hr)
{
	const struct wmi_config *cfg = &rs->srv->cfg;
	uint64_t deadline;
	uint64_t avail;
	uint32_t k;

	*items = NULL;
	*n = 0;
	*owned = rs->forward_only && !discard;
	if (timeout_ms > cfg->max_wait_ms) {
		timeout_ms = cfg->max_wait_ms;
	}
	deadline = wmi_now_ms() + timeout_ms;
	pthread_mutex_lock(&rs->mu);
	/* A forward-only set has dropped what lies behind its reader. */
	if (*pos < rs->base) {
		*pos = rs->base;
	}
	if (rs->bounded) {
		/* The client is alive on this connection: wait for it. */
		rs->conn_id = call->conn_id;
		rs->client_gone = false;
	}
	for (;;) {
		uint64_t now = wmi_now_ms();
		uint64_t until;

		avail = rs->base + rs->count - *pos;
		if (avail >= want) {
			k = want;
			*hr = HR_OK;
			break;
		}
		if (rs->done) {
			k = (uint32_t)avail;
			if (hr_failed(rs->status)) {
				/* Objects first; the failure on the next
				 * call, when nothing is left. */
				*hr = k > 0 ? HR_OK : rs->status;
			} else {
				*hr = HR_WBEM_S_FALSE;
			}
			break;
		}
		if (now >= deadline || rpc_call_cancelled(call)) {
			if (rs->bounded && now < deadline) {
				/* Cancelled: do not hold the producer for a
				 * client that gave up. */
				rs->client_gone = true;
				pthread_cond_broadcast(&rs->cv);
			}
			k = (uint32_t)avail;
			*hr = HR_WBEM_S_TIMEDOUT;
			break;
		}
		/* A Next for more than the queue holds lets the producer
		 * fill that many. */
		if (want > rs->want) {
			rs->want = want;
			pthread_cond_broadcast(&rs->cv);
		}
		/* Wake at least every second to see a cancelled call. */
		until = deadline - now > 1000 ? now + 1000 : deadline;
		rset_wait_until(rs, until);
	}
	rs->want = 0;
	if (k > 0 && !discard) {
		*items = talloc_array(mem, struct wmi_item, k);
		if (*items == NULL) {
			*hr = HR_E_OUTOFMEMORY;
			k = 0;
		}
	}
	for (uint32_t i = 0; i < k; i++) {
		struct wmi_item
		        *it = &rs->items[rs->head + (*pos - rs->base) + i];

		if (!discard) {
			(*items)[i] = *it;
		}
		if (rs->forward_only) {
			/* Handed over (or dropped): the reader is the only
			 * one. */
			if (discard) {
				talloc_free(it->unit);
			}
			rs->bytes -= it->n;
			if (rs->bounded) {
				acct_sub(rs->srv, 1, it->n);
			}
		}
	}
	*pos += k;
	if (rs->forward_only && k > 0) {
		size_t drop = (size_t)(*pos - rs->base);

		rs->head += drop;
		rs->count -= drop;
		rs->base += drop;
		pthread_cond_broadcast(&rs->cv);
	}
	*n = k;
	pthread_mutex_unlock(&rs->mu);
}

void wmi_items_free(struct wmi_item *items, uint32_t n, bool owned)
{
	for (uint32_t i = 0; owned && i < n; i++) {
		talloc_free(items[i].unit);
	}
}

/* ---- producing ---- */

struct class_entry {
	struct cim_class *copy;
	struct wmio_class_cache *cc;
	uint32_t id;
};

#define MAX_CLASS_CACHES 64

struct producer {
	struct wmi_rset *rs;
	void *mem; /* caches and scratch */
	struct class_entry caches[MAX_CLASS_CACHES];
	uint32_t n_caches;
	uint32_t next_id;
	hresult own; /* our failure, when we cancelled the operation */
	/* background runs: */
	struct wmi_server *srv;
	struct wmi_run run;
	struct cimom_identity id;
	char *ns;
};

static bool same_class(const struct cim_class *a, const struct cim_class *b)
{
	if (a->n_props != b->n_props || strcmp(a->name, b->name) != 0) {
		return false;
	}
	for (uint32_t i = 0; i < a->n_props; i++) {
		if (a->props[i].type != b->props[i].type ||
		    strcmp(a->props[i].name, b->props[i].name) != 0) {
			return false;
		}
	}
	return true;
}

/* The cache of [cls] (made on first use), or NULL past the limit. */
static struct class_entry *class_entry(struct producer *pr,
                                       const struct cim_class *cls)
{
	struct class_entry *e;

	for (uint32_t i = 0; i < pr->n_caches; i++) {
		if (same_class(pr->caches[i].copy, cls)) {
			return &pr->caches[i];
		}
	}
	if (pr->n_caches == MAX_CLASS_CACHES) {
		return NULL;
	}
	e = &pr->caches[pr->n_caches];
	e->copy = cim_class_copy(pr->mem, cls);
	if (e->copy == NULL ||
	    hr_failed(wmio_class_cache_new(pr->mem, e->copy, &e->cc))) {
		return NULL;
	}
	e->id = pr->next_id++;
	pr->n_caches++;
	return e;
}

/* Encodes one delivered object into an item. */
static hresult encode_item(struct producer *pr,
                           const struct cim_object *o,
                           struct wmi_item *it)
{
	struct buf b;
	hresult hr;

	memset(it, 0, sizeof(*it));
	it->cls = UINT32_MAX;
	buf_init(&b, pr->mem);
	if (o->is_class) {
		const struct cim_class *c = o->u.cls;

		hr = wmio_encode_class(&b, c, NULL, c->server, c->namespace, 0);
	} else {
		const struct cim_instance *inst = o->u.inst;
		struct class_entry *e = class_entry(pr, inst->cls);

		if (e != NULL) {
			struct cim_instance tmp = *inst;

			tmp.cls = e->copy;
			it->cls = e->id;
			hr = wmio_encode_instance_cached(&b, e->cc, &tmp,
			                                 inst->server,
			                                 inst->namespace, 0);
		} else {
			it->cls = pr->next_id++;
			hr = wmio_encode_instance(&b, inst, inst->server,
			                          inst->namespace, 0);
		}
	}
	if (hr_ok(hr)) {
		it->unit = talloc_memdup(NULL, b.data, b.len > 0 ? b.len : 1);
		it->n = b.len;
		if (it->unit == NULL) {
			hr = HR_E_OUTOFMEMORY;
		}
	}
	buf_release(&b);
	return hr;
}

static hresult indicate(void *arg, struct cim_object **objs, uint32_t n)
{
	struct producer *pr = arg;

	for (uint32_t i = 0; i < n; i++) {
		struct wmi_item it;
		hresult hr = encode_item(pr, objs[i], &it);

		if (hr_ok(hr)) {
			hr = rset_put(pr->rs, &it);
		}
		if (hr_failed(hr)) {
			pr->own = hr;
			return hr;
		}
	}
	return HR_OK;
}

/* Runs the operation on [s] into the producer's set; its status. */
static hresult produce(struct producer *pr,
                       struct cimom_session *s,
                       const struct wmi_run *run,
                       struct errinfo *ei)
{
	struct cimom_sink sink = { .indicate = indicate, .arg = pr };
	hresult hr;

	switch (run->op) {
	case WMI_RUN_QUERY:
		hr = cimom_exec_query(s, run->a, run->b, run->flags, &sink, ei);
		break;
	case WMI_RUN_ENUM_INSTANCES:
		hr = cimom_enum_instances(s, run->a, run->flags, &sink, ei);
		break;
	default:
		hr = cimom_enum_classes(s, run->a, run->flags, &sink, ei);
		break;
	}
	/* Our own refusal (too big, too slow) ended it, not a client's
	 * cancel: report that. */
	if (hr_failed(hr) && hr_failed(pr->own)) {
		hr = pr->own;
	}
	return hr;
}

static void *background(void *arg)
{
	struct producer *pr = arg;
	struct wmi_server *srv = pr->srv;
	struct cimom_session *s = NULL;
	hresult hr;

	hr = cimom_session_open(srv->cm, pr->mem, &pr->id, pr->ns, &s, NULL);
	if (hr_ok(hr)) {
		hr = produce(pr, s, &pr->run, NULL);
	}
	rset_finish(pr->rs, hr);
	rset_drop(pr->rs, false);
	talloc_free(pr->mem);
	pthread_mutex_lock(&srv->mu);
	if (--srv->n_background == 0) {
		pthread_cond_broadcast(&srv->idle);
	}
	pthread_mutex_unlock(&srv->mu);
	return NULL;
}

/* Starts [pr] on a thread; false when none may or can start. */
static bool start_background(struct wmi_server *srv, struct producer *pr)
{
	pthread_attr_t attr;
	pthread_t th;
	bool ok;

	pthread_mutex_lock(&srv->mu);
	ok = srv->n_background < srv->cfg.max_background;
	if (ok) {
		srv->n_background++;
	}
	pthread_mutex_unlock(&srv->mu);
	if (!ok) {
		return false;
	}
	pthread_attr_init(&attr);
	pthread_attr_setdetachstate(&attr, PTHREAD_CREATE_DETACHED);
	ok = pthread_create(&th, &attr, background, pr) == 0;
	pthread_attr_destroy(&attr);
	if (!ok) {
		pthread_mutex_lock(&srv->mu);
		if (--srv->n_background == 0) {
			pthread_cond_broadcast(&srv->idle);
		}
		pthread_mutex_unlock(&srv->mu);
	}
	return ok;
}

static char *dup_opt(void *mem, const char *s, bool *oom)
{
	char *c = s != NULL ? talloc_strdup(mem, s) : NULL;

	if (s != NULL && c == NULL) {
		*oom = true;
	}
	return c;
}

/* A semisynchronous run: a producer thread on a session of its own. */
static hresult run_background(struct wmi_svc *svc,
                              const struct wmi_run *run,
                              bool forward_only,
                              struct wmi_rset **out)
{
	struct wmi_server *srv = svc->srv;
	struct producer *pr = talloc_zero(NULL, struct producer);
	struct wmi_rset *rs;
	bool oom = false;

	if (pr == NULL) {
		return HR_E_OUTOFMEMORY;
	}
	pr->mem = pr;
	pr->srv = srv;
	pr->run = *run;
	pr->run.a = dup_opt(pr, run->a, &oom);
	pr->run.b = dup_opt(pr, run->b, &oom);
	pr->ns = dup_opt(pr, svc->ns, &oom);
	if (oom || hr_failed(wmi_identity_copy(pr, &svc->id, &pr->id))) {
		talloc_free(pr);
		return HR_E_OUTOFMEMORY;
	}
	rs = rset_new(srv, forward_only, forward_only);
	if (rs == NULL) {
		talloc_free(pr);
		return HR_E_OUTOFMEMORY;
	}
	rs->refs++; /* the producer's */
	if (rs->bounded) {
		rs->conn_id = run->conn_id;
	}
	pr->rs = rs;
	if (!start_background(srv, pr)) {
		rs->refs--;
		rset_free(rs);
		talloc_free(pr);
		return HR_E_FAIL; /* the caller runs it synchronously */
	}
	*out = rs;
	return HR_OK;
}

hresult wmi_rset_run(struct wmi_svc *svc,
                     const struct wmi_run *run,
                     bool semisync,
                     bool forward_only,
                     struct wmi_rset **out,
                     struct errinfo *ei)
{
	struct producer *pr;
	struct wmi_rset *rs;
	hresult hr;

	*out = NULL;
	if (semisync) {
		hr = run_background(svc, run, forward_only, out);
		if (hr_ok(hr) || hr_eq(hr, HR_E_OUTOFMEMORY)) {
			return hr;
		}
		/* Too many running: this one runs synchronously, but its
		 * failure still belongs to Next. */
	}
	pr = talloc_zero(NULL, struct producer);
	rs = rset_new(svc->srv, forward_only, false);
	if (pr == NULL || rs == NULL) {
		talloc_free(pr);
		if (rs != NULL) {
			rset_free(rs);
		}
		return HR_E_OUTOFMEMORY;
	}
	pr->mem = pr;
	pr->rs = rs;
	pthread_mutex_lock(&svc->mu);
	hr = produce(pr, svc->s, run, ei);
	pthread_mutex_unlock(&svc->mu);
	talloc_free(pr);
	if (hr_failed(hr) && !semisync) {
		rset_free(rs);
		return hr;
	}
	rset_finish(rs, hr);
	*out = rs;
	return HR_OK;
}

/* ---- the registry, figures, closed connections ---- */

void wmi_flow_register(struct wmi_server *srv)
{
	pthread_mutex_lock(&reg_mu);
	srv->reg_next = reg_head;
	reg_head = srv;
	pthread_mutex_unlock(&reg_mu);
}

void wmi_flow_unregister(struct wmi_server *srv)
{
	pthread_mutex_lock(&reg_mu);
	for (struct wmi_server **pp = &reg_head; *pp != NULL;
	     pp = &(*pp)->reg_next) {
		if (*pp == srv) {
			*pp = srv->reg_next;
			break;
		}
	}
	pthread_mutex_unlock(&reg_mu);
}

/* The server of [exp], or NULL.  Under reg_mu. */
static struct wmi_server *reg_find(const struct dcom_exporter *exp)
{
	for (struct wmi_server *srv = reg_head; srv != NULL;
	     srv = srv->reg_next) {
		if (srv->exp == exp) {
			return srv;
		}
	}
	return NULL;
}

void wmi_stats_get(struct dcom_exporter *exp, struct wmi_stats *out)
{
	struct wmi_server *srv;

	memset(out, 0, sizeof(*out));
	pthread_mutex_lock(&reg_mu);
	srv = reg_find(exp);
	if (srv != NULL) {
		pthread_mutex_lock(&srv->mu);
		out->background = srv->n_background;
		for (struct wmi_rset *rs = srv->bounded; rs != NULL;
		     rs = rs->next_bounded) {
			out->bounded_sets++;
		}
		pthread_mutex_unlock(&srv->mu);
#define LOAD(f) atomic_load_explicit(&srv->f, memory_order_relaxed)
		out->queued_objects = LOAD(queued_objects);
		out->queued_bytes = LOAD(queued_bytes);
		out->peak_bytes = LOAD(peak_bytes);
		out->spilled = LOAD(spilled);
		out->yields = LOAD(yields);
		out->too_slow = LOAD(too_slow);
		out->gone = LOAD(gone);
#undef LOAD
	}
	pthread_mutex_unlock(&reg_mu);
}

void wmi_conn_closed(struct dcom_exporter *exp, uint64_t conn_id)
{
	struct wmi_server *srv;

	if (conn_id == 0) {
		return;
	}
	pthread_mutex_lock(&reg_mu);
	srv = reg_find(exp);
	if (srv != NULL) {
		pthread_mutex_lock(&srv->mu);
		for (struct wmi_rset *rs = srv->bounded; rs != NULL;
		     rs = rs->next_bounded) {
			pthread_mutex_lock(&rs->mu);
			if (rs->conn_id == conn_id) {
				rs->client_gone = true;
				pthread_cond_broadcast(&rs->cv);
			}
			pthread_mutex_unlock(&rs->mu);
		}
		pthread_mutex_unlock(&srv->mu);
	}
	pthread_mutex_unlock(&reg_mu);
}
