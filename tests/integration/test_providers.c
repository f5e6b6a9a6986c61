/*
 * Provider integration tests: MOF registrations compiled into a copy of
 * the default repository, the object manager (cimom) with the provider
 * registry attached, real wmiprvse hosts and the test providers of
 * tests/providers.  Each broken provider gets its exact error through
 * cimom_exec_query / cimom_enum_instances, a good query works right after,
 * and each failure is in the activity log once with the provider's name.
 *
 * Usage: test_providers WMIPRVSE PROVIDER_DIR REPOSITORY [impersonate]
 * "impersonate" runs only the impersonation test (exit 77 unless root).
 */
#include <errno.h>
#include <fcntl.h>
#include <pwd.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cmocka.h>
#include <talloc.h>

#include "base/buf.h"
#include "cimom/activity.h"
#include "cimom/cimom.h"
#include "cimom/provreg.h"
#include "mof/mof.h"
#include "repo/repo.h"

static const char *g_host, *g_dir, *g_repo;

struct fx {
	char dir[64];
	char db[128];
	char log[128];
	struct repo *repo;
	struct cimom *cm;
	struct cimom_provreg *pr;
	struct cimom_session *s;
};

/* The registrations.  %1$s is the provider directory. */
static const char mof_text[] =
        "#pragma namespace(\"\\\\\\\\.\\\\root\")\n"
        "instance of __ProviderHostQuotaConfiguration {\n"
        "  MemoryPerHost = 268435456; MemoryAllHosts = 805306368;\n"
        "  ThreadsPerHost = 24;\n"
        "  HandlesPerHost = 64; ProcessLimitAllHosts = 32; };\n"
        "#pragma namespace(\"\\\\\\\\.\\\\root\\\\cimv2\")\n"
        "instance of __Win32Provider as $Good { Name = \"TpGood\";\n"
        "  LibraryPath = \"libtp_good.so\";\n"
        "  HostingModel = \"NetworkServiceHost:Tests\"; };\n"
        "instance of __InstanceProviderRegistration { Provider = $Good;\n"
        "  SupportsGet = TRUE; SupportsPut = TRUE; SupportsDelete = TRUE;\n"
        "  QuerySupportLevels = { \"WQL:UnarySelect\" }; };\n"
        "instance of __MethodProviderRegistration { Provider = $Good; };\n"
        "[dynamic, provider(\"TpGood\")] class Test_Item {\n"
        "  [key] uint32 Id; string Name; uint64 Big; sint32 Neg;\n"
        "  boolean Flag; real64 Ratio; datetime When; uint16 Codes[];\n"
        "  string Tags[]; string Source;\n"
        "  [static, implemented] uint32 WhoAmI([out] uint32 Uid,\n"
        "    [out] uint32 Gid, [out] string User, [out] uint32 CtxUid,\n"
        "    [out] boolean HasIds);\n"
        "  [implemented] uint32 Echo([in] string Text,\n"
        "    [out] string Result); };\n"
        "[abstract] class Test_BigBase {\n"
        "  [key] uint32 Id; string Name; uint64 Value; };\n"
        "[dynamic, provider(\"TpGood\")] class Test_Big : Test_BigBase {\n"
        "  };\n"
        "instance of __Win32Provider as $Scan { Name = \"TpBigScan\";\n"
        "  LibraryPath = \"libtp_good.so\"; };\n"
        "instance of __InstanceProviderRegistration { Provider = $Scan; };\n"
        "[dynamic, provider(\"TpBigScan\")] class Test_BigScan :\n"
        "  Test_BigBase { };\n";

/* A provider with its own registration serving one class Test_<X>. */
static void add_provider(struct buf *b,
                         const char *x,
                         const char *extra_props,
                         bool inst_reg)
{
	buf_addf(
	        b,
	        "instance of __Win32Provider as $%s { Name = \"Tp%s\"; %s };\n",
	        x, x, extra_props);
	if (inst_reg) {
		buf_addf(b,
		         "instance of __InstanceProviderRegistration { "
		         "Provider = $%s; };\n",
		         x);
	}
	buf_addf(b,
	         "[dynamic, provider(\"Tp%s\")] class Test_%s { [key] uint32 "
	         "Id; };\n",
	         x, x);
}

/* A provider of hosting model [model] (NULL: none) with a static WhoAmI
 * on class Test_Who<X>. */
static void add_who(struct buf *b, const char *x, const char *model)
{
	buf_addf(b,
	         "instance of __Win32Provider as $W%s { Name = \"TpWho%s\"; "
	         "LibraryPath = \"libtp_good.so\"; ",
	         x, x);
	if (model != NULL) {
		buf_addf(b, "HostingModel = \"%s\"; ", model);
	}
	buf_addf(b,
	         "};\ninstance of __MethodProviderRegistration { Provider = "
	         "$W%s; };\n"
	         "[dynamic, provider(\"TpWho%s\")] class Test_Who%s { "
	         "[key] uint32 Id;\n"
	         "  [static, implemented] uint32 WhoAmI([out] uint32 Uid,\n"
	         "    [out] uint32 Gid, [out] string User, [out] uint32 "
	         "CtxUid,\n"
	         "    [out] boolean HasIds); };\n",
	         x, x, x);
}

static void build_mof(struct buf *b)
{
	const char *good = "LibraryPath = \"libtp_good.so\";";

	buf_addstr(b, mof_text);
	add_provider(b, "Crash", good, true);
	add_provider(b, "Hang", good, true);
	add_provider(b, "Hog", good, true);
	add_provider(b, "Threads", good, true);
	add_provider(b, "Handles", good, true);
	add_provider(b, "NoPath", "HostingModel = \"LocalSystemHost\";", true);
	add_provider(b, "BadModel",
	             "LibraryPath = \"libtp_good.so\"; HostingModel = "
	             "\"NoSuchHost\";",
	             true);
	add_provider(b, "NoReg", good, false);
	add_provider(b, "NoInit", "LibraryPath = \"libtp_noinit.so\";", true);
	add_provider(b, "NewAbi", "LibraryPath = \"libtp_newabi.so\";", true);
	add_provider(b, "InitFail", "LibraryPath = \"libtp_initfail.so\";",
	             true);
	add_provider(b, "NoFile", "LibraryPath = \"libtp_absent.so\";", true);
	add_provider(b, "Disabled",
	             "LibraryPath = \"libtp_good.so\"; Enabled = FALSE;", true);
	buf_addf(b,
	         "instance of __Win32Provider as $Clsid { Name = \"TpClsid\"; "
	         "CLSID = \"%s/libtp_good.so\"; };\n"
	         "instance of __InstanceProviderRegistration { Provider = "
	         "$Clsid; };\n"
	         "[dynamic, provider(\"TpClsid\")] class Test_Clsid { [key] "
	         "uint32 Id; };\n",
	         g_dir);
	buf_addstr(b, "[dynamic, provider(\"TpMissing\")] class Test_Missing "
	              "{ [key] uint32 Id; };\n");
	add_who(b, "Sys", "LocalSystemHost");
	add_who(b, "SysOrSelf", "LocalSystemHostOrSelfHost");
	add_who(b, "LocalSvc", "LocalServiceHost");
	add_who(b, "NetOrSelf", "NetworkServiceHostOrSelfHost");
	add_who(b, "NoModel", NULL);
}

static void copy_file(const char *from, const char *to)
{
	char data[65536];
	int in = open(from, O_RDONLY);
	int out = open(to, O_WRONLY | O_CREAT | O_TRUNC, 0600);
	ssize_t n;

	assert_true(in >= 0);
	assert_true(out >= 0);
	while ((n = read(in, data, sizeof(data))) > 0) {
		assert_int_equal(write(out, data, (size_t)n), n);
	}
	close(in);
	close(out);
}

/* Extra MOF compiled after the registrations, and the configured idle
 * timeout, for the next fx_new (the idle-shutdown tests). */
static const char *g_extra_mof;
static uint32_t g_idle_ms;

static struct fx *fx_new(void)
{
	struct fx *f = talloc_zero(NULL, struct fx);
	struct cimom_config cfg = { 0 };
	struct cimom_provreg_config rc = { 0 };
	struct cimom_identity id = { .user = "alice",
		                     .domain = "WORKGROUP",
		                     .pid = 77 };
	struct mof_options mo = { .default_ns = "root\\cimv2" };
	struct errinfo ei;
	struct buf mof;
	hresult hr;

	snprintf(f->dir, sizeof(f->dir), "/tmp/owmi-prov-XXXXXX");
	assert_non_null(mkdtemp(f->dir));
	snprintf(f->db, sizeof(f->db), "%s/repository.db", f->dir);
	snprintf(f->log, sizeof(f->log), "%s/activity.log", f->dir);
	copy_file(g_repo, f->db);
	err_clear(&ei);
	assert_true(hr_ok(repo_open(f, f->db, 0, &f->repo, &ei)));
	buf_init(&mof, f);
	build_mof(&mof);
	if (g_extra_mof != NULL) {
		buf_addstr(&mof, g_extra_mof);
	}
	hr = mof_compile_buffer(f->repo, mof.data, mof.len, "providers.mof",
	                        &mo, NULL, &ei);
	if (hr_failed(hr)) {
		fprintf(stderr, "mof: %s %s at %u:%u\n", hr_name(hr), ei.msg,
		        ei.line, ei.col);
	}
	assert_true(hr_ok(hr));
	cfg.server_name = "TESTHOST";
	cfg.activity_log_path = f->log;
	assert_true(hr_ok(cimom_new(f, f->repo, &cfg, &f->cm)));
	rc.host_path = g_host;
	rc.provider_dir = g_dir;
	rc.call_timeout_ms = 1500;
	rc.idle_timeout_ms = g_idle_ms;
#if defined(__SANITIZE_ADDRESS__)
	/* The hog must reach its quota before the timeout fires, also on a
	 * loaded machine (4 s was once too short with six tests at once);
	 * only Test_Hang waits for the whole of it. */
	rc.call_timeout_ms = 8000;
	/* ASan's quarantine (256 MiB) keeps a streaming host's freed
	 * instances resident: give it room, still far below the hog. */
	rc.quota.memory_per_host = 768ull << 20;
	rc.quota.memory_all_hosts = 8ull << 30;
#endif
	assert_true(hr_ok(cimom_provreg_attach(f->cm, f, &rc, &f->pr, &ei)));
	assert_true(hr_ok(
	        cimom_session_open(f->cm, f, &id, "root\\cimv2", &f->s, &ei)));
	return f;
}

static void fx_free(struct fx *f)
{
	char cmd[128];

	talloc_free(f->s);
	talloc_free(f->pr);
	talloc_free(f->cm);
	repo_close(f->repo);
	snprintf(cmd, sizeof(cmd), "rm -rf '%s'", f->dir);
	assert_int_equal(system(cmd), 0);
	talloc_free(f);
}

/* A sink that counts and keeps the first instance's Source and Id. */
struct count {
	uint64_t n;
	uint64_t id_sum;
	char source[16];
	uint32_t first_id;
	uint64_t rss_max;
	uint64_t rss_start;
};

static uint64_t self_rss(void)
{
	unsigned long long size = 0, rss = 0;
	FILE *fp = fopen("/proc/self/statm", "r");

	if (fp != NULL) {
		if (fscanf(fp, "%llu %llu", &size, &rss) != 2) {
			rss = 0;
		}
		fclose(fp);
	}
	return (uint64_t)rss * (uint64_t)sysconf(_SC_PAGESIZE);
}

static hresult count_indicate(void *arg, struct cim_object **objs, uint32_t n)
{
	struct count *c = arg;

	for (uint32_t i = 0; i < n; i++) {
		const struct cim_instance *inst = objs[i]->u.inst;
		const struct cim_value *v = cim_instance_get(inst, "Id");
		const struct cim_value *src = cim_instance_get(inst, "Source");

		if (c->n == 0) {
			c->first_id = v != NULL ? (uint32_t)v->v.u : 0;
			if (src != NULL && !src->null) {
				snprintf(c->source, sizeof(c->source), "%s",
				         src->v.s);
			}
		}
		c->id_sum += v != NULL && !v->null ? v->v.u : 0;
		c->n++;
		if (c->rss_start != 0 && c->n % 50000 == 0) {
			uint64_t r = self_rss();

			if (r > c->rss_max) {
				c->rss_max = r;
			}
		}
	}
	return HR_OK;
}

static hresult query(struct fx *f,
                     const char *q,
                     struct count *c,
                     struct errinfo *ei)
{
	struct cimom_sink sink = { .indicate = count_indicate, .arg = c };

	memset(c, 0, sizeof(*c));
	err_clear(ei);
	return cimom_exec_query(f->s, "WQL", q, 0, &sink, ei);
}

static hresult enumerate(struct fx *f,
                         const char *cls,
                         struct count *c,
                         struct errinfo *ei)
{
	struct cimom_sink sink = { .indicate = count_indicate, .arg = c };

	memset(c, 0, sizeof(*c));
	err_clear(ei);
	return cimom_enum_instances(f->s, cls, 0, &sink, ei);
}

/* Events of the activity log with [id] (and code, when non-zero) whose
 * text names [name]. */
static size_t events_naming(struct fx *f,
                            uint32_t id,
                            uint32_t code,
                            const char *name)
{
	struct cimom_activity_filter flt = { .event_id = id,
		                             .result_code = code };
	struct cimom_activity_event *ev = NULL;
	void *tmp = talloc_new(NULL);
	size_t n = 0, hits = 0;

	assert_true(
	        hr_ok(cimom_activity_read(tmp, f->log, &flt, &ev, &n, NULL)));
	for (size_t i = 0; i < n; i++) {
		char *text = cimom_activity_format_message(tmp, &ev[i]);

		if (strstr(text, name) != NULL) {
			hits++;
		}
	}
	talloc_free(tmp);
	return hits;
}

static void test_good_provider_queries(void **state)
{
	struct fx *f = fx_new();
	struct cim_object *o = NULL;
	struct cimom_stats st;
	struct count c;
	struct errinfo ei;

	(void)state;
	assert_true(hr_ok(enumerate(f, "Test_Item", &c, &ei)));
	assert_int_equal(c.n, 5);
	assert_string_equal(c.source, "enum");
	/* A WHERE on the key goes to the provider's get. */
	assert_true(hr_ok(
	        query(f, "SELECT * FROM Test_Item WHERE Id = 3", &c, &ei)));
	assert_int_equal(c.n, 1);
	assert_int_equal(c.first_id, 3);
	assert_string_equal(c.source, "get");
	cimom_session_stats(f->s, &st);
	assert_int_equal(st.index_lookups, 1);
	assert_true(hr_ok(
	        query(f, "SELECT * FROM Test_Item WHERE Id = 9", &c, &ei)));
	assert_int_equal(c.n, 0);
	/* An equality on another property reaches the provider's query. */
	assert_true(hr_ok(query(
	        f, "SELECT * FROM Test_Item WHERE Name = 'item2' AND Neg < 0",
	        &c, &ei)));
	assert_int_equal(c.n, 1);
	assert_int_equal(c.first_id, 2);
	assert_string_equal(c.source, "query");
	/* Other conditions are filtered by the object manager. */
	assert_true(hr_ok(
	        query(f, "SELECT Id FROM Test_Item WHERE Neg < -2", &c, &ei)));
	assert_int_equal(c.n, 3);
	assert_int_equal(c.id_sum, 2 + 3 + 4);
	assert_true(
	        hr_ok(cimom_get_object(f->s, f, "Test_Item.Id=4", 0, &o, &ei)));
	assert_false(o->is_class);
	assert_string_equal(cim_instance_get(o->u.inst, "Source")->v.s, "get");
	assert_true(
	        hr_eq(cimom_get_object(f->s, f, "Test_Item.Id=44", 0, &o, &ei),
	              HR_WBEM_E_NOT_FOUND));
	/* One host started, reported once as event 5857. */
	assert_int_equal(events_naming(f, CIMOM_EVENT_PROVIDER_STARTED, 0,
	                               "TpGood provider started with result "
	                               "code 0x0. HostProcess = wmiprvse"),
	                 1);
	assert_int_equal(events_naming(f, CIMOM_EVENT_PROVIDER_STARTED, 0,
	                               "libtp_good.so"),
	                 1);
	fx_free(f);
}

/* The uid a service-model host runs as: the service account when the
 * object manager is root, else the object manager's own. */
static uint32_t service_uid(struct fx *f)
{
	uint32_t uid = 0;

	cimom_provreg_service_account(f->pr, &uid, NULL);
	return geteuid() == 0 ? uid : (uint32_t)geteuid();
}

static struct cim_instance *item(void *mem,
                                 struct fx *f,
                                 uint32_t id,
                                 const char *name)
{
	struct cim_object *o = NULL;
	struct cim_instance *i;

	assert_true(
	        hr_ok(cimom_get_object(f->s, mem, "Test_Item", 0, &o, NULL)));
	i = cim_instance_new(mem, o->u.cls);
	cim_instance_set(
	        i, "Id",
	        &(struct cim_value){ .type = CIM_T_UINT32, .v.u = id });
	cim_instance_set(i, "Name",
	                 &(struct cim_value){ .type = CIM_T_STRING,
	                                      .v.s = (char *)name });
	return i;
}

static struct cim_instance *params(void *mem, const char *text)
{
	struct cim_class *local = cim_class_new(mem, "__PARAMETERS", NULL);
	struct cim_class *cls = NULL;
	struct cim_instance *in;

	cim_class_add_prop(local, "Text", CIM_T_STRING);
	assert_true(hr_ok(cim_class_resolve(mem, local, NULL, &cls, NULL)));
	in = cim_instance_new(mem, cls);
	cim_instance_set(in, "Text",
	                 &(struct cim_value){ .type = CIM_T_STRING,
	                                      .v.s = (char *)text });
	return in;
}

static void test_put_delete_methods(void **state)
{
	struct fx *f = fx_new();
	void *mem = talloc_new(NULL);
	struct cim_instance *out = NULL;
	struct errinfo ei;

	(void)state;
	err_clear(&ei);
	assert_true(hr_ok(cimom_put_instance(f->s, mem, item(mem, f, 7, "ok"),
	                                     0, NULL, &ei)));
	assert_true(hr_eq(cimom_put_instance(f->s, mem,
	                                     item(mem, f, 8, "forbidden"), 0,
	                                     NULL, &ei),
	                  HR_WBEM_E_ACCESS_DENIED));
	assert_true(
	        hr_ok(cimom_delete_instance(f->s, "Test_Item.Id=1", 0, &ei)));
	assert_true(
	        hr_eq(cimom_delete_instance(f->s, "Test_Item.Id=12", 0, &ei),
	              HR_WBEM_E_NOT_FOUND));
	assert_true(hr_ok(cimom_exec_method(f->s, mem, "Test_Item.Id=2", "Echo",
	                                    params(mem, "hi"), 0, &out, &ei)));
	assert_non_null(out);
	assert_string_equal(cim_instance_get(out, "Result")->v.s, "2:hi");
	assert_int_equal(cim_instance_get(out, "ReturnValue")->v.u, 0);
	out = NULL;
	assert_true(hr_ok(cimom_exec_method(f->s, mem, "Test_Item", "WhoAmI",
	                                    NULL, 0, &out, &ei)));
	/* NetworkServiceHost: the service account (when root can switch). */
	assert_int_equal(cim_instance_get(out, "Uid")->v.u, service_uid(f));
	assert_string_equal(cim_instance_get(out, "User")->v.s, "alice");
	assert_false(cim_instance_get(out, "HasIds")->v.b);
	talloc_free(mem);
	fx_free(f);
}

struct broken {
	const char *cls;
	const char *provider;
	hresult hr;
	bool by_enum; /* cimom_enum_instances instead of exec_query */
};

static void test_broken_providers(void **state)
{
	const struct broken cases[] = {
		{ "Test_Crash", "TpCrash", HR_WBEM_E_PROVIDER_FAILURE, false },
		{ "Test_Hang", "TpHang", HR_WBEM_E_PROVIDER_FAILURE, true },
		{ "Test_Hog", "TpHog", HR_WBEM_E_QUOTA_VIOLATION, false },
		{ "Test_Threads", "TpThreads", HR_WBEM_E_QUOTA_VIOLATION,
		  true },
		{ "Test_Handles", "TpHandles", HR_WBEM_E_QUOTA_VIOLATION,
		  false },
		{ "Test_NoPath", "TpNoPath",
		  HR_WBEM_E_INVALID_PROVIDER_REGISTRATION, true },
		{ "Test_BadModel", "TpBadModel",
		  HR_WBEM_E_INVALID_PROVIDER_REGISTRATION, false },
		{ "Test_NoReg", "TpNoReg",
		  HR_WBEM_E_INVALID_PROVIDER_REGISTRATION, true },
		{ "Test_Missing", "TpMissing", HR_WBEM_E_PROVIDER_NOT_FOUND,
		  false },
		{ "Test_NoInit", "TpNoInit", HR_WBEM_E_PROVIDER_LOAD_FAILURE,
		  true },
		{ "Test_NewAbi", "TpNewAbi", HR_WBEM_E_PROVIDER_LOAD_FAILURE,
		  false },
		{ "Test_InitFail", "TpInitFail",
		  HR_WBEM_E_PROVIDER_LOAD_FAILURE, true },
		{ "Test_NoFile", "TpNoFile", HR_WBEM_E_PROVIDER_LOAD_FAILURE,
		  false },
		{ "Test_Disabled", "TpDisabled", HR_WBEM_E_PROVIDER_DISABLED,
		  true },
	};
	struct fx *f = fx_new();
	struct count c;
	struct errinfo ei;
	char q[128];

	(void)state;
	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		const struct broken *b = &cases[i];
		hresult hr;

		snprintf(q, sizeof(q), "SELECT * FROM %s", b->cls);
		hr = b->by_enum ? enumerate(f, b->cls, &c, &ei)
		                : query(f, q, &c, &ei);
		if (!hr_eq(hr, b->hr)) {
			fprintf(stderr, "%s: got %s (%s), want %s\n", b->cls,
			        hr_name(hr), ei.msg, hr_name(b->hr));
		}
		assert_true(hr_eq(hr, b->hr));
		assert_non_null(strstr(ei.msg, b->provider));
		/* The next call on a good provider works. */
		assert_true(
		        hr_ok(query(f, "SELECT * FROM Test_Item", &c, &ei)));
		assert_int_equal(c.n, 5);
		/* Logged once (5858), with the provider's name. */
		assert_int_equal(events_naming(f, CIMOM_EVENT_CLIENT_FAILURE,
		                               b->hr.v, b->provider),
		                 1);
	}
	fx_free(f);
}

static void test_abi_refusal_message(void **state)
{
	struct fx *f = fx_new();
	struct count c;
	struct errinfo ei;

	(void)state;
	assert_true(hr_eq(enumerate(f, "Test_NewAbi", &c, &ei),
	                  HR_WBEM_E_PROVIDER_LOAD_FAILURE));
	assert_non_null(strstr(ei.msg, "needs provider ABI 2"));
	assert_true(hr_eq(enumerate(f, "Test_NoInit", &c, &ei),
	                  HR_WBEM_E_PROVIDER_LOAD_FAILURE));
	assert_non_null(strstr(ei.msg, "owmi_provider_init"));
	/* CLSID holding a path is accepted: the library loads and answers
	 * (it knows no Test_Clsid class). */
	assert_true(hr_eq(enumerate(f, "Test_Clsid", &c, &ei),
	                  HR_WBEM_E_INVALID_CLASS));
	fx_free(f);
}

static void test_million_instances_stream(void **state)
{
	struct fx *f = fx_new();
	struct count c;
	struct errinfo ei;
	uint64_t bound;
	uint64_t rss0;
	hresult hr;

	(void)state;
#if defined(__SANITIZE_ADDRESS__)
	bound = 400ull << 20; /* ASan's quarantine holds freed batches */
#else
	bound = 64ull << 20;
#endif
	unsetenv("OWMI_TP_BIG");
	/* Warm up: start the host and the caches. */
	assert_true(hr_ok(
	        query(f, "SELECT * FROM Test_Big WHERE Id = 1", &c, &ei)));
	rss0 = self_rss();
	memset(&c, 0, sizeof(c));
	c.rss_start = rss0;
	c.rss_max = rss0;
	hr = cimom_enum_instances(
	        f->s, "Test_Big", 0,
	        &(struct cimom_sink){ .indicate = count_indicate, .arg = &c },
	        &ei);
	if (hr_failed(hr)) {
		fprintf(stderr, "streaming failed after %llu: %s\n",
		        (unsigned long long)c.n, ei.msg);
	}
	assert_true(hr_ok(hr));
	assert_int_equal(c.n, 1000000);
	assert_int_equal(c.id_sum, 999999ull * 1000000ull / 2);
	fprintf(stderr, "streamed %llu instances; RSS %llu -> max %llu KiB\n",
	        (unsigned long long)c.n, (unsigned long long)(rss0 >> 10),
	        (unsigned long long)(c.rss_max >> 10));
	assert_true(c.rss_max - rss0 < bound);
	fx_free(f);
}

/* Hosts run as their HostingModel says (provreg.h). */
static void test_hosting_models(void **state)
{
	static const struct {
		const char *cls;
		bool system;
	} cases[] = {
		{ "Test_Item", false },  /* NetworkServiceHost:Tests */
		{ "Test_WhoSys", true }, /* LocalSystemHost */
		{ "Test_WhoSysOrSelf", true },
		{ "Test_WhoLocalSvc", false },
		{ "Test_WhoNetOrSelf", false },
		{ "Test_WhoNoModel", false }, /* Windows' default */
	};
	struct fx *f = fx_new();
	void *mem = talloc_new(NULL);
	struct cim_instance *out = NULL;
	const char *acct;
	uint32_t su = 0, sg = 0;
	struct errinfo ei;

	(void)state;
	acct = cimom_provreg_service_account(f->pr, &su, &sg);
	assert_non_null(acct);
	if (getpwnam("openwmi") != NULL) {
		assert_string_equal(acct, "openwmi");
	} else if (getpwnam("nobody") != NULL) {
		assert_string_equal(acct, "nobody");
		assert_int_equal(su, getpwnam("nobody")->pw_uid);
	}
	if (geteuid() == 0) {
		assert_int_not_equal(su, 0);
	}
	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		uint32_t want = cases[i].system ? (uint32_t)geteuid()
		                                : service_uid(f);

		out = NULL;
		err_clear(&ei);
		if (hr_failed(cimom_exec_method(f->s, mem, cases[i].cls,
		                                "WhoAmI", NULL, 0, &out,
		                                &ei))) {
			fprintf(stderr, "%s: %s\n", cases[i].cls, ei.msg);
			fail();
		}
		if (cim_instance_get(out, "Uid")->v.u != want) {
			fprintf(stderr, "%s: host uid %llu, want %u\n",
			        cases[i].cls,
			        (unsigned long long)cim_instance_get(out, "Uid")
			                ->v.u,
			        want);
			fail();
		}
		if (!cases[i].system && geteuid() == 0) {
			assert_int_equal(cim_instance_get(out, "Gid")->v.u, sg);
		}
	}
	talloc_free(mem);
	fx_free(f);
}

/* Compiles [mof] into the fixture's file through a handle of its own, as
 * mofcomp does while the object manager runs. */
static void mofcomp_other_handle(struct fx *f, const char *mof)
{
	struct mof_options mo = { .default_ns = "root\\cimv2" };
	struct repo *r = NULL;
	struct errinfo ei;
	hresult hr;

	err_clear(&ei);
	assert_true(hr_ok(repo_open(NULL, f->db, 0, &r, &ei)));
	hr = mof_compile_buffer(r, mof, strlen(mof), "change.mof", &mo, NULL,
	                        &ei);
	if (hr_failed(hr)) {
		fprintf(stderr, "mof: %s %s\n", hr_name(hr), ei.msg);
	}
	assert_true(hr_ok(hr));
	repo_close(r);
}

static uint64_t reg_reads(struct fx *f)
{
	struct cimom_provreg_stats st;

	cimom_provreg_get_stats(f->pr, &st);
	return st.reg_reads;
}

/*
 * Registrations are cached between calls and a registration change is
 * seen by the very next call, whoever wrote it; other writes keep the
 * cache.
 */
static void test_registration_cache(void **state)
{
	static const char disable[] =
	        "instance of __Win32Provider { Name = \"TpGood\";\n"
	        "  LibraryPath = \"libtp_good.so\";\n"
	        "  HostingModel = \"NetworkServiceHost:Tests\";\n"
	        "  Enabled = FALSE; };\n";
	static const char enable[] =
	        "instance of __Win32Provider { Name = \"TpGood\";\n"
	        "  LibraryPath = \"libtp_good.so\";\n"
	        "  HostingModel = \"NetworkServiceHost:Tests\"; };\n";
	static const char no_get[] =
	        "instance of __InstanceProviderRegistration {\n"
	        "  Provider = \"__Win32Provider.Name=\\\"TpGood\\\"\";\n"
	        "  SupportsGet = FALSE; };\n";
	struct fx *f = fx_new();
	struct mof_options mo = { .default_ns = "root\\cimv2" };
	struct count c;
	struct errinfo ei;
	uint64_t r0;

	(void)state;
	assert_true(hr_ok(query(f, "SELECT * FROM Test_Item", &c, &ei)));
	r0 = reg_reads(f);
	assert_true(r0 >= 1);
	for (int i = 0; i < 3; i++) {
		assert_true(
		        hr_ok(query(f, "SELECT * FROM Test_Item", &c, &ei)));
		assert_int_equal(c.n, 5);
	}
	assert_int_equal(reg_reads(f), r0);

	/* An instance of another class, through another handle: kept. */
	mofcomp_other_handle(f, "class Test_Static { [key] uint32 Id; };\n");
	assert_true(hr_ok(query(f, "SELECT * FROM Test_Item", &c, &ei)));
	r0 = reg_reads(f);
	mofcomp_other_handle(f, "instance of Test_Static { Id = 1; };\n");
	assert_true(hr_ok(query(f, "SELECT * FROM Test_Item", &c, &ei)));
	assert_int_equal(reg_reads(f), r0);

	/* mofcomp disables the provider: the next call sees it. */
	mofcomp_other_handle(f, disable);
	assert_true(hr_eq(query(f, "SELECT * FROM Test_Item", &c, &ei),
	                  HR_WBEM_E_PROVIDER_DISABLED));
	assert_int_equal(reg_reads(f), r0 + 1);
	mofcomp_other_handle(f, enable);
	assert_true(hr_ok(query(f, "SELECT * FROM Test_Item", &c, &ei)));
	assert_int_equal(c.n, 5);

	/* The same through the object manager's own handle. */
	assert_true(hr_ok(mof_compile_buffer(f->repo, disable, strlen(disable),
	                                     "d.mof", &mo, NULL, &ei)));
	assert_true(hr_eq(enumerate(f, "Test_Item", &c, &ei),
	                  HR_WBEM_E_PROVIDER_DISABLED));
	assert_true(hr_ok(mof_compile_buffer(f->repo, enable, strlen(enable),
	                                     "e.mof", &mo, NULL, &ei)));
	assert_true(hr_ok(enumerate(f, "Test_Item", &c, &ei)));
	assert_int_equal(c.n, 5);

	/* A registration replaced without SupportsGet and
	 * QuerySupportLevels: the key lookup no longer reaches the
	 * provider's get, and the scan is an enumeration. */
	assert_true(hr_ok(
	        query(f, "SELECT * FROM Test_Item WHERE Id = 3", &c, &ei)));
	assert_string_equal(c.source, "get");
	mofcomp_other_handle(f, no_get);
	assert_true(hr_ok(
	        query(f, "SELECT * FROM Test_Item WHERE Id = 3", &c, &ei)));
	assert_int_equal(c.n, 1);
	assert_string_equal(c.source, "enum");
	fx_free(f);
}

/*
 * A key lookup on an abstract parent reaches the providers of its dynamic
 * subclasses: Test_Big's get with the key, Test_BigScan (no get) scanned
 * and filtered.  As SELECT * FROM CIM_Process WHERE Handle = 'n' on
 * Windows.
 */
static void test_key_lookup_through_abstract_parent(void **state)
{
	struct fx *f = fx_new();
	struct cimom_stats st0, st1;
	struct count c;
	struct errinfo ei;

	(void)state;
	cimom_session_stats(f->s, &st0);
	assert_true(hr_ok(
	        query(f, "SELECT * FROM Test_BigBase WHERE Id = 7", &c, &ei)));
	cimom_session_stats(f->s, &st1);
	assert_int_equal(c.n, 1);
	assert_int_equal(c.first_id, 7);
	/* the repository's index and Test_Big's get; Test_BigScan's scan */
	assert_int_equal(st1.index_lookups - st0.index_lookups, 2);
	assert_int_equal(st1.class_scans - st0.class_scans, 1);
	assert_true(hr_ok(
	        query(f, "SELECT * FROM Test_BigBase WHERE Id = 1", &c, &ei)));
	assert_int_equal(c.n, 2);
	assert_int_equal(c.id_sum, 2);
	assert_true(hr_ok(query(f,
	                        "SELECT * FROM Test_BigBase WHERE Id = 1 AND "
	                        "Name = 'scan'",
	                        &c, &ei)));
	assert_int_equal(c.n, 1);
	fx_free(f);
}

/* Quotas come from root's __ProviderHostQuotaConfiguration=@. */
static void test_quota_configuration(void **state)
{
	struct fx *f = fx_new();
	struct provhost_quota q;

	(void)state;
	cimom_provreg_quota(f->pr, &q);
	assert_int_equal(q.threads_per_host, 24);
	assert_int_equal(q.handles_per_host, 64);
	assert_int_equal(q.process_limit, 32);
#if !defined(__SANITIZE_ADDRESS__)
	assert_int_equal(q.memory_per_host, 268435456);
	assert_int_equal(q.memory_all_hosts, 805306368);
#endif
	fx_free(f);
}

/* ---- idle shutdown ---------------------------------------------------- */

static const char clear_after_mof[] =
        "#pragma namespace(\"\\\\\\\\.\\\\root\")\n"
        "class __CacheControl : __SystemClass { datetime ClearAfter; };\n"
        "[singleton] class __ObjectProviderCacheControl : __CacheControl "
        "{ };\n"
        "instance of __ObjectProviderCacheControl {\n"
        "  ClearAfter = \"00000000000000.200000:000\"; };\n";

/* Without __ObjectProviderCacheControl=@: Windows' 30 s. */
static void test_idle_timeout_default(void **state)
{
	struct fx *f = fx_new();

	(void)state;
	assert_int_equal(provhost_idle_timeout(cimom_provreg_hosts(f->pr)),
	                 30000);
	fx_free(f);
}

/*
 * Root's __ObjectProviderCacheControl=@ ClearAfter (200 ms here) stops an
 * idle host; the next query starts a new one and answers; the
 * configuration overrides ClearAfter.
 */
static void test_idle_timeout_clear_after(void **state)
{
	struct provhost_stats st;
	struct count c;
	struct errinfo ei;
	struct fx *f;
	int i;

	(void)state;
	g_extra_mof = clear_after_mof;
	f = fx_new();
	g_extra_mof = NULL;
	assert_int_equal(provhost_idle_timeout(cimom_provreg_hosts(f->pr)),
	                 200);
	assert_true(hr_ok(enumerate(f, "Test_Item", &c, &ei)));
	assert_int_equal(c.n, 5);
	for (i = 0; i < 400; i++) {
		provhost_get_stats(cimom_provreg_hosts(f->pr), &st);
		if (st.hosts == 0 && st.idle_stopped == 1) {
			break;
		}
		usleep(5000);
	}
	assert_int_equal(st.hosts, 0);
	assert_int_equal(st.idle_stopped, 1);
	assert_true(hr_ok(enumerate(f, "Test_Item", &c, &ei)));
	assert_int_equal(c.n, 5);
	provhost_get_stats(cimom_provreg_hosts(f->pr), &st);
	assert_int_equal(st.started, 2);
	assert_int_equal(st.crashed, 0);
	fx_free(f);

	g_extra_mof = clear_after_mof;
	g_idle_ms = 5000;
	f = fx_new();
	g_extra_mof = NULL;
	g_idle_ms = 0;
	assert_int_equal(provhost_idle_timeout(cimom_provreg_hosts(f->pr)),
	                 5000);
	fx_free(f);
}

/* ---- impersonation --------------------------------------------------- */

static int run(const char *cmd)
{
	int st = system(cmd);

	return WIFEXITED(st) ? WEXITSTATUS(st) : -1;
}

static int impersonation(void)
{
	char user[32], cmd[128];
	struct passwd *pw;
	struct fx *f;
	struct cimom_session *s2 = NULL;
	struct cimom_identity id = { .domain = NULL, .pid = 1 };
	struct cim_instance *out = NULL;
	struct errinfo ei;
	void *mem;
	int fails = 0;

	if (geteuid() != 0) {
		fprintf(stderr, "impersonation test needs root; skipped\n");
		return 77;
	}
	snprintf(user, sizeof(user), "owmitp%d", (int)getpid());
	snprintf(cmd, sizeof(cmd), "useradd -M -N -r -s /usr/sbin/nologin %s",
	         user);
	if (run(cmd) != 0) {
		fprintf(stderr, "useradd failed; skipped\n");
		return 77;
	}
	pw = getpwnam(user);
	f = fx_new();
	mem = talloc_new(NULL);
	id.user = user;
	id.has_unix_ids = true;
	id.uid = pw->pw_uid;
	id.gid = pw->pw_gid;
	id.impersonate = true;
	err_clear(&ei);
	if (hr_failed(cimom_session_open(f->cm, mem, &id, "root\\cimv2", &s2,
	                                 &ei)) ||
	    hr_failed(cimom_exec_method(s2, mem, "Test_Item", "WhoAmI", NULL, 0,
	                                &out, &ei))) {
		fprintf(stderr, "WhoAmI as %s failed: %s\n", user, ei.msg);
		fails++;
	} else {
		uint64_t uid = cim_instance_get(out, "Uid")->v.u;
		uint64_t gid = cim_instance_get(out, "Gid")->v.u;
		uint64_t cuid = cim_instance_get(out, "CtxUid")->v.u;

		fprintf(stderr, "host ran as uid %llu gid %llu (want %u %u)\n",
		        (unsigned long long)uid, (unsigned long long)gid,
		        (unsigned)pw->pw_uid, (unsigned)pw->pw_gid);
		fails += uid != pw->pw_uid || gid != pw->pw_gid ||
		         cuid != pw->pw_uid ||
		         !cim_instance_get(out, "HasIds")->v.b;
	}
	/* The same provider without impersonation runs as its hosting
	 * model's account. */
	out = NULL;
	if (hr_failed(cimom_exec_method(f->s, mem, "Test_Item", "WhoAmI", NULL,
	                                0, &out, &ei)) ||
	    cim_instance_get(out, "Uid")->v.u != service_uid(f)) {
		fprintf(stderr, "WhoAmI without impersonation failed\n");
		fails++;
	}
	talloc_free(mem);
	fx_free(f);
	snprintf(cmd, sizeof(cmd), "userdel %s", user);
	if (run(cmd) != 0) {
		fprintf(stderr, "userdel %s failed\n", user);
		fails++;
	}
	return fails == 0 ? 0 : 1;
}

int main(int argc, char **argv)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_good_provider_queries),
		cmocka_unit_test(test_put_delete_methods),
		cmocka_unit_test(test_broken_providers),
		cmocka_unit_test(test_abi_refusal_message),
		cmocka_unit_test(test_million_instances_stream),
		cmocka_unit_test(test_hosting_models),
		cmocka_unit_test(test_registration_cache),
		cmocka_unit_test(test_quota_configuration),
		cmocka_unit_test(test_idle_timeout_default),
		cmocka_unit_test(test_idle_timeout_clear_after),
		cmocka_unit_test(test_key_lookup_through_abstract_parent),
	};

	if (argc < 4) {
		fprintf(stderr, "usage: test_providers WMIPRVSE PROVIDER_DIR "
		                "REPOSITORY [impersonate]\n");
		return 2;
	}
	g_host = argv[1];
	g_dir = argv[2];
	g_repo = argv[3];
	if (argc > 4 && strcmp(argv[4], "impersonate") == 0) {
		return impersonation();
	}
	return cmocka_run_group_tests(tests, NULL, NULL);
}
