# tests/config: the configuration's unit test and the gcb-config tests.

PROGS += test-config
test-config.srcs = tests/config/test_config.c $(CONFIG_SRCS)
test-config.libs := $(call pkglibs,inih cmocka)
UNIT_TESTS += $(BIN)/test-config

INTEGRATION_TESTS += tests/config/config_cli.sh tests/config/config_readme.sh \
	tests/config/config_check_topics.sh
