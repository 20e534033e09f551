/*
 * Logging: one line per event on stderr, logfmt or JSON, each with time,
 * level, stage and pid. A line is written with a single write(2) so lines of
 * concurrent stages sharing stderr never interleave.
 *
 * Nothing secret may be passed here: callers log names of secrets, never
 * values (see gcb_config.h for masked printing).
 */
#ifndef GCB_LOG_H
#define GCB_LOG_H

typedef enum gcb_log_level {
	GCB_LOG_ERROR = 0,
	GCB_LOG_WARN = 1,
	GCB_LOG_INFO = 2,
	GCB_LOG_DEBUG = 3,
} gcb_log_level_t;

typedef enum gcb_log_format {
	GCB_LOG_LOGFMT = 0,
	GCB_LOG_JSON = 1,
} gcb_log_format_t;

/* Process-wide settings; call again after fork() with the stage's name. */
void gcb_log_setup(const char *stage, gcb_log_level_t level, gcb_log_format_t format);
void gcb_log_set_stage(const char *stage);
void gcb_log_set_level(gcb_log_level_t level);
int gcb_log_enabled(gcb_log_level_t level);
gcb_log_level_t gcb_log_level(void);

/* Parses "error|warn|info|debug" / "logfmt|json"; -EINVAL when unknown. */
int gcb_log_level_parse(const char *s, gcb_log_level_t *level);
int gcb_log_format_parse(const char *s, gcb_log_format_t *format);

__attribute__((format(printf, 2, 3))) void gcb_log(gcb_log_level_t level, const char *fmt, ...);

#define gcb_log_error(...) gcb_log(GCB_LOG_ERROR, __VA_ARGS__)
#define gcb_log_warn(...)  gcb_log(GCB_LOG_WARN, __VA_ARGS__)
#define gcb_log_info(...)  gcb_log(GCB_LOG_INFO, __VA_ARGS__)
#define gcb_log_debug(...)                                                                         \
	do {                                                                                       \
		if (gcb_log_enabled(GCB_LOG_DEBUG))                                                \
			gcb_log(GCB_LOG_DEBUG, __VA_ARGS__);                                       \
	} while (0)

#endif
