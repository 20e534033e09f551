# tests/ops: the operations surface of bin/gcbridge (metrics, health,
# systemd notification, the unit file, make install).
INTEGRATION_TESTS += $(filter-out %/ops_lib.sh,$(sort $(wildcard tests/ops/ops_*.sh)))

PROGS += test-metrics
test-metrics.srcs = tests/ops/test_metrics.c supervisor/gcb_metrics_render.c \
	supervisor/gcb_metrics_table.c supervisor/gcb_health.c $(SHM_SRCS) $(LOG_SRCS) $(BUF_SRCS)
test-metrics.libs := $(call pkglibs,cmocka)
UNIT_TESTS += $(BIN)/test-metrics
