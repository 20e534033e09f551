# tests/ringstat: gcb-ringfeed (segments in known states for the gcb-ringstat
# tests) and the walker's unit test.

PROGS += gcb-ringfeed
gcb-ringfeed.srcs = tests/ringstat/gcb_ringfeed.c $(SHM_SRCS)

PROGS += test-ringstat-walk
test-ringstat-walk.srcs = tests/ringstat/test_ringstat_walk.c $(RINGSTAT_WALK_SRCS) $(SHM_SRCS)
test-ringstat-walk.libs := $(call pkglibs,cmocka)
UNIT_TESTS += $(BIN)/test-ringstat-walk

INTEGRATION_TESTS += tests/ringstat/ringstat_scenarios.sh
INTEGRATION_TESTS += tests/ringstat/ringstat_dump.sh
INTEGRATION_TESTS += tests/ringstat/ringstat_readonly.sh
INTEGRATION_TESTS += tests/ringstat/ringstat_stress.sh
