/*
 * Stalls: when the poll source cannot make progress by itself, say so
 * everywhere an operator looks, keep trying, and offer a way out that loses
 * nothing (docs/fetcher.md, "Stalls").
 *
 * Two kinds of stall:
 *  - framing: stall_after answers in a row at one cursor whose framing is
 *    broken (truncated, not JSON, no "events" array). Meanwhile the limit is
 *    halved after each broken answer but the first, so every event before
 *    the one that breaks the answer still goes through and the stall ends
 *    up exactly at that event. The last broken answer is kept in the state
 *    directory for the operator.
 *  - no progress: nothing moved the cursor for stall_timeout while the
 *    server had more (hasMore), or while requests kept failing. Time spent
 *    waiting for ring space (Kafka slow or down) is not counted: that is
 *    backpressure, reported by the rings, not a stall of the source.
 *
 * A stall ends by itself on the first answer that makes progress, or when
 * an operator runs `gcbridge --skip-stalled-answer`: the kept answer is then
 * dead-lettered whole (reason bad_answer) and polling continues after it.
 */
#include "stages/fetcher/gcb_fetcher_int.h"

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cjson/cJSON.h>

#include "lib/gcb_clock.h"
#include "shm/gcb_shm_source.h"
#include "lib/gcb_log.h"

#define ANSWER_FILE  "%s.stalled-answer" /* the last broken answer, raw */
#define STALLED_FILE "%s.stalled.json"	 /* which cursor, why, which file */
#define SKIP_FILE    "%s.skip.json"	 /* an operator's request to move on */

static void state_name(char *buf, size_t size, const char *fmt, const char *instance)
{
	snprintf(buf, size, fmt, instance);
}

void gcb_fetcher_stall_init(gcb_fetcher_t *f)
{
	gcb_fetcher_stall_t *s = &f->stall;

	memset(s, 0, sizeof(*s));
	s->limit = f->src.conf->poll_limit;
	s->progress_ms = gcb_clock_real_ms();
	/* A previous run's report is stale: this run decides afresh. */
	gcb_shm_source_clear(&f->src.pipe->source);
}

static void stall_begin(gcb_fetcher_t *f, const char *reason)
{
	gcb_fetcher_stall_t *s = &f->stall;

	if (s->stalled && strcmp(s->reason, reason) == 0)
		return;
	snprintf(s->reason, sizeof(s->reason), "%s", reason);
	if (!s->stalled) {
		s->stalled = 1;
		s->since_ms = gcb_clock_real_ms();
		gcb_log_error("source stalled at cursor \"%s\": %s", f->src.cursor, reason);
	}
	gcb_shm_source_stall(&f->src.pipe->source, s->since_ms, reason, f->src.cursor);
}

static void stall_end(gcb_fetcher_t *f)
{
	gcb_fetcher_stall_t *s = &f->stall;
	char name[NAME_MAX + 1];

	if (!s->stalled)
		return;
	gcb_log_warn("source recovered after %llu s stalled: polling at cursor \"%s\"",
		     (unsigned long long)((gcb_clock_real_ms() - s->since_ms) / 1000), f->src.cursor);
	s->stalled = 0;
	s->kept_limit = 0;
	gcb_shm_source_clear(&f->src.pipe->source);
	/* The kept answer, and any request about it, are of a past position now. */
	state_name(name, sizeof(name), STALLED_FILE, f->src.ctx->shm->hdr->instance);
	unlinkat(f->src.ckpt.dir_fd, name, 0);
	state_name(name, sizeof(name), ANSWER_FILE, f->src.ctx->shm->hdr->instance);
	unlinkat(f->src.ckpt.dir_fd, name, 0);
	state_name(name, sizeof(name), SKIP_FILE, f->src.ctx->shm->hdr->instance);
	unlinkat(f->src.ckpt.dir_fd, name, 0);
}

/* No progress for stall_timeout: a stall, whatever the cause. */
static void check_time(gcb_fetcher_t *f)
{
	gcb_fetcher_stall_t *s = &f->stall;
	uint64_t now = gcb_clock_real_ms(), idle = now - s->progress_ms;
	char reason[GCB_SHM_REASON_MAX];

	if (idle < f->src.conf->stall_timeout_ms || s->bad_answers >= f->src.conf->stall_after)
		return;
	snprintf(reason, sizeof(reason), "no progress for %llu s%s: %.120s",
		 (unsigned long long)(idle / 1000),
		 s->more ? " while the server has more" : "", s->last_error);
	stall_begin(f, reason);
}

void gcb_fetcher_stall_progress(gcb_fetcher_t *f, int advanced, int has_more)
{
	gcb_fetcher_stall_t *s = &f->stall;

	s->bad_answers = 0;
	if (s->limit < f->src.conf->poll_limit) {
		/* Broken answers shrank the window; widen it again step by step. */
		s->limit = s->limit * 2 < f->src.conf->poll_limit ? s->limit * 2 : f->src.conf->poll_limit;
	}
	if (!advanced && has_more) {
		/* "More" but nothing new: not progress. */
		snprintf(s->last_error, sizeof(s->last_error),
			 "the server says hasMore but answers nothing new");
		s->more = 1;
		check_time(f);
		return;
	}
	s->progress_ms = gcb_clock_real_ms();
	s->more = has_more;
	stall_end(f);
}

void gcb_fetcher_stall_failed(gcb_fetcher_t *f, const char *what)
{
	snprintf(f->stall.last_error, sizeof(f->stall.last_error), "%s", what);
	check_time(f);
}

/* Keeps the broken answer, asked for with limit, for the operator. */
static void keep_answer(gcb_fetcher_t *f, const char *body, size_t len, unsigned limit)
{
	const char *inst = f->src.ctx->shm->hdr->instance;
	char name[NAME_MAX + 1], answer[NAME_MAX + 1], *text = NULL;
	cJSON *o = cJSON_CreateObject();
	int rc;

	state_name(answer, sizeof(answer), ANSWER_FILE, inst);
	state_name(name, sizeof(name), STALLED_FILE, inst);
	if ((rc = gcb_ckpt_write_file(&f->src.ckpt, answer, body, len)) == 0 && o != NULL &&
	    cJSON_AddStringToObject(o, "cursor", f->src.cursor) != NULL &&
	    cJSON_AddNumberToObject(o, "limit", limit) != NULL &&
	    cJSON_AddNumberToObject(o, "bytes", (double)len) != NULL &&
	    cJSON_AddStringToObject(o, "answer", answer) != NULL &&
	    cJSON_AddStringToObject(o, "reason", f->stall.last_error) != NULL &&
	    (text = cJSON_PrintUnformatted(o)) != NULL)
		rc = gcb_ckpt_write_file(&f->src.ckpt, name, text, strlen(text));
	if (rc == 0 && text != NULL) {
		f->stall.kept_limit = limit;
		gcb_log_info("the broken answer (%zu bytes) is kept in %s/%s", len, f->src.ckpt.dir,
			     answer);
	}
	free(text);
	cJSON_Delete(o);
}

void gcb_fetcher_stall_broken(gcb_fetcher_t *f, const char *err, const char *body, size_t len)
{
	gcb_fetcher_stall_t *s = &f->stall;
	unsigned asked = s->limit; /* the limit this answer was asked with */
	char reason[GCB_SHM_REASON_MAX];

	snprintf(s->last_error, sizeof(s->last_error), "answer malformed: %s", err);
	s->bad_answers++;
	/* The first retry keeps the limit (a truncation may be transient). */
	if (s->bad_answers >= 2 && s->limit > 1)
		s->limit /= 2;
	if (s->bad_answers < f->src.conf->stall_after) {
		check_time(f);
		return;
	}
	/* Keep the smallest broken answer: at limit 1 it is the bad event alone. */
	if (s->kept_limit == 0 || asked < s->kept_limit)
		keep_answer(f, body, len, asked);
	snprintf(reason, sizeof(reason), "%u answers in a row malformed (limit %u): %.120s",
		 s->bad_answers, asked, err);
	stall_begin(f, reason);
}

unsigned gcb_fetcher_stall_limit(const gcb_fetcher_t *f)
{
	return f->stall.limit;
}

/* Reads a whole state file into a new buffer (NUL-terminated). */
static int read_state(gcb_ckpt_t *ck, const char *name, char **out, size_t *len)
{
	int fd = openat(ck->dir_fd, name, O_RDONLY | O_CLOEXEC | O_NOFOLLOW);
	struct stat st;
	size_t n = 0;
	char *buf;

	if (fd < 0)
		return -errno;
	if (fstat(fd, &st) != 0 || !S_ISREG(st.st_mode) || st.st_size > (1ll << 30)) {
		close(fd);
		return -EINVAL;
	}
	if ((buf = malloc((size_t)st.st_size + 1)) == NULL) {
		close(fd);
		return -ENOMEM;
	}
	while (n < (size_t)st.st_size) {
		ssize_t k = read(fd, buf + n, (size_t)st.st_size - n);

		if (k < 0 && errno == EINTR)
			continue;
		if (k <= 0)
			break;
		n += (size_t)k;
	}
	close(fd);
	buf[n] = '\0';
	*out = buf;
	*len = n;
	return 0;
}

static int json_string(const cJSON *o, const char *key, char *out, size_t size)
{
	const cJSON *v = cJSON_GetObjectItemCaseSensitive(o, key);

	if (!cJSON_IsString(v) || strlen(v->valuestring) >= size)
		return -EINVAL;
	strcpy(out, v->valuestring);
	return 0;
}

int gcb_fetcher_stall_try_skip(gcb_fetcher_t *f)
{
	const char *inst = f->src.ctx->shm->hdr->instance;
	char name[NAME_MAX + 1], answer_name[NAME_MAX + 1], *text = NULL, *answer = NULL;
	char at[GCB_POLL_CURSOR_MAX], next[GCB_POLL_CURSOR_MAX];
	gcb_poll_result_t res;
	gcb_poll_span_t span;
	size_t len, alen;
	cJSON *o;
	int rc;

	if (!f->stall.stalled || f->stall.kept_limit == 0)
		return 0;
	if (!gcb_fetcher_pspool_drained(f))
		return 0; /* spooled answers come first: order */
	state_name(name, sizeof(name), SKIP_FILE, inst);
	if (read_state(&f->src.ckpt, name, &text, &len) != 0)
		return 0;
	o = cJSON_ParseWithLength(text, len);
	rc = json_string(o, "cursor", at, sizeof(at)) || json_string(o, "next", next, sizeof(next));
	cJSON_Delete(o);
	free(text);
	if (rc != 0 || strcmp(at, f->src.cursor) != 0 || next[0] == '\0' ||
	    strlen(next) >= GCB_SHM_CURSOR_MAX) {
		gcb_log_error("skip request %s/%s ignored: it is not for cursor \"%s\" or has no "
			      "usable next cursor",
			      f->src.ckpt.dir, name, f->src.cursor);
		unlinkat(f->src.ckpt.dir_fd, name, 0);
		return 0;
	}
	state_name(answer_name, sizeof(answer_name), ANSWER_FILE, inst);
	if ((rc = read_state(&f->src.ckpt, answer_name, &answer, &alen)) != 0 || alen == 0) {
		gcb_log_error("skip request: the kept answer %s/%s is unreadable: %s", f->src.ckpt.dir,
			      answer_name, rc ? strerror(-rc) : "empty");
		free(answer);
		unlinkat(f->src.ckpt.dir_fd, name, 0);
		return 0;
	}
	/* The answer travels as one record the validator dead-letters whole. */
	memset(&res, 0, sizeof(res));
	span.off = 0;
	span.len = (uint32_t)alen;
	res.events = &span;
	res.n_events = 1;
	res.cap = 1;
	res.raw_answer = 1;
	snprintf(res.cursor, sizeof(res.cursor), "%s", next);
	res.cursor_len = strlen(next);
	f->writing = 1;
	rc = gcb_batch_write(&f->src.writer, answer, &res, f->src.cursor, gcb_clock_real_ms());
	f->writing = 0;
	free(answer);
	if (rc != 0)
		return rc == -ECANCELED ? rc : 0; /* retried on the next turn */
	gcb_log_warn("operator skip: the answer at cursor \"%s\" (%zu bytes) goes to the DLQ "
		     "whole; continuing at cursor \"%s\"",
		     f->src.cursor, alen, next);
	unlinkat(f->src.ckpt.dir_fd, name, 0);
	memcpy(f->src.cursor, next, strlen(next) + 1);
	gcb_fetcher_pspool_passed(f, next);
	f->stall.bad_answers = 0;
	f->stall.limit = f->src.conf->poll_limit;
	f->stall.progress_ms = gcb_clock_real_ms();
	stall_end(f);
	return 1;
}

/*
 * The top-level "cursor" string of a (broken) answer, found by a string-
 * aware scan that counts brackets; "" when there is none, or when it has
 * escapes (an operator then names the next cursor).
 */
static void answer_cursor(const char *p, size_t len, char *out, size_t size)
{
	const char *end = p + len;
	size_t depth = 0;
	int expect_value = 0, is_cursor = 0;

	out[0] = '\0';
	for (; p < end; p++) {
		if (*p == '"') {
			const char *s = ++p;

			while (p < end && *p != '"' && *p != '\\')
				p++;
			if (p >= end)
				return;
			if (*p == '\\') { /* an escaped string: skip it, never use it */
				for (; p < end && *p != '"'; p++)
					if (*p == '\\')
						p++;
				if (p >= end)
					return;
				is_cursor = expect_value = 0;
				continue;
			}
			if (expect_value && is_cursor && depth == 1 && (size_t)(p - s) < size) {
				memcpy(out, s, (size_t)(p - s));
				out[p - s] = '\0';
			}
			is_cursor = !expect_value && depth == 1 && p - s == 6 &&
				    memcmp(s, "cursor", 6) == 0;
			expect_value = 0;
		} else if (*p == ':') {
			expect_value = 1;
		} else if (*p == '{' || *p == '[') {
			depth++;
			is_cursor = expect_value = 0;
		} else if (*p == '}' || *p == ']') {
			depth -= depth > 0;
			is_cursor = expect_value = 0;
		} else if (*p == ',') {
			is_cursor = expect_value = 0;
		}
	}
}

int gcb_fetcher_request_skip(const gcb_source_conf_t *conf, const char *instance,
			     const char *next, FILE *out, char *err, size_t err_size)
{
	char name[NAME_MAX + 1], stuck[GCB_POLL_CURSOR_MAX], answer[NAME_MAX + 1];
	char found[GCB_POLL_CURSOR_MAX], *text = NULL, *body = NULL, *req = NULL;
	size_t len, blen;
	gcb_ckpt_t ck;
	cJSON *o = NULL, *r = NULL;
	int rc;

	if ((rc = gcb_ckpt_init(&ck, conf->state_dir, instance, err, err_size)) != 0)
		return rc;
	state_name(name, sizeof(name), STALLED_FILE, instance);
	if ((rc = read_state(&ck, name, &text, &len)) != 0) {
		snprintf(err, err_size,
			 "no stalled answer is kept in %s (%s): the source is not stalled on a "
			 "broken answer",
			 ck.dir, strerror(-rc));
		goto out;
	}
	o = cJSON_ParseWithLength(text, len);
	if (json_string(o, "cursor", stuck, sizeof(stuck)) != 0 ||
	    json_string(o, "answer", answer, sizeof(answer)) != 0 ||
	    strchr(answer, '/') != NULL) {
		snprintf(err, err_size, "%s/%s is not a stall record", ck.dir, name);
		rc = -EINVAL;
		goto out;
	}
	if ((rc = read_state(&ck, answer, &body, &blen)) != 0) {
		snprintf(err, err_size, "the kept answer %s/%s is unreadable: %s", ck.dir, answer,
			 strerror(-rc));
		goto out;
	}
	if (next == NULL) {
		answer_cursor(body, blen, found, sizeof(found));
		if (found[0] == '\0' || strcmp(found, stuck) == 0) {
			snprintf(err, err_size,
				 "the kept answer (%s/%s, %zu bytes) names no usable next cursor: "
				 "give the position after it with --next-cursor",
				 ck.dir, answer, blen);
			rc = -ENOENT;
			goto out;
		}
		next = found;
	}
	if (next[0] == '\0' || strlen(next) >= GCB_SHM_CURSOR_MAX || strcmp(next, stuck) == 0) {
		snprintf(err, err_size, "next cursor \"%s\" is empty, too long or the stuck one",
			 next);
		rc = -EINVAL;
		goto out;
	}
	r = cJSON_CreateObject();
	if (r == NULL || cJSON_AddStringToObject(r, "cursor", stuck) == NULL ||
	    cJSON_AddStringToObject(r, "next", next) == NULL ||
	    (req = cJSON_PrintUnformatted(r)) == NULL) {
		rc = -ENOMEM;
		snprintf(err, err_size, "out of memory");
		goto out;
	}
	state_name(name, sizeof(name), SKIP_FILE, instance);
	if ((rc = gcb_ckpt_write_file(&ck, name, req, strlen(req))) != 0) {
		snprintf(err, err_size, "writing %s/%s failed: %s", ck.dir, name, strerror(-rc));
		goto out;
	}
	fprintf(out,
		"requested: the fetcher sends the answer kept in %s/%s (%zu bytes, at cursor "
		"\"%s\") to the DLQ whole (error.reason bad_answer) and continues at cursor "
		"\"%s\".\nThe stall ends on /readyz and in gcb-ringstat once it has.\n",
		ck.dir, answer, blen, stuck, next);
out:
	cJSON_Delete(o);
	cJSON_Delete(r);
	free(req);
	free(text);
	free(body);
	gcb_ckpt_fini(&ck);
	return rc;
}
