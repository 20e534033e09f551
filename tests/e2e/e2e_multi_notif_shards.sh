#!/bin/sh
# Three instances share the notification topics (docs/multihost.md): the
# coordination topic has 6 partitions, so the topics are cut into 6 shards
# by a hash of their queue or user id and each instance subscribes only to
# the shards the group gave it. While conversations flow, one instance's
# whole process tree is SIGKILLed: its shards move to the two others, each
# records the time the shard had no owner (from the dead owner's last state
# record to its own subscription) as a "takeover" gap and backfills it.
# Every conversation the simulator generated is in Kafka (live topics or
# the backfill topic), and every message sent is in Kafka unless its
# conversation was backfilled (notif_verify.py, kcat, python3-avro). The
# only messages allowed to be missing are presence / routing-status /
# activity changes sent while their shard had no owner (the killed
# instance's unacknowledged tail, a shard moving between channels): those
# are not in the Analytics API, so no backfill brings them back (the limit
# the single-instance source has for every gap); they are counted.
. "$(dirname "$0")/../lib.sh"
. "$GCB_ROOT/tests/e2e/lib.sh"
. "$GCB_ROOT/tests/e2e/notif_lib.sh"
MH_UNITS=6
MH_SESSION_MS=6000
MH_WRITE=ne2e_write_conf
. "$GCB_ROOT/tests/e2e/multi_lib.sh"
ne2e_require

N=$(e2e_events 1600)
RATE=$((N / 40))
NE2E_ALLOW_DROPS=1 # the killed instance's sockets drop what was queued for them
mh_notif_three 31
t_wait_for 60 mh_all_owned a b c ||
	t_fail "the shards are not all owned: a=$(mh_owned a) b=$(mh_owned b) c=$(mh_owned c); $(tail -3 "$T_DIR/a.err")"
for x in a b c; do
	[ "$(mh_owned "$x")" -ge 1 ] || t_fail "$x owns no shard"
	t_wait_for 30 sh -c "[ \$('$PY' '$E2E/shmcounters.py' '$T_INSTANCE-$x' channels | sed 's/channels=//') -ge 1 ]" ||
		t_fail "$x has no channel: $(tail -3 "$T_DIR/$x.err")"
done
t_log "shards: a=$(mh_owned a) b=$(mh_owned b) c=$(mh_owned c); topics a=$(mh_fc a topics) b=$(mh_fc b topics) c=$(mh_fc c topics)"
since=$(date +%s%3N)
ne2e_traffic "$N" "$RATE"
sleep 8

mh_kill_tree b
t0=$(date +%s%N)
t_log "b killed with $(mh_fc b ws_messages) messages received"
t_wait_for 60 mh_all_owned a c || t_fail "b's shards did not move: a=$(mh_owned a) c=$(mh_owned c)"
t_log "b's shards moved after $((($(date +%s%N) - t0) / 1000000)) ms: a=$(mh_owned a) c=$(mh_owned c)"
grep -h "shard [0-9]* taken over" "$T_DIR/a.err" "$T_DIR/c.err" >"$T_DIR/takeovers" ||
	t_fail "no takeover logged"
grep -h "gap [0-9]* opened (takeover)" "$T_DIR/a.err" "$T_DIR/c.err" >/dev/null ||
	t_fail "no takeover gap opened"

ne2e_wait_traffic_done 120 || t_fail "the simulator's traffic did not end: $NE2E_SENT sent"
t_wait_for 120 mh_notif_settled a c || t_fail "not settled: $(mh_notif_pending a c)"
backfilled=$(($(mh_fc a gaps_backfilled) + $(mh_fc c gaps_backfilled)))
events=$(($(mh_fc a backfill_events) + $(mh_fc c backfill_events)))
[ "$backfilled" -ge 1 ] || t_fail "no gap backfilled"
mh_notif_stop_verify "$since" a c
lost=$(mh_notif_lost_user_state) || t_fail "a message is missing that is not a user-state change"
t_log "REPORT: 3 instances, $MH_UNITS shards, b killed: $(wc -l <"$T_DIR/takeovers") shards taken over, $backfilled gaps backfilled ($events conversations), every conversation in Kafka; $lost user-state changes lost in the takeover gaps (not in analytics)"
