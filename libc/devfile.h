/*
 * Device files for musl, served inside the C library: /dev/null,
 * /dev/zero, /dev/urandom and /dev/random (the kernel's entropy pool,
 * SYS_GETRANDOM; never blocks). They live at descriptors
 * DEV_FD_FIRST.. (past the file server's, libc/file.h), need no server,
 * and answer open, read, write, close, fstat and lseek as Linux's do.
 * Called only from __mk_syscall (libc/syscall.h).
 */
#ifndef LIBC_DEVFILE_H
#define LIBC_DEVFILE_H

#include <stdbool.h>
#include <stddef.h>

#include "libc/file.h"

#define DEV_FD_FIRST (FILE_FD_FIRST + FILE_MAX)
#define DEV_MAX 16

/* path names one of the device files (an absolute path). */
bool mk_dev_path(const char *path);
/* fd is an open device file. */
bool mk_dev_fd(int fd);

long mk_dev_open(const char *path, int flags);
long mk_dev_close(int fd);
long mk_dev_read(int fd, void *buf, size_t len);
long mk_dev_write(int fd, const void *buf, size_t len);
long mk_dev_fstat(int fd, void *st);
long mk_dev_stat(const char *path, void *st);
/* getrandom(2): len bytes from the kernel's pool. */
long mk_getrandom(void *buf, size_t len, unsigned flags);

#endif
