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
#include "compat/compat.h"
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

/* cli_read_file, printing "<path>: <reason>" on failure; returns CLI_OK or CLI_USAGE. */
int cli_slurp(const char *path, char **out, size_t *len_out);

/* Reads and parses a schema file. On failure prints "<path>: <message>" to
 * stderr and returns CLI_FAILED (invalid schema) or CLI_USAGE (unreadable). */
int cli_load_schema(const char *path, struct sr_schema **out);
/* The same with parser options (NULL: the registry's defaults). */
int cli_load_schema_with(const char *path, const struct sr_parse_opts *opts,
                         struct sr_schema **out);

/* Parses the number given to option (for messages, e.g. "--id") whole: an
 * optional '-' then decimal digits and nothing else (no spaces, no '+', no
 * trailing text), within [min, max]. On success stores it in *out and returns
 * CLI_OK; otherwise prints "avroreg: <option> wants a whole number from <min>
 * to <max>, not '<text>'" (with max LONG_MAX: "of at least <min>") to stderr,
 * leaves *out alone and returns CLI_USAGE.
 * Every number the subcommands take goes through here. */
int cli_parse_number(const char *option, const char *text, long min, long max, long *out);

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

/* Registry commands (cmd_registry.c). */
int cmd_register(int argc, char **argv);
int cmd_get(int argc, char **argv);
int cmd_subjects(int argc, char **argv);
void help_register(void);
void help_get(void);
void help_subjects(void);
/* --registry, else $AVROREG_REGISTRY_URL, else http://localhost:8081. */
const char *cli_registry_url(const char *flag);

/* The registry's credentials and TLS files, given anywhere on the command
 * line (main() takes them out of argv before the command sees it):
 *   --user NAME[:PASSWORD]   basic auth; without ":PASSWORD" the password
 *                            comes from $AVROREG_REGISTRY_PASSWORD
 *   --tls-ca FILE            CA bundle that signed the registry's certificate
 *   --tls-cert FILE          client certificate (mutual TLS)
 *   --tls-key FILE           its private key (default: in --tls-cert)
 * Each falls back to its variable: AVROREG_REGISTRY_USER (and _PASSWORD),
 * AVROREG_REGISTRY_CA_FILE, AVROREG_REGISTRY_CERT_FILE,
 * AVROREG_REGISTRY_KEY_FILE. */
struct cli_registry_options {
    const char *user; /* as given, NAME or NAME:PASSWORD */
    const char *ca_file, *cert_file, *key_file;
};
extern struct cli_registry_options cli_registry_options;
/* Takes the options above out of argv[1..*argc) (both "--opt VALUE" and
 * "--opt=VALUE"), shortening *argc. Returns CLI_OK, or CLI_USAGE (printed)
 * when one lacks its value. Stops at "--", and at the commands that have
 * connection options of their own (export, import, migrate: their --user
 * is theirs); given before one of those, the options are a usage error. */
int cli_take_registry_options(int *argc, char **argv);
/* The help text for them (static). */
const char *cli_registry_options_help(void);

/* Makes a client for url with the options above; prints the reason and
 * returns CLI_USAGE on failure. */
struct avroreg_client;
int cli_client(const char *url, struct avroreg_client **out);
/* Prints a client error as a one-liner with the registry's error_code; returns
 * CLI_FAILED when the registry refused the schema, else CLI_USAGE. */
struct avroreg_error;
int cli_report(const struct avroreg_error *err);
int cli_check_subject(const char *registry, const char *subject, const char *path, bool json);
/* Prints a /compatibility answer; exit code by its verdict. */
int cli_print_verdict(const char *path, long status, const char *answer, bool json);

/* The CI gate (cmd_git.c). */
int cli_check_git(const char *base, enum sr_compat_level level, char **paths, int path_count);

/* Authfile entries (cmd_passwd.c). */
int cmd_passwd(int argc, char **argv);
void help_passwd(void);

/* Kafka commands (cmd_kafka.c). */
int cmd_produce(int argc, char **argv);
int cmd_consume(int argc, char **argv);
int cmd_broker(int argc, char **argv);
void help_produce(void);
void help_consume(void);
void help_broker(void);

/* Moving registries (cmd_export.c, cmd_import.c, cmd_migrate.c, cmd_backup.c). */
int cmd_export(int argc, char **argv);
int cmd_import(int argc, char **argv);
int cmd_migrate(int argc, char **argv);
int cmd_backup(int argc, char **argv);
void help_export(void);
void help_import(void);
void help_migrate(void);
void help_backup(void);

#endif
