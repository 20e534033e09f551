# tests/coord: group coordination (docs/multihost.md). The end-to-end tests
# are tests/e2e/e2e_multi_*.sh (picked up by tests/e2e/module.mk).
PROGS += test-coord-shard
test-coord-shard.srcs = tests/coord/test_coord_shard.c $(FETCHER_SRCS) \
	$(SHM_SRCS) $(LOG_SRCS) $(STAGE_SRCS) $(CONFIG_SRCS)
test-coord-shard.libs = $(FETCHER_LIBS) $(call pkglibs,cmocka inih)
UNIT_TESTS += $(BIN)/test-coord-shard

PROGS += test-coord-state
test-coord-state.srcs = tests/coord/test_coord_state.c $(FETCHER_SRCS) \
	$(SHM_SRCS) $(LOG_SRCS) $(STAGE_SRCS) $(CONFIG_SRCS)
test-coord-state.libs = $(FETCHER_LIBS) $(call pkglibs,cmocka inih)
UNIT_TESTS += $(BIN)/test-coord-state
