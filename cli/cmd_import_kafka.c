/*
 * cmd_import_kafka.c - avroreg import --kafka: replays a Confluent or
 * Karapace _schemas topic from its start into a registry, and with --follow
 * keeps applying new records until SIGINT or SIGTERM.
 *
 * The records go through struct avroreg_schemas_log (Confluent's meaning of
 * each record); when the consumer has reached the end of every partition,
 * the state is imported: the whole of it the first time, then only the
 * subjects that new records touched (mirrored: what the topic deleted is
 * deleted on the registry too).
 */
#include <librdkafka/rdkafka.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "cli/cli.h"
#include "cli/import_cli.h"

#define METADATA_TIMEOUT_MS 10000
#define POLL_MS 200

static volatile sig_atomic_t stop_requested;

static void on_stop(int sig)
{
    (void)sig;
    stop_requested = 1;
}

struct replay {
    const struct import_cli *ic;
    rd_kafka_t *rk;
    struct avroreg_schemas_log *log;
    struct avroreg_client *client;
    int partitions;
    bool *eof;     /* per partition: at the end since its last record */
    bool pending;  /* records applied since the last import */
    bool imported; /* the first import has run */
    int64_t last_offset;
    size_t applied, ignored, rejected, bad;
    char original_mode[32];
    int worst; /* the exit code so far */
    char kafka_error[512];
};

static void on_kafka_error(rd_kafka_t *rk, int code, const char *reason, void *opaque)
{
    (void)rk;
    (void)code;
    struct replay *r = opaque;
    snprintf(r->kafka_error, sizeof(r->kafka_error), "%s", reason);
}

static bool conf_set(rd_kafka_conf_t *conf, const char *key, const char *value)
{
    char errstr[512];
    if (rd_kafka_conf_set(conf, key, value, errstr, sizeof(errstr)) == RD_KAFKA_CONF_OK)
        return true;
    fprintf(stderr, "avroreg: %s\n", errstr);
    return false;
}

static int open_consumer(struct replay *r)
{
    char group[64], errstr[512];
    snprintf(group, sizeof(group), "avroreg-import-%ld", (long)getpid());
    rd_kafka_conf_t *conf = rd_kafka_conf_new();
    /* Partitions are assigned, not subscribed: the group only names the
     * client, and no offset is ever committed. */
    if (!conf_set(conf, "bootstrap.servers", r->ic->brokers) ||
        !conf_set(conf, "group.id", group) || !conf_set(conf, "enable.auto.commit", "false") ||
        !conf_set(conf, "enable.partition.eof", "true") || !conf_set(conf, "log_level", "0")) {
        rd_kafka_conf_destroy(conf);
        return CLI_USAGE;
    }
    rd_kafka_conf_set_error_cb(conf, on_kafka_error);
    rd_kafka_conf_set_opaque(conf, r);
    r->rk = rd_kafka_new(RD_KAFKA_CONSUMER, conf, errstr, sizeof(errstr));
    if (!r->rk) {
        rd_kafka_conf_destroy(conf);
        fprintf(stderr, "avroreg: %s\n", errstr);
        return CLI_USAGE;
    }
    return CLI_OK;
}

/* Learns the topic's partitions and assigns them all from their start. */
static int assign_topic(struct replay *r)
{
    rd_kafka_topic_t *rkt = rd_kafka_topic_new(r->rk, r->ic->topic, NULL);
    const struct rd_kafka_metadata *md = NULL;
    rd_kafka_resp_err_t kerr =
        rkt ? rd_kafka_metadata(r->rk, 0, rkt, &md, METADATA_TIMEOUT_MS) : RD_KAFKA_RESP_ERR__FAIL;
    if (!kerr && md->topic_cnt == 1 && md->topics[0].err)
        kerr = md->topics[0].err;
    int rc = CLI_OK;
    if (kerr) {
        fprintf(stderr, "avroreg: cannot read topic %s at %s: %s%s%s\n", r->ic->topic,
                r->ic->brokers, rd_kafka_err2str(kerr), r->kafka_error[0] ? "; " : "",
                r->kafka_error);
        rc = CLI_USAGE;
    } else {
        r->partitions = md->topics[0].partition_cnt;
        if (r->partitions > 1)
            fprintf(stderr,
                    "avroreg: %s has %d partitions (Confluent's has one): each is applied in "
                    "its own order\n",
                    r->ic->topic, r->partitions);
        rd_kafka_topic_partition_list_t *list = rd_kafka_topic_partition_list_new(r->partitions);
        for (int p = 0; p < r->partitions; p++)
            rd_kafka_topic_partition_list_add(list, r->ic->topic, p)->offset =
                RD_KAFKA_OFFSET_BEGINNING;
        r->eof = calloc((size_t)r->partitions + 1, sizeof(*r->eof));
        if (!r->eof || (kerr = rd_kafka_assign(r->rk, list))) {
            fprintf(stderr, "avroreg: assigning %s: %s\n", r->ic->topic,
                    rd_kafka_err2str(kerr ? kerr : RD_KAFKA_RESP_ERR__FAIL));
            rc = CLI_USAGE;
        }
        rd_kafka_topic_partition_list_destroy(list);
    }
    if (md)
        rd_kafka_metadata_destroy(md);
    if (rkt)
        rd_kafka_topic_destroy(rkt);
    return rc;
}

static bool caught_up(const struct replay *r)
{
    for (int p = 0; p < r->partitions; p++)
        if (!r->eof[p])
            return false;
    return true;
}

/* One record; CLI_FAILED when it is not Confluent's and bad records stop us. */
static int apply(struct replay *r, const rd_kafka_message_t *m)
{
    enum avroreg_log_outcome outcome;
    struct avroreg_error err = {0};
    r->last_offset = m->offset;
    enum avroreg_err rc =
        avroreg_schemas_log_apply(r->log, m->key, m->key_len, m->payload, m->len, &outcome, &err);
    if (rc == AVROREG_ERR_FORMAT) {
        r->bad++;
        fprintf(stderr, "avroreg: %s offset %lld (partition %d): %s\n", r->ic->topic,
                (long long)m->offset, (int)m->partition, err.message);
        if (r->ic->skip_bad)
            return CLI_OK;
        if (r->imported)
            fprintf(stderr,
                    "avroreg: stopping there: the registry holds the records before offset %lld "
                    "(--skip-bad-records goes past such records)\n",
                    (long long)m->offset);
        else
            fprintf(stderr, "avroreg: stopping there: nothing was imported (--skip-bad-records "
                            "goes past such records)\n");
        return CLI_FAILED;
    }
    if (rc)
        return cli_fail("import", &err);
    if (outcome == AVROREG_LOG_REJECTED) {
        r->rejected++;
        fprintf(stderr, "avroreg: %s offset %lld (partition %d): skipped: %s\n", r->ic->topic,
                (long long)m->offset, (int)m->partition, err.message);
    }
    r->applied += outcome == AVROREG_LOG_APPLIED;
    r->ignored += outcome == AVROREG_LOG_IGNORED;
    r->pending = r->pending || outcome == AVROREG_LOG_APPLIED;
    return CLI_OK;
}

/* The state so far into the registry: all of it the first time, then the
 * subjects touched since. */
static int import_batch(struct replay *r)
{
    char **subjects = NULL;
    size_t count = 0;
    bool global = false;
    struct avroreg_snapshot *snap = NULL;
    struct avroreg_error err = {0};
    int rc = CLI_OK;
    if (avroreg_schemas_log_take_changes(r->log, &subjects, &count, &global, &err) ||
        avroreg_schemas_log_snapshot(r->log, &snap, &err))
        rc = cli_fail("import", &err);
    struct avroreg_import_options base = {.final_mode = r->ic->follow ? "IMPORT" : NULL};
    if (r->imported) {
        base.subjects = (const char *const *)subjects;
        base.subject_count = count;
        base.mirror = true;
    }
    struct avroreg_import_report report = {0};
    if (!rc && (!r->imported || count || global)) {
        char what[96];
        snprintf(what, sizeof(what), "%s up to offset %lld", r->ic->follow ? "follow" : "import",
                 (long long)r->last_offset);
        rc = cli_import_snapshot(r->ic, r->client, snap, &base, what, &report);
        if (!r->imported)
            snprintf(r->original_mode, sizeof(r->original_mode), "%s", report.original_mode);
        avroreg_import_report_release(&report);
    }
    r->imported = true;
    r->pending = false;
    for (size_t i = 0; i < count; i++)
        avroreg_free(subjects[i]);
    avroreg_free(subjects);
    avroreg_snapshot_free(snap);
    return rc;
}

/* After --follow: the registry gets the topic's global mode (or its own). */
static int leave_follow(struct replay *r)
{
    struct avroreg_snapshot *snap = NULL;
    struct avroreg_error err = {0};
    if (avroreg_schemas_log_snapshot(r->log, &snap, &err))
        return cli_fail("import", &err);
    const char *mode = avroreg_snapshot_mode(snap);
    if (!mode)
        mode = r->original_mode[0] ? r->original_mode : "READWRITE";
    char body[64];
    snprintf(body, sizeof(body), "{\"mode\":\"%s\"}", mode);
    long status = 0;
    char *answer = NULL;
    int rc = CLI_OK;
    if (avroreg_client_request(r->client, "PUT", "/mode?force=true", body, &status, &answer,
                               &err)) {
        rc = cli_fail("follow", &err);
    } else if (status != 200) {
        fprintf(stderr, "avroreg: follow: PUT /mode answered %ld: %s\n", status,
                answer ? answer : "");
        rc = CLI_USAGE;
    }
    fprintf(stderr, "follow: stopped after offset %lld; the registry's global mode is %s\n",
            (long long)r->last_offset, rc ? "IMPORT" : mode);
    avroreg_free(answer);
    avroreg_snapshot_free(snap);
    return rc;
}

static int consume(struct replay *r)
{
    int rc = CLI_OK;
    while (!rc && !stop_requested) {
        rd_kafka_message_t *m = rd_kafka_consumer_poll(r->rk, POLL_MS);
        if (m && m->err == RD_KAFKA_RESP_ERR__PARTITION_EOF) {
            if (m->partition >= 0 && m->partition < r->partitions)
                r->eof[m->partition] = true;
        } else if (m && m->err) {
            fprintf(stderr, "avroreg: %s: %s\n", r->ic->topic, rd_kafka_message_errstr(m));
            if (m->err == RD_KAFKA_RESP_ERR_UNKNOWN_TOPIC_OR_PART)
                rc = CLI_USAGE;
        } else if (m) {
            if (m->partition >= 0 && m->partition < r->partitions)
                r->eof[m->partition] = false;
            rc = apply(r, m);
        }
        if (m)
            rd_kafka_message_destroy(m);
        if (rc || !caught_up(r))
            continue;
        if (!r->imported || r->pending) {
            int got = import_batch(r);
            r->worst = got > r->worst ? got : r->worst;
            if (got == CLI_USAGE) /* the registry failed: stop */
                rc = got;
        }
        if (!r->ic->follow)
            break;
    }
    return rc;
}

int cli_import_kafka(const struct import_cli *ic)
{
    struct replay r = {.ic = ic, .last_offset = -1};
    struct avroreg_error err = {0};
    struct sigaction sa = {0};
    sa.sa_handler = on_stop;
    sigemptyset(&sa.sa_mask);
    sigaction(SIGINT, &sa, NULL);
    sigaction(SIGTERM, &sa, NULL);
    int rc = avroreg_schemas_log_new(&r.log, &err) ? cli_fail("import", &err) : CLI_OK;
    if (!rc)
        rc = cli_conn_client(&ic->conn, &r.client);
    if (!rc)
        rc = open_consumer(&r);
    if (!rc)
        rc = assign_topic(&r);
    if (!rc)
        rc = consume(&r);
    if (!rc && ic->follow && r.pending)
        rc = import_batch(&r);
    if (ic->follow && r.imported && rc != CLI_USAGE) {
        int left = leave_follow(&r);
        rc = left > rc ? left : rc;
    }
    if (!rc && !r.imported && stop_requested)
        fprintf(stderr, "avroreg: interrupted before the end of %s: nothing was imported\n",
                ic->topic);
    if (!ic->quiet)
        fprintf(stderr,
                "%s: %zu records applied, %zu without state, %zu skipped, %zu bad; last offset "
                "%lld\n",
                ic->topic, r.applied, r.ignored, r.rejected, r.bad, (long long)r.last_offset);
    if (r.rk) {
        rd_kafka_consumer_close(r.rk);
        rd_kafka_destroy(r.rk);
    }
    free(r.eof);
    avroreg_client_free(r.client);
    avroreg_schemas_log_free(r.log);
    rc = r.worst > rc ? r.worst : rc;
    return rc;
}
