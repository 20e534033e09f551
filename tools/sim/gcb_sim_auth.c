#include "tools/sim/gcb_sim_auth.h"

#include <errno.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "tools/sim/gcb_sim_rand.h"

/* Tokens beyond this many are forgotten (and then rejected as unknown). */
#define TOKENS_MAX 4096

typedef struct token {
	char tok[GCB_SIM_TOKEN_LEN + 1];
	int64_t expires_ms; /* CLOCK_MONOTONIC */
	int revoked;
} token_t;

struct gcb_sim_auth {
	pthread_mutex_t lock;
	char *id;
	char *secret;
	int expires_in;
	gcb_sim_rand_t rnd;
	uint64_t issued;
	token_t tokens[TOKENS_MAX];
};

static int64_t mono_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (int64_t)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

gcb_sim_auth_t *gcb_sim_auth_new(const char *client_id, const char *client_secret, int expires_in,
				 uint64_t seed, char *errstr, size_t errstr_size)
{
	gcb_sim_auth_t *a = calloc(1, sizeof(*a));

	if (!a)
		goto fail;
	a->id = strdup(client_id);
	a->secret = strdup(client_secret);
	if (!a->id || !a->secret)
		goto fail;
	a->expires_in = expires_in;
	pthread_mutex_init(&a->lock, NULL);
	gcb_sim_rand_init(&a->rnd, seed, 3);
	return a;
fail:
	snprintf(errstr, errstr_size, "calloc() failed");
	if (a) {
		free(a->id);
		free(a->secret);
		free(a);
	}
	return NULL;
}

void gcb_sim_auth_destroy(gcb_sim_auth_t *a)
{
	if (!a)
		return;
	free(a->id);
	free(a->secret);
	pthread_mutex_destroy(&a->lock);
	free(a);
}

static int const_eq(const char *x, const char *y)
{
	size_t nx = strlen(x), ny = strlen(y);
	unsigned char d = nx != ny;

	for (size_t i = 0; i < nx; i++)
		d |= (unsigned char)(x[i] ^ y[i % (ny ? ny : 1)]);
	return d == 0;
}

int gcb_sim_auth_credentials_ok(gcb_sim_auth_t *a, const char *id, const char *secret)
{
	return const_eq(id, a->id) & const_eq(secret, a->secret);
}

int gcb_sim_auth_issue(gcb_sim_auth_t *a, char token[GCB_SIM_TOKEN_LEN + 1])
{
	token_t *t;
	int exp;

	pthread_mutex_lock(&a->lock);
	t = &a->tokens[a->issued++ % TOKENS_MAX];
	for (int i = 0; i < GCB_SIM_TOKEN_LEN; i += 16)
		snprintf(t->tok + i, 17, "%016llx", (unsigned long long)gcb_sim_rand_u64(&a->rnd));
	exp = a->expires_in;
	t->expires_ms = mono_ms() + (int64_t)exp * 1000;
	t->revoked = 0;
	memcpy(token, t->tok, sizeof(t->tok));
	pthread_mutex_unlock(&a->lock);
	return exp;
}

int gcb_sim_auth_check(gcb_sim_auth_t *a, const char *token, size_t len)
{
	int rc = -ENOENT;

	if (len != GCB_SIM_TOKEN_LEN)
		return -ENOENT;
	pthread_mutex_lock(&a->lock);
	for (int i = 0; i < TOKENS_MAX; i++) {
		token_t *t = &a->tokens[i];

		if (t->tok[0] && !memcmp(t->tok, token, GCB_SIM_TOKEN_LEN)) {
			if (t->revoked)
				rc = -EKEYREVOKED;
			else if (mono_ms() >= t->expires_ms)
				rc = -EKEYEXPIRED;
			else
				rc = 0;
			break;
		}
	}
	pthread_mutex_unlock(&a->lock);
	return rc;
}

int64_t gcb_sim_auth_left_ms(gcb_sim_auth_t *a, const char *token, size_t len)
{
	int64_t left = -1;

	if (len != GCB_SIM_TOKEN_LEN)
		return -1;
	pthread_mutex_lock(&a->lock);
	for (int i = 0; i < TOKENS_MAX; i++) {
		token_t *t = &a->tokens[i];

		if (t->tok[0] && !memcmp(t->tok, token, GCB_SIM_TOKEN_LEN)) {
			if (!t->revoked)
				left = t->expires_ms > mono_ms() ? t->expires_ms - mono_ms() : 0;
			break;
		}
	}
	pthread_mutex_unlock(&a->lock);
	return left;
}

void gcb_sim_auth_revoke_all(gcb_sim_auth_t *a)
{
	pthread_mutex_lock(&a->lock);
	for (int i = 0; i < TOKENS_MAX; i++)
		a->tokens[i].revoked = 1;
	pthread_mutex_unlock(&a->lock);
}

void gcb_sim_auth_set_expires_in(gcb_sim_auth_t *a, int expires_in)
{
	pthread_mutex_lock(&a->lock);
	a->expires_in = expires_in;
	pthread_mutex_unlock(&a->lock);
}

int gcb_sim_auth_expires_in(gcb_sim_auth_t *a)
{
	int e;

	pthread_mutex_lock(&a->lock);
	e = a->expires_in;
	pthread_mutex_unlock(&a->lock);
	return e;
}
