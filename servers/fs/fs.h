/*
 * The file system server (protocol in fs_proto.h): fs.c serves the
 * requests, fs_file.c is the pager of the files' memory objects.
 *
 * One thread does everything: the pager loop of pagers/common receives
 * the kernel's FAULT / TERMINATE messages and the clients' requests on
 * one endpoint. While it waits for the disk no other fault or request is
 * served. The server never maps a file's object into its own address
 * space (a fault there would wait for itself): pages move only through
 * supply and evict, and through the disk buffer.
 *
 * Memory of the server (fixed addresses, below the loader's window):
 *   FS_POOL_BASE   the pager pool (fill targets, pagers/common)
 *   FS_STAGE_BASE  the read-ahead staging area (pagers/common)
 *   FS_BUF_VA      the disk buffer shared with the blk driver (libblk):
 *                  FS_BUF_DEV for the ext2 library's block reads and
 *                  writes, FS_BUF_FILL for page fills
 *   FS_WB_VA       empty slots where evicted dirty pages land
 *   FS_RET_VA      the return area: dirty pages the memory manager
 *                  evicted (PAGER_RETURN), written to their files
 */
#ifndef SERVERS_FS_FS_H
#define SERVERS_FS_FS_H

#include <stdbool.h>
#include <stdint.h>

#include "pagers/common/pager.h"
#include "servers/blk/libblk.h"
#include "servers/fs/ext2.h"

#define FS_PAGE 4096u
#define FS_POOL_BASE 0x2000000000ul
#define FS_POOL_MAX 64
#define FS_STAGE_BASE 0x2100000000ul
#define FS_BUF_VA 0x2200000000ul
#define FS_BUF_SIZE (128u << 10)
#define FS_BUF_DEV 0u            /* one block (at most 4 KiB) */
#define FS_BUF_FILL (64u << 10)  /* one page's blocks */
#define FS_WB_VA 0x2300000000ul
#define FS_WB_RUN 16             /* pages evicted at once */
#define FS_RET_VA 0x2400000000ul
#define FS_RET_PAGES 64

/* A file that has a memory object (an open inode). */
struct fs_file {
	uint32_t ino;
	bool orphan;   /* unlinked while open: its inode may be reused, so
			* nothing is read from or written to it any more */
	uint64_t hi;   /* pages [0, hi) may be resident: every page the
			* server supplied lies below */
	struct pager_object *obj;
};

struct fs_stats {
	uint64_t fills, pages_read, pages_written;
};

extern struct ext2_fs fs_ext2;
extern struct blk_dev fs_disk;
extern bool fs_mounted;
extern struct pager fs_pager;
/* Forgets the blocks read ahead for fills (fs_file.c): a disk write. */
void fs_readahead_forget(void);
extern struct fs_stats fs_stats;
extern const struct pager_ops fs_pager_ops;

/* The open file of inode ino (orphans excluded), or NULL. */
struct fs_file *fs_file_find(uint32_t ino);
/* The same, made with a new object if there is none (*created then). */
struct fs_file *fs_file_get(uint32_t ino, bool *created, long *err);
/* Forgets a file whose object nobody got (an undone open). */
void fs_file_drop(struct fs_file *f);
/* The inode went away (unlink, rename over it): see orphan above. */
void fs_file_orphan(uint32_t ino);
/* Writes the object's dirty pages to the file (ext2's cache; the
 * caller syncs). 0 or a negated Linux errno. */
int fs_file_writeback(struct fs_file *f);
/* Every open file's dirty pages. */
int fs_writeback_all(void);
/* Sets the file's size: dirty pages written back first, then pages from
 * the one holding the new end on are dropped (read again, zero past the
 * end, on the next fault). f may be NULL (no object). */
int fs_file_truncate(uint32_t ino, struct fs_file *f, uint64_t size);
/* Objects alive. */
uint64_t fs_file_count(void);
struct fs_file_info;
/* The first open file at index from or after it (FS_FILES): fills *out
 * and returns its index + 1 (the next cursor), or 0 if there is none. */
uint32_t fs_file_next(uint32_t from, struct fs_file_info *out);

#endif
