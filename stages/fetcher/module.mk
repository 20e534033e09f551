# stages/fetcher: the fetcher stage (linked into gcbridge and the test harness).

FETCHER_SRCS := stages/fetcher/gcb_fetcher.c stages/fetcher/gcb_fetcher_conf.c \
	stages/fetcher/gcb_fetcher_api.c stages/fetcher/gcb_fetcher_stream.c \
	lib/gcb_http.c lib/gcb_http_sink.c lib/gcb_buf.c stages/fetcher/gcb_fetcher_token.c \
	stages/fetcher/gcb_fetcher_backoff.c stages/fetcher/gcb_fetcher_poll.c \
	lib/gcb_json.c stages/fetcher/gcb_fetcher_errbody.c \
	stages/fetcher/gcb_fetcher_batch.c stages/fetcher/gcb_fetcher_ckpt.c \
	stages/fetcher/gcb_fetcher_keep.c stages/fetcher/gcb_fetcher_stall.c
FETCHER_LIBS := $(call pkglibs,libcurl libcjson liburing libcrypto)
