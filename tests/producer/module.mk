# tests/producer: unit test of the producer configuration, and the driver the
# producer_*.sh integration tests run against gcb-kafka-mock.

PROGS += test-producer-conf
test-producer-conf.srcs = tests/producer/test_producer_conf.c $(PRODUCER_SRCS) $(STAGE_SRCS) \
	$(SHM_SRCS) $(LOG_SRCS)
test-producer-conf.libs = $(PRODUCER_LIBS) $(call pkglibs,cmocka)
UNIT_TESTS += $(BIN)/test-producer-conf

PROGS += test-producer-headers
test-producer-headers.srcs = tests/producer/test_producer_headers.c \
	stages/producer/gcb_producer_headers.c
test-producer-headers.libs := $(call pkglibs,rdkafka cmocka)
UNIT_TESTS += $(BIN)/test-producer-headers

PROGS += test-producer-drive
test-producer-drive.srcs = tests/producer/test_producer_drive.c $(PRODUCER_SRCS) $(STAGE_SRCS) \
	$(SHM_SRCS) $(LOG_SRCS)
test-producer-drive.libs = $(PRODUCER_LIBS)

INTEGRATION_TESTS += tests/producer/kafka_mock_kcat.sh tests/producer/producer_basic.sh \
	tests/producer/producer_outage.sh tests/producer/producer_kill.sh \
	tests/producer/producer_errors.sh

BENCHES += tests/producer/producer_bench.sh
