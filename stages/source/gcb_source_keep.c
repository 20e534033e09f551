/*
 * Events too large for a ring record are kept whole in the state directory,
 * named by their SHA-256: <state_dir>/<instance>.event.<sha256>.json. The
 * file is durable (written, fdatasync'd, renamed, directory synced) before
 * the batch that carries the event's first part is committed, so when the
 * DLQ record is acknowledged and the cursor moves on, the bytes the record
 * could not hold are on disk. Operators remove the files once handled
 * (docs/fetcher.md, "Events too large for a ring record").
 */
#include "stages/source/gcb_source.h"

#include <errno.h>
#include <limits.h>
#include <stdio.h>

#include <openssl/evp.h>

int gcb_source_keep_event(void *arg, const char *event, size_t len,
			   char sha256[GCB_BATCH_SHA256_HEX + 1], char *name, size_t name_size)
{
	static const char hex[] = "0123456789abcdef";
	gcb_source_t *s = arg;
	char file[NAME_MAX + 1];
	unsigned char md[32];
	unsigned int n = 0;
	int rc;

	if (EVP_Digest(event, len, md, &n, EVP_sha256(), NULL) != 1 || n != sizeof(md))
		return -EIO;
	for (unsigned i = 0; i < sizeof(md); i++) {
		sha256[2 * i] = hex[md[i] >> 4];
		sha256[2 * i + 1] = hex[md[i] & 15];
	}
	sha256[GCB_BATCH_SHA256_HEX] = '\0';
	if (snprintf(file, sizeof(file), "%s.event.%s.json", s->ctx->shm->hdr->instance,
		     sha256) >= (int)sizeof(file))
		return -ENAMETOOLONG;
	if ((rc = gcb_ckpt_write_file(&s->ckpt, file, event, len)) != 0)
		return rc;
	if (snprintf(name, name_size, "%s/%s", s->ckpt.dir, file) >= (int)name_size)
		snprintf(name, name_size, "%s", file); /* a long state_dir: the name alone */
	return 0;
}
