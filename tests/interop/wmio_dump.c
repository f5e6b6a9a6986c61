/*
 * wmio_dump: the objects a query or GetObject returns, as MS-WMIO
 * EncodingUnits in hex (tests only; never installed).
 *
 * Usage: wmio_dump REPOSITORY NAMESPACE < COMMANDS
 *
 * Reads one command a line from standard input:
 *   query <WQL>    every object ExecQuery delivers
 *   class <Name>   the class GetObject returns
 *   decode <hex>   decodes an EncodingUnit (e.g. the in-parameters
 *                  Impacket sends to ExecMethod) with wmio_decode and
 *                  prints "decoded <class> <instance|class>"
 * and prints, per object, "obj <hex of the EncodingUnit>", then
 * "end 0x<hresult>" when the command is done (the error code when it
 * failed).  test_wmio_impacket.py feeds the units to Impacket's own
 * parser, so the encoder and the test expectations are checked without
 * DCOM: a failure there is in the encoder (or the expectation), not in
 * the transport.
 *
 * Objects are encoded as the service does (decoration with the server and
 * namespace; instances with their class part).
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <talloc.h>

#include "base/buf.h"
#include "base/errinfo.h"
#include "base/hresult.h"
#include "cimom/cimom.h"
#include "repo/repo.h"
#include "wmio/wmio.h"

struct dump {
	const char *ns;
	const char *server;
	hresult first_error;
};

static void put_hex(const struct buf *b)
{
	static const char digits[] = "0123456789abcdef";

	fputs("obj ", stdout);
	for (size_t i = 0; i < b->len; i++) {
		unsigned char c = (unsigned char)b->data[i];

		putchar(digits[c >> 4]);
		putchar(digits[c & 15]);
	}
	putchar('\n');
}

static hresult dump_object(struct dump *d, const struct cim_object *o)
{
	void *tmp = talloc_new(NULL);
	struct buf b;
	hresult hr;

	if (tmp == NULL) {
		return HR_E_OUTOFMEMORY;
	}
	buf_init(&b, tmp);
	if (o->is_class) {
		hr = wmio_encode_class(&b, o->u.cls, NULL, d->server, d->ns, 0);
	} else {
		hr = wmio_encode_instance(&b, o->u.inst, d->server, d->ns, 0);
	}
	if (hr_ok(hr)) {
		put_hex(&b);
	}
	talloc_free(tmp);
	return hr;
}

static hresult indicate(void *arg, struct cim_object **objs, uint32_t n)
{
	struct dump *d = arg;

	for (uint32_t i = 0; i < n; i++) {
		hresult hr = dump_object(d, objs[i]);

		if (hr_failed(hr)) {
			d->first_error = hr;
			return hr;
		}
	}
	return HR_OK;
}

static int hexval(char c)
{
	if (c >= '0' && c <= '9') {
		return c - '0';
	}
	if (c >= 'a' && c <= 'f') {
		return c - 'a' + 10;
	}
	if (c >= 'A' && c <= 'F') {
		return c - 'A' + 10;
	}
	return -1;
}

/* Decodes the EncodingUnit in [hex] as the service decodes ExecMethod's
 * in-parameters: under a per-call context, the result kept there. */
static hresult decode_hex(const char *hex)
{
	void *call = talloc_new(NULL);
	size_t n = strlen(hex) / 2;
	uint8_t *p = call ? talloc_array(call, uint8_t, n ? n : 1) : NULL;
	struct wmio_object *o = NULL;
	struct errinfo ei;
	hresult hr;

	if (p == NULL) {
		talloc_free(call);
		return HR_E_OUTOFMEMORY;
	}
	for (size_t i = 0; i < n; i++) {
		int hi = hexval(hex[2 * i]), lo = hexval(hex[2 * i + 1]);

		if (hi < 0 || lo < 0) {
			talloc_free(call);
			return HR_E_INVALIDARG;
		}
		p[i] = (uint8_t)(hi << 4 | lo);
	}
	err_clear(&ei);
	hr = wmio_decode(call, p, n, NULL, &o, &ei);
	if (hr_ok(hr)) {
		printf("decoded %s %s\n",
		       o->cls && o->cls->name ? o->cls->name : "?",
		       o->is_class ? "class" : "instance");
	} else {
		printf("error at %zu: %s\n", (size_t)ei.offset, ei.msg);
	}
	talloc_free(call);
	return hr;
}

int main(int argc, char **argv)
{
	void *mem = talloc_new(NULL);
	struct repo *r = NULL;
	struct cimom *cm = NULL;
	struct cimom_session *s = NULL;
	struct cimom_config cfg = { 0 };
	struct cimom_identity id = { 0 };
	struct errinfo ei;
	struct dump d = { 0 };
	char line[8192];
	hresult hr;

	if (argc != 3) {
		fprintf(stderr, "usage: wmio_dump REPOSITORY NAMESPACE\n");
		return 2;
	}
	err_clear(&ei);
	cfg.server_name = "OWMITEST";
	if (hr_failed(hr = repo_open(mem, argv[1], REPO_OPEN_READONLY, &r,
	                             &ei)) ||
	    hr_failed(hr = cimom_new(mem, r, &cfg, &cm))) {
		fprintf(stderr, "wmio_dump: cannot open %s: 0x%08x\n", argv[1],
		        hr.v);
		return 1;
	}
	id.user = "interop";
	id.is_admin = true;
	hr = cimom_session_open(cm, mem, &id, argv[2], &s, &ei);
	if (hr_failed(hr)) {
		fprintf(stderr, "wmio_dump: namespace %s: 0x%08x\n", argv[2],
		        hr.v);
		return 1;
	}
	d.ns = cimom_session_namespace(s);
	d.server = cimom_server_name(cm);
	while (fgets(line, sizeof(line), stdin) != NULL) {
		size_t n = strlen(line);

		while (n > 0 && (line[n - 1] == '\n' || line[n - 1] == '\r')) {
			line[--n] = '\0';
		}
		d.first_error = HR_OK;
		err_clear(&ei);
		if (strncmp(line, "query ", 6) == 0) {
			struct cimom_sink sink = { .indicate = indicate,
				                   .arg = &d };

			hr = cimom_exec_query(s, "WQL", line + 6, 0, &sink,
			                      &ei);
		} else if (strncmp(line, "class ", 6) == 0) {
			void *tmp = talloc_new(NULL);
			struct cim_object *o = NULL;

			hr = cimom_get_object(s, tmp, line + 6, 0, &o, &ei);
			if (hr_ok(hr)) {
				hr = dump_object(&d, o);
			}
			talloc_free(tmp);
		} else if (strncmp(line, "decode ", 7) == 0) {
			hr = decode_hex(line + 7);
		} else {
			hr = HR_E_INVALIDARG;
		}
		if (hr_failed(d.first_error)) {
			hr = d.first_error;
		}
		printf("end 0x%08x\n", hr.v);
		fflush(stdout);
	}
	talloc_free(mem);
	return 0;
}
