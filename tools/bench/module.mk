# tools/bench: end-to-end benchmarks (docs/bench.md).

$(eval $(call gcb_program,gcb-bench-wait,tools/bench/bench_wait.c $(SHM_SRCS),))
BENCHES += tools/bench/e2e_bench.sh tools/bench/baseline_bench.sh
INTEGRATION_TESTS += tests/bench/bench_smoke.sh tests/bench/reference_equiv.sh

$(eval $(call gcb_program,gcb-spool-bench,tools/bench/spool_bench.c $(SPOOL_SRCS) $(LOG_SRCS),$(SPOOL_LIBS)))
BENCHES += tools/bench/spool_bench.sh
