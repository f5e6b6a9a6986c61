/*
 * fixture: a throw-away file tree for the providers' unit tests: readers
 * take a root prefix, so a test writes /proc, /sys or /etc files under a
 * temporary directory and points the reader at it.
 */
#ifndef OWMI_TESTS_PROVIDERS_FIXTURE_H
#define OWMI_TESTS_PROVIDERS_FIXTURE_H

#include <errno.h>
#include <fcntl.h>
#include <ftw.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

struct fixture {
	char root[64];
};

static inline int fx_init(struct fixture *f)
{
	snprintf(f->root, sizeof(f->root), "/tmp/owmi-prov-XXXXXX");
	return mkdtemp(f->root) != NULL ? 0 : -1;
}

/* Writes [text] to [root][path], making the parent directories. */
static inline int fx_write(const struct fixture *f,
                           const char *path,
                           const char *text,
                           size_t len)
{
	char full[4096];
	int fd;
	ssize_t w;

	snprintf(full, sizeof(full), "%s%s", f->root, path);
	for (char *p = full + strlen(f->root) + 1; *p; p++) {
		if (*p == '/') {
			*p = '\0';
			if (mkdir(full, 0755) != 0 && errno != EEXIST) {
				return -1;
			}
			*p = '/';
		}
	}
	fd = open(full, O_WRONLY | O_CREAT | O_TRUNC, 0644);
	if (fd < 0) {
		return -1;
	}
	w = write(fd, text, len);
	close(fd);
	return w == (ssize_t)len ? 0 : -1;
}

static inline int fx_puts(const struct fixture *f,
                          const char *path,
                          const char *text)
{
	return fx_write(f, path, text, strlen(text));
}

/* Makes [root][path] a symbolic link to [target]. */
static inline int fx_link(const struct fixture *f,
                          const char *path,
                          const char *target)
{
	char full[4096];

	snprintf(full, sizeof(full), "%s%s", f->root, path);
	return symlink(target, full);
}

static inline int fx_rm_one(const char *path,
                            const struct stat *st,
                            int flag,
                            struct FTW *ftw)
{
	(void)st;
	(void)flag;
	(void)ftw;
	return remove(path);
}

static inline void fx_free(struct fixture *f)
{
	nftw(f->root, fx_rm_one, 16, FTW_DEPTH | FTW_PHYS);
}

#endif
