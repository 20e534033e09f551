/*
 * Traffic model and event serialization. Events are written with a small
 * bounds-checked appender straight into the event's json buffer (no JSON tree),
 * since this runs for every generated event.
 */
#include "tools/sim/gcb_sim_gen.h"

#include <errno.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

enum conv_stage { CONV_IDLE, CONV_ALERTING, CONV_CONNECTED, CONV_HELD };

typedef struct conv {
	char id[37];
	uint32_t seq;
	uint8_t stage;
	uint8_t direction;
	uint8_t media;
	uint8_t queue;
	int16_t agent;	  /* -1 until connected */
	int16_t campaign; /* -1 when none */
	int64_t start_ms;
	char ani[24];
	char dnis[24];
} conv_t;

typedef struct agent {
	char id[37];
	uint32_t seq;
	uint8_t routing;
	uint8_t presence;
} agent_t;

struct gcb_sim_gen {
	gcb_sim_gen_conf_t conf;
	gcb_sim_rand_t rnd;
	double vclock_ms;
	int64_t ts_sec; /* cached seconds part of the last timestamp */
	char ts_prefix[24];
	conv_t *convs;
	agent_t *agents;
	char (*queue_ids)[37];
	char campaign_ids[4][37];
};

static const char *const directions[] = {"inbound", "outbound"};
static const char *const medias[] = {"voice", "chat", "email", "message", "callback"};
static const char *const statuses[] = {"alerting", "connected", "held", "completed",
				       "disconnected"};
static const char *const routings[] = {"OFF_QUEUE", "IDLE", "INTERACTING", "NOT_RESPONDING",
				       "COMMUNICATING"};
static const char *const presences[] = {"On Queue", "Available", "Away",     "Busy",
					"Offline",  "Meal",	 "Training", "Meeting"};
enum { ST_ALERTING, ST_CONNECTED, ST_HELD, ST_COMPLETED, ST_DISCONNECTED };
enum { RS_OFF_QUEUE, RS_IDLE, RS_INTERACTING, RS_NOT_RESPONDING, RS_COMMUNICATING };

/* Wrap-up codes; notes exercise JSON escapes and non-ASCII text. */
static const struct {
	const char *code, *name;
} dispositions[] = {
    {"SALE", "Sale"},
    {"NO_SALE", "No sale"},
    {"RESOLVED", "Issue resolved"},
    {"CALLBACK", "Callback requested"},
    {"ESCALATED", "Escalated to supervisor"},
    {"WRONG_NUMBER", "Wrong number"},
    {"ABANDONED", "Abandoned in queue"}, /* only for abandoned conversations */
};
#define DISP_ABANDONED 6
#define DISP_PICKED    6 /* dispositions an agent picks from */
static const char *const notes[] = {
    "Customer asked about billing",
    "Said \\\"call me after 5pm\\\"",
    "Caf\\u00e9 order, follow-up by email",
    "Line 1\\nLine 2",
    "Prefers Espa\u00f1ol",
};

#define N(a) ((int)(sizeof(a) / sizeof((a)[0])))

const char *gcb_sim_entity_name(int entity_type)
{
	return entity_type == GCB_SIM_INTERACTION ? "interaction" : "agentstate";
}

const char *gcb_sim_evtype_name(int event_type)
{
	return event_type == GCB_SIM_CREATED ? "created" : "updated";
}

gcb_sim_gen_t *gcb_sim_gen_new(const gcb_sim_gen_conf_t *conf, char *errstr, size_t errstr_size)
{
	gcb_sim_gen_t *g;

	if (conf->conversations < 1 || conf->agents < 1 || conf->queues < 1) {
		snprintf(errstr, errstr_size, "conversations, agents and queues must be >= 1");
		return NULL;
	}
	g = calloc(1, sizeof(*g));
	if (!g)
		goto fail;
	g->conf = *conf;
	g->vclock_ms = (double)conf->start_ms;
	g->ts_sec = -1;
	gcb_sim_rand_init(&g->rnd, conf->seed, 1);
	g->convs = calloc((size_t)conf->conversations, sizeof(*g->convs));
	g->agents = calloc((size_t)conf->agents, sizeof(*g->agents));
	g->queue_ids = calloc((size_t)conf->queues, sizeof(*g->queue_ids));
	if (!g->convs || !g->agents || !g->queue_ids)
		goto fail;
	for (int i = 0; i < conf->queues; i++)
		gcb_sim_rand_uuid(&g->rnd, g->queue_ids[i]);
	for (int i = 0; i < N(g->campaign_ids); i++)
		gcb_sim_rand_uuid(&g->rnd, g->campaign_ids[i]);
	for (int i = 0; i < conf->agents; i++) {
		gcb_sim_rand_uuid(&g->rnd, g->agents[i].id);
		g->agents[i].routing = RS_OFF_QUEUE;
		g->agents[i].presence = 4; /* Offline */
	}
	return g;
fail:
	snprintf(errstr, errstr_size, "calloc() failed: %s", strerror(ENOMEM));
	gcb_sim_gen_destroy(g);
	return NULL;
}

void gcb_sim_gen_destroy(gcb_sim_gen_t *g)
{
	if (!g)
		return;
	free(g->convs);
	free(g->agents);
	free(g->queue_ids);
	free(g);
}

/* Bounds-checked appender over an event's json buffer. */
typedef struct jb {
	gcb_sim_event_t *ev;
	char *p;
	char *end;
} jb_t;

static void jb_raw(jb_t *b, const char *s, size_t n)
{
	if (n > (size_t)(b->end - b->p))
		n = (size_t)(b->end - b->p);
	memcpy(b->p, s, n);
	b->p += n;
}

static void jb_lit(jb_t *b, const char *s)
{
	jb_raw(b, s, strlen(s));
}

static void jb_u64(jb_t *b, uint64_t v)
{
	char tmp[24];
	int n = 0;

	do {
		tmp[sizeof(tmp) - 1 - n++] = (char)('0' + v % 10);
		v /= 10;
	} while (v);
	jb_raw(b, tmp + sizeof(tmp) - n, (size_t)n);
}

/* Starts data field @key: writes ,"key": and remembers where the value begins. */
static void jb_key(jb_t *b, const char *key, const char *path, int first)
{
	gcb_sim_event_t *ev = b->ev;

	if (!first)
		jb_raw(b, ",", 1);
	jb_raw(b, "\"", 1);
	jb_lit(b, key);
	jb_raw(b, "\":", 2);
	if (ev->nfields < GCB_SIM_FIELDS_MAX) {
		ev->fields[ev->nfields].key = path;
		ev->fields[ev->nfields].off = (uint16_t)(b->p - ev->json);
		ev->fields[ev->nfields].len = 0;
	}
}

/* Ends the value started by the last jb_key. */
static void jb_endval(jb_t *b)
{
	gcb_sim_event_t *ev = b->ev;

	if (ev->nfields < GCB_SIM_FIELDS_MAX) {
		ev->fields[ev->nfields].len =
		    (uint16_t)(b->p - ev->json - ev->fields[ev->nfields].off);
		ev->nfields++;
	}
}

/* A field whose string value needs no escaping. */
static void jb_sfield(jb_t *b, const char *key, const char *path, const char *val, int first)
{
	jb_key(b, key, path, first);
	jb_raw(b, "\"", 1);
	jb_lit(b, val);
	jb_raw(b, "\"", 1);
	jb_endval(b);
}

static void jb_nfield(jb_t *b, const char *key, uint64_t val)
{
	jb_key(b, key, key, 0);
	jb_u64(b, val);
	jb_endval(b);
}

static void fmt_ts(gcb_sim_gen_t *g, int64_t ms, char out[25])
{
	int64_t sec = ms / 1000;

	if (sec != g->ts_sec) {
		time_t t = (time_t)sec;
		struct tm tm;

		gmtime_r(&t, &tm);
		strftime(g->ts_prefix, sizeof(g->ts_prefix), "%Y-%m-%dT%H:%M:%S", &tm);
		g->ts_sec = sec;
	}
	int frac = (int)(ms % 1000);

	/* ts_prefix is always 19 chars ("YYYY-MM-DDTHH:MM:SS"). */
	memcpy(out, g->ts_prefix, 19);
	out[19] = '.';
	out[20] = (char)('0' + frac / 100);
	out[21] = (char)('0' + frac / 10 % 10);
	out[22] = (char)('0' + frac % 10);
	out[23] = 'Z';
	out[24] = 0;
}

static void rand_phone(gcb_sim_gen_t *g, char *out, size_t size)
{
	snprintf(out, size, "tel:+1%03u555%04u", 200 + gcb_sim_rand_below(&g->rnd, 790),
		 gcb_sim_rand_below(&g->rnd, 10000));
}

enum bad_kind { BAD_SEQ_STRING, BAD_NO_ID, BAD_ENUM, BAD_DATA_STRING, BAD_TIMESTAMP, BAD_KINDS };
enum drift_kind { DRIFT_RENAME, DRIFT_MISSING, DRIFT_EXTRA, DRIFT_KINDS };

/* Writes the common envelope up to and including "data":{ (or a bad data). */
static int write_head(jb_t *b, gcb_sim_gen_t *g, gcb_sim_event_t *ev, int bad)
{
	char ts[25];

	fmt_ts(g, (int64_t)g->vclock_ms, ts);
	jb_lit(b, "{\"id\":\"");
	jb_lit(b, ev->id);
	jb_lit(b, "\",\"entityType\":\"");
	jb_lit(b, gcb_sim_entity_name(ev->entity_type));
	jb_lit(b, "\",\"eventType\":\"");
	jb_lit(b, gcb_sim_evtype_name(ev->event_type));
	jb_lit(b, "\",\"eventTimestamp\":\"");
	if (bad == BAD_TIMESTAMP)
		jb_lit(b, "27/11/2026 10:15");
	else
		jb_lit(b, ts);
	jb_lit(b, "\",\"entityId\":\"");
	jb_lit(b, ev->entity_id);
	jb_lit(b, "\",\"sequence\":");
	if (bad == BAD_SEQ_STRING)
		jb_raw(b, "\"", 1);
	jb_u64(b, ev->sequence);
	if (bad == BAD_SEQ_STRING)
		jb_raw(b, "\"", 1);
	if (bad == BAD_DATA_STRING) {
		jb_lit(b, ",\"data\":\"not an object\"}");
		return 0;
	}
	jb_lit(b, ",\"data\":{");
	return 1;
}

static void finish(jb_t *b, gcb_sim_event_t *ev)
{
	jb_raw(b, "}}", 2);
	if (b->p == b->end) {
		/* Cannot happen with the fixed field set; keep the JSON valid anyway. */
		fprintf(stderr, "gcb-sim: event %s exceeds %d bytes\n", ev->id, GCB_SIM_JSON_MAX);
		abort();
	}
	ev->json_len = (uint16_t)(b->p - ev->json);
}

static void gen_interaction(gcb_sim_gen_t *g, conv_t *c, int status, int disp, int bad, int drift,
			    gcb_sim_event_t *ev)
{
	jb_t b = {ev, ev->json, ev->json + sizeof(ev->json) - 1};
	char ts[25];

	ev->entity_type = GCB_SIM_INTERACTION;
	ev->event_type = status == ST_ALERTING ? GCB_SIM_CREATED : GCB_SIM_UPDATED;
	memcpy(ev->entity_id, c->id, sizeof(ev->entity_id));
	ev->sequence = ++c->seq;
	if (!write_head(&b, g, ev, bad)) {
		ev->json_len = (uint16_t)(b.p - ev->json);
		return;
	}
	if (bad == BAD_NO_ID)
		jb_sfield(&b, "direction", "direction", directions[c->direction], 1);
	else {
		jb_sfield(&b, "conversationId", "conversationId", c->id, 1);
		jb_sfield(&b, "direction", "direction", directions[c->direction], 0);
	}
	if (drift == DRIFT_RENAME && c->campaign < 0)
		jb_sfield(&b, "media_type", "media_type", medias[c->media], 0);
	else
		jb_sfield(&b, "mediaType", "mediaType", medias[c->media], 0);
	jb_sfield(&b, "status", "status", bad == BAD_ENUM ? "transferred" : statuses[status], 0);
	if (drift != DRIFT_MISSING)
		jb_sfield(&b, "queueId", "queueId", g->queue_ids[c->queue], 0);
	if (c->agent >= 0)
		jb_sfield(&b, "userId", "userId", g->agents[c->agent].id, 0);
	jb_sfield(&b, "ani", "ani", c->ani, 0);
	jb_sfield(&b, "dnis", "dnis", c->dnis, 0);
	if (c->campaign >= 0) {
		if (drift == DRIFT_RENAME)
			jb_sfield(&b, "campaign_id", "campaign_id", g->campaign_ids[c->campaign],
				  0);
		else
			jb_sfield(&b, "campaignId", "campaignId", g->campaign_ids[c->campaign], 0);
	}
	if (disp >= 0) {
		int note = (int)gcb_sim_rand_below(&g->rnd, 2 * N(notes));

		jb_lit(&b, ",\"disposition\":{");
		jb_sfield(&b, "code", "disposition.code", dispositions[disp].code, 1);
		jb_sfield(&b, "name", "disposition.name", dispositions[disp].name, 0);
		if (note < N(notes)) {
			jb_key(&b, "notes", "disposition.notes", 0);
			jb_raw(&b, "\"", 1);
			jb_lit(&b, notes[note]);
			jb_raw(&b, "\"", 1);
			jb_endval(&b);
		}
		jb_raw(&b, "}", 1);
		jb_nfield(&b, "durationMs", (uint64_t)((int64_t)g->vclock_ms - c->start_ms));
	}
	if (drift == DRIFT_EXTRA) {
		fmt_ts(g, (int64_t)g->vclock_ms, ts);
		jb_sfield(&b, "updatedAt", "updatedAt", ts, 0);
		jb_nfield(&b, "schemaVersion", 3);
	}
	finish(&b, ev);
}

static void gen_agent(gcb_sim_gen_t *g, agent_t *a, int bad, int drift, gcb_sim_event_t *ev)
{
	jb_t b = {ev, ev->json, ev->json + sizeof(ev->json) - 1};
	char ts[25];

	ev->entity_type = GCB_SIM_AGENTSTATE;
	ev->event_type = GCB_SIM_UPDATED;
	memcpy(ev->entity_id, a->id, sizeof(ev->entity_id));
	ev->sequence = ++a->seq;
	if (!write_head(&b, g, ev, bad)) {
		ev->json_len = (uint16_t)(b.p - ev->json);
		return;
	}
	if (bad != BAD_NO_ID)
		jb_sfield(&b, "userId", "userId", a->id, 1);
	jb_sfield(&b, "routingStatus", "routingStatus",
		  bad == BAD_ENUM ? "ON_BREAK" : routings[a->routing], bad == BAD_NO_ID);
	if (drift == DRIFT_RENAME)
		jb_sfield(&b, "presenceDefinition", "presenceDefinition", presences[a->presence],
			  0);
	else if (drift != DRIFT_MISSING)
		jb_sfield(&b, "presence", "presence", presences[a->presence], 0);
	fmt_ts(g, (int64_t)g->vclock_ms, ts);
	jb_sfield(&b, "startTime", "startTime", ts, 0);
	if (drift == DRIFT_EXTRA)
		jb_sfield(&b, "activity", "activity", "Working", 0);
	finish(&b, ev);
}

/* Next routing status of an agent: a small Markov chain. */
static void agent_step(gcb_sim_gen_t *g, agent_t *a)
{
	uint32_t r = gcb_sim_rand_below(&g->rnd, 100);

	switch (a->routing) {
	case RS_OFF_QUEUE:
		a->routing = r < 70 ? RS_IDLE : RS_OFF_QUEUE;
		break;
	case RS_IDLE:
		a->routing = r < 60   ? RS_INTERACTING
			     : r < 75 ? RS_COMMUNICATING
			     : r < 85 ? RS_NOT_RESPONDING
				      : RS_OFF_QUEUE;
		break;
	case RS_NOT_RESPONDING:
		a->routing = r < 50 ? RS_IDLE : RS_OFF_QUEUE;
		break;
	default:
		a->routing = r < 85 ? RS_IDLE : RS_OFF_QUEUE;
		break;
	}
	if (a->routing == RS_OFF_QUEUE)
		a->presence = (uint8_t)(1 + gcb_sim_rand_below(&g->rnd, N(presences) - 1));
	else
		a->presence = 0;
}

static void conv_start(gcb_sim_gen_t *g, conv_t *c)
{
	uint32_t m = gcb_sim_rand_below(&g->rnd, 100);

	gcb_sim_rand_uuid(&g->rnd, c->id);
	c->seq = 0;
	c->direction = gcb_sim_rand_below(&g->rnd, 100) < 70 ? 0 : 1;
	c->media = m < 55 ? 0 : m < 70 ? 1 : m < 80 ? 2 : m < 92 ? 3 : 4;
	c->queue = (uint8_t)gcb_sim_rand_below(&g->rnd, (uint32_t)g->conf.queues);
	c->agent = -1;
	c->campaign = -1;
	if (c->direction == 1 && gcb_sim_rand_below(&g->rnd, 100) < 60)
		c->campaign = (int16_t)gcb_sim_rand_below(&g->rnd, N(g->campaign_ids));
	c->start_ms = (int64_t)g->vclock_ms;
	rand_phone(g, c->ani, sizeof(c->ani));
	snprintf(c->dnis, sizeof(c->dnis), "tel:+1800555%04u", 100 + 10 * (unsigned)c->queue);
	if (c->direction == 1) {
		char t[24];

		memcpy(t, c->ani, sizeof(t));
		memcpy(c->ani, c->dnis, sizeof(t));
		memcpy(c->dnis, t, sizeof(t));
	}
}

void gcb_sim_gen_next(gcb_sim_gen_t *g, uint64_t pos, double bad_rate, double drift_rate,
		      gcb_sim_event_t *ev)
{
	int bad = -1, drift = -1;
	double u;

	u = gcb_sim_rand_unit(&g->rnd);
	if (u <= 0)
		u = 0x1.0p-53;
	g->vclock_ms += -log(u) * g->conf.mean_gap_ms;

	ev->pos = pos;
	ev->nfields = 0;
	ev->flags = 0;
	gcb_sim_rand_uuid(&g->rnd, ev->id);
	if (gcb_sim_rand_chance(&g->rnd, bad_rate)) {
		bad = (int)gcb_sim_rand_below(&g->rnd, BAD_KINDS);
		ev->flags |= GCB_SIM_EV_BAD;
	} else if (gcb_sim_rand_chance(&g->rnd, drift_rate)) {
		drift = (int)gcb_sim_rand_below(&g->rnd, DRIFT_KINDS);
		ev->flags |= GCB_SIM_EV_DRIFT;
	}

	if (gcb_sim_rand_below(&g->rnd, 100) < 25) {
		agent_t *a = &g->agents[gcb_sim_rand_below(&g->rnd, (uint32_t)g->conf.agents)];

		agent_step(g, a);
		gen_agent(g, a, bad, drift, ev);
		return;
	}

	conv_t *c = &g->convs[gcb_sim_rand_below(&g->rnd, (uint32_t)g->conf.conversations)];
	uint32_t r = gcb_sim_rand_below(&g->rnd, 100);
	int disp = -1, status;

	switch (c->stage) {
	case CONV_IDLE:
		conv_start(g, c);
		c->stage = CONV_ALERTING;
		status = ST_ALERTING;
		break;
	case CONV_ALERTING:
		if (r < 8) {
			/* Abandoned in queue. */
			status = ST_DISCONNECTED;
			disp = DISP_ABANDONED;
			c->stage = CONV_IDLE;
		} else {
			c->agent = (int16_t)gcb_sim_rand_below(&g->rnd, (uint32_t)g->conf.agents);
			status = ST_CONNECTED;
			c->stage = CONV_CONNECTED;
		}
		break;
	case CONV_CONNECTED:
		if (r < 20 && c->media == 0) {
			status = ST_HELD;
			c->stage = CONV_HELD;
		} else {
			status = r < 88 ? ST_COMPLETED : ST_DISCONNECTED;
			disp = (int)gcb_sim_rand_below(&g->rnd, DISP_PICKED);
			c->stage = CONV_IDLE;
		}
		break;
	default:
		status = ST_CONNECTED;
		c->stage = CONV_CONNECTED;
		break;
	}
	gen_interaction(g, c, status, disp, bad, drift, ev);
}
