# tests/lib: unit tests of lib/.

PROGS += test-lib-array
test-lib-array.srcs = tests/lib/test_array.c $(ARRAY_SRCS)
test-lib-array.libs := $(call pkglibs,cmocka)
UNIT_TESTS += $(BIN)/test-lib-array
