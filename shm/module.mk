# shm/: the shared-memory segment and its rings (the segment contract).

SHM_SRCS = shm/gcb_shm.c shm/gcb_shm_check.c shm/gcb_ring.c shm/gcb_shm_source.c shm/gcb_counters.c \
	$(PROC_SRCS) $(DIR_SRCS)
