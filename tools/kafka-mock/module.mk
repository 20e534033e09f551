# tools/kafka-mock: librdkafka's mock cluster as a standalone process.

PROGS += gcb-kafka-mock
gcb-kafka-mock.srcs = tools/kafka-mock/gcb_kafka_mock.c tools/kafka-mock/gcb_kafka_mock_ctl.c
gcb-kafka-mock.libs := $(call pkglibs,rdkafka)
