# stages/fetcher: the fetcher stage (linked into gcbridge and the test harness).

FETCHER_SRCS := stages/fetcher/gcb_fetcher.c stages/fetcher/gcb_fetcher_conf.c \
	stages/fetcher/gcb_fetcher_api.c stages/fetcher/gcb_fetcher_stream.c \
	stages/fetcher/gcb_fetcher_http.c stages/fetcher/gcb_fetcher_token.c \
	stages/fetcher/gcb_fetcher_backoff.c stages/fetcher/gcb_fetcher_poll.c \
	stages/fetcher/gcb_fetcher_json.c stages/fetcher/gcb_fetcher_errbody.c \
	stages/fetcher/gcb_fetcher_batch.c stages/fetcher/gcb_fetcher_ckpt.c \
	stages/fetcher/gcb_fetcher_keep.c stages/fetcher/gcb_fetcher_stall.c \
	stages/fetcher/gcb_fetcher_spool.c stages/fetcher/gcb_fetcher_spoolrec.c \
	stages/fetcher/gcb_fetcher_spoolstat.c stages/fetcher/gcb_fetcher_coord.c $(COORD_SRCS)
FETCHER_LIBS := $(call pkglibs,libcurl libcjson liburing libcrypto) $(COORD_LIBS)
