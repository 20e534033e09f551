# tests/e2e/: the whole pipeline over loopback (gcb-sim -> gcbridge ->
# gcb-kafka-mock), checked by tests/e2e/verify.py (poll source, docs/e2e.md)
# and tests/e2e/notif_verify.py (notification source, tests
# e2e_notif_*.sh, docs/e2e-notifications.md).
INTEGRATION_TESTS += $(sort $(wildcard tests/e2e/e2e_*.sh))
