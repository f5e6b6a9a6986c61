/*
 * wmiuser: administers OpenWMI's own accounts (tools; DESIGN.md 6, 7).
 *
 * NAME
 *   wmiuser - add, remove and list OpenWMI accounts and group members
 * SYNOPSIS
 *   wmiuser [--state-dir DIR | --accounts FILE] add NAME [--group G]...
 *   wmiuser [...] del NAME | list | passwd NAME
 *   wmiuser [...] group add|del GROUP NAME | group list [GROUP]
 * DESCRIPTION
 *   Opens the account store directly (DIR/accounts.db, FILE, or
 *   /var/lib/openwmi/accounts.db).  Passwords are read from standard input:
 *   its first line, without the line end, when it is not a terminal;
 *   otherwise from a prompt, twice, with echo off.  A password is never
 *   taken from the command line, where every local user could read it.
 * EXAMPLE
 *   echo 'Passw0rd!' | wmiuser --state-dir /tmp/s add alice \
 *       --group Administrators
 * EXIT STATUS
 *   0 success; 1 the operation failed (the HRESULT name, value and message
 *   are printed); 2 usage error.
 *
 * This file is a composition root: the saved terminal state below is the
 * only mutable global, needed to restore echo from a signal handler.
 */
#include <errno.h>
#include <signal.h>
#include <stdbool.h>
#include <stdio.h>
#include <string.h>
#include <strings.h>
#include <sys/stat.h>
#include <talloc.h>
#include <termios.h>
#include <unistd.h>

#include "base/errinfo.h"
#include "base/hresult.h"
#include "security/accounts.h"

#define PASSWORD_LINE_MAX 4096

static struct termios saved_tty;
static volatile sig_atomic_t tty_changed;

static const char usage_text[] =
        "usage: wmiuser [--state-dir DIR | --accounts FILE] COMMAND\n"
        "commands:\n"
        "  add NAME [--group GROUP]...  add a user (password on stdin)\n"
        "  del NAME                     delete a user\n"
        "  list                         list users, RIDs, SIDs and groups\n"
        "  passwd NAME                  set a user's password\n"
        "  group add GROUP NAME         make NAME a member of GROUP\n"
        "  group del GROUP NAME         remove NAME from GROUP\n"
        "  group list [GROUP]           list groups and their members\n"
        "The accounts file is DIR/accounts.db with --state-dir, else "
        "FILE,\nelse " SEC_ACCOUNTS_DEFAULT_PATH ".\n"
        "Passwords are read from standard input (its first line) when it is\n"
        "not a terminal, else prompted for twice without echo.\n";

static int usage(const char *why)
{
	if (why != NULL) {
		fprintf(stderr, "wmiuser: %s\n", why);
	}
	fputs(usage_text, stderr);
	return 2;
}

static int fail(hresult hr, const struct errinfo *ei)
{
	fprintf(stderr, "wmiuser: %s (0x%08X): %s\n", hr_name(hr),
	        (unsigned)hr.v,
	        ei != NULL && ei->msg[0] != '\0' ? ei->msg : hr_message(hr));
	return 1;
}

static void restore_tty(void)
{
	if (tty_changed) {
		tcsetattr(STDIN_FILENO, TCSANOW, &saved_tty);
		tty_changed = 0;
	}
}

static void on_signal(int sig)
{
	restore_tty();
	signal(sig, SIG_DFL);
	raise(sig);
}

/*
 * Reads one line (without "\n" or "\r\n") from [f] into [out].  Returns
 * false at end of input or when the line is too long.
 */
static bool read_line(FILE *f, char *out, size_t size)
{
	size_t n;

	if (fgets(out, (int)size, f) == NULL) {
		return false;
	}
	n = strlen(out);
	if (n > 0 && out[n - 1] == '\n') {
		out[--n] = '\0';
		if (n > 0 && out[n - 1] == '\r') {
			out[--n] = '\0';
		}
	} else if (n == size - 1 && !feof(f)) {
		return false;
	}
	return true;
}

static bool prompt(const char *text, char *out, size_t size)
{
	struct termios quiet;
	bool ok;

	/* Echo goes off before the prompt shows, and type-ahead is kept. */
	if (tcgetattr(STDIN_FILENO, &saved_tty) == 0) {
		quiet = saved_tty;
		quiet.c_lflag &= (tcflag_t) ~(ECHO | ECHOE | ECHOK | ECHONL);
		signal(SIGINT, on_signal);
		signal(SIGTERM, on_signal);
		signal(SIGTSTP, on_signal);
		if (tcsetattr(STDIN_FILENO, TCSANOW, &quiet) == 0) {
			tty_changed = 1;
		}
	}
	fputs(text, stderr);
	fflush(stderr);
	ok = read_line(stdin, out, size);
	restore_tty();
	fputc('\n', stderr);
	return ok;
}

/* Gets the password for [user] into [pw] (PASSWORD_LINE_MAX bytes). */
static int get_password(const char *user, char *pw)
{
	char again[PASSWORD_LINE_MAX];
	char text[128];

	if (!isatty(STDIN_FILENO)) {
		if (!read_line(stdin, pw, PASSWORD_LINE_MAX)) {
			fprintf(stderr, "wmiuser: no password on standard "
			                "input (or a line over 4 KiB)\n");
			return 1;
		}
		return 0;
	}
	snprintf(text, sizeof(text), "New password for %s: ", user);
	if (!prompt(text, pw, PASSWORD_LINE_MAX) ||
	    !prompt("Retype the password: ", again, sizeof(again))) {
		fprintf(stderr, "wmiuser: no password given\n");
		return 1;
	}
	if (strcmp(pw, again) != 0) {
		explicit_bzero(again, sizeof(again));
		fprintf(stderr, "wmiuser: the passwords do not match\n");
		return 1;
	}
	explicit_bzero(again, sizeof(again));
	return 0;
}

static bool is_password_option(const char *a)
{
	return strcmp(a, "--password") == 0 || strcmp(a, "-p") == 0 ||
	       strncmp(a, "--password=", 11) == 0 ||
	       strcmp(a, "--passwd") == 0 || strncmp(a, "--passwd=", 9) == 0;
}

static int open_store(void *mem,
                      const char *path,
                      bool create,
                      struct sec_accounts **acc)
{
	struct errinfo ei;
	hresult hr;

	err_clear(&ei);
	hr = sec_accounts_open(mem, path, create, acc, &ei);
	if (hr_failed(hr)) {
		return fail(hr, &ei);
	}
	if (sec_accounts_warning(*acc) != NULL) {
		fprintf(stderr, "wmiuser: warning: %s\n",
		        sec_accounts_warning(*acc));
	}
	return 0;
}

static int cmd_add(void *mem,
                   const char *path,
                   const char *state_dir,
                   int argc,
                   char **argv)
{
	const char *name = NULL;
	const char **groups = talloc_array(mem, const char *, argc + 1);
	size_t n_groups = 0;
	struct sec_accounts *acc = NULL;
	struct sec_group_info *info = NULL;
	size_t n_info = 0;
	char pw[PASSWORD_LINE_MAX];
	struct errinfo ei;
	hresult hr;
	int rc;

	for (int i = 0; i < argc; i++) {
		if (strcmp(argv[i], "--group") == 0 && i + 1 < argc) {
			groups[n_groups++] = argv[++i];
		} else if (strncmp(argv[i], "--group=", 8) == 0) {
			groups[n_groups++] = argv[i] + 8;
		} else if (argv[i][0] == '-' || name != NULL) {
			return usage("add: unexpected argument");
		} else {
			name = argv[i];
		}
	}
	if (name == NULL) {
		return usage("add: which user?");
	}
	if (state_dir != NULL && mkdir(state_dir, 0700) != 0 &&
	    errno != EEXIST) {
		fprintf(stderr, "wmiuser: cannot create %s: %s\n", state_dir,
		        strerror(errno));
		return 1;
	}
	if ((rc = open_store(mem, path, true, &acc)) != 0) {
		return rc;
	}
	err_clear(&ei);
	for (size_t i = 0; i < n_groups; i++) {
		hr = sec_group_list(acc, mem, groups[i], &info, &n_info, &ei);
		if (hr_failed(hr)) {
			return fail(hr, &ei);
		}
	}
	if ((rc = get_password(name, pw)) != 0) {
		return rc;
	}
	hr = sec_user_add(acc, name, pw, &ei);
	explicit_bzero(pw, sizeof(pw));
	if (hr_failed(hr)) {
		return fail(hr, &ei);
	}
	for (size_t i = 0; i < n_groups; i++) {
		hr = sec_group_add_member(acc, groups[i], name, &ei);
		if (hr_failed(hr) && !hr_eq(hr, HR_WBEM_E_ALREADY_EXISTS)) {
			return fail(hr, &ei);
		}
		err_clear(&ei);
	}
	return 0;
}

static int cmd_del(void *mem, const char *path, int argc, char **argv)
{
	struct sec_accounts *acc = NULL;
	struct errinfo ei;
	hresult hr;
	int rc;

	if (argc != 1) {
		return usage("del: give exactly one user name");
	}
	if ((rc = open_store(mem, path, false, &acc)) != 0) {
		return rc;
	}
	err_clear(&ei);
	hr = sec_user_del(acc, argv[0], &ei);
	return hr_failed(hr) ? fail(hr, &ei) : 0;
}

static int cmd_passwd(void *mem, const char *path, int argc, char **argv)
{
	struct sec_accounts *acc = NULL;
	struct sec_user_info *users = NULL;
	size_t n = 0;
	bool known = false;
	char pw[PASSWORD_LINE_MAX];
	struct errinfo ei;
	hresult hr;
	int rc;

	if (argc != 1) {
		return usage("passwd: give exactly one user name");
	}
	if ((rc = open_store(mem, path, false, &acc)) != 0) {
		return rc;
	}
	err_clear(&ei);
	if (hr_failed(hr = sec_user_list(acc, mem, &users, &n, &ei))) {
		return fail(hr, &ei);
	}
	for (size_t i = 0; i < n; i++) {
		known = known || strcasecmp(users[i].name, argv[0]) == 0;
	}
	if (!known) {
		err_set(&ei, HR_WBEM_E_NOT_FOUND, "wmiuser", "no user named %s",
		        argv[0]);
		return fail(HR_WBEM_E_NOT_FOUND, &ei);
	}
	if ((rc = get_password(argv[0], pw)) != 0) {
		return rc;
	}
	hr = sec_user_passwd(acc, argv[0], pw, &ei);
	explicit_bzero(pw, sizeof(pw));
	return hr_failed(hr) ? fail(hr, &ei) : 0;
}

static int cmd_list(void *mem, const char *path, int argc)
{
	struct sec_accounts *acc = NULL;
	struct sec_user_info *users = NULL;
	size_t n = 0;
	struct errinfo ei;
	hresult hr;
	int rc;

	if (argc != 0) {
		return usage("list takes no arguments");
	}
	if ((rc = open_store(mem, path, false, &acc)) != 0) {
		return rc;
	}
	err_clear(&ei);
	if (hr_failed(hr = sec_user_list(acc, mem, &users, &n, &ei))) {
		return fail(hr, &ei);
	}
	size_t w_name = 4;
	size_t w_sid = 3;
	char sid[SEC_SID_STRING_MAX];

	for (size_t i = 0; i < n; i++) {
		size_t k = strlen(sec_sid_format(&users[i].sid, sid));

		w_sid = k > w_sid ? k : w_sid;
		k = strlen(users[i].name);
		w_name = k > w_name ? k : w_name;
	}
	printf("%-*s  %-6s  %-*s  %s\n", (int)w_name, "Name", "RID", (int)w_sid,
	       "SID", "Groups");
	for (size_t i = 0; i < n; i++) {
		printf("%-*s  %-6u  %-*s  ", (int)w_name, users[i].name,
		       (unsigned)users[i].rid, (int)w_sid,
		       sec_sid_format(&users[i].sid, sid));
		for (size_t g = 0; g < users[i].n_groups; g++) {
			printf("%s%s", g > 0 ? ", " : "", users[i].groups[g]);
		}
		putchar('\n');
	}
	return 0;
}

static int cmd_group(void *mem, const char *path, int argc, char **argv)
{
	struct sec_accounts *acc = NULL;
	struct sec_group_info *groups = NULL;
	size_t n = 0;
	struct errinfo ei;
	hresult hr;
	int rc;

	if (argc < 1) {
		return usage("group: add, del or list?");
	}
	if (strcmp(argv[0], "list") == 0) {
		if (argc > 2) {
			return usage("group list: at most one group");
		}
	} else if (strcmp(argv[0], "add") == 0 || strcmp(argv[0], "del") == 0) {
		if (argc != 3) {
			return usage("group add|del: give GROUP and NAME");
		}
	} else {
		return usage("group: add, del or list?");
	}
	if ((rc = open_store(mem, path, false, &acc)) != 0) {
		return rc;
	}
	err_clear(&ei);
	if (strcmp(argv[0], "add") == 0) {
		hr = sec_group_add_member(acc, argv[1], argv[2], &ei);
		return hr_failed(hr) ? fail(hr, &ei) : 0;
	}
	if (strcmp(argv[0], "del") == 0) {
		hr = sec_group_remove_member(acc, argv[1], argv[2], &ei);
		return hr_failed(hr) ? fail(hr, &ei) : 0;
	}
	hr = sec_group_list(acc, mem, argc == 2 ? argv[1] : NULL, &groups, &n,
	                    &ei);
	if (hr_failed(hr)) {
		return fail(hr, &ei);
	}
	for (size_t i = 0; i < n; i++) {
		char sid[SEC_SID_STRING_MAX];

		printf("%s (%s):", groups[i].name,
		       sec_sid_format(&groups[i].sid, sid));
		for (size_t m = 0; m < groups[i].n_members; m++) {
			printf("%s%s", m > 0 ? ", " : " ",
			       groups[i].members[m]);
		}
		putchar('\n');
	}
	return 0;
}

int main(int argc, char **argv)
{
	void *mem = talloc_new(NULL);
	const char *state_dir = NULL;
	const char *file = NULL;
	const char *path = SEC_ACCOUNTS_DEFAULT_PATH;
	int i = 1;
	int rc;

	for (int k = 1; k < argc; k++) {
		if (is_password_option(argv[k])) {
			fprintf(stderr,
			        "wmiuser: refusing %s: a password on the "
			        "command line can be read by every local user "
			        "(ps, /proc/PID/cmdline) and stays in shell "
			        "history; give it on standard input instead, "
			        "e.g. echo 'secret' | wmiuser add NAME\n",
			        argv[k]);
			talloc_free(mem);
			return 2;
		}
		if (strcmp(argv[k], "--help") == 0 ||
		    strcmp(argv[k], "-h") == 0) {
			fputs(usage_text, stdout);
			talloc_free(mem);
			return 0;
		}
	}
	while (i < argc && argv[i][0] == '-') {
		if (strcmp(argv[i], "--state-dir") == 0 && i + 1 < argc) {
			state_dir = argv[i + 1];
			i += 2;
		} else if (strcmp(argv[i], "--accounts") == 0 && i + 1 < argc) {
			file = argv[i + 1];
			i += 2;
		} else {
			talloc_free(mem);
			return usage("unknown option");
		}
	}
	if (state_dir != NULL && file != NULL) {
		talloc_free(mem);
		return usage("give --state-dir or --accounts, not both");
	}
	if (file != NULL) {
		path = file;
	} else if (state_dir != NULL) {
		path = talloc_asprintf(mem, "%s/accounts.db", state_dir);
	}
	if (i >= argc) {
		rc = usage("which command?");
	} else if (strcmp(argv[i], "add") == 0) {
		rc = cmd_add(mem, path, state_dir, argc - i - 1, argv + i + 1);
	} else if (strcmp(argv[i], "del") == 0) {
		rc = cmd_del(mem, path, argc - i - 1, argv + i + 1);
	} else if (strcmp(argv[i], "passwd") == 0) {
		rc = cmd_passwd(mem, path, argc - i - 1, argv + i + 1);
	} else if (strcmp(argv[i], "list") == 0) {
		rc = cmd_list(mem, path, argc - i - 1);
	} else if (strcmp(argv[i], "group") == 0) {
		rc = cmd_group(mem, path, argc - i - 1, argv + i + 1);
	} else {
		rc = usage("unknown command");
	}
	talloc_free(mem);
	return rc;
}
