#include "stages/validator/gcb_validator.h"

#include <errno.h>
#include <inttypes.h>
#include <stdatomic.h>
#include <string.h>

#include "shm/gcb_counters_validator.h"
#include "shm/gcb_records.h"
#include "stages/validator/gcb_catalog.h"
#include "stages/validator/gcb_registry.h"
#include "stages/validator/gcb_registry_ids.h"
#include "stages/validator/gcb_reload.h"
#include "stages/validator/gcb_vproc.h"
#include "lib/gcb_log.h"

#define WAIT_MS		  100  /* ring waits: short enough to heartbeat every second */
#define RELOAD_EVERY	  1024 /* events between checks for schema changes while busy */
#define REGISTRY_RETRY_NS (5ull * 1000000000ull) /* a reload the registry failed: again */

_Static_assert(GCB_VC_DLQ_BAD_ANSWER - GCB_VC_DLQ_BAD_JSON ==
		   GCB_REASON_BAD_ANSWER - GCB_REASON_BAD_JSON,
	       "one counter per DLQ reason, in reason order");
_Static_assert(GCB_REASON_BAD_ANSWER == GCB_REASON_COUNT - 1, "bad_answer is the last reason");

/* Counter values found at start plus this process's own counts. */
typedef struct counters {
	uint64_t base[GCB_VC_COUNT];
	uint64_t skipped, reloads, refused;
} counters_t;

static void counters_init(counters_t *c, const gcb_stage_ctx_t *ctx)
{
	memset(c, 0, sizeof(*c));
	for (unsigned i = 0; i < GCB_VC_COUNT; i++)
		c->base[i] = gcb_counter_get(ctx->slot->counters, i);
}

static void put(const gcb_stage_ctx_t *ctx, const counters_t *c, unsigned i, uint64_t v)
{
	gcb_counter_set(ctx->slot->counters, i, c->base[i] + v);
}

static void counters_publish(const gcb_stage_ctx_t *ctx, const counters_t *c,
			     const gcb_vproc_stats_t *st)
{
	put(ctx, c, GCB_VC_EVENTS, st->events);
	put(ctx, c, GCB_VC_AVRO, st->avro);
	put(ctx, c, GCB_VC_DLQ, st->dlq);
	put(ctx, c, GCB_VC_FILTERED, st->filtered);
	put(ctx, c, GCB_VC_SKIPPED, c->skipped);
	put(ctx, c, GCB_VC_RELOADS, c->reloads);
	put(ctx, c, GCB_VC_RELOAD_REFUSED, c->refused);
	for (unsigned r = GCB_REASON_BAD_JSON; r < GCB_REASON_COUNT; r++)
		put(ctx, c, GCB_VC_DLQ_BAD_JSON + (r - GCB_REASON_BAD_JSON), st->by_reason[r]);
	put(ctx, c, GCB_VC_SCHEMA_DRIFT_FIELDS, st->drift_fields);
	put(ctx, c, GCB_VC_SCHEMA_DRIFT_NAMES, st->drift_names);
}

typedef struct vstate {
	gcb_stage_ctx_t *ctx;
	gcb_ring_t *in;
	gcb_ring_t *out;
	unsigned pending; /* output records reserved, not yet committed */
	uint64_t in_pos;  /* input read position the pending outputs cover */
} vstate_t;

/* Publishes pending output, then gives back the input it covers. */
static void flush(vstate_t *v)
{
	if (v->pending) {
		gcb_ring_commit(v->out);
		v->pending = 0;
	}
	if (v->in_pos)
		gcb_ring_release(v->in, v->in_pos);
}

static int must_stop_now(const gcb_stage_ctx_t *ctx)
{
	return gcb_stage_stop_requested || gcb_stage_orphaned(ctx);
}

static void decode_input(gcb_vproc_t *p, const gcb_ring_rec_t *rec, gcb_vout_t *o)
{
	const gcb_rec_event_t *ev = (const void *)rec->payload;
	gcb_vin_t in = {0};

	if (rec->type != GCB_REC_EVENT || rec->length < sizeof(*ev) ||
	    !gcb_rec_fields_valid(ev->fields, GCB_EVF_COUNT, sizeof(*ev), rec->length)) {
		gcb_vproc_bad_record(p, rec->payload, rec->length,
				     rec->type != GCB_REC_EVENT ? "input record is not an event"
								: "input event record is malformed",
				     o);
		return;
	}
	in.json = gcb_rec_field_ptr(ev, ev->fields[GCB_EVF_JSON]);
	in.json_len = ev->fields[GCB_EVF_JSON].len;
	in.stream = gcb_rec_field_ptr(ev, ev->fields[GCB_EVF_STREAM]);
	in.stream_len = ev->fields[GCB_EVF_STREAM].len;
	in.event_len = ev->event_len;
	in.raw_answer = (rec->flags & GCB_REC_F_RAW_ANSWER) != 0;
	in.sha256 = gcb_rec_field_ptr(ev, ev->fields[GCB_EVF_SHA256]);
	in.sha256_len = ev->fields[GCB_EVF_SHA256].len;
	in.kept = gcb_rec_field_ptr(ev, ev->fields[GCB_EVF_QUARANTINE]);
	in.kept_len = ev->fields[GCB_EVF_QUARANTINE].len;
	in.batch_seq = ev->batch_seq;
	in.received_unix_ms = ev->received_unix_ms;
	gcb_vproc_process(p, &in, o);
	o->batch_seq = ev->batch_seq;
}

/* Reserves room for one output record, flushing and waiting while the ring is
 * full. 0, 1 when asked to stop meanwhile, or a negative errno. */
static int reserve(vstate_t *v, const gcb_vout_t *o, const gcb_ring_rec_t *rec,
		   gcb_ring_rec_t **orec)
{
	uint32_t size = (uint32_t)gcb_vout_size(o);

	for (;;) {
		int rc =
		    gcb_ring_reserve(v->out, size, o->type, rec->flags | o->flags, rec->seq, orec);

		if (rc != -EAGAIN)
			return rc;
		flush(v);
		gcb_stage_heartbeat(v->ctx);
		gcb_ring_heartbeat_producer(v->out);
		if (must_stop_now(v->ctx))
			return 1;
		gcb_ring_wait_writable(v->out, size, WAIT_MS);
	}
}

static uint32_t reload_generation(const gcb_stage_ctx_t *ctx)
{
	return atomic_load_explicit(&gcb_shm_pipeline(ctx->shm)->reload_generation,
				    memory_order_acquire);
}

/* Heartbeats while the registry client waits (its calls are bounded but slow). */
static void registry_tick(void *arg)
{
	const vstate_t *v = arg;

	gcb_stage_heartbeat(v->ctx);
	gcb_ring_heartbeat_consumer(v->in);
	gcb_ring_heartbeat_producer(v->out);
}

static void log_ids(const gcb_catalog_t *cat)
{
	char subject[512];

	for (size_t i = 0; i < cat->nroutes; i++) {
		const gcb_route_t *r = &cat->routes[i];

		if (gcb_registry_ids_subject(cat, i, subject, sizeof(subject)) != 0)
			subject[0] = '\0';
		gcb_log_info("route %s: schema %s id %" PRIu32 " version %" PRIu32
			     " fingerprint %016" PRIx64 " (registry subject %s)",
			     r->name, r->schema->fullname, r->schema_id, r->schema_version,
			     r->schema->fingerprint, subject);
	}
}

static int has_registry(const gcb_validator_conf_t *conf)
{
	return conf->registry_url && *conf->registry_url;
}

/* With a registry, the ids file is not read: the registry assigns the ids. */
static const char *ids_path(const gcb_validator_conf_t *conf)
{
	return has_registry(conf) ? GCB_CATALOG_NO_IDS : conf->ids_path;
}

/*
 * Loads the schema set again and swaps it in; a set that fails to load, or
 * whose schemas cannot read what the ones in use wrote, or that the registry
 * (when configured) will not take, is refused with a log line naming the file
 * and the reason, and the set in use stays. -EIO: the registry failed, worth
 * trying again later. Called between events only (outputs never point into
 * the old set).
 */
static int reload(const gcb_validator_conf_t *conf, gcb_registry_t *reg, gcb_vproc_t *p,
		  gcb_catalog_t **cat)
{
	gcb_catalog_t *fresh;
	char err[1024];
	int rc;

	if (gcb_catalog_load(&fresh, conf->routes_path, ids_path(conf), err, sizeof(err)) != 0) {
		gcb_log_error("schema reload refused, keeping the schemas in use: %s", err);
		return -EINVAL;
	}
	if (gcb_catalog_check_compat(*cat, fresh, err, sizeof(err)) != 0) {
		gcb_log_error("schema reload refused, keeping the schemas in use: %s", err);
		gcb_catalog_destroy(fresh);
		return -EINVAL;
	}
	if (reg && (rc = gcb_registry_ids_assign(reg, fresh, err, sizeof(err))) != 0) {
		gcb_log_error("schema reload refused, keeping the schemas in use: %s%s", err,
			      rc == -EIO ? " (trying again in 5 s)" : "");
		gcb_catalog_destroy(fresh);
		return rc;
	}
	if (reg)
		log_ids(fresh);
	gcb_vproc_set_catalog(p, fresh);
	gcb_catalog_destroy(*cat);
	*cat = fresh;
	gcb_log_info("schemas reloaded from %s: %zu routes", conf->routes_path, fresh->nroutes);
	return 0;
}

/* Returns when to try again (monotonic ns), 0 for "on the next change". */
static uint64_t reload_counted(const gcb_validator_conf_t *conf, gcb_registry_t *reg,
			       gcb_vproc_t *p, gcb_catalog_t **cat, counters_t *ctr)
{
	int rc = reload(conf, reg, p, cat);

	if (rc == 0)
		ctr->reloads++;
	else
		ctr->refused++;
	return rc == -EIO ? gcb_clock_mono_ns() + REGISTRY_RETRY_NS : 0;
}

static int reload_due(gcb_reload_t *rl, const gcb_stage_ctx_t *ctx, uint64_t retry_ns)
{
	/* gcb_reload_due first: it consumes the change notification either way */
	return gcb_reload_due(rl, reload_generation(ctx)) ||
	       (retry_ns != 0 && gcb_clock_mono_ns() >= retry_ns);
}

/*
 * The registry client and the ids of the first schema set. A registry that
 * cannot be reached (or answers 5xx) is a handled error: the supervisor
 * restarts the stage and events wait in the ring; a registry that refuses a
 * schema or the credentials needs a person, so it stops gcbridge.
 */
static int registry_start(const gcb_validator_conf_t *conf, vstate_t *v, gcb_catalog_t *cat,
			  gcb_registry_t **reg)
{
	gcb_registry_conf_t rc = {.url = conf->registry_url,
				  .user = conf->registry_user,
				  .password = conf->registry_password,
				  .retries = GCB_REGISTRY_RETRIES_DEFAULT,
				  .backoff_ms = 200,
				  .tick = registry_tick,
				  .tick_arg = v};
	char err[1024];
	int e;

	*reg = NULL;
	if (!has_registry(conf))
		return GCB_EXIT_OK;
	if (gcb_registry_new(reg, &rc, err, sizeof(err)) != 0) {
		gcb_log_error("gcb_registry_new() failed: %s", err);
		return GCB_EXIT_FATAL;
	}
	e = gcb_registry_ids_assign(*reg, cat, err, sizeof(err));
	if (e == 0) {
		log_ids(cat);
		return GCB_EXIT_OK;
	}
	gcb_log_error("cannot take schema ids from the schema registry: %s", err);
	gcb_registry_destroy(*reg);
	*reg = NULL;
	return e == -EIO || e == -ENOMEM || e == -EPROTO ? GCB_EXIT_RESTART : GCB_EXIT_FATAL;
}

static void drift_log(const char *line)
{
	gcb_log_warn("%s", line);
}

int gcb_validator_main(const gcb_validator_conf_t *conf, gcb_stage_ctx_t *ctx, gcb_ring_t *in,
		       gcb_ring_t *out)
{
	gcb_vproc_conf_t pconf = {
	    .max_event_bytes = conf->max_event_bytes,
	    .max_out_bytes = out->max_record,
	    .dlq_topic = conf->dlq_topic,
	    .strict = conf->strict,
	    .drift_log = drift_log,
	};
	unsigned commit_every = conf->commit_every ? conf->commit_every : 64;
	vstate_t v = {.ctx = ctx, .in = in, .out = out};
	gcb_catalog_t *cat = NULL;
	gcb_vproc_t *p = NULL;
	const gcb_vproc_stats_t *st;
	uint64_t resume, ops = 0;
	counters_t ctr;
	char err[1024];
	int rc, exit_code = GCB_EXIT_OK;
	gcb_reload_t rl;
	gcb_registry_t *reg = NULL;
	uint64_t retry_ns = 0;

	if (gcb_catalog_load(&cat, conf->routes_path, ids_path(conf), err, sizeof(err)) != 0) {
		gcb_log_error("cannot load schemas: %s", err);
		return GCB_EXIT_FATAL;
	}
	rc = registry_start(conf, &v, cat, &reg);
	if (rc != GCB_EXIT_OK) {
		gcb_catalog_destroy(cat);
		return rc;
	}
	if (gcb_vproc_new(&p, &pconf, cat, err, sizeof(err)) != 0) {
		gcb_log_error("gcb_vproc_new() failed: %s", err);
		gcb_registry_destroy(reg);
		gcb_catalog_destroy(cat);
		return GCB_EXIT_RESTART;
	}
	rc = gcb_reload_init(&rl, conf->routes_path, has_registry(conf) ? NULL : conf->ids_path,
			     reload_generation(ctx));
	if (rc)
		gcb_log_warn("inotify on the schema directory failed (%s): reload on SIGHUP only",
			     strerror(-rc));
	counters_init(&ctr, ctx);
	resume = gcb_ring_resume_seq(out);
	gcb_log_info("validator started: %zu routes, resuming after seq %" PRIu64, cat->nroutes,
		     resume);

	for (;;) {
		const gcb_ring_rec_t *rec;
		gcb_ring_rec_t *orec;
		gcb_vout_t o;

		if ((++ops & 63) == 0) {
			counters_publish(ctx, &ctr, gcb_vproc_stats(p));
			gcb_stage_heartbeat(ctx);
			gcb_ring_heartbeat_consumer(in);
			gcb_ring_heartbeat_producer(out);
		}
		if (ops % RELOAD_EVERY == 0 && reload_due(&rl, ctx, retry_ns)) {
			flush(&v);
			retry_ns = reload_counted(conf, reg, p, &cat, &ctr);
		}
		if (must_stop_now(ctx))
			break;
		rc = gcb_ring_read(in, &rec);
		if (rc == -EAGAIN) {
			flush(&v);
			gcb_stage_heartbeat(ctx);
			gcb_ring_heartbeat_consumer(in);
			gcb_ring_heartbeat_producer(out);
			if (reload_due(&rl, ctx, retry_ns))
				retry_ns = reload_counted(conf, reg, p, &cat, &ctr);
			counters_publish(ctx, &ctr, gcb_vproc_stats(p));
			/* Our drain phase starts only after the fetcher exited:
			 * an empty input now stays empty. */
			if (gcb_stage_draining(ctx))
				break;
			gcb_ring_wait_readable(in, WAIT_MS);
			continue;
		}
		if (rc != 0) {
			gcb_log_error("gcb_ring_read() failed on the input ring: %s",
				      strerror(-rc));
			exit_code = GCB_EXIT_RESTART;
			break;
		}
		if (rec->seq <= resume) {
			/* A predecessor already published output for it. */
			ctr.skipped++;
			v.in_pos = gcb_ring_read_pos(in);
			if (v.pending == 0)
				gcb_ring_release(in, v.in_pos);
			continue;
		}
		decode_input(p, rec, &o);
		rc = reserve(&v, &o, rec, &orec);
		if (rc == 1)
			break;
		if (rc != 0) {
			/* The processor caps output at max_record: this is a bug. */
			gcb_log_error("gcb_ring_reserve(%zu bytes) failed: %s", gcb_vout_size(&o),
				      strerror(-rc));
			exit_code = GCB_EXIT_FATAL;
			break;
		}
		gcb_vout_write(&o, orec->payload);
		v.pending++;
		v.in_pos = gcb_ring_read_pos(in);
		if (v.pending >= commit_every || (rec->flags & GCB_REC_F_BATCH_END))
			flush(&v);
	}
	flush(&v);
	st = gcb_vproc_stats(p);
	counters_publish(ctx, &ctr, st);
	gcb_log_info("validator stopped: %" PRIu64 " events, %" PRIu64 " avro, %" PRIu64
		     " dlq, %" PRIu64 " filtered, %" PRIu64 " skipped after restart",
		     st->events, st->avro, st->dlq, st->filtered, ctr.skipped);
	gcb_reload_fini(&rl);
	gcb_registry_destroy(reg);
	gcb_vproc_destroy(p);
	gcb_catalog_destroy(cat);
	return exit_code;
}
