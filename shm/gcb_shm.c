#include "shm/gcb_shm.h"

#include <errno.h>
#include <fcntl.h>
#include <stdarg.h>
#include <stdio.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <unistd.h>

#include "lib/gcb_clock.h"
#include "lib/gcb_proc.h"
#include "shm/gcb_ring.h"

#define ALIGN_UP(x, a) (((x) + (uint64_t)(a) - 1) & ~((uint64_t)(a) - 1))
#define PAGE           4096u

int gcb_shm_path(const char *instance_or_path, char *buf, size_t size)
{
	int n;

	if (instance_or_path == NULL || instance_or_path[0] == '\0')
		return -EINVAL;
	if (strchr(instance_or_path, '/') != NULL)
		n = snprintf(buf, size, "%s", instance_or_path);
	else
		n = snprintf(buf, size, "/dev/shm/gcbridge-%s", instance_or_path);
	return (n < 0 || (size_t)n >= size) ? -ENAMETOOLONG : 0;
}

__attribute__((format(printf, 4, 5))) static int shm_fail(char *errstr, size_t errstr_size,
							   int rc, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(errstr, errstr_size, fmt, ap);
	va_end(ap);
	return rc;
}

int gcb_shm_trusted(const struct stat *sb, int readonly, const char *path, char *errstr,
		    size_t errstr_size)
{
	if (!S_ISREG(sb->st_mode))
		return shm_fail(errstr, errstr_size, -EPERM,
				"\"%s\" is not a regular file, so not a gcbridge segment: remove it, "
				"or choose another instance.name",
				path);
	/* Whoever can write the segment reads every event and can inject
	 * records; a tool that only reads accepts any owner but never a
	 * segment others could have written. */
	if (!readonly && sb->st_uid != geteuid())
		return shm_fail(errstr, errstr_size, -EPERM,
				"segment \"%s\" belongs to uid %u, not to this user (uid %u): "
				"another user may have planted it; remove it (as its owner or "
				"root) or choose another instance.name",
				path, (unsigned)sb->st_uid, (unsigned)geteuid());
	if ((!readonly && (sb->st_mode & 07777) != 0600) || (sb->st_mode & 022) != 0)
		return shm_fail(errstr, errstr_size, -EPERM,
				"segment \"%s\" has mode %04o, not 0600: others could read or write "
				"it; remove it (it is recreated at the next start) after checking "
				"who changed it",
				path, (unsigned)(sb->st_mode & 07777));
	return 0;
}

int gcb_shm_create(gcb_shm_t *shm, const char *instance, const gcb_shm_stage_spec_t *stages,
		   unsigned nstages, const gcb_shm_ring_spec_t *rings, unsigned nrings, char *errstr,
		   size_t errstr_size)
{
	gcb_shm_header_t *hdr;
	uint64_t off, ring_off[GCB_SHM_MAX_RINGS], size;
	unsigned i;
	void *base;
	int fd, rc;

	memset(shm, 0, sizeof(*shm));
	if (strlen(instance) >= GCB_SHM_INSTANCE_MAX || strchr(instance, '/') != NULL)
		return shm_fail(errstr, errstr_size, -EINVAL, "bad instance name \"%s\"", instance);
	if (nrings > GCB_SHM_MAX_RINGS)
		return shm_fail(errstr, errstr_size, -EINVAL, "too many rings (at most %u)", GCB_SHM_MAX_RINGS);
	if (gcb_shm_path(instance, shm->path, sizeof(shm->path)) != 0)
		return shm_fail(errstr, errstr_size, -ENAMETOOLONG, "instance name too long");

	off = GCB_SHM_HEADER_SIZE;
	uint64_t stage_off = off;
	off = ALIGN_UP(off + (uint64_t)nstages * sizeof(gcb_shm_stage_t), GCB_SHM_CACHE_LINE);
	uint64_t pipe_off = off;
	off = ALIGN_UP(off + sizeof(gcb_shm_pipeline_t), PAGE);
	for (i = 0; i < nrings; i++) {
		ring_off[i] = off;
		off = ALIGN_UP(off + gcb_ring_footprint(rings[i].capacity), PAGE);
	}
	size = off;

	fd = open(shm->path, O_RDWR | O_CREAT | O_EXCL | O_CLOEXEC | O_NOFOLLOW | O_NOCTTY, 0600);
	if (fd < 0) {
		rc = -errno;
		return shm_fail(errstr, errstr_size, rc, "open(\"%s\") failed: %s", shm->path,
				strerror(-rc));
	}
	/* umask may have narrowed the mode; it must be exactly 0600. */
	if (fchmod(fd, 0600) != 0 || ftruncate(fd, (off_t)size) != 0) {
		rc = -errno;
		close(fd);
		unlink(shm->path);
		return shm_fail(errstr, errstr_size, rc, "ftruncate(\"%s\") failed: %s", shm->path,
				strerror(-rc));
	}
	base = mmap(NULL, size, PROT_READ | PROT_WRITE, MAP_SHARED, fd, 0);
	close(fd);
	if (base == MAP_FAILED) {
		rc = -errno;
		unlink(shm->path);
		return shm_fail(errstr, errstr_size, rc, "mmap(\"%s\") failed: %s", shm->path,
				strerror(-rc));
	}

	hdr = base;
	hdr->magic = GCB_SHM_MAGIC;
	hdr->header_size = GCB_SHM_HEADER_SIZE;
	hdr->segment_size = size;
	snprintf(hdr->instance, sizeof(hdr->instance), "%s", instance);
	hdr->creator_pid = (int32_t)getpid();
	(void)gcb_proc_start_time(getpid(), &hdr->creator_start_time);
	hdr->created_unix_ms = gcb_clock_real_ms();
	hdr->stage_count = nstages;
	hdr->stage_size = sizeof(gcb_shm_stage_t);
	hdr->stage_table_offset = stage_off;
	hdr->pipeline_offset = pipe_off;
	hdr->pipeline_size = sizeof(gcb_shm_pipeline_t);
	hdr->ring_count = nrings;
	hdr->ring_desc_size = sizeof(gcb_shm_ring_desc_t);
	hdr->ring_table_offset = offsetof(gcb_shm_header_t, rings);

	shm->base = base;
	shm->hdr = hdr;
	shm->size = size;

	for (i = 0; i < nstages; i++) {
		gcb_shm_stage_t *st = gcb_shm_stage(shm, i);

		snprintf(st->name, sizeof(st->name), "%s", stages[i].name);
		st->kind = stages[i].kind;
		st->index = stages[i].index;
		atomic_init(&st->last_exit, -1);
	}
	for (i = 0; i < nrings; i++) {
		gcb_shm_ring_desc_t *d = &hdr->rings[i];

		snprintf(d->name, sizeof(d->name), "%s", rings[i].name);
		d->offset = ring_off[i];
		d->capacity = rings[i].capacity;
		d->producer_stage = rings[i].producer_stage;
		d->consumer_stage = rings[i].consumer_stage;
		rc = gcb_ring_format(shm->base + ring_off[i], rings[i].capacity,
				     rings[i].max_record, rings[i].name);
		if (rc != 0) {
			gcb_shm_detach(shm);
			unlink(shm->path);
			return shm_fail(errstr, errstr_size, rc,
					"ring \"%s\": capacity must be a power of two >= 4096 "
					"and max record at most half of it",
					rings[i].name);
		}
	}
	atomic_store_explicit(&hdr->layout_version, GCB_SHM_LAYOUT_VERSION, memory_order_release);
	return 0;
}

int gcb_shm_attach(gcb_shm_t *shm, const char *instance_or_path, int readonly, int wait_ms,
		   char *errstr, size_t errstr_size)
{
	const gcb_shm_header_t *hdr;
	struct stat sb;
	uint32_t version;
	uint64_t deadline;
	char err[160];
	void *base;
	int fd, rc;

	memset(shm, 0, sizeof(*shm));
	if (gcb_shm_path(instance_or_path, shm->path, sizeof(shm->path)) != 0)
		return shm_fail(errstr, errstr_size, -EINVAL, "bad instance or path \"%s\"",
				instance_or_path ? instance_or_path : "");
	fd = open(shm->path, (readonly ? O_RDONLY : O_RDWR) | O_CLOEXEC | O_NOFOLLOW | O_NOCTTY);
	if (fd < 0 && errno == ELOOP)
		return shm_fail(errstr, errstr_size, -EPERM,
				"\"%s\" is a symbolic link, not a gcbridge segment: someone else "
				"may have planted it; remove it, or choose another instance.name",
				shm->path);
	if (fd < 0) {
		rc = -errno;
		return shm_fail(errstr, errstr_size, rc, "open(\"%s\") failed: %s", shm->path,
				strerror(-rc));
	}
	if (fstat(fd, &sb) != 0) {
		rc = -errno;
		close(fd);
		return shm_fail(errstr, errstr_size, rc, "fstat(\"%s\") failed: %s", shm->path,
				strerror(-rc));
	}
	rc = gcb_shm_trusted(&sb, readonly, shm->path, errstr, errstr_size);
	if (rc != 0) {
		close(fd);
		return rc;
	}
	if ((uint64_t)sb.st_size < GCB_SHM_HEADER_SIZE) {
		close(fd);
		return shm_fail(errstr, errstr_size, -EPROTO,
				"\"%s\" is too small to be a gcbridge segment", shm->path);
	}
	base = mmap(NULL, (size_t)sb.st_size, readonly ? PROT_READ : PROT_READ | PROT_WRITE,
		    MAP_SHARED, fd, 0);
	close(fd);
	if (base == MAP_FAILED) {
		rc = -errno;
		return shm_fail(errstr, errstr_size, rc, "mmap(\"%s\") failed: %s", shm->path,
				strerror(-rc));
	}
	shm->base = base;
	shm->hdr = base;
	shm->size = (size_t)sb.st_size;
	shm->readonly = readonly;
	hdr = shm->hdr;

	if (hdr->magic != GCB_SHM_MAGIC) {
		gcb_shm_detach(shm);
		return shm_fail(errstr, errstr_size, -EPROTO,
				"\"%s\" is not a gcbridge segment (bad magic)", shm->path);
	}
	deadline = gcb_clock_mono_ns() + (uint64_t)(wait_ms > 0 ? wait_ms : 0) * 1000000u;
	while ((version = atomic_load_explicit(&hdr->layout_version, memory_order_acquire)) == 0 &&
	       gcb_clock_mono_ns() < deadline)
		usleep(1000);
	if (version != GCB_SHM_LAYOUT_VERSION) {
		char v[32];

		snprintf(v, sizeof(v), "%u", version);
		gcb_shm_detach(shm);
		return shm_fail(errstr, errstr_size, -EPROTO,
				"\"%s\" has layout version %s; this build knows only version %u",
				shm->path, version == 0 ? "0 (still being created)" : v,
				GCB_SHM_LAYOUT_VERSION);
	}

	if (gcb_shm_header_check(shm->base, shm->size, err, sizeof(err)) != 0) {
		gcb_shm_detach(shm);
		return shm_fail(errstr, errstr_size, -EBADF, "\"%s\": %s", shm->path, err);
	}
	return 0;
}

int gcb_shm_check_rings(const gcb_shm_t *shm, char *errstr, size_t errstr_size)
{
	unsigned i;

	for (i = 0; i < shm->hdr->ring_count; i++) {
		const gcb_ring_ctl_t *ctl = gcb_shm_ring_mem(shm, i);
		uint64_t tail = atomic_load(&ctl->prod.tail);
		uint64_t rd = atomic_load(&ctl->cons.read);
		uint64_t rel = atomic_load(&ctl->cons.release);

		if (rel > tail || tail - rel > ctl->desc.capacity || rd < rel || rd > tail)
			return shm_fail(errstr, errstr_size, -EBADF,
					"ring \"%s\" has impossible positions", ctl->desc.name);
	}
	return 0;
}

void gcb_shm_detach(gcb_shm_t *shm)
{
	if (shm->base != NULL)
		munmap(shm->base, shm->size);
	shm->base = NULL;
	shm->hdr = NULL;
	shm->size = 0;
}

int gcb_shm_unlink(const char *instance_or_path)
{
	char path[256];
	int rc = gcb_shm_path(instance_or_path, path, sizeof(path));

	if (rc != 0)
		return rc;
	return unlink(path) == 0 ? 0 : -errno;
}

int gcb_shm_find_ring(const gcb_shm_t *shm, const char *name)
{
	unsigned i;

	for (i = 0; i < shm->hdr->ring_count; i++)
		if (strncmp(shm->hdr->rings[i].name, name, GCB_SHM_NAME_MAX) == 0)
			return (int)i;
	return -ENOENT;
}
