# tools/config: gcb-config, the configuration's command-line face.

PROGS += gcb-config
gcb-config.srcs = tools/config/gcb_config_main.c $(CONFIG_SRCS)
gcb-config.libs = $(CONFIG_LIBS)
