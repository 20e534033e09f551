# gcbridge — one non-recursive GNU Makefile.
#
# Every folder contributes a module.mk that appends to PROGRAMS, UNIT_TESTS,
# INTEGRATION_TESTS and BENCHES through the gcb_program macro below. Objects
# go to $(BUILD), binaries to $(BIN).
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
# protection, full RELRO with BIND_NOW, PIE); tests/integration/elf_hardening.sh
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

PROGRAMS :=
UNIT_TESTS :=
INTEGRATION_TESTS :=
BENCHES :=

# $(call gcb_program,NAME,SOURCES,LIBS): link $(BIN)/NAME from SOURCES.
define gcb_program
PROGRAMS += $(BIN)/$(1)
$(BIN)/$(1): $(patsubst %.c,$(BUILD)/%.o,$(2)) | $(BIN)
	$$(CC) $$(LDFLAGS) -o $$@ $$^ $(3) $$(LDLIBS)
endef

# Sources several programs link, defined before the modules that use them.
SHM_SRCS := shm/gcb_shm.c shm/gcb_shm_check.c shm/gcb_ring.c shm/gcb_proc.c \
	shm/gcb_dir.c shm/gcb_shm_source.c
LOG_SRCS := supervisor/gcb_log.c
STAGE_SRCS := stages/gcb_stage.c
CONFIG_SRCS := supervisor/gcb_config.c supervisor/gcb_config_table.c \
	supervisor/gcb_config_value.c supervisor/gcb_config_secret.c \
	supervisor/gcb_config_print.c supervisor/gcb_config_reload.c

include $(sort $(wildcard */module.mk */*/module.mk))

$(BUILD)/%.o: %.c
	@mkdir -p $(dir $@)
	$(CC) $(CFLAGS) -MMD -MP -c -o $@ $<

$(BIN):
	@mkdir -p $@

-include $(shell find $(BUILD) -name '*.d' 2>/dev/null)

.PHONY: all deps check test asan bench run fuzz clean format install mutants

all: $(PROGRAMS)

deps:
	@tools/install-deps

# check: build and run everything without touching packages. Tests run
# TEST_JOBS at a time (tests/solo.list names those that run alone); T=WORD
# runs only the tests whose file name contains WORD (make test T=ring).
TEST_JOBS ?= $(JOBS)
check: all
	@GCB_BIN=$(BIN) T="$(T)" tests/run -j $(TEST_JOBS) $(UNIT_TESTS) $(INTEGRATION_TESTS)

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
	sed 's|^ExecStart=/usr/local/bin/gcbridge|ExecStart=$(BINDIR)/gcbridge|' \
		dist/gcbridge.service >$(DESTDIR)$(UNITDIR)/gcbridge.service
	chmod 0644 $(DESTDIR)$(UNITDIR)/gcbridge.service
	install -m 0644 dist/gcbridge.sysusers $(DESTDIR)$(SYSUSERSDIR)/gcbridge.conf

clean:
	rm -rf build bin

format:
	clang-format -i $$(git ls-files '*.c' '*.h')
