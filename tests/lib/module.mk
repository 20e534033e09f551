# tests/lib: unit tests of lib/.

PROGS += test-lib-array
test-lib-array.srcs = tests/lib/test_array.c $(ARRAY_SRCS)
test-lib-array.libs := $(call pkglibs,cmocka)
UNIT_TESTS += $(BIN)/test-lib-array

PROGS += test-lib-utf8
test-lib-utf8.srcs = tests/lib/test_utf8.c $(UTF8_SRCS)
test-lib-utf8.libs := $(call pkglibs,cmocka)
UNIT_TESTS += $(BIN)/test-lib-utf8
