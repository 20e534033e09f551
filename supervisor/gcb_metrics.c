#include "supervisor/gcb_metrics.h"

#include <arpa/inet.h>
#include <errno.h>
#include <microhttpd.h>
#include <netinet/in.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#include "lib/gcb_clock.h"
#include "supervisor/gcb_config.h"
#include "lib/gcb_log.h"
#include "supervisor/gcb_metrics_render.h"

/*
 * Idle or slow clients must not crowd out the probes: a connection costs
 * only its small memory pool (a request header; bodies are copied out of
 * our buffer), so many are allowed, and one that stops sending is dropped
 * after CONNECTION_TIMEOUT. The endpoint listens on loopback by default.
 */
#define CONNECTION_LIMIT   512
#define CONNECTION_MEMORY  (8 * 1024) /* bytes per connection */
#define CONNECTION_TIMEOUT 2	      /* seconds without a byte */
#define NS_PER_MS	   1000000ull
#define MHD_WARN_EVERY_NS  (60 * 1000 * NS_PER_MS)

struct gcb_metrics {
	struct MHD_Daemon *mhd;
	const gcb_shm_t *shm;
	const gcb_health_t *health;
	gcb_textbuf_t text;
	char version[32];
	unsigned insecure; /* GCB_CONFIG_INSECURE_* */
	unsigned port;
	int epoll_fd, listen_fd;
};

static int parse_listen(const char *listen, struct sockaddr_storage *ss, char *errstr,
			size_t errstr_size)
{
	char host[128];
	const char *colon, *h = listen;
	size_t hlen;
	unsigned long port;
	char *end;

	memset(ss, 0, sizeof(*ss));
	colon = strrchr(listen, ':');
	if (colon == NULL)
		goto bad;
	port = strtoul(colon + 1, &end, 10);
	if (colon[1] == '\0' || *end != '\0' || port > 65535)
		goto bad;
	hlen = (size_t)(colon - listen);
	if (hlen >= 2 && h[0] == '[' && h[hlen - 1] == ']') {
		h++;
		hlen -= 2;
	}
	if (hlen == 0 || hlen >= sizeof(host))
		goto bad;
	memcpy(host, h, hlen);
	host[hlen] = '\0';
	if (strcmp(host, "localhost") == 0)
		strcpy(host, "127.0.0.1");

	struct sockaddr_in *in4 = (struct sockaddr_in *)ss;
	struct sockaddr_in6 *in6 = (struct sockaddr_in6 *)ss;

	if (inet_pton(AF_INET, host, &in4->sin_addr) == 1) {
		in4->sin_family = AF_INET;
		in4->sin_port = htons((uint16_t)port);
		return 0;
	}
	if (inet_pton(AF_INET6, host, &in6->sin6_addr) == 1) {
		in6->sin6_family = AF_INET6;
		in6->sin6_port = htons((uint16_t)port);
		return 0;
	}
bad:
	snprintf(errstr, errstr_size,
		 "metrics.listen \"%s\": expected IPv4:port or [IPv6]:port (port 0: any free)",
		 listen);
	return -EINVAL;
}

static enum MHD_Result reply(struct MHD_Connection *conn, unsigned status, const char *type,
			     const char *body, size_t len)
{
	struct MHD_Response *r;
	enum MHD_Result ret;

	r = MHD_create_response_from_buffer(len, (void *)(uintptr_t)body, MHD_RESPMEM_MUST_COPY);
	if (r == NULL)
		return MHD_NO;
	MHD_add_response_header(r, MHD_HTTP_HEADER_CONTENT_TYPE, type);
	MHD_add_response_header(r, MHD_HTTP_HEADER_CACHE_CONTROL, "no-store");
	ret = MHD_queue_response(conn, status, r);
	MHD_destroy_response(r);
	return ret;
}

static enum MHD_Result text(struct MHD_Connection *conn, unsigned status, const char *fmt,
			    const char *arg)
{
	char body[320];
	int n = snprintf(body, sizeof(body), fmt, arg);

	return reply(conn, status, "text/plain; charset=utf-8", body,
		     n < 0			? 0
		     : (size_t)n < sizeof(body) ? (size_t)n
						: sizeof(body) - 1);
}

/* Alive when the loop that serves this request turned recently: a wedged
 * loop would not answer at all, a slow one answers 503. */
static enum MHD_Result healthz(gcb_metrics_t *m, struct MHD_Connection *conn)
{
	uint64_t hb = atomic_load(&m->shm->hdr->supervisor_heartbeat_ns);
	uint64_t now = gcb_clock_mono_ns();

	if (now > hb && now - hb > 5000 * NS_PER_MS)
		return text(conn, 503, "supervisor loop stalled%s\n", "");
	return text(conn, 200, "ok%s\n", "");
}

static enum MHD_Result readyz(gcb_metrics_t *m, struct MHD_Connection *conn)
{
	if (m->health == NULL)
		return text(conn, 503, "not ready: %s\n", "starting");
	if (!m->health->ready)
		return text(conn, 503, "not ready: %s\n", m->health->why);
	return text(conn, 200, "ready%s\n", "");
}

/* One series per setting, 1 while it is in effect: alert on any 1. */
static void insecure(gcb_textbuf_t *b, unsigned flags)
{
	static const struct {
		unsigned flag;
		const char *name;
	} settings[] = {
	    {GCB_CONFIG_INSECURE_CLEARTEXT, "cleartext_http"},
	    {GCB_CONFIG_INSECURE_GENESYS_TLS, "genesys_tls_verify_off"},
	    {GCB_CONFIG_INSECURE_KAFKA_TLS, "kafka_tls_verify_off"},
	};

	gcb_textbuf_printf(b, "# HELP gcbridge_insecure 1 while a setting that weakens transport "
			      "security is in effect (also warned at every start)\n"
			      "# TYPE gcbridge_insecure gauge\n");
	for (size_t i = 0; i < sizeof(settings) / sizeof(settings[0]); i++)
		gcb_textbuf_printf(b, "gcbridge_insecure{setting=\"%s\"} %d\n", settings[i].name,
				   (flags & settings[i].flag) != 0);
}

static enum MHD_Result on_request(void *cls, struct MHD_Connection *conn, const char *url,
				  const char *method, const char *version, const char *upload,
				  size_t *upload_size, void **state)
{
	gcb_metrics_t *m = cls;

	(void)version;
	(void)upload;
	(void)state;
	if (*upload_size != 0)
		return MHD_NO;
	if (strcmp(method, "GET") != 0 && strcmp(method, "HEAD") != 0)
		return text(conn, 405, "method not allowed%s\n", "");
	if (m->shm == NULL)
		return text(conn, 503, "starting%s\n", "");
	if (strcmp(url, "/metrics") == 0) {
		gcb_metrics_render(&m->text, m->shm, m->health, m->version);
		insecure(&m->text, m->insecure);
		if (m->text.oom)
			return text(conn, 500, "out of memory%s\n", "");
		return reply(conn, 200, "text/plain; version=0.0.4; charset=utf-8", m->text.buf.data,
			     m->text.buf.len);
	}
	if (strcmp(url, "/healthz") == 0)
		return healthz(m, conn);
	if (strcmp(url, "/readyz") == 0)
		return readyz(m, conn);
	if (strcmp(url, "/") == 0)
		return text(conn, 200, "gcbridge: /metrics /healthz /readyz%s\n", "");
	return text(conn, 404, "not found%s\n", "");
}

/*
 * libmicrohttpd's own messages, into the daemon's log. Most are about one
 * client (it reset the connection, sent garbage, timed out): one warning a
 * minute at most, the rest at debug level, so that a scanner or a flapping
 * scraper cannot flood the log.
 */
static void mhd_log(void *cls, const char *fmt, va_list ap)
{
	static uint64_t last_warn_ns;
	uint64_t now = gcb_clock_mono_ns();
	char msg[256];
	size_t n;

	(void)cls;
	vsnprintf(msg, sizeof(msg), fmt, ap);
	n = strlen(msg);
	while (n > 0 && msg[n - 1] == '\n')
		msg[--n] = '\0';
	if (last_warn_ns != 0 && now - last_warn_ns < MHD_WARN_EVERY_NS) {
		gcb_log_debug("libmicrohttpd: %s", msg);
		return;
	}
	last_warn_ns = now;
	gcb_log_warn("libmicrohttpd: %s (further messages within a minute: debug level)", msg);
}

gcb_metrics_t *gcb_metrics_new(const char *listen, const char *version, char *errstr,
			       size_t errstr_size)
{
	struct sockaddr_storage ss;
	socklen_t sl = sizeof(ss);
	const union MHD_DaemonInfo *info;
	gcb_metrics_t *m;
	unsigned flags = MHD_USE_EPOLL | MHD_USE_ERROR_LOG;
	int rc;

	if (parse_listen(listen, &ss, errstr, errstr_size) != 0) {
		errno = EINVAL;
		return NULL;
	}
	m = calloc(1, sizeof(*m));
	if (m == NULL) {
		snprintf(errstr, errstr_size, "out of memory");
		errno = ENOMEM;
		return NULL;
	}
	snprintf(m->version, sizeof(m->version), "%s", version);
	if (ss.ss_family == AF_INET6)
		flags |= MHD_USE_IPv6;
	/* No MHD_USE_INTERNAL_POLLING_THREAD: MHD runs only from
	 * gcb_metrics_run(), in the supervisor's thread. */
	m->mhd = MHD_start_daemon(flags, 0, NULL, NULL, on_request, m, MHD_OPTION_SOCK_ADDR,
				  (struct sockaddr *)&ss, MHD_OPTION_CONNECTION_LIMIT,
				  (unsigned)CONNECTION_LIMIT, MHD_OPTION_CONNECTION_MEMORY_LIMIT,
				  (size_t)CONNECTION_MEMORY, MHD_OPTION_CONNECTION_TIMEOUT,
				  (unsigned)CONNECTION_TIMEOUT, MHD_OPTION_EXTERNAL_LOGGER, mhd_log,
				  NULL, MHD_OPTION_END);
	if (m->mhd == NULL) {
		snprintf(errstr, errstr_size,
			 "MHD_start_daemon() failed on metrics.listen %s (address in use?)",
			 listen);
		gcb_metrics_destroy(m);
		errno = EADDRINUSE;
		return NULL;
	}
	info = MHD_get_daemon_info(m->mhd, MHD_DAEMON_INFO_EPOLL_FD);
	if (info == NULL) {
		snprintf(errstr, errstr_size, "MHD_get_daemon_info(EPOLL_FD) failed");
		errno = EIO;
		goto fail;
	}
	m->epoll_fd = info->epoll_fd;
	info = MHD_get_daemon_info(m->mhd, MHD_DAEMON_INFO_LISTEN_FD);
	m->listen_fd = info != NULL ? info->listen_fd : -1;
	if (m->listen_fd >= 0 && getsockname(m->listen_fd, (struct sockaddr *)&ss, &sl) == 0)
		m->port = ntohs(ss.ss_family == AF_INET6 ? ((struct sockaddr_in6 *)&ss)->sin6_port
							 : ((struct sockaddr_in *)&ss)->sin_port);
	return m;
fail:
	rc = errno;
	gcb_metrics_destroy(m);
	errno = rc;
	return NULL;
}

int gcb_metrics_fd(const gcb_metrics_t *m)
{
	return m->epoll_fd;
}

unsigned gcb_metrics_port(const gcb_metrics_t *m)
{
	return m->port;
}

void gcb_metrics_set_source(gcb_metrics_t *m, const gcb_shm_t *shm, const gcb_health_t *health)
{
	m->shm = shm;
	m->health = health;
}

void gcb_metrics_set_insecure(gcb_metrics_t *m, unsigned flags)
{
	m->insecure = flags;
}

void gcb_metrics_run(gcb_metrics_t *m)
{
	if (MHD_run(m->mhd) != MHD_YES)
		gcb_log_debug("MHD_run() failed");
}

void gcb_metrics_close_in_child(gcb_metrics_t *m)
{
	if (m->listen_fd >= 0)
		close(m->listen_fd);
	if (m->epoll_fd >= 0)
		close(m->epoll_fd);
}

void gcb_metrics_destroy(gcb_metrics_t *m)
{
	if (m == NULL)
		return;
	if (m->mhd != NULL)
		MHD_stop_daemon(m->mhd);
	gcb_textbuf_fini(&m->text);
	free(m);
}
