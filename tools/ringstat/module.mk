# tools/ringstat: gcb-ringstat, the read-only ring inspection tool.

RINGSTAT_WALK_SRCS := tools/ringstat/gcb_ringstat_walk.c
RINGSTAT_SRCS := $(RINGSTAT_WALK_SRCS) tools/ringstat/gcb_ringstat_snap.c \
	tools/ringstat/gcb_ringstat_names.c tools/ringstat/gcb_ringstat_text.c \
	tools/ringstat/gcb_ringstat_json.c tools/ringstat/gcb_ringstat_dump.c

PROGS += gcb-ringstat
gcb-ringstat.srcs = tools/ringstat/gcb_ringstat_main.c $(RINGSTAT_SRCS) $(SHM_SRCS)
