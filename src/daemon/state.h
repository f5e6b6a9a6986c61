/*
 * state: where wmid keeps its files, and the pid file (daemon layer;
 * DESIGN.md section 7).
 *
 * With a state folder DIR (--state-dir, or state_dir in the config):
 *
 *   DIR/repository.db   the repository
 *   DIR/accounts.db     the account store (0600)
 *   DIR/logs/wmid.log   the service log
 *   DIR/logs/activity.log  the WMI activity log (event 5858)
 *   DIR/logs/dcom.log   the DCOM log (event 10016, dcom/dcomlog.h)
 *   DIR/wmid.sock       the Unix socket (ncalrpc) for local clients
 *   DIR/wmid.pid        the pid file
 *
 * Without one: /var/lib/openwmi/{repository,accounts}.db,
 * /var/log/openwmi/{wmid,activity,dcom}.log, /run/openwmi/wmid.{sock,pid}.
 * log_dir and run_dir in the config override the last two folders in both
 * cases.
 *
 * The pid file is locked with an open file description lock (F_OFD_SETLK)
 * for the life of the process: the lock, not the file's content, says
 * whether a wmid runs, so a file left by a killed wmid is simply taken
 * over.
 */
#ifndef OWMI_DAEMON_STATE_H
#define OWMI_DAEMON_STATE_H

#include <stdbool.h>
#include <sys/types.h>

#include "base/errinfo.h"
#include "base/hresult.h"
#include "daemon/config.h"

#define WMID_DEFAULT_STATE_DIR "/var/lib/openwmi"
#define WMID_DEFAULT_LOG_DIR   "/var/log/openwmi"
#define WMID_DEFAULT_RUN_DIR   "/run/openwmi"

struct wmid_paths {
	char *state_dir;
	char *log_dir;
	char *run_dir;
	char *repository;
	char *accounts;
	char *log_file;
	char *activity_log;
	char *dcom_log;
	char *socket;
	char *pid_file;
};

/*
 * Computes the paths for the state folder [state_dir] (NULL: the one in
 * [cfg], else the defaults above).  Returns owned (talloc child of [mem])
 * in [*out].  Errors: E_INVALIDARG (a relative folder, or a socket path
 * longer than sun_path holds), E_OUTOFMEMORY.
 */
hresult wmid_paths_resolve(void *mem,
                           const char *state_dir,
                           const struct wmid_config *cfg,
                           struct wmid_paths **out,
                           struct errinfo *ei);

/*
 * Creates the state, log and run folders (and their parents) when missing:
 * state 0755, logs 0750, run 0755.  Errors: E_ACCESSDENIED, E_FAIL (a path
 * part is not a folder, other mkdir errors).
 */
hresult wmid_paths_create_dirs(const struct wmid_paths *p, struct errinfo *ei);

struct wmid_pidfile;

/*
 * Locks and writes the pid file [path] with the calling process's pid.
 * Returns owned (talloc child of [mem]) the handle in [*out]; freeing it
 * removes the file and releases the lock.  Call after any fork (the lock
 * belongs to the descriptor).
 * Errors: WBEM_E_ALREADY_EXISTS when a live process holds the lock
 * (ei->msg names its pid), E_ACCESSDENIED, E_FAIL, E_OUTOFMEMORY.
 */
hresult wmid_pidfile_acquire(void *mem,
                             const char *path,
                             struct wmid_pidfile **out,
                             struct errinfo *ei);

/*
 * Reads the pid of the process holding the lock on [path]; 0 when the file
 * is missing or not locked.
 */
pid_t wmid_pidfile_owner(const char *path);

#endif
