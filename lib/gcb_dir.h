/*
 * A private directory for state: created 0700 when missing, opened without
 * following a symbolic link, refused unless owned by this process's
 * effective user and not writable by group or others. Whoever can write a
 * state directory can plant a symbolic link where gcbridge writes next, or
 * a cursor that skips events; such a directory is a configuration error.
 */
#ifndef GCB_DIR_H
#define GCB_DIR_H

#include <stddef.h>

/* An O_DIRECTORY descriptor (close-on-exec), or -errno with the reason,
 * naming the directory and what to do, in errstr. */
int gcb_dir_open_private(const char *path, char *errstr, size_t errstr_size);

#endif
