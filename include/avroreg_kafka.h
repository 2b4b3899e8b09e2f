/*
 * avroreg_kafka.h - libavroreg with librdkafka: produce and consume
 * Confluent-framed Avro, and the bundled development broker.
 *
 * Same conventions as avroreg.h: errors returned in struct avroreg_error,
 * nothing printed, *_out strings owned by the caller (avroreg_free).
 */
#ifndef AVROREG_KAFKA_H
#define AVROREG_KAFKA_H

#include <librdkafka/rdkafka.h>

#include "avroreg.h"

#ifdef __cplusplus
extern "C" {
#endif

/* Serializes key_json (when key_ser is not NULL; else the message has no key)
 * and value_json, and hands the message to librdkafka (RD_KAFKA_PARTITION_UA:
 * the partitioner picks). The call queues the message; delivery is reported
 * by rk's delivery callback as usual. Errors: the serializers', or
 * AVROREG_ERR_KAFKA when librdkafka refuses (e.g. queue full: poll and retry). */
enum avroreg_err avroreg_kafka_produce_json(rd_kafka_t *rk, const char *topic,
                                            struct avroreg_serializer *key_ser,
                                            const char *key_json,
                                            struct avroreg_serializer *value_ser,
                                            const char *value_json, struct avroreg_error *err);

/* Decodes a consumed message: *value_json_out the value's Avro JSON (NULL for a
 * null value); *key_json_out (may be NULL to skip) the key's, when the key is
 * Confluent-framed Avro, else NULL. */
enum avroreg_err avroreg_kafka_message_json(struct avroreg_deserializer *des,
                                            const rd_kafka_message_t *msg, char **key_json_out,
                                            char **value_json_out, struct avroreg_error *err);

/* The bundled development broker: librdkafka's mock cluster, which speaks the
 * real Kafka protocol on loopback ports. Topics are created on first use. */
struct avroreg_broker;

enum avroreg_err avroreg_broker_start(int brokers, struct avroreg_broker **out,
                                      struct avroreg_error *err);
/* "127.0.0.1:port,..." for bootstrap.servers. Borrowed. */
const char *avroreg_broker_bootstrap(const struct avroreg_broker *broker);
/* Creates a topic with partitions now (instead of on first use). */
enum avroreg_err avroreg_broker_create_topic(struct avroreg_broker *broker, const char *topic,
                                             int partitions, struct avroreg_error *err);
void avroreg_broker_stop(struct avroreg_broker *broker);

#ifdef __cplusplus
}
#endif

#endif
