/*
 * On-demand historical backfill: `gcbridge -c FILE --backfill-from ISO
 * --backfill-to ISO` leaves a request in <state_dir>/<instance>.requests/,
 * and the running notification source turns it into a gap of its gap log
 * (reason "requested"). From there the interval is backfilled like any gap:
 * after the analytics watermark has passed it, through the spool, into the
 * backfill topic, resumable, never marked done on incomplete data. A request
 * made while gcbridge is stopped waits for the next start.
 *
 * A request file is deleted only once its gap is durable in the gap log; a
 * file that is not a valid request is renamed to <name>.bad with a log line
 * naming it and the problem (never silently dropped).
 */
#ifndef GCB_BACKFILL_REQUEST_H
#define GCB_BACKFILL_REQUEST_H

#include <stddef.h>
#include <stdint.h>

#define GCB_BACKFILL_REQUEST_DIR ".requests" /* <instance>.requests */

/*
 * Writes a request for [from_unix_ms, to_unix_ms) (temporary file, fsync,
 * rename, directory fsync; mode 0600 in a 0700 directory). 0, or -errno
 * with errstr naming the path.
 */
int gcb_backfill_request_write(const char *state_dir, const char *instance, uint64_t from_unix_ms,
			       uint64_t to_unix_ms, char *errstr, size_t errstr_size);

/*
 * Checks a request interval: from < to, to no later than now_unix_ms.
 * NULL when fine, else the problem.
 */
const char *gcb_backfill_request_check(uint64_t from_unix_ms, uint64_t to_unix_ms,
				       uint64_t now_unix_ms);

#endif
