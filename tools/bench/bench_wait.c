/*
 * gcb-bench-wait: waits until a running gcbridge instance has delivered N
 * records and prints, as one JSON object, the CLOCK_MONOTONIC time at which
 * it saw that, plus every producer counter. The end-to-end benchmarks use it
 * to time "last delivery" without stopping the pipeline.
 *
 *   gcb-bench-wait INSTANCE COUNT [TIMEOUT_S]
 *
 * The segment is mapped read-only. Polling every millisecond bounds the
 * timing error at about 1 ms. Exit 0 when reached, 1 on timeout (the JSON is
 * printed anyway), 2 on a usage or attach error.
 */
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "lib/gcb_clock.h"
#include "shm/gcb_counters_producer.h"
#include "shm/gcb_shm.h"

static gcb_shm_stage_t *find_producer(const gcb_shm_t *shm)
{
	for (unsigned i = 0; i < shm->hdr->stage_count; i++) {
		gcb_shm_stage_t *st = gcb_shm_stage(shm, i);

		if (st->kind == GCB_STAGE_KIND_PRODUCER)
			return st;
	}
	return NULL;
}

static uint64_t delivered(const gcb_shm_stage_t *st)
{
	return atomic_load(&st->counters[GCB_PRODUCER_C_DELIVERED]) +
	       atomic_load(&st->counters[GCB_PRODUCER_C_DLQ_DELIVERED]);
}

int main(int argc, char **argv)
{
	char err[256];
	gcb_shm_t shm;
	gcb_shm_stage_t *st;
	uint64_t want, deadline, now;
	double timeout_s = 600;
	int reached = 0;

	if (argc < 3 || argc > 4) {
		fprintf(stderr, "usage: gcb-bench-wait INSTANCE COUNT [TIMEOUT_S]\n");
		return 2;
	}
	want = strtoull(argv[2], NULL, 10);
	if (argc == 4)
		timeout_s = atof(argv[3]);
	deadline = gcb_clock_mono_ns() + (uint64_t)(timeout_s * 1e9);
	/* The supervisor may not have created the segment yet. */
	for (;;) {
		if (gcb_shm_attach(&shm, argv[1], 1, 1000, err, sizeof(err)) == 0)
			break;
		if (gcb_clock_mono_ns() > deadline) {
			fprintf(stderr, "gcb-bench-wait: gcb_shm_attach() failed: %s\n", err);
			return 2;
		}
		nanosleep(&(struct timespec){0, 10000000}, NULL);
	}
	st = find_producer(&shm);
	if (st == NULL) {
		fprintf(stderr, "gcb-bench-wait: no producer stage in %s\n", shm.path);
		gcb_shm_detach(&shm);
		return 2;
	}
	for (;;) {
		now = gcb_clock_mono_ns();
		if (delivered(st) >= want) {
			reached = 1;
			break;
		}
		if (now > deadline)
			break;
		nanosleep(&(struct timespec){0, 1000000}, NULL);
	}
	printf("{\"reached\":%s,\"mono_ns\":%llu,\"counters\":{", reached ? "true" : "false",
	       (unsigned long long)now);
	for (unsigned i = 0; i < GCB_PRODUCER_C_COUNT; i++)
		printf("%s\"%s\":%llu", i ? "," : "", gcb_producer_counter_names[i],
		       (unsigned long long)atomic_load(&st->counters[i]));
	printf("}}\n");
	gcb_shm_detach(&shm);
	return reached ? 0 : 1;
}
