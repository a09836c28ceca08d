/*
 * The block cache: EXT2_CACHE_BLOCKS write-back buffers of one block
 * each, least recently used first out. Metadata and file data alike go
 * through it; ext2_sync() writes every dirty buffer.
 *
 * Invariant: a block number is cached in at most one slot; a pinned slot
 * is never reused. An operation pins at most a few blocks at once (an
 * indirect chain, a directory block and an inode block), far below the
 * slot count, so running out of slots is a bug reported as -EXT2_EIO.
 */
#include "servers/fs/ext2_int.h"

static uint64_t blk_off(const struct ext2_fs *fs, uint32_t blk)
{
	return (uint64_t)blk << (10 + fs->g.log_block_size);
}

static int slot_write(struct ext2_fs *fs, struct ext2_cache_buf *c)
{
	if (!c->dirty)
		return 0;
	int rc = fs->dev.write(fs->dev.ctx, blk_off(fs, c->blk), c->data, fs->g.block_size);
	if (rc < 0)
		return -EXT2_EIO;
	c->dirty = false;
	return 0;
}

static struct ext2_cache_buf *slot_find(struct ext2_fs *fs, uint32_t blk)
{
	for (int i = 0; i < EXT2_CACHE_BLOCKS; i++)
		if (fs->cache[i].blk == blk)
			return &fs->cache[i];
	return NULL;
}

/* An empty slot, or the least recently used unpinned one (written back
 * first if dirty). */
static int slot_victim(struct ext2_fs *fs, struct ext2_cache_buf **out)
{
	struct ext2_cache_buf *best = NULL;

	for (int i = 0; i < EXT2_CACHE_BLOCKS; i++) {
		struct ext2_cache_buf *c = &fs->cache[i];
		if (c->pins)
			continue;
		if (c->blk == 0) {
			best = c;
			break;
		}
		if (!best || (uint32_t)(fs->clock - c->stamp) > (uint32_t)(fs->clock - best->stamp))
			best = c;
	}
	if (!best)
		return ext2_corrupt(fs, "block cache: every slot pinned");
	int rc = slot_write(fs, best);
	if (rc < 0)
		return rc;
	best->blk = 0;
	*out = best;
	return 0;
}

int bc_get(struct ext2_fs *fs, uint32_t blk, bool fresh, uint8_t **data)
{
	if (blk == 0 || blk >= fs->g.blocks_count)
		return ext2_corrupt(fs, "block number out of range");
	struct ext2_cache_buf *c = slot_find(fs, blk);
	if (!c) {
		int rc = slot_victim(fs, &c);
		if (rc < 0)
			return rc;
		if (!fresh) {
			rc = fs->dev.read(fs->dev.ctx, blk_off(fs, blk), c->data, fs->g.block_size);
			if (rc < 0)
				return -EXT2_EIO;
		}
		c->blk = blk;
		c->dirty = false;
	}
	c->pins++;
	c->stamp = ++fs->clock;
	*data = c->data;
	return 0;
}

static struct ext2_cache_buf *slot_of(struct ext2_fs *fs, uint8_t *data)
{
	for (int i = 0; i < EXT2_CACHE_BLOCKS; i++)
		if (fs->cache[i].data == data)
			return &fs->cache[i];
	return NULL;
}

void bc_put(struct ext2_fs *fs, uint8_t *data, bool dirty)
{
	struct ext2_cache_buf *c = slot_of(fs, data);

	if (!c || c->pins == 0)
		return; /* not ours: nothing to undo */
	c->pins--;
	if (dirty)
		c->dirty = true;
}

int bc_zero(struct ext2_fs *fs, uint32_t blk)
{
	uint8_t *d;
	int rc = bc_get(fs, blk, true, &d);

	if (rc < 0)
		return rc;
	memset(d, 0, fs->g.block_size);
	bc_put(fs, d, true);
	return 0;
}

int bc_flush(struct ext2_fs *fs)
{
	int err = 0;

	for (int i = 0; i < EXT2_CACHE_BLOCKS; i++) {
		int rc = slot_write(fs, &fs->cache[i]);
		if (rc < 0)
			err = rc;
	}
	return err;
}

int bc_drop(struct ext2_fs *fs, uint32_t blk)
{
	struct ext2_cache_buf *c = slot_find(fs, blk);

	if (!c || blk == 0)
		return 0;
	if (c->pins)
		return ext2_corrupt(fs, "block cache: dropping a pinned block");
	int rc = slot_write(fs, c);
	if (rc < 0)
		return rc;
	c->blk = 0;
	return 0;
}

void bc_forget(struct ext2_fs *fs, uint32_t blk)
{
	struct ext2_cache_buf *c = slot_find(fs, blk);

	if (c && blk != 0 && c->pins == 0) {
		c->blk = 0;
		c->dirty = false;
	}
}
