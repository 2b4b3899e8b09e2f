#include "common/error.h"

#include <stdarg.h>
#include <stdio.h>
#include <string.h>

struct error_row {
    const char *name;
    int status;
    int code;
    const char *message;
};

static const struct error_row error_table[SR_ERR__COUNT] = {
#define SR_ERROR_ROW(n, s, c, m) [n] = {#n, s, c, m},
    SR_ERRORS(SR_ERROR_ROW)
#undef SR_ERROR_ROW
};

static const struct error_row *row_for(enum sr_err code)
{
    if ((int)code < 0 || code >= SR_ERR__COUNT)
        return &error_table[SR_ERR_INTERNAL];
    return &error_table[code];
}

#undef sr_errorf /* the function, not the static analyser's view of it (error.h) */
enum sr_err sr_errorf(struct sr_error *err, enum sr_err code, const char *fmt, ...)
{
    if (!err)
        return code;
    err->code = code;
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(err->message, sizeof(err->message), fmt, ap);
    va_end(ap);
    return code;
}

void sr_error_clear(struct sr_error *err)
{
    if (!err)
        return;
    err->code = SR_OK;
    err->message[0] = '\0';
}

int sr_error_http_status(enum sr_err code)
{
    return row_for(code)->status;
}

int sr_error_code(enum sr_err code)
{
    return row_for(code)->code;
}

const char *sr_error_default_message(enum sr_err code)
{
    return row_for(code)->message;
}

const char *sr_error_name(enum sr_err code)
{
    return row_for(code)->name;
}
