/*
 * The analytics data-availability watermark (GENESYS.md D, docs/backfill.md
 * "Data availability"). Jobs read a data lake that lags real time: before
 * dataAvailabilityDate it is complete, after it a job ends FULFILLED with
 * conversations missing. A gap is therefore submitted only once
 * GET jobs/availability is at or past the gap's end (the job's interval then
 * ends at the watermark at the latest), and a results page whose own
 * dataAvailabilityDate falls short of the gap's end discards the job.
 *
 * Waiting rather than stitching in the synchronous query: the query selects
 * conversations by the UTC day they started and pages 100 at a time, so
 * covering the recent part with it would mean a second, differently shaped
 * reader whose completeness is itself unproven for conversations that are
 * still running. Waiting keeps one reader with one guarantee; the price is
 * latency (the lake's lag), and the gap stays pending and visible meanwhile.
 */
#include "stages/notif/gcb_backfill_int.h"

#include <inttypes.h>
#include <stdio.h>
#include <string.h>
#include <time.h>

#include "shm/gcb_counters_notif.h"
#include "lib/gcb_log.h"

/*
 * ISO-8601 UTC as Genesys writes it, "2026-11-27T05:31:06.819Z" (fraction
 * optional, "Z" or "+00:00"). 0, or -EINVAL for anything else: an offset
 * other than UTC is refused rather than guessed.
 */
int gcb_backfill_parse_iso_ms(const char *s, uint64_t *unix_ms)
{
	int y, mo, d, h, mi, sec, n = 0;
	unsigned ms = 0, scale = 100;
	struct tm tm;
	time_t t;

	if (s == NULL ||
	    sscanf(s, "%4d-%2d-%2dT%2d:%2d:%2d%n", &y, &mo, &d, &h, &mi, &sec, &n) != 6 || n != 19)
		return -EINVAL;
	s += n;
	if (*s == '.') {
		for (s++; *s >= '0' && *s <= '9'; s++) {
			ms += (unsigned)(*s - '0') * scale;
			scale /= 10;
		}
	}
	if (strcmp(s, "Z") != 0 && strcmp(s, "+00:00") != 0)
		return -EINVAL;
	if (y < 1970 || mo < 1 || mo > 12 || d < 1 || d > 31 || h > 23 || mi > 59 || sec > 60)
		return -EINVAL;
	memset(&tm, 0, sizeof(tm));
	tm.tm_year = y - 1900;
	tm.tm_mon = mo - 1;
	tm.tm_mday = d;
	tm.tm_hour = h;
	tm.tm_min = mi;
	tm.tm_sec = sec;
	if ((t = timegm(&tm)) < 0)
		return -EINVAL;
	*unix_ms = (uint64_t)t * 1000 + ms;
	return 0;
}

/* dataAvailabilityDate of an answer: 1 and *wm, 0 when absent, -EINVAL when unusable. */
static int watermark_of(const cJSON *o, uint64_t *wm)
{
	const cJSON *d = cJSON_GetObjectItemCaseSensitive(o, "dataAvailabilityDate");

	if (d == NULL || cJSON_IsNull(d))
		return 0;
	if (!cJSON_IsString(d) || gcb_backfill_parse_iso_ms(d->valuestring, wm) != 0)
		return -EINVAL;
	return 1;
}

int64_t gcb_backfill_step_watermark(gcb_backfill_t *b, uint64_t now)
{
	const gcb_http_resp_t *r;
	char wm_iso[BF_ISO_MAX], end_iso[BF_ISO_MAX];
	uint64_t wm = 0, wait;
	int64_t delay;
	cJSON *o;
	int rc;

	if (gcb_backfill_call(b, now, "GET", BF_AVAIL_PATH, NULL, &r, &delay,
			      "reading the data-availability watermark") != 0)
		return delay;
	if (r->status != 200)
		return gcb_backfill_failed(b, now, r, "reading the data-availability watermark");
	o = gcb_backfill_parse_body(b, r);
	rc = o != NULL ? watermark_of(o, &wm) : -EINVAL;
	cJSON_Delete(o);
	if (rc != 1) {
		/* Without a watermark nothing says the lake is complete: never
		 * guess, ask again later. */
		gcb_backfill_count(b, GCB_SC_MALFORMED, 1);
		gcb_log_error("backfill of gap %" PRIu64 ": availability answer without a usable "
			      "dataAvailabilityDate (correlation_id=%s)",
			      b->gap_id, r->correlation_id);
		return gcb_backfill_retry(b, now, 0, -1, "reading the data-availability watermark");
	}
	if (wm >= b->gap_end_ms) {
		/* Complete for the whole gap. The pad after it is a margin: never a
		 * reason to read past complete data, so the job stops at the
		 * watermark when that comes first. */
		if (wm < b->gap_end_ms + b->conf.pad_ms)
			gcb_backfill_interval_set(b, wm);
		b->phase = BF_SUBMIT;
		return gcb_backfill_answered(b, now, r, 0);
	}
	gcb_backfill_count(b, GCB_NC_BACKFILL_WATERMARK_WAITS, 1);
	gcb_backfill_iso_ms(wm, wm_iso);
	gcb_backfill_iso_ms(b->gap_end_ms, end_iso);
	if (!b->watermark_logged) {
		gcb_log_info("backfill of gap %" PRIu64 " waits: analytics data is complete up to "
			     "%s, the gap ends at %s; it stays pending until then",
			     b->gap_id, wm_iso, end_iso);
		b->watermark_logged = 1;
	} else {
		gcb_log_debug("backfill of gap %" PRIu64 ": watermark %s, still before %s",
			      b->gap_id, wm_iso, end_iso);
	}
	/* The watermark advances at most in real time: the distance is the
	 * earliest it can pass, bounded so a lake that catches up is noticed. */
	wait = b->gap_end_ms - wm;
	if (wait < b->conf.poll_interval_ms)
		wait = b->conf.poll_interval_ms;
	if (wait > BF_WATERMARK_RECHECK_MAX)
		wait = BF_WATERMARK_RECHECK_MAX;
	return gcb_backfill_answered(b, now, r, wait);
}

/*
 * 1 when a results page may be trusted for the whole gap: it carries no
 * dataAvailabilityDate, or one at or past the gap's end. 0 otherwise (logged).
 */
int gcb_backfill_page_complete(gcb_backfill_t *b, const cJSON *page, const char *corr)
{
	char wm_iso[BF_ISO_MAX], end_iso[BF_ISO_MAX];
	uint64_t wm = 0;
	int rc = watermark_of(page, &wm);

	if (rc == 0 || (rc == 1 && wm >= b->gap_end_ms))
		return 1;
	gcb_backfill_count(b, GCB_NC_BACKFILL_WATERMARK_WAITS, 1);
	gcb_backfill_iso_ms(b->gap_end_ms, end_iso);
	if (rc < 0)
		snprintf(wm_iso, sizeof(wm_iso), "(unreadable)");
	else
		gcb_backfill_iso_ms(wm, wm_iso);
	gcb_log_warn("backfill of gap %" PRIu64 ": job %s read data complete only up to %s, "
		     "before the gap's end %s (correlation_id=%s): the job is discarded "
		     "and the gap waits for the watermark",
		     b->gap_id, b->job_id, wm_iso, end_iso, corr);
	b->watermark_logged = 0;
	return 0;
}
