# tests/mutants: the deliberate bugs of `make mutants` (docs/mutants.md); the
# check that each still applies runs with the other tests.

INTEGRATION_TESTS += tests/mutants/mutants_apply.sh
