# tools/sim: gcb-sim, the Genesys Cloud simulator (docs/sim.md).

SIM_SRCS := tools/sim/gcb_sim_main.c tools/sim/gcb_sim_http.c tools/sim/gcb_sim_store.c \
	    tools/sim/gcb_sim_gen.c tools/sim/gcb_sim_filter.c tools/sim/gcb_sim_stream.c \
	    tools/sim/gcb_sim_auth.c tools/sim/gcb_sim_fault.c $(LOG_SRCS)

$(eval $(call gcb_program,gcb-sim,$(SIM_SRCS),$(call pkglibs,libmicrohttpd libcjson)))
