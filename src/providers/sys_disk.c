/*
 * sys_disk: logical disks (Win32_LogicalDisk) from mountinfo and statvfs
 * (providers layer).
 *
 * Linux has no drive letters; a logical disk is a mounted filesystem and
 * its DeviceID is the mount point ("/", "/home"), see
 * docs/internals/providers.md.
 */
#include "providers/sysinfo.h"

#include <ctype.h>
#include <dirent.h>
#include <errno.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/statvfs.h>
#include <talloc.h>
#include <unistd.h>

#define LAYER "providers"

void prov_unescape_mount(char *s)
{
	char *o = s;

	for (char *p = s; *p != '\0'; p++) {
		if (p[0] == '\\' && p[1] >= '0' && p[1] <= '3' && p[2] >= '0' &&
		    p[2] <= '7' && p[3] >= '0' && p[3] <= '7') {
			*o++ = (char)((p[1] - '0') * 64 + (p[2] - '0') * 8 +
			              (p[3] - '0'));
			p += 3;
		} else {
			*o++ = *p;
		}
	}
	*o = '\0';
}

static bool in_list(const char *s, const char *const *list)
{
	for (size_t i = 0; list[i] != NULL; i++) {
		if (strcmp(s, list[i]) == 0) {
			return true;
		}
	}
	return false;
}

static const char *const pseudo_fs[] = {
	"proc",
	"sysfs",
	"devtmpfs",
	"devpts",
	"cgroup",
	"cgroup2",
	"securityfs",
	"debugfs",
	"tracefs",
	"pstore",
	"bpf",
	"mqueue",
	"hugetlbfs",
	"configfs",
	"fusectl",
	"autofs",
	"binfmt_misc",
	"rpc_pipefs",
	"nsfs",
	"efivarfs",
	"selinuxfs",
	"squashfs",
	"nfsd",
	"devfs",
	"fuse.gvfsd-fuse",
	"fuse.portal",
	"fuse.lxcfs",
	"overlayfs-meta",
	NULL,
};

static const char *const network_fs[] = {
	"nfs",   "nfs4",           "cifs",      "smb3",       "smbfs",
	"ncpfs", "ceph",           "glusterfs", "fuse.sshfs", "afs",
	"9p",    "fuse.glusterfs", NULL,
};

static bool under(const char *path, const char *dir)
{
	size_t n = strlen(dir);

	return strncmp(path, dir, n) == 0 &&
	       (path[n] == '\0' || path[n] == '/');
}

bool prov_disk_wanted(const char *fstype,
                      const char *mount_point,
                      const char *source,
                      const char *mnt_root)
{
	(void)source;
	if (in_list(fstype, pseudo_fs)) {
		return false;
	}
	if (strcmp(mnt_root, "/") != 0) {
		return false; /* a bind mount of a subdirectory or file */
	}
	if (strcmp(fstype, "tmpfs") == 0 || strcmp(fstype, "ramfs") == 0) {
		return !under(mount_point, "/dev") &&
		       !under(mount_point, "/run") &&
		       !under(mount_point, "/sys") &&
		       !under(mount_point, "/proc");
	}
	return true;
}

uint32_t prov_drive_type(const char *root,
                         const char *fstype,
                         const char *source)
{
	char path[4096];
	const char *base;
	char *v;
	bool removable = false;

	if (in_list(fstype, network_fs)) {
		return PROV_DRIVE_NETWORK;
	}
	if (strcmp(fstype, "tmpfs") == 0 || strcmp(fstype, "ramfs") == 0) {
		return PROV_DRIVE_RAM;
	}
	if (strcmp(fstype, "iso9660") == 0 || strcmp(fstype, "udf") == 0) {
		return PROV_DRIVE_CD;
	}
	if (strncmp(source, "/dev/", 5) != 0) {
		return PROV_DRIVE_LOCAL;
	}
	base = strrchr(source, '/') + 1;
	snprintf(path, sizeof(path), "/sys/class/block/%s/removable", base);
	v = prov_read_attr(NULL, root, path);
	if (v == NULL) {
		/* A partition: the flag is on its disk. */
		snprintf(path, sizeof(path), "/sys/class/block/%s/../removable",
		         base);
		v = prov_read_attr(NULL, root, path);
	}
	removable = v != NULL && strcmp(v, "1") == 0;
	talloc_free(v);
	return removable ? PROV_DRIVE_REMOVABLE : PROV_DRIVE_LOCAL;
}

/* Decodes the \xNN escapes of udev's by-label names in place. */
static void unescape_udev(char *s)
{
	char *o = s;

	for (char *p = s; *p != '\0'; p++) {
		if (p[0] == '\\' && p[1] == 'x' &&
		    isxdigit((unsigned char)p[2]) &&
		    isxdigit((unsigned char)p[3])) {
			char hex[3] = { p[2], p[3], '\0' };

			*o++ = (char)strtoul(hex, NULL, 16);
			p += 3;
		} else {
			*o++ = *p;
		}
	}
	*o = '\0';
}

/*
 * Finds the entry of [root]/dev/disk/[dir] whose link resolves to the
 * same device as [source]; returns its name (owned by [mem]) or NULL.
 */
static char *by_link(void *mem,
                     const char *root,
                     const char *dir,
                     const char *source)
{
	char path[4096], want[PATH_MAX], got[PATH_MAX];
	struct dirent *d;
	char *name = NULL;
	DIR *dd;

	snprintf(path, sizeof(path), "%s%s", root ? root : "", source);
	if (realpath(path, want) == NULL) {
		return NULL;
	}
	snprintf(path, sizeof(path), "%s/dev/disk/%s", root ? root : "", dir);
	dd = opendir(path);
	if (dd == NULL) {
		return NULL;
	}
	while ((d = readdir(dd)) != NULL) {
		char link[4096 + 256];

		if (d->d_name[0] == '.') {
			continue;
		}
		snprintf(link, sizeof(link), "%s/%s", path, d->d_name);
		if (realpath(link, got) != NULL && strcmp(got, want) == 0) {
			name = talloc_strdup(mem, d->d_name);
			break;
		}
	}
	closedir(dd);
	return name;
}

/* Windows-style volume serial: the first 8 hex digits of the UUID. */
static char *serial_of_uuid(void *mem, const char *uuid)
{
	char out[9];
	size_t n = 0;

	for (const char *p = uuid; *p != '\0' && n < 8; p++) {
		if (isxdigit((unsigned char)*p)) {
			out[n++] = (char)toupper((unsigned char)*p);
		}
	}
	if (n != 8) {
		return NULL;
	}
	out[8] = '\0';
	return talloc_strdup(mem, out);
}

/* Splits a mountinfo line; false when malformed. */
static bool split_mountinfo(char *line,
                            char **mnt_root,
                            char **mount_point,
                            char **opts,
                            char **fstype,
                            char **source)
{
	char *f[6];
	char *sep = strstr(line, " - ");
	char *p = line;

	if (sep == NULL) {
		return false;
	}
	*sep = '\0';
	for (int i = 0; i < 6; i++) {
		f[i] = p;
		p = strchr(p, ' ');
		if (p == NULL && i < 5) {
			return false;
		}
		if (p != NULL) {
			*p++ = '\0';
		}
	}
	*mnt_root = f[3];
	*mount_point = f[4];
	*opts = f[5];
	*fstype = sep + 3;
	p = strchr(*fstype, ' ');
	if (p == NULL) {
		return false;
	}
	*p++ = '\0';
	*source = p;
	p = strchr(p, ' ');
	if (p != NULL) {
		*p = '\0';
	}
	prov_unescape_mount(*mnt_root);
	prov_unescape_mount(*mount_point);
	prov_unescape_mount(*source);
	return true;
}

static hresult add_disk(void *mem,
                        const char *root,
                        struct prov_disk **a,
                        uint32_t *n,
                        const char *mount_point,
                        const char *opts,
                        const char *fstype,
                        const char *source)
{
	struct prov_disk *dk = NULL;
	bool live = root == NULL || root[0] == '\0';

	/* An over-mount hides the earlier mount at the same point. */
	for (uint32_t i = 0; i < *n; i++) {
		if (strcmp((*a)[i].mount_point, mount_point) == 0) {
			dk = &(*a)[i];
			talloc_free(dk->mount_point);
			talloc_free(dk->fstype);
			talloc_free(dk->source);
			talloc_free(dk->label);
			talloc_free(dk->serial);
			break;
		}
	}
	if (dk == NULL) {
		struct prov_disk *na = talloc_realloc(mem, *a, struct prov_disk,
		                                      *n + 1);

		if (na == NULL) {
			return HR_E_OUTOFMEMORY;
		}
		*a = na;
		dk = &na[(*n)++];
	}
	memset(dk, 0, sizeof(*dk));
	dk->mount_point = talloc_strdup(*a, mount_point);
	dk->fstype = talloc_strdup(*a, fstype);
	dk->source = talloc_strdup(*a, source);
	if (dk->mount_point == NULL || dk->fstype == NULL ||
	    dk->source == NULL) {
		return HR_E_OUTOFMEMORY;
	}
	dk->read_only = strncmp(opts, "ro", 2) == 0 &&
	                (opts[2] == '\0' || opts[2] == ',');
	dk->drive_type = prov_drive_type(root, fstype, source);
	if (strncmp(source, "/dev/", 5) == 0) {
		char *uuid;

		dk->label = by_link(*a, root, "by-label", source);
		if (dk->label != NULL) {
			unescape_udev(dk->label);
		}
		uuid = by_link(*a, root, "by-uuid", source);
		if (uuid != NULL) {
			dk->serial = serial_of_uuid(*a, uuid);
			talloc_free(uuid);
		}
	}
	if (live) {
		struct statvfs sv;

		if (statvfs(mount_point, &sv) == 0) {
			uint64_t fr = sv.f_frsize ? sv.f_frsize : sv.f_bsize;

			dk->has_stat = true;
			dk->size = (uint64_t)sv.f_blocks * fr;
			dk->free = (uint64_t)sv.f_bfree * fr;
			dk->avail = (uint64_t)sv.f_bavail * fr;
			dk->block_size = sv.f_bsize;
			dk->blocks = sv.f_blocks;
			dk->name_max = (uint32_t)sv.f_namemax;
		}
	}
	return HR_OK;
}

hresult prov_disks_read(void *mem,
                        const char *root,
                        struct prov_disk **out,
                        uint32_t *n,
                        struct errinfo *ei)
{
	void *tmp = talloc_new(NULL);
	char *text = NULL, *p;
	struct prov_disk *a = NULL;
	uint32_t cnt = 0;
	hresult hr;

	if (tmp == NULL) {
		return HR_E_OUTOFMEMORY;
	}
	hr = prov_read_file(tmp, root, "/proc/self/mountinfo", 0, &text, NULL,
	                    ei);
	if (hr_failed(hr)) {
		goto out;
	}
	for (p = text; *p != '\0';) {
		char *e = strchr(p, '\n');
		char *mnt_root, *mp, *opts, *fstype, *source;

		if (e != NULL) {
			*e = '\0';
		}
		if (split_mountinfo(p, &mnt_root, &mp, &opts, &fstype,
		                    &source) &&
		    prov_disk_wanted(fstype, mp, source, mnt_root)) {
			hr = add_disk(mem, root, &a, &cnt, mp, opts, fstype,
			              source);
			if (hr_failed(hr)) {
				talloc_free(a);
				err_set(ei, hr, LAYER, "out of memory");
				goto out;
			}
		}
		if (e == NULL) {
			break;
		}
		p = e + 1;
	}
	*out = a;
	*n = cnt;
out:
	talloc_free(tmp);
	return hr;
}
