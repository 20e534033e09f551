/*
 * Error bodies from the server (docs/genesys-api.md: error bodies, OAuth errors) reduced
 * to something safe to log: the code and a short message, printable ASCII
 * only, and nothing at all when the body contains a credential (a server or
 * proxy that echoes the request must not leak it into our logs).
 */
#ifndef GCB_ERRBODY_H
#define GCB_ERRBODY_H

#include <stddef.h>

typedef struct gcb_errbody {
	char code[64];	   /* "code" or OAuth "error"; "" when none */
	char message[192]; /* "message" or "error_description"; "" when none */
} gcb_errbody_t;

/*
 * Fills eb from body. secrets: n strings that must not appear (NULL or
 * empty entries are skipped); when one does, code and message say so and
 * carry nothing from the body.
 */
void gcb_errbody_parse(gcb_errbody_t *eb, const char *body, size_t len, const char *const *secrets,
		       unsigned n);

/* 1 when text (len bytes) contains any of the secrets. */
int gcb_errbody_has_secret(const char *text, size_t len, const char *const *secrets, unsigned n);

#endif
