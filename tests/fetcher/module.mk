# tests/fetcher: unit tests of the fetcher's parts and the integration harness.

PROGS += test-fetcher-parse
test-fetcher-parse.srcs = tests/fetcher/test_fetcher_parse.c \
	stages/source/gcb_poll.c $(JSON_SRCS) stages/source/gcb_errbody.c $(ARRAY_SRCS)
test-fetcher-parse.libs := $(call pkglibs,cmocka libcjson)

PROGS += test-fetcher-backoff
test-fetcher-backoff.srcs = tests/fetcher/test_fetcher_backoff.c \
	stages/source/gcb_backoff.c stages/source/gcb_token.c \
	$(HTTP_SRCS) stages/source/gcb_errbody.c $(LOG_SRCS)
test-fetcher-backoff.libs := $(call pkglibs,cmocka libcjson libcurl)
UNIT_TESTS += $(BIN)/test-fetcher-parse $(BIN)/test-fetcher-backoff

PROGS += fetcher-harness
fetcher-harness.srcs = tests/fetcher/fetcher_harness.c $(FETCHER_SRCS) \
	$(SHM_SRCS) $(LOG_SRCS) $(STAGE_SRCS) $(CONFIG_SRCS) $(STAGE_CONF_SRCS)
fetcher-harness.libs = $(FETCHER_LIBS) $(CONFIG_LIBS)

INTEGRATION_TESTS += tests/fetcher/fetcher_basic.sh tests/fetcher/fetcher_token.sh \
	tests/fetcher/fetcher_429.sh tests/fetcher/fetcher_faults.sh \
	tests/fetcher/fetcher_restart.sh

PROGS += test-fetcher-batch
test-fetcher-batch.srcs = tests/fetcher/test_fetcher_batch.c \
	stages/source/gcb_batch.c stages/source/gcb_ckpt.c \
	stages/source/gcb_poll.c $(JSON_SRCS) $(SHM_SRCS) $(LOG_SRCS) $(ARRAY_SRCS)
test-fetcher-batch.libs := $(call pkglibs,cmocka libcjson liburing)
UNIT_TESTS += $(BIN)/test-fetcher-batch
BENCHES += tests/fetcher/bench_fetcher.sh

# The poll-answer parser's fuzz target (tests/fetcher/fuzz_poll_parse.c, corpus
# tests/fetcher/corpus) is declared in tests/fuzz/module.mk.

PROGS += test-fetcher-spool
test-fetcher-spool.srcs = tests/fetcher/test_fetcher_spool.c \
	stages/fetcher/gcb_fetcher_spoolrec.c stages/fetcher/gcb_fetcher_spoolstat.c
test-fetcher-spool.libs := $(call pkglibs,cmocka)
UNIT_TESTS += $(BIN)/test-fetcher-spool

PROGS += test-fetcher-pspool
test-fetcher-pspool.srcs = tests/fetcher/test_fetcher_pspool.c $(FETCHER_SRCS) \
	$(SHM_SRCS) $(LOG_SRCS) $(STAGE_SRCS)
test-fetcher-pspool.libs = $(FETCHER_LIBS) $(call pkglibs,cmocka)
UNIT_TESTS += $(BIN)/test-fetcher-pspool
