# tools/sim: gcb-sim, the Genesys Cloud simulator (docs/sim.md).

SIM_SRCS = tools/sim/gcb_sim_main.c tools/sim/gcb_sim_http.c tools/sim/gcb_sim_store.c \
	    tools/sim/gcb_sim_gen.c tools/sim/gcb_sim_filter.c tools/sim/gcb_sim_stream.c \
	    tools/sim/gcb_sim_auth.c tools/sim/gcb_sim_fault.c tools/sim/gcb_sim_org.c \
	    tools/sim/gcb_sim_notif.c tools/sim/gcb_sim_notif_set.c tools/sim/gcb_sim_notif_gen.c \
	    tools/sim/gcb_sim_ws.c tools/sim/gcb_sim_analytics.c tools/sim/gcb_sim_perm.c \
	    tools/sim/gcb_sim_model.c \
	    $(LOG_SRCS)

PROGS += gcb-sim
gcb-sim.srcs = $(SIM_SRCS)
gcb-sim.libs := $(call pkglibs,libmicrohttpd libcjson libcrypto) -lwslay

INTEGRATION_TESTS += tests/integration/sim_token.sh tests/integration/sim_streams.sh \
		     tests/integration/sim_poll.sh tests/integration/sim_faults.sh \
		     tests/integration/sim_determinism.sh tests/integration/sim_cli.sh \
		     tests/integration/sim_notif_api.sh tests/integration/sim_notif_ws.sh \
		     tests/integration/sim_notif_admin.sh tests/integration/sim_notif_analytics.sh

PROGS += test-sim
test-sim.srcs = tools/sim/test_sim.c tools/sim/gcb_sim_store.c \
	tools/sim/gcb_sim_gen.c tools/sim/gcb_sim_filter.c
test-sim.libs := $(call pkglibs,cmocka libcjson)
UNIT_TESTS += $(BIN)/test-sim
