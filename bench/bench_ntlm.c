/*
 * bench_ntlm: NTLM session-security throughput (ntlm layer).
 *
 * One client/server pair authenticates in process; then 64 KiB messages
 * are sealed by the client and unsealed by the server (RC4 + HMAC-MD5,
 * MS-NLMP 3.4 with extended session security), the DCE/RPC privacy
 * path.  Also measured: seal alone, sign alone (integrity level), and
 * the two primitives alone for reference.  Prints MB/s per CPU second
 * on one core (this process is single-threaded).
 *
 * Usage: bench_ntlm [MiB]   (default 1024 MiB per figure)
 */
#include <nettle/arcfour.h>
#include <nettle/hmac.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <talloc.h>
#include <time.h>

#include "ntlm/crypto.h"
#include "ntlm/ntlm.h"

#define MSG (64 * 1024)

static double now(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_PROCESS_CPUTIME_ID, &ts);
	return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

static hresult get_hash(void *arg,
                        const char *user,
                        const char *domain,
                        uint8_t h[16])
{
	(void)arg;
	(void)user;
	(void)domain;
	return ntlm_nt_hash("Passw0rd!", h);
}

static void report(const char *what, long n, double dt)
{
	printf("%-40s %8.1f MB/s (%ld x 64 KiB in %.3f CPU s)\n", what,
	       (double)n * MSG / 1e6 / dt, n, dt);
}

int main(int argc, char **argv)
{
	long mib = argc > 1 ? atol(argv[1]) : 1024;
	long n = mib * 1024 * 1024 / MSG;
	void *mem = talloc_new(NULL);
	struct ntlm_server_config sc = {
		.nb_computer = "BENCH",
		.nb_domain = "WORKGROUP",
		.get_nt_hash = get_hash,
	};
	struct ntlm_client_config cc = {
		.user = "alice",
		.domain = "TESTDOM",
		.password = "Passw0rd!",
	};
	struct ntlm_server *srv = ntlm_server_new(mem, &sc);
	struct ntlm_client *cli = ntlm_client_new(mem, &cc);
	struct ntlm_session *cs;
	struct ntlm_session *ss;
	const uint8_t *tok;
	size_t len;
	uint8_t *buf = talloc_array(mem, uint8_t, MSG);
	uint8_t sig[16];
	struct arcfour_ctx rc4;
	struct hmac_md5_ctx mac;
	uint8_t digest[16];
	double t;

	if (srv == NULL || cli == NULL || buf == NULL || n < 1 ||
	    hr_failed(ntlm_client_negotiate(cli, &tok, &len, NULL)) ||
	    hr_failed(ntlm_server_negotiate(srv, tok, len, &tok, &len, NULL)) ||
	    hr_failed(ntlm_client_authenticate(cli, tok, len, &tok, &len,
	                                       NULL)) ||
	    hr_failed(ntlm_server_authenticate(srv, tok, len, NULL))) {
		fprintf(stderr, "bench_ntlm: handshake failed\n");
		return 1;
	}
	cs = ntlm_client_session(cli);
	ss = ntlm_server_session(srv);
	memset(buf, 0x5a, MSG);

	t = now();
	for (long i = 0; i < n; i++) {
		ntlm_seal(cs, buf, MSG, sig);
		if (hr_failed(ntlm_unseal(ss, buf, MSG, sig, NULL))) {
			fprintf(stderr, "bench_ntlm: unseal failed\n");
			return 1;
		}
	}
	report("seal+unseal (both ends, per message)", n, now() - t);

	t = now();
	for (long i = 0; i < n; i++) {
		ntlm_seal(cs, buf, MSG, sig);
	}
	report("seal (RC4 + HMAC-MD5)", n, now() - t);

	t = now();
	for (long i = 0; i < n; i++) {
		ntlm_sign(cs, buf, MSG, sig);
	}
	report("sign (HMAC-MD5, integrity level)", n, now() - t);

	arcfour_set_key(&rc4, 16, buf);
	t = now();
	for (long i = 0; i < n; i++) {
		arcfour_crypt(&rc4, MSG, buf, buf);
	}
	report("reference: Nettle RC4 alone", n, now() - t);

	hmac_md5_set_key(&mac, 16, buf);
	t = now();
	for (long i = 0; i < n; i++) {
		hmac_md5_update(&mac, MSG, buf);
		hmac_md5_digest(&mac, 16, digest);
	}
	report("reference: Nettle HMAC-MD5 alone", n, now() - t);
	if (digest[0] == 0x42 && digest[1] == 0x42) {
		printf("(digest %02x)\n", digest[2]);
	}
	talloc_free(mem);
	return 0;
}
