/*
 * The state topic: each unit's state, keyed "u<unit>/g<generation>", value
 *
 *   {"v":1,"unit":U,"generation":G,"writer":"<instance>.<pid>",
 *    "written_unix_ms":T,"state":{...the source's object...}}
 *
 * A reader (assigned every partition from the beginning, no group) keeps,
 * per unit, the record of the highest generation, the latest of it. That
 * is the fence: a deposed owner's records carry its older generation and
 * lose, whenever they arrive. A writer first reads the topic to its end and
 * refuses to write when a newer generation is there (the unit is lost).
 */
#include "stages/coord/gcb_coord_int.h"

#include <errno.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cjson/cJSON.h>

#include "lib/gcb_clock.h"
#include "lib/gcb_log.h"

#define FOLLOW_BATCH	  256
#define TO_END_WAIT_MS	  5000
#define ACK_WAIT_MS	  10000 /* also the writer's message.timeout.ms */
#define WATERMARK_WAIT_MS 3000
#define PUT_REST_MIN_MS	  1000
#define PUT_REST_MAX_MS	  30000

typedef struct state_dr {
	int done;
	rd_kafka_resp_err_t err;
} state_dr_t;

static void on_delivery(rd_kafka_t *rk, const rd_kafka_message_t *m, void *opaque)
{
	state_dr_t *dr = m->_private;

	(void)rk;
	(void)opaque;
	if (dr != NULL) {
		dr->err = m->err;
		dr->done = 1;
	}
}

static int parse_key(const char *key, size_t len, unsigned *unit, int32_t *gen)
{
	char buf[64];
	unsigned u;
	int g, n = 0;

	if (len == 0 || len >= sizeof(buf))
		return -1;
	memcpy(buf, key, len);
	buf[len] = '\0';
	if (sscanf(buf, "u%u/g%d%n", &u, &g, &n) != 2 || (size_t)n != len || g <= 0)
		return -1;
	*unit = u;
	*gen = g;
	return 0;
}

/* Takes one record into the per-unit winners (the readers' rule). */
void gcb_coord_state_take(gcb_coord_t *c, const rd_kafka_message_t *m)
{
	unsigned unit;
	int32_t gen;
	gcb_coord_unit_t *u;
	cJSON *root, *w;

	if (m->key == NULL || parse_key(m->key, m->key_len, &unit, &gen) != 0 || unit >= c->units)
		return;
	u = &c->unit[unit];
	if (m->payload == NULL || m->len == 0 || m->len >= sizeof(u->best))
		return; /* a tombstone of an older generation, or not ours */
	if (gen < u->best_gen)
		return; /* a deposed owner's record: it loses */
	memcpy(u->best, m->payload, m->len);
	u->best[m->len] = '\0';
	u->best_len = m->len;
	u->best_gen = gen;
	u->best_writer[0] = '\0';
	if ((root = cJSON_Parse(u->best)) != NULL) {
		w = cJSON_GetObjectItemCaseSensitive(root, "writer");
		if (cJSON_IsString(w))
			snprintf(u->best_writer, sizeof(u->best_writer), "%s", w->valuestring);
		cJSON_Delete(root);
	}
	if (u->owned && gen > u->gen) {
		char why[96];

		snprintf(why, sizeof(why), "generation %d wrote its state", gen);
		gcb_coord_unit_lost(c, unit, why);
	}
}

static int state_partitions(gcb_coord_t *c, char *errstr, size_t errstr_size)
{
	const struct rd_kafka_metadata *md = NULL;
	rd_kafka_topic_t *t = rd_kafka_topic_new(c->reader, c->conf.state_topic, NULL);
	rd_kafka_resp_err_t err;
	int rc = 0;

	if (t == NULL)
		return -ENOMEM;
	err = rd_kafka_metadata(c->reader, 0, t, &md, 10000);
	if (err != RD_KAFKA_RESP_ERR_NO_ERROR) {
		snprintf(errstr, errstr_size, "state topic %s: metadata: %s", c->conf.state_topic,
			 rd_kafka_err2str(err));
		rc = -EIO;
	} else if (md->topic_cnt != 1 || md->topics[0].err != RD_KAFKA_RESP_ERR_NO_ERROR ||
		   md->topics[0].partition_cnt <= 0) {
		snprintf(errstr, errstr_size,
			 "coord.state_topic: topic %s does not exist: create it "
			 "(cleanup.policy=compact)",
			 c->conf.state_topic);
		rc = -EINVAL;
	} else {
		c->state_partitions = md->topics[0].partition_cnt;
	}
	if (md != NULL)
		rd_kafka_metadata_destroy(md);
	rd_kafka_topic_destroy(t);
	return rc;
}

int gcb_coord_state_open(gcb_coord_t *c, char *errstr, size_t errstr_size)
{
	rd_kafka_conf_t *rc_ = gcb_coord_kconf(c, errstr, errstr_size);
	rd_kafka_conf_t *wc;
	rd_kafka_topic_partition_list_t *all;
	char ack_wait[16];
	int rc;

	if (rc_ == NULL)
		return -EINVAL;
	char gid[300];

	/* librdkafka's consumer wants a group id even when it only assigns;
	 * this one never joins (no subscribe) and never commits. */
	snprintf(gid, sizeof(gid), "%s.reader", c->conf.group);
	if (rd_kafka_conf_set(rc_, "group.id", gid, errstr, errstr_size) ||
	    rd_kafka_conf_set(rc_, "enable.auto.commit", "false", errstr, errstr_size) ||
	    rd_kafka_conf_set(rc_, "enable.auto.offset.store", "false", errstr, errstr_size)) {
		rd_kafka_conf_destroy(rc_);
		return -EINVAL;
	}
	c->reader = rd_kafka_new(RD_KAFKA_CONSUMER, rc_, errstr, errstr_size);
	if (c->reader == NULL) {
		rd_kafka_conf_destroy(rc_);
		return -EINVAL;
	}
	rd_kafka_poll_set_consumer(c->reader);
	if ((rc = state_partitions(c, errstr, errstr_size)) != 0)
		return rc;
	all = rd_kafka_topic_partition_list_new(c->state_partitions);
	for (int32_t p = 0; p < c->state_partitions; p++)
		rd_kafka_topic_partition_list_add(all, c->conf.state_topic, p)->offset =
		    RD_KAFKA_OFFSET_BEGINNING;
	rd_kafka_assign(c->reader, all);
	rd_kafka_topic_partition_list_destroy(all);

	if ((wc = gcb_coord_kconf(c, errstr, errstr_size)) == NULL)
		return -EINVAL;
	/* Every state record is reported (stored or failed) within ACK_WAIT_MS:
	 * produce_wait() relies on it, whatever kafka.* says. */
	snprintf(ack_wait, sizeof(ack_wait), "%d", ACK_WAIT_MS);
	if (rd_kafka_conf_set(wc, "acks", "all", errstr, errstr_size) ||
	    rd_kafka_conf_set(wc, "enable.idempotence", "true", errstr, errstr_size) ||
	    rd_kafka_conf_set(wc, "linger.ms", "0", errstr, errstr_size) ||
	    rd_kafka_conf_set(wc, "message.timeout.ms", ack_wait, errstr, errstr_size)) {
		rd_kafka_conf_destroy(wc);
		return -EINVAL;
	}
	rd_kafka_conf_set_dr_msg_cb(wc, on_delivery);
	c->writer = rd_kafka_new(RD_KAFKA_PRODUCER, wc, errstr, errstr_size);
	if (c->writer == NULL) {
		rd_kafka_conf_destroy(wc);
		return -EINVAL;
	}
	return 0;
}

void gcb_coord_state_close(gcb_coord_t *c)
{
	if (c->writer != NULL) {
		rd_kafka_flush(c->writer, ACK_WAIT_MS);
		rd_kafka_destroy(c->writer);
		c->writer = NULL;
	}
	if (c->reader != NULL) {
		rd_kafka_consumer_close(c->reader);
		rd_kafka_destroy(c->reader);
		c->reader = NULL;
	}
}

/* 1 when every partition was read up to the high watermarks in high[]. */
static int caught_up(gcb_coord_t *c, const int64_t *high)
{
	rd_kafka_topic_partition_list_t *pos =
	    rd_kafka_topic_partition_list_new(c->state_partitions);
	int done = 1;

	for (int32_t p = 0; p < c->state_partitions; p++)
		rd_kafka_topic_partition_list_add(pos, c->conf.state_topic, p);
	if (rd_kafka_position(c->reader, pos) != RD_KAFKA_RESP_ERR_NO_ERROR) {
		done = 0;
	} else {
		for (int i = 0; i < pos->cnt; i++) {
			int64_t at = pos->elems[i].offset;

			if (high[pos->elems[i].partition] > 0 &&
			    (at < 0 || at < high[pos->elems[i].partition]))
				done = 0;
		}
	}
	rd_kafka_topic_partition_list_destroy(pos);
	return done;
}

int gcb_coord_state_follow(gcb_coord_t *c, int to_end)
{
	int64_t high[256];
	uint64_t end = gcb_clock_mono_ns() + (uint64_t)TO_END_WAIT_MS * 1000000u;
	rd_kafka_message_t *m;
	int n = 0;

	if (c->reader == NULL)
		return -EIO;
	if (to_end) {
		if (c->state_partitions > (int32_t)(sizeof(high) / sizeof(high[0])))
			return -EIO;
		for (int32_t p = 0; p < c->state_partitions; p++) {
			int64_t low = 0;

			if (rd_kafka_query_watermark_offsets(c->reader, c->conf.state_topic, p,
							     &low, &high[p], WATERMARK_WAIT_MS) !=
			    RD_KAFKA_RESP_ERR_NO_ERROR) {
				gcb_log_warn("state topic %s: watermarks of partition %d unknown",
					     c->conf.state_topic, p);
				return -EIO;
			}
		}
	}
	for (;;) {
		if (to_end)
			gcb_coord_waiting(c);
		m = rd_kafka_consumer_poll(c->reader, to_end ? 100 : 0);
		if (m != NULL) {
			if (m->err == RD_KAFKA_RESP_ERR_NO_ERROR)
				gcb_coord_state_take(c, m);
			else if (m->err != RD_KAFKA_RESP_ERR__PARTITION_EOF)
				gcb_log_warn("state topic %s: %s", c->conf.state_topic,
					     rd_kafka_message_errstr(m));
			rd_kafka_message_destroy(m);
			n++;
			if (!to_end && n >= FOLLOW_BATCH)
				return 0;
			continue;
		}
		if (!to_end)
			return 0;
		if (caught_up(c, high))
			return 0;
		if (gcb_clock_mono_ns() > end) {
			gcb_log_warn("state topic %s: not read to its end within %d ms",
				     c->conf.state_topic, TO_END_WAIT_MS);
			return -EIO;
		}
	}
}

int gcb_coord_state_get(gcb_coord_t *c, unsigned unit, char *buf, size_t size, int32_t *gen,
			char *writer, size_t writer_size)
{
	gcb_coord_unit_t *u;
	cJSON *root, *st;
	char *txt;
	int rc = 0;

	if (unit >= c->units)
		return -EINVAL;
	if (gcb_coord_state_follow(c, 1) != 0)
		return -EIO;
	u = &c->unit[unit];
	if (u->best_gen == 0)
		return -ENOENT;
	if ((root = cJSON_Parse(u->best)) == NULL)
		return -ENOENT;
	st = cJSON_GetObjectItemCaseSensitive(root, "state");
	if (!cJSON_IsObject(st)) {
		cJSON_Delete(root);
		return -ENOENT;
	}
	txt = cJSON_PrintUnformatted(st);
	if (txt == NULL)
		rc = -ENOMEM;
	else if (strlen(txt) >= size)
		rc = -ENOSPC;
	else
		memcpy(buf, txt, strlen(txt) + 1);
	free(txt);
	cJSON_Delete(root);
	if (gen != NULL)
		*gen = u->best_gen;
	if (writer != NULL)
		snprintf(writer, writer_size, "%s", u->best_writer);
	return rc;
}

/*
 * Produces one record and waits for its delivery report. The writer's
 * message.timeout.ms (ACK_WAIT_MS) bounds the wait: librdkafka reports every
 * message by then, stored or failed, so dr on this stack is never left
 * behind. The waiting hook runs between polls.
 */
static int produce_wait(gcb_coord_t *c, const char *key, const void *val, size_t len)
{
	state_dr_t dr = {0};
	rd_kafka_resp_err_t err;

	err = rd_kafka_producev(
	    c->writer, RD_KAFKA_V_TOPIC(c->conf.state_topic), RD_KAFKA_V_KEY(key, strlen(key)),
	    RD_KAFKA_V_VALUE((void *)(uintptr_t)val, len), RD_KAFKA_V_MSGFLAGS(RD_KAFKA_MSG_F_COPY),
	    RD_KAFKA_V_OPAQUE(&dr), RD_KAFKA_V_END);
	if (err != RD_KAFKA_RESP_ERR_NO_ERROR) {
		gcb_log_error("rd_kafka_producev(%s) failed: %s", c->conf.state_topic,
			      rd_kafka_err2str(err));
		return -EIO;
	}
	while (!dr.done) {
		gcb_coord_waiting(c);
		rd_kafka_poll(c->writer, 50);
	}
	if (dr.err != RD_KAFKA_RESP_ERR_NO_ERROR) {
		gcb_log_error("state record %s not stored: %s", key, rd_kafka_err2str(dr.err));
		return -EIO;
	}
	return 0;
}

/* A write failed: the next ones wait, longer after each further failure. */
static void put_rest(gcb_coord_t *c)
{
	unsigned ms = c->put_rest_ms == 0 ? PUT_REST_MIN_MS : c->put_rest_ms;

	c->put_rest_until_ns = gcb_clock_mono_ns() + (uint64_t)ms * 1000000u;
	c->put_rest_ms = ms * 2 < PUT_REST_MAX_MS ? ms * 2 : PUT_REST_MAX_MS;
	gcb_log_warn("state topic %s: no state write for %u ms after the failure",
		     c->conf.state_topic, ms);
}

int gcb_coord_state_put(gcb_coord_t *c, unsigned unit, const char *state_json)
{
	gcb_coord_unit_t *u;
	char key[64];
	int n, rc;

	if (unit >= c->units || !c->unit[unit].owned)
		return -EPERM;
	if (gcb_clock_mono_ns() < c->put_rest_until_ns)
		return -EAGAIN;
	u = &c->unit[unit];
	/* The owner's check: a newer generation already there means this
	 * member was deposed (gcb_coord_state_take() drops the unit). */
	(void)gcb_coord_state_follow(c, 1);
	if (!u->owned || u->best_gen > u->gen) {
		if (c->shm != NULL)
			atomic_fetch_add_explicit(&c->shm->fenced, 1, memory_order_relaxed);
		return -ESTALE;
	}
	n = snprintf(c->msg, sizeof(c->msg),
		     "{\"v\":1,\"unit\":%u,\"generation\":%d,\"writer\":\"%s\","
		     "\"written_unix_ms\":%" PRIu64 ",\"state\":%s}",
		     unit, u->gen, c->writer_id, gcb_clock_real_ms(), state_json);
	if (n < 0 || (size_t)n >= GCB_COORD_VALUE_MAX)
		return -ENOSPC;
	snprintf(key, sizeof(key), "u%u/g%d", unit, u->gen);
	if ((rc = produce_wait(c, key, c->msg, (size_t)n)) != 0) {
		put_rest(c);
		return rc;
	}
	c->put_rest_ms = 0;
	if (u->written_gen != u->gen && u->best_gen > 0 && u->best_gen < u->gen) {
		/* First record of our generation: the previous generation's key
		 * can go (compaction removes it; readers ignore it anyway). */
		char old[64];

		snprintf(old, sizeof(old), "u%u/g%d", unit, u->best_gen);
		(void)produce_wait(c, old, NULL, 0);
	}
	u->written_gen = u->gen;
	if (c->shm != NULL) {
		atomic_fetch_add_explicit(&c->shm->state_writes, 1, memory_order_relaxed);
		atomic_store_explicit(&c->shm->state_unix_ms, gcb_clock_real_ms(),
				      memory_order_relaxed);
	}
	return 0;
}
