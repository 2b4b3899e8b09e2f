/*
 * bench_parse.c - how long does parsing (and so canonicalising) a 1 MB schema
 * take, next to jansson's json_loadb of the same text (the floor: every
 * parse starts with it)?
 *
 * The schema is a realistic, if large, record: groups of module records, each
 * with docs, defaults, enums, unions, arrays of nested records, maps, fixed
 * types and logical types (uuid, date, timestamp-millis, decimal), and
 * references back to earlier named types. Modules are added until the text
 * reaches about TARGET_BYTES.
 *
 * Usage: bench_parse [FILE]
 * With FILE, the generated text is also written there, for bench/ref_compat.py.
 * Prints one line of figures on stdout.
 */
#include <jansson.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "bench/bench_util.h"
#include "common/buf.h"
#include "common/jalloc.h"
#include "schemas/schema.h"

#define TARGET_BYTES 1000000
#define MODULES_PER_GROUP 40
#define RUNS 21

/* Module m of group g, as the type of a field of the group record. */
static void add_module(struct sr_buf *b, int g, int m)
{
    const char *ind = "\n        ";
    sr_buf_addf(b,
                "\n    {\"name\": \"module_%d\", \"doc\": \"Module %d of group %d\", "
                "\"type\": {\"type\": \"record\", \"name\": \"Module%d\", "
                "\"doc\": \"State of module %d, as reported by its owner.\", \"fields\": [",
                m, m, g, m, m);
    sr_buf_addf(b,
                "%s{\"name\": \"id\", \"type\": {\"type\": \"string\", \"logicalType\": \"uuid\"}, "
                "\"doc\": \"Unique identifier of the module\"},",
                ind);
    sr_buf_addf(b,
                "%s{\"name\": \"created_at\", \"type\": {\"type\": \"long\", "
                "\"logicalType\": \"timestamp-millis\"}, \"doc\": \"When it was created\"},",
                ind);
    sr_buf_addf(b,
                "%s{\"name\": \"business_day\", \"type\": {\"type\": \"int\", "
                "\"logicalType\": \"date\"}, \"default\": 0},",
                ind);
    sr_buf_addf(b,
                "%s{\"name\": \"amount\", \"type\": {\"type\": \"bytes\", \"logicalType\": "
                "\"decimal\", \"precision\": 18, \"scale\": 4}, \"default\": \"\\u0000\", "
                "\"doc\": \"Amount in the module's currency\"},",
                ind);
    sr_buf_addf(b,
                "%s{\"name\": \"status\", \"type\": {\"type\": \"enum\", \"name\": \"Status%d\", "
                "\"doc\": \"Lifecycle state\", \"symbols\": [\"ACTIVE\", \"SUSPENDED\", "
                "\"CLOSED\", \"ARCHIVED\", \"UNKNOWN\"], \"default\": \"UNKNOWN\"}, "
                "\"default\": \"ACTIVE\"},",
                ind, m);
    sr_buf_addf(b,
                "%s{\"name\": \"owner\", \"type\": [\"null\", \"string\"], \"default\": null, "
                "\"aliases\": [\"owner_name\", \"ownerName\"]},",
                ind);
    sr_buf_addf(b,
                "%s{\"name\": \"tags\", \"type\": {\"type\": \"array\", \"items\": \"string\"}, "
                "\"default\": []},",
                ind);
    sr_buf_addf(b,
                "%s{\"name\": \"attributes\", \"type\": {\"type\": \"map\", \"values\": "
                "[\"null\", \"string\", \"long\", \"double\", \"boolean\"]}, \"default\": {}, "
                "\"doc\": \"Free-form attributes\"},",
                ind);
    sr_buf_addf(b,
                "%s{\"name\": \"items\", \"type\": {\"type\": \"array\", \"items\": {\"type\": "
                "\"record\", \"name\": \"Item%d\", \"doc\": \"One line item\", \"fields\": ["
                "{\"name\": \"sku\", \"type\": \"string\"}, "
                "{\"name\": \"quantity\", \"type\": \"int\", \"default\": 1}, "
                "{\"name\": \"unit_price\", \"type\": [\"null\", {\"type\": \"fixed\", "
                "\"name\": \"Price%d\", \"size\": 8, \"logicalType\": \"decimal\", "
                "\"precision\": 18, \"scale\": 2}], \"default\": null}, "
                "{\"name\": \"weight\", \"type\": \"float\", \"default\": 0.0, "
                "\"order\": \"ignore\"}]}}, \"default\": []},",
                ind, m, m);
    sr_buf_addf(b,
                "%s{\"name\": \"checksum\", \"type\": {\"type\": \"fixed\", \"name\": "
                "\"Digest%d\", \"size\": 16}, \"doc\": \"MD5 of the payload\"},",
                ind, m);
    sr_buf_addf(b,
                "%s{\"name\": \"counters\", \"type\": {\"type\": \"map\", \"values\": "
                "\"long\"}, \"default\": {\"reads\": 0, \"writes\": 0}},",
                ind);
    sr_buf_addf(b,
                "%s{\"name\": \"score\", \"type\": \"double\", \"default\": 0.0, "
                "\"order\": \"descending\"},",
                ind);
    if (m > 0)
        sr_buf_addf(b,
                    "%s{\"name\": \"previous_status\", \"type\": [\"null\", "
                    "\"com.example.big.g%d.Status%d\"], \"default\": null},",
                    ind, (m - 1) / MODULES_PER_GROUP, m - 1);
    sr_buf_addf(b,
                "%s{\"name\": \"enabled\", \"type\": \"boolean\", \"default\": true, "
                "\"x-owner\": \"team-%d\"}\n    ]}}",
                ind, m % 17);
}

static char *build_schema(size_t *len_out, int *modules_out)
{
    struct sr_buf b = SR_BUF_INIT;
    sr_buf_adds(&b, "{\"type\": \"record\", \"name\": \"Root\", \"namespace\": "
                    "\"com.example.big\", \"doc\": \"Everything the platform knows, in one "
                    "record.\", \"fields\": [");
    size_t module_size = 0;
    int m = 0;
    for (int g = 0; b.len + module_size + 256 < TARGET_BYTES; g++) {
        sr_buf_addf(&b,
                    "%s\n{\"name\": \"group_%d\", \"type\": {\"type\": \"record\", "
                    "\"name\": \"Group%d\", \"namespace\": \"com.example.big.g%d\", "
                    "\"fields\": [",
                    g ? "," : "", g, g, g);
        for (int i = 0; i < MODULES_PER_GROUP && b.len + module_size + 256 < TARGET_BYTES; i++) {
            size_t before = b.len;
            if (i)
                sr_buf_addc(&b, ',');
            add_module(&b, g, m++);
            module_size = b.len - before;
        }
        sr_buf_adds(&b, "\n]}}");
    }
    sr_buf_adds(&b, "\n]}\n");
    *modules_out = m;
    return sr_buf_detach(&b, len_out);
}

int main(int argc, char **argv)
{
    sr_jalloc_install(); /* as the server and the CLI run */
    if (argc > 2) {
        fprintf(stderr, "usage: %s [FILE]\n", argv[0]);
        return 2;
    }
    size_t len = 0;
    int modules = 0;
    char *text = build_schema(&len, &modules);
    if (!text) {
        fprintf(stderr, "bench_parse: out of memory\n");
        return 1;
    }
    int status = 1;
    if (argc == 2) {
        FILE *f = fopen(argv[1], "wb");
        if (!f) {
            perror(argv[1]);
            goto out;
        }
        size_t w = fwrite(text, 1, len, f);
        if (fclose(f) != 0 || w != len) {
            perror(argv[1]);
            goto out;
        }
    }

    double parse_t[RUNS], json_t_[RUNS];
    size_t canon_len = 0, named = 0;
    for (size_t r = 0; r < RUNS + 1; r++) { /* run 0 warms up */
        struct sr_error err = {0};
        struct sr_schema *s = NULL;
        double t0 = bench_now_ms();
        enum sr_err rc = sr_schema_parse(text, len, NULL, &s, &err);
        double dt = bench_now_ms() - t0;
        if (rc != SR_OK) {
            fprintf(stderr, "bench_parse: the schema does not parse: %s\n", err.message);
            goto out;
        }
        if (r == 0) {
            sr_schema_canonical(s, &canon_len);
            named = sr_schema_named_count(s);
        } else {
            parse_t[r - 1] = dt;
        }
        sr_schema_free(s);
    }
    for (size_t r = 0; r < RUNS + 1; r++) {
        json_error_t jerr;
        double t0 = bench_now_ms();
        json_t *doc = json_loadb(text, len, JSON_DECODE_ANY | JSON_ALLOW_NUL, &jerr);
        double dt = bench_now_ms() - t0;
        if (!doc) {
            fprintf(stderr, "bench_parse: jansson rejects the text: %s\n", jerr.text);
            goto out;
        }
        if (r > 0)
            json_t_[r - 1] = dt;
        json_decref(doc);
    }

    printf("parse+canonicalise %zu-byte schema (%d modules, %zu named types, canonical %zu "
           "bytes): avro-registry %.2f ms | jansson json_loadb alone %.2f ms\n",
           len, modules, named, canon_len, bench_median(parse_t, RUNS),
           bench_median(json_t_, RUNS));
    status = 0;

out:
    free(text);
    return status;
}
