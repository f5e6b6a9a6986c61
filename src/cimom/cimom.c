/*
 * cimom: the object manager's core: creation, sessions, namespace paths,
 * the access hook, the operation boundary (activity log), providers
 * (cimom layer).
 */
#include "cimom/cimom.h"

#include <errno.h>
#include <stdio.h>
#include <string.h>
#include <sys/random.h>
#include <talloc.h>
#include <time.h>
#include <unistd.h>

#include "base/log.h"
#include "base/utf.h"
#include "cim/objpath.h"
#include "cimom/cimom-int.h"
#include "repo/repo.h"

static int cimom_destructor(struct cimom *cm)
{
	if (cm->lock_init) {
		pthread_mutex_destroy(&cm->lock);
	}
	return 0;
}

static char *default_server_name(void *mem)
{
	char host[256];
	char *out;

	if (gethostname(host, sizeof(host)) != 0) {
		snprintf(host, sizeof(host), "localhost");
	}
	host[sizeof(host) - 1] = '\0';
	/* NetBIOS-like: the first label, upper-cased. */
	host[strcspn(host, ".")] = '\0';
	if (host[0] == '\0') {
		snprintf(host, sizeof(host), "localhost");
	}
	out = talloc_strdup(mem, host);
	if (out != NULL) {
		for (char *p = out; *p; p++) {
			if (*p >= 'a' && *p <= 'z') {
				*p = (char)(*p - 'a' + 'A');
			}
		}
	}
	return out;
}

hresult cimom_new(void *mem,
                  struct repo *r,
                  const struct cimom_config *cfg,
                  struct cimom **out)
{
	struct cimom *cm;
	pthread_mutexattr_t attr;
	hresult hr;

	if (r == NULL || out == NULL) {
		return hr_raise(HR_E_INVALIDARG);
	}
	cm = talloc_zero(mem, struct cimom);
	if (cm == NULL) {
		return hr_raise(HR_E_OUTOFMEMORY);
	}
	cm->repo = r;
	cm->batch = CIMOM_DEFAULT_BATCH;
	cm->max_query_len = 64 * 1024;
	if (cfg != NULL) {
		cm->log = cfg->log;
		if (cfg->default_batch != 0) {
			cm->batch = cfg->default_batch;
		}
		if (cfg->max_query_len != 0) {
			cm->max_query_len = cfg->max_query_len;
		}
	}
	if (cfg != NULL && cfg->server_name != NULL &&
	    cfg->server_name[0] != '\0') {
		cm->server = talloc_strdup(cm, cfg->server_name);
	} else {
		cm->server = default_server_name(cm);
	}
	if (cm->server == NULL) {
		talloc_free(cm);
		return hr_raise(HR_E_OUTOFMEMORY);
	}
	if (cfg != NULL && cfg->activity_log_path != NULL) {
		hr = cimom_activity_open(cm, cfg->activity_log_path,
		                         &cm->activity);
		if (hr_failed(hr)) {
			log_msg(cm->log, LOG_LVL_ERROR, "cimom",
			        "cannot open activity log '%s': %s",
			        cfg->activity_log_path, hr_name(hr));
			talloc_free(cm);
			return hr;
		}
	}
	pthread_mutexattr_init(&attr);
	pthread_mutexattr_settype(&attr, PTHREAD_MUTEX_RECURSIVE);
	if (pthread_mutex_init(&cm->lock, &attr) != 0) {
		pthread_mutexattr_destroy(&attr);
		talloc_free(cm);
		return hr_raise(HR_E_FAIL);
	}
	pthread_mutexattr_destroy(&attr);
	cm->lock_init = true;
	talloc_set_destructor(cm, cimom_destructor);
	if (getrandom(&cm->op_base, sizeof(cm->op_base), GRND_NONBLOCK) !=
	    (ssize_t)sizeof(cm->op_base)) {
		cm->op_base = (uint64_t)time(NULL) ^ ((uint64_t)getpid() << 32);
	}
	*out = cm;
	return HR_OK;
}

const char *cimom_server_name(const struct cimom *cm)
{
	return cm->server;
}

void cimom_lock(struct cimom *cm)
{
	/* The owner re-enters at once (recursive); anyone else who must
	 * block is counted, so a waiting sink sees the contention. */
	if (pthread_mutex_trylock(&cm->lock) == 0) {
		return;
	}
	atomic_fetch_add_explicit(&cm->lock_waiters, 1, memory_order_relaxed);
	pthread_mutex_lock(&cm->lock);
	atomic_fetch_sub_explicit(&cm->lock_waiters, 1, memory_order_relaxed);
}

bool cimom_lock_contended(const struct cimom *cm)
{
	return atomic_load_explicit(&((struct cimom *)cm)->lock_waiters,
	                            memory_order_relaxed) > 0;
}

void cimom_unlock(struct cimom *cm)
{
	pthread_mutex_unlock(&cm->lock);
}

static bool is_sep(char c)
{
	return c == '\\' || c == '/';
}

static bool is_local_server(const struct cimom *cm,
                            const char *name,
                            size_t len)
{
	static const char *const local[] = { ".", "localhost", "127.0.0.1",
		                             "::1" };
	char buf[256];

	if (len == 0 || len >= sizeof(buf)) {
		return false;
	}
	memcpy(buf, name, len);
	buf[len] = '\0';
	for (size_t i = 0; i < sizeof(local) / sizeof(local[0]); i++) {
		if (utf8_casecmp(buf, local[i]) == 0) {
			return true;
		}
	}
	if (utf8_casecmp(buf, cm->server) == 0) {
		return true;
	}
	/* A fully qualified form of our own name. */
	if (strlen(cm->server) < len && buf[strlen(cm->server)] == '.') {
		buf[strlen(cm->server)] = '\0';
		return utf8_casecmp(buf, cm->server) == 0;
	}
	return false;
}

hresult cimom_namespace_normalize(const struct cimom *cm,
                                  void *mem,
                                  const char *path,
                                  char **out,
                                  struct errinfo *ei)
{
	const char *p = path;
	size_t lead = 0;
	struct buf b;

	if (path == NULL || path[0] == '\0') {
		return err_set(ei, HR_WBEM_E_INVALID_NAMESPACE, CIMOM_LAYER,
		               "empty namespace path");
	}
	while (is_sep(p[lead])) {
		lead++;
	}
	if (lead >= 3) {
		return err_set(ei, HR_WBEM_E_INVALID_PARAMETER, CIMOM_LAYER,
		               "namespace path '%s' has %zu leading separators",
		               path, lead);
	}
	if (lead == 1) {
		return err_set(ei, HR_WBEM_E_INVALID_NAMESPACE, CIMOM_LAYER,
		               "namespace path '%s' starts with a separator",
		               path);
	}
	p += lead;
	if (lead == 2) {
		size_t n = 0;

		while (p[n] != '\0' && !is_sep(p[n])) {
			n++;
		}
		if (!is_local_server(cm, p, n)) {
			return err_set(
			        ei, HR_RPC_S_SERVER_UNAVAILABLE, CIMOM_LAYER,
			        "server '%.*s' is not this server", (int)n, p);
		}
		p += n;
		if (*p == '\0' || p[1] == '\0') {
			return err_set(
			        ei, HR_WBEM_E_INVALID_NAMESPACE, CIMOM_LAYER,
			        "namespace path '%s' names no namespace", path);
		}
		p++;
	}
	buf_init(&b, mem);
	while (*p != '\0') {
		size_t n = 0;

		while (p[n] != '\0' && !is_sep(p[n])) {
			n++;
		}
		if (n == 0) {
			buf_release(&b);
			return err_set(
			        ei, HR_WBEM_E_INVALID_NAMESPACE, CIMOM_LAYER,
			        "namespace path '%s' has an empty element",
			        path);
		}
		if (b.len > 0) {
			buf_addch(&b, '\\');
		}
		buf_add(&b, p, n);
		p += n;
		if (*p != '\0') {
			p++;
			if (*p == '\0') {
				buf_release(&b);
				return err_set(
				        ei, HR_WBEM_E_INVALID_NAMESPACE,
				        CIMOM_LAYER,
				        "namespace path '%s' ends with a "
				        "separator",
				        path);
			}
		}
	}
	if (hr_failed(b.error)) {
		buf_release(&b);
		return err_set(ei, HR_E_OUTOFMEMORY, CIMOM_LAYER,
		               "out of memory");
	}
	*out = buf_detach(&b, NULL);
	return HR_OK;
}

static hresult session_open(struct cimom *cm,
                            const struct cimom_identity *id,
                            const char *ns,
                            struct cimom_session *s,
                            struct errinfo *ei)
{
	char *norm = NULL;
	hresult hr;

	if (id != NULL) {
		s->id = *id;
		s->id.user = talloc_strdup(s, id->user ? id->user : "");
		s->id.domain = id->domain ? talloc_strdup(s, id->domain) : NULL;
		s->id.client_machine = talloc_strdup(
		        s,
		        id->client_machine ? id->client_machine : cm->server);
	} else {
		s->id.user = talloc_strdup(s, "");
		s->id.client_machine = talloc_strdup(s, cm->server);
	}
	if (s->id.user == NULL || s->id.client_machine == NULL ||
	    (id != NULL && id->domain != NULL && s->id.domain == NULL)) {
		return err_set(ei, HR_E_OUTOFMEMORY, CIMOM_LAYER,
		               "out of memory");
	}
	if (s->id.domain != NULL && s->id.domain[0] != '\0') {
		s->user_display = talloc_asprintf(s, "%s\\%s", s->id.domain,
		                                  s->id.user);
	} else {
		s->user_display = talloc_strdup(s, s->id.user);
	}
	if (s->user_display == NULL) {
		return err_set(ei, HR_E_OUTOFMEMORY, CIMOM_LAYER,
		               "out of memory");
	}
	hr = cimom_namespace_normalize(cm, s, ns, &norm, ei);
	if (hr_failed(hr)) {
		return hr;
	}
	cimom_lock(cm);
	hr = repo_ns_canonical(cm->repo, s, norm, &s->ns);
	cimom_unlock(cm);
	if (hr_eq(hr, HR_WBEM_E_INVALID_NAMESPACE)) {
		return err_set(ei, hr, CIMOM_LAYER,
		               "namespace '%s' does not exist", norm);
	}
	if (hr_failed(hr)) {
		return err_set(ei, hr, CIMOM_LAYER,
		               "cannot look up namespace '%s'", norm);
	}
	return cimom_check_access(s, s->ns, CIMOM_ACCESS_ENABLE_ACCOUNT, ei);
}

hresult cimom_session_open(struct cimom *cm,
                           void *mem,
                           const struct cimom_identity *id,
                           const char *ns,
                           struct cimom_session **out,
                           struct errinfo *ei)
{
	struct cimom_session *s;
	struct errinfo lei;
	hresult hr;

	err_clear(&lei);
	s = talloc_zero(mem, struct cimom_session);
	if (s == NULL) {
		return err_set(ei, HR_E_OUTOFMEMORY, CIMOM_LAYER,
		               "out of memory");
	}
	s->cm = cm;
	hr = session_open(cm, id, ns, s, &lei);
	if (hr_failed(hr)) {
		op_finish(s, "IWbemLevel1Login::NTLMLogin",
		          ns != NULL ? ns : "", NULL, NULL, hr, &lei, ei);
		talloc_free(s);
		return hr;
	}
	*out = s;
	return HR_OK;
}

const char *cimom_session_namespace(const struct cimom_session *s)
{
	return s->ns;
}

hresult cimom_check_access(const struct cimom_session *s,
                           const char *ns,
                           uint32_t access,
                           struct errinfo *ei)
{
	/*
	 * NEEDSWORK: grant everything until the security module lands
	 * (namespace security descriptors from repo_ns_sd_get, the caller's
	 * SIDs in struct cimom_identity, sec_sd_access_check); then deny
	 * with WBEM_E_ACCESS_DENIED, and require CIMOM_ACCESS_REMOTE_ENABLE
	 * when s->id.remote (the security issue).
	 */
	(void)s;
	(void)ns;
	(void)access;
	(void)ei;
	return HR_OK;
}

void cimom_session_stats(const struct cimom_session *s, struct cimom_stats *out)
{
	*out = s->stats;
}

bool cimom_instance_is_partial(const struct cim_instance *inst)
{
	return inst != NULL && inst->cls != NULL &&
	       talloc_get_name(inst->cls) != NULL &&
	       strcmp(talloc_get_name(inst->cls), CIMOM_PARTIAL_CLASS_NAME) ==
	               0;
}

static void format_op_id(const struct cimom *cm, uint64_t seq, char out[40])
{
	snprintf(out, 40, "{%08X-%04X-%04X-%04X-%012llX}",
	         (unsigned)(cm->op_base >> 32),
	         (unsigned)((cm->op_base >> 16) & 0xFFFF),
	         (unsigned)(cm->op_base & 0xFFFF),
	         (unsigned)((seq >> 48) & 0xFFFF),
	         (unsigned long long)(seq & 0xFFFFFFFFFFFFull));
}

hresult op_finish(struct cimom_session *s,
                  const char *method,
                  const char *ns,
                  const char *arg,
                  struct cimom_sink *sink,
                  hresult hr,
                  struct errinfo *lei,
                  struct errinfo *out_ei)
{
	struct cimom *cm = s->cm;
	uint64_t seq = __atomic_add_fetch(&cm->op_seq, 1, __ATOMIC_RELAXED);

	s->stats.operations++;
	if (hr_failed(hr)) {
		struct cimom_activity_event ev;
		char id[40];
		char *op;
		hresult whr;

		s->stats.failures++;
		if (!hr_eq(lei->hr, hr)) {
			if (lei->msg[0] == '\0') {
				snprintf(lei->msg, sizeof(lei->msg), "%s",
				         hr_message(hr));
			}
			lei->hr = hr;
		}
		if (lei->layer == NULL) {
			lei->layer = CIMOM_LAYER;
		}
		err_set_operation(lei, method);
		format_op_id(cm, seq, id);
		if (arg != NULL) {
			op = talloc_asprintf(NULL, "Start %s - %s : %s", method,
			                     ns, arg);
		} else {
			op = talloc_asprintf(NULL, "Start %s - %s", method, ns);
		}
		memset(&ev, 0, sizeof(ev));
		ev.event_id = CIMOM_EVENT_CLIENT_FAILURE;
		ev.id = id;
		ev.client_machine = (char *)s->id.client_machine;
		ev.user = s->user_display ? s->user_display : "";
		ev.client_pid = s->id.pid;
		ev.component = "Unknown";
		ev.operation = op != NULL ? op : (char *)method;
		ev.result_code = hr.v;
		ev.possible_cause = lei->cause[0] != '\0' ? lei->cause
		                    : lei->msg[0] != '\0' ? lei->msg
		                                          : "Unknown";
		ev.ns = (char *)ns;
		whr = cimom_activity_write(cm->activity, &ev);
		if (hr_failed(whr)) {
			log_msg(cm->log, LOG_LVL_ERROR, "cimom",
			        "cannot write activity event: %s",
			        hr_name(whr));
		}
		log_msg(cm->log, LOG_LVL_INFO, "cimom", "%s failed: %s (%s)",
		        op != NULL ? op : method, hr_name(hr), lei->msg);
		talloc_free(op);
		if (out_ei != NULL) {
			*out_ei = *lei;
		}
	}
	if (sink != NULL && sink->set_status != NULL) {
		sink->set_status(sink->arg, hr, hr_failed(hr) ? lei : NULL);
	}
	return hr;
}

const struct cimom_provider_hooks *cimom_provider_find(struct cimom *cm,
                                                       const char *name)
{
	for (uint32_t i = 0; i < cm->n_providers; i++) {
		if (utf8_casecmp(cm->providers[i].name, name) == 0) {
			return &cm->providers[i];
		}
	}
	return cm->has_fallback ? &cm->fallback : NULL;
}

hresult cimom_set_provider_fallback(struct cimom *cm,
                                    const struct cimom_provider_hooks *hooks)
{
	cimom_lock(cm);
	cm->has_fallback = hooks != NULL;
	if (hooks != NULL) {
		cm->fallback = *hooks;
		cm->fallback.name = "*";
	}
	cimom_unlock(cm);
	return HR_OK;
}

hresult cimom_register_provider(struct cimom *cm,
                                const struct cimom_provider_hooks *hooks)
{
	struct cimom_provider_hooks *np;
	hresult hr = HR_OK;

	if (hooks == NULL || hooks->name == NULL || hooks->name[0] == '\0') {
		return hr_raise(HR_WBEM_E_INVALID_PARAMETER);
	}
	cimom_lock(cm);
	if (cimom_provider_find(cm, hooks->name) != NULL &&
	    cimom_provider_find(cm, hooks->name) != &cm->fallback) {
		hr = hr_raise(HR_WBEM_E_ALREADY_EXISTS);
		goto out;
	}
	np = talloc_realloc(cm, cm->providers, struct cimom_provider_hooks,
	                    cm->n_providers + 1);
	if (np == NULL) {
		hr = hr_raise(HR_E_OUTOFMEMORY);
		goto out;
	}
	cm->providers = np;
	np[cm->n_providers] = *hooks;
	np[cm->n_providers].name = talloc_strdup(np, hooks->name);
	if (np[cm->n_providers].name == NULL) {
		hr = hr_raise(HR_E_OUTOFMEMORY);
		goto out;
	}
	cm->n_providers++;
out:
	cimom_unlock(cm);
	return hr;
}

hresult class_provider(const struct cim_class *cls, const char **name)
{
	const struct cim_qualifier *q;

	if (!cim_qset_bool(&cls->quals, "dynamic")) {
		return HR_S_FALSE;
	}
	q = cim_qset_find(&cls->quals, "provider");
	if (q == NULL || q->value.null ||
	    cim_type_base(q->value.type) != CIM_T_STRING ||
	    cim_type_is_array(q->value.type)) {
		*name = "";
		return HR_OK;
	}
	*name = q->value.v.s;
	return HR_OK;
}
