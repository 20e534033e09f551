/*
 * ws:// and wss:// URLs (RFC 6455 section 3): scheme, host, port and the
 * resource name (path and query). The connectUri Genesys returns is used as
 * given, so the parser is strict rather than forgiving.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <ctype.h>

#include "stages/ws/gcb_ws_int.h"
#include "lib/gcb_loopback.h"

static int url_fail(char *errstr, size_t errstr_size, const char *url, const char *why)
{
	snprintf(errstr, errstr_size, "bad WebSocket URL \"%.200s\": %s", url, why);
	return -EINVAL;
}

static int parse_port(const char *s, size_t n, uint16_t *port)
{
	unsigned long v = 0;

	if (n == 0 || n > 5)
		return -EINVAL;
	for (size_t i = 0; i < n; i++) {
		if (s[i] < '0' || s[i] > '9')
			return -EINVAL;
		v = v * 10 + (unsigned long)(s[i] - '0');
	}
	if (v == 0 || v > 65535)
		return -EINVAL;
	*port = (uint16_t)v;
	return 0;
}

static int host_char_ok(char ch)
{
	return (ch >= 'a' && ch <= 'z') || (ch >= 'A' && ch <= 'Z') || (ch >= '0' && ch <= '9') ||
	       ch == '-' || ch == '.' || ch == '_';
}

int gcb_ws_url_parse(gcb_ws_url_t *u, const char *url, char *errstr, size_t errstr_size)
{
	const char *p, *auth_end, *host, *host_end, *port = NULL;
	size_t host_len, port_len = 0;

	memset(u, 0, sizeof(*u));
	if (!url)
		return url_fail(errstr, errstr_size, "(null)", "no URL");
	if (strncasecmp(url, "ws://", 5) == 0) {
		p = url + 5;
	} else if (strncasecmp(url, "wss://", 6) == 0) {
		u->tls = 1;
		p = url + 6;
	} else {
		return url_fail(errstr, errstr_size, url, "scheme must be ws:// or wss://");
	}
	if (strchr(url, '#'))
		return url_fail(errstr, errstr_size, url, "a fragment is not allowed");
	for (const char *q = url; *q; q++)
		if ((unsigned char)*q <= ' ' || (unsigned char)*q >= 0x7f)
			return url_fail(errstr, errstr_size, url,
					"spaces, control or non-ASCII characters");

	auth_end = p + strcspn(p, "/?");
	if (memchr(p, '@', (size_t)(auth_end - p)))
		return url_fail(errstr, errstr_size, url, "user info is not allowed");

	if (*p == '[') {
		host = p + 1;
		host_end = memchr(host, ']', (size_t)(auth_end - host));
		if (!host_end)
			return url_fail(errstr, errstr_size, url, "unterminated IPv6 literal");
		for (const char *q = host; q < host_end; q++)
			if (!(host_char_ok(*q) || *q == ':'))
				return url_fail(errstr, errstr_size, url, "bad IPv6 literal");
		u->ipv6 = 1;
		if (host_end + 1 < auth_end) {
			if (host_end[1] != ':')
				return url_fail(errstr, errstr_size, url,
						"junk after the IPv6 literal");
			port = host_end + 2;
		}
	} else {
		host = p;
		host_end = memchr(p, ':', (size_t)(auth_end - p));
		if (host_end)
			port = host_end + 1;
		else
			host_end = auth_end;
		for (const char *q = host; q < host_end; q++)
			if (!host_char_ok(*q))
				return url_fail(errstr, errstr_size, url, "bad character in host");
	}
	host_len = (size_t)(host_end - host);
	if (host_len == 0)
		return url_fail(errstr, errstr_size, url, "no host");
	if (host_len >= sizeof(u->host))
		return url_fail(errstr, errstr_size, url, "host name too long");
	memcpy(u->host, host, host_len);
	u->host[host_len] = '\0';

	if (port) {
		port_len = (size_t)(auth_end - port);
		if (parse_port(port, port_len, &u->port) < 0)
			return url_fail(errstr, errstr_size, url, "bad port");
		u->port_given = 1;
	} else {
		u->port = u->tls ? 443 : 80;
	}

	if (*auth_end == '\0') {
		strcpy(u->path, "/");
	} else if (*auth_end == '?') {
		if (strlen(auth_end) + 1 >= sizeof(u->path))
			return url_fail(errstr, errstr_size, url, "path too long");
		u->path[0] = '/';
		strcpy(u->path + 1, auth_end);
	} else {
		if (strlen(auth_end) >= sizeof(u->path))
			return url_fail(errstr, errstr_size, url, "path too long");
		strcpy(u->path, auth_end);
	}
	return 0;
}

void gcb_ws_url_host_header(const gcb_ws_url_t *u, char *out, size_t out_size)
{
	const char *lb = u->ipv6 ? "[" : "", *rb = u->ipv6 ? "]" : "";

	if (u->port_given && u->port != (u->tls ? 443 : 80))
		snprintf(out, out_size, "%s%s%s:%u", lb, u->host, rb, (unsigned)u->port);
	else
		snprintf(out, out_size, "%s%s%s", lb, u->host, rb);
}

/* The host of an http(s):// base URL ("https://api.mypurecloud.com" ->
 * "api.mypurecloud.com"), lower case; 0 or -EINVAL. */
static int base_host(const char *base, char *host, size_t size)
{
	const char *p = strstr(base, "://");
	size_t n;

	if (p == NULL)
		return -EINVAL;
	p += 3;
	n = strcspn(p, ":/?#");
	if (n == 0 || n >= size)
		return -EINVAL;
	for (size_t i = 0; i < n; i++)
		host[i] = (char)tolower((unsigned char)p[i]);
	host[n] = '\0';
	return 0;
}

int gcb_ws_connect_uri_check(const char *uri, const char *api_base, char *errstr,
			     size_t errstr_size)
{
	char api_host[GCB_WS_HOST_MAX], host[GCB_WS_HOST_MAX];
	const char *domain;
	size_t hl, dl;
	gcb_ws_url_t u;
	int rc = gcb_ws_url_parse(&u, uri, errstr, errstr_size);

	if (rc != 0)
		return rc;
	if (gcb_host_is_loopback(u.host, strlen(u.host)))
		return 0; /* the simulator, or a local test server */
	if (!u.tls)
		return url_fail(errstr, errstr_size, uri,
				"not wss://: the channel would carry events in clear text");
	if (base_host(api_base, api_host, sizeof(api_host)) != 0)
		return url_fail(errstr, errstr_size, uri, "no API host to compare with");
	/* api.<domain> -> <domain>: the streaming host lives beside it. */
	domain = strncmp(api_host, "api.", 4) == 0 ? api_host + 4 : api_host;
	for (hl = 0; u.host[hl] != '\0' && hl + 1 < sizeof(host); hl++)
		host[hl] = (char)tolower((unsigned char)u.host[hl]);
	host[hl] = '\0';
	dl = strlen(domain);
	if (strcmp(host, domain) == 0 ||
	    (hl > dl && host[hl - dl - 1] == '.' && strcmp(host + hl - dl, domain) == 0))
		return 0;
	snprintf(errstr, errstr_size,
		 "connectUri host \"%.100s\" is not in the region's domain %.100s: refused",
		 u.host, domain);
	return -EPERM;
}
