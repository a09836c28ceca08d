/*
 * File protocol: clients and the file system server (servers/fs/fs.c,
 * published in the name server as "fs"). libc (libc/file.c) speaks it
 * for open, stat, getdents, mkdir, unlink...
 *
 * A file's life, step by step:
 *   1. FS_OPEN resolves the path (creating the file with O_CREAT) and
 *      answers with the inode number (the file's id in every later
 *      request), its size and mode, and, for a regular file, a handle on
 *      the file's memory object (R_MAP | R_READ | R_GRANT). Every opener
 *      of one inode gets the same object: it is the file's one page
 *      cache, and the server is its pager (pagers/common): a fault on a
 *      page that is not resident reads it from the disk.
 *   2. The client reads and writes by mapping the object (VM_SHARED) and
 *      copying; a write past the end first asks FS_EXTEND for the bytes
 *      it will write (blocks are allocated then, so a full disk is
 *      ENOSPC at write time, not at write-back).
 *   3. FS_FSYNC / FS_CLOSE / FS_SYNC write the object's dirty pages to
 *      the disk (the server evicts them into its own memory, writes them
 *      and supplies them back) and sync the file system; so does the
 *      memory manager's eviction of a dirty page (PAGER_RETURN), which
 *      leaves it on the disk only.
 *   4. When no handle or mapping of the object is left, the kernel tells
 *      the server (PAGER_TERMINATE): it writes back what is dirty and
 *      forgets the object. The server keeps no per-client state, so a
 *      client that dies without closing leaks nothing.
 *
 * Errors cross in two layers. The reply label is the server loop's
 * status from uapi/errors.h: non-zero only for a malformed request
 * (E_INVAL), an unknown label (E_NOSYS) or a transport failure; the
 * client maps those with mk_errno. A well-formed request is answered
 * with label 0 and w0 the result: >= 0, or a negated Linux errno value
 * (ENOENT, EEXIST, ENOTDIR, EISDIR, ENOTEMPTY, ENOSPC, ENAMETOOLONG,
 * EBADF, EINVAL, EIO, ...). The ext2 library already speaks Linux errno
 * (servers/fs/ext2.h), the file calls' callers (musl) want Linux errno,
 * and the kernel's closed set has no ENOTEMPTY or EISDIR: the file
 * protocol carries Linux errno values unchanged, and the kernel's set is
 * never stretched to hold them. The FS_E* values below are the ones the
 * server produces itself (Linux's numbers).
 *
 * Paths travel NUL-terminated in the words after the fixed ones (a
 * request with two paths carries both, one after the other), absolute or
 * relative to the root: libc keeps the working directory and sends
 * absolute paths. A path that does not fit is ENAMETOOLONG.
 *
 * Messages (w = words; "path" = NUL-terminated bytes from the word named):
 *   FS_OPEN      w0 flags (Linux O_*: O_ACCMODE, O_CREAT, O_EXCL, O_TRUNC,
 *                O_DIRECTORY, O_NOFOLLOW), w1 mode, path from w2.
 *                reply: w0 ino, w1 size, w2 mode; 1 handle (the memory
 *                object) if the file is regular
 *   FS_STAT      w0 1: follow a last symlink (stat), 0: not (lstat),
 *                path from w1.   reply: w0 0, w1.. struct fs_stat
 *   FS_FSTAT     w0 ino.         reply: as FS_STAT
 *   FS_READDIR   w0 ino, w1 cookie (0 first). reply: w0 entries, w1 next
 *                cookie (0: the end was reached), entries from w2
 *                (struct fs_dirent header + name, each padded to 8 bytes)
 *   FS_MKDIR     w0 mode, path from w1
 *   FS_RMDIR     path from w0
 *   FS_UNLINK    path from w0
 *   FS_RENAME    old path, then new path, from w0
 *   FS_LINK      existing path, then new path, from w0
 *   FS_SYMLINK   target, then new path, from w0
 *   FS_READLINK  path from w0.  reply: w0 length, bytes from w1
 *   FS_TRUNCATE  w0 ino, w1 size (pages beyond it are dropped)
 *   FS_EXTEND    w0 ino, w1 offset, w2 length: the client will write
 *                [offset, offset+length); blocks past the end are
 *                allocated (zeros) and the size grows. reply: w0 0 or
 *                -ENOSPC..., w1 the size now (on ENOSPC part of the range
 *                may have been allocated: write up to w1)
 *   FS_FSYNC     w0 ino
 *   FS_CLOSE     w0 ino (writes back; the object lives on while mapped)
 *   FS_SYNC      every file and the file system
 *   FS_STATFS    reply: w0 0, w1 block size, w2 blocks, w3 free blocks,
 *                w4 free inodes
 *   FS_CONFIG    w0 read-ahead pages per fault (1..64)
 *   FS_STATS     reply: w0 0, w1 faults, w2 pages read, w3 pages written
 *                back, w4 objects
 *   FS_FILES     w0 cursor (0 first). reply: w0 entries, w1 the next
 *                cursor (0: no more), entries from w2 (struct
 *                fs_file_info, at most FS_FILES_MAX): the open files'
 *                objects, the page cache (ps, vmstat)
 */
#ifndef SERVERS_FS_PROTO_H
#define SERVERS_FS_PROTO_H

#include <stdint.h>

#include "uapi/ipc.h"

enum fs_label {
	FS_OPEN = 1,
	FS_STAT = 2,
	FS_FSTAT = 3,
	FS_READDIR = 4,
	FS_MKDIR = 5,
	FS_RMDIR = 6,
	FS_UNLINK = 7,
	FS_RENAME = 8,
	FS_LINK = 9,
	FS_SYMLINK = 10,
	FS_READLINK = 11,
	FS_TRUNCATE = 12,
	FS_EXTEND = 13,
	FS_FSYNC = 14,
	FS_CLOSE = 15,
	FS_SYNC = 16,
	FS_STATFS = 17,
	FS_CONFIG = 18,
	FS_STATS = 19,
	FS_FILES = 20,
};

/* Linux errno values the server answers with (w0, negated). */
#define FS_EPERM 1
#define FS_ENOENT 2
#define FS_EIO 5
#define FS_EBADF 9
#define FS_ENOMEM 12
#define FS_EEXIST 17
#define FS_ENOTDIR 20
#define FS_EISDIR 21
#define FS_EINVAL 22
#define FS_EMFILE 24
#define FS_EFBIG 27
#define FS_ENOSPC 28
#define FS_ENAMETOOLONG 36
#define FS_ENODEV 19

/* Linux open flags (the generic values riscv64 uses). */
#define FS_O_ACCMODE 03
#define FS_O_RDONLY 0
#define FS_O_WRONLY 01
#define FS_O_RDWR 02
#define FS_O_CREAT 0100
#define FS_O_EXCL 0200
#define FS_O_TRUNC 01000
#define FS_O_APPEND 02000
#define FS_O_DIRECTORY 0200000
#define FS_O_NOFOLLOW 0400000

/* Every file object is this big, whatever the file's size: the object
 * cannot grow, so it is made with room for the largest file the server
 * serves (larger files are EFBIG). Pages past the end are never read
 * from the disk (they read as zeros) and never written back. */
#define FS_OBJECT_SIZE (1ull << 30)

/* The file's stat as replied (w1 on). */
struct fs_stat {
	uint64_t ino, mode, links, size, blocks;
	uint64_t uid_gid;       /* uid | gid << 32 */
	uint64_t atime, mtime, ctime;
};
#define FS_STAT_WORDS (sizeof(struct fs_stat) / 8)
_Static_assert(sizeof(struct fs_stat) == 72, "fs_stat ABI");

/* One directory entry in a FS_READDIR reply: the header, then the name
 * (not NUL-terminated), padded to a multiple of 8 bytes. */
struct fs_dirent {
	uint32_t ino;
	uint8_t type;     /* EXT2_FT_* (servers/fs/ext2.h): DT_* differ */
	uint8_t name_len;
	uint16_t pad;
};
_Static_assert(sizeof(struct fs_dirent) == 8, "fs_dirent ABI");
#define FS_DIRENT_SIZE(len) (8u + (((uint32_t)(len) + 7u) & ~7u))

/* One open file's object in a FS_FILES reply. */
struct fs_file_info {
	uint64_t ino;
	uint64_t size;     /* the file's bytes (0 for an orphan) */
	uint64_t resident; /* pages of its object in memory */
	uint64_t faults;   /* faults that came to the server (read from the disk) */
	uint64_t minor;    /* faults resolved from the resident pages */
	uint64_t orphan;   /* 1: unlinked while still open or mapped */
};
#define FS_FILE_WORDS (sizeof(struct fs_file_info) / 8)
#define FS_FILES_MAX ((IPC_MAX_WORDS - 2) / FS_FILE_WORDS)
_Static_assert(sizeof(struct fs_file_info) == 48, "fs_file_info ABI");

/* Bytes of path a request can carry after `first` fixed words. */
#define FS_PATH_BYTES(first) ((IPC_MAX_WORDS - (first)) * 8u)
#define FS_READDIR_BYTES ((IPC_MAX_WORDS - 2) * 8u)
#define FS_READLINK_MAX ((IPC_MAX_WORDS - 1) * 8u)

/* Marshalling, shared by the server, libc and the host tests. */

/* Packs one or two NUL-terminated strings at w[first..]; returns the
 * message's word count, or 0 if they do not fit. b may be NULL. */
static inline uint32_t fs_pack_paths(uint64_t *w, uint32_t first, const char *a, const char *b)
{
	uint32_t cap = FS_PATH_BYTES(first), la = 0, lb = 0;
	while (a[la] && la < cap)
		la++;
	while (b && b[lb] && lb < cap)
		lb++;
	uint32_t total = la + 1 + (b ? lb + 1 : 0);
	if (la >= cap || lb >= cap || total > cap)
		return 0;
	char *p = (char *)&w[first];
	for (uint32_t i = 0; i < la; i++)
		p[i] = a[i];
	p[la] = 0;
	for (uint32_t i = 0; b && i < lb; i++)
		p[la + 1 + i] = b[i];
	if (b)
		p[la + 1 + lb] = 0;
	uint32_t words = first + (total + 7) / 8;
	for (uint32_t i = total; i < (words - first) * 8; i++)
		p[i] = 0;
	return words;
}

/* Unpacks `count` (1 or 2) NUL-terminated strings from w[first..words)
 * of an untrusted request: each must end inside the words and not be
 * empty. Returns 0 or -FS_EINVAL / -FS_ENOENT (an empty path). */
static inline int fs_unpack_paths(const uint64_t *w, uint32_t words, uint32_t first, int count,
				  const char **a, const char **b)
{
	if (words <= first)
		return -FS_EINVAL;
	const char *p = (const char *)&w[first];
	uint32_t n = (words - first) * 8, at = 0;
	for (int k = 0; k < count; k++) {
		uint32_t start = at;
		while (at < n && p[at])
			at++;
		if (at == n)
			return -FS_EINVAL; /* no NUL inside the message */
		if (at == start)
			return -FS_ENOENT;
		*(k == 0 ? a : b) = p + start;
		at++;
	}
	return 0;
}

#endif
