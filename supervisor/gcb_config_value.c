/*
 * Parsers and formatters for configuration values: bool, int, duration,
 * size, URL and listen address. Strict on purpose: a value either means
 * exactly one thing or is rejected with the reason.
 */
#include <ctype.h>
#include <errno.h>
#include <inttypes.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>
#include <strings.h>

#include "lib/gcb_loopback.h"
#include "supervisor/gcb_config.h"

static int fail(char *why, size_t why_size, int rc, const char *msg)
{
	if (why != NULL && why_size > 0)
		snprintf(why, why_size, "%s", msg);
	return rc;
}

int gcb_config_parse_bool(const char *s, int *out, char *why, size_t why_size)
{
	static const char *const yes[] = {"true", "yes", "on", "1"};
	static const char *const no[] = {"false", "no", "off", "0"};

	for (size_t i = 0; i < sizeof(yes) / sizeof(yes[0]); i++) {
		if (strcasecmp(s, yes[i]) == 0) {
			*out = 1;
			return 0;
		}
		if (strcasecmp(s, no[i]) == 0) {
			*out = 0;
			return 0;
		}
	}
	return fail(why, why_size, -EINVAL, "not a boolean (true/false, yes/no, on/off, 1/0)");
}

/*
 * Reads the unsigned decimal digits at *p (at least one) into *out and
 * advances *p. -ERANGE when the number does not fit in int64_t.
 */
static int parse_digits(const char **p, int64_t *out)
{
	const char *s = *p;
	uint64_t v = 0;

	if (!isdigit((unsigned char)*s))
		return -EINVAL;
	for (; isdigit((unsigned char)*s); s++) {
		unsigned d = (unsigned)(*s - '0');

		if (v > ((uint64_t)INT64_MAX - d) / 10)
			return -ERANGE;
		v = v * 10 + d;
	}
	*p = s;
	*out = (int64_t)v;
	return 0;
}

int gcb_config_parse_int(const char *s, int64_t *out, char *why, size_t why_size)
{
	const char *p = s;
	int neg = 0;
	int64_t v;
	int rc;

	if (*p == '-' || *p == '+')
		neg = *p++ == '-';
	rc = parse_digits(&p, &v);
	if (rc == -ERANGE)
		return fail(why, why_size, rc, "is too large");
	if (rc != 0 || *p != '\0')
		return fail(why, why_size, -EINVAL, "not an integer");
	*out = neg ? -v : v;
	return 0;
}

struct unit {
	const char *name;
	int64_t mult;
};

/* Splits "<digits><unit>" and scales by the unit; bare numbers use mult 1. */
static int parse_scaled(const char *s, const struct unit *units, size_t n, int64_t *out,
			const char *expect, char *why, size_t why_size)
{
	const char *p = s;
	int64_t v, mult = 0;
	int rc;

	rc = parse_digits(&p, &v);
	if (rc == -ERANGE)
		return fail(why, why_size, rc, "is too large");
	if (rc != 0)
		return fail(why, why_size, -EINVAL, expect);
	if (*p == '\0') {
		mult = 1;
	} else {
		for (size_t i = 0; i < n; i++) {
			if (strcasecmp(p, units[i].name) == 0) {
				mult = units[i].mult;
				break;
			}
		}
	}
	if (mult == 0)
		return fail(why, why_size, -EINVAL, expect);
	if (v > INT64_MAX / mult)
		return fail(why, why_size, -ERANGE, "is too large");
	*out = v * mult;
	return 0;
}

int gcb_config_parse_duration(const char *s, int64_t *ms, char *why, size_t why_size)
{
	static const struct unit units[] = {
	    {"ms", 1}, {"s", 1000}, {"m", 60000}, {"h", 3600000}, {"d", 86400000},
	};

	return parse_scaled(s, units, sizeof(units) / sizeof(units[0]), ms,
			    "not a duration (a whole number with ms, s, m, h or d; bare = ms)", why,
			    why_size);
}

int gcb_config_parse_size(const char *s, int64_t *bytes, char *why, size_t why_size)
{
	static const struct unit units[] = {
	    {"B", 1},
	    {"KiB", INT64_C(1) << 10},
	    {"MiB", INT64_C(1) << 20},
	    {"GiB", INT64_C(1) << 30},
	    {"TiB", INT64_C(1) << 40},
	    {"kB", 1000},
	    {"MB", 1000000},
	    {"GB", 1000000000},
	    {"TB", INT64_C(1000000000000)},
	};

	return parse_scaled(s, units, sizeof(units) / sizeof(units[0]), bytes,
			    "not a size (a whole number with B, KiB, MiB, GiB or kB, MB, GB; "
			    "bare = bytes)",
			    why, why_size);
}

void gcb_config_format_duration(int64_t ms, char *buf, size_t size)
{
	if (ms != 0 && ms % 86400000 == 0)
		snprintf(buf, size, "%" PRId64 "d", ms / 86400000);
	else if (ms != 0 && ms % 3600000 == 0)
		snprintf(buf, size, "%" PRId64 "h", ms / 3600000);
	else if (ms != 0 && ms % 60000 == 0)
		snprintf(buf, size, "%" PRId64 "m", ms / 60000);
	else if (ms != 0 && ms % 1000 == 0)
		snprintf(buf, size, "%" PRId64 "s", ms / 1000);
	else
		snprintf(buf, size, "%" PRId64 "ms", ms);
}

void gcb_config_format_size(int64_t bytes, char *buf, size_t size)
{
	static const char *const units[] = {"TiB", "GiB", "MiB", "KiB"};

	for (int i = 0; i < 4; i++) {
		int64_t m = INT64_C(1) << (10 * (4 - i));

		if (bytes != 0 && bytes % m == 0) {
			snprintf(buf, size, "%" PRId64 "%s", bytes / m, units[i]);
			return;
		}
	}
	snprintf(buf, size, "%" PRId64, bytes);
}

static int has_space_or_ctl(const char *s)
{
	for (; *s; s++)
		if (isspace((unsigned char)*s) || iscntrl((unsigned char)*s))
			return 1;
	return 0;
}

int gcb_config_check_url(const char *s, char *why, size_t why_size)
{
	const char *host;
	size_t hostlen;

	if (strncasecmp(s, "https://", 8) == 0)
		host = s + 8;
	else if (strncasecmp(s, "http://", 7) == 0)
		host = s + 7;
	else
		return fail(why, why_size, -EINVAL,
			    "not a URL (must start with http:// or https://)");
	if (has_space_or_ctl(s))
		return fail(why, why_size, -EINVAL, "not a URL (contains white space)");
	hostlen = strcspn(host, "/?#");
	if (hostlen == 0 || host[0] == ':')
		return fail(why, why_size, -EINVAL, "not a URL (no host)");
	if (strcspn(host, "?#") != strlen(host))
		return fail(why, why_size, -EINVAL, "a base URL takes no query or fragment");
	return 0;
}

int gcb_config_url_cleartext(const char *url)
{
	const char *host;
	size_t len;

	if (url == NULL || strncasecmp(url, "http://", 7) != 0)
		return 0;
	host = url + 7;
	if (host[0] == '[')
		len = strcspn(host, "]") + 1;
	else
		len = strcspn(host, ":/?#");
	return !gcb_host_is_loopback(host, len);
}

int gcb_config_check_addr(const char *s, char *why, size_t why_size)
{
	const char *colon, *port;
	int64_t v;

	if (has_space_or_ctl(s))
		return fail(why, why_size, -EINVAL, "not host:port (contains white space)");
	if (s[0] == '[') {
		const char *end = strchr(s, ']');

		if (end == NULL || end == s + 1 || end[1] != ':')
			return fail(why, why_size, -EINVAL, "not [ipv6]:port");
		colon = end + 1;
	} else {
		colon = strrchr(s, ':');
		if (colon == NULL || colon == s)
			return fail(why, why_size, -EINVAL, "not host:port");
		if (memchr(s, ':', (size_t)(colon - s)) != NULL)
			return fail(why, why_size, -EINVAL,
				    "IPv6 addresses go in brackets: [::1]:9464");
	}
	port = colon + 1;
	if (gcb_config_parse_int(port, &v, NULL, 0) != 0 || port[0] == '+' || port[0] == '-' ||
	    v > 65535)
		return fail(why, why_size, -EINVAL, "port is not a number in 0..65535");
	return 0;
}
