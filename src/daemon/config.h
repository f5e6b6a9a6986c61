/*
 * config: wmid.conf, the service's ini configuration (daemon layer;
 * DESIGN.md section 7, docs/internals/daemon.md).
 *
 * The file is ini as libinih reads it: [section] headers, "key = value"
 * lines, comments starting with ';' or '#'.  Sections and keys compare
 * case-insensitively.  Every key is optional; a missing one keeps its
 * default (below).  Anything else is an error that names the file, the
 * line and the fault:
 *
 *   wmid.conf:7: unknown key 'max_conection' in [limits]
 *   wmid.conf:3: bad value 'abc' for 'epm_port' in [service]: expected a
 *   port number 1-65535
 *
 *   [service]
 *   listen = 127.0.0.1          comma list of IPv4/IPv6 literals (max 16)
 *   epm_port = 135              the endpoint mapper's TCP port
 *   dynamic_port_range = 49152-65535
 *   exporter_port = 0           0: the first free port of the range from a
 *                               random start; else a fixed port in it
 *   state_dir = /var/lib/openwmi  repository.db, accounts.db; with it, logs
 *                               go to DIR/logs and the socket and pid file
 *                               to DIR, unless log_dir / run_dir say else
 *   log_dir = /var/log/openwmi
 *   run_dir = /run/openwmi       wmid.sock, wmid.pid
 *   [limits]
 *   max_connections = 4096
 *   max_connections_per_address = 1024
 *   max_fragment = 5840         1432-65535 octets
 *   max_message = 8M            octets of one call (K, M suffixes)
 *   idle_timeout = 900          seconds (s, m, h suffixes); 0: never
 *   [auth]
 *   min_auth_level = integrity  none connect call pkt integrity privacy or
 *                               1-6 (RPC_C_AUTHN_LEVEL_*)
 *   allow_ntlmv1 = no
 *   netbios_name =              default: the host name's first label,
 *                               upper-case, at most 15 characters
 *   dns_name =                  default: the host name
 *   [log]
 *   level = info                error warn info debug
 *   [dcom]
 *   ping_period_ms = 120000     10-3600000: the ping period; an object
 *                               whose client stops pinging goes after
 *                               ping_period_ms * ping_misses
 *   ping_misses = 3             1-100
 *   authn_hint = connect        the auth level the activation reply
 *                               suggests (names or 1-6 as min_auth_level;
 *                               impacket: integrity for 2-5, privacy for
 *                               6)
 *   [providers]
 *   host = (build or install path)  the wmiprvse executable
 *   directory = (build or install path)  base of relative provider
 *                               library paths in __Win32Provider.CLSID
 *   call_timeout_ms = 0         per-call inactivity timeout of a provider
 *                               host; 0: the provider host default
 *   idle_timeout_ms = 0         0-86400000: a provider host with no call
 *                               for this long is stopped (the next call
 *                               starts a new one); 0: the ClearAfter of
 *                               root's __ObjectProviderCacheControl=@,
 *                               else 30000 as on Windows
 *   service_user =              the Linux account of NetworkServiceHost
 *                               and LocalServiceHost; default "openwmi"
 *                               when it exists, else "nobody"
 *
 * Invariants: a struct wmid_config is a talloc object; its strings hang
 * off it.  Parsing never changes a configuration on failure, so a bad file
 * on SIGHUP leaves the running configuration as it was.
 */
#ifndef OWMI_DAEMON_CONFIG_H
#define OWMI_DAEMON_CONFIG_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "base/errinfo.h"
#include "base/hresult.h"
#include "base/log.h"

#define WMID_CONFIG_DEFAULT_PATH "/etc/openwmi/wmid.conf"
#define WMID_CONFIG_MAX_BYTES    (1024 * 1024)
#define WMID_MAX_LISTEN          16
#define WMID_NETBIOS_NAME_MAX    15
#define WMID_DNS_NAME_MAX        253

/* RPC_C_AUTHN_LEVEL_* (MS-RPCE 2.2.1.1.8). */
enum wmid_auth_level {
	WMID_AUTHN_LEVEL_NONE = 1,
	WMID_AUTHN_LEVEL_CONNECT = 2,
	WMID_AUTHN_LEVEL_CALL = 3,
	WMID_AUTHN_LEVEL_PKT = 4,
	WMID_AUTHN_LEVEL_PKT_INTEGRITY = 5,
	WMID_AUTHN_LEVEL_PKT_PRIVACY = 6,
};

struct wmid_config {
	/* [service] */
	char **listen; /* IP literals, as written */
	size_t n_listen;
	uint16_t epm_port;
	uint16_t port_min; /* dynamic_port_range, inclusive */
	uint16_t port_max;
	uint16_t exporter_port; /* 0: pick one from the range */
	char *state_dir;        /* NULL: not set */
	char *log_dir;          /* NULL: not set */
	char *run_dir;          /* NULL: not set */
	/* [limits] */
	uint32_t max_connections;
	uint32_t max_connections_per_address;
	uint32_t max_fragment;
	uint32_t max_message;
	uint32_t idle_timeout; /* seconds; 0: never */
	/* [auth] */
	enum wmid_auth_level min_auth_level;
	bool allow_ntlmv1;
	char *netbios_name; /* NULL: derived from the host name */
	char *dns_name;     /* NULL: the host name */
	/* [log] */
	enum log_level log_level;
	/* [dcom] */
	uint32_t ping_period_ms;
	uint32_t ping_misses;
	enum wmid_auth_level authn_hint;

	char *provider_host;               /* NULL: the built-in default */
	char *provider_dir;                /* NULL: the built-in default */
	uint32_t provider_call_timeout_ms; /* 0: provhost's default */
	uint32_t provider_idle_timeout_ms; /* 0: ClearAfter or 30000 */
	char *provider_service_user;       /* NULL: provreg's default */
};

/* Returns owned (talloc child of [mem]) a configuration with every
 * default, or NULL when out of memory. */
struct wmid_config *wmid_config_new(void *mem);

/*
 * Parses the ini text [text, text+len) (borrowed; NUL octets are an error)
 * named [name] in messages (e.g. the file path) over the values already
 * in [cfg].  On success [cfg] holds the file's values and S_OK is
 * returned; on failure [cfg] is unchanged and:
 *   E_INVALIDARG   a syntax error, an unknown section or key, a duplicate
 *                  key, a bad value or a line longer than 196 octets;
 *                  ei->msg is "NAME:LINE: what", ei->line the line
 *   E_OUTOFMEMORY
 */
hresult wmid_config_parse(struct wmid_config *cfg,
                          const char *name,
                          const char *text,
                          size_t len,
                          struct errinfo *ei);

/*
 * Reads the file [path] (at most WMID_CONFIG_MAX_BYTES) and parses it as
 * wmid_config_parse does.  Further errors: HR_ERROR_FILE_NOT_FOUND,
 * E_ACCESSDENIED, E_FAIL (other read errors, too large).
 */
hresult wmid_config_load(struct wmid_config *cfg,
                         const char *path,
                         struct errinfo *ei);

/* Returns the canonical name of a level ("integrity"); static storage. */
const char *wmid_auth_level_name(enum wmid_auth_level level);

/* Returns "error", "warn", "info" or "debug"; static storage. */
const char *wmid_log_level_name(enum log_level level);

#endif
