# tests/notif_backfill: the gap log's unit tests and the backfill's integration tests.

ifndef BACKFILL_SRCS
include stages/notif/backfill.mk
endif

$(eval $(call gcb_program,test-notif-gaps,tests/notif_backfill/test_gaps.c $(GAPS_SRCS) \
	stages/fetcher/gcb_fetcher_ckpt.c $(LOG_SRCS),$(call pkglibs,cmocka libcjson liburing)))
UNIT_TESTS += $(BIN)/test-notif-gaps
