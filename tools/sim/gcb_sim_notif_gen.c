#include "tools/sim/gcb_sim_notif_gen.h"

#include <errno.h>
#include <inttypes.h>
#include <pthread.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "lib/gcb_array.h"
#include "lib/gcb_log.h"
#include "tools/sim/gcb_sim_rand.h"

#define BODY_MAX	16384
#define STARTS_PER_TICK 5000

enum { RS_IDLE, RS_INTERACTING, RS_OFF_QUEUE, RS_N };
enum { PR_ON_QUEUE, PR_AVAILABLE, PR_BREAK, PR_MEAL, PR_AWAY, PR_N };

static const char *const routing_names[] = {"IDLE", "INTERACTING", "OFF_QUEUE"};
static const char *const presence_names[] = {"On Queue", "Available", "Break", "Meal", "Away"};
static const char *const media_upper[] = {"VOICE", "CHAT", "EMAIL", "MESSAGE", "CALLBACK"};
static const char *const media_keys[] = {"calls", "chats", "emails", "messages", "callbacks"};
static const char *const wrapups[] = {"SALE", "NO_SALE", "RESOLVED", "CALLBACK", "ESCALATED"};
/* JSON text (already escaped): quotes, a newline and non-ASCII included. */
static const char *const notes[] = {"Customer asked about billing",
				    "Said \\\"call me after 5pm\\\"",
				    "Caf\\u00e9 order\\nfollow-up", "Prefers Espa\u00f1ol", ""};

typedef struct agent {
	uint8_t routing, presence;
	int64_t routing_ms, presence_ms;
} agent_t;

typedef struct active {
	gcb_sim_conv_t c;
	uint64_t seq;
	int user;   /* org index */
	int step;   /* next step, 0..3 */
	int64_t t0; /* start (real ms) */
	int64_t life;
	uint8_t note;
} active_t;

struct gcb_sim_notif_gen {
	gcb_sim_notif_gen_conf_t conf;
	gcb_sim_org_t *org;
	gcb_sim_notif_t *hub;
	gcb_sim_analytics_t *an;
	pthread_t thread;
	int started_thread;

	pthread_mutex_t lock; /* stop, pending, stats */
	pthread_cond_t cond;
	int stop;
	uint64_t pending;
	uint64_t pending_fixed; /* to start with life fixed_life_ms */
	int fixed_life_ms;
	uint64_t started, finished, abandoned, published;

	/* generator thread only */
	gcb_sim_rand_t rnd;
	active_t *act;
	size_t nact, capact;
	agent_t *agents;
	size_t nagents; /* slots allocated, every one initialised */
	char division[37];
	char presence_ids[PR_N][37];
	char body[BODY_MAX];
	size_t blen;
	uint64_t npub;
};

static int64_t mono_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (int64_t)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

static void b_reset(gcb_sim_notif_gen_t *g)
{
	g->blen = 0;
	g->body[0] = 0;
}

__attribute__((format(printf, 2, 3))) static void b_add(gcb_sim_notif_gen_t *g, const char *fmt,
							...)
{
	va_list ap;
	int n;

	if (g->blen >= BODY_MAX - 1)
		return;
	va_start(ap, fmt);
	n = vsnprintf(g->body + g->blen, BODY_MAX - g->blen, fmt, ap);
	va_end(ap);
	if (n > 0)
		g->blen += (size_t)n < BODY_MAX - g->blen ? (size_t)n : BODY_MAX - 1 - g->blen;
}

static void b_iso(gcb_sim_notif_gen_t *g, const char *name, int64_t ms)
{
	char t[32];

	if (!ms)
		return;
	gcb_sim_notif_iso(ms, t);
	b_add(g, ",\"%s\":\"%s\"", name, t);
}

static void publish(gcb_sim_notif_gen_t *g, const char *topic, const char *key)
{
	cJSON *body;
	char *text;

	if (g->conf.models != NULL && (body = cJSON_ParseWithLength(g->body, g->blen)) != NULL) {
		/* The rest of the topic's model around the generator's core. */
		gcb_sim_model_fill(g->conf.models, topic, body, &g->rnd);
		text = cJSON_PrintUnformatted(body);
		cJSON_Delete(body);
		if (text != NULL) {
			gcb_sim_notif_publish(g->hub, topic, key, text, strlen(text));
			free(text);
			g->npub++;
			return;
		}
	}
	gcb_sim_notif_publish(g->hub, topic, key, g->body, g->blen);
	g->npub++;
}

/* --- detail events (UPPER_CASE enums, eventTime in Unix ms) ----------------- */

enum { WHO_CUSTOMER, WHO_ACD, WHO_AGENT };

static void detail(gcb_sim_notif_gen_t *g, const active_t *a, const char *kind, int who,
		   int64_t now, const char *fmt, ...)
{
	const gcb_sim_conv_t *c = &a->c;
	const char *pid = who == WHO_CUSTOMER ? c->cust_pid
			  : who == WHO_ACD    ? c->acd_pid
					      : c->agent_pid;
	const char *sid = who == WHO_CUSTOMER ? c->cust_sid
			  : who == WHO_ACD    ? c->acd_sid
					      : c->agent_sid;
	char topic[128];
	va_list ap;
	int n;

	b_reset(g);
	b_add(g,
	      "{\"eventTime\":%" PRId64 ",\"conversationId\":\"%s\",\"participantId\":\"%s\","
	      "\"sessionId\":\"%s\",\"mediaType\":\"%s\",\"provider\":\"Edge\","
	      "\"direction\":\"%s\",\"ani\":\"%s\",\"dnis\":\"%s\",\"addressTo\":\"%s\","
	      "\"addressFrom\":\"%s\",\"divisionId\":\"%s\"",
	      now, c->id, pid, sid, media_upper[c->media], c->outbound ? "OUTBOUND" : "INBOUND",
	      c->ani, c->dnis, c->outbound ? c->ani : c->dnis, c->outbound ? c->dnis : c->ani,
	      g->division);
	if (who != WHO_CUSTOMER)
		b_add(g, ",\"queueId\":\"%s\"", c->queue_id);
	if (who == WHO_AGENT)
		b_add(g, ",\"userId\":\"%s\"", c->user_id);
	if (fmt && g->blen < BODY_MAX - 1) {
		va_start(ap, fmt);
		n = vsnprintf(g->body + g->blen, BODY_MAX - g->blen, fmt, ap);
		va_end(ap);
		if (n > 0 && (size_t)n < BODY_MAX - g->blen)
			g->blen += (size_t)n;
	}
	b_add(g, "}");
	snprintf(topic, sizeof(topic), "v2.detail.events.conversation.%s.%s", c->id, kind);
	publish(g, topic, c->id);
}

/* --- conversation snapshots (lower-case states, ISO-8601 times) ------------- */

static void session(gcb_sim_notif_gen_t *g, const gcb_sim_conv_t *c, const char *sid, int64_t from,
		    int64_t to, const char *dtype)
{
	b_add(g, ",\"%s\":[{\"id\":\"%s\",\"state\":\"%s\",\"direction\":\"%s\"",
	      media_keys[c->media], sid, to ? "disconnected" : "connected",
	      c->outbound ? "outbound" : "inbound");
	if (to)
		b_add(g, ",\"disconnectType\":\"%s\"", dtype);
	b_iso(g, "connectedTime", from);
	b_iso(g, "disconnectedTime", to);
	b_add(g, "}]");
}

static void snapshot(gcb_sim_notif_gen_t *g, const active_t *a, int64_t now, int wrapped)
{
	const gcb_sim_conv_t *c = &a->c;
	int64_t cust_end = c->abandoned ? c->answer_ms : c->hangup_ms;
	gcb_sim_org_entity_t u;
	char topic[128];

	(void)now;
	b_reset(g);
	b_add(g, "{\"id\":\"%s\",\"participants\":[", c->id);
	b_add(g, "{\"id\":\"%s\",\"purpose\":\"customer\",\"name\":\"Customer\",\"address\":\"%s\"",
	      c->cust_pid, c->ani);
	b_iso(g, "connectedTime", c->start_ms);
	b_iso(g, "endTime", cust_end);
	session(g, c, c->cust_sid, c->start_ms, cust_end, c->abandoned ? "client" : "peer");
	b_add(g, "},{\"id\":\"%s\",\"purpose\":\"acd\",\"queueId\":\"%s\",\"name\":\"%s\"",
	      c->acd_pid, c->queue_id, c->queue_name);
	b_iso(g, "connectedTime", c->start_ms);
	b_iso(g, "endTime", c->answer_ms);
	session(g, c, c->acd_sid, c->start_ms, c->answer_ms, c->abandoned ? "peer" : "transfer");
	b_add(g, "}");
	if (!c->abandoned && c->answer_ms) {
		if (gcb_sim_org_user(g->org, a->user, &u) < 0)
			snprintf(u.name, sizeof(u.name), "Agent");
		b_add(g,
		      ",{\"id\":\"%s\",\"purpose\":\"agent\",\"userId\":\"%s\",\"queueId\":\"%s\","
		      "\"name\":\"%s\"",
		      c->agent_pid, c->user_id, c->queue_id, u.name);
		b_iso(g, "connectedTime", c->answer_ms);
		b_iso(g, "endTime", c->hangup_ms);
		if (wrapped)
			b_add(g,
			      ",\"wrapup\":{\"code\":\"%s\",\"notes\":\"%s\","
			      "\"durationSeconds\":%" PRId64 "}",
			      c->wrapup_code, notes[a->note], (c->end_ms - c->hangup_ms) / 1000);
		session(g, c, c->agent_sid, c->answer_ms, c->hangup_ms, "client");
		b_add(g, "}");
	}
	b_add(g, "]}");
	snprintf(topic, sizeof(topic), "v2.routing.queues.%s.conversations", c->queue_id);
	publish(g, topic, c->id);
	if (!c->abandoned && c->answer_ms) {
		snprintf(topic, sizeof(topic), "v2.users.%s.conversations", c->user_id);
		publish(g, topic, c->id);
	}
}

/* --- agent state ----------------------------------------------------------- */

static agent_t *agent(gcb_sim_notif_gen_t *g, int i)
{
	size_t had = g->nagents;

	if ((size_t)i >= had) {
		if (GCB_ARRAY_RESERVE(g->agents, g->nagents, (size_t)i + 1, 64, 0) != 0)
			return NULL;
		memset(g->agents + had, 0, (g->nagents - had) * sizeof(*g->agents));
		for (size_t k = had; k < g->nagents; k++)
			g->agents[k].presence = PR_AVAILABLE;
	}
	return &g->agents[i];
}

static void user_routing(gcb_sim_notif_gen_t *g, const char *uid, const agent_t *ag)
{
	char topic[96], t[32];

	gcb_sim_notif_iso(ag->routing_ms, t);
	b_reset(g);
	b_add(g, "{\"routingStatus\":{\"status\":\"%s\",\"startTime\":\"%s\"}}",
	      routing_names[ag->routing], t);
	snprintf(topic, sizeof(topic), "v2.users.%s.routingStatus", uid);
	publish(g, topic, uid);
}

static void user_presence(gcb_sim_notif_gen_t *g, const char *uid, const agent_t *ag)
{
	char topic[96], t[32];

	gcb_sim_notif_iso(ag->presence_ms, t);
	b_reset(g);
	b_add(g,
	      "{\"presenceDefinition\":{\"id\":\"%s\",\"systemPresence\":\"%s\"},"
	      "\"modifiedDate\":\"%s\",\"source\":\"PURECLOUD\",\"message\":\"\"}",
	      g->presence_ids[ag->presence], presence_names[ag->presence], t);
	snprintf(topic, sizeof(topic), "v2.users.%s.presence", uid);
	publish(g, topic, uid);
}

static void user_activity(gcb_sim_notif_gen_t *g, const char *uid, const agent_t *ag,
			  const char *queue_id)
{
	char topic[96], rt[32], pt[32];

	gcb_sim_notif_iso(ag->routing_ms, rt);
	gcb_sim_notif_iso(ag->presence_ms, pt);
	b_reset(g);
	b_add(g,
	      "{\"id\":\"%s\",\"routingStatus\":{\"status\":\"%s\",\"startTime\":\"%s\"},"
	      "\"presence\":{\"presenceDefinition\":{\"id\":\"%s\",\"systemPresence\":\"%s\"},"
	      "\"modifiedDate\":\"%s\"},\"activeQueueIds\":[\"%s\"]}",
	      uid, routing_names[ag->routing], rt, g->presence_ids[ag->presence],
	      presence_names[ag->presence], pt, queue_id);
	snprintf(topic, sizeof(topic), "v2.users.%s.activity", uid);
	publish(g, topic, uid);
}

/* --- conversation lifecycle ----------------------------------------------- */

static int pick_media(gcb_sim_rand_t *r)
{
	uint32_t x = gcb_sim_rand_below(r, 100);

	return x < 55	? GCB_SIM_MEDIA_VOICE
	       : x < 70 ? GCB_SIM_MEDIA_CHAT
	       : x < 80 ? GCB_SIM_MEDIA_EMAIL
	       : x < 92 ? GCB_SIM_MEDIA_MESSAGE
			: GCB_SIM_MEDIA_CALLBACK;
}

static void start_one(gcb_sim_notif_gen_t *g, int64_t now, int life_ms)
{
	int nq, nu;
	gcb_sim_org_entity_t q, u;
	active_t *a;
	gcb_sim_conv_t *c;

	gcb_sim_org_counts(g->org, &nq, &nu);
	if (nq < 1 || nu < 1)
		return;
	if (GCB_ARRAY_RESERVE(g->act, g->capact, g->nact + 1, 256, 0) != 0)
		return;
	a = &g->act[g->nact++];
	memset(a, 0, sizeof(*a));
	c = &a->c;
	gcb_sim_org_queue(g->org, (int)gcb_sim_rand_below(&g->rnd, (uint32_t)nq), &q);
	a->user = (int)gcb_sim_rand_below(&g->rnd, (uint32_t)nu);
	gcb_sim_org_user(g->org, a->user, &u);
	gcb_sim_rand_uuid(&g->rnd, c->id);
	memcpy(c->queue_id, q.id, 37);
	memcpy(c->queue_name, q.name, sizeof(c->queue_name));
	memcpy(c->user_id, u.id, 37);
	gcb_sim_rand_uuid(&g->rnd, c->cust_pid);
	gcb_sim_rand_uuid(&g->rnd, c->acd_pid);
	gcb_sim_rand_uuid(&g->rnd, c->agent_pid);
	gcb_sim_rand_uuid(&g->rnd, c->cust_sid);
	gcb_sim_rand_uuid(&g->rnd, c->acd_sid);
	gcb_sim_rand_uuid(&g->rnd, c->agent_sid);
	snprintf(c->ani, sizeof(c->ani), "tel:+1212555%04u", gcb_sim_rand_below(&g->rnd, 10000));
	snprintf(c->dnis, sizeof(c->dnis), "tel:+1800555%04u", gcb_sim_rand_below(&g->rnd, 100));
	c->media = (uint8_t)pick_media(&g->rnd);
	c->outbound = gcb_sim_rand_chance(&g->rnd, 0.3);
	c->abandoned = gcb_sim_rand_chance(&g->rnd, 0.08);
	snprintf(c->wrapup_code, sizeof(c->wrapup_code), "%s",
		 wrapups[gcb_sim_rand_below(&g->rnd, 5)]);
	a->note = (uint8_t)gcb_sim_rand_below(&g->rnd, 5);
	a->life = 200 + gcb_sim_rand_below(&g->rnd, 1801);
	if (life_ms > 0)
		a->life = life_ms;
	a->t0 = now;
	c->start_ms = now;
	a->seq = gcb_sim_analytics_add(g->an, c);
	pthread_mutex_lock(&g->lock);
	g->started++;
	pthread_mutex_unlock(&g->lock);

	detail(g, a, "customer.start", WHO_CUSTOMER, now, NULL);
	detail(g, a, "acd.start", WHO_ACD, now, NULL);
	snapshot(g, a, now, 0);
	a->step = 1;
}

/* Runs the next step of @a; returns 1 when the conversation is over. */
static int step(gcb_sim_notif_gen_t *g, active_t *a, int64_t now)
{
	gcb_sim_conv_t *c = &a->c;
	agent_t *ag = agent(g, a->user);
	int64_t talk;

	if (!ag)
		return 1;
	switch (a->step) {
	case 1: /* answered by the agent, or abandoned in queue */
		c->answer_ms = now;
		if (c->abandoned) {
			detail(g, a, "acd.end", WHO_ACD, now,
			       ",\"acdOutcome\":\"ABANDON\",\"disconnectType\":\"PEER\","
			       "\"interactingDurationMs\":%" PRId64,
			       now - c->start_ms);
			detail(g, a, "customer.end", WHO_CUSTOMER, now,
			       ",\"disconnectType\":\"CLIENT\",\"interactingDurationMs\":%" PRId64,
			       now - c->start_ms);
			c->end_ms = now;
			snapshot(g, a, now, 0);
			gcb_sim_analytics_update(g->an, a->seq, c);
			pthread_mutex_lock(&g->lock);
			g->abandoned++;
			pthread_mutex_unlock(&g->lock);
			return 1;
		}
		detail(g, a, "acd.end", WHO_ACD, now,
		       ",\"acdOutcome\":\"ANSWERED\",\"disconnectType\":\"TRANSFER\","
		       "\"interactingDurationMs\":%" PRId64,
		       now - c->start_ms);
		detail(g, a, "user.start", WHO_AGENT, now, NULL);
		if (ag->presence != PR_ON_QUEUE) {
			ag->presence = PR_ON_QUEUE;
			ag->presence_ms = now;
			user_presence(g, c->user_id, ag);
		}
		ag->routing = RS_INTERACTING;
		ag->routing_ms = now;
		user_routing(g, c->user_id, ag);
		user_activity(g, c->user_id, ag, c->queue_id);
		snapshot(g, a, now, 0);
		break;
	case 2: /* hang-up */
		c->hangup_ms = now;
		talk = now - c->answer_ms;
		detail(g, a, "user.end", WHO_AGENT, now,
		       ",\"disconnectType\":\"CLIENT\",\"interactingDurationMs\":%" PRId64, talk);
		detail(g, a, "customer.end", WHO_CUSTOMER, now,
		       ",\"disconnectType\":\"PEER\",\"interactingDurationMs\":%" PRId64, talk);
		snapshot(g, a, now, 0);
		break;
	case 3: /* after-call work done */
		c->end_ms = now;
		detail(
		    g, a, "acw", WHO_AGENT, now,
		    ",\"wrapupCode\":\"%s\",\"wrapupNotes\":\"%s\",\"wrapupDurationMs\":%" PRId64,
		    c->wrapup_code, notes[a->note], now - c->hangup_ms);
		detail(
		    g, a, "wrapup", WHO_AGENT, now,
		    ",\"wrapupCode\":\"%s\",\"wrapupNotes\":\"%s\",\"wrapupDurationMs\":%" PRId64,
		    c->wrapup_code, notes[a->note], now - c->hangup_ms);
		snapshot(g, a, now, 1);
		ag->routing = RS_IDLE;
		ag->routing_ms = now;
		user_routing(g, c->user_id, ag);
		if (gcb_sim_rand_chance(&g->rnd, 0.1)) {
			/* A break now and then; the next conversation puts the
			 * agent back on queue. */
			ag->presence = (uint8_t)(PR_AVAILABLE + gcb_sim_rand_below(&g->rnd, 4));
			ag->presence_ms = now;
			user_presence(g, c->user_id, ag);
		}
		user_activity(g, c->user_id, ag, c->queue_id);
		gcb_sim_analytics_update(g->an, a->seq, c);
		return 1;
	}
	gcb_sim_analytics_update(g->an, a->seq, c);
	a->step++;
	return 0;
}

static int64_t step_due(const active_t *a)
{
	static const int pct[] = {0, 25, 75, 100};

	return a->t0 + a->life * pct[a->step] / 100;
}

static void *run(void *arg)
{
	gcb_sim_notif_gen_t *g = arg;
	int64_t t0 = mono_ms();
	uint64_t by_rate = 0;

	for (;;) {
		int64_t now = gcb_sim_notif_now_ms();
		uint64_t want = 0, n, nfixed;
		int life;
		struct timespec dl;

		pthread_mutex_lock(&g->lock);
		if (g->stop) {
			pthread_mutex_unlock(&g->lock);
			break;
		}
		n = g->pending > STARTS_PER_TICK ? STARTS_PER_TICK : g->pending;
		g->pending -= n;
		nfixed = g->pending_fixed > STARTS_PER_TICK ? STARTS_PER_TICK : g->pending_fixed;
		g->pending_fixed -= nfixed;
		life = g->fixed_life_ms;
		pthread_mutex_unlock(&g->lock);
		if (g->conf.rate > 0) {
			want = (uint64_t)(g->conf.rate * (double)(mono_ms() - t0) / 1000.0);
			if (want > by_rate + STARTS_PER_TICK)
				by_rate = want - STARTS_PER_TICK; /* fell behind: skip */
			n += want - by_rate;
			by_rate = want;
		}
		for (uint64_t i = 0; i < n; i++)
			start_one(g, now, 0);
		for (uint64_t i = 0; i < nfixed; i++)
			start_one(g, now, life);
		for (size_t i = 0; i < g->nact;) {
			active_t *a = &g->act[i];

			if (step_due(a) <= now && step(g, a, gcb_sim_notif_now_ms())) {
				g->act[i] = g->act[--g->nact];
				pthread_mutex_lock(&g->lock);
				g->finished++;
				pthread_mutex_unlock(&g->lock);
				continue;
			}
			i++;
		}
		gcb_sim_notif_tick(g->hub);
		pthread_mutex_lock(&g->lock);
		g->published = g->npub;
		clock_gettime(CLOCK_REALTIME, &dl);
		dl.tv_nsec += 10 * 1000000;
		if (dl.tv_nsec >= 1000000000) {
			dl.tv_sec++;
			dl.tv_nsec -= 1000000000;
		}
		if (!g->stop && !g->pending && !g->pending_fixed)
			pthread_cond_timedwait(&g->cond, &g->lock, &dl);
		pthread_mutex_unlock(&g->lock);
	}
	return NULL;
}

gcb_sim_notif_gen_t *gcb_sim_notif_gen_new(const gcb_sim_notif_gen_conf_t *conf, gcb_sim_org_t *org,
					   gcb_sim_notif_t *hub, gcb_sim_analytics_t *an,
					   char *errstr, size_t errstr_size)
{
	gcb_sim_notif_gen_t *g = calloc(1, sizeof(*g));

	if (!g) {
		snprintf(errstr, errstr_size, "calloc() failed");
		return NULL;
	}
	g->conf = *conf;
	g->org = org;
	g->hub = hub;
	g->an = an;
	pthread_mutex_init(&g->lock, NULL);
	pthread_cond_init(&g->cond, NULL);
	gcb_sim_rand_init(&g->rnd, conf->seed, 14);
	gcb_sim_rand_uuid(&g->rnd, g->division);
	for (int i = 0; i < PR_N; i++)
		gcb_sim_rand_uuid(&g->rnd, g->presence_ids[i]);
	if (pthread_create(&g->thread, NULL, run, g) != 0) {
		snprintf(errstr, errstr_size, "pthread_create() failed");
		gcb_sim_notif_gen_destroy(g);
		return NULL;
	}
	g->started_thread = 1;
	return g;
}

void gcb_sim_notif_gen_destroy(gcb_sim_notif_gen_t *g)
{
	if (!g)
		return;
	if (g->started_thread) {
		pthread_mutex_lock(&g->lock);
		g->stop = 1;
		pthread_cond_broadcast(&g->cond);
		pthread_mutex_unlock(&g->lock);
		pthread_join(g->thread, NULL);
	}
	free(g->act);
	free(g->agents);
	pthread_cond_destroy(&g->cond);
	pthread_mutex_destroy(&g->lock);
	free(g);
}

void gcb_sim_notif_gen_start(gcb_sim_notif_gen_t *g, uint64_t n, int life_ms)
{
	pthread_mutex_lock(&g->lock);
	if (life_ms > 0) {
		g->pending_fixed += n;
		g->fixed_life_ms = life_ms;
	} else {
		g->pending += n;
	}
	pthread_cond_broadcast(&g->cond);
	pthread_mutex_unlock(&g->lock);
}

void gcb_sim_notif_gen_stats(gcb_sim_notif_gen_t *g, cJSON *s)
{
	pthread_mutex_lock(&g->lock);
	cJSON_AddNumberToObject(s, "conversationsStarted", (double)g->started);
	cJSON_AddNumberToObject(s, "conversationsFinished", (double)g->finished);
	cJSON_AddNumberToObject(s, "conversationsAbandoned", (double)g->abandoned);
	cJSON_AddNumberToObject(s, "conversationsPending", (double)(g->pending + g->pending_fixed));
	cJSON_AddNumberToObject(s, "published", (double)g->published);
	pthread_mutex_unlock(&g->lock);
}
