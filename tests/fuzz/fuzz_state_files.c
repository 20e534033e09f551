/*
 * libFuzzer target for the notification source's state files, read back at
 * start: the bytes are cut at the first "\n--\n" into the gap log
 * (<instance>.gaps) and the backfill job (<instance>.backfill); after a
 * second cut, the rest is the alive mark (<instance>.alive). They are
 * written into a private scratch state directory, then gcb_gaps_load() and
 * gcb_backfill_new() read them as a restarting fetcher does. A file that is
 * not a gap log is refused with a reason; whatever loads must have closed
 * gaps with start <= end and increasing ids.
 */
#include <errno.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "stages/notif/gcb_backfill.h"
#include "stages/notif/gcb_gaps.h"
#include "lib/gcb_log.h"

#define INSTANCE "fz"

/* On tmpfs when there is one: the code under test fsyncs every write. */
static char dir[] = "/dev/shm/gcb-fuzz-state.XXXXXX";
static gcb_ckpt_t store;

static int scratch_dir(void)
{
	if (mkdtemp(dir) != NULL)
		return 0;
	snprintf(dir, sizeof(dir), "/tmp/gcb-fuzz-state.XXXXXX");
	return mkdtemp(dir) != NULL ? 0 : -1;
}

static void cleanup(void)
{
	static const char *const names[] = {
	    INSTANCE ".gaps",	      INSTANCE ".alive",	 INSTANCE ".backfill",
	    "." INSTANCE ".gaps.tmp", "." INSTANCE ".alive.tmp", "." INSTANCE ".backfill.tmp"};

	for (size_t i = 0; i < sizeof(names) / sizeof(names[0]); i++)
		unlinkat(store.dir_fd, names[i], 0);
}

static void at_exit(void)
{
	cleanup();
	gcb_ckpt_fini(&store);
	rmdir(dir);
}

static int call(void *arg, const char *method, const char *path, const char *body, size_t len,
		const gcb_http_resp_t **resp)
{
	(void)arg, (void)method, (void)path, (void)body, (void)len, (void)resp;
	return -ECANCELED;
}

static int emit(void *arg, const char *msg, size_t len)
{
	(void)arg, (void)msg, (void)len;
	return -ENOSPC;
}

static int sync_none(void *arg)
{
	(void)arg;
	return 0;
}

/* The part of data before sep (all of it when sep is absent); *rest after it. */
static size_t cut(const uint8_t *data, size_t size, const uint8_t **rest, size_t *rest_len)
{
	static const char sep[] = "\n--\n";
	const uint8_t *p = memmem(data, size, sep, sizeof(sep) - 1);

	if (p == NULL) {
		*rest = data + size;
		*rest_len = 0;
		return size;
	}
	*rest = p + sizeof(sep) - 1;
	*rest_len = size - (size_t)(*rest - data);
	return (size_t)(p - data);
}

static void put(const char *name, const uint8_t *data, size_t len)
{
	if (len > 0)
		(void)gcb_ckpt_write_file(&store, name, (const char *)data, len);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static int ready;
	const gcb_backfill_conf_t conf = {1, 60000, 1000, 100, 1000};
	const gcb_backfill_io_t io = {call, emit, sync_none, NULL};
	const uint8_t *b, *a;
	size_t gl, bl, al;
	gcb_backfill_t *bf = NULL;
	gcb_gaps_t gaps;
	char err[256] = "";

	if (!ready) {
		gcb_log_setup("fuzz", GCB_LOG_ERROR, GCB_LOG_LOGFMT);
		if (scratch_dir() != 0 || gcb_ckpt_init(&store, dir, INSTANCE, err, sizeof(err)))
			abort();
		atexit(at_exit);
		ready = 1;
	}
	gl = cut(data, size, &b, &bl);
	bl = cut(b, bl, &a, &al);
	put(INSTANCE ".gaps", data, gl);
	put(INSTANCE ".backfill", b, bl);
	put(INSTANCE ".alive", a, al);

	if (gcb_gaps_load(&gaps, &store, INSTANCE, err, sizeof(err)) == 0) {
		for (unsigned i = 0; i < gaps.n; i++) {
			const gcb_gap_t *g = &gaps.v[i];

			if (g->state == GCB_GAP_CLOSED && g->end_unix_ms < g->start_unix_ms)
				abort();
			if (i > 0 && g->id <= gaps.v[i - 1].id)
				abort();
		}
		if (gcb_backfill_new(&bf, &conf, &gaps, &store, INSTANCE, &io, NULL, err,
				     sizeof(err)) == 0)
			gcb_backfill_free(bf);
		gcb_gaps_fini(&gaps);
	} else if (err[0] == '\0') {
		abort();
	}
	cleanup();
	return 0;
}
