# stages/source: what the event sources share (docs/architecture.md): the
# OAuth token manager, backoff and throttling, server error bodies, and the
# checkpoint file. Linked into the fetcher stage, which runs the poll source
# and the notification source.

SOURCE_SRCS := stages/source/gcb_token.c stages/source/gcb_backoff.c \
	stages/source/gcb_errbody.c stages/source/gcb_ckpt.c
SOURCE_LIBS := $(call pkglibs,libcurl libcjson liburing)
