/*
 * Parsing Canonical Form and the CRC-64-AVRO fingerprint (Avro 1.11
 * specification, "Parsing Canonical Form for Schemas" and "Schema
 * Fingerprints"). They identify a schema in logs and DLQ records: two
 * schemas that read and write data the same way have the same form.
 */
#ifndef GCB_AVSC_CANONICAL_H
#define GCB_AVSC_CANONICAL_H

#include <stddef.h>
#include <stdint.h>

#include "stages/validator/gcb_avsc.h"

/* The canonical form of a parsed schema; *out is malloc'ed (caller frees).
 * Returns 0 or -ENOMEM. */
int gcb_avsc_canonical(const gcb_avsc_t *schema, char **out);

/* 64-bit Rabin fingerprint (CRC-64-AVRO) of len bytes. */
uint64_t gcb_avsc_crc64(const void *data, size_t len);

/* CRC-64-AVRO of the schema's canonical form. Returns 0 or -ENOMEM. */
int gcb_avsc_fingerprint(const gcb_avsc_t *schema, uint64_t *fp);

#endif
