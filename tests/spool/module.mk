# tests/spool: unit and crash tests of stages/spool.

$(eval $(call gcb_program,test-spool,tests/spool/test_spool.c $(SPOOL_SRCS) $(LOG_SRCS),$(SPOOL_LIBS) $(call pkglibs,cmocka)))
UNIT_TESTS += $(BIN)/test-spool

# Power cuts on a model of the disk (tests/spool/diskmodel.h) under the spool
# and the checkpoint.
$(eval $(call gcb_program,test-powercut,tests/spool/test_powercut.c tests/spool/diskmodel.c \
	$(SPOOL_SRCS) stages/fetcher/gcb_fetcher_ckpt.c $(LOG_SRCS),$(SPOOL_LIBS) \
	$(call pkglibs,cmocka libcjson liburing)))
UNIT_TESTS += $(BIN)/test-powercut
