/*
 * Files for musl: the Linux file calls carried to the file system server
 * (servers/fs/fs_proto.h, found as "fs" in the name server). Called only
 * from __mk_syscall (libc/syscall.h); each returns what the Linux call
 * would: a result, or a negated Linux errno.
 *
 * A file descriptor (3 and up; 0, 1 and 2 are the console) holds the
 * file's inode number (its id in the protocol), its offset and flags, the
 * size last learnt, and for a regular file a handle on the file's memory
 * object, which is its page cache, shared with every other opener and
 * every mapping (mmap).
 *
 * read/write/pread/pwrite: the kernel's copy calls (SYS_VMO_READ and
 * SYS_VMO_WRITE, uapi/pager.h) copy between the buffer and the object's
 * pages, asking the file server (the file's pager) for pages that are not
 * resident, as a fault in a mapping would. A write past the end first asks the server to extend
 * the file (FS_EXTEND allocates the blocks, so a full disk answers
 * ENOSPC here and a write may come back short). A read at or past the
 * size last learnt asks for the size again (another process may have
 * written more).
 *
 * The working directory is a path kept here (chdir checks it names a
 * directory); relative paths are sent to the server joined to it.
 * One thread at a time (like libc/syscall.c's console state).
 */
#ifndef LIBC_FILE_H
#define LIBC_FILE_H

#include <stddef.h>
#include <stdint.h>

#define FILE_FD_FIRST 3
#define FILE_MAX 32

/* fd is one of ours (an open file or directory). */
int mk_file_fd(int fd);

long mk_file_openat(int dirfd, const char *path, int flags, int mode);
long mk_file_close(int fd);
long mk_file_read(int fd, void *buf, size_t len);
/* readv/writev piece by piece: op on each of the cnt iovecs at iov in
 * turn, stopping after the first short one; the bytes done, or op's
 * error if it failed at the first. (Files, devices, the console.) */
long mk_iov_each(int fd, const void *iov, int cnt, long (*op)(int fd, void *buf, size_t len));
long mk_file_write(int fd, const void *buf, size_t len);
long mk_file_readv(int fd, const void *iov, int cnt);
long mk_file_writev(int fd, const void *iov, int cnt);
long mk_file_pread(int fd, void *buf, size_t len, int64_t off);
long mk_file_pwrite(int fd, const void *buf, size_t len, int64_t off);
long mk_file_lseek(int fd, int64_t off, int whence);
long mk_file_fstat(int fd, void *st);
long mk_file_fstatat(int dirfd, const char *path, void *st, int flags);
long mk_file_getdents64(int fd, void *buf, size_t len);
long mk_file_mkdirat(int dirfd, const char *path, int mode);
long mk_file_unlinkat(int dirfd, const char *path, int flags);
long mk_file_renameat(int olddir, const char *old, int newdir, const char *new, unsigned flags);
long mk_file_linkat(int olddir, const char *old, int newdir, const char *new, int flags);
long mk_file_symlinkat(const char *target, int dirfd, const char *path);
long mk_file_readlinkat(int dirfd, const char *path, char *buf, size_t len);
long mk_file_faccessat(int dirfd, const char *path, int mode);
long mk_file_ftruncate(int fd, int64_t len);
long mk_file_truncate(const char *path, int64_t len);
long mk_file_fsync(int fd);
long mk_file_sync(void);
long mk_file_fcntl(int fd, int cmd, long arg);
long mk_file_chdir(const char *path);
long mk_file_getcwd(char *buf, size_t size);
/* The memory object of a regular file's descriptor (for mmap), or
 * -EBADF / -ENODEV / -EACCES. */
long mk_file_object(int fd, int *writable);

#endif
