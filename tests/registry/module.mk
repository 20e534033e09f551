# tests/registry/: the Schema Registry client against a fake registry
# (tests/registry/fake_registry.py) over loopback.

REGISTRY_SRCS := stages/validator/gcb_registry.c
REGISTRY_LIBS := $(call pkglibs,libcurl libcjson)

$(eval $(call gcb_program,test-registry,tests/registry/test_registry.c $(REGISTRY_SRCS),$(REGISTRY_LIBS) $(call pkglibs,cmocka)))
UNIT_TESTS += $(BIN)/test-registry
