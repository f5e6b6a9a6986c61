/*
 * sys_proc: processes (Win32_Process): reading /proc/[pid], creating and
 * terminating processes (providers layer).
 *
 * Reading is the hot path of SELECT * FROM Win32_Process: each process
 * costs one directory descriptor and a handful of openat/read calls into
 * stack buffers; only the strings kept are allocated.
 */
#include "providers/sysinfo.h"

#include <ctype.h>
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <grp.h>
#include <pthread.h>
#include <pwd.h>
#include <sched.h>
#include <signal.h>
#include <stdio.h>
#include <string.h>
#include <sys/resource.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <talloc.h>
#include <unistd.h>

#define LAYER "providers"

/* Default PATH for programs started by Create (that of login(1)). */
#define PROV_DEFAULT_PATH "/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin"

static int cmp_u32(const void *a, const void *b)
{
	uint32_t x = *(const uint32_t *)a, y = *(const uint32_t *)b;

	return x < y ? -1 : x > y;
}

hresult prov_process_list(void *mem,
                          const char *root,
                          uint32_t **pids,
                          uint32_t *n,
                          struct errinfo *ei)
{
	char path[4096];
	struct dirent *d;
	uint32_t *a = NULL;
	uint32_t cnt = 0, cap = 0;
	DIR *dir;

	snprintf(path, sizeof(path), "%s/proc", root ? root : "");
	dir = opendir(path);
	if (dir == NULL) {
		return err_set(ei, HR_HR_ERROR_FILE_NOT_FOUND, LAYER,
		               "cannot open %s: %s", path, strerror(errno));
	}
	while ((d = readdir(dir)) != NULL) {
		char *end;
		unsigned long v;

		if (d->d_name[0] < '1' || d->d_name[0] > '9') {
			continue;
		}
		v = strtoul(d->d_name, &end, 10);
		if (*end != '\0' || v > UINT32_MAX) {
			continue;
		}
		if (cnt == cap) {
			uint32_t *na;

			cap = cap ? cap * 2 : 256;
			na = talloc_realloc(mem, a, uint32_t, cap);
			if (na == NULL) {
				talloc_free(a);
				closedir(dir);
				return err_set(
				        ei, HR_E_OUTOFMEMORY, LAYER,
				        "out of memory listing processes");
			}
			a = na;
		}
		a[cnt++] = (uint32_t)v;
	}
	closedir(dir);
	if (cnt > 1) {
		qsort(a, cnt, sizeof(*a), cmp_u32);
	}
	*pids = a;
	*n = cnt;
	return HR_OK;
}

/* Reads file [name] of [dirfd] into [buf] (NUL-terminated); -1 on error. */
static ssize_t read_at(int dirfd, const char *name, char *buf, size_t size)
{
	ssize_t total = 0;
	int fd = openat(dirfd, name, O_RDONLY | O_CLOEXEC);

	if (fd < 0) {
		return -1;
	}
	while ((size_t)total < size - 1) {
		ssize_t r = read(fd, buf + total, size - 1 - (size_t)total);

		if (r < 0 && errno == EINTR) {
			continue;
		}
		if (r < 0) {
			close(fd);
			return -1;
		}
		if (r == 0) {
			break;
		}
		total += r;
	}
	close(fd);
	buf[total] = '\0';
	return total;
}

uint32_t prov_priority_from_nice(int32_t nice, uint32_t policy)
{
	if (policy == SCHED_FIFO || policy == SCHED_RR) {
		return 24; /* REALTIME_PRIORITY_CLASS */
	}
	if (policy == SCHED_IDLE || nice >= 15) {
		return 4; /* IDLE_PRIORITY_CLASS */
	}
	if (nice >= 5) {
		return 6; /* BELOW_NORMAL */
	}
	if (nice > -5) {
		return 8; /* NORMAL */
	}
	if (nice > -15) {
		return 10; /* ABOVE_NORMAL */
	}
	return 13; /* HIGH */
}

static uint64_t ticks_to_100ns(uint64_t ticks, long tck)
{
	return ticks / (uint64_t)tck * 10000000u +
	       ticks % (uint64_t)tck * 10000000u / (uint64_t)tck;
}

/* Parses /proc/[pid]/stat text; false when malformed. */
static bool parse_stat(char *text,
                       int64_t boot_time,
                       long tck,
                       struct prov_process *p,
                       char **comm_start,
                       size_t *comm_len)
{
	char *open = strchr(text, '(');
	char *close = strrchr(text, ')');
	uint64_t f[40];
	char *q;
	int i;

	if (open == NULL || close == NULL || close < open || close[1] != ' ') {
		return false;
	}
	*comm_start = open + 1;
	*comm_len = (size_t)(close - open - 1);
	q = close + 2;
	p->state = *q;
	q++;
	for (i = 0; i < 40 && *q != '\0'; i++) {
		char *end;

		while (*q == ' ') {
			q++;
		}
		if (*q == '-') {
			f[i] = (uint64_t)strtoll(q, &end, 10);
		} else {
			f[i] = strtoull(q, &end, 10);
		}
		if (end == q) {
			break;
		}
		q = end;
	}
	if (i < 19) {
		return false;
	}
	/* f[k] is stat field k + 4 (proc(5) numbering from 1). */
	p->ppid = (uint32_t)f[0];
	p->page_faults = f[6] + f[8];
	p->user_100ns = ticks_to_100ns(f[10], tck);
	p->kernel_100ns = ticks_to_100ns(f[11], tck);
	p->nice = (int32_t)(int64_t)f[15];
	p->threads = (uint32_t)f[16];
	p->start_sec = boot_time + (int64_t)(f[18] / (uint64_t)tck);
	p->start_usec = (uint32_t)(f[18] % (uint64_t)tck * 1000000u /
	                           (uint64_t)tck);
	p->vm_size_kb = i > 19 ? f[19] / 1024u : 0;
	p->policy = i > 37 ? (uint32_t)f[37] : 0;
	p->priority = prov_priority_from_nice(p->nice, p->policy);
	return true;
}

static uint64_t status_kb(const char *text, const char *key)
{
	const char *p = strstr(text, key);

	if (p == NULL) {
		return 0;
	}
	return strtoull(p + strlen(key), NULL, 10);
}

static void parse_status(const char *text, struct prov_process *p)
{
	const char *u = strstr(text, "\nUid:");

	p->vm_peak_kb = status_kb(text, "\nVmPeak:");
	if (strstr(text, "\nVmSize:") != NULL) {
		p->vm_size_kb = status_kb(text, "\nVmSize:");
	}
	p->rss_kb = status_kb(text, "\nVmRSS:");
	p->hwm_kb = status_kb(text, "\nVmHWM:");
	p->private_kb = status_kb(text, "\nRssAnon:") +
	                status_kb(text, "\nVmSwap:");
	if (u != NULL) {
		p->uid = (uint32_t)strtoul(u + 5, NULL, 10);
	}
	if (strstr(text, "\nThreads:") != NULL) {
		p->threads = (uint32_t)status_kb(text, "\nThreads:");
	}
}

static void parse_io(const char *text, struct prov_process *p)
{
	p->read_bytes = status_kb(text, "rchar:");
	p->write_bytes = status_kb(text, "\nwchar:");
	p->read_ops = status_kb(text, "\nsyscr:");
	p->write_ops = status_kb(text, "\nsyscw:");
	p->has_io = true;
}

static uint32_t count_fds(int dirfd)
{
	char buf[8192];
	uint32_t n = 0;
	struct stat st;
	int fd;

	/* Linux 6.2 and later give the count as the size of the fd
	 * directory, far cheaper than listing it; 0 means an older kernel
	 * (or no descriptors, which the listing confirms). */
	if (fstatat(dirfd, "fd", &st, 0) == 0 && st.st_size > 0) {
		return st.st_size > UINT32_MAX ? UINT32_MAX
		                               : (uint32_t)st.st_size;
	}
	fd = openat(dirfd, "fd", O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	if (fd < 0) {
		return 0;
	}
	for (;;) {
		long r = syscall(SYS_getdents64, fd, buf, sizeof(buf));

		if (r <= 0) {
			break;
		}
		for (long off = 0; off < r;) {
			/* struct linux_dirent64: ino, off, reclen, type, name
			 */
			unsigned short reclen;
			const char *name = buf + off + 19;

			memcpy(&reclen, buf + off + 16, sizeof(reclen));
			if (name[0] != '.') {
				n++;
			}
			off += reclen;
		}
	}
	close(fd);
	return n;
}

static hresult read_cmdline(void *mem,
                            const char *root,
                            int dirfd,
                            struct prov_process *p)
{
	char small[4096];
	char *big = NULL;
	char *s = small;
	ssize_t len = read_at(dirfd, "cmdline", small, sizeof(small));

	if (len == (ssize_t)sizeof(small) - 1) {
		char path[64];
		size_t n;

		/* A long command line: read it whole (up to 1 MiB). */
		snprintf(path, sizeof(path), "/proc/%u/cmdline", p->pid);
		if (hr_ok(prov_read_file(mem, root, path, 1u << 20, &big, &n,
		                         NULL))) {
			s = big;
			len = (ssize_t)n;
		}
	}
	if (len <= 0) {
		talloc_free(big);
		return HR_OK;
	}
	while (len > 0 && s[len - 1] == '\0') {
		len--;
	}
	for (ssize_t i = 0; i < len; i++) {
		if (s[i] == '\0') {
			s[i] = ' ';
		}
	}
	if (len > 0) {
		p->cmdline = talloc_strndup(mem, s, (size_t)len);
	}
	talloc_free(big);
	return len == 0 || p->cmdline != NULL ? HR_OK : HR_E_OUTOFMEMORY;
}

static hresult read_exe(void *mem, int dirfd, struct prov_process *p)
{
	char link[4096];
	ssize_t n = readlinkat(dirfd, "exe", link, sizeof(link) - 1);
	static const char deleted[] = " (deleted)";
	const char *base;

	if (n <= 0) {
		return HR_OK;
	}
	link[n] = '\0';
	if ((size_t)n > sizeof(deleted) - 1 &&
	    strcmp(link + n - (sizeof(deleted) - 1), deleted) == 0) {
		link[n - (sizeof(deleted) - 1)] = '\0';
	}
	p->exe = talloc_strdup(mem, link);
	if (p->exe == NULL) {
		return HR_E_OUTOFMEMORY;
	}
	base = strrchr(p->exe, '/');
	base = base ? base + 1 : p->exe;
	if (base[0] != '\0') {
		p->name = talloc_strdup(mem, base);
		if (p->name == NULL) {
			return HR_E_OUTOFMEMORY;
		}
	}
	return HR_OK;
}

/*
 * A process read on an earlier call, and what its stat and schedstat
 * said then.  The fields besides stat's (status, io, cmdline, exe, fd
 * count, session) change only when the process itself runs, so while
 * both texts are the same they are the same too.
 */
struct proc_cache_ent {
	uint32_t pid;
	uint32_t fields; /* what [p] holds */
	char *stat;      /* /proc/[pid]/stat text */
	char *sched;     /* /proc/[pid]/schedstat text */
	/* stat and schedstat kept open (-1: not kept): pread at 0 makes
	 * the kernel print them again without a path walk, and a descriptor
	 * of an exited process fails (ESRCH) rather than read a newcomer
	 * with the same pid */
	int stat_fd, sched_fd;
	struct prov_process p;
};

/* Most descriptors the cache keeps open (two per process). */
#define PROC_FDS_MAX 4096

struct prov_proc_cache {
	void *gen; /* owns ents and their strings; replaced per call */
	struct proc_cache_ent *ents; /* ascending pid */
	uint32_t n;
	/* descriptors this call may keep, and kept so far (atomic) */
	uint32_t fd_budget;
	uint32_t fds_kept;
};

static void ent_close(struct proc_cache_ent *e)
{
	if (e->stat_fd >= 0) {
		close(e->stat_fd);
	}
	if (e->sched_fd >= 0) {
		close(e->sched_fd);
	}
	e->stat_fd = e->sched_fd = -1;
}

static int cache_destructor(struct prov_proc_cache *c)
{
	for (uint32_t i = 0; i < c->n; i++) {
		ent_close(&c->ents[i]);
	}
	return 0;
}

struct prov_proc_cache *prov_proc_cache_new(void *mem)
{
	struct prov_proc_cache *c = talloc_zero(mem, struct prov_proc_cache);

	if (c != NULL) {
		talloc_set_destructor(c, cache_destructor);
	}
	return c;
}

/*
 * The descriptors a call may keep: half of what RLIMIT_NOFILE leaves
 * above the 64 the provider host reserves (provhost sets the limit to
 * HandlesPerHost + 64, and checks the quota by the lowest free
 * descriptor), at most PROC_FDS_MAX.
 */
static uint32_t fd_budget(void)
{
	struct rlimit rl;
	rlim_t n;

	if (getrlimit(RLIMIT_NOFILE, &rl) != 0 || rl.rlim_cur <= 128) {
		return 0;
	}
	n = (rl.rlim_cur - 64) / 2;
	return n > PROC_FDS_MAX ? PROC_FDS_MAX : (uint32_t)n;
}

/* Takes one descriptor of the call's budget; false when it is spent. */
static bool fd_take(struct prov_proc_cache *c)
{
	uint32_t n = __atomic_add_fetch(&c->fds_kept, 1, __ATOMIC_RELAXED);

	if (n <= c->fd_budget) {
		return true;
	}
	__atomic_sub_fetch(&c->fds_kept, 1, __ATOMIC_RELAXED);
	return false;
}

static const struct proc_cache_ent *ents_find(const struct proc_cache_ent *v,
                                              uint32_t n,
                                              uint32_t pid)
{
	uint32_t lo = 0, hi = n;

	while (lo < hi) {
		uint32_t mid = lo + (hi - lo) / 2;

		if (v[mid].pid == pid) {
			return &v[mid];
		}
		if (v[mid].pid < pid) {
			lo = mid + 1;
		} else {
			hi = mid;
		}
	}
	return NULL;
}

static const struct proc_cache_ent *cache_find(const struct prov_proc_cache *c,
                                               uint32_t pid)
{
	return c != NULL ? ents_find(c->ents, c->n, pid) : NULL;
}

/* Copies [from]'s strings into [mem]; false on OOM. */
static bool proc_copy(void *mem,
                      const struct prov_process *from,
                      struct prov_process *to)
{
	*to = *from;
	to->comm = talloc_strdup(mem, from->comm ? from->comm : "");
	to->exe = from->exe ? talloc_strdup(mem, from->exe) : NULL;
	to->cmdline = from->cmdline ? talloc_strdup(mem, from->cmdline) : NULL;
	if (from->name == from->comm) {
		to->name = to->comm;
	} else {
		to->name = from->name ? talloc_strdup(mem, from->name) : NULL;
	}
	return to->comm != NULL && (from->exe == NULL || to->exe != NULL) &&
	       (from->cmdline == NULL || to->cmdline != NULL) &&
	       (from->name == NULL || to->name != NULL);
}

/* Whether a cached entry may stand for the process whose texts these are. */
static bool cache_hit(const struct proc_cache_ent *e,
                      uint32_t fields,
                      const char *stat,
                      const char *sched,
                      const struct prov_process *fresh)
{
	/* A thread other than the leader may run unseen by schedstat; a
	 * running task's counters lag; "0 0 0" is a kernel without
	 * sched_info. */
	return e != NULL && (e->fields & fields) == fields &&
	       fresh->threads == 1 && strchr("SITt", fresh->state) != NULL &&
	       strcmp(sched, "0 0 0\n") != 0 && strcmp(e->stat, stat) == 0 &&
	       strcmp(e->sched, sched) == 0;
}

/* What a read saw, for the next call's cache. */
struct proc_sig {
	char *stat, *sched;
	int stat_fd, sched_fd; /* kept open, -1: none */
};

/* Reads [fd] from offset 0 into [buf] (NUL-terminated); -1 on error. */
static ssize_t pread_all(int fd, char *buf, size_t size)
{
	ssize_t total = 0;

	while ((size_t)total < size - 1) {
		ssize_t r = pread(fd, buf + total, size - 1 - (size_t)total,
		                  total);

		if (r < 0 && errno == EINTR) {
			continue;
		}
		if (r < 0) {
			return -1;
		}
		if (r == 0) {
			break;
		}
		total += r;
	}
	buf[total] = '\0';
	return total;
}

/*
 * Reads /proc/[pid]/[name] through the kept descriptor [kept] when it
 * still works, else opens it under [procfd]; the descriptor read is
 * kept in *fd_out while the cache's budget allows (else closed and -1).
 */
static ssize_t read_kept(struct prov_proc_cache *c,
                         int procfd,
                         uint32_t pid,
                         const char *name,
                         int kept,
                         char *buf,
                         size_t size,
                         int *fd_out)
{
	char rel[32];
	ssize_t n;
	int fd;

	*fd_out = -1;
	if (kept >= 0) {
		n = pread_all(kept, buf, size);
		if (n > 0) {
			if (fd_take(c)) {
				*fd_out = kept;
			}
			return n;
		}
	}
	snprintf(rel, sizeof(rel), "%u/%s", pid, name);
	fd = openat(procfd, rel, O_RDONLY | O_CLOEXEC);
	if (fd < 0) {
		return -1;
	}
	n = pread_all(fd, buf, size);
	if (n > 0 && fd_take(c)) {
		*fd_out = fd;
	} else {
		close(fd);
	}
	return n;
}

static hresult proc_read(void *mem,
                         const char *root,
                         uint32_t pid,
                         int64_t boot_time,
                         uint32_t fields,
                         int procfd,
                         struct prov_proc_cache *cache,
                         struct proc_sig *sig,
                         struct prov_process *out,
                         struct errinfo *ei)
{
	long tck = sysconf(_SC_CLK_TCK);
	char path[4096];
	char text[4096];
	char stat_text[2048];
	char sched[96];
	char rel[32];
	char *comm;
	size_t comm_len;
	hresult hr = HR_OK;
	int dirfd = -1;

	if (tck <= 0) {
		tck = 100;
	}
	const struct proc_cache_ent *e = NULL;

	memset(out, 0, sizeof(*out));
	out->pid = pid;
	if (sig != NULL) {
		sig->stat_fd = sig->sched_fd = -1;
	}
	if (procfd >= 0) {
		/* The cached path: stat and schedstat through descriptors
		 * kept from the last call or the /proc descriptor, the
		 * process's directory only on a miss. */
		e = cache_find(cache, pid);
		if (read_kept(cache, procfd, pid, "stat",
		              e != NULL ? e->stat_fd : -1, stat_text,
		              sizeof(stat_text), &sig->stat_fd) <= 0) {
			goto vanished;
		}
	} else {
		snprintf(path, sizeof(path), "%s/proc/%u", root ? root : "",
		         pid);
		dirfd = open(path, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
		if (dirfd < 0) {
			return err_set(ei, HR_WBEM_E_NOT_FOUND, LAYER,
			               "no process %u", pid);
		}
		if (read_at(dirfd, "stat", stat_text, sizeof(stat_text)) <= 0) {
			goto vanished;
		}
	}
	memcpy(text, stat_text, sizeof(stat_text));
	if (!parse_stat(text, boot_time, tck, out, &comm, &comm_len)) {
		goto vanished;
	}
	if (sig != NULL) {
		if ((dirfd >= 0
		             ? read_at(dirfd, "schedstat", sched, sizeof(sched))
		             : read_kept(cache, procfd, pid, "schedstat",
		                         e != NULL ? e->sched_fd : -1, sched,
		                         sizeof(sched), &sig->sched_fd)) <= 0) {
			sched[0] = '\0';
		}
		if (sched[0] != '\0' &&
		    cache_hit(e, fields, stat_text, sched, out)) {
			if (!proc_copy(mem, &e->p, out)) {
				goto oom;
			}
			/* Still the same texts: the entry stays for the next
			 * call (rebuilt from sig like a fresh read). */
			sig->stat = e->stat;
			sig->sched = e->sched;
			goto out;
		}
		if (sched[0] != '\0') {
			sig->stat = talloc_strdup(mem, stat_text);
			sig->sched = talloc_strdup(mem, sched);
			if (sig->stat == NULL || sig->sched == NULL) {
				goto oom;
			}
		}
	}
	if (dirfd < 0) {
		snprintf(rel, sizeof(rel), "%u", pid);
		dirfd = openat(procfd, rel, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
		if (dirfd < 0) {
			goto vanished;
		}
	}
	out->comm = talloc_strndup(mem, comm, comm_len);
	if (out->comm == NULL) {
		goto oom;
	}
	if ((fields & PROV_PROC_STATUS) != 0 &&
	    read_at(dirfd, "status", text, sizeof(text)) > 0) {
		parse_status(text, out);
	}
	if ((fields & PROV_PROC_CMDLINE) != 0 &&
	    hr_failed(read_cmdline(mem, root, dirfd, out))) {
		goto oom;
	}
	if ((fields & PROV_PROC_EXE) != 0 &&
	    hr_failed(read_exe(mem, dirfd, out))) {
		goto oom;
	}
	if ((fields & PROV_PROC_IO) != 0 &&
	    read_at(dirfd, "io", text, sizeof(text)) > 0) {
		parse_io(text, out);
	}
	if ((fields & PROV_PROC_FDS) != 0) {
		out->handles = count_fds(dirfd);
	}
	if ((fields & PROV_PROC_SESSION) != 0 &&
	    read_at(dirfd, "sessionid", text, 32) > 0) {
		unsigned long s = strtoul(text, NULL, 10);

		out->session = s >= UINT32_MAX ? 0 : (uint32_t)s;
	}
	if (out->name == NULL) {
		out->name = out->comm;
	}
	goto out;
vanished:
	hr = err_set(ei, HR_WBEM_E_NOT_FOUND, LAYER, "process %u vanished",
	             pid);
	goto out;
oom:
	hr = err_set(ei, HR_E_OUTOFMEMORY, LAYER, "out of memory");
out:
	if (dirfd >= 0) {
		close(dirfd);
	}
	return hr;
}

hresult prov_process_read(void *mem,
                          const char *root,
                          uint32_t pid,
                          int64_t boot_time,
                          uint32_t fields,
                          struct prov_process *out,
                          struct errinfo *ei)
{
	return proc_read(mem, root, pid, boot_time, fields, -1, NULL, NULL, out,
	                 ei);
}

/* One reader thread's share of prov_process_read_many. */
struct read_job {
	const char *root;
	const uint32_t *pids;
	struct prov_process *out;
	uint32_t from, to;
	int64_t boot_time;
	uint32_t fields;
	int procfd;                    /* [root]/proc with cache, or -1 */
	struct prov_proc_cache *cache; /* entries read only; may be NULL */
	struct proc_sig *sigs;         /* n entries when cache */
	void *mem;                     /* the thread's own talloc tree */
	hresult hr;
};

static void *read_job_run(void *arg)
{
	struct read_job *j = arg;

	for (uint32_t i = j->from; i < j->to && hr_ok(j->hr); i++) {
		hresult hr = proc_read(j->mem, j->root, j->pids[i],
		                       j->boot_time, j->fields, j->procfd,
		                       j->cache, j->sigs ? &j->sigs[i] : NULL,
		                       &j->out[i], NULL);

		if (hr_eq(hr, HR_WBEM_E_NOT_FOUND)) {
			memset(&j->out[i], 0, sizeof(j->out[i]));
		} else if (hr_failed(hr)) {
			j->hr = hr;
		}
	}
	return NULL;
}

/* Whether read [i] became an entry of the next cache. */
static bool sig_adopted(const struct proc_sig *sig,
                        const struct prov_process *out)
{
	return out->pid != 0 && sig->stat != NULL;
}

/*
 * Closes the descriptors reads opened that no new entry took ([all]: no
 * read was adopted).  Descriptors of [c]'s current entries are left to
 * cache_rebuild.
 */
static void close_unadopted(const struct prov_proc_cache *c,
                            const uint32_t *pids,
                            const struct proc_sig *sigs,
                            const struct prov_process *out,
                            uint32_t n,
                            bool all)
{
	for (uint32_t i = 0; i < n; i++) {
		const struct proc_cache_ent *e;
		int fds[2] = { sigs[i].stat_fd, sigs[i].sched_fd };

		if (!all && sig_adopted(&sigs[i], &out[i])) {
			continue;
		}
		e = cache_find(c, pids[i]);
		for (int k = 0; k < 2; k++) {
			if (fds[k] >= 0 &&
			    (e == NULL ||
			     (fds[k] != e->stat_fd && fds[k] != e->sched_fd))) {
				close(fds[k]);
			}
		}
	}
}

/* Replaces [c]'s entries by what this call read (sigs set). */
static hresult cache_rebuild(struct prov_proc_cache *c,
                             uint32_t fields,
                             const uint32_t *pids,
                             const struct proc_sig *sigs,
                             const struct prov_process *out,
                             uint32_t n)
{
	void *gen = talloc_new(c);
	struct proc_cache_ent *ents;
	uint32_t k = 0;

	ents = gen ? talloc_array(gen, struct proc_cache_ent, n ? n : 1) : NULL;
	if (ents == NULL) {
		talloc_free(gen);
		return HR_E_OUTOFMEMORY;
	}
	for (uint32_t i = 0; i < n; i++) {
		struct proc_cache_ent *e = &ents[k];

		if (!sig_adopted(&sigs[i], &out[i])) {
			continue;
		}
		e->pid = out[i].pid;
		e->fields = fields;
		e->stat = talloc_strdup(gen, sigs[i].stat);
		e->sched = talloc_strdup(gen, sigs[i].sched);
		e->stat_fd = sigs[i].stat_fd;
		e->sched_fd = sigs[i].sched_fd;
		if (e->stat == NULL || e->sched == NULL ||
		    !proc_copy(gen, &out[i], &e->p)) {
			talloc_free(gen);
			return HR_E_OUTOFMEMORY;
		}
		k++;
	}
	close_unadopted(c, pids, sigs, out, n, false);
	/* The old entries' descriptors that no new entry took: exited
	 * processes, failed reads, a spent budget. */
	for (uint32_t j = 0; j < c->n; j++) {
		struct proc_cache_ent *old = &c->ents[j];
		const struct proc_cache_ent *nw = ents_find(ents, k, old->pid);

		if (old->stat_fd >= 0 &&
		    (nw == NULL || nw->stat_fd != old->stat_fd)) {
			close(old->stat_fd);
		}
		if (old->sched_fd >= 0 &&
		    (nw == NULL || nw->sched_fd != old->sched_fd)) {
			close(old->sched_fd);
		}
	}
	talloc_free(c->gen);
	c->gen = gen;
	c->ents = ents;
	c->n = k;
	return HR_OK;
}

hresult prov_process_read_many(void *mem,
                               const char *root,
                               const uint32_t *pids,
                               uint32_t n,
                               int64_t boot_time,
                               uint32_t fields,
                               uint32_t threads,
                               struct prov_process *out,
                               struct errinfo *ei)
{
	return prov_process_read_cached(mem, root, pids, n, boot_time, fields,
	                                threads, NULL, out, ei);
}

hresult prov_process_read_cached(void *mem,
                                 const char *root,
                                 const uint32_t *pids,
                                 uint32_t n,
                                 int64_t boot_time,
                                 uint32_t fields,
                                 uint32_t threads,
                                 struct prov_proc_cache *cache,
                                 struct prov_process *out,
                                 struct errinfo *ei)
{
	struct proc_sig *sigs = NULL;
	int procfd = -1;
	struct read_job jobs[8];
	pthread_t tid[8];
	bool started[8] = { false };
	long cpus = sysconf(_SC_NPROCESSORS_ONLN);
	hresult hr = HR_OK;

	if (threads == 0) {
		threads = cpus > 0 ? (uint32_t)cpus : 1;
	}
	if (threads > 8) {
		threads = 8;
	}
	if (n < 64 * threads) {
		threads = n / 64 > 0 ? n / 64 : 1; /* not worth a thread */
	}
	if (cache != NULL) {
		char path[4096];

		sigs = talloc_zero_array(mem, struct proc_sig, n ? n : 1);
		if (sigs == NULL) {
			return err_set(ei, HR_E_OUTOFMEMORY, LAYER,
			               "out of memory reading processes");
		}
		for (uint32_t i = 0; i < n; i++) {
			sigs[i].stat_fd = sigs[i].sched_fd = -1;
		}
		cache->fd_budget = fd_budget();
		cache->fds_kept = 0;
		snprintf(path, sizeof(path), "%s/proc", root ? root : "");
		procfd = open(path, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	}
	for (uint32_t t = 0; t < threads; t++) {
		jobs[t] = (struct read_job){
			.root = root,
			.pids = pids,
			.out = out,
			.from = (uint32_t)((uint64_t)n * t / threads),
			.to = (uint32_t)((uint64_t)n * (t + 1) / threads),
			.boot_time = boot_time,
			.fields = fields,
			.procfd = procfd,
			.cache = cache,
			.sigs = sigs,
			.mem = talloc_new(mem),
			.hr = HR_OK
		};
		if (jobs[t].mem == NULL) {
			jobs[t].hr = HR_E_OUTOFMEMORY;
		}
	}
	/*
	 * The thread contexts hang off [mem] but are only touched by their
	 * thread until the joins below; [mem] itself is not touched.
	 */
	for (uint32_t t = 1; t < threads; t++) {
		if (hr_ok(jobs[t].hr)) {
			started[t] = pthread_create(&tid[t], NULL, read_job_run,
			                            &jobs[t]) == 0;
		}
	}
	read_job_run(&jobs[0]);
	for (uint32_t t = 1; t < threads; t++) {
		if (started[t]) {
			pthread_join(tid[t], NULL);
		} else {
			read_job_run(&jobs[t]); /* no thread: do it here */
		}
	}
	for (uint32_t t = 0; t < threads; t++) {
		if (hr_failed(jobs[t].hr) && hr_ok(hr)) {
			hr = jobs[t].hr;
		}
	}
	if (hr_ok(hr) && cache != NULL) {
		hr = cache_rebuild(cache, fields, pids, sigs, out, n);
	}
	if (hr_failed(hr) && cache != NULL) {
		close_unadopted(cache, pids, sigs, out, n, true);
	}
	talloc_free(sigs);
	if (procfd >= 0) {
		close(procfd);
	}
	if (hr_failed(hr)) {
		return err_set(ei, hr, LAYER, "cannot read processes");
	}
	return HR_OK;
}

char **prov_split_cmdline(void *mem, const char *cmdline, int *argc)
{
	size_t len = strlen(cmdline);
	char **argv = talloc_array(mem, char *, len / 2 + 2);
	char *cur = talloc_array(argv, char, len + 1);
	int n = 0;
	const char *p = cmdline;

	if (argv == NULL || cur == NULL) {
		talloc_free(argv);
		return NULL;
	}
	for (;;) {
		size_t o = 0;
		bool quoted = false;

		while (*p == ' ' || *p == '\t') {
			p++;
		}
		if (*p == '\0') {
			break;
		}
		while (*p != '\0' && (quoted || (*p != ' ' && *p != '\t'))) {
			if (p[0] == '\\' && p[1] == '"') {
				cur[o++] = '"';
				p += 2;
			} else if (*p == '"') {
				quoted = !quoted;
				p++;
			} else {
				cur[o++] = *p++;
			}
		}
		argv[n] = talloc_strndup(argv, cur, o);
		if (argv[n] == NULL) {
			talloc_free(argv);
			return NULL;
		}
		n++;
	}
	argv[n] = NULL;
	talloc_free(cur);
	*argc = n;
	return argv;
}

/* Finds [prog] in PATH; returns the full path owned by [mem], or NULL. */
static char *search_path(void *mem, const char *prog, int *err)
{
	const char *p = PROV_DEFAULT_PATH;

	*err = ENOENT;
	while (*p != '\0') {
		size_t n = strcspn(p, ":");
		char *cand = talloc_asprintf(mem, "%.*s/%s", (int)n, p, prog);

		if (cand == NULL) {
			*err = ENOMEM;
			return NULL;
		}
		if (access(cand, X_OK) == 0) {
			struct stat st;

			if (stat(cand, &st) == 0 && S_ISREG(st.st_mode)) {
				return cand;
			}
		} else if (errno == EACCES) {
			*err = EACCES;
		}
		talloc_free(cand);
		p += n;
		if (*p == ':') {
			p++;
		}
	}
	return NULL;
}

static enum prov_proc_rc errno_rc(int e)
{
	switch (e) {
	case ENOENT:
	case ENOTDIR:
	case ELOOP:
	case ENAMETOOLONG:
		return PROV_RC_PATH_NOT_FOUND;
	case EACCES:
	case EPERM:
		return PROV_RC_ACCESS_DENIED;
	default:
		return PROV_RC_UNKNOWN;
	}
}

/* What the helper processes report through the pipe. */
struct spawn_msg {
	int32_t stage; /* 0: pid of the program; 1: errno before exec */
	int32_t val;
};

static void write_msg(int fd, int32_t stage, int32_t val)
{
	struct spawn_msg m = { stage, val };
	ssize_t r;

	do {
		r = write(fd, &m, sizeof(m));
	} while (r < 0 && errno == EINTR);
}

/* In the grandchild: everything between fork and exec (async-signal-safe). */
static void spawn_exec(int wfd,
                       const char *path,
                       char **argv,
                       char **envp,
                       const char *cwd,
                       bool as_user,
                       uid_t uid,
                       gid_t gid)
{
	sigset_t none;
	int nul;

	sigemptyset(&none);
	sigprocmask(SIG_SETMASK, &none, NULL);
	for (int s = 1; s < NSIG; s++) {
		signal(s, SIG_DFL);
	}
	if (as_user) {
		if (setgroups(1, &gid) != 0 || setgid(gid) != 0 ||
		    setuid(uid) != 0) {
			write_msg(wfd, 1, errno);
			_exit(127);
		}
	}
	if (chdir(cwd) != 0) {
		write_msg(wfd, 1, errno);
		_exit(127);
	}
	nul = open("/dev/null", O_RDWR);
	if (nul >= 0) {
		dup2(nul, 0);
		dup2(nul, 1);
		dup2(nul, 2);
		if (nul > 2) {
			close(nul);
		}
	}
	/* Nothing of the host (sockets, the repository) leaks past exec. */
	if (syscall(SYS_close_range, 3u, ~0u, 4u /* CLOEXEC */) != 0) {
		for (int fd = 3; fd < 4096; fd++) {
			if (fd != wfd) {
				close(fd);
			}
		}
	}
	execve(path, argv, envp);
	write_msg(wfd, 1, errno);
	_exit(127);
}

static char **spawn_env(void *mem, bool as_user, uid_t uid)
{
	char **env = talloc_zero_array(mem, char *, 8);
	struct passwd pw, *res = NULL;
	char pbuf[4096];
	int n = 0;

	if (env == NULL) {
		return NULL;
	}
	env[n++] = talloc_strdup(env, "PATH=" PROV_DEFAULT_PATH);
	if (getpwuid_r(as_user ? uid : getuid(), &pw, pbuf, sizeof(pbuf),
	               &res) == 0 &&
	    res != NULL) {
		env[n++] = talloc_asprintf(env, "HOME=%s", pw.pw_dir);
		env[n++] = talloc_asprintf(env, "USER=%s", pw.pw_name);
		env[n++] = talloc_asprintf(env, "LOGNAME=%s", pw.pw_name);
		env[n++] = talloc_asprintf(env, "SHELL=%s", pw.pw_shell);
	}
	for (int i = 0; i < n; i++) {
		if (env[i] == NULL) {
			talloc_free(env);
			return NULL;
		}
	}
	return env;
}

/* Resolves the program of argv[0] against [cwd] or PATH. */
static enum prov_proc_rc spawn_resolve(void *mem,
                                       const char *prog,
                                       const char *cwd,
                                       char **out)
{
	struct stat st;
	int err;

	if (strchr(prog, '/') == NULL) {
		*out = search_path(mem, prog, &err);
		return *out ? PROV_RC_OK : errno_rc(err);
	}
	*out = prog[0] == '/' ? talloc_strdup(mem, prog)
	                      : talloc_asprintf(mem, "%s/%s", cwd, prog);
	if (*out == NULL) {
		return PROV_RC_UNKNOWN;
	}
	if (stat(*out, &st) != 0) {
		return errno_rc(errno);
	}
	if (!S_ISREG(st.st_mode)) {
		return PROV_RC_ACCESS_DENIED;
	}
	return PROV_RC_OK;
}

enum prov_proc_rc prov_process_create(const char *cmdline,
                                      const char *cwd,
                                      bool as_user,
                                      uint32_t uid,
                                      uint32_t gid,
                                      uint32_t *pid)
{
	void *tmp = talloc_new(NULL);
	enum prov_proc_rc rc = PROV_RC_UNKNOWN;
	struct spawn_msg m;
	struct stat st;
	char **argv, **envp;
	char *path = NULL;
	int argc = 0;
	int fds[2] = { -1, -1 };
	int32_t got_pid = 0;
	pid_t a;

	if (tmp == NULL) {
		return PROV_RC_UNKNOWN;
	}
	if (cmdline == NULL) {
		rc = PROV_RC_INVALID_PARAMETER;
		goto out;
	}
	argv = prov_split_cmdline(tmp, cmdline, &argc);
	if (argv == NULL) {
		goto out;
	}
	if (argc == 0) {
		rc = PROV_RC_INVALID_PARAMETER;
		goto out;
	}
	if (cwd == NULL || cwd[0] == '\0') {
		cwd = "/";
	}
	if (stat(cwd, &st) != 0 || !S_ISDIR(st.st_mode)) {
		rc = PROV_RC_PATH_NOT_FOUND;
		goto out;
	}
	rc = spawn_resolve(tmp, argv[0], cwd, &path);
	if (rc != PROV_RC_OK) {
		goto out;
	}
	rc = PROV_RC_UNKNOWN;
	envp = spawn_env(tmp, as_user, uid);
	if (envp == NULL || pipe2(fds, O_CLOEXEC) != 0) {
		goto out;
	}
	a = fork();
	if (a < 0) {
		goto out;
	}
	if (a == 0) {
		pid_t b;

		close(fds[0]);
		setsid();
		b = fork();
		if (b == 0) {
			spawn_exec(fds[1], path, argv, envp, cwd, as_user, uid,
			           gid);
		}
		write_msg(fds[1], b < 0 ? 1 : 0, b < 0 ? errno : b);
		_exit(0);
	}
	close(fds[1]);
	fds[1] = -1;
	while (waitpid(a, NULL, 0) < 0 && errno == EINTR) {
	}
	rc = PROV_RC_OK;
	for (;;) {
		ssize_t r = read(fds[0], &m, sizeof(m));

		if (r < 0 && errno == EINTR) {
			continue;
		}
		if (r != (ssize_t)sizeof(m)) {
			break;
		}
		if (m.stage == 0) {
			got_pid = m.val;
		} else {
			rc = errno_rc(m.val);
		}
	}
	if (rc == PROV_RC_OK && got_pid <= 0) {
		rc = PROV_RC_UNKNOWN;
	}
	if (rc == PROV_RC_OK) {
		*pid = (uint32_t)got_pid;
	}
out:
	if (fds[0] >= 0) {
		close(fds[0]);
	}
	if (fds[1] >= 0) {
		close(fds[1]);
	}
	talloc_free(tmp);
	return rc;
}

enum prov_proc_rc prov_process_terminate(uint32_t pid,
                                         bool as_user,
                                         uint32_t uid)
{
	char path[64];
	struct stat st;

	if (pid == 0 || pid > INT32_MAX) {
		return PROV_RC_UNKNOWN;
	}
	snprintf(path, sizeof(path), "/proc/%u", pid);
	if (stat(path, &st) != 0) {
		return PROV_RC_UNKNOWN;
	}
	if (as_user && uid != 0 && st.st_uid != uid) {
		return PROV_RC_ACCESS_DENIED;
	}
	if (kill((pid_t)pid, SIGKILL) != 0) {
		return errno == EPERM ? PROV_RC_ACCESS_DENIED : PROV_RC_UNKNOWN;
	}
	return PROV_RC_OK;
}

char *prov_user_name(void *mem, uint32_t uid)
{
	struct passwd pw, *res = NULL;
	char buf[4096];

	if (getpwuid_r(uid, &pw, buf, sizeof(buf), &res) == 0 && res != NULL) {
		return talloc_strdup(mem, pw.pw_name);
	}
	return talloc_asprintf(mem, "%u", uid);
}
