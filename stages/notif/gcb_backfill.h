/*
 * Gap backfill (docs/genesys-api.md, "Analytics conversation details"): for the oldest closed gap, an analytics
 * conversation-details job over the gap's interval (widened by pad), its
 * state polled until FULFILLED, its results paged by cursor; every
 * conversation is emitted as a backfill message (docs/notifications.md)
 * through io->emit, i.e. into the spool, in front of the rings like any
 * notification. When the last page is emitted and durable the gap is done.
 *
 * Resumable: the job id and the cursor of the next page are kept in
 * <state_dir>/<instance>.backfill (written after the page they follow is
 * durable in the spool), so a restart continues the job where it stopped
 * (a page may be emitted twice, never skipped). A job the service no longer
 * knows (404, EXPIRED, FAILED, CANCELLED) is submitted again.
 *
 * Rate limits (docs/genesys-api.md): 429 waits at least Retry-After, 5xx and
 * transport errors back off exponentially; a low inin-ratelimit budget
 * spreads requests over the reset window. The step function never sleeps:
 * it does at most one request and says when the next is due, so the
 * channels keep being serviced.
 */
#ifndef GCB_BACKFILL_H
#define GCB_BACKFILL_H

#include <stdatomic.h>
#include <stddef.h>
#include <stdint.h>

#include "stages/source/gcb_backoff.h"
#include "stages/source/gcb_ckpt.h"
#include "lib/gcb_http.h"
#include "stages/notif/gcb_gaps.h"

/* topicName of the messages backfill emits, one per conversation; the
 * routing file routes them like any notification (docs/notifications.md). */
#define GCB_BACKFILL_TOPIC "gcbridge.backfill.conversation"

typedef struct gcb_backfill_conf {
	int enabled;
	uint64_t pad_ms;
	unsigned poll_interval_ms;
	unsigned backoff_base_ms;
	unsigned backoff_cap_ms;
} gcb_backfill_conf_t;

typedef struct gcb_backfill_io {
	/*
	 * One authorised API request (token handling and the single 401 retry
	 * included): 0 with *resp set whatever the status, else -errno for a
	 * transport failure (retried later) or -ECANCELED (stopping).
	 */
	int (*call)(void *arg, const char *method, const char *path, const char *body,
		    size_t body_len, const gcb_http_resp_t **resp);
	/* Appends one backfill message: 0, -ENOSPC (spool full: retried later), -errno. */
	int (*emit)(void *arg, const char *msg, size_t len);
	/* Makes everything emitted so far durable: 0 or -errno. */
	int (*sync)(void *arg);
	void *arg;
} gcb_backfill_io_t;

typedef struct gcb_backfill gcb_backfill_t;

/*
 * Creates the backfill over gaps (borrowed), loading any job in progress.
 * counters: the source stage's (GCB_NC_BACKFILL_*, GCB_NC_GAPS_*). 0 or -errno
 * with errstr.
 */
int gcb_backfill_new(gcb_backfill_t **out, const gcb_backfill_conf_t *conf, gcb_gaps_t *gaps,
		     gcb_ckpt_t *store, const char *instance, const gcb_backfill_io_t *io,
		     _Atomic uint64_t *counters, char *errstr, size_t errstr_size);
void gcb_backfill_free(gcb_backfill_t *b);

/* ISO-8601 UTC with milliseconds, "2026-11-27T05:31:06.819Z" (out: 32 bytes at least). */
void gcb_backfill_format_iso_ms(uint64_t unix_ms, char *out);
/* ISO-8601 UTC ("Z" or "+00:00", fraction optional) to Unix ms: 0 or -EINVAL. */
int gcb_backfill_parse_iso_ms(const char *s, uint64_t *unix_ms);

/*
 * Does at most one API request when one is due. Returns milliseconds until
 * the next step is due (0: call again now), or -1 when no gap waits.
 */
int64_t gcb_backfill_step(gcb_backfill_t *b, uint64_t now_mono_ms);

#endif
