/*
 * systemd's service notification protocol (sd_notify): READY=1 once every
 * stage is up, STATUS= with a short progress line, WATCHDOG=1 from the loop
 * while it turns, STOPPING=1 when the drain starts. All calls do nothing
 * when NOTIFY_SOCKET is not set (not started by systemd).
 */
#ifndef GCB_NOTIFY_H
#define GCB_NOTIFY_H

#include <stdint.h>

#include "shm/gcb_shm.h"
#include "supervisor/gcb_health.h"

typedef struct gcb_notify {
	int enabled;
	uint64_t watchdog_interval_ns; /* 0: no watchdog */
	uint64_t last_watchdog_ns;
	uint64_t last_status_ns;
	int ready_sent;
	int stopping_sent;
	char status[384];
} gcb_notify_t;

void gcb_notify_init(gcb_notify_t *n);

/* Once per loop turn: readiness, watchdog keep-alive, status and drain. */
void gcb_notify_tick(gcb_notify_t *n, const gcb_shm_t *shm, const gcb_health_t *health);

/* The daemon is stopping (drain or not); sent once. */
void gcb_notify_stopping(gcb_notify_t *n);

/* A free-form STATUS= line (e.g. the exit reason). */
void gcb_notify_status(gcb_notify_t *n, const char *status);

#endif
