# stages/notif: the notification source (docs/notif-source.md), part of the
# fetcher stage. It needs the WebSocket client (stages/ws), the spool
# (stages/spool), the gap log and the gap backfill.

GAPS_SRCS := stages/notif/gcb_gaps.c $(ARRAY_SRCS)
BACKFILL_SRCS := stages/notif/gcb_backfill.c stages/notif/gcb_backfill_state.c \
	stages/notif/gcb_backfill_msg.c stages/notif/gcb_backfill_watermark.c \
	stages/notif/gcb_backfill_request.c $(BUF_SRCS)
NOTIF_TOPICS_SRCS := stages/notif/gcb_notif_topics.c stages/notif/gcb_notif_scan.c \
	stages/notif/gcb_notif_spread.c $(ARRAY_SRCS)
NOTIF_SRCS := stages/notif/gcb_notif_main.c stages/notif/gcb_notif_channel.c \
	stages/notif/gcb_notif_msg.c stages/notif/gcb_notif_feed.c \
	stages/notif/gcb_notif_resolve.c stages/notif/gcb_notif_rest.c \
	stages/notif/gcb_notif_subscribe.c stages/notif/gcb_notif_avail.c \
	stages/notif/gcb_preflight.c stages/notif/gcb_rate.c \
	stages/notif/gcb_notif_requests.c stages/notif/gcb_notif_shard.c \
	stages/notif/gcb_notif_watermark.c stages/notif/gcb_drained.c $(NOTIF_TOPICS_SRCS)
NOTIF_ALL_SRCS = $(NOTIF_SRCS) $(WS_SRCS) $(SPOOL_SRCS) $(GAPS_SRCS) $(BACKFILL_SRCS)
NOTIF_LIBS := $(call pkglibs,libssl libcrypto) -lwslay
