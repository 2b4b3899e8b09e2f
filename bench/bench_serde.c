/*
 * bench_serde.c - libavroreg's serializer and deserializer on the TaxiRide
 * record (examples/taxi/taxi_ride.avsc), each next to its floor or reference.
 *
 *   serialize:   avroreg_serialize_value() of an in-memory avro-c datum into a
 *                caller's buffer, next to avro-c's bare binary encoding of the
 *                same datums (avro_value_write into a memory writer pointed at
 *                the same buffer). The schema is registered before timing, so
 *                its id is cached; rounds alternate the two loops, and the
 *                overhead is the median of the per-round ratios (two loops
 *                run back to back see much the same machine).
 *   deserialize: avroreg_deserialize_value() and avroreg_deserialize_json()
 *                over a set of framed messages, which are also written to a
 *                file for bench/client/ref_serde.py (confluent-kafka-python's
 *                decoder on the same bytes).
 *   produce:     writes N JSON lines (for `avroreg produce`) and the same N
 *                records framed, one per line (for kcat). A ride whose frame
 *                would hold a newline byte is replaced by another, so that
 *                both producers send exactly the same bytes.
 *
 * --mode prepare does the serialize figures and writes the files; --mode
 * decode reads the frames back and does the deserialize figures only (so that
 * a caller can alternate it with the Python reference); --mode all (the
 * default) does both.
 *
 * Times are this thread's CPU time (CLOCK_THREAD_CPUTIME_ID), so that what a
 * shared machine gives to other processes meanwhile is not counted.
 *
 * Usage: bench_serde --registry URL --schema AVSC --out DIR [--mode M]
 *                    [--iters N] [--rounds R] [--decode-msgs N] [--json-msgs N]
 *                    [--produce N]
 * (--schema is not needed with --mode decode.) Defaults: 5,000,000
 * serializations per loop and round, 7 rounds, 1,000,000 value decodes and
 * 200,000 JSON decodes per round, 1,000,000 produce inputs. Writes in DIR:
 * frames.bin (u32 little-endian length + framed bytes, per message),
 * frames.jsonl (libavroreg's JSON of each), rides.jsonl and frames.lines (the
 * produce inputs). Prints key=value figures on stdout, one per line (lists:
 * every round's figure); failures go to stderr with exit status 1.
 */
#include <errno.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "bench/bench_util.h"
#include "include/avroreg.h"

#define SER_VALUES 64   /* distinct datums the serialize loops cycle through */
#define DECODE_SET 4096 /* distinct framed messages the decode loops cycle through */
#define FRAME_CAP 64    /* a TaxiRide frame is at most 5 + 3*5 + 2*4 = 28 bytes */
#define MAX_ROUNDS 64

struct ride {
    int vendor, passengers, payment;
    float distance, amount;
};

struct opts {
    const char *registry, *schema, *out, *mode;
    long iters, rounds, decode_msgs, json_msgs, produce;
};

/* Fails with libavroreg's message, or avro-c's when err is NULL. */
static _Noreturn void die(const char *what, const struct avroreg_error *err)
{
    fprintf(stderr, "bench_serde: %s: %s\n", what, err ? err->message : avro_strerror());
    exit(1);
}

static _Noreturn void die_errno(const char *what)
{
    fprintf(stderr, "bench_serde: %s: %s\n", what, strerror(errno));
    exit(1);
}

/* key=v1,v2,... (every round's figure, in order) */
static void print_list(const char *key, const double *v, size_t n)
{
    printf("%s=", key);
    for (size_t i = 0; i < n; i++)
        printf("%s%.1f", i ? "," : "", v[i]);
    printf("\n");
}

/* xorshift64*: the same rides on every run. */
static uint64_t rng_state = 0x9E3779B97F4A7C15ull;

static uint32_t rng(uint32_t bound)
{
    rng_state ^= rng_state >> 12;
    rng_state ^= rng_state << 25;
    rng_state ^= rng_state >> 27;
    return (uint32_t)((rng_state * 0x2545F4914F6CDD1Dull) >> 33) % bound;
}

/* A plausible ride. Distances are sixteenths of a mile and amounts quarters of
 * a dollar: exact in a float and in "%.4f", so JSON text and binary agree. */
static struct ride next_ride(void)
{
    struct ride r;
    r.vendor = 1 + (int)rng(2);
    r.passengers = 1 + (int)rng(6);
    r.payment = 1 + (int)rng(4);
    r.distance = (float)(1 + rng(480)) / 16.0f;
    r.amount = 2.5f + (float)rng(600) / 4.0f;
    return r;
}

static void field(avro_value_t *rec, size_t i, avro_value_t *out)
{
    if (avro_value_get_by_index(rec, i, out, NULL))
        die("avro_value_get_by_index", NULL);
}

/* Fields by position, as avroreg_schema_avro() advises. */
static void set_ride(avro_value_t *v, const struct ride *r)
{
    avro_value_t f;
    int rc = 0;
    field(v, 0, &f);
    rc |= avro_value_set_int(&f, r->vendor);
    field(v, 1, &f);
    rc |= avro_value_set_int(&f, r->passengers);
    field(v, 2, &f);
    rc |= avro_value_set_float(&f, r->distance);
    field(v, 3, &f);
    rc |= avro_value_set_int(&f, r->payment);
    field(v, 4, &f);
    rc |= avro_value_set_float(&f, r->amount);
    if (rc)
        die("set a field", NULL);
}

/* Frames r into buf (through v, a scratch value); draws another ride until the
 * frame holds no newline byte (ints of 5 encode as one, and so do some floats'
 * bytes). Returns the frame's length. */
static size_t frame_ride(struct avroreg_serializer *ser, avro_value_t *v, struct ride *r,
                         unsigned char *buf)
{
    struct avroreg_error err = {0};
    for (;;) {
        size_t len = 0;
        set_ride(v, r);
        if (avroreg_serialize_value(ser, v, buf, FRAME_CAP, &len, &err))
            die("avroreg_serialize_value", &err);
        if (!memchr(buf, '\n', len))
            return len;
        *r = next_ride();
    }
}

/* DIR/NAME into path[4096]. */
static char *out_path(char *path, const char *dir, const char *name)
{
    int n = snprintf(path, 4096, "%s/%s", dir, name);
    if (n < 0 || n >= 4096) {
        fprintf(stderr, "bench_serde: %s: path too long\n", dir);
        exit(1);
    }
    return path;
}

static FILE *open_out(const char *dir, const char *name)
{
    char path[4096];
    FILE *f = fopen(out_path(path, dir, name), "wb");
    if (!f)
        die_errno(path);
    return f;
}

static void close_out(FILE *f, const char *name)
{
    if (ferror(f) || fclose(f) != 0) {
        fprintf(stderr, "bench_serde: cannot write %s\n", name);
        exit(1);
    }
}

static char *read_text(const char *path, size_t *len_out)
{
    FILE *f = fopen(path, "rb");
    if (!f)
        die_errno(path);
    char *text = malloc(1 << 20);
    size_t len = text ? fread(text, 1, (1 << 20) - 1, f) : 0;
    fclose(f);
    if (!text || !len) {
        fprintf(stderr, "bench_serde: %s: empty, unreadable or out of memory\n", path);
        exit(1);
    }
    text[len] = '\0';
    *len_out = len;
    return text;
}

/* ---- serialize ---------------------------------------------------------------------------- */

static volatile size_t sink;               /* keeps every result observable */
static unsigned char frame_buf[FRAME_CAP]; /* where both serialize loops write */

static double time_serialize(struct avroreg_serializer *ser, avro_value_t *vals, long iters)
{
    unsigned char *buf = frame_buf;
    struct avroreg_error err = {0};
    size_t total = 0;
    double t0 = bench_thread_ns();
    for (long i = 0; i < iters; i++) {
        size_t len = 0;
        if (avroreg_serialize_value(ser, &vals[i % SER_VALUES], buf, FRAME_CAP, &len, &err))
            die("avroreg_serialize_value", &err);
        total += len;
    }
    double ns = (bench_thread_ns() - t0) / (double)iters;
    sink += total + buf[0];
    return ns;
}

static double time_bare(avro_writer_t w, avro_value_t *vals, long iters)
{
    unsigned char *buf = frame_buf;
    size_t total = 0;
    double t0 = bench_thread_ns();
    for (long i = 0; i < iters; i++) {
        avro_writer_memory_set_dest(w, (const char *)buf, FRAME_CAP);
        if (avro_value_write(w, &vals[i % SER_VALUES]))
            die("avro_value_write", NULL);
        total += (size_t)avro_writer_tell(w);
    }
    double ns = (bench_thread_ns() - t0) / (double)iters;
    sink += total + buf[0];
    return ns;
}

/* avro_value_sizeof() alone: the pass avroreg_serialize_value() makes before
 * writing, to show where the overhead goes. */
static double time_sizeof(avro_value_t *vals, long iters)
{
    size_t total = 0;
    double t0 = bench_thread_ns();
    for (long i = 0; i < iters; i++) {
        size_t size = 0;
        if (avro_value_sizeof(&vals[i % SER_VALUES], &size))
            die("avro_value_sizeof", NULL);
        total += size;
    }
    double ns = (bench_thread_ns() - t0) / (double)iters;
    sink += total;
    return ns;
}

static void bench_serialize(struct avroreg_client *client, struct avroreg_serializer *ser,
                            avro_value_iface_t *iface, const struct opts *o)
{
    avro_value_t vals[SER_VALUES];
    for (int i = 0; i < SER_VALUES; i++) {
        struct ride r = next_ride();
        if (avro_generic_value_new(iface, &vals[i]))
            die("avro_generic_value_new", NULL);
        set_ride(&vals[i], &r);
    }
    avro_writer_t w = avro_writer_memory(NULL, 0);
    if (!w)
        die("avro_writer_memory", NULL);

    /* Same bytes behind the right header, or the comparison means nothing. */
    unsigned char framed[FRAME_CAP], bare[FRAME_CAP], header[AVROREG_HEADER_SIZE];
    int32_t id = 0;
    struct avroreg_error err = {0};
    if (avroreg_serializer_id(ser, &id, &err))
        die("avroreg_serializer_id", &err);
    avroreg_frame_header(id, header);
    for (int i = 0; i < SER_VALUES; i++) {
        size_t len = 0;
        if (avroreg_serialize_value(ser, &vals[i], framed, sizeof(framed), &len, &err))
            die("avroreg_serialize_value", &err);
        avro_writer_memory_set_dest(w, (const char *)bare, (int64_t)sizeof(bare));
        if (avro_value_write(w, &vals[i]))
            die("avro_value_write", NULL);
        if ((size_t)avro_writer_tell(w) + AVROREG_HEADER_SIZE != len ||
            memcmp(framed, header, AVROREG_HEADER_SIZE) != 0 ||
            memcmp(framed + AVROREG_HEADER_SIZE, bare, len - AVROREG_HEADER_SIZE) != 0) {
            fprintf(stderr, "bench_serde: avroreg and avro-c encode datum %d differently\n", i);
            exit(1);
        }
    }

    unsigned long requests = avroreg_client_request_count(client);
    long warm = o->iters / 10 > 0 ? o->iters / 10 : 1;
    time_serialize(ser, vals, warm);
    time_bare(w, vals, warm);
    double ours[MAX_ROUNDS], base[MAX_ROUNDS], ratio[MAX_ROUNDS], sizing[MAX_ROUNDS];
    for (long r = 0; r < o->rounds; r++) {
        /* alternate which loop goes first */
        if (r % 2) {
            base[r] = time_bare(w, vals, o->iters);
            ours[r] = time_serialize(ser, vals, o->iters);
        } else {
            ours[r] = time_serialize(ser, vals, o->iters);
            base[r] = time_bare(w, vals, o->iters);
        }
        ratio[r] = ours[r] / base[r];
        sizing[r] = time_sizeof(vals, o->iters / 5 + 1);
    }
    if (avroreg_client_request_count(client) != requests) {
        fprintf(stderr, "bench_serde: the serializer asked the registry while timed\n");
        exit(1);
    }
    size_t n = (size_t)o->rounds;
    double best_ours = ours[0], best_base = base[0];
    for (size_t i = 1; i < n; i++) {
        best_ours = ours[i] < best_ours ? ours[i] : best_ours;
        best_base = base[i] < best_base ? base[i] : best_base;
    }
    print_list("ser_avroreg_ns_rounds", ours, n);
    print_list("ser_bare_ns_rounds", base, n);
    printf("ser_iters=%ld\nser_rounds=%ld\n", o->iters, o->rounds);
    printf("ser_avroreg_ns=%.1f\nser_bare_ns=%.1f\n", bench_median(ours, n), bench_median(base, n));
    printf("ser_avroreg_best_ns=%.1f\nser_bare_best_ns=%.1f\n", best_ours, best_base);
    printf("ser_overhead_pct=%.1f\n", (bench_median(ratio, n) - 1) * 100);
    printf("ser_sizeof_ns=%.1f\n", bench_median(sizing, n));
    avro_writer_free(w);
    for (int i = 0; i < SER_VALUES; i++)
        avro_value_decref(&vals[i]);
}

/* ---- deserialize -------------------------------------------------------------------------- */

struct frames {
    unsigned char data[DECODE_SET][FRAME_CAP];
    size_t len[DECODE_SET];
};

static double time_decode_value(struct avroreg_deserializer *des, const struct frames *fr,
                                long msgs)
{
    struct avroreg_error err = {0};
    size_t total = 0;
    double t0 = bench_thread_ns();
    for (long i = 0; i < msgs; i++) {
        avro_value_t v;
        size_t k = (size_t)i % DECODE_SET;
        if (avroreg_deserialize_value(des, fr->data[k], fr->len[k], &v, NULL, &err))
            die("avroreg_deserialize_value", &err);
        total += (size_t)avro_value_get_type(&v);
        avro_value_decref(&v);
    }
    double secs = (bench_thread_ns() - t0) / 1e9;
    sink += total;
    return (double)msgs / secs;
}

static double time_decode_json(struct avroreg_deserializer *des, const struct frames *fr, long msgs)
{
    struct avroreg_error err = {0};
    size_t total = 0;
    double t0 = bench_thread_ns();
    for (long i = 0; i < msgs; i++) {
        char *json = NULL;
        size_t len = 0;
        size_t k = (size_t)i % DECODE_SET;
        if (avroreg_deserialize_json(des, fr->data[k], fr->len[k], &json, &len, NULL, &err))
            die("avroreg_deserialize_json", &err);
        total += len;
        avroreg_free(json);
    }
    double secs = (bench_thread_ns() - t0) / 1e9;
    sink += total;
    return (double)msgs / secs;
}

/* Frames DECODE_SET rides into fr, and writes them to frames.bin with
 * libavroreg's JSON of each (frames.jsonl) for ref_serde.py to check against. */
static void make_frames(struct avroreg_client *client, struct avroreg_serializer *ser,
                        avro_value_iface_t *iface, const struct opts *o, struct frames *fr)
{
    avro_value_t scratch;
    if (avro_generic_value_new(iface, &scratch))
        die("avro_generic_value_new", NULL);
    FILE *bin = open_out(o->out, "frames.bin"), *js = open_out(o->out, "frames.jsonl");
    struct avroreg_deserializer *des = NULL;
    struct avroreg_error err = {0};
    if (avroreg_deserializer_new(client, NULL, &des, &err))
        die("avroreg_deserializer_new", &err);
    size_t bytes = 0;
    for (size_t k = 0; k < DECODE_SET; k++) {
        struct ride r = next_ride();
        fr->len[k] = frame_ride(ser, &scratch, &r, fr->data[k]);
        bytes += fr->len[k];
        unsigned char le[4] = {(unsigned char)fr->len[k], 0, 0, 0};
        fwrite(le, 1, 4, bin);
        fwrite(fr->data[k], 1, fr->len[k], bin);
        char *json = NULL;
        if (avroreg_deserialize_json(des, fr->data[k], fr->len[k], &json, NULL, NULL, &err))
            die("avroreg_deserialize_json", &err);
        fprintf(js, "%s\n", json);
        avroreg_free(json);
    }
    close_out(bin, "frames.bin");
    close_out(js, "frames.jsonl");
    avroreg_deserializer_free(des);
    avro_value_decref(&scratch);
    printf("frame_bytes_avg=%.1f\n", (double)bytes / DECODE_SET);
}

/* Reads back what make_frames() wrote. */
static void load_frames(const struct opts *o, struct frames *fr)
{
    char path[4096];
    FILE *f = fopen(out_path(path, o->out, "frames.bin"), "rb");
    if (!f)
        die_errno(path);
    for (size_t k = 0; k < DECODE_SET; k++) {
        unsigned char le[4];
        if (fread(le, 1, 4, f) != 4)
            goto short_file;
        fr->len[k] = (size_t)le[0] | (size_t)le[1] << 8 | (size_t)le[2] << 16 | (size_t)le[3] << 24;
        if (fr->len[k] > FRAME_CAP || fread(fr->data[k], 1, fr->len[k], f) != fr->len[k])
            goto short_file;
    }
    fclose(f);
    return;
short_file:
    fprintf(stderr, "bench_serde: %s: not %d frames of at most %d bytes\n", path, DECODE_SET,
            FRAME_CAP);
    exit(1);
}

static void bench_deserialize(struct avroreg_client *client, const struct opts *o,
                              const struct frames *fr)
{
    struct avroreg_deserializer *des = NULL;
    struct avroreg_error err = {0};
    if (avroreg_deserializer_new(client, NULL, &des, &err))
        die("avroreg_deserializer_new", &err);
    /* the first decodes fetch the schema by id (if nobody has yet), untimed */
    time_decode_value(des, fr, o->decode_msgs / 10 + 1);
    time_decode_json(des, fr, o->json_msgs / 10 + 1);
    unsigned long requests = avroreg_client_request_count(client);
    double val[MAX_ROUNDS], json[MAX_ROUNDS];
    for (long r = 0; r < o->rounds; r++) {
        val[r] = time_decode_value(des, fr, o->decode_msgs);
        json[r] = time_decode_json(des, fr, o->json_msgs);
    }
    if (avroreg_client_request_count(client) != requests) {
        fprintf(stderr, "bench_serde: the deserializer asked the registry while timed\n");
        exit(1);
    }
    printf("des_msgs=%ld\ndes_json_msgs=%ld\n", o->decode_msgs, o->json_msgs);
    print_list("des_value_rates", val, (size_t)o->rounds);
    print_list("des_json_rates", json, (size_t)o->rounds);
    printf("des_value_rate=%.0f\n", bench_median(val, (size_t)o->rounds));
    printf("des_json_rate=%.0f\n", bench_median(json, (size_t)o->rounds));
    avroreg_deserializer_free(des);
}

/* ---- produce inputs ------------------------------------------------------------------------ */

/* f (a multiple of 1/16) as a JSON number the way a JSON encoder would write
 * it: exact, without trailing zeros ("25.5625", "6.5", "130.0"). */
static const char *json_num(char buf[32], float f)
{
    int n = snprintf(buf, 32, "%.4f", (double)f);
    while (n > 0 && buf[n - 1] == '0')
        buf[--n] = '\0';
    if (n > 0 && buf[n - 1] == '.')
        buf[n++] = '0', buf[n] = '\0';
    return buf;
}

static void write_produce_inputs(struct avroreg_serializer *ser, avro_value_iface_t *iface,
                                 const struct opts *o)
{
    avro_value_t scratch;
    if (avro_generic_value_new(iface, &scratch))
        die("avro_generic_value_new", NULL);
    FILE *js = open_out(o->out, "rides.jsonl"), *lines = open_out(o->out, "frames.lines");
    static char jsbuf[1 << 16], linebuf[1 << 16];
    setvbuf(js, jsbuf, _IOFBF, sizeof(jsbuf));
    setvbuf(lines, linebuf, _IOFBF, sizeof(linebuf));
    size_t bytes = 0;
    for (long i = 0; i < o->produce; i++) {
        struct ride r = next_ride();
        unsigned char buf[FRAME_CAP];
        size_t len = frame_ride(ser, &scratch, &r, buf);
        bytes += len;
        fwrite(buf, 1, len, lines);
        fputc('\n', lines);
        char dist[32], amount[32];
        fprintf(js,
                "{\"vendorId\":%d,\"passenger_count\":%d,\"trip_distance\":%s,"
                "\"payment_type\":%d,\"total_amount\":%s}\n",
                r.vendor, r.passengers, json_num(dist, r.distance), r.payment,
                json_num(amount, r.amount));
    }
    close_out(js, "rides.jsonl");
    close_out(lines, "frames.lines");
    avro_value_decref(&scratch);
    printf("produce_msgs=%ld\nproduce_frame_bytes=%zu\n", o->produce, bytes);
}

/* ---- main --------------------------------------------------------------------------------- */

static long num_arg(const char *name, const char *s, long lo, long hi)
{
    char *end = NULL;
    errno = 0;
    long v = strtol(s, &end, 10);
    if (errno || !end || *end || v < lo || v > hi) {
        fprintf(stderr, "bench_serde: %s must be %ld..%ld, not %s\n", name, lo, hi, s);
        exit(2);
    }
    return v;
}

static void parse_args(int argc, char **argv, struct opts *o)
{
    *o = (struct opts){NULL, NULL, NULL, "all", 5000000, 7, 1000000, 200000, 1000000};
    for (int i = 1; i < argc; i++) {
        const char *a = argv[i], *v = i + 1 < argc ? argv[i + 1] : NULL;
        if (!v)
            goto usage;
        i++;
        if (!strcmp(a, "--registry"))
            o->registry = v;
        else if (!strcmp(a, "--schema"))
            o->schema = v;
        else if (!strcmp(a, "--out"))
            o->out = v;
        else if (!strcmp(a, "--mode"))
            o->mode = v;
        else if (!strcmp(a, "--iters"))
            o->iters = num_arg(a, v, 1, 1000000000);
        else if (!strcmp(a, "--rounds"))
            o->rounds = num_arg(a, v, 1, MAX_ROUNDS);
        else if (!strcmp(a, "--decode-msgs"))
            o->decode_msgs = num_arg(a, v, 1, 1000000000);
        else if (!strcmp(a, "--json-msgs"))
            o->json_msgs = num_arg(a, v, 1, 1000000000);
        else if (!strcmp(a, "--produce"))
            o->produce = num_arg(a, v, 0, 1000000000);
        else
            goto usage;
    }
    bool mode_ok =
        !strcmp(o->mode, "all") || !strcmp(o->mode, "prepare") || !strcmp(o->mode, "decode");
    if (o->registry && o->out && mode_ok && (o->schema || !strcmp(o->mode, "decode")))
        return;
usage:
    fprintf(stderr, "usage: bench_serde --registry URL --schema AVSC --out DIR [--mode M] "
                    "[--iters N] [--rounds R] [--decode-msgs N] [--json-msgs N] [--produce N]\n");
    exit(2);
}

int main(int argc, char **argv)
{
    struct opts o;
    parse_args(argc, argv, &o);
    bool prepare = strcmp(o.mode, "decode") != 0, decode = strcmp(o.mode, "prepare") != 0;
    static struct frames fr;
    struct avroreg_error err = {0};
    struct avroreg_client_config cfg = {.url = o.registry, .timeout_ms = 10000};
    struct avroreg_client *client = NULL;
    if (avroreg_client_new(&cfg, &client, &err))
        die("avroreg_client_new", &err);
    if (prepare) {
        size_t len = 0;
        char *text = read_text(o.schema, &len);
        struct avroreg_schema *schema = NULL;
        if (avroreg_schema_parse(text, len, &schema, &err))
            die(o.schema, &err);
        free(text);
        struct avroreg_serializer *ser = NULL;
        if (avroreg_serializer_new(client, schema, "bench-taxi", NULL, &ser, &err))
            die("avroreg_serializer_new", &err);
        int32_t id = 0;
        if (avroreg_serializer_id(ser, &id, &err))
            die("register the TaxiRide schema", &err);
        printf("schema_id=%d\n", (int)id);
        avro_value_iface_t *iface = avro_generic_class_from_schema(avroreg_schema_avro(schema));
        if (!iface)
            die("avro_generic_class_from_schema", NULL);
        bench_serialize(client, ser, iface, &o);
        make_frames(client, ser, iface, &o, &fr);
        if (o.produce)
            write_produce_inputs(ser, iface, &o);
        fflush(stdout);
        avro_value_iface_decref(iface);
        avroreg_serializer_free(ser);
        avroreg_schema_free(schema);
    } else {
        load_frames(&o, &fr);
    }
    if (decode)
        bench_deserialize(client, &o, &fr);
    printf("registry_requests=%lu\n", avroreg_client_request_count(client));
    avroreg_client_free(client);
    return 0;
}
