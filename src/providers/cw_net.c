/*
 * cw_net: Win32_NetworkAdapter and Win32_NetworkAdapterConfiguration, one
 * of each per interface (providers layer; reference section 9.7).
 */
#include "providers/providers-int.h"

#include <stdio.h>
#include <string.h>
#include <talloc.h>

#include "providers/sysinfo.h"

/* "[00000002] eth0", Windows' Caption form. */
static char *net_caption(void *mem, const struct prov_netif *nif)
{
	return talloc_asprintf(mem, "[%08u] %s", nif->index, nif->name);
}

static int32_t adapter_emit(struct pcall *c,
                            const char *host,
                            int64_t boot_time,
                            const struct prov_netif *nif)
{
	char id[16];
	struct pb b;
	int32_t rc = pb_begin(&b, c, c->cls);
	bool ether = nif->type == 1; /* ARPHRD_ETHER */

	if (OWMI_FAILED(rc)) {
		return rc;
	}
	snprintf(id, sizeof(id), "%u", nif->index);
	pb_str(&b, "DeviceID", id);
	pb_u32(&b, "Index", nif->index);
	pb_u32(&b, "InterfaceIndex", nif->index);
	pb_str(&b, "Name", nif->name);
	pb_str(&b, "ProductName", nif->driver ? nif->driver : nif->name);
	pb_str(&b, "Caption", net_caption(c->mem, nif));
	pb_str(&b, "Description", nif->name);
	pb_str(&b, "NetConnectionID", nif->name);
	pb_u16(&b, "NetConnectionStatus", prov_net_connection_status(nif));
	pb_bool(&b, "NetEnabled", nif->up);
	pb_bool(&b, "PhysicalAdapter", nif->physical);
	pb_bool(&b, "Installed", true);
	pb_str(&b, "GUID", nif->guid);
	pb_str(&b, "MACAddress", nif->mac);
	pb_str(&b, "PermanentAddress", nif->mac);
	if (nif->mac != NULL) {
		const char *addrs[1] = { nif->mac };

		pb_strv(&b, "NetworkAddresses", addrs, 1);
	}
	if (ether) {
		pb_str(&b, "AdapterType", "Ethernet 802.3");
		pb_u16(&b, "AdapterTypeId", 0);
	}
	if (nif->speed_bps > 0) {
		pb_u64(&b, "Speed", (uint64_t)nif->speed_bps);
		pb_u64(&b, "MaxSpeed", (uint64_t)nif->speed_bps);
	}
	pb_str(&b, "ServiceName", nif->driver);
	pb_u16(&b, "Availability", 3);
	pb_u32(&b, "ConfigManagerErrorCode", 0);
	pb_bool(&b, "ConfigManagerUserConfig", false);
	pb_u32(&b, "MaxNumberControlled", 0);
	pb_bool(&b, "PowerManagementSupported", false);
	if (boot_time > 0) {
		pb_time(&b, "TimeOfLastReset", boot_time, 0);
	}
	pb_str(&b, "CreationClassName", "Win32_NetworkAdapter");
	pb_str(&b, "SystemCreationClassName", "Win32_ComputerSystem");
	pb_str(&b, "SystemName", host);
	return pc_emit(&b);
}

int32_t cw_netadapter_each(struct pcall *c)
{
	struct prov_net net;
	char *host = prov_computer_name(c->mem);
	int64_t boot = 0;
	hresult hr;

	if (host == NULL) {
		return OWMI_E_OUT_OF_MEMORY;
	}
	hr = prov_net_read(c->mem, "", &net, NULL);
	if (hr_failed(hr)) {
		return pc_hr(hr.v);
	}
	prov_boot_time("", &boot, NULL);
	for (uint32_t i = 0; i < net.n_ifs; i++) {
		int32_t rc = adapter_emit(c, host, boot, &net.ifs[i]);

		if (rc != OWMI_S_OK) {
			return rc;
		}
	}
	return OWMI_S_OK;
}

/* IPAddress / IPSubnet: IPv4 first, then IPv6, as Windows lists them. */
static int32_t config_addrs(struct pcall *c,
                            struct pb *b,
                            const struct prov_netif *nif)
{
	uint32_t n = nif->n_ipv4 + nif->n_ipv6;
	const char **addr = talloc_array(c->mem, const char *, n + 1);
	const char **mask = talloc_array(c->mem, const char *, n + 1);

	if (addr == NULL || mask == NULL) {
		return OWMI_E_OUT_OF_MEMORY;
	}
	for (uint32_t i = 0; i < nif->n_ipv4; i++) {
		addr[i] = nif->ipv4[i];
		mask[i] = nif->ipv4_mask[i];
	}
	for (uint32_t i = 0; i < nif->n_ipv6; i++) {
		addr[nif->n_ipv4 + i] = nif->ipv6[i];
		mask[nif->n_ipv4 + i] = nif->ipv6_prefix[i];
	}
	pb_strv(b, "IPAddress", addr, n);
	pb_strv(b, "IPSubnet", mask, n);
	return OWMI_S_OK;
}

static int32_t config_emit(struct pcall *c,
                           const char *dns_host,
                           const struct prov_net *net,
                           const struct prov_netif *nif)
{
	bool ip = nif->up && nif->n_ipv4 + nif->n_ipv6 > 0;
	struct pb b;
	int32_t rc = pb_begin(&b, c, c->cls);

	if (OWMI_FAILED(rc)) {
		return rc;
	}
	pb_u32(&b, "Index", nif->index);
	pb_u32(&b, "InterfaceIndex", nif->index);
	pb_str(&b, "Caption", net_caption(c->mem, nif));
	pb_str(&b, "Description", nif->name);
	pb_str(&b, "SettingID", nif->guid);
	pb_str(&b, "MACAddress", nif->mac);
	pb_str(&b, "ServiceName", nif->driver);
	pb_u32(&b, "MTU", nif->mtu);
	pb_bool(&b, "IPEnabled", ip);
	pb_bool(&b, "DHCPEnabled", nif->dhcp);
	if (nif->dhcp) {
		pb_str(&b, "DHCPServer", nif->dhcp_server);
	}
	if (ip) {
		rc = config_addrs(c, &b, nif);
		if (OWMI_FAILED(rc)) {
			c->h->instance_free(b.inst);
			return rc;
		}
		if (nif->n_gateways > 0) {
			pb_strv(&b, "DefaultIPGateway",
			        (const char *const *)nif->gateways,
			        nif->n_gateways);
		}
		pb_str(&b, "DNSHostName", dns_host);
		pb_str(&b, "DNSDomain", net->dns_domain);
		if (!nif->loopback) {
			pb_strv(&b, "DNSServerSearchOrder",
			        (const char *const *)net->dns_servers,
			        net->n_dns_servers);
			pb_strv(&b, "DNSDomainSuffixSearchOrder",
			        (const char *const *)net->dns_search,
			        net->n_dns_search);
		}
	}
	return pc_emit(&b);
}

int32_t cw_netconfig_each(struct pcall *c)
{
	struct prov_net net;
	char *host = prov_host_name(c->mem);
	hresult hr;

	if (host == NULL) {
		return OWMI_E_OUT_OF_MEMORY;
	}
	host[strcspn(host, ".")] = '\0'; /* DNSHostName has no domain */
	hr = prov_net_read(c->mem, "", &net, NULL);
	if (hr_failed(hr)) {
		return pc_hr(hr.v);
	}
	for (uint32_t i = 0; i < net.n_ifs; i++) {
		int32_t rc = config_emit(c, host, &net, &net.ifs[i]);

		if (rc != OWMI_S_OK) {
			return rc;
		}
	}
	return OWMI_S_OK;
}
