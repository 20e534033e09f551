# stages/validator/: JSON -> Avro validation (schemas, routing, mapping,
# encoding, DLQ records) and the validator stage loop.
#
# gcb_avsc_* (canonical form, fingerprint, linter, compatibility) is another
# module (tools/schema/module.mk), used here to lint, fingerprint and check
# compatibility on reload.

# The schema linter/fingerprint/compatibility sources (GCB_AVSC_SRCS).
include tools/schema/module.mk

VALIDATOR_SRCS := $(GCB_AVSC_SRCS) stages/validator/gcb_reason.c stages/validator/gcb_schema.c \
	stages/validator/gcb_map.c stages/validator/gcb_catalog.c \
	stages/validator/gcb_topic.c stages/validator/gcb_vproc.c \
	stages/validator/gcb_identity.c stages/validator/gcb_drift.c
VALIDATOR_STAGE_SRCS := $(VALIDATOR_SRCS) stages/validator/gcb_validator.c \
	stages/validator/gcb_reload.c stages/validator/gcb_registry.c lib/gcb_http_sink.c lib/gcb_buf.c \
	stages/validator/gcb_registry_ids.c
VALIDATOR_LIBS := $(call pkglibs,avro-c libcjson libcurl libcrypto)

# gcb-validate takes its default event size limit from the configuration table.
$(eval $(call gcb_program,gcb-validate,stages/validator/gcb_validate_cli.c $(VALIDATOR_SRCS) \
	supervisor/gcb_config_table.c supervisor/gcb_config_value.c,$(VALIDATOR_LIBS)))

# Benchmark (tools/bench/validator_bench.c), run by `make bench`.
$(eval $(call gcb_program,validator-bench,tools/bench/validator_bench.c $(VALIDATOR_SRCS),$(VALIDATOR_LIBS)))
BENCHES += $(BIN)/validator-bench
