/*
 * framing.c - Confluent's wire format: a zero magic byte, the schema id as a
 * big-endian 32-bit two's complement integer, then the Avro binary.
 */
#include "client/client_int.h"

void avroreg_frame_header(int32_t id, unsigned char out[AVROREG_HEADER_SIZE])
{
    uint32_t u = (uint32_t)id;
    out[0] = AVROREG_MAGIC_BYTE;
    out[1] = (unsigned char)(u >> 24);
    out[2] = (unsigned char)(u >> 16);
    out[3] = (unsigned char)(u >> 8);
    out[4] = (unsigned char)u;
}

/* The big-endian two's complement int32 at p, without implementation-defined
 * conversions. */
static int32_t read_be32(const unsigned char *p)
{
    uint32_t u = (uint32_t)p[0] << 24 | (uint32_t)p[1] << 16 | (uint32_t)p[2] << 8 | p[3];
    if (u <= INT32_MAX)
        return (int32_t)u;
    return -(int32_t)(~u) - 1;
}

enum avroreg_err avroreg_frame_parse(const void *buf, size_t len, int32_t *id_out,
                                     const void **payload_out, size_t *payload_len_out,
                                     struct avroreg_error *err)
{
    const unsigned char *p = buf;
    if (len < AVROREG_HEADER_SIZE)
        return ar_error(err, AVROREG_ERR_SHORT_BUFFER,
                        "message of %zu bytes is shorter than the %d-byte header", len,
                        AVROREG_HEADER_SIZE);
    if (!p)
        return ar_error(err, AVROREG_ERR_ARG, "message buffer is NULL");
    if (p[0] != AVROREG_MAGIC_BYTE)
        return ar_error(err, AVROREG_ERR_BAD_MAGIC, "unknown magic byte 0x%02x (expected 0x00)",
                        p[0]);
    if (id_out)
        *id_out = read_be32(p + 1);
    if (payload_out)
        *payload_out = p + AVROREG_HEADER_SIZE;
    if (payload_len_out)
        *payload_len_out = len - AVROREG_HEADER_SIZE;
    return AVROREG_OK;
}
