/*
 * Topic resolution: {queueId} over GET /api/v2/routing/queues, {userId}
 * over GET /api/v2/users (every page), plus the fixed topics; the result is
 * sorted, deduplicated and spread over the channel slots. At startup it is
 * retried with backoff until it succeeds; later a failure keeps the
 * current topics and tries again after a short while.
 */
#include "stages/notif/gcb_notif_int.h"

#include <errno.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cjson/cJSON.h>

#include "lib/gcb_clock.h"
#include "shm/gcb_counters_notif.h"
#include "lib/gcb_log.h"

#define PAGE_SIZE      100
#define MAX_PAGES      10000
#define RETRY_LATER_MS 30000
#define ID_CHARS       "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789-_."

/* Adds the ids of one page; *more = another page follows. -EBADMSG when malformed. */
static int parse_page(const gcb_http_resp_t *r, unsigned page, gcb_notif_topics_t *out, int *more)
{
	cJSON *o = cJSON_ParseWithLength(r->body, r->body_len);
	const cJSON *ents = cJSON_GetObjectItemCaseSensitive(o, "entities");
	const cJSON *pc = cJSON_GetObjectItemCaseSensitive(o, "pageCount");
	const cJSON *e;
	int rc = 0, k = 0;

	if (!cJSON_IsArray(ents)) {
		cJSON_Delete(o);
		return -EBADMSG;
	}
	cJSON_ArrayForEach(e, ents)
	{
		const cJSON *id = cJSON_GetObjectItemCaseSensitive(e, "id");

		if (!cJSON_IsString(id) || id->valuestring[0] == '\0' ||
		    strspn(id->valuestring, ID_CHARS) != strlen(id->valuestring))
			continue;
		if ((rc = gcb_notif_topics_add(out, id->valuestring, strlen(id->valuestring))) != 0)
			break;
		k++;
	}
	*more = k > 0 && (cJSON_IsNumber(pc) ? (double)page < pc->valuedouble : k >= PAGE_SIZE);
	cJSON_Delete(o);
	return rc;
}

static int fetch_ids(gcb_notif_t *n, const char *base, gcb_notif_topics_t *out, int startup)
{
	gcb_source_t *f = &n->src;
	const gcb_http_resp_t *r = &f->api_http.resp;
	char path[256], what[300];
	int more = 1, rc;

	for (unsigned page = 1; more && page <= MAX_PAGES;) {
		uint64_t wait;

		snprintf(path, sizeof(path), "%s?pageSize=%u&pageNumber=%u", base, PAGE_SIZE, page);
		snprintf(what, sizeof(what), "GET %s", path);
		rc = gcb_notif_rest(n, "GET", path, NULL, 0);
		if (rc == -ECANCELED)
			return rc;
		if (rc == 0 && r->status == 200) {
			if ((rc = parse_page(r, page, out, &more)) == -ENOMEM)
				return rc;
			if (rc == 0) {
				gcb_backoff_reset(&f->backoff);
				page++;
				wait = gcb_throttle_delay_ms(r);
				if (wait > 0) {
					gcb_notif_count(n, GCB_SC_THROTTLE_WAITS, 1);
					gcb_notif_count(n, GCB_SC_THROTTLE_MS, wait);
					if (gcb_source_sleep(f, wait) != 0)
						return -ECANCELED;
				}
				continue;
			}
			gcb_notif_count(n, GCB_SC_MALFORMED, 1);
			gcb_log_error("%s: answer without an entities array", what);
		} else if (rc == 0) {
			gcb_source_log_answer(f, what);
		}
		if (!startup)
			return -EAGAIN;
		if (rc == -EACCES)
			rc = gcb_source_backoff(f, 1, -1, "token request refused");
		else if (rc == -EAGAIN)
			rc = gcb_source_backoff(f, 0, f->token.retry_after_ms, "token request");
		else
			rc = gcb_source_backoff(
			    f, rc == 0 && r->status != 429 && r->status < 500 && r->status != 408,
			    rc == 0 ? r->retry_after_ms : -1, what);
		if (rc != 0)
			return rc;
	}
	return 0;
}

/* "template count, ..." for the templates over nq queues and nu users (before dedupe). */
static void families(const gcb_notif_topics_t *tmpl, unsigned nq, unsigned nu, char *out,
		     size_t size)
{
	size_t k = 0;

	out[0] = '\0';
	for (unsigned i = 0; i < tmpl->n && k < size; i++) {
		uint64_t cnt = 1;

		if (strstr(tmpl->v[i], GCB_NOTIF_PH_QUEUE) != NULL)
			cnt *= nq;
		if (strstr(tmpl->v[i], GCB_NOTIF_PH_USER) != NULL)
			cnt *= nu;
		k += (size_t)snprintf(out + k, size - k, "%s%s %llu", i ? ", " : "", tmpl->v[i],
				      (unsigned long long)cnt);
	}
}

static int same(const gcb_notif_topics_t *a, const gcb_notif_topics_t *b)
{
	if (a->n != b->n)
		return 0;
	for (unsigned i = 0; i < a->n; i++)
		if (strcmp(a->v[i], b->v[i]) != 0)
			return 0;
	return 1;
}

static unsigned used_slots(const gcb_notif_t *n)
{
	unsigned k = 0;

	for (unsigned i = 0; i < n->n_chans; i++)
		k += n->chans[i].used;
	return k;
}

int gcb_notif_assign(gcb_notif_t *n)
{
	/* One channel is kept free for rollovers (gcb_notif_resolve() checks the sum). */
	unsigned slots = n->conf->notif.max_channels - 1, n_cur = n->n_chans;
	char *cur[GCB_NOTIF_MAX_CHANNELS];
	gcb_notif_spread_t sp;
	int rc;

	if (n_cur > slots)
		n_cur = slots;
	for (unsigned i = 0; i < n_cur; i++)
		cur[i] = n->chans[i].used ? n->chans[i].topics : NULL;
	rc = gcb_notif_topics_spread(&n->topics, cur, n_cur, n->conf->notif.topics_per_channel,
				     slots, &sp);
	if (rc != 0)
		return rc;
	for (unsigned i = 0; i < GCB_NOTIF_MAX_CHANNELS; i++) {
		gcb_notif_chan_t *c = &n->chans[i];
		char *s = i < sp.n ? sp.topics[i] : NULL;

		if (s == NULL) {
			if (c->used)
				gcb_notif_chan_drop(c); /* nothing it carried is wanted */
			continue;
		}
		sp.topics[i] = NULL; /* the slot owns it, or it is freed here */
		if (!c->used) {
			c->used = 1;
			c->topics = s;
			c->dirty = 0;
			c->retry_mono_ms = 0;
		} else if (strcmp(c->topics, s) != 0) {
			free(c->topics);
			c->topics = s;
			c->dirty = 1;
		} else {
			free(s);
		}
		c->n_topics = sp.count[i];
	}
	n->n_chans = sp.n;
	gcb_notif_spread_fini(&sp);
	return 0;
}

int gcb_notif_resolve(gcb_notif_t *n, int startup)
{
	const gcb_source_conf_t *c = n->conf;
	gcb_notif_topics_t queues, users, next;
	uint64_t now = gcb_clock_mono_ms();
	unsigned limit = (c->notif.max_channels - 1) * c->notif.topics_per_channel;
	int rc = 0;

	gcb_notif_topics_init(&queues);
	gcb_notif_topics_init(&users);
	gcb_notif_topics_init(&next);
	if (gcb_notif_topics_need(&n->tmpl, GCB_NOTIF_PH_QUEUE))
		rc = fetch_ids(n, "/api/v2/routing/queues", &queues, startup);
	if (rc == 0 && gcb_notif_topics_need(&n->tmpl, GCB_NOTIF_PH_USER))
		rc = fetch_ids(n, "/api/v2/users", &users, startup);
	if (rc == 0)
		rc = gcb_notif_topics_expand(&n->tmpl, &queues, &users, &next);
	if (rc == 0 && n->coord != NULL) {
		gcb_notif_shard_filter(n, &next);
		n->shards_changed = 0;
	}
	n->resolve_mono_ms = now + c->notif.resolve_interval_ms;
	if (rc != 0) {
		if (rc != -ECANCELED && !startup) {
			n->resolve_mono_ms = now + (c->notif.resolve_interval_ms < RETRY_LATER_MS
							? c->notif.resolve_interval_ms
							: RETRY_LATER_MS);
			gcb_log_warn("topic resolution failed (%s): keeping the %u topics in use",
				     strerror(-rc), n->topics.n);
			rc = 0;
		}
		goto out;
	}
	if (next.n == 0 && n->coord != NULL) {
		/* No shard of ours has a topic (or none is ours yet): standby. */
	} else if (next.n == 0) {
		gcb_log_error("genesys.notifications.topics: resolved to no topic (%u queues, %u "
			      "users)",
			      queues.n, users.n);
		rc = startup ? -E2BIG : 0;
		goto out;
	}
	if (next.n > limit) {
		char per[1024];

		families(&n->tmpl, queues.n, users.n, per, sizeof(per));
		gcb_log_error(
		    "genesys.notifications.topics: %u topics (%u queues, %u users) exceed "
		    "what %u channels (genesys.notifications.max_channels %u, one kept free "
		    "for rollover) of genesys.notifications.topics_per_channel %u carry: %u. "
		    "Per template: %s. %u channels needed, %u available. "
		    "v2.users.{userId}.activity alone carries routing status, presence, "
		    "out-of-office and active queues; a combined topic "
		    "(v2.users.{userId}?presence&routingStatus) counts once%s",
		    next.n, queues.n, users.n, c->notif.max_channels - 1, c->notif.max_channels,
		    c->notif.topics_per_channel, limit, per,
		    gcb_notif_topics_channels(next.n, c->notif.topics_per_channel),
		    c->notif.max_channels - 1, startup ? "" : "; keeping the topics in use");
		rc = startup ? -E2BIG : 0;
		goto out;
	}
	if (same(&next, &n->topics))
		goto out;
	gcb_notif_topics_fini(&n->topics);
	n->topics = next;
	gcb_notif_topics_init(&next);
	gcb_counter_set(n->src.counters, GCB_NC_TOPICS, n->topics.n);
	if ((rc = gcb_notif_assign(n)) == 0)
		gcb_log_info("topics: %u (%u queues, %u users) over %u channels", n->topics.n,
			     queues.n, users.n, used_slots(n));
out:
	gcb_notif_topics_fini(&queues);
	gcb_notif_topics_fini(&users);
	gcb_notif_topics_fini(&next);
	return rc;
}
