# tests/: unit tests (cmocka), integration tests (scripts run by tests/run).

$(eval $(call gcb_program,test-ring,tests/unit/test_ring.c $(SHM_SRCS),$(call pkglibs,cmocka)))
UNIT_TESTS += $(BIN)/test-ring
