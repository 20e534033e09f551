# tests/registry/: the Schema Registry client against a fake registry
# (tests/registry/fake_registry.py) over loopback.

$(eval $(call gcb_program,test-registry,tests/registry/test_registry.c $(VALIDATOR_SRCS) stages/validator/gcb_registry.c stages/validator/gcb_registry_ids.c,$(VALIDATOR_LIBS) $(call pkglibs,libcurl cmocka)))
UNIT_TESTS += $(BIN)/test-registry
