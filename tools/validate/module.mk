# tools/validate: gcb-validate, one event through the validator offline. It
# takes its default event size limit from the configuration table.

PROGS += gcb-validate
gcb-validate.srcs = tools/validate/gcb_validate_main.c $(VALIDATOR_SRCS) \
	supervisor/gcb_config_table.c supervisor/gcb_config_value.c
gcb-validate.libs = $(VALIDATOR_LIBS)
