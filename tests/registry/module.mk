# tests/registry/: the Schema Registry client against a fake registry
# (tests/registry/fake_registry.py) over loopback, and a running validator
# taking its schema ids from it across hot reloads.

$(eval $(call gcb_program,test-registry,tests/registry/test_registry.c tests/registry/fake.c $(VALIDATOR_SRCS) stages/validator/gcb_registry.c stages/validator/gcb_registry_ids.c lib/gcb_http_sink.c lib/gcb_buf.c,$(VALIDATOR_LIBS) $(call pkglibs,cmocka)))
UNIT_TESTS += $(BIN)/test-registry

$(eval $(call gcb_program,test-registry-reload,tests/registry/test_registry_reload.c tests/registry/fake.c $(VALIDATOR_STAGE_SRCS) $(SHM_SRCS) $(LOG_SRCS) $(STAGE_SRCS),$(VALIDATOR_LIBS)))
UNIT_TESTS += $(BIN)/test-registry-reload
INTEGRATION_TESTS += tests/integration/registry_reload_ids_file.sh
INTEGRATION_TESTS += tests/integration/registry_gcbridge.sh
INTEGRATION_TESTS += tests/integration/registry_fake_api.sh
