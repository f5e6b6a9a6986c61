/*
 * providers-int: the glue shared by the provider libraries of this folder
 * (providers layer, module-internal).
 *
 * A provider library (cimwin32.c, perfos.c) is a table of classes; each
 * class has a function that builds every instance with the host's setters
 * (struct pb) and hands it to pc_emit(), which posts it for an
 * enumeration or a query, or, for a GetObject, posts only the instance
 * whose keys match the path.  So one function per class serves
 * enumerate, get and exec_query; a class may add a faster get or query.
 *
 * Setter failures (a property missing from the MOF, a type mismatch) are
 * bugs of ours: the first one is kept in the builder, logged with the
 * property's name, and fails the call with that code, so tests catch
 * them instead of clients seeing silently NULL properties.
 */
#ifndef OWMI_PROVIDERS_PROVIDERS_INT_H
#define OWMI_PROVIDERS_PROVIDERS_INT_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "openwmi/provider.h"

/* One call of the host into a provider library. */
struct pcall {
	const struct owmi_host *h;
	struct owmi_ctx *ctx;
	const char *cls;              /* the class of the call */
	const struct owmi_keys *keys; /* get: the instance wanted; else NULL */
	const struct owmi_query *q;   /* exec_query: the query; else NULL */
	void *mem;                    /* talloc context freed after the call */
	void *state;                  /* the library's own state */
	bool found;                   /* get: the instance was posted */
};

/* An instance being built. */
struct pb {
	struct pcall *c;
	struct owmi_instance *inst;
	int32_t rc;       /* first setter failure, or OWMI_S_OK */
	const char *prop; /* ... and the property it concerned */
};

/*
 * Starts an instance of [cls] (usually c->cls).  Returns OWMI_S_OK or the
 * failure of instance_new (then b->inst is NULL).
 */
int32_t pb_begin(struct pb *b, struct pcall *c, const char *cls);

/* Setters: a failure is kept in b->rc; a NULL string leaves NULL. */
void pb_str(struct pb *b, const char *prop, const char *v);
void pb_bool(struct pb *b, const char *prop, bool v);
void pb_u8(struct pb *b, const char *prop, uint8_t v);
void pb_u16(struct pb *b, const char *prop, uint16_t v);
void pb_u32(struct pb *b, const char *prop, uint32_t v);
void pb_u64(struct pb *b, const char *prop, uint64_t v);
void pb_s16(struct pb *b, const char *prop, int16_t v);
void pb_s32(struct pb *b, const char *prop, int32_t v);
/* A datetime from Unix time, in local time with its offset. */
void pb_time(struct pb *b, const char *prop, int64_t secs, uint32_t usecs);
/* A datetime or interval in DMTF text. */
void pb_dmtf(struct pb *b, const char *prop, const char *dmtf);
void pb_strv(struct pb *b, const char *prop, const char *const *v, size_t n);
void pb_u16v(struct pb *b, const char *prop, const uint16_t *v, size_t n);

/*
 * Hands the instance over: for a get, posts it only when its keys match
 * c->keys (else releases it) and returns OWMI_S_FALSE after a match, so
 * the caller stops; otherwise posts it.  Returns the setter failure kept
 * in [b] (logged), or post's result (OWMI_E_CALL_CANCELLED: stop).
 */
int32_t pc_emit(struct pb *b);

/* True when instance [inst] has the key values of [keys]. */
bool pc_keys_match(const struct owmi_host *h,
                   const struct owmi_instance *inst,
                   const struct owmi_keys *keys);

/* Maps an internal hresult value to the HRESULT a provider returns. */
int32_t pc_hr(uint32_t hr);

/* One class of a provider library. */
struct pclass {
	const char *name;
	/* Builds every instance and calls pc_emit for each. */
	int32_t (*each)(struct pcall *c);
	/* Optional: a get faster than filtering each(). */
	int32_t (*get)(struct pcall *c);
	/* Optional: a query narrowed with query_eq hints; may return
	 * OWMI_E_PROVIDER_NOT_CAPABLE before posting (then each() runs). */
	int32_t (*query)(struct pcall *c);
	/* Optional: methods ([in] may be NULL, [out] may be NULL). */
	int32_t (*method)(struct pcall *c,
	                  const char *method,
	                  const struct owmi_instance *in,
	                  struct owmi_instance *out);
};

/* A provider library: its classes and state. */
struct plib {
	const struct owmi_host *h;
	const struct pclass *classes;
	size_t n_classes;
	void *state;
};

/*
 * Records the library's table for the callbacks below.  The provider ABI
 * hands callbacks a context but not the host's table, which is needed to
 * read the context: so each library keeps its one struct plib in a
 * file-level pointer, set once by owmi_provider_init.
 */
void pl_setup(struct plib *lib);

/*
 * The common part of a built-in library's owmi_provider_init: checks the
 * host's table (ABI 1 with a log function), makes the library's struct
 * plib (a talloc root) for [classes] with [name] and installs it
 * (pl_setup), and fills [out] with the pl_* callbacks (exec_method only
 * with [methods]) and pl_cleanup.  The caller hangs its state under
 * *lib (lib->state); if that fails it calls pl_cleanup(*lib).  Returns
 * OWMI_S_OK, OWMI_E_PROVIDER_LOAD_FAILURE or OWMI_E_OUT_OF_MEMORY.
 */
int32_t pl_init(const struct owmi_host *host,
                uint32_t host_abi,
                struct owmi_provider *out,
                const char *name,
                const struct pclass *classes,
                size_t n_classes,
                bool methods,
                struct plib **lib);

/* owmi_provider.cleanup of such a library: uninstalls and frees it. */
void pl_cleanup(void *data);

/*
 * The owmi_provider callbacks of a library set up with pl_setup: they find the
 * class, set up a struct pcall with a fresh talloc context and run its
 * functions.
 */
int32_t pl_enumerate(struct owmi_ctx *ctx, const char *cls);
int32_t pl_get(struct owmi_ctx *ctx,
               const char *cls,
               const struct owmi_keys *keys);
int32_t pl_exec_query(struct owmi_ctx *ctx,
                      const char *cls,
                      const struct owmi_query *q);
int32_t pl_exec_method(struct owmi_ctx *ctx,
                       const char *cls,
                       const struct owmi_keys *keys,
                       const char *method,
                       const struct owmi_instance *in,
                       struct owmi_instance *out);

/* Sets "ReturnValue" (uint32) of a method's out-parameters. */
int32_t pc_return(struct pcall *c, struct owmi_instance *out, uint32_t rv);

/* ---- the classes of OpenWMI_CIMWin32 (cw_*.c) ---------------------- */

int32_t cw_os_each(struct pcall *c);
int32_t cw_cs_each(struct pcall *c);
int32_t cw_bios_each(struct pcall *c);
int32_t cw_proc_each(struct pcall *c);
int32_t cw_proc_get(struct pcall *c);
int32_t cw_proc_query(struct pcall *c);
int32_t cw_proc_method(struct pcall *c,
                       const char *method,
                       const struct owmi_instance *in,
                       struct owmi_instance *out);
int32_t cw_svc_each(struct pcall *c);
int32_t cw_svc_get(struct pcall *c);
int32_t cw_svc_query(struct pcall *c);
int32_t cw_svc_method(struct pcall *c,
                      const char *method,
                      const struct owmi_instance *in,
                      struct owmi_instance *out);
int32_t cw_disk_each(struct pcall *c);
int32_t cw_cpu_each(struct pcall *c);
int32_t cw_netadapter_each(struct pcall *c);
int32_t cw_netconfig_each(struct pcall *c);
int32_t cw_env_each(struct pcall *c);

/* State of OpenWMI_CIMWin32 (LoadPercentage needs CPU samples). */
struct prov_cpu_sampler;
struct cw_state {
	struct prov_cpu_sampler *cpu;
	struct prov_proc_cache *procs; /* Win32_Process between calls */
};

/* ---- the classes of OpenWMI_PerfOS (perfos.c) ---------------------- */

int32_t po_cpu_formatted_each(struct pcall *c);
int32_t po_cpu_raw_each(struct pcall *c);
int32_t po_mem_formatted_each(struct pcall *c);

#endif
