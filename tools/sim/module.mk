# tools/sim: gcb-sim, the Genesys Cloud simulator (docs/sim.md).

SIM_SRCS = tools/sim/gcb_sim_main.c tools/sim/gcb_sim_http.c tools/sim/gcb_sim_store.c \
	    tools/sim/gcb_sim_gen.c tools/sim/gcb_sim_filter.c tools/sim/gcb_sim_stream.c \
	    tools/sim/gcb_sim_auth.c tools/sim/gcb_sim_fault.c tools/sim/gcb_sim_org.c \
	    tools/sim/gcb_sim_notif.c tools/sim/gcb_sim_notif_set.c tools/sim/gcb_sim_notif_gen.c \
	    tools/sim/gcb_sim_ws.c tools/sim/gcb_sim_analytics.c tools/sim/gcb_sim_perm.c \
	    tools/sim/gcb_sim_model.c tools/sim/gcb_sim_notif_replay.c \
	    $(LOG_SRCS) $(ARRAY_SRCS) $(BUF_SRCS)

PROGS += gcb-sim
gcb-sim.srcs = $(SIM_SRCS)
gcb-sim.libs := $(call pkglibs,libmicrohttpd libcjson libcrypto) -lwslay
