# tests/notif_backfill: the gap log's unit tests and the backfill's integration tests.

PROGS += test-notif-gaps
test-notif-gaps.srcs = tests/notif_backfill/test_gaps.c $(GAPS_SRCS) \
	stages/source/gcb_ckpt.c $(DIR_SRCS) $(LOG_SRCS)
test-notif-gaps.libs := $(call pkglibs,cmocka libcjson liburing)
UNIT_TESTS += $(BIN)/test-notif-gaps

PROGS += backfill-driver
backfill-driver.srcs = tests/notif_backfill/backfill_driver.c $(GAPS_SRCS) \
	$(BACKFILL_SRCS) $(HTTP_SRCS) stages/source/gcb_token.c \
	stages/source/gcb_backoff.c stages/source/gcb_ckpt.c \
	stages/source/gcb_errbody.c shm/gcb_counters.c $(DIR_SRCS) $(LOG_SRCS)
backfill-driver.libs := $(call pkglibs,libcurl libcjson liburing)

INTEGRATION_TESTS += tests/notif_backfill/backfill_full.sh tests/notif_backfill/backfill_429.sh \
	tests/notif_backfill/backfill_failed_job.sh tests/notif_backfill/backfill_restart.sh \
	tests/notif_backfill/backfill_disabled.sh tests/notif_backfill/backfill_throttle.sh \
	tests/notif_backfill/backfill_watermark.sh

PROGS += test-notif-backfill
test-notif-backfill.srcs = tests/notif_backfill/test_backfill.c $(GAPS_SRCS) \
	$(BACKFILL_SRCS) stages/source/gcb_backoff.c stages/source/gcb_ckpt.c \
	stages/source/gcb_errbody.c $(DIR_SRCS) $(LOG_SRCS)
test-notif-backfill.libs := $(call pkglibs,cmocka libcjson liburing)
UNIT_TESTS += $(BIN)/test-notif-backfill
