# tests/spool: unit and crash tests of stages/spool.

$(eval $(call gcb_program,test-spool,tests/spool/test_spool.c $(SPOOL_SRCS) $(LOG_SRCS),$(SPOOL_LIBS) $(call pkglibs,cmocka)))
UNIT_TESTS += $(BIN)/test-spool
