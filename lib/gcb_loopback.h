/*
 * Whether a host name or address literal names this machine: "localhost",
 * 127.0.0.0/8 written as a dotted quad, "::1". Traffic to it never leaves
 * the host, so cleartext there exposes nothing (the simulator, a local
 * registry); everywhere else gcbridge insists on TLS (README: Security).
 */
#ifndef GCB_LOOPBACK_H
#define GCB_LOOPBACK_H

#include <stddef.h>
#include <string.h>
#include <strings.h>

static inline int gcb_host_is_loopback(const char *host, size_t len)
{
	size_t i, dots = 0;

	if (len >= 2 && host[0] == '[' && host[len - 1] == ']') {
		host++;
		len -= 2;
	}
	if ((len == 9 && strncasecmp(host, "localhost", 9) == 0) ||
	    (len == 3 && memcmp(host, "::1", 3) == 0))
		return 1;
	if (len < 7 || len > 15 || memcmp(host, "127.", 4) != 0)
		return 0;
	for (i = 0; i < len; i++) {
		if (host[i] == '.' && (i == len - 1 || host[i + 1] == '.'))
			return 0;
		if (host[i] == '.')
			dots++;
		else if (host[i] < '0' || host[i] > '9')
			return 0;
	}
	return dots == 3;
}

#endif
