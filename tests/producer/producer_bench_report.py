#!/usr/bin/python3
# Run by tests/producer/producer_bench.sh (its check).
import sys
c = {}
for line in open(sys.argv[1]):
    if line.startswith("produced="):
        c = dict(kv.split("=") for kv in line.split())
secs = (int(sys.argv[3]) - int(sys.argv[2])) / 1e9
rel, prod = int(c["released"]), int(c["produced"])
lat = int(c["latency_sum_us"]) / max(1, int(c["latency_count"])) / 1000
print("producer_bench: %d records (%d produced) in %.2f s: %.0f records/s, %.0f produced/s, "
      "avg ack latency %.1f ms" % (rel, prod, secs, rel / secs, prod / secs, lat))
