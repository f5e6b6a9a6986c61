/*
 * daemon: the wmid service core (daemon layer).  See daemon.h for the
 * contract and docs/internals/daemon.md for the start-up order, the
 * signals and the files.
 *
 * Start-up order (each step logs and stops the start on failure):
 *   options -> config -> paths and folders -> detach (unless
 *   --foreground) -> pid file -> log -> repository (copied from the
 *   default when missing) -> object manager -> accounts (--init-admin)
 *   -> RPC server, endpoint mapper, hooks -> listeners -> endpoint map
 *   -> signals -> "ready" (the detached parent exits 0 only now).
 * Stop (SIGTERM, SIGINT): rpc_server_shutdown() lets calls in flight
 * finish within the grace period, then everything is freed in reverse
 * order: server, object manager, repository (closed), accounts, and the
 * pid file is removed last.
 */
#include "daemon/daemon.h"

#include <arpa/inet.h>
#include <ctype.h>
#include <errno.h>
#include <fcntl.h>
#include <getopt.h>
#include <pthread.h>
#include <pwd.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/random.h>
#include <sys/stat.h>
#include <talloc.h>
#include <time.h>
#include <unistd.h>

#include "base/errinfo.h"
#include "cimom/cimom.h"
#include "cimom/provreg.h"
#include "daemon/config.h"
#include "daemon/state.h"
#include "dcom/dcomlog.h"
#include "dcom/exporter.h"
#include "dcom/types.h"
#include "repo/repo.h"
#include "rpc/epm.h"
#include "security/accounts.h"
#include "wmi/stubs.h"
#include "wmi/wmi.h"

#define COMPONENT "wmid"

#ifndef OWMI_VERSION
#define OWMI_VERSION "0.0.0"
#endif

/* An interface to announce in the endpoint map. */
struct iface_reg {
	struct rpc_syntax_id syntax;
	char *annotation;
	unsigned where; /* enum wmid_iface_where */
};

/*
 * The DCOM access hook's memory of recent answers: a token costs ~35 us of
 * SQLite per ORPC call, so answers are kept for WMID_ACCESS_MEMO_MS (a
 * group change takes effect within that time).
 */
#define WMID_ACCESS_MEMO    16
#define WMID_ACCESS_MEMO_MS 2000

struct access_memo {
	bool used;
	bool unix_peer;
	uid_t uid;
	char user[64];
	bool admin;
	uint64_t expires_ms;
};

struct wmid {
	void *mem;
	const struct wmid_hooks *hooks;

	/* Options. */
	const char *opt_config;
	const char *opt_state_dir;
	const char *opt_listen;
	bool foreground;
	bool init_admin;

	char *config_path; /* the file in effect; NULL: defaults only */
	struct wmid_config *cfg;
	struct wmid_paths *paths;
	struct logger *log;
	struct wmid_pidfile *pidfile;
	struct repo *repo;
	struct cimom *cimom;
	struct cimom_provreg *provreg;
	struct sec_accounts *acc;
	/* The DCOM runtime, and a second account store handle for its
	 * access hook (worker threads; acc belongs to the loop thread). */
	struct dcom_exporter *exp;
	struct sec_accounts *acc_check;
	pthread_mutex_t acc_mu;
	bool acc_mu_ok;
	struct access_memo memo[WMID_ACCESS_MEMO]; /* under acc_mu */
	unsigned memo_next;

	uv_loop_t loop;
	bool loop_ok;
	struct rpc_server *srv;
	struct epm_registry *epm;
	struct iface_reg *ifaces;
	size_t n_ifaces;
	bool in_setup;
	uv_signal_t sig_hup;
	uv_signal_t sig_term;
	uv_signal_t sig_int;
	bool signals_ok;
	bool stopping;
	bool stopped;
	int ready_fd; /* write end of the detach pipe, or -1 */
	uint16_t exporter_port;
	uint32_t max_connections; /* reloadable: enforced by accept_filter */
	char netbios[WMID_NETBIOS_NAME_MAX + 1];
	char dns[WMID_DNS_NAME_MAX + 1];
};

static const char usage_text[] =
        "usage: wmid [--config FILE] [--state-dir DIR] [--listen ADDR[,ADDR]]\n"
        "            [--foreground] [--init-admin] [--help] [--version]\n"
        "  --config FILE    ini configuration (default DIR/wmid.conf with\n"
        "                   --state-dir, else " WMID_CONFIG_DEFAULT_PATH ",\n"
        "                   each only when present)\n"
        "  --state-dir DIR  keep repository, accounts, logs, socket and pid\n"
        "                   file in DIR (default " WMID_DEFAULT_STATE_DIR ",\n"
        "                   " WMID_DEFAULT_LOG_DIR ", " WMID_DEFAULT_RUN_DIR
        ")\n"
        "  --listen ADDR    IP addresses to listen on (overrides [service]\n"
        "                   listen; default 127.0.0.1)\n"
        "  --foreground     do not detach; log to stderr as well\n"
        "  --init-admin     when the account store has no user, create\n"
        "                   'admin' in Administrators and print its random\n"
        "                   password once\n"
        "Signals: SIGHUP reloads the configuration, SIGTERM and SIGINT stop.\n";

/* ---- small helpers ---- */

static void say(struct wmid *d, enum log_level lvl, const char *fmt, ...)
        __attribute__((format(printf, 3, 4)));

/* Logs, and before the log exists writes to stderr. */
static void say(struct wmid *d, enum log_level lvl, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	if (d->log != NULL) {
		log_vmsg(d->log, lvl, COMPONENT, fmt, ap);
	} else {
		fputs("wmid: ", stderr);
		vfprintf(stderr, fmt, ap);
		fputc('\n', stderr);
	}
	va_end(ap);
}

static void fail_hr(struct wmid *d,
                    const char *what,
                    hresult hr,
                    const struct errinfo *ei)
{
	say(d, LOG_LVL_ERROR, "%s: %s (%s, 0x%08X)", what,
	    ei != NULL && ei->msg[0] != '\0' ? ei->msg : hr_message(hr),
	    hr_name(hr), (unsigned)hr.v);
}

/* The host name's parts: NetBIOS name (first label, upper case, 15
 * characters at most) and the DNS name. */
static void default_names(struct wmid *d)
{
	char host[WMID_DNS_NAME_MAX + 1];
	size_t n = 0;

	if (gethostname(host, sizeof(host)) != 0 || host[0] == '\0') {
		snprintf(host, sizeof(host), "localhost");
	}
	host[sizeof(host) - 1] = '\0';
	if (d->cfg->netbios_name != NULL) {
		snprintf(d->netbios, sizeof(d->netbios), "%s",
		         d->cfg->netbios_name);
	} else {
		for (size_t i = 0; host[i] != '\0' && host[i] != '.' &&
		                   n < WMID_NETBIOS_NAME_MAX;
		     i++) {
			char c = host[i];

			if (c >= 'a' && c <= 'z') {
				c = (char)(c - 'a' + 'A');
			}
			if (!((c >= 'A' && c <= 'Z') ||
			      (c >= '0' && c <= '9') || c == '-' || c == '_')) {
				c = '-';
			}
			d->netbios[n++] = c;
		}
		d->netbios[n] = '\0';
		if (n == 0) {
			snprintf(d->netbios, sizeof(d->netbios), "OPENWMI");
		}
	}
	snprintf(d->dns, sizeof(d->dns), "%s",
	         d->cfg->dns_name != NULL ? d->cfg->dns_name : host);
}

/* ---- options and configuration ---- */

static int parse_options(struct wmid *d, int argc, char **argv)
{
	enum { OPT_INIT_ADMIN = 256, OPT_VERSION };
	static const struct option opts[] = {
		{ "config", required_argument, NULL, 'c' },
		{ "state-dir", required_argument, NULL, 's' },
		{ "listen", required_argument, NULL, 'l' },
		{ "foreground", no_argument, NULL, 'f' },
		{ "init-admin", no_argument, NULL, OPT_INIT_ADMIN },
		{ "help", no_argument, NULL, 'h' },
		{ "version", no_argument, NULL, OPT_VERSION },
		{ NULL, 0, NULL, 0 },
	};
	int c;

	optind = 1;
	opterr = 0;
	while ((c = getopt_long(argc, argv, "c:s:l:fh", opts, NULL)) != -1) {
		switch (c) {
		case 'c':
			d->opt_config = optarg;
			break;
		case 's':
			d->opt_state_dir = optarg;
			break;
		case 'l':
			d->opt_listen = optarg;
			break;
		case 'f':
			d->foreground = true;
			break;
		case OPT_INIT_ADMIN:
			d->init_admin = true;
			break;
		case 'h':
			fputs(usage_text, stdout);
			return 0;
		case OPT_VERSION:
			printf("wmid (OpenWMI) %s\n", OWMI_VERSION);
			return 0;
		default:
			fprintf(stderr,
			        "wmid: unknown or incomplete option '%s'\n",
			        argv[optind - 1]);
			fputs(usage_text, stderr);
			return 2;
		}
	}
	if (optind < argc) {
		fprintf(stderr, "wmid: unexpected argument '%s'\n",
		        argv[optind]);
		fputs(usage_text, stderr);
		return 2;
	}
	if (d->opt_state_dir != NULL && d->opt_state_dir[0] != '/') {
		fprintf(stderr,
		        "wmid: --state-dir '%s' is not an absolute path\n",
		        d->opt_state_dir);
		return 2;
	}
	return -1;
}

/* The config file in effect: --config, else DIR/wmid.conf (with
 * --state-dir), else the default path, each only when it exists. */
static char *find_config(struct wmid *d)
{
	char *p;

	if (d->opt_config != NULL) {
		return talloc_strdup(d->mem, d->opt_config);
	}
	if (d->opt_state_dir != NULL) {
		p = talloc_asprintf(d->mem, "%s/wmid.conf", d->opt_state_dir);
		if (p != NULL && access(p, F_OK) == 0) {
			return p;
		}
		talloc_free(p);
		return NULL;
	}
	if (access(WMID_CONFIG_DEFAULT_PATH, F_OK) == 0) {
		return talloc_strdup(d->mem, WMID_CONFIG_DEFAULT_PATH);
	}
	return NULL;
}

/* Reads the configuration: the file (if any), then --listen. */
static hresult read_config(struct wmid *d,
                           struct wmid_config **out,
                           struct errinfo *ei)
{
	struct wmid_config *cfg = wmid_config_new(d->mem);
	hresult hr = HR_OK;

	if (cfg == NULL) {
		return err_set(ei, HR_E_OUTOFMEMORY, COMPONENT,
		               "out of memory");
	}
	if (d->config_path != NULL &&
	    hr_failed(hr = wmid_config_load(cfg, d->config_path, ei))) {
		goto out;
	}
	if (d->opt_listen != NULL) {
		char *text = talloc_asprintf(cfg, "[service]\nlisten = %s\n",
		                             d->opt_listen);

		if (text == NULL) {
			hr = err_set(ei, HR_E_OUTOFMEMORY, COMPONENT,
			             "out of memory");
			goto out;
		}
		hr = wmid_config_parse(cfg, "--listen", text, strlen(text), ei);
		talloc_free(text);
	}
out:
	if (hr_failed(hr)) {
		talloc_free(cfg);
		return hr;
	}
	*out = cfg;
	return HR_OK;
}

/* ---- detaching ---- */

/*
 * Forks; the parent waits until the child reports its start-up result
 * through a pipe and exits with it.  Returns in the child only.
 */
static int detach(struct wmid *d)
{
	int p[2];
	pid_t pid;

	fflush(stdout);
	fflush(stderr);
	if (pipe2(p, O_CLOEXEC) != 0) {
		say(d, LOG_LVL_ERROR, "cannot create a pipe: %s",
		    strerror(errno));
		return 1;
	}
	pid = fork();
	if (pid < 0) {
		say(d, LOG_LVL_ERROR, "cannot fork: %s", strerror(errno));
		return 1;
	}
	if (pid > 0) {
		uint8_t status = 1;
		ssize_t n;

		close(p[1]);
		do {
			n = read(p[0], &status, 1);
		} while (n < 0 && errno == EINTR);
		_exit(n == 1 ? status : 1);
	}
	close(p[0]);
	setsid();
	d->ready_fd = p[1];
	return -1;
}

/* Tells a waiting parent the start-up result, then leaves the terminal. */
static void report_ready(struct wmid *d, uint8_t status)
{
	int null_fd;

	if (d->ready_fd < 0) {
		return;
	}
	fflush(stdout);
	fflush(stderr);
	if (write(d->ready_fd, &status, 1) != 1) {
		/* The parent is gone: nothing to tell. */
	}
	close(d->ready_fd);
	d->ready_fd = -1;
	if (status != 0) {
		return;
	}
	null_fd = open("/dev/null", O_RDWR | O_CLOEXEC);
	if (null_fd >= 0) {
		dup2(null_fd, STDIN_FILENO);
		dup2(null_fd, STDOUT_FILENO);
		dup2(null_fd, STDERR_FILENO);
		close(null_fd);
	}
}

/* ---- repository, object manager, accounts ---- */

static const char *const default_repositories[] = {
#ifdef OWMI_INSTALLED_REPOSITORY
	OWMI_INSTALLED_REPOSITORY,
#endif
#ifdef OWMI_BUILD_REPOSITORY
	OWMI_BUILD_REPOSITORY,
#endif
	NULL,
};

/* Copies the embedded default repository into the state folder when
 * there is none yet (a consistent snapshot, renamed into place). */
static hresult ensure_repository(struct wmid *d, struct errinfo *ei)
{
	const char *dest = d->paths->repository;
	hresult hr;

	if (access(dest, F_OK) == 0) {
		return HR_OK;
	}
	for (size_t i = 0; default_repositories[i] != NULL; i++) {
		const char *src = default_repositories[i];
		struct repo *r = NULL;

		if (access(src, R_OK) != 0) {
			continue;
		}
		hr = repo_open(d->mem, src, REPO_OPEN_READONLY, &r, ei);
		if (hr_ok(hr)) {
			hr = repo_backup(r, dest, ei);
			repo_close(r);
		}
		if (hr_failed(hr)) {
			return hr;
		}
		say(d, LOG_LVL_INFO,
		    "created %s from the default repository %s", dest, src);
		return HR_OK;
	}
	say(d, LOG_LVL_WARN,
	    "no default repository found; %s starts empty (namespace root)",
	    dest);
	return HR_OK;
}

/*
 * Dynamic classes are served by provider hosts (wmiprvse) that the
 * provider registry starts on demand; [providers] in wmid.conf names the
 * host executable and the provider folder, by default where the build
 * or the installation put them.
 */
static hresult attach_providers(struct wmid *d)
{
	struct cimom_provreg_config rc;
	struct errinfo ei;
	hresult hr;

	memset(&rc, 0, sizeof(rc));
	rc.host_path = d->cfg->provider_host != NULL ? d->cfg->provider_host
	                                             : OWMI_WMIPRVSE_PATH;
	rc.provider_dir = d->cfg->provider_dir != NULL ? d->cfg->provider_dir
	                                               : OWMI_PROVIDER_DIR;
	rc.call_timeout_ms = d->cfg->provider_call_timeout_ms;
	rc.idle_timeout_ms = d->cfg->provider_idle_timeout_ms;
	rc.service_user = d->cfg->provider_service_user;
	rc.log = d->log;
	/*
	 * The event log provider (Win32_NTLogEvent) reads activity.log and
	 * dcom.log from this folder; the hosts inherit wmid's environment.
	 * Set before any thread starts (setenv is not thread-safe).
	 */
	if (setenv("OWMI_LOG_DIR", d->paths->log_dir, 1) != 0 ||
	    setenv("OWMI_COMPUTER_NAME", d->netbios, 1) != 0) {
		return HR_E_OUTOFMEMORY;
	}
	err_clear(&ei);
	hr = cimom_provreg_attach(d->cimom, d->mem, &rc, &d->provreg, &ei);
	if (hr_failed(hr)) {
		fail_hr(d, "cannot attach the provider registry", hr, &ei);
		return hr;
	}
	say(d, LOG_LVL_INFO, "provider host %s, providers in %s", rc.host_path,
	    rc.provider_dir);
	return HR_OK;
}

static hresult open_repository(struct wmid *d)
{
	struct errinfo ei;
	struct cimom_config cc;
	hresult hr;

	err_clear(&ei);
	if (hr_failed(hr = ensure_repository(d, &ei))) {
		fail_hr(d, "cannot create the repository", hr, &ei);
		return hr;
	}
	err_clear(&ei);
	hr = repo_open(d->mem, d->paths->repository, REPO_OPEN_CREATE, &d->repo,
	               &ei);
	if (hr_failed(hr)) {
		fail_hr(d, "cannot open the repository", hr, &ei);
		return hr;
	}
	memset(&cc, 0, sizeof(cc));
	cc.server_name = d->netbios;
	cc.activity_log_path = d->paths->activity_log;
	cc.log = d->log;
	hr = cimom_new(d->mem, d->repo, &cc, &d->cimom);
	if (hr_failed(hr)) {
		fail_hr(d, "cannot start the object manager", hr, NULL);
		return hr;
	}
	say(d, LOG_LVL_INFO, "repository %s", d->paths->repository);
	return attach_providers(d);
}

/* A random password of [n] letters and digits into [out]. */
static bool random_password(char *out, size_t n)
{
	static const char set[] = "ABCDEFGHJKLMNPQRSTUVWXYZ"
	                          "abcdefghijkmnopqrstuvwxyz23456789";
	const size_t m = sizeof(set) - 1;
	size_t i = 0;

	while (i < n) {
		uint8_t r[32];

		if (getrandom(r, sizeof(r), 0) != (ssize_t)sizeof(r)) {
			return false;
		}
		for (size_t k = 0; k < sizeof(r) && i < n; k++) {
			/* Rejection sampling keeps the choice uniform. */
			if (r[k] < 256 - 256 % m) {
				out[i++] = set[r[k] % m];
			}
		}
	}
	out[n] = '\0';
	return true;
}

static hresult init_admin(struct wmid *d)
{
	struct sec_user_info *users = NULL;
	size_t n = 0;
	struct errinfo ei;
	char password[21];
	hresult hr;

	err_clear(&ei);
	hr = sec_user_list(d->acc, d->mem, &users, &n, &ei);
	if (hr_failed(hr)) {
		fail_hr(d, "cannot list accounts", hr, &ei);
		return hr;
	}
	talloc_free(users);
	if (n != 0) {
		printf("wmid: the account store already has %zu user(s); no "
		       "admin account created\n",
		       n);
		say(d, LOG_LVL_INFO, "--init-admin: %zu account(s) exist", n);
		return HR_OK;
	}
	if (!random_password(password, sizeof(password) - 1)) {
		say(d, LOG_LVL_ERROR, "cannot draw a random password");
		return HR_E_FAIL;
	}
	hr = sec_user_add(d->acc, "admin", password, &ei);
	if (hr_ok(hr)) {
		hr = sec_group_add_member(d->acc, "Administrators", "admin",
		                          &ei);
	}
	if (hr_failed(hr)) {
		fail_hr(d, "cannot create the admin account", hr, &ei);
		return hr;
	}
	printf("wmid: created account 'admin' in Administrators; its "
	       "password (shown once): %s\n",
	       password);
	fflush(stdout);
	memset(password, 0, sizeof(password));
	say(d, LOG_LVL_INFO, "created account 'admin' in Administrators");
	return HR_OK;
}

static hresult open_accounts(struct wmid *d)
{
	struct errinfo ei;
	hresult hr;
	const char *warn;

	err_clear(&ei);
	hr = sec_accounts_open(d->mem, d->paths->accounts, true, &d->acc, &ei);
	if (hr_failed(hr)) {
		fail_hr(d, "cannot open the account store", hr, &ei);
		return hr;
	}
	warn = sec_accounts_warning(d->acc);
	if (warn != NULL) {
		say(d, LOG_LVL_WARN, "%s", warn);
	}
	if (d->init_admin) {
		return init_admin(d);
	}
	return HR_OK;
}

/* ---- RPC ---- */

static bool accept_filter(void *arg, const char *peer, uint16_t local_port)
{
	struct wmid *d = arg;
	struct rpc_server_stats st;

	rpc_server_stats(d->srv, &st);
	if (st.conns_open >= d->max_connections) {
		log_msg(d->log, LOG_LVL_WARN, COMPONENT,
		        "refused a connection from %s to port %u: "
		        "max_connections %u reached",
		        peer, local_port, d->max_connections);
		return false;
	}
	return true;
}

/*
 * A connection is gone (loop thread): an enumeration whose client read
 * through it stops waiting for that client at once (its objects stay:
 * they belong to the client's OXID, not to the connection).
 */
static void conn_closed(void *arg, uint64_t conn_id, uint32_t assoc_group)
{
	struct wmid *d = arg;

	(void)assoc_group;
	if (d->exp != NULL) {
		wmi_conn_closed(d->exp, conn_id);
	}
}

static void server_config(struct wmid *d, struct rpc_server_config *sc)
{
	const struct wmid_config *cfg = d->cfg;
	const char *dot = strchr(d->dns, '.');

	memset(sc, 0, sizeof(*sc));
	sc->limits.max_connections = cfg->max_connections;
	sc->limits.max_conn_per_peer = cfg->max_connections_per_address;
	sc->limits.max_frag = (uint16_t)cfg->max_fragment;
	sc->limits.max_message = cfg->max_message;
	/* 0 in the config means never; 0 in the runtime means default. */
	sc->limits.idle_timeout_ms = cfg->idle_timeout == 0
	                                     ? UINT32_MAX
	                                     : cfg->idle_timeout * 1000u;
	sc->limits.port_min = cfg->port_min;
	sc->limits.port_max = cfg->port_max;
	sc->auth.nb_computer = d->netbios;
	/* A stand-alone machine is its own NetBIOS domain. */
	sc->auth.nb_domain = d->netbios;
	sc->auth.dns_computer = d->dns;
	sc->auth.dns_domain = dot != NULL ? dot + 1 : NULL;
	sc->auth.get_nt_hash = sec_user_get_nt_hash;
	sc->auth.get_nt_hash_arg = d->acc;
	sc->auth.allow_ntlmv1 = cfg->allow_ntlmv1;
	sc->default_min_auth_level = (uint8_t)cfg->min_auth_level;
	sc->log = d->log;
	sc->accept_filter = accept_filter;
	sc->accept_filter_arg = d;
	sc->conn_closed = conn_closed;
	sc->conn_closed_arg = d;
}

/* Adds [syntax] to the interfaces the endpoint map will announce. */
static hresult announce(struct wmid *d,
                        const struct rpc_syntax_id *syntax,
                        const char *annotation,
                        unsigned where)
{
	struct iface_reg *a = talloc_realloc(d->mem, d->ifaces,
	                                     struct iface_reg, d->n_ifaces + 1);

	if (a == NULL) {
		return HR_E_OUTOFMEMORY;
	}
	d->ifaces = a;
	a[d->n_ifaces].syntax = *syntax;
	a[d->n_ifaces].annotation = talloc_strdup(
	        a, annotation != NULL ? annotation : "");
	a[d->n_ifaces].where = where;
	if (a[d->n_ifaces].annotation == NULL) {
		return HR_E_OUTOFMEMORY;
	}
	d->n_ifaces++;
	return HR_OK;
}

hresult wmid_register_iface(struct wmid *d,
                            const struct rpc_iface *iface,
                            void *arg,
                            const char *annotation,
                            unsigned where)
{
	hresult hr;

	if (d == NULL || iface == NULL || d->srv == NULL || !d->in_setup) {
		return HR_E_INVALIDARG;
	}
	hr = rpc_server_register_iface(d->srv, iface, arg);
	if (hr_failed(hr)) {
		return hr;
	}
	return announce(d, &iface->syntax, annotation, where);
}

struct logger *wmid_logger(struct wmid *d)
{
	return d->log;
}

struct cimom *wmid_cimom(struct wmid *d)
{
	return d->cimom;
}

struct sec_accounts *wmid_accounts(struct wmid *d)
{
	return d->acc;
}

struct dcom_exporter *wmid_exporter(struct wmid *d)
{
	return d->exp;
}

/* The IPv4 address a listener is announced with, or false for IPv6. */
static bool announce_ip(const char *addr, uint8_t ip[4])
{
	if (inet_pton(AF_INET, addr, ip) == 1) {
		return true;
	}
	if (strcmp(addr, "::") == 0) {
		memset(ip, 0, 4); /* wildcard: the client's own view */
		return true;
	}
	return false;
}

static hresult listen_all(struct wmid *d)
{
	const struct wmid_config *cfg = d->cfg;
	struct errinfo ei;
	hresult hr;
	uint16_t port = cfg->exporter_port;

	for (size_t i = 0; i < cfg->n_listen; i++) {
		const char *addr = cfg->listen[i];

		err_clear(&ei);
		hr = rpc_server_listen_tcp(d->srv, addr, cfg->epm_port, NULL,
		                           NULL, &ei);
		if (hr_failed(hr)) {
			say(d, LOG_LVL_ERROR,
			    "cannot listen on %s port %u (endpoint mapper): %s",
			    addr, cfg->epm_port,
			    ei.msg[0] != '\0' ? ei.msg : hr_message(hr));
			return hr;
		}
		say(d, LOG_LVL_INFO, "endpoint mapper listening on %s:%u", addr,
		    cfg->epm_port);
		err_clear(&ei);
		hr = rpc_server_listen_tcp(d->srv, addr, port, &port, NULL,
		                           &ei);
		if (hr_failed(hr)) {
			say(d, LOG_LVL_ERROR,
			    "cannot listen on %s port %u (object exporter, "
			    "range %u-%u): %s",
			    addr, port, cfg->port_min, cfg->port_max,
			    ei.msg[0] != '\0' ? ei.msg : hr_message(hr));
			return hr;
		}
		say(d, LOG_LVL_INFO, "object exporter listening on %s:%u", addr,
		    port);
	}
	d->exporter_port = port;
	err_clear(&ei);
	hr = rpc_server_listen_unix(d->srv, d->paths->socket, NULL, &ei);
	if (hr_failed(hr)) {
		say(d, LOG_LVL_ERROR, "cannot listen on %s: %s",
		    d->paths->socket,
		    ei.msg[0] != '\0' ? ei.msg : hr_message(hr));
		return hr;
	}
	say(d, LOG_LVL_INFO, "local socket %s", d->paths->socket);
	return HR_OK;
}

/* ---- DCOM ---- */

/*
 * The caller's token from the account store: an AF_UNIX peer without
 * NTLM by its uid, anyone else by the account it authenticated as.  The
 * caller holds d->acc_mu (acc_check belongs to whoever holds it).
 */
static hresult caller_token_locked(struct wmid *d,
                                   const struct rpc_identity *who,
                                   void *mem,
                                   struct sec_token **tok)
{
	if (who->from_unix_socket && who->auth_type == RPC_AUTHN_NONE) {
		return sec_token_for_unix_uid(d->acc_check, mem, who->uid, tok,
		                              NULL);
	}
	return sec_token_for_user(d->acc_check, mem, who->user,
	                          !who->from_unix_socket, tok, NULL);
}

/*
 * The exporter's access hook (any thread): the caller must hold
 * Administrators (until the security model decides per namespace).
 * NTLM callers by their account, AF_UNIX peers by uid.
 */
static hresult dcom_access(void *arg,
                           const struct rpc_identity *who,
                           enum dcom_access_op op)
{
	struct wmid *d = arg;
	struct sec_token *tok = NULL;
	bool unix_peer = who->from_unix_socket &&
	                 who->auth_type == RPC_AUTHN_NONE;
	struct timespec ts;
	uint64_t now;
	struct access_memo *m;
	void *mem;
	hresult hr;
	bool admin;

	if (!who->authenticated) {
		return HR_E_ACCESSDENIED;
	}
	clock_gettime(CLOCK_MONOTONIC, &ts);
	now = (uint64_t)ts.tv_sec * 1000u + (uint64_t)ts.tv_nsec / 1000000u;
	pthread_mutex_lock(&d->acc_mu);
	for (size_t i = 0; i < WMID_ACCESS_MEMO; i++) {
		m = &d->memo[i];
		if (m->used && m->expires_ms > now &&
		    m->unix_peer == unix_peer &&
		    (unix_peer ? m->uid == who->uid
		               : strcasecmp(m->user, who->user) == 0)) {
			admin = m->admin;
			pthread_mutex_unlock(&d->acc_mu);
			return admin ? HR_OK : HR_E_ACCESSDENIED;
		}
	}
	mem = talloc_new(NULL);
	if (mem == NULL) {
		pthread_mutex_unlock(&d->acc_mu);
		return HR_E_OUTOFMEMORY;
	}
	hr = caller_token_locked(d, who, mem, &tok);
	admin = hr_ok(hr) && sec_token_is_admin(tok);
	talloc_free(mem);
	/* Remember definite answers (not storage or memory failures). */
	if ((hr_ok(hr) || hr_eq(hr, HR_HR_ERROR_LOGON_FAILURE)) &&
	    strlen(who->user) < sizeof(m->user)) {
		m = &d->memo[d->memo_next++ % WMID_ACCESS_MEMO];
		m->used = true;
		m->unix_peer = unix_peer;
		m->uid = who->uid;
		snprintf(m->user, sizeof(m->user), "%s", who->user);
		m->admin = admin;
		m->expires_ms = now + WMID_ACCESS_MEMO_MS;
	}
	pthread_mutex_unlock(&d->acc_mu);
	if (!admin) {
		log_msg(d->log, LOG_LVL_INFO, COMPONENT,
		        "%s refused to '%s' from %s: not in Administrators",
		        op == DCOM_ACCESS_LAUNCH ? "activation" : "DCOM call",
		        who->user, who->peer_addr);
		return HR_E_ACCESSDENIED;
	}
	return HR_OK;
}

/*
 * The exporter's refusal report (any thread, right after dcom_access
 * refused): one event 10016 in the DCOM log (dcom/dcomlog.h) per
 * refusal.  The caller's SID comes from its token (anonymous callers are
 * NT AUTHORITY\ANONYMOUS LOGON, S-1-5-7, as on Windows).  Every object
 * wmid exports is WMI's, so a refused call on an object (no CLSID) names
 * CLSID_WbemLevel1Login; its AppID is WMI's, the same GUID (reference
 * 3.3).  Failures to write are logged, never returned to the client.
 */
static void dcom_refused(void *arg,
                         const struct rpc_identity *who,
                         enum dcom_access_op op,
                         const struct rpc_uuid *clsid,
                         hresult refusal)
{
	struct wmid *d = arg;
	struct dcom_refusal_event ev;
	struct sec_token *tok = NULL;
	char cls[RPC_UUID_STR_LEN + 3], app[RPC_UUID_STR_LEN + 3];
	char u[RPC_UUID_STR_LEN + 1];
	char *sid = NULL;
	void *mem;
	hresult hr = HR_E_FAIL;

	if (!hr_eq(refusal, HR_E_ACCESSDENIED) ||
	    (mem = talloc_new(NULL)) == NULL) {
		return;
	}
	memset(&ev, 0, sizeof(ev));
	rpc_uuid_format(clsid != NULL ? clsid : &wmi_clsid_wbemlevel1login, u);
	snprintf(cls, sizeof(cls), "{%s}", u);
	rpc_uuid_format(&wmi_clsid_wbemlevel1login, u);
	snprintf(app, sizeof(app), "{%s}", u);
	for (char *p = cls; *p != '\0'; p++) {
		*p = (char)toupper((unsigned char)*p);
	}
	for (char *p = app; *p != '\0'; p++) {
		*p = (char)toupper((unsigned char)*p);
	}
	ev.computer = d->netbios;
	ev.remote = !who->from_unix_socket;
	ev.op = op;
	ev.clsid = cls;
	ev.appid = app;
	ev.result_code = refusal.v;
	ev.address = who->from_unix_socket ? DCOM_LOCAL_ADDRESS
	                                   : who->peer_addr;
	if (!who->authenticated) {
		ev.domain = "NT AUTHORITY";
		ev.user = "ANONYMOUS LOGON";
		ev.sid = "S-1-5-7";
	} else {
		pthread_mutex_lock(&d->acc_mu);
		hr = caller_token_locked(d, who, mem, &tok);
		pthread_mutex_unlock(&d->acc_mu);
		if (hr_ok(hr)) {
			sid = sec_sid_to_string(mem, &tok->user);
		}
		ev.domain = hr_ok(hr) && tok->domain[0] != '\0' ? tok->domain
		            : who->domain != NULL && who->domain[0] != '\0'
		                    ? who->domain
		                    : d->netbios;
		ev.user = hr_ok(hr) && tok->name[0] != '\0' ? tok->name
		                                            : who->user;
		ev.sid = sid;
	}
	hr = dcom_refusal_write(d->paths->dcom_log, &ev, 0);
	if (hr_failed(hr)) {
		log_msg(d->log, LOG_LVL_WARN, COMPONENT,
		        "cannot write %s: 0x%08X", d->paths->dcom_log, hr.v);
	}
	talloc_free(mem);
}

/*
 * The WMI layer's caller identity (any thread): the account's token says
 * whether it is an administrator; a Unix peer, or an account whose name
 * is a Linux user, maps to those ids (providers act as that user;
 * impersonating hosts need wmid to be root), another administrator to
 * root, anyone else to no Linux user.
 */
static hresult wmi_identity(void *arg,
                            const struct rpc_identity *who,
                            void *mem,
                            struct cimom_identity *out)
{
	struct wmid *d = arg;
	struct sec_token *tok = NULL;
	struct passwd pw, *res = NULL;
	char buf[4096];
	hresult hr;

	pthread_mutex_lock(&d->acc_mu);
	hr = caller_token_locked(d, who, mem, &tok);
	pthread_mutex_unlock(&d->acc_mu);
	if (hr_failed(hr)) {
		return HR_WBEM_E_ACCESS_DENIED;
	}
	memset(out, 0, sizeof(*out));
	out->user = tok->name;
	out->domain = tok->domain;
	out->client_machine = who->from_unix_socket ? NULL : who->peer_addr;
	out->pid = who->from_unix_socket ? (uint32_t)who->pid : 0;
	out->is_admin = sec_token_is_admin(tok);
	out->remote = !who->from_unix_socket;
	if (who->from_unix_socket) {
		out->has_unix_ids = true;
		out->uid = (uint32_t)who->uid;
		out->gid = (uint32_t)who->gid;
	} else if (getpwnam_r(tok->name, &pw, buf, sizeof(buf), &res) == 0 &&
	           res != NULL) {
		out->has_unix_ids = true;
		out->uid = (uint32_t)pw.pw_uid;
		out->gid = (uint32_t)pw.pw_gid;
	} else if (out->is_admin) {
		/* An administrator with no Linux user of its own acts as
		 * root, as Windows administrators have the machine. */
		out->has_unix_ids = true;
	}
	out->impersonate = out->has_unix_ids && geteuid() == 0 && out->uid != 0;
	return HR_OK;
}

/* The DCOM runtime: the activator and the OXID resolver on the endpoint
 * mapper port, IRemUnknown on every port.  The port is set later. */
static hresult start_dcom(struct wmid *d)
{
	static const struct rpc_syntax_id oxid_syntax = {
		{ 0x99fcfec4,
		  0x5260,
		  0x101b,
		  { 0xbb, 0xcb },
		  { 0x00, 0xaa, 0x00, 0x21, 0x34, 0x7a } },
		0,
		0
	};
	const struct rpc_syntax_id scm_syntax = { dcom_iid_iremotescmactivator,
		                                  0, 0 };
	/* NetBIOS name, DNS name, then the listen addresses (not the
	 * wildcards): the activation socket's own address comes first
	 * anyway, these serve clients that typed another name. */
	const char *names[2 + WMID_MAX_LISTEN + 1];
	size_t n_names = 0;
	struct dcom_exporter_config xc;
	struct errinfo ei;
	hresult hr;

	err_clear(&ei);
	hr = sec_accounts_open(d->mem, d->paths->accounts, false, &d->acc_check,
	                       &ei);
	if (hr_failed(hr)) {
		fail_hr(d, "cannot open the account store", hr, &ei);
		return hr;
	}
	if (pthread_mutex_init(&d->acc_mu, NULL) != 0) {
		return HR_E_OUTOFMEMORY;
	}
	d->acc_mu_ok = true;
	names[n_names++] = d->netbios;
	names[n_names++] = d->dns;
	for (size_t i = 0; i < d->cfg->n_listen; i++) {
		const char *a = d->cfg->listen[i];

		if (strcmp(a, "0.0.0.0") != 0 && strcmp(a, "::") != 0) {
			names[n_names++] = a;
		}
	}
	names[n_names] = NULL;
	memset(&xc, 0, sizeof(xc));
	xc.binding_names = names;
	xc.authn_hint = (uint16_t)d->cfg->authn_hint;
	xc.ping_period_ms = d->cfg->ping_period_ms;
	xc.ping_misses = d->cfg->ping_misses;
	xc.check_access = dcom_access;
	xc.check_access_arg = d;
	xc.report_refusal = dcom_refused;
	xc.report_refusal_arg = d;
	xc.log = d->log;
	d->exp = dcom_exporter_new(d->mem, &d->loop, &xc);
	if (d->exp == NULL) {
		return HR_E_OUTOFMEMORY;
	}
	hr = dcom_exporter_register(d->exp, d->srv);
	if (hr_ok(hr)) {
		struct wmi_config wc = { .identity = wmi_identity,
			                 .identity_arg = d,
			                 .log = d->log };

		hr = wmi_register(d->exp, d->cimom, &wc);
	}
	if (hr_ok(hr)) {
		hr = announce(d, &scm_syntax, "OpenWMI DCOM activator",
		              WMID_ON_EPM_PORT);
	}
	if (hr_ok(hr)) {
		hr = announce(d, &oxid_syntax, "OpenWMI OXID resolver",
		              WMID_ON_EPM_PORT);
	}
	if (hr_failed(hr)) {
		say(d, LOG_LVL_ERROR, "cannot serve DCOM: %s", hr_message(hr));
	}
	return hr;
}

/* Announces every served interface on its listeners. */
static hresult fill_endpoint_map(struct wmid *d)
{
	const struct wmid_config *cfg = d->cfg;
	hresult hr = HR_OK;

	for (size_t k = 0; k < d->n_ifaces && hr_ok(hr); k++) {
		const struct iface_reg *r = &d->ifaces[k];

		for (size_t i = 0; i < cfg->n_listen && hr_ok(hr); i++) {
			uint8_t ip[4];

			if (!announce_ip(cfg->listen[i], ip)) {
				continue;
			}
			if (r->where & WMID_ON_EPM_PORT) {
				hr = epm_registry_add_tcp(d->epm, &r->syntax,
				                          NULL, r->annotation,
				                          ip, cfg->epm_port);
			}
			if (hr_ok(hr) && (r->where & WMID_ON_EXPORTER)) {
				hr = epm_registry_add_tcp(d->epm, &r->syntax,
				                          NULL, r->annotation,
				                          ip, d->exporter_port);
			}
		}
		if (hr_ok(hr)) {
			hr = epm_registry_add_ncalrpc(d->epm, &r->syntax, NULL,
			                              r->annotation,
			                              d->paths->socket);
		}
	}
	if (hr_failed(hr)) {
		say(d, LOG_LVL_ERROR, "cannot fill the endpoint map: %s",
		    hr_message(hr));
	}
	return hr;
}

static hresult start_rpc(struct wmid *d)
{
	struct rpc_server_config sc;
	hresult hr;

	server_config(d, &sc);
	d->max_connections = d->cfg->max_connections;
	d->srv = rpc_server_new(d->mem, &d->loop, &sc);
	d->epm = epm_registry_new(d->mem);
	if (d->srv == NULL || d->epm == NULL) {
		say(d, LOG_LVL_ERROR, "cannot create the RPC server");
		return HR_E_OUTOFMEMORY;
	}
	hr = epm_register(d->srv, d->epm);
	if (hr_ok(hr)) {
		/* The endpoint map lists the endpoint mapper itself. */
		hr = announce(d, &epm_syntax, "OpenWMI endpoint mapper",
		              WMID_ON_EPM_PORT);
	}
	if (hr_failed(hr)) {
		say(d, LOG_LVL_ERROR, "cannot serve the endpoint mapper: %s",
		    hr_message(hr));
		return hr;
	}
	if (hr_failed(hr = start_dcom(d))) {
		return hr;
	}
	if (d->hooks != NULL && d->hooks->setup != NULL) {
		d->in_setup = true;
		hr = d->hooks->setup(d->hooks->arg, d);
		d->in_setup = false;
		if (hr_failed(hr)) {
			say(d, LOG_LVL_ERROR, "interface set-up failed: %s",
			    hr_message(hr));
			return hr;
		}
	}
	if (hr_failed(hr = listen_all(d))) {
		return hr;
	}
	dcom_exporter_set_port(d->exp, d->exporter_port);
	return fill_endpoint_map(d);
}

/* ---- signals ---- */

static void on_handle_closed(uv_handle_t *h)
{
	(void)h;
}

static void on_server_stopped(void *arg)
{
	struct wmid *d = arg;

	d->stopped = true;
	/* No call runs any more: every exported object goes now. */
	dcom_exporter_shutdown(d->exp);
	if (d->signals_ok) {
		uv_close((uv_handle_t *)&d->sig_hup, on_handle_closed);
		uv_close((uv_handle_t *)&d->sig_term, on_handle_closed);
		uv_close((uv_handle_t *)&d->sig_int, on_handle_closed);
		d->signals_ok = false;
	}
}

static void stop(struct wmid *d, const char *why)
{
	if (d->stopping) {
		say(d, LOG_LVL_INFO, "%s: already stopping", why);
		return;
	}
	d->stopping = true;
	say(d, LOG_LVL_INFO, "stopping on %s", why);
	rpc_server_shutdown(d->srv, on_server_stopped, d);
}

static void reload(struct wmid *d)
{
	struct wmid_config *cfg = NULL;
	struct wmid_config *old = d->cfg;
	struct errinfo ei;
	hresult hr;

	talloc_free(d->config_path);
	d->config_path = find_config(d);
	err_clear(&ei);
	hr = read_config(d, &cfg, &ei);
	if (hr_failed(hr)) {
		say(d, LOG_LVL_ERROR,
		    "SIGHUP: %s; the running configuration stays",
		    ei.msg[0] != '\0' ? ei.msg : hr_message(hr));
		return;
	}
	if (cfg->log_level != old->log_level) {
		log_set_level(d->log, cfg->log_level);
	}
	d->max_connections = cfg->max_connections;
	/* Everything else is bound into listeners and the runtime. */
	if (cfg->epm_port != old->epm_port || cfg->port_min != old->port_min ||
	    cfg->port_max != old->port_max ||
	    cfg->exporter_port != old->exporter_port ||
	    cfg->n_listen != old->n_listen ||
	    cfg->max_connections_per_address !=
	            old->max_connections_per_address ||
	    cfg->max_fragment != old->max_fragment ||
	    cfg->max_message != old->max_message ||
	    cfg->idle_timeout != old->idle_timeout ||
	    cfg->min_auth_level != old->min_auth_level ||
	    cfg->allow_ntlmv1 != old->allow_ntlmv1 ||
	    cfg->ping_period_ms != old->ping_period_ms ||
	    cfg->ping_misses != old->ping_misses ||
	    cfg->authn_hint != old->authn_hint) {
		say(d, LOG_LVL_WARN,
		    "SIGHUP: listeners, ports, auth settings and limits other "
		    "than max_connections take effect at the next start");
	}
	d->cfg = cfg;
	talloc_free(old);
	say(d, LOG_LVL_INFO,
	    "SIGHUP: configuration reloaded from %s (log level %s, "
	    "max_connections %u)",
	    d->config_path != NULL ? d->config_path : "(defaults)",
	    wmid_log_level_name(cfg->log_level), cfg->max_connections);
}

static void on_signal(uv_signal_t *h, int signum)
{
	struct wmid *d = h->data;

	switch (signum) {
	case SIGHUP:
		reload(d);
		break;
	case SIGTERM:
		stop(d, "SIGTERM");
		break;
	default:
		stop(d, "SIGINT");
		break;
	}
}

static int start_signals(struct wmid *d)
{
	uv_signal_t *hs[3] = { &d->sig_hup, &d->sig_term, &d->sig_int };
	const int nums[3] = { SIGHUP, SIGTERM, SIGINT };

	signal(SIGPIPE, SIG_IGN);
	for (int i = 0; i < 3; i++) {
		if (uv_signal_init(&d->loop, hs[i]) != 0) {
			return -1;
		}
		hs[i]->data = d;
	}
	d->signals_ok = true;
	for (int i = 0; i < 3; i++) {
		if (uv_signal_start(hs[i], on_signal, nums[i]) != 0) {
			return -1;
		}
	}
	return 0;
}

/* ---- main ---- */

static int start(struct wmid *d)
{
	struct errinfo ei;
	hresult hr;
	int rc;

	d->config_path = find_config(d);
	err_clear(&ei);
	hr = read_config(d, &d->cfg, &ei);
	if (hr_failed(hr)) {
		say(d, LOG_LVL_ERROR, "%s",
		    ei.msg[0] != '\0' ? ei.msg : hr_message(hr));
		return 1;
	}
	default_names(d);
	err_clear(&ei);
	hr = wmid_paths_resolve(d->mem, d->opt_state_dir, d->cfg, &d->paths,
	                        &ei);
	if (hr_ok(hr)) {
		hr = wmid_paths_create_dirs(d->paths, &ei);
	}
	if (hr_failed(hr)) {
		fail_hr(d, "state folder", hr, &ei);
		return 1;
	}
	if (!d->foreground && (rc = detach(d)) >= 0) {
		return rc;
	}
	err_clear(&ei);
	hr = wmid_pidfile_acquire(d->mem, d->paths->pid_file, &d->pidfile, &ei);
	if (hr_failed(hr)) {
		say(d, LOG_LVL_ERROR, "%s", ei.msg);
		return 1;
	}
	d->log = log_open(d->mem, d->paths->log_file, d->cfg->log_level, true);
	if (d->log == NULL) {
		say(d, LOG_LVL_ERROR, "cannot open the log %s: %s",
		    d->paths->log_file, strerror(errno));
		return 1;
	}
	say(d, LOG_LVL_INFO,
	    "wmid %s starting (pid %ld, config %s, state %s, NetBIOS name %s)",
	    OWMI_VERSION, (long)getpid(),
	    d->config_path != NULL ? d->config_path : "(defaults)",
	    d->paths->state_dir, d->netbios);
	if (hr_failed(open_repository(d)) || hr_failed(open_accounts(d))) {
		return 1;
	}
	if (uv_loop_init(&d->loop) != 0) {
		say(d, LOG_LVL_ERROR, "cannot create the event loop");
		return 1;
	}
	d->loop_ok = true;
	if (hr_failed(start_rpc(d))) {
		return 1;
	}
	if (start_signals(d) != 0) {
		say(d, LOG_LVL_ERROR, "cannot install signal handlers");
		return 1;
	}
	say(d, LOG_LVL_INFO,
	    "ready: pid %ld, endpoint mapper port %u, exporter port %u, "
	    "socket %s, %zu endpoint(s) registered",
	    (long)getpid(), d->cfg->epm_port, d->exporter_port,
	    d->paths->socket, epm_registry_count(d->epm));
	return -1;
}

/* Frees everything in reverse order of creation; the loop must be idle
 * (after a shutdown) or never have run listeners. */
static void teardown(struct wmid *d)
{
	if (d->srv != NULL && !d->stopped) {
		/* A start-up failure after the server existed. */
		rpc_server_shutdown(d->srv, on_server_stopped, d);
		if (!d->signals_ok) {
			while (!d->stopped &&
			       uv_run(&d->loop, UV_RUN_ONCE) != 0) {
			}
		}
	}
	if (d->loop_ok) {
		if (d->signals_ok) {
			on_server_stopped(d);
		}
		uv_run(&d->loop, UV_RUN_DEFAULT);
	}
	TALLOC_FREE(d->srv);
	TALLOC_FREE(d->exp);
	TALLOC_FREE(d->acc_check);
	if (d->acc_mu_ok) {
		pthread_mutex_destroy(&d->acc_mu);
		d->acc_mu_ok = false;
	}
	if (d->loop_ok && uv_loop_close(&d->loop) != 0) {
		say(d, LOG_LVL_WARN, "event loop closed with handles open");
	}
	/* The provider registry unhooks itself from the object manager in
	 * its destructor: it goes first. */
	TALLOC_FREE(d->provreg);
	TALLOC_FREE(d->cimom);
	if (d->repo != NULL) {
		repo_close(d->repo);
		d->repo = NULL;
	}
	TALLOC_FREE(d->acc);
}

int wmid_main(int argc, char **argv, const struct wmid_hooks *hooks)
{
	struct wmid d;
	int rc;

	memset(&d, 0, sizeof(d));
	d.ready_fd = -1;
	d.hooks = hooks;
	d.mem = talloc_new(NULL);
	if (d.mem == NULL) {
		fputs("wmid: out of memory\n", stderr);
		return 1;
	}
	umask(022);
	rc = parse_options(&d, argc, argv);
	if (rc >= 0) {
		talloc_free(d.mem);
		return rc;
	}
	rc = start(&d);
	if (rc < 0) {
		report_ready(&d, 0);
		uv_run(&d.loop, UV_RUN_DEFAULT);
		rc = 0;
	} else {
		report_ready(&d, (uint8_t)rc);
	}
	teardown(&d);
	if (d.log != NULL) {
		say(&d, rc == 0 ? LOG_LVL_INFO : LOG_LVL_ERROR,
		    rc == 0 ? "stopped" : "start-up failed; stopped");
	}
	/* Last: the pid file goes when everything else is closed. */
	talloc_free(d.mem);
	return rc;
}
