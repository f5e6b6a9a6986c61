/*
 * log: leveled, line-oriented logging to a file and/or stderr (base layer).
 *
 * There is no global logger: each process's composition root creates one
 * and passes it down (STYLE.md section 8).  A NULL logger is accepted
 * everywhere and logs nothing.  Lines are written with one write(2) each, so
 * concurrent writers (threads or processes appending to the same file) do
 * not interleave within a line.
 *
 * Line format:  2026-11-26T23:04:17.123456Z LEVEL component: message
 */
#ifndef OWMI_BASE_LOG_H
#define OWMI_BASE_LOG_H

#include <stdarg.h>
#include <stdbool.h>

enum log_level {
	LOG_LVL_ERROR = 0,
	LOG_LVL_WARN = 1,
	LOG_LVL_INFO = 2,
	LOG_LVL_DEBUG = 3,
};

struct logger;

/*
 * Returns owned a new logger (talloc child of [mem]) writing lines at or
 * below [level] to [path] (appended, created 0640; NULL for none) and to
 * stderr when [to_stderr].  Returns NULL if the file cannot be opened
 * (errno is kept).
 */
struct logger *log_open(void *mem,
                        const char *path,
                        enum log_level level,
                        bool to_stderr);

/* Writes one line.  NULL-safe in [lg]. */
void log_msg(struct logger *lg,
             enum log_level level,
             const char *component,
             const char *fmt,
             ...) __attribute__((format(printf, 4, 5)));
void log_vmsg(struct logger *lg,
              enum log_level level,
              const char *component,
              const char *fmt,
              va_list ap) __attribute__((format(printf, 4, 0)));

/* Changes the threshold (e.g. on SIGHUP). */
void log_set_level(struct logger *lg, enum log_level level);

/* Formats the current UTC time as ISO 8601 with microseconds into [out]. */
void log_timestamp(char out[48]);

#endif
