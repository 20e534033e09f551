# tools/bench: end-to-end and component benchmarks (docs/bench.md).

PROGS += gcb-bench-wait
gcb-bench-wait.srcs = tools/bench/bench_wait.c $(SHM_SRCS)
# e2e_bench.sh and baseline_bench.sh stay runnable by hand (docs/bench.md); make bench
# runs table_bench.sh instead, after every other benchmark (Makefile), which measures
# what they did and the rest of the performance table in one run.
BENCH_TABLE := tools/bench/table_bench.sh
INTEGRATION_TESTS += tests/bench/bench_smoke.sh tests/bench/reference_equiv.sh \
	tests/bench/table_smoke.sh

PROGS += gcb-spool-bench
gcb-spool-bench.srcs = tools/bench/spool_bench.c $(SPOOL_SRCS) $(LOG_SRCS)
gcb-spool-bench.libs = $(SPOOL_LIBS)
BENCHES += tools/bench/spool_bench.sh

PROGS += validator-bench
validator-bench.srcs = tools/bench/validator_bench.c $(VALIDATOR_SRCS)
validator-bench.libs = $(VALIDATOR_LIBS)
BENCHES += $(BIN)/validator-bench

PROGS += gcb-sim-bench
gcb-sim-bench.srcs = tools/bench/sim_bench.c $(BUF_SRCS)
gcb-sim-bench.libs := $(call pkglibs,libcurl)
BENCHES += tools/bench/sim_bench.sh

PROGS += header-bench
header-bench.srcs = tools/bench/header_bench.c
header-bench.libs := $(call pkglibs,rdkafka)
BENCHES += $(BIN)/header-bench
