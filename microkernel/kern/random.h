/*
 * The kernel's entropy pool: a ChaCha20 keystream (RFC 8439's block
 * function) whose key is the seed. Lifecycle:
 *   1. boot: random_seed() with the bytes the platform offers (QEMU's
 *      /chosen/rng-seed in the device tree) and the timebase count;
 *   2. each request (SYS_GETRANDOM, at most GETRANDOM_MAX bytes) takes
 *      keystream blocks, then the key is replaced by fresh keystream
 *      ("fast key erasure"): bytes handed out cannot be recomputed from
 *      the state that remains.
 * Without a platform seed the pool still works but is predictable from
 * the boot time; boot logs that.
 */
#ifndef KERN_RANDOM_H
#define KERN_RANDOM_H

#include <stddef.h>
#include <stdint.h>

struct thread;

/* RFC 8439 2.3: one 64-byte block for key, counter and nonce. */
void chacha20_block(const uint32_t key[8], uint32_t counter, const uint32_t nonce[3],
		    uint8_t out[64]);

void random_seed(const uint8_t *seed, size_t len, uint64_t boot_time);
void random_fill(void *buf, size_t len);

int64_t sys_getrandom(struct thread *t, const uint64_t *a);

#endif
