#!/bin/sh
# The Prometheus alerting rules of dist/ (docs/multihost.md, "Alerts"):
# promtool check rules accepts them, promtool test rules runs their unit
# tests (tests/ops/multihost_rules_test.yml: unowned units during and after
# a failover, checkpoint age of owners only, stalls, pending gaps, DLQ rate,
# restarts, fencing).
. "$(dirname "$0")/../lib.sh"
. "$GCB_ROOT/tests/need.sh"
need_cmd promtool prometheus

promtool check rules "$GCB_ROOT/dist/gcbridge-multihost.rules.yml" >"$T_DIR/check.out" 2>&1 || {
	cat "$T_DIR/check.out"
	t_fail "promtool check rules refused dist/gcbridge-multihost.rules.yml"
}
(cd "$GCB_ROOT/tests/ops" && promtool test rules multihost_rules_test.yml) >"$T_DIR/test.out" 2>&1 || {
	cat "$T_DIR/test.out"
	t_fail "promtool test rules failed"
}
t_log "REPORT: $(grep -c 'alert:' "$GCB_ROOT/dist/gcbridge-multihost.rules.yml") alert rules checked and unit-tested"
