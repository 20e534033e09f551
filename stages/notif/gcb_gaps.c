/*
 * The gap log (gcb_gaps.h). File format, one JSON object rewritten whole:
 *
 *   {"version":1,"next_id":N,"gaps":[{"id":1,"start":"ISO-8601","start_unix_ms":T,
 *     "end":"ISO-8601"|null,"end_unix_ms":T|null,"state":"open"|"closed",
 *     "reason":"heartbeat","topics":["v2.users.x.presence",...]},...]}
 *
 * The unix-ms fields are authoritative; the ISO strings are for people. The
 * alive mark is {"version":1,"alive":"ISO-8601","alive_unix_ms":T}.
 */
#include "stages/notif/gcb_gaps.h"

#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include <cjson/cJSON.h>

#include "lib/gcb_array.h"
#include "lib/gcb_log.h"

#define GAPS_VERSION	  1
#define GAPS_READ_MIN	  (64u * 1024u)
#define GAPS_READ_MAX	  (512u * 1024u * 1024u)
#define GAPS_ISO_MAX	  32
#define GAPS_EXACT_DOUBLE 9007199254740992.0 /* 2^53: larger integers lose digits */

static void iso_ms(uint64_t unix_ms, char out[GAPS_ISO_MAX])
{
	time_t s = (time_t)(unix_ms / 1000);
	struct tm tm;
	size_t n;

	gmtime_r(&s, &tm);
	n = strftime(out, GAPS_ISO_MAX, "%Y-%m-%dT%H:%M:%S", &tm);
	snprintf(out + n, GAPS_ISO_MAX - n, ".%03uZ", (unsigned)(unix_ms % 1000));
}

static void gap_free(gcb_gap_t *gap)
{
	free(gap->topics);
	gap->topics = NULL;
}

/* Reads a whole state file of any size; -ENOENT when absent. *out is malloc'd. */
static int read_whole(gcb_ckpt_t *store, const char *name, char **out, size_t *len)
{
	struct stat st;
	size_t size = GAPS_READ_MIN;
	int rc;

	if (fstatat(store->dir_fd, name, &st, 0) == 0 && (size_t)st.st_size + 2 > size)
		size = (size_t)st.st_size + 2;
	for (;;) {
		char *buf = malloc(size);

		if (buf == NULL)
			return -ENOMEM;
		rc = gcb_ckpt_read_file(store, name, buf, size, len);
		if (rc == 0) {
			*out = buf;
			return 0;
		}
		free(buf);
		if (rc != -EFBIG || size >= GAPS_READ_MAX)
			return rc;
		size *= 2; /* grew between fstatat and read */
	}
}

static int get_u64(const cJSON *o, const char *key, uint64_t *v)
{
	const cJSON *it = cJSON_GetObjectItemCaseSensitive(o, key);

	if (!cJSON_IsNumber(it) || it->valuedouble < 0 || it->valuedouble >= GAPS_EXACT_DOUBLE ||
	    it->valuedouble != (double)(uint64_t)it->valuedouble)
		return -1;
	*v = (uint64_t)it->valuedouble;
	return 0;
}

/* Space-joined copy of a JSON array of topic strings; NULL with *why set on error. */
static char *topics_join(const cJSON *arr, const char **why)
{
	const cJSON *t;
	size_t n = 1, at = 0;
	char *s;

	if (!cJSON_IsArray(arr)) {
		*why = "\"topics\" is not an array";
		return NULL;
	}
	cJSON_ArrayForEach(t, arr)
	{
		if (!cJSON_IsString(t) || t->valuestring[0] == '\0' ||
		    strchr(t->valuestring, ' ') != NULL) {
			*why = "a topic is not a non-empty string without spaces";
			return NULL;
		}
		n += strlen(t->valuestring) + 1;
	}
	if ((s = malloc(n)) == NULL) {
		*why = "out of memory";
		return NULL;
	}
	cJSON_ArrayForEach(t, arr)
	{
		size_t k = strlen(t->valuestring);

		if (at > 0)
			s[at++] = ' ';
		memcpy(s + at, t->valuestring, k);
		at += k;
	}
	s[at] = '\0';
	return s;
}

/* Room for want gaps; the bound keeps the count within its unsigned. */
static int reserve(gcb_gaps_t *g, size_t want)
{
	return GCB_ARRAY_RESERVE(g->v, g->cap, want, 8, UINT_MAX);
}

static int load_alive(gcb_gaps_t *g, char *errstr, size_t errstr_size)
{
	char *buf = NULL;
	size_t len;
	cJSON *o = NULL;
	const cJSON *v;
	int rc = read_whole(g->store, g->alive_name, &buf, &len);

	if (rc == -ENOENT)
		return 0;
	if (rc != 0) {
		snprintf(errstr, errstr_size, "%s/%s: cannot be read: %s", g->store->dir,
			 g->alive_name, strerror(-rc));
		return rc;
	}
	o = cJSON_ParseWithLength(buf, len);
	v = cJSON_GetObjectItemCaseSensitive(o, "version");
	if (o == NULL || !cJSON_IsNumber(v) || v->valuedouble != GAPS_VERSION ||
	    get_u64(o, "alive_unix_ms", &g->alive_unix_ms) != 0) {
		snprintf(errstr, errstr_size,
			 "%s/%s: not an alive mark (version 1 with alive_unix_ms expected)",
			 g->store->dir, g->alive_name);
		rc = -EBADMSG;
	}
	cJSON_Delete(o);
	free(buf);
	return rc;
}

/* Parses one gap of the file; on error says why in errstr. */
static int parse_gap(gcb_gaps_t *g, const cJSON *it, unsigned idx, gcb_gap_t *gap, char *errstr,
		     size_t errstr_size)
{
	const cJSON *state = cJSON_GetObjectItemCaseSensitive(it, "state");
	const cJSON *reason = cJSON_GetObjectItemCaseSensitive(it, "reason");
	const char *why = NULL;

	memset(gap, 0, sizeof(*gap));
	if (!cJSON_IsObject(it))
		why = "not an object";
	else if (get_u64(it, "id", &gap->id) != 0 || gap->id == 0)
		why = "\"id\" missing or not a positive integer";
	else if (gap->id >= g->next_id)
		why = "\"id\" not below next_id";
	else if (idx > 0 && gap->id <= g->v[idx - 1].id)
		why = "ids not increasing";
	else if (get_u64(it, "start_unix_ms", &gap->start_unix_ms) != 0)
		why = "\"start_unix_ms\" missing or not an integer";
	else if (!cJSON_IsString(state))
		why = "\"state\" missing";
	else if (strcmp(state->valuestring, "open") == 0)
		gap->state = GCB_GAP_OPEN;
	else if (strcmp(state->valuestring, "closed") == 0)
		gap->state = GCB_GAP_CLOSED;
	else
		why = "\"state\" is neither \"open\" nor \"closed\"";
	if (why == NULL && gap->state == GCB_GAP_CLOSED &&
	    (get_u64(it, "end_unix_ms", &gap->end_unix_ms) != 0 ||
	     gap->end_unix_ms < gap->start_unix_ms))
		why = "closed gap without an \"end_unix_ms\" at or after its start";
	if (why == NULL &&
	    (!cJSON_IsString(reason) || strlen(reason->valuestring) >= sizeof(gap->reason)))
		why = "\"reason\" missing or too long";
	if (why == NULL) {
		strcpy(gap->reason, reason->valuestring);
		gap->topics = topics_join(cJSON_GetObjectItemCaseSensitive(it, "topics"), &why);
	}
	if (why != NULL) {
		snprintf(errstr, errstr_size, "%s/%s: gap #%u: %s", g->store->dir, g->name, idx + 1,
			 why);
		return -EBADMSG;
	}
	if (gap->state == GCB_GAP_OPEN)
		gap->end_unix_ms = 0;
	return 0;
}

static int parse_log(gcb_gaps_t *g, const char *buf, size_t len, char *errstr, size_t errstr_size)
{
	cJSON *o = cJSON_ParseWithLength(buf, len);
	const cJSON *v, *arr, *it;
	const char *why = NULL;
	unsigned n = 0;
	int rc = -EBADMSG;

	if (o == NULL || !cJSON_IsObject(o)) {
		why = "not a JSON object";
		goto bad;
	}
	v = cJSON_GetObjectItemCaseSensitive(o, "version");
	if (!cJSON_IsNumber(v) || v->valuedouble != GAPS_VERSION) {
		why = "\"version\" missing or not 1";
		goto bad;
	}
	if (get_u64(o, "next_id", &g->next_id) != 0 || g->next_id == 0) {
		why = "\"next_id\" missing or not a positive integer";
		goto bad;
	}
	arr = cJSON_GetObjectItemCaseSensitive(o, "gaps");
	if (!cJSON_IsArray(arr)) {
		why = "\"gaps\" missing or not an array";
		goto bad;
	}
	if ((rc = reserve(g, (size_t)cJSON_GetArraySize(arr))) != 0) {
		why = "out of memory";
		goto bad;
	}
	cJSON_ArrayForEach(it, arr)
	{
		if ((rc = parse_gap(g, it, n, &g->v[n], errstr, errstr_size)) != 0)
			goto out;
		g->n = ++n;
	}
	rc = 0;
	goto out;
bad:
	snprintf(errstr, errstr_size, "%s/%s: not a gap log: %s", g->store->dir, g->name, why);
out:
	cJSON_Delete(o);
	return rc;
}

static cJSON *gap_json(const gcb_gap_t *gap)
{
	cJSON *o = cJSON_CreateObject(), *topics;
	char iso[GAPS_ISO_MAX];
	const char *p;

	if (o == NULL)
		return NULL;
	iso_ms(gap->start_unix_ms, iso);
	if (cJSON_AddNumberToObject(o, "id", (double)gap->id) == NULL ||
	    cJSON_AddStringToObject(o, "start", iso) == NULL ||
	    cJSON_AddNumberToObject(o, "start_unix_ms", (double)gap->start_unix_ms) == NULL)
		goto fail;
	if (gap->state == GCB_GAP_CLOSED) {
		iso_ms(gap->end_unix_ms, iso);
		if (cJSON_AddStringToObject(o, "end", iso) == NULL ||
		    cJSON_AddNumberToObject(o, "end_unix_ms", (double)gap->end_unix_ms) == NULL)
			goto fail;
	} else if (cJSON_AddNullToObject(o, "end") == NULL ||
		   cJSON_AddNullToObject(o, "end_unix_ms") == NULL) {
		goto fail;
	}
	if (cJSON_AddStringToObject(o, "state", gap->state == GCB_GAP_OPEN ? "open" : "closed") ==
		NULL ||
	    cJSON_AddStringToObject(o, "reason", gap->reason) == NULL ||
	    (topics = cJSON_AddArrayToObject(o, "topics")) == NULL)
		goto fail;
	for (p = gap->topics; *p != '\0';) {
		size_t k = strcspn(p, " ");
		cJSON *s;

		if (k > 0) {
			char *t = strndup(p, k);

			s = t != NULL ? cJSON_CreateString(t) : NULL;
			free(t);
			if (s == NULL || !cJSON_AddItemToArray(topics, s)) {
				cJSON_Delete(s);
				goto fail;
			}
		}
		p += k;
		p += strspn(p, " ");
	}
	return o;
fail:
	cJSON_Delete(o);
	return NULL;
}

static int write_json(gcb_gaps_t *g, const char *name, cJSON *o)
{
	char *text = cJSON_PrintUnformatted(o);
	size_t n;
	int rc;

	if (text == NULL)
		return -ENOMEM;
	n = strlen(text);
	text[n] = '\n'; /* replaces the NUL: the length is passed */
	rc = gcb_ckpt_write_file(g->store, name, text, n + 1);
	free(text);
	return rc;
}

/* Rewrites the whole log. 0 or -errno (logged; the old file stays). */
static int persist(gcb_gaps_t *g)
{
	cJSON *o = cJSON_CreateObject(), *arr;
	int rc = -ENOMEM;

	if (o == NULL || cJSON_AddNumberToObject(o, "version", GAPS_VERSION) == NULL ||
	    cJSON_AddNumberToObject(o, "next_id", (double)g->next_id) == NULL ||
	    (arr = cJSON_AddArrayToObject(o, "gaps")) == NULL)
		goto out;
	for (unsigned i = 0; i < g->n; i++) {
		cJSON *it = gap_json(&g->v[i]);

		if (it == NULL || !cJSON_AddItemToArray(arr, it)) {
			cJSON_Delete(it);
			goto out;
		}
	}
	rc = write_json(g, g->name, o);
out:
	cJSON_Delete(o);
	if (rc != 0)
		gcb_log_error("writing the gap log %s/%s failed: %s", g->store->dir, g->name,
			      strerror(-rc));
	return rc;
}

int gcb_gaps_load(gcb_gaps_t *g, gcb_ckpt_t *store, const char *instance, char *errstr,
		  size_t errstr_size)
{
	char *buf = NULL;
	size_t len;
	unsigned closed = 0;
	int rc;

	memset(g, 0, sizeof(*g));
	g->store = store;
	g->next_id = 1;
	if (snprintf(g->name, sizeof(g->name), "%s.gaps", instance) >= (int)sizeof(g->name) ||
	    snprintf(g->alive_name, sizeof(g->alive_name), "%s.alive", instance) >=
		(int)sizeof(g->alive_name)) {
		snprintf(errstr, errstr_size, "instance name \"%s\" too long for the gap log",
			 instance);
		return -ENAMETOOLONG;
	}
	if ((rc = load_alive(g, errstr, errstr_size)) != 0)
		goto fail;
	rc = read_whole(store, g->name, &buf, &len);
	if (rc == -ENOENT)
		return 0;
	if (rc != 0) {
		snprintf(errstr, errstr_size, "%s/%s: cannot be read: %s", store->dir, g->name,
			 strerror(-rc));
		goto fail;
	}
	rc = parse_log(g, buf, len, errstr, errstr_size);
	free(buf);
	if (rc != 0)
		goto fail;
	/* A gap still open belongs to a run that stopped without seeing it end;
	 * the last alive mark is the latest moment known to be covered. The next
	 * run records its own gap from that mark to its first connection. */
	for (unsigned i = 0; i < g->n; i++) {
		gcb_gap_t *gap = &g->v[i];

		if (gap->state != GCB_GAP_OPEN)
			continue;
		gap->state = GCB_GAP_CLOSED;
		gap->end_unix_ms =
		    g->alive_unix_ms > gap->start_unix_ms ? g->alive_unix_ms : gap->start_unix_ms;
		closed++;
	}
	if (closed > 0) {
		gcb_log_warn("gap log: %u gap(s) left open by the previous run closed at its last "
			     "alive mark",
			     closed);
		/* Failing here is not fatal: the same closing happens at the next load. */
		(void)persist(g);
	}
	if (g->n > 0)
		gcb_log_info("gap log %s/%s: %u gap(s) to backfill", store->dir, g->name, g->n);
	return 0;
fail:
	gcb_gaps_fini(g);
	return rc;
}

void gcb_gaps_fini(gcb_gaps_t *g)
{
	for (unsigned i = 0; i < g->n; i++)
		gap_free(&g->v[i]);
	free(g->v);
	g->v = NULL;
	g->n = g->cap = 0;
}

void gcb_gaps_alive(gcb_gaps_t *g, uint64_t now_unix_ms, uint64_t now_mono_ms, uint64_t interval_ms)
{
	cJSON *o;
	char iso[GAPS_ISO_MAX];
	int rc = -ENOMEM;

	if (now_unix_ms > g->alive_unix_ms)
		g->alive_unix_ms = now_unix_ms;
	if (g->alive_written_ms != 0 && now_mono_ms - g->alive_written_ms < interval_ms)
		return;
	g->alive_written_ms = now_mono_ms ? now_mono_ms : 1;
	iso_ms(g->alive_unix_ms, iso);
	o = cJSON_CreateObject();
	if (o != NULL && cJSON_AddNumberToObject(o, "version", GAPS_VERSION) != NULL &&
	    cJSON_AddStringToObject(o, "alive", iso) != NULL &&
	    cJSON_AddNumberToObject(o, "alive_unix_ms", (double)g->alive_unix_ms) != NULL)
		rc = write_json(g, g->alive_name, o);
	cJSON_Delete(o);
	if (rc != 0)
		gcb_log_warn("writing the alive mark %s/%s failed: %s", g->store->dir,
			     g->alive_name, strerror(-rc));
}

uint64_t gcb_gaps_last_alive(const gcb_gaps_t *g)
{
	return g->alive_unix_ms;
}

uint64_t gcb_gaps_open(gcb_gaps_t *g, uint64_t start_unix_ms, const char *reason,
		       const char *topics)
{
	gcb_gap_t *gap;
	char *copy = NULL;

	if (reserve(g, (size_t)g->n + 1) != 0 || (copy = strdup(topics ? topics : "")) == NULL) {
		gcb_log_error("gap log: out of memory recording a gap from %" PRIu64,
			      start_unix_ms);
		return 0;
	}
	gap = &g->v[g->n++];
	memset(gap, 0, sizeof(*gap));
	gap->id = g->next_id++;
	gap->start_unix_ms = start_unix_ms;
	gap->state = GCB_GAP_OPEN;
	snprintf(gap->reason, sizeof(gap->reason), "%s", reason ? reason : "");
	gap->topics = copy;
	gcb_log_info("gap %" PRIu64 " opened (%s) from %" PRIu64, gap->id, gap->reason,
		     start_unix_ms);
	return persist(g) == 0 ? gap->id : 0;
}

static gcb_gap_t *find(const gcb_gaps_t *g, uint64_t id)
{
	for (unsigned i = 0; i < g->n; i++)
		if (g->v[i].id == id)
			return &g->v[i];
	return NULL;
}

int gcb_gaps_close(gcb_gaps_t *g, uint64_t id, uint64_t end_unix_ms)
{
	gcb_gap_t *gap = find(g, id);

	if (gap == NULL)
		return -ENOENT;
	if (gap->state == GCB_GAP_CLOSED)
		return 0;
	gap->state = GCB_GAP_CLOSED;
	gap->end_unix_ms = end_unix_ms > gap->start_unix_ms ? end_unix_ms : gap->start_unix_ms;
	gcb_log_info("gap %" PRIu64 " closed: %" PRIu64 " ms", id,
		     gap->end_unix_ms - gap->start_unix_ms);
	return persist(g);
}

const gcb_gap_t *gcb_gaps_next_closed(const gcb_gaps_t *g)
{
	for (unsigned i = 0; i < g->n; i++)
		if (g->v[i].state == GCB_GAP_CLOSED)
			return &g->v[i];
	return NULL;
}

int gcb_gaps_done(gcb_gaps_t *g, uint64_t id)
{
	gcb_gap_t *gap = find(g, id);
	unsigned i;

	if (gap == NULL)
		return -ENOENT;
	i = (unsigned)(gap - g->v);
	gap_free(gap);
	memmove(&g->v[i], &g->v[i + 1], (size_t)(g->n - i - 1) * sizeof(*gap));
	g->n--;
	return persist(g);
}

unsigned gcb_gaps_pending(const gcb_gaps_t *g)
{
	return g->n;
}
