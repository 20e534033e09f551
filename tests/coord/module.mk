# tests/coord: group coordination (docs/multihost.md). The end-to-end tests
# are tests/integration/e2e_multi_*.sh (picked up by tests/e2e/module.mk).
$(eval $(call gcb_program,test-coord-shard,tests/coord/test_coord_shard.c $(FETCHER_SRCS) \
	$(SHM_SRCS) $(LOG_SRCS) $(STAGE_SRCS) $(CONFIG_SRCS),$(FETCHER_LIBS) $(call pkglibs,cmocka inih)))
UNIT_TESTS += $(BIN)/test-coord-shard
