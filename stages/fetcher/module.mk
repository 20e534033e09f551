# stages/fetcher: the poll source (linked into gcbridge and the test
# harness), run by the source stage (named "fetcher") when genesys.source =
# poll; what it shares with the notification source (stages/notif) is
# stages/source.

FETCHER_SRCS = stages/fetcher/gcb_fetcher.c stages/fetcher/gcb_fetcher_stream.c \
	stages/fetcher/gcb_fetcher_stall.c \
	stages/fetcher/gcb_fetcher_spool.c stages/fetcher/gcb_fetcher_spoolrec.c \
	stages/fetcher/gcb_fetcher_spoolstat.c stages/fetcher/gcb_fetcher_coord.c \
	$(SOURCE_SRCS) $(HTTP_SRCS) $(JSON_SRCS) $(NOTIF_ALL_SRCS) $(COORD_SRCS)
FETCHER_LIBS = $(call pkglibs,libcurl libcjson liburing libcrypto) $(NOTIF_LIBS) $(COORD_LIBS)
