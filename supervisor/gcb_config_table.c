/*
 * The property table: every configuration key of gcbridge, in one place.
 *
 * Adding a key: add a field to gcb_config_t, a row here, then run
 * tools/gen-config-reference to refresh README.md (a test fails until you
 * do). Defaults are written as text and parsed by the same code as the file,
 * so the documented default is the one in effect.
 */
#include <errno.h>
#include <stddef.h>
#include <string.h>

#include "supervisor/gcb_config_table.h"

#define MS(x)  ((int64_t)(x))
#define S(x)   ((int64_t)(x)*1000)
#define MIN(x) ((int64_t)(x)*60000)
#define H(x)   ((int64_t)(x)*3600000)
#define KIB(x) ((int64_t)(x) << 10)
#define MIB(x) ((int64_t)(x) << 20)
#define GIB(x) ((int64_t)(x) << 30)

#define OFF(field) offsetof(gcb_config_t, field)

const char *const gcb_config_regions[] = {
    "mypurecloud.com",	  "mypurecloud.ie",	    "mypurecloud.de",
    "mypurecloud.com.au", "mypurecloud.jp",	    "usw2.pure.cloud",
    "cac1.pure.cloud",	  "euw2.pure.cloud",	    "aps1.pure.cloud",
    "apne2.pure.cloud",	  "apne3.pure.cloud",	    "apse1.pure.cloud",
    "sae1.pure.cloud",	  "mec1.pure.cloud",	    "euc2.pure.cloud",
    "mxc1.pure.cloud",	  "use2.us-gov-pure.cloud", NULL,
};

static const char *const embedded_values[] = {"auto", "true", "false", NULL};
static const char *const log_levels[] = {"error", "warn", "info", "debug", NULL};
static const char *const log_formats[] = {"logfmt", "json", NULL};
static const char *const sources[] = {"poll", "notifications", NULL};
/* Order = gcb_producer_headers_t. */
static const char *const producer_headers[] = {"all", "lean", "minimal", NULL};

const gcb_config_prop_t gcb_config_props[] = {
    {
	.name = "embedded",
	.type = GCB_CONFIG_T_ENUM,
	.offset = OFF(embedded),
	.def = "auto",
	.values = embedded_values,
	.doc = "Start the Genesys simulator and the mock Kafka inside gcbridge. auto: the "
	       "simulator when no Genesys endpoint is set, the mock Kafka when "
	       "kafka.bootstrap.servers is not set.",
    },
    {
	.name = "instance.name",
	.type = GCB_CONFIG_T_STRING,
	.offset = OFF(instance.name),
	.def = "default",
	.flags = GCB_CONFIG_F_NAME | GCB_CONFIG_F_REQUIRED,
	.doc = "Instance name: the shared-memory segment is /dev/shm/gcbridge-<name>. 1..48 of "
	       "A-Z a-z 0-9 . _ -",
    },
    {
	.name = "instance.state_dir",
	.type = GCB_CONFIG_T_PATH,
	.offset = OFF(instance.state_dir),
	.def = "./state",
	.flags = GCB_CONFIG_F_REQUIRED,
	.doc = "Directory for the checkpoint (stored cursor) and the stream id; created 0700, "
	       "refused if another user's or writable by others. Unset under systemd: "
	       "$STATE_DIRECTORY (StateDirectory=). The relative default suits the embedded "
	       "demonstration only.",
    },
    {
	.name = "log.level",
	.type = GCB_CONFIG_T_ENUM,
	.offset = OFF(log.level),
	.def = "info",
	.values = log_levels,
	.flags = GCB_CONFIG_F_RELOAD,
	.doc = "Least severe level logged.",
    },
    {
	.name = "log.format",
	.type = GCB_CONFIG_T_ENUM,
	.offset = OFF(log.format),
	.def = "logfmt",
	.values = log_formats,
	.doc = "Log line format on stderr.",
    },
    {
	.name = "pipeline.validators",
	.type = GCB_CONFIG_T_INT,
	.offset = OFF(pipeline.validators),
	.def = "2",
	.min = 1,
	.max = 16,
	.doc = "Number of validator processes (JSON to Avro) working in parallel.",
    },
    {
	.name = "ring.size",
	.type = GCB_CONFIG_T_SIZE,
	.offset = OFF(ring.size),
	.def = "16MiB",
	.min = KIB(64),
	.max = GIB(1),
	.flags = GCB_CONFIG_F_POW2,
	.doc = "Data bytes of each shared-memory ring (a power of two).",
    },
    {
	.name = "ring.max_record",
	.type = GCB_CONFIG_T_SIZE,
	.offset = OFF(ring.max_record),
	.def = "1MiB",
	.min = KIB(4),
	.max = MIB(512),
	.doc = "Largest ring record; at most ring.size / 2 - 16 bytes.",
    },
    {
	.name = "event.max_bytes",
	.type = GCB_CONFIG_T_SIZE,
	.offset = OFF(event.max_bytes),
	.def = "512KiB",
	.min = KIB(1),
	.max = MIB(512),
	.doc = "Largest event accepted; a larger one goes to the DLQ. At most ring.max_record "
	       "less the record header and stream id (a few hundred bytes).",
    },
    {
	.name = "restart.min_interval",
	.type = GCB_CONFIG_T_DURATION,
	.offset = OFF(restart.min_interval_ms),
	.def = "1s",
	.min = MS(0),
	.max = H(1),
	.flags = GCB_CONFIG_F_RELOAD,
	.doc = "Least time between two starts of a crashed stage (first step of the backoff).",
    },
    {
	.name = "restart.max_backoff",
	.type = GCB_CONFIG_T_DURATION,
	.offset = OFF(restart.max_backoff_ms),
	.def = "30s",
	.min = MS(0),
	.max = H(1),
	.flags = GCB_CONFIG_F_RELOAD,
	.doc = "Cap of the restart backoff of a stage that keeps crashing.",
    },
    {
	.name = "restart.stable_after",
	.type = GCB_CONFIG_T_DURATION,
	.offset = OFF(restart.stable_after_ms),
	.def = "10s",
	.min = MS(0),
	.max = H(24),
	.flags = GCB_CONFIG_F_RELOAD,
	.doc = "A stage up this long is stable: its next crash restarts it at once.",
    },
    {
	.name = "watchdog.timeout",
	.type = GCB_CONFIG_T_DURATION,
	.offset = OFF(watchdog.timeout_ms),
	.def = "10s",
	.min = S(1),
	.max = H(1),
	.flags = GCB_CONFIG_F_RELOAD,
	.doc = "A stage whose heartbeat is older than this is hung and gets killed.",
    },
    {
	.name = "watchdog.kill_grace",
	.type = GCB_CONFIG_T_DURATION,
	.offset = OFF(watchdog.kill_grace_ms),
	.def = "5s",
	.min = MS(0),
	.max = MIN(5),
	.flags = GCB_CONFIG_F_RELOAD,
	.doc = "Time between SIGTERM and SIGKILL when stopping a stage.",
    },
    {
	.name = "drain.timeout",
	.type = GCB_CONFIG_T_DURATION,
	.offset = OFF(drain.timeout_ms),
	.def = "30s",
	.min = MS(0),
	.max = H(1),
	.flags = GCB_CONFIG_F_RELOAD,
	.doc = "On SIGTERM, time allowed for the rings to empty and Kafka to acknowledge.",
    },
    {
	.name = "genesys.source",
	.type = GCB_CONFIG_T_ENUM,
	.offset = OFF(genesys.source),
	.def = "poll",
	.values = sources,
	.doc = "Where events come from: the event-stream poll API or the notification service.",
    },
    {
	.name = "genesys.region",
	.type = GCB_CONFIG_T_ENUM,
	.offset = OFF(genesys.region),
	.values = gcb_config_regions,
	.doc = "Genesys Cloud region domain: API at https://api.<region>, login at "
	       "https://login.<region>. Or set genesys.api_url and genesys.login_url.",
    },
    {
	.name = "genesys.api_url",
	.type = GCB_CONFIG_T_URL,
	.offset = OFF(genesys.api_url),
	.doc = "Explicit API base URL (e.g. a relay or http://127.0.0.1:PORT); with "
	       "genesys.login_url, instead of genesys.region.",
    },
    {
	.name = "genesys.login_url",
	.type = GCB_CONFIG_T_URL,
	.offset = OFF(genesys.login_url),
	.doc = "Explicit OAuth base URL (POST <url>/oauth/token); with genesys.api_url.",
    },
    {
	.name = "genesys.client_id",
	.type = GCB_CONFIG_T_STRING,
	.offset = OFF(genesys.client_id),
	.doc = "OAuth client-credentials client id. Required unless the simulator is embedded.",
    },
    {
	.name = "genesys.client_secret",
	.type = GCB_CONFIG_T_SECRET,
	.offset = OFF(genesys.client_secret),
	.doc = "OAuth client secret: cred:NAME (systemd credential), env:NAME, file:PATH or "
	       "the value. Required unless the "
	       "simulator is embedded.",
    },
    {
	.name = "genesys.stream_id",
	.type = GCB_CONFIG_T_STRING,
	.offset = OFF(genesys.stream_id),
	.doc = "Id of an existing event stream. Set this or genesys.stream_definition (poll "
	       "source).",
    },
    {
	.name = "genesys.stream_definition",
	.type = GCB_CONFIG_T_PATH,
	.offset = OFF(genesys.stream_definition),
	.flags = GCB_CONFIG_F_EXISTS,
	.doc = "JSON stream definition file; the stream is created once and its id kept in "
	       "instance.state_dir.",
    },
    {
	.name = "genesys.poll.limit",
	.type = GCB_CONFIG_T_INT,
	.offset = OFF(genesys.poll_limit),
	.def = "100",
	.min = 1,
	.max = 1000,
	.doc = "Events asked for per poll (limit=).",
    },
    {
	.name = "genesys.poll.timeout",
	.type = GCB_CONFIG_T_DURATION,
	.offset = OFF(genesys.poll_timeout_ms),
	.def = "0ms",
	.min = MS(0),
	.max = S(30),
	.doc = "Long-poll wait (timeoutMs=); 0 = answer at once.",
    },
    {
	.name = "genesys.poll.interval",
	.type = GCB_CONFIG_T_DURATION,
	.offset = OFF(genesys.poll_interval_ms),
	.def = "10s",
	.min = MS(0),
	.max = H(1),
	.doc = "Pause after a poll answered with hasMore=false; 0 = poll again at once.",
    },
    {
	.name = "genesys.poll.stall_after",
	.type = GCB_CONFIG_T_INT,
	.offset = OFF(genesys.poll_stall_after),
	.def = "5",
	.min = 1,
	.max = 1000,
	.doc = "Answers in a row at one cursor whose framing is broken (truncated, not JSON, no "
	       "events array) before the source is reported stalled. It keeps retrying.",
    },
    {
	.name = "genesys.poll.stall_timeout",
	.type = GCB_CONFIG_T_DURATION,
	.offset = OFF(genesys.poll_stall_timeout_ms),
	.def = "5m",
	.min = S(1),
	.max = H(24),
	.doc = "No progress for this long while the server has more (hasMore, or failing "
	       "requests since) reports the source stalled. Waiting for ring space does not "
	       "count.",
    },
    {
	.name = "genesys.poll.spool",
	.type = GCB_CONFIG_T_BOOL,
	.offset = OFF(genesys.poll_spool),
	.def = "true",
	.doc = "Write every poll answer to the spool (spool.*) before the rings, so polling "
	       "goes on while Kafka is slow or down and an outage may outlast the stream's "
	       "retention, up to spool.max_size. false: polling stops while the rings are "
	       "full, and an outage longer than the retention loses events upstream.",
    },
    {
	.name = "genesys.poll.retention",
	.type = GCB_CONFIG_T_DURATION,
	.offset = OFF(genesys.poll_retention_ms),
	.def = "1d",
	.min = S(1),
	.max = H(24 * 365),
	.doc = "How long the server keeps events of the stream, when the stream does not "
	       "say (retentionSeconds). Used only to estimate, while the spool is full, how "
	       "long until events not yet polled are lost upstream.",
    },
    {
	.name = "genesys.token.skew",
	.type = GCB_CONFIG_T_DURATION,
	.offset = OFF(genesys.token_skew_ms),
	.def = "5m",
	.min = MS(0),
	.max = H(24),
	.doc = "Renew the OAuth token this long before it expires (never more than half its "
	       "lifetime).",
    },
    {
	.name = "genesys.backoff.base",
	.type = GCB_CONFIG_T_DURATION,
	.offset = OFF(genesys.backoff_base_ms),
	.def = "500ms",
	.min = MS(1),
	.max = MIN(10),
	.doc = "First wait after a 429 without Retry-After, a 5xx or a connection error.",
    },
    {
	.name = "genesys.backoff.cap",
	.type = GCB_CONFIG_T_DURATION,
	.offset = OFF(genesys.backoff_cap_ms),
	.def = "1m",
	.min = MS(1),
	.max = H(1),
	.doc = "Longest backoff wait (exponential with jitter up to this).",
    },
    {
	.name = "genesys.http.connect_timeout",
	.type = GCB_CONFIG_T_DURATION,
	.offset = OFF(genesys.connect_timeout_ms),
	.def = "10s",
	.min = MS(1),
	.max = MIN(5),
	.doc = "TCP and TLS connect timeout.",
    },
    {
	.name = "genesys.http.timeout",
	.type = GCB_CONFIG_T_DURATION,
	.offset = OFF(genesys.http_timeout_ms),
	.def = "30s",
	.min = S(1),
	.max = MIN(10),
	.doc = "Timeout of a whole HTTP request, on top of the long-poll wait.",
    },
    {
	.name = "genesys.tls.verify",
	.type = GCB_CONFIG_T_BOOL,
	.offset = OFF(genesys.tls_verify),
	.def = "true",
	.doc = "Verify the server's TLS certificate and host name.",
    },
    {
	.name = "genesys.tls.ca_path",
	.type = GCB_CONFIG_T_PATH,
	.offset = OFF(genesys.tls_ca_path),
	.def_doc = "system store",
	.flags = GCB_CONFIG_F_EXISTS,
	.doc = "CA bundle file (PEM) to verify with.",
    },
    {
	.name = "genesys.notifications.topics",
	.type = GCB_CONFIG_T_STRING,
	.offset = OFF(genesys.notifications.topics),
	.def = "v2.routing.queues.{queueId}.conversations v2.users.{userId}.activity",
	.doc = "Notification topics, space-separated. A topic containing {queueId} is "
	       "subscribed for every queue, one containing {userId} for every user "
	       "(resolved through the API and re-resolved periodically). One topic per "
	       "queue and one per user by default (19,000 fit: an org of 15,000 users and "
	       "2,000 queues starts), as activity already carries "
	       "routing status, presence, out-of-office and active queues. presence, "
	       "routingStatus and conversations per user are opt-in, and the combined form "
	       "v2.users.{userId}?presence&routingStatus counts as one topic.",
    },
    {
	.name = "genesys.notifications.topics_file",
	.type = GCB_CONFIG_T_PATH,
	.offset = OFF(genesys.notifications.topics_file),
	.flags = GCB_CONFIG_F_EXISTS,
	.doc = "File of further notification topics, one per line (# comments), for lists "
	       "too long for one config line.",
    },
    {
	.name = "genesys.notifications.rate_limit",
	.type = GCB_CONFIG_T_INT,
	.offset = OFF(genesys.notifications.rate_per_minute),
	.def = "300",
	.min = 1,
	.max = 100000,
	.doc = "REST requests per minute the notification source spends, all together: "
	       "topic resolution, channels, subscriptions, backfill. Genesys allows 300 per "
	       "client-credentials token unless raised; requests wait for their turn, and "
	       "Retry-After and inin-ratelimit-* still slow them further.",
    },
    {
	.name = "genesys.notifications.resolve_interval",
	.type = GCB_CONFIG_T_DURATION,
	.offset = OFF(genesys.notifications.resolve_interval_ms),
	.def = "10m",
	.min = S(1),
	.max = H(24),
	.doc = "How often {queueId}/{userId} topics are resolved again, to pick up new "
	       "queues and users.",
    },
    {
	.name = "genesys.notifications.heartbeat_timeout",
	.type = GCB_CONFIG_T_DURATION,
	.offset = OFF(genesys.notifications.heartbeat_timeout_ms),
	.def = "1m",
	.min = MS(500),
	.max = MIN(10),
	.doc = "A channel that received nothing (heartbeat, pong or event) for this long is "
	       "reconnected, and the silence recorded as a gap.",
    },
    {
	.name = "genesys.notifications.ping_interval",
	.type = GCB_CONFIG_T_DURATION,
	.offset = OFF(genesys.notifications.ping_interval_ms),
	.def = "30s",
	.min = MS(200),
	.max = MIN(10),
	.doc = "A channel quiet for this long is probed with {\"message\":\"ping\"}.",
    },
    {
	.name = "genesys.notifications.rollover_before",
	.type = GCB_CONFIG_T_DURATION,
	.offset = OFF(genesys.notifications.rollover_before_ms),
	.def = "1h",
	.min = S(1),
	.max = H(23),
	.doc = "A channel is replaced (new channel, resubscribed, connected, then the old "
	       "one dropped) this long before it expires.",
    },
    {
	.name = "genesys.notifications.topics_per_channel",
	.type = GCB_CONFIG_T_INT,
	.offset = OFF(genesys.notifications.topics_per_channel),
	.def = "1000",
	.min = 1,
	.max = 1000,
	.doc = "Topics subscribed on one channel; more topics open more channels.",
    },
    {
	.name = "genesys.notifications.max_channels",
	.type = GCB_CONFIG_T_INT,
	.offset = OFF(genesys.notifications.max_channels),
	.def = "20",
	.min = 1,
	.max = 20,
	.doc = "Channels gcbridge may hold (Genesys allows 20 per client; a 21st evicts the "
	       "oldest). Topics beyond max_channels x topics_per_channel stop startup.",
    },
    {
	.name = "spool.segment_size",
	.type = GCB_CONFIG_T_SIZE,
	.offset = OFF(spool.segment_size),
	.def = "64MiB",
	.min = KIB(64),
	.max = GIB(1),
	.doc = "Size at which a spool segment file is closed and a new one started.",
    },
    {
	.name = "spool.max_size",
	.type = GCB_CONFIG_T_SIZE,
	.offset = OFF(spool.max_size),
	.def = "1GiB",
	.min = MIB(1),
	.max = GIB(1024),
	.doc = "Disk the spool may use for messages and poll answers Kafka has not "
	       "acknowledged. When full, the notification source stops reading the channels "
	       "(Genesys drops what it cannot deliver) and records a gap, backfilled once the "
	       "spool has room again; the poll source stops polling until the spool is below "
	       "3/4 of this (the stream's retention then runs).",
    },
    {
	.name = "spool.sync_interval",
	.type = GCB_CONFIG_T_DURATION,
	.offset = OFF(spool.sync_interval_ms),
	.def = "10ms",
	.min = MS(0),
	.max = S(1),
	.doc = "Longest time between a message's arrival and its fdatasync (0 = every "
	       "loop turn). What a power loss can take, before backfill.",
    },
    {
	.name = "backfill.enabled",
	.type = GCB_CONFIG_T_BOOL,
	.offset = OFF(backfill.enabled),
	.def = "true",
	.doc = "Backfill every recorded gap from the Analytics API (conversation details jobs).",
    },
    {
	.name = "backfill.pad",
	.type = GCB_CONFIG_T_DURATION,
	.offset = OFF(backfill.pad_ms),
	.def = "1m",
	.min = MS(0),
	.max = H(1),
	.doc = "Widen each gap by this much on both sides before querying analytics "
	       "(clock skew, events in flight).",
    },
    {
	.name = "backfill.poll_interval",
	.type = GCB_CONFIG_T_DURATION,
	.offset = OFF(backfill.poll_interval_ms),
	.def = "2s",
	.min = MS(100),
	.max = MIN(1),
	.doc = "How often a running analytics job's state is asked for.",
    },
    {
	.name = "checkpoint.interval",
	.type = GCB_CONFIG_T_DURATION,
	.offset = OFF(checkpoint.interval_ms),
	.def = "1s",
	.min = MS(0),
	.max = H(1),
	.doc = "Least time between two checkpoint writes (0 = after every acknowledged batch).",
    },
    {
	.name = "coord.group",
	.type = GCB_CONFIG_T_STRING,
	.offset = OFF(coord.group),
	.flags = GCB_CONFIG_F_NAME,
	.doc = "Kafka consumer group of the instances that share the work (docs/multihost.md): "
	       "each unit (the stream; a notification shard) runs on one member, the others "
	       "stand by; state goes to coord.state_topic. Unset: single-instance mode. Needs "
	       "kafka.bootstrap.servers.",
    },
    {
	.name = "coord.topic",
	.type = GCB_CONFIG_T_STRING,
	.offset = OFF(coord.topic),
	.def_doc = "`<coord.group>.units`",
	.doc = "Coordination topic: one partition per unit (1 for the poll source; one per "
	       "shard of the notification topics). Created by the operator; nothing is written "
	       "to it.",
    },
    {
	.name = "coord.state_topic",
	.type = GCB_CONFIG_T_STRING,
	.offset = OFF(coord.state_topic),
	.def_doc = "`<coord.group>.state`",
	.doc = "State topic (cleanup.policy=compact): each unit's checkpoint, keyed by unit and "
	       "group generation. Created by the operator.",
    },
    {
	.name = "coord.session_timeout",
	.type = GCB_CONFIG_T_DURATION,
	.offset = OFF(coord.session_timeout_ms),
	.def = "10s",
	.min = S(1),
	.max = MIN(5),
	.doc = "A member silent this long (host dead, process stopped) loses its units to the "
	       "others: the failover time after a crash. Within the broker's "
	       "group.min/max.session.timeout.ms.",
    },
    {
	.name = "coord.drain_timeout",
	.type = GCB_CONFIG_T_DURATION,
	.offset = OFF(coord.drain_timeout_ms),
	.def = "10s",
	.min = MS(0),
	.max = MIN(5),
	.doc = "Longest wait, when a unit is taken away, for Kafka to acknowledge what was read "
	       "for it; the unit is then handed over at the acknowledged position (what was "
	       "not acknowledged is read again by the next owner).",
    },
    {
	.name = "schemas.dir",
	.type = GCB_CONFIG_T_PATH,
	.offset = OFF(schemas.dir),
	.def = "./schemas",
	.flags = GCB_CONFIG_F_REQUIRED,
	.doc = "Schema directory: where schemas.routes and schemas.ids_file are looked for "
	       "when not set (the .avsc files are named relative to the routing file, whose "
	       "directory is watched for changes).",
    },
    {
	.name = "schemas.routes",
	.type = GCB_CONFIG_T_PATH,
	.offset = OFF(schemas.routes),
	.def_doc = "`<schemas.dir>/routes.json`",
	.doc = "Routing file: event type to schema, Kafka topic and key path.",
    },
    {
	.name = "schemas.strict",
	.type = GCB_CONFIG_T_BOOL,
	.offset = OFF(schemas.strict),
	.def = "false",
	.doc = "Reject (to the DLQ) events with fields their schema does not know.",
    },
    {
	.name = "schemas.registry.url",
	.type = GCB_CONFIG_T_URL,
	.offset = OFF(schemas.registry_url),
	.doc = "Confluent Schema Registry base URL; schemas are registered there when set.",
    },
    {
	.name = "schemas.registry.user",
	.type = GCB_CONFIG_T_STRING,
	.offset = OFF(schemas.registry_user),
	.doc = "Schema Registry basic-auth user.",
    },
    {
	.name = "schemas.registry.password",
	.type = GCB_CONFIG_T_SECRET,
	.offset = OFF(schemas.registry_password),
	.doc = "Schema Registry basic-auth password: cred:NAME, env:NAME, file:PATH or the "
	       "value.",
    },
    {
	.name = "schemas.ids_file",
	.type = GCB_CONFIG_T_PATH,
	.offset = OFF(schemas.ids_file),
	.def_doc = "`<schemas.dir>/schema-ids.json`",
	.doc = "Schema ids to frame with when no registry is configured.",
    },
    {
	.name = "producer.dlq_topic",
	.type = GCB_CONFIG_T_STRING,
	.offset = OFF(producer.dlq_topic),
	.def = "genesys.dlq",
	.flags = GCB_CONFIG_F_REQUIRED,
	.doc = "Dead-letter topic: every event that cannot go to its own topic (not JSON, too "
	       "large, no route, not fitting its schema) goes here, raw, with the reason in its "
	       "headers. The only setting that names it.",
    },
    {
	.name = "producer.headers",
	.type = GCB_CONFIG_T_ENUM,
	.offset = OFF(producer.headers),
	.def = "all",
	.values = producer_headers,
	.doc = "Provenance headers on each event's Kafka message. all: event.id, entity.type, "
	       "event.type, source.stream, received.at, event.seq, batch.seq, schema.name, "
	       "schema.id, schema.version, schema.fingerprint. lean: leaves out what the "
	       "message already says (received.at = its timestamp, schema.id = bytes 1-4 of "
	       "the value) or the registry does (schema.version, schema.fingerprint). minimal: "
	       "event.id, source.stream and batch.seq. Dead-letter records always carry all "
	       "of theirs. See docs/producer.md.",
    },
    {
	.name = "producer.unsafe",
	.type = GCB_CONFIG_T_BOOL,
	.offset = OFF(producer.unsafe),
	.def = "false",
	.doc = "Allow kafka.* settings that weaken delivery (acks other than all, "
	       "enable.idempotence=false).",
    },
    {
	.name = "security.allow_cleartext",
	.type = GCB_CONFIG_T_BOOL,
	.offset = OFF(security.allow_cleartext),
	.def = "false",
	.doc = "Allow http:// in genesys.api_url, genesys.login_url and schemas.registry.url "
	       "to a host other than loopback (the client secret, tokens and registry "
	       "password then cross the network readable). Warned at every start and shown "
	       "as gcbridge_insecure{setting=\"cleartext_http\"} in /metrics.",
    },
    {
	.name = "metrics.listen",
	.type = GCB_CONFIG_T_ADDR,
	.offset = OFF(metrics.listen),
	.def = "127.0.0.1:9464",
	.doc = "Prometheus metrics endpoint host:port; empty = off; port 0 = any free port.",
    },
};

const size_t gcb_config_prop_count = sizeof(gcb_config_props) / sizeof(gcb_config_props[0]);

const gcb_config_prop_t *gcb_config_prop_find(const char *name)
{
	for (size_t i = 0; i < gcb_config_prop_count; i++)
		if (strcmp(gcb_config_props[i].name, name) == 0)
			return &gcb_config_props[i];
	return NULL;
}

int gcb_config_default_number(const char *key, int64_t *value)
{
	const gcb_config_prop_t *p = gcb_config_prop_find(key);
	int on;

	if (p == NULL || p->def == NULL)
		return -ENOENT;
	switch (p->type) {
	case GCB_CONFIG_T_INT:
		return gcb_config_parse_int(p->def, value, NULL, 0);
	case GCB_CONFIG_T_DURATION:
		return gcb_config_parse_duration(p->def, value, NULL, 0);
	case GCB_CONFIG_T_SIZE:
		return gcb_config_parse_size(p->def, value, NULL, 0);
	case GCB_CONFIG_T_BOOL:
		if (gcb_config_parse_bool(p->def, &on, NULL, 0) != 0)
			return -EINVAL;
		*value = on;
		return 0;
	default:
		return -EINVAL;
	}
}

int gcb_config_kafka_sensitive(const char *name)
{
	/* librdkafka's own list of sensitive properties, by pattern so that
	 * future ones of the same kind are covered too. */
	static const char *const marks[] = {"password", "secret", "ssl.key.pem",
					    "ssl_key",	"jaas",	  "oauthbearer.config"};

	for (size_t i = 0; i < sizeof(marks) / sizeof(marks[0]); i++)
		if (strstr(name, marks[i]) != NULL)
			return 1;
	return 0;
}
