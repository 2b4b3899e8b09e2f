/*
 * bench_compat.c - how long does a FULL_TRANSITIVE check of a 50-field record
 * against 1,000 previous versions take?
 *
 * The new schema is a 50-field record in which every field has a default.
 * Version k (1..1000) of the subject is the same record with one base field
 * left out, string fields written as bytes in every fifth version (string and
 * bytes promote both ways), and up to three fields of its own that the new
 * schema dropped, all with defaults. So every version is compatible with the
 * new schema in both directions, and a FULL_TRANSITIVE check really resolves
 * all 2,000 reader/writer pairs instead of stopping at the first failure.
 *
 * Usage: bench_compat [DIR]
 * With DIR (an existing directory), the generated texts are also written
 * there as new.avsc and v0001.avsc .. v1000.avsc, for bench/ref_compat.py.
 * Prints one line of figures on stdout; a warning on stderr if the check does
 * not answer "compatible".
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "bench/bench_util.h"
#include "common/buf.h"
#include "common/jalloc.h"
#include "compat/compat.h"
#include "schemas/schema.h"

#define BASE_FIELDS 50
#define VERSIONS 1000
#define CHECK_RUNS 21 /* timed runs of the check on parsed schemas */
#define TOTAL_RUNS 7  /* timed runs of parse-everything-then-check */

/* One base field; version 0 is the new schema. */
static void add_base_field(struct sr_buf *b, int i, int version)
{
    bool as_bytes = version > 0 && version % 5 == 0;
    sr_buf_addf(b, "\n    {\"name\": \"f%02d\", ", i);
    switch (i % 10) {
    case 0:
        sr_buf_adds(b, "\"type\": \"int\", \"default\": 0");
        break;
    case 1:
        sr_buf_adds(b, "\"type\": {\"type\": \"long\", \"logicalType\": \"timestamp-millis\"}, "
                       "\"default\": 0");
        break;
    case 2:
        sr_buf_addf(b, "\"type\": \"%s\", \"default\": \"\"", as_bytes ? "bytes" : "string");
        break;
    case 3:
        sr_buf_adds(b, "\"type\": [\"null\", \"string\"], \"default\": null");
        break;
    case 4:
        sr_buf_adds(b, "\"type\": \"double\", \"default\": 0.0");
        break;
    case 5:
        sr_buf_adds(b, "\"type\": \"boolean\", \"default\": false");
        break;
    case 6:
        sr_buf_addf(b,
                    "\"type\": {\"type\": \"enum\", \"name\": \"Status%02d\", "
                    "\"symbols\": [\"ACTIVE\", \"SUSPENDED\", \"CLOSED\", \"UNKNOWN\"], "
                    "\"default\": \"UNKNOWN\"}, \"default\": \"ACTIVE\"",
                    i);
        break;
    case 7:
        sr_buf_adds(b, "\"type\": {\"type\": \"array\", \"items\": \"string\"}, \"default\": []");
        break;
    case 8:
        sr_buf_adds(b, "\"type\": {\"type\": \"map\", \"values\": \"long\"}, \"default\": {}");
        break;
    default:
        sr_buf_addf(b,
                    "\"type\": {\"type\": \"record\", \"name\": \"Part%02d\", \"fields\": ["
                    "{\"name\": \"a\", \"type\": \"int\", \"default\": 0}, "
                    "{\"name\": \"b\", \"type\": \"%s\", \"default\": \"\"}, "
                    "{\"name\": \"c\", \"type\": [\"null\", \"long\"], \"default\": null}]}, "
                    "\"default\": {\"a\": 0, \"b\": \"\", \"c\": null}",
                    i, as_bytes ? "bytes" : "string");
        break;
    }
    if (i % 3 == 0)
        sr_buf_addf(b, ", \"doc\": \"Base field %d\"", i);
    sr_buf_addc(b, '}');
}

/* The new schema (version 0) or previous version k. */
static char *build_schema(int version, size_t *len)
{
    struct sr_buf b = SR_BUF_INIT;
    sr_buf_adds(&b, "{\"type\": \"record\", \"name\": \"Event\", "
                    "\"namespace\": \"com.example.bench\", "
                    "\"doc\": \"A business event\", \"fields\": [");
    int omitted = version > 0 ? (version * 7) % BASE_FIELDS : -1;
    bool first = true;
    for (int i = 0; i < BASE_FIELDS; i++) {
        if (i == omitted)
            continue;
        if (!first)
            sr_buf_addc(&b, ',');
        first = false;
        add_base_field(&b, i, version);
    }
    for (int j = 0; version > 0 && j < version % 4; j++) {
        if (j % 2 == 0)
            sr_buf_addf(&b,
                        ",\n    {\"name\": \"legacy_%d_%d\", \"type\": \"int\", \"default\": 0}",
                        version, j);
        else
            sr_buf_addf(&b,
                        ",\n    {\"name\": \"legacy_%d_%d\", \"type\": [\"null\", \"string\"], "
                        "\"default\": null}",
                        version, j);
    }
    sr_buf_adds(&b, "\n]}\n");
    return sr_buf_detach(&b, len);
}

static int write_file(const char *dir, const char *name, const char *text, size_t len)
{
    char path[4096];
    int n = snprintf(path, sizeof path, "%s/%s", dir, name);
    if (n < 0 || (size_t)n >= sizeof path) {
        fprintf(stderr, "bench_compat: path too long: %s/%s\n", dir, name);
        return -1;
    }
    FILE *f = fopen(path, "wb");
    if (!f) {
        perror(path);
        return -1;
    }
    size_t w = fwrite(text, 1, len, f);
    if (fclose(f) != 0 || w != len) {
        perror(path);
        return -1;
    }
    return 0;
}

struct corpus {
    char *text[VERSIONS + 1]; /* [0] the new schema, [k] version k */
    size_t len[VERSIONS + 1];
    struct sr_schema *schema[VERSIONS + 1];
    struct sr_compat_prev prev[VERSIONS]; /* oldest first */
};

static void free_schemas(struct corpus *c)
{
    for (size_t i = 0; i <= VERSIONS; i++) {
        sr_schema_free(c->schema[i]);
        c->schema[i] = NULL;
    }
}

static int parse_all(struct corpus *c)
{
    for (size_t i = 0; i <= VERSIONS; i++) {
        struct sr_error err = {0};
        if (sr_schema_parse(c->text[i], c->len[i], NULL, &c->schema[i], &err) != SR_OK) {
            fprintf(stderr, "bench_compat: schema %zu does not parse: %s\n", i, err.message);
            return -1;
        }
    }
    for (size_t k = 0; k < VERSIONS; k++)
        c->prev[k] = (struct sr_compat_prev){.schema = c->schema[k + 1], .version = (int)k + 1};
    return 0;
}

/* Runs the check; -1 on error, else 1 when compatible, 0 when not (warning printed). */
static int check(const struct corpus *c, bool report)
{
    struct sr_error err = {0};
    struct sr_strlist msgs = {0};
    bool ok = false;
    if (sr_compat_check_level(SR_LEVEL_FULL_TRANSITIVE, c->schema[0], c->prev, VERSIONS, &ok, &msgs,
                              &err) != SR_OK) {
        fprintf(stderr, "bench_compat: check failed: %s\n", err.message);
        return -1;
    }
    if (!ok && report) {
        fprintf(stderr, "bench_compat: WARNING: expected compatible, got incompatible:\n");
        for (size_t i = 0; i < msgs.count && i < 10; i++)
            fprintf(stderr, "  %s\n", msgs.items[i]);
    }
    sr_strlist_release(&msgs);
    return ok ? 1 : 0;
}

int main(int argc, char **argv)
{
    sr_jalloc_install(); /* as the server and the CLI run */
    if (argc > 2) {
        fprintf(stderr, "usage: %s [DIR]\n", argv[0]);
        return 2;
    }
    const char *dir = argc == 2 ? argv[1] : NULL;
    int status = 1;
    struct corpus *c = calloc(1, sizeof(*c));
    if (!c) {
        fprintf(stderr, "bench_compat: out of memory\n");
        return 1;
    }
    for (int i = 0; i <= VERSIONS; i++) {
        c->text[i] = build_schema(i, &c->len[i]);
        if (!c->text[i]) {
            fprintf(stderr, "bench_compat: out of memory\n");
            goto out;
        }
        if (dir) {
            char name[32];
            if (i == 0)
                snprintf(name, sizeof name, "new.avsc");
            else
                snprintf(name, sizeof name, "v%04d.avsc", i);
            if (write_file(dir, name, c->text[i], c->len[i]) != 0)
                goto out;
        }
    }

    /* Warm up, and prove the check answers "compatible" (so all pairs ran). */
    if (parse_all(c) != 0)
        goto out;
    int verdict = check(c, true);
    if (verdict < 0)
        goto out;

    double t[CHECK_RUNS > TOTAL_RUNS ? CHECK_RUNS : TOTAL_RUNS];
    for (size_t r = 0; r < CHECK_RUNS; r++) {
        double t0 = bench_now_ms();
        int v = check(c, false);
        t[r] = bench_now_ms() - t0;
        if (v < 0)
            goto out;
    }
    double check_ms = bench_median(t, CHECK_RUNS);
    free_schemas(c);

    for (size_t r = 0; r < TOTAL_RUNS; r++) {
        double t0 = bench_now_ms();
        if (parse_all(c) != 0)
            goto out;
        int v = check(c, false);
        t[r] = bench_now_ms() - t0;
        free_schemas(c);
        if (v < 0)
            goto out;
    }
    double total_ms = bench_median(t, TOTAL_RUNS);

    printf("compat FULL_TRANSITIVE %d fields x %d versions: avro-registry %.2f ms "
           "(with parsing %.1f ms)%s\n",
           BASE_FIELDS, VERSIONS, check_ms, total_ms, verdict ? "" : " [NOT COMPATIBLE]");
    status = 0;

out:
    free_schemas(c);
    for (size_t i = 0; i <= VERSIONS; i++)
        free(c->text[i]);
    free(c);
    return status;
}
