/*
 * The backfill's job (gap, job id, cursor, count) and its state file
 *
 *   <instance>.backfill: {"version":1,"gapId":N,"jobId":"…","cursor":"…",
 *                         "emitted":N,"interval":"a/b"}
 *
 * written after a job is accepted and after every page is durable, removed
 * when its gap is done.
 */
#include "stages/notif/gcb_backfill_int.h"

#include <errno.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "lib/gcb_log.h"

void gcb_backfill_iso_ms(uint64_t unix_ms, char out[BF_ISO_MAX])
{
	time_t s = (time_t)(unix_ms / 1000);
	struct tm tm;
	size_t n;

	gmtime_r(&s, &tm);
	n = strftime(out, BF_ISO_MAX, "%Y-%m-%dT%H:%M:%S", &tm);
	snprintf(out + n, BF_ISO_MAX - n, ".%03uZ", (unsigned)(unix_ms % 1000));
}

void gcb_backfill_format_iso_ms(uint64_t unix_ms, char *out)
{
	gcb_backfill_iso_ms(unix_ms, out);
}

/* The closed gap id of the log, NULL when it is not (or no longer) there. */
const gcb_gap_t *gcb_backfill_gap_find(const gcb_backfill_t *b, uint64_t id)
{
	for (unsigned i = 0; i < b->gaps->n; i++)
		if (b->gaps->v[i].id == id && b->gaps->v[i].state == GCB_GAP_CLOSED)
			return &b->gaps->v[i];
	return NULL;
}

void gcb_backfill_page_clear(gcb_backfill_t *b)
{
	cJSON_Delete(b->page);
	b->page = NULL;
	b->conv = NULL;
	b->page_index = 0;
	free(b->next_cursor);
	b->next_cursor = NULL;
	b->page_synced = 0;
}

void gcb_backfill_job_clear(gcb_backfill_t *b)
{
	gcb_backfill_page_clear(b);
	b->job_id[0] = '\0';
	free(b->cursor);
	b->cursor = NULL;
	b->emitted = 0;
}

void gcb_backfill_gap_clear(gcb_backfill_t *b)
{
	gcb_backfill_job_clear(b);
	free(b->suffix);
	b->suffix = NULL;
	b->gap_id = 0;
	b->interval[0] = '\0';
	b->phase = BF_IDLE;
}

int gcb_backfill_set_cursor(gcb_backfill_t *b, const char *cursor)
{
	char *c = strdup(cursor);

	if (c == NULL)
		return -ENOMEM;
	free(b->cursor);
	b->cursor = c;
	return 0;
}

/* Persists the job. A failure is logged and otherwise ignored: a restart
 * then repeats pages or resubmits, which duplicates but never loses. */
void gcb_backfill_state_save(gcb_backfill_t *b)
{
	cJSON *o = cJSON_CreateObject();
	char *text = NULL;
	int rc = -ENOMEM;

	if (o == NULL || cJSON_AddNumberToObject(o, "version", BF_VERSION) == NULL ||
	    cJSON_AddNumberToObject(o, "gapId", (double)b->gap_id) == NULL ||
	    cJSON_AddStringToObject(o, "jobId", b->job_id) == NULL ||
	    cJSON_AddStringToObject(o, "cursor", b->cursor ? b->cursor : "") == NULL ||
	    cJSON_AddNumberToObject(o, "emitted", (double)b->emitted) == NULL ||
	    cJSON_AddStringToObject(o, "interval", b->interval) == NULL ||
	    (text = cJSON_PrintUnformatted(o)) == NULL)
		goto out;
	rc = gcb_ckpt_write_file(b->store, b->name, text, strlen(text));
out:
	if (rc != 0)
		gcb_log_error("saving the backfill state %s/%s failed: %s", b->store->dir, b->name,
			      strerror(-rc));
	free(text);
	cJSON_Delete(o);
}

void gcb_backfill_state_remove(gcb_backfill_t *b)
{
	if (unlinkat(b->store->dir_fd, b->name, 0) != 0 && errno != ENOENT)
		gcb_log_warn("unlinkat(%s/%s) failed: %s", b->store->dir, b->name, strerror(errno));
	else if (fsync(b->store->dir_fd) != 0)
		gcb_log_warn("fsync(%s) failed: %s", b->store->dir, strerror(errno));
}

void gcb_backfill_interval_set(gcb_backfill_t *b, uint64_t end_max_ms)
{
	char s[BF_ISO_MAX], e[BF_ISO_MAX];
	uint64_t end = b->gap_end_ms + b->conf.pad_ms;

	if (end > end_max_ms)
		end = end_max_ms;
	gcb_backfill_iso_ms(b->gap_start_ms > b->conf.pad_ms ? b->gap_start_ms - b->conf.pad_ms : 0,
			    s);
	gcb_backfill_iso_ms(end, e);
	snprintf(b->interval, sizeof(b->interval), "%s/%s", s, e);
}

/* Sets up the gap's interval: [start - pad, end + pad]. */
void gcb_backfill_gap_begin(gcb_backfill_t *b, const gcb_gap_t *gap)
{
	b->gap_id = gap->id;
	b->gap_start_ms = gap->start_unix_ms;
	b->gap_end_ms = gap->end_unix_ms;
	gcb_backfill_interval_set(b, UINT64_MAX);
	b->watermark_logged = 0;
	free(b->suffix);
	b->suffix = NULL;
}

/*
 * Loads a job left by a previous run. A state file that cannot be used is
 * dropped with a warning: its gap is still in the gap log, so the backfill
 * only starts that gap over (duplicates, never a loss).
 */
void gcb_backfill_state_load(gcb_backfill_t *b)
{
	char buf[BF_STATE_MAX];
	size_t len;
	cJSON *o = NULL;
	const cJSON *v, *gid, *job, *cur, *em, *iv;
	const gcb_gap_t *gap;
	int rc = gcb_ckpt_read_file(b->store, b->name, buf, sizeof(buf), &len);

	if (rc == -ENOENT)
		return;
	if (rc != 0) {
		gcb_log_warn("backfill state %s/%s cannot be read (%s): its gap starts over",
			     b->store->dir, b->name, strerror(-rc));
		goto drop;
	}
	o = cJSON_ParseWithLength(buf, len);
	v = cJSON_GetObjectItemCaseSensitive(o, "version");
	gid = cJSON_GetObjectItemCaseSensitive(o, "gapId");
	job = cJSON_GetObjectItemCaseSensitive(o, "jobId");
	cur = cJSON_GetObjectItemCaseSensitive(o, "cursor");
	em = cJSON_GetObjectItemCaseSensitive(o, "emitted");
	iv = cJSON_GetObjectItemCaseSensitive(o, "interval");
	if (!cJSON_IsNumber(v) || v->valuedouble != BF_VERSION || !cJSON_IsNumber(gid) ||
	    gid->valuedouble < 1 || !cJSON_IsString(job) || job->valuestring[0] == '\0' ||
	    strlen(job->valuestring) >= sizeof(b->job_id) || !cJSON_IsString(cur) ||
	    !cJSON_IsNumber(em) || em->valuedouble < 0 || !cJSON_IsString(iv)) {
		gcb_log_warn("backfill state %s/%s is not a backfill job: its gap starts over",
			     b->store->dir, b->name);
		goto drop;
	}
	gap = gcb_backfill_gap_find(b, (uint64_t)gid->valuedouble);
	if (gap == NULL) {
		gcb_log_info("backfill state %s/%s names gap %.0f, which is not a closed gap of "
			     "the log: dropped",
			     b->store->dir, b->name, gid->valuedouble);
		goto drop;
	}
	gcb_backfill_gap_begin(b, gap);
	if (strlen(iv->valuestring) < sizeof(b->interval))
		strcpy(b->interval, iv->valuestring); /* the job's, should pad have changed */
	snprintf(b->job_id, sizeof(b->job_id), "%s", job->valuestring);
	if (gcb_backfill_set_cursor(b, cur->valuestring) != 0)
		goto drop;
	b->emitted = (uint64_t)em->valuedouble;
	/* With a cursor the job was FULFILLED already; without, ask again. */
	b->phase = b->cursor[0] != '\0' ? BF_RESULTS : BF_POLL;
	gcb_log_info(
	    "backfill of gap %" PRIu64 " resumes: job %s, %s, %" PRIu64 " conversation(s) emitted",
	    b->gap_id, b->job_id, b->cursor[0] ? "at a saved cursor" : "state unknown", b->emitted);
	cJSON_Delete(o);
	return;
drop:
	cJSON_Delete(o);
	gcb_backfill_gap_clear(b);
	gcb_backfill_state_remove(b);
}
