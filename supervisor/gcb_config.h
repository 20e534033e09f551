/*
 * gcbridge's configuration: one property table, an INI file, typed fields.
 *
 * Every key lives in one table (gcb_config_table.c) with its type, default,
 * range or allowed values, one line of documentation and flags (secret,
 * reloadable). The loader, the effective-config printer, SIGHUP reload and
 * the generated reference in README.md all read that table, so they cannot
 * drift apart. Keys under "kafka." are passed to librdkafka unchanged, in
 * file order; any other unknown key is an error. See docs/config.md.
 *
 * Secrets (genesys.client_secret, schemas.registry.password, sensitive
 * kafka.* keys) are resolved at load from "env:NAME", "file:PATH" or a
 * literal, and are never printed: every output masks them as "****".
 */
#ifndef GCB_CONFIG_H
#define GCB_CONFIG_H

#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

/* Values of the "embedded" key. */
#define GCB_CONFIG_EMBEDDED_AUTO  0
#define GCB_CONFIG_EMBEDDED_TRUE  1
#define GCB_CONFIG_EMBEDDED_FALSE 2

/* Values of "genesys.source". */
#define GCB_CONFIG_SOURCE_POLL		0
#define GCB_CONFIG_SOURCE_NOTIFICATIONS 1

/* A resolved secret. value is NULL when unset; it is wiped on fini. */
typedef struct gcb_config_secret {
	char *value;
	char *source; /* "env:NAME", "file:PATH" or "literal": safe to show */
} gcb_config_secret_t;

/* One kafka.* passthrough property, in file order. */
typedef struct gcb_config_kv {
	char *name;    /* librdkafka's name: the key without "kafka." */
	char *value;   /* resolved value (env:/file:/literal: resolved) */
	char *source;  /* as gcb_config_secret_t.source when resolved; else NULL */
	int sensitive; /* masked in every output */
	unsigned line;
} gcb_config_kv_t;

/*
 * The parsed configuration. Durations are in milliseconds, sizes in bytes.
 * Strings are owned (freed by gcb_config_fini) and NULL when unset; enums
 * hold the index of the value in the key's list of allowed values.
 */
typedef struct gcb_config {
	char *path; /* file it was loaded from, NULL for none */

	int embedded; /* GCB_CONFIG_EMBEDDED_*: as configured */

	struct {
		char *name;
		char *state_dir;
	} instance;

	struct {
		int level;  /* gcb_log_level_t */
		int format; /* gcb_log_format_t */
	} log;

	struct {
		int64_t validators;
	} pipeline;

	struct {
		int64_t size;	    /* power of two */
		int64_t max_record; /* <= size / 2 - 16 */
	} ring;

	struct {
		int64_t max_bytes;
	} event;

	struct {
		int64_t min_interval_ms;
		int64_t max_backoff_ms;
		int64_t stable_after_ms;
	} restart;

	struct {
		int64_t timeout_ms;
		int64_t kill_grace_ms;
	} watchdog;

	struct {
		int64_t timeout_ms;
	} drain;

	struct {
		int source; /* GCB_CONFIG_SOURCE_* */
		int region; /* index into gcb_config_regions[], -1 when unset */
		char *api_url;
		char *login_url;
		char *client_id;
		gcb_config_secret_t client_secret;
		char *stream_id;
		char *stream_definition;
		int64_t poll_limit;
		int64_t poll_timeout_ms;
		int64_t poll_interval_ms;
		int64_t poll_stall_after;
		int64_t poll_stall_timeout_ms;
		int poll_spool;
		int64_t poll_retention_ms;
		int64_t token_skew_ms;
		int64_t backoff_base_ms;
		int64_t backoff_cap_ms;
		int64_t connect_timeout_ms;
		int64_t http_timeout_ms;
		int tls_verify;
		char *tls_ca_path;
		struct {
			char *topics;	   /* space-separated; {queueId}/{userId} expand */
			char *topics_file; /* one topic per line, added to topics */
			int64_t resolve_interval_ms;
			int64_t heartbeat_timeout_ms;
			int64_t ping_interval_ms;
			int64_t rollover_before_ms;
			int64_t topics_per_channel;
			int64_t max_channels;
			int64_t rate_per_minute;
		} notifications;
	} genesys;

	struct {
		int64_t segment_size;
		int64_t max_size;
		int64_t sync_interval_ms;
	} spool;

	struct {
		int enabled;
		int64_t pad_ms;
		int64_t poll_interval_ms;
	} backfill;

	struct {
		int64_t interval_ms;
	} checkpoint;

	struct {
		char *group;	   /* NULL: single-instance mode (docs/multihost.md) */
		char *topic;	   /* effective: <group>.units when not set */
		char *state_topic; /* effective: <group>.state when not set */
		int64_t session_timeout_ms;
		int64_t drain_timeout_ms;
	} coord;

	struct {
		char *dir;
		char *routes; /* effective: <dir>/routes.json when not set */
		int strict;
		char *registry_url;
		char *registry_user;
		gcb_config_secret_t registry_password;
		char *ids_file; /* effective: <dir>/schema-ids.json when not set */
	} schemas;

	struct {
		gcb_config_kv_t *props;
		size_t count;
		size_t cap;
	} kafka;

	struct {
		char *dlq_topic;
		int headers; /* gcb_producer_headers_t */
		int unsafe;
	} producer;

	struct {
		int allow_cleartext;
	} security;

	struct {
		char *listen; /* host:port, NULL = metrics off */
	} metrics;

	/*
	 * Derived at load, not keys. embedded_sim / embedded_kafka say whether
	 * gcbridge starts the simulator / the mock Kafka itself. api_base and
	 * login_base are the Genesys base URLs without a trailing '/' (from
	 * genesys.region or the explicit URLs); NULL when embedded_sim.
	 */
	int embedded_sim;
	int embedded_kafka;
	char *api_base;
	char *login_base;
	unsigned insecure; /* GCB_CONFIG_INSECURE_* in effect (warned at load) */
} gcb_config_t;

/* Settings that weaken transport security, shown by /metrics (gcbridge_insecure). */
enum {
	GCB_CONFIG_INSECURE_CLEARTEXT = 1u,   /* an http:// URL off loopback */
	GCB_CONFIG_INSECURE_GENESYS_TLS = 2u, /* genesys.tls.verify = false */
	GCB_CONFIG_INSECURE_KAFKA_TLS = 4u,   /* librdkafka certificate checks off */
};

/* NULL-terminated list of Genesys Cloud region domains (docs/genesys-api.md, "Regions and base URLs"). */
extern const char *const gcb_config_regions[];

typedef enum gcb_config_severity {
	GCB_CONFIG_ERROR = 0,
	GCB_CONFIG_WARNING = 1,
	GCB_CONFIG_NOTICE = 2, /* reload: a key that was applied */
} gcb_config_severity_t;

/*
 * Receives each problem as "FILE:LINE: KEY: PROBLEM" (no trailing newline).
 * Messages never contain a secret's value.
 */
typedef void gcb_config_report_fn(void *opaque, gcb_config_severity_t severity, const char *msg);

/* Prints errors as they are and warnings as "warning: MSG" on stderr. */
void gcb_config_report_stderr(void *opaque, gcb_config_severity_t severity, const char *msg);

/* Fills cfg with every default. 0, or -ENOMEM. Call gcb_config_fini after. */
int gcb_config_init_defaults(gcb_config_t *cfg);

/* Frees every string and the passthrough list; wipes secrets. */
void gcb_config_fini(gcb_config_t *cfg);

/*
 * Initialises cfg with the defaults, then reads path (NULL: no file, the
 * embedded default) and runs the cross-key checks. Every problem goes to
 * report (NULL: gcb_config_report_stderr); all are collected before failing.
 * Returns 0, or -EINVAL when any error was reported (errstr then holds the
 * first one and the count), -ENOMEM. cfg must be finalised either way.
 */
int gcb_config_load(gcb_config_t *cfg, const char *path, gcb_config_report_fn *report, void *opaque,
		    char *errstr, size_t errstr_size);

/*
 * SIGHUP: loads path again into a new configuration; when it is valid,
 * copies every reloadable key whose value changed into cfg (one NOTICE each)
 * and reports a WARNING for each other key that changed (it takes effect on
 * restart). When the new file is invalid cfg is left untouched and the
 * errors are reported. Returns the number of keys applied, or as
 * gcb_config_load. The caller applies side effects (gcb_log_set_level).
 */
int gcb_config_reload(gcb_config_t *cfg, const char *path, gcb_config_report_fn *report,
		      void *opaque, char *errstr, size_t errstr_size);

/*
 * Prints the effective configuration as a loadable INI file, one
 * fully-qualified key per line in table order, then kafka.*, with secrets
 * masked as "****". For --check-config.
 */
void gcb_config_print(const gcb_config_t *cfg, FILE *out);

/*
 * Wipes (in place: the strings stay valid, and empty) each value of
 * env:NAME read so far from the process environment, and removes the
 * variable; a later load or reload still resolves env:NAME to the value
 * read. The daemon calls it once its configuration is loaded, before it
 * forks anything.
 */
void gcb_config_secret_scrub_env(void);

/* Wipes what gcb_config_secret_scrub_env remembers (a stage after fork). */
void gcb_config_secret_forget(void);

/*
 * Stages are forked with a copy of the supervisor's memory: each wipes, in
 * place, the secrets it has no use for (the flags it does not pass).
 */
enum {
	GCB_CONFIG_KEEP_GENESYS = 1u,  /* genesys.client_secret: the fetcher */
	GCB_CONFIG_KEEP_REGISTRY = 2u, /* schemas.registry.password: the validators */
	GCB_CONFIG_KEEP_KAFKA = 4u,    /* sensitive kafka.*: the producer */
};
void gcb_config_secret_keep_only(gcb_config_t *cfg, unsigned keep);

/* Prints the configuration reference (markdown) generated from the table. */
void gcb_config_reference_markdown(FILE *out);

/*
 * Value parsers, exposed for tests and for other tools. Each returns 0, or
 * -EINVAL (malformed) / -ERANGE (overflow) with a reason in why.
 */
int gcb_config_parse_bool(const char *s, int *out, char *why, size_t why_size);
int gcb_config_parse_int(const char *s, int64_t *out, char *why, size_t why_size);
int gcb_config_parse_duration(const char *s, int64_t *ms, char *why, size_t why_size);
int gcb_config_parse_size(const char *s, int64_t *bytes, char *why, size_t why_size);
int gcb_config_check_url(const char *s, char *why, size_t why_size);
int gcb_config_check_addr(const char *s, char *why, size_t why_size);

/*
 * The built-in default of an int, duration (ms), size (bytes) or bool key,
 * from the property table: for tools outside the daemon that apply a
 * setting, so that the table stays the only place a default is written.
 * 0, or -ENOENT (no such key, or no default) / -EINVAL (not a number type).
 */
int gcb_config_default_number(const char *key, int64_t *value);

/* 1 for an http:// URL whose host is not loopback (gcb_loopback.h). */
int gcb_config_url_cleartext(const char *url);

/* Formats ms / bytes the way they are best written back ("10s", "16MiB"). */
void gcb_config_format_duration(int64_t ms, char *buf, size_t size);
void gcb_config_format_size(int64_t bytes, char *buf, size_t size);

#endif
