/*
 * main.c - avroreg: the command line tool for people and CI.
 * git-style subcommands; see cli.h for the exit codes.
 */
#include <stdio.h>
#include <string.h>

#include "cli/cli.h"
#include "cli/cmd_copy.h"
#include "common/jalloc.h"

static const struct cli_command commands[] = {
    {"lint", "check that schema files are valid Avro", cmd_lint, help_lint},
    {"canonical", "print a schema's canonical text or Parsing Canonical Form", cmd_canonical,
     help_canonical},
    {"fingerprint", "print the CRC-64-AVRO fingerprint of a schema", cmd_fingerprint,
     help_fingerprint},
    {"compat", "can a reader schema read what a writer schema wrote?", cmd_compat, help_compat},
    {"check", "would a registry (or a level) accept a new schema? also the CI gate (--git)",
     cmd_check, help_check},
    {"register", "register a schema under a subject", cmd_register, help_register},
    {"get", "print a schema by id, or a subject's version", cmd_get, help_get},
    {"subjects", "list the registry's subjects", cmd_subjects, help_subjects},
    {"produce", "produce JSON lines from stdin to Kafka as framed Avro", cmd_produce, help_produce},
    {"consume", "consume framed Avro from Kafka and print JSON lines", cmd_consume, help_consume},
    {"broker", "run the bundled development Kafka broker", cmd_broker, help_broker},
    {"export", "write a registry's whole state to a file", cmd_export, help_export},
    {"import", "load an export or a _schemas topic into a registry, ids kept", cmd_import,
     help_import},
    {"migrate", "copy one registry into another, ids kept, and verify", cmd_migrate, help_migrate},
    {"backup", "copy the SQLite store consistently while the server runs", cmd_backup, help_backup},
    {"copy", "copy a registry's database into another (SQLite to PostgreSQL)", cmd_copy, help_copy},
    {"passwd", "print an authfile entry for a user (the registry's --auth-file)", cmd_passwd,
     help_passwd},
};

#define COMMAND_COUNT (sizeof(commands) / sizeof(commands[0]))

static void usage(FILE *out)
{
    fprintf(out, "usage: avroreg <command> [options] [args]\n\ncommands:\n");
    for (size_t i = 0; i < COMMAND_COUNT; i++)
        fprintf(out, "  %-12s %s\n", commands[i].name, commands[i].summary);
    fprintf(out, "\n%s", cli_registry_options_help());
    fprintf(out, "\n'avroreg <command> --help' describes a command.\n"
                 "exit codes: 0 success, 1 invalid or incompatible, 2 usage or I/O error\n");
}

int main(int argc, char **argv)
{
    sr_jalloc_install();
    if (cli_take_registry_options(&argc, argv) != CLI_OK)
        return CLI_USAGE;
    if (argc < 2) {
        usage(stderr);
        return CLI_USAGE;
    }
    if (cli_is_help(argv[1]) || strcmp(argv[1], "help") == 0) {
        usage(stdout);
        return CLI_OK;
    }
    for (size_t i = 0; i < COMMAND_COUNT; i++) {
        if (strcmp(argv[1], commands[i].name) != 0)
            continue;
        for (int a = 2; a < argc; a++)
            if (cli_is_help(argv[a])) {
                commands[i].help();
                return CLI_OK;
            }
        return commands[i].run(argc - 1, argv + 1);
    }
    fprintf(stderr, "avroreg: unknown command '%s'\n\n", argv[1]);
    usage(stderr);
    return CLI_USAGE;
}
