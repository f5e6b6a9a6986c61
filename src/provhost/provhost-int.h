/*
 * provhost-int: the host side of the provider ABI (provhost layer; include
 * only inside src/provhost and its unit tests).
 *
 * hostapi.c implements struct owmi_host over the CIM model; host.c runs the
 * wmiprvse loop (frames in, provider callbacks, frames out).  The call
 * context is defined here so that tests can drive the service table
 * without a process.
 */
#ifndef OWMI_PROVHOST_PROVHOST_INT_H
#define OWMI_PROVHOST_PROVHOST_INT_H

#include <stdbool.h>
#include <stdint.h>

#include "base/buf.h"
#include "base/hresult.h"
#include "cim/cim.h"
#include "openwmi/provider.h"
#include "provhost/frame.h"

/* Instances per batch and bytes per batch before a BATCH frame is sent. */
#define HOST_BATCH_ITEMS 1024u
#define HOST_BATCH_BYTES (256u * 1024u)

struct owmi_ctx;

/*
 * How a context talks to the outside: the real host writes frames to its
 * socket; unit tests collect instances in memory.
 */
struct host_io {
	/* Sends a BATCH frame's worth of posted instances. */
	hresult (*flush)(struct owmi_ctx *ctx);
	/* Resolves a class other than the call's (NEED_CLASS round trip). */
	hresult (*need_class)(struct owmi_ctx *ctx,
	                      const char *name,
	                      struct cim_class **out);
	/* Returns true when the object manager has cancelled the call. */
	bool (*poll_cancel)(struct owmi_ctx *ctx);
	/* Sends a log line. */
	void (*log)(const struct owmi_ctx *ctx,
	            uint32_t level,
	            const char *msg);
	void *arg;
};

/*
 * Property lookups by name remembered for one call: providers pass the
 * same name strings (literals) for every instance, so (class, name
 * pointer) finds the index without a scan.  Each hit is checked against
 * the property's name, so a reused name buffer holding another text
 * cannot pick the wrong property.
 */
#define HOST_PROP_MEMO 256u

struct host_prop_memo {
	const struct cim_class *cls;
	const char *name;
	int32_t idx;
};

struct owmi_ctx {
	void *mem; /* the call's context; everything below hangs off it */
	const struct host_io *io;
	void *provider_data;
	uint32_t call_id;
	uint8_t op; /* PROVFRAME_* */
	const char *ns;
	const char *user;
	const char *domain;
	bool has_unix_ids;
	uint32_t uid, gid;
	struct cim_class *cls; /* the call's class (resolved) */
	/* classes known by name, besides cls */
	struct cim_class **classes;
	uint32_t n_classes;
	bool cancelled;
	uint32_t posted;
	/* the batch being filled */
	struct buf batch;   /* items: u32 name index, blob */
	struct buf scratch; /* one encoded instance */
	const char **names; /* class names of the batch */
	uint32_t n_names;
	uint32_t n_items;
	struct host_prop_memo memo[HOST_PROP_MEMO];
};

/*
 * Index of property [name] of [cls] (case-insensitive), or -1: the
 * memoised cim_class_find_prop of one call.
 */
int32_t host_find_prop(struct owmi_ctx *ctx,
                       const struct cim_class *cls,
                       const char *name);

struct owmi_instance {
	struct cim_instance *inst;
	struct owmi_ctx *ctx;
	bool readonly; /* in-parameters and put's instance */
	/* get_*_array results, kept for the call */
	void *scratch;
};

struct owmi_keys {
	const struct provframe_kv *kv;
	uint32_t n;
};

struct owmi_query {
	const char *text;
	const char *cls;
	const struct provframe_kv *eqs;
	uint32_t n_eqs;
};

/* The service table handed to providers (static storage). */
const struct owmi_host *host_api(void);

/*
 * Prepares [ctx] for one call under [mem] (zeroes it first).  [cls] is
 * borrowed for the call.
 */
hresult host_ctx_init(struct owmi_ctx *ctx,
                      void *mem,
                      const struct host_io *io,
                      struct cim_class *cls);

/* Wraps [inst] (borrowed; read-only) for a callback. */
struct owmi_instance *host_wrap(struct owmi_ctx *ctx,
                                struct cim_instance *inst,
                                bool readonly);

/*
 * Builds the BATCH frame of what [ctx] holds into [out] (appended) and
 * empties the batch.  Nothing is appended when the batch is empty.
 */
hresult host_batch_take(struct owmi_ctx *ctx, struct buf *out);

/*
 * Runs the host loop on socket [fd] until end of file: the wmiprvse main
 * program.  [handles] is HandlesPerHost (0: none).  Returns the exit code.
 */
int host_main_loop(int fd, uint32_t handles);

#endif
