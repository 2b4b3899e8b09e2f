/*
 * cli.h - what the avroreg subcommands share.
 *
 * Exit codes, for people and CI alike: 0 success, 1 the schema is invalid or
 * incompatible (or the check failed), 2 usage or I/O error.
 */
#ifndef SR_CLI_CLI_H
#define SR_CLI_CLI_H

#include <stdbool.h>
#include <stddef.h>

#include "common/error.h"
#include "schemas/schema.h"

enum { CLI_OK = 0, CLI_FAILED = 1, CLI_USAGE = 2 };

struct cli_command {
    const char *name;
    const char *summary;
    int (*run)(int argc, char **argv); /* argv[0] is the command name */
    void (*help)(void);
};

/* Reads a whole file ("-" for stdin) into a NUL-terminated heap buffer the
 * caller frees. Errors: SR_ERR_IO with the reason. */
enum sr_err cli_read_file(const char *path, char **out, size_t *len_out, struct sr_error *err);

/* Reads and parses a schema file. On failure prints "<path>: <message>" to
 * stderr and returns CLI_FAILED (invalid schema) or CLI_USAGE (unreadable). */
int cli_load_schema(const char *path, struct sr_schema **out);

/* True when arg is "-h" or "--help". */
bool cli_is_help(const char *arg);

/* Offline subcommands (cmd_offline.c). */
int cmd_lint(int argc, char **argv);
int cmd_canonical(int argc, char **argv);
int cmd_fingerprint(int argc, char **argv);
int cmd_compat(int argc, char **argv);
int cmd_check(int argc, char **argv);
void help_lint(void);
void help_canonical(void);
void help_fingerprint(void);
void help_compat(void);
void help_check(void);

#endif
