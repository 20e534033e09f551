#!/usr/bin/python3
"""Checks a self-test sink file: every seq 1..N delivered, none lost.

usage: seqcheck.py SINK_FILE N   -> prints delivered/distinct/duplicates/missing;
exit 1 when a seq in 1..N is missing or one outside it appears.
"""
import array
import sys

path, total = sys.argv[1], int(sys.argv[2])
seqs = array.array("Q")
with open(path, "rb") as f:
    seqs.frombytes(f.read())
distinct = set(seqs)
wanted = set(range(1, total + 1))
missing = len(wanted - distinct)
extra = len(distinct - wanted)
print(f"delivered={len(seqs)} distinct={len(distinct)} duplicates={len(seqs) - len(distinct)} "
      f"missing={missing} unexpected={extra}")
sys.exit(1 if missing or extra else 0)
