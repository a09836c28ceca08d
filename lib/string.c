/* Freestanding string functions; see lib/string.h. */
#include "lib/string.h"

#include <stdint.h>

/* memcpy and memset stay visible under LTO: the compiler may emit calls
 * to them (a structure copied or cleared) after LTO has localised them. */
__attribute__((externally_visible)) void *memcpy(void *dst, const void *src, size_t n)
{
	unsigned char *d = dst;
	const unsigned char *s = src;
	if ((((uintptr_t)d | (uintptr_t)s) & 7) == 0) {
		/* Eight words a turn: a page costs ~1,300 instructions, not
		 * ~3,000 (the loop's bookkeeping once per 64 bytes). */
		for (; n >= 64; n -= 64, d += 64, s += 64) {
			const uint64_t *sw = (const uint64_t *)(const void *)s;
			uint64_t *dw = (uint64_t *)(void *)d;
			uint64_t a0 = sw[0], a1 = sw[1], a2 = sw[2], a3 = sw[3];
			uint64_t a4 = sw[4], a5 = sw[5], a6 = sw[6], a7 = sw[7];
			dw[0] = a0;
			dw[1] = a1;
			dw[2] = a2;
			dw[3] = a3;
			dw[4] = a4;
			dw[5] = a5;
			dw[6] = a6;
			dw[7] = a7;
		}
		for (; n >= 8; n -= 8, d += 8, s += 8)
			*(uint64_t *)(void *)d = *(const uint64_t *)(const void *)s;
	}
	while (n--)
		*d++ = *s++;
	return dst;
}

void *memmove(void *dst, const void *src, size_t n)
{
	unsigned char *d = dst;
	const unsigned char *s = src;
	if (d == s || n == 0)
		return dst;
	if (d < s || d >= s + n)
		return memcpy(dst, src, n);
	while (n--)
		d[n] = s[n];
	return dst;
}

__attribute__((externally_visible)) void *memset(void *dst, int c, size_t n)
{
	unsigned char *d = dst;
	if (((uintptr_t)d & 7) == 0) {
		uint64_t w = (unsigned char)c;
		w |= w << 8;
		w |= w << 16;
		w |= w << 32;
		for (; n >= 8; n -= 8, d += 8)
			*(uint64_t *)(void *)d = w;
	}
	while (n--)
		*d++ = (unsigned char)c;
	return dst;
}

int memcmp(const void *a, const void *b, size_t n)
{
	const unsigned char *x = a, *y = b;
	for (size_t i = 0; i < n; i++)
		if (x[i] != y[i])
			return x[i] - y[i];
	return 0;
}

size_t strlen(const char *s)
{
	size_t n = 0;
	while (s[n])
		n++;
	return n;
}

size_t strnlen(const char *s, size_t max)
{
	size_t n = 0;
	while (n < max && s[n])
		n++;
	return n;
}

int strcmp(const char *a, const char *b)
{
	while (*a && *a == *b)
		a++, b++;
	return (unsigned char)*a - (unsigned char)*b;
}

int strncmp(const char *a, const char *b, size_t n)
{
	for (; n; n--, a++, b++) {
		if (*a != *b)
			return (unsigned char)*a - (unsigned char)*b;
		if (!*a)
			return 0;
	}
	return 0;
}

char *strchr(const char *s, int c)
{
	for (;; s++) {
		if (*s == (char)c)
			return (char *)s;
		if (!*s)
			return 0;
	}
}
