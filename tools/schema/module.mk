# tools/schema: gcb-schema, the Avro schema linter / compatibility checker.
#
# The schema sources live beside the validator, which loads schemas at run
# time. Any module.mk that needs GCB_AVSC_SRCS before this file is reached
# (modules are included in sorted order) may include this file first: the
# guard makes a second inclusion a no-op.
ifndef GCB_AVSC_SRCS

GCB_AVSC_SRCS := stages/validator/gcb_avsc_util.c stages/validator/gcb_avsc_json.c \
	stages/validator/gcb_avsc_parse.c \
	stages/validator/gcb_avsc_default.c stages/validator/gcb_avsc_logical.c \
	stages/validator/gcb_avsc_canonical.c stages/validator/gcb_avsc_compat.c
GCB_AVSC_LIBS := $(call pkglibs,libcjson)

$(eval $(call gcb_program,gcb-schema,tools/schema/gcb_schema.c $(GCB_AVSC_SRCS),$(GCB_AVSC_LIBS)))

endif
