/*
 * kafka.c - librdkafka helpers and the bundled development broker.
 */
#include <librdkafka/rdkafka.h>

/* after rdkafka.h, which it needs */
#include <librdkafka/rdkafka_mock.h>

#include <stdlib.h>
#include <string.h>

#include "client/client_int.h"
#include "include/avroreg_kafka.h"

enum avroreg_err avroreg_kafka_produce_json(rd_kafka_t *rk, const char *topic,
                                            struct avroreg_serializer *key_ser,
                                            const char *key_json,
                                            struct avroreg_serializer *value_ser,
                                            const char *value_json, struct avroreg_error *err)
{
    if (!rk || !topic || !value_ser || !value_json || (key_ser && !key_json))
        return ar_error(err, AVROREG_ERR_ARG, "a producer, a topic and a value are needed");
    unsigned char *key = NULL;
    const unsigned char *value = NULL;
    size_t key_len = 0, value_len = 0;
    enum avroreg_err rc = AVROREG_OK;
    if (key_ser)
        rc = avroreg_serialize_json(key_ser, key_json, strlen(key_json), &key, &key_len, err);
    /* the value in this thread's buffer, which librdkafka copies (as kcat's
     * messages are): no allocation of ours per message */
    if (!rc)
        rc = ar_serialize_json_thread(value_ser, value_json, strlen(value_json), &value, &value_len,
                                      err);
    if (rc) {
        avroreg_free(key);
        return rc;
    }
    rd_kafka_resp_err_t kerr = rd_kafka_producev(
        rk, RD_KAFKA_V_TOPIC(topic), RD_KAFKA_V_MSGFLAGS(RD_KAFKA_MSG_F_COPY),
        RD_KAFKA_V_VALUE((void *)value, value_len), RD_KAFKA_V_KEY(key, key_len), RD_KAFKA_V_END);
    avroreg_free(key);
    if (kerr)
        return ar_error(err, AVROREG_ERR_KAFKA, "produce to %s: %s", topic, rd_kafka_err2str(kerr));
    return AVROREG_OK;
}

/* A key counts as Confluent-framed Avro when it has the magic byte and a
 * header's worth of bytes; anything else (a plain string key) is left alone. */
static bool framed(const void *data, size_t len)
{
    return data && len >= AVROREG_HEADER_SIZE &&
           ((const unsigned char *)data)[0] == AVROREG_MAGIC_BYTE;
}

enum avroreg_err avroreg_kafka_message_json(struct avroreg_deserializer *des,
                                            const rd_kafka_message_t *msg, char **key_json_out,
                                            char **value_json_out, struct avroreg_error *err)
{
    if (!des || !msg || !value_json_out)
        return ar_error(err, AVROREG_ERR_ARG, "a deserializer and a message are needed");
    if (msg->err)
        return ar_error(err, AVROREG_ERR_KAFKA, "consume: %s", rd_kafka_err2str(msg->err));
    char *key = NULL, *value = NULL;
    enum avroreg_err rc = AVROREG_OK;
    if (key_json_out && framed(msg->key, msg->key_len))
        rc = avroreg_deserialize_json(des, msg->key, msg->key_len, &key, NULL, NULL, err);
    if (!rc && msg->payload)
        rc = avroreg_deserialize_json(des, msg->payload, msg->len, &value, NULL, NULL, err);
    if (rc) {
        avroreg_free(key);
        return rc;
    }
    if (key_json_out)
        *key_json_out = key;
    *value_json_out = value;
    return AVROREG_OK;
}

struct avroreg_broker {
    rd_kafka_t *rk; /* the mock cluster's bookkeeping handle */
    rd_kafka_mock_cluster_t *cluster;
};

enum avroreg_err avroreg_broker_start(int brokers, struct avroreg_broker **out,
                                      struct avroreg_error *err)
{
    if (brokers < 1 || brokers > 16)
        return ar_error(err, AVROREG_ERR_ARG, "brokers must be 1..16, not %d", brokers);
    char errstr[256];
    rd_kafka_conf_t *conf = rd_kafka_conf_new();
    /* The handle only keeps the cluster's books; keep it quiet and local. */
    rd_kafka_conf_set(conf, "bootstrap.servers", "", errstr, sizeof(errstr));
    rd_kafka_conf_set(conf, "log_level", "0", errstr, sizeof(errstr));
    struct avroreg_broker *b = calloc(1, sizeof(*b));
    if (!b) {
        rd_kafka_conf_destroy(conf);
        return ar_error(err, AVROREG_ERR_NOMEM, "out of memory");
    }
    b->rk = rd_kafka_new(RD_KAFKA_PRODUCER, conf, errstr, sizeof(errstr));
    if (!b->rk) {
        rd_kafka_conf_destroy(conf);
        free(b);
        return ar_error(err, AVROREG_ERR_KAFKA, "cannot create the broker's handle: %s", errstr);
    }
    b->cluster = rd_kafka_mock_cluster_new(b->rk, brokers);
    if (!b->cluster) {
        avroreg_broker_stop(b);
        return ar_error(err, AVROREG_ERR_KAFKA, "cannot start the mock cluster");
    }
    *out = b;
    return AVROREG_OK;
}

const char *avroreg_broker_bootstrap(const struct avroreg_broker *broker)
{
    return rd_kafka_mock_cluster_bootstraps(broker->cluster);
}

enum avroreg_err avroreg_broker_create_topic(struct avroreg_broker *broker, const char *topic,
                                             int partitions, struct avroreg_error *err)
{
    rd_kafka_resp_err_t kerr = rd_kafka_mock_topic_create(broker->cluster, topic, partitions, 1);
    if (kerr)
        return ar_error(err, AVROREG_ERR_KAFKA, "create topic %s: %s", topic,
                        rd_kafka_err2str(kerr));
    return AVROREG_OK;
}

void avroreg_broker_stop(struct avroreg_broker *broker)
{
    if (!broker)
        return;
    if (broker->cluster)
        rd_kafka_mock_cluster_destroy(broker->cluster);
    if (broker->rk)
        rd_kafka_destroy(broker->rk);
    free(broker);
}
