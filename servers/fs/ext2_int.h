/*
 * Inside the ext2 library: the on-disk layout and the helpers the
 * library's files share (block cache, inodes, group descriptors,
 * allocation, block mapping, directories). Not for callers.
 *
 * Layout facts (ext2 revision 1): block 0 holds the 1024-byte superblock
 * at byte 1024; the group descriptor table starts in the block after the
 * one holding the superblock, followed by the blocks reserved for its
 * growth (resize_inode). Group g covers blocks first_data_block +
 * g * blocks_per_group onward; its descriptor names its block bitmap,
 * inode bitmap and inode table. Inode n (from 1) is entry (n-1) %
 * inodes_per_group of group (n-1) / inodes_per_group's table. A file's
 * i_block has 12 direct block numbers, then single, double and triple
 * indirect ones. Everything is little-endian.
 */
#ifndef SERVERS_FS_EXT2_INT_H
#define SERVERS_FS_EXT2_INT_H

#include <stdint.h>

#include "lib/string.h"
#include "servers/fs/ext2.h"

#if !defined(__BYTE_ORDER__) || __BYTE_ORDER__ != __ORDER_LITTLE_ENDIAN__
#error "the ext2 library reads the little-endian disk layout in place"
#endif

/* Superblock field offsets. */
#define SB_INODES_COUNT 0
#define SB_BLOCKS_COUNT 4
#define SB_R_BLOCKS_COUNT 8
#define SB_FREE_BLOCKS 12
#define SB_FREE_INODES 16
#define SB_FIRST_DATA_BLOCK 20
#define SB_LOG_BLOCK_SIZE 24
#define SB_LOG_FRAG_SIZE 28
#define SB_BLOCKS_PER_GROUP 32
#define SB_FRAGS_PER_GROUP 36
#define SB_INODES_PER_GROUP 40
#define SB_WTIME 48
#define SB_MAGIC 56
#define SB_STATE 58
#define SB_REV_LEVEL 76
#define SB_FIRST_INO 84
#define SB_INODE_SIZE 88
#define SB_FEATURE_COMPAT 92
#define SB_FEATURE_INCOMPAT 96
#define SB_FEATURE_RO_COMPAT 100
#define SB_RESERVED_GDT 206

#define EXT2_MAGIC 0xEF53
#define COMPAT_RESIZE_INODE 0x10
#define INCOMPAT_FILETYPE 0x2
#define RO_COMPAT_SPARSE_SUPER 0x1
#define RO_COMPAT_LARGE_FILE 0x2
#define INCOMPAT_SUPPORTED INCOMPAT_FILETYPE
#define RO_COMPAT_SUPPORTED (RO_COMPAT_SPARSE_SUPER | RO_COMPAT_LARGE_FILE)

/* Inode flags. */
#define EXT2_INDEX_FL 0x1000 /* hashed (htree) directory; read as linear */

#define EA_MAGIC 0xEA020000u

#define NDIR 12 /* direct blocks in i_block */

/* The first 152 bytes of an on-disk inode (128 in the old size, then the
 * large inode's extra fields as far as the times). */
struct ext2_inode {
	uint16_t mode, uid;
	uint32_t size, atime, ctime, mtime, dtime;
	uint16_t gid, links;
	uint32_t blocks, flags, osd1;
	uint32_t block[15];
	uint32_t generation, file_acl, size_high, faddr;
	uint16_t blocks_hi, file_acl_high, uid_high, gid_high, checksum_lo, reserved;
	uint16_t extra_isize, checksum_hi;
	uint32_t ctime_extra, mtime_extra, atime_extra, crtime, crtime_extra;
};
_Static_assert(sizeof(struct ext2_inode) == 152, "ext2 inode layout");
#define INODE_OLD_SIZE 128
#define INODE_EXTRA_ISIZE 32 /* what mke2fs gives a large inode */

/* An inode read into memory, written back with inode_put(). */
struct inode_ref {
	uint32_t ino;
	struct ext2_inode d;
};

struct ext2_gd {
	uint32_t block_bitmap, inode_bitmap, inode_table;
	uint16_t free_blocks, free_inodes, used_dirs, flags;
	uint32_t pad[3];
};
_Static_assert(sizeof(struct ext2_gd) == 32, "ext2 group descriptor layout");

/* Little-endian access to bytes at any alignment. */
static inline uint32_t get32(const uint8_t *p)
{
	uint32_t v;
	memcpy(&v, p, 4);
	return v;
}
static inline void put32(uint8_t *p, uint32_t v)
{
	memcpy(p, &v, 4);
}
static inline uint16_t get16(const uint8_t *p)
{
	uint16_t v;
	memcpy(&v, p, 2);
	return v;
}
static inline void put16(uint8_t *p, uint16_t v)
{
	memcpy(p, &v, 2);
}

static inline bool pow2_u32(uint32_t x)
{
	return x && !(x & (x - 1));
}

/* Records the failed check for ext2_error() and returns -EXT2_EIO. */
int ext2_corrupt(struct ext2_fs *fs, const char *what);
uint32_t ext2_now(struct ext2_fs *fs);
bool ext2_rdonly(const struct ext2_fs *fs);

/* Block cache (ext2_cache.c). bc_get pins a block (read from disk unless
 * fresh, in which case its contents are undefined); bc_put unpins it,
 * marking it dirty if asked. A pointer is valid only while pinned. */
int bc_get(struct ext2_fs *fs, uint32_t blk, bool fresh, uint8_t **data);
void bc_put(struct ext2_fs *fs, uint8_t *data, bool dirty);
int bc_zero(struct ext2_fs *fs, uint32_t blk);
int bc_flush(struct ext2_fs *fs);
int bc_drop(struct ext2_fs *fs, uint32_t blk);
void bc_forget(struct ext2_fs *fs, uint32_t blk);

/* Groups, inodes and allocation (ext2_alloc.c). */
bool blk_is_data(const struct ext2_fs *fs, uint32_t b);
int gd_get(struct ext2_fs *fs, uint32_t group, struct ext2_gd *gd);
int gd_put(struct ext2_fs *fs, uint32_t group, const struct ext2_gd *gd);
int inode_get(struct ext2_fs *fs, uint32_t ino, struct inode_ref *ip);
int inode_put(struct ext2_fs *fs, const struct inode_ref *ip);
int block_alloc(struct ext2_fs *fs, uint32_t goal, uint32_t *out);
int block_free(struct ext2_fs *fs, uint32_t b);
int inode_alloc(struct ext2_fs *fs, uint32_t parent, bool dir, uint32_t *out);
int inode_free(struct ext2_fs *fs, uint32_t ino, bool dir);
int inode_clear(struct ext2_fs *fs, uint32_t ino);

/* Inode fields. */
static inline uint32_t i_type(const struct inode_ref *ip)
{
	return ip->d.mode & EXT2_S_IFMT;
}
static inline bool i_isdir(const struct inode_ref *ip)
{
	return i_type(ip) == EXT2_S_IFDIR;
}
uint64_t i_size(const struct inode_ref *ip);
void i_set_size(struct inode_ref *ip, uint64_t size);
bool i_fast_symlink(const struct ext2_fs *fs, const struct inode_ref *ip);
bool i_has_blocks(const struct ext2_fs *fs, const struct inode_ref *ip);
void i_touch(struct ext2_fs *fs, struct inode_ref *ip, bool mtime);
uint8_t ft_of_mode(uint32_t mode);

/* Block mapping and file data (ext2_file.c). */
int bmap(struct ext2_fs *fs, struct inode_ref *ip, uint64_t lblk, bool alloc, uint32_t *out);
int trunc_blocks(struct ext2_fs *fs, struct inode_ref *ip, uint64_t from);
int inode_release(struct ext2_fs *fs, struct inode_ref *ip);

/* Directory entries (ext2_dir.c). Each takes a directory inode already
 * checked by dir_open(); changes to it (size, flags, times) are made in
 * *dp, which the caller writes back. */
int check_name(const char *name, size_t len);
bool is_dot(const char *name, size_t len);
bool is_dotdot(const char *name, size_t len);
int dir_open(struct ext2_fs *fs, uint32_t ino, struct inode_ref *dp);
int dir_find(struct ext2_fs *fs, struct inode_ref *dp, const char *name, size_t len, uint32_t *ino);
int dir_add(struct ext2_fs *fs, struct inode_ref *dp, const char *name, size_t len, uint32_t ino,
	    uint8_t type);
int dir_remove(struct ext2_fs *fs, struct inode_ref *dp, const char *name, size_t len);
int dir_set(struct ext2_fs *fs, struct inode_ref *dp, const char *name, size_t len, uint32_t ino,
	    uint8_t type);
int dir_empty(struct ext2_fs *fs, struct inode_ref *dp);

#endif
