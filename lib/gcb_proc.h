/*
 * Process identity. A pid alone is not an identity: after a crash the kernel
 * may hand the same pid to an unrelated process. Everything in shared memory
 * that names a process stores (pid, start time), the start time being field
 * 22 of /proc/<pid>/stat (clock ticks since boot), which a reused pid cannot
 * repeat.
 */
#ifndef GCB_PROC_H
#define GCB_PROC_H

#include <stdint.h>
#include <sys/types.h>

/* Start time of pid in clock ticks since boot. 0 or -ESRCH/-EIO. */
int gcb_proc_start_time(pid_t pid, uint64_t *start_time);

/* 1 when pid runs and started at start_time, 0 otherwise (also for pid <= 0). */
int gcb_proc_alive(pid_t pid, uint64_t start_time);

/*
 * 1 when pid is alive with start_time (as above), runs as this process's
 * effective uid and executes the same program file. A (pid, start time) read
 * from shared memory is only trusted this far: nothing is ever signalled, or
 * taken for a running gcbridge, on the strength of the segment alone.
 */
int gcb_proc_ours(pid_t pid, uint64_t start_time);

#endif
