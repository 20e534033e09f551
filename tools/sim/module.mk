# tools/sim: gcb-sim, the Genesys Cloud simulator (docs/sim.md).

SIM_SRCS := tools/sim/gcb_sim_main.c tools/sim/gcb_sim_http.c tools/sim/gcb_sim_store.c \
	    tools/sim/gcb_sim_gen.c tools/sim/gcb_sim_filter.c tools/sim/gcb_sim_stream.c \
	    tools/sim/gcb_sim_auth.c tools/sim/gcb_sim_fault.c tools/sim/gcb_sim_org.c \
	    tools/sim/gcb_sim_notif.c tools/sim/gcb_sim_notif_set.c tools/sim/gcb_sim_notif_gen.c \
	    tools/sim/gcb_sim_ws.c tools/sim/gcb_sim_analytics.c tools/sim/gcb_sim_perm.c \
	    tools/sim/gcb_sim_model.c tools/sim/gcb_sim_notif_replay.c \
	    $(LOG_SRCS)

$(eval $(call gcb_program,gcb-sim,$(SIM_SRCS),$(call pkglibs,libmicrohttpd libcjson libcrypto) -lwslay))

INTEGRATION_TESTS += tests/integration/sim_token.sh tests/integration/sim_streams.sh \
		     tests/integration/sim_poll.sh tests/integration/sim_faults.sh \
		     tests/integration/sim_determinism.sh tests/integration/sim_cli.sh \
		     tests/integration/sim_notif_api.sh tests/integration/sim_notif_ws.sh \
		     tests/integration/sim_notif_admin.sh tests/integration/sim_notif_analytics.sh

$(eval $(call gcb_program,gcb-sim-bench,tools/bench/sim_bench.c,$(call pkglibs,libcurl)))
BENCHES += tools/bench/sim_bench.sh

$(eval $(call gcb_program,test-sim,tools/sim/test_sim.c tools/sim/gcb_sim_store.c \
	tools/sim/gcb_sim_gen.c tools/sim/gcb_sim_filter.c,$(call pkglibs,cmocka libcjson)))
UNIT_TESTS += $(BIN)/test-sim
