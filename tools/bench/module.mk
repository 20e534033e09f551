# tools/bench: end-to-end benchmarks (docs/bench.md).

$(eval $(call gcb_program,gcb-bench-wait,tools/bench/bench_wait.c $(SHM_SRCS),))
# e2e_bench.sh and baseline_bench.sh stay runnable by hand (docs/bench.md); make bench
# runs table_bench.sh instead, after every other benchmark (Makefile), which measures
# what they did and the rest of the performance table in one run.
BENCH_TABLE := tools/bench/table_bench.sh
INTEGRATION_TESTS += tests/bench/bench_smoke.sh tests/bench/reference_equiv.sh \
		     tests/bench/table_smoke.sh

$(eval $(call gcb_program,gcb-spool-bench,tools/bench/spool_bench.c $(SPOOL_SRCS) $(LOG_SRCS),$(SPOOL_LIBS)))
BENCHES += tools/bench/spool_bench.sh

$(eval $(call gcb_program,header-bench,tools/bench/header_bench.c,$(call pkglibs,rdkafka)))
BENCHES += $(BIN)/header-bench
