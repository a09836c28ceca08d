/* Files for musl over the file system server; see libc/file.h. */
#define _GNU_SOURCE
#include "libc/file.h"

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <stdbool.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/uio.h>
#include <unistd.h>

#include "libc/memory.h"
#include "libc/syscall.h"
#include "libipc/server.h"
#include "libipc/spawn.h"
#include "libipc/ulib.h"
#include "libipc/vm.h"
#include "servers/fs/ext2.h"
#include "servers/fs/fs_proto.h"
#include "servers/name/name_proto.h"

#define LOOKUP_NS 100000000ull
#define PATH_BYTES FS_PATH_BYTES(0)

_Static_assert(O_CREAT == FS_O_CREAT && O_EXCL == FS_O_EXCL && O_TRUNC == FS_O_TRUNC &&
		       O_APPEND == FS_O_APPEND && O_DIRECTORY == FS_O_DIRECTORY &&
		       O_NOFOLLOW == FS_O_NOFOLLOW && O_RDWR == FS_O_RDWR,
	       "the protocol carries Linux's open flags");

struct lfile {
	bool used, dir;
	uint32_t ino;
	int vmo;           /* the file's memory object; -1: none (a directory) */
	uint32_t flags;    /* open flags (O_ACCMODE, O_APPEND) */
	uint64_t off;
	uint64_t size;     /* as last learnt */
	/* getdents64: the batch last received and what of it is left */
	uint64_t cookie;   /* the next batch's */
	bool dir_end;
	uint32_t batch_at, batch_len;
	uint64_t batch[IPC_MAX_WORDS];
};

static struct lfile *files; /* [FILE_MAX], allocated at the first open */
static int fs_ep = -1; /* -1: not looked up yet; 0: there is no file server */
static char cwd[PATH_BYTES] = "/";

/* --- the server --------------------------------------------------------------- */

static int server(void)
{
	if (fs_ep < 0) {
		fs_ep = 0;
		long h = -1;
		if (handle_is(H_NAME, OBJ_ENDPOINT, R_SEND) && !handle_is(H_NAME, OBJ_ENDPOINT, R_RECV))
			h = name_lookup(H_NAME, mk_ipc_buffer(), "fs");
		if (h > 0 && handle_is((int)h, OBJ_ENDPOINT, R_SEND))
			fs_ep = (int)h;
	}
	return fs_ep;
}

/* One request; the result (w0) or a negated Linux errno. out gets the
 * reply's words (out[0] is w0), *vmo the handle that came with it. */
static long call(uint32_t label, const uint64_t *w, uint32_t nwords, uint64_t *out,
		 uint32_t max_out, int *vmo)
{
	uint64_t local[1];
	if (!server())
		return -ENOSYS;
	if (!out) {
		out = local;
		max_out = 1;
	}
	struct ipc_buffer *b = mk_ipc_buffer();
	uint32_t got = 0;
	long err = ipc_request(fs_ep, b, label, w, nwords, 0, 0, 0, out, max_out, &got);
	if (err)
		return mk_errno(err);
	if (got < 1)
		return -EIO;
	if (vmo)
		*vmo = b->handles[0];
	return (long)out[0];
}

/* --- paths ------------------------------------------------------------------- */

/* The absolute path of path (relative to dirfd: only AT_FDCWD is kept). */
static long absolute(int dirfd, const char *path, char *out)
{
	if (!path)
		return -EFAULT;
	if (!*path)
		return -ENOENT;
	if (path[0] != '/' && dirfd != AT_FDCWD)
		return -ENOSYS; /* paths relative to a directory descriptor */
	size_t lp = strnlen(path, PATH_BYTES);
	if (path[0] == '/') {
		if (lp >= PATH_BYTES)
			return -ENAMETOOLONG;
		memcpy(out, path, lp + 1);
		return 0;
	}
	size_t lc = strlen(cwd);
	bool slash = cwd[lc - 1] == '/';
	if (lc + !slash + lp >= PATH_BYTES)
		return -ENAMETOOLONG;
	memcpy(out, cwd, lc);
	if (!slash)
		out[lc++] = '/';
	memcpy(out + lc, path, lp + 1);
	return 0;
}

/* A request whose words are fixed ones then one or two paths. */
static long path_call(uint32_t label, const uint64_t *fixed, uint32_t nfixed, int dirfd,
		      const char *path, int dirfd2, const char *path2, uint64_t *out,
		      uint32_t max_out)
{
	static char a[PATH_BYTES], b[PATH_BYTES];
	uint64_t w[IPC_MAX_WORDS];
	long r = absolute(dirfd, path, a);
	if (r == 0 && path2)
		r = absolute(dirfd2, path2, b);
	if (r)
		return r;
	for (uint32_t i = 0; i < nfixed; i++)
		w[i] = fixed[i];
	uint32_t words = fs_pack_paths(w, nfixed, a, path2 ? b : 0);
	if (!words)
		return -ENAMETOOLONG;
	return call(label, w, words, out, max_out, 0);
}

/* --- descriptors ------------------------------------------------------------- */

static struct lfile *file_of(int fd)
{
	if (!files || fd < FILE_FD_FIRST || fd >= FILE_FD_FIRST + FILE_MAX)
		return 0;
	struct lfile *f = &files[fd - FILE_FD_FIRST];
	return f->used ? f : 0;
}

int mk_file_fd(int fd)
{
	return file_of(fd) != 0;
}

long mk_file_openat(int dirfd, const char *path, int flags, int mode)
{
	if (!files)
		files = calloc(FILE_MAX, sizeof(*files));
	if (!files)
		return -ENOMEM;
	int slot = 0;
	while (slot < FILE_MAX && files[slot].used)
		slot++;
	if (slot == FILE_MAX)
		return -EMFILE;
	uint64_t fixed[2] = { (uint32_t)flags & ~(uint32_t)O_CLOEXEC, (uint32_t)mode }, out[3];
	int vmo = -1;
	static char a[PATH_BYTES];
	uint64_t w[IPC_MAX_WORDS] = { fixed[0], fixed[1] };
	long r = absolute(dirfd, path, a);
	uint32_t words = r ? 0 : fs_pack_paths(w, 2, a, 0);
	if (r == 0 && !words)
		r = -ENAMETOOLONG;
	if (r == 0)
		r = call(FS_OPEN, w, words, out, 3, &vmo);
	if (r < 0)
		return r;
	bool dir = (out[2] & EXT2_S_IFMT) == EXT2_S_IFDIR;
	bool regular = (out[2] & EXT2_S_IFMT) == EXT2_S_IFREG;
	files[slot] = (struct lfile){ .used = true, .dir = dir, .ino = (uint32_t)r,
				      .vmo = regular ? vmo : -1, .flags = (uint32_t)flags,
				      .size = out[1] };
	return FILE_FD_FIRST + slot;
}

long mk_file_close(int fd)
{
	struct lfile *f = file_of(fd);
	if (!f)
		return -EBADF;
	long r = 0;
	if (f->vmo >= 0) {
		uint64_t w[1] = { f->ino };
		r = call(FS_CLOSE, w, 1, 0, 0, 0);
		sys_handle_close(f->vmo);
	}
	f->used = false;
	return r < 0 ? r : 0;
}

static long refresh_size(struct lfile *f)
{
	uint64_t w[1] = { f->ino }, out[1 + FS_STAT_WORDS];
	long r = call(FS_FSTAT, w, 1, out, 1 + FS_STAT_WORDS, 0);
	if (r == 0)
		f->size = out[1 + offsetof(struct fs_stat, size) / 8];
	return r;
}

/* Copies n bytes between the file at off and buf through the kernel's
 * copy calls (uapi/pager.h), which fault through the file server like a
 * mapping: read()/write() and mmap see one page cache. */
static long copy(struct lfile *f, uint64_t off, void *buf, size_t n, bool to_file)
{
	size_t done = 0;
	while (done < n) {
		long r = to_file ? vmo_write(f->vmo, off + done, (const uint8_t *)buf + done, n - done)
				 : vmo_read(f->vmo, off + done, (uint8_t *)buf + done, n - done);
		if (r <= 0)
			return done ? (long)done : r < 0 ? mk_errno(r) : -EFBIG;
		done += (size_t)r;
	}
	return (long)done;
}

static long file_read_at(struct lfile *f, void *buf, size_t len, uint64_t off)
{
	if (f->dir)
		return -EISDIR;
	if ((f->flags & FS_O_ACCMODE) == O_WRONLY || f->vmo < 0)
		return -EBADF;
	if (off >= f->size) {
		long r = refresh_size(f);
		if (r < 0)
			return r;
	}
	if (off >= f->size || len == 0)
		return 0;
	size_t n = f->size - off < len ? (size_t)(f->size - off) : len;
	return copy(f, off, buf, n, false);
}

static long file_write_at(struct lfile *f, const void *buf, size_t len, uint64_t off)
{
	if (f->dir || (f->flags & FS_O_ACCMODE) == O_RDONLY || f->vmo < 0)
		return -EBADF;
	if (len == 0)
		return 0;
	if (off >= FS_OBJECT_SIZE)
		return -EFBIG;
	if (len > FS_OBJECT_SIZE - off)
		len = FS_OBJECT_SIZE - off;
	if (off + len > f->size) {
		uint64_t w[3] = { f->ino, off, len }, out[2] = { 0, 0 };
		long r = call(FS_EXTEND, w, 3, out, 2, 0);
		if (r == 0 || r == -ENOSPC)
			f->size = out[1];
		if (r < 0 && (r != -ENOSPC || f->size <= off))
			return r;
		if (off + len > f->size)
			len = f->size - off; /* the disk filled up: a short write */
	}
	return copy(f, off, (void *)buf, len, true);
}

long mk_file_read(int fd, void *buf, size_t len)
{
	struct lfile *f = file_of(fd);
	if (!f)
		return -EBADF;
	long r = file_read_at(f, buf, len, f->off);
	if (r > 0)
		f->off += (uint64_t)r;
	return r;
}

long mk_file_write(int fd, const void *buf, size_t len)
{
	struct lfile *f = file_of(fd);
	if (!f)
		return -EBADF;
	if (f->flags & O_APPEND) {
		long r = refresh_size(f);
		if (r < 0)
			return r;
		f->off = f->size;
	}
	long r = file_write_at(f, buf, len, f->off);
	if (r > 0)
		f->off += (uint64_t)r;
	return r;
}

long mk_iov_each(int fd, const void *iov, int cnt, long (*op)(int fd, void *buf, size_t len))
{
	const struct iovec *v = iov;
	long done = 0;
	for (int i = 0; i < cnt; i++) {
		long r = op(fd, v[i].iov_base, v[i].iov_len);
		if (r < 0)
			return done ? done : r;
		done += r;
		if ((size_t)r < v[i].iov_len)
			break;
	}
	return done;
}

static long file_write_op(int fd, void *buf, size_t len)
{
	return mk_file_write(fd, buf, len);
}

/* readv/writev of a file. */
static long vector(int fd, const void *iov, int cnt, bool write)
{
	if (cnt < 0 || cnt > 1024)
		return -EINVAL;
	return mk_iov_each(fd, iov, cnt, write ? file_write_op : mk_file_read);
}

long mk_file_readv(int fd, const void *iov, int cnt)
{
	return vector(fd, iov, cnt, false);
}

long mk_file_writev(int fd, const void *iov, int cnt)
{
	return vector(fd, iov, cnt, true);
}

long mk_file_pread(int fd, void *buf, size_t len, int64_t off)
{
	struct lfile *f = file_of(fd);
	if (!f)
		return -EBADF;
	return off < 0 ? -EINVAL : file_read_at(f, buf, len, (uint64_t)off);
}

long mk_file_pwrite(int fd, const void *buf, size_t len, int64_t off)
{
	struct lfile *f = file_of(fd);
	if (!f)
		return -EBADF;
	return off < 0 ? -EINVAL : file_write_at(f, buf, len, (uint64_t)off);
}

long mk_file_lseek(int fd, int64_t off, int whence)
{
	struct lfile *f = file_of(fd);
	if (!f)
		return -EBADF;
	int64_t base;
	if (whence == SEEK_SET) {
		base = 0;
	} else if (whence == SEEK_CUR) {
		base = (int64_t)f->off;
	} else if (whence == SEEK_END) {
		long r = f->dir ? 0 : refresh_size(f);
		if (r < 0)
			return r;
		base = (int64_t)f->size;
	} else {
		return -EINVAL;
	}
	if ((off < 0 && -off > base) || (off > 0 && off > INT64_MAX - base))
		return -EINVAL;
	f->off = (uint64_t)(base + off);
	if (f->dir && f->off == 0) { /* rewinddir */
		f->cookie = 0;
		f->dir_end = false;
		f->batch_at = f->batch_len = 0;
	}
	return (long)f->off;
}

/* --- stat ---------------------------------------------------------------------- */

static void to_stat(const uint64_t *w, struct stat *st)
{
	struct fs_stat s;
	memcpy(&s, w, sizeof(s));
	memset(st, 0, sizeof(*st));
	st->st_dev = 1;
	st->st_ino = s.ino;
	st->st_mode = (mode_t)s.mode;
	st->st_nlink = (nlink_t)s.links;
	st->st_uid = (uid_t)s.uid_gid;
	st->st_gid = (gid_t)(s.uid_gid >> 32);
	st->st_size = (off_t)s.size;
	st->st_blksize = 4096;
	st->st_blocks = (blkcnt_t)s.blocks;
	st->st_atim.tv_sec = (time_t)s.atime;
	st->st_mtim.tv_sec = (time_t)s.mtime;
	st->st_ctim.tv_sec = (time_t)s.ctime;
}

long mk_file_fstat(int fd, void *st)
{
	if (fd >= 0 && fd < FILE_FD_FIRST) { /* the console */
		memset(st, 0, sizeof(struct stat));
		((struct stat *)st)->st_mode = S_IFCHR | 0620;
		return 0;
	}
	struct lfile *f = file_of(fd);
	if (!f)
		return -EBADF;
	uint64_t w[1] = { f->ino }, out[1 + FS_STAT_WORDS];
	long r = call(FS_FSTAT, w, 1, out, 1 + FS_STAT_WORDS, 0);
	if (r == 0)
		to_stat(&out[1], st);
	return r;
}

long mk_file_fstatat(int dirfd, const char *path, void *st, int flags)
{
	if ((flags & AT_EMPTY_PATH) && path && !*path)
		return mk_file_fstat(dirfd, st);
	uint64_t fixed[1] = { !(flags & AT_SYMLINK_NOFOLLOW) }, out[1 + FS_STAT_WORDS];
	long r = path_call(FS_STAT, fixed, 1, dirfd, path, 0, 0, out, 1 + FS_STAT_WORDS);
	if (r == 0)
		to_stat(&out[1], st);
	return r;
}

/* --- directories -------------------------------------------------------------- */

static unsigned char dt_of(uint8_t ft)
{
	static const unsigned char dt[] = { [EXT2_FT_REG] = DT_REG,  [EXT2_FT_DIR] = DT_DIR,
					    [EXT2_FT_CHR] = DT_CHR,  [EXT2_FT_BLK] = DT_BLK,
					    [EXT2_FT_FIFO] = DT_FIFO, [EXT2_FT_SOCK] = DT_SOCK,
					    [EXT2_FT_SYMLINK] = DT_LNK };
	return ft < sizeof(dt) ? dt[ft] : DT_UNKNOWN;
}

/* Fetches the next batch of entries; false at the end. */
static long next_batch(struct lfile *f)
{
	if (f->dir_end)
		return 0;
	uint64_t w[2] = { f->ino, f->cookie };
	long r = call(FS_READDIR, w, 2, f->batch, IPC_MAX_WORDS, 0);
	if (r < 0)
		return r;
	if (r == 0) {
		f->dir_end = true;
		return 0;
	}
	f->cookie = f->batch[1];
	f->batch_at = 0;
	f->batch_len = (uint32_t)r; /* entries left */
	return 1;
}

long mk_file_getdents64(int fd, void *buf, size_t len)
{
	struct lfile *f = file_of(fd);
	if (!f)
		return -EBADF;
	if (!f->dir)
		return -ENOTDIR;
	size_t at = 0;
	for (;;) {
		if (f->batch_len == 0) {
			long r = next_batch(f);
			if (r < 0)
				return at ? (long)at : r;
			if (r == 0)
				break;
		}
		const uint8_t *ent = (const uint8_t *)&f->batch[2] + f->batch_at;
		struct fs_dirent d;
		memcpy(&d, ent, sizeof(d));
		size_t reclen = (offsetof(struct dirent, d_name) + d.name_len + 1 + 7) & ~(size_t)7;
		if (at + reclen > len) {
			if (at == 0)
				return -EINVAL;
			break;
		}
		struct dirent *de = (struct dirent *)((uint8_t *)buf + at);
		de->d_ino = d.ino;
		de->d_off = (off_t)(++f->off);
		de->d_reclen = (unsigned short)reclen;
		de->d_type = dt_of(d.type);
		memcpy(de->d_name, ent + sizeof(d), d.name_len);
		de->d_name[d.name_len] = 0;
		at += reclen;
		f->batch_at += FS_DIRENT_SIZE(d.name_len);
		f->batch_len--;
	}
	return (long)at;
}

long mk_file_mkdirat(int dirfd, const char *path, int mode)
{
	uint64_t fixed[1] = { (uint32_t)mode };
	return path_call(FS_MKDIR, fixed, 1, dirfd, path, 0, 0, 0, 0);
}

long mk_file_unlinkat(int dirfd, const char *path, int flags)
{
	if (flags & ~AT_REMOVEDIR)
		return -EINVAL;
	return path_call(flags & AT_REMOVEDIR ? FS_RMDIR : FS_UNLINK, 0, 0, dirfd, path, 0, 0, 0,
			 0);
}

long mk_file_renameat(int olddir, const char *old, int newdir, const char *new, unsigned flags)
{
	if (flags)
		return -EINVAL;
	return path_call(FS_RENAME, 0, 0, olddir, old, newdir, new, 0, 0);
}

long mk_file_linkat(int olddir, const char *old, int newdir, const char *new, int flags)
{
	if (flags)
		return -EINVAL; /* AT_SYMLINK_FOLLOW: not supported */
	return path_call(FS_LINK, 0, 0, olddir, old, newdir, new, 0, 0);
}

long mk_file_symlinkat(const char *target, int dirfd, const char *path)
{
	static char a[PATH_BYTES], b[PATH_BYTES];
	uint64_t w[IPC_MAX_WORDS];
	if (!target || !*target)
		return -ENOENT;
	size_t lt = strnlen(target, PATH_BYTES);
	if (lt >= PATH_BYTES)
		return -ENAMETOOLONG;
	memcpy(a, target, lt + 1); /* kept as given: relative to the link */
	long r = absolute(dirfd, path, b);
	if (r)
		return r;
	uint32_t words = fs_pack_paths(w, 0, a, b);
	return words ? call(FS_SYMLINK, w, words, 0, 0, 0) : -ENAMETOOLONG;
}

long mk_file_readlinkat(int dirfd, const char *path, char *buf, size_t len)
{
	uint64_t out[IPC_MAX_WORDS];
	long r = path_call(FS_READLINK, 0, 0, dirfd, path, 0, 0, out, IPC_MAX_WORDS);
	if (r < 0)
		return r;
	if ((size_t)r > len)
		r = (long)len;
	memcpy(buf, &out[1], (size_t)r);
	return r;
}

long mk_file_faccessat(int dirfd, const char *path, int mode)
{
	struct stat st;
	if (mode & ~(F_OK | R_OK | W_OK | X_OK))
		return -EINVAL;
	return mk_file_fstatat(dirfd, path, &st, 0); /* no users: existence is access */
}

long mk_file_ftruncate(int fd, int64_t len)
{
	struct lfile *f = file_of(fd);
	if (!f)
		return -EBADF;
	if (len < 0)
		return -EINVAL;
	if (f->dir || (f->flags & FS_O_ACCMODE) == O_RDONLY)
		return -EINVAL;
	uint64_t w[2] = { f->ino, (uint64_t)len };
	long r = call(FS_TRUNCATE, w, 2, 0, 0, 0);
	if (r == 0)
		f->size = (uint64_t)len;
	return r;
}

long mk_file_truncate(const char *path, int64_t len)
{
	long fd = mk_file_openat(AT_FDCWD, path, O_WRONLY, 0);
	if (fd < 0)
		return fd;
	long r = mk_file_ftruncate((int)fd, len);
	mk_file_close((int)fd);
	return r;
}

long mk_file_fsync(int fd)
{
	struct lfile *f = file_of(fd);
	if (!f)
		return fd >= 0 && fd < FILE_FD_FIRST ? -EINVAL : -EBADF;
	uint64_t w[1] = { f->ino };
	return call(FS_FSYNC, w, 1, 0, 0, 0);
}

long mk_file_sync(void)
{
	long r = call(FS_SYNC, 0, 0, 0, 0, 0);
	return r == -ENOSYS ? 0 : r;
}

/* Record locks (F_GETLK, F_SETLK, F_SETLKW; SQLite takes them on every
 * transaction). The file server keeps no lock table, so a lock is granted
 * at once and nothing is ever reported in the way: right while one
 * process uses the file (its own locks never conflict), but two
 * processes are not kept apart. The checks are POSIX's: a known type,
 * and a read (write) lock only on a file open for reading (writing). */
static long file_record_lock(struct lfile *f, int cmd, struct flock *fl)
{
	if (!f)
		return -EBADF;
	if (!fl)
		return -EFAULT;
	int acc = (int)(f->flags & O_ACCMODE);
	switch (fl->l_type) {
	case F_RDLCK:
		if (cmd != F_GETLK && acc == O_WRONLY)
			return -EBADF;
		break;
	case F_WRLCK:
		if (cmd != F_GETLK && acc == O_RDONLY)
			return -EBADF;
		break;
	case F_UNLCK:
		break;
	default:
		return -EINVAL;
	}
	if (cmd == F_GETLK)
		fl->l_type = F_UNLCK;
	return 0;
}

long mk_file_fcntl(int fd, int cmd, long arg)
{
	struct lfile *f = file_of(fd);
	if (!f && !(fd >= 0 && fd < FILE_FD_FIRST))
		return -EBADF;
	switch (cmd) {
	case F_GETLK:
	case F_SETLK:
	case F_SETLKW:
		return file_record_lock(f, cmd, (struct flock *)arg);
	case F_GETFD:
	case F_SETFD:
		return 0; /* no exec: close-on-exec means nothing */
	case F_GETFL:
		return f ? (long)f->flags : O_RDWR;
	case F_SETFL:
		if (f)
			f->flags = (f->flags & ~(uint32_t)O_APPEND) | ((uint32_t)arg & O_APPEND);
		return 0;
	default:
		return -EINVAL;
	}
}

/* --- the working directory ----------------------------------------------------- */

/* Removes "." and ".." components and doubled slashes from an absolute
 * path, in place (lexically: a symlink's ".." is not followed). */
static void normalise(char *p)
{
	char *out = p;
	const char *in = p;
	while (*in) {
		while (*in == '/')
			in++;
		const char *end = in;
		while (*end && *end != '/')
			end++;
		size_t n = (size_t)(end - in);
		if (n == 0 || (n == 1 && in[0] == '.')) {
			/* nothing */
		} else if (n == 2 && in[0] == '.' && in[1] == '.') {
			while (out > p && *--out != '/')
				;
		} else {
			*out++ = '/';
			memmove(out, in, n);
			out += n;
		}
		in = end;
	}
	if (out == p)
		*out++ = '/';
	*out = 0;
}

long mk_file_chdir(const char *path)
{
	static char a[PATH_BYTES];
	struct stat st;
	long r = absolute(AT_FDCWD, path, a);
	if (r == 0)
		r = mk_file_fstatat(AT_FDCWD, a, &st, 0);
	if (r == 0 && !S_ISDIR(st.st_mode))
		r = -ENOTDIR;
	if (r == 0) {
		normalise(a);
		memcpy(cwd, a, strlen(a) + 1);
	}
	return r;
}

long mk_file_getcwd(char *buf, size_t size)
{
	size_t n = strlen(cwd) + 1;
	if (!buf)
		return -EFAULT;
	if (size < n)
		return -ERANGE;
	memcpy(buf, cwd, n);
	return (long)n;
}

long mk_file_object(int fd, int *writable)
{
	struct lfile *f = file_of(fd);
	if (!f)
		return fd >= 0 && fd < FILE_FD_FIRST ? -ENODEV : -EBADF;
	if (f->vmo < 0)
		return -ENODEV;
	*writable = (f->flags & FS_O_ACCMODE) != O_RDONLY;
	return f->vmo;
}

/* The loader's way to a program file (libipc/spawn.h): its object, with
 * a handle of its own that outlives the descriptor. */
long spawn_open_file(const char *path, uint64_t *size)
{
	long fd = mk_file_openat(AT_FDCWD, path, O_RDONLY, 0);
	if (fd < 0)
		return fd == -ENOENT || fd == -ENOTDIR ? -E_NOENT : fd == -ENODEV ? -E_DEAD : -E_INVAL;
	struct stat st;
	int writable;
	long vmo = mk_file_fstat((int)fd, &st) == 0 ? mk_file_object((int)fd, &writable) : -1;
	long h = vmo >= 0 && S_ISREG(st.st_mode) ? sys_handle_copy((int)vmo, R_READ | R_MAP) : -E_FORMAT;
	mk_file_close((int)fd);
	if (h >= 0)
		*size = (uint64_t)st.st_size;
	return h;
}
