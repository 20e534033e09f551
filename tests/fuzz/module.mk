# tests/fuzz: the libFuzzer targets, built with clang and run by `make fuzz`,
# and their corpus replays, built with the normal compiler and run by
# `make check` / `make asan`. The rules are made in the Makefile; each target
# is declared here as
#   FUZZ += NAME
#   fuzz.NAME.target  the file with LLVMFuzzerTestOneInput
#   fuzz.NAME.srcs    the code under test       fuzz.NAME.libs  its libraries
#   fuzz.NAME.corpus  seed corpus (only read)   fuzz.NAME.opts  libFuzzer options
#   fuzz.NAME.env     environment for the run
# A crash, once fixed, is copied into the corpus so the replay keeps it fixed.

# The JSON -> Avro mapper (whole per-event path, value mapping, schema load).
# libavro-c leaves a few unreachable blocks after long runs that no saved
# input reproduces (tests/fuzz/lsan-mapper.supp).
FUZZ += mapper
fuzz.mapper.target = tests/fuzz/fuzz_mapper.c
fuzz.mapper.srcs = $(VALIDATOR_SRCS)
fuzz.mapper.libs = $(VALIDATOR_LIBS)
fuzz.mapper.corpus = tests/fuzz/corpus/mapper
fuzz.mapper.opts = -max_len=8192
fuzz.mapper.env = LSAN_OPTIONS=suppressions=$(CURDIR)/tests/fuzz/lsan-mapper.supp

# The fetcher's poll-answer parser and JSON scanner.
FUZZ += fetcher
fuzz.fetcher.target = tests/fetcher/fuzz_poll_parse.c
fuzz.fetcher.srcs = stages/source/gcb_poll.c $(JSON_SRCS) $(ARRAY_SRCS)
fuzz.fetcher.libs := $(call pkglibs,libcjson)
fuzz.fetcher.corpus = tests/fetcher/corpus
fuzz.fetcher.opts = -max_len=4096

# The configuration loader, print and reload on arbitrary INI text.
FUZZ += config
fuzz.config.target = tests/fuzz/fuzz_config.c
fuzz.config.srcs = $(CONFIG_SRCS)
fuzz.config.libs = $(CONFIG_LIBS)
fuzz.config.corpus = tests/fuzz/corpus/config
fuzz.config.opts = -max_len=1024 -dict=tests/fuzz/config.dict

# gcb-ringstat's record walker on arbitrary ring control block + data bytes.
FUZZ += ringstat
fuzz.ringstat.target = tests/ringstat/fuzz_ringstat_walk.c
fuzz.ringstat.srcs = $(RINGSTAT_WALK_SRCS) $(SHM_SRCS)
fuzz.ringstat.corpus = tests/fuzz/corpus/ringstat
fuzz.ringstat.opts = -max_len=8192

# The Avro schema linter, canonical form and compatibility check.
FUZZ += avsc
fuzz.avsc.target = tests/fuzz/fuzz_avsc_lint.c
fuzz.avsc.srcs = $(GCB_AVSC_SRCS)
fuzz.avsc.libs = $(GCB_AVSC_LIBS)
fuzz.avsc.corpus = tests/fuzz/corpus/avsc
fuzz.avsc.opts = -max_len=8192 -dict=tests/schema/avsc.dict

# The security review's list (docs/fuzz.md): parsers of bytes another
# process, a server or a file on disk controls.

# The shared-memory segment header, as gcb_shm_attach() checks it.
FUZZ += shm_header
fuzz.shm_header.target = tests/fuzz/fuzz_shm_header.c
fuzz.shm_header.srcs = shm/gcb_shm_check.c
fuzz.shm_header.corpus = tests/fuzz/corpus/shm_header
fuzz.shm_header.opts = -max_len=65536

# The notification message scan for its topicName.
FUZZ += notif_scan
fuzz.notif_scan.target = tests/fuzz/fuzz_notif_scan.c
fuzz.notif_scan.srcs = stages/notif/gcb_notif_scan.c $(JSON_SRCS)
fuzz.notif_scan.libs := $(call pkglibs,libcjson)
fuzz.notif_scan.corpus = tests/fuzz/corpus/notif_scan
fuzz.notif_scan.opts = -max_len=4096

# OAuth token answers and error bodies.
FUZZ += token_errbody
fuzz.token_errbody.target = tests/fuzz/fuzz_token_errbody.c
fuzz.token_errbody.srcs = stages/source/gcb_token.c stages/source/gcb_errbody.c \
	$(HTTP_SRCS) $(LOG_SRCS)
fuzz.token_errbody.libs := $(call pkglibs,libcurl libcjson)
fuzz.token_errbody.corpus = tests/fuzz/corpus/token_errbody
fuzz.token_errbody.opts = -max_len=8192

# Response headers: correlation id, rate-limit budget, Retry-After.
FUZZ += http_headers
fuzz.http_headers.target = tests/fuzz/fuzz_http_headers.c
fuzz.http_headers.srcs = $(HTTP_SRCS) $(LOG_SRCS)
fuzz.http_headers.libs := $(call pkglibs,libcurl)
fuzz.http_headers.corpus = tests/fuzz/corpus/http_headers
fuzz.http_headers.opts = -max_len=2048

# WebSocket frames from the server, the upgrade answer, connectUri.
FUZZ += ws
fuzz.ws.target = tests/fuzz/fuzz_ws.c
fuzz.ws.srcs = $(WS_SRCS) $(LOG_SRCS)
fuzz.ws.libs = $(WS_LIBS)
fuzz.ws.corpus = tests/fuzz/corpus/ws
fuzz.ws.opts = -max_len=16384

# The gap log, alive mark and backfill job read back at start.
FUZZ += state_files
fuzz.state_files.target = tests/fuzz/fuzz_state_files.c
fuzz.state_files.srcs = $(GAPS_SRCS) $(BACKFILL_SRCS) stages/source/gcb_backoff.c \
	stages/source/gcb_ckpt.c stages/source/gcb_errbody.c $(DIR_SRCS) \
	$(LOG_SRCS)
fuzz.state_files.libs := $(call pkglibs,libcjson liburing)
fuzz.state_files.corpus = tests/fuzz/corpus/state_files
fuzz.state_files.opts = -max_len=8192

# Spool segments recovered at open (torn, corrupt, planted).
FUZZ += spool
fuzz.spool.target = tests/fuzz/fuzz_spool.c
fuzz.spool.srcs = $(SPOOL_SRCS) $(LOG_SRCS)
fuzz.spool.libs = $(SPOOL_LIBS)
fuzz.spool.corpus = tests/fuzz/corpus/spool
fuzz.spool.opts = -max_len=16384
