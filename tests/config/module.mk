# Configuration: the sources every program that reads gcbridge's config links,
# the gcb-config tool and the config tests.

CONFIG_SRCS := supervisor/gcb_config.c supervisor/gcb_config_table.c \
	supervisor/gcb_config_value.c supervisor/gcb_config_secret.c \
	supervisor/gcb_config_print.c supervisor/gcb_config_reload.c

$(eval $(call gcb_program,gcb-config,tools/config/gcb_config_main.c $(CONFIG_SRCS),$(call pkglibs,inih)))

$(eval $(call gcb_program,test-config,tests/config/test_config.c $(CONFIG_SRCS),$(call pkglibs,inih cmocka)))
UNIT_TESTS += $(BIN)/test-config

INTEGRATION_TESTS += tests/integration/config_cli.sh tests/integration/config_readme.sh
