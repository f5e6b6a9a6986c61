/*
 * tp_good: the test provider of the provider host tests (built in tests
 * only).  One library serves several registrations; what it does depends
 * on the class of the call:
 *
 *   Test_Item     5 instances (Id 0..4) with every property type; get,
 *                 put, delete, a query that filters on Name, and the
 *                 methods WhoAmI (static) and Echo;
 *   Test_Big      OWMI_TP_BIG instances (default 1000000), streamed;
 *                 get of any Id;
 *   Test_BigScan  3 instances (Id 0..2), no get (a sibling of Test_Big
 *                 under an abstract parent in the tests' MOF);
 *   Test_Crash    enumerate crashes (SIGSEGV);
 *   Test_Hang     enumerate spins forever;
 *   Test_Hog      enumerate allocates memory until stopped;
 *   Test_Threads  enumerate starts 64 sleeping threads and waits;
 *   Test_Handles  enumerate opens 256 descriptors and returns;
 *   Test_Hold     enumerate allocates and touches OWMI_TP_HOLD_MB MiB
 *                 (default 96), keeps it and returns no instance: an idle
 *                 host that holds memory;
 *   Test_Slow     enumerate sleeps OWMI_TP_SLOW_MS ms (default 300) and
 *                 returns no instance: a call in flight for a while.
 *
 * cleanup: with OWMI_TP_CLEANUP_DIR set, creates <dir>/cleanup.<pid> (the
 * idle-shutdown tests check that the provider's cleanup ran); with
 * OWMI_TP_CLEANUP_HANG set, never returns (a host that must be killed).
 *
 * Every instance carries Source = "enum", "get" or "query", so that tests
 * can tell which callback produced it.
 */
#include <fcntl.h>
#include <pthread.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/mman.h>
#include <unistd.h>

#include "openwmi/provider.h"

static const struct owmi_host *H;

#define N_ITEMS 5u

static int32_t make_item(struct owmi_ctx *ctx,
                         uint32_t id,
                         const char *source,
                         struct owmi_instance **out)
{
	static const uint16_t codes[] = { 1, 2, 65535 };
	const char *tags[] = { "alpha", "beta" };
	char name[32];
	int32_t rc;
	struct owmi_instance *inst = NULL;

	rc = H->instance_new(ctx, "Test_Item", &inst);
	if (OWMI_FAILED(rc)) {
		return rc;
	}
	snprintf(name, sizeof(name), "item%u", id);
	if (OWMI_FAILED(rc = H->set_uint32(inst, "Id", id)) ||
	    OWMI_FAILED(rc = H->set_string(inst, "Name", name)) ||
	    OWMI_FAILED(
	            rc = H->set_uint64(inst, "Big", UINT64_C(1) << 40 | id)) ||
	    OWMI_FAILED(rc = H->set_sint32(inst, "Neg", -(int32_t)id - 1)) ||
	    OWMI_FAILED(rc = H->set_bool(inst, "Flag", id % 2 == 0)) ||
	    OWMI_FAILED(rc = H->set_real64(inst, "Ratio", id / 4.0)) ||
	    OWMI_FAILED(rc = H->set_datetime_unix(inst, "When", 1700000000 + id,
	                                          250000, 60)) ||
	    OWMI_FAILED(rc = H->set_uint16_array(inst, "Codes", codes, 3)) ||
	    OWMI_FAILED(rc = H->set_string_array(inst, "Tags", tags, 2)) ||
	    OWMI_FAILED(rc = H->set_string(inst, "Source", source))) {
		H->instance_free(inst);
		return rc;
	}
	*out = inst;
	return OWMI_S_OK;
}

static int32_t post_item(struct owmi_ctx *ctx, uint32_t id, const char *src)
{
	struct owmi_instance *inst = NULL;
	int32_t rc = make_item(ctx, id, src, &inst);

	return OWMI_FAILED(rc) ? rc : H->post(ctx, inst);
}

static int32_t enum_big(struct owmi_ctx *ctx)
{
	const char *env = getenv("OWMI_TP_BIG");
	uint32_t n = env != NULL ? (uint32_t)strtoul(env, NULL, 10) : 1000000u;
	char name[32];

	for (uint32_t i = 0; i < n; i++) {
		struct owmi_instance *inst = NULL;
		int32_t rc = H->instance_new(ctx, "Test_Big", &inst);

		if (OWMI_FAILED(rc)) {
			return rc;
		}
		snprintf(name, sizeof(name), "big%u", i);
		H->set_uint32(inst, "Id", i);
		H->set_string(inst, "Name", name);
		H->set_uint64(inst, "Value", (uint64_t)i * 3);
		rc = H->post(ctx, inst);
		if (OWMI_FAILED(rc)) {
			return rc;
		}
	}
	return OWMI_S_OK;
}

static void *sleeper(void *arg)
{
	(void)arg;
	for (;;) {
		pause();
	}
	return NULL;
}

static int32_t misbehave(const char *cls)
{
	if (strcasecmp(cls, "Test_Crash") == 0) {
		raise(SIGSEGV);
		return OWMI_E_FAILED;
	}
	if (strcasecmp(cls, "Test_Hang") == 0) {
		volatile uint64_t spin = 0;

		for (;;) {
			spin++;
		}
	}
	if (strcasecmp(cls, "Test_Hog") == 0) {
		/* Up to 4 GiB, touched, then wait to be stopped. */
		for (int i = 0; i < 128; i++) {
			size_t sz = (size_t)32 << 20;
			void *p = mmap(NULL, sz, PROT_READ | PROT_WRITE,
			               MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);

			if (p == MAP_FAILED) {
				break;
			}
			memset(p, 0x5A, sz);
		}
		for (;;) {
			pause();
		}
	}
	if (strcasecmp(cls, "Test_Threads") == 0) {
		for (int i = 0; i < 64; i++) {
			pthread_t t;

			pthread_create(&t, NULL, sleeper, NULL);
		}
		for (;;) {
			pause();
		}
	}
	if (strcasecmp(cls, "Test_Hold") == 0) {
		const char *env = getenv("OWMI_TP_HOLD_MB");
		size_t sz = (size_t)(env != NULL ? atoi(env) : 96) << 20;
		void *p = mmap(NULL, sz, PROT_READ | PROT_WRITE,
		               MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);

		if (p == MAP_FAILED) {
			return OWMI_E_OUT_OF_MEMORY;
		}
		memset(p, 0x5A, sz); /* kept: the host holds it while idle */
		return OWMI_S_OK;
	}
	if (strcasecmp(cls, "Test_Slow") == 0) {
		const char *env = getenv("OWMI_TP_SLOW_MS");

		usleep((useconds_t)(env != NULL ? atoi(env) : 300) * 1000u);
		return OWMI_S_OK;
	}
	if (strcasecmp(cls, "Test_Handles") == 0) {
		for (int i = 0; i < 256; i++) {
			if (open("/dev/null", O_RDONLY) < 0) {
				break;
			}
		}
		return OWMI_S_OK;
	}
	return OWMI_E_INVALID_CLASS;
}

static int32_t tp_enumerate(struct owmi_ctx *ctx, const char *cls)
{
	if (strcasecmp(cls, "Test_Item") == 0) {
		for (uint32_t i = 0; i < N_ITEMS; i++) {
			int32_t rc = post_item(ctx, i, "enum");

			if (OWMI_FAILED(rc)) {
				return rc;
			}
		}
		return OWMI_S_OK;
	}
	if (strcasecmp(cls, "Test_Big") == 0) {
		return enum_big(ctx);
	}
	if (strcasecmp(cls, "Test_BigScan") == 0) {
		for (uint32_t i = 0; i < 3; i++) {
			struct owmi_instance *inst = NULL;
			int32_t rc = H->instance_new(ctx, cls, &inst);

			if (OWMI_FAILED(rc)) {
				return rc;
			}
			H->set_uint32(inst, "Id", i);
			H->set_string(inst, "Name", "scan");
			rc = H->post(ctx, inst);
			if (OWMI_FAILED(rc)) {
				return rc;
			}
		}
		return OWMI_S_OK;
	}
	return misbehave(cls);
}

static int32_t tp_get(struct owmi_ctx *ctx,
                      const char *cls,
                      const struct owmi_keys *keys)
{
	const char *id = H->key_get(keys, "Id");
	struct owmi_instance *inst = NULL;
	unsigned long v;
	int32_t rc;

	if (id == NULL) {
		return OWMI_E_INVALID_PARAMETER;
	}
	v = strtoul(id, NULL, 10);
	if (strcasecmp(cls, "Test_Big") == 0) {
		rc = H->instance_new(ctx, "Test_Big", &inst);
		if (OWMI_FAILED(rc)) {
			return rc;
		}
		H->set_uint32(inst, "Id", (uint32_t)v);
		H->set_string(inst, "Name", "big");
		H->set_uint64(inst, "Value", (uint64_t)v * 3);
		return H->post(ctx, inst);
	}
	if (strcasecmp(cls, "Test_Item") != 0) {
		return OWMI_E_INVALID_CLASS;
	}
	if (v >= N_ITEMS) {
		return OWMI_E_NOT_FOUND;
	}
	return post_item(ctx, (uint32_t)v, "get");
}

static int32_t tp_query(struct owmi_ctx *ctx,
                        const char *cls,
                        const struct owmi_query *q)
{
	const char *name = NULL;

	if (strcasecmp(cls, "Test_Item") != 0 ||
	    H->query_eq(q, "Name", &name) != OWMI_S_OK) {
		return OWMI_E_PROVIDER_NOT_CAPABLE;
	}
	for (uint32_t i = 0; i < N_ITEMS; i++) {
		char buf[32];

		snprintf(buf, sizeof(buf), "item%u", i);
		if (strcasecmp(buf, name) == 0) {
			return post_item(ctx, i, "query");
		}
	}
	return OWMI_S_OK;
}

static int32_t tp_put(struct owmi_ctx *ctx,
                      const struct owmi_instance *inst,
                      uint32_t flags)
{
	uint64_t id = 0;
	const char *name = NULL;

	(void)ctx;
	if (H->get_uint64(inst, "Id", &id) != OWMI_S_OK ||
	    H->get_string(inst, "Name", &name) != OWMI_S_OK) {
		return OWMI_E_INVALID_PARAMETER;
	}
	if (id < N_ITEMS && (flags & OWMI_PUT_CREATE_ONLY) != 0) {
		return OWMI_E_ALREADY_EXISTS;
	}
	/* A name the provider refuses, to check error codes travel. */
	return strcmp(name, "forbidden") == 0 ? OWMI_E_ACCESS_DENIED
	                                      : OWMI_S_OK;
}

static int32_t tp_del(struct owmi_ctx *ctx,
                      const char *cls,
                      const struct owmi_keys *keys)
{
	const char *id = H->key_get(keys, "Id");

	(void)ctx;
	(void)cls;
	return id != NULL && strtoul(id, NULL, 10) < N_ITEMS ? OWMI_S_OK
	                                                     : OWMI_E_NOT_FOUND;
}

static int32_t tp_method(struct owmi_ctx *ctx,
                         const char *cls,
                         const struct owmi_keys *keys,
                         const char *method,
                         const struct owmi_instance *in,
                         struct owmi_instance *out)
{
	uint32_t uid = 0, gid = 0;
	int32_t has;

	(void)cls;
	if (strcasecmp(method, "WhoAmI") == 0) {
		has = H->ctx_unix_ids(ctx, &uid, &gid);
		H->set_uint32(out, "Uid", (uint32_t)getuid());
		H->set_uint32(out, "Gid", (uint32_t)getgid());
		H->set_string(out, "User", H->ctx_user(ctx));
		H->set_uint32(out, "CtxUid", uid);
		H->set_bool(out, "HasIds", has == OWMI_S_OK);
		H->set_uint32(out, "ReturnValue", keys == NULL ? 0 : 1);
		return OWMI_S_OK;
	}
	if (strcasecmp(method, "Echo") == 0) {
		const char *text = NULL;
		char buf[256];

		if (keys == NULL || in == NULL ||
		    H->get_string(in, "Text", &text) != OWMI_S_OK) {
			return OWMI_E_INVALID_METHOD_PARAMETERS;
		}
		snprintf(buf, sizeof(buf), "%s:%s", H->key_get(keys, "Id"),
		         text);
		H->set_string(out, "Result", buf);
		H->set_uint32(out, "ReturnValue", 0);
		return OWMI_S_OK;
	}
	return OWMI_E_INVALID_METHOD;
}

static void tp_cleanup(void *data)
{
	const char *dir = getenv("OWMI_TP_CLEANUP_DIR");

	(void)data;
	if (dir != NULL) {
		char path[512];
		int fd;

		snprintf(path, sizeof(path), "%s/cleanup.%d", dir,
		         (int)getpid());
		fd = open(path, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0600);
		if (fd >= 0) {
			close(fd);
		}
	}
	if (getenv("OWMI_TP_CLEANUP_HANG") != NULL) {
		for (;;) {
			pause();
		}
	}
}

OWMI_PROVIDER_EXPORT int owmi_provider_init(const struct owmi_host *host,
                                            uint32_t host_abi,
                                            struct owmi_provider *out)
{
	if (host_abi < 1 || host->struct_size < sizeof(struct owmi_host)) {
		return OWMI_E_PROVIDER_LOAD_FAILURE;
	}
	H = host;
	out->abi_version = OWMI_PROVIDER_ABI_VERSION;
	out->struct_size = sizeof(*out);
	out->name = "TpGood";
	out->enumerate = tp_enumerate;
	out->get = tp_get;
	out->put = tp_put;
	out->del = tp_del;
	out->exec_query = tp_query;
	out->exec_method = tp_method;
	out->cleanup = tp_cleanup;
	return OWMI_S_OK;
}
