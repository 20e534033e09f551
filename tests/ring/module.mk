# tests/ring/: two-process stress tests of the shared-memory ring, driven by
# tests/integration/ring_*.sh.

PROGS += gcb-ring-stress
gcb-ring-stress.srcs = tests/ring/ring_stress.c tests/ring/ring_payload.c $(SHM_SRCS)

INTEGRATION_TESTS += tests/integration/ring_stream.sh tests/integration/ring_crash_consumer.sh \
		     tests/integration/ring_crash_producer.sh tests/integration/ring_crash_both.sh \
		     tests/integration/ring_wait.sh
