/*
 * log: leveled logging (base layer).
 */
#include "base/log.h"

#include <fcntl.h>
#include <stdio.h>
#include <string.h>
#include <sys/time.h>
#include <talloc.h>
#include <time.h>
#include <unistd.h>

struct logger {
	int fd;
	bool to_stderr;
	enum log_level level;
};

static int logger_destructor(struct logger *lg)
{
	if (lg->fd >= 0) {
		close(lg->fd);
	}
	return 0;
}

struct logger *log_open(void *mem,
                        const char *path,
                        enum log_level level,
                        bool to_stderr)
{
	struct logger *lg = talloc_zero(mem, struct logger);

	if (lg == NULL) {
		return NULL;
	}
	lg->fd = -1;
	lg->level = level;
	lg->to_stderr = to_stderr;
	if (path != NULL) {
		lg->fd = open(path, O_WRONLY | O_APPEND | O_CREAT | O_CLOEXEC,
		              0640);
		if (lg->fd < 0) {
			talloc_free(lg);
			return NULL;
		}
	}
	talloc_set_destructor(lg, logger_destructor);
	return lg;
}

void log_set_level(struct logger *lg, enum log_level level)
{
	if (lg != NULL) {
		lg->level = level;
	}
}

void log_timestamp(char out[48])
{
	struct timeval tv;
	struct tm tm;

	gettimeofday(&tv, NULL);
	gmtime_r(&tv.tv_sec, &tm);
	snprintf(out, 48, "%04d-%02d-%02dT%02d:%02d:%02d.%06ldZ",
	         (tm.tm_year + 1900) % 10000, (tm.tm_mon + 1) % 100,
	         tm.tm_mday % 100, tm.tm_hour, tm.tm_min % 100, tm.tm_sec % 100,
	         (long)tv.tv_usec % 1000000);
}

static const char *level_name(enum log_level l)
{
	switch (l) {
	case LOG_LVL_ERROR:
		return "ERROR";
	case LOG_LVL_WARN:
		return "WARN";
	case LOG_LVL_INFO:
		return "INFO";
	case LOG_LVL_DEBUG:
		return "DEBUG";
	}
	return "INFO";
}

void log_vmsg(struct logger *lg,
              enum log_level level,
              const char *component,
              const char *fmt,
              va_list ap)
{
	char line[2048];
	char ts[48];
	int n;
	int m;
	ssize_t wr;

	if (lg == NULL || level > lg->level) {
		return;
	}
	log_timestamp(ts);
	n = snprintf(line, sizeof(line), "%s %s %s: ", ts, level_name(level),
	             component ? component : "-");
	if (n < 0 || (size_t)n >= sizeof(line)) {
		return;
	}
	m = vsnprintf(line + n, sizeof(line) - (size_t)n - 1, fmt, ap);
	if (m < 0) {
		return;
	}
	n += m;
	if ((size_t)n > sizeof(line) - 2) {
		n = (int)sizeof(line) - 2;
	}
	for (int i = 0; i < n; i++) {
		if (line[i] == '\n' || line[i] == '\r') {
			line[i] = ' ';
		}
	}
	line[n++] = '\n';
	if (lg->fd >= 0) {
		wr = write(lg->fd, line, (size_t)n);
		(void)wr;
	}
	if (lg->to_stderr) {
		wr = write(STDERR_FILENO, line, (size_t)n);
		(void)wr;
	}
}

void log_msg(struct logger *lg,
             enum log_level level,
             const char *component,
             const char *fmt,
             ...)
{
	va_list ap;

	va_start(ap, fmt);
	log_vmsg(lg, level, component, fmt, ap);
	va_end(ap);
}
