/*
 * producer.c - the taxi-rides producer: reads rides.csv and produces each ride
 * to Kafka as Confluent-framed Avro, keyed by vendor, with libavroreg.
 *
 * It builds each record as an avro-c value (the in-memory datum path of
 * avroreg_serialize_value) rather than JSON, as a C program would.
 *
 *   taxi-producer --broker B --registry URL --topic T --schemas DIR rides.csv
 */
#include <errno.h>
#include <getopt.h>
#include <limits.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <librdkafka/rdkafka.h>

#include "avroreg.h"

struct ride {
    int vendor, passengers, payment;
    float distance, amount;
};

static int fail(const char *what, const struct avroreg_error *err)
{
    fprintf(stderr, "taxi-producer: %s: %s\n", what, err->message);
    return 1;
}

static struct avroreg_schema *load_schema(const char *dir, const char *file)
{
    char path[1024], text[8192];
    snprintf(path, sizeof(path), "%s/%s", dir, file);
    FILE *f = fopen(path, "r");
    size_t n = f ? fread(text, 1, sizeof(text) - 1, f) : 0;
    if (f)
        fclose(f);
    text[n] = '\0';
    struct avroreg_schema *s = NULL;
    struct avroreg_error err = {0};
    if (avroreg_schema_parse(text, n, &s, &err))
        fprintf(stderr, "taxi-producer: %s: %s\n", path, err.message);
    return s;
}

/* Fills the generic value of TaxiRide (field order as in taxi_ride.avsc); nonzero when
 * the schema lacks a field (avro-c leaves `field` unset then, so every call is checked). */
static int fill_ride(avro_value_t *v, const struct ride *r)
{
    avro_value_t field;
    return avro_value_get_by_name(v, "vendorId", &field, NULL) ||
           avro_value_set_int(&field, r->vendor) ||
           avro_value_get_by_name(v, "passenger_count", &field, NULL) ||
           avro_value_set_int(&field, r->passengers) ||
           avro_value_get_by_name(v, "trip_distance", &field, NULL) ||
           avro_value_set_float(&field, r->distance) ||
           avro_value_get_by_name(v, "payment_type", &field, NULL) ||
           avro_value_set_int(&field, r->payment) ||
           avro_value_get_by_name(v, "total_amount", &field, NULL) ||
           avro_value_set_float(&field, r->amount);
}

struct pipeline {
    rd_kafka_t *rk;
    const char *topic;
    struct avroreg_serializer *key_ser, *value_ser;
    avro_value_t key, value;
};

static int produce_ride(struct pipeline *p, const struct ride *r)
{
    unsigned char key[64], value[256];
    size_t key_len, value_len;
    struct avroreg_error err = {0};
    avro_value_t field;
    if (avro_value_get_by_index(&p->key, 0, &field, NULL) ||
        avro_value_set_int(&field, r->vendor) || fill_ride(&p->value, r)) {
        fprintf(stderr, "taxi-producer: the schemas do not fit a ride: %s\n", avro_strerror());
        return 1;
    }
    if (avroreg_serialize_value(p->key_ser, &p->key, key, sizeof(key), &key_len, &err) ||
        avroreg_serialize_value(p->value_ser, &p->value, value, sizeof(value), &value_len, &err))
        return fail("serialize", &err);
    rd_kafka_resp_err_t kerr = rd_kafka_producev(
        p->rk, RD_KAFKA_V_TOPIC(p->topic), RD_KAFKA_V_MSGFLAGS(RD_KAFKA_MSG_F_COPY),
        RD_KAFKA_V_KEY(key, key_len), RD_KAFKA_V_VALUE(value, value_len), RD_KAFKA_V_END);
    if (kerr) {
        fprintf(stderr, "taxi-producer: produce: %s\n", rd_kafka_err2str(kerr));
        return 1;
    }
    rd_kafka_poll(p->rk, 0);
    return 0;
}

/* Whether a number in a CSV line ends at e: a comma, or the end of the line. */
static bool field_end(const char *e)
{
    return *e == ',' || *e == '\0' || *e == '\r' || *e == '\n';
}

/* The next comma-separated number at *p, as an int or a float; false unless it is whole. */
static bool next_int(char **p, int *out)
{
    char *end;
    errno = 0;
    long v = strtol(*p, &end, 10);
    if (end == *p || errno || v < INT_MIN || v > INT_MAX || !field_end(end))
        return false;
    *out = (int)v;
    *p = *end == ',' ? end + 1 : end;
    return true;
}

static bool next_float(char **p, float *out)
{
    char *end;
    errno = 0;
    float v = strtof(*p, &end);
    if (end == *p || errno || !field_end(end))
        return false;
    *out = v;
    *p = *end == ',' ? end + 1 : end;
    return true;
}

/* vendor,passengers,distance,payment,amount; false for anything else. */
static bool parse_ride(char *line, struct ride *r)
{
    char *p = line;
    return next_int(&p, &r->vendor) && next_int(&p, &r->passengers) &&
           next_float(&p, &r->distance) && next_int(&p, &r->payment) &&
           next_float(&p, &r->amount) && p[strspn(p, "\r\n")] == '\0';
}

static int produce_csv(struct pipeline *p, FILE *csv)
{
    char line[512];
    int count = 0;
    if (!fgets(line, sizeof(line), csv)) /* header */
        return 0;
    while (fgets(line, sizeof(line), csv)) {
        struct ride r;
        if (!parse_ride(line, &r))
            continue;
        if (produce_ride(p, &r))
            return -1;
        count++;
    }
    return count;
}

/* Counts what the broker acknowledged: a queued message is not yet produced. */
static void on_delivery(rd_kafka_t *rk, const rd_kafka_message_t *msg, void *opaque)
{
    (void)rk;
    int *delivered = opaque;
    if (!msg->err)
        (*delivered)++;
    else
        fprintf(stderr, "taxi-producer: delivery failed: %s\n", rd_kafka_err2str(msg->err));
}

static rd_kafka_t *new_producer(const char *broker, int *delivered)
{
    char errstr[512];
    rd_kafka_conf_t *conf = rd_kafka_conf_new();
    rd_kafka_conf_set_dr_msg_cb(conf, on_delivery);
    rd_kafka_conf_set_opaque(conf, delivered);
    if (rd_kafka_conf_set(conf, "bootstrap.servers", broker, errstr, sizeof(errstr))) {
        fprintf(stderr, "taxi-producer: %s\n", errstr);
        rd_kafka_conf_destroy(conf);
        return NULL;
    }
    rd_kafka_t *rk = rd_kafka_new(RD_KAFKA_PRODUCER, conf, errstr, sizeof(errstr));
    if (!rk)
        fprintf(stderr, "taxi-producer: %s\n", errstr);
    return rk;
}

int main(int argc, char **argv)
{
    const char *broker = "localhost:9092", *registry = "http://localhost:8081", *topic = "rides",
               *dir = ".";
    static const struct option opts[] = {{"broker", required_argument, NULL, 'b'},
                                         {"registry", required_argument, NULL, 'r'},
                                         {"topic", required_argument, NULL, 't'},
                                         {"schemas", required_argument, NULL, 's'},
                                         {NULL, 0, NULL, 0}};
    int c;
    while ((c = getopt_long(argc, argv, "", opts, NULL)) != -1) {
        if (c == 'b')
            broker = optarg;
        else if (c == 'r')
            registry = optarg;
        else if (c == 't')
            topic = optarg;
        else if (c == 's')
            dir = optarg;
        else
            return 2;
    }
    FILE *csv = optind < argc ? fopen(argv[optind], "r") : NULL;
    if (!csv) {
        fprintf(stderr, "usage: taxi-producer [--broker B] [--registry URL] [--topic T] "
                        "[--schemas DIR] rides.csv\n");
        return 2;
    }
    struct avroreg_schema *key_schema = load_schema(dir, "taxi_ride_key.avsc");
    struct avroreg_schema *value_schema = load_schema(dir, "taxi_ride.avsc");
    struct avroreg_client_config cfg = {.url = registry};
    struct avroreg_client *client = NULL;
    struct avroreg_serializer_config key_cfg = {.is_key = true};
    struct pipeline p = {.topic = topic};
    struct avroreg_error err = {0};
    int rc = !key_schema || !value_schema;
    if (!rc && (avroreg_client_new(&cfg, &client, &err) ||
                avroreg_serializer_new(client, key_schema, topic, &key_cfg, &p.key_ser, &err) ||
                avroreg_serializer_new(client, value_schema, topic, NULL, &p.value_ser, &err)))
        rc = fail("set-up", &err);
    int delivered = 0;
    if (!rc && !(p.rk = new_producer(broker, &delivered)))
        rc = 1;
    if (!rc) {
        avro_value_iface_t *ki = avro_generic_class_from_schema(avroreg_schema_avro(key_schema));
        avro_value_iface_t *vi = avro_generic_class_from_schema(avroreg_schema_avro(value_schema));
        avro_generic_value_new(ki, &p.key);
        avro_generic_value_new(vi, &p.value);
        int count = produce_csv(&p, csv);
        rd_kafka_flush(p.rk, 30000);
        rc = count < 0 || delivered != count;
        printf("produced %d rides to %s\n", delivered, topic);
        avro_value_decref(&p.key);
        avro_value_decref(&p.value);
        avro_value_iface_decref(ki);
        avro_value_iface_decref(vi);
    }
    if (p.rk)
        rd_kafka_destroy(p.rk);
    avroreg_serializer_free(p.key_ser);
    avroreg_serializer_free(p.value_ser);
    avroreg_client_free(client);
    avroreg_schema_free(key_schema);
    avroreg_schema_free(value_schema);
    fclose(csv);
    return rc;
}
