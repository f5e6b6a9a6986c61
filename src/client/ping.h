/*
 * client/ping: the client's pinger (client layer; MS-DCOM 3.2.6,
 * IObjectExporter::SimplePing / ComplexPing).
 *
 * A server keeps an exported object while its OID is in a ping set that
 * is pinged at least once per ping period (MS-DCOM 3.2.6.2; 120 s, three
 * misses by default), or while it was never put in a set and is younger
 * than that.  A client that holds an IWbemServices or an enumerator
 * longer than that must ping.  The pinger is a thread per connection:
 * every period it connects to the object resolver (port 135, or wmid's
 * socket) if it is not connected, binds IObjectExporter with the
 * connection's credentials, and sends ComplexPing with the OIDs added and
 * removed since the last successful ping (the first one creates the set,
 * SETID 0), or SimplePing when nothing changed.  OR_INVALID_SET (the
 * server forgot the set) starts a new set with every OID.  Failures are
 * retried at the next period; they never reach the caller's calls.
 *
 * Threads: client_pinger_add / _del / _stats from the connection's thread;
 * the pinger runs on its own thread; one mutex guards the OID set.
 */
#ifndef OWMI_CLIENT_PING_H
#define OWMI_CLIENT_PING_H

#include <stdbool.h>
#include <stdint.h>

#include "base/hresult.h"

struct client_pinger;

/* Where and how the pinger connects (copied). */
struct client_pinger_config {
	const char *host;      /* TCP: the typed host; or NULL */
	uint16_t port;         /* TCP: the resolver port (135) */
	const char *unix_path; /* or wmid's socket */
	const char *user;      /* NULL: no NTLM (the socket only) */
	const char *domain;
	const char *password;
	const uint8_t *nt_hash;
	uint8_t level;
	bool negotiate; /* auth_type 9 (SPNEGO) instead of 10 */
	int timeout_ms;
	uint32_t period_ms; /* 0: 120000 */
};

/* Returns owned (talloc child of [mem]) a running pinger in [*out].
   E_OUTOFMEMORY, E_FAIL (no thread). */
hresult client_pinger_start(void *mem,
                            const struct client_pinger_config *cfg,
                            struct client_pinger **out);

/* Counts one more holder of [oid] / one less. */
void client_pinger_add(struct client_pinger *p, uint64_t oid);
void client_pinger_del(struct client_pinger *p, uint64_t oid);

struct client_pinger_stats {
	uint64_t pings;    /* answered with success */
	uint64_t failures; /* connect, bind, call or status failures */
	uint64_t setid;    /* current set, 0 before the first */
	uint32_t oids;     /* OIDs held */
};

void client_pinger_stats(struct client_pinger *p,
                         struct client_pinger_stats *out);

/* Stops and joins the thread and frees the pinger (NULL-safe). */
void client_pinger_stop(struct client_pinger *p);

#endif
