/*
 * test-ws-client: drives gcb_ws for the socket tests (the scripts in tests/ws).
 *
 *   test-ws-client [-t connect_ms] [-c ca_file] [-k] [-m max_message]
 *                  [-n expect] [-w wait_ms] [-p] [-q] [-S bytes] [-s text]... URL
 *
 * Connects, queues each -s text (and with -S one message of that many bytes
 * of the pattern tests/ws/ws_server.py uses), prints every message received on stdout
 * (one per line; with -p the handler asks gcb_ws_service() to stop after
 * each message, and the loop calls it again at once, as an owner short of
 * room would), and
 * closes with 1000 once -n messages arrived; -q prints nothing per message
 * but the receive time and rate (for tests/ws/bench_ws.sh). Outcome on stderr as
 * "result=NAME close_code=N: reason" and in the exit code:
 * 0 ok, 10 ETIMEDOUT, 11 ECONNREFUSED, 12 EPROTO, 13 ECONNRESET,
 * 14 EMSGSIZE, 15 EINVAL, 16 other error, 17 -w ran out before -n messages.
 */
#include <errno.h>
#include <poll.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "stages/ws/gcb_ws.h"

#define MAX_SENDS 64

static int stop_each;
static int quiet;
static size_t received_bytes;
static long received;

static int exit_code(int rc, const char **name)
{
	switch (rc) {
	case 0:
		*name = "OK";
		return 0;
	case -ETIMEDOUT:
		*name = "ETIMEDOUT";
		return 10;
	case -ECONNREFUSED:
		*name = "ECONNREFUSED";
		return 11;
	case -EPROTO:
		*name = "EPROTO";
		return 12;
	case -ECONNRESET:
		*name = "ECONNRESET";
		return 13;
	case -EMSGSIZE:
		*name = "EMSGSIZE";
		return 14;
	case -EINVAL:
		*name = "EINVAL";
		return 15;
	default:
		*name = "OTHER";
		return 16;
	}
}

static int on_message(void *arg, const char *msg, size_t len)
{
	(void)arg;
	if (!quiet) {
		printf("%.*s\n", (int)len, msg);
		fflush(stdout);
	}
	received++;
	received_bytes += len;
	return stop_each;
}

static long now_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ts.tv_sec * 1000L + ts.tv_nsec / 1000000L;
}

static void usage(void)
{
	fprintf(stderr, "usage: test-ws-client [-t connect_ms] [-c ca_file] [-k] [-m max_message] "
			"[-n expect] [-w wait_ms] [-p] [-q] [-S bytes] [-s text]... URL\n");
	exit(2);
}

int main(int argc, char **argv)
{
	gcb_ws_opts_t opts = {.connect_timeout_ms = 5000, .tls_verify = 1};
	const char *sends[MAX_SENDS], *name;
	int nsends = 0, opt, rc, code;
	size_t big_len = 0;
	long expect = -1, wait_ms = 20000, deadline, started;
	char err[512] = "";
	gcb_ws_t *ws;

	signal(SIGPIPE, SIG_IGN); /* as the stages do: TLS writes to a dead peer */
	while ((opt = getopt(argc, argv, "t:c:km:n:w:pqS:s:")) != -1) {
		switch (opt) {
		case 't':
			opts.connect_timeout_ms = (unsigned)strtoul(optarg, NULL, 10);
			break;
		case 'c':
			opts.ca_path = optarg;
			break;
		case 'k':
			opts.tls_verify = 0;
			break;
		case 'm':
			opts.max_message = strtoul(optarg, NULL, 10);
			break;
		case 'n':
			expect = strtol(optarg, NULL, 10);
			break;
		case 'w':
			wait_ms = strtol(optarg, NULL, 10);
			break;
		case 'p':
			stop_each = 1;
			break;
		case 'q':
			quiet = 1;
			break;
		case 'S':
			big_len = strtoul(optarg, NULL, 10);
			break;
		case 's':
			if (nsends == MAX_SENDS)
				usage();
			sends[nsends++] = optarg;
			break;
		default:
			usage();
		}
	}
	if (optind != argc - 1)
		usage();

	rc = gcb_ws_connect(&ws, argv[optind], &opts, err, sizeof(err));
	if (rc < 0) {
		code = exit_code(rc, &name);
		fprintf(stderr, "result=%s close_code=0: connect: %s\n", name, err);
		return code;
	}
	for (int i = 0; i < nsends; i++) {
		rc = gcb_ws_send_text(ws, sends[i], strlen(sends[i]));
		if (rc < 0) {
			fprintf(stderr, "gcb_ws_send_text() failed: %s\n", strerror(-rc));
			gcb_ws_close(ws, 1011);
			return 16;
		}
	}

	if (big_len) {
		static const char base[] = "0123456789abcdefghijklmnopqrstuvwxyz";
		char *big = malloc(big_len);

		if (!big)
			return 16;
		for (size_t i = 0; i < big_len; i++)
			big[i] = base[i % (sizeof(base) - 1)];
		rc = gcb_ws_send_text(ws, big, big_len);
		free(big); /* queued messages are copies */
		if (rc < 0) {
			fprintf(stderr, "gcb_ws_send_text() failed: %s\n", strerror(-rc));
			gcb_ws_close(ws, 1011);
			return 16;
		}
	}

	/* Bytes that came with the upgrade answer are buffered already: service first. */
	started = now_ms();
	deadline = started + wait_ms;
	rc = gcb_ws_service(ws, on_message, NULL);
	while (rc >= 0 && (expect < 0 || received < expect) && now_ms() < deadline) {
		struct pollfd pfd = {.fd = gcb_ws_fd(ws), .events = POLLIN};

		if (rc > 0) {
			/* Stopped early: what was read already is not in the socket. */
			rc = gcb_ws_service(ws, on_message, NULL);
			continue;
		}
		if (gcb_ws_want_write(ws))
			pfd.events |= POLLOUT;
		if (poll(&pfd, 1, 100) < 0 && errno != EINTR) {
			perror("poll");
			break;
		}
		rc = gcb_ws_service(ws, on_message, NULL);
	}
	if (rc > 0)
		rc = 0;
	if (rc == 0 && expect >= 0 && received < expect) {
		fprintf(stderr, "result=WAIT close_code=0: %ld of %ld messages\n", received,
			expect);
		gcb_ws_close(ws, 1000);
		return 17;
	}
	if (quiet) {
		long ms = now_ms() - started;

		printf("messages=%ld bytes=%zu ms=%ld msgs_per_s=%.0f mib_per_s=%.1f\n", received,
		       received_bytes, ms, ms > 0 ? received * 1000.0 / (double)ms : 0.0,
		       ms > 0 ? (double)received_bytes * 1000.0 / (double)ms / 1048576.0 : 0.0);
	}
	code = exit_code(rc, &name);
	fprintf(stderr, "result=%s close_code=%u: received=%ld in=%llu out=%llu\n", name,
		gcb_ws_close_code(ws), received, (unsigned long long)gcb_ws_bytes_in(ws),
		(unsigned long long)gcb_ws_bytes_out(ws));
	gcb_ws_close(ws, 1000);
	return code;
}
