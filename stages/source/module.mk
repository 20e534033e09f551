# stages/source: what the event sources share (docs/architecture.md): the
# source base (gcb_source: setup, tick, authorised calls, checkpoints), the
# configuration, the batch writer and the poll-answer spans it writes, the
# OAuth token manager, backoff and throttling, server error bodies, and the
# checkpoint file. Linked into the source stage, which runs the poll source
# (stages/fetcher) or the notification source (stages/notif).

SOURCE_SRCS = stages/source/gcb_token.c stages/source/gcb_backoff.c \
	stages/source/gcb_errbody.c stages/source/gcb_ckpt.c \
	stages/source/gcb_source.c stages/source/gcb_source_conf.c \
	stages/source/gcb_source_keep.c stages/source/gcb_batch.c stages/source/gcb_poll.c \
	$(JSON_SRCS) $(ARRAY_SRCS)
SOURCE_LIBS := $(call pkglibs,libcurl libcjson liburing libcrypto)
