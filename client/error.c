/*
 * error.c - error codes, their descriptions, and the one free function the
 * library hands out memory with.
 */
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>

#include "client/client_int.h"

const char *avroreg_strerror(enum avroreg_err code)
{
    switch (code) {
    case AVROREG_OK:
        return "success";
    case AVROREG_ERR_ARG:
        return "invalid argument";
    case AVROREG_ERR_NOMEM:
        return "out of memory";
    case AVROREG_ERR_SHORT_BUFFER:
        return "buffer too short";
    case AVROREG_ERR_BAD_MAGIC:
        return "unknown magic byte";
    case AVROREG_ERR_UNKNOWN_ID:
        return "unknown schema id";
    case AVROREG_ERR_HTTP:
        return "registry unreachable or answered garbage";
    case AVROREG_ERR_REGISTRY:
        return "registry error";
    case AVROREG_ERR_INVALID_SCHEMA:
        return "invalid schema";
    case AVROREG_ERR_INVALID_DATUM:
        return "datum does not match the schema";
    case AVROREG_ERR_INCOMPATIBLE:
        return "reader schema cannot read the writer's data";
    case AVROREG_ERR_AVRO:
        return "avro-c encoding or decoding failed";
    case AVROREG_ERR_KAFKA:
        return "kafka error";
    case AVROREG_ERR_FORMAT:
        return "malformed export or log record";
    case AVROREG_ERR_CONFLICT:
        return "conflicting or refused change";
    case AVROREG_ERR_IO:
        return "the output failed";
    }
    return "unknown error";
}

void avroreg_free(void *p)
{
    free(p);
}

#undef ar_error /* the function, not the static analyser's view of it (client_int.h) */
enum avroreg_err ar_error(struct avroreg_error *err, enum avroreg_err code, const char *fmt, ...)
{
    if (!err)
        return code;
    err->code = code;
    err->registry_code = 0;
    err->http_status = 0;
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(err->message, sizeof(err->message), fmt, ap);
    va_end(ap);
    return code;
}
