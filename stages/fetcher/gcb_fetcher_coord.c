/*
 * The poll source under group coordination (docs/multihost.md): the stream
 * is unit 0 of the group; the instance the group gives it to polls, the
 * others stand by. Its state record is the checkpoint:
 *
 *   {"stream":"<id>","cursor":"<cursor>","batch_seq":N}
 *
 * written to the state topic right after the checkpoint file, so it never
 * runs ahead of what Kafka acknowledged. A new owner resumes from the state
 * topic (the local file is only a fallback for the first run of a group).
 */
#include "stages/fetcher/gcb_fetcher_int.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <cjson/cJSON.h>

#include "lib/gcb_clock.h"
#include "shm/gcb_shm_coord.h"
#include "lib/gcb_log.h"

#define POLL_UNIT     0u
#define DRAIN_STEP_MS 20

static void resume_from(gcb_fetcher_t *f, const char *state, int32_t gen, const char *writer)
{
	cJSON *root = cJSON_Parse(state);
	const cJSON *s = cJSON_GetObjectItemCaseSensitive(root, "stream");
	const cJSON *cur = cJSON_GetObjectItemCaseSensitive(root, "cursor");

	if (!cJSON_IsString(s) || !cJSON_IsString(cur) ||
	    strlen(cur->valuestring) >= sizeof(f->src.cursor)) {
		gcb_log_error("state of unit %u (generation %d) is not a poll checkpoint: starting "
			      "from the oldest retained event",
			      POLL_UNIT, gen);
		f->src.cursor[0] = '\0';
	} else if (strcmp(s->valuestring, f->src.stream_id) != 0) {
		gcb_log_warn("state of unit %u belongs to stream %s, not %s: starting from the "
			     "oldest retained event",
			     POLL_UNIT, s->valuestring, f->src.stream_id);
		f->src.cursor[0] = '\0';
	} else {
		snprintf(f->src.cursor, sizeof(f->src.cursor), "%s", cur->valuestring);
		gcb_log_info("resuming stream %s from the state topic (generation %d, written by "
			     "%s)",
			     f->src.stream_id, gen, writer);
	}
	cJSON_Delete(root);
}

/* The cursor this instance starts from when the group has no state yet. */
static void resume_local(gcb_fetcher_t *f)
{
	char stream[GCB_SOURCE_STREAM_MAX + 1];
	uint64_t batch;

	if (gcb_ckpt_load(&f->src.ckpt, stream, sizeof(stream), f->src.cursor, sizeof(f->src.cursor), &batch) ==
		0 &&
	    strcmp(stream, f->src.stream_id) == 0) {
		gcb_log_info("no state in the state topic: resuming from the checkpoint file");
		return;
	}
	f->src.cursor[0] = '\0';
	gcb_log_info("no state anywhere: starting from the oldest retained event");
}

static int put_state(gcb_fetcher_t *f, const char *cursor, uint64_t batch_seq)
{
	cJSON *o = cJSON_CreateObject();
	char *txt;
	int rc = -ENOMEM;

	if (o != NULL && cJSON_AddStringToObject(o, "stream", f->src.stream_id) != NULL &&
	    cJSON_AddStringToObject(o, "cursor", cursor) != NULL &&
	    cJSON_AddNumberToObject(o, "batch_seq", (double)batch_seq) != NULL &&
	    (txt = cJSON_PrintUnformatted(o)) != NULL) {
		rc = gcb_coord_state_put(f->coord, POLL_UNIT, txt);
		free(txt);
	}
	cJSON_Delete(o);
	if (rc == -ESTALE) {
		gcb_log_warn("state of unit %u not written: a newer generation owns it", POLL_UNIT);
		f->unit_owned = 0;
	} else if (rc != 0 && rc != -EPERM && rc != -EAGAIN) {
		/* -EAGAIN: writes rest after a failure, logged when it happened. */
		gcb_log_error("state of unit %u not written: %s (written again at a later "
			      "checkpoint)",
			      POLL_UNIT, strerror(-rc));
	}
	return rc;
}

static void on_assigned(void *arg, unsigned unit)
{
	gcb_fetcher_t *f = arg;
	char state[GCB_COORD_VALUE_MAX], writer[GCB_COORD_WRITER_MAX];
	int32_t gen = 0;
	int rc;

	if (unit != POLL_UNIT) {
		gcb_log_warn("unit %u assigned: the poll source has one unit (give %s one "
			     "partition); ignored",
			     unit, f->src.conf->coord.topic);
		return;
	}
	rc =
	    gcb_coord_state_get(f->coord, unit, state, sizeof(state), &gen, writer, sizeof(writer));
	if (rc == 0)
		resume_from(f, state, gen, writer);
	else
		resume_local(f);
	f->unit_owned = 1;
	gcb_fetcher_stall_init(f);
	/* Claim the unit at once under our generation: from now on a deposed
	 * owner's write loses, and it learns so from the state topic. */
	(void)put_state(f, f->src.cursor, atomic_load(&f->src.pipe->checkpoint_batch_seq));
}

static void drain(gcb_fetcher_t *f)
{
	uint64_t end = gcb_clock_mono_ns() + (uint64_t)f->src.conf->coord.drain_timeout_ms * 1000000u;
	const struct timespec step = {0, DRAIN_STEP_MS * 1000000L};
	uint64_t fetched = atomic_load(&f->src.pipe->fetched_batch_seq);

	while (atomic_load_explicit(&f->src.pipe->acked_batch_seq, memory_order_acquire) < fetched) {
		if (gcb_clock_mono_ns() > end) {
			gcb_log_warn("drain: batch %llu of %llu acknowledged after %u ms: giving "
				     "the unit away at the acknowledged position (the rest will "
				     "be fetched again)",
				     (unsigned long long)atomic_load(&f->src.pipe->acked_batch_seq),
				     (unsigned long long)fetched, f->src.conf->coord.drain_timeout_ms);
			break;
		}
		gcb_stage_heartbeat(f->src.ctx);
		nanosleep(&step, NULL);
	}
}

static void on_revoked(void *arg, unsigned unit, int lost)
{
	gcb_fetcher_t *f = arg;

	if (unit != POLL_UNIT)
		return;
	if (lost) {
		/* Someone else runs it already: stop, write nothing. The batches
		 * in the rings still go to Kafka (duplicates, never a gap). */
		f->unit_owned = 0;
		gcb_log_warn("stream %s: unit lost to another instance: polling stopped",
			     f->src.stream_id);
		return;
	}
	drain(f);
	gcb_source_checkpoint(&f->src, 1);
	f->unit_owned = 0;
	gcb_log_info("stream %s: unit handed over at batch %llu", f->src.stream_id,
		     (unsigned long long)atomic_load(&f->src.pipe->checkpoint_batch_seq));
}

/* A state read or write waits for Kafka: the watchdog must not take it for a hang. */
static void on_waiting(void *arg)
{
	const gcb_fetcher_t *f = arg;

	gcb_stage_heartbeat(f->src.ctx);
}

int gcb_fetcher_coord_setup(gcb_fetcher_t *f)
{
	const gcb_coord_hooks_t hooks = {
	    .arg = f, .assigned = on_assigned, .revoked = on_revoked, .waiting = on_waiting};
	char err[512];
	int rc;

	if (f->src.conf->coord.group == NULL || f->src.conf->coord.group[0] == '\0')
		return 0;
	rc = gcb_coord_new(&f->coord, &f->src.conf->coord, &hooks, gcb_shm_coord(f->src.ctx->shm->hdr), err,
			   sizeof(err));
	if (rc != 0) {
		gcb_log_error("coordination: %s", err);
		return rc == -EINVAL ? -EINVAL : -EIO;
	}
	return 0;
}

void gcb_fetcher_coord_fini(gcb_fetcher_t *f)
{
	gcb_coord_destroy(f->coord);
	f->coord = NULL;
}

int gcb_fetcher_coord_gate(gcb_fetcher_t *f)
{
	if (f->coord == NULL)
		return 0;
	gcb_coord_poll(f->coord);
	if (f->unit_owned && !gcb_coord_owns(f->coord, POLL_UNIT))
		f->unit_owned = 0; /* lost while we were away (fenced) */
	if (f->unit_owned)
		return 0;
	(void)gcb_source_sleep(&f->src, GCB_SOURCE_TICK_MS);
	return 1;
}

void gcb_fetcher_coord_stored(gcb_fetcher_t *f)
{
	char stream[GCB_SOURCE_STREAM_MAX + 1], cursor[GCB_POLL_CURSOR_MAX];
	uint64_t batch = 0;

	if (f->coord == NULL || !f->unit_owned)
		return;
	/* The file just written is the acknowledged position: read it back
	 * rather than race the cursor slot it came from. */
	if (gcb_ckpt_load(&f->src.ckpt, stream, sizeof(stream), cursor, sizeof(cursor), &batch) != 0)
		return;
	(void)put_state(f, cursor, batch);
}
