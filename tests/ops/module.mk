# tests/ops: the operations surface of bin/gcbridge (metrics, health,
# systemd notification, the unit file, make install).
INTEGRATION_TESTS += $(sort $(wildcard tests/integration/ops_*.sh))
