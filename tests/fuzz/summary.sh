#!/bin/sh
# Prints one table line per fuzz target from the libFuzzer logs `make fuzz`
# leaves in FUZZ_BUILD (fuzz-NAME.log): executions, exec/s, final coverage
# (cov: edges, ft: features), corpus size (entries in the scratch corpus plus
# the seed corpus as loaded), crash artifacts, exit status.
#
#   tests/fuzz/summary.sh build/fuzz mapper fetcher config ringstat avsc
set -u
dir=$1
shift
printf '%-13s %12s %8s %6s %7s %13s %7s %s\n' target executions exec/s cov ft corpus crashes status
for t in "$@"; do
	log="$dir/fuzz-$t.log"
	if [ ! -r "$log" ]; then
		printf '%-13s (no log)\n' "$t"
		continue
	fi
	execs=$(sed -n 's/^stat::number_of_executed_units: *//p' "$log" | tail -n 1)
	eps=$(sed -n 's/^stat::average_exec_per_sec: *//p' "$log" | tail -n 1)
	last=$(grep -E '^#[0-9]+[[:space:]]' "$log" | grep -E ' cov: ' | tail -n 1)
	cov=$(echo "$last" | sed -n 's/.* cov: \([0-9]*\).*/\1/p')
	ft=$(echo "$last" | sed -n 's/.* ft: \([0-9]*\).*/\1/p')
	corp=$(echo "$last" | sed -n 's/.* corp: \([^ ]*\).*/\1/p')
	crashes=$(find "$dir/artifacts-$t" -type f 2>/dev/null | wc -l)
	rc=$(cat "$dir/fuzz-$t.rc" 2>/dev/null || echo '?')
	[ "$rc" = 0 ] && st=ok || st="FAILED (exit $rc, see $log)"
	printf '%-13s %12s %8s %6s %7s %13s %7s %s\n' "$t" "${execs:-?}" "${eps:-?}" "${cov:-?}" \
		"${ft:-?}" "${corp:-?}" "$crashes" "$st"
done
