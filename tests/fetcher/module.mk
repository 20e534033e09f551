# tests/fetcher: unit tests of the fetcher's parts and the integration harness.

$(eval $(call gcb_program,test-fetcher-parse,tests/fetcher/test_fetcher_parse.c \
	stages/fetcher/gcb_fetcher_poll.c lib/gcb_json.c \
	stages/fetcher/gcb_fetcher_errbody.c,$(call pkglibs,cmocka libcjson)))
$(eval $(call gcb_program,test-fetcher-backoff,tests/fetcher/test_fetcher_backoff.c \
	stages/fetcher/gcb_fetcher_backoff.c stages/fetcher/gcb_fetcher_token.c \
	lib/gcb_http.c lib/gcb_http_sink.c lib/gcb_buf.c stages/fetcher/gcb_fetcher_errbody.c $(LOG_SRCS),\
	$(call pkglibs,cmocka libcjson libcurl)))
UNIT_TESTS += $(BIN)/test-fetcher-parse $(BIN)/test-fetcher-backoff

$(eval $(call gcb_program,fetcher-harness,tests/fetcher/fetcher_harness.c $(FETCHER_SRCS) \
	$(SHM_SRCS) $(LOG_SRCS) $(STAGE_SRCS) $(CONFIG_SRCS),$(FETCHER_LIBS) $(call pkglibs,inih)))

INTEGRATION_TESTS += tests/integration/fetcher_basic.sh tests/integration/fetcher_token.sh \
	tests/integration/fetcher_429.sh tests/integration/fetcher_faults.sh \
	tests/integration/fetcher_restart.sh

$(eval $(call gcb_program,test-fetcher-batch,tests/fetcher/test_fetcher_batch.c \
	stages/fetcher/gcb_fetcher_batch.c stages/fetcher/gcb_fetcher_ckpt.c \
	stages/fetcher/gcb_fetcher_poll.c lib/gcb_json.c $(SHM_SRCS) \
	$(LOG_SRCS),$(call pkglibs,cmocka libcjson liburing)))
UNIT_TESTS += $(BIN)/test-fetcher-batch
BENCHES += tests/fetcher/bench_fetcher.sh

# The poll-answer parser's fuzz target (tests/fetcher/fuzz_poll_parse.c, corpus
# tests/fetcher/corpus) is declared in tests/fuzz/module.mk.
