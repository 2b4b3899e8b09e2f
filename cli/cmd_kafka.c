/*
 * cmd_kafka.c - produce, consume and broker: JSON lines to and from Kafka as
 * Confluent-framed Avro, and the bundled development broker.
 */
#include <getopt.h>
#include <limits.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include <jansson.h>

#include "cli/cli.h"
#include "include/avroreg.h"
#include "include/avroreg_kafka.h"

static volatile sig_atomic_t stop_requested;

static void on_stop_signal(int sig)
{
    (void)sig;
    stop_requested = 1;
}

static void catch_stop_signals(void)
{
    struct sigaction sa = {0};
    sa.sa_handler = on_stop_signal;
    sigemptyset(&sa.sa_mask);
    sigaction(SIGINT, &sa, NULL);
    sigaction(SIGTERM, &sa, NULL);
}

static const char *broker_default(const char *flag)
{
    const char *env = getenv("AVROREG_BROKER");
    return flag ? flag : env && *env ? env : NULL;
}

static int load_schema_file(const char *path, struct avroreg_schema **out)
{
    char *text = NULL;
    size_t len = 0;
    if (cli_slurp(path, &text, &len))
        return CLI_USAGE;
    struct avroreg_error err = {0};
    enum avroreg_err rc = avroreg_schema_parse(text, len, out, &err);
    free(text);
    if (rc) {
        fprintf(stderr, "%s: %s\n", path, err.message);
        return CLI_FAILED;
    }
    return CLI_OK;
}

static rd_kafka_t *new_kafka(rd_kafka_type_t type, rd_kafka_conf_t *conf)
{
    char errstr[512];
    rd_kafka_t *rk = rd_kafka_new(type, conf, errstr, sizeof(errstr));
    if (!rk) {
        fprintf(stderr, "avroreg: %s\n", errstr);
        rd_kafka_conf_destroy(conf);
    }
    return rk;
}

static bool conf_set(rd_kafka_conf_t *conf, const char *key, const char *value)
{
    char errstr[512];
    if (rd_kafka_conf_set(conf, key, value, errstr, sizeof(errstr)) == RD_KAFKA_CONF_OK)
        return true;
    fprintf(stderr, "avroreg: %s\n", errstr);
    return false;
}

/* ---- produce ---------------------------------------------------------------------- */

void help_produce(void)
{
    printf("usage: avroreg produce --broker B --topic T --value-schema FILE [--key-schema FILE]\n"
           "                       [--registry URL]\n\n"
           "Reads JSON lines (the Avro JSON encoding) from stdin and produces them to topic T\n"
           "as Confluent-framed Avro, registering the schemas under T-value (and T-key) first.\n"
           "With --key-schema each line is {\"key\": ..., \"value\": ...}. B defaults to\n"
           "$AVROREG_BROKER. Exit 0 when every message was delivered, 1 on an invalid line\n"
           "or a delivery failure, 2 on usage errors.\n");
}

struct producer_state {
    rd_kafka_t *rk;
    struct avroreg_serializer *key, *value;
    const char *topic;
    long failed;     /* delivery failures, counted by the delivery callback */
    long since_poll; /* messages queued since the last rd_kafka_poll() */
};

static void on_delivery(rd_kafka_t *rk, const rd_kafka_message_t *msg, void *opaque)
{
    (void)rk;
    struct producer_state *st = opaque;
    if (msg->err && st->failed++ == 0)
        fprintf(stderr, "avroreg: delivery failed: %s\n", rd_kafka_err2str(msg->err));
}

/* One input line: the value, or {"key","value"} with a key serializer. */
static enum avroreg_err produce_line(struct producer_state *st, const char *line,
                                     struct avroreg_error *err)
{
    char *key_text = NULL, *value_text = NULL;
    const char *value = line;
    if (st->key) {
        json_t *doc = json_loads(line, JSON_DECODE_ANY, NULL);
        json_t *k = json_object_get(doc, "key"), *v = json_object_get(doc, "value");
        key_text = k ? json_dumps(k, JSON_ENCODE_ANY | JSON_COMPACT) : NULL;
        value_text = v ? json_dumps(v, JSON_ENCODE_ANY | JSON_COMPACT) : NULL;
        json_decref(doc);
        if (!key_text || !value_text) {
            free(key_text);
            free(value_text);
            snprintf(err->message, sizeof(err->message),
                     "with --key-schema each line must be {\"key\": ..., \"value\": ...}");
            return err->code = AVROREG_ERR_INVALID_DATUM;
        }
        value = value_text;
    }
    enum avroreg_err rc;
    while ((rc = avroreg_kafka_produce_json(st->rk, st->topic, st->key, key_text, st->value, value,
                                            err)) == AVROREG_ERR_KAFKA &&
           strstr(err->message, "Queue full") && !stop_requested)
        rd_kafka_poll(st->rk, 50); /* let deliveries drain, then try again */
    /* delivery reports wait in a queue: serving them every so many messages
     * costs a lock and a clock read a batch instead of a message */
    if (++st->since_poll >= 256) {
        rd_kafka_poll(st->rk, 0);
        st->since_poll = 0;
    }
    free(key_text);
    free(value_text);
    return rc;
}

static int produce_stdin(struct producer_state *st)
{
    char *line = NULL;
    size_t cap = 0;
    ssize_t n;
    long count = 0, lineno = 0;
    int rc = CLI_OK;
    while (!stop_requested && (n = getline(&line, &cap, stdin)) > 0) {
        lineno++;
        while (n > 0 && (line[n - 1] == '\n' || line[n - 1] == '\r'))
            line[--n] = '\0';
        if (!n)
            continue;
        struct avroreg_error err = {0};
        if (produce_line(st, line, &err)) {
            if (err.registry_code)
                fprintf(stderr, "avroreg: stdin line %ld: registry error %d: %s\n", lineno,
                        err.registry_code, err.message);
            else
                fprintf(stderr, "avroreg: stdin line %ld: %s\n", lineno, err.message);
            rc = CLI_FAILED;
            break;
        }
        count++;
    }
    free(line);
    rd_kafka_flush(st->rk, 60 * 1000);
    if (rd_kafka_outq_len(st->rk) > 0 || st->failed) {
        fprintf(stderr, "avroreg: %ld message(s) not delivered\n",
                st->failed + rd_kafka_outq_len(st->rk));
        rc = rc ? rc : CLI_FAILED;
    }
    fprintf(stderr, "produced %ld message(s) to %s\n", count - st->failed, st->topic);
    return rc;
}

static rd_kafka_t *new_producer(const char *broker, struct producer_state *st)
{
    rd_kafka_conf_t *conf = rd_kafka_conf_new();
    if (!conf_set(conf, "bootstrap.servers", broker) || !conf_set(conf, "linger.ms", "5") ||
        !conf_set(conf, "batch.num.messages", "10000") ||
        !conf_set(conf, "queue.buffering.max.messages", "500000")) {
        rd_kafka_conf_destroy(conf);
        return NULL;
    }
    rd_kafka_conf_set_dr_msg_cb(conf, on_delivery);
    rd_kafka_conf_set_opaque(conf, st);
    return new_kafka(RD_KAFKA_PRODUCER, conf);
}

int cmd_produce(int argc, char **argv)
{
    static const struct option opts[] = {{"broker", required_argument, NULL, 'b'},
                                         {"topic", required_argument, NULL, 't'},
                                         {"value-schema", required_argument, NULL, 'v'},
                                         {"key-schema", required_argument, NULL, 'k'},
                                         {"registry", required_argument, NULL, 'r'},
                                         {NULL, 0, NULL, 0}};
    const char *broker = NULL, *topic = NULL, *value_path = NULL, *key_path = NULL,
               *registry = NULL;
    int c;
    optind = 1;
    while ((c = getopt_long(argc, argv, "", opts, NULL)) != -1) {
        switch (c) {
        case 'b':
            broker = optarg;
            break;
        case 't':
            topic = optarg;
            break;
        case 'v':
            value_path = optarg;
            break;
        case 'k':
            key_path = optarg;
            break;
        case 'r':
            registry = optarg;
            break;
        default:
            return help_produce(), CLI_USAGE;
        }
    }
    broker = broker_default(broker);
    if (!broker || !topic || !value_path || optind != argc)
        return help_produce(), CLI_USAGE;
    struct avroreg_schema *value_schema = NULL, *key_schema = NULL;
    struct avroreg_client *client = NULL;
    struct producer_state st = {.topic = topic};
    struct avroreg_error err = {0};
    int rc = load_schema_file(value_path, &value_schema);
    if (!rc && key_path)
        rc = load_schema_file(key_path, &key_schema);
    if (!rc)
        rc = cli_client(cli_registry_url(registry), &client);
    struct avroreg_serializer_config key_cfg = {.is_key = true};
    if (!rc && (avroreg_serializer_new(client, value_schema, topic, NULL, &st.value, &err) ||
                (key_schema &&
                 avroreg_serializer_new(client, key_schema, topic, &key_cfg, &st.key, &err))))
        rc = cli_report(&err);
    /* Register up front, so a refused schema stops us before any message. */
    int32_t id;
    if (!rc && (avroreg_serializer_id(st.value, &id, &err) ||
                (st.key && avroreg_serializer_id(st.key, &id, &err))))
        rc = cli_report(&err);
    if (!rc && !(st.rk = new_producer(broker, &st)))
        rc = CLI_USAGE;
    if (!rc) {
        catch_stop_signals();
        rc = produce_stdin(&st);
    }
    if (st.rk)
        rd_kafka_destroy(st.rk);
    avroreg_serializer_free(st.key);
    avroreg_serializer_free(st.value);
    avroreg_client_free(client);
    avroreg_schema_free(key_schema);
    avroreg_schema_free(value_schema);
    return rc;
}

/* ---- consume ------------------------------------------------------------------------ */

void help_consume(void)
{
    printf("usage: avroreg consume --broker B --topic T [--group G] [--from-beginning]\n"
           "                       [--max N] [--reader-schema FILE] [--print-key]\n"
           "                       [--idle-timeout-ms MS] [--registry URL]\n\n"
           "Consumes Confluent-framed Avro from topic T and prints one JSON line per message\n"
           "(the Avro JSON encoding; with --reader-schema resolved to that schema; with\n"
           "--print-key as {\"key\": ..., \"value\": ...}). Stops after N messages, after MS\n"
           "milliseconds without a message, or on SIGINT/SIGTERM. The group defaults to a\n"
           "fresh one.\n");
}

struct consume_opts {
    const char *broker, *topic, *group, *reader_path, *registry;
    bool from_beginning, print_key;
    long max, idle_ms;
};

static rd_kafka_t *new_consumer(const struct consume_opts *o)
{
    char group[64] = "";
    if (!o->group)
        snprintf(group, sizeof(group), "avroreg-%ld-%ld", (long)getpid(), (long)time(NULL));
    rd_kafka_conf_t *conf = rd_kafka_conf_new();
    /* The mock broker holds a departed member for the whole session timeout. */
    if (!conf_set(conf, "bootstrap.servers", o->broker) ||
        !conf_set(conf, "group.id", o->group ? o->group : group) ||
        !conf_set(conf, "session.timeout.ms", "6000") ||
        !conf_set(conf, "auto.offset.reset", o->from_beginning ? "earliest" : "latest")) {
        rd_kafka_conf_destroy(conf);
        return NULL;
    }
    rd_kafka_t *rk = new_kafka(RD_KAFKA_CONSUMER, conf);
    if (!rk)
        return NULL;
    rd_kafka_poll_set_consumer(rk);
    rd_kafka_topic_partition_list_t *topics = rd_kafka_topic_partition_list_new(1);
    rd_kafka_topic_partition_list_add(topics, o->topic, RD_KAFKA_PARTITION_UA);
    rd_kafka_resp_err_t kerr = rd_kafka_subscribe(rk, topics);
    rd_kafka_topic_partition_list_destroy(topics);
    if (kerr) {
        fprintf(stderr, "avroreg: subscribe to %s: %s\n", o->topic, rd_kafka_err2str(kerr));
        rd_kafka_destroy(rk);
        return NULL;
    }
    return rk;
}

static int print_message(struct avroreg_deserializer *des, const rd_kafka_message_t *msg,
                         bool print_key)
{
    char *key = NULL, *value = NULL;
    struct avroreg_error err = {0};
    if (avroreg_kafka_message_json(des, msg, print_key ? &key : NULL, &value, &err)) {
        fprintf(stderr, "avroreg: %s [%d] offset %lld: ", rd_kafka_topic_name(msg->rkt),
                msg->partition, (long long)msg->offset);
        return cli_report(&err);
    }
    if (print_key)
        printf("{\"key\":%s,\"value\":%s}\n", key ? key : "null", value ? value : "null");
    else
        printf("%s\n", value ? value : "null");
    avroreg_free(key);
    avroreg_free(value);
    return CLI_OK;
}

static int consume_loop(rd_kafka_t *rk, struct avroreg_deserializer *des,
                        const struct consume_opts *o)
{
    long count = 0, idle = 0;
    int rc = CLI_OK;
    while (!stop_requested && !rc && (o->max <= 0 || count < o->max)) {
        rd_kafka_message_t *msg = rd_kafka_consumer_poll(rk, 100);
        if (!msg) {
            idle += 100;
            if (o->idle_ms > 0 && idle >= o->idle_ms)
                break;
            continue;
        }
        idle = 0;
        if (msg->err == RD_KAFKA_RESP_ERR__PARTITION_EOF) {
            rd_kafka_message_destroy(msg);
            continue;
        }
        rc = print_message(des, msg, o->print_key);
        rd_kafka_message_destroy(msg);
        count++;
    }
    fflush(stdout);
    return rc;
}

/* Reads the options into *o; prints why and returns CLI_USAGE when they are wrong. */
static int parse_consume(int argc, char **argv, struct consume_opts *o)
{
    static const struct option opts[] = {{"broker", required_argument, NULL, 'b'},
                                         {"topic", required_argument, NULL, 't'},
                                         {"group", required_argument, NULL, 'g'},
                                         {"from-beginning", no_argument, NULL, 'f'},
                                         {"max", required_argument, NULL, 'm'},
                                         {"reader-schema", required_argument, NULL, 's'},
                                         {"print-key", no_argument, NULL, 'k'},
                                         {"idle-timeout-ms", required_argument, NULL, 'i'},
                                         {"registry", required_argument, NULL, 'r'},
                                         {NULL, 0, NULL, 0}};
    int c;
    optind = 1;
    while ((c = getopt_long(argc, argv, "", opts, NULL)) != -1) {
        switch (c) {
        case 'b':
            o->broker = optarg;
            break;
        case 't':
            o->topic = optarg;
            break;
        case 'g':
            o->group = optarg;
            break;
        case 'f':
            o->from_beginning = true;
            break;
        case 'm':
            if (cli_parse_number("--max", optarg, 1, LONG_MAX, &o->max))
                return CLI_USAGE;
            break;
        case 's':
            o->reader_path = optarg;
            break;
        case 'k':
            o->print_key = true;
            break;
        case 'i':
            if (cli_parse_number("--idle-timeout-ms", optarg, 0, LONG_MAX, &o->idle_ms))
                return CLI_USAGE;
            break;
        case 'r':
            o->registry = optarg;
            break;
        default:
            return help_consume(), CLI_USAGE;
        }
    }
    o->broker = broker_default(o->broker);
    if (!o->broker || !o->topic || optind != argc)
        return help_consume(), CLI_USAGE;
    return CLI_OK;
}

int cmd_consume(int argc, char **argv)
{
    struct consume_opts o = {0};
    if (parse_consume(argc, argv, &o))
        return CLI_USAGE;
    struct avroreg_schema *reader = NULL;
    struct avroreg_client *client = NULL;
    struct avroreg_deserializer *des = NULL;
    struct avroreg_error err = {0};
    rd_kafka_t *rk = NULL;
    int rc = o.reader_path ? load_schema_file(o.reader_path, &reader) : CLI_OK;
    if (!rc)
        rc = cli_client(cli_registry_url(o.registry), &client);
    if (!rc && avroreg_deserializer_new(client, reader, &des, &err))
        rc = cli_report(&err);
    if (!rc && !(rk = new_consumer(&o)))
        rc = CLI_USAGE;
    if (!rc) {
        catch_stop_signals();
        rc = consume_loop(rk, des, &o);
        rd_kafka_consumer_close(rk);
    }
    if (rk)
        rd_kafka_destroy(rk);
    avroreg_deserializer_free(des);
    avroreg_client_free(client);
    avroreg_schema_free(reader);
    return rc;
}

/* ---- broker --------------------------------------------------------------------------- */

void help_broker(void)
{
    printf("usage: avroreg broker [--brokers N] [--bootstrap-file F]\n\n"
           "Runs the bundled development broker (librdkafka's mock cluster, which speaks the\n"
           "real Kafka protocol) on loopback ports until SIGTERM or SIGINT. Prints its\n"
           "bootstrap address on stdout and writes it to F (removed again on exit).\n"
           "For development and tests: it keeps everything in memory.\n");
}

static int write_bootstrap(const char *path, const char *bootstrap)
{
    size_t len = strlen(path) + 8;
    char *tmp = malloc(len);
    if (!tmp)
        return CLI_USAGE;
    snprintf(tmp, len, "%s.tmp", path);
    FILE *f = fopen(tmp, "w");
    int rc = f && fprintf(f, "%s\n", bootstrap) > 0 && fclose(f) == 0 ? CLI_OK : CLI_USAGE;
    if (rc == CLI_OK && rename(tmp, path) != 0)
        rc = CLI_USAGE;
    if (rc)
        fprintf(stderr, "avroreg: cannot write %s\n", path);
    free(tmp);
    return rc;
}

int cmd_broker(int argc, char **argv)
{
    static const struct option opts[] = {{"brokers", required_argument, NULL, 'n'},
                                         {"bootstrap-file", required_argument, NULL, 'f'},
                                         {NULL, 0, NULL, 0}};
    long brokers = 1;
    int c;
    const char *file = NULL;
    optind = 1;
    while ((c = getopt_long(argc, argv, "", opts, NULL)) != -1) {
        if (c == 'n') {
            if (cli_parse_number("--brokers", optarg, 1, 16, &brokers))
                return CLI_USAGE;
        } else if (c == 'f') {
            file = optarg;
        } else {
            return help_broker(), CLI_USAGE;
        }
    }
    if (optind != argc)
        return help_broker(), CLI_USAGE;
    struct avroreg_broker *broker = NULL;
    struct avroreg_error err = {0};
    if (avroreg_broker_start((int)brokers, &broker, &err)) {
        fprintf(stderr, "avroreg: %s\n", err.message);
        return CLI_USAGE;
    }
    catch_stop_signals();
    printf("%s\n", avroreg_broker_bootstrap(broker));
    fflush(stdout);
    int rc = file ? write_bootstrap(file, avroreg_broker_bootstrap(broker)) : CLI_OK;
    while (!rc && !stop_requested)
        usleep(100 * 1000);
    if (file)
        unlink(file);
    avroreg_broker_stop(broker);
    return rc;
}
