/*
 * sys_net: network adapters and their IP configuration
 * (Win32_NetworkAdapter, Win32_NetworkAdapterConfiguration) from
 * /sys/class/net, getifaddrs, /proc/net and resolv.conf (providers layer).
 */
#include "providers/sysinfo.h"

#include <arpa/inet.h>
#include <ctype.h>
#include <dirent.h>
#include <ifaddrs.h>
#include <net/if.h>
#include <netinet/in.h>
#include <stdio.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <talloc.h>
#include <unistd.h>

#define LAYER "providers"

/* ARPHRD_LOOPBACK, without pulling in <net/if_arp.h> for one value. */
#define PROV_ARPHRD_LOOPBACK 772u

void prov_ipv4_mask(uint32_t prefix, char out[16])
{
	uint32_t m = prefix == 0 ? 0
	                         : (prefix >= 32 ? 0xFFFFFFFFu
	                                         : ~0u << (32 - prefix));

	snprintf(out, 16, "%u.%u.%u.%u", m >> 24, (m >> 16) & 0xFF,
	         (m >> 8) & 0xFF, m & 0xFF);
}

uint16_t prov_net_connection_status(const struct prov_netif *nif)
{
	if (!nif->up) {
		return 0; /* Disconnected */
	}
	return nif->running ? 2 /* Connected */ : 7 /* Media disconnected */;
}

static char *net_attr(void *mem,
                      const char *root,
                      const char *ifname,
                      const char *attr)
{
	char path[512];

	snprintf(path, sizeof(path), "/sys/class/net/%s/%s", ifname, attr);
	return prov_read_attr(mem, root, path);
}

static uint64_t net_num(void *mem,
                        const char *root,
                        const char *ifname,
                        const char *attr,
                        int base,
                        bool *ok)
{
	char *v = net_attr(mem, root, ifname, attr);
	uint64_t r = 0;

	*ok = v != NULL;
	if (v != NULL) {
		long long s = strtoll(v, NULL, base);

		*ok = s >= 0;
		r = s >= 0 ? (uint64_t)s : 0;
		talloc_free(v);
	}
	return r;
}

static hresult push_str(void *mem, char ***a, uint32_t *n, const char *s)
{
	char **na = talloc_realloc(mem, *a, char *, *n + 1);

	if (na == NULL) {
		return HR_E_OUTOFMEMORY;
	}
	*a = na;
	na[*n] = talloc_strdup(na, s);
	if (na[*n] == NULL) {
		return HR_E_OUTOFMEMORY;
	}
	(*n)++;
	return HR_OK;
}

static void read_dhcp(void *mem, const char *root, struct prov_netif *nif)
{
	char path[512];
	char *text = NULL;

	snprintf(path, sizeof(path), "/run/systemd/netif/leases/%u",
	         nif->index);
	if (hr_ok(prov_read_file(mem, root, path, 65536, &text, NULL, NULL))) {
		char *p = strstr(text, "SERVER_ADDRESS=");

		nif->dhcp = true;
		if (p != NULL) {
			p += 15;
			nif->dhcp_server = talloc_strndup(mem, p,
			                                  strcspn(p, "\n"));
		}
		talloc_free(text);
		return;
	}
	snprintf(path, sizeof(path), "/var/lib/dhcp/dhclient.%s.leases",
	         nif->name);
	if (hr_ok(prov_read_file(mem, root, path, 0, &text, NULL, NULL))) {
		/* The last lease in the file is the current one. */
		char *p = text, *last = NULL;

		nif->dhcp = true;
		while ((p = strstr(p, "option dhcp-server-identifier ")) !=
		       NULL) {
			p += 30;
			last = p;
		}
		if (last != NULL) {
			nif->dhcp_server = talloc_strndup(mem, last,
			                                  strcspn(last, ";\n"));
		}
		talloc_free(text);
	}
}

static hresult read_if(void *mem,
                       const char *root,
                       const char *name,
                       struct prov_netif *nif)
{
	char path[512];
	struct stat st;
	char *v;
	bool ok;
	uint64_t flags;

	memset(nif, 0, sizeof(*nif));
	nif->name = talloc_strdup(mem, name);
	if (nif->name == NULL) {
		return HR_E_OUTOFMEMORY;
	}
	nif->index = (uint32_t)net_num(mem, root, name, "ifindex", 10, &ok);
	nif->type = (uint32_t)net_num(mem, root, name, "type", 10, &ok);
	nif->mtu = (uint32_t)net_num(mem, root, name, "mtu", 10, &ok);
	flags = net_num(mem, root, name, "flags", 16, &ok);
	nif->up = (flags & IFF_UP) != 0;
	nif->loopback = (flags & IFF_LOOPBACK) != 0 ||
	                nif->type == PROV_ARPHRD_LOOPBACK;
	nif->speed_bps = (int64_t)net_num(mem, root, name, "speed", 10, &ok);
	nif->speed_bps = ok && nif->speed_bps > 0 ? nif->speed_bps * 1000000
	                                          : -1;
	v = net_attr(mem, root, name, "operstate");
	if (v != NULL && strcmp(v, "up") == 0) {
		nif->running = true;
	} else if (v == NULL || strcmp(v, "unknown") == 0) {
		bool carrier_ok;
		uint64_t carrier = net_num(mem, root, name, "carrier", 10,
		                           &carrier_ok);

		nif->running = nif->up && (!carrier_ok || carrier == 1);
	}
	talloc_free(v);
	v = net_attr(mem, root, name, "address");
	if (v != NULL && !nif->loopback && strlen(v) == 17 &&
	    strcmp(v, "00:00:00:00:00:00") != 0) {
		for (char *p = v; *p; p++) {
			*p = (char)toupper((unsigned char)*p);
		}
		nif->mac = v;
	} else {
		talloc_free(v);
	}
	snprintf(path, sizeof(path), "%s/sys/class/net/%s/device",
	         root ? root : "", name);
	nif->physical = stat(path, &st) == 0;
	if (nif->physical) {
		char link[4096];
		ssize_t n;

		snprintf(path, sizeof(path),
		         "%s/sys/class/net/%s/device/driver", root ? root : "",
		         name);
		n = readlink(path, link, sizeof(link) - 1);
		if (n > 0) {
			const char *b;

			link[n] = '\0';
			b = strrchr(link, '/');
			nif->driver = talloc_strdup(mem, b ? b + 1 : link);
		}
	}
	{
		unsigned long long m = 0;

		if (nif->mac != NULL) {
			for (const char *p = nif->mac; *p; p++) {
				if (isxdigit((unsigned char)*p)) {
					char h[2] = { *p, '\0' };

					m = m * 16 + strtoul(h, NULL, 16);
				}
			}
		}
		nif->guid = talloc_asprintf(mem,
		                            "{%08X-4F57-4D49-%04X-%012llX}",
		                            nif->index, nif->type & 0xFFFFu, m);
	}
	if (nif->guid == NULL) {
		return HR_E_OUTOFMEMORY;
	}
	read_dhcp(mem, root, nif);
	return HR_OK;
}

static uint32_t prefix_of(const struct sockaddr *sa)
{
	uint32_t bits = 0;
	const unsigned char *b;
	size_t n;

	if (sa == NULL) {
		return 0;
	}
	if (sa->sa_family == AF_INET) {
		b = (const unsigned char *)&((const struct sockaddr_in *)sa)
		            ->sin_addr;
		n = 4;
	} else {
		b = (const unsigned char *)&((const struct sockaddr_in6 *)sa)
		            ->sin6_addr;
		n = 16;
	}
	for (size_t i = 0; i < n; i++) {
		bits += (uint32_t)__builtin_popcount(b[i]);
	}
	return bits;
}

static struct prov_netif *find_if(struct prov_net *net, const char *name)
{
	size_t n = strcspn(name, ":"); /* "eth0:1" labels eth0 */

	for (uint32_t i = 0; i < net->n_ifs; i++) {
		if (strlen(net->ifs[i].name) == n &&
		    strncmp(net->ifs[i].name, name, n) == 0) {
			return &net->ifs[i];
		}
	}
	return NULL;
}

static hresult read_addrs(struct prov_net *net)
{
	struct ifaddrs *ifa = NULL;
	hresult hr = HR_OK;

	if (getifaddrs(&ifa) != 0) {
		return HR_OK; /* no addresses is not an error */
	}
	for (struct ifaddrs *i = ifa; i != NULL && hr_ok(hr); i = i->ifa_next) {
		struct prov_netif *nif;
		char text[INET6_ADDRSTRLEN];
		char mask[16];

		if (i->ifa_addr == NULL || i->ifa_name == NULL) {
			continue;
		}
		nif = find_if(net, i->ifa_name);
		if (nif == NULL) {
			continue;
		}
		if (i->ifa_addr->sa_family == AF_INET) {
			inet_ntop(
			        AF_INET,
			        &((struct sockaddr_in *)i->ifa_addr)->sin_addr,
			        text, sizeof(text));
			prov_ipv4_mask(prefix_of(i->ifa_netmask), mask);
			hr = push_str(net->ifs, &nif->ipv4, &nif->n_ipv4, text);
			if (hr_ok(hr)) {
				uint32_t k = nif->n_ipv4 - 1;

				hr = push_str(net->ifs, &nif->ipv4_mask, &k,
				              mask);
			}
		} else if (i->ifa_addr->sa_family == AF_INET6) {
			inet_ntop(AF_INET6,
			          &((struct sockaddr_in6 *)i->ifa_addr)
			                   ->sin6_addr,
			          text, sizeof(text));
			snprintf(mask, sizeof(mask), "%u",
			         prefix_of(i->ifa_netmask));
			hr = push_str(net->ifs, &nif->ipv6, &nif->n_ipv6, text);
			if (hr_ok(hr)) {
				uint32_t k = nif->n_ipv6 - 1;

				hr = push_str(net->ifs, &nif->ipv6_prefix, &k,
				              mask);
			}
		}
	}
	freeifaddrs(ifa);
	return hr;
}

/* Default routes of /proc/net/route (IPv4, little-endian hex). */
static hresult read_routes4(void *mem, const char *root, struct prov_net *net)
{
	char *text = NULL, *p;
	hresult hr = HR_OK;

	if (hr_failed(prov_read_file(mem, root, "/proc/net/route", 0, &text,
	                             NULL, NULL))) {
		return HR_OK;
	}
	p = strchr(text, '\n'); /* the header */
	while (p != NULL && hr_ok(hr)) {
		char ifname[64];
		unsigned dest, gw, flags, mask;
		struct prov_netif *nif;

		p++;
		if (sscanf(p, "%63s %x %x %x %*d %*d %*d %x", ifname, &dest,
		           &gw, &flags, &mask) == 5 &&
		    dest == 0 && mask == 0 && (flags & 0x2u) != 0 &&
		    (nif = find_if(net, ifname)) != NULL) {
			struct in_addr a = { .s_addr = gw };
			char t[INET_ADDRSTRLEN];

			inet_ntop(AF_INET, &a, t, sizeof(t));
			hr = push_str(net->ifs, &nif->gateways,
			              &nif->n_gateways, t);
		}
		p = strchr(p, '\n');
	}
	talloc_free(text);
	return hr;
}

/* Default routes of /proc/net/ipv6_route. */
static hresult read_routes6(void *mem, const char *root, struct prov_net *net)
{
	char *text = NULL, *p;
	hresult hr = HR_OK;

	if (hr_failed(prov_read_file(mem, root, "/proc/net/ipv6_route", 0,
	                             &text, NULL, NULL))) {
		return HR_OK;
	}
	for (p = text; p != NULL && *p != '\0' && hr_ok(hr);) {
		char dst[33], hop[33], ifname[64];
		unsigned plen;
		struct prov_netif *nif;

		if (sscanf(p, "%32s %x %*s %*x %32s %*x %*x %*x %*x %63s", dst,
		           &plen, hop, ifname) == 4 &&
		    plen == 0 && strspn(dst, "0") == 32 &&
		    strspn(hop, "0") != 32 &&
		    (nif = find_if(net, ifname)) != NULL) {
			struct in6_addr a;
			char t[INET6_ADDRSTRLEN];

			for (int i = 0; i < 16; i++) {
				char h[3] = { hop[2 * i], hop[2 * i + 1],
					      '\0' };

				a.s6_addr[i] = (uint8_t)strtoul(h, NULL, 16);
			}
			inet_ntop(AF_INET6, &a, t, sizeof(t));
			hr = push_str(net->ifs, &nif->gateways,
			              &nif->n_gateways, t);
		}
		p = strchr(p, '\n');
		if (p != NULL) {
			p++;
		}
	}
	talloc_free(text);
	return hr;
}

static hresult read_resolv(void *mem, const char *root, struct prov_net *net)
{
	char *text = NULL, *p;
	hresult hr = HR_OK;

	if (hr_failed(prov_read_file(mem, root, "/etc/resolv.conf", 0, &text,
	                             NULL, NULL))) {
		return HR_OK;
	}
	for (p = text; p != NULL && *p != '\0' && hr_ok(hr);) {
		char *e = strchr(p, '\n');

		if (e != NULL) {
			*e = '\0';
		}
		if (strncmp(p, "nameserver", 10) == 0 &&
		    isspace((unsigned char)p[10])) {
			char *v = p + 10;

			v += strspn(v, " \t");
			v[strcspn(v, " \t#")] = '\0';
			if (*v != '\0') {
				hr = push_str(mem, &net->dns_servers,
				              &net->n_dns_servers, v);
			}
		} else if ((strncmp(p, "search", 6) == 0 &&
		            isspace((unsigned char)p[6])) ||
		           (strncmp(p, "domain", 6) == 0 &&
		            isspace((unsigned char)p[6]))) {
			bool domain = p[0] == 'd';
			char *v = p + 6;

			if (!domain) {
				/* The last search line wins (resolv.conf(5)).
				 */
				TALLOC_FREE(net->dns_search);
				net->n_dns_search = 0;
			}
			for (;;) {
				size_t n;
				char save;

				v += strspn(v, " \t");
				if (*v == '\0' || *v == '#' || hr_failed(hr)) {
					break;
				}
				n = strcspn(v, " \t#");
				save = v[n];
				v[n] = '\0';
				if (domain) {
					talloc_free(net->dns_domain);
					net->dns_domain = talloc_strdup(mem, v);
					hr = net->dns_domain ? HR_OK
					                     : HR_E_OUTOFMEMORY;
					break;
				}
				hr = push_str(mem, &net->dns_search,
				              &net->n_dns_search, v);
				v[n] = save;
				v += n;
			}
		}
		p = e ? e + 1 : NULL;
	}
	if (hr_ok(hr) && net->dns_domain == NULL && net->n_dns_search > 0) {
		net->dns_domain = talloc_strdup(mem, net->dns_search[0]);
	}
	talloc_free(text);
	return hr;
}

static int cmp_if(const void *a, const void *b)
{
	const struct prov_netif *x = a, *y = b;

	return x->index < y->index ? -1 : x->index > y->index;
}

hresult prov_net_read(void *mem,
                      const char *root,
                      struct prov_net *out,
                      struct errinfo *ei)
{
	char path[4096];
	struct dirent *d;
	hresult hr = HR_OK;
	DIR *dir;

	memset(out, 0, sizeof(*out));
	snprintf(path, sizeof(path), "%s/sys/class/net", root ? root : "");
	dir = opendir(path);
	if (dir == NULL) {
		return err_set(ei, HR_HR_ERROR_FILE_NOT_FOUND, LAYER,
		               "cannot open %s", path);
	}
	while ((d = readdir(dir)) != NULL && hr_ok(hr)) {
		struct prov_netif *na;

		if (d->d_name[0] == '.' || strlen(d->d_name) >= IF_NAMESIZE) {
			continue;
		}
		na = talloc_realloc(mem, out->ifs, struct prov_netif,
		                    out->n_ifs + 1);
		if (na == NULL) {
			hr = HR_E_OUTOFMEMORY;
			break;
		}
		out->ifs = na;
		hr = read_if(na, root, d->d_name, &na[out->n_ifs]);
		if (hr_ok(hr)) {
			out->n_ifs++;
		}
	}
	closedir(dir);
	if (hr_ok(hr) && out->n_ifs > 1) {
		qsort(out->ifs, out->n_ifs, sizeof(out->ifs[0]), cmp_if);
	}
	if (hr_ok(hr) && (root == NULL || root[0] == '\0')) {
		hr = read_addrs(out);
	}
	if (hr_ok(hr)) {
		hr = read_routes4(mem, root, out);
	}
	if (hr_ok(hr)) {
		hr = read_routes6(mem, root, out);
	}
	if (hr_ok(hr)) {
		hr = read_resolv(mem, root, out);
	}
	if (hr_failed(hr)) {
		return err_set(ei, hr, LAYER, "out of memory reading network");
	}
	return HR_OK;
}
