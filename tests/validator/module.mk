# tests/validator/: the validator's unit tests and round-trip checks.

PROGS += test-validator-map
test-validator-map.srcs = tests/validator/test_map.c $(VALIDATOR_SRCS)
test-validator-map.libs = $(VALIDATOR_LIBS) $(call pkglibs,cmocka)
UNIT_TESTS += $(BIN)/test-validator-map

PROGS += test-validator-vproc
test-validator-vproc.srcs = tests/validator/test_vproc.c $(VALIDATOR_SRCS)
test-validator-vproc.libs = $(test-validator-map.libs)
UNIT_TESTS += $(BIN)/test-validator-vproc
INTEGRATION_TESTS += tests/validator/validator_roundtrip.sh

PROGS += test-validator-crash
test-validator-crash.srcs = tests/validator/test_validator_crash.c $(VALIDATOR_STAGE_SRCS) \
	$(SHM_SRCS) $(LOG_SRCS) $(STAGE_SRCS)
test-validator-crash.libs = $(VALIDATOR_LIBS)
UNIT_TESTS += $(BIN)/test-validator-crash

# The mapper's fuzz target (tests/fuzz/fuzz_mapper.c) and its corpus replay
# are declared in tests/fuzz/module.mk.
INTEGRATION_TESTS += tests/validator/validator_cli.sh

PROGS += test-validator-reload
test-validator-reload.srcs = tests/validator/test_validator_reload.c $(VALIDATOR_STAGE_SRCS) \
	$(SHM_SRCS) $(LOG_SRCS) $(STAGE_SRCS)
test-validator-reload.libs = $(VALIDATOR_LIBS)
UNIT_TESTS += $(BIN)/test-validator-reload
INTEGRATION_TESTS += tests/validator/validator_sim.sh

# Notification topic names, and notification messages end to end through gcb-validate.
PROGS += test-validator-topic
test-validator-topic.srcs = tests/validator/test_topic.c stages/validator/gcb_topic.c
test-validator-topic.libs := $(call pkglibs,cmocka)
UNIT_TESTS += $(BIN)/test-validator-topic
INTEGRATION_TESTS += tests/validator/validator_notif.sh
