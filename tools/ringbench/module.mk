# tools/ringbench/: gcb-ringbench, ring vs memcpy vs pipe throughput (make bench).

$(eval $(call gcb_program,gcb-ringbench,tools/ringbench/gcb_ringbench.c $(SHM_SRCS),))
BENCHES += $(BIN)/gcb-ringbench
