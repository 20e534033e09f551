# stages/fetcher: the fetcher stage (linked into gcbridge and the test
# harness): the poll source, the batch writer, and the notification source
# (stages/notif) it carries; what both sources share is stages/source.

FETCHER_SRCS = stages/fetcher/gcb_fetcher.c stages/fetcher/gcb_fetcher_conf.c \
	stages/fetcher/gcb_fetcher_api.c stages/fetcher/gcb_fetcher_stream.c \
	stages/fetcher/gcb_fetcher_poll.c stages/fetcher/gcb_fetcher_batch.c \
	stages/fetcher/gcb_fetcher_keep.c stages/fetcher/gcb_fetcher_stall.c \
	stages/fetcher/gcb_fetcher_spool.c stages/fetcher/gcb_fetcher_spoolrec.c \
	stages/fetcher/gcb_fetcher_spoolstat.c \
	$(SOURCE_SRCS) $(HTTP_SRCS) $(JSON_SRCS) $(NOTIF_ALL_SRCS)
FETCHER_LIBS = $(call pkglibs,libcurl libcjson liburing libcrypto) $(NOTIF_LIBS)
