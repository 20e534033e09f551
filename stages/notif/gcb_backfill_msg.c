/*
 * Backfill messages (docs/notifications.md): an analytics conversation
 * wrapped like a notification, built in one reusable buffer.
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

/* The "backfill" object, built when the job id is known. */
int gcb_backfill_suffix_build(gcb_backfill_t *b)
{
	const gcb_gap_t *gap = gcb_backfill_gap_find(b, b->gap_id);
	char gs[BF_ISO_MAX], ge[BF_ISO_MAX], id[24];
	cJSON *o = cJSON_CreateObject();
	char *text = NULL;
	int rc = -ENOMEM;

	if (gap == NULL) {
		rc = -ENOENT;
		goto out;
	}
	gcb_backfill_iso_ms(gap->start_unix_ms, gs);
	gcb_backfill_iso_ms(gap->end_unix_ms, ge);
	snprintf(id, sizeof(id), "%" PRIu64, gap->id);
	if (o == NULL || cJSON_AddStringToObject(o, "gapId", id) == NULL ||
	    cJSON_AddStringToObject(o, "gapStart", gs) == NULL ||
	    cJSON_AddStringToObject(o, "gapEnd", ge) == NULL ||
	    cJSON_AddStringToObject(o, "jobId", b->job_id) == NULL ||
	    cJSON_AddStringToObject(o, "reason", gap->reason) == NULL ||
	    (text = cJSON_PrintUnformatted(o)) == NULL)
		goto out;
	free(b->suffix);
	b->suffix = text;
	text = NULL;
	rc = 0;
out:
	free(text);
	cJSON_Delete(o);
	return rc;
}

/*
 * Emits one conversation as a backfill message (docs/notifications.md),
 * printed straight into the reusable buffer: no allocation per message once
 * the buffer has grown to the largest conversation.
 */
int gcb_backfill_emit_one(gcb_backfill_t *b, const cJSON *conv, uint64_t n)
{
	static const char head[] =
	    "{\"topicName\":\"" BF_TOPIC "\",\"version\":\"2\",\"eventBody\":";
	const size_t hlen = sizeof(head) - 1, slen = strlen(b->suffix);
	gcb_buf_t *m = &b->msg;
	size_t blen, mlen, len;
	char meta[96];
	int rc;

	/* The message is written in place past len, which is set once it is whole. */
	m->len = 0;
	if ((rc = gcb_buf_reserve(m, hlen + 4096)) != 0)
		return rc;
	/* cJSON_PrintPreallocated wants a few spare bytes beyond the text. */
	while (
	    !cJSON_PrintPreallocated((cJSON *)conv, m->data + hlen, (int)(m->cap - hlen - 8), 0)) {
		if (m->cap >= BF_MSG_MAX || (rc = gcb_buf_reserve(m, m->cap * 2 - 1)) != 0)
			return rc ? rc : -EFBIG;
	}
	memcpy(m->data, head, hlen);
	blen = strlen(m->data + hlen);
	mlen = (size_t)snprintf(meta, sizeof(meta),
				",\"metadata\":{\"CorrelationId\":\"backfill-%" PRIu64 "-%" PRIu64
				"\"},\"backfill\":",
				b->gap_id, n);
	len = hlen + blen + mlen + slen + 1;
	if ((rc = gcb_buf_reserve(m, len)) != 0)
		return rc;
	memcpy(m->data + hlen + blen, meta, mlen);
	memcpy(m->data + hlen + blen + mlen, b->suffix, slen);
	m->data[len - 1] = '}';
	m->data[len] = '\0';
	m->len = len;
	return b->io.emit(b->io.arg, m->data, len);
}
