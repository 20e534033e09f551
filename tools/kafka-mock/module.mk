# tools/kafka-mock: librdkafka's mock cluster as a standalone process.

$(eval $(call gcb_program,gcb-kafka-mock,tools/kafka-mock/gcb_kafka_mock.c tools/kafka-mock/gcb_kafka_mock_ctl.c,$(call pkglibs,rdkafka)))
