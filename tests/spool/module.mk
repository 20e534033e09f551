# tests/spool: unit and crash tests of stages/spool.

PROGS += test-spool
test-spool.srcs = tests/spool/test_spool.c $(SPOOL_SRCS) $(LOG_SRCS)
test-spool.libs = $(SPOOL_LIBS) $(call pkglibs,cmocka)
UNIT_TESTS += $(BIN)/test-spool

# Power cuts on a model of the disk (tests/spool/diskmodel.h) under the spool
# and the checkpoint.
PROGS += test-powercut
test-powercut.srcs = tests/spool/test_powercut.c tests/spool/diskmodel.c \
	$(SPOOL_SRCS) stages/source/gcb_ckpt.c $(LOG_SRCS)
test-powercut.libs = $(SPOOL_LIBS) $(call pkglibs,cmocka libcjson liburing)
UNIT_TESTS += $(BIN)/test-powercut

# The io_uring fdatasync seen by the kernel: no dirty page of a synced
# segment in the page cache (/proc/kpageflags; root, a disk-backed dir).
PROGS += test-spool-pagecache
test-spool-pagecache.srcs = tests/spool/test_pagecache.c $(SPOOL_SRCS) $(LOG_SRCS)
test-spool-pagecache.libs = $(SPOOL_LIBS) $(call pkglibs,cmocka)
UNIT_TESTS += $(BIN)/test-spool-pagecache
