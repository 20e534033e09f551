/*
 * Test records for the ring stress programs. Everything about a record is a
 * function of its sequence number, so a producer restarted at any seq writes
 * exactly the bytes its predecessor would have, and a consumer can check any
 * record on its own:
 *  - payload length 1..4096 (uniform, from a hash of seq);
 *  - payloads of 16 bytes or more carry seq (bytes 0..7) and a 64-bit
 *    checksum of the rest of the payload, seq and length (bytes 8..15); the
 *    rest is a slice of a fixed random pool chosen by seq;
 *  - shorter payloads are the pool slice alone, compared byte for byte.
 * The producer gets a payload's checksum from a table of prefix states, so
 * writing costs a copy, and only the consumer pays for hashing.
 */
#ifndef GCB_RING_PAYLOAD_H
#define GCB_RING_PAYLOAD_H

#include <stdint.h>

#define GCB_RING_PAYLOAD_MAX  4096u
#define GCB_RING_PAYLOAD_META 16u
#define GCB_RING_PAYLOAD_TYPE 1u

/* Builds the pool and the checksum table (once per process). */
int gcb_ring_payload_init(void);

/* Payload length of record seq. */
uint32_t gcb_ring_payload_length(uint64_t seq);

/* Writes record seq's payload (gcb_ring_payload_length(seq) bytes) to dst. */
void gcb_ring_payload_fill(void *dst, uint64_t seq);

/*
 * Checks a received payload against seq: 0 when intact, -EBADMSG when the
 * length, the embedded seq, the checksum or the bytes are wrong.
 */
int gcb_ring_payload_check(const void *payload, uint32_t length, uint64_t seq);

#endif
