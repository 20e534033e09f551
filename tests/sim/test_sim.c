/* Unit tests for gcb-sim internals: cursors, the generator, filters, the store. */
#include <errno.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>
#include <cjson/cJSON.h>

#include "tools/sim/gcb_sim_filter.h"
#include "tools/sim/gcb_sim_gen.h"
#include "tools/sim/gcb_sim_store.h"

static void test_cursor_roundtrip(void **state)
{
	uint64_t vals[] = {0, 1, 99, 1ULL << 40, UINT64_MAX - 1};
	char c[GCB_SIM_CURSOR_MAX];
	uint64_t pos;

	(void)state;
	for (size_t i = 0; i < sizeof(vals) / sizeof(vals[0]); i++) {
		gcb_sim_cursor_encode(vals[i], c);
		assert_int_equal(gcb_sim_cursor_decode(c, &pos), 0);
		assert_true(pos == vals[i]);
	}
	assert_int_equal(gcb_sim_cursor_decode("", &pos), -EINVAL);
	assert_int_equal(gcb_sim_cursor_decode("12", &pos), -EINVAL);
	gcb_sim_cursor_encode(5, c);
	c[5] = c[5] == '0' ? '1' : '0'; /* checksum catches edits */
	assert_int_equal(gcb_sim_cursor_decode(c, &pos), -EINVAL);
}

static gcb_sim_gen_t *new_gen(uint64_t seed)
{
	gcb_sim_gen_conf_t conf = {seed, 1795000000000LL, 5.0, 16, 8, 3};
	char err[128];
	gcb_sim_gen_t *g = gcb_sim_gen_new(&conf, err, sizeof(err));

	assert_non_null(g);
	return g;
}

/* Every event parses, has its envelope, and the field table points at the values. */
static void test_gen_valid_json(void **state)
{
	gcb_sim_gen_t *g = new_gen(9);
	gcb_sim_event_t *ev = malloc(sizeof(*ev));

	(void)state;
	for (uint64_t i = 0; i < 20000; i++) {
		cJSON *o, *d;

		gcb_sim_gen_next(g, i, 0, 0, ev);
		o = cJSON_ParseWithLength(ev->json, ev->json_len);
		assert_non_null(o);
		assert_string_equal(cJSON_GetObjectItem(o, "id")->valuestring, ev->id);
		assert_string_equal(cJSON_GetObjectItem(o, "entityId")->valuestring, ev->entity_id);
		assert_true(cJSON_GetObjectItem(o, "sequence")->valuedouble == ev->sequence);
		d = cJSON_GetObjectItem(o, "data");
		for (int f = 0; f < ev->nfields; f++) {
			const gcb_sim_field_t *fl = &ev->fields[f];
			cJSON *v = strchr(fl->key, '.') ? NULL : cJSON_GetObjectItem(d, fl->key);
			char *txt;

			if (!v)
				continue;
			txt = cJSON_PrintUnformatted(v);
			if (cJSON_IsString(v) && !strchr(v->valuestring, '\\') &&
			    !strchr(txt, '\\'))
				assert_memory_equal(txt, ev->json + fl->off, fl->len);
			cJSON_free(txt);
		}
		cJSON_Delete(o);
	}
	free(ev);
	gcb_sim_gen_destroy(g);
}

static void test_gen_bad_events_still_json(void **state)
{
	gcb_sim_gen_t *g = new_gen(3);
	gcb_sim_event_t *ev = malloc(sizeof(*ev));
	int bad = 0;

	(void)state;
	for (uint64_t i = 0; i < 5000; i++) {
		cJSON *o;

		gcb_sim_gen_next(g, i, 0.5, 0.5, ev);
		bad += !!(ev->flags & GCB_SIM_EV_BAD);
		o = cJSON_ParseWithLength(ev->json, ev->json_len);
		assert_non_null(o);
		assert_non_null(cJSON_GetObjectItem(o, "id"));
		cJSON_Delete(o);
	}
	assert_true(bad > 2000 && bad < 3000);
	free(ev);
	gcb_sim_gen_destroy(g);
}

static void test_filter(void **state)
{
	const char *def = "[{\"entityType\":\"interaction\",\"eventType\":\"updated\","
			  "\"filter\":\"{\\\"status\\\":[\\\"completed\\\",\\\"disconnected\\\"],"
			  "\\\"disposition.code\\\":\\\"SALE\\\"}\"},"
			  "{\"entityType\":\"agentstate\",\"eventType\":\"updated\","
			  "\"filter\":\"{\\\"routingStatus\\\":\\\"IDLE\\\"}\"}]";
	cJSON *ets = cJSON_Parse(def);
	gcb_sim_gen_t *g = new_gen(4);
	gcb_sim_event_t *ev = malloc(sizeof(*ev));
	gcb_sim_filter_t f;
	char err[128];
	int matched = 0;

	(void)state;
	assert_non_null(ets);
	assert_int_equal(gcb_sim_filter_init(&f, ets, err, sizeof(err)), 0);
	for (uint64_t i = 0; i < 5000; i++) {
		cJSON *o, *d;
		int want = 0;
		const char *et, *ty;

		gcb_sim_gen_next(g, i, 0, 0, ev);
		o = cJSON_ParseWithLength(ev->json, ev->json_len);
		d = cJSON_GetObjectItem(o, "data");
		et = cJSON_GetObjectItem(o, "entityType")->valuestring;
		ty = cJSON_GetObjectItem(o, "eventType")->valuestring;
		if (!strcmp(et, "interaction") && !strcmp(ty, "updated")) {
			const char *st = cJSON_GetObjectItem(d, "status")->valuestring;
			cJSON *disp = cJSON_GetObjectItem(d, "disposition");

			want = (!strcmp(st, "completed") || !strcmp(st, "disconnected")) && disp &&
			       !strcmp(cJSON_GetObjectItem(disp, "code")->valuestring, "SALE");
		} else if (!strcmp(et, "agentstate")) {
			want =
			    !strcmp(cJSON_GetObjectItem(d, "routingStatus")->valuestring, "IDLE");
		}
		assert_int_equal(gcb_sim_filter_match(&f, ev), want);
		matched += want;
		cJSON_Delete(o);
	}
	assert_true(matched > 100);
	gcb_sim_filter_fini(&f);
	cJSON_Delete(ets);

	ets = cJSON_Parse("[{\"entityType\":\"interaction\",\"eventType\":\"created\","
			  "\"filter\":\"[1]\"}]");
	assert_int_equal(gcb_sim_filter_init(&f, ets, err, sizeof(err)), -EINVAL);
	cJSON_Delete(ets);
	free(ev);
	gcb_sim_gen_destroy(g);
}

static void test_store_retention(void **state)
{
	gcb_sim_store_conf_t conf = {{1, 0, 5.0, 8, 4, 2}, 100, 0, -1, 0, 0, NULL};
	gcb_sim_filter_t all = {.match_all = 1};
	gcb_sim_poll_t p = {0};
	char err[128];
	gcb_sim_store_t *s = gcb_sim_store_new(&conf, err, sizeof(err));

	(void)state;
	assert_non_null(s);
	gcb_sim_store_generate(s, 250);
	p.filter = &all;
	p.limit = 10;
	p.has_cursor = 1;
	p.cursor = 149;
	assert_int_equal(gcb_sim_store_poll(s, &p), -ESTALE);
	free(p.body);
	p.cursor = 150;
	p.body = NULL;
	assert_int_equal(gcb_sim_store_poll(s, &p), 0);
	assert_int_equal(p.count, 10);
	free(p.body);
	gcb_sim_store_destroy(s);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(test_cursor_roundtrip),	      cmocka_unit_test(test_gen_valid_json),
	    cmocka_unit_test(test_gen_bad_events_still_json), cmocka_unit_test(test_filter),
	    cmocka_unit_test(test_store_retention),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
