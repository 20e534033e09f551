/*
 * Group membership: a librdkafka group consumer on the coordination topic
 * whose rebalance callback hands units to the source and takes them back
 * (gcb_coord.h has the model). Nothing is consumed from the coordination
 * topic; its partitions are only the units the group assignor shares out.
 */
#include "stages/coord/gcb_coord_int.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "lib/gcb_clock.h"
#include "lib/gcb_log.h"

#define METADATA_TIMEOUT_MS 10000

rd_kafka_conf_t *gcb_coord_kconf(const gcb_coord_t *c, char *errstr, size_t errstr_size)
{
	rd_kafka_conf_t *kc = rd_kafka_conf_new();

	if (rd_kafka_conf_set(kc, "bootstrap.servers", c->conf.bootstrap, errstr, errstr_size) !=
	    RD_KAFKA_CONF_OK)
		goto fail;
	for (size_t i = 0; i < c->conf.n_kafka; i++) {
		/* Producer tuning passes through too; librdkafka ignores (and
		 * warns about) what does not apply to a consumer. */
		if (rd_kafka_conf_set(kc, c->conf.kafka[i].key, c->conf.kafka[i].value, errstr,
				      errstr_size) != RD_KAFKA_CONF_OK)
			goto fail;
	}
	return kc;
fail:
	rd_kafka_conf_destroy(kc);
	return NULL;
}

/*
 * librdkafka 2.0 has no getter for the generation; its serialised group
 * metadata ("CGMDv2:", then the generation as a native int32) carries it.
 * Checked against the magic, so that another layout yields 0 (the caller
 * then derives an epoch from the state topic instead) rather than garbage.
 */
int32_t gcb_coord_member_generation(gcb_coord_t *c)
{
	static const char magic[7] = {'C', 'G', 'M', 'D', 'v', '2', ':'};
	rd_kafka_consumer_group_metadata_t *m = rd_kafka_consumer_group_metadata(c->member);
	rd_kafka_error_t *err;
	int32_t gen = 0;
	void *buf = NULL;
	size_t size = 0;

	if (m == NULL)
		return 0;
	err = rd_kafka_consumer_group_metadata_write(m, &buf, &size);
	rd_kafka_consumer_group_metadata_destroy(m);
	if (err != NULL) {
		rd_kafka_error_destroy(err);
		return 0;
	}
	if (size >= sizeof(magic) + sizeof(gen) && memcmp(buf, magic, sizeof(magic)) == 0)
		memcpy(&gen, (char *)buf + sizeof(magic), sizeof(gen));
	rd_kafka_mem_free(c->member, buf);
	return gen > 0 ? gen : 0;
}

void gcb_coord_show(gcb_coord_t *c, unsigned state)
{
	uint64_t owned = 0;
	int32_t gen = 0;

	if (c->shm == NULL)
		return;
	for (unsigned u = 0; u < c->units; u++)
		if (c->unit[u].owned) {
			owned |= UINT64_C(1) << u;
			if (c->unit[u].gen > gen)
				gen = c->unit[u].gen;
		}
	atomic_store_explicit(&c->shm->owned, owned, memory_order_relaxed);
	atomic_store_explicit(&c->shm->units, c->units, memory_order_relaxed);
	if (gen > 0)
		atomic_store_explicit(&c->shm->generation, (uint64_t)gen, memory_order_relaxed);
	atomic_store_explicit(&c->shm->state, state, memory_order_relaxed);
}

void gcb_coord_unit_lost(gcb_coord_t *c, unsigned unit, const char *why)
{
	gcb_coord_unit_t *u = &c->unit[unit];

	if (!u->owned)
		return;
	gcb_log_warn("unit %u lost (%s; held at generation %d): stopping it", unit, why, u->gen);
	u->owned = 0;
	if (c->shm != NULL)
		atomic_fetch_add_explicit(&c->shm->fenced, 1, memory_order_relaxed);
	c->in_hook++;
	if (c->hooks.revoked != NULL)
		c->hooks.revoked(c->hooks.arg, unit, 1);
	c->in_hook--;
	gcb_coord_show(c, GCB_SHM_COORD_STABLE);
}

static void take_units(gcb_coord_t *c, const rd_kafka_topic_partition_list_t *parts)
{
	int32_t gen = gcb_coord_member_generation(c);

	for (int i = 0; i < parts->cnt; i++) {
		int32_t p = parts->elems[i].partition;
		gcb_coord_unit_t *u;

		if (p < 0 || (unsigned)p >= c->units)
			continue;
		u = &c->unit[p];
		/* Read everything written so far: a generation-less fallback
		 * must outbid every record, and the source resumes from it. */
		(void)gcb_coord_state_follow(c, 1);
		u->owned = 1;
		u->gen = gen > 0 ? gen : u->best_gen + 1;
		if (u->gen <= u->best_gen) {
			/* The state topic already holds a newer generation than
			 * the group gave us: we are the stale one. */
			u->owned = 0;
			gcb_log_warn("unit %d assigned at generation %d but the state topic holds "
				     "generation %d: not taking it",
				     p, u->gen, u->best_gen);
			continue;
		}
		gcb_log_info("unit %d assigned (generation %d)", p, u->gen);
		if (c->hooks.assigned != NULL)
			c->hooks.assigned(c->hooks.arg, (unsigned)p);
	}
}

static void give_units(gcb_coord_t *c, const rd_kafka_topic_partition_list_t *parts, int lost)
{
	for (int i = 0; i < parts->cnt; i++) {
		int32_t p = parts->elems[i].partition;
		gcb_coord_unit_t *u;

		if (p < 0 || (unsigned)p >= c->units || !c->unit[p].owned)
			continue;
		u = &c->unit[p];
		if (lost) {
			gcb_coord_unit_lost(c, (unsigned)p, "group membership lost");
			continue;
		}
		gcb_log_info("unit %d revoked (generation %d): draining before giving it away", p,
			     u->gen);
		/* Still owned while the source drains: its final state write
		 * goes out under our generation. */
		if (c->hooks.revoked != NULL)
			c->hooks.revoked(c->hooks.arg, (unsigned)p, 0);
		u->owned = 0;
	}
}

static void on_rebalance(rd_kafka_t *rk, rd_kafka_resp_err_t err,
			 rd_kafka_topic_partition_list_t *parts, void *opaque)
{
	gcb_coord_t *c = opaque;
	int cooperative = strcmp(rd_kafka_rebalance_protocol(rk), "COOPERATIVE") == 0;
	rd_kafka_error_t *e = NULL;

	if (c->shm != NULL)
		atomic_fetch_add_explicit(&c->shm->rebalances, 1, memory_order_relaxed);
	gcb_coord_show(c, GCB_SHM_COORD_REBALANCING);
	c->in_hook++;
	if (err == RD_KAFKA_RESP_ERR__ASSIGN_PARTITIONS) {
		/* Nothing is ever written to the units: start at a real offset
		 * (no ListOffsets lookup) and stay paused (no fetch long-polls). */
		for (int i = 0; i < parts->cnt; i++)
			parts->elems[i].offset = 0;
		if (cooperative)
			e = rd_kafka_incremental_assign(rk, parts);
		else
			rd_kafka_assign(rk, parts);
		(void)rd_kafka_pause_partitions(rk, parts);
		take_units(c, parts);
	} else {
		give_units(c, parts, rd_kafka_assignment_lost(rk));
		if (cooperative)
			e = rd_kafka_incremental_unassign(rk, parts);
		else
			rd_kafka_assign(rk, NULL);
	}
	c->in_hook--;
	if (e != NULL) {
		gcb_log_error("rd_kafka_incremental_(un)assign() failed: %s",
			      rd_kafka_error_string(e));
		rd_kafka_error_destroy(e);
	}
	gcb_coord_show(c, c->closing ? GCB_SHM_COORD_LEAVING : GCB_SHM_COORD_STABLE);
}

static int count_units(gcb_coord_t *c, char *errstr, size_t errstr_size)
{
	const struct rd_kafka_metadata *md = NULL;
	rd_kafka_topic_t *t = rd_kafka_topic_new(c->member, c->conf.topic, NULL);
	rd_kafka_resp_err_t err;
	int rc = 0;

	if (t == NULL) {
		snprintf(errstr, errstr_size, "rd_kafka_topic_new(%s) failed", c->conf.topic);
		return -ENOMEM;
	}
	err = rd_kafka_metadata(c->member, 0, t, &md, METADATA_TIMEOUT_MS);
	if (err != RD_KAFKA_RESP_ERR_NO_ERROR) {
		snprintf(errstr, errstr_size, "coordination topic %s: metadata: %s", c->conf.topic,
			 rd_kafka_err2str(err));
		rc = -EIO;
	} else if (md->topic_cnt != 1 || md->topics[0].err != RD_KAFKA_RESP_ERR_NO_ERROR ||
		   md->topics[0].partition_cnt <= 0) {
		snprintf(errstr, errstr_size,
			 "coord.topic: topic %s does not exist (%s): create it with one "
			 "partition per unit",
			 c->conf.topic,
			 md->topic_cnt == 1 ? rd_kafka_err2str(md->topics[0].err) : "no metadata");
		rc = -EINVAL;
	} else if ((unsigned)md->topics[0].partition_cnt > GCB_COORD_UNITS_MAX) {
		snprintf(errstr, errstr_size, "coord.topic: topic %s has %d partitions, at most %u",
			 c->conf.topic, md->topics[0].partition_cnt, GCB_COORD_UNITS_MAX);
		rc = -EINVAL;
	} else {
		c->units = (unsigned)md->topics[0].partition_cnt;
	}
	if (md != NULL)
		rd_kafka_metadata_destroy(md);
	rd_kafka_topic_destroy(t);
	return rc;
}

static int member_open(gcb_coord_t *c, char *errstr, size_t errstr_size)
{
	rd_kafka_conf_t *kc = gcb_coord_kconf(c, errstr, errstr_size);
	rd_kafka_topic_partition_list_t *sub;
	char num[32];
	rd_kafka_resp_err_t err;

	if (kc == NULL)
		return -EINVAL;
	snprintf(num, sizeof(num), "%u", c->conf.session_timeout_ms);
	if (rd_kafka_conf_set(kc, "group.id", c->conf.group, errstr, errstr_size) ||
	    rd_kafka_conf_set(kc, "session.timeout.ms", num, errstr, errstr_size) ||
	    rd_kafka_conf_set(kc, "partition.assignment.strategy", "cooperative-sticky", errstr,
			      errstr_size) ||
	    rd_kafka_conf_set(kc, "enable.auto.commit", "false", errstr, errstr_size) ||
	    rd_kafka_conf_set(kc, "client.id", c->writer_id, errstr, errstr_size)) {
		rd_kafka_conf_destroy(kc);
		return -EINVAL;
	}
	/* Heartbeats a third of the session, the usual ratio: a dead member
	 * is noticed after the session, a live one never misses. */
	snprintf(num, sizeof(num), "%u", c->conf.session_timeout_ms / 3);
	if (rd_kafka_conf_set(kc, "heartbeat.interval.ms", num, errstr, errstr_size)) {
		rd_kafka_conf_destroy(kc);
		return -EINVAL;
	}
	rd_kafka_conf_set_rebalance_cb(kc, on_rebalance);
	rd_kafka_conf_set_opaque(kc, c);
	c->member = rd_kafka_new(RD_KAFKA_CONSUMER, kc, errstr, errstr_size);
	if (c->member == NULL) {
		rd_kafka_conf_destroy(kc);
		return -EINVAL;
	}
	rd_kafka_poll_set_consumer(c->member);
	if (count_units(c, errstr, errstr_size) != 0)
		return -EINVAL;
	sub = rd_kafka_topic_partition_list_new(1);
	rd_kafka_topic_partition_list_add(sub, c->conf.topic, RD_KAFKA_PARTITION_UA);
	err = rd_kafka_subscribe(c->member, sub);
	rd_kafka_topic_partition_list_destroy(sub);
	if (err != RD_KAFKA_RESP_ERR_NO_ERROR) {
		snprintf(errstr, errstr_size, "rd_kafka_subscribe(%s) failed: %s", c->conf.topic,
			 rd_kafka_err2str(err));
		return -EIO;
	}
	return 0;
}

int gcb_coord_new(gcb_coord_t **out, const gcb_coord_conf_t *conf, const gcb_coord_hooks_t *hooks,
		  gcb_shm_coord_t *shm, char *errstr, size_t errstr_size)
{
	gcb_coord_t *c = calloc(1, sizeof(*c));
	int rc;

	*out = NULL;
	if (c == NULL) {
		snprintf(errstr, errstr_size, "calloc() failed");
		return -ENOMEM;
	}
	c->conf = *conf;
	c->hooks = *hooks;
	c->shm = shm;
	snprintf(c->writer_id, sizeof(c->writer_id), "%s.%d", conf->instance, (int)getpid());
	if (shm != NULL) {
		memset((void *)shm, 0, sizeof(*shm));
		atomic_store_explicit(&shm->state, GCB_SHM_COORD_JOINING, memory_order_relaxed);
	}
	if ((rc = member_open(c, errstr, errstr_size)) != 0 ||
	    (rc = gcb_coord_state_open(c, errstr, errstr_size)) != 0) {
		gcb_coord_destroy(c);
		return rc;
	}
	gcb_coord_show(c, GCB_SHM_COORD_JOINING);
	gcb_log_info("coordination: group %s, %u unit(s) on %s, state on %s, session %u ms",
		     conf->group, c->units, conf->topic, conf->state_topic,
		     conf->session_timeout_ms);
	*out = c;
	return 0;
}

void gcb_coord_poll(gcb_coord_t *c)
{
	rd_kafka_message_t *m;

	if (c == NULL || c->in_hook)
		return;
	/* Rebalance callbacks run inside this call; messages of the
	 * coordination topic (there should be none) are dropped. */
	while ((m = rd_kafka_consumer_poll(c->member, 0)) != NULL)
		rd_kafka_message_destroy(m);
	(void)gcb_coord_state_follow(c, 0);
}

void gcb_coord_destroy(gcb_coord_t *c)
{
	if (c == NULL)
		return;
	c->closing = 1;
	if (c->member != NULL) {
		gcb_coord_show(c, GCB_SHM_COORD_LEAVING);
		/* Revokes every owned unit through on_rebalance (each drains),
		 * then leaves the group: the others take over at once. */
		rd_kafka_consumer_close(c->member);
		rd_kafka_destroy(c->member);
	}
	gcb_coord_state_close(c);
	if (c->shm != NULL) {
		atomic_store_explicit(&c->shm->owned, 0, memory_order_relaxed);
		atomic_store_explicit(&c->shm->state, GCB_SHM_COORD_OFF, memory_order_relaxed);
	}
	free(c);
}

unsigned gcb_coord_units(const gcb_coord_t *c)
{
	return c->units;
}

int gcb_coord_owns(const gcb_coord_t *c, unsigned unit)
{
	return unit < c->units && c->unit[unit].owned;
}

int32_t gcb_coord_generation(const gcb_coord_t *c, unsigned unit)
{
	return gcb_coord_owns(c, unit) ? c->unit[unit].gen : 0;
}
