# tests/security: each attack of the security review (a hostile local host,
# hostile bytes) replayed against the built programs.
INTEGRATION_TESTS += $(sort $(wildcard tests/security/*.sh))
