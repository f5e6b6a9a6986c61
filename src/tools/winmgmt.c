/*
 * winmgmt: offline maintenance of the WMI repository file, with the
 * switches of Windows' winmgmt.exe (tools layer over src/repo; the MOF
 * compiler recompiles autorecover MOFs for salvage and reset).
 *
 *   winmgmt [--repository PATH | --state-dir DIR] SWITCH
 *     /verifyrepository [PATH]   --verify-repository [PATH]
 *     /salvagerepository         --salvage-repository
 *     /resetrepository           --reset-repository
 *     /backup FILE               --backup FILE
 *     /restore FILE [0|1]        --restore FILE [0|1]
 *     /?                         --help
 *
 * Switches take '/' or '-' and any case, as on Windows.  The repository
 * is DIR/repository.db with --state-dir, else REPO_DEFAULT_PATH.  The
 * service must not be using the file (these are offline operations).
 *
 * Exit status: 0 success (and a consistent repository), 1 inconsistent
 * repository, 2 failure (the error code is printed), 64 usage error.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <talloc.h>

#include "base/buf.h"
#include "base/errinfo.h"
#include "base/hresult.h"
#include "repo/repo.h"
#ifdef OWMI_HAVE_MOF
#include "mof/mof.h"
#endif

#define EXIT_INCONSISTENT 1
#define EXIT_FAILED       2
#define EXIT_USAGE        64

enum op {
	OP_NONE,
	OP_VERIFY,
	OP_SALVAGE,
	OP_RESET,
	OP_BACKUP,
	OP_RESTORE,
	OP_HELP,
};

struct args {
	enum op op;
	const char *repository;
	const char *state_dir;
	const char *file;  /* verify PATH, backup FILE, restore FILE */
	const char *force; /* restore 0|1 */
};

static void usage(FILE *f)
{
	fputs("Usage: winmgmt [--repository PATH | --state-dir DIR] SWITCH\n"
	      "\n"
	      "  /verifyrepository [PATH]  check the repository (or a copy "
	      "at PATH)\n"
	      "  /salvagerepository        rebuild an inconsistent "
	      "repository,\n"
	      "                            keeping what reads cleanly\n"
	      "  /resetrepository          rebuild the repository from the "
	      "autorecover MOFs\n"
	      "  /backup FILE              copy the repository to FILE\n"
	      "  /restore FILE [0|1]       replace the repository with the "
	      "backup FILE\n"
	      "  /?                        this text\n"
	      "\n"
	      "Switches accept '/' or '-' and any case; GNU spellings: "
	      "--verify-repository,\n"
	      "--salvage-repository, --reset-repository, --backup, "
	      "--restore, --help.\n"
	      "The repository is DIR/repository.db with --state-dir, else " REPO_DEFAULT_PATH
	      ".\n",
	      f);
}

static enum op switch_op(const char *name)
{
	static const struct {
		const char *name;
		enum op op;
	} map[] = {
		{ "verifyrepository", OP_VERIFY },
		{ "verify-repository", OP_VERIFY },
		{ "salvagerepository", OP_SALVAGE },
		{ "salvage-repository", OP_SALVAGE },
		{ "resetrepository", OP_RESET },
		{ "reset-repository", OP_RESET },
		{ "backup", OP_BACKUP },
		{ "restore", OP_RESTORE },
		{ "?", OP_HELP },
		{ "help", OP_HELP },
	};

	for (size_t i = 0; i < sizeof(map) / sizeof(map[0]); i++) {
		if (strcasecmp(name, map[i].name) == 0) {
			return map[i].op;
		}
	}
	return OP_NONE;
}

/* Returns the value of "--opt VALUE" or "--opt=VALUE" at argv[*i]. */
static const char *opt_value(int argc, char **argv, int *i, const char *opt)
{
	size_t n = strlen(opt);

	if (strncmp(argv[*i], opt, n) != 0) {
		return NULL;
	}
	if (argv[*i][n] == '=') {
		return argv[*i] + n + 1;
	}
	if (argv[*i][n] == '\0' && *i + 1 < argc) {
		return argv[++*i];
	}
	return NULL;
}

static bool is_switch(const char *a)
{
	return (a[0] == '/' || a[0] == '-') && a[1] != '\0';
}

/* True when [a] is a switch this tool knows ("/tmp/x.db" is a path). */
static bool is_known_switch(const char *a)
{
	if (!is_switch(a)) {
		return false;
	}
	if (strncmp(a, "--", 2) == 0) {
		return true;
	}
	return switch_op(a + 1) != OP_NONE;
}

static int parse(int argc, char **argv, struct args *a)
{
	for (int i = 1; i < argc; i++) {
		const char *v;
		enum op op;

		if ((v = opt_value(argc, argv, &i, "--repository")) != NULL) {
			a->repository = v;
			continue;
		}
		if ((v = opt_value(argc, argv, &i, "--state-dir")) != NULL) {
			a->state_dir = v;
			continue;
		}
		if (!is_switch(argv[i])) {
			fprintf(stderr, "winmgmt: unexpected argument '%s'\n",
			        argv[i]);
			return -1;
		}
		op = switch_op(argv[i] +
		               (strncmp(argv[i], "--", 2) == 0 ? 2 : 1));
		if (op == OP_NONE) {
			fprintf(stderr, "winmgmt: unknown switch '%s'\n",
			        argv[i]);
			return -1;
		}
		if (a->op != OP_NONE && a->op != op) {
			fprintf(stderr, "winmgmt: only one switch at a time\n");
			return -1;
		}
		a->op = op;
		/* Operands: the next non-switch arguments. */
		if (i + 1 < argc && !is_known_switch(argv[i + 1]) &&
		    (op == OP_VERIFY || op == OP_BACKUP || op == OP_RESTORE)) {
			a->file = argv[++i];
		}
		if (op == OP_RESTORE && i + 1 < argc &&
		    (strcmp(argv[i + 1], "0") == 0 ||
		     strcmp(argv[i + 1], "1") == 0)) {
			a->force = argv[++i];
		}
	}
	if (a->op == OP_NONE) {
		fprintf(stderr, "winmgmt: no switch given\n");
		return -1;
	}
	if ((a->op == OP_BACKUP || a->op == OP_RESTORE) && a->file == NULL) {
		fprintf(stderr, "winmgmt: %s needs a file name\n",
		        a->op == OP_BACKUP ? "/backup" : "/restore");
		return -1;
	}
	return 0;
}

static int failed(const char *what, hresult hr, const struct errinfo *ei)
{
	printf("WMI repository %s failed\n", what);
	printf("Error code: 0x%08X\n", hr.v);
	printf("%s: %s\n", hr_name(hr), hr_message(hr));
	if (ei != NULL && ei->msg[0] != '\0') {
		printf("%s\n", ei->msg);
	}
	return EXIT_FAILED;
}

static int do_verify(const char *path)
{
	struct buf report;
	hresult hr;
	int rc;

	buf_init(&report, NULL);
	hr = repo_verify(path, &report);
	if (hr_ok(hr)) {
		printf("WMI repository is consistent\n");
		rc = 0;
	} else if (hr_eq(hr, HR_HR_ERROR_INTERNAL_DB_CORRUPTION)) {
		printf("WMI repository is inconsistent\n");
		fputs(report.data, stdout);
		rc = EXIT_INCONSISTENT;
	} else {
		rc = failed("verification", hr, NULL);
	}
	buf_release(&report);
	return rc;
}

#ifdef OWMI_HAVE_MOF
static repo_compile_fn *const compile_fn = mof_repo_compile;
#else
/* Built without src/mof: salvage and reset cannot recompile MOFs. */
static hresult no_compiler(void *arg,
                           struct repo *r,
                           const char *mof_path,
                           struct errinfo *ei)
{
	(void)arg;
	(void)r;
	return err_set(ei, HR_E_NOTIMPL, "winmgmt",
	               "cannot recompile '%s': built without the MOF compiler "
	               "(src/mof)",
	               mof_path);
}
static repo_compile_fn *const compile_fn = no_compiler;
#endif

static int do_rebuild(const char *path, bool reset)
{
	struct buf report;
	struct errinfo ei;
	hresult hr;
#ifdef OWMI_HAVE_MOF
	struct mof_options opts = { 0 };
	void *arg = &opts;
#else
	void *arg = NULL;
#endif

	buf_init(&report, NULL);
	err_clear(&ei);
	hr = reset ? repo_reset(path, compile_fn, arg, &report, &ei)
	           : repo_salvage(path, compile_fn, arg, &report, &ei);
	if (hr_failed(hr)) {
		buf_release(&report);
		return failed(reset ? "reset" : "salvage", hr, &ei);
	}
	printf("WMI repository has been %s\n", reset ? "reset" : "salvaged");
	fputs(report.data, stdout);
	buf_release(&report);
	return 0;
}

static int do_backup(const char *path, const char *file)
{
	struct repo *r = NULL;
	struct errinfo ei;
	hresult hr;

	err_clear(&ei);
	hr = repo_open(NULL, path, REPO_OPEN_READONLY, &r, &ei);
	if (hr_ok(hr)) {
		hr = repo_backup(r, file, &ei);
	}
	repo_close(r);
	if (hr_failed(hr)) {
		return failed("backup", hr, &ei);
	}
	printf("WMI repository has been backed up to %s\n", file);
	return 0;
}

static int do_restore(const char *path, const char *file)
{
	struct errinfo ei;
	hresult hr;

	err_clear(&ei);
	hr = repo_restore(file, path, &ei);
	if (hr_failed(hr)) {
		return failed("restore", hr, &ei);
	}
	printf("WMI repository has been restored from %s\n", file);
	return 0;
}

int main(int argc, char **argv)
{
	struct args a = { .op = OP_NONE };
	char *path = NULL;
	int rc;

	if (parse(argc, argv, &a) != 0) {
		usage(stderr);
		return EXIT_USAGE;
	}
	if (a.op == OP_HELP) {
		usage(stdout);
		return 0;
	}
	if (a.repository != NULL) {
		path = talloc_strdup(NULL, a.repository);
	} else if (a.state_dir != NULL) {
		path = talloc_asprintf(NULL, "%s/repository.db", a.state_dir);
	} else {
		path = talloc_strdup(NULL, REPO_DEFAULT_PATH);
	}
	if (path == NULL) {
		return failed("operation", HR_E_OUTOFMEMORY, NULL);
	}
	switch (a.op) {
	case OP_VERIFY:
		rc = do_verify(a.file != NULL ? a.file : path);
		break;
	case OP_SALVAGE:
		rc = do_rebuild(path, false);
		break;
	case OP_RESET:
		rc = do_rebuild(path, true);
		break;
	case OP_BACKUP:
		rc = do_backup(path, a.file);
		break;
	case OP_RESTORE:
		rc = do_restore(path, a.file);
		break;
	default:
		usage(stderr);
		rc = EXIT_USAGE;
		break;
	}
	talloc_free(path);
	return rc;
}
