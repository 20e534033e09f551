/*
 * The embedded default: with no Genesys endpoint and no Kafka configured,
 * gcbridge starts the simulator (bin/gcb-sim) and the mock Kafka cluster
 * (bin/gcb-kafka-mock) itself, as child processes beside the stages, so
 * events flow with one command. Pointing gcbridge at a real org and cluster
 * is a config change: these children are then not started at all.
 */
#ifndef GCB_EMBEDDED_H
#define GCB_EMBEDDED_H

#include <sys/types.h>

#include "supervisor/gcb_config.h"
#include "supervisor/gcb_topics.h"

typedef struct gcb_embedded {
	pid_t sim_pid;   /* 0 when not started */
	pid_t kafka_pid;
	char sim_url[128];     /* http://127.0.0.1:PORT */
	char bootstrap[256];   /* host:port,... */
	char kafka_ctl[512];   /* the mock's control socket (tools, tests) */
	char dir[512];         /* <state_dir>/embedded */
} gcb_embedded_t;

/* The simulator's credentials and stream, used only against the simulator. */
#define GCB_EMBEDDED_CLIENT_ID     "gcbridge-embedded"
#define GCB_EMBEDDED_CLIENT_SECRET "gcbridge-embedded-secret"
#define GCB_EMBEDDED_STREAM_ID     "embedded"

/*
 * Starts what cfg->embedded_sim / cfg->embedded_kafka ask for, from the
 * directory that holds this executable, and waits until each has written
 * its address. The topics gcbridge writes to (gcb_topics_collect) are
 * created up front in the mock cluster. 0, or -errno with errstr set; on
 * error whatever was started is stopped.
 */
int gcb_embedded_start(gcb_embedded_t *e, const gcb_config_t *cfg, const gcb_topics_t *topics,
		       char *errstr, size_t errstr_size);

/* Stops the children (SIGTERM, then SIGKILL after 5 s) and reaps them. */
void gcb_embedded_stop(gcb_embedded_t *e);

/*
 * The supervisor reaps every child; it hands over the exits that are not
 * stages. An embedded service that dies is logged: the pipeline then stalls
 * (nothing is lost) until gcbridge is restarted.
 */
void gcb_embedded_on_exit(gcb_embedded_t *e, pid_t pid, int status);

#endif
