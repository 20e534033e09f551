# tools/schema: gcb-schema, the Avro schema linter / compatibility checker.
# The schema sources live beside the validator, which loads schemas at run
# time.

GCB_AVSC_SRCS = stages/validator/gcb_avsc_util.c $(JSON_SRCS) \
	stages/validator/gcb_avsc_parse.c \
	stages/validator/gcb_avsc_default.c stages/validator/gcb_avsc_logical.c \
	stages/validator/gcb_avsc_canonical.c stages/validator/gcb_avsc_compat.c \
	$(ARRAY_SRCS) $(BUF_SRCS)
GCB_AVSC_LIBS := $(call pkglibs,libcjson)

PROGS += gcb-schema
gcb-schema.srcs = tools/schema/gcb_schema.c $(GCB_AVSC_SRCS)
gcb-schema.libs = $(GCB_AVSC_LIBS)
