# tests/ring/: two-process stress tests of the shared-memory ring, driven by
# tests/integration/ring_*.sh.

RING_STRESS_SRCS := tests/ring/ring_stress.c tests/ring/ring_payload.c

$(eval $(call gcb_program,gcb-ring-stress,$(RING_STRESS_SRCS) $(SHM_SRCS),))

INTEGRATION_TESTS += tests/integration/ring_stream.sh tests/integration/ring_crash_consumer.sh \
		     tests/integration/ring_crash_producer.sh tests/integration/ring_crash_both.sh \
		     tests/integration/ring_wait.sh
