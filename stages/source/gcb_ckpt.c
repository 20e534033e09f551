#include "stages/source/gcb_ckpt.h"

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cjson/cJSON.h>

#include "lib/gcb_clock.h"
#include "lib/gcb_dir.h"
#include "lib/gcb_log.h"
#include "lib/gcb_uring.h"
#include "shm/gcb_shm_cursor.h"

#define CKPT_QUEUE_DEPTH 4
#define CKPT_FILE_MAX	 8192

int gcb_ckpt_init(gcb_ckpt_t *c, const char *state_dir, const char *instance, char *errstr,
		  size_t errstr_size)
{
	int rc;

	memset(c, 0, sizeof(*c));
	c->dir_fd = -1;
	c->ops = gcb_fileops_posix();
	if (state_dir == NULL || state_dir[0] == '\0' || strlen(state_dir) >= sizeof(c->dir)) {
		snprintf(errstr, errstr_size, "state dir not set or too long");
		return -EINVAL;
	}
	if (instance == NULL || instance[0] == '\0' || strchr(instance, '/') != NULL ||
	    strlen(instance) + 16 > sizeof(c->name)) {
		snprintf(errstr, errstr_size, "instance name unusable for a file name");
		return -EINVAL;
	}
	snprintf(c->dir, sizeof(c->dir), "%s", state_dir);
	snprintf(c->name, sizeof(c->name), "%s.cursor", instance);
	c->dir_fd = gcb_dir_open_private(state_dir, errstr, errstr_size);
	if (c->dir_fd < 0) {
		rc = c->dir_fd;
		c->dir_fd = -1;
		return rc;
	}
	c->have_uring = gcb_uring_init(&c->ring, CKPT_QUEUE_DEPTH, "checkpoints use");
	return 0;
}

void gcb_ckpt_fini(gcb_ckpt_t *c)
{
	if (c->have_uring)
		io_uring_queue_exit(&c->ring);
	if (c->dir_fd >= 0)
		close(c->dir_fd);
	c->have_uring = 0;
	c->dir_fd = -1;
}

void gcb_ckpt_set_ops(gcb_ckpt_t *c, const gcb_fileops_t *ops)
{
	c->ops = ops;
	if (!ops->uring && c->have_uring) {
		io_uring_queue_exit(&c->ring);
		c->have_uring = 0;
	}
}

static int op_openat(gcb_ckpt_t *c, const char *name, int flags, mode_t mode)
{
	struct io_uring_sqe *sqe;
	int fd;

	if (!c->have_uring) {
		fd = c->ops->openat(c->dir_fd, name, flags | O_CLOEXEC, mode);
		return fd < 0 ? -errno : fd;
	}
	if ((sqe = gcb_uring_sqe(&c->ring)) == NULL)
		return -EBUSY;
	io_uring_prep_openat(sqe, c->dir_fd, name, flags | O_CLOEXEC, mode);
	return gcb_uring_run1(&c->ring);
}

static int op_write_all(gcb_ckpt_t *c, int fd, const char *data, size_t len)
{
	size_t done = 0;

	while (done < len) {
		struct io_uring_sqe *sqe;
		ssize_t n;

		if (!c->have_uring) {
			n = c->ops->pwrite(fd, data + done, len - done, (off_t)done);
			if (n < 0 && errno == EINTR)
				continue;
			if (n < 0)
				return -errno;
		} else {
			if ((sqe = gcb_uring_sqe(&c->ring)) == NULL)
				return -EBUSY;
			io_uring_prep_write(sqe, fd, data + done, (unsigned)(len - done), done);
			n = gcb_uring_run1(&c->ring);
			if (n < 0)
				return (int)n;
		}
		if (n == 0)
			return -EIO;
		done += (size_t)n;
	}
	return 0;
}

static int op_fsync(gcb_ckpt_t *c, int fd, int datasync)
{
	struct io_uring_sqe *sqe;

	if (!c->have_uring) {
		if ((datasync ? c->ops->fdatasync(fd) : c->ops->fsync(fd)) != 0)
			return -errno;
		return 0;
	}
	if ((sqe = gcb_uring_sqe(&c->ring)) == NULL)
		return -EBUSY;
	io_uring_prep_fsync(sqe, fd, datasync ? IORING_FSYNC_DATASYNC : 0);
	return gcb_uring_run1(&c->ring);
}

static int op_close(gcb_ckpt_t *c, int fd)
{
	struct io_uring_sqe *sqe;

	if (!c->have_uring || (sqe = gcb_uring_sqe(&c->ring)) == NULL)
		return c->ops->close(fd) != 0 ? -errno : 0;
	io_uring_prep_close(sqe, fd);
	return gcb_uring_run1(&c->ring);
}

static int op_rename(gcb_ckpt_t *c, const char *from, const char *to)
{
	struct io_uring_sqe *sqe;

	if (!c->have_uring) {
		if (c->ops->renameat(c->dir_fd, from, c->dir_fd, to) != 0)
			return -errno;
		return 0;
	}
	if ((sqe = gcb_uring_sqe(&c->ring)) == NULL)
		return -EBUSY;
	io_uring_prep_renameat(sqe, c->dir_fd, from, c->dir_fd, to, 0);
	return gcb_uring_run1(&c->ring);
}

int gcb_ckpt_write_file(gcb_ckpt_t *c, const char *name, const char *data, size_t len)
{
	char tmp[NAME_MAX + 1];
	int fd, rc;

	if (snprintf(tmp, sizeof(tmp), ".%s.tmp", name) >= (int)sizeof(tmp))
		return -ENAMETOOLONG;
	/* A temp file left by a crash is removed, never reused: O_EXCL makes
	 * the create fail rather than follow whatever now sits at that name
	 * (a symbolic link to a file the daemon's user may write). */
	if (unlinkat(c->dir_fd, tmp, 0) != 0 && errno != ENOENT)
		gcb_log_warn("unlinkat(%s/%s) failed: %s", c->dir, tmp, strerror(errno));
	fd = op_openat(c, tmp, O_WRONLY | O_CREAT | O_EXCL | O_NOFOLLOW, 0600);
	if (fd < 0) {
		gcb_log_error("openat(%s/%s) failed: %s", c->dir, tmp, strerror(-fd));
		return fd;
	}
	rc = op_write_all(c, fd, data, len);
	if (rc == 0)
		rc = op_fsync(c, fd, 1);
	if (rc != 0) {
		gcb_log_error("writing %s/%s failed: %s", c->dir, tmp, strerror(-rc));
		op_close(c, fd);
		c->ops->unlinkat(c->dir_fd, tmp, 0);
		return rc;
	}
	if ((rc = op_close(c, fd)) != 0) {
		gcb_log_error("close(%s/%s) failed: %s", c->dir, tmp, strerror(-rc));
		c->ops->unlinkat(c->dir_fd, tmp, 0);
		return rc;
	}
	if ((rc = op_rename(c, tmp, name)) != 0) {
		gcb_log_error("renameat(%s, %s) failed: %s", tmp, name, strerror(-rc));
		c->ops->unlinkat(c->dir_fd, tmp, 0);
		return rc;
	}
	/* The rename is durable only once the directory is. */
	if ((rc = op_fsync(c, c->dir_fd, 0)) != 0)
		gcb_log_warn("fsync(%s) failed: %s", c->dir, strerror(-rc));
	return 0;
}

int gcb_ckpt_read_file(gcb_ckpt_t *c, const char *name, char *buf, size_t size, size_t *len)
{
	int fd = openat(c->dir_fd, name, O_RDONLY | O_CLOEXEC | O_NOFOLLOW | O_NOCTTY);
	size_t n = 0;

	if (fd < 0)
		return -errno;
	while (n + 1 < size) {
		ssize_t k = read(fd, buf + n, size - 1 - n);

		if (k < 0 && errno == EINTR)
			continue;
		if (k < 0) {
			int rc = -errno;

			close(fd);
			return rc;
		}
		if (k == 0)
			break;
		n += (size_t)k;
	}
	close(fd);
	if (n + 1 >= size)
		return -EFBIG;
	buf[n] = '\0';
	*len = n;
	return 0;
}

int gcb_ckpt_store(gcb_ckpt_t *c, const char *stream, const char *cursor, uint64_t batch_seq,
		   uint64_t now_unix_ms)
{
	cJSON *o = cJSON_CreateObject();
	char *text = NULL;
	int rc = -ENOMEM;

	if (o == NULL)
		return -ENOMEM;
	if (cJSON_AddNumberToObject(o, "version", 1) == NULL ||
	    cJSON_AddStringToObject(o, "stream", stream) == NULL ||
	    cJSON_AddNumberToObject(o, "batch_seq", (double)batch_seq) == NULL ||
	    cJSON_AddStringToObject(o, "cursor", cursor) == NULL ||
	    cJSON_AddNumberToObject(o, "written_unix_ms", (double)now_unix_ms) == NULL)
		goto out;
	if ((text = cJSON_PrintUnformatted(o)) == NULL)
		goto out;
	{
		size_t n = strlen(text);
		char *line = malloc(n + 2);

		if (line == NULL)
			goto out;
		memcpy(line, text, n);
		line[n] = '\n';
		rc = gcb_ckpt_write_file(c, c->name, line, n + 1);
		free(line);
	}
out:
	free(text);
	cJSON_Delete(o);
	return rc;
}

static int copy_str(const cJSON *o, const char *key, char *dst, size_t size, int required)
{
	const cJSON *it = cJSON_GetObjectItemCaseSensitive(o, key);

	if (!cJSON_IsString(it))
		return required ? -EBADMSG : 0;
	if (strlen(it->valuestring) >= size)
		return -ENAMETOOLONG;
	strcpy(dst, it->valuestring);
	return 0;
}

int gcb_ckpt_load(gcb_ckpt_t *c, char *stream, size_t stream_size, char *cursor, size_t cursor_size,
		  uint64_t *batch_seq)
{
	char buf[CKPT_FILE_MAX];
	size_t len;
	cJSON *o;
	const cJSON *v, *bs;
	int rc;

	if ((rc = gcb_ckpt_read_file(c, c->name, buf, sizeof(buf), &len)) != 0)
		return rc == -EFBIG ? -EBADMSG : rc;
	if ((o = cJSON_ParseWithLength(buf, len)) == NULL)
		return -EBADMSG;
	v = cJSON_GetObjectItemCaseSensitive(o, "version");
	bs = cJSON_GetObjectItemCaseSensitive(o, "batch_seq");
	if (!cJSON_IsNumber(v) || v->valueint != 1) {
		rc = -EBADMSG;
		goto out;
	}
	if (stream != NULL && stream_size > 0) {
		stream[0] = '\0';
		if ((rc = copy_str(o, "stream", stream, stream_size, 0)) != 0)
			goto out;
	}
	if ((rc = copy_str(o, "cursor", cursor, cursor_size, 1)) != 0)
		goto out;
	if (batch_seq != NULL)
		*batch_seq =
		    cJSON_IsNumber(bs) && bs->valuedouble >= 0 ? (uint64_t)bs->valuedouble : 0;
	rc = 0;
out:
	cJSON_Delete(o);
	return rc;
}

int gcb_ckpt_store_acked(gcb_ckpt_t *c, gcb_shm_pipeline_t *p, const char *stream)
{
	uint64_t acked = atomic_load_explicit(&p->acked_batch_seq, memory_order_acquire);
	uint64_t done = atomic_load_explicit(&p->checkpoint_batch_seq, memory_order_relaxed);
	char cursor[GCB_SHM_CURSOR_MAX];
	size_t len;
	int rc;

	if (acked <= done)
		return 0;
	/* Not a batch this pipeline fetched (yet), or rewritten while read. */
	if (gcb_shm_cursor_read(p, acked, cursor, sizeof(cursor), &len) != 0)
		return 0;
	if ((rc = gcb_ckpt_store(c, stream, cursor, acked, gcb_clock_real_ms())) != 0)
		return rc;
	atomic_store_explicit(&p->checkpoint_unix_ms, gcb_clock_real_ms(), memory_order_relaxed);
	atomic_store_explicit(&p->checkpoint_batch_seq, acked, memory_order_release);
	return 1;
}
