# The supervisor's lifecycle, proven with real stage processes (self-test stages).
SELFTEST_SRCS := stages/selftest/gcb_selftest_source.c stages/selftest/gcb_selftest_relay.c \
		 stages/selftest/gcb_selftest_sink.c

PROGS += gcb-selftestd
gcb-selftestd.srcs = tests/supervisor/selftest_daemon.c $(SELFTEST_SRCS) \
	$(SUPERVISOR_SRCS) $(STAGE_SRCS) $(SHM_SRCS) $(LOG_SRCS)

INTEGRATION_TESTS += $(sort $(wildcard tests/supervisor/supervisor_*.sh))
