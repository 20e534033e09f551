# Helpers for the ops_* tests (sourced after lib.sh): run bin/gcbridge on
# its embedded services with the metrics endpoint on a free port.

# ops_conf [EXTRA_INI_LINES]: writes $T_DIR/gcbridge.conf.
ops_conf() {
	cat >"$T_DIR/gcbridge.conf" <<CONF
embedded = true
[instance]
name = $T_INSTANCE
state_dir = $T_DIR/state
[schemas]
dir = $GCB_ROOT/schemas
[pipeline]
validators = 2
[ring]
size = 4MiB
[metrics]
listen = 127.0.0.1:0
${1:-}
CONF
}

# ops_start [ENV=VALUE...]: starts gcbridge (pid in OPS_PID), waits for the
# metrics port (OPS_PORT) and sets OPS_URL.
ops_start() {
	cd "$GCB_ROOT"
	t_bg env "$@" "$GCB_BIN/gcbridge" -c "$T_DIR/gcbridge.conf" 2>"$T_DIR/log"
	OPS_PID=$T_LAST
	t_wait_for 30 grep -q "metrics listening on" "$T_DIR/log" ||
		{ cat "$T_DIR/log" >&2; t_fail "no metrics endpoint"; }
	OPS_PORT=$(sed -n 's/.*metrics listening on [^ ]*:\([0-9][0-9]*\) .*/\1/p' "$T_DIR/log")
	OPS_URL="http://127.0.0.1:$OPS_PORT"
	t_log "gcbridge pid $OPS_PID, metrics at $OPS_URL"
}

# ops_code PATH: the HTTP status of GET PATH.
ops_code() {
	curl -s -o /dev/null -w '%{http_code}' --max-time 10 "$OPS_URL$1"
}

ops_ready() { [ "$(ops_code /readyz)" = 200 ]; }

# ops_metric 'NAME{LABELS}': the value of one sample of the last scrape
# ($T_DIR/metrics).
ops_metric() {
	awk -v k="$1" '$1 == k { print $2; exit }' "$T_DIR/metrics"
}

ops_scrape() {
	curl -sf --max-time 10 "$OPS_URL/metrics" >"$T_DIR/metrics"
}

# ops_stop: SIGTERM, wait, expect exit 0.
ops_stop() {
	kill -TERM "$OPS_PID"
	t_wait_exit "$OPS_PID" 60
	[ "$T_CODE" = 0 ] || { tail -n 30 "$T_DIR/log" >&2; t_fail "exit $T_CODE after SIGTERM"; }
}
