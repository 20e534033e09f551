/*
 * OAuth client-credentials tokens (docs/genesys-api.md): one client id/secret pair,
 * opaque bearer tokens with a lifetime, and revocation of every token issued
 * so far (the /admin/revoke fault).
 */
#ifndef GCB_SIM_AUTH_H
#define GCB_SIM_AUTH_H

#include <stddef.h>
#include <stdint.h>

#define GCB_SIM_TOKEN_LEN 48

typedef struct gcb_sim_auth gcb_sim_auth_t;

/* Copies @client_id and @client_secret. */
gcb_sim_auth_t *gcb_sim_auth_new(const char *client_id, const char *client_secret, int expires_in,
				 uint64_t seed, char *errstr, size_t errstr_size);
void gcb_sim_auth_destroy(gcb_sim_auth_t *a);

/* Constant-time check of a Basic credential pair. */
int gcb_sim_auth_credentials_ok(gcb_sim_auth_t *a, const char *id, const char *secret);

/* Issues a token into @token (NUL-terminated); returns its lifetime in seconds. */
int gcb_sim_auth_issue(gcb_sim_auth_t *a, char token[GCB_SIM_TOKEN_LEN + 1]);

/* 0 valid, -ENOENT unknown, -EKEYEXPIRED expired, -EKEYREVOKED revoked. */
int gcb_sim_auth_check(gcb_sim_auth_t *a, const char *token, size_t len);

/* Milliseconds @token has left (0 when expired), -1 when unknown or revoked. */
int64_t gcb_sim_auth_left_ms(gcb_sim_auth_t *a, const char *token, size_t len);

/* Revokes every token issued so far. */
void gcb_sim_auth_revoke_all(gcb_sim_auth_t *a);
void gcb_sim_auth_set_expires_in(gcb_sim_auth_t *a, int expires_in);
int gcb_sim_auth_expires_in(gcb_sim_auth_t *a);

#endif
