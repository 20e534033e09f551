# tests/schema: the Avro schema tooling (canonical form, linter, compatibility,
# gcb-schema CLI) and the replay of the linter's fuzz corpus.

ifndef GCB_AVSC_SRCS
include tools/schema/module.mk
endif

$(eval $(call gcb_program,test-avsc-canonical,tests/schema/test_avsc_canonical.c $(GCB_AVSC_SRCS),$(call pkglibs,cmocka) $(GCB_AVSC_LIBS)))
$(eval $(call gcb_program,test-avsc-lint,tests/schema/test_avsc_lint.c $(GCB_AVSC_SRCS),$(call pkglibs,cmocka) $(GCB_AVSC_LIBS)))
$(eval $(call gcb_program,test-avsc-compat,tests/schema/test_avsc_compat.c $(GCB_AVSC_SRCS),$(call pkglibs,cmocka) $(GCB_AVSC_LIBS)))
$(eval $(call gcb_program,test-avsc-fuzz-replay,tests/schema/fuzz_replay.c tests/fuzz/fuzz_avsc_lint.c $(GCB_AVSC_SRCS),$(GCB_AVSC_LIBS)))

UNIT_TESTS += $(BIN)/test-avsc-canonical $(BIN)/test-avsc-lint $(BIN)/test-avsc-compat \
	$(BIN)/test-avsc-fuzz-replay
INTEGRATION_TESTS += tests/integration/schema_cli.sh tests/integration/schema_compat_diff.sh

# Fuzzing the linter with libFuzzer (clang; `tools/install-deps fuzz`).
# New inputs go to a scratch corpus; tests/fuzz/corpus/avsc is only read.
FUZZ_BUILD ?= build/fuzz
FUZZ_SECONDS ?= 60
FUZZ_CC ?= clang

$(FUZZ_BUILD)/fuzz-avsc-lint: tests/fuzz/fuzz_avsc_lint.c $(GCB_AVSC_SRCS) $(wildcard stages/validator/gcb_avsc*.h)
	@mkdir -p $(dir $@)
	@command -v $(FUZZ_CC) >/dev/null || { echo "fuzz-avsc: $(FUZZ_CC) not found; run tools/install-deps fuzz" >&2; exit 2; }
	$(FUZZ_CC) -std=c11 -g -O1 -D_GNU_SOURCE -I. $(PKG_CFLAGS) \
		-fsanitize=fuzzer,address,undefined -fno-sanitize-recover=all \
		-o $@ tests/fuzz/fuzz_avsc_lint.c $(GCB_AVSC_SRCS) $(GCB_AVSC_LIBS)

.PHONY: fuzz-avsc
fuzz-avsc: $(FUZZ_BUILD)/fuzz-avsc-lint
	@mkdir -p $(FUZZ_BUILD)/corpus-avsc $(FUZZ_BUILD)/artifacts-avsc
	$(FUZZ_BUILD)/fuzz-avsc-lint -max_total_time=$(FUZZ_SECONDS) -max_len=8192 -timeout=10 \
		-dict=tests/schema/avsc.dict \
		-artifact_prefix=$(FUZZ_BUILD)/artifacts-avsc/ \
		$(FUZZ_BUILD)/corpus-avsc tests/fuzz/corpus/avsc

fuzz: fuzz-avsc
