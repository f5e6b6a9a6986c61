/*
 * Integration test: the real mofcomp compiles the full DMTF CIM schema
 * 2.49 (1,631 class files plus the qualifier files) into a fresh
 * repository, and survives being killed at random moments.
 *
 *   test_mof_cimschema schema SRCROOT MOFCOMP [WINMGMT]
 *   test_mof_cimschema crash SRCROOT MOFCOMP [WINMGMT] [ROUNDS]
 *
 * The schema is found through $OWMI_CIM_SCHEMA (the path of
 * cim_schema_2.49.0.mof) or at SRCROOT/../shared/testdata/cim-schema/
 * cim_schema_2.49.0/cim_schema_2.49.0.mof (CI runs in a fresh clone with
 * shared/ beside it).  Exit 77 (skipped) when it is absent.
 *
 * "schema" checks zero errors, the class count against an independent
 * count of class declarations in the included files, deep superclass
 * chains and qualifier flavors.  "crash" kills `mofcomp -offline` with
 * SIGKILL at random times and checks each time that the repository
 * verifies (repo_verify and, when given, `winmgmt /verifyrepository`) and
 * holds either none of the schema or all of it.
 */
#include <ctype.h>
#include <errno.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <talloc.h>
#include <time.h>
#include <unistd.h>

#include "base/buf.h"
#include "cim/cim.h"
#include "repo/repo.h"

#define SKIP 77

static int failures;

/* "class Name : Super" pairs found by the independent scan. */
struct decl {
	char *name, *super;
};
static struct decl *decls;
static long n_decls;

#define CHECK(cond, ...)                                              \
	do {                                                          \
		if (!(cond)) {                                        \
			fprintf(stderr, "FAIL %s:%d: %s: ", __FILE__, \
			        __LINE__, #cond);                     \
			fprintf(stderr, __VA_ARGS__);                 \
			fprintf(stderr, "\n");                        \
			failures++;                                   \
		}                                                     \
	} while (0)

static double now(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

static char *find_schema(void *mem, const char *srcroot)
{
	const char *env = getenv("OWMI_CIM_SCHEMA");
	char *p;

	if (env != NULL && access(env, R_OK) == 0) {
		return talloc_strdup(mem, env);
	}
	p = talloc_asprintf(mem,
	                    "%s/../shared/testdata/cim-schema/"
	                    "cim_schema_2.49.0/cim_schema_2.49.0.mof",
	                    srcroot);
	return access(p, R_OK) == 0 ? p : NULL;
}

static char *slurp(void *mem, const char *path)
{
	FILE *f = fopen(path, "rb");
	struct buf b;
	char chunk[65536];
	size_t n;

	if (f == NULL) {
		return NULL;
	}
	buf_init(&b, mem);
	while ((n = fread(chunk, 1, sizeof(chunk), f)) > 0) {
		buf_add(&b, chunk, n);
	}
	fclose(f);
	return buf_detach(&b, NULL);
}

static void note_decl(void *mem, const char *s)
{
	char name[256] = "", super[256] = "";

	decls = talloc_realloc(mem, decls, struct decl, n_decls + 1);
	if (sscanf(s, " %255[A-Za-z0-9_] : %255[A-Za-z0-9_]", name, super) <
	    1) {
		return;
	}
	decls[n_decls].name = talloc_strdup(decls, name);
	decls[n_decls].super = super[0] ? talloc_strdup(decls, super) : NULL;
	n_decls++;
}

static const char *super_of(const char *name)
{
	for (long i = 0; i < n_decls; i++) {
		if (strcasecmp(decls[i].name, name) == 0) {
			return decls[i].super;
		}
	}
	return NULL;
}

/*
 * Counts class declarations independently of the compiler: a line whose
 * first word is "class" (any case) followed by a name, outside block
 * comments and string continuation lines, in every file the top file
 * includes with #pragma include.
 */
static long count_class_decls(void *mem, const char *top)
{
	char *text = slurp(mem, top);
	char *dir = talloc_strdup(mem, top);
	long total = 0;
	char *line;

	if (text == NULL) {
		return -1;
	}
	*strrchr(dir, '/') = '\0';
	for (line = text; line != NULL && *line != '\0';) {
		char *eol = strchr(line, '\n');
		char *q = strstr(line, "#pragma include");

		if (eol != NULL) {
			*eol = '\0';
		}
		if (q != NULL && q == line) {
			char *a = strchr(q, '"');
			char *b = a ? strchr(a + 1, '"') : NULL;

			if (a != NULL && b != NULL) {
				char *path = talloc_asprintf(
				        mem, "%s/%.*s", dir, (int)(b - a - 1),
				        a + 1);
				char *body = slurp(mem, path);
				bool in_comment = false;

				if (body == NULL) {
					return -1;
				}
				for (char *l = body; l && *l;) {
					char *e = strchr(l, '\n');
					char *s = l;

					if (e) {
						*e = '\0';
					}
					while (isspace((unsigned char)*s)) {
						s++;
					}
					if (strstr(s, "/*") == s) {
						in_comment = true;
					}
					if (!in_comment &&
					    strncasecmp(s, "class", 5) == 0 &&
					    isspace((unsigned char)s[5])) {
						note_decl(mem, s + 5);
						total++;
					}
					if (strstr(s, "*/") != NULL) {
						in_comment = false;
					}
					l = e ? e + 1 : NULL;
				}
			}
		}
		line = eol ? eol + 1 : NULL;
	}
	return total;
}

/* Runs argv; returns the exit status (-1 on spawn failure). */
static int run(char *const argv[], bool quiet)
{
	pid_t pid = fork();
	int st;

	if (pid < 0) {
		return -1;
	}
	if (pid == 0) {
		if (quiet) {
			if (freopen("/dev/null", "w", stdout) == NULL) {
				_exit(126);
			}
		}
		execv(argv[0], argv);
		_exit(127);
	}
	if (waitpid(pid, &st, 0) < 0) {
		return -1;
	}
	return WIFEXITED(st) ? WEXITSTATUS(st) : 128 + WTERMSIG(st);
}

static char *wrapper_mof(void *mem, const char *dir, const char *schema)
{
	char *path = talloc_asprintf(mem, "%s/wrap.mof", dir);
	FILE *f = fopen(path, "w");

	if (f == NULL) {
		return NULL;
	}
	/* root\cimv2 does not exist in a fresh repository: create it. */
	fprintf(f,
	        "#pragma namespace(\"\\\\\\\\.\\\\root\\\\cimv2\")\n"
	        "#pragma namespace(\"__create\")\n"
	        "#pragma include(\"%s\")\n",
	        schema);
	fclose(f);
	return path;
}

static hresult count_cb(void *arg, struct cim_class *resolved)
{
	(void)resolved;
	(*(long *)arg)++;
	return HR_OK;
}

static long count_classes(void *mem, const char *repo_path)
{
	struct repo *r = NULL;
	long n = 0;

	if (hr_failed(
	            repo_open(mem, repo_path, REPO_OPEN_READONLY, &r, NULL))) {
		return -1;
	}
	if (hr_failed(repo_ns_exists(r, "root\\cimv2"))) {
		repo_close(r);
		return 0;
	}
	if (hr_failed(repo_class_enum(r, mem, "root\\cimv2", NULL, true,
	                              count_cb, &n))) {
		n = -1;
	}
	repo_close(r);
	return n;
}

/* Compares derivation lists with the chains the scan found. */
static void check_chain(struct repo *r,
                        void *mem,
                        const char *cls,
                        uint32_t min_depth)
{
	struct cim_class *c = NULL;
	const char *want = super_of(cls);
	uint32_t i = 0;

	CHECK(hr_ok(repo_class_get(r, mem, "root\\cimv2", cls, &c)),
	      "%s missing", cls);
	if (c == NULL) {
		return;
	}
	for (; want != NULL; want = super_of(want), i++) {
		CHECK(i < c->n_derivation &&
		              strcmp(c->derivation[i], want) == 0,
		      "%s derivation[%u] = %s, want %s", cls, i,
		      i < c->n_derivation ? c->derivation[i] : "(none)", want);
	}
	CHECK(i == c->n_derivation, "%s: %u superclasses, want %u", cls,
	      c->n_derivation, i);
	CHECK(i >= min_depth, "%s: chain of %u, want at least %u", cls, i,
	      min_depth);
	printf("%s:", cls);
	for (i = 0; i < c->n_derivation; i++) {
		printf(" -> %s", c->derivation[i]);
	}
	printf("\n");
}

static void check_flavors(struct repo *r, void *mem)
{
	struct cim_class *c = NULL, *local = NULL;
	const struct cim_qualifier *q;
	int32_t k;

	if (hr_failed(repo_class_get(r, mem, "root\\cimv2",
	                             "CIM_ComputerSystem", &c))) {
		return;
	}
	/* Key comes from CIM_System: DisableOverride, ToSubclass. */
	k = cim_class_find_prop(c, "CreationClassName");
	CHECK(k >= 0 && c->props[k].key, "CreationClassName is not a key");
	if (k >= 0) {
		q = cim_qset_find(&c->props[k].quals, "Key");
		CHECK(q != NULL && (q->flavor & CIM_FLAVOR_DISABLE_OVERRIDE) &&
		              (q->flavor & CIM_FLAVOR_TO_SUBCLASS),
		      "Key flavor 0x%x", q ? q->flavor : 0);
	}
	q = cim_qset_find(&c->quals, "Description");
	CHECK(q != NULL && (q->flavor & CIM_FLAVOR_TRANSLATABLE) &&
	              (q->flavor & CIM_FLAVOR_TO_SUBCLASS),
	      "Description flavor 0x%x", q ? q->flavor : 0);
	/* CIM_System is abstract; the Restricted flavor stops it there. */
	CHECK(hr_ok(repo_class_get_local(r, mem, "root\\cimv2", "CIM_System",
	                                 &local)),
	      "CIM_System local missing");
	q = local ? cim_qset_find(&local->quals, "Abstract") : NULL;
	CHECK(q != NULL && q->value.v.b &&
	              !(q->flavor & CIM_FLAVOR_TO_SUBCLASS),
	      "Abstract on CIM_System: flavor 0x%x", q ? q->flavor : 0);
	CHECK(!cim_qset_bool(&c->quals, "Abstract"),
	      "CIM_ComputerSystem inherited Abstract");
	/* An association with references. */
	c = NULL;
	CHECK(hr_ok(repo_class_get(r, mem, "root\\cimv2", "CIM_Dependency",
	                           &c)),
	      "CIM_Dependency missing");
	if (c != NULL) {
		k = cim_class_find_prop(c, "Antecedent");
		CHECK(k >= 0 && c->props[k].type == CIM_T_REFERENCE &&
		              strcmp(c->props[k].ref_class,
		                     "CIM_ManagedElement") == 0,
		      "CIM_Dependency.Antecedent");
		CHECK(cim_qset_bool(&c->quals, "Association"),
		      "CIM_Dependency is not an association");
	}
}

static int cmd_schema(void *mem,
                      const char *schema,
                      const char *mofcomp,
                      const char *winmgmt,
                      const char *dir)
{
	char *repo_path = talloc_asprintf(mem, "%s/cim.db", dir);
	char *wrap = wrapper_mof(mem, dir, schema);
	long want = count_class_decls(mem, schema), got;
	struct repo *r = NULL;
	double t0, t1;
	int rc;

	CHECK(want > 1000, "counted %ld class declarations", want);
	t0 = now();
	rc = run((char *const[]){ (char *)mofcomp, "-offline", repo_path, wrap,
	                          NULL },
	         false);
	t1 = now();
	CHECK(rc == 0, "mofcomp exited %d", rc);
	printf("compiled the CIM schema in %.3f s\n", t1 - t0);
	got = count_classes(mem, repo_path);
	CHECK(got == want, "repository has %ld classes, schema declares %ld",
	      got, want);
	printf("classes: %ld stored, %ld declared\n", got, want);
	if (hr_ok(repo_open(mem, repo_path, REPO_OPEN_READONLY, &r, NULL))) {
		check_chain(r, mem, "CIM_ComputerSystem", 6);
		check_chain(r, mem, "CIM_UnitaryComputerSystem", 7);
		check_chain(r, mem, "CIM_NetworkPort", 6);
		check_flavors(r, mem);
		repo_close(r);
	}
	CHECK(hr_ok(repo_verify(repo_path, NULL)),
	      "repository does not verify");
	if (winmgmt != NULL) {
		rc = run((char *const[]){ (char *)winmgmt, "/verifyrepository",
		                          repo_path, NULL },
		         true);
		CHECK(rc == 0, "winmgmt /verifyrepository exited %d", rc);
	}
	/* A second compile updates every class in place. */
	rc = run((char *const[]){ (char *)mofcomp, "-offline", repo_path, wrap,
	                          NULL },
	         true);
	CHECK(rc == 0, "second mofcomp exited %d", rc);
	CHECK(count_classes(mem, repo_path) == want, "count after update");
	return 0;
}

static void remove_repo(void *mem, const char *path)
{
	unlink(path);
	unlink(talloc_asprintf(mem, "%s-wal", path));
	unlink(talloc_asprintf(mem, "%s-shm", path));
	unlink(talloc_asprintf(mem, "%s-journal", path));
}

static int cmd_crash(void *mem,
                     const char *schema,
                     const char *mofcomp,
                     const char *winmgmt,
                     const char *dir,
                     int rounds)
{
	char *repo_path = talloc_asprintf(mem, "%s/crash.db", dir);
	char *wrap = wrapper_mof(mem, dir, schema);
	long full = count_class_decls(mem, schema);
	int n_none = 0, n_full = 0;
	long prev = 0;
	double t0, span;

	/* Time one full run to spread the kills over it. */
	remove_repo(mem, repo_path);
	t0 = now();
	CHECK(run((char *const[]){ (char *)mofcomp, "-offline", repo_path, wrap,
	                           NULL },
	          true) == 0,
	      "reference compile");
	span = now() - t0;
	srand((unsigned)time(NULL) ^ (unsigned)getpid());
	for (int i = 0; i < rounds; i++) {
		useconds_t delay = (useconds_t)((double)rand() / RAND_MAX *
		                                span * 1.1e6);
		bool fresh = (i % 3) != 2;
		pid_t pid;
		long n;
		int st;

		if (fresh) {
			remove_repo(mem, repo_path);
		} else if (prev != full) {
			/* An update round starts from the complete schema. */
			CHECK(run((char *const[]){ (char *)mofcomp, "-offline",
			                           repo_path, wrap, NULL },
			          true) == 0,
			      "round %d: preparing compile", i);
		}
		pid = fork();
		if (pid == 0) {
			if (freopen("/dev/null", "w", stdout) == NULL) {
				_exit(126);
			}
			execl(mofcomp, mofcomp, "-offline", repo_path, wrap,
			      (char *)NULL);
			_exit(127);
		}
		usleep(delay);
		kill(pid, SIGKILL);
		waitpid(pid, &st, 0);
		CHECK(hr_ok(repo_verify(repo_path, NULL)) ||
		              access(repo_path, F_OK) != 0,
		      "round %d (kill after %u us): repository does not "
		      "verify",
		      i, (unsigned)delay);
		if (winmgmt != NULL && access(repo_path, F_OK) == 0) {
			int rc = run((char *const[]){ (char *)winmgmt,
			                              "/verifyrepository",
			                              repo_path, NULL },
			             true);

			CHECK(rc == 0, "round %d: winmgmt exited %d", i, rc);
		}
		n = access(repo_path, F_OK) == 0 ? count_classes(mem, repo_path)
		                                 : 0;
		CHECK(n == 0 || n == full,
		      "round %d (kill after %u us): %ld classes, want 0 or "
		      "%ld",
		      i, (unsigned)delay, n, full);
		if (!fresh) {
			CHECK(n == full, "round %d: an update lost classes", i);
		}
		prev = n;
		if (n == 0) {
			n_none++;
		} else if (n == full) {
			n_full++;
		}
	}
	printf("%d rounds (every third an update of a full repository): %d "
	       "with nothing stored, %d with the full schema\n",
	       rounds, n_none, n_full);
	return 0;
}

int main(int argc, char **argv)
{
	void *mem = talloc_new(NULL);
	char dir[] = "/tmp/mofschemaXXXXXX";
	const char *winmgmt = NULL;
	char *schema;
	int rounds = 30;

	if (argc < 4) {
		fprintf(stderr,
		        "usage: %s schema|crash SRCROOT MOFCOMP "
		        "[WINMGMT] [ROUNDS]\n",
		        argv[0]);
		return 2;
	}
	schema = find_schema(mem, argv[2]);
	if (schema == NULL) {
		printf("CIM schema not found; set OWMI_CIM_SCHEMA\n");
		talloc_free(mem);
		return SKIP;
	}
	if (argc > 4 && access(argv[4], X_OK) == 0) {
		winmgmt = argv[4];
	}
	if (argc > 5) {
		rounds = atoi(argv[5]);
	}
	if (mkdtemp(dir) == NULL) {
		return 1;
	}
	if (strcmp(argv[1], "schema") == 0) {
		cmd_schema(mem, schema, argv[3], winmgmt, dir);
	} else {
		cmd_crash(mem, schema, argv[3], winmgmt, dir, rounds);
	}
	if (system(talloc_asprintf(mem, "rm -rf %s", dir)) != 0) {
		failures++;
	}
	talloc_free(mem);
	return failures ? 1 : 0;
}
