/*
 * consumer.c - the taxi-rides consumer: reads Confluent-framed Avro from Kafka,
 * fetches each writer schema once by id with libavroreg, and prints the rides.
 *
 *   taxi-consumer --broker B --registry URL --topic T [--max N]
 */
#include <getopt.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include <librdkafka/rdkafka.h>

#include "avroreg.h"

static rd_kafka_t *new_consumer(const char *broker, const char *topic)
{
    char errstr[512], group[64];
    snprintf(group, sizeof(group), "taxi-consumer-%ld-%ld", (long)getpid(), (long)time(NULL));
    rd_kafka_conf_t *conf = rd_kafka_conf_new();
    if (rd_kafka_conf_set(conf, "bootstrap.servers", broker, errstr, sizeof(errstr)) ||
        rd_kafka_conf_set(conf, "group.id", group, errstr, sizeof(errstr)) ||
        rd_kafka_conf_set(conf, "auto.offset.reset", "earliest", errstr, sizeof(errstr)) ||
        rd_kafka_conf_set(conf, "session.timeout.ms", "6000", errstr, sizeof(errstr))) {
        fprintf(stderr, "taxi-consumer: %s\n", errstr);
        rd_kafka_conf_destroy(conf);
        return NULL;
    }
    rd_kafka_t *rk = rd_kafka_new(RD_KAFKA_CONSUMER, conf, errstr, sizeof(errstr));
    if (!rk) {
        fprintf(stderr, "taxi-consumer: %s\n", errstr);
        return NULL;
    }
    rd_kafka_poll_set_consumer(rk);
    rd_kafka_topic_partition_list_t *topics = rd_kafka_topic_partition_list_new(1);
    rd_kafka_topic_partition_list_add(topics, topic, RD_KAFKA_PARTITION_UA);
    rd_kafka_subscribe(rk, topics);
    rd_kafka_topic_partition_list_destroy(topics);
    return rk;
}

/* Prints one ride from the writer's datum. */
static void print_ride(avro_value_t *ride)
{
    avro_value_t f;
    int32_t vendor = 0, passengers = 0, payment = 0;
    float distance = 0, amount = 0;
    if (avro_value_get_by_name(ride, "vendorId", &f, NULL) == 0)
        avro_value_get_int(&f, &vendor);
    if (avro_value_get_by_name(ride, "passenger_count", &f, NULL) == 0)
        avro_value_get_int(&f, &passengers);
    if (avro_value_get_by_name(ride, "trip_distance", &f, NULL) == 0)
        avro_value_get_float(&f, &distance);
    if (avro_value_get_by_name(ride, "payment_type", &f, NULL) == 0)
        avro_value_get_int(&f, &payment);
    if (avro_value_get_by_name(ride, "total_amount", &f, NULL) == 0)
        avro_value_get_float(&f, &amount);
    printf("vendor %d: %d passenger(s), %.2f miles, payment type %d, total %.2f\n", vendor,
           passengers, distance, payment, amount);
}

static int consume(rd_kafka_t *rk, struct avroreg_deserializer *des, int max)
{
    int count = 0, idle = 0;
    while (count < max && idle < 300) { /* give up after 30 s without a message */
        rd_kafka_message_t *msg = rd_kafka_consumer_poll(rk, 100);
        if (!msg) {
            idle++;
            continue;
        }
        idle = 0;
        if (!msg->err) {
            avro_value_t ride;
            struct avroreg_error err = {0};
            if (avroreg_deserialize_value(des, msg->payload, msg->len, &ride, NULL, &err) == 0) {
                print_ride(&ride);
                avro_value_decref(&ride);
                count++;
            } else {
                fprintf(stderr, "taxi-consumer: %s\n", err.message);
            }
        }
        rd_kafka_message_destroy(msg);
    }
    return count;
}

int main(int argc, char **argv)
{
    const char *broker = "localhost:9092", *registry = "http://localhost:8081", *topic = "rides";
    int max = 1000000;
    static const struct option opts[] = {{"broker", required_argument, NULL, 'b'},
                                         {"registry", required_argument, NULL, 'r'},
                                         {"topic", required_argument, NULL, 't'},
                                         {"max", required_argument, NULL, 'm'},
                                         {NULL, 0, NULL, 0}};
    int c;
    while ((c = getopt_long(argc, argv, "", opts, NULL)) != -1) {
        if (c == 'b') {
            broker = optarg;
        } else if (c == 'r') {
            registry = optarg;
        } else if (c == 't') {
            topic = optarg;
        } else if (c == 'm') {
            char *end;
            long v = strtol(optarg, &end, 10);
            if (end == optarg || *end || v < 1 || v > INT_MAX) {
                fprintf(stderr, "taxi-consumer: --max wants a whole number of at least 1\n");
                return 2;
            }
            max = (int)v;
        } else {
            return 2;
        }
    }
    struct avroreg_client_config cfg = {.url = registry};
    struct avroreg_client *client = NULL;
    struct avroreg_deserializer *des = NULL;
    struct avroreg_error err = {0};
    if (avroreg_client_new(&cfg, &client, &err) ||
        avroreg_deserializer_new(client, NULL, &des, &err)) {
        fprintf(stderr, "taxi-consumer: %s\n", err.message);
        avroreg_client_free(client);
        return 1;
    }
    rd_kafka_t *rk = new_consumer(broker, topic);
    int count = rk ? consume(rk, des, max) : 0;
    if (rk) {
        rd_kafka_consumer_close(rk);
        rd_kafka_destroy(rk);
    }
    printf("consumed %d rides from %s (%lu registry request(s))\n", count, topic,
           avroreg_client_request_count(client));
    avroreg_deserializer_free(des);
    avroreg_client_free(client);
    return rk && count == max ? 0 : 1;
}
