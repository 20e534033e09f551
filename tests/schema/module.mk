# tests/schema: the Avro schema tooling (canonical form, linter, compatibility,
# gcb-schema CLI). Its fuzz target and corpus replay are in tests/fuzz/module.mk.

PROGS += test-avsc-canonical test-avsc-lint test-avsc-compat
test-avsc-canonical.srcs = tests/schema/test_avsc_canonical.c $(GCB_AVSC_SRCS)
test-avsc-canonical.libs = $(call pkglibs,cmocka) $(GCB_AVSC_LIBS)
test-avsc-lint.srcs = tests/schema/test_avsc_lint.c $(GCB_AVSC_SRCS)
test-avsc-lint.libs = $(test-avsc-canonical.libs)
test-avsc-compat.srcs = tests/schema/test_avsc_compat.c $(GCB_AVSC_SRCS)
test-avsc-compat.libs = $(test-avsc-canonical.libs)

UNIT_TESTS += $(BIN)/test-avsc-canonical $(BIN)/test-avsc-lint $(BIN)/test-avsc-compat
INTEGRATION_TESTS += tests/schema/schema_cli.sh tests/schema/schema_compat_diff.sh \
	tests/schema/model_coverage.sh tests/schema/schema_evolution.sh

# The libavro-c schema built from the model against libavro-c's own parse.
PROGS += test-avsc-avro
test-avsc-avro.srcs = tests/schema/test_avsc_avro.c $(VALIDATOR_SRCS)
test-avsc-avro.libs = $(VALIDATOR_LIBS) $(call pkglibs,cmocka)
UNIT_TESTS += $(BIN)/test-avsc-avro
