/*
 * --dump: the records of one ring from its release position, through the
 * same walker as the statistics, decoding the payloads of the record types
 * in shm/gcb_records.h. Payload fields are offsets the writer chose: each is
 * checked against the payload length before it is printed.
 */
#include "tools/ringstat/gcb_ringstat.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "shm/gcb_records.h"
#include "shm/gcb_shm_cursor.h"

#define DUMP_FIELD_MAX 120 /* characters of a decoded string field shown */

typedef struct dump_ctx {
	FILE *out;
	const gcb_shm_pipeline_t *pipe; /* NULL: its section is outside the segment */
	uint64_t count;			/* 0: all */
	uint64_t max_bytes;
	uint64_t shown;
} dump_ctx_t;

static void dump_hex(FILE *out, const unsigned char *p, uint64_t n)
{
	uint64_t i, k;

	for (i = 0; i < n; i += 16) {
		fprintf(out, "    %08llx ", (unsigned long long)i);
		for (k = 0; k < 16; k++) {
			if (k == 8)
				fputc(' ', out);
			if (i + k < n)
				fprintf(out, " %02x", p[i + k]);
			else
				fputs("   ", out);
		}
		fputs("  |", out);
		for (k = 0; k < 16 && i + k < n; k++)
			fputc(p[i + k] >= 0x20 && p[i + k] < 0x7f ? p[i + k] : '.', out);
		fputs("|\n", out);
	}
}

/* A string field, quoted, non-printables escaped, cut at DUMP_FIELD_MAX. */
static void dump_field(FILE *out, const char *name, const unsigned char *payload, gcb_rec_field_t f)
{
	uint32_t i, n = f.len < DUMP_FIELD_MAX ? f.len : DUMP_FIELD_MAX;

	if (f.len == 0)
		return;
	fprintf(out, "    %-13s \"", name);
	for (i = 0; i < n; i++) {
		unsigned char c = payload[f.off + i];

		if (c == '"' || c == '\\')
			fprintf(out, "\\%c", c);
		else if (c >= 0x20 && c < 0x7f)
			fputc(c, out);
		else
			fprintf(out, "\\x%02x", c);
	}
	fprintf(out, "\"%s\n", f.len > n ? "..." : "");
	if (f.len > n)
		fprintf(out, "    %-13s (%u bytes)\n", "", f.len);
}

static void dump_time(FILE *out, const char *name, uint64_t unix_ms)
{
	time_t t = (time_t)(unix_ms / 1000);
	struct tm tm;
	char buf[40];

	if (unix_ms != 0 && gmtime_r(&t, &tm) != NULL) {
		strftime(buf, sizeof(buf), "%Y-%m-%dT%H:%M:%S", &tm);
		fprintf(out, "    %-13s %s.%03lluZ\n", name, buf,
			(unsigned long long)(unix_ms % 1000));
	}
}

/* The batch's cursor travels in its slot, not in the records: shown while
 * the slot still holds that batch (it does until the batch is checkpointed). */
static void dump_cursor(FILE *out, const gcb_shm_pipeline_t *pipe, uint64_t batch_seq)
{
	char cursor[GCB_SHM_CURSOR_MAX];
	gcb_rec_field_t f = {0, 0};
	size_t len;

	if (pipe == NULL || gcb_shm_cursor_read(pipe, batch_seq, cursor, sizeof(cursor), &len) != 0)
		return;
	f.len = (uint32_t)len;
	dump_field(out, "cursor", (const unsigned char *)cursor, f);
}

static void dump_event(FILE *out, const gcb_shm_pipeline_t *pipe, const gcb_ringstat_rec_t *rec)
{
	static const char *const names[GCB_EVF_COUNT] = {"json", "stream", "sha256", "kept"};
	gcb_rec_event_t ev;
	unsigned i;

	if (rec->length < sizeof(ev)) {
		fprintf(out, "    (payload shorter than an event header)\n");
		return;
	}
	memcpy(&ev, rec->payload, sizeof(ev));
	fprintf(out, "    %-13s %llu\n", "batch_seq", (unsigned long long)ev.batch_seq);
	dump_time(out, "received", ev.received_unix_ms);
	if (rec->flags & GCB_REC_F_CUT)
		fprintf(out, "    %-13s %llu (cut: json is its first part)\n", "event_len",
			(unsigned long long)ev.event_len);
	if (!gcb_rec_fields_valid(ev.fields, GCB_EVF_COUNT, sizeof(ev), rec->length)) {
		fprintf(out, "    (field offsets outside the payload)\n");
		return;
	}
	for (i = 0; i < GCB_EVF_COUNT; i++)
		dump_field(out, names[i], rec->payload, ev.fields[i]);
	dump_cursor(out, pipe, ev.batch_seq);
}

static void dump_out(FILE *out, const gcb_shm_pipeline_t *pipe, const gcb_ringstat_rec_t *rec)
{
	static const char *const names[GCB_OUTF_COUNT] = {
	    "topic",	  "key",	  "value",	  "event_id",	 "entity_type",
	    "event_type", "schema",	  "error_reason", "error_field", "error_detail",
	    "stream",	  "event_sha256", "kept"};
	gcb_rec_out_t o;
	unsigned i;

	if (rec->length < sizeof(o)) {
		fprintf(out, "    (payload shorter than an output header)\n");
		return;
	}
	memcpy(&o, rec->payload, sizeof(o));
	fprintf(out, "    %-13s %llu\n", "batch_seq", (unsigned long long)o.batch_seq);
	dump_time(out, "received", o.received_unix_ms);
	if (rec->type == GCB_REC_AVRO)
		fprintf(out, "    %-13s id %u version %u fingerprint %016llx\n", "schema_ref",
			o.schema_id, o.schema_version, (unsigned long long)o.schema_fingerprint);
	if (!gcb_rec_fields_valid(o.fields, GCB_OUTF_COUNT, sizeof(o), rec->length)) {
		fprintf(out, "    (field offsets outside the payload)\n");
		return;
	}
	for (i = 0; i < GCB_OUTF_COUNT; i++) {
		if (i == GCB_OUTF_VALUE && rec->type == GCB_REC_AVRO) {
			if (o.fields[i].len != 0)
				fprintf(out, "    %-13s %u bytes (Confluent-framed Avro)\n",
					"value", o.fields[i].len);
			continue;
		}
		dump_field(out, names[i], rec->payload, o.fields[i]);
	}
	if (rec->type == GCB_REC_DLQ && !(rec->flags & GCB_REC_F_NO_CURSOR))
		dump_cursor(out, pipe, o.batch_seq);
}

static int dump_visit(void *arg, const gcb_ringstat_rec_t *rec)
{
	dump_ctx_t *d = arg;
	const char *tname = gcb_ringstat_rec_type_name(rec->type);
	uint64_t n;

	if (rec->type == GCB_RING_REC_PAD) {
		fprintf(d->out,
			"offset %-8llu pos %-12llu PAD      size %llu (to the end of the lap)\n",
			(unsigned long long)rec->off, (unsigned long long)rec->pos,
			(unsigned long long)rec->size);
		return 0;
	}
	if (d->count != 0 && d->shown >= d->count)
		return 1;
	d->shown++;
	fprintf(d->out, "offset %-8llu pos %-12llu ", (unsigned long long)rec->off,
		(unsigned long long)rec->pos);
	if (tname != NULL)
		fprintf(d->out, "%-8s", tname);
	else
		fprintf(d->out, "type %-3u", rec->type);
	fprintf(d->out, " length %u flags 0x%04x%s seq %llu %s\n", rec->length, rec->flags,
		(rec->flags & GCB_REC_F_BATCH_END) ? " (batch_end)" : "",
		(unsigned long long)rec->seq, rec->unread ? "unread" : "read, not released");
	if (rec->type == GCB_REC_EVENT)
		dump_event(d->out, d->pipe, rec);
	else if (rec->type == GCB_REC_AVRO || rec->type == GCB_REC_DLQ ||
		 rec->type == GCB_REC_FILTERED)
		dump_out(d->out, d->pipe, rec);
	n = rec->length < d->max_bytes ? rec->length : d->max_bytes;
	dump_hex(d->out, rec->payload, n);
	if (n < rec->length)
		fprintf(d->out, "    ... %llu more bytes\n", (unsigned long long)(rec->length - n));
	return 0;
}

int gcb_ringstat_dump(FILE *out, const gcb_shm_t *shm, const char *ring, uint64_t count,
		      uint64_t max_bytes)
{
	dump_ctx_t d = {.out = out, .count = count, .max_bytes = max_bytes};
	const gcb_ring_ctl_t *ctl;
	const unsigned char *data;
	gcb_ringstat_walk_t w;
	char *end;
	unsigned long idx;
	int i, rc;

	if (gcb_ringstat_pipeline_valid(shm))
		d.pipe = gcb_shm_pipeline(shm);
	i = gcb_shm_find_ring(shm, ring);
	if (i < 0) {
		idx = strtoul(ring, &end, 10);
		if (*ring == '\0' || *end != '\0' || idx >= shm->hdr->ring_count) {
			fprintf(stderr, "gcb-ringstat: no ring \"%s\" in %s\n", ring, shm->path);
			return 2;
		}
		i = (int)idx;
	}
	if (gcb_ringstat_ring_locate(shm, (unsigned)i, &ctl, &data) != 0) {
		fprintf(stderr, "gcb-ringstat: ring %d: descriptor outside the segment\n", i);
		return 1;
	}
	fprintf(out, "ring %d %.*s: release %llu read %llu tail %llu\n", i, (int)GCB_SHM_NAME_MAX,
		shm->hdr->rings[i].name, (unsigned long long)atomic_load(&ctl->cons.release),
		(unsigned long long)atomic_load(&ctl->cons.read),
		(unsigned long long)atomic_load(&ctl->prod.tail));
	rc = gcb_ringstat_walk(ctl, data, shm->hdr->rings[i].capacity, dump_visit, &d, &w);
	if (rc == -EBADMSG) {
		uint64_t avail = shm->hdr->rings[i].capacity - w.corrupt_off;

		if (atomic_load(&ctl->cons.release) > w.corrupt_pos) {
			fprintf(out,
				"(stopped at offset %llu: released and reused during the dump)\n",
				(unsigned long long)w.corrupt_off);
			return 0;
		}
		fprintf(out, "corrupt at offset %llu (pos %llu): %s: %s\n",
			(unsigned long long)w.corrupt_off, (unsigned long long)w.corrupt_pos,
			gcb_ringstat_corrupt_name(w.corrupt), w.detail);
		if (w.corrupt != GCB_RINGSTAT_BAD_DESC && w.corrupt != GCB_RINGSTAT_BAD_POSITIONS)
			dump_hex(out, data + w.corrupt_off, avail < 32 ? avail : 32);
		return 1;
	}
	fprintf(out, "%llu records shown%s\n", (unsigned long long)d.shown,
		w.stopped ? " (--count reached)" : "");
	return 0;
}
