/* Device files; see libc/devfile.h. */
#define _GNU_SOURCE
#include "libc/devfile.h"

#include <errno.h>
#include <fcntl.h>
#include <string.h>
#include <sys/random.h>
#include <sys/stat.h>
#include <sys/sysmacros.h>

#include "libc/syscall.h"
#include "libipc/sys.h"

enum dev_kind { DEV_NONE, DEV_NULL, DEV_ZERO, DEV_URANDOM };

static const struct {
	const char *path;
	enum dev_kind kind;
	unsigned minor; /* Linux's, for st_rdev (major 1, "mem") */
} devices[] = {
	{ "/dev/null", DEV_NULL, 3 },
	{ "/dev/zero", DEV_ZERO, 5 },
	{ "/dev/random", DEV_URANDOM, 8 },
	{ "/dev/urandom", DEV_URANDOM, 9 },
};
#define NDEVICES (sizeof(devices) / sizeof(devices[0]))

static unsigned char open_dev[DEV_MAX]; /* index into devices + 1; 0: free */

static int device_of(const char *path)
{
	for (size_t i = 0; path && i < NDEVICES; i++)
		if (strcmp(path, devices[i].path) == 0)
			return (int)i;
	return -1;
}

bool mk_dev_path(const char *path)
{
	return device_of(path) >= 0;
}

bool mk_dev_fd(int fd)
{
	return fd >= DEV_FD_FIRST && fd < DEV_FD_FIRST + DEV_MAX && open_dev[fd - DEV_FD_FIRST];
}

static enum dev_kind kind_of(int fd)
{
	return devices[open_dev[fd - DEV_FD_FIRST] - 1].kind;
}

long mk_dev_open(const char *path, int flags)
{
	int d = device_of(path);
	if (d < 0)
		return -ENOENT;
	if ((flags & O_CREAT) && (flags & O_EXCL))
		return -EEXIST;
	if (flags & O_DIRECTORY)
		return -ENOTDIR;
	for (int i = 0; i < DEV_MAX; i++) {
		if (!open_dev[i]) {
			open_dev[i] = (unsigned char)(d + 1);
			return DEV_FD_FIRST + i;
		}
	}
	return -EMFILE;
}

long mk_dev_close(int fd)
{
	if (!mk_dev_fd(fd))
		return -EBADF;
	open_dev[fd - DEV_FD_FIRST] = 0;
	return 0;
}

long mk_getrandom(void *buf, size_t len, unsigned flags)
{
	if (flags & ~(unsigned)(GRND_NONBLOCK | GRND_RANDOM | GRND_INSECURE))
		return -EINVAL;
	size_t done = 0;
	while (done < len) {
		size_t n = len - done < GETRANDOM_MAX ? len - done : GETRANDOM_MAX;
		long r = sys2(SYS_GETRANDOM, (char *)buf + done, n);
		if (r < 0)
			return done ? (long)done : mk_errno(r);
		done += (size_t)r;
	}
	return (long)done;
}

long mk_dev_read(int fd, void *buf, size_t len)
{
	if (!mk_dev_fd(fd))
		return -EBADF;
	switch (kind_of(fd)) {
	case DEV_NULL:
		return 0;
	case DEV_ZERO:
		memset(buf, 0, len);
		return (long)len;
	default:
		return mk_getrandom(buf, len, 0);
	}
}

/* Everything written is taken and dropped. */
long mk_dev_write(int fd, const void *buf, size_t len)
{
	(void)buf;
	return mk_dev_fd(fd) ? (long)len : -EBADF;
}

static void dev_stat(int d, struct stat *st)
{
	memset(st, 0, sizeof(*st));
	st->st_mode = S_IFCHR | 0666;
	st->st_rdev = makedev(1, devices[d].minor);
	st->st_nlink = 1;
	st->st_blksize = 4096;
}

long mk_dev_fstat(int fd, void *st)
{
	if (!mk_dev_fd(fd))
		return -EBADF;
	dev_stat(open_dev[fd - DEV_FD_FIRST] - 1, st);
	return 0;
}

long mk_dev_stat(const char *path, void *st)
{
	int d = device_of(path);
	if (d < 0)
		return -ENOENT;
	dev_stat(d, st);
	return 0;
}
