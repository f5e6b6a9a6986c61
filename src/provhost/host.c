/*
 * host: the wmiprvse side of the provider host protocol (provhost layer).
 *
 * One process, one provider library: the object manager sends LOAD, then
 * requests one at a time.  Each request becomes one provider callback with
 * a fresh call context; posted instances leave in BATCH frames while the
 * callback runs, and the call ends with STATUS.  End of file on the socket
 * ends the process (after the provider's cleanup).
 */
#include <dlfcn.h>
#include <errno.h>
#include <poll.h>
#include <stddef.h>
#include <stdio.h>
#include <string.h>
#include <sys/socket.h>
#include <talloc.h>
#include <unistd.h>

#include "base/buf.h"
#include "base/utf.h"
#include "provhost/provhost-int.h"

/* The entry point's type. */
typedef int owmi_init_fn(const struct owmi_host *host,
                         uint32_t host_abi,
                         struct owmi_provider *out);

/* A decoded class kept across calls, keyed by its encoded bytes. */
struct class_cache {
	char *ns;
	uint8_t *blob;
	size_t len;
	struct cim_class *cls;
};

#define CLASS_CACHE_MAX 64u

struct host {
	int fd;
	uint32_t pid;
	uint32_t handles;
	void *lib;
	bool loaded;
	struct owmi_provider prov;
	char *provider;
	struct buf out; /* the frame being sent */
	uint8_t *rbuf;  /* the frame being read */
	size_t rcap;
	struct class_cache *cache;
	uint32_t n_cache;
	uint32_t call_id;
	bool broken; /* the connection failed: stop */
};

/* ---- I/O ------------------------------------------------------------- */

static bool send_all(struct host *h, const void *data, size_t len)
{
	const uint8_t *d = data;

	while (len > 0 && !h->broken) {
		ssize_t n = send(h->fd, d, len, MSG_NOSIGNAL);

		if (n < 0 && errno == EINTR) {
			continue;
		}
		if (n <= 0) {
			h->broken = true;
			break;
		}
		d += n;
		len -= (size_t)n;
	}
	return !h->broken;
}

static bool recv_all(struct host *h, void *data, size_t len)
{
	uint8_t *d = data;

	while (len > 0) {
		ssize_t n = recv(h->fd, d, len, 0);

		if (n < 0 && errno == EINTR) {
			continue;
		}
		if (n <= 0) {
			return false;
		}
		d += n;
		len -= (size_t)n;
	}
	return true;
}

/* Sends [m] (call id filled in). */
static void send_msg(struct host *h, struct provframe_msg *m)
{
	m->call_id = h->call_id;
	buf_reset(&h->out);
	if (hr_failed(provframe_encode(&h->out, m))) {
		h->broken = true;
		return;
	}
	send_all(h, h->out.data, h->out.len);
}

static void send_status(struct host *h, int32_t rc, const char *msg)
{
	struct provframe_msg m = { .type = PROVFRAME_STATUS };

	m.hr = (uint32_t)rc;
	m.pid = h->pid;
	m.message = msg;
	send_msg(h, &m);
}

/*
 * Reads one frame into [m] (under [mem]; blobs borrow h->rbuf until the
 * next read).  False at end of file or on a malformed frame.
 */
static bool read_msg(struct host *h, void *mem, struct provframe_msg *m)
{
	uint8_t hdr[PROVFRAME_HDR_LEN];
	uint32_t plen;
	size_t total;

	if (!recv_all(h, hdr, sizeof(hdr)) ||
	    hr_failed(provframe_peek(hdr, sizeof(hdr), NULL, &plen, NULL))) {
		return false;
	}
	total = PROVFRAME_HDR_LEN + (size_t)plen;
	if (total > h->rcap) {
		uint8_t *nb = talloc_realloc(h, h->rbuf, uint8_t, total);

		if (nb == NULL) {
			return false;
		}
		h->rbuf = nb;
		h->rcap = total;
	}
	memcpy(h->rbuf, hdr, sizeof(hdr));
	if (!recv_all(h, h->rbuf + PROVFRAME_HDR_LEN, plen)) {
		return false;
	}
	return hr_ok(provframe_decode(mem, h->rbuf, total, m));
}

/* ---- call context I/O ------------------------------------------------- */

static hresult io_flush(struct owmi_ctx *ctx)
{
	struct host *h = ctx->io->arg;
	hresult hr;

	buf_reset(&h->out);
	hr = host_batch_take(ctx, &h->out);
	if (hr_failed(hr)) {
		return hr;
	}
	if (!send_all(h, h->out.data, h->out.len)) {
		/* The object manager is gone; stop the provider. */
		ctx->cancelled = true;
	}
	return HR_OK;
}

/* Reads a frame that arrived during a call: CANCEL, or CLASS when asked. */
static bool read_mid_call(struct owmi_ctx *ctx,
                          void *mem,
                          struct provframe_msg *m)
{
	struct host *h = ctx->io->arg;

	if (!read_msg(h, mem, m) || m->call_id != h->call_id) {
		h->broken = true;
		ctx->cancelled = true;
		return false;
	}
	if (m->type == PROVFRAME_CANCEL) {
		ctx->cancelled = true;
	}
	return true;
}

static bool io_poll_cancel(struct owmi_ctx *ctx)
{
	struct host *h = ctx->io->arg;
	struct pollfd pfd = { .fd = h->fd, .events = POLLIN };
	struct provframe_msg m;

	while (!ctx->cancelled && poll(&pfd, 1, 0) == 1) {
		void *tmp = talloc_new(ctx->mem);

		read_mid_call(ctx, tmp, &m);
		talloc_free(tmp);
	}
	return ctx->cancelled;
}

static hresult io_need_class(struct owmi_ctx *ctx,
                             const char *name,
                             struct cim_class **out)
{
	struct host *h = ctx->io->arg;
	struct provframe_msg m = { .type = PROVFRAME_NEED_CLASS };
	hresult hr;

	m.cls_name = name;
	send_msg(h, &m);
	for (;;) {
		void *tmp = talloc_new(ctx->mem);

		if (tmp == NULL || !read_mid_call(ctx, tmp, &m)) {
			talloc_free(tmp);
			return HR_WBEM_E_INVALID_CLASS;
		}
		if (m.type != PROVFRAME_CLASS) {
			talloc_free(tmp);
			continue;
		}
		hr = HR(m.hr);
		if (hr_ok(hr)) {
			hr = cim_class_decode(ctx->mem, m.cls.p, m.cls.len,
			                      out);
		}
		talloc_free(tmp);
		return hr;
	}
}

static void io_log(const struct owmi_ctx *ctx, uint32_t level, const char *msg)
{
	struct host *h = ctx->io->arg;
	struct provframe_msg m = { .type = PROVFRAME_LOG };

	m.level = level;
	m.message = msg;
	send_msg(h, &m);
}

/* ---- LOAD ------------------------------------------------------------ */

static void do_load(struct host *h, const struct provframe_msg *m)
{
	/* Room for a provider table larger than ours (a newer ABI). */
	union {
		struct owmi_provider p;
		uint8_t room[4096];
	} out;
	owmi_init_fn *init;
	char msg[512];
	int rc;

	if (h->loaded) {
		send_status(h, OWMI_E_PROVIDER_LOAD_FAILURE,
		            "a provider is already loaded in this host");
		return;
	}
	h->provider = talloc_strdup(h, m->provider);
	h->lib = dlopen(m->library, RTLD_NOW | RTLD_LOCAL);
	if (h->lib == NULL) {
		snprintf(msg, sizeof(msg), "cannot load '%s': %s", m->library,
		         dlerror());
		send_status(h, OWMI_E_PROVIDER_LOAD_FAILURE, msg);
		return;
	}
	init = (owmi_init_fn *)dlsym(h->lib, "owmi_provider_init");
	if (init == NULL) {
		snprintf(msg, sizeof(msg),
		         "'%s' does not export owmi_provider_init", m->library);
		goto fail;
	}
	memset(&out, 0, sizeof(out));
	rc = init(host_api(), OWMI_PROVIDER_ABI_VERSION, &out.p);
	if (OWMI_FAILED(rc)) {
		snprintf(msg, sizeof(msg),
		         "owmi_provider_init of '%s' failed with 0x%08X",
		         m->library, (uint32_t)rc);
		goto fail;
	}
	if (out.p.abi_version > OWMI_PROVIDER_ABI_VERSION) {
		snprintf(msg, sizeof(msg),
		         "'%s' needs provider ABI %u; this host has ABI %u",
		         m->library, out.p.abi_version,
		         OWMI_PROVIDER_ABI_VERSION);
		goto fail;
	}
	if (out.p.abi_version == 0 ||
	    out.p.struct_size < offsetof(struct owmi_provider, cleanup) +
	                                sizeof(out.p.cleanup) ||
	    out.p.struct_size > sizeof(out)) {
		snprintf(msg, sizeof(msg),
		         "'%s' filled an invalid provider table (ABI %u, "
		         "size %u)",
		         m->library, out.p.abi_version, out.p.struct_size);
		goto fail;
	}
	memset(&h->prov, 0, sizeof(h->prov));
	memcpy(&h->prov, &out,
	       out.p.struct_size < sizeof(h->prov) ? out.p.struct_size
	                                           : sizeof(h->prov));
	h->loaded = true;
	send_status(h, OWMI_S_OK, NULL);
	return;
fail:
	dlclose(h->lib);
	h->lib = NULL;
	send_status(h, OWMI_E_PROVIDER_LOAD_FAILURE, msg);
}

/* ---- calls ---------------------------------------------------------- */

/* The resolved class of a call, decoded once per distinct encoding. */
static hresult call_class(struct host *h,
                          const char *ns,
                          const struct provframe_blob *bl,
                          struct cim_class **out)
{
	struct class_cache *c;
	hresult hr;

	for (uint32_t i = 0; i < h->n_cache; i++) {
		c = &h->cache[i];
		if (c->len == bl->len && strcmp(c->ns, ns) == 0 &&
		    memcmp(c->blob, bl->p, bl->len) == 0) {
			*out = c->cls;
			return HR_OK;
		}
	}
	if (h->n_cache >= CLASS_CACHE_MAX) {
		for (uint32_t i = 0; i < h->n_cache; i++) {
			talloc_free(h->cache[i].ns);
		}
		h->n_cache = 0;
	}
	if (h->cache == NULL) {
		h->cache = talloc_zero_array(h, struct class_cache,
		                             CLASS_CACHE_MAX);
		if (h->cache == NULL) {
			return HR_E_OUTOFMEMORY;
		}
	}
	c = &h->cache[h->n_cache];
	c->ns = talloc_strdup(h->cache, ns);
	if (c->ns == NULL) {
		return HR_E_OUTOFMEMORY;
	}
	c->blob = talloc_memdup(c->ns, bl->p, bl->len ? bl->len : 1);
	c->len = bl->len;
	hr = c->blob != NULL ? cim_class_decode(c->ns, bl->p, bl->len, &c->cls)
	                     : HR_E_OUTOFMEMORY;
	if (hr_failed(hr)) {
		talloc_free(c->ns);
		return hr;
	}
	h->n_cache++;
	*out = c->cls;
	return HR_OK;
}

/* Returns true when the host holds more descriptors than HandlesPerHost. */
static bool over_handles(const struct host *h)
{
	int fd;

	if (h->handles == 0) {
		return false;
	}
	/* dup() returns the lowest free descriptor: if that is above the
	 * quota, descriptors 0..quota are all open. */
	fd = dup(0);
	if (fd < 0) {
		return errno == EMFILE;
	}
	close(fd);
	return (uint32_t)fd > h->handles;
}

static int32_t run_callback(struct host *h,
                            struct owmi_ctx *ctx,
                            const struct provframe_msg *m,
                            struct owmi_instance *in,
                            struct owmi_instance *out)
{
	const struct owmi_provider *p = &h->prov;
	struct owmi_keys keys = { m->keys, m->n_keys };
	struct owmi_query q = { m->query, m->cls_name, m->eqs, m->n_eqs };
	int32_t rc;

	switch (m->type) {
	case PROVFRAME_ENUM:
		return p->enumerate ? p->enumerate(ctx, m->cls_name)
		                    : OWMI_E_PROVIDER_NOT_CAPABLE;
	case PROVFRAME_GET:
		return p->get ? p->get(ctx, m->cls_name, &keys)
		              : OWMI_E_PROVIDER_NOT_CAPABLE;
	case PROVFRAME_PUT:
		return p->put ? p->put(ctx, in, m->op_flags)
		              : OWMI_E_PROVIDER_NOT_CAPABLE;
	case PROVFRAME_DELETE:
		return p->del ? p->del(ctx, m->cls_name, &keys)
		              : OWMI_E_PROVIDER_NOT_CAPABLE;
	case PROVFRAME_QUERY:
		rc = OWMI_E_PROVIDER_NOT_CAPABLE;
		if (p->exec_query != NULL) {
			rc = p->exec_query(ctx, m->cls_name, &q);
		}
		if (rc == OWMI_E_PROVIDER_NOT_CAPABLE && ctx->posted == 0 &&
		    p->enumerate != NULL) {
			ctx->op = PROVFRAME_ENUM;
			rc = p->enumerate(ctx, m->cls_name);
			ctx->op = PROVFRAME_QUERY;
		}
		return rc;
	case PROVFRAME_METHOD:
		return p->exec_method
		               ? p->exec_method(ctx, m->cls_name,
		                                m->has_keys ? &keys : NULL,
		                                m->method, in, out)
		               : OWMI_E_PROVIDER_NOT_CAPABLE;
	default:
		return OWMI_E_INVALID_PARAMETER;
	}
}

/* Decodes the in-parameters / put instance and the out-parameters. */
static hresult call_instances(struct host *h,
                              struct owmi_ctx *ctx,
                              const struct provframe_msg *m,
                              struct owmi_instance **in,
                              struct owmi_instance **out)
{
	struct cim_class *icls = ctx->cls, *ocls = NULL;
	struct cim_instance *inst = NULL;
	hresult hr = HR_OK;

	*in = NULL;
	*out = NULL;
	if (m->type == PROVFRAME_METHOD && m->in_cls.len != 0) {
		hr = cim_class_decode(ctx->mem, m->in_cls.p, m->in_cls.len,
		                      &icls);
	}
	if (hr_ok(hr) && m->inst.len != 0) {
		hr = cim_instance_decode(ctx->mem, icls, m->inst.p, m->inst.len,
		                         &inst);
		if (hr_ok(hr)) {
			*in = host_wrap(ctx, inst, true);
			hr = *in ? HR_OK : HR_E_OUTOFMEMORY;
		}
	}
	if (hr_ok(hr) && m->type == PROVFRAME_PUT && *in == NULL) {
		hr = HR_WBEM_E_INVALID_PARAMETER;
	}
	if (hr_ok(hr) && m->type == PROVFRAME_METHOD && m->out_cls.len != 0) {
		hr = cim_class_decode(ctx->mem, m->out_cls.p, m->out_cls.len,
		                      &ocls);
		if (hr_ok(hr)) {
			inst = cim_instance_new(ctx->mem, ocls);
			*out = inst ? host_wrap(ctx, inst, false) : NULL;
			hr = *out ? HR_OK : HR_E_OUTOFMEMORY;
		}
	}
	(void)h;
	return hr;
}

static void send_out(struct host *h, const struct owmi_instance *out)
{
	struct provframe_msg m = { .type = PROVFRAME_OUT };
	struct buf b;

	buf_init(&b, NULL);
	if (hr_ok(cim_instance_encode(&b, out->inst)) && hr_ok(b.error)) {
		m.inst.p = (const uint8_t *)b.data;
		m.inst.len = b.len;
		send_msg(h, &m);
	}
	buf_release(&b);
}

static void do_call(struct host *h, const struct provframe_msg *m)
{
	static const struct host_io io_proto = {
		.flush = io_flush,
		.need_class = io_need_class,
		.poll_cancel = io_poll_cancel,
		.log = io_log,
	};
	struct host_io io = io_proto;
	struct owmi_instance *in = NULL, *out = NULL;
	struct cim_class *cls = NULL;
	struct owmi_ctx ctx;
	void *mem = talloc_new(h);
	char msg[160];
	int32_t rc;
	hresult hr;

	io.arg = h;
	if (mem == NULL) {
		send_status(h, OWMI_E_OUT_OF_MEMORY, "out of memory");
		return;
	}
	if (!h->loaded) {
		send_status(h, OWMI_E_PROVIDER_LOAD_FAILURE,
		            "no provider is loaded");
		goto out;
	}
	hr = call_class(h, m->ns, &m->cls, &cls);
	if (hr_failed(hr)) {
		send_status(h, OWMI_E_PROVIDER_FAILURE,
		            "the host cannot decode the class of the call");
		goto out;
	}
	host_ctx_init(&ctx, mem, &io, cls);
	ctx.provider_data = h->prov.data;
	ctx.call_id = m->call_id;
	ctx.op = m->type;
	ctx.ns = m->ns;
	ctx.user = m->user;
	ctx.domain = m->domain;
	ctx.has_unix_ids = (m->id_flags & PROVFRAME_ID_HAS_UNIX) != 0;
	ctx.uid = m->uid;
	ctx.gid = m->gid;
	hr = call_instances(h, &ctx, m, &in, &out);
	if (hr_failed(hr)) {
		send_status(h, OWMI_E_PROVIDER_FAILURE,
		            "the host cannot decode the call's instances");
		goto out;
	}
	rc = run_callback(h, &ctx, m, in, out);
	if (!ctx.cancelled && ctx.n_items > 0) {
		io_flush(&ctx);
	}
	if (over_handles(h)) {
		snprintf(msg, sizeof(msg),
		         "host %d exceeded HandlesPerHost (%u) and stopped",
		         (int)getpid(), h->handles);
		send_status(h, OWMI_E_QUOTA_VIOLATION, msg);
		goto out;
	}
	if (!OWMI_FAILED(rc) && out != NULL && m->type == PROVFRAME_METHOD) {
		send_out(h, out);
	}
	if (rc == OWMI_E_CALL_CANCELLED && ctx.cancelled) {
		rc = OWMI_S_OK;
	}
	send_status(h, rc, NULL);
out:
	talloc_free(mem);
}

static void dispatch(struct host *h, const struct provframe_msg *m)
{
	h->call_id = m->call_id;
	switch (m->type) {
	case PROVFRAME_LOAD:
		do_load(h, m);
		break;
	case PROVFRAME_PING:
		send_status(h, OWMI_S_OK, NULL);
		break;
	case PROVFRAME_CANCEL:
	case PROVFRAME_CLASS:
		/* Late answers to a call that already ended. */
		break;
	case PROVFRAME_ENUM:
	case PROVFRAME_GET:
	case PROVFRAME_PUT:
	case PROVFRAME_DELETE:
	case PROVFRAME_QUERY:
	case PROVFRAME_METHOD:
		do_call(h, m);
		break;
	default:
		send_status(h, OWMI_E_INVALID_PARAMETER,
		            "unexpected frame type");
		break;
	}
}

int host_main_loop(int fd, uint32_t handles)
{
	struct host *h = talloc_zero(NULL, struct host);
	int code = 0;

	if (h == NULL) {
		return 1;
	}
	h->fd = fd;
	h->pid = (uint32_t)getpid();
	h->handles = handles;
	buf_init(&h->out, h);
	while (!h->broken) {
		struct provframe_msg m;
		void *mem = talloc_new(h);

		if (mem == NULL) {
			code = 1;
			break;
		}
		if (!read_msg(h, mem, &m)) {
			talloc_free(mem);
			break;
		}
		dispatch(h, &m);
		talloc_free(mem);
	}
	if (h->loaded && h->prov.cleanup != NULL) {
		h->prov.cleanup(h->prov.data);
	}
	if (h->lib != NULL) {
		dlclose(h->lib);
	}
	close(fd);
	talloc_free(h);
	return code;
}
