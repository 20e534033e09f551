# stages/producer: the Kafka producer stage (linked into gcbridge and tests).

PRODUCER_SRCS := stages/producer/gcb_producer.c stages/producer/gcb_producer_conf.c \
	stages/producer/gcb_producer_topics.c stages/producer/gcb_producer_headers.c
PRODUCER_LIBS := $(call pkglibs,rdkafka libcjson)
