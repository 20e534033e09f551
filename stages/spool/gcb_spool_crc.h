/*
 * CRC-32C (Castagnoli, polynomial 0x1EDC6F41 reflected 0x82F63B78), the
 * checksum of spool records. SSE4.2's crc32 instruction when the CPU has it,
 * a byte-wise table otherwise; both give the same value.
 */
#ifndef GCB_SPOOL_CRC_H
#define GCB_SPOOL_CRC_H

#include <stddef.h>
#include <stdint.h>

/*
 * Continues crc (0 to start) over n bytes of p, with the usual pre- and
 * post-inversion, so crc32c(crc32c(0, a), b) == crc32c(0, a || b) and
 * "123456789" gives 0xE3069283.
 */
uint32_t gcb_spool_crc32c(uint32_t crc, const void *p, size_t n);

/* The table version, whatever the CPU (for tests). */
uint32_t gcb_spool_crc32c_sw(uint32_t crc, const void *p, size_t n);

#endif
