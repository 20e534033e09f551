/*
 * A channel's subscriptions and the service's answer to them (GENESYS.md C).
 *
 * PUT …/subscriptions?ignoreErrors=true answers a ChannelTopicEntityListing:
 * every topic Permitted or Rejected (rejectionReason, missingPermissions).
 * A topic the OAuth client's role or divisions cannot see is Rejected and the
 * others are subscribed: one queue the client may not see must never hold up
 * a channel of 1,000 topics. A rejected topic is logged once (with its reason
 * and the missing permissions), counted in the topics_rejected gauge, and
 * retried at every topic resolution (gcb_notif_resolve marks its channel for
 * a new PUT); it is logged again only once accepted.
 *
 * A whole-request 400 (a topic the service does not know, say a queue deleted
 * since the last resolution) is narrowed down to the offending topics by
 * bisection with POST (which adds and, when refused, changes nothing, so the
 * topics of a live channel keep flowing meanwhile); the channel is then PUT
 * without them and they are reported like rejected topics.
 */
#include "stages/notif/gcb_notif_int.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cjson/cJSON.h>

#include "shm/gcb_counters_notif.h"
#include "stages/source/gcb_errbody.h"
#include "lib/gcb_log.h"

/* Requests one narrowing may spend: k bad topics of n cost about 2k log2(n). */
#define NARROW_MAX_PROBES 256
#define REASON_MAX	  512

static int contains(const gcb_notif_topics_t *t, const char *s)
{
	unsigned lo = 0, hi = t->n;

	while (lo < hi) {
		unsigned mid = lo + (hi - lo) / 2;
		int c = strcmp(t->v[mid], s);

		if (c == 0)
			return 1;
		if (c < 0)
			lo = mid + 1;
		else
			hi = mid;
	}
	return 0;
}

static int split(const char *joined, gcb_notif_topics_t *out)
{
	const char *s = joined;

	while (s != NULL && *s) {
		size_t l;
		int rc;

		s += strspn(s, " ");
		if ((l = strcspn(s, " ")) == 0)
			break;
		if ((rc = gcb_notif_topics_add(out, s, l)) != 0)
			return rc;
		s += l;
	}
	return 0;
}

/* A rejected topic for the new set; logged when it was not rejected before. */
static int reject(gcb_notif_chan_t *c, gcb_notif_topics_t *next, const char *topic,
		  const char *reason, const char *missing)
{
	if (!contains(&c->rejected, topic))
		gcb_log_warn("topic %s rejected by the service: %s; missing permissions: %s; the "
			     "channel's other topics are subscribed, this one is retried at every "
			     "topic resolution",
			     topic, reason[0] ? reason : "no reason given",
			     missing[0] ? missing : "none named");
	return gcb_notif_topics_add(next, topic, strlen(topic));
}

/* The Rejected entities of a subscription answer into next. -EBADMSG when malformed. */
static int read_answer(gcb_notif_chan_t *c, const gcb_http_resp_t *r, gcb_notif_topics_t *next)
{
	cJSON *o = cJSON_ParseWithLength(r->body, r->body_len);
	const cJSON *ents = cJSON_GetObjectItemCaseSensitive(o, "entities"), *e;
	int rc = 0;

	if (!cJSON_IsArray(ents)) {
		cJSON_Delete(o);
		return -EBADMSG;
	}
	cJSON_ArrayForEach(e, ents)
	{
		const cJSON *id = cJSON_GetObjectItemCaseSensitive(e, "id");
		const cJSON *st = cJSON_GetObjectItemCaseSensitive(e, "state");
		const cJSON *why = cJSON_GetObjectItemCaseSensitive(e, "rejectionReason");
		const cJSON *mp = cJSON_GetObjectItemCaseSensitive(e, "missingPermissions"), *p;
		char missing[REASON_MAX] = "";
		size_t k = 0;

		if (!cJSON_IsString(id) || !cJSON_IsString(st) ||
		    strcmp(st->valuestring, "Rejected") != 0)
			continue;
		cJSON_ArrayForEach(p, mp)
		{
			if (cJSON_IsString(p) && k < sizeof(missing))
				k += (size_t)snprintf(missing + k, sizeof(missing) - k, "%s%s",
						      k ? ", " : "", p->valuestring);
		}
		if ((rc = reject(c, next, id->valuestring,
				 cJSON_IsString(why) ? why->valuestring : "", missing)) != 0)
			break;
	}
	cJSON_Delete(o);
	return rc;
}

/* method topics [from, to) of t on channel id. 0 with the status in *st, or -errno. */
static int send_topics(gcb_notif_t *n, const char *method, const char *id,
		       const gcb_notif_topics_t *t, unsigned from, unsigned to, long *st)
{
	char path[GCB_NOTIF_ID_MAX + 96];
	char *joined = gcb_notif_topics_join(t, from, to), *body;
	size_t len;
	int rc;

	if (joined == NULL)
		return -ENOMEM;
	body = gcb_notif_topics_body(joined, &len);
	free(joined);
	if (body == NULL)
		return -ENOMEM;
	snprintf(path, sizeof(path),
		 "/api/v2/notifications/channels/%s/subscriptions?ignoreErrors=true", id);
	rc = gcb_notif_rest(n, method, path, body, len);
	free(body);
	if (rc == 0)
		*st = n->src.api_http.resp.status;
	return rc;
}

/*
 * Finds the topics of [from, to) the service refuses (400) by bisection,
 * adding them to bad with the service's message. 0, -EINVAL when the probe
 * budget ran out, -errno.
 */
static int narrow(gcb_notif_chan_t *c, const char *id, const gcb_notif_topics_t *t, unsigned from,
		  unsigned to, gcb_notif_topics_t *bad, unsigned *probes)
{
	const gcb_http_resp_t *r = &c->n->src.api_http.resp;
	unsigned mid;
	long st = 0;
	int rc;

	if (from >= to)
		return 0;
	if (++*probes > NARROW_MAX_PROBES)
		return -EINVAL;
	if ((rc = send_topics(c->n, "POST", id, t, from, to, &st)) != 0)
		return rc;
	if (st >= 200 && st < 300)
		return 0; /* subscribed: they were going to be anyway */
	if (st == 404)
		return -ENOENT;
	if (st != 400)
		return -EAGAIN;
	if (to - from == 1) {
		gcb_errbody_t eb;

		gcb_errbody_parse(&eb, r->body, r->body_len, NULL, 0);
		return reject(c, bad, t->v[from], eb.message[0] ? eb.message : "refused (400)", "");
	}
	mid = from + (to - from) / 2;
	if ((rc = narrow(c, id, t, from, mid, bad, probes)) != 0)
		return rc;
	return narrow(c, id, t, mid, to, bad, probes);
}

/* Sum over the channels, for the gauge. */
static void gauge(gcb_notif_t *n)
{
	uint64_t k = 0;

	for (unsigned i = 0; i < GCB_NOTIF_MAX_CHANNELS; i++)
		if (n->chans[i].used)
			k += n->chans[i].rejected.n;
	gcb_counter_set(n->src.counters, GCB_NC_TOPICS_REJECTED, k);
}

/* The new rejected set of c replaces the old; topics no longer in it are logged. */
static void settle(gcb_notif_chan_t *c, gcb_notif_topics_t *next)
{
	gcb_notif_topics_dedupe(next);
	for (unsigned i = 0; i < c->rejected.n; i++)
		if (!contains(next, c->rejected.v[i]))
			gcb_log_info("topic %s accepted by the service now", c->rejected.v[i]);
	gcb_notif_topics_fini(&c->rejected);
	c->rejected = *next;
	gcb_notif_topics_init(next);
	gauge(c->n);
}

int gcb_notif_subscribe(gcb_notif_chan_t *c, const char *id)
{
	gcb_notif_t *n = c->n;
	gcb_notif_topics_t all, bad, keep, next;
	unsigned probes = 0;
	long st = 0;
	int rc;

	gcb_notif_topics_init(&all);
	gcb_notif_topics_init(&bad);
	gcb_notif_topics_init(&keep);
	gcb_notif_topics_init(&next);
	if ((rc = split(c->topics, &all)) != 0)
		goto out;
	if ((rc = send_topics(n, "PUT", id, &all, 0, all.n, &st)) != 0)
		goto out;
	if (st == 400) {
		gcb_source_log_answer(&n->src, "PUT subscriptions");
		gcb_log_warn("channel %s: the service refused the subscription request as a whole: "
			     "narrowing it down to the offending topics",
			     id);
		rc = narrow(c, id, &all, 0, all.n, &bad, &probes);
		if (rc == -EINVAL)
			gcb_log_error("channel %s: more than %d requests spent narrowing down the "
				      "refused topics: giving up on this attempt",
				      id, NARROW_MAX_PROBES);
		if (rc != 0)
			goto out;
		gcb_notif_topics_dedupe(&bad);
		for (unsigned i = 0; i < all.n && rc == 0; i++)
			if (!contains(&bad, all.v[i]))
				rc = gcb_notif_topics_add(&keep, all.v[i], strlen(all.v[i]));
		if (rc != 0 || (rc = send_topics(n, "PUT", id, &keep, 0, keep.n, &st)) != 0)
			goto out;
		for (unsigned i = 0; i < bad.n && rc == 0; i++)
			rc = gcb_notif_topics_add(&next, bad.v[i], strlen(bad.v[i]));
		if (rc != 0)
			goto out;
	}
	if (st < 200 || st >= 300) {
		gcb_source_log_answer(&n->src, "PUT subscriptions");
		rc = st == 404 ? -ENOENT : st == 400 ? -EINVAL : -EAGAIN;
		goto out;
	}
	if ((rc = read_answer(c, &n->src.api_http.resp, &next)) == -EBADMSG) {
		/* Subscribed all the same; what was rejected is unknown this time. */
		gcb_notif_count(n, GCB_SC_MALFORMED, 1);
		gcb_log_warn("channel %s: subscription answer without an entities array "
			     "(correlation_id=%s)",
			     id, n->src.api_http.resp.correlation_id);
		rc = 0;
		goto out;
	}
	if (rc == 0)
		settle(c, &next);
out:
	gcb_notif_topics_fini(&all);
	gcb_notif_topics_fini(&bad);
	gcb_notif_topics_fini(&keep);
	gcb_notif_topics_fini(&next);
	return rc;
}

void gcb_notif_subscribe_forget(gcb_notif_chan_t *c)
{
	gcb_notif_topics_fini(&c->rejected);
	gcb_notif_topics_init(&c->rejected);
	gauge(c->n);
}

void gcb_notif_subscribe_retry(gcb_notif_t *n)
{
	for (unsigned i = 0; i < n->n_chans; i++)
		if (n->chans[i].used && n->chans[i].rejected.n > 0)
			n->chans[i].dirty = 1;
}
