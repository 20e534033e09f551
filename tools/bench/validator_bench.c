/*
 * validator-bench: events per second one validator process turns from raw
 * JSON into framed Avro (parse + route + map + encode + frame), on
 * simulator-like interaction and agent-state events, plus nanoseconds per
 * event for each step.
 *
 *   validator-bench [--routes schemas/routes.json] [--events N] [--seconds S]
 */
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "stages/validator/gcb_catalog.h"
#include "stages/validator/gcb_vproc.h"

#define POOL 4096

static uint64_t clock_ns(clockid_t id)
{
	struct timespec ts;

	clock_gettime(id, &ts);
	return (uint64_t)ts.tv_sec * 1000000000u + (uint64_t)ts.tv_nsec;
}

static uint64_t rnd_state = 0x9e3779b97f4a7c15ull;

static uint64_t rnd(void)
{
	rnd_state ^= rnd_state << 13;
	rnd_state ^= rnd_state >> 7;
	rnd_state ^= rnd_state << 17;
	return rnd_state;
}

static void uuid(char *out)
{
	uint64_t a = rnd(), b = rnd();

	snprintf(out, 37, "%08llx-%04llx-4%03llx-8%03llx-%012llx", (unsigned long long)(a >> 32),
		 (unsigned long long)((a >> 16) & 0xffff), (unsigned long long)(a & 0xfff),
		 (unsigned long long)(b >> 52), (unsigned long long)(b & 0xffffffffffffull));
}

/* Shaped like the simulator's events: the section B envelope, a few optional fields. */
static int make_event(char *buf, size_t size, unsigned i)
{
	static const char *dir[] = {"inbound", "outbound"};
	static const char *media[] = {"voice", "chat", "email", "message", "callback"};
	static const char *status[] = {"alerting", "connected", "held", "completed",
				       "disconnected"};
	static const char *rs[] = {"OFF_QUEUE", "IDLE", "INTERACTING", "NOT_RESPONDING",
				   "COMMUNICATING"};
	char id[37], ent[37], q[37], u[37];

	uuid(id);
	uuid(ent);
	uuid(q);
	uuid(u);
	if (i % 5 == 4)
		return snprintf(
		    buf, size,
		    "{\"id\":\"%s\",\"entityType\":\"agentstate\",\"eventType\":\"updated\","
		    "\"eventTimestamp\":\"2026-11-27T10:15:%02u.%03uZ\",\"entityId\":\"%s\","
		    "\"sequence\":%u,\"data\":{\"userId\":\"%s\",\"routingStatus\":\"%s\","
		    "\"presence\":\"On Queue\",\"startTime\":\"2026-11-27T10:00:00.000Z\"}}",
		    id, i % 60, i % 1000, ent, i, ent, rs[i % 5]);
	return snprintf(
	    buf, size,
	    "{\"id\":\"%s\",\"entityType\":\"interaction\",\"eventType\":\"%s\","
	    "\"eventTimestamp\":\"2026-11-27T10:15:%02u.%03uZ\",\"entityId\":\"%s\","
	    "\"sequence\":%u,\"data\":{\"conversationId\":\"%s\",\"direction\":\"%s\","
	    "\"mediaType\":\"%s\",\"status\":\"%s\",\"queueId\":\"%s\",\"userId\":\"%s\","
	    "\"ani\":\"+15551230%03u\",\"dnis\":\"+18005550100\"%s%s}}",
	    id, i % 3 ? "updated" : "created", i % 60, i % 1000, ent, i, ent, dir[i % 2],
	    media[i % 5], status[i % 5], q, u, i % 1000,
	    i % 5 == 3 ? ",\"disposition\":{\"code\":\"SALE\",\"name\":\"Sale\",\"notes\":\"ok\"}"
		       : "",
	    i % 5 == 3 ? ",\"durationMs\":183000,\"campaignId\":\"c-1\"" : "");
}

/* Returns wall nanoseconds; *cpu gets this thread's CPU nanoseconds, which a
 * loaded machine disturbs less. */
static double run(gcb_vproc_t *p, char **events, size_t *lens, uint64_t n, uint64_t *avro,
		  double *cpu)
{
	uint64_t t0 = clock_ns(CLOCK_MONOTONIC), c0 = clock_ns(CLOCK_THREAD_CPUTIME_ID), bytes = 0;
	gcb_vout_t o;

	for (uint64_t i = 0; i < n; i++) {
		gcb_vin_t in = {.json = events[i % POOL],
				.json_len = lens[i % POOL],
				.received_unix_ms = 1764238530000ull + i};

		gcb_vproc_process(p, &in, &o);
		*avro += o.type == GCB_REC_AVRO;
		bytes += o.len[GCB_OUTF_VALUE];
	}
	(void)bytes;
	*cpu = (double)(clock_ns(CLOCK_THREAD_CPUTIME_ID) - c0);
	return (double)(clock_ns(CLOCK_MONOTONIC) - t0);
}

int main(int argc, char **argv)
{
	static const struct option opts[] = {{"routes", required_argument, NULL, 'r'},
					     {"events", required_argument, NULL, 'n'},
					     {0, 0, 0, 0}};
	const char *routes = "schemas/routes.json";
	uint64_t n = 1000000, avro = 0;
	gcb_vproc_conf_t conf = {.strict = -1, .max_event_bytes = 1 << 20};
	gcb_catalog_t *cat;
	gcb_vproc_t *p;
	char err[512], *events[POOL];
	size_t lens[POOL], total = 0;
	double ns, cpu;
	int c;

	while ((c = getopt_long(argc, argv, "r:n:", opts, NULL)) != -1) {
		if (c == 'r')
			routes = optarg;
		else if (c == 'n')
			n = strtoull(optarg, NULL, 10);
		else
			return 2;
	}
	if (gcb_catalog_load(&cat, routes, NULL, err, sizeof(err)) != 0) {
		fprintf(stderr, "validator-bench: %s\n", err);
		return 2;
	}
	for (unsigned i = 0; i < POOL; i++) {
		events[i] = malloc(1024);
		lens[i] = (size_t)make_event(events[i], 1024, i);
		total += lens[i];
	}
	if (gcb_vproc_new(&p, &conf, cat, err, sizeof(err)) != 0)
		return 2;
	run(p, events, lens, POOL, &avro, &cpu); /* warm up */
	avro = 0;
	ns = run(p, events, lens, n, &avro, &cpu);
	if (avro != n) {
		fprintf(stderr, "validator-bench: %llu of %llu events were not encoded\n",
			(unsigned long long)(n - avro), (unsigned long long)n);
		return 1;
	}
	printf("validator: %llu events (avg %zu bytes JSON): %.0f events/s wall (%.0f ns/event), "
	       "%.0f events/s of CPU time (%.0f ns/event)\n",
	       (unsigned long long)n, total / POOL, (double)n * 1e9 / ns, ns / (double)n,
	       (double)n * 1e9 / cpu, cpu / (double)n);
	gcb_vproc_destroy(p);

	conf.timing = 1;
	if (gcb_vproc_new(&p, &conf, cat, err, sizeof(err)) != 0)
		return 2;
	avro = 0;
	run(p, events, lens, n / 2 ? n / 2 : 1, &avro, &cpu);
	{
		const gcb_vproc_stats_t *st = gcb_vproc_stats(p);
		double k = (double)st->events;

		printf("validator: per event: parse %.0f ns, route+map %.0f ns, key+encode+frame "
		       "%.0f ns "
		       "(timed run)\n",
		       (double)st->ns_parse / k, (double)st->ns_map / k, (double)st->ns_encode / k);
	}
	gcb_vproc_destroy(p);
	for (unsigned i = 0; i < POOL; i++)
		free(events[i]);
	gcb_catalog_destroy(cat);
	return 0;
}
