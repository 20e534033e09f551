# tests/validator/: the validator's unit tests and round-trip checks.

$(eval $(call gcb_program,test-validator-map,tests/validator/test_map.c $(VALIDATOR_SRCS),$(VALIDATOR_LIBS) $(call pkglibs,cmocka)))
UNIT_TESTS += $(BIN)/test-validator-map

$(eval $(call gcb_program,test-validator-vproc,tests/validator/test_vproc.c $(VALIDATOR_SRCS),$(VALIDATOR_LIBS) $(call pkglibs,cmocka)))
UNIT_TESTS += $(BIN)/test-validator-vproc
INTEGRATION_TESTS += tests/integration/validator_roundtrip.sh

$(eval $(call gcb_program,test-validator-crash,tests/validator/test_validator_crash.c $(VALIDATOR_STAGE_SRCS) $(SHM_SRCS) $(LOG_SRCS) $(STAGE_SRCS),$(VALIDATOR_LIBS)))
UNIT_TESTS += $(BIN)/test-validator-crash

# The mapper's fuzz target (tests/fuzz/fuzz_mapper.c) and its corpus replay
# are declared in tests/fuzz/module.mk.
INTEGRATION_TESTS += tests/integration/validator_cli.sh

$(eval $(call gcb_program,test-validator-reload,tests/validator/test_validator_reload.c $(VALIDATOR_STAGE_SRCS) $(SHM_SRCS) $(LOG_SRCS) $(STAGE_SRCS),$(VALIDATOR_LIBS)))
UNIT_TESTS += $(BIN)/test-validator-reload
INTEGRATION_TESTS += tests/integration/validator_sim.sh

# Notification topic names, and notification messages end to end through gcb-validate.
$(eval $(call gcb_program,test-validator-topic,tests/validator/test_topic.c stages/validator/gcb_topic.c,$(call pkglibs,cmocka)))
UNIT_TESTS += $(BIN)/test-validator-topic
INTEGRATION_TESTS += tests/integration/validator_notif.sh
