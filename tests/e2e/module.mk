# tests/e2e/: the whole pipeline over loopback (gcb-sim -> gcbridge ->
# gcb-kafka-mock), checked by tests/e2e/verify.py. See docs/e2e.md.
INTEGRATION_TESTS += $(sort $(wildcard tests/integration/e2e_*.sh))
