/*
 * libopenwmi with client_options.negotiate (auth_type 9: NTLM wrapped
 * in SPNEGO) against the real wmid over TCP (suite integration):
 * activation, the exporter binds, NTLMLogin, ExecQuery and the pinger
 * all under Negotiate, at privacy and integrity, with one security
 * context per connection and one per presentation context; a wrong
 * password is refused.
 *
 * Usage: test_client_spnego WMID WMIUSER MOFCOMP SCHEMA_REPOSITORY
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>
#include <talloc.h>

#include <cmocka.h>

#include "client/client.h"
#include "wmidrun.h"

static struct wmidrun d;
static const char
        *const mof = "#pragma namespace(\"\\\\\\\\.\\\\root\\\\cimv2\")\n"
                     "class Sp_Item { [key] string Name; uint32 N; };\n"
                     "instance of Sp_Item { Name = \"a\"; N = 1; };\n"
                     "instance of Sp_Item { Name = \"b\"; N = 2; };\n";

static void opts(struct client_options *o, uint8_t level, bool per_ctx)
{
	memset(o, 0, sizeof(*o));
	o->host = d.addr;
	o->port = d.epm_port;
	o->user = "tadmin";
	o->password = "Adm#Pass1";
	o->timeout_ms = 20000;
	o->auth_level = level;
	o->auth_per_context = per_ctx;
	o->negotiate = true;
}

static void query(uint8_t level, bool per_ctx)
{
	void *mem = talloc_new(NULL);
	struct client_options o;
	struct client_conn *c = NULL;
	struct client_enum *e = NULL;
	struct cim_object **objs = NULL;
	uint32_t n = 0;
	struct errinfo ei;

	opts(&o, level, per_ctx);
	err_clear(&ei);
	if (hr_failed(client_connect(mem, &o, &c, &ei))) {
		fail_msg("connect: %s", ei.msg);
	}
	for (int i = 0; i < 2; i++) {
		n = 0;
		objs = NULL;
		if (hr_failed(client_exec_query(client_root(c),
		                                "SELECT * FROM Sp_Item", 0, 0,
		                                &e, &ei)) ||
		    hr_failed(client_enum_all(e, mem, &objs, &n, &ei))) {
			fail_msg("query: %s", ei.msg);
		}
		client_enum_release(e);
		assert_int_equal(n, 2);
	}
	client_close(c);
	talloc_free(mem);
}

static void test_privacy(void **state)
{
	(void)state;
	query(6, false);
}

static void test_integrity_per_context(void **state)
{
	(void)state;
	query(5, true);
}

static void test_wrong_password(void **state)
{
	void *mem = talloc_new(NULL);
	struct client_options o;
	struct client_conn *c = NULL;

	(void)state;
	opts(&o, 6, false);
	o.password = "wrong";
	assert_true(
	        hr_eq(client_connect(mem, &o, &c, NULL), HR_E_ACCESSDENIED));
	talloc_free(mem);
}

int main(int argc, char **argv)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_privacy),
		cmocka_unit_test(test_integrity_per_context),
		cmocka_unit_test(test_wrong_password),
	};
	int rc;

	if (argc < 5) {
		fprintf(stderr,
		        "usage: test_client_spnego WMID WMIUSER MOFCOMP "
		        "SCHEMA_REPOSITORY\n");
		return 2;
	}
	if (wmidrun_prepare(&d, NULL) != 0 ||
	    wmidrun_repository(&d, argv[4], argv[3], mof) != 0 ||
	    wmidrun_add_user(&d, argv[2], "tadmin", "Adm#Pass1",
	                     "Administrators") != 0 ||
	    wmidrun_start(&d, argv[1]) != 0) {
		wmidrun_cleanup(&d);
		return 1;
	}
	rc = cmocka_run_group_tests(tests, NULL, NULL);
	wmidrun_stop(&d);
	wmidrun_cleanup(&d);
	return rc;
}
