#include "tools/sim/gcb_sim_fault.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

const char *const gcb_sim_fault_help =
    "  --fault-429-every=N       every Nth API request starts a 429 storm (0 = off)\n"
    "  --fault-429-rate=P        probability [0..1] that a request starts a 429 storm\n"
    "  --fault-429-storm=K       consecutive 429 answers per storm (default 1)\n"
    "  --fault-retry-after=S     Retry-After seconds on 429 (default 1; -1 = omit)\n"
    "  --fault-5xx-rate=P        probability of a 5xx answer\n"
    "  --fault-5xx-codes=LIST    5xx codes to pick from (default 500,502,503,504)\n"
    "  --fault-401-rate=P        probability an API call (not /oauth/token) answers\n"
    "                            401 bad.credentials although its token is valid\n"
    "  --fault-delay-ms=MS       delay answers by MS milliseconds\n"
    "  --fault-delay-rate=P      probability a request is delayed (default 1)\n"
    "  --fault-garbage-rate=P    200 poll answer with a truncated or non-JSON body\n"
    "  --fault-410-rate=P        poll answers 410 cursor.expired: the retention\n"
    "                            window jumps just past the request cursor, so exactly\n"
    "                            one unseen event is lost (only when one exists)\n"
    "  --fault-bad-event-rate=P  generated event is schema-invalid (body stays JSON)\n"
    "  --fault-drift-rate=P      generated event has schema drift (renamed, missing\n"
    "                            or extra fields, e.g. campaignId -> campaign_id)\n"
    "  --fault-scope=all|poll    request faults hit every API request (default) or\n"
    "                            only polls\n"
    "  --fault-channel-ttl=S     lifetime of notification channels created from now\n"
    "                            on (default 86400; same as --channel-ttl)\n"
    "  --fault-analytics-429-every=N  every Nth analytics request answers 429 with\n"
    "                            Retry-After (retry-after; 0 = off)\n"
    "  --fault-analytics-fail-every=N every Nth analytics job ends FAILED (0 = off)\n"
    "  --fault-analytics-job-delay-ms=MS  analytics jobs go QUEUED -> PENDING ->\n"
    "                            FULFILLED over MS (default 500)\n"
    "  --fault-analytics-lag-ms=MS   the analytics data lake lags real time by MS:\n"
    "                            jobs/availability answers now - MS and jobs miss\n"
    "                            conversations that started after it (default 0)\n"
    "  --fault-subscribe-reject-rate=P  share of topics the client lacks a permission\n"
    "                            for (the same topics every time): Rejected with\n"
    "                            ignoreErrors=true, else the request fails 400\n"
    "  --fault-channel-outlives-token=0|1  1: a channel lives on when the token that\n"
    "                            created it expires (default 0: it is closed then)\n"
    "  --fault-detail-events-eventbridge-only=0|1  1: availabletopics lists the\n"
    "                            detail-event families for EventBridge and\n"
    "                            ProcessAutomation only, not WebSocket (default 0)\n"
    "  --fault-missing-permissions=P,...  the client's role lacks these permissions:\n"
    "                            topics requiring one are Rejected, analytics answers\n"
    "                            403 without analytics:conversationDetail:view\n";

static void defaults(gcb_sim_fault_conf_t *c)
{
	memset(c, 0, sizeof(*c));
	c->storm_429 = 1;
	c->retry_after = 1;
	c->delay_rate = 1;
	c->codes_5xx[0] = 500;
	c->codes_5xx[1] = 502;
	c->codes_5xx[2] = 503;
	c->codes_5xx[3] = 504;
	c->ncodes_5xx = 4;
	c->channel_ttl_s = 86400;
	c->analytics_job_delay_ms = 500;
}

void gcb_sim_faults_init(gcb_sim_faults_t *f, uint64_t seed)
{
	memset(f, 0, sizeof(*f));
	pthread_mutex_init(&f->lock, NULL);
	gcb_sim_rand_init(&f->rnd, seed, 4);
	defaults(&f->conf);
}

void gcb_sim_faults_fini(gcb_sim_faults_t *f)
{
	pthread_mutex_destroy(&f->lock);
}

void gcb_sim_faults_reset(gcb_sim_faults_t *f)
{
	pthread_mutex_lock(&f->lock);
	defaults(&f->conf);
	f->storm_left = 0;
	pthread_mutex_unlock(&f->lock);
}

static int parse_int(const char *v, int lo, int hi, int *out)
{
	char *end;
	long x;

	errno = 0;
	x = strtol(v, &end, 10);
	if (errno || end == v || *end || x < lo || x > hi)
		return -EINVAL;
	*out = (int)x;
	return 0;
}

static int parse_prob(const char *v, double *out)
{
	char *end;
	double x;

	errno = 0;
	x = strtod(v, &end);
	if (errno || end == v || *end || !(x >= 0 && x <= 1))
		return -EINVAL;
	*out = x;
	return 0;
}

static int parse_codes(const char *v, gcb_sim_fault_conf_t *c)
{
	int codes[8], n = 0;
	char buf[128], *save, *tok;

	if (strlen(v) >= sizeof(buf))
		return -EINVAL;
	strcpy(buf, v);
	for (tok = strtok_r(buf, ",", &save); tok; tok = strtok_r(NULL, ",", &save)) {
		if (n == 8 || parse_int(tok, 500, 599, &codes[n]) < 0)
			return -EINVAL;
		n++;
	}
	if (!n)
		return -EINVAL;
	memcpy(c->codes_5xx, codes, sizeof(codes));
	c->ncodes_5xx = n;
	return 0;
}

int gcb_sim_faults_set(gcb_sim_faults_t *f, const char *name, const char *value, char *errstr,
		       size_t errstr_size)
{
	gcb_sim_fault_conf_t c;
	int rc = -EINVAL;

	pthread_mutex_lock(&f->lock);
	c = f->conf;
	if (!strcmp(name, "429-every"))
		rc = parse_int(value, 0, 1 << 30, &c.every_429);
	else if (!strcmp(name, "429-rate"))
		rc = parse_prob(value, &c.rate_429);
	else if (!strcmp(name, "429-storm"))
		rc = parse_int(value, 1, 1 << 20, &c.storm_429);
	else if (!strcmp(name, "retry-after"))
		rc = parse_int(value, -1, 3600, &c.retry_after);
	else if (!strcmp(name, "5xx-rate"))
		rc = parse_prob(value, &c.rate_5xx);
	else if (!strcmp(name, "401-rate"))
		rc = parse_prob(value, &c.rate_401);
	else if (!strcmp(name, "5xx-codes"))
		rc = parse_codes(value, &c);
	else if (!strcmp(name, "delay-ms"))
		rc = parse_int(value, 0, 600000, &c.delay_ms);
	else if (!strcmp(name, "delay-rate"))
		rc = parse_prob(value, &c.delay_rate);
	else if (!strcmp(name, "garbage-rate"))
		rc = parse_prob(value, &c.garbage_rate);
	else if (!strcmp(name, "410-rate"))
		rc = parse_prob(value, &c.rate_410);
	else if (!strcmp(name, "bad-event-rate"))
		rc = parse_prob(value, &c.bad_event_rate);
	else if (!strcmp(name, "drift-rate"))
		rc = parse_prob(value, &c.drift_rate);
	else if (!strcmp(name, "channel-ttl"))
		rc = parse_int(value, 1, 1 << 30, &c.channel_ttl_s);
	else if (!strcmp(name, "analytics-429-every"))
		rc = parse_int(value, 0, 1 << 30, &c.analytics_429_every);
	else if (!strcmp(name, "analytics-fail-every"))
		rc = parse_int(value, 0, 1 << 30, &c.analytics_fail_every);
	else if (!strcmp(name, "analytics-job-delay-ms"))
		rc = parse_int(value, 0, 3600000, &c.analytics_job_delay_ms);
	else if (!strcmp(name, "missing-permissions")) {
		if (strlen(value) < sizeof(c.missing_permissions)) {
			snprintf(c.missing_permissions, sizeof(c.missing_permissions), "%s", value);
			rc = 0;
		}
	} else if (!strcmp(name, "detail-events-eventbridge-only"))
		rc = parse_int(value, 0, 1, &c.detail_events_eventbridge_only);
	else if (!strcmp(name, "channel-outlives-token"))
		rc = parse_int(value, 0, 1, &c.channel_outlives_token);
	else if (!strcmp(name, "subscribe-reject-rate"))
		rc = parse_prob(value, &c.subscribe_reject_rate);
	else if (!strcmp(name, "analytics-lag-ms"))
		rc = parse_int(value, 0, 86400000, &c.analytics_lag_ms);
	else if (!strcmp(name, "scope")) {
		if (!strcmp(value, "all") || !strcmp(value, "poll")) {
			c.poll_only = !strcmp(value, "poll");
			rc = 0;
		}
	} else {
		snprintf(errstr, errstr_size, "unknown fault '%s'", name);
		pthread_mutex_unlock(&f->lock);
		return -ENOENT;
	}
	if (rc < 0)
		snprintf(errstr, errstr_size, "bad value '%s' for fault '%s'", value, name);
	else
		f->conf = c;
	pthread_mutex_unlock(&f->lock);
	return rc;
}

void gcb_sim_faults_decide(gcb_sim_faults_t *f, int is_poll, int is_token,
			   gcb_sim_fault_decision_t *d)
{
	gcb_sim_fault_conf_t *c = &f->conf;

	memset(d, 0, sizeof(*d));
	pthread_mutex_lock(&f->lock);
	d->retry_after = c->retry_after;
	if (c->poll_only && !is_poll)
		goto out;
	f->requests++;
	if (c->delay_ms > 0 && gcb_sim_rand_chance(&f->rnd, c->delay_rate))
		d->delay_ms = c->delay_ms;
	if (f->storm_left > 0) {
		f->storm_left--;
		d->status = 429;
		goto out;
	}
	if ((c->every_429 > 0 && f->requests % (unsigned long)c->every_429 == 0) ||
	    gcb_sim_rand_chance(&f->rnd, c->rate_429)) {
		f->storm_left = c->storm_429 - 1;
		d->status = 429;
		goto out;
	}
	if (gcb_sim_rand_chance(&f->rnd, c->rate_5xx)) {
		d->status = c->codes_5xx[gcb_sim_rand_below(&f->rnd, (uint32_t)c->ncodes_5xx)];
		goto out;
	}
	if (!is_token && gcb_sim_rand_chance(&f->rnd, c->rate_401)) {
		d->unauth = 1;
		goto out;
	}
	if (is_poll) {
		d->expire = gcb_sim_rand_chance(&f->rnd, c->rate_410);
		if (!d->expire)
			d->garbage = gcb_sim_rand_chance(&f->rnd, c->garbage_rate);
	}
out:
	pthread_mutex_unlock(&f->lock);
}

size_t gcb_sim_faults_garble(gcb_sim_faults_t *f, char *body, size_t len, size_t cap)
{
	static const char html[] = "<html><body><h1>200 OK</h1>upstream glitch</body></html>";
	uint32_t kind, cut;

	pthread_mutex_lock(&f->lock);
	kind = gcb_sim_rand_below(&f->rnd, 2);
	cut = len > 1 ? 1 + gcb_sim_rand_below(&f->rnd, (uint32_t)(len - 1)) : 0;
	pthread_mutex_unlock(&f->lock);
	if (kind == 0 || cap < sizeof(html))
		return cut; /* truncated mid-body */
	memcpy(body, html, sizeof(html) - 1);
	return sizeof(html) - 1;
}

void gcb_sim_faults_get(gcb_sim_faults_t *f, gcb_sim_fault_conf_t *conf)
{
	pthread_mutex_lock(&f->lock);
	*conf = f->conf;
	pthread_mutex_unlock(&f->lock);
}

int gcb_sim_faults_json(gcb_sim_faults_t *f, char *buf, size_t size)
{
	gcb_sim_fault_conf_t c;
	char codes[64];
	int n = 0;

	gcb_sim_faults_get(f, &c);
	codes[0] = 0;
	for (int i = 0; i < c.ncodes_5xx; i++)
		n += snprintf(codes + n, sizeof(codes) - (size_t)n, "%s%d", i ? "," : "",
			      c.codes_5xx[i]);
	return snprintf(
	    buf, size,
	    "{\"429-every\":%d,\"429-rate\":%g,\"429-storm\":%d,\"retry-after\":%d,"
	    "\"5xx-rate\":%g,\"5xx-codes\":[%s],\"401-rate\":%g,\"delay-ms\":%d,\"delay-rate\":%g,"
	    "\"garbage-rate\":%g,\"410-rate\":%g,\"bad-event-rate\":%g,"
	    "\"drift-rate\":%g,\"scope\":\"%s\",\"channel-ttl\":%d,\"analytics-429-every\":%d,"
	    "\"analytics-fail-every\":%d,\"analytics-job-delay-ms\":%d,\"analytics-lag-ms\":%d,"
	    "\"subscribe-reject-rate\":%g,\"channel-outlives-token\":%d,\"detail-events-"
	    "eventbridge-only\":%d,\"missing-permissions\":\"%s\"}",
	    c.every_429, c.rate_429, c.storm_429, c.retry_after, c.rate_5xx, codes, c.rate_401,
	    c.delay_ms, c.delay_rate, c.garbage_rate, c.rate_410, c.bad_event_rate, c.drift_rate,
	    c.poll_only ? "poll" : "all", c.channel_ttl_s, c.analytics_429_every,
	    c.analytics_fail_every, c.analytics_job_delay_ms, c.analytics_lag_ms,
	    c.subscribe_reject_rate, c.channel_outlives_token, c.detail_events_eventbridge_only,
	    c.missing_permissions);
}
