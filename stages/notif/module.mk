# stages/notif: the notification source (docs/notif-source.md), part of the
# fetcher stage. It needs the WebSocket client (stages/ws), the spool
# (stages/spool) and the gap log + backfill (stages/notif/backfill.mk).

include stages/notif/backfill.mk

NOTIF_TOPICS_SRCS := stages/notif/gcb_notif_topics.c stages/notif/gcb_notif_scan.c
NOTIF_SRCS := stages/notif/gcb_notif_main.c stages/notif/gcb_notif_channel.c \
	stages/notif/gcb_notif_msg.c stages/notif/gcb_notif_feed.c \
	stages/notif/gcb_notif_resolve.c stages/notif/gcb_notif_rest.c \
	stages/notif/gcb_notif_subscribe.c stages/notif/gcb_notif_avail.c \
	stages/notif/gcb_preflight.c stages/notif/gcb_rate.c \
	stages/notif/gcb_notif_requests.c stages/notif/gcb_notif_shard.c $(NOTIF_TOPICS_SRCS)

# stages/ws and stages/spool are included after this file (sorted order), so
# their WS_SRCS / SPOOL_SRCS are not known yet: their files are found here.
NOTIF_ALL_SRCS := $(NOTIF_SRCS) $(wildcard stages/ws/gcb_ws*.c) \
	$(wildcard stages/spool/gcb_spool*.c) $(GAPS_SRCS) $(BACKFILL_SRCS)
NOTIF_LIBS := $(call pkglibs,libssl libcrypto) -lwslay

# The fetcher carries the source; every program linking the fetcher links it.
FETCHER_SRCS += $(NOTIF_ALL_SRCS)
FETCHER_LIBS += $(NOTIF_LIBS)
