/*
 * Internals of the gap backfill (gcb_backfill.h), shared by its files:
 * gcb_backfill.c (the request/step machine), gcb_backfill_state.c (the job
 * and its state file <instance>.backfill), gcb_backfill_msg.c (backfill
 * messages).
 */
#ifndef GCB_BACKFILL_INT_H
#define GCB_BACKFILL_INT_H

#include <limits.h>

#include <cjson/cJSON.h>

#include "lib/gcb_buf.h"
#include "stages/notif/gcb_backfill.h"

#define BF_VERSION     1
#define BF_ISO_MAX     32
#define BF_JOB_ID_MAX  128
#define BF_STATE_MAX   (64u * 1024u)
#define BF_TOPIC       GCB_BACKFILL_TOPIC
#define BF_JOBS_PATH   "/api/v2/analytics/conversations/details/jobs"
#define BF_PATH_MAX    (sizeof(BF_JOBS_PATH) + BF_JOB_ID_MAX + 32)
#define BF_MSG_MAX     (256u << 20) /* larger conversations are refused: -EFBIG */
#define BF_RETRY_SPOOL 1000u	    /* wait for spool room at most this long between tries */
#define BF_AVAIL_PATH  BF_JOBS_PATH "/availability"
/* Re-check a lagging watermark at most this far apart (it moves in real time). */
#define BF_WATERMARK_RECHECK_MAX 60000u

typedef enum bf_phase {
	BF_IDLE = 0,
	BF_WATERMARK, /* GET jobs/availability until it covers the interval */
	BF_SUBMIT,
	BF_POLL,
	BF_RESULTS,
	BF_EMIT,
} bf_phase_t;

struct gcb_backfill {
	gcb_backfill_conf_t conf;
	gcb_gaps_t *gaps;
	gcb_ckpt_t *store;
	gcb_backfill_io_t io;
	_Atomic uint64_t *counters;
	char name[NAME_MAX + 1]; /* <instance>.backfill */

	bf_phase_t phase;
	uint64_t due_ms; /* monotonic time of the next step; 0 now */
	gcb_backoff_t backoff;
	int disabled_logged;

	/* The job of the current gap. */
	uint64_t gap_id;
	char interval[2 * BF_ISO_MAX + 2];
	uint64_t gap_start_ms;
	uint64_t gap_end_ms;  /* Unix ms: data must be complete up to here (the watermark) */
	int watermark_logged; /* "waiting for the watermark" said once per gap */
	char job_id[BF_JOB_ID_MAX];
	char *cursor; /* of the next page, "" for the first; owned */
	uint64_t emitted;
	char *suffix; /* the "backfill" object of every message of this job; owned */

	/* The page being emitted (EMIT). */
	cJSON *page;
	cJSON *conv;	     /* next conversation of page to emit */
	uint64_t page_index; /* of conv within the page */
	char *next_cursor;   /* NULL: this is the last page; owned */
	int page_synced;

	gcb_buf_t msg; /* reusable message buffer */
};

/* ISO-8601 UTC with milliseconds: "2026-11-27T05:31:06.819Z". */
void gcb_backfill_iso_ms(uint64_t unix_ms, char out[BF_ISO_MAX]);

/* The job and its state file (gcb_backfill_state.c). */
const gcb_gap_t *gcb_backfill_gap_find(const gcb_backfill_t *b, uint64_t id);
void gcb_backfill_page_clear(gcb_backfill_t *b);
void gcb_backfill_job_clear(gcb_backfill_t *b);
void gcb_backfill_gap_clear(gcb_backfill_t *b);
int gcb_backfill_set_cursor(gcb_backfill_t *b, const char *cursor);
void gcb_backfill_gap_begin(gcb_backfill_t *b, const gcb_gap_t *gap);
/* The job's interval: [gap start - pad, min(gap end + pad, end_max_ms)]. */
void gcb_backfill_interval_set(gcb_backfill_t *b, uint64_t end_max_ms);
void gcb_backfill_state_save(gcb_backfill_t *b);
void gcb_backfill_state_remove(gcb_backfill_t *b);
void gcb_backfill_state_load(gcb_backfill_t *b);

/* The data-availability watermark (gcb_backfill_watermark.c). */
int64_t gcb_backfill_step_watermark(gcb_backfill_t *b, uint64_t now);
int gcb_backfill_page_complete(gcb_backfill_t *b, const cJSON *page, const char *corr);

/* Shared by the step files (gcb_backfill.c). */
int64_t gcb_backfill_later(gcb_backfill_t *b, uint64_t now, uint64_t ms);
int64_t gcb_backfill_retry(gcb_backfill_t *b, uint64_t now, int at_cap, int64_t retry_after_ms,
			   const char *what);
int64_t gcb_backfill_failed(gcb_backfill_t *b, uint64_t now, const gcb_http_resp_t *r,
			    const char *what);
int64_t gcb_backfill_answered(gcb_backfill_t *b, uint64_t now, const gcb_http_resp_t *r,
			      uint64_t ms);
int gcb_backfill_call(gcb_backfill_t *b, uint64_t now, const char *method, const char *path,
		      const char *body, const gcb_http_resp_t **r, int64_t *delay,
		      const char *what);
cJSON *gcb_backfill_parse_body(gcb_backfill_t *b, const gcb_http_resp_t *r);
void gcb_backfill_count(gcb_backfill_t *b, int idx, uint64_t n);

/* Backfill messages (gcb_backfill_msg.c). */
int gcb_backfill_suffix_build(gcb_backfill_t *b);
int gcb_backfill_emit_one(gcb_backfill_t *b, const cJSON *conv, uint64_t n);

#endif
