/*
 * cmd_offline.c - the subcommands that need no registry: lint, canonical,
 * fingerprint, compat and check.
 */
#include <getopt.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <jansson.h>

#include "cli/cli.h"
#include "compat/compat.h"

void help_lint(void)
{
    printf("usage: avroreg lint [--strict] FILE...\n\n"
           "Checks that each file holds a valid Avro schema, as Confluent's registry\n"
           "would judge a new registration. Prints one line per invalid file.\n"
           "--strict applies the rules of Avro 1.12.2 the registry does not: ASCII-only\n"
           "names, and no {\"type\": \"Name\"} for a named type (AVRO-4176).\n"
           "Exit 0 if all are valid, 1 if any is invalid, 2 if a file cannot be read.\n");
}

int cmd_lint(int argc, char **argv)
{
    int first = argc > 1 && strcmp(argv[1], "--strict") == 0 ? 2 : 1;
    if (argc <= first) {
        help_lint();
        return CLI_USAGE;
    }
    struct sr_parse_opts opts = {.validate_defaults = true};
    opts.strict_names = opts.strict_type_objects = first == 2;
    int worst = CLI_OK;
    for (int i = first; i < argc; i++) {
        struct sr_schema *s = NULL;
        int rc = cli_load_schema_with(argv[i], &opts, &s);
        sr_schema_free(s);
        if (rc > worst)
            worst = rc;
    }
    return worst;
}

void help_canonical(void)
{
    printf("usage: avroreg canonical [--pcf] FILE\n\n"
           "Prints the canonical text the registry stores for the schema (what Avro Java's\n"
           "Schema.toString() prints), or with --pcf its Parsing Canonical Form.\n");
}

int cmd_canonical(int argc, char **argv)
{
    bool pcf = false;
    const char *path = NULL;
    for (int i = 1; i < argc; i++) {
        if (strcmp(argv[i], "--pcf") == 0)
            pcf = true;
        else if (!path && (argv[i][0] != '-' || strcmp(argv[i], "-") == 0))
            path = argv[i];
        else {
            help_canonical();
            return CLI_USAGE;
        }
    }
    if (!path) {
        help_canonical();
        return CLI_USAGE;
    }
    struct sr_schema *s = NULL;
    int rc = cli_load_schema(path, &s);
    if (rc)
        return rc;
    if (pcf) {
        char *text = sr_schema_pcf(s, NULL);
        if (!text) {
            fprintf(stderr, "avroreg: out of memory\n");
            rc = CLI_USAGE;
        } else {
            printf("%s\n", text);
        }
        free(text);
    } else {
        printf("%s\n", sr_schema_canonical(s, NULL));
    }
    sr_schema_free(s);
    return rc;
}

void help_fingerprint(void)
{
    printf("usage: avroreg fingerprint FILE\n\n"
           "Prints the CRC-64-AVRO fingerprint of the schema's Parsing Canonical Form as a\n"
           "signed 64-bit decimal, the form the Avro specification's test vectors use.\n");
}

int cmd_fingerprint(int argc, char **argv)
{
    if (argc != 2) {
        help_fingerprint();
        return CLI_USAGE;
    }
    struct sr_schema *s = NULL;
    int rc = cli_load_schema(argv[1], &s);
    if (rc)
        return rc;
    struct sr_error err = {0};
    int64_t fp = sr_schema_fingerprint(s, &err);
    sr_schema_free(s);
    if (err.code) {
        fprintf(stderr, "avroreg: %s\n", err.message);
        return CLI_USAGE;
    }
    printf("%" PRId64 "\n", fp);
    return CLI_OK;
}

void help_compat(void)
{
    printf("usage: avroreg compat --reader R.avsc --writer W.avsc [--json]\n\n"
           "Can data written with W be read with R? Answers as Avro Java's\n"
           "SchemaCompatibility does: the verdict and every incompatibility with its\n"
           "type, location (a JSON pointer into R) and message.\n"
           "--json prints {\"compatible\": bool, \"incompatibilities\": [{\"type\",\"location\","
           "\"message\"}]}.\n"
           "Exit 0 compatible, 1 incompatible or invalid, 2 usage or I/O error.\n");
}

static void print_compat_json(const struct sr_compat_result *r)
{
    json_t *list = json_array();
    for (size_t i = 0; i < r->count; i++)
        json_array_append_new(
            list, json_pack("{s:s,s:s,s:s}", "type", sr_incompat_type_name(r->items[i].type),
                            "location", r->items[i].location, "message", r->items[i].message));
    json_t *doc = json_pack("{s:b,s:o}", "compatible", r->compatible, "incompatibilities", list);
    if (r->exception)
        json_object_set_new(doc, "exception", json_string(r->exception));
    char *text = json_dumps(doc, JSON_COMPACT | JSON_PRESERVE_ORDER);
    printf("%s\n", text ? text : "{}");
    free(text);
    json_decref(doc);
}

static void print_compat_text(const struct sr_compat_result *r)
{
    if (r->compatible) {
        printf("compatible\n");
        return;
    }
    printf("incompatible\n");
    if (r->exception)
        printf("  %s\n", r->exception);
    for (size_t i = 0; i < r->count; i++)
        printf("  %s at %s: %s\n", sr_incompat_type_name(r->items[i].type), r->items[i].location,
               r->items[i].message);
}

int cmd_compat(int argc, char **argv)
{
    static const struct option opts[] = {{"reader", required_argument, NULL, 'r'},
                                         {"writer", required_argument, NULL, 'w'},
                                         {"json", no_argument, NULL, 'j'},
                                         {NULL, 0, NULL, 0}};
    const char *reader_path = NULL, *writer_path = NULL;
    bool json = false;
    int c;
    optind = 1;
    while ((c = getopt_long(argc, argv, "", opts, NULL)) != -1) {
        if (c == 'r')
            reader_path = optarg;
        else if (c == 'w')
            writer_path = optarg;
        else if (c == 'j')
            json = true;
        else
            return help_compat(), CLI_USAGE;
    }
    if (!reader_path || !writer_path || optind != argc)
        return help_compat(), CLI_USAGE;
    struct sr_schema *reader = NULL, *writer = NULL;
    int rc = cli_load_schema(reader_path, &reader);
    if (!rc)
        rc = cli_load_schema(writer_path, &writer);
    struct sr_compat_result result = {0};
    struct sr_error err = {0};
    if (!rc && sr_compat_check(sr_schema_root(reader), sr_schema_root(writer), &result, &err)) {
        fprintf(stderr, "avroreg: %s\n", err.message);
        rc = CLI_USAGE;
    } else if (!rc) {
        (json ? print_compat_json : print_compat_text)(&result);
        rc = result.compatible ? CLI_OK : CLI_FAILED;
    }
    sr_compat_result_release(&result);
    sr_schema_free(reader);
    sr_schema_free(writer);
    return rc;
}

void help_check(void)
{
    printf("usage: avroreg check [--level LEVEL] [--json] NEW.avsc PREVIOUS.avsc...\n"
           "       avroreg check --subject S [--registry URL] [--json] FILE\n"
           "       avroreg check --git BASE [--level LEVEL] [PATH...]\n\n"
           "The first form: would a registry at LEVEL accept NEW after the PREVIOUS versions\n"
           "(oldest first)? LEVEL is NONE, BACKWARD (default), BACKWARD_TRANSITIVE, FORWARD,\n"
           "FORWARD_TRANSITIVE, FULL or FULL_TRANSITIVE. The report uses Confluent's messages.\n"
           "--subject asks the registry whether FILE would be accepted under subject S, at\n"
           "the subject's own level.\n"
           "--git checks every .avsc file (under PATHs, if given) that was added or changed\n"
           "since git revision BASE against its version at BASE, with no registry: the CI\n"
           "gate for a pull request.\n"
           "Exit 0 compatible, 1 incompatible or invalid, 2 usage, I/O or git error.\n");
}

static int report_check(bool json, enum sr_compat_level level, bool ok,
                        const struct sr_strlist *msgs)
{
    if (json) {
        json_t *list = json_array();
        for (size_t i = 0; i < msgs->count; i++)
            json_array_append_new(list, json_string(msgs->items[i]));
        json_t *doc = json_pack("{s:b,s:s,s:o}", "compatible", ok, "level",
                                sr_compat_level_name(level), "messages", list);
        char *text = json_dumps(doc, JSON_COMPACT | JSON_PRESERVE_ORDER);
        printf("%s\n", text ? text : "{}");
        free(text);
        json_decref(doc);
    } else {
        printf("%s under %s\n", ok ? "compatible" : "incompatible", sr_compat_level_name(level));
        for (size_t i = 0; i < msgs->count; i++)
            printf("  %s\n", msgs->items[i]);
    }
    return ok ? CLI_OK : CLI_FAILED;
}

static int run_check(enum sr_compat_level level, bool json, char **paths, int count)
{
    struct sr_schema **schemas = calloc((size_t)count, sizeof(*schemas));
    struct sr_compat_prev *prev = calloc((size_t)count, sizeof(*prev));
    int rc = schemas && prev ? CLI_OK : CLI_USAGE;
    for (int i = 0; !rc && i < count; i++)
        rc = cli_load_schema(paths[i], &schemas[i]);
    struct sr_strlist msgs = {0};
    if (!rc) {
        for (int i = 1; i < count; i++)
            prev[i - 1] = (struct sr_compat_prev){schemas[i], i};
        bool ok = false;
        struct sr_error err = {0};
        if (sr_compat_check_level(level, schemas[0], prev, (size_t)count - 1, &ok, &msgs, &err)) {
            fprintf(stderr, "avroreg: %s\n", err.message);
            rc = CLI_USAGE;
        } else {
            rc = report_check(json, level, ok, &msgs);
        }
    }
    sr_strlist_release(&msgs);
    for (int i = 0; schemas && i < count; i++)
        sr_schema_free(schemas[i]);
    free(schemas);
    free(prev);
    return rc;
}

int cmd_check(int argc, char **argv)
{
    static const struct option opts[] = {
        {"level", required_argument, NULL, 'l'},   {"json", no_argument, NULL, 'j'},
        {"subject", required_argument, NULL, 's'}, {"registry", required_argument, NULL, 'r'},
        {"git", required_argument, NULL, 'g'},     {NULL, 0, NULL, 0}};
    enum sr_compat_level level = SR_LEVEL_BACKWARD;
    const char *subject = NULL, *registry = NULL, *git_base = NULL;
    bool json = false;
    int c;
    optind = 1;
    while ((c = getopt_long(argc, argv, "", opts, NULL)) != -1) {
        if (c == 'l' && sr_compat_level_parse(optarg, &level))
            continue;
        if (c == 'j' || c == 's' || c == 'r' || c == 'g') {
            json |= c == 'j';
            subject = c == 's' ? optarg : subject;
            registry = c == 'r' ? optarg : registry;
            git_base = c == 'g' ? optarg : git_base;
            continue;
        }
        if (c == 'l')
            fprintf(stderr, "avroreg: unknown level '%s'\n", optarg);
        help_check();
        return CLI_USAGE;
    }
    if (git_base && !subject)
        return cli_check_git(git_base, level, argv + optind, argc - optind);
    if (subject && !git_base && argc - optind == 1)
        return cli_check_subject(registry, subject, argv[optind], json);
    if (subject || git_base || argc - optind < 2) {
        help_check();
        return CLI_USAGE;
    }
    return run_check(level, json, argv + optind, argc - optind);
}
