# tests/ring/: the ring's unit test, and two-process stress tests of the
# shared-memory ring driven by tests/ring/ring_*.sh.

PROGS += test-ring
test-ring.srcs = tests/ring/test_ring.c $(SHM_SRCS)
test-ring.libs := $(call pkglibs,cmocka)
UNIT_TESTS += $(BIN)/test-ring

PROGS += gcb-ring-stress
gcb-ring-stress.srcs = tests/ring/ring_stress.c tests/ring/ring_payload.c $(SHM_SRCS)

INTEGRATION_TESTS += tests/ring/ring_stream.sh tests/ring/ring_crash_consumer.sh \
		     tests/ring/ring_crash_producer.sh tests/ring/ring_crash_both.sh \
		     tests/ring/ring_wait.sh
