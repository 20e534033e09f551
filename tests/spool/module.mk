# tests/spool: unit and crash tests of stages/spool.

$(eval $(call gcb_program,test-spool,tests/spool/test_spool.c $(SPOOL_SRCS) $(LOG_SRCS),$(SPOOL_LIBS) $(call pkglibs,cmocka)))
UNIT_TESTS += $(BIN)/test-spool

# Power cuts on a model of the disk (tests/spool/diskmodel.h) under the spool
# and the checkpoint.
$(eval $(call gcb_program,test-powercut,tests/spool/test_powercut.c tests/spool/diskmodel.c \
	$(SPOOL_SRCS) stages/fetcher/gcb_fetcher_ckpt.c $(LOG_SRCS),$(SPOOL_LIBS) \
	$(call pkglibs,cmocka libcjson liburing)))
UNIT_TESTS += $(BIN)/test-powercut

# The io_uring fdatasync seen by the kernel: no dirty page of a synced
# segment in the page cache (/proc/kpageflags; root, a disk-backed dir).
$(eval $(call gcb_program,test-spool-pagecache,tests/spool/test_pagecache.c $(SPOOL_SRCS) $(LOG_SRCS),$(SPOOL_LIBS) $(call pkglibs,cmocka)))
UNIT_TESTS += $(BIN)/test-spool-pagecache
