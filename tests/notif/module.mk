# tests/notif: the notification source (docs/notif-source.md).

PROGS += test-notif-topics
test-notif-topics.srcs = tests/notif/test_notif_topics.c $(NOTIF_TOPICS_SRCS) $(JSON_SRCS)
test-notif-topics.libs := $(call pkglibs,cmocka)
UNIT_TESTS += $(BIN)/test-notif-topics

PROGS += test-notif-drained
test-notif-drained.srcs = tests/notif/test_drained.c stages/notif/gcb_drained.c
test-notif-drained.libs := $(call pkglibs,cmocka)
UNIT_TESTS += $(BIN)/test-notif-drained

PROGS += test-notif-rate
test-notif-rate.srcs = tests/notif/test_rate.c stages/notif/gcb_rate.c
test-notif-rate.libs := $(call pkglibs,cmocka)
UNIT_TESTS += $(BIN)/test-notif-rate

# Fetcher-level integration tests against gcb-sim.
INTEGRATION_TESTS += tests/notif/notif_flow.sh tests/notif/notif_faults.sh \
	tests/notif/notif_channels.sh tests/notif/notif_spool_full.sh tests/notif/notif_backfill.sh \
	tests/notif/notif_config.sh tests/notif/notif_kill.sh tests/notif/notif_rejected.sh \
	tests/notif/notif_token.sh tests/notif/notif_topic_budget.sh tests/notif/notif_combined.sh \
	tests/notif/notif_transports.sh tests/notif/notif_preflight.sh tests/notif/notif_rate.sh \
	tests/notif/notif_ondemand.sh tests/notif/notif_burst.sh
BENCHES += tests/notif/bench_notif.sh
