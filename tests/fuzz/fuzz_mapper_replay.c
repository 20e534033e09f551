/* The mapper fuzz target as a plain program replaying its corpus (see fuzz_mapper.c). */
#define GCB_FUZZ_REPLAY 1
#include "tests/fuzz/fuzz_mapper.c"
