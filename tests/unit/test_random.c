/* kern/random.c: the ChaCha20 block against RFC 8439's test vector, and
 * the pool's output. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>
#include <cmocka.h>

#include "kern/random.h"

struct task;

/* What random.c needs from the rest of the kernel. */
void klog(const char *fmt, ...)
{
	(void)fmt;
}

int copy_to_user(struct task *t, uint64_t dst, const void *src, size_t n)
{
	(void)t;
	memcpy((void *)(uintptr_t)dst, src, n);
	return 0;
}

/* RFC 8439 section 2.3.2: key 00..1f, nonce 00:00:00:09:00:00:00:4a:00:00:00:00,
 * block counter 1. */
static void test_chacha20_block_matches_rfc8439(void **state)
{
	(void)state;
	uint32_t key[8], nonce[3] = { 0x09000000, 0x4a000000, 0 };
	for (int i = 0; i < 8; i++)
		key[i] = (uint32_t)(4 * i) | (uint32_t)(4 * i + 1) << 8 |
			 (uint32_t)(4 * i + 2) << 16 | (uint32_t)(4 * i + 3) << 24;
	static const uint8_t want[64] = {
		0x10, 0xf1, 0xe7, 0xe4, 0xd1, 0x3b, 0x59, 0x15, 0x50, 0x0f, 0xdd, 0x1f, 0xa3,
		0x20, 0x71, 0xc4, 0xc7, 0xd1, 0xf4, 0xc7, 0x33, 0xc0, 0x68, 0x03, 0x04, 0x22,
		0xaa, 0x9a, 0xc3, 0xd4, 0x6c, 0x4e, 0xd2, 0x82, 0x64, 0x46, 0x07, 0x9f, 0xaa,
		0x09, 0x14, 0xc2, 0xd7, 0x05, 0xd9, 0x8b, 0x02, 0xa2, 0xb5, 0x12, 0x9c, 0xd1,
		0xde, 0x16, 0x4e, 0xb9, 0xcb, 0xd0, 0x83, 0xe8, 0xa2, 0x50, 0x3c, 0x4e,
	};
	uint8_t got[64];
	chacha20_block(key, 1, nonce, got);
	assert_memory_equal(got, want, sizeof(want));
}

/* Two requests never repeat, and the bytes are not all alike. */
static void test_random_fill_never_repeats(void **state)
{
	(void)state;
	static const uint8_t seed[32] = { 1, 2, 3 };
	random_seed(seed, sizeof(seed), 12345);
	uint8_t a[200], b[200];
	random_fill(a, sizeof(a));
	random_fill(b, sizeof(b));
	assert_memory_not_equal(a, b, sizeof(a));
	int counts[256] = { 0 }, distinct = 0;
	for (size_t i = 0; i < sizeof(a); i++)
		distinct += counts[a[i]]++ == 0;
	assert_true(distinct > 100); /* 200 random bytes: about 140 distinct */
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_chacha20_block_matches_rfc8439),
		cmocka_unit_test(test_random_fill_never_repeats),
	};
	return cmocka_run_group_tests(tests, 0, 0);
}
