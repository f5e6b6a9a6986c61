/*
 * Unit tests of the hardware and system readers: processors and CPU time,
 * mounts and statvfs, network interfaces, routes and DNS, and the
 * service state mapping, against fixtures and the live system.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#include <cmocka.h>

#include "fixture.h"

#include <arpa/inet.h>
#include <ifaddrs.h>
#include <net/if.h>
#include <sys/statvfs.h>
#include <talloc.h>

#include "providers/sysinfo.h"

static const char cpuinfo2[] =
        "processor\t: 0\nvendor_id\t: GenuineIntel\ncpu family\t: 6\n"
        "model\t\t: 158\nmodel name\t: Intel(R) Xeon(R) CPU\nstepping\t: 10\n"
        "cpu MHz\t\t: 3000.000\nphysical id\t: 0\nsiblings\t: 2\n"
        "core id\t\t: 0\ncpu cores\t: 1\nflags\t\t: fpu lm vmx ept\n\n"
        "processor\t: 1\nvendor_id\t: GenuineIntel\ncpu family\t: 6\n"
        "model\t\t: 158\nmodel name\t: Intel(R) Xeon(R) CPU\nstepping\t: 10\n"
        "cpu MHz\t\t: 3000.000\nphysical id\t: 0\nsiblings\t: 2\n"
        "core id\t\t: 0\ncpu cores\t: 1\nflags\t\t: fpu lm vmx ept\n\n"
        "processor\t: 2\nvendor_id\t: GenuineIntel\ncpu family\t: 6\n"
        "model\t\t: 158\nmodel name\t: Intel(R) Xeon(R) CPU\nstepping\t: 10\n"
        "cpu MHz\t\t: 2000.000\nphysical id\t: 1\nsiblings\t: 1\n"
        "core id\t\t: 0\ncpu cores\t: 1\nflags\t\t: fpu lm hypervisor\n\n";

static void cache(struct fixture *f,
                  int cpu,
                  int idx,
                  const char *level,
                  const char *type,
                  const char *size,
                  const char *shared)
{
	char p[256];

	snprintf(p, sizeof(p),
	         "/sys/devices/system/cpu/cpu%d/cache/index%d/level", cpu, idx);
	fx_puts(f, p, level);
	snprintf(p, sizeof(p),
	         "/sys/devices/system/cpu/cpu%d/cache/index%d/type", cpu, idx);
	fx_puts(f, p, type);
	snprintf(p, sizeof(p),
	         "/sys/devices/system/cpu/cpu%d/cache/index%d/size", cpu, idx);
	fx_puts(f, p, size);
	snprintf(p, sizeof(p),
	         "/sys/devices/system/cpu/cpu%d/cache/index%d/shared_cpu_list",
	         cpu, idx);
	fx_puts(f, p, shared);
}

static void test_cpus_fixture_two_sockets(void **state)
{
	struct fixture f;
	struct prov_cpus c;
	void *mem = talloc_new(NULL);

	(void)state;
	assert_int_equal(fx_init(&f), 0);
	fx_puts(&f, "/proc/cpuinfo", cpuinfo2);
	/* cpu0 and cpu1 share one L2 and one L3; L1 does not count. */
	cache(&f, 0, 0, "1", "Data", "32K", "0-1");
	cache(&f, 0, 1, "1", "Instruction", "32K", "0-1");
	cache(&f, 0, 2, "2", "Unified", "256K", "0-1");
	cache(&f, 0, 3, "3", "Unified", "8M", "0-1");
	cache(&f, 1, 0, "2", "Unified", "256K", "0-1");
	cache(&f, 1, 1, "3", "Unified", "8M", "0-1");
	cache(&f, 2, 0, "2", "Unified", "1024K", "2");
	fx_puts(&f, "/sys/devices/system/cpu/cpu0/cpufreq/cpuinfo_max_freq",
	        "4500000\n");
	fx_puts(&f, "/sys/devices/system/cpu/cpu0/cpufreq/scaling_cur_freq",
	        "3100000\n");
	assert_true(hr_ok(prov_cpus_read(mem, f.root, &c, NULL)));
	assert_int_equal(c.n_logical, 3);
	assert_int_equal(c.n_sockets, 2);
	assert_true(c.hypervisor);
	assert_int_equal(c.sockets[0].socket, 0);
	assert_string_equal(c.sockets[0].vendor, "GenuineIntel");
	assert_string_equal(c.sockets[0].model_name, "Intel(R) Xeon(R) CPU");
	assert_int_equal(c.sockets[0].family, 6);
	assert_int_equal(c.sockets[0].model, 158);
	assert_int_equal(c.sockets[0].stepping, 10);
	assert_int_equal(c.sockets[0].cores, 1);
	assert_int_equal(c.sockets[0].logical, 2);
	assert_int_equal(c.sockets[0].first_cpu, 0);
	assert_int_equal(c.sockets[0].l2_kb, 256);
	assert_int_equal(c.sockets[0].l3_kb, 8192);
	assert_int_equal(c.sockets[0].max_mhz, 4500);
	assert_int_equal(c.sockets[0].cur_mhz, 3100);
	assert_true(c.sockets[0].vmx && c.sockets[0].slat);
	assert_false(c.sockets[0].hypervisor);
	assert_int_equal(c.sockets[1].socket, 1);
	assert_int_equal(c.sockets[1].first_cpu, 2);
	assert_int_equal(c.sockets[1].logical, 1);
	assert_int_equal(c.sockets[1].l2_kb, 1024);
	/* No cpufreq: cpu MHz of cpuinfo. */
	assert_int_equal(c.sockets[1].cur_mhz, 2000);
	assert_int_equal(c.sockets[1].max_mhz, 2000);
	fx_free(&f);
	talloc_free(mem);
}

static void test_cpus_live(void **state)
{
	struct prov_cpus c;
	void *mem = talloc_new(NULL);
	uint32_t logical = 0;

	(void)state;
	assert_true(hr_ok(prov_cpus_read(mem, "", &c, NULL)));
	assert_true(c.n_sockets >= 1);
	for (uint32_t i = 0; i < c.n_sockets; i++) {
		logical += c.sockets[i].logical;
	}
	/* Every processor of cpuinfo belongs to one package. */
	assert_true(logical >= c.n_logical);
	assert_int_equal(c.n_logical, (uint32_t)sysconf(_SC_NPROCESSORS_ONLN));
	talloc_free(mem);
}

static void test_architecture_codes(void **state)
{
	(void)state;
	assert_int_equal(prov_cpu_architecture("x86_64"), 9);
	assert_int_equal(prov_cpu_architecture("aarch64"), 12);
	assert_int_equal(prov_cpu_architecture("armv7l"), 5);
	assert_int_equal(prov_cpu_architecture("i686"), 0);
	assert_int_equal(prov_cpu_architecture(NULL), 0);
}

static void test_cpu_stat_fixture(void **state)
{
	struct fixture f;
	struct prov_cpu_stat s;
	void *mem = talloc_new(NULL);

	(void)state;
	assert_int_equal(fx_init(&f), 0);
	fx_puts(&f, "/proc/stat",
	        "cpu  10 1 20 100 5 2 3 0 0 0\n"
	        "cpu0 4 1 10 50 2 1 1 0 0 0\n"
	        "cpu2 6 0 10 50 3 1 2 0 0 0\n"
	        "intr 999 1 2\nbtime 1700000000\n");
	fx_puts(&f, "/proc/interrupts",
	        "           CPU0       CPU2       \n"
	        "  0:         10          20   IO-APIC   2-edge      timer\n"
	        "NMI:          1           2   Non-maskable interrupts\n"
	        "ERR:          0\n");
	fx_puts(&f, "/proc/softirqs",
	        "                    CPU0       CPU2\n"
	        "          HI:          5          6\n"
	        "       TIMER:        100        200\n");
	assert_true(hr_ok(prov_cpu_stat_read(mem, f.root, &s, NULL)));
	assert_int_equal(s.n_cpu, 3);
	assert_true(s.present[0] && !s.present[1] && s.present[2]);
	assert_int_equal(s.total.user, 10);
	assert_int_equal(s.total.softirq, 3);
	assert_int_equal(s.cpu[2].iowait, 3);
	assert_int_equal(s.cpu[0].interrupts, 11);
	assert_int_equal(s.cpu[2].interrupts, 22);
	assert_int_equal(s.total.interrupts, 33);
	assert_int_equal(s.cpu[0].softirqs, 105);
	assert_int_equal(s.cpu[2].softirqs, 206);
	fx_free(&f);
	talloc_free(mem);
}

static void test_cpu_cook_percentages(void **state)
{
	struct prov_cpu_times a = { 0 }, b = { 0 };
	struct prov_cpu_percent p;

	(void)state;
	/* 200 ticks: 50 user, 10 nice, 30 system, 90 idle, 10 iowait,
	 * 6 irq, 4 softirq; 1000 interrupts and 500 softirqs in 2 s. */
	b.user = 50;
	b.nice = 10;
	b.system = 30;
	b.idle = 90;
	b.iowait = 10;
	b.irq = 6;
	b.softirq = 4;
	b.interrupts = 1000;
	b.softirqs = 500;
	prov_cpu_cook(&a, &b, 20000000, &p);
	assert_int_equal(p.idle, 50);
	assert_int_equal(p.processor, 50);
	assert_int_equal(p.user, 30);
	assert_int_equal(p.privileged, 20);
	assert_int_equal(p.interrupt, 3);
	assert_int_equal(p.dpc, 2);
	assert_int_equal(p.interrupts_per_sec, 500);
	assert_int_equal(p.dpcs_per_sec, 250);
	/* No time passed: zeros, not a division by zero. */
	prov_cpu_cook(&b, &b, 0, &p);
	assert_int_equal(p.processor, 0);
	assert_int_equal(p.idle, 0);
}

static void test_cpu_sampler_reuses_fresh_pair(void **state)
{
	void *mem = talloc_new(NULL);
	struct prov_cpu_sampler s = { .mem = mem, .min_interval_ms = 50 };
	struct prov_cpu_stat *cur;

	(void)state;
	assert_true(hr_ok(prov_cpu_sampler_update(&s, "", NULL)));
	assert_non_null(s.prev);
	assert_non_null(s.cur);
	/* First use waits for the minimum interval between the two. */
	assert_true(s.cur->when_100ns - s.prev->when_100ns >= 50 * 10000);
	cur = s.cur;
	assert_true(hr_ok(prov_cpu_sampler_update(&s, "", NULL)));
	assert_ptr_equal(s.cur, cur); /* fresh: reused */
	usleep(60000);
	assert_true(hr_ok(prov_cpu_sampler_update(&s, "", NULL)));
	assert_ptr_equal(s.prev, cur); /* shifted */
	talloc_free(mem);
}

static void test_disk_filter(void **state)
{
	(void)state;
	assert_true(prov_disk_wanted("ext4", "/", "/dev/sda1", "/"));
	assert_true(prov_disk_wanted("nfs4", "/mnt/n", "srv:/x", "/"));
	assert_true(prov_disk_wanted("tmpfs", "/scratch", "tmpfs", "/"));
	assert_false(prov_disk_wanted("tmpfs", "/run/user/0", "tmpfs", "/"));
	assert_false(prov_disk_wanted("tmpfs", "/dev/shm", "tmpfs", "/"));
	assert_false(prov_disk_wanted("proc", "/proc", "proc", "/"));
	assert_false(prov_disk_wanted("cgroup2", "/sys/fs/cgroup", "x", "/"));
	/* A bind mount of a file or subdirectory is not another disk. */
	assert_false(prov_disk_wanted("ext4", "/etc/hosts", "/dev/vda",
	                              "/var/lib/x/hosts"));
}

static void test_disks_fixture(void **state)
{
	struct fixture f;
	struct prov_disk *d = NULL;
	uint32_t n = 0;
	void *mem = talloc_new(NULL);

	(void)state;
	assert_int_equal(fx_init(&f), 0);
	fx_puts(&f, "/proc/self/mountinfo",
	        "22 1 8:1 / / rw,relatime shared:1 - ext4 /dev/sda1 rw\n"
	        "23 22 0:5 / /proc rw - proc proc rw\n"
	        "24 22 8:2 / /my\\040data ro,relatime - vfat /dev/sdb1 ro\n"
	        "25 22 0:40 / /srv/nfs rw - nfs4 server:/export rw,vers=4\n"
	        "26 22 0:41 / /scratch rw - tmpfs tmpfs rw\n"
	        "27 22 8:1 /x /bind rw - ext4 /dev/sda1 rw\n"
	        "28 22 8:3 / /scratch rw - xfs /dev/sdc1 rw\n"
	        "29 22 11:0 / /media/cd ro - iso9660 /dev/sr0 ro\n");
	fx_puts(&f, "/dev/sda1", "");
	fx_puts(&f, "/dev/sdb1", "");
	fx_puts(&f, "/dev/sdc1", "");
	fx_puts(&f, "/dev/sr0", "");
	fx_puts(&f, "/dev/disk/.keep", "");
	{
		char p[256];

		snprintf(p, sizeof(p), "%s/dev/disk/by-label", f.root);
		mkdir(p, 0755);
		snprintf(p, sizeof(p), "%s/dev/disk/by-uuid", f.root);
		mkdir(p, 0755);
	}
	fx_link(&f, "/dev/disk/by-label/My\\x20Stick", "../../sdb1");
	fx_link(&f, "/dev/disk/by-uuid/A1B2-C3D4", "../../sdb1");
	fx_link(&f, "/dev/disk/by-uuid/0a1b2c3d-1111-2222-3333-444455556666",
	        "../../sda1");
	fx_puts(&f, "/sys/class/block/sdb1/removable", "1\n");
	assert_true(hr_ok(prov_disks_read(mem, f.root, &d, &n, NULL)));
	assert_int_equal(n, 5);
	assert_string_equal(d[0].mount_point, "/");
	assert_string_equal(d[0].fstype, "ext4");
	assert_int_equal(d[0].drive_type, PROV_DRIVE_LOCAL);
	assert_string_equal(d[0].serial, "0A1B2C3D");
	assert_null(d[0].label);
	assert_false(d[0].read_only);
	assert_false(d[0].has_stat); /* a fixture is never statvfs'd */
	assert_string_equal(d[1].mount_point, "/my data");
	assert_int_equal(d[1].drive_type, PROV_DRIVE_REMOVABLE);
	assert_string_equal(d[1].label, "My Stick");
	assert_string_equal(d[1].serial, "A1B2C3D4");
	assert_true(d[1].read_only);
	assert_string_equal(d[2].mount_point, "/srv/nfs");
	assert_int_equal(d[2].drive_type, PROV_DRIVE_NETWORK);
	assert_string_equal(d[2].source, "server:/export");
	/* /scratch: the xfs over-mount hides the tmpfs. */
	assert_string_equal(d[3].mount_point, "/scratch");
	assert_string_equal(d[3].fstype, "xfs");
	assert_int_equal(d[4].drive_type, PROV_DRIVE_CD);
	fx_free(&f);
	talloc_free(mem);
}

static void test_disks_live_root_matches_statvfs(void **state)
{
	struct prov_disk *d = NULL;
	uint32_t n = 0;
	void *mem = talloc_new(NULL);
	struct statvfs sv;
	bool root = false;

	(void)state;
	assert_true(hr_ok(prov_disks_read(mem, "", &d, &n, NULL)));
	assert_int_equal(statvfs("/", &sv), 0);
	for (uint32_t i = 0; i < n; i++) {
		if (strcmp(d[i].mount_point, "/") != 0) {
			continue;
		}
		root = true;
		assert_true(d[i].has_stat);
		assert_int_equal(d[i].size,
		                 (uint64_t)sv.f_blocks * sv.f_frsize);
		/* Free space moves; allow 64 MiB of churn. */
		assert_true(llabs((long long)d[i].avail -
		                  (long long)((uint64_t)sv.f_bavail *
		                              sv.f_frsize)) < (64ll << 20));
	}
	assert_true(root);
	talloc_free(mem);
}

static void test_unescape_mount(void **state)
{
	char s[] = "/a\\040b\\011c\\134d\\0";

	(void)state;
	prov_unescape_mount(s);
	assert_string_equal(s, "/a b\tc\\d\\0");
}

static void test_net_fixture(void **state)
{
	struct fixture f;
	struct prov_net n;
	void *mem = talloc_new(NULL);

	(void)state;
	assert_int_equal(fx_init(&f), 0);
	fx_puts(&f, "/sys/class/net/lo/ifindex", "1\n");
	fx_puts(&f, "/sys/class/net/lo/type", "772\n");
	fx_puts(&f, "/sys/class/net/lo/flags", "0x9\n");
	fx_puts(&f, "/sys/class/net/lo/mtu", "65536\n");
	fx_puts(&f, "/sys/class/net/lo/operstate", "unknown\n");
	fx_puts(&f, "/sys/class/net/lo/address", "00:00:00:00:00:00\n");
	fx_puts(&f, "/sys/class/net/eth0/ifindex", "2\n");
	fx_puts(&f, "/sys/class/net/eth0/type", "1\n");
	fx_puts(&f, "/sys/class/net/eth0/flags", "0x1003\n");
	fx_puts(&f, "/sys/class/net/eth0/mtu", "1500\n");
	fx_puts(&f, "/sys/class/net/eth0/operstate", "up\n");
	fx_puts(&f, "/sys/class/net/eth0/speed", "1000\n");
	fx_puts(&f, "/sys/class/net/eth0/address", "52:54:00:ab:cd:ef\n");
	fx_puts(&f, "/sys/class/net/eth0/device/vendor", "0x8086\n");
	fx_link(&f, "/sys/class/net/eth0/device/driver",
	        "../../../bus/pci/drivers/e1000e");
	fx_puts(&f, "/sys/class/net/eth1/ifindex", "3\n");
	fx_puts(&f, "/sys/class/net/eth1/type", "1\n");
	fx_puts(&f, "/sys/class/net/eth1/flags", "0x1002\n");
	fx_puts(&f, "/sys/class/net/eth1/operstate", "down\n");
	fx_puts(&f, "/sys/class/net/eth1/speed", "-1\n");
	fx_puts(&f, "/proc/net/route",
	        "Iface\tDestination\tGateway \tFlags\tRefCnt\tUse\tMetric\t"
	        "Mask\t\tMTU\tWindow\tIRTT\n"
	        "eth0\t00000000\t0102000A\t0003\t0\t0\t0\t00000000\t0\t0\t0\n"
	        "eth0\t0002000A\t00000000\t0001\t0\t0\t0\t00FFFFFF\t0\t0\t0\n");
	fx_puts(&f, "/proc/net/ipv6_route",
	        "00000000000000000000000000000000 00 "
	        "00000000000000000000000000000000 00 "
	        "fe800000000000000000000000000001 00000400 00000001 00000000 "
	        "00000003     eth0\n"
	        "fd000000000000000000000000000000 40 "
	        "00000000000000000000000000000000 00 "
	        "00000000000000000000000000000000 00000100 00000001 00000000 "
	        "00000001     eth0\n");
	fx_puts(&f, "/etc/resolv.conf",
	        "# comment\nnameserver 10.0.2.3\nnameserver fd00::3 # x\n"
	        "search old.example\nsearch a.example b.example\n");
	fx_puts(&f, "/run/systemd/netif/leases/2",
	        "ADDRESS=10.0.2.15\nSERVER_ADDRESS=10.0.2.2\n");
	assert_true(hr_ok(prov_net_read(mem, f.root, &n, NULL)));
	assert_int_equal(n.n_ifs, 3);
	assert_string_equal(n.ifs[0].name, "lo");
	assert_true(n.ifs[0].loopback);
	assert_null(n.ifs[0].mac);
	assert_true(n.ifs[0].running);
	assert_false(n.ifs[0].physical);
	assert_string_equal(n.ifs[1].name, "eth0");
	assert_int_equal(n.ifs[1].index, 2);
	assert_string_equal(n.ifs[1].mac, "52:54:00:AB:CD:EF");
	assert_string_equal(n.ifs[1].driver, "e1000e");
	assert_true(n.ifs[1].physical && n.ifs[1].up && n.ifs[1].running);
	assert_int_equal(n.ifs[1].speed_bps, 1000000000);
	assert_int_equal(n.ifs[1].mtu, 1500);
	assert_int_equal(n.ifs[1].n_gateways, 2);
	assert_string_equal(n.ifs[1].gateways[0], "10.0.2.1");
	assert_string_equal(n.ifs[1].gateways[1], "fe80::1");
	assert_true(n.ifs[1].dhcp);
	assert_string_equal(n.ifs[1].dhcp_server, "10.0.2.2");
	assert_string_equal(n.ifs[1].guid,
	                    "{00000002-4F57-4D49-0001-525400ABCDEF}");
	assert_int_equal(prov_net_connection_status(&n.ifs[1]), 2);
	assert_false(n.ifs[2].up);
	assert_int_equal(n.ifs[2].speed_bps, -1);
	assert_int_equal(prov_net_connection_status(&n.ifs[2]), 0);
	assert_int_equal(n.n_dns_servers, 2);
	assert_string_equal(n.dns_servers[1], "fd00::3");
	assert_int_equal(n.n_dns_search, 2);
	assert_string_equal(n.dns_search[0], "a.example");
	assert_string_equal(n.dns_domain, "a.example");
	fx_free(&f);
	talloc_free(mem);
}

static void test_net_live_matches_getifaddrs(void **state)
{
	struct if_nameindex *ni = if_nameindex();
	struct ifaddrs *ifa = NULL, *i;
	struct prov_net n;
	void *mem = talloc_new(NULL);
	uint32_t count = 0;

	(void)state;
	assert_non_null(ni);
	assert_true(hr_ok(prov_net_read(mem, "", &n, NULL)));
	for (struct if_nameindex *p = ni; p->if_index != 0; p++) {
		bool found = false;

		count++;
		for (uint32_t k = 0; k < n.n_ifs; k++) {
			if (n.ifs[k].index == p->if_index) {
				assert_string_equal(n.ifs[k].name, p->if_name);
				found = true;
			}
		}
		assert_true(found);
	}
	assert_int_equal(n.n_ifs, count);
	if_freenameindex(ni);
	/* Every IPv4 address of getifaddrs is on its interface. */
	assert_int_equal(getifaddrs(&ifa), 0);
	for (i = ifa; i != NULL; i = i->ifa_next) {
		char text[INET_ADDRSTRLEN];
		bool found = false;

		if (i->ifa_addr == NULL || i->ifa_addr->sa_family != AF_INET) {
			continue;
		}
		inet_ntop(AF_INET,
		          &((struct sockaddr_in *)i->ifa_addr)->sin_addr, text,
		          sizeof(text));
		for (uint32_t k = 0; k < n.n_ifs; k++) {
			for (uint32_t a = 0; a < n.ifs[k].n_ipv4; a++) {
				found = found ||
				        (strncmp(n.ifs[k].name, i->ifa_name,
				                 strcspn(i->ifa_name, ":")) ==
				                 0 &&
				         strcmp(n.ifs[k].ipv4[a], text) == 0);
			}
		}
		assert_true(found);
	}
	freeifaddrs(ifa);
	talloc_free(mem);
}

static void test_ipv4_masks(void **state)
{
	char m[16];

	(void)state;
	prov_ipv4_mask(24, m);
	assert_string_equal(m, "255.255.255.0");
	prov_ipv4_mask(0, m);
	assert_string_equal(m, "0.0.0.0");
	prov_ipv4_mask(32, m);
	assert_string_equal(m, "255.255.255.255");
	prov_ipv4_mask(13, m);
	assert_string_equal(m, "255.248.0.0");
}

static void test_service_state_mapping(void **state)
{
	(void)state;
	assert_string_equal(prov_service_state("active", "running"), "Running");
	assert_string_equal(prov_service_state("active", "exited"), "Running");
	assert_string_equal(prov_service_state("reloading", "x"), "Running");
	assert_string_equal(prov_service_state("inactive", "dead"), "Stopped");
	assert_string_equal(prov_service_state("failed", "failed"), "Stopped");
	assert_string_equal(prov_service_state("activating", "start"),
	                    "Start Pending");
	assert_string_equal(prov_service_state("deactivating", "stop"),
	                    "Stop Pending");
	assert_string_equal(prov_service_state("maintenance", "x"), "Unknown");
	assert_string_equal(prov_service_state(NULL, NULL), "Unknown");
	assert_string_equal(prov_service_start_mode("enabled"), "Auto");
	assert_string_equal(prov_service_start_mode("enabled-runtime"), "Auto");
	assert_string_equal(prov_service_start_mode("disabled"), "Manual");
	assert_string_equal(prov_service_start_mode("static"), "Manual");
	assert_string_equal(prov_service_start_mode("masked"), "Disabled");
	assert_string_equal(prov_service_start_mode("masked-runtime"),
	                    "Disabled");
	assert_string_equal(prov_service_status("failed"), "Error");
	assert_string_equal(prov_service_status("active"), "OK");
}

static void test_services_without_systemd_are_empty(void **state)
{
	struct prov_service *s = (struct prov_service *)&s;
	uint32_t n = 99;
	void *mem = talloc_new(NULL);
	struct stat st;

	(void)state;
	if (stat("/run/systemd/system", &st) == 0) {
		/* systemd runs: the list must at least succeed. */
		assert_true(hr_ok(prov_services_read(mem, NULL, &s, &n, NULL)));
		assert_true(prov_systemd_running());
	} else {
		assert_false(prov_systemd_running());
		assert_true(hr_ok(prov_services_read(mem, NULL, &s, &n, NULL)));
		assert_int_equal(n, 0);
		assert_null(s);
		assert_int_equal(prov_service_control("ssh", true), 8);
	}
	talloc_free(mem);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_cpus_fixture_two_sockets),
		cmocka_unit_test(test_cpus_live),
		cmocka_unit_test(test_architecture_codes),
		cmocka_unit_test(test_cpu_stat_fixture),
		cmocka_unit_test(test_cpu_cook_percentages),
		cmocka_unit_test(test_cpu_sampler_reuses_fresh_pair),
		cmocka_unit_test(test_disk_filter),
		cmocka_unit_test(test_disks_fixture),
		cmocka_unit_test(test_disks_live_root_matches_statvfs),
		cmocka_unit_test(test_unescape_mount),
		cmocka_unit_test(test_net_fixture),
		cmocka_unit_test(test_net_live_matches_getifaddrs),
		cmocka_unit_test(test_ipv4_masks),
		cmocka_unit_test(test_service_state_mapping),
		cmocka_unit_test(test_services_without_systemd_are_empty),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
