/*
 * Retention ring and poll answering. One mutex guards the ring and the
 * generator; polls copy the JSON of their events into their own response
 * buffer under it, so a slot may be overwritten as soon as the lock drops.
 */
#include "tools/sim/gcb_sim_store.h"

#include <errno.h>
#include <inttypes.h>
#include <math.h>
#include <pthread.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

struct gcb_sim_store {
	gcb_sim_store_conf_t conf;
	pthread_mutex_t lock;
	pthread_cond_t cond; /* broadcast when events appear or on stop */
	gcb_sim_gen_t *gen;
	gcb_sim_event_t *slots;
	uint64_t head;
	uint64_t tail;
	int64_t remaining; /* events the rate/on-demand generation may still make */
	uint64_t bad, drift;
	int stopping;
	int ticker_started;
	pthread_t ticker;
};

/* Cursor obfuscation key: the cursor is opaque, not a bare number. */
#define CURSOR_KEY 0x5bd1e9955bd1e995ULL

void gcb_sim_cursor_encode(uint64_t pos, char out[GCB_SIM_CURSOR_MAX])
{
	uint64_t x = pos ^ CURSOR_KEY;

	snprintf(out, GCB_SIM_CURSOR_MAX, "c1.%016" PRIx64 ".%04x", x,
		 (unsigned)((x * 0x9e3779b97f4a7c15ULL) >> 48));
}

int gcb_sim_cursor_decode(const char *s, uint64_t *pos)
{
	char *end;
	uint64_t x;
	unsigned long chk;

	if (strncmp(s, "c1.", 3) != 0 || strlen(s) != 3 + 16 + 1 + 4)
		return -EINVAL;
	x = strtoull(s + 3, &end, 16);
	if (end != s + 19 || *end != '.')
		return -EINVAL;
	chk = strtoul(end + 1, &end, 16);
	if (*end || chk != ((x * 0x9e3779b97f4a7c15ULL) >> 48))
		return -EINVAL;
	*pos = x ^ CURSOR_KEY;
	return 0;
}

static int64_t mono_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (int64_t)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

gcb_sim_store_t *gcb_sim_store_new(const gcb_sim_store_conf_t *conf, char *errstr,
				   size_t errstr_size)
{
	gcb_sim_store_t *s;
	pthread_condattr_t ca;

	if (conf->retention < 1) {
		snprintf(errstr, errstr_size, "retention must be >= 1");
		return NULL;
	}
	s = calloc(1, sizeof(*s));
	if (!s) {
		snprintf(errstr, errstr_size, "calloc() failed");
		return NULL;
	}
	s->conf = *conf;
	s->remaining = conf->count;
	pthread_mutex_init(&s->lock, NULL);
	pthread_condattr_init(&ca);
	pthread_condattr_setclock(&ca, CLOCK_MONOTONIC);
	pthread_cond_init(&s->cond, &ca);
	pthread_condattr_destroy(&ca);
	/* calloc'ed pages are only touched as the window fills. */
	s->slots = calloc(conf->retention, sizeof(*s->slots));
	if (!s->slots) {
		snprintf(errstr, errstr_size, "calloc() of %" PRIu64 " event slots failed",
			 conf->retention);
		goto fail;
	}
	s->gen = gcb_sim_gen_new(&conf->gen, errstr, errstr_size);
	if (!s->gen)
		goto fail;
	return s;
fail:
	gcb_sim_store_destroy(s);
	return NULL;
}

void gcb_sim_store_stop(gcb_sim_store_t *s)
{
	pthread_mutex_lock(&s->lock);
	s->stopping = 1;
	pthread_cond_broadcast(&s->cond);
	pthread_mutex_unlock(&s->lock);
	if (s->ticker_started) {
		pthread_join(s->ticker, NULL);
		s->ticker_started = 0;
	}
}

void gcb_sim_store_destroy(gcb_sim_store_t *s)
{
	if (!s)
		return;
	gcb_sim_store_stop(s);
	gcb_sim_gen_destroy(s->gen);
	free(s->slots);
	pthread_cond_destroy(&s->cond);
	pthread_mutex_destroy(&s->lock);
	free(s);
}

/* Appends @n events; the caller holds the lock. */
static void generate_locked(gcb_sim_store_t *s, uint64_t n)
{
	FILE *log = s->conf.events_log;

	for (uint64_t i = 0; i < n; i++) {
		gcb_sim_event_t *ev = &s->slots[s->head % s->conf.retention];

		gcb_sim_gen_next(s->gen, s->head, s->conf.bad_rate, s->conf.drift_rate, ev);
		s->bad += !!(ev->flags & GCB_SIM_EV_BAD);
		s->drift += !!(ev->flags & GCB_SIM_EV_DRIFT);
		if (log) {
			fwrite(ev->json, 1, ev->json_len, log);
			fputc('\n', log);
		}
		s->head++;
	}
	if (s->head - s->tail > s->conf.retention)
		s->tail = s->head - s->conf.retention;
	if (n)
		pthread_cond_broadcast(&s->cond);
}

/* Generates up to @n events out of the remaining count. */
static void generate_budget_locked(gcb_sim_store_t *s, uint64_t n)
{
	if (s->remaining >= 0 && (uint64_t)s->remaining < n)
		n = (uint64_t)s->remaining;
	if (s->remaining >= 0)
		s->remaining -= (int64_t)n;
	generate_locked(s, n);
}

static void *ticker_main(void *arg)
{
	gcb_sim_store_t *s = arg;
	int64_t start = mono_ms();
	uint64_t made = 0;

	pthread_mutex_lock(&s->lock);
	while (!s->stopping && s->remaining != 0) {
		uint64_t due = (uint64_t)((double)(mono_ms() - start) * s->conf.rate / 1000.0);
		struct timespec ts;
		int64_t next_ms;

		if (due > made) {
			uint64_t n = due - made;

			/* Bounded per round so polls get the lock between rounds. */
			if (n > 20000)
				n = 20000;
			generate_budget_locked(s, n);
			made += n;
			if (due > made)
				continue;
		}
		/* Rounded up: the next event is due within that millisecond, and a
		 * deadline rounded down is already past, so the wait would return
		 * at once and the thread spin until the clock moves on. */
		next_ms = start + (int64_t)ceil((double)(made + 1) * 1000.0 / s->conf.rate);
		if (next_ms > mono_ms() + 50)
			next_ms = mono_ms() + 50;
		ts.tv_sec = next_ms / 1000;
		ts.tv_nsec = (next_ms % 1000) * 1000000;
		pthread_cond_timedwait(&s->cond, &s->lock, &ts);
	}
	pthread_mutex_unlock(&s->lock);
	return NULL;
}

int gcb_sim_store_start(gcb_sim_store_t *s, char *errstr, size_t errstr_size)
{
	int rc;

	if (s->conf.rate <= 0)
		return 0;
	rc = pthread_create(&s->ticker, NULL, ticker_main, s);
	if (rc) {
		snprintf(errstr, errstr_size, "pthread_create() failed: %s", strerror(rc));
		return -rc;
	}
	s->ticker_started = 1;
	return 0;
}

static char *append_served(char *p, const gcb_sim_event_t *ev)
{
	const char *et = gcb_sim_entity_name(ev->entity_type);
	size_t n;

	memcpy(p, ev->id, 36);
	p += 36;
	*p++ = '\t';
	n = strlen(et);
	memcpy(p, et, n);
	p += n;
	*p++ = '\t';
	memcpy(p, ev->entity_id, 36);
	p += 36;
	p += sprintf(p, "\t%" PRIu32 "\n", ev->sequence);
	return p;
}

#define SERVED_LINE_MAX	 128
#define FAST_FORWARD_MAX 50000000

int gcb_sim_store_poll(gcb_sim_store_t *s, gcb_sim_poll_t *p)
{
	char cursor[GCB_SIM_CURSOR_MAX];
	size_t cap = 64 + (size_t)p->limit * (GCB_SIM_JSON_MAX + 1) + GCB_SIM_CURSOR_MAX;
	int64_t deadline = mono_ms() + p->timeout_ms;
	char *out, *sv = NULL;
	uint64_t pos, start;
	int rc = 0, more;

	p->body = out = malloc(cap);
	if (!out)
		return -ENOMEM;
	if (p->want_served) {
		p->served = sv = malloc((size_t)p->limit * SERVED_LINE_MAX);
		if (!sv)
			return -ENOMEM;
	}
	memcpy(out, "{\"events\":[", 11);
	out += 11;
	p->count = 0;

	pthread_mutex_lock(&s->lock);
	pos = p->has_cursor ? p->cursor : s->tail;
	start = pos;
	for (;;) {
		if (pos < s->tail) {
			rc = -ESTALE;
			goto unlock;
		}
		if (pos > s->head && s->conf.rate <= 0 && pos - s->head <= FAST_FORWARD_MAX &&
		    (s->remaining < 0 || (uint64_t)s->remaining >= pos - s->head)) {
			/* A cursor from an earlier run with the same options: on
			 * demand the stream is a pure function of the options, so
			 * generating up to it resumes that run's stream exactly. */
			generate_budget_locked(s, pos - s->head);
		}
		if (pos > s->head) {
			rc = -ERANGE;
			goto unlock;
		}
		if (s->conf.rate <= 0 && s->head - pos < (uint64_t)p->limit && s->remaining != 0) {
			uint64_t want = (uint64_t)p->limit - (s->head - pos);
			uint64_t room = s->conf.retention - (s->head - pos);

			/* Never evict the event at pos before it is scanned. */
			generate_budget_locked(s, want < room ? want : room);
		}
		while (pos < s->head && p->count < p->limit) {
			const gcb_sim_event_t *ev = &s->slots[pos % s->conf.retention];

			pos++;
			if (!gcb_sim_filter_match(p->filter, ev))
				continue;
			if (p->count++)
				*out++ = ',';
			memcpy(out, ev->json, ev->json_len);
			out += ev->json_len;
			if (sv)
				sv = append_served(sv, ev);
		}
		if (p->count > 0 || s->stopping || mono_ms() >= deadline)
			break;
		/* On demand nothing else will wake us: keep generating while the
		 * filter rejects everything, within half a window. */
		if (s->conf.rate <= 0 && s->remaining != 0 && pos - start < s->conf.retention / 2)
			continue;
		struct timespec ts = {deadline / 1000, (deadline % 1000) * 1000000};

		pthread_cond_timedwait(&s->cond, &s->lock, &ts);
	}
	more = pos < s->head || (s->conf.rate <= 0 && s->remaining != 0);
unlock:
	pthread_mutex_unlock(&s->lock);
	if (rc < 0)
		return rc;
	gcb_sim_cursor_encode(pos, cursor);
	out += sprintf(out, "],\"cursor\":\"%s\",\"hasMore\":%s}", cursor, more ? "true" : "false");
	p->body_len = (size_t)(out - p->body);
	if (sv)
		p->served_len = (size_t)(sv - p->served);
	return 0;
}

void gcb_sim_store_evict_before(gcb_sim_store_t *s, uint64_t pos)
{
	pthread_mutex_lock(&s->lock);
	if (pos > s->head)
		pos = s->head;
	if (pos > s->tail)
		s->tail = pos;
	pthread_mutex_unlock(&s->lock);
}

void gcb_sim_store_evict(gcb_sim_store_t *s, uint64_t n)
{
	pthread_mutex_lock(&s->lock);
	s->tail = s->head - s->tail < n ? s->head : s->tail + n;
	pthread_mutex_unlock(&s->lock);
}

void gcb_sim_store_generate(gcb_sim_store_t *s, uint64_t n)
{
	pthread_mutex_lock(&s->lock);
	generate_locked(s, n);
	pthread_mutex_unlock(&s->lock);
}

void gcb_sim_store_set_rates(gcb_sim_store_t *s, double bad_rate, double drift_rate)
{
	pthread_mutex_lock(&s->lock);
	s->conf.bad_rate = bad_rate;
	s->conf.drift_rate = drift_rate;
	pthread_mutex_unlock(&s->lock);
}

void gcb_sim_store_stats(gcb_sim_store_t *s, gcb_sim_store_stats_t *st)
{
	pthread_mutex_lock(&s->lock);
	st->head = s->head;
	st->tail = s->tail;
	st->generated_bad = s->bad;
	st->generated_drift = s->drift;
	st->remaining = s->remaining;
	pthread_mutex_unlock(&s->lock);
}

int gcb_sim_store_dump(gcb_sim_store_t *s, uint64_t from, int limit, char **body, size_t *len)
{
	size_t cap = 160 + (size_t)limit * (GCB_SIM_JSON_MAX + 1);
	char *buf = malloc(cap), *p;
	uint64_t pos;
	int n = 0;

	if (!buf)
		return -ENOMEM;
	pthread_mutex_lock(&s->lock);
	pos = from < s->tail ? s->tail : from;
	p = buf + sprintf(buf,
			  "{\"from\":%" PRIu64 ",\"head\":%" PRIu64 ",\"tail\":%" PRIu64
			  ",\"events\":[",
			  pos, s->head, s->tail);
	for (; pos < s->head && n < limit; pos++, n++) {
		const gcb_sim_event_t *ev = &s->slots[pos % s->conf.retention];

		if (n)
			*p++ = ',';
		memcpy(p, ev->json, ev->json_len);
		p += ev->json_len;
	}
	pthread_mutex_unlock(&s->lock);
	p += sprintf(p, "],\"next\":%" PRIu64 "}", pos);
	*body = buf;
	*len = (size_t)(p - buf);
	return 0;
}

void gcb_sim_store_flush(gcb_sim_store_t *s)
{
	pthread_mutex_lock(&s->lock);
	if (s->conf.events_log)
		fflush(s->conf.events_log);
	pthread_mutex_unlock(&s->lock);
}
