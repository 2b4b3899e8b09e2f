/*
 * log.c - leveled logging to stderr; see log.h.
 */
#include "server/log.h"

#include <stdatomic.h>
#include <stdio.h>
#include <string.h>
#include <strings.h>
#include <time.h>
#include <unistd.h>

#define LINE_MAX_BYTES 4096

static atomic_int current_level = SR_LOG_INFO;

static const char *const level_names[] = {"error", "warn", "info", "debug"};
static const char *const level_tags[] = {"ERROR", "WARN", "INFO", "DEBUG"};

void sr_log_set_level(enum sr_log_level level)
{
    atomic_store_explicit(&current_level, (int)level, memory_order_relaxed);
}

bool sr_log_enabled(enum sr_log_level level)
{
    return (int)level <= atomic_load_explicit(&current_level, memory_order_relaxed);
}

bool sr_log_level_parse(const char *s, enum sr_log_level *out)
{
    if (!s)
        return false;
    for (size_t i = 0; i < sizeof level_names / sizeof level_names[0]; i++) {
        if (strcasecmp(s, level_names[i]) == 0) {
            *out = (enum sr_log_level)i;
            return true;
        }
    }
    if (strcasecmp(s, "warning") == 0) {
        *out = SR_LOG_WARN;
        return true;
    }
    return false;
}

const char *sr_log_level_name(enum sr_log_level level)
{
    if ((unsigned)level >= sizeof level_names / sizeof level_names[0])
        return "info";
    return level_names[level];
}

/* Writes "YYYY-MM-DDTHH:MM:SS.mmmZ LEVEL " into buf; returns its length. */
static size_t format_prefix(char *buf, size_t cap, enum sr_log_level level)
{
    struct timespec ts;
    struct tm tm;
    clock_gettime(CLOCK_REALTIME, &ts);
    gmtime_r(&ts.tv_sec, &tm);
    int n = snprintf(buf, cap, "%04d-%02d-%02dT%02d:%02d:%02d.%03ldZ %s ", tm.tm_year + 1900,
                     tm.tm_mon + 1, tm.tm_mday, tm.tm_hour, tm.tm_min, tm.tm_sec,
                     ts.tv_nsec / 1000000, level_tags[level]);
    return n < 0 ? 0 : (size_t)n < cap ? (size_t)n : cap - 1;
}

static void write_all(const char *p, size_t len)
{
    while (len > 0) {
        ssize_t n = write(STDERR_FILENO, p, len);
        if (n <= 0)
            return; /* nowhere left to report it */
        p += n;
        len -= (size_t)n;
    }
}

void sr_log_v(enum sr_log_level level, const char *fmt, va_list ap)
{
    if ((unsigned)level > SR_LOG_DEBUG || !sr_log_enabled(level))
        return;
    char line[LINE_MAX_BYTES];
    size_t len = format_prefix(line, sizeof line, level);
    size_t room = sizeof line - len - 1; /* keep one byte for the newline */
    int n = vsnprintf(line + len, room + 1, fmt, ap);
    if (n < 0)
        n = 0;
    if ((size_t)n > room) {
        len += room;
        memset(line + len - 3, '.', 3);
    } else {
        len += (size_t)n;
    }
    while (len > 0 && (line[len - 1] == '\n' || line[len - 1] == '\r'))
        len--;
    line[len++] = '\n';
    write_all(line, len);
}

void sr_log(enum sr_log_level level, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    sr_log_v(level, fmt, ap);
    va_end(ap);
}
