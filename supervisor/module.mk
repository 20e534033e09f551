# supervisor/: the daemon, bin/gcbridge (supervisor, configuration, and the
# composition root that wires the stages).

CONFIG_SRCS := supervisor/gcb_config.c supervisor/gcb_config_table.c \
	supervisor/gcb_config_value.c supervisor/gcb_config_secret.c \
	supervisor/gcb_config_print.c supervisor/gcb_config_reload.c $(ARRAY_SRCS)
CONFIG_LIBS := $(call pkglibs,inih)
SUPERVISOR_SRCS := supervisor/gcb_supervisor.c supervisor/gcb_instance.c
# Stage configurations from the configuration (gcbridge and the harnesses).
STAGE_CONF_SRCS := supervisor/gcb_stage_conf.c

PROGS += gcbridge
gcbridge.srcs = $(sort supervisor/gcb_main.c supervisor/gcb_pipeline.c supervisor/gcb_pipeline_coord.c \
	supervisor/gcb_embedded.c supervisor/gcb_progress.c $(SUPERVISOR_SRCS) \
	supervisor/gcb_metrics.c supervisor/gcb_metrics_coord.c supervisor/gcb_metrics_render.c \
	supervisor/gcb_metrics_table.c \
	supervisor/gcb_health.c supervisor/gcb_notify.c supervisor/gcb_topics.c \
	$(CONFIG_SRCS) $(STAGE_CONF_SRCS) $(FETCHER_SRCS) $(VALIDATOR_STAGE_SRCS) $(PRODUCER_SRCS) \
	$(STAGE_SRCS) $(SHM_SRCS) $(LOG_SRCS))
gcbridge.libs = $(call pkglibs,inih libcurl libcjson liburing avro-c rdkafka libmicrohttpd libsystemd) \
	$(NOTIF_LIBS) $(COORD_LIBS) $(ALLOCATOR_LIBS)
