/*
 * client/ping: the pinger thread.  See ping.h.
 *
 * Invariants (under mu): want[0..n_want) are the OIDs with holders
 * (count > 0); sent[0..n_sent) are the OIDs the server has in set
 * [setid] after the last successful ping.  The thread computes the
 * difference with the lock held and talks to the server without it.
 */
#include "client/ping.h"

#include <errno.h>
#include <pthread.h>
#include <string.h>
#include <talloc.h>
#include <time.h>

#include "dcom/stubs.h"
#include "rpc/client.h"
#include "rpc/ndr.h"

#define DEFAULT_PERIOD_MS 120000u

struct oid_count {
	uint64_t oid;
	uint32_t count;
};

struct client_pinger {
	pthread_t th;
	pthread_mutex_t mu;
	pthread_cond_t cv;
	bool started;
	bool stop;
	/* where (copies) */
	char *host;
	uint16_t port;
	char *unix_path;
	char *user, *domain, *password;
	uint8_t nt_hash[16];
	bool has_hash;
	uint8_t level;
	bool negotiate;
	int timeout_ms;
	uint32_t period_ms;
	/* the set */
	struct oid_count *want;
	uint32_t n_want;
	uint64_t *sent;
	uint32_t n_sent;
	uint64_t setid;
	uint16_t seq;
	struct client_pinger_stats st;
	/* the pinger thread's connection (thread only) */
	struct rpc_client *rc;
};

void client_pinger_add(struct client_pinger *p, uint64_t oid)
{
	struct oid_count *grown;

	if (p == NULL) {
		return;
	}
	pthread_mutex_lock(&p->mu);
	for (uint32_t i = 0; i < p->n_want; i++) {
		if (p->want[i].oid == oid) {
			p->want[i].count++;
			pthread_mutex_unlock(&p->mu);
			return;
		}
	}
	grown = talloc_realloc(p, p->want, struct oid_count, p->n_want + 1);
	if (grown != NULL) {
		p->want = grown;
		p->want[p->n_want].oid = oid;
		p->want[p->n_want].count = 1;
		p->n_want++;
	}
	pthread_mutex_unlock(&p->mu);
}

void client_pinger_del(struct client_pinger *p, uint64_t oid)
{
	if (p == NULL) {
		return;
	}
	pthread_mutex_lock(&p->mu);
	for (uint32_t i = 0; i < p->n_want; i++) {
		if (p->want[i].oid == oid && --p->want[i].count == 0) {
			p->want[i] = p->want[--p->n_want];
			break;
		}
	}
	pthread_mutex_unlock(&p->mu);
}

void client_pinger_stats(struct client_pinger *p,
                         struct client_pinger_stats *out)
{
	pthread_mutex_lock(&p->mu);
	*out = p->st;
	out->oids = p->n_want;
	pthread_mutex_unlock(&p->mu);
}

/* Connects and binds IObjectExporter (thread only). */
static hresult ping_connect(struct client_pinger *p, void *mem)
{
	struct rpc_syntax_id syn = { .uuid = dcom_iid_iobjectexporter };
	struct rpc_client_auth a;
	hresult hr;

	if (p->rc != NULL) {
		return HR_OK;
	}
	hr = p->unix_path != NULL
	             ? rpc_client_connect_unix(mem, p->unix_path, p->timeout_ms,
	                                       &p->rc, NULL)
	             : rpc_client_connect_tcp(mem, p->host, p->port,
	                                      p->timeout_ms, &p->rc, NULL);
	if (hr_failed(hr)) {
		p->rc = NULL;
		return hr;
	}
	memset(&a, 0, sizeof(a));
	a.user = p->user;
	a.domain = p->domain;
	a.password = p->password;
	a.nt_hash = p->has_hash ? p->nt_hash : NULL;
	a.level = p->level;
	a.negotiate = p->negotiate;
	hr = rpc_client_bind(p->rc, 0, &syn, 1, p->user != NULL ? &a : NULL,
	                     NULL, NULL);
	if (hr_failed(hr)) {
		rpc_client_close(p->rc);
		p->rc = NULL;
	}
	return hr;
}

/* One ping: ComplexPing with [add]/[del], or SimplePing when both are
   empty and a set exists.  Returns the status (thread only). */
static hresult ping_once(struct client_pinger *p,
                         void *mem,
                         uint64_t setid,
                         uint16_t seq,
                         uint64_t *add,
                         uint16_t n_add,
                         uint64_t *del,
                         uint16_t n_del,
                         uint64_t *new_setid)
{
	struct ndr_push push;
	struct ndr_pull pull;
	struct rpc_client_reply r;
	const uint8_t *data;
	size_t len;
	bool simple = setid != 0 && n_add == 0 && n_del == 0;
	uint32_t status = 0;
	hresult hr;

	if (ndr_push_init(&push, mem, 0, NULL) != NDR_ERR_SUCCESS) {
		return HR_E_OUTOFMEMORY;
	}
	if (simple) {
		dcom_simple_ping_req_push(&push, setid);
	} else {
		struct dcom_complex_ping_req req = {
			.setid = setid,
			.seq = seq,
			.n_add = n_add,
			.n_del = n_del,
			.add = n_add ? add : NULL,
			.del = n_del ? del : NULL,
		};

		dcom_complex_ping_req_push(&push, &req);
	}
	if (ndr_push_blob(&push, &data, &len) != NDR_ERR_SUCCESS) {
		return HR_E_OUTOFMEMORY;
	}
	hr = rpc_client_call(
	        p->rc, 0, simple ? DCOM_OP_SIMPLE_PING : DCOM_OP_COMPLEX_PING,
	        NULL, data, len, mem, &r, NULL);
	if (hr_failed(hr)) {
		return hr;
	}
	if (r.ptype != RPC_PTYPE_RESPONSE) {
		return HR_RPC_S_CALL_FAILED;
	}
	if (ndr_pull_init(&pull, mem, r.stub, r.stub_len,
	                  NDR_FLAG_ALLOW_TRAILING, NULL) != NDR_ERR_SUCCESS) {
		return HR_E_OUTOFMEMORY;
	}
	*new_setid = setid;
	if (simple) {
		if (dcom_status_pull(&pull, &status) != NDR_ERR_SUCCESS) {
			return HR_RPC_S_PROTOCOL_ERROR;
		}
	} else {
		struct dcom_complex_ping_resp resp;

		if (dcom_complex_ping_resp_pull(&pull, &resp) !=
		    NDR_ERR_SUCCESS) {
			return HR_RPC_S_PROTOCOL_ERROR;
		}
		status = resp.status;
		*new_setid = resp.setid;
	}
	if (status == DCOM_OR_INVALID_SET) {
		return HR_OR_INVALID_SET;
	}
	return status == 0 ? HR_OK : HR_RPC_S_CALL_FAILED;
}

/* The difference between want and sent, under the lock. */
static void diff(struct client_pinger *p,
                 void *mem,
                 uint64_t **add,
                 uint16_t *n_add,
                 uint64_t **del,
                 uint16_t *n_del,
                 uint64_t **now,
                 uint32_t *n_now)
{
	*add = talloc_array(mem, uint64_t, p->n_want + 1);
	*del = talloc_array(mem, uint64_t, p->n_sent + 1);
	*now = talloc_array(mem, uint64_t, p->n_want + 1);
	*n_add = *n_del = 0;
	*n_now = 0;
	if (*add == NULL || *del == NULL || *now == NULL) {
		return;
	}
	for (uint32_t i = 0; i < p->n_want && *n_add < 0xFFFF; i++) {
		bool in = false;

		for (uint32_t k = 0; k < p->n_sent && !in; k++) {
			in = p->sent[k] == p->want[i].oid;
		}
		if (!in) {
			(*add)[(*n_add)++] = p->want[i].oid;
		}
		(*now)[(*n_now)++] = p->want[i].oid;
	}
	for (uint32_t k = 0; k < p->n_sent && *n_del < 0xFFFF; k++) {
		bool in = false;

		for (uint32_t i = 0; i < p->n_want && !in; i++) {
			in = p->sent[k] == p->want[i].oid;
		}
		if (!in) {
			(*del)[(*n_del)++] = p->sent[k];
		}
	}
}

static void tick(struct client_pinger *p)
{
	void *tmp = talloc_new(NULL);
	uint64_t *add, *del, *now, setid, new_setid = 0;
	uint16_t n_add, n_del, seq;
	uint32_t n_now;
	hresult hr;

	if (tmp == NULL) {
		return;
	}
	pthread_mutex_lock(&p->mu);
	diff(p, tmp, &add, &n_add, &del, &n_del, &now, &n_now);
	setid = p->setid;
	seq = ++p->seq;
	pthread_mutex_unlock(&p->mu);
	if (add == NULL || del == NULL || now == NULL ||
	    (setid == 0 && n_add == 0)) {
		/* Nothing to ping yet. */
		talloc_free(tmp);
		return;
	}
	hr = ping_connect(p, NULL);
	if (hr_ok(hr)) {
		hr = ping_once(p, tmp, setid, seq, add, n_add, del, n_del,
		               &new_setid);
	}
	pthread_mutex_lock(&p->mu);
	if (hr_ok(hr)) {
		uint64_t *keep = talloc_memdup(p, now,
		                               sizeof(uint64_t) * (n_now + 1));

		if (keep != NULL) {
			talloc_free(p->sent);
			p->sent = keep;
			p->n_sent = n_now;
			p->setid = new_setid;
		}
		p->st.pings++;
		p->st.setid = p->setid;
	} else {
		p->st.failures++;
		if (hr_eq(hr, HR_OR_INVALID_SET)) {
			/* A new set with every OID at the next period. */
			p->setid = 0;
			p->n_sent = 0;
		} else if (p->rc != NULL) {
			rpc_client_close(p->rc);
			p->rc = NULL;
		}
	}
	pthread_mutex_unlock(&p->mu);
	talloc_free(tmp);
}

static void *run(void *arg)
{
	struct client_pinger *p = arg;
	struct timespec next;

	clock_gettime(CLOCK_MONOTONIC, &next);
	pthread_mutex_lock(&p->mu);
	while (!p->stop) {
		next.tv_sec += p->period_ms / 1000;
		next.tv_nsec += (long)(p->period_ms % 1000) * 1000000L;
		if (next.tv_nsec >= 1000000000L) {
			next.tv_sec++;
			next.tv_nsec -= 1000000000L;
		}
		while (!p->stop && pthread_cond_timedwait(&p->cv, &p->mu,
		                                          &next) != ETIMEDOUT) {
		}
		if (p->stop) {
			break;
		}
		pthread_mutex_unlock(&p->mu);
		tick(p);
		pthread_mutex_lock(&p->mu);
	}
	pthread_mutex_unlock(&p->mu);
	return NULL;
}

static int destroy(struct client_pinger *p)
{
	if (p->started) {
		pthread_mutex_lock(&p->mu);
		p->stop = true;
		pthread_cond_signal(&p->cv);
		pthread_mutex_unlock(&p->mu);
		pthread_join(p->th, NULL);
		p->started = false;
	}
	if (p->rc != NULL) {
		rpc_client_close(p->rc);
		p->rc = NULL;
	}
	if (p->password != NULL) {
		memset(p->password, 0, strlen(p->password));
	}
	pthread_cond_destroy(&p->cv);
	pthread_mutex_destroy(&p->mu);
	return 0;
}

hresult client_pinger_start(void *mem,
                            const struct client_pinger_config *cfg,
                            struct client_pinger **out)
{
	struct client_pinger *p = talloc_zero(mem, struct client_pinger);
	pthread_condattr_t ca;

	if (p == NULL) {
		return HR_E_OUTOFMEMORY;
	}
	pthread_mutex_init(&p->mu, NULL);
	pthread_condattr_init(&ca);
	pthread_condattr_setclock(&ca, CLOCK_MONOTONIC);
	pthread_cond_init(&p->cv, &ca);
	pthread_condattr_destroy(&ca);
	talloc_set_destructor(p, destroy);
	p->host = talloc_strdup(p, cfg->host ? cfg->host : "");
	p->port = cfg->port;
	p->unix_path = cfg->unix_path ? talloc_strdup(p, cfg->unix_path) : NULL;
	p->user = cfg->user ? talloc_strdup(p, cfg->user) : NULL;
	p->domain = cfg->domain ? talloc_strdup(p, cfg->domain) : NULL;
	p->password = cfg->password ? talloc_strdup(p, cfg->password) : NULL;
	if (cfg->nt_hash != NULL) {
		memcpy(p->nt_hash, cfg->nt_hash, 16);
		p->has_hash = true;
	}
	p->level = cfg->level;
	p->negotiate = cfg->negotiate;
	p->timeout_ms = cfg->timeout_ms;
	p->period_ms = cfg->period_ms ? cfg->period_ms : DEFAULT_PERIOD_MS;
	if (p->host == NULL) {
		talloc_free(p);
		return HR_E_OUTOFMEMORY;
	}
	if (pthread_create(&p->th, NULL, run, p) != 0) {
		talloc_free(p);
		return HR_E_FAIL;
	}
	p->started = true;
	*out = p;
	return HR_OK;
}

void client_pinger_stop(struct client_pinger *p)
{
	talloc_free(p);
}
