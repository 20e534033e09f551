# tests/: unit tests (cmocka), integration tests (scripts run by tests/run).

PROGS += test-ring
test-ring.srcs = tests/unit/test_ring.c $(SHM_SRCS)
test-ring.libs := $(call pkglibs,cmocka)
UNIT_TESTS += $(BIN)/test-ring
