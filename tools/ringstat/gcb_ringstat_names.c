/* Printable names for the values gcb-ringstat reads out of a segment. */
#include "tools/ringstat/gcb_ringstat.h"

#include <signal.h>
#include <stdio.h>
#include <string.h>
#include <sys/wait.h>

#include "shm/gcb_records.h"

const char *gcb_ringstat_diag_name(int diag)
{
	switch (diag) {
	case GCB_RINGSTAT_DIAG_OK:
		return "ok";
	case GCB_RINGSTAT_DIAG_CORRUPT:
		return "corrupt";
	case GCB_RINGSTAT_DIAG_ORPHANED:
		return "orphaned";
	case GCB_RINGSTAT_DIAG_PRODUCER_HUNG:
		return "producer hung";
	case GCB_RINGSTAT_DIAG_CONSUMER_STALLED:
		return "consumer stalled";
	}
	return "unknown";
}

const char *gcb_ringstat_seg_diag_name(int diag)
{
	switch (diag) {
	case GCB_RINGSTAT_SEG_OK:
		return "ok";
	case GCB_RINGSTAT_SEG_ORPHANED:
		return "orphaned";
	case GCB_RINGSTAT_SEG_SUPERVISOR_HUNG:
		return "supervisor hung";
	case GCB_RINGSTAT_SEG_SOURCE_STALLED:
		return "source stalled";
	case GCB_RINGSTAT_SEG_SPOOL_FULL:
		return "spool full";
	}
	return "unknown";
}

const char *gcb_ringstat_state_name(uint32_t state)
{
	switch (state) {
	case GCB_STAGE_STOPPED:
		return "stopped";
	case GCB_STAGE_STARTING:
		return "starting";
	case GCB_STAGE_RUNNING:
		return "running";
	case GCB_STAGE_DRAINING:
		return "draining";
	case GCB_STAGE_BACKOFF:
		return "backoff";
	}
	return "unknown";
}

const char *gcb_ringstat_rec_type_name(uint16_t type)
{
	switch (type) {
	case GCB_RING_REC_PAD:
		return "PAD";
	case GCB_REC_EVENT:
		return "EVENT";
	case GCB_REC_AVRO:
		return "AVRO";
	case GCB_REC_DLQ:
		return "DLQ";
	case GCB_REC_FILTERED:
		return "FILTERED";
	}
	return NULL;
}

void gcb_ringstat_exit_str(int32_t status, char *buf, size_t size)
{
	if (status == -1) {
		snprintf(buf, size, "-");
	} else if (WIFEXITED(status)) {
		snprintf(buf, size, "exit %d", WEXITSTATUS(status));
	} else if (WIFSIGNALED(status)) {
		const char *abbrev = sigabbrev_np(WTERMSIG(status));

		if (abbrev != NULL)
			snprintf(buf, size, "killed by SIG%s%s", abbrev,
				 WCOREDUMP(status) ? " (core dumped)" : "");
		else
			snprintf(buf, size, "killed by signal %d%s", WTERMSIG(status),
				 WCOREDUMP(status) ? " (core dumped)" : "");
	} else {
		snprintf(buf, size, "status %#x", (unsigned)status);
	}
}
