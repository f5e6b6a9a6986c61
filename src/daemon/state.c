/*
 * state: the state folder layout and the pid file (daemon layer).  See
 * state.h for the layout and the locking rule.
 */
#include "daemon/state.h"

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/un.h>
#include <talloc.h>
#include <unistd.h>

#define LAYER "daemon"

struct wmid_pidfile {
	int fd;
	char *path;
};

static hresult oom(struct errinfo *ei)
{
	return err_set(ei, HR_E_OUTOFMEMORY, LAYER, "out of memory");
}

hresult wmid_paths_resolve(void *mem,
                           const char *state_dir,
                           const struct wmid_config *cfg,
                           struct wmid_paths **out,
                           struct errinfo *ei)
{
	struct wmid_paths *p;
	const char *dir = state_dir;
	bool private_dir;
	struct sockaddr_un sun;

	if (dir == NULL && cfg != NULL) {
		dir = cfg->state_dir;
	}
	private_dir = dir != NULL;
	if (dir != NULL && dir[0] != '/') {
		return err_set(ei, HR_E_INVALIDARG, LAYER,
		               "state folder '%s' is not an absolute path",
		               dir);
	}
	p = talloc_zero(mem, struct wmid_paths);
	if (p == NULL) {
		return oom(ei);
	}
	p->state_dir = talloc_strdup(p, private_dir ? dir
	                                            : WMID_DEFAULT_STATE_DIR);
	if (cfg != NULL && cfg->log_dir != NULL) {
		p->log_dir = talloc_strdup(p, cfg->log_dir);
	} else if (private_dir) {
		p->log_dir = talloc_asprintf(p, "%s/logs", dir);
	} else {
		p->log_dir = talloc_strdup(p, WMID_DEFAULT_LOG_DIR);
	}
	if (cfg != NULL && cfg->run_dir != NULL) {
		p->run_dir = talloc_strdup(p, cfg->run_dir);
	} else {
		p->run_dir = talloc_strdup(
		        p, private_dir ? dir : WMID_DEFAULT_RUN_DIR);
	}
	if (p->state_dir == NULL || p->log_dir == NULL || p->run_dir == NULL) {
		talloc_free(p);
		return oom(ei);
	}
	p->repository = talloc_asprintf(p, "%s/repository.db", p->state_dir);
	p->accounts = talloc_asprintf(p, "%s/accounts.db", p->state_dir);
	p->log_file = talloc_asprintf(p, "%s/wmid.log", p->log_dir);
	p->activity_log = talloc_asprintf(p, "%s/activity.log", p->log_dir);
	p->dcom_log = talloc_asprintf(p, "%s/dcom.log", p->log_dir);
	p->socket = talloc_asprintf(p, "%s/wmid.sock", p->run_dir);
	p->pid_file = talloc_asprintf(p, "%s/wmid.pid", p->run_dir);
	if (p->repository == NULL || p->accounts == NULL ||
	    p->log_file == NULL || p->activity_log == NULL ||
	    p->dcom_log == NULL || p->socket == NULL || p->pid_file == NULL) {
		talloc_free(p);
		return oom(ei);
	}
	if (strlen(p->socket) >= sizeof(sun.sun_path)) {
		hresult hr = err_set(ei, HR_E_INVALIDARG, LAYER,
		                     "socket path '%s' is longer than %zu "
		                     "characters",
		                     p->socket, sizeof(sun.sun_path) - 1);

		talloc_free(p);
		return hr;
	}
	*out = p;
	return HR_OK;
}

/* mkdir -p [path] with [mode] for the folders it creates. */
static hresult make_dirs(const char *path, mode_t mode, struct errinfo *ei)
{
	char *copy = talloc_strdup(NULL, path);
	hresult hr = HR_OK;
	size_t n;

	if (copy == NULL) {
		return oom(ei);
	}
	n = strlen(copy);
	for (size_t i = 1; i <= n; i++) {
		struct stat sb;

		if (copy[i] != '/' && copy[i] != '\0') {
			continue;
		}
		copy[i] = '\0';
		if (mkdir(copy, mode) != 0 && errno != EEXIST) {
			int e = errno;

			hr = err_set(ei,
			             e == EACCES || e == EPERM
			                     ? HR_E_ACCESSDENIED
			                     : HR_E_FAIL,
			             LAYER, "cannot create folder '%s': %s",
			             copy, strerror(e));
			break;
		}
		if (stat(copy, &sb) != 0 || !S_ISDIR(sb.st_mode)) {
			hr = err_set(ei, HR_E_FAIL, LAYER,
			             "'%s' is not a folder", copy);
			break;
		}
		if (i < n) {
			copy[i] = '/';
		}
	}
	talloc_free(copy);
	return hr;
}

hresult wmid_paths_create_dirs(const struct wmid_paths *p, struct errinfo *ei)
{
	hresult hr;

	if (hr_failed(hr = make_dirs(p->state_dir, 0755, ei))) {
		return hr;
	}
	if (hr_failed(hr = make_dirs(p->log_dir, 0750, ei))) {
		return hr;
	}
	return make_dirs(p->run_dir, 0755, ei);
}

static int pidfile_destructor(struct wmid_pidfile *pf)
{
	if (pf->fd >= 0) {
		/* Unlink while the lock is held, so a starting wmid that
		 * opened the old file retries on the new one. */
		unlink(pf->path);
		close(pf->fd);
		pf->fd = -1;
	}
	return 0;
}

static pid_t lock_owner(int fd)
{
	struct flock fl;

	memset(&fl, 0, sizeof(fl));
	fl.l_type = F_WRLCK;
	fl.l_whence = SEEK_SET;
	if (fcntl(fd, F_OFD_GETLK, &fl) != 0 || fl.l_type == F_UNLCK) {
		return 0;
	}
	return fl.l_pid; /* -1 for OFD locks: the caller reads the file */
}

static pid_t read_pid(int fd)
{
	char text[32];
	ssize_t n = pread(fd, text, sizeof(text) - 1, 0);
	long v;
	char *end;

	if (n <= 0) {
		return 0;
	}
	text[n] = '\0';
	v = strtol(text, &end, 10);
	if (end == text || v <= 0) {
		return 0;
	}
	return (pid_t)v;
}

pid_t wmid_pidfile_owner(const char *path)
{
	int fd = open(path, O_RDONLY | O_CLOEXEC);
	pid_t pid = 0;

	if (fd < 0) {
		return 0;
	}
	if (lock_owner(fd) != 0) {
		pid = read_pid(fd);
		if (pid == 0) {
			pid = -1;
		}
	}
	close(fd);
	return pid;
}

hresult wmid_pidfile_acquire(void *mem,
                             const char *path,
                             struct wmid_pidfile **out,
                             struct errinfo *ei)
{
	struct wmid_pidfile *pf;
	char text[32];
	int len;

	for (int attempt = 0; attempt < 5; attempt++) {
		struct flock fl;
		struct stat a;
		struct stat b;
		int fd = open(path, O_RDWR | O_CREAT | O_CLOEXEC, 0644);

		if (fd < 0) {
			int e = errno;

			return err_set(ei,
			               e == EACCES || e == EPERM
			                       ? HR_E_ACCESSDENIED
			                       : HR_E_FAIL,
			               LAYER, "cannot open pid file '%s': %s",
			               path, strerror(e));
		}
		memset(&fl, 0, sizeof(fl));
		fl.l_type = F_WRLCK;
		fl.l_whence = SEEK_SET;
		if (fcntl(fd, F_OFD_SETLK, &fl) != 0) {
			int e = errno;
			pid_t pid = read_pid(fd);

			close(fd);
			if (e == EAGAIN || e == EACCES) {
				return err_set(
				        ei, HR_WBEM_E_ALREADY_EXISTS, LAYER,
				        "another wmid (pid %ld) holds the "
				        "pid file '%s'",
				        (long)pid, path);
			}
			return err_set(ei, HR_E_FAIL, LAYER,
			               "cannot lock pid file '%s': %s", path,
			               strerror(e));
		}
		/* The previous holder may have unlinked the file between our
		 * open and lock: then lock the new one. */
		if (fstat(fd, &a) != 0 || stat(path, &b) != 0 ||
		    a.st_ino != b.st_ino || a.st_dev != b.st_dev) {
			close(fd);
			continue;
		}
		pf = talloc_zero(mem, struct wmid_pidfile);
		if (pf == NULL ||
		    (pf->path = talloc_strdup(pf, path)) == NULL) {
			talloc_free(pf);
			close(fd);
			return oom(ei);
		}
		pf->fd = fd;
		talloc_set_destructor(pf, pidfile_destructor);
		len = snprintf(text, sizeof(text), "%ld\n", (long)getpid());
		if (ftruncate(fd, 0) != 0 ||
		    pwrite(fd, text, (size_t)len, 0) != len) {
			hresult hr = err_set(ei, HR_E_FAIL, LAYER,
			                     "cannot write pid file '%s': %s",
			                     path, strerror(errno));

			talloc_free(pf);
			return hr;
		}
		*out = pf;
		return HR_OK;
	}
	return err_set(ei, HR_E_FAIL, LAYER,
	               "pid file '%s' keeps being replaced", path);
}
