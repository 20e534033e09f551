# tests/validator/: the validator's unit tests and round-trip checks.

$(eval $(call gcb_program,test-validator-map,tests/validator/test_map.c $(VALIDATOR_SRCS),$(VALIDATOR_LIBS) $(call pkglibs,cmocka)))
UNIT_TESTS += $(BIN)/test-validator-map

$(eval $(call gcb_program,test-validator-vproc,tests/validator/test_vproc.c $(VALIDATOR_SRCS),$(VALIDATOR_LIBS) $(call pkglibs,cmocka)))
UNIT_TESTS += $(BIN)/test-validator-vproc
INTEGRATION_TESTS += tests/integration/validator_roundtrip.sh

$(eval $(call gcb_program,test-validator-crash,tests/validator/test_validator_crash.c $(VALIDATOR_STAGE_SRCS) $(SHM_SRCS) $(LOG_SRCS) $(STAGE_SRCS),$(VALIDATOR_LIBS)))
UNIT_TESTS += $(BIN)/test-validator-crash

# Fuzzing the mapper (tests/fuzz/fuzz_mapper.c).
# `make fuzz` builds it with clang + libFuzzer and runs it for FUZZ_SECONDS
# over a scratch corpus seeded from tests/fuzz/corpus/mapper; new crashers go
# to build/fuzz/mapper/. The seed/regression corpus is replayed by a plain
# gcc build in `make check`.
FUZZ_CC ?= clang
FUZZ_SECONDS ?= 60
FUZZ_CFLAGS := -std=c11 -D_GNU_SOURCE -I. -g -O1 $(PKG_CFLAGS) \
	-fsanitize=fuzzer,address,undefined -fno-sanitize-recover=undefined

$(eval $(call gcb_program,fuzz-mapper-replay,tests/fuzz/fuzz_mapper_replay.c $(VALIDATOR_SRCS),$(VALIDATOR_LIBS)))
UNIT_TESTS += $(BIN)/fuzz-mapper-replay

build/fuzz/fuzz-mapper: tests/fuzz/fuzz_mapper.c $(VALIDATOR_SRCS) $(wildcard stages/validator/*.h)
	@mkdir -p $(dir $@)
	$(FUZZ_CC) $(FUZZ_CFLAGS) -o $@ tests/fuzz/fuzz_mapper.c $(VALIDATOR_SRCS) $(VALIDATOR_LIBS)

.PHONY: fuzz-mapper
fuzz-mapper:
	@tools/install-deps fuzz
	@$(MAKE) --no-print-directory build/fuzz/fuzz-mapper
	@mkdir -p build/fuzz/mapper/corpus build/fuzz/mapper/crashes
	GCB_ROOT=$(CURDIR) LSAN_OPTIONS=suppressions=$(CURDIR)/tests/fuzz/lsan-mapper.supp \
		build/fuzz/fuzz-mapper -max_total_time=$(FUZZ_SECONDS) -max_len=8192 \
		-artifact_prefix=build/fuzz/mapper/crashes/ \
		build/fuzz/mapper/corpus tests/fuzz/corpus/mapper

fuzz: fuzz-mapper
INTEGRATION_TESTS += tests/integration/validator_cli.sh

$(eval $(call gcb_program,test-validator-reload,tests/validator/test_validator_reload.c $(VALIDATOR_STAGE_SRCS) $(SHM_SRCS) $(LOG_SRCS) $(STAGE_SRCS),$(VALIDATOR_LIBS)))
UNIT_TESTS += $(BIN)/test-validator-reload
INTEGRATION_TESTS += tests/integration/validator_sim.sh
