#include "supervisor/gcb_instance.h"

#include <errno.h>
#include <signal.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#include "lib/gcb_clock.h"
#include "lib/gcb_proc.h"
#include "lib/gcb_log.h"

#define MAX_STAGES (GCB_STAGE_MAX_RINGS + 2)

static void build_specs(const gcb_supervisor_conf_t *conf, gcb_shm_stage_spec_t *stages,
			char names[][GCB_SHM_NAME_MAX], gcb_shm_ring_spec_t *rings,
			char ring_names[][GCB_SHM_NAME_MAX])
{
	unsigned v = conf->validators, i;

	stages[0] = (gcb_shm_stage_spec_t){"fetcher", GCB_STAGE_KIND_FETCHER, 0};
	for (i = 0; i < v; i++) {
		snprintf(names[i], GCB_SHM_NAME_MAX, "validator-%u", i);
		stages[1 + i] = (gcb_shm_stage_spec_t){names[i], GCB_STAGE_KIND_VALIDATOR, i};
	}
	stages[1 + v] = (gcb_shm_stage_spec_t){"producer", GCB_STAGE_KIND_PRODUCER, 0};

	for (i = 0; i < v; i++) {
		snprintf(ring_names[i], GCB_SHM_NAME_MAX, GCB_RING_FETCH_FMT, i);
		snprintf(ring_names[v + i], GCB_SHM_NAME_MAX, GCB_RING_OUT_FMT, i);
		rings[i] = (gcb_shm_ring_spec_t){ring_names[i], conf->ring_size,
						 conf->ring_max_record, 0, (int32_t)(1 + i)};
		rings[v + i] = (gcb_shm_ring_spec_t){ring_names[v + i], conf->ring_size,
						     conf->ring_max_record, (int32_t)(1 + i),
						     (int32_t)(1 + v)};
	}
}

/* Why an existing segment cannot be reused as it is, or NULL. */
static const char *geometry_mismatch(const gcb_shm_t *shm, const gcb_supervisor_conf_t *conf,
				     const gcb_shm_ring_spec_t *rings)
{
	const gcb_shm_header_t *hdr = shm->hdr;
	unsigned i;

	if (hdr->stage_count != gcb_instance_stage_count(conf))
		return "a different number of validators";
	if (hdr->ring_count != 2 * conf->validators)
		return "a different number of rings";
	for (i = 0; i < hdr->ring_count; i++) {
		const gcb_ring_ctl_t *ctl = gcb_shm_ring_mem(shm, i);

		if (strncmp(hdr->rings[i].name, rings[i].name, GCB_SHM_NAME_MAX) != 0)
			return "different ring names";
		if (hdr->rings[i].capacity != rings[i].capacity)
			return "a different ring.size";
		if (rings[i].max_record != 0 && ctl->desc.max_record != rings[i].max_record)
			return "a different ring.max_record";
	}
	return NULL;
}

/* Stages of a dead supervisor normally died with it (PDEATHSIG); make sure. */
static void kill_leftover_stages(const gcb_shm_t *shm)
{
	uint64_t deadline = gcb_clock_mono_ns() + 5000000000ull;
	unsigned i, alive;

	do {
		alive = 0;
		for (i = 0; i < shm->hdr->stage_count; i++) {
			gcb_shm_stage_t *st = gcb_shm_stage(shm, i);
			pid_t pid = atomic_load(&st->pid);

			/* The row is only a claim: kill nothing that is not a
			 * gcbridge of this user started at the recorded time. */
			if (!gcb_proc_ours(pid, atomic_load(&st->start_time)))
				continue;
			if (alive == 0 || gcb_clock_mono_ns() > deadline)
				gcb_log_warn("stage %s (pid %d) of the previous supervisor still "
					     "runs: killing it",
					     st->name, (int)pid);
			kill(pid, SIGKILL);
			alive++;
		}
		if (alive != 0)
			usleep(10000);
	} while (alive != 0 && gcb_clock_mono_ns() < deadline);
}

static void reset_stage_table(const gcb_shm_t *shm)
{
	for (unsigned i = 0; i < shm->hdr->stage_count; i++) {
		gcb_shm_stage_t *st = gcb_shm_stage(shm, i);

		atomic_store(&st->pid, 0);
		atomic_store(&st->state, GCB_STAGE_STOPPED);
	}
	atomic_store(&gcb_shm_pipeline(shm)->draining, 0);
}

uint64_t gcb_instance_bytes_in_rings(const gcb_shm_t *shm)
{
	uint64_t total = 0;

	for (unsigned i = 0; i < shm->hdr->ring_count; i++) {
		const gcb_ring_ctl_t *ctl = gcb_shm_ring_mem(shm, i);

		total += gcb_ring_ctl_tail(ctl) - gcb_ring_ctl_released(ctl);
	}
	return total;
}

static int try_reattach(gcb_shm_t *shm, const gcb_supervisor_conf_t *conf,
			const gcb_shm_ring_spec_t *rings, char *errstr, size_t errstr_size)
{
	const char *why;
	char err[256];
	int rc;

	rc = gcb_shm_attach(shm, conf->instance, 0, 1000, err, sizeof(err));
	if (rc == -ENOENT || rc == -EPERM) {
		if (rc == -EPERM)
			snprintf(errstr, errstr_size, "%s", err);
		return rc;
	}
	if (rc != 0) {
		gcb_log_warn("replacing segment: %s", err);
		return -ENOENT;
	}
	if (gcb_proc_ours(atomic_load(&shm->hdr->supervisor_pid),
			   atomic_load(&shm->hdr->supervisor_start_time))) {
		snprintf(errstr, errstr_size, "instance \"%s\" is already running (supervisor pid %d)",
			 conf->instance, (int)atomic_load(&shm->hdr->supervisor_pid));
		gcb_shm_detach(shm);
		return -EBUSY;
	}
	why = geometry_mismatch(shm, conf, rings);
	if (why == NULL && gcb_shm_check_rings(shm, err, sizeof(err)) != 0)
		why = err;
	if (why != NULL) {
		gcb_log_warn("replacing segment %s left by a previous run: it has %s; events it "
			     "held are fetched again from the checkpoint",
			     shm->path, why);
		kill_leftover_stages(shm);
		gcb_shm_detach(shm);
		return -ENOENT;
	}
	kill_leftover_stages(shm);
	reset_stage_table(shm);
	gcb_log_info("re-attached segment %s of a previous supervisor (pid %d); %llu bytes in "
		     "rings are kept",
		     shm->path, (int)atomic_load(&shm->hdr->supervisor_pid),
		     (unsigned long long)gcb_instance_bytes_in_rings(shm));
	return 0;
}

int gcb_instance_open(gcb_shm_t *shm, const gcb_supervisor_conf_t *conf, char *errstr,
		      size_t errstr_size)
{
	gcb_shm_stage_spec_t stages[MAX_STAGES];
	gcb_shm_ring_spec_t rings[2 * GCB_STAGE_MAX_RINGS];
	char stage_names[GCB_STAGE_MAX_RINGS][GCB_SHM_NAME_MAX];
	char ring_names[2 * GCB_STAGE_MAX_RINGS][GCB_SHM_NAME_MAX];
	uint64_t st = 0;
	int rc;

	if (conf->validators == 0 || conf->validators > GCB_STAGE_MAX_RINGS) {
		snprintf(errstr, errstr_size, "validators must be 1..%u", GCB_STAGE_MAX_RINGS);
		return -EINVAL;
	}
	build_specs(conf, stages, stage_names, rings, ring_names);

	rc = try_reattach(shm, conf, rings, errstr, errstr_size);
	if (rc == -EBUSY || rc == -EPERM)
		return rc;
	if (rc != 0) {
		(void)gcb_shm_unlink(conf->instance);
		rc = gcb_shm_create(shm, conf->instance, stages, gcb_instance_stage_count(conf),
				    rings, 2 * conf->validators, errstr, errstr_size);
		if (rc != 0)
			return rc;
		gcb_log_info("created segment %s (%u rings of %llu bytes)", shm->path,
			     2 * conf->validators, (unsigned long long)conf->ring_size);
	}
	(void)gcb_proc_start_time(getpid(), &st);
	atomic_store(&shm->hdr->supervisor_start_time, st);
	atomic_store(&shm->hdr->supervisor_pid, (int32_t)getpid());
	atomic_store(&shm->hdr->supervisor_heartbeat_ns, gcb_clock_mono_ns());
	return 0;
}
