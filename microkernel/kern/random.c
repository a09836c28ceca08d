/* The entropy pool; see kern/random.h. */
#include "kern/random.h"

#include "kern/log.h"
#include "kern/thread.h"
#include "kern/usercopy.h"
#include "lib/string.h"
#include "uapi/errors.h"
#include "uapi/syscall.h"

static uint32_t rotl(uint32_t x, int n)
{
	return x << n | x >> (32 - n);
}

static void quarter_round(uint32_t *s, int a, int b, int c, int d)
{
	s[a] += s[b], s[d] = rotl(s[d] ^ s[a], 16);
	s[c] += s[d], s[b] = rotl(s[b] ^ s[c], 12);
	s[a] += s[b], s[d] = rotl(s[d] ^ s[a], 8);
	s[c] += s[d], s[b] = rotl(s[b] ^ s[c], 7);
}

void chacha20_block(const uint32_t key[8], uint32_t counter, const uint32_t nonce[3],
		    uint8_t out[64])
{
	/* "expand 32-byte k", then key, counter, nonce (all little endian). */
	uint32_t in[16] = { 0x61707865, 0x3320646e, 0x79622d32, 0x6b206574 };
	for (int i = 0; i < 8; i++)
		in[4 + i] = key[i];
	in[12] = counter;
	in[13] = nonce[0], in[14] = nonce[1], in[15] = nonce[2];
	uint32_t s[16];
	memcpy(s, in, sizeof(s));
	for (int i = 0; i < 10; i++) { /* 20 rounds: column, then diagonal */
		quarter_round(s, 0, 4, 8, 12), quarter_round(s, 1, 5, 9, 13);
		quarter_round(s, 2, 6, 10, 14), quarter_round(s, 3, 7, 11, 15);
		quarter_round(s, 0, 5, 10, 15), quarter_round(s, 1, 6, 11, 12);
		quarter_round(s, 2, 7, 8, 13), quarter_round(s, 3, 4, 9, 14);
	}
	for (int i = 0; i < 16; i++) {
		uint32_t v = s[i] + in[i];
		out[4 * i] = (uint8_t)v, out[4 * i + 1] = (uint8_t)(v >> 8);
		out[4 * i + 2] = (uint8_t)(v >> 16), out[4 * i + 3] = (uint8_t)(v >> 24);
	}
}

static uint32_t pool_key[8];  /* one hart, no preemption inside the kernel: no lock */
static uint32_t pool_nonce[3];

/* Folds bytes into the key; the first block after seeding mixes them. */
static void mix(const uint8_t *p, size_t len)
{
	for (size_t i = 0; i < len; i++)
		pool_key[i / 4 % 8] ^= (uint32_t)p[i] << (8 * (i % 4));
	pool_nonce[0]++;
}

/* Replaces the key with keystream nobody has seen. */
static void rekey(void)
{
	uint8_t b[64];
	chacha20_block(pool_key, 0, pool_nonce, b);
	memcpy(pool_key, b, 32);
	memset(b, 0, sizeof(b));
}

void random_seed(const uint8_t *seed, size_t len, uint64_t boot_time)
{
	mix(seed, len);
	mix((const uint8_t *)&boot_time, sizeof(boot_time));
	rekey();
	if (len < 16)
		klog("random: no seed from the platform; getrandom is predictable\n");
}

void random_fill(void *buf, size_t len)
{
	uint8_t *out = buf, b[64];
	for (uint32_t block = 1; len; block++) {
		chacha20_block(pool_key, block, pool_nonce, b);
		size_t n = len < sizeof(b) ? len : sizeof(b);
		memcpy(out, b, n);
		out += n, len -= n;
	}
	memset(b, 0, sizeof(b));
	rekey();
}

int64_t sys_getrandom(struct thread *t, const uint64_t *a)
{
	uint8_t b[GETRANDOM_MAX];
	uint64_t len = a[1];
	if (len > GETRANDOM_MAX)
		return -E_INVAL;
	random_fill(b, len);
	int err = copy_to_user(t->task, a[0], b, len);
	memset(b, 0, sizeof(b));
	return err ? err : (int64_t)len;
}
