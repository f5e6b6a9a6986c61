/*
 * sysinfo: what the built-in providers read from the live system
 * (providers layer; reference sections 9.1-9.12).
 *
 * Pure data gathering, with no provider ABI in sight: each reader fills a
 * plain struct from /proc, /sys, /etc, statvfs, uname, getifaddrs or
 * systemd, in the units Windows reports (the conversion to Windows units
 * happens here, so that the provider glue only copies fields).  The glue
 * in cimwin32.c and perfos.c turns the structs into instances.
 *
 * Roots.  Readers of files take [root], a directory prefix put in front
 * of every absolute path they open ("" or NULL for the live system), so
 * that unit tests can point them at a fixture tree.  Readers of system
 * calls (uname, statvfs, getifaddrs, kill) ignore it.
 *
 * Memory.  Strings and arrays in the structs are talloc children of the
 * [mem] given to the reader (owned by the caller).  A field that the
 * system does not provide is NULL (strings) or flagged by a has_ member.
 *
 * Errors.  A reader fails only when its main source is missing or
 * unreadable (HR_ERROR_FILE_NOT_FOUND, E_ACCESSDENIED, E_FAIL) or memory
 * runs out (E_OUTOFMEMORY); detail goes to [ei] (may be NULL).  A missing
 * secondary source leaves its fields empty.
 *
 * Threads.  Readers keep no state, except the samplers (struct
 * prov_cpu_sampler), which belong to one caller at a time.
 */
#ifndef OWMI_PROVIDERS_SYSINFO_H
#define OWMI_PROVIDERS_SYSINFO_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <sys/types.h>

#include "base/errinfo.h"
#include "base/hresult.h"

/* ---- files -------------------------------------------------------------- */

/* Largest file a reader loads whole (mountinfo, cpuinfo, environ ...). */
#define PROV_MAX_FILE (4u * 1024u * 1024u)

/*
 * Reads [root][path] whole (at most [max] bytes; 0: PROV_MAX_FILE) into a
 * NUL-terminated talloc string under [mem].  [out_len] may be NULL.
 * Errors: HR_ERROR_FILE_NOT_FOUND (ENOENT, ENOTDIR), E_ACCESSDENIED
 * (EACCES, EPERM), E_FAIL (other errors, or a file longer than [max]),
 * E_OUTOFMEMORY.  *out is untouched on failure.
 */
hresult prov_read_file(void *mem,
                       const char *root,
                       const char *path,
                       size_t max,
                       char **out,
                       size_t *out_len,
                       struct errinfo *ei);

/*
 * Reads the first line of [root][path] (a sysfs attribute), without the
 * newline and surrounding blanks, or NULL when the file is missing,
 * unreadable or empty.  Owned by [mem].
 */
char *prov_read_attr(void *mem, const char *root, const char *path);

/*
 * Parses a line of "KEY=value" (os-release, /etc/environment): skips
 * blanks and comments, strips one pair of matching quotes and the
 * backslash escapes of os-release(5).  Returns true with [*key] and
 * [*value] (owned by [mem]) for an assignment, false for a blank,
 * comment or malformed line (or on OOM: then *key is NULL and *oom set).
 */
bool prov_parse_assignment(void *mem,
                           const char *line,
                           size_t len,
                           char **key,
                           char **value,
                           bool *oom);

/* ---- time ------------------------------------------------------------------
 */

/*
 * The local UTC offset in minutes east of UTC at Unix time [t]
 * (tm_gmtoff / 60), as Windows uses in DMTF datetimes and CurrentTimeZone.
 */
int32_t prov_utc_offset_min(int64_t t);

/*
 * Formats Unix time [secs] + [usecs] as a DMTF datetime in local time
 * with its offset ("20240131154512.123456+060") into [out].
 */
void prov_dmtf_local(int64_t secs, uint32_t usecs, char out[26]);

/* Seconds since the Unix epoch of the boot ("btime" of /proc/stat). */
hresult prov_boot_time(const char *root, int64_t *out, struct errinfo *ei);

/* ---- the computer name ------------------------------------------------- */

/*
 * The NetBIOS-like computer name the object manager also uses for
 * __SERVER: the first label of gethostname(), upper-cased.
 */
char *prov_computer_name(void *mem);

/* gethostname() as is (DNSHostName).  Owned by [mem]. */
char *prov_host_name(void *mem);

/* ---- memory (/proc/meminfo, /proc/vmstat) ------------------------------ */

struct prov_meminfo {
	uint64_t total_kb;     /* MemTotal */
	uint64_t free_kb;      /* MemFree */
	uint64_t available_kb; /* MemAvailable, or MemFree+Cached+Buffers */
	uint64_t buffers_kb;
	uint64_t cached_kb;
	uint64_t swap_total_kb;
	uint64_t swap_free_kb;
	uint64_t committed_kb;    /* Committed_AS */
	uint64_t commit_limit_kb; /* CommitLimit */
	uint64_t sreclaimable_kb;
	uint64_t sunreclaim_kb;
	uint64_t page_tables_kb;
	uint64_t vmalloc_used_kb;
	bool has_available; /* MemAvailable was present */
};

hresult prov_meminfo_read(const char *root,
                          struct prov_meminfo *out,
                          struct errinfo *ei);

/* Counters of /proc/vmstat the memory counters need. */
struct prov_vmstat {
	uint64_t pgfault;    /* page faults, all kinds */
	uint64_t pgmajfault; /* faults that read from disk */
	uint64_t pgpgin;     /* KiB paged in */
	uint64_t pgpgout;    /* KiB paged out */
	uint64_t pswpin;     /* pages swapped in */
	uint64_t pswpout;    /* pages swapped out */
};

hresult prov_vmstat_read(const char *root,
                         struct prov_vmstat *out,
                         struct errinfo *ei);

/* ---- operating system (Win32_OperatingSystem) ------------------------- */

struct prov_os_release {
	char *name;        /* NAME */
	char *pretty_name; /* PRETTY_NAME, or NAME VERSION, or "Linux" */
	char *version;     /* VERSION */
	char *version_id;  /* VERSION_ID */
	char *id;          /* ID */
	char *build_id;    /* BUILD_ID */
};

/*
 * Reads [root]/etc/os-release, else [root]/usr/lib/os-release.
 * Errors: HR_ERROR_FILE_NOT_FOUND when neither exists; E_OUTOFMEMORY.
 */
hresult prov_os_release_read(void *mem,
                             const char *root,
                             struct prov_os_release *out,
                             struct errinfo *ei);

struct prov_os {
	struct prov_os_release rel;
	char *sysname, *release, *kversion, *machine; /* uname(2) */
	char *computer_name;                          /* prov_computer_name */
	char *root_device;    /* source of the "/" mount, e.g. /dev/sda1 */
	char *machine_id;     /* /etc/machine-id */
	int64_t boot_time;    /* Unix seconds */
	int64_t install_time; /* birth time of "/", or -1 when unknown */
	uint32_t n_processes; /* numeric entries of /proc */
	uint32_t n_users;     /* live USER_PROCESS sessions in utmp */
	uint32_t pid_max;     /* /proc/sys/kernel/pid_max, 0 if unknown */
	struct prov_meminfo mem;
	bool is_64bit;
};

/* The source of the mount at "/" (e.g. /dev/sda1), or NULL.  Owned. */
char *prov_root_device(void *mem, const char *root);

/*
 * Win32_OperatingSystem.Name, also Win32_Process.OSName: as Windows'
 * "Caption|WindowsDirectory|boot partition", here
 * "PRETTY_NAME|/|root device".  Owned by [mem]; NULL on OOM.
 */
char *prov_os_name(void *mem,
                   const struct prov_os_release *rel,
                   const char *root_device);

/* Reads all of struct prov_os.  Errors: those of the meminfo reader. */
hresult prov_os_read(void *mem,
                     const char *root,
                     struct prov_os *out,
                     struct errinfo *ei);

/*
 * Counts live login sessions in the utmp file [root][path]
 * (USER_PROCESS records whose process exists); [first_console] (may be
 * NULL) gets the user of the first session on a console (tty* or ":N").
 */
uint32_t prov_utmp_users(void *mem,
                         const char *root,
                         const char *path,
                         char **first_console);

/* ---- computer system and BIOS (DMI) ------------------------------------ */

struct prov_dmi {
	char *sys_vendor, *product_name, *product_family, *product_sku;
	char *product_serial, *product_uuid, *product_version;
	char *board_vendor, *board_name;
	char *bios_vendor, *bios_version, *bios_date, *bios_release;
	uint32_t chassis_type; /* 0 when unknown */
	bool present;          /* [root]/sys/class/dmi/id exists */
	/* SMBIOS version from the entry point; 0 when unknown. */
	uint16_t smbios_major, smbios_minor;
};

/* Reads [root]/sys/class/dmi/id/ (fields of missing files stay NULL). */
hresult prov_dmi_read(void *mem,
                      const char *root,
                      struct prov_dmi *out,
                      struct errinfo *ei);

/*
 * Converts a DMI date "MM/DD/YYYY" (or "MM/DD/YY") to a DMTF datetime
 * "YYYYMMDD000000.000000+000".  Returns false when malformed.
 */
bool prov_dmi_date_to_dmtf(const char *date, char out[26]);

/* Windows PCSystemType (1 desktop, 2 mobile, 4 server, 0 unknown). */
uint16_t prov_pc_system_type(uint32_t chassis_type);

/* ---- processors (/proc/cpuinfo, /sys/devices/system/cpu) -------------- */

struct prov_cpu_socket {
	uint32_t socket;  /* "physical id" */
	char *vendor;     /* vendor_id */
	char *model_name; /* model name */
	uint32_t family, model, stepping;
	bool has_family;
	uint32_t cores;        /* "cpu cores" or distinct core ids */
	uint32_t logical;      /* logical processors in the package */
	uint32_t first_cpu;    /* lowest logical CPU number in it */
	uint32_t cur_mhz;      /* scaling_cur_freq or cpu MHz */
	uint32_t max_mhz;      /* cpuinfo_max_freq, else cur_mhz */
	uint32_t l2_kb, l3_kb; /* sums of the distinct caches */
	bool vmx;              /* vmx or svm flag */
	bool slat;             /* ept or npt flag */
	bool hypervisor;       /* hypervisor flag */
	bool lm;               /* 64-bit capable */
};

struct prov_cpus {
	struct prov_cpu_socket *sockets; /* sorted by socket id */
	uint32_t n_sockets;
	uint32_t n_logical; /* processor entries of cpuinfo */
	bool hypervisor;
};

/* Reads [root]/proc/cpuinfo and the sysfs cpu tree. */
hresult prov_cpus_read(void *mem,
                       const char *root,
                       struct prov_cpus *out,
                       struct errinfo *ei);

/* Windows Architecture code of a uname machine (9 x64, 12 ARM64, ...). */
uint16_t prov_cpu_architecture(const char *machine);

/* ---- CPU time (/proc/stat, /proc/interrupts, /proc/softirqs) ---------- */

/* Cumulative times of one CPU (or the total), in clock ticks. */
struct prov_cpu_times {
	uint64_t user, nice, system, idle, iowait, irq, softirq, steal;
	uint64_t interrupts; /* hardware interrupts served */
	uint64_t softirqs;   /* soft interrupts served (Windows DPCs) */
};

struct prov_cpu_stat {
	struct prov_cpu_times total;
	struct prov_cpu_times *cpu; /* indexed by CPU number */
	uint32_t n_cpu;             /* highest CPU number + 1 */
	bool *present;              /* cpu[i] was listed */
	int64_t when_100ns; /* CLOCK_MONOTONIC when read, 100 ns units */
	int64_t wall_100ns; /* CLOCK_REALTIME when read, 100 ns since 1601 */
};

hresult prov_cpu_stat_read(void *mem,
                           const char *root,
                           struct prov_cpu_stat *out,
                           struct errinfo *ei);

/* Percentages of one CPU between two samples, as Windows cooks them. */
struct prov_cpu_percent {
	uint64_t processor;  /* 100 - idle */
	uint64_t idle;       /* idle + iowait */
	uint64_t user;       /* user + nice */
	uint64_t privileged; /* system + irq + softirq */
	uint64_t interrupt;  /* irq */
	uint64_t dpc;        /* softirq */
	uint32_t interrupts_per_sec;
	uint32_t dpcs_per_sec;
};

void prov_cpu_cook(const struct prov_cpu_times *a,
                   const struct prov_cpu_times *b,
                   int64_t elapsed_100ns,
                   struct prov_cpu_percent *out);

/*
 * Two samples of CPU times, kept between calls by the caller (one per
 * provider), so that formatted counters and LoadPercentage use the time
 * since the previous query, as Windows' cooker does.
 */
struct prov_cpu_sampler {
	void *mem;                  /* owns the samples */
	struct prov_cpu_stat *prev; /* older sample, or NULL */
	struct prov_cpu_stat *cur;  /* newest sample, or NULL */
	uint32_t min_interval_ms;   /* shortest interval cooked (100) */
};

/*
 * Takes a new sample; when the previous one is younger than
 * min_interval_ms (or absent), first waits so that the interval is at
 * least that long.  Afterwards prev and cur are both set.
 */
hresult prov_cpu_sampler_update(struct prov_cpu_sampler *s,
                                const char *root,
                                struct errinfo *ei);

/* ---- processes (/proc/[pid]) ----------------------------------------------
 */

struct prov_process {
	uint32_t pid, ppid;
	char *name;        /* basename of exe, else comm */
	char *comm;        /* /proc/[pid]/comm */
	char *exe;         /* readlink exe (no " (deleted)"), or NULL */
	char *cmdline;     /* arguments joined by spaces, or NULL */
	char state;        /* R, S, D, Z, T ... */
	int64_t start_sec; /* Unix time of start */
	uint32_t start_usec;
	uint64_t user_100ns, kernel_100ns; /* utime, stime */
	int32_t nice;
	uint32_t policy;   /* scheduling policy */
	uint32_t priority; /* Windows base priority 4..24 */
	uint32_t threads;
	uint32_t handles; /* open descriptors; 0 when unreadable */
	uint32_t uid;     /* real uid */
	uint32_t session; /* audit session, 0 when none */
	uint64_t page_faults;
	uint64_t vm_size_kb, vm_peak_kb, rss_kb, hwm_kb;
	uint64_t private_kb; /* RssAnon + VmSwap */
	bool has_io;
	uint64_t read_ops, write_ops, read_bytes, write_bytes;
	uint64_t other_ops, other_bytes;
};

/*
 * Lists the numeric entries of [root]/proc into a talloc array of pids
 * (ascending).  Errors: HR_ERROR_FILE_NOT_FOUND, E_OUTOFMEMORY.
 */
hresult prov_process_list(void *mem,
                          const char *root,
                          uint32_t **pids,
                          uint32_t *n,
                          struct errinfo *ei);

/* What prov_process_read fills besides the always-read stat fields. */
enum prov_proc_fields {
	PROV_PROC_STATUS = 1u << 0,  /* threads, uid, memory */
	PROV_PROC_CMDLINE = 1u << 1, /* cmdline */
	PROV_PROC_EXE = 1u << 2,     /* exe, name */
	PROV_PROC_IO = 1u << 3,      /* io counters */
	PROV_PROC_FDS = 1u << 4,     /* handles */
	PROV_PROC_SESSION = 1u << 5, /* session */
	PROV_PROC_ALL = 0x3Fu,
};

/*
 * Reads process [pid].  [boot_time] is prov_boot_time's value (start
 * times are relative to it).  Errors: WBEM_E_NOT_FOUND when the process
 * does not exist (or exited meanwhile), E_OUTOFMEMORY.  Unreadable
 * secondary files (another user's exe, io) leave their fields empty.
 */
hresult prov_process_read(void *mem,
                          const char *root,
                          uint32_t pid,
                          int64_t boot_time,
                          uint32_t fields,
                          struct prov_process *out,
                          struct errinfo *ei);

/*
 * Reads processes [pids] (n of them) into [out] (n entries, caller's
 * array), on up to [threads] threads (0: one per online CPU, at most 8):
 * on a busy system the kernel's /proc text generation is the cost, and
 * it runs in parallel.  out[i].pid is 0 for a process that vanished.
 * Strings are owned by [mem].  Errors: E_OUTOFMEMORY.
 */
hresult prov_process_read_many(void *mem,
                               const char *root,
                               const uint32_t *pids,
                               uint32_t n,
                               int64_t boot_time,
                               uint32_t fields,
                               uint32_t threads,
                               struct prov_process *out,
                               struct errinfo *ei);

/*
 * What prov_process_read_cached keeps between calls: per process, the
 * fields read and the stat and schedstat texts they were read with.
 * Owned by [mem]; NULL on OOM.
 */
struct prov_proc_cache;
struct prov_proc_cache *prov_proc_cache_new(void *mem);

/*
 * prov_process_read_many with [cache] (NULL: none): a process whose
 * /proc/[pid]/stat and schedstat texts are the same as on the previous
 * call, single-threaded and not running, has not run since, so its
 * status, io, cmdline, exe, descriptor count and session are taken from
 * the cache instead of being read again (two small reads instead of
 * seven).  The cache is then replaced by this call's processes; it is
 * not touched by the reader threads except for lookups.
 */
hresult prov_process_read_cached(void *mem,
                                 const char *root,
                                 const uint32_t *pids,
                                 uint32_t n,
                                 int64_t boot_time,
                                 uint32_t fields,
                                 uint32_t threads,
                                 struct prov_proc_cache *cache,
                                 struct prov_process *out,
                                 struct errinfo *ei);

/* Windows base priority (4 idle .. 13 high, 24 realtime) of a nice value. */
uint32_t prov_priority_from_nice(int32_t nice, uint32_t policy);

/*
 * Splits a Windows-style command line into arguments: blanks separate,
 * double quotes group, \" is a quote, backslashes are literal otherwise.
 * Returns a NULL-terminated talloc array, or NULL on OOM; *argc gets the
 * count (0 for a blank line).
 */
char **prov_split_cmdline(void *mem, const char *cmdline, int *argc);

/* Win32_Process method return codes (reference 9.3). */
enum prov_proc_rc {
	PROV_RC_OK = 0,
	PROV_RC_ACCESS_DENIED = 2,
	PROV_RC_PRIVILEGE = 3,
	PROV_RC_UNKNOWN = 8,
	PROV_RC_PATH_NOT_FOUND = 9,
	PROV_RC_INVALID_PARAMETER = 21,
};

/*
 * Starts [cmdline] as a new process detached from the caller (its own
 * session, reparented to init, stdin/stdout/stderr on /dev/null), in
 * [cwd] (NULL: "/"), with credentials [uid]/[gid] when [as_user] (the
 * caller must be root to change them).  The program is looked up in PATH
 * when it has no '/'.  Returns a Win32_Process.Create code: 0 with *pid
 * set; 21 for a blank command line; 9 when the program or [cwd] does not
 * exist; 2 when it may not be executed; 8 otherwise.
 */
enum prov_proc_rc prov_process_create(const char *cmdline,
                                      const char *cwd,
                                      bool as_user,
                                      uint32_t uid,
                                      uint32_t gid,
                                      uint32_t *pid);

/*
 * Kills process [pid] (SIGKILL, as TerminateProcess).  When [as_user],
 * only a process of [uid] may be killed (unless [uid] is 0).  Returns 0,
 * 2 (not permitted) or 8 (no such process or other failure).
 */
enum prov_proc_rc prov_process_terminate(uint32_t pid,
                                         bool as_user,
                                         uint32_t uid);

/* The user name of [uid] (getpwuid_r), or its decimal text.  Owned. */
char *prov_user_name(void *mem, uint32_t uid);

/* ---- logical disks (mountinfo + statvfs) --------------------------------- */

/* Win32_LogicalDisk.DriveType values. */
enum prov_drive_type {
	PROV_DRIVE_UNKNOWN = 0,
	PROV_DRIVE_REMOVABLE = 2,
	PROV_DRIVE_LOCAL = 3,
	PROV_DRIVE_NETWORK = 4,
	PROV_DRIVE_CD = 5,
	PROV_DRIVE_RAM = 6,
};

struct prov_disk {
	char *mount_point; /* DeviceID: "/", "/home" */
	char *fstype;      /* "ext4" */
	char *source;      /* "/dev/sda1", "server:/export" */
	char *label;       /* by-label name, or NULL */
	char *serial;      /* 8 upper-case hex digits from the UUID, or NULL */
	uint32_t drive_type; /* enum prov_drive_type */
	bool read_only;
	bool has_stat;              /* statvfs succeeded */
	uint64_t size, free, avail; /* bytes (f_blocks, f_bfree, f_bavail) */
	uint64_t block_size, blocks;
	uint32_t name_max;
};

/*
 * Parses [root]/proc/self/mountinfo and keeps the mounts that are disks
 * in Windows' sense (prov_disk_wanted), then statvfs()s each mount point
 * unless [root] is a fixture (non-empty).  Errors: those of the file read.
 */
hresult prov_disks_read(void *mem,
                        const char *root,
                        struct prov_disk **out,
                        uint32_t *n,
                        struct errinfo *ei);

/*
 * True when a mount of [fstype] at [mount_point] from [source], mounting
 * [mnt_root] of its filesystem, is listed as a logical disk: no pseudo
 * filesystems, no bind mounts of a subdirectory, no tmpfs under /dev,
 * /run, /sys or /proc.
 */
bool prov_disk_wanted(const char *fstype,
                      const char *mount_point,
                      const char *source,
                      const char *mnt_root);

/* DriveType of a mount (network, RAM, CD, removable, local). */
uint32_t prov_drive_type(const char *root,
                         const char *fstype,
                         const char *source);

/* Decodes the octal escapes (\040) of a mountinfo field in place. */
void prov_unescape_mount(char *s);

/* ---- network (getifaddrs, /sys/class/net, /proc/net) --------------------- */

struct prov_netif {
	char *name;     /* "eth0" */
	uint32_t index; /* ifindex */
	char *mac;      /* "00:1A:2B:3C:4D:5E", NULL when none */
	char *driver;   /* basename of device/driver, or NULL */
	char *guid;     /* "{...}" made from index and MAC */
	uint32_t type;  /* ARPHRD_* from /sys/class/net/X/type */
	uint32_t mtu;
	int64_t speed_bps; /* -1 when unknown */
	bool up;           /* IFF_UP */
	bool running;      /* operstate up (or unknown with carrier) */
	bool physical;     /* has a device link */
	bool loopback;
	char **ipv4, **ipv4_mask; /* dotted */
	uint32_t n_ipv4;
	char **ipv6, **ipv6_prefix; /* text, prefix length as text */
	uint32_t n_ipv6;
	char **gateways; /* IPv4 then IPv6 default routes via this interface */
	uint32_t n_gateways;
	bool dhcp; /* a DHCP lease is known */
	char *dhcp_server;
};

struct prov_net {
	struct prov_netif *ifs; /* sorted by index */
	uint32_t n_ifs;
	char **dns_servers; /* resolv.conf nameserver lines */
	uint32_t n_dns_servers;
	char **dns_search; /* resolv.conf search (or domain) */
	uint32_t n_dns_search;
	char *dns_domain; /* resolv.conf domain, else first search entry */
};

/*
 * Reads the interfaces of [root]/sys/class/net and, for the live system
 * (empty [root]), their addresses with getifaddrs(); routes from
 * [root]/proc/net/route and ipv6_route; DNS from [root]/etc/resolv.conf.
 */
hresult prov_net_read(void *mem,
                      const char *root,
                      struct prov_net *out,
                      struct errinfo *ei);

/* Dotted IPv4 mask of a prefix length (0..32) into [out]. */
void prov_ipv4_mask(uint32_t prefix, char out[16]);

/* Win32_NetworkAdapter.NetConnectionStatus (2 connected, 7 no media ...). */
uint16_t prov_net_connection_status(const struct prov_netif *nif);

/* ---- environment (/etc/environment, /etc/environment.d) ------------------ */

struct prov_env_var {
	char *name;
	char *value;
	char *user; /* "<SYSTEM>" */
	bool system;
};

hresult prov_env_read(void *mem,
                      const char *root,
                      struct prov_env_var **out,
                      uint32_t *n,
                      struct errinfo *ei);

/* ---- services (systemd over D-Bus) -------------------------------------- */

struct prov_service {
	char *name;                 /* unit name without ".service" */
	char *display_name;         /* Description */
	char *state;                /* "Running", "Stopped", ... */
	char *start_mode;           /* "Auto", "Manual", "Disabled" */
	char *status;               /* "OK", "Degraded", "Error" */
	char *path_name;            /* ExecStart command line, or NULL */
	char *start_name;           /* User=, "LocalSystem" when unset */
	char *service_type;         /* "Own Process" */
	uint32_t pid;               /* MainPID */
	uint32_t exit_code;         /* Win32 exit code: 0, or 1066 on failure */
	uint32_t service_exit_code; /* ExecMainStatus */
	bool started;
	bool accept_stop;
};

/*
 * Maps systemd ActiveState/SubState to Win32_Service.State ("Running",
 * "Stopped", "Start Pending", "Stop Pending", "Unknown").
 */
const char *prov_service_state(const char *active, const char *sub);

/* Maps UnitFileState ("enabled", "disabled", "masked", "static" ...). */
const char *prov_service_start_mode(const char *unit_file_state);

/* Status from ActiveState: "OK", or "Error" for failed. */
const char *prov_service_status(const char *active);

/* True when systemd is the running init (sd_booted()). */
bool prov_systemd_running(void);

/*
 * Lists the services of the system's systemd (loaded units and unit
 * files of type service, templates excluded), sorted by name.  Where
 * systemd does not run, returns S_OK with no services.  [only] (may be
 * NULL) restricts the list to one service name.
 * Errors: WBEM_E_PROVIDER_FAILURE when the bus fails mid-way.
 */
hresult prov_services_read(void *mem,
                           const char *only,
                           struct prov_service **out,
                           uint32_t *n,
                           struct errinfo *ei);

/*
 * StartService / StopService of unit [name].service; returns the
 * Win32_Service method code: 0 accepted, 2 access denied, 5 cannot
 * accept the control (stop of a stopped service), 10 already running,
 * 14 disabled (masked), 8 other failures.
 */
uint32_t prov_service_control(const char *name, bool start);

#endif
