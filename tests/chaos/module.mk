# tests/chaos/: the chaos run. `make chaos` is the long version (1 M events,
# 60 stage kills); tests/chaos/chaos_short.sh is the one `make check` runs.

INTEGRATION_TESTS += tests/chaos/chaos_short.sh

CHAOS_ARGS ?= --events 1000000 --rate 3000 --stage-kills 60 --supervisor-kills 6 \
	--broker-outages 6 --cluster-outages 4 --storms 12 --revokes 8 --expiries 4 \
	--catchup-timeout 300
