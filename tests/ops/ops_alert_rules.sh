#!/bin/sh
# dist/gcbridge-alerts.yml: promtool accepts the rules and they fire when
# and only when they should (tests/ops/gcbridge-alerts.test.yml), and every
# metric they name is one gcbridge exports (supervisor/gcb_metrics_table.c).
. "$(dirname "$0")/../lib.sh"
. "$GCB_ROOT/tests/need.sh"
need_cmd promtool prometheus

promtool check rules "$GCB_ROOT/dist/gcbridge-alerts.yml" >"$T_DIR/check" 2>&1 ||
	t_fail "promtool check rules: $(cat "$T_DIR/check")"
(cd "$GCB_ROOT/tests/ops" && promtool test rules gcbridge-alerts.test.yml) >"$T_DIR/test" 2>&1 ||
	t_fail "promtool test rules: $(cat "$T_DIR/test")"
for m in $(grep -o 'gcbridge_[a-z_]*' "$GCB_ROOT/dist/gcbridge-alerts.yml" | sort -u); do
	base=$(echo "$m" | sed 's/^gcbridge_fetcher_//; s/_timestamp_seconds$/_unix_ms/; s/_seconds$/_ms/')
	cat "$GCB_ROOT/shm/gcb_counters_source.h" "$GCB_ROOT/shm/gcb_counters_fetcher.h" \
		"$GCB_ROOT/shm/gcb_counters_notif.h" | grep -q "\"$base\"" ||
		t_fail "$m is not a metric gcbridge exports (no fetcher counter \"$base\")"
done
t_log "ok"
