/*
 * cmd_registry.c - the subcommands that talk to a registry: register, get,
 * subjects, and check --subject.
 */
#include <getopt.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <jansson.h>

#include "cli/cli.h"
#include "common/buf.h"
#include "include/avroreg.h"

#define DEFAULT_REGISTRY "http://localhost:8081"

const char *cli_registry_url(const char *flag)
{
    const char *env = getenv("AVROREG_REGISTRY_URL");
    return flag ? flag : env && *env ? env : DEFAULT_REGISTRY;
}

struct cli_registry_options cli_registry_options;

static const char *const registry_flags[] = {"--user", "--tls-ca", "--tls-cert", "--tls-key"};

/* The slot of cli_registry_options for registry_flags[i]. */
static const char **registry_slot(size_t i)
{
    const char **slots[] = {&cli_registry_options.user, &cli_registry_options.ca_file,
                            &cli_registry_options.cert_file, &cli_registry_options.key_file};
    return slots[i];
}

/* Whether arg is one of the flags (then *slot and *value, NULL when the
 * value is the next argument). */
static bool registry_flag(const char *arg, const char ***slot, const char **value)
{
    for (size_t i = 0; i < sizeof registry_flags / sizeof registry_flags[0]; i++) {
        size_t n = strlen(registry_flags[i]);
        if (strncmp(arg, registry_flags[i], n) != 0 || (arg[n] && arg[n] != '='))
            continue;
        *slot = registry_slot(i);
        *value = arg[n] == '=' ? arg + n + 1 : NULL;
        return true;
    }
    return false;
}

/* Whether command has its own connection options (migrate_cli.h). */
static bool own_connection(const char *command)
{
    static const char *const own[] = {"export", "import", "migrate"};
    for (size_t i = 0; i < sizeof own / sizeof own[0]; i++)
        if (strcmp(command, own[i]) == 0)
            return true;
    return false;
}

int cli_take_registry_options(int *argc, char **argv)
{
    int out = 1;
    bool taken = false, command_seen = false;
    for (int i = 1; i < *argc; i++) {
        const char **slot, *value;
        bool rest = strcmp(argv[i], "--") == 0;
        if (!rest && !command_seen && argv[i][0] != '-') {
            command_seen = true; /* the first word that is not an option */
            rest = own_connection(argv[i]);
            if (rest && taken) {
                fprintf(stderr,
                        "avroreg: %s takes its own connection options (see 'avroreg %s "
                        "--help')\n",
                        argv[i], argv[i]);
                return CLI_USAGE;
            }
        }
        if (rest) {
            while (i < *argc)
                argv[out++] = argv[i++];
            break;
        }
        if (!registry_flag(argv[i], &slot, &value)) {
            argv[out++] = argv[i];
            continue;
        }
        if (!value && i + 1 >= *argc) {
            fprintf(stderr, "avroreg: %s needs a value\n", argv[i]);
            return CLI_USAGE;
        }
        *slot = value ? value : argv[++i];
        taken = true;
    }
    *argc = out;
    argv[out] = NULL;
    return CLI_OK;
}

const char *cli_registry_options_help(void)
{
    return "registry options (any command that talks to a registry; each also from the\n"
           "environment variable shown):\n"
           "  --user NAME[:PASSWORD]   basic auth (AVROREG_REGISTRY_USER; the password from\n"
           "                           AVROREG_REGISTRY_PASSWORD when not given here)\n"
           "  --tls-ca FILE            CA bundle for the registry's certificate\n"
           "                           (AVROREG_REGISTRY_CA_FILE)\n"
           "  --tls-cert FILE          client certificate, PEM (AVROREG_REGISTRY_CERT_FILE)\n"
           "  --tls-key FILE           its key, PEM (AVROREG_REGISTRY_KEY_FILE)\n";
}

int cli_client(const char *url, struct avroreg_client **out)
{
    const struct cli_registry_options *o = &cli_registry_options;
    struct avroreg_client_config cfg = {
        .url = url, .ca_file = o->ca_file, .cert_file = o->cert_file, .key_file = o->key_file};
    char *user = o->user ? strdup(o->user) : NULL;
    if (user) {
        char *colon = strchr(user, ':');
        if (colon)
            *colon = '\0';
        cfg.username = user;
        cfg.password = colon ? colon + 1 : getenv("AVROREG_REGISTRY_PASSWORD");
    }
    avroreg_client_config_from_env(&cfg);
    struct avroreg_error err = {0};
    int rc = CLI_OK;
    if (o->user && !user) {
        fprintf(stderr, "avroreg: out of memory\n");
        rc = CLI_USAGE;
    } else if (avroreg_client_new(&cfg, out, &err)) {
        fprintf(stderr, "avroreg: %s\n", err.message);
        rc = CLI_USAGE;
    }
    free(user);
    return rc;
}

int cli_report(const struct avroreg_error *err)
{
    if (err->registry_code)
        fprintf(stderr, "avroreg: registry error %d: %s\n", err->registry_code, err->message);
    else
        fprintf(stderr, "avroreg: %s\n", err->message);
    /* The registry refusing the schema is a failed check, not a usage error. */
    bool refused = err->registry_code == 409 || err->registry_code == 42201 ||
                   err->code == AVROREG_ERR_INVALID_SCHEMA || err->code == AVROREG_ERR_INCOMPATIBLE;
    return refused ? CLI_FAILED : CLI_USAGE;
}

/* ---- register ------------------------------------------------------------------ */

void help_register(void)
{
    printf("usage: avroreg register --subject S [--registry URL] FILE\n\n"
           "Registers the schema in FILE under subject S and prints its id.\n"
           "The registry is --registry, else $AVROREG_REGISTRY_URL, else %s\n"
           "(credentials and TLS: see 'avroreg --help').\n"
           "Exit 0 registered, 1 refused (invalid or incompatible), 2 usage or I/O error.\n",
           DEFAULT_REGISTRY);
}

int cmd_register(int argc, char **argv)
{
    static const struct option opts[] = {{"subject", required_argument, NULL, 's'},
                                         {"registry", required_argument, NULL, 'r'},
                                         {NULL, 0, NULL, 0}};
    const char *subject = NULL, *registry = NULL;
    int c;
    optind = 1;
    while ((c = getopt_long(argc, argv, "", opts, NULL)) != -1) {
        if (c == 's')
            subject = optarg;
        else if (c == 'r')
            registry = optarg;
        else
            return help_register(), CLI_USAGE;
    }
    if (!subject || argc - optind != 1)
        return help_register(), CLI_USAGE;
    char *text = NULL;
    size_t len = 0;
    if (cli_slurp(argv[optind], &text, &len))
        return CLI_USAGE;
    struct avroreg_client *client = NULL;
    int rc = cli_client(cli_registry_url(registry), &client);
    struct avroreg_error err = {0};
    int32_t id = 0;
    if (!rc && avroreg_client_register(client, subject, text, &id, &err))
        rc = cli_report(&err);
    else if (!rc)
        printf("%d\n", id);
    avroreg_client_free(client);
    free(text);
    return rc;
}

/* ---- get ------------------------------------------------------------------------- */

void help_get(void)
{
    printf("usage: avroreg get --id N [--registry URL]\n"
           "       avroreg get --subject S [--version V] [--registry URL]\n\n"
           "Prints a schema's canonical text: by global id, or a subject's version\n"
           "(V is a number or latest; the default is latest).\n");
}

int cmd_get(int argc, char **argv)
{
    static const struct option opts[] = {{"id", required_argument, NULL, 'i'},
                                         {"subject", required_argument, NULL, 's'},
                                         {"version", required_argument, NULL, 'v'},
                                         {"registry", required_argument, NULL, 'r'},
                                         {NULL, 0, NULL, 0}};
    const char *id = NULL, *subject = NULL, *version = "latest", *registry = NULL;
    int c;
    optind = 1;
    while ((c = getopt_long(argc, argv, "", opts, NULL)) != -1) {
        if (c == 'i')
            id = optarg;
        else if (c == 's')
            subject = optarg;
        else if (c == 'v')
            version = optarg;
        else if (c == 'r')
            registry = optarg;
        else
            return help_get(), CLI_USAGE;
    }
    if ((!id == !subject) || optind != argc)
        return help_get(), CLI_USAGE;
    long id_num = 0, version_num = -1; /* -1: the client's "latest" */
    if (id && cli_parse_number("--id", id, 1, INT32_MAX, &id_num))
        return CLI_USAGE;
    if (strcmp(version, "latest") != 0 &&
        cli_parse_number("--version", version, 1, INT32_MAX, &version_num))
        return CLI_USAGE;
    struct avroreg_client *client = NULL;
    int rc = cli_client(cli_registry_url(registry), &client);
    struct avroreg_error err = {0};
    const struct avroreg_schema *schema = NULL;
    int32_t got_id, got_version;
    if (!rc) {
        enum avroreg_err got =
            id ? avroreg_client_get_by_id(client, (int32_t)id_num, &schema, &err)
               : avroreg_client_get_version(client, subject, (int32_t)version_num, &got_id,
                                            &got_version, &schema, &err);
        if (got)
            rc = cli_report(&err);
    }
    if (!rc)
        printf("%s\n", avroreg_schema_text(schema));
    avroreg_client_free(client);
    return rc;
}

/* ---- subjects ---------------------------------------------------------------------- */

void help_subjects(void)
{
    printf("usage: avroreg subjects [--registry URL]\n\nLists the subjects, one per line.\n");
}

int cmd_subjects(int argc, char **argv)
{
    static const struct option opts[] = {{"registry", required_argument, NULL, 'r'},
                                         {NULL, 0, NULL, 0}};
    const char *registry = NULL;
    int c;
    optind = 1;
    while ((c = getopt_long(argc, argv, "", opts, NULL)) != -1) {
        if (c != 'r')
            return help_subjects(), CLI_USAGE;
        registry = optarg;
    }
    if (optind != argc)
        return help_subjects(), CLI_USAGE;
    struct avroreg_client *client = NULL;
    int rc = cli_client(cli_registry_url(registry), &client);
    struct avroreg_error err = {0};
    char **subjects = NULL;
    size_t n = 0;
    if (!rc && avroreg_client_subjects(client, &subjects, &n, &err))
        rc = cli_report(&err);
    for (size_t i = 0; i < n; i++) {
        if (!rc)
            printf("%s\n", subjects[i]);
        avroreg_free(subjects[i]);
    }
    avroreg_free(subjects);
    avroreg_client_free(client);
    return rc;
}

/* ---- check --subject ------------------------------------------------------------------- */

/* POST /compatibility/subjects/S/versions?verbose=true: the check registration runs. */
int cli_check_subject(const char *registry, const char *subject, const char *path, bool json)
{
    char *text = NULL;
    size_t len = 0;
    if (cli_slurp(path, &text, &len))
        return CLI_USAGE;
    json_t *req = json_pack("{s:s}", "schema", text);
    char *body = req ? json_dumps(req, JSON_COMPACT) : NULL;
    char *encoded = avroreg_url_encode(subject);
    struct sr_buf url = SR_BUF_INIT;
    sr_buf_addf(&url, "/compatibility/subjects/%s/versions?verbose=true", encoded ? encoded : "");
    struct avroreg_client *client = NULL;
    int rc = body && encoded ? cli_client(cli_registry_url(registry), &client) : CLI_USAGE;
    long status = 0;
    char *answer = NULL;
    struct avroreg_error err = {0};
    if (!rc &&
        avroreg_client_request(client, "POST", sr_buf_str(&url), body, &status, &answer, &err))
        rc = cli_report(&err);
    if (!rc)
        rc = cli_print_verdict(path, status, answer, json);
    avroreg_free(answer);
    avroreg_client_free(client);
    sr_buf_release(&url);
    avroreg_free(encoded);
    free(body);
    json_decref(req);
    free(text);
    return rc;
}

int cli_print_verdict(const char *path, long status, const char *answer, bool json)
{
    json_t *doc = answer ? json_loads(answer, 0, NULL) : NULL;
    int rc = CLI_USAGE;
    if (status != 200) {
        const char *msg = json_string_value(json_object_get(doc, "message"));
        fprintf(stderr, "avroreg: registry error %lld: %s\n",
                (long long)json_integer_value(json_object_get(doc, "error_code")),
                msg ? msg : (answer ? answer : "no answer"));
        rc = status == 422 ? CLI_FAILED : CLI_USAGE;
    } else if (json_is_boolean(json_object_get(doc, "is_compatible"))) {
        bool ok = json_is_true(json_object_get(doc, "is_compatible"));
        if (json)
            printf("%s\n", answer);
        else {
            printf("%s: %s\n", path, ok ? "compatible" : "incompatible");
            json_t *msg;
            size_t i;
            json_array_foreach(json_object_get(doc, "messages"), i, msg)
            {
                const char *text = json_string_value(msg);
                printf("  %s\n", text ? text : "?");
            }
        }
        rc = ok ? CLI_OK : CLI_FAILED;
    } else {
        fprintf(stderr, "avroreg: unexpected answer from the registry: %s\n", answer);
    }
    json_decref(doc);
    return rc;
}
