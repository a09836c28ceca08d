/*
 * ext2 (revision 1, as Debian bookworm's `mke2fs -t ext2` makes it) as a
 * portable library: no allocation, no OS, no libc beyond the memory and
 * string functions of lib/string.h. The caller owns the memory (one
 * struct ext2_fs, block cache included) and the disk (two callbacks).
 *
 * Lifecycle:
 *   1. the caller fills a struct ext2_dev (byte-granular read and write
 *      callbacks, the disk size, a clock) and calls ext2_mount(), which
 *      checks the superblock and every group descriptor and refuses a
 *      corrupt or unsupported image with a negative code, naming the
 *      failed field in ext2_error();
 *   2. the caller looks names up (ext2_lookup, ext2_resolve), reads and
 *      writes files and directories by inode number; every change goes
 *      into the block cache (write-back) and the in-memory superblock;
 *   3. ext2_sync() writes every dirty cached block, the group
 *      descriptors' and superblock's counts: after it the image on disk
 *      is consistent (e2fsck -fn finds nothing);
 *   4. the caller drops the struct (after a last ext2_sync()).
 *
 * A pager that moves page-sized reads and writes by DMA asks
 * ext2_page_blocks() for the disk blocks under one page of a file (holes
 * reported as 0, or allocated on request); the call writes back and drops
 * any cached copy of those blocks so DMA and the cache never disagree.
 *
 * Every value read from the disk is checked before use: a corrupt image
 * gives -EXT2_EIO (and ext2_error() names the check), never a crash, an
 * out-of-bounds access or an unbounded loop. Not thread-safe: one caller
 * at a time.
 *
 * Not supported: extents, 64bit, flex_bg, meta_bg, journals needing
 * recovery and every other incompatible feature (mount refuses them);
 * unknown read-only-compatible features mount read-only. Extended
 * attributes are ignored (an inode's attribute block is released with it).
 * The blocks reserved for root (s_r_blocks_count) are not held back.
 */
#ifndef SERVERS_FS_EXT2_H
#define SERVERS_FS_EXT2_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

/* Errors: returned negated. The numbers are Linux's errno values, so a
 * server can hand them to musl unchanged. */
#define EXT2_EPERM 1
#define EXT2_ENOENT 2
#define EXT2_EIO 5
#define EXT2_EEXIST 17
#define EXT2_EXDEV 18
#define EXT2_ENOTDIR 20
#define EXT2_EISDIR 21
#define EXT2_EINVAL 22
#define EXT2_EFBIG 27
#define EXT2_ENOSPC 28
#define EXT2_EROFS 30
#define EXT2_EMLINK 31
#define EXT2_ENAMETOOLONG 36
#define EXT2_ENOTEMPTY 39
#define EXT2_ELOOP 40
#define EXT2_ENOTSUP 95 /* an unsupported feature or inode kind */

#define EXT2_ROOT_INO 2
#define EXT2_NAME_MAX 255
#define EXT2_PATH_MAX 1024 /* longest path ext2_resolve() takes */
#define EXT2_SYMLINK_MAX 4095
#define EXT2_LINK_MAX 32000
#define EXT2_MAX_BLOCK 4096

/* Blocks the cache holds; every operation pins at most 8 at once. */
#ifndef EXT2_CACHE_BLOCKS
#define EXT2_CACHE_BLOCKS 32
#endif
_Static_assert(EXT2_CACHE_BLOCKS >= 12, "the cache must hold an operation's pins");

/* File types of the mode's top bits (as in POSIX stat). */
#define EXT2_S_IFMT 0170000
#define EXT2_S_IFSOCK 0140000
#define EXT2_S_IFLNK 0120000
#define EXT2_S_IFREG 0100000
#define EXT2_S_IFBLK 0060000
#define EXT2_S_IFDIR 0040000
#define EXT2_S_IFCHR 0020000
#define EXT2_S_IFIFO 0010000

/* The disk. Offsets and lengths are in bytes; the library asks only for
 * whole blocks at block-aligned offsets, except for the superblock (1024
 * bytes at 1024). Both return 0 or a negative code (-EXT2_EIO). */
struct ext2_dev {
	void *ctx;
	int (*read)(void *ctx, uint64_t off, void *buf, uint32_t len);
	int (*write)(void *ctx, uint64_t off, const void *buf, uint32_t len);
	uint64_t size;                /* bytes; 0 if unknown */
	uint32_t (*now)(void *ctx);   /* seconds since 1970; NULL: 0 */
};

#define EXT2_MOUNT_RDONLY 1u

struct ext2_cache_buf {
	uint32_t blk;     /* 0: slot empty */
	uint32_t pins;
	uint32_t stamp;   /* last use, for LRU */
	bool dirty;
	uint8_t data[EXT2_MAX_BLOCK];
};

/* Parsed superblock and geometry; set by ext2_mount(). */
struct ext2_geom {
	uint32_t block_size, log_block_size;
	uint32_t blocks_count, inodes_count;
	uint32_t first_data_block;
	uint32_t blocks_per_group, inodes_per_group;
	uint32_t groups;
	uint32_t inode_size, first_ino;
	uint32_t inode_table_blocks; /* per group */
	uint32_t gdt_blocks;         /* descriptor blocks in use */
	uint32_t meta_end;           /* first block after primary sb + GDT */
	uint32_t ptrs;               /* block numbers per block */
	bool filetype;               /* dir entries carry a file type */
	uint64_t max_file_size;
};

struct ext2_fs {
	struct ext2_dev dev;
	struct ext2_geom g;
	unsigned flags;
	bool sb_dirty;
	uint8_t sb[1024];            /* the primary superblock as on disk */
	const char *err;             /* the last failed check */
	uint32_t clock;              /* cache LRU clock */
	uint32_t generation;
	struct ext2_cache_buf cache[EXT2_CACHE_BLOCKS];
	char path[2][EXT2_PATH_MAX]; /* ext2_resolve()'s work buffers */
};

struct ext2_stat {
	uint32_t ino;
	uint32_t mode;               /* type and permission bits */
	uint32_t links;
	uint32_t uid, gid;
	uint64_t size;
	uint64_t blocks;             /* 512-byte units, as st_blocks */
	uint32_t atime, mtime, ctime;
	uint32_t flags;              /* i_flags */
	uint32_t rdev;               /* device inodes: the old encoding */
};

/* One directory entry as ext2_readdir() gives it. */
struct ext2_dirent {
	uint32_t ino;
	uint8_t type;                /* EXT2_FT_*; 0 if unknown */
	uint8_t name_len;
	char name[EXT2_NAME_MAX + 1];  /* NUL-terminated */
};

#define EXT2_FT_UNKNOWN 0
#define EXT2_FT_REG 1
#define EXT2_FT_DIR 2
#define EXT2_FT_CHR 3
#define EXT2_FT_BLK 4
#define EXT2_FT_FIFO 5
#define EXT2_FT_SOCK 6
#define EXT2_FT_SYMLINK 7

/* ext2_setattr() mask bits. */
#define EXT2_SET_MODE 1u   /* permission bits only; the type stays */
#define EXT2_SET_UID 2u
#define EXT2_SET_GID 4u
#define EXT2_SET_ATIME 8u
#define EXT2_SET_MTIME 16u

struct ext2_attr {
	uint32_t mode, uid, gid, atime, mtime;
};

/* Mount and sync. */
int ext2_mount(struct ext2_fs *fs, const struct ext2_dev *dev, unsigned flags);
int ext2_sync(struct ext2_fs *fs);
const char *ext2_error(const struct ext2_fs *fs);
uint32_t ext2_block_size(const struct ext2_fs *fs);
/* Free blocks and inodes (the superblock's counts). */
void ext2_statfs(const struct ext2_fs *fs, uint64_t *free_blocks, uint64_t *free_inodes);

/* Names. name/len need not be NUL-terminated. ext2_resolve() walks a
 * path from dir (or the root for an absolute one), following symlinks in
 * every component but the last (the last too with follow). */
int ext2_lookup(struct ext2_fs *fs, uint32_t dir, const char *name, size_t len, uint32_t *ino);
int ext2_resolve(struct ext2_fs *fs, uint32_t dir, const char *path, bool follow, uint32_t *ino);

/* Inodes. */
int ext2_stat(struct ext2_fs *fs, uint32_t ino, struct ext2_stat *st);
int ext2_setattr(struct ext2_fs *fs, uint32_t ino, unsigned mask, const struct ext2_attr *a);

/* Regular files. read returns the bytes read (0 at or past the end),
 * write the bytes written (fewer on ENOSPC after some were). */
int64_t ext2_read(struct ext2_fs *fs, uint32_t ino, uint64_t off, void *buf, size_t len);
int64_t ext2_write(struct ext2_fs *fs, uint32_t ino, uint64_t off, const void *buf, size_t len);
int ext2_truncate(struct ext2_fs *fs, uint32_t ino, uint64_t size);

/* The disk blocks under page `page` (page_size a power of two, a
 * multiple of the block size, at most 64 blocks) of a regular file:
 * out[i] is the block of the page's i-th file block, 0 for a hole (with
 * alloc, holes are allocated and zeroed on disk first, and the file's size
 * is not changed). Returns the count of entries (page_size / block
 * size). Cached copies of the blocks are written back and dropped. */
int ext2_page_blocks(struct ext2_fs *fs, uint32_t ino, uint64_t page, uint32_t page_size,
		     bool alloc, uint32_t *out, size_t n);
/* The run of file blocks from block `first` on (at most max, none past
 * the end of the file) that lie one after another on disk, from *disk
 * on: returns how many (0: a hole at first, or first past the end), or
 * a negative code if the first cannot be mapped. *size is the file's
 * size. Cached copies of those blocks are written back and dropped, so
 * the disk has them. One inode read for the whole run. */
int ext2_run_blocks(struct ext2_fs *fs, uint32_t ino, uint64_t first, uint32_t max,
		    uint32_t *disk, uint64_t *size);

/* Directories. pos starts at 0 and is advanced; returns 1 with an entry,
 * 0 at the end. Entries "." and ".." are returned like others. */
int ext2_readdir(struct ext2_fs *fs, uint32_t dir, uint64_t *pos, struct ext2_dirent *ent);
int ext2_create(struct ext2_fs *fs, uint32_t dir, const char *name, size_t len, uint32_t mode,
		uint32_t uid, uint32_t gid, uint32_t *ino);
int ext2_mkdir(struct ext2_fs *fs, uint32_t dir, const char *name, size_t len, uint32_t mode,
	       uint32_t uid, uint32_t gid, uint32_t *ino);
int ext2_symlink(struct ext2_fs *fs, uint32_t dir, const char *name, size_t len,
		 const char *target, size_t tlen, uint32_t uid, uint32_t gid, uint32_t *ino);
int ext2_link(struct ext2_fs *fs, uint32_t dir, const char *name, size_t len, uint32_t ino);
int ext2_unlink(struct ext2_fs *fs, uint32_t dir, const char *name, size_t len);
int ext2_rmdir(struct ext2_fs *fs, uint32_t dir, const char *name, size_t len);
int ext2_rename(struct ext2_fs *fs, uint32_t odir, const char *oname, size_t olen,
		uint32_t ndir, const char *nname, size_t nlen);
/* Copies the target (not NUL-terminated); returns its length. */
int ext2_readlink(struct ext2_fs *fs, uint32_t ino, char *buf, size_t len);

#endif
