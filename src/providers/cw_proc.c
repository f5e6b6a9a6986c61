/*
 * cw_proc: Win32_Process and its methods Create, Terminate, GetOwner and
 * SetPriority (providers layer; reference section 9.3).
 */
#include "providers/providers-int.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/resource.h>
#include <talloc.h>
#include <unistd.h>

#include "providers/sysinfo.h"

/* What every process instance of one call shares. */
struct proc_env {
	int64_t boot_time;
	char *cs_name;
	char *os_name;
	char *version;
};

static int32_t proc_env_read(struct pcall *c, struct proc_env *e)
{
	struct prov_os_release rel;
	char *root_dev = NULL;
	char *text = NULL;
	hresult hr;

	memset(e, 0, sizeof(*e));
	hr = prov_boot_time("", &e->boot_time, NULL);
	if (hr_failed(hr)) {
		return pc_hr(hr.v);
	}
	if (hr_failed(prov_os_release_read(c->mem, "", &rel, NULL))) {
		memset(&rel, 0, sizeof(rel));
		rel.pretty_name = "Linux";
	}
	if (hr_ok(prov_read_file(c->mem, "", "/proc/sys/kernel/osrelease", 0,
	                         &text, NULL, NULL))) {
		text[strcspn(text, "\n")] = '\0';
		e->version = text;
	}
	root_dev = prov_root_device(c->mem, "");
	e->cs_name = prov_computer_name(c->mem);
	e->os_name = prov_os_name(c->mem, &rel, root_dev);
	if (e->cs_name == NULL || e->os_name == NULL) {
		return OWMI_E_OUT_OF_MEMORY;
	}
	return OWMI_S_OK;
}

static uint32_t clamp32(uint64_t v)
{
	return v > UINT32_MAX ? UINT32_MAX : (uint32_t)v;
}

static int32_t proc_emit(struct pcall *c,
                         const struct proc_env *e,
                         const struct prov_process *p)
{
	char handle[16];
	struct pb b;
	int32_t rc = pb_begin(&b, c, c->cls);

	if (OWMI_FAILED(rc)) {
		return rc;
	}
	snprintf(handle, sizeof(handle), "%u", p->pid);
	pb_str(&b, "Handle", handle);
	pb_u32(&b, "ProcessId", p->pid);
	pb_u32(&b, "ParentProcessId", p->ppid);
	pb_str(&b, "Name", p->name);
	pb_str(&b, "Caption", p->name);
	pb_str(&b, "Description", p->name);
	pb_str(&b, "ExecutablePath", p->exe);
	pb_str(&b, "CommandLine", p->cmdline);
	pb_time(&b, "CreationDate", p->start_sec, p->start_usec);
	pb_str(&b, "CreationClassName", "Win32_Process");
	pb_str(&b, "CSCreationClassName", "Win32_ComputerSystem");
	pb_str(&b, "CSName", e->cs_name);
	pb_str(&b, "OSCreationClassName", "Win32_OperatingSystem");
	pb_str(&b, "OSName", e->os_name);
	pb_str(&b, "WindowsVersion", e->version);
	pb_u32(&b, "ThreadCount", p->threads);
	pb_u32(&b, "HandleCount", p->handles);
	pb_u64(&b, "WorkingSetSize", p->rss_kb * 1024u);
	pb_u32(&b, "PeakWorkingSetSize", clamp32(p->hwm_kb));
	pb_u64(&b, "VirtualSize", p->vm_size_kb * 1024u);
	pb_u64(&b, "PeakVirtualSize", p->vm_peak_kb * 1024u);
	pb_u32(&b, "PageFileUsage", clamp32(p->private_kb));
	pb_u32(&b, "PeakPageFileUsage", clamp32(p->private_kb));
	pb_u64(&b, "PrivatePageCount", p->private_kb * 1024u);
	pb_u32(&b, "PageFaults", clamp32(p->page_faults));
	pb_u64(&b, "KernelModeTime", p->kernel_100ns);
	pb_u64(&b, "UserModeTime", p->user_100ns);
	pb_u32(&b, "Priority", p->priority);
	pb_u32(&b, "SessionId", p->session);
	if (p->has_io) {
		pb_u64(&b, "ReadOperationCount", p->read_ops);
		pb_u64(&b, "WriteOperationCount", p->write_ops);
		pb_u64(&b, "ReadTransferCount", p->read_bytes);
		pb_u64(&b, "WriteTransferCount", p->write_bytes);
		pb_u64(&b, "OtherOperationCount", 0);
		pb_u64(&b, "OtherTransferCount", 0);
	}
	return pc_emit(&b);
}

/* Reads and emits one process; a vanished process is skipped. */
static int32_t proc_one(struct pcall *c,
                        const struct proc_env *e,
                        void *mem,
                        uint32_t pid)
{
	struct prov_process p;
	hresult hr = prov_process_read(mem, "", pid, e->boot_time,
	                               PROV_PROC_ALL, &p, NULL);

	if (hr_eq(hr, HR_WBEM_E_NOT_FOUND)) {
		return OWMI_S_OK;
	}
	if (hr_failed(hr)) {
		return pc_hr(hr.v);
	}
	return proc_emit(c, e, &p);
}

int32_t cw_proc_each(struct pcall *c)
{
	struct cw_state *st = c->state;
	struct proc_env e;
	struct prov_process *procs;
	uint32_t *pids = NULL;
	uint32_t n = 0;
	int32_t rc = proc_env_read(c, &e);
	hresult hr;

	if (OWMI_FAILED(rc)) {
		return rc;
	}
	hr = prov_process_list(c->mem, "", &pids, &n, NULL);
	if (hr_failed(hr)) {
		return pc_hr(hr.v);
	}
	procs = talloc_zero_array(c->mem, struct prov_process, n ? n : 1);
	if (procs == NULL) {
		return OWMI_E_OUT_OF_MEMORY;
	}
	/* The kernel's /proc text is the cost: read on every CPU, and
	 * reuse what processes that have not run since the last call
	 * cannot have changed. */
	if (st->procs == NULL) {
		st->procs = prov_proc_cache_new(st);
	}
	hr = prov_process_read_cached(c->mem, "", pids, n, e.boot_time,
	                              PROV_PROC_ALL, 0, st->procs, procs, NULL);
	if (hr_failed(hr)) {
		return pc_hr(hr.v);
	}
	for (uint32_t i = 0; i < n; i++) {
		if (procs[i].pid == 0) {
			continue; /* exited meanwhile */
		}
		rc = proc_emit(c, &e, &procs[i]);
		if (rc != OWMI_S_OK) {
			return rc;
		}
	}
	return OWMI_S_OK;
}

/* Parses a decimal pid ("1234"); false for anything else. */
static bool parse_pid(const char *s, uint32_t *pid)
{
	char *end;
	unsigned long v;

	if (s == NULL || s[0] < '0' || s[0] > '9') {
		return false;
	}
	errno = 0;
	v = strtoul(s, &end, 10);
	if (errno != 0 || *end != '\0' || v == 0 || v > INT32_MAX) {
		return false;
	}
	*pid = (uint32_t)v;
	return true;
}

int32_t cw_proc_get(struct pcall *c)
{
	struct proc_env e;
	uint32_t pid;
	int32_t rc;

	if (!parse_pid(c->h->key_get(c->keys, "Handle"), &pid)) {
		return OWMI_S_OK; /* not found */
	}
	rc = proc_env_read(c, &e);
	if (OWMI_FAILED(rc)) {
		return rc;
	}
	return proc_one(c, &e, c->mem, pid);
}

int32_t cw_proc_query(struct pcall *c)
{
	const char *v = NULL;
	struct proc_env e;
	uint32_t pid;
	int32_t rc;

	if (c->h->query_eq(c->q, "Handle", &v) != OWMI_S_OK &&
	    c->h->query_eq(c->q, "ProcessId", &v) != OWMI_S_OK) {
		return OWMI_E_PROVIDER_NOT_CAPABLE;
	}
	if (!parse_pid(v, &pid)) {
		return OWMI_S_OK; /* no process has that id */
	}
	rc = proc_env_read(c, &e);
	if (OWMI_FAILED(rc)) {
		return rc;
	}
	return proc_one(c, &e, c->mem, pid);
}

/*
 * Whose rights a method uses.  When the caller maps to a Linux user and
 * this host runs as root, the work is done as that user; a caller who
 * maps to no Linux user may not act through a root host.
 */
static bool caller_ids(struct pcall *c,
                       bool *as_user,
                       uint32_t *uid,
                       uint32_t *gid)
{
	*uid = (uint32_t)getuid();
	*gid = (uint32_t)getgid();
	*as_user = false;
	if (c->h->ctx_unix_ids(c->ctx, uid, gid) == OWMI_S_OK) {
		*as_user = getuid() == 0 && *uid != 0;
		return true;
	}
	return getuid() != 0;
}

static int32_t m_create(struct pcall *c,
                        const struct owmi_instance *in,
                        struct owmi_instance *out)
{
	const char *cmd = NULL, *cwd = NULL;
	uint32_t uid, gid, pid = 0;
	enum prov_proc_rc rv;
	bool as_user;

	if (c->keys != NULL && c->h->key_count(c->keys) != 0) {
		/* Create is static: Windows refuses it on an instance. */
		return OWMI_E_INVALID_METHOD_PARAMETERS;
	}
	if (in != NULL) {
		c->h->get_string(in, "CommandLine", &cmd);
		c->h->get_string(in, "CurrentDirectory", &cwd);
	}
	if (!caller_ids(c, &as_user, &uid, &gid)) {
		rv = PROV_RC_ACCESS_DENIED;
	} else {
		rv = prov_process_create(cmd, cwd, as_user, uid, gid, &pid);
	}
	if (rv == PROV_RC_OK && out != NULL) {
		int32_t rc = c->h->set_uint32(out, "ProcessId", pid);

		if (OWMI_FAILED(rc)) {
			return rc;
		}
	}
	return pc_return(c, out, (uint32_t)rv);
}

/* The pid of the instance a method was called on, or 0. */
static uint32_t target_pid(struct pcall *c)
{
	uint32_t pid = 0;

	if (c->keys == NULL ||
	    !parse_pid(c->h->key_get(c->keys, "Handle"), &pid)) {
		return 0;
	}
	return pid;
}

static int32_t m_terminate(struct pcall *c, struct owmi_instance *out)
{
	uint32_t pid = target_pid(c), uid, gid;
	bool as_user;

	if (pid == 0) {
		return OWMI_E_NOT_FOUND;
	}
	if (!caller_ids(c, &as_user, &uid, &gid)) {
		return pc_return(c, out, PROV_RC_ACCESS_DENIED);
	}
	if (!as_user && getuid() != 0) {
		uid = (uint32_t)getuid();
		as_user = true;
	}
	return pc_return(c, out,
	                 (uint32_t)prov_process_terminate(pid, as_user, uid));
}

static int32_t m_get_owner(struct pcall *c, struct owmi_instance *out)
{
	struct prov_process p;
	uint32_t pid = target_pid(c);
	hresult hr;
	int32_t rc;

	if (pid == 0) {
		return OWMI_E_NOT_FOUND;
	}
	hr = prov_process_read(c->mem, "", pid, 0, PROV_PROC_STATUS, &p, NULL);
	if (hr_failed(hr)) {
		return hr_eq(hr, HR_WBEM_E_NOT_FOUND) ? OWMI_E_NOT_FOUND
		                                      : pc_hr(hr.v);
	}
	if (out == NULL) {
		return OWMI_S_OK;
	}
	rc = c->h->set_string(out, "User", prov_user_name(c->mem, p.uid));
	if (!OWMI_FAILED(rc)) {
		rc = c->h->set_string(out, "Domain",
		                      prov_computer_name(c->mem));
	}
	if (OWMI_FAILED(rc)) {
		return rc;
	}
	return pc_return(c, out, PROV_RC_OK);
}

/* Windows priority classes (SetPriority's argument) as nice values. */
static bool nice_of_class(int64_t cls, int *nice)
{
	switch (cls) {
	case 64: /* idle */
		*nice = 19;
		return true;
	case 16384: /* below normal */
		*nice = 10;
		return true;
	case 32: /* normal */
		*nice = 0;
		return true;
	case 32768: /* above normal */
		*nice = -5;
		return true;
	case 128: /* high */
		*nice = -10;
		return true;
	case 256: /* realtime */
		*nice = -20;
		return true;
	default:
		return false;
	}
}

static int32_t m_set_priority(struct pcall *c,
                              const struct owmi_instance *in,
                              struct owmi_instance *out)
{
	uint32_t pid = target_pid(c), uid, gid;
	int64_t cls = 0;
	bool as_user;
	int nice;

	if (pid == 0) {
		return OWMI_E_NOT_FOUND;
	}
	if (in == NULL || c->h->get_sint64(in, "Priority", &cls) != OWMI_S_OK ||
	    !nice_of_class(cls, &nice)) {
		return pc_return(c, out, PROV_RC_INVALID_PARAMETER);
	}
	if (!caller_ids(c, &as_user, &uid, &gid)) {
		return pc_return(c, out, PROV_RC_ACCESS_DENIED);
	}
	if (as_user) {
		struct prov_process p;

		if (hr_failed(prov_process_read(c->mem, "", pid, 0,
		                                PROV_PROC_STATUS, &p, NULL))) {
			return OWMI_E_NOT_FOUND;
		}
		if (p.uid != uid || nice < p.nice) {
			/* Only root may raise a priority. */
			return pc_return(c, out, PROV_RC_ACCESS_DENIED);
		}
	}
	if (setpriority(PRIO_PROCESS, (id_t)pid, nice) != 0) {
		return pc_return(c, out,
		                 errno == EPERM || errno == EACCES
		                         ? PROV_RC_ACCESS_DENIED
		                         : PROV_RC_UNKNOWN);
	}
	return pc_return(c, out, PROV_RC_OK);
}

int32_t cw_proc_method(struct pcall *c,
                       const char *method,
                       const struct owmi_instance *in,
                       struct owmi_instance *out)
{
	if (strcasecmp(method, "Create") == 0) {
		return m_create(c, in, out);
	}
	if (strcasecmp(method, "Terminate") == 0) {
		return m_terminate(c, out);
	}
	if (strcasecmp(method, "GetOwner") == 0) {
		return m_get_owner(c, out);
	}
	if (strcasecmp(method, "SetPriority") == 0) {
		return m_set_priority(c, in, out);
	}
	return OWMI_E_INVALID_METHOD;
}
