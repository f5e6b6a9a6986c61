/*
 * OpenWMI provider ABI (public, versioned; STYLE.md sections 2 and 10).
 *
 * A provider is a shared library that exports exactly one symbol,
 * owmi_provider_init().  It is loaded with dlopen() inside a provider host
 * process (wmiprvse), never inside the object manager.  The host passes a
 * table of services (struct owmi_host); the provider fills a table of
 * callbacks (struct owmi_provider).  Everything the provider touches is
 * opaque: instances, call contexts, keys and queries are handles that only
 * the host's functions read or change.
 *
 * Versioning.  OWMI_PROVIDER_ABI_VERSION grows when a member is appended to
 * either table; members are never removed, reordered or retyped.  Each
 * table starts with its struct_size, so that both sides can tell which
 * members the other knows:
 *   - a provider checks host->struct_size (or the host_abi argument) before
 *     calling a member appended after the version it was built against;
 *   - the host refuses a provider whose abi_version is newer than its own
 *     with WBEM_E_PROVIDER_LOAD_FAILURE (0x80041013), and never reads a
 *     provider member beyond the provider's struct_size.
 *
 * Results.  Every callback and every host function that can fail returns an
 * int32_t HRESULT: 0 (OWMI_S_OK) or another non-negative value on success,
 * a negative value (high bit set) on failure.  The OWMI_E_* values below are
 * the WMI codes (WBEM_E_*) a provider usually needs; any other HRESULT may
 * be returned and reaches the client unchanged.
 *
 * Memory.  Every handle the host gives a callback (the context, keys,
 * query, in- and out-parameters, instances made with instance_new) belongs
 * to the call and is released when the callback returns; strings returned
 * by getters stay valid until then.  Strings passed to setters are copied.
 *
 * Threads.  A host calls one callback at a time per loaded provider, so a
 * provider needs no locking of its own for ABI version 1.
 *
 * Registration (for reference; see docs/internals/provider-abi.md):
 *
 *   instance of __Win32Provider as $P {
 *           Name = "Sample";
 *           CLSID = "/usr/lib/openwmi/providers/libsample.so";
 *           HostingModel = "NetworkServiceHost";
 *   };
 *   instance of __InstanceProviderRegistration {
 *           Provider = $P; SupportsGet = TRUE; SupportsPut = TRUE;
 *           SupportsDelete = TRUE; SupportsEnumeration = TRUE;
 *           QuerySupportLevels = { "WQL:UnarySelect" };
 *   };
 *   instance of __MethodProviderRegistration { Provider = $P; };
 *   [dynamic, provider("Sample")] class Sample_Thing { ... };
 */
#ifndef OPENWMI_PROVIDER_H
#define OPENWMI_PROVIDER_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#ifdef __cplusplus
extern "C" {
#endif

/* The ABI version this header describes. */
#define OWMI_PROVIDER_ABI_VERSION 1u

/* Marks the entry point for export from a library built hidden. */
#if defined(__GNUC__) || defined(__clang__)
#define OWMI_PROVIDER_EXPORT __attribute__((visibility("default")))
#define OWMI_PRINTF(f, a)    __attribute__((format(printf, f, a)))
#else
#define OWMI_PROVIDER_EXPORT
#define OWMI_PRINTF(f, a)
#endif

/* Result codes (HRESULT values; the WBEM_E_* of the same name). */
#define OWMI_S_OK                        ((int32_t)0x00000000)
#define OWMI_S_FALSE                     ((int32_t)0x00000001)
#define OWMI_E_FAILED                    ((int32_t)0x80041001)
#define OWMI_E_NOT_FOUND                 ((int32_t)0x80041002)
#define OWMI_E_ACCESS_DENIED             ((int32_t)0x80041003)
#define OWMI_E_PROVIDER_FAILURE          ((int32_t)0x80041004)
#define OWMI_E_TYPE_MISMATCH             ((int32_t)0x80041005)
#define OWMI_E_OUT_OF_MEMORY             ((int32_t)0x80041006)
#define OWMI_E_INVALID_PARAMETER         ((int32_t)0x80041008)
#define OWMI_E_NOT_SUPPORTED             ((int32_t)0x8004100C)
#define OWMI_E_INVALID_CLASS             ((int32_t)0x80041010)
#define OWMI_E_PROVIDER_LOAD_FAILURE     ((int32_t)0x80041013)
#define OWMI_E_INVALID_QUERY             ((int32_t)0x80041017)
#define OWMI_E_ALREADY_EXISTS            ((int32_t)0x80041019)
#define OWMI_E_PROVIDER_NOT_CAPABLE      ((int32_t)0x80041024)
#define OWMI_E_ILLEGAL_NULL              ((int32_t)0x80041028)
#define OWMI_E_INVALID_METHOD            ((int32_t)0x8004102E)
#define OWMI_E_INVALID_METHOD_PARAMETERS ((int32_t)0x8004102F)
#define OWMI_E_CALL_CANCELLED            ((int32_t)0x80041032)
#define OWMI_E_QUOTA_VIOLATION           ((int32_t)0x8004106C)

/* Returns true when [r] is a failure code. */
#define OWMI_FAILED(r) ((int32_t)(r) < 0)

/* put() flags (the WBEM_FLAG_* values of PutInstance). */
#define OWMI_PUT_CREATE_OR_UPDATE 0x0u
#define OWMI_PUT_UPDATE_ONLY      0x1u
#define OWMI_PUT_CREATE_ONLY      0x2u

/* log() levels. */
#define OWMI_LOG_ERROR 1u
#define OWMI_LOG_WARN  2u
#define OWMI_LOG_INFO  3u
#define OWMI_LOG_DEBUG 4u

/* CIM types reported by get_type() (the CIMTYPE values of MS-WMIO). */
#define OWMI_TYPE_SINT16    2u
#define OWMI_TYPE_SINT32    3u
#define OWMI_TYPE_REAL32    4u
#define OWMI_TYPE_REAL64    5u
#define OWMI_TYPE_STRING    8u
#define OWMI_TYPE_BOOLEAN   11u
#define OWMI_TYPE_OBJECT    13u
#define OWMI_TYPE_SINT8     16u
#define OWMI_TYPE_UINT8     17u
#define OWMI_TYPE_UINT16    18u
#define OWMI_TYPE_UINT32    19u
#define OWMI_TYPE_SINT64    20u
#define OWMI_TYPE_UINT64    21u
#define OWMI_TYPE_DATETIME  101u
#define OWMI_TYPE_REFERENCE 102u
#define OWMI_TYPE_CHAR16    103u
#define OWMI_TYPE_ARRAY     0x2000u /* or-ed into the element type */

/* One operation in progress (a call context).  Opaque. */
struct owmi_ctx;
/* An instance: built by the provider, or given to put / exec_method. */
struct owmi_instance;
/* The key values of an object path (get, delete, exec_method). */
struct owmi_keys;
/* A parsed WQL data query (exec_query). */
struct owmi_query;

/*
 * Services of the host, passed to owmi_provider_init() and valid until the
 * provider's cleanup() returns.  Append-only: check struct_size before using
 * a member added after the ABI version the provider was built against.
 *
 * Setters.  set_*(inst, prop, ...) store a value in property [prop]
 * (case-insensitive) of [inst].  They return OWMI_S_OK, OWMI_E_NOT_FOUND
 * when the class has no such property, OWMI_E_TYPE_MISMATCH when the value
 * does not suit the property's type, OWMI_E_INVALID_PARAMETER for a NULL
 * argument or a malformed datetime, OWMI_E_OUT_OF_MEMORY.  Integer setters
 * store into any integer property (and char16) whose range holds the
 * value; set_real64 into real32 and real64; set_string into string,
 * datetime (DMTF text), reference (object path text) and char16 (exactly
 * one character).  Array setters copy [n] elements; [v] may be NULL when
 * [n] is 0 (an empty array, not NULL).
 *
 * Getters.  get_*(inst, prop, out) read property [prop] of [inst].  They
 * return OWMI_S_OK and set *out, OWMI_S_FALSE when the value is NULL (*out
 * untouched), OWMI_E_NOT_FOUND when the class has no such property,
 * OWMI_E_TYPE_MISMATCH when the type differs (get_uint64 reads any
 * unsigned integer, char16 and boolean as 0/1; get_sint64 any signed
 * integer and unsigned values up to INT64_MAX; get_real64 real32/real64;
 * get_string strings, datetimes and references).  Returned pointers are
 * [borrowed] and valid until the callback returns.
 */
struct owmi_host {
	uint32_t abi_version; /* OWMI_PROVIDER_ABI_VERSION of the host */
	uint32_t struct_size; /* sizeof(struct owmi_host) in the host */

	/*
	 * Creates an empty instance (all properties NULL or their class
	 * default) of class [cls] in the call's namespace.  [cls] is usually
	 * the class the callback was called for; another class costs a round
	 * trip to the object manager the first time.
	 * [out]: the instance, owned by the call (released when the callback
	 * returns, or earlier by post() or instance_free()).
	 * Errors: OWMI_E_INVALID_CLASS (no such class), OWMI_E_OUT_OF_MEMORY,
	 * OWMI_E_INVALID_PARAMETER.
	 */
	int32_t (*instance_new)(struct owmi_ctx *ctx,
	                        const char *cls,
	                        struct owmi_instance **out);
	/* Releases [inst] early (NULL-safe).  Never call it after post(). */
	void (*instance_free)(struct owmi_instance *inst);
	/* The class name of [inst] (borrowed). */
	const char *(*instance_class)(const struct owmi_instance *inst);

	/*
	 * Delivers [inst] to the call's result and releases it (always, also
	 * on failure).  Returns OWMI_S_OK; OWMI_E_CALL_CANCELLED when the
	 * client cancelled (the provider stops and returns that code);
	 * OWMI_E_INVALID_PARAMETER when a key property is NULL or the
	 * instance is of a class the call cannot take; OWMI_E_OUT_OF_MEMORY.
	 * get() posts at most one instance; enumerate() and exec_query() any
	 * number.  Instances are sent to the object manager in batches as
	 * they are posted, so memory does not grow with the result size.
	 */
	int32_t (*post)(struct owmi_ctx *ctx, struct owmi_instance *inst);

	int32_t (*set_null)(struct owmi_instance *inst, const char *prop);
	int32_t (*set_string)(struct owmi_instance *inst,
	                      const char *prop,
	                      const char *v);
	int32_t (*set_bool)(struct owmi_instance *inst,
	                    const char *prop,
	                    bool v);
	int32_t (*set_uint8)(struct owmi_instance *inst,
	                     const char *prop,
	                     uint8_t v);
	int32_t (*set_uint16)(struct owmi_instance *inst,
	                      const char *prop,
	                      uint16_t v);
	int32_t (*set_uint32)(struct owmi_instance *inst,
	                      const char *prop,
	                      uint32_t v);
	int32_t (*set_uint64)(struct owmi_instance *inst,
	                      const char *prop,
	                      uint64_t v);
	int32_t (*set_sint8)(struct owmi_instance *inst,
	                     const char *prop,
	                     int8_t v);
	int32_t (*set_sint16)(struct owmi_instance *inst,
	                      const char *prop,
	                      int16_t v);
	int32_t (*set_sint32)(struct owmi_instance *inst,
	                      const char *prop,
	                      int32_t v);
	int32_t (*set_sint64)(struct owmi_instance *inst,
	                      const char *prop,
	                      int64_t v);
	int32_t (*set_real64)(struct owmi_instance *inst,
	                      const char *prop,
	                      double v);
	/*
	 * A datetime from Unix time: [secs] since 1970-01-01 UTC plus
	 * [usecs] (< 1000000), written as local time at [utc_offset_min]
	 * minutes east of UTC (-720..720), e.g. "20240131123456.000000+060".
	 */
	int32_t (*set_datetime_unix)(struct owmi_instance *inst,
	                             const char *prop,
	                             int64_t secs,
	                             uint32_t usecs,
	                             int32_t utc_offset_min);
	/* A datetime or interval from DMTF text (validated). */
	int32_t (*set_datetime)(struct owmi_instance *inst,
	                        const char *prop,
	                        const char *dmtf);
	/* A reference from object path text, e.g. "Win32_Process.Handle=\"1\"".
	 */
	int32_t (*set_reference)(struct owmi_instance *inst,
	                         const char *prop,
	                         const char *path);
	/*
	 * An embedded object: [v] (made with instance_new in the same call)
	 * is copied into [prop] (type object); [v] stays the caller's.
	 */
	int32_t (*set_object)(struct owmi_instance *inst,
	                      const char *prop,
	                      const struct owmi_instance *v);
	int32_t (*set_string_array)(struct owmi_instance *inst,
	                            const char *prop,
	                            const char *const *v,
	                            size_t n);
	int32_t (*set_bool_array)(struct owmi_instance *inst,
	                          const char *prop,
	                          const bool *v,
	                          size_t n);
	int32_t (*set_uint8_array)(struct owmi_instance *inst,
	                           const char *prop,
	                           const uint8_t *v,
	                           size_t n);
	int32_t (*set_uint16_array)(struct owmi_instance *inst,
	                            const char *prop,
	                            const uint16_t *v,
	                            size_t n);
	int32_t (*set_uint32_array)(struct owmi_instance *inst,
	                            const char *prop,
	                            const uint32_t *v,
	                            size_t n);
	int32_t (*set_uint64_array)(struct owmi_instance *inst,
	                            const char *prop,
	                            const uint64_t *v,
	                            size_t n);
	int32_t (*set_sint32_array)(struct owmi_instance *inst,
	                            const char *prop,
	                            const int32_t *v,
	                            size_t n);
	int32_t (*set_sint64_array)(struct owmi_instance *inst,
	                            const char *prop,
	                            const int64_t *v,
	                            size_t n);
	int32_t (*set_real64_array)(struct owmi_instance *inst,
	                            const char *prop,
	                            const double *v,
	                            size_t n);

	/*
	 * The type of [prop] (OWMI_TYPE_*, with OWMI_TYPE_ARRAY for arrays)
	 * in *type and whether its value is NULL in *is_null (either may be
	 * NULL).  Errors: OWMI_E_NOT_FOUND.
	 */
	int32_t (*get_type)(const struct owmi_instance *inst,
	                    const char *prop,
	                    uint32_t *type,
	                    bool *is_null);
	int32_t (*get_string)(const struct owmi_instance *inst,
	                      const char *prop,
	                      const char **out);
	int32_t (*get_bool)(const struct owmi_instance *inst,
	                    const char *prop,
	                    bool *out);
	int32_t (*get_uint64)(const struct owmi_instance *inst,
	                      const char *prop,
	                      uint64_t *out);
	int32_t (*get_sint64)(const struct owmi_instance *inst,
	                      const char *prop,
	                      int64_t *out);
	int32_t (*get_real64)(const struct owmi_instance *inst,
	                      const char *prop,
	                      double *out);
	/* An embedded object (borrowed, read-only, valid for the call). */
	int32_t (*get_object)(const struct owmi_instance *inst,
	                      const char *prop,
	                      const struct owmi_instance **out);
	/* A string, datetime or reference array: [out] borrowed. */
	int32_t (*get_string_array)(const struct owmi_instance *inst,
	                            const char *prop,
	                            const char *const **out,
	                            size_t *n);
	/* Any unsigned integer (or boolean) array, widened. */
	int32_t (*get_uint64_array)(const struct owmi_instance *inst,
	                            const char *prop,
	                            const uint64_t **out,
	                            size_t *n);
	/* Any signed integer array, widened. */
	int32_t (*get_sint64_array)(const struct owmi_instance *inst,
	                            const char *prop,
	                            const int64_t **out,
	                            size_t *n);

	/*
	 * Key values of an object path, as text: a string key unquoted and
	 * unescaped, a number in decimal, a boolean "TRUE"/"FALSE", a
	 * reference as object path text, a datetime in DMTF form.
	 * key_get returns the value of key [prop] (case-insensitive) or NULL
	 * when the path has no such key ([borrowed], valid for the call).
	 * key_count returns the number of keys (0 for a singleton "X=@").
	 * key_at returns the name of key [i] (< key_count) and its value in
	 * *value, or NULL when [i] is out of range.
	 */
	const char *(*key_get)(const struct owmi_keys *keys, const char *prop);
	uint32_t (*key_count)(const struct owmi_keys *keys);
	const char *(*key_at)(const struct owmi_keys *keys,
	                      uint32_t i,
	                      const char **value);

	/*
	 * The parsed query.  query_text: the WQL text as the client sent it.
	 * query_class: the FROM class.  query_eq: when the WHERE clause
	 * requires [prop] = literal for every result (the condition is a
	 * top-level AND term), returns OWMI_S_OK with the literal as text (as
	 * for key_get) in *value; otherwise OWMI_S_FALSE.  Filtering is
	 * optional: the object manager applies the whole WHERE clause to what
	 * the provider posts, so a provider may return a superset.
	 */
	const char *(*query_text)(const struct owmi_query *q);
	const char *(*query_class)(const struct owmi_query *q);
	int32_t (*query_eq)(const struct owmi_query *q,
	                    const char *prop,
	                    const char **value);

	/*
	 * The caller.  ctx_user: the account name ("alice"); ctx_domain: its
	 * domain or host (may be NULL); ctx_namespace: "root\cimv2".
	 * ctx_unix_ids: the caller's mapped Linux uid and gid; returns
	 * OWMI_S_OK, or OWMI_S_FALSE when the account maps to no Linux user
	 * (then *uid and *gid are untouched).  When the call is made with
	 * impersonation, the host process already runs as that uid/gid.
	 * ctx_cancelled: true once the client has cancelled the call.
	 * ctx_provider_data: the provider's [data] pointer from its table.
	 */
	const char *(*ctx_user)(const struct owmi_ctx *ctx);
	const char *(*ctx_domain)(const struct owmi_ctx *ctx);
	const char *(*ctx_namespace)(const struct owmi_ctx *ctx);
	int32_t (*ctx_unix_ids)(const struct owmi_ctx *ctx,
	                        uint32_t *uid,
	                        uint32_t *gid);
	bool (*ctx_cancelled)(const struct owmi_ctx *ctx);
	void *(*ctx_provider_data)(const struct owmi_ctx *ctx);

	/*
	 * Per-call scratch memory of [size] bytes (zeroed), released when the
	 * callback returns.  NULL when out of memory.
	 */
	void *(*ctx_alloc)(struct owmi_ctx *ctx, size_t size);

	/*
	 * Writes a diagnostic message to the object manager's log, tagged
	 * with the provider's name.  [ctx] may be NULL (in init and cleanup).
	 * [level]: OWMI_LOG_*.
	 */
	void (*log)(const struct owmi_ctx *ctx,
	            uint32_t level,
	            const char *fmt,
	            ...) OWMI_PRINTF(3, 4);
};

/*
 * The provider's table, filled by owmi_provider_init().  Any callback may
 * be NULL: the operation then fails with WBEM_E_PROVIDER_NOT_CAPABLE
 * (exec_query NULL: the host calls enumerate and the object manager
 * filters).  Every callback returns OWMI_S_OK or an HRESULT failure, which
 * the client receives.  [cls] is the class the call is for (never a
 * subclass: the object manager calls once per class of the provider).
 */
struct owmi_provider {
	uint32_t abi_version; /* OWMI_PROVIDER_ABI_VERSION built against */
	uint32_t struct_size; /* sizeof(struct owmi_provider) */
	const char *name;     /* for logs; static storage */
	void *data;           /* handed back by host->ctx_provider_data */

	/* Posts every instance of [cls]. */
	int32_t (*enumerate)(struct owmi_ctx *ctx, const char *cls);
	/*
	 * Posts the one instance of [cls] with [keys], or returns
	 * OWMI_E_NOT_FOUND.
	 */
	int32_t (*get)(struct owmi_ctx *ctx,
	               const char *cls,
	               const struct owmi_keys *keys);
	/* Creates or updates [inst]; [flags]: OWMI_PUT_*. */
	int32_t (*put)(struct owmi_ctx *ctx,
	               const struct owmi_instance *inst,
	               uint32_t flags);
	/* Deletes the instance of [cls] with [keys]. */
	int32_t (*del)(struct owmi_ctx *ctx,
	               const char *cls,
	               const struct owmi_keys *keys);
	/*
	 * Posts instances of [cls] for query [q] (a superset is fine).
	 * Returning OWMI_E_PROVIDER_NOT_CAPABLE before posting anything makes
	 * the host fall back to enumerate.
	 */
	int32_t (*exec_query)(struct owmi_ctx *ctx,
	                      const char *cls,
	                      const struct owmi_query *q);
	/*
	 * Runs [method] of [cls] on the instance with [keys], or statically
	 * when [keys] is NULL.  [in]: the in-parameters (NULL when the method
	 * takes none).  [out]: the out-parameters instance (NULL when the
	 * method has neither out-parameters nor a return value); the provider
	 * sets "ReturnValue" and the out-parameters on it.
	 */
	int32_t (*exec_method)(struct owmi_ctx *ctx,
	                       const char *cls,
	                       const struct owmi_keys *keys,
	                       const char *method,
	                       const struct owmi_instance *in,
	                       struct owmi_instance *out);
	/* Called once before the library is unloaded (may be NULL). */
	void (*cleanup)(void *data);
};

/*
 * The entry point every provider library exports.  [host] (borrowed, valid
 * until cleanup returns) is the host's service table; [host_abi] equals
 * host->abi_version.  The provider fills [out] (zeroed by the host) and
 * returns OWMI_S_OK, or a failure code (the host then reports
 * WBEM_E_PROVIDER_LOAD_FAILURE and unloads the library; cleanup is not
 * called).  A provider that needs a newer host than [host_abi] returns
 * OWMI_E_PROVIDER_LOAD_FAILURE.
 */
OWMI_PROVIDER_EXPORT int owmi_provider_init(const struct owmi_host *host,
                                            uint32_t host_abi,
                                            struct owmi_provider *out);

#ifdef __cplusplus
}
#endif

#endif
