# supervisor/: the daemon, bin/gcbridge (supervisor, configuration, and the
# composition root that wires the stages).
include tools/schema/module.mk

GCBRIDGE_SRCS := supervisor/gcb_main.c supervisor/gcb_pipeline.c supervisor/gcb_pipeline_coord.c supervisor/gcb_embedded.c \
	supervisor/gcb_progress.c supervisor/gcb_supervisor.c supervisor/gcb_instance.c \
	supervisor/gcb_metrics.c supervisor/gcb_metrics_coord.c supervisor/gcb_metrics_render.c supervisor/gcb_metrics_table.c \
	supervisor/gcb_health.c supervisor/gcb_notify.c supervisor/gcb_topics.c \
	$(CONFIG_SRCS) $(FETCHER_SRCS) $(VALIDATOR_STAGE_SRCS) $(PRODUCER_SRCS) \
	$(STAGE_SRCS) $(SHM_SRCS) $(LOG_SRCS)

$(eval $(call gcb_program,gcbridge,$(sort $(GCBRIDGE_SRCS)),\
	$(call pkglibs,inih libcurl libcjson liburing avro-c rdkafka libmicrohttpd libsystemd) \
	$(NOTIF_LIBS)))
