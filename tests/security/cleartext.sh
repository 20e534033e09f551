#!/bin/sh
# Cleartext off loopback is refused: http:// for genesys.api_url,
# genesys.login_url or schemas.registry.url to a host other than loopback
# stops gcbridge with exit 2 (and --check-config), unless
# security.allow_cleartext = true, which warns. Certificate checks turned off
# (genesys.tls.verify, librdkafka's) warn at start and show as
# gcbridge_insecure{setting=...} 1 in /metrics. Nothing here is contacted:
# 192.0.2.1 is TEST-NET-1 and every file is refused or only checked.
. "$(dirname "$0")/../lib.sh"
. "$GCB_ROOT/tests/e2e/lib.sh"
. "$GCB_ROOT/tests/ops/ops_lib.sh"
command -v curl >/dev/null || { echo "curl not installed"; exit 77; }

SIM_URL=http://192.0.2.1:8080
BS=127.0.0.1:9
e2e_write_conf "$T_DIR/api.conf"
refused() { # refused CONF WHAT REGEX
	for _opt in "" --check-config; do
		set +e
		# shellcheck disable=SC2086 # _opt is empty or one word
		timeout 60 "$GCB_BIN/gcbridge" -c "$1" $_opt >/dev/null 2>"$T_DIR/err"
		_rc=$?
		set -e
		[ $_rc = 2 ] || t_fail "$2 ${_opt:-run}: exit $_rc, want 2: $(cat "$T_DIR/err")"
		grep -Eq "$3" "$T_DIR/err" || t_fail "$2 ${_opt:-run}: no '$3' in: $(cat "$T_DIR/err")"
	done
	t_log "$2 refused: $(grep -Eo "$3.*" "$T_DIR/err" | head -n 1)"
}
refused "$T_DIR/api.conf" "http:// API" \
	"genesys.api_url: http:// to a host other than loopback would send credentials in clear text"
grep -q "genesys.login_url: http://" "$T_DIR/err" || t_fail "login_url not named"

SIM_URL=http://127.0.0.1:9
e2e_write_conf "$T_DIR/reg.conf" "schemas.registry.url = http://registry.example:8081"
refused "$T_DIR/reg.conf" "http:// registry" "schemas.registry.url: http:// to a host other than loopback"

# Allowed explicitly: a warning, no error.
SIM_URL=http://192.0.2.1:8080
e2e_write_conf "$T_DIR/allowed.conf" "security.allow_cleartext = true"
"$GCB_BIN/gcbridge" -c "$T_DIR/allowed.conf" --check-config >/dev/null 2>"$T_DIR/err" ||
	t_fail "security.allow_cleartext = true still refused: $(cat "$T_DIR/err")"
grep -q "genesys.api_url: http:// off loopback: credentials cross the network in clear text" \
	"$T_DIR/err" || t_fail "no warning with security.allow_cleartext"

# Loopback http:// (the simulator) is fine: every e2e test runs that way.

# Certificate checks off: warned at start, a gauge in /metrics.
ops_conf "[genesys]
tls.verify = false
[kafka]
enable.ssl.certificate.verification = false"
ops_start
t_wait_for 60 ops_ready || t_fail "never ready"
grep -q "genesys.tls.verify: false: server certificates are not checked" "$T_DIR/log" ||
	t_fail "no warning for genesys.tls.verify"
grep -q "kafka.enable.ssl.certificate.verification: false" "$T_DIR/log" ||
	t_fail "no warning for the Kafka certificate check"
curl -s --max-time 10 "$OPS_URL/metrics" >"$T_DIR/metrics"
for s in genesys_tls_verify_off=1 kafka_tls_verify_off=1 cleartext_http=0; do
	grep -qx "gcbridge_insecure{setting=\"${s%=*}\"} ${s#*=}" "$T_DIR/metrics" ||
		t_fail "gcbridge_insecure{setting=\"${s%=*}\"} is not ${s#*=}"
done
t_log "gauges: $(grep '^gcbridge_insecure' "$T_DIR/metrics" | tr '\n' ' ')"
kill -TERM "$OPS_PID"
t_wait_exit "$OPS_PID" 60
