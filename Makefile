# gcbridge — one non-recursive GNU Makefile.
#
# Every folder has a module.mk that only declares: its sources and libraries
# (FOO_SRCS, FOO_LIBS), the programs built from them, its tests and benches.
# A program is declared by name, with recursive (=) variables so that a
# module may name another module's sources whatever the include order:
#
#   PROGS += gcb-validate
#   gcb-validate.srcs = tools/validate/gcb_validate_main.c $(VALIDATOR_SRCS)
#   gcb-validate.libs = $(VALIDATOR_LIBS)
#
# and a fuzz target the same way (FUZZ += NAME, fuzz.NAME.*; see
# tests/fuzz/module.mk). The rules for all of them are made here, after every
# module.mk has been read. Variables calling pkg-config use := (run once).
# Objects go to $(BUILD), binaries to $(BIN). Output is one short line per
# file (CC build/..., LD bin/...); V=1 prints the full commands.
#
# User-facing targets (each first runs tools/install-deps):
#   make run     the pipeline on its embedded default
#   make test    unit + integration tests, one summary line "N passed, N failed"
#                (TEST_JOBS=N at a time, T=WORD only the tests named *WORD*)
#   make asan    the same tests under AddressSanitizer + UBSan
#   make bench   the benchmarks, the performance table last
#                (UPDATE_README=1 writes that table into README.md)
#   make fuzz    the fuzz targets (clang/libFuzzer)
#   make mutants deliberate bugs, each of which a test must catch

.DEFAULT_GOAL := all
MAKEFLAGS += --no-builtin-rules
.SUFFIXES:

BUILD ?= build/release
BIN   ?= bin
SAN   ?=
JOBS  ?= $(shell nproc 2>/dev/null || echo 2)

PKGS := libcurl rdkafka avro-c libcjson liburing inih libmicrohttpd cmocka libsystemd
PKG_CFLAGS := $(shell pkg-config --cflags $(PKGS) 2>/dev/null)
pkglibs = $(shell pkg-config --libs $(1) 2>/dev/null)

# Hardening is on by default (stack protector, FORTIFY, stack clash and CET
# protection, full RELRO with BIND_NOW, PIE); tests/security/elf_hardening.sh
# checks the built binaries. The user's (or the distribution's) CFLAGS,
# CPPFLAGS and LDFLAGS come after ours, so they can add to or override them.
HARDEN_CFLAGS := -fstack-protector-strong -fstack-clash-protection -fcf-protection \
	-Wformat -Wformat-security -fPIE
HARDEN_CPPFLAGS := -U_FORTIFY_SOURCE -D_FORTIFY_SOURCE=2
HARDEN_LDFLAGS := -pie -Wl,-z,relro,-z,now
override CFLAGS := -std=c11 -Wall -Wextra -Werror -O2 -g -D_GNU_SOURCE -I. \
	   -fno-strict-aliasing $(HARDEN_CPPFLAGS) $(HARDEN_CFLAGS) $(PKG_CFLAGS) $(SAN) \
	   $(EXTRA_CFLAGS) $(CPPFLAGS) $(CFLAGS)
override LDFLAGS := $(HARDEN_LDFLAGS) $(SAN) $(EXTRA_LDFLAGS) $(LDFLAGS)
LDLIBS  := -lpthread -lm

# The daemon's allocator (docs/performance.md#the-allocator). librdkafka
# allocates and frees a message object and its header list for every event;
# under glibc's malloc that was a third of the producer stage, and tcmalloc
# (gperftools, Debian's libgoogle-perftools-dev) cuts the stage's CPU per
# event by about a third. ALLOCATOR=libc keeps glibc's; so do sanitizer
# builds, ASan bringing its own malloc. No parse-time check that tcmalloc is
# installed: `make test` and `make run` install it (deps) before they link.
ALLOCATOR ?= tcmalloc
ifneq ($(filter-out tcmalloc libc,$(ALLOCATOR))$(words $(ALLOCATOR)),1)
$(error ALLOCATOR=$(ALLOCATOR): choose tcmalloc or libc)
endif
ALLOCATOR_LIBS :=
ifeq ($(SAN)$(ALLOCATOR),tcmalloc)
ALLOCATOR_LIBS := $(or $(call pkglibs,libtcmalloc_minimal),-ltcmalloc_minimal)
endif

PROGRAMS :=
PROGS :=
UNIT_TESTS :=
INTEGRATION_TESTS :=
BENCHES :=
FUZZ :=

# Quiet output: $(call quiet,TAG,FILE) prints "TAG FILE" unless V=1.
ifeq ($(V),1)
quiet =
else
quiet = @printf '  %-5s %s\n' '$(1)' '$(2)';
endif

include $(sort $(wildcard */module.mk */*/module.mk))

# $(call gcb_program,NAME): link $(BIN)/NAME from $(NAME.srcs) with $(NAME.libs).
# ($^ lists a source named twice once.)
define gcb_program
PROGRAMS += $(BIN)/$(1)
$(BIN)/$(1): $(patsubst %.c,$(BUILD)/%.o,$($(1).srcs)) | $(BIN)
	$$(call quiet,LD,$$@)$$(CC) $$(LDFLAGS) -o $$@ $$(filter %.o,$$^) $($(1).libs) $$(LDLIBS)
endef
$(foreach p,$(PROGS),$(eval $(call gcb_program,$(p))))
# The daemon is linked again when its libraries or the allocator change.
$(BIN)/gcbridge: Makefile supervisor/module.mk

$(BUILD)/%.o: %.c
	@mkdir -p $(dir $@)
	$(call quiet,CC,$@)$(CC) $(CFLAGS) -MMD -MP -c -o $@ $<

$(BIN):
	@mkdir -p $@

-include $(shell find $(BUILD) -name '*.d' 2>/dev/null)

# Fuzz targets (declared in tests/fuzz/module.mk). For each NAME:
#   $(FUZZ_BUILD)/fuzz-NAME   clang -fsanitize=fuzzer,address,undefined
#   fuzz-NAME                 runs it for FUZZ_SECONDS over a scratch corpus
#                             ($(FUZZ_BUILD)/corpus-NAME) seeded from the
#                             corpus, which is only read; crashes go to
#                             $(FUZZ_BUILD)/artifacts-NAME/, the output to
#                             $(FUZZ_BUILD)/fuzz-NAME.log
#   $(BIN)/fuzz-replay-NAME   tests/fuzz/fuzz_replay.c + the target: replays
#                             the corpus (a unit test)
FUZZ_BUILD ?= build/fuzz
FUZZ_SECONDS ?= 60
FUZZ_CC ?= clang
FUZZ_CFLAGS := -std=c11 -g -O1 -D_GNU_SOURCE -I. $(PKG_CFLAGS) \
	-fsanitize=fuzzer,address,undefined -fno-sanitize-recover=all
FUZZ_TARGETS := $(addprefix fuzz-,$(FUZZ))
FUZZ_BINS := $(addprefix $(FUZZ_BUILD)/fuzz-,$(FUZZ))

# $(call gcb_fuzz,NAME,TARGET_SRC,SOURCES,LIBS,CORPUS,LIBFUZZER_OPTIONS,ENV)
define gcb_fuzz
$(FUZZ_BUILD)/fuzz-$(1): $(2) $(3) $(wildcard $(addsuffix *.h,$(sort $(dir $(2) $(3))))) | fuzz-deps
	@mkdir -p $$(dir $$@)
	$$(call quiet,FUZZ,$$@)$$(FUZZ_CC) $$(FUZZ_CFLAGS) -o $$@ $(2) $(3) $(4)

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
	$$(call quiet,CC,$$@)$$(CC) $$(CFLAGS) -DGCB_FUZZ_CORPUS='"$(strip $(5))"' -MMD -MP -c -o $$@ $$<
$(BIN)/fuzz-replay-$(1): $(BUILD)/tests/fuzz/replay-$(1).o $(patsubst %.c,$(BUILD)/%.o,$(2) $(3)) | $(BIN)
	$$(call quiet,LD,$$@)$$(CC) $$(LDFLAGS) -o $$@ $$^ $(4) $$(LDLIBS)
endef
$(foreach f,$(FUZZ),$(eval $(call gcb_fuzz,$(f),$(fuzz.$(f).target),$(fuzz.$(f).srcs),\
	$(fuzz.$(f).libs),$(fuzz.$(f).corpus),$(fuzz.$(f).opts),$(fuzz.$(f).env))))

.PHONY: fuzz-deps
fuzz-deps:
	@tools/install-deps fuzz

.PHONY: all deps check test asan bench run fuzz clean format install mutants chaos

all: $(PROGRAMS)

deps:
	@tools/install-deps

# check: build and run everything without touching packages. Tests run
# TEST_JOBS at a time (tests/solo.list names those that run alone); T=WORD
# runs only the tests whose file name contains WORD (make test T=ring).
# One more than the cores: most end-to-end tests wait on sockets and timers
# (the suite keeps about half of 2 cores busy at that pace).
TEST_JOBS ?= $(shell echo $$(($(JOBS) + 1)))
check: all
	@GCB_BIN=$(BIN) GCB_ALLOCATOR=$(ALLOCATOR) T="$(T)" tests/run -j $(TEST_JOBS) $(UNIT_TESTS) $(INTEGRATION_TESTS)

test: deps
	@$(MAKE) --no-print-directory -j$(JOBS) all
	@$(MAKE) --no-print-directory check

asan: deps
	@$(MAKE) --no-print-directory -j$(JOBS) BUILD=build/asan BIN=build/asan/bin \
		SAN="-fsanitize=address,undefined -fno-omit-frame-pointer -fno-sanitize-recover=all" all
	@ASAN_OPTIONS=detect_leaks=1:abort_on_error=1 UBSAN_OPTIONS=print_stacktrace=1 \
		$(MAKE) --no-print-directory BUILD=build/asan BIN=build/asan/bin \
		SAN="-fsanitize=address,undefined -fno-omit-frame-pointer -fno-sanitize-recover=all" check

# mutants: every deliberate bug of tests/mutants/mutants.txt, one at a time in
# a scratch copy, against the tests that must catch it (docs/mutants.md).
mutants: deps
	@tests/mutants/run.py $(M)

# bench: every benchmark, then the performance table (docs/performance.md) last;
# UPDATE_README=1 also writes that table into README.md.
bench: deps
	@$(MAKE) --no-print-directory -j$(JOBS) all
	@set -e; for b in $(BENCHES); do GCB_BIN=$(BIN) GCB_ROOT=$(CURDIR) $$b; done
	@GCB_BIN=$(BIN) GCB_ROOT=$(CURDIR) $(BENCH_TABLE) $(if $(UPDATE_README),--update-readme)

# Every fuzz target (tests/fuzz/module.mk: FUZZ_TARGETS) built with clang +
# libFuzzer and run for FUZZ_SECONDS each, one after another; all run even
# when one finds a crash, then a table of executions and coverage is printed
# (tests/fuzz/summary.sh) and the exit status says whether any crashed.
fuzz:
	@tools/install-deps fuzz
	@$(MAKE) --no-print-directory -j$(JOBS) $(FUZZ_BINS)
	@rc=0; for t in $(FUZZ_TARGETS); do \
		$(MAKE) --no-print-directory $$t || rc=1; done; \
	tests/fuzz/summary.sh $(FUZZ_BUILD) $(patsubst fuzz-%,%,$(FUZZ_TARGETS)); exit $$rc

# chaos: the long chaos run (1 M events, 60 stage kills; CHAOS_ARGS in
# tests/chaos/module.mk); tests/chaos/chaos_short.sh is the one
# `make check` runs.
chaos: all
	GCB_BIN=$(BIN) GCB_ROOT=$(CURDIR) tests/chaos/run.sh $(CHAOS_ARGS) $(if $(SEED),--seed $(SEED))

# The pipeline on its embedded default (simulator + embedded Kafka); Ctrl-C
# drains and prints a summary. RUN_ARGS adds options, e.g. RUN_ARGS="-c my.conf".
run: deps
	@$(MAKE) --no-print-directory -j$(JOBS) all
	@exec $(BIN)/gcbridge --progress $(RUN_ARGS)

# install: PREFIX (default /usr/local) and DESTDIR as usual. The unit's
# ExecStart is rewritten to $(BINDIR)/gcbridge.
PREFIX  ?= /usr/local
BINDIR  ?= $(PREFIX)/bin
DATADIR ?= $(PREFIX)/share
MANDIR  ?= $(DATADIR)/man
DOCDIR  ?= $(DATADIR)/doc/gcbridge
UNITDIR ?= $(PREFIX)/lib/systemd/system
SYSUSERSDIR ?= $(PREFIX)/lib/sysusers.d
INSTALL_PROGRAMS := gcbridge gcb-ringstat gcb-schema gcb-config gcb-sim gcb-kafka-mock

install: $(addprefix $(BIN)/,$(INSTALL_PROGRAMS))
	install -d -m 0755 $(DESTDIR)$(BINDIR) $(DESTDIR)$(DATADIR)/gcbridge/schemas \
		$(DESTDIR)$(MANDIR)/man1 $(DESTDIR)$(MANDIR)/man8 $(DESTDIR)$(DOCDIR) \
		$(DESTDIR)$(UNITDIR) $(DESTDIR)$(SYSUSERSDIR)
	install -m 0755 $(addprefix $(BIN)/,$(INSTALL_PROGRAMS)) $(DESTDIR)$(BINDIR)/
	install -m 0644 schemas/*.avsc schemas/*.json $(DESTDIR)$(DATADIR)/gcbridge/schemas/
	install -m 0644 dist/gcbridge.8 $(DESTDIR)$(MANDIR)/man8/gcbridge.8
	install -m 0644 dist/gcb-ringstat.1 $(DESTDIR)$(MANDIR)/man1/gcb-ringstat.1
	install -m 0644 examples/gcbridge.conf $(DESTDIR)$(DOCDIR)/gcbridge.conf.example
	install -m 0644 docs/operations.md $(DESTDIR)$(DOCDIR)/operations.md
	install -m 0644 dist/gcbridge-alerts.yml $(DESTDIR)$(DOCDIR)/gcbridge-alerts.yml
	install -m 0644 dist/gcbridge-multihost.rules.yml $(DESTDIR)$(DOCDIR)/gcbridge-multihost.rules.yml
	sed 's|^ExecStart=/usr/local/bin/gcbridge|ExecStart=$(BINDIR)/gcbridge|' \
		dist/gcbridge.service >$(DESTDIR)$(UNITDIR)/gcbridge.service
	chmod 0644 $(DESTDIR)$(UNITDIR)/gcbridge.service
	install -m 0644 dist/gcbridge.sysusers $(DESTDIR)$(SYSUSERSDIR)/gcbridge.conf

clean:
	rm -rf build bin

format:
	clang-format -i $$(git ls-files '*.c' '*.h')
