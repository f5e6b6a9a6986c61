/*
 * mofcomp: the MOF compiler tool (tools layer; Windows mofcomp.exe's
 * switches and output, reference section 5.3).
 *
 *   mofcomp [-check] [-N:namespace] [-class:createonly|forceupdate|
 *           safeupdate|updateonly] [-instance:updateonly|createonly]
 *           [-autorecover] [-offline [REPO] | --repository REPO |
 *           --state-dir DIR] file.mof
 *
 * Windows switches start with '-' or '/' and are case-insensitive; GNU
 * long options (--check, --namespace=, --class=, --instance=,
 * --autorecover, --offline=, --repository=, --state-dir=, --help) work
 * too.  Until wmid serves local clients, storing needs an offline
 * repository file.
 *
 * Exit status: 0 success, 1 semantic or repository error (or no
 * repository), 2 invalid switch, 3 MOF syntax error.
 */
#include <errno.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <talloc.h>
#include <unistd.h>

#include "base/errinfo.h"
#include "base/hresult.h"
#include "mof/mof.h"
#include "repo/repo.h"

enum {
	EXIT_OK = 0,
	EXIT_SEMANTIC = 1,
	EXIT_SWITCH = 2,
	EXIT_SYNTAX = 3,
};

struct args {
	struct mof_options o;
	const char *file;
	const char *repo;      /* NULL: no repository chosen */
	const char *state_dir; /* --state-dir */
	bool offline;          /* -offline given (maybe without a path) */
	bool help;
};

static void usage(FILE *f)
{
	fprintf(f,
	        "Usage: mofcomp [-check] [-N:<namespace>]\n"
	        "               [-class:createonly|forceupdate|safeupdate|"
	        "updateonly]\n"
	        "               [-instance:updateonly|createonly] "
	        "[-autorecover]\n"
	        "               [-offline [REPO] | --repository REPO | "
	        "--state-dir DIR]\n"
	        "               <file.mof>\n"
	        "\n"
	        "  -check            syntax check only; no repository is "
	        "opened or changed\n"
	        "  -N:<namespace>    namespace to compile into (default "
	        "root\\default);\n"
	        "                    #pragma namespace in the file takes "
	        "priority\n"
	        "  -class:<mode>     createonly: fail if a class exists; "
	        "updateonly: fail if\n"
	        "                    it does not; safeupdate / forceupdate: "
	        "update classes\n"
	        "                    that have subclasses\n"
	        "  -instance:<mode>  createonly or updateonly, for instances\n"
	        "  -autorecover      add the file to the repository's "
	        "autorecover list\n"
	        "  -offline [REPO]   store directly into the repository file "
	        "REPO\n"
	        "                    (default %s; created if missing)\n"
	        "  --repository REPO same as -offline REPO\n"
	        "  --state-dir DIR   use DIR/repository.db\n"
	        "  --help            this text\n"
	        "\n"
	        "Switches may start with '-' or '/' and are case-insensitive; "
	        "GNU forms\n"
	        "--check, --namespace=NS, --class=MODE, --instance=MODE, "
	        "--autorecover,\n"
	        "--offline=REPO work as well.\n"
	        "\n"
	        "The wmid service does not accept MOF compiles yet: storing "
	        "needs -offline,\n"
	        "--repository or --state-dir.  Stop wmid before writing its "
	        "repository.\n"
	        "\n"
	        "Exit status: 0 success, 1 semantic or repository error, 2 "
	        "invalid switch,\n"
	        "3 MOF syntax error.\n",
	        REPO_DEFAULT_PATH);
}

static int bad_switch(const char *arg, const char *why)
{
	fprintf(stderr, "mofcomp: invalid switch '%s'%s%s\n", arg,
	        why ? ": " : "", why ? why : "");
	fprintf(stderr, "Try 'mofcomp --help'.\n");
	return EXIT_SWITCH;
}

static bool class_mode(const char *v, unsigned *flags)
{
	if (strcasecmp(v, "createonly") == 0) {
		*flags = MOF_CLASS_CREATE_ONLY;
	} else if (strcasecmp(v, "updateonly") == 0) {
		*flags = MOF_CLASS_UPDATE_ONLY;
	} else if (strcasecmp(v, "safeupdate") == 0) {
		*flags = MOF_CLASS_SAFE_UPDATE;
	} else if (strcasecmp(v, "forceupdate") == 0) {
		*flags = MOF_CLASS_FORCE_UPDATE;
	} else {
		return false;
	}
	return true;
}

static bool instance_mode(const char *v, unsigned *flags)
{
	if (strcasecmp(v, "createonly") == 0) {
		*flags = MOF_INSTANCE_CREATE_ONLY;
	} else if (strcasecmp(v, "updateonly") == 0) {
		*flags = MOF_INSTANCE_UPDATE_ONLY;
	} else {
		return false;
	}
	return true;
}

/* Matches "name" or "name:value"/"name=value"; *val gets the value. */
static bool opt_is(const char *s, const char *name, const char **val)
{
	size_t n = strlen(name);

	if (strncasecmp(s, name, n) != 0) {
		return false;
	}
	if (s[n] == '\0') {
		*val = NULL;
		return true;
	}
	if (s[n] == ':' || s[n] == '=') {
		*val = s + n + 1;
		return true;
	}
	return false;
}

static bool is_mof_name(const char *s)
{
	size_t n = strlen(s);

	return n >= 4 && (strcasecmp(s + n - 4, ".mof") == 0 ||
	                  strcasecmp(s + n - 4, ".mfl") == 0);
}

/* Handles one switch (without its leading '-', '--' or '/'). */
static int one_switch(struct args *a,
                      const char *arg,
                      const char *s,
                      int argc,
                      char **argv,
                      int *i,
                      bool slash)
{
	const char *v = NULL;

	if (strcmp(s, "?") == 0 || opt_is(s, "help", &v) ||
	    strcmp(s, "h") == 0) {
		a->help = true;
	} else if (opt_is(s, "check", &v) && v == NULL) {
		a->o.check_only = true;
	} else if (opt_is(s, "autorecover", &v) && v == NULL) {
		a->o.autorecover = true;
	} else if ((s[0] == 'N' || s[0] == 'n') && s[1] == ':') {
		if (s[2] == '\0') {
			return bad_switch(arg, "empty namespace");
		}
		a->o.default_ns = s + 2;
	} else if (opt_is(s, "namespace", &v)) {
		if (v == NULL && *i + 1 < argc) {
			v = argv[++*i];
		}
		if (v == NULL || *v == '\0') {
			return bad_switch(arg, "expected a namespace");
		}
		a->o.default_ns = v;
	} else if (opt_is(s, "class", &v)) {
		if (v == NULL || !class_mode(v, &a->o.class_flags)) {
			return bad_switch(arg, "expected createonly, "
			                       "forceupdate, safeupdate or "
			                       "updateonly");
		}
	} else if (opt_is(s, "instance", &v)) {
		if (v == NULL || !instance_mode(v, &a->o.instance_flags)) {
			return bad_switch(arg,
			                  "expected createonly or updateonly");
		}
	} else if (opt_is(s, "offline", &v) || opt_is(s, "repository", &v)) {
		/* "-offline REPO file.mof": the next word, unless a switch
		 * or the MOF file itself. */
		if (v == NULL && *i + 1 < argc && argv[*i + 1][0] != '-' &&
		    !is_mof_name(argv[*i + 1])) {
			v = argv[++*i];
		}
		if (v == NULL && strncasecmp(s, "repository", 10) == 0) {
			return bad_switch(arg, "expected a repository path");
		}
		a->offline = true;
		a->repo = v;
	} else if (opt_is(s, "state-dir", &v)) {
		if (v == NULL && *i + 1 < argc) {
			v = argv[++*i];
		}
		if (v == NULL || *v == '\0') {
			return bad_switch(arg, "expected a directory");
		}
		a->state_dir = v;
	} else if (opt_is(s, "U", &v) || opt_is(s, "P", &v) ||
	           opt_is(s, "A", &v)) {
		/* Credentials: an offline compile needs none. */
	} else if (opt_is(s, "B", &v) || opt_is(s, "WMI", &v) ||
	           opt_is(s, "MOF", &v) || opt_is(s, "MFL", &v) ||
	           opt_is(s, "AMENDMENT", &v) || opt_is(s, "ER", &v) ||
	           opt_is(s, "L", &v)) {
		return bad_switch(arg, "not supported by this mofcomp");
	} else {
		(void)slash;
		return bad_switch(arg, NULL);
	}
	return EXIT_OK;
}

static bool known_slash_switch(const char *s)
{
	static const char *const names[] = {
		"?",     "help",      "check",      "autorecover", "N:",
		"class", "instance",  "offline",    "repository",  "state-dir",
		"U:",    "P:",        "A:",         "B:",          "WMI",
		"MOF:",  "MFL:",      "AMENDMENT:", "ER:",         "L:",
		"h",     "namespace",
	};

	for (size_t i = 0; i < sizeof(names) / sizeof(names[0]); i++) {
		size_t n = strlen(names[i]);

		if (strncasecmp(s, names[i], n) == 0 &&
		    (names[i][n - 1] == ':' || s[n] == '\0' || s[n] == ':' ||
		     s[n] == '=')) {
			return true;
		}
	}
	return false;
}

static int parse_args(int argc, char **argv, struct args *a)
{
	int rc;

	for (int i = 1; i < argc; i++) {
		const char *arg = argv[i];
		const char *s = NULL;
		bool slash = false;

		if (arg[0] == '-' && arg[1] == '-' && arg[2] != '\0') {
			s = arg + 2;
		} else if (arg[0] == '-' && arg[1] != '\0') {
			s = arg + 1;
		} else if (arg[0] == '/' && known_slash_switch(arg + 1)) {
			s = arg + 1;
			slash = true;
		}
		if (s == NULL) {
			if (a->file != NULL) {
				fprintf(stderr,
				        "mofcomp: more than one MOF file "
				        "given ('%s' and '%s')\n",
				        a->file, arg);
				return EXIT_SWITCH;
			}
			a->file = arg;
			continue;
		}
		rc = one_switch(a, arg, s, argc, argv, &i, slash);
		if (rc != EXIT_OK) {
			return rc;
		}
	}
	return EXIT_OK;
}

static void print_error(const char *top, const struct errinfo *ei)
{
	const char *file = ei->file[0] ? ei->file : top;
	bool syntax = mof_error_is_syntax(ei->hr);

	if (ei->line > 0) {
		fprintf(stderr, "%s (%u): error %s 0X%08x: column %u: %s\n",
		        file, ei->line, syntax ? "SYNTAX" : "SEMANTIC",
		        ei->hr.v, ei->col, ei->msg);
	} else {
		fprintf(stderr, "%s: error %s 0X%08x: %s\n", file,
		        syntax ? "SYNTAX" : "SEMANTIC", ei->hr.v,
		        ei->msg[0] ? ei->msg : hr_message(ei->hr));
	}
	fprintf(stderr, "Compiler returned error 0x%08x\n", ei->hr.v);
}

static int fail(const char *file, struct errinfo *ei, hresult hr)
{
	if (!hr_failed(ei->hr)) {
		err_set(ei, hr, "mof", "%s", hr_message(hr));
	}
	print_error(file, ei);
	return mof_error_is_syntax(ei->hr) ? EXIT_SYNTAX : EXIT_SEMANTIC;
}

static void autorecover_warning(const char *file)
{
	printf("WARNING: File %s does not contain #PRAGMA AUTORECOVER.\n"
	       "If the WMI repository is rebuilt in the future, the contents "
	       "of this MOF file\n"
	       "will not be included in the new WMI repository.\n"
	       "To include this MOF file when the WMI repository is "
	       "automatically reconstructed,\n"
	       "place the #PRAGMA AUTORECOVER statement on the first line of "
	       "the MOF file.\n",
	       file);
}

static void remove_db(void *mem, const char *path)
{
	unlink(path);
	unlink(talloc_asprintf(mem, "%s-wal", path));
	unlink(talloc_asprintf(mem, "%s-shm", path));
	unlink(talloc_asprintf(mem, "%s-journal", path));
}

/*
 * Opens the repository [path].  A repository that does not exist yet is
 * built in a temporary file beside it ([*tmp]) and renamed into place
 * only when the compile succeeded, so that a failed or killed compile
 * leaves no half-made repository behind.
 */
static int open_target(void *mem, const char *path, struct repo **r, char **tmp)
{
	struct errinfo ei;
	const char *open_path = path;
	hresult hr;

	*tmp = NULL;
	if (access(path, F_OK) != 0 && errno == ENOENT) {
		*tmp = talloc_asprintf(mem, "%s.mofcomp-%ld.tmp", path,
		                       (long)getpid());
		remove_db(mem, *tmp);
		open_path = *tmp;
	}
	err_clear(&ei);
	hr = repo_open(mem, open_path, REPO_OPEN_CREATE, r, &ei);
	if (hr_failed(hr)) {
		fprintf(stderr,
		        "mofcomp: cannot open repository '%s': 0x%08x %s%s%s\n",
		        path, hr.v, hr_message(hr), ei.msg[0] ? " " : "",
		        ei.msg);
		if (*tmp != NULL) {
			remove_db(mem, *tmp);
		}
		return EXIT_SEMANTIC;
	}
	return EXIT_OK;
}

/* Closes [r]; moves a new repository into place when [ok]. */
static int close_target(void *mem,
                        const char *path,
                        struct repo *r,
                        char *tmp,
                        bool ok)
{
	repo_close(r);
	if (tmp == NULL) {
		return EXIT_OK;
	}
	if (!ok) {
		remove_db(mem, tmp);
		return EXIT_OK;
	}
	/* A clean close checkpoints the WAL into the file itself. */
	if (access(talloc_asprintf(mem, "%s-wal", tmp), F_OK) == 0 ||
	    rename(tmp, path) != 0) {
		fprintf(stderr,
		        "mofcomp: cannot move the new repository to "
		        "'%s': %s\n",
		        path, strerror(errno));
		remove_db(mem, tmp);
		return EXIT_SEMANTIC;
	}
	return EXIT_OK;
}

static int run(struct args *a, void *mem)
{
	struct mof_unit *u = NULL;
	struct repo *r = NULL;
	struct errinfo ei;
	struct mof_stats st;
	const char *path = a->repo;
	char *tmp = NULL;
	int rc;
	hresult hr;

	err_clear(&ei);
	if (!a->o.check_only) {
		if (a->state_dir != NULL) {
			path = talloc_asprintf(mem, "%s/repository.db",
			                       a->state_dir);
		} else if (a->offline && path == NULL) {
			path = REPO_DEFAULT_PATH;
		}
		if (path == NULL) {
			fprintf(stderr,
			        "mofcomp: cannot connect to WMI: the wmid "
			        "service does not accept MOF compiles yet.\n"
			        "Use -offline [REPO], --repository REPO or "
			        "--state-dir DIR to write a repository file "
			        "(default %s).\n",
			        REPO_DEFAULT_PATH);
			return EXIT_SEMANTIC;
		}
		rc = open_target(mem, path, &r, &tmp);
		if (rc != EXIT_OK) {
			return rc;
		}
	}
	printf("Parsing MOF file: %s\n", a->file);
	hr = mof_parse_file_for(mem, r, a->file, &a->o, &u, &ei);
	if (hr_failed(hr)) {
		rc = fail(a->file, &ei, hr);
		goto out;
	}
	printf("MOF file has been successfully parsed\n");
	if (a->o.check_only) {
		return EXIT_OK;
	}
	if (!u->autorecover && !a->o.autorecover) {
		autorecover_warning(a->file);
	}
	printf("Storing data in the repository...\n");
	fflush(stdout);
	hr = mof_apply(r, u, &a->o, &st, &ei);
	if (hr_failed(hr)) {
		rc = fail(a->file, &ei, hr);
		goto out;
	}
	rc = EXIT_OK;
out:
	if (r != NULL) {
		int crc = close_target(mem, path, r, tmp, rc == EXIT_OK);

		if (rc == EXIT_OK) {
			rc = crc;
		}
	}
	if (rc == EXIT_OK) {
		printf("Done!\n");
	}
	return rc;
}

int main(int argc, char **argv)
{
	struct args a;
	void *mem;
	int rc;

	memset(&a, 0, sizeof(a));
	rc = parse_args(argc, argv, &a);
	if (rc != EXIT_OK) {
		return rc;
	}
	if (a.help) {
		usage(stdout);
		return EXIT_OK;
	}
	if (a.file == NULL) {
		fprintf(stderr, "mofcomp: no MOF file given\n");
		usage(stderr);
		return EXIT_SWITCH;
	}
	printf("OpenWMI MOF Compiler\n");
	mem = talloc_new(NULL);
	if (mem == NULL) {
		return EXIT_SEMANTIC;
	}
	rc = run(&a, mem);
	talloc_free(mem);
	return rc;
}
