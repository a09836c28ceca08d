/*
 * The data patterns the disk tests write and check, in the guest and on
 * the host (tests/blk/run-blk-tests computes the same in Perl): the
 * 64-bit little-endian word at disk byte offset o is o * BLK_PAT_MUL ^
 * seed, so every word of every sector differs.
 */
#ifndef TESTS_QEMU_BLK_PATTERN_H
#define TESTS_QEMU_BLK_PATTERN_H

#include <stdbool.h>
#include <stdint.h>

#define BLK_PAT_MUL 0x9e3779b97f4a7c15ull
#define BLK_SEED_HOST 0x1111ull  /* written by the host before boot */
#define BLK_SEED_GUEST 0x2222ull /* written by the guest, checked on the host */

/* Fills len bytes at p with the pattern of disk offset disk_off. */
static inline void blk_pat_fill(void *p, uint64_t disk_off, uint64_t len, uint64_t seed)
{
	uint64_t *w = p;
	for (uint64_t i = 0; i < len / 8; i++)
		w[i] = (disk_off + i * 8) * BLK_PAT_MUL ^ seed;
}

static inline bool blk_pat_check(const void *p, uint64_t disk_off, uint64_t len, uint64_t seed)
{
	const uint64_t *w = p;
	for (uint64_t i = 0; i < len / 8; i++)
		if (w[i] != ((disk_off + i * 8) * BLK_PAT_MUL ^ seed))
			return false;
	return true;
}

/* A checksum for the in-flight tests (FNV-1a over words). */
static inline uint64_t blk_sum(const void *p, uint64_t len)
{
	const uint64_t *w = p;
	uint64_t h = 0xcbf29ce484222325ull;
	for (uint64_t i = 0; i < len / 8; i++)
		h = (h ^ w[i]) * 0x100000001b3ull;
	return h;
}

#endif
