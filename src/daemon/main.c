/*
 * wmid: the WMI service (daemon layer; DESIGN.md section 2).
 *
 * NAME
 *   wmid - OpenWMI service: endpoint mapper, object exporter, local socket
 * SYNOPSIS
 *   wmid [--config FILE] [--state-dir DIR] [--listen ADDR[,ADDR]]
 *        [--foreground] [--init-admin] [--help] [--version]
 * DESCRIPTION
 *   Reads the ini configuration, listens on the endpoint mapper port (135),
 *   one port from the dynamic range (the object exporter) and the Unix
 *   socket, writes its pid file, logs to DIR/logs/wmid.log (or
 *   /var/log/openwmi/wmid.log) and stderr, reloads the configuration on
 *   SIGHUP and stops cleanly on SIGTERM or SIGINT.  Without --foreground it
 *   detaches once it is ready.  See docs/internals/daemon.md.
 * EXAMPLE
 *   wmid --state-dir /var/lib/openwmi-demo --listen 127.0.0.1 --init-admin
 * EXIT STATUS
 *   0 stopped cleanly (or detached after a successful start); 1 start-up
 *   failed (the reason is on stderr); 2 usage error.
 *
 * The composition root: all service state lives in wmid_main().
 */
#include "daemon/daemon.h"

int main(int argc, char **argv)
{
	return wmid_main(argc, argv, NULL);
}
