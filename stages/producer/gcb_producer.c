/*
 * The producer stage main loop.
 *
 * Reading. Batch b sits whole on ring (b mod n): the stage reads ring `cur`
 * until a record flagged GCB_REC_F_BATCH_END, then moves to the next ring, so
 * records reach librdkafka in source order. Records stay in the ring (the
 * read position is private) and are produced zero-copy: the value points into
 * the ring, valid until the record is released.
 *
 * Releasing. Each ring has a FIFO of slots, one per record read, in ring
 * order; the slot is the message's opaque, so a delivery report (any order)
 * marks its slot. Ring space is released from the FIFO head while slots are
 * delivered. Batches complete in read order through a batch queue: a batch
 * end slot is released only when its batch heads that queue, i.e. every batch
 * read before it is delivered too. So once the end record of batch b leaves
 * the ring, acked_batch_seq >= b was published before, and a restarted stage
 * knows where the stripe resumes: ring (acked + 1) mod n. Records of batches
 * <= acked found after a restart were delivered already and are released
 * without producing them again.
 *
 * Failures. A failed delivery (librdkafka gave up: timeout, permanent error)
 * leaves the record in the ring and in its slot; it is produced again after
 * an exponential backoff, forever: nothing is released undelivered. A fatal
 * librdkafka error (e.g. a fenced idempotent producer) ends the stage with
 * GCB_EXIT_RESTART; the successor re-reads every unreleased record.
 */
#include <errno.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cJSON.h>
#include <librdkafka/rdkafka.h>

#include "lib/gcb_clock.h"
#include "shm/gcb_counters_producer.h"
#include "shm/gcb_records.h"
#include "stages/producer/gcb_producer_int.h"
#include "lib/gcb_log.h"

#define READ_BURST	512
#define HEARTBEAT_NS	100000000ull /* 100 ms */
#define IDLE_WAIT_MS	100
#define BUSY_POLL_MS	10
#define RING_SPINS	100
#define DRAIN_FLUSH_MS	5000
#define ERROR_LOG_EVERY 1000

enum { SLOT_IN_FLIGHT = 1, SLOT_DELIVERED, SLOT_FAILED };
enum {
	KIND_AVRO = GCB_PRODUCER_KIND_AVRO,
	KIND_DLQ = GCB_PRODUCER_KIND_DLQ,
	KIND_BAD = GCB_PRODUCER_KIND_BAD
};

typedef struct prod_slot {
	const gcb_ring_rec_t *rec;
	uint64_t end_pos; /* ring position after this record */
	uint64_t batch_seq;
	uint64_t retry_at_ns;
	uint32_t attempts;
	uint8_t state;
	uint8_t kind;
	uint8_t batch_end; /* completes batch_seq (stale records never do) */
	uint8_t ring;
} prod_slot_t;

typedef struct prod_fifo {
	prod_slot_t *slots;
	uint64_t mask;
	uint64_t head, tail; /* monotonic slot counters */
} prod_fifo_t;

typedef struct prod_batch {
	uint64_t seq;
	unsigned ring;
} prod_batch_t;

typedef struct producer {
	const gcb_producer_conf_t *conf;
	gcb_stage_ctx_t *ctx;
	gcb_shm_pipeline_t *pipe;
	_Atomic uint64_t *c;
	gcb_ring_t *in;
	unsigned n_in;
	prod_fifo_t *fifo;
	prod_batch_t *bq;
	uint64_t bq_mask, bq_head, bq_tail;
	unsigned cur;	   /* ring being read */
	uint64_t expected; /* batch the next record should belong to */
	uint64_t acked;
	uint64_t in_flight;
	uint64_t failed; /* slots waiting for a retry */
	uint64_t poll_us; /* CLOCK_REALTIME of the running non-blocking poll, else 0 */
	uint64_t errors_logged;
	int fatal;
	rd_kafka_t *rk;
	rd_kafka_queue_t *mainq; /* delivery reports; kicks the ring wait when it fills */
	gcb_producer_topics_t topics;
	gcb_producer_hdr_cache_t hdr_cache;
	gcb_producer_hdr_src_t hdr_src;
	const char *dlq_topic;
	char dlq_buf[GCB_PRODUCER_TOPIC_MAX + 1];
} producer_t;

static inline void cnt_add(producer_t *p, unsigned i, uint64_t v)
{
	gcb_counter_add(p->c, i, v);
}

static inline void cnt_set(producer_t *p, unsigned i, uint64_t v)
{
	gcb_counter_set(p->c, i, v);
}

static uint64_t pow2_at_least(uint64_t v)
{
	uint64_t r = 16;

	while (r < v)
		r <<= 1;
	return r;
}

/*
 * Fetch-to-acknowledgement histogram (gcb_counters_producer.h). The record is
 * still in the ring here: it is released only after its delivery report.
 */
static void count_fetch_latency(producer_t *p, const prod_slot_t *s)
{
	const gcb_rec_out_t *o = (const gcb_rec_out_t *)s->rec->payload;
	uint64_t now_us, at_us, lat = 0;

	if (o->received_unix_ms == 0)
		return;
	now_us = p->poll_us != 0 ? p->poll_us : gcb_clock_real_us();
	at_us = o->received_unix_ms * 1000u;
	if (now_us > at_us)
		lat = now_us - at_us;
	for (unsigned i = 0; i < GCB_PRODUCER_LATENCY_BUCKETS; i++)
		if (lat <= gcb_producer_latency_bounds_us[i])
			cnt_add(p, GCB_PRODUCER_C_FETCH_LATENCY_LE_1000US + i, 1);
	cnt_add(p, GCB_PRODUCER_C_FETCH_LATENCY_SUM_US, lat);
	cnt_add(p, GCB_PRODUCER_C_FETCH_LATENCY_COUNT, 1);
}

/*
 * Serves librdkafka's callbacks. A poll that does not block takes the clock
 * once for all the delivery reports it serves (the fetch latency is
 * milliseconds; hundreds of reports arrive per poll at saturation); one that
 * blocks lets each report read the clock.
 */
static void poll_kafka(producer_t *p, int timeout_ms)
{
	p->poll_us = timeout_ms == 0 ? gcb_clock_real_us() : 0;
	rd_kafka_poll(p->rk, timeout_ms);
	p->poll_us = 0;
}

/* ---- librdkafka callbacks (all run inside rd_kafka_poll on this thread) ---- */

static void on_delivery(rd_kafka_t *rk, const rd_kafka_message_t *m, void *opaque)
{
	producer_t *p = opaque;
	prod_slot_t *s = m->_private;

	(void)rk;
	p->in_flight--;
	if (m->err == RD_KAFKA_RESP_ERR_NO_ERROR) {
		int64_t lat = rd_kafka_message_latency(m);

		s->state = SLOT_DELIVERED;
		cnt_add(p,
			s->kind == KIND_AVRO ? GCB_PRODUCER_C_DELIVERED
					     : GCB_PRODUCER_C_DLQ_DELIVERED,
			1);
		if (lat >= 0) {
			cnt_add(p, GCB_PRODUCER_C_LATENCY_SUM_US, (uint64_t)lat);
			cnt_add(p, GCB_PRODUCER_C_LATENCY_COUNT, 1);
		}
		if (s->kind != KIND_BAD)
			count_fetch_latency(p, s);
		return;
	}
	uint64_t backoff = (uint64_t)p->conf->retry_backoff_ms
			   << (s->attempts < 16 ? s->attempts : 16);

	if (m->err == RD_KAFKA_RESP_ERR__PURGE_QUEUE ||
	    m->err == RD_KAFKA_RESP_ERR__PURGE_INFLIGHT) {
		/* Our own purge on the way out: the record stays in the ring. */
		s->state = SLOT_FAILED;
		p->failed++;
		return;
	}
	if (backoff > (uint64_t)p->conf->retry_backoff_max_ms)
		backoff = (uint64_t)p->conf->retry_backoff_max_ms;
	s->attempts++;
	s->state = SLOT_FAILED;
	s->retry_at_ns = gcb_clock_mono_ns() + backoff * 1000000ull;
	p->failed++;
	cnt_add(p, GCB_PRODUCER_C_DELIVERY_ERRORS, 1);
	if (p->errors_logged++ % ERROR_LOG_EVERY == 0)
		gcb_log_warn("delivery failed, will produce again in %" PRIu64
			     " ms (attempt %u): %s (%" PRIu64 " failures so far)",
			     backoff, s->attempts, rd_kafka_err2str(m->err), p->errors_logged);
}

static void on_error(rd_kafka_t *rk, int err, const char *reason, void *opaque)
{
	producer_t *p = opaque;

	(void)rk;
	if (err == RD_KAFKA_RESP_ERR__FATAL) {
		p->fatal = 1;
		return;
	}
	if (err == RD_KAFKA_RESP_ERR__TRANSPORT)
		return; /* the log callback reported it already */
	gcb_log_warn("librdkafka: %s: %s", rd_kafka_err2name((rd_kafka_resp_err_t)err), reason);
}

/* Keeps the highest average broker round trip of the last statistics window. */
static int on_stats(rd_kafka_t *rk, char *json, size_t len, void *opaque)
{
	producer_t *p = opaque;
	cJSON *root = cJSON_ParseWithLength(json, len), *brokers, *b;
	double rtt = 0;

	(void)rk;
	if (root == NULL)
		return 0;
	brokers = cJSON_GetObjectItemCaseSensitive(root, "brokers");
	cJSON_ArrayForEach(b, brokers)
	{
		cJSON *id = cJSON_GetObjectItemCaseSensitive(b, "nodeid");
		cJSON *r = cJSON_GetObjectItemCaseSensitive(b, "rtt");
		cJSON *avg = r != NULL ? cJSON_GetObjectItemCaseSensitive(r, "avg") : NULL;

		if (cJSON_IsNumber(id) && id->valuedouble >= 0 && cJSON_IsNumber(avg) &&
		    avg->valuedouble > rtt)
			rtt = avg->valuedouble;
	}
	/* A window without requests reports 0: keep the last measurement. */
	if (rtt > 0)
		cnt_set(p, GCB_PRODUCER_C_RTT_US, (uint64_t)rtt);
	cJSON_Delete(root);
	return 0; /* librdkafka frees json */
}

/*
 * Runs on a librdkafka thread when a delivery report lands in the (empty)
 * main queue. The stage sleeps on a ring's futex while records are in
 * flight, so a report wakes it at once instead of after a poll timeout:
 * this is what makes ring space come back, and batches get acknowledged,
 * within a broker round trip.
 */
static void on_queue_event(rd_kafka_t *rk, void *opaque)
{
	producer_t *p = opaque;

	(void)rk;
	for (unsigned r = 0; r < p->n_in; r++)
		gcb_ring_kick_consumer(&p->in[r]);
}

static void on_log(const rd_kafka_t *rk, int level, const char *fac, const char *buf)
{
	(void)rk;
	gcb_log(level <= 3   ? GCB_LOG_ERROR
		: level <= 4 ? GCB_LOG_WARN
		: level <= 6 ? GCB_LOG_INFO
			     : GCB_LOG_DEBUG,
		"librdkafka %s: %s", fac, buf);
}

/* ---- producing ---- */

static void slot_fail(producer_t *p, prod_slot_t *s, uint64_t delay_ms)
{
	s->state = SLOT_FAILED;
	s->retry_at_ns = gcb_clock_mono_ns() + delay_ms * 1000000ull;
	p->failed++;
}

/* Hands one record to librdkafka; on a local failure the slot waits for a retry. */
static void produce(producer_t *p, prod_slot_t *s)
{
	const gcb_ring_rec_t *rec = s->rec;
	const gcb_rec_out_t *o = (const gcb_rec_out_t *)rec->payload;
	const void *key = NULL, *value;
	void *payload;
	size_t key_len = 0, value_len;
	const char *topic;
	uint32_t topic_len;
	int64_t ts = 0;
	rd_kafka_topic_t *rkt;
	rd_kafka_headers_t *h;
	rd_kafka_resp_err_t err;

	if (s->kind == KIND_BAD) {
		topic = p->dlq_topic;
		topic_len = (uint32_t)strlen(topic);
		value = rec->payload;
		value_len = rec->length;
	} else {
		topic = gcb_rec_field_ptr(o, o->fields[GCB_OUTF_TOPIC]);
		topic_len = o->fields[GCB_OUTF_TOPIC].len;
		if (topic_len == 0) {
			topic = s->kind == KIND_DLQ ? p->dlq_topic : p->conf->default_topic;
			topic_len = (uint32_t)strlen(topic);
		}
		key = gcb_rec_field_ptr(o, o->fields[GCB_OUTF_KEY]);
		key_len = o->fields[GCB_OUTF_KEY].len;
		value = gcb_rec_field_ptr(o, o->fields[GCB_OUTF_VALUE]);
		value_len = o->fields[GCB_OUTF_VALUE].len;
		ts = (int64_t)o->received_unix_ms;
	}
	rkt = gcb_producer_topics_get(&p->topics, topic, topic_len);
	if (rkt == NULL) {
		cnt_add(p, GCB_PRODUCER_C_DELIVERY_ERRORS, 1);
		slot_fail(p, s, (uint64_t)p->conf->retry_backoff_max_ms);
		return;
	}
	if (key_len == 0)
		key = NULL;
	payload = value_len > 0 ? (void *)(uintptr_t)value : NULL;
	h = gcb_producer_headers_make(p->conf->headers, &p->hdr_cache, &p->hdr_src, rec, s->kind);
	/* MSGFLAGS 0: no copy; the value stays valid in the ring until released. */
	err = rd_kafka_producev(p->rk, RD_KAFKA_V_RKT(rkt), RD_KAFKA_V_MSGFLAGS(0),
				RD_KAFKA_V_KEY(key, key_len), RD_KAFKA_V_VALUE(payload, value_len),
				RD_KAFKA_V_TIMESTAMP(ts), RD_KAFKA_V_HEADERS(h),
				RD_KAFKA_V_OPAQUE(s), RD_KAFKA_V_END);
	if (err == RD_KAFKA_RESP_ERR_NO_ERROR) {
		s->state = SLOT_IN_FLIGHT;
		p->in_flight++;
		return;
	}
	rd_kafka_headers_destroy(h);
	if (err == RD_KAFKA_RESP_ERR__QUEUE_FULL) {
		slot_fail(p, s, 1);
		return;
	}
	cnt_add(p, GCB_PRODUCER_C_DELIVERY_ERRORS, 1);
	if (p->errors_logged++ % ERROR_LOG_EVERY == 0)
		gcb_log_error("rd_kafka_producev(%.*s) failed: %s", (int)topic_len, topic,
			      rd_kafka_err2str(err));
	slot_fail(p, s, (uint64_t)p->conf->retry_backoff_max_ms);
}

static void retry_failed(producer_t *p, uint64_t now)
{
	for (unsigned r = 0; r < p->n_in && p->failed > 0; r++) {
		prod_fifo_t *f = &p->fifo[r];

		for (uint64_t i = f->head; i != f->tail; i++) {
			prod_slot_t *s = &f->slots[i & f->mask];

			if (s->state != SLOT_FAILED || s->retry_at_ns > now)
				continue;
			p->failed--;
			cnt_add(p, GCB_PRODUCER_C_RETRIES, 1);
			produce(p, s);
		}
	}
}

/* ---- reading ---- */

static int classify(const gcb_ring_rec_t *rec)
{
	const gcb_rec_out_t *o = (const gcb_rec_out_t *)rec->payload;

	if (rec->type != GCB_REC_AVRO && rec->type != GCB_REC_DLQ && rec->type != GCB_REC_FILTERED)
		return KIND_BAD;
	if (rec->length < sizeof(gcb_rec_out_t) ||
	    !gcb_rec_fields_valid(o->fields, GCB_OUTF_COUNT, sizeof(gcb_rec_out_t), rec->length))
		return KIND_BAD;
	return rec->type == GCB_REC_DLQ ? KIND_DLQ : KIND_AVRO;
}

static void note_bad_record(producer_t *p, const gcb_ring_rec_t *rec)
{
	uint64_t n = atomic_load_explicit(&p->c[GCB_PRODUCER_C_BAD_RECORDS], memory_order_relaxed);

	if (n % ERROR_LOG_EVERY == 0)
		gcb_log_error("ring %u: malformed record (type %u, %u bytes, seq %" PRIu64
			      "): sending it to %s (%" PRIu64 " so far)",
			      p->cur, rec->type, rec->length, rec->seq, p->dlq_topic, n + 1);
	cnt_add(p, GCB_PRODUCER_C_BAD_RECORDS, 1);
}

/* Reads up to READ_BURST records in stripe order. Returns the number read, or
 * -EBADMSG for a corrupt ring. */
static int read_some(producer_t *p)
{
	int n;

	for (n = 0; n < READ_BURST; n++) {
		prod_fifo_t *f = &p->fifo[p->cur];
		const gcb_ring_rec_t *rec;
		prod_slot_t *s;
		uint64_t batch;
		int rc;

		if (f->tail - f->head > f->mask)
			break; /* as many records in flight as the FIFO holds */
		rc = gcb_ring_read(&p->in[p->cur], &rec);
		if (rc == -EAGAIN)
			break;
		if (rc != 0) {
			gcb_log_error("gcb_ring_read(ring %u) failed: %s", p->cur, strerror(-rc));
			return rc;
		}
		s = &f->slots[f->tail++ & f->mask];
		memset(s, 0, sizeof(*s));
		s->rec = rec;
		s->end_pos = gcb_ring_read_pos(&p->in[p->cur]);
		s->ring = (uint8_t)p->cur;
		s->kind = (uint8_t)classify(rec);
		batch = s->kind == KIND_BAD ? p->expected
					    : ((const gcb_rec_out_t *)rec->payload)->batch_seq;
		if (s->kind != KIND_BAD && batch <= p->acked) {
			/* Delivered before a restart; its release was cut short. */
			s->state = SLOT_DELIVERED;
			cnt_add(p, GCB_PRODUCER_C_SKIPPED, 1);
			continue;
		}
		if (batch != p->expected) {
			if (atomic_load_explicit(&p->c[GCB_PRODUCER_C_STRIPE_ERRORS],
						 memory_order_relaxed) %
				ERROR_LOG_EVERY ==
			    0)
				gcb_log_error("ring %u: record of batch %" PRIu64
					      " where batch %" PRIu64
					      " was expected (stripe order broken)",
					      p->cur, batch, p->expected);
			cnt_add(p, GCB_PRODUCER_C_STRIPE_ERRORS, 1);
		}
		s->batch_seq = batch;
		s->batch_end = (rec->flags & GCB_REC_F_BATCH_END) != 0;
		if (rec->type == GCB_REC_FILTERED && s->kind != KIND_BAD) {
			s->state = SLOT_DELIVERED;
			cnt_add(p, GCB_PRODUCER_C_FILTERED, 1);
		} else {
			if (s->kind == KIND_BAD)
				note_bad_record(p, rec);
			cnt_add(p, GCB_PRODUCER_C_PRODUCED, 1);
			produce(p, s);
		}
		if (s->batch_end) {
			p->bq[p->bq_tail++ & p->bq_mask] = (prod_batch_t){batch, p->cur};
			p->expected = batch + 1;
			p->cur = (p->cur + 1) % p->n_in;
		}
	}
	return n;
}

/* ---- releasing ---- */

static void release_delivered(producer_t *p)
{
	uint64_t pos[256] = {0}, count[256] = {0};
	uint64_t acked = p->acked;
	int progress;

	do {
		progress = 0;
		for (unsigned r = 0; r < p->n_in; r++) {
			prod_fifo_t *f = &p->fifo[r];

			while (f->head != f->tail) {
				prod_slot_t *s = &f->slots[f->head & f->mask];

				if (s->state != SLOT_DELIVERED)
					break;
				if (s->batch_end) {
					prod_batch_t *b = &p->bq[p->bq_head & p->bq_mask];

					/* Batches complete in read order only. */
					if (p->bq_head == p->bq_tail || b->ring != r)
						break;
					acked = b->seq;
					p->bq_head++;
					progress = 1;
				}
				pos[r] = s->end_pos;
				count[r]++;
				f->head++;
			}
		}
	} while (progress);

	/* acked before the ring space: see the comment at the top. */
	if (acked != p->acked) {
		p->acked = acked;
		atomic_store_explicit(&p->pipe->acked_batch_seq, acked, memory_order_release);
		cnt_set(p, GCB_PRODUCER_C_ACKED_BATCH_SEQ, acked);
	}
	for (unsigned r = 0; r < p->n_in; r++) {
		if (pos[r] == 0)
			continue;
		(void)gcb_ring_release(&p->in[r], pos[r]);
		/* Counted after the release: a tool (or test) subtracting
		 * released from read never underestimates what a successor
		 * reads again. */
		cnt_add(p, GCB_PRODUCER_C_RELEASED, count[r]);
	}
}

/* Everything read, produced, delivered and released. */
static int all_done(producer_t *p)
{
	if (p->in_flight != 0 || p->failed != 0)
		return 0;
	for (unsigned r = 0; r < p->n_in; r++) {
		if (p->fifo[r].head != p->fifo[r].tail)
			return 0;
		if (gcb_ring_tail(&p->in[r]) !=
		    gcb_ring_read_pos(&p->in[r]))
			return 0;
	}
	return 1;
}

static void heartbeat(producer_t *p)
{
	gcb_stage_heartbeat(p->ctx);
	for (unsigned r = 0; r < p->n_in; r++)
		gcb_ring_heartbeat_consumer(&p->in[r]);
	cnt_set(p, GCB_PRODUCER_C_IN_FLIGHT, p->in_flight);
	cnt_set(p, GCB_PRODUCER_C_QUEUE_DEPTH, (uint64_t)rd_kafka_outq_len(p->rk));
}

/* Waits up to timeout_ms for outstanding deliveries, then drops what is left
 * from librdkafka's queues: those records stay unreleased in the rings. */
static void stop_flush(producer_t *p, int timeout_ms)
{
	uint64_t deadline = gcb_clock_mono_ns() + (uint64_t)timeout_ms * 1000000ull;

	while (p->in_flight > 0 && gcb_clock_mono_ns() < deadline) {
		poll_kafka(p, 50);
		release_delivered(p);
		heartbeat(p);
	}
	if (p->in_flight > 0)
		gcb_log_warn("stopping with %" PRIu64 " records undelivered; they stay in the "
			     "rings for the next start",
			     p->in_flight);
	rd_kafka_purge(p->rk, RD_KAFKA_PURGE_F_QUEUE | RD_KAFKA_PURGE_F_INFLIGHT);
	poll_kafka(p, 0);
	release_delivered(p);
	heartbeat(p);
}

static int setup(producer_t *p, char *errstr, size_t errstr_size)
{
	uint64_t total_slots = 0, total_bytes = 0;
	rd_kafka_conf_t *kc;

	p->fifo = calloc(p->n_in, sizeof(*p->fifo));
	if (p->fifo == NULL)
		goto nomem;
	for (unsigned r = 0; r < p->n_in; r++) {
		/* Records are at least a header and a gcb_rec_out_t; a smaller
		 * FIFO would only slow reading down, never lose anything. */
		uint64_t cap =
		    pow2_at_least(p->in[r].capacity / gcb_ring_record_size(sizeof(gcb_rec_out_t)));

		p->fifo[r].slots = calloc(cap, sizeof(prod_slot_t));
		if (p->fifo[r].slots == NULL)
			goto nomem;
		p->fifo[r].mask = cap - 1;
		total_slots += cap;
		total_bytes += p->in[r].capacity;
	}
	p->bq_mask = pow2_at_least(total_slots) - 1;
	p->bq = calloc(p->bq_mask + 1, sizeof(*p->bq));
	if (p->bq == NULL)
		goto nomem;

	kc = gcb_producer_kafka_conf(p->conf, total_slots, total_bytes / 1024 + 1, errstr,
				     errstr_size);
	if (kc == NULL)
		return -EINVAL;
	rd_kafka_conf_set_opaque(kc, p);
	rd_kafka_conf_set_dr_msg_cb(kc, on_delivery);
	rd_kafka_conf_set_error_cb(kc, on_error);
	rd_kafka_conf_set_log_cb(kc, on_log);
	if (p->conf->stats_interval_ms > 0)
		rd_kafka_conf_set_stats_cb(kc, on_stats);
	p->rk = rd_kafka_new(RD_KAFKA_PRODUCER, kc, errstr, errstr_size);
	if (p->rk == NULL) {
		rd_kafka_conf_destroy(kc);
		return -EINVAL;
	}
	gcb_producer_topics_init(&p->topics, p->rk);
	/* This stage is woken by delivery reports as often as by records, so a
	 * long spin before each sleep would mostly spin for nothing. */
	for (unsigned r = 0; r < p->n_in; r++)
		gcb_ring_set_spins(&p->in[r], RING_SPINS);
	p->mainq = rd_kafka_queue_get_main(p->rk);
	rd_kafka_queue_cb_event_enable(p->mainq, on_queue_event, p);
	return 0;
nomem:
	snprintf(errstr, errstr_size, "calloc() failed for the in-flight FIFOs");
	return -ENOMEM;
}

static void teardown(producer_t *p)
{
	if (p->mainq != NULL) {
		rd_kafka_queue_cb_event_enable(p->mainq, NULL, NULL);
		rd_kafka_queue_destroy(p->mainq);
	}
	if (p->rk != NULL) {
		gcb_producer_topics_fini(&p->topics);
		rd_kafka_destroy(p->rk);
	}
	for (unsigned r = 0; p->fifo != NULL && r < p->n_in; r++)
		free(p->fifo[r].slots);
	free(p->fifo);
	free(p->bq);
}

static int run(producer_t *p)
{
	uint64_t last_hb = 0, now;
	int drain_logged = 0;

	for (;;) {
		int n;

		now = gcb_clock_mono_ns();
		if (now - last_hb >= HEARTBEAT_NS) {
			heartbeat(p);
			last_hb = now;
		}
		if (p->fatal) {
			char reason[512];
			rd_kafka_resp_err_t err =
			    rd_kafka_fatal_error(p->rk, reason, sizeof(reason));

			cnt_add(p, GCB_PRODUCER_C_FATAL_ERRORS, 1);
			gcb_log_error("librdkafka fatal error %s: %s; restarting the stage",
				      rd_kafka_err2name(err), reason);
			stop_flush(p, 0);
			return GCB_EXIT_RESTART;
		}
		if (gcb_stage_stop_requested || gcb_stage_orphaned(p->ctx)) {
			gcb_log_info("stop requested: flushing for at most %d ms",
				     p->conf->flush_timeout_ms);
			stop_flush(p, p->conf->flush_timeout_ms);
			return GCB_EXIT_OK;
		}

		n = read_some(p);
		if (n < 0) {
			stop_flush(p, p->conf->flush_timeout_ms);
			return GCB_EXIT_RESTART;
		}
		if (p->failed > 0)
			retry_failed(p, now);
		/* Delivery reports are handled without blocking here: with
		 * records in flight the stage sleeps on the ring below, and a
		 * report kicks it awake (on_queue_event). */
		poll_kafka(p, 0);
		release_delivered(p);
		if (n > 0)
			continue;
		if (p->in_flight > 0 || p->failed > 0) {
			/* A failed record's retry is due within BUSY_POLL_MS at
			 * the earliest; a report or a record ends the wait. */
			(void)gcb_ring_wait_readable(&p->in[p->cur],
						     p->failed > 0 ? BUSY_POLL_MS : IDLE_WAIT_MS);
			continue;
		}

		if (gcb_stage_draining(p->ctx)) {
			if (all_done(p)) {
				rd_kafka_flush(p->rk, DRAIN_FLUSH_MS);
				heartbeat(p);
				gcb_log_info("drained: acked batch %" PRIu64, p->acked);
				return GCB_EXIT_OK;
			}
			if (!drain_logged++)
				gcb_log_info("draining: waiting for ring %u (batch %" PRIu64 ")",
					     p->cur, p->expected);
		}
		(void)gcb_ring_wait_readable(&p->in[p->cur], IDLE_WAIT_MS);
	}
}

int gcb_producer_main(const gcb_producer_conf_t *conf, gcb_stage_ctx_t *ctx, gcb_ring_t *in,
		      unsigned n_in)
{
	char errstr[512];
	producer_t p;
	int rc;

	memset(&p, 0, sizeof(p));
	p.conf = conf;
	p.ctx = ctx;
	p.in = in;
	p.n_in = n_in;
	p.pipe = gcb_shm_pipeline(ctx->shm);
	p.c = ctx->slot->counters;
	p.hdr_src = (gcb_producer_hdr_src_t){p.pipe, p.c};
	if (n_in == 0 || n_in > 256) {
		gcb_log_error("producer needs 1..256 input rings, got %u", n_in);
		return GCB_EXIT_FATAL;
	}
	if (gcb_producer_check_safety(conf, errstr, sizeof(errstr)) != 0) {
		gcb_log_error("producer configuration refused: %s", errstr);
		return GCB_EXIT_FATAL;
	}
	p.dlq_topic = conf->dlq_topic;
	if (p.dlq_topic == NULL) {
		if ((size_t)snprintf(p.dlq_buf, sizeof(p.dlq_buf), "%s.dlq", conf->default_topic) >=
		    sizeof(p.dlq_buf)) {
			gcb_log_error("default topic name too long: %s", conf->default_topic);
			return GCB_EXIT_FATAL;
		}
		p.dlq_topic = p.dlq_buf;
	}
	rc = setup(&p, errstr, sizeof(errstr));
	if (rc != 0) {
		gcb_log_error("producer setup failed: %s", errstr);
		teardown(&p);
		return rc == -ENOMEM ? GCB_EXIT_RESTART : GCB_EXIT_FATAL;
	}

	p.acked = atomic_load_explicit(&p.pipe->acked_batch_seq, memory_order_acquire);
	p.expected = p.acked + 1;
	p.cur = (unsigned)(p.expected % n_in);
	cnt_set(&p, GCB_PRODUCER_C_ACKED_BATCH_SEQ, p.acked);
	cnt_set(&p, GCB_PRODUCER_C_IN_FLIGHT, 0);
	gcb_log_info("producing to %s (dlq %s) from %u rings, resuming at batch %" PRIu64
		     " on ring %u",
		     conf->bootstrap_servers, p.dlq_topic, n_in, p.expected, p.cur);

	rc = run(&p);
	teardown(&p);
	return rc;
}
