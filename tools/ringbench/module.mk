# tools/ringbench/: gcb-ringbench, ring vs memcpy vs pipe throughput (make bench).

PROGS += gcb-ringbench
gcb-ringbench.srcs = tools/ringbench/gcb_ringbench.c $(SHM_SRCS)
BENCHES += $(BIN)/gcb-ringbench
