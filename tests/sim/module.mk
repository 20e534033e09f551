# tests/sim: the simulator's unit test and its integration tests
# (tests/sim/sim_lib.py, tests/sim/notif_lib.py; docs/sim.md).

PROGS += test-sim
test-sim.srcs = tests/sim/test_sim.c tools/sim/gcb_sim_store.c \
	tools/sim/gcb_sim_gen.c tools/sim/gcb_sim_filter.c
test-sim.libs := $(call pkglibs,cmocka libcjson)
UNIT_TESTS += $(BIN)/test-sim

INTEGRATION_TESTS += tests/sim/sim_token.py tests/sim/sim_streams.py \
		     tests/sim/sim_poll.py tests/sim/sim_faults.py \
		     tests/sim/sim_determinism.py tests/sim/sim_cli.py \
		     tests/sim/sim_notif_api.py tests/sim/sim_notif_ws.py \
		     tests/sim/sim_notif_admin.py tests/sim/sim_notif_analytics.py

