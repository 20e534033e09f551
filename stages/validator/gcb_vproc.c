#include "stages/validator/gcb_vproc.h"

#include <errno.h>
#include <inttypes.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <openssl/evp.h>

#include "stages/validator/gcb_identity.h"
#include "stages/validator/gcb_drift.h"
#include "stages/validator/gcb_topic.h"
#include "lib/gcb_clock.h"

#define META_MAX 256 /* cap for id/type strings copied from a rejected event */

struct gcb_vproc {
	gcb_vproc_conf_t conf;
	const gcb_catalog_t *cat;
	gcb_mapper_t mapper;
	cJSON *doc; /* the current event, kept until the next one (out points into it) */
	int doc_in_arena;
	unsigned char *arena; /* cJSON nodes of one event: reset, never freed per event */
	size_t arena_size, arena_used;
	int arena_full; /* an allocation did not fit during the last parse */
	avro_writer_t writer;
	char *buf; /* Confluent frame */
	size_t buf_size;
	char keybuf[64];
	char sha256[65]; /* hex digest of the current oversized event */
	char topic_buf[GCB_MAP_PATH_MAX]; /* topicName of an event with no document */
	const char *topic_id; /* entity id inside the current event's topicName */
	size_t topic_id_len;
	char detail[GCB_MAP_DETAIL_MAX + 64];
	char path[GCB_MAP_PATH_MAX];
	gcb_vproc_stats_t stats;
	const gcb_schema_t *cur_schema; /* of the event being mapped, for drift reports */
	gcb_drift_t drift;
};

/* The mapper met a member its record lacks: schema drift (gcb_drift.h). */
static void on_unknown(void *arg, const gcb_snode_t *record, const char *field)
{
	gcb_vproc_t *p = arg;

	gcb_drift_note(&p->drift, p->cur_schema->origin, record->fullname ? record->fullname : "",
		       field);
	p->stats.drift_fields = p->drift.fields;
	p->stats.drift_names = p->drift.names;
}

/*
 * cJSON allocates every node with malloc. While an event is parsed, its
 * allocator hooks hand out the processor's arena instead; the arena is reset
 * for the next event, so parsing costs no malloc/free. Outside a parse the
 * hooks are plain malloc/free, so other cJSON users are unaffected. An event
 * too large for the arena fails the arena parse and is parsed again with
 * malloc, so arena documents hold nothing that needs freeing.
 */
static gcb_vproc_t *arena_owner; /* set only during a parse */

static void *arena_malloc(size_t n)
{
	gcb_vproc_t *p = arena_owner;
	size_t need = (n + 15) & ~(size_t)15;
	void *mem;

	if (!p)
		return malloc(n);
	if (need < n || need > p->arena_size - p->arena_used) {
		p->arena_full = 1;
		return NULL;
	}
	mem = p->arena + p->arena_used;
	p->arena_used += need;
	return mem;
}

static void arena_free(void *mem)
{
	if (!arena_owner)
		free(mem);
}

static void drop_doc(gcb_vproc_t *p)
{
	if (!p->doc_in_arena)
		cJSON_Delete(p->doc);
	p->doc = NULL;
	p->doc_in_arena = 0;
}

static cJSON *parse(gcb_vproc_t *p, const char *json, size_t len)
{
	static int hooked;
	cJSON *doc;

	if (!hooked) {
		cJSON_Hooks hooks = {.malloc_fn = arena_malloc, .free_fn = arena_free};

		cJSON_InitHooks(&hooks);
		hooked = 1;
	}
	arena_owner = p;
	p->arena_used = 0;
	p->arena_full = 0;
	doc = cJSON_ParseWithLength(json, len);
	arena_owner = NULL;
	if (doc) {
		p->doc_in_arena = 1;
		return doc;
	}
	/* Not a syntax error but a full arena: parse again with malloc. */
	return p->arena_full ? cJSON_ParseWithLength(json, len) : NULL;
}

int gcb_vproc_new(gcb_vproc_t **out, const gcb_vproc_conf_t *conf, const gcb_catalog_t *cat,
		  char *errstr, size_t errstr_size)
{
	gcb_vproc_t *p = calloc(1, sizeof(*p));

	*out = NULL;
	if (!p)
		goto nomem;
	if (!conf->max_event_bytes) {
		/* The limit is a setting (event.max_bytes), defaulted in one place:
		 * the configuration table. */
		snprintf(errstr, errstr_size, "max_event_bytes not set");
		free(p);
		return -EINVAL;
	}
	p->conf = *conf;
	if (!p->conf.max_out_bytes)
		p->conf.max_out_bytes = 2 * p->conf.max_event_bytes + 4096;
	p->cat = cat;
	p->buf_size = p->conf.max_out_bytes;
	p->buf = malloc(p->buf_size);
	/* Untouched pages cost nothing: size it for large events. */
	p->arena_size = 8 * p->conf.max_event_bytes;
	if (p->arena_size < (256u << 10))
		p->arena_size = 256u << 10;
	if (p->arena_size > (16u << 20))
		p->arena_size = 16u << 20;
	p->arena = malloc(p->arena_size);
	if (!p->buf || !p->arena || gcb_mapper_init(&p->mapper, p->conf.max_event_bytes) != 0)
		goto nomem;
	gcb_drift_init(&p->drift, p->conf.drift_log);
	p->writer = avro_writer_memory(p->buf, (int64_t)p->buf_size);
	if (!p->writer) {
		snprintf(errstr, errstr_size, "avro_writer_memory() failed: %s", avro_strerror());
		gcb_vproc_destroy(p);
		return -ENOMEM;
	}
	*out = p;
	return 0;
nomem:
	snprintf(errstr, errstr_size, "out of memory allocating the validator's buffers");
	gcb_vproc_destroy(p);
	return -ENOMEM;
}

void gcb_vproc_destroy(gcb_vproc_t *p)
{
	if (!p)
		return;
	drop_doc(p);
	free(p->arena);
	if (p->writer)
		avro_writer_free(p->writer);
	gcb_mapper_fini(&p->mapper);
	free(p->buf);
	free(p);
}

void gcb_vproc_set_catalog(gcb_vproc_t *p, const gcb_catalog_t *cat)
{
	drop_doc(p);
	p->cat = cat;
}

const gcb_vproc_stats_t *gcb_vproc_stats(const gcb_vproc_t *p)
{
	return &p->stats;
}

static void set_field(gcb_vout_t *o, int f, const char *s, size_t len)
{
	o->f[f] = s;
	o->len[f] = (uint32_t)len;
}

static void set_str(gcb_vout_t *o, int f, const char *s, size_t cap)
{
	size_t len = s ? strlen(s) : 0;

	set_field(o, f, s, len < cap ? len : cap);
}

size_t gcb_vout_size(const gcb_vout_t *o)
{
	size_t n = sizeof(gcb_rec_out_t);

	for (int i = 0; i < GCB_OUTF_COUNT; i++)
		n += o->len[i];
	return n;
}

void gcb_vout_write(const gcb_vout_t *o, void *dst)
{
	gcb_rec_out_t *h = dst;
	uint32_t off = sizeof(*h);

	memset(h, 0, sizeof(*h));
	h->batch_seq = o->batch_seq;
	h->received_unix_ms = o->received_unix_ms;
	h->schema_fingerprint = o->schema_fingerprint;
	h->schema_id = o->schema_id;
	h->schema_version = o->schema_version;
	h->event_len = o->event_len;
	for (int i = 0; i < GCB_OUTF_COUNT; i++) {
		h->fields[i].off = off;
		h->fields[i].len = o->len[i];
		if (o->len[i])
			memcpy((unsigned char *)dst + off, o->f[i], o->len[i]);
		off += o->len[i];
	}
}

static const char *str_member(const cJSON *doc, const char *name);

static void set_ident(gcb_vout_t *o, int f, gcb_ident_str_t v)
{
	if (!o->len[f] && v.p != NULL)
		set_field(o, f, v.p, v.len < META_MAX ? v.len : META_MAX);
}

/*
 * An event with no document (not JSON, too deep, cut): its identity from a
 * bounded scan of its bytes, so the dead letter still says which event it
 * was and lands on its entity's partition.
 */
static void identify_raw(gcb_vproc_t *p, gcb_vout_t *o)
{
	gcb_identity_t id;
	const char *fam, *kind;
	size_t fam_len, kind_len;

	gcb_identity_scan(&id, o->f[GCB_OUTF_VALUE], o->len[GCB_OUTF_VALUE],
			  GCB_IDENTITY_SCAN_MAX);
	set_ident(o, GCB_OUTF_EVENT_ID, gcb_identity_event_id(&id));
	set_ident(o, GCB_OUTF_ENTITY_TYPE, id.entity_type);
	set_ident(o, GCB_OUTF_EVENT_TYPE, id.event_type);
	set_ident(o, GCB_OUTF_KEY, gcb_identity_key(&id));
	if (id.topic_name.p == NULL || id.topic_name.len >= sizeof(p->path))
		return;
	/* A notification: its family, kind and entity come from topicName. */
	memcpy(p->topic_buf, id.topic_name.p, id.topic_name.len);
	p->topic_buf[id.topic_name.len] = '\0';
	gcb_topic_split(p->topic_buf, &fam, &fam_len, &p->topic_id, &p->topic_id_len, &kind,
			&kind_len);
	if (p->topic_id_len > META_MAX)
		p->topic_id_len = 0;
	set_ident(o, GCB_OUTF_ENTITY_TYPE, (gcb_ident_str_t){fam, fam_len});
	set_ident(o, GCB_OUTF_EVENT_TYPE, (gcb_ident_str_t){kind, kind_len});
}

/* Names an oversized event that is here whole: its size and SHA-256. */
static void digest_whole(gcb_vproc_t *p, const gcb_vin_t *in, gcb_vout_t *o)
{
	static const char hex[] = "0123456789abcdef";
	unsigned char md[32];
	unsigned int n = 0;

	if (EVP_Digest(in->json, in->json_len, md, &n, EVP_sha256(), NULL) != 1 || n != 32)
		return;
	for (unsigned i = 0; i < 32; i++) {
		p->sha256[2 * i] = hex[md[i] >> 4];
		p->sha256[2 * i + 1] = hex[md[i] & 15];
	}
	p->sha256[64] = '\0';
	set_field(o, GCB_OUTF_EVENT_SHA256, p->sha256, 64);
}

/* Turns o into a DLQ output with p->path and p->detail already set. */
static void dlq_finish(gcb_vproc_t *p, gcb_vout_t *o, int reason)
{
	size_t size, over, cut;

	o->type = GCB_REC_DLQ;
	o->reason = reason;
	set_str(o, GCB_OUTF_TOPIC, p->conf.dlq_topic, META_MAX);
	if (!cJSON_IsObject(p->doc))
		identify_raw(p, o);
	/* Keep one entity's rejects on one DLQ partition, like its good events. */
	if (!o->len[GCB_OUTF_KEY] && cJSON_IsObject(p->doc))
		set_str(o, GCB_OUTF_KEY, str_member(p->doc, "entityId"), META_MAX);
	if (!o->len[GCB_OUTF_KEY] && p->topic_id_len)
		set_field(o, GCB_OUTF_KEY, p->topic_id, p->topic_id_len);
	set_str(o, GCB_OUTF_ERROR_REASON, gcb_reason_name(reason), META_MAX);
	set_str(o, GCB_OUTF_ERROR_FIELD, p->path, sizeof(p->path));
	set_str(o, GCB_OUTF_ERROR_DETAIL, p->detail, sizeof(p->detail));
	/* The DLQ value is the raw event, unchanged: only a record that could
	 * not fit the output ring at all is cut, and the detail says so. */
	size = gcb_vout_size(o);
	if (size > p->conf.max_out_bytes) {
		size_t dlen = strlen(p->detail);
		size_t at = dlen < sizeof(p->detail) / 2 ? dlen : sizeof(p->detail) / 2;

		snprintf(p->detail + at, sizeof(p->detail) - at, " [raw event cut]");
		set_str(o, GCB_OUTF_ERROR_DETAIL, p->detail, sizeof(p->detail));
		/* A cut dead letter is at the size limits: its message goes
		 * without the cursor header (up to 1 KiB, from the batch's
		 * slot) as it goes without the stream. */
		o->flags |= GCB_REC_F_NO_CURSOR;
		o->len[GCB_OUTF_STREAM] = 0;
		size = gcb_vout_size(o);
		over = size > p->conf.max_out_bytes ? size - p->conf.max_out_bytes : 0;
		cut = over < o->len[GCB_OUTF_VALUE] ? over : o->len[GCB_OUTF_VALUE];
		o->len[GCB_OUTF_VALUE] -= (uint32_t)cut;
		/* A tiny ring: drop what is left, descriptive fields last. */
		static const int shed[] = {
		    GCB_OUTF_EVENT_ID, GCB_OUTF_ENTITY_TYPE,  GCB_OUTF_EVENT_TYPE,  GCB_OUTF_SCHEMA,
		    GCB_OUTF_KEY,      GCB_OUTF_ERROR_DETAIL, GCB_OUTF_ERROR_FIELD, GCB_OUTF_TOPIC};
		for (size_t i = 0;
		     i < sizeof(shed) / sizeof(shed[0]) && gcb_vout_size(o) > p->conf.max_out_bytes;
		     i++)
			o->len[shed[i]] = 0;
	}
	p->stats.dlq++;
	p->stats.by_reason[reason > 0 && reason < GCB_REASON_COUNT ? reason : 0]++;
}

__attribute__((format(printf, 5, 6))) static void dlq(gcb_vproc_t *p, gcb_vout_t *o, int reason,
						      const char *path, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(p->detail, sizeof(p->detail), fmt, ap);
	va_end(ap);
	snprintf(p->path, sizeof(p->path), "%s", path);
	dlq_finish(p, o, reason);
}

static int has_escaped_nul(const char *s, size_t len)
{
	const char *p = s, *end = s + len;

	while ((p = memchr(p, '\\', (size_t)(end - p))) != NULL) {
		if (end - p >= 6 && memcmp(p, "\\u0000", 6) == 0)
			return 1;
		p += 2; /* skip the escaped character ("\\\\" included) */
		if (p >= end)
			break;
	}
	return 0;
}

static const char *str_member(const cJSON *doc, const char *name)
{
	const cJSON *j = cJSON_GetObjectItemCaseSensitive(doc, name);

	return cJSON_IsString(j) ? j->valuestring : NULL;
}

static int extract_key(gcb_vproc_t *p, const gcb_route_t *r, gcb_vout_t *o)
{
	const cJSON *k;

	if (r->key_segment >= 0) {
		const char *t = str_member(p->doc, "topicName"), *seg;
		size_t len;

		seg = t ? gcb_topic_segment(t, (unsigned)r->key_segment, &len) : NULL;
		if (!seg)
			return -ENOENT;
		set_field(o, GCB_OUTF_KEY, seg, len);
		return 0;
	}
	k = gcb_jpath_get(&r->key, p->doc);
	if (cJSON_IsString(k)) {
		set_field(o, GCB_OUTF_KEY, k->valuestring, strlen(k->valuestring));
		return 0;
	}
	if (cJSON_IsNumber(k) && k->valuedouble == (double)(int64_t)k->valuedouble) {
		int n = snprintf(p->keybuf, sizeof(p->keybuf), "%" PRId64, (int64_t)k->valuedouble);

		set_field(o, GCB_OUTF_KEY, p->keybuf, (size_t)n);
		return 0;
	}
	return -ENOENT;
}

/* Frames the mapped value into p->buf. 0, or a reason with p->detail set. */
static int encode(gcb_vproc_t *p, const gcb_route_t *r, gcb_vout_t *o)
{
	avro_value_t *v = &r->schema->value;
	size_t room, used;
	int rc;

	/* Room left for the Avro body once every other field is counted. */
	used = gcb_vout_size(o) + GCB_VPROC_FRAME_HDR;
	if (used >= p->conf.max_out_bytes) {
		snprintf(p->detail, sizeof(p->detail), "output record would exceed %zu bytes",
			 p->conf.max_out_bytes);
		return GCB_REASON_OVERSIZED;
	}
	room = p->conf.max_out_bytes - used;
	if (room > p->buf_size - GCB_VPROC_FRAME_HDR)
		room = p->buf_size - GCB_VPROC_FRAME_HDR;
	p->buf[0] = 0;
	p->buf[1] = (char)(r->schema_id >> 24);
	p->buf[2] = (char)(r->schema_id >> 16);
	p->buf[3] = (char)(r->schema_id >> 8);
	p->buf[4] = (char)r->schema_id;
	avro_writer_memory_set_dest(p->writer, p->buf + GCB_VPROC_FRAME_HDR, (int64_t)room);
	rc = avro_value_write(p->writer, v);
	if (rc == ENOSPC) {
		snprintf(p->detail, sizeof(p->detail),
			 "encoded event exceeds the %zu bytes the output ring allows", room);
		return GCB_REASON_OVERSIZED;
	}
	if (rc != 0) {
		snprintf(p->detail, sizeof(p->detail), "avro_value_write() failed: %s",
			 avro_strerror());
		return GCB_REASON_ENCODE_FAILED;
	}
	set_field(o, GCB_OUTF_VALUE, p->buf,
		  GCB_VPROC_FRAME_HDR + (size_t)avro_writer_tell(p->writer));
	o->type = GCB_REC_AVRO;
	p->stats.avro++;
	return 0;
}

/*
 * Event id, entity type and event type (the producer's event.id, entity.type
 * and event.type headers). A poll-contract event has them at the top level; a
 * notification message has its metadata.CorrelationId and its topicName,
 * split around the entity id: "v2.users.<id>.presence" gives entity type
 * "v2.users" and event type "presence". Returns the topicName, or NULL.
 */
static const char *set_meta(gcb_vproc_t *p, gcb_vout_t *o)
{
	const char *id = str_member(p->doc, "id");
	const char *topic = str_member(p->doc, "topicName");
	const char *et = str_member(p->doc, "entityType");
	const char *ev = str_member(p->doc, "eventType");
	const char *fam, *kind;
	size_t fam_len, kind_len;

	if (!id) {
		const cJSON *md = cJSON_GetObjectItemCaseSensitive(p->doc, "metadata");

		id = cJSON_IsObject(md) ? str_member(md, "CorrelationId") : NULL;
	}
	set_str(o, GCB_OUTF_EVENT_ID, id, META_MAX);
	set_str(o, GCB_OUTF_ENTITY_TYPE, et, META_MAX);
	set_str(o, GCB_OUTF_EVENT_TYPE, ev, META_MAX);
	if (!topic)
		return NULL;
	gcb_topic_split(topic, &fam, &fam_len, &p->topic_id, &p->topic_id_len, &kind, &kind_len);
	if (p->topic_id_len > META_MAX)
		p->topic_id_len = 0;
	if (!et)
		set_field(o, GCB_OUTF_ENTITY_TYPE, fam, fam_len < META_MAX ? fam_len : META_MAX);
	if (!ev)
		set_field(o, GCB_OUTF_EVENT_TYPE, kind, kind_len < META_MAX ? kind_len : META_MAX);
	return topic;
}

/*
 * No route: the detail names what routing looked at. Heartbeats, pongs and
 * v2.system.* messages are the fetcher's to handle; one that gets here
 * anyway is dead-lettered with a reason that says so.
 */
static void unrouted(gcb_vproc_t *p, gcb_vout_t *o, const char *topic)
{
	if (topic &&
	    (strcmp(topic, "channel.metadata") == 0 || strncmp(topic, "v2.system.", 10) == 0))
		dlq(p, o, GCB_REASON_UNROUTED, "topicName",
		    "notification control message %.128s: handled by the fetcher, never routed",
		    topic);
	else if (topic)
		dlq(p, o, GCB_REASON_UNROUTED, "topicName", "no route for topicName=%.200s", topic);
	else
		dlq(p, o, GCB_REASON_UNROUTED, "", "no route for entityType=%.64s eventType=%.64s",
		    o->f[GCB_OUTF_ENTITY_TYPE] ? o->f[GCB_OUTF_ENTITY_TYPE] : "(none)",
		    o->f[GCB_OUTF_EVENT_TYPE] ? o->f[GCB_OUTF_EVENT_TYPE] : "(none)");
}

void gcb_vproc_bad_record(gcb_vproc_t *p, const void *payload, size_t len, const char *detail,
			  gcb_vout_t *o)
{
	memset(o, 0, sizeof(*o));
	set_field(o, GCB_OUTF_VALUE, payload, len);
	o->event_len = len;
	p->stats.events++;
	dlq(p, o, GCB_REASON_BAD_RECORD, "", "%s", detail);
}

void gcb_vproc_process(gcb_vproc_t *p, const gcb_vin_t *in, gcb_vout_t *o)
{
	const gcb_route_t *r;
	const char *topic;
	gcb_schema_t *s;
	gcb_mapper_t *m = &p->mapper;
	uint64_t t0 = 0, t1;
	int rc;

	memset(o, 0, sizeof(*o));
	o->batch_seq = in->batch_seq;
	o->received_unix_ms = in->received_unix_ms;
	set_field(o, GCB_OUTF_VALUE, in->json, in->json_len);
	set_field(o, GCB_OUTF_STREAM, in->stream, in->stream_len);
	o->event_len = in->event_len > in->json_len ? in->event_len : in->json_len;
	p->stats.events++;
	drop_doc(p);
	p->topic_id = NULL;
	p->topic_id_len = 0;

	if (in->raw_answer) {
		set_field(o, GCB_OUTF_EVENT_SHA256, in->sha256, in->sha256_len);
		set_field(o, GCB_OUTF_QUARANTINE, in->kept, in->kept_len);
		dlq(p, o, GCB_REASON_BAD_ANSWER, "",
		    "a poll answer of %" PRIu64 " bytes whose framing could not be read, "
		    "dead-lettered whole on an operator's request%s%.*s",
		    o->event_len, in->kept_len ? "; kept in " : "", (int)in->kept_len, in->kept);
		return;
	}
	if (in->event_len > in->json_len) {
		/* Too large for a ring record: the fetcher kept it whole in a file
		 * and sent its first part, which is all the DLQ record can hold. */
		set_field(o, GCB_OUTF_EVENT_SHA256, in->sha256, in->sha256_len);
		set_field(o, GCB_OUTF_QUARANTINE, in->kept, in->kept_len);
		dlq(p, o, GCB_REASON_OVERSIZED, "",
		    "event of %" PRIu64 " bytes exceeds the ring's largest record: the value is "
		    "its first %zu bytes, the whole event is in %.*s",
		    in->event_len, in->json_len, (int)(in->kept_len ? in->kept_len : 10),
		    in->kept_len ? in->kept : "(not kept)");
		return;
	}
	if (in->json_len > p->conf.max_event_bytes) {
		digest_whole(p, in, o);
		dlq(p, o, GCB_REASON_OVERSIZED, "", "event of %zu bytes exceeds the limit of %zu",
		    in->json_len, p->conf.max_event_bytes);
		return;
	}
	/* cJSON ends strings at a decoded U+0000: refuse rather than truncate. */
	if (has_escaped_nul(in->json, in->json_len)) {
		dlq(p, o, GCB_REASON_BAD_JSON, "",
		    "strings containing \\u0000 are not supported (they would be truncated)");
		return;
	}
	if (p->conf.timing)
		t0 = gcb_clock_mono_ns();
	p->doc = parse(p, in->json, in->json_len);
	if (p->conf.timing) {
		t1 = gcb_clock_mono_ns();
		p->stats.ns_parse += t1 - t0;
		t0 = t1;
	}
	if (!p->doc) {
		const char *at = cJSON_GetErrorPtr();
		long off = at && at >= in->json && at <= in->json + in->json_len
			       ? (long)(at - in->json)
			       : -1;

		dlq(p, o, GCB_REASON_BAD_JSON, "", "not valid JSON (near byte %ld)", off);
		return;
	}
	if (!cJSON_IsObject(p->doc)) {
		dlq(p, o, GCB_REASON_BAD_JSON, "", "the event is not a JSON object");
		return;
	}
	topic = set_meta(p, o);

	r = gcb_catalog_route(p->cat, p->doc);
	if (!r) {
		unrouted(p, o, topic);
		return;
	}
	s = r->schema;
	set_str(o, GCB_OUTF_SCHEMA, s->fullname, META_MAX);
	o->schema_id = r->schema_id;
	o->schema_version = r->schema_version;
	o->schema_fingerprint = s->fingerprint;
	if (!gcb_route_filter_pass(r, p->doc)) {
		o->type = GCB_REC_FILTERED;
		set_str(o, GCB_OUTF_TOPIC, r->topic, META_MAX);
		set_field(o, GCB_OUTF_VALUE, NULL, 0);
		/* Provenance only: shed it rather than exceed the output ring. */
		if (gcb_vout_size(o) > p->conf.max_out_bytes)
			o->len[GCB_OUTF_STREAM] = 0;
		if (gcb_vout_size(o) > p->conf.max_out_bytes)
			o->len[GCB_OUTF_EVENT_ID] = o->len[GCB_OUTF_ENTITY_TYPE] =
			    o->len[GCB_OUTF_EVENT_TYPE] = 0;
		p->stats.filtered++;
		return;
	}

	avro_value_reset(&s->value);
	m->strict = p->conf.strict > 0;
	m->unknown = on_unknown;
	m->unknown_arg = p;
	p->cur_schema = s;
	m->skip = r->received_at >= 0 ? &s->root->fields[r->received_at] : NULL;
	m->reason = GCB_REASON_NONE;
	m->nsegs = 0;
	m->depth = 0;
	m->quiet = 0;
	m->in_default = 0;
	m->budget = GCB_MAP_BUDGET;
	m->path[0] = '\0';
	m->detail[0] = '\0';
	rc = gcb_map_value(m, s->root, p->doc, &s->value);
	if (rc == 0 && r->received_at >= 0) {
		avro_value_t f;

		if (avro_value_get_by_index(&s->value, (size_t)r->received_at, &f, NULL) != 0 ||
		    avro_value_set_long(&f, (int64_t)in->received_unix_ms) != 0) {
			snprintf(m->detail, sizeof(m->detail), "setting received_at failed: %s",
				 avro_strerror());
			snprintf(m->path, sizeof(m->path), "received_at");
			m->reason = GCB_REASON_ENCODE_FAILED;
			rc = -EINVAL;
		}
	}
	if (p->conf.timing) {
		t1 = gcb_clock_mono_ns();
		p->stats.ns_map += t1 - t0;
		t0 = t1;
	}
	if (rc) {
		/* Keep one entity's rejects on one DLQ partition, like its good events
		 * (poll-contract events keep their entityId as the DLQ key). */
		if (!str_member(p->doc, "entityId"))
			extract_key(p, r, o);
		snprintf(p->path, sizeof(p->path), "%s", m->path);
		snprintf(p->detail, sizeof(p->detail), "%s", m->detail);
		dlq_finish(p, o, m->reason);
		return;
	}
	if (extract_key(p, r, o) != 0) {
		if (r->key_segment >= 0)
			dlq(p, o, GCB_REASON_MISSING_KEY, "topicName",
			    "topicName has no segment %d for the key", r->key_segment);
		else
			dlq(p, o, GCB_REASON_MISSING_KEY, r->key.text,
			    "key path %s is absent or not a string or integer", r->key.text);
		return;
	}
	set_str(o, GCB_OUTF_TOPIC, r->topic, META_MAX);
	set_field(o, GCB_OUTF_VALUE, NULL, 0);
	rc = encode(p, r, o);
	if (rc) {
		set_field(o, GCB_OUTF_VALUE, in->json, in->json_len);
		p->path[0] = '\0';
		dlq_finish(p, o, rc);
	}
	if (p->conf.timing)
		p->stats.ns_encode += gcb_clock_mono_ns() - t0;
}
