/*
 * glue: instance builders and the owmi_provider callbacks shared by the
 * provider libraries (providers layer).
 */
#include "providers/providers-int.h"

#include <ctype.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <talloc.h>

#include "base/hresult.h"
#include "providers/sysinfo.h"

/* The library's table (see pl_setup). */
static struct plib *the_lib;

void pl_setup(struct plib *lib)
{
	the_lib = lib;
}

int32_t pl_init(const struct owmi_host *host,
                uint32_t host_abi,
                struct owmi_provider *out,
                const char *name,
                const struct pclass *classes,
                size_t n_classes,
                bool methods,
                struct plib **lib)
{
	struct plib *l;

	*lib = NULL;
	if (host == NULL || out == NULL || host_abi < 1 ||
	    host->struct_size <
	            offsetof(struct owmi_host, log) + sizeof(host->log)) {
		return OWMI_E_PROVIDER_LOAD_FAILURE;
	}
	l = talloc_zero(NULL, struct plib);
	if (l == NULL) {
		return OWMI_E_OUT_OF_MEMORY;
	}
	l->h = host;
	l->classes = classes;
	l->n_classes = n_classes;
	pl_setup(l);
	out->abi_version = OWMI_PROVIDER_ABI_VERSION;
	out->struct_size = sizeof(*out);
	out->name = name;
	out->data = l;
	out->enumerate = pl_enumerate;
	out->get = pl_get;
	out->exec_query = pl_exec_query;
	out->exec_method = methods ? pl_exec_method : NULL;
	out->cleanup = pl_cleanup;
	*lib = l;
	return OWMI_S_OK;
}

void pl_cleanup(void *data)
{
	pl_setup(NULL);
	talloc_free(data);
}

int32_t pc_hr(uint32_t hr)
{
	if (hr == HR_E_OUTOFMEMORY.v) {
		return OWMI_E_OUT_OF_MEMORY;
	}
	return (int32_t)hr;
}

int32_t pb_begin(struct pb *b, struct pcall *c, const char *cls)
{
	b->c = c;
	b->inst = NULL;
	b->rc = OWMI_S_OK;
	b->prop = NULL;
	return c->h->instance_new(c->ctx, cls, &b->inst);
}

static void keep(struct pb *b, const char *prop, int32_t rc)
{
	if (OWMI_FAILED(rc) && !OWMI_FAILED(b->rc)) {
		b->rc = rc;
		b->prop = prop;
	}
}

void pb_str(struct pb *b, const char *prop, const char *v)
{
	if (v != NULL) {
		keep(b, prop, b->c->h->set_string(b->inst, prop, v));
	}
}

void pb_bool(struct pb *b, const char *prop, bool v)
{
	keep(b, prop, b->c->h->set_bool(b->inst, prop, v));
}

void pb_u8(struct pb *b, const char *prop, uint8_t v)
{
	keep(b, prop, b->c->h->set_uint8(b->inst, prop, v));
}

void pb_u16(struct pb *b, const char *prop, uint16_t v)
{
	keep(b, prop, b->c->h->set_uint16(b->inst, prop, v));
}

void pb_u32(struct pb *b, const char *prop, uint32_t v)
{
	keep(b, prop, b->c->h->set_uint32(b->inst, prop, v));
}

void pb_u64(struct pb *b, const char *prop, uint64_t v)
{
	keep(b, prop, b->c->h->set_uint64(b->inst, prop, v));
}

void pb_s16(struct pb *b, const char *prop, int16_t v)
{
	keep(b, prop, b->c->h->set_sint16(b->inst, prop, v));
}

void pb_s32(struct pb *b, const char *prop, int32_t v)
{
	keep(b, prop, b->c->h->set_sint32(b->inst, prop, v));
}

void pb_time(struct pb *b, const char *prop, int64_t secs, uint32_t usecs)
{
	keep(b, prop,
	     b->c->h->set_datetime_unix(b->inst, prop, secs, usecs,
	                                prov_utc_offset_min(secs)));
}

void pb_dmtf(struct pb *b, const char *prop, const char *dmtf)
{
	if (dmtf != NULL) {
		keep(b, prop, b->c->h->set_datetime(b->inst, prop, dmtf));
	}
}

void pb_strv(struct pb *b, const char *prop, const char *const *v, size_t n)
{
	keep(b, prop, b->c->h->set_string_array(b->inst, prop, v, n));
}

void pb_u16v(struct pb *b, const char *prop, const uint16_t *v, size_t n)
{
	keep(b, prop, b->c->h->set_uint16_array(b->inst, prop, v, n));
}

bool pc_keys_match(const struct owmi_host *h,
                   const struct owmi_instance *inst,
                   const struct owmi_keys *keys)
{
	uint32_t n = h->key_count(keys);

	for (uint32_t i = 0; i < n; i++) {
		const char *want = NULL;
		const char *name = h->key_at(keys, i, &want);
		uint32_t type = 0;
		bool is_null = true;

		if (name == NULL || want == NULL ||
		    OWMI_FAILED(h->get_type(inst, name, &type, &is_null)) ||
		    is_null) {
			return false;
		}
		if (type == OWMI_TYPE_STRING || type == OWMI_TYPE_DATETIME ||
		    type == OWMI_TYPE_REFERENCE) {
			const char *have = NULL;

			if (h->get_string(inst, name, &have) != OWMI_S_OK ||
			    strcasecmp(have, want) != 0) {
				return false;
			}
		} else if (type == OWMI_TYPE_BOOLEAN) {
			bool have = false;

			if (h->get_bool(inst, name, &have) != OWMI_S_OK ||
			    strcasecmp(want, have ? "TRUE" : "FALSE") != 0) {
				return false;
			}
		} else if (type == OWMI_TYPE_SINT8 ||
		           type == OWMI_TYPE_SINT16 ||
		           type == OWMI_TYPE_SINT32 ||
		           type == OWMI_TYPE_SINT64) {
			int64_t have = 0;
			char text[32];

			if (h->get_sint64(inst, name, &have) != OWMI_S_OK) {
				return false;
			}
			snprintf(text, sizeof(text), "%" PRId64, have);
			if (strcmp(text, want) != 0) {
				return false;
			}
		} else {
			uint64_t have = 0;
			char text[32];

			if (h->get_uint64(inst, name, &have) != OWMI_S_OK) {
				return false;
			}
			snprintf(text, sizeof(text), "%" PRIu64, have);
			if (strcmp(text, want) != 0) {
				return false;
			}
		}
	}
	return true;
}

int32_t pc_emit(struct pb *b)
{
	struct pcall *c = b->c;
	const struct owmi_host *h = c->h;
	int32_t rc;

	if (OWMI_FAILED(b->rc)) {
		h->log(c->ctx, OWMI_LOG_ERROR,
		       "%s.%s: setter failed with 0x%08X", c->cls,
		       b->prop ? b->prop : "?", (uint32_t)b->rc);
		h->instance_free(b->inst);
		b->inst = NULL;
		return b->rc;
	}
	if (c->keys != NULL) {
		if (!pc_keys_match(h, b->inst, c->keys)) {
			h->instance_free(b->inst);
			b->inst = NULL;
			return OWMI_S_OK;
		}
		rc = h->post(c->ctx, b->inst);
		b->inst = NULL;
		if (OWMI_FAILED(rc)) {
			return rc;
		}
		c->found = true;
		return OWMI_S_FALSE;
	}
	rc = h->post(c->ctx, b->inst);
	b->inst = NULL;
	return rc;
}

int32_t pc_return(struct pcall *c, struct owmi_instance *out, uint32_t rv)
{
	if (out == NULL) {
		return OWMI_S_OK;
	}
	return c->h->set_uint32(out, "ReturnValue", rv);
}

static const struct pclass *find_class(const char *cls)
{
	if (the_lib == NULL || cls == NULL) {
		return NULL;
	}
	for (size_t i = 0; i < the_lib->n_classes; i++) {
		if (strcasecmp(the_lib->classes[i].name, cls) == 0) {
			return &the_lib->classes[i];
		}
	}
	return NULL;
}

static int32_t call_begin(struct pcall *c,
                          struct owmi_ctx *ctx,
                          const char *cls,
                          const struct pclass **pc)
{
	memset(c, 0, sizeof(*c));
	*pc = find_class(cls);
	if (*pc == NULL) {
		return OWMI_E_INVALID_CLASS;
	}
	c->h = the_lib->h;
	c->ctx = ctx;
	c->cls = (*pc)->name;
	c->state = the_lib->state;
	c->mem = talloc_new(NULL);
	return c->mem != NULL ? OWMI_S_OK : OWMI_E_OUT_OF_MEMORY;
}

/* A stop after a match (S_FALSE) is success for the host. */
static int32_t call_end(struct pcall *c, int32_t rc)
{
	talloc_free(c->mem);
	return rc == OWMI_S_FALSE ? OWMI_S_OK : rc;
}

int32_t pl_enumerate(struct owmi_ctx *ctx, const char *cls)
{
	const struct pclass *pc;
	struct pcall c;
	int32_t rc = call_begin(&c, ctx, cls, &pc);

	if (OWMI_FAILED(rc)) {
		return rc;
	}
	return call_end(&c, pc->each(&c));
}

int32_t pl_get(struct owmi_ctx *ctx,
               const char *cls,
               const struct owmi_keys *keys)
{
	const struct pclass *pc;
	struct pcall c;
	int32_t rc = call_begin(&c, ctx, cls, &pc);

	if (OWMI_FAILED(rc)) {
		return rc;
	}
	c.keys = keys;
	rc = pc->get != NULL ? pc->get(&c) : pc->each(&c);
	if (!OWMI_FAILED(rc) && !c.found) {
		rc = OWMI_E_NOT_FOUND;
	}
	return call_end(&c, rc);
}

int32_t pl_exec_query(struct owmi_ctx *ctx,
                      const char *cls,
                      const struct owmi_query *q)
{
	const struct pclass *pc;
	struct pcall c;
	int32_t rc = call_begin(&c, ctx, cls, &pc);

	if (OWMI_FAILED(rc)) {
		return rc;
	}
	c.q = q;
	rc = pc->query != NULL ? pc->query(&c) : OWMI_E_PROVIDER_NOT_CAPABLE;
	if (rc == OWMI_E_PROVIDER_NOT_CAPABLE) {
		c.q = NULL;
		rc = pc->each(&c);
	}
	return call_end(&c, rc);
}

int32_t pl_exec_method(struct owmi_ctx *ctx,
                       const char *cls,
                       const struct owmi_keys *keys,
                       const char *method,
                       const struct owmi_instance *in,
                       struct owmi_instance *out)
{
	const struct pclass *pc;
	struct pcall c;
	int32_t rc = call_begin(&c, ctx, cls, &pc);

	if (OWMI_FAILED(rc)) {
		return rc;
	}
	if (pc->method == NULL) {
		return call_end(&c, OWMI_E_INVALID_METHOD);
	}
	c.keys = keys;
	return call_end(&c, pc->method(&c, method, in, out));
}
