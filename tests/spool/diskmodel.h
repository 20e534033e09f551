/*
 * A model of a disk under a page cache, behind the gcb_fileops_t table
 * (lib/gcb_fileops.h), for power-cut tests in the manner of SQLite's
 * crash tests.
 *
 * The real files in the registered directories are the page-cache view:
 * every change is made to them too, so the code under test reads what it
 * would read. Beside that the model keeps, per file, the content made
 * durable by the last fdatasync/fsync and the writes and truncations since,
 * in order; per directory, the entries made durable by the last fsync of
 * the directory and the creations, renames and unlinks since.
 *
 * A power cut (dm_cut) replaces the registered directories with what a
 * disk could hold afterwards: the durable entries plus a random prefix of
 * the later directory changes; in each file its durable content plus each
 * later write kept, dropped or torn (a random prefix of it), each truncation
 * kept or dropped. Everything is drawn from the seed given to dm_arm, so a
 * cut reproduces.
 *
 * dm_arm also picks when the power goes: after that many operations, every
 * later one fails with EIO and changes nothing (the machine is off), except
 * close, which releases the descriptor. Directories opened with plain
 * open() are fine: only changes have to go through the table.
 *
 * Lying mode makes fdatasync and fsync succeed without making anything
 * durable: what removing the sync calls from the code under test does.
 */
#ifndef GCB_TEST_DISKMODEL_H
#define GCB_TEST_DISKMODEL_H

#include <stdint.h>

#include "lib/gcb_fileops.h"

/* Forgets everything; the model covers these directories (which must exist
 * and be empty) from now on. At most 4. */
void dm_reset(const char *const *dirs, unsigned ndirs);

/* The power goes after `ops` more operations (0: never); seed draws the cut. */
void dm_arm(uint64_t ops, uint64_t seed);

int dm_crashed(void);

/* Operations through the table since dm_reset (close not counted). */
uint64_t dm_ops(void);

void dm_set_lying(int lying);

/*
 * The power cut: rewrites the registered directories to a state the disk
 * could be in, and makes that state the durable one. Every descriptor the
 * model handed out must have been closed. 0, or -1 with errno.
 */
int dm_cut(void);

extern const gcb_fileops_t dm_fileops;

#endif
