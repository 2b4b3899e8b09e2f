/*
 * log.h - leveled logging to stderr, one line per call, with a UTC timestamp:
 *
 *   2024-05-01T12:34:56.789Z INFO listening on 0.0.0.0:8081
 *
 * Only main() and the HTTP layer log; library code returns errors instead.
 * Thread-safe: each line goes out in a single write(2), so lines from
 * different threads never interleave. The level is a process-wide setting.
 */
#ifndef SR_SERVER_LOG_H
#define SR_SERVER_LOG_H

#include <stdarg.h>
#include <stdbool.h>

enum sr_log_level {
    SR_LOG_ERROR,
    SR_LOG_WARN,
    SR_LOG_INFO,
    SR_LOG_DEBUG,
};

/* Sets the most verbose level that is written (default SR_LOG_INFO). */
void sr_log_set_level(enum sr_log_level level);
/* Whether a message at level would be written; cheap (one relaxed load). */
bool sr_log_enabled(enum sr_log_level level);

/* Writes one line at level; a trailing newline in fmt is dropped, and a line
 * longer than about 4 KiB is truncated with "...". */
void sr_log(enum sr_log_level level, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
void sr_log_v(enum sr_log_level level, const char *fmt, va_list ap)
    __attribute__((format(printf, 2, 0)));

/* "error", "warn", "info", "debug" (any case; "warning" too) -> *out.
 * Returns false, leaving *out alone, for anything else. */
bool sr_log_level_parse(const char *s, enum sr_log_level *out);
/* "error", "warn", "info" or "debug". */
const char *sr_log_level_name(enum sr_log_level level);

#endif
