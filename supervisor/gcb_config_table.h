/*
 * The configuration property table (private to supervisor/gcb_config*.c and
 * the tests). One row per key, in the order the reference lists them.
 */
#ifndef GCB_CONFIG_TABLE_H
#define GCB_CONFIG_TABLE_H

#include <stddef.h>
#include <stdint.h>

#include "supervisor/gcb_config.h"

typedef enum gcb_config_type {
	GCB_CONFIG_T_BOOL,     /* int: 0 or 1 */
	GCB_CONFIG_T_INT,      /* int64_t within [min, max] */
	GCB_CONFIG_T_DURATION, /* int64_t milliseconds within [min, max] */
	GCB_CONFIG_T_SIZE,     /* int64_t bytes within [min, max] */
	GCB_CONFIG_T_STRING,   /* char * */
	GCB_CONFIG_T_ENUM,     /* int: index into values, -1 when unset */
	GCB_CONFIG_T_PATH,     /* char *: a file system path */
	GCB_CONFIG_T_URL,      /* char *: http:// or https:// URL, stored without trailing '/' */
	GCB_CONFIG_T_ADDR,     /* char *: host:port to listen on */
	GCB_CONFIG_T_SECRET,   /* gcb_config_secret_t */
} gcb_config_type_t;

#define GCB_CONFIG_F_RELOAD   0x01u /* applied on SIGHUP without a restart */
#define GCB_CONFIG_F_POW2     0x02u /* a power of two */
#define GCB_CONFIG_F_EXISTS   0x04u /* when set, must name a readable regular file */
#define GCB_CONFIG_F_NAME     0x08u /* 1..48 of [A-Za-z0-9._-] (used in file names) */
#define GCB_CONFIG_F_REQUIRED 0x10u /* may not be empty */

#define GCB_CONFIG_NAME_MAX 48

typedef struct gcb_config_prop {
	const char *name;
	gcb_config_type_t type;
	size_t offset;		   /* of the field in gcb_config_t */
	const char *def;	   /* default, parsed like a value; NULL = unset */
	const char *def_doc;	   /* shown instead of def in the reference when set */
	int64_t min, max;	   /* int, duration (ms), size (bytes) */
	const char *const *values; /* enum: allowed values, NULL-terminated */
	unsigned flags;
	const char *doc;
} gcb_config_prop_t;

extern const gcb_config_prop_t gcb_config_props[];
extern const size_t gcb_config_prop_count;

/* The row for a fully-qualified key, or NULL. */
const gcb_config_prop_t *gcb_config_prop_find(const char *name);

/* 1 when a kafka.* property (name without "kafka.") carries a credential. */
int gcb_config_kafka_sensitive(const char *name);

/*
 * Resolves a secret given as "cred:NAME" (a systemd credential, the file
 * NAME in $CREDENTIALS_DIRECTORY), "env:NAME", "file:PATH", "literal:VALUE"
 * or a plain literal. An env:NAME variable no longer set resolves to the
 * value it had when last read (see gcb_config_secret_scrub_env). On success *value and *source are allocated (source is
 * safe to show). *loose_mode receives the file's permission bits when a
 * file is accessible by group or others (a warning), else 0. Returns 0 or
 * -errno with a reason in why that never contains the value.
 */
int gcb_config_secret_resolve(const char *spec, char **value, char **source, unsigned *loose_mode,
			      char *why, size_t why_size);

/* Formats a key's current value as it would be written in the file;
 * secrets as "****" (empty when unset). */
void gcb_config_prop_format(const gcb_config_t *cfg, const gcb_config_prop_t *p, char *buf,
			    size_t size);

/* Frees the value of p in cfg (wiping secrets) and leaves it unset. */
void gcb_config_prop_free(gcb_config_t *cfg, const gcb_config_prop_t *p);

/* 1 for the types stored as char * (string, path, url, host:port). */
int gcb_config_type_is_string(gcb_config_type_t t);

/* Wipes and frees a secret string. */
void gcb_config_secret_free(char *value);

#endif
