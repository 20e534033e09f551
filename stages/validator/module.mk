# stages/validator/: JSON -> Avro validation (schemas, routing, mapping,
# encoding, DLQ records) and the validator stage loop.
#
# gcb_avsc_* (canonical form, fingerprint, linter, compatibility) is another
# module (GCB_AVSC_SRCS, tools/schema/module.mk), used here to lint,
# fingerprint and check compatibility on reload. gcb_avsc_avro.c (model ->
# libavro-c schema) is listed here, not there: gcb-schema does not link
# libavro-c.

VALIDATOR_SRCS = $(GCB_AVSC_SRCS) stages/validator/gcb_avsc_avro.c \
	stages/validator/gcb_reason.c stages/validator/gcb_schema.c \
	stages/validator/gcb_map.c stages/validator/gcb_catalog.c \
	stages/validator/gcb_topic.c stages/validator/gcb_vproc.c \
	stages/validator/gcb_identity.c stages/validator/gcb_drift.c $(UTF8_SRCS)
VALIDATOR_STAGE_SRCS = $(VALIDATOR_SRCS) stages/validator/gcb_validator.c \
	stages/validator/gcb_reload.c stages/validator/gcb_registry.c \
	stages/validator/gcb_registry_ids.c $(HTTP_SINK_SRCS)
VALIDATOR_LIBS := $(call pkglibs,avro-c libcjson libcurl libcrypto)
