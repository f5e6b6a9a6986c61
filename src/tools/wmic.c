/*
 * wmic: the WMI command line (tools; reference section 5.1).
 *
 * Two modes with the same command syntax and output:
 *  - remote (/node:HOST, or --unix-socket PATH for the local wmid): the
 *    client library (src/client) over DCOM, NTLM with /user and
 *    /password (or OWMI_PASSWORD, or a prompt on a terminal) at
 *    /authlevel (Pktprivacy by default);
 *  - offline (otherwise): opens the repository file directly and drives
 *    the object manager (cimom) in-process.
 *
 *   wmic [switches] path CLASS [where "cond"] [get [props] | list | delete]
 *   wmic [switches] ALIAS [where "cond"] [get [props] | list | delete]
 *   wmic [switches] query "WQL"
 *   wmic [switches] class CLASS
 *
 * Output follows Windows wmic: table columns in alphabetical order, each
 * padded to its longest value plus two spaces; list/value as Name=Value
 * with blank lines between instances; csv with a Node column first;
 * "No Instance(s) Available." on stderr for an empty result (exit 0);
 * errors as an ERROR: block on stderr (exit 1).  Output is UTF-8 with LF
 * line ends (Windows writes UTF-16LE with CRLF when redirected).
 */
#include <errno.h>
#include <fcntl.h>
#include <pwd.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <talloc.h>
#include <termios.h>
#include <unistd.h>

#include "base/buf.h"
#include "base/hresult.h"
#include "base/utf.h"
#include "cim/cim.h"
#include "cimom/cimom.h"
#ifdef OWMI_HAVE_CLIENT
#include "client/client.h"
#include "wmio/wmio.h"
#endif
#include "cimom/provreg.h"
#include "repo/repo.h"

#define DEFAULT_STATE_DIR "/var/lib/openwmi"

enum fmt { FMT_TABLE, FMT_LIST, FMT_CSV, FMT_JSON, FMT_VALUE };

struct opts {
	const char *repository;
	const char *state_dir;
	const char *ns;
	const char *activity_log;
	enum fmt fmt;
	bool fmt_given;
	/* remote mode */
	const char *node;
	const char *unix_socket;
	const char *user;
	const char *password;
	uint8_t auth_level;
	bool negotiate; /* SPNEGO (auth type 9) instead of plain NTLM */
	uint16_t port;
	/* the command */
	char **words;
	int n_words;
};

/* Alias -> class (reference 5.1). */
static const struct {
	const char *alias;
	const char *cls;
} aliases[] = {
	{ "baseboard", "Win32_BaseBoard" },
	{ "bios", "Win32_BIOS" },
	{ "bootconfig", "Win32_BootConfiguration" },
	{ "computersystem", "Win32_ComputerSystem" },
	{ "cpu", "Win32_Processor" },
	{ "csproduct", "Win32_ComputerSystemProduct" },
	{ "diskdrive", "Win32_DiskDrive" },
	{ "environment", "Win32_Environment" },
	{ "group", "Win32_Group" },
	{ "logicaldisk", "Win32_LogicalDisk" },
	{ "memorychip", "Win32_PhysicalMemory" },
	{ "nic", "Win32_NetworkAdapter" },
	{ "nicconfig", "Win32_NetworkAdapterConfiguration" },
	{ "ntevent", "Win32_NTLogEvent" },
	{ "nteventlog", "Win32_NTEventlogFile" },
	{ "os", "Win32_OperatingSystem" },
	{ "pagefile", "Win32_PageFileUsage" },
	{ "partition", "Win32_DiskPartition" },
	{ "process", "Win32_Process" },
	{ "product", "Win32_Product" },
	{ "qfe", "Win32_QuickFixEngineering" },
	{ "service", "Win32_Service" },
	{ "share", "Win32_Share" },
	{ "startup", "Win32_StartupCommand" },
	{ "sysdriver", "Win32_SystemDriver" },
	{ "systemenclosure", "Win32_SystemEnclosure" },
	{ "timezone", "Win32_TimeZone" },
	{ "useraccount", "Win32_UserAccount" },
	{ "volume", "Win32_Volume" },
};

static void usage(FILE *fp)
{
	fprintf(fp,
	        "usage: wmic [switches] path CLASS [where \"COND\"] "
	        "[get [PROP[,PROP...]] | list | delete |\n"
	        "                                    call METHOD [ARG...]]\n"
	        "       wmic [switches] ALIAS [where \"COND\"] [get [PROPS] | "
	        "list | delete]\n"
	        "       wmic [switches] query \"WQL\"\n"
	        "       wmic [switches] class CLASS\n"
	        "\n"
	        "Switches (Windows spelling, case-insensitive, /X:V or /X V; "
	        "or GNU long options):\n"
	        "  /namespace:\\\\root\\cimv2, --namespace NS\n"
	        "                      the namespace (default root\\cimv2)\n"
	        "  /format:FMT, --format FMT, /value\n"
	        "                      table (get), list (list), csv, value, "
	        "json\n"
	        "  /node:HOST[:PORT]   query HOST over DCOM (remote mode)\n"
	        "  /user:[DOMAIN\\]USER, /password:PW\n"
	        "                      credentials (password also from "
	        "OWMI_PASSWORD,\n"
	        "                      else asked on the terminal)\n"
	        "  /authlevel:LEVEL    Default, None, Connect, Call, Pkt, "
	        "Pktintegrity,\n"
	        "                      Pktprivacy (the default)\n"
	        "  --negotiate         authenticate with Negotiate (SPNEGO "
	        "around NTLM,\n"
	        "                      auth type 9) instead of plain NTLM\n"
	        "  --unix-socket PATH  query the local wmid through its "
	        "socket\n"
	        "  --port N            the endpoint mapper port of /node "
	        "(135)\n"
	        "  --repository PATH   the repository file (offline mode)\n"
	        "  --state-dir DIR     use DIR/repository.db (default %s)\n"
	        "  --activity-log FILE append failures (event 5858) to FILE\n"
	        "  --help, /?          this text\n"
	        "\n"
	        "Aliases: ",
	        DEFAULT_STATE_DIR);
	for (size_t i = 0; i < sizeof(aliases) / sizeof(aliases[0]); i++) {
		fprintf(fp, "%s%s", i ? ", " : "", aliases[i].alias);
	}
	fprintf(fp,
	        "\n\nOutput is UTF-8 with LF line ends; Windows wmic writes "
	        "UTF-16LE with CRLF\nwhen its output is redirected, this "
	        "one never does.\n"
	        "Exit status: 0 on success (also for an empty result), 1 on "
	        "error.\n");
}

static void print_error(hresult hr, const char *detail)
{
	if (detail != NULL && detail[0] != '\0') {
		fprintf(stderr, "wmic: %s\n", detail);
	}
	fprintf(stderr,
	        "ERROR:\nDescription = %s\nCode = 0x%08x\n"
	        "Facility = %s\n",
	        hr_message(hr), hr.v, hr_facility(hr));
}

static bool parse_format(const char *v, enum fmt *out)
{
	static const struct {
		const char *name;
		enum fmt f;
	} names[] = {
		{ "table", FMT_TABLE }, { "list", FMT_LIST },
		{ "csv", FMT_CSV },     { "json", FMT_JSON },
		{ "value", FMT_VALUE },
	};

	for (size_t i = 0; i < sizeof(names) / sizeof(names[0]); i++) {
		if (utf8_casecmp(v, names[i].name) == 0) {
			*out = names[i].f;
			return true;
		}
	}
	return false;
}

/* /authlevel values (Windows wmic's names) -> RPC_C_AUTHN_LEVEL_*. */
static bool parse_authlevel(const char *v, uint8_t *out)
{
	static const struct {
		const char *name;
		uint8_t level;
	} names[] = {
		{ "default", 0 },    { "none", 1 }, { "connect", 2 },
		{ "call", 3 },       { "pkt", 4 },  { "pktintegrity", 5 },
		{ "pktprivacy", 6 },
	};

	for (size_t i = 0; i < sizeof(names) / sizeof(names[0]); i++) {
		if (utf8_casecmp(v, names[i].name) == 0) {
			*out = names[i].level;
			return true;
		}
	}
	return false;
}

/* Matches "/name:value", "/name value", "--name=value", "--name value".
 * Returns the value (advancing *i) or NULL when argv[*i] is not [name]. */
static const char *switch_value(int argc,
                                char **argv,
                                int *i,
                                const char *name,
                                bool *missing)
{
	const char *a = argv[*i];
	size_t n = strlen(name);

	*missing = false;
	if (a[0] == '/' || (a[0] == '-' && a[1] == '-')) {
		const char *p = a + (a[0] == '/' ? 1 : 2);

		if (strncasecmp(p, name, n) != 0) {
			return NULL;
		}
		if (p[n] == ':' || p[n] == '=') {
			return p + n + 1;
		}
		if (p[n] == '\0') {
			if (*i + 1 >= argc) {
				*missing = true;
				return NULL;
			}
			(*i)++;
			return argv[*i];
		}
	}
	return NULL;
}

/* Returns 0 to go on, 1 for a usage error, 2 after printing help. */
static int parse_args(int argc, char **argv, struct opts *o, void *mem)
{
	o->words = talloc_array(mem, char *, argc + 1);
	o->fmt = FMT_TABLE;
	for (int i = 1; i < argc; i++) {
		const char *a = argv[i];
		const char *v;
		bool missing;

		if (strcmp(a, "/?") == 0 || strcmp(a, "-?") == 0 ||
		    strcmp(a, "--help") == 0 || strcmp(a, "-h") == 0 ||
		    strncasecmp(a, "/?:", 3) == 0) {
			usage(stdout);
			return 2;
		}
		if (strcmp(a, "--negotiate") == 0 ||
		    strcasecmp(a, "/negotiate") == 0) {
			o->negotiate = true;
			continue;
		}
		if ((v = switch_value(argc, argv, &i, "namespace", &missing)) !=
		    NULL) {
			o->ns = v;
			continue;
		}
		if ((v = switch_value(argc, argv, &i, "format", &missing)) !=
		    NULL) {
			if (!parse_format(v, &o->fmt)) {
				fprintf(stderr, "Invalid XSL format (or) file "
				                "name.\n");
				return 1;
			}
			o->fmt_given = true;
			continue;
		}
		if (missing) {
			fprintf(stderr, "wmic: %s needs a value\n", a);
			return 1;
		}
		if ((v = switch_value(argc, argv, &i, "node", &missing)) !=
		    NULL) {
			o->node = v;
			continue;
		}
		if ((v = switch_value(argc, argv, &i, "user", &missing)) !=
		    NULL) {
			o->user = v;
			continue;
		}
		if ((v = switch_value(argc, argv, &i, "password", &missing)) !=
		    NULL) {
			o->password = v;
			continue;
		}
		if ((v = switch_value(argc, argv, &i, "authlevel", &missing)) !=
		    NULL) {
			if (!parse_authlevel(v, &o->auth_level)) {
				fprintf(stderr, "Invalid authentication "
				                "level.\n");
				return 1;
			}
			continue;
		}
		if ((v = switch_value(argc, argv, &i, "unix-socket",
		                      &missing)) != NULL) {
			o->unix_socket = v;
			continue;
		}
		if ((v = switch_value(argc, argv, &i, "port", &missing)) !=
		    NULL) {
			char *end;
			unsigned long port = strtoul(v, &end, 10);

			if (*end != '\0' || port == 0 || port > 65535) {
				fprintf(stderr, "wmic: bad port '%s'\n", v);
				return 1;
			}
			o->port = (uint16_t)port;
			continue;
		}
		if (missing) {
			fprintf(stderr, "wmic: %s needs a value\n", a);
			return 1;
		}
		if (a[0] == '-' && a[1] == '-') {
			if ((v = switch_value(argc, argv, &i, "repository",
			                      &missing)) != NULL) {
				o->repository = v;
				continue;
			}
			if ((v = switch_value(argc, argv, &i, "state-dir",
			                      &missing)) != NULL) {
				o->state_dir = v;
				continue;
			}
			if ((v = switch_value(argc, argv, &i, "activity-log",
			                      &missing)) != NULL) {
				o->activity_log = v;
				continue;
			}
			fprintf(stderr, "wmic: unknown option '%s'%s\n", a,
			        missing ? " (needs a value)" : "");
			return 1;
		}
		if (utf8_casecmp(a, "/value") == 0) {
			o->fmt = FMT_VALUE;
			o->fmt_given = true;
			continue;
		}
		if (a[0] == '/' && o->n_words == 0) {
			fprintf(stderr, "wmic: unknown switch '%s'\n", a);
			return 1;
		}
		o->words[o->n_words++] = argv[i];
	}
	return 0;
}

/* ---- values and results ------------------------------------------ */

struct results {
	void *mem;
	struct cim_object **objs;
	uint32_t n;
};

static hresult keep_indicate(void *arg, struct cim_object **objs, uint32_t n)
{
	struct results *r = arg;
	struct cim_object **nv;

	nv = talloc_realloc(r->mem, r->objs, struct cim_object *, r->n + n);
	if (nv == NULL) {
		return HR_E_OUTOFMEMORY;
	}
	r->objs = nv;
	for (uint32_t i = 0; i < n; i++) {
		struct cim_object *o = talloc_zero(nv, struct cim_object);

		if (o == NULL) {
			return HR_E_OUTOFMEMORY;
		}
		o->is_class = objs[i]->is_class;
		if (o->is_class) {
			o->u.cls = cim_class_copy(o, objs[i]->u.cls);
			if (o->u.cls == NULL) {
				return HR_E_OUTOFMEMORY;
			}
		} else {
			struct cim_class *c = cim_class_copy(
			        o, objs[i]->u.inst->cls);

			o->u.inst = cim_instance_copy(o, objs[i]->u.inst);
			if (c == NULL || o->u.inst == NULL) {
				return HR_E_OUTOFMEMORY;
			}
			o->u.inst->cls = c;
			o->u.inst->server = talloc_strdup(
			        o, objs[i]->u.inst->server);
			o->u.inst->namespace = talloc_strdup(
			        o, objs[i]->u.inst->namespace);
		}
		r->objs[r->n++] = o;
	}
	return HR_OK;
}

static void fmt_scalar(struct buf *b,
                       uint32_t base,
                       const struct cim_value *v,
                       uint32_t i,
                       bool in_array)
{
	bool arr = cim_type_is_array(v->type);

	switch (base) {
	case CIM_T_STRING:
	case CIM_T_DATETIME:
	case CIM_T_REFERENCE: {
		const char *s = arr ? v->v.a.e.s[i] : v->v.s;

		if (in_array) {
			buf_addf(b, "\"%s\"", s);
		} else {
			buf_addstr(b, s);
		}
		break;
	}
	case CIM_T_BOOLEAN:
		buf_addstr(b,
		           (arr ? v->v.a.e.b[i] : v->v.b) ? "TRUE" : "FALSE");
		break;
	case CIM_T_SINT8:
	case CIM_T_SINT16:
	case CIM_T_SINT32:
	case CIM_T_SINT64:
		buf_addf(b, "%lld", (long long)(arr ? v->v.a.e.i[i] : v->v.i));
		break;
	case CIM_T_REAL32:
	case CIM_T_REAL64:
		buf_addf(b, "%g", arr ? v->v.a.e.r[i] : v->v.r);
		break;
	case CIM_T_OBJECT:
		buf_addstr(b, "[object]");
		break;
	default:
		buf_addf(b, "%llu",
		         (unsigned long long)(arr ? v->v.a.e.u[i] : v->v.u));
	}
}

/* Formats a value as wmic shows it; NULL is empty. */
static char *fmt_value(void *mem, const struct cim_value *v)
{
	struct buf b;

	buf_init(&b, mem);
	if (v != NULL && !v->null) {
		uint32_t base = cim_type_base(v->type);

		if (cim_type_is_array(v->type)) {
			buf_addch(&b, '{');
			for (uint32_t i = 0; i < v->v.a.n; i++) {
				if (i > 0) {
					buf_addstr(&b, ", ");
				}
				fmt_scalar(&b, base, v, i, true);
			}
			buf_addch(&b, '}');
		} else {
			fmt_scalar(&b, base, v, 0, false);
		}
	}
	return buf_detach(&b, NULL);
}

/* The value of [name] (system properties computed) as text. */
static char *prop_text(void *mem,
                       const struct cim_instance *inst,
                       const char *name)
{
	if (name[0] == '_' && name[1] == '_') {
		struct cim_value v;

		if (hr_failed(cim_sysprop_get(mem, inst->cls, inst,
		                              inst->server, inst->namespace,
		                              name, &v))) {
			return talloc_strdup(mem, "");
		}
		return fmt_value(mem, &v);
	}
	return fmt_value(mem, cim_instance_get(inst, name));
}

static int cmp_name(const void *a, const void *b)
{
	return utf8_casecmp(*(char *const *)a, *(char *const *)b);
}

static size_t text_width(const char *s)
{
	size_t n = 0;

	for (; *s; s++) {
		if (((unsigned char)*s & 0xC0) != 0x80) {
			n++;
		}
	}
	return n;
}

static void json_str(struct buf *b, const char *s)
{
	buf_addch(b, '"');
	for (; *s; s++) {
		unsigned char c = (unsigned char)*s;

		if (c == '"' || c == '\\') {
			buf_addch(b, '\\');
			buf_addch(b, (char)c);
		} else if (c < 0x20) {
			buf_addf(b, "\\u%04x", c);
		} else {
			buf_addch(b, (char)c);
		}
	}
	buf_addch(b, '"');
}

/* Prints [r] with columns [cols] (sorted here) in format [f]. */
static void print_results(void *mem,
                          const struct results *r,
                          char **cols,
                          uint32_t n_cols,
                          enum fmt f,
                          const char *node)
{
	size_t *w = talloc_zero_array(mem, size_t, n_cols ? n_cols : 1);
	char ***cell = talloc_zero_array(mem, char **, r->n ? r->n : 1);
	struct buf out;

	qsort(cols, n_cols, sizeof(cols[0]), cmp_name);
	for (uint32_t c = 0; c < n_cols; c++) {
		w[c] = text_width(cols[c]);
	}
	for (uint32_t i = 0; i < r->n; i++) {
		cell[i] = talloc_zero_array(cell, char *, n_cols ? n_cols : 1);
		for (uint32_t c = 0; c < n_cols; c++) {
			cell[i][c] = prop_text(cell, r->objs[i]->u.inst,
			                       cols[c]);
			if (text_width(cell[i][c]) > w[c]) {
				w[c] = text_width(cell[i][c]);
			}
		}
	}
	buf_init(&out, mem);
	switch (f) {
	case FMT_TABLE:
		for (uint32_t c = 0; c < n_cols; c++) {
			buf_addf(&out, "%s%*s", cols[c],
			         (int)(w[c] + 2 - text_width(cols[c])), "");
		}
		buf_addch(&out, '\n');
		for (uint32_t i = 0; i < r->n; i++) {
			for (uint32_t c = 0; c < n_cols; c++) {
				buf_addf(&out, "%s%*s", cell[i][c],
				         (int)(w[c] + 2 -
				               text_width(cell[i][c])),
				         "");
			}
			buf_addch(&out, '\n');
		}
		buf_addch(&out, '\n');
		break;
	case FMT_LIST:
	case FMT_VALUE:
		for (uint32_t i = 0; i < r->n; i++) {
			buf_addstr(&out, "\n\n");
			for (uint32_t c = 0; c < n_cols; c++) {
				buf_addf(&out, "%s=%s\n", cols[c], cell[i][c]);
			}
		}
		buf_addstr(&out, "\n\n");
		break;
	case FMT_CSV:
		buf_addstr(&out, "\nNode");
		for (uint32_t c = 0; c < n_cols; c++) {
			buf_addf(&out, ",%s", cols[c]);
		}
		buf_addch(&out, '\n');
		for (uint32_t i = 0; i < r->n; i++) {
			buf_addstr(&out, node);
			for (uint32_t c = 0; c < n_cols; c++) {
				buf_addf(&out, ",%s", cell[i][c]);
			}
			buf_addch(&out, '\n');
		}
		break;
	case FMT_JSON:
		buf_addstr(&out, "[");
		for (uint32_t i = 0; i < r->n; i++) {
			buf_addstr(&out, i ? ",\n {" : "\n {");
			for (uint32_t c = 0; c < n_cols; c++) {
				if (c > 0) {
					buf_addstr(&out, ", ");
				}
				json_str(&out, cols[c]);
				buf_addstr(&out, ": ");
				json_str(&out, cell[i][c]);
			}
			buf_addch(&out, '}');
		}
		buf_addstr(&out, "\n]\n");
		break;
	}
	fwrite(out.data, 1, out.len, stdout);
	buf_release(&out);
}

/* Adds the non-system property names of [cls] not yet in [cols]. */
static void add_class_cols(void *mem,
                           const struct cim_class *cls,
                           char ***cols,
                           uint32_t *n)
{
	for (uint32_t p = 0; p < cls->n_props; p++) {
		bool have = false;

		for (uint32_t c = 0; c < *n; c++) {
			if (utf8_casecmp((*cols)[c], cls->props[p].name) == 0) {
				have = true;
			}
		}
		if (!have) {
			*cols = talloc_realloc(mem, *cols, char *, *n + 1);
			(*cols)[(*n)++] = talloc_strdup(*cols,
			                                cls->props[p].name);
		}
	}
}

/* ---- commands ------------------------------------------------------- */

struct ctx {
	void *mem;
	struct opts *o;
	struct cimom *cm;
	struct cimom_session *s;
#ifdef OWMI_HAVE_CLIENT
	struct client_conn *cc; /* remote mode when not NULL */
#endif
};

/* The operations both modes provide. */

static bool remote(const struct ctx *x)
{
#ifdef OWMI_HAVE_CLIENT
	return x->cc != NULL;
#else
	(void)x;
	return false;
#endif
}

static const char *node_name(const struct ctx *x)
{
#ifdef OWMI_HAVE_CLIENT
	if (remote(x)) {
		return client_server_name(x->cc);
	}
#endif
	return cimom_server_name(x->cm);
}

static hresult do_query(struct ctx *x,
                        const char *wql,
                        struct results *r,
                        struct errinfo *ei)
{
	struct cimom_sink sink = { .indicate = keep_indicate, .arg = r };

#ifdef OWMI_HAVE_CLIENT
	if (remote(x)) {
		struct client_enum *e = NULL;
		hresult hr = client_exec_query(client_root(x->cc), wql, 0, 0,
		                               &e, ei);

		if (hr_ok(hr)) {
			hr = client_enum_all(e, r->mem, &r->objs, &r->n, ei);
			client_enum_release(e);
		}
		return hr;
	}
#endif
	return cimom_exec_query(x->s, "WQL", wql, 0, &sink, ei);
}

static hresult do_get(struct ctx *x, const char *path, struct cim_object **o)
{
#ifdef OWMI_HAVE_CLIENT
	if (remote(x)) {
		return client_get_object(client_root(x->cc), x->mem, path, 0, o,
		                         NULL);
	}
#endif
	return cimom_get_object(x->s, x->mem, path, 0, o, NULL);
}

static hresult do_delete(struct ctx *x, const char *path)
{
#ifdef OWMI_HAVE_CLIENT
	if (remote(x)) {
		return client_delete_instance(client_root(x->cc), path, NULL);
	}
#endif
	return cimom_delete_instance(x->s, path, 0, NULL);
}

static int run_query(struct ctx *x,
                     const char *wql,
                     char **cols,
                     uint32_t n_cols,
                     const char *cls_for_cols)
{
	struct results r = { .mem = x->mem };
	struct errinfo ei;
	hresult hr;

	err_clear(&ei);
	hr = do_query(x, wql, &r, &ei);
	if (hr_failed(hr)) {
		print_error(hr, NULL);
		return 1;
	}
	if (r.n == 0) {
		fprintf(stderr, "No Instance(s) Available.\n");
		return 0;
	}
	if (n_cols == 0 && cls_for_cols != NULL) {
		struct cim_object *o = NULL;

		if (hr_ok(do_get(x, cls_for_cols, &o)) && o->is_class) {
			add_class_cols(x->mem, o->u.cls, &cols, &n_cols);
		}
	}
	/* Headers take the class's spelling ("get caption" -> Caption). */
	for (uint32_t c = 0; c < n_cols && !r.objs[0]->is_class; c++) {
		const struct cim_class *k = r.objs[0]->u.inst->cls;
		int32_t idx = cim_class_find_prop(k, cols[c]);

		if (idx >= 0) {
			cols[c] = k->props[idx].name;
		}
	}
	if (n_cols == 0) {
		for (uint32_t i = 0; i < r.n; i++) {
			if (!r.objs[i]->is_class) {
				add_class_cols(x->mem, r.objs[i]->u.inst->cls,
				               &cols, &n_cols);
			}
		}
	}
	print_results(x->mem, &r, cols, n_cols, x->o->fmt, node_name(x));
	return 0;
}

static bool is_word(const char *w, const char *kw)
{
	return w != NULL && utf8_casecmp(w, kw) == 0;
}

/* Splits "a,b" "c" into names; false on an empty name. */
static bool split_props(void *mem,
                        char **words,
                        int n,
                        char ***out,
                        uint32_t *n_out)
{
	*out = NULL;
	*n_out = 0;
	for (int i = 0; i < n; i++) {
		char *dup = talloc_strdup(mem, words[i]);
		char *p = dup, *save = NULL, *tok;

		while ((tok = strtok_r(p, ",", &save)) != NULL) {
			p = NULL;
			while (*tok == ' ') {
				tok++;
			}
			for (char *e = tok + strlen(tok);
			     e > tok && e[-1] == ' ';) {
				*--e = '\0';
			}
			if (*tok == '\0') {
				return false;
			}
			*out = talloc_realloc(mem, *out, char *, *n_out + 1);
			(*out)[(*n_out)++] = tok;
		}
	}
	return true;
}

static int run_delete(struct ctx *x, const char *cls, const char *where)
{
	struct results r = { .mem = x->mem };
	char *wql;
	hresult hr;
	int rc = 0;

	wql = where ? talloc_asprintf(x->mem, "SELECT * FROM %s WHERE %s", cls,
	                              where)
	            : talloc_asprintf(x->mem, "SELECT * FROM %s", cls);
	hr = do_query(x, wql, &r, NULL);
	if (hr_failed(hr)) {
		print_error(hr, NULL);
		return 1;
	}
	if (r.n == 0) {
		fprintf(stderr, "No Instance(s) Available.\n");
		return 0;
	}
	for (uint32_t i = 0; i < r.n; i++) {
		char *path = prop_text(x->mem, r.objs[i]->u.inst, "__PATH");
		char *rel = prop_text(x->mem, r.objs[i]->u.inst, "__RELPATH");

		printf("Deleting instance %s\n", path);
		hr = do_delete(x, rel);
		if (hr_failed(hr)) {
			print_error(hr, NULL);
			rc = 1;
			continue;
		}
		printf("Instance deletion successful.\n");
	}
	return rc;
}

static void print_quals(const struct cim_qualifier_set *qs,
                        const char *indent,
                        const char *end)
{
	struct buf b;

	if (qs->n == 0) {
		return;
	}
	buf_init(&b, NULL);
	buf_addf(&b, "%s[", indent);
	for (uint32_t i = 0; i < qs->n; i++) {
		const struct cim_qualifier *q = &qs->q[i];

		buf_addf(&b, "%s%s", i ? ", " : "", q->name);
		if (!(q->value.type == CIM_T_BOOLEAN && !q->value.null &&
		      q->value.v.b)) {
			buf_addch(&b, '(');
			cim_value_format(&b, &q->value, true);
			buf_addch(&b, ')');
		}
	}
	buf_addstr(&b, "]");
	buf_addstr(&b, end);
	fwrite(b.data, 1, b.len, stdout);
	buf_release(&b);
}

static int run_class(struct ctx *x, const char *name)
{
	struct cim_object *o = NULL;
	const struct cim_class *c;
	hresult hr;

	hr = do_get(x, name, &o);
	if (hr_ok(hr) && !o->is_class) {
		hr = HR_WBEM_E_INVALID_CLASS;
	}
	if (hr_failed(hr)) {
		print_error(hr, NULL);
		return 1;
	}
	c = o->u.cls;
	print_quals(&c->quals, "", "\n");
	printf("class %s", c->name);
	if (c->superclass != NULL) {
		printf(" : %s", c->superclass);
	}
	printf("\n{\n");
	for (uint32_t i = 0; i < c->n_props; i++) {
		const struct cim_property *p = &c->props[i];

		print_quals(&p->quals, "\t", " ");
		if (cim_type_base(p->type) == CIM_T_REFERENCE) {
			printf("%s%s ref %s", p->quals.n ? "" : "\t",
			       p->ref_class ? p->ref_class : "", p->name);
		} else {
			printf("%s%s %s%s", p->quals.n ? "" : "\t",
			       cim_type_name(p->type), p->name,
			       cim_type_is_array(p->type) ? "[]" : "");
		}
		if (!p->value.null) {
			struct buf b;

			buf_init(&b, NULL);
			cim_value_format(&b, &p->value, true);
			printf(" = %s", b.data);
			buf_release(&b);
		}
		printf(";\n");
	}
	for (uint32_t i = 0; i < c->n_methods; i++) {
		const struct cim_method *m = &c->methods[i];

		print_quals(&m->quals, "\t", " ");
		printf("%s%s %s(", m->quals.n ? "" : "\t",
		       m->return_type ? cim_type_name(m->return_type) : "void",
		       m->name);
		for (uint32_t k = 0; k < m->n_params; k++) {
			const struct cim_param *pa = &m->params[k];

			printf("%s%s%s %s%s", k ? ", " : "",
			       pa->in && pa->out ? "[in, out] "
			       : pa->out         ? "[out] "
			       : pa->in          ? "[in] "
			                         : "",
			       cim_type_name(pa->type), pa->name,
			       cim_type_is_array(pa->type) ? "[]" : "");
		}
		printf(");\n");
	}
	printf("};\n");
	return 0;
}

static const char *alias_class(const char *alias)
{
	for (size_t i = 0; i < sizeof(aliases) / sizeof(aliases[0]); i++) {
		if (utf8_casecmp(alias, aliases[i].alias) == 0) {
			return aliases[i].cls;
		}
	}
	return NULL;
}

#ifdef OWMI_HAVE_CLIENT
/* An empty in-parameters instance of [cls].[method] (NULL: none). */
static hresult do_method_params(struct ctx *x,
                                const char *cls,
                                const char *method,
                                struct cim_instance **in)
{
	struct cim_object *o = NULL;
	struct cim_method *m;
	struct cim_class *pc = NULL;
	hresult hr;

	*in = NULL;
	if (remote(x)) {
		return client_method_params(client_root(x->cc), x->mem, cls,
		                            method, in, NULL);
	}
	hr = cimom_get_object(x->s, x->mem, cls, 0, &o, NULL);
	if (hr_ok(hr) && !o->is_class) {
		hr = HR_WBEM_E_INVALID_CLASS;
	}
	if (hr_failed(hr)) {
		return hr;
	}
	m = cim_class_find_method(o->u.cls, method);
	if (m == NULL) {
		return HR_WBEM_E_METHOD_NOT_IMPLEMENTED;
	}
	hr = wmio_params_class(x->mem, m, false, &pc);
	if (hr_ok(hr) && pc->n_props > 0) {
		*in = cim_instance_new(x->mem, pc);
		hr = *in != NULL ? HR_OK : HR_E_OUTOFMEMORY;
	}
	return hr;
}

static hresult do_exec_method(struct ctx *x,
                              const char *path,
                              const char *method,
                              const struct cim_instance *in,
                              struct cim_instance **out)
{
	if (remote(x)) {
		return client_exec_method(client_root(x->cc), x->mem, path,
		                          method, in, out, NULL);
	}
	return cimom_exec_method(x->s, x->mem, path, method, in, 0, out, NULL);
}

/* Sets in-parameter [i] of [in] from the command line text [arg]. */
static hresult set_arg(struct ctx *x,
                       struct cim_instance *in,
                       uint32_t i,
                       const char *arg)
{
	const struct cim_property *p = &in->cls->props[i];
	uint32_t t = cim_type_base(p->type);
	struct cim_value v = { .type = CIM_T_STRING };
	struct cim_value conv;
	char *end = NULL;
	hresult hr;

	if (cim_type_is_array(p->type) || t == CIM_T_OBJECT) {
		return HR_WBEM_E_INVALID_PARAMETER;
	}
	v.v.s = (char *)arg;
	switch (t) {
	case CIM_T_BOOLEAN:
		v.type = CIM_T_BOOLEAN;
		v.v.b = utf8_casecmp(arg, "true") == 0 || strcmp(arg, "1") == 0;
		break;
	case CIM_T_SINT8:
	case CIM_T_SINT16:
	case CIM_T_SINT32:
	case CIM_T_SINT64:
		v.type = CIM_T_SINT64;
		v.v.i = strtoll(arg, &end, 0);
		break;
	case CIM_T_UINT8:
	case CIM_T_UINT16:
	case CIM_T_UINT32:
	case CIM_T_UINT64:
	case CIM_T_CHAR16:
		v.type = CIM_T_UINT64;
		v.v.u = strtoull(arg, &end, 0);
		break;
	case CIM_T_REAL32:
	case CIM_T_REAL64:
		v.type = CIM_T_REAL64;
		v.v.r = strtod(arg, &end);
		break;
	default:
		break;
	}
	if (end != NULL && (*end != '\0' || end == arg)) {
		return HR_WBEM_E_INVALID_PARAMETER;
	}
	hr = cim_value_convert(x->mem, &conv, &v, p->type);
	if (hr_ok(hr)) {
		hr = cim_instance_set(in, p->name, &conv);
	}
	return hr;
}

static void print_out_params(const struct cim_instance *out)
{
	struct buf b;

	buf_init(&b, NULL);
	buf_addstr(&b, "Out Parameters:\ninstance of __PARAMETERS\n{\n");
	for (uint32_t i = 0; out != NULL && i < out->cls->n_props; i++) {
		if (out->values[i].null) {
			continue;
		}
		buf_addf(&b, "\t%s = ", out->cls->props[i].name);
		cim_value_format(&b, &out->values[i], true);
		buf_addstr(&b, ";\n");
	}
	buf_addstr(&b, "};\n\n");
	fwrite(b.data, 1, b.len, stdout);
	buf_release(&b);
}

/* CLASS [where COND] call METHOD [ARG...]: the class's method, or the
   method of every instance the condition selects. */
static int run_call(struct ctx *x,
                    const char *cls,
                    const char *where,
                    char **args,
                    int n)
{
	struct cim_instance *in = NULL, *out = NULL;
	struct results r = { .mem = x->mem };
	const char *method;
	hresult hr;
	int rc = 0;

	if (n < 1) {
		fprintf(stderr, "wmic: call needs a method name\n");
		return 1;
	}
	method = args[0];
	hr = do_method_params(x, cls, method, &in);
	if (hr_ok(hr) && n - 1 > (int)(in != NULL ? in->cls->n_props : 0)) {
		fprintf(stderr, "Invalid number of parameters.\n");
		return 1;
	}
	for (int i = 1; hr_ok(hr) && i < n; i++) {
		hr = set_arg(x, in, (uint32_t)(i - 1), args[i]);
	}
	if (hr_failed(hr)) {
		print_error(hr, NULL);
		return 1;
	}
	if (where == NULL) {
		printf("Executing (%s)->%s()\n", cls, method);
		hr = do_exec_method(x, cls, method, in, &out);
		if (hr_failed(hr)) {
			print_error(hr, NULL);
			return 1;
		}
		printf("Method execution successful.\n");
		print_out_params(out);
		return 0;
	}
	hr = do_query(x,
	              talloc_asprintf(x->mem, "SELECT * FROM %s WHERE %s", cls,
	                              where),
	              &r, NULL);
	if (hr_failed(hr)) {
		print_error(hr, NULL);
		return 1;
	}
	if (r.n == 0) {
		fprintf(stderr, "No Instance(s) Available.\n");
		return 0;
	}
	for (uint32_t i = 0; i < r.n; i++) {
		char *path = prop_text(x->mem, r.objs[i]->u.inst, "__PATH");
		char *rel = prop_text(x->mem, r.objs[i]->u.inst, "__RELPATH");

		printf("Executing (%s)->%s()\n", path, method);
		hr = do_exec_method(x, rel, method, in, &out);
		if (hr_failed(hr)) {
			print_error(hr, NULL);
			rc = 1;
			continue;
		}
		printf("Method execution successful.\n");
		print_out_params(out);
	}
	return rc;
}
#endif

/* CLASS [where COND] [get [props] | list [full|brief] | delete |
   call METHOD [ARGS]] */
static int run_target(struct ctx *x, const char *cls, char **w, int n)
{
	const char *where = NULL;
	char **props = NULL;
	uint32_t n_props = 0;
	char *wql;
	int i = 0;

	if (i < n && is_word(w[i], "where")) {
		if (i + 1 >= n) {
			fprintf(stderr, "wmic: where needs a condition\n");
			return 1;
		}
		where = w[i + 1];
		i += 2;
	}
	if (i < n && is_word(w[i], "delete")) {
		return run_delete(x, cls, where);
	}
	if (i < n && is_word(w[i], "call")) {
#ifdef OWMI_HAVE_CLIENT
		return run_call(x, cls, where, w + i + 1, n - i - 1);
#else
		fprintf(stderr, "wmic: call needs the client library\n");
		return 1;
#endif
	}
	if (i < n && is_word(w[i], "list")) {
		if (!x->o->fmt_given) {
			x->o->fmt = FMT_LIST;
		}
		i = n;
	} else if (i < n && is_word(w[i], "get")) {
		int end = i + 1;

		while (end < n && w[end][0] != '/') {
			end++;
		}
		if (!split_props(x->mem, w + i + 1, end - i - 1, &props,
		                 &n_props)) {
			fprintf(stderr, "Invalid GET Expression.\n");
			return 1;
		}
		i = end;
	} else if (i < n) {
		fprintf(stderr, "wmic: unknown verb '%s'\n", w[i]);
		return 1;
	}
	if (n_props > 0) {
		struct buf b;

		buf_init(&b, x->mem);
		buf_addstr(&b, "SELECT ");
		for (uint32_t k = 0; k < n_props; k++) {
			buf_addf(&b, "%s%s", k ? ", " : "", props[k]);
		}
		buf_addf(&b, " FROM %s", cls);
		wql = buf_detach(&b, NULL);
	} else {
		wql = talloc_asprintf(x->mem, "SELECT * FROM %s", cls);
	}
	if (where != NULL) {
		wql = talloc_asprintf(x->mem, "%s WHERE %s", wql, where);
	}
	return run_query(x, wql, props, n_props, n_props ? NULL : cls);
}

static int run_command(struct ctx *x)
{
	char **w = x->o->words;
	int n = x->o->n_words;
	const char *cls;

	if (n == 0) {
		usage(stderr);
		return 1;
	}
	if (is_word(w[0], "query")) {
		if (n != 2) {
			fprintf(stderr, "wmic: query takes one WQL text\n");
			return 1;
		}
		return run_query(x, w[1], NULL, 0, NULL);
	}
	if (is_word(w[0], "class")) {
		if (n != 2) {
			fprintf(stderr, "wmic: class takes one class name\n");
			return 1;
		}
		return run_class(x, w[1]);
	}
	if (is_word(w[0], "path")) {
		if (n < 2) {
			fprintf(stderr, "wmic: path needs a class\n");
			return 1;
		}
		return run_target(x, w[1], w + 2, n - 2);
	}
	cls = alias_class(w[0]);
	if (cls == NULL) {
		fprintf(stderr, "%s - Alias not found.\n", w[0]);
		return 1;
	}
	return run_target(x, cls, w + 1, n - 1);
}

/*
 * Dynamic classes ([dynamic, provider("X")]) are served by provider hosts
 * (wmiprvse) exactly as in the service.  The host and the provider folder
 * default to where the build put them; OWMI_WMIPRVSE and OWMI_PROVIDER_DIR
 * override them (an installed layout, or tests).
 */
static hresult attach_providers(struct cimom *cm, void *mem, struct errinfo *ei)
{
	struct cimom_provreg_config rc = { 0 };
	struct cimom_provreg *pr = NULL;
	const char *host = getenv("OWMI_WMIPRVSE");
	const char *dir = getenv("OWMI_PROVIDER_DIR");

	rc.host_path = host != NULL && *host != '\0' ? host
	                                             : OWMI_WMIPRVSE_PATH;
	rc.provider_dir = dir != NULL && *dir != '\0' ? dir : OWMI_PROVIDER_DIR;
	return cimom_provreg_attach(cm, mem, &rc, &pr, ei);
}

#ifdef OWMI_HAVE_CLIENT
/* Reads a password from the terminal without echo; NULL if none. */
static char *ask_password(void *mem, const char *user)
{
	int fd = open("/dev/tty", O_RDWR | O_CLOEXEC);
	struct termios old, quiet;
	char line[512];
	ssize_t n;
	size_t len = 0;

	if (fd < 0) {
		return NULL;
	}
	if (tcgetattr(fd, &old) != 0) {
		close(fd);
		return NULL;
	}
	quiet = old;
	quiet.c_lflag &= ~(tcflag_t)ECHO;
	dprintf(fd, "Enter the password for %s: ", user);
	tcsetattr(fd, TCSAFLUSH, &quiet);
	while (len + 1 < sizeof(line) && (n = read(fd, line + len, 1)) == 1 &&
	       line[len] != '\n') {
		len++;
	}
	line[len] = '\0';
	tcsetattr(fd, TCSAFLUSH, &old);
	dprintf(fd, "\n");
	close(fd);
	return talloc_strdup(mem, line);
}

/* Connects to /node or the Unix socket; prints the error block. */
static int connect_remote(struct ctx *x)
{
	struct opts *o = x->o;
	struct client_options co = { 0 };
	struct errinfo ei;
	char *node = NULL, *colon;
	const char *bs;
	hresult hr;

	co.ns = o->ns;
	co.auth_level = o->auth_level;
	co.negotiate = o->negotiate;
	co.port = o->port;
	if (o->unix_socket != NULL) {
		co.unix_path = o->unix_socket;
	} else {
		node = talloc_strdup(x->mem, o->node);
		colon = strchr(node, ':');
		if (colon != NULL && strchr(colon + 1, ':') == NULL) {
			*colon = '\0';
			co.port = (uint16_t)atoi(colon + 1);
		}
		co.host = node;
	}
	if (o->user != NULL) {
		bs = strchr(o->user, '\\');
		if (bs != NULL) {
			co.domain = talloc_strndup(x->mem, o->user,
			                           (size_t)(bs - o->user));
			co.user = bs + 1;
		} else {
			co.user = o->user;
		}
		co.password = o->password;
		if (co.password == NULL) {
			co.password = getenv("OWMI_PASSWORD");
		}
		if (co.password == NULL && isatty(STDIN_FILENO)) {
			co.password = ask_password(x->mem, o->user);
		}
		if (co.password == NULL) {
			co.password = "";
		}
	}
	err_clear(&ei);
	hr = client_connect(x->mem, &co, &x->cc, &ei);
	if (hr_failed(hr)) {
		print_error(hr, ei.msg);
		return 1;
	}
	return 0;
}
#endif

int main(int argc, char **argv)
{
	void *mem = talloc_new(NULL);
	struct opts o = { 0 };
	struct ctx x = { .mem = mem, .o = &o };
	struct repo *r = NULL;
	struct cimom_config cfg = { 0 };
	struct cimom_identity id = { 0 };
	struct passwd *pw;
	struct errinfo ei;
	const char *ns;
	char *path;
	hresult hr;
	int rc;

	rc = parse_args(argc, argv, &o, mem);
	if (rc != 0) {
		talloc_free(mem);
		return rc == 2 ? 0 : 1;
	}
	if (o.node != NULL || o.unix_socket != NULL) {
#ifdef OWMI_HAVE_CLIENT
		if (o.n_words == 0) {
			usage(stderr);
			talloc_free(mem);
			return 1;
		}
		rc = connect_remote(&x);
		if (rc == 0) {
			rc = run_command(&x);
			fflush(stdout);
			client_close(x.cc);
		}
#else
		fprintf(stderr, "wmic: built without the client library\n");
		rc = 1;
#endif
		talloc_free(mem);
		return rc;
	}
	if (o.repository != NULL) {
		path = talloc_strdup(mem, o.repository);
	} else {
		path = talloc_asprintf(mem, "%s/repository.db",
		                       o.state_dir ? o.state_dir
		                                   : DEFAULT_STATE_DIR);
	}
	err_clear(&ei);
	hr = repo_open(mem, path, 0, &r, &ei);
	if (hr_failed(hr)) {
		char *msg = talloc_asprintf(mem, "cannot open repository '%s'",
		                            path);

		print_error(hr, msg);
		talloc_free(mem);
		return 1;
	}
	cfg.activity_log_path = o.activity_log;
	hr = cimom_new(mem, r, &cfg, &x.cm);
	if (hr_failed(hr)) {
		print_error(hr, "cannot start the object manager");
		talloc_free(mem);
		return 1;
	}
	hr = attach_providers(x.cm, mem, &ei);
	if (hr_failed(hr)) {
		print_error(hr, "cannot attach the provider registry");
		talloc_free(mem);
		return 1;
	}
	pw = getpwuid(getuid());
	id.user = pw != NULL ? pw->pw_name : "unknown";
	id.pid = (uint32_t)getpid();
	id.is_admin = getuid() == 0;
	/* wmic writes /namespace:\\root\cimv2: the leading \\ is not a
	 * server. */
	ns = o.ns != NULL ? o.ns : "root\\cimv2";
	while (*ns == '\\' || *ns == '/') {
		ns++;
	}
	hr = cimom_session_open(x.cm, mem, &id, ns, &x.s, &ei);
	if (hr_failed(hr)) {
		print_error(hr, NULL);
		talloc_free(mem);
		return 1;
	}
	rc = run_command(&x);
	fflush(stdout);
	talloc_free(mem);
	return rc;
}
