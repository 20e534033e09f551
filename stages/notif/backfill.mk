# stages/notif: the gap log and the gap backfill (included by stages/notif/module.mk).

GAPS_SRCS := stages/notif/gcb_gaps.c
BACKFILL_SRCS := stages/notif/gcb_backfill.c stages/notif/gcb_backfill_state.c \
	stages/notif/gcb_backfill_msg.c stages/notif/gcb_backfill_watermark.c \
	stages/notif/gcb_backfill_request.c
