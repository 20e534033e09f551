# tests/producer: unit test of the producer configuration, and the driver the
# producer_*.sh integration tests run against gcb-kafka-mock.

$(eval $(call gcb_program,test-producer-conf,tests/producer/test_producer_conf.c $(PRODUCER_SRCS) $(STAGE_SRCS) $(SHM_SRCS) $(LOG_SRCS),$(PRODUCER_LIBS) $(call pkglibs,cmocka)))
UNIT_TESTS += $(BIN)/test-producer-conf

$(eval $(call gcb_program,test-producer-headers,tests/producer/test_producer_headers.c stages/producer/gcb_producer_headers.c,$(call pkglibs,rdkafka cmocka)))
UNIT_TESTS += $(BIN)/test-producer-headers

$(eval $(call gcb_program,test-producer-drive,tests/producer/test_producer_drive.c $(PRODUCER_SRCS) $(STAGE_SRCS) $(SHM_SRCS) $(LOG_SRCS),$(PRODUCER_LIBS)))
PROGRAMS += $(BIN)/test-producer-drive

INTEGRATION_TESTS += tests/integration/kafka_mock_kcat.sh tests/integration/producer_basic.sh \
	tests/integration/producer_outage.sh tests/integration/producer_kill.sh \
	tests/integration/producer_errors.sh

BENCHES += tests/integration/producer_bench.sh
