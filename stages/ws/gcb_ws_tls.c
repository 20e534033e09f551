/*
 * TLS for wss:// (OpenSSL). Verification is on unless the caller turns it
 * off: the chain must lead to ca_path (a CA bundle file) or the system
 * store, and the certificate must name the URL's host (DNS name, or IP
 * address for a literal). SNI is sent for names only (RFC 6066 forbids
 * literals). One SSL_CTX per connection: connections are few and long-lived.
 */
#include <arpa/inet.h>
#include <errno.h>
#include <poll.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#include <openssl/err.h>
#include <openssl/ssl.h>
#include <openssl/x509v3.h>

#include "stages/ws/gcb_ws_int.h"

static int is_ip_literal(const char *host)
{
	unsigned char buf[sizeof(struct in6_addr)];

	return inet_pton(AF_INET, host, buf) == 1 || inet_pton(AF_INET6, host, buf) == 1;
}

/* The OpenSSL error queue's last entry, or what the caller says. */
static void tls_reason(char *buf, size_t size, const char *fallback)
{
	unsigned long e = ERR_peek_last_error();

	if (e)
		ERR_error_string_n(e, buf, size);
	else
		snprintf(buf, size, "%s", fallback);
	ERR_clear_error();
}

static int tls_setup(gcb_ws_conn_t *c, const gcb_ws_url_t *u, const gcb_ws_opts_t *opts,
		     char *errstr, size_t errstr_size)
{
	SSL_CTX *ctx;
	SSL *ssl;
	char why[256];

	ERR_clear_error();
	ctx = SSL_CTX_new(TLS_client_method());
	if (!ctx) {
		tls_reason(why, sizeof(why), "out of memory");
		snprintf(errstr, errstr_size, "SSL_CTX_new() failed: %s", why);
		return -ENOMEM;
	}
	c->ssl_ctx = ctx;
	SSL_CTX_set_min_proto_version(ctx, TLS1_2_VERSION);
	/*
	 * A peer that drops TCP without close_notify is a closed connection,
	 * not a TLS error: WebSocket's close frame carries the orderly end.
	 */
	SSL_CTX_set_options(ctx, SSL_OP_IGNORE_UNEXPECTED_EOF);
	/* wslay resends from its own buffer, which may move between attempts. */
	SSL_CTX_set_mode(ctx, SSL_MODE_ENABLE_PARTIAL_WRITE | SSL_MODE_ACCEPT_MOVING_WRITE_BUFFER);
	if (opts->tls_verify && opts->ca_path && *opts->ca_path &&
	    access(opts->ca_path, R_OK) < 0) {
		snprintf(errstr, errstr_size, "cannot read CA file %s: %s", opts->ca_path,
			 strerror(errno));
		return -EPROTO;
	}
	if (opts->tls_verify) {
		int ok = opts->ca_path && *opts->ca_path
			     ? SSL_CTX_load_verify_locations(ctx, opts->ca_path, NULL)
			     : SSL_CTX_set_default_verify_paths(ctx);

		if (ok != 1) {
			tls_reason(why, sizeof(why), "unknown error");
			snprintf(errstr, errstr_size, "cannot load CA certificates from %s: %s",
				 opts->ca_path && *opts->ca_path ? opts->ca_path
								 : "the system store",
				 why);
			return -EPROTO;
		}
		SSL_CTX_set_verify(ctx, SSL_VERIFY_PEER, NULL);
	} else {
		SSL_CTX_set_verify(ctx, SSL_VERIFY_NONE, NULL);
	}

	ssl = SSL_new(ctx);
	if (!ssl || SSL_set_fd(ssl, c->fd) != 1) {
		SSL_free(ssl);
		tls_reason(why, sizeof(why), "out of memory");
		snprintf(errstr, errstr_size, "SSL_new() failed: %s", why);
		return -ENOMEM;
	}
	c->ssl = ssl;
	if (!is_ip_literal(u->host) && SSL_set_tlsext_host_name(ssl, u->host) != 1) {
		tls_reason(why, sizeof(why), "unknown error");
		snprintf(errstr, errstr_size, "SSL_set_tlsext_host_name() failed: %s", why);
		return -EPROTO;
	}
	if (opts->tls_verify) {
		X509_VERIFY_PARAM *param = SSL_get0_param(ssl);
		int ok;

		X509_VERIFY_PARAM_set_hostflags(param, X509_CHECK_FLAG_NO_PARTIAL_WILDCARDS);
		if (is_ip_literal(u->host))
			ok = X509_VERIFY_PARAM_set1_ip_asc(param, u->host);
		else
			ok = SSL_set1_host(ssl, u->host);
		if (ok != 1) {
			tls_reason(why, sizeof(why), "unknown error");
			snprintf(errstr, errstr_size, "setting the expected host %s failed: %s",
				 u->host, why);
			return -EPROTO;
		}
	}
	return 0;
}

int gcb_ws_tls_open(gcb_ws_conn_t *c, const gcb_ws_url_t *u, const gcb_ws_opts_t *opts,
		    int64_t deadline_ms, char *errstr, size_t errstr_size)
{
	char why[256];
	int rc;

	rc = tls_setup(c, u, opts, errstr, errstr_size);
	if (rc < 0)
		return rc;
	for (;;) {
		int r, err;

		ERR_clear_error();
		errno = 0;
		r = SSL_connect(c->ssl);
		if (r == 1)
			return 0;
		err = SSL_get_error(c->ssl, r);
		if (err == SSL_ERROR_WANT_READ || err == SSL_ERROR_WANT_WRITE) {
			rc = gcb_ws_conn_wait(c, err == SSL_ERROR_WANT_READ ? POLLIN : POLLOUT,
					      deadline_ms);
			if (rc == -ETIMEDOUT) {
				snprintf(errstr, errstr_size, "TLS handshake with %s:%u timed out",
					 u->host, (unsigned)u->port);
				return rc;
			}
			if (rc < 0) {
				snprintf(errstr, errstr_size, "poll() failed: %s", strerror(-rc));
				return rc;
			}
			continue;
		}
		break;
	}
	if (opts->tls_verify) {
		long v = SSL_get_verify_result(c->ssl);

		if (v != X509_V_OK) {
			ERR_clear_error();
			snprintf(errstr, errstr_size,
				 "TLS certificate verification failed for %s: %s", u->host,
				 X509_verify_cert_error_string(v));
			return -EPROTO;
		}
	}
	tls_reason(why, sizeof(why),
		   errno ? strerror(errno) : "connection closed during the TLS handshake");
	snprintf(errstr, errstr_size, "SSL_connect() to %s:%u failed: %s", u->host,
		 (unsigned)u->port, why);
	return -EPROTO;
}
