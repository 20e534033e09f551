#include "lib/gcb_log.h"

#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <string.h>
#include <sys/time.h>
#include <time.h>
#include <unistd.h>

#define LOG_LINE_MAX 4096

static struct {
	char stage[32];
	gcb_log_level_t level;
	gcb_log_format_t format;
} g_log = {"gcbridge", GCB_LOG_INFO, GCB_LOG_LOGFMT};

static const char *const level_names[] = {"error", "warn", "info", "debug"};

void gcb_log_setup(const char *stage, gcb_log_level_t level, gcb_log_format_t format)
{
	gcb_log_set_stage(stage);
	g_log.level = level;
	g_log.format = format;
}

void gcb_log_set_stage(const char *stage)
{
	snprintf(g_log.stage, sizeof(g_log.stage), "%s", stage);
}

void gcb_log_set_level(gcb_log_level_t level)
{
	g_log.level = level;
}

gcb_log_level_t gcb_log_level(void)
{
	return g_log.level;
}

int gcb_log_enabled(gcb_log_level_t level)
{
	return level <= g_log.level;
}

int gcb_log_level_parse(const char *s, gcb_log_level_t *level)
{
	for (unsigned i = 0; i < sizeof(level_names) / sizeof(level_names[0]); i++) {
		if (strcmp(s, level_names[i]) == 0) {
			*level = (gcb_log_level_t)i;
			return 0;
		}
	}
	return -EINVAL;
}

int gcb_log_format_parse(const char *s, gcb_log_format_t *format)
{
	if (strcmp(s, "logfmt") == 0)
		*format = GCB_LOG_LOGFMT;
	else if (strcmp(s, "json") == 0)
		*format = GCB_LOG_JSON;
	else
		return -EINVAL;
	return 0;
}

/* Appends msg quoted and escaped for logfmt or JSON (both accept \" \\ \n \t \uXXXX). */
static size_t put_quoted(char *out, size_t pos, size_t cap, const char *msg)
{
	static const char hex[] = "0123456789abcdef";

	if (pos < cap)
		out[pos++] = '"';
	for (const unsigned char *p = (const unsigned char *)msg; *p != '\0' && pos + 8 < cap; p++) {
		switch (*p) {
		case '"':
		case '\\':
			out[pos++] = '\\';
			out[pos++] = (char)*p;
			break;
		case '\n':
			out[pos++] = '\\';
			out[pos++] = 'n';
			break;
		case '\t':
			out[pos++] = '\\';
			out[pos++] = 't';
			break;
		default:
			if (*p < 0x20) {
				memcpy(out + pos, "\\u00", 4);
				out[pos + 4] = hex[*p >> 4];
				out[pos + 5] = hex[*p & 15];
				pos += 6;
			} else {
				out[pos++] = (char)*p;
			}
		}
	}
	if (pos < cap)
		out[pos++] = '"';
	return pos;
}

void gcb_log(gcb_log_level_t level, const char *fmt, ...)
{
	char msg[LOG_LINE_MAX / 2], line[LOG_LINE_MAX], ts[40];
	struct timespec now;
	struct tm tm;
	size_t pos;
	va_list ap;
	int saved_errno = errno;

	if (level > g_log.level)
		return;
	va_start(ap, fmt);
	vsnprintf(msg, sizeof(msg), fmt, ap);
	va_end(ap);

	clock_gettime(CLOCK_REALTIME, &now);
	gmtime_r(&now.tv_sec, &tm);
	strftime(ts, sizeof(ts) - 6, "%Y-%m-%dT%H:%M:%S", &tm);
	snprintf(ts + strlen(ts), 6, ".%03uZ", (unsigned)(now.tv_nsec / 1000000L) % 1000u);

	if (g_log.format == GCB_LOG_JSON) {
		pos = (size_t)snprintf(line, sizeof(line),
				       "{\"ts\":\"%s\",\"level\":\"%s\",\"stage\":\"%s\",\"pid\":%d,"
				       "\"msg\":",
				       ts, level_names[level], g_log.stage, (int)getpid());
		pos = put_quoted(line, pos, sizeof(line) - 3, msg);
		line[pos++] = '}';
	} else {
		pos = (size_t)snprintf(line, sizeof(line), "ts=%s level=%s stage=%s pid=%d msg=", ts,
				       level_names[level], g_log.stage, (int)getpid());
		pos = put_quoted(line, pos, sizeof(line) - 2, msg);
	}
	line[pos++] = '\n';
	(void)!write(STDERR_FILENO, line, pos);
	errno = saved_errno;
}
