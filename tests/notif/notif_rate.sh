#!/bin/sh
# The notification source's shared REST budget (genesys.notifications.rate_limit):
# gcb-sim enforces 20 requests per 3 s window (429 beyond, inin-ratelimit-*
# headers). Resolving 2,000 users (20 pages) and opening two channels is
# about 25 requests. With a budget of 120 a minute (a burst of 12, then one
# each 500 ms: at most 18 in any 3 s) the fetcher waits its turn
# (throttle_waits; the header-based throttle only acts when 2 or fewer
# requests are left in the window, which this pace never reaches) and
# never meets a 429.
. "$GCB_ROOT/tests/notif/notif_lib.sh"

fh_sim --queues 2 --agents 2000 --notify-rate 0 --heartbeat-interval 0.5 --seed 61 \
	--ratelimit-allowed=20 --ratelimit-window=3 --ratelimit-enforce
nf_start paced --topics "v2.users.{userId}.activity" --no-backfill --rate-limit 120
nf_wait_log paced "connected: 1000 topics" 2
nf_stop || fh_fail "harness failed"
[ "$(fh_counter paced http_429)" = 0 ] || fh_fail "$(fh_counter paced http_429) answers 429 within the budget"
[ "$(fh_counter paced throttle_waits)" -ge 1 ] || fh_fail "the budget never made a request wait"
echo "ok: paced by the budget, no 429 ($(fh_counter paced throttle_waits) waits)"
