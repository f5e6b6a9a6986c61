/*
 * daemon: the wmid service core (daemon layer; DESIGN.md sections 2 and
 * 7, docs/internals/daemon.md).
 *
 * wmid_main() is the whole service: options, config, state folder,
 * optional detach, pid file, logs, repository (copied from the embedded
 * default when missing), object manager, account store, the RPC server
 * with the endpoint mapper, the listeners (the endpoint mapper port, one
 * port from the dynamic range for the object exporter, the Unix socket),
 * signals, and an orderly stop.  src/daemon/main.c calls it with no hooks;
 * a test binary calls it with hooks that register test-only interfaces,
 * so the shipped wmid never contains them.
 *
 * Composition root: the one struct wmid lives on wmid_main()'s stack and
 * is the only mutable process-wide state; everything runs on its libuv
 * loop thread except RPC handlers on the server's worker pool.
 */
#ifndef OWMI_DAEMON_DAEMON_H
#define OWMI_DAEMON_DAEMON_H

#include <stdbool.h>
#include <stdint.h>

#include "base/hresult.h"
#include "base/log.h"
#include "rpc/server.h"

struct wmid;
struct cimom;
struct sec_accounts;
struct dcom_exporter;

/* Where an interface is announced in the endpoint map. */
enum wmid_iface_where {
	/* The object exporter's dynamic port and the Unix socket. */
	WMID_ON_EXPORTER = 1u << 0,
	/* The endpoint mapper port (135): epm, activation, OXID resolver. */
	WMID_ON_EPM_PORT = 1u << 1,
};

struct wmid_hooks {
	/*
	 * Called once on the loop thread after the RPC server exists and
	 * before the listeners start; registers extra interfaces with
	 * wmid_register_iface().  A failure stops the start-up.
	 */
	hresult (*setup)(void *arg, struct wmid *d);
	void *arg;
};

/*
 * Runs the service until SIGTERM or SIGINT.  Returns the process exit
 * status: 0 after a clean stop, 1 when start-up failed (the reason is on
 * stderr and, once the log is open, in wmid.log), 2 for a usage error.
 * [hooks] may be NULL.
 */
int wmid_main(int argc, char **argv, const struct wmid_hooks *hooks);

/*
 * Serves [iface] (borrowed; must outlive the service) with [arg] and
 * announces it in the endpoint map with [annotation] (copied; may be
 * NULL) on the listeners named by [where] (enum wmid_iface_where), on
 * every IPv4 listen address.  Only from hooks->setup.
 * Errors: as rpc_server_register_iface; E_OUTOFMEMORY.
 */
hresult wmid_register_iface(struct wmid *d,
                            const struct rpc_iface *iface,
                            void *arg,
                            const char *annotation,
                            unsigned where);

/* The service's logger (borrowed; component names are the caller's). */
struct logger *wmid_logger(struct wmid *d);

/* The object manager and the account store (borrowed). */
struct cimom *wmid_cimom(struct wmid *d);
struct sec_accounts *wmid_accounts(struct wmid *d);

/*
 * The DCOM runtime (borrowed): from hooks->setup a higher layer adds its
 * classes (dcom_exporter_add_class) and serves its interfaces
 * (dcom_exporter_serve).  It exists from before hooks->setup until the
 * service stops; its access hook admits members of Administrators only.
 */
struct dcom_exporter *wmid_exporter(struct wmid *d);

#endif
