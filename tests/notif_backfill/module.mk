# tests/notif_backfill: the gap log's unit tests and the backfill's integration tests.

ifndef BACKFILL_SRCS
include stages/notif/backfill.mk
endif

$(eval $(call gcb_program,test-notif-gaps,tests/notif_backfill/test_gaps.c $(GAPS_SRCS) \
	stages/fetcher/gcb_fetcher_ckpt.c lib/gcb_dir.c $(LOG_SRCS),$(call pkglibs,cmocka libcjson liburing)))
UNIT_TESTS += $(BIN)/test-notif-gaps

$(eval $(call gcb_program,backfill-driver,tests/notif_backfill/backfill_driver.c $(GAPS_SRCS) \
	$(BACKFILL_SRCS) lib/gcb_http.c lib/gcb_http_sink.c lib/gcb_buf.c stages/fetcher/gcb_fetcher_token.c \
	stages/fetcher/gcb_fetcher_backoff.c stages/fetcher/gcb_fetcher_ckpt.c \
	stages/fetcher/gcb_fetcher_errbody.c lib/gcb_dir.c $(LOG_SRCS),$(call pkglibs,libcurl libcjson liburing)))

INTEGRATION_TESTS += tests/notif_backfill/backfill_full.sh tests/notif_backfill/backfill_429.sh \
	tests/notif_backfill/backfill_failed_job.sh tests/notif_backfill/backfill_restart.sh \
	tests/notif_backfill/backfill_disabled.sh tests/notif_backfill/backfill_throttle.sh \
	tests/notif_backfill/backfill_watermark.sh

$(eval $(call gcb_program,test-notif-backfill,tests/notif_backfill/test_backfill.c $(GAPS_SRCS) \
	$(BACKFILL_SRCS) stages/fetcher/gcb_fetcher_backoff.c stages/fetcher/gcb_fetcher_ckpt.c \
	stages/fetcher/gcb_fetcher_errbody.c lib/gcb_dir.c $(LOG_SRCS),$(call pkglibs,cmocka libcjson liburing)))
UNIT_TESTS += $(BIN)/test-notif-backfill
