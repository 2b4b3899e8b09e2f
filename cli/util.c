/*
 * util.c - file reading and schema loading for the subcommands.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cli/cli.h"

/* Larger than any sane schema; bounds what a mistaken path can make us read. */
#define CLI_MAX_FILE (256u * 1024 * 1024)

enum sr_err cli_read_file(const char *path, char **out, size_t *len_out, struct sr_error *err)
{
    FILE *f = strcmp(path, "-") == 0 ? stdin : fopen(path, "rb");
    if (!f)
        return sr_errorf(err, SR_ERR_IO, "cannot open: %s", strerror(errno));
    char *data = NULL;
    size_t len = 0, cap = 0;
    enum sr_err rc = SR_OK;
    for (;;) {
        if (cap - len < 65536) {
            cap = cap ? cap * 2 : 65536;
            char *grown = cap <= CLI_MAX_FILE ? realloc(data, cap + 1) : NULL;
            if (!grown) {
                rc = sr_errorf(err, SR_ERR_IO, "file too large or out of memory");
                break;
            }
            data = grown;
        }
        size_t n = fread(data + len, 1, cap - len, f);
        len += n;
        if (n == 0) {
            if (ferror(f))
                rc = sr_errorf(err, SR_ERR_IO, "read error: %s", strerror(errno));
            break;
        }
    }
    if (f != stdin)
        fclose(f);
    if (rc) {
        free(data);
        return rc;
    }
    data[len] = '\0';
    *out = data;
    *len_out = len;
    return SR_OK;
}

int cli_slurp(const char *path, char **out, size_t *len_out)
{
    struct sr_error err = {0};
    if (cli_read_file(path, out, len_out, &err)) {
        fprintf(stderr, "%s: %s\n", path, err.message);
        return CLI_USAGE;
    }
    return CLI_OK;
}

int cli_load_schema(const char *path, struct sr_schema **out)
{
    return cli_load_schema_with(path, NULL, out);
}

int cli_load_schema_with(const char *path, const struct sr_parse_opts *opts, struct sr_schema **out)
{
    struct sr_error err = {0};
    char *text;
    size_t len;
    if (cli_read_file(path, &text, &len, &err)) {
        fprintf(stderr, "%s: %s\n", path, err.message);
        return CLI_USAGE;
    }
    enum sr_err rc = sr_schema_parse(text, len, opts, out, &err);
    free(text);
    if (rc) {
        fprintf(stderr, "%s: %s\n", path, err.message);
        return rc == SR_ERR_INVALID_SCHEMA ? CLI_FAILED : CLI_USAGE;
    }
    return CLI_OK;
}

bool cli_is_help(const char *arg)
{
    return strcmp(arg, "-h") == 0 || strcmp(arg, "--help") == 0;
}
