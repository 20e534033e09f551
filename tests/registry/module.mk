# tests/registry/: the Schema Registry client against a fake registry
# (tests/registry/fake_registry.py) over loopback, and a running validator
# taking its schema ids from it across hot reloads.

PROGS += test-registry
test-registry.srcs = tests/registry/test_registry.c tests/registry/fake.c $(VALIDATOR_SRCS) \
	stages/validator/gcb_registry.c stages/validator/gcb_registry_ids.c $(HTTP_SINK_SRCS)
test-registry.libs = $(VALIDATOR_LIBS) $(call pkglibs,cmocka)
UNIT_TESTS += $(BIN)/test-registry

PROGS += test-registry-reload
test-registry-reload.srcs = tests/registry/test_registry_reload.c tests/registry/fake.c \
	$(VALIDATOR_STAGE_SRCS) $(SHM_SRCS) $(LOG_SRCS) $(STAGE_SRCS)
test-registry-reload.libs = $(VALIDATOR_LIBS)
UNIT_TESTS += $(BIN)/test-registry-reload
INTEGRATION_TESTS += tests/registry/registry_reload_ids_file.sh
INTEGRATION_TESTS += tests/registry/registry_gcbridge.sh
INTEGRATION_TESTS += tests/registry/registry_fake_api.sh
