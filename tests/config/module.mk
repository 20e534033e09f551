# Configuration: the gcb-config tool and the config tests (CONFIG_SRCS is in
# the Makefile, so every module can link it).

$(eval $(call gcb_program,gcb-config,tools/config/gcb_config_main.c $(CONFIG_SRCS),$(call pkglibs,inih)))

$(eval $(call gcb_program,test-config,tests/config/test_config.c $(CONFIG_SRCS),$(call pkglibs,inih cmocka)))
UNIT_TESTS += $(BIN)/test-config

INTEGRATION_TESTS += tests/integration/config_cli.sh tests/integration/config_readme.sh \
	tests/integration/config_check_topics.sh
