/*
 * provhost: spawning, talking to and policing provider host processes
 * (provhost layer).  See provhost.h for the contract.
 *
 * Each struct host_proc is one wmiprvse process and its socket.  The list
 * is guarded by ph->lock; a process marked busy belongs to one call and is
 * used without the lock.  Reading is frame by frame out of a per-process
 * buffer; every wait polls in slices so the quotas can be checked while a
 * call is in progress.
 *
 * Idle shutdown: a reaper thread sleeps on ph->cond until the earliest
 * idle deadline (last_used_ms + idle timeout of an idle host), detaches
 * the expired hosts from the list under the lock, and stops them outside
 * it (EOF, grace, SIGKILL, waitpid).  A detached host is invisible to
 * proc_acquire, so no call can be handed a host being stopped.  talloc is
 * not thread-safe: hosts are talloc children of ph and are only created
 * or freed under the lock; a detached host is stolen to the NULL context
 * first so that freeing it later does not touch ph.
 */
#include "provhost/provhost.h"

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <grp.h>
#include <poll.h>
#include <pthread.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <sys/socket.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <talloc.h>
#include <time.h>
#include <unistd.h>

#include "base/buf.h"
#include "base/log.h"
#include "base/utf.h"

extern char **environ;

/* How often the quotas are polled while a call waits. */
#define QUOTA_POLL_MS 10
/* The read buffer starts at this size and grows for larger frames. */
#define RBUF_MIN (256u * 1024u)
/* Bytes of the per-call pool that decoded batches live in. */
#define BATCH_POOL (2u * 1024u * 1024u)
/* How long a closing host may take to exit before it is killed. */
#define EXIT_GRACE_MS ((int)PROVHOST_EXIT_GRACE_MS)

struct host_proc {
	struct provhost *ph;
	struct host_proc *next;
	char *provider;
	char *library;
	bool impersonate;
	bool service_account;
	uint32_t uid, gid;
	pid_t pid;
	int fd;
	bool busy;
	uint32_t call_id;
	uint64_t last_used_ms;
	uint64_t last_quota_ms;
	/* read buffer: bytes [rpos, rlen) are unread */
	uint8_t *rbuf;
	size_t rcap, rpos, rlen;
};

struct provhost {
	struct provhost_config cfg;
	pthread_mutex_t lock;
	/* signalled when a host goes idle and at shutdown (CLOCK_MONOTONIC) */
	pthread_cond_t cond;
	pthread_t reaper;
	bool has_reaper;
	bool quit; /* under lock: the reaper must return */
	struct host_proc *procs;
	struct provhost_stats stats;
	long page_size;
};

static uint64_t now_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * 1000u + (uint64_t)ts.tv_nsec / 1000000u;
}

/* ---- process lifetime ------------------------------------------------- */

/* Waits up to [ms] for [pid] to exit; returns true with *status if it did. */
static bool wait_exit(pid_t pid, int ms, int *status)
{
	for (int waited = 0;; waited++) {
		pid_t r = waitpid(pid, status, WNOHANG);

		if (r == pid || (r < 0 && errno == ECHILD)) {
			if (r < 0) {
				*status = 0;
			}
			return true;
		}
		if (waited >= ms) {
			return false;
		}
		usleep(1000);
	}
}

/* Kills [p]'s process (if alive) and reaps it; returns its wait status. */
static int proc_kill(struct host_proc *p)
{
	int status = 0;

	if (p->fd >= 0) {
		close(p->fd);
		p->fd = -1;
	}
	if (p->pid > 0) {
		kill(p->pid, SIGKILL);
		while (waitpid(p->pid, &status, 0) < 0 && errno == EINTR) {
		}
		p->pid = 0;
	}
	return status;
}

/* Closes [p] politely: end of file, a grace period, then SIGKILL. */
static void proc_close(struct host_proc *p)
{
	int status;

	if (p->fd >= 0) {
		close(p->fd);
		p->fd = -1;
	}
	if (p->pid > 0 && !wait_exit(p->pid, EXIT_GRACE_MS, &status)) {
		proc_kill(p);
	}
	p->pid = 0;
}

/* Unlinks [p] from the list (lock held) and frees it. */
static void proc_unlink(struct provhost *ph, struct host_proc *p)
{
	for (struct host_proc **pp = &ph->procs; *pp != NULL;
	     pp = &(*pp)->next) {
		if (*pp == p) {
			*pp = p->next;
			ph->stats.hosts--;
			break;
		}
	}
	talloc_free(p);
}

/* Ends [p] after a failure: kill, unlink, free.  Takes the lock. */
static int proc_discard(struct host_proc *p)
{
	struct provhost *ph = p->ph;
	int status = proc_kill(p);

	pthread_mutex_lock(&ph->lock);
	proc_unlink(ph, p);
	pthread_mutex_unlock(&ph->lock);
	return status;
}

static int provhost_destructor(struct provhost *ph)
{
	struct host_proc *p;

	if (ph->has_reaper) {
		pthread_mutex_lock(&ph->lock);
		ph->quit = true;
		pthread_cond_broadcast(&ph->cond);
		pthread_mutex_unlock(&ph->lock);
		pthread_join(ph->reaper, NULL);
		ph->has_reaper = false;
	}
	/* Close all first so the hosts exit in parallel, then reap. */
	for (p = ph->procs; p != NULL; p = p->next) {
		if (p->fd >= 0) {
			close(p->fd);
			p->fd = -1;
		}
	}
	while (ph->procs != NULL) {
		p = ph->procs;
		ph->procs = p->next;
		proc_close(p);
		talloc_free(p);
	}
	pthread_cond_destroy(&ph->cond);
	pthread_mutex_destroy(&ph->lock);
	return 0;
}

static void *reaper_main(void *arg);

/* A condition variable timed on CLOCK_MONOTONIC (idle times are). */
static bool cond_init(pthread_cond_t *c)
{
	pthread_condattr_t ca;
	bool ok;

	if (pthread_condattr_init(&ca) != 0) {
		return false;
	}
	ok = pthread_condattr_setclock(&ca, CLOCK_MONOTONIC) == 0 &&
	     pthread_cond_init(c, &ca) == 0;
	pthread_condattr_destroy(&ca);
	return ok;
}

hresult provhost_new(void *mem,
                     const struct provhost_config *cfg,
                     struct provhost **out)
{
	struct provhost *ph;

	if (cfg == NULL || cfg->host_path == NULL ||
	    cfg->host_path[0] == '\0') {
		return hr_raise(HR_WBEM_E_INVALID_PARAMETER);
	}
	ph = talloc_zero(mem, struct provhost);
	if (ph == NULL) {
		return hr_raise(HR_E_OUTOFMEMORY);
	}
	ph->cfg = *cfg;
	ph->cfg.host_path = talloc_strdup(ph, cfg->host_path);
	if (ph->cfg.host_path == NULL) {
		talloc_free(ph);
		return hr_raise(HR_E_OUTOFMEMORY);
	}
	if (ph->cfg.call_timeout_ms == 0) {
		ph->cfg.call_timeout_ms = PROVHOST_DEFAULT_TIMEOUT_MS;
	}
	ph->page_size = sysconf(_SC_PAGESIZE);
	if (ph->page_size <= 0) {
		ph->page_size = 4096;
	}
	if (ph->cfg.idle_timeout_ms == 0) {
		ph->cfg.idle_timeout_ms = PROVHOST_DEFAULT_IDLE_MS;
	}
	if (!cond_init(&ph->cond)) {
		talloc_free(ph);
		return hr_raise(HR_E_OUTOFMEMORY);
	}
	pthread_mutex_init(&ph->lock, NULL);
	talloc_set_destructor(ph, provhost_destructor);
	if (ph->cfg.idle_timeout_ms != PROVHOST_IDLE_NEVER) {
		if (pthread_create(&ph->reaper, NULL, reaper_main, ph) != 0) {
			talloc_free(ph);
			return hr_raise(HR_E_OUTOFMEMORY);
		}
		ph->has_reaper = true;
	}
	*out = ph;
	return HR_OK;
}

/* ---- spawning --------------------------------------------------------- */

/* What the child needs, prepared before fork (nothing allocates after). */
struct spawn_plan {
	const char *path;
	char *argv[8];
	bool switch_ids;
	uid_t uid;
	gid_t gid;
	rlim_t nofile; /* 0: leave */
};

static void __attribute__((noreturn))
child_exec(const struct spawn_plan *sp, int fd)
{
	if (dup2(fd, 3) < 0) {
		_exit(126);
	}
	syscall(SYS_close_range, 4u, ~0u, 0u);
	if (sp->nofile != 0) {
		struct rlimit rl = { sp->nofile, sp->nofile };

		setrlimit(RLIMIT_NOFILE, &rl);
	}
	if (sp->switch_ids) {
		gid_t g = sp->gid;

		if (setgroups(1, &g) != 0 || setgid(sp->gid) != 0 ||
		    setuid(sp->uid) != 0) {
			_exit(125);
		}
	}
	execve(sp->path, sp->argv, environ);
	_exit(127);
}

static hresult spawn_fail(struct errinfo *ei,
                          hresult hr,
                          const char *provider,
                          const char *what)
{
	return err_set(ei, hr, PROVHOST_LAYER,
	               "provider '%s': cannot start the provider host: %s",
	               provider, what);
}

static hresult proc_spawn(struct provhost *ph,
                          struct host_proc *p,
                          struct errinfo *ei)
{
	struct spawn_plan sp = { .path = ph->cfg.host_path };
	char handles[16];
	int sv[2];
	pid_t pid;

	snprintf(handles, sizeof(handles), "%u",
	         ph->cfg.quota.handles_per_host);
	sp.argv[0] = (char *)"wmiprvse";
	sp.argv[1] = (char *)"--fd";
	sp.argv[2] = (char *)"3";
	sp.argv[3] = (char *)"--handles";
	sp.argv[4] = handles;
	sp.argv[5] = (char *)"--provider";
	sp.argv[6] = p->provider;
	sp.argv[7] = NULL;
	if (ph->cfg.quota.handles_per_host != 0) {
		/* A hard stop above the polled quota, so a runaway cannot
		 * exhaust the system before the host notices. */
		sp.nofile = (rlim_t)ph->cfg.quota.handles_per_host + 64;
	}
	if (p->impersonate &&
	    (p->uid != (uint32_t)geteuid() || p->gid != (uint32_t)getegid())) {
		if (geteuid() != 0) {
			return err_set(
			        ei, HR_WBEM_E_ACCESS_DENIED, PROVHOST_LAYER,
			        "provider '%s': cannot run a host as uid "
			        "%u: the object manager is not privileged",
			        p->provider, p->uid);
		}
		sp.switch_ids = true;
		sp.uid = (uid_t)p->uid;
		sp.gid = (gid_t)p->gid;
	} else if (p->service_account && geteuid() == 0 &&
	           (p->uid != (uint32_t)geteuid() ||
	            p->gid != (uint32_t)getegid())) {
		sp.switch_ids = true;
		sp.uid = (uid_t)p->uid;
		sp.gid = (gid_t)p->gid;
	}
	if (access(sp.path, X_OK) != 0) {
		return spawn_fail(ei, HR_WBEM_E_PROVIDER_LOAD_FAILURE,
		                  p->provider, strerror(errno));
	}
	if (socketpair(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0, sv) != 0) {
		return spawn_fail(ei, HR_WBEM_E_PROVIDER_LOAD_FAILURE,
		                  p->provider, strerror(errno));
	}
	pid = fork();
	if (pid < 0) {
		close(sv[0]);
		close(sv[1]);
		return spawn_fail(ei, HR_WBEM_E_PROVIDER_LOAD_FAILURE,
		                  p->provider, strerror(errno));
	}
	if (pid == 0) {
		child_exec(&sp, sv[1]);
	}
	close(sv[1]);
	p->pid = pid;
	p->fd = sv[0];
	pthread_mutex_lock(&ph->lock);
	ph->stats.started++;
	pthread_mutex_unlock(&ph->lock);
	log_msg(ph->cfg.log, LOG_LVL_INFO, PROVHOST_LAYER,
	        "started host %d for provider '%s' (%s) as uid %u%s", (int)pid,
	        p->provider, p->library,
	        sp.switch_ids ? (unsigned)sp.uid : (unsigned)geteuid(),
	        p->impersonate ? " impersonating" : "");
	return HR_OK;
}

/* ---- quotas ------------------------------------------------------------ */

static bool read_small(const char *path, char *out, size_t cap)
{
	int fd = open(path, O_RDONLY | O_CLOEXEC);
	ssize_t n;

	if (fd < 0) {
		return false;
	}
	n = read(fd, out, cap - 1);
	close(fd);
	if (n <= 0) {
		return false;
	}
	out[n] = '\0';
	return true;
}

/* Resident bytes of [pid] from /proc/pid/statm. */
static bool proc_rss(struct provhost *ph, pid_t pid, uint64_t *out)
{
	char path[64], text[256];
	unsigned long long size, rss;

	snprintf(path, sizeof(path), "/proc/%d/statm", (int)pid);
	if (!read_small(path, text, sizeof(text)) ||
	    sscanf(text, "%llu %llu", &size, &rss) != 2) {
		return false;
	}
	*out = (uint64_t)rss * (uint64_t)ph->page_size;
	return true;
}

/* Threads of [pid]: field 20 of /proc/pid/stat. */
static bool proc_threads(pid_t pid, uint32_t *out)
{
	char path[64], text[1024];
	const char *p;
	long n = 0;

	snprintf(path, sizeof(path), "/proc/%d/stat", (int)pid);
	if (!read_small(path, text, sizeof(text))) {
		return false;
	}
	p = strrchr(text, ')');
	if (p == NULL) {
		return false;
	}
	/* After ")": state is field 3; num_threads is field 20. */
	p++;
	for (int field = 2; field < 20 && *p != '\0'; p++) {
		if (*p == ' ') {
			field++;
		}
	}
	if (sscanf(p, "%ld", &n) != 1 || n < 0) {
		return false;
	}
	*out = (uint32_t)n;
	return true;
}

/*
 * MemoryAllHosts: the resident memory of every running host, summed.  Over
 * the limit, [p] (the host of the call polling, the one running provider
 * code) is the offender.
 */
static hresult all_hosts_check(struct host_proc *p, struct errinfo *ei)
{
	struct provhost *ph = p->ph;
	uint64_t sum = 0, own = 0, rss;
	uint32_t n = 0;

	pthread_mutex_lock(&ph->lock);
	for (struct host_proc *h = ph->procs; h != NULL; h = h->next) {
		if (h->pid > 0 && proc_rss(ph, h->pid, &rss)) {
			sum += rss;
			n++;
			if (h == p) {
				own = rss;
			}
		}
	}
	pthread_mutex_unlock(&ph->lock);
	if (sum <= ph->cfg.quota.memory_all_hosts) {
		return HR_OK;
	}
	return err_set(ei, HR_WBEM_E_QUOTA_VIOLATION, PROVHOST_LAYER,
	               "provider '%s': host %d (%llu bytes) was stopped: the "
	               "%u hosts together exceeded MemoryAllHosts (%llu > "
	               "%llu bytes)",
	               p->provider, (int)p->pid, (unsigned long long)own, n,
	               (unsigned long long)sum,
	               (unsigned long long)ph->cfg.quota.memory_all_hosts);
}

/*
 * Checks [p]'s process against the memory and thread quotas.  Returns S_OK
 * or WBEM_E_QUOTA_VIOLATION (with the detail in [ei]).
 */
static hresult quota_check(struct host_proc *p, struct errinfo *ei)
{
	struct provhost *ph = p->ph;
	const struct provhost_quota *q = &ph->cfg.quota;
	uint64_t rss;
	uint32_t threads;

	p->last_quota_ms = now_ms();
	if (q->memory_per_host != 0 && proc_rss(ph, p->pid, &rss) &&
	    rss > q->memory_per_host) {
		return err_set(ei, HR_WBEM_E_QUOTA_VIOLATION, PROVHOST_LAYER,
		               "provider '%s': host %d exceeded MemoryPerHost "
		               "(%llu > %llu bytes) and was stopped",
		               p->provider, (int)p->pid,
		               (unsigned long long)rss,
		               (unsigned long long)q->memory_per_host);
	}
	if (q->threads_per_host != 0 && proc_threads(p->pid, &threads) &&
	    threads > q->threads_per_host) {
		return err_set(ei, HR_WBEM_E_QUOTA_VIOLATION, PROVHOST_LAYER,
		               "provider '%s': host %d exceeded ThreadsPerHost "
		               "(%u > %u) and was stopped",
		               p->provider, (int)p->pid, threads,
		               q->threads_per_host);
	}
	if (q->memory_all_hosts != 0) {
		return all_hosts_check(p, ei);
	}
	return HR_OK;
}

/* ---- I/O ------------------------------------------------------------- */

static hresult send_all(struct host_proc *p, const void *data, size_t len)
{
	const uint8_t *d = data;

	while (len > 0) {
		ssize_t n = send(p->fd, d, len, MSG_NOSIGNAL);

		if (n < 0 && errno == EINTR) {
			continue;
		}
		if (n <= 0) {
			return HR_WBEM_E_PROVIDER_FAILURE;
		}
		d += n;
		len -= (size_t)n;
	}
	return HR_OK;
}

static hresult send_msg(struct host_proc *p, struct provframe_msg *m)
{
	struct buf b;
	hresult hr;

	buf_init(&b, NULL);
	m->call_id = p->call_id;
	hr = provframe_encode(&b, m);
	if (hr_ok(hr)) {
		hr = send_all(p, b.data, b.len);
	}
	buf_release(&b);
	return hr;
}

/* Describes how [p]'s process ended, after the socket closed. */
static hresult host_died(struct host_proc *p, struct errinfo *ei)
{
	struct provhost *ph = p->ph;
	char how[96];
	int status = 0;
	pid_t pid = p->pid;
	bool exited;

	if (p->fd >= 0) {
		close(p->fd);
		p->fd = -1;
	}
	exited = wait_exit(pid, EXIT_GRACE_MS, &status);
	if (!exited) {
		status = proc_kill(p);
	}
	p->pid = 0;
	if (WIFSIGNALED(status)) {
		snprintf(how, sizeof(how), "was killed by signal %d (%s)",
		         WTERMSIG(status), strsignal(WTERMSIG(status)));
	} else if (WIFEXITED(status) && WEXITSTATUS(status) == 127) {
		snprintf(how, sizeof(how), "could not execute %s",
		         ph->cfg.host_path);
	} else if (WIFEXITED(status) && WEXITSTATUS(status) == 125) {
		snprintf(how, sizeof(how), "could not switch to uid %u gid %u",
		         p->uid, p->gid);
	} else if (WIFEXITED(status)) {
		snprintf(how, sizeof(how), "exited with status %d",
		         WEXITSTATUS(status));
	} else {
		snprintf(how, sizeof(how), "closed its connection");
	}
	pthread_mutex_lock(&ph->lock);
	ph->stats.crashed++;
	pthread_mutex_unlock(&ph->lock);
	log_msg(ph->cfg.log, LOG_LVL_WARN, PROVHOST_LAYER,
	        "host %d of provider '%s' %s", (int)pid, p->provider, how);
	return err_set(ei, HR_WBEM_E_PROVIDER_FAILURE, PROVHOST_LAYER,
	               "provider '%s': host process %d %s", p->provider,
	               (int)pid, how);
}

static hresult timed_out(struct host_proc *p, struct errinfo *ei)
{
	struct provhost *ph = p->ph;
	pid_t pid = p->pid;

	proc_kill(p);
	pthread_mutex_lock(&ph->lock);
	ph->stats.timed_out++;
	pthread_mutex_unlock(&ph->lock);
	log_msg(ph->cfg.log, LOG_LVL_WARN, PROVHOST_LAYER,
	        "host %d of provider '%s' did not answer within %u ms; killed",
	        (int)pid, p->provider, ph->cfg.call_timeout_ms);
	return err_set(ei, HR_WBEM_E_PROVIDER_FAILURE, PROVHOST_LAYER,
	               "provider '%s': no answer from host process %d within "
	               "%u ms; the host was stopped",
	               p->provider, (int)pid, ph->cfg.call_timeout_ms);
}

static hresult quota_kill(struct host_proc *p, struct errinfo *ei)
{
	struct provhost *ph = p->ph;

	log_msg(ph->cfg.log, LOG_LVL_WARN, PROVHOST_LAYER, "%s",
	        ei != NULL ? ei->msg : "quota exceeded");
	proc_kill(p);
	pthread_mutex_lock(&ph->lock);
	ph->stats.quota_kill++;
	pthread_mutex_unlock(&ph->lock);
	return HR_WBEM_E_QUOTA_VIOLATION;
}

/* Makes room for [need] unread bytes in [p]'s buffer. */
static bool rbuf_reserve(struct host_proc *p, size_t need)
{
	size_t cap;
	uint8_t *nb;

	if (p->rpos > 0 && p->rpos == p->rlen) {
		p->rpos = p->rlen = 0;
	}
	if (p->rcap - p->rpos >= need) {
		return true;
	}
	if (p->rpos > 0) {
		memmove(p->rbuf, p->rbuf + p->rpos, p->rlen - p->rpos);
		p->rlen -= p->rpos;
		p->rpos = 0;
		if (p->rcap >= need) {
			return true;
		}
	}
	cap = p->rcap != 0 ? p->rcap : RBUF_MIN;
	while (cap < need) {
		cap *= 2;
	}
	nb = talloc_realloc(p, p->rbuf, uint8_t, cap);
	if (nb == NULL) {
		return false;
	}
	p->rbuf = nb;
	p->rcap = cap;
	return true;
}

/*
 * Reads the next whole frame of [p] into [m] (strings under [mem]; blobs
 * borrow p's buffer until the next read).  Handles the timeout, the quota
 * polling and a dead host: on failure the host has been stopped unless
 * the failure is E_OUTOFMEMORY.
 */
static hresult read_frame(struct host_proc *p,
                          void *mem,
                          struct provframe_msg *m,
                          struct errinfo *ei)
{
	struct provhost *ph = p->ph;
	uint64_t deadline = now_ms() + ph->cfg.call_timeout_ms;
	bool polling = ph->cfg.quota.memory_per_host != 0 ||
	               ph->cfg.quota.threads_per_host != 0 ||
	               ph->cfg.quota.memory_all_hosts != 0;
	size_t need;
	uint32_t plen = 0;
	hresult hr;

	for (;;) {
		size_t have = p->rlen - p->rpos;
		uint64_t t;
		int wait_ms;
		ssize_t n;

		need = PROVFRAME_HDR_LEN;
		if (have >= PROVFRAME_HDR_LEN) {
			hr = provframe_peek(p->rbuf + p->rpos, have, NULL,
			                    &plen, NULL);
			if (hr_failed(hr)) {
				proc_kill(p);
				return err_set(ei, HR_WBEM_E_PROVIDER_FAILURE,
				               PROVHOST_LAYER,
				               "provider '%s': malformed frame "
				               "from the host",
				               p->provider);
			}
			need += (size_t)plen;
			if (have >= need) {
				break;
			}
		}
		if (!rbuf_reserve(p, need > RBUF_MIN ? need : RBUF_MIN)) {
			return hr_raise(HR_E_OUTOFMEMORY);
		}
		t = now_ms();
		if (polling && t - p->last_quota_ms >= QUOTA_POLL_MS &&
		    hr_failed(quota_check(p, ei))) {
			return quota_kill(p, ei);
		}
		n = recv(p->fd, p->rbuf + p->rlen, p->rcap - p->rlen,
		         MSG_DONTWAIT);
		if (n > 0) {
			p->rlen += (size_t)n;
			deadline = now_ms() + ph->cfg.call_timeout_ms;
			continue;
		}
		if (n == 0 || (errno != EAGAIN && errno != EWOULDBLOCK &&
		               errno != EINTR)) {
			return host_died(p, ei);
		}
		if (t >= deadline) {
			return timed_out(p, ei);
		}
		wait_ms = (int)(deadline - t);
		if (polling && wait_ms > QUOTA_POLL_MS) {
			wait_ms = QUOTA_POLL_MS;
		}
		poll(&(struct pollfd){ .fd = p->fd, .events = POLLIN }, 1,
		     wait_ms);
	}
	hr = provframe_decode(mem, p->rbuf + p->rpos, need, m);
	p->rpos += need;
	if (hr_eq(hr, HR_E_OUTOFMEMORY)) {
		return hr;
	}
	if (hr_failed(hr) || m->call_id != p->call_id) {
		proc_kill(p);
		return err_set(ei, HR_WBEM_E_PROVIDER_FAILURE, PROVHOST_LAYER,
		               "provider '%s': malformed frame from the host",
		               p->provider);
	}
	return HR_OK;
}

/* ---- loading ------------------------------------------------------------ */

static hresult status_error(struct host_proc *p,
                            const struct provframe_msg *m,
                            struct errinfo *ei)
{
	hresult hr = HR(m->hr);

	if (hr_ok(hr)) {
		return hr;
	}
	if (m->message != NULL && m->message[0] != '\0') {
		return err_set(ei, hr, PROVHOST_LAYER, "provider '%s': %s",
		               p->provider, m->message);
	}
	return err_set(ei, hr, PROVHOST_LAYER, "provider '%s' returned %s",
	               p->provider, hr_name(hr));
}

static void log_frame(struct host_proc *p, const struct provframe_msg *m)
{
	enum log_level lv = LOG_LVL_DEBUG;

	if (m->level <= 1) {
		lv = LOG_LVL_ERROR;
	} else if (m->level == 2) {
		lv = LOG_LVL_WARN;
	} else if (m->level == 3) {
		lv = LOG_LVL_INFO;
	}
	log_msg(p->ph->cfg.log, lv, PROVHOST_LAYER,
	        "provider '%s' (host %d): %s", p->provider, (int)p->pid,
	        m->message ? m->message : "");
}

/* Sends LOAD and waits for its STATUS. */
static hresult proc_load(struct host_proc *p, struct errinfo *ei)
{
	struct provhost *ph = p->ph;
	struct provframe_msg m = { .type = PROVFRAME_LOAD };
	void *tmp = talloc_new(NULL);
	hresult hr;

	if (tmp == NULL) {
		return hr_raise(HR_E_OUTOFMEMORY);
	}
	p->call_id++;
	m.provider = p->provider;
	m.library = p->library;
	hr = send_msg(p, &m);
	if (hr_failed(hr)) {
		hr = host_died(p, ei);
		goto out;
	}
	for (;;) {
		hr = read_frame(p, tmp, &m, ei);
		if (hr_failed(hr)) {
			break;
		}
		if (m.type == PROVFRAME_LOG) {
			log_frame(p, &m);
			continue;
		}
		if (m.type != PROVFRAME_STATUS) {
			proc_kill(p);
			hr = err_set(ei, HR_WBEM_E_PROVIDER_FAILURE,
			             PROVHOST_LAYER,
			             "provider '%s': unexpected %s frame "
			             "while loading",
			             p->provider, provframe_type_name(m.type));
			break;
		}
		hr = status_error(p, &m, ei);
		break;
	}
	if (hr_eq(hr, HR_WBEM_E_PROVIDER_FAILURE)) {
		/* A host that dies while loading is a load failure. */
		if (ei != NULL) {
			ei->hr = HR_WBEM_E_PROVIDER_LOAD_FAILURE;
		}
		hr = HR_WBEM_E_PROVIDER_LOAD_FAILURE;
	}
	if (hr_ok(hr) && ph->cfg.started != NULL) {
		ph->cfg.started(ph->cfg.started_arg, p->provider, p->library,
		                (uint32_t)p->pid);
	}
out:
	talloc_free(tmp);
	return hr;
}

/* ---- choosing a host ---------------------------------------------------- */

static bool target_eq(const struct host_proc *p,
                      const struct provhost_target *t)
{
	if (strcmp(p->provider, t->provider) != 0 ||
	    strcmp(p->library, t->library) != 0 ||
	    p->impersonate != t->impersonate ||
	    p->service_account != (t->service_account && !t->impersonate)) {
		return false;
	}
	return (!t->impersonate && !t->service_account) ||
	       (p->uid == t->uid && p->gid == t->gid);
}

/*
 * Returns false when idle host [p] has exited since its last call (killed
 * from outside, for example): it is then marked for reaping (fd -1).
 */
static bool proc_alive(struct host_proc *p)
{
	struct pollfd pfd = { .fd = p->fd, .events = POLLIN | POLLRDHUP };

	/* An idle host sends nothing: anything readable is its end. */
	if (poll(&pfd, 1, 0) == 0) {
		return true;
	}
	proc_kill(p);
	return false;
}

/* Frees idle hosts found dead (lock held). */
static void reap_dead(struct provhost *ph)
{
	struct host_proc *p = ph->procs;

	while (p != NULL) {
		struct host_proc *next = p->next;

		if (!p->busy && p->fd < 0) {
			proc_unlink(ph, p);
		}
		p = next;
	}
}

/* Stops the least recently used idle host (lock held); false if none. */
static bool evict_idle(struct provhost *ph)
{
	struct host_proc *lru = NULL;

	for (struct host_proc *p = ph->procs; p != NULL; p = p->next) {
		if (!p->busy &&
		    (lru == NULL || p->last_used_ms < lru->last_used_ms)) {
			lru = p;
		}
	}
	if (lru == NULL) {
		return false;
	}
	proc_kill(lru);
	proc_unlink(ph, lru);
	return true;
}

/*
 * Returns a busy host for [t]: an idle running one, or a new one started
 * and loaded.  The caller releases it with proc_release.
 */
static hresult proc_acquire(struct provhost *ph,
                            const struct provhost_target *t,
                            struct host_proc **out,
                            struct errinfo *ei)
{
	struct host_proc *p;
	hresult hr;

	pthread_mutex_lock(&ph->lock);
	for (p = ph->procs; p != NULL; p = p->next) {
		if (!p->busy && p->fd >= 0 && target_eq(p, t) &&
		    proc_alive(p)) {
			p->busy = true;
			pthread_mutex_unlock(&ph->lock);
			*out = p;
			return HR_OK;
		}
	}
	reap_dead(ph);
	if (ph->cfg.quota.process_limit != 0 &&
	    ph->stats.hosts >= ph->cfg.quota.process_limit && !evict_idle(ph)) {
		pthread_mutex_unlock(&ph->lock);
		return err_set(ei, HR_WBEM_E_QUOTA_VIOLATION, PROVHOST_LAYER,
		               "provider '%s': ProcessLimitAllHosts (%u) "
		               "reached",
		               t->provider, ph->cfg.quota.process_limit);
	}
	p = talloc_zero(ph, struct host_proc);
	if (p != NULL) {
		p->provider = talloc_strdup(p, t->provider);
		p->library = talloc_strdup(p, t->library);
	}
	if (p == NULL || p->provider == NULL || p->library == NULL) {
		talloc_free(p);
		pthread_mutex_unlock(&ph->lock);
		return hr_raise(HR_E_OUTOFMEMORY);
	}
	p->ph = ph;
	p->fd = -1;
	p->busy = true;
	p->impersonate = t->impersonate;
	p->service_account = t->service_account && !t->impersonate;
	p->uid = t->uid;
	p->gid = t->gid;
	p->next = ph->procs;
	ph->procs = p;
	ph->stats.hosts++;
	pthread_mutex_unlock(&ph->lock);

	hr = proc_spawn(ph, p, ei);
	if (hr_ok(hr)) {
		hr = proc_load(p, ei);
	}
	if (hr_failed(hr)) {
		proc_discard(p);
		return hr;
	}
	*out = p;
	return HR_OK;
}

static void proc_release(struct host_proc *p)
{
	struct provhost *ph = p->ph;

	if (p->fd < 0) {
		proc_discard(p);
		return;
	}
	pthread_mutex_lock(&ph->lock);
	p->busy = false;
	p->last_used_ms = now_ms();
	/* The reaper may be sleeping with no idle host to time. */
	pthread_cond_signal(&ph->cond);
	pthread_mutex_unlock(&ph->lock);
}

/* ---- calls ----------------------------------------------------------- */

struct call_state {
	struct host_proc *p;
	const struct provhost_req *req;
	const struct provhost_results *res;
	void *mem;       /* the call's context: classes, out-params */
	void *batch_mem; /* emptied after each batch */
	/* classes by name seen in batches: [0] is the call's class */
	const char **cls_names;
	struct cim_class **classes;
	uint32_t n_classes;
	bool cancelled;
	hresult cancel_hr;
	uint32_t delivered;
	struct cim_instance *out;
};

static hresult encode_class(struct buf *b,
                            const struct cim_class *cls,
                            struct provframe_blob *out)
{
	hresult hr;

	buf_reset(b);
	hr = cim_class_encode(b, cls);
	if (hr_ok(hr) && hr_failed(b->error)) {
		hr = b->error;
	}
	out->p = (const uint8_t *)b->data;
	out->len = b->len;
	return hr;
}

/* Builds and sends the request frame of [cs]. */
static hresult send_request(struct call_state *cs)
{
	const struct provhost_req *rq = cs->req;
	struct provframe_msg m = { .type = rq->op };
	struct buf cb, ib, icb, ocb;
	hresult hr;

	buf_init(&cb, NULL);
	buf_init(&ib, NULL);
	buf_init(&icb, NULL);
	buf_init(&ocb, NULL);
	m.ns = rq->ns;
	m.user = rq->user;
	m.domain = rq->domain;
	m.id_flags = (rq->has_unix_ids ? PROVFRAME_ID_HAS_UNIX : 0) |
	             (rq->target.impersonate ? PROVFRAME_ID_IMPERSONATE : 0);
	m.uid = rq->uid;
	m.gid = rq->gid;
	m.op_flags = rq->flags;
	m.cls_name = rq->cls->name;
	hr = encode_class(&cb, rq->cls, &m.cls);
	m.has_keys = rq->has_keys;
	m.keys = (struct provframe_kv *)rq->keys;
	m.n_keys = rq->n_keys;
	m.query = rq->query;
	m.eqs = (struct provframe_kv *)rq->eqs;
	m.n_eqs = rq->n_eqs;
	m.method = rq->method;
	if (hr_ok(hr) && rq->inst != NULL) {
		hr = cim_instance_encode(&ib, rq->inst);
		if (hr_ok(hr) && hr_failed(ib.error)) {
			hr = ib.error;
		}
		m.inst.p = (const uint8_t *)ib.data;
		m.inst.len = ib.len;
		if (hr_ok(hr) && rq->op == PROVFRAME_METHOD) {
			hr = encode_class(&icb, rq->inst->cls, &m.in_cls);
		}
	}
	if (hr_ok(hr) && rq->op == PROVFRAME_METHOD && rq->out_cls != NULL) {
		hr = encode_class(&ocb, rq->out_cls, &m.out_cls);
	}
	if (hr_ok(hr)) {
		hr = send_msg(cs->p, &m);
		if (hr_eq(hr, HR_WBEM_E_PROVIDER_FAILURE)) {
			hr = HR_WBEM_E_PROVIDER_FAILURE;
		}
	}
	buf_release(&cb);
	buf_release(&ib);
	buf_release(&icb);
	buf_release(&ocb);
	return hr;
}

/* The class of batch name [name]: the call's, cached, or asked for. */
static hresult class_of(struct call_state *cs,
                        const char *name,
                        struct cim_class **out)
{
	struct cim_class *cls = NULL;
	const char **nn;
	struct cim_class **nc;
	hresult hr;

	for (uint32_t i = 0; i < cs->n_classes; i++) {
		if (utf8_casecmp(cs->cls_names[i], name) == 0) {
			*out = cs->classes[i];
			return HR_OK;
		}
	}
	if (cs->res->get_class == NULL) {
		return HR_WBEM_E_INVALID_CLASS;
	}
	hr = cs->res->get_class(cs->res->arg, cs->mem, name, &cls);
	if (hr_failed(hr)) {
		return hr;
	}
	nn = talloc_realloc(cs->mem, cs->cls_names, const char *,
	                    cs->n_classes + 1);
	if (nn != NULL) {
		cs->cls_names = nn;
	}
	nc = talloc_realloc(cs->mem, cs->classes, struct cim_class *,
	                    cs->n_classes + 1);
	if (nc != NULL) {
		cs->classes = nc;
	}
	if (nn == NULL || nc == NULL) {
		return hr_raise(HR_E_OUTOFMEMORY);
	}
	cs->cls_names[cs->n_classes] = cls->name;
	cs->classes[cs->n_classes] = cls;
	cs->n_classes++;
	*out = cls;
	return HR_OK;
}

static hresult on_batch(struct call_state *cs, const struct provframe_msg *m)
{
	hresult hr = HR_OK;

	for (uint32_t i = 0; i < m->n_items && !cs->cancelled; i++) {
		const struct provframe_item *it = &m->items[i];
		struct cim_instance *inst = NULL;
		struct cim_class *cls = NULL;

		hr = class_of(cs, m->names[it->name], &cls);
		if (hr_ok(hr)) {
			hr = cim_instance_decode(cs->batch_mem, cls, it->data.p,
			                         it->data.len, &inst);
		}
		if (hr_failed(hr)) {
			return hr;
		}
		cs->delivered++;
		if (cs->req->op == PROVFRAME_GET && cs->delivered > 1) {
			continue;
		}
		hr = cs->res->instance(cs->res->arg, inst);
		if (hr_failed(hr)) {
			cs->cancelled = true;
			cs->cancel_hr = hr;
			hr = send_msg(cs->p,
			              &(struct provframe_msg){
			                      .type = PROVFRAME_CANCEL });
			/* A host gone here is noticed by the next read. */
			hr = HR_OK;
		}
	}
	return hr;
}

static hresult on_need_class(struct call_state *cs,
                             const struct provframe_msg *m)
{
	struct provframe_msg r = { .type = PROVFRAME_CLASS };
	struct cim_class *cls = NULL;
	struct buf b;
	hresult hr;

	buf_init(&b, NULL);
	r.cls_name = m->cls_name;
	hr = class_of(cs, m->cls_name, &cls);
	if (hr_ok(hr)) {
		hr = encode_class(&b, cls, &r.cls);
	}
	r.hr = hr.v;
	if (hr_failed(hr)) {
		r.cls.p = NULL;
		r.cls.len = 0;
	}
	hr = send_msg(cs->p, &r);
	buf_release(&b);
	return hr;
}

static hresult on_out(struct call_state *cs, const struct provframe_msg *m)
{
	struct cim_class *cls = (struct cim_class *)cs->req->out_cls;

	if (cls == NULL || cs->out != NULL) {
		return HR_WBEM_E_INVALID_STREAM;
	}
	return cim_instance_decode(cs->mem, cls, m->inst.p, m->inst.len,
	                           &cs->out);
}

/* Reads frames of the call until its STATUS. */
static hresult call_loop(struct call_state *cs, struct errinfo *ei)
{
	struct host_proc *p = cs->p;
	hresult hr;

	for (;;) {
		struct provframe_msg m;

		hr = read_frame(p, cs->batch_mem, &m, ei);
		if (hr_failed(hr)) {
			return hr;
		}
		switch (m.type) {
		case PROVFRAME_BATCH:
			hr = on_batch(cs, &m);
			break;
		case PROVFRAME_NEED_CLASS:
			hr = on_need_class(cs, &m);
			break;
		case PROVFRAME_OUT:
			hr = on_out(cs, &m);
			break;
		case PROVFRAME_LOG:
			log_frame(p, &m);
			break;
		case PROVFRAME_STATUS:
			if (hr_eq(HR(m.hr), HR_WBEM_E_QUOTA_VIOLATION)) {
				status_error(p, &m, ei);
				return quota_kill(p, ei);
			}
			return status_error(p, &m, ei);
		default:
			hr = HR_WBEM_E_INVALID_STREAM;
		}
		talloc_free_children(cs->batch_mem);
		if (hr_eq(hr, HR_E_OUTOFMEMORY)) {
			proc_kill(p);
			return hr_raise(hr);
		}
		if (hr_failed(hr)) {
			proc_kill(p);
			return err_set(ei, HR_WBEM_E_PROVIDER_FAILURE,
			               PROVHOST_LAYER,
			               "provider '%s': bad %s frame from the "
			               "host (%s)",
			               p->provider, provframe_type_name(m.type),
			               hr_name(hr));
		}
	}
}

static hresult check_req(const struct provhost_req *rq)
{
	if (rq == NULL || rq->cls == NULL || rq->cls->name == NULL ||
	    rq->target.provider == NULL || rq->target.library == NULL) {
		return HR_WBEM_E_INVALID_PARAMETER;
	}
	switch (rq->op) {
	case PROVFRAME_ENUM:
	case PROVFRAME_GET:
	case PROVFRAME_DELETE:
		return HR_OK;
	case PROVFRAME_PUT:
		return rq->inst != NULL ? HR_OK : HR_WBEM_E_INVALID_PARAMETER;
	case PROVFRAME_QUERY:
		return rq->query != NULL ? HR_OK : HR_WBEM_E_INVALID_PARAMETER;
	case PROVFRAME_METHOD:
		return rq->method != NULL ? HR_OK : HR_WBEM_E_INVALID_PARAMETER;
	default:
		return HR_WBEM_E_INVALID_PARAMETER;
	}
}

hresult provhost_call(struct provhost *ph,
                      const struct provhost_req *req,
                      const struct provhost_results *res,
                      void *mem,
                      struct cim_instance **out,
                      struct errinfo *ei)
{
	struct call_state cs = { .req = req, .res = res };
	hresult hr;

	if (out != NULL) {
		*out = NULL;
	}
	hr = check_req(req);
	if (hr_failed(hr) || res == NULL || res->instance == NULL) {
		return err_set(ei, HR_WBEM_E_INVALID_PARAMETER, PROVHOST_LAYER,
		               "incomplete provider request");
	}
	cs.mem = talloc_new(mem);
	/* A pool: each batch's instances reuse the same memory instead of
	 * going back to malloc (which trims and regrows the heap). */
	cs.batch_mem = talloc_pool(cs.mem, BATCH_POOL);
	cs.cls_names = talloc_array(cs.mem, const char *, 1);
	cs.classes = talloc_array(cs.mem, struct cim_class *, 1);
	if (cs.mem == NULL || cs.batch_mem == NULL || cs.cls_names == NULL ||
	    cs.classes == NULL) {
		talloc_free(cs.mem);
		return hr_raise(HR_E_OUTOFMEMORY);
	}
	/* The decoder only reads the class; the call keeps it alive. */
	cs.cls_names[0] = req->cls->name;
	cs.classes[0] = (struct cim_class *)req->cls;
	cs.n_classes = 1;
	hr = proc_acquire(ph, &req->target, &cs.p, ei);
	if (hr_failed(hr)) {
		talloc_free(cs.mem);
		return hr;
	}
	pthread_mutex_lock(&ph->lock);
	ph->stats.calls++;
	pthread_mutex_unlock(&ph->lock);
	cs.p->call_id++;
	hr = send_request(&cs);
	if (hr_eq(hr, HR_WBEM_E_PROVIDER_FAILURE)) {
		hr = host_died(cs.p, ei);
	} else if (hr_failed(hr)) {
		hr = err_set(ei, hr, PROVHOST_LAYER,
		             "provider '%s': cannot encode the request",
		             req->target.provider);
	} else {
		hr = call_loop(&cs, ei);
	}
	if (cs.cancelled && !hr_eq(hr, HR_WBEM_E_PROVIDER_FAILURE) &&
	    !hr_eq(hr, HR_WBEM_E_QUOTA_VIOLATION)) {
		hr = cs.cancel_hr;
	}
	if (hr_ok(hr) && req->op == PROVFRAME_GET && cs.delivered == 0) {
		hr = err_set(ei, HR_WBEM_E_NOT_FOUND, PROVHOST_LAYER,
		             "provider '%s' has no such instance of '%s'",
		             req->target.provider, req->cls->name);
	}
	if (hr_ok(hr) && out != NULL && cs.out != NULL) {
		*out = talloc_steal(mem, cs.out);
	}
	proc_release(cs.p);
	talloc_free(cs.mem);
	return hr;
}

hresult provhost_ping(struct provhost *ph,
                      const struct provhost_target *target,
                      struct errinfo *ei)
{
	struct provframe_msg m = { .type = PROVFRAME_PING };
	struct host_proc *p = NULL;
	void *tmp;
	hresult hr;

	hr = proc_acquire(ph, target, &p, ei);
	if (hr_failed(hr)) {
		return hr;
	}
	tmp = talloc_new(NULL);
	p->call_id++;
	hr = tmp != NULL ? send_msg(p, &m) : hr_raise(HR_E_OUTOFMEMORY);
	if (hr_eq(hr, HR_WBEM_E_PROVIDER_FAILURE)) {
		hr = host_died(p, ei);
	}
	while (hr_ok(hr)) {
		hr = read_frame(p, tmp, &m, ei);
		if (hr_ok(hr) && m.type == PROVFRAME_STATUS) {
			hr = status_error(p, &m, ei);
			break;
		}
		if (hr_ok(hr) && m.type != PROVFRAME_LOG) {
			proc_kill(p);
			hr = err_set(ei, HR_WBEM_E_PROVIDER_FAILURE,
			             PROVHOST_LAYER,
			             "provider '%s': unexpected %s frame",
			             p->provider, provframe_type_name(m.type));
		}
	}
	talloc_free(tmp);
	proc_release(p);
	return hr;
}

void provhost_get_stats(struct provhost *ph, struct provhost_stats *out)
{
	pthread_mutex_lock(&ph->lock);
	*out = ph->stats;
	pthread_mutex_unlock(&ph->lock);
}

uint32_t provhost_host_pid(struct provhost *ph,
                           const struct provhost_target *target)
{
	uint32_t pid = 0;

	pthread_mutex_lock(&ph->lock);
	for (struct host_proc *p = ph->procs; p != NULL; p = p->next) {
		if (!p->busy && p->fd >= 0 && target_eq(p, target)) {
			pid = (uint32_t)p->pid;
			break;
		}
	}
	pthread_mutex_unlock(&ph->lock);
	return pid;
}

/* ---- idle shutdown ----------------------------------------------------- */

/*
 * Takes every idle host unused for at least [idle_ms] (and every idle host
 * found dead) out of the list onto *[doomed] (lock held).  A detached host
 * is no longer a talloc child of ph.  Returns how many were running.
 */
static uint32_t detach_idle(struct provhost *ph,
                            uint64_t now,
                            uint32_t idle_ms,
                            struct host_proc **doomed)
{
	struct host_proc **pp = &ph->procs;
	uint32_t n = 0;

	while (*pp != NULL) {
		struct host_proc *p = *pp;

		if (!p->busy &&
		    (p->fd < 0 || now - p->last_used_ms >= idle_ms)) {
			*pp = p->next;
			ph->stats.hosts--;
			talloc_steal(NULL, p);
			p->next = *doomed;
			*doomed = p;
			n += p->fd >= 0 ? 1u : 0u;
			continue;
		}
		pp = &p->next;
	}
	return n;
}

/*
 * Stops the detached hosts of [list] (lock not held): end of file to all
 * first so they clean up in parallel, then each gets what is left of one
 * grace period before SIGKILL; every one is reaped.  Frees the list.
 */
static void stop_detached(struct provhost *ph, struct host_proc *list)
{
	uint64_t deadline = now_ms() + PROVHOST_EXIT_GRACE_MS;
	uint64_t stopped = 0, killed = 0;
	struct host_proc *p;

	for (p = list; p != NULL; p = p->next) {
		if (p->fd >= 0) {
			close(p->fd);
			p->fd = -1;
		}
	}
	while (list != NULL) {
		uint64_t t = now_ms();
		int status = 0;

		p = list;
		list = p->next;
		if (p->pid > 0) {
			int left = t < deadline ? (int)(deadline - t) : 0;

			stopped++;
			if (!wait_exit(p->pid, left, &status)) {
				log_msg(ph->cfg.log, LOG_LVL_WARN,
				        PROVHOST_LAYER,
				        "idle host %d for provider '%s' did not "
				        "exit in %u ms: killed",
				        (int)p->pid, p->provider,
				        PROVHOST_EXIT_GRACE_MS);
				proc_kill(p);
				killed++;
			} else {
				log_msg(ph->cfg.log, LOG_LVL_INFO,
				        PROVHOST_LAYER,
				        "stopped idle host %d for provider '%s'",
				        (int)p->pid, p->provider);
			}
			p->pid = 0;
		}
		talloc_free(p);
	}
	pthread_mutex_lock(&ph->lock);
	ph->stats.idle_stopped += stopped;
	ph->stats.stop_killed += killed;
	pthread_mutex_unlock(&ph->lock);
}

/* The absolute CLOCK_MONOTONIC time [ms] from the epoch of now_ms(). */
static struct timespec mono_at(uint64_t ms)
{
	struct timespec ts;

	ts.tv_sec = (time_t)(ms / 1000u);
	ts.tv_nsec = (long)(ms % 1000u) * 1000000L;
	return ts;
}

static void *reaper_main(void *arg)
{
	struct provhost *ph = arg;
	uint32_t idle = ph->cfg.idle_timeout_ms;

	pthread_mutex_lock(&ph->lock);
	while (!ph->quit) {
		struct host_proc *doomed = NULL;
		uint64_t t = now_ms(), next = UINT64_MAX;

		if (detach_idle(ph, t, idle, &doomed) > 0) {
			pthread_mutex_unlock(&ph->lock);
			stop_detached(ph, doomed);
			pthread_mutex_lock(&ph->lock);
			continue;
		}
		for (struct host_proc *p = ph->procs; p != NULL; p = p->next) {
			if (!p->busy && p->last_used_ms + idle < next) {
				next = p->last_used_ms + idle;
			}
		}
		if (next == UINT64_MAX) {
			pthread_cond_wait(&ph->cond, &ph->lock);
		} else {
			struct timespec at = mono_at(next);

			pthread_cond_timedwait(&ph->cond, &ph->lock, &at);
		}
	}
	pthread_mutex_unlock(&ph->lock);
	return NULL;
}

uint32_t provhost_reap_idle(struct provhost *ph, uint32_t idle_ms)
{
	struct host_proc *doomed = NULL;
	uint32_t n;

	pthread_mutex_lock(&ph->lock);
	n = detach_idle(ph, now_ms(), idle_ms, &doomed);
	pthread_mutex_unlock(&ph->lock);
	stop_detached(ph, doomed);
	return n;
}

uint32_t provhost_idle_timeout(const struct provhost *ph)
{
	return ph->cfg.idle_timeout_ms;
}
