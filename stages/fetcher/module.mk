# stages/fetcher: the fetcher stage (linked into gcbridge and the test
# harness). It carries the notification source (stages/notif).

FETCHER_SRCS = stages/fetcher/gcb_fetcher.c stages/fetcher/gcb_fetcher_conf.c \
	stages/fetcher/gcb_fetcher_api.c stages/fetcher/gcb_fetcher_stream.c \
	$(HTTP_SRCS) stages/fetcher/gcb_fetcher_token.c \
	stages/fetcher/gcb_fetcher_backoff.c stages/fetcher/gcb_fetcher_poll.c \
	$(JSON_SRCS) stages/fetcher/gcb_fetcher_errbody.c \
	stages/fetcher/gcb_fetcher_batch.c stages/fetcher/gcb_fetcher_ckpt.c \
	stages/fetcher/gcb_fetcher_keep.c stages/fetcher/gcb_fetcher_stall.c \
	$(NOTIF_ALL_SRCS)
FETCHER_LIBS = $(call pkglibs,libcurl libcjson liburing libcrypto) $(NOTIF_LIBS)
