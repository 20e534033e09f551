/*
 * Metrics rendering over a real segment: names and types from the counter
 * tables, unit conversion (ms/us -> seconds), stage and ring samples, and
 * readiness verdicts from the stage table.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#include <cmocka.h>

#include "lib/gcb_clock.h"
#include "shm/gcb_counters_notif.h"
#include "shm/gcb_counters_producer.h"
#include "shm/gcb_shm.h"
#include "supervisor/gcb_health.h"
#include "supervisor/gcb_metrics_render.h"
#include "supervisor/gcb_metrics_table.h"

static char g_instance[64];

static int setup(void **state)
{
	static gcb_shm_t shm;
	const gcb_shm_stage_spec_t stages[] = {
	    {"fetcher", GCB_STAGE_KIND_FETCHER, 0},
	    {"validator-0", GCB_STAGE_KIND_VALIDATOR, 0},
	    {"producer", GCB_STAGE_KIND_PRODUCER, 0},
	};
	const gcb_shm_ring_spec_t rings[] = {
	    {"fetch-0", 65536, 0, 0, 1},
	    {"out-0", 65536, 0, 1, 2},
	};
	char err[256];

	snprintf(g_instance, sizeof(g_instance), "test-metrics-%d", (int)getpid());
	if (gcb_shm_create(&shm, g_instance, stages, 3, rings, 2, err, sizeof(err)) != 0) {
		fprintf(stderr, "gcb_shm_create() failed: %s\n", err);
		return -1;
	}
	*state = &shm;
	return 0;
}

static int teardown(void **state)
{
	gcb_shm_detach(*state);
	gcb_shm_unlink(g_instance);
	return 0;
}

static void test_table(void **state)
{
	gcb_metric_desc_t d[GCB_SHM_STAGE_COUNTERS];
	unsigned n = gcb_metrics_table(GCB_STAGE_KIND_FETCHER, d, GCB_SHM_STAGE_COUNTERS), seen = 0;

	(void)state;
	assert_int_equal(n, GCB_NC_END);
	for (unsigned i = 0; i < n; i++) {
		if (strcmp(d[i].name, "gcbridge_fetcher_polls_total") == 0) {
			assert_int_equal(d[i].type, GCB_METRIC_COUNTER);
			seen++;
		} else if (strcmp(d[i].name, "gcbridge_fetcher_backoff_seconds") == 0) {
			assert_int_equal(d[i].type, GCB_METRIC_GAUGE);
			assert_true(d[i].scale == 1e-3);
			seen++;
		} else if (strcmp(d[i].name, "gcbridge_fetcher_last_poll_timestamp_seconds") == 0) {
			assert_int_equal(d[i].type, GCB_METRIC_GAUGE);
			seen++;
		} else if (strcmp(d[i].name, "gcbridge_fetcher_throttle_seconds_total") == 0) {
			assert_int_equal(d[i].type, GCB_METRIC_COUNTER);
			seen++;
		}
		assert_non_null(d[i].help);
	}
	assert_int_equal(seen, 4);
	n = gcb_metrics_table(GCB_STAGE_KIND_PRODUCER, d, GCB_SHM_STAGE_COUNTERS);
	for (unsigned i = 0; i < n; i++) {
		/* latency_sum_us and latency_count belong to the latency family */
		assert_null(strstr(d[i].name, "latency"));
		if (strcmp(d[i].name, "gcbridge_producer_in_flight") == 0)
			assert_int_equal(d[i].type, GCB_METRIC_GAUGE);
	}
}

static void test_render(void **state)
{
	gcb_shm_t *shm = *state;
	gcb_shm_stage_t *f = gcb_shm_stage(shm, 0), *p = gcb_shm_stage(shm, 2);
	gcb_textbuf_t b = {0};
	gcb_health_t h;

	atomic_store(&f->counters[GCB_SC_EVENTS], 1234);
	atomic_store(&f->counters[GCB_SC_BACKOFF_MS], 2500);
	atomic_store(&p->counters[GCB_PRODUCER_C_LATENCY_SUM_US], 3000000);
	atomic_store(&p->counters[GCB_PRODUCER_C_LATENCY_COUNT], 6);
	atomic_store(&f->restarts, 2);
	atomic_store(&f->last_exit, 9); /* killed by SIGKILL */
	gcb_health_init(&h, 5000, 15000);
	gcb_health_update(&h, shm);
	gcb_metrics_render(&b, shm, &h, "9.9.9");
	assert_false(b.oom);
	gcb_textbuf_printf(&b, "%c", '\0');
	assert_non_null(
	    strstr(b.buf.data, "gcbridge_info{version=\"9.9.9\",instance=\"test-metrics-"));
	assert_non_null(
	    strstr(b.buf.data, "gcbridge_fetcher_events_total{stage=\"fetcher\"} 1234\n"));
	assert_non_null(
	    strstr(b.buf.data, "gcbridge_fetcher_backoff_seconds{stage=\"fetcher\"} 2.500000\n"));
	assert_non_null(strstr(b.buf.data, "# TYPE gcbridge_producer_latency_seconds summary\n"));
	assert_non_null(strstr(
	    b.buf.data, "gcbridge_producer_latency_seconds_sum{stage=\"producer\"} 3.000000\n"));
	assert_non_null(
	    strstr(b.buf.data, "gcbridge_producer_latency_seconds_count{stage=\"producer\"} 6\n"));
	assert_non_null(strstr(
	    b.buf.data, "gcbridge_stage_restarts_total{stage=\"fetcher\",kind=\"fetcher\"} 2\n"));
	assert_non_null(strstr(
	    b.buf.data, "gcbridge_stage_last_exit_code{stage=\"fetcher\",kind=\"fetcher\"} 137\n"));
	assert_non_null(strstr(b.buf.data, "gcbridge_ring_capacity_bytes{ring=\"out-0\"} 65536\n"));
	assert_non_null(strstr(b.buf.data, "gcbridge_checkpoint_age_seconds NaN\n"));
	/* Nothing runs: not ready, and the reason names the first stage. */
	assert_false(h.ready);
	assert_non_null(strstr(h.why, "fetcher"));
	gcb_textbuf_fini(&b);
}

static void test_ready(void **state)
{
	gcb_shm_t *shm = *state;
	gcb_health_t h;

	gcb_health_init(&h, 5000, 15000);
	for (unsigned i = 0; i < 3; i++) {
		atomic_store(&gcb_shm_stage(shm, i)->state, GCB_STAGE_RUNNING);
		atomic_store(&gcb_shm_stage(shm, i)->heartbeat_ns, gcb_clock_mono_ns());
	}
	gcb_health_update(&h, shm);
	assert_true(h.ready);
	assert_true(h.kafka_up);
	/* A stale heartbeat: not ready, named. */
	atomic_store(&gcb_shm_stage(shm, 1)->heartbeat_ns, gcb_clock_mono_ns() - 6000000000ull);
	gcb_health_update(&h, shm);
	assert_false(h.ready);
	assert_non_null(strstr(h.why, "validator-0: no heartbeat"));
	atomic_store(&gcb_shm_stage(shm, 1)->heartbeat_ns, gcb_clock_mono_ns());
	/* A drain: not ready. */
	atomic_store(&gcb_shm_pipeline(shm)->draining, 1);
	gcb_health_update(&h, shm);
	assert_false(h.ready);
	assert_non_null(strstr(h.why, "draining"));
	atomic_store(&gcb_shm_pipeline(shm)->draining, 0);
	/* Records in flight, no acknowledgement for longer than the stall
	 * limit (0 ms here): Kafka down. */
	gcb_health_init(&h, 5000, 0);
	atomic_store(&gcb_shm_stage(shm, 2)->counters[GCB_PRODUCER_C_IN_FLIGHT], 10);
	gcb_health_update(&h, shm);
	gcb_health_update(&h, shm);
	assert_false(h.kafka_up);
	assert_false(h.ready);
	assert_non_null(strstr(h.why, "kafka"));
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(test_table),
	    cmocka_unit_test(test_render),
	    cmocka_unit_test(test_ready),
	};

	return cmocka_run_group_tests(tests, setup, teardown);
}
