# tests/schema: the Avro schema tooling (canonical form, linter, compatibility,
# gcb-schema CLI). Its fuzz target and corpus replay are in tests/fuzz/module.mk.

ifndef GCB_AVSC_SRCS
include tools/schema/module.mk
endif

$(eval $(call gcb_program,test-avsc-canonical,tests/schema/test_avsc_canonical.c $(GCB_AVSC_SRCS),$(call pkglibs,cmocka) $(GCB_AVSC_LIBS)))
$(eval $(call gcb_program,test-avsc-lint,tests/schema/test_avsc_lint.c $(GCB_AVSC_SRCS),$(call pkglibs,cmocka) $(GCB_AVSC_LIBS)))
$(eval $(call gcb_program,test-avsc-compat,tests/schema/test_avsc_compat.c $(GCB_AVSC_SRCS),$(call pkglibs,cmocka) $(GCB_AVSC_LIBS)))

UNIT_TESTS += $(BIN)/test-avsc-canonical $(BIN)/test-avsc-lint $(BIN)/test-avsc-compat
INTEGRATION_TESTS += tests/integration/schema_cli.sh tests/integration/schema_compat_diff.sh \
	tests/schema/model_coverage.sh tests/schema/schema_evolution.sh
