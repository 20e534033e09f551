/* The disk model of diskmodel.h. Test code: aborts when its own fixed tables overflow. */
#include "tests/spool/diskmodel.h"

#include <dirent.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#define DM_DIRS	 4
#define DM_NAME	 64
#define DM_FILES 4096
#define DM_FDS	 1024
#define DM_ENTS	 512

enum { OP_WRITE, OP_TRUNC };
enum { DOP_CREATE, DOP_RENAME, DOP_UNLINK };

struct dm_op {
	int kind;
	uint64_t off; /* WRITE: where; TRUNC: the new length */
	uint32_t len;
	unsigned char *data;
};

struct dm_buf {
	unsigned char *p;
	size_t len, cap;
};

struct dm_file {
	struct dm_buf cur, dur;
	struct dm_op *ops; /* since the last sync, in order */
	size_t nops, cap;
};

struct dm_ent {
	char name[DM_NAME];
	int file;
};

struct dm_dir {
	char path[512];
	ino_t ino;
	dev_t dev;
	struct dm_ent cur[DM_ENTS], dur[DM_ENTS];
	unsigned ncur, ndur;
	struct {
		int kind, file;
		char a[DM_NAME], b[DM_NAME];
	} *pend; /* directory changes since its last fsync, in order */
	size_t npend, cappend;
};

static struct {
	struct dm_dir dirs[DM_DIRS];
	unsigned ndirs;
	struct dm_file files[DM_FILES];
	unsigned nfiles;
	int fdfile[DM_FDS]; /* file index + 1, 0: not modelled */
	uint64_t ops, crash_at, rng;
	int crashed, lying;
} M;

static void die(const char *what)
{
	fprintf(stderr, "diskmodel: %s\n", what);
	abort();
}

static void *xrealloc(void *p, size_t n)
{
	if ((p = realloc(p, n ? n : 1)) == NULL)
		die("out of memory");
	return p;
}

static uint64_t rnd(void)
{
	/* splitmix64: one seed, one reproducible stream */
	uint64_t z = (M.rng += 0x9e3779b97f4a7c15ull);

	z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ull;
	z = (z ^ (z >> 27)) * 0x94d049bb133111ebull;
	return z ^ (z >> 31);
}

static void buf_set(struct dm_buf *b, const unsigned char *p, size_t len)
{
	if (len > b->cap) {
		b->p = xrealloc(b->p, len);
		b->cap = len;
	}
	if (len)
		memcpy(b->p, p, len);
	b->len = len;
}

static void buf_write(struct dm_buf *b, uint64_t off, const unsigned char *p, size_t len)
{
	size_t end = (size_t)off + len;

	if (end > b->cap) {
		b->p = xrealloc(b->p, end);
		b->cap = end;
	}
	if (off > b->len)
		memset(b->p + b->len, 0, (size_t)off - b->len);
	if (len == 0)
		return; /* a write torn to nothing */
	memcpy(b->p + off, p, len);
	if (end > b->len)
		b->len = end;
}

static void buf_trunc(struct dm_buf *b, uint64_t len)
{
	if (len > b->len) {
		b->p = xrealloc(b->p, (size_t)len);
		b->cap = b->cap > len ? b->cap : (size_t)len;
		memset(b->p + b->len, 0, (size_t)len - b->len);
	}
	b->len = (size_t)len;
}

static void files_free(void)
{
	for (unsigned i = 0; i < M.nfiles; i++) {
		struct dm_file *f = &M.files[i];

		for (size_t k = 0; k < f->nops; k++)
			free(f->ops[k].data);
		free(f->ops);
		free(f->cur.p);
		free(f->dur.p);
	}
	memset(M.files, 0, sizeof(M.files));
	M.nfiles = 0;
}

static int file_new(void)
{
	if (M.nfiles == DM_FILES)
		die("too many files");
	return (int)M.nfiles++;
}

static void op_add(struct dm_file *f, int kind, uint64_t off, const void *data, uint32_t len)
{
	struct dm_op *o;

	if (f->nops == f->cap) {
		f->cap = f->cap ? 2 * f->cap : 16;
		f->ops = xrealloc(f->ops, f->cap * sizeof(*f->ops));
	}
	o = &f->ops[f->nops++];
	*o = (struct dm_op){.kind = kind, .off = off, .len = len};
	if (len) {
		o->data = xrealloc(NULL, len);
		memcpy(o->data, data, len);
	}
}

static void ops_clear(struct dm_file *f)
{
	for (size_t k = 0; k < f->nops; k++)
		free(f->ops[k].data);
	f->nops = 0;
}

void dm_reset(const char *const *dirs, unsigned ndirs)
{
	struct stat st;

	files_free();
	for (unsigned d = 0; d < M.ndirs; d++)
		free(M.dirs[d].pend);
	memset(M.dirs, 0, sizeof(M.dirs));
	memset(M.fdfile, 0, sizeof(M.fdfile));
	if (ndirs > DM_DIRS)
		die("too many directories");
	M.ndirs = ndirs;
	for (unsigned d = 0; d < ndirs; d++) {
		if (stat(dirs[d], &st) != 0 || !S_ISDIR(st.st_mode))
			die("a registered directory does not exist");
		snprintf(M.dirs[d].path, sizeof(M.dirs[d].path), "%s", dirs[d]);
		M.dirs[d].ino = st.st_ino;
		M.dirs[d].dev = st.st_dev;
	}
	M.ops = M.crash_at = 0;
	M.crashed = M.lying = 0;
}

void dm_arm(uint64_t ops, uint64_t seed)
{
	M.crash_at = ops ? M.ops + ops : 0;
	M.rng = seed;
	M.crashed = 0;
}

int dm_crashed(void)
{
	return M.crashed;
}

uint64_t dm_ops(void)
{
	return M.ops;
}

void dm_set_lying(int lying)
{
	M.lying = lying;
}

/* Counts an operation; 0 when it may happen, -1 (errno EIO) once the power is off. */
static int tick(void)
{
	if (!M.crashed) {
		M.ops++;
		if (M.crash_at && M.ops >= M.crash_at)
			M.crashed = 1;
	}
	if (M.crashed) {
		errno = EIO;
		return -1;
	}
	return 0;
}

static struct dm_dir *dir_of_fd(int fd)
{
	struct stat st;

	if (fstat(fd, &st) != 0 || !S_ISDIR(st.st_mode))
		return NULL;
	for (unsigned d = 0; d < M.ndirs; d++)
		if (M.dirs[d].ino == st.st_ino && M.dirs[d].dev == st.st_dev)
			return &M.dirs[d];
	return NULL;
}

static struct dm_file *file_of_fd(int fd)
{
	if (fd < 0 || fd >= DM_FDS || M.fdfile[fd] == 0)
		return NULL;
	return &M.files[M.fdfile[fd] - 1];
}

static int ent_find(const struct dm_ent *e, unsigned n, const char *name)
{
	for (unsigned i = 0; i < n; i++)
		if (strcmp(e[i].name, name) == 0)
			return (int)i;
	return -1;
}

/* Sets name -> file in an entry table (file < 0: removes name). */
static void ent_set(struct dm_ent *e, unsigned *n, const char *name, int file)
{
	int i = ent_find(e, *n, name);

	if (file < 0) {
		if (i >= 0)
			e[i] = e[--*n];
		return;
	}
	if (i < 0) {
		if (*n == DM_ENTS)
			die("too many directory entries");
		i = (int)(*n)++;
		snprintf(e[i].name, DM_NAME, "%s", name);
	}
	e[i].file = file;
}

static void dirop_add(struct dm_dir *d, int kind, const char *a, const char *b, int file)
{
	if (d->npend == d->cappend) {
		d->cappend = d->cappend ? 2 * d->cappend : 16;
		d->pend = xrealloc(d->pend, d->cappend * sizeof(*d->pend));
	}
	d->pend[d->npend].kind = kind;
	d->pend[d->npend].file = file;
	snprintf(d->pend[d->npend].a, DM_NAME, "%s", a);
	snprintf(d->pend[d->npend].b, DM_NAME, "%s", b ? b : "");
	d->npend++;
}

static int m_openat(int dirfd, const char *name, int flags, mode_t mode)
{
	struct dm_dir *d = dir_of_fd(dirfd);
	struct dm_file *f;
	int fd, i, file;

	if (d == NULL || strchr(name, '/') != NULL || strlen(name) >= DM_NAME)
		die("openat outside the registered directories");
	if (tick() != 0)
		return -1;
	if ((fd = openat(dirfd, name, flags, mode)) < 0)
		return -1;
	if (fd >= DM_FDS)
		die("descriptor beyond the model's table");
	i = ent_find(d->cur, d->ncur, name);
	if (i < 0) { /* created: its name is durable only after the directory is synced */
		file = file_new();
		ent_set(d->cur, &d->ncur, name, file);
		dirop_add(d, DOP_CREATE, name, NULL, file);
	} else {
		file = d->cur[i].file;
	}
	f = &M.files[file];
	if ((flags & O_TRUNC) && f->cur.len > 0) {
		op_add(f, OP_TRUNC, 0, NULL, 0);
		buf_trunc(&f->cur, 0);
	}
	M.fdfile[fd] = file + 1;
	return fd;
}

static ssize_t m_pwrite(int fd, const void *buf, size_t len, off_t off)
{
	struct dm_file *f = file_of_fd(fd);
	ssize_t n;

	if (f == NULL)
		die("pwrite on a descriptor the model did not open");
	if (tick() != 0)
		return -1;
	if ((n = pwrite(fd, buf, len, off)) <= 0)
		return n;
	op_add(f, OP_WRITE, (uint64_t)off, buf, (uint32_t)n);
	buf_write(&f->cur, (uint64_t)off, buf, (size_t)n);
	return n;
}

static int m_sync(int fd)
{
	struct dm_dir *d;
	struct dm_file *f;

	if (tick() != 0)
		return -1;
	if (M.lying)
		return 0;
	if ((d = dir_of_fd(fd)) != NULL) {
		memcpy(d->dur, d->cur, sizeof(d->cur));
		d->ndur = d->ncur;
		d->npend = 0;
		return 0;
	}
	if ((f = file_of_fd(fd)) == NULL)
		die("sync of a descriptor the model did not open");
	buf_set(&f->dur, f->cur.p, f->cur.len);
	ops_clear(f);
	return 0;
}

static int m_ftruncate(int fd, off_t len)
{
	struct dm_file *f = file_of_fd(fd);

	if (f == NULL)
		die("ftruncate on a descriptor the model did not open");
	if (tick() != 0)
		return -1;
	if (ftruncate(fd, len) != 0)
		return -1;
	op_add(f, OP_TRUNC, (uint64_t)len, NULL, 0);
	buf_trunc(&f->cur, (uint64_t)len);
	return 0;
}

static int m_renameat(int olddirfd, const char *from, int newdirfd, const char *to)
{
	struct dm_dir *d = dir_of_fd(olddirfd);
	int i;

	if (d == NULL || d != dir_of_fd(newdirfd))
		die("rename outside one registered directory");
	if (tick() != 0)
		return -1;
	if (renameat(olddirfd, from, newdirfd, to) != 0)
		return -1;
	if ((i = ent_find(d->cur, d->ncur, from)) < 0)
		die("rename of a file the model does not know");
	ent_set(d->cur, &d->ncur, to, d->cur[i].file);
	ent_set(d->cur, &d->ncur, from, -1);
	dirop_add(d, DOP_RENAME, from, to, -1);
	return 0;
}

static int m_unlinkat(int dirfd, const char *name, int flags)
{
	struct dm_dir *d = dir_of_fd(dirfd);

	if (d == NULL)
		die("unlink outside the registered directories");
	if (tick() != 0)
		return -1;
	if (unlinkat(dirfd, name, flags) != 0)
		return -1;
	ent_set(d->cur, &d->ncur, name, -1);
	dirop_add(d, DOP_UNLINK, name, NULL, -1);
	return 0;
}

static int m_close(int fd)
{
	if (fd >= 0 && fd < DM_FDS)
		M.fdfile[fd] = 0;
	return close(fd);
}

const gcb_fileops_t dm_fileops = {
    .openat = m_openat,
    .pwrite = m_pwrite,
    .fdatasync = m_sync,
    .fsync = m_sync,
    .ftruncate = m_ftruncate,
    .renameat = m_renameat,
    .unlinkat = m_unlinkat,
    .close = m_close,
    .uring = 0,
};

/* What a file holds after the cut: durable content, each later change kept,
 * dropped or (a write) torn to a random prefix. */
static void file_after_cut(struct dm_file *f, struct dm_buf *out)
{
	buf_set(out, f->dur.p, f->dur.len);
	for (size_t k = 0; k < f->nops; k++) {
		struct dm_op *o = &f->ops[k];
		uint64_t r = rnd() % 4;

		if (r == 0)
			continue; /* never reached the disk */
		if (o->kind == OP_TRUNC) {
			buf_trunc(out, o->off);
			continue;
		}
		buf_write(out, o->off, o->data, r == 3 ? (size_t)(rnd() % (o->len + 1)) : o->len);
	}
}

static int rewrite_dir(struct dm_dir *d, struct dm_ent *img, unsigned nimg, struct dm_buf *content)
{
	DIR *dh = opendir(d->path);
	struct dirent *e;
	char path[1024];

	if (dh == NULL)
		return -1;
	while ((e = readdir(dh)) != NULL) {
		if (strcmp(e->d_name, ".") == 0 || strcmp(e->d_name, "..") == 0)
			continue;
		snprintf(path, sizeof(path), "%s/%s", d->path, e->d_name);
		if (e->d_type == DT_REG && unlink(path) != 0) {
			closedir(dh);
			return -1;
		}
	}
	closedir(dh);
	for (unsigned i = 0; i < nimg; i++) {
		struct dm_buf *b = &content[img[i].file];
		FILE *fp;

		snprintf(path, sizeof(path), "%s/%s", d->path, img[i].name);
		if ((fp = fopen(path, "wb")) == NULL)
			return -1;
		if (b->len && fwrite(b->p, 1, b->len, fp) != b->len) {
			fclose(fp);
			return -1;
		}
		if (fclose(fp) != 0 || chmod(path, 0600) != 0)
			return -1;
	}
	return 0;
}

int dm_cut(void)
{
	static struct dm_ent img[DM_DIRS][DM_ENTS];
	unsigned nimg[DM_DIRS];
	struct dm_buf *content = xrealloc(NULL, (M.nfiles + 1) * sizeof(*content));
	int rc = 0;

	for (int fd = 0; fd < DM_FDS; fd++)
		if (M.fdfile[fd])
			die("dm_cut with a modelled descriptor still open");
	memset(content, 0, (M.nfiles + 1) * sizeof(*content));
	/* Directories: durable entries and a random prefix of the later changes. */
	for (unsigned di = 0; di < M.ndirs; di++) {
		struct dm_dir *d = &M.dirs[di];
		size_t keep = d->npend ? (size_t)(rnd() % (d->npend + 1)) : 0;

		memcpy(img[di], d->dur, sizeof(d->dur));
		nimg[di] = d->ndur;
		for (size_t k = 0; k < keep; k++) {
			int i;

			switch (d->pend[k].kind) {
			case DOP_CREATE:
				ent_set(img[di], &nimg[di], d->pend[k].a, d->pend[k].file);
				break;
			case DOP_UNLINK:
				ent_set(img[di], &nimg[di], d->pend[k].a, -1);
				break;
			case DOP_RENAME:
				if ((i = ent_find(img[di], nimg[di], d->pend[k].a)) >= 0) {
					ent_set(img[di], &nimg[di], d->pend[k].b, img[di][i].file);
					ent_set(img[di], &nimg[di], d->pend[k].a, -1);
				}
				break;
			}
		}
	}
	for (unsigned i = 0; i < M.nfiles; i++)
		file_after_cut(&M.files[i], &content[i]);
	for (unsigned di = 0; di < M.ndirs && rc == 0; di++)
		rc = rewrite_dir(&M.dirs[di], img[di], nimg[di], content);
	if (rc == 0) {
		/* After the cut, what is on disk is all there is, and durable. */
		unsigned n = M.nfiles;

		files_free();
		for (unsigned di = 0; di < M.ndirs; di++) {
			struct dm_dir *d = &M.dirs[di];

			d->ncur = d->ndur = 0;
			d->npend = 0;
			for (unsigned i = 0; i < nimg[di]; i++) {
				int file = file_new();
				struct dm_buf *b = &content[img[di][i].file];

				buf_set(&M.files[file].cur, b->p, b->len);
				buf_set(&M.files[file].dur, b->p, b->len);
				ent_set(d->cur, &d->ncur, img[di][i].name, file);
				ent_set(d->dur, &d->ndur, img[di][i].name, file);
			}
		}
		for (unsigned i = 0; i < n; i++)
			free(content[i].p);
	} else {
		for (unsigned i = 0; i < M.nfiles; i++)
			free(content[i].p);
	}
	free(content);
	M.crashed = 0;
	M.crash_at = 0;
	return rc;
}
