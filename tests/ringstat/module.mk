# tests/ringstat: gcb-ringfeed (segments in known states for the gcb-ringstat
# tests) and the walker's unit test.

$(eval $(call gcb_program,gcb-ringfeed,tests/ringstat/gcb_ringfeed.c $(SHM_SRCS),))

$(eval $(call gcb_program,test-ringstat-walk,tests/ringstat/test_ringstat_walk.c tools/ringstat/gcb_ringstat_walk.c $(SHM_SRCS),$(call pkglibs,cmocka)))
UNIT_TESTS += $(BIN)/test-ringstat-walk

INTEGRATION_TESTS += tests/integration/ringstat_scenarios.sh
INTEGRATION_TESTS += tests/integration/ringstat_dump.sh
INTEGRATION_TESTS += tests/integration/ringstat_readonly.sh
INTEGRATION_TESTS += tests/integration/ringstat_stress.sh
