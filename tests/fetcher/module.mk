# tests/fetcher: unit tests of the fetcher's parts and the integration harness.

$(eval $(call gcb_program,test-fetcher-parse,tests/fetcher/test_fetcher_parse.c \
	stages/fetcher/gcb_fetcher_poll.c stages/fetcher/gcb_fetcher_json.c \
	stages/fetcher/gcb_fetcher_errbody.c,$(call pkglibs,cmocka libcjson)))
$(eval $(call gcb_program,test-fetcher-backoff,tests/fetcher/test_fetcher_backoff.c \
	stages/fetcher/gcb_fetcher_backoff.c stages/fetcher/gcb_fetcher_token.c \
	stages/fetcher/gcb_fetcher_http.c stages/fetcher/gcb_fetcher_errbody.c $(LOG_SRCS),\
	$(call pkglibs,cmocka libcjson libcurl)))
UNIT_TESTS += $(BIN)/test-fetcher-parse $(BIN)/test-fetcher-backoff

$(eval $(call gcb_program,fetcher-harness,tests/fetcher/fetcher_harness.c $(FETCHER_SRCS) \
	$(SHM_SRCS) $(LOG_SRCS) $(STAGE_SRCS),$(FETCHER_LIBS)))

INTEGRATION_TESTS += tests/integration/fetcher_basic.sh tests/integration/fetcher_token.sh \
	tests/integration/fetcher_429.sh tests/integration/fetcher_faults.sh \
	tests/integration/fetcher_restart.sh

$(eval $(call gcb_program,test-fetcher-batch,tests/fetcher/test_fetcher_batch.c \
	stages/fetcher/gcb_fetcher_batch.c stages/fetcher/gcb_fetcher_ckpt.c \
	stages/fetcher/gcb_fetcher_poll.c stages/fetcher/gcb_fetcher_json.c $(SHM_SRCS) \
	$(LOG_SRCS),$(call pkglibs,cmocka libcjson liburing)))
UNIT_TESTS += $(BIN)/test-fetcher-batch
BENCHES += tests/fetcher/bench_fetcher.sh

# Fuzzing the poll-answer parser with libFuzzer (clang): make fuzz-fetcher.
FETCHER_FUZZ_SRCS := stages/fetcher/gcb_fetcher_poll.c stages/fetcher/gcb_fetcher_json.c
FUZZ_BUILD ?= build/fuzz
FUZZ_SECONDS ?= 60
FUZZ_CC ?= clang

$(FUZZ_BUILD)/fuzz-fetcher-poll: tests/fetcher/fuzz_poll_parse.c $(FETCHER_FUZZ_SRCS) \
		$(wildcard stages/fetcher/gcb_fetcher_poll.h stages/fetcher/gcb_fetcher_json.h)
	@mkdir -p $(dir $@)
	@command -v $(FUZZ_CC) >/dev/null || { echo "fuzz-fetcher: $(FUZZ_CC) not found; run tools/install-deps fuzz" >&2; exit 2; }
	$(FUZZ_CC) -std=c11 -g -O1 -D_GNU_SOURCE -I. $(PKG_CFLAGS) \
		-fsanitize=fuzzer,address,undefined -fno-sanitize-recover=all \
		-o $@ tests/fetcher/fuzz_poll_parse.c $(FETCHER_FUZZ_SRCS) $(call pkglibs,libcjson)

.PHONY: fuzz-fetcher
fuzz-fetcher: $(FUZZ_BUILD)/fuzz-fetcher-poll
	@mkdir -p $(FUZZ_BUILD)/corpus-fetcher $(FUZZ_BUILD)/artifacts-fetcher
	$(FUZZ_BUILD)/fuzz-fetcher-poll -max_total_time=$(FUZZ_SECONDS) -max_len=4096 -timeout=10 \
		-artifact_prefix=$(FUZZ_BUILD)/artifacts-fetcher/ \
		$(FUZZ_BUILD)/corpus-fetcher tests/fetcher/corpus

fuzz: fuzz-fetcher
