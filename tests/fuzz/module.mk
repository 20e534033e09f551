# tests/fuzz: the libFuzzer targets, built with clang and run by `make fuzz`,
# and their corpus replays, built with the normal compiler and run by
# `make check` / `make asan`.
#
# Every target is declared by one gcb_fuzz call, which defines:
#   $(FUZZ_BUILD)/fuzz-NAME   clang -fsanitize=fuzzer,address,undefined
#   fuzz-NAME                 runs it for FUZZ_SECONDS over a scratch corpus
#                             ($(FUZZ_BUILD)/corpus-NAME) seeded from CORPUS,
#                             which is only read; crashes go to
#                             $(FUZZ_BUILD)/artifacts-NAME/, the output to
#                             $(FUZZ_BUILD)/fuzz-NAME.log
#   $(BIN)/fuzz-replay-NAME   tests/fuzz/fuzz_replay.c + the target: replays
#                             CORPUS (a unit test)
# A crash, once fixed, is copied into CORPUS so the replay keeps it fixed.

FUZZ_BUILD ?= build/fuzz
FUZZ_SECONDS ?= 60
FUZZ_CC ?= clang
FUZZ_CFLAGS := -std=c11 -g -O1 -D_GNU_SOURCE -I. $(PKG_CFLAGS) \
	-fsanitize=fuzzer,address,undefined -fno-sanitize-recover=all
FUZZ_TARGETS :=
FUZZ_BINS :=

ifndef GCB_AVSC_SRCS
include tools/schema/module.mk
endif

# $(call gcb_fuzz,NAME,TARGET_SRC,SOURCES,LIBS,CORPUS,LIBFUZZER_OPTIONS,ENV)
define gcb_fuzz
FUZZ_TARGETS += fuzz-$(1)
FUZZ_BINS += $(FUZZ_BUILD)/fuzz-$(1)

$(FUZZ_BUILD)/fuzz-$(1): $(2) $(3) $(wildcard $(addsuffix *.h,$(sort $(dir $(2) $(3))))) | fuzz-deps
	@mkdir -p $$(dir $$@)
	$$(FUZZ_CC) $$(FUZZ_CFLAGS) -o $$@ $(2) $(3) $(4)

.PHONY: fuzz-$(1)
fuzz-$(1): $(FUZZ_BUILD)/fuzz-$(1)
	@mkdir -p $(FUZZ_BUILD)/corpus-$(1) $(FUZZ_BUILD)/artifacts-$(1)
	@echo "fuzz-$(1): $$(FUZZ_SECONDS)s over $(strip $(5)), log in $(FUZZ_BUILD)/fuzz-$(1).log"
	@{ GCB_ROOT=$$(CURDIR) $(7) $(FUZZ_BUILD)/fuzz-$(1) -max_total_time=$$(FUZZ_SECONDS) \
		-timeout=10 -print_final_stats=1 $(6) \
		-artifact_prefix=$(FUZZ_BUILD)/artifacts-$(1)/ \
		$(FUZZ_BUILD)/corpus-$(1) $(strip $(5)) 2>&1; echo $$$$? >$(FUZZ_BUILD)/fuzz-$(1).rc; } \
		| tee $(FUZZ_BUILD)/fuzz-$(1).log | grep -E '^#[0-9]+[[:space:]]+(INITED|DONE)|^stat::|ERROR|SUMMARY|^artifact_prefix|Test unit written'
	@exit $$$$(cat $(FUZZ_BUILD)/fuzz-$(1).rc)

PROGRAMS += $(BIN)/fuzz-replay-$(1)
UNIT_TESTS += $(BIN)/fuzz-replay-$(1)
$(BUILD)/tests/fuzz/replay-$(1).o: tests/fuzz/fuzz_replay.c
	@mkdir -p $$(dir $$@)
	$$(CC) $$(CFLAGS) -DGCB_FUZZ_CORPUS='"$(strip $(5))"' -MMD -MP -c -o $$@ $$<
$(BIN)/fuzz-replay-$(1): $(BUILD)/tests/fuzz/replay-$(1).o $(patsubst %.c,$(BUILD)/%.o,$(2) $(3)) | $(BIN)
	$$(CC) $$(LDFLAGS) -o $$@ $$^ $(4) $$(LDLIBS)
endef

.PHONY: fuzz-deps
fuzz-deps:
	@tools/install-deps fuzz

# The JSON -> Avro mapper (whole per-event path, value mapping, schema load).
# libavro-c leaves a few unreachable blocks after long runs that no saved
# input reproduces (tests/fuzz/lsan-mapper.supp).
$(eval $(call gcb_fuzz,mapper,tests/fuzz/fuzz_mapper.c,$(VALIDATOR_SRCS),$(VALIDATOR_LIBS),\
	tests/fuzz/corpus/mapper,-max_len=8192,\
	LSAN_OPTIONS=suppressions=$(CURDIR)/tests/fuzz/lsan-mapper.supp))

# The fetcher's poll-answer parser and JSON scanner.
$(eval $(call gcb_fuzz,fetcher,tests/fetcher/fuzz_poll_parse.c,\
	stages/fetcher/gcb_fetcher_poll.c lib/gcb_json.c,$(call pkglibs,libcjson),\
	tests/fetcher/corpus,-max_len=4096,))

# The configuration loader, print and reload on arbitrary INI text.
$(eval $(call gcb_fuzz,config,tests/fuzz/fuzz_config.c,$(CONFIG_SRCS),$(call pkglibs,inih),\
	tests/fuzz/corpus/config,-max_len=1024 -dict=tests/fuzz/config.dict,))

# gcb-ringstat's record walker on arbitrary ring control block + data bytes.
$(eval $(call gcb_fuzz,ringstat,tests/ringstat/fuzz_ringstat_walk.c,\
	tools/ringstat/gcb_ringstat_walk.c $(SHM_SRCS),,tests/fuzz/corpus/ringstat,-max_len=8192,))

# The Avro schema linter, canonical form and compatibility check.
$(eval $(call gcb_fuzz,avsc,tests/fuzz/fuzz_avsc_lint.c,$(GCB_AVSC_SRCS),$(GCB_AVSC_LIBS),\
	tests/fuzz/corpus/avsc,-max_len=8192 -dict=tests/schema/avsc.dict,))

# The security review's list (docs/fuzz.md): parsers of bytes another
# process, a server or a file on disk controls.

# The shared-memory segment header, as gcb_shm_attach() checks it.
$(eval $(call gcb_fuzz,shm_header,tests/fuzz/fuzz_shm_header.c,shm/gcb_shm_check.c,,\
	tests/fuzz/corpus/shm_header,-max_len=65536,))

# The notification message scan for its topicName.
$(eval $(call gcb_fuzz,notif_scan,tests/fuzz/fuzz_notif_scan.c,\
	stages/notif/gcb_notif_scan.c lib/gcb_json.c,$(call pkglibs,libcjson),\
	tests/fuzz/corpus/notif_scan,-max_len=4096,))

# OAuth token answers and error bodies.
$(eval $(call gcb_fuzz,token_errbody,tests/fuzz/fuzz_token_errbody.c,\
	stages/fetcher/gcb_fetcher_token.c stages/fetcher/gcb_fetcher_errbody.c \
	lib/gcb_http.c lib/gcb_http_sink.c lib/gcb_buf.c $(LOG_SRCS),$(call pkglibs,libcurl libcjson),\
	tests/fuzz/corpus/token_errbody,-max_len=8192,))

# Response headers: correlation id, rate-limit budget, Retry-After.
$(eval $(call gcb_fuzz,http_headers,tests/fuzz/fuzz_http_headers.c,\
	lib/gcb_http.c lib/gcb_http_sink.c lib/gcb_buf.c $(LOG_SRCS),$(call pkglibs,libcurl),\
	tests/fuzz/corpus/http_headers,-max_len=2048,))

# WebSocket frames from the server, the upgrade answer, connectUri.
$(eval $(call gcb_fuzz,ws,tests/fuzz/fuzz_ws.c,$(wildcard stages/ws/gcb_ws*.c) $(LOG_SRCS),\
	$(call pkglibs,libssl libcrypto) -lwslay,tests/fuzz/corpus/ws,-max_len=16384,))

# The gap log, alive mark and backfill job read back at start.
$(eval $(call gcb_fuzz,state_files,tests/fuzz/fuzz_state_files.c,\
	$(GAPS_SRCS) $(BACKFILL_SRCS) stages/fetcher/gcb_fetcher_backoff.c \
	stages/fetcher/gcb_fetcher_ckpt.c stages/fetcher/gcb_fetcher_errbody.c lib/gcb_dir.c \
	$(LOG_SRCS),$(call pkglibs,libcjson liburing),tests/fuzz/corpus/state_files,-max_len=8192,))

# Spool segments recovered at open (torn, corrupt, planted).
$(eval $(call gcb_fuzz,spool,tests/fuzz/fuzz_spool.c,$(wildcard stages/spool/gcb_spool*.c) \
	lib/gcb_dir.c $(LOG_SRCS),$(call pkglibs,liburing),tests/fuzz/corpus/spool,-max_len=16384,))
